//! Create Opportunities from a segment: what it would make (one per line, skipping contacts that
//! already have an open opportunity from this segment), then one set-based transaction with a
//! fixed number of statements whatever the segment's size. Running it twice creates nothing
//! twice: the skip is in the statement (under the segment's lock), and a unique index on the
//! open opportunities of a segment and contact stands behind it (a run that would still make a
//! second one fails as a whole). The numbers are taken as they are used: no count beforehand.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text};

use crate::setup::number_series;

/// Whether the line's contact has an open opportunity from this segment. The segment's No. is
/// read once, so that the lookup is a range of the unique index of open opportunities by
/// segment and contact (for a segment without any: one empty range), not a pass over every
/// open opportunity.
const HAS_OPEN: &str = "EXISTS (SELECT 1 FROM opportunities o \
     WHERE o.segment_no = (SELECT no FROM segments WHERE id = $1) \
       AND o.contact_id = l.contact_id AND o.status IN ('not_started', 'in_progress'))";

/// Whether the line's contact had an opportunity from this segment that is closed (the
/// segment's closed opportunities are read once, as a set).
const HAD_CLOSED: &str = "l.contact_id IN (SELECT o.contact_id FROM opportunities o \
     WHERE o.segment_no = (SELECT no FROM segments WHERE id = $1) AND o.status IN ('won', 'lost'))";

/// Whether the line's contact is on an earlier line of the segment too (added again by a step
/// that allowed contacts already there): one opportunity per contact, from its first line.
/// Before, both lines passed the check against the opportunities as they stood, and the
/// second row broke the unique index: Create Opportunities failed as a whole, every time. A
/// probe of the lines' index by contact for each line: about 0.1 s over 256,308 lines.
const REPEATED: &str = "EXISTS (SELECT 1 FROM segment_lines d \
     WHERE d.contact_id = l.contact_id AND d.segment_id = l.segment_id \
       AND d.removed_by_step IS NULL AND d.id < l.id)";

/// The segment, read once, with its salesperson if not blocked (`OFFSET 0` keeps it one row
/// computed once, not a probe per line).
const SEGMENT: &str = "(SELECT s.id, s.no, s.campaign_no, s.salesperson_code, \
       (SELECT sp.code FROM salespeople sp WHERE sp.code = s.salesperson_code AND NOT sp.blocked) \
         AS usable_salesperson \
     FROM segments s WHERE s.id = $1 OFFSET 0) s";

/// The line's salesperson: its own, else the header's, else its contact's, as on the segment
/// page and in its log, passing over a blocked one (as a single opportunity takes none, and Log
/// Segment logs no line with one); none when every one named is blocked. A line's own is
/// probed only where it has one, the contact's only where neither the line nor the header
/// names a usable one: at 256,308 lines with a header's salesperson, 160–306 ms before the
/// check, 220–258 ms with it.
const SALESPERSON: &str = "COALESCE( \
     CASE WHEN l.salesperson_code IS NOT NULL THEN \
       (SELECT sp.code FROM salespeople sp WHERE sp.code = l.salesperson_code AND NOT sp.blocked) \
     END, \
     s.usable_salesperson, \
     (SELECT sp.code FROM contacts c JOIN salespeople sp ON sp.code = c.salesperson_code \
      WHERE c.id = l.contact_id AND NOT sp.blocked))";

/// Whether the first salesperson the line names (its own, the header's, the contact's) is
/// blocked: the line then takes the next one, or none.
const BLOCKED_FIRST: &str = "EXISTS (SELECT 1 FROM salespeople sp WHERE sp.blocked AND sp.code = \
     COALESCE(l.salesperson_code, s.salesperson_code, \
              (SELECT c.salesperson_code FROM contacts c WHERE c.id = l.contact_id)))";

/// Whether the line's contact is privacy blocked: no opportunity is made for it, as no
/// interaction is logged with it and no single opportunity is made for it (a probe of the
/// contacts' primary key).
const PRIVACY_BLOCKED: &str =
    "EXISTS (SELECT 1 FROM contacts c WHERE c.id = l.contact_id AND c.privacy_blocked)";

/// The lines of the segment that have no open opportunity from it yet, one per contact, of
/// contacts not privacy blocked.
fn todo() -> String {
    format!(
        "FROM segment_lines l JOIN {SEGMENT} ON s.id = l.segment_id \
         WHERE l.segment_id = $1 AND l.removed_by_step IS NULL AND NOT {HAS_OPEN} \
           AND NOT {REPEATED} AND NOT {PRIVACY_BLOCKED}"
    )
}

/// What Create Opportunities would do.
#[derive(Clone, Debug, Default, QueryableByName)]
pub struct Preview {
    /// The segment's lines.
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
    /// Lines whose contact already has an open opportunity from this segment.
    #[diesel(sql_type = BigInt)]
    pub skipped: i64,
    /// Lines whose contact is on an earlier line too (and has no open opportunity).
    #[diesel(sql_type = BigInt)]
    pub repeated: i64,
    /// Lines whose contact is privacy blocked (and has no open opportunity, and is on no
    /// earlier line): none is made for them.
    #[diesel(sql_type = BigInt)]
    pub privacy_blocked: i64,
    /// Lines to be made whose first salesperson named is blocked (they take the next, or none).
    #[diesel(sql_type = BigInt)]
    pub blocked_salesperson: i64,
    /// Lines to be made whose contact had an opportunity from this segment that was closed,
    /// won or lost: it gets a new one, said before it is made.
    #[diesel(sql_type = BigInt)]
    pub again: i64,
    /// Lines to be made that get no salesperson: none is named on the line, the header or the
    /// contact, or every one named is blocked.
    #[diesel(sql_type = BigInt)]
    pub no_salesperson: i64,
}

impl Preview {
    pub fn to_create(&self) -> i64 {
        self.lines - self.skipped - self.repeated - self.privacy_blocked
    }
}

/// What Create Opportunities would do: each line's probes of the open opportunities and of
/// the earlier lines made once (not once per count that reads them), the salesperson's only
/// for the lines to be made.
pub fn preview(conn: &mut PgConnection, segment_id: i64) -> QueryResult<Preview> {
    diesel::sql_query(preview_sql())
        .bind::<BigInt, _>(segment_id)
        .get_result(conn)
}

fn preview_sql() -> String {
    format!(
        "SELECT count(*) AS lines, count(*) FILTER (WHERE l.open) AS skipped, \
           count(*) FILTER (WHERE NOT l.open AND l.repeated) AS repeated, \
           count(*) FILTER (WHERE NOT l.open AND NOT l.repeated AND l.privacy) AS privacy_blocked, \
           count(*) FILTER (WHERE l.todo AND {BLOCKED_FIRST}) AS blocked_salesperson, \
           count(*) FILTER (WHERE l.todo AND {HAD_CLOSED}) AS again, \
           count(*) FILTER (WHERE l.todo AND {SALESPERSON} IS NULL) AS no_salesperson \
         FROM (SELECT f.*, NOT f.open AND NOT f.repeated AND NOT f.privacy AS todo \
               FROM (SELECT l.id, l.segment_id, l.contact_id, l.salesperson_code, \
                       {HAS_OPEN} AS open, {REPEATED} AS repeated, \
                       {PRIVACY_BLOCKED} AS privacy \
                     FROM segment_lines l \
                     WHERE l.segment_id = $1 AND l.removed_by_step IS NULL OFFSET 0) f) l \
           JOIN {SEGMENT} ON s.id = l.segment_id"
    )
}

/// A contact an opportunity would be made for (the preview shows the first ones, in the
/// segment page's order: by company, the company before its persons, then by name).
#[derive(Clone, Debug, QueryableByName)]
pub struct Candidate {
    #[diesel(sql_type = Text)]
    pub contact_no: String,
    #[diesel(sql_type = Text)]
    pub contact_name: String,
    #[diesel(sql_type = Text)]
    pub company_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub salesperson_code: Option<String>,
}

pub fn candidates(
    conn: &mut PgConnection,
    segment_id: i64,
    limit: i64,
) -> QueryResult<Vec<Candidate>> {
    diesel::sql_query(format!(
        "SELECT (SELECT c.no FROM contacts c WHERE c.id = l.contact_id)::text AS contact_no, \
                l.contact_name, l.company_name, \
                {SALESPERSON}::text AS salesperson_code \
         {} ORDER BY l.company_name, l.company_no, l.is_person, l.contact_name, l.id LIMIT $2",
        todo()
    ))
    .bind::<BigInt, _>(segment_id)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// How many lines take an opportunity, over the `todo` rows (SQL).
const COUNT: &str = "(SELECT count(*) FROM todo)";

/// Create Opportunities' statement, its numbers given by `numbers`, a query of `(n, i)`: the
/// number of the `i`-th line of `todo`, from 1. `ctes`: what it reads besides `todo`
/// (`"taken AS (…), "`), or nothing.
fn insert_sql(ctes: &str, numbers: &str) -> String {
    format!(
        "WITH todo AS MATERIALIZED ( \
             SELECT l.contact_id, \
                    (SELECT c.company_key FROM contacts c WHERE c.id = l.contact_id) AS company_key, \
                    {SALESPERSON} AS salesperson_code, \
                    s.campaign_no, s.no AS segment_no, \
                    row_number() OVER (ORDER BY l.id) AS i \
             {todo}), \
         {ctes}free AS ({numbers}), \
         made AS ( \
             INSERT INTO opportunities (no, description, contact_id, company_id, \
                 salesperson_code, campaign_no, segment_no, sales_cycle_code, creation_date) \
             SELECT $2 || CASE WHEN length(f.n::text) >= $4 THEN f.n::text \
                               ELSE lpad(f.n::text, $4, '0') END, \
                    $5, t.contact_id, t.company_key, t.salesperson_code, t.campaign_no, \
                    t.segment_no, $6, $7 \
             FROM todo t JOIN free f ON f.i = t.i \
             RETURNING id, status, estimated_value, estimated_closing_date) \
         INSERT INTO opportunity_entries (opportunity_id, action, date, status_after, \
             estimated_value, chances_pct, completed_pct, probability_pct, current_value, \
             estimated_closing_date, user_id, user_name) \
         SELECT id, 'created', $7, status, estimated_value, 0, 0, 0, 0, \
                estimated_closing_date, $8, $9 FROM made",
        todo = todo(),
    )
}

/// Makes one opportunity per line still without one, each with its first entry: three
/// statements (hold the number series, opportunities with their entries, move the series on by
/// how many were made). The caller holds the segment's lock and the transaction. How many it
/// made. Each line's company is one probe of the contacts' primary key: a join would hash
/// every contact (half a second at a million) to use a fifth of them.
pub fn create(
    conn: &mut PgConnection,
    segment_id: i64,
    cycle: &str,
    description: &str,
    today: NaiveDate,
    user_id: i64,
    user_name: &str,
) -> QueryResult<i64> {
    let series = number_series::OPPORTUNITIES;
    let (prefix, width, held) = number_series::hold(conn, series)?;
    let run = |conn: &mut PgConnection, ctes: &str, numbers: &str| {
        diesel::sql_query(insert_sql(ctes, numbers))
            .bind::<BigInt, _>(segment_id)
            .bind::<Text, _>(&prefix)
            .bind::<BigInt, _>(held)
            .bind::<Integer, _>(width)
            .bind::<Text, _>(description)
            .bind::<Text, _>(cycle)
            .bind::<Date, _>(today)
            .bind::<BigInt, _>(user_id)
            .bind::<Text, _>(user_name)
            .execute(conn)
            .map(|n| n as i64)
    };
    // The numbers from the held one on, one after the other: free, unless the series was set
    // back below numbers opportunities have. Then (the unique No. refuses the run, in a
    // savepoint) the lines take the free numbers from there, passing the taken ones: a
    // failure of the whole run, every time, before.
    let consecutive =
        format!("SELECT n, n - $3 + 1 AS i FROM generate_series($3, $3 + {COUNT} - 1) n");
    let (made, passed) = match conn.transaction(|conn| run(conn, "", &consecutive)) {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        )) if info.constraint_name() == Some("opportunities_no_key") => {
            let free = format!(
                "SELECT n, row_number() OVER (ORDER BY n) AS i \
                 FROM generate_series($3, $3 + {COUNT} + (SELECT count(*) FROM taken WHERE v >= $3)) n \
                 WHERE NOT EXISTS (SELECT 1 FROM taken WHERE v = n)"
            );
            let taken = number_series::taken_cte_at("opportunities", "no", "$2", "$4");
            (run(conn, &format!("{taken}, "), &free)?, true)
        }
        // A number past the 20 characters of a No. (the CHECK of its column): the series is
        // used up, said as such.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::CheckViolation,
            _,
        )) => return Err(number_series::used_up_error(series, String::new())),
        other => (other?, false),
    };
    if made > 0 {
        // Every free number from the held one up to the last used was used: the next is the
        // first free one from there.
        let next = if passed {
            number_series::first_free(conn, "opportunities", "no", &prefix, width, held)?
        } else {
            held + made
        };
        number_series::advance(conn, series, next - held)?;
    }
    Ok(made)
}
