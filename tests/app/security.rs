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
    // A wrong token.
    let mut fields = vec![("csrf_token", "0".repeat(64))];
    fields.extend(NEW_USER.iter().map(|(k, v)| (*k, v.to_string())));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    admin.post_raw("/admin/users", &borrowed).assert_status(403);
    // The token of another session (another signed-in admin).
    let mut other = app.signed_in("other", "admin");
    let foreign_token = other.get("/admin/users/new").csrf_token().unwrap();
    admin
        .post_with_token("/admin/users", &foreign_token, NEW_USER)
        .assert_status(403);
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
    admin
        .post_with_token("/admin/users", &token, NEW_USER)
        .assert_status(403);
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
    assert!(res.set_cookies()[0].starts_with("__Host-rapport_session="));
    let login = c.try_sign_in("boss", PASSWORD);
    login.assert_status(303);
    check_cookies(&login, "/login (post)", true);
    let home = c.get("/");
    home.assert_status(200);
    check_security_headers(&home, "/", true);
}

/// Every POST route in the source, with the role it needs: `/admin/...` and `/setup/...`
/// (setup tables) are for admins, the rest for staff; sign-in, sign-out and first-run setup
/// are open. A new route is covered by this test as soon as it exists.
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
    routes.retain(|r| !matches!(r.as_str(), "/login" | "/logout" | "/setup"));
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
