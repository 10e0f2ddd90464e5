//! The locale of the request being served (`RAPPORT_LOCALE`), for the few functions that write
//! a number, an amount or a date for a person (`web::filters`) or read one from a form
//! (`web::forms`): set around every request by [`scope`] and carried onto the blocking thread
//! of `web::db` by [`within`], and onto a contact import's own thread, whose messages a
//! person reads. Anything else — a CSV export, the figures refreshed in the background —
//! sees [`Locale::Iso`], so machine-readable output does not change with the setting.

use std::cell::Cell;
use std::future::Future;

pub use crate::config::Locale;

tokio::task_local! {
    static REQUEST: Locale;
}

thread_local! {
    static BLOCKING: Cell<Option<Locale>> = const { Cell::new(None) };
}

/// The locale of the request this code serves (ISO outside of one).
pub fn current() -> Locale {
    BLOCKING
        .with(Cell::get)
        .or_else(|| REQUEST.try_with(|l| *l).ok())
        .unwrap_or_default()
}

/// Serves a request in `locale`.
pub async fn scope<F: Future>(locale: Locale, f: F) -> F::Output {
    REQUEST.scope(locale, f).await
}

/// Runs `f` in `locale` on this thread (a blocking thread of `web::db`).
pub fn within<T>(locale: Locale, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Locale>);
    impl Drop for Restore {
        fn drop(&mut self) {
            BLOCKING.with(|b| b.set(self.0));
        }
    }
    let _restore = Restore(BLOCKING.with(|b| b.replace(Some(locale))));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_outside_a_request_and_the_request_locale_within_it() {
        assert_eq!(current(), Locale::Iso);
        let inner = within(Locale::DaDk, || {
            let nested = within(Locale::EnGb, current);
            (current(), nested)
        });
        assert_eq!(inner, (Locale::DaDk, Locale::EnGb));
        assert_eq!(current(), Locale::Iso);
    }
}
