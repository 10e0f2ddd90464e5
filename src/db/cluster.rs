//! A private PostgreSQL cluster kept in `RAPPORT_DATA_DIR` when no `DATABASE_URL` is given.
//!
//! It is created with the system's `initdb`, started with `pg_ctl`, and listens only on a Unix
//! socket inside the data directory, so it never collides with another server's TCP port.
//! As root, PostgreSQL refuses to run, so the cluster belongs to the `postgres` system user.

use super::data_dir::{check_reachable_by_others, not_ours, own_directory, owned_by};
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use diesel::prelude::*;
use diesel::sql_types::Text;

/// The name this process's connections to the private cluster give (`application_name`), so
/// that it tells its own from others' when it stops the cluster.
fn application_name() -> String {
    format!("rapport-{}", std::process::id())
}

/// The superuser `initdb` creates; the cluster trusts it on its private socket only.
pub const SUPERUSER: &str = "rapport";

/// Why the private cluster cannot run; each message is one sentence saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "PostgreSQL's server programs (initdb, pg_ctl) are not installed ({looked}): install \
         them with `apt-get install postgresql` on Debian/Ubuntu, or set DATABASE_URL to use an \
         existing PostgreSQL database instead."
    )]
    BinariesMissing { looked: String },
    #[error(
        "Rapport runs as root, so its PostgreSQL must run as the `postgres` system user, which \
         does not exist: install PostgreSQL with `apt-get install postgresql` on Debian/Ubuntu \
         (it creates that user), run Rapport as an ordinary user, or set DATABASE_URL."
    )]
    NoPostgresUser,
    #[error(
        "PostgreSQL cannot use the data directory {data_dir}: Rapport runs as root, so its \
         PostgreSQL runs as the `postgres` user, who cannot enter {blocked} (mode {mode:o}); set \
         RAPPORT_DATA_DIR to a directory outside it (for example /var/lib/rapport), run Rapport \
         as an ordinary user, or set DATABASE_URL."
    )]
    Unreachable {
        data_dir: String,
        blocked: String,
        mode: u32,
    },
    #[error(
        "the private PostgreSQL in {pgdata} belongs to user {owner}, and Rapport runs as root \
         (which would hand its directories to the `postgres` user, and the service running as \
         {owner} could no longer start it): run this command as {owner}, e.g. `runuser -u \
         {owner} -- rapport …` with the same RAPPORT_DATA_DIR. Nothing was changed."
    )]
    OwnedByAnother { pgdata: String, owner: String },
    #[error(
        "the data directory {dir} belongs to user {owner}, and Rapport runs as {me}: run it as \
         {owner} (e.g. `runuser -u {owner} -- rapport …`), give the directory to {me} \
         (`chown -R {me}: {dir}`), or set RAPPORT_DATA_DIR to another directory. Nothing was \
         changed."
    )]
    NotOurs {
        dir: String,
        owner: String,
        me: String,
    },
    #[error(
        "cannot create the data directory {data_dir} ({reason}): set RAPPORT_DATA_DIR to a \
         directory Rapport may write to, or set DATABASE_URL."
    )]
    DataDir { data_dir: String, reason: String },
    #[error(
        "Rapport runs as root and would hand {dir} to the `postgres` system user, but {why}: \
         its private PostgreSQL needs a directory of its own. Set RAPPORT_DATA_DIR to a new \
         directory (for example /var/lib/rapport), run Rapport as an ordinary user, or set \
         DATABASE_URL. Nothing was changed."
    )]
    NotOwnDirectory { dir: String, why: String },
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("{0}")]
    Io(String),
}

impl ClusterError {
    fn binaries_missing() -> ClusterError {
        let looked = match std::env::var_os("RAPPORT_PG_BINDIR").filter(|d| !d.is_empty()) {
            Some(dir) => format!("not in RAPPORT_PG_BINDIR={}", Path::new(&dir).display()),
            None => "looked on PATH and in /usr/lib/postgresql/*/bin".to_string(),
        };
        ClusterError::BinariesMissing { looked }
    }
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

/// The machine's memory in MiB (`/proc/meminfo`), if it can be read.
fn total_memory_mib() -> Option<u64> {
    let text = fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// The private cluster's memory, sized for a server that runs Rapport and its database: a
/// quarter of the memory for PostgreSQL's buffers (between 128 MiB and 4 GiB), sorts and
/// hashes in memory for a campaign's figures or a step's plan (`work_mem`), room for index
/// builds, and checkpoints far enough apart (4 GB of WAL or 30 minutes) that logging 200,000
/// entries does not wait for them, nor write every index page it touches in full again each
/// time (PostgreSQL writes a page in full the first time it changes after a checkpoint), and
/// room for the WAL of a big statement in memory (`wal_buffers`, a sixteenth of the buffers,
/// 16 to 256 MB) so that its writer empties it on the other core while the statement runs
/// instead of the statement waiting for it (Log Segment of 196,228 lines: about 0.6 s less).
/// PostgreSQL's own defaults (128 MiB of buffers, 4 MiB per sort) are made for a small
/// shared machine and make a million contacts read from disk again and again.
fn memory_settings(total_mib: Option<u64>) -> String {
    let total = total_mib.unwrap_or(2048);
    let buffers = (total / 4).clamp(128, 4096);
    let cache = (total / 2).max(256);
    let work = (total / 256).clamp(4, 64);
    let wal = (buffers / 16).clamp(16, 256);
    format!(
        " -c shared_buffers={buffers}MB -c effective_cache_size={cache}MB -c work_mem={work}MB \
         -c maintenance_work_mem=256MB -c max_wal_size=4GB -c checkpoint_timeout=30min \
         -c wal_buffers={wal}MB"
    )
}

/// How many helper processes one statement may take (`max_parallel_workers_per_gather`): a
/// quarter of the machine's cores (none on two or three). PostgreSQL's default of two let one
/// user's count of a filtered list (a country and an industry group over a million contacts)
/// take both cores of a two-core server for 340 ms, where alone it counted in 270 ms; every
/// other page of the office waited meanwhile (the mixed load's p99 142–167 ms, without helpers
/// 131–135 ms: BENCHMARKS.md, Many users at once). Rapport's writes (steps, Log Segment) never
/// run in parallel; its reads serve one user among many.
fn parallel_settings(cores: Option<usize>) -> String {
    let helpers = cores.unwrap_or(1) / 4;
    format!(" -c max_parallel_workers_per_gather={helpers}")
}

impl LocalCluster {
    /// Creates the cluster in `data_dir` if needed, starts it if it is not running, and makes
    /// sure database `dbname` exists. A cluster left running (say, after a crash) is reused.
    pub fn ensure_started(
        data_dir: &Path,
        dbname: &str,
        options: ClusterOptions,
    ) -> Result<Self, ClusterError> {
        let data_dir = std::path::absolute(data_dir).map_err(|e| ClusterError::DataDir {
            data_dir: data_dir.display().to_string(),
            reason: e.to_string(),
        })?;
        // PostgreSQL reads its socket folder as a list split at commas, and pg_ctl hands the
        // paths to a shell in double quotes: such a folder is refused before anything is made.
        if let Some(c) = data_dir
            .to_string_lossy()
            .chars()
            .find(|c| matches!(c, ',' | '"' | '$' | '`' | '\\'))
        {
            return Err(ClusterError::DataDir {
                data_dir: data_dir.display().to_string(),
                reason: format!(
                    "PostgreSQL cannot keep its socket in a path holding `{c}`; choose one \
                     without , \" $ ` or \\"
                ),
            });
        }
        // The version the data directory was made by, once it was: only that version's
        // server opens it (after an upgrade of the system, the newest may be another).
        let made_by = fs::read_to_string(data_dir.join("pgdata").join("PG_VERSION"))
            .ok()
            .map(|v| v.trim().to_string());
        let bin_dir =
            find_bin_dir(made_by.as_deref()).ok_or_else(ClusterError::binaries_missing)?;
        let postgres_user = if nix::unistd::geteuid().is_root() {
            let user = nix::unistd::User::from_name("postgres")
                .ok()
                .flatten()
                .ok_or(ClusterError::NoPostgresUser)?;
            // A cluster another user made (the service's, run as an ordinary user) is left as
            // it is: nothing is handed to `postgres`.
            owned_by(&data_dir.join("pgdata"), user.uid)?;
            // Checked before anything is created, so a refusal leaves nothing behind.
            check_reachable_by_others(&data_dir)?;
            own_directory(&data_dir, user.uid)?;
            Some(user)
        } else {
            // A directory of another user (made by a run as root, or with `mkdir` as root)
            // is said as such: it was a bare "Permission denied" or initdb's complaint.
            not_ours(&data_dir, false)?;
            not_ours(&data_dir.join("pgdata"), true)?;
            None
        };
        fs::create_dir_all(&data_dir).map_err(|e| ClusterError::DataDir {
            data_dir: data_dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(|e| ClusterError::Io(format!("{}: {e}", data_dir.display())))?;
        let pgdata = data_dir.join("pgdata");
        let socket_dir = data_dir.join("run");
        fs::create_dir_all(&socket_dir)
            .map_err(|e| ClusterError::Io(format!("{}: {e}", socket_dir.display())))?;

        let owner = match postgres_user {
            Some(user) => {
                // Again on the real path: a symbolic link may lead somewhere else.
                check_reachable_by_others(&data_dir)?;
                for dir in [&data_dir, &socket_dir] {
                    nix::unistd::chown(dir.as_path(), Some(user.uid), Some(user.gid))
                        .map_err(|e| ClusterError::Io(format!("chown {}: {e}", dir.display())))?;
                }
                Some((user.uid, user.gid))
            }
            None => None,
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
        // Form encoding writes a space as `+`, which libpq reads as a `+` (a data directory
        // under "My Projects" could not be reached); a `+` of the path itself is `%2B`.
        let host: String =
            url::form_urlencoded::byte_serialize(self.socket_dir.as_os_str().as_encoded_bytes())
                .collect::<String>()
                .replace('+', "%20");
        // The `host` parameter (the socket directory) overrides the placeholder host name.
        format!(
            "postgresql://{SUPERUSER}@localhost/{dbname}?host={host}&application_name={}",
            application_name()
        )
    }

    /// How many connections of other processes use the cluster now (another Rapport serving
    /// while this one ran a command, or `psql`); `None` when it cannot be asked.
    fn others_connected(&self) -> Option<i64> {
        #[derive(diesel::QueryableByName)]
        struct Others {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = PgConnection::establish(&self.database_url("postgres")).ok()?;
        diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend' \
             AND pid <> pg_backend_pid() AND application_name IS DISTINCT FROM $1",
        )
        .bind::<Text, _>(application_name())
        .get_result::<Others>(&mut conn)
        .ok()
        .map(|o| o.n)
    }

    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Another handle on this cluster, which [`LocalCluster::stop`] stops as this one would:
    /// for a thread that stops it when the process is interrupted.
    pub fn stopper(&self) -> LocalCluster {
        LocalCluster {
            bin_dir: self.bin_dir.clone(),
            pgdata: self.pgdata.clone(),
            socket_dir: self.socket_dir.clone(),
            owner: self.owner,
            started_here: self.started_here,
        }
    }

    pub fn pgdata(&self) -> &Path {
        &self.pgdata
    }

    /// Stops the server if this process started it (fast shutdown: sessions are ended, data is
    /// flushed). A cluster that was already running is left alone, and so is one that another
    /// process uses now: a `rapport user add` that started it must not stop it under a
    /// `rapport serve` started meanwhile.
    pub fn stop(&mut self) {
        if !self.started_here {
            return;
        }
        self.started_here = false;
        if let Some(n @ 1..) = self.others_connected() {
            tracing::info!("PostgreSQL left running: {n} connection(s) of another process use it");
            return;
        }
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

    /// The process id of the running postmaster, from `postmaster.pid`.
    pub fn postmaster_pid(&self) -> Option<u32> {
        postmaster_pid(&self.pgdata)
    }

    /// Binds this cluster's life to this process's: a detached watcher waits until the process
    /// has ended, however it ends (a failed test, a panic, SIGKILL), then stops the cluster
    /// (immediate shutdown) and deletes `remove`. The test harness cannot run code after its
    /// last test, so it relies on this.
    ///
    /// The watcher holds the read end of a pipe whose write end only this process holds (it is
    /// close-on-exec, so no child inherits it): end of file on it means the owner has gone,
    /// with no polling and no confusion with a reused process id. It signals the postmaster
    /// instead of running `pg_ctl`, which refuses to run as root. Dropping the returned
    /// [`Reaper`] stops the cluster too.
    pub fn stop_when_this_process_exits(&self, remove: &Path) -> std::io::Result<Reaper> {
        let postmaster = self.postmaster_pid().ok_or_else(|| {
            std::io::Error::other(format!(
                "no postmaster.pid in {}: is the cluster running?",
                self.pgdata.display()
            ))
        })?;
        write_owner_file(remove)?;
        let script = "trap '' INT HUP; cat >/dev/null; kill -QUIT \"$1\" 2>/dev/null; i=0; \
                      while [ $i -lt 600 ] && kill -0 \"$1\" 2>/dev/null \
                        && ! grep -qs '^State:[[:space:]]*Z' \"/proc/$1/status\"; \
                      do sleep 0.1; i=$((i+1)); done; rm -rf \"$2\"";
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .arg("rapport-reaper")
            .arg(postmaster.to_string())
            .arg(remove)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()?;
        Ok(Reaper {
            pid: child.id(),
            _lifeline: child.stdin.take(),
        })
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

    /// Whether this PostgreSQL was built with lz4 (Debian's is), so that the full pages it
    /// writes to the WAL after a checkpoint can be compressed: logging 196,228 entries wrote
    /// 398 MB of WAL without, 271 MB with (most of it pages of the entries' indexes).
    fn has_lz4(&self) -> bool {
        matches!(self.command("pg_config").arg("--configure").output(),
                 Ok(out) if String::from_utf8_lossy(&out.stdout).contains("--with-lz4"))
    }

    /// Whether this PostgreSQL has pg_prewarm (Debian's does, in the server package): with it
    /// loaded, the cluster writes down which pages its buffers hold (every 5 minutes and when
    /// it stops) and reads them back in the background when it starts. After a restart, the
    /// office's first Log Segment then finds the entries' indexes in memory instead of reading
    /// them from disk: at a million contacts, 4.7 s cold against 2.6 s warm for the same
    /// statement (see BENCHMARKS.md, Interactions).
    fn has_prewarm(&self) -> bool {
        match self.command("pg_config").arg("--pkglibdir").output() {
            Ok(out) if out.status.success() => {
                let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
                Path::new(&dir).join("pg_prewarm.so").is_file()
            }
            _ => false,
        }
    }

    fn is_running(&self) -> bool {
        let mut cmd = self.command("pg_ctl");
        cmd.arg("-D").arg(&self.pgdata).arg("status");
        matches!(cmd.output(), Ok(out) if out.status.success())
    }

    fn start(&self, data_dir: &Path, options: ClusterOptions) -> Result<(), ClusterError> {
        // pg_ctl hands the options to a shell: the socket directory in single quotes, a
        // quote of its own as '\'' (it was dropped, and PostgreSQL looked for another folder).
        let mut server_options = format!(
            "-c listen_addresses='' -k '{}'",
            self.socket_dir.display().to_string().replace('\'', "'\\''")
        );
        server_options.push_str(&memory_settings(total_memory_mib()));
        server_options.push_str(&parallel_settings(
            std::thread::available_parallelism().ok().map(|n| n.get()),
        ));
        if self.has_lz4() {
            server_options.push_str(" -c wal_compression=lz4");
        }
        if self.has_prewarm() {
            server_options.push_str(" -c shared_preload_libraries=pg_prewarm");
        }
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
                // The last eight lines, in the order they were written (they were printed
                // newest first: a DETAIL before its FATAL).
                let tail = fs::read_to_string(&log)
                    .map(|t| {
                        let lines: Vec<&str> = t.lines().collect();
                        lines[lines.len().saturating_sub(8)..].join("\n")
                    })
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

/// The watcher started by [`LocalCluster::stop_when_this_process_exits`]; it stops the cluster
/// when this value is dropped or this process ends.
#[derive(Debug)]
pub struct Reaper {
    pid: u32,
    _lifeline: Option<std::process::ChildStdin>,
}

impl Reaper {
    /// The watcher's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }
}

/// Name of the file in a throwaway cluster's directory that names the process it belongs to.
pub(super) const OWNER_FILE: &str = "owner";

/// A process, told apart from a later one with the same id by its start time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ProcessId {
    pid: u32,
    started: u64,
}

impl ProcessId {
    /// The process `pid` if it exists and is not a zombie (Linux `/proc`).
    fn of(pid: u32) -> Option<ProcessId> {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (state, started) = parse_stat(&stat)?;
        // A zombie has ended; only its exit status waits to be collected.
        (state != 'Z').then_some(ProcessId { pid, started })
    }

    fn is_alive(self) -> bool {
        ProcessId::of(self.pid) == Some(self)
    }
}

/// The state letter and the start time (field 22) of a `/proc/<pid>/stat` line.
fn parse_stat(stat: &str) -> Option<(char, u64)> {
    // The command name (field 2) is in parentheses and may contain spaces and parentheses.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let started = fields.get(19)?.parse().ok()?;
    Some((state, started))
}

/// Whether process `pid` (alive, not a zombie) exists.
pub fn process_is_alive(pid: u32) -> bool {
    ProcessId::of(pid).is_some()
}

/// Marks `dir` as belonging to this process, so that [`stop_abandoned`] may clean it up once
/// this process has gone (call it before the cluster starts, so that no moment is unmarked).
pub fn write_owner_file(dir: &Path) -> std::io::Result<()> {
    let me = ProcessId::of(std::process::id())
        .ok_or_else(|| std::io::Error::other("cannot read this process's start time"))?;
    fs::write(dir.join(OWNER_FILE), format!("{} {}\n", me.pid, me.started))
}

fn read_owner_file(dir: &Path) -> Option<ProcessId> {
    let text = fs::read_to_string(dir.join(OWNER_FILE)).ok()?;
    let mut parts = text.split_whitespace();
    Some(ProcessId {
        pid: parts.next()?.parse().ok()?,
        started: parts.next()?.parse().ok()?,
    })
}

/// The postmaster's process id from the first line of `pgdata/postmaster.pid`.
fn postmaster_pid(pgdata: &Path) -> Option<u32> {
    fs::read_to_string(pgdata.join("postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

/// The data directory a postmaster was started with (`-D DIR` on its command line).
fn postmaster_data_dir(pid: u32) -> Option<PathBuf> {
    let cmdline = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    let program = Path::new(std::ffi::OsStr::from_bytes(args.first()?));
    if program.file_name()? != "postgres" {
        return None;
    }
    let at = args.iter().position(|a| *a == b"-D")?;
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(
        args.get(at + 1)?,
    )))
}

/// Stops postmaster `pid` at once (SIGQUIT, PostgreSQL's immediate shutdown) and waits up to
/// a minute for it to end.
fn stop_postmaster(pid: u32) {
    let Ok(raw) = i32::try_from(pid) else { return };
    let target = nix::unistd::Pid::from_raw(raw);
    if nix::sys::signal::kill(target, nix::sys::signal::Signal::SIGQUIT).is_err() {
        return;
    }
    for _ in 0..600 {
        if !process_is_alive(pid) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Cleans up after runs whose watcher could not do it (it was killed too): under `parent`,
/// every directory named `prefix…` whose owner process (see [`write_owner_file`]) has gone
/// has its postmaster stopped and is deleted. A directory without an owner file is left
/// alone: it may be a run being set up right now, or another program's. Returns how many
/// directories it deleted.
pub fn stop_abandoned(parent: &Path, prefix: &str) -> usize {
    let mut cleaned = 0;
    if let Ok(entries) = fs::read_dir(parent) {
        for entry in entries.flatten() {
            let dir = entry.path();
            let ours = entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(prefix))
                && entry.file_type().is_ok_and(|t| t.is_dir());
            let Some(owner) = ours.then(|| read_owner_file(&dir)).flatten() else {
                continue;
            };
            if owner.is_alive() {
                continue;
            }
            let pgdata = dir.join("pgdata");
            if let Some(pid) = postmaster_pid(&pgdata) {
                if postmaster_data_dir(pid).is_some_and(|d| d == pgdata) {
                    stop_postmaster(pid);
                }
            }
            if fs::remove_dir_all(&dir).is_ok() {
                cleaned += 1;
            }
        }
    }
    cleaned
}

/// `RAPPORT_PG_BINDIR` when set (and nothing else), else `/usr/lib/postgresql/<made_by>/bin`
/// when the data directory was made by that version (`made_by`, its `PG_VERSION`) and it is
/// installed, else `initdb` on PATH (the directory its links lead to), else the newest
/// `/usr/lib/postgresql/<version>/bin`.
pub fn find_bin_dir(made_by: Option<&str>) -> Option<PathBuf> {
    find_bin_dir_in(Path::new("/usr/lib/postgresql"), made_by)
}

/// [`find_bin_dir`] with Debian's versions under `versions_root`.
fn find_bin_dir_in(versions_root: &Path, made_by: Option<&str>) -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("RAPPORT_PG_BINDIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return has_tools(&dir).then_some(dir);
    }
    if let Some(version) =
        made_by.filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
    {
        let dir = versions_root.join(version).join("bin");
        if has_tools(&dir) {
            return Some(dir);
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_tools(&dir) {
                // A PATH entry of links (e.g. /usr/local/bin/pg_ctl → the version's bin):
                // the real directory, where pg_config and postgres are too.
                let real = fs::canonicalize(dir.join("pg_ctl"))
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .filter(|real| has_tools(real));
                return Some(real.unwrap_or(dir));
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(versions_root)
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

#[cfg(test)]
mod tests {

    /// After a system upgrade installs a newer PostgreSQL beside the old one, the data
    /// directory's own version is used: the newest refuses a directory another version made.
    #[test]
    fn a_data_directory_is_opened_by_the_version_that_made_it() {
        if std::env::var_os("RAPPORT_PG_BINDIR").is_some() {
            return;
        }
        let root = std::env::temp_dir().join(format!("rapport-pg-versions-{}", std::process::id()));
        for version in ["15", "17"] {
            let bin = root.join(version).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            for tool in ["initdb", "pg_ctl"] {
                std::fs::write(bin.join(tool), "").unwrap();
            }
        }
        let found = |made_by| super::find_bin_dir_in(&root, made_by);
        assert_eq!(found(Some("15")), Some(root.join("15").join("bin")));
        assert_eq!(found(Some("17")), Some(root.join("17").join("bin")));
        // A version not installed, or a new directory: as before (PATH, then the newest).
        assert_ne!(found(Some("16")), Some(root.join("16").join("bin")));
        assert_ne!(found(Some("../15")), Some(root.join("../15").join("bin")));
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// Run as root beside a service that runs as an ordinary user, a command handed the
    /// service's directories to `postgres`, and the service could no longer start its cluster.
    #[test]
    fn a_cluster_of_another_user_is_refused_and_left_as_it_is() {
        let dir = std::env::temp_dir().join(format!("rapport-owned-{}", std::process::id()));
        let pgdata = dir.join("pgdata");
        std::fs::create_dir_all(&pgdata).unwrap();
        let me = nix::unistd::geteuid();
        assert!(super::owned_by(&pgdata, me).is_ok());
        assert!(super::owned_by(&dir.join("none"), me).is_ok());
        let other = nix::unistd::Uid::from_raw(me.as_raw().wrapping_add(4242));
        let refused = super::owned_by(&pgdata, other).unwrap_err().to_string();
        assert!(refused.contains("run this command as"), "{refused}");
        assert!(refused.contains("Nothing was changed."), "{refused}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Run as root without RAPPORT_DATA_DIR from `/`, a command handed the system's `/var`
    /// (and, through its `run` link, `/run`) to `postgres`. A directory of other files, or
    /// whose `run` is a link, is refused; a new, empty or Rapport's own one is taken.
    #[test]
    fn only_a_directory_of_its_own_is_handed_to_postgres() {
        let dir = std::env::temp_dir().join(format!("rapport-own-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let other = nix::unistd::Uid::from_raw(nix::unistd::geteuid().as_raw().wrapping_add(4242));
        assert!(super::own_directory(&dir, other).is_ok(), "a new directory");
        std::fs::create_dir_all(dir.join("pgdata")).unwrap();
        std::fs::write(dir.join("postgresql.log"), "").unwrap();
        std::fs::create_dir_all(dir.join("lost+found")).unwrap();
        assert!(
            super::own_directory(&dir, other).is_ok(),
            "Rapport's own, on a volume"
        );
        std::fs::write(dir.join("lib"), "").unwrap();
        std::fs::write(dir.join("cache"), "").unwrap();
        let refused = super::own_directory(&dir, other).unwrap_err().to_string();
        assert!(
            refused.contains("it holds other files (cache, lib)"),
            "{refused}"
        );
        assert!(refused.contains("Nothing was changed."), "{refused}");
        std::fs::remove_file(dir.join("lib")).unwrap();
        std::fs::remove_file(dir.join("cache")).unwrap();
        std::os::unix::fs::symlink(std::env::temp_dir(), dir.join("run")).unwrap();
        let refused = super::own_directory(&dir, other).unwrap_err().to_string();
        assert!(refused.contains("is a symbolic link"), "{refused}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// PostgreSQL splits its socket folders at commas, and pg_ctl hands paths to a shell in
    /// double quotes: such a path is refused with why, before anything is made.
    #[test]
    fn a_data_directory_whose_path_postgresql_cannot_take_is_refused() {
        for name in ["Smith, Jones", "q\"d", "cost$HOME"] {
            let dir = std::env::temp_dir().join(name);
            let refused = super::LocalCluster::ensure_started(
                &dir,
                "postgres",
                super::ClusterOptions { durable: false },
            )
            .unwrap_err()
            .to_string();
            assert!(
                refused.contains("PostgreSQL cannot keep its socket"),
                "{refused}"
            );
            assert!(!dir.exists(), "nothing made for {name}");
        }
    }

    #[test]
    fn the_clusters_memory_follows_the_machines() {
        let small = super::memory_settings(Some(1024));
        assert!(small.contains("shared_buffers=256MB") && small.contains("work_mem=4MB"));
        let big = super::memory_settings(Some(24 * 1024));
        assert!(big.contains("shared_buffers=4096MB") && big.contains("work_mem=64MB"));
        assert!(big.contains("wal_buffers=256MB") && small.contains("wal_buffers=16MB"));
        assert!(super::memory_settings(None).contains("shared_buffers=512MB"));
    }

    #[test]
    fn a_statement_takes_helpers_only_on_a_machine_with_cores_to_spare() {
        let workers = |cores| super::parallel_settings(cores);
        assert!(workers(Some(2)).contains("max_parallel_workers_per_gather=0"));
        assert!(workers(Some(3)).contains("max_parallel_workers_per_gather=0"));
        assert!(workers(Some(4)).contains("max_parallel_workers_per_gather=1"));
        assert!(workers(Some(16)).contains("max_parallel_workers_per_gather=4"));
        assert!(workers(None).contains("max_parallel_workers_per_gather=0"));
    }

    use super::*;

    #[test]
    fn a_stat_line_gives_state_and_start_time_even_with_odd_command_names() {
        let line = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 120 0 0 0 1 2 0 0 20 0 1 0 \
                    987654 4096 100 18446744073709551615";
        assert_eq!(parse_stat(line), Some(('S', 987654)));
        assert_eq!(parse_stat("4242 (x) Z 1"), None);
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn this_process_is_alive_and_its_owner_file_names_it() {
        let dir = std::env::temp_dir().join(format!("rapport-owner-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        write_owner_file(&dir).unwrap();
        let owner = read_owner_file(&dir).unwrap();
        assert_eq!(owner.pid, std::process::id());
        assert!(owner.is_alive());
        let later = ProcessId {
            started: owner.started + 1,
            ..owner
        };
        assert!(!later.is_alive(), "a reused process id is another process");
        fs::remove_dir_all(&dir).unwrap();
    }
}
