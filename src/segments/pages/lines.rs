//! Lines by hand (add one contact, remove one line, as undoable steps) and a line's own
//! values.

use crate::auth::{client_ip, session, Role, SignedIn, Staff};
use crate::segments::domain::criteria::Criteria;
use crate::segments::domain::header::Segment;
use crate::segments::domain::line_edit::{load_line, ContactMatch, LineForm, EVALUATIONS};
use crate::segments::domain::steps::{run_step, Outcome, Source};
use crate::segments::domain::stored::StepKind;
use crate::segments::domain::{header, line_edit, lines, steps, stored};
use crate::segments::pages::show::{respond, ActionForms, ActionOutcome};
use crate::segments::pages::wizard::outcome_sentence;
use crate::setup::CodeList;
use crate::web::{db, long, ok, redirect, render, AppError, AppResult, Flash, FormErrors, Layout};
use crate::{setup, AppState};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct AddLineForm {
    #[serde(default)]
    contact_no: String,
    #[serde(default)]
    ignore_exclusion: Option<String>,
}

/// How a manual add ended when it did not add the contact.
enum ManualAdd {
    /// The step ran and added nothing; its counts say why.
    Nothing(Outcome),
    Failed(AppError),
}

impl From<diesel::result::Error> for ManualAdd {
    fn from(e: diesel::result::Error) -> Self {
        ManualAdd::Failed(e.into())
    }
}

/// Adds one contact by hand, as an undoable step, under the same exclusion and privacy rules.
#[post("/segments/{no}/lines")]
pub async fn add_line(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<AddLineForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let form = form.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let here = no.clone();
    let outcome = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let typed = form.contact_no.trim().to_string();
            let actions = ActionForms {
                contact: typed.clone(),
                line_ignore_exclusion: form.ignore_exclusion.is_some(),
                ..Default::default()
            };
            if typed.is_empty() {
                return Ok(actions.refused("contact_no", "Enter a contact's No. or name."));
            }
            let contact = match line_edit::find_contact(conn, &typed)? {
                ContactMatch::One(contact) => Some(*contact),
                ContactMatch::None => None,
                ContactMatch::Several(labels, more) => {
                    return Ok(actions.refused(
                        "contact_no",
                        format!(
                            "Several contacts are called {typed}: {}{}. Add one by its No.",
                            labels.join("; "),
                            if more { "; and more" } else { "" }
                        ),
                    ));
                }
            };
            let Some(contact) = contact else {
                return Ok(actions.refused(
                    "contact_no",
                    format!("There is no contact {typed} (by No. or name)."),
                ));
            };
            let mut criteria = Criteria::default();
            criteria.options.ignore_exclusion = form.ignore_exclusion.is_some();
            let note = stored::note(
                StepKind::ManualAdd,
                &criteria,
                &format!("{} {}", contact.no, contact.name),
            );
            // The step runs under a savepoint: when it adds nothing (excluded, privacy
            // blocked, already present), the savepoint goes back and leaves neither a step
            // nor an audit entry.
            let attempt = conn.transaction::<_, ManualAdd, _>(|conn| {
                let result = run_step(
                    conn,
                    &no,
                    StepKind::ManualAdd,
                    &user,
                    &ip,
                    note,
                    |conn, segment, seq| {
                        steps::add(conn, segment, seq, &Source::Contact(contact.id), &criteria)
                    },
                )
                .map_err(|e| ManualAdd::Failed(super::step_failed(conn, &no, e)))?;
                let (segment, outcome) = result.map_err(|_| {
                    ManualAdd::Failed(AppError::internal(anyhow::anyhow!(
                        "manual add has no filters"
                    )))
                })?;
                if outcome.added == 0 {
                    return Err(ManualAdd::Nothing(outcome));
                }
                Ok(segment)
            });
            let segment = match attempt {
                Ok(segment) => segment,
                Err(ManualAdd::Failed(e)) => return Err(e),
                // (An excluded contact on the segment already, added with Ignore Exclusion, is
                // counted as excluded: it was told to tick Ignore Exclusion, then, ticked, that
                // it was there already.)
                Err(ManualAdd::Nothing(outcome))
                    if outcome.skipped_blocked == 0
                        && (outcome.skipped_existing > 0
                            || (outcome.skipped_excluded > 0
                                && lines::has_line(conn, &no, contact.id)?)) =>
                {
                    // Nothing to correct (often the same form sent twice, whose first sending's
                    // message stays while it waits): said, not refused.
                    session::set_flash_unless_waiting(
                        conn,
                        &session,
                        Flash::info(format!(
                            "{} {} is on the segment already: nothing was added.",
                            contact.no, contact.name
                        )),
                    )?;
                    return Ok(ActionOutcome::Done(format!(
                        "/segments/{}",
                        no.trim().to_uppercase()
                    )));
                }
                Err(ManualAdd::Nothing(outcome)) => {
                    // One reason, and what to do about it.
                    let why = if outcome.skipped_blocked > 0 {
                        "it is privacy blocked, and a privacy blocked contact is never added"
                            .to_string()
                    } else if outcome.skipped_excluded > 0 {
                        "it is flagged Exclude from Segment: tick Ignore Exclusion to add it"
                            .to_string()
                    } else if !crate::contacts::domain::model::exists(conn, contact.id)? {
                        // Deleted by a colleague at the same moment (it said "Added 0
                        // contacts.").
                        let by =
                            crate::admin::audit::deleted_by(conn, "contact deleted", &contact.no)?
                                .unwrap_or_default();
                        format!("it was deleted{by}, a moment ago")
                    } else {
                        outcome_sentence(StepKind::ManualAdd, &outcome)
                    };
                    return Ok(actions.refused(
                        "contact_no",
                        format!("{} {} was not added: {why}.", contact.no, contact.name),
                    ));
                }
            };
            session::set_flash(
                conn,
                &session,
                Flash::success(format!("{} {} added.", contact.no, contact.name)),
            )?;
            Ok(ActionOutcome::Done(format!("/segments/{}", segment.no)))
        })
    })
    .await?;
    respond(&state, layout, here, outcome).await
}

/// Removes one line by hand, as an undoable step.
#[post("/segments/{no}/lines/{line}/remove")]
pub async fn remove_line(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    back: web::Query<Back>,
) -> AppResult<HttpResponse> {
    let (no, line) = path.into_inner();
    let back = back.into_inner().back;
    let line_id: i64 = line.parse().map_err(|_| AppError::NotFound)?;
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let location = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            // The segment is locked before the line is read: of two removals of one line, the
            // second sees it gone and records no step.
            let segment = super::locked(conn, &no)?;
            // Gone (a Go Back since took out the step that added it): said, as a line removed
            // already is. It was a bare 404.
            let Some(line) = line_edit::line_label(conn, segment.id, line_id)? else {
                // A line of another segment is not this one's to remove.
                if line_edit::line_exists(conn, line_id)? {
                    return Err(AppError::NotFound);
                }
                session::set_flash_unless_waiting(
                    conn,
                    &session,
                    Flash::info(
                        "That line is no longer on the segment (a Go Back may have taken it \
                         out since the page was shown): nothing was removed.",
                    ),
                )?;
                return Ok(super::show::lines_back(&segment.no, &back));
            };
            let label = line.label;
            if line.removed {
                // The first removal's message stays while it waits (a double click).
                session::set_flash_unless_waiting(
                    conn,
                    &session,
                    Flash::info(format!(
                        "{label} is no longer on the segment: nothing was removed."
                    )),
                )?;
                return Ok(super::show::lines_back(&segment.no, &back));
            }
            let note = stored::note(StepKind::ManualRemove, &Criteria::default(), &label);
            let result = run_step(
                conn,
                &no,
                StepKind::ManualRemove,
                &user,
                &ip,
                note,
                |conn, segment, seq| Ok(steps::remove_line(conn, segment, seq, line_id)?),
            )
            .map_err(|e| super::step_failed(conn, &no, e))?;
            let (segment, _) = result
                .map_err(|_| AppError::internal(anyhow::anyhow!("manual remove has no filters")))?;
            session::set_flash(conn, &session, Flash::success(format!("{label} removed.")))?;
            Ok(super::show::lines_back(&segment.no, &back))
        })
    })
    .await?;
    Ok(redirect(&location))
}

#[derive(Template)]
#[template(path = "segments/line.html")]
pub struct LinePage {
    pub layout: Layout,
    pub segment: Segment,
    pub line_id: i64,
    pub label: String,
    pub form: LineForm,
    pub errors: FormErrors,
    pub salespeople: CodeList,
    pub templates: Vec<header::Template>,
    pub evaluations: [(&'static str, &'static str); 5],
    pub editable: bool,
    /// After a save over a colleague's: the fields that differ (label, saved meanwhile, typed).
    pub conflict: Option<Vec<(&'static str, String, String)>>,
    /// The page of lines it was opened from, with its search, order and page
    /// ([`super::show::lines_back`]).
    pub back: String,
    /// The line as the lines table shows it: each value in effect and where it comes from.
    pub now: Option<crate::segments::domain::lines::LineRow>,
}

/// `?back=`: the page of lines a line's page or its Remove was opened from.
#[derive(Deserialize, Default)]
pub struct Back {
    #[serde(default)]
    back: String,
}

impl LinePage {
    /// The template code in the form when it is none of the list's (deleted since the form
    /// was shown): kept chosen, marked, beside its error, rather than shown as the header's.
    pub fn unknown_template(&self) -> Option<&str> {
        let code = self.form.interaction_template_code.trim();
        (!code.is_empty()
            && !self
                .templates
                .iter()
                .any(|t| t.code.eq_ignore_ascii_case(code)))
        .then_some(code)
    }

    /// What field `name` of the line is in effect as saved, and where it comes from: "In
    /// effect: CALL (header)" (empty fields show nothing of it, and the lines table shows it).
    pub fn in_effect(&self, name: &str) -> String {
        let Some(l) = &self.now else {
            return String::new();
        };
        let (value, origin) = match name {
            "salesperson_code" => (
                l.salesperson.clone().unwrap_or_else(|| "none".into()),
                l.origins.salesperson,
            ),
            "date" => (crate::web::filters::date_text(l.date), l.origins.date),
            "interaction_template_code" => (
                l.template.clone().unwrap_or_else(|| "none".into()),
                l.origins.template,
            ),
            "correspondence_type" => (
                match l.correspondence_label() {
                    "" => "none".to_string(),
                    label => label.to_string(),
                },
                l.origins.correspondence,
            ),
            "unit_cost" => (l.cost_text(), l.origins.cost),
            "unit_duration_min" => (l.unit_duration_min.to_string(), l.origins.duration),
            "campaign_target" => (yes_no(l.campaign_target), l.origins.campaign_target),
            "campaign_response" => (yes_no(l.campaign_response), l.origins.campaign_response),
            _ => return String::new(),
        };
        match origin.mark() {
            "" => format!("In effect: {value} (this line's own)."),
            from => format!("In effect: {value} ({from})."),
        }
    }

    /// The form's `?back=`, so that its Save leads back there too.
    pub fn back_query(&self) -> String {
        crate::web::pagination::query_string([("back", self.back.as_str())])
    }

    /// The line as saved, for a conflict's link.
    pub fn saved_href(&self) -> String {
        format!("/segments/{}/lines/{}", self.segment.no, self.line_id)
    }

    /// The subject the line logs with when its own is left empty, as Log Segment takes it
    /// (`log::DESCRIPTION`): its own template's description, else the header's subject, else
    /// the header's template's description, else the segment's description.
    pub fn subject_hint(&self) -> String {
        let description = |code: Option<&str>| {
            code.and_then(|c| self.templates.iter().find(|t| t.code == c))
                .map(|t| t.description.as_str())
                .filter(|d| !d.is_empty())
        };
        let header = self.segment.interaction_template_code.as_deref();
        let own = Some(self.form.interaction_template_code.as_str())
            .filter(|c| !c.is_empty() && Some(*c) != header);
        let (value, from) = match description(own) {
            Some(d) => (d, "the line's template"),
            None if !self.segment.subject.is_empty() => (self.segment.subject.as_str(), "header"),
            None => match description(header) {
                Some(d) => (d, "the header's template"),
                None => (
                    self.segment.description.as_str(),
                    "the segment's description",
                ),
            },
        };
        format!("Left empty: {value} ({from}).")
    }

    /// What the campaign flags' empty choice means on this line: its own template's flags
    /// when it has a template of its own (whatever campaign that names), else the header's.
    pub fn flag_default(&self) -> &'static str {
        let own = self.form.interaction_template_code.as_str();
        if own.is_empty() || Some(own) == self.segment.interaction_template_code.as_deref() {
            "(as on the header)"
        } else {
            "(as the line's template says)"
        }
    }

    /// The campaign flags' fields: name, label, the value chosen.
    pub fn flags(&self) -> [(&'static str, &'static str, &str); 2] {
        [
            (
                "campaign_target",
                "Campaign Target",
                &self.form.campaign_target,
            ),
            (
                "campaign_response",
                "Campaign Response",
                &self.form.campaign_response,
            ),
        ]
    }
}

async fn line_page(
    state: &AppState,
    layout: Layout,
    (no, line): (String, String),
    can_edit: bool,
    back: &str,
) -> AppResult<LinePage> {
    let id: i64 = line.parse().map_err(|_| AppError::NotFound)?;
    let back = super::show::lines_back(&no, back);
    db(&state.pool, move |conn| {
        let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let Some(data) = load_line(conn, &segment, id)? else {
            // Taken out by a step since the lines were shown: said, with the way back to
            // them, as its Save says it (it was a bare "Page not found").
            return Err(match line_edit::line_label(conn, segment.id, id)? {
                Some(l) => AppError::Refused {
                    message: format!(
                        "The line of {} is no longer on the segment: a step took it out after \
                         the lines were shown.",
                        l.label
                    ),
                    back: back.clone(),
                },
                None => AppError::NotFound,
            });
        };
        let form = LineForm::of(&data);
        let now = crate::segments::domain::lines::shown_line(conn, segment.id, id)?;
        Ok(LinePage {
            layout,
            editable: can_edit && segment.is_draft(),
            segment,
            line_id: data.id,
            label: data.label,
            form,
            errors: FormErrors::new(),
            salespeople: setup::options(conn, "salespeople")?,
            templates: header::templates(conn)?,
            evaluations: EVALUATIONS,
            conflict: None,
            back,
            now,
        })
    })
    .await
}

#[get("/segments/{no}/lines/{line}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    back: web::Query<Back>,
) -> AppResult<HttpResponse> {
    let can_edit = user.role >= Role::Staff;
    ok(&line_page(&state, layout, path.into_inner(), can_edit, &back.back).await?)
}

#[post("/segments/{no}/lines/{line}")]
pub async fn update(
    req: HttpRequest,
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    back: web::Query<Back>,
    form: web::Form<LineForm>,
) -> AppResult<HttpResponse> {
    let (no, line) = path.into_inner();
    let back = back.into_inner().back;
    let form = form.into_inner();
    let session = session::current(&req)?;
    let id: i64 = line.parse().map_err(|_| AppError::NotFound)?;
    let f = form.clone();
    let n = no.clone();
    let result = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let segment = super::locked(conn, &n)?;
            super::must_be_draft(&segment)?;
            let Some(data) = load_line(conn, &segment, id)? else {
                // Taken out by a step after the form was opened: said on the segment, not a
                // bare 404 (a Go Back that undid the line's step leaves no row to name).
                // (Its row gone: the step that added it was undone. It named the line by its
                // internal id, and blamed a step.)
                let said = match line_edit::line_label(conn, segment.id, id)? {
                    Some(l) => format!(
                        "The line of {} is no longer on the segment: a step took it out after \
                         its page was opened. Nothing was saved.",
                        l.label
                    ),
                    None => "That line is no longer on the segment: a Go Back undid the step \
                             that added it after its page was opened. Nothing was saved."
                        .to_string(),
                };
                session::set_flash(conn, &session, Flash::error(said))?;
                return Ok(Ok(segment.no));
            };
            let mut f = f;
            // (The line as the form saw it, when a code of it was renamed since.)
            let seen = f.follow_renames(conn, &data)?;
            let f = f;
            let key = crate::db::once::key(&f.once);
            // (A form without it, opened before lines carried it, is saved as before.)
            if !f.shown.is_empty()
                && f.shown != data.fingerprint()
                && seen.is_none_or(|seen| f.shown != seen.fingerprint())
            {
                // Saved meanwhile as this form says (the form sent twice, a double click, or a
                // colleague's same change): nothing to choose, and the first sending's message
                // stays. It was a 409 with no difference to show. A template changed by the
                // first sending cleared the line's own values the form still holds: its key
                // tells it from a colleague's change (it was a 409 "someone else saved", and
                // saving again from there put back what the template had cleared).
                if f.differences(&LineForm::of(&data)).is_empty()
                    || crate::db::once::made_current(
                        conn,
                        key.as_deref(),
                        0,
                        &f.sent_digest(&data),
                    )?
                {
                    let message = format!(
                        "Line {} was saved meanwhile, already as your form says: nothing more \
                         to save.",
                        data.label
                    );
                    session::set_flash_unless_waiting(conn, &session, Flash::info(message))?;
                    return Ok(Ok(segment.no));
                }
                return Ok(Err((StatusCode::CONFLICT, FormErrors::new())));
            }
            match f.validate(conn, segment.campaign_no.is_some(), &data)? {
                Ok(mut values) => {
                    let took = values.take_template(&f, &data);
                    // In a savepoint: a code deleted by an administrator between the checks
                    // and this write is said by its field, with what was typed (it was a bare
                    // "changed at the same time" page).
                    match conn.transaction(|conn| line_edit::save(conn, segment.id, id, &values)) {
                        Err(e) if crate::web::error::is_constraint_race(&e) => {
                            return match f.validate(conn, segment.campaign_no.is_some(), &data)? {
                                Err(errors) => Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, errors))),
                                Ok(_) => Err(e.into()),
                            };
                        }
                        other => other?,
                    };
                    if let Some(made) = load_line(conn, &segment, id)? {
                        crate::db::once::mark_sent(conn, key.as_deref(), 0, &f.sent_digest(&made))?;
                    }
                    let template = f.interaction_template_code.trim().to_uppercase();
                    let message = match took {
                        None => format!("Line {} saved.", data.label),
                        Some(kept) => {
                            let from = if template.is_empty() {
                                "the header's values apply".to_string()
                            } else {
                                format!("the defaults of interaction template {template} apply")
                            };
                            let kept = match kept.as_slice() {
                                [] => String::new(),
                                [one] => format!(" ({} kept as typed)", one.to_lowercase()),
                                [init @ .., last] => format!(
                                    " ({} and {} kept as typed)",
                                    init.join(", ").to_lowercase(),
                                    last.to_lowercase()
                                ),
                            };
                            format!("Line {} saved; {from}{kept}.", data.label)
                        }
                    };
                    session::set_flash(conn, &session, Flash::success(message))?;
                    Ok(Ok(segment.no))
                }
                Err(errors) => Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, errors))),
            }
        })
    })
    .await?;
    match result {
        Ok(no) => Ok(redirect(&super::show::lines_back(&no, &back))),
        Err((status, errors)) => {
            let mut page = line_page(&state, layout, (no, line), true, &back).await?;
            // Without a campaign on the header the page has no field for the flags: it sends
            // back the line's own, not what was typed while the header had one (which would
            // be refused again on every sending).
            let flags = (
                page.form.campaign_target.clone(),
                page.form.campaign_response.clone(),
            );
            // The values typed; after a conflict, over the line as it is now (saved again,
            // they are meant to replace it), else over what the form showed.
            page.form = if status == StatusCode::CONFLICT {
                page.conflict = Some(form.differences(&page.form));
                LineForm {
                    shown: page.form.shown,
                    ..form
                }
            } else {
                form
            };
            if page.segment.campaign_no.is_none() {
                (page.form.campaign_target, page.form.campaign_response) = flags;
            }
            page.errors = errors;
            render(status, &page)
        }
    }
}

fn yes_no(flag: bool) -> String {
    if flag { "Yes" } else { "No" }.to_string()
}
