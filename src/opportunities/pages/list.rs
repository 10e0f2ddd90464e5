//! `/opportunities`: the list with its filters, sorts and keyset pages, the pipeline figures
//! beside it, and the CSV export of what the filters select.

use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::{Role, SignedIn};
use crate::db::binds::bind_all;
use crate::opportunities::domain::list::{
    self as listing, ExportRow, ListQuery, Page, EXPORT_COLUMNS, SORTS, STATUS_FILTERS,
};
use crate::opportunities::domain::pipeline::{self, Figures};
use crate::setup::{self, CodeList};
use crate::web::csv::{self, Format};
use crate::web::pagination::thousands;
use crate::web::{db, filters, render, AppError, AppResult, AppState, FormErrors, Layout};

/// The choices of the list's filters.
pub struct Options {
    pub salespeople: CodeList,
    pub cycles: CodeList,
}

fn options(conn: &mut PgConnection) -> QueryResult<Options> {
    let [salespeople, cycles]: [CodeList; 2] =
        setup::options_of(conn, &["salespeople", "sales_cycles"])?
            .try_into()
            .map_err(|_| diesel::result::Error::NotFound)?;
    Ok(Options {
        salespeople,
        cycles,
    })
}

/// The period of the figures' won and lost: `?from=…&to=…` (default: this year).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Period {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

#[derive(Template)]
#[template(path = "opportunities/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub query: ListQuery,
    pub page: Page,
    pub figures: Figures,
    pub period: Period,
    pub options: Options,
    pub errors: FormErrors,
    /// Whether the list's filters could be read, and the list was read with them.
    pub listed: bool,
    pub sorts: [(&'static str, &'static str, &'static str, &'static str); 4],
    pub statuses: [(&'static str, &'static str); 5],
    pub can_edit: bool,
}

impl ListPage {
    /// Whose opportunities the list shows, when a card's link filtered it.
    pub fn scope(&self) -> String {
        let q = &self.query;
        crate::web::pagination::scope(&[
            ("contact", &q.contact),
            ("company", &q.company),
            ("segment", &q.segment),
            ("campaign", &q.campaign),
        ])
    }
}

impl ListPage {
    pub fn total_text(&self) -> String {
        if self.page.total > listing::COUNT_CAP {
            format!("more than {}", thousands(listing::COUNT_CAP))
        } else {
            thousands(self.page.total)
        }
    }

    pub fn first_link(&self) -> String {
        self.query.link(&[])
    }

    pub fn next_link(&self) -> String {
        let after = self
            .page
            .rows
            .last()
            .map(|r| r.cursor())
            .unwrap_or_default();
        self.query.link(&[("after", &after)])
    }

    pub fn prev_link(&self) -> String {
        let before = self
            .page
            .rows
            .first()
            .map(|r| r.cursor())
            .unwrap_or_default();
        self.query.link(&[("before", &before)])
    }

    pub fn last_link(&self) -> String {
        self.query.link(&[("last", "1")])
    }

    pub fn export_link(&self) -> String {
        format!("/opportunities/export.csv{}", self.query.link(&[]))
    }

    pub fn export_xlsx_link(&self) -> String {
        format!("/opportunities/export.xlsx{}", self.query.link(&[]))
    }
}

/// The period as dates: empty ends are open; a date that cannot be read, or a To date before
/// the From date, is an error.
fn period_dates(p: &Period, errors: &mut FormErrors) -> (Option<NaiveDate>, Option<NaiveDate>) {
    match crate::web::forms::date_range(("from", "to"), &p.from, &p.to) {
        Ok(period) => period,
        Err(problems) => {
            for (field, message) in problems {
                errors.add(field, message);
            }
            // What could be read still narrows the figures.
            (
                crate::web::forms::date(&p.from),
                crate::web::forms::date(&p.to),
            )
        }
    }
}

#[get("/opportunities")]
pub async fn list(
    req: HttpRequest,
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let mut query = query.into_inner().normalised();
    let mut period = web::Query::<Period>::from_query(req.query_string())
        .map(|p| p.into_inner())
        .unwrap_or_default();
    // No period given: this year. Given with both ends emptied: all time (it snapped back to
    // this year, and the won and lost of all time could not be shown).
    let given = url::form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(k, _)| k == "from" || k == "to");
    if period.from.is_empty() && period.to.is_empty() {
        if given {
            query.all_time = true;
        } else {
            let today = chrono::Local::now().date_naive();
            period.from = format!("{}-01-01", chrono::Datelike::year(&today));
        }
    }
    let mut errors = FormErrors::new();
    for (field, message) in query.problems() {
        errors.add(field, message);
    }
    // The period governs the figures only: a wrong date there leaves the list as it is.
    let valid = errors.is_empty();
    let (from, to) = period_dates(&period, &mut errors);
    let q = query.clone();
    let (page, figures, options, unknown, listed) = db(&state.pool, move |conn| {
        let groups = pipeline::groups(conn, None, from, to)?;
        let unknown = if valid { q.unknown(conn)? } else { Vec::new() };
        let listed = valid && unknown.is_empty();
        let page = if listed {
            listing::page(conn, &q, &groups)?
        } else {
            Page {
                rows: Vec::new(),
                has_prev: false,
                has_next: false,
                total: 0,
            }
        };
        Ok((
            page,
            pipeline::figures_of(&groups, from, to),
            options(conn)?,
            unknown,
            listed,
        ))
    })
    .await?;
    for (field, message) in unknown {
        errors.add(field, message);
    }
    let status = crate::web::status_of(!errors.is_empty());
    render(
        status,
        &ListPage {
            layout,
            query,
            page,
            figures,
            period,
            options,
            errors,
            listed,
            sorts: SORTS,
            statuses: STATUS_FILTERS,
            can_edit: user.role >= Role::Staff,
        },
    )
}

#[get("/opportunities/export.csv")]
pub async fn export(
    req: HttpRequest,
    _user: SignedIn,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    stream(&req, &state, query.into_inner(), Format::Csv).await
}

#[get("/opportunities/export.xlsx")]
pub async fn export_xlsx(
    req: HttpRequest,
    _user: SignedIn,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    stream(&req, &state, query.into_inner(), Format::Xlsx).await
}

async fn stream(
    req: &HttpRequest,
    state: &AppState,
    query: ListQuery,
    format: Format,
) -> AppResult<HttpResponse> {
    let query = query.normalised();
    // A filter the list would refuse (422, by its field) is refused here too, by name: left
    // out, the file would hold every opportunity.
    if let Some((field, message)) = query.problems().into_iter().next() {
        return Err(AppError::BadRequest {
            field: field.to_string(),
            message,
        });
    }
    // So is a contact, company, campaign or segment that names nothing or the wrong thing (a
    // person given as the company): the file would hold no opportunity, as if it had none.
    let q = query.clone();
    let unknown = db(&state.pool, move |conn| Ok(q.unknown(conn)?)).await?;
    if let Some((field, message)) = unknown.into_iter().next() {
        return Err(AppError::BadRequest {
            field: field.to_string(),
            message,
        });
    }
    let (sql, values) = listing::export_query(&query);
    let file_stem = format!("opportunities-{}", chrono::Local::now().format("%Y-%m-%d"));
    csv::stream::<ExportRow, _>(
        req,
        &state.exports,
        state.long_pool.clone(),
        format,
        &file_stem,
        &EXPORT_COLUMNS,
        move || bind_all(diesel::sql_query(sql).into_boxed(), values),
    )
    .await
}
