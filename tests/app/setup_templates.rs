//! Interaction templates: their setup pages (validation, the audit trail, roles, "in use"),
//! and their defaults flowing template → segment header → lines → interaction log entries.

use crate::auth::diesel_exec;
use crate::segments::{header_fields, new_segment, post, staff, step, text, world};
use crate::support::*;

/// Two interaction groups and two campaigns.
fn groups_and_campaigns(app: &TestApp) {
    diesel_exec(
        app,
        "INSERT INTO interaction_groups (code, description) VALUES
             ('LETTER', 'Letters'), ('PHONE', 'Phone calls');
         INSERT INTO campaigns (no, description) VALUES ('CP0001', 'Spring'), ('CP0002', 'Autumn');",
    );
}

/// The template form with every field, some of them changed.
fn fields<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = vec![
        ("code", "VISIT"),
        ("group_code", "PHONE"),
        ("description", "Visit"),
        ("unit_cost", "0"),
        ("unit_duration_min", "0"),
        ("information_flow", "outbound"),
        ("initiated_by", "us"),
        ("campaign_no", ""),
        ("correspondence_type", "email"),
    ];
    for (name, value) in changes {
        all.retain(|(n, _)| n != name);
        all.push((name, value));
    }
    all
}

fn row(app: &TestApp, code: &str) -> String {
    text(
        app,
        &format!(
            "SELECT concat_ws(',', code, group_code, description, unit_cost, unit_duration_min, \
               information_flow, initiated_by, campaign_no, campaign_target, campaign_response, \
               correspondence_type, ignore_contact_correspondence_type) \
             FROM interaction_templates WHERE code = '{code}'"
        ),
    )
}

fn audit(app: &TestApp, action: &str, subject: &str, detail_like: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM audit_log WHERE action = '{action}' AND subject = '{subject}' \
         AND actor = 'boss' AND detail LIKE '{detail_like}'"
    ))
}

const NEW: &str = "/setup/interaction-templates/new";
const LIST: &str = "/setup/interaction-templates";

#[test]
fn an_admin_creates_changes_and_deletes_an_interaction_template() {
    let app = TestApp::start();
    groups_and_campaigns(&app);
    let mut admin = app.signed_in("boss", "admin");
    let empty = admin.get(LIST);
    empty.assert_status(200);
    assert!(empty.contains("There are no interaction templates yet."));
    let form = admin.get(NEW);
    form.assert_status(200);
    for label in [
        "Code",
        "Interaction group",
        "Description (optional)",
        "Unit cost",
        "Unit duration (minutes)",
        "Information flow",
        "Initiated by",
        "Campaign (optional)",
        "Campaign target",
        "Campaign response",
        "Default correspondence type",
        "Ignore contact correspondence type",
    ] {
        assert!(form.contains(&format!(">{label}</label>")), "{label}");
    }
    assert!(form.contains("<option value=\"PHONE\">PHONE – Phone calls</option>"));

    admin
        .submit(
            NEW,
            LIST,
            &fields(&[
                ("code", " mail "),
                ("group_code", "letter"),
                ("description", " Spring mailing "),
                ("unit_cost", "12.5"),
                ("unit_duration_min", "15"),
                ("information_flow", "inbound"),
                ("initiated_by", "them"),
                ("campaign_no", "CP0002"),
                ("campaign_target", "yes"),
                ("campaign_response", "yes"),
                ("correspondence_type", "hard_copy"),
                ("ignore_contact_correspondence_type", "yes"),
            ]),
        )
        .assert_redirect(LIST);
    assert_eq!(
        row(&app, "MAIL"),
        "MAIL,LETTER,Spring mailing,12.50,15,inbound,them,CP0002,t,t,hard_copy,t"
    );
    let list = admin.get(LIST);
    assert!(list.contains("Interaction template MAIL created."));
    assert!(list.contains("href=\"/setup/interaction-templates/MAIL\""));
    assert!(list.contains("LETTER – Letters"), "the group's description");
    assert!(list.contains("<td class=\"setup-num\">12.50</td>"));
    assert!(list.contains("<td class=\"setup-num\">15</td>"));
    assert!(list.contains("1–1 of 1"));
    assert_eq!(
        audit(
            &app,
            "setup created",
            "interaction template MAIL",
            "group LETTER%12.50%"
        ),
        1
    );

    // The card is the form, with every value as stored.
    let card = admin.get("/setup/interaction-templates/MAIL");
    card.assert_status(200);
    assert!(card.contains("value=\"12.50\""));
    assert!(card.contains("<option value=\"LETTER\" selected>"));
    assert!(card.contains("<option value=\"CP0002\" selected>"));
    assert!(card.contains("<option value=\"inbound\" selected>"));
    assert!(card.contains("<option value=\"hard_copy\" selected>"));
    assert!(card.contains("Not used yet."));

    // A change: one audit entry naming what changed.
    admin
        .submit(
            "/setup/interaction-templates/MAIL",
            "/setup/interaction-templates/MAIL",
            &fields(&[
                ("code", "MAIL"),
                ("group_code", "LETTER"),
                ("description", "Spring mailing"),
                ("unit_cost", "3"),
                ("unit_duration_min", "15"),
                ("information_flow", "inbound"),
                ("initiated_by", "them"),
                ("correspondence_type", ""),
            ]),
        )
        .assert_redirect(LIST);
    assert_eq!(
        row(&app, "MAIL"),
        "MAIL,LETTER,Spring mailing,3.00,15,inbound,them,f,f,,f"
    );
    assert_eq!(
        audit(
            &app,
            "setup changed",
            "interaction template MAIL",
            "unit cost 12.50 → 3.00; campaign CP0002 → —; campaign target yes → no; \
             campaign response yes → no; correspondence type “hard_copy” → “”; \
             ignore contact correspondence type yes → no"
        ),
        1
    );
    // Saved as it was: nothing changes, nothing is recorded.
    admin
        .submit(
            "/setup/interaction-templates/MAIL",
            "/setup/interaction-templates/MAIL",
            &fields(&[
                ("code", "MAIL"),
                ("group_code", "LETTER"),
                ("description", "Spring mailing"),
                ("unit_cost", "3.00"),
                ("unit_duration_min", "15"),
                ("information_flow", "inbound"),
                ("initiated_by", "them"),
                ("correspondence_type", ""),
            ]),
        )
        .assert_redirect(LIST);
    assert!(admin.get(LIST).contains("Nothing was changed"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE subject = 'interaction template MAIL'"),
        2
    );

    // The old address, and a group's templates.
    let old = admin.get("/interaction-templates?q=mail");
    assert_eq!(old.status, 308);
    assert_eq!(
        old.location().as_deref(),
        Some("/setup/interaction-templates?q=mail")
    );
    admin
        .submit(NEW, LIST, &fields(&[("code", "CALL")]))
        .assert_redirect(LIST);
    let phone = admin.get("/setup/interaction-templates?group=phone");
    assert!(phone.contains("<h1>Interaction templates of group PHONE</h1>"));
    assert!(phone.contains("href=\"/setup/interaction-templates/CALL\""));
    assert!(!phone.contains("href=\"/setup/interaction-templates/MAIL\""));
    // A group that is not there is said over an empty list (it was a bare 404).
    let nope = admin.get("/setup/interaction-templates?group=NOPE");
    nope.assert_status(200);
    assert!(
        nope.contains("There is no interaction group NOPE."),
        "{}",
        nope.body
    );
    assert!(!nope.contains("href=\"/setup/interaction-templates/CALL\""));
    assert!(admin
        .get("/setup/interaction-templates?group=letter&q=call")
        .contains("No interaction templates match “call”."));
    diesel_exec(
        &app,
        "INSERT INTO interaction_groups (code, description) VALUES ('MEET', 'Meetings')",
    );
    assert!(admin
        .get("/setup/interaction-templates?group=MEET")
        .contains("This group has no interaction templates yet."));
    // A link kept from before a rename leads to the group as it is now; after a delete, says so.
    admin
        .submit(
            "/setup/interaction-groups/MEET",
            "/setup/interaction-groups/MEET",
            &[("code", "MEETINGS"), ("description", "Meetings")],
        )
        .assert_redirect("/setup/interaction-groups");
    admin
        .get("/setup/interaction-templates?group=meet&q=x")
        .assert_redirect("/setup/interaction-templates?group=MEETINGS&q=x");
    admin
        .submit(
            "/setup/interaction-groups/MEETINGS",
            "/setup/interaction-groups/MEETINGS/delete",
            &[],
        )
        .assert_redirect("/setup/interaction-groups");
    assert!(admin
        .get("/setup/interaction-templates?group=MEET")
        .contains("Interaction group MEET was renamed MEETINGS, then deleted by boss at "));
    assert!(admin
        .get("/setup/interaction-groups/PHONE")
        .contains("href=\"/setup/interaction-templates?group=PHONE\""));
    assert!(admin.get(&format!("{LIST}?q=letters")).contains("1–1 of 1"));

    // Deleted while unused.
    admin
        .submit(
            "/setup/interaction-templates/CALL",
            "/setup/interaction-templates/CALL/delete",
            &[],
        )
        .assert_redirect(LIST);
    assert!(admin
        .get(LIST)
        .contains("Interaction template CALL deleted."));
    assert_eq!(
        app.count("SELECT count(*) FROM interaction_templates WHERE code = 'CALL'"),
        0
    );
    assert_eq!(
        audit(&app, "setup deleted", "interaction template CALL", ""),
        1
    );
    admin
        .get("/setup/interaction-templates/CALL")
        .assert_status(404);
}

#[test]
fn an_invalid_template_comes_back_with_every_reason_next_to_its_field() {
    let app = TestApp::start();
    groups_and_campaigns(&app);
    let mut admin = app.signed_in("boss", "admin");
    let res = admin.submit(
        NEW,
        LIST,
        &fields(&[
            ("code", "two words"),
            ("group_code", ""),
            ("description", "Typed <b>text</b>"),
            ("unit_cost", "-1"),
            ("unit_duration_min", "1.5"),
            ("information_flow", "sideways"),
            ("initiated_by", "nobody"),
            ("campaign_target", "yes"),
            ("campaign_response", "yes"),
            ("correspondence_type", "fax"),
        ]),
    );
    res.assert_status(422);
    for (field, message) in [
        ("code", "A code cannot contain spaces."),
        ("group_code", "Choose the interaction group."),
        (
            "unit_cost",
            "Enter an amount of 0 or more and below 10,000,000,000, like 12.50.",
        ),
        (
            "unit_duration_min",
            "Enter a whole number of minutes, 0 or more.",
        ),
        ("information_flow", "Choose Outbound or Inbound."),
        ("initiated_by", "Choose Us or Them."),
        (
            "campaign_target",
            "Campaign Target needs a campaign: choose one, or untick it.",
        ),
        (
            "campaign_response",
            "Campaign Response needs a campaign: choose one, or untick it.",
        ),
        ("correspondence_type", "Choose none, Hard Copy or E-mail."),
    ] {
        assert!(
            res.contains(&format!(
                "<p class=\"field-error\" id=\"{field}-error\"><span class=\"visually-hidden\">Error:</span> {message}</p>"
            )),
            "{field}: {}",
            res.body
        );
    }
    // The typed values come back (escaped).
    assert!(res.contains("value=\"TWO WORDS\""));
    assert!(res.contains("value=\"Typed &#60;b&#62;text&#60;/b&#62;\""));
    assert!(res.contains("value=\"-1\""));
    assert!(res.contains("value=\"1.5\""));
    assert!(res.contains(
        "id=\"campaign_target\" name=\"campaign_target\" type=\"checkbox\" value=\"yes\" checked"
    ));

    // Codes that do not exist, a description too long, a duplicate.
    let long = "x".repeat(101);
    let res = admin.submit(
        NEW,
        LIST,
        &fields(&[
            ("group_code", "NOPE"),
            ("campaign_no", "CP9999"),
            ("description", &long),
        ]),
    );
    res.assert_status(422);
    assert!(res.contains("There is no interaction group NOPE."));
    assert!(res.contains("There is no campaign CP9999."));
    assert!(res.contains("Use at most 100 characters; this has 101."));
    assert_eq!(app.count("SELECT count(*) FROM interaction_templates"), 0);
    admin.submit(NEW, LIST, &fields(&[])).assert_redirect(LIST);
    let res = admin.submit(
        NEW,
        LIST,
        &fields(&[("code", "visit"), ("description", "Another visit")]),
    );
    res.assert_status(422);
    assert!(res.contains("Interaction template VISIT already exists."));
    assert_eq!(app.count("SELECT count(*) FROM interaction_templates"), 1);
    // The same form sent again (a double click, or Back and send) is not a mistake: the
    // template is there as it says, and nothing more is created.
    admin
        .submit(NEW, LIST, &fields(&[("code", "visit")]))
        .assert_redirect(LIST);
    let list = admin.get(LIST);
    assert!(list.contains("Interaction template VISIT exists already, as this form says"));
    assert_eq!(app.count("SELECT count(*) FROM interaction_templates"), 1);
    assert_eq!(
        audit(&app, "setup created", "interaction template VISIT", "%"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'setup%'"),
        1
    );
}

#[test]
fn a_template_in_use_cannot_be_deleted_and_a_rename_follows_everywhere() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Spring mailing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'MAIL' WHERE no = '{no}';
             UPDATE segment_lines SET interaction_template_code = 'CALL'
               WHERE segment_id = (SELECT id FROM segments WHERE no = '{no}');"
        ),
    );
    let mut admin = app.signed_in("boss", "admin");
    let page = admin.get("/setup/interaction-templates/MAIL");
    assert!(
        page.contains("Used by 1 segment and 3 interactions."),
        "{}",
        page.body
    );
    admin
        .submit(
            "/setup/interaction-templates/CALL",
            "/setup/interaction-templates/CALL/delete",
            &[],
        )
        .assert_redirect("/setup/interaction-templates/CALL");
    assert!(admin.get("/setup/interaction-templates/CALL").contains(
        "Interaction template CALL is used by 2 segment lines and 1 interaction, so it cannot be deleted."
    ));
    assert_eq!(
        app.count("SELECT count(*) FROM interaction_templates WHERE code = 'CALL'"),
        1
    );
    // The setup index counts it.
    let index = admin.get("/setup");
    assert!(index.contains("href=\"/setup/interaction-templates\""));

    // A rename moves the segment, its lines and the entries with it.
    admin
        .submit(
            "/setup/interaction-templates/CALL",
            "/setup/interaction-templates/CALL",
            &fields(&[
                ("code", "PHONECALL"),
                ("group_code", "PHONE"),
                ("description", "Call"),
                ("unit_cost", "3.00"),
                ("unit_duration_min", "5"),
            ]),
        )
        .assert_redirect(LIST);
    assert!(admin
        .get(LIST)
        .contains("Interaction template CALL is now PHONECALL; everything that used it follows."));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM segment_lines WHERE interaction_template_code = 'PHONECALL'"
        ),
        2
    );
    assert_eq!(
        app.count("SELECT count(*) FROM interaction_log_entries WHERE template_code = 'PHONECALL'"),
        1
    );
}

#[test]
fn viewers_and_staff_read_interaction_templates_but_only_admins_change_them() {
    let app = TestApp::start();
    world(&app);
    app.user("boss", "admin");
    let fingerprint = |app: &TestApp| {
        text(
            app,
            "SELECT concat_ws('|', (SELECT string_agg(concat_ws(',', code, group_code, description, \
               unit_cost, campaign_no), ';' ORDER BY code) FROM interaction_templates), \
               (SELECT count(*) FROM audit_log WHERE action LIKE 'setup%'))",
        )
    };
    let before = fingerprint(&app);
    for (name, role) in [("vera", "viewer"), ("stan", "staff")] {
        let mut c = app.signed_in(name, role);
        let list = c.get(LIST);
        list.assert_status(200);
        assert!(list.contains("href=\"/setup/interaction-templates/MAIL\""));
        assert!(!list.contains("New interaction template"));
        let card = c.get("/setup/interaction-templates/MAIL");
        card.assert_status(200);
        assert!(card.contains("Only administrators can change setup tables."));
        assert!(card.contains("LETTER</a> – Letters"));
        assert!(card.contains("CP0002, campaign target, campaign response"));
        assert!(!card.contains("<form method=\"post\" action=\"/setup/interaction-templates"));
        c.get(NEW).assert_status(403);
        let token = c.get(LIST).csrf_token().unwrap();
        for (action, fields) in [
            (LIST, fields(&[("code", "NEW")])),
            (
                "/setup/interaction-templates/MAIL",
                fields(&[("code", "MAIL")]),
            ),
            ("/setup/interaction-templates/CALL/delete", vec![]),
        ] {
            c.post_with_token(action, &token, &fields)
                .assert_status(403);
        }
    }
    assert_eq!(fingerprint(&app), before);
    app.client()
        .get(LIST)
        .assert_redirect("/login?next=%2Fsetup%2Finteraction-templates");
}

// ---- defaults flowing template → header → lines → entries ---------------------------------

/// An admin sets up VISIT through the setup form with every default unlike a new template's:
/// group PHONE, a description, cost and duration, inbound, initiated by them, campaign CP0001
/// as target and response, Hard Copy that ignores the contact's correspondence type.
fn visit_template(app: &TestApp) {
    let mut admin = app.signed_in("boss", "admin");
    admin
        .submit(
            NEW,
            LIST,
            &fields(&[
                ("code", "VISIT"),
                ("group_code", "PHONE"),
                ("description", "Visit at the office"),
                ("unit_cost", "42.5"),
                ("unit_duration_min", "90"),
                ("information_flow", "inbound"),
                ("initiated_by", "them"),
                ("campaign_no", "CP0001"),
                ("campaign_target", "yes"),
                ("campaign_response", "yes"),
                ("correspondence_type", "hard_copy"),
                ("ignore_contact_correspondence_type", "yes"),
            ]),
        )
        .assert_redirect(LIST);
}

/// A segment made through the header form with VISIT chosen, holding ANNA, DORA and SOLO.
/// ANNA's own correspondence type is E-mail (VISIT ignores it), SOLO's Hard Copy.
fn visit_segment(app: &TestApp, c: &mut Client) -> String {
    diesel_exec(
        app,
        "UPDATE contacts SET correspondence_type = 'email' WHERE no = 'ANNA';
         UPDATE contacts SET correspondence_type = 'hard_copy' WHERE no = 'SOLO';",
    );
    let res = c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[
            ("description", "Autumn visits"),
            ("interaction_template_code", "VISIT"),
        ]),
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let no = res
        .location()
        .unwrap()
        .trim_start_matches("/segments/")
        .to_string();
    step(c, &no, "add", &[("contact_no", "ANNA|DORA|SOLO")]);
    no
}

/// Every field of the segment's entries, one contact a line.
fn entries(app: &TestApp, no: &str) -> String {
    text(
        app,
        &format!(
            "SELECT string_agg(concat_ws(',', c.no, e.template_code, e.group_code, e.description, \
               e.cost, e.duration_min, e.information_flow, e.initiated_by, e.salesperson_code, \
               e.correspondence_type, e.campaign_no, e.campaign_target, e.campaign_response, \
               e.evaluation, e.segment_no, e.date = s.date, u.username, e.canceled, \
               e.company_id IS NOT DISTINCT FROM c.company_key), E'\\n' ORDER BY c.no) \
             FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
             JOIN segments s ON s.id = e.segment_id JOIN users u ON u.id = e.user_id \
             WHERE s.no = '{no}'"
        ),
    )
}

fn log(c: &mut Client, no: &str) {
    post(c, &format!("/segments/{no}/log"), &[]).assert_redirect(&format!("/segments/{no}"));
}

#[test]
fn every_default_of_a_template_flows_to_the_header_the_lines_and_the_entries() {
    let app = TestApp::start();
    world(&app);
    visit_template(&app);
    let mut c = staff(&app, "stan");
    let no = visit_segment(&app, &mut c);
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT concat_ws(',', interaction_template_code, subject, unit_cost, \
                   unit_duration_min, information_flow, initiated_by, campaign_no, \
                   campaign_target, campaign_response, correspondence_type, \
                   ignore_contact_correspondence_type) FROM segments WHERE no = '{no}'"
            )
        ),
        "VISIT,Visit at the office,42.50,90,inbound,them,CP0001,t,t,hard_copy,t"
    );
    // The lines take them: Hard Copy even for ANNA, who wants e-mail.
    let page = c.get(&format!("/segments/{no}"));
    assert_eq!(
        page.body
            .matches("<td>Hard Copy <span class=\"from\">(header)</span></td>")
            .count(),
        3,
        "{}",
        page.body
    );
    assert_eq!(
        page.body
            .matches("<td class=\"num\">42.50 <span class=\"from\">(header)</span></td>")
            .count(),
        3
    );
    assert_eq!(
        page.body
            .matches("<td class=\"num\">90 <span class=\"from\">(header)</span></td>")
            .count(),
        3
    );
    assert!(c
        .get(&format!("/segments/{no}/log"))
        .contains("a total cost of 127.50"));

    log(&mut c, &no);
    assert_eq!(
        entries(&app, &no),
        format!(
            "ANNA,VISIT,PHONE,Visit at the office,42.50,90,inbound,them,JO,hard_copy,CP0001,t,t,,{no},t,stan,f,t\n\
             DORA,VISIT,PHONE,Visit at the office,42.50,90,inbound,them,JO,hard_copy,CP0001,t,t,,{no},t,stan,f,t\n\
             SOLO,VISIT,PHONE,Visit at the office,42.50,90,inbound,them,JO,hard_copy,CP0001,t,t,,{no},t,stan,f,t"
        )
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT concat_ws(',', campaign_no, entries, cost, duration_min) \
                 FROM campaign_entries WHERE segment_no = '{no}'"
            )
        ),
        "CP0001,3,127.50,270"
    );
}

#[test]
fn a_line_with_its_own_values_or_its_own_template_logs_them() {
    let app = TestApp::start();
    world(&app);
    visit_template(&app);
    let mut c = staff(&app, "stan");
    let no = visit_segment(&app, &mut c);
    let line = |app: &TestApp, contact: &str| {
        app.count(&format!(
            "SELECT l.id FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
             JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}' AND c.no = '{contact}'"
        ))
    };
    let override_line = |c: &mut Client, id: i64, changes: &[(&str, &str)]| {
        let mut all = vec![
            ("salesperson_code", ""),
            ("date", ""),
            ("interaction_template_code", ""),
            ("subject", ""),
            ("correspondence_type", ""),
            ("unit_cost", ""),
            ("unit_duration_min", ""),
            ("evaluation", ""),
        ];
        for (k, v) in changes {
            all.retain(|(n, _)| n != k);
            all.push((k, v));
        }
        post(c, &format!("/segments/{no}/lines/{id}"), &all)
            .assert_redirect(&format!("/segments/{no}#lines"));
    };
    // DORA: her own subject, cost, duration, correspondence type, salesperson, evaluation.
    override_line(
        &mut c,
        line(&app, "DORA"),
        &[
            ("salesperson_code", "PL"),
            ("subject", "Personal visit"),
            ("unit_cost", "5"),
            ("unit_duration_min", "30"),
            ("correspondence_type", "email"),
            ("evaluation", "positive"),
        ],
    );
    // SOLO: another template, CALL (Call, 3.00, 5 min, outbound, us, e-mail unless the
    // contact has a type of its own — SOLO has Hard Copy; no campaign target or response, so
    // neither, as Business Central's line takes its template's flags), and nothing else of
    // its own.
    override_line(
        &mut c,
        line(&app, "SOLO"),
        &[("interaction_template_code", "call")],
    );
    // ELI: RESP, a template of the segment's campaign that is a response but no target, and
    // of no correspondence type (ELI has no e-mail address and no type of her own); the
    // header (VISIT's) ignores the contact's type, so its Hard Copy decides, as in BC.
    diesel_exec(
        &app,
        "INSERT INTO interaction_templates (code, group_code, description, unit_cost,
             unit_duration_min, campaign_no, campaign_target, campaign_response, correspondence_type)
         VALUES ('RESP', 'LETTER', 'Reply card', 1.00, 2, 'CP0001', FALSE, TRUE, '')",
    );
    step(&mut c, &no, "add", &[("contact_no", "ELI")]);
    override_line(
        &mut c,
        line(&app, "ELI"),
        &[("interaction_template_code", "RESP")],
    );
    let page = c.get(&format!("/segments/{no}"));
    assert!(page.contains("<td class=\"num\">3.00"), "{}", page.body);
    assert!(page.contains("<td class=\"num\">5.00"));
    assert!(page.contains("<td class=\"num\">1.00"));
    assert!(c
        .get(&format!("/segments/{no}/log"))
        .contains("a total cost of 51.50"));

    log(&mut c, &no);
    assert_eq!(
        entries(&app, &no),
        format!(
            "ANNA,VISIT,PHONE,Visit at the office,42.50,90,inbound,them,JO,hard_copy,CP0001,t,t,,{no},t,stan,f,t\n\
             DORA,VISIT,PHONE,Personal visit,5.00,30,inbound,them,PL,email,CP0001,t,t,positive,{no},t,stan,f,t\n\
             ELI,RESP,LETTER,Reply card,1.00,2,outbound,us,JO,hard_copy,CP0001,f,t,,{no},t,stan,f,t\n\
             SOLO,CALL,PHONE,Call,3.00,5,outbound,us,JO,hard_copy,CP0001,f,f,,{no},t,stan,f,t"
        )
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT concat_ws(',', entries, cost, duration_min) FROM campaign_entries \
                 WHERE segment_no = '{no}'"
            )
        ),
        "4,51.50,127"
    );
}

#[test]
fn a_templates_description_becomes_the_subject_unless_the_user_typed_one() {
    let app = TestApp::start();
    world(&app);
    visit_template(&app);
    let mut c = staff(&app, "stan");
    let no = visit_segment(&app, &mut c);
    let save = |c: &mut Client, template: &str, subject: &str| {
        let page = c.get(&format!("/segments/{no}"));
        let version = hidden_value(&page.body, "version").unwrap();
        c.post_with_token(
            &format!("/segments/{no}"),
            &page.csrf_token().unwrap(),
            &header_fields(&[
                ("description", "Autumn visits"),
                ("interaction_template_code", template),
                ("subject", subject),
                ("campaign_no", "CP0001"),
                ("version", version.as_str()),
            ]),
        )
        .assert_redirect(&format!("/segments/{no}"));
    };
    let subject = |app: &TestApp| {
        text(
            app,
            &format!("SELECT subject FROM segments WHERE no = '{no}'"),
        )
    };
    // Another template replaces the description the previous one gave.
    save(&mut c, "CALL", "Visit at the office");
    assert_eq!(subject(&app), "Call");
    // A subject of the user's own stays, whatever template comes next.
    save(&mut c, "CALL", "Our own words");
    save(&mut c, "VISIT", "Our own words");
    assert_eq!(subject(&app), "Our own words");
}

/// A salesperson kept only by a line a step removed (on no page, brought back by Go Back) is
/// said to be used by that, not by "1 segment line" that no segment shows.
#[test]
fn a_code_kept_by_a_removed_line_says_so() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Removed");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('ZED', 'Zed Line');
         UPDATE segment_lines SET salesperson_code = 'ZED'
           WHERE contact_id = (SELECT id FROM contacts WHERE no = 'DORA')",
    );
    let mut admin = app.signed_in("boss", "admin");
    assert!(admin
        .get("/setup/salespeople/ZED")
        .contains("Used by 1 segment line."));
    step(&mut c, &no, "reduce", &[("contact_no", "DORA")]);
    let page = admin.get("/setup/salespeople/ZED");
    assert!(
        page.contains("Used by 1 line removed by a step (Go Back brings it back)."),
        "{}",
        page.body
    );
    admin
        .submit(
            "/setup/salespeople/ZED",
            "/setup/salespeople/ZED/delete",
            &[],
        )
        .assert_redirect("/setup/salespeople/ZED");
    assert!(admin.get("/setup/salespeople/ZED").contains(
        "is used by 1 line removed by a step (Go Back brings it back), so it cannot be deleted."
    ));
    // Brought back by Go Back, the line has its salesperson.
    post(&mut c, &format!("/segments/{no}/go-back"), &[])
        .assert_redirect(&format!("/segments/{no}"));
    assert_eq!(
        text(
            &app,
            "SELECT l.salesperson_code FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
             WHERE c.no = 'DORA' AND l.removed_by_step IS NULL"
        ),
        "ZED"
    );
}

/// A segment's header form opened before an administrator renamed its template: saved with
/// only its description changed, it keeps the template under its new code. It was refused,
/// "There is no interaction template MAIL", on a field the user never touched.
#[test]
fn a_header_form_opened_before_its_template_was_renamed_saves() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Mailing");
    diesel_exec(
        &app,
        &format!("UPDATE segments SET interaction_template_code = 'MAIL' WHERE no = '{no}'"),
    );
    let page = format!("/segments/{no}");
    let form = c.get(&page);
    let version = hidden_value(&form.body, "version").unwrap();
    let date = text(
        &app,
        &format!("SELECT date::text FROM segments WHERE no = '{no}'"),
    );
    let mut admin = app.signed_in("ada", "admin");
    // Its page says where it is used, not only how much: the segment, by No.
    let card = admin.get("/setup/interaction-templates/MAIL");
    assert!(
        card.contains(&format!(
            "Segments whose header or lines name it: <a href=\"/segments/{no}\">{no}</a>."
        )) && card.contains("href=\"/interactions?template=MAIL\""),
        "{}",
        card.body
    );
    admin
        .submit(
            "/setup/interaction-templates/MAIL",
            "/setup/interaction-templates/MAIL",
            &fields(&[
                ("code", "MAILING"),
                ("group_code", "LETTER"),
                ("description", "Mailing"),
                ("campaign_no", "CP0002"),
            ]),
        )
        .assert_redirect(LIST);
    assert_eq!(
        text(
            &app,
            &format!("SELECT interaction_template_code FROM segments WHERE no = '{no}'")
        ),
        "MAILING"
    );
    let res = c.post_with_token(
        &page,
        &form.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Mailing, spring"),
            ("date", &date),
            ("interaction_template_code", "MAIL"),
            ("version", &version),
        ]),
    );
    res.assert_redirect(&page);
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT description || '|' || interaction_template_code FROM segments \
                 WHERE no = '{no}'"
            )
        ),
        "Mailing, spring|MAILING"
    );
    // Held only by a line a step removed (on no page, and Go Back brings it back): the
    // segment is named all the same.
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = NULL WHERE no = '{no}';
             UPDATE segment_lines l SET interaction_template_code = 'MAILING', removed_by_step = l.added_by_step + 1 \
               FROM segments s WHERE s.id = l.segment_id AND s.no = '{no}'"
        ),
    );
    let card = admin.get("/setup/interaction-templates/MAILING");
    assert!(
        card.contains("line removed by a step")
            && card.contains(&format!("<a href=\"/segments/{no}\">{no}</a>")),
        "{}",
        card.body
    );
}

/// A line's form opened before an administrator renamed the line's own template: saved with
/// only its subject typed, it keeps the template under its new code. It was a 409 "someone
/// else saved" (the rename changed what the form showed), and sent again it was refused as
/// an unknown template, on a field the user never touched.
#[test]
fn a_line_form_opened_before_its_own_template_was_renamed_saves() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Mailing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segment_lines l SET interaction_template_code = 'MAIL' FROM segments s \
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
    let mut admin = app.signed_in("ada", "admin");
    admin
        .submit(
            "/setup/interaction-templates/MAIL",
            "/setup/interaction-templates/MAIL",
            &fields(&[
                ("code", "MAILING"),
                ("group_code", "LETTER"),
                ("description", "Mailing"),
                ("campaign_no", "CP0002"),
            ]),
        )
        .assert_redirect(LIST);
    let res = c.post_with_token(
        &href,
        &form.csrf_token().unwrap(),
        &[
            ("interaction_template_code", "MAIL"),
            ("subject", "Typed"),
            ("shown", &hidden_value(&form.body, "shown").unwrap()),
            ("once", &hidden_value(&form.body, "once").unwrap()),
        ],
    );
    res.assert_redirect(&format!("/segments/{no}#lines"));
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT interaction_template_code || '|' || subject FROM segment_lines \
                 WHERE id = {line}"
            )
        ),
        "MAILING|Typed"
    );
    // A code that was never renamed to the line's is still refused by its field, not taken
    // for the line's own.
    let form = c.get(&href);
    let res = c.post_with_token(
        &href,
        &form.csrf_token().unwrap(),
        &[
            ("interaction_template_code", "GONE"),
            ("shown", &hidden_value(&form.body, "shown").unwrap()),
        ],
    );
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.contains("There is no interaction template GONE"),
        "{}",
        res.body
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT interaction_template_code FROM segment_lines WHERE id = {line}")
        ),
        "MAILING"
    );
}

/// A template created under a code another template was renamed from is said to be what
/// filters naming that code now select by, as every other setup table says it (the template
/// form said only "created", and saved criteria went on selecting by the new template unsaid).
#[test]
fn a_template_created_under_a_code_renamed_away_says_what_filters_now_select() {
    let app = TestApp::start();
    groups_and_campaigns(&app);
    let mut admin = app.signed_in("boss", "admin");
    admin.submit(NEW, LIST, &fields(&[])).assert_redirect(LIST);
    admin
        .submit(
            "/setup/interaction-templates/VISIT",
            "/setup/interaction-templates/VISIT",
            &fields(&[("code", "VISIT2")]),
        )
        .assert_redirect(LIST);
    admin
        .submit(NEW, LIST, &fields(&[("description", "Another visit")]))
        .assert_redirect(LIST);
    let list = admin.get(LIST);
    assert!(
        list.contains(
            "Interaction template VISIT created. Interaction template VISIT was renamed to \
             VISIT2 earlier: filters that name VISIT in saved criteria or segment steps now \
             select by this new one, not by VISIT2."
        ),
        "{}",
        list.body
    );
}

/// A form's error summary lists its problems as the fields come, not by the fields' names in
/// alphabetical order ("Campaign Target needs a campaign" came before the code left empty).
#[test]
fn the_error_summary_follows_the_form() {
    let app = TestApp::start();
    groups_and_campaigns(&app);
    let mut admin = app.signed_in("boss", "admin");
    let res = admin.submit(
        NEW,
        LIST,
        &fields(&[
            ("code", ""),
            ("group_code", ""),
            ("unit_duration_min", "x"),
            ("campaign_target", "yes"),
        ]),
    );
    res.assert_status(422);
    assert_eq!(
        summary_fields(&res.body),
        ["code", "group_code", "unit_duration_min", "campaign_target"],
        "{}",
        res.body
    );
}
