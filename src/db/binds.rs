//! Bound values: collected in placeholder order while SQL is written, then bound to the
//! statement with their SQL types. Every value a user typed reaches SQL this way.

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types;

/// A value to bind to a placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindValue {
    Text(String),
    Date(NaiveDate),
    Integer(i64),
    Bool(bool),
}

impl From<String> for BindValue {
    fn from(v: String) -> Self {
        BindValue::Text(v)
    }
}

impl From<&str> for BindValue {
    fn from(v: &str) -> Self {
        BindValue::Text(v.to_string())
    }
}

impl From<NaiveDate> for BindValue {
    fn from(v: NaiveDate) -> Self {
        BindValue::Date(v)
    }
}

impl From<i64> for BindValue {
    fn from(v: i64) -> Self {
        BindValue::Integer(v)
    }
}

impl From<bool> for BindValue {
    fn from(v: bool) -> Self {
        BindValue::Bool(v)
    }
}

/// Collects bound values in placeholder order (`$1`, `$2`, …), continuing a numbering
/// started elsewhere.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Binds {
    start_after: usize,
    values: Vec<BindValue>,
}

impl Binds {
    /// Numbering starts at `$<start_after + 1>`: the caller binds its own first
    /// `start_after` values before these.
    pub fn new(start_after: usize) -> Binds {
        Binds {
            start_after,
            values: Vec::new(),
        }
    }

    /// Adds a value; returns its placeholder, e.g. `$3`.
    pub fn push(&mut self, v: BindValue) -> String {
        self.values.push(v);
        format!("${}", self.last_placeholder())
    }

    /// How many values this collected (not counting the first `start_after`).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The number of the last placeholder handed out (`start_after` if none): the next
    /// placeholder of the statement is this plus one.
    pub fn last_placeholder(&self) -> usize {
        self.start_after + self.values.len()
    }

    /// The collected values, in placeholder order.
    pub fn values(self) -> Vec<BindValue> {
        self.values
    }
}

/// Binds `values` to `query`, in order, each with its SQL type (text, date, bigint, boolean).
pub fn bind_all<'a>(
    query: BoxedSqlQuery<'a, Pg, SqlQuery>,
    values: Vec<BindValue>,
) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    values.into_iter().fold(query, |q, v| match v {
        BindValue::Text(s) => q.bind::<sql_types::Text, _>(s),
        BindValue::Date(d) => q.bind::<sql_types::Date, _>(d),
        BindValue::Integer(i) => q.bind::<sql_types::BigInt, _>(i),
        BindValue::Bool(b) => q.bind::<sql_types::Bool, _>(b),
    })
}

/// `WHERE a AND b` of these conditions, or nothing when there are none.
pub fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    }
}

/// How many rows `FROM {from} {where_sql}` holds, counting no further than `cap + 1`: a list
/// says "more than {cap}" past it instead of counting a million rows. `values` are the
/// condition's bound values, in placeholder order.
pub fn capped_count(
    conn: &mut diesel::PgConnection,
    from: &str,
    where_sql: &str,
    values: Vec<BindValue>,
    cap: i64,
) -> diesel::QueryResult<i64> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = sql_types::BigInt)]
        n: i64,
    }
    // The cap is the code's, not a user's: written out, so that a plan made once for all
    // values knows it. Unfiltered, the statement is the same on every view: kept prepared.
    let sql = format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM {from} {where_sql} LIMIT {}) x",
        cap + 1
    );
    let n: N = crate::db::prepared_if(where_sql.is_empty(), sql)
        .bind_values(values)
        .get_result(conn)?;
    Ok(n.n)
}
