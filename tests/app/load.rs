//! Many users at once: what a request costs besides its page. Reading pages writes no session
//! row; static assets need neither the session nor the database and may be kept by browsers.

use crate::support::*;

/// The address of the stylesheet a page links.
fn stylesheet(page: &Resp) -> String {
    let start = page
        .body
        .find("<link rel=\"stylesheet\" href=\"")
        .expect("a stylesheet")
        + 29;
    let end = start + page.body[start..].find('"').expect("the link's end");
    page.body[start..end]
        .replace("&#x3d;", "=")
        .replace("&#61;", "=")
}

#[test]
fn pages_read_within_a_minute_leave_the_session_row_untouched() {
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    c.get("/").assert_status(200);
    // xmin changes with any write of the row, even one that stores the same values.
    let version = "SELECT xmin::text::bigint FROM sessions WHERE user_id IS NOT NULL";
    let before = app.count(version);
    for page in [
        "/",
        "/contacts",
        "/segments",
        "/interactions",
        "/campaigns",
        "/",
    ] {
        c.get(page).assert_status(200);
    }
    assert_eq!(app.count(version), before);
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1);
}

#[test]
fn pages_link_the_stylesheet_by_its_version_which_browsers_keep_for_a_year() {
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    let page = c.get("/");
    let css = stylesheet(&page);
    assert!(css.starts_with("/static/rapport.css?v="), "{css}");
    let res = c.get(&css);
    res.assert_status(200);
    assert_eq!(
        res.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert!(res.contains("body"));
    assert!(res.set_cookies().is_empty());
    // Another version (a page of an older release) is only revalidated.
    let old = c.get("/static/rapport.css?v=0123456789abcdef");
    old.assert_status(200);
    assert_eq!(
        old.header("cache-control").as_deref(),
        Some("public, no-cache")
    );
    // The login page links the same version.
    assert_eq!(stylesheet(&app.client().get("/login")), css);
}

#[test]
fn static_assets_are_served_while_the_database_is_busy() {
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
    let css = stylesheet(&c.get("/"));
    let held = pool.get().unwrap();
    // The session cannot be read: a page waits for a connection and gives up...
    c.get("/").assert_status(503);
    // ...while the signed-in browser's assets come without one.
    c.get(&css).assert_status(200);
    c.get("/static/favicon.svg").assert_status(200);
    drop(held);
    c.get("/").assert_status(200);
}
