//! Refresh: its preview (who joins, who leaves) and its application as one step.

use crate::auth::{client_ip, session, Role, SignedIn, Staff};
use crate::segments::domain::criteria::Criteria;
use crate::segments::domain::header::Segment;
use crate::segments::domain::refresh::{difference, read_ledger, replay};
use crate::segments::domain::steps::{run_step, Outcome, PreviewRow, StepError};
use crate::segments::domain::stored::StepKind;
use crate::segments::domain::{header, ledger, refresh, stored};
use crate::web::filters;
use crate::web::pagination::thousands;
use crate::web::AppState;
use crate::web::{long, ok, redirect, render, AppError, AppResult, Flash, Layout};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;

#[derive(Template)]
#[template(path = "segments/refresh.html")]
pub struct RefreshPage {
    pub layout: Layout,
    pub segment: Segment,
    pub outcome: Outcome,
    pub joiners: Vec<PreviewRow>,
    pub leavers: Vec<PreviewRow>,
    /// Why the ledger cannot be replayed (a step that cannot be read), if it cannot.
    pub refused: Option<String>,
    /// Whether the user may apply it (viewers see the preview only).
    pub can_apply: bool,
}

impl RefreshPage {
    fn new(layout: Layout, segment: Segment) -> RefreshPage {
        RefreshPage {
            layout,
            segment,
            outcome: Outcome::default(),
            joiners: Vec::new(),
            leavers: Vec::new(),
            refused: None,
            can_apply: true,
        }
    }
}

fn to_app(e: StepError) -> AppError {
    match e {
        StepError::Db(e) => e.into(),
        StepError::Invalid(errors) => AppError::internal(anyhow::anyhow!(
            "the ledger no longer parses: {}",
            errors
                .iter()
                .map(|e| e.message())
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// What the preview found: the difference, or why the ledger cannot be replayed.
type Previewed = Result<(Outcome, Vec<PreviewRow>, Vec<PreviewRow>), String>;

fn refused(layout: Layout, segment: Segment, why: String) -> AppResult<HttpResponse> {
    let mut page = RefreshPage::new(layout, segment);
    page.refused = Some(why);
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// The preview: the ledger replayed, nothing changed (viewers may open it too).
#[get("/segments/{no}/refresh")]
pub async fn preview(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let (segment, previewed): (Segment, Previewed) = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
            let steps = ledger::load(conn, segment.id)?;
            let ledger = match read_ledger(conn, &steps)? {
                Ok(ledger) => ledger,
                Err(why) => return Ok((segment, Err(why))),
            };
            replay(conn, &segment, &ledger).map_err(to_app)?;
            let diff = difference(conn, &segment)?;
            Ok((segment, Ok(diff)))
        })
    })
    .await?;
    let (outcome, joiners, leavers) = match previewed {
        Ok(diff) => diff,
        Err(why) => return refused(layout, segment, why),
    };
    ok(&RefreshPage {
        outcome,
        joiners,
        leavers,
        can_apply: user.role >= Role::Staff,
        ..RefreshPage::new(layout, segment)
    })
}

/// How applying a refresh ended.
enum Applied {
    Done(String),
    Refused(Box<Segment>, String),
}

/// Applies the refresh as one step: joiners get lines, leavers' lines are removed.
#[post("/segments/{no}/refresh")]
pub async fn apply(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let applied = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            // Locked first, so the ledger read here is the one replayed.
            let segment = header::lock(conn, &no)?.ok_or(AppError::NotFound)?;
            let steps = ledger::load(conn, segment.id)?;
            let ledger = match read_ledger(conn, &steps)? {
                Ok(ledger) => ledger,
                Err(why) => return Ok(Applied::Refused(Box::new(segment), why)),
            };
            let note = stored::note(StepKind::Refresh, &Criteria::default(), "");
            let result = run_step(
                conn,
                &no,
                StepKind::Refresh,
                &user,
                &ip,
                note,
                |conn, segment, seq| refresh::apply(conn, segment, seq, &ledger),
            )?;
            let (segment, outcome) = result.map_err(|(_, e)| to_app(StepError::Invalid(e)))?;
            session::set_flash(
                conn,
                &session,
                if outcome.changed() {
                    Flash::success(format!(
                        "Refreshed: {} joined, {} left.",
                        thousands(outcome.added),
                        thousands(outcome.removed)
                    ))
                } else {
                    super::wizard::step_flash("Refresh", StepKind::Refresh, &outcome)
                },
            )?;
            Ok(Applied::Done(format!("/segments/{}", segment.no)))
        })
    })
    .await?;
    match applied {
        Applied::Done(location) => Ok(redirect(&location)),
        Applied::Refused(segment, why) => refused(layout, *segment, why),
    }
}
