//! The segment pages: thin handlers that read the form, call the domain, and render or
//! redirect.

pub mod delete;
pub mod export;
pub mod go_back;
pub mod header;
pub mod lines;
pub mod list;
pub mod log;
pub mod mailing;
pub mod refresh;
pub mod reuse;
pub mod saved;
pub mod show;
pub mod why;
pub mod wizard;

impl From<crate::segments::domain::steps::RunError> for crate::web::AppError {
    fn from(e: crate::segments::domain::steps::RunError) -> Self {
        use crate::segments::domain::steps::RunError;
        match e {
            RunError::NotFound => crate::web::AppError::NotFound,
            RunError::NotDraft { no, status } => not_draft(&no, status),
            RunError::Db(e) => e.into(),
        }
    }
}

/// The answer to a change of a segment that is no longer a draft: what it is, and what can be
/// done instead.
pub(super) fn not_draft(
    no: &str,
    status: crate::segments::domain::header::SegmentStatus,
) -> crate::web::AppError {
    use crate::segments::domain::header::SegmentStatus;
    let message = match status {
        SegmentStatus::Draft => format!("Segment {no} is a draft and can be changed."),
        SegmentStatus::Logged => format!(
            "Segment {no} is logged: it is the record of the interactions it wrote, so its \
             header and lines can no longer be changed and nothing was changed now. To work \
             with the same contacts, create a new segment and use Reuse Segment {no}."
        ),
        SegmentStatus::Canceled => format!(
            "Segment {no} is canceled: it stays the record of what was logged, so its header \
             and lines can no longer be changed and nothing was changed now. Restore it, or \
             create a new segment and use Reuse Segment {no}."
        ),
    };
    crate::web::AppError::Refused {
        message,
        back: format!("/segments/{no}"),
    }
}

/// Segment `no`, locked for a change. One deleted after the page was opened (by a colleague,
/// or in another tab) is said — by whom and when, and that nothing was saved — not answered
/// with a bare "Page not found".
pub(super) fn locked(
    conn: &mut diesel::PgConnection,
    no: &str,
) -> Result<crate::segments::domain::header::Segment, crate::web::AppError> {
    match crate::segments::domain::header::lock(conn, no)? {
        Some(segment) => Ok(segment),
        None => Err(deleted_meanwhile(conn, no)),
    }
}

/// A step's failure as its page answers it: a segment deleted meanwhile as [`locked`] says it.
pub(super) fn step_failed(
    conn: &mut diesel::PgConnection,
    no: &str,
    e: crate::segments::domain::steps::RunError,
) -> crate::web::AppError {
    match e {
        crate::segments::domain::steps::RunError::NotFound => deleted_meanwhile(conn, no),
        e => e.into(),
    }
}

pub(super) fn deleted_meanwhile(conn: &mut diesel::PgConnection, no: &str) -> crate::web::AppError {
    crate::admin::audit::gone_meanwhile(conn, ("segment deleted", "segment", no), "/segments")
}

/// Fails with [`not_draft`] unless the segment is a draft.
pub(super) fn must_be_draft(
    segment: &crate::segments::domain::header::Segment,
) -> Result<(), crate::web::AppError> {
    if segment.is_draft() {
        Ok(())
    } else {
        Err(not_draft(&segment.no, segment.status))
    }
}

/// Runs `act` on segment `no`, locked, as one transaction; `act` gets the segment and the
/// client's address and says what to tell the user and where to go next (Post/Redirect/Get).
pub(super) async fn on_locked_segment(
    req: &actix_web::HttpRequest,
    state: &actix_web::web::Data<crate::web::AppState>,
    no: String,
    act: impl FnOnce(
            &mut diesel::PgConnection,
            crate::segments::domain::header::Segment,
            &str,
        ) -> Result<(crate::web::Flash, String), crate::web::AppError>
        + Send
        + 'static,
) -> crate::web::AppResult<actix_web::HttpResponse> {
    use diesel::Connection;
    let session = crate::auth::session::current(req)?;
    let ip = crate::auth::client_ip(req, state.config.trust_proxy);
    let location = crate::web::long(&state.long_pool, move |conn| {
        conn.transaction::<_, crate::web::AppError, _>(|conn| {
            let Some(segment) = crate::segments::domain::header::lock(conn, &no)? else {
                let no = no.trim().to_uppercase();
                let gone = ("segment deleted", "segment", no.as_str());
                return crate::admin::audit::gone_to_list(conn, &session, gone, "/segments");
            };
            let (flash, location) = act(conn, segment, &ip)?;
            // "Nothing to do" (the same button sent twice: a double click) leaves the first
            // sending's message, which says what it did.
            if flash.kind == crate::web::layout::FlashKind::Info {
                crate::auth::session::set_flash_unless_waiting(conn, &session, flash)?;
            } else {
                crate::auth::session::set_flash(conn, &session, flash)?;
            }
            Ok(location)
        })
    })
    .await?;
    Ok(crate::web::redirect(&location))
}
