//! Log Segment: the check page (what logging writes and every problem at once), and logging.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::Connection;
use serde::Deserialize;

use crate::admin::audit::{self, Actor};
use crate::auth::{client_ip, session, Staff};
use crate::campaigns::pages::refresh_figures_later;
use crate::segments::domain::header::{self, Segment, SegmentStatus};
use crate::segments::domain::lines::money;
use crate::segments::domain::log::{self, Check, Logged};
use crate::segments::domain::stored::StepKind;
use crate::segments::domain::totals;
use crate::segments::pages::on_locked_segment;
use crate::web::pagination::counted;
use crate::web::AppState;
use crate::web::{filters, long, redirect, render, AppError, AppResult, Flash, Layout};

#[derive(Template)]
#[template(path = "segments/log.html")]
pub struct LogPage {
    pub layout: Layout,
    pub segment: Segment,
    pub check: Check,
    pub follow_up: bool,
    /// What the page shows of the segment ([`log::shown_token`]), sent back with Log.
    pub shown: String,
    /// The segment changed between the page the user saw and their click on Log.
    pub changed: bool,
}

impl LogPage {
    pub fn cost_text(&self) -> String {
        money(&self.check.summary.total_cost)
    }
}

/// `GET /segments/{no}/log`: what logging will write, and every problem at once.
#[get("/segments/{no}/log")]
pub async fn page(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let (segment, check, shown) = long(&state.long_pool, move |conn| {
        let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let check = log::check(conn, &segment)?;
        let shown = log::shown_token(&segment, &totals::figures(conn, &segment)?);
        Ok((segment, check, shown))
    })
    .await?;
    if !segment.is_draft() {
        return Ok(redirect(&format!("/segments/{}", segment.no)));
    }
    let status = crate::web::status_of(!check.passes());
    render(
        status,
        &LogPage {
            layout,
            segment,
            check,
            follow_up: false,
            shown,
            changed: false,
        },
    )
}

#[derive(Deserialize)]
pub struct LogForm {
    #[serde(default)]
    follow_up: Option<String>,
    /// What the check page showed ([`log::shown_token`]); absent, the segment as it is.
    #[serde(default)]
    shown: String,
}

enum Outcome {
    /// Where to go next, and the campaign whose entries were written.
    Done(String, Option<String>),
    /// Refused by its checks (`None`), or changed since the check page (what the page shows
    /// now): shown again as it is now, nothing written.
    Refused(Box<Segment>, Box<Check>, Option<String>),
}

/// `POST /segments/{no}/log`: logs the segment once — a second submission (double click,
/// back button, a colleague at the same moment) finds it logged and writes nothing.
#[post("/segments/{no}/log")]
pub async fn log_segment(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<LogForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let form = form.into_inner();
    let follow_up = form.follow_up.is_some();
    let shown = form.shown;
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let outcome = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let segment = super::locked(conn, &no)?;
            let here = format!("/segments/{}", segment.no);
            if !segment.is_draft() {
                // This user's own second click (a double click, or Log sent again): the first
                // one's message, with what it wrote and the follow-up's No., stays if it is
                // still to be shown; a colleague is told who logged it.
                let own_just_now = segment.logged_by == user.username
                    && segment
                        .logged_at
                        .is_some_and(|at| chrono::Utc::now() - at < chrono::Duration::minutes(2));
                let by = match (&segment.logged_at, segment.logged_by.as_str()) {
                    (Some(at), who) if !who.is_empty() && !own_just_now => format!(
                        " (logged by {who} at {})",
                        filters::local_datetime_text(*at)
                    ),
                    _ => String::new(),
                };
                let flash = Flash::info(format!(
                    "Segment {} is {} already{by}: nothing was logged again.",
                    segment.no,
                    segment.status.label().to_lowercase()
                ));
                if own_just_now {
                    session::set_flash_unless_waiting(conn, &session, flash)?;
                } else {
                    session::set_flash(conn, &session, flash)?;
                }
                return Ok(Outcome::Done(here, None));
            }
            if !shown.is_empty() {
                let now = log::shown_token(&segment, &totals::figures(conn, &segment)?);
                if now != shown {
                    let check = log::check(conn, &segment)?;
                    return Ok(Outcome::Refused(
                        Box::new(segment),
                        Box::new(check),
                        Some(now),
                    ));
                }
            }
            match log::log(conn, &segment, &user, follow_up)? {
                Logged::Refused(check) => Ok(Outcome::Refused(Box::new(segment), check, None)),
                Logged::Done { entries, follow_up } => {
                    audit::record(
                        conn,
                        Actor::User(&user),
                        "segment logged",
                        &segment.no,
                        &format!(
                            "{}{}{}",
                            crate::web::pagination::counted_plain(
                                entries,
                                "interaction",
                                "interactions"
                            ),
                            // The campaign's entry too: searching the trail for the campaign
                            // found only its own changes.
                            campaign_said(&segment),
                            follow_up
                                .as_ref()
                                .map(|f| format!(", follow-up {f}"))
                                .unwrap_or_default()
                        ),
                        &ip,
                    )?;
                    // The follow-up's one step (Reuse Segment of this one, a line for each of
                    // its entries), in the trail as every other step is.
                    if let Some(f) = &follow_up {
                        audit::record(
                            conn,
                            Actor::User(&user),
                            "segment step",
                            f,
                            &format!("{}: +{entries} −0", StepKind::ReuseSegment),
                            &ip,
                        )?;
                    }
                    let mut message = format!(
                        "Segment {} logged: {} written{}.",
                        segment.no,
                        counted(entries, "interaction", "interactions"),
                        if segment.campaign_no.is_some() {
                            " and a campaign entry"
                        } else {
                            ""
                        }
                    );
                    if let Some(f) = &follow_up {
                        message.push_str(&format!(" Follow-up segment {f} created."));
                    }
                    session::set_flash(conn, &session, Flash::success(message))?;
                    Ok(Outcome::Done(here, segment.campaign_no.clone()))
                }
            }
        })
    })
    .await?;
    match outcome {
        Outcome::Done(location, campaign) => {
            refresh_figures_later(&state, campaign);
            Ok(redirect(&location))
        }
        Outcome::Refused(segment, check, changed) => render(
            if changed.is_some() {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            &LogPage {
                layout,
                segment: *segment,
                check: *check,
                follow_up,
                changed: changed.is_some(),
                shown: changed.unwrap_or_default(),
            },
        ),
    }
}

/// The Cancel and Restore forms as sent.
#[derive(serde::Deserialize)]
pub struct StatusForm {
    /// The segment's version the page showed; empty from a form that does not say.
    #[serde(default)]
    version: String,
}

/// Cancel (a logged segment) or Restore (a canceled one).
async fn set_canceled(
    req: HttpRequest,
    user: crate::auth::CurrentUser,
    state: web::Data<AppState>,
    no: String,
    canceling: bool,
    form: StatusForm,
) -> AppResult<HttpResponse> {
    let shown: Option<i32> = form.version.trim().parse().ok();
    // The segment's campaign, read under its lock, for its figures once this has committed.
    let campaign = std::sync::Arc::new(std::sync::Mutex::new(None));
    let changed = campaign.clone();
    let response = on_locked_segment(&req, &state, no, move |conn, segment, ip| {
        let here = format!("/segments/{}", segment.no);
        let wanted = if canceling {
            SegmentStatus::Logged
        } else {
            SegmentStatus::Canceled
        };
        if segment.status != wanted {
            return Ok((
                Flash::info(format!(
                    "Segment {} is {}: nothing to {}.",
                    segment.no,
                    segment.status.label().to_lowercase(),
                    if canceling { "cancel" } else { "restore" }
                )),
                here,
            ));
        }
        // As the page showed it, but changed since and back (a colleague's Restore after
        // this Cancel's page was opened, then sent again by Back): refused, said. It undid
        // the colleague's Restore unseen.
        if shown.is_some_and(|v| v != segment.version) {
            return Ok((
                Flash::error(format!(
                    "Segment {} was {} and {} after your page was opened: nothing was {}. {} \
                     it again if you still mean to.",
                    segment.no,
                    if canceling { "canceled" } else { "restored" },
                    if canceling { "restored" } else { "canceled" },
                    if canceling { "canceled" } else { "restored" },
                    if canceling { "Cancel" } else { "Restore" },
                )),
                here,
            ));
        }
        let entries = if canceling {
            log::cancel(conn, &segment, &user)?
        } else {
            log::restore(conn, &segment)?
        };
        if let Ok(mut campaign) = changed.lock() {
            *campaign = segment.campaign_no.clone();
        }
        let what = if canceling { "canceled" } else { "restored" };
        audit::record(
            conn,
            Actor::User(&user),
            &format!("segment {what}"),
            &segment.no,
            &format!(
                "{}{}",
                crate::web::pagination::counted_plain(
                    entries as i64,
                    "interaction",
                    "interactions"
                ),
                campaign_said(&segment)
            ),
            ip,
        )?;
        Ok((
            Flash::success(format!(
                "Segment {} {what}: {}{} {}.",
                segment.no,
                counted(entries, "interaction", "interactions"),
                if segment.campaign_no.is_some() {
                    " and its campaign entry"
                } else {
                    ""
                },
                // "1 interaction no longer counts"; with a campaign entry, or several, "count".
                match (canceling, entries == 1 && segment.campaign_no.is_none()) {
                    (true, true) => "no longer counts",
                    (true, false) => "no longer count",
                    (false, true) => "counts again",
                    (false, false) => "count again",
                }
            )),
            here,
        ))
    })
    .await?;
    let campaign = campaign.lock().ok().and_then(|mut c| c.take());
    refresh_figures_later(&state, campaign);
    Ok(response)
}

#[derive(Template)]
#[template(path = "segments/cancel.html")]
pub struct CancelPage {
    pub layout: Layout,
    pub segment: Segment,
    /// Its interactions that count now, which canceling takes out of every figure.
    pub entries: i64,
}

/// `GET /segments/{no}/cancel`: what canceling a logged segment does, to confirm (Business
/// Central asks too); reading only.
#[get("/segments/{no}/cancel")]
pub async fn cancel_confirm(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let (segment, entries) = long(&state.long_pool, move |conn| {
        let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let entries = log::counting_entries(conn, &segment)?;
        Ok((segment, entries))
    })
    .await?;
    if segment.status != SegmentStatus::Logged {
        return Ok(redirect(&format!("/segments/{}", segment.no)));
    }
    render(
        StatusCode::OK,
        &CancelPage {
            layout,
            segment,
            entries,
        },
    )
}

/// `POST /segments/{no}/cancel`: its entries and campaign entry are marked canceled.
#[post("/segments/{no}/cancel")]
pub async fn cancel(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    set_canceled(req, user, state, path.into_inner(), true, form.into_inner()).await
}

/// `POST /segments/{no}/restore`: a canceled segment is Logged again, its entries count again.
#[post("/segments/{no}/restore")]
pub async fn restore(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    set_canceled(
        req,
        user,
        state,
        path.into_inner(),
        false,
        form.into_inner(),
    )
    .await
}

/// ", campaign CP0001" of a segment with a campaign, for the audit trail's detail of its log,
/// cancel and restore (a search for the campaign found only its own changes).
fn campaign_said(segment: &crate::segments::domain::header::Segment) -> String {
    segment
        .campaign_no
        .as_ref()
        .map(|c| format!(", campaign {c}"))
        .unwrap_or_default()
}
