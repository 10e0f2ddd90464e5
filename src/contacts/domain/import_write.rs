//! CSV import, second half: the checks that need the whole file (numbers used twice or
//! already in Rapport, each person's company) and the writing, as set-based SQL over the
//! temporary table `import_rows` that [`super::import::stage`] filled: a fixed number of
//! statements whatever the number of rows. Call in the import's transaction.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::import::Problems;
use crate::db::schema::number_series as ns;
use crate::setup::number_series::{self, taken_cte};

/// Locks the Contacts number series (creating contacts and other imports wait until this
/// transaction ends, so the numbers checked stay free) and the existing companies the file
/// names (so they cannot be deleted before the persons are written).
pub fn lock(conn: &mut PgConnection) -> QueryResult<()> {
    ns::table
        .find(number_series::CONTACTS)
        .select(ns::code)
        .for_update()
        .first::<String>(conn)?;
    conn.batch_execute(
        "SELECT 1 FROM contacts c \
         WHERE c.no IN (SELECT company_no FROM import_rows WHERE company_no <> '') FOR KEY SHARE",
    )
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = BigInt)]
    line: i64,
    #[diesel(sql_type = Text)]
    message: String,
    /// How many rows the statement found in all (it returns the first few by line).
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// The set-based checks, each a statement that returns the first problems by line and how
/// many there are.
const CHECKS: [&str; 3] = [
    // A number given twice in the file.
    "SELECT line, 'no ' || no || ' is already used on line ' || first AS message, count(*) OVER () AS total
     FROM (SELECT line, no, min(line) OVER (PARTITION BY no) AS first FROM import_rows WHERE no <> '') d
     WHERE line <> first ORDER BY line LIMIT $1",
    // A number Rapport already has.
    "SELECT r.line, 'contact ' || r.no || ' already exists' AS message, count(*) OVER () AS total
     FROM import_rows r JOIN contacts c ON c.no = r.no ORDER BY r.line LIMIT $1",
    // A person's company: the first row of the file with that number, else a contact in Rapport.
    "SELECT r.line,
            CASE WHEN COALESCE(f.kind, c.type) IS NULL
                 THEN 'company ' || r.company_no || ' is neither in the file nor in Rapport'
                 ELSE r.company_no || ' is not a company' END AS message,
            count(*) OVER () AS total
     FROM import_rows r
     LEFT JOIN (SELECT DISTINCT ON (no) no, kind FROM import_rows WHERE no <> '' ORDER BY no, line) f
            ON f.no = r.company_no
     LEFT JOIN contacts c ON c.no = r.company_no
     WHERE r.kind = 'person' AND r.company_no <> ''
       AND COALESCE(f.kind, c.type) IS DISTINCT FROM 'company'
     ORDER BY r.line LIMIT $1",
];

/// Checks the rows against each other and against Rapport; adds what is wrong to `problems`.
pub fn check(conn: &mut PgConnection, problems: &mut Problems) -> QueryResult<()> {
    for sql in CHECKS {
        let found: Vec<Found> = diesel::sql_query(sql)
            .bind::<BigInt, _>(Problems::SHOWN as i64)
            .load(conn)?;
        let total = found.first().map_or(0, |f| f.total) as u64;
        let shown = found.len() as u64;
        for f in found {
            problems.add(f.line as u64, f.message);
        }
        problems.add_uncounted(total.saturating_sub(shown));
    }
    Ok(())
}

/// The SQL of number `n` of a series: prefix `$1`, zero-padded to width `$2`.
const FORMAT_N: &str =
    "$1 || CASE WHEN length(n::text) >= $2 THEN n::text ELSE lpad(n::text, $2, '0') END";

/// Writes the checked rows: numbers for the rows without one (the next free numbers of the
/// Contacts series, skipping numbers contacts or the file already have), the contacts in one
/// `INSERT … SELECT`, each classification in one more. Returns the number of contacts.
/// Call after [`lock`] and [`check`] found nothing.
pub fn write(conn: &mut PgConnection, rows: u64, missing: u64) -> QueryResult<u64> {
    let (prefix, width): (String, i32) = ns::table
        .find(number_series::CONTACTS)
        .select((ns::prefix, ns::width))
        .first(conn)?;
    // Numbers the file gives in the series' own format move the series past them, so contacts
    // created later continue after the file.
    diesel::sql_query(format!(
        "WITH {} UPDATE number_series SET next_number = GREATEST(next_number, (SELECT max(v) + 1 FROM taken)) \
         WHERE code = $3 AND EXISTS (SELECT 1 FROM taken)",
        taken_cte("import_rows", "no")
    ))
    .bind::<Text, _>(&prefix)
    .bind::<Integer, _>(width)
    .bind::<Text, _>(number_series::CONTACTS)
    .execute(conn)?;

    // The k-th row without a number gets the k-th free number from the series' next one:
    // the gaps between the numbers taken (by contacts or the file), filled in order.
    conn.batch_execute(
        "CREATE TEMPORARY TABLE import_numbers (k BIGINT PRIMARY KEY, n BIGINT NOT NULL, no TEXT NOT NULL) ON COMMIT DROP",
    )?;
    if missing > 0 {
        diesel::sql_query(format!(
            "WITH {contacts}, {file}, \
             all_taken AS MATERIALIZED (SELECT DISTINCT v FROM (SELECT v FROM taken UNION ALL SELECT v FROM taken_in_file) t \
                                        WHERE v >= (SELECT next_number FROM number_series WHERE code = $3)), \
             start AS (SELECT next_number AS n0 FROM number_series WHERE code = $3), \
             edges AS (SELECT v, lag(v) OVER (ORDER BY v) AS prev FROM all_taken), \
             gaps AS (SELECT COALESCE(prev + 1, n0) AS lo, v - 1 AS hi FROM edges, start WHERE v > COALESCE(prev + 1, n0) \
                      UNION ALL SELECT COALESCE((SELECT max(v) FROM all_taken) + 1, n0), NULL FROM start), \
             sized AS (SELECT lo, hi, COALESCE(sum(hi - lo + 1) OVER (ORDER BY lo ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS before \
                       FROM gaps), \
             numbers AS (SELECT n FROM sized, generate_series(lo, LEAST(hi, lo + $4 - before - 1)) n WHERE before < $4) \
             INSERT INTO import_numbers (k, n, no) SELECT row_number() OVER (ORDER BY n), n, {FORMAT_N} FROM numbers",
            contacts = taken_cte("contacts", "no"),
            file = taken_cte("import_rows", "no").replacen("taken AS", "taken_in_file AS", 1),
        ))
        .bind::<Text, _>(&prefix)
        .bind::<Integer, _>(width)
        .bind::<Text, _>(number_series::CONTACTS)
        .bind::<BigInt, _>(missing as i64)
        .execute(conn)?;
        diesel::sql_query(
            "UPDATE number_series SET next_number = (SELECT max(n) + 1 FROM import_numbers) WHERE code = $1",
        )
        .bind::<Text, _>(number_series::CONTACTS)
        .execute(conn)?;
    }

    let written = diesel::sql_query(
        "INSERT INTO contacts (id, no, type, name, company_id, search_name, job_title, address, \
           address_2, city, post_code, country_code, phone, mobile, email, website, \
           salesperson_code, territory_code, language_code, correspondence_type, \
           organizational_level_code, exclude_from_segment, privacy_blocked) \
         SELECT r.id, COALESCE(num.no, r.no), r.kind, r.name, \
                CASE WHEN r.kind = 'person' AND r.company_no <> '' THEN COALESCE(f.id, c.id) END, \
                r.search_name, r.job_title, r.address, r.address_2, r.city, r.post_code, r.country_code, \
                r.phone, r.mobile, r.email, r.website, r.salesperson_code, r.territory_code, \
                r.language_code, r.correspondence_type, r.organizational_level_code, \
                r.exclude_from_segment, r.privacy_blocked \
         FROM import_rows r \
         LEFT JOIN import_numbers num ON num.k = r.missing \
         LEFT JOIN import_rows f ON f.no = r.company_no AND f.kind = 'company' AND r.company_no <> '' \
         LEFT JOIN contacts c ON c.no = r.company_no AND c.type = 'company' AND r.company_no <> '' \
         ORDER BY r.line",
    )
    .execute(conn)? as u64;
    debug_assert_eq!(written, rows);

    for (table, column) in [
        ("contact_industry_groups", "industry_groups"),
        ("contact_business_relations", "business_relations"),
        ("contact_mailing_groups", "mailing_groups"),
        ("contact_job_responsibilities", "job_responsibilities"),
    ] {
        conn.batch_execute(&format!(
            "INSERT INTO {table} (contact_id, code) \
             SELECT r.id, x.code FROM import_rows r, unnest(string_to_array(r.{column}, '|')) AS x (code) \
             WHERE r.{column} <> ''"
        ))?;
    }
    Ok(written)
}
