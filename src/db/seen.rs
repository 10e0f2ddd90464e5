//! The version of the code lists (`code_list_version`, see `setup::options_of`) that a request
//! has already read: a signed-in request's session statement reads it alongside, so that a
//! page whose code lists are kept, of that very version, needs no statement to know it. (The
//! same version covers the other values kept with `setup::kept`: profile questions and the
//! pipeline's groups.)
//!
//! Set around a request that changes nothing (a GET) by [`scope`], and carried onto the
//! blocking thread of `web::db` by [`within`]. A request that changes something has none: a
//! code it adds must show in the page it renders, and the version read before is then out of
//! date. Outside a request (the command line, a background job) there is none either, and
//! the lists' statement asks for the version itself.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

/// The lists' version, as a scalar subquery: the database's own identity (kept lists are per
/// process, and a process may serve more than one database) and the number of the last change.
pub const VERSION: &str = "(SELECT database || '/' || change FROM code_list_version)";

tokio::task_local! {
    static REQUEST: Arc<str>;
}

thread_local! {
    static BLOCKING: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
}

/// The lists' version this request read, if it read one.
pub fn current() -> Option<Arc<str>> {
    BLOCKING
        .with(|b| b.borrow().clone())
        .or_else(|| REQUEST.try_with(Arc::clone).ok())
}

/// Serves a request that read the lists' `version`.
pub async fn scope<F: Future>(version: Arc<str>, f: F) -> F::Output {
    REQUEST.scope(version, f).await
}

/// Runs `f` on this thread (a blocking thread of `web::db`) with the lists' version its
/// request read (`None`: none).
pub fn within<T>(version: Option<Arc<str>>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<str>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take();
            BLOCKING.with(|b| *b.borrow_mut() = before);
        }
    }
    let _restore = Restore(BLOCKING.with(|b| b.replace(version)));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_outside_a_request_and_the_requests_version_within_it() {
        assert_eq!(current(), None);
        let inner = within(Some(Arc::from("a/1")), || {
            let nested = within(None, current);
            (current(), nested)
        });
        assert_eq!(inner, (Some(Arc::from("a/1")), None));
        assert_eq!(current(), None);
    }
}
