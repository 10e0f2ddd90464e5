//! Who a page concerns, as one short text that the action it leads to compares with what it
//! finds then: a sum of a hash of each row (on either side of a segment's preview: who joins
//! and who leaves, who gains and who loses; the persons a company's deletion takes along), so
//! that the same numbers of other contacts read differently. One pass over the rows; order
//! does not matter.

use diesel::sql_types::Text;
use diesel::QueryableByName;

/// The text, read by [`statement`].
#[derive(QueryableByName)]
pub struct Who {
    #[diesel(sql_type = Text)]
    pub who: String,
}

/// The text of one side, an SQL expression: its key column and the rows it is read from (a
/// table or a `SELECT`).
pub fn side(column: &str, rows: &str) -> String {
    format!(
        "(SELECT COALESCE(sum(hashint8extended(h.{column}, 7)::numeric), 0) FROM ({rows}) h)::text"
    )
}

/// The statement that writes the text of two sides ([`side`]), as `SELECT … AS who`.
pub fn statement(sides: [(&str, &str); 2]) -> String {
    format!(
        "SELECT {} || ':' || {} AS who",
        side(sides[0].0, sides[0].1),
        side(sides[1].0, sides[1].1)
    )
}
