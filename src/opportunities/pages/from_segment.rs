//! `/segments/{no}/create-opportunities`: what Create Opportunities would make (how many, for
//! which contacts, how many are skipped and why), then making them in one transaction.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::admin::audit::{self, Actor};
use crate::auth::{client_ip, session, Role, SignedIn, Staff};
use crate::opportunities::domain::from_segment::{self, Candidate, Preview};
use crate::opportunities::domain::record;
use crate::segments::domain::header::{self as segment_header, Segment};
use crate::setup::sales_cycles::{self, SalesCycle};
use crate::web::{
    filters, long, ok, redirect, render, AppError, AppResult, AppState, Flash, FormErrors, Layout,
};

/// How many of the contacts the preview names.
const SHOWN: i64 = 20;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    pub sales_cycle_code: String,
    #[serde(default)]
    pub description: String,
    /// What the page showed ([`shown_token`]): creating makes what was shown, or nothing.
    #[serde(default)]
    pub shown: String,
}

/// What the preview shows of the segment and of what it would make: the segment's lines and
/// steps, the salesperson and campaign its header gives the opportunities, and every figure
/// of the preview. A colleague's step or Go Back, or a change of the header's salesperson or
/// campaign, between the page and the click changes it (the button said "Create 2
/// opportunities" and made 228); a line's subject or cost, which no opportunity takes, does
/// not. The last step is named by its id: a colleague's Go Back and another step of as many
/// lines left every count as it was, and the click made opportunities for contacts the page
/// never showed.
fn shown_token(conn: &mut PgConnection, segment: &Segment, p: &Preview) -> QueryResult<String> {
    use crate::db::schema::segment_steps;
    let figures = crate::segments::domain::totals::figures(conn, segment)?;
    use crate::db::schema::segment_lines;
    let last_step: Option<i64> = segment_steps::table
        .filter(segment_steps::segment_id.eq(segment.id))
        .select(diesel::dsl::max(segment_steps::id))
        .first(conn)?;
    // The lines' own salespeople, which the opportunities take before the header's: one
    // changed since made an opportunity for a salesperson the page never showed.
    // (Digested in the database: a segment of 200,000 lines may have as many.)
    let own_salespeople: Option<String> = segment_lines::table
        .filter(segment_lines::segment_id.eq(segment.id))
        .filter(segment_lines::removed_by_step.is_null())
        .filter(segment_lines::salesperson_code.is_not_null())
        .select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Text>,
        >(
            "md5(string_agg(id::text || ':' || salesperson_code, ',' ORDER BY id))",
        ))
        .first(conn)?;
    Ok(crate::db::once::digest(&(
        last_step,
        own_salespeople,
        figures.lines,
        figures.steps,
        &segment.salesperson_code,
        &segment.campaign_no,
        (p.lines, p.skipped, p.repeated, p.privacy_blocked),
        (p.blocked_salesperson, p.again, p.no_salesperson),
    )))
}

#[derive(Template)]
#[template(path = "opportunities/from_segment.html")]
pub struct PreviewPage {
    pub layout: Layout,
    pub segment: Segment,
    pub preview: Preview,
    pub candidates: Vec<Candidate>,
    pub cycles: Vec<SalesCycle>,
    pub form: CreateForm,
    pub errors: FormErrors,
    pub can_edit: bool,
    /// Shown again after a click: the form stays, with what was typed, whatever it says.
    pub sent: bool,
}

struct Data {
    segment: Segment,
    preview: Preview,
    shown: String,
    candidates: Vec<Candidate>,
    cycles: Vec<SalesCycle>,
    /// Why the segment's campaign takes no opportunity created today, when it does not.
    campaign_refusal: Option<String>,
}

fn load(conn: &mut PgConnection, no: &str) -> AppResult<Data> {
    let segment = segment_header::find_by_no(conn, no)?.ok_or(AppError::NotFound)?;
    let made = from_segment::preview(conn, segment.id)?;
    Ok(Data {
        campaign_refusal: campaign_refusal(conn, &segment)?,
        shown: shown_token(conn, &segment, &made)?,
        preview: made,
        candidates: from_segment::candidates(conn, segment.id, SHOWN)?,
        cycles: sales_cycles::open_cycles(conn)?,
        segment,
    })
}

/// The segment's campaign does not run today, the opportunities' creation date: as a single
/// opportunity of it is refused (Opportunity.CheckCampaign), so are these; said on the page
/// before the click, and by the click.
fn campaign_refusal(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Option<String>> {
    let Some(no) = segment.campaign_no.as_deref() else {
        return Ok(None);
    };
    let Some(campaign) = crate::campaigns::domain::find_by_no(conn, no)? else {
        return Ok(None);
    };
    let today = chrono::Local::now().date_naive();
    Ok(record::not_running(&campaign, today).map(|why| {
        format!(
            "{why}: opportunities created today ({}) cannot be of it. Change the campaign on \
             the segment's header, or the campaign's dates.",
            filters::date_text(today)
        )
    }))
}

fn page(layout: Layout, d: Data, can_edit: bool) -> PreviewPage {
    let mut errors = FormErrors::new();
    if let Some(why) = &d.campaign_refusal {
        errors.add("campaign", why.clone());
    }
    // A cycle is chosen, unless there is only one, as on a single opportunity's form: the
    // first of several by code was taken by whoever did not look, for every line at once.
    let form = CreateForm {
        sales_cycle_code: match d.cycles.as_slice() {
            [only] => only.code.clone(),
            _ => String::new(),
        },
        description: d.segment.description.clone(),
        shown: d.shown,
    };
    PreviewPage {
        layout,
        segment: d.segment,
        preview: d.preview,
        candidates: d.candidates,
        cycles: d.cycles,
        form,
        errors,
        can_edit,
        sent: false,
    }
}

#[get("/segments/{no}/create-opportunities")]
pub async fn preview(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let data = long(&state.long_pool, move |conn| load(conn, &no)).await?;
    ok(&page(layout, data, user.role >= Role::Staff))
}

/// The form's problems, all at once.
fn check(form: &CreateForm, cycles: &[SalesCycle], segment: &Segment) -> FormErrors {
    let mut errors = FormErrors::new();
    let code = form.sales_cycle_code.trim().to_uppercase();
    if !cycles.iter().any(|c| c.code == code) {
        errors.add(
            "sales_cycle_code",
            "Choose a sales cycle (blocked cycles are not offered).",
        );
    }
    let d = form.description.trim();
    crate::web::forms::check_text(
        &mut errors,
        "description",
        d,
        100,
        Some("Enter a description for the opportunities."),
    );
    if segment.is_canceled() {
        errors.add(
            "sales_cycle_code",
            format!(
                "Segment {} is canceled: restore it before creating opportunities from it.",
                segment.no
            ),
        );
    }
    errors
}

#[post("/segments/{no}/create-opportunities")]
pub async fn create(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CreateForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let form = form.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let f = form.clone();
    let result = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            // One run at a time per segment: the second waits, then finds nothing left to do.
            let Some(segment) = segment_header::lock(conn, &no)? else {
                let gone = ("segment deleted", "segment", no.as_str());
                return Err(audit::gone_meanwhile(conn, gone, "/segments"));
            };
            let cycles = sales_cycles::open_cycles(conn)?;
            let mut errors = check(&f, &cycles, &segment);
            if let Some(why) = campaign_refusal(conn, &segment)? {
                errors.add("campaign", why);
            }
            if !errors.is_empty() {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(Err((status, errors, load(conn, &segment.no)?)));
            }
            // Changed since the page was shown: it is shown again as it is now, nothing made.
            // (With nothing left to make, a second sending of the form — a double click —
            // goes on to say so and keeps the first sending's message.)
            let now = load(conn, &segment.no)?;
            if !f.shown.is_empty() && now.shown != f.shown && now.preview.to_create() > 0 {
                let mut errors = FormErrors::new();
                errors.add(
                    "sales_cycle_code",
                    format!(
                        "Nothing was created: segment {} or its contacts' opportunities changed \
                         since this page was shown. It now makes {}, as below: check them and \
                         create again.",
                        segment.no,
                        crate::web::pagination::counted(
                            now.preview.to_create(),
                            "opportunity",
                            "opportunities"
                        )
                    ),
                );
                return Ok(Err((StatusCode::CONFLICT, errors, now)));
            }
            let made = from_segment::create(
                conn,
                segment.id,
                &f.sales_cycle_code.trim().to_uppercase(),
                f.description.trim(),
                chrono::Local::now().date_naive(),
                user.id,
                &user.display_name,
            )?;
            // What is left when nothing was made, read once (a preview over every line).
            let left = match made {
                0 => Some(from_segment::preview(conn, segment.id)?),
                _ => None,
            };
            let message = match (made, left) {
                // Emptied meanwhile (a preview left open), as Business Central says it.
                (0, Some(left)) if left.lines == 0 => {
                    let message = format!(
                        "No opportunity created: segment {} has no lines. You cannot create \
                         opportunities on an empty segment.",
                        segment.no
                    );
                    session::set_flash(conn, &session, Flash::info(message))?;
                    return Ok(Ok(segment.no));
                }
                (0, Some(left)) if left.privacy_blocked > 0 => format!(
                    "No opportunity created: every contact of segment {} already has an open one \
                     from it or is privacy blocked.",
                    segment.no
                ),
                (0, _) => format!(
                    "No opportunity created: every contact of segment {} already has an open one from it.",
                    segment.no
                ),
                (1, _) => format!("1 opportunity created from segment {}.", segment.no),
                (n, _) => format!(
                    "{} opportunities created from segment {}.",
                    crate::web::pagination::thousands(n),
                    segment.no
                ),
            };
            if made == 0 {
                // Nothing made, nothing to record; and the button sent twice (a double click)
                // keeps the first sending's message, which says what it made.
                session::set_flash_unless_waiting(conn, &session, Flash::info(message))?;
                return Ok(Ok(segment.no));
            }
            audit::record(
                conn,
                Actor::User(&user),
                "opportunities created",
                &segment.no,
                // (Its number without thousands separators, as the trail's details are.)
                &format!(
                    "{} created from segment {}.",
                    crate::web::pagination::counted_plain(made, "opportunity", "opportunities"),
                    segment.no
                ),
                &ip,
            )?;
            session::set_flash(conn, &session, Flash::success(message))?;
            Ok(Ok(segment.no))
        })
    })
    .await?;
    match result {
        // At the list of the segment's opportunities: the pipeline's figures above it are all
        // opportunities', which read as if they disagreed with the message.
        Ok(no) => Ok(redirect(&format!(
            "/opportunities?segment={}#list-heading",
            crate::setup::support::path_segment(&no)
        ))),
        Err((status, errors, data)) => {
            let mut p = page(layout, data, true);
            // What was typed, with what the page shows now.
            p.form = CreateForm {
                shown: p.form.shown,
                ..form
            };
            p.errors = errors;
            p.sent = true;
            render(status, &p)
        }
    }
}
