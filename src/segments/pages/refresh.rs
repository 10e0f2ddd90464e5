//! Refresh: its preview (who joins, who leaves) and its application as one step.

use crate::auth::{client_ip, session, Role, SignedIn, Staff};
use crate::segments::domain::criteria::Criteria;
use crate::segments::domain::header::Segment;
use crate::segments::domain::refresh::{difference, read_ledger, replay};
use crate::segments::domain::steps::{run_step, Outcome, PreviewRow, StepError};
use crate::segments::domain::stored::StepKind;
use crate::segments::domain::{header, ledger, refresh, stored};
use crate::web::filters;
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
    /// The contacts of the lines that would leave (a contact on two lines leaves once).
    pub leaving_contacts: i64,
    /// Why the ledger cannot be replayed (a step that cannot be read), if it cannot.
    pub refused: Option<String>,
    /// Whether the user may apply it (viewers see the preview only).
    pub can_apply: bool,
    /// The segment's last step when the preview was made (`ledger::last_step`: its number and
    /// when it was recorded), sent back with Apply.
    pub seen: (i64, i64),
    /// Who the preview shows joining and leaving (`refresh::who`), sent back with Apply.
    pub who: String,
}

impl RefreshPage {
    fn new(layout: Layout, segment: Segment) -> RefreshPage {
        RefreshPage {
            layout,
            segment,
            outcome: Outcome::default(),
            joiners: Vec::new(),
            leavers: Vec::new(),
            leaving_contacts: 0,
            refused: None,
            can_apply: true,
            seen: (0, 0),
            who: String::new(),
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
/// A preview: who joins and leaves (counts and first rows), the last step seen, and who
/// (`refresh::who`); or why the ledger cannot be replayed.
type Previewed = Result<
    (
        (Outcome, Vec<PreviewRow>, Vec<PreviewRow>, i64),
        (i64, i64),
        String,
    ),
    String,
>;

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
            let who = refresh::who(conn)?;
            let seen = ledger::last_step(conn, segment.id)?
                .map_or((0, 0), |(seq, at)| (i64::from(seq), at));
            Ok((segment, Ok((diff, seen, who))))
        })
    })
    .await?;
    let ((outcome, joiners, leavers, leaving_contacts), seen, who) = match previewed {
        Ok(diff) => diff,
        Err(why) => return refused(layout, segment, why),
    };
    ok(&RefreshPage {
        outcome,
        joiners,
        leavers,
        leaving_contacts,
        seen,
        who,
        can_apply: user.role >= Role::Staff,
        ..RefreshPage::new(layout, segment)
    })
}

/// How applying a refresh ended.
enum Applied {
    Done(String),
    Refused(Box<Segment>, String),
}

/// What the preview sent with Apply: the segment's last step then, and how many it said would
/// join and leave. A form without them (an old page) applies what the replay finds.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    last: String,
    #[serde(default)]
    last_at: String,
    #[serde(default)]
    joining: String,
    #[serde(default)]
    leaving: String,
    #[serde(default)]
    who: String,
}

impl ApplyForm {
    fn seen(&self) -> Option<(i64, i64)> {
        self.last
            .trim()
            .parse()
            .ok()
            .zip(self.last_at.trim().parse().ok())
    }

    fn expected(&self) -> Option<refresh::Expected> {
        let (joining, leaving) = self
            .joining
            .trim()
            .parse()
            .ok()
            .zip(self.leaving.trim().parse().ok())?;
        Some((joining, leaving, self.who.trim().to_string()))
    }
}

/// Applies the refresh as one step: joiners get lines, leavers' lines are removed. Only what
/// its preview showed: a step recorded since, or other numbers joining and leaving now (a
/// colleague's change, contacts changed), write nothing and lead back to the preview as it is
/// now, with the reason.
#[post("/segments/{no}/refresh")]
pub async fn apply(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ApplyForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let form = form.into_inner();
    let (seen, expected) = (form.seen(), form.expected());
    let applied = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            // Locked first, so the ledger read here is the one replayed.
            let segment = super::locked(conn, &no)?;
            let again = format!("/segments/{}/refresh", segment.no);
            if let Some(seen) = seen {
                let now = ledger::last_step(conn, segment.id)?
                    .map_or((0, 0), |(seq, at)| (i64::from(seq), at));
                if segment.is_draft() && now != seen {
                    let steps = ledger::load(conn, segment.id)?;
                    let note = stored::note(StepKind::Refresh, &Criteria::default(), "");
                    let kind = StepKind::Refresh;
                    if let Some(first) =
                        super::wizard::applied_before(&steps, Some(seen), kind, &note, &user)
                    {
                        session::set_flash_unless_waiting(conn, &session, first)?;
                        return Ok(Applied::Done(format!("/segments/{}", segment.no)));
                    }
                    let flash = Flash::error(super::wizard::changed_since_preview(&steps));
                    session::set_flash(conn, &session, flash)?;
                    return Ok(Applied::Done(again));
                }
            }
            let steps = ledger::load(conn, segment.id)?;
            let ledger = match read_ledger(conn, &steps)? {
                Ok(ledger) => ledger,
                Err(why) => return Ok(Applied::Refused(Box::new(segment), why)),
            };
            let note = stored::note(StepKind::Refresh, &Criteria::default(), "");
            let differs = std::cell::Cell::new(None);
            let result = run_step(
                conn,
                &no,
                StepKind::Refresh,
                &user,
                &ip,
                note,
                |conn, segment, seq| match refresh::apply(conn, segment, seq, &ledger, expected)? {
                    Ok(outcome) => Ok(outcome),
                    Err(found) => {
                        differs.set(Some(found));
                        Err(StepError::Invalid(Vec::new()))
                    }
                },
            )
            .map_err(|e| super::step_failed(conn, &no, e))?;
            if let Some(found) = differs.take() {
                let flash = Flash::error(format!(
                    "Nothing was applied: who would join and leave changed after the preview was \
                     shown (contacts or the steps' filters changed meanwhile). Now {} would join \
                     and {} would be removed, as below: apply it if it is what you want.",
                    ledger::contacts(found.added),
                    ledger::lines(found.removed)
                ));
                session::set_flash(conn, &session, flash)?;
                return Ok(Applied::Done(again));
            }
            let (segment, outcome) = result.map_err(|(_, e)| to_app(StepError::Invalid(e)))?;
            session::set_flash(
                conn,
                &session,
                if outcome.changed() {
                    Flash::success(format!(
                        "Refreshed: {} joined, {} removed.",
                        ledger::contacts(outcome.added),
                        ledger::lines(outcome.removed)
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
