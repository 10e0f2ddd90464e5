//! Long work below pages in the CPU's queue. A segment step or Log Segment over 200,000 lines
//! keeps a core busy for seconds, a download or an import for longer, and meanwhile the pages
//! of everyone else waited for the cores with it (BENCHMARKS.md, Many users at once).
//! PostgreSQL gives a statement no priority, but the operating system gives one to each thread
//! and process: long work's threads, and the PostgreSQL backends of its connections, run at a
//! higher nice value (`RAPPORT_LONG_WORK_NICE`). They have whatever the pages leave of the
//! cores, which is all of them when nobody is opening pages.
//!
//! A backend is lowered only when it is a process of this machine: the process with the id
//! the backend reports must be a `postgres` process started when the backend says it started.
//! A server elsewhere (or in a container, whose process ids are its own) is left alone, as is a
//! backend of another user than Rapport's (unless Rapport runs as root). Helper processes that
//! PostgreSQL starts for one statement (parallel workers, on machines of four cores or more)
//! run at the default priority.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Double, Integer};
use std::sync::atomic::{AtomicI32, Ordering};

/// The nice value of this process's long work, from the instance's configuration
/// ([`set_long_work_nice`]); 0 until then.
static LONG_WORK_NICE: AtomicI32 = AtomicI32::new(0);

/// Sets the nice value that long work's threads take ([`lower_this_thread`]): one value per
/// process, the instance's `long_work_nice`.
pub fn set_long_work_nice(nice: i32) {
    LONG_WORK_NICE.store(nice, Ordering::Relaxed);
}

/// Puts the calling thread, which is about to do long work, at the configured nice value.
/// On Linux a nice value is a thread's own; raising one's own needs no privilege.
pub fn lower_this_thread() {
    let nice = LONG_WORK_NICE.load(Ordering::Relaxed);
    if nice > 0 {
        if let Err(e) = set_nice(0, nice) {
            tracing::debug!(error = %e, "long work's thread kept its priority");
        }
    }
}

/// Puts the backend serving `conn` at nice value `nice`, when it is a process of this machine.
/// A connection keeps its backend for its life, so this is done once, as the long work's pool
/// opens it.
pub fn lower_backend(conn: &mut PgConnection, nice: i32) {
    if nice <= 0 {
        return;
    }
    #[derive(QueryableByName)]
    struct Backend {
        #[diesel(sql_type = Integer)]
        pid: i32,
        #[diesel(sql_type = Double)]
        started: f64,
    }
    let backend = diesel::sql_query(
        "SELECT pid, extract(epoch FROM backend_start)::float8 AS started \
         FROM pg_stat_activity WHERE pid = pg_backend_pid()",
    )
    .get_result::<Backend>(conn);
    let backend = match backend {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "cannot ask the backend who it is");
            return;
        }
    };
    let Ok(pid) = u32::try_from(backend.pid) else {
        return;
    };
    if !is_local_backend(pid, backend.started) {
        tracing::info!(
            backend = pid,
            "long work's backend is not a process of this machine: its priority is left alone"
        );
        return;
    }
    if let Err(e) = set_nice(pid, nice) {
        tracing::warn!(backend = pid, nice, error = %e, "long work's backend kept its priority");
    }
}

/// Whether process `pid` of this machine is a PostgreSQL process started at `started`
/// (seconds since the epoch, within two: the boot time `/proc` counts from is whole seconds).
fn is_local_backend(pid: u32, started: f64) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let name = stat
        .split_once('(')
        .and_then(|(_, rest)| rest.rsplit_once(')'))
        .map(|(name, _)| name);
    let Some(ticks) = field_after_name::<u64>(&stat, 22) else {
        return false;
    };
    let Some(boot) = boot_time() else {
        return false;
    };
    let local = boot as f64 + ticks as f64 / rustix::param::clock_ticks_per_second() as f64;
    name == Some("postgres") && (local - started).abs() < 2.0
}

/// When this machine started, in seconds since the epoch (`btime` in `/proc/stat`).
fn boot_time() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

/// A process's nice value (`/proc/PID/stat`), if it can be read.
pub fn nice_of(pid: u32) -> Option<i32> {
    stat_field(pid, 19)
}

/// Field `n` (numbered from 1, as in proc(5)) of `/proc/PID/stat`, from the third on.
fn stat_field<T: std::str::FromStr>(pid: u32, n: usize) -> Option<T> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    field_after_name(&stat, n)
}

/// Field `n` (from 3 on) of a `/proc/PID/stat` line: after the command's name in parentheses,
/// which may itself hold spaces and parentheses.
fn field_after_name<T: std::str::FromStr>(stat: &str, n: usize) -> Option<T> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(n.checked_sub(3)?)?.parse().ok()
}

/// Sets the nice value of a process (`0`: the calling thread, Linux's own).
fn set_nice(pid: u32, nice: i32) -> std::io::Result<()> {
    let pid = rustix::process::Pid::from_raw(i32::try_from(pid).map_err(std::io::Error::other)?);
    rustix::process::setpriority_process(pid, nice).map_err(std::io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_past_a_name_with_spaces_and_parentheses() {
        let line = "4242 (postgres: a (b) c) S 17 4242 4242 0 -1 4194560 100 0 0 0 \
                    5 3 0 0 30 10 1 0 12345";
        assert_eq!(field_after_name::<u32>(line, 4), Some(17));
        assert_eq!(field_after_name::<i32>(line, 19), Some(10));
        assert_eq!(field_after_name::<i32>(line, 18), Some(30));
        assert_eq!(field_after_name::<i32>(line, 2), None);
        assert_eq!(field_after_name::<i32>("no name here", 4), None);
    }

    #[test]
    fn this_process_is_no_backend_and_a_process_started_now_is_not_this_one() {
        let me = std::process::id();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        // The test runner is not a `postgres` process, whenever it started.
        assert!(!is_local_backend(me, now));
        assert!(boot_time().is_some_and(|b| (b as f64) < now));
        assert!(!is_local_backend(u32::MAX, now), "no such process");
    }

    #[test]
    fn a_thread_of_long_work_is_lowered_and_others_are_not() {
        let tid = || std::fs::read_link("/proc/thread-self").ok();
        let before = stat_in(tid());
        set_long_work_nice(19);
        let (lowered, path) = std::thread::spawn(move || {
            lower_this_thread();
            (stat_in(tid()), tid())
        })
        .join()
        .unwrap();
        assert_eq!(lowered, Some(19), "{path:?}");
        assert_eq!(stat_in(tid()), before, "this thread is left as it was");
    }

    /// The nice value in a `/proc/self/task/TID` folder's `stat`.
    fn stat_in(dir: Option<std::path::PathBuf>) -> Option<i32> {
        let stat = std::fs::read_to_string(std::path::Path::new("/proc").join(dir?).join("stat"));
        field_after_name(&stat.ok()?, 19)
    }
}
