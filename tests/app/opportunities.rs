//! Sales opportunities: sales cycles and close codes set up through their pages, an
//! opportunity moved through every rule of its cycle (first, next, skip, previous, jump, a quote
//! stage, update in place), closed and reopened with their entries, Create Opportunities from a
//! segment (once, all or nothing), the pipeline figures against the database, and roles.

use crate::auth::{diesel_exec, unversioned};
use crate::segments::{new_segment, post, staff, step, text, world};
use crate::support::*;
use diesel::RunQueryDsl;

/// A cycle NEW with stages 1, 2 (quote required; may be skipped), 3, 4,
/// close codes, and an opportunity series; set up directly (the pages are tested below).
pub(crate) fn cycle(app: &TestApp, calculation: &str) {
    diesel_exec(
        app,
        &format!(
            "INSERT INTO sales_cycles (code, description, probability_calculation) VALUES
                 ('NEW', 'New business', '{calculation}'), ('OLD', 'Blocked one', 'add');
             UPDATE sales_cycles SET blocked = TRUE WHERE code = 'OLD';
             INSERT INTO sales_cycle_stages (sales_cycle_code, stage, description, completed_pct,
                 chances_pct, quote_required, allow_skip, date_formula) VALUES
                 ('NEW', 1, 'Initial contact', 10, 20, FALSE, FALSE, '+1W'),
                 ('NEW', 2, 'Needs analysis', 30, 40, TRUE, TRUE, ''),
                 ('NEW', 3, 'Proposal', 50, 50, FALSE, FALSE, '+1M'),
                 ('NEW', 4, 'Negotiation', 80, 75, FALSE, FALSE, '');
             INSERT INTO close_opportunity_codes (code, kind, description) VALUES
                 ('SIGNED', 'won', 'Contract signed'), ('PRICE', 'lost', 'Price too high');"
        ),
    );
}

/// The opportunity's probability and current value as text: `probability|current`.
fn probability_and_value(app: &TestApp, no: &str) -> String {
    text(
        app,
        &format!(
            "SELECT probability_pct || '|' || current_value FROM opportunities WHERE no = '{no}'"
        ),
    )
}

/// The opportunity as text: status|stage|value|chances|completed|probability|current|close.
fn opp(app: &TestApp, no: &str) -> String {
    text(
        app,
        &format!(
            "SELECT status || '|' || COALESCE(current_stage::text, '-') || '|' || estimated_value \
               || '|' || chances_pct || '|' || completed_pct || '|' || probability_pct || '|' \
               || current_value || '|' || COALESCE(close_code, '-') \
             FROM opportunities WHERE no = '{no}'"
        ),
    )
}

/// OP000001, SOLO's, in progress on stage 2 of NEW at 1,000, closing on `closing`.
fn on_stage_two(app: &TestApp, closing: &str) {
    diesel_exec(
        app,
        &format!(
            "INSERT INTO opportunities (no, contact_id, sales_cycle_code, status, current_stage,
                 estimated_value, chances_pct, completed_pct, probability_pct, current_value,
                 estimated_closing_date)
             VALUES ('OP000001', (SELECT id FROM contacts WHERE no = 'SOLO'), 'NEW',
                     'in_progress', 2, 1000, 40, 30, 12, 120, DATE '{closing}')"
        ),
    );
}

fn actions(app: &TestApp, no: &str) -> String {
    text(
        app,
        &format!(
            "SELECT string_agg(e.action, ',' ORDER BY e.id) FROM opportunity_entries e \
             JOIN opportunities o ON o.id = e.opportunity_id WHERE o.no = '{no}'"
        ),
    )
}

fn create_one(c: &mut Client, contact: &str, value: &str) -> String {
    let res = c.submit(
        "/opportunities/new",
        "/opportunities",
        &[
            ("description", "Office chairs"),
            ("contact_no", contact),
            ("sales_cycle_code", "NEW"),
            ("salesperson_code", "JO"),
            ("campaign_no", "CP0001"),
            ("priority", "high"),
            ("estimated_value", value),
            ("estimated_closing_date", ""),
        ],
    );
    assert_eq!(res.status, 303, "create refused:\n{}", res.body);
    res.location()
        .unwrap()
        .trim_start_matches("/opportunities/")
        .to_string()
}

pub(crate) fn update(c: &mut Client, app: &TestApp, no: &str, fields: &[(&str, &str)]) -> Resp {
    let version = text(
        app,
        &format!("SELECT version FROM opportunities WHERE no = '{no}'"),
    );
    let mut all = vec![("version", version.as_str())];
    all.extend_from_slice(fields);
    post(c, &format!("/opportunities/{no}/update"), &all)
}

/// The new opportunity's form sent twice (a double click, Back and send again) creates one
/// opportunity and takes one number: the second sending goes to the first one's card and
/// says so. A new form is a new opportunity.
#[test]
fn the_same_new_opportunity_form_sent_twice_creates_one() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let form = c.get("/opportunities/new?contact=ANNA");
    form.assert_status(200);
    let once = hidden_value(&form.body, "once").expect("the form's one-time key");
    assert_eq!(once.len(), 32);
    let fields = [
        ("description", "Office chairs"),
        ("contact_no", "ANNA"),
        ("sales_cycle_code", "NEW"),
        ("salesperson_code", "JO"),
        ("priority", "normal"),
        ("estimated_value", "1000"),
        ("estimated_closing_date", ""),
        ("once", once.as_str()),
    ];
    let token = form.csrf_token().unwrap();
    let first = c.post_with_token("/opportunities", &token, &fields);
    assert_eq!(first.status, 303, "{}", first.body);
    let second = c.post_with_token("/opportunities", &token, &fields);
    assert_eq!(second.location(), first.location());
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 1);
    assert_eq!(app.count("SELECT count(*) FROM opportunity_entries"), 1);
    let card = c.get(&first.location().unwrap());
    assert!(
        card.contains("was created from this form already: nothing was created again."),
        "{}",
        card.body
    );
    // Another form: another opportunity, the next number.
    let no = create_one(&mut c, "ANNA", "500");
    assert_eq!(no, "OP000002");
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 2);
}

/// An opportunity's campaign runs on the day it is created, as Business Central checks: an
/// opportunity given a campaign that ended long ago was accepted, and the pipeline's "by
/// campaign" credited new deals to it. A campaign an opportunity has already may stay.
#[test]
fn an_opportunitys_campaign_runs_on_the_day_it_is_created() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    diesel_exec(
        &app,
        "UPDATE campaigns SET starting_date = current_date - 60, ending_date = current_date - 10 \
         WHERE no = 'CP0001'",
    );
    let res = c.submit(
        "/opportunities/new",
        "/opportunities",
        &[
            ("description", "Office chairs"),
            ("contact_no", "ANNA"),
            ("sales_cycle_code", "NEW"),
            ("salesperson_code", "JO"),
            ("campaign_no", "CP0001"),
            ("priority", "high"),
            ("estimated_value", "1000"),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains("Campaign CP0001 ended on ")
            && res.contains(": an opportunity created on ")
            && res.contains("value=\"Office chairs\""),
        "{}",
        res.body
    );
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 0);
    // Made while it ran, it keeps it through an edit after it ended.
    diesel_exec(
        &app,
        "UPDATE campaigns SET ending_date = NULL WHERE no = 'CP0001'",
    );
    let no = create_one(&mut c, "ANNA", "1000");
    diesel_exec(
        &app,
        "UPDATE campaigns SET ending_date = current_date - 10 WHERE no = 'CP0001';
         INSERT INTO campaigns (no, description, starting_date) VALUES ('CP0009', 'Next year', current_date + 300);",
    );
    let form = c.get(&format!("/opportunities/{no}/edit"));
    let version = hidden_value(&form.body, "version").unwrap();
    let token = form.csrf_token().unwrap();
    let send = |c: &mut Client, campaign: &str| {
        c.post_with_token(
            &format!("/opportunities/{no}/edit"),
            &token,
            &[
                ("contact_no", "ANNA"),
                ("version", &version),
                ("description", "Office chairs, 40"),
                ("salesperson_code", "JO"),
                ("campaign_no", campaign),
                ("priority", "high"),
                ("sales_cycle_code", "NEW"),
            ],
        )
    };
    let res = send(&mut c, "CP0009");
    res.assert_status(422);
    assert!(res.contains("Campaign CP0009 starts on "), "{}", res.body);
    send(&mut c, "CP0001").assert_redirect(&format!("/opportunities/{no}"));
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT description || '|' || campaign_no FROM opportunities WHERE no = '{no}'"
            )
        ),
        "Office chairs, 40|CP0001"
    );
}

/// An opportunity's details are corrected on its Edit page, as on Business Central's card:
/// description, salesperson, campaign and priority, and the sales cycle while it is Not
/// Started; checked all at once (422, with what was typed), refused over a colleague's change
/// (409, with what was typed), recorded in the audit trail, no entry in its history; a closed
/// one is not edited. Before, nothing could be corrected after creation.
#[test]
fn an_opportunitys_details_are_corrected_on_its_edit_page() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    diesel_exec(
        &app,
        "INSERT INTO sales_cycles (code, description, probability_calculation) VALUES
             ('BIG', 'Big deals', 'add');",
    );
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "ANNA", "1000");
    let card = c.get(&format!("/opportunities/{no}"));
    assert!(card.contains(&format!("href=\"/opportunities/{no}/edit\"")));
    let form = c.get(&format!("/opportunities/{no}/edit"));
    form.assert_status(200);
    let version = hidden_value(&form.body, "version").unwrap();
    let token = form.csrf_token().unwrap();
    // The form as a browser sends it: with its contact, unchanged here.
    let send = |c: &mut Client, fields: &[(&str, &str)]| {
        let mut all = vec![("contact_no", "ANNA")];
        all.extend_from_slice(fields);
        c.post_with_token(&format!("/opportunities/{no}/edit"), &token, &all)
    };
    let row = |app: &TestApp| {
        text(
            app,
            &format!(
                "SELECT concat_ws('|', description, coalesce(salesperson_code, '-'), \
                   coalesce(campaign_no, '-'), priority, sales_cycle_code) \
                 FROM opportunities WHERE no = '{no}'"
            ),
        )
    };
    let before = row(&app);
    assert_eq!(before, "Office chairs|JO|CP0001|high|NEW");
    // Every field checked at once, what was typed kept, nothing written.
    let res = send(
        &mut c,
        &[
            ("version", &version),
            ("description", ""),
            ("salesperson_code", "NOPE"),
            ("campaign_no", "CP9999"),
            ("priority", "urgent"),
            ("sales_cycle_code", "OLD"),
        ],
    );
    res.assert_status(422);
    for wanted in [
        "Enter a description",
        "There is no salesperson NOPE.",
        "There is no campaign CP9999.",
        "Choose Low, Normal or High.",
        "Sales cycle OLD is blocked",
    ] {
        assert!(res.contains(wanted), "missing {wanted}: {}", res.body);
    }
    assert!(res.contains("value=\"CP9999\""));
    assert_eq!(row(&app), before);
    // A salesperson follows it: none is refused, as on a new one.
    let res = send(
        &mut c,
        &[
            ("version", &version),
            ("description", "Office chairs"),
            ("salesperson_code", ""),
            ("priority", "high"),
            ("sales_cycle_code", "NEW"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Choose the salesperson who follows the opportunity."));
    assert_eq!(row(&app), before);
    // Saved: said field by field, audited, no entry in its history.
    let res = send(
        &mut c,
        &[
            ("version", &version),
            ("description", "Office chairs, 40 desks"),
            ("salesperson_code", "PL"),
            ("campaign_no", ""),
            ("priority", "low"),
            ("sales_cycle_code", "BIG"),
        ],
    );
    res.assert_redirect(&format!("/opportunities/{no}"));
    assert_eq!(row(&app), "Office chairs, 40 desks|PL|-|low|BIG");
    let card = c.get(&format!("/opportunities/{no}"));
    assert!(
        card.contains("Salesperson JO → PL; Campaign CP0001 → (none); Priority High → Low"),
        "{}",
        card.body
    );
    assert_eq!(actions(&app, &no), "created");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'opportunity changed' AND subject = '{no}'"
        )),
        1
    );
    // The same form again: a colleague's change came first (409), what was typed is kept under
    // the version as it is now, and sent again it is saved.
    let res = send(
        &mut c,
        &[
            ("version", &version),
            ("description", "Desks"),
            ("salesperson_code", "JO"),
            ("priority", "normal"),
            ("sales_cycle_code", "BIG"),
        ],
    );
    res.assert_status(409);
    assert!(res.contains("value=\"Desks\""), "{}", res.body);
    // Beside it, the fields where the saved one differs from the form, and only those.
    assert!(res.contains("Someone else saved this opportunity after you opened it"));
    assert!(
        res.contains("<tr><td>Salesperson</td><td>PL</td><td>JO</td></tr>"),
        "{}",
        res.body
    );
    assert!(res.contains("<tr><td>Priority</td><td>Low</td><td>Normal</td></tr>"));
    assert!(!res.contains("<tr><td>Sales cycle</td>"));
    let now = hidden_value(&res.body, "version").unwrap();
    assert_ne!(now, version);
    assert_eq!(row(&app), "Office chairs, 40 desks|PL|-|low|BIG");
    send(
        &mut c,
        &[
            ("version", &now),
            ("description", "Desks"),
            ("salesperson_code", "JO"),
            ("priority", "normal"),
            ("sales_cycle_code", "BIG"),
        ],
    )
    .assert_redirect(&format!("/opportunities/{no}"));
    assert_eq!(row(&app), "Desks|JO|-|normal|BIG");
    // A stale form that says what is saved already: nothing to choose, and said (once the
    // save's own message was shown; waiting, that one would stay).
    c.get(&format!("/opportunities/{no}"));
    send(
        &mut c,
        &[
            ("version", &version),
            ("description", "Desks"),
            ("salesperson_code", "JO"),
            ("priority", "normal"),
            ("sales_cycle_code", "BIG"),
        ],
    )
    .assert_redirect(&format!("/opportunities/{no}"));
    assert!(c
        .get(&format!("/opportunities/{no}"))
        .contains("already as your form says"));
    // On a stage, its cycle stays whatever the form says.
    diesel_exec(
        &app,
        &format!(
            "UPDATE opportunities SET status = 'in_progress', current_stage = 1 WHERE no = '{no}'"
        ),
    );
    let form = c.get(&format!("/opportunities/{no}/edit"));
    assert!(!form.contains("id=\"sales_cycle_code\""));
    let version = hidden_value(&form.body, "version").unwrap();
    send(
        &mut c,
        &[
            ("version", &version),
            ("description", "Desks"),
            ("salesperson_code", "JO"),
            ("priority", "high"),
            ("sales_cycle_code", "NEW"),
        ],
    )
    .assert_redirect(&format!("/opportunities/{no}"));
    assert_eq!(row(&app), "Desks|JO|-|high|BIG");
    // Closed, it is a record: the form leads to the card, a save is refused and said.
    diesel_exec(
        &app,
        &format!("UPDATE opportunities SET status = 'lost', date_closed = CURRENT_DATE, close_code = 'PRICE' WHERE no = '{no}'"),
    );
    c.get(&format!("/opportunities/{no}/edit"))
        .assert_redirect(&format!("/opportunities/{no}"));
    let version = text(
        &app,
        &format!("SELECT version FROM opportunities WHERE no = '{no}'"),
    );
    // What was typed is kept, beside why nothing was saved (it was lost on the way to the
    // card).
    let res = send(
        &mut c,
        &[
            ("version", &version),
            ("description", "Other"),
            ("priority", "low"),
        ],
    );
    res.assert_status(409);
    assert!(res.contains("value=\"Other\""), "{}", res.body);
    assert!(
        res.contains(&format!(
            "Opportunity {no} was closed (Lost) after this page was opened: nothing was saved."
        )),
        "{}",
        res.body
    );
    assert_eq!(row(&app), "Desks|JO|-|high|BIG");
    // A viewer reads the card without the link and cannot open or send the form.
    let mut viewer = app.signed_in("vera", "viewer");
    assert!(!viewer
        .get(&format!("/opportunities/{no}"))
        .contains(&format!("/opportunities/{no}/edit")));
    viewer
        .get(&format!("/opportunities/{no}/edit"))
        .assert_status(403);
}

#[test]
fn an_opportunity_moves_through_every_rule_of_its_cycle_and_is_closed_and_reopened() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");

    // The form checks everything at once; a blocked cycle is refused.
    let res = c.submit(
        "/opportunities/new",
        "/opportunities",
        &[
            ("description", ""),
            ("contact_no", "NOPE"),
            ("sales_cycle_code", "OLD"),
            ("estimated_value", "-5"),
            ("estimated_closing_date", "31/12/2026"),
        ],
    );
    res.assert_status(422);
    for wanted in [
        "Enter a description",
        "There is no contact NOPE.",
        "Choose the salesperson who follows the opportunity.",
        "Sales cycle OLD is blocked",
        "Enter an amount of 0 or more",
        "Enter a date as YYYY-MM-DD",
    ] {
        assert!(res.contains(wanted), "missing {wanted:?}");
    }
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 0);

    let no = create_one(&mut c, "ANNA", "1000");
    assert_eq!(no, "OP000001");
    assert_eq!(
        opp(&app, &no),
        "not_started|-|1000.00|0.00|0.00|0.00|0.00|-"
    );
    assert_eq!(
        text(
            &app,
            "SELECT co.no FROM opportunities o JOIN contacts co ON co.id = o.company_id"
        ),
        "ALPHA",
        "a person's opportunity carries its company"
    );
    let card = c.get(&format!("/opportunities/{no}"));
    card.assert_status(200);
    // Not started: only First is offered, and the form starts on it.
    assert!(card.contains("value=\"first\" checked"));
    for absent in ["value=\"next\"", "value=\"skip\"", "value=\"update\""] {
        assert!(!card.contains(absent), "{absent} offered before the start");
    }
    let res = update(
        &mut c,
        &app,
        &no,
        &[("action", "next"), ("estimated_value", "1000")],
    );
    res.assert_status(422);
    assert!(res.contains("has not started"));

    // First stage: chances and completed from the stage, probability 20 × 10 / 100 = 2.
    let res = update(
        &mut c,
        &app,
        &no,
        &[("action", "first"), ("estimated_value", "1000")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        opp(&app, &no),
        "in_progress|1|1000.00|20.00|10.00|2.00|20.00|-"
    );
    assert_eq!(
        text(
            &app,
            "SELECT estimated_closing_date - CURRENT_DATE FROM opportunities"
        ),
        "7",
        "the stage's +1W"
    );

    // Stage 2 requires a quote: Next into it without one is refused, with the reason next to
    // it (as Business Central checks the stage moved to).
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "next"),
            ("estimated_value", "1000"),
            ("quote_reference", ""),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Stage 2 requires a quote: enter its reference to move to it."));
    assert_eq!(
        opp(&app, &no),
        "in_progress|1|1000.00|20.00|10.00|2.00|20.00|-"
    );

    // Skip from 1 over 2 (which allows it) and 3 (which does not) to 4: refused.
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "skip"),
            ("stage", "4"),
            ("estimated_value", "1000"),
            ("quote_reference", "Q-1"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Stage 4 cannot be reached that way."));

    // With a quote: Next to 2, own chances 45.
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "next"),
            ("estimated_value", "2000"),
            ("chances_pct", "45"),
            ("quote_reference", "Q-1"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        opp(&app, &no),
        "in_progress|2|2000.00|45.00|30.00|13.50|270.00|-"
    );
    // Updated in place, the stage keeps its quote: the reference may change, not go.
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "update"),
            ("estimated_value", "2000"),
            ("chances_pct", "45"),
            ("quote_reference", " "),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains(
            "Stage 2 requires a quote: change its reference if need be, but do not empty it."
        ),
        "{}",
        res.body
    );
    assert_eq!(
        text(&app, "SELECT quote_reference FROM opportunities"),
        "Q-1"
    );
    // From 2 nothing can be skipped (stage 3 does not allow it): Skip is not offered. The form
    // starts on Next.
    let card = c.get(&format!("/opportunities/{no}"));
    assert!(card.contains("value=\"next\" checked") && !card.contains("value=\"skip\""));

    // Next to 3, Next to 4: the stages' own chances.
    for stage in ["3", "4"] {
        let res = update(
            &mut c,
            &app,
            &no,
            &[
                ("action", "next"),
                ("estimated_value", "2000"),
                ("quote_reference", "Q-1"),
            ],
        );
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(opp(&app, &no).split('|').nth(1), Some(stage));
    }
    assert_eq!(
        opp(&app, &no),
        "in_progress|4|2000.00|75.00|80.00|60.00|1200.00|-"
    );
    // At the last stage the form starts on updating in place, never on going back.
    let card = c.get(&format!("/opportunities/{no}"));
    assert!(card.contains("value=\"update\" checked"), "{}", card.body);
    assert!(!card.contains("value=\"previous\" checked"));

    // Previous to 3, then Jump back to 1 (Jump offers only stages before the previous).
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "previous"),
            ("estimated_value", "2000"),
            ("quote_reference", "Q-1"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(opp(&app, &no).split('|').nth(1), Some("3"));
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "jump"),
            ("stage", "2"),
            ("estimated_value", "2000"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Stage 2 cannot be reached that way."));
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "jump"),
            ("stage", "1"),
            ("estimated_value", "2000"),
            ("quote_reference", "Q-1"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(opp(&app, &no).split('|').nth(1), Some("1"));

    // Skip from 1 over 2 (which allows it) to 3.
    let card = c.get(&format!("/opportunities/{no}"));
    assert!(card.contains("value=\"skip\""));
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "skip"),
            ("stage", "3"),
            ("estimated_value", "2000"),
            ("quote_reference", "Q-1"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        opp(&app, &no),
        "in_progress|3|2000.00|50.00|50.00|25.00|500.00|-"
    );

    // Update in place keeps the stage and the chances, changes the value.
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "update"),
            ("estimated_value", "3000"),
            ("quote_reference", "Q-1"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        opp(&app, &no),
        "in_progress|3|3000.00|50.00|50.00|25.00|750.00|-"
    );

    // A stale form (opened before the last change) is refused with 409, nothing changed.
    let res = post(
        &mut c,
        &format!("/opportunities/{no}/update"),
        &[
            ("version", "1"),
            ("action", "next"),
            ("estimated_value", "9"),
            ("quote_reference", "Q-1"),
        ],
    );
    res.assert_status(409);
    // Its message is focused, as every refused form's (the keyboard started at the top).
    summary_links_resolve(&res.body);
    assert_eq!(
        opp(&app, &no),
        "in_progress|3|3000.00|50.00|50.00|25.00|750.00|-"
    );
    // What was typed is still in the form, under the version as it is now.
    let now = text(&app, "SELECT version FROM opportunities");
    assert!(
        res.contains("name=\"quote_reference\" type=\"text\" value=\"Q-1\""),
        "{}",
        res.body
    );
    assert!(res.contains("value=\"9\""), "{}", res.body);
    assert_eq!(hidden_value(&res.body, "version").unwrap(), now);
    let res = post(
        &mut c,
        &format!("/opportunities/{no}/close"),
        &[
            ("version", "1"),
            ("outcome", "lost"),
            ("close_code", "PRICE"),
            ("final_value", "777"),
        ],
    );
    res.assert_status(409);
    assert!(res.contains("value=\"777\""), "{}", res.body);
    assert!(res.contains("Nothing was saved."));

    let closing_before = text(
        &app,
        "SELECT coalesce(estimated_closing_date::text, '-') FROM opportunities",
    );
    // Close: a Lost code for a Won outcome is refused; then won with the final value.
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let version = text(&app, "SELECT version FROM opportunities");
    let res = post(
        &mut c,
        &format!("/opportunities/{no}/close"),
        &[
            ("version", &version),
            ("outcome", "won"),
            ("close_code", "PRICE"),
            ("date_closed", &today),
            ("final_value", "2500"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("PRICE is a Lost code: choose a Won code."));
    summary_links_resolve(&res.body);
    // A won deal's final value that is no amount: the message asks for more than 0, as the
    // one for 0 does.
    for typed in ["-1", "abc"] {
        let res = post(
            &mut c,
            &format!("/opportunities/{no}/close"),
            &[
                ("version", &version),
                ("outcome", "won"),
                ("close_code", "SIGNED"),
                ("date_closed", &today),
                ("final_value", typed),
            ],
        );
        res.assert_status(422);
        assert!(
            res.contains("Enter what was sold, more than 0 and below"),
            "{typed}: {}",
            res.body
        );
        assert!(!res.contains("0 or more"), "{typed}: {}", res.body);
    }
    // No outcome chosen: its summary entry leads to the Outcome group, which names the error.
    let res = post(
        &mut c,
        &format!("/opportunities/{no}/close"),
        &[("version", &version), ("close_code", "SIGNED")],
    );
    res.assert_status(422);
    assert!(res.contains("<a href=\"#outcome\">"), "{}", res.body);
    assert!(
        res.contains("aria-describedby=\"outcome-error\""),
        "{}",
        res.body
    );
    summary_links_resolve(&res.body);
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
    // Complete, on the day it closed (as Business Central sets Completed % and the
    // estimated closing date).
    assert_eq!(
        opp(&app, &no),
        "won|3|2500.00|100.00|100.00|100.00|2500.00|SIGNED"
    );
    assert_eq!(
        text(
            &app,
            "SELECT date_closed || ' ' || estimated_closing_date FROM opportunities"
        ),
        format!("{today} {today}")
    );

    // A closed opportunity refuses every update; Reopen brings back the stage's values and
    // the estimate and closing date it had (not the final value and the day it closed).
    let res = update(
        &mut c,
        &app,
        &no,
        &[("action", "update"), ("estimated_value", "1")],
    );
    res.assert_status(422);
    assert!(res.contains("reopen it before changing it"));
    let card = c.get(&format!("/opportunities/{no}"));
    assert!(card.contains("Reopen opportunity"));
    assert!(!card.contains("value=\"update\""));
    // An update typed on a card shown before it closed: no form holds it now, so what was
    // typed is listed with the conflict (it said "still in its form", and was not).
    let res = post(
        &mut c,
        &format!("/opportunities/{no}/update"),
        &[
            ("version", "1"),
            ("action", "next"),
            ("estimated_value", "77.777"),
            ("quote_reference", "QUOTE-TYPED"),
        ],
    );
    res.assert_status(409);
    assert!(
        res.contains("It has been closed since (Won)")
            && !res.contains("still in its form")
            && res.contains("<dt>Move</dt><dd>Go to the next stage</dd>")
            && res.contains("<dt>Estimated value</dt><dd>77.777</dd>")
            && res.contains("<dt>Quote reference</dt><dd>QUOTE-TYPED</dd>"),
        "{}",
        res.body
    );
    let version = text(&app, "SELECT version FROM opportunities");
    let res = post(
        &mut c,
        &format!("/opportunities/{no}/reopen"),
        &[("version", &version)],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        opp(&app, &no),
        "in_progress|3|3000.00|50.00|50.00|25.00|750.00|-"
    );
    assert_eq!(
        text(&app, "SELECT date_closed IS NULL FROM opportunities"),
        "true"
    );
    assert_eq!(
        text(
            &app,
            "SELECT coalesce(estimated_closing_date::text, '-') FROM opportunities"
        ),
        closing_before
    );
    assert_ne!(closing_before, today);

    // Every change is an entry, in order.
    assert_eq!(
        actions(&app, &no),
        "created,first,next,next,next,previous,jump,skip,update,won,reopen"
    );
    // Entries are records: the database refuses to change or delete one.
    let mut conn = app.conn();
    for sql in [
        "UPDATE opportunity_entries SET estimated_value = 1",
        "DELETE FROM opportunity_entries",
    ] {
        let err = diesel::sql_query(sql).execute(&mut conn).unwrap_err();
        assert!(err.to_string().contains("is a record"), "{sql}: {err}");
    }
    // Audit trail.
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'opportunity %'"),
        11
    );
}

#[test]
fn each_probability_calculation_rounds_to_two_decimals_in_the_database() {
    // The current value takes the probability as calculated, not as rounded (as Business
    // Central): 12.35 % × 30 % = 3.705 %, shown 3.71 %; of 2,000.00, 74.10 (not 74.20).
    for (calculation, chances, expected) in [
        ("multiply", "45", "13.50|270.00"),
        ("add", "45", "37.50|750.00"),
        ("chances", "45", "45.00|900.00"),
        ("completed", "45", "30.00|600.00"),
        ("multiply", "12.35", "3.71|74.10"),
    ] {
        let app = TestApp::start();
        world(&app);
        cycle(&app, calculation);
        let mut c = staff(&app, "stan");
        let no = create_one(&mut c, "SOLO", "2000");
        let res = update(
            &mut c,
            &app,
            &no,
            &[("action", "first"), ("estimated_value", "2000")],
        );
        assert_eq!(res.status, 303);
        // Stage 2: completed 30, chances typed 45.
        diesel_exec(&app, "UPDATE opportunities SET quote_reference = 'Q'");
        let res = update(
            &mut c,
            &app,
            &no,
            &[
                ("action", "next"),
                ("estimated_value", "2000"),
                ("chances_pct", chances),
                ("quote_reference", "Q"),
            ],
        );
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(
            text(
                &app,
                "SELECT probability_pct || '|' || current_value FROM opportunities"
            ),
            expected,
            "{calculation}"
        );
    }
}

/// An administrator's change of a cycle's probability calculation figures its open
/// opportunities again by it, in the same transaction: the card's probability agrees with the
/// formula it explains. Before, they kept the old method's figures until their next move.
#[test]
fn a_cycles_new_probability_calculation_figures_its_open_opportunities_again() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "SOLO", "1000");
    update(
        &mut c,
        &app,
        &no,
        &[("action", "first"), ("estimated_value", "1000")],
    )
    .assert_status(303);
    let figures = |app: &TestApp| probability_and_value(app, &no);
    // Stage 1: chances 20 %, completed 10 %: 20 × 10 ÷ 100.
    assert_eq!(figures(&app), "2.00|20.00");
    let mut admin = app.signed_in("boss", "admin");
    let res = admin.submit(
        "/setup/sales-cycles/NEW",
        "/setup/sales-cycles/NEW",
        &[
            ("description", "New business"),
            ("probability_calculation", "add"),
        ],
    );
    res.assert_redirect("/setup/sales-cycles/NEW");
    // (20 + 10) ÷ 2.
    assert_eq!(figures(&app), "15.00|150.00");
    assert!(admin.get("/setup/sales-cycles/NEW").contains(
        "The probability and current value of 1 open opportunity are figured by Add now."
    ));
    let card = c.get(&format!("/opportunities/{no}"));
    assert!(card.contains("(chances of success % + completed %) ÷ 2"));
    // The history ends at the figures the card shows: the change is an entry of its own, by
    // the administrator, and a card shown before is out of date.
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT e.action || '|' || e.probability_pct || '|' || e.current_value || '|' || \
                        e.user_name || '|' || o.version \
                 FROM opportunity_entries e JOIN opportunities o ON o.id = e.opportunity_id \
                 WHERE o.no = '{no}' ORDER BY e.id DESC LIMIT 1"
            )
        ),
        "refigured|15.00|150.00|boss Display|3"
    );
    assert!(card.contains("Figured again (the cycle&#39;s calculation changed)"));
}

/// The calculation changed while a colleague's change held the opportunity (an edit, a close
/// refused, a delete not confirmed): the opportunity is figured again once that change ends.
/// It used to be passed over, and kept the old calculation's figures for good.
#[test]
fn a_new_probability_calculation_waits_for_an_opportunity_being_changed() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "SOLO", "1000");
    update(
        &mut c,
        &app,
        &no,
        &[("action", "first"), ("estimated_value", "1000")],
    )
    .assert_status(303);
    let mut colleague = app.conn();
    colleague
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM opportunities WHERE no = '{no}' FOR UPDATE;"
        ))
        .unwrap();
    let admin = app.signed_in("boss", "admin");
    let changing = std::thread::spawn(move || {
        let mut admin = admin;
        admin
            .submit(
                "/setup/sales-cycles/NEW",
                "/setup/sales-cycles/NEW",
                &[
                    ("description", "New business"),
                    ("probability_calculation", "add"),
                ],
            )
            .status
    });
    assert!(one_waits_for_a_lock(&app, || changing.is_finished()));
    colleague.batch_execute("COMMIT").unwrap();
    assert_eq!(changing.join().unwrap(), 303);
    assert_eq!(
        probability_and_value(&app, &no),
        "15.00|150.00",
        "(20 + 10) ÷ 2, as the card explains it"
    );
    // A move of the card after the change takes the new calculation too.
    update(
        &mut c,
        &app,
        &no,
        &[("action", "update"), ("estimated_value", "2000")],
    )
    .assert_status(303);
    assert_eq!(probability_and_value(&app, &no), "15.00|300.00");
}

/// A person without a company who joins one brings their opportunities to it, as Business
/// Central fills an opportunity's blank Contact Company No.: the company's card and the list
/// filtered by the company show them. They stayed without a company.
#[test]
fn a_person_who_joins_a_company_brings_their_opportunities_to_it() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "SOLO", "1000");
    let company = |app: &TestApp| {
        text(
            app,
            &format!(
                "SELECT COALESCE(co.no, '-') FROM opportunities o                  LEFT JOIN contacts co ON co.id = o.company_id WHERE o.no = '{no}'"
            ),
        )
    };
    assert_eq!(company(&app), "-");
    let edit = c.get("/contacts/SOLO/edit");
    let version = hidden_value(&edit.body, "version").unwrap();
    c.post_with_token(
        "/contacts/SOLO",
        &edit.csrf_token().unwrap(),
        &[
            ("type", "person"),
            ("name", "Solo Person"),
            ("company_no", "ALPHA"),
            ("version", &version),
        ],
    )
    .assert_redirect("/contacts/SOLO");
    assert_eq!(company(&app), "ALPHA");
    assert!(c
        .get("/contacts/ALPHA")
        .contains(&format!("href=\"/opportunities/{no}\"")));
    assert!(c
        .get("/opportunities?company=ALPHA")
        .contains(&format!("href=\"/opportunities/{no}\"")));
    // Moved on to another company, the person leaves the opportunity with the first one.
    let edit = c.get("/contacts/SOLO/edit");
    let version = hidden_value(&edit.body, "version").unwrap();
    let res = c.post_with_token(
        "/contacts/SOLO",
        &edit.csrf_token().unwrap(),
        &[
            ("type", "person"),
            ("name", "Solo Person"),
            ("company_no", "BETA"),
            ("version", &version),
        ],
    );
    res.assert_redirect("/contacts/SOLO");
    assert_eq!(company(&app), "ALPHA");
    // Its details changed afterwards, the contact left as it is: it stays with that company.
    // Every save took the contact's company anew, and the opportunity moved to BETA unsaid.
    let edit = c.get(&format!("/opportunities/{no}/edit"));
    let field = |name: &str| {
        text(
            &app,
            &format!("SELECT coalesce({name}, '') FROM opportunities WHERE no = '{no}'"),
        )
    };
    let (description, salesperson, campaign, cycle) = (
        field("description"),
        field("salesperson_code"),
        field("campaign_no"),
        field("sales_cycle_code"),
    );
    c.post_with_token(
        &format!("/opportunities/{no}/edit"),
        &edit.csrf_token().unwrap(),
        &[
            ("version", &hidden_value(&edit.body, "version").unwrap()),
            ("contact_no", "SOLO"),
            ("description", &description),
            ("salesperson_code", &salesperson),
            ("campaign_no", &campaign),
            ("priority", "low"),
            ("sales_cycle_code", &cycle),
        ],
    )
    .assert_redirect(&format!("/opportunities/{no}"));
    assert_eq!(field("priority"), "low");
    assert_eq!(company(&app), "ALPHA");
}

/// A delete confirmed on a page opened before a colleague changed the opportunity (its contact,
/// its description) deletes nothing and shows it as it is now; confirmed again from there, it
/// goes. It went at once, the colleague's change with it, unseen.
#[test]
fn a_delete_confirmed_over_a_colleagues_change_shows_it_first() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "ANNA", "1000");
    let confirm = c.get(&format!("/opportunities/{no}/delete"));
    let token = confirm.csrf_token().unwrap();
    let version = hidden_value(&confirm.body, "version").expect("the page sends its version");
    // A colleague gives it to another contact meanwhile.
    let mut b = staff(&app, "bea");
    let form = b.get(&format!("/opportunities/{no}/edit"));
    b.post_with_token(
        &format!("/opportunities/{no}/edit"),
        &form.csrf_token().unwrap(),
        &[
            ("version", &hidden_value(&form.body, "version").unwrap()),
            ("contact_no", "DORA"),
            ("description", "Desks for Dora"),
            ("salesperson_code", "JO"),
            ("campaign_no", "CP0001"),
            ("priority", "high"),
            ("sales_cycle_code", "NEW"),
            ("estimated_value", "1000"),
        ],
    )
    .assert_redirect(&format!("/opportunities/{no}"));
    let res = c.post_with_token(
        &format!("/opportunities/{no}/delete"),
        &token,
        &[("version", &version)],
    );
    res.assert_redirect(&format!("/opportunities/{no}/delete"));
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 1);
    let again = c.get(&format!("/opportunities/{no}/delete"));
    assert!(again.contains("was changed after this page was opened: nothing was deleted"));
    assert!(again.contains("Desks for Dora"), "{}", again.body);
    c.post_with_token(
        &format!("/opportunities/{no}/delete"),
        &again.csrf_token().unwrap(),
        &[("version", &hidden_value(&again.body, "version").unwrap())],
    )
    .assert_redirect("/opportunities");
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 0);
}

/// A segment "Fair leads" of `contacts`, in the world with the NEW cycle, and its staff user.
fn fair_leads(contacts: &str) -> (TestApp, Client, String) {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "Fair leads");
    step(&mut c, &seg, "add", &[("contact_no", contacts)]);
    (app, c, seg)
}

/// Create Opportunities sent from its `page` as shown, with sales cycle `cycle`.
fn send_create(c: &mut Client, seg: &str, page: &Resp, cycle: &str) -> Resp {
    c.post_with_token(
        &format!("/segments/{seg}/create-opportunities"),
        &page.csrf_token().unwrap(),
        &[
            ("sales_cycle_code", cycle),
            ("description", "Fair leads"),
            ("shown", &hidden_value(&page.body, "shown").unwrap()),
        ],
    )
}

/// A contact privacy blocked after it was added to a segment gets no opportunity from Create
/// Opportunities, counted as skipped; nor a single one. One was made for it, unsaid, while Log,
/// exports and mailing groups passed it over.
#[test]
fn a_privacy_blocked_contact_gets_no_opportunity() {
    let (app, mut c, seg) = fair_leads("DORA|ANNA");
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = TRUE WHERE no = 'DORA'",
    );
    let path = format!("/segments/{seg}/create-opportunities");
    let page = c.get(&path);
    assert!(
        page.contains("data-figure=\"create\">1<")
            && page.contains("data-figure=\"privacy-blocked\">1<")
            && page.contains("skipped: the contact is privacy blocked")
            && !page.contains("Dora Beta"),
        "{}",
        page.body
    );
    let res = send_create(&mut c, &seg, &page, "NEW");
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(c.no, ',') FROM opportunities o JOIN contacts c ON c.id = o.contact_id"
        ),
        "ANNA"
    );
    // Nothing left but the blocked one: said as such.
    let page = c.get(&path);
    assert!(
        page.contains("Nothing to create: every line is skipped, as counted above."),
        "{}",
        page.body
    );
    // A single opportunity for it is refused by its field.
    let res = c.submit(
        "/opportunities/new",
        "/opportunities",
        &[
            ("description", "Office chairs"),
            ("contact_no", "DORA"),
            ("sales_cycle_code", "NEW"),
            ("salesperson_code", "JO"),
            ("priority", "high"),
            ("estimated_value", "1000"),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains("Contact DORA is privacy blocked: no opportunity is made for it."),
        "{}",
        res.body
    );
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 1);
}

/// Create Opportunities offers no sales cycle chosen when there are several, as a single
/// opportunity's form: the first by code was chosen, and a segment's opportunities went under
/// "Existing customer" for whoever did not look.
#[test]
fn create_opportunities_asks_for_a_sales_cycle_among_several() {
    let (app, mut c, seg) = fair_leads("DORA");
    let path = format!("/segments/{seg}/create-opportunities");
    // One open cycle: it is the one.
    let page = c.get(&path);
    assert!(
        page.contains("<option value=\"NEW\" selected>") && !page.contains("(choose)"),
        "{}",
        page.body
    );
    diesel_exec(
        &app,
        "INSERT INTO sales_cycles (code, description, probability_calculation) \
         VALUES ('EXISTING', 'Existing customer', 'add')",
    );
    let page = c.get(&path);
    assert!(
        page.contains("<option value=\"\">(choose)</option>") && !page.contains(" selected>"),
        "{}",
        page.body
    );
    let res = send_create(&mut c, &seg, &page, "");
    res.assert_status(422);
    assert!(res.contains("Choose a sales cycle"), "{}", res.body);
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 0);
}

/// Create Opportunities from a segment whose campaign has ended is refused, as a single
/// opportunity of that campaign is, and said on the page before the click: it made one
/// opportunity per line of a campaign that ended long ago, crediting them to it.
#[test]
fn create_opportunities_refuses_a_campaign_that_does_not_run_today() {
    let (app, mut c, seg) = fair_leads("DORA");
    // The page opened while the campaign ran, which ended before the click.
    diesel_exec(
        &app,
        &format!(
            "UPDATE campaigns SET starting_date = current_date - 60, ending_date = NULL \
             WHERE no = 'CP0001'; UPDATE segments SET campaign_no = 'CP0001' WHERE no = '{seg}'"
        ),
    );
    let opened = c.get(&format!("/segments/{seg}/create-opportunities"));
    diesel_exec(
        &app,
        "UPDATE campaigns SET ending_date = current_date - 10 WHERE no = 'CP0001'",
    );
    let page = c.get(&format!("/segments/{seg}/create-opportunities"));
    assert!(
        page.contains("Campaign CP0001 ended on ")
            && page.contains(": opportunities created today (")
            && page.contains("<a href=\"#campaign\">"),
        "{}",
        page.body
    );
    // No button offers what would be refused.
    assert!(
        page.contains("Nothing can be created until the campaign runs today")
            && !page.contains(">Create 1 opportunity</button>"),
        "{}",
        page.body
    );
    let res = send_create(&mut c, &seg, &opened, "NEW");
    res.assert_status(422);
    assert!(
        res.contains("Campaign CP0001 ended on ") && res.contains("value=\"Fair leads\""),
        "{}",
        res.body
    );
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 0);
    // Running again (no ending date): made, of the campaign.
    diesel_exec(
        &app,
        "UPDATE campaigns SET ending_date = NULL WHERE no = 'CP0001'",
    );
    let page = c.get(&format!("/segments/{seg}/create-opportunities"));
    assert!(!page.contains("ended on"), "{}", page.body);
    assert!(
        page.contains(">Create 1 opportunity</button>")
            && page.contains("opportunity to create</span>"),
        "{}",
        page.body
    );
    assert_eq!(send_create(&mut c, &seg, &page, "NEW").status, 303);
    assert_eq!(
        app.count("SELECT count(*) FROM opportunities WHERE campaign_no = 'CP0001'"),
        1
    );
}

/// Create Opportunities sent for a segment emptied since its preview says the segment has no
/// lines, as Business Central does; it said every contact already had an open opportunity.
#[test]
fn create_opportunities_on_an_empty_segment_says_so() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "Emptied");
    step(&mut c, &seg, "add", &[("contact_no", "DORA")]);
    let page = c.get(&format!("/segments/{seg}/create-opportunities"));
    post(&mut c, &format!("/segments/{seg}/go-back"), &[]);
    let res = c.post_with_token(
        &format!("/segments/{seg}/create-opportunities"),
        &page.csrf_token().unwrap(),
        &[("sales_cycle_code", "NEW"), ("description", "Emptied")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let said = c.get(&res.location().unwrap());
    assert!(
        said.contains(&format!(
            "No opportunity created: segment {seg} has no lines. You cannot create opportunities on an empty segment."
        )),
        "{}",
        said.body
    );
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 0);
}

/// An opportunity not started skips its cycle's first stage when that stage allows skipping
/// (Business Central offers only First there; the stage's Allow Skip says it may be passed):
/// one move, one entry, straight to stage 2.
/// Only "Go to the first stage" was offered, and a skip was refused.
#[test]
fn a_first_stage_that_allows_skipping_is_skipped_from_the_start() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    diesel_exec(
        &app,
        "UPDATE sales_cycle_stages SET allow_skip = TRUE, quote_required = FALSE          WHERE sales_cycle_code = 'NEW' AND stage IN (1, 2)",
    );
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "SOLO", "1000");
    let card = c.get(&format!("/opportunities/{no}"));
    assert!(card.contains("value=\"skip\""), "{}", card.body);
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "skip"),
            ("stage", "3"),
            ("estimated_value", "1000"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(
        opp(&app, &no).starts_with("in_progress|3|1000.00|50.00|50.00"),
        "{}",
        opp(&app, &no)
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM opportunity_entries e JOIN opportunities o ON o.id = e.opportunity_id              WHERE o.no = '{no}' AND e.action = 'skip'"
        )),
        1
    );
    // Where the first stage does not allow it, said by the field.
    diesel_exec(
        &app,
        "UPDATE sales_cycle_stages SET allow_skip = FALSE WHERE sales_cycle_code = 'NEW' AND stage = 1",
    );
    let other = create_one(&mut c, "ANNA", "500");
    let res = update(
        &mut c,
        &app,
        &other,
        &[
            ("action", "skip"),
            ("stage", "3"),
            ("estimated_value", "500"),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains("first stage does not allow skipping"),
        "{}",
        res.body
    );
}

/// A contact on two lines of a segment (added again by a step that allowed contacts already
/// there) gets one opportunity, from its first line, and the preview says why the other line
/// makes none. Both lines used to be taken, and the second broke the unique index: Create
/// Opportunities failed as a whole, every time it was tried.
#[test]
fn a_contact_on_two_lines_gets_one_opportunity() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "Twice");
    step(&mut c, &seg, "add", &[("contact_no", "DORA|SOLO")]);
    step(
        &mut c,
        &seg,
        "add",
        &[("contact_no", "DORA"), ("allow_existing", "on")],
    );
    assert_eq!(
        app.count("SELECT count(*) FROM segment_lines l JOIN contacts c ON c.id = l.contact_id WHERE c.no = 'DORA'"),
        2
    );
    let page = c.get(&format!("/segments/{seg}/create-opportunities"));
    page.assert_status(200);
    assert!(page.contains("data-figure=\"lines\">3<"), "{}", page.body);
    assert!(page.contains("data-figure=\"create\">2<"));
    assert!(page.contains("data-figure=\"repeated\">1<"));
    let res = post(
        &mut c,
        &format!("/segments/{seg}/create-opportunities"),
        &[("sales_cycle_code", "NEW"), ("description", "Twice")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(c.no, ',' ORDER BY c.no) FROM opportunities o \
             JOIN contacts c ON c.id = o.contact_id"
        ),
        "DORA,SOLO"
    );
}

/// A deleted segment's No. stays on its opportunities, so it is not given to a new segment
/// when the series is set back to it: the old opportunities were listed as the new one's,
/// linked to it, and its Create Opportunities passed over their contacts.
#[test]
fn a_deleted_segments_number_stays_with_its_opportunities() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "Gone");
    step(&mut c, &seg, "add", &[("contact_no", "DORA")]);
    let res = post(
        &mut c,
        &format!("/segments/{seg}/create-opportunities"),
        &[("sales_cycle_code", "NEW"), ("description", "Kept")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let res = post(&mut c, &format!("/segments/{seg}/delete"), &[]);
    res.assert_redirect("/segments");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM opportunities WHERE segment_no = '{seg}'"
        )),
        1
    );
    let n: i64 = seg
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap();
    crate::auth::diesel_exec(
        &app,
        &format!("UPDATE number_series SET next_number = {n} WHERE code = 'SEGMENT'"),
    );
    let again = new_segment(&mut c, "After");
    assert_ne!(again, seg);
    // Nor can the series be set to it on its page.
    let mut admin = app.signed_in("boss", "admin");
    let page = "/setup/number-series/SEGMENT";
    let current = text(
        &app,
        "SELECT next_number::text FROM number_series WHERE code = 'SEGMENT'",
    );
    let res = admin.submit(
        page,
        page,
        &[
            ("description", "Segments"),
            ("prefix", "SM"),
            ("width", "5"),
            ("next_number", &n.to_string()),
            ("current_next", &current),
        ],
    );
    res.assert_status(422);
}

/// Create Opportunities run again after a contact's opportunity from the segment was lost makes
/// another, as its page says before it runs; reopening the lost one is then refused with the reason (one of a segment's contact
/// is open at a time), where it showed "changed at the same moment" however often it was tried.
#[test]
fn reopening_beside_a_newer_open_opportunity_of_the_same_segment_line_says_why() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "Again");
    step(&mut c, &seg, "add", &[("contact_no", "DORA")]);
    let create = |c: &mut Client| {
        let res = post(
            c,
            &format!("/segments/{seg}/create-opportunities"),
            &[("sales_cycle_code", "NEW"), ("description", "Again")],
        );
        assert_eq!(res.status, 303, "{}", res.body);
    };
    create(&mut c);
    let first = text(&app, "SELECT no FROM opportunities");
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let version = text(
        &app,
        &format!("SELECT version FROM opportunities WHERE no = '{first}'"),
    );
    let res = post(
        &mut c,
        &format!("/opportunities/{first}/close"),
        &[
            ("version", &version),
            ("outcome", "lost"),
            ("close_code", "PRICE"),
            ("date_closed", &today),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    // Before it is run again, its page says that DORA's lost one gets a new one.
    let page = c.get(&format!("/segments/{seg}/create-opportunities"));
    assert!(page.contains("data-figure=\"create\">1<"), "{}", page.body);
    assert!(page.contains("data-figure=\"again\">1<"), "{}", page.body);
    assert!(page.contains("had one from this segment that was closed, won or lost"));
    create(&mut c);
    let second = text(
        &app,
        &format!("SELECT no FROM opportunities WHERE no <> '{first}'"),
    );
    let version = text(
        &app,
        &format!("SELECT version FROM opportunities WHERE no = '{first}'"),
    );
    let res = post(
        &mut c,
        &format!("/opportunities/{first}/reopen"),
        &[("version", &version)],
    );
    res.assert_status(422);
    assert!(
        res.contains(&format!(
            "Opportunity {second} is open for DORA from segment {seg}: one opportunity of a \
             segment&#39;s contact is open at a time. Close {second} first to reopen {first}."
        )) || res.contains(&format!(
            "Opportunity {second} is open for DORA from segment {seg}"
        )),
        "{}",
        res.body
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM opportunities WHERE no = '{first}'")
        ),
        "lost"
    );
    // With the newer one closed, the first reopens.
    let v2 = text(
        &app,
        &format!("SELECT version FROM opportunities WHERE no = '{second}'"),
    );
    let res = post(
        &mut c,
        &format!("/opportunities/{second}/close"),
        &[
            ("version", &v2),
            ("outcome", "lost"),
            ("close_code", "PRICE"),
            ("date_closed", &today),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let res = post(
        &mut c,
        &format!("/opportunities/{first}/reopen"),
        &[("version", &version)],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_ne!(
        text(
            &app,
            &format!("SELECT status FROM opportunities WHERE no = '{first}'")
        ),
        "lost"
    );
}

/// Create Opportunities passes over a blocked salesperson to the next one named (the header's,
/// then the contact's), as a single opportunity takes none; before, it made the opportunities
/// with the blocked one, unsaid.
#[test]
fn create_opportunities_passes_over_a_blocked_salesperson() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "Blocked");
    step(&mut c, &seg, "add", &[("contact_no", "DORA|SOLO")]);
    let seg2 = new_segment(&mut c, "Blocked again");
    step(&mut c, &seg2, "add", &[("contact_no", "DORA|SOLO")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET salesperson_code = 'PL' WHERE no = '{seg}';
             UPDATE segment_lines SET salesperson_code = 'JO'
               WHERE contact_id = (SELECT id FROM contacts WHERE no = 'DORA');
             UPDATE contacts SET salesperson_code = 'JO' WHERE no = 'SOLO';
             UPDATE salespeople SET blocked = TRUE WHERE code = 'JO';"
        ),
    );
    let page = c.get(&format!("/segments/{seg}/create-opportunities"));
    assert!(
        page.contains("data-figure=\"blocked-salesperson\">1<"),
        "{}",
        page.body
    );
    assert!(!page.contains("<td>JO</td>"), "{}", page.body);
    let res = post(
        &mut c,
        &format!("/segments/{seg}/create-opportunities"),
        &[("sales_cycle_code", "NEW"), ("description", "Blocked")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(c.no || ':' || coalesce(o.salesperson_code, '-'), ',' ORDER BY c.no) \
             FROM opportunities o JOIN contacts c ON c.id = o.contact_id"
        ),
        "DORA:PL,SOLO:PL"
    );
    // With the header's blocked too, and DORA without one of its own: none for either.
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET salesperson_code = 'PL' WHERE no = '{seg2}';
             UPDATE salespeople SET blocked = TRUE WHERE code = 'PL';
             UPDATE contacts SET salesperson_code = NULL WHERE no = 'DORA';"
        ),
    );
    // Said before: both would get no salesperson, and how to give them one.
    let page = c.get(&format!("/segments/{seg2}/create-opportunities"));
    assert!(
        page.contains("data-figure=\"no-salesperson\">2<"),
        "{}",
        page.body
    );
    assert!(page.contains("set one on the header to give them one"));
    let res = post(
        &mut c,
        &format!("/segments/{seg2}/create-opportunities"),
        &[("sales_cycle_code", "NEW"), ("description", "Blocked")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT string_agg(c.no || ':' || coalesce(o.salesperson_code, '-'), ',' ORDER BY c.no) \
                 FROM opportunities o JOIN contacts c ON c.id = o.contact_id WHERE o.segment_no = '{seg2}'"
            )
        ),
        "DORA:-,SOLO:-"
    );
}

/// With every opportunity closed before the period, the pipeline says none is open and none
/// closed in the period, not "No opportunities yet" above a list of them.
#[test]
fn a_pipeline_of_nothing_in_the_period_does_not_say_there_are_no_opportunities() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code, status, close_code, date_closed)
           SELECT 'OP000001', id, 'NEW', 'lost', 'PRICE', date_trunc('year', now())::date - 40
           FROM contacts WHERE no = 'DORA'",
    );
    let page = c.get("/opportunities");
    page.assert_status(200);
    assert!(page.contains("OP000001"), "{}", page.body);
    assert!(!page.contains("No opportunities yet"), "{}", page.body);
    assert!(page.contains("No opportunity is open, and none was won or lost in the period."));
    // Both dates emptied (the period form sent as cleared): all time. It snapped back to this
    // year, and the won and lost of all time could not be shown. Paging keeps it.
    let all = c.get("/opportunities?from=&to=");
    all.assert_status(200);
    assert!(all.contains("data-figure=\"lost\">1<"), "{}", all.body);
    assert!(
        all.contains("id=\"from\" name=\"from\" type=\"date\" value=\"\""),
        "{}",
        all.body
    );
    let sorted = c.get("/opportunities?from=&to=&sort=description");
    assert!(sorted.contains("data-figure=\"lost\">1<"));
    let unescaped = sorted.body.replace("&#38;", "&").replace("&amp;", "&");
    assert!(
        unescaped.contains("from=\"") || unescaped.contains("from=&"),
        "the links carry the emptied period"
    );
    // Without a period, this year's again.
    assert!(c
        .get("/opportunities")
        .contains("none was won or lost in the period"));
    // The period form sent from all time, as a browser sends it: each field once. The
    // emptied period rode along as a hidden `from` beside the form's own, and the page
    // answered 400 "duplicate field".
    let page = c.get("/opportunities?from=&to=&sort=closing");
    let form = page
        .body
        .split("aria-label=\"Period of won and lost\"")
        .nth(1)
        .and_then(|rest| rest.split("</form>").next())
        .expect("the period form");
    let mut fields: Vec<(String, String)> = form
        .split("<input ")
        .skip(1)
        .map(|input| {
            let attr = |name: &str| {
                input
                    .split(&format!(" {name}=\""))
                    .nth(1)
                    .or_else(|| input.strip_prefix(&format!("{name}=\"")))
                    .and_then(|v| v.split('"').next())
                    .unwrap_or_default()
                    .to_string()
            };
            (attr("name"), attr("value"))
        })
        .collect();
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["from", "to", "sort"], "{form}");
    fields[0].1 = "2000-01-01".into();
    let sent = c.get(&format!(
        "/opportunities?{}",
        fields
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    ));
    sent.assert_status(200);
    assert!(sent.contains("data-figure=\"lost\">1<"), "{}", sent.body);
    assert!(sent.contains("value=\"2000-01-01\""));
}

#[test]
fn create_opportunities_from_a_segment_makes_one_per_line_once() {
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
    // DORA's line has its own salesperson.
    diesel_exec(
        &app,
        "UPDATE segment_lines SET salesperson_code = 'JO' WHERE contact_id = (SELECT id FROM contacts WHERE no = 'DORA')",
    );
    // ANNA already has an open opportunity from this segment: skipped.
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO opportunities (no, contact_id, segment_no, sales_cycle_code)
             SELECT 'OP999999', id, '{seg}', 'NEW' FROM contacts WHERE no = 'ANNA'"
        ),
    );
    let page = c.get(&format!("/segments/{seg}/create-opportunities"));
    page.assert_status(200);
    assert!(page.contains("data-figure=\"create\">2<"), "{}", page.body);
    assert!(page.contains("data-figure=\"skipped\">1<"));
    assert!(page.contains("Dora Beta") && page.contains("Solo Person"));
    // In the segment page's order (by company, then by name), not in the lines' order: SOLO's
    // line, added before DORA's, named after a company that sorts last comes last.
    diesel_exec(
        &app,
        "UPDATE segment_lines SET company_name = 'Zeta' WHERE contact_id = (SELECT id FROM contacts WHERE no = 'SOLO')",
    );
    let page = c.get(&format!("/segments/{seg}/create-opportunities"));
    assert!(
        page.body.find("Dora Beta") < page.body.find("Solo Person"),
        "{}",
        page.body
    );

    // A blocked cycle and no description: refused, nothing made.
    let res = post(
        &mut c,
        &format!("/segments/{seg}/create-opportunities"),
        &[("sales_cycle_code", "OLD"), ("description", "")],
    );
    res.assert_status(422);
    assert!(res.contains("Choose a sales cycle") && res.contains("Enter a description"));
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 1);

    // Sent twice (a double click): made once, and the first sending's message stays.
    let form = c.get(&format!("/segments/{seg}/create-opportunities"));
    let shown = hidden_value(&form.body, "shown").unwrap();
    for _ in 0..2 {
        let res = c.post_with_token(
            &format!("/segments/{seg}/create-opportunities"),
            &form.csrf_token().unwrap(),
            &[
                ("sales_cycle_code", "NEW"),
                ("description", "Chairs"),
                ("shown", &shown),
            ],
        );
        // At the list of the segment's opportunities, not the pipeline of all of them.
        res.assert_redirect(&format!("/opportunities?segment={seg}#list-heading"));
    }
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(c.no || ':' || COALESCE(o.salesperson_code, '') || ':' \
                 || COALESCE(o.campaign_no, '') || ':' || o.status || ':' || o.description, ',' ORDER BY c.no) \
             FROM opportunities o JOIN contacts c ON c.id = o.contact_id WHERE o.no <> 'OP999999'"
        ),
        "DORA:JO:CP0001:not_started:Chairs,SOLO:PL:CP0001:not_started:Chairs"
    );
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(no, ',' ORDER BY no) FROM opportunities WHERE no <> 'OP999999'"
        ),
        "OP000001,OP000002",
        "numbered from the Opportunities series"
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT string_agg(o.no, ',' ORDER BY l.id) FROM opportunities o \
                 JOIN segment_lines l ON l.contact_id = o.contact_id AND l.segment_id = \
                     (SELECT id FROM segments WHERE no = '{seg}') \
                 WHERE o.no <> 'OP999999'"
            )
        ),
        "OP000001,OP000002",
        "numbered in the lines' order"
    );
    assert!(c
        .get(&format!("/opportunities?segment={seg}"))
        .contains(&format!("2 opportunities created from segment {seg}.")));
    assert_eq!(
        app.count("SELECT count(*) FROM opportunity_entries WHERE action = 'created'"),
        2
    );
    // The contact's card lists its opportunity and offers a new one; the segment page links
    // to Create Opportunities.
    let dora = text(
        &app,
        "SELECT o.no FROM opportunities o JOIN contacts c ON c.id = o.contact_id WHERE c.no = 'DORA'",
    );
    let card = c.get("/contacts/DORA");
    assert!(
        card.contains(&format!("/opportunities/{dora}\""))
            && card.contains("/opportunities/new?contact=DORA")
    );
    assert!(c
        .get(&format!("/segments/{seg}"))
        .contains(&format!("/segments/{seg}/create-opportunities")));
    // Twice: nothing more.
    let res = post(
        &mut c,
        &format!("/segments/{seg}/create-opportunities"),
        &[("sales_cycle_code", "NEW"), ("description", "Chairs")],
    );
    assert_eq!(res.status, 303);
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 3);
    assert_eq!(app.count("SELECT count(*) FROM opportunity_entries"), 2);
    let list = c.get(&format!("/opportunities?segment={seg}"));
    assert!(list.contains("No opportunity created: every contact"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'opportunities created'"),
        1,
        "a run that made nothing is not recorded"
    );

    // A number of the series already taken (the series was set back) is passed over, by the
    // run and by the series after it; the contacts' salesperson stands in where neither the
    // line nor the header names one.
    diesel_exec(
        &app,
        &format!(
            "UPDATE opportunities SET status = 'lost', date_closed = CURRENT_DATE, close_code = 'PRICE', current_stage = 1 WHERE no <> 'OP999999';
             INSERT INTO opportunities (no, contact_id, sales_cycle_code) SELECT 'OP000004', id, 'NEW' FROM contacts WHERE no = 'BETA';
             UPDATE segments SET salesperson_code = NULL WHERE no = '{seg}';
             UPDATE segment_lines SET salesperson_code = NULL;
             UPDATE contacts SET salesperson_code = CASE no WHEN 'SOLO' THEN 'JO' END WHERE no IN ('SOLO', 'DORA');"
        ),
    );
    let page = c.get(&format!("/segments/{seg}/create-opportunities"));
    assert!(page.contains("<td>JO</td>"), "{}", page.body);
    let res = post(
        &mut c,
        &format!("/segments/{seg}/create-opportunities"),
        &[("sales_cycle_code", "NEW"), ("description", "Again")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(o.no || ':' || c.no || ':' || COALESCE(o.salesperson_code, ''), ',' ORDER BY o.no) \
             FROM opportunities o JOIN contacts c ON c.id = o.contact_id WHERE o.description = 'Again'"
        ),
        "OP000003:SOLO:JO,OP000005:DORA:"
    );
    assert_eq!(app.count("SELECT count(*) FROM opportunity_entries"), 4);
    assert_eq!(
        text(
            &app,
            "SELECT next_number FROM number_series WHERE code = 'OPPORTUNITY'"
        ),
        "6"
    );
    // One made on its own takes the next free number too.
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code) SELECT 'OP000006', id, 'NEW' FROM contacts WHERE no = 'BETA'",
    );
    let made = create_one(&mut c, "ANNA", "10");
    assert_eq!(made, "OP000007");
    // And the series cannot be set back onto a number an opportunity has.
    let mut admin = app.signed_in("boss", "admin");
    let page = "/setup/number-series/OPPORTUNITY";
    let res = admin.submit(
        page,
        page,
        &[
            ("description", "Opportunities"),
            ("prefix", "OP"),
            ("width", "6"),
            ("next_number", "4"),
            ("current_next", "8"),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains("The next number would be OP000004, which an opportunity already has"),
        "{}",
        res.body
    );
}

#[test]
fn pipeline_figures_equal_sums_counted_in_the_database() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code, status, current_stage,
             estimated_value, current_value, salesperson_code, campaign_no, date_closed, close_code)
         SELECT 'OP' || lpad(g::text, 6, '0'), (SELECT id FROM contacts WHERE no = 'SOLO'), 'NEW',
                CASE WHEN g % 5 = 0 THEN 'won' WHEN g % 7 = 0 THEN 'lost' ELSE 'in_progress' END,
                1 + g % 4, g * 10, g * 3, CASE WHEN g % 2 = 0 THEN 'JO' ELSE 'PL' END,
                CASE WHEN g % 3 = 0 THEN 'CP0001' END,
                CASE WHEN g % 5 = 0 OR g % 7 = 0 THEN DATE '2026-06-01' END,
                CASE WHEN g % 5 = 0 THEN 'SIGNED' WHEN g % 7 = 0 THEN 'PRICE' END
         FROM generate_series(1, 60) g",
    );
    let mut c = app.signed_in("vera", "viewer");
    let page = c.get("/opportunities?from=2026-01-01&to=2026-12-31");
    page.assert_status(200);
    let open = app
        .count("SELECT count(*) FROM opportunities WHERE status IN ('not_started', 'in_progress')");
    let won = app.count("SELECT count(*) FROM opportunities WHERE status = 'won'");
    let lost = app.count("SELECT count(*) FROM opportunities WHERE status = 'lost'");
    let estimated = text(&app, "SELECT to_char(sum(estimated_value), 'FM999,999,990.00') FROM opportunities WHERE status IN ('not_started', 'in_progress')");
    let current = text(&app, "SELECT to_char(sum(current_value), 'FM999,999,990.00') FROM opportunities WHERE status IN ('not_started', 'in_progress')");
    for wanted in [
        format!("data-figure=\"open\">{open}<"),
        format!("data-figure=\"won\">{won}<"),
        format!("data-figure=\"lost\">{lost}<"),
        format!("data-figure=\"estimated\">{estimated}<"),
        format!("data-figure=\"current\">{current}<"),
        format!(
            "data-figure=\"win-rate\">{} %<",
            (won * 100 + (won + lost) / 2) / (won + lost)
        ),
    ] {
        assert!(page.contains(&wanted), "missing {wanted}");
    }
    // A period without closings counts no won or lost.
    let page = c.get("/opportunities?from=2025-01-01&to=2025-12-31");
    assert!(page.contains("data-figure=\"won\">0<"));
    // The list's filters: open ones of PL on stage 2.
    let n = app.count("SELECT count(*) FROM opportunities WHERE status IN ('not_started','in_progress') AND salesperson_code = 'PL' AND current_stage = 2");
    assert!(n > 0);
    let page = c.get("/opportunities?status=open&salesperson=PL&stage=2");
    assert!(page.contains(&format!("{n} opportunit")), "{}", page.body);
    // Every list filtered by the figures' keys alone is counted from them, as the rows are.
    for (path, filter) in [
        ("", "TRUE"),
        ("status=won", "status = 'won'"),
        ("campaign=cp0001", "campaign_no = 'CP0001'"),
        (
            "cycle=NEW&stage=3",
            "sales_cycle_code = 'NEW' AND current_stage = 3",
        ),
        (
            "salesperson=JO&status=lost",
            "salesperson_code = 'JO' AND status = 'lost'",
        ),
    ] {
        let n = app.count(&format!(
            "SELECT count(*) FROM opportunities WHERE {filter}"
        ));
        let page = c.get(&format!("/opportunities?{path}"));
        assert!(
            page.contains(&format!("role=\"status\">{n} opportunit")),
            "{path}: {n}"
        );
    }
    // A typed filter that cannot be read is said so, 422.
    let page = c.get("/opportunities?closing_from=soon&stage=x");
    page.assert_status(422);
    assert!(page.contains("Enter a date as YYYY-MM-DD.") && page.contains("Enter a stage number"));
    // Numbers that name nothing, or a person as the company: said by their fields, as the
    // interactions list says them, not "no opportunity matches".
    let page = c.get("/opportunities?campaign=CP9999&segment=SM9&contact=NOPE&company=ANNA");
    page.assert_status(422);
    for said in [
        "There is no campaign CP9999.",
        "There is no segment SM9.",
        "There is no contact NOPE.",
        "ANNA is a person, not a company: enter it as the Contact No.",
    ] {
        assert!(page.contains(said), "{said}: {}", page.body);
    }
    c.get("/opportunities?company=ALPHA").assert_status(200);
    // Closing dates the wrong way round match nothing: said, as the other date filters say it,
    // and so is a period of the figures the wrong way round.
    for path in [
        "/opportunities?closing_from=2026-06-01&closing_to=2026-05-01",
        "/opportunities?from=2026-06-01&to=2026-05-01",
    ] {
        let page = c.get(path);
        page.assert_status(422);
        assert!(
            page.contains("The To date is before the From date: nothing could match."),
            "{path}: {}",
            page.body
        );
    }
    // The CSV export has every row the filter selects.
    let csv = c.get("/opportunities/export.csv?status=won");
    csv.assert_status(200);
    assert_eq!(csv.body.lines().count() as i64, won + 1);
    // A filter the list refuses is refused by the export too, by name: left out, the file
    // held every opportunity (and a stage too large for a number was a 500); a code naming
    // nothing, a file of no opportunity.
    for (path, message) in [
        (
            "/opportunities/export.csv?closing_from=soon",
            "Enter a date as YYYY-MM-DD.",
        ),
        (
            "/opportunities/export.xlsx?stage=99999999999",
            "Enter a stage number",
        ),
        (
            "/opportunities/export.csv?status=maybe",
            "Choose a status from the list.",
        ),
        // A contact that names nothing: the file held no opportunity, as if it had none.
        (
            "/opportunities/export.csv?contact=CT999999",
            "There is no contact CT999999.",
        ),
        ("/opportunities/export.xlsx?campaign=NOPE", "NOPE"),
    ] {
        let res = c.get(path);
        res.assert_status(400);
        assert!(res.contains(message), "{path}");
    }
}

/// The href of the page's Next link.
fn next_link(body: &str) -> Option<String> {
    let end = body.find(" rel=\"next\"")?;
    let start = body[..end].rfind("href=\"")? + "href=\"".len();
    Some(
        body[start..end]
            .trim_end_matches('"')
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

#[test]
fn the_list_pages_by_keyset_to_the_last_row_and_back() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code, estimated_value)
         SELECT 'OP' || lpad(g::text, 6, '0'), (SELECT id FROM contacts WHERE no = 'SOLO'), 'NEW', (g * 37) % 101
         FROM generate_series(1, 120) g",
    );
    let mut c = app.signed_in("vera", "viewer");
    for sort in ["", "&sort=value", "&sort=value&dir=desc", "&sort=closing"] {
        let mut seen: Vec<String> = Vec::new();
        let mut page = c.get(&format!("/opportunities?q={sort}"));
        loop {
            page.assert_status(200);
            for part in page
                .body
                .split("<td class=\"nowrap\"><a href=\"/opportunities/")
                .skip(1)
            {
                seen.push(part[..8].to_string());
            }
            let Some(next) = next_link(&page.body) else {
                break;
            };
            page = c.get(&next);
        }
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(seen.len(), 120, "{sort}: every row once");
        assert_eq!(sorted.len(), 120, "{sort}: no row twice");
    }
    // The last page holds the last rows; Previous from it goes back one page.
    let last = c.get("/opportunities?last=1");
    assert!(
        last.contains("/opportunities/OP000120\"") && last.contains("/opportunities/OP000071\"")
    );
    assert!(!last.contains("/opportunities/OP000070\""));
    assert!(last.contains("rel=\"prev\"") && !last.contains("rel=\"next\""));
    // A page key edited in the address that the sort cannot read is the first page, never a
    // failure of the database's cast.
    for (sort, edited) in [
        ("value", "after=abc%7C1"),
        ("current", "before=1e5%7C1"),
        ("value", "after=-%7C1"),
        ("closing", "after=2026-13-45%7C1"),
        ("closing", "before=%7C1"),
    ] {
        let first = c.get(&format!("/opportunities?sort={sort}"));
        let page = c.get(&format!("/opportunities?sort={sort}&{edited}"));
        page.assert_status(200);
        assert_eq!(
            page.body
                .split("<td class=\"nowrap\">")
                .nth(1)
                .map(|r| &r[..60]),
            first
                .body
                .split("<td class=\"nowrap\">")
                .nth(1)
                .map(|r| &r[..60]),
            "{edited}"
        );
    }
    // A readable one still pages.
    c.get("/opportunities?sort=value&after=50.00%7C1")
        .assert_status(200);
    // A page past the last row (the rows it went on from deleted since) says so and leads
    // back; it said "There are no opportunities yet" over 120 of them.
    let past = c.get("/opportunities?after=OP999999%7C999999");
    past.assert_status(200);
    assert!(
        past.contains("No opportunity on this page")
            && past.contains("Back to the first page")
            && !past.contains("There are no opportunities yet"),
        "{}",
        past.body
    );
}

#[test]
fn setup_pages_for_cycles_stages_and_close_codes_check_every_field_and_roles() {
    let app = TestApp::start();
    world(&app);
    app.user("ada", "admin");
    let mut admin = app.client();
    admin.sign_in("ada", PASSWORD);
    let res = admin.submit(
        "/setup/sales-cycles/new",
        "/setup/sales-cycles",
        &[
            ("code", "new"),
            ("description", ""),
            ("probability_calculation", "guess"),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains("Enter a description")
            && res.contains("Choose how the probability is calculated.")
    );
    let res = admin.submit(
        "/setup/sales-cycles/new",
        "/setup/sales-cycles",
        &[
            ("code", "new"),
            ("description", "New business"),
            ("probability_calculation", "add"),
        ],
    );
    res.assert_redirect("/setup/sales-cycles/NEW");
    // Sent again (a double click): the cycle's page, where its stages are added, and a note;
    // another cycle under the same code is refused.
    let again = [
        ("code", "new"),
        ("description", "New business"),
        ("probability_calculation", "add"),
    ];
    admin
        .submit("/setup/sales-cycles/new", "/setup/sales-cycles", &again)
        .assert_redirect("/setup/sales-cycles/NEW");
    assert!(admin
        .get("/setup/sales-cycles/NEW")
        .contains("Sales cycle NEW exists already, as this form says: nothing more was created."));
    let res = admin.submit(
        "/setup/sales-cycles/new",
        "/setup/sales-cycles",
        &[
            ("code", "new"),
            ("description", "New business"),
            ("probability_calculation", "multiply"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Sales cycle NEW already exists."));
    // A stage with every problem, then good ones.
    let res = admin.submit(
        "/setup/sales-cycles/NEW",
        "/setup/sales-cycles/NEW/stages",
        &[
            ("stage", "0"),
            ("description", ""),
            ("completed_pct", "120"),
            ("chances_pct", "x"),
            ("template_code", "NOPE"),
            ("date_formula", "soon"),
        ],
    );
    res.assert_status(422);
    for wanted in [
        "Enter a stage number",
        "Enter a description",
        "from 0 to 100, like 25",
        "from 0 to 100, like 50",
        "NOPE is not an interaction template.",
        "Write it like +2W",
    ] {
        assert!(res.contains(wanted), "missing {wanted:?}");
    }
    for (n, d, quote) in [("1", "Contact", "yes"), ("2", "Proposal", "")] {
        let mut fields = vec![
            ("stage", n),
            ("description", d),
            ("completed_pct", "25"),
            ("chances_pct", "12.5"),
            ("template_code", "CALL"),
            ("date_formula", "+2w"),
        ];
        if quote == "yes" {
            fields.push(("quote_required", "yes"));
        }
        let res = admin.submit(
            "/setup/sales-cycles/NEW",
            "/setup/sales-cycles/NEW/stages",
            &fields,
        );
        assert_eq!(res.status, 303, "{}", res.body);
    }
    // A formula that goes back from the day of the move would suggest a past closing date.
    let res = admin.submit(
        "/setup/sales-cycles/NEW",
        "/setup/sales-cycles/NEW/stages",
        &[
            ("stage", "3"),
            ("description", "Back"),
            ("completed_pct", "25"),
            ("chances_pct", "12.5"),
            ("date_formula", "-1w"),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains("-1W goes back from the day of the move"),
        "{}",
        res.body
    );
    // One that goes back only from some days (+1M-31D from 31 March: 30 March) too.
    let res = admin.submit(
        "/setup/sales-cycles/NEW",
        "/setup/sales-cycles/NEW/stages",
        &[
            ("stage", "3"),
            ("description", "Back"),
            ("completed_pct", "25"),
            ("chances_pct", "12.5"),
            ("date_formula", "+1m-31d"),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains("+1M-31D goes back from the day of the move"),
        "{}",
        res.body
    );
    let res = admin.submit(
        "/setup/sales-cycles/NEW",
        "/setup/sales-cycles/NEW/stages",
        &[("stage", "2"), ("description", "Twice")],
    );
    res.assert_status(422);
    assert!(res.contains("Stage 2 already exists"));
    // The same stage sent again (a double click): added once, and said so; before, "Stage 3
    // already exists: choose another number", and it was added again under another.
    let page = admin.get("/setup/sales-cycles/NEW");
    let token = page.csrf_token().unwrap();
    let same = [
        ("stage", "3"),
        ("description", "Proposal"),
        ("completed_pct", "50"),
        ("chances_pct", "40"),
        ("date_formula", "+1W"),
    ];
    for _ in 0..2 {
        admin
            .post_with_token("/setup/sales-cycles/NEW/stages", &token, &same)
            .assert_redirect("/setup/sales-cycles/NEW#stages-heading");
    }
    let page = admin.get("/setup/sales-cycles/NEW");
    assert!(
        page.contains("Stage 3 Proposal added to NEW."),
        "{}",
        page.body
    );
    admin
        .post_with_token("/setup/sales-cycles/NEW/stages", &token, &same)
        .assert_redirect("/setup/sales-cycles/NEW#stages-heading");
    assert!(admin
        .get("/setup/sales-cycles/NEW")
        .contains("Stage 3 Proposal is in NEW already, as your form says: nothing more to add."));
    diesel_exec(&app, "DELETE FROM sales_cycle_stages WHERE stage = 3");
    assert_eq!(
        text(&app, "SELECT string_agg(stage || ':' || chances_pct || ':' || quote_required || ':' || date_formula || ':' || template_code, ',' ORDER BY stage) FROM sales_cycle_stages"),
        "1:12.50:true:+2W:CALL,2:12.50:false:+2W:CALL"
    );
    // Close codes.
    let res = admin.submit(
        "/setup/close-opportunity-codes",
        "/setup/close-opportunity-codes",
        &[("code", "price"), ("kind", "maybe"), ("description", "")],
    );
    res.assert_status(422);
    assert!(res.contains("Choose Won or Lost.") && res.contains("Enter a description"));
    let res = admin.submit(
        "/setup/close-opportunity-codes",
        "/setup/close-opportunity-codes",
        &[
            ("code", "price"),
            ("kind", "lost"),
            ("description", "Price too high"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        text(
            &app,
            "SELECT kind FROM close_opportunity_codes WHERE code = 'PRICE'"
        ),
        "lost"
    );
    // The setup index lists both tables.
    let index = admin.get("/setup");
    assert!(
        index.contains("/setup/sales-cycles") && index.contains("/setup/close-opportunity-codes")
    );

    // A cycle in use cannot be deleted; a stage with opportunities on it neither, open or
    // closed on it (the page counts them apart: a closed one does not stand on it).
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code, status, current_stage)
         SELECT 'OP000001', id, 'NEW', 'in_progress', 1 FROM contacts WHERE no = 'SOLO';
         INSERT INTO opportunities (no, contact_id, sales_cycle_code, status, current_stage,
             date_closed, close_code)
         SELECT 'OP000002', id, 'NEW', 'lost', 1, CURRENT_DATE, 'PRICE' FROM contacts
         WHERE no = 'ANNA'",
    );
    let stage_page = admin.get("/setup/sales-cycles/NEW/stages/1");
    assert!(
        stage_page.contains("1 open opportunity stands on this stage; 1 closed on it keeps it."),
        "{}",
        stage_page.body
    );
    let res = post(&mut admin, "/setup/sales-cycles/NEW/delete", &[]);
    assert_eq!(res.status, 303);
    assert_eq!(app.count("SELECT count(*) FROM sales_cycles"), 1);
    let res = post(&mut admin, "/setup/sales-cycles/NEW/stages/1/delete", &[]);
    assert_eq!(res.status, 303);
    assert_eq!(app.count("SELECT count(*) FROM sales_cycle_stages"), 2);
    let res = post(&mut admin, "/setup/sales-cycles/NEW/stages/2/delete", &[]);
    assert_eq!(res.status, 303);
    assert_eq!(app.count("SELECT count(*) FROM sales_cycle_stages"), 1);

    // Viewers and staff read; only admins change setup; viewers change no opportunity.
    let mut staff_client = staff(&app, "stan");
    staff_client
        .get("/setup/sales-cycles/NEW")
        .assert_status(200);
    let res = post(
        &mut staff_client,
        "/setup/sales-cycles",
        &[
            ("code", "X"),
            ("description", "X"),
            ("probability_calculation", "add"),
        ],
    );
    res.assert_status(403);
    let mut viewer = app.signed_in("vera", "viewer");
    viewer.get("/opportunities/OP000001").assert_status(200);
    viewer.get("/opportunities").assert_status(200);
    for (path, fields) in [
        ("/opportunities/OP000001/update", vec![("action", "update")]),
        ("/opportunities/OP000001/close", vec![("outcome", "won")]),
        ("/opportunities/OP000001/reopen", vec![]),
        ("/opportunities", vec![("description", "x")]),
    ] {
        let res = post(&mut viewer, path, &fields);
        res.assert_status(403);
    }
    viewer.get("/opportunities/new").assert_status(403);
    assert_eq!(app.count("SELECT count(*) FROM opportunity_entries"), 0);
}

#[test]
fn the_wizard_reduces_contacts_that_have_an_open_opportunity() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "No open deals");
    step(&mut c, &seg, "add", &[("contact_no", "ANNA|DORA|SOLO|ELI")]);
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code, status, current_stage,
             estimated_value, date_closed, close_code)
         SELECT v.no, c.id, 'NEW', v.status, v.stage, v.value, v.closed::date, v.code
         FROM (VALUES ('OP1', 'DORA', 'in_progress', 2, 5000, NULL, NULL),
                      ('OP2', 'SOLO', 'lost', 1, 100, '2026-03-01', 'PRICE'),
                      ('OP3', 'ELI', 'not_started', NULL, 0, NULL, NULL))
              v(no, contact, status, stage, value, closed, code)
         JOIN contacts c ON c.no = v.contact",
    );
    // The section is on the form.
    let form = c.get(&format!("/segments/{seg}/reduce"));
    assert!(form.contains("opportunity_status") && form.contains("Opportunities"));
    step(
        &mut c,
        &seg,
        "reduce",
        &[("opportunity_status", "not_started|in_progress")],
    );
    crate::segments::assert_members(&app, &seg, &["ANNA", "SOLO"]);
    // Add back those with an opportunity worth 1,000 or more on stage 2.
    step(
        &mut c,
        &seg,
        "add",
        &[
            ("opportunity_estimated_value", ">=1000"),
            ("opportunity_stage", "2"),
        ],
    );
    crate::segments::assert_members(&app, &seg, &["ANNA", "DORA", "SOLO"]);
    // Not started, an opportunity is on stage 0, as Business Central reads a blank stage:
    // ELI's comes with "0..1" (it came with no stage filter but "<>1" alone).
    step(&mut c, &seg, "add", &[("opportunity_stage", "0..1")]);
    crate::segments::assert_members(&app, &seg, &["ANNA", "DORA", "ELI", "SOLO"]);
    step(&mut c, &seg, "reduce", &[("opportunity_stage", "0")]);
    crate::segments::assert_members(&app, &seg, &["ANNA", "DORA", "SOLO"]);
    // An amount with decimals, as the office writes it: DORA's 4,999.99 is in the range and
    // goes (the field read whole numbers only, and refused it).
    diesel_exec(
        &app,
        "UPDATE opportunities SET estimated_value = 4999.99 WHERE no = 'OP1'",
    );
    step(
        &mut c,
        &seg,
        "reduce",
        &[("opportunity_estimated_value", "4,999.50..4,999.99")],
    );
    crate::segments::assert_members(&app, &seg, &["ANNA", "SOLO"]);
}

#[test]
fn a_stage_change_can_log_an_interaction_with_the_stage_template() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    diesel_exec(
        &app,
        "UPDATE sales_cycle_stages SET template_code = 'CALL' WHERE stage = 1;
         UPDATE interaction_templates SET campaign_no = 'CP0001', campaign_target = true,
             campaign_response = true WHERE code = 'CALL'",
    );
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "SOLO", "500");
    let before = app.count("SELECT count(*) FROM interaction_log_entries");
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "first"),
            ("estimated_value", "500"),
            ("log_interaction", "yes"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        app.count("SELECT count(*) FROM interaction_log_entries") - before,
        1
    );
    assert_eq!(
        text(
            &app,
            "SELECT c.no || '|' || e.template_code || '|' || e.group_code || '|' || e.cost || '|' \
                 || e.campaign_no || '|' || e.description \
             FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
             ORDER BY e.id DESC LIMIT 1"
        ),
        format!("SOLO|CALL|PHONE|3.00|CP0001|{no} Office chairs: stage 1 Initial contact")
    );
    // The template's Campaign Target and Response go with it, as from the contact's card (its
    // campaign is the opportunity's); they were dropped, and the campaign's figures missed it.
    // The newest entry's contact, campaign and flags.
    let flags = |app: &TestApp| {
        text(
            app,
            "SELECT c.no || '|' || COALESCE(e.campaign_no, '-') || '|' || e.campaign_target \
                 || '|' || e.campaign_response \
             FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
             ORDER BY e.id DESC LIMIT 1",
        )
    };
    assert_eq!(flags(&app), "SOLO|CP0001|true|true");
    // An opportunity of no campaign logs under the template's, as the card offers it; under
    // another campaign than the template's, the template's flags go with the template, as on
    // a segment line with a template of its own.
    let other = create_one(&mut c, "ANNA", "300");
    diesel_exec(
        &app,
        &format!("UPDATE opportunities SET campaign_no = NULL WHERE no = '{other}'"),
    );
    let log_first = [
        ("action", "first"),
        ("estimated_value", "300"),
        ("log_interaction", "yes"),
    ];
    update(&mut c, &app, &other, &log_first).assert_redirect(&format!("/opportunities/{other}"));
    assert_eq!(flags(&app), "ANNA|CP0001|true|true");
    let third = create_one(&mut c, "DORA", "300");
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO campaigns (no, description) VALUES ('CP0077', 'Other');
             UPDATE opportunities SET campaign_no = 'CP0077' WHERE no = '{third}'"
        ),
    );
    update(&mut c, &app, &third, &log_first).assert_redirect(&format!("/opportunities/{third}"));
    assert_eq!(flags(&app), "DORA|CP0077|true|true");
    let before = app.count("SELECT count(*) FROM interaction_log_entries");
    // Without the box ticked, or on a stage without a template: nothing logged.
    diesel_exec(&app, "UPDATE opportunities SET quote_reference = 'Q'");
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "next"),
            ("estimated_value", "500"),
            ("quote_reference", "Q"),
            ("log_interaction", "yes"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        app.count("SELECT count(*) FROM interaction_log_entries") - before,
        0
    );
}

/// A campaign card counts every won and lost opportunity of the campaign, whenever it closed,
/// so it does not call them "in the period" as the list's figures (with their Closed from/to) do;
/// nor does it break them down by campaign.
#[test]
fn a_campaign_card_counts_all_won_and_lost_without_a_period() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code, status, current_stage,
             estimated_value, current_value, salesperson_code, campaign_no, date_closed, close_code)
         SELECT 'OP' || lpad(g::text, 6, '0'), (SELECT id FROM contacts WHERE no = 'SOLO'), 'NEW',
                CASE WHEN g = 1 THEN 'won' ELSE 'lost' END, 4, 1000, 1000, 'JO', 'CP0001',
                DATE '2019-03-01', CASE WHEN g = 1 THEN 'SIGNED' ELSE 'PRICE' END
         FROM generate_series(1, 2) g",
    );
    let mut c = app.signed_in("vera", "viewer");
    let card = c.get("/campaigns/CP0001");
    card.assert_status(200);
    assert!(card.contains("data-figure=\"won\">1<") && card.contains("data-figure=\"lost\">1<"));
    assert!(card.contains(">won (1,000.00)<"), "{}", card.body);
    assert!(card.contains(">lost ("), "{}", card.body);
    assert!(!card.contains("in the period"), "{}", card.body);
    // A table by campaign of the one campaign would only repeat the card's figures.
    assert!(card.contains("By salesperson") && !card.contains("By campaign"));
    // The list's figures have a period (Closed from/to) and say so.
    let list = c.get("/opportunities?from=2019-01-01");
    assert!(list.contains("By campaign"), "{}", list.body);
    assert!(
        list.contains("won in the period (1,000.00)"),
        "{}",
        list.body
    );
}

/// A closed opportunity's probability is set by its outcome (100 % won, 0 % lost), not by the
/// cycle's calculation: its card says so instead of showing a formula its figures contradict
/// (chances 100 % × completed 50 % ÷ 100 next to a probability of 100 %).
#[test]
fn a_closed_opportunity_explains_its_probability_by_its_outcome() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code, status, current_stage,
             estimated_value, chances_pct, completed_pct, probability_pct, current_value,
             date_closed, close_code)
         VALUES
         ('OP000001', (SELECT id FROM contacts WHERE no = 'SOLO'), 'NEW', 'won', 3,
          2500, 100, 50, 100, 2500, DATE '2026-11-30', 'SIGNED'),
         ('OP000002', (SELECT id FROM contacts WHERE no = 'SOLO'), 'NEW', 'lost', 3,
          2500, 0, 50, 0, 0, DATE '2026-11-30', 'PRICE'),
         ('OP000003', (SELECT id FROM contacts WHERE no = 'SOLO'), 'NEW', 'in_progress', 3,
          2500, 50, 50, 25, 625, NULL, NULL)",
    );
    let mut c = app.signed_in("vera", "viewer");
    let won = c.get("/opportunities/OP000001");
    won.assert_status(200);
    assert!(won.contains("probability (won: certain)"), "{}", won.body);
    assert!(!won.contains("completed % ÷ 100"));
    let lost = c.get("/opportunities/OP000002");
    assert!(lost.contains("probability (lost: none)"), "{}", lost.body);
    let open = c.get("/opportunities/OP000003");
    assert!(open.contains("probability (chances of success % × completed % ÷ 100)"));
}

/// "Go to the next stage: stage 3 Proposal" moves to stage 3 or not at all: a stage deleted
/// from (or added to) the cycle in setup after the card was opened changes where Next goes,
/// and the move is asked again with the stage it would now reach, not made unseen.
#[test]
fn a_move_goes_to_the_stage_the_card_showed_or_is_asked_again() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    on_stage_two(&app, "2030-06-30");
    let mut c = staff(&app, "stan");
    let card = c.get("/opportunities/OP000001");
    card.assert_status(200);
    assert!(card.contains("Go to the next stage: stage 3 Proposal"));
    let shown = hidden_value(&card.body, "shown").expect("the stages the moves reach");
    // An administrator deletes stage 3 meanwhile: Next now goes to stage 4.
    diesel_exec(
        &app,
        "DELETE FROM sales_cycle_stages WHERE sales_cycle_code = 'NEW' AND stage = 3",
    );
    let fields = [
        ("action", "next"),
        ("estimated_value", "1000"),
        ("shown", shown.as_str()),
    ];
    let res = update(&mut c, &app, "OP000001", &fields);
    res.assert_status(422);
    assert!(
        res.contains("now goes to stage 4 Negotiation, not to stage 3"),
        "{}",
        res.body
    );
    assert_eq!(
        text(
            &app,
            "SELECT current_stage FROM opportunities WHERE no = 'OP000001'"
        ),
        "2",
        "nothing moved"
    );
    // The page asked again shows where Next goes now; sent from it, the move is made.
    let shown = hidden_value(&res.body, "shown").expect("the stages the moves reach now");
    assert!(res.contains("Go to the next stage: stage 4 Negotiation"));
    let fields = [
        ("action", "next"),
        ("estimated_value", "1000"),
        ("shown", shown.as_str()),
    ];
    let res = update(&mut c, &app, "OP000001", &fields);
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        text(
            &app,
            "SELECT current_stage FROM opportunities WHERE no = 'OP000001'"
        ),
        "4"
    );
}

/// The Update form leaves the estimated closing date empty, as it leaves the chances. As in
/// Business Central, a move keeps the date the opportunity has (each Next replaced it with the
/// new stage's formula); the formula gives the date only where there is none, or where it is
/// today's or has passed. The flash says the date the formula gave and the one it replaced.
#[test]
fn a_stage_move_keeps_the_closing_date_and_takes_the_formula_only_without_one() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    on_stage_two(&app, "2030-06-30");
    let mut c = staff(&app, "stan");
    let card = c.get("/opportunities/OP000001");
    card.assert_status(200);
    assert!(card.contains("2030-06-30"), "the card shows the date");
    // What the form's closing date field carries, as a browser would send it.
    let marker = "name=\"estimated_closing_date\" type=\"date\" value=\"";
    let start = card.body.find(marker).expect("closing date field") + marker.len();
    let carried = card.body[start..].split('"').next().unwrap().to_string();
    assert_eq!(carried, "", "the field is empty, as the chances are");
    let closing = |app: &TestApp| {
        text(
            app,
            "SELECT estimated_closing_date - (CURRENT_DATE + INTERVAL '1 month')::date \
             FROM opportunities WHERE no = 'OP000001'",
        )
    };
    // Update in place with the form as it is: the date stays.
    let res = update(
        &mut c,
        &app,
        "OP000001",
        &[
            ("action", "update"),
            ("estimated_value", "1000"),
            ("estimated_closing_date", &carried),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        text(
            &app,
            "SELECT estimated_closing_date FROM opportunities WHERE no = 'OP000001'"
        ),
        "2030-06-30"
    );
    // Next to stage 3 (+1M) with the form as it is: the date the user set stays.
    let next = |c: &mut Client| {
        update(
            c,
            &app,
            "OP000001",
            &[
                ("action", "next"),
                ("estimated_value", "1000"),
                ("estimated_closing_date", &carried),
            ],
        )
    };
    let res = next(&mut c);
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(opp(&app, "OP000001").split('|').nth(1), Some("3"));
    assert_eq!(
        text(
            &app,
            "SELECT estimated_closing_date FROM opportunities WHERE no = 'OP000001'"
        ),
        "2030-06-30"
    );
    assert!(!c
        .get("/opportunities/OP000001")
        .contains("Its estimated closing date is now"));
    // A date that has passed: the stage's formula, said with the date it replaced.
    diesel_exec(
        &app,
        "UPDATE opportunities SET current_stage = 2, estimated_closing_date = DATE '2020-01-31'",
    );
    let res = next(&mut c);
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(closing(&app), "0", "stage 3's +1M from today");
    let card = c.get("/opportunities/OP000001");
    let now = text(
        &app,
        "SELECT estimated_closing_date::text FROM opportunities WHERE no = 'OP000001'",
    );
    assert!(
        card.contains(&format!(
            "Its estimated closing date is now {now} (stage 3&#39;s date formula +1M; it was \
             2020-01-31)."
        )),
        "{}",
        card.body
    );

    // A closing date that has passed is not kept by a change, as Business Central refuses it:
    // neither in place nor by a move into a stage without a formula (4).
    diesel_exec(
        &app,
        "UPDATE opportunities SET estimated_closing_date = CURRENT_DATE - 1",
    );
    let before = opp(&app, "OP000001");
    for action in ["update", "next"] {
        let res = update(
            &mut c,
            &app,
            "OP000001",
            &[("action", action), ("estimated_value", "1000")],
        );
        res.assert_status(422);
        assert!(
            res.contains("has passed: enter a new one, today or later."),
            "{action}: {}",
            res.body
        );
        assert_eq!(opp(&app, "OP000001"), before, "{action} changed nothing");
    }
    // Nor is one a stage's formula gives before today (set up before such formulas were refused).
    diesel_exec(
        &app,
        "UPDATE sales_cycle_stages SET date_formula = '-3D' WHERE stage = 4",
    );
    let res = update(
        &mut c,
        &app,
        "OP000001",
        &[("action", "next"), ("estimated_value", "1000")],
    );
    res.assert_status(422);
    assert!(
        res.contains("Stage 4&#39;s date formula -3D gives")
            || res.contains("Stage 4's date formula -3D gives"),
        "{}",
        res.body
    );
    assert_eq!(opp(&app, "OP000001"), before);
    // With a date typed, the move is made.
    let res = update(
        &mut c,
        &app,
        "OP000001",
        &[
            ("action", "next"),
            ("estimated_value", "1000"),
            ("estimated_closing_date", "2099-12-31"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(opp(&app, "OP000001").split('|').nth(1), Some("4"));
}

/// Create Opportunities lands on the list filtered by the segment, above which the pipeline
/// figures count every opportunity: the page says so, so the figures are not read as the
/// segment's.
#[test]
fn the_pipeline_says_the_list_filters_do_not_narrow_it() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code, segment_no)
         SELECT 'OP' || lpad(g::text, 6, '0'), (SELECT id FROM contacts WHERE no = 'SOLO'), 'NEW',
                CASE WHEN g = 1 THEN 'SM00001' END
         FROM generate_series(1, 3) g",
    );
    let mut c = app.signed_in("vera", "viewer");
    let page = c.get("/opportunities?segment=SM00001");
    page.assert_status(200);
    assert!(
        page.contains("1 opportunit"),
        "the list has the segment's one"
    );
    assert!(
        page.contains("data-figure=\"open\">3<"),
        "the figures count all three"
    );
    assert!(
        page.contains("The list&#39;s filters below do not narrow these figures")
            || page.contains("The list's filters below do not narrow these figures"),
        "{}",
        page.body
    );
}

/// The list filtered by a segment reads the segment's index even planned for any segment (a
/// kept statement), and that index leaves out the opportunities of no segment, so that a new
/// segment's opportunities are appended at its end (migration 2026-12-08-00002).
#[test]
fn the_list_by_segment_reads_an_index_without_the_opportunities_of_no_segment() {
    let app = TestApp::start();
    let mut conn = app.conn();
    diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        "SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan;
         PREPARE by_segment(text) AS SELECT o.id FROM opportunities o
             WHERE o.segment_no = $1 ORDER BY o.segment_no, o.no LIMIT 51",
    )
    .unwrap();
    let plan = explain(&mut conn, "EXPLAIN EXECUTE by_segment('SM00001')");
    assert!(plan.contains("opportunities_segment"), "{plan}");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'opportunities_segment' \
             AND indexdef LIKE '%WHERE (segment_no IS NOT NULL)'"
        ),
        1
    );
}

/// A company's card lists its own opportunities and its persons', newest first, with their
/// contact, status, stage and estimated value; a person's card only the person's. The segments
/// the contact is on, read in the same statement, stay apart from them.
#[test]
fn a_cards_opportunities_are_its_own_and_its_persons_newest_first_beside_its_segments() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "kim");
    let seg = new_segment(&mut c, "Alpha people");
    step(&mut c, &seg, "add", &[("contact_no", "ALPHA|ANNA")]);
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, description, contact_id, company_id, sales_cycle_code,
             status, current_stage, estimated_value)
         SELECT v.no, v.description, c.id, c.company_key, 'NEW', v.status, v.stage, v.value
         FROM (VALUES
             (1, 'OP-A1', 'Shelving', 'ALPHA', 'not_started', NULL::int, 0),
             (2, 'OP-A2', 'Tills', 'ANNA', 'in_progress', 2, 1234.5),
             (3, 'OP-A3', 'Carpets', 'ALPHA', 'in_progress', 3, 99),
             (4, 'OP-B1', 'Not theirs', 'DORA', 'not_started', NULL, 7)) v(n, no, description,
                 contact, status, stage, value)
         JOIN contacts c ON c.no = v.contact ORDER BY v.n",
    );
    let body = |page: &Resp, heading: &str| -> String {
        let start = page.body.find(heading).expect("the section");
        let end = start + page.body[start..].find("</section>").expect("its end");
        page.body[start..end].to_string()
    };
    let rows = |section: &str| -> Vec<String> {
        section
            .split("<tr>")
            .skip(2)
            .map(|row| {
                row.split("<td")
                    .skip(1)
                    .map(|cell| {
                        let text = &cell[cell.find('>').unwrap() + 1..];
                        let text = text.split("</td>").next().unwrap();
                        match text.find("\">") {
                            Some(i) => text[i + 2..].trim_end_matches("</a>").to_string(),
                            None => text.to_string(),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    };
    let card = c.get("/contacts/ALPHA");
    card.assert_status(200);
    assert_eq!(
        rows(&body(&card, "id=\"opportunities-heading\"")),
        [
            "OP-A3|Carpets|ALPHA|In Progress|3|99.00",
            "OP-A2|Tills|ANNA|In Progress|2|1,234.50",
            "OP-A1|Shelving|ALPHA|Not Started||0.00",
        ]
    );
    let segments = body(&card, "id=\"segments-heading\"");
    assert!(
        segments.contains(&format!("/segments/{seg}\"")),
        "{segments}"
    );
    assert!(!segments.contains("OP-A"), "{segments}");
    let anna = c.get("/contacts/ANNA");
    assert_eq!(
        rows(&body(&anna, "id=\"opportunities-heading\"")),
        ["OP-A2|Tills|ANNA|In Progress|2|1,234.50"]
    );
    assert!(body(&anna, "id=\"segments-heading\"").contains(&format!("/segments/{seg}\"")));
    let cy = c.get("/contacts/CY");
    assert!(
        body(&cy, "id=\"opportunities-heading\"").contains("Cy Alpha has no sales opportunity.")
    );
    assert!(!body(&cy, "id=\"segments-heading\"").contains(&format!("/segments/{seg}\"")));
}

/// The opportunities list offers the sales cycles from the kept lists: a cycle renamed or
/// added through its statements shows at once, one renamed behind the version's back does not
/// (so the list is kept, not read again), and blocking a cycle leaves the version where it was.
#[test]
fn the_lists_sales_cycles_are_kept_until_a_cycle_is_renamed_or_added() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "kim");
    let offers = |c: &mut Client, tag: &str| c.get("/opportunities").contains(tag);
    assert!(offers(
        &mut c,
        "<option value=\"NEW\">NEW – New business</option>"
    ));
    assert!(c
        .get("/opportunities?cycle=NEW")
        .contains("<option value=\"NEW\" selected>NEW – New business</option>"));
    unversioned(
        &app,
        "sales_cycles",
        "UPDATE sales_cycles SET description = 'Fresh business' WHERE code = 'NEW'",
    );
    assert!(offers(
        &mut c,
        "<option value=\"NEW\">NEW – New business</option>"
    ));
    let version = "SELECT database || '/' || change FROM code_list_version";
    let before = text(&app, version);
    diesel_exec(
        &app,
        "UPDATE sales_cycles SET blocked = TRUE WHERE code = 'NEW'",
    );
    assert_eq!(
        text(&app, version),
        before,
        "blocking a cycle moves nothing"
    );
    diesel_exec(
        &app,
        "INSERT INTO sales_cycles (code, description, probability_calculation)
             VALUES ('RENEW', 'Renewals', 'add')",
    );
    assert!(offers(
        &mut c,
        "<option value=\"NEW\">NEW – Fresh business</option>"
    ));
    assert!(offers(
        &mut c,
        "<option value=\"RENEW\">RENEW – Renewals</option>"
    ));
    diesel_exec(
        &app,
        "UPDATE sales_cycles SET description = 'Renewal deals' WHERE code = 'RENEW'",
    );
    assert!(offers(
        &mut c,
        "<option value=\"RENEW\">RENEW – Renewal deals</option>"
    ));
}

#[test]
fn the_pipeline_is_kept_until_an_opportunity_or_a_stage_changes() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let insert = |no: &str, stage: i32| {
        format!(
            "INSERT INTO opportunities (no, contact_id, sales_cycle_code, status, current_stage,
                 estimated_value, current_value, salesperson_code)
             VALUES ('{no}', (SELECT id FROM contacts WHERE no = 'SOLO'), 'NEW', 'in_progress',
                 {stage}, 100, 20, 'JO')"
        )
    };
    diesel_exec(&app, &insert("OP900001", 1));
    let mut c = staff(&app, "kim");
    let open = |c: &mut Client, n: i64| {
        let page = c.get("/opportunities");
        page.assert_status(200);
        page.contains(&format!("data-figure=\"open\">{n}<"))
            && page.contains(&format!("role=\"status\">{n} opportunit"))
    };
    assert!(open(&mut c, 1));
    assert!(c.get("/opportunities").contains("NEW 1 – Initial contact"));
    // Written without moving the version: the groups kept answer, one opportunity.
    unversioned(&app, "opportunities", &insert("OP900002", 2));
    assert!(
        open(&mut c, 1),
        "the kept groups answer until the version moves"
    );
    // Any statement that writes opportunities moves it: both are counted.
    let version = "SELECT change FROM code_list_version";
    let before = text(&app, version);
    diesel_exec(
        &app,
        "UPDATE opportunities SET description = 'Desks' WHERE no = 'OP900001'",
    );
    assert_ne!(text(&app, version), before);
    assert!(open(&mut c, 2));
    // So does a stage renamed: the pipeline names it anew.
    diesel_exec(
        &app,
        "UPDATE sales_cycle_stages SET description = 'First call' WHERE stage = 1",
    );
    let page = c.get("/opportunities");
    assert!(page.contains("NEW 1 – First call") && !page.contains("Initial contact"));
    // A campaign's card keeps its own (its campaign's, without a period).
    diesel_exec(
        &app,
        "UPDATE opportunities SET campaign_no = 'CP0001' WHERE no = 'OP900002'",
    );
    let card = c.get("/campaigns/CP0001");
    card.assert_status(200);
    assert!(card.contains("data-figure=\"open\">1<"), "{}", card.body);
}

#[test]
fn opportunities_written_by_several_users_at_once_keep_their_figures_exact() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut clients: Vec<Client> = (0..6).map(|i| staff(&app, &format!("u{i}"))).collect();
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let today = &today;
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(clients.len()));
    // Each user at once: creates three, moves each to its first stage, closes one as won.
    let statuses: Vec<Vec<u16>> = std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter_mut()
            .map(|c| {
                let barrier = barrier.clone();
                let app = &app;
                s.spawn(move || {
                    barrier.wait();
                    let mut statuses = Vec::new();
                    let mut made = Vec::new();
                    for value in ["100", "200", "300"] {
                        made.push(create_one(c, "SOLO", value));
                    }
                    for no in &made {
                        let fields = [("action", "first"), ("estimated_value", "500")];
                        statuses.push(update(c, app, no, &fields).status);
                    }
                    let version = text(
                        app,
                        &format!("SELECT version FROM opportunities WHERE no = '{}'", made[0]),
                    );
                    let close = [
                        ("version", version.as_str()),
                        ("outcome", "won"),
                        ("close_code", "SIGNED"),
                        ("date_closed", today.as_str()),
                        ("final_value", "700"),
                    ];
                    let path = format!("/opportunities/{}/close", made[0]);
                    statuses.push(post(c, &path, &close).status);
                    statuses
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().flatten().all(|s| *s == 303), "{statuses:?}");
    // The figures kept by the triggers are those of the opportunities, summed afresh.
    let differ = "SELECT count(*) FROM (
         (SELECT sales_cycle_code, stage, salesperson_code, campaign_no, status, date_closed,
                 n, estimated, current FROM opportunity_figures WHERE n <> 0
          EXCEPT
          SELECT sales_cycle_code, COALESCE(current_stage, 0), COALESCE(salesperson_code, ''),
                 COALESCE(campaign_no, ''), status, COALESCE(date_closed, 'infinity'),
                 count(*), sum(estimated_value), sum(current_value)
          FROM opportunities GROUP BY 1, 2, 3, 4, 5, 6)
         UNION ALL
         (SELECT sales_cycle_code, COALESCE(current_stage, 0), COALESCE(salesperson_code, ''),
                 COALESCE(campaign_no, ''), status, COALESCE(date_closed, 'infinity'),
                 count(*), sum(estimated_value), sum(current_value)
          FROM opportunities GROUP BY 1, 2, 3, 4, 5, 6
          EXCEPT
          SELECT sales_cycle_code, stage, salesperson_code, campaign_no, status, date_closed,
                 n, estimated, current FROM opportunity_figures WHERE n <> 0)) d";
    assert_eq!(app.count(differ), 0);
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 18);
    // And the list shows them: 12 open, 6 won this year.
    let page = staff(&app, "reader").get("/opportunities?from=2026-01-01");
    assert!(page.contains("data-figure=\"open\">12<"), "{}", page.body);
    assert!(page.contains("data-figure=\"won\">6<"));
}

/// The pipeline's period above the list is kept when the list is filtered, sorted or paged,
/// and the list's filters when the period changes: each form carries the other's fields, and
/// every link the period. The figures used to fall back to this year at the first filter.
#[test]
fn the_period_and_the_filters_keep_each_other() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code)
         SELECT 'OP9' || no, id, 'NEW' FROM contacts WHERE no IN ('ANNA', 'DORA')",
    );
    let mut c = staff(&app, "stan");
    let page = c.get("/opportunities?from=2025-01-01&to=2025-12-31&status=open&sort=value");
    page.assert_status(200);
    // The list's form carries the period; the period's form the list's filters and order.
    assert!(page.contains("<input type=\"hidden\" name=\"from\" value=\"2025-01-01\">"));
    assert!(page.contains("<input type=\"hidden\" name=\"to\" value=\"2025-12-31\">"));
    assert!(page.contains("<input type=\"hidden\" name=\"status\" value=\"open\">"));
    assert!(page.contains("<input type=\"hidden\" name=\"sort\" value=\"value\">"));
    // A column's link keeps both.
    let unescaped = page.body.replace("&#38;", "&");
    assert!(
        unescaped.contains(
            "href=\"/opportunities?status=open&sort=value&dir=desc&from=2025-01-01&to=2025-12-31\""
        ),
        "{}",
        page.body
    );
    // Shown again from a link, the period is the one asked for.
    assert!(c
        .get("/opportunities?status=open&from=2025-01-01&to=2025-12-31")
        .contains("value=\"2025-12-31\""));
    // A period's date mistyped is said by its field; the list stays. It was emptied, under
    // "There are no opportunities yet".
    let res = c.get("/opportunities?status=open&from=31%2F12%2F2026");
    res.assert_status(422);
    assert!(res.contains("value=\"31/12/2026\""), "{}", res.body);
    assert!(
        res.contains("href=\"/opportunities/OP9ANNA\""),
        "{}",
        res.body
    );
    assert!(res.contains("href=\"/opportunities/OP9DORA\""));
    assert!(!res.contains("There are no opportunities yet"));
}

/// What Business Central refuses or sets, and Rapport did silently otherwise: a won deal has a
/// value, a lost one keeps its estimate; closing makes it complete on its day; a stage chosen
/// with another move is asked about; dates before the change are refused; a blocked
/// salesperson is neither offered nor taken; a stage's interaction without a salesperson or
/// with a privacy blocked contact is left out, said so, and the move goes through.
#[test]
fn closing_and_moving_refuse_what_business_central_refuses() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let today = chrono::Local::now().date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let (yesterday, tomorrow) = (
        day(today - chrono::Days::new(1)),
        day(today + chrono::Days::new(1)),
    );
    let today = day(today);
    let no = create_one(&mut c, "ANNA", "1000");
    let res = update(
        &mut c,
        &app,
        &no,
        &[("action", "first"), ("estimated_value", "1000")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "update"),
            ("estimated_value", "1000"),
            ("chances_pct", "80"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);

    // Next with a stage chosen to jump to: which was meant is asked, nothing written.
    let entries = actions(&app, &no);
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "next"),
            ("stage", "4"),
            ("estimated_value", "1000"),
            ("quote_reference", "Q"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Stage 4 is chosen to skip or jump to, but the move is"));
    // A closing date before today, the date of the change.
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "update"),
            ("estimated_value", "1000"),
            ("estimated_closing_date", &yesterday),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("The estimated closing date cannot be before today"));
    assert_eq!(actions(&app, &no), entries, "nothing written");

    // Won at 0 or with nothing typed, a date closed tomorrow or before its creation: refused.
    let version = text(
        &app,
        &format!("SELECT version FROM opportunities WHERE no = '{no}'"),
    );
    let close = |c: &mut Client, outcome: &str, code: &str, date: &str, value: &str| {
        post(
            c,
            &format!("/opportunities/{no}/close"),
            &[
                ("version", &version),
                ("outcome", outcome),
                ("close_code", code),
                ("date_closed", date),
                ("final_value", value),
            ],
        )
    };
    for (value, reason) in [
        ("0", "final value is more than 0"),
        ("", "final value is more than 0"),
        ("0,00", "Write the decimals after a point: 0.00."),
    ] {
        let res = close(&mut c, "won", "SIGNED", &today, value);
        res.assert_status(422);
        assert!(res.contains(reason), "{value}: {}", res.body);
    }
    let res = close(&mut c, "won", "SIGNED", &tomorrow, "900");
    res.assert_status(422);
    assert!(res.contains("The date closed cannot be after today."));
    let res = close(&mut c, "won", "SIGNED", &yesterday, "900");
    res.assert_status(422);
    assert!(res.contains("The date closed cannot be before the opportunity was created"));
    assert_eq!(actions(&app, &no), entries, "nothing written");
    let closing_before = text(
        &app,
        &format!(
            "SELECT coalesce(estimated_closing_date::text, '-') FROM opportunities WHERE no = '{no}'"
        ),
    );
    // Lost with the final value cleared: the estimate stays, worth nothing now, complete.
    let res = close(&mut c, "lost", "PRICE", &today, "");
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(opp(&app, &no), "lost|1|1000.00|0.00|100.00|0.00|0.00|PRICE");
    // Reopened: the chances it had before it was closed (80 %), not the stage's 20 %, and the
    // estimated closing date it had, not the day it was lost.
    let version = text(
        &app,
        &format!("SELECT version FROM opportunities WHERE no = '{no}'"),
    );
    post(
        &mut c,
        &format!("/opportunities/{no}/reopen"),
        &[("version", &version)],
    )
    .assert_status(303);
    assert_eq!(
        opp(&app, &no),
        "in_progress|1|1000.00|80.00|10.00|8.00|80.00|-"
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT coalesce(estimated_closing_date::text, '-') FROM opportunities \
                 WHERE no = '{no}'"
            )
        ),
        closing_before
    );
    assert_ne!(closing_before, today);

    // Reopened, the opportunity has no close code, but its history keeps PRICE: the code is in
    // use (its kind is not flipped, it is not deleted) and a rename reaches the history.
    let mut admin = app.signed_in("boss", "admin");
    let page = "/setup/close-opportunity-codes/PRICE";
    assert!(
        admin
            .get(page)
            .contains("closing in an opportunity&#39;s history"),
        "{}",
        admin.get(page).body
    );
    let res = admin.submit(
        page,
        page,
        &[("code", "PRICE"), ("kind", "won"), ("description", "Price")],
    );
    res.assert_status(422);
    assert!(res.contains("its kind cannot change"));
    admin.submit(page, &format!("{page}/delete"), &[]);
    assert_eq!(
        app.count("SELECT count(*) FROM close_opportunity_codes WHERE code = 'PRICE'"),
        1
    );
    admin
        .submit(
            page,
            page,
            &[
                ("code", "PRICING"),
                ("kind", "lost"),
                ("description", "Price"),
            ],
        )
        .assert_redirect("/setup/close-opportunity-codes");
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT string_agg(DISTINCT e.close_code, ',') FROM opportunity_entries e \
                 JOIN opportunities o ON o.id = e.opportunity_id WHERE o.no = '{no}'"
            )
        ),
        "PRICING"
    );

    // A blocked salesperson is not offered and not taken; from a contact, its salesperson.
    diesel_exec(
        &app,
        "UPDATE salespeople SET blocked = TRUE WHERE code = 'JO';
         UPDATE contacts SET salesperson_code = 'PL' WHERE no = 'SOLO';
         INSERT INTO sales_cycles (code, description, probability_calculation)
             VALUES ('BIG', 'Big deals', 'add');",
    );
    let form = c.get("/opportunities/new?contact=SOLO");
    assert!(
        form.contains("<option value=\"PL\" selected>"),
        "{}",
        form.body
    );
    assert!(!form.contains("<option value=\"JO\""));
    // From a contact's card: its name beside its No., Cancel back to the card, and the sales
    // cycle to choose (the first of several was taken by whoever did not look).
    assert!(
        form.contains("SOLO is Solo Person.")
            && form.contains("<a href=\"/contacts/SOLO\">Cancel</a>")
            && form.contains("<option value=\"\">(choose)</option>")
            && !form.contains("<option value=\"NEW\" selected"),
        "{}",
        form.body
    );
    let res = c.submit(
        "/opportunities/new",
        "/opportunities",
        &[
            ("description", "Desks"),
            ("contact_no", "SOLO"),
            ("sales_cycle_code", "NEW"),
            ("salesperson_code", "JO"),
            ("priority", "normal"),
            ("estimated_value", "10"),
            ("estimated_closing_date", &yesterday),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Salesperson JO is blocked: choose another."));
    assert!(res.contains("The estimated closing date cannot be before today"));
    // The choice stays, marked blocked (it was gone: "(choose)" beside "is blocked").
    assert!(
        res.contains("<option value=\"JO\" selected>JO – ") && res.contains("(blocked)</option>"),
        "{}",
        res.body
    );

    // A stage's interaction with no salesperson to give it: the move is made, the
    // interaction left out and said so (it was a database error).
    diesel_exec(
        &app,
        "UPDATE sales_cycle_stages SET template_code = 'MAIL' WHERE stage = 1;
         UPDATE salespeople SET blocked = FALSE WHERE code = 'JO'",
    );
    let desk = create_one(&mut c, "SOLO", "10");
    diesel_exec(
        &app,
        &format!("UPDATE opportunities SET salesperson_code = NULL WHERE no = '{desk}'"),
    );
    let before = app.count("SELECT count(*) FROM interaction_log_entries");
    let res = update(
        &mut c,
        &app,
        &desk,
        &[
            ("action", "first"),
            ("estimated_value", "10"),
            ("log_interaction", "yes"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let card = c.get(&format!("/opportunities/{desk}"));
    assert!(
        card.contains("No interaction was logged: an interaction has a salesperson"),
        "{}",
        card.body
    );
    assert_eq!(opp(&app, &desk).split('|').nth(1), Some("1"));
    assert_eq!(
        app.count("SELECT count(*) FROM interaction_log_entries"),
        before
    );
}

/// Stan moves an opportunity in a thread of its own (`fields` with the version read now): the
/// status and the page it answers.
fn moving(
    app: &TestApp,
    mut c: Client,
    no: &str,
    action: &str,
    fields: &[(&'static str, &str)],
) -> std::thread::JoinHandle<(u16, String)> {
    let version = text(
        app,
        &format!("SELECT version FROM opportunities WHERE no = '{no}'"),
    );
    let action = format!("/opportunities/{no}/{action}");
    let mut all = vec![("version", version)];
    all.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
    std::thread::spawn(move || {
        let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = post(&mut c, &action, &all);
        (res.status, res.body)
    })
}

/// A stage deleted in setup while an opportunity moves into it: the move waits for the
/// deletion and goes to the stage after it, and no opportunity is left on a stage its cycle no
/// longer has. (The move used to read the stages before the deletion committed, and land on
/// the deleted one, which the deletion had counted empty.)
#[test]
fn a_move_and_a_stage_deleted_at_once_leave_no_opportunity_on_a_missing_stage() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    on_stage_two(&app, "2099-06-30");
    let c = staff(&app, "stan");
    // The administrator's deletion of stage 3, as the stage page makes it: the cycle locked,
    // nobody counted on the stage, the stage deleted — not yet committed ...
    let mut admin = app.conn();
    diesel::sql_query("BEGIN").execute(&mut admin).unwrap();
    rapport::setup::sales_cycles::lock(&mut admin, "NEW")
        .unwrap()
        .unwrap();
    diesel::sql_query(
        "DELETE FROM sales_cycle_stages WHERE sales_cycle_code = 'NEW' AND stage = 3",
    )
    .execute(&mut admin)
    .unwrap();
    // ... when Stan moves the opportunity to the next stage.
    let move_on = moving(
        &app,
        c,
        "OP000001",
        "update",
        &[("action", "next"), ("estimated_value", "1000")],
    );
    assert!(one_waits_for_a_lock(&app, || move_on.is_finished()));
    diesel::sql_query("COMMIT").execute(&mut admin).unwrap();
    let (status, body) = move_on.join().unwrap();
    assert_eq!(status, 303, "{body}");
    assert_eq!(opp(&app, "OP000001").split('|').nth(1), Some("4"));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM opportunities o WHERE NOT EXISTS (SELECT 1 FROM \
             sales_cycle_stages s WHERE s.sales_cycle_code = o.sales_cycle_code \
             AND s.stage = o.current_stage)"
        ),
        0
    );

    // One left on a stage deleted before such moves waited: updating in place says why it
    // cannot, and the other moves still go.
    diesel_exec(
        &app,
        "UPDATE opportunities SET current_stage = 3 WHERE no = 'OP000001'",
    );
    let mut c = staff(&app, "stan2");
    let res = update(
        &mut c,
        &app,
        "OP000001",
        &[("action", "update"), ("estimated_value", "1000")],
    );
    res.assert_status(422);
    assert!(
        res.contains("Stage 3 is no longer a stage of sales cycle NEW: choose another move."),
        "{}",
        res.body
    );
    let res = update(
        &mut c,
        &app,
        "OP000001",
        &[("action", "previous"), ("estimated_value", "1000")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(opp(&app, "OP000001").split('|').nth(1), Some("2"));
}

/// A close code's kind changed in setup while an opportunity closes with it: the close waits
/// and is refused with the new kind, so no opportunity is won with a lost code. (The close
/// used to read the codes before the change committed, which had counted the code unused.)
#[test]
fn a_close_and_a_close_code_changed_at_once_never_win_with_a_lost_code() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    on_stage_two(&app, "2099-06-30");
    let c = staff(&app, "stan");
    // The administrator's change of SIGNED to a lost code, as its page makes it: the code
    // locked, nobody counted on it, its kind changed — not yet committed ...
    let mut admin = app.conn();
    diesel::sql_query("BEGIN").execute(&mut admin).unwrap();
    diesel::sql_query("SELECT code FROM close_opportunity_codes WHERE code = 'SIGNED' FOR UPDATE")
        .execute(&mut admin)
        .unwrap();
    diesel::sql_query("UPDATE close_opportunity_codes SET kind = 'lost' WHERE code = 'SIGNED'")
        .execute(&mut admin)
        .unwrap();
    // ... when Stan closes the opportunity as won with it.
    let today = chrono::Local::now().date_naive().to_string();
    let closing = moving(
        &app,
        c,
        "OP000001",
        "close",
        &[
            ("outcome", "won"),
            ("close_code", "signed"),
            ("date_closed", &today),
            ("final_value", "1000"),
        ],
    );
    assert!(one_waits_for_a_lock(&app, || closing.is_finished()));
    diesel::sql_query("COMMIT").execute(&mut admin).unwrap();
    let (status, body) = closing.join().unwrap();
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("SIGNED is a Lost code: choose a Won code."),
        "{body}"
    );
    assert_eq!(
        opp(&app, "OP000001"),
        "in_progress|2|1000.00|40.00|30.00|12.00|120.00|-"
    );
}

/// An opportunity made by mistake, or closed and done with, is deleted from its card with its
/// history, as Business Central deletes it; one In Progress is refused ("cannot be deleted
/// while it is active"), as there. The pipeline's figures follow; viewers cannot delete; the
/// audit trail keeps who did.
#[test]
fn an_opportunity_is_deleted_with_its_history_but_not_while_it_is_active() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "ANNA", "1000");
    let card = c.get(&format!("/opportunities/{no}"));
    assert!(card.contains(&format!("href=\"/opportunities/{no}/delete\"")));
    // In progress: the confirmation says why not, and a POST (an old page) is refused on the
    // card, nothing deleted.
    let res = update(
        &mut c,
        &app,
        &no,
        &[("action", "first"), ("estimated_value", "1000")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let page = c.get(&format!("/opportunities/{no}/delete"));
    page.assert_status(200);
    let why = format!(
        "Opportunity {no} cannot be deleted while it is active (In Progress): close it as won or lost first."
    );
    assert!(page.contains(&why), "{}", page.body);
    assert!(!page.contains("button-danger"));
    let res = post(&mut c, &format!("/opportunities/{no}/delete"), &[]);
    assert_eq!(
        res.location().as_deref(),
        Some(&*format!("/opportunities/{no}"))
    );
    assert!(c.get(&format!("/opportunities/{no}")).contains(&why));
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 1);
    // Closed as lost: deleted, with its three entries (created, first stage, closed).
    let version = text(&app, "SELECT version FROM opportunities");
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let res = post(
        &mut c,
        &format!("/opportunities/{no}/close"),
        &[
            ("version", &version),
            ("outcome", "lost"),
            ("close_code", "PRICE"),
            ("date_closed", &today),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        actions(&app, &no).split(',').count(),
        3,
        "{}",
        actions(&app, &no)
    );
    let page = c.get(&format!("/opportunities/{no}/delete"));
    assert!(page.contains("3 history entries"), "{}", page.body);
    let mut vera = app.signed_in("vera", "viewer");
    vera.get(&format!("/opportunities/{no}/delete"))
        .assert_status(403);
    assert!(!vera
        .get(&format!("/opportunities/{no}"))
        .contains(&format!("/opportunities/{no}/delete")));
    let res = post(&mut c, &format!("/opportunities/{no}/delete"), &[]);
    assert_eq!(res.location().as_deref(), Some("/opportunities"));
    let list = c.get("/opportunities");
    assert!(
        list.contains(&format!(
            "Opportunity {no} Office chairs deleted, with its 3 history entries."
        )),
        "{}",
        list.body
    );
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 0);
    assert_eq!(app.count("SELECT count(*) FROM opportunity_entries"), 0);
    assert_eq!(
        app.count("SELECT COALESCE(sum(n), 0) FROM opportunity_figures"),
        0,
        "the pipeline counts it no more"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'opportunity deleted' \
             AND subject = 'OP000001' AND actor = 'stan' AND detail LIKE '%status Lost; 3 history entries'"
        ),
        1
    );
    c.get(&format!("/opportunities/{no}/delete"))
        .assert_status(404);
    // One not started (made by mistake) goes too, with its one entry.
    let second = create_one(&mut c, "ANNA", "500");
    let res = post(&mut c, &format!("/opportunities/{second}/delete"), &[]);
    assert_eq!(res.location().as_deref(), Some("/opportunities"));
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 0);
}

/// An opportunity's contact is corrected on its edit page, as on Business Central's card: any
/// contact while it is Not Started; once started, another of the same company ("Contact … is
/// related to another company."). A contact with an open opportunity from the same segment
/// already is refused (one is open for a contact of a segment). The company follows the
/// contact; no entry is written, the trail says from → to.
#[test]
fn an_opportunitys_contact_is_corrected_within_its_company_once_started() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "ANNA", "1000");
    let send = |c: &mut Client, app: &TestApp, contact: &str| {
        let version = text(
            app,
            &format!("SELECT version FROM opportunities WHERE no = '{no}'"),
        );
        post(
            c,
            &format!("/opportunities/{no}/edit"),
            &[
                ("version", version.as_str()),
                ("description", "Office chairs"),
                ("contact_no", contact),
                ("salesperson_code", "JO"),
                ("campaign_no", "CP0001"),
                ("priority", "high"),
                ("sales_cycle_code", "NEW"),
            ],
        )
    };
    let who = |app: &TestApp| {
        text(
            app,
            &format!(
                "SELECT c.no || '|' || coalesce(co.no, '-') FROM opportunities o \
                 JOIN contacts c ON c.id = o.contact_id LEFT JOIN contacts co ON co.id = o.company_id \
                 WHERE o.no = '{no}'"
            ),
        )
    };
    let form = c.get(&format!("/opportunities/{no}/edit"));
    assert!(
        form.contains("id=\"contact_no\" name=\"contact_no\" type=\"text\" value=\"ANNA\""),
        "{}",
        form.body
    );
    // Not started: any contact; a typo is said by the field.
    let res = send(&mut c, &app, "nope");
    res.assert_status(422);
    assert!(res.contains("There is no contact NOPE."), "{}", res.body);
    assert_eq!(who(&app), "ANNA|ALPHA");
    // A privacy blocked contact gets no opportunity, as on the new opportunity's form.
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = true WHERE no = 'SOLO'",
    );
    let res = send(&mut c, &app, "solo");
    res.assert_status(422);
    assert!(
        res.contains("Contact SOLO is privacy blocked: no opportunity is made for it."),
        "{}",
        res.body
    );
    assert_eq!(who(&app), "ANNA|ALPHA");
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = false WHERE no = 'SOLO'",
    );
    send(&mut c, &app, "solo").assert_redirect(&format!("/opportunities/{no}"));
    assert_eq!(who(&app), "SOLO|-");
    send(&mut c, &app, "ANNA").assert_redirect(&format!("/opportunities/{no}"));
    assert_eq!(who(&app), "ANNA|ALPHA");
    assert!(c
        .get(&format!("/opportunities/{no}"))
        .contains("Contact SOLO → ANNA"));
    assert_eq!(actions(&app, &no), "created");
    // Started: another person of ALPHA, or ALPHA itself, but not one of BETA.
    let res = update(
        &mut c,
        &app,
        &no,
        &[("action", "first"), ("estimated_value", "1000")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let res = send(&mut c, &app, "DORA");
    res.assert_status(422);
    assert!(
        res.contains(
            "Contact DORA Dora Beta is related to another company: once an opportunity has \
             started, its contact stays company ALPHA or one of its persons."
        ),
        "{}",
        res.body
    );
    assert_eq!(who(&app), "ANNA|ALPHA");
    send(&mut c, &app, "BO").assert_redirect(&format!("/opportunities/{no}"));
    assert_eq!(who(&app), "BO|ALPHA");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'opportunity changed' \
             AND subject = '{no}' AND detail = 'Contact ANNA → BO'"
        )),
        1
    );
    // From a segment: CY's own open opportunity from it stops a second one for CY.
    diesel_exec(
        &app,
        &format!(
            "UPDATE opportunities SET segment_no = 'SM0001' WHERE no = '{no}';
             INSERT INTO opportunities (no, contact_id, company_id, sales_cycle_code, segment_no)
                 SELECT 'OP000099', id, company_id, 'NEW', 'SM0001' FROM contacts WHERE no = 'CY';
             UPDATE contacts SET privacy_blocked = false WHERE no = 'CY'"
        ),
    );
    let res = send(&mut c, &app, "CY");
    res.assert_status(422);
    assert!(
        res.contains(
            "Contact CY has opportunity OP000099 from segment SM0001 open already: a contact has \
             one open opportunity from a segment."
        ),
        "{}",
        res.body
    );
    assert_eq!(who(&app), "BO|ALPHA");
}

/// A contact given, a moment before, an open opportunity from the same segment by a colleague
/// (committed while the save wrote) is refused by the field, as when it was given before: the
/// save's own refusal came after the failed write had spoiled its transaction, and the page
/// was a 500.
#[test]
fn a_contact_given_the_same_segments_opportunity_meanwhile_is_refused_by_its_field() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "ANNA", "1000");
    diesel_exec(
        &app,
        &format!(
            "UPDATE opportunities SET segment_no = 'SM0001' WHERE no = '{no}';
             UPDATE contacts SET privacy_blocked = false WHERE no = 'CY'"
        ),
    );
    let form = c.get(&format!("/opportunities/{no}/edit"));
    let version = hidden_value(&form.body, "version").unwrap();
    let token = form.csrf_token().unwrap();
    // A colleague's Create Opportunities gives CY one from the segment, not yet committed ...
    let mut colleague = app.conn();
    colleague
        .batch_execute(
            "BEGIN; INSERT INTO opportunities (no, contact_id, company_id, sales_cycle_code, \
                 segment_no) \
             SELECT 'OP000099', id, company_id, 'NEW', 'SM0001' FROM contacts WHERE no = 'CY'",
        )
        .unwrap();
    // ... when Stan makes CY this opportunity's contact.
    let path = format!("/opportunities/{no}/edit");
    let saving = std::thread::spawn(move || {
        c.post_with_token(
            &path,
            &token,
            &[
                ("version", &version),
                ("description", "Office chairs"),
                ("contact_no", "CY"),
                ("salesperson_code", "JO"),
                ("campaign_no", "CP0001"),
                ("priority", "high"),
                ("sales_cycle_code", "NEW"),
            ],
        )
    });
    assert!(one_waits_for_a_lock(&app, || saving.is_finished()));
    colleague.batch_execute("COMMIT").unwrap();
    let res = saving.join().unwrap();
    res.assert_status(422);
    assert!(
        res.contains(
            "Contact CY has an opportunity from segment SM0001 open already: a contact has one \
             open opportunity from a segment."
        ),
        "{}",
        res.body
    );
    assert!(res.contains("value=\"CY\""), "what was typed stays");
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT c.no FROM opportunities o JOIN contacts c ON c.id = o.contact_id \
                 WHERE o.no = '{no}'"
            )
        ),
        "ANNA"
    );
}

/// Every move asks for an estimated value and chances of success above 0, as Business
/// Central's Update Opportunity does: an opportunity in progress at 0 was worth nothing in the
/// pipeline while it counted there. The reasons are said by their fields; nothing moves.
#[test]
fn a_move_needs_a_value_and_chances_above_zero() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "ANNA", "0");
    let res = update(
        &mut c,
        &app,
        &no,
        &[("action", "first"), ("estimated_value", "0")],
    );
    res.assert_status(422);
    assert!(
        res.contains(
            "Enter the estimated value: more than 0, as an opportunity in progress is worth something."
        ),
        "{}",
        res.body
    );
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "first"),
            ("estimated_value", "500"),
            ("chances_pct", "0"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Enter the chances of success: more than 0 %."));
    // A stage that gives no chances, left to give them: said so.
    diesel_exec(
        &app,
        "UPDATE sales_cycle_stages SET chances_pct = 0 WHERE sales_cycle_code = 'NEW' AND stage = 1",
    );
    let res = update(
        &mut c,
        &app,
        &no,
        &[("action", "first"), ("estimated_value", "500")],
    );
    res.assert_status(422);
    assert!(res.contains("Enter the chances of success, more than 0 %: the stage gives none."));
    assert_eq!(opp(&app, &no), "not_started|-|0.00|0.00|0.00|0.00|0.00|-");
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "first"),
            ("estimated_value", "500"),
            ("chances_pct", "25"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        opp(&app, &no),
        "in_progress|1|500.00|25.00|10.00|2.50|12.50|-"
    );
}

/// A move needs an estimated closing date, as Business Central's Update Opportunity asks: one
/// Create Opportunities made has none, and a stage without a date formula suggests none, so
/// it is asked for by its field rather than the opportunity going on with none. "Log an
/// interaction" ticked on an update in place is said to log nothing. The card is found by its
/// No. in any case, and the new form's example amount is written the office's way.
#[test]
fn a_move_needs_a_closing_date_and_an_update_in_place_says_it_logged_nothing() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    diesel_exec(
        &app,
        "UPDATE sales_cycle_stages SET date_formula = '', template_code = 'CALL' \
         WHERE sales_cycle_code = 'NEW' AND stage = 1",
    );
    let mut c = staff(&app, "stan");
    assert!(c
        .get("/opportunities/new")
        .contains("What the deal is worth, e.g. 12500.50."));
    let no = create_one(&mut c, "ANNA", "1000");
    let res = update(
        &mut c,
        &app,
        &no,
        &[("action", "first"), ("estimated_value", "1000")],
    );
    res.assert_status(422);
    assert!(
        res.contains(
            "Enter the estimated closing date: stage 1 has no date formula to suggest one."
        ),
        "{}",
        res.body
    );
    assert_eq!(
        opp(&app, &no),
        "not_started|-|1000.00|0.00|0.00|0.00|0.00|-"
    );
    let later = (chrono::Local::now().date_naive() + chrono::Days::new(30))
        .format("%Y-%m-%d")
        .to_string();
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "first"),
            ("estimated_value", "1000"),
            ("estimated_closing_date", &later),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let entries = app.count("SELECT count(*) FROM interaction_log_entries");
    let res = update(
        &mut c,
        &app,
        &no,
        &[
            ("action", "update"),
            ("estimated_value", "1200"),
            ("log_interaction", "yes"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let card = c.get(&format!("/opportunities/{}", no.to_lowercase()));
    card.assert_status(200);
    assert!(
        card.contains(
            "No interaction was logged: updating the estimates does not change the stage."
        ),
        "{}",
        card.body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM interaction_log_entries"),
        entries
    );
}

/// The card's forms sent twice (a double click): the first made its change; the second was
/// told a colleague had changed the opportunity (409), with the Update form ready to send
/// again under the new version, which moved the opportunity one stage further. Now the second
/// is taken for what it is: nothing more is done, the first's message stays. A delete sent
/// twice ends on the list, not on a 404.
#[test]
fn a_card_form_sent_twice_changes_the_opportunity_once() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "ANNA", "1000");
    let first = update(
        &mut c,
        &app,
        &no,
        &[("action", "first"), ("estimated_value", "1000")],
    );
    assert_eq!(first.status, 303, "{}", first.body);
    let card_path = format!("/opportunities/{no}");
    let stage = || {
        text(
            &app,
            &format!(
                "SELECT current_stage::text || '|' || version FROM opportunities WHERE no = '{no}'"
            ),
        )
    };
    let before = stage();
    let card = c.get(&card_path);
    let token = card.csrf_token().unwrap();
    let version = hidden_value(&card.body, "version").unwrap();
    let once = hidden_value(&card.body, "once").unwrap_or_default();
    let next = [
        ("version", version.as_str()),
        ("once", once.as_str()),
        ("action", "next"),
        ("estimated_value", "1000"),
        ("quote_reference", "Q-1"),
    ];
    let update = format!("{card_path}/update");
    c.post_with_token(&update, &token, &next)
        .assert_redirect(&card_path);
    let moved = stage();
    assert_ne!(moved, before);
    c.post_with_token(&update, &token, &next)
        .assert_redirect(&card_path);
    assert_eq!(stage(), moved, "moved once");
    assert_eq!(actions(&app, &no), "created,first,next");
    let shown = c.get(&card_path);
    assert!(!shown.contains("Someone else changed"), "{}", shown.body);
    // The same for Close.
    let card = c.get(&card_path);
    let close = [
        ("version", hidden_value(&card.body, "version").unwrap()),
        ("once", hidden_value(&card.body, "once").unwrap()),
        ("outcome", "lost".to_string()),
        ("close_code", "PRICE".to_string()),
        ("final_value", "0".to_string()),
        (
            "date_closed",
            chrono::Local::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string(),
        ),
    ];
    let close: Vec<(&str, &str)> = close.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let token = card.csrf_token().unwrap();
    c.post_with_token(&format!("{card_path}/close"), &token, &close)
        .assert_redirect(&card_path);
    c.post_with_token(&format!("{card_path}/close"), &token, &close)
        .assert_redirect(&card_path);
    assert_eq!(actions(&app, &no), "created,first,next,lost");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'opportunity closed'"),
        1
    );
    // The trail says with what it was closed (it said "closed as lost" alone).
    let detail = crate::segments::text(
        &app,
        "SELECT detail FROM audit_log WHERE action = 'opportunity closed'",
    );
    assert!(
        detail.contains("closed as lost. Close code ") && detail.ends_with(", current value 0.00."),
        "{detail}"
    );
    // A form of the card shown before another form's change is still a colleague's case.
    c.post_with_token(
        &format!("{card_path}/reopen"),
        &token,
        &[("version", &version), ("once", &once)],
    )
    .assert_status(409);
    // Delete sent twice: deleted, and the second ends on the list.
    let mut fresh = staff(&app, "sam");
    let other = create_one(&mut fresh, "DORA", "500");
    let confirm = fresh.get(&format!("/opportunities/{other}/delete"));
    let token = confirm.csrf_token().unwrap();
    let fields = [("version", hidden_value(&confirm.body, "version").unwrap())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let delete = format!("/opportunities/{other}/delete");
    fresh
        .post_with_token(&delete, &token, &fields)
        .assert_redirect("/opportunities");
    fresh
        .post_with_token(&delete, &token, &fields)
        .assert_redirect("/opportunities");
    let list = fresh.get("/opportunities");
    assert!(
        list.contains(&format!(
            "Opportunity {other} Office chairs deleted, with its"
        )),
        "{}",
        list.body
    );
    assert!(!list.contains("deleted already"));
}

/// A form sent for something a colleague deleted after the page was opened — an
/// opportunity's Update and Edit, Create Opportunities and Log of a segment, a contact's
/// classifications, profile and a new interaction with it — says who deleted it and when,
/// that nothing was saved, and leads to its list. Each was a bare "Page not found".
#[test]
fn a_form_on_something_deleted_meanwhile_says_who_deleted_it() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let mut bea = staff(&app, "bea");
    let said = |res: &Resp, what: &str, list: &str| {
        res.assert_status(409);
        assert!(
            res.contains(&format!("{what} was deleted by bea at ")),
            "{what}: {}",
            res.body
        );
        assert!(res.contains("after this page was opened: nothing was saved."));
        assert!(res.contains(&format!("href=\"{list}\"")), "{}", res.body);
    };

    // An opportunity, its card and its edit page open.
    let no = create_one(&mut c, "ANNA", "1000");
    let card = c.get(&format!("/opportunities/{no}"));
    let edit = c.get(&format!("/opportunities/{no}/edit"));
    let confirm = bea.get(&format!("/opportunities/{no}/delete"));
    bea.post_with_token(
        &format!("/opportunities/{no}/delete"),
        &confirm.csrf_token().unwrap(),
        &[("version", &hidden_value(&confirm.body, "version").unwrap())],
    )
    .assert_redirect("/opportunities");
    let res = c.post_with_token(
        &format!("/opportunities/{no}/update"),
        &card.csrf_token().unwrap(),
        &[
            ("version", "1"),
            ("action", "first"),
            ("estimated_value", "1000"),
        ],
    );
    said(&res, &format!("Opportunity {no}"), "/opportunities");
    let res = c.post_with_token(
        &format!("/opportunities/{}/edit", no.to_lowercase()),
        &edit.csrf_token().unwrap(),
        &[("version", "1"), ("description", "Desks")],
    );
    said(&res, &format!("Opportunity {no}"), "/opportunities");

    // A segment, its Create Opportunities and Log pages open.
    let seg = new_segment(&mut c, "Deleted meanwhile");
    step(&mut c, &seg, "add", &[("contact_no", "ANNA")]);
    let create = c.get(&format!("/segments/{seg}/create-opportunities"));
    let log = c.get(&format!("/segments/{seg}/log"));
    post(&mut bea, &format!("/segments/{seg}/delete"), &[]).assert_redirect("/segments");
    let res = c.post_with_token(
        &format!("/segments/{seg}/create-opportunities"),
        &create.csrf_token().unwrap(),
        &[("sales_cycle_code", "NEW")],
    );
    said(&res, &format!("Segment {seg}"), "/segments");
    let res = c.post_with_token(
        &format!("/segments/{seg}/log"),
        &log.csrf_token().unwrap(),
        &[("follow_up", "on")],
    );
    said(&res, &format!("Segment {seg}"), "/segments");

    // A contact, its card and a new interaction's form open.
    let gone = crate::contacts::create(
        &mut c,
        &[("type", "company".into()), ("name", "Gone Ltd".into())],
    );
    let contact_card = c.get(&format!("/contacts/{gone}"));
    let interaction = c.get(&format!("/contacts/{gone}/interactions/new?template=CALL"));
    bea.submit(
        &format!("/contacts/{gone}/delete"),
        &format!("/contacts/{gone}/delete"),
        &[("persons", "0")],
    )
    .assert_redirect("/contacts");
    let token = contact_card.csrf_token().unwrap();
    for (action, fields) in [
        (
            "classifications",
            vec![("kind", "mailing_group"), ("code", "XMAS")],
        ),
        ("profile", vec![]),
    ] {
        let res = c.post_with_token(&format!("/contacts/{gone}/{action}"), &token, &fields);
        said(&res, &format!("Contact {gone}"), "/contacts");
    }
    let res = c.post_with_token(
        &format!("/contacts/{gone}/interactions"),
        &interaction.csrf_token().unwrap(),
        &[("template", "CALL"), ("description", "Called")],
    );
    said(&res, &format!("Contact {gone}"), "/contacts");
    assert_eq!(
        app.count("SELECT count(*) FROM interaction_log_entries WHERE description = 'Called'"),
        0
    );
}

/// A sales cycle nothing uses is deleted with its stages: its page says so before, and its
/// message and audit entry after (it said only that nothing used it).
#[test]
fn deleting_an_unused_sales_cycle_says_its_stages_go_with_it() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut admin = app.signed_in("boss", "admin");
    let page = admin.get("/setup/sales-cycles/NEW");
    assert!(
        page.contains("Deleting it deletes its 4 stages too."),
        "{}",
        page.body
    );
    let res = post(&mut admin, "/setup/sales-cycles/NEW/delete", &[]);
    res.assert_redirect("/setup/sales-cycles");
    assert_eq!(app.count("SELECT count(*) FROM sales_cycle_stages"), 0);
    let list = admin.get("/setup/sales-cycles");
    assert!(
        list.contains("Sales cycle NEW deleted with its 4 stages."),
        "{}",
        list.body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE detail = 'its 4 stages'"),
        1
    );
}

/// The card's estimated value says "More than 0" as its hint, and a value that cannot be read
/// is told the same (it was told "an amount of 0 or more", and 0 was then refused).
#[test]
fn an_unreadable_estimated_value_is_told_what_its_hint_says() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "ANNA", "1000");
    let card = c.get(&format!("/opportunities/{no}"));
    assert!(
        card.contains("More than 0, e.g. 12500.50."),
        "{}",
        card.body
    );
    let res = update(
        &mut c,
        &app,
        &no,
        &[("action", "first"), ("estimated_value", "abc")],
    );
    res.assert_status(422);
    assert!(
        res.contains(
            "Enter the estimated value: an amount more than 0 and below 10,000,000,000, like \
             12500.50."
        ),
        "{}",
        res.body
    );
    // The address the refusal was shown at, opened again, is the card (it was "Page not
    // found").
    for action in ["update", "close", "reopen"] {
        c.get(&format!("/opportunities/{no}/{action}"))
            .assert_redirect(&format!("/opportunities/{no}"));
    }
}

/// A colleague's step between the Create Opportunities page and its button: nothing is made,
/// and the page is shown again as the segment is now, with what was typed. It made every
/// opportunity of the lines as they were at the click (the button said 2, it made 3).
#[test]
fn create_opportunities_makes_what_its_page_showed_or_nothing() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "Chairs campaign");
    step(&mut c, &seg, "add", &[("contact_no", "ANNA|DORA")]);
    let href = format!("/segments/{seg}/create-opportunities");
    let form = c.get(&href);
    assert!(form.contains("Create 2 opportunities"), "{}", form.body);
    let mut colleague = staff(&app, "cole");
    step(&mut colleague, &seg, "add", &[("contact_no", "SOLO")]);
    let res = c.post_with_token(
        &href,
        &form.csrf_token().unwrap(),
        &[
            ("sales_cycle_code", "NEW"),
            ("description", "Chairs, typed"),
            ("shown", &hidden_value(&form.body, "shown").unwrap()),
        ],
    );
    res.assert_status(409);
    assert!(
        res.contains("It now makes 3 opportunities, as below")
            && res.contains("Create 3 opportunities")
            && res.contains("value=\"Chairs, typed\""),
        "{}",
        res.body
    );
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 0);
    // Sent from the page as it is now: made.
    let res = c.post_with_token(
        &href,
        &res.csrf_token().unwrap(),
        &[
            ("sales_cycle_code", "NEW"),
            ("description", "Chairs, typed"),
            ("shown", &hidden_value(&res.body, "shown").unwrap()),
        ],
    );
    res.assert_redirect(&format!("/opportunities?segment={seg}#list-heading"));
    assert_eq!(
        app.count("SELECT count(*) FROM opportunities WHERE description = 'Chairs, typed'"),
        3
    );
}

/// What no opportunity takes — a line's subject, the header's description or cost — changed
/// between the Create Opportunities page and its button: the opportunities are made as shown.
/// (Only what changes them refuses the click: a step, the header's salesperson or campaign.)
#[test]
fn create_opportunities_goes_on_over_a_change_that_does_not_touch_them() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "Chairs campaign");
    step(&mut c, &seg, "add", &[("contact_no", "ANNA|DORA")]);
    let href = format!("/segments/{seg}/create-opportunities");
    let form = c.get(&href);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segment_lines SET subject = 'Personal';
             UPDATE segments SET description = 'Chairs, spring', unit_cost = 9.50,
                 version = version + 1, updated_at = now() WHERE no = '{seg}'"
        ),
    );
    c.post_with_token(
        &href,
        &form.csrf_token().unwrap(),
        &[
            ("sales_cycle_code", "NEW"),
            ("description", "Chairs"),
            ("shown", &hidden_value(&form.body, "shown").unwrap()),
        ],
    )
    .assert_redirect(&format!("/opportunities?segment={seg}#list-heading"));
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 2);
    // The header's salesperson changed meanwhile: refused, shown again.
    let seg2 = new_segment(&mut c, "Tables");
    step(&mut c, &seg2, "add", &[("contact_no", "SOLO")]);
    let href = format!("/segments/{seg2}/create-opportunities");
    let form = c.get(&href);
    diesel_exec(
        &app,
        &format!("UPDATE segments SET salesperson_code = 'PL' WHERE no = '{seg2}'"),
    );
    let res = c.post_with_token(
        &href,
        &form.csrf_token().unwrap(),
        &[
            ("sales_cycle_code", "NEW"),
            ("description", "Tables"),
            ("shown", &hidden_value(&form.body, "shown").unwrap()),
        ],
    );
    res.assert_status(409);
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 2);
    // A colleague's Go Back and another step of as many lines: every count as it was, the
    // contacts others. Refused, shown again with the contacts now there.
    let seg3 = new_segment(&mut c, "Desks");
    step(&mut c, &seg3, "add", &[("contact_no", "ANNA")]);
    let href = format!("/segments/{seg3}/create-opportunities");
    let form = c.get(&href);
    post(&mut c, &format!("/segments/{seg3}/go-back"), &[])
        .assert_redirect(&format!("/segments/{seg3}"));
    step(&mut c, &seg3, "add", &[("contact_no", "DORA")]);
    let res = c.post_with_token(
        &href,
        &form.csrf_token().unwrap(),
        &[
            ("sales_cycle_code", "NEW"),
            ("description", "Desks"),
            ("shown", &hidden_value(&form.body, "shown").unwrap()),
        ],
    );
    res.assert_status(409);
    assert!(res.contains(">DORA "), "{}", res.body);
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 2);
    // A line's own salesperson changed meanwhile (the opportunity takes it before the
    // header's): refused, as the page showed another.
    let form = c.get(&href);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segment_lines SET salesperson_code = 'PL' \
             WHERE segment_id = (SELECT id FROM segments WHERE no = '{seg3}')"
        ),
    );
    let res = c.post_with_token(
        &href,
        &form.csrf_token().unwrap(),
        &[
            ("sales_cycle_code", "NEW"),
            ("description", "Desks"),
            ("shown", &hidden_value(&form.body, "shown").unwrap()),
        ],
    );
    res.assert_status(409);
    assert_eq!(app.count("SELECT count(*) FROM opportunities"), 2);
}

/// An opportunity's edit form opened before an administrator renamed its salesperson: saved
/// with only its description changed, it keeps the salesperson under the new code (it was
/// refused, "There is no salesperson JO", on a field the user never touched).
#[test]
fn an_opportunity_form_opened_before_its_salesperson_was_renamed_saves() {
    let app = TestApp::start();
    world(&app);
    cycle(&app, "multiply");
    let mut c = staff(&app, "stan");
    let no = create_one(&mut c, "ANNA", "1000");
    let form = c.get(&format!("/opportunities/{no}/edit"));
    let version = hidden_value(&form.body, "version").unwrap();
    let mut admin = app.signed_in("boss", "admin");
    admin
        .submit(
            "/setup/salespeople/JO",
            "/setup/salespeople/JO",
            &[("code", "JOE"), ("name", "Jo Sales")],
        )
        .assert_redirect("/setup/salespeople");
    c.post_with_token(
        &format!("/opportunities/{no}/edit"),
        &form.csrf_token().unwrap(),
        &[
            ("contact_no", "ANNA"),
            ("version", &version),
            ("description", "Office chairs, renamed"),
            ("salesperson_code", "JO"),
            ("campaign_no", "CP0001"),
            ("priority", "high"),
            ("sales_cycle_code", "NEW"),
        ],
    )
    .assert_redirect(&format!("/opportunities/{no}"));
    assert_eq!(
        text(
            &app,
            &format!("SELECT description || '|' || salesperson_code FROM opportunities WHERE no = '{no}'")
        ),
        "Office chairs, renamed|JOE"
    );
}
