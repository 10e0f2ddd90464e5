//! The pickers of Reuse Segment and Reuse Criteria: the other segments (No., description,
//! size, status; searchable) and the saved criteria (code, description, steps) to choose
//! from, instead of a number typed from memory. The forms post to the actions of
//! [`super::saved`].

use crate::auth::Staff;
use crate::segments::domain::header;
use crate::segments::domain::header::Segment;
use crate::segments::domain::list::{self, SegmentRow};
use crate::segments::domain::saved::{load_saved, Saved};
use crate::web::filters;
use crate::web::AppState;
use crate::web::{db, ok, AppError, AppResult, Layout};
use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ReuseQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "segments/reuse.html")]
pub struct ReusePage {
    pub layout: Layout,
    pub segment: Segment,
    pub q: String,
    /// The other segments that match the search, newest first (one page of the list).
    pub segments: Vec<SegmentRow>,
    /// How many other segments match the search.
    pub total: i64,
    pub saved: Vec<Saved>,
    /// The segment's last step (number and stamp; 0 and 0 for none): a form sent twice
    /// reuses once.
    pub seen: (i64, i64),
}

impl ReusePage {
    /// Whether the list shows fewer segments than match.
    pub fn more(&self) -> bool {
        (self.segments.len() as i64) < self.total
    }
}

/// `GET /segments/{no}/reuse`: choose a segment or saved criteria to reuse.
#[get("/segments/{no}/reuse")]
pub async fn page(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ReuseQuery>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let q = query.into_inner().q.trim().to_string();
    let search = q.clone();
    let (segment, segments, total, saved, seen) = db(&state.pool, move |conn| {
        let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        // This segment is not offered, nor counted.
        let filter = list::ListFilter {
            q: search,
            except: segment.no.clone(),
            ..Default::default()
        };
        let (segments, total) = list::list(conn, &filter, 0)?;
        let saved = load_saved(conn, None)?;
        let seen = crate::segments::domain::ledger::last_step(conn, segment.id)?
            .map_or((0, 0), |(seq, at)| (i64::from(seq), at));
        Ok((segment, segments, total, saved, seen))
    })
    .await?;
    ok(&ReusePage {
        layout,
        segment,
        q,
        segments,
        total,
        saved,
        seen,
    })
}
