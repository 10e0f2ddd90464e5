//! What stops a contact from being deleted (SPEC §2).

use diesel::prelude::*;

use super::model::{self, Contact};

/// `Some(reason)` when the contact may not be deleted now.
pub fn deletion_refused(conn: &mut PgConnection, contact: &Contact) -> QueryResult<Option<String>> {
    if contact.is_company() {
        let (_, persons) = model::persons_of(conn, contact.id, 0)?;
        if persons > 0 {
            return Ok(Some(format!(
                "{} {} has {} person(s). Delete them or move them to another company first.",
                contact.no, contact.name, persons
            )));
        }
    }
    Ok(None)
}
