//! The list of segments: status filter, search and paging in one statement; each segment's
//! lines from the kept counts (`totals`).

use crate::segments::domain::header::SegmentStatus;
use crate::segments::domain::totals::LINES_OF_S;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};

crate::db::columns::columns_in_order! {
    /// A row of the segments list.
    #[derive(Clone, Debug)]
    pub struct SegmentRow {
        pub no: String as Text,
        pub description: String as Text,
        pub date: NaiveDate as Date,
        pub status: SegmentStatus as Text,
        pub salesperson_code: Option<String> as Nullable<Text>,
        pub lines: i64 as BigInt,
        pub steps: i64 as BigInt,
        /// The segments the list holds (the same on every row).
        pub total: i64 as BigInt,
    }
}

impl SegmentRow {
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
}

pub const LIST_PAGE: i64 = 50;

/// What the segments list is filtered by.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// A status (`draft`, `logged`, `canceled`), "" for any.
    pub status: String,
    /// A search in No. and description.
    pub q: String,
    /// Who created them: a user's id, 0 for anyone's.
    pub created_by: i64,
    /// A contact they hold (its No.), "" for any.
    pub contact: String,
    /// The campaign they name (its No.), "" for any.
    pub campaign: String,
    /// A segment left out (its No.; the one a Reuse is for), "" for none.
    pub except: String,
}

/// Segments by No. (newest first), filtered, from `offset`; with how many match in all.
pub fn list(
    conn: &mut PgConnection,
    f: &ListFilter,
    offset: i64,
) -> QueryResult<(Vec<SegmentRow>, i64)> {
    let pattern = crate::db::text::contains_pattern(&f.q);
    let filter = "($1 = '' OR s.status = $1) AND ($2 = '%%' OR rapport_fold(s.no || ' ' || s.description) LIKE $2) \
         AND ($3 = 0 OR s.created_by = $3) \
         AND ($5 = '' OR s.id IN (SELECT l.segment_id FROM segment_lines l \
              JOIN contacts c ON c.id = l.contact_id WHERE c.no = $5 AND l.removed_by_step IS NULL)) \
         AND ($6 = '' OR s.campaign_no = $6) AND ($7 = '' OR s.no <> $7)";
    let rows: Vec<SegmentRow> = crate::db::prepared(format!(
        "SELECT s.no::text AS no, s.description, s.date, s.status, s.salesperson_code::text AS salesperson_code, \
           {LINES_OF_S} AS lines, \
           (SELECT count(*) FROM segment_steps t WHERE t.segment_id = s.id) AS steps, \
           count(*) OVER () AS total \
         FROM segments s WHERE {filter} ORDER BY s.id DESC LIMIT {LIST_PAGE} OFFSET $4"
    ))
    .bind::<Text, _>(&f.status)
    .bind::<Text, _>(&pattern)
    .bind::<BigInt, _>(f.created_by)
    .bind::<BigInt, _>(offset)
    .bind::<Text, _>(&f.contact)
    .bind::<Text, _>(&f.campaign)
    .bind::<Text, _>(&f.except)
    .load(conn)?;
    let total = match rows.first() {
        Some(row) => row.total,
        None if offset == 0 => 0,
        None => {
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = BigInt)]
                n: i64,
            }
            crate::db::prepared(format!(
                "SELECT count(*) AS n FROM segments s WHERE {filter} AND $4 = $4"
            ))
            .bind::<Text, _>(&f.status)
            .bind::<Text, _>(&pattern)
            .bind::<BigInt, _>(f.created_by)
            .bind::<BigInt, _>(offset)
            .bind::<Text, _>(&f.contact)
            .bind::<Text, _>(&f.campaign)
            .bind::<Text, _>(&f.except)
            .get_result::<N>(conn)?
            .n
        }
    };
    Ok((rows, total))
}
