//! Go Back: undo the last step, or go back to any step after a confirmation page.

use crate::admin::audit;
use crate::admin::audit::Actor;
use crate::auth::{client_ip, session, Staff};
use crate::segments::domain::header::Segment;
use crate::segments::domain::ledger::{Step, UndoEffect};
use crate::segments::domain::{header, ledger, steps};
use crate::web::pagination::{counted, thousands};
use crate::web::AppState;
use crate::web::{db, long, ok, redirect, AppError, AppResult, Flash, Layout};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct GoBackForm {
    /// Go back to just after this step (0: before the first). Default: undo the last step.
    #[serde(default)]
    to: Option<String>,
    /// The last step the user saw: when the ledger has changed since, nothing is undone.
    #[serde(default)]
    last: Option<String>,
    /// When that step was recorded ([`ledger::Step::stamp`]): a step of the same number
    /// recorded since (after someone went back and stepped again) is another step.
    #[serde(default)]
    last_at: Option<String>,
}

impl GoBackForm {
    fn number(v: &Option<String>) -> Option<i32> {
        v.as_deref().and_then(|t| t.trim().parse::<i32>().ok())
    }
}

#[derive(Template)]
#[template(path = "segments/go_back.html")]
pub struct GoBackPage {
    pub layout: Layout,
    pub segment: Segment,
    /// The step gone back to (None: the start).
    pub kept: Option<Step>,
    pub undone: Vec<Step>,
    pub effect: UndoEffect,
}

/// `GET /segments/{no}/go-back?to=N`: what going back to step N undoes, to confirm (reading
/// only, like a preview).
#[get("/segments/{no}/go-back")]
pub async fn go_back_confirm(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<GoBackForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let to = GoBackForm::number(&query.to);
    let (segment, ledger, history) = db(&state.pool, move |conn| {
        let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let (ledger, history) = ledger::load_with_history(conn, segment.id, true)?;
        Ok((segment, ledger, history))
    })
    .await?;
    let last = ledger.last().map_or(0, |s| s.seq);
    if !segment.is_draft() || last == 0 {
        return Ok(redirect(&format!("/segments/{}", segment.no)));
    }
    let to = to.unwrap_or(last - 1).clamp(0, last - 1);
    let effect = UndoEffect::of(&history, to, last);
    let (kept, undone): (Vec<Step>, Vec<Step>) = ledger.into_iter().partition(|s| s.seq <= to);
    ok(&GoBackPage {
        layout,
        segment,
        kept: kept.into_iter().last(),
        undone,
        effect,
    })
}

#[post("/segments/{no}/go-back")]
pub async fn go_back(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<GoBackForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let form = form.into_inner();
    let to = GoBackForm::number(&form.to);
    let seen_last = GoBackForm::number(&form.last);
    let seen_at = form
        .last_at
        .as_deref()
        .and_then(|t| t.trim().parse::<i64>().ok());
    let location = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let segment = super::locked(conn, &no)?;
            super::must_be_draft(&segment)?;
            let here = format!("/segments/{}", segment.no);
            let (last, last_at) = ledger::last_step(conn, segment.id)?.unwrap_or((0, 0));
            if seen_last.is_some_and(|seen| seen != last)
                || seen_at.is_some_and(|seen| seen != last_at)
            {
                // Said as the wizard's Apply says it: how many steps, and the last one.
                let steps = ledger::load(conn, segment.id)?;
                let now = super::wizard::steps_now(&steps);
                // A second sending (a double click) leaves the first one's message, which says
                // what it undid.
                session::set_flash_unless_waiting(
                    conn,
                    &session,
                    Flash::error(format!(
                        "Nothing was undone: the steps of the segment changed meanwhile {now}. \
                         If this page was sent twice, its first sending went back. Look at the \
                         steps again before going back."
                    )),
                )?;
                return Ok(here);
            }
            let to = to.unwrap_or(last - 1).clamp(0, last);
            let flash = if last == 0 {
                Flash::error("There is no step to go back from.")
            } else if to == last {
                Flash::info("Nothing to undo.")
            } else {
                let went = ledger::go_back(conn, &segment, to)?;
                if went.deleted + went.back >= steps::BIG_CHANGE {
                    crate::db::analyze_after("segment_lines");
                }
                audit::record(
                    conn,
                    Actor::User(&user),
                    "segment go back",
                    &segment.no,
                    &format!(
                        "to step {to}: {} undone",
                        crate::web::pagination::counted_plain(went.steps as i64, "step", "steps")
                    ),
                    &ip,
                )?;
                Flash::success(format!(
                    "Went back {}: {} undone, {} back, {} out.",
                    if to == 0 {
                        "to the start".to_string()
                    } else {
                        format!("to step {to}")
                    },
                    counted(
                        i64::try_from(went.steps).unwrap_or(i64::MAX),
                        "step",
                        "steps"
                    ),
                    counted(went.back, "line", "lines"),
                    thousands(went.out)
                ))
            };
            session::set_flash(conn, &session, flash)?;
            Ok(here)
        })
    })
    .await?;
    Ok(redirect(&location))
}
