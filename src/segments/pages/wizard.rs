//! The wizard's steps: Add, Reduce and Refine Contacts, previewed (a GET) then applied.

use crate::auth::{client_ip, session, Role, SignedIn, Staff};
use crate::segments::domain::criteria::{self, ProfileChoice};
use crate::segments::domain::criteria::{Criteria, FieldError, Section, FIELDS};
use crate::segments::domain::header::Segment;
use crate::segments::domain::lookups::{self, Offered};
use crate::segments::domain::steps::{run_step, Outcome, PreviewRow, Source, StepError};
use crate::segments::domain::stored::StepKind;
use crate::segments::domain::{header, ledger, line_edit, steps, stored};
use crate::web::filters;
use crate::web::pagination::counted;
use crate::web::{db, long, redirect, render, AppError, AppResult, Flash, Layout};
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;

/// The three filter steps of the wizard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wizard {
    Add,
    Reduce,
    Refine,
}

impl Wizard {
    fn parse(s: &str) -> Option<Wizard> {
        match s {
            "add" => Some(Wizard::Add),
            "reduce" => Some(Wizard::Reduce),
            "refine" => Some(Wizard::Refine),
            _ => None,
        }
    }

    pub fn kind(self) -> StepKind {
        match self {
            Wizard::Add => StepKind::Add,
            Wizard::Reduce => StepKind::Reduce,
            Wizard::Refine => StepKind::Refine,
        }
    }

    pub fn title(self) -> &'static str {
        self.kind().title()
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Wizard::Add => "Adds the contacts that match the filters to the segment.",
            Wizard::Reduce => "Removes the segment's lines whose contact matches the filters.",
            Wizard::Refine => "Keeps only the segment's lines whose contact matches the filters; removes the others.",
        }
    }
}

#[derive(Template)]
#[template(path = "segments/step.html")]
pub struct StepPage {
    pub layout: Layout,
    pub segment: Segment,
    pub wizard: Wizard,
    pub criteria: Criteria,
    pub errors: Vec<FieldError>,
    pub sections: [Section; 7],
    pub fields: &'static [crate::segments::domain::criteria::Field],
    /// The codes offered as the user types, one datalist per code table.
    pub codes: Vec<Offered>,
    pub profile: Vec<ProfileChoice>,
    pub preview: Option<(Outcome, Vec<PreviewRow>)>,
    /// The segment's last step when the preview was made ([`ledger::last_step`]: its number
    /// and stamp, (0, 0) without steps), sent with Apply: a step recorded since (a colleague's,
    /// or this Apply sent twice, by the browser's Back or a double click) stops it.
    pub seen: (i32, i64),
    pub apply_query: String,
    /// Whether the user may apply the step (viewers may preview only).
    pub can_apply: bool,
}

impl StepPage {
    pub fn error_for(&self, key: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.error.to_string())
    }

    pub fn fields_of(
        &self,
        section: &Section,
    ) -> Vec<&'static crate::segments::domain::criteria::Field> {
        self.fields
            .iter()
            .filter(|f| f.section == *section)
            .collect()
    }

    /// The filters and the options that are on, as the ledger will say them.
    pub fn description(&self) -> String {
        let options = self.criteria.describe_options(self.wizard.kind());
        if options.is_empty() {
            self.criteria.describe()
        } else {
            format!("{} ({})", self.criteria.describe(), options.join(", "))
        }
    }

    /// A date as a filter reads it, the office's way (the hint under the filters).
    pub fn date_example(&self) -> String {
        crate::web::forms::date_example()
    }

    pub fn is_profile(&self, id: &i64) -> bool {
        self.criteria.profile_answer == Some(*id)
    }
}

fn load_choices(conn: &mut PgConnection) -> QueryResult<(Vec<Offered>, Vec<ProfileChoice>)> {
    Ok((lookups::offered(conn)?, criteria::profile_choices(conn)?))
}

fn profile_label(choices: &[ProfileChoice], criteria: &mut Criteria) {
    if let Some(id) = criteria.profile_answer {
        criteria.profile_label = choices
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.label.clone())
            .unwrap_or_default();
    }
}

/// `GET /segments/{no}/add` (also reduce, refine): the filter form; with `preview` in the
/// query, also what the step would do. Reading only, so the preview can be bookmarked, and
/// viewers may open it (without the Apply button).
#[get("/segments/{no}/{step:add|reduce|refine}")]
pub async fn step_form(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (no, step) = path.into_inner();
    let wizard = Wizard::parse(&step).ok_or(AppError::NotFound)?;
    let pairs = query.into_inner();
    let wants_preview = pairs.iter().any(|(k, _)| k == "preview");
    let mut criteria = Criteria::from_pairs(&pairs);
    let apply_query = {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(k, _)| k != "preview") {
            s.append_pair(k, v);
        }
        s.finish()
    };
    let c = criteria.clone();
    let work = move |conn: &mut crate::db::DbConn| {
        let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let (codes, profile) = load_choices(conn)?;
        let mut errors = lookups::check(conn, &c)?;
        let mut preview = None;
        let seen = ledger::last_step(conn, segment.id)?.unwrap_or((0, 0));
        if errors.is_empty() && wants_preview {
            let result = match wizard {
                Wizard::Add => steps::preview_add(conn, &segment, &Source::Criteria(&c), &c),
                Wizard::Reduce => steps::preview_remove(conn, &segment, &c, false),
                Wizard::Refine => steps::preview_remove(conn, &segment, &c, true),
            };
            match result {
                Ok(p) => preview = Some(p),
                Err(StepError::Invalid(e)) => errors = e,
                Err(StepError::Db(e)) => return Err(e.into()),
            }
        }
        Ok((segment, codes, profile, preview, errors, seen))
    };
    // A preview counts over the contacts: long work, apart from the pages.
    let (segment, codes, profile, preview, errors, seen) = if wants_preview {
        long(&state.long_pool, work).await?
    } else {
        db(&state.pool, work).await?
    };
    profile_label(&profile, &mut criteria);
    let status = crate::web::status_of(!errors.is_empty());
    render(
        status,
        &StepPage {
            layout,
            segment,
            wizard,
            criteria,
            errors,
            sections: Section::ALL,
            fields: FIELDS,
            codes,
            profile,
            preview,
            seen,
            apply_query,
            can_apply: user.role >= Role::Staff,
        },
    )
}

/// The sentence a flash gives after a step.
pub fn outcome_sentence(kind: StepKind, o: &Outcome) -> String {
    let mut text = if kind.adds() {
        format!("Added {}", counted(o.added, "contact", "contacts"))
    } else {
        format!("Removed {}", counted(o.removed, "line", "lines"))
    };
    let skipped = o.skipped_words();
    if !skipped.is_empty() {
        text.push_str("; ");
        text.push_str(&skipped.join(", "));
    }
    text.push('.');
    text
}

/// The sentence a flash gives after a step that changed nothing: why, and whether it is kept
/// in the ledger (a step by criteria is, for Refresh and Save Criteria to replay).
pub fn nothing_sentence(kind: StepKind, o: &Outcome) -> String {
    let why = if kind.adds() {
        let skipped = o.skipped_words();
        if o.skipped_existing > 0 && o.skipped_excluded + o.skipped_blocked == 0 {
            "Nothing to add: every matching contact is already on the segment".to_string()
        } else if skipped.is_empty() {
            "Nothing to add: no contact matches".to_string()
        } else {
            format!(
                "Nothing to add: every matching contact was skipped ({})",
                skipped.join(", ")
            )
        }
    } else {
        match kind {
            StepKind::Refine => {
                "Nothing to remove: every line of the segment matches the filters".to_string()
            }
            StepKind::Refresh => "Nothing to refresh: the segment is up to date".to_string(),
            _ => "Nothing to remove: no line of the segment matches the filters".to_string(),
        }
    };
    if kind == StepKind::ReuseSegment {
        // Save Criteria leaves a Reuse Segment out, and it has no filters: Refresh takes the
        // other segment's contacts again.
        format!("{why}. The step is kept, so Refresh takes that segment's contacts again.")
    } else if kind.recorded_when_empty() {
        format!("{why}. The step is kept, so Refresh and Save Criteria replay its filters.")
    } else {
        format!("{why}. No step was recorded.")
    }
}

/// The flash after a step: what it did, or that it would have changed nothing.
pub fn step_flash(title: &str, kind: StepKind, o: &Outcome) -> Flash {
    if o.changed() {
        Flash::success(format!("{title}: {}", outcome_sentence(kind, o)))
    } else {
        Flash::info(format!("{title}: {}", nothing_sentence(kind, o)))
    }
}

/// The preview of the step Apply was sent with, made again: its filters and options as sent.
fn preview_again(wizard: Wizard, no: &str, pairs: &[(String, String)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !matches!(k.as_str(), "csrf_token" | "last" | "last_at" | "preview") {
            query.append_pair(k, v);
        }
    }
    query.append_pair("preview", "1");
    format!(
        "/segments/{}/{}?{}",
        crate::web::pagination::path_segment(no),
        wizard.kind().as_str(),
        query.finish()
    )
}

/// Why an Apply did nothing: a step was recorded after its preview was shown.
/// Under the draft segment's lock: its steps as they are now when they changed since the page
/// that sends a step showed them (`seen`: its last step's number and [`ledger::Step::stamp`],
/// 0 and 0 for none), so that a page sent twice applies once; `None` when they did not, or
/// the page sent no stamp.
pub(super) fn steps_changed(
    conn: &mut PgConnection,
    no: &str,
    seen: Option<(i64, i64)>,
) -> AppResult<Option<Vec<ledger::Step>>> {
    let Some(seen) = seen else {
        return Ok(None);
    };
    let segment = super::locked(conn, no)?;
    let now = ledger::last_step(conn, segment.id)?.map_or((0, 0), |(seq, at)| (i64::from(seq), at));
    if !segment.is_draft() || now == seen {
        return Ok(None);
    }
    Ok(Some(ledger::load(conn, segment.id)?))
}

/// When the one step recorded since the preview (`seen`) is this step — of `kind`, with these
/// criteria (`note`), by `user` — the same form was sent twice (a double click, or Back and
/// send): its first sending applied it, and the note to leave unless the first sending's
/// message still waits. Else (a colleague's step, another one of the user's, or more than one)
/// `None`: the preview is shown again as it is now. (It led back to the preview with "Nothing
/// was applied" over the first message, and an Apply there did the step again.)
pub(super) fn applied_before(
    steps: &[ledger::Step],
    seen: Option<(i64, i64)>,
    kind: StepKind,
    note: &serde_json::Value,
    user: &crate::auth::CurrentUser,
) -> Option<Flash> {
    let (seq, stamp) = seen?;
    let (last, before) = steps.split_last()?;
    let seen_before = match before.last() {
        Some(s) => i64::from(s.seq) == seq && s.stamp() == stamp,
        None => seq == 0,
    };
    (seen_before
        && StepKind::parse(&last.kind) == Some(kind)
        && last.user_name == user.username
        && last.criteria == *note)
        .then(|| {
            Flash::info(format!(
                "{} was applied once, as step {} at {}: this form was sent again, and nothing \
                 more was applied.",
                kind.title(),
                last.seq,
                filters::local_datetime_text(last.created_at)
            ))
        })
}

pub(super) fn changed_since_preview(steps: &[ledger::Step]) -> String {
    format!(
        "Nothing was applied: the segment's steps changed after this preview was shown {}. \
         Below is the preview as it is now: apply it only if the segment should have this step \
         as well.",
        steps_now(steps)
    )
}

/// The segment's steps as they are now, in brackets: how many, and the last one (its kind,
/// who recorded it and when).
pub(super) fn steps_now(steps: &[ledger::Step]) -> String {
    let last = match steps.last() {
        Some(s) => format!(
            "; the last, {} by {}, was recorded at {}",
            StepKind::parse(&s.kind).map_or_else(|| s.kind.clone(), |k| k.title().to_string()),
            s.user_name,
            filters::local_datetime_text(s.created_at)
        ),
        None => String::new(),
    };
    format!(
        "(it now has {}{last})",
        counted(steps.len() as i64, "step", "steps")
    )
}

enum ApplyOutcome {
    Done(String),
    Invalid(Box<Segment>, Vec<FieldError>),
}

#[post("/segments/{no}/{step:add|reduce|refine}")]
pub async fn step_apply(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (no, step) = path.into_inner();
    let wizard = Wizard::parse(&step).ok_or(AppError::NotFound)?;
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let pairs = form.into_inner();
    let number = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.trim().parse::<i64>().ok())
    };
    let seen = number("last").zip(number("last_at"));
    let mut criteria = Criteria::from_pairs(&pairs);
    let again = preview_again(wizard, &no, &pairs);
    let c = criteria.clone();
    let outcome = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let (_, profile) = load_choices(conn)?;
            let mut c = c;
            profile_label(&profile, &mut c);
            let kind = wizard.kind();
            let note = stored::note(kind, &c, "");
            if let Some(steps) = steps_changed(conn, &no, seen)? {
                if let Some(first) = applied_before(&steps, seen, kind, &note, &user) {
                    session::set_flash_unless_waiting(conn, &session, first)?;
                    return Ok(ApplyOutcome::Done(format!("/segments/{no}")));
                }
                let flash = Flash::error(changed_since_preview(&steps));
                session::set_flash(conn, &session, flash)?;
                return Ok(ApplyOutcome::Done(again));
            }
            let result = run_step(conn, &no, kind, &user, &ip, note, |conn, segment, seq| {
                let errors = lookups::check(conn, &c)?;
                if !errors.is_empty() {
                    return Err(StepError::Invalid(errors));
                }
                match wizard {
                    Wizard::Add => steps::add(conn, segment, seq, &Source::Criteria(&c), &c),
                    Wizard::Reduce => steps::remove(conn, segment, seq, &c, false),
                    Wizard::Refine => steps::remove(conn, segment, seq, &c, true),
                }
            })
            .map_err(|e| super::step_failed(conn, &no, e))?;
            match result {
                Ok((segment, outcome)) => {
                    let mut flash = step_flash(wizard.title(), kind, &outcome);
                    // A Reduce or Refine of a segment without lines: said so (a Refine said
                    // "every line of the segment matches the filters").
                    if !kind.adds()
                        && !outcome.changed()
                        && !line_edit::has_lines(conn, segment.id)?
                    {
                        flash = Flash::info(format!(
                            "{}: nothing to remove: the segment has no lines. The step is kept, \
                             so Refresh and Save Criteria replay its filters.",
                            wizard.title()
                        ));
                    }
                    session::set_flash(conn, &session, flash)?;
                    Ok(ApplyOutcome::Done(format!("/segments/{}", segment.no)))
                }
                Err((segment, errors)) => Ok(ApplyOutcome::Invalid(Box::new(segment), errors)),
            }
        })
    })
    .await?;
    match outcome {
        ApplyOutcome::Done(location) => Ok(redirect(&location)),
        ApplyOutcome::Invalid(segment, errors) => {
            let (codes, profile) = db(&state.pool, |conn| Ok(load_choices(conn)?)).await?;
            profile_label(&profile, &mut criteria);
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &StepPage {
                    layout,
                    segment: *segment,
                    wizard,
                    criteria,
                    errors,
                    sections: Section::ALL,
                    fields: FIELDS,
                    codes,
                    profile,
                    preview: None,
                    seen: (0, 0),
                    apply_query: String::new(),
                    can_apply: true,
                },
            )
        }
    }
}
