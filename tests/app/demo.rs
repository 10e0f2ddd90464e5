//! Demo data: `rapport demo-data --contacts N [--seed S]`.

use std::process::{Command, Output};

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::support::*;

pub(crate) fn demo_data(db_url: &str, contacts: u64, seed: u64) -> Output {
    Command::new(binary())
        .args([
            "demo-data",
            "--contacts",
            &contacts.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[track_caller]
fn load(db: &TestDb, contacts: u64, seed: u64) -> String {
    let out = demo_data(&db.url, contacts, seed);
    assert!(
        out.status.success(),
        "demo-data failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn text(conn: &mut PgConnection, sql: &str) -> String {
    #[derive(QueryableByName)]
    struct T {
        #[diesel(sql_type = Text)]
        t: String,
    }
    diesel::sql_query(format!("SELECT ({sql})::text AS t"))
        .get_result::<T>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .t
}

/// A fingerprint of every contact with its company, setup codes and classifications, in
/// number order: the ids themselves are left out, the numbers are in.
const FINGERPRINT: &str = "SELECT md5(string_agg(r, E'\\n' ORDER BY no)) FROM ( \
    SELECT c.no, ROW(c.no, c.type, c.name, c.search_name, co.no, c.job_title, c.address, \
        c.address_2, c.city, c.post_code, c.country_code, c.phone, c.mobile, c.email, \
        c.website, c.salesperson_code, c.territory_code, c.language_code, \
        c.correspondence_type, c.organizational_level_code, c.exclude_from_segment, \
        c.privacy_blocked, \
        (SELECT string_agg(code, ',' ORDER BY code) FROM contact_industry_groups WHERE contact_id = c.id), \
        (SELECT string_agg(code, ',' ORDER BY code) FROM contact_business_relations WHERE contact_id = c.id), \
        (SELECT string_agg(code, ',' ORDER BY code) FROM contact_mailing_groups WHERE contact_id = c.id), \
        (SELECT string_agg(code, ',' ORDER BY code) FROM contact_job_responsibilities WHERE contact_id = c.id), \
        (SELECT string_agg(q.description || '=' || a.description, ',' ORDER BY q.description) \
           FROM contact_profile_answers p JOIN profile_questions q ON q.id = p.question_id \
           JOIN profile_answers a ON a.id = p.answer_id WHERE p.contact_id = c.id))::text AS r \
    FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id) t";

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    let (a, b, c) = (TestDb::new(), TestDb::new(), TestDb::new());
    let out = load(&a, 300, 7);
    assert!(
        out.contains("Added 300 contacts") && out.contains("CT000001 to CT000300"),
        "{out}"
    );
    load(&b, 300, 7);
    load(&c, 300, 8);
    let (fa, fb, fc) = (
        text(&mut a.conn(), FINGERPRINT),
        text(&mut b.conn(), FINGERPRINT),
        text(&mut c.conn(), FINGERPRINT),
    );
    assert_eq!(fa, fb, "same seed, same data");
    assert_ne!(fa, fc, "another seed, other data");
    // The classifications are there to be compared.
    let conn = &mut a.conn();
    assert_eq!(
        text(
            conn,
            "SELECT actor || ': ' || action || ', ' || subject || ', ' || detail FROM audit_log"
        ),
        format!(
            "(command line): demo data added, CT000001 to CT000300, 300 contacts ({} companies, \
             {} persons), seed 7",
            count(conn, "SELECT count(*) FROM contacts WHERE type = 'company'"),
            count(conn, "SELECT count(*) FROM contacts WHERE type = 'person'")
        )
    );
    for table in [
        "contact_industry_groups",
        "contact_business_relations",
        "contact_mailing_groups",
        "contact_job_responsibilities",
        "contact_profile_answers",
    ] {
        assert!(
            count(conn, &format!("SELECT count(*) FROM {table}")) > 0,
            "{table}"
        );
    }
}

#[test]
fn persons_belong_to_companies_of_one_to_twenty_persons() {
    let db = TestDb::new();
    load(&db, 300, 3);
    let conn = &mut db.conn();
    assert_eq!(count(conn, "SELECT count(*) FROM contacts"), 300);
    // Every person's company is a company; companies belong to none.
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM contacts p LEFT JOIN contacts c ON c.id = p.company_id \
             WHERE p.type = 'person' AND (c.id IS NULL OR c.type <> 'company')"
        ),
        0
    );
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM contacts WHERE type = 'company' AND company_id IS NOT NULL"
        ),
        0
    );
    // Every company has 1 to 20 persons, the last one included.
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM contacts c WHERE c.type = 'company' AND \
             (SELECT count(*) FROM contacts p WHERE p.company_id = c.id) NOT BETWEEN 1 AND 20"
        ),
        0
    );
    // A company's persons follow it: numbers and ids in one run.
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM contacts p JOIN contacts c ON c.id = p.company_id \
             WHERE p.no < c.no OR p.id < c.id"
        ),
        0
    );
    // Persons are reached at their company's domain; classifications go to the contact types
    // that carry them (see docs/segments.md, Criteria sections).
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM contacts p JOIN contacts c ON c.id = p.company_id \
             WHERE split_part(p.email, '@', 2) <> split_part(c.email, '@', 2)"
        ),
        0
    );
    for (table, kind) in [
        ("contact_industry_groups", "person"),
        ("contact_business_relations", "person"),
        ("contact_job_responsibilities", "company"),
    ] {
        assert_eq!(
            count(
                conn,
                &format!(
                    "SELECT count(*) FROM {table} x JOIN contacts c ON c.id = x.contact_id \
                     WHERE c.type = '{kind}'"
                )
            ),
            0,
            "{table} on a {kind}"
        );
    }
    // The generated columns are filled in.
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM contacts WHERE company_key IS NULL OR search_text NOT LIKE lower(no) || '%'"
        ),
        0
    );
}

#[test]
fn numbers_come_from_the_contact_series_which_later_contacts_continue() {
    let db = TestDb::new();
    load(&db, 300, 1);
    let conn = &mut db.conn();
    assert_eq!(
        text(
            conn,
            "SELECT min(no) || ' ' || max(no) || ' ' || count(DISTINCT no) FROM contacts"
        ),
        "CT000001 CT000300 300"
    );
    assert_eq!(
        count(
            conn,
            "SELECT next_number FROM number_series WHERE code = 'CONTACT'"
        ),
        301
    );
    // ids are one block, and the sequence continues after it.
    assert_eq!(
        count(conn, "SELECT max(id) - min(id) + 1 FROM contacts"),
        300
    );
    let next = rapport::setup::number_series::next(conn, "CONTACT").unwrap();
    assert_eq!(next, "CT000301");
    diesel::sql_query("INSERT INTO contacts (no, type, name) VALUES ($1, 'company', 'By hand')")
        .bind::<Text, _>(&next)
        .execute(conn)
        .unwrap();
    assert_eq!(
        count(conn, "SELECT count(*) FROM contacts WHERE id > (SELECT max(id) FROM contacts WHERE name <> 'By hand')"),
        1
    );
}

#[test]
fn a_second_run_appends_after_what_is_there() {
    let db = TestDb::new();
    load(&db, 300, 1);
    // A contact made in between, as the contact page would.
    {
        let conn = &mut db.conn();
        let no = rapport::setup::number_series::next(conn, "CONTACT").unwrap();
        diesel::sql_query(
            "INSERT INTO contacts (no, type, name) VALUES ($1, 'company', 'Made by hand')",
        )
        .bind::<Text, _>(&no)
        .execute(conn)
        .unwrap();
    }
    let out = load(&db, 300, 1);
    assert!(out.contains("CT000302 to CT000601"), "{out}");
    let conn = &mut db.conn();
    assert_eq!(count(conn, "SELECT count(*) FROM contacts"), 601);
    assert_eq!(count(conn, "SELECT count(DISTINCT no) FROM contacts"), 601);
    assert_eq!(
        count(
            conn,
            "SELECT next_number FROM number_series WHERE code = 'CONTACT'"
        ),
        602
    );
    // The second batch's persons belong to the second batch's companies.
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM contacts p JOIN contacts c ON c.id = p.company_id \
             WHERE p.no >= 'CT000302' AND c.no < 'CT000302'"
        ),
        0
    );
    // The same seed twice: the same people again, under new numbers.
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM contacts a JOIN contacts b ON b.name = a.name AND b.email = a.email \
             AND b.no = 'CT' || lpad((substr(a.no, 3)::int + 301)::text, 6, '0') \
             WHERE a.no <= 'CT000300'"
        ),
        300
    );
    // The id sequence is past every id.
    diesel::sql_query("INSERT INTO contacts (no, type, name) VALUES ('X1', 'company', 'After')")
        .execute(conn)
        .unwrap();
}

#[derive(QueryableByName, PartialEq, Debug)]
struct Definition {
    #[diesel(sql_type = Text)]
    def: String,
}

/// Every index and constraint of the tables demo data loads.
fn schema_definitions(conn: &mut PgConnection) -> Vec<String> {
    let tables = "ARRAY['contacts', 'contact_industry_groups', 'contact_business_relations', \
                  'contact_mailing_groups', 'contact_job_responsibilities', \
                  'contact_profile_answers']::regclass[]";
    diesel::sql_query(format!(
        "SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = ANY ({tables}) \
         UNION ALL \
         SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) || \
                CASE WHEN convalidated THEN '' ELSE ' (not validated)' END \
         FROM pg_constraint WHERE conrelid = ANY ({tables}) \
         ORDER BY 1"
    ))
    .load::<Definition>(conn)
    .unwrap()
    .into_iter()
    .map(|d| d.def)
    .collect()
}

#[test]
fn a_large_load_rebuilds_every_index_and_has_the_expected_shares() {
    let db = TestDb::new();
    let before = schema_definitions(&mut db.conn());
    assert!(before.len() > 20, "{before:?}");
    // 3,000 into an empty table, then 2,000 more: both rebuild the indexes.
    let out = load(&db, 3000, 11);
    assert!(out.contains("rebuilt at the end"), "{out}");
    let out = load(&db, 2000, 12);
    assert!(out.contains("rebuilt at the end"), "{out}");
    let conn = &mut db.conn();
    assert_eq!(schema_definitions(conn), before);

    assert_eq!(count(conn, "SELECT count(*) FROM contacts"), 5000);
    let excluded = count(
        conn,
        "SELECT count(*) FROM contacts WHERE exclude_from_segment",
    );
    let blocked = count(conn, "SELECT count(*) FROM contacts WHERE privacy_blocked");
    assert!(
        (50..=150).contains(&excluded),
        "excluded: {excluded} of 5000"
    );
    assert!(
        (5..=50).contains(&blocked),
        "privacy blocked: {blocked} of 5000"
    );

    // Industry groups: a few big, many small.
    let companies = count(conn, "SELECT count(*) FROM contacts WHERE type = 'company'");
    let biggest = count(
        conn,
        "SELECT max(n) FROM (SELECT count(*) AS n FROM contact_industry_groups GROUP BY code) g",
    );
    let median = count(
        conn,
        "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) FROM \
         (SELECT count(*) AS n FROM contact_industry_groups GROUP BY code) g",
    );
    assert!(
        biggest * 10 > companies,
        "biggest group {biggest} of {companies}"
    );
    assert!(biggest > 5 * median, "biggest {biggest}, median {median}");
    // Several countries, each contact's language that of its country.
    assert!(count(conn, "SELECT count(DISTINCT country_code) FROM contacts") >= 8);
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM contacts WHERE (country_code, language_code) NOT IN \
             (('DK','DAN'), ('DE','DEU'), ('GB','ENG'), ('US','ENU'), ('FR','FRA'), \
              ('NL','NLD'), ('SE','SVE'), ('NO','NOR'))"
        ),
        0
    );
    // At most one answer per question (the key says so), and answers of the contact's kind.
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM contact_profile_answers a JOIN profile_questions q ON q.id = a.question_id \
             JOIN contacts c ON c.id = a.contact_id WHERE upper(c.type) <> q.questionnaire_code"
        ),
        0
    );
}

#[test]
fn setup_codes_are_created_when_missing_and_kept_when_present() {
    let db = TestDb::new();
    {
        let conn = &mut db.conn();
        diesel::sql_query(
            "INSERT INTO industry_groups (code, description) VALUES ('RETAIL', 'Our shops')",
        )
        .execute(conn)
        .unwrap();
    }
    load(&db, 50, 1);
    load(&db, 50, 2);
    let conn = &mut db.conn();
    assert_eq!(
        text(
            conn,
            "SELECT description FROM industry_groups WHERE code = 'RETAIL'"
        ),
        "Our shops"
    );
    assert_eq!(count(conn, "SELECT count(*) FROM industry_groups"), 40);
    assert!(
        count(
            conn,
            "SELECT count(*) FROM salespeople WHERE name <> '' AND email <> ''"
        ) >= 12
    );
    assert!(count(conn, "SELECT count(*) FROM mailing_groups") >= 15);
    assert!(count(conn, "SELECT count(*) FROM job_responsibilities") >= 20);
    assert!(count(conn, "SELECT count(*) FROM business_relations WHERE code IN ('CUST', 'VEND', 'PROSPECT', 'BANK', 'PRESS', 'PARTNER')") == 6);
    // Interaction templates to log segments with, each in its group, once after two runs.
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM interaction_templates t JOIN interaction_groups g ON g.code = t.group_code \
             WHERE t.code IN ('MAILING', 'NEWSLETTER', 'CALL', 'VISIT')"
        ),
        4
    );
    // Two runs, one questionnaire set: questions and answers are not duplicated.
    assert_eq!(
        count(conn, "SELECT count(*) FROM profile_questionnaires"),
        2
    );
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM profile_questions WHERE questionnaire_code = 'COMPANY' \
             AND description = 'Company size'"
        ),
        1
    );
    assert_eq!(
        text(
            conn,
            "SELECT string_agg(a.description, '/' ORDER BY a.position) FROM profile_answers a \
             JOIN profile_questions q ON q.id = a.question_id WHERE q.description = 'Company size'"
        ),
        "Small/Medium/Large"
    );
}

#[test]
fn a_failed_load_leaves_nothing_behind() {
    let db = TestDb::new();
    {
        let conn = &mut db.conn();
        // An imported contact that brought its own number from the series' range.
        diesel::sql_query(
            "INSERT INTO contacts (no, type, name) VALUES ('CT000005', 'company', 'Imported')",
        )
        .execute(conn)
        .unwrap();
    }
    let out = demo_data(&db.url, 300, 1);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("CT000005") && err.contains("number series"),
        "{err}"
    );
    let conn = &mut db.conn();
    assert_eq!(count(conn, "SELECT count(*) FROM contacts"), 1);
    assert_eq!(
        count(
            conn,
            "SELECT next_number FROM number_series WHERE code = 'CONTACT'"
        ),
        1
    );
    assert_eq!(count(conn, "SELECT count(*) FROM salespeople"), 0);
    assert_eq!(
        count(conn, "SELECT count(*) FROM contact_mailing_groups"),
        0
    );
    assert_eq!(count(conn, "SELECT count(*) FROM audit_log"), 0);
}

#[test]
fn zero_contacts_changes_nothing() {
    let db = TestDb::new();
    let out = load(&db, 0, 1);
    assert!(out.contains("No contacts added"), "{out}");
    let conn = &mut db.conn();
    assert_eq!(count(conn, "SELECT count(*) FROM contacts"), 0);
    assert_eq!(
        count(
            conn,
            "SELECT next_number FROM number_series WHERE code = 'CONTACT'"
        ),
        1
    );
}

/// A fingerprint of the history: campaigns, segments with their lines and ledger, entries and
/// campaign entries, by numbers (not ids), dates counted from the first campaign's start. The
/// entries are ordered by their whole text, so the order in which a load wrote them does not
/// count (two single interactions of a contact can differ only by their evaluation).
const HISTORY_FINGERPRINT: &str = "WITH r AS (SELECT min(starting_date) AS d FROM campaigns) \
    SELECT md5(concat_ws(E'\\n', \
      (SELECT string_agg(ROW(p.no, p.description, p.starting_date - r.d, p.ending_date - r.d, \
          p.salesperson_code, p.status_code)::text, ',' ORDER BY p.no) FROM campaigns p, r), \
      (SELECT string_agg(ROW(s.no, s.description, s.date - r.d, s.status, s.interaction_template_code, \
          s.campaign_no, s.campaign_target, s.campaign_response, s.unit_cost, s.correspondence_type)::text, \
          ',' ORDER BY s.no) FROM segments s, r), \
      (SELECT string_agg(ROW(s.no, c.no, l.company_name, l.contact_name, l.salesperson_code, \
          l.evaluation)::text, ',' ORDER BY s.no, c.no) \
         FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id), \
      (SELECT string_agg(ROW(s.no, t.kind, t.criteria, t.added)::text, ',' ORDER BY s.no) \
         FROM segment_steps t JOIN segments s ON s.id = t.segment_id), \
      (SELECT string_agg(x.t, ',' ORDER BY x.t) FROM (SELECT ROW(c.no, co.no, e.date - r.d, \
          e.template_code, e.group_code, e.description, e.cost, e.duration_min, e.information_flow, \
          e.initiated_by, e.salesperson_code, e.correspondence_type, e.evaluation, e.campaign_no, \
          e.campaign_target, e.campaign_response, e.segment_no, e.canceled, e.attempt_failed)::text AS t \
         FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
         LEFT JOIN contacts co ON co.id = e.company_id, r) x), \
      (SELECT string_agg(ROW(g.campaign_no, g.segment_no, g.date - r.d, g.entries, g.cost, \
          g.duration_min, g.canceled)::text, ',' ORDER BY g.segment_no) FROM campaign_entries g, r)))";

#[test]
fn the_history_is_the_same_for_the_same_seed() {
    let (a, b, c) = (TestDb::new(), TestDb::new(), TestDb::new());
    let out = load(&a, 1500, 7);
    assert!(
        out.contains("History: 12 campaigns, 24 logged segments"),
        "{out}"
    );
    load(&b, 1500, 7);
    load(&c, 1500, 8);
    let (fa, fb, fc) = (
        text(&mut a.conn(), HISTORY_FINGERPRINT),
        text(&mut b.conn(), HISTORY_FINGERPRINT),
        text(&mut c.conn(), HISTORY_FINGERPRINT),
    );
    assert_eq!(fa, fb, "same seed, same history");
    assert_ne!(fa, fc, "another seed, another history");
}

/// The history is what logging writes: about three entries a contact across the last two
/// years, a dozen campaigns, every segment's entries and campaign entry adding up (one of them
/// canceled with all it wrote), and targets, responses, evaluations, failed attempts and
/// canceled single interactions among the entries.
#[test]
fn the_history_adds_up_like_logged_segments() {
    let db = TestDb::new();
    load(&db, 3000, 1);
    let conn = &mut db.conn();
    let n = |conn: &mut PgConnection, sql: &str| count(conn, sql);
    let entries = n(conn, "SELECT count(*) FROM interaction_log_entries");
    assert!(
        (6_000..=12_000).contains(&entries),
        "{entries} entries for 3,000 contacts"
    );
    assert_eq!(n(conn, "SELECT count(*) FROM campaigns"), 12);
    // Each segment's entries were written together, as Log Segment writes them: the range of
    // ids the database keeps for it holds its entries and no others.
    assert_eq!(
        n(
            conn,
            "SELECT count(*) FROM segment_entry_ranges r \
             WHERE r.last_entry - r.first_entry + 1 <> \
                   (SELECT count(*) FROM interaction_log_entries e WHERE e.segment_no = r.segment_no)"
        ),
        0
    );
    assert_eq!(
        n(conn, "SELECT count(*) FROM segment_entry_ranges"),
        n(
            conn,
            "SELECT count(*) FROM segments WHERE status <> 'draft'"
        )
    );
    assert_eq!(
        n(
            conn,
            "SELECT count(*) FROM campaigns WHERE starting_date >= CURRENT_DATE - 730 \
             AND starting_date <= ending_date AND starting_date <= CURRENT_DATE \
             AND status_code IN (SELECT code FROM campaign_statuses)"
        ),
        12
    );
    assert_eq!(
        n(
            conn,
            "SELECT count(*) FROM interaction_log_entries \
             WHERE date > CURRENT_DATE OR date < CURRENT_DATE - 730"
        ),
        0,
        "every entry in the last two years"
    );
    // Every segment: Logged (or Canceled with all it wrote), one entry per line, its campaign
    // entry totalling its entries.
    assert_eq!(
        n(
            conn,
            "SELECT count(*) FROM segments WHERE status = 'logged'"
        ),
        23
    );
    assert_eq!(
        n(
            conn,
            "SELECT count(*) FROM segments WHERE status = 'canceled'"
        ),
        1
    );
    assert_eq!(
        n(
            conn,
            "SELECT count(*) FROM segments s \
             JOIN campaign_entries g ON g.segment_id = s.id AND g.segment_no = s.no \
             WHERE g.entries = (SELECT count(*) FROM segment_lines l WHERE l.segment_id = s.id AND l.removed_by_step IS NULL) \
               AND g.entries = (SELECT count(*) FROM interaction_log_entries e WHERE e.segment_id = s.id AND e.segment_no = s.no) \
               AND g.cost = (SELECT COALESCE(sum(cost), 0) FROM interaction_log_entries e WHERE e.segment_id = s.id) \
               AND g.duration_min = (SELECT COALESCE(sum(duration_min), 0) FROM interaction_log_entries e WHERE e.segment_id = s.id) \
               AND g.canceled = (s.status = 'canceled') AND g.campaign_no = s.campaign_no \
               AND NOT EXISTS (SELECT 1 FROM interaction_log_entries e WHERE e.segment_id = s.id \
                               AND e.canceled <> (s.status = 'canceled')) \
               AND s.logged_at IS NOT NULL AND s.logged_by <> '' \
               AND (SELECT added FROM segment_steps t WHERE t.segment_id = s.id AND t.seq = 1) = g.entries"
        ),
        24
    );
    assert_eq!(
        n(conn, "SELECT count(*) FROM interaction_log_entries WHERE segment_id IS NOT NULL AND campaign_no IS NULL"),
        0
    );
    for (what, sql) in [
        ("targets", "campaign_target"),
        ("responses", "campaign_response AND evaluation <> ''"),
        (
            "canceled segment entries",
            "canceled AND segment_id IS NOT NULL",
        ),
        (
            "canceled single interactions",
            "canceled AND segment_id IS NULL",
        ),
        ("failed attempts", "attempt_failed AND segment_id IS NULL"),
        ("visits", "template_code = 'VISIT'"),
        (
            "evaluated calls",
            "template_code = 'CALL' AND evaluation <> ''",
        ),
    ] {
        assert!(
            n(
                conn,
                &format!("SELECT count(*) FROM interaction_log_entries WHERE {sql}")
            ) > 0,
            "{what}"
        );
    }
    // Single interactions take the contact's correspondence type as the card's Log does
    // (they were all "none"), and logged segments keep their totals as Log keeps them.
    assert_eq!(
        n(
            conn,
            "SELECT count(*) FROM interaction_log_entries e \
             JOIN contacts c ON c.id = e.contact_id \
             JOIN interaction_templates t ON t.code = e.template_code \
             WHERE e.segment_no = '' AND e.correspondence_type <> \
               CASE WHEN t.ignore_contact_correspondence_type OR c.correspondence_type = '' \
                 THEN t.correspondence_type ELSE c.correspondence_type END"
        ),
        0
    );
    assert!(
        n(
            conn,
            "SELECT count(*) FROM interaction_log_entries \
             WHERE segment_no = '' AND correspondence_type <> ''"
        ) > 0
    );
    assert_eq!(
        n(
            conn,
            "SELECT count(*) FROM segments s WHERE s.status <> 'draft' AND (s.logged_cost IS NULL \
               OR s.logged_cost <> (SELECT sum(cost) FROM interaction_log_entries e \
                                    WHERE e.segment_id = s.id))"
        ),
        0
    );
    // Each mailing's step says whom it passed over, as Add does.
    assert_eq!(
        n(
            conn,
            "SELECT count(*) FROM segment_steps st JOIN segments s ON s.id = st.segment_id \
             WHERE st.kind = 'add' AND st.skipped_excluded + st.skipped_blocked > 0"
        ),
        n(
            conn,
            "SELECT count(*) FROM segment_steps WHERE kind = 'add'"
        ),
    );
    // Never an excluded or privacy-blocked contact.
    assert_eq!(
        n(
            conn,
            "SELECT count(*) FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
             WHERE c.exclude_from_segment OR c.privacy_blocked"
        ),
        0
    );
}

/// Copies of two demo segments (a mailing, and the responses with their line overrides),
/// logged by the app, write exactly the entries and campaign entry that the demo wrote.
#[test]
fn the_demo_wrote_what_log_segment_writes() {
    let app = TestApp::start();
    load(&app.db, 1500, 2);
    let mut staff = app.signed_in("stan", "staff");
    let conn = &mut app.conn();
    for pick in ["Printed invitation%", "Responses%"] {
        let original = text(
            conn,
            &format!(
                "SELECT no FROM segments WHERE status = 'logged' AND description LIKE '{pick}' \
                 ORDER BY no LIMIT 1"
            ),
        );
        let copy = format!("COPY{original}");
        diesel::sql_query(
            "INSERT INTO segments (no, description, date, salesperson_code, interaction_template_code, \
               campaign_no, campaign_target, campaign_response, subject, language_code, \
               correspondence_type, ignore_contact_correspondence_type, unit_cost, \
               unit_duration_min, information_flow, initiated_by) \
             SELECT $2, description, date, salesperson_code, interaction_template_code, \
               campaign_no, campaign_target, campaign_response, subject, language_code, \
               correspondence_type, ignore_contact_correspondence_type, unit_cost, \
               unit_duration_min, information_flow, initiated_by FROM segments WHERE no = $1",
        )
        .bind::<Text, _>(&original)
        .bind::<Text, _>(&copy)
        .execute(conn)
        .unwrap();
        diesel::sql_query(
            "INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, \
               is_person, contact_name, salesperson_code, date, interaction_template_code, \
               subject, correspondence_type, unit_cost, unit_duration_min, campaign_target, \
               campaign_response, evaluation) \
             SELECT (SELECT id FROM segments WHERE no = $2), contact_id, 1, company_name, \
               is_person, contact_name, salesperson_code, date, interaction_template_code, \
               subject, correspondence_type, unit_cost, unit_duration_min, campaign_target, \
               campaign_response, evaluation \
             FROM segment_lines WHERE segment_id = (SELECT id FROM segments WHERE no = $1)",
        )
        .bind::<Text, _>(&original)
        .bind::<Text, _>(&copy)
        .execute(conn)
        .unwrap();
        crate::segments::post(&mut staff, &format!("/segments/{copy}/log"), &[])
            .assert_redirect(&format!("/segments/{copy}"));
        let written = |conn: &mut PgConnection, no: &str| {
            text(
                conn,
                &format!(
                    "SELECT md5(string_agg(ROW(contact_id, company_id, date, template_code, \
                       group_code, description, cost, duration_min, information_flow, \
                       initiated_by, salesperson_code, correspondence_type, evaluation, \
                       campaign_no, campaign_target, campaign_response, canceled, \
                       attempt_failed)::text, ',' ORDER BY contact_id)) || ' ' || count(*) \
                     FROM interaction_log_entries WHERE segment_no = '{no}'"
                ),
            )
        };
        let campaign_entry = |conn: &mut PgConnection, no: &str| {
            text(
                conn,
                &format!(
                    "SELECT ROW(campaign_no, date, description, entries, cost, duration_min, \
                       canceled) FROM campaign_entries WHERE segment_no = '{no}'"
                ),
            )
        };
        let demo = written(conn, &original);
        assert!(!demo.ends_with(" 0"), "{original} has entries");
        assert_eq!(demo, written(conn, &copy), "{original}: the entries");
        assert_eq!(
            campaign_entry(conn, &original),
            campaign_entry(conn, &copy),
            "{original}: the campaign entry"
        );
    }
    // The demo's canceled segment, restored, counts every entry it wrote again, as one that
    // Cancel canceled does. None came back: the demo's cancel left them unmarked.
    let canceled = text(conn, "SELECT no FROM segments WHERE status = 'canceled'");
    let entries = |canceled_too: bool| {
        app.count(&format!(
            "SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{canceled}' \
             AND (canceled OR NOT {canceled_too})"
        ))
    };
    assert!(entries(false) > 0);
    assert_eq!(entries(true), entries(false), "all canceled with it");
    let res = crate::segments::post(&mut staff, &format!("/segments/{canceled}/restore"), &[]);
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(entries(true), 0, "all count again");
}

/// A count beyond ten million is refused with what is allowed, before anything starts: a
/// mistyped one crashed on an overflow (and left the cluster it started running), or began a
/// load of hours that locked the contacts against the office.
#[test]
fn a_count_beyond_ten_million_is_refused() {
    let db = TestDb::new();
    for contacts in [10_000_001, u64::MAX] {
        let out = demo_data(&db.url, contacts, 1);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("is not in 0..=10000000"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert_eq!(count(&mut db.conn(), "SELECT count(*) FROM contacts"), 0);
}
