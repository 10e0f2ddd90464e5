//! The references of interaction log entries hold like foreign keys, checked once per
//! statement (migration 2026-12-01-000401): an entry needs its contact, company and codes;
//! renaming a code reaches the entries; a contact or code in use cannot be deleted; a deleted
//! segment or user leaves its entries unlinked.

use diesel::connection::SimpleConnection;

use crate::auth::diesel_exec;
use crate::segments::world;
use crate::support::*;

#[test]
fn entry_references_hold_like_foreign_keys_checked_per_statement() {
    let app = TestApp::start();
    world(&app);
    // Per statement: no per-row foreign key is left on the entries, the insert trigger is a
    // statement trigger.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' \
             AND conrelid = 'interaction_log_entries'::regclass"
        ),
        0
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'interaction_log_entries'::regclass \
             AND tgname = 'interaction_log_entries_references_insert' \
             AND (tgtype & 1) = 0" // not FOR EACH ROW
        ),
        1
    );

    let entries = "SELECT count(*) FROM interaction_log_entries";
    let before = app.count(entries);
    let refused = |sql: &str| {
        let err = app.conn().batch_execute(sql).unwrap_err().to_string();
        assert!(err.contains("violates"), "{sql}: {err}");
    };
    let solo = "(SELECT id FROM contacts WHERE no = 'SOLO')";
    refused("INSERT INTO interaction_log_entries (contact_id) VALUES (987654321)");
    refused(&format!(
        "INSERT INTO interaction_log_entries (contact_id, company_id) VALUES ({solo}, 987654321)"
    ));
    for (column, value) in [
        ("template_code", "'NOTHING'"),
        ("group_code", "'NOTHING'"),
        ("salesperson_code", "'NOBODY'"),
        ("campaign_no", "'CP9999'"),
        ("segment_id", "987654321"),
        ("user_id", "987654321"),
    ] {
        refused(&format!(
            "INSERT INTO interaction_log_entries (contact_id, {column}) VALUES ({solo}, {value})"
        ));
    }
    // Many rows at once (the set-based path), one of them wrong.
    refused(
        "INSERT INTO interaction_log_entries (contact_id, campaign_no) \
         SELECT c.id, 'CP0001' FROM contacts c, generate_series(1, 300) \
         UNION ALL SELECT id, 'CP9999' FROM contacts WHERE no = 'SOLO'",
    );
    assert_eq!(app.count(entries), before, "nothing was written");

    // A logged entry with every reference.
    let admin = app.user("ada", "admin");
    assert!(!admin.is_empty());
    diesel_exec(
        &app,
        "INSERT INTO segments (no, description, campaign_no) VALUES ('SM9', 'Refs', 'CP0001');
         INSERT INTO interaction_log_entries (contact_id, company_id, template_code, group_code,
             salesperson_code, campaign_no, segment_id, segment_no, user_id)
         SELECT c.id, c.company_id, 'CALL', 'PHONE', 'JO', 'CP0001', s.id, s.no, u.id
         FROM contacts c, segments s, users u
         WHERE c.no = 'ANNA' AND s.no = 'SM9' AND u.username = 'ada';",
    );
    let full = "SELECT count(*) FROM interaction_log_entries WHERE segment_no = 'SM9' AND \
        template_code = '{t}' AND group_code = '{g}' AND salesperson_code = '{s}' AND \
        campaign_no = '{c}'";
    let with = |t: &str, g: &str, s: &str, c: &str| {
        app.count(
            &full
                .replace("{t}", t)
                .replace("{g}", g)
                .replace("{s}", s)
                .replace("{c}", c),
        )
    };
    assert_eq!(with("CALL", "PHONE", "JO", "CP0001"), 1);
    diesel_exec(
        &app,
        "UPDATE interaction_templates SET code = 'RING' WHERE code = 'CALL';
         UPDATE interaction_groups SET code = 'TEL' WHERE code = 'PHONE';
         UPDATE salespeople SET code = 'JOE' WHERE code = 'JO';
         UPDATE campaigns SET no = 'CP0101' WHERE no = 'CP0001';",
    );
    assert_eq!(
        with("RING", "TEL", "JOE", "CP0101"),
        1,
        "renamed codes reach the entries"
    );
    refused("DELETE FROM interaction_templates WHERE code = 'RING'");
    refused("DELETE FROM salespeople WHERE code = 'JOE'");
    refused("DELETE FROM campaigns WHERE no = 'CP0101'");
    refused(
        "DELETE FROM contact_mailing_groups; DELETE FROM contact_profile_answers; \
         DELETE FROM contacts WHERE no = 'ANNA'",
    );
    // ALPHA is ANNA's company on the entry.
    refused(
        "DELETE FROM contact_mailing_groups; DELETE FROM contact_profile_answers; \
         DELETE FROM contact_industry_groups; DELETE FROM segment_lines; \
         DELETE FROM contacts WHERE no = 'ALPHA'",
    );

    diesel_exec(
        &app,
        "DELETE FROM segments WHERE no = 'SM9'; DELETE FROM sessions; DELETE FROM users WHERE username = 'ada';",
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM interaction_log_entries WHERE segment_no = 'SM9' \
             AND segment_id IS NULL AND user_id IS NULL"
        ),
        1,
        "a deleted segment or user leaves the entry unlinked"
    );
    // A contact without entries still goes.
    diesel_exec(
        &app,
        "DELETE FROM contact_mailing_groups WHERE contact_id = (SELECT id FROM contacts WHERE no = 'SOLO');
         DELETE FROM contacts WHERE no = 'SOLO';",
    );
    assert_eq!(app.count(entries), before + 1);
}
