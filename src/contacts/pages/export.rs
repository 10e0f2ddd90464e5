//! `GET /contacts/export.csv` and `/contacts/export.xlsx`: the current list query as CSV or as
//! an Excel workbook, streamed row by row from the database, so memory does not grow with the
//! number of contacts. Both have the columns that import reads.

use actix_web::{get, web, HttpRequest, HttpResponse};
use diesel::pg::Pg;
use diesel::sql_types::{Bool, Nullable, Text};

use crate::auth::{Role, SignedIn};
use crate::contacts::domain::csv_format::{self, COLUMNS};
use crate::contacts::domain::list::ListQuery;
use crate::web::csv::{Cell, Format};
use crate::web::AppState;
use crate::web::{csv, db, render, AppResult, Layout};

crate::db::columns::columns_in_order! {
    struct ExportRow {
        no: String as Text,
        kind: String as Text,
        name: String as Text,
        company_no: Option<String> as Nullable<Text>,
        search_name: String as Text,
        job_title: String as Text,
        address: String as Text,
        address_2: String as Text,
        city: String as Text,
        post_code: String as Text,
        country_code: Option<String> as Nullable<Text>,
        phone: String as Text,
        mobile: String as Text,
        email: String as Text,
        website: String as Text,
        salesperson_code: Option<String> as Nullable<Text>,
        territory_code: Option<String> as Nullable<Text>,
        language_code: Option<String> as Nullable<Text>,
        correspondence_type: String as Text,
        organizational_level_code: Option<String> as Nullable<Text>,
        exclude_from_segment: bool as Bool,
        privacy_blocked: bool as Bool,
        industry_groups: Option<String> as Nullable<Text>,
        business_relations: Option<String> as Nullable<Text>,
        mailing_groups: Option<String> as Nullable<Text>,
        job_responsibilities: Option<String> as Nullable<Text>,
        version: String as Text,
        exported_from: String as Text,
    }
}

impl csv::Record for ExportRow {
    const IMPORTED_BACK: bool = true;

    fn cells(&self) -> Vec<Cell<'_>> {
        fn o(v: &Option<String>) -> &str {
            v.as_deref().unwrap_or("")
        }
        let cells: [&str; 28] = [
            &self.no,
            &self.kind,
            &self.name,
            o(&self.company_no),
            &self.search_name,
            &self.job_title,
            &self.address,
            &self.address_2,
            &self.city,
            &self.post_code,
            o(&self.country_code),
            &self.phone,
            &self.mobile,
            &self.email,
            &self.website,
            o(&self.salesperson_code),
            o(&self.territory_code),
            o(&self.language_code),
            &self.correspondence_type,
            o(&self.organizational_level_code),
            csv_format::flag(self.exclude_from_segment),
            csv_format::flag(self.privacy_blocked),
            o(&self.industry_groups),
            o(&self.business_relations),
            o(&self.mailing_groups),
            o(&self.job_responsibilities),
            &self.version,
            &self.exported_from,
        ];
        let mut cells: Vec<Cell<'_>> = cells.into_iter().map(Cell::text).collect();
        cells.push(Cell::Text(
            csv_format::as_exported([
                o(&self.industry_groups),
                o(&self.business_relations),
                o(&self.mailing_groups),
                o(&self.job_responsibilities),
            ])
            .into(),
        ));
        cells
    }
}

fn codes_of(table: &str) -> String {
    format!(
        "(SELECT string_agg(code::text, '|' ORDER BY code) FROM {table} x WHERE x.contact_id = c.id)"
    )
}

/// The export statement for a list query, with its values.
fn export_sql(query: &ListQuery) -> (String, Vec<String>) {
    let (clause, values) = query.conditions();
    let sql = format!(
        "SELECT c.no::text AS no, c.type AS kind, c.name, co.no::text AS company_no, c.search_name, \
                c.job_title, c.address, c.address_2, c.city, c.post_code, \
                c.country_code::text AS country_code, c.phone, c.mobile, c.email, c.website, \
                c.salesperson_code::text AS salesperson_code, c.territory_code::text AS territory_code, \
                c.language_code::text AS language_code, c.correspondence_type, \
                c.organizational_level_code::text AS organizational_level_code, \
                c.exclude_from_segment, c.privacy_blocked, \
                {} AS industry_groups, {} AS business_relations, {} AS mailing_groups, \
                {} AS job_responsibilities, c.version::text AS version, \
                (SELECT database FROM code_list_version) AS exported_from \
         FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id \
         WHERE {clause} ORDER BY {}",
        codes_of("contact_industry_groups"),
        codes_of("contact_business_relations"),
        codes_of("contact_mailing_groups"),
        codes_of("contact_job_responsibilities"),
        query.order_by()
    );
    (sql, values)
}

#[get("/contacts/export.csv")]
pub async fn export(
    req: HttpRequest,
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let can_edit = user.role >= Role::Staff;
    let asked = Export(layout, can_edit, Format::Csv);
    stream(&req, &state, query.into_inner(), asked).await
}

#[get("/contacts/export.xlsx")]
pub async fn export_xlsx(
    req: HttpRequest,
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let can_edit = user.role >= Role::Staff;
    let asked = Export(layout, can_edit, Format::Xlsx);
    stream(&req, &state, query.into_inner(), asked).await
}

/// An export asked for: the list page's layout and edit rights, should it be refused; the
/// file's format.
struct Export(Layout, bool, Format);

async fn stream(
    req: &HttpRequest,
    state: &AppState,
    query: ListQuery,
    Export(layout, can_edit, format): Export,
) -> AppResult<HttpResponse> {
    let query = query.normalised();
    // A filter that names nothing (a company No. or a code mistyped in a kept link, or renamed
    // since) is said on the list, as there, rather than sent as a file of no contacts.
    let q = query.clone();
    let refused = db(&state.pool, move |conn| {
        let company = crate::contacts::domain::list::company_problem(conn, &q.company)?;
        let options = super::Options::load(conn, true)?;
        Ok(company.is_some() || super::list::names_unknown_code(&q, &options))
    })
    .await?;
    if refused {
        let mut page = super::list::load(state, layout, can_edit, query).await?;
        page.export_refused = true;
        return render(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let file_stem = format!("contacts-{}", chrono::Local::now().format("%Y-%m-%d"));
    csv::stream::<ExportRow, _>(
        req,
        &state.exports,
        state.long_pool.clone(),
        format,
        &file_stem,
        &COLUMNS,
        move || {
            let (sql, values) = export_sql(&query);
            let mut boxed = diesel::sql_query(sql).into_boxed::<Pg>();
            for v in values {
                boxed = boxed.bind::<Text, _>(v);
            }
            boxed
        },
    )
    .await
}
