//! The log: what went wrong in a request is in a line that names the request's id (the id the
//! 500 page shows), with its causes; slow statements are logged with their request, without
//! the values bound to them.
//!
//! The log of this test binary is captured in memory, at WARN and above, in the format the
//! server writes to standard error. Tests run at the same time write into it too: each test
//! looks only at the lines of its own request ids.

use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::auth::diesel_exec;
use crate::support::*;

static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing (once per run).
fn capture() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(|| Capture)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
    });
}

/// The captured lines of the request `id`.
fn lines_of(id: &str) -> Vec<String> {
    let marker = format!("id={id}");
    let all = CAPTURED.lock().unwrap_or_else(|e| e.into_inner());
    String::from_utf8_lossy(&all)
        .lines()
        .filter(|l| l.contains(&marker))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_500_names_its_request_id_in_the_log_line_that_gives_its_cause() {
    capture();
    let app = TestApp::start();
    let mut admin = app.signed_in("boss", "admin");
    diesel_exec(&app, "ALTER TABLE audit_log RENAME TO audit_log_gone");
    let res = admin.get("/admin/audit");
    res.assert_status(500);
    let id = res.header("x-request-id").expect("a request id");
    assert!(res.contains(&id), "the page shows the request id {id}");
    let lines = lines_of(&id);
    let failed: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("request failed"))
        .collect();
    assert_eq!(failed.len(), 1, "one line for the failure: {lines:#?}");
    let line = failed[0];
    assert!(line.contains("ERROR"), "{line}");
    assert!(
        line.contains("internal error: relation \"audit_log\" does not exist"),
        "the line gives the cause: {line}"
    );
    assert!(line.contains("path=/admin/audit"), "{line}");
}

#[test]
fn a_slow_statement_is_logged_with_its_request_and_without_its_bound_values() {
    capture();
    let app = TestApp::start_with(|c| c.slow_sql = Duration::ZERO);
    app.user("sara", "staff");
    let mut c = app.client();
    let res = c.try_sign_in("sara", PASSWORD);
    res.assert_status(303);
    let sign_in = res.header("x-request-id").expect("a request id");
    let res = c.get("/contacts");
    res.assert_status(200);
    let list = res.header("x-request-id").expect("a request id");
    assert_ne!(sign_in, list);

    // The statements ran on the blocking threads, inside the span of their request.
    let list_lines = lines_of(&list);
    let statements: Vec<&String> = list_lines
        .iter()
        .filter(|l| l.contains("slow SQL statement") && l.contains("rapport::sql"))
        .collect();
    assert!(
        statements.iter().any(|l| l.contains("FROM contacts c")),
        "the contact list's query is logged with its request: {list_lines:#?}"
    );
    assert!(statements.iter().all(|l| l.contains("WARN")));

    // The sign-in looked the user up by name and wrote a session: neither the name nor any
    // other bound value is in the log.
    let sign_in_lines = lines_of(&sign_in);
    assert!(
        sign_in_lines
            .iter()
            .any(|l| l.contains("FROM \"users\" WHERE")),
        "{sign_in_lines:#?}"
    );
    for line in sign_in_lines.iter().chain(&list_lines) {
        assert!(!line.contains("binds"), "{line}");
        assert!(!line.contains("sara"), "{line}");
        assert!(!line.contains("argon2"), "{line}");
    }
}

/// A page whose code lists are kept learns their version with its session and runs no
/// statement for them; a change of a code table shows at the next page; a request that changes
/// something (here a form refused and shown again with its lists) reads the lists itself.
#[test]
fn a_page_with_kept_code_lists_learns_their_version_with_its_session() {
    capture();
    let app = TestApp::start_with(|c| c.slow_sql = Duration::ZERO);
    let mut c = app.signed_in("sara", "staff");
    // The statements a request ran (each is logged as slow with its request id).
    let statements = |res: &Resp| -> Vec<String> {
        let id = res.header("x-request-id").expect("a request id");
        lines_of(&id)
            .into_iter()
            .filter(|l| l.contains("slow SQL statement") && l.contains("rapport::sql"))
            .collect()
    };
    let lists_read = |res: &Resp| {
        statements(res)
            .iter()
            .filter(|l| l.contains("SELECT -1 AS list"))
            .count()
    };
    let first = c.get("/contacts");
    first.assert_status(200);
    let again = c.get("/contacts");
    again.assert_status(200);
    assert_eq!(lists_read(&again), 0, "{:#?}", statements(&again));
    assert!(
        statements(&again)
            .iter()
            .any(|l| l.contains("\"sessions\"") && l.contains("code_list_version")),
        "the session's statement reads the version: {:#?}",
        statements(&again)
    );
    diesel_exec(
        &app,
        "INSERT INTO countries (code, description) VALUES ('ZZ', 'Zedland')",
    );
    let changed = c.get("/contacts");
    assert_eq!(lists_read(&changed), 1, "{:#?}", statements(&changed));
    assert!(changed.contains("Zedland"));
    let kept = c.get("/contacts");
    assert_eq!(lists_read(&kept), 0, "{:#?}", statements(&kept));
    assert!(kept.contains("Zedland"));
    let refused = c.submit(
        "/contacts/new",
        "/contacts",
        &[("type", "company"), ("name", "")],
    );
    refused.assert_status(422);
    assert!(refused.contains("Zedland"));
    assert_eq!(lists_read(&refused), 1, "{:#?}", statements(&refused));
}

#[test]
fn the_command_line_never_prints_the_database_password() {
    // PostgreSQL's client library quotes the malformed part of a URL in its error.
    let output = std::process::Command::new(binary())
        .arg("migrate")
        .env(
            "DATABASE_URL",
            "postgres://rapport:Secr3t%zz@127.0.0.1:1/rapport",
        )
        .env("RUST_LOG", "debug")
        .output()
        .expect("run rapport");
    assert!(!output.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("[redacted]"), "{said}");
    assert!(!said.contains("Secr3t"), "{said}");
}

/// A database that cannot be reached is named as the setting that points at it: libpq's
/// text alone ("connection to server … failed") never said which setting to check.
#[test]
fn an_unreachable_database_is_named_by_its_setting() {
    let output = std::process::Command::new(binary())
        .arg("migrate")
        .env(
            "DATABASE_URL",
            "postgres://rapport:Secr3t@127.0.0.1:1/rapport",
        )
        .output()
        .expect("run rapport");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("rapport: cannot connect to the database DATABASE_URL names:"),
        "{said}"
    );
    assert!(!said.contains("Secr3t"), "{said}");
}

/// The service's own log at its default level: a health check that answers writes no line (a
/// load balancer asks every two seconds: a line each filled the journal), a page does; and a
/// `RUST_LOG` that cannot be read is said, not dropped for the default without a word.
#[test]
fn health_checks_stay_out_of_the_log_and_an_unreadable_rust_log_is_said() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let db = TestDb::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(binary())
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("RAPPORT_BIND", format!("127.0.0.1:{port}"))
        .env("RAPPORT_COOKIE_SECURE", "false")
        .env("RUST_LOG", "rapport=loud")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        eventually(Duration::from_millis(100), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        }),
        "the server did not start"
    );
    let mut c = Client::new(&base);
    c.get("/healthz").assert_status(200);
    c.get("/healthz").assert_status(200);
    c.get("/login").assert_status(200);
    let _ = child.kill();
    let _ = child.wait();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        log.contains("RUST_LOG \"rapport=loud\"") && log.contains("logging as the default"),
        "{log}"
    );
    assert!(
        log.contains("path=\"/login\"") || log.contains("path=/login"),
        "{log}"
    );
    assert!(!log.contains("/healthz"), "{log}");
}
