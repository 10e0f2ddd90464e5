//! The references of opportunities and their entries hold like foreign keys, checked once per
//! statement (migration 2026-12-03-000201): an opportunity needs its contact, company and
//! codes, an entry its opportunity and user; renaming a code reaches the opportunities; a
//! contact, code or opportunity in use cannot be deleted; a deleted user leaves its entries
//! unlinked. And the pipeline's figures kept per group (migration 2026-12-03-000202) equal the
//! sums counted over the opportunities after every kind of change.

use diesel::connection::SimpleConnection;

use crate::auth::diesel_exec;
use crate::opportunities::{cycle, update};
use crate::segments::{new_segment, post, staff, step, text, world};
use crate::support::*;

/// The figures kept per group, next to the same groups counted over the opportunities: the
/// rows that differ, both ways (zero when they are equal); and how many groups there are.
fn figures_differ(app: &TestApp) -> (i64, i64) {
    let counted = "SELECT sales_cycle_code::text, COALESCE(current_stage, 0), \
            COALESCE(salesperson_code, '')::text, COALESCE(campaign_no, '')::text, status, \
            COALESCE(date_closed, 'infinity'), count(*), sum(estimated_value), sum(current_value) \
        FROM opportunities GROUP BY 1, 2, 3, 4, 5, 6";
    let kept = "SELECT sales_cycle_code, stage, salesperson_code, campaign_no, status, \
            date_closed, n, estimated, current FROM opportunity_figures WHERE n <> 0";
    let differ = app.count(&format!(
        "SELECT count(*) FROM (({kept} EXCEPT {counted}) UNION ALL ({counted} EXCEPT {kept})) d"
    ));
    (
        differ,
        app.count(&format!("SELECT count(*) FROM ({kept}) k")),
    )
}

#[track_caller]
fn assert_figures_equal(app: &TestApp, after: &str) {
    let (differ, groups) = figures_differ(app);
    assert_eq!(
        differ, 0,
        "figures differ from the opportunities after {after}"
    );
    assert!(groups > 0, "no figures after {after}");
}

#[test]
fn opportunity_references_hold_like_foreign_keys_checked_per_statement() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    // Per statement: no per-row foreign key is left, the insert triggers are statement
    // triggers.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' \
             AND conrelid IN ('opportunities'::regclass, 'opportunity_entries'::regclass)"
        ),
        0
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM pg_trigger \
             WHERE tgname IN ('opportunities_references_insert', 'opportunity_entries_references_insert') \
             AND (tgtype & 1) = 0" // not FOR EACH ROW
        ),
        2
    );

    let refused = |sql: &str| {
        let err = app.conn().batch_execute(sql).unwrap_err().to_string();
        assert!(err.contains("violates"), "{sql}: {err}");
    };
    let anna = "(SELECT id FROM contacts WHERE no = 'ANNA')";
    let insert = "INSERT INTO opportunities (no, contact_id, sales_cycle_code";
    refused(&format!("{insert}) VALUES ('OPX', 987654321, 'NEW')"));
    refused(&format!("{insert}) VALUES ('OPX', {anna}, 'NOCYCLE')"));
    for (column, value) in [
        ("company_id", "987654321"),
        ("salesperson_code", "'NOBODY'"),
        ("campaign_no", "'CP9999'"),
    ] {
        refused(&format!(
            "{insert}, {column}) VALUES ('OPX', {anna}, 'NEW', {value})"
        ));
    }
    refused(&format!(
        "{insert}, status, current_stage, date_closed, close_code) \
         VALUES ('OPX', {anna}, 'NEW', 'won', 1, CURRENT_DATE, 'NOCODE')"
    ));
    // Many rows at once (the set-based path), one of them wrong.
    refused(&format!(
        "{insert}, campaign_no) SELECT 'OPM' || g, {anna}, 'NEW', 'CP0001' \
         FROM generate_series(1, 300) g UNION ALL SELECT 'OPM0', {anna}, 'NEW', 'CP9999'"
    ));
    refused(
        "INSERT INTO opportunity_entries (opportunity_id, action, date, status_after, \
             estimated_value, chances_pct, completed_pct, probability_pct, current_value) \
         VALUES (987654321, 'created', CURRENT_DATE, 'not_started', 0, 0, 0, 0, 0)",
    );
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 0);

    // An opportunity with every reference, closed, with an entry by a user.
    let admin = app.user("ada", "admin");
    assert!(!admin.is_empty());
    diesel_exec(
        &app,
        &format!(
            "{insert}, company_id, salesperson_code, campaign_no, status, current_stage, \
                 estimated_value, date_closed, close_code) \
             SELECT 'OP1', c.id, 'NEW', c.company_id, 'JO', 'CP0001', 'won', 2, 100, \
                    DATE '2026-06-01', 'SIGNED' FROM contacts c WHERE c.no = 'ANNA';
             INSERT INTO opportunity_entries (opportunity_id, action, date, status_after, \
                 estimated_value, chances_pct, completed_pct, probability_pct, current_value, \
                 user_id) \
             SELECT o.id, 'won', CURRENT_DATE, 'won', 100, 0, 0, 0, 0, u.id \
             FROM opportunities o, users u WHERE o.no = 'OP1' AND u.username = 'ada';"
        ),
    );
    assert_figures_equal(&app, "an insert");
    diesel_exec(
        &app,
        "UPDATE salespeople SET code = 'JOE' WHERE code = 'JO';
         UPDATE campaigns SET no = 'CP0101' WHERE no = 'CP0001';
         UPDATE sales_cycles SET code = 'FRESH' WHERE code = 'NEW';
         UPDATE close_opportunity_codes SET code = 'INKED' WHERE code = 'SIGNED';",
    );
    assert_eq!(
        text(
            &app,
            "SELECT salesperson_code || campaign_no || sales_cycle_code || close_code \
             FROM opportunities WHERE no = 'OP1'"
        ),
        "JOECP0101FRESHINKED",
        "renamed codes reach the opportunity"
    );
    assert_figures_equal(&app, "renamed codes");
    refused("DELETE FROM salespeople WHERE code = 'JOE'");
    refused("DELETE FROM campaigns WHERE no = 'CP0101'");
    refused("DELETE FROM sales_cycles WHERE code = 'FRESH'");
    refused("DELETE FROM close_opportunity_codes WHERE code = 'INKED'");
    // A person and their company with nothing else that refers to them: neither goes while
    // an opportunity names them.
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO contacts (no, type, name) VALUES ('ZETA', 'company', 'Zeta Ltd');
             INSERT INTO contacts (no, type, name, company_id)
                 SELECT 'ZED', 'person', 'Zed Zeta', id FROM contacts WHERE no = 'ZETA';
             {insert}, company_id) SELECT 'OP3', c.id, 'FRESH', c.company_id
                 FROM contacts c WHERE c.no = 'ZED';"
        ),
    );
    let refused_for_opportunities = |sql: &str| {
        let err = app.conn().batch_execute(sql).unwrap_err().to_string();
        assert!(err.contains("\"opportunities\""), "{sql}: {err}");
    };
    refused_for_opportunities("DELETE FROM contacts WHERE no = 'ZED'");
    refused_for_opportunities(
        "UPDATE contacts SET company_id = NULL WHERE no = 'ZED'; DELETE FROM contacts WHERE no = 'ZETA'",
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE no IN ('ZED', 'ZETA')"),
        2
    );
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 2);

    diesel_exec(
        &app,
        "DELETE FROM sessions; DELETE FROM users WHERE username = 'ada';",
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM opportunity_entries e JOIN opportunities o ON o.id = e.opportunity_id \
             WHERE o.no = 'OP1' AND e.user_id IS NULL"
        ),
        1,
        "a deleted user leaves the entry unlinked"
    );
    // An opportunity without entries, a contact and a code without opportunities still go.
    diesel_exec(
        &app,
        &format!(
            "{insert}) VALUES ('OP2', (SELECT id FROM contacts WHERE no = 'SOLO'), 'FRESH');
             DELETE FROM opportunities WHERE no = 'OP2';
             DELETE FROM contact_mailing_groups WHERE contact_id = (SELECT id FROM contacts WHERE no = 'SOLO');
             DELETE FROM contacts WHERE no = 'SOLO';
             DELETE FROM close_opportunity_codes WHERE code = 'PRICE';"
        ),
    );
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 2);
    assert_figures_equal(&app, "a delete");
    // An opportunity with entries goes with them, as Business Central deletes them; an entry
    // alone is a record and is not deleted.
    let err = app
        .conn()
        .batch_execute(
            "DELETE FROM opportunity_entries WHERE opportunity_id = \
             (SELECT id FROM opportunities WHERE no = 'OP1')",
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("is a record"), "{err}");
    diesel_exec(&app, "DELETE FROM opportunities WHERE no = 'OP1'");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM opportunity_entries e \
             WHERE NOT EXISTS (SELECT 1 FROM opportunities o WHERE o.id = e.opportunity_id)"
        ),
        0
    );
    assert_figures_equal(&app, "a delete with entries");
}

#[test]
fn pipeline_figures_kept_per_group_equal_the_opportunities_after_create_move_close_reopen() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "Chairs campaign");
    diesel_exec(
        &app,
        &format!("UPDATE segments SET campaign_no = 'CP0001', salesperson_code = 'PL' WHERE no = '{seg}'"),
    );
    step(&mut c, &seg, "add", &[("contact_no", "ANNA|DORA|SOLO")]);
    assert_eq!(app.count("SELECT count(*) FROM opportunity_figures"), 0);
    let res = post(
        &mut c,
        &format!("/segments/{seg}/create-opportunities"),
        &[("sales_cycle_code", "NEW"), ("description", "Chairs")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 3);
    assert_figures_equal(&app, "Create Opportunities");
    assert_eq!(
        app.count(
            "SELECT n FROM opportunity_figures WHERE sales_cycle_code = 'NEW' AND stage = 0 \
             AND salesperson_code = 'PL' AND campaign_no = 'CP0001' AND status = 'not_started'"
        ),
        3
    );

    let no = "OP000001";
    for (fields, after) in [
        (
            vec![("action", "first"), ("estimated_value", "1000")],
            "first stage",
        ),
        (
            vec![
                ("action", "next"),
                ("estimated_value", "1200"),
                ("quote_reference", "Q-1"),
            ],
            "next stage",
        ),
        (
            vec![
                ("action", "update"),
                ("estimated_value", "1500"),
                ("quote_reference", "Q-1"),
            ],
            "an estimate",
        ),
    ] {
        let res = update(&mut c, &app, no, &fields);
        assert_eq!(res.status, 303, "{after}: {}", res.body);
        assert_figures_equal(&app, after);
    }
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let version = text(
        &app,
        &format!("SELECT version FROM opportunities WHERE no = '{no}'"),
    );
    let res = post(
        &mut c,
        &format!("/opportunities/{no}/close"),
        &[
            ("version", &version),
            ("outcome", "won"),
            ("close_code", "SIGNED"),
            ("date_closed", &today),
            ("final_value", "2500"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_figures_equal(&app, "close");
    assert_eq!(
        app.count(
            "SELECT n FROM opportunity_figures WHERE status = 'won' AND date_closed = CURRENT_DATE"
        ),
        1
    );
    let version = text(
        &app,
        &format!("SELECT version FROM opportunities WHERE no = '{no}'"),
    );
    let res = post(
        &mut c,
        &format!("/opportunities/{no}/reopen"),
        &[("version", &version)],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_figures_equal(&app, "reopen");
    assert_eq!(
        app.count("SELECT count(*) FROM opportunity_figures WHERE status = 'won' AND n <> 0"),
        0
    );
    // Many at once, and a renamed salesperson.
    diesel_exec(
        &app,
        "UPDATE opportunities SET estimated_value = estimated_value + 10, current_value = current_value + 1;
         UPDATE salespeople SET code = 'PAT' WHERE code = 'PL';",
    );
    assert_figures_equal(&app, "a bulk update and a rename");
    // The page shows what the figures keep.
    let page = c.get("/opportunities");
    page.assert_status(200);
    let open = app
        .count("SELECT count(*) FROM opportunities WHERE status IN ('not_started', 'in_progress')");
    assert!(page.contains(&format!("data-figure=\"open\">{open}<")));
}

/// Opens a transaction on `conn` with `n` new opportunities of ANNA, numbered `OPS1`….
fn begin_with_opportunities(conn: &mut diesel::PgConnection, n: i64) {
    conn.batch_execute(&format!(
        "BEGIN;
         INSERT INTO opportunities (no, contact_id, sales_cycle_code)
             SELECT 'OPS' || g, (SELECT id FROM contacts WHERE no = 'ANNA'), 'NEW'
             FROM generate_series(1, {n}) g;"
    ))
    .unwrap();
}

/// The sequential and the index scans of `table` that `statement` made, by the transaction's
/// own statistics.
fn scans_during(conn: &mut diesel::PgConnection, table: &str, statement: &str) -> (i64, i64) {
    let scans = format!(
        "SELECT COALESCE(seq_scan, 0) * 1000000 + COALESCE(idx_scan, 0) \
         FROM pg_stat_xact_user_tables WHERE relid = '{table}'::regclass"
    );
    let before = count(conn, &scans);
    conn.batch_execute(statement).unwrap();
    let made = count(conn, &scans) - before;
    (made / 1_000_000, made % 1_000_000)
}

/// A statement refused by a reference check, naming `key` (e.g. `(company_id)=(7)`).
fn assert_refused_naming(result: diesel::QueryResult<()>, key: &str) {
    let err = result.expect_err("the statement was accepted");
    let detail = match &err {
        diesel::result::Error::DatabaseError(_, info) => info.details().unwrap_or("").to_string(),
        other => panic!("not a database error: {other}"),
    };
    assert!(
        err.to_string().contains("violates") && detail.contains(key),
        "{err}: {detail}"
    );
}

/// A first entry for each `id` of the rows that follow (a table or a subquery).
const ENTRIES_FROM: &str = "INSERT INTO opportunity_entries (opportunity_id, action, date, \
     status_after, estimated_value, chances_pct, completed_pct, probability_pct, current_value) \
     SELECT id, 'created', CURRENT_DATE, 'not_started', 0, 0, 0, 0, 0 FROM";

/// The insert checks look each key up in its table's unique index even when the statistics
/// call that table empty (as they do of opportunities right after autovacuum counted a table
/// of rolled-back rows): with an anti-join the planner then read the whole table once per key,
/// and a Create Opportunities of 200,000 lines ran for minutes in its entries' check. Counted
/// by the transaction's own statistics: one index scan per new entry, no sequential scan.
#[test]
fn reference_checks_look_keys_up_even_when_the_statistics_call_the_table_empty() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut conn = app.conn();
    begin_with_opportunities(&mut conn, 500);
    conn.batch_execute(
        "UPDATE pg_class SET relpages = 20000, reltuples = 0 WHERE oid = 'opportunities'::regclass;
         ALTER TABLE opportunities SET (autovacuum_enabled = true);",
    )
    .unwrap();
    let (seq, idx) = scans_during(
        &mut conn,
        "opportunities",
        &format!("{ENTRIES_FROM} opportunities WHERE no LIKE 'OPS%'"),
    );
    conn.batch_execute("ROLLBACK").unwrap();
    // The SELECT of the insert itself reads opportunities once (by index or sequentially).
    assert!(
        seq <= 1,
        "the check read the opportunities sequentially {seq} times"
    );
    assert!(
        idx >= 500,
        "the check looked {idx} keys up in the index for 500 entries"
    );
}

/// Many entries whose opportunities lie close together (as Create Opportunities writes them)
/// are checked by one pass over that stretch of the opportunities' primary key (migration
/// 2026-12-07-00001), not one probe per key; and when one of them is missing the statement is
/// still refused, naming that key.
#[test]
fn reference_checks_of_many_keys_close_together_read_their_stretch_and_still_name_a_missing_one() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut conn = app.conn();
    begin_with_opportunities(&mut conn, 1500);
    let (_, scans) = scans_during(
        &mut conn,
        "opportunities",
        &format!("{ENTRIES_FROM} opportunities WHERE no LIKE 'OPS%'"),
    );
    assert!(
        scans < 10,
        "the check looked keys up {scans} times for 1,500 entries of opportunities close together"
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) FROM opportunity_entries"),
        1500
    );

    // One opportunity of the stretch gone: the stretch is not whole, so the keys are looked up
    // one by one and the missing one is named.
    conn.batch_execute("ROLLBACK").unwrap();
    begin_with_opportunities(&mut conn, 1500);
    let first = count(
        &mut conn,
        "SELECT min(id) FROM opportunities WHERE no LIKE 'OPS%'",
    );
    let gone = first + 999;
    conn.batch_execute(&format!("DELETE FROM opportunities WHERE id = {gone}"))
        .unwrap();
    assert_refused_naming(
        conn.batch_execute(&format!(
            "{ENTRIES_FROM} (SELECT id FROM opportunities WHERE no LIKE 'OPS%' UNION ALL SELECT {gone}) k"
        )),
        &format!("(opportunity_id)=({gone})"),
    );
    conn.batch_execute("ROLLBACK").unwrap();
}

/// The contacts of many opportunities and their companies are all contacts: they are checked
/// as one stretch of the contacts' key (migration 2026-12-08-00001), and a missing company is
/// still named when every contact of the rows is there, in a stretch of its own that is whole.
#[test]
fn contacts_and_their_companies_are_checked_as_one_stretch_and_a_missing_company_is_named() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut conn = app.conn();
    let opportunities_of = |companies: &str| {
        format!(
            "INSERT INTO opportunities (no, contact_id, company_id, sales_cycle_code)
                 SELECT 'OPC' || c.id, c.id, {companies}, 'NEW'
                 FROM contacts c WHERE c.no LIKE 'STR%' ORDER BY c.id"
        )
    };
    let begin_with_contacts = |conn: &mut diesel::PgConnection| {
        conn.batch_execute(
            "BEGIN;
             INSERT INTO contacts (no, type, name)
                 SELECT 'STR' || g, 'company', 'Stretch ' || g FROM generate_series(1, 1500) g;",
        )
        .unwrap();
    };

    // Every contact and company there: a few passes, not one probe per key.
    begin_with_contacts(&mut conn);
    let (_, scans) = scans_during(&mut conn, "contacts", &opportunities_of("c.id"));
    assert!(
        scans < 10,
        "the check looked contacts up {scans} times for 1,500 opportunities"
    );
    conn.batch_execute("ROLLBACK").unwrap();

    // Half the companies point at the last contact, deleted: every contact of the rows is
    // there and lies in a whole stretch, but that company lies past it.
    begin_with_contacts(&mut conn);
    let gone = count(
        &mut conn,
        "SELECT max(id) FROM contacts WHERE no LIKE 'STR%'",
    );
    conn.batch_execute(&format!("DELETE FROM contacts WHERE id = {gone}"))
        .unwrap();
    assert_refused_naming(
        conn.batch_execute(&opportunities_of(&format!(
            "CASE WHEN c.id % 2 = 0 THEN c.id ELSE {gone} END"
        ))),
        &format!("(company_id)=({gone})"),
    );
    conn.batch_execute("ROLLBACK").unwrap();
}
