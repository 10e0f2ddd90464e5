//! The campaign pages: the list, a new campaign, the card with its figures, editing and
//! deleting. Thin handlers: read the form, call the domain, render or redirect.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use super::domain::{
    self, Campaign, CampaignForm, EntryRow, ListQuery, ListRow, SegmentRow, Usage, SORTS,
};
use super::figures::{self, Figures};
use crate::admin::audit::{self, Actor};
use crate::auth::{client_ip, session, CurrentUser, Role, SignedIn, Staff};
use crate::db::once;
use crate::setup::{self, CodeList};
use crate::web::pagination::Pager;
use crate::web::AppState;
use crate::web::{
    db, filters, long, ok, redirect, render, AppError, AppResult, Flash, FormErrors, Layout,
};

/// The choices of the campaign form and the list's filters.
pub struct Options {
    pub salespeople: CodeList,
    pub statuses: CodeList,
}

impl Options {
    fn load(conn: &mut PgConnection) -> QueryResult<Self> {
        let mut lists = setup::options_of(conn, &["salespeople", "campaign_statuses"])?.into_iter();
        Ok(Options {
            salespeople: lists.next().unwrap_or_default(),
            statuses: lists.next().unwrap_or_default(),
        })
    }
}

#[derive(Template)]
#[template(path = "campaigns/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub query: ListQuery,
    pub rows: Vec<ListRow>,
    pub pager: Pager,
    pub options: Options,
    pub sorts: [(&'static str, &'static str, &'static str); 6],
    pub can_edit: bool,
}

impl ListPage {
    pub fn page_link(&self, page: i64) -> String {
        self.query.link(&[("page", &page.to_string())])
    }
}

#[get("/campaigns")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner().normalised();
    let q = query.clone();
    let (rows, pager, options) = db(&state.pool, move |conn| {
        let total = domain::count(conn, &q)?;
        let pager = Pager::new(q.page.as_deref(), domain::PAGE_SIZE, total);
        let rows = domain::page(conn, &q, pager.offset())?;
        Ok((rows, pager, Options::load(conn)?))
    })
    .await?;
    ok(&ListPage {
        layout,
        query,
        rows,
        pager,
        options,
        sorts: SORTS,
        can_edit: user.role >= Role::Staff,
    })
}

#[derive(Template)]
#[template(path = "campaigns/form.html")]
pub struct FormPage {
    pub layout: Layout,
    pub form: CampaignForm,
    pub errors: FormErrors,
    pub options: Options,
    /// The campaign being edited (`None` when creating).
    pub editing: Option<Campaign>,
    /// Someone else saved the campaign after this form was opened: the fields that differ
    /// between it as saved and the form (label, saved meanwhile, typed).
    pub conflict: Option<Vec<(&'static str, String, String)>>,
}

impl FormPage {
    fn new(
        layout: Layout,
        form: CampaignForm,
        options: Options,
        editing: Option<Campaign>,
    ) -> Self {
        FormPage {
            layout,
            form,
            errors: FormErrors::new(),
            options,
            editing,
            conflict: None,
        }
    }

    pub fn action(&self) -> String {
        match &self.editing {
            Some(c) => format!("/campaigns/{}", c.no),
            None => "/campaigns".into(),
        }
    }
}

#[get("/campaigns/new")]
pub async fn new(
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let mine = user.salesperson_code.clone();
    let (options, mine) = db(&state.pool, |conn| {
        Ok((
            Options::load(conn)?,
            setup::salespeople::usable(conn, mine)?,
        ))
    })
    .await?;
    // The user's salesperson, unless blocked.
    let form = CampaignForm::new_for(mine);
    ok(&FormPage::new(layout, form, options, None))
}

/// A campaign's fields as the audit trail writes them: description, dates (ISO), salesperson
/// and status.
fn audit_values(c: &Campaign) -> [(&'static str, String); 5] {
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    let date = |d: Option<chrono::NaiveDate>| {
        d.map_or("none".into(), |d| d.format("%Y-%m-%d").to_string())
    };
    [
        ("description", c.description.clone()),
        ("starting date", date(c.starting_date)),
        ("ending date", date(c.ending_date)),
        ("salesperson", or_none(&c.salesperson_code)),
        ("status", or_none(&c.status_code)),
    ]
}

/// What a new campaign records in the audit trail: all its fields.
fn audit_detail(c: &Campaign) -> String {
    let [description, starting, ending, salesperson, status] = audit_values(c);
    format!(
        "{}; {} to {}; salesperson {}; status {}",
        description.1, starting.1, ending.1, salesperson.1, status.1
    )
}

/// What a save changed, each field from → to, as a user's change is written. (Only the new
/// values were written: who had changed what could not be read from the trail.)
fn audit_changes(before: &Campaign, after: &Campaign) -> String {
    audit_values(before)
        .into_iter()
        .zip(audit_values(after))
        .filter(|((_, from), (_, to))| from != to)
        .map(|((field, from), (_, to))| format!("{field} {from} → {to}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[post("/campaigns")]
pub async fn create(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<CampaignForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().normalised();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| match f.validate(conn, None)? {
            Ok(values) => {
                let key = once::key(&f.once);
                let created = once::Created::Campaigns;
                if let Some(no) =
                    session::created_before(conn, &session, created, key.as_deref(), "Campaign")?
                {
                    return Ok(Ok(no));
                }
                // In a savepoint: a code deleted by an administrator between the checks and
                // this write is said by its field, with what was typed (it was a bare
                // "changed at the same time" page).
                let campaign =
                    match conn.transaction(|conn| domain::insert(conn, &values, key.as_deref())) {
                        Err(e) if crate::web::error::is_constraint_race(&e) => {
                            return match f.validate(conn, None)? {
                                Err(errors) => Ok(Err((errors, Options::load(conn)?))),
                                Ok(_) => Err(e.into()),
                            };
                        }
                        other => other?,
                    };
                audit::record(
                    conn,
                    Actor::User(&user),
                    "campaign created",
                    &campaign.no,
                    &audit_detail(&campaign),
                    &ip,
                )?;
                session::set_flash(
                    conn,
                    &session,
                    Flash::success(format!(
                        "Campaign {} {} created.",
                        campaign.no, campaign.description
                    )),
                )?;
                Ok(Ok(campaign.no))
            }
            Err(errors) => Ok(Err((errors, Options::load(conn)?))),
        })
    })
    .await?;
    match result {
        Ok(no) => Ok(redirect(&format!("/campaigns/{no}"))),
        Err((errors, options)) => {
            let mut page = FormPage::new(layout, form, options, None);
            page.errors = errors;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "campaigns/show.html")]
pub struct CardPage {
    pub layout: Layout,
    pub campaign: Campaign,
    /// The names of its salesperson and its status, shown next to their codes.
    pub salesperson_name: Option<String>,
    pub status_name: Option<String>,
    pub figures: Figures,
    /// When the figures shown were counted, in local time, if they are being counted again.
    pub recounting_since: Option<String>,
    pub segments: Vec<SegmentRow>,
    /// The campaign's segments in all (those shown are the newest).
    pub segments_total: i64,
    /// A page of its campaign entries (the newest, or those older than `entries_before`), and
    /// how many it has.
    pub campaign_entries: Vec<domain::CampaignEntryRow>,
    pub campaign_entry_count: i64,
    pub entries_before: Option<i64>,
    /// Whether older ones follow the page's last.
    pub older_entries: bool,
    pub entries: Vec<EntryRow>,
    /// The campaign's opportunities (won and lost whenever they closed).
    pub pipeline: crate::opportunities::domain::pipeline::Figures,
    pub can_edit: bool,
}

impl CardPage {
    pub fn date_text(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(crate::web::filters::date_text).unwrap_or_default()
    }
}

/// The card's query: the page of campaign entries, as the entry before which it starts.
#[derive(serde::Deserialize)]
pub struct CardQuery {
    #[serde(default)]
    entries_before: String,
}

#[get("/campaigns/{no}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<CardQuery>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    // (Not a number: the newest, as without it.)
    let before = query.entries_before.trim().parse::<i64>().ok();
    let wait = state.config.figures_wait;
    // Every long-work connection busy (steps, Log Segment, imports): the figures counted last,
    // saying so, rather than a wait for one of them.
    let long_busy = {
        let pool = state.long_pool.state();
        pool.idle_connections == 0 && pool.connections >= state.long_pool.max_size()
    };
    let (campaign, names, kept, segments, logged, entries, pipeline) =
        db(&state.pool, move |conn| {
            let (campaign, kept) = figures::find_with_kept(conn, &no)?.ok_or(AppError::NotFound)?;
            let kept = match kept {
                Some(figures) => Some(figures::Shown {
                    figures,
                    recounting_since: None,
                }),
                None if long_busy => figures::counted_before(conn, campaign.id)?,
                None => None,
            };
            let names = domain::code_names(conn, &campaign)?;
            let segments = domain::segments(conn, &campaign.no)?;
            let logged = domain::campaign_entries(conn, &campaign.no, before)?;
            let entries = domain::newest_entries(conn, &campaign.no)?;
            let pipeline = crate::opportunities::domain::pipeline::figures(
                conn,
                Some(&campaign.no),
                None,
                None,
            )?;
            Ok((campaign, names, kept, segments, logged, entries, pipeline))
        })
        .await?;
    // Figures not kept (the entries changed since they were counted) are counted on the
    // long-work connections, as every long work is: counted on the pages' own, a few cards of
    // a big campaign opened at once held them all, and every other page waited.
    let (id, campaign_no) = (campaign.id, campaign.no.clone());
    let shown = match kept {
        Some(shown) => shown,
        None => {
            long(&state.long_pool, move |conn| {
                Ok(figures::shown(conn, id, &campaign_no, None, wait)?)
            })
            .await?
        }
    };
    let (salesperson_name, status_name) = names;
    ok(&CardPage {
        layout,
        campaign,
        salesperson_name,
        status_name,
        figures: shown.figures,
        recounting_since: shown
            .recounting_since
            .map(crate::web::filters::local_datetime_text),
        segments: segments.0,
        segments_total: segments.1,
        campaign_entries: logged.rows,
        campaign_entry_count: logged.total,
        entries_before: before,
        older_entries: logged.more,
        entries,
        pipeline,
        can_edit: user.role >= Role::Staff,
    })
}

/// After a write to campaign `no`'s entries has committed (Log Segment, Cancel, Restore, a
/// single interaction, an entry's change): its figures are computed again in the background,
/// so that the card's next view finds them ready. Best effort: a failure is logged and never
/// touches the user's action, and a view that comes first computes them itself. One count per
/// campaign at a time on this instance: writes that come while it runs (a day of single
/// interactions) ask for one more count when it is done, not one each.
pub fn refresh_figures_later(state: &AppState, no: Option<String>) {
    let Some(no) = no else {
        return;
    };
    let running = state.figure_counts.clone();
    {
        let mut counts = running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(again) = counts.get_mut(&no) {
            *again = true;
            return;
        }
        counts.insert(no.clone(), false);
    }
    let pool = state.long_pool.clone();
    actix_web::rt::spawn(async move {
        loop {
            let campaign = no.clone();
            if let Err(e) =
                crate::web::long(&pool, move |conn| Ok(figures::refresh(conn, &campaign)?)).await
            {
                tracing::warn!(campaign = %no, error = %e, "campaign figures not computed in the background");
            }
            let mut counts = running.lock().unwrap_or_else(|e| e.into_inner());
            if counts.get(&no) == Some(&true) {
                counts.insert(no.clone(), false);
            } else {
                counts.remove(&no);
                break;
            }
        }
    });
}

#[get("/campaigns/{no}/edit")]
pub async fn edit(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let (campaign, options) = db(&state.pool, move |conn| {
        let campaign = domain::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        Ok((campaign, Options::load(conn)?))
    })
    .await?;
    let form = CampaignForm::from_campaign(&campaign);
    ok(&FormPage::new(layout, form, options, Some(campaign)))
}

enum UpdateOutcome {
    Saved(String),
    /// The campaign was deleted meanwhile: why, said on the form as a new campaign's.
    Gone(FormErrors, Options),
    Invalid(FormErrors, Box<Campaign>, Options),
    Conflict(Box<Campaign>, Options),
}

use crate::setup::support::follow_rename;

fn save(
    conn: &mut PgConnection,
    no: &str,
    typed: &CampaignForm,
    user: &CurrentUser,
    ip: &str,
    session: &crate::auth::SessionData,
) -> Result<UpdateOutcome, AppError> {
    let Some(campaign) = domain::lock(conn, no)? else {
        // Deleted by a colleague meanwhile: the typed values are not lost with it.
        let no = no.trim().to_uppercase();
        let mut errors = FormErrors::new();
        errors.add(
            "shown",
            crate::admin::audit::deleted_meanwhile(conn, "campaign deleted", "campaign", &no)?,
        );
        return Ok(UpdateOutcome::Gone(errors, Options::load(conn)?));
    };
    // Its salesperson or status renamed since the form was opened: under the code now.
    let mut form = typed.clone();
    let salesperson = campaign.salesperson_code.as_deref();
    follow_rename(conn, "salespeople", &mut form.salesperson_code, salesperson)?;
    let status = campaign.status_code.as_deref();
    follow_rename(conn, "campaign_statuses", &mut form.status_code, status)?;
    let form = &form;
    if form.version.parse::<i32>().ok() != Some(campaign.version) {
        // Saved meanwhile already as the form says (its own first click, sent twice).
        if CampaignForm::from_campaign(&campaign)
            .differences(form)
            .is_empty()
        {
            session::set_flash_unless_waiting(
                conn,
                session,
                Flash::info(crate::web::forms::saved_meanwhile("Campaign", &campaign.no)),
            )?;
            return Ok(UpdateOutcome::Saved(campaign.no));
        }
        return Ok(UpdateOutcome::Conflict(
            Box::new(campaign),
            Options::load(conn)?,
        ));
    }
    let values = match form.validate(conn, campaign.salesperson_code.as_deref())? {
        Ok(values) => values,
        Err(errors) => {
            return Ok(UpdateOutcome::Invalid(
                errors,
                Box::new(campaign),
                Options::load(conn)?,
            ))
        }
    };
    // Saved as it is: nothing to write, no new version to make a colleague's form stale.
    if CampaignForm::from_campaign(&campaign)
        .differences(form)
        .is_empty()
    {
        session::set_flash(
            conn,
            session,
            Flash::info(format!("Nothing was changed on campaign {}.", campaign.no)),
        )?;
        return Ok(UpdateOutcome::Saved(campaign.no));
    }
    // In a savepoint, as at creation.
    let saved = match conn
        .transaction(|conn| domain::update(conn, campaign.id, campaign.version, &values))
    {
        Err(e) if crate::web::error::is_constraint_race(&e) => {
            return match form.validate(conn, campaign.salesperson_code.as_deref())? {
                Err(errors) => Ok(UpdateOutcome::Invalid(
                    errors,
                    Box::new(campaign),
                    Options::load(conn)?,
                )),
                Ok(_) => Err(e.into()),
            };
        }
        other => other?,
    };
    let saved = saved.ok_or(AppError::Internal(anyhow::anyhow!(
        "campaign changed under its lock"
    )))?;
    audit::record(
        conn,
        Actor::User(user),
        "campaign changed",
        &saved.no,
        &audit_changes(&campaign, &saved),
        ip,
    )?;
    session::set_flash(
        conn,
        session,
        Flash::success(format!("Campaign {} saved.", saved.no)),
    )?;
    Ok(UpdateOutcome::Saved(saved.no))
}

#[post("/campaigns/{no}")]
pub async fn update(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CampaignForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().normalised();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let no = path.into_inner();
    let f = form.clone();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| save(conn, &no, &f, &user, &ip, &session))
    })
    .await?;
    match outcome {
        UpdateOutcome::Saved(no) => Ok(redirect(&format!("/campaigns/{no}"))),
        UpdateOutcome::Gone(errors, options) => {
            let form = CampaignForm {
                version: String::new(),
                once: once::new_key(),
                ..form
            };
            let mut page = FormPage::new(layout, form, options, None);
            page.errors = errors;
            render(StatusCode::CONFLICT, &page)
        }
        UpdateOutcome::Invalid(errors, campaign, options) => {
            let mut page = FormPage::new(layout, form, options, Some(*campaign));
            page.errors = errors;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        UpdateOutcome::Conflict(current, options) => {
            // Keep what the user typed, on top of the version now stored, so that saving
            // again overwrites deliberately.
            let mut yours = form;
            yours.version = current.version.to_string();
            let diff = yours.differences(&CampaignForm::from_campaign(&current));
            let mut page = FormPage::new(layout, yours, options, Some(*current));
            page.conflict = Some(diff);
            render(StatusCode::CONFLICT, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "campaigns/delete.html")]
pub struct DeletePage {
    pub layout: Layout,
    pub campaign: Campaign,
    pub usage: Usage,
}

impl DeletePage {
    pub fn refusal(&self) -> Option<String> {
        self.usage.refusal(&self.campaign.no)
    }
}

/// `GET /campaigns/{no}/delete`: confirm, or say what stops the deletion.
#[get("/campaigns/{no}/delete")]
pub async fn confirm_delete(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let (campaign, usage) = db(&state.pool, move |conn| {
        let campaign = domain::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let usage = domain::usage(conn, &campaign.no)?;
        Ok((campaign, usage))
    })
    .await?;
    ok(&DeletePage {
        layout,
        campaign,
        usage,
    })
}

#[post("/campaigns/{no}/delete")]
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
            let Some(campaign) = domain::lock(conn, &no)? else {
                let no = no.trim().to_uppercase();
                let gone = ("campaign deleted", "campaign", no.as_str());
                return audit::gone_to_list(conn, &session, gone, "/campaigns");
            };
            // A step naming it at this moment first ([`crate::db::code_locks`]).
            crate::db::code_locks::for_deletion(conn, "campaigns")?;
            if let Some(why) = domain::usage(conn, &campaign.no)?.refusal(&campaign.no) {
                session::set_flash(conn, &session, Flash::error(why))?;
                return Ok(format!("/campaigns/{}", campaign.no));
            }
            domain::delete(conn, campaign.id)?;
            audit::record(
                conn,
                Actor::User(&user),
                "campaign deleted",
                &campaign.no,
                &campaign.description,
                &ip,
            )?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!(
                    "Campaign {} {} deleted.",
                    campaign.no, campaign.description
                )),
            )?;
            Ok("/campaigns".to_string())
        })
    })
    .await?;
    Ok(redirect(&location))
}
