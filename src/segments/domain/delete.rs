//! Deleting a segment: a draft (or a canceled segment) after a confirmation page that says
//! what goes with it; a logged segment is a record of what was done and cannot be deleted
//! (only a canceled one can, its interaction entries staying, unlinked: see
//! docs/segments.md, Deleting a segment).

use crate::segments::domain::header::{Segment, SegmentStatus};
use crate::segments::domain::totals::Figures;
use diesel::prelude::*;

/// Deletes the segment with its lines and steps (call under its lock, after [`refusal`]);
/// returns its figures as they were.
pub fn delete(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Figures> {
    use crate::db::schema::segments;
    let figures = crate::segments::domain::totals::figures(conn, segment)?;
    diesel::delete(segments::table.filter(segments::id.eq(segment.id))).execute(conn)?;
    Ok(figures)
}

/// Why a segment cannot be deleted, if it cannot.
pub fn refusal(segment: &Segment) -> Option<String> {
    (segment.status == SegmentStatus::Logged).then(|| {
        format!(
            "Segment {} is logged: it is the record of the interactions it wrote and cannot be deleted. Cancel it first.",
            segment.no
        )
    })
}
