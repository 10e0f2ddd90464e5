//! An opportunity's card: its figures, the Update action (exactly the moves its cycle allows),
//! Close as won or lost, Reopen, and its history; and a new opportunity (from a contact's card
//! or `/opportunities/new`).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::admin::audit::{self, Actor as AuditActor};
use crate::auth::{client_ip, session, CurrentUser, Role, SignedIn, Staff};
use crate::db::once;
use crate::opportunities::domain::moves::{
    self, Actor, CloseForm, MoveOption, Outcome, ReopenForm, UpdateForm,
};
use crate::opportunities::domain::record::{
    self, money, percent, EntryRow, NewForm, Opportunity, PRIORITIES,
};
use crate::setup::sales_cycles::{self, close_codes::CloseCode, SalesCycle, Stage};
use crate::setup::CodeList;
use crate::web::{
    db, filters, ok, redirect, render, AppError, AppResult, AppState, Flash, FormErrors, Layout,
};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

// ---------------------------------------------------------------------------------------------
// A new opportunity.

pub struct NewOptions {
    pub salespeople: CodeList,
    pub cycles: Vec<SalesCycle>,
}

/// `chosen`: a salesperson the form is shown again with, kept (marked when blocked since).
fn new_options(conn: &mut PgConnection, chosen: &str) -> QueryResult<NewOptions> {
    Ok(NewOptions {
        // Not blocked: an opportunity takes none.
        salespeople: crate::interactions::single::salesperson_options_keeping(conn, chosen)?,
        cycles: sales_cycles::open_cycles(conn)?,
    })
}

#[derive(Template)]
#[template(path = "opportunities/new.html")]
pub struct NewPage {
    pub layout: Layout,
    pub form: NewForm,
    pub errors: FormErrors,
    pub options: NewOptions,
    pub priorities: [(&'static str, &'static str); 3],
    /// The name of the contact the form names, when there is one.
    pub contact_name: Option<String>,
}

impl NewPage {
    /// Where Cancel leads: the contact's card it was opened from, else the list.
    pub fn back(&self) -> (String, String) {
        match self.form.from_contact.as_str() {
            "" => ("/opportunities".into(), "Opportunities".into()),
            no => (
                crate::contacts::model::card_href(no),
                format!("Contact {no}"),
            ),
        }
    }

    /// The contact field's hint: the name of the contact it names, when there is one.
    pub fn contact_hint(&self) -> String {
        match &self.contact_name {
            Some(name) => format!("{} is {name}.", self.form.contact_no),
            None => "A person or a company, e.g. CT000012.".into(),
        }
    }

    /// The estimated value's hint, its example written as the office writes amounts.
    pub fn value_hint(&self) -> String {
        format!(
            "What the deal is worth, e.g. {}.",
            crate::web::forms::amount_example_of(12500)
        )
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub campaign: String,
}

#[get("/opportunities/new")]
pub async fn new(
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let contact_no = query.contact.trim().to_uppercase();
    let from_contact = contact_no.clone();
    let (options, contact_salesperson, contact_name) = db(&state.pool, move |conn| {
        let contact = if from_contact.is_empty() {
            None
        } else {
            crate::contacts::model::find_by_no(conn, &from_contact)?
        };
        let name = contact.as_ref().map(|c| c.name.clone());
        Ok((
            new_options(conn, "")?,
            contact.and_then(|c| c.salesperson_code),
            name,
        ))
    })
    .await?;
    // From a contact, the contact's salesperson (as in Business Central); else the user's.
    let salesperson = options
        .salespeople
        .first_offered([&contact_salesperson, &user.salesperson_code])
        .unwrap_or_default();
    // A cycle is chosen, unless there is only one: the first of several was taken by
    // whoever did not look (new business under "Existing customer").
    let sales_cycle_code = match options.cycles.as_slice() {
        [only] => only.code.clone(),
        _ => String::new(),
    };
    let form = NewForm {
        from_contact: if contact_name.is_some() {
            contact_no.clone()
        } else {
            String::new()
        },
        contact_no,
        campaign_no: query.campaign.trim().to_uppercase(),
        salesperson_code: salesperson,
        sales_cycle_code,
        priority: "normal".into(),
        once: crate::db::once::new_key(),
        ..Default::default()
    };
    ok(&NewPage {
        layout,
        form,
        errors: FormErrors::new(),
        options,
        priorities: PRIORITIES,
        contact_name,
    })
}

fn record_audit(
    conn: &mut PgConnection,
    user: &CurrentUser,
    action: &str,
    no: &str,
    detail: &str,
    ip: &str,
) -> QueryResult<()> {
    audit::record(conn, AuditActor::User(user), action, no, detail, ip)
}

#[post("/opportunities")]
pub async fn create(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<NewForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().normalised();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| match f.validate(conn, today())? {
            Ok(values) => {
                let key = values.form_key.as_deref();
                let created = once::Created::Opportunities;
                if let Some(no) =
                    session::created_before(conn, &session, created, key, "Opportunity")?
                {
                    return Ok(Ok(no));
                }
                let no = record::create(conn, &values, today(), user.id, &user.display_name)?;
                record_audit(conn, &user, "opportunity created", &no, &values.description, &ip)?;
                session::set_flash(
                    conn,
                    &session,
                    Flash::success(format!("Opportunity {no} created. Start it on its first stage when the work begins.")),
                )?;
                Ok(Ok(no))
            }
            Err(errors) => {
                let name = crate::contacts::model::find_by_no(conn, &f.contact_no)?.map(|c| c.name);
                Ok(Err((errors, new_options(conn, &f.salesperson_code)?, name)))
            }
        })
    })
    .await?;
    match result {
        Ok(no) => Ok(redirect(&format!("/opportunities/{no}"))),
        Err((errors, options, contact_name)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                layout,
                form,
                errors,
                options,
                priorities: PRIORITIES,
                contact_name,
            },
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// The card.

#[derive(Template)]
#[template(path = "opportunities/show.html")]
pub struct CardPage {
    pub layout: Layout,
    pub o: Opportunity,
    pub stages: Vec<Stage>,
    pub moves: Vec<MoveOption>,
    pub update: UpdateForm,
    pub update_errors: FormErrors,
    pub close: CloseForm,
    pub close_errors: FormErrors,
    pub close_codes: Vec<CloseCode>,
    pub entries: Vec<EntryRow>,
    pub can_edit: bool,
    /// Someone else changed the opportunity after the form was opened.
    pub stale: bool,
    /// What was typed in an Update or Close of an opportunity closed since: no form of the card
    /// holds it now, so it is listed (label, value) beside the conflict's message.
    pub typed: Vec<(&'static str, String)>,
    /// The one-time key of the card's forms ([`crate::db::once`]): one change per card shown.
    pub once: String,
}

impl CardPage {
    /// The estimated value's hint, with an example written as the office writes amounts.
    pub fn value_hint(&self) -> String {
        format!(
            "More than 0, e.g. {}.",
            crate::web::forms::amount_example_of(12500)
        )
    }

    pub fn money(&self, v: &bigdecimal::BigDecimal) -> String {
        money(v)
    }

    pub fn percent(&self, v: &bigdecimal::BigDecimal) -> String {
        percent(v)
    }

    pub fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        record::date_shown(d)
    }

    /// The stage each one-stage move reaches, sent back with the form ([`moves::shown`]).
    pub fn shown(&self) -> String {
        moves::shown(&self.moves)
    }

    /// The stage a one-target move reaches, in words.
    pub fn reaches(&self, m: &MoveOption) -> String {
        match m.stages.as_slice() {
            [one] => format!("stage {} {}", one.stage, one.description),
            _ => String::new(),
        }
    }

    pub fn choosing_stages(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for m in self.moves.iter().filter(|m| m.needs_choice()) {
            for s in &m.stages {
                out.push((
                    s.stage.to_string(),
                    format!("{} – {} ({})", s.stage, s.description, m.action.as_str()),
                ));
            }
        }
        out
    }
}

struct CardData {
    o: Opportunity,
    stages: Vec<Stage>,
    close_codes: Vec<CloseCode>,
    entries: Vec<EntryRow>,
}

fn load(conn: &mut PgConnection, no: &str) -> AppResult<CardData> {
    let o = record::find(conn, no)?.ok_or(AppError::NotFound)?;
    Ok(CardData {
        stages: sales_cycles::stages(conn, &o.sales_cycle_code)?,
        close_codes: sales_cycles::close_codes(conn)?,
        entries: record::entries(conn, o.id)?,
        o,
    })
}

fn card(layout: Layout, d: CardData, can_edit: bool) -> CardPage {
    let moves = moves::options(&d.o, &d.stages);
    CardPage {
        layout,
        update: UpdateForm::for_opportunity(&d.o, &moves),
        close: CloseForm::for_opportunity(&d.o, today()),
        moves,
        stages: d.stages,
        update_errors: FormErrors::new(),
        close_errors: FormErrors::new(),
        close_codes: d.close_codes,
        entries: d.entries,
        o: d.o,
        can_edit,
        stale: false,
        typed: Vec::new(),
        once: crate::db::once::new_key(),
    }
}

#[get("/opportunities/{no}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let data = db(&state.pool, move |conn| load(conn, &no)).await?;
    ok(&card(layout, data, user.role >= Role::Staff))
}

/// Which form of the card a change came from, to show its errors next to it.
enum Which {
    Update(UpdateForm),
    Close(CloseForm),
    Reopen(ReopenForm),
}

/// Runs one change of the card in one transaction: locks the opportunity, applies `change`,
/// records it in the audit trail and leaves the flash; or shows the card again with the
/// reasons next to the form (422), or says that someone else changed it first (409).
async fn change_card(
    req: HttpRequest,
    user: CurrentUser,
    layout: Layout,
    state: web::Data<AppState>,
    no: String,
    which: Which,
) -> AppResult<HttpResponse> {
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let w = match &which {
        Which::Update(f) => Which::Update(f.clone()),
        Which::Close(f) => Which::Close(f.clone()),
        Which::Reopen(f) => Which::Reopen(f.clone()),
    };
    // What was sent, but its version and key: the same form sent twice sends the same.
    let blank = String::new;
    let (version, key, digest) = match &which {
        Which::Update(f) => (
            &f.version,
            &f.once,
            crate::db::once::digest(&UpdateForm {
                version: blank(),
                once: blank(),
                ..f.clone()
            }),
        ),
        Which::Close(f) => (
            &f.version,
            &f.once,
            crate::db::once::digest(&CloseForm {
                version: blank(),
                once: blank(),
                ..f.clone()
            }),
        ),
        Which::Reopen(f) => (&f.version, &f.once, crate::db::once::digest(&"reopen")),
    };
    let version = version.trim().parse::<i32>().ok();
    let key = crate::db::once::key(key);
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            // The cycle before the opportunity, as an administrator's change of the cycle takes
            // them: a change of its probability calculation waits for this one and then figures
            // the opportunity by it, or this one waits for it and figures by the new one.
            if let Some(seen) = record::find(conn, &no)? {
                sales_cycles::hold(conn, &seen.sales_cycle_code)?;
            }
            let Some(o) = record::lock(conn, &no)? else {
                let gone = ("opportunity deleted", "opportunity", no.as_str());
                return Err(audit::gone_meanwhile(conn, gone, "/opportunities"));
            };
            // The same form sent twice (a double click): the first made its change, and a
            // move made again would move the opportunity once more.
            if version != Some(o.version)
                && crate::db::once::made_current(conn, key.as_deref(), o.version, &digest)?
            {
                let message = format!(
                    "Opportunity {} was changed already as your form says (it was sent \
                     twice): nothing more was done.",
                    o.no
                );
                session::set_flash_unless_waiting(conn, &session, Flash::info(message))?;
                return Ok((Outcome::SentTwice, None, o.no));
            }
            let actor = Actor {
                user_id: user.id,
                user_name: &user.display_name,
                today: today(),
            };
            let (outcome, action) = match &w {
                Which::Update(f) => (moves::update(conn, &o, f, &actor)?, "opportunity updated"),
                Which::Close(f) => {
                    sales_cycles::hold_close_code(conn, &f.close_code.trim().to_uppercase())?;
                    let codes = sales_cycles::close_codes(conn)?;
                    (
                        moves::close(conn, &o, f, &codes, &actor)?,
                        "opportunity closed",
                    )
                }
                Which::Reopen(f) => (moves::reopen(conn, &o, f, &actor)?, "opportunity reopened"),
            };
            if let Outcome::Done(said) = &outcome {
                record_audit(conn, &user, action, &o.no, &said.audit, &ip)?;
                session::set_flash(conn, &session, Flash::success(said.shown.clone()))?;
                if let Some(made) = record::find(conn, &o.no)? {
                    crate::db::once::mark_sent(conn, key.as_deref(), made.version, &digest)?;
                }
            }
            let data = match outcome {
                Outcome::Done(_) | Outcome::SentTwice => None,
                _ => Some(load(conn, &o.no)?),
            };
            Ok((outcome, data, o.no))
        })
    })
    .await?;
    match outcome {
        (Outcome::Done(_), _, no) => Ok(redirect(&format!("/opportunities/{no}"))),
        (Outcome::Invalid(errors), Some(data), _) => {
            let mut page = card(layout, data, true);
            match which {
                Which::Update(f) => {
                    page.update = f;
                    page.update_errors = errors;
                }
                Which::Close(f) => {
                    page.close = f;
                    page.close_errors = errors;
                }
                Which::Reopen(_) => page.update_errors = errors,
            }
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        (_, Some(data), _) => {
            // What was typed is kept, under the version as it is now: sent again, it applies
            // to the opportunity as the page shows it.
            let mut page = card(layout, data, true);
            page.stale = true;
            if page.o.status().is_closed() {
                page.typed = typed(&which);
            }
            match which {
                Which::Update(f) => {
                    page.update = UpdateForm {
                        version: page.update.version.clone(),
                        ..f
                    }
                }
                Which::Close(f) => {
                    page.close = CloseForm {
                        version: page.close.version.clone(),
                        ..f
                    }
                }
                Which::Reopen(_) => {}
            }
            render(StatusCode::CONFLICT, &page)
        }
        (_, None, no) => Ok(redirect(&format!("/opportunities/{no}"))),
    }
}

/// The values typed in `which` that were filled in, as the card's fields name them.
fn typed(which: &Which) -> Vec<(&'static str, String)> {
    let fields: Vec<(&'static str, &str)> = match which {
        Which::Update(f) => vec![
            (
                "Move",
                crate::setup::sales_cycles::rules::Move::parse(&f.action)
                    .map_or(f.action.as_str(), |m| m.label()),
            ),
            ("Stage", &f.stage),
            ("Estimated value", &f.estimated_value),
            ("Chances of success %", &f.chances_pct),
            ("Estimated closing date", &f.estimated_closing_date),
            ("Quote reference", &f.quote_reference),
        ],
        Which::Close(f) => vec![
            ("Outcome", f.outcome.as_str()),
            ("Close code", &f.close_code),
            ("Date closed", &f.date_closed),
            ("Final value", &f.final_value),
        ],
        Which::Reopen(_) => Vec::new(),
    };
    fields
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(label, v)| (label, v.trim().to_string()))
        .collect()
}

/// The address a refused Update, Close or Reopen was shown at (its form's action), opened
/// again (reloaded, bookmarked, copied): the card. It was "Page not found … may have been
/// deleted".
#[get("/opportunities/{no}/{action:update|close|reopen}")]
pub async fn to_card(
    SignedIn(_user): SignedIn,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (no, _) = path.into_inner();
    Ok(redirect(&format!(
        "/opportunities/{}",
        crate::web::pagination::path_segment(&no)
    )))
}

#[post("/opportunities/{no}/update")]
pub async fn update(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<UpdateForm>,
) -> AppResult<HttpResponse> {
    let which = Which::Update(form.into_inner());
    change_card(req, user, layout, state, path.into_inner(), which).await
}

#[post("/opportunities/{no}/close")]
pub async fn close(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CloseForm>,
) -> AppResult<HttpResponse> {
    let which = Which::Close(form.into_inner());
    change_card(req, user, layout, state, path.into_inner(), which).await
}

#[post("/opportunities/{no}/reopen")]
pub async fn reopen(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReopenForm>,
) -> AppResult<HttpResponse> {
    let which = Which::Reopen(form.into_inner());
    change_card(req, user, layout, state, path.into_inner(), which).await
}

// ---------------------------------------------------------------------------------------------
// Deleting an opportunity.

#[derive(Template)]
#[template(path = "opportunities/delete.html")]
pub struct DeletePage {
    pub layout: Layout,
    pub o: Opportunity,
    /// Its history entries, which go with it.
    pub entries: usize,
}

impl DeletePage {
    pub fn refusal(&self) -> Option<String> {
        record::delete_refusal(&self.o)
    }

    pub fn entries_text(&self) -> String {
        crate::web::pagination::counted(self.entries as i64, "history entry", "history entries")
    }
}

/// `GET /opportunities/{no}/delete`: confirm, or say why it cannot be deleted.
#[get("/opportunities/{no}/delete")]
pub async fn confirm_delete(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let (o, entries) = db(&state.pool, move |conn| {
        let o = record::find(conn, &no)?.ok_or(AppError::NotFound)?;
        let entries = record::entries(conn, o.id)?.len();
        Ok((o, entries))
    })
    .await?;
    ok(&DeletePage { layout, o, entries })
}

/// `POST /opportunities/{no}/delete`: deletes it with its history, in one transaction, or
/// says on its card why not (it became active meanwhile).
#[derive(Deserialize)]
pub struct DeleteForm {
    /// The opportunity's version the confirmation page showed.
    #[serde(default)]
    version: String,
}

#[post("/opportunities/{no}/delete")]
pub async fn delete(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let no = path.into_inner();
    let shown = form.into_inner().version.trim().parse::<i32>().ok();
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            // Deleted already: by this form's first sending (a double click), whose message
            // stays, or by a colleague. Before, a 404 after a delete that was done.
            let Some(o) = record::lock(conn, &no)? else {
                let message =
                    format!("Opportunity {no} is deleted already: nothing more to delete.");
                session::set_flash_unless_waiting(conn, &session, Flash::info(message))?;
                return Ok("/opportunities".to_string());
            };
            if let Some(why) = record::delete_refusal(&o) {
                session::set_flash(conn, &session, Flash::error(why))?;
                return Ok(o.href());
            }
            // Changed since the confirmation was shown (its contact, a close, a reopen): what
            // was confirmed is not what would go. Shown again as it is now.
            if shown.is_some_and(|v| v != o.version) {
                session::set_flash(
                    conn,
                    &session,
                    Flash::error(format!(
                        "Opportunity {} was changed after this page was opened: nothing was \
                         deleted. Here it is as it is now; delete it again if it should go.",
                        o.no
                    )),
                )?;
                return Ok(format!("{}/delete", o.href()));
            }
            let entries = record::delete(conn, o.id)?;
            audit::record(
                conn,
                AuditActor::User(&user),
                "opportunity deleted",
                &o.no,
                &format!(
                    "{}; contact {}; status {}; {}",
                    o.description,
                    o.contact_no,
                    o.status_label(),
                    crate::web::pagination::counted_plain(
                        entries as i64,
                        "history entry",
                        "history entries"
                    )
                ),
                &ip,
            )?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!(
                    "Opportunity {} {} deleted, with its {}.",
                    o.no,
                    o.description,
                    crate::web::pagination::counted(
                        entries as i64,
                        "history entry",
                        "history entries"
                    )
                )),
            )?;
            Ok("/opportunities".to_string())
        })
    })
    .await?;
    Ok(redirect(&location))
}
