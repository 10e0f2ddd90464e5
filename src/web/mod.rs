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
    let pool = pool.clone();
    let span = tracing::Span::current();
    let locale = locale::current();
    let seen = crate::db::seen::current();
    web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.get()?;
        let result = locale::within(locale, || crate::db::seen::within(seen, || f(&mut conn)));
        crate::db::after_work(&pool, result.is_ok());
        result
    })
    .await?
}

/// Post/Redirect/Get: every successful POST answers with a 303 to a page.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
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

pub fn ok<T: askama::Template>(page: &T) -> AppResult<HttpResponse> {
    render(actix_web::http::StatusCode::OK, page)
}

pub fn unprocessable<T: askama::Template>(page: &T) -> AppResult<HttpResponse> {
    render(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, page)
}
