//! The slow-statement log: diesel's instrumentation on every pooled connection times each
//! statement and logs the ones over `RAPPORT_SLOW_SQL_MS` at WARN. The line is written on the
//! thread that ran the statement, inside the request's span (see `web::db`), so it names its
//! request id.

use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};

/// Times the statements of one connection.
pub struct SlowStatements {
    threshold: Duration,
    started: Option<Instant>,
}

impl SlowStatements {
    pub fn new(threshold: Duration) -> Self {
        SlowStatements {
            threshold,
            started: None,
        }
    }
}

/// The SQL of a statement as diesel shows it, without the values of its bound parameters
/// (they may hold personal data or a password hash).
pub fn without_binds(shown: &str) -> &str {
    shown
        .split_once(" -- binds: ")
        .map_or(shown, |(sql, _)| sql)
}

impl Instrumentation for SlowStatements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { query, error, .. } => {
                let Some(started) = self.started.take() else {
                    return;
                };
                let elapsed = started.elapsed();
                if elapsed < self.threshold {
                    return;
                }
                let shown = query.to_string();
                tracing::warn!(
                    target: "rapport::sql",
                    duration_ms = %format!("{:.1}", elapsed.as_secs_f64() * 1000.0),
                    failed = error.is_some(),
                    statement = %without_binds(&shown),
                    "slow SQL statement",
                );
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logged_statement_leaves_out_the_bound_values() {
        assert_eq!(
            without_binds("UPDATE users SET password_hash = $1 -- binds: [\"$argon2id$x\"]"),
            "UPDATE users SET password_hash = $1"
        );
        assert_eq!(without_binds("SET jit = off"), "SET jit = off");
    }
}
