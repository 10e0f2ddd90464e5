//! `/segments/{no}/export.csv`: the lines for a mail merge, streamed.

use crate::auth::SignedIn;
use crate::segments::domain::export::{ExportLine, EXPORT_COLUMNS};
use crate::segments::domain::header;
use crate::web::csv::CsvBuffer;
use crate::web::{csv, db, AppError, AppResult};
use crate::AppState;
use actix_web::{get, web, HttpResponse};
use diesel::sql_types::BigInt;

/// The lines as CSV for a mail merge, streamed.
#[get("/segments/{no}/export.csv")]
pub async fn export(
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
        state.pool.clone(),
        &format!("segment-{}.csv", segment.no),
        &EXPORT_COLUMNS,
        move || {
            diesel::sql_query(
                "SELECT c.no::text AS contact_no, CASE WHEN l.is_person THEN l.contact_name ELSE '' END AS contact_name, \
                   l.company_name, c.address, c.address_2, c.post_code, c.city, c.country_code::text AS country_code, \
                   c.email, \
                   CASE WHEN s.ignore_contact_correspondence_type OR c.correspondence_type = '' \
                        THEN COALESCE(l.correspondence_type, s.correspondence_type) \
                        ELSE COALESCE(l.correspondence_type, c.correspondence_type) END AS correspondence_type, \
                   COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code)::text AS salesperson, \
                   COALESCE(l.date, s.date) AS date \
                 FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id \
                 WHERE l.segment_id = $1 AND l.removed_by_step IS NULL \
                 ORDER BY l.company_name, l.is_person, l.contact_name, l.id",
            )
            .into_boxed()
            .bind::<BigInt, _>(id)
        },
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
