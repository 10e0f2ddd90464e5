//! Typed configuration, read from `RAPPORT_*` environment variables.
//! Every variable here is documented in the README's configuration table.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A value that must never reach a log or a terminal by accident (the database URL holds its
/// password): `Debug` shows `[redacted]`, there is no `Display`, and the value is read only
/// through [`Secret::expose`], which names the place that needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The passwords a database URL holds, as written and percent-decoded: in the user part
/// (`postgres://user:pass@host`), in a `password=` query parameter, or in a `password=` key of
/// the key/value form. Tolerant of malformed URLs, whose errors are the ones that echo them.
fn url_passwords(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some((_, rest)) = url.split_once("://") {
        for at in [rest.find('@'), rest.rfind('@')].into_iter().flatten() {
            if let Some((_, password)) = rest[..at].split_once(':') {
                found.push(password.to_string());
            }
        }
    }
    let lower = url.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("password=") {
        let start = from + i + "password=".len();
        let value: String = url[start..]
            .chars()
            .take_while(|c| *c != '&' && !c.is_whitespace())
            .collect();
        found.push(value.trim_matches(['\'', '"']).to_string());
        from = start;
    }
    let decoded: Vec<String> = found.iter().map(|p| percent_decoded(p)).collect();
    found.extend(decoded);
    found.retain(|p| !p.is_empty());
    found.sort_by_key(|p| std::cmp::Reverse(p.len()));
    found.dedup();
    found
}

/// `%XX` sequences decoded; anything malformed kept as it is.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

/// When the session cookie carries the `Secure` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieSecure {
    /// Secure unless Rapport is bound to a loopback address.
    Auto,
    Always,
    Never,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Address the HTTP server listens on (`RAPPORT_BIND`).
    pub bind: String,
    /// Where the private PostgreSQL cluster lives when `DATABASE_URL` is unset (`RAPPORT_DATA_DIR`).
    pub data_dir: PathBuf,
    /// An external database (`DATABASE_URL`); it may hold a password, so it is a [`Secret`].
    pub database_url: Option<Secret>,
    pub cookie_secure: CookieSecure,
    /// A session ends after this long without a request (`RAPPORT_SESSION_IDLE_MINUTES`).
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active (`RAPPORT_SESSION_MAX_HOURS`).
    pub session_max: Duration,
    /// Take the client address from the last entry of `X-Forwarded-For` (`RAPPORT_TRUST_PROXY`).
    pub trust_proxy: bool,
    /// Database connections for pages and short actions (`RAPPORT_DB_POOL_SIZE`).
    pub db_pool_size: u32,
    /// Database connections for long work (`RAPPORT_DB_LONG_POOL_SIZE`): segment steps,
    /// Go Back, Refresh, Log Segment, Create Opportunities, downloads and imports. Long work
    /// never holds a page's connection or thread, and waits its turn for one of these.
    pub db_long_pool_size: u32,
    /// Send the server's own time in a `Server-Timing` header (`RAPPORT_SERVER_TIMING`); off by
    /// default, as it tells any visitor how long the server worked on a request.
    pub server_timing: bool,
    /// Statements that take longer are logged at WARN with their request
    /// (`RAPPORT_SLOW_SQL_MS`); zero logs every statement.
    pub slow_sql: Duration,
    /// How long a list may spend counting its rows before it shows an estimate marked
    /// "about" instead (`RAPPORT_LIST_COUNT_MS`); zero always estimates.
    pub list_count_budget: Duration,
    /// How long a list keeps a count that took a while (`RAPPORT_LIST_COUNT_KEEP_S`), shown
    /// as "about" meanwhile: the office looking at the same big list again and again is not
    /// counted again each time. Zero counts on every view.
    pub list_count_keep: Duration,
    /// Counts that take at least this long are kept (not configurable: tests lower it).
    pub list_count_slow: Duration,
    /// A filtered list whose kept count is at least this many contacts is read in its order
    /// by a statement kept prepared (not configurable: tests lower it).
    pub list_dense_rows: i64,
    /// A filtered list counted at no more than this many contacts is gathered by its filters
    /// first, then put in order (not configurable: tests change it).
    pub list_few_rows: i64,
    /// How long a campaign card waits for its figures when another request is counting them
    /// (the count after a write) before it shows the figures counted last, marked as being
    /// counted again (not configurable: tests raise it, so that a card never shows figures of
    /// before a write that a test just made).
    pub figures_wait: Duration,
    /// A download whose browser takes nothing for this long (a paused download, a machine
    /// gone to sleep) is ended, giving back its connection and its place among the downloads
    /// (not configurable: tests lower it).
    pub download_stall: Duration,
    /// How long a download waits for a connection of the long work's pool before it is
    /// answered 503, as long as other long work waits its turn (not configurable: tests lower
    /// it).
    pub download_wait: Duration,
    /// How numbers, amounts and dates are written on pages and read from forms
    /// (`RAPPORT_LOCALE`).
    pub locale: Locale,
}

/// How the office writes numbers and dates (`RAPPORT_LOCALE`). Exports stay machine-readable
/// (ISO dates, `.` decimals) whatever the setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Locale {
    /// `1,472`, `12.50`, `2026-11-30` (the default).
    #[default]
    Iso,
    /// `1,472`, `12.50`, `30/11/2026`.
    EnGb,
    /// `1.472`, `12,50`, `30-11-2026`.
    DaDk,
}

impl Locale {
    pub fn parse(v: &str) -> Option<Locale> {
        match v.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "iso" => Some(Locale::Iso),
            "en-gb" => Some(Locale::EnGb),
            "da-dk" => Some(Locale::DaDk),
            _ => None,
        }
    }

    /// The `lang`-style name: `iso`, `en-GB`, `da-DK`.
    pub fn name(self) -> &'static str {
        match self {
            Locale::Iso => "iso",
            Locale::EnGb => "en-GB",
            Locale::DaDk => "da-DK",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

impl Config {
    /// Defaults suitable for a developer machine: loopback, `./var`, 30 min idle, 12 h max.
    pub fn defaults() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("var"),
            database_url: None,
            cookie_secure: CookieSecure::Auto,
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 3600),
            trust_proxy: false,
            db_pool_size: default_pool_size(),
            db_long_pool_size: 4,
            server_timing: false,
            slow_sql: Duration::from_millis(500),
            list_count_budget: Duration::from_millis(300),
            list_count_keep: Duration::from_secs(30),
            list_count_slow: Duration::from_millis(20),
            list_dense_rows: 10_000,
            list_few_rows: 300,
            figures_wait: Duration::from_millis(50),
            download_stall: Duration::from_secs(120),
            download_wait: Duration::from_secs(120),
            locale: Locale::Iso,
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut c = Self::defaults();
        if let Some(v) = get("RAPPORT_BIND") {
            c.bind = v.trim().to_string();
        }
        if let Some(v) = get("RAPPORT_DATA_DIR") {
            c.data_dir = PathBuf::from(v.trim());
        }
        c.database_url = get("DATABASE_URL").map(Secret::from);
        if let Some(v) = get("RAPPORT_COOKIE_SECURE") {
            c.cookie_secure = match v.trim().to_ascii_lowercase().as_str() {
                "auto" => CookieSecure::Auto,
                "true" | "1" | "yes" => CookieSecure::Always,
                "false" | "0" | "no" => CookieSecure::Never,
                _ => {
                    return Err(ConfigError {
                        name: "RAPPORT_COOKIE_SECURE",
                        message: format!("expected auto, true or false, got {v:?}"),
                    })
                }
            };
        }
        if let Some(v) = get("RAPPORT_SESSION_IDLE_MINUTES") {
            c.session_idle = Duration::from_secs(
                60 * at_most("RAPPORT_SESSION_IDLE_MINUTES", &v, YEAR_SECONDS / 60)?,
            );
        }
        if let Some(v) = get("RAPPORT_SESSION_MAX_HOURS") {
            c.session_max = Duration::from_secs(
                3600 * at_most("RAPPORT_SESSION_MAX_HOURS", &v, YEAR_SECONDS / 3600)?,
            );
        }
        if let Some(v) = get("RAPPORT_TRUST_PROXY") {
            c.trust_proxy = yes_or_no("RAPPORT_TRUST_PROXY", &v)?;
        }
        if let Some(v) = get("RAPPORT_SERVER_TIMING") {
            c.server_timing = yes_or_no("RAPPORT_SERVER_TIMING", &v)?;
        }
        // Milliseconds at most PostgreSQL's longest statement_timeout (a count's budget is
        // one: past it every contact list failed); seconds at most a year.
        let ms = |name, v: &str| whole(name, v, "milliseconds", i32::MAX as u64);
        if let Some(v) = get("RAPPORT_SLOW_SQL_MS") {
            c.slow_sql = Duration::from_millis(ms("RAPPORT_SLOW_SQL_MS", &v)?);
        }
        if let Some(v) = get("RAPPORT_LIST_COUNT_MS") {
            c.list_count_budget = Duration::from_millis(ms("RAPPORT_LIST_COUNT_MS", &v)?);
        }
        if let Some(v) = get("RAPPORT_LIST_COUNT_KEEP_S") {
            c.list_count_keep = Duration::from_secs(whole(
                "RAPPORT_LIST_COUNT_KEEP_S",
                &v,
                "seconds",
                YEAR_SECONDS,
            )?);
        }
        if let Some(v) = get("RAPPORT_LOCALE") {
            c.locale = Locale::parse(&v).ok_or_else(|| ConfigError {
                name: "RAPPORT_LOCALE",
                message: format!("expected iso, en-GB or da-DK, got {v:?}"),
            })?;
        }
        if let Some(v) = get("RAPPORT_DB_POOL_SIZE") {
            c.db_pool_size = at_most("RAPPORT_DB_POOL_SIZE", &v, MAX_POOL)? as u32;
        }
        if let Some(v) = get("RAPPORT_DB_LONG_POOL_SIZE") {
            c.db_long_pool_size = at_most("RAPPORT_DB_LONG_POOL_SIZE", &v, MAX_POOL)? as u32;
            // A contact import holds two long-work connections (its progress and its work):
            // with one, every import waited two minutes for the second and failed.
            if c.db_long_pool_size < 2 {
                return Err(ConfigError {
                    name: "RAPPORT_DB_LONG_POOL_SIZE",
                    message: format!(
                        "expected at least 2 (a contact import holds two connections), got {v:?}"
                    ),
                });
            }
        }
        Ok(c)
    }

    /// `text` with the database password taken out: for messages that may quote the URL
    /// (PostgreSQL's client library echoes a malformed one) before they are printed.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        if let Some(url) = &self.database_url {
            for password in url_passwords(url.expose()) {
                out = out.replace(&password, "[redacted]");
            }
        }
        out
    }

    /// Whether the session cookie is marked `Secure` (and HSTS is sent).
    pub fn secure_cookies(&self) -> bool {
        match self.cookie_secure {
            CookieSecure::Always => true,
            CookieSecure::Never => false,
            CookieSecure::Auto => !bind_is_loopback(&self.bind),
        }
    }
}

/// A whole number of `unit`s, 0 to `max`.
fn whole(name: &'static str, v: &str, unit: &str, max: u64) -> Result<u64, ConfigError> {
    match v.trim().parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(ConfigError {
            name,
            message: format!("expected at most {max} {unit}, got {v:?}"),
        }),
        Err(_) => Err(ConfigError {
            name,
            message: format!("expected a whole number of {unit}, got {v:?}"),
        }),
    }
}

/// Connections for pages when `RAPPORT_DB_POOL_SIZE` is unset: two for each core. On two
/// cores, 4 served as many pages a second as 8, with a 99th percentile a third lower, once long
/// work had connections of its own (BENCHMARKS.md, Many users at once).
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    pool_size_for(cores)
}

/// Two connections a core, at least 2 and at most the most that may be set ([`MAX_POOL`]):
/// past 45 cores the default alone would pass PostgreSQL's `max_connections`.
fn pool_size_for(cores: usize) -> u32 {
    u32::try_from(cores.saturating_mul(2))
        .unwrap_or(u32::MAX)
        .clamp(2, MAX_POOL as u32)
}

/// A yes-or-no setting: `true`/`1`/`yes` or `false`/`0`/`no`, any case. Anything else stops
/// the start with the setting's name: a mistyped `RAPPORT_TRUST_PROXY=on` taken as no would
/// make every client the proxy's address (one sign-in throttle for the whole office, and the
/// audit trail's addresses all the proxy's).
fn yes_or_no(name: &'static str, v: &str) -> Result<bool, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ConfigError {
            name,
            message: format!("expected true or false, got {v:?}"),
        }),
    }
}

fn positive(name: &'static str, v: &str) -> Result<u64, ConfigError> {
    match v.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ConfigError {
            name,
            message: format!("expected a positive whole number, got {v:?}"),
        }),
    }
}

/// Every setting Rapport reads (README, Configuration), and the names its benchmarks and tests
/// set (`RAPPORT_TEST_…` too).
const SETTINGS: [&str; 18] = [
    "RAPPORT_BIND",
    "RAPPORT_DATA_DIR",
    "RAPPORT_COOKIE_SECURE",
    "RAPPORT_SESSION_IDLE_MINUTES",
    "RAPPORT_SESSION_MAX_HOURS",
    "RAPPORT_TRUST_PROXY",
    "RAPPORT_PG_BINDIR",
    "RAPPORT_DB_POOL_SIZE",
    "RAPPORT_DB_LONG_POOL_SIZE",
    "RAPPORT_SLOW_SQL_MS",
    "RAPPORT_LOCALE",
    "RAPPORT_LIST_COUNT_MS",
    "RAPPORT_LIST_COUNT_KEEP_S",
    "RAPPORT_SERVER_TIMING",
    "RAPPORT_STATIC_DIR",
    // The benchmarks' and tests' own.
    "RAPPORT_BIN",
    "RAPPORT_SCREENSHOTS",
    "RAPPORT_HARNESS_CHILD",
];

/// The settings Rapport reads: the first of [`SETTINGS`].
const SETTINGS_READ: usize = 15;

/// What to say of each `RAPPORT_…` name in `names` (the environment's) that is no setting: a
/// mistyped one is otherwise ignored unseen — `RAPPORT_TRUST_PROXIES=true` left the proxy
/// untrusted, every client the proxy's address. Names the setting meant when one is close.
pub fn unknown_settings(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut said: Vec<String> = names
        .into_iter()
        .filter(|n| {
            n.starts_with("RAPPORT_")
                && !n.starts_with("RAPPORT_TEST_")
                && !SETTINGS.contains(&n.as_str())
        })
        .map(|name| {
            // Close: a third of the letters after RAPPORT_ or fewer to change (one at least).
            let nearest = SETTINGS[..SETTINGS_READ]
                .iter()
                .map(|known| (edits(&name, known), *known))
                .min()
                .filter(|(d, _)| *d <= (name.len() - "RAPPORT_".len()).max(3) / 3);
            match nearest {
                Some((_, known)) => format!(
                    "{name} is not a setting of Rapport and is ignored: did you mean {known}?"
                ),
                None => format!(
                    "{name} is not a setting of Rapport and is ignored (the README lists them)."
                ),
            }
        })
        .collect();
    said.sort();
    said
}

/// How many letters to add, take away or change to make `a` into `b` (Levenshtein).
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A session's idle or whole life is at most a year.
const YEAR_SECONDS: u64 = 366 * 24 * 3600;

/// Connections a pool may have: PostgreSQL's default `max_connections` is 100, the private
/// cluster's too.
const MAX_POOL: u64 = 90;

/// A positive whole number no larger than `max` (a larger one would overflow, or ask for more
/// than PostgreSQL gives).
fn at_most(name: &'static str, v: &str, max: u64) -> Result<u64, ConfigError> {
    let n = positive(name, v)?;
    if n > max {
        return Err(ConfigError {
            name,
            message: format!("expected at most {max}, got {v:?}"),
        });
    }
    Ok(n)
}

fn bind_is_loopback(bind: &str) -> bool {
    if let Ok(addr) = bind.parse::<SocketAddr>() {
        return addr.ip().is_loopback();
    }
    let host = bind.rsplit_once(':').map(|(h, _)| h).unwrap_or(bind);
    host.eq_ignore_ascii_case("localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_setting_is_named_with_the_one_it_is_close_to() {
        let names = [
            "RAPPORT_TRUST_PROXIES",
            "RAPPORT_TRUST_PROXY",
            "RAPPORT_COOKIES_SECURE",
            "RAPPORT_TEST_PATH",
            "RAPPORT_FOO",
            "PATH",
        ]
        .map(String::from);
        assert_eq!(
            unknown_settings(names),
            [
                "RAPPORT_COOKIES_SECURE is not a setting of Rapport and is ignored: did you mean RAPPORT_COOKIE_SECURE?",
                "RAPPORT_FOO is not a setting of Rapport and is ignored (the README lists them).",
                "RAPPORT_TRUST_PROXIES is not a setting of Rapport and is ignored: did you mean RAPPORT_TRUST_PROXY?",
            ]
        );
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(edits("", "abc"), 3);
    }

    #[test]
    fn settings_out_of_range_stop_the_start_with_their_name() {
        let with = |name: &'static str, value: &'static str| {
            Config::from_lookup(move |n| (n == name).then(|| value.to_string()))
        };
        // PostgreSQL's statement_timeout stops at 2147483647 ms: past it every list failed.
        let e = with("RAPPORT_LIST_COUNT_MS", "3000000000").unwrap_err();
        assert_eq!(e.name, "RAPPORT_LIST_COUNT_MS");
        assert!(with("RAPPORT_LIST_COUNT_MS", "2147483647").is_ok());
        assert!(with("RAPPORT_LIST_COUNT_KEEP_S", "99999999999").is_err());
        assert!(with("RAPPORT_SLOW_SQL_MS", "0").is_ok());
        assert_eq!(pool_size_for(64), 90);
        assert_eq!(pool_size_for(2), 4);
        assert_eq!(pool_size_for(0), 2);
    }

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_loopback_and_not_secure() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert!(!c.secure_cookies());
        assert_eq!(c.session_idle, Duration::from_secs(1800));
        assert_eq!(c.session_max, Duration::from_secs(43200));
        assert!(!c.server_timing);
        assert!(
            cfg(&[("RAPPORT_SERVER_TIMING", "true")])
                .unwrap()
                .server_timing
        );
    }

    #[test]
    fn pages_and_long_work_have_pools_of_their_own() {
        let c = cfg(&[]).unwrap();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
        assert_eq!(c.db_pool_size, (2 * cores).max(2));
        assert_eq!(c.db_long_pool_size, 4);
        let c = cfg(&[
            ("RAPPORT_DB_POOL_SIZE", "6"),
            ("RAPPORT_DB_LONG_POOL_SIZE", "3"),
        ])
        .unwrap();
        assert_eq!((c.db_pool_size, c.db_long_pool_size), (6, 3));
        let e = cfg(&[("RAPPORT_DB_LONG_POOL_SIZE", "0")]).unwrap_err();
        assert_eq!(e.name, "RAPPORT_DB_LONG_POOL_SIZE");
        // An import holds two: one would fail every import after a wait of two minutes.
        let e = cfg(&[("RAPPORT_DB_LONG_POOL_SIZE", "1")]).unwrap_err();
        assert_eq!(e.name, "RAPPORT_DB_LONG_POOL_SIZE");
        assert!(e.message.contains("at least 2"), "{}", e.message);
        assert_eq!(
            cfg(&[("RAPPORT_DB_LONG_POOL_SIZE", "2")])
                .unwrap()
                .db_long_pool_size,
            2
        );
    }

    #[test]
    fn auto_is_secure_on_a_public_bind() {
        assert!(cfg(&[("RAPPORT_BIND", "0.0.0.0:8080")])
            .unwrap()
            .secure_cookies());
        assert!(!cfg(&[("RAPPORT_BIND", "localhost:9000")])
            .unwrap()
            .secure_cookies());
        assert!(!cfg(&[("RAPPORT_BIND", "[::1]:9000")])
            .unwrap()
            .secure_cookies());
        let forced = cfg(&[
            ("RAPPORT_BIND", "0.0.0.0:80"),
            ("RAPPORT_COOKIE_SECURE", "false"),
        ]);
        assert!(!forced.unwrap().secure_cookies());
        let forced = cfg(&[("RAPPORT_COOKIE_SECURE", "true")]).unwrap();
        assert!(forced.secure_cookies());
    }

    #[test]
    fn values_too_large_are_refused_by_name_not_wrapped() {
        for (name, max) in [
            ("RAPPORT_SESSION_IDLE_MINUTES", "527040"),
            ("RAPPORT_SESSION_MAX_HOURS", "8784"),
            ("RAPPORT_DB_POOL_SIZE", "90"),
            ("RAPPORT_DB_LONG_POOL_SIZE", "90"),
        ] {
            assert!(cfg(&[(name, max)]).is_ok(), "{name}={max}");
            for v in ["5000000000000000000", "4294967297"] {
                let e = cfg(&[(name, v)]).unwrap_err();
                assert_eq!(e.name, name);
                assert!(e.message.starts_with("expected at most"), "{}", e.message);
            }
        }
        let idle = cfg(&[("RAPPORT_SESSION_IDLE_MINUTES", "527040")]).unwrap();
        assert_eq!(idle.session_idle, Duration::from_secs(366 * 24 * 3600));
    }

    #[test]
    fn bad_values_are_named() {
        let e = cfg(&[("RAPPORT_COOKIE_SECURE", "maybe")]).unwrap_err();
        assert_eq!(e.name, "RAPPORT_COOKIE_SECURE");
        let e = cfg(&[("RAPPORT_SESSION_IDLE_MINUTES", "0")]).unwrap_err();
        assert_eq!(e.name, "RAPPORT_SESSION_IDLE_MINUTES");
        let c = cfg(&[("RAPPORT_SESSION_IDLE_MINUTES", "5")]).unwrap();
        assert_eq!(c.session_idle, Duration::from_secs(300));
        let e = cfg(&[("RAPPORT_SLOW_SQL_MS", "fast")]).unwrap_err();
        assert_eq!(e.name, "RAPPORT_SLOW_SQL_MS");
        // A yes-or-no setting mistyped stops the start, named; it is not taken as no.
        for name in ["RAPPORT_TRUST_PROXY", "RAPPORT_SERVER_TIMING"] {
            assert_eq!(cfg(&[(name, "on")]).unwrap_err().name, name);
            assert!(cfg(&[(name, "Yes")]).is_ok());
            assert!(cfg(&[(name, "0")]).is_ok());
        }
        assert!(cfg(&[("RAPPORT_TRUST_PROXY", "TRUE")]).unwrap().trust_proxy);
        assert!(!cfg(&[("RAPPORT_TRUST_PROXY", "no")]).unwrap().trust_proxy);
    }

    #[test]
    fn the_slow_statement_threshold_defaults_to_half_a_second_and_may_be_zero() {
        assert_eq!(cfg(&[]).unwrap().slow_sql, Duration::from_millis(500));
        let c = cfg(&[("RAPPORT_SLOW_SQL_MS", "0")]).unwrap();
        assert_eq!(c.slow_sql, Duration::ZERO);
    }

    #[test]
    fn the_locale_and_the_count_budget_are_read() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.locale, Locale::Iso);
        assert_eq!(c.list_count_budget, Duration::from_millis(300));
        assert_eq!(c.list_count_keep, Duration::from_secs(30));
        let c = cfg(&[("RAPPORT_LOCALE", "da_DK"), ("RAPPORT_LIST_COUNT_MS", "0")]).unwrap();
        assert_eq!(c.locale, Locale::DaDk);
        assert_eq!(c.list_count_budget, Duration::ZERO);
        assert_eq!(
            cfg(&[("RAPPORT_LOCALE", "en-gb")]).unwrap().locale,
            Locale::EnGb
        );
        let e = cfg(&[("RAPPORT_LOCALE", "fr-FR")]).unwrap_err();
        assert_eq!(e.name, "RAPPORT_LOCALE");
    }

    #[test]
    fn messages_that_quote_the_database_url_lose_its_password() {
        for (url, message) in [
            (
                "postgres://u:Secr3t%zzpw@db/rapport",
                "invalid percent-encoded token: \"Secr3t%zzpw\"",
            ),
            ("postgres://u:p%40ss@db/rapport", "password p@ss refused"),
            (
                "postgres://u@db/rapport?password=Qw3rty&sslmode=require",
                "Qw3rty",
            ),
            ("host=db password='Qw3rty' user=u", "bad: Qw3rty"),
        ] {
            let c = cfg(&[("DATABASE_URL", url)]).unwrap();
            let shown = c.scrub(message);
            assert!(shown.contains("[redacted]"), "{url}: {shown}");
            for secret in ["Secr3t", "p@ss", "Qw3rty"] {
                assert!(!shown.contains(secret), "{url}: {shown}");
            }
        }
        let c = cfg(&[("DATABASE_URL", "postgres://u@db/rapport")]).unwrap();
        assert_eq!(c.scrub("connection refused"), "connection refused");
    }

    #[test]
    fn the_database_password_is_not_in_the_configurations_debug() {
        let url = "postgres://rapport:Hunter2-sekret@db.example:5432/rapport?sslmode=require";
        let c = cfg(&[("DATABASE_URL", url)]).unwrap();
        assert_eq!(c.database_url.as_ref().map(Secret::expose), Some(url));
        for shown in [format!("{c:?}"), format!("{c:#?}")] {
            assert!(!shown.contains("Hunter2-sekret"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
    }
}
