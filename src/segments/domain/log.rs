//! Log Segment: every check at once, then one interaction log entry per line with its
//! effective fields, a campaign entry when the segment has a campaign, the segment Logged —
//! in one transaction and a fixed number of statements whatever the number of lines; and an
//! optional follow-up segment with the same contacts. See docs/segments.md, Log Segment.

use bigdecimal::BigDecimal;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Numeric, Text};

use crate::auth::CurrentUser;
use crate::segments::domain::criteria::Criteria;
use crate::segments::domain::header::{self, HeaderValues, Segment, SegmentStatus};
use crate::segments::domain::ledger;
use crate::segments::domain::lines::{
    EFFECTIVE_CAMPAIGN_RESPONSE, EFFECTIVE_CAMPAIGN_TARGET, EFFECTIVE_CORRESPONDENCE,
    EFFECTIVE_COST, EFFECTIVE_DURATION, EFFECTIVE_FLOW, EFFECTIVE_INITIATED_BY, LINE_TEMPLATE_JOIN,
};
use crate::segments::domain::steps::Outcome;
use crate::segments::domain::stored::{self, StepKind};
use crate::segments::domain::totals;

/// How many lines with a problem the check page names (the counts cover them all).
pub const PROBLEM_LINES: i64 = 50;

/// The segment's lines with their header, contact and effective salesperson.
const MEMBERS_FROM: &str = "FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
     JOIN contacts c ON c.id = l.contact_id \
     LEFT JOIN salespeople sp ON sp.code = COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code)";
/// Only the members of segment `$1`.
const MEMBERS_WHERE: &str = "WHERE l.segment_id = $1 AND l.removed_by_step IS NULL";

/// The line's salesperson: its own, else the header's, else the contact's.
pub(crate) const SALESPERSON: &str =
    "COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code)";
/// The line's interaction template: its own, else the header's.
pub(crate) const TEMPLATE: &str =
    "COALESCE(l.interaction_template_code, s.interaction_template_code)";

/// An entry's description: the line's subject, else its own template's description, else the
/// header's subject (which takes its template's description when chosen), else the template's
/// description, else the segment's.
pub(crate) const DESCRIPTION: &str = "COALESCE(NULLIF(l.subject, ''), NULLIF(lt.description, ''), \
     NULLIF(s.subject, ''), NULLIF(t.description, ''), s.description)";

/// Log Segment's one statement that writes the entries: one per line that `lines_where`
/// selects (a condition over `segment_lines l`, `segments s` and `contacts c`), with every
/// effective field, written at `at` by user `user` (SQL expressions); its language is the
/// header's, as Business Central's lines take the header's default language (a contact's own
/// only where the segment has attachments in it, which Rapport has none of). The demo's
/// history logs its segments with it too, so both write the same.
pub fn entries_insert(at: &str, user: &str, lines_where: &str) -> String {
    format!(
        "INSERT INTO interaction_log_entries (contact_id, company_id, at, date, template_code, \
           group_code, description, cost, duration_min, information_flow, initiated_by, \
           salesperson_code, correspondence_type, evaluation, campaign_no, campaign_target, \
           campaign_response, segment_id, segment_no, user_id, language_code) \
         SELECT l.contact_id, c.company_key, {at}, COALESCE(l.date, s.date), t.code, t.group_code, \
           {DESCRIPTION}, {EFFECTIVE_COST}, {EFFECTIVE_DURATION}, \
           {EFFECTIVE_FLOW}, {EFFECTIVE_INITIATED_BY}, {SALESPERSON}, {EFFECTIVE_CORRESPONDENCE}, \
           COALESCE(l.evaluation, ''), s.campaign_no, {EFFECTIVE_CAMPAIGN_TARGET}, \
           {EFFECTIVE_CAMPAIGN_RESPONSE}, s.id, s.no, {user}, s.language_code \
         {MEMBERS_FROM} {LINE_TEMPLATE_JOIN} JOIN interaction_templates t ON t.code = {TEMPLATE} \
         {lines_where}"
    )
}

/// What logging would write, and what stands in its way.
#[derive(Clone, Debug, Default, QueryableByName)]
pub struct Summary {
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
    #[diesel(sql_type = BigInt)]
    pub no_salesperson: i64,
    #[diesel(sql_type = BigInt)]
    pub blocked_salesperson: i64,
    #[diesel(sql_type = BigInt)]
    pub no_template: i64,
    #[diesel(sql_type = BigInt)]
    pub no_email: i64,
    /// Lines with any problem (a line may have several).
    #[diesel(sql_type = BigInt)]
    pub problem_lines: i64,
    /// Lines whose contact was privacy blocked after it was added.
    #[diesel(sql_type = BigInt)]
    pub privacy_blocked: i64,
    #[diesel(sql_type = BigInt)]
    pub email_lines: i64,
    #[diesel(sql_type = Numeric)]
    pub total_cost: BigDecimal,
    #[diesel(sql_type = BigInt)]
    pub total_duration: i64,
    /// Entries written as campaign target, and as campaign response: each line's own flag,
    /// else its own template's (of the segment's campaign), else the header's.
    #[diesel(sql_type = BigInt)]
    pub targets: i64,
    #[diesel(sql_type = BigInt)]
    pub responses: i64,
}

impl Summary {
    /// How many of the entries are campaign targets, in words.
    pub fn targets_text(&self) -> String {
        self.of_entries(self.targets)
    }

    /// How many of the entries are campaign responses, in words.
    pub fn responses_text(&self) -> String {
        self.of_entries(self.responses)
    }

    /// How many of the entries `n` is, in words: "all 3", "none", "40 of 3,000".
    fn of_entries(&self, n: i64) -> String {
        let thousands = crate::web::filters::number;
        match n {
            0 => "none".to_string(),
            n if n == self.lines && n > 1 => format!("all {}", thousands(n)),
            n => format!("{} of {}", thousands(n), thousands(self.lines)),
        }
    }
}

/// A line with a problem, named on the check page.
#[derive(Clone, Debug, QueryableByName)]
pub struct ProblemLine {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub contact_no: String,
    #[diesel(sql_type = Text)]
    pub contact_name: String,
    #[diesel(sql_type = Bool)]
    pub no_salesperson: bool,
    #[diesel(sql_type = Bool)]
    pub blocked_salesperson: bool,
    #[diesel(sql_type = Bool)]
    pub no_template: bool,
    #[diesel(sql_type = Bool)]
    pub no_email: bool,
    #[diesel(sql_type = Bool)]
    pub privacy_blocked: bool,
}

impl ProblemLine {
    /// What is wrong with the line, in words.
    pub fn problems(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.no_salesperson {
            out.push("no salesperson (neither the line, the header nor the contact has one)");
        }
        if self.blocked_salesperson {
            out.push("its salesperson is blocked");
        }
        if self.no_template {
            out.push("no interaction template (neither the line nor the header has one)");
        }
        if self.no_email {
            out.push("it is to go by e-mail, but the contact has no e-mail address");
        }
        if self.privacy_blocked {
            out.push("the contact is privacy blocked: remove the line");
        }
        out
    }
}

/// Every check of Log Segment, all at once.
#[derive(Clone, Debug, Default)]
pub struct Check {
    pub summary: Summary,
    /// Problems of the segment itself (no description, no lines, not a draft).
    pub segment_problems: Vec<String>,
    /// The first lines with a problem, in line order.
    pub lines: Vec<ProblemLine>,
    /// When the segment's date is outside its campaign's dates: a note (logging is not refused:
    /// the campaign's figures count the interactions all the same).
    pub campaign_note: Option<String>,
}

impl Check {
    pub fn passes(&self) -> bool {
        self.segment_problems.is_empty() && self.lines.is_empty()
    }

    /// Lines with a problem (all of them, not only those named).
    /// (The largest count of one problem was taken before: with problems of different kinds
    /// on different lines, the list of the first 50 did not say there were more.)
    pub fn problem_lines(&self) -> i64 {
        self.summary.problem_lines
    }
}

/// Runs `work` (in a transaction, or a savepoint of the caller's) with the planner told to
/// join the segment's lines to their contacts by looking each one up by its primary key.
/// Left to its costs, it reads all contacts into a hash instead (a million of them for a
/// segment of 200,000 lines), which took twice as long: see BENCHMARKS.md, Interactions. (Nor
/// does it keep the contacts it looked up: Memoize is off on every pooled connection,
/// `db::SessionSettings`.) The settings are local to the transaction and set back after
/// `work`.
fn by_lookups<T>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    conn.transaction(|conn| {
        conn.batch_execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")?;
        let out = work(conn)?;
        conn.batch_execute("SET LOCAL enable_hashjoin = on; SET LOCAL enable_mergejoin = on")?;
        Ok(out)
    })
}

fn line_problems_sql() -> String {
    format!(
        "{SALESPERSON} IS NULL AS no_salesperson, COALESCE(sp.blocked, FALSE) AS blocked_salesperson, \
         {TEMPLATE} IS NULL AS no_template, \
         ({EFFECTIVE_CORRESPONDENCE} = 'email' AND c.email = '') AS no_email, \
         c.privacy_blocked"
    )
}

/// A line that passes every check of [`check`] (over [`MEMBERS_FROM`]): the condition Log
/// Segment writes its entries under. A line without a template has no row to join in
/// `entries_insert`, so it is left out there.
fn line_passes_sql() -> String {
    format!(
        "{SALESPERSON} IS NOT NULL AND NOT COALESCE(sp.blocked, FALSE) \
         AND NOT ({EFFECTIVE_CORRESPONDENCE} = 'email' AND c.email = '') AND NOT c.privacy_blocked"
    )
}

/// Runs every check: the figures and the counts of each problem in one statement over the
/// lines, and, only when there is a problem, a second that names the first bad lines. Each
/// line's contact is looked up ([`by_lookups`]).
pub fn check(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Check> {
    by_lookups(conn, |conn| check_lines(conn, segment))
}

fn check_lines(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Check> {
    let summary: Summary = diesel::sql_query(format!(
        "SELECT count(*) AS lines, \
           count(*) FILTER (WHERE {SALESPERSON} IS NULL) AS no_salesperson, \
           count(*) FILTER (WHERE sp.blocked) AS blocked_salesperson, \
           count(*) FILTER (WHERE {TEMPLATE} IS NULL) AS no_template, \
           count(*) FILTER (WHERE {EFFECTIVE_CORRESPONDENCE} = 'email' AND c.email = '') AS no_email, \
           count(*) FILTER (WHERE c.privacy_blocked) AS privacy_blocked, \
           count(*) FILTER (WHERE {SALESPERSON} IS NULL OR sp.blocked OR {TEMPLATE} IS NULL \
             OR ({EFFECTIVE_CORRESPONDENCE} = 'email' AND c.email = '') OR c.privacy_blocked) \
             AS problem_lines, \
           count(*) FILTER (WHERE {EFFECTIVE_CORRESPONDENCE} = 'email') AS email_lines, \
           COALESCE(sum({EFFECTIVE_COST}), 0) AS total_cost, \
           COALESCE(sum({EFFECTIVE_DURATION}), 0)::bigint AS total_duration, \
           count(*) FILTER (WHERE {EFFECTIVE_CAMPAIGN_TARGET}) AS targets, \
           count(*) FILTER (WHERE {EFFECTIVE_CAMPAIGN_RESPONSE}) AS responses \
         {MEMBERS_FROM} {LINE_TEMPLATE_JOIN} {MEMBERS_WHERE}"
    ))
    .bind::<BigInt, _>(segment.id)
    .get_result(conn)?;
    let problems = line_problems_sql();
    let any_problem = summary.no_salesperson
        + summary.blocked_salesperson
        + summary.no_template
        + summary.no_email
        + summary.privacy_blocked
        > 0;
    // Clean lines (the usual case) need no second pass to name the bad ones.
    let lines: Vec<ProblemLine> = if !any_problem {
        Vec::new()
    } else {
        diesel::sql_query(format!(
        "SELECT * FROM (SELECT l.id, c.no::text AS contact_no, c.name AS contact_name, {problems}, \
           l.company_name, l.company_no, l.is_person, l.contact_name AS line_name {MEMBERS_FROM} {LINE_TEMPLATE_JOIN} {MEMBERS_WHERE}) x \
         WHERE no_salesperson OR blocked_salesperson OR no_template OR no_email OR privacy_blocked \
         ORDER BY company_name, company_no, is_person, line_name, id LIMIT $2"
    ))
    .bind::<BigInt, _>(segment.id)
    .bind::<BigInt, _>(PROBLEM_LINES)
    .load(conn)?
    };
    let mut segment_problems = Vec::new();
    if segment.status != SegmentStatus::Draft {
        segment_problems.push(format!(
            "The segment is {}: only a draft can be logged.",
            segment.status.label().to_lowercase()
        ));
    }
    if segment.description.trim().is_empty() {
        segment_problems.push("The segment has no description: give it one in its header.".into());
    }
    if summary.lines == 0 {
        segment_problems.push("The segment has no lines: add contacts to it first.".into());
    }
    Ok(Check {
        summary,
        segment_problems,
        lines,
        campaign_note: campaign_note(conn, segment)?,
    })
}

/// A note when the segment's date is outside its campaign's starting and ending dates (a
/// campaign ending on the segment's date takes it), and when lines with a date of their own
/// are: how many, and their earliest and latest such date.
fn campaign_note(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Option<String>> {
    let Some(no) = &segment.campaign_no else {
        return Ok(None);
    };
    let Some(c) = crate::campaigns::domain::find_by_no(conn, no)? else {
        return Ok(None);
    };
    if c.starting_date.is_none() && c.ending_date.is_none() {
        return Ok(None);
    }
    let date = crate::web::filters::date_text;
    let when = date(segment.date);
    let header = match (c.starting_date, c.ending_date) {
        (_, Some(end)) if segment.date > end => Some(format!(
            "Campaign {} ended on {}, before the segment's date, {when} (the date of every line \
             without one of its own)",
            c.no,
            date(end)
        )),
        (Some(start), _) if segment.date < start => Some(format!(
            "Campaign {} starts on {}, after the segment's date, {when} (the date of every line \
             without one of its own)",
            c.no,
            date(start)
        )),
        _ => None,
    };
    let own: OwnDatesOutside = diesel::sql_query(
        "SELECT count(*) AS lines, min(date) AS earliest, max(date) AS latest \
         FROM segment_lines WHERE segment_id = $1 AND removed_by_step IS NULL \
           AND date IS NOT NULL AND (date < $2 OR date > $3)",
    )
    .bind::<BigInt, _>(segment.id)
    .bind::<Nullable<Date>, _>(c.starting_date)
    .bind::<Nullable<Date>, _>(c.ending_date)
    .get_result(conn)?;
    let lines = match (own.lines, own.earliest, own.latest) {
        (0, _, _) | (_, None, _) | (_, _, None) => None,
        (n, Some(first), Some(last)) => {
            let dates = if first == last {
                format!("on {}", date(first))
            } else {
                format!("from {} to {}", date(first), date(last))
            };
            let range = match (c.starting_date, c.ending_date) {
                (Some(s), Some(e)) => format!("from {} to {}", date(s), date(e)),
                (Some(s), None) => format!("from {}", date(s)),
                (None, Some(e)) => format!("until {}", date(e)),
                (None, None) => String::new(),
            };
            let subject = match (n, &header) {
                (1, None) => format!("1 line has a date of its own ({dates})"),
                (1, Some(_)) => format!("1 line has a date of its own ({dates}) outside them too"),
                (n, None) => format!(
                    "{} lines have a date of their own ({dates})",
                    crate::web::filters::number(n)
                ),
                (n, Some(_)) => format!(
                    "{} lines have a date of their own ({dates}) outside them too",
                    crate::web::filters::number(n)
                ),
            };
            Some(match header {
                Some(_) => subject,
                None => format!("{subject} outside campaign {}'s dates, {range}", c.no),
            })
        }
    };
    let sentence = match (header, lines) {
        (None, None) => return Ok(None),
        (Some(h), None) => h,
        (None, Some(l)) => l,
        (Some(h), Some(l)) => format!("{h}; {l}"),
    };
    Ok(Some(format!(
        "{sentence}: their interactions count in the campaign's figures all the same."
    )))
}

#[derive(QueryableByName)]
struct OwnDatesOutside {
    #[diesel(sql_type = BigInt)]
    lines: i64,
    #[diesel(sql_type = Nullable<Date>)]
    earliest: Option<chrono::NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    latest: Option<chrono::NaiveDate>,
}

/// How logging ended.
pub enum Logged {
    /// Written: the number of entries, and the follow-up segment's No. if one was made.
    Done {
        entries: i64,
        follow_up: Option<String>,
    },
    /// Nothing written: the checks that failed.
    Refused(Box<Check>),
}

/// Writes the entries of the lines that pass every check, in a savepoint that is rolled back
/// (`RollbackTransaction`) unless they are `expected` many; how many it wrote.
fn write_entries(
    conn: &mut PgConnection,
    segment: &Segment,
    user: &CurrentUser,
    expected: Option<i64>,
) -> QueryResult<i64> {
    by_lookups(conn, |conn| {
        let written = diesel::sql_query(entries_insert(
            "now()",
            "$2",
            &format!("{MEMBERS_WHERE} AND {}", line_passes_sql()),
        ))
        .bind::<BigInt, _>(segment.id)
        .bind::<BigInt, _>(user.id)
        .execute(conn)? as i64;
        match expected {
            Some(n) if n != written => Err(diesel::result::Error::RollbackTransaction),
            _ => Ok(written),
        }
    })
}

/// What the check page showed of the segment, for Log to write only that: its version (the
/// header), when it last changed, its lines, steps, total cost and duration. A colleague's
/// change between the page and the click (a header's template or cost, a step) changes it.
pub fn shown_token(segment: &Segment, figures: &totals::Figures) -> String {
    format!(
        "{}:{}:{}:{}:{}:{}",
        segment.version,
        segment.updated_at.timestamp_micros(),
        figures.lines,
        figures.steps,
        figures.total_cost,
        figures.total_duration
    )
}

/// Logs the segment (call under its lock, in a transaction): the entries, the campaign entry,
/// the status, and the follow-up segment if asked for; or, when a check fails, nothing.
///
/// The checks and the writing are one pass over the lines: the entries are written for the
/// lines that pass every check, and only when that is all of them (the segment's kept count of
/// lines) does logging go on. Otherwise the entries are rolled back (a savepoint) and the check
/// page's own pass names the problems — so a clean segment, the usual case, is read once.
pub fn log(
    conn: &mut PgConnection,
    segment: &Segment,
    user: &CurrentUser,
    follow_up: bool,
) -> QueryResult<Logged> {
    // The lines and their total cost and duration, from the segment's kept counts.
    let figures = totals::figures(conn, segment)?;
    if segment.status != SegmentStatus::Draft
        || segment.description.trim().is_empty()
        || figures.lines == 0
    {
        return Ok(Logged::Refused(Box::new(check(conn, segment)?)));
    }
    if follow_up {
        // The follow-up's lines are written after the entries: the lines' table is taken
        // first, in the order a contact's deletion takes the two (it waits for the steps,
        // then for the entries' writers). Taken the other way round, the two deadlocked.
        conn.batch_execute("LOCK TABLE segment_lines IN ROW EXCLUSIVE MODE")?;
    }
    let (entries, cost, duration) = match write_entries(conn, segment, user, Some(figures.lines)) {
        Err(diesel::result::Error::RollbackTransaction) => {
            let check = check(conn, segment)?;
            if !check.passes() {
                return Ok(Logged::Refused(Box::new(check)));
            }
            // Every line passes, so the kept count was off: write them all, with the
            // totals the check counted.
            let s = check.summary;
            (
                write_entries(conn, segment, user, None)?,
                s.total_cost,
                s.total_duration,
            )
        }
        other => (other?, figures.total_cost, figures.total_duration),
    };
    if let Some(campaign) = &segment.campaign_no {
        diesel::sql_query(
            "INSERT INTO campaign_entries (campaign_no, segment_id, segment_no, date, description, \
               entries, cost, duration_min, user_id, user_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind::<Text, _>(campaign)
        .bind::<BigInt, _>(segment.id)
        .bind::<Text, _>(&segment.no)
        .bind::<diesel::sql_types::Date, _>(segment.date)
        .bind::<Text, _>(&segment.description)
        .bind::<BigInt, _>(entries)
        .bind::<Numeric, _>(&cost)
        .bind::<BigInt, _>(duration)
        .bind::<BigInt, _>(user.id)
        .bind::<Text, _>(&user.username)
        .execute(conn)?;
    }
    {
        use crate::db::schema::segments as s;
        diesel::update(s::table.filter(s::id.eq(segment.id)))
            .set((
                s::status.eq(SegmentStatus::Logged),
                s::logged_at.eq(diesel::dsl::now),
                s::logged_by.eq(&user.username),
                s::logged_cost.eq(Some(&cost)),
                s::logged_duration_min.eq(Some(duration)),
                s::version.eq(s::version + 1),
            ))
            .execute(conn)?;
    }
    let follow_up = if follow_up {
        Some(follow_up_segment(conn, segment, user)?)
    } else {
        None
    };
    Ok(Logged::Done { entries, follow_up })
}

/// A new draft with the logged segment's contacts and campaign, as Business Central's
/// follow-up segment: described "Follow-up on segment SM00012", dated today (it is worked on
/// from now, not on the day of the first), with the same salesperson (unless blocked); its interaction (template,
/// subject, cost, duration, campaign target and response) is the follow-up's own, chosen
/// before it is logged, as a new segment's is. (It used to copy the whole header: a follow-up
/// call logged as it came was recorded as a second mailing, at the mailing's cost, its contacts
/// targeted again.) Its lines come in one step that names the logged segment (Reuse Segment),
/// so Go Back can take them out again. The same contacts, excluded ones and contacts twice
/// too: the step records Ignore Exclusion and Allow Existing Contacts, so a Refresh replays
/// what it did (it recorded neither, and a Refresh of the new draft took the excluded contacts
/// out). None is privacy blocked: Log refuses such a line.
fn follow_up_segment(
    conn: &mut PgConnection,
    segment: &Segment,
    user: &CurrentUser,
) -> QueryResult<String> {
    let values = HeaderValues {
        description: format!("Follow-up on segment {}", segment.no),
        // Not a blocked one (its lines may each have had their own): a new record takes none,
        // and the follow-up's lines would then fail its Log.
        salesperson_code: crate::setup::salespeople::usable(
            conn,
            segment.salesperson_code.clone(),
        )?,
        campaign_no: segment.campaign_no.clone(),
        ..HeaderValues::shown(None)
    };
    let next = header::insert(conn, &values, user.id, None)?;
    // Log refuses a line whose contact is privacy blocked, so every line is copied.
    let added = diesel::sql_query(
        "INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, company_no, is_person, contact_name) \
         SELECT $1, l.contact_id, $3, l.company_name, l.company_no, l.is_person, l.contact_name FROM segment_lines l \
         WHERE l.segment_id = $2 AND l.removed_by_step IS NULL",
    )
    .bind::<BigInt, _>(next.id)
    .bind::<BigInt, _>(segment.id)
    .bind::<Integer, _>(1)
    .execute(conn)? as i64;
    let mut criteria = Criteria::default();
    criteria.options.ignore_exclusion = true;
    criteria.options.allow_existing = true;
    ledger::record(
        conn,
        &next,
        1,
        StepKind::ReuseSegment,
        &stored::note(StepKind::ReuseSegment, &criteria, &segment.no),
        &Outcome {
            added,
            ..Default::default()
        },
        user,
    )?;
    Ok(next.no)
}

/// Cancels a logged segment (call under its lock): its interaction entries and its campaign
/// entry are marked canceled and leave every statistic. One statement each. Returns the
/// entries changed.
pub fn cancel(conn: &mut PgConnection, segment: &Segment, user: &CurrentUser) -> QueryResult<i64> {
    set_canceled(conn, segment, Some(user))
}

/// Restores a canceled segment to Logged (call under its lock): its entries count again.
pub fn restore(conn: &mut PgConnection, segment: &Segment) -> QueryResult<i64> {
    set_canceled(conn, segment, None)
}

/// The entries `e` of the segment whose id is `id` and whose No. is `no` (SQL expressions),
/// as the rest of a `FROM`: they are read from the primary key between the first and the last
/// entry its log wrote (`segment_entry_ranges`, kept by the database on every insert of
/// entries), and checked to be its own, since entries written at the same time by others can
/// lie in between. The number of a segment never changes, nor do an entry's id and segment.
pub(crate) fn own_entries(id: &str, no: &str) -> String {
    format!(
        "segment_entry_ranges r WHERE r.segment_no = {no} \
         AND e.id BETWEEN r.first_entry AND r.last_entry AND e.segment_id = {id}"
    )
}

/// A condition on entries `e` that every entry of the segments whose No. passes `cond` (SQL
/// over `r.segment_no`) meets: its id lies between the first entry of those segments and the
/// last (`segment_entry_ranges`). Beside a condition on `e.segment_no` it lets those entries be
/// read from the primary key. An entry of no segment never meets it, nor does any entry when
/// no segment passes.
pub(crate) fn segment_entries_between(cond: &str) -> String {
    format!(
        "e.id BETWEEN (SELECT min(r.first_entry) FROM segment_entry_ranges r WHERE {cond}) \
         AND (SELECT max(r.last_entry) FROM segment_entry_ranges r WHERE {cond})"
    )
}

/// How many of a segment's entries count now (not canceled): what canceling it takes out of
/// the figures.
pub fn counting_entries(conn: &mut PgConnection, segment: &Segment) -> QueryResult<i64> {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM interaction_log_entries e, {} AND NOT e.canceled",
        own_entries("$1", "$2")
    ))
    .bind::<diesel::sql_types::BigInt, _>(segment.id)
    .bind::<diesel::sql_types::Text, _>(&segment.no)
    .get_result(conn)?;
    Ok(n.n)
}

/// `by`: who cancels it; `None` restores it.
fn set_canceled(
    conn: &mut PgConnection,
    segment: &Segment,
    by: Option<&CurrentUser>,
) -> QueryResult<i64> {
    let canceled = by.is_some();
    // Cancel marks the entries it cancels; Restore brings back only those, so an entry
    // canceled on its own before (a wrong contact) stays canceled.
    let change = if canceled {
        "canceled = TRUE, canceled_with_segment = TRUE FROM {} AND NOT e.canceled"
    } else {
        "canceled = FALSE, canceled_with_segment = FALSE FROM {} AND e.canceled_with_segment"
    };
    let entries = diesel::sql_query(format!(
        "UPDATE interaction_log_entries e SET {}",
        change.replace("{}", &own_entries("$1", "$2"))
    ))
    .bind::<BigInt, _>(segment.id)
    .bind::<Text, _>(&segment.no)
    .execute(conn)? as i64;
    // Its campaign entry counts, as Business Central's, the interactions canceled with it
    // (those canceled on their own before too), or, restored, those that count again.
    diesel::sql_query(format!(
        "UPDATE campaign_entries k SET canceled = $3, entries = x.n, cost = x.cost, \
           duration_min = x.duration \
         FROM (SELECT count(*) AS n, coalesce(sum(e.cost), 0) AS cost, \
                 coalesce(sum(e.duration_min), 0) AS duration \
               FROM interaction_log_entries e, {} AND e.canceled = $3) x \
         WHERE k.segment_id = $1",
        own_entries("$1", "$2")
    ))
    .bind::<BigInt, _>(segment.id)
    .bind::<Text, _>(&segment.no)
    .bind::<Bool, _>(canceled)
    .execute(conn)?;
    use crate::db::schema::segments as s;
    let status = if canceled {
        SegmentStatus::Canceled
    } else {
        SegmentStatus::Logged
    };
    diesel::update(s::table.filter(s::id.eq(segment.id)))
        .set((
            s::status.eq(status),
            s::version.eq(s::version + 1),
            s::canceled_at.eq(by.map(|_| chrono::Utc::now())),
            s::canceled_by.eq(by.map(|u| u.username.as_str()).unwrap_or("")),
        ))
        .execute(conn)?;
    Ok(entries)
}
