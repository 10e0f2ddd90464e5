//! `/segments/{no}/export.csv` and `/export.xlsx`: the lines for a mail merge, streamed.

use crate::auth::SignedIn;
use crate::segments::domain::export::{self as export_sql, ExportLine, EXPORT_COLUMNS};
use crate::segments::domain::header;
use crate::web::csv::Format;
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
    stream(req, state, path.into_inner(), Format::Csv).await
}

/// The lines as an Excel workbook for a mail merge.
#[get("/segments/{no}/export.xlsx")]
pub async fn export_xlsx(
    req: HttpRequest,
    _user: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    stream(req, state, path.into_inner(), Format::Xlsx).await
}

async fn stream(
    req: HttpRequest,
    state: web::Data<AppState>,
    no: String,
    format: Format,
) -> AppResult<HttpResponse> {
    let segment = db(&state.pool, move |conn| {
        header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)
    })
    .await?;
    let id = segment.id;
    csv::stream::<ExportLine, _>(
        &req,
        &state.exports,
        state.long_pool.clone(),
        format,
        &format!("segment-{}", segment.no),
        &EXPORT_COLUMNS,
        move || export_sql::query(id),
    )
    .await
}
