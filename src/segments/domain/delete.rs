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

/// What outlives a deleted segment, for its confirmation page: the opportunities created from
/// it (they keep its No., no longer a link), its mailing group applications not undone
/// (their Undo is on the segment's page, and goes with it), and a canceled segment's
/// interaction log entries and campaign entries (they stay, canceled for good: its Restore
/// goes with it).
#[derive(Clone, Copy, Debug, Default, QueryableByName)]
pub struct Outliving {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub opportunities: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub applications: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub entries: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub campaign_entries: i64,
}

/// The drafts whose ledger has a Reuse Segment step of `segment`, or a step that names it in
/// its Segment filter (of interactions), by No.: deleted, it leaves their Refresh unable to
/// replay that step, which their confirmation page says before.
pub fn reused_by(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct No {
        #[diesel(sql_type = diesel::sql_types::Text)]
        no: String,
    }
    let rows: Vec<No> = diesel::sql_query(concat!(
        "SELECT g.no::text AS no FROM segments g \
         WHERE g.status = 'draft' AND g.id <> $2 AND (EXISTS (SELECT 1 FROM segment_steps t \
           WHERE t.segment_id = g.id AND t.kind = 'reuse_segment' AND t.criteria->>'segment' = $1) \
           OR EXISTS (SELECT 1 FROM segment_steps s, ",
        crate::filter_tokens!("'interaction_segment'"),
        " AND s.segment_id = g.id)) ORDER BY g.no"
    ))
    .bind::<diesel::sql_types::Text, _>(&segment.no)
    .bind::<diesel::sql_types::BigInt, _>(segment.id)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.no).collect())
}

/// The saved criteria whose steps name `segment` in their Segment filter (of interactions), by
/// code: deleted, it leaves them steps that Reuse Criteria refuses to run, which the
/// confirmation page says before.
pub fn named_by_saved(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Code {
        #[diesel(sql_type = diesel::sql_types::Text)]
        code: String,
    }
    let rows: Vec<Code> = diesel::sql_query(concat!(
        "SELECT DISTINCT s.code::text AS code FROM saved_criteria_steps s, ",
        crate::filter_tokens!("'interaction_segment'"),
        " ORDER BY 1"
    ))
    .bind::<diesel::sql_types::Text, _>(&segment.no)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.code).collect())
}

/// What the confirmation page says deleting takes with it — the segment as saved, its lines and
/// steps, the opportunities and mailing group applications that outlive it, the drafts that
/// reuse it — as a digest its form sends back: changed since (a colleague's step, a new
/// application), the page is shown again with what deleting takes now, not deleted over it.
pub fn shown(conn: &mut PgConnection, segment: &Segment) -> QueryResult<String> {
    let figures = crate::segments::domain::totals::figures(conn, segment)?;
    Ok(shown_of(
        segment,
        &figures,
        &outliving(conn, segment)?,
        &reused_by(conn, segment)?,
        &named_by_saved(conn, segment)?,
    ))
}

/// [`shown`] of what the page read. Its time of change too: a colleague's line edit (its
/// overrides) changes neither the version nor the counts.
pub fn shown_of(
    segment: &Segment,
    figures: &Figures,
    outliving: &Outliving,
    reused_by: &[String],
    named_by_saved: &[String],
) -> String {
    crate::db::once::digest(&(
        segment.version,
        segment.updated_at.timestamp_micros(),
        figures.lines,
        figures.steps,
        outliving,
        reused_by,
        named_by_saved,
    ))
}

pub fn outliving(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Outliving> {
    diesel::sql_query(format!(
        "SELECT (SELECT count(*) FROM opportunities WHERE segment_no = $1) AS opportunities, \
           (SELECT count(*) FROM mailing_group_applications \
              WHERE segment_id = $2 AND undone_at IS NULL) AS applications, \
           (SELECT count(*) FROM interaction_log_entries e, {}) AS entries, \
           (SELECT count(*) FROM campaign_entries WHERE segment_id = $2) AS campaign_entries",
        crate::segments::domain::log::own_entries("$2", "$1")
    ))
    .bind::<diesel::sql_types::Text, _>(&segment.no)
    .bind::<diesel::sql_types::BigInt, _>(segment.id)
    .get_result(conn)
}
