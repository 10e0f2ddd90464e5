//! `/segments/{no}/export.csv`: the lines for a mail merge, streamed.

use crate::auth::SignedIn;
use crate::segments::domain::export::{self as export_sql, ExportLine, EXPORT_COLUMNS};
use crate::segments::domain::header;
use crate::web::csv::CsvBuffer;
use crate::web::AppState;
use crate::web::{csv, db, AppError, AppResult};
use actix_web::{get, web, HttpRequest, HttpResponse};

/// The lines as CSV for a mail merge, streamed.
#[get("/segments/{no}/export.csv")]
pub async fn export(
    req: HttpRequest,
    _user: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let segment = db(&state.pool, move |conn| {
        header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)
    })
    .await?;
    let id = segment.id;
    csv::stream(
        &req,
        &state.exports,
        state.pool.clone(),
        &format!("segment-{}.csv", segment.no),
        &EXPORT_COLUMNS,
        move || export_sql::query(id),
        |r: &ExportLine, out: &mut CsvBuffer| {
            let date = r.date.format("%Y-%m-%d").to_string();
            out.write(&[
                r.contact_no.as_str(),
                &r.contact_name,
                &r.company_name,
                &r.address,
                &r.address_2,
                &r.post_code,
                &r.city,
                r.country_code.as_deref().unwrap_or(""),
                &r.email,
                &r.correspondence_type,
                r.salesperson.as_deref().unwrap_or(""),
                &date,
            ])
        },
    )
}
