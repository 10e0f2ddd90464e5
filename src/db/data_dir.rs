//! Whose the private cluster's data directory is, and whether PostgreSQL can reach it: the
//! checks `cluster::LocalCluster::ensure_started` makes before it creates or hands over
//! anything (refusing leaves everything as it was).

use std::fs;
use std::path::Path;

use super::cluster::ClusterError;

/// As root, PostgreSQL runs as the `postgres` user, who must be able to reach the data
/// directory: every folder above it must be open to others (a clone under `/root` is not).
pub(super) fn check_reachable_by_others(dir: &Path) -> Result<(), ClusterError> {
    use std::os::unix::fs::MetadataExt;
    for ancestor in dir.ancestors().skip(1) {
        let Ok(meta) = fs::metadata(ancestor) else {
            continue;
        };
        if meta.mode() & 0o001 == 0 {
            return Err(ClusterError::Unreachable {
                data_dir: dir.display().to_string(),
                blocked: ancestor.display().to_string(),
                mode: meta.mode() & 0o777,
            });
        }
    }
    Ok(())
}

/// What Rapport keeps in its data directory (a throwaway cluster's also who owns it).
/// (`lost+found`: a volume mounted there for it.)
const OWN_ENTRIES: [&str; 5] = [
    "pgdata",
    "run",
    "postgresql.log",
    super::cluster::OWNER_FILE,
    "lost+found",
];

/// Refuses, as root, a data directory that is not Rapport's own to hand to the `postgres`
/// user (`uid`): one that exists, is not that user's yet, and holds anything but what Rapport
/// keeps there (`./var` of a command run from `/` is the system's `/var`), or whose `run` is a
/// symbolic link (`/var/run` leads to `/run`). A new or empty directory, or one Rapport made
/// before, is its own.
pub(super) fn own_directory(dir: &Path, uid: nix::unistd::Uid) -> Result<(), ClusterError> {
    use std::os::unix::fs::MetadataExt;
    let refused = |why: String| ClusterError::NotOwnDirectory {
        dir: dir.display().to_string(),
        why,
    };
    let Ok(meta) = fs::metadata(dir) else {
        return Ok(());
    };
    if !meta.is_dir() {
        return Err(refused("it is not a directory".into()));
    }
    let run = dir.join("run");
    if fs::symlink_metadata(&run).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(refused(format!(
            "{} is a symbolic link, and would take where it leads with it",
            run.display()
        )));
    }
    if meta.uid() == uid.as_raw() {
        return Ok(());
    }
    let entries = fs::read_dir(dir).map_err(|e| refused(e.to_string()))?;
    let mut others: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !OWN_ENTRIES.contains(&name.as_str()))
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    others.sort();
    let more = others.len().saturating_sub(3);
    others.truncate(3);
    Err(refused(format!(
        "it holds other files ({}{})",
        others.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )))
}

/// Refuses `dir` when it exists and belongs to another user than the one Rapport runs as:
/// always for `pgdata` (`owned`: PostgreSQL runs only as its owner), else only when this user
/// may not write in it.
pub(super) fn not_ours(dir: &Path, owned: bool) -> Result<(), ClusterError> {
    use nix::unistd::{access, AccessFlags};
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = fs::metadata(dir) else {
        return Ok(());
    };
    let me = nix::unistd::geteuid();
    let usable = if owned {
        meta.uid() == me.as_raw()
    } else {
        access(dir, AccessFlags::W_OK | AccessFlags::X_OK).is_ok()
    };
    if usable {
        return Ok(());
    }
    let name = |uid: u32| {
        nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .map_or_else(|| uid.to_string(), |u| u.name)
    };
    Err(ClusterError::NotOurs {
        dir: dir.display().to_string(),
        owner: name(meta.uid()),
        me: name(me.as_raw()),
    })
}

/// Refuses a data directory `pgdata` that exists and belongs to another user than `uid`.
pub(super) fn owned_by(pgdata: &Path, uid: nix::unistd::Uid) -> Result<(), ClusterError> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = fs::metadata(pgdata) else {
        return Ok(());
    };
    if meta.uid() == uid.as_raw() {
        return Ok(());
    }
    let owner = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(meta.uid()))
        .ok()
        .flatten()
        .map_or_else(|| meta.uid().to_string(), |u| u.name);
    Err(ClusterError::OwnedByAnother {
        pgdata: pgdata.display().to_string(),
        owner,
    })
}
