//! The one error type of request handlers. Form validation failures are not errors: handlers
//! render the form again with status 422.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Not allowed to this user (its role): `message` says what it takes, shown on the 403 page.
    #[error("forbidden: {message}")]
    Forbidden { message: String },
    /// Not signed in: redirect to the sign-in page, then back to `next`.
    #[error("sign-in required")]
    Unauthenticated { next: String },
    /// The form's anti-forgery token or the request's origin did not check out.
    #[error("the request could not be verified")]
    Csrf,
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    /// What the address names is under another one now (a setup code renamed since a link to
    /// it was kept): a redirect there.
    #[error("moved to {to}")]
    Moved { to: String },
    /// Bad input that no form page can show: a NUL byte in the address, say. `field` names
    /// the query parameter (or `path`).
    #[error("bad request: {message}")]
    BadRequest { field: String, message: String },
    /// A form field that cannot be stored (a NUL byte), refused before any handler runs.
    #[error("unprocessable field {field}: {message}")]
    BadField { field: String, message: String },
    /// The request body is over the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// A change that the thing's state does not allow (a logged segment is a record): a 409
    /// page that says why and what can be done instead, with a link back to `back`.
    #[error("refused: {message}")]
    Refused { message: String, back: String },
    /// Someone else's change won a race the form did not foresee (a unique or foreign-key
    /// violation outside the create and rename forms, which name the field instead).
    #[error("conflict")]
    Conflict(#[source] anyhow::Error),
    /// Busy, not broken: no pooled connection came free in time, or a lock wait, deadlock or
    /// serialization failure ended the transaction. Nothing was changed; try again shortly.
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A defect or an outage: a 500 page with the request id; the cause goes to the log.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// An error no page can explain, unless it is a database error of a kind that has its
    /// own answer (see `From<anyhow::Error>`).
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::from(e.into())
    }

    /// The error and its causes, outermost first, on one line for the log: the page shows
    /// only the request id, the log line of that request says what went wrong.
    pub fn cause_chain(&self) -> String {
        chain(self)
    }
}

/// `e` and every `source()` under it, joined by ": ".
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// Seconds a client is asked to wait after a 503.
pub const RETRY_AFTER_BUSY: u64 = 2;

/// Whether a database error is contention rather than a defect: the transaction was rolled
/// back and the same request may well succeed a moment later. diesel does not expose the
/// SQLSTATE of every case, so lock timeouts and deadlocks are told by PostgreSQL's message
/// (its messages are English in Rapport's clusters: `lc_messages` is C).
pub fn is_contention(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("deadlock detected")
                || m.contains("lock timeout")
                || m.contains("could not obtain lock")
                || m.contains("could not serialize access")
        }
        _ => false,
    }
}

/// Whether a database error is the connection's: the database was restarted (or failed
/// over) since the pooled connection was opened, and ended it. Nothing of the request was
/// kept (its transaction died with the connection) and the pool drops the connection, so the
/// same request succeeds on a fresh one: a 503 to retry, as for contention, not a 500.
pub fn is_connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("terminating connection")
                || m.contains("server closed the connection")
                || m.contains("no connection to the server")
                || m.contains("connection to server")
        }
        _ => false,
    }
}

/// A unique or foreign-key violation: two people created or renamed the same thing at once,
/// or what a form referred to was deleted meanwhile.
pub fn is_constraint_race(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        e,
        Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation,
            _
        )
    )
}

/// A unique violation, the one a create or rename form turns into a message next to its
/// field.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The column of a violated unique or foreign-key constraint of `table`, read from its name
/// as PostgreSQL makes it (`<table>_<column>_key`, `<table>_<column>_fkey`).
pub fn violated_column(e: &diesel::result::Error, table: &str) -> Option<String> {
    let diesel::result::Error::DatabaseError(_, info) = e else {
        return None;
    };
    let name = info.constraint_name()?;
    let rest = name.strip_prefix(table)?.strip_prefix('_')?;
    let column = rest
        .strip_suffix("_fkey")
        .or_else(|| rest.strip_suffix("_key"))?;
    Some(column.to_string())
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            other => AppError::from(anyhow::Error::from(other)),
        }
    }
}

/// An error from below, sorted by what it means for the client wherever it was wrapped:
/// contention (a database error of that kind, or no pooled connection in time) is a 503, a
/// lost unique or foreign-key race a 409, anything else a 500. The error itself is kept for
/// the log either way.
impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        if let Some(diesel::result::Error::QueryBuilderError(inner)) =
            e.downcast_ref::<diesel::result::Error>()
        {
            if let Some(used_up) = inner.downcast_ref::<crate::setup::number_series::UsedUp>() {
                return AppError::Refused {
                    message: used_up.to_string(),
                    back: format!("/setup/number-series/{}", used_up.code),
                };
            }
        }
        if let Some(db) = e.downcast_ref::<diesel::result::Error>() {
            // A connection the database ended or lost (it stopped, or restarted): said as
            // the database not reachable, not as Rapport busy.
            if is_connection_lost(db) {
                return AppError::Unavailable(e.context(NoDatabase));
            }
            if is_contention(db) {
                return AppError::Unavailable(e);
            }
            if is_constraint_race(db) {
                return AppError::Conflict(e);
            }
        }
        if e.downcast_ref::<diesel::r2d2::PoolError>().is_some() {
            return AppError::Unavailable(e);
        }
        AppError::Internal(e)
    }
}

/// r2d2's only error is "no connection came free in time": the pool is exhausted (or the
/// database is down, which `/healthz` tells apart).
impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(e.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("the blocking work did not finish: {e}"))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden { .. } | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthenticated { .. } | AppError::Moved { .. } => StatusCode::SEE_OTHER,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::BadField { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Conflict(_) | AppError::Refused { .. } => StatusCode::CONFLICT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A bare response; the error-page middleware ([`super::pages::render_error_page`]) turns
    /// it into a page in the site's layout.
    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Unauthenticated { next } => {
                let location = if next.is_empty() || next == "/" {
                    "/login".to_string()
                } else {
                    let encoded: String =
                        url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                    format!("/login?next={encoded}")
                };
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish()
            }
            AppError::Moved { to } => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to.as_str()))
                .finish(),
            AppError::TooManyRequests { retry_after } => HttpResponse::TooManyRequests()
                .insert_header((header::RETRY_AFTER, retry_after.to_string()))
                .finish(),
            AppError::BadRequest { field, message } | AppError::BadField { field, message } => {
                let mut res = HttpResponse::build(self.status_code()).finish();
                res.extensions_mut().insert(BadInput {
                    field: field.clone(),
                    message: message.clone(),
                });
                res
            }
            AppError::Forbidden { message } => {
                let mut res = HttpResponse::build(self.status_code()).finish();
                res.extensions_mut().insert(Denied {
                    message: message.clone(),
                });
                res
            }
            AppError::Refused { message, back } => {
                let mut res = HttpResponse::build(self.status_code()).finish();
                res.extensions_mut().insert(Refusal {
                    message: message.clone(),
                    back: back.clone(),
                });
                res
            }
            // Written inside the request's span: the line names the request id that the
            // page shows.
            AppError::Conflict(_) => {
                tracing::warn!(error = %self.cause_chain(), "refused a request that lost a race");
                HttpResponse::Conflict().finish()
            }
            AppError::Unavailable(e) if e.downcast_ref::<NoDatabase>().is_some() => {
                tracing::error!(error = %self.cause_chain(), "the database cannot be reached");
                let mut res = HttpResponse::ServiceUnavailable()
                    .insert_header((header::RETRY_AFTER, RETRY_AFTER_NO_DATABASE.to_string()))
                    .finish();
                res.extensions_mut().insert(NoDatabase);
                res
            }
            AppError::Unavailable(_) => {
                tracing::warn!(error = %self.cause_chain(), "busy: asked the client to retry");
                HttpResponse::ServiceUnavailable()
                    .insert_header((header::RETRY_AFTER, RETRY_AFTER_BUSY.to_string()))
                    .finish()
            }
            AppError::Internal(_) => {
                tracing::error!(error = %self.cause_chain(), "request failed");
                HttpResponse::InternalServerError().finish()
            }
            other => HttpResponse::build(other.status_code()).finish(),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// What was refused as bad input, carried in the response's extensions to the error page
/// ([`super::pages::render_error_page`]), which names the field.
#[derive(Clone, Debug)]
pub struct BadInput {
    pub field: String,
    pub message: String,
}

/// What a 403 for the user's role takes, carried to the error page like [`BadInput`] (a form's
/// out-of-date token has a page of its own).
#[derive(Clone, Debug)]
pub struct Denied {
    pub message: String,
}

/// No connection to the database could be made at all (none of the pool's is open, and none
/// came while the page waited): the database is down or unreachable, not busy. Carried to the
/// error page like [`BadInput`], which says so.
#[derive(Clone, Copy, Debug, thiserror::Error)]
#[error("no connection to the database could be made")]
pub struct NoDatabase;

/// How long a client is asked to wait when the database cannot be reached.
const RETRY_AFTER_NO_DATABASE: u64 = 30;

/// Why a change was refused and where to go back to, carried to the error page like
/// [`BadInput`].
#[derive(Clone, Debug)]
pub struct Refusal {
    pub message: String,
    pub back: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn db_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_string()))
    }

    #[test]
    fn contention_is_503_and_a_lost_race_409() {
        for (e, status) in [
            (
                db_error(DatabaseErrorKind::SerializationFailure, "x"),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (
                db_error(DatabaseErrorKind::Unknown, "deadlock detected"),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (
                db_error(
                    DatabaseErrorKind::Unknown,
                    "canceling statement due to lock timeout",
                ),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (
                db_error(DatabaseErrorKind::UniqueViolation, "duplicate key"),
                StatusCode::CONFLICT,
            ),
            (
                db_error(DatabaseErrorKind::ForeignKeyViolation, "violates"),
                StatusCode::CONFLICT,
            ),
            (
                db_error(DatabaseErrorKind::Unknown, "syntax error"),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
            (Error::NotFound, StatusCode::NOT_FOUND),
        ] {
            assert_eq!(AppError::from(e).status_code(), status);
        }
        let busy = AppError::Unavailable(anyhow::anyhow!("pool")).error_response();
        assert_eq!(
            busy.headers().get(header::RETRY_AFTER).unwrap(),
            &RETRY_AFTER_BUSY.to_string()
        );
    }

    #[test]
    fn a_database_error_wrapped_on_its_way_up_keeps_its_kind_and_its_causes() {
        use anyhow::Context;
        let wrapped = Err::<(), _>(db_error(DatabaseErrorKind::Unknown, "deadlock detected"))
            .context("moving the segment's lines")
            .unwrap_err();
        let e = AppError::from(wrapped);
        assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            e.cause_chain(),
            "service unavailable: moving the segment's lines: deadlock detected"
        );
        let raced = Err::<(), _>(db_error(
            DatabaseErrorKind::UniqueViolation,
            "duplicate key",
        ))
        .context("saving the code")
        .unwrap_err();
        assert_eq!(
            AppError::internal(raced).status_code(),
            StatusCode::CONFLICT
        );
        let io = std::io::Error::other("disk full");
        let e = AppError::internal(anyhow::Error::from(io).context("writing the export"));
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            e.cause_chain(),
            "internal error: writing the export: disk full"
        );
        let e = AppError::from(db_error(
            DatabaseErrorKind::Unknown,
            "syntax error at \"x\"",
        ));
        assert_eq!(e.cause_chain(), "internal error: syntax error at \"x\"");
    }
}
