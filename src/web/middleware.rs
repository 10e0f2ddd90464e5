//! Request ids and the request log, and the security headers sent with every response.

use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use rand::RngCore;
use tracing::Instrument;

use crate::auth::SessionData;
use crate::web::AppError;

/// A random id per request: in the log, in the `X-Request-Id` header and on the 500 page.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

impl RequestId {
    fn new() -> Self {
        let mut bytes = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut bytes);
        RequestId(hex::encode(bytes))
    }
}

/// One log line per request: method, path, status, duration, request id, user; and the
/// request's span, which the lines written while serving it carry.
pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = RequestId::new();
    req.extensions_mut().insert(id.clone());
    let method = req.method().to_string();
    let path = req.path().to_string();
    // Every line written while the request is served, on any thread its work runs on (see
    // `web::db`), is written inside this span and so names the request id shown on the 500
    // page. The span is at ERROR level so that no `RUST_LOG` filter that lets a line through
    // leaves the request id out of it.
    let span = tracing::error_span!("request", id = %id.0, method = %method, path = %path);
    let result = next.call(req).instrument(span).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(mut res) => {
            let user = res
                .request()
                .extensions()
                .get::<SessionData>()
                .and_then(|s| s.user.as_ref().map(|u| u.username.clone()))
                .unwrap_or_else(|| "-".into());
            if let Ok(value) = HeaderValue::from_str(&id.0) {
                res.headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), value);
            }
            // The server's own time, for benchmarks and the browser's developer tools, only
            // when the configuration asks for it.
            let timing = res
                .request()
                .app_data::<actix_web::web::Data<crate::web::AppState>>()
                .is_some_and(|s| s.config.server_timing);
            if timing {
                if let Ok(value) = HeaderValue::from_str(&format!("app;dur={elapsed_ms:.1}")) {
                    res.headers_mut()
                        .insert(HeaderName::from_static("server-timing"), value);
                }
            }
            // A health check that answers is a load balancer's every two seconds: logged at
            // debug (RUST_LOG=rapport::health=debug shows them), not one line each in the
            // journal; one that fails is logged as every request.
            if path == "/healthz" && res.status().is_success() {
                tracing::debug!(
                    target: "rapport::health",
                    method,
                    status = res.status().as_u16(),
                    duration_ms = format!("{elapsed_ms:.1}"),
                );
                return Ok(res);
            }
            tracing::info!(
                target: "rapport::request",
                method,
                path,
                status = res.status().as_u16(),
                duration_ms = format!("{elapsed_ms:.1}"),
                request_id = %id.0,
                user,
            );
            Ok(res)
        }
        Err(e) => {
            tracing::warn!(
                target: "rapport::request",
                method,
                path,
                status = e.as_response_error().status_code().as_u16(),
                duration_ms = format!("{elapsed_ms:.1}"),
                request_id = %id.0,
                error = %e,
            );
            Err(e)
        }
    }
}

/// Whether the request's body is a form, URL-encoded.
pub(crate) fn is_url_encoded(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// Reads a request's body (up to the form limit) and puts it back for the handler. Over the
/// limit is 413; a body that breaks off is 400.
pub async fn read_body(req: &mut ServiceRequest) -> Result<Bytes, AppError> {
    match req.extract::<Bytes>().await {
        Ok(body) => {
            req.set_payload(Payload::from(body.clone()));
            Ok(body)
        }
        Err(e) if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(AppError::PayloadTooLarge)
        }
        Err(e) => Err(AppError::BadRequest {
            field: "body".into(),
            message: format!("the request's body could not be read ({e})"),
        }),
    }
}

const NUL_MESSAGE: &str = "it contains a NUL character (a zero byte), which cannot be stored.";
const NOT_UTF8_MESSAGE: &str = "it is not text in UTF-8 (a byte of another encoding was sent), \
     so it cannot be read as it was typed.";

/// Whether URL-encoded `part` (a name or a value) decodes to UTF-8.
fn decodes_to_utf8(part: &[u8]) -> bool {
    let mut bytes = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (part[i], part.get(i + 1), part.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                bytes.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&bytes).is_ok()
}

/// Reads URL-encoded pairs: `Err` with the name of the first pair that holds a NUL byte,
/// or bytes that are not UTF-8 (they were read as "�", and stored so, silently), and why;
/// else `Ok` with the pairs composed (`db::text::composed`), or `None` when they all are
/// already. Text of plain ASCII without `%` escapes (most query strings) is neither, and is
/// not decoded at all; other text is checked for UTF-8 pair by pair before it is decoded.
pub(crate) fn checked(encoded: &[u8]) -> Result<Option<String>, (String, &'static str)> {
    if encoded.iter().all(|&b| b != 0 && b != b'%' && b.is_ascii()) {
        return Ok(None);
    }
    for pair in encoded.split(|&b| b == b'&') {
        let mut parts = pair.splitn(2, |&b| b == b'=');
        let name = parts.next().unwrap_or_default();
        let value = parts.next().unwrap_or_default();
        if !decodes_to_utf8(name) || !decodes_to_utf8(value) {
            let field = url::form_urlencoded::parse(pair)
                .next()
                .map(|(k, _)| k.replace(['\0', '\u{FFFD}'], ""))
                .unwrap_or_default();
            return Err((field, NOT_UTF8_MESSAGE));
        }
    }
    let pairs: Vec<_> = url::form_urlencoded::parse(encoded).collect();
    if let Some((k, _)) = pairs
        .iter()
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        return Err((k.replace('\0', ""), NUL_MESSAGE));
    }
    if pairs
        .iter()
        .all(|(k, v)| unicode_normalization::is_nfc(k) && unicode_normalization::is_nfc(v))
    {
        return Ok(None);
    }
    let compose = crate::db::text::composed;
    Ok(Some(
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (compose(k), compose(v))))
            .finish(),
    ))
}

/// Refuses NUL bytes before any handler sees them (PostgreSQL cannot store them in text, and
/// no field of Rapport's has a use for one): in the path or the query string, 400 naming the
/// parameter; in a form's field, 422 naming the field. Checked once here for every route.
/// And composes the query string's and a form's text (`db::text::composed`): a name typed
/// or pasted with its accents apart is stored, and searched for, as the letters it shows.
pub async fn check_text(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let raw_path = req.uri().path();
    // "%00" has no letters: no case to fold.
    if raw_path.contains('\0') || raw_path.contains("%00") {
        let e = AppError::BadRequest {
            field: "path".into(),
            message: format!("the address is not valid: {NUL_MESSAGE}"),
        };
        return Ok(req.error_response(e).map_into_right_body());
    }
    match checked(req.query_string().as_bytes()) {
        Err((field, message)) => {
            let e = AppError::BadRequest {
                field,
                message: message.into(),
            };
            return Ok(req.error_response(e).map_into_right_body());
        }
        Ok(Some(query)) => {
            if let Ok(uri) = format!("{}?{query}", req.uri().path()).parse() {
                req.head_mut().uri = uri;
            }
        }
        Ok(None) => {}
    }
    if is_url_encoded(&req) {
        let body = match read_body(&mut req).await {
            Ok(body) => body,
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        };
        match checked(&body) {
            Err((field, message)) => {
                let e = AppError::BadField {
                    field,
                    message: message.into(),
                };
                return Ok(req.error_response(e).map_into_right_body());
            }
            Ok(Some(form)) => {
                if let Ok(length) = HeaderValue::from_str(&form.len().to_string()) {
                    req.headers_mut().insert(header::CONTENT_LENGTH, length);
                }
                req.set_payload(Payload::from(Bytes::from(form)));
            }
            Ok(None) => {}
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Marks a request that came as HEAD: what would only make its body (a download's export)
/// need not run.
#[derive(Clone, Copy, Debug)]
pub struct AskedHead;

/// A HEAD request is answered as its GET would be, without the body (HTTP's rule; the
/// server leaves out the body of a response to HEAD). Monitoring that checks `/healthz`
/// with HEAD, or `curl -I`, would otherwise find no route and a 404.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.extensions_mut().insert(AskedHead);
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// Static assets may be kept by the browser: for a year at the versioned address a page links
/// them with, else revalidated (ETag, Last-Modified) before each use (see `web::assets`).
pub async fn cache_static(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let cache = req
        .path()
        .starts_with("/static/")
        .then(|| crate::web::assets::cache_control(req.path(), req.query_string()));
    let mut res = next.call(req).await?;
    if let Some(cache) = cache {
        if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        }
    }
    Ok(res)
}

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'; form-action 'self'; img-src 'self' data:";

/// Headers on every response. HSTS only when the cookie is `Secure` (served over TLS).
pub fn security_headers(hsts: bool) -> DefaultHeaders {
    let mut headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
        .add(("Cache-Control", "no-store"));
    if hsts {
        headers = headers.add(("Strict-Transport-Security", "max-age=31536000"));
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_anywhere_in_a_field_names_it() {
        let field_with_nul = |encoded: &[u8]| checked(encoded).err().map(|(field, _)| field);
        assert_eq!(field_with_nul(b"q=abc&type=company"), None);
        assert_eq!(field_with_nul(b"q=a%00b&type=x").as_deref(), Some("q"));
        assert_eq!(field_with_nul(b"name=ok&city=%00").as_deref(), Some("city"));
        assert_eq!(field_with_nul(b"na%00me=ok").as_deref(), Some("name"));
    }

    #[test]
    fn bytes_not_utf8_name_their_field() {
        let refused = |encoded: &[u8]| checked(encoded).err();
        assert_eq!(
            refused(b"type=x&name=K%E6re"),
            Some(("name".to_string(), NOT_UTF8_MESSAGE))
        );
        assert_eq!(refused(b"name=K%C3%A6re+%25+50%"), None);
        assert_eq!(refused(b"q=%FF%FE").map(|r| r.0).as_deref(), Some("q"));
        assert!(decodes_to_utf8(b"%e2%80%93") && !decodes_to_utf8(b"%e2%80"));
    }

    #[test]
    fn text_is_composed_and_plain_text_left_undecoded() {
        assert_eq!(
            checked(b"q=a%CC%8Arhus&type=x"),
            Ok(Some("q=%C3%A5rhus&type=x".into()))
        );
        assert_eq!(checked(b"q=%C3%A5rhus&type=x"), Ok(None));
        assert_eq!(checked(b"q=plain+text&sort=city"), Ok(None));
        assert_eq!(checked(b""), Ok(None));
    }
}
