//! Segments through HTTP (see docs/segments.md): the header, Add / Reduce / Refine with every
//! option and its order, filter sections, preview, Go Back and its exactness, manual lines,
//! the ledger, bad and hostile expressions, concurrent steps, roles and logged segments,
//! paging, and the number of SQL statements a step runs.

use std::sync::{Arc, Barrier, Mutex};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};

use crate::auth::diesel_exec;
use crate::support::*;

// ---- fixtures and helpers ------------------------------------------------------------------

/// Form fields, as pairs.
type Fields<'a> = &'a [(&'a str, &'a str)];

/// Something a user does to a segment.
type Action = Box<dyn Fn(&mut Client)>;

/// Codes, templates, a campaign, a questionnaire, and a small world of contacts:
///
/// | No. | type | company | country | notes |
/// |---|---|---|---|---|
/// | ALPHA | company (RETAIL) | | DK | |
/// | ANNA | person | ALPHA | DK | mailing XMAS, NEWS; profile Large; interactions |
/// | BO | person | ALPHA | DK | excluded from segments |
/// | CY | person | ALPHA | DK | privacy blocked |
/// | BETA | company (WHOLESALE) | | SE | |
/// | DORA | person | BETA | SE | mailing XMAS; profile Small; interaction |
/// | ELI | person | BETA | DK | mailing NEWS; a canceled interaction |
/// | GAMMA | company (BANKING) | | DK | excluded from segments |
/// | FINN | person | GAMMA | DK | |
/// | SOLO | person | — | DK | mailing XMAS |
pub(crate) fn world(app: &TestApp) {
    diesel_exec(
        app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo Sales'), ('PL', 'Pat Lee');
         INSERT INTO industry_groups (code, description) VALUES
             ('RETAIL', 'Retail'), ('WHOLESALE', 'Wholesale'), ('BANKING', 'Banking');
         INSERT INTO mailing_groups (code, description) VALUES
             ('XMAS', 'Christmas cards'), ('NEWS', 'Newsletter');
         INSERT INTO interaction_groups (code, description) VALUES
             ('LETTER', 'Letters'), ('PHONE', 'Phone calls');
         INSERT INTO campaigns (no, description) VALUES ('CP0001', 'Spring'), ('CP0002', 'Autumn');
         INSERT INTO interaction_templates (code, group_code, description, unit_cost,
             unit_duration_min, information_flow, initiated_by, campaign_no, campaign_target,
             campaign_response, correspondence_type, ignore_contact_correspondence_type) VALUES
             ('MAIL', 'LETTER', 'Mailing', 12.50, 15, 'inbound', 'them', 'CP0002', TRUE, TRUE,
              'hard_copy', TRUE),
             ('CALL', 'PHONE', 'Call', 3.00, 5, 'outbound', 'us', NULL, FALSE, FALSE, 'email',
              FALSE);
         INSERT INTO contacts (no, type, name, country_code, email) VALUES
             ('ALPHA', 'company', 'Alpha Retail', 'DK', 'info@alpha.dk'),
             ('BETA', 'company', 'Beta Wholesale', 'SE', ''),
             ('GAMMA', 'company', 'Gamma Bank', 'DK', ''),
             ('SOLO', 'person', 'Solo Person', 'DK', 'solo@example.dk');
         INSERT INTO contacts (no, type, name, company_id, country_code, email)
             SELECT v.no, 'person', v.name, co.id, v.country, v.email FROM (VALUES
                 ('ANNA', 'Anna Alpha', 'ALPHA', 'DK', 'anna@alpha.dk'),
                 ('BO', 'Bo Alpha', 'ALPHA', 'DK', ''),
                 ('CY', 'Cy Alpha', 'ALPHA', 'DK', ''),
                 ('DORA', 'Dora Beta', 'BETA', 'SE', 'dora@beta.se'),
                 ('ELI', 'Eli Beta', 'BETA', 'DK', ''),
                 ('FINN', 'Finn Gamma', 'GAMMA', 'DK', '')) v(no, name, company, country, email)
             JOIN contacts co ON co.no = v.company;
         UPDATE contacts SET exclude_from_segment = TRUE WHERE no IN ('BO', 'GAMMA');
         UPDATE contacts SET privacy_blocked = TRUE WHERE no = 'CY';
         INSERT INTO contact_industry_groups (contact_id, code)
             SELECT c.id, v.code FROM (VALUES ('ALPHA', 'RETAIL'), ('BETA', 'WHOLESALE'),
                 ('GAMMA', 'BANKING')) v(no, code) JOIN contacts c ON c.no = v.no;
         INSERT INTO contact_mailing_groups (contact_id, code)
             SELECT c.id, v.code FROM (VALUES ('ANNA', 'XMAS'), ('ANNA', 'NEWS'), ('DORA', 'XMAS'),
                 ('ELI', 'NEWS'), ('SOLO', 'XMAS')) v(no, code) JOIN contacts c ON c.no = v.no;
         INSERT INTO profile_questionnaires (code, description) VALUES ('CUST', 'Customer');
         INSERT INTO profile_questions (questionnaire_code, position, description)
             VALUES ('CUST', 1, 'Size');
         INSERT INTO profile_answers (question_id, position, description)
             SELECT id, 1, 'Large' FROM profile_questions UNION ALL
             SELECT id, 2, 'Small' FROM profile_questions;
         INSERT INTO contact_profile_answers (contact_id, question_id, answer_id)
             SELECT c.id, a.question_id, a.id FROM contacts c, profile_answers a
             WHERE (c.no = 'ANNA' AND a.description = 'Large')
                OR (c.no = 'DORA' AND a.description = 'Small');
         -- Interactions: ANNA called in January and mailed in March (no single entry is a
         -- January mailing); DORA mailed in January; ELI's January mailing was canceled.
         INSERT INTO interaction_log_entries (contact_id, date, template_code, group_code,
                 salesperson_code, canceled, campaign_response, attempt_failed)
             SELECT c.id, v.date::date, v.template, v.grp, 'JO', v.canceled, v.response,
                    v.failed FROM (VALUES
                 ('ANNA', '2026-01-10', 'CALL', 'PHONE', FALSE, FALSE, TRUE),
                 ('ANNA', '2026-03-01', 'MAIL', 'LETTER', FALSE, TRUE, FALSE),
                 ('DORA', '2026-01-15', 'MAIL', 'LETTER', FALSE, FALSE, FALSE),
                 ('ELI', '2026-01-20', 'MAIL', 'LETTER', TRUE, TRUE, TRUE))
                 v(no, date, template, grp, canceled, response, failed)
             JOIN contacts c ON c.no = v.no;",
    );
}

/// A staff user whose salesperson is JO, signed in.
pub(crate) fn staff(app: &TestApp, username: &str) -> Client {
    app.user(username, "staff");
    diesel_exec(
        app,
        &format!("UPDATE users SET salesperson_code = 'JO' WHERE username = '{username}'"),
    );
    let mut c = app.client();
    c.sign_in(username, PASSWORD);
    c
}

pub(crate) fn text(app: &TestApp, sql: &str) -> String {
    #[derive(QueryableByName)]
    struct T {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    diesel::sql_query(format!("SELECT COALESCE(({sql})::text, '') AS t"))
        .get_result::<T>(&mut app.conn())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .t
}

/// The form token of the client's session (every page has the sign-out form).
pub(crate) fn token(c: &mut Client) -> String {
    c.get("/segments")
        .csrf_token()
        .expect("a form token on /segments")
}

pub(crate) fn post(c: &mut Client, action: &str, fields: &[(&str, &str)]) -> Resp {
    let t = token(c);
    c.post_with_token(action, &t, fields)
}

/// Creates a segment through the form and returns its No.
pub(crate) fn new_segment(c: &mut Client, description: &str) -> String {
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let res = c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[("description", description), ("date", &today)]),
    );
    assert_eq!(res.status, 303, "create failed:\n{}", res.body);
    res.location()
        .unwrap()
        .trim_start_matches("/segments/")
        .to_string()
}

/// The header form as a browser sends it, with some fields changed.
pub(crate) fn header_fields<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("description", ""),
        ("date", "2026-05-01"),
        ("salesperson_code", "JO"),
        ("interaction_template_code", ""),
        ("subject", ""),
        ("language_code", ""),
        ("campaign_no", ""),
        ("correspondence_type", ""),
        ("unit_cost", "0.00"),
        ("unit_duration_min", "0"),
        ("information_flow", "outbound"),
        ("initiated_by", "us"),
    ];
    for (k, v) in changes {
        match fields.iter_mut().find(|(key, _)| key == k) {
            Some(f) => f.1 = v,
            None => fields.push((k, v)),
        }
    }
    fields
}

/// Applies a step (`add`, `reduce`, `refine`) and checks that it was done.
#[track_caller]
pub(crate) fn step(c: &mut Client, no: &str, kind: &str, fields: &[(&str, &str)]) {
    let res = post(c, &format!("/segments/{no}/{kind}"), fields);
    assert_eq!(
        res.status, 303,
        "{kind} {fields:?} was refused:\n{}",
        res.body
    );
    assert_eq!(res.location().as_deref(), Some(&*format!("/segments/{no}")));
}

fn query_string(fields: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

pub(crate) fn preview(c: &mut Client, no: &str, kind: &str, fields: &[(&str, &str)]) -> Resp {
    let mut all = fields.to_vec();
    all.push(("preview", "1"));
    c.get(&format!("/segments/{no}/{kind}?{}", query_string(&all)))
}

/// The counts a preview shows: (added or removed, excluded, blocked, existing).
#[track_caller]
fn preview_counts(res: &Resp) -> (i64, i64, i64, i64) {
    res.assert_status(200);
    let number_after = |marker: &str| -> Option<i64> {
        let start = res.body.find(marker)? + marker.len();
        let digits: String = res.body[start..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(|c| *c != ',')
            .collect();
        digits.parse().ok()
    };
    if let Some(added) = number_after("This step adds <strong>") {
        let (mut x, mut b, mut e) = (0, 0, 0);
        if let Some(excluded) = number_after("; it skips ") {
            x = excluded;
            b = number_after(" excluded, ").unwrap();
            e = number_after(" privacy blocked and ").unwrap();
        }
        (added, x, b, e)
    } else {
        let removed = number_after("This step removes <strong>")
            .unwrap_or_else(|| panic!("no preview on the page:\n{}", res.body));
        (removed, 0, 0, 0)
    }
}

/// The segment's members: the contact No. of every line, sorted, duplicates kept.
/// The contact numbers of a segment's members, sorted.
pub fn members(app: &TestApp, no: &str) -> Vec<String> {
    let list = text(
        app,
        &format!(
            "SELECT string_agg(c.no, ',' ORDER BY c.no) FROM segment_lines l \
             JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id \
             WHERE s.no = '{no}' AND l.removed_by_step IS NULL"
        ),
    );
    if list.is_empty() {
        Vec::new()
    } else {
        list.split(',').map(str::to_string).collect()
    }
}

#[track_caller]
pub(crate) fn assert_members(app: &TestApp, no: &str, expected: &[&str]) {
    let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(members(app, no), expected, "members of {no}");
}

/// The last step of the ledger: (kind, added, removed, excluded, blocked, existing).
fn last_step(app: &TestApp, no: &str) -> (String, i64, i64, i64, i64, i64) {
    let row = text(
        app,
        &format!(
            "SELECT concat_ws(',', t.kind, t.added, t.removed, t.skipped_excluded, \
               t.skipped_blocked, t.skipped_existing) \
             FROM segment_steps t JOIN segments s ON s.id = t.segment_id \
             WHERE s.no = '{no}' ORDER BY t.seq DESC LIMIT 1"
        ),
    );
    let parts: Vec<&str> = row.split(',').collect();
    assert_eq!(parts.len(), 6, "no step on {no}");
    let n = |i: usize| parts[i].parse::<i64>().unwrap();
    (parts[0].to_string(), n(1), n(2), n(3), n(4), n(5))
}

/// Every line of the segment (members and removed ones), whole rows, in id order: equal
/// hashes mean the very same rows with the very same values.
fn lines_hash(app: &TestApp, no: &str) -> String {
    text(
        app,
        &format!(
            "SELECT md5(COALESCE(string_agg(l::text, '|' ORDER BY l.id), '')) \
             FROM segment_lines l JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}'"
        ),
    )
}

/// The members as the brief states it: (segment, contact, added by step, overrides), in
/// line order.
fn membership_hash(app: &TestApp, no: &str) -> String {
    text(
        app,
        &format!(
            "SELECT md5(COALESCE(string_agg(row(l.segment_id, l.contact_id, l.added_by_step, \
               l.salesperson_code, l.date, l.interaction_template_code, l.subject, \
               l.correspondence_type, l.unit_cost, l.unit_duration_min, l.campaign_target, \
               l.campaign_response, l.evaluation)::text, '|' \
               ORDER BY l.company_name, l.company_no, l.is_person, l.contact_name, l.id), '')) \
             FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
             WHERE s.no = '{no}' AND l.removed_by_step IS NULL"
        ),
    )
}

fn steps_hash(app: &TestApp, no: &str) -> String {
    text(
        app,
        &format!(
            "SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t.seq), '')) \
             FROM segment_steps t JOIN segments s ON s.id = t.segment_id WHERE s.no = '{no}'"
        ),
    )
}

/// Everything a segment is: header, ledger, lines.
pub(crate) fn segment_state(app: &TestApp, no: &str) -> String {
    format!(
        "{} {} {}",
        text(
            app,
            // All but when it last changed, which a Go Back moves on, as any change does.
            &format!("SELECT md5((to_jsonb(s) - 'updated_at')::text) FROM segments s WHERE s.no = '{no}'")
        ),
        steps_hash(app, no),
        lines_hash(app, no)
    )
}

/// The id of a member line of this contact (the first one).
pub(crate) fn line_id(app: &TestApp, no: &str, contact: &str) -> i64 {
    app.count(&format!(
        "SELECT min(l.id) FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
         JOIN contacts c ON c.id = l.contact_id \
         WHERE s.no = '{no}' AND c.no = '{contact}' AND l.removed_by_step IS NULL"
    ))
}

pub(crate) fn step_count(app: &TestApp, no: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id \
         WHERE s.no = '{no}'"
    ))
}

/// Text as the templates escape it.
fn esc(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// A fresh segment holding exactly these contacts (added by No., ignoring exclusion).
fn segment_with(app: &TestApp, c: &mut Client, contacts: &[&str]) -> String {
    let no = new_segment(c, "fixture");
    let filter = contacts.join("|");
    step(
        c,
        &no,
        "add",
        &[("contact_no", &filter), ("ignore_exclusion", "on")],
    );
    assert_members(app, &no, contacts);
    no
}

// ---- the header -----------------------------------------------------------------------------

#[test]
fn a_new_segment_takes_the_next_number_and_the_users_salesperson() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let form = c.get("/segments/new");
    form.assert_status(200);
    assert!(
        form.contains("<option value=\"JO\" selected>"),
        "the user's salesperson is the default:\n{}",
        form.body
    );
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        form.contains(&format!("value=\"{today}\"")),
        "today is the default date"
    );

    let no = new_segment(&mut c, "Spring mailing");
    assert_eq!(no, "SM00001");
    let page = c.get("/segments/SM00001");
    page.assert_status(200);
    assert!(page.contains("Segment SM00001 created."));
    assert!(page.contains("Spring mailing"));
    assert!(page.contains("No steps yet."));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM segments s JOIN users u ON u.id = s.created_by \
             WHERE s.no = 'SM00001' AND s.salesperson_code = 'JO' AND u.username = 'stan' \
             AND s.status = 'draft' AND s.date = CURRENT_DATE"
        ),
        1
    );
    assert_eq!(new_segment(&mut c, "Second"), "SM00002");
    assert_eq!(
        app.count("SELECT next_number FROM number_series WHERE code = 'SEGMENT'"),
        3
    );
    // Lower case in the address finds it too.
    c.get("/segments/sm00002").assert_status(200);
    c.get("/segments/SM00099").assert_status(404);
}

#[test]
fn choosing_an_interaction_template_copies_its_defaults() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let res = c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[
            ("description", "Mailing"),
            ("interaction_template_code", "mail"),
        ]),
    );
    res.assert_redirect("/segments/SM00001");
    assert!(c
        .get("/segments/SM00001")
        .contains("Segment SM00001 created; the defaults of interaction template MAIL were applied. Add contacts to it."));
    let header = |app: &TestApp| {
        text(
            app,
            "SELECT concat_ws(',', interaction_template_code, unit_cost, unit_duration_min, \
               information_flow, initiated_by, correspondence_type, \
               ignore_contact_correspondence_type, campaign_no, campaign_target, \
               campaign_response) FROM segments WHERE no = 'SM00001'",
        )
    };
    assert_eq!(
        header(&app),
        "MAIL,12.50,15,inbound,them,hard_copy,t,CP0002,t,t"
    );

    // Saving with the same template keeps what the user typed.
    let page = c.get("/segments/SM00001");
    let version = hidden_value(&page.body, "version").unwrap();
    let res = c.post_with_token(
        "/segments/SM00001",
        &page.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Mailing"),
            ("interaction_template_code", "MAIL"),
            ("unit_cost", "7.25"),
            ("unit_duration_min", "20"),
            ("information_flow", "inbound"),
            ("initiated_by", "them"),
            ("correspondence_type", "hard_copy"),
            ("campaign_no", "CP0002"),
            ("version", version.as_str()),
        ]),
    );
    res.assert_redirect("/segments/SM00001");
    assert_eq!(
        header(&app),
        "MAIL,7.25,20,inbound,them,hard_copy,f,CP0002,f,f"
    );

    // Choosing another template copies its defaults again, into every field left as the
    // form showed it; a cost typed in the same save is the user's and stays.
    let page = c.get("/segments/SM00001");
    let version = hidden_value(&page.body, "version").unwrap();
    let res = c.post_with_token(
        "/segments/SM00001",
        &page.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Mailing"),
            ("interaction_template_code", "CALL"),
            ("unit_cost", "99.00"),
            ("unit_duration_min", "20"),
            ("information_flow", "inbound"),
            ("initiated_by", "them"),
            ("correspondence_type", "hard_copy"),
            ("campaign_no", "CP0002"),
            ("version", version.as_str()),
        ]),
    );
    res.assert_redirect("/segments/SM00001");
    // CALL has no campaign: MAIL's, left as shown, goes with MAIL (BC copies the new
    // template's campaign, none included).
    assert!(c.get("/segments/SM00001").contains(
        "the defaults of interaction template CALL were applied (unit cost kept as typed); \
         campaign CP0002, which came with interaction template MAIL, was cleared."
    ));
    assert_eq!(header(&app), "CALL,99.00,5,outbound,us,email,f,f,f");
    assert_eq!(
        app.count("SELECT version FROM segments WHERE no = 'SM00001'"),
        3
    );

    // A campaign the user chose stays through a change to a template without one.
    let save = |c: &mut Client, template: &str, campaign: &str| {
        let page = c.get("/segments/SM00001");
        let version = hidden_value(&page.body, "version").unwrap();
        let mut fields = vec![
            ("description", "Mailing"),
            ("interaction_template_code", template),
            ("campaign_no", campaign),
            ("version", version.as_str()),
        ];
        if !campaign.is_empty() {
            fields.push(("campaign_target", "on"));
        }
        let res = c.post_with_token(
            "/segments/SM00001",
            &page.csrf_token().unwrap(),
            &header_fields(&fields),
        );
        res.assert_redirect("/segments/SM00001");
        c.get("/segments/SM00001")
    };
    let campaign = |app: &TestApp| {
        text(
            app,
            "SELECT concat_ws(',', interaction_template_code, campaign_no, campaign_target, \
               campaign_response) FROM segments WHERE no = 'SM00001'",
        )
    };
    save(&mut c, "MAIL", "");
    assert_eq!(campaign(&app), "MAIL,CP0002,t,t");
    save(&mut c, "MAIL", "CP0001");
    assert_eq!(campaign(&app), "MAIL,CP0001,t,f");
    let page = save(&mut c, "CALL", "CP0001");
    assert!(!page.contains("was cleared"));
    assert_eq!(campaign(&app), "CALL,CP0001,t,f");

    // Clearing the template clears the campaign that came with it.
    save(&mut c, "MAIL", "CP0001");
    assert_eq!(campaign(&app), "MAIL,CP0002,t,t");
    let page = save(&mut c, "", "CP0002");
    assert!(page.contains(
        "Segment SM00001 saved; campaign CP0002, which came with interaction template MAIL, \
         was cleared with it."
    ));
    assert_eq!(campaign(&app), "f,f");

    // A new segment from a campaign's card, with a cost typed, then a template chosen: the
    // typed cost and campaign stay (they were overwritten by the template's, silently).
    let res = c.submit(
        "/segments/new?campaign=CP0001",
        "/segments",
        &header_fields(&[
            ("description", "Spring letters"),
            ("interaction_template_code", "MAIL"),
            ("campaign_no", "CP0001"),
            ("unit_cost", "7.50"),
        ]),
    );
    res.assert_redirect("/segments/SM00002");
    assert!(c.get("/segments/SM00002").contains(
        "the defaults of interaction template MAIL were applied (unit cost and campaign kept as typed)"
    ));
    assert_eq!(
        text(
            &app,
            "SELECT concat_ws(',', unit_cost, unit_duration_min, information_flow, campaign_no, \
               campaign_target) FROM segments WHERE no = 'SM00002'"
        ),
        "7.50,15,inbound,CP0001,f"
    );
}

#[test]
fn campaign_target_ticked_with_a_template_that_brings_the_campaign() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO interaction_templates (code, group_code, description, campaign_no, \
           campaign_target, campaign_response) VALUES ('SURVEY', 'LETTER', 'Survey', 'CP0001', \
           FALSE, FALSE)",
    );
    let mut c = staff(&app, "stan");
    let header = |app: &TestApp, no: &str| {
        text(
            app,
            &format!(
                "SELECT concat_ws(',', interaction_template_code, campaign_no, campaign_target, \
                   campaign_response) FROM segments WHERE no = '{no}'"
            ),
        )
    };
    // Target ticked, the campaign left empty: the template chosen brings it, and the tick stays.
    let res = c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[
            ("description", "Survey"),
            ("interaction_template_code", "SURVEY"),
            ("campaign_target", "on"),
        ]),
    );
    res.assert_redirect("/segments/SM00001");
    assert_eq!(header(&app, "SM00001"), "SURVEY,CP0001,t,f");
    assert!(c.get("/segments/SM00001").contains(
        "the defaults of interaction template SURVEY were applied (campaign target kept as typed)"
    ));

    // Kept template: its campaign cleared with Target still ticked as shown clears Target with
    // it, as in Business Central, and says so (it was refused, "need a campaign").
    let page = c.get("/segments/SM00001");
    let version = hidden_value(&page.body, "version").unwrap();
    let res = c.post_with_token(
        "/segments/SM00001",
        &page.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Survey"),
            ("interaction_template_code", "SURVEY"),
            ("campaign_target", "on"),
            ("version", version.as_str()),
        ]),
    );
    res.assert_redirect("/segments/SM00001");
    assert_eq!(header(&app, "SM00001"), "SURVEY,f,f");
    assert!(c.get("/segments/SM00001").contains(
        "The campaign was cleared, so Campaign Target and Campaign Response were cleared with it."
    ));

    // A template without a campaign brings none: refused, nothing written.
    let res = c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[
            ("description", "Calls"),
            ("interaction_template_code", "CALL"),
            ("campaign_response", "on"),
        ]),
    );
    res.assert_status(422);
    assert!(res.contains("Campaign Target and Campaign Response need a campaign."));
    assert_eq!(app.count("SELECT count(*) FROM segments"), 1);

    // A campaign of its own with Target ticked; then, in one save, the template chosen and the
    // campaign cleared: the cleared field stays cleared, and Target with it (it was let
    // through and failed in the database, a 500; then refused by the field).
    c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[
            ("description", "Own campaign"),
            ("campaign_no", "CP0002"),
            ("campaign_target", "on"),
        ]),
    )
    .assert_redirect("/segments/SM00002");
    let page = c.get("/segments/SM00002");
    let res = c.post_with_token(
        "/segments/SM00002",
        &page.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Own campaign"),
            ("interaction_template_code", "SURVEY"),
            ("campaign_target", "on"),
            ("version", &hidden_value(&page.body, "version").unwrap()),
        ]),
    );
    res.assert_redirect("/segments/SM00002");
    assert_eq!(header(&app, "SM00002"), "SURVEY,f,f");
    // Ticked anew as the campaign is cleared: refused, not dropped unsaid.
    c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[("description", "Third"), ("campaign_no", "CP0002")]),
    )
    .assert_redirect("/segments/SM00003");
    let page = c.get("/segments/SM00003");
    let res = c.post_with_token(
        "/segments/SM00003",
        &page.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Third"),
            ("campaign_response", "on"),
            ("version", &hidden_value(&page.body, "version").unwrap()),
        ]),
    );
    res.assert_status(422);
    assert!(res.contains("Campaign Target and Campaign Response need a campaign."));
    assert_eq!(header(&app, "SM00003"), "CP0002,f,f");
    // Ticked on a segment without a campaign: refused, as ever.
    let page = c.get("/segments/SM00002");
    let res = c.post_with_token(
        "/segments/SM00002",
        &page.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Own campaign"),
            ("interaction_template_code", "SURVEY"),
            ("campaign_response", "on"),
            ("version", &hidden_value(&page.body, "version").unwrap()),
        ]),
    );
    res.assert_status(422);
    assert!(res.contains("Campaign Target and Campaign Response need a campaign."));
    assert_eq!(header(&app, "SM00002"), "SURVEY,f,f");
}

#[test]
fn an_invalid_header_is_a_422_and_nothing_is_written() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let long = "x".repeat(101);
    let res = c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[
            ("description", &long),
            ("date", "2026-02-30"),
            ("salesperson_code", "NOPE"),
            ("unit_cost", "-1"),
            ("unit_duration_min", "ten"),
            ("information_flow", "sideways"),
            ("campaign_target", "on"),
            ("interaction_template_code", "GHOST"),
            ("subject", "Typed subject"),
        ]),
    );
    res.assert_status(422);
    for message in [
        "Use at most 100 characters; this has 101.",
        // Why, not only the pattern it follows.
        "There is no day 30 in February 2026 (it has 28 days): enter a date as YYYY-MM-DD.",
        "There is no salesperson NOPE.",
        "Enter an amount of 0 or more and below 10,000,000,000, like 12.50.",
        "Enter a whole number of minutes, 0 or more.",
        "Choose Outbound or Inbound.",
        "Campaign Target and Campaign Response need a campaign.",
        "There is no interaction template GHOST.",
    ] {
        assert!(res.contains(message), "missing {message}:\n{}", res.body);
    }
    assert!(
        res.contains("value=\"Typed subject\""),
        "typed values are kept"
    );
    // Said by its field too, the summary's link leading there.
    assert!(
        res.contains("<select id=\"information_flow\" name=\"information_flow\" aria-invalid=\"true\" aria-describedby=\"information_flow-error\">"),
        "{}",
        res.body
    );
    summary_links_resolve(&res.body);
    // Codes no list has (deleted since the form was shown) stay chosen, marked, by their error.
    for code in ["NOPE", "GHOST"] {
        assert!(
            res.contains(&format!(
                "<option value=\"{code}\" selected>{code} (not found)</option>"
            )),
            "{code}: {}",
            res.body
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM segments"), 0);
    assert_eq!(
        app.count("SELECT next_number FROM number_series WHERE code = 'SEGMENT'"),
        1,
        "no number used"
    );

    // An edit with errors changes nothing either.
    let no = new_segment(&mut c, "Good");
    let before = segment_state(&app, &no);
    let page = c.get(&format!("/segments/{no}"));
    let version = hidden_value(&page.body, "version").unwrap();
    let res = c.post_with_token(
        &format!("/segments/{no}"),
        &page.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Changed"),
            ("campaign_no", "CP9999"),
            ("version", version.as_str()),
        ]),
    );
    res.assert_status(422);
    assert!(res.contains("There is no campaign CP9999."));
    assert!(res.contains("<option value=\"CP9999\" selected>CP9999 (not found)</option>"));
    assert!(res.contains("value=\"Changed\""));
    assert_eq!(segment_state(&app, &no), before);

    // A stale version is a conflict, and nothing is written.
    let res = c.post_with_token(
        &format!("/segments/{no}"),
        &page.csrf_token().unwrap(),
        &header_fields(&[("description", "Stale"), ("version", "0")]),
    );
    res.assert_status(409);
    assert_eq!(segment_state(&app, &no), before);
}

#[test]
fn the_segments_list_filters_by_status_and_search() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    new_segment(&mut c, "Spring mailing");
    new_segment(&mut c, "Autumn calls");
    diesel_exec(
        &app,
        "UPDATE segments SET status = 'logged' WHERE no = 'SM00002'",
    );
    let all = c.get("/segments");
    assert!(all.contains("SM00001") && all.contains("SM00002"));
    for status in ["logged", "Logged", " LOGGED "] {
        let logged = c.get(&format!("/segments?status={}", status.replace(' ', "+")));
        assert!(
            logged.contains("SM00002") && !logged.contains("SM00001"),
            "{status}"
        );
    }
    let search = c.get("/segments?q=spring");
    assert!(search.contains("SM00001") && !search.contains("SM00002"));
}

// ---- Add Contacts: options and their order ---------------------------------------------------

#[test]
fn expand_companies_brings_the_persons_of_a_selected_company() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");

    let plain = new_segment(&mut c, "plain");
    step(
        &mut c,
        &plain,
        "add",
        &[("type", "company"), ("country", "DK")],
    );
    assert_members(&app, &plain, &["ALPHA"]);
    assert_eq!(last_step(&app, &plain), ("add".into(), 1, 0, 1, 0, 0));

    // ALPHA and GAMMA are selected; expansion brings ANNA, BO, CY and FINN; then exclusion
    // skips BO and GAMMA, privacy skips CY. GAMMA is excluded, yet its person comes: the
    // expansion runs before the exclusion.
    let expanded = new_segment(&mut c, "expanded");
    step(
        &mut c,
        &expanded,
        "add",
        &[
            ("type", "company"),
            ("country", "DK"),
            ("expand_companies", "on"),
        ],
    );
    assert_members(&app, &expanded, &["ALPHA", "ANNA", "FINN"]);
    assert_eq!(last_step(&app, &expanded), ("add".into(), 3, 0, 2, 1, 0));

    // A selected person does not expand anything.
    let person = new_segment(&mut c, "person");
    step(
        &mut c,
        &person,
        "add",
        &[("contact_no", "ELI"), ("expand_companies", "on")],
    );
    assert_members(&app, &person, &["ELI"]);
}

#[test]
fn allow_related_companies_brings_the_company_of_a_selected_person() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");

    let plain = new_segment(&mut c, "plain");
    step(&mut c, &plain, "add", &[("name", "Dora*|Finn*|Solo*")]);
    assert_members(&app, &plain, &["DORA", "FINN", "SOLO"]);

    // BETA comes with DORA; GAMMA with FINN but is excluded; SOLO has no company.
    let related = new_segment(&mut c, "related");
    step(
        &mut c,
        &related,
        "add",
        &[
            ("name", "Dora*|Finn*|Solo*"),
            ("allow_related_companies", "on"),
        ],
    );
    assert_members(&app, &related, &["BETA", "DORA", "FINN", "SOLO"]);
    assert_eq!(last_step(&app, &related), ("add".into(), 4, 0, 1, 0, 0));
    assert_eq!(
        app.count("SELECT count(*) FROM segment_lines WHERE contact_id IS NULL"),
        0
    );

    // With Ignore Exclusion the related GAMMA comes too.
    let ignoring = new_segment(&mut c, "ignoring");
    step(
        &mut c,
        &ignoring,
        "add",
        &[
            ("name", "Finn*"),
            ("allow_related_companies", "on"),
            ("ignore_exclusion", "on"),
        ],
    );
    assert_members(&app, &ignoring, &["FINN", "GAMMA"]);
}

#[test]
fn ignore_exclusion_adds_excluded_contacts_but_never_privacy_blocked_ones() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");

    let without = new_segment(&mut c, "without");
    step(
        &mut c,
        &without,
        "add",
        &[
            ("industry_group", "RETAIL|BANKING"),
            ("expand_companies", "on"),
        ],
    );
    assert_members(&app, &without, &["ALPHA", "ANNA", "FINN"]);
    assert_eq!(last_step(&app, &without), ("add".into(), 3, 0, 2, 1, 0));

    let with = new_segment(&mut c, "with");
    step(
        &mut c,
        &with,
        "add",
        &[
            ("industry_group", "RETAIL|BANKING"),
            ("expand_companies", "on"),
            ("ignore_exclusion", "on"),
        ],
    );
    assert_members(&app, &with, &["ALPHA", "ANNA", "BO", "FINN", "GAMMA"]);
    assert_eq!(last_step(&app, &with), ("add".into(), 5, 0, 0, 1, 0));
}

#[test]
fn privacy_blocked_contacts_are_never_added_whatever_the_options() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "privacy");
    let all_options = [
        ("expand_companies", "on"),
        ("allow_related_companies", "on"),
        ("ignore_exclusion", "on"),
        ("allow_existing", "on"),
    ];
    // Selected directly: skipped, though it still brings its company.
    let mut fields = vec![("contact_no", "CY")];
    fields.extend(all_options);
    step(&mut c, &no, "add", &fields);
    assert_members(&app, &no, &["ALPHA"]);
    assert_eq!(last_step(&app, &no), ("add".into(), 1, 0, 0, 1, 0));
    // Brought by expansion of its company.
    let mut fields = vec![("contact_no", "ALPHA")];
    fields.extend(all_options);
    step(&mut c, &no, "add", &fields);
    assert_members(&app, &no, &["ALPHA", "ALPHA", "ANNA", "BO"]);
    assert_eq!(last_step(&app, &no), ("add".into(), 3, 0, 0, 1, 0));
    // Brought as a related company: block ALPHA too and select its person.
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = TRUE WHERE no = 'ALPHA'",
    );
    let other = new_segment(&mut c, "related");
    let mut fields = vec![("contact_no", "ANNA")];
    fields.extend(all_options);
    step(&mut c, &other, "add", &fields);
    assert_members(&app, &other, &["ANNA"]);
    assert_eq!(last_step(&app, &other), ("add".into(), 1, 0, 0, 1, 0));

    // By hand, even ignoring exclusion.
    let res = post(
        &mut c,
        &format!("/segments/{no}/lines"),
        &[("contact_no", "CY"), ("ignore_exclusion", "on")],
    );
    res.assert_status(422);
    let page = res;
    assert!(
        page.contains("was not added") && page.contains("privacy blocked"),
        "{}",
        page.body
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
             WHERE c.no = 'CY'"
        ),
        0
    );
}

#[test]
fn duplicates_are_skipped_unless_allowed_and_one_step_adds_a_contact_once() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "duplicates");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    // ANNA is already there: skipped and counted.
    step(&mut c, &no, "add", &[("industry_group", "RETAIL")]);
    assert_members(&app, &no, &["ALPHA", "ANNA"]);
    assert_eq!(last_step(&app, &no), ("add".into(), 1, 0, 1, 1, 1));
    // Allowed: a second line for each.
    step(
        &mut c,
        &no,
        "add",
        &[("industry_group", "RETAIL"), ("allow_existing", "on")],
    );
    assert_members(&app, &no, &["ALPHA", "ALPHA", "ANNA", "ANNA"]);
    assert_eq!(last_step(&app, &no), ("add".into(), 2, 0, 1, 1, 0));

    // One step selecting ANNA directly, by expansion of ALPHA, and ALPHA directly and as
    // ANNA's related company: one line each, and each skipped contact counted once.
    let once = new_segment(&mut c, "once");
    step(
        &mut c,
        &once,
        "add",
        &[
            ("name", "Anna*|Alpha*|Bo*|Cy*"),
            ("expand_companies", "on"),
            ("allow_related_companies", "on"),
            ("allow_existing", "on"),
        ],
    );
    assert_members(&app, &once, &["ALPHA", "ANNA"]);
    assert_eq!(last_step(&app, &once), ("add".into(), 2, 0, 1, 1, 0));
}

// ---- filter sections -------------------------------------------------------------------------

#[test]
fn industry_groups_are_read_through_the_company() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let retail = new_segment(&mut c, "retail");
    step(&mut c, &retail, "add", &[("industry_group", "retail")]);
    // ANNA has no industry group of her own: she matches through ALPHA.
    assert_members(&app, &retail, &["ALPHA", "ANNA"]);
    assert_eq!(last_step(&app, &retail), ("add".into(), 2, 0, 1, 1, 0));

    let persons = new_segment(&mut c, "persons");
    step(
        &mut c,
        &persons,
        "add",
        &[("industry_group", "RETAIL|WHOLESALE"), ("type", "person")],
    );
    assert_members(&app, &persons, &["ANNA", "DORA", "ELI"]);
    // SOLO has no company, so no industry group.
    let not_retail = new_segment(&mut c, "not retail");
    step(
        &mut c,
        &not_retail,
        "add",
        &[("industry_group", "<>RETAIL")],
    );
    assert_members(
        &app,
        &not_retail,
        &["BETA", "DORA", "ELI", "FINN"], // GAMMA excluded
    );
}

#[test]
fn within_a_section_one_related_row_passes_all_filters_and_sections_combine_with_and() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let cases: &[(Fields, &[&str])] = &[
        // ANNA called in January and mailed in March: no January mailing.
        (
            &[
                ("interaction_date", "2026-01-01..2026-01-31"),
                ("interaction_template", "MAIL"),
            ],
            &["DORA"],
        ),
        // ELI's January entry is canceled: it never counts.
        (
            &[("interaction_date", "2026-01-01..2026-01-31")],
            &["ANNA", "DORA"],
        ),
        (&[("interaction_template", "MAIL")], &["ANNA", "DORA"]),
        (
            &[
                ("interaction_group", "LETTER"),
                ("interaction_date", "<2026-02-01"),
            ],
            &["DORA"],
        ),
        (
            &[
                ("interaction_group", "PHONE"),
                ("interaction_salesperson", "JO"),
            ],
            &["ANNA"],
        ),
        // Campaign response and attempt failed: ELI's canceled entry never counts.
        (&[("interaction_campaign_response", "yes")], &["ANNA"]),
        (&[("interaction_attempt_failed", "yes")], &["ANNA"]),
        (
            &[
                ("interaction_attempt_failed", "no"),
                ("interaction_date", "2026-01-01..2026-01-31"),
            ],
            &["DORA"],
        ),
        // Sections combine with AND.
        (
            &[("mailing_group", "NEWS"), ("interaction_template", "MAIL")],
            &["ANNA"],
        ),
        (
            &[("industry_group", "WHOLESALE"), ("mailing_group", "XMAS")],
            &["DORA"],
        ),
        (
            &[("industry_group", "WHOLESALE"), ("country", "DK")],
            &["ELI"],
        ),
        (
            &[("mailing_group", "XMAS"), ("has_email", "yes")],
            &["ANNA", "DORA", "SOLO"],
        ),
        (
            &[
                ("mailing_group", "XMAS"),
                ("name", "@*a*"),
                ("country", "<>SE"),
            ],
            &["ANNA"],
        ),
        (&[("has_email", "no"), ("type", "person")], &["ELI", "FINN"]),
        (
            &[("company_no", "BETA"), ("type", "person")],
            &["DORA", "ELI"],
        ),
    ];
    for (fields, expected) in cases {
        let no = new_segment(&mut c, "case");
        step(&mut c, &no, "add", fields);
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(members(&app, &no), expected, "{fields:?}");
    }

    // A profile answer.
    let large = app.count("SELECT id FROM profile_answers WHERE description = 'Large'");
    let no = new_segment(&mut c, "profile");
    step(
        &mut c,
        &no,
        "add",
        &[("profile_answer", large.to_string().as_str())],
    );
    assert_members(&app, &no, &["ANNA"]);
    assert!(c
        .get(&format!("/segments/{no}"))
        .contains("profile Size: Large (CUST)"));

    // An answer deleted since the form was shown selects nobody: a Refine would empty the
    // segment. It is said next to the field, in the preview and on Apply, and nothing runs.
    let gone = (large + 1000).to_string();
    let page = format!("/segments/{no}/refine");
    let preview = c.get(&format!("{page}?profile_answer={gone}"));
    preview.assert_status(422);
    assert!(
        preview.contains("Profile: the answer chosen has been deleted"),
        "{}",
        preview.body
    );
    assert!(preview.contains("id=\"f-profile_answer-error\""));
    let token = c.get(&page).csrf_token().unwrap();
    let res = c.post_with_token(&page, &token, &[("profile_answer", &gone)]);
    res.assert_status(422);
    assert!(res.contains("the answer chosen has been deleted"));
    assert_members(&app, &no, &["ANNA"]);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id \
             WHERE s.no = '{no}'"
        )),
        1
    );
}

// ---- Reduce and Refine -----------------------------------------------------------------------

#[test]
fn reduce_and_refine_with_and_without_entire_companies() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let base = ["ALPHA", "ANNA", "BETA", "DORA", "ELI", "SOLO"];
    let cases: &[(&str, Fields, &[&str], i64)] = &[
        (
            "reduce",
            &[("country", "SE")],
            &["ALPHA", "ANNA", "ELI", "SOLO"],
            2,
        ),
        // ELI is in DK, but BETA's contacts include a match.
        (
            "reduce",
            &[("country", "SE"), ("entire_companies", "on")],
            &["ALPHA", "ANNA", "SOLO"],
            3,
        ),
        ("refine", &[("country", "SE")], &["BETA", "DORA"], 4),
        (
            "refine",
            &[("country", "SE"), ("entire_companies", "on")],
            &["BETA", "DORA", "ELI"],
            3,
        ),
        // Industry groups through the company: persons go with it.
        (
            "reduce",
            &[("industry_group", "WHOLESALE")],
            &["ALPHA", "ANNA", "SOLO"],
            3,
        ),
        (
            "refine",
            &[("mailing_group", "XMAS")],
            &["ANNA", "DORA", "SOLO"],
            3,
        ),
        (
            "refine",
            &[("mailing_group", "XMAS"), ("entire_companies", "on")],
            &["ALPHA", "ANNA", "BETA", "DORA", "ELI", "SOLO"],
            0,
        ),
    ];
    for (kind, fields, expected, removed) in cases {
        let no = segment_with(&app, &mut c, &base);
        step(&mut c, &no, kind, fields);
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(members(&app, &no), want, "{kind} {fields:?}");
        // Recorded with what it removed, none too (a Refresh replays it).
        assert_eq!(
            last_step(&app, &no),
            (kind.to_string(), 0, *removed, 0, 0, 0),
            "{kind} {fields:?}"
        );
    }

    // Entire Companies looks at every contact of the company, also those not on the segment:
    // DORA (SE) is not a member, yet ELI goes with her company.
    let no = segment_with(&app, &mut c, &["ANNA", "ELI"]);
    step(&mut c, &no, "reduce", &[("country", "SE")]);
    assert_members(&app, &no, &["ANNA", "ELI"]);
    step(
        &mut c,
        &no,
        "reduce",
        &[("country", "SE"), ("entire_companies", "on")],
    );
    assert_members(&app, &no, &["ANNA"]);

    let no = segment_with(&app, &mut c, &["ANNA", "ELI"]);
    step(
        &mut c,
        &no,
        "refine",
        &[("mailing_group", "XMAS"), ("entire_companies", "on")],
    );
    assert_members(&app, &no, &["ANNA", "ELI"]);
    step(&mut c, &no, "refine", &[("mailing_group", "XMAS")]);
    assert_members(&app, &no, &["ANNA"]);
}

#[test]
fn reduce_removes_every_line_of_a_matching_contact_and_keeps_removed_lines() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = segment_with(&app, &mut c, &["ANNA", "DORA"]);
    step(
        &mut c,
        &no,
        "add",
        &[("contact_no", "ANNA"), ("allow_existing", "on")],
    );
    assert_members(&app, &no, &["ANNA", "ANNA", "DORA"]);
    step(&mut c, &no, "reduce", &[("name", "Anna*")]);
    assert_members(&app, &no, &["DORA"]);
    assert_eq!(last_step(&app, &no), ("reduce".into(), 0, 2, 0, 0, 0));
    // Removed lines are kept, marked with the step, for Go Back.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
             WHERE s.no = '{no}' AND l.removed_by_step = 3"
        )),
        2
    );
}

// ---- Preview --------------------------------------------------------------------------------

#[test]
fn a_preview_tells_what_apply_then_does_and_changes_nothing() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "previewed");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);

    // The reasons, row by row.
    let res = preview(&mut c, &no, "add", &[("industry_group", "RETAIL")]);
    assert_eq!(preview_counts(&res), (1, 1, 1, 1));
    for row in [
        // A company is named as on the segment's lines.
        "<tr><td>ALPHA</td><td>Alpha Retail <span class=\"muted\">(company)</span></td><td>Alpha Retail</td><td></td></tr>",
        "<tr><td>ANNA</td><td>Anna Alpha</td><td>Alpha Retail</td><td>skipped: already on the segment</td></tr>",
        "<tr><td>BO</td><td>Bo Alpha</td><td>Alpha Retail</td><td>skipped: excluded from segments</td></tr>",
        "<tr><td>CY</td><td>Cy Alpha</td><td>Alpha Retail</td><td>skipped: privacy blocked</td></tr>",
    ] {
        assert!(res.contains(row), "missing {row}:\n{}", res.body);
    }
    assert!(res.contains("Filters: industry group RETAIL</p>"));
    assert!(res.contains("Apply Add Contacts"));
    // The table says what it shows: all of them here, the first 25 of more below.
    assert!(res.contains(
        "<p class=\"preview-rows\">The contacts it finds, by company; the Note says which it \
         skips and why.</p>"
    ));
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO industry_groups (code) VALUES ('BULK');
         INSERT INTO contacts (no, type, name) SELECT 'BK' || lpad(g::text, 2, '0'), 'company',
             'Bulk ' || g FROM generate_series(1, 30) g;
         INSERT INTO contact_industry_groups SELECT id, 'BULK' FROM contacts WHERE no LIKE 'BK%'",
    );
    let many = preview(&mut c, &no, "add", &[("industry_group", "BULK")]);
    assert!(
        many.contains("The first 25 of the 30 contacts it finds, by company"),
        "{}",
        many.body
    );
    // The options that are on are part of what the preview says it will do.
    let res = preview(
        &mut c,
        &no,
        "add",
        &[("industry_group", "RETAIL"), ("expand_companies", "on")],
    );
    assert!(
        res.contains("Filters: industry group RETAIL (expand companies)</p>"),
        "{}",
        res.body
    );

    let cases: &[(&str, &[(&str, &str)])] = &[
        ("add", &[("industry_group", "RETAIL")]),
        (
            "add",
            &[
                ("industry_group", "RETAIL|WHOLESALE|BANKING"),
                ("expand_companies", "on"),
            ],
        ),
        (
            "add",
            &[
                ("country", "DK"),
                ("allow_existing", "on"),
                ("allow_related_companies", "on"),
            ],
        ),
        (
            "add",
            &[
                ("type", "company"),
                ("expand_companies", "on"),
                ("ignore_exclusion", "on"),
            ],
        ),
        ("reduce", &[("country", "SE"), ("entire_companies", "on")]),
        ("refine", &[("mailing_group", "XMAS|NEWS")]),
        ("reduce", &[("interaction_template", "MAIL")]),
        ("refine", &[("type", "person"), ("entire_companies", "on")]),
    ];
    let mut moved = 0;
    for (kind, fields) in cases {
        let before = segment_state(&app, &no);
        let audit = app.count("SELECT count(*) FROM audit_log");
        let counts = preview_counts(&preview(&mut c, &no, kind, fields));
        assert_eq!(
            segment_state(&app, &no),
            before,
            "a preview changes nothing"
        );
        assert_eq!(app.count("SELECT count(*) FROM audit_log"), audit);

        let members_before = members(&app, &no).len() as i64;
        let steps_before = step_count(&app, &no);
        step(&mut c, &no, kind, fields);
        // Every step by criteria is recorded, one that changes nothing too.
        assert_eq!(step_count(&app, &no), steps_before + 1, "{kind} {fields:?}");
        if counts.0 > 0 {
            moved += 1;
        }
        let (_, added, removed, excluded, blocked, existing) = last_step(&app, &no);
        if *kind == "add" {
            assert_eq!(
                counts,
                (added, excluded, blocked, existing),
                "{kind} {fields:?}"
            );
            assert_eq!(members(&app, &no).len() as i64, members_before + added);
        } else {
            assert_eq!(counts.0, removed, "{kind} {fields:?}");
            assert_eq!(members(&app, &no).len() as i64, members_before - removed);
        }
    }
    // The lines moved, so the cases above were not all empty.
    assert!(moved > 1);
    assert_eq!(step_count(&app, &no), 1 + cases.len() as i64);
}

#[test]
fn the_preview_shows_the_first_25_rows_and_the_lines_page_100_with_the_total() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name) SELECT 'BULK' || g, 'company', 'Bulk Company ' || g
             FROM generate_series(1, 5) g;
         INSERT INTO contacts (no, type, name, company_id)
             SELECT 'BP' || lpad(g::text, 3, '0'), 'person', 'Bulk Person ' || lpad(g::text, 3, '0'),
                 (SELECT id FROM contacts WHERE no = 'BULK' || (1 + g % 5))
             FROM generate_series(1, 245) g;",
    );
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "bulk");
    let res = preview(&mut c, &no, "add", &[("name", "Bulk*")]);
    assert_eq!(preview_counts(&res), (250, 0, 0, 0));
    assert!(res.contains("This step adds <strong>250</strong> contacts"));
    let rows = res.body.matches("<tr><td>B").count();
    assert_eq!(rows, 25, "the first 25 rows");
    // In line order: the company first.
    assert!(res.body.find("<tr><td>BULK1</td>").unwrap() < res.body.find("<tr><td>BP").unwrap());

    step(&mut c, &no, "add", &[("name", "Bulk*")]);
    let page = c.get(&format!("/segments/{no}"));
    assert!(page.contains("Lines (250)"), "{}", page.body);
    assert!(page.contains("page 1 of 3"));
    assert_eq!(page.body.matches("aria-label=\"Remove ").count(), 100);
    assert!(page.contains("rel=\"next\""));
    let third = c.get(&format!("/segments/{no}?page=3"));
    assert_eq!(third.body.matches("aria-label=\"Remove ").count(), 50);
    assert!(third.contains("Lines 201–250"));
    assert!(third.contains("Lines (250)"));
    // Line order: company name, the company before its persons, then name.
    let first = page
        .body
        .find(">BULK1</a>")
        .unwrap_or_else(|| panic!("{}", page.body));
    let first_person = page.body.find(">BP005</a>").unwrap();
    assert!(first < first_person);
    // 50 lines per company: BULK1 and BULK2 with their persons fill page 1.
    assert!(page.contains(">BULK2</a>"));
    assert!(!page.contains(">BULK3</a>"), "BULK3 is on page 2");
    assert!(third.contains(">BULK5</a>") && !third.contains(">BULK4</a>"));

    // The same pages reached by Next and Previous (read after or before a line), by number,
    // and by number from the far end, are the same lines in the order SQL gives.
    let nos = |body: &str| -> Vec<String> {
        body.split("aria-label=\"Remove ")
            .skip(1)
            .map(|s| s[..s.find(" (step ").unwrap()].to_string())
            .collect()
    };
    let link = |body: &str, rel: &str| -> String {
        let at = body.find(&format!("\" rel=\"{rel}\"")).unwrap();
        let start = body[..at].rfind("href=\"").unwrap() + 6;
        body[start..at].replace("&#38;", "&")
    };
    let expected: Vec<String> = {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct R {
            #[diesel(sql_type = diesel::sql_types::Text)]
            no: String,
        }
        diesel::sql_query(format!(
            "SELECT c.no::text AS no FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
             JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}' AND l.removed_by_step IS NULL \
             ORDER BY l.company_name, l.company_no, l.is_person, l.contact_name, l.id"
        ))
        .load::<R>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|r| r.no)
        .collect()
    };
    assert_eq!(expected.len(), 250);
    let second = c.get(&link(&page.body, "next"));
    assert!(second.contains("page 2 of 3") && second.contains("Lines 101–200"));
    let last = c.get(&link(&second.body, "next"));
    assert!(last.contains("page 3 of 3"));
    assert_eq!(nos(&page.body), expected[..100]);
    assert_eq!(nos(&second.body), expected[100..200]);
    assert_eq!(nos(&last.body), expected[200..]);
    assert_eq!(nos(&third.body), expected[200..]);
    assert_eq!(
        nos(&c.get(&format!("/segments/{no}?page=2")).body),
        expected[100..200]
    );
    let back = c.get(&link(&last.body, "prev"));
    assert!(back.contains("page 2 of 3"));
    assert_eq!(nos(&back.body), expected[100..200]);
    assert_eq!(nos(&c.get(&link(&back.body, "prev")).body), expected[..100]);
    // A line that is gone (its step undone) falls back to the page number.
    let stale = c.get(&format!("/segments/{no}?page=2&after=987654321"));
    assert_eq!(nos(&stale.body), expected[100..200]);
}

// ---- the ledger -----------------------------------------------------------------------------

#[test]
fn every_step_is_in_the_ledger_with_counts_criteria_and_a_sentence() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "ledger");
    step(
        &mut c,
        &no,
        "add",
        &[("industry_group", "retail|wholesale")],
    );
    step(
        &mut c,
        &no,
        "reduce",
        &[("country", "SE"), ("entire_companies", "on")],
    );
    step(&mut c, &no, "refine", &[("name", "Alpha*")]);
    let res = post(
        &mut c,
        &format!("/segments/{no}/lines"),
        &[("contact_no", "solo")],
    );
    res.assert_redirect(&format!("/segments/{no}"));
    let line = line_id(&app, &no, "SOLO");
    post(&mut c, &format!("/segments/{no}/lines/{line}/remove"), &[])
        .assert_redirect(&format!("/segments/{no}#lines"));

    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT string_agg(concat_ws(':', t.seq, t.kind, t.added, t.removed, \
                   t.user_name), ' ' ORDER BY t.seq) \
                 FROM segment_steps t JOIN segments s ON s.id = t.segment_id WHERE s.no = '{no}'"
            )
        ),
        "1:add:5:0:stan 2:reduce:0:3:stan 3:refine:0:1:stan 4:manual_add:1:0:stan 5:manual_remove:0:1:stan"
    );
    // The criteria, structured, with the options.
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT t.criteria #>> '{{filters,industry_group}}' FROM segment_steps t \
                 JOIN segments s ON s.id = t.segment_id WHERE s.no = '{no}' AND t.seq = 1"
            )
        ),
        "retail|wholesale"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id \
             WHERE s.no = '{no}' AND t.seq = 2 AND t.criteria #>> '{{filters,country}}' = 'SE' \
             AND (t.criteria #>> '{{options,entire_companies}}')::boolean \
             AND NOT (t.criteria #>> '{{options,expand_companies}}')::boolean"
        )),
        1
    );
    let page = c.get(&format!("/segments/{no}"));
    for sentence in [
        "Added 5 contacts: industry group RETAIL or WHOLESALE; 1 skipped as excluded, 1 skipped as privacy blocked.",
        "Removed 3 lines matching country",
        "(entire companies).",
        "Kept only contacts matching name starting with Alpha: removed 1 line",
        "Added SOLO Solo Person by hand.",
        "Removed SOLO Solo Person by hand.",
    ] {
        assert!(
            page.contains(&esc(sentence)),
            "missing {sentence}:\n{}",
            page.body
        );
    }
    assert!(page.contains(">5</span><span class=\"figure-label\">steps<"));
    // Every step is in the audit trail too.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'segment step' AND subject = '{no}'"
        )),
        5
    );
}

// ---- Go Back --------------------------------------------------------------------------------

#[test]
fn go_back_undoes_the_last_step_or_goes_back_to_any_step_at_once() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "go back");
    let go_back = format!("/segments/{no}/go-back");
    let empty = segment_state(&app, &no);
    step(&mut c, &no, "add", &[("industry_group", "RETAIL")]);
    let after1 = segment_state(&app, &no);
    step(&mut c, &no, "add", &[("industry_group", "WHOLESALE")]);
    let after2 = segment_state(&app, &no);
    step(&mut c, &no, "reduce", &[("country", "SE")]);
    step(&mut c, &no, "add", &[("contact_no", "SOLO")]);
    assert_members(&app, &no, &["ALPHA", "ANNA", "ELI", "SOLO"]);

    // Undo the last step.
    post(&mut c, &go_back, &[]).assert_redirect(&format!("/segments/{no}"));
    assert_members(&app, &no, &["ALPHA", "ANNA", "ELI"]);
    assert_eq!(step_count(&app, &no), 3);
    assert!(c
        .get(&format!("/segments/{no}"))
        .contains("Went back to step 3"));

    // Back to step 2 restores what the reduce removed.
    post(&mut c, &go_back, &[("to", "2")]).assert_redirect(&format!("/segments/{no}"));
    assert_eq!(segment_state(&app, &no), after2);

    // Step numbers continue from the ledger.
    step(&mut c, &no, "add", &[("contact_no", "SOLO")]);
    step(&mut c, &no, "add", &[("contact_no", "FINN")]);
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT string_agg(t.seq::text, ',' ORDER BY t.seq) FROM segment_steps t \
                 JOIN segments s ON s.id = t.segment_id WHERE s.no = '{no}'"
            )
        ),
        "1,2,3,4"
    );

    // Back to step 1 in one action.
    post(&mut c, &go_back, &[("to", "1")]).assert_redirect(&format!("/segments/{no}"));
    assert_eq!(segment_state(&app, &no), after1);
    assert!(c.get(&format!("/segments/{no}")).contains("3 steps undone"));

    // Going "forward" undoes nothing.
    post(&mut c, &go_back, &[("to", "7")]).assert_redirect(&format!("/segments/{no}"));
    assert_eq!(segment_state(&app, &no), after1);

    // To the start.
    post(&mut c, &go_back, &[("to", "0")]).assert_redirect(&format!("/segments/{no}"));
    assert_eq!(segment_state(&app, &no), empty);
    post(&mut c, &go_back, &[]).assert_redirect(&format!("/segments/{no}"));
    assert!(c
        .get(&format!("/segments/{no}"))
        .contains("There is no step to go back from."));
    assert_eq!(segment_state(&app, &no), empty);
}

#[test]
fn undo_restores_lines_and_overrides_exactly_after_any_sequence_of_steps() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "exact");
    let go_back = format!("/segments/{no}/go-back");
    let snapshot = |app: &TestApp| {
        (
            lines_hash(app, &no),
            membership_hash(app, &no),
            steps_hash(app, &no),
        )
    };
    let overrides = |app: &TestApp| {
        diesel_exec(
            app,
            &format!(
                "UPDATE segment_lines l SET salesperson_code = 'PL', unit_cost = 9.99, \
                   unit_duration_min = 42, subject = 'Personal', date = '2026-06-01', \
                   interaction_template_code = 'CALL', correspondence_type = 'hard_copy', \
                   campaign_target = TRUE, campaign_response = FALSE, evaluation = 'positive' \
                 FROM segments s, contacts c \
                 WHERE s.id = l.segment_id AND s.no = '{no}' AND c.id = l.contact_id \
                   AND l.removed_by_step IS NULL AND c.no IN ('ANNA', 'DORA', 'ELI')"
            ),
        )
    };

    let mut snaps = vec![snapshot(&app)];
    let mut actions: Vec<Action> = Vec::new();
    let n = no.clone();
    actions.push(Box::new(move |c| {
        step(c, &n, "add", &[("industry_group", "RETAIL|WHOLESALE")])
    }));
    let n = no.clone();
    actions.push(Box::new(move |c| {
        step(
            c,
            &n,
            "add",
            &[
                ("country", "DK"),
                ("allow_existing", "on"),
                ("ignore_exclusion", "on"),
            ],
        )
    }));
    let n = no.clone();
    actions.push(Box::new(move |c| {
        step(c, &n, "reduce", &[("country", "SE")])
    }));
    let n = no.clone();
    actions.push(Box::new(move |c| {
        step(
            c,
            &n,
            "refine",
            &[("mailing_group", "NEWS"), ("entire_companies", "on")],
        )
    }));
    let n = no.clone();
    actions.push(Box::new(move |c| {
        post(
            c,
            &format!("/segments/{n}/lines"),
            &[("contact_no", "SOLO")],
        );
    }));
    let n = no.clone();
    let app_url = app.db.url.clone();
    actions.push(Box::new(move |c| {
        // Remove ANNA's first line, the one with the overrides.
        let mut conn = PgConnection::establish(&app_url).unwrap();
        let line = count(
            &mut conn,
            &format!(
                "SELECT min(l.id) FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
                 JOIN contacts c ON c.id = l.contact_id \
                 WHERE s.no = '{n}' AND c.no = 'ANNA' AND l.removed_by_step IS NULL"
            ),
        );
        post(c, &format!("/segments/{n}/lines/{line}/remove"), &[]);
    }));
    let n = no.clone();
    actions.push(Box::new(move |c| {
        step(
            c,
            &n,
            "add",
            &[("mailing_group", "XMAS"), ("allow_existing", "on")],
        )
    }));

    for (i, action) in actions.iter().enumerate() {
        action(&mut c);
        if i == 0 {
            // Overrides set on lines before later steps remove them.
            overrides(&app);
        }
        snaps.push(snapshot(&app));
    }
    assert_eq!(step_count(&app, &no), actions.len() as i64);
    // The sequence did something at every step.
    for pair in snaps.windows(2) {
        assert_ne!(pair[0].0, pair[1].0, "a step that changed no line");
    }
    assert!(
        app.count(&format!(
            "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
             WHERE s.no = '{no}' AND l.removed_by_step IS NOT NULL AND l.unit_cost = 9.99"
        )) >= 2,
        "removed lines carry overrides"
    );

    // Undo one by one: each undo gives back exactly the state before the step (the
    // snapshot after step 1 includes the overrides set after it).
    for i in (1..=actions.len()).rev() {
        post(&mut c, &go_back, &[]).assert_redirect(&format!("/segments/{no}"));
        assert_eq!(snapshot(&app), snaps[i - 1], "after undoing step {i}");
    }

    // Redo the whole sequence, then go back to step 1 in one action, and to the start.
    for (i, action) in actions.iter().enumerate() {
        action(&mut c);
        if i == 0 {
            overrides(&app);
        }
    }
    let redone_after_1 = {
        // Step 1 re-added lines with new ids: compare the membership, not the row ids.
        post(&mut c, &go_back, &[("to", "1")]).assert_redirect(&format!("/segments/{no}"));
        snapshot(&app)
    };
    assert_eq!(
        redone_after_1.1, snaps[1].1,
        "membership and overrides after going back to step 1"
    );
    assert_eq!(step_count(&app, &no), 1);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
             WHERE s.no = '{no}' AND (l.removed_by_step IS NOT NULL OR l.added_by_step > 1)"
        )),
        0
    );
    post(&mut c, &go_back, &[("to", "0")]).assert_redirect(&format!("/segments/{no}"));
    assert_eq!(snapshot(&app), snaps[0]);
}

#[test]
fn undo_removes_only_the_lines_the_step_added() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "only its lines");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segment_lines l SET subject = 'Kept' FROM segments s \
             WHERE s.id = l.segment_id AND s.no = '{no}'"
        ),
    );
    let before = lines_hash(&app, &no);
    step(
        &mut c,
        &no,
        "add",
        &[("contact_no", "ANNA|DORA|ELI"), ("allow_existing", "on")],
    );
    assert_members(&app, &no, &["ANNA", "ANNA", "DORA", "DORA", "ELI"]);
    post(&mut c, &format!("/segments/{no}/go-back"), &[])
        .assert_redirect(&format!("/segments/{no}"));
    assert_members(&app, &no, &["ANNA", "DORA"]);
    assert_eq!(
        lines_hash(&app, &no),
        before,
        "the earlier lines, untouched"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
             WHERE s.no = '{no}' AND l.subject = 'Kept'"
        )),
        2
    );
}

// ---- manual lines ---------------------------------------------------------------------------

#[test]
fn manual_lines_follow_the_rules_and_can_be_undone() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "manual");
    let lines = format!("/segments/{no}/lines");
    let page_path = format!("/segments/{no}");
    let empty = c.get(&page_path);
    assert!(
        empty.contains("<span class=\"figure\">0</span><span class=\"figure-label\">lines</span>"),
        "a new segment has no lines: {}",
        empty.body
    );

    post(&mut c, &lines, &[("contact_no", " anna ")]).assert_redirect(&page_path);
    assert!(c.get(&page_path).contains("ANNA Anna Alpha added."));
    assert_members(&app, &no, &["ANNA"]);
    assert_eq!(last_step(&app, &no), ("manual_add".into(), 1, 0, 0, 0, 0));

    // Already there: nothing to correct, said, and no step.
    post(&mut c, &lines, &[("contact_no", "ANNA")]).assert_redirect(&page_path);
    let shown = c.get(&page_path);
    assert!(
        shown.contains("ANNA Anna Alpha is on the segment already: nothing was added."),
        "{}",
        shown.body
    );
    assert_members(&app, &no, &["ANNA"]);
    assert_eq!(step_count(&app, &no), 1);

    // Excluded: not without Ignore Exclusion.
    let page = post(&mut c, &lines, &[("contact_no", "BO")]);
    page.assert_status(422);
    assert!(page.contains("BO Bo Alpha was not added"), "{}", page.body);
    // One reason, and what to do about it.
    assert!(page.contains(
        "BO Bo Alpha was not added: it is flagged Exclude from Segment: tick Ignore Exclusion to add it."
    ));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'segment step' AND detail LIKE 'manual_add: +0 %'"),
        0,
        "a manual add that adds nothing leaves no trace"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'segment step' AND detail LIKE 'manual_add: +1 %'"),
        1
    );
    // The trail names the contact (the ledger that does goes with the segment).
    let detail = crate::segments::text(
        &app,
        "SELECT detail FROM audit_log WHERE action = 'segment step' AND detail LIKE 'manual_add: +1 %'",
    );
    assert!(
        detail.starts_with("manual_add: +1 −0; step 1, ") && detail.contains("ANNA"),
        "{detail}"
    );
    assert_members(&app, &no, &["ANNA"]);
    post(
        &mut c,
        &lines,
        &[("contact_no", "BO"), ("ignore_exclusion", "on")],
    )
    .assert_redirect(&page_path);
    assert_members(&app, &no, &["ANNA", "BO"]);
    // On the segment now, it is said to be there without the tick too (it was told to tick
    // Ignore Exclusion, then, ticked, that it was there already).
    let steps = step_count(&app, &no);
    post(&mut c, &lines, &[("contact_no", "BO")]).assert_redirect(&page_path);
    let shown = c.get(&page_path);
    assert!(
        shown.contains("BO Bo Alpha is on the segment already: nothing was added."),
        "{}",
        shown.body
    );
    assert_eq!(step_count(&app, &no), steps);

    // Privacy blocked: never.
    post(
        &mut c,
        &lines,
        &[("contact_no", "CY"), ("ignore_exclusion", "on")],
    )
    .assert_status(422);
    assert_members(&app, &no, &["ANNA", "BO"]);

    // An unknown No. is a message, and no step.
    let steps = step_count(&app, &no);
    let res = post(&mut c, &lines, &[("contact_no", "NOBODY")]);
    res.assert_status(422);
    assert!(res.contains("There is no contact NOBODY"));
    assert!(res.contains("value=\"NOBODY\""));
    // An empty one too.
    let res = post(&mut c, &lines, &[("contact_no", "  ")]);
    res.assert_status(422);
    assert!(
        res.contains("Enter a contact&#39;s No. or name."),
        "{}",
        res.body
    );
    assert_eq!(step_count(&app, &no), steps);

    // Remove a line; undo brings it back as it was.
    diesel_exec(
        &app,
        &format!(
            "UPDATE segment_lines l SET unit_cost = 4.50, evaluation = 'negative' \
             FROM segments s WHERE s.id = l.segment_id AND s.no = '{no}'"
        ),
    );
    let before_remove = lines_hash(&app, &no);
    let anna = line_id(&app, &no, "ANNA");
    post(&mut c, &format!("/segments/{no}/lines/{anna}/remove"), &[])
        .assert_redirect(&format!("/segments/{no}#lines"));
    assert!(c.get(&page_path).contains("ANNA Anna Alpha removed."));
    assert_members(&app, &no, &["BO"]);
    assert_eq!(
        last_step(&app, &no),
        ("manual_remove".into(), 0, 1, 0, 0, 0)
    );
    // A removed line is not removed again (no second step); a line of another segment is not
    // found here.
    post(&mut c, &format!("/segments/{no}/lines/{anna}/remove"), &[])
        .assert_redirect(&format!("/segments/{no}#lines"));
    assert!(c
        .get(&page_path)
        .contains("ANNA Anna Alpha is no longer on the segment: nothing was removed."));
    assert_eq!(
        last_step(&app, &no),
        ("manual_remove".into(), 0, 1, 0, 0, 0)
    );
    let other = segment_with(&app, &mut c, &["DORA"]);
    let dora = line_id(&app, &other, "DORA");
    post(&mut c, &format!("/segments/{no}/lines/{dora}/remove"), &[]).assert_status(404);
    assert_members(&app, &other, &["DORA"]);

    post(&mut c, &format!("/segments/{no}/go-back"), &[]).assert_redirect(&page_path);
    assert_eq!(lines_hash(&app, &no), before_remove);
    assert_members(&app, &no, &["ANNA", "BO"]);

    // Undo the manual add of BO: the attempts that added nothing left no step behind.
    let steps_now = step_count(&app, &no);
    post(&mut c, &format!("/segments/{no}/go-back"), &[]).assert_redirect(&page_path);
    assert_eq!(step_count(&app, &no), steps_now - 1);
    assert_members(&app, &no, &["ANNA"]);
}

// ---- bad and hostile expressions ------------------------------------------------------------

#[test]
fn a_bad_expression_is_a_422_naming_the_field_and_position_and_writes_nothing() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "bad");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    let before = segment_state(&app, &no);
    let audit = app.count("SELECT count(*) FROM audit_log");

    let typed = "DK||SE";
    let expected = rapport::segments::filter::parse(
        typed,
        rapport::segments::criteria::field("country").unwrap().kind,
    )
    .unwrap_err();
    let fields = [
        ("country", typed),
        ("name", "Al*"),
        ("interaction_date", "2026-13-01.."),
        ("expand_companies", "on"),
    ];
    for (kind, res) in [
        ("add", post(&mut c, &format!("/segments/{no}/add"), &fields)),
        (
            "reduce",
            post(&mut c, &format!("/segments/{no}/reduce"), &fields),
        ),
        ("add preview", preview(&mut c, &no, "add", &fields)),
        ("refine preview", preview(&mut c, &no, "refine", &fields)),
    ] {
        res.assert_status(422);
        let message = format!("Country/Region: {expected}");
        assert!(
            res.contains(&esc(&message)),
            "{kind}: missing {message}:\n{}",
            res.body
        );
        assert!(expected.to_string().contains("at position "));
        assert!(res.contains("Please correct these 2 filters"), "{kind}");
        assert!(res.contains("Date: at position"), "{kind}");
        // The form again, as typed.
        assert!(
            res.contains(&format!(
                "name=\"country\" type=\"text\" value=\"{}\"",
                esc(typed)
            )),
            "{kind}"
        );
        assert!(
            res.contains("name=\"name\" type=\"text\" value=\"Al*\""),
            "{kind}"
        );
        assert!(res.contains("value=\"2026-13-01..\""), "{kind}");
        if kind.starts_with("add") {
            assert!(
                res.contains("name=\"expand_companies\" type=\"checkbox\" checked"),
                "{kind}"
            );
        }
        assert!(!res.contains("Apply "), "{kind}: no apply button");
    }
    assert_eq!(segment_state(&app, &no), before, "nothing written");
    assert_eq!(app.count("SELECT count(*) FROM audit_log"), audit);
}

#[test]
fn injection_attempts_are_plain_values() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name) VALUES
             ('INJ1', 'person', 'x''; DROP TABLE contacts; --'),
             ('INJ2', 'person', '''; DROP TABLE contacts; --');",
    );
    let contacts = app.count("SELECT count(*) FROM contacts");
    let mut c = staff(&app, "stan");

    // Unquoted: the text as it is.
    let no = new_segment(&mut c, "injection");
    step(
        &mut c,
        &no,
        "add",
        &[("name", "x'; DROP TABLE contacts; --")],
    );
    assert_members(&app, &no, &["INJ1"]);
    // Quoted, with the quote doubled: the name that starts with a quote.
    step(
        &mut c,
        &no,
        "add",
        &[("name", "'''; DROP TABLE contacts; --'")],
    );
    assert_members(&app, &no, &["INJ1", "INJ2"]);
    // In a wildcard, and in a code field.
    step(&mut c, &no, "reduce", &[("name", "*DROP TABLE*")]);
    assert_members(&app, &no, &[]);
    // In a code field it is one value, named as no code of the field (not SQL): refused.
    let res = post(
        &mut c,
        &format!("/segments/{no}/add"),
        &[("country", "DK'; DROP TABLE contacts; --")],
    );
    res.assert_status(422);
    assert!(res.contains("is not a country"), "{}", res.body);
    let parses = |field: &str, input: &str| {
        rapport::segments::filter::parse(
            input,
            rapport::segments::criteria::field(field).unwrap().kind,
        )
        .is_ok()
    };
    for (field, attempt) in [
        ("city", "x' OR '1'='1"),
        ("name", "Robert'); DROP TABLE contacts;--"),
        ("post_code", "1 OR 1=1"),
    ] {
        let res = preview(&mut c, &no, "add", &[(field, attempt)]);
        if parses(field, attempt) {
            assert_eq!(preview_counts(&res), (0, 0, 0, 0), "{field} {attempt}");
        } else {
            res.assert_status(422);
        }
    }

    // The bare attempt opens a quote it never closes: the parser refuses it with its
    // position (a form error), or takes it as text; either way no SQL is made of it.
    for field in ["name", "country", "interaction_template", "type"] {
        let attempt = "'; DROP TABLE contacts; --";
        let res = post(&mut c, &format!("/segments/{no}/add"), &[(field, attempt)]);
        if parses(field, attempt) {
            assert_eq!(res.status, 303, "{field}: {}", res.body);
        } else {
            res.assert_status(422);
            assert!(res.contains("at position"), "{field}");
            assert!(res.contains(&esc(attempt)), "{field}: shown as typed");
        }
        let res = preview(&mut c, &no, "add", &[(field, attempt)]);
        if parses(field, attempt) {
            assert_eq!(preview_counts(&res).0, 0, "{field}");
        } else {
            res.assert_status(422);
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM contacts"), contacts);
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
    assert_members(&app, &no, &[]);
}

// ---- concurrency ----------------------------------------------------------------------------

#[test]
fn concurrent_steps_on_one_segment_lose_nothing() {
    let app = TestApp::start();
    concurrent_steps_lose_nothing(&app, None);
}

/// Two instances of Rapport on one database (as behind a proxy): the users stepping at once
/// take turns through either, and the segment ends as a sequential run of the same steps.
#[test]
fn concurrent_steps_through_two_instances_lose_and_duplicate_nothing() {
    let app = TestApp::start();
    let second = Instance::start(test_config(&app.db.url));
    concurrent_steps_lose_nothing(&app, Some(&second));
}

/// Eight users Add at the same moment to one segment, through `app` or, every other one,
/// through `second`; then checks that nothing was lost or counted twice, and that the
/// segment holds what the same steps give when run one after the other in the ledger's order.
fn concurrent_steps_lose_nothing(app: &TestApp, second: Option<&Instance>) {
    world(app);
    // More contacts, so that the steps take a while and overlap.
    diesel_exec(
        app,
        "INSERT INTO contacts (no, type, name, country_code)
             SELECT 'M' || lpad(g::text, 4, '0'), 'person', 'Many ' || g,
                 (ARRAY['DK', 'SE', 'NO', 'DE', 'FI', 'NL'])[1 + g % 6]
             FROM generate_series(1, 600) g;",
    );
    let mut owner = staff(app, "owner");
    let no = new_segment(&mut owner, "concurrent");
    let filters: Vec<Vec<(&str, &str)>> = vec![
        vec![("country", "DK")],
        vec![("country", "SE")],
        vec![("country", "NO|DK")],
        vec![("country", "DE")],
        vec![("country", "FI|SE")],
        vec![("country", "NL")],
        vec![("name", "Many 1*")],
        vec![("country", "DK"), ("allow_existing", "on")],
    ];
    let mut clients: Vec<(Client, String)> = (0..filters.len())
        .map(|i| {
            let username = format!("user{i}");
            let mut client = staff(app, &username);
            if let (Some(second), 1) = (second, i % 2) {
                client = second.client();
                client.sign_in(&username, PASSWORD);
            }
            let t = token(&mut client);
            (client, t)
        })
        .collect();
    let barrier = Arc::new(Barrier::new(filters.len()));
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter_mut()
            .zip(filters.iter())
            .map(|((client, t), fields)| {
                let barrier = barrier.clone();
                let action = format!("/segments/{no}/add");
                s.spawn(move || {
                    barrier.wait();
                    client.post_with_token(&action, t, fields).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");

    // Every step is recorded, one that found nothing left to add too.
    let n = step_count(app, &no);
    assert_eq!(n, filters.len() as i64, "{n} steps");
    assert_eq!(
        text(
            app,
            &format!(
                "SELECT string_agg(t.seq::text, ',' ORDER BY t.seq) FROM segment_steps t \
                 JOIN segments s ON s.id = t.segment_id WHERE s.no = '{no}'"
            )
        ),
        (1..=n).map(|i| i.to_string()).collect::<Vec<_>>().join(","),
        "distinct step numbers, none lost"
    );
    let added = app.count(&format!(
        "SELECT sum(t.added) FROM segment_steps t JOIN segments s ON s.id = t.segment_id \
         WHERE s.no = '{no}'"
    ));
    assert_eq!(members(app, &no).len() as i64, added);
    // Every line belongs to a recorded step, and only the Allow Existing step duplicated.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
             WHERE s.no = '{no}' AND NOT EXISTS (SELECT 1 FROM segment_steps t \
               WHERE t.segment_id = s.id AND t.seq = l.added_by_step)"
        )),
        0
    );
    // Every contact that any step selects is there, once, except for the lines of the Allow
    // Existing step, which may add a second line for the DK contacts an earlier step added.
    let eligible = "NOT privacy_blocked AND NOT exclude_from_segment";
    let union = app.count(&format!(
        "SELECT count(*) FROM contacts WHERE {eligible} \
         AND (country_code IN ('DK', 'SE', 'NO', 'DE', 'FI', 'NL') OR name LIKE 'Many 1%')"
    ));
    let dk = app.count(&format!(
        "SELECT count(*) FROM contacts WHERE {eligible} AND country_code = 'DK'"
    ));
    assert_eq!(
        app.count(&format!(
            "SELECT count(DISTINCT l.contact_id) FROM segment_lines l \
             JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}'"
        )),
        union
    );
    assert!(added >= union && added <= union + dk, "{added} lines");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM (SELECT l.contact_id FROM segment_lines l \
               JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id \
             WHERE s.no = '{no}' GROUP BY l.contact_id \
             HAVING count(*) > 2 OR (count(*) = 2 AND min(c.country_code) <> 'DK')) x"
        )),
        0,
        "only DK contacts twice, never three times"
    );
    // Each step's counts add up to what its filter selected: nothing was counted twice or
    // lost between the steps that ran at the same time.
    for (i, fields) in filters.iter().enumerate() {
        let allow = fields.iter().any(|(k, _)| *k == "allow_existing");
        let filter: Vec<String> = fields
            .iter()
            .filter(|(k, _)| *k != "allow_existing")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let selected = app.count(&format!(
            "SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id \
             WHERE s.no = '{no}' AND t.user_name = 'user{i}' \
               AND t.added + t.skipped_excluded + t.skipped_blocked + t.skipped_existing = \
                 (SELECT count(*) FROM contacts c WHERE {})",
            match filter[0].split_once('=').unwrap() {
                ("country", v) => format!(
                    "c.country_code IN ({})",
                    v.split('|')
                        .map(|x| format!("'{x}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                (_, _) => "c.name LIKE 'Many 1%'".to_string(),
            }
        ));
        // Recorded, one that found nothing left to add too.
        assert_eq!(selected, 1, "user{i} {fields:?}");
        if allow {
            assert_eq!(
                app.count(&format!(
                    "SELECT t.skipped_existing FROM segment_steps t \
                     JOIN segments s ON s.id = t.segment_id \
                     WHERE s.no = '{no}' AND t.user_name = 'user{i}'"
                )),
                0
            );
        }
    }

    // The same steps, one after the other in the order the ledger gives them, on a new
    // segment: the same contacts, as many times each.
    let order = text(
        app,
        &format!(
            "SELECT string_agg(t.user_name, ',' ORDER BY t.seq) FROM segment_steps t \
             JOIN segments s ON s.id = t.segment_id WHERE s.no = '{no}'"
        ),
    );
    let replay = new_segment(&mut owner, "sequential");
    for user in order.split(',') {
        let i: usize = user.trim_start_matches("user").parse().unwrap();
        step(&mut owner, &replay, "add", &filters[i]);
    }
    let lines = |no: &str| {
        text(
            app,
            &format!(
                "SELECT string_agg(c.no || ' x' || n, ',' ORDER BY c.no) FROM \
                   (SELECT l.contact_id, count(*) AS n FROM segment_lines l \
                    JOIN segments s ON s.id = l.segment_id \
                    WHERE s.no = '{no}' AND l.removed_by_step IS NULL GROUP BY 1) m \
                 JOIN contacts c ON c.id = m.contact_id"
            ),
        )
    };
    assert_eq!(
        lines(&no),
        lines(&replay),
        "concurrent run against sequential run"
    );
}

// ---- roles and logged segments --------------------------------------------------------------

#[test]
fn a_viewer_cannot_run_any_step() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = segment_with(&app, &mut c, &["ANNA", "DORA"]);
    let segments = app.count("SELECT count(*) FROM segments");
    let line = line_id(&app, &no, "ANNA");

    let mut viewer = app.signed_in("vera", "viewer");
    let page = viewer.get(&format!("/segments/{no}"));
    page.assert_status(200);
    assert!(!page.contains("Add Contacts</a>"), "no step buttons");
    assert!(!page.contains("/go-back"));
    assert!(!page.contains("/remove\""));
    viewer.get("/segments/new").assert_status(403);
    // Previews read only: a viewer may open them, without an Apply button.
    for path in [
        format!("/segments/{no}/add"),
        format!("/segments/{no}/reduce?country=DK&preview=1"),
    ] {
        let res = viewer.get(&path);
        res.assert_status(200);
        assert!(!res.contains("Apply Reduce"), "{path}");
    }
    // Apply Mailing Group's preview and what was applied from the segment are read too (a
    // viewer reads what staff read), with neither Apply nor Undo.
    assert!(page.contains(&format!("href=\"/segments/{no}/apply-mailing-group\"")));
    post(
        &mut c,
        &format!("/segments/{no}/apply-mailing-group"),
        &[("code", "NEWS")],
    );
    let res = viewer.get(&format!(
        "/segments/{no}/apply-mailing-group?code=XMAS&show=1"
    ));
    res.assert_status(200);
    assert!(res.contains("get XMAS"), "{}", res.body);
    assert!(res.contains("NEWS given to"), "{}", res.body);
    assert!(!res.contains("Apply Mailing Group</button>") && !res.contains(">Undo</button>"));
    let before = segment_state(&app, &no);
    let t = page.csrf_token().unwrap();
    for (action, fields) in [
        (format!("/segments/{no}/add"), vec![("country", "DK")]),
        (format!("/segments/{no}/reduce"), vec![("country", "DK")]),
        (format!("/segments/{no}/refine"), vec![("country", "DK")]),
        (format!("/segments/{no}/go-back"), vec![]),
        (format!("/segments/{no}/go-back"), vec![("to", "0")]),
        (format!("/segments/{no}/lines"), vec![("contact_no", "ELI")]),
        (format!("/segments/{no}/lines/{line}/remove"), vec![]),
        (
            format!("/segments/{no}/apply-mailing-group"),
            vec![("code", "XMAS")],
        ),
        (
            format!("/segments/{no}"),
            header_fields(&[("description", "Mine now"), ("version", "1")]),
        ),
        (
            "/segments".to_string(),
            header_fields(&[("description", "New")]),
        ),
    ] {
        let res = viewer.post_with_token(&action, &t, &fields);
        assert_eq!(res.status, 403, "{action}: {}", res.body);
    }
    assert_eq!(segment_state(&app, &no), before);
    assert_eq!(app.count("SELECT count(*) FROM segments"), segments);
}

#[test]
fn a_logged_segment_accepts_no_step_and_keeps_its_header() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = segment_with(&app, &mut c, &["ANNA", "DORA"]);
    let page = c.get(&format!("/segments/{no}"));
    let version = hidden_value(&page.body, "version").unwrap();
    let line = line_id(&app, &no, "ANNA");
    diesel_exec(
        &app,
        &format!("UPDATE segments SET status = 'logged' WHERE no = '{no}'"),
    );
    let before = segment_state(&app, &no);

    let page = c.get(&format!("/segments/{no}"));
    page.assert_status(200);
    assert!(page.contains("Logged"));
    assert!(!page.contains("Add Contacts</a>") && !page.contains("/go-back"));
    for (action, fields) in [
        (format!("/segments/{no}/add"), vec![("country", "DK")]),
        (format!("/segments/{no}/reduce"), vec![("country", "DK")]),
        (format!("/segments/{no}/refine"), vec![("country", "DK")]),
        (format!("/segments/{no}/go-back"), vec![]),
        (format!("/segments/{no}/go-back"), vec![("to", "0")]),
        (format!("/segments/{no}/lines"), vec![("contact_no", "ELI")]),
        (format!("/segments/{no}/lines/{line}/remove"), vec![]),
        (
            format!("/segments/{no}"),
            header_fields(&[("description", "Changed"), ("version", version.as_str())]),
        ),
    ] {
        let res = post(&mut c, &action, &fields);
        assert_eq!(res.status, 409, "{action}: {}", res.body);
        assert!(res.contains("is logged"), "{action}: {}", res.body);
    }
    assert_eq!(segment_state(&app, &no), before);

    // Canceled segments neither.
    diesel_exec(
        &app,
        &format!("UPDATE segments SET status = 'canceled' WHERE no = '{no}'"),
    );
    let before = segment_state(&app, &no);
    for action in [
        format!("/segments/{no}/add"),
        format!("/segments/{no}/go-back"),
    ] {
        let res = post(&mut c, &action, &[("country", "DK")]);
        assert_eq!(res.status, 409, "{action}: {}", res.body);
        assert!(res.contains("is canceled"), "{action}: {}", res.body);
        assert!(res.contains("Restore it"), "{action}: {}", res.body);
    }
    assert_eq!(segment_state(&app, &no), before);
}

// ---- statement count ------------------------------------------------------------------------

/// Every SQL statement the app's connections start, as text (diesel's instrumentation,
/// installed on each connection of the app's pool when the pool opens it).
#[derive(Clone, Debug, Default)]
struct StatementLog(Arc<Mutex<Vec<String>>>);

impl StatementLog {
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn since(&self, start: usize) -> Vec<String> {
        self.0.lock().unwrap()[start..].to_vec()
    }
}

#[derive(Debug)]
struct Instrumented(StatementLog);

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for Instrumented {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        let log = self.0.clone();
        conn.set_instrumentation(Counter(log));
        Ok(())
    }
}

struct Counter(StatementLog);

impl Instrumentation for Counter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let sql: String = query.to_string().chars().take(160).collect();
            self.0 .0.lock().unwrap().push(sql);
        }
    }
}

/// An app whose pool logs every statement.
fn instrumented_app() -> (TestApp, StatementLog) {
    let db = TestDb::new();
    let config = test_config(&db.url);
    let log = StatementLog::default();
    let pool = Pool::builder()
        .max_size(config.db_pool_size)
        .min_idle(Some(1))
        .test_on_check_out(false)
        .connection_customizer(Box::new(Instrumented(log.clone())))
        .build(ConnectionManager::<PgConnection>::new(&db.url))
        .unwrap();
    let instance = Instance::start_with_pool(config, pool);
    (TestApp { instance, db }, log)
}

/// The statements each action ran, on a world of `persons` persons in `persons / 10`
/// companies; also the lines the first Add added.
fn statements_per_action(persons: i64) -> (Vec<(&'static str, Vec<String>)>, i64) {
    let (app, log) = instrumented_app();
    world(&app);
    let companies = persons / 10;
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO contacts (no, type, name, country_code)
                 SELECT 'K' || lpad(g::text, 6, '0'), 'company', 'Company ' || g,
                     CASE WHEN g % 2 = 0 THEN 'DK' ELSE 'SE' END
                 FROM generate_series(1, {companies}) g;
             INSERT INTO contacts (no, type, name, company_id, country_code)
                 SELECT 'P' || lpad(g::text, 6, '0'), 'person', 'Person ' || g, k.id,
                     CASE WHEN g % 3 = 0 THEN 'SE' ELSE 'DK' END
                 FROM generate_series(1, {persons}) g
                 JOIN contacts k ON k.no = 'K' || lpad((1 + g % {companies})::text, 6, '0');
             INSERT INTO contact_industry_groups (contact_id, code)
                 SELECT id, CASE WHEN id % 2 = 0 THEN 'RETAIL' ELSE 'WHOLESALE' END
                 FROM contacts WHERE no LIKE 'K%';
             INSERT INTO contact_mailing_groups (contact_id, code)
                 SELECT id, 'NEWS' FROM contacts WHERE no LIKE 'P%' AND id % 4 = 0;
             UPDATE contacts SET exclude_from_segment = TRUE WHERE no LIKE 'P%' AND id % 7 = 0;
             UPDATE contacts SET privacy_blocked = TRUE WHERE no LIKE 'P%' AND id % 11 = 0;
             ANALYZE;"
        ),
    );
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "measured");
    let t = token(&mut c);
    let mut out = Vec::new();
    let mut measure = |name: &'static str, c: &mut Client, run: &dyn Fn(&mut Client) -> Resp| {
        let start = log.len();
        let res = run(c);
        assert!(
            matches!(res.status, 200 | 303),
            "{name}: {}\n{}",
            res.status,
            res.body
        );
        out.push((name, log.since(start)));
    };
    let path = |p: &str| format!("/segments/{no}{p}");
    let add_fields = [
        ("industry_group", "RETAIL|WHOLESALE"),
        ("expand_companies", "on"),
    ];
    measure("preview add", &mut c, &|c| {
        preview(c, &no, "add", &add_fields)
    });
    measure("add", &mut c, &|c| {
        c.post_with_token(&path("/add"), &t, &add_fields)
    });
    let added = app.count(&format!(
        "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
         WHERE s.no = '{no}'"
    ));
    measure("add allowing existing", &mut c, &|c| {
        c.post_with_token(
            &path("/add"),
            &t,
            &[("country", "DK"), ("allow_existing", "on")],
        )
    });
    measure("preview reduce", &mut c, &|c| {
        preview(
            c,
            &no,
            "reduce",
            &[("country", "SE"), ("entire_companies", "on")],
        )
    });
    measure("reduce", &mut c, &|c| {
        c.post_with_token(&path("/reduce"), &t, &[("country", "SE")])
    });
    measure("refine", &mut c, &|c| {
        c.post_with_token(
            &path("/refine"),
            &t,
            &[("mailing_group", "NEWS"), ("entire_companies", "on")],
        )
    });
    measure("manual add", &mut c, &|c| {
        c.post_with_token(&path("/lines"), &t, &[("contact_no", "SOLO")])
    });
    let line = line_id(&app, &no, "SOLO");
    measure("manual remove", &mut c, &|c| {
        c.post_with_token(&path(&format!("/lines/{line}/remove")), &t, &[])
    });
    measure("go back", &mut c, &|c| {
        c.post_with_token(&path("/go-back"), &t, &[])
    });
    measure("go back to step 1", &mut c, &|c| {
        c.post_with_token(&path("/go-back"), &t, &[("to", "1")])
    });
    measure("segment page", &mut c, &|c| c.get(&path("")));
    (out, added)
}

#[test]
fn the_statement_count_of_a_step_does_not_grow_with_the_contact_count() {
    let (small, small_added) = statements_per_action(50);
    let (large, large_added) = statements_per_action(2_000);
    assert!(
        large_added > 30 * small_added.max(1) / 2,
        "the large world adds many more lines ({small_added} vs {large_added})"
    );
    let mut report = String::new();
    for ((name, s), (_, l)) in small.iter().zip(large.iter()) {
        report.push_str(&format!("{name}: {} vs {}\n", s.len(), l.len()));
    }
    eprintln!("statements per action, 50 vs 2,000 persons:\n{report}");
    for ((name, s), (_, l)) in small.iter().zip(large.iter()) {
        assert_eq!(
            s.len(),
            l.len(),
            "{name} ran a different number of statements:\n{report}\nwith 50:\n{}\n\nwith 2,000:\n{}",
            s.join("\n"),
            l.join("\n")
        );
        assert!(
            s.len() <= 40,
            "{name} runs {} statements:\n{}",
            s.len(),
            s.join("\n")
        );
        // Each state-changing action is one transaction.
        if !matches!(*name, "preview add" | "preview reduce" | "segment page") {
            let begins = s.iter().filter(|q| q.starts_with("BEGIN")).count();
            assert_eq!(begins, 1, "{name}:\n{}", s.join("\n"));
        }
    }
}

/// The references of segment lines hold like foreign keys: a line needs its segment, contact
/// and override codes; deleting a contact or a segment takes its lines along; renaming a code
/// reaches the lines; a code a line uses cannot be deleted.
#[test]
fn segment_lines_references_hold_like_foreign_keys() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let no = new_segment(&mut c, "References");
    let page = format!("/segments/{no}");
    c.submit(&page, &format!("{page}/add"), &[("country", "DK")])
        .assert_redirect(&page);
    let lines = "SELECT count(*) FROM segment_lines";
    let before = app.count(lines);
    assert!(before > 0);
    let refused = |sql: &str| {
        let err = app.conn().batch_execute(sql).unwrap_err().to_string();
        assert!(err.contains("violates"), "{sql}: {err}");
    };
    refused(&format!(
        "INSERT INTO segment_lines (segment_id, contact_id, added_by_step) \
         SELECT id, 987654321, 9 FROM segments WHERE no = '{no}'"
    ));
    refused(
        "INSERT INTO segment_lines (segment_id, contact_id, added_by_step) \
         SELECT 987654321, id, 9 FROM contacts WHERE no = 'SOLO'",
    );
    // Many rows at once (the set-based path), one of them wrong.
    refused(&format!(
        "INSERT INTO segment_lines (segment_id, contact_id, added_by_step) \
         SELECT s.id, c.id, 9 FROM segments s, contacts c WHERE s.no = '{no}' \
         UNION ALL SELECT s.id, 987654321, 9 FROM segments s WHERE s.no = '{no}' \
         UNION ALL SELECT s.id, c.id, 10 FROM segments s, contacts c, generate_series(1, 400) WHERE s.no = '{no}' AND c.no = 'SOLO'"
    ));
    refused("UPDATE segment_lines SET salesperson_code = 'NOBODY'");
    refused("UPDATE segment_lines SET interaction_template_code = 'NOTHING'");
    assert_eq!(app.count(lines), before, "nothing was written");

    diesel_exec(
        &app,
        "UPDATE segment_lines SET salesperson_code = 'JO', interaction_template_code = 'CALL' \
         WHERE contact_id = (SELECT id FROM contacts WHERE no = 'SOLO')",
    );
    diesel_exec(
        &app,
        "UPDATE salespeople SET code = 'JOE' WHERE code = 'JO'",
    );
    diesel_exec(
        &app,
        "UPDATE interaction_templates SET code = 'RING' WHERE code = 'CALL'",
    );
    assert_eq!(
        app.count("SELECT count(*) FROM segment_lines WHERE salesperson_code = 'JOE' AND interaction_template_code = 'RING'"),
        1,
        "renamed codes reach the lines"
    );
    refused("DELETE FROM salespeople WHERE code = 'JOE'");
    refused("DELETE FROM interaction_templates WHERE code = 'RING'");

    diesel_exec(
        &app,
        "DELETE FROM contact_mailing_groups WHERE contact_id = (SELECT id FROM contacts WHERE no = 'SOLO');
         DELETE FROM contact_profile_answers WHERE contact_id = (SELECT id FROM contacts WHERE no = 'SOLO');
         DELETE FROM contacts WHERE no = 'SOLO';",
    );
    assert_eq!(
        app.count(lines),
        before - 1,
        "the contact's line went with it"
    );
    diesel_exec(&app, &format!("DELETE FROM segments WHERE no = '{no}'"));
    assert_eq!(app.count(lines), 0, "the segment's lines went with it");
}

/// A contact whose filtered field is empty (NULL) does not match `SE` or `DK`: Reduce keeps
/// it, Refine removes it, and a Refresh that folds both agrees. (`<>DK` does match it, as a
/// blank field does in Business Central.)
#[test]
fn an_empty_field_does_not_match_in_reduce_refine_and_refresh() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET country_code = NULL WHERE no IN ('SOLO', 'FINN')",
    );
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "empty fields");
    step(&mut c, &no, "add", &[("contact_no", "SOLO|FINN|ANNA|DORA")]);
    assert_members(&app, &no, &["SOLO", "FINN", "ANNA", "DORA"]);
    step(&mut c, &no, "reduce", &[("country", "SE")]);
    assert_members(&app, &no, &["SOLO", "FINN", "ANNA"]);
    step(
        &mut c,
        &no,
        "refine",
        &[("country", "DK"), ("mailing_group", "XMAS|NEWS")],
    );
    assert_members(&app, &no, &["ANNA"]);
    let refresh = c.get(&format!("/segments/{no}/refresh"));
    assert!(
        refresh.contains("0 would join, 0 would leave"),
        "{}",
        refresh.body
    );
}

/// After a step that changes many lines, `segment_lines` is analysed in the background, so
/// the next preview is planned with statistics that know the new lines; small steps leave
/// that to autovacuum.
#[test]
fn a_big_step_has_the_lines_analysed_after_it_commits() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, city) \
         SELECT 'BIG' || g, 'company', 'Big ' || g, 'Bigtown' FROM generate_series(1, 10000) g",
    );
    let analyzed = || {
        app.count("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'segment_lines'")
    };
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "big");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    step(&mut c, &no, "add", &[("city", "Bigtown")]);
    eventually(std::time::Duration::from_millis(100), || analyzed() >= 1);
    assert_eq!(analyzed(), 1, "analysed once, after the big step");
    post(&mut c, &format!("/segments/{no}/go-back"), &[])
        .assert_redirect(&format!("/segments/{no}"));
    eventually(std::time::Duration::from_millis(100), || analyzed() >= 2);
    assert_eq!(analyzed(), 2, "and after undoing it");
}

/// The list counts what its filter finds on every page, the last one too, and a page past the
/// end shows the last page with the same count.
#[test]
fn the_segments_list_counts_all_it_finds_on_every_page() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "sol");
    new_segment(&mut c, "Spring mailing");
    diesel_exec(
        &app,
        "INSERT INTO segments (no, description, created_by)
             SELECT 'SX' || lpad(g::text, 3, '0'), 'Bulk ' || g, s.created_by
             FROM generate_series(1, 54) g, segments s WHERE s.description = 'Spring mailing'",
    );
    for (path, summary) in [
        ("/segments", "55 segments · page 1 of 2"),
        ("/segments?page=2", "55 segments · page 2 of 2"),
        ("/segments?page=9", "55 segments · page 2 of 2"),
        ("/segments?q=bulk", "54 segments · page 1 of 2"),
        ("/segments?q=bulk&page=2", "54 segments · page 2 of 2"),
        ("/segments?q=spring", "1 segment · page 1 of 1"),
        ("/segments?status=logged", "No segment matches."),
        ("/segments?status=logged&page=3", "No segment matches."),
    ] {
        let page = c.get(path);
        page.assert_status(200);
        assert!(page.contains(summary), "{path}: {}", page.body);
    }
    // The second page holds the oldest: 55 − 50 rows.
    let last = c.get("/segments?page=2");
    assert_eq!(last.body.matches("href=\"/segments/SX").count(), 4);
    assert!(last.contains("href=\"/segments/SM00001\""));
}

/// An Apply sent again (the browser's Back to the preview, or a double click) does not add
/// the contacts again: its first sending's step, recorded after the preview was shown, stops
/// it, and it ends on the segment with the first sending's message kept (or, shown already,
/// says the step was applied once). It led back to the preview under "Nothing was applied",
/// whose Apply did the step again. A step of another kind since the preview shows the preview
/// as it is now, with why.
#[test]
fn an_apply_sent_again_after_its_step_applies_nothing_and_shows_the_preview_again() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "once");
    let filters = [("contact_no", "ANNA|DORA"), ("allow_existing", "on")];
    let page = preview(&mut c, &no, "add", &filters);
    page.assert_status(200);
    let token = page.csrf_token().unwrap();
    let last = hidden_value(&page.body, "last").expect("the preview sends its last step");
    let last_at = hidden_value(&page.body, "last_at").unwrap();
    assert_eq!((last.as_str(), last_at.as_str()), ("0", "0"));
    let mut sent = filters.to_vec();
    sent.extend([("last", last.as_str()), ("last_at", last_at.as_str())]);
    let action = format!("/segments/{no}/add");
    c.post_with_token(&action, &token, &sent)
        .assert_redirect(&format!("/segments/{no}"));
    let lines = |app: &TestApp| {
        app.count(&format!(
            "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
             WHERE s.no = '{no}' AND l.removed_by_step IS NULL"
        ))
    };
    assert_eq!(lines(&app), 2);
    // The same page sent again at once (a double click): the first message stays.
    c.post_with_token(&action, &token, &sent)
        .assert_redirect(&format!("/segments/{no}"));
    assert_eq!(lines(&app), 2);
    assert_eq!(step_count(&app, &no), 1);
    let shown = c.get(&format!("/segments/{no}"));
    assert!(shown.contains("Added 2"), "{}", shown.body);
    assert!(!shown.contains("Nothing was applied"), "{}", shown.body);
    // Sent again later (Back and send): said.
    c.post_with_token(&action, &token, &sent)
        .assert_redirect(&format!("/segments/{no}"));
    let shown = c.get(&format!("/segments/{no}"));
    assert!(
        shown.contains("Add Contacts was applied once, as step 1 at "),
        "{}",
        shown.body
    );
    assert_eq!((lines(&app), step_count(&app, &no)), (2, 1));
    // Other filters sent from the same preview are another step: the preview as it is now.
    let other: Vec<(&str, &str)> = vec![
        ("contact_no", "SOLO"),
        ("allow_existing", "on"),
        ("last", last.as_str()),
        ("last_at", last_at.as_str()),
    ];
    let again = c.post_with_token(&action, &token, &other);
    again.assert_status(303);
    let location = again.location().unwrap();
    assert!(
        location.starts_with(&format!("/segments/{no}/add?")) && location.ends_with("preview=1"),
        "{location}"
    );
    assert_eq!(lines(&app), 2);
    assert_eq!(step_count(&app, &no), 1);
    let shown = c.get(&location);
    shown.assert_status(200);
    assert!(
        shown.contains(
            "Nothing was applied: the segment&#39;s steps changed after this preview was shown \
             (it now has 1 step; the last, Add Contacts by stan, was recorded at"
        ),
        "{}",
        shown.body
    );
    // The preview as it is now, applied, is meant.
    let last = hidden_value(&shown.body, "last").unwrap();
    let last_at = hidden_value(&shown.body, "last_at").unwrap();
    assert_eq!(last, "1");
    let mut sent = vec![("contact_no", "SOLO"), ("allow_existing", "on")];
    sent.extend([("last", last.as_str()), ("last_at", last_at.as_str())]);
    c.post_with_token(&action, &shown.csrf_token().unwrap(), &sent)
        .assert_redirect(&format!("/segments/{no}"));
    assert_eq!(lines(&app), 3);
    assert_eq!(step_count(&app, &no), 2);
}

/// Two people save one header: the second is refused with the fields that differ from what
/// was saved meanwhile, so that saving again replaces a colleague's change knowingly; a form
/// that holds what is saved now has nothing to lose.
#[test]
fn a_header_saved_over_a_colleagues_names_what_the_colleague_changed() {
    let app = TestApp::start();
    world(&app);
    let mut a = staff(&app, "anna");
    let mut b = staff(&app, "bert");
    let no = new_segment(&mut a, "Letters");
    let page = format!("/segments/{no}");
    let form_a = a.get(&page);
    let form_b = b.get(&page);
    let version = hidden_value(&form_a.body, "version").unwrap();
    let date = hidden_value(&form_a.body, "date").unwrap_or_default();
    let date = if date.is_empty() {
        text(
            &app,
            &format!("SELECT date::text FROM segments WHERE no = '{no}'"),
        )
    } else {
        date
    };
    let fields = |changes: &[(&'static str, &str)]| -> Vec<(String, String)> {
        let mut all: Vec<(&str, &str)> = vec![("description", "Letters"), ("date", &date)];
        all.extend_from_slice(changes);
        header_fields(&all)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let send = |c: &mut Client, token: &str, v: &[(String, String)]| {
        let v: Vec<(&str, &str)> = v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        c.post_with_token(&page, token, &v)
    };
    let stored = || {
        text(
            &app,
            &format!(
                "SELECT COALESCE(salesperson_code, '-') || '|' || subject || '|' || version \
                 FROM segments WHERE no = '{no}'"
            ),
        )
    };
    send(
        &mut a,
        &form_a.csrf_token().unwrap(),
        &fields(&[("salesperson_code", "PL"), ("version", &version)]),
    )
    .assert_redirect(&page);
    assert_eq!(stored(), "PL||2");
    // B changes only the subject, on a form that still shows JO.
    let res = send(
        &mut b,
        &form_b.csrf_token().unwrap(),
        &fields(&[("subject", "Spring letter"), ("version", &version)]),
    );
    res.assert_status(409);
    assert!(res.contains("Someone else saved this segment after you opened it"));
    assert!(
        res.contains("<tr><td>Salesperson</td><td>PL</td><td>JO</td></tr>"),
        "{}",
        res.body
    );
    assert!(res.contains("<tr><td>Subject</td><td>(none)</td><td>Spring letter</td></tr>"));
    assert!(
        !res.contains("<tr><td>Date</td>"),
        "the same date is no difference"
    );
    assert_eq!(stored(), "PL||2", "nothing of the first save is lost");
    // Saved again from the page that said so, B means it.
    let again = hidden_value(&res.body, "version").unwrap();
    assert_eq!(again, "2");
    send(
        &mut b,
        &res.csrf_token().unwrap(),
        &fields(&[("subject", "Spring letter"), ("version", &again)]),
    )
    .assert_redirect(&page);
    assert_eq!(stored(), "JO|Spring letter|3");
    // A's stale form holding what is saved now loses nothing: it is taken as saved (said once
    // A's first save's message was shown; waiting, that one would stay).
    a.get(&page);
    send(
        &mut a,
        &form_a.csrf_token().unwrap(),
        &fields(&[("subject", "Spring letter"), ("version", &version)]),
    )
    .assert_redirect(&page);
    assert!(a.get(&page).contains(&format!(
        "Segment {no} was saved meanwhile, already as your form says: nothing more to save."
    )));
    assert_eq!(stored(), "JO|Spring letter|3");
    // A description that differs only in its letters' case is a difference, not the same
    // value (A's "LETTERS" was dropped, with a flash saying the form's values were kept).
    let res = send(
        &mut a,
        &form_a.csrf_token().unwrap(),
        &fields(&[
            ("subject", "Spring letter"),
            ("description", "LETTERS"),
            ("version", &version),
        ]),
    );
    res.assert_status(409);
    assert!(
        res.contains("<tr><td>Description</td><td>Letters</td><td>LETTERS</td></tr>"),
        "{}",
        res.body
    );
    assert_eq!(stored(), "JO|Spring letter|3");
}

/// A text range compares in the office's alphabet, as the lists sort names: a job title's
/// `A..M` took "Buyer" but not "chief buyer" nor "Émile's assistant" (the bytes' order of the
/// cluster's C locale, where lower case and accents come after Z).
#[test]
fn a_text_range_compares_in_the_offices_alphabet() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, job_title) VALUES
             ('J1', 'company', 'One', 'Buyer'),
             ('J2', 'company', 'Two', 'chief buyer'),
             ('J3', 'company', 'Three', 'Émile''s assistant'),
             ('J4', 'company', 'Four', 'Zoo keeper'),
             ('J5', 'company', 'Five', 'Nurse');",
    );
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "Titles");
    step(&mut c, &seg, "add", &[("job_title", "A..M")]);
    assert_members(&app, &seg, &["J1", "J2", "J3"]);
    step(&mut c, &seg, "reduce", &[("job_title", "<d")]);
    assert_members(&app, &seg, &["J3"]);
    // A Search Name too, which is upper-cased as typed: `d..f` takes "ÉMILE" (byte order put
    // it after Z), and not "ZOO".
    diesel_exec(
        &app,
        "UPDATE contacts SET search_name = upper(job_title) WHERE no LIKE 'J_'",
    );
    let seg = new_segment(&mut c, "Search names");
    step(&mut c, &seg, "add", &[("job_title", "Émile*|Zoo*|Buyer")]);
    assert_members(&app, &seg, &["J1", "J3", "J4"]);
    step(&mut c, &seg, "refine", &[("search_name", "d..f")]);
    assert_members(&app, &seg, &["J3"]);
}

/// Save header sent twice (a double click) with a template chosen: the first saved it with
/// the template's defaults, which the form does not show, so the second differed from what
/// was saved and was told a colleague had saved the segment (409), its old values offered to
/// be saved again over the template's. It is the same form: saved, the first's message kept.
#[test]
fn a_header_saved_twice_with_a_template_is_saved_once() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Letters");
    let page = format!("/segments/{no}");
    let form = c.get(&page);
    let token = form.csrf_token().unwrap();
    let version = hidden_value(&form.body, "version").unwrap();
    let once = hidden_value(&form.body, "once").unwrap_or_default();
    let date = text(
        &app,
        &format!("SELECT date::text FROM segments WHERE no = '{no}'"),
    );
    let fields = header_fields(&[
        ("description", "Letters"),
        ("date", &date),
        ("interaction_template_code", "MAIL"),
        ("version", &version),
        ("once", &once),
    ]);
    c.post_with_token(&page, &token, &fields)
        .assert_redirect(&page);
    c.post_with_token(&page, &token, &fields)
        .assert_redirect(&page);
    let shown = c.get(&page);
    assert!(
        shown.contains(&format!(
            "Segment {no} saved; the defaults of interaction template MAIL"
        )),
        "{}",
        shown.body
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT unit_cost::text || '|' || COALESCE(campaign_no, '-') || '|' || version \
                 FROM segments WHERE no = '{no}'"
            )
        ),
        "12.50|CP0002|2"
    );
    // The same form with other values (changed and sent again before the answer came) is a
    // change of its own: told of the save it missed, not swallowed as sent twice.
    let changed = header_fields(&[
        ("description", "Letters"),
        ("date", &date),
        ("interaction_template_code", "MAIL"),
        ("subject", "Other"),
        ("version", &version),
        ("once", &once),
    ]);
    c.post_with_token(&page, &token, &changed)
        .assert_status(409);
    // A colleague's save in between is still a colleague's: the same form, once more, after
    // another form saved the segment, meets their change and is told so.
    let other = c.get(&page);
    c.post_with_token(
        &page,
        &other.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Letters"),
            ("date", &date),
            ("interaction_template_code", "MAIL"),
            ("campaign_no", "CP0002"),
            ("subject", "Spring"),
            ("unit_cost", "12.50"),
            ("unit_duration_min", "15"),
            ("information_flow", "inbound"),
            ("initiated_by", "them"),
            ("correspondence_type", "hard_copy"),
            ("version", &hidden_value(&other.body, "version").unwrap()),
            ("once", &hidden_value(&other.body, "once").unwrap()),
        ]),
    )
    .assert_redirect(&page);
    c.post_with_token(&page, &token, &fields).assert_status(409);
    assert_eq!(
        text(
            &app,
            &format!("SELECT subject || '|' || version FROM segments WHERE no = '{no}'")
        ),
        "Spring|3"
    );
    // The keys are kept for a day: a sign-in forgets older ones.
    assert_eq!(app.count("SELECT count(*) FROM form_sends"), 2);
    diesel_exec(
        &app,
        "UPDATE form_sends SET sent_at = now() - interval '25 hours' WHERE made_version = 2",
    );
    staff(&app, "sara");
    assert_eq!(
        app.count("SELECT count(*) FROM form_sends WHERE made_version = 3"),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM form_sends"), 1);
}

/// Add line and Remove sent twice (a double click): the first sending's message stays. The
/// second said the contact was not added, on the segment already (a 422), or that nothing
/// was removed, as if the click had failed.
#[test]
fn a_line_added_or_removed_twice_keeps_the_first_message() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "manual");
    let lines = format!("/segments/{no}/lines");
    let page_path = format!("/segments/{no}");
    // Sent twice (a double click): the first sending's message stays.
    let token = c.get(&page_path).csrf_token().unwrap();
    for _ in 0..2 {
        c.post_with_token(&lines, &token, &[("contact_no", "DORA")])
            .assert_redirect(&page_path);
    }
    let shown = c.get(&page_path);
    assert!(shown.contains("DORA "), "{}", shown.body);
    assert!(shown.contains(" added."), "{}", shown.body);
    assert!(!shown.contains("on the segment already"));
    // Removed twice: the same.
    let dora = crate::segments::line_id(&app, &no, "DORA");
    for _ in 0..2 {
        c.post_with_token(&format!("{lines}/{dora}/remove"), &token, &[])
            .assert_redirect(&format!("{page_path}#lines"));
    }
    let shown = c.get(&page_path);
    assert!(shown.contains(" removed."), "{}", shown.body);
    assert!(!shown.contains("nothing was removed"));
    assert_eq!(step_count(&app, &no), 2);
}

/// A new segment of a campaign (from the campaign's card, its campaign filled in) with a
/// template of that campaign takes the template's Campaign Target and Response: they were left
/// off, and the save said "campaign kept as typed". And a template cleared and another chosen
/// later does not leave the first one's description behind as the subject.
#[test]
fn a_templates_flags_and_subject_come_with_it_after_a_campaign_or_a_cleared_template() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let form = c.get("/segments/new?campaign=CP0002");
    assert!(
        form.contains("<option value=\"CP0002\" selected"),
        "{}",
        form.body
    );
    let res = c.post_with_token(
        "/segments",
        &form.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Replies"),
            ("date", &today),
            ("campaign_no", "CP0002"),
            ("interaction_template_code", "MAIL"),
        ]),
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let no = res
        .location()
        .unwrap()
        .trim_start_matches("/segments/")
        .to_string();
    let header = |app: &TestApp| {
        text(
            app,
            &format!(
                "SELECT concat_ws(',', interaction_template_code, campaign_no, campaign_target, \
                   campaign_response, subject) FROM segments WHERE no = '{no}'"
            ),
        )
    };
    assert_eq!(header(&app), "MAIL,CP0002,t,t,Mailing");
    assert!(!c.get(&format!("/segments/{no}")).contains("kept as typed"));
    let save = |c: &mut Client, template: &str| {
        let page = c.get(&format!("/segments/{no}"));
        let version = hidden_value(&page.body, "version").unwrap();
        let subject = text(
            &app,
            &format!("SELECT subject FROM segments WHERE no = '{no}'"),
        );
        c.post_with_token(
            &format!("/segments/{no}"),
            &page.csrf_token().unwrap(),
            &header_fields(&[
                ("description", "Replies"),
                ("date", &today),
                ("interaction_template_code", template),
                ("subject", &subject),
                ("version", &version),
            ]),
        )
        .assert_redirect(&format!("/segments/{no}"));
    };
    save(&mut c, "");
    assert_eq!(header(&app), "f,f,Mailing");
    save(&mut c, "CALL");
    assert_eq!(header(&app), "CALL,f,f,Call");
}

/// `<>*` on a text field matches nothing (every value, an empty one too, matches `*`): it is
/// refused by its field, pointing to `''` for an empty one. Its preview said "job title no
/// value" and added nobody; a Refine with it removed every line.
#[test]
fn not_anything_is_refused_and_points_to_empty() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Titles");
    let res = preview(&mut c, &no, "add", &[("job_title", "<>*")]);
    res.assert_status(422);
    assert!(
        res.contains("Job Title: at position 1: &#60;&#62;* matches nothing (every value, an empty one too, matches *): for an empty field write &#39;&#39;"),
        "{}",
        res.body
    );
    assert!(res.contains("value=\"&#60;&#62;*\""), "{}", res.body);
    let res = post(
        &mut c,
        &format!("/segments/{no}/refine"),
        &[("job_title", "<>*")],
    );
    res.assert_status(422);
    assert_eq!(app.count("SELECT count(*) FROM segment_steps"), 0);
}

/// A contact on two lines (a step that allowed contacts already there) has two lines whose
/// buttons a screen reader tells apart: by the step that added each. Both read "Edit the
/// line of ANNA" and "Remove ANNA".
#[test]
fn a_contact_on_two_lines_has_buttons_told_apart() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Twice");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    step(
        &mut c,
        &no,
        "add",
        &[("contact_no", "ANNA"), ("allow_existing", "on")],
    );
    let page = c.get(&format!("/segments/{no}"));
    for step in [1, 2] {
        assert!(
            page.contains(&format!(
                "aria-label=\"Edit the line of ANNA (step {step})\""
            )) && page.contains(&format!("aria-label=\"Remove ANNA (step {step})\"")),
            "{}",
            page.body
        );
    }
}

/// A classification section selects a contact with one row that passes its filter: `<>NEWS`
/// is said "other than NEWS" (it read "not NEWS", and took contacts on NEWS that have another
/// group too), and `''`, which no row holds, is refused with what to do instead (it added no
/// one, said "mailing group empty", and a Refine with it removed every line).
#[test]
fn a_classification_filter_says_what_it_selects() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Groups");
    let res = preview(&mut c, &no, "add", &[("mailing_group", "''")]);
    res.assert_status(422);
    assert!(
        res.contains("Mailing Group: at position 1: &#39;&#39; matches no contact here: a contact without a mailing group has no mailing group to match. To leave out the contacts that have one, use Reduce Contacts with mailing group *"),
        "{}",
        res.body
    );
    let res = preview(&mut c, &no, "refine", &[("mailing_group", "<>*")]);
    res.assert_status(422);
    assert!(
        res.contains("use Reduce Contacts with mailing group *"),
        "{}",
        res.body
    );
    step(&mut c, &no, "add", &[("mailing_group", "<>NEWS")]);
    let page = c.get(&format!("/segments/{no}"));
    assert!(
        page.contains("mailing group other than NEWS"),
        "{}",
        page.body
    );
    // Anna, on NEWS and XMAS, has a group other than NEWS: she is in, as the sentence says;
    // Eli, on NEWS alone, is not.
    assert_members(&app, &no, &["ANNA", "DORA", "SOLO"]);
    assert_eq!(app.count("SELECT count(*) FROM segment_steps"), 1);
    // Several exclusions, or a pattern excluded: "any mailing group …", not a sentence that
    // reads as keeping those groups' contacts out.
    for (typed, said) in [
        ("<>NEWS&<>XMAS", "any mailing group not NEWS and not XMAS"),
        ("<>N*", "any mailing group not starting with N"),
    ] {
        let res = preview(&mut c, &no, "add", &[("mailing_group", typed)]);
        assert!(res.contains(said), "{typed}: {}", res.body);
    }
    // A step stored before these were refused is still read: its sentence, and Refresh.
    crate::auth::diesel_exec(
        &app,
        "UPDATE segment_steps SET criteria = jsonb_set(criteria, '{filters}', \
           '{\"mailing_group\": \"''''\", \"job_title\": \"<>*\"}')",
    );
    let page = c.get(&format!("/segments/{no}"));
    assert!(!page.contains("cannot be read"), "{}", page.body);
    assert!(
        page.contains("mailing group empty") && page.contains("job title matching nothing"),
        "{}",
        page.body
    );
    c.get(&format!("/segments/{no}/refresh")).assert_status(200);
}

/// Saved criteria with a profile answer, reused after the answer was renamed: the new step says
/// the answer by its name now (it said the old one, of no answer any more, while it selected
/// by the renamed one).
#[test]
fn reused_criteria_say_a_renamed_profile_answer_by_its_name_now() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let large = app.count("SELECT id FROM profile_answers WHERE description = 'Large'");
    let from = new_segment(&mut c, "profile");
    step(
        &mut c,
        &from,
        "add",
        &[("profile_answer", large.to_string().as_str())],
    );
    post(
        &mut c,
        &format!("/segments/{from}/save-criteria"),
        &[("code", "BIG"), ("description", "Big customers")],
    )
    .assert_redirect(&format!("/segments/{from}"));
    diesel_exec(
        &app,
        "UPDATE profile_answers SET description = 'Huge' WHERE description = 'Large'",
    );
    let to = new_segment(&mut c, "again");
    post(
        &mut c,
        &format!("/segments/{to}/reuse-criteria"),
        &[("code", "BIG")],
    )
    .assert_redirect(&format!("/segments/{to}"));
    assert_members(&app, &to, &["ANNA"]);
    let page = c.get(&format!("/segments/{to}"));
    assert!(page.contains("profile Size: Huge (CUST)"), "{}", page.body);
    assert!(!page.contains("Size: Large"));
}

/// A code that only saved criteria and a draft segment's steps name is in use: its deletion is
/// refused, saying where, as for every other use (it was "Not used yet" and deleted, and the
/// saved criteria and the draft's Refresh then refused to run).
#[test]
fn a_code_named_only_by_steps_is_in_use() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO territories (code, description) VALUES ('NORTH', 'North'); \
         UPDATE contacts SET territory_code = 'NORTH' WHERE no = 'ANNA';",
    );
    let mut c = app.signed_in("stan", "staff");
    let no = new_segment(&mut c, "North");
    step(&mut c, &no, "add", &[("territory", "@north")]);
    assert_members(&app, &no, &["ANNA"]);
    post(
        &mut c,
        &format!("/segments/{no}/save-criteria"),
        &[("code", "NORTHERN"), ("description", "The north")],
    )
    .assert_redirect(&format!("/segments/{no}"));
    diesel_exec(&app, "UPDATE contacts SET territory_code = NULL");
    let mut admin = app.signed_in("boss", "admin");
    let page = "/setup/territories/NORTH";
    let shown = admin.get(page);
    assert!(!shown.contains("Not used yet"), "{}", shown.body);
    let res = admin.submit(page, &format!("{page}/delete"), &[]);
    assert_eq!(res.status, 303);
    let said = admin.get(page);
    assert!(
        said.contains(
            "Territory NORTH is used by 1 saved criteria (in its filters) and 1 draft segment \
             (in its steps&#39; filters), so it cannot be deleted."
        ),
        "{}",
        said.body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM territories WHERE code = 'NORTH'"),
        1
    );
}

/// A profile answer that only saved criteria and a draft segment's steps choose is in use: its
/// deletion, its question's and its questionnaire's are refused, saying where (they were
/// deleted as "chosen by no contact", and those steps then refused to run).
#[test]
fn a_profile_answer_chosen_only_by_steps_is_in_use() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let large = app.count("SELECT id FROM profile_answers WHERE description = 'Large'");
    let question = app.count(&format!(
        "SELECT question_id FROM profile_answers WHERE id = {large}"
    ));
    let no = new_segment(&mut c, "Large");
    step(
        &mut c,
        &no,
        "add",
        &[("profile_answer", large.to_string().as_str())],
    );
    assert_members(&app, &no, &["ANNA"]);
    post(
        &mut c,
        &format!("/segments/{no}/save-criteria"),
        &[("code", "BIG"), ("description", "Big customers")],
    )
    .assert_redirect(&format!("/segments/{no}"));
    diesel_exec(&app, "DELETE FROM contact_profile_answers");
    let mut admin = app.signed_in("boss", "admin");
    let qpath = format!("/setup/profile-questionnaires/CUST/questions/{question}");
    let shown = admin.get(&qpath);
    assert!(
        shown.contains(
            "Not chosen yet; named by 1 saved criteria (in its filters) and 1 draft segment \
             (in its steps&#39; filters)"
        ),
        "{}",
        shown.body
    );
    assert!(!shown.contains(&format!("answers/{large}/delete")));
    let named = "named by 1 saved criteria (in its filters) and 1 draft segment (in its \
                 steps&#39; filters), so it cannot be deleted.";
    admin
        .submit(&qpath, &format!("{qpath}/answers/{large}/delete"), &[])
        .assert_redirect(&format!("{qpath}#answer-{large}"));
    let said = admin.get(&qpath);
    assert!(
        said.contains(&format!("Answer “Large” is {named}")),
        "{}",
        said.body
    );
    admin
        .submit(&qpath, &format!("{qpath}/delete"), &[])
        .assert_redirect(&qpath);
    let said = admin.get(&qpath);
    assert!(
        said.contains(&format!("Question “Size” is {named}")),
        "{}",
        said.body
    );
    let base = "/setup/profile-questionnaires/CUST";
    admin
        .submit(base, &format!("{base}/delete"), &[])
        .assert_redirect(base);
    let said = admin.get(base);
    assert!(
        said.contains(
            "Profile questionnaire CUST is used by 1 saved criteria (in its filters) and 1 draft \
             segment (in its steps&#39; filters), so it cannot be deleted."
        ),
        "{}",
        said.body
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM profile_answers WHERE id = {large}"
        )),
        1
    );
    // The saved criteria still run.
    let to = new_segment(&mut c, "again");
    post(
        &mut c,
        &format!("/segments/{to}/reuse-criteria"),
        &[("code", "BIG")],
    )
    .assert_redirect(&format!("/segments/{to}"));
}

/// A step naming a code and the code's deletion at the same moment: the step holds the code
/// it names, so a deletion already holding it makes the step wait and then refuse the gone
/// code by its field (both went through, and the segment's steps named a deleted code that
/// Refresh and Save Criteria then refused).
#[test]
fn a_step_and_the_deletion_of_a_code_it_names_wait_for_each_other() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO territories (code, description) VALUES ('NORTH', 'North'); \
         UPDATE contacts SET territory_code = 'NORTH' WHERE no = 'ANNA';",
    );
    let mut c = app.signed_in("stan", "staff");
    let no = new_segment(&mut c, "North");
    let t = token(&mut c);
    // An administrator's deletion holds the territories against steps (the lock
    // `db::code_locks::for_deletion` takes) and is about to remove the code.
    let mut admin = app.conn();
    admin
        .batch_execute(
            "BEGIN; SELECT code FROM territories WHERE code = 'NORTH' FOR UPDATE; \
             SELECT pg_advisory_xact_lock(1129268293, hashtext('territories'))",
        )
        .unwrap();
    let action = format!("/segments/{no}/add");
    let stepping =
        std::thread::spawn(move || c.post_with_token(&action, &t, &[("territory", "NORTH")]));
    assert!(one_waits_for_a_lock(&app, || stepping.is_finished()));
    admin
        .batch_execute(
            "UPDATE contacts SET territory_code = NULL WHERE territory_code = 'NORTH'; \
             DELETE FROM territories WHERE code = 'NORTH'; COMMIT",
        )
        .unwrap();
    let res = stepping.join().unwrap();
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.contains("NORTH is not a territory code"),
        "{}",
        res.body
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id WHERE s.no = '{no}'"
        )),
        0
    );
}

/// A step naming a salesperson while an administrator renames that salesperson: the step does
/// not wait for the rename's hold on the code (it held the code's row for its check, and the
/// rename, cascading to the segment the step held, waited for it: a deadlock, one of them
/// aborted as "busy").
#[test]
fn a_step_does_not_wait_for_a_rename_of_a_code_it_names() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let no = new_segment(&mut c, "Two");
    diesel_exec(&app, "UPDATE segments SET salesperson_code = 'JO'");
    // A rename of JO has its row, and is about to cascade to the segment's header.
    let mut admin = app.conn();
    admin
        .batch_execute("BEGIN; SELECT code FROM salespeople WHERE code = 'JO' FOR UPDATE")
        .unwrap();
    let t = token(&mut c);
    let action = format!("/segments/{no}/add");
    let stepping =
        std::thread::spawn(move || c.post_with_token(&action, &t, &[("salesperson", "JO")]));
    let done_meanwhile = eventually(std::time::Duration::from_millis(20), || {
        stepping.is_finished()
    });
    admin.batch_execute("ROLLBACK").unwrap();
    assert!(done_meanwhile, "the step did not wait for the rename");
    let res = stepping.join().unwrap();
    assert_eq!(res.status, 303, "{}", res.body);
}

/// The segment's figures speak of one line and one step in the singular ("1 lines", "1 steps").
#[test]
fn the_segments_figures_say_one_line_and_one_step() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let no = new_segment(&mut c, "One");
    let page = c.get(&format!("/segments/{no}"));
    assert!(
        page.contains("figure-label\">lines</span>"),
        "{}",
        page.body
    );
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    let page = c.get(&format!("/segments/{no}"));
    assert!(page.contains("figure-label\">line</span>"), "{}", page.body);
    assert!(page.contains("figure-label\">step</span>"), "{}", page.body);
}
