//! What every page shares: the error type, the layout, flash messages, forms, middleware.

pub mod assets;
pub mod csv;
pub mod error;
pub mod filters;
pub mod forms;
pub mod layout;
pub mod locale;
pub mod middleware;
pub mod pages;
pub mod pagination;
pub mod state;
pub mod xlsx;

pub use error::{AppError, AppResult};
pub use forms::FormErrors;
pub use layout::{Flash, Layout};
pub use state::AppState;

use actix_web::{http::header, web, HttpResponse};

use crate::db::{DbConn, DbPool};

/// Runs `f` with a pooled connection on the blocking thread pool, never on the async threads,
/// in the request's locale (`web::locale`).
/// Tables that `f` noted with `crate::db::analyze_after` are analysed once it has returned
/// successfully (its transaction committed). `f` runs inside the request's span, so what it
/// logs (a slow statement, say) names its request.
pub async fn db<T, F>(pool: &DbPool, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
{
    let work = Work::new(pool, f);
    web::block(move || work.run()).await?
}

/// Runs `f` as [`db`] does, for long work: a segment step, Go Back, Refresh, Log Segment,
/// Create Opportunities — work whose time grows with a segment's lines. It runs on a thread of
/// its own with a connection of `pool` (`AppState::long_pool`), so that however long it
/// takes and however many run, the pages' connections and the workers' blocking threads stay
/// free for pages. It waits its turn when the long work's connections are all taken.
pub async fn long<T, F>(pool: &DbPool, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
{
    let work = Work::new(pool, f);
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("long-work".into())
        .spawn(move || {
            let _ = tx.send(work.run());
        })
        .map_err(AppError::internal)?;
    // The sender is dropped unsent only if `f` panicked.
    rx.await.map_err(AppError::internal)?
}

/// Database work taken off the async thread with what it needs of the request.
struct Work<F> {
    pool: DbPool,
    span: tracing::Span,
    locale: locale::Locale,
    seen: Option<std::sync::Arc<str>>,
    f: F,
}

impl<F> Work<F> {
    fn new(pool: &DbPool, f: F) -> Self {
        Work {
            pool: pool.clone(),
            span: tracing::Span::current(),
            locale: locale::current(),
            seen: crate::db::seen::current(),
            f,
        }
    }

    fn run<T>(self) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T>,
    {
        let Work {
            pool,
            span,
            locale,
            seen,
            f,
        } = self;
        let _entered = span.enter();
        // Waited in vain with no connection open at all: the database is down, not busy.
        let mut conn = pool.get().map_err(|e| {
            if pool.state().connections == 0 {
                AppError::Unavailable(anyhow::Error::from(e).context(error::NoDatabase))
            } else {
                AppError::from(e)
            }
        })?;
        let result = locale::within(locale, || crate::db::seen::within(seen, || f(&mut conn)));
        crate::db::after_work(&pool, result.is_ok());
        result
    }
}

/// Post/Redirect/Get: every successful POST answers with a 303 to a page.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location_header(location)))
        .finish()
}

/// A Location as the header carries it: a letter beyond ASCII (a No. of a series whose prefix
/// has one, `SØ00002`), a space or a quote percent-encoded, as a browser writes the address;
/// what is encoded already, and the address's own `/ ? & = #`, as they are.
fn location_header(location: &str) -> String {
    percent_encoded(location, |b| {
        b > 0x20 && b < 0x7F && !matches!(b, b'"' | b'<' | b'>' | b'`' | b'{' | b'}')
    })
}

/// `text` with each byte that `keep` refuses written as `%XX`.
pub(crate) fn percent_encoded(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The length of the last page of each kind rendered (by its type's name), to make room for
/// the next one at once: grown as it was written, a page of 15–150 KB was copied over each
/// time it outgrew its buffer.
static RENDERED: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<&'static str, usize>>,
> = std::sync::LazyLock::new(Default::default);

/// Renders an askama page with the given status.
pub fn render<T: askama::Template>(
    status: actix_web::http::StatusCode,
    page: &T,
) -> AppResult<HttpResponse> {
    let kind = std::any::type_name::<T>();
    let sizes = || RENDERED.lock().unwrap_or_else(|e| e.into_inner());
    let room = sizes().get(kind).copied().unwrap_or(0).max(T::SIZE_HINT);
    let mut html = String::with_capacity(room + room / 8);
    page.render_into(&mut html)?;
    sizes().insert(kind, html.len());
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// A page's status: 422 when what was sent is refused (a form's or a filter's mistake, said by
/// its field), else 200.
pub fn status_of(refused: bool) -> actix_web::http::StatusCode {
    if refused {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    }
}

pub fn ok<T: askama::Template>(page: &T) -> AppResult<HttpResponse> {
    render(actix_web::http::StatusCode::OK, page)
}

pub fn unprocessable<T: askama::Template>(page: &T) -> AppResult<HttpResponse> {
    render(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, page)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_location_carries_letters_beyond_ascii_percent_encoded() {
        assert_eq!(
            super::location_header("/segments/SM00001"),
            "/segments/SM00001"
        );
        assert_eq!(
            super::location_header("/segments/SØ00002#lines"),
            "/segments/S%C3%9800002#lines"
        );
        assert_eq!(
            super::location_header("/contacts?q=a%20b&page=2"),
            "/contacts?q=a%20b&page=2"
        );
        assert_eq!(super::location_header("/x y\"z"), "/x%20y%22z");
    }
}
