//! Sign-in, sessions, sign-out, expiry, throttling and first-run setup.

use crate::support::*;

#[test]
fn sign_in_succeeds_and_lands_on_the_requested_page() {
    let app = TestApp::start();
    app.user("maria", "admin");
    let mut c = app.client();
    // Asking for a protected page sends the visitor to sign in, remembering where they were.
    c.get("/admin/users?x=1")
        .assert_redirect("/login?next=%2Fadmin%2Fusers%3Fx%3D1");
    let form = c.get("/login?next=%2Fadmin%2Fusers%3Fx%3D1");
    let token = form.csrf_token().unwrap();
    let res = c.post_with_token(
        "/login",
        &token,
        &[
            ("username", "MARIA"),
            ("password", PASSWORD),
            ("next", "/admin/users?x=1"),
        ],
    );
    res.assert_redirect("/admin/users?x=1");
    let page = c.get("/admin/users");
    page.assert_status(200);
    assert!(page.contains("maria Display"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'sign-in' AND actor = 'maria'"),
        1
    );
}

#[test]
fn a_foreign_next_is_ignored() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    let res = c.submit(
        "/login",
        "/login",
        &[
            ("username", "maria"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ],
    );
    res.assert_redirect("/");
}

#[test]
fn unknown_user_and_wrong_password_look_the_same() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    let wrong = c.try_sign_in("maria", "not the password at all");
    let unknown = c.try_sign_in("nobody", "not the password at all");
    assert_eq!(wrong.status, 422);
    assert_eq!(unknown.status, 422);
    assert!(wrong.contains("The user name or password is incorrect."));
    // The password, to type again, is focused and tied to the message; the name is kept.
    assert!(
        wrong.contains(
            "type=\"password\" autocomplete=\"current-password\" required autofocus \
             aria-describedby=\"login-error\">"
        ) && !wrong.contains("autocomplete=\"username\" required autofocus"),
        "{}",
        wrong.body
    );
    // Same page apart from the echoed user name and the request's own token.
    let normalise = |body: &str, name: &str| body.replace(name, "NAME");
    assert_eq!(
        normalise(&wrong.body, "maria"),
        normalise(&unknown.body, "nobody")
    );
    // Still signed out, and both failures are in the audit trail with the address.
    c.get("/").assert_redirect("/login");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'sign-in failed' AND ip = '127.0.0.1'"
        ),
        2
    );
}

/// A sign-in checks the password outside any transaction (Argon2 takes a while), then creates
/// the session in one: a user whose password was changed, or who was disabled, after the
/// check is not signed in.
#[test]
fn a_user_changed_after_the_password_check_is_not_signed_in() {
    use rapport::auth::{password, users};
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut conn = app.conn();
    let (user, verified) = users::authenticate(&mut conn, "maria", PASSWORD).unwrap();
    let user = user.unwrap();
    assert!(verified);
    assert!(users::still_verified(&mut conn, &user).unwrap());
    let new_hash = password::hash("a brand new passphrase 42").unwrap();
    users::set_password_hash(&mut conn, user.id, &new_hash).unwrap();
    assert!(!users::still_verified(&mut conn, &user).unwrap());
    let (user, _) = users::authenticate(&mut conn, "maria", "a brand new passphrase 42").unwrap();
    let user = user.unwrap();
    users::set_active(&mut conn, user.id, false).unwrap();
    assert!(!users::still_verified(&mut conn, &user).unwrap());
}

/// An administrator resets a password while its user signs in with the old one, on another
/// instance: the reset's transaction holds the user's row when the sign-in, its password
/// checked against the hash still committed, comes to make its session. The sign-in waits,
/// sees the new hash and is refused; before, it made a session the reset had already missed,
/// which outlived the reset.
#[test]
fn a_sign_in_that_meets_a_password_reset_is_refused() {
    use diesel::RunQueryDsl;
    use rapport::auth::{password, users};
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut admin = app.conn();
    let id = users::find_by_username(&mut admin, "maria")
        .unwrap()
        .unwrap()
        .id;
    let new_hash = password::hash("a brand new passphrase 42").unwrap();
    diesel::sql_query("BEGIN").execute(&mut admin).unwrap();
    users::set_password_hash(&mut admin, id, &new_hash).unwrap();
    let base = app.base().to_string();
    let signing_in = std::thread::spawn(move || {
        let mut c = Client::new(&base);
        let res = c.try_sign_in("maria", PASSWORD);
        (res.status, c)
    });
    assert!(one_waits_for_a_lock(&app, || signing_in.is_finished()));
    diesel::sql_query("COMMIT").execute(&mut admin).unwrap();
    let (status, mut c) = signing_in.join().unwrap();
    assert_eq!(status, 422, "the sign-in with the old password was let in");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM sessions WHERE user_id = {id}"
        )),
        0
    );
    c.get("/").assert_redirect("/login");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'sign-in failed' \
             AND detail = 'password changed or user disabled while signing in'"
        ),
        1
    );
}

#[test]
fn unknown_user_takes_as_long_as_a_wrong_password() {
    // The property, not the clock: every way a sign-in can fail verifies exactly one Argon2
    // hash, as a right password does (a throwaway hash for an unknown user name).
    use rapport::auth::{password, users};
    let app = TestApp::start();
    app.user("maria", "staff");
    app.user("olle", "staff");
    diesel_exec(
        &app,
        "UPDATE users SET active = false WHERE username = 'olle'",
    );
    let mut conn = app.conn();
    let mut verifications = |user: &str, pw: &str| {
        let before = password::verifications();
        let (_, ok) = users::authenticate(&mut conn, user, pw).unwrap();
        (password::verifications() - before, ok)
    };
    assert_eq!(verifications("maria", PASSWORD), (1, true));
    assert_eq!(
        verifications("maria", "not the password at all"),
        (1, false)
    );
    assert_eq!(
        verifications("nobody", "not the password at all"),
        (1, false)
    );
    assert_eq!(verifications("olle", PASSWORD), (1, false));
    // And the sign-in form goes through that one function for both failures.
    let mut c = app.client();
    c.try_sign_in("nobody", "x").assert_status(422);
    c.try_sign_in("maria", "x").assert_status(422);
}

#[test]
fn session_id_is_renewed_at_sign_in() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    // A session that existed before sign-in: the one sign-out leaves (with its message).
    c.sign_in("maria", PASSWORD);
    let token = c.get("/").csrf_token().unwrap();
    c.post_with_token("/logout", &token, &[]);
    let before = c.session_cookie().expect("a session before sign-in");
    c.sign_in("maria", PASSWORD);
    let after = c.session_cookie().unwrap();
    assert_ne!(before, after);
    c.get("/").assert_status(200);
    // The pre-login id is dead: replaying it is not signed in.
    let mut old = app.client();
    old.cookies.insert("rapport_session".into(), before);
    old.get("/").assert_redirect("/login");
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE user_id IS NOT NULL"),
        1
    );
}

#[test]
fn sign_out_kills_the_session_on_the_server() {
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    let cookie = c.session_cookie().unwrap();
    let home = c.get("/");
    let token = home.csrf_token().unwrap();
    c.post_with_token("/logout", &token, &[])
        .assert_redirect("/login");
    assert!(c.get("/login").contains("You have signed out."));
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE user_id IS NOT NULL"),
        0
    );
    let mut replay = app.client();
    replay.cookies.insert("rapport_session".into(), cookie);
    replay.get("/").assert_redirect("/login");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'sign-out'"),
        1
    );
}

/// Signing out when no one is signed in (a visitor with the sign-in page's token) ends
/// nothing and makes no session: it made one each time, so a script could fill the table.
#[test]
fn sign_out_without_a_session_makes_none() {
    let app = TestApp::start();
    let mut c = app.client();
    for _ in 0..3 {
        let token = c.get("/login").csrf_token().unwrap();
        c.post_with_token("/logout", &token, &[])
            .assert_redirect("/login");
    }
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 0);
    c.get("/login").assert_status(200);
}

#[test]
fn sign_out_is_post_only() {
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    let res = c.get("/logout");
    assert!(res.status == 404 || res.status == 405, "{}", res.status);
    c.get("/").assert_status(200);
}

#[test]
fn idle_sessions_expire() {
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    c.get("/").assert_status(200);
    // 29 minutes idle: still fine (and the visit renews it).
    app.conn();
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '29 minutes'",
    );
    c.get("/").assert_status(200);
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
    );
    c.get("/").assert_redirect("/login");
}

/// A sign-in page left open past the idle time (over lunch, overnight) and then used leads to
/// the sign-in page again, saying why, on to the same page after signing in. Before, a 403
/// "Not allowed", and what was typed was gone.
#[test]
fn a_sign_in_page_left_open_too_long_shows_the_sign_in_page_again() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    // Signed out: the sign-in page carries the token of the session that says so.
    c.sign_in("maria", PASSWORD);
    let token = c.get("/").csrf_token().unwrap();
    c.post_with_token("/logout", &token, &[])
        .assert_redirect("/login");
    let page = "/login?next=%2Fsegments";
    let login = c.get(page);
    let token = login.csrf_token().unwrap();
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
    );
    c.headers.push(("referer", format!("{}{page}", app.base())));
    let res = c.post_with_token(
        "/login",
        &token,
        &[
            ("username", "maria"),
            ("password", PASSWORD),
            ("next", "/segments"),
        ],
    );
    res.assert_redirect("/login?expired=1&next=%2Fsegments");
    c.headers.clear();
    let again = c.get(&res.location().unwrap());
    again.assert_status(200);
    assert!(
        again.contains("This sign-in page had been open too long"),
        "{}",
        again.body
    );
    let token = again.csrf_token().unwrap();
    c.post_with_token(
        "/login",
        &token,
        &[
            ("username", "maria"),
            ("password", PASSWORD),
            ("next", &hidden_value(&again.body, "next").unwrap()),
        ],
    )
    .assert_redirect("/segments");
}

/// A form shown again by its refused sending (a 422 at the form's own address, /contacts)
/// and sent after signing in again is sent to that address's page, the list: its message
/// says to open the form again (it said "send it again from this page", which has no form).
#[test]
fn a_refused_form_sent_after_signing_in_again_says_to_open_the_form_again() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    c.sign_in("maria", PASSWORD);
    let token = c.get("/contacts/new").csrf_token().unwrap();
    let refused = c.post_with_token("/contacts", &token, &[("type", "company"), ("name", "")]);
    refused.assert_status(422);
    // Signed out and in again in another tab.
    let token = c.get("/").csrf_token().unwrap();
    c.post_with_token("/logout", &token, &[])
        .assert_redirect("/login");
    c.sign_in("maria", PASSWORD);
    c.headers
        .push(("referer", format!("{}/contacts", app.base())));
    let res = c.post_with_token(
        "/contacts",
        &refused.csrf_token().unwrap(),
        &[("type", "company"), ("name", "Sent after A/S")],
    );
    res.assert_redirect("/contacts");
    c.headers.clear();
    let list = c.get("/contacts");
    assert!(
        list.contains("what you sent was not saved. Open the form again from here and send it."),
        "{}",
        list.body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Sent after A/S'"),
        0
    );
}

/// A form sent after its session had ended is kept through the sign-in: the sign-in page
/// carries it, and after signing in a page offers to send it, as it was typed. Before, the
/// sign-in page led back to the form's page, and what was typed was gone.
#[test]
fn a_form_sent_after_its_session_ended_is_kept_through_the_sign_in() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    c.sign_in("maria", PASSWORD);
    let page = "/contacts/new?type=company";
    let token = c.get(page).csrf_token().unwrap();
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
    );
    c.headers.push(("referer", format!("{}{page}", app.base())));
    let name = "Sent too late \"Ø&Å\" <A/S>";
    let res = c.post_with_token(
        "/contacts",
        &token,
        &[("type", "company"), ("name", name), ("city", "Århus")],
    );
    c.headers.clear();
    // Not a 403, and not done: the sign-in page, which says why and keeps the form.
    res.assert_status(200);
    assert!(res.contains("Your session had ended"), "{}", res.body);
    assert!(
        res.contains("It is kept for you: sign in again"),
        "{}",
        res.body
    );
    assert!(res.contains("value=\"maria\""), "whose it is: {}", res.body);
    assert!(!res.contains("Sent too late"), "the page holds only a key");
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name LIKE 'Sent too late%'"),
        0
    );
    assert_eq!(app.count("SELECT count(*) FROM kept_forms"), 1);
    let kept = hidden_fields(&res.body, "/login");
    assert!(
        !kept.iter().any(|(_, v)| v.contains(&token)),
        "the ended session's token is not carried"
    );
    // A wrong password keeps it too.
    let mut wrong: Vec<(String, String)> = kept.clone();
    wrong.push(("username".into(), "maria".into()));
    wrong.push(("password".into(), "not the password".into()));
    let refused = c.post_raw("/login", &pairs(&wrong));
    refused.assert_status(422);
    let kept = hidden_fields(&refused.body, "/login");
    assert!(hidden_value(&refused.body, "kept").is_some_and(|k| k.len() == 64));
    let mut sign_in = kept.clone();
    sign_in.push(("username".into(), "maria".into()));
    sign_in.push(("password".into(), PASSWORD.into()));
    let resume = c.post_raw("/login", &pairs(&sign_in));
    resume.assert_status(200);
    assert!(resume.contains("Send what you typed?"), "{}", resume.body);
    assert!(c.session_cookie().is_some(), "signed in");
    assert!(resume.contains(&format!("<a href=\"{}\"", page.replace('&', "&#38;"))));
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name LIKE 'Sent too late%'"),
        0,
        "nothing is done before it is sent"
    );
    // The sign-in sent again (the browser's reload of that page, or another tab's sign-in
    // form of the same page) offers it again: it was the home page, the form unsaid.
    let again_shown = c.post_raw("/login", &pairs(&sign_in));
    again_shown.assert_status(200);
    assert!(
        again_shown.contains("Send what you typed?"),
        "{}",
        again_shown.body
    );
    // Sent from that page: done as typed, by the user now signed in.
    let again = hidden_fields(&resume.body, "/contacts");
    assert!(
        again.contains(&("name".to_string(), name.to_string())),
        "{again:?}"
    );
    let done = c.post_raw("/contacts", &pairs(&again));
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM contacts WHERE name = '{}' AND city = 'Århus'",
            name.replace('\'', "''")
        )),
        1
    );
    // The sign-in sent again after it was sent does not send it again by itself.
    c.post_raw("/login", &pairs(&sign_in)).assert_status(200);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name LIKE 'Sent too late%'"),
        1
    );
    // A form kept longer than twelve hours is gone, and the page after signing in says so.
    let token = c.get(page).csrf_token().unwrap();
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
    );
    c.headers.push(("referer", format!("{}{page}", app.base())));
    let res = c.post_with_token(
        "/contacts",
        &token,
        &[("type", "company"), ("name", "Late")],
    );
    c.headers.clear();
    res.assert_status(200);
    diesel_exec(
        &app,
        "UPDATE kept_forms SET created_at = now() - interval '13 hours'",
    );
    let mut late = hidden_fields(&res.body, "/login");
    late.push(("username".into(), "maria".into()));
    late.push(("password".into(), PASSWORD.into()));
    c.post_raw("/login", &pairs(&late)).assert_redirect(page);
    assert!(c
        .get(page)
        .contains("The form kept for you when your session ended is no longer there"));
    diesel_exec(&app, "DELETE FROM kept_forms");

    // Kept for its user only: another who signs in on that page never sees it (it may hold
    // what maria may do and bob may not), and it is dropped.
    app.user("bob", "staff");
    let page = "/contacts/new?type=company";
    let token = c.get(page).csrf_token().unwrap();
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
    );
    c.headers.push(("referer", format!("{}{page}", app.base())));
    let res = c.post_with_token(
        "/contacts",
        &token,
        &[("type", "company"), ("name", "Maria's own A/S")],
    );
    c.headers.clear();
    res.assert_status(200);
    let mut other = hidden_fields(&res.body, "/login");
    other.push(("username".into(), "bob".into()));
    other.push(("password".into(), PASSWORD.into()));
    c.post_raw("/login", &pairs(&other)).assert_redirect(page);
    assert_eq!(app.count("SELECT count(*) FROM kept_forms"), 0, "dropped");
    let token = c.get("/").csrf_token().unwrap();
    c.post_with_token("/logout", &token, &[])
        .assert_redirect("/login");
    c.sign_in("maria", PASSWORD);

    // The session ended and another page was opened since (another tab, a link): that page
    // forgot the session's cookie. The form still open is not a bare 403 for that: the
    // sign-in page again, and Sign out from such a page goes there too.
    let page = "/contacts/new?type=company";
    let token = c.get(page).csrf_token().unwrap();
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
    );
    c.get("/contacts")
        .assert_redirect("/login?next=%2Fcontacts");
    assert!(c.session_cookie().is_none());
    c.headers.push(("referer", format!("{}{page}", app.base())));
    // (Without the cookie it is not known whose the form is: it is not kept.)
    c.post_with_token(
        "/contacts",
        &token,
        &[("type", "company"), ("name", "Sent after a link A/S")],
    )
    .assert_redirect("/login?ended=1&next=%2Fcontacts%2Fnew%3Ftype%3Dcompany");
    c.post_with_token("/logout", &token, &[])
        .assert_redirect("/login");
    c.headers.clear();
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Sent after a link A/S'"),
        0
    );
    c.sign_in("maria", PASSWORD);

    // Without a token it is no out-of-date page: refused as before, even with the cookie.
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
    );
    c.post_raw(
        "/contacts",
        &[("type", "company"), ("name", "No token A/S")],
    )
    .assert_status(403);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'No token A/S'"),
        0
    );
}

#[test]
fn a_second_tabs_sign_in_form_after_signing_in_goes_on() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    // Two tabs show the sign-in form; the first signs in.
    let second = c.get("/login?next=%2Fsegments");
    let token = second.csrf_token().unwrap();
    c.sign_in("maria", PASSWORD);
    // The second tab's form: already signed in, on to where it led, with one session.
    c.headers
        .push(("referer", format!("{}/login?next=%2Fsegments", app.base())));
    c.post_with_token(
        "/login",
        &token,
        &[
            ("username", "maria"),
            ("password", PASSWORD),
            ("next", "/segments"),
        ],
    )
    .assert_redirect("/segments");
    c.get("/segments").assert_status(200);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE user_id IS NOT NULL"),
        1
    );
    // A signed-in user opening the sign-in page goes where it would have led.
    c.get("/login?next=%2Fcontacts")
        .assert_redirect("/contacts");
}

/// A second tab's sign-in form with another user's name, sent while someone is signed in in
/// this browser, leaves that user signed in and says so. Before, it went on as the user
/// signed in, silently, whatever name and password were typed: what the other person then did
/// was recorded as the first one's.
#[test]
fn another_users_sign_in_form_does_not_go_on_as_the_user_signed_in() {
    let app = TestApp::start();
    app.user("anna", "staff");
    app.user("bob", "staff");
    let mut c = app.client();
    let second = c.get("/login");
    let token = second.csrf_token().unwrap();
    c.sign_in("anna", PASSWORD);
    c.headers.push(("referer", format!("{}/login", app.base())));
    let res = c.post_with_token(
        "/login",
        &token,
        &[("username", "bob"), ("password", "whatever he typed")],
    );
    res.assert_redirect("/");
    c.headers.clear();
    let home = c.get("/");
    assert!(
        home.contains("anna is signed in in this browser, so nobody else was signed in"),
        "{}",
        home.body
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE u.username = 'bob'"
        ),
        0
    );
    // Her own name, in any case: on as before.
    c.headers.push(("referer", format!("{}/login", app.base())));
    c.post_with_token(
        "/login",
        &token,
        &[("username", " ANNA "), ("password", PASSWORD)],
    )
    .assert_redirect("/");
    c.headers.clear();
    assert!(!c.get("/").contains("nobody else was signed in"));
}

/// A change of password renews the session under a new key, and keeps when it began: the
/// session's longest life runs from the sign-in (a change restarted it, so a session could
/// be kept for ever by changing the password every few hours).
#[test]
fn a_password_change_keeps_when_the_session_began() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    c.sign_in("maria", PASSWORD);
    diesel_exec(
        &app,
        "UPDATE sessions SET created_at = now() - interval '11 hours'",
    );
    let new_password = "another horse battery staple";
    c.submit(
        "/account/password",
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("password", new_password),
            ("password_confirmation", new_password),
        ],
    )
    .assert_redirect("/");
    c.get("/").assert_status(200);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM sessions \
             WHERE created_at < now() - interval '10 hours 59 minutes'"
        ),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1);
}

/// Forms open in other tabs still send after the user changes their password ("this one goes
/// on", the page says). After signing in again, a form shown before says that nothing was
/// saved and shows its page again; Sign out there signs out. Before, each was a 403, and the
/// browser stayed signed in.
#[test]
fn forms_of_other_tabs_after_a_password_change_or_a_new_sign_in() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    c.sign_in("maria", PASSWORD);
    let page = "/contacts/new?type=company";
    let token = c.get(page).csrf_token().unwrap();
    let new_password = "another horse battery staple";
    c.submit(
        "/account/password",
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("password", new_password),
            ("password_confirmation", new_password),
        ],
    )
    .assert_status(303);
    c.headers.push(("referer", format!("{}{page}", app.base())));
    c.post_with_token(
        "/contacts",
        &token,
        &[("type", "company"), ("name", "Other Tab A/S")],
    )
    .assert_status(303);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Other Tab A/S'"),
        1
    );
    // The session ends (idle); she signs in again in another tab: this tab's form is shown
    // again, saying so, and nothing is saved.
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
    );
    c.headers.clear();
    c.sign_in("maria", new_password);
    c.headers.push(("referer", format!("{}{page}", app.base())));
    let res = c.post_with_token(
        "/contacts",
        &token,
        &[("type", "company"), ("name", "Before Sign In A/S")],
    );
    res.assert_redirect(page);
    c.headers.clear();
    let again = c.get(page);
    again.assert_status(200);
    assert!(
        again.contains("so what you sent was not saved"),
        "{}",
        again.body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Before Sign In A/S'"),
        0
    );
    // Sign out from that tab: signed out (the session that ended idle stays ended, its row
    // kept a while to know whose a form sent in it was).
    c.headers.push(("referer", format!("{}{page}", app.base())));
    c.post_with_token("/logout", &token, &[])
        .assert_redirect("/login");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM sessions WHERE user_id IS NOT NULL \
             AND last_seen_at > now() - interval '30 minutes'"
        ),
        0
    );
    // Sign out again from a page of the ended session: the sign-in page, nothing said lost.
    let res = c.post_with_token("/logout", &token, &[]);
    res.assert_redirect("/login");
    c.headers.clear();
    assert!(!c.get("/login").contains("was not saved"));
}

#[test]
fn sessions_end_after_their_absolute_lifetime_however_active() {
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    diesel_exec(
        &app,
        "UPDATE sessions SET created_at = now() - interval '11 hours 59 minutes'",
    );
    c.get("/").assert_status(200);
    diesel_exec(
        &app,
        "UPDATE sessions SET created_at = now() - interval '12 hours 1 minute'",
    );
    c.get("/").assert_redirect("/login");
}

#[test]
fn session_timeouts_are_configurable() {
    let app = TestApp::start_with(|c| {
        c.session_idle = std::time::Duration::from_secs(5 * 60);
        c.session_max = std::time::Duration::from_secs(3600);
    });
    let mut c = app.signed_in("maria", "staff");
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '6 minutes'",
    );
    c.get("/").assert_redirect("/login");
    c.sign_in("maria", PASSWORD);
    diesel_exec(
        &app,
        "UPDATE sessions SET created_at = now() - interval '61 minutes'",
    );
    c.get("/").assert_redirect("/login");
}

#[test]
fn a_disabled_users_live_session_stops_working() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    let mut maria = app.signed_in("maria", "staff");
    maria.get("/").assert_status(200);
    admin
        .submit("/admin/users/maria", "/admin/users/maria/disable", &[])
        .assert_redirect("/admin/users/maria");
    maria.get("/").assert_redirect("/login");
    assert_eq!(app.count("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'maria'"), 0);
    // And cannot sign in again.
    assert_eq!(maria.try_sign_in("maria", PASSWORD).status, 422);
}

#[test]
fn a_password_reset_ends_the_users_sessions() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    let mut maria = app.signed_in("maria", "staff");
    let new_password = "a brand new password";
    admin
        .submit(
            "/admin/users/maria",
            "/admin/users/maria/password",
            &[
                ("password", new_password),
                ("password_confirmation", new_password),
            ],
        )
        .assert_redirect("/admin/users/maria");
    maria.get("/").assert_redirect("/login");
    assert_eq!(maria.try_sign_in("maria", PASSWORD).status, 422);
    maria.sign_in("maria", new_password);
}

#[test]
fn repeated_failures_for_one_account_are_throttled_for_a_while() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    for _ in 0..10 {
        assert_eq!(c.try_sign_in("maria", "wrong password!!").status, 422);
    }
    // The 11th attempt is refused, even with the right password.
    let res = c.try_sign_in("maria", PASSWORD);
    res.assert_status(429);
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 15 * 60, "{wait}");
    assert!(res.contains("Too many attempts"));
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE user_id IS NOT NULL"),
        0
    );
    // Another account is not affected.
    app.user("olaf", "staff");
    app.client().sign_in("olaf", PASSWORD);
    // Not a permanent lockout: once the failures age out of the window, sign-in works.
    diesel_exec(
        &app,
        "UPDATE login_failures SET at = at - interval '16 minutes'",
    );
    c.sign_in("maria", PASSWORD);
    assert_eq!(
        app.count("SELECT count(*) FROM login_failures WHERE username = 'maria'"),
        0
    );
}

/// Wrong passwords sent at once for one account are checked against the limit one by one: the
/// limit used to be read before each password's check and the failure written after it, so
/// tries in flight together all passed (40 at once had 13 checked against a limit of 10).
#[test]
fn wrong_passwords_sent_at_once_are_not_checked_past_the_limit() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let base = app.base().to_string();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let tries: Vec<_> = (0..40)
            .map(|_| {
                let base = base.clone();
                s.spawn(move || {
                    let mut c = Client::new(&base);
                    c.try_sign_in("maria", "wrong password!!").status
                })
            })
            .collect();
        tries.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|&&s| s == 422).count();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!((checked, refused), (10, 30), "{statuses:?}");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'sign-in failed'"),
        10
    );
    assert_eq!(app.count("SELECT count(*) FROM login_failures"), 10);
    // The right password is refused too until the window has passed, then let in.
    app.client()
        .try_sign_in("maria", PASSWORD)
        .assert_status(429);
    diesel_exec(
        &app,
        "UPDATE login_failures SET at = at - interval '16 minutes'",
    );
    app.client().sign_in("maria", PASSWORD);
}

/// Someone failing on purpose from another machine, again and again, does not keep a user out
/// of the address they sign in from: there the account's limit counts that address's
/// failures only. From an address never used, and from the known one past its own limit, the
/// account is throttled as before.
#[test]
fn failures_from_elsewhere_do_not_lock_a_user_out_of_their_own_address() {
    let app = TestApp::start();
    app.user("maria", "staff");
    app.user("olaf", "staff");
    // Maria has signed in from here (127.0.0.1) before; Olaf never has.
    app.client().sign_in("maria", PASSWORD);
    diesel_exec(
        &app,
        "INSERT INTO login_failures (username, ip) \
         SELECT n, '10.6.6.6' FROM (VALUES ('maria'), ('olaf')) v(n), generate_series(1, 12)",
    );
    let mut c = app.client();
    c.sign_in("maria", PASSWORD);
    app.client()
        .try_sign_in("olaf", PASSWORD)
        .assert_status(429);
    // The known address's own failures still count.
    let mut here = app.client();
    for _ in 0..10 {
        assert_eq!(here.try_sign_in("maria", "wrong password!!").status, 422);
    }
    here.try_sign_in("maria", PASSWORD).assert_status(429);
}

#[test]
fn repeated_failures_from_one_address_are_throttled() {
    let app = TestApp::start();
    app.user("maria", "staff");
    app.user("olaf", "staff");
    // Olaf has signed in from here before; Maria never has.
    app.client().sign_in("olaf", PASSWORD);
    let mut c = app.client();
    // Spread over many names, so no single account reaches its own limit.
    for i in 0..50 {
        assert_eq!(
            c.try_sign_in(&format!("guess{}", i % 10 + i / 10 * 100), "wrong")
                .status,
            422
        );
    }
    c.try_sign_in("maria", PASSWORD).assert_status(429);
    // Someone failing with made-up names at an office's shared address does not keep out
    // those who sign in from it: Olaf still can, though his own failures here still count.
    app.client().sign_in("olaf", PASSWORD);
    let mut here = app.client();
    for _ in 0..10 {
        assert_eq!(here.try_sign_in("olaf", "wrong password!!").status, 422);
    }
    here.try_sign_in("olaf", PASSWORD).assert_status(429);
}

/// Behind the trusted reverse proxy, the address is the one the proxy put last in
/// X-Forwarded-For. A `Forwarded` header, which the proxy passes on as the client wrote it,
/// used to be read first: any client could name any address, spray passwords past the
/// address limit, and lock a colleague out of the address they sign in from.
#[test]
fn behind_the_proxy_a_forwarded_header_names_no_address() {
    let app = TestApp::start_with(|c| c.trust_proxy = true);
    app.user("maria", "staff");
    // Maria signs in from her desk, 10.0.0.7 as the proxy tells it.
    let mut desk = app.client();
    desk.headers.push(("x-forwarded-for", "10.0.0.7".into()));
    desk.sign_in("maria", PASSWORD);
    // Someone elsewhere (10.6.6.6) fails as Maria, claiming her address in `Forwarded` and
    // in an X-Forwarded-For of their own, which the proxy adds to.
    let mut elsewhere = app.client();
    elsewhere.headers = vec![
        ("forwarded", "for=10.0.0.7".into()),
        ("x-forwarded-for", "10.0.0.7, 10.6.6.6".into()),
    ];
    for _ in 0..12 {
        let status = elsewhere.try_sign_in("maria", "wrong password!!").status;
        assert!(status == 422 || status == 429, "{status}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM login_failures WHERE ip = '10.0.0.7'"),
        0,
        "no failure is recorded from her address"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action LIKE 'sign-in%' AND subject = 'maria' \
             AND ip <> '10.0.0.7' AND ip <> '10.6.6.6'"
        ),
        0
    );
    // Her own address still lets her in.
    let mut desk = app.client();
    desk.headers.push(("x-forwarded-for", "10.0.0.7".into()));
    desk.sign_in("maria", PASSWORD);
    assert!(
        app.count("SELECT count(*) FROM audit_log WHERE ip = '10.6.6.6'") >= 10,
        "the failures are recorded with the address the proxy saw"
    );
}

/// A script that goes on posting once refused used to write an audit entry a request, each
/// with the whole name it typed (up to the form's 256 KiB): the trail, and the disk, filled
/// without signing in. A name is recorded at most 51 characters long, a refusal once a window.
#[test]
fn a_refused_script_is_recorded_once_with_its_name_cut_short() {
    let app = TestApp::start();
    let mut c = app.client();
    let long = "x".repeat(20_000);
    for i in 0..60 {
        let status = c.try_sign_in(&format!("{long}{i}"), "wrong").status;
        assert!(status == 422 || status == 429, "{status}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'sign-in throttled'"),
        1
    );
    assert_eq!(app.count("SELECT max(length(subject)) FROM audit_log"), 51);
    assert_eq!(
        app.count("SELECT max(length(username)) FROM login_failures"),
        51
    );
}

/// A script sending another name on each try, once its address is over the limit, was
/// recorded on every request (the record was kept once a window per name as typed): the
/// trail grew without bound. An address's refusals are recorded once a window; an account's
/// once per name in any case.
#[test]
fn a_script_changing_names_is_recorded_once_per_address_and_name() {
    let app = TestApp::start();
    let mut c = app.client();
    for i in 0..60 {
        let status = c.try_sign_in(&format!("name{i}"), "wrong").status;
        assert!(status == 422 || status == 429, "{status}");
    }
    // Sent in parallel too: recorded under the address's lock, once.
    let base = app.base().to_string();
    let tries: Vec<_> = (0..12)
        .map(|i| {
            let base = base.clone();
            std::thread::spawn(move || Client::new(&base).try_sign_in(&format!("p{i}"), "x").status)
        })
        .collect();
    for t in tries {
        assert_eq!(t.join().unwrap(), 429);
    }
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'sign-in throttled'"),
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'sign-in throttled' \
             AND detail = 'too many failures from this address'"
        ),
        1
    );
    // One name, tried past its limit, in any case.
    let app2 = TestApp::start_with(|c| c.trust_proxy = true);
    let mut other = app2.client();
    other.headers.push(("x-forwarded-for", "10.1.1.1".into()));
    for name in ["Anna", "anna", "ANNA"].iter().cycle().take(20) {
        let status = other.try_sign_in(name, "wrong").status;
        assert!(status == 422 || status == 429, "{status}");
    }
    assert_eq!(
        app2.count("SELECT count(*) FROM audit_log WHERE action = 'sign-in throttled'"),
        1
    );
    assert_eq!(
        app2.count(
            "SELECT count(*) FROM audit_log WHERE action = 'sign-in throttled' \
             AND detail = 'too many failures for this name'"
        ),
        1
    );
}

#[test]
fn the_setup_link_works_once() {
    let app = TestApp::start();
    let token = rapport::auth::setup::issue_token(&mut app.conn()).unwrap();
    let mut c = app.client();
    // A wrong link says what to do, to the one person who is to set Rapport up (it was a bare
    // "Page not found").
    let wrong = c.get("/setup?token=wrong");
    wrong.assert_status(404);
    assert!(
        wrong.contains("This setup link is not valid")
            && wrong.contains("rapport user add NAME --role admin"),
        "{}",
        wrong.body
    );
    let page = c.get(&format!("/setup?token={token}"));
    page.assert_status(200);
    assert!(page.contains("Create the first administrator"));
    // A short password is refused, with the typed values kept.
    let res = c.submit(
        &format!("/setup?token={token}"),
        "/setup",
        &[
            ("token", &token),
            ("username", "root-admin"),
            ("display_name", "Ada Admin"),
            ("password", "short"),
            ("password_confirmation", "short"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Use at least 12 characters."));
    assert!(res.contains("value=\"Ada Admin\""));
    assert_eq!(app.count("SELECT count(*) FROM users"), 0);
    let res = c.submit(
        &format!("/setup?token={token}"),
        "/setup",
        &[
            ("token", &token),
            ("username", "root-admin"),
            ("display_name", "Ada Admin"),
            ("password", PASSWORD),
            ("password_confirmation", PASSWORD),
        ],
    );
    res.assert_redirect("/login");
    assert!(c.get("/login").contains("Administrator root-admin created"));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE role = 'admin' AND username = 'root-admin'"),
        1
    );
    // The link is used up now, for viewing and for posting (the form sent twice, a double
    // click): the sign-in page says so. Both were a 404, "Page not found".
    c.get(&format!("/setup?token={token}"))
        .assert_redirect("/login?set_up=1");
    assert!(c
        .get("/login?set_up=1")
        .contains("The first administrator has been created, so the first-run link is used up."));
    let again = c.submit(
        "/login",
        "/setup",
        &[
            ("token", &token),
            ("username", "second"),
            ("display_name", "Second"),
            ("password", PASSWORD),
            ("password_confirmation", PASSWORD),
        ],
    );
    again.assert_redirect("/login?set_up=1");
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
    c.sign_in("root-admin", PASSWORD);
    assert!(c.get("/").contains("Welcome, Ada Admin"));
}

#[test]
fn the_stored_hash_is_argon2id_with_the_required_parameters() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("username", "newbie"),
                ("display_name", "New Bie"),
                ("role", "viewer"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
        )
        .assert_redirect("/admin/users");
    #[derive(diesel::QueryableByName)]
    struct H {
        #[diesel(sql_type = diesel::sql_types::Text)]
        password_hash: String,
    }
    use diesel::RunQueryDsl;
    let h: H = diesel::sql_query("SELECT password_hash FROM users WHERE username = 'newbie'")
        .get_result(&mut app.conn())
        .unwrap();
    assert!(
        h.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        h.password_hash
    );
    assert!(!h.password_hash.contains(PASSWORD));
}

#[test]
fn two_instances_on_one_database_share_a_session() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let second = Instance::start(test_config(&app.db.url));
    let mut one = app.client();
    one.sign_in("maria", PASSWORD);
    let mut two = second.client();
    two.cookies = one.cookies.clone();
    let page = two.get("/");
    page.assert_status(200);
    assert!(page.contains("Welcome, maria Display"));
    // A form loaded from one instance posts to the other: sign out there.
    let token = one.get("/").csrf_token().unwrap();
    two.post_with_token("/logout", &token, &[])
        .assert_redirect("/login");
    one.get("/").assert_redirect("/login");
}

pub fn diesel_exec(app: &TestApp, sql: &str) {
    use diesel::connection::SimpleConnection;
    app.conn().batch_execute(sql).unwrap();
}

/// Runs `sql` with `table`'s trigger that moves the kept values' version
/// (`{table}_code_list_version`) off: a change behind the version's back, which a kept value
/// does not see until the version moves.
pub fn unversioned(app: &TestApp, table: &str, sql: &str) {
    diesel_exec(
        app,
        &format!(
            "ALTER TABLE {table} DISABLE TRIGGER {table}_code_list_version;
             {sql};
             ALTER TABLE {table} ENABLE TRIGGER {table}_code_list_version"
        ),
    );
}

#[test]
fn setup_without_a_token_is_the_index_of_the_setup_tables() {
    let app = TestApp::start();
    app.client()
        .get("/setup")
        .assert_redirect("/login?next=%2Fsetup");
    let mut c = app.signed_in("vera", "viewer");
    let page = c.get("/setup");
    page.assert_status(200);
    assert!(page.contains("Industry"), "{}", page.body);
    assert!(page.contains("Number series") || page.contains("Number Series"));
}

#[test]
fn visitors_get_no_session_row_and_still_sign_in() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    // Reading pages writes nothing: no session for the sign-in page, a 404 or a redirect.
    for path in [
        "/login",
        "/login",
        "/no/such/page",
        "/",
        "/setup?token=nope",
    ] {
        c.get(path);
    }
    let mut other = app.client();
    other.get("/login");
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 0);
    // The sign-in form's token is bound to the visitor's own cookie: another visitor's token
    // (or none) is refused, the visitor's own goes through.
    let foreign = other.get("/login").csrf_token().unwrap();
    c.post_with_token(
        "/login",
        &foreign,
        &[("username", "maria"), ("password", PASSWORD)],
    )
    .assert_status(403);
    let mut bare = app.client();
    bare.post_raw("/login", &[("username", "maria"), ("password", PASSWORD)])
        .assert_status(403);
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 0);
    c.sign_in("maria", PASSWORD);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE user_id IS NOT NULL"),
        1
    );
    c.get("/").assert_status(200);
}

#[test]
fn a_session_is_written_at_most_once_a_minute() {
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    // Seen 30 s ago, at a whole second: reading pages leaves it as it is.
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = date_trunc('second', now()) - interval '30 seconds'",
    );
    for _ in 0..3 {
        c.get("/").assert_status(200);
    }
    assert_eq!(
        app.count(
            "SELECT count(*) FROM sessions WHERE last_seen_at = date_trunc('second', last_seen_at) \
             AND last_seen_at < now() - interval '20 seconds'"
        ),
        1
    );
    // Seen two minutes ago: the next request marks it seen.
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '2 minutes'",
    );
    c.get("/").assert_status(200);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE last_seen_at > now() - interval '1 minute'"),
        1
    );
}

#[test]
fn a_session_in_use_outlives_an_idle_time_of_one_minute() {
    let app = TestApp::start_with(|c| {
        c.session_idle = std::time::Duration::from_secs(60);
    });
    let mut c = app.signed_in("maria", "staff");
    // Seen 40 s ago: the request is within the idle time and marks it seen again, so that
    // it is still live 40 s later.
    for _ in 0..3 {
        diesel_exec(
            &app,
            "UPDATE sessions SET last_seen_at = last_seen_at - interval '40 seconds', \
             created_at = created_at - interval '40 seconds'",
        );
        c.get("/").assert_status(200);
    }
    assert_eq!(
        app.count(
            "SELECT count(*) FROM sessions WHERE last_seen_at > now() - interval '10 seconds'"
        ),
        1
    );
    // Left alone for over a minute, it ends.
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '61 seconds'",
    );
    c.get("/").assert_redirect("/login");
}

#[test]
fn a_flash_waits_for_the_page_that_shows_it() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let res = c.submit(
        "/contacts/new",
        "/contacts",
        &[("type", "company"), ("name", "Flash Ltd")],
    );
    let card = res.location().expect("redirect to the new contact");
    // A download, a 404 and a redirect come first: none of them shows the message.
    c.get("/contacts/export.csv").assert_status(200);
    c.get("/no/such/page").assert_status(404);
    c.get("/login").assert_redirect("/");
    let page = c.get(&card);
    assert!(page.contains("Flash Ltd created."), "{}", page.body);
    // Shown once.
    assert!(!c.get(&card).contains("Flash Ltd created."));
}

#[test]
fn a_second_instance_keeps_the_first_ones_setup_link() {
    let app = TestApp::start();
    let first = rapport::auth::setup::issue_token(&mut app.conn()).unwrap();
    let second = rapport::auth::setup::issue_token(&mut app.conn()).unwrap();
    let mut c = app.client();
    c.get(&format!("/setup?token={first}")).assert_status(200);
    c.get(&format!("/setup?token={second}")).assert_status(200);
    c.submit(
        &format!("/setup?token={first}"),
        "/setup",
        &[
            ("token", &first),
            ("username", "root-admin"),
            ("display_name", "Ada Admin"),
            ("password", PASSWORD),
            ("password_confirmation", PASSWORD),
        ],
    )
    .assert_redirect("/login");
    // The message reaches the sign-in page through a session made for it.
    assert!(c.get("/login").contains("Administrator root-admin created"));
    // Using one link spends them all.
    c.get(&format!("/setup?token={second}"))
        .assert_redirect("/login?set_up=1");
    assert_eq!(app.count("SELECT count(*) FROM setup_tokens"), 0);
}

#[test]
fn the_command_line_keeps_the_last_administrator() {
    let app = TestApp::start();
    app.user("boss", "admin");
    let disable = |name: &str| cli(&app.db.url, &["user", "disable", name], &[], "");
    let out = disable("boss");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("last active administrator"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'boss' AND active"),
        1
    );
    app.user("second", "admin");
    assert!(disable("boss").status.success());
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'boss' AND active"),
        0
    );
    // Again: as the Users page, nothing to do and nothing recorded (it recorded it again and
    // said their sessions were ended).
    let again = disable("BOSS");
    assert!(again.status.success());
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "User boss is disabled already."
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'user disabled'"),
        1
    );
    // A new password for a disabled user says it stays disabled; `user enable` lets them in.
    let out = cli(
        &app.db.url,
        &["user", "set-password", "boss"],
        &[],
        "a brand new passphrase\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("boss is disabled and cannot sign in until enabled again"));
    let out = cli(&app.db.url, &["user", "enable", "Boss"], &[], "");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "User boss enabled."
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'boss' AND active"),
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'user enabled' AND subject = 'boss'"
        ),
        1
    );
    let mut c = app.client();
    c.sign_in("boss", "a brand new passphrase");
    let again = cli(&app.db.url, &["user", "enable", "boss"], &[], "");
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "User boss is enabled already."
    );
}

/// A password reset by an administrator (or on the command line) lifts the throttle its wrong
/// passwords set: the user signed in with the new one was refused for up to 15 minutes.
#[test]
fn a_password_reset_lets_the_user_sign_in_at_once() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut admin = app.signed_in("boss", "admin");
    let mut c = app.client();
    for _ in 0..10 {
        assert_eq!(c.try_sign_in("maria", "wrong password!!").status, 422);
    }
    c.try_sign_in("maria", PASSWORD).assert_status(429);
    let new_password = "a brand new passphrase";
    admin
        .submit(
            "/admin/users/maria",
            "/admin/users/maria/password",
            &[
                ("password", new_password),
                ("password_confirmation", new_password),
            ],
        )
        .assert_redirect("/admin/users/maria");
    c.sign_in("maria", new_password);
}

#[test]
fn users_change_their_own_password_with_the_current_one() {
    let app = TestApp::start();
    app.user("vera", "viewer");
    let mut desk = app.client();
    desk.sign_in("vera", PASSWORD);
    let mut laptop = app.client();
    laptop.sign_in("vera", PASSWORD);
    let home = desk.get("/");
    assert!(home.contains("href=\"/account/password\""), "{}", home.body);
    let stored = |app: &TestApp| {
        use diesel::prelude::*;
        use rapport::db::schema::users;
        users::table
            .filter(users::username.eq("vera"))
            .select(users::password_hash)
            .first::<String>(&mut app.conn())
            .unwrap()
    };
    let before = stored(&app);
    const NEW: &str = "a new and longer passphrase";

    // A wrong current password: said next to it, nothing changed, counted like a sign-in's.
    let res = desk.submit(
        "/account/password",
        "/account/password",
        &[
            ("current_password", "not my password"),
            ("password", NEW),
            ("password_confirmation", NEW),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("This is not your current password."));
    assert_eq!(stored(&app), before);
    assert_eq!(
        app.count("SELECT count(*) FROM login_failures WHERE username = 'vera'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'password change failed'"),
        1
    );
    // A new password that breaks the rules, or is not repeated alike: said next to it.
    let res = desk.submit(
        "/account/password",
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("password", "short"),
            ("password_confirmation", "short"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Use at least 12 characters."));
    // Long enough, but among the first a guesser tries: refused next to the field.
    for (guessed, reason) in [
        (
            "Sommer2026!!",
            "a common word or keyboard row with digits or signs around it",
        ),
        ("123456789012", "a run or a repeat of a few characters"),
        (
            "Vera-the-viewer",
            "The password cannot contain the user name.",
        ),
    ] {
        let res = desk.submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", guessed),
                ("password_confirmation", guessed),
            ],
        );
        res.assert_status(422);
        assert!(
            res.contains("<p class=\"field-error\" id=\"password-error\">") && res.contains(reason),
            "{guessed}: {}",
            res.body
        );
        assert_eq!(stored(&app), before);
    }
    let res = desk.submit(
        "/account/password",
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("password", NEW),
            ("password_confirmation", "something else entirely"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("password_confirmation-error"));
    assert_eq!(stored(&app), before);

    // Changed: this session goes on under a new key, the laptop's is signed out.
    let old_key = desk.session_cookie().unwrap();
    desk.submit(
        "/account/password",
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("password", NEW),
            ("password_confirmation", NEW),
        ],
    )
    .assert_redirect("/");
    assert_ne!(desk.session_cookie().unwrap(), old_key);
    assert!(desk.get("/").contains("Your password was changed."));
    laptop.get("/").assert_redirect("/login");
    assert_ne!(stored(&app), before);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE user_id IS NOT NULL"),
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'password changed' AND actor = 'vera'"
        ),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM login_failures WHERE username = 'vera'"),
        0
    );
    // The old password no longer signs in; the new one does.
    let mut again = app.client();
    again.try_sign_in("vera", PASSWORD).assert_status(422);
    again.sign_in("vera", NEW);
}

/// Change of password sent twice (a double click): the browser shows the second answer, and
/// keeps the key it sets. The second met the first's change and was a 409 (or, reaching the
/// user's row at the same moment, a deadlock), or said the current password was wrong; the
/// browser stayed with a key the change had ended, and the user believed nothing changed.
#[test]
fn a_change_of_password_sent_twice_says_changed_and_goes_on() {
    use diesel::RunQueryDsl;
    let app = TestApp::start();
    app.user("vera", "viewer");
    let mut desk = app.client();
    desk.sign_in("vera", PASSWORD);
    let page = desk.get("/account/password");
    let token = page.csrf_token().unwrap();
    let once = hidden_value(&page.body, "once").unwrap_or_default();
    const NEW: &str = "a new and longer passphrase";
    let fields = [
        ("current_password", PASSWORD),
        ("password", NEW),
        ("password_confirmation", NEW),
        ("once", once.as_str()),
    ];
    // Both sends reach the user's row while another change holds it, as two clicks a moment
    // apart reach it one after the other.
    let mut holder = app.conn();
    diesel::sql_query("BEGIN").execute(&mut holder).unwrap();
    diesel::sql_query("SELECT id FROM users WHERE username = 'vera' FOR UPDATE")
        .execute(&mut holder)
        .unwrap();
    let send = |desk: &Client| {
        let mut click = Client::new(&desk.base);
        click.cookies = desk.cookies.clone();
        let token = token.clone();
        let fields = fields.map(|(k, v)| (k, v.to_string()));
        std::thread::spawn(move || {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = click.post_with_token("/account/password", &token, &fields);
            (res, click)
        })
    };
    let waiting = |n: i64| {
        let mut watch = app.conn();
        eventually(std::time::Duration::from_millis(10), || {
            count(
                &mut watch,
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                 AND datname = current_database()",
            ) >= n
        })
    };
    let first = send(&desk);
    assert!(waiting(1));
    let second = send(&desk);
    assert!(waiting(2));
    diesel::sql_query("COMMIT").execute(&mut holder).unwrap();
    let (first, _) = first.join().unwrap();
    let (second, mut browser) = second.join().unwrap();
    first.assert_redirect("/");
    second.assert_redirect("/");
    // The browser goes on with the second's key, told its password was changed.
    let home = browser.get("/");
    home.assert_status(200);
    assert!(home.contains("Your password was changed."), "{}", home.body);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'password changed'"),
        1
    );
    // Sent again once more with the page's old current password (the back button): changed,
    // not "not your current password", and no wrong try counted.
    let again = browser.post_with_token("/account/password", &token, &fields);
    again.assert_redirect("/");
    assert!(browser.get("/").contains("Your password was changed."));
    assert_eq!(
        app.count("SELECT count(*) FROM login_failures WHERE username = 'vera'"),
        0
    );
    // Another form (not the one whose change was made), with a wrong current password and
    // the password as it is now: a wrong current password, not a change made.
    let page = browser.get("/account/password");
    let res = browser.post_with_token(
        "/account/password",
        &page.csrf_token().unwrap(),
        &[
            ("current_password", "a guess of the password"),
            ("password", NEW),
            ("password_confirmation", NEW),
            ("once", &hidden_value(&page.body, "once").unwrap()),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("This is not your current password."));
    let mut other = app.client();
    other.try_sign_in("vera", PASSWORD).assert_status(422);
    other.sign_in("vera", NEW);
}

/// An administrator's own password is changed on the account page, with the current one:
/// the user page's reset, which asks for none, let a session left open on another desk take
/// the account over (and sign its owner out everywhere). The page offers the account page
/// instead, and a reset sent anyway changes nothing.
#[test]
fn an_administrator_changes_their_own_password_with_the_current_one() {
    let app = TestApp::start();
    let mut boss = app.signed_in("boss", "admin");
    let mut other_desk = app.client();
    other_desk.sign_in("boss", PASSWORD);
    let page = boss.get("/admin/users/boss");
    assert!(page.contains("This is your own account"), "{}", page.body);
    assert!(!page.contains("action=\"/admin/users/boss/password\""));
    // Nor a Disable button that would be refused.
    assert!(!page.contains("action=\"/admin/users/boss/disable\""));
    const NEW: &str = "the administrator's new one";
    boss.post_with_token(
        "/admin/users/boss/password",
        &page.csrf_token().unwrap(),
        &[("password", NEW), ("password_confirmation", NEW)],
    )
    .assert_redirect("/account/password");
    let account = boss.get("/account/password");
    assert!(
        account.contains("Change your own password here: it asks for your current one first."),
        "{}",
        account.body
    );
    other_desk.get("/").assert_status(200);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'password reset'"),
        0
    );
    app.client().sign_in("boss", PASSWORD);
    // Another administrator's page still resets theirs.
    app.user("ada", "admin");
    boss.submit(
        "/admin/users/ada",
        "/admin/users/ada/password",
        &[("password", NEW), ("password_confirmation", NEW)],
    )
    .assert_redirect("/admin/users/ada");
    app.client().sign_in("ada", NEW);
}

#[test]
fn the_command_line_composes_names_and_passwords_as_forms_do() {
    let app = TestApp::start();
    // "ö" written as "o" and a combining diaeresis, as some terminals and scripts send it.
    let decomposed_password = "Jo\u{308}rg's passphrase";
    let out = cli(
        &app.db.url,
        &[
            "user",
            "add",
            "jorg",
            "--display-name",
            "Jo\u{308}rg Ha\u{30a}kansson",
        ],
        &[],
        decomposed_password,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE display_name = 'Jörg Håkansson'"),
        1
    );
    // The same letters typed in the sign-in form (which composes them) sign in.
    let mut c = app.client();
    c.sign_in("jorg", "Jörg's passphrase");
}

#[test]
fn an_administrator_added_on_the_command_line_kills_the_setup_link() {
    let app = TestApp::start();
    let token = rapport::auth::setup::issue_token(&mut app.conn()).unwrap();
    let add = |name: &str, role: &str| {
        let args = ["user", "add", name, "--role", role];
        assert!(cli(&app.db.url, &args, &[], PASSWORD).status.success());
    };
    // A staff member changes nothing: the link still makes the first administrator.
    add("stan", "staff");
    assert_eq!(app.count("SELECT count(*) FROM setup_tokens"), 1);
    add("root", "admin");
    assert_eq!(app.count("SELECT count(*) FROM setup_tokens"), 0);
    app.client()
        .get(&format!("/setup?token={token}"))
        .assert_redirect("/login?set_up=1");
}

/// A command run beside the service with an environment of its own (the README's `runuser …
/// rapport user add`, without the unit's RAPPORT_LOCALE) leaves the names' order as the
/// service sorted them. It sorted them anew as its own default said, rewriting and locking
/// the contacts under the running service (about 40 s a million).
#[test]
fn a_command_leaves_the_order_the_service_sorts_names_in() {
    use rapport::config::Locale;
    use rapport::db::names::is_sorted_as;
    let app = TestApp::start();
    rapport::db::migrate(&mut app.conn(), rapport::db::Sorting::As(Locale::DaDk)).unwrap();
    assert!(is_sorted_as(&mut app.conn(), Locale::DaDk).unwrap());
    for args in [
        &["user", "add", "maria", "--role", "staff"][..],
        &["user", "list"],
        &["migrate"],
    ] {
        let out = cli(&app.db.url, args, &[], PASSWORD);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            is_sorted_as(&mut app.conn(), Locale::DaDk).unwrap(),
            "{args:?} sorted the names anew"
        );
    }
    // A new database, never sorted, is sorted by the first command as its locale says (on
    // empty tables, at no cost): `rapport migrate` before the first start, say.
    use diesel::connection::SimpleConnection;
    let name = format!("{}_new", app.db.name);
    app.conn()
        .batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"
        ))
        .unwrap();
    let url = app
        .db
        .url
        .replace(&format!("/{}", app.db.name), &format!("/{name}"));
    let out = cli(&url, &["migrate"], &[("RAPPORT_LOCALE", "da-DK")], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    {
        use diesel::Connection;
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        assert!(is_sorted_as(&mut conn, Locale::DaDk).unwrap());
    }
    app.conn()
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
}

/// Runs `rapport` with `args` on the database at `url`, as an administrator would: `envs` set
/// and RAPPORT_LOCALE only if among them, `input` on standard input (a password; "" for none).
fn cli(url: &str, args: &[&str], envs: &[(&str, &str)], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(binary())
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .env_remove("RAPPORT_LOCALE")
        .envs(envs.iter().copied())
        .stdin(if input.is_empty() {
            std::process::Stdio::null()
        } else {
            std::process::Stdio::piped()
        })
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{input}").unwrap();
    }
    child.wait_with_output().unwrap()
}

/// A password change refused for too many wrong current passwords says so by the field, with
/// the wait, and is recorded in the audit trail once (it was a bare "Too many attempts" page,
/// recorded nowhere, and the sign-in refused next was the first the trail knew of it).
#[test]
fn a_throttled_password_change_says_why_by_the_field_and_is_recorded_once() {
    let app = TestApp::start();
    app.user("vera", "viewer");
    let mut c = app.client();
    c.sign_in("vera", PASSWORD);
    const NEW: &str = "a new and longer passphrase";
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let res = c.submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", "not my password"),
                ("password", NEW),
                ("password_confirmation", NEW),
            ],
        );
        statuses.push(res.status);
        if res.status == 429 {
            assert!(
                res.contains("so the password was not changed, whatever was typed"),
                "{}",
                res.body
            );
            assert!(
                res.contains("id=\"current_password-error\""),
                "{}",
                res.body
            );
        }
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'password change throttled'"),
        1
    );
}

/// A session that ended is never used again, whatever the settings say later: its row is kept
/// a while (whose a form sent in it was), marked ended. Raising the idle time brought back
/// every session whose row was still there.
#[test]
fn an_ended_session_stays_ended_when_the_settings_are_raised() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    c.sign_in("maria", PASSWORD);
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
    );
    let ended = rapport::auth::session::prune(&mut app.conn(), &app.instance.config).unwrap();
    assert_eq!(ended, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL"),
        1
    );
    // As if the idle time had been raised past those 31 minutes.
    diesel_exec(&app, "UPDATE sessions SET last_seen_at = now()");
    c.get("/").assert_redirect("/login");
}

/// At most twenty forms are kept for one user: the cookie of a session that ended could store
/// forms of 64 KiB without end, unsigned in.
#[test]
fn a_user_has_at_most_twenty_kept_forms() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    c.sign_in("maria", PASSWORD);
    let page = "/contacts/new?type=company";
    let token = c.get(page).csrf_token().unwrap();
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'; \
         INSERT INTO kept_forms (id_hash, user_id, action, body) \
         SELECT decode(md5(g::text), 'hex'), u.id, '/contacts', 'name=x' \
         FROM users u, generate_series(1, 19) g WHERE u.username = 'maria'",
    );
    c.headers.push(("referer", format!("{}{page}", app.base())));
    let send = |c: &mut Client| c.post_with_token("/contacts", &token, &[("name", "More")]);
    send(&mut c).assert_status(200);
    send(&mut c).assert_redirect("/login?ended=1&next=%2Fcontacts%2Fnew%3Ftype%3Dcompany");
    assert_eq!(app.count("SELECT count(*) FROM kept_forms"), 20);
}

/// A sign-in refused for too many tries on a page that kept a form keeps it too: the sign-in
/// form again, saying how long to wait (the bare 429 page lost the form's key).
#[test]
fn a_throttled_sign_in_keeps_the_kept_form() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    c.sign_in("maria", PASSWORD);
    let page = "/contacts/new?type=company";
    let token = c.get(page).csrf_token().unwrap();
    diesel_exec(
        &app,
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
    );
    c.headers.push(("referer", format!("{}{page}", app.base())));
    let mut res = c.post_with_token(
        "/contacts",
        &token,
        &[("type", "company"), ("name", "Kept A/S")],
    );
    c.headers.clear();
    res.assert_status(200);
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let mut sent = hidden_fields(&res.body, "/login");
        sent.push(("username".into(), "maria".into()));
        sent.push(("password".into(), "not the password".into()));
        res = c.post_raw("/login", &pairs(&sent));
        statuses.push(res.status);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(
        res.contains("Too many attempts in a short time"),
        "{}",
        res.body
    );
    assert!(res.header("retry-after").is_some());
    assert!(hidden_value(&res.body, "kept").is_some_and(|k| k.len() == 64));
    // Once the wait is over, the same page signs in and offers the form.
    diesel_exec(&app, "DELETE FROM login_failures");
    let mut sent = hidden_fields(&res.body, "/login");
    sent.push(("username".into(), "maria".into()));
    sent.push(("password".into(), PASSWORD.into()));
    let resume = c.post_raw("/login", &pairs(&sent));
    resume.assert_status(200);
    assert!(resume.contains("Send what you typed?"), "{}", resume.body);
}
