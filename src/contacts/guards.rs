//! What stops a contact from being deleted or a person from changing company (SPEC §2).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::model::{self, Contact};

/// The draft segments a contact is on (numbers), for the card and the guards.
pub fn draft_segments(
    conn: &mut PgConnection,
    contact_id: i64,
) -> QueryResult<Vec<(String, String)>> {
    #[derive(QueryableByName)]
    struct S {
        #[diesel(sql_type = Text)]
        no: String,
        #[diesel(sql_type = Text)]
        description: String,
    }
    Ok(diesel::sql_query(
        "SELECT DISTINCT s.no::text AS no, s.description FROM segment_lines l \
         JOIN segments s ON s.id = l.segment_id \
         WHERE l.contact_id = $1 AND l.removed_by_step IS NULL AND s.status = 'draft' ORDER BY 1",
    )
    .bind::<BigInt, _>(contact_id)
    .load::<S>(conn)?
    .into_iter()
    .map(|s| (s.no, s.description))
    .collect())
}

fn numbers(segments: &[(String, String)]) -> String {
    segments
        .iter()
        .map(|(no, _)| no.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Some(reason)` when the contact may not be deleted now. Call it in the deleting
/// transaction: it first waits for segment steps in progress (and keeps new ones out until
/// the transaction ends), so that a line being added cannot escape the check.
pub fn deletion_refused(conn: &mut PgConnection, contact: &Contact) -> QueryResult<Option<String>> {
    conn.batch_execute("LOCK TABLE segment_lines IN SHARE ROW EXCLUSIVE MODE")?;
    if contact.is_company() {
        let (_, persons) = model::persons_of(conn, contact.id, 0)?;
        if persons > 0 {
            return Ok(Some(format!(
                "{} {} has {} person(s). Delete them or move them to another company first.",
                contact.no, contact.name, persons
            )));
        }
    }
    let drafts = draft_segments(conn, contact.id)?;
    if !drafts.is_empty() {
        return Ok(Some(format!(
            "{} {} is on draft segment(s) {}. Remove it from them first.",
            contact.no,
            contact.name,
            numbers(&drafts)
        )));
    }
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let entries = diesel::sql_query(
        "SELECT count(*) AS n FROM interaction_log_entries WHERE contact_id = $1 OR company_id = $1",
    )
    .bind::<BigInt, _>(contact.id)
    .get_result::<N>(conn)?
    .n;
    if entries > 0 {
        return Ok(Some(format!(
            "{} {} has {} interaction log entr{}; its history is kept, so it cannot be deleted.",
            contact.no,
            contact.name,
            entries,
            if entries == 1 { "y" } else { "ies" }
        )));
    }
    Ok(None)
}

/// `Some(reason)` when a person may not move to another company now.
pub fn company_change_refused(
    conn: &mut PgConnection,
    contact: &Contact,
    new_company: Option<i64>,
) -> QueryResult<Option<String>> {
    if contact.is_company() || contact.company_id == new_company {
        return Ok(None);
    }
    let drafts = draft_segments(conn, contact.id)?;
    Ok((!drafts.is_empty()).then(|| {
        format!(
            "{} is on draft segment(s) {}, so it cannot move to another company.",
            contact.no,
            numbers(&drafts)
        )
    }))
}
