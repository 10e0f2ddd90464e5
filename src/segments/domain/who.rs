//! Who a preview concerns, as one short text that its Apply compares with what it finds then:
//! a sum of a hash of each row on either side (who joins and who leaves, who gains and who
//! loses), so that the same numbers of other contacts read differently. One pass over each
//! side; order does not matter.

use diesel::sql_types::Text;
use diesel::QueryableByName;

/// The text, read by [`statement`].
#[derive(QueryableByName)]
pub struct Who {
    #[diesel(sql_type = Text)]
    pub who: String,
}

/// The statement that writes the text of two sides, each a key column and the rows it is read
/// from (a table or a `SELECT`), as `SELECT … AS who`.
pub fn statement(sides: [(&str, &str); 2]) -> String {
    let side = |(column, rows): (&str, &str)| {
        format!("(SELECT COALESCE(sum(hashint8extended(h.{column}, 7)::numeric), 0) FROM ({rows}) h)::text")
    };
    format!(
        "SELECT {} || ':' || {} AS who",
        side(sides[0]),
        side(sides[1])
    )
}
