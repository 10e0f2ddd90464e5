//! A contact's form: new, create, edit and update (with the other user's changes shown when
//! both saved at once).

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::{session, Staff};
use crate::contacts::domain::model::{self, Contact, ContactForm, CORRESPONDENCE_TYPES};
use crate::contacts::domain::{guards, inherit};
use crate::web::AppState;
use crate::web::{db, redirect, render, AppError, AppResult, Flash, FormErrors, Layout};

use super::Options;

#[derive(Template)]
#[template(path = "contacts/form.html")]
pub struct FormPage {
    pub layout: Layout,
    pub form: ContactForm,
    pub errors: FormErrors,
    pub options: Options,
    pub correspondence_types: [(&'static str, &'static str); 3],
    /// The contact being edited (`None` when creating).
    pub editing: Option<Contact>,
    /// When someone else saved first: (field, their value, your value) for each difference.
    pub conflict: Option<Vec<(&'static str, String, String)>>,
    /// With a conflict: the fields the colleague changed since the form was opened ("Phone
    /// and City"), empty when the form does not say what it showed.
    pub meanwhile: String,
    /// The name of the company the Company No. field names, shown beside it.
    pub company_name: Option<String>,
}

impl FormPage {
    /// The contact as saved, for a conflict's link.
    pub fn saved_href(&self) -> String {
        match &self.editing {
            Some(c) => model::card_href(&c.no),
            None => "/contacts".into(),
        }
    }

    fn new(layout: Layout, form: ContactForm, options: Options, editing: Option<Contact>) -> Self {
        FormPage {
            layout,
            form,
            errors: FormErrors::new(),
            options,
            correspondence_types: CORRESPONDENCE_TYPES,
            editing,
            conflict: None,
            meanwhile: String::new(),
            company_name: None,
        }
    }

    /// The page with the name of the company its Company No. field names, with `status`.
    async fn show(
        mut self,
        pool: &crate::db::DbPool,
        status: StatusCode,
    ) -> AppResult<HttpResponse> {
        let no = self.form.company_no.clone();
        self.company_name = db(pool, move |conn| Ok(model::company_name_of(conn, &no)?)).await?;
        render(status, &self)
    }

    pub fn action(&self) -> String {
        match &self.editing {
            Some(c) => model::card_href(&c.no),
            None => "/contacts".into(),
        }
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    company: String,
}

#[get("/contacts/new")]
pub async fn new(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut form = ContactForm {
        kind: if query.kind == "person" || !query.company.is_empty() {
            "person".into()
        } else {
            "company".into()
        },
        company_no: query.company.trim().to_uppercase(),
        once: crate::db::once::new_key(),
        ..Default::default()
    };
    let company_no = form.company_no.clone();
    let (options, company) = db(&state.pool, move |conn| {
        let company = if company_no.is_empty() {
            None
        } else {
            model::find_by_no(conn, &company_no)?.filter(|c| c.is_company())
        };
        let company = match company {
            Some(c) => Some(inherit::giving(conn, &c)?),
            None => None,
        };
        Ok((Options::load(conn, false)?, company))
    })
    .await?;
    // A person under a company starts with the company's address, phone, salesperson,
    // territory and language.
    if let Some(company) = &company {
        inherit::prefill(&mut form, company);
    }
    FormPage::new(layout, form, options, None)
        .show(&state.pool, StatusCode::OK)
        .await
}

#[post("/contacts")]
pub async fn create(
    req: HttpRequest,
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<ContactForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().normalised();
    let session = session::current(&req)?;
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| match model::validate(conn, &f, None)? {
            Ok(mut values) => {
                let key = crate::db::once::key(&f.once);
                let created = crate::db::once::Created::Contacts;
                if let Some(no) =
                    session::created_before(conn, &session, created, key.as_deref(), "Contact")?
                {
                    return Ok(Ok(no));
                }
                let took = match inherit::from_company(conn, &mut values, &f.took_from)? {
                    Ok(took) => took,
                    Err((company, now)) => {
                        let mut errors = FormErrors::new();
                        errors.add(
                            "shown",
                            format!(
                                "Company {company}'s address, phone, salesperson, territory or \
                             language changed after this form was opened, and this form shows \
                             them as they were. Nothing was saved: check them below (the \
                             company's card has them now) and save again."
                            ),
                        );
                        return Ok(Err((errors, Options::load(conn, false)?, Some(now))));
                    }
                };
                // In a savepoint: a code deleted or a number taken by someone else since the
                // checks above is a message next to its field, not a failure.
                let contact =
                    match conn.transaction(|conn| model::insert(conn, &values, key.as_deref())) {
                        Ok(contact) => contact,
                        Err(e) if crate::web::error::is_constraint_race(&e) => {
                            let mut errors = FormErrors::new();
                            let (field, message) = raced_field(&e);
                            errors.add(field, message);
                            return Ok(Err((errors, Options::load(conn, false)?, None)));
                        }
                        Err(e) => return Err(e.into()),
                    };
                let mut said = format!("Contact {} {} created.", contact.no, contact.name);
                if let Some(more) = took.said(listed) {
                    said.push(' ');
                    said.push_str(&more);
                }
                session::set_flash(conn, &session, Flash::success(said))?;
                Ok(Ok(contact.no))
            }
            Err(errors) => Ok(Err((errors, Options::load(conn, false)?, None))),
        })
    })
    .await?;
    match result {
        Ok(no) => Ok(redirect(&model::card_href(&no))),
        Err((errors, options, changed)) => {
            let mut form = form;
            if let Some(now) = changed {
                // Saved again, the values shown are the user's, checked against the company's
                // as they are now.
                form.took_from = now;
            }
            let mut page = FormPage::new(layout, form, options, None);
            page.errors = errors;
            page.show(&state.pool, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    }
}

#[get("/contacts/{no}/edit")]
pub async fn edit(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let (contact, company_no, options) = db(&state.pool, move |conn| {
        let contact = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let company_no = model::company_no_of(conn, &contact)?;
        Ok((contact, company_no, Options::load(conn, false)?))
    })
    .await?;
    let form = ContactForm::from_contact(&contact, company_no).with_shown();
    FormPage::new(layout, form, options, Some(contact))
        .show(&state.pool, StatusCode::OK)
        .await
}

enum UpdateOutcome {
    Saved(String),
    /// The contact was deleted meanwhile: why, said on the form as a new contact's.
    Gone(FormErrors, Options),
    Invalid(FormErrors, Box<Contact>, Options),
    Conflict(Box<Contact>, Box<ContactForm>, Options),
}

/// The fields that differ between what is stored now and what the user typed.
fn differences(theirs: &ContactForm, yours: &ContactForm) -> Vec<(&'static str, String, String)> {
    let flag = |b: bool| {
        if b {
            "yes".to_string()
        } else {
            "no".to_string()
        }
    };
    let pairs: Vec<(&'static str, String, String)> = vec![
        (
            "Type",
            model::type_label(&theirs.kind).to_string(),
            model::type_label(&yours.kind).to_string(),
        ),
        ("Name", theirs.name.clone(), yours.name.clone()),
        (
            "Search Name",
            theirs.search_name.clone(),
            yours.search_name.clone(),
        ),
        (
            "Company No.",
            theirs.company_no.clone(),
            yours.company_no.clone(),
        ),
        (
            "Job Title",
            theirs.job_title.clone(),
            yours.job_title.clone(),
        ),
        ("Address", theirs.address.clone(), yours.address.clone()),
        (
            "Address 2",
            theirs.address_2.clone(),
            yours.address_2.clone(),
        ),
        ("City", theirs.city.clone(), yours.city.clone()),
        (
            "Post Code",
            theirs.post_code.clone(),
            yours.post_code.clone(),
        ),
        (
            "Country/Region",
            theirs.country_code.clone(),
            yours.country_code.clone(),
        ),
        ("Phone", theirs.phone.clone(), yours.phone.clone()),
        ("Mobile", theirs.mobile.clone(), yours.mobile.clone()),
        ("E-mail", theirs.email.clone(), yours.email.clone()),
        ("Web site", theirs.website.clone(), yours.website.clone()),
        (
            "Salesperson",
            theirs.salesperson_code.clone(),
            yours.salesperson_code.clone(),
        ),
        (
            "Territory",
            theirs.territory_code.clone(),
            yours.territory_code.clone(),
        ),
        (
            "Language",
            theirs.language_code.clone(),
            yours.language_code.clone(),
        ),
        (
            "Correspondence Type",
            model::correspondence_label(&theirs.correspondence_type).to_string(),
            model::correspondence_label(&yours.correspondence_type).to_string(),
        ),
        (
            "Organizational Level",
            theirs.organizational_level_code.clone(),
            yours.organizational_level_code.clone(),
        ),
        (
            "Exclude from Segment",
            flag(theirs.excluded()),
            flag(yours.excluded()),
        ),
        (
            "Privacy Blocked",
            flag(theirs.blocked()),
            flag(yours.blocked()),
        ),
    ];
    pairs.into_iter().filter(|(_, a, b)| a != b).collect()
}

/// The edit form of contact `no`, deleted by a colleague meanwhile, shown again as a new
/// contact's with what was typed, saying who deleted it and when.
fn deleted_meanwhile(conn: &mut PgConnection, no: &str) -> AppResult<UpdateOutcome> {
    let mut errors = FormErrors::new();
    errors.add(
        "shown",
        crate::admin::audit::deleted_meanwhile(conn, "contact deleted", "contact", no)?,
    );
    Ok(UpdateOutcome::Gone(errors, Options::load(conn, false)?))
}

#[post("/contacts/{no}")]
pub async fn update(
    req: HttpRequest,
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ContactForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().normalised();
    let session = session::current(&req)?;
    let no = path.into_inner();
    let f = form.clone();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let Some(contact) = model::find_by_no(conn, &no)? else {
                // Deleted by a colleague meanwhile: the typed values are not lost with it.
                return deleted_meanwhile(conn, &no.trim().to_uppercase());
            };
            let mut f = f;
            f.follow_renames(conn, &contact)?;
            let f = f;
            let version: i32 = f.version.parse().unwrap_or(-1);
            if version != contact.version {
                let company_no = model::company_no_of(conn, &contact)?;
                let theirs = ContactForm::from_contact(&contact, company_no);
                // Saved meanwhile already as the form says (its own first click, sent twice).
                if differences(&theirs, &f.clone().over(&theirs)).is_empty() {
                    let said = crate::web::forms::saved_meanwhile("Contact", &contact.no);
                    session::set_flash_unless_waiting(conn, &session, Flash::info(said))?;
                    return Ok(UpdateOutcome::Saved(contact.no));
                }
                return Ok(UpdateOutcome::Conflict(
                    Box::new(contact),
                    Box::new(theirs),
                    Options::load(conn, false)?,
                ));
            }
            // Saved as it is: nothing to write, and no new version to make a colleague's form
            // stale (their change was refused over a save that changed nothing).
            let company_no = model::company_no_of(conn, &contact)?;
            if differences(&ContactForm::from_contact(&contact, company_no), &f).is_empty() {
                let said = format!("Nothing was changed on contact {}.", contact.no);
                session::set_flash(conn, &session, Flash::info(said))?;
                return Ok(UpdateOutcome::Saved(contact.no));
            }
            // A Search Name left as it followed the old name follows the new one (as
            // Business Central's Name does); one of the user's own stays.
            let mut f = f;
            if f.name != contact.name && f.search_name == model::search_name_of(&contact.name) {
                f.search_name.clear();
            }
            let values = match model::validate(conn, &f, Some(&contact))? {
                Ok(values) => values,
                Err(errors) => {
                    return Ok(UpdateOutcome::Invalid(
                        errors,
                        Box::new(contact),
                        Options::load(conn, false)?,
                    ))
                }
            };
            if values.name != contact.name {
                guards::wait_for_steps(conn)?;
            }
            let mut errors = FormErrors::new();
            if let Some(refusal) =
                guards::company_change_refused(conn, &contact, &values.kind, values.company_id)?
            {
                errors.add("company_no", refusal);
                return Ok(UpdateOutcome::Invalid(
                    errors,
                    Box::new(contact),
                    Options::load(conn, false)?,
                ));
            }
            // A type change locks the contact before it looks at what only the old type may
            // hold, so that a classification or an answer being saved on the card meanwhile
            // is waited for and counted (the card's writes lock it too).
            if values.kind != contact.kind {
                model::lock_row(conn, contact.id)?;
            }
            // A company with persons first: what only a company holds need not be removed
            // for a change that cannot be made anyway.
            if contact.is_company() && values.kind == "person" {
                let (_, persons) = model::persons_of(conn, contact.id, 0)?;
                if persons > 0 {
                    errors.add(
                        "type",
                        format!(
                            "{} has {}; it must stay a company.",
                            contact.no,
                            crate::web::pagination::counted(persons, "person", "persons")
                        ),
                    );
                    return Ok(UpdateOutcome::Invalid(
                        errors,
                        Box::new(contact),
                        Options::load(conn, false)?,
                    ));
                }
            }
            if let Some(refusal) = guards::kind_change_refused(conn, &contact, &values.kind)? {
                errors.add("type", refusal);
                return Ok(UpdateOutcome::Invalid(
                    errors,
                    Box::new(contact),
                    Options::load(conn, false)?,
                ));
            }
            // A person moved to another company takes what it had from the old one.
            let mut values = values;
            let mut took = Vec::new();
            if let (true, Some(new_id)) = (values.kind == "person", values.company_id) {
                if contact.company_id != Some(new_id) {
                    took = inherit::moved_to(conn, &mut values, &contact, new_id)?;
                }
            }
            // In a savepoint, as at creation: a code deleted by someone else since the checks
            // is a message next to its field, with the form as the user filled it.
            let saved =
                match conn.transaction(|conn| model::update(conn, contact.id, version, &values)) {
                    Ok(saved) => saved,
                    Err(e) if crate::web::error::is_constraint_race(&e) => {
                        let (field, message) = raced_field(&e);
                        errors.add(field, message);
                        return Ok(UpdateOutcome::Invalid(
                            errors,
                            Box::new(contact),
                            Options::load(conn, false)?,
                        ));
                    }
                    Err(e) => return Err(e.into()),
                };
            match saved {
                Some(saved) => {
                    let (moved, what) = inherit::persons_follow(conn, &contact, &saved)?;
                    let message = if moved > 0 {
                        let persons =
                            crate::web::pagination::counted(moved as i64, "person", "persons");
                        if what == ["address"] {
                            format!(
                                "Contact {} saved; {persons} who shared its address moved with it.",
                                saved.no
                            )
                        } else {
                            format!(
                                "Contact {} saved; {persons} who had its {} took the new {}.",
                                saved.no,
                                listed_or(&what),
                                if what.len() == 1 { "one" } else { "ones" }
                            )
                        }
                    } else if !took.is_empty() {
                        format!(
                            "Contact {} saved; from its new company it took the {}.",
                            saved.no,
                            listed(&took)
                        )
                    } else {
                        format!("Contact {} saved.", saved.no)
                    };
                    session::set_flash(conn, &session, Flash::success(message))?;
                    Ok(UpdateOutcome::Saved(saved.no))
                }
                // Changed or deleted while this save waited for it (a colleague's save or
                // deletion under way; the form's own first sending, behind a slow save).
                None => {
                    let Some(current) = model::find_by_no(conn, &contact.no)?
                        .filter(|current| current.id == contact.id)
                    else {
                        return deleted_meanwhile(conn, &contact.no);
                    };
                    let company_no = model::company_no_of(conn, &current)?;
                    let theirs = ContactForm::from_contact(&current, company_no);
                    if differences(&theirs, &f.clone().over(&theirs)).is_empty() {
                        let said = crate::web::forms::saved_meanwhile("Contact", &current.no);
                        session::set_flash_unless_waiting(conn, &session, Flash::info(said))?;
                        return Ok(UpdateOutcome::Saved(current.no));
                    }
                    Ok(UpdateOutcome::Conflict(
                        Box::new(current),
                        Box::new(theirs),
                        Options::load(conn, false)?,
                    ))
                }
            }
        })
    })
    .await?;
    match outcome {
        UpdateOutcome::Saved(no) => Ok(redirect(&model::card_href(&no))),
        UpdateOutcome::Gone(errors, options) => {
            let form = ContactForm {
                version: String::new(),
                was: String::new(),
                took_from: String::new(),
                once: crate::db::once::new_key(),
                ..form
            };
            let mut page = FormPage::new(layout, form, options, None);
            page.errors = errors;
            page.show(&state.pool, StatusCode::CONFLICT).await
        }
        UpdateOutcome::Invalid(errors, contact, options) => {
            let mut page = FormPage::new(layout, form, options, Some(*contact));
            page.errors = errors;
            page.show(&state.pool, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        UpdateOutcome::Conflict(current, theirs, options) => {
            // Keep what the user typed, on top of the version now stored, so saving again
            // overwrites deliberately what they changed, and only that.
            let opened = serde_json::from_str::<ContactForm>(&form.was).ok();
            let meanwhile: Vec<&str> = opened
                .map(|opened| differences(&opened, &theirs))
                .unwrap_or_default()
                .into_iter()
                .map(|(field, _, _)| field)
                .collect();
            let mut yours = form.over(&theirs);
            yours.version = current.version.to_string();
            let diff = differences(&theirs, &yours);
            let mut page = FormPage::new(layout, yours, options, Some(*current));
            page.conflict = Some(diff);
            page.meanwhile = listed(&meanwhile);
            page.show(&state.pool, StatusCode::CONFLICT).await
        }
    }
}

/// The field of the contact form that a constraint violation at creation or on a save
/// concerns, and what to say next to it.
fn raced_field(e: &diesel::result::Error) -> (&'static str, &'static str) {
    let column = crate::web::error::violated_column(e, "contacts");
    let field = match column.as_deref() {
        Some("no") => "no",
        Some("company_id") => "company_no",
        Some("country_code") => "country_code",
        Some("salesperson_code") => "salesperson_code",
        Some("territory_code") => "territory_code",
        Some("language_code") => "language_code",
        Some("organizational_level_code") => "organizational_level_code",
        _ => "name",
    };
    if crate::web::error::is_unique_violation(e) {
        (
            field,
            "This was taken by someone else a moment ago. Save again.",
        )
    } else {
        (
            field,
            "This was deleted by someone else a moment ago. Choose another.",
        )
    }
}

/// "address", "address and phone", "address, phone and salesperson".
fn listed(items: &[&str]) -> String {
    crate::web::forms::joined(items, "and")
}

/// "address", "address or phone", "address, phone or salesperson".
fn listed_or(items: &[&str]) -> String {
    crate::web::forms::joined(items, "or")
}
