//! The order names are sorted in: the office's alphabet, not the bytes of the text.
//!
//! The private cluster is made with `--locale=C`, whose order is that of the bytes: every name
//! written in lower case ("de Vries", "van Dijk") came after "Zeta", and Danish letters stood
//! as `Å Æ Ø` where a Danish office reads `Æ Ø Å` after Z. The columns that lists and segments
//! sort by carry an ICU collation chosen by `RAPPORT_LOCALE` instead: `da-DK` sorts as Danish
//! (Æ, Ø, Å after Z; "Aa" as Å, as in "Aalborg"), `iso` and `en-GB` by the common order of
//! Unicode (upper and lower case together, accents after the plain letter). It is the
//! column's collation, so every `ORDER BY`, keyset comparison and index on it follows it, and
//! a filter's range (`A..C`) reads names in the same order as the list shows them.
//!
//! The collation is set when Rapport starts (after the migrations), and set again when the
//! setting changed: the name indexes are then built again, once (about 40 s at a million
//! contacts, most of it the search index, which depends on the name and must be made again
//! with it). Instances sharing a database must have the same `RAPPORT_LOCALE`.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use crate::config::Locale;

/// The columns sorted as names: `(table, column)`.
pub const COLUMNS: [(&str, &str); 4] = [
    ("contacts", "name"),
    ("contacts", "city"),
    ("segment_lines", "company_name"),
    ("segment_lines", "contact_name"),
];

/// The generated column that reads the name (and the city): it is made again around a change
/// of their collation, which PostgreSQL refuses on a column a generated column reads.
const SEARCH_TEXT: (&str, &str) = ("contacts", "search_text");

/// The ICU collation (shipped with PostgreSQL) that sorts names for `locale`.
pub fn collation(locale: Locale) -> &'static str {
    match locale {
        Locale::Iso | Locale::EnGb => "und-x-icu",
        Locale::DaDk => "da-x-icu",
    }
}

#[derive(QueryableByName)]
struct Current {
    #[diesel(sql_type = Text)]
    collation: String,
}

#[derive(QueryableByName)]
struct Definition {
    #[diesel(sql_type = Text)]
    sql: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Integer)]
    n: i32,
}

/// The collation each name column has now (`default` when none was set).
fn current(conn: &mut PgConnection) -> QueryResult<Vec<Current>> {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|(t, c)| format!("('{t}', '{c}')"))
        .collect();
    diesel::sql_query(format!(
        "SELECT coalesce(k.collname::text, 'default') AS collation \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid \
         LEFT JOIN pg_collation k ON k.oid = a.attcollation \
         WHERE c.relnamespace = current_schema()::regnamespace AND NOT a.attisdropped \
           AND (c.relname::text, a.attname::text) IN ({})",
        columns.join(", ")
    ))
    .load(conn)
}

/// Whether the name columns were never sorted as a locale says (a new database).
pub fn never_sorted(conn: &mut PgConnection) -> QueryResult<bool> {
    Ok(current(conn)?.iter().all(|c| c.collation == "default"))
}

/// Whether the name columns are sorted as `locale` says.
pub fn is_sorted_as(conn: &mut PgConnection, locale: Locale) -> QueryResult<bool> {
    let now = current(conn)?;
    Ok(now.len() == COLUMNS.len() && now.iter().all(|c| c.collation == collation(locale)))
}

/// Sorts the name columns as `locale` says, when they are not already; returns whether it
/// changed them. One transaction: the columns, the search text made again from them, and
/// every index that read it. Run under the migrations' lock (see `db::migrate`).
pub fn sort_as(conn: &mut PgConnection, locale: Locale) -> anyhow::Result<bool> {
    if is_sorted_as(conn, locale)? {
        return Ok(false);
    }
    let wanted = collation(locale);
    let contacts =
        diesel::sql_query("SELECT count(*)::int AS n FROM (SELECT 1 FROM contacts LIMIT 1000) s")
            .get_result::<Count>(conn)?
            .n;
    if contacts >= 1000 {
        tracing::info!(
            "sorting names as {}: the name indexes and the search index are built again (about 40 s a million contacts)",
            locale.name()
        );
    }
    conn.transaction::<_, anyhow::Error, _>(|conn| {
        let (table, column) = SEARCH_TEXT;
        // The search text's expression and the indexes that read it, to make them again.
        let expression = diesel::sql_query(format!(
            "SELECT pg_get_expr(d.adbin, d.adrelid) AS sql FROM pg_attrdef d \
             JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum \
             WHERE d.adrelid = '{table}'::regclass AND a.attname = '{column}'"
        ))
        .get_result::<Definition>(conn)?
        .sql;
        let indexes = diesel::sql_query(format!(
            "SELECT DISTINCT pg_get_indexdef(d.objid) AS sql FROM pg_depend d \
             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
             WHERE d.classid = 'pg_class'::regclass AND d.refobjid = '{table}'::regclass \
               AND a.attname = '{column}' AND d.deptype = 'a' \
               AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = d.objid)"
        ))
        .load::<Definition>(conn)?;
        let mut sql = format!("ALTER TABLE {table} DROP COLUMN {column};\n");
        for (t, c) in COLUMNS {
            sql.push_str(&format!(
                "ALTER TABLE {t} ALTER COLUMN {c} TYPE text COLLATE \"{wanted}\";\n"
            ));
        }
        sql.push_str(&format!(
            "ALTER TABLE {table} ADD COLUMN {column} text GENERATED ALWAYS AS ({expression}) STORED;\n"
        ));
        for index in &indexes {
            sql.push_str(&index.sql);
            sql.push_str(";\n");
        }
        conn.batch_execute(&sql)?;
        Ok(())
    })?;
    // The search text made again rewrote the contacts: VACUUM marks their pages all-visible
    // again, or the name index (which carries the search text) is read with a visit to the
    // table for every contact it passes (the "hansen" search: 541 → 136 pages a second).
    conn.batch_execute("VACUUM (ANALYZE) contacts")?;
    conn.batch_execute("ANALYZE segment_lines")?;
    Ok(true)
}
