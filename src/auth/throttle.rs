//! Sign-in throttling. Failures are counted in a sliding window per account and per address;
//! past the limit, sign-in is refused (429) until the oldest failure leaves the window. There
//! is no permanent lockout that someone else could trigger.

use diesel::prelude::*;
use diesel::sql_types::{Double, Text};

use crate::db::schema::login_failures;

/// Failures allowed for one account name within the window.
pub const ACCOUNT_LIMIT: i64 = 10;
/// Failures allowed from one address within the window (an office may share one address).
pub const ADDRESS_LIMIT: i64 = 50;
/// The window, in seconds.
pub const WINDOW_SECS: f64 = 15.0 * 60.0;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
    #[diesel(sql_type = Double)]
    wait: f64,
}

fn count(conn: &mut PgConnection, column: &str, value: &str) -> QueryResult<Count> {
    // `column` is one of two fixed names, never user input.
    let sql = format!(
        "SELECT count(*)::bigint AS n, \
                COALESCE(EXTRACT(EPOCH FROM min(at) + make_interval(secs => $2) - now()), 0)::float8 AS wait \
         FROM login_failures WHERE {column} = $1 AND at > now() - make_interval(secs => $2)"
    );
    diesel::sql_query(sql)
        .bind::<Text, _>(value)
        .bind::<Double, _>(WINDOW_SECS)
        .get_result(conn)
}

/// `Some(seconds to wait)` when this account or address must wait before trying again.
pub fn check(conn: &mut PgConnection, username: &str, ip: &str) -> QueryResult<Option<u64>> {
    let account = count(conn, "username", &crate::db::fold(username))?;
    let address = count(conn, "ip", ip)?;
    let mut wait: Option<f64> = None;
    if account.n >= ACCOUNT_LIMIT {
        wait = Some(account.wait);
    }
    if address.n >= ADDRESS_LIMIT {
        wait = Some(wait.unwrap_or(0.0).max(address.wait));
    }
    Ok(wait.map(|w| w.ceil().max(1.0) as u64))
}

pub fn record_failure(conn: &mut PgConnection, username: &str, ip: &str) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::username.eq(crate::db::fold(username)),
            login_failures::ip.eq(ip),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failures older than a day play no part any more.
pub fn forget_old(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM login_failures WHERE at < now() - interval '1 day'")
        .execute(conn)
}

/// A successful sign-in clears the account's failures.
pub fn clear(conn: &mut PgConnection, username: &str) -> QueryResult<()> {
    diesel::delete(
        login_failures::table.filter(login_failures::username.eq(crate::db::fold(username))),
    )
    .execute(conn)
    .map(|_| ())
}
