//! CSRF, origin checks, headers and cookie flags, role checks on every route, error pages.

use crate::auth::diesel_exec;
use crate::support::*;

const NEW_USER: &[(&str, &str)] = &[
    ("username", "intruder"),
    ("display_name", "Intruder"),
    ("role", "admin"),
    ("password", PASSWORD),
    ("password_confirmation", PASSWORD),
];

#[test]
fn posts_without_a_valid_token_are_refused_and_change_nothing() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    let users_before = app.count("SELECT count(*) FROM users");
    let audit_before = app.count("SELECT count(*) FROM audit_log");

    // No token at all.
    let res = admin.post_raw("/admin/users", NEW_USER);
    res.assert_status(403);
    assert!(res.contains("Not allowed"));
    // A wrong token, from a page of this site: taken for a page shown before a new sign-in,
    // so back to the page, saying that nothing was saved.
    let mut fields = vec![("csrf_token", "0".repeat(64))];
    fields.extend(NEW_USER.iter().map(|(k, v)| (*k, v.to_string())));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    admin
        .post_raw("/admin/users", &borrowed)
        .assert_redirect("/");
    // The token of another session (another signed-in admin): the same.
    let mut other = app.signed_in("other", "admin");
    let foreign_token = other.get("/admin/users/new").csrf_token().unwrap();
    admin
        .post_with_token("/admin/users", &foreign_token, NEW_USER)
        .assert_redirect("/");
    // Sign-out is protected too: still signed in afterwards.
    admin.post_raw("/logout", &[]).assert_status(403);
    admin.get("/").assert_status(200);

    assert_eq!(app.count("SELECT count(*) FROM users"), users_before + 1); // + "other"
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'intruder'"),
        0
    );
    assert!(app.count("SELECT count(*) FROM audit_log") >= audit_before);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE subject = 'intruder'"),
        0
    );
}

#[test]
fn a_foreign_or_missing_origin_is_refused() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    let token = admin.get("/admin/users/new").csrf_token().unwrap();
    admin.origin = Some("http://evil.example".into());
    let refused = admin.post_with_token("/admin/users", &token, NEW_USER);
    refused.assert_status(403);
    // The page says who is signed in (it looked as if the user had been signed out), and
    // what to check when it happens every time.
    assert!(
        refused.contains("Sign out") && refused.contains("boss"),
        "{}",
        refused.body
    );
    assert!(refused.contains("the browser may be refusing Rapport"));
    admin.origin = Some("null".into());
    admin
        .post_with_token("/admin/users", &token, NEW_USER)
        .assert_status(403);
    admin.origin = None;
    admin
        .post_with_token("/admin/users", &token, NEW_USER)
        .assert_status(403);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'intruder'"),
        0
    );
    // Sign out with a token of some kind from another origin: refused, still signed in.
    admin.origin = Some("http://evil.example".into());
    admin
        .post_with_token("/logout", "0123456789abcdef", &[])
        .assert_status(403);
    admin.origin = None;
    admin.get("/").assert_status(200);
    // The same request from the app's own origin goes through.
    admin.origin = Some(app.base().to_string());
    admin
        .post_with_token("/admin/users", &token, NEW_USER)
        .assert_redirect("/admin/users");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'intruder'"),
        1
    );
}

#[test]
fn sign_in_itself_needs_the_form_token() {
    let app = TestApp::start();
    app.user("maria", "staff");
    let mut c = app.client();
    c.get("/login");
    c.post_raw("/login", &[("username", "maria"), ("password", PASSWORD)])
        .assert_status(403);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE user_id IS NOT NULL"),
        0
    );
}

fn check_security_headers(res: &Resp, path: &str, hsts: bool) {
    let csp = res
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{path}: no CSP"));
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(
            csp.contains(directive),
            "{path}: CSP lacks {directive}: {csp}"
        );
    }
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{path}"
    );
    assert_eq!(
        res.header("referrer-policy").as_deref(),
        Some("same-origin"),
        "{path}"
    );
    if let Some(server) = res.header("server") {
        assert!(
            !server.chars().any(|c| c.is_ascii_digit()),
            "{path}: Server {server}"
        );
        assert!(
            !server.to_lowercase().contains("actix"),
            "{path}: Server {server}"
        );
    }
    assert_eq!(
        res.header("strict-transport-security").is_some(),
        hsts,
        "{path}: HSTS"
    );
}

fn check_cookies(res: &Resp, path: &str, secure: bool) {
    for cookie in res.set_cookies() {
        let lower = cookie.to_ascii_lowercase();
        assert!(lower.contains("httponly"), "{path}: {cookie}");
        assert!(
            lower.contains("samesite=lax") || lower.contains("samesite=strict"),
            "{path}: {cookie}"
        );
        assert!(lower.contains("path=/"), "{path}: {cookie}");
        assert!(!lower.contains("domain="), "{path}: {cookie}");
        assert_eq!(lower.contains("secure"), secure, "{path}: {cookie}");
        assert_eq!(cookie.starts_with("__Host-"), secure, "{path}: {cookie}");
    }
}

const PAGES: &[&str] = &[
    "/login",
    "/",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/boss",
    "/admin/audit",
    "/no-such-page",
    "/static/rapport.css",
    "/healthz",
    "/setup?token=nope",
];

#[test]
fn every_response_carries_the_security_headers() {
    let app = TestApp::start();
    app.user("boss", "admin");
    let mut anonymous = app.client();
    for path in PAGES {
        let res = anonymous.get(path);
        check_security_headers(&res, path, false);
        check_cookies(&res, path, false);
    }
    let login = anonymous.try_sign_in("boss", PASSWORD);
    check_cookies(&login, "/login (post)", false);
    assert!(!login.set_cookies().is_empty());
    for path in PAGES {
        let res = anonymous.get(path);
        check_security_headers(&res, path, false);
        check_cookies(&res, path, false);
    }
}

#[test]
fn secure_cookies_use_the_host_prefix_and_send_hsts() {
    let app = TestApp::start_with(|c| c.cookie_secure = rapport::config::CookieSecure::Always);
    app.user("boss", "admin");
    let mut c = app.client();
    let res = c.get("/login");
    check_security_headers(&res, "/login", true);
    check_cookies(&res, "/login", true);
    // A visitor gets the cookie their sign-in form's token is bound to, no session.
    assert!(res.set_cookies()[0].starts_with("__Host-rapport_form="));
    let login = c.try_sign_in("boss", PASSWORD);
    login.assert_status(303);
    check_cookies(&login, "/login (post)", true);
    assert!(login
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("__Host-rapport_session=")));
    let home = c.get("/");
    home.assert_status(200);
    check_security_headers(&home, "/", true);
}

/// Every POST route in the source, with the role it needs: `/admin/...` and `/setup/...`
/// (setup tables) are for admins, the rest for staff; sign-in, sign-out and first-run setup
/// are open, and changing one's own password is for every signed-in user. A new route is
/// covered by this test as soon as it exists.
fn post_routes() -> Vec<String> {
    let mut routes = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split("#[post(\"").skip(1) {
                    routes.push(part.split('"').next().unwrap().to_string());
                }
            }
        }
    }
    routes.retain(|r| {
        !matches!(
            r.as_str(),
            "/login" | "/logout" | "/setup" | "/account/password"
        )
    });
    routes.sort();
    assert!(!routes.is_empty());
    routes
}

fn concrete(route: &str) -> String {
    route
        .replace("{username}", "boss")
        .replace("{no}", "X")
        .replace("{slug}", "industry-groups")
        .replace("{code}", "X")
        .replace("{question}", "1")
        .replace("{answer}", "1")
        .replace("{line}", "1")
        .replace("{id}", "1")
        .replace("{step:add|reduce|refine}", "add")
}

fn fingerprint(app: &TestApp) -> String {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct F {
        #[diesel(sql_type = diesel::sql_types::Text)]
        f: String,
    }
    let f: F = diesel::sql_query(
        "SELECT md5(string_agg(u::text, ',' ORDER BY id)) AS f FROM \
         (SELECT id, username, display_name, role, active, password_hash, salesperson_code, updated_at FROM users) u",
    )
    .get_result(&mut app.conn())
    .unwrap();
    f.f
}

#[test]
fn viewers_and_staff_cannot_post_to_routes_above_their_role() {
    let app = TestApp::start();
    app.user("boss", "admin");
    let mut viewer = app.signed_in("vera", "viewer");
    let mut staff = app.signed_in("stan", "staff");
    let before = fingerprint(&app);
    let fields: &[(&str, &str)] = &[
        ("username", "x1"),
        ("display_name", "X"),
        ("role", "admin"),
        ("password", PASSWORD),
        ("password_confirmation", PASSWORD),
    ];
    for route in post_routes() {
        let path = concrete(&route);
        let token = viewer.get("/").csrf_token().unwrap();
        let res = viewer.post_with_token(&path, &token, fields);
        assert_eq!(res.status, 403, "viewer POST {path}");
        assert!(
            res.contains("vera is a viewer, so nothing was changed"),
            "{path}"
        );
        if route.starts_with("/admin") || route.starts_with("/setup/") {
            let token = staff.get("/").csrf_token().unwrap();
            let res = staff.post_with_token(&path, &token, fields);
            assert_eq!(res.status, 403, "staff POST {path}");
        }
    }
    assert_eq!(fingerprint(&app), before);
    assert_eq!(app.count("SELECT count(*) FROM users"), 3);
}

#[test]
fn staff_and_viewers_cannot_open_admin_pages() {
    let app = TestApp::start();
    app.user("boss", "admin");
    for role in ["staff", "viewer"] {
        let mut c = app.signed_in(&format!("user-{role}"), role);
        for path in [
            "/admin/users",
            "/admin/users/new",
            "/admin/users/boss",
            "/admin/audit",
        ] {
            let res = c.get(path);
            assert_eq!(res.status, 403, "{role} GET {path}");
            assert!(res.contains("Not allowed"));
        }
        // The navigation does not offer them either.
        assert!(!c.get("/").contains("/admin/users"));
    }
}

#[test]
fn pages_escape_what_users_typed() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    let payload = "<script>alert(1)</script>\" onmouseover=\"x";
    admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("username", "xss"),
                ("display_name", payload),
                ("role", "staff"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
        )
        .assert_redirect("/admin/users");
    for path in ["/admin/users", "/admin/users/xss"] {
        let page = admin.get(path);
        assert!(
            !page.contains("<script>alert(1)"),
            "{path} shows the script unescaped"
        );
        assert!(
            page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{path}"
        );
        assert!(!page.contains("\" onmouseover=\"x"), "{path}");
    }
    let mut xss = app.client();
    xss.sign_in("xss", PASSWORD);
    assert!(!xss.get("/").contains("<script>alert(1)"));
}

#[test]
fn unknown_pages_get_the_404_page_in_the_layout() {
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    let res = c.get("/no/such/page");
    res.assert_status(404);
    assert!(res.contains("Page not found"));
    assert!(res.contains("Skip to main content"));
    assert!(res.contains("Sign out"));
}

#[test]
fn a_database_failure_is_a_500_page_with_a_request_id_and_no_internals() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    diesel_exec(&app, "ALTER TABLE audit_log RENAME TO audit_log_gone");
    let res = admin.get("/admin/audit");
    res.assert_status(500);
    assert!(res.contains("Something went wrong"));
    let id = res.header("x-request-id").unwrap();
    assert!(res.contains(&id), "the page shows the request id {id}");
    for leak in [
        "audit_log",
        "relation",
        "diesel",
        "SELECT",
        "panicked",
        "src/",
    ] {
        assert!(!res.contains(leak), "500 page leaks {leak:?}");
    }
}

/// A contact made through the form, for the tests below; returns its No.
fn new_company(c: &mut Client, name: &str) -> String {
    let res = c.submit(
        "/contacts/new",
        "/contacts",
        &[("type", "company"), ("name", name)],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    res.location()
        .unwrap()
        .trim_start_matches("/contacts/")
        .to_string()
}

#[test]
fn a_nul_byte_or_bytes_not_utf8_are_bad_input_that_names_its_field() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let no = new_company(&mut c, "Acme");
    // In a query string: 400, the parameter named; the export refuses before it starts.
    for path in [
        "/contacts?q=%00",
        "/contacts?q=ab%00c&type=company",
        "/contacts/export.csv?q=%00",
        "/segments?q=%00",
    ] {
        let res = c.get(path);
        assert_eq!(res.status, 400, "{path}");
        assert!(res.contains("“q”"), "{path}: {}", res.body);
        assert!(res.contains("NUL"), "{path}");
    }
    // In the path.
    c.get("/contacts/CT%0001").assert_status(400);
    // In a form field: 422, the field named, nothing saved.
    let token = c.get("/contacts/new").csrf_token().unwrap();
    let res = c.post_with_token(
        "/contacts",
        &token,
        &[("type", "company"), ("name", "Evil\0Corp"), ("city", "x")],
    );
    res.assert_status(422);
    assert!(res.contains("“name”"), "{}", res.body);
    // Sent from the form's page (as a browser does), the answer leads back to it.
    let cookies: Vec<String> = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let from_form = reqwest::blocking::Client::new()
        .post(format!("{}/contacts", app.base()))
        .header("origin", app.base())
        .header("referer", format!("{}/contacts/new", app.base()))
        .header("cookie", cookies.join("; "))
        .form(&[("csrf_token", token.as_str()), ("name", "Evil\0Corp")])
        .send()
        .unwrap();
    assert_eq!(from_form.status().as_u16(), 422);
    assert!(from_form
        .text()
        .unwrap()
        .contains("<a href=\"/contacts/new\">Back to the form</a>"));
    let res = c.post_with_token(
        &format!("/contacts/{no}/classifications"),
        &token,
        &[("kind", "industry_group"), ("code", "\0")],
    );
    res.assert_status(422);
    assert!(res.contains("“code”"));
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 1);
    // Bytes that are not UTF-8 (a Latin-1 "æ", sent by a script or a client of another
    // encoding) were read as "�" and stored so, silently: 422, the field named, nothing saved.
    let cookies: Vec<String> = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    for body in ["name=K%E6re+venner", "na%FFme=x"] {
        let res = reqwest::blocking::Client::new()
            .post(format!("{}/contacts", app.base()))
            .header("origin", app.base())
            .header("cookie", cookies.join("; "))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=latin1",
            )
            .body(format!("csrf_token={token}&type=company&{body}"))
            .send()
            .unwrap();
        assert_eq!(res.status().as_u16(), 422, "{body}");
        let text = res.text().unwrap();
        assert!(text.contains("is not text in UTF-8"), "{text}");
    }
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 1);
    let res = c.get("/contacts?q=K%E6re");
    assert_eq!(res.status, 400);
    assert!(res.contains("“q”"), "{}", res.body);
}

#[test]
fn the_classification_kind_never_reaches_the_location_header() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let no = new_company(&mut c, "Acme");
    let card = format!("/contacts/{no}");
    let action = format!("/contacts/{no}/classifications");
    let long = "x".repeat(70_000);
    for kind in [
        "industry_group\r\nSet-Cookie: evil=1",
        long.as_str(),
        "nonsense",
    ] {
        let res = c.submit(&card, &action, &[("kind", kind), ("code", "X")]);
        res.assert_redirect(&card);
        assert!(res.set_cookies().iter().all(|c| !c.contains("evil")));
    }
    assert!(c.get(&card).contains("Choose what to assign."));
    // A known kind still returns to its own section.
    c.submit(
        &card,
        &action,
        &[("kind", "mailing_group"), ("code", "NONE")],
    )
    .assert_redirect(&format!("{card}#mailing-group"));
}

#[test]
fn a_body_over_the_limit_is_413_not_a_csrf_failure() {
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    let big = "x".repeat(300 * 1024);
    let token = admin.get("/admin/users/new").csrf_token().unwrap();
    let res = admin.post_with_token("/admin/users", &token, &[("display_name", &big)]);
    res.assert_status(413);
    assert!(res.contains("Too large"));
    // Still signed in, nothing made.
    admin.get("/").assert_status(200);
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
}

#[test]
fn server_timing_is_sent_only_when_configured() {
    let app = TestApp::start();
    let res = app.client().get("/login");
    res.assert_status(200);
    assert_eq!(res.header("server-timing"), None);
    let timed = TestApp::start_with(|c| c.server_timing = true);
    let res = timed.client().get("/login");
    assert!(res
        .header("server-timing")
        .is_some_and(|v| v.starts_with("app;dur=")));
}

#[test]
fn static_assets_are_cacheable_and_revalidated() {
    let app = TestApp::start();
    let res = app.client().get("/static/rapport.css");
    res.assert_status(200);
    assert_eq!(
        res.header("cache-control").as_deref(),
        Some("public, no-cache")
    );
    assert!(res.set_cookies().is_empty());
    let etag = res.header("etag").expect("an ETag");
    let again = reqwest::blocking::Client::new()
        .get(format!("{}/static/rapport.css", app.base()))
        .header("if-none-match", etag)
        .send()
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    // Pages stay uncached.
    assert_eq!(
        app.client()
            .get("/login")
            .header("cache-control")
            .as_deref(),
        Some("no-store")
    );
}

#[test]
fn an_exhausted_pool_is_503_with_retry_after() {
    let db = TestDb::new();
    let config = test_config(&db.url);
    let manager = diesel::r2d2::ConnectionManager::<diesel::PgConnection>::new(db.url.as_str());
    let pool = diesel::r2d2::Pool::builder()
        .max_size(1)
        .connection_timeout(std::time::Duration::from_millis(300))
        .build(manager)
        .unwrap();
    let app = TestApp {
        instance: Instance::start_with_pool(config, pool.clone()),
        db,
    };
    let mut c = app.signed_in("maria", "staff");
    c.get("/").assert_status(200);
    let held = pool.get().unwrap();
    let res = c.get("/contacts");
    res.assert_status(503);
    assert!(res.header("retry-after").is_some());
    assert!(res.contains("Busy, try again"));
    drop(held);
    c.get("/contacts").assert_status(200);
}

#[test]
fn a_lock_timeout_is_503_and_changes_nothing() {
    use diesel::connection::SimpleConnection;
    let db = TestDb::new();
    db.conn()
        .batch_execute(&format!(
            "ALTER DATABASE {} SET lock_timeout = '300ms'",
            db.name
        ))
        .unwrap();
    let app = TestApp {
        instance: Instance::start(test_config(&db.url)),
        db,
    };
    let mut admin = app.signed_in("boss", "admin");
    let token = admin.get("/admin/users/new").csrf_token().unwrap();
    let mut locker = app.conn();
    locker
        .batch_execute("BEGIN; LOCK TABLE audit_log IN EXCLUSIVE MODE")
        .unwrap();
    let res = admin.post_with_token("/admin/users", &token, NEW_USER);
    locker.batch_execute("ROLLBACK").unwrap();
    res.assert_status(503);
    assert!(res.header("retry-after").is_some());
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'intruder'"),
        0
    );
}

#[test]
fn a_create_that_loses_a_race_is_the_form_with_a_message() {
    let app = TestApp::start();
    diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo Sales');
         -- Someone deletes the salesperson between the form's checks and the insert.
         CREATE FUNCTION steal_salesperson() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN DELETE FROM salespeople WHERE code = NEW.salesperson_code; RETURN NEW; END $$;
         CREATE TRIGGER steal BEFORE INSERT ON contacts
           FOR EACH ROW EXECUTE FUNCTION steal_salesperson();
         -- Someone creates the same user name between the check and the insert.
         CREATE FUNCTION take_name() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF pg_trigger_depth() = 1 AND NEW.username = 'dup' THEN
             INSERT INTO users (username, display_name, role, password_hash)
             VALUES ('dup', 'First', 'staff', 'x');
           END IF;
           RETURN NEW;
         END $$;
         CREATE TRIGGER take BEFORE INSERT ON users
           FOR EACH ROW EXECUTE FUNCTION take_name();",
    );
    let mut staff = app.signed_in("stan", "staff");
    let res = staff.submit(
        "/contacts/new",
        "/contacts",
        &[
            ("type", "company"),
            ("name", "Raced Ltd"),
            ("salesperson_code", "JO"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("deleted by someone else"), "{}", res.body);
    assert!(res.contains("value=\"Raced Ltd\""));
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);

    let mut admin = app.signed_in("boss", "admin");
    let res = admin.submit(
        "/admin/users/new",
        "/admin/users",
        &[
            ("username", "dup"),
            ("display_name", "Second"),
            ("role", "staff"),
            ("password", PASSWORD),
            ("password_confirmation", PASSWORD),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("This user name is already taken."));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE subject = 'dup'"),
        0
    );

    // Someone deletes the salesperson while a user is given it.
    diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('PL', 'Pat Lee');
         CREATE TRIGGER steal_from_users BEFORE UPDATE ON users
           FOR EACH ROW WHEN (NEW.salesperson_code IS NOT NULL)
           EXECUTE FUNCTION steal_salesperson();",
    );
    let res = admin.submit(
        "/admin/users/stan",
        "/admin/users/stan",
        &[
            ("display_name", "Stan"),
            ("role", "staff"),
            ("salesperson_code", "PL"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("This salesperson was deleted a moment ago."));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE salesperson_code IS NOT NULL"),
        0
    );
}
