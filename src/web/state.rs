//! What every handler shares: the pool, the settings, and this instance's gates for work
//! that must not run many times at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::Config;
use crate::db::{DbPool, Pools};
use crate::web::csv::ExportCap;

/// What every handler shares.
pub struct AppState {
    /// Connections for pages and short actions.
    pub pool: DbPool,
    /// Connections for long work (`web::long`), apart from the pages'.
    pub long_pool: DbPool,
    pub config: Config,
    /// This instance's contact imports: one at a time, one more waiting.
    pub imports: Arc<WorkGate>,
    /// This instance's CSV downloads, capped so that pages always get a connection.
    pub exports: ExportCap,
    /// The campaigns whose figures this instance is counting in the background, each with
    /// whether a write came meanwhile (then they are counted once more when done).
    pub figure_counts: Arc<Mutex<HashMap<String, bool>>>,
    /// The contact list's counts that took a while, kept a little while.
    pub contact_counts: Arc<crate::contacts::domain::list::KeptCounts>,
    /// Whether the interaction log is known to be past the list's count cap.
    pub log_size: Arc<crate::interactions::domain::LogSize>,
}

impl AppState {
    pub fn new(pools: Pools, config: Config) -> Self {
        AppState {
            exports: ExportCap::new(
                config.db_long_pool_size,
                config.download_stall,
                config.download_wait,
            ),
            imports: Default::default(),
            figure_counts: Default::default(),
            log_size: Default::default(),
            contact_counts: Arc::new(crate::contacts::domain::list::KeptCounts::new(
                config.list_count_keep,
                config.list_count_slow,
                config.list_dense_rows,
                config.list_few_rows,
            )),
            pool: pools.pages,
            long_pool: pools.long,
            config,
        }
    }
}

/// Work of one kind that runs one at a time per instance; one more may wait its turn, and
/// more than that are refused.
#[derive(Default)]
pub struct WorkGate {
    turn: Mutex<()>,
    queued: AtomicUsize,
}

/// Pieces of work running or waiting, at most.
pub const MAX_QUEUED: usize = 2;

impl WorkGate {
    /// A place in the queue, or `None` when one runs and another already waits.
    pub fn enter(self: &Arc<Self>) -> Option<Ticket> {
        self.queued
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_QUEUED).then_some(n + 1)
            })
            .ok()
            .map(|_| Ticket(self.clone()))
    }
}

/// A place in a gate's queue; given back when dropped.
pub struct Ticket(Arc<WorkGate>);

impl Ticket {
    /// Waits until no other work of this gate runs on this instance.
    pub fn wait_turn(&self) -> MutexGuard<'_, ()> {
        self.0.turn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.0.queued.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_runs_one_waits_and_a_third_is_refused_until_a_place_is_given_back() {
        let gate = Arc::new(WorkGate::default());
        let first = gate.enter();
        let second = gate.enter();
        assert!(first.is_some() && second.is_some());
        assert!(gate.enter().is_none());
        drop(first);
        assert!(gate.enter().is_some());
    }
}
