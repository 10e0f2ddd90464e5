//! A form's one-time key: the form carries a random key, and the same form sent again — a
//! double click, Back and resubmit, two tabs — is told what its first sending did.
//!
//! A create form's key is kept by the record it creates (a unique column): sent again, it
//! finds the record instead of creating a second one under another number. An edit form's key
//! is kept in `form_sends` once its change is made, with the version it made and a digest of
//! what it sent ([`mark_sent`]): sent again, it meets a newer version of its record, and
//! [`made_current`] tells it from a colleague's change, or from other values sent under it.

use diesel::prelude::*;
use diesel::sql_types::Text;

/// The tables whose create forms carry a key, each with a `form_key` column and a `no` (an
/// import job its `id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created {
    Contacts,
    Segments,
    Campaigns,
    Opportunities,
    /// A contact import's job: its id stands for the No.
    ImportJobs,
    /// A user: its user name stands for the No.
    Users,
}

impl Created {
    fn table(self) -> &'static str {
        match self {
            Created::Contacts => "contacts",
            Created::Segments => "segments",
            Created::Campaigns => "campaigns",
            Created::Opportunities => "opportunities",
            Created::ImportJobs => "import_jobs",
            Created::Users => "users",
        }
    }

    fn no(self) -> &'static str {
        match self {
            Created::ImportJobs => "id",
            Created::Users => "username",
            _ => "no",
        }
    }
}

/// A new form's key: 32 random hex digits.
pub fn new_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The form's key as stored: 32 lower-case hex digits, else none (an old form, or one that
/// was tampered with, creates without the guard).
pub fn key(once: &str) -> Option<String> {
    (once.len() == 32
        && once
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| once.to_string())
}

/// The No. of the record of `table` that the form with `key` created already, if any. Taken
/// inside the creating transaction: a second sending waits here until the first one's
/// transaction ends, and then finds its record.
pub fn created_from(
    conn: &mut PgConnection,
    table: Created,
    key: &str,
) -> QueryResult<Option<String>> {
    #[derive(QueryableByName)]
    struct No {
        #[diesel(sql_type = Text)]
        no: String,
    }
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1 || ' form ' || $2, 0))")
        .bind::<Text, _>(table.table())
        .bind::<Text, _>(key)
        .execute(conn)?;
    // `table` is one of the fixed names above.
    diesel::sql_query(format!(
        "SELECT {}::text AS no FROM {} WHERE form_key = $1",
        table.no(),
        table.table()
    ))
    .bind::<Text, _>(key)
    .get_result::<No>(conn)
    .optional()
    .map(|found| found.map(|f| f.no))
}

/// Whether the edit form with `key` made its change already with what it sends now
/// (`digest`, [`digest`]), and its record is still at the version it made (`current`): a
/// change saved after it is a colleague's, and other values sent under the same key (the
/// form changed and sent again before the first answer came) are a change of their own,
/// both to be told as such. Asked under the record's lock, when the form's version is not the
/// record's: a second sending waits for the first's transaction, then finds its key.
pub fn made_current(
    conn: &mut PgConnection,
    key: Option<&str>,
    current: i32,
    digest: &str,
) -> QueryResult<bool> {
    kept(conn, key, Some((current, digest)))
}

/// Whether `key` is kept in `form_sends`, with the version and digest `made`, when given.
fn kept(
    conn: &mut PgConnection,
    key: Option<&str>,
    made: Option<(i32, &str)>,
) -> QueryResult<bool> {
    use crate::db::schema::form_sends;
    let Some(key) = key else {
        return Ok(false);
    };
    let mut sent = form_sends::table
        .filter(form_sends::form_key.eq(key))
        .into_boxed();
    if let Some((version, digest)) = made {
        sent = sent
            .filter(form_sends::made_version.eq(version))
            .filter(form_sends::digest.eq(digest));
    }
    diesel::select(diesel::dsl::exists(sent)).get_result(conn)
}

/// A digest of a value as `Debug` writes it: of what a form sent (its fields but its version
/// and key), to tell the same form sent twice from the same form sent again with other
/// values; of a row as a setup form showed it ([`crate::setup::support::shown`]).
pub fn digest(sent: &impl std::fmt::Debug) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(format!("{sent:?}").as_bytes())[..16])
}

/// Whether the form with `key` made its change already, whatever became of its record since
/// (a form whose record has no version: a change of password).
pub fn sent_before(conn: &mut PgConnection, key: Option<&str>) -> QueryResult<bool> {
    kept(conn, key, None)
}

/// Keeps the key of the edit form whose change this transaction makes, with the version of
/// the record it made and the digest of what it sent; a key used again (saved from the page
/// that told of a colleague's change) keeps its latest change.
pub fn mark_sent(
    conn: &mut PgConnection,
    key: Option<&str>,
    made: i32,
    digest: &str,
) -> QueryResult<()> {
    use crate::db::schema::form_sends;
    if let Some(key) = key {
        diesel::insert_into(form_sends::table)
            .values((
                form_sends::form_key.eq(key),
                form_sends::made_version.eq(made),
                form_sends::digest.eq(digest),
            ))
            .on_conflict(form_sends::form_key)
            .do_update()
            .set((
                form_sends::made_version.eq(made),
                form_sends::digest.eq(digest),
                form_sends::sent_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets the keys of forms sent more than a day ago: a page kept open longer and sent again
/// is told, as any form of an older version, that the record changed since it was shown.
pub fn prune_sent(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM form_sends WHERE sent_at < now() - interval '1 day'")
        .execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_32_hex_digits_or_none() {
        let k = new_key();
        assert_eq!(key(&k).as_deref(), Some(k.as_str()));
        assert_ne!(new_key(), k);
        assert_eq!(key(""), None);
        assert_eq!(key(&k.to_uppercase()), None);
        assert_eq!(key(&format!("{k}0")), None);
        assert_eq!(key("'; DROP TABLE contacts; --      "), None);
    }
}
