//! Codes named by steps, held against their deletion. A segment step, a Refresh or Save
//! Criteria checks that the codes its filters name exist, then records the step; a deletion
//! counts the steps that name the code, then deletes it. Without a lock between them both went
//! through at the same moment, leaving steps that name a deleted code. Row locks on the codes
//! could not serve: a rename of a code locks its row and cascades to the segments whose header
//! names it, which a step holds — each waited for the other. These advisory locks are per
//! table, taken shared by the steps and exclusive by a deletion, never by a rename.

use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Text};

/// The lock class ("CODE").
const CLASS: i32 = 0x434F_4445;

/// Holds the codes of `tables` against deletion to the end of the transaction (shared: steps
/// do not wait for each other).
pub fn hold(conn: &mut PgConnection, tables: &[&str]) -> QueryResult<()> {
    if tables.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "SELECT pg_advisory_xact_lock_shared($1, hashtext(t)) FROM unnest($2::text[]) t",
    )
    .bind::<Integer, _>(CLASS)
    .bind::<Array<Text>, _>(tables)
    .execute(conn)
    .map(|_| ())
}

/// Waits for the steps that hold codes of `table`, then keeps them off to the end of the
/// transaction: call before counting what uses the code to delete.
pub fn for_deletion(conn: &mut PgConnection, table: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind::<Integer, _>(CLASS)
        .bind::<Text, _>(table)
        .execute(conn)
        .map(|_| ())
}
