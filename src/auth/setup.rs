//! First run: while no administrator exists, `serve` prints a one-time link whose random
//! token lets one person create the first administrator. The link dies when used.

use diesel::prelude::*;

use super::session::hash_key;
use crate::db::schema::setup_tokens;

/// Adds a new token and returns it (only its hash is stored). Tokens printed earlier stay
/// valid: another instance started against the same database may have printed one that
/// someone is about to open. Using any of them spends them all ([`consume`]).
pub fn issue_token(conn: &mut PgConnection) -> QueryResult<String> {
    let mut bytes = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let token = hex::encode(bytes);
    diesel::insert_into(setup_tokens::table)
        .values(setup_tokens::token_hash.eq(hash_key(&token)))
        .execute(conn)?;
    Ok(token)
}

pub fn token_is_valid(conn: &mut PgConnection, token: &str) -> QueryResult<bool> {
    if token.is_empty() {
        return Ok(false);
    }
    diesel::select(diesel::dsl::exists(
        setup_tokens::table.filter(setup_tokens::token_hash.eq(hash_key(token))),
    ))
    .get_result(conn)
}

/// Uses the token up: true when it was valid. Call inside the transaction that creates the
/// administrator, so two people using the link at once cannot both succeed.
pub fn consume(conn: &mut PgConnection, token: &str) -> QueryResult<bool> {
    let deleted =
        diesel::delete(setup_tokens::table.filter(setup_tokens::token_hash.eq(hash_key(token))))
            .execute(conn)?;
    if deleted == 1 {
        diesel::delete(setup_tokens::table).execute(conn)?;
    }
    Ok(deleted == 1)
}
