//! Log Segment: every check at once, nothing written unless all pass, one entry per line with
//! its effective fields, the campaign entry, once only, and the follow-up segment.

use crate::auth::diesel_exec;
use crate::segments::{assert_members, new_segment, post, staff, step, step_count, text, world};
use crate::support::*;

fn count(app: &TestApp, sql: &str) -> i64 {
    app.count(sql)
}

#[test]
fn every_check_is_listed_at_once_and_nothing_is_written() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "to log");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA|ELI|FINN")]);
    // No description, no template anywhere, DORA's salesperson blocked, an e-mail line to a
    // contact without e-mail, one line without any salesperson.
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET description = '', salesperson_code = NULL, correspondence_type = 'email', \
               ignore_contact_correspondence_type = TRUE WHERE no = '{no}';
             UPDATE contacts SET salesperson_code = 'PL' WHERE no IN ('ANNA', 'DORA', 'ELI');
             UPDATE salespeople SET blocked = TRUE WHERE code = 'PL';
             UPDATE contacts SET salesperson_code = 'JO' WHERE no = 'ANNA';"
        ),
    );
    let page = c.get(&format!("/segments/{no}/log"));
    page.assert_status(422);
    for wanted in [
        "The segment has no description",
        "1 line has no salesperson",
        "2 lines have a blocked salesperson",
        "4 lines have no interaction template",
        "2 lines are to go by e-mail to a contact without an e-mail address",
        "Line of FINN Finn Gamma",
        "no salesperson (neither the line, the header nor the contact has one)",
        "Line of ELI Eli Beta",
        "its salesperson is blocked",
    ] {
        assert!(page.contains(wanted), "missing {wanted:?}:\n{}", page.body);
    }
    assert!(
        !page.contains("name=\"follow_up\""),
        "no Log button while problems remain"
    );
    // A problem line's link leads to its form and, saved, back to the Log page (it led to the
    // segment's lines: one round trip per line).
    let finn = text(
        &app,
        &format!(
            "SELECT l.id::text FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
             JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}' AND c.no = 'FINN'"
        ),
    );
    let href = format!("/segments/{no}/lines/{finn}?back=/segments/{no}/log");
    assert!(page.contains(&format!("href=\"{href}\"")), "{}", page.body);
    c.submit(
        &href,
        &href,
        &[
            ("salesperson_code", "JO"),
            ("date", ""),
            ("interaction_template_code", ""),
            ("subject", ""),
            ("correspondence_type", ""),
            ("unit_cost", ""),
            ("unit_duration_min", ""),
            ("evaluation", ""),
        ],
    )
    .assert_redirect(&format!("/segments/{no}/log"));
    assert!(!c
        .get(&format!("/segments/{no}/log"))
        .contains("1 line has no salesperson"));
    let res = post(&mut c, &format!("/segments/{no}/log"), &[]);
    res.assert_status(422);
    assert!(res.contains("The segment has no description"));
    assert_eq!(
        count(&app, "SELECT count(*) FROM interaction_log_entries"),
        4,
        "world's own"
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM segments WHERE no = '{no}'")
        ),
        "draft"
    );

    // An empty segment says so too.
    let empty = new_segment(&mut c, "empty");
    assert!(c
        .get(&format!("/segments/{empty}/log"))
        .contains("The segment has no lines"));
}

#[test]
fn logging_writes_one_entry_per_line_with_its_effective_fields_once_and_a_follow_up() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Spring mailing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA|SOLO")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'MAIL', campaign_no = 'CP0001', \
               campaign_target = TRUE, subject = 'Spring offer', unit_cost = 2.50, unit_duration_min = 3 \
             WHERE no = '{no}';
             UPDATE segment_lines l SET unit_cost = 9.99, evaluation = 'positive', subject = 'Personal' \
               FROM contacts c, segments s WHERE c.id = l.contact_id AND s.id = l.segment_id \
               AND s.no = '{no}' AND c.no = 'DORA';"
        ),
    );
    let page = c.get(&format!("/segments/{no}/log"));
    page.assert_status(200);
    assert!(page.contains("3 interaction log entries"), "{}", page.body);
    // Nothing is sent: the page says so, and where the mail merge's list is.
    assert!(page.contains("it sends no e-mail and prints no letter"));
    assert!(page.contains(&format!("href=\"/segments/{no}/export.xlsx\"")));
    assert!(page.contains("a total cost of 14.99"));
    assert!(page.contains(
        "a campaign entry for campaign CP0001; of the entries, all 3 as campaign target and none \
         as campaign response"
    ));
    assert!(!page.contains("ended on"));
    // A campaign that ended before the interactions' date is said (not refused), and the
    // lines not by e-mail are counted too.
    diesel_exec(
        &app,
        &format!(
            "UPDATE campaigns SET ending_date = s.date - 1 FROM segments s \
             WHERE campaigns.no = 'CP0001' AND s.no = '{no}'"
        ),
    );
    let page = c.get(&format!("/segments/{no}/log"));
    page.assert_status(200);
    assert!(
        page.contains("Campaign CP0001 ended on ")
            && page.contains("before the segment&#39;s date")
            && page
                .contains("their interactions count in the campaign&#39;s figures all the same."),
        "{}",
        page.body
    );
    assert!(page.contains("0 of them by e-mail, the other 3 by hard copy or none;"));
    // A campaign ending on the segment's date takes it.
    diesel_exec(
        &app,
        &format!(
            "UPDATE campaigns SET ending_date = s.date FROM segments s \
             WHERE campaigns.no = 'CP0001' AND s.no = '{no}'"
        ),
    );
    assert!(!c.get(&format!("/segments/{no}/log")).contains("ended on"));
    // A line with a date of its own after the campaign's end is said, with its date.
    diesel_exec(
        &app,
        &format!(
            "UPDATE segment_lines l SET date = s.date + 3 \
               FROM contacts c, segments s WHERE c.id = l.contact_id AND s.id = l.segment_id \
               AND s.no = '{no}' AND c.no = 'DORA'"
        ),
    );
    let page = c.get(&format!("/segments/{no}/log"));
    assert!(
        page.contains("1 line has a date of its own (on ")
            && page.contains(") outside campaign CP0001&#39;s dates, until ")
            && !page.contains("ended on"),
        "{}",
        page.body
    );
    diesel_exec(
        &app,
        &format!(
            "UPDATE segment_lines l SET date = NULL FROM segments s \
             WHERE s.id = l.segment_id AND s.no = '{no}'"
        ),
    );

    let before = count(&app, "SELECT count(*) FROM interaction_log_entries");
    post(
        &mut c,
        &format!("/segments/{no}/log"),
        &[("follow_up", "on")],
    )
    .assert_redirect(&format!("/segments/{no}"));
    let shown = c.get(&format!("/segments/{no}"));
    assert!(shown.contains("Logged by stan"));
    assert!(shown.contains(&format!(
        "Segment {no} logged: 3 interactions written and a campaign entry."
    )));
    // Twice (back button, double click): once.
    post(
        &mut c,
        &format!("/segments/{no}/log"),
        &[("follow_up", "on")],
    )
    .assert_redirect(&format!("/segments/{no}"));
    assert!(c
        .get(&format!("/segments/{no}"))
        .contains("is logged already: nothing was logged again"));
    assert_eq!(
        count(&app, "SELECT count(*) FROM interaction_log_entries") - before,
        3
    );
    assert_eq!(count(&app, "SELECT count(*) FROM campaign_entries"), 1);
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT string_agg(c.no || ':' || e.template_code || ':' || e.group_code || ':' || e.description \
                   || ':' || e.cost || ':' || e.duration_min || ':' || e.salesperson_code || ':' || e.campaign_no \
                   || ':' || e.campaign_target || ':' || e.evaluation || ':' || e.segment_no, ' | ' ORDER BY c.no) \
                 FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id WHERE e.segment_no = '{no}'"
            )
        ),
        format!(
            "ANNA:MAIL:LETTER:Spring offer:2.50:3:JO:CP0001:true::{no} | \
             DORA:MAIL:LETTER:Personal:9.99:3:JO:CP0001:true:positive:{no} | \
             SOLO:MAIL:LETTER:Spring offer:2.50:3:JO:CP0001:true::{no}"
        )
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM segments WHERE no = '{no}'")
        ),
        "logged"
    );

    // A logged segment accepts no step.
    post(&mut c, &format!("/segments/{no}/add"), &[("country", "DK")]).assert_status(409);

    // The follow-up: a draft with the same contacts and campaign, one undoable step; its
    // interaction is its own (no template, subject, cost or target from the mailing).
    let follow = text(
        &app,
        &format!("SELECT no FROM segments WHERE description = 'Follow-up on segment {no}'"),
    );
    assert!(!follow.is_empty());
    assert_members(&app, &follow, &["ANNA", "DORA", "SOLO"]);
    assert_eq!(step_count(&app, &follow), 1);
    // Its step is in the audit trail, as every step is (it was not).
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) FROM audit_log WHERE action = 'segment step' \
                 AND subject = '{follow}' AND detail = 'reuse_segment: +3 −0'"
            )
        ),
        1
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT concat_ws(':', campaign_no, coalesce(salesperson_code, '-'), \
                   coalesce(interaction_template_code, '-'), subject, unit_cost, \
                   unit_duration_min, campaign_target) FROM segments WHERE no = '{follow}'"
            )
        ),
        format!(
            "CP0001:{}:-::0.00:0:f",
            text(
                &app,
                &format!("SELECT coalesce(salesperson_code, '-') FROM segments WHERE no = '{no}'")
            )
        )
    );
    assert!(c
        .get(&format!("/segments/{follow}"))
        .contains(&format!("Added 3 contacts from segment {no}")));
}

/// The Log page says how many entries go in as campaign target and as campaign response, as
/// each line's flag takes effect (its own, else its own template's, else the header's). Before, it repeated the header's flags whatever the lines said.
#[test]
fn the_log_page_counts_targets_and_responses_as_the_lines_have_them() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Spring mailing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA|SOLO")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL', campaign_no = 'CP0002', \
               campaign_target = TRUE WHERE no = '{no}';
             UPDATE segment_lines l SET campaign_target = FALSE, campaign_response = TRUE \
               FROM contacts c, segments s WHERE c.id = l.contact_id AND s.id = l.segment_id \
               AND s.no = '{no}' AND c.no = 'DORA';
             UPDATE segment_lines l SET interaction_template_code = 'MAIL' \
               FROM contacts c, segments s WHERE c.id = l.contact_id AND s.id = l.segment_id \
               AND s.no = '{no}' AND c.no = 'SOLO';"
        ),
    );
    let page = c.get(&format!("/segments/{no}/log"));
    page.assert_status(200);
    // ANNA: the header's target; DORA: its own, a response and no target; SOLO: its own
    // template MAIL, of campaign CP0002, a target and a response.
    assert!(
        page.contains(
            "a campaign entry for campaign CP0002; of the entries, 2 of 3 as campaign target \
             and 2 of 3 as campaign response"
        ),
        "{}",
        page.body
    );
}

/// A line with an interaction template of its own takes that template's Campaign Target and
/// Campaign Response, whatever campaign the template names, as Business Central's line does
/// with its template: a printed mailing on a response segment is no response. Before, a
/// template of no campaign passed the header's flags on, and the campaign's response figures
/// counted the mailing.
#[test]
fn a_line_with_its_own_template_takes_that_templates_campaign_flags() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Replies");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|SOLO")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'MAIL', campaign_no = 'CP0002', \
               campaign_target = TRUE, campaign_response = TRUE, salesperson_code = 'JO' \
             WHERE no = '{no}';
             UPDATE segment_lines l SET interaction_template_code = 'CALL' \
               FROM contacts c, segments s WHERE c.id = l.contact_id AND s.id = l.segment_id \
               AND s.no = '{no}' AND c.no = 'ANNA';"
        ),
    );
    let page = c.get(&format!("/segments/{no}/log"));
    assert!(
        page.contains("of the entries, 1 of 2 as campaign target and 1 of 2 as campaign response"),
        "{}",
        page.body
    );
    // The line's form says where its flags come from.
    let line = text(
        &app,
        &format!(
            "SELECT l.id::text FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
             JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}' AND c.no = 'ANNA'"
        ),
    );
    let form = c.get(&format!("/segments/{no}/lines/{line}"));
    assert!(
        form.contains("id=\"campaign_response-hint\">In effect: No (template).</p>")
            && form.contains("selected>(as the line&#39;s template says)</option>")
            && form.contains("Left empty: Call (the line&#39;s template).")
            && form.contains("(as on the header, else the contact's)</option>"),
        "{}",
        form.body
    );
    post(&mut c, &format!("/segments/{no}/log"), &[]).assert_redirect(&format!("/segments/{no}"));
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT string_agg(c.no || ':' || e.template_code || ':' || e.campaign_target \
                   || ':' || e.campaign_response, ' ' ORDER BY c.no) \
                 FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
                 WHERE e.segment_no = '{no}'"
            )
        ),
        "ANNA:CALL:false:false SOLO:MAIL:true:true"
    );
}

/// A line's own Campaign Target and Campaign Response are about the header's campaign: when
/// the header's campaign changes, they are cleared (Business Central clears them with it), and
/// the header's save says so. Before, a line set as a response to CP0001 was logged as a
/// response to CP0002.
#[test]
fn a_lines_campaign_flags_go_with_the_campaign_they_were_set_for() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Spring mailing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET campaign_no = 'CP0001', salesperson_code = 'JO' WHERE no = '{no}';
             UPDATE segment_lines l SET campaign_response = TRUE \
               FROM contacts c, segments s WHERE c.id = l.contact_id AND s.id = l.segment_id \
               AND s.no = '{no}' AND c.no = 'DORA';"
        ),
    );
    let page = format!("/segments/{no}");
    let form = c.get(&page);
    let date = text(
        &app,
        &format!("SELECT date::text FROM segments WHERE no = '{no}'"),
    );
    let version = hidden_value(&form.body, "version").unwrap();
    c.post_with_token(
        &page,
        &form.csrf_token().unwrap(),
        &crate::segments::header_fields(&[
            ("description", "Spring mailing"),
            ("date", &date),
            ("campaign_no", "CP0002"),
            ("interaction_template_code", "CALL"),
            ("version", &version),
        ]),
    )
    .assert_redirect(&page);
    let shown = c.get(&page);
    assert!(
        shown.contains(
            "The campaign changed, so the Campaign Target and Campaign Response set on 1 line \
             were cleared: they were about campaign CP0001."
        ),
        "{}",
        shown.body
    );
    post(&mut c, &format!("{page}/log"), &[]).assert_redirect(&page);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}' \
                 AND (campaign_response OR campaign_target)"
            )
        ),
        0
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}'")
        ),
        2
    );
}

/// Logging writes the entries of the lines that pass and goes on only when that is every line:
/// one bad line among good ones leaves nothing written. A segment's kept count of lines that
/// is off (it is kept by triggers) never stops a segment whose lines all pass.
#[test]
fn one_bad_line_among_good_ones_writes_nothing_and_an_off_count_still_logs_every_line() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "one bad line");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA|ELI")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL' WHERE no = '{no}';
             UPDATE segment_lines SET salesperson_code = 'PL' WHERE contact_id = \
               (SELECT id FROM contacts WHERE no = 'ELI');
             UPDATE salespeople SET blocked = TRUE WHERE code = 'PL';"
        ),
    );
    let entries = |app: &TestApp| {
        count(
            app,
            &format!("SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}'"),
        )
    };
    let res = post(&mut c, &format!("/segments/{no}/log"), &[]);
    res.assert_status(422);
    assert!(
        res.contains("1 line has a blocked salesperson"),
        "{}",
        res.body
    );
    assert!(res.contains("Line of ELI Eli Beta"), "{}", res.body);
    assert_eq!(entries(&app), 0);
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM segments WHERE no = '{no}'")
        ),
        "draft"
    );

    // Unblocked, with a kept count that says one line more than there is: logged all the same.
    diesel_exec(
        &app,
        &format!(
            "UPDATE salespeople SET blocked = FALSE WHERE code = 'PL';
             UPDATE segment_line_counts SET lines = lines + 1 WHERE segment_id = \
               (SELECT id FROM segments WHERE no = '{no}') AND removed_by_step = 0;"
        ),
    );
    post(&mut c, &format!("/segments/{no}/log"), &[]).assert_redirect(&format!("/segments/{no}"));
    assert_eq!(entries(&app), 3);
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM segments WHERE no = '{no}'")
        ),
        "logged"
    );
}

#[test]
fn two_people_logging_at_once_log_once() {
    let app = TestApp::start();
    world(&app);
    let mut a = staff(&app, "ann");
    let mut b = staff(&app, "bob");
    let no = new_segment(&mut a, "race");
    step(&mut a, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!("UPDATE segments SET interaction_template_code = 'CALL' WHERE no = '{no}'"),
    );
    let (ta, tb) = (
        crate::segments::token(&mut a),
        crate::segments::token(&mut b),
    );
    let path = format!("/segments/{no}/log");
    let (pa, pb) = (path.clone(), path.clone());
    let one = std::thread::spawn(move || a.post_with_token(&pa, &ta, &[]).status);
    let two = std::thread::spawn(move || b.post_with_token(&pb, &tb, &[]).status);
    assert_eq!(one.join().unwrap(), 303);
    assert_eq!(two.join().unwrap(), 303);
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}'")
        ),
        2
    );
}

#[test]
fn cancel_and_restore_move_the_entries_and_only_a_canceled_segment_is_deleted() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "to cancel");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL', campaign_no = 'CP0002' WHERE no = '{no}'"
        ),
    );
    post(&mut c, &format!("{page}/log"), &[]).assert_redirect(&page);
    let live = |app: &TestApp| {
        (
            count(
                app,
                &format!(
                    "SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}' AND NOT canceled"
                ),
            ),
            count(app, "SELECT count(*) FROM campaign_entries WHERE NOT canceled"),
        )
    };
    assert_eq!(live(&app), (2, 1));
    // A logged segment is not deleted, nor restored.
    post(&mut c, &format!("{page}/delete"), &[]).assert_redirect(&page);
    post(&mut c, &format!("{page}/restore"), &[]).assert_redirect(&page);
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM segments WHERE no = '{no}'")
        ),
        "logged"
    );

    // Sent twice (a double click): canceled once, and the first's message stays.
    let token = c.get(&page).csrf_token().unwrap();
    for _ in 0..2 {
        c.post_with_token(&format!("{page}/cancel"), &token, &[])
            .assert_redirect(&page);
    }
    assert_eq!(live(&app), (0, 0));
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM segments WHERE no = '{no}'")
        ),
        "canceled"
    );
    let canceled_page = c.get(&page);
    assert!(canceled_page.contains("2 interactions and its campaign entry no longer count"));
    assert!(!canceled_page.contains("nothing to cancel"));
    // Who canceled it and when, kept and shown, as for who logged it.
    assert_eq!(
        text(
            &app,
            &format!("SELECT canceled_by || ':' || (canceled_at IS NOT NULL) FROM segments WHERE no = '{no}'")
        ),
        "stan:true"
    );
    assert!(
        canceled_page.contains("Canceled by stan on "),
        "{}",
        canceled_page.body
    );
    post(&mut c, &format!("{page}/restore"), &[]).assert_redirect(&page);
    assert_eq!(live(&app), (2, 1));
    assert_eq!(
        text(
            &app,
            &format!("SELECT canceled_by || ':' || (canceled_at IS NULL) FROM segments WHERE no = '{no}'")
        ),
        ":true",
        "Restore clears who canceled it"
    );
    assert!(!c.get(&page).contains("Canceled by"));
    post(&mut c, &format!("{page}/cancel"), &[]).assert_redirect(&page);

    // Canceled, it can be deleted; its entries stay, unlinked. The confirmation says so, and
    // that its Restore goes with it (it spoke only of its lines and steps).
    let confirm = c.get(&format!("{page}/delete"));
    assert!(
        confirm.contains(
            "Its 2 interaction log entries stay, and its campaign entry too, in the interaction \
             history, canceled for good: with the segment goes its Restore"
        ),
        "{}",
        confirm.body
    );
    post(&mut c, &format!("{page}/delete"), &[]).assert_redirect("/segments");
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM segments WHERE no = '{no}'")
        ),
        0
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}' AND segment_id IS NULL AND canceled"
            )
        ),
        2
    );
    // The entries name it without a link (it led to a 404).
    let list = c.get(&format!("/interactions?segment={no}"));
    assert!(
        list.contains(&format!("{no} <span class=\"muted\">(deleted)</span>")),
        "{}",
        list.body
    );
    assert!(!list.contains(&format!("href=\"/segments/{no}\"")));
    // Its No. is not given again, though no segment has it: the series set back to it passes
    // it by, and the series' page says why it cannot be set to it.
    let n: i64 = no
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap();
    diesel_exec(
        &app,
        &format!("UPDATE number_series SET next_number = {n} WHERE code = 'SEGMENT'"),
    );
    let again = new_segment(&mut c, "after the deletion");
    assert_ne!(again, no);
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(DISTINCT coalesce(segment_id, 0)) FROM interaction_log_entries WHERE segment_no = '{again}'")
        ),
        0
    );

    // A viewer can do none of it.
    let other = new_segment(&mut c, "viewer");
    let mut viewer = app.signed_in("vera", "viewer");
    post(&mut viewer, &format!("/segments/{other}/log"), &[]).assert_status(403);
    post(&mut viewer, &format!("/segments/{other}/cancel"), &[]).assert_status(403);
}

#[test]
fn the_database_keeps_an_entry_as_written_but_its_evaluation_and_canceled() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    let id = count(&app, "SELECT min(id) FROM interaction_log_entries");
    let mut conn = app.conn();
    for change in [
        "description = 'changed'",
        "cost = 99",
        "contact_id = (SELECT max(id) FROM contacts)",
        "date = date + 1",
        "campaign_response = NOT campaign_response",
    ] {
        let err = conn
            .batch_execute(&format!(
                "UPDATE interaction_log_entries SET {change} WHERE id = {id}"
            ))
            .expect_err(change);
        assert!(err.to_string().contains("is a record"), "{change}: {err}");
    }
    conn.batch_execute(&format!(
        "DELETE FROM interaction_log_entries WHERE id = {id}"
    ))
    .expect_err("deleting an entry");
    conn.batch_execute(&format!(
        "UPDATE interaction_log_entries SET evaluation = 'positive', canceled = TRUE WHERE id = {id}"
    ))
    .unwrap();
    // A renamed template reaches its entries (the key cascades).
    conn.batch_execute("UPDATE interaction_templates SET code = 'MAILING' WHERE code = 'MAIL'")
        .unwrap();
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM interaction_log_entries WHERE template_code = 'MAILING'"
        ),
        3
    );
}

#[test]
fn every_change_route_refuses_a_logged_segment() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "a record");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    let other = new_segment(&mut c, "other");
    step(&mut c, &other, "add", &[("contact_no", "SOLO")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL' WHERE no = '{no}';
                  INSERT INTO saved_criteria (code) VALUES ('SAVED');
                  INSERT INTO saved_criteria_steps (code, seq, kind, criteria)
                      VALUES ('SAVED', 1, 'add', '{{\"filters\": {{\"country\": \"SE\"}}}}');"
        ),
    );
    post(&mut c, &format!("/segments/{no}/log"), &[]).assert_redirect(&format!("/segments/{no}"));
    let line = count(
        &app,
        &format!(
            "SELECT min(l.id) FROM segment_lines l JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}'"
        ),
    );
    let state = |app: &TestApp| {
        text(
            app,
            &format!(
                "SELECT (SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id WHERE s.no = '{no}') \
                   || '/' || (SELECT md5(string_agg(l::text, '|' ORDER BY l.id)) FROM segment_lines l \
                     JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}') \
                   || '/' || (SELECT md5(s::text) FROM segments s WHERE s.no = '{no}')"
            ),
        )
    };
    let before = state(&app);
    let version = hidden_value(&c.get(&format!("/segments/{other}")).body, "version").unwrap();
    let routes: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("/segments/{no}/add"), vec![("country", "DK")]),
        (format!("/segments/{no}/reduce"), vec![("country", "DK")]),
        (format!("/segments/{no}/refine"), vec![("country", "DK")]),
        (format!("/segments/{no}/go-back"), vec![]),
        (format!("/segments/{no}/go-back"), vec![("to", "0")]),
        (
            format!("/segments/{no}/lines"),
            vec![("contact_no", "SOLO")],
        ),
        (format!("/segments/{no}/lines/{line}/remove"), vec![]),
        (
            format!("/segments/{no}/lines/{line}"),
            vec![("unit_cost", "5")],
        ),
        (
            format!("/segments/{no}"),
            vec![
                ("description", "changed"),
                ("date", "2026-11-30"),
                ("version", &version),
            ],
        ),
        (
            format!("/segments/{no}/reuse-criteria"),
            vec![("code", "SAVED")],
        ),
        (
            format!("/segments/{no}/reuse-segment"),
            vec![("segment_no", &other)],
        ),
        (format!("/segments/{no}/refresh"), vec![]),
    ];
    for (route, fields) in &routes {
        let res = post(&mut c, route, fields);
        assert_eq!(res.status, 409, "{route} answered {}", res.status);
        assert!(
            res.body.contains(&format!("Segment {no} is logged")),
            "{route} did not say why: {}",
            res.body
        );
        assert_eq!(state(&app), before, "{route} changed the logged segment");
    }
    // Logging again and deleting are refused with a message, and change nothing either.
    post(&mut c, &format!("/segments/{no}/log"), &[]).assert_redirect(&format!("/segments/{no}"));
    post(&mut c, &format!("/segments/{no}/delete"), &[])
        .assert_redirect(&format!("/segments/{no}"));
    assert_eq!(state(&app), before);
    // Apply Mailing Group changes the contacts, not the segment: offered on the record, it
    // gives the group to who the logging reached (DORA lacked NEWS) and leaves the record as
    // it was.
    let mailing = format!("/segments/{no}/apply-mailing-group");
    assert!(c
        .get(&format!("/segments/{no}"))
        .contains(&format!("href=\"{mailing}\"")));
    c.submit(
        &format!("{mailing}?code=NEWS"),
        &mailing,
        &[("code", "NEWS")],
    )
    .assert_redirect(&format!("{mailing}#applications-heading"));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM contact_mailing_groups g JOIN contacts c ON c.id = g.contact_id \
             WHERE g.code = 'NEWS' AND c.no = 'DORA'"
        ),
        1
    );
    assert_eq!(state(&app), before);
    // A viewer is offered its preview; once the segment is canceled, its applications stay
    // within reach from its page (to undo them before deleting it), and the delete page links
    // to them.
    let mut viewer = app.signed_in("vera", "viewer");
    assert!(viewer.get(&format!("/segments/{no}")).contains(&format!(
        "href=\"{mailing}\">Apply Mailing Group (preview only)</a>"
    )));
    post(&mut c, &format!("/segments/{no}/cancel"), &[])
        .assert_redirect(&format!("/segments/{no}"));
    assert!(c.get(&format!("/segments/{no}")).contains(&format!(
        "href=\"{mailing}\">Mailing group applications</a>"
    )));
    assert!(c
        .get(&format!("/segments/{no}/delete"))
        .contains(&format!("their Undo is on <a href=\"{mailing}\">")));
}

/// Every entry Log Segment writes pays one insert per index of the entries: each index serves
/// a page (see BENCHMARKS.md, Interactions). A segment's entries are found by the segment No.
/// they keep, so there is no second index by segment id; a campaign's responses (the wizard's
/// Interactions section) have an index of their own that holds nothing else, and one
/// salesperson's entries are read by theirs (the interactions list's filter). The entries
/// without a company (persons without one) have a small index of their own, which the trigger
/// that fills in the company when such a person joins one reads (an entry with a company, as
/// Log Segment writes for a company's persons, is not in it).
#[test]
fn the_entries_have_one_index_per_use() {
    let app = TestApp::start();
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes \
             WHERE tablename = 'interaction_log_entries'"
        ),
        "interaction_log_entries_campaign interaction_log_entries_company \
         interaction_log_entries_contact interaction_log_entries_date \
         interaction_log_entries_form_key interaction_log_entries_no_company \
         interaction_log_entries_pkey interaction_log_entries_responses \
         interaction_log_entries_salesperson"
    );
    assert_eq!(
        text(
            &app,
            "SELECT pg_get_indexdef('interaction_log_entries_no_company'::regclass)"
        ),
        "CREATE INDEX interaction_log_entries_no_company ON public.interaction_log_entries \
         USING btree (contact_id) WHERE (company_id IS NULL)"
    );
    assert_eq!(
        text(
            &app,
            "SELECT pg_get_indexdef('interaction_log_entries_responses'::regclass)"
        ),
        "CREATE INDEX interaction_log_entries_responses ON public.interaction_log_entries \
         USING btree (campaign_no, date, contact_id) WHERE campaign_response"
    );
    // A contact's and a company's entries are indexed by the key alone, so that each one's
    // entries share an index tuple and Log Segment touches few index pages.
    assert_eq!(
        text(
            &app,
            "SELECT pg_get_indexdef('interaction_log_entries_contact'::regclass) || '; ' || \
                    pg_get_indexdef('interaction_log_entries_company'::regclass)"
        ),
        "CREATE INDEX interaction_log_entries_contact ON public.interaction_log_entries \
         USING btree (contact_id); CREATE INDEX interaction_log_entries_company ON \
         public.interaction_log_entries USING btree (company_id) WHERE (company_id IS NOT NULL)"
    );
}

/// A segment's entries are read between the first and the last entry its log wrote (a range
/// the database keeps on every insert of entries), checked by their segment: entries of another
/// segment written in between are never taken for its own — by Cancel, by Delete's unlinking,
/// by the interactions list or by the wizard — and a filter that takes entries of no segment
/// still finds them.
#[test]
fn a_segments_entries_are_read_from_its_range_and_only_its_own() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let a = new_segment(&mut c, "first");
    let b = new_segment(&mut c, "second");
    step(&mut c, &a, "add", &[("contact_no", "ANNA|DORA")]);
    step(&mut c, &b, "add", &[("contact_no", "SOLO")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL' WHERE no IN ('{a}', '{b}')"
        ),
    );
    for no in [&a, &b] {
        post(&mut c, &format!("/segments/{no}/log"), &[])
            .assert_redirect(&format!("/segments/{no}"));
    }
    let range = |no: &str| {
        text(
            &app,
            &format!(
                "SELECT first_entry || '..' || last_entry FROM segment_entry_ranges \
                 WHERE segment_no = '{no}'"
            ),
        )
    };
    let written = |no: &str| {
        text(
            &app,
            &format!(
                "SELECT min(id) || '..' || max(id) FROM interaction_log_entries \
                 WHERE segment_no = '{no}'"
            ),
        )
    };
    assert_eq!(range(&a), written(&a));
    assert_eq!(range(&b), written(&b));
    // One statement writes one more entry of each, A's on both sides of B's: A's range now
    // holds B's entries.
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO interaction_log_entries (contact_id, date, template_code, group_code, \
                 salesperson_code, segment_id, segment_no) \
             SELECT c.id, DATE '2026-11-02', 'CALL', 'PHONE', 'JO', s.id, s.no \
             FROM (VALUES (1, 'ELI', '{a}'), (2, 'FINN', '{b}'), (3, 'BETA', '{a}')) v(i, contact, segment) \
               JOIN contacts c ON c.no = v.contact JOIN segments s ON s.no = v.segment \
             ORDER BY v.i"
        ),
    );
    assert_eq!(range(&a), written(&a));
    assert_eq!(range(&b), written(&b));
    let inside = count(
        &app,
        &format!(
            "SELECT count(*) FROM interaction_log_entries e, segment_entry_ranges r \
             WHERE r.segment_no = '{a}' AND e.id BETWEEN r.first_entry AND r.last_entry \
               AND e.segment_no = '{b}'"
        ),
    );
    assert_eq!(inside, 2, "B's entries lie inside A's range");

    // The interactions list and the wizard take each segment's entries, and only those.
    assert!(c
        .get(&format!("/interactions?segment={a}"))
        .contains("4 interactions"));
    assert!(c
        .get(&format!("/interactions?segment={b}"))
        .contains("2 interactions"));
    let by = |c: &mut Client, filter: &str| {
        let no = new_segment(c, filter);
        step(c, &no, "add", &[("interaction_segment", filter)]);
        no
    };
    let of_a = by(&mut c, &a);
    assert_members(&app, &of_a, &["ANNA", "BETA", "DORA", "ELI"]);
    let of_b = by(&mut c, &b);
    assert_members(&app, &of_b, &["FINN", "SOLO"]);
    // "Not A" takes B's entries and those of no segment (ANNA's and DORA's own calls and
    // mailings; ELI's is canceled).
    let not_a = by(&mut c, &format!("<>{a}"));
    assert_members(&app, &not_a, &["ANNA", "DORA", "FINN", "SOLO"]);

    // Cancel A: its four entries, not B's.
    post(&mut c, &format!("/segments/{a}/cancel"), &[]).assert_redirect(&format!("/segments/{a}"));
    let canceled = |no: &str| {
        text(
            &app,
            &format!(
                "SELECT count(*) FILTER (WHERE canceled) || '/' || count(*) \
                 FROM interaction_log_entries WHERE segment_no = '{no}'"
            ),
        )
    };
    assert_eq!(canceled(&a), "4/4");
    assert_eq!(canceled(&b), "0/2");
    // Deleted, A leaves its entries unlinked, and B's linked.
    post(&mut c, &format!("/segments/{a}/delete"), &[]).assert_redirect("/segments");
    let linked = |no: &str| {
        count(
            &app,
            &format!(
                "SELECT count(*) FROM interaction_log_entries \
                 WHERE segment_no = '{no}' AND segment_id IS NOT NULL"
            ),
        )
    };
    assert_eq!((linked(&a), linked(&b)), (0, 2));
    // Its entries are still listed by its number.
    assert!(c
        .get(&format!("/interactions?segment={a}"))
        .contains("4 interactions"));
}

/// The dearest segment the header allows (its unit cost at the most, 9,999,999,999.99, on 230
/// lines): its page shows the total cost and Log Segment writes it to the campaign entry. The
/// total used to be cast to NUMERIC(14,2), which overflowed: the page answered 500 and the
/// segment could not be logged.
#[test]
fn the_dearest_segment_shows_and_logs_its_total_cost() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = crate::segment_page::many_lines(&app, &mut c);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'MAIL', campaign_no = 'CP0001', \
               unit_cost = 9999999999.99 WHERE no = '{no}'"
        ),
    );
    let page = c.get(&format!("/segments/{no}"));
    page.assert_status(200);
    assert!(page.contains("2,299,999,999,997.70"), "{}", page.body);
    post(&mut c, &format!("/segments/{no}/log"), &[]).assert_redirect(&format!("/segments/{no}"));
    assert_eq!(
        text(&app, "SELECT cost::text FROM campaign_entries"),
        "2299999999997.70"
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT sum(cost)::text FROM interaction_log_entries WHERE segment_no = '{no}'"
            )
        ),
        "2299999999997.70"
    );
}

/// The follow-up segment is dated today and records what its step did (Ignore Exclusion and
/// Allow Existing Contacts), so a Refresh of it right away changes nothing: it recorded
/// neither, and Refresh took out the excluded contact the logged segment had.
#[test]
fn a_follow_up_is_dated_today_and_its_refresh_keeps_its_contacts() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Spring mailing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    step(
        &mut c,
        &no,
        "add",
        &[("contact_no", "BO"), ("ignore_exclusion", "on")],
    );
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'MAIL', date = '2026-01-15' \
             WHERE no = '{no}'"
        ),
    );
    post(
        &mut c,
        &format!("/segments/{no}/log"),
        &[("follow_up", "on")],
    )
    .assert_redirect(&format!("/segments/{no}"));
    let follow = text(
        &app,
        &format!("SELECT no FROM segments WHERE description = 'Follow-up on segment {no}'"),
    );
    assert_members(&app, &follow, &["ANNA", "BO"]);
    assert_eq!(
        count(
            &app,
            // Today (yesterday's date too, should the run cross midnight between the log and
            // this query), not the logged segment's 2026-01-15.
            &format!(
                "SELECT count(*) FROM segments WHERE no = '{follow}' \
                 AND date BETWEEN CURRENT_DATE - 1 AND CURRENT_DATE AND date <> '2026-01-15'"
            )
        ),
        1,
        "dated today, not on the logged segment's date"
    );
    let res = post(&mut c, &format!("/segments/{follow}/refresh"), &[]);
    res.assert_redirect(&format!("/segments/{follow}"));
    assert!(c
        .get(&format!("/segments/{follow}"))
        .contains("Refresh: Nothing to refresh: the segment is up to date."));
    assert_members(&app, &follow, &["ANNA", "BO"]);
}

/// A contact privacy blocked after it was added stops Log Segment, named with the other
/// checks: no interaction is logged with it (it was, and its mail merge went out).
#[test]
fn a_contact_privacy_blocked_since_it_was_added_stops_the_log() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Spring mailing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|SOLO")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'MAIL' WHERE no = '{no}';
             UPDATE contacts SET privacy_blocked = TRUE WHERE no = 'SOLO';"
        ),
    );
    let res = post(&mut c, &format!("/segments/{no}/log"), &[]);
    res.assert_status(422);
    assert!(
        res.contains("1 line's contact has been privacy blocked since it was added"),
        "{}",
        res.body
    );
    assert!(res.contains("the contact is privacy blocked: remove the line"));
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}'")
        ),
        0
    );
    // The line it links offers Remove, which comes back to the check (the line's page had
    // only its values).
    let at = res.body.find(&format!("/segments/{no}/lines/")).unwrap();
    let href = res.body[at..res.body[at..].find('"').unwrap() + at].replace("&#38;", "&");
    let line = c.get(&href);
    let action = {
        let at = line.body.find("/remove").unwrap();
        let start = line.body[..at].rfind("action=\"").unwrap() + 8;
        let end = at + line.body[at..].find('"').unwrap();
        line.body[start..end].replace("&#38;", "&")
    };
    let removed = c.post_with_token(&action, &line.csrf_token().unwrap(), &[]);
    removed.assert_redirect(&format!("/segments/{no}/log"));
    assert_members(&app, &no, &["ANNA"]);
    post(&mut c, &format!("/segments/{no}/go-back"), &[]);
    assert_members(&app, &no, &["ANNA", "SOLO"]);
    // Refresh takes it out; then it logs.
    post(&mut c, &format!("/segments/{no}/refresh"), &[])
        .assert_redirect(&format!("/segments/{no}"));
    assert_members(&app, &no, &["ANNA"]);
    post(&mut c, &format!("/segments/{no}/log"), &[]).assert_redirect(&format!("/segments/{no}"));
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}'")
        ),
        1
    );
}

/// With more lines in the way than the check names, it says how many, counting each line once
/// whatever its problems (it took the largest count of one problem: 40 without an e-mail and
/// 40 others privacy blocked read as 50 of 40). A logged segment's privacy-blocked line does
/// not claim it was not logged.
#[test]
fn the_check_says_how_many_lines_are_in_the_way_and_a_logged_line_is_not_said_unlogged() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, email, privacy_blocked)
           SELECT 'Z' || lpad(g::text, 3, '0'), 'company', 'Zed ' || g,
                  CASE WHEN g <= 40 THEN '' ELSE 'z@example.dk' END, FALSE
           FROM generate_series(1, 80) g;",
    );
    let no = new_segment(&mut c, "many in the way");
    step(&mut c, &no, "add", &[("contact_no", "Z*")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL', correspondence_type = 'email', \
               ignore_contact_correspondence_type = TRUE WHERE no = '{no}';
             UPDATE contacts SET privacy_blocked = TRUE WHERE no > 'Z040' AND no LIKE 'Z%';"
        ),
    );
    let page = c.get(&format!("/segments/{no}/log"));
    page.assert_status(422);
    assert!(
        page.contains("Lines with a problem (the first 50 of 80)"),
        "{}",
        page.body
    );

    // Logged, a line whose contact was privacy blocked since says only that it is not exported.
    let logged = new_segment(&mut c, "logged");
    step(&mut c, &logged, "add", &[("contact_no", "ANNA")]);
    diesel_exec(
        &app,
        &format!("UPDATE segments SET interaction_template_code = 'CALL' WHERE no = '{logged}'"),
    );
    let page = format!("/segments/{logged}");
    post(&mut c, &format!("{page}/log"), &[]).assert_redirect(&page);
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = TRUE WHERE no = 'ANNA'",
    );
    let shown = c.get(&page);
    assert!(
        shown.contains("privacy blocked: not exported<"),
        "{}",
        shown.body
    );
    assert!(!shown.contains("not logged"));
    let draft = format!("/segments/{no}");
    assert!(c
        .get(&draft)
        .contains("privacy blocked: not exported, not logged"));
}

/// Log writes the segment the check page showed: changed meanwhile (a colleague's header or
/// step), it writes nothing and shows what logging writes now (409); logged again from there,
/// it is meant. A double click keeps the first click's message, with the follow-up's No.; a
/// colleague's later click is told who logged it.
#[test]
fn log_writes_what_its_page_showed_and_a_second_click_keeps_the_first_message() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "checked");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!("UPDATE segments SET interaction_template_code = 'CALL' WHERE no = '{no}'"),
    );
    let page = format!("/segments/{no}");
    let check = c.get(&format!("{page}/log"));
    check.assert_status(200);
    let shown = hidden_value(&check.body, "shown").expect("the page sends what it showed");
    // A colleague changes the cost meanwhile.
    diesel_exec(
        &app,
        &format!("UPDATE segments SET unit_cost = 99, version = version + 1 WHERE no = '{no}'"),
    );
    let res = c.post_with_token(
        &format!("{page}/log"),
        &check.csrf_token().unwrap(),
        &[("shown", &shown), ("follow_up", "on")],
    );
    res.assert_status(409);
    assert!(res.contains(
        "role=\"alert\" tabindex=\"-1\" autofocus>Nothing was logged: the segment changed after \
         this page was shown"
    ));
    assert!(
        res.contains("198.00"),
        "the total cost as it is now: {}",
        res.body
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}'")
        ),
        0
    );
    // From that page, it is meant; a second click writes nothing and keeps the message.
    let shown = hidden_value(&res.body, "shown").unwrap();
    let token = res.csrf_token().unwrap();
    for _ in 0..2 {
        let res = c.post_with_token(
            &format!("{page}/log"),
            &token,
            &[("shown", &shown), ("follow_up", "on")],
        );
        res.assert_redirect(&page);
    }
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}' AND cost = 99")
        ),
        2
    );
    let shown_page = c.get(&page);
    assert!(
        shown_page.contains(&format!("Segment {no} logged: 2 interactions written."))
            && shown_page.contains("Follow-up segment SM"),
        "{}",
        shown_page.body
    );
    // A colleague's click is told who logged it.
    let mut other = staff(&app, "olga");
    post(&mut other, &format!("{page}/log"), &[]).assert_redirect(&page);
    assert!(other.get(&page).contains(&format!(
        "Segment {no} is logged already (logged by stan at "
    )));
}

/// The correspondence type of a line, first match wins as in Business Central: the header's
/// default when the header ignores the contact's type, even on a line with a template of its
/// own; else the template's when the template ignores it or the contact has none; else the
/// contact's.
#[test]
fn a_header_that_ignores_the_contacts_correspondence_type_decides_every_line() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let line = |app: &TestApp, no: &str, contact: &str| {
        app.count(&format!(
            "SELECT l.id FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
             JOIN contacts c ON c.id = l.contact_id WHERE s.no = '{no}' AND c.no = '{contact}'"
        ))
    };
    let logged = |app: &TestApp, no: &str| {
        text(
            app,
            &format!(
                "SELECT string_agg(c.no || ':' || e.correspondence_type, ',' ORDER BY c.no) \
                 FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
                 WHERE e.segment_no = '{no}'"
            ),
        )
    };
    diesel_exec(
        &app,
        "UPDATE contacts SET correspondence_type = 'email' WHERE no IN ('ANNA', 'DORA', 'SOLO')",
    );
    // The header (MAIL's defaults: Hard Copy, ignoring the contact's) and a line of DORA's
    // with CALL, which does not ignore it.
    let no = new_segment(&mut c, "letters");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'MAIL', salesperson_code = 'JO', \
               correspondence_type = 'hard_copy', ignore_contact_correspondence_type = TRUE \
             WHERE no = '{no}'"
        ),
    );
    let page = format!("/segments/{no}");
    let dora = format!("{page}/lines/{}", line(&app, &no, "DORA"));
    c.submit(&dora, &dora, &[("interaction_template_code", "CALL")])
        .assert_redirect(&format!("{page}#lines"));
    post(&mut c, &format!("{page}/log"), &[]).assert_redirect(&page);
    assert_eq!(logged(&app, &no), "ANNA:hard_copy,DORA:hard_copy");

    // The header does not ignore it: a line's own template that does decides its line; the
    // others go as their contacts prefer.
    let no = new_segment(&mut c, "calls");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|SOLO")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL', salesperson_code = 'JO', \
               correspondence_type = 'hard_copy', ignore_contact_correspondence_type = FALSE \
             WHERE no = '{no}'"
        ),
    );
    let page = format!("/segments/{no}");
    let solo = format!("{page}/lines/{}", line(&app, &no, "SOLO"));
    c.submit(&solo, &solo, &[("interaction_template_code", "MAIL")])
        .assert_redirect(&format!("{page}#lines"));
    post(&mut c, &format!("{page}/log"), &[]).assert_redirect(&page);
    assert_eq!(logged(&app, &no), "ANNA:email,SOLO:hard_copy");

    // The header ignores the contact's, but names no type: it decides nothing, as in Business
    // Central; a contact's own type goes (one with none goes with the header's, none). Before,
    // every line went with no type.
    let no = new_segment(&mut c, "no type");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|ELI")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL', salesperson_code = 'JO', \
               correspondence_type = '', ignore_contact_correspondence_type = TRUE \
             WHERE no = '{no}'"
        ),
    );
    diesel_exec(
        &app,
        "UPDATE contacts SET correspondence_type = '' WHERE no = 'ELI'",
    );
    let page = format!("/segments/{no}");
    post(&mut c, &format!("{page}/log"), &[]).assert_redirect(&page);
    assert_eq!(logged(&app, &no), "ANNA:email,ELI:");
}

/// An entry keeps the language it was in, as Business Central's Interaction Language Code:
/// Log Segment writes the header's Language to every line's entry, a single interaction the
/// contact's. It shows on the entry's page and in the export; a renamed language reaches the
/// entries, and one that entries name is not deleted (the page says so).
#[test]
fn an_entry_keeps_its_language_renamed_with_it_and_kept_from_deletion() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Danish mailing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|SOLO")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'MAIL', language_code = 'DAN' \
             WHERE no = '{no}';
             UPDATE contacts SET language_code = 'DEA' WHERE no = 'SOLO';"
        ),
    );
    post(&mut c, &format!("/segments/{no}/log"), &[]).assert_redirect(&format!("/segments/{no}"));
    let languages = |app: &TestApp| {
        text(
            app,
            "SELECT string_agg(c.no || ' ' || coalesce(e.language_code, '-'), ', ' ORDER BY c.no, e.id) \
             FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
             WHERE e.segment_no <> '' OR e.date = '2026-06-02'",
        )
    };
    assert_eq!(languages(&app), "ANNA DAN, SOLO DAN");
    // A single interaction: the contact's.
    post(
        &mut c,
        "/contacts/SOLO/interactions",
        &[
            ("template", "CALL"),
            ("date", "2026-06-02"),
            ("description", "Call"),
            ("cost", ""),
            ("duration", ""),
            ("evaluation", ""),
            ("salesperson", "JO"),
        ],
    )
    .assert_redirect("/contacts/SOLO");
    assert_eq!(languages(&app), "ANNA DAN, SOLO DAN, SOLO DEA");
    let id = count(
        &app,
        "SELECT e.id FROM interaction_log_entries e WHERE e.date = '2026-06-02'",
    );
    let page = c.get(&format!("/interactions/{id}"));
    assert!(
        page.contains("<dt>Language</dt><dd>DEA</dd>"),
        "{}",
        page.body
    );
    let csv = c.get("/interactions/export.csv?contact=SOLO");
    assert!(csv
        .body
        .lines()
        .next()
        .unwrap()
        .contains(",correspondence_type,language,"));
    assert!(csv.contains(",DEA,"), "{}", csv.body);
    // Renamed: the entries follow; in use by them, not deleted.
    diesel_exec(
        &app,
        "UPDATE languages SET code = 'DANSK' WHERE code = 'DAN'",
    );
    assert_eq!(languages(&app), "ANNA DANSK, SOLO DANSK, SOLO DEA");
    diesel_exec(
        &app,
        "UPDATE contacts SET language_code = NULL WHERE no = 'SOLO'",
    );
    let mut admin = app.signed_in("boss", "admin");
    let res = admin.submit("/setup/languages/DEA", "/setup/languages/DEA/delete", &[]);
    res.assert_redirect("/setup/languages/DEA");
    assert!(
        admin
            .get("/setup/languages/DEA")
            .contains("Language DEA is used by 1 interaction, so it cannot be deleted."),
        "the delete is refused by the entry"
    );
    // The delete panel does not ask to take it off the entry, which never changes.
    let page = admin.get("/setup/languages/DEA");
    assert!(
        page.contains("Logged interactions and the history of opportunities are records that keep their codes for good"),
        "{}",
        page.body
    );
    assert!(!page.contains("Remove it from them first."));
    assert_eq!(
        app.count("SELECT count(*) FROM languages WHERE code = 'DEA'"),
        1
    );
}

/// A line's values saved after the check page was shown (a colleague's correspondence type,
/// cost unchanged): Log writes nothing and shows the page again (409). It used to log the
/// colleague's values unseen, since a line's save did not count as a change of the segment.
#[test]
fn a_line_saved_after_the_log_page_was_shown_stops_the_log() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "checked lines");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!("UPDATE segments SET interaction_template_code = 'CALL' WHERE no = '{no}'"),
    );
    let page = format!("/segments/{no}");
    let check = c.get(&format!("{page}/log"));
    let shown = hidden_value(&check.body, "shown").expect("the page sends what it showed");
    let line = count(
        &app,
        "SELECT l.id FROM segment_lines l JOIN contacts c ON c.id = l.contact_id WHERE c.no = 'ANNA'",
    );
    let mut colleague = staff(&app, "cleo");
    let line_page = format!("{page}/lines/{line}");
    colleague
        .submit(
            &line_page,
            &line_page,
            &[("correspondence_type", "hard_copy")],
        )
        .assert_redirect(&format!("{page}#lines"));
    let res = c.post_with_token(
        &format!("{page}/log"),
        &check.csrf_token().unwrap(),
        &[("shown", &shown)],
    );
    res.assert_status(409);
    assert!(res.contains("Nothing was logged: the segment changed after this page was shown"));
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}'")
        ),
        0
    );
}

/// A follow-up segment does not take the logged segment's salesperson when that one is
/// blocked (its lines each had their own): a new record takes no blocked salesperson, and its
/// lines would then have failed its own Log.
#[test]
fn a_follow_up_takes_no_blocked_salesperson() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "blocked header");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL', salesperson_code = 'JO' WHERE no = '{no}';
             UPDATE segment_lines l SET salesperson_code = 'PL' FROM segments s
                 WHERE s.id = l.segment_id AND s.no = '{no}';
             UPDATE salespeople SET blocked = TRUE WHERE code = 'JO';"
        ),
    );
    post(
        &mut c,
        &format!("/segments/{no}/log"),
        &[("follow_up", "on")],
    )
    .assert_redirect(&format!("/segments/{no}"));
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT coalesce(salesperson_code, '-') FROM segments \
                 WHERE description = 'Follow-up on segment {no}'"
            )
        ),
        "-"
    );
}

/// A line's form saved after a colleague's step took the line out: the segment says so, not a
/// bare 404; nothing is written.
#[test]
fn a_line_saved_after_a_step_took_it_out_is_said_on_the_segment() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "lines out");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    let line = count(
        &app,
        "SELECT l.id FROM segment_lines l JOIN contacts c ON c.id = l.contact_id WHERE c.no = 'ANNA'",
    );
    let page = format!("/segments/{no}");
    c.get(&format!("{page}/lines/{line}")).assert_status(200);
    let mut colleague = staff(&app, "cleo");
    step(&mut colleague, &no, "reduce", &[("contact_no", "ANNA")]);
    post(
        &mut c,
        &format!("{page}/lines/{line}"),
        &[("unit_cost", "5")],
    )
    .assert_redirect(&format!("{page}#lines"));
    assert!(
        c.get(&page).contains(
            "The line of ANNA Anna Alpha is no longer on the segment: a step took it out after \
             its page was opened. Nothing was saved."
        ),
        "the flash says why"
    );
    // Its Edit link, from lines shown before the step, says so too (a bare 404 before), with
    // the way back to the lines; a line never there is not found.
    let res = c.get(&format!("{page}/lines/{line}"));
    res.assert_status(409);
    assert!(res.contains(
        "The line of ANNA Anna Alpha is no longer on the segment: a step took it out after the \
         lines were shown."
    ));
    assert!(
        res.contains(&format!("href=\"{page}#lines\"")),
        "{}",
        res.body
    );
    c.get(&format!("{page}/lines/999999")).assert_status(404);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) FROM segment_lines WHERE id = {line} AND unit_cost IS NOT NULL"
            )
        ),
        0
    );
}

/// Save Criteria saves the steps the page showed: a colleague's Go Back and another step
/// since are not saved unseen under the code (it saved them, saying "saved"). A logged
/// segment's steps can be saved too: the form was only on drafts.
#[test]
fn save_criteria_saves_the_steps_shown_and_a_logged_segments_too() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "to save");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    let page = format!("/segments/{no}");
    let shown = c.get(&page);
    let last = hidden_value(&shown.body, "last").unwrap();
    let last_at = hidden_value(&shown.body, "last_at").unwrap();
    // A colleague adds a step meanwhile.
    let mut other = staff(&app, "olga");
    step(&mut other, &no, "reduce", &[("contact_no", "DORA")]);
    let res = c.post_with_token(
        &format!("{page}/save-criteria"),
        &shown.csrf_token().unwrap(),
        &[
            ("code", "BOTH"),
            ("description", ""),
            ("last", &last),
            ("last_at", &last_at),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains("Nothing was saved: the segment&#39;s steps changed after this page was shown (it now has 2 steps"),
        "{}",
        res.body
    );
    assert_eq!(count(&app, "SELECT count(*) FROM saved_criteria"), 0);
    // From the page as it is now: saved, both steps.
    let res = c.post_with_token(
        &format!("{page}/save-criteria"),
        &res.csrf_token().unwrap(),
        &[
            ("code", "BOTH"),
            ("description", ""),
            ("last", &hidden_value(&res.body, "last").unwrap()),
            ("last_at", &hidden_value(&res.body, "last_at").unwrap()),
        ],
    );
    res.assert_redirect(&page);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM saved_criteria_steps WHERE code = 'BOTH'"
        ),
        2
    );

    // Logged, the page still offers Save Criteria (and no Reuse), and it saves.
    diesel_exec(
        &app,
        &format!("UPDATE segments SET interaction_template_code = 'MAIL' WHERE no = '{no}'"),
    );
    post(&mut c, &format!("{page}/log"), &[]).assert_redirect(&page);
    let logged = c.get(&page);
    assert!(logged.contains("Logged by stan"), "{}", logged.body);
    assert!(logged.contains(&format!("action=\"{page}/save-criteria\"")));
    assert!(!logged.contains(&format!("action=\"{page}/reuse-criteria\"")));
    let res = c.post_with_token(
        &format!("{page}/save-criteria"),
        &logged.csrf_token().unwrap(),
        &[
            ("code", "AFTER-LOG"),
            ("description", "Saved after logging"),
            ("last", &hidden_value(&logged.body, "last").unwrap()),
            ("last_at", &hidden_value(&logged.body, "last_at").unwrap()),
        ],
    );
    res.assert_redirect(&page);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM saved_criteria_steps WHERE code = 'AFTER-LOG'"
        ),
        2
    );
    // A viewer sees no form.
    let mut viewer = app.signed_in("vera", "viewer");
    assert!(!viewer.get(&page).contains("save-criteria"));
}

/// A line's form shown again (a conflict) with its own salesperson renamed since: the code
/// typed stays chosen, marked "not found", instead of no choice at all — which, sent again as
/// the browser sends it, cleared the line's own salesperson without a word.
#[test]
fn a_lines_own_salesperson_renamed_since_its_form_stays_chosen_when_shown_again() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Spring mailing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segment_lines l SET salesperson_code = 'PL' FROM segments s \
             WHERE s.id = l.segment_id AND s.no = '{no}'"
        ),
    );
    let line = text(
        &app,
        &format!(
            "SELECT l.id::text FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
             WHERE s.no = '{no}'"
        ),
    );
    let href = format!("/segments/{no}/lines/{line}");
    let form = c.get(&href);
    diesel_exec(
        &app,
        "UPDATE salespeople SET code = 'PLX' WHERE code = 'PL'",
    );
    let res = c.post_with_token(
        &href,
        &form.csrf_token().unwrap(),
        &[
            ("salesperson_code", "PL"),
            ("subject", "Typed"),
            ("shown", &hidden_value(&form.body, "shown").unwrap()),
            ("once", &hidden_value(&form.body, "once").unwrap()),
        ],
    );
    assert!(res.status == 409 || res.status == 422, "{}", res.status);
    assert!(
        res.contains("<option value=\"PL\" selected>PL (not found)</option>"),
        "{}",
        res.body
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT salesperson_code FROM segment_lines WHERE id = {line}")
        ),
        "PLX"
    );
}

/// A segment deleted while a colleague deletes a contact: each waits for the other's tables
/// in the same order, and both are done. The segment's deletion locked the interaction
/// entries before the segment lines, the contact's the other way round: one of them was ended
/// as a deadlock ("Rapport is busy").
#[test]
fn a_segment_and_a_contact_deleted_at_once_are_both_deleted() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Short-lived");
    // The contact's deletion, past its wait for the segment steps.
    let mut colleague = app.conn();
    colleague
        .batch_execute("BEGIN; LOCK TABLE segment_lines IN SHARE ROW EXCLUSIVE MODE")
        .unwrap();
    let deleting = std::thread::spawn(move || {
        let res = post(&mut c, &format!("/segments/{no}/delete"), &[]);
        (res.status, res.location(), res.body)
    });
    assert!(one_waits_for_a_lock(&app, || deleting.is_finished()));
    colleague
        .batch_execute("DELETE FROM contacts WHERE no = 'SOLO'; COMMIT")
        .unwrap();
    let (status, location, body) = deleting.join().unwrap();
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/segments")),
        "{body}"
    );
    assert_eq!(
        app.count(
            "SELECT (SELECT count(*) FROM segments) + (SELECT count(*) FROM contacts WHERE no = 'SOLO')"
        ),
        0
    );
}

/// A segment logged with a follow-up while a colleague deletes a contact: both are done. Log
/// wrote its entries and then waited for the segment lines (the follow-up's), while the
/// contact's deletion held the lines and waited for the entries: a deadlock, and the whole Log
/// was ended ("Rapport is busy").
#[test]
fn a_log_with_a_follow_up_and_a_contact_deleted_at_once_are_both_done() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Spring mailing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'MAIL', salesperson_code = 'PL' \
             WHERE no = '{no}'"
        ),
    );
    let mut colleague = app.conn();
    colleague
        .batch_execute("BEGIN; LOCK TABLE segment_lines IN SHARE ROW EXCLUSIVE MODE")
        .unwrap();
    let n = no.clone();
    let logging = std::thread::spawn(move || {
        let res = post(
            &mut c,
            &format!("/segments/{n}/log"),
            &[("follow_up", "on")],
        );
        (res.status, res.location(), res.body)
    });
    assert!(one_waits_for_a_lock(&app, || logging.is_finished()));
    colleague
        .batch_execute("DELETE FROM contacts WHERE no = 'SOLO'; COMMIT")
        .unwrap();
    let (status, location, body) = logging.join().unwrap();
    assert_eq!(
        (status, location),
        (303, Some(format!("/segments/{no}"))),
        "{body}"
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT (SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}') \
                 || '/' || (SELECT count(*) FROM segments WHERE description = 'Follow-up on segment {no}') \
                 || '/' || (SELECT count(*) FROM contacts WHERE no = 'SOLO')"
            )
        ),
        "2/1/0"
    );
}

/// Canceling and restoring a one-line segment without a campaign say it of one interaction.
#[test]
fn one_interaction_canceled_and_restored_is_said_in_the_singular() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "One call");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    diesel_exec(
        &app,
        &format!("UPDATE segments SET interaction_template_code = 'MAIL' WHERE no = '{no}'"),
    );
    let page = format!("/segments/{no}");
    post(&mut c, &format!("{page}/log"), &[]).assert_redirect(&page);
    post(&mut c, &format!("{page}/cancel"), &[]).assert_redirect(&page);
    assert!(
        c.get(&page).contains("1 interaction no longer counts."),
        "canceled"
    );
    post(&mut c, &format!("{page}/restore"), &[]).assert_redirect(&page);
    let restored = c.get(&page);
    assert!(
        restored.contains("1 interaction counts again."),
        "{}",
        restored.body
    );
}

/// A Cancel page opened, a colleague's Cancel and Restore meanwhile, then this Cancel sent (or
/// sent again by Back): refused, said, the colleague's Restore kept (it canceled the segment
/// again unseen). The same for a Restore.
#[test]
fn a_cancel_or_restore_sent_from_a_page_opened_before_a_colleagues_change_is_refused() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "to cancel");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!("UPDATE segments SET interaction_template_code = 'CALL' WHERE no = '{no}'"),
    );
    post(&mut c, &format!("{page}/log"), &[]).assert_redirect(&page);
    let status = |app: &TestApp| {
        text(
            app,
            &format!("SELECT status FROM segments WHERE no = '{no}'"),
        )
    };
    let confirm = c.get(&format!("{page}/cancel"));
    let version = hidden_value(&confirm.body, "version").expect("the page's version");
    let mut kim = staff(&app, "kim");
    kim.submit(&format!("{page}/cancel"), &format!("{page}/cancel"), &[])
        .assert_redirect(&page);
    kim.submit(&page, &format!("{page}/restore"), &[])
        .assert_redirect(&page);
    assert_eq!(status(&app), "logged");
    post(&mut c, &format!("{page}/cancel"), &[("version", &version)]).assert_redirect(&page);
    assert_eq!(status(&app), "logged", "the colleague's Restore is kept");
    assert!(
        c.get(&page).contains(&format!(
            "Segment {no} was canceled and restored after your page was opened: nothing \
             was canceled."
        )),
        "the refusal is said"
    );
    // As the page shows it now, it cancels.
    c.submit(&format!("{page}/cancel"), &format!("{page}/cancel"), &[])
        .assert_redirect(&page);
    assert_eq!(status(&app), "canceled");
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM interaction_log_entries WHERE segment_no = '{no}' AND NOT canceled")
        ),
        0
    );
}
