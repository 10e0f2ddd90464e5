//! Operations: health, the command line, the private cluster's life cycle, migrations.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::*;

#[test]
fn healthz_answers_200_when_the_database_answers() {
    let app = TestApp::start();
    let res = app.client().get("/healthz");
    res.assert_status(200);
    assert_eq!(res.body, "ok\n");
    assert!(
        res.set_cookies().is_empty(),
        "health checks need no session"
    );
}

#[test]
fn head_is_answered_as_get_without_a_body() {
    let app = TestApp::start();
    let mut anonymous = app.client();
    let res = anonymous.head("/healthz");
    res.assert_status(200);
    assert_eq!(res.body, "", "a HEAD answer has no body");
    assert_eq!(res.header("content-length").as_deref(), Some("3"));
    anonymous.head("/login").assert_status(200);
    anonymous
        .head("/contacts")
        .assert_redirect("/login?next=%2Fcontacts");
    let mut staff = app.signed_in("head_staff", "staff");
    let res = staff.head("/contacts");
    res.assert_status(200);
    assert!(res.body.is_empty());
    staff.head("/no/such/page").assert_status(404);
    let res = staff.head("/static/rapport.css");
    res.assert_status(200);
    assert!(res.body.is_empty());
    // A HEAD (a link checker's, a prefetch's) leaves the one-time message for the page the
    // user opens: it used it up.
    let home = staff.get("/");
    staff
        .post_with_token("/logout", &home.csrf_token().unwrap(), &[])
        .assert_redirect("/login");
    staff.head("/login").assert_status(200);
    staff.headers.push(("sec-purpose", "prefetch".into()));
    assert!(staff.get("/login").contains("You have signed out."));
    staff.headers.clear();
    assert!(staff.get("/login").contains("You have signed out."));
}

#[test]
fn healthz_answers_503_when_the_database_does_not() {
    let db = TestDb::new();
    let mut config = test_config(&db.url);
    let mut url = url::Url::parse(&db.url).unwrap();
    url.set_path("/no_such_database");
    config.database_url = Some(url.as_str().into());
    let manager = diesel::r2d2::ConnectionManager::<diesel::PgConnection>::new(url.as_str());
    let pool = diesel::r2d2::Pool::builder()
        .connection_timeout(Duration::from_millis(500))
        .build_unchecked(manager);
    let instance = Instance::start_with_pool(config, pool);
    instance.client().get("/healthz").assert_status(503);
    // A page (a signed-in browser's: its session is read first) says the database cannot be
    // reached, not that Rapport is busy: waiting would not help.
    let mut browser = instance.client();
    browser
        .cookies
        .insert("rapport_session".into(), "a-session-of-before".into());
    let page = browser.get("/contacts");
    page.assert_status(503);
    assert!(page.contains("Database not reachable"), "{}", page.body);
    assert!(!page.contains("busy"), "{}", page.body);
}

/// The database ends every connection of the pools (as a restart or a failover does): the
/// health check still answers 200, on a fresh connection, and a page asked for meanwhile is a
/// 503 to retry, never a 500. The check said 503 as many times as the pool had connections,
/// so a load balancer took every instance out at once, and pages said "Something went wrong".
#[test]
fn connections_a_database_restart_ended_are_replaced_not_a_500() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    // Every page connection in use at once, so that the pool holds several.
    let clients: Vec<_> = (0..6)
        .map(|i| app.signed_in(&format!("user{i}"), "staff"))
        .collect();
    let handles: Vec<_> = clients
        .into_iter()
        .map(|mut c| std::thread::spawn(move || c.get("/contacts").status))
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 200);
    }
    let ended = app.count(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    assert!(ended > 1, "{ended} connections");
    app.client().get("/healthz").assert_status(200);
    let pages: Vec<Resp> = (0..8).map(|_| c.get("/contacts")).collect();
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
    // A page that met an ended connection says the database was not reachable: it said
    // Rapport was busy, while the database was down.
    for page in pages.iter().filter(|p| p.status == 503) {
        assert!(page.contains("Database not reachable"), "{}", page.body);
    }
}

fn rapport(db_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(binary())
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_command_line_manages_users_with_passwords_from_stdin() {
    let app = TestApp::start();
    let url = &app.db.url;
    let out = rapport(
        url,
        &[
            "user",
            "add",
            "carla",
            "--role",
            "admin",
            "--display-name",
            "Carla C",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.client().sign_in("carla", PASSWORD);

    let out = rapport(url, &["user", "add", "weak", "--role", "staff"], "short\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("12 characters"));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'weak'"),
        0
    );

    // The options are checked before the password is asked for, and said by their names.
    let out = rapport(url, &["user", "add", "boss", "--role", "boss"], "");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("possible values: admin, staff, viewer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rapport(url, &["user", "add", "ghost", "--salesperson", "XX"], "");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("--salesperson: "), "{said}");
    assert!(
        !said.contains("12 characters") && !said.contains("salesperson_code"),
        "{said}"
    );
    let out = rapport(url, &["user", "add", "CARLA"], "");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("user name: This user name is already taken."));

    let out = rapport(url, &["user", "list"], "");
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("carla") && listing.contains("admin") && listing.contains("Carla C"));

    let new_password = "another long password";
    let out = rapport(
        url,
        &["user", "set-password", "carla"],
        &format!("{new_password}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.client().sign_in("carla", new_password);

    app.user("second-admin", "admin"); // carla is not the last administrator
    let out = rapport(url, &["user", "disable", "carla"], "");
    assert!(out.status.success());
    assert_eq!(app.client().try_sign_in("carla", new_password).status, 422);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE actor = '(command line)'"),
        3
    );
}

#[test]
fn migrations_run_once_when_instances_start_together() {
    let server_db = TestDb::new();
    // An empty database (not from the template) migrated by four processes at once.
    let mut url = url::Url::parse(&server_db.url).unwrap();
    let name = format!("{}_fresh", server_db.name);
    {
        use diesel::connection::SimpleConnection;
        server_db
            .conn()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
    }
    url.set_path(&format!("/{name}"));
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(binary())
                .arg("migrate")
                .env("DATABASE_URL", url.as_str())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        applied += text
            .split_whitespace()
            .next()
            .unwrap()
            .parse::<usize>()
            .unwrap();
    }
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count();
    assert_eq!(applied, migrations, "each migration applied exactly once");
    let mut conn = diesel::Connection::establish(url.as_str())
        .map(|c: diesel::PgConnection| c)
        .unwrap();
    assert_eq!(count(&mut conn, "SELECT count(*) FROM users"), 0);
    drop(conn);
    use diesel::connection::SimpleConnection;
    server_db
        .conn()
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether the server at `base` answers `/healthz` with success (before [`PATIENCE`] runs out).
fn wait_for_health(base: &str) -> bool {
    eventually(Duration::from_millis(200), || {
        reqwest::blocking::get(format!("{base}/healthz")).is_ok_and(|r| r.status().is_success())
    })
}

/// `serve` with no DATABASE_URL creates its own cluster, prints the setup link, and stops
/// PostgreSQL again on SIGTERM; a second start reuses the cluster and keeps the data.
#[test]
fn serve_runs_its_own_postgresql_and_stops_it_on_exit() {
    let dir = tempfile::Builder::new()
        .prefix("rapport-serve-")
        .tempdir()
        .unwrap();
    let data_dir = dir.path().join("var");
    let start = |port: u16| {
        Command::new(binary())
            .env_remove("DATABASE_URL")
            .env("RAPPORT_DATA_DIR", &data_dir)
            .env("RAPPORT_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let port = free_port();
    let child = start(port);
    let base = format!("http://127.0.0.1:{port}");
    let up = wait_for_health(&base);
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(up, "serve did not come up:\n{stdout}\n{stderr}");
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!("{base}/setup?token=")),
        "setup link printed:\n{stdout}"
    );
    assert!(stderr.contains("PostgreSQL stopped"), "{stderr}");
    assert!(
        !data_dir.join("pgdata/postmaster.pid").exists(),
        "PostgreSQL still running"
    );
    // The socket lives inside the data directory; no TCP port was opened for PostgreSQL.
    let conf = std::fs::read_to_string(data_dir.join("pgdata/postgresql.conf")).unwrap();
    assert!(conf.contains("listen_addresses = ''"));

    // Second start: the same cluster, the same data (the setup token is replaced).
    let port = free_port();
    let child = start(port);
    let base = format!("http://127.0.0.1:{port}");
    let up = wait_for_health(&base);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(up, "second start failed: {stderr}");
    assert!(
        !stderr.contains("creating a private PostgreSQL cluster"),
        "{stderr}"
    );
    assert!(!data_dir.join("pgdata/postmaster.pid").exists());

    // A hang-up (the SSH session that started it closed) stops it as Ctrl-C does: it ended
    // the process at once, and PostgreSQL ran on for good.
    let port = free_port();
    let child = start(port);
    let up = wait_for_health(&format!("http://127.0.0.1:{port}"));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(up, "third start failed: {stderr}");
    assert!(stderr.contains("PostgreSQL stopped"), "{stderr}");
    assert!(!data_dir.join("pgdata/postmaster.pid").exists());
}

/// A command that started the private cluster (here `rapport user add`, waiting for its
/// password) and is interrupted stops the cluster, as when it ends. It was left running, and
/// the next start reused it without ever stopping it.
#[test]
fn a_command_interrupted_stops_the_postgresql_it_started() {
    use std::io::BufRead;
    let dir = tempfile::Builder::new()
        .prefix("rapport-interrupted-")
        .tempdir()
        .unwrap();
    let data_dir = dir.path().join("var");
    let mut child = Command::new(binary())
        .args(["user", "add", "waiting", "--role", "staff"])
        .env_remove("DATABASE_URL")
        .env("RAPPORT_DATA_DIR", &data_dir)
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, said) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            all.push_str(&line);
            all.push('\n');
            let _ = lines.send(line);
        }
        all
    });
    // Started, and waiting for the password on its standard input (held open). Each line
    // is waited for at most PATIENCE; the command's end (or a silence) ends the wait.
    let mut ready = false;
    while let Ok(line) = said.recv_timeout(PATIENCE) {
        if line.contains("stopped when this command ends or is interrupted") {
            ready = true;
            break;
        }
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    if ready {
        assert!(data_dir.join("pgdata/postmaster.pid").exists(), "running");
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    } else {
        let _ = child.kill();
    }
    let status = child.wait().unwrap();
    let stderr = reader.join().unwrap();
    let left = std::fs::read_to_string(data_dir.join("pgdata/postmaster.pid")).ok();
    if let Some(postmaster) = left.as_deref().and_then(|f| f.lines().next()?.parse().ok()) {
        // Not left running after the test, whatever it found.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(postmaster),
            nix::sys::signal::Signal::SIGQUIT,
        );
    }
    assert!(
        ready,
        "the command did not get as far as its password:\n{stderr}"
    );
    // Ended by the signal, as the shell expects of an interrupted program.
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(nix::sys::signal::Signal::SIGINT as i32),
        "{stderr}"
    );
    assert!(stderr.contains("PostgreSQL stopped"), "{stderr}");
    assert!(left.is_none(), "PostgreSQL still running:\n{stderr}");
}

#[test]
fn every_request_is_logged_with_method_path_status_and_id() {
    let dir = tempfile::Builder::new()
        .prefix("rapport-log-")
        .tempdir()
        .unwrap();
    let db = TestDb::new();
    let port = free_port();
    let child = Command::new(binary())
        .env("DATABASE_URL", &db.url)
        .env("RAPPORT_DATA_DIR", dir.path())
        .env("RAPPORT_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    assert!(wait_for_health(&base));
    let res = reqwest::blocking::get(format!("{base}/login")).unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let line = log
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("no log line for {id}:\n{log}"));
    for part in ["GET", "/login", "status=200", "duration_ms", "user="] {
        assert!(line.contains(part), "{part} missing from {line}");
    }
}

#[test]
fn missing_postgresql_programs_give_a_clear_message() {
    let dir = tempfile::Builder::new()
        .prefix("rapport-nopg-")
        .tempdir()
        .unwrap();
    let out = Command::new(binary())
        .env_remove("DATABASE_URL")
        .env("RAPPORT_DATA_DIR", dir.path().join("var"))
        .env("RAPPORT_PG_BINDIR", dir.path().join("no-such-bin"))
        .env("RAPPORT_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    let stderr = one_sentence(&out);
    assert!(stderr.contains("initdb, pg_ctl"), "{stderr}");
    assert!(stderr.contains("apt-get install postgresql"), "{stderr}");
    assert!(stderr.contains("Debian/Ubuntu"), "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}

/// Standard error of a start that failed: exactly one line, the sentence, with no panic.
#[track_caller]
fn one_sentence(out: &std::process::Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(stderr.lines().count(), 1, "one line:\n{stderr}");
    assert!(stderr.starts_with("rapport: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_port_in_use_gives_a_clear_message_before_anything_starts() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("var");
    let out = Command::new(binary())
        .env_remove("DATABASE_URL")
        .env("RAPPORT_DATA_DIR", &data_dir)
        .env("RAPPORT_BIND", &bind)
        .output()
        .unwrap();
    let message = one_sentence(&out);
    assert!(
        message.contains(&format!("cannot listen on {bind}"))
            && message.contains("already in use")
            && message.contains("RAPPORT_BIND="),
        "{message}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
    assert!(!data_dir.exists(), "no PostgreSQL was started for nothing");
}

/// As root, PostgreSQL runs as `postgres`, who cannot enter a folder like `/root` (mode 700);
/// as another user, the data directory cannot be created in a folder it may not write to.
#[test]
fn a_data_directory_postgresql_cannot_use_gives_a_clear_message() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let root = nix::unistd::geteuid().is_root();
    let mode = if root { 0o700 } else { 0o500 };
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(mode)).unwrap();
    let data_dir = home.join("rapport/var");
    let out = Command::new(binary())
        .env_remove("DATABASE_URL")
        .env("RAPPORT_DATA_DIR", &data_dir)
        .env("RAPPORT_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    let message = one_sentence(&out);
    let expected = if root {
        format!("who cannot enter {} (mode 700)", home.display())
    } else {
        format!("cannot create the data directory {}", data_dir.display())
    };
    assert!(message.contains(&expected), "{message}");
    assert!(
        message.contains("RAPPORT_DATA_DIR") && message.contains("DATABASE_URL"),
        "{message}"
    );
    assert!(!data_dir.exists(), "nothing is left behind");
}

/// What `serve` on `db`, bound to `host` (a free port) with `settings`, writes at warning
/// level until it is up and then stopped.
fn warnings_at_start(db: &TestDb, host: &str, settings: impl FnOnce(&mut Command)) -> String {
    let port = free_port();
    let mut command = Command::new(binary());
    command
        .env("DATABASE_URL", &db.url)
        .env("RAPPORT_BIND", format!("{host}:{port}"))
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    settings(&mut command);
    let child = command.spawn().unwrap();
    assert!(wait_for_health(&format!("http://127.0.0.1:{port}")));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    String::from_utf8_lossy(&child.wait_with_output().unwrap().stderr).to_string()
}

/// Bound to every address with the default cookie setting, Rapport marks its cookies Secure:
/// the start says that no one can then sign in over plain http, and what to do.
#[test]
fn a_public_bind_with_automatic_secure_cookies_is_warned_about_at_the_start() {
    let db = TestDb::new();
    let start = |trust_proxy: &str| {
        warnings_at_start(&db, "0.0.0.0", |command| {
            command
                .env("RAPPORT_TRUST_PROXY", trust_proxy)
                .env_remove("RAPPORT_COOKIE_SECURE");
        })
    };
    let log = start("false");
    assert!(
        log.contains("is not a loopback address, so cookies are marked Secure")
            && log.contains("RAPPORT_COOKIE_SECURE=false for a plain-http intranet"),
        "{log}"
    );
    // Behind a proxy (trusted), https is the proxy's: nothing to say.
    let log = start("true");
    assert!(!log.contains("cookies are marked Secure"), "{log}");
}

/// On loopback behind a trusted reverse proxy (the README's layout) with the default cookie
/// setting, the cookies are not Secure and no HSTS is sent: the start says to set
/// RAPPORT_COOKIE_SECURE=true when the proxy serves https. Set, nothing is said.
#[test]
fn a_proxy_layout_with_automatic_secure_cookies_is_warned_about_at_the_start() {
    let db = TestDb::new();
    let start = |secure: Option<&str>| {
        warnings_at_start(&db, "127.0.0.1", |command| {
            command.env("RAPPORT_TRUST_PROXY", "true");
            match secure {
                Some(v) => command.env("RAPPORT_COOKIE_SECURE", v),
                None => command.env_remove("RAPPORT_COOKIE_SECURE"),
            };
        })
    };
    let log = start(None);
    assert!(
        log.contains("leaves its cookies without Secure and sends no HSTS")
            && log.contains("set RAPPORT_COOKIE_SECURE=true"),
        "{log}"
    );
    let log = start(Some("true"));
    assert!(!log.contains("without Secure"), "{log}");
}

/// A static folder without Rapport's stylesheet stops the start with what to do: every page
/// was served unstyled, the cause only in the log.
#[test]
fn a_wrong_static_folder_stops_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(binary())
        .env_remove("DATABASE_URL")
        .env("RAPPORT_DATA_DIR", dir.path().join("var"))
        .env("RAPPORT_STATIC_DIR", dir.path().join("no-static"))
        .env("RAPPORT_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    let stderr = one_sentence(&out);
    assert!(stderr.contains("no-static has no rapport.css"), "{stderr}");
    assert!(stderr.contains("set RAPPORT_STATIC_DIR"), "{stderr}");
    assert!(!dir.path().join("var").exists(), "nothing was started");
}

/// A mistyped setting was ignored unseen: `RAPPORT_TRUST_PROXIES=true` left the proxy
/// untrusted. The start names it, and the setting it is close to.
#[test]
fn a_mistyped_setting_is_named_at_the_start() {
    let db = TestDb::new();
    let log = warnings_at_start(&db, "127.0.0.1", |command| {
        command.env("RAPPORT_TRUST_PROXIES", "true");
    });
    assert!(
        log.contains(
            "RAPPORT_TRUST_PROXIES is not a setting of Rapport and is ignored: did you mean \
             RAPPORT_TRUST_PROXY?"
        ),
        "{log}"
    );
    let log = warnings_at_start(&db, "127.0.0.1", |_| {});
    assert!(!log.contains("is not a setting of Rapport"), "{log}");
}

/// A data directory of another user (made by a run as root, or with `mkdir` as root) stops a
/// command with one sentence naming its owner and what to do; it was a bare "Permission
/// denied" or initdb's complaint. (Run as root, the test runs the command as `nobody`.)
#[test]
fn a_data_directory_of_another_user_is_said_as_such() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!(
            "a_data_directory_of_another_user_is_said_as_such: needs root to act as another user"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("var");
    std::fs::create_dir(&data).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A copy of the program where `nobody` may run it (the checkout may be closed to it).
    let program = dir.path().join("rapport");
    std::fs::copy(binary(), &program).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(&program)
        .arg("migrate")
        .env_remove("DATABASE_URL")
        .env("RAPPORT_DATA_DIR", &data)
        .output()
        .expect("runuser");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!(
            "the data directory {} belongs to user root, and Rapport runs as nobody",
            data.display()
        )),
        "{said}"
    );
    assert!(!data.join("run").exists(), "nothing was made");
}
