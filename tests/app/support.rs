//! The test harness: one throwaway PostgreSQL cluster per run (unless `TEST_DATABASE_URL` or
//! `DATABASE_URL` names a server), a migrated template database, and for every test its own
//! database cloned from it, its own app server on a free loopback port, and a client that
//! keeps cookies and sends form tokens the way a browser does.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rapport::config::{Config, CookieSecure};
use rapport::db::cluster::{self, ClusterOptions, LocalCluster, Reaper};

struct DbServer {
    /// URL of a maintenance database on the server, to create and drop test databases.
    admin_url: url::Url,
    template: String,
    own: Option<OwnCluster>,
}

/// The throwaway cluster of this run. It is never dropped (it lives in a static): its watcher
/// stops it and deletes its directory once this process has ended, whatever way it ends.
struct OwnCluster {
    dir: PathBuf,
    cluster: LocalCluster,
    reaper: Reaper,
}

/// Temporary directories of the harness's clusters are named `rapport-test-…`.
pub const CLUSTER_DIR_PREFIX: &str = "rapport-test-";

/// This run's own cluster, if it started one: its directory, its postmaster's process id and
/// the process id of the watcher that will stop it.
pub fn own_cluster() -> Option<(PathBuf, u32, u32)> {
    let own = server().own.as_ref()?;
    Some((
        own.dir.clone(),
        own.cluster.postmaster_pid()?,
        own.reaper.pid(),
    ))
}

static SERVER: OnceLock<DbServer> = OnceLock::new();
static CREATE_LOCK: Mutex<()> = Mutex::new(());
static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn server() -> &'static DbServer {
    SERVER.get_or_init(|| {
        let external = std::env::var("TEST_DATABASE_URL")
            .or_else(|_| std::env::var("DATABASE_URL"))
            .ok()
            .filter(|v| !v.trim().is_empty());
        let (admin_url, own) = match external {
            Some(url) => (
                url::Url::parse(&url).expect("TEST_DATABASE_URL is a URL"),
                None,
            ),
            None => {
                // Clusters of earlier runs whose watcher could not finish its work.
                let tmp = std::env::temp_dir();
                cluster::stop_abandoned(&tmp, CLUSTER_DIR_PREFIX);
                let dir = tempfile::Builder::new()
                    .prefix(CLUSTER_DIR_PREFIX)
                    .tempdir_in(&tmp)
                    .expect("temp dir")
                    .keep();
                cluster::write_owner_file(&dir).expect("owner file");
                let cluster = LocalCluster::ensure_started(
                    &dir,
                    "postgres",
                    ClusterOptions { durable: false },
                )
                .unwrap_or_else(|e| panic!("cannot start the test PostgreSQL: {e}"));
                let reaper = cluster
                    .stop_when_this_process_exits(&dir)
                    .unwrap_or_else(|e| panic!("cannot watch the test PostgreSQL: {e}"));
                let url = url::Url::parse(&cluster.database_url("postgres")).expect("url");
                let own = OwnCluster {
                    dir,
                    cluster,
                    reaper,
                };
                (url, Some(own))
            }
        };
        let template = format!("rapport_tpl_{}", std::process::id());
        let mut conn = PgConnection::establish(admin_url.as_str()).expect("connect to test server");
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {template}"))
            .unwrap();
        conn.batch_execute(&format!("CREATE DATABASE {template}"))
            .unwrap();
        let mut tpl = PgConnection::establish(with_db(&admin_url, &template).as_str()).unwrap();
        rapport::db::migrate(
            &mut tpl,
            rapport::db::Sorting::As(rapport::config::Locale::Iso),
        )
        .expect("migrations");
        drop(tpl);
        DbServer {
            admin_url,
            template,
            own,
        }
    })
}

fn with_db(base: &url::Url, db: &str) -> url::Url {
    let mut url = base.clone();
    url.set_path(&format!("/{db}"));
    url
}

/// A database of its own for one test, dropped at the end.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        let server = server();
        let name = format!(
            "rapport_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        {
            let _guard = CREATE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
            let mut conn = PgConnection::establish(server.admin_url.as_str()).unwrap();
            conn.batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE {}",
                server.template
            ))
            .expect("create test database");
        }
        let url = with_db(&server.admin_url, &name).to_string();
        // A copy of the template holds the template's own id in the version of its code lists
        // (`code_list_version.database`). The tests' instances share one process, which keeps
        // lists by that version: each database gets an id of its own, as a migrated one has.
        PgConnection::establish(&url)
            .expect("connect to test database")
            .batch_execute("UPDATE code_list_version SET database = gen_random_uuid()::text")
            .expect("the code lists' version of a database of its own");
        TestDb { url, name }
    }

    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connect to test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(server().admin_url.as_str()) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

pub fn test_config(db_url: &str) -> Config {
    let mut config = Config::defaults();
    config.database_url = Some(db_url.into());
    config.bind = "127.0.0.1:0".into();
    config.cookie_secure = CookieSecure::Never;
    config.db_pool_size = 4;
    config.db_long_pool_size = 2;
    // Tests check exact counts on a machine that may be busy: the contact list keeps no
    // count unless a test asks it to (contact_list).
    config.list_count_keep = std::time::Duration::ZERO;
    // A campaign card waits for the count that a write started, however busy the machine,
    // so that it never shows figures of before that write (campaign_figures tests the wait).
    config.figures_wait = PATIENCE;
    config
}

/// One running app instance.
pub struct Instance {
    pub base: String,
    pub config: Config,
    handle: Option<actix_web::dev::ServerHandle>,
}

impl Instance {
    pub fn start(config: Config) -> Instance {
        let url = config.database_url.as_ref().expect("a database URL");
        let pools = rapport::db::pools_for(url.expose(), &config).expect("pools");
        Self::start_with_pools(config, pools)
    }

    /// An instance whose pages and long work share `pool`.
    pub fn start_with_pool(config: Config, pool: rapport::db::DbPool) -> Instance {
        let pools = rapport::db::Pools {
            pages: pool.clone(),
            long: pool,
        };
        Self::start_with_pools(config, pools)
    }

    pub fn start_with_pools(config: Config, pools: rapport::db::Pools) -> Instance {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        let cfg = config.clone();
        std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let server = rapport::server(listener, pools, cfg).expect("server");
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            });
        });
        let handle = rx.recv().expect("server started");
        Instance {
            base,
            config,
            handle: Some(handle),
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            actix_web::rt::System::new().block_on(handle.stop(false));
        }
    }
}

/// A test database with one app instance on it.
pub struct TestApp {
    pub instance: Instance,
    pub db: TestDb,
}

impl TestApp {
    pub fn start() -> TestApp {
        Self::start_with(|_| {})
    }

    pub fn start_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new();
        let mut config = test_config(&db.url);
        tweak(&mut config);
        TestApp {
            instance: Instance::start(config),
            db,
        }
    }

    pub fn base(&self) -> &str {
        &self.instance.base
    }

    pub fn client(&self) -> Client {
        self.instance.client()
    }

    pub fn conn(&self) -> PgConnection {
        self.db.conn()
    }

    /// Creates a user directly in the database (as `rapport user add` would).
    pub fn user(&self, username: &str, role: &str) -> &'static str {
        let new = rapport::auth::users::NewUser {
            username: username.into(),
            display_name: format!("{username} Display"),
            role: role.into(),
            salesperson_code: String::new(),
            password: PASSWORD.into(),
            password_confirmation: PASSWORD.into(),
        };
        rapport::auth::users::create(&mut self.conn(), &new)
            .unwrap_or_else(|e| panic!("create user {username}: {e:?}"));
        PASSWORD
    }

    /// A client signed in as a new user with this role.
    pub fn signed_in(&self, username: &str, role: &str) -> Client {
        self.user(username, role);
        let mut client = self.client();
        client.sign_in(username, PASSWORD);
        client
    }

    pub fn count(&self, sql: &str) -> i64 {
        count(&mut self.conn(), sql)
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

pub fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT ({sql})::bigint AS n"))
        .get_result::<N>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// The plan PostgreSQL gives for `explain` (an `EXPLAIN …` statement), its lines joined.
pub fn explain(conn: &mut PgConnection, explain: &str) -> String {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    diesel::sql_query(explain)
        .load::<Line>(conn)
        .unwrap_or_else(|e| panic!("{explain}: {e}"))
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// An HTTP response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn location(&self) -> Option<String> {
        self.header("location")
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }

    /// The CSRF token of the first form on the page.
    pub fn csrf_token(&self) -> Option<String> {
        hidden_value(&self.body, "csrf_token")
    }

    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body:\n{}",
            self.body
        );
        self
    }

    #[track_caller]
    pub fn assert_redirect(&self, to: &str) -> &Self {
        assert_eq!(
            self.status, 303,
            "expected a redirect; body:\n{}",
            self.body
        );
        assert_eq!(self.location().as_deref(), Some(to));
        self
    }
}

pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    // As a browser reads it: askama's escapes undone, `&` last.
    Some(
        html[start..end]
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

/// The hidden fields of the form posted to `action` (with a query or without), in their
/// order, as a browser sends them (the form's token among them).
pub fn hidden_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = ["\"", "?"]
        .iter()
        .find_map(|end| html.find(&format!("action=\"{action}{end}")));
    let Some(start) = start else {
        return Vec::new();
    };
    let form = &html[start..];
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(at) = rest.find("<input type=\"hidden\" name=\"") {
        let input = &rest[at + "<input type=\"hidden\" name=\"".len()..];
        let name_end = input.find('"').unwrap_or(0);
        let name = &input[..name_end];
        let value = hidden_value(&rest[at..], name).unwrap_or_default();
        fields.push((name.to_string(), value));
        rest = &input[name_end..];
    }
    fields
}

/// Owned pairs as a form's fields.
pub fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A client that behaves like a browser: keeps cookies, sends `Origin` on posts, and posts
/// the token of the form it loaded.
pub struct Client {
    pub base: String,
    http: reqwest::blocking::Client,
    pub cookies: BTreeMap<String, String>,
    /// The `Origin` sent with POSTs; `None` sends none.
    pub origin: Option<String>,
    /// Headers sent with every request (a reverse proxy's, say).
    pub headers: Vec<(&'static str, String)>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_string(),
            http: reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            origin: Some(base.to_string()),
            headers: Vec::new(),
        }
    }

    /// The client's cookies as a browser sends them in one `Cookie` header.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn finish(&mut self, req: reqwest::blocking::RequestBuilder) -> Resp {
        let req = self
            .headers
            .iter()
            .fold(req, |req, (name, value)| req.header(*name, value));
        let req = if self.cookies.is_empty() {
            req
        } else {
            req.header("cookie", self.cookie_header())
        };
        let res = req.send().expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        for raw in headers.get_all("set-cookie") {
            let raw = raw.to_str().unwrap();
            let pair = raw.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || raw.to_ascii_lowercase().contains("max-age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let body = res.text().unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn get(&mut self, path: &str) -> Resp {
        let req = self.http.get(format!("{}{}", self.base, path));
        self.finish(req)
    }

    pub fn head(&mut self, path: &str) -> Resp {
        let req = self.http.head(format!("{}{}", self.base, path));
        self.finish(req)
    }

    /// A raw form post with exactly these fields (no token added).
    pub fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut req = self
            .http
            .post(format!("{}{}", self.base, path))
            .form(fields);
        if let Some(origin) = &self.origin {
            req = req.header("origin", origin);
        }
        self.finish(req)
    }

    /// Posts `fields` as a multipart form, in their order, with no token of its own.
    pub fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut form = reqwest::blocking::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        let mut req = self
            .http
            .post(format!("{}{}", self.base, path))
            .multipart(form);
        if let Some(origin) = &self.origin {
            req = req.header("origin", origin);
        }
        self.finish(req)
    }

    /// Loads `page`, takes its form token, and posts `fields` to `action` with it.
    pub fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Resp {
        let form = self.get(page);
        let token = form
            .csrf_token()
            .unwrap_or_else(|| panic!("no form token on {page} ({}):\n{}", form.status, form.body));
        self.post_with_token(action, &token, fields)
    }

    pub fn post_with_token(&mut self, action: &str, token: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token)];
        all.extend_from_slice(fields);
        self.post_raw(action, &all)
    }

    /// Signs in through the form and checks that it worked.
    #[track_caller]
    pub fn sign_in(&mut self, username: &str, password: &str) {
        let res = self.try_sign_in(username, password);
        assert_eq!(
            res.status, 303,
            "sign-in of {username} failed:\n{}",
            res.body
        );
    }

    pub fn try_sign_in(&mut self, username: &str, password: &str) -> Resp {
        self.submit(
            "/login",
            "/login",
            &[("username", username), ("password", password)],
        )
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k.contains("rapport_session"))
            .map(|(_, v)| v.clone())
    }
}

/// The `rapport` binary built for these tests.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rapport"))
}

/// `rapport serve` as a process of its own on the database `db_url`, with `envs` added to its
/// environment; stopped however the test ends. Answers once it takes connections.
pub struct Served {
    pub child: std::process::Child,
    pub base: String,
}

impl Served {
    pub fn start(db_url: &str, envs: &[(&str, &str)]) -> Served {
        use std::process::{Command, Stdio};
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(binary())
            .arg("serve")
            .env("DATABASE_URL", db_url)
            .env("RAPPORT_BIND", format!("127.0.0.1:{port}"))
            .env("RAPPORT_COOKIE_SECURE", "false")
            .env("RUST_LOG", "error")
            .envs(envs.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let served = Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        assert!(
            eventually(Duration::from_millis(100), || {
                std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            }),
            "the server did not start"
        );
        served
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Client {
    /// Uploads a file as a browser does: multipart, the page's token its first field.
    pub fn upload(&mut self, page: &str, action: &str, file_name: &str, data: &[u8]) -> Resp {
        let token = self.get(page).csrf_token().expect("form token");
        let part = reqwest::blocking::multipart::Part::bytes(data.to_vec())
            .file_name(file_name.to_string())
            .mime_str("text/csv")
            .unwrap();
        let form = reqwest::blocking::multipart::Form::new()
            .text("csrf_token", token)
            .part("file", part);
        let mut req = self
            .http
            .post(format!("{}{}", self.base, action))
            .multipart(form);
        if let Some(origin) = &self.origin {
            req = req.header("origin", origin);
        }
        self.finish(req)
    }

    /// Follows a redirect to a page that refreshes itself until `done` says it is finished
    /// (the last answer when [`PATIENCE`] runs out; the caller's assertions then say what).
    pub fn wait_for(&mut self, path: &str, done: impl Fn(&Resp) -> bool) -> Resp {
        let mut last = self.get(path);
        eventually(Duration::from_millis(100), || {
            last = self.get(path);
            done(&last)
        });
        last
    }
}

/// How long a test waits for something that must happen — a server answering, a page
/// finishing, a request reaching a lock — before it gives up. A guard against a hang, never a
/// measurement: no test asserts how long anything took (CI runs on a busy 2-core machine), so
/// this is generous.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// How many times a wait asks, once every `every`, before it gives up: [`PATIENCE`] of
/// pauses (and more on a busy machine, where each question takes time too). Waits count their
/// questions rather than read the clock.
pub fn polls(every: Duration) -> u128 {
    PATIENCE.as_millis() / every.as_millis().max(1)
}

/// Asks `ready` every `every` until it says yes; false when it never did within [`polls`].
pub fn eventually(every: Duration, mut ready: impl FnMut() -> bool) -> bool {
    for _ in 0..polls(every) {
        if ready() {
            return true;
        }
        std::thread::sleep(every);
    }
    ready()
}

/// Whether a statement of the test's database comes to wait for a lock (or `done` first).
pub fn one_waits_for_a_lock(app: &TestApp, done: impl Fn() -> bool) -> bool {
    let mut watch = app.conn();
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                   AND datname = current_database()";
    eventually(std::time::Duration::from_millis(10), || {
        done() || count(&mut watch, waiting) > 0
    })
}

/// Downloads and uploads of files that are not text (Excel workbooks).
impl Client {
    /// A GET whose body is kept as bytes: (status, content type, body).
    pub fn get_bytes(&mut self, path: &str) -> (u16, Option<String>, Vec<u8>) {
        let mut req = self.http.get(format!("{}{}", self.base, path));
        if !self.cookies.is_empty() {
            req = req.header("cookie", self.cookie_header());
        }
        let res = req.send().expect("request");
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        (status, content_type, res.bytes().unwrap().to_vec())
    }

    /// [`Client::upload`] with more form fields before the file (e.g. a checkbox).
    pub fn upload_with(
        &mut self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        data: &[u8],
    ) -> Resp {
        let token = self.get(page).csrf_token().expect("form token");
        let mut form = reqwest::blocking::multipart::Form::new().text("csrf_token", token);
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        let part = reqwest::blocking::multipart::Part::bytes(data.to_vec())
            .file_name(file_name.to_string())
            .mime_str("application/octet-stream")
            .unwrap();
        let mut req = self
            .http
            .post(format!("{}{}", self.base, action))
            .multipart(form.part("file", part));
        if let Some(origin) = &self.origin {
            req = req.header("origin", origin);
        }
        self.finish(req)
    }
}

/// The fields a page's error summary names, in its order (the ids its links go to).
pub fn summary_fields(html: &str) -> Vec<String> {
    let summary = html
        .split("class=\"error-summary\"")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .unwrap_or_default();
    summary
        .split("<a href=\"#")
        .skip(1)
        .map(|s| s.split('"').next().unwrap_or_default().to_string())
        .collect()
}

/// Every link of a page's error summaries (`<a href="#field">`) leads to an element of the page
/// (a keyboard or screen-reader user following it lands on the field), and the summary is
/// focused when the page opens.
#[track_caller]
pub fn summary_links_resolve(html: &str) {
    let mut found = false;
    for summary in html.split("<div class=\"error-summary\"").skip(1) {
        found = true;
        assert!(
            summary.starts_with(" role=\"alert\" tabindex=\"-1\" autofocus>"),
            "summary not focused: {}",
            &summary[..summary.len().min(80)]
        );
        let summary = &summary[..summary.find("</div>").unwrap_or(summary.len())];
        for link in summary.split("<a href=\"#").skip(1) {
            let id = link.split('"').next().unwrap_or_default();
            assert!(
                html.contains(&format!("id=\"{id}\"")),
                "the summary links #{id}, which is on no element"
            );
        }
    }
    assert!(found, "no error summary");
}
