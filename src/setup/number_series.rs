//! Number series: the next free number of a series (e.g. `CT000001`), safe under concurrency.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

pub const CONTACTS: &str = "CONTACT";
pub const SEGMENTS: &str = "SEGMENT";
pub const CAMPAIGNS: &str = "CAMPAIGN";

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = Text)]
    prefix: String,
    #[diesel(sql_type = Integer)]
    width: i32,
    #[diesel(sql_type = BigInt)]
    first: i64,
}

/// Formats number `n` of a series: prefix, then `n` zero-padded to `width` digits.
pub fn format(prefix: &str, width: i32, n: i64) -> String {
    format!("{prefix}{n:0width$}", width = width.max(1) as usize)
}

/// Takes `count` consecutive numbers from series `code` and returns the first one's parts.
/// The series row stays locked until the caller's transaction ends, so two users creating at
/// the same moment get different numbers; a rolled-back transaction gives its numbers back.
pub fn take(conn: &mut PgConnection, code: &str, count: i64) -> QueryResult<(String, i32, i64)> {
    let taken: Taken = diesel::sql_query(
        "UPDATE number_series SET next_number = next_number + $2 WHERE code = $1 \
         RETURNING prefix, width, next_number - $2 AS first",
    )
    .bind::<Text, _>(code)
    .bind::<BigInt, _>(count)
    .get_result(conn)?;
    Ok((taken.prefix, taken.width, taken.first))
}

/// The next number of series `code`, e.g. `CT000042`.
pub fn next(conn: &mut PgConnection, code: &str) -> QueryResult<String> {
    let (prefix, width, n) = take(conn, code, 1)?;
    Ok(format(&prefix, width, n))
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_zero_padded_after_the_prefix() {
        assert_eq!(super::format("CT", 6, 1), "CT000001");
        assert_eq!(super::format("SM", 5, 123456), "SM123456");
        assert_eq!(super::format("", 4, 7), "0007");
    }
}
