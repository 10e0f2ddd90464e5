//! Setup tables (SPEC §3): the codes contacts, segments and interactions refer to, and the
//! number series.

pub mod number_series;

use actix_web::web;
use diesel::prelude::*;
use diesel::sql_types::Text;

/// One choice of a code field: the code and what it means.
#[derive(Clone, Debug, QueryableByName)]
pub struct CodeOption {
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub description: String,
}

/// The code tables whose codes contacts use, by table name (a fixed list, never user input).
pub const CODE_TABLES: &[(&str, &str)] = &[
    ("salespeople", "name"),
    ("territories", "description"),
    ("countries", "description"),
    ("languages", "description"),
    ("industry_groups", "description"),
    ("business_relations", "description"),
    ("mailing_groups", "description"),
    ("job_responsibilities", "description"),
    ("organizational_levels", "description"),
    ("campaign_statuses", "description"),
    ("interaction_groups", "description"),
];

/// Every code of `table` with its description, ordered by code.
pub fn options(conn: &mut PgConnection, table: &str) -> QueryResult<Vec<CodeOption>> {
    let Some((table, label)) = CODE_TABLES.iter().find(|(t, _)| *t == table) else {
        return Err(diesel::result::Error::NotFound);
    };
    diesel::sql_query(format!(
        "SELECT code::text AS code, {label} AS description FROM {table} ORDER BY code"
    ))
    .load(conn)
}

/// Whether `code` exists in `table`.
pub fn code_exists(conn: &mut PgConnection, table: &str, code: &str) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let Some((table, _)) = CODE_TABLES.iter().find(|(t, _)| *t == table) else {
        return Err(diesel::result::Error::NotFound);
    };
    let found: Found = diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE code = $1) AS found"
    ))
    .bind::<Text, _>(code)
    .get_result(conn)?;
    Ok(found.found)
}

/// Registers the setup pages.
pub fn configure(_cfg: &mut web::ServiceConfig) {}
