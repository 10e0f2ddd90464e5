//! Reuse Segment and Reuse Criteria: their pickers — the other segments (No., description,
//! size, status; searchable) and the saved criteria (code, description, steps) to choose
//! from, instead of a number typed from memory — and their actions.

use crate::auth::{client_ip, session, Staff};
use crate::segments::domain::criteria::Criteria;
use crate::segments::domain::header;
use crate::segments::domain::header::Segment;
use crate::segments::domain::list::{self, SegmentRow};
use crate::segments::domain::saved::{load_saved, Saved};
use crate::segments::domain::steps::{run_step, Source};
use crate::segments::domain::stored::StepKind;
use crate::segments::domain::{saved, steps, stored};
use crate::segments::pages::show::{respond, ActionForms, ActionOutcome};
use crate::web::filters;
use crate::web::AppState;
use crate::web::{db, long, ok, AppError, AppResult, Flash, Layout};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::Connection;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ReuseQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "segments/reuse.html")]
pub struct ReusePage {
    pub layout: Layout,
    pub segment: Segment,
    pub q: String,
    /// The other segments that match the search, newest first (one page of the list).
    pub segments: Vec<SegmentRow>,
    /// How many other segments match the search.
    pub total: i64,
    pub saved: Vec<Saved>,
    /// The segment's last step (number and stamp; 0 and 0 for none): a form sent twice
    /// reuses once.
    pub seen: (i64, i64),
}

impl ReusePage {
    /// Whether the list shows fewer segments than match.
    pub fn more(&self) -> bool {
        (self.segments.len() as i64) < self.total
    }
}

/// `GET /segments/{no}/reuse`: choose a segment or saved criteria to reuse.
#[get("/segments/{no}/reuse")]
pub async fn page(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ReuseQuery>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let q = query.into_inner().q.trim().to_string();
    let search = q.clone();
    let (segment, segments, total, saved, seen) = db(&state.pool, move |conn| {
        let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        // This segment is not offered, nor counted.
        let filter = list::ListFilter {
            q: search,
            except: segment.no.clone(),
            ..Default::default()
        };
        let (segments, total) = list::list(conn, &filter, 0)?;
        let saved = load_saved(conn, None)?;
        let seen = crate::segments::domain::ledger::last_step(conn, segment.id)?
            .map_or((0, 0), |(seq, at)| (i64::from(seq), at));
        Ok((segment, segments, total, saved, seen))
    })
    .await?;
    ok(&ReusePage {
        layout,
        segment,
        q,
        segments,
        total,
        saved,
        seen,
    })
}

// ---------------------------------------------------------------------------------------------
// The actions.

#[derive(Deserialize)]
pub struct ReuseForm {
    #[serde(default)]
    code: String,
    /// The segment's last step when the reuse page was shown: its number and stamp.
    #[serde(default)]
    last: String,
    #[serde(default)]
    last_at: String,
}

/// The last step a reuse page showed, as it sent it (`None` from a page that sent none).
pub(super) fn seen(last: &str, last_at: &str) -> Option<(i64, i64)> {
    last.trim().parse().ok().zip(last_at.trim().parse().ok())
}

/// Said, and nothing reused, when the segment's steps changed after the reuse page was shown
/// (unless a message waits: a double click's second sending leaves the first one's).
fn reuse_changed(steps: &[crate::segments::domain::ledger::Step]) -> Flash {
    Flash::error(format!(
        "Nothing was reused: the segment's steps changed after the reuse page was shown {}. \
         If it was sent twice, its first sending reused it: look at the segment before reusing \
         again.",
        super::wizard::steps_now(steps)
    ))
}

/// Reuse Criteria: replays every saved step, with all its options, against today's data;
/// each is its own undoable step.
#[post("/segments/{no}/reuse-criteria")]
pub async fn reuse_criteria(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReuseForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let form = form.into_inner();
    let seen = seen(&form.last, &form.last_at);
    // From the picker: the code and what the page showed of its steps.
    let (typed, shown) = match form.code.trim().split_once(' ') {
        Some((code, shown))
            if shown.len() == 32 && shown.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            (code.to_string(), Some(shown.to_string()))
        }
        _ => (form.code.trim().to_string(), None),
    };
    let code = typed.to_uppercase();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let here = no.clone();
    let outcome = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            if let Some(steps) = super::wizard::steps_changed(conn, &no, seen)? {
                session::set_flash_unless_waiting(conn, &session, reuse_changed(&steps))?;
                return Ok(ActionOutcome::Done(format!("/segments/{no}")));
            }
            let actions = ActionForms {
                reuse_code: typed,
                ..Default::default()
            };
            // Saved again under the same code since the page showed them: the steps it would
            // replay are not the ones the user chose.
            if let Some(shown) = &shown {
                if let Some(now) = load_saved(conn, Some(&code))?.into_iter().next() {
                    if &now.shown() != shown {
                        return Ok(actions.refused(
                            "reuse-code",
                            format!(
                                "Nothing was reused: saved criteria {code} were saved again after \
                                 the page was shown, and now replay: {}. Reuse them again if \
                                 that is what you want.",
                                now.steps.join("; ")
                            ),
                        ));
                    }
                }
            }
            let (segment_no, summary) = match saved::reuse(conn, &no, &code, &user, &ip)? {
                saved::Reused::Done {
                    segment_no,
                    summary,
                } => (segment_no, summary),
                saved::Reused::Refused(why) => return Ok(actions.refused("reuse-code", why)),
            };
            session::set_flash(
                conn,
                &session,
                Flash::success(format!(
                    "Criteria {code} reused: {} ({}).",
                    crate::web::pagination::counted(summary.len() as i64, "step", "steps"),
                    summary.join(", ")
                )),
            )?;
            Ok(ActionOutcome::Done(format!("/segments/{segment_no}")))
        })
    })
    .await?;
    respond(&state, layout, here, outcome).await
}

#[derive(Deserialize)]
pub struct ReuseSegmentForm {
    #[serde(default)]
    segment_no: String,
    #[serde(default)]
    expand_companies: Option<String>,
    #[serde(default)]
    allow_related_companies: Option<String>,
    #[serde(default)]
    ignore_exclusion: Option<String>,
    #[serde(default)]
    allow_existing: Option<String>,
    #[serde(default)]
    last: String,
    #[serde(default)]
    last_at: String,
}

/// Reuse Segment: the members of another segment, as one step, under Add Contacts' rules.
#[post("/segments/{no}/reuse-segment")]
pub async fn reuse_segment(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReuseSegmentForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let form = form.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let here = no.clone();
    let outcome = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            if let Some(steps) =
                super::wizard::steps_changed(conn, &no, seen(&form.last, &form.last_at))?
            {
                session::set_flash_unless_waiting(conn, &session, reuse_changed(&steps))?;
                return Ok(ActionOutcome::Done(format!("/segments/{no}")));
            }
            let other_no = form.segment_no.trim().to_uppercase();
            let here = no.trim().to_uppercase();
            let actions = ActionForms {
                segment_no: form.segment_no.trim().to_string(),
                segment_expand_companies: form.expand_companies.is_some(),
                segment_allow_related_companies: form.allow_related_companies.is_some(),
                segment_ignore_exclusion: form.ignore_exclusion.is_some(),
                segment_allow_existing: form.allow_existing.is_some(),
                ..Default::default()
            };
            if other_no.is_empty() {
                return Ok(actions.refused(
                    "reuse-segment",
                    "Choose the segment to reuse, or enter its No.",
                ));
            }
            let Some(other) = header::find_by_no_kept(conn, &other_no)? else {
                return Ok(
                    actions.refused("reuse-segment", format!("There is no segment {other_no}."))
                );
            };
            if other.no == here {
                return Ok(actions.refused("reuse-segment", "A segment cannot reuse itself."));
            }
            let mut criteria = Criteria::default();
            criteria.options.expand_companies = form.expand_companies.is_some();
            criteria.options.allow_related_companies = form.allow_related_companies.is_some();
            criteria.options.ignore_exclusion = form.ignore_exclusion.is_some();
            criteria.options.allow_existing = form.allow_existing.is_some();
            let note = stored::note(StepKind::ReuseSegment, &criteria, &other.no);
            let result = run_step(
                conn,
                &here,
                StepKind::ReuseSegment,
                &user,
                &ip,
                note,
                |conn, segment, seq| {
                    steps::add(conn, segment, seq, &Source::Segment(other.id), &criteria)
                },
            )
            .map_err(|e| super::step_failed(conn, &here, e))?;
            let (segment, outcome) = result
                .map_err(|_| AppError::internal(anyhow::anyhow!("reuse segment has no filters")))?;
            let title = format!("Reuse Segment {}", other.no);
            session::set_flash(
                conn,
                &session,
                super::wizard::step_flash(&title, StepKind::ReuseSegment, &outcome),
            )?;
            Ok(ActionOutcome::Done(format!("/segments/{}", segment.no)))
        })
    })
    .await?;
    respond(&state, layout, here, outcome).await
}
