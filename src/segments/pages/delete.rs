//! Deleting a segment after a confirmation page.

use crate::admin::audit;
use crate::admin::audit::Actor;
use crate::auth::Staff;
use crate::segments::domain::delete::{delete as delete_segment, refusal};
use crate::segments::domain::header::Segment;
use crate::segments::domain::totals::Figures;
use crate::segments::domain::{header, totals};
use crate::segments::pages::on_locked_segment;
use crate::web::filters;
use crate::web::AppState;
use crate::web::{db, ok, AppError, AppResult, Flash, Layout};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "segments/delete.html")]
pub struct DeletePage {
    pub layout: Layout,
    pub segment: Segment,
    pub figures: Figures,
    pub refused: Option<String>,
    pub outliving: crate::segments::domain::delete::Outliving,
    /// The drafts that reuse this segment (a Reuse Segment step) or name it in a filter.
    pub reused_by: Vec<String>,
    /// The saved criteria that name it in a filter.
    pub named_by_saved: Vec<String>,
    /// What the page shows, sent back with the form ([`crate::segments::domain::delete::shown`]).
    pub shown: String,
}

/// The confirmation as sent.
#[derive(serde::Deserialize)]
pub struct DeleteForm {
    /// What the page showed deleting would take ([`crate::segments::domain::delete::shown`]);
    /// empty from a form that does not say.
    #[serde(default)]
    shown: String,
}

/// `GET /segments/{no}/delete`: what deleting would take with it, to confirm.
#[get("/segments/{no}/delete")]
pub async fn confirm(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let (segment, figures, outliving, reused_by, named_by_saved) = db(&state.pool, move |conn| {
        let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let figures = totals::figures(conn, &segment)?;
        let outliving = crate::segments::domain::delete::outliving(conn, &segment)?;
        let reused_by = crate::segments::domain::delete::reused_by(conn, &segment)?;
        let named_by_saved = crate::segments::domain::delete::named_by_saved(conn, &segment)?;
        Ok((segment, figures, outliving, reused_by, named_by_saved))
    })
    .await?;
    ok(&DeletePage {
        layout,
        shown: crate::segments::domain::delete::shown_of(
            &segment,
            &figures,
            &outliving,
            &reused_by,
            &named_by_saved,
        ),
        refused: refusal(&segment),
        segment,
        figures,
        outliving,
        reused_by,
        named_by_saved,
    })
}

#[post("/segments/{no}/delete")]
pub async fn delete(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    let shown = form.into_inner().shown;
    on_locked_segment(&req, &state, path.into_inner(), move |conn, segment, ip| {
        // A segment another one's step is reusing at this moment: its step first, seen below.
        let segment =
            crate::segments::domain::header::lock_to_delete(conn, &segment.no)?.unwrap_or(segment);
        if let Some(why) = refusal(&segment) {
            return Ok((Flash::error(why), format!("/segments/{}", segment.no)));
        }
        // Changed since the page was opened: what it said deleting takes is no longer so.
        if !shown.is_empty() && shown != crate::segments::domain::delete::shown(conn, &segment)? {
            let message = format!(
                "Segment {} changed after this page was opened (a step, its header, an \
                 application of a mailing group, opportunities created from it or a segment \
                 reusing it): nothing was deleted. Here is what deleting takes now; confirm \
                 again to delete it.",
                segment.no
            );
            return Ok((
                Flash::error(message),
                format!("/segments/{}/delete", segment.no),
            ));
        }
        let figures = delete_segment(conn, &segment)?;
        let what = |counted: fn(i64, &str, &str) -> String| {
            format!(
                "{}, {}",
                counted(figures.lines, "line", "lines"),
                counted(figures.steps as i64, "step", "steps")
            )
        };
        audit::record(
            conn,
            Actor::User(&user),
            "segment deleted",
            &segment.no,
            &format!(
                "{} ({})",
                segment.description,
                what(crate::web::pagination::counted_plain)
            ),
            ip,
        )?;
        let what = what(crate::web::pagination::counted);
        Ok((
            Flash::success(format!(
                "Segment {} {} deleted with its {what}.",
                segment.no, segment.description
            )),
            "/segments".to_string(),
        ))
    })
    .await
}
