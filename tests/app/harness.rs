//! The test harness itself. Its throwaway PostgreSQL ends with the run however the run ends,
//! and the browser journeys skip, or fail under CI, when their tools are missing.
//!
//! These tests run this very test executable again as a child process (one `--ignored` test
//! below, told what to do by `RAPPORT_HARNESS_CHILD`), so no other test binary is needed.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rapport::db::cluster;

use crate::support::{self, TestApp};

/// Tells the child run what to do after starting its cluster: `fail`, `hang`.
const CHILD: &str = "RAPPORT_HARNESS_CHILD";

/// The line the child prints once its cluster runs.
const MARK: &str = "harness-child-cluster";

/// The body of a child run, not a test of its own: it starts the harness's cluster, says where
/// it is, then fails or hangs as it is told.
#[test]
#[ignore = "run as a child process by the harness tests"]
fn child_run() {
    let Ok(mode) = std::env::var(CHILD) else {
        return;
    };
    let app = TestApp::start();
    assert_eq!(app.count("SELECT 1"), 1);
    let (dir, postmaster, reaper) = support::own_cluster().expect("a cluster of its own");
    println!("{MARK} {postmaster} {reaper} {}", dir.display());
    match mode.as_str() {
        "fail" => panic!("this child run fails on purpose"),
        "hang" => std::thread::sleep(Duration::from_secs(600)),
        other => panic!("unknown {CHILD} mode {other:?}"),
    }
}

/// A child run's cluster, as it reported it.
struct ChildCluster {
    postmaster: u32,
    reaper: u32,
    dir: PathBuf,
}

/// Starts this test executable again running only [`child_run`], with its own cluster.
fn start_child(mode: &str) -> Child {
    Command::new(std::env::current_exe().expect("the test executable"))
        .args([
            "harness::child_run",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, mode)
        .env_remove("DATABASE_URL")
        .env_remove("TEST_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child run")
}

/// Reads the child's output until it reports its cluster (or ends without doing so).
fn read_cluster(child: &mut Child) -> ChildCluster {
    let stdout = child.stdout.take().expect("child stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap_or_default();
        // libtest may have written "test … ... " on the same line before it.
        if let Some(rest) = line.find(MARK).map(|at| &line[at + MARK.len()..]) {
            let mut parts = rest.trim().splitn(3, ' ');
            let mut number = || parts.next().and_then(|p| p.parse().ok());
            let (postmaster, reaper) = (number(), number());
            let dir = parts.next().map(PathBuf::from);
            if let (Some(postmaster), Some(reaper), Some(dir)) = (postmaster, reaper, dir) {
                // Keep draining the child's output so it never blocks on a full pipe.
                std::thread::spawn(move || lines.for_each(drop));
                return ChildCluster {
                    postmaster,
                    reaper,
                    dir,
                };
            }
        }
        seen.push_str(&line);
        seen.push('\n');
    }
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    panic!("the child run never reported its cluster:\n{seen}\n{stderr}");
}

/// Whether any live process is a postmaster of a data directory inside `dir`.
fn postmaster_of(dir: &Path) -> Option<u32> {
    let pgdata = dir.join("pgdata");
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
                return false;
            };
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            args.windows(2)
                .any(|w| w[0] == b"-D" && w[1] == pgdata.as_os_str().as_encoded_bytes())
                && cluster::process_is_alive(*pid)
        })
}

/// Waits (see `PATIENCE`) until the child's postmaster has ended and its directory is gone.
#[track_caller]
fn assert_cleaned_up(cluster: &ChildCluster, how: &str) {
    let gone = crate::support::eventually(Duration::from_millis(100), || {
        !cluster::process_is_alive(cluster.postmaster)
            && postmaster_of(&cluster.dir).is_none()
            && !cluster.dir.exists()
    });
    if gone {
        return;
    }
    panic!(
        "after {how}: postmaster {} alive: {}, directory {} exists: {}",
        cluster.postmaster,
        cluster::process_is_alive(cluster.postmaster),
        cluster.dir.display(),
        cluster.dir.exists()
    );
}

fn kill(pid: u32) {
    let pid = nix::unistd::Pid::from_raw(i32::try_from(pid).expect("a process id"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).expect("SIGKILL");
}

#[test]
fn a_failed_run_leaves_no_postgresql_behind() {
    let mut child = start_child("fail");
    let cluster = read_cluster(&mut child);
    assert!(cluster::process_is_alive(cluster.postmaster));
    let status = child.wait().expect("the child run ends");
    assert_eq!(status.code(), Some(101), "the child run fails as it should");
    assert_cleaned_up(&cluster, "a run with a failed test");
}

#[test]
fn a_killed_run_leaves_no_postgresql_behind() {
    let mut child = start_child("hang");
    let cluster = read_cluster(&mut child);
    assert!(cluster::process_is_alive(cluster.postmaster));
    kill(child.id());
    let _ = child.wait();
    assert_cleaned_up(&cluster, "a run killed with SIGKILL");
}

/// When the watcher dies with the run, the next run finds the cluster by its owner file and
/// cleans it up before starting its own.
#[test]
fn the_next_run_cleans_up_what_a_killed_watcher_left() {
    let mut child = start_child("hang");
    let cluster = read_cluster(&mut child);
    kill(cluster.reaper);
    kill(child.id());
    let _ = child.wait();
    // (Another run starting now may clean it up first, with the same function.)
    cluster::stop_abandoned(&std::env::temp_dir(), support::CLUSTER_DIR_PREFIX);
    assert_cleaned_up(&cluster, "the next run's clean-up");
}

/// The shortest browser journey, run as a child; `hide` hides every tool it needs (on the
/// `RAPPORT_TEST_PATH` and `AXE_JS` the harness honours) and `ci` sets `CI=true`.
fn run_browser_child(hide: bool, ci: bool) -> (bool, String) {
    let journey = "browser_wrong_password_shows_the_error";
    let empty = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(std::env::current_exe().expect("the test executable"));
    cmd.args([
        &format!("browser::{journey}"),
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env_remove("CI")
    .stdin(Stdio::null());
    if ci {
        cmd.env("CI", "true");
    }
    if hide {
        cmd.env("RAPPORT_TEST_PATH", empty.path())
            .env("AXE_JS", empty.path().join("axe.min.js"));
        for var in ["CHROME", "CHROMEDRIVER", "JAVA", "VNU_JAR", "PYTHON", "NPM"] {
            cmd.env_remove(var);
        }
    }
    let out = cmd.output().expect("run the child");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("test browser::{journey} ...")),
        "the journey did not run:\n{text}"
    );
    (out.status.success(), text)
}

#[test]
fn browser_journeys_run_when_their_tools_are_there() {
    // On a machine without them this case is skipped (or fails under CI) like the journeys.
    if crate::browser::tools_or_skip("harness::browser_journeys_run_when_their_tools_are_there")
        .is_none()
    {
        return;
    }
    let (passed, text) = run_browser_child(false, false);
    assert!(passed, "{text}");
    assert!(text.contains("page(s) checked"), "{text}");
    assert!(!text.contains("skipped browser journey"), "{text}");
}

#[test]
fn browser_journeys_without_their_tools_say_so_and_pass_outside_ci() {
    let (passed, text) = run_browser_child(true, false);
    assert!(passed, "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("skipped browser journey"))
        .unwrap_or_else(|| panic!("no skip message:\n{text}"));
    for part in [
        "browser_wrong_password_shows_the_error",
        "Chromium",
        "chromedriver",
        "Java",
        "vnu.jar",
        "axe-core",
        "`scripts/prepare-tests`",
    ] {
        assert!(line.contains(part), "{part} missing from: {line}");
    }
    assert_eq!(
        text.matches("skipped browser journey").count(),
        1,
        "said once:\n{text}"
    );
    assert!(!text.contains("page(s) checked"), "{text}");
}

#[test]
fn browser_journeys_without_their_tools_fail_under_ci() {
    let (passed, text) = run_browser_child(true, true);
    assert!(!passed, "CI must not skip a journey:\n{text}");
    assert!(
        text.contains("cannot run: Chromium, chromedriver")
            && text.contains("`scripts/prepare-tests`"),
        "{text}"
    );
}

/// The private cluster a command started (`rapport user add`, `demo-data`) is not stopped when
/// the command ends while another process uses it (a `rapport serve` started meanwhile): that
/// server lost its database and never recovered. Its own connections do not count.
#[test]
fn a_private_cluster_in_use_by_another_process_is_left_running() {
    use diesel::Connection;
    let dir = tempfile::Builder::new()
        .prefix(support::CLUSTER_DIR_PREFIX)
        .tempdir_in(std::env::temp_dir())
        .expect("temp dir")
        .keep();
    cluster::write_owner_file(&dir).expect("owner file");
    let mut started = cluster::LocalCluster::ensure_started(
        &dir,
        "postgres",
        cluster::ClusterOptions { durable: false },
    )
    .expect("a private cluster");
    // Stops the cluster and removes its directory at the end, however the test ends.
    let _reaper = started
        .stop_when_this_process_exits(&dir)
        .expect("a watcher");
    assert!(started.started_here());
    let postmaster = started.postmaster_pid().expect("running");
    let url = started.database_url("postgres");
    let _own = diesel::PgConnection::establish(&url).expect("own connection");
    let other_url = match url.split_once("&application_name=") {
        Some((base, _)) => format!("{base}&application_name=serve"),
        None => format!("{url}&application_name=serve"),
    };
    let _other = diesel::PgConnection::establish(&other_url).expect("another process's");
    started.stop();
    assert!(
        cluster::process_is_alive(postmaster),
        "stopped under another process"
    );
}

/// A data directory whose path holds a space or a quote ("My Projects", "Anna's"): its
/// database could not be reached (the socket's folder went into the URL with a `+` for the
/// space) nor its cluster started (the quote was dropped from the server's options).
#[test]
fn a_private_cluster_works_under_a_path_with_a_space_and_a_quote() {
    use diesel::{Connection, RunQueryDsl};
    let parent = tempfile::Builder::new()
        .prefix(support::CLUSTER_DIR_PREFIX)
        .tempdir_in(std::env::temp_dir())
        .expect("temp dir")
        .keep();
    let dir = parent.join("Anna's Projects");
    std::fs::create_dir_all(&dir).expect("the directory");
    cluster::write_owner_file(&dir).expect("owner file");
    let mut started = cluster::LocalCluster::ensure_started(
        &dir,
        "postgres",
        cluster::ClusterOptions { durable: false },
    )
    .expect("a private cluster under a path with a space and a quote");
    let _reaper = started
        .stop_when_this_process_exits(&dir)
        .expect("a watcher");
    let mut conn = diesel::PgConnection::establish(&started.database_url("postgres"))
        .expect("its database is reached");
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .expect("a statement");
    drop(conn);
    started.stop();
    let _ = std::fs::remove_dir_all(&parent);
}
