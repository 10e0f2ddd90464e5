//! Save Criteria, the saved criteria pages, Reuse Criteria and Reuse Segment.

use crate::admin::audit::{self, Actor};
use crate::auth::{client_ip, session, Role, SignedIn, Staff};
use crate::segments::domain::saved::{code_problem, load_saved};
use crate::segments::domain::saved::{unreadable_step, Saved};
use crate::segments::domain::{header, ledger, lookups, saved};
use crate::segments::pages::show::{respond, ActionForms, ActionOutcome};
use crate::web::AppState;
use crate::web::{db, long, ok, redirect, render, AppError, AppResult, Flash, Layout};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    description: String,
    /// The segment's last step when the page was shown: its number and stamp.
    #[serde(default)]
    last: String,
    #[serde(default)]
    last_at: String,
}

/// Save Criteria: the ledger's filter steps, under a code, for everyone.
#[post("/segments/{no}/save-criteria")]
pub async fn save_criteria(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SaveForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let form = form.into_inner();
    let shown = super::reuse::seen(&form.last, &form.last_at);
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let here = no.clone();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let actions = ActionForms {
                save_code: form.code.trim().to_string(),
                save_description: form.description.trim().to_string(),
                ..Default::default()
            };
            // The steps the page showed are the ones saved: a colleague's Go Back or step
            // since was saved unseen under the code (the segment is locked until saved).
            if let Some(steps) = super::wizard::steps_changed(conn, &no, shown)? {
                return Ok(actions.refused(
                    "save-code",
                    format!(
                        "Nothing was saved: the segment's steps changed after this page was \
                         shown {}. Look at its steps below, and save again if they are the \
                         ones to save.",
                        super::wizard::steps_now(&steps)
                    ),
                ));
            }
            let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
            let code = form.code.trim().to_uppercase();
            let description = form.description.trim().to_string();
            let mut refused = crate::web::FormErrors::new();
            crate::web::forms::check_text(&mut refused, "save-description", &description, 100, None);
            if let Some(problem) = refused.get("save-description") {
                return Ok(actions.refused("save-description", problem.to_string()));
            }
            let mut filter_steps = Vec::new();
            let mut left_out = Vec::new();
            for step in ledger::load(conn, segment.id)? {
                match step.read() {
                    Ok(read) if read.kind.is_filter() => {
                        if let Some(why) = lookups::stale(conn, &read)? {
                            // A logged or canceled segment has no Go Back: its steps are
                            // saved as they are or not at all.
                            let way = if segment.is_draft() {
                                format!(
                                    "Go back to before step {} to take it out of the ledger, \
                                     then save.",
                                    step.seq
                                )
                            } else {
                                "This segment is no longer a draft, so its criteria cannot be \
                                 saved: make the same steps on a new segment without it, and \
                                 save those."
                                    .to_string()
                            };
                            return Ok(actions.refused(
                                "save-code",
                                format!(
                                    "Step {} ({}) names what is gone since it was applied: \
                                     {} {way}",
                                    step.seq,
                                    read.kind.title(),
                                    lookups::ended(&why),
                                ),
                            ));
                        }
                        filter_steps.push(read)
                    }
                    Ok(read) => left_out.push(format!("{} ({})", step.seq, read.kind.title())),
                    Err(why) => {
                        return Ok(actions.refused("save-code", unreadable_step(&step, &why)));
                    }
                }
            }
            let taken = saved::exists(conn, &code)?;
            if let Some(problem) = code_problem(&code) {
                return Ok(actions.refused("save-code", problem));
            }
            if filter_steps.is_empty() {
                return Ok(actions.refused(
                    "save-code",
                    "The segment has no Add, Reduce or Refine step to save.",
                ));
            }
            if taken && saved::holds(conn, &code, &description, user.id, &filter_steps)? {
                // Its first sending saved it: that message stays (or this one says so).
                let note = format!(
                    "Saved criteria {code} hold these steps already, saved by you: this form \
                     was sent again, and nothing more was saved."
                );
                session::set_flash_unless_waiting(conn, &session, Flash::info(note))?;
                return Ok(ActionOutcome::Done(format!("/segments/{}", segment.no)));
            }
            if taken {
                return Ok(actions.refused(
                    "save-code",
                    format!("The code {code} is already used. Choose another."),
                ));
            }
            let flash = {
                // Two people saving the same code at once: the second is told, not a 500.
                if !saved::insert(conn, &code, &description, user.id, &filter_steps)? {
                    return Ok(actions.refused(
                        "save-code",
                        format!("The code {code} is already used. Choose another."),
                    ));
                }
                let mut text = format!(
                    "Criteria saved as {code} ({} step{}).",
                    filter_steps.len(),
                    if filter_steps.len() == 1 { "" } else { "s" }
                );
                if !left_out.is_empty() {
                    text.push_str(&format!(
                        " Left out, as saved criteria hold only Add, Reduce and Refine: step{} {}; reusing {code} will not repeat them.",
                        if left_out.len() == 1 { "" } else { "s" },
                        left_out.join(", ")
                    ));
                }
                Flash::success(text)
            };
            audit::record(
                conn,
                Actor::User(&user),
                "criteria saved",
                &code,
                &format!("from segment {}: {description}", segment.no),
                &ip,
            )?;
            session::set_flash(conn, &session, flash)?;
            Ok(ActionOutcome::Done(format!("/segments/{}", segment.no)))
        })
    })
    .await?;
    respond(&state, layout, here, outcome).await
}

#[derive(Template)]
#[template(path = "segments/saved_criteria.html")]
pub struct SavedPage {
    pub layout: Layout,
    pub saved: Vec<Saved>,
    pub can_edit: bool,
    /// A refused rename: shown again next to its criteria, as typed (status 422).
    pub refused: Option<RefusedRename>,
}

pub struct RefusedRename {
    pub code: String,
    pub new_code: String,
    pub description: String,
    pub message: String,
}

impl SavedPage {
    /// A one-time key for a "Use in a new segment" form: sent twice, it makes one segment.
    pub fn once(&self) -> String {
        crate::db::once::new_key()
    }

    fn refused_for(&self, s: &Saved) -> Option<&RefusedRename> {
        self.refused.as_ref().filter(|r| r.code == s.code)
    }

    pub fn typed_code<'a>(&'a self, s: &'a Saved) -> &'a str {
        self.refused_for(s).map_or(&s.code, |r| &r.new_code)
    }

    pub fn typed_description<'a>(&'a self, s: &'a Saved) -> &'a str {
        self.refused_for(s)
            .map_or(&s.description, |r| &r.description)
    }

    pub fn error_for(&self, s: &Saved) -> Option<&str> {
        self.refused_for(s).map(|r| r.message.as_str())
    }
}

#[get("/saved-criteria")]
pub async fn saved_list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let saved = db(&state.pool, |conn| Ok(load_saved(conn, None)?)).await?;
    ok(&SavedPage {
        layout,
        saved,
        can_edit: user.role >= Role::Staff,
        refused: None,
    })
}

#[derive(Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    new_code: String,
    #[serde(default)]
    description: String,
    /// The description as the page showed it (absent from a form that sends none).
    #[serde(default)]
    was: Option<String>,
}

/// Renames saved criteria (new code and description).
#[post("/saved-criteria/{code}")]
pub async fn saved_rename(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<RenameForm>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner().to_uppercase();
    let form = form.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let refused = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let new_code = form.new_code.trim().to_uppercase();
            let new_code = if new_code.is_empty() {
                code.clone()
            } else {
                new_code
            };
            let description = form.description.trim().to_string();
            let mut text = crate::web::FormErrors::new();
            crate::web::forms::check_text(&mut text, "description", &description, 100, None);
            let description_problem = text.get("description").map(|p| format!("Description: {p}"));
            // Locked: a second sending of this form waits for the first, then finds it gone.
            let sent = (
                new_code.as_str(),
                description.as_str(),
                user.username.as_str(),
            );
            if !saved::lock(conn, &code)? {
                gone(conn, &session, &code, Some(sent))?;
                return Ok(None);
            }
            let taken = new_code != code && saved::exists(conn, &new_code)?;
            // A colleague's description saved since the page was shown, which this form would
            // replace unseen (both were told "saved", and the first was lost).
            let now = load_saved(conn, Some(&code))?
                .into_iter()
                .next()
                .map(|s| s.description)
                .unwrap_or_default();
            let overwritten = form
                .was
                .as_deref()
                .is_some_and(|was| was.trim() != now && description != now);
            let problem = match code_problem(&new_code) {
                Some(problem) => Some(problem.to_string()),
                None if taken => Some(format!("The code {new_code} is already used.")),
                None if description_problem.is_some() => description_problem,
                None if overwritten => Some(format!(
                    "Someone else changed the description since this page was shown: it is now \
                     \"{now}\". Nothing was saved; rename again to replace it."
                )),
                None => None,
            };
            if let Some(message) = problem {
                return Ok(Some(RefusedRename {
                    code,
                    new_code: form.new_code.trim().to_string(),
                    description: form.description.trim().to_string(),
                    message,
                }));
            }
            // A rename racing another to the same code is refused, not a 500.
            match saved::rename(conn, &code, &new_code, &description)? {
                saved::Renamed::Done => {}
                saved::Renamed::Gone => {
                    gone(conn, &session, &code, Some(sent))?;
                    return Ok(None);
                }
                saved::Renamed::Taken => {
                    return Ok(Some(RefusedRename {
                        code,
                        new_code: form.new_code.trim().to_string(),
                        description: form.description.trim().to_string(),
                        message: format!("The code {new_code} is already used."),
                    }))
                }
            }
            let detail = if new_code == code {
                description.clone()
            } else {
                format!("now {new_code}: {description}")
            };
            audit::record(
                conn,
                Actor::User(&user),
                "criteria changed",
                &code,
                &detail,
                &ip,
            )?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!("Saved criteria {new_code} saved.")),
            )?;
            Ok(None)
        })
    })
    .await?;
    let Some(refused) = refused else {
        return Ok(redirect("/saved-criteria"));
    };
    let saved = db(&state.pool, |conn| Ok(load_saved(conn, None)?)).await?;
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &SavedPage {
            layout,
            saved,
            can_edit: true,
            refused: Some(refused),
        },
    )
}

/// Saved criteria `code`, which a rename (`Some((new code, description, user))`) or a delete
/// (`None`) did not find: renamed already or deleted — by this form's first sending (a double
/// click, or Back and send: its message stays) or by a colleague, as the audit trail tells —
/// it is said on the list, and nothing is changed. It was a 404.
fn gone(
    conn: &mut PgConnection,
    session: &crate::auth::SessionData,
    code: &str,
    rename: Option<(&str, &str, &str)>,
) -> AppResult<()> {
    let said = match saved::became(conn, code)?.ok_or(AppError::NotFound)? {
        saved::Became::Deleted { actor, at } => format!(
            "Saved criteria {code} was deleted by {actor} at {}: nothing more was done.",
            crate::web::filters::local_datetime_text(at)
        ),
        saved::Became::Renamed {
            now,
            description,
            actor,
            at,
        } => {
            if rename
                .is_some_and(|sent| sent == (now.as_str(), description.as_str(), actor.as_str()))
            {
                format!("Saved criteria {code} is now {now} already: this form was sent again.")
            } else {
                let not = if rename.is_some() {
                    "changed"
                } else {
                    "deleted"
                };
                format!(
                    "Saved criteria {code} is now {now}: renamed by {actor} at {}, after this \
                     page was opened. Nothing was {not}.",
                    crate::web::filters::local_datetime_text(at)
                )
            }
        }
    };
    session::set_flash_unless_waiting(conn, session, Flash::info(said))?;
    Ok(())
}

#[derive(Template)]
#[template(path = "segments/saved_delete.html")]
pub struct SavedDeletePage {
    pub layout: Layout,
    pub saved: Saved,
}

/// `GET /saved-criteria/{code}/delete`: what goes, and a confirmation, as every other deletion
/// has (the button deleted criteria everyone shares at one click).
#[get("/saved-criteria/{code}/delete")]
pub async fn saved_confirm_delete(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner().to_uppercase();
    let saved = db(&state.pool, move |conn| {
        load_saved(conn, Some(&code))?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound)
    })
    .await?;
    ok(&SavedDeletePage { layout, saved })
}

/// The deletion's confirmation as sent.
#[derive(Deserialize)]
pub struct DeleteForm {
    /// What the page showed of the steps ([`Saved::shown`]); empty from a form without.
    #[serde(default)]
    shown: String,
}

#[post("/saved-criteria/{code}/delete")]
pub async fn saved_delete(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner().to_uppercase();
    let shown = form.into_inner().shown.trim().to_string();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            // Deleted and saved again under the same code by a colleague since the page was
            // opened: not the steps it showed (they were deleted unseen). Shown again.
            if !shown.is_empty() && saved::lock(conn, &code)? {
                let now = load_saved(conn, Some(&code))?.into_iter().next();
                if now.is_some_and(|now| now.shown() != shown) {
                    session::set_flash(
                        conn,
                        &session,
                        Flash::error(format!(
                            "Saved criteria {code} were saved again by someone else after this \
                             page was opened, with the steps below: nothing was deleted. Delete \
                             them again if you still mean to."
                        )),
                    )?;
                    return Ok(format!(
                        "/saved-criteria/{}/delete",
                        crate::web::pagination::path_segment(&code)
                    ));
                }
            }
            if !saved::delete(conn, &code)? {
                // Deleted already: by this form's first sending (a double click, whose
                // message stays) or by a colleague. It was a 404.
                gone(conn, &session, &code, None)?;
                return Ok("/saved-criteria".to_string());
            }
            audit::record(conn, Actor::User(&user), "criteria deleted", &code, "", &ip)?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!("Saved criteria {code} deleted.")),
            )?;
            Ok("/saved-criteria".to_string())
        })
    })
    .await?;
    Ok(redirect(&location))
}

/// A refusal that rolls back what was done before it, or an error.
enum NewSegmentError {
    Refused(String),
    App(AppError),
}

impl<E: Into<AppError>> From<E> for NewSegmentError {
    fn from(e: E) -> Self {
        NewSegmentError::App(e.into())
    }
}

/// "Use in a new segment": a new segment (today, the user's salesperson, described after the
/// criteria) with the saved criteria reused in it, in one transaction; refused, nothing is
/// kept and the saved criteria page says why.
#[derive(Deserialize)]
pub struct NewSegmentForm {
    /// The form's one-time key ([`crate::db::once`]).
    #[serde(default)]
    once: String,
    /// What the page showed of the saved steps ([`Saved::shown`]); empty from a form without.
    #[serde(default)]
    shown: String,
}

#[post("/saved-criteria/{code}/new-segment")]
pub async fn use_in_new_segment(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<NewSegmentForm>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner().trim().to_uppercase();
    let form = form.into_inner();
    let shown = form.shown.trim().to_string();
    let key = crate::db::once::key(&form.once);
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let location = long(&state.long_pool, move |conn| {
        let done = conn.transaction::<_, NewSegmentError, _>(|conn| {
            let created = crate::db::once::Created::Segments;
            if let Some(no) =
                session::created_before(conn, &session, created, key.as_deref(), "Segment")?
            {
                return Ok(format!("/segments/{no}"));
            }
            // Renamed or deleted by a colleague since the list showed them: said there (it
            // was a bare 404).
            let Some(saved) = load_saved(conn, Some(&code))?.into_iter().next() else {
                return Err(match saved::became(conn, &code)? {
                    Some(became) => NewSegmentError::Refused(format!(
                        "No segment was made: saved criteria {code} {}.",
                        became.sentence()
                    )),
                    None => AppError::NotFound.into(),
                });
            };
            // Saved again under the same code since the list showed them: not the steps the
            // user chose.
            if !shown.is_empty() && shown != saved.shown() {
                return Err(NewSegmentError::Refused(format!(
                    "No segment was made: saved criteria {code} were saved again after the list \
                     was shown, and now replay: {}. Use them again if that is what you want.",
                    saved.steps.join("; ")
                )));
            }
            let mut form = header::HeaderForm::new_for(user.salesperson_code.clone());
            form.description = format!("{} {}", saved.code, saved.description)
                .trim()
                .chars()
                .take(100)
                .collect();
            let values = match form.clone().normalised().validate(conn, None)? {
                Ok(v) => v,
                // The user's salesperson can no longer be chosen (blocked): none.
                Err(_) => {
                    form.salesperson_code.clear();
                    form.normalised().validate(conn, None)?.map_err(|_| {
                        NewSegmentError::Refused("A new segment could not be made.".into())
                    })?
                }
            };
            let segment = header::insert(conn, &values, user.id, key.as_deref())?;
            match saved::reuse(conn, &segment.no, &code, &user, &ip)? {
                saved::Reused::Done {
                    segment_no,
                    summary,
                } => {
                    session::set_flash(
                        conn,
                        &session,
                        Flash::success(format!(
                            "Segment {segment_no} created with criteria {code}: {} ({}).",
                            crate::web::pagination::counted(summary.len() as i64, "step", "steps"),
                            summary.join(", ")
                        )),
                    )?;
                    Ok(format!("/segments/{segment_no}"))
                }
                saved::Reused::Refused(why) => Err(NewSegmentError::Refused(why)),
            }
        });
        match done {
            Ok(location) => Ok(location),
            Err(NewSegmentError::App(e)) => Err(e),
            Err(NewSegmentError::Refused(why)) => {
                session::set_flash(conn, &session, Flash::error(why))?;
                Ok("/saved-criteria".to_string())
            }
        }
    })
    .await?;
    Ok(redirect(&location))
}
