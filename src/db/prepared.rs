//! Statements written in SQL that each pooled connection keeps prepared.
//!
//! `diesel::sql_query` never keeps a statement prepared: PostgreSQL parses and plans it on
//! every run, which for a page's small statements costs more than running them (planning the
//! contact card's statements took 0.1–0.3 ms each, their execution 0.01–0.05 ms). A statement
//! written with [`prepared`] is prepared once per connection (diesel's statement cache, keyed
//! by its text and the types of its values); after five runs PostgreSQL plans it once for all
//! values ("generic plan") when that plan costs no more than planning for each.
//!
//! **Only for statements whose best plan does not depend on the values bound**: a lookup by a
//! key, a page of a card's entries by id, a setup list. A list filtered by what a user picked
//! (a country that 30 % of the contacts have, or 0.01 %) is written with [`planned`] (or
//! `sql_query`), so that each run is planned for its values; [`prepared_if`] chooses by a
//! flag. The text of a prepared statement must come from a bounded set (no values spliced in,
//! no lists of placeholders that grow with the input, no page size a user chose): each
//! distinct text stays prepared for the life of the connection, as diesel's cache has no
//! bound.
//!
//! **A value the plan should not look into** is written `(SELECT $1::bigint)`. When a key
//! picks rows of very different counts (a segment's lines, a campaign's entries), the plan
//! made for one value knows its count, is reckoned cheaper than the plan for all values, and
//! PostgreSQL goes on planning every run even where both plans are the same (an index read
//! in order and cut by a limit): 0.9 ms of planning for a segment page's 1 ms read. Given as
//! a sub-select, the value is unknown to both plans, they are reckoned alike, and the plan for
//! all values is kept after the five trial runs ([`unseen`]). The same holds for the key a
//! page starts after (a contact, an entry): shown it, PostgreSQL planned every page after
//! the first anew.

use diesel::expression::{AsExpression, TypedExpressionType};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::Error;
use diesel::sql_types::{self, SqlType, Untyped};
use diesel::{QueryResult, RunQueryDsl};

use super::binds::BindValue;

/// A value the plan should not look into (see the module's notes): the placeholder read by a
/// sub-select, `(SELECT $1::bigint)`.
pub fn unseen(placeholder: &str, sql_type: &str) -> String {
    format!("(SELECT {placeholder}::{sql_type})")
}

/// A statement in SQL, kept prepared on the connection that runs it. Its placeholders are
/// written `$1`, `$2`, … as in `sql_query` (one may appear several times); read its rows by
/// name (`QueryableByName`).
#[must_use = "a statement runs only when loaded or executed"]
pub struct Prepared<'a> {
    sql: String,
    /// The text's [`pieces`], found once (diesel walks a statement several times a run).
    pieces: Vec<(std::ops::Range<usize>, Option<usize>)>,
    binds: Vec<Box<dyn QueryFragment<Pg> + Send + 'a>>,
    keep: bool,
}

/// A statement kept prepared (see the module's notes for when that is right).
pub fn prepared<'a>(sql: impl Into<String>) -> Prepared<'a> {
    let sql = sql.into();
    let pieces = pieces(&sql);
    Prepared {
        sql,
        pieces,
        binds: Vec::new(),
        keep: true,
    }
}

/// The same statement planned for its values on every run and not kept, as `sql_query`'s:
/// for a statement whose best plan depends on its values, or whose text is not from a bounded
/// set. (A value bound for a placeholder the text does not use is not sent.)
pub fn planned<'a>(sql: impl Into<String>) -> Prepared<'a> {
    Prepared {
        keep: false,
        ..prepared(sql)
    }
}

/// [`prepared`] when `keep`, else [`planned`].
pub fn prepared_if<'a>(keep: bool, sql: impl Into<String>) -> Prepared<'a> {
    Prepared {
        keep,
        ..prepared(sql)
    }
}

impl<'a> Prepared<'a> {
    /// Binds the value of the next placeholder (`$1`, then `$2`, …).
    pub fn bind<ST, V>(mut self, value: V) -> Self
    where
        ST: SqlType + TypedExpressionType,
        V: AsExpression<ST>,
        V::Expression: QueryFragment<Pg> + Send + 'a,
    {
        self.binds.push(Box::new(value.as_expression()));
        self
    }

    /// Binds values collected while the SQL was written ([`crate::db::binds::Binds`]), in
    /// placeholder order.
    pub fn bind_values(self, values: Vec<BindValue>) -> Self {
        values.into_iter().fold(self, |q, v| match v {
            BindValue::Text(s) => q.bind::<sql_types::Text, _>(s),
            BindValue::Date(d) => q.bind::<sql_types::Date, _>(d),
            BindValue::Integer(i) => q.bind::<sql_types::BigInt, _>(i),
            BindValue::Bool(b) => q.bind::<sql_types::Bool, _>(b),
        })
    }
}

/// The text in pieces (where each lies in it): SQL, then the number of a placeholder, and so
/// on. Quoted text (`'…'`, `"…"`) is SQL whatever it holds. Found on every run of a statement
/// (its text is written anew each time), so the text is searched for the three bytes that
/// matter (`memchr`), not read byte by byte: reading it was 5 % of Rapport's instructions for
/// a contact card (`bench/instructions.sh`).
fn pieces(sql: &str) -> Vec<(std::ops::Range<usize>, Option<usize>)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while let Some(found) = memchr::memchr3(b'$', b'\'', b'"', &bytes[i..]) {
        let at = i + found;
        let b = bytes[at];
        if b != b'$' {
            // A quote: SQL up to its end (or the text's).
            i = memchr::memchr(b, &bytes[at + 1..]).map_or(bytes.len(), |end| at + 1 + end + 1);
            continue;
        }
        let digits = bytes[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 {
            i = at + 1;
            continue;
        }
        let n = sql[at + 1..at + 1 + digits].parse::<usize>().unwrap_or(0);
        out.push((start..at, Some(n)));
        i = at + 1 + digits;
        start = i;
    }
    out.push((start..sql.len(), None));
    out
}

impl QueryFragment<Pg> for Prepared<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // Kept: no `unsafe_to_cache_prepared()`, and diesel's cache keys the statement by its
        // text. Each placeholder is written where it stands, in order (diesel numbers them
        // again), with the value bound for it.
        if !self.keep {
            out.unsafe_to_cache_prepared();
        }
        for (range, placeholder) in &self.pieces {
            out.push_sql(&self.sql[range.clone()]);
            if let Some(n) = *placeholder {
                let bind = n
                    .checked_sub(1)
                    .and_then(|i| self.binds.get(i))
                    .ok_or_else(|| {
                        Error::QueryBuilderError(format!("no value bound for ${n}").into())
                    })?;
                bind.walk_ast(out.reborrow())?;
            }
        }
        Ok(())
    }
}

impl QueryId for Prepared<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Prepared<'_> {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for Prepared<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_outside_quotes_only() {
        let texts = |sql: &'static str| -> Vec<(&'static str, Option<usize>)> {
            pieces(sql)
                .into_iter()
                .map(|(range, n)| (&sql[range], n))
                .collect()
        };
        assert_eq!(
            texts("SELECT $1::bigint, '$2', \"$3\" FROM t WHERE a = $12 OR b = $1"),
            vec![
                ("SELECT ", Some(1)),
                ("::bigint, '$2', \"$3\" FROM t WHERE a = ", Some(12)),
                (" OR b = ", Some(1)),
                ("", None),
            ]
        );
        assert_eq!(texts("SELECT 1"), vec![("SELECT 1", None)]);
        assert_eq!(
            texts("SELECT $ || $$ || 'it''s $1' || $2 || \"a\"\"$3\" || '$4"),
            vec![
                ("SELECT $ || $$ || 'it''s $1' || ", Some(2)),
                (" || \"a\"\"$3\" || '$4", None),
            ]
        );
        assert_eq!(
            texts("$1$2"),
            vec![("", Some(1)), ("", Some(2)), ("", None)]
        );
    }
}
