//! Sign-in throttling. Failures are counted in a sliding window per account and per address;
//! past the limit, sign-in is refused (429) until the oldest failure leaves the window. There
//! is no permanent lockout that someone else could trigger, nor a passing one from elsewhere:
//! from an address the user has signed in from before, only the account's failures from that
//! address count (not the address's limit), so failing on purpose from another machine, or
//! with made-up names from the office's shared address, again and again, does not keep the
//! user out (ASVS 6.3.1, "without enabling malicious lockout").

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

/// How long a user's sign-in from an address keeps it known.
const KNOWN_DAYS: i32 = 90;

fn count(conn: &mut PgConnection, condition: &str, value: &str, ip: &str) -> QueryResult<Count> {
    // `condition` is fixed SQL, never user input.
    let sql = format!(
        "SELECT count(*)::bigint AS n, \
                COALESCE(EXTRACT(EPOCH FROM min(at) + make_interval(secs => $3) - now()), 0)::float8 AS wait \
         FROM login_failures WHERE {condition} AND at > now() - make_interval(secs => $3)"
    );
    diesel::sql_query(sql)
        .bind::<Text, _>(value)
        .bind::<Text, _>(ip)
        .bind::<Double, _>(WINDOW_SECS)
        .get_result(conn)
}

/// A try refused: how many seconds to wait, and whether the address's limit refused it (else
/// the account's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait {
    pub secs: u64,
    pub address: bool,
}

impl Wait {
    /// The audit trail's detail of the refusal, which [`throttled_recorded`] looks for.
    pub fn detail(&self) -> &'static str {
        if self.address {
            "too many failures from this address"
        } else {
            "too many failures for this name"
        }
    }
}

/// Whether a refused sign-in like this one was recorded in the audit trail within the window
/// already: a script that goes on once refused is recorded once a window, not once a request
/// (it used to fill the trail, and the disk, unsigned in) — once per address when the
/// address's limit refuses (a script sending another name each time was recorded on every
/// request), once per name (in any case) and address when the account's does.
pub fn throttled_recorded(
    conn: &mut PgConnection,
    action: &str,
    username: &str,
    ip: &str,
    wait: Wait,
) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Recorded {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        recorded: bool,
    }
    let r: Recorded = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = $6 \
             AND ip = $2 AND detail = $4 AND at > now() - make_interval(secs => $3) \
             AND ($5 OR rapport_fold(subject) = rapport_fold($1))) AS recorded",
    )
    .bind::<Text, _>(username)
    .bind::<Text, _>(ip)
    .bind::<Double, _>(WINDOW_SECS)
    .bind::<Text, _>(wait.detail())
    .bind::<diesel::sql_types::Bool, _>(wait.address)
    .bind::<Text, _>(action)
    .get_result(conn)?;
    Ok(r.recorded)
}

/// Whether the user of that (folded) name has signed in from `ip` within [`KNOWN_DAYS`].
fn known_address(conn: &mut PgConnection, folded: &str, ip: &str) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Known {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        known: bool,
    }
    let known: Known = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM users u JOIN sign_in_addresses k ON k.user_id = u.id \
             WHERE rapport_fold(u.username) = $1 AND k.ip = $2 \
               AND k.at > now() - make_interval(days => $3)) AS known",
    )
    .bind::<Text, _>(folded)
    .bind::<Text, _>(ip)
    .bind::<diesel::sql_types::Integer, _>(KNOWN_DAYS)
    .get_result(conn)?;
    Ok(known.known)
}

/// `Some(how long to wait)` when this account or address must wait before trying again.
fn check(conn: &mut PgConnection, username: &str, ip: &str) -> QueryResult<Option<Wait>> {
    let folded = crate::db::fold(username);
    // Each count binds the name ($1) and the address ($2); `$n = $n` keeps a value a
    // condition does not test bound and typed.
    let mut account = count(conn, "username = $1 AND $2 = $2", &folded, ip)?;
    let address = count(conn, "ip = $2 AND $1 = $1", &folded, ip)?;
    let limited = account.n >= ACCOUNT_LIMIT || address.n >= ADDRESS_LIMIT;
    // From an address the user has signed in from before, only the account's failures from
    // there count: a script failing with made-up names at an office's shared address, or
    // with this name elsewhere, does not keep the user out.
    let known = limited && known_address(conn, &folded, ip)?;
    if known {
        account = count(conn, "username = $1 AND ip = $2", &folded, ip)?;
    }
    let mut wait: Option<(f64, bool)> = None;
    if account.n >= ACCOUNT_LIMIT {
        wait = Some((account.wait, false));
    }
    if address.n >= ADDRESS_LIMIT && !known {
        wait = Some((wait.map_or(0.0, |w| w.0).max(address.wait), true));
    }
    Ok(wait.map(|(w, address)| Wait {
        secs: w.ceil().max(1.0) as u64,
        address,
    }))
}

/// Lock classes of a try's name and address (the second key is a hash of each).
const NAME_LOCK: i32 = 0x5349_474E; // "SIGN"
const ADDRESS_LOCK: i32 = 0x5341_4452; // "SADR"

/// Admits a try of `username` from `ip`, or says how many seconds to wait (see [`check`]).
/// An admitted try counts as a failure from now on, until a success clears the account's
/// failures: the count and the record are one step, under locks of the name and of the
/// address, so tries sent in parallel cannot all pass a check made before any was recorded
/// (40 wrong passwords at once for one account had 13 checked against a limit of 10).
///
/// `refused` runs for a refused try under the same locks (the sign-in records it once a
/// window there: tries sent in parallel past the limit are recorded once, not each).
pub fn admit(
    conn: &mut PgConnection,
    username: &str,
    ip: &str,
    refused: impl FnOnce(&mut PgConnection, Wait) -> QueryResult<()>,
) -> QueryResult<Option<Wait>> {
    conn.transaction(|conn| {
        let folded = crate::db::fold(username);
        // Always the name's lock before the address's: no two tries wait on each other.
        for (class, key) in [(NAME_LOCK, folded.as_str()), (ADDRESS_LOCK, ip)] {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                .bind::<diesel::sql_types::Integer, _>(class)
                .bind::<Text, _>(key)
                .execute(conn)?;
        }
        if let Some(wait) = check(conn, username, ip)? {
            refused(conn, wait)?;
            return Ok(Some(wait));
        }
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::username.eq(folded),
                login_failures::ip.eq(ip),
            ))
            .execute(conn)?;
        Ok(None)
    })
}

/// Failures older than a day play no part any more, nor addresses not used for
/// [`KNOWN_DAYS`].
pub fn forget_old(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM sign_in_addresses WHERE at < now() - make_interval(days => $1)")
        .bind::<diesel::sql_types::Integer, _>(KNOWN_DAYS)
        .execute(conn)?;
    diesel::sql_query("DELETE FROM login_failures WHERE at < now() - interval '1 day'")
        .execute(conn)
}

/// A successful sign-in from `ip`: the address is known for the user from now on.
pub fn remember_address(conn: &mut PgConnection, user_id: i64, ip: &str) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO sign_in_addresses (user_id, ip) VALUES ($1, $2) \
         ON CONFLICT (user_id, ip) DO UPDATE SET at = now()",
    )
    .bind::<diesel::sql_types::BigInt, _>(user_id)
    .bind::<Text, _>(ip)
    .execute(conn)
    .map(|_| ())
}

/// A successful sign-in clears the account's failures.
pub fn clear(conn: &mut PgConnection, username: &str) -> QueryResult<()> {
    diesel::delete(
        login_failures::table.filter(login_failures::username.eq(crate::db::fold(username))),
    )
    .execute(conn)
    .map(|_| ())
}
