//! Request ids and the request log, and the security headers sent with every response.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::HttpMessage;
use rand::RngCore;
use tracing::Instrument;

use crate::auth::SessionData;

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

/// One log line per request: method, path, status, duration, request id, user.
pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = RequestId::new();
    req.extensions_mut().insert(id.clone());
    let method = req.method().to_string();
    let path = req.path().to_string();
    let span = tracing::info_span!("request", id = %id.0);
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
            // The server's own time, for benchmarks and the browser's developer tools.
            if let Ok(value) = HeaderValue::from_str(&format!("app;dur={elapsed_ms:.1}")) {
                res.headers_mut()
                    .insert(HeaderName::from_static("server-timing"), value);
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
