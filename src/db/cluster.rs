//! A private PostgreSQL cluster kept in `RAPPORT_DATA_DIR` when no `DATABASE_URL` is given.
//!
//! It is created with the system's `initdb`, started with `pg_ctl`, and listens only on a Unix
//! socket inside the data directory, so it never collides with another server's TCP port.
//! As root, PostgreSQL refuses to run, so the cluster belongs to the `postgres` system user.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use diesel::prelude::*;
use diesel::sql_types::Text;

/// The superuser `initdb` creates; the cluster trusts it on its private socket only.
pub const SUPERUSER: &str = "rapport";

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "PostgreSQL server programs (initdb, pg_ctl) were not found (looked in \
         RAPPORT_PG_BINDIR if set, else on PATH and under /usr/lib/postgresql/*/bin).\n\
         Install them (Debian/Ubuntu: `apt-get install postgresql`), or set DATABASE_URL to an \
         existing PostgreSQL database."
    )]
    BinariesMissing,
    #[error(
        "Rapport runs as root, so its PostgreSQL must run as the `postgres` system user, which \
         does not exist. Install PostgreSQL (`apt-get install postgresql`), run Rapport as an \
         ordinary user, or set DATABASE_URL."
    )]
    NoPostgresUser,
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("{0}")]
    Io(String),
}

/// A running private cluster. Call [`LocalCluster::stop`] to stop it if this process started it.
#[derive(Debug)]
pub struct LocalCluster {
    bin_dir: PathBuf,
    pgdata: PathBuf,
    socket_dir: PathBuf,
    owner: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
    started_here: bool,
}

/// How the cluster is tuned: the test harness trades durability for speed.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClusterOptions {
    pub durable: bool,
}

impl LocalCluster {
    /// Creates the cluster in `data_dir` if needed, starts it if it is not running, and makes
    /// sure database `dbname` exists. A cluster left running (say, after a crash) is reused.
    pub fn ensure_started(
        data_dir: &Path,
        dbname: &str,
        options: ClusterOptions,
    ) -> Result<Self, ClusterError> {
        let bin_dir = find_bin_dir().ok_or(ClusterError::BinariesMissing)?;
        fs::create_dir_all(data_dir).map_err(|e| {
            ClusterError::Io(format!(
                "cannot create data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(|e| ClusterError::Io(format!("{}: {e}", data_dir.display())))?;
        let pgdata = data_dir.join("pgdata");
        let socket_dir = data_dir.join("run");
        fs::create_dir_all(&socket_dir)
            .map_err(|e| ClusterError::Io(format!("{}: {e}", socket_dir.display())))?;

        let owner = if nix::unistd::geteuid().is_root() {
            let user = nix::unistd::User::from_name("postgres")
                .ok()
                .flatten()
                .ok_or(ClusterError::NoPostgresUser)?;
            check_reachable_by_others(&data_dir)?;
            for dir in [&data_dir, &socket_dir] {
                nix::unistd::chown(dir.as_path(), Some(user.uid), Some(user.gid))
                    .map_err(|e| ClusterError::Io(format!("chown {}: {e}", dir.display())))?;
            }
            Some((user.uid, user.gid))
        } else {
            None
        };

        let mut cluster = LocalCluster {
            bin_dir,
            pgdata,
            socket_dir,
            owner,
            started_here: false,
        };
        if !cluster.pgdata.join("PG_VERSION").exists() {
            cluster.initdb(&data_dir)?;
        }
        if !cluster.is_running() {
            cluster.start(&data_dir, options)?;
            cluster.started_here = true;
        } else {
            tracing::info!(pgdata = %cluster.pgdata.display(), "reusing the running PostgreSQL");
        }
        if let Err(e) = cluster.create_database(dbname) {
            cluster.stop();
            return Err(e);
        }
        Ok(cluster)
    }

    /// The libpq URL of database `dbname` on this cluster's socket.
    pub fn database_url(&self, dbname: &str) -> String {
        let host: String =
            url::form_urlencoded::byte_serialize(self.socket_dir.as_os_str().as_encoded_bytes())
                .collect();
        // The `host` parameter (the socket directory) overrides the placeholder host name.
        format!("postgresql://{SUPERUSER}@localhost/{dbname}?host={host}")
    }

    pub fn started_here(&self) -> bool {
        self.started_here
    }

    pub fn pgdata(&self) -> &Path {
        &self.pgdata
    }

    /// Stops the server if this process started it (fast shutdown: sessions are ended, data is
    /// flushed). A cluster that was already running is left alone.
    pub fn stop(&mut self) {
        if !self.started_here {
            return;
        }
        self.started_here = false;
        let pgdata = self.pgdata.clone();
        match self.run(
            "pg_ctl",
            [
                OsStr::new("-D"),
                pgdata.as_os_str(),
                OsStr::new("-m"),
                OsStr::new("fast"),
                OsStr::new("-w"),
                OsStr::new("stop"),
            ],
            None,
        ) {
            Ok(_) => tracing::info!("PostgreSQL stopped"),
            Err(e) => tracing::warn!("could not stop PostgreSQL: {e}"),
        }
    }

    /// Starts a detached shell that stops this cluster (immediately) and deletes `remove` once
    /// process `pid` has exited: the test harness cannot run code after its last test.
    pub fn stop_when_process_exits(&self, pid: u32, remove: &Path) -> std::io::Result<()> {
        let script = "while kill -0 \"$1\" 2>/dev/null; do sleep 0.5; done; \
                      \"$2\" -D \"$3\" -m immediate -w stop >/dev/null 2>&1; rm -rf \"$4\"";
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("rapport-reaper")
            .arg(pid.to_string())
            .arg(self.bin_dir.join("pg_ctl"))
            .arg(&self.pgdata)
            .arg(remove)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map(|_| ())
    }

    fn initdb(&self, data_dir: &Path) -> Result<(), ClusterError> {
        tracing::info!(pgdata = %self.pgdata.display(), "creating a private PostgreSQL cluster");
        self.run(
            "initdb",
            [
                OsStr::new("-D"),
                self.pgdata.as_os_str(),
                OsStr::new("-U"),
                OsStr::new(SUPERUSER),
                OsStr::new("--auth=trust"),
                OsStr::new("--encoding=UTF8"),
                OsStr::new("--locale=C"),
            ],
            Some(data_dir),
        )?;
        // Only the private socket: no TCP port, no access for other system users.
        let conf = "\n# Rapport's private cluster\nlisten_addresses = ''\n\
                    unix_socket_permissions = 0700\nmax_connections = 100\n";
        let path = self.pgdata.join("postgresql.conf");
        let mut text = fs::read_to_string(&path)
            .map_err(|e| ClusterError::Io(format!("{}: {e}", path.display())))?;
        text.push_str(conf);
        fs::write(&path, text).map_err(|e| ClusterError::Io(format!("{}: {e}", path.display())))
    }

    fn is_running(&self) -> bool {
        let mut cmd = self.command("pg_ctl");
        cmd.arg("-D").arg(&self.pgdata).arg("status");
        matches!(cmd.output(), Ok(out) if out.status.success())
    }

    fn start(&self, data_dir: &Path, options: ClusterOptions) -> Result<(), ClusterError> {
        let mut server_options = format!(
            "-c listen_addresses='' -k '{}'",
            self.socket_dir.display().to_string().replace('\'', "")
        );
        if !options.durable {
            server_options
                .push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = data_dir.join("postgresql.log");
        tracing::info!(pgdata = %self.pgdata.display(), "starting PostgreSQL");
        let result = self.run(
            "pg_ctl",
            [
                OsStr::new("-D"),
                self.pgdata.as_os_str(),
                OsStr::new("-l"),
                log.as_os_str(),
                OsStr::new("-w"),
                OsStr::new("-t"),
                OsStr::new("120"),
                OsStr::new("-o"),
                OsStr::new(&server_options),
                OsStr::new("start"),
            ],
            Some(data_dir),
        );
        result.map(|_| ()).map_err(|e| match e {
            ClusterError::Command { what, detail } => {
                let tail = fs::read_to_string(&log)
                    .map(|t| t.lines().rev().take(8).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default();
                ClusterError::Command {
                    what,
                    detail: format!("{detail}\nlast lines of {}:\n{tail}", log.display()),
                }
            }
            other => other,
        })
    }

    fn create_database(&self, dbname: &str) -> Result<(), ClusterError> {
        #[derive(QueryableByName)]
        struct Found {
            #[diesel(sql_type = Text)]
            #[allow(dead_code)]
            datname: String,
        }
        let err = |e: &dyn std::fmt::Display| ClusterError::Command {
            what: format!("creating database {dbname}"),
            detail: e.to_string(),
        };
        let mut conn =
            PgConnection::establish(&self.database_url("postgres")).map_err(|e| err(&e))?;
        let found: Vec<Found> = diesel::sql_query(
            "SELECT datname::text AS datname FROM pg_database WHERE datname = $1",
        )
        .bind::<Text, _>(dbname)
        .load(&mut conn)
        .map_err(|e| err(&e))?;
        if found.is_empty() {
            let quoted = format!("\"{}\"", dbname.replace('"', "\"\""));
            diesel::sql_query(format!("CREATE DATABASE {quoted}"))
                .execute(&mut conn)
                .map_err(|e| err(&e))?;
        }
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        cmd.stdin(Stdio::null())
            .env_remove("PGDATA")
            .env("LC_ALL", "C");
        if let Some((uid, gid)) = self.owner {
            cmd.uid(uid.as_raw()).gid(gid.as_raw()).env("HOME", "/tmp");
            cmd.current_dir("/");
        }
        cmd
    }

    fn run<'a>(
        &self,
        program: &str,
        args: impl IntoIterator<Item = &'a OsStr>,
        cwd: Option<&Path>,
    ) -> Result<Output, ClusterError> {
        let mut cmd = self.command(program);
        cmd.args(args);
        if let (Some(dir), None) = (cwd, self.owner) {
            cmd.current_dir(dir);
        }
        let out = cmd.output().map_err(|e| ClusterError::Command {
            what: program.to_string(),
            detail: e.to_string(),
        })?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(ClusterError::Command {
                what: program.to_string(),
                detail: format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
                .trim()
                .to_string(),
            })
        }
    }
}

/// As root, PostgreSQL runs as the `postgres` user, who must be able to reach the data
/// directory: every folder above it must be open to others (a clone under `/root` is not).
fn check_reachable_by_others(dir: &Path) -> Result<(), ClusterError> {
    use std::os::unix::fs::MetadataExt;
    for ancestor in dir.ancestors().skip(1) {
        let Ok(meta) = fs::metadata(ancestor) else {
            continue;
        };
        if meta.mode() & 0o001 == 0 {
            return Err(ClusterError::Io(format!(
                "PostgreSQL runs as the `postgres` user here, who cannot enter {} (mode {:o}). \
                 Set RAPPORT_DATA_DIR to a directory it can reach (for example \
                 /var/lib/rapport), run Rapport as an ordinary user, or set DATABASE_URL.",
                ancestor.display(),
                meta.mode() & 0o777
            )));
        }
    }
    Ok(())
}

/// `RAPPORT_PG_BINDIR` when set (and nothing else), else `initdb` on PATH, else the newest
/// `/usr/lib/postgresql/<version>/bin`.
pub fn find_bin_dir() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("RAPPORT_PG_BINDIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return has_tools(&dir).then_some(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_tools(&dir) {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_tools(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    versions.into_iter().next().map(|(_, bin)| bin)
}
