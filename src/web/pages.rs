//! Pages that belong to no area: health and the error pages (home is `crate::home`).

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{get, web, HttpResponse};
use askama::Template;
use diesel::connection::SimpleConnection;

use crate::web::error::{BadInput, Denied, Refusal};
use crate::web::AppState;
use crate::web::{db, Layout};

/// 200 when the database answers, 503 when not. A pooled connection that a restart of the
/// database ended is dropped and the check asked again on the next, until one answers or
/// every one of them has been tried: right after a restart the check said 503 as many times
/// as the pool had connections, and a load balancer took every instance out at once.
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let mut result = Ok(());
    for _ in 0..=state.pool.max_size() {
        result = db(&state.pool, |conn| {
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await;
        let lost = matches!(&result, Err(crate::web::AppError::Unavailable(e))
            if e.downcast_ref::<diesel::result::Error>()
                .is_some_and(crate::web::error::is_connection_lost));
        if !lost {
            break;
        }
    }
    match result {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ok\n"),
        Err(_) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("database unavailable\n"),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub title: &'static str,
    pub message: String,
    /// The page the refused form was on (same site only), to go back to it.
    pub back: Option<String>,
    /// The words of the link to `back`.
    pub back_label: &'static str,
}

impl ErrorPage {
    fn for_status(
        layout: Layout,
        status: StatusCode,
        retry_after: Option<String>,
        bad: Option<BadInput>,
    ) -> Self {
        let (title, message) = match status.as_u16() {
            400 | 422 if bad.is_some() => {
                let bad = bad.unwrap_or_else(|| BadInput {
                    field: String::new(),
                    message: String::new(),
                });
                (
                    if status.as_u16() == 400 {
                        "Request not understood"
                    } else {
                        "The form could not be saved"
                    },
                    format!(
                        "{}: {} Go back, correct it and try again.",
                        shown_field(&bad.field),
                        bad.message
                    ),
                )
            }
            409 => (
                "Changed at the same time",
                "Someone else changed the same thing at the same moment, so nothing was \
                 changed by this request. Go back, reload the page and try again."
                    .to_string(),
            ),
            413 => (
                "Too large",
                "What was sent is larger than Rapport accepts. Nothing was changed.".to_string(),
            ),
            503 => (
                "Busy, try again",
                "Rapport is busy and could not complete this request in time. Nothing was \
                 changed by it. Wait a moment and try again."
                    .to_string(),
            ),
            403 => (
                "Not allowed",
                "This form was out of date or could not be checked, so nothing was changed. \
                 Go back, reload the page and try again. If it happens every time, the browser \
                 may be refusing Rapport's cookies (allow them for this address), or the proxy \
                 in front of Rapport may not pass on the address the browser used (for the \
                 administrator: see the README on a reverse proxy)."
                    .to_string(),
            ),
            404 => (
                "Page not found",
                "There is nothing at this address. It may have been deleted, or the link may \
                 be mistyped."
                    .to_string(),
            ),
            405 => (
                "Not allowed here",
                "This address does not accept that kind of request.".to_string(),
            ),
            429 => (
                "Too many attempts",
                match retry_after {
                    Some(secs) => format!(
                        "Too many attempts in a short time. Please wait {} and try again.",
                        human_wait(secs.parse().unwrap_or(60))
                    ),
                    None => {
                        "Too many attempts in a short time. Please wait and try again.".to_string()
                    }
                },
            ),
            400..=499 => (
                "Request not understood",
                "The request could not be handled. Go back and try again.".to_string(),
            ),
            _ => (
                "Something went wrong",
                "The server could not complete this request. Nothing was changed by it. \
                 If it happens again, give the administrator the request id below."
                    .to_string(),
            ),
        };
        ErrorPage {
            layout,
            status: status.as_u16(),
            title,
            message,
            back: None,
            back_label: "Back to the form",
        }
    }
}

/// The path of the page a request came from, when it is a page of this site.
fn same_site_referer(req: &actix_web::HttpRequest) -> Option<String> {
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let url = url::Url::parse(referer).ok()?;
    let host = req.connection_info().host().to_ascii_lowercase();
    let authority = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => return None,
    };
    if authority.to_ascii_lowercase() != host {
        return None;
    }
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    crate::web::forms::safe_next(&path)
}

/// A field name from the request, as it can be shown: short, printable.
fn shown_field(field: &str) -> String {
    let clean: String = field.chars().filter(|c| !c.is_control()).take(60).collect();
    if clean.is_empty() {
        "A field".to_string()
    } else {
        format!("The field “{clean}”")
    }
}

pub fn human_wait(secs: u64) -> String {
    if secs <= 60 {
        "a minute".to_string()
    } else {
        format!("{} minutes", secs.div_ceil(60))
    }
}

/// Turns every bare error response (4xx/5xx without an HTML body of its own) into a page in
/// the site's layout. Pages that render themselves with an error status (422 forms) pass.
pub fn render_error_page<B: MessageBody>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html || res.request().path() == "/healthz" {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let retry_after = res
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bad = res.response().extensions().get::<BadInput>().cloned();
    let refusal = res.response().extensions().get::<Refusal>().cloned();
    let denied = res.response().extensions().get::<Denied>().cloned();
    let no_database = res
        .response()
        .extensions()
        .get::<crate::web::error::NoDatabase>()
        .is_some();
    let (req, old) = res.into_parts();
    let mut layout = Layout::from_request(&req);
    // An error page does not show (or use up) the flash: it stays for the next page.
    layout.flash = None;
    let mut page = ErrorPage::for_status(layout, status, retry_after, bad);
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        page.back = same_site_referer(&req);
    }
    if let Some(denied) = denied {
        page.message = denied.message;
    }
    if no_database {
        page.title = "Database not reachable";
        page.message = "Rapport cannot reach its database just now, so nothing was changed by \
                        this request. Try again in a minute; if it goes on, tell the \
                        administrator (the server's log says why)."
            .to_string();
    }
    if let Some(refusal) = refusal {
        page.title = "Not possible";
        page.message = refusal.message;
        page.back = Some(refusal.back);
        page.back_label = "Back";
    }
    let html = page
        .render()
        .unwrap_or_else(|_| format!("<!doctype html><title>{status}</title><p>{status}</p>"));
    let mut new = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let new = new.content_type("text/html; charset=utf-8").body(html);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body::<B>(),
    ))
}

/// For the 404 of unknown paths.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().finish()
}
