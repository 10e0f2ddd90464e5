//! A segment's totals, kept as its lines change (see docs/architecture.md, Segments): how many
//! lines each step added that are still on the segment or that a later step removed, in
//! `segment_line_counts`, maintained by statement-level triggers on `segment_lines` (migration
//! 2026-12-03-00032_segment_line_counts). The segment page, the segment list, the home page
//! and a campaign's card read a segment's lines from there, and the page's Go Back previews
//! ([`crate::segments::domain::ledger::load_with_history`]) too: a few rows per segment whatever its
//! size. The total cost and duration are the header's unit values times the lines that take
//! them plus the lines with their own (read through the partial index of those lines).

use crate::segments::domain::header::Segment;
use crate::segments::domain::lines::{
    money, EFFECTIVE_COST, EFFECTIVE_DURATION, LINE_TEMPLATE_JOIN,
};
use bigdecimal::BigDecimal;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Numeric, Text};

/// The lines on segment `s` (an SQL expression over `segments s`), from the kept counts.
pub const LINES_OF_S: &str =
    "(SELECT COALESCE(sum(k.lines), 0)::bigint FROM segment_line_counts k \
     WHERE k.segment_id = s.id AND k.removed_by_step = 0)";

/// The lines of segment `s` whose cost or duration is not the header's (their own, or their own
/// template's): the predicate of the index `segment_lines_own_values`.
const OWN_VALUES: &str = "l.segment_id = s.id AND l.removed_by_step IS NULL \
     AND (l.unit_cost IS NOT NULL OR l.unit_duration_min IS NOT NULL \
          OR l.interaction_template_code IS NOT NULL)";

/// The header's figures: lines, steps, total cost and duration (lines' own values or the
/// header's).
#[derive(Clone, Debug, QueryableByName)]
pub struct Figures {
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
    #[diesel(sql_type = BigInt)]
    pub steps: i64,
    #[diesel(sql_type = Numeric)]
    pub total_cost: BigDecimal,
    #[diesel(sql_type = BigInt)]
    pub total_duration: i64,
}

impl Figures {
    pub fn cost_text(&self) -> String {
        money(&self.total_cost)
    }
}

/// The statement of a segment's figures: its lines from the kept counts, its steps, and the
/// totals as the header's unit cost and duration for every line without values of its own plus
/// the sum of those with them — the same as summing each line's effective value; for a logged
/// or canceled segment, the totals Log Segment wrote (a template changed since does not move
/// them). `segment`:
/// the segment's own columns read with them; `by`: the condition that picks the segment.
fn figures_sql(segment: bool, by: &str) -> String {
    format!(
        "SELECT {}t.lines, (SELECT count(*) FROM segment_steps WHERE segment_id = s.id) AS steps, \
           COALESCE(s.logged_cost, \
               (s.unit_cost * (t.lines - o.lines) + o.cost)::numeric(20,2)) AS total_cost, \
           COALESCE(s.logged_duration_min, \
               (s.unit_duration_min::bigint * (t.lines - o.lines) + o.duration)::bigint) AS total_duration \
         FROM segments s \
         CROSS JOIN LATERAL (SELECT {LINES_OF_S} AS lines) t \
         CROSS JOIN LATERAL (SELECT count(*) AS lines, COALESCE(sum({EFFECTIVE_COST}), 0) AS cost, \
             COALESCE(sum({EFFECTIVE_DURATION}), 0)::bigint AS duration \
           FROM segment_lines l {LINE_TEMPLATE_JOIN} WHERE {OWN_VALUES}) o \
         WHERE {by}",
        if segment { "s.*, " } else { "" }
    )
}

/// The segment's figures in one statement.
pub fn figures(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Figures> {
    crate::db::prepared(figures_sql(false, "s.id = $1"))
        .bind::<BigInt, _>(segment.id)
        .get_result(conn)
}

/// The segment numbered `no` with its figures, in one statement: the segment page's first (a
/// statement less for every view of it than finding the segment, then its figures).
pub fn find_with_figures(
    conn: &mut PgConnection,
    no: &str,
) -> QueryResult<Option<(Segment, Figures)>> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(embed)]
        segment: Segment,
        #[diesel(embed)]
        figures: Figures,
    }
    let found: Option<Found> = crate::db::prepared(figures_sql(true, "s.no = $1"))
        .bind::<Text, _>(no.trim().to_uppercase())
        .get_result(conn)
        .optional()?;
    Ok(found.map(|f| (f.segment, f.figures)))
}
