//! The segment header: a new segment, and its header saved from the segment page.

use crate::auth::{session, Staff};
use crate::db::once;
use crate::segments::domain::header::{HeaderForm, HeaderNames, Segment};
use crate::segments::domain::{header, line_edit};
use crate::setup::CodeList;
use crate::web::{db, long, ok, redirect, render, AppError, AppResult, Flash, FormErrors, Layout};
use crate::{setup, AppState};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::show::{load_first_page, ActionForms, ShowPage};

/// Choices of the header form.
pub struct HeaderOptions {
    pub salespeople: CodeList,
    pub languages: CodeList,
    pub templates: CodeList,
    pub campaigns: CodeList,
}

impl HeaderOptions {
    pub(super) fn load(conn: &mut PgConnection) -> QueryResult<Self> {
        let mut lists = setup::options_of(
            conn,
            &[
                "salespeople",
                "languages",
                "interaction_templates",
                "campaigns",
            ],
        )?
        .into_iter();
        Ok(HeaderOptions {
            salespeople: lists.next().unwrap_or_default(),
            languages: lists.next().unwrap_or_default(),
            templates: lists.next().unwrap_or_default(),
            campaigns: lists.next().unwrap_or_default(),
        })
    }

    /// The header's codes with their names, from these lists.
    pub(super) fn names(&self, segment: &Segment) -> HeaderNames {
        HeaderNames {
            salesperson: setup::named(segment.salesperson_code.as_deref(), &self.salespeople),
            interaction_template: setup::named(
                segment.interaction_template_code.as_deref(),
                &self.templates,
            ),
            campaign: setup::named(segment.campaign_no.as_deref(), &self.campaigns),
            language: setup::named(segment.language_code.as_deref(), &self.languages),
        }
    }
}

#[derive(Template)]
#[template(path = "segments/new.html")]
pub struct NewPage {
    pub layout: Layout,
    pub form: HeaderForm,
    pub errors: FormErrors,
    pub options: HeaderOptions,
}

impl NewPage {
    /// Where the page came from and Cancel goes back to: the campaign's card for a segment of
    /// a campaign (from its card's "New segment"), else the segment list.
    pub fn back(&self) -> (String, String) {
        match self.form.campaign_no.as_str() {
            "" => ("/segments".into(), "Segments".into()),
            no => (format!("/campaigns/{no}"), format!("Campaign {no}")),
        }
    }
}

/// `/segments/new?campaign=CP0001`: a new segment for a campaign (from its card).
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub campaign: String,
}

#[get("/segments/new")]
pub async fn new(
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let mine = user.salesperson_code.clone();
    let (options, mine) = db(&state.pool, |conn| {
        Ok((
            HeaderOptions::load(conn)?,
            setup::salespeople::usable(conn, mine)?,
        ))
    })
    .await?;
    // The user's salesperson, unless blocked.
    let mut form = HeaderForm::new_for(mine);
    let campaign = query.into_inner().campaign.trim().to_uppercase();
    // Only a campaign that exists is chosen; anything else leaves the field empty.
    if options.campaigns.iter().any(|c| c.code == campaign) {
        form.campaign_no = campaign;
    }
    ok(&NewPage {
        layout,
        form,
        errors: FormErrors::new(),
        options,
    })
}

#[post("/segments")]
pub async fn create(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<HeaderForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().normalised();
    let session = session::current(&req)?;
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| match f.validate(conn, None)? {
            Ok(mut values) => {
                let key = once::key(&f.once);
                let created = once::Created::Segments;
                if let Some(no) =
                    session::created_before(conn, &session, created, key.as_deref(), "Segment")?
                {
                    return Ok(Ok(no));
                }
                let shown = header::HeaderValues::shown(None);
                let applied = header::apply_template(conn, &mut values, None, &shown)?;
                // In a savepoint, as a save: a code deleted by an administrator between the
                // checks and this write is said by its field, with what was typed (it was a
                // bare "changed at the same time" page).
                let segment = match conn
                    .transaction(|conn| header::insert(conn, &values, user.id, key.as_deref()))
                {
                    Err(e) if crate::web::error::is_constraint_race(&e) => {
                        return match f.validate(conn, None)? {
                            Err(errors) => Ok(Err((errors, HeaderOptions::load(conn)?))),
                            Ok(_) => Err(e.into()),
                        };
                    }
                    other => other?,
                };
                let message = match applied {
                    Some(applied) => format!(
                        "Segment {} created; {}. Add contacts to it.",
                        segment.no,
                        applied.sentence()
                    ),
                    None => format!("Segment {} created. Add contacts to it.", segment.no),
                };
                session::set_flash(conn, &session, Flash::success(message))?;
                Ok(Ok(segment.no))
            }
            Err(errors) => Ok(Err((errors, HeaderOptions::load(conn)?))),
        })
    })
    .await?;
    match result {
        Ok(no) => Ok(redirect(&format!("/segments/{no}"))),
        Err((errors, options)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                layout,
                form,
                errors,
                options,
            },
        ),
    }
}

enum HeaderOutcome {
    Saved(String),
    Invalid(Box<Segment>, FormErrors),
    /// Saved by someone else since the form was shown: the fields that differ.
    Conflict(Box<Segment>, Vec<(&'static str, String, String)>),
}

#[post("/segments/{no}")]
pub async fn update(
    req: HttpRequest,
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<HeaderForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().normalised();
    let session = session::current(&req)?;
    let no = path.into_inner();
    let f = form.clone();
    let outcome = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let segment = super::locked(conn, &no)?;
            super::must_be_draft(&segment)?;
            let mut f = f;
            f.follow_renames(conn, &segment)?;
            let f = f;
            let key = once::key(&f.once);
            let digest = once::digest(&HeaderForm {
                version: String::new(),
                once: String::new(),
                ..f.clone()
            });
            if f.version.parse::<i32>().ok() != Some(segment.version) {
                let diff = f.differences(&HeaderForm::from_segment(&segment));
                // The same form sent twice (a double click): its first sending saved it, and
                // applied a template's defaults that it does not show.
                if diff.is_empty()
                    || once::made_current(conn, key.as_deref(), segment.version, &digest)?
                {
                    let message = crate::web::forms::saved_meanwhile("Segment", &segment.no);
                    session::set_flash_unless_waiting(conn, &session, Flash::info(message))?;
                    return Ok(HeaderOutcome::Saved(segment.no));
                }
                return Ok(HeaderOutcome::Conflict(Box::new(segment), diff));
            }
            let mut values = match f.validate(conn, Some(&segment))? {
                Ok(v) => v,
                Err(errors) => return Ok(HeaderOutcome::Invalid(Box::new(segment), errors)),
            };
            let applied = header::apply_template(
                conn,
                &mut values,
                segment.interaction_template_code.as_deref(),
                &header::HeaderValues::shown(Some(&segment)),
            )?;
            // In a savepoint: a code renamed or deleted by an administrator between the checks
            // and this write (the same moment) is said by its field, with what was typed, as
            // the checks say it (it was a bare "changed at the same time" page).
            let written =
                conn.transaction(|conn| header::update(conn, segment.id, segment.version, &values));
            let written = match written {
                Err(e) if crate::web::error::is_constraint_race(&e) => {
                    match f.validate(conn, Some(&segment))? {
                        Err(errors) => {
                            return Ok(HeaderOutcome::Invalid(Box::new(segment), errors))
                        }
                        Ok(_) => return Err(e.into()),
                    }
                }
                other => other?,
            };
            let saved = written.ok_or(AppError::Internal(anyhow::anyhow!(
                "segment changed under its lock"
            )))?;
            once::mark_sent(conn, key.as_deref(), saved.version, &digest)?;
            let mut message = match applied {
                Some(applied) => format!("Segment {} saved; {}.", saved.no, applied.sentence()),
                None => format!("Segment {} saved.", saved.no),
            };
            if saved.campaign_no.is_none()
                && ((segment.campaign_target && f.campaign_target.is_some())
                    || (segment.campaign_response && f.campaign_response.is_some()))
            {
                message.push_str(
                    " The campaign was cleared, so Campaign Target and Campaign Response were \
                     cleared with it.",
                );
            }
            if saved.campaign_no != segment.campaign_no {
                let cleared = line_edit::clear_campaign_flags(conn, segment.id)?;
                if cleared > 0 {
                    let about = match &segment.campaign_no {
                        Some(no) => format!("campaign {no}"),
                        None => "an earlier campaign".into(),
                    };
                    message.push_str(&format!(
                        " The campaign changed, so the Campaign Target and Campaign Response \
                         set on {} were cleared: they were about {about}.",
                        crate::web::pagination::counted(cleared as i64, "line", "lines"),
                    ));
                }
            }
            session::set_flash(conn, &session, Flash::success(message))?;
            Ok(HeaderOutcome::Saved(saved.no))
        })
    })
    .await?;
    match outcome {
        HeaderOutcome::Saved(no) => Ok(redirect(&format!("/segments/{no}"))),
        HeaderOutcome::Invalid(segment, errors) => {
            let data = db(&state.pool, move |conn| {
                Ok(load_first_page(conn, *segment)?)
            })
            .await?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ShowPage::build(
                    layout,
                    data,
                    Some(form),
                    errors,
                    ActionForms::default(),
                    true,
                ),
            )
        }
        HeaderOutcome::Conflict(segment, diff) => {
            let data = db(&state.pool, move |conn| {
                Ok(load_first_page(conn, *segment)?)
            })
            .await?;
            // What the user typed, on top of the version now saved: saving again replaces
            // the colleague's values deliberately, with the fields that differ shown.
            let mut form = form;
            form.version = data.0.version.to_string();
            let mut page = ShowPage::build(
                layout,
                data,
                Some(form),
                FormErrors::new(),
                ActionForms::default(),
                true,
            );
            page.conflict = Some(diff);
            render(StatusCode::CONFLICT, &page)
        }
    }
}
