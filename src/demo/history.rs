//! Demo history: a dozen campaigns across the last two years, each with a logged mailing to a
//! mailing group and a logged segment of the responses; and single interactions (calls and
//! visits) — about three interaction log entries per demo contact.
//!
//! Everything is written as logging would write it (see docs/segments.md, Log Segment): the
//! segments are Logged (one of them Canceled, its entries and campaign entry canceled with
//! it), their lines carry the snapshot and overrides a step writes, the ledger has the step
//! that added them, every entry has the effective fields of its line, and each campaign entry
//! totals its segment's entries. A fixed number of set-based statements per campaign,
//! whatever the number of contacts.
//!
//! Dates are counted back from the day of the load, so the history is always "the last two
//! years"; which contacts are on which segment, and every choice made for a contact, follow
//! from the seed and the contact's place in the load (`hashint8extended`), so the same seed
//! gives the same history. Tests: demo.

use chrono::{Duration, NaiveDate};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Text};

use super::data;
use crate::segments::domain::criteria::Criteria;
use crate::segments::domain::lines::{EFFECTIVE_CORRESPONDENCE, LINE_TEMPLATE_JOIN};
use crate::segments::domain::log;
use crate::segments::domain::steps::{COMPANY_JOIN, COMPANY_NAME, COMPANY_NO};
use crate::segments::domain::stored::{self, StepKind};
use crate::setup::number_series;

/// The tables the history writes to.
pub const TABLES: [&str; 6] = [
    "campaigns",
    "segments",
    "segment_lines",
    "segment_steps",
    "interaction_log_entries",
    "campaign_entries",
];

/// The tables whose secondary indexes a large load drops and rebuilds around the history.
pub const BULK_TABLES: [&str; 2] = ["segment_lines", "interaction_log_entries"];

/// How many campaigns a load makes.
pub const CAMPAIGNS: usize = 12;
/// Days between the starts of two campaigns, and how long one runs.
const CAMPAIGN_EVERY_DAYS: i64 = 60;
const CAMPAIGN_DAYS: i64 = 45;
/// Who logged the demo segments.
pub const LOGGED_BY: &str = "demo-data";
/// The campaign (by position) whose mailing was canceled.
const CANCELED_CAMPAIGN: usize = 4;
/// Of a mailing's contacts, per mille: how many responded.
const RESPONSE_PER_MILLE: i64 = 120;

/// What the history added.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub campaigns: u64,
    pub segments: u64,
    pub segment_entries: u64,
    pub single_entries: u64,
}

/// The campaign statuses the demo campaigns use (missing ones only).
fn ensure_statuses(conn: &mut PgConnection) -> QueryResult<()> {
    conn.batch_execute(
        "INSERT INTO campaign_statuses (code, description) VALUES \
           ('PLANNED', 'Planned'), ('ACTIVE', 'Active'), ('DONE', 'Completed') \
         ON CONFLICT DO NOTHING",
    )
}

/// A short-lived deterministic choice in SQL: a number 0–999 for the contact at `offset` of
/// the load, for purpose `salt`.
fn per_mille(offset: &str, salt: &str) -> String {
    format!("(abs(hashint8extended({offset}, {salt})) % 1000)")
}

/// Adds the history for the contacts with ids `first_id ..= last_id` (this load's).
pub fn add(
    conn: &mut PgConnection,
    seed: u64,
    first_id: i64,
    last_id: i64,
    today: NaiveDate,
) -> QueryResult<History> {
    ensure_statuses(conn)?;
    // The planner needs to know the new contacts (the load has just made them).
    conn.batch_execute("ANALYZE contacts, contact_mailing_groups")?;
    let seed = (seed % (i64::MAX as u64)) as i64;
    let mut history = History::default();
    let first_start = today - Duration::days(CAMPAIGN_EVERY_DAYS * CAMPAIGNS as i64 - 10);
    let mut pairs = Vec::with_capacity(CAMPAIGNS);
    let mut groups = Vec::with_capacity(CAMPAIGNS);
    for k in 0..CAMPAIGNS {
        let start = first_start + Duration::days(CAMPAIGN_EVERY_DAYS * k as i64);
        let end = start + Duration::days(CAMPAIGN_DAYS);
        let campaign = campaign(conn, k, seed, start, end, today)?;
        history.campaigns += 1;
        let group = data::MAILING_GROUPS[(k + seed as usize) % 7].0;
        let (template, name) = if k % 2 == 0 {
            ("NEWSLETTER", "E-mail invitation")
        } else {
            ("MAILING", "Printed invitation")
        };
        let mailing = segment(
            conn,
            &campaign,
            template,
            &format!("{name}: {}", campaign.description),
            start + Duration::days(3),
            Role::Target,
        )?;
        let responses = segment(
            conn,
            &campaign,
            "RESPONSE",
            &format!("Responses: {}", campaign.description),
            start + Duration::days(20),
            Role::Response,
        )?;
        groups.push((mailing.id, group, campaign.salesperson));
        pairs.push((mailing, responses));
    }
    // Every mailing's lines in one pass over the contacts, then their steps.
    mailing_lines(conn, &groups, first_id, last_id)?;
    let steps: Vec<(&Seg, StepKind, Criteria, &str)> = pairs
        .iter()
        .zip(&groups)
        .map(|((mailing, _), (_, group, _))| {
            let criteria = Criteria::from_pairs(&[("mailing_group".into(), (*group).into())]);
            (mailing, StepKind::Add, criteria, "")
        })
        .collect();
    record_steps(conn, &steps)?;
    record_skipped(conn, &groups, first_id, last_id)?;
    conn.batch_execute("ANALYZE segment_lines")?;
    // Every campaign's responses in one statement, then their steps.
    response_lines(conn, &pairs, first_id, seed)?;
    let steps: Vec<(&Seg, StepKind, Criteria, &str)> = pairs
        .iter()
        .map(|(mailing, responses)| {
            let subject = mailing.no.as_str();
            (
                responses,
                StepKind::ReuseSegment,
                Criteria::default(),
                subject,
            )
        })
        .collect();
    record_steps(conn, &steps)?;
    conn.batch_execute("ANALYZE segment_lines")?;
    let ids: Vec<i64> = pairs.iter().flat_map(|(m, r)| [m.id, r.id]).collect();
    history.segments = ids.len() as u64;
    history.segment_entries = log(conn, &ids)? as u64;
    cancel(conn, &pairs[CANCELED_CAMPAIGN].0)?;
    history.single_entries = single_interactions(conn, seed, first_id, last_id, today)? as u64;
    Ok(history)
}

struct Campaign {
    no: String,
    description: String,
    salesperson: &'static str,
}

fn campaign(
    conn: &mut PgConnection,
    k: usize,
    seed: i64,
    start: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
) -> QueryResult<Campaign> {
    const THEMES: [&str; 6] = [
        "Spring launch",
        "Summer offers",
        "Trade fair",
        "Autumn catalogue",
        "Year-end",
        "Customer survey",
    ];
    let year = start.format("%Y");
    let description = format!("{} {year}", THEMES[(k + seed as usize) % THEMES.len()]);
    let salesperson = data::SALESPEOPLE[(k * 7 + seed as usize) % data::SALESPEOPLE.len()].0;
    let status = if end < today { "DONE" } else { "ACTIVE" };
    let no = number_series::next(conn, number_series::CAMPAIGNS)?;
    diesel::sql_query(
        "INSERT INTO campaigns (no, description, starting_date, ending_date, salesperson_code, \
           status_code) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind::<Text, _>(&no)
    .bind::<Text, _>(&description)
    .bind::<Date, _>(start)
    .bind::<Date, _>(end)
    .bind::<Text, _>(salesperson)
    .bind::<Text, _>(status)
    .execute(conn)?;
    Ok(Campaign {
        no,
        description,
        salesperson,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Target,
    Response,
}

struct Seg {
    id: i64,
    no: String,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// A segment of the campaign whose header has the template's defaults (as choosing it on the
/// header copies them), Logged by the demo on its date.
fn segment(
    conn: &mut PgConnection,
    campaign: &Campaign,
    template: &str,
    description: &str,
    date: NaiveDate,
    role: Role,
) -> QueryResult<Seg> {
    let no = number_series::next(conn, number_series::SEGMENTS)?;
    let id = diesel::sql_query(
        "INSERT INTO segments (no, description, date, interaction_template_code, campaign_no, \
           campaign_target, campaign_response, correspondence_type, \
           ignore_contact_correspondence_type, unit_cost, unit_duration_min, information_flow, \
           initiated_by, status, logged_at, logged_by, created_at, updated_at) \
         SELECT $1, $2, $3, t.code, $5, $6, $7, t.correspondence_type, \
           t.ignore_contact_correspondence_type, t.unit_cost, t.unit_duration_min, \
           t.information_flow, t.initiated_by, 'logged', $3 + time '10:00', $8, \
           $3 + time '09:00', $3 + time '10:00' \
         FROM interaction_templates t WHERE t.code = $4 RETURNING id",
    )
    .bind::<Text, _>(&no)
    .bind::<Text, _>(description)
    .bind::<Date, _>(date)
    .bind::<Text, _>(template)
    .bind::<Text, _>(&campaign.no)
    .bind::<Bool, _>(role == Role::Target)
    .bind::<Bool, _>(role == Role::Response)
    .bind::<Text, _>(LOGGED_BY)
    .get_result::<Id>(conn)?
    .id;
    Ok(Seg { id, no })
}

/// The mailings' lines, in one statement for all of them (one pass over the contacts): for each
/// `(segment id, mailing group, campaign salesperson)`, this load's contacts of the mailing
/// group, as an Add step takes them (excluded and privacy blocked contacts skipped). Every line
/// passes Log Segment's checks: a contact without a salesperson gets the campaign's on its
/// line, and a contact the mailing would reach by e-mail but who has no address is left out.
fn mailing_lines(
    conn: &mut PgConnection,
    mailings: &[(i64, &str, &str)],
    first_id: i64,
    last_id: i64,
) -> QueryResult<usize> {
    let ids: Vec<i64> = mailings.iter().map(|m| m.0).collect();
    let groups: Vec<&str> = mailings.iter().map(|m| m.1).collect();
    let salespeople: Vec<&str> = mailings.iter().map(|m| m.2).collect();
    diesel::sql_query(format!(
        "INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, company_no, \
           is_person, contact_name, salesperson_code) \
         SELECT m.segment_id, c.id, 1, {COMPANY_NAME}, {COMPANY_NO}, c.type = 'person', c.name, \
           CASE WHEN c.salesperson_code IS NULL THEN m.salesperson END \
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS m(segment_id, grp, salesperson) \
           JOIN segments s ON s.id = m.segment_id \
           JOIN contact_mailing_groups g ON g.code = m.grp \
           JOIN contacts c ON c.id = g.contact_id {COMPANY_JOIN} \
           CROSS JOIN (SELECT NULL::text AS correspondence_type) l \
           CROSS JOIN (SELECT NULL::boolean AS ignore_contact_correspondence_type, \
             NULL::text AS correspondence_type) lt \
         WHERE c.id BETWEEN $4 AND $5 AND NOT c.exclude_from_segment AND NOT c.privacy_blocked \
           AND NOT ({EFFECTIVE_CORRESPONDENCE} = 'email' AND c.email = '')"
    ))
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Text>, _>(&groups)
    .bind::<Array<Text>, _>(&salespeople)
    .bind::<BigInt, _>(first_id)
    .bind::<BigInt, _>(last_id)
    .execute(conn)
}

/// The responses, in one statement for all campaigns: of each `(mailing, responses)` pair,
/// some of the mailing's contacts (those with an e-mail address, as the responses go by
/// e-mail), each line with its evaluation; who responds and how follows from the seed and the
/// campaign's place.
fn response_lines(
    conn: &mut PgConnection,
    pairs: &[(Seg, Seg)],
    first_id: i64,
    seed: i64,
) -> QueryResult<usize> {
    let mailings: Vec<i64> = pairs.iter().map(|(m, _)| m.id).collect();
    let responses: Vec<i64> = pairs.iter().map(|(_, r)| r.id).collect();
    let salts: Vec<i64> = (0..pairs.len() as i64)
        .map(|k| seed.wrapping_mul(1_000).wrapping_add(k))
        .collect();
    let pick = per_mille("l.contact_id - $4", "m.salt");
    let mood = per_mille("l.contact_id - $4", "m.salt + 1");
    diesel::sql_query(format!(
        "INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, company_no, \
           is_person, contact_name, salesperson_code, evaluation) \
         SELECT m.responses, l.contact_id, 1, l.company_name, l.company_no, l.is_person, l.contact_name, \
           l.salesperson_code, \
           CASE WHEN {mood} < 150 THEN 'very_positive' WHEN {mood} < 550 THEN 'positive' \
                WHEN {mood} < 850 THEN 'neutral' WHEN {mood} < 960 THEN 'negative' \
                ELSE 'very_negative' END \
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS m(mailing, responses, salt) \
           JOIN segment_lines l ON l.segment_id = m.mailing AND l.removed_by_step IS NULL \
           JOIN contacts c ON c.id = l.contact_id JOIN segments s ON s.id = m.responses \
           {LINE_TEMPLATE_JOIN} \
         WHERE {pick} < $5 AND NOT ({EFFECTIVE_CORRESPONDENCE} = 'email' AND c.email = '')"
    ))
    .bind::<Array<BigInt>, _>(&mailings)
    .bind::<Array<BigInt>, _>(&responses)
    .bind::<Array<BigInt>, _>(&salts)
    .bind::<BigInt, _>(first_id)
    .bind::<BigInt, _>(RESPONSE_PER_MILLE)
    .execute(conn)
}

/// Each segment's one step in its ledger: what added its lines, with their count (all the
/// segments' lines counted in one pass).
fn record_steps(
    conn: &mut PgConnection,
    steps: &[(&Seg, StepKind, Criteria, &str)],
) -> QueryResult<()> {
    let ids: Vec<i64> = steps.iter().map(|s| s.0.id).collect();
    let kinds: Vec<&str> = steps.iter().map(|s| s.1.as_str()).collect();
    let notes: Vec<String> = steps
        .iter()
        .map(|(_, kind, criteria, subject)| stored::note(*kind, criteria, subject).to_string())
        .collect();
    diesel::sql_query(
        "INSERT INTO segment_steps (segment_id, seq, kind, criteria, added, user_name, created_at) \
         SELECT s.id, 1, m.kind, m.note::jsonb, COALESCE(n.added, 0), $4, s.created_at \
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS m(id, kind, note) \
           JOIN segments s ON s.id = m.id \
           LEFT JOIN (SELECT l.segment_id, count(*) AS added FROM segment_lines l \
                      WHERE l.segment_id = ANY ($1) GROUP BY 1) n ON n.segment_id = s.id",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Text>, _>(&kinds)
    .bind::<Array<Text>, _>(&notes)
    .bind::<Text, _>(LOGGED_BY)
    .execute(conn)?;
    Ok(())
}

/// What each mailing's Add step passed over, as Add counts it: the group's contacts flagged
/// Exclude from Segment, and those privacy blocked. (The ledger said none were, and Why then
/// told such a contact it had not matched when the step ran.)
fn record_skipped(
    conn: &mut PgConnection,
    mailings: &[(i64, &str, &str)],
    first_id: i64,
    last_id: i64,
) -> QueryResult<usize> {
    let ids: Vec<i64> = mailings.iter().map(|m| m.0).collect();
    let groups: Vec<&str> = mailings.iter().map(|m| m.1).collect();
    diesel::sql_query(
        "UPDATE segment_steps st SET skipped_excluded = x.excluded, skipped_blocked = x.blocked \
         FROM (SELECT m.segment_id, \
                 count(*) FILTER (WHERE c.exclude_from_segment AND NOT c.privacy_blocked) \
                   AS excluded, \
                 count(*) FILTER (WHERE c.privacy_blocked) AS blocked \
               FROM unnest($1::bigint[], $2::text[]) AS m(segment_id, grp) \
                 JOIN contact_mailing_groups g ON g.code = m.grp \
                 JOIN contacts c ON c.id = g.contact_id \
               WHERE c.id BETWEEN $3 AND $4 GROUP BY m.segment_id) x \
         WHERE st.segment_id = x.segment_id AND st.seq = 1",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Text>, _>(&groups)
    .bind::<BigInt, _>(first_id)
    .bind::<BigInt, _>(last_id)
    .execute(conn)
}

/// The entries and the campaign entries of the segments, as Log Segment writes them (the same
/// effective fields: the line's own value, else the header's, else the template's or the
/// contact's), written when each segment was logged.
fn log(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<usize> {
    let entries = diesel::sql_query(log::entries_insert(
        "s.logged_at",
        "NULL",
        // Each segment's entries together, as its own Log Segment writes them.
        "WHERE l.segment_id = ANY ($1) AND l.removed_by_step IS NULL ORDER BY l.segment_id",
    ))
    .bind::<Array<BigInt>, _>(ids)
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO campaign_entries (campaign_no, segment_id, segment_no, date, description, \
           entries, cost, duration_min, user_name, at) \
         SELECT s.campaign_no, s.id, s.no, s.date, s.description, count(*), \
           COALESCE(sum(COALESCE(l.unit_cost, s.unit_cost)), 0), \
           COALESCE(sum(COALESCE(l.unit_duration_min, s.unit_duration_min)), 0), $2, s.logged_at \
         FROM segments s JOIN segment_lines l ON l.segment_id = s.id AND l.removed_by_step IS NULL \
         WHERE s.id = ANY ($1) GROUP BY s.id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Text, _>(LOGGED_BY)
    .execute(conn)?;
    // The totals as logged, as Log Segment keeps them: a template's cost changed afterwards
    // leaves them as they were.
    diesel::sql_query(
        "UPDATE segments s SET logged_cost = x.cost, logged_duration_min = x.duration \
         FROM (SELECT segment_id, sum(cost) AS cost, sum(duration_min)::bigint AS duration \
               FROM interaction_log_entries WHERE segment_id = ANY ($1) GROUP BY segment_id) x \
         WHERE x.segment_id = s.id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .execute(conn)?;
    Ok(entries)
}

/// Cancels a logged segment as Cancel does: entries, campaign entry, status.
fn cancel(conn: &mut PgConnection, s: &Seg) -> QueryResult<()> {
    diesel::sql_query(format!(
        "UPDATE interaction_log_entries e SET canceled = TRUE, canceled_with_segment = TRUE \
         FROM {} AND NOT e.canceled",
        log::own_entries("$1", "$2")
    ))
    .bind::<BigInt, _>(s.id)
    .bind::<Text, _>(&s.no)
    .execute(conn)?;
    diesel::sql_query("UPDATE campaign_entries SET canceled = TRUE WHERE segment_id = $1")
        .bind::<BigInt, _>(s.id)
        .execute(conn)?;
    diesel::sql_query(
        "UPDATE segments SET status = 'canceled', version = version + 1, \
           canceled_at = logged_at + interval '2 days', canceled_by = logged_by WHERE id = $1",
    )
    .bind::<BigInt, _>(s.id)
    .execute(conn)?;
    Ok(())
}

/// Single interactions logged from contact cards: calls (some not reached: attempt failed)
/// and visits by the contact's salesperson, on days of the last two years; a few canceled.
/// Contacts without a salesperson, excluded or privacy blocked get none.
fn single_interactions(
    conn: &mut PgConnection,
    seed: i64,
    first_id: i64,
    last_id: i64,
    today: NaiveDate,
) -> QueryResult<usize> {
    let salt = "$4";
    let how_many = per_mille("c.id - $1", salt);
    let n = format!("(abs(hashint8extended(c.id - $1, {salt} + 1)) % 4)::int");
    let key = "(c.id - $1) * 4 + i";
    let kind = per_mille(key, "$4 + 2");
    let day = format!("(abs(hashint8extended({key}, $4 + 3)) % 720)::int");
    let failed = per_mille(key, "$4 + 4");
    let canceled = per_mille(key, "$4 + 5");
    let mood = per_mille(key, "$4 + 6");
    diesel::sql_query(format!(
        "INSERT INTO interaction_log_entries (contact_id, company_id, at, date, template_code, \
           group_code, description, cost, duration_min, information_flow, initiated_by, \
           salesperson_code, correspondence_type, evaluation, canceled, attempt_failed, \
           language_code) \
         SELECT x.contact_id, x.company_key, x.date + time '14:00', x.date, t.code, t.group_code, \
           t.description, t.unit_cost, t.unit_duration_min, t.information_flow, t.initiated_by, \
           x.salesperson_code, \
           CASE WHEN t.ignore_contact_correspondence_type OR x.correspondence_type = '' \
             THEN t.correspondence_type ELSE x.correspondence_type END, \
           CASE WHEN x.failed THEN '' ELSE x.evaluation END, x.canceled, x.failed, x.language_code \
         FROM (SELECT c.id AS contact_id, c.company_key, c.salesperson_code, c.language_code, \
                 c.correspondence_type, \
                 $3::date - {day} AS date, \
                 CASE WHEN {kind} < 850 THEN 'CALL' ELSE 'VISIT' END AS template, \
                 {kind} < 850 AND {failed} < 150 AS failed, {canceled} < 20 AS canceled, \
                 CASE WHEN {mood} < 100 THEN 'very_positive' WHEN {mood} < 400 THEN 'positive' \
                      WHEN {mood} < 800 THEN 'neutral' WHEN {mood} < 950 THEN 'negative' \
                      ELSE 'very_negative' END AS evaluation \
               FROM contacts c CROSS JOIN LATERAL generate_series(1, 1 + {n}) i \
               WHERE c.id BETWEEN $1 AND $2 AND c.salesperson_code IS NOT NULL \
                 AND NOT c.exclude_from_segment AND NOT c.privacy_blocked AND {how_many} < 650) x \
         JOIN interaction_templates t ON t.code = x.template"
    ))
    .bind::<BigInt, _>(first_id)
    .bind::<BigInt, _>(last_id)
    .bind::<Date, _>(today)
    .bind::<BigInt, _>(seed.wrapping_mul(7_919))
    .execute(conn)
}
