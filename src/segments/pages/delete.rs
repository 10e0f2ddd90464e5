//! Deleting a segment after a confirmation page.

use crate::admin::audit;
use crate::admin::audit::Actor;
use crate::auth::{client_ip, session, Staff};
use crate::segments::domain::delete::{delete as delete_segment, refusal};
use crate::segments::domain::header::Segment;
use crate::segments::domain::lines::Figures;
use crate::segments::domain::{header, lines};
use crate::web::filters;
use crate::web::pagination::thousands;
use crate::web::{db, ok, redirect, AppError, AppResult, Flash, Layout};
use crate::AppState;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::Connection;

#[derive(Template)]
#[template(path = "segments/delete.html")]
pub struct DeletePage {
    pub layout: Layout,
    pub segment: Segment,
    pub figures: Figures,
    pub refused: Option<String>,
}

impl DeletePage {}

/// `GET /segments/{no}/delete`: what deleting would take with it, to confirm.
#[get("/segments/{no}/delete")]
pub async fn confirm(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let (segment, figures) = db(&state.pool, move |conn| {
        let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let figures = lines::figures(conn, &segment)?;
        Ok((segment, figures))
    })
    .await?;
    ok(&DeletePage {
        layout,
        refused: refusal(&segment),
        segment,
        figures,
    })
}

#[post("/segments/{no}/delete")]
pub async fn delete(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let segment = header::lock(conn, &no)?.ok_or(AppError::NotFound)?;
            if let Some(why) = refusal(&segment) {
                session::set_flash(conn, &session, Flash::error(why))?;
                return Ok(format!("/segments/{}", segment.no));
            }
            let figures = delete_segment(conn, &segment)?;
            let what = format!(
                "{} line(s), {} step(s)",
                thousands(figures.lines),
                figures.steps
            );
            audit::record(
                conn,
                Actor::User(&user),
                "segment deleted",
                &segment.no,
                &format!("{} ({what})", segment.description),
                &ip,
            )?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!(
                    "Segment {} {} deleted with its {what}.",
                    segment.no, segment.description
                )),
            )?;
            Ok("/segments".to_string())
        })
    })
    .await?;
    Ok(redirect(&location))
}
