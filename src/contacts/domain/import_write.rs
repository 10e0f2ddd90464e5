//! CSV import, second half: the checks that need the whole file (numbers used twice or
//! already in Rapport, each person's company) and the writing, as set-based SQL over the
//! temporary table `import_rows` that [`super::import::stage`] filled: a fixed number of
//! statements whatever the number of rows. Call in the import's transaction.
//!
//! Rows whose No. a contact already has are refused, unless the user chose to update those
//! contacts ([`Existing`]): then they change the columns the file has, in one `UPDATE … FROM`
//! (and one statement per classification column), in the same transaction as the new rows.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::import::Problems;
use crate::db::schema::number_series as ns;
use crate::setup::number_series::{self, taken_cte};

/// Locks the Contacts number series (creating contacts and other imports wait until this
/// transaction ends, so the numbers checked stay free) and the existing companies the file
/// names, shared: they cannot be deleted before the persons are written, and a change of one
/// (its address, which its persons follow) waits for the import, as for a person saved under
/// it on the card, and then takes the new persons along. (Held for the key alone, it went
/// through, and the persons written with the old address kept it.)
pub fn lock(conn: &mut PgConnection) -> QueryResult<()> {
    ns::table
        .find(number_series::CONTACTS)
        .select(ns::code)
        .for_update()
        .first::<String>(conn)?;
    conn.batch_execute(
        "SELECT 1 FROM contacts c \
         WHERE c.no IN (SELECT company_no FROM import_rows WHERE company_no <> '') \
         ORDER BY c.id FOR SHARE",
    )
}

/// What the import does with rows whose No. is already in Rapport.
#[derive(Clone, Debug, Default)]
pub struct Existing {
    /// Update those contacts with the file's values (else the rows are refused).
    pub update: bool,
    /// The columns the file has: only these change.
    pub columns: Vec<&'static str>,
}

impl Existing {
    fn has(&self, column: &str) -> bool {
        self.columns.contains(&column)
    }
}

/// Renames and moves wait for the segment steps in progress (their lines carry the names and
/// the company: [`super::guards::wait_for_steps`]), before the checks read the lines. Call it
/// first, before [`lock`] and [`match_existing`]: a rename on a contact's card takes the same
/// lock before its contact, and taken after the contacts it deadlocked with one, the whole
/// import lost ("the administrator finds the reason in the log").
pub fn wait_for_steps(conn: &mut PgConnection, existing: &Existing) -> QueryResult<()> {
    if existing.update && (existing.has("name") || existing.has("company_no")) {
        super::guards::wait_for_steps(conn)?;
    }
    Ok(())
}

/// Marks each row whose No. a contact already has with that contact's id, having locked those
/// contacts until the import's transaction ends. Call after [`lock`], only when updating.
///
/// A post code, phone or mobile number of digits only that is the contact's own without its
/// leading zeros (`150` for `0150`) is read as the contact's own: a spreadsheet drops them
/// when it opens a CSV file and saves it again, so the file imported back changed every such
/// contact, though nobody edited those cells.
pub fn match_existing(conn: &mut PgConnection) -> QueryResult<()> {
    let zeros = ["post_code", "phone", "mobile"]
        .iter()
        .map(|c| {
            format!(
                "UPDATE import_rows r SET {c} = c.{c} FROM contacts c \
                 WHERE c.id = r.existing_id AND r.{c} ~ '^[0-9]+$' AND c.{c} ~ '^0+[0-9]+$' \
                   AND ltrim(c.{c}, '0') = r.{c};"
            )
        })
        .collect::<String>();
    conn.batch_execute(&format!(
        "SELECT 1 FROM contacts c WHERE c.no IN (SELECT no FROM import_rows WHERE no <> '') \
         ORDER BY c.id FOR UPDATE;
         UPDATE import_rows r SET existing_id = c.id FROM contacts c WHERE c.no = r.no AND r.no <> '';
         {zeros}
         ANALYZE import_rows"
    ))
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

/// A number given twice in the file; `line_word` is what the file's lines are called ("line"
/// in a CSV file, "row" in a workbook: a fixed word, never the file's).
fn twice(line_word: &str) -> String {
    format!(
        "SELECT line, 'no ' || no || ' is already used on {line_word} ' || first AS message,
           count(*) OVER () AS total
         FROM (SELECT line, no, min(line) OVER (PARTITION BY no) AS first FROM import_rows
               WHERE no <> '') d
         WHERE line <> first ORDER BY line LIMIT $1"
    )
}

/// A number Rapport already has (when those rows are not to update their contacts). A row of
/// a file exported from another Rapport database names the contact it would update here: the
/// same No. there may be another contact.
const EXISTS: &str = "SELECT r.line, 'contact ' || r.no || ' already exists'
            || CASE WHEN r.exported_from NOT IN ('', (SELECT database FROM code_list_version))
               THEN ' (' || c.name || ', ' || c.type || '); the file was exported from another '
                    || 'Rapport database, where ' || r.no || ' may be another contact (the file '
                    || 'names it ' || r.name || '): compare them before updating'
               ELSE '' END AS message,
            count(*) OVER () AS total
     FROM import_rows r JOIN contacts c ON c.no = r.no ORDER BY r.line LIMIT $1";

/// A row of a file exported from this database (its `version` and `exported_from` given)
/// whose contact was deleted since (or whose No. was typed over, a row copied for a new
/// contact: the two cannot be told apart), or, when the import updates contacts, changed since:
/// written, it would bring the contact back, or put back the values a colleague changed
/// meanwhile. (Without updating, a contact that exists is refused by [`EXISTS`] already.) The
/// version counts the card's fields; the classifications a colleague changed since are kept by
/// applying only the file's changes to its lists as exported (in [`write`]). A file exported
/// from another database (moving contacts to a new one) is not checked.
fn stale(update: bool) -> String {
    format!(
        "SELECT r.line, CASE WHEN c.id IS NULL
                THEN 'no contact has the No. ' || r.no || ' in Rapport: it was deleted since the file '
                     || 'was exported, or the No. was typed over in the file. Remove the row, or '
                     || 'empty its version cell to add it as a new contact'
                ELSE 'contact ' || r.no || ' was changed in Rapport since the file was exported (version '
                     || c.version || ', the file has ' || r.version || '): export it again, '
                     || 'or empty its version cell to overwrite those changes' END AS message,
                count(*) OVER () AS total
         FROM import_rows r LEFT JOIN contacts c ON c.no = r.no
         WHERE r.version IS NOT NULL AND r.no <> ''
           AND r.exported_from = (SELECT database FROM code_list_version)
           AND (c.id IS NULL OR ({update} AND c.version <> r.version))
         ORDER BY r.line LIMIT $1"
    )
}

/// A row that would make a company a person or a person a company.
const TYPE_CHANGE: &str =
    "SELECT r.line, 'contact ' || r.no || ' is a ' || c.type || ' in Rapport; a row cannot make it a '
            || r.kind || ' (type)' AS message, count(*) OVER () AS total
     FROM import_rows r JOIN contacts c ON c.id = r.existing_id
     WHERE c.type <> r.kind ORDER BY r.line LIMIT $1";

/// The company a person's row gives it (`r`; needs the joins of [`COMPANY_JOINS`]): its id,
/// or NULL for none.
const ROW_COMPANY: &str = "CASE WHEN r.kind = 'person' AND r.company_no <> '' \
     THEN COALESCE(f.existing_id, f.id, cc.id) END";

/// The company rows of the file (`f`) and of Rapport (`cc`) a row's `company_no` names. The
/// file's companies without a No. (numbered from the series) are left out of `f` itself: were
/// they in it, every row without a company (`company_no` empty) would be compared with each of
/// them before its own test turned them down: the join of a file of 40,000 rows without
/// numbers took 12 s here, a million demo contacts imported again were stopped after ten
/// minutes (BENCHMARKS.md, Many users at once).
pub const COMPANY_JOINS: &str =
    "LEFT JOIN import_rows f ON f.no = r.company_no AND f.kind = 'company' \
       AND f.no <> '' AND r.company_no <> ''
     LEFT JOIN contacts cc ON cc.no = r.company_no AND cc.type = 'company' AND r.company_no <> ''";

/// A new person's `column` (needs the joins of [`COMPANY_JOINS`]): what its row gives, or
/// where the row leaves it empty, its company's, as a new person on its card takes them
/// ([`super::inherit::fill`]): the address as a whole when no part of it is given, the phone,
/// salesperson (unless blocked), territory and language. The company's value is the one it
/// has after the import: the file's for a company new in it, or for one it updates with that
/// column; else the company's own. (Imported persons took none of it: a mail merge of them
/// had empty address blocks.) A row with a `version`, exported from Rapport, takes nothing.
fn taken_from_company(existing: &Existing, column: &str) -> String {
    let company = company_after(existing, column);
    // A row exported from Rapport (its version given) is the contact as it was: its empty
    // cells are its values, and the file is taken as it is.
    let person = format!("(r.version IS NULL AND ({ROW_COMPANY}) IS NOT NULL)");
    match column {
        "address" | "address_2" | "city" | "post_code" | "country_code" => format!(
            "CASE WHEN {person} AND r.address = '' AND r.address_2 = '' AND r.city = '' \
               AND r.post_code = '' AND r.country_code IS NULL THEN {company} ELSE r.{column} END"
        ),
        "phone" => format!("CASE WHEN {person} AND r.phone = '' THEN {company} ELSE r.phone END"),
        "salesperson_code" => format!(
            "COALESCE(r.salesperson_code, CASE WHEN {person} AND ({company}) NOT IN \
               (SELECT code FROM salespeople WHERE blocked) THEN {company} END)"
        ),
        _ => format!("COALESCE(r.{column}, CASE WHEN {person} THEN {company} END)"),
    }
}

/// The `column` of the company a row names (needs the joins of [`COMPANY_JOINS`]) as it is
/// after the import: the file's for a company new in it, or for one it updates with that
/// column; else the company's own.
fn company_after(existing: &Existing, column: &str) -> String {
    if existing.has(column) {
        format!("CASE WHEN f.id IS NOT NULL THEN f.{column} ELSE cc.{column} END")
    } else {
        format!("CASE WHEN f.id IS NOT NULL AND f.existing_id IS NULL THEN f.{column} ELSE cc.{column} END")
    }
}

/// The value a contact has of `column` when it has none: the codes and the country are NULL,
/// the other columns empty.
fn none_of(column: &str) -> &'static str {
    match column {
        "country_code" | "salesperson_code" | "territory_code" | "language_code" => "NULL",
        _ => "''",
    }
}

/// The `SET` of each column a person follows its company in ([`super::inherit::FOLLOWED`])
/// for an update that has the `company_no` column (needs the joins of [`COMPANY_JOINS`]; the
/// old company is read only for a person that moves): a person the file moves to another company takes the new
/// company's values as its card does ([`super::inherit::moved`]) — each group (the address
/// as a whole, the phone, salesperson, territory, language) that its row leaves as stored
/// and that was its old company's or empty; a blocked salesperson is not taken. Otherwise the
/// row's value where the file has the column, else the contact's own. (A person moved by an
/// import kept its old company's address, and the new company's later moves passed it by.)
fn moved_sets(existing: &Existing) -> Vec<String> {
    let moved = format!(
        "(c.type = 'person' AND ({ROW_COMPANY}) IS NOT NULL \
          AND ({ROW_COMPANY}) IS DISTINCT FROM c.company_id)"
    );
    super::inherit::FOLLOWED
        .iter()
        .flat_map(|(_, columns)| {
            let in_file: Vec<&str> = columns.iter().copied().filter(|c| existing.has(c)).collect();
            let untouched = if in_file.is_empty() {
                "TRUE".to_string()
            } else {
                format!("{} IS NOT DISTINCT FROM {}", row_of("r.", &in_file), row_of("c.", &in_file))
            };
            let new = format!("ROW({})", each(columns, |c| company_after(existing, c)));
            let blocked = if columns.contains(&"salesperson_code") {
                format!(
                    " AND NOT EXISTS (SELECT 1 FROM salespeople sp WHERE sp.code = ({}) AND sp.blocked)",
                    company_after(existing, "salesperson_code")
                )
            } else {
                String::new()
            };
            let old_company =
                |columns: &[&str]| format!("(SELECT {} FROM contacts oc WHERE oc.id = c.company_id)", row_of("oc.", columns));
            let takes = format!(
                "({moved} AND {untouched} \
                  AND ({stored} IS NOT DISTINCT FROM ROW({none}) OR {stored} IS NOT DISTINCT FROM {old}) \
                  AND {stored} IS DISTINCT FROM {new}{blocked})",
                stored = row_of("c.", columns),
                none = each(columns, |c| none_of(c).to_string()),
                old = old_company(columns),
            );
            columns.iter().map(move |c| {
                let otherwise = if existing.has(c) {
                    format!("r.{c}")
                } else {
                    format!("c.{c}")
                };
                format!(
                    "{c} = CASE WHEN {takes} THEN {} ELSE {otherwise} END",
                    company_after(existing, c)
                )
            })
        })
        .collect()
}

/// A person on a draft segment may not move to another company (as on its card,
/// [`super::guards::company_change_refused`]).
fn company_move_check() -> String {
    format!(
        "SELECT r.line, 'contact ' || r.no || ' is on draft segment'
                || CASE WHEN count(DISTINCT s.no) > 1 THEN 's ' ELSE ' ' END
                || string_agg(DISTINCT s.no::text, ', ' ORDER BY s.no::text)
                || ', so it cannot move to another company' AS message, count(*) OVER () AS total
         FROM import_rows r JOIN contacts c ON c.id = r.existing_id
         {COMPANY_JOINS}
         JOIN segment_lines l ON l.contact_id = c.id AND l.removed_by_step IS NULL
         JOIN segments s ON s.id = l.segment_id AND s.status = 'draft'
         WHERE c.type = 'person' AND c.company_id IS DISTINCT FROM ({ROW_COMPANY})
         GROUP BY r.line, r.no ORDER BY r.line LIMIT $1"
    )
}

/// The set-based checks over the whole file.
const CHECKS: [&str; 1] = [
    // A blocked salesperson is not given to a contact (as on its card); one that has it
    // already keeps it.
    "SELECT r.line, 'salesperson ' || r.salesperson_code || ' is blocked: choose another' AS message,
            count(*) OVER () AS total
     FROM import_rows r JOIN salespeople sp ON sp.code = r.salesperson_code AND sp.blocked
     LEFT JOIN contacts c ON c.id = r.existing_id
     WHERE c.salesperson_code IS DISTINCT FROM r.salesperson_code
     ORDER BY r.line LIMIT $1",
];

/// A person's company: the first row of the file with that number, else a contact in Rapport.
/// A company whose own row was refused (`$2`, their Nos) is not said missing from the file:
/// its line says what is wrong with it, and those words alone were lost among its persons'
/// (a company with an unknown country and 500 persons before it showed only "company … is
/// neither in the file nor in Rapport", 500 times). A company is named by its No.: one of
/// the file numbered from the series has none yet, and a person naming it by its name is
/// told so (it was told the company is not in the file, on the line above it).
const COMPANY_CHECK: &str = "SELECT r.line,
            CASE WHEN COALESCE(f.kind, c.type) IS NULL
                 THEN 'company ' || r.company_no || ' is neither in the file nor in Rapport'
                      || COALESCE((SELECT ': a person names its company by its No., and the \
company ' || n.name || ' on line ' || n.line || ' has none in the file (it would be numbered \
from the series): give it one in its no column, and that No. here'
                                   FROM import_rows n
                                   WHERE n.kind = 'company' AND n.no = ''
                                     AND upper(n.name) = r.company_no
                                   ORDER BY n.line LIMIT 1), '')
                 ELSE r.company_no || ' is not a company' END AS message,
            count(*) OVER () AS total
     FROM import_rows r
     LEFT JOIN (SELECT DISTINCT ON (no) no, kind FROM import_rows WHERE no <> '' ORDER BY no, line) f
            ON f.no = r.company_no
     LEFT JOIN contacts c ON c.no = r.company_no
     WHERE r.kind = 'person' AND r.company_no <> ''
       AND COALESCE(f.kind, c.type) IS DISTINCT FROM 'company'
       AND NOT (COALESCE(f.kind, c.type) IS NULL
                AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS x(no) WHERE x.no = r.company_no))
     ORDER BY r.line LIMIT $1";

/// A new contact's No. is refused what a number series' prefix is refused, and dots only
/// (its card could not be opened, a filter could not name it); a contact's No. already in
/// Rapport, from before the rule, is left as it is and may still be named (updated, or a
/// person's company). A person's `company_no` names a contact in Rapport or a row of the
/// file, whose own No. this checks.
fn new_numbers_check() -> String {
    // A bracket expression of `chars` in a SQL string literal.
    let class = |chars: &str| {
        let mut out = String::from("[");
        for c in chars.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("''"),
                c => out.push(c),
            }
        }
        out.push(']');
        out
    };
    let reasons: Vec<String> = number_series::NOT_IN_NUMBERS
        .iter()
        .map(|(chars, why)| {
            format!(
                "WHEN r.no ~ '{c}' THEN 'cannot contain ' || substring(r.no from '{c}') || ': {}'",
                why.replace('\'', "''"),
                c = class(chars)
            )
        })
        .collect();
    let all: String = number_series::NOT_IN_NUMBERS
        .iter()
        .map(|(chars, _)| *chars)
        .collect();
    format!(
        "SELECT r.line, 'no \"' || r.no || '\" ' || \
                CASE WHEN r.no ~ '^\\.+$' THEN 'cannot consist of dots only' {} \
                  WHEN strpos(r.no, '..') > 0 THEN 'cannot contain ..: {}' END AS message, \
                count(*) OVER () AS total \
         FROM import_rows r \
         WHERE r.no <> '' AND (r.no ~ '^\\.+$' OR r.no ~ '{}' OR strpos(r.no, '..') > 0) \
           AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.no = r.no) \
         ORDER BY r.line LIMIT $1",
        reasons.join(" "),
        number_series::TWO_DOTS,
        class(&all)
    )
}

/// Correspondence by e-mail without an e-mail address, as the contact will be: the file's
/// value where it has the column, else the contact's own (a file of `no,type,name,email`
/// used to empty the address of a contact written to by e-mail, and one of
/// `correspondence_type` alone was refused for a contact that has an address).
fn email_needed(existing: &Existing) -> String {
    let value = |column: &str| {
        if existing.has(column) {
            format!("r.{column}")
        } else {
            format!("COALESCE(c.{column}, '')")
        }
    };
    format!(
        "SELECT r.line, 'correspondence by e-mail needs an e-mail address' AS message,
                count(*) OVER () AS total
         FROM import_rows r LEFT JOIN contacts c ON c.id = r.existing_id
         WHERE {} = 'email' AND {} = ''
         ORDER BY r.line LIMIT $1",
        value("correspondence_type"),
        value("email")
    )
}

/// Checks the rows against each other and against Rapport; adds what is wrong to `problems`.
/// When updating, call [`match_existing`] first.
pub fn check(
    conn: &mut PgConnection,
    problems: &mut Problems,
    existing: &Existing,
    refused: &[String],
) -> QueryResult<()> {
    let mut checks: Vec<String> = vec![twice(problems.line_word), stale(existing.update)];
    if existing.update {
        checks.push(TYPE_CHANGE.into());
        if existing.has("company_no") {
            checks.push(company_move_check());
        }
    } else {
        checks.push(EXISTS.into());
    }
    checks.extend(CHECKS.iter().map(|c| c.to_string()));
    checks.push(new_numbers_check());
    checks.push(email_needed(existing));
    let company: Vec<Found> = diesel::sql_query(COMPANY_CHECK)
        .bind::<BigInt, _>(Problems::SHOWN as i64)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(refused)
        .load(conn)?;
    let found = checks.into_iter().map(|sql| {
        diesel::sql_query(sql)
            .bind::<BigInt, _>(Problems::SHOWN as i64)
            .load::<Found>(conn)
    });
    for found in std::iter::once(Ok(company)).chain(found) {
        let found = found?;
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

/// What [`write`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub created: u64,
    /// Contacts already in Rapport whose values (or codes) the file changed.
    pub updated: u64,
    /// Contacts already in Rapport that the file left as they were: it has their values.
    pub unchanged: u64,
    /// Persons the file has no row for who followed their company's change (address, phone or
    /// codes).
    pub followed: u64,
}

/// Writes the checked rows: numbers for the rows without one (the next free numbers of the
/// Contacts series, skipping numbers contacts or the file already have), the new contacts in
/// one `INSERT … SELECT`, the contacts to update in one `UPDATE … FROM`, each classification
/// in one or two more. Call after [`lock`] and [`check`] found nothing.
pub fn write(
    conn: &mut PgConnection,
    rows: u64,
    missing: u64,
    existing: &Existing,
) -> QueryResult<Written> {
    let (prefix, width): (String, i32) = ns::table
        .find(number_series::CONTACTS)
        .select((ns::prefix, ns::width))
        .first(conn)?;
    // Numbers the file gives in the series' own format leave the series where it is, as a
    // number typed on a card does: the next numbers skip them when they come to them. They
    // moved the series past the file's highest, so that one mistyped number (CT1200000, or
    // one of 20 digits) passed over a million numbers, or used the series up, unsaid.

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

    let taken = |column: &str| taken_from_company(existing, column);
    let created = diesel::sql_query(format!(
        "INSERT INTO contacts (id, no, type, name, company_id, search_name, job_title, address, \
           address_2, city, post_code, country_code, phone, mobile, email, website, \
           salesperson_code, territory_code, language_code, correspondence_type, \
           organizational_level_code, exclude_from_segment, privacy_blocked) \
         SELECT r.id, COALESCE(num.no, r.no), r.kind, r.name, {ROW_COMPANY}, \
                r.search_name, r.job_title, {address}, {address_2}, {city}, {post_code}, {country_code}, \
                {phone}, r.mobile, r.email, r.website, {salesperson_code}, {territory_code}, \
                {language_code}, r.correspondence_type, r.organizational_level_code, \
                r.exclude_from_segment, r.privacy_blocked \
         FROM import_rows r \
         LEFT JOIN import_numbers num ON num.k = r.missing \
         {COMPANY_JOINS} \
         WHERE r.existing_id IS NULL \
         ORDER BY r.line",
        address = taken("address"),
        address_2 = taken("address_2"),
        city = taken("city"),
        post_code = taken("post_code"),
        country_code = taken("country_code"),
        phone = taken("phone"),
        salesperson_code = taken("salesperson_code"),
        territory_code = taken("territory_code"),
        language_code = taken("language_code"),
    ))
    .execute(conn)? as u64;
    let (matched, followed) = if existing.update {
        update(conn, existing)?
    } else {
        (0, 0)
    };

    let codes = |column: &str| {
        format!(
            "SELECT COALESCE(r.existing_id, r.id), x.code \
             FROM import_rows r, unnest(string_to_array(r.{column}, '|')) AS x (code) \
             WHERE r.{column} <> ''"
        )
    };
    for (i, (table, column)) in LISTS.into_iter().enumerate() {
        if existing.update && existing.has(column) {
            // A contact the file updates has the file's codes instead of its own: the codes
            // the file no longer lists go, the ones it adds come, and the contacts where either
            // happened are marked changed. Codes that stay are not written again. A row that
            // gives its lists as exported from this database changes only what the file
            // changed in them: a code a colleague added or removed since stays so.
            let exported = format!(
                "COALESCE(string_to_array(NULLIF(split_part(r.as_exported, ' ', {}), ''), '|'), '{{}}')",
                i + 1
            );
            let as_exported = "(r.as_exported IS NOT NULL \
                 AND r.exported_from = (SELECT database FROM code_list_version))";
            conn.batch_execute(&format!(
                "WITH gone AS (DELETE FROM {table} t USING import_rows r \
                   WHERE t.contact_id = r.existing_id \
                     AND t.code::text <> ALL (COALESCE(string_to_array(NULLIF(r.{column}, ''), '|'), '{{}}')) \
                     AND (NOT {as_exported} OR t.code::text = ANY ({exported})) \
                   RETURNING t.contact_id) \
                 INSERT INTO import_changed SELECT DISTINCT contact_id FROM gone ON CONFLICT DO NOTHING"
            ))?;
            conn.batch_execute(&format!(
                "WITH added AS (INSERT INTO {table} (contact_id, code) {} \
                   AND NOT (r.existing_id IS NOT NULL AND {as_exported} AND x.code = ANY ({exported})) \
                   ON CONFLICT DO NOTHING RETURNING contact_id) \
                 INSERT INTO import_changed SELECT DISTINCT a.contact_id FROM added a \
                 WHERE a.contact_id IN (SELECT existing_id FROM import_rows) ON CONFLICT DO NOTHING",
                codes(column)
            ))?;
        } else {
            conn.batch_execute(&format!(
                "INSERT INTO {table} (contact_id, code) {}",
                codes(column)
            ))?;
        }
    }
    let updated = if existing.update {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let n: N =
            diesel::sql_query("SELECT count(*) AS n FROM import_changed").get_result(conn)?;
        n.n as u64
    } else {
        0
    };
    let unchanged = matched - updated;
    debug_assert_eq!(created + updated + unchanged, rows);
    Ok(Written {
        created,
        updated,
        unchanged,
        followed,
    })
}

/// A contact's Search Name when the file renames it: one that followed the old name (its
/// capitals, as the card makes it) follows the new one, as on the card, where the file's
/// cell still has the old (exported before the rename) or the file has no such column
/// (`in_file`); one of the user's own stays, or is the file's. (It stayed at the old name,
/// and a segment filter on the new one missed the contact.)
fn following_search_name(in_file: bool) -> String {
    let (kept, otherwise) = if in_file {
        ("AND r.search_name = c.search_name", "r.search_name")
    } else {
        ("", "c.search_name")
    };
    // Capitals of every letter, as Rust's to_uppercase makes them on the card (the
    // database's own collation may change ASCII letters only).
    format!(
        "CASE WHEN r.name <> c.name \
           AND c.search_name = left(upper(c.name COLLATE \"und-x-icu\"), 100) {kept} \
         THEN left(upper(r.name COLLATE \"und-x-icu\"), 100) ELSE {otherwise} END"
    )
}

/// The classifications a file may list, each a table of (contact, code) and the file column
/// of the same name, its codes separated by `|`.
const LISTS: [(&str, &str); 4] = [
    ("contact_industry_groups", "industry_groups"),
    ("contact_business_relations", "business_relations"),
    ("contact_mailing_groups", "mailing_groups"),
    ("contact_job_responsibilities", "job_responsibilities"),
];

/// The contact columns a row may change, each the file column of the same name.
const UPDATED_COLUMNS: [&str; 19] = [
    "name",
    "search_name",
    "job_title",
    "address",
    "address_2",
    "city",
    "post_code",
    "country_code",
    "phone",
    "mobile",
    "email",
    "website",
    "salesperson_code",
    "territory_code",
    "language_code",
    "correspondence_type",
    "organizational_level_code",
    "exclude_from_segment",
    "privacy_blocked",
];

/// What of a company its persons follow that the file has columns for: each group's
/// columns, and those of them the file has ([`super::inherit::FOLLOWED`]).
fn followed_groups(existing: &Existing) -> Vec<(&'static [&'static str], Vec<&'static str>)> {
    super::inherit::FOLLOWED
        .iter()
        .map(|(_, columns)| {
            let in_file = columns
                .iter()
                .copied()
                .filter(|c| existing.has(c))
                .collect();
            (*columns, in_file)
        })
        .filter(|(_, in_file): &(_, Vec<&str>)| !in_file.is_empty())
        .collect()
}

/// `ROW(prefix.a, prefix.b)` of `columns` (a ROW, so that one column compares as a row too).
fn row_of(prefix: &str, columns: &[&str]) -> String {
    format!("ROW({})", each(columns, |c| format!("{prefix}{c}")))
}

/// `write` of each of `columns`, joined by commas: a SQL list.
fn each(columns: &[&str], write: impl Fn(&str) -> String) -> String {
    columns
        .iter()
        .map(|c| write(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Updates the contacts of the rows [`match_existing`] marked with the columns the file has,
/// in one statement; a contact whose values are all the file's already is not written. The
/// persons of a company the file changes follow its address, phone, salesperson, territory
/// and language where they had the company's old one, as on the company's card
/// ([`super::inherit::persons_follow`]) — unless the file gives such a person a value of its
/// own. The contacts of the file it changes (a value, the company, or what they follow) go
/// into `import_changed`, which the lists of codes add to ([`write`]). Returns how many
/// contacts the file names that are already in Rapport, and how many other persons followed.
fn update(conn: &mut PgConnection, existing: &Existing) -> QueryResult<(u64, u64)> {
    conn.batch_execute(
        "CREATE TEMPORARY TABLE import_changed (id BIGINT PRIMARY KEY) ON COMMIT DROP",
    )?;
    let groups = followed_groups(existing);
    if !groups.is_empty() {
        let all: Vec<&str> = groups.iter().flat_map(|(c, _)| c.iter().copied()).collect();
        // The company's values after the import: the file's where it has the column.
        let new = |c: &str| {
            if existing.has(c) {
                format!("r.{c}")
            } else {
                format!("co.{c}")
            }
        };
        // Per group: whether the person follows (it has the company's old values, which the
        // file changes, and its own row in the file, `pr` if any, leaves them as they are).
        // Its row is joined, not looked up in each test: a test per person over the file's
        // rows, as a subquery in an OR, read the whole file for each (an import of a million
        // rows that changed 15,716 companies' phones was stopped after 15 minutes).
        let follows: Vec<String> = groups
            .iter()
            .map(|(columns, in_file)| {
                format!(
                    "({} IS NOT DISTINCT FROM {old} AND {old} IS DISTINCT FROM {} \
                     AND (pr.existing_id IS NULL OR {} IS NOT DISTINCT FROM {}))",
                    row_of("p.", columns),
                    row_of("n.new_", columns),
                    row_of("pr.", in_file),
                    row_of("p.", in_file),
                    old = row_of("n.old_", columns),
                )
            })
            .collect();
        // Found before the companies change: the persons that follow, with what they follow
        // to and what they have (`was_…`, so that a person saved meanwhile is left as saved).
        // Only the companies the file changes something of theirs for are read with their
        // persons: a file that changes none joins no person (all of a million contacts
        // imported back unchanged: 45.5 s with every company's persons joined, 40.5 s before
        // the phone and codes followed).
        let new_row = format!("ROW({})", each(&all, new));
        conn.batch_execute(&format!(
            "CREATE TEMPORARY TABLE import_follow ON COMMIT DROP AS \
             SELECT p.id, n.id AS company_id, {flags}, {news_n}, {was} \
             FROM contacts p JOIN (SELECT co.id, {olds}, {news} \
                   FROM import_rows r JOIN contacts co ON co.id = r.existing_id \
                   WHERE co.type = 'company' AND {old_row} IS DISTINCT FROM {new_row}) n \
               ON p.company_id = n.id \
             LEFT JOIN import_rows pr ON pr.existing_id = p.id \
             WHERE p.type = 'person' AND ({any})",
            flags = follows
                .iter()
                .enumerate()
                .map(|(i, f)| format!("{f} AS follows_{i}"))
                .collect::<Vec<_>>()
                .join(", "),
            news_n = each(&all, |c| format!("n.new_{c}")),
            was = each(&all, |c| format!("p.{c} AS was_{c}")),
            olds = each(&all, |c| format!("co.{c} AS old_{c}")),
            news = each(&all, |c| format!("{} AS new_{c}", new(c))),
            any = follows.join(" OR "),
            old_row = row_of("co.", &all),
        ))?;
    }
    let moving = existing.has("company_no");
    let followed: Vec<&str> = super::inherit::FOLLOWED
        .iter()
        .flat_map(|(_, columns)| columns.iter().copied())
        .collect();
    let mut sets: Vec<String> = UPDATED_COLUMNS
        .iter()
        .filter(|c| existing.has(c) && !(moving && followed.contains(c)))
        .map(|c| match *c {
            "search_name" if existing.has("name") => {
                format!("search_name = {}", following_search_name(true))
            }
            c => format!("{c} = r.{c}"),
        })
        .collect();
    if existing.has("name") && !existing.has("search_name") {
        sets.push(format!("search_name = {}", following_search_name(false)));
    }
    let mut olds: Vec<String> = UPDATED_COLUMNS
        .iter()
        .filter(|c| existing.has(c))
        .map(|c| format!("c.{c}"))
        .collect();
    let mut news: Vec<String> = UPDATED_COLUMNS
        .iter()
        .filter(|c| existing.has(c))
        .map(|c| format!("r.{c}"))
        .collect();
    if moving {
        sets.push(format!("company_id = {ROW_COMPANY}"));
        olds.push("c.company_id".into());
        news.push(format!("({ROW_COMPANY})"));
        sets.extend(moved_sets(existing));
    }
    if !sets.is_empty() {
        // A moved person's values change with its company, which the comparison has already.
        diesel::sql_query(format!(
            "WITH u AS (UPDATE contacts c SET {}, version = c.version + 1, updated_at = now() \
               FROM import_rows r {COMPANY_JOINS} \
               WHERE c.id = r.existing_id AND ROW({}) IS DISTINCT FROM ROW({}) RETURNING c.id) \
             INSERT INTO import_changed SELECT id FROM u",
            sets.join(", "),
            olds.join(", "),
            news.join(", "),
        ))
        .execute(conn)?;
    }
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    // The persons who follow, each group where they still have what they were found with (one
    // a colleague saved meanwhile keeps what was saved): those the file has a row for are
    // counted with its rows, the others apart.
    let followed = if groups.is_empty() {
        0
    } else {
        let taking: Vec<String> = groups
            .iter()
            .enumerate()
            .map(|(i, (columns, _))| {
                format!(
                    "(f.follows_{i} AND {} IS NOT DISTINCT FROM {})",
                    row_of("p.", columns),
                    row_of("f.was_", columns)
                )
            })
            .collect();
        let sets: Vec<String> = groups
            .iter()
            .zip(&taking)
            .flat_map(|((columns, _), when)| {
                columns
                    .iter()
                    .map(move |c| format!("{c} = CASE WHEN {when} THEN f.new_{c} ELSE p.{c} END"))
            })
            .collect();
        let n: N = diesel::sql_query(format!(
            "WITH u AS (UPDATE contacts p SET {}, version = p.version + 1, updated_at = now() \
               FROM import_follow f WHERE p.id = f.id AND p.company_id = f.company_id AND ({}) \
               RETURNING p.id), \
             listed AS (SELECT existing_id FROM import_rows WHERE existing_id IS NOT NULL), \
             changed AS (INSERT INTO import_changed SELECT id FROM u WHERE id IN (SELECT * FROM listed) \
               ON CONFLICT DO NOTHING) \
             SELECT count(*) AS n FROM u WHERE id NOT IN (SELECT * FROM listed)",
            sets.join(", "),
            taking.join(" OR "),
        ))
        .get_result(conn)?;
        n.n as u64
    };
    let n: N =
        diesel::sql_query("SELECT count(*) AS n FROM import_rows WHERE existing_id IS NOT NULL")
            .get_result(conn)?;
    Ok((n.n as u64, followed))
}
