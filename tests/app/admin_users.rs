//! `/admin/users`: create, validate, change role, disable and enable; the audit trail.

use crate::support::*;

#[test]
fn an_admin_creates_a_user_who_can_then_sign_in() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    let fields = [
        ("username", "Maria.K"),
        ("display_name", "Maria Keller"),
        ("role", "staff"),
        ("salesperson_code", "mk"),
        ("password", PASSWORD),
        ("password_confirmation", PASSWORD),
    ];
    // The salesperson must exist.
    let res = admin.submit("/admin/users/new", "/admin/users", &fields);
    res.assert_status(422);
    assert!(res.contains("There is no salesperson MK."));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'Maria.K'"),
        0
    );
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('MK', 'Maria Keller')",
    );
    let res = admin.submit("/admin/users/new", "/admin/users", &fields);
    res.assert_redirect("/admin/users");
    let list = admin.get("/admin/users");
    assert!(list.contains("User Maria.K created."));
    assert!(list.contains("Maria Keller"));
    assert_eq!(app.count("SELECT count(*) FROM users WHERE username = 'Maria.K' AND role = 'staff' AND salesperson_code = 'MK'"), 1);
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action = 'user created' AND subject = 'Maria.K' AND actor = 'boss' \
         AND detail = 'role staff; full name Maria Keller; salesperson MK'"), 1);
    // User names are case-insensitive at sign-in.
    app.client().sign_in("maria.k", PASSWORD);
    // The list is in alphabetical order, not the bytes' ("Maria.K" before "boss").
    app.user("anna", "viewer");
    app.user("Zoe", "viewer");
    let list = admin.get("/admin/users");
    let at = |name: &str| list.body.find(&format!("/admin/users/{name}\"")).unwrap();
    assert!(at("anna") < at("boss") && at("boss") < at("Maria.K") && at("Maria.K") < at("Zoe"));

    // The form offers the salespeople to choose from; a blocked one is refused for a new
    // user (new segments and campaigns would silently get none) and stays with one who has it.
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name, blocked) VALUES ('OLD', 'Old Sales', TRUE)",
    );
    let form = admin.get("/admin/users/new");
    assert!(
        form.contains("<select id=\"salesperson_code\" name=\"salesperson_code\"")
            && form.contains("<option value=\"MK\">MK – Maria Keller</option>"),
        "{}",
        form.body
    );
    let res = admin.submit(
        "/admin/users/new",
        "/admin/users",
        &[
            ("username", "olga"),
            ("display_name", "Olga"),
            ("role", "staff"),
            ("salesperson_code", "OLD"),
            ("password", PASSWORD),
            ("password_confirmation", PASSWORD),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Salesperson OLD is blocked: choose another."));
    crate::auth::diesel_exec(
        &app,
        "UPDATE users SET salesperson_code = 'OLD' WHERE username = 'Maria.K'",
    );
    let page = admin.get("/admin/users/Maria.K");
    assert!(
        page.contains("<option value=\"OLD\" selected>"),
        "{}",
        page.body
    );
}

#[test]
fn invalid_new_users_come_back_with_messages_per_field() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    app.user("taken", "viewer");
    let res = admin.submit(
        "/admin/users/new",
        "/admin/users",
        &[
            ("username", "TAKEN"),
            ("display_name", ""),
            ("role", "root"),
            ("password", "short"),
            ("password_confirmation", "short"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("This user name is already taken."));
    assert!(res.contains("Enter the name to show for this user."));
    assert!(res.contains("Choose admin, staff or viewer."));
    assert!(res.contains("Use at least 12 characters."));
    assert!(res.contains("value=\"TAKEN\""), "typed values are kept");
    assert!(!res.contains("value=\"short\""), "passwords are not echoed");
    assert!(res.contains("aria-invalid=\"true\""));
    assert_eq!(app.count("SELECT count(*) FROM users"), 2);

    let mismatch = admin.submit(
        "/admin/users/new",
        "/admin/users",
        &[
            ("username", "fresh"),
            ("display_name", "Fresh"),
            ("role", "staff"),
            ("password", PASSWORD),
            ("password_confirmation", "something else entirely"),
        ],
    );
    mismatch.assert_status(422);
    assert!(mismatch.contains("The two passwords do not match."));
    // Next to "Repeat the password" (it was under "Password").
    assert!(
        mismatch.contains("id=\"password_confirmation-error\""),
        "{}",
        mismatch.body
    );
    assert_eq!(app.count("SELECT count(*) FROM users"), 2);

    let guessed = admin.submit(
        "/admin/users/new",
        "/admin/users",
        &[
            ("username", "fresh"),
            ("display_name", "Fresh"),
            ("role", "staff"),
            ("password", "Fresh-start-2026"),
            ("password_confirmation", "Fresh-start-2026"),
        ],
    );
    guessed.assert_status(422);
    assert!(guessed.contains("The password cannot contain the user name."));
    assert_eq!(app.count("SELECT count(*) FROM users"), 2);
}

#[test]
fn an_admin_changes_a_role_and_the_user_sees_it_at_once() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    let mut maria = app.signed_in("maria", "viewer");
    let refused = maria.get("/admin/users");
    refused.assert_status(403);
    // The page says what it takes and the role the user has now, not "reload and try again".
    assert!(
        refused.contains("This takes an administrator&#39;s account, and maria is a viewer"),
        "{}",
        refused.body
    );
    assert!(!refused.contains("reload the page"));
    // Opening a page changes nothing, so it does not say that nothing was changed.
    assert!(!refused.contains("nothing was changed"));
    admin
        .submit(
            "/admin/users/maria",
            "/admin/users/maria",
            &[
                ("display_name", "Maria K."),
                ("role", "admin"),
                ("salesperson_code", ""),
            ],
        )
        .assert_redirect("/admin/users/maria");
    maria.get("/admin/users").assert_status(200);
    assert_eq!(app.count("SELECT count(*) FROM users WHERE username = 'maria' AND role = 'admin' AND display_name = 'Maria K.'"), 1);
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action = 'user changed' AND detail = 'full name maria Display → Maria K.; role viewer → admin'"), 1);
}

#[test]
fn the_last_active_admin_cannot_be_demoted_or_disabled() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    let res = admin.submit(
        "/admin/users/boss",
        "/admin/users/boss",
        &[
            ("display_name", "Boss"),
            ("role", "staff"),
            ("salesperson_code", ""),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("last active administrator"));
    admin
        .submit("/admin/users/boss", "/admin/users/boss/disable", &[])
        .assert_redirect("/admin/users/boss");
    assert!(admin
        .get("/admin/users/boss")
        .contains("You cannot disable your own account."));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE role = 'admin' AND active"),
        1
    );
    // With another administrator, still not from one's own account (it would land on a 403
    // and only the other could undo it); the other may.
    let mut other = app.signed_in("ada", "admin");
    let fields = [
        ("display_name", "Boss"),
        ("role", "staff"),
        ("salesperson_code", ""),
    ];
    let res = admin.submit("/admin/users/boss", "/admin/users/boss", &fields);
    res.assert_status(422);
    assert!(
        res.contains("You cannot take the admin role from your own account"),
        "{}",
        res.body
    );
    other
        .submit("/admin/users/boss", "/admin/users/boss", &fields)
        .assert_redirect("/admin/users/boss");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'boss' AND role = 'staff'"),
        1
    );
}

/// Ben, signed in, demotes Ann on her user page, in a thread of its own: the status and the
/// page it answers.
fn ben_demotes_ann(mut ben: Client) -> std::thread::JoinHandle<(u16, String)> {
    let token = ben.get("/admin/users/ann").csrf_token().unwrap();
    std::thread::spawn(move || {
        let res = ben.post_with_token(
            "/admin/users/ann",
            &token,
            &[
                ("display_name", "Ann"),
                ("role", "staff"),
                ("salesperson_code", ""),
            ],
        );
        (res.status, res.body)
    })
}

/// Ann demotes Ben in `ann`'s open transaction, as the Users page does: the other active
/// administrators counted (their rows locked), then Ben made staff.
fn ann_demotes_ben(ann: &mut diesel::PgConnection, ben_id: i64) {
    use diesel::RunQueryDsl;
    assert!(rapport::auth::users::other_active_admins(ann, ben_id).unwrap() >= 1);
    diesel::sql_query("UPDATE users SET role = 'staff' WHERE id = $1")
        .bind::<diesel::sql_types::BigInt, _>(ben_id)
        .execute(ann)
        .unwrap();
}

#[test]
fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    use diesel::RunQueryDsl;
    use rapport::auth::users;
    let app = TestApp::start();
    let ben = app.signed_in("ben", "admin");
    app.user("ann", "admin");
    let ben_id = users::find_by_username(&mut app.conn(), "ben")
        .unwrap()
        .unwrap()
        .id;
    // Ann demotes Ben: her change is made, not yet committed ...
    let mut ann = app.conn();
    diesel::sql_query("BEGIN").execute(&mut ann).unwrap();
    ann_demotes_ben(&mut ann, ben_id);
    // ... when Ben demotes Ann.
    let demoting = ben_demotes_ann(ben);
    assert!(one_waits_for_a_lock(&app, || demoting.is_finished()));
    diesel::sql_query("COMMIT").execute(&mut ann).unwrap();
    let (status, body) = demoting.join().unwrap();
    // Ben, no longer an administrator when his request goes on, is refused as one.
    assert_eq!(status, 403, "both went through: {body}");
    assert!(
        body.contains("ben is no longer an active administrator"),
        "{body}"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM users WHERE role = 'admin' AND active AND username = 'ann'"
        ),
        1
    );
}

/// With three administrators, Ann demotes Ben while Ben's request to demote Cy waits: Ben,
/// no longer an administrator when it goes on, is refused. It went through (two others were
/// still counted), made by one who was staff by then.
#[test]
fn an_admin_demoted_while_a_request_waits_no_longer_acts_as_one() {
    use diesel::RunQueryDsl;
    use rapport::auth::users;
    let app = TestApp::start();
    let mut ben = app.signed_in("ben", "admin");
    app.user("ann", "admin");
    app.user("cy", "admin");
    let ben_id = users::find_by_username(&mut app.conn(), "ben")
        .unwrap()
        .unwrap()
        .id;
    let token = ben.get("/admin/users/cy").csrf_token().unwrap();
    let mut ann = app.conn();
    diesel::sql_query("BEGIN").execute(&mut ann).unwrap();
    ann_demotes_ben(&mut ann, ben_id);
    let demoting = std::thread::spawn(move || {
        let res = ben.post_with_token(
            "/admin/users/cy",
            &token,
            &[
                ("display_name", "Cy"),
                ("role", "staff"),
                ("salesperson_code", ""),
            ],
        );
        (res.status, res.body)
    });
    assert!(one_waits_for_a_lock(&app, || demoting.is_finished()));
    diesel::sql_query("COMMIT").execute(&mut ann).unwrap();
    let (status, body) = demoting.join().unwrap();
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("ben is no longer an active administrator"),
        "{body}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE role = 'admin' AND username IN ('ann', 'cy')"),
        2
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE subject = 'cy'"),
        0
    );
}

/// Ann's change holds Ben's row when Ben demotes her. Ben's request used to lock Ann's row,
/// then wait for every administrator's (Ben's among them) while Ann's change waited for
/// Ann's: a deadlock, and one of them a 503. Now a demotion locks the administrators' rows
/// first, in one order, and holds nothing of Ann's while it waits.
#[test]
fn two_admins_demoting_each_other_wait_for_one_another_without_a_deadlock() {
    use diesel::RunQueryDsl;
    use rapport::auth::users;
    let app = TestApp::start();
    let ben = app.signed_in("ben", "admin");
    app.user("ann", "admin");
    let mut ann = app.conn();
    diesel::sql_query("BEGIN").execute(&mut ann).unwrap();
    users::lock_by_username(&mut ann, "ben").unwrap().unwrap();
    let demoting = ben_demotes_ann(ben);
    assert!(one_waits_for_a_lock(&app, || false));
    // Ann's change goes on to the administrators' rows: none is held by Ben's request.
    let ben_id = users::find_by_username(&mut ann, "ben")
        .unwrap()
        .unwrap()
        .id;
    ann_demotes_ben(&mut ann, ben_id);
    diesel::sql_query("COMMIT").execute(&mut ann).unwrap();
    let (status, body) = demoting.join().unwrap();
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE role = 'admin' AND active"),
        1
    );
}

#[test]
fn disabling_a_disabled_user_again_records_nothing() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    app.user("maria", "staff");
    for _ in 0..2 {
        admin
            .submit("/admin/users/maria", "/admin/users/maria/disable", &[])
            .assert_redirect("/admin/users/maria");
    }
    assert!(admin
        .get("/admin/users/maria")
        .contains("User maria is disabled already."));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'user disabled'"),
        1
    );
}

#[test]
fn a_disabled_user_can_be_enabled_again() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    app.user("maria", "staff");
    admin
        .submit("/admin/users/maria", "/admin/users/maria/disable", &[])
        .assert_redirect("/admin/users/maria");
    assert!(admin.get("/admin/users").contains("Disabled"));
    // With her own password she is told the account is disabled (it said the password was
    // wrong, and so did a reset's); a wrong one says what it says to everyone.
    let refused = app.client().try_sign_in("maria", PASSWORD);
    refused.assert_status(422);
    assert!(
        refused.contains("This account is disabled, so it cannot sign in."),
        "{}",
        refused.body
    );
    let wrong = app.client().try_sign_in("maria", "not her password at all");
    assert!(wrong.contains("The user name or password is incorrect."));
    assert!(!wrong.contains("disabled"));
    // The trail tells the two apart (both said "user disabled").
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'sign-in failed' AND subject = 'maria' \
             AND detail = 'user disabled'"
        ),
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'sign-in failed' AND subject = 'maria' \
             AND detail = 'wrong password (user disabled)'"
        ),
        1
    );
    let reset = "a reset horse battery staple";
    admin
        .submit(
            "/admin/users/maria",
            "/admin/users/maria/password",
            &[("password", reset), ("password_confirmation", reset)],
        )
        .assert_redirect("/admin/users/maria");
    assert!(admin
        .get("/admin/users/maria")
        .contains("The account is disabled: enable it to let them sign in."));
    assert!(app
        .client()
        .try_sign_in("maria", reset)
        .contains("This account is disabled"));
    admin
        .submit("/admin/users/maria", "/admin/users/maria/enable", &[])
        .assert_redirect("/admin/users/maria");
    app.client().sign_in("maria", reset);
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action IN ('user disabled', 'user enabled') AND subject = 'maria'"), 2);
}

/// The New user form sent twice (a double click, Back and send again) creates the user once
/// and says so. The second sending said "This user name is already taken", and the
/// administrator might create the same person again under another name.
#[test]
fn a_new_user_form_sent_twice_creates_one_user() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    let form = admin.get("/admin/users/new");
    let once = hidden_value(&form.body, "once").expect("the form's one-time key");
    let token = form.csrf_token().unwrap();
    let fields = [
        ("once", once.as_str()),
        ("username", "maria"),
        ("display_name", "Maria Jensen"),
        ("role", "staff"),
        ("password", PASSWORD),
        ("password_confirmation", PASSWORD),
    ];
    admin
        .post_with_token("/admin/users", &token, &fields)
        .assert_redirect("/admin/users");
    admin
        .post_with_token("/admin/users", &token, &fields)
        .assert_redirect("/admin/users");
    assert!(admin
        .get("/admin/users")
        .contains("User maria was created from this form already: nothing was created again."));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'maria'"),
        1
    );
    // Another form with the same name is refused by the field, as before.
    let res = admin.submit(
        "/admin/users/new",
        "/admin/users",
        &[
            ("username", "MARIA"),
            ("display_name", "Another Maria"),
            ("role", "staff"),
            ("password", PASSWORD),
            ("password_confirmation", PASSWORD),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("This user name is already taken."));
}

#[test]
fn a_short_reset_password_is_refused() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    app.user("maria", "staff");
    let res = admin.submit(
        "/admin/users/maria",
        "/admin/users/maria/password",
        &[("password", "short"), ("password_confirmation", "short")],
    );
    res.assert_status(422);
    assert!(res.contains("Use at least 12 characters."));
    summary_links_resolve(&res.body);
    assert!(res.contains("aria-describedby=\"new-password-error new-password-hint\""));
    let res = admin.submit(
        "/admin/users/maria",
        "/admin/users/maria/password",
        &[
            ("password", "Password2026!"),
            ("password_confirmation", "Password2026!"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("a common word or keyboard row with digits or signs around it"));
    app.client().sign_in("maria", PASSWORD);
}

#[test]
fn unknown_users_are_404() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    admin.get("/admin/users/nobody").assert_status(404);
    admin
        .submit("/admin/users/boss", "/admin/users/nobody/disable", &[])
        .assert_status(404);
}

#[test]
fn the_audit_trail_lists_sign_ins_failures_and_user_changes() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    app.client().try_sign_in("boss", "wrong password here");
    app.user("maria", "staff");
    admin.submit("/admin/users/maria", "/admin/users/maria/disable", &[]);
    let page = admin.get("/admin/audit");
    page.assert_status(200);
    for text in [
        "sign-in",
        "sign-in failed",
        "wrong password",
        "user disabled",
        "127.0.0.1",
    ] {
        assert!(page.contains(text), "audit page lacks {text}");
    }
    // A failed sign-in names the name typed as its subject; who acted is nobody signed in
    // (anyone can type "boss").
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'sign-in failed' \
             AND actor = '(not signed in)' AND subject = 'boss' AND user_id IS NULL"
        ),
        1
    );
    assert!(page.contains("<td>(not signed in)</td>"));
    let filtered = admin.get("/admin/audit?action=user+disabled");
    assert!(filtered.contains("user disabled"));
    assert!(!filtered.contains("wrong password"));
    // By subject and by who, a part of either in any case ("who changed maria?"), the
    // filters kept in the form; none that matches says so with the way back.
    let about = admin.get("/admin/audit?subject=MARI&who=bo");
    assert!(about.contains("user disabled"), "{}", about.body);
    assert!(!about.contains("wrong password") && !about.contains("<td>sign-in</td>"));
    assert!(about.contains("1 entry, newest first"), "{}", about.body);
    assert!(about.contains("id=\"subject\" name=\"subject\" type=\"search\" value=\"MARI\""));
    let none = admin.get("/admin/audit?subject=100%25_");
    assert!(
        none.contains("No entries match these filters."),
        "{}",
        none.body
    );
    // Any letter in any case, as everywhere else: "åse" finds Åse, "ørsted" finds ØRSTED.
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO audit_log (actor, action, subject) VALUES ('Åse', 'contact changed', 'ØRSTED')",
    );
    let folded = admin.get("/admin/audit?who=%C3%A5se&subject=%C3%B8rsted");
    assert!(folded.contains("1 entry, newest first"), "{}", folded.body);
    assert!(folded.contains("<td>Åse</td>"));
    // To 31-12-9999, Business Central's "no end": every entry until then.
    let no_end = admin.get("/admin/audit?who=%C3%85SE&to=9999-12-31");
    no_end.assert_status(200);
    assert!(no_end.contains("1 entry, newest first"), "{}", no_end.body);
    // Paging: more than a page of entries, each entry's subject its number.
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO audit_log (actor, action, subject) \
         SELECT 'x', 'bulk', 'b' || g FROM generate_series(1, 120) g",
    );
    let shown = |page: &Resp| -> Vec<String> {
        (1..=130)
            .rev()
            .map(|n| format!("b{n}"))
            .filter(|b| page.contains(&format!("<td>{b}</td>")))
            .collect()
    };
    // The page a pager link (`rel` next or prev) leads to.
    let link = |page: &Resp, rel: &str| {
        let at = page
            .body
            .find(&format!("rel=\"{rel}\""))
            .unwrap_or_else(|| panic!("no {rel} link"));
        let href = &page.body[..at];
        let start = href.rfind("href=\"").unwrap() + 6;
        let query = href[start..].split('"').next().unwrap();
        format!("/admin/audit{}", query.replace("&#38;", "&"))
    };
    let p1 = admin.get("/admin/audit?action=bulk");
    assert!(p1.contains("120 entries, newest first"));
    // The pages of a filtered trail keep its filters.
    let b1x = admin.get("/admin/audit?subject=b1");
    assert!(b1x.contains("32 entries, newest first"), "{}", b1x.body);
    let by_x = admin.get("/admin/audit?subject=B&who=x");
    assert!(by_x.contains("120 entries, newest first"), "{}", by_x.body);
    let next = link(&by_x, "next");
    assert!(
        next.contains("subject=B") && next.contains("who=x"),
        "{next}"
    );
    assert_eq!(shown(&admin.get(&next)).len(), 50);
    assert_eq!(shown(&p1).first().map(String::as_str), Some("b120"));
    assert_eq!(shown(&p1).len(), 50);
    assert!(!p1.contains("rel=\"prev\""));
    // Entries written meanwhile (at the top) neither repeat nor hide what comes next: a
    // page by its number used to show b71…b80 again.
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO audit_log (actor, action, subject) \
         SELECT 'x', 'bulk', 'b' || g FROM generate_series(121, 130) g",
    );
    let p2 = admin.get(&link(&p1, "next"));
    assert_eq!(shown(&p2).first().map(String::as_str), Some("b70"));
    assert_eq!(shown(&p2).last().map(String::as_str), Some("b21"));
    let p3 = admin.get(&link(&p2, "next"));
    assert_eq!(
        shown(&p3),
        (1..=20).rev().map(|n| format!("b{n}")).collect::<Vec<_>>()
    );
    assert!(!p3.contains("rel=\"next\""));
    assert!(p3.contains("rel=\"prev\""));
    // Back from the last page: the page before it, as it was.
    assert_eq!(shown(&admin.get(&link(&p3, "prev"))), shown(&p2));
    admin.get("/admin/audit?before=abc").assert_status(200);
    admin.get("/admin/audit?before=999999").assert_status(200);
    // Past the oldest entry: said so, not "No entries." beside the trail's count.
    let past = admin.get("/admin/audit?before=1");
    assert!(
        past.contains("No entries are older than those of this address"),
        "{}",
        past.body
    );
    // Dates that cannot be read: no count of entries beside "No entries are shown".
    let unread = admin.get("/admin/audit?from=31-02-2026");
    unread.assert_status(422);
    assert!(!unread.contains("newest first"), "{}", unread.body);
    // The actions offered are those the trail holds, each once, in order.
    let all = admin.get("/admin/audit");
    let offered: Vec<&str> = all
        .body
        .split("<option value=\"")
        .skip(2)
        .map(|o| o.split('"').next().unwrap())
        .collect();
    let mut held: Vec<String> = {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct A {
            #[diesel(sql_type = diesel::sql_types::Text)]
            action: String,
        }
        diesel::sql_query("SELECT DISTINCT action FROM audit_log")
            .load::<A>(&mut app.conn())
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect()
    };
    held.sort();
    assert_eq!(offered, held);
    assert!(offered.contains(&"bulk") && offered.contains(&"user disabled"));
    // The count stops at 10,000: the trail only grows, and is not counted through.
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO audit_log (actor, action, subject) \
         SELECT 'x', 'many', 'm' || g FROM generate_series(1, 10001) g",
    );
    assert!(admin
        .get("/admin/audit?action=many")
        .contains("More than 10,000 entries, newest first"));
    assert!(admin
        .get("/admin/audit?action=bulk")
        .contains("130 entries, newest first"));
}

/// Two administrators with one user's page open: the second save used to write its whole
/// form back, so a demotion made meanwhile was silently undone by a fix of the full name.
/// Now it is refused (409) with what was saved meanwhile; saved again from that page, the
/// form is meant. The audit trail says what changed, from and to, and an unchanged save
/// records nothing.
#[test]
fn a_colleagues_change_of_a_user_is_not_undone_by_an_older_form() {
    let app = TestApp::start();
    let mut a = app.signed_in("anna", "admin");
    let mut b = app.signed_in("bert", "admin");
    app.user("x", "admin");
    let page = "/admin/users/x";
    let form_a = a.get(page);
    let form_b = b.get(page);
    let fields = |form: &Resp, display_name: &str, role: &str| {
        let was = |name: &str| hidden_value(&form.body, name).unwrap();
        vec![
            ("display_name".to_string(), display_name.to_string()),
            ("role".into(), role.into()),
            ("salesperson_code".into(), String::new()),
            ("was_display_name".into(), was("was_display_name")),
            ("was_role".into(), was("was_role")),
            ("was_salesperson_code".into(), was("was_salesperson_code")),
        ]
    };
    let post = |c: &mut Client, form: &Resp, fields: &[(String, String)]| {
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        c.post_with_token(page, &form.csrf_token().unwrap(), &fields)
    };
    // Bert demotes x.
    post(&mut b, &form_b, &fields(&form_b, "x Display", "viewer")).assert_redirect(page);
    let role = || {
        crate::segments::text(
            &app,
            "SELECT role || '|' || display_name FROM users WHERE username = 'x'",
        )
    };
    assert_eq!(role(), "viewer|x Display");
    // Anna, from the page she opened before, fixes the full name.
    let res = post(&mut a, &form_a, &fields(&form_a, "Xavier", "admin"));
    res.assert_status(409);
    assert!(res.contains("Someone else saved this user after you opened it"));
    // Her form differs in the name she typed; the role she left alone shows Bert's.
    assert!(
        res.contains("<tr><td>Full name</td><td>x Display</td><td>Xavier</td></tr>"),
        "{}",
        res.body
    );
    assert!(res.contains("Changed by someone else since you opened the form: Role."));
    assert!(!res.contains("<tr><td>Role</td>"), "{}", res.body);
    assert!(res.contains(r#"<option value="viewer" selected>"#));
    assert_eq!(
        role(),
        "viewer|x Display",
        "nothing of Bert's change is lost"
    );
    // Saved again from the page that said so, with the role put as Bert left it.
    post(&mut a, &res, &fields(&res, "Xavier", "viewer")).assert_redirect(page);
    assert_eq!(role(), "viewer|Xavier");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'user changed' AND subject = 'x' \
             AND detail = 'full name x Display → Xavier'"
        ),
        1
    );
    // Saved unchanged: nothing recorded.
    let form = a.get(page);
    post(&mut a, &form, &fields(&form, "Xavier", "viewer")).assert_redirect(page);
    assert!(a
        .get(page)
        .contains("Nothing changed: user x is as it was."));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'user changed' AND subject = 'x'"),
        2
    );
    // The same form sent twice (a double click): the second finds the first one's values,
    // which are its own, and says saved. It said someone else had saved, with nothing to show.
    let form = a.get(page);
    let twice = fields(&form, "Xavier Twice", "viewer");
    post(&mut a, &form, &twice).assert_redirect(page);
    post(&mut a, &form, &twice).assert_redirect(page);
    assert!(a.get(page).contains("User x saved."));
    assert_eq!(role(), "viewer|Xavier Twice");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'user changed' AND subject = 'x'"),
        3
    );

    // Bert renames x while Anna, on an older page, changes only the role: her refused form
    // shows Bert's name where she left the name alone, names what he changed, and lists only
    // her role as differing. Saved again, his name stays (it was put back).
    let form_a = a.get(page);
    let form_b = b.get(page);
    post(
        &mut b,
        &form_b,
        &fields(&form_b, "Xavier by Bert", "viewer"),
    )
    .assert_redirect(page);
    let res = post(&mut a, &form_a, &fields(&form_a, "Xavier Twice", "staff"));
    res.assert_status(409);
    assert!(
        res.contains("Changed by someone else since you opened the form: Full name."),
        "{}",
        res.body
    );
    assert!(res.contains("<tr><td>Role</td><td>viewer</td><td>staff</td></tr>"));
    assert!(!res.contains("<tr><td>Full name</td>"), "{}", res.body);
    assert!(res.contains(r#"value="Xavier by Bert""#), "{}", res.body);
    post(&mut a, &res, &fields(&res, "Xavier by Bert", "staff")).assert_redirect(page);
    assert_eq!(role(), "staff|Xavier by Bert");
}

/// "What happened on Friday?": the trail narrowed to days, from and to (both included), as
/// the office types dates; the pages keep the days. A date that cannot be read, or a To date
/// before the From date, is said next to its field (422), with no entries shown.
#[test]
fn the_audit_trail_is_narrowed_to_days() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    // Noon of each day: the same day in any time zone the server may have.
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO audit_log (at, actor, action, subject) \
         SELECT timestamptz '2026-03-10 12:00:00+00' + (g - 1) * interval '1 day' \
                  + (n - 1) * interval '1 second', 'x', 'dated', 'd' || g || '.' || n \
         FROM generate_series(1, 5) g, generate_series(1, 30) n",
    );
    let shown = |page: &Resp| -> Vec<String> {
        (1..=5)
            .map(|g| format!("d{g}."))
            .filter(|d| page.contains(&format!("<td>{d}")))
            .collect()
    };
    let days = admin.get("/admin/audit?action=dated&from=2026-03-11&to=2026-03-12");
    days.assert_status(200);
    assert!(days.contains("60 entries, newest first"), "{}", days.body);
    assert_eq!(shown(&days), ["d2.", "d3."]);
    assert!(days.contains("id=\"from\" name=\"from\" type=\"date\" value=\"2026-03-11\""));
    // The next page keeps the days.
    let at = days.body.find("rel=\"next\"").expect("a next page");
    let href = &days.body[..at];
    let query = href[href.rfind("href=\"").unwrap() + 6..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    assert!(
        query.contains("from=2026-03-11") && query.contains("to=2026-03-12"),
        "{query}"
    );
    let next = admin.get(&format!("/admin/audit{query}"));
    assert_eq!(shown(&next), ["d2."]);
    // One end open.
    let since = admin.get("/admin/audit?action=dated&from=2026-03-14");
    assert!(since.contains("30 entries, newest first"), "{}", since.body);
    let until = admin.get("/admin/audit?action=dated&to=2026-03-10");
    assert!(until.contains("30 entries, newest first"), "{}", until.body);
    assert_eq!(shown(&until), ["d1."]);
    // Dates that cannot be read, or in the wrong order: said by the field, nothing shown.
    let bad = admin.get("/admin/audit?action=dated&from=friday");
    bad.assert_status(422);
    assert!(bad.contains("Enter a date as"), "{}", bad.body);
    assert!(bad.contains("value=\"friday\""), "{}", bad.body);
    assert!(bad.contains("aria-invalid=\"true\""));
    assert!(shown(&bad).is_empty());
    let backwards = admin.get("/admin/audit?action=dated&from=2026-03-12&to=2026-03-11");
    backwards.assert_status(422);
    assert!(
        backwards.contains("The To date is before the From date: nothing could match."),
        "{}",
        backwards.body
    );
    assert!(shown(&backwards).is_empty());
}

/// A display name stored with a line break (from before they were refused) comes back from
/// the browser's hidden field as CR LF: the user's page refused every save as a colleague's
/// change, and nothing could change the name.
#[test]
fn a_display_name_with_a_line_break_can_be_saved_over() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    app.user("bo", "staff");
    crate::auth::diesel_exec(
        &app,
        "UPDATE users SET display_name = E'Bo\\nK' WHERE username = 'bo'",
    );
    let page = admin.get("/admin/users/bo");
    let token = page.csrf_token().unwrap();
    let res = admin.post_with_token(
        "/admin/users/bo",
        &token,
        &[
            ("display_name", "Bo K"),
            ("role", "viewer"),
            ("salesperson_code", ""),
            ("was_display_name", "Bo\r\nK"),
            ("was_role", "staff"),
            ("was_salesperson_code", ""),
        ],
    );
    res.assert_redirect("/admin/users/bo");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'bo' AND display_name = 'Bo K' AND role = 'viewer'"),
        1
    );
}

/// A setup code's rename is recorded under its old code ("code WALK → WALKB"): the trail's
/// subject filter finds it by the new code too ("who renamed WALKB?" had no answer).
#[test]
fn the_audit_trail_finds_a_rename_by_the_new_code() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    admin
        .submit(
            "/setup/territories/new",
            "/setup/territories",
            &[("code", "WALK"), ("description", "Walk")],
        )
        .assert_redirect("/setup/territories");
    let page = admin.get("/setup/territories/WALK");
    let shown = hidden_value(&page.body, "shown").unwrap();
    let res = admin.post_with_token(
        "/setup/territories/WALK",
        &page.csrf_token().unwrap(),
        &[
            ("shown", &shown),
            ("code", "WALKB"),
            ("description", "Zebraqq"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    // Only the new code is looked for in a rename, not the rest of its detail.
    assert!(admin
        .get("/admin/audit?subject=zebraqq")
        .contains("No entries match these filters."));
    let found = admin.get("/admin/audit?subject=walkb");
    assert!(found.contains("1 entry, newest first"), "{}", found.body);
    assert!(found.contains("code WALK → WALKB"), "{}", found.body);
    // The old code finds its creation and its rename.
    assert!(admin
        .get("/admin/audit?subject=walk&action=setup+changed")
        .contains("1 entry, newest first"));
    assert!(admin
        .get("/admin/audit?subject=WALK")
        .contains("2 entries, newest first"));
}

/// A user's page opened before an administrator renamed the user's salesperson: saved with
/// only the full name changed, it keeps the salesperson under the new code. It was refused as
/// "someone else saved this user", and sent again, "there is no salesperson".
#[test]
fn a_users_page_opened_before_their_salesperson_was_renamed_saves() {
    let app = TestApp::start();
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo')",
    );
    let mut a = app.signed_in("anna", "admin");
    app.user("x", "staff");
    crate::auth::diesel_exec(
        &app,
        "UPDATE users SET salesperson_code = 'JO' WHERE username = 'x'",
    );
    let page = "/admin/users/x";
    let form = a.get(page);
    assert_eq!(
        hidden_value(&form.body, "was_salesperson_code").unwrap(),
        "JO"
    );
    a.submit(
        "/setup/salespeople/JO",
        "/setup/salespeople/JO",
        &[("code", "JOE"), ("name", "Jo")],
    )
    .assert_redirect("/setup/salespeople");
    let was = |name: &str| hidden_value(&form.body, name).unwrap();
    a.post_with_token(
        page,
        &form.csrf_token().unwrap(),
        &[
            ("display_name", "Xavier"),
            ("role", "staff"),
            ("salesperson_code", "JO"),
            ("was_display_name", &was("was_display_name")),
            ("was_role", &was("was_role")),
            ("was_salesperson_code", &was("was_salesperson_code")),
        ],
    )
    .assert_redirect(page);
    assert_eq!(
        crate::segments::text(
            &app,
            "SELECT display_name || '|' || salesperson_code FROM users WHERE username = 'x'"
        ),
        "Xavier|JOE"
    );
}
