//! Contact pages: the list, the card, create, edit, delete, classifications and profile.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::card::{self, Card, Classification};
use super::guards::{self, DeletionImpact, SegmentLines};
use super::list::{self as contact_list, ListQuery, ListRow};
use super::model::{self, Contact, ContactForm, CORRESPONDENCE_TYPES};
use crate::admin::audit::{self, Actor};
use crate::auth::{client_ip, session, SignedIn, Staff};
use crate::setup::{self, CodeOption};
use crate::web::pagination::{thousands, Pager};
use crate::web::{db, ok, redirect, render, AppError, AppResult, Flash, FormErrors, Layout};
use crate::AppState;

/// The choices of the list's filters and the form's code fields.
#[derive(Default)]
pub struct Options {
    pub salespeople: Vec<CodeOption>,
    pub territories: Vec<CodeOption>,
    pub countries: Vec<CodeOption>,
    pub languages: Vec<CodeOption>,
    pub organizational_levels: Vec<CodeOption>,
    pub industry_groups: Vec<CodeOption>,
    pub mailing_groups: Vec<CodeOption>,
}

impl Options {
    fn load(conn: &mut PgConnection, for_list: bool) -> QueryResult<Options> {
        Ok(Options {
            salespeople: setup::options(conn, "salespeople")?,
            territories: setup::options(conn, "territories")?,
            countries: setup::options(conn, "countries")?,
            languages: if for_list {
                Vec::new()
            } else {
                setup::options(conn, "languages")?
            },
            organizational_levels: if for_list {
                Vec::new()
            } else {
                setup::options(conn, "organizational_levels")?
            },
            industry_groups: if for_list {
                setup::options(conn, "industry_groups")?
            } else {
                Vec::new()
            },
            mailing_groups: if for_list {
                setup::options(conn, "mailing_groups")?
            } else {
                Vec::new()
            },
        })
    }
}

#[derive(Template)]
#[template(path = "contacts/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub query: ListQuery,
    pub rows: Vec<ListRow>,
    pub pager: Pager,
    pub options: Options,
    pub sorts: [(&'static str, &'static str, &'static str); 5],
    pub can_edit: bool,
}

impl ListPage {
    pub fn total_text(&self) -> String {
        if self.capped() {
            format!("more than {}", thousands(contact_list::COUNT_CAP))
        } else {
            thousands(self.pager.total)
        }
    }

    /// True when there are more contacts than were counted.
    pub fn capped(&self) -> bool {
        self.pager.total > contact_list::COUNT_CAP
    }

    pub fn range_text(&self) -> String {
        format!(
            "{}–{}",
            thousands(self.pager.first_row()),
            thousands(self.pager.last_row())
        )
    }

    pub fn export_link(&self) -> String {
        format!("/contacts/export.csv{}", self.query.link(&[("page", "")]))
    }

    pub fn page_link(&self, page: i64) -> String {
        self.query.link(&[("page", &page.to_string())])
    }
}

#[get("/contacts")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner().normalised();
    let requested = Pager::requested(query.page.as_deref());
    let q = query.clone();
    let (rows, pager, options) = db(&state.pool, move |conn| {
        let total = contact_list::count(conn, &q)?;
        let pager = Pager::new(Some(&requested.to_string()), contact_list::PAGE_SIZE, total);
        let rows = contact_list::page(conn, &q, pager.offset())?;
        Ok((rows, pager, Options::load(conn, true)?))
    })
    .await?;
    ok(&ListPage {
        layout,
        query,
        rows,
        pager,
        options,
        sorts: contact_list::SORTS,
        can_edit: user.role >= crate::auth::Role::Staff,
    })
}

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
}

impl FormPage {
    fn new(layout: Layout, form: ContactForm, options: Options, editing: Option<Contact>) -> Self {
        FormPage {
            layout,
            form,
            errors: FormErrors::new(),
            options,
            correspondence_types: CORRESPONDENCE_TYPES,
            editing,
            conflict: None,
        }
    }

    pub fn action(&self) -> String {
        match &self.editing {
            Some(c) => format!("/contacts/{}", c.no),
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
    let options = db(&state.pool, |conn| Ok(Options::load(conn, false)?)).await?;
    let form = ContactForm {
        kind: if query.kind == "person" || !query.company.is_empty() {
            "person".into()
        } else {
            "company".into()
        },
        company_no: query.company.trim().to_uppercase(),
        ..Default::default()
    };
    ok(&FormPage::new(layout, form, options, None))
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
            Ok(values) => {
                // In a savepoint: a code deleted or a number taken by someone else since the
                // checks above is a message next to its field, not a failure.
                let contact = match conn.transaction(|conn| model::insert(conn, &values)) {
                    Ok(contact) => contact,
                    Err(e) if crate::web::error::is_constraint_race(&e) => {
                        let mut errors = FormErrors::new();
                        let (field, message) = raced_field(&e);
                        errors.add(field, message);
                        return Ok(Err((errors, Options::load(conn, false)?)));
                    }
                    Err(e) => return Err(e.into()),
                };
                session::set_flash(
                    conn,
                    &session,
                    Flash::success(format!("Contact {} {} created.", contact.no, contact.name)),
                )?;
                Ok(Ok(contact.no))
            }
            Err(errors) => Ok(Err((errors, Options::load(conn, false)?))),
        })
    })
    .await?;
    match result {
        Ok(no) => Ok(redirect(&format!("/contacts/{no}"))),
        Err((errors, options)) => {
            let mut page = FormPage::new(layout, form, options, None);
            page.errors = errors;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "contacts/show.html")]
pub struct CardPage {
    pub layout: Layout,
    pub card: Card,
    pub can_edit: bool,
}

impl CardPage {
    pub fn persons_text(&self) -> String {
        thousands(self.card.persons_total)
    }
}

#[get("/contacts/{no}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<card::CardQuery>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let query = query.into_inner();
    let card = db(&state.pool, move |conn| {
        let contact = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        Ok(card::load(conn, contact, &query)?)
    })
    .await?;
    ok(&CardPage {
        layout,
        card,
        can_edit: user.role >= crate::auth::Role::Staff,
    })
}

fn company_no_of(conn: &mut PgConnection, contact: &Contact) -> QueryResult<Option<String>> {
    match contact.company_id {
        Some(id) => model::find(conn, id).map(|c| Some(c.no)),
        None => Ok(None),
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
        let company_no = company_no_of(conn, &contact)?;
        Ok((contact, company_no, Options::load(conn, false)?))
    })
    .await?;
    let form = ContactForm::from_contact(&contact, company_no);
    ok(&FormPage::new(layout, form, options, Some(contact)))
}

enum UpdateOutcome {
    Saved(String),
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
        ("Type", theirs.kind.clone(), yours.kind.clone()),
        ("Name", theirs.name.clone(), yours.name.clone()),
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
            theirs.correspondence_type.clone(),
            yours.correspondence_type.clone(),
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
            let contact = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
            let version: i32 = f.version.parse().unwrap_or(-1);
            if version != contact.version {
                let company_no = company_no_of(conn, &contact)?;
                let theirs = ContactForm::from_contact(&contact, company_no);
                return Ok(UpdateOutcome::Conflict(
                    Box::new(contact),
                    Box::new(theirs),
                    Options::load(conn, false)?,
                ));
            }
            let values = match model::validate(conn, &f, Some(contact.id))? {
                Ok(values) => values,
                Err(errors) => {
                    return Ok(UpdateOutcome::Invalid(
                        errors,
                        Box::new(contact),
                        Options::load(conn, false)?,
                    ))
                }
            };
            let mut errors = FormErrors::new();
            if let Some(refusal) =
                guards::company_change_refused(conn, &contact, values.company_id)?
            {
                errors.add("company_no", refusal);
                return Ok(UpdateOutcome::Invalid(
                    errors,
                    Box::new(contact),
                    Options::load(conn, false)?,
                ));
            }
            if contact.is_company() && values.kind == "person" {
                let (_, persons) = model::persons_of(conn, contact.id, 0)?;
                if persons > 0 {
                    errors.add(
                        "type",
                        format!(
                            "{} has {persons} person(s); it must stay a company.",
                            contact.no
                        ),
                    );
                    return Ok(UpdateOutcome::Invalid(
                        errors,
                        Box::new(contact),
                        Options::load(conn, false)?,
                    ));
                }
            }
            match model::update(conn, contact.id, version, &values)? {
                Some(saved) => {
                    session::set_flash(
                        conn,
                        &session,
                        Flash::success(format!("Contact {} saved.", saved.no)),
                    )?;
                    Ok(UpdateOutcome::Saved(saved.no))
                }
                None => {
                    let current = model::find(conn, contact.id)?;
                    let company_no = company_no_of(conn, &current)?;
                    let theirs = ContactForm::from_contact(&current, company_no);
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
        UpdateOutcome::Saved(no) => Ok(redirect(&format!("/contacts/{no}"))),
        UpdateOutcome::Invalid(errors, contact, options) => {
            let mut page = FormPage::new(layout, form, options, Some(*contact));
            page.errors = errors;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        UpdateOutcome::Conflict(current, theirs, options) => {
            // Keep what the user typed, on top of the version now stored, so saving again
            // overwrites deliberately.
            let mut yours = form;
            yours.version = current.version.to_string();
            let diff = differences(&theirs, &yours);
            let mut page = FormPage::new(layout, yours, options, Some(*current));
            page.conflict = Some(diff);
            render(StatusCode::CONFLICT, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "contacts/delete.html")]
pub struct DeletePage {
    pub layout: Layout,
    pub contact: Contact,
    pub impact: DeletionImpact,
}

impl DeletePage {
    /// "2 lines (1 removed)" for a segment's lines of this contact.
    pub fn lines_text(&self, s: &SegmentLines) -> String {
        let total = s.current + s.removed;
        let mut text = format!("{total} line{}", if total == 1 { "" } else { "s" });
        if s.removed > 0 {
            text.push_str(&format!(" ({} removed by a step)", s.removed));
        }
        text
    }
}

/// The confirmation page: what goes with the contact, what stops its deletion.
#[get("/contacts/{no}/delete")]
pub async fn confirm_delete(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let (contact, impact) = db(&state.pool, move |conn| {
        let contact = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let impact = guards::deletion_impact(conn, &contact)?;
        Ok((contact, impact))
    })
    .await?;
    ok(&DeletePage {
        layout,
        contact,
        impact,
    })
}

#[post("/contacts/{no}/delete")]
pub async fn delete(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let no = path.into_inner();
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let contact = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
            if let Some(refusal) = guards::deletion_refused(conn, &contact)? {
                session::set_flash(conn, &session, Flash::error(refusal))?;
                return Ok(format!("/contacts/{}/delete", contact.no));
            }
            diesel::delete(crate::db::schema::contacts::table.find(contact.id)).execute(conn)?;
            audit::record(
                conn,
                Actor::User(&user),
                "contact deleted",
                &contact.no,
                &contact.name,
                &ip,
            )?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!("Contact {} {} deleted.", contact.no, contact.name)),
            )?;
            Ok("/contacts".to_string())
        })
    })
    .await?;
    Ok(redirect(&location))
}

/// The field of the contact form that a constraint violation at creation concerns, and what
/// to say next to it.
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

#[derive(Deserialize)]
pub struct ClassificationForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    code: String,
    /// `add` or `remove`.
    #[serde(default)]
    action: String,
}

#[post("/contacts/{no}/classifications")]
pub async fn classify(
    req: HttpRequest,
    _staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ClassificationForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let session = session::current(&req)?;
    let no = path.into_inner();
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let contact = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
            let code = form.code.trim().to_uppercase();
            let flash = match Classification::find(&form.kind) {
                None => Flash::error("Choose what to assign."),
                Some(c) if !c.applies_to(&contact) => Flash::error(format!(
                    "{} are not assigned to a {}.",
                    c.title,
                    contact.type_label().to_lowercase()
                )),
                Some(_) if code.is_empty() => Flash::error("Choose a code to assign."),
                Some(c) if form.action == "remove" => {
                    c.remove(conn, contact.id, &code)?;
                    Flash::success(format!("{code} removed from {}.", c.title.to_lowercase()))
                }
                Some(c) => {
                    if !setup::code_exists(conn, c.codes, &code)? {
                        Flash::error(format!(
                            "There is no code {code} in {}.",
                            c.title.to_lowercase()
                        ))
                    } else if c.add(conn, contact.id, &code)? {
                        Flash::success(format!("{code} added to {}.", c.title.to_lowercase()))
                    } else {
                        Flash::info(format!("{code} was already assigned."))
                    }
                }
            };
            session::set_flash(conn, &session, flash)?;
            // Only a known kind names the section to return to; what was typed never goes
            // into the Location header.
            Ok(match Classification::find(&form.kind) {
                Some(c) => format!("/contacts/{}#{}", contact.no, c.kind.replace('_', "-")),
                None => format!("/contacts/{}", contact.no),
            })
        })
    })
    .await?;
    Ok(redirect(&location))
}

/// Profile answers are all saved or none: a bad answer rolls the transaction back.
enum ProfileError {
    BadAnswer,
    App(AppError),
}

impl From<diesel::result::Error> for ProfileError {
    fn from(e: diesel::result::Error) -> Self {
        ProfileError::App(e.into())
    }
}

#[post("/contacts/{no}/profile")]
pub async fn profile(
    req: HttpRequest,
    _staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let pairs = form.into_inner();
    let session = session::current(&req)?;
    let no = path.into_inner();
    let location = db(&state.pool, move |conn| {
        let contact = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let saved = conn.transaction::<_, ProfileError, _>(|conn| {
            for (key, value) in &pairs {
                let Some(question) = key.strip_prefix("q_").and_then(|q| q.parse::<i64>().ok())
                else {
                    continue;
                };
                let answer = match value.trim() {
                    "" => None,
                    v => Some(v.parse::<i64>().map_err(|_| ProfileError::BadAnswer)?),
                };
                if !card::set_answer(conn, contact.id, question, answer)? {
                    return Err(ProfileError::BadAnswer);
                }
            }
            Ok(())
        });
        let flash = match saved {
            Ok(()) => Flash::success("Profile answers saved."),
            Err(ProfileError::BadAnswer) => {
                Flash::error("An answer did not match its question; nothing was saved.")
            }
            Err(ProfileError::App(e)) => return Err(e),
        };
        session::set_flash(conn, &session, flash)?;
        Ok(format!("/contacts/{}#profile", contact.no))
    })
    .await?;
    Ok(redirect(&location))
}
