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
    /// Take the client address from `X-Forwarded-For` / `Forwarded` (`RAPPORT_TRUST_PROXY`).
    pub trust_proxy: bool,
    /// Size of the database connection pool (`RAPPORT_DB_POOL_SIZE`).
    pub db_pool_size: u32,
    /// Send the server's own time in a `Server-Timing` header (`RAPPORT_SERVER_TIMING`); off by
    /// default, as it tells any visitor how long the server worked on a request.
    pub server_timing: bool,
    /// Statements that take longer are logged at WARN with their request
    /// (`RAPPORT_SLOW_SQL_MS`); zero logs every statement.
    pub slow_sql: Duration,
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
            db_pool_size: 8,
            server_timing: false,
            slow_sql: Duration::from_millis(500),
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
            c.session_idle =
                Duration::from_secs(60 * positive("RAPPORT_SESSION_IDLE_MINUTES", &v)?);
        }
        if let Some(v) = get("RAPPORT_SESSION_MAX_HOURS") {
            c.session_max = Duration::from_secs(3600 * positive("RAPPORT_SESSION_MAX_HOURS", &v)?);
        }
        if let Some(v) = get("RAPPORT_TRUST_PROXY") {
            c.trust_proxy = matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes");
        }
        if let Some(v) = get("RAPPORT_SERVER_TIMING") {
            c.server_timing =
                matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes");
        }
        if let Some(v) = get("RAPPORT_SLOW_SQL_MS") {
            let ms = v.trim().parse::<u64>().map_err(|_| ConfigError {
                name: "RAPPORT_SLOW_SQL_MS",
                message: format!("expected a whole number of milliseconds, got {v:?}"),
            })?;
            c.slow_sql = Duration::from_millis(ms);
        }
        if let Some(v) = get("RAPPORT_DB_POOL_SIZE") {
            c.db_pool_size = positive("RAPPORT_DB_POOL_SIZE", &v)? as u32;
        }
        Ok(c)
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

fn positive(name: &'static str, v: &str) -> Result<u64, ConfigError> {
    match v.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ConfigError {
            name,
            message: format!("expected a positive whole number, got {v:?}"),
        }),
    }
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
    fn bad_values_are_named() {
        let e = cfg(&[("RAPPORT_COOKIE_SECURE", "maybe")]).unwrap_err();
        assert_eq!(e.name, "RAPPORT_COOKIE_SECURE");
        let e = cfg(&[("RAPPORT_SESSION_IDLE_MINUTES", "0")]).unwrap_err();
        assert_eq!(e.name, "RAPPORT_SESSION_IDLE_MINUTES");
        let c = cfg(&[("RAPPORT_SESSION_IDLE_MINUTES", "5")]).unwrap();
        assert_eq!(c.session_idle, Duration::from_secs(300));
        let e = cfg(&[("RAPPORT_SLOW_SQL_MS", "fast")]).unwrap_err();
        assert_eq!(e.name, "RAPPORT_SLOW_SQL_MS");
    }

    #[test]
    fn the_slow_statement_threshold_defaults_to_half_a_second_and_may_be_zero() {
        assert_eq!(cfg(&[]).unwrap().slow_sql, Duration::from_millis(500));
        let c = cfg(&[("RAPPORT_SLOW_SQL_MS", "0")]).unwrap();
        assert_eq!(c.slow_sql, Duration::ZERO);
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
