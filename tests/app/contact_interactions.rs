//! A contact's interactions on its card (newest first, paged) and the segments it is on;
//! logging a single interaction from the card; the interactions export and the list's sort.

use crate::auth::diesel_exec;
use crate::segments::{new_segment, post, staff, step, text, world};
use crate::support::*;

/// The ids of the entries linked from a page, in page order.
fn entry_links(html: &str) -> Vec<i64> {
    html.split("<a href=\"/interactions/")
        .skip(1)
        .filter_map(|s| {
            let id: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
            id.parse().ok()
        })
        .collect()
}

/// The target of the link marked `rel`, unescaped.
fn rel_link(html: &str, rel: &str) -> Option<String> {
    let i = html.find(&format!("rel=\"{rel}\""))?;
    let start = html[..i].rfind("href=\"")? + 6;
    Some(
        html[start..]
            .split('"')
            .next()?
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

#[test]
fn a_single_interaction_is_logged_from_the_card_with_the_template_defaults() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET salesperson_code = 'PL' WHERE no = 'ANNA'",
    );
    let mut c = staff(&app, "stan");
    let card = c.get("/contacts/ANNA");
    card.assert_status(200);
    assert!(card.contains("href=\"/contacts/ANNA/interactions/new\""));
    assert!(card.contains("href=\"/interactions?contact=ANNA\""));

    // First the template, then the form with its defaults and the user's salesperson (the
    // contact's is PL), the template chosen shown, not offered again.
    let choose = c.get("/contacts/ANNA/interactions/new");
    choose.assert_status(200);
    assert!(choose.contains("Choose the interaction's template first"));
    assert!(!choose.contains("name=\"description\""));
    c.get("/contacts/ANNA/interactions/new?template=NOPE")
        .assert_status(422)
        .contains("There is no interaction template NOPE.");
    let form = c.get("/contacts/ANNA/interactions/new?template=mail");
    form.assert_status(200);
    for wanted in [
        "value=\"Mailing\"",
        "value=\"12.50\"",
        "value=\"15\"",
        "<option value=\"CP0002\" selected>",
        "<option value=\"JO\" selected>",
        "name=\"template\" type=\"text\" value=\"MAIL\" readonly",
        // The template's campaign flags, ticked to begin with.
        "name=\"campaign_target\" type=\"checkbox\" value=\"yes\" checked",
        "name=\"campaign_response\" type=\"checkbox\" value=\"yes\" checked",
    ] {
        assert!(form.contains(wanted), "missing {wanted}:\n{}", form.body);
    }
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    assert!(form.contains(&format!("value=\"{today}\"")));

    // Posted as it opens (cost and duration left empty: the template's), with an evaluation.
    post(
        &mut c,
        "/contacts/anna/interactions",
        &[
            ("template", "mail"),
            ("date", "2026-06-01"),
            ("description", "Mailing"),
            ("cost", ""),
            ("duration", ""),
            ("evaluation", "positive"),
            ("campaign", "CP0002"),
            ("campaign_target", "yes"),
            ("campaign_response", "yes"),
            ("salesperson", "PL"),
        ],
    )
    .assert_redirect("/contacts/ANNA");
    // The same shape as a logged segment's entry: the company, the template's group, flow,
    // initiator and correspondence type (it ignores the contact's), its campaign flags, the
    // user; no segment.
    assert_eq!(
        text(
            &app,
            "SELECT concat_ws('|', co.no, e.date, e.template_code, e.group_code, e.description, e.cost,
                    e.duration_min, e.information_flow, e.initiated_by, e.salesperson_code,
                    e.correspondence_type, e.evaluation, e.campaign_no, e.campaign_target,
                    e.campaign_response, e.segment_id IS NULL, e.segment_no = '', u.username,
                    e.canceled, e.attempt_failed)
             FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id
             JOIN contacts co ON co.id = e.company_id JOIN users u ON u.id = e.user_id
             WHERE c.no = 'ANNA' AND e.date = '2026-06-01'"
        ),
        "ALPHA|2026-06-01|MAIL|LETTER|Mailing|12.50|15|inbound|them|PL|hard_copy|positive|CP0002|t|t|t|t|stan|f|f"
    );
    let card = c.get("/contacts/ANNA");
    assert!(card.contains("Interaction logged."), "{}", card.body);
    assert!(card.contains("Interactions (3)"));
    let id = app.count("SELECT max(id) FROM interaction_log_entries");
    assert!(card.contains(&format!("href=\"/interactions/{id}\"")));
    let list = c.get("/interactions?contact=ANNA");
    assert!(list.contains("3 interactions") && list.contains(&format!("/interactions/{id}\"")));
    // The company's list holds it (its persons' entries), the company's card does not.
    assert!(c
        .get("/interactions?company=ALPHA")
        .contains(&format!("/interactions/{id}\"")));
    let alpha = c.get("/contacts/ALPHA");
    assert!(alpha.contains("Interactions (0)"), "{}", alpha.body);
    assert!(alpha.contains("The company's own interactions"));
    assert!(alpha.contains("href=\"/interactions?company=ALPHA\""));
    assert!(alpha.contains("No interaction has been logged with Alpha Retail yet."));

    // A CALL with another campaign, the description and cost typed, for a contact that has
    // its own correspondence type: the template's flags (none) and the contact's type.
    diesel_exec(
        &app,
        "UPDATE contacts SET correspondence_type = 'hard_copy', salesperson_code = NULL WHERE no = 'SOLO'",
    );
    let form = c.get("/contacts/SOLO/interactions/new?template=CALL");
    assert!(form.contains("<option value=\"\">(none)</option>"));
    assert!(form.contains("<option value=\"JO\" selected>"));
    post(
        &mut c,
        "/contacts/SOLO/interactions",
        &[
            ("template", "CALL"),
            ("date", "2026-06-02"),
            ("description", "Asked about prices"),
            ("cost", "7.5"),
            ("duration", "30"),
            ("campaign", "CP0001"),
            ("salesperson", "jo"),
        ],
    )
    .assert_redirect("/contacts/SOLO");
    assert_eq!(
        text(
            &app,
            "SELECT concat_ws('|', coalesce(e.company_id::text, 'no company'), e.description, e.cost,
                    e.duration_min, e.correspondence_type, e.evaluation = '', e.campaign_no,
                    e.campaign_target, e.campaign_response, e.salesperson_code)
             FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id WHERE c.no = 'SOLO'"
        ),
        "no company|Asked about prices|7.50|30|hard_copy|t|CP0001|f|f|JO"
    );
    // SOLO joins ALPHA (its form, an import: any change of the contact): the entry logged
    // without a company gets it, as Business Central fills a blank Contact Company No., and
    // the company's list of its persons' interactions shows it. It did not.
    let solo_entry = app.count(
        "SELECT e.id FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
         WHERE c.no = 'SOLO'",
    );
    assert!(!c
        .get("/interactions?company=ALPHA")
        .contains(&format!("/interactions/{solo_entry}\"")));
    diesel_exec(
        &app,
        "UPDATE contacts SET company_id = (SELECT id FROM contacts WHERE no = 'ALPHA') \
         WHERE no = 'SOLO'",
    );
    assert!(c
        .get("/interactions?company=ALPHA")
        .contains(&format!("/interactions/{solo_entry}\"")));
    // Moved on to another company, it keeps the first one's.
    diesel_exec(
        &app,
        "UPDATE contacts SET company_id = NULL WHERE no = 'SOLO'",
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT co.no FROM interaction_log_entries e JOIN contacts co ON co.id = e.company_id \
                 WHERE e.id = {solo_entry}"
            )
        ),
        "ALPHA"
    );
    // The audit trail names it, with what the figures count it by (it said the template,
    // contact and date alone).
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'interaction logged'"),
        2
    );
    assert_eq!(
        text(
            &app,
            "SELECT detail FROM audit_log WHERE action = 'interaction logged' ORDER BY id LIMIT 1"
        ),
        "MAIL with ANNA on 2026-06-01, campaign CP0002 (target, response), salesperson PL, cost 12.50, 15 min"
    );
}

#[test]
fn logging_a_single_interaction_refuses_bad_fields_at_once_and_keeps_what_was_typed() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "UPDATE salespeople SET blocked = TRUE WHERE code = 'PL'",
    );
    let mut c = staff(&app, "stan");
    let before = app.count("SELECT count(*) FROM interaction_log_entries");
    let res = post(
        &mut c,
        "/contacts/SOLO/interactions",
        &[("date", "2026-06-01")],
    );
    res.assert_status(422);
    assert!(res.contains("Choose an interaction template."));
    assert!(res.contains("Choose a salesperson: every interaction has one."));

    let res = post(
        &mut c,
        "/contacts/SOLO/interactions",
        &[
            ("template", "MAIL"),
            ("date", "31.12.2026"),
            ("description", &"x".repeat(101)),
            ("cost", "-1"),
            ("duration", "half an hour"),
            ("evaluation", "superb"),
            ("campaign", "NOPE"),
            ("salesperson", "PL"),
        ],
    );
    res.assert_status(422);
    for wanted in [
        "Enter a date as YYYY-MM-DD.",
        "Use at most 100 characters; this has 101.",
        "Enter an amount of 0 or more",
        "Enter a whole number of minutes, 0 or more.",
        "Choose an evaluation from the list.",
        "There is no campaign NOPE.",
        "Salesperson PL is blocked: choose another.",
        // Shown as typed, in a text field: a date field cannot hold it.
        "name=\"date\" type=\"text\" value=\"31.12.2026\"",
        "value=\"-1\"",
        "value=\"half an hour\"",
        "these 7 fields",
        // The campaign stays chosen, marked (it was shown as "(none)" beside its error).
        "<option value=\"NOPE\" selected>NOPE (not found)</option>",
    ] {
        assert!(res.contains(wanted), "missing {wanted}:\n{}", res.body);
    }
    // The blocked salesperson stays chosen as blocked, not as "(not found)".
    assert!(
        res.contains("<option value=\"PL\" selected>")
            && res.contains("(blocked)</option>")
            && !res.contains("PL (not found)"),
        "{}",
        res.body
    );
    // A template renamed or deleted in setup while the form was open: chosen again on the
    // form shown again, with what was typed kept (the field was read-only, and "Choose
    // another template" started over with nothing typed).
    let res = post(
        &mut c,
        "/contacts/SOLO/interactions",
        &[
            ("template", "NOPE"),
            ("date", "2026-06-01"),
            ("salesperson", "ZZ"),
            ("description", "Asked about the spring catalogue"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("There is no interaction template NOPE (renamed or deleted"));
    assert!(res.contains("There is no salesperson ZZ."));
    assert!(
        res.contains("<select id=\"template\" name=\"template\""),
        "{}",
        res.body
    );
    assert!(res.contains("<option value=\"NOPE\" selected>NOPE (not found)</option>"));
    assert!(res.contains("<option value=\"MAIL\">"), "{}", res.body);
    assert!(res.contains("value=\"Asked about the spring catalogue\""));
    // A template that is there keeps its field read-only.
    let form = c.get("/contacts/SOLO/interactions/new?template=MAIL");
    assert!(form.contains("name=\"template\" type=\"text\" value=\"MAIL\" readonly"));
    // Campaign flags need a campaign.
    let res = post(
        &mut c,
        "/contacts/SOLO/interactions",
        &[
            ("template", "MAIL"),
            ("date", "2026-06-01"),
            ("salesperson", "JO"),
            ("campaign_response", "yes"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Campaign Response needs a campaign: choose one, or untick it."));
    assert!(res.contains("name=\"campaign_response\" type=\"checkbox\" value=\"yes\" checked"));
    // A template without a description needs one typed.
    diesel_exec(
        &app,
        "UPDATE interaction_templates SET description = '' WHERE code = 'CALL'",
    );
    let res = post(
        &mut c,
        "/contacts/SOLO/interactions",
        &[
            ("template", "CALL"),
            ("date", "2026-06-01"),
            ("salesperson", "JO"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("Enter a description (the template has none to give)."));
    assert_eq!(
        app.count("SELECT count(*) FROM interaction_log_entries"),
        before,
        "nothing written"
    );
    post(
        &mut c,
        "/contacts/NOBODY/interactions",
        &[
            ("template", "CALL"),
            ("date", "2026-06-01"),
            ("salesperson", "JO"),
        ],
    )
    .assert_status(404);
    c.get("/contacts/NOBODY/interactions/new")
        .assert_status(404);
}

/// As a logged segment's lines: no interaction with a privacy blocked contact, none by e-mail
/// to a contact without an address. The salesperson offered is the user's, else the
/// contact's, never a blocked one.
#[test]
fn a_single_interaction_is_refused_for_a_blocked_contact_or_by_e_mail_without_an_address() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let before = app.count("SELECT count(*) FROM interaction_log_entries");
    // CY is privacy blocked: the card offers nothing, the form says why, a post is refused.
    let card = c.get("/contacts/CY");
    assert!(!card.contains("/contacts/CY/interactions/new"));
    assert!(card.contains("Privacy blocked: no interaction is logged"));
    // Nor an opportunity: it offered one that its form refused once filled in.
    assert!(!card.contains("/opportunities/new?contact=CY"));
    assert!(card.contains("Privacy blocked: no opportunity is made"));
    let form = c.get("/contacts/CY/interactions/new?template=MAIL");
    assert!(form.contains("CY Cy Alpha is privacy blocked: no interaction is logged"));
    assert!(!form.contains("name=\"description\""));
    let fields = |template: &'static str| {
        vec![
            ("template", template),
            ("date", "2026-06-01"),
            ("salesperson", "JO"),
        ]
    };
    let res = post(&mut c, "/contacts/CY/interactions", &fields("MAIL"));
    res.assert_status(422);
    assert!(res.contains("is privacy blocked: no interaction is logged"));
    // BO has no e-mail address: CALL goes by e-mail (BO has no type of its own), MAIL does not.
    // Said as soon as the template is chosen, before the form is filled in (it was said only
    // when the filled-in form was sent); MAIL's form says nothing of it.
    let form = c.get("/contacts/BO/interactions/new?template=CALL");
    assert!(
        form.contains(
            "BO has no e-mail address, and an interaction of template CALL goes by e-mail."
        ),
        "{}",
        form.body
    );
    assert!(!c
        .get("/contacts/BO/interactions/new?template=MAIL")
        .contains("has no e-mail address"));
    let res = post(&mut c, "/contacts/BO/interactions", &fields("CALL"));
    res.assert_status(422);
    assert!(res
        .contains("BO has no e-mail address, and an interaction of template CALL goes by e-mail."));
    assert_eq!(
        app.count("SELECT count(*) FROM interaction_log_entries"),
        before,
        "nothing written"
    );
    // A hard-copy contact of its own is written to, whatever the template's type.
    diesel_exec(
        &app,
        "UPDATE contacts SET correspondence_type = 'hard_copy' WHERE no = 'BO'",
    );
    post(&mut c, "/contacts/BO/interactions", &fields("CALL")).assert_redirect("/contacts/BO");
    // The user's salesperson blocked: the contact's is offered.
    diesel_exec(
        &app,
        "UPDATE salespeople SET blocked = TRUE WHERE code = 'JO';
         UPDATE contacts SET salesperson_code = 'PL' WHERE no = 'ANNA'",
    );
    let form = c.get("/contacts/ANNA/interactions/new?template=MAIL");
    assert!(
        form.contains("<option value=\"PL\" selected>"),
        "{}",
        form.body
    );
    assert!(!form.contains("<option value=\"JO\""));
}

#[test]
fn a_viewer_reads_the_history_but_logs_nothing() {
    let app = TestApp::start();
    world(&app);
    let mut viewer = app.signed_in("vera", "viewer");
    let card = viewer.get("/contacts/ANNA");
    card.assert_status(200);
    assert!(card.contains("Interactions (2)"));
    assert!(!card.contains("/contacts/ANNA/interactions/new"));
    viewer
        .get("/contacts/ANNA/interactions/new?template=CALL")
        .assert_status(403);
    post(
        &mut viewer,
        "/contacts/ANNA/interactions",
        &[
            ("template", "CALL"),
            ("date", "2026-06-01"),
            ("salesperson", "JO"),
        ],
    )
    .assert_status(403);
    assert_eq!(app.count("SELECT count(*) FROM interaction_log_entries"), 4);
}

#[test]
fn the_card_pages_the_history_newest_first_and_names_the_segments_of_every_status() {
    let app = TestApp::start();
    world(&app);
    // 45 entries for SOLO, three on the same day (the id breaks the tie).
    diesel_exec(
        &app,
        "INSERT INTO interaction_log_entries (contact_id, date, template_code, group_code, description, salesperson_code)
           SELECT c.id, DATE '2025-01-01' + least(g, 43), 'CALL', 'PHONE', 'Call ' || g, 'JO'
           FROM contacts c, generate_series(1, 45) g WHERE c.no = 'SOLO';",
    );
    // ANNA's entries made 20: one page exactly, all of them counted without a count of their own.
    let anna_has = app.count(
        "SELECT count(*) FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id
         WHERE c.no = 'ANNA'",
    );
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO interaction_log_entries (contact_id, description)
               SELECT c.id, 'Note ' || g FROM contacts c, generate_series(1, {}) g
               WHERE c.no = 'ANNA';",
            20 - anna_has
        ),
    );
    let mut c = staff(&app, "stan");
    let anna = c.get("/contacts/ANNA");
    assert!(anna.contains("Interactions (20)"));
    assert_eq!(entry_links(&anna.body).len(), 20);
    assert!(rel_link(&anna.body, "next").is_none());
    let first = c.get("/contacts/SOLO");
    first.assert_status(200);
    assert!(first.contains("Interactions (45)"));
    assert!(first.contains("General"), "the card's other content stays");
    assert!(rel_link(&first.body, "prev").is_none());
    let mut seen = entry_links(&first.body);
    assert_eq!(seen.len(), 20);
    let newest = app.count(
        "SELECT e.id FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id
         WHERE c.no = 'SOLO' ORDER BY e.date DESC, e.id DESC LIMIT 1",
    );
    assert_eq!(seen[0], newest);
    let second_link = rel_link(&first.body, "next").expect("an Older link");
    let second = c.get(&second_link);
    second.assert_status(200);
    assert!(second.contains("Profile"), "the card's other content stays");
    seen.extend(entry_links(&second.body));
    let third = c.get(&rel_link(&second.body, "next").expect("another Older link"));
    let last = entry_links(&third.body);
    assert_eq!(last.len(), 5);
    assert!(second.contains("Interactions (45)") && third.contains("Interactions (45)"));
    assert!(rel_link(&third.body, "next").is_none());
    seen.extend(&last);
    let expected: Vec<i64> = {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        diesel::sql_query(
            "SELECT e.id FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id
             WHERE c.no = 'SOLO' ORDER BY e.date DESC, e.id DESC",
        )
        .load::<Id>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
    };
    assert_eq!(seen, expected, "every entry once, newest first");
    // Newer from the last page is the second page again.
    let back = c.get(&rel_link(&third.body, "prev").expect("a Newer link"));
    assert_eq!(entry_links(&back.body), entry_links(&second.body));
    // A key that cannot be read is the first page.
    assert_eq!(
        entry_links(&c.get("/contacts/SOLO?entries_after=garbage").body),
        entry_links(&first.body)
    );
    assert_eq!(
        entry_links(&c.get("/contacts/SOLO?entries_after=-5000-01-01:1").body),
        entry_links(&first.body)
    );

    // Segments of every status, with links; none at first.
    assert!(c
        .get("/contacts/SOLO")
        .contains("Solo Person is on no segment, draft or logged."));
    let logged = new_segment(&mut c, "Logged one");
    step(&mut c, &logged, "add", &[("contact_no", "SOLO")]);
    diesel_exec(
        &app,
        &format!("UPDATE segments SET interaction_template_code = 'CALL' WHERE no = '{logged}'"),
    );
    post(&mut c, &format!("/segments/{logged}/log"), &[])
        .assert_redirect(&format!("/segments/{logged}"));
    let canceled = new_segment(&mut c, "Canceled one");
    step(&mut c, &canceled, "add", &[("contact_no", "SOLO")]);
    diesel_exec(
        &app,
        &format!("UPDATE segments SET interaction_template_code = 'CALL' WHERE no = '{canceled}'"),
    );
    post(&mut c, &format!("/segments/{canceled}/log"), &[])
        .assert_redirect(&format!("/segments/{canceled}"));
    post(&mut c, &format!("/segments/{canceled}/cancel"), &[])
        .assert_redirect(&format!("/segments/{canceled}"));
    let draft = new_segment(&mut c, "Draft one");
    step(&mut c, &draft, "add", &[("contact_no", "SOLO")]);
    let card = c.get("/contacts/SOLO");
    assert!(card.contains("Segments (3)"), "{}", card.body);
    for (no, status) in [
        (&draft, "Draft"),
        (&logged, "Logged"),
        (&canceled, "Canceled"),
    ] {
        assert!(
            card.contains(&format!("href=\"/segments/{no}\"")),
            "{no} linked"
        );
        assert!(card.contains(&format!(">{status}</span>")), "{status}");
    }
    assert!(card.contains(&format!("/segments/{draft}/why?contact=SOLO")));
    // The logged segments' entries are on the card, with their segment.
    assert!(card.contains("Interactions (47)"));
    assert!(card.contains(&format!("<a href=\"/segments/{logged}\">{logged}</a></td>")));
}

/// The CSV's records after its header, split into cells (no cell here holds a comma).
fn records(body: &str) -> Vec<Vec<String>> {
    body.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn the_export_streams_what_the_filters_select_in_the_lists_order() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO interaction_log_entries (contact_id, date, template_code, group_code, description,
                salesperson_code, campaign_no, campaign_target, cost)
           SELECT c.id, DATE '2026-02-01', 'MAIL', 'LETTER', '=HYPERLINK(\"x\")', 'PL', 'CP0002', TRUE, 2.5
           FROM contacts c WHERE c.no = 'SOLO';",
    );
    let mut c = staff(&app, "stan");
    let list = c.get("/interactions?template=mail&canceled=no");
    let unescaped = list.body.replace("&#38;", "&").replace("&amp;", "&");
    assert!(unescaped.contains("href=\"/interactions/export.csv?template=MAIL&canceled=no\""));
    let res = c.get("/interactions/export.csv?template=mail&canceled=no");
    res.assert_status(200);
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let disposition = res.header("content-disposition").unwrap();
    assert!(disposition.contains("attachment") && disposition.contains("interactions-"));
    assert_eq!(
        res.body.lines().next(),
        Some(
            "\u{feff}entry_no,date,contact_no,contact_name,company_no,company_name,template,\
             interaction_group,description,cost,duration_min,information_flow,initiated_by,\
             salesperson,correspondence_type,language,evaluation,campaign,campaign_target,\
             campaign_response,segment,canceled,attempt_failed,logged_at,logged_by"
        )
    );
    let rows = records(&res.body);
    let summary: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {} {} {}", r[1], r[2], r[6], r[21]))
        .collect();
    // Newest first; ELI's canceled mailing is left out.
    assert_eq!(
        summary,
        [
            "2026-03-01 ANNA MAIL false",
            "2026-02-01 SOLO MAIL false",
            "2026-01-15 DORA MAIL false",
        ]
    );
    let solo = &rows[1];
    assert_eq!(solo[9], "2.50");
    assert_eq!(solo[13], "PL");
    assert_eq!((solo[17].as_str(), solo[18].as_str()), ("CP0002", "true"));
    // A cell a spreadsheet would run as a formula is neutralised.
    assert!(res.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{}", res.body);

    // Oldest first, several filters together.
    let res =
        c.get("/interactions/export.csv?sort=oldest&from=2026-01-01&to=2026-02-28&salesperson=jo");
    let dates: Vec<String> = records(&res.body)
        .iter()
        .map(|r| format!("{} {}", r[1], r[2]))
        .collect();
    assert_eq!(
        dates,
        ["2026-01-10 ANNA", "2026-01-15 DORA", "2026-01-20 ELI"]
    );
    let res = c.get("/interactions/export.csv?canceled=yes&contact=eli");
    assert_eq!(records(&res.body).len(), 1);
    let res = c.get("/interactions/export.csv?contact=eli&from=2030-01-01");
    assert_eq!(res.body.lines().count(), 1, "only the header");
    // A contact that is not there is said, not sent as a file of no entries.
    let res = c.get("/interactions/export.csv?contact=nobody");
    res.assert_status(422);
    assert!(res.contains("There is no contact NOBODY."), "{}", res.body);
    let bad = c.get("/interactions/export.csv?from=yesterday");
    bad.assert_status(422);
    assert!(bad.contains("Enter a date as YYYY-MM-DD."));
    app.client()
        .get("/interactions/export.csv")
        .assert_redirect("/login?next=%2Finteractions%2Fexport.csv");
}

#[test]
fn the_list_sorts_oldest_first_and_pages_in_that_order() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO interaction_log_entries (contact_id, date, template_code, group_code, description, salesperson_code)
           SELECT c.id, DATE '2024-01-01' + g, 'CALL', 'PHONE', 'Old ' || g, 'JO'
           FROM contacts c, generate_series(1, 60) g WHERE c.no = 'SOLO';",
    );
    let mut c = staff(&app, "stan");
    let first = c.get("/interactions?sort=oldest");
    first.assert_status(200);
    assert!(first.contains("<option value=\"oldest\" selected>"));
    let ids = entry_links(&first.body);
    assert_eq!(ids.len(), 50);
    let oldest =
        app.count("SELECT min(id) FROM interaction_log_entries WHERE description = 'Old 1'");
    assert_eq!(ids[0], oldest);
    let next = rel_link(&first.body, "next").expect("a next page");
    assert!(next.contains("sort=oldest"), "{next}");
    let second = c.get(&next);
    let later = entry_links(&second.body);
    assert_eq!(later.len(), 14, "60 + world's 4");
    assert!(second.contains("Call") || second.contains("2026-03-01"));
    assert!(rel_link(&second.body, "next").is_none(), "the last page");
    let back = c.get(&rel_link(&second.body, "prev").expect("a previous page"));
    assert_eq!(entry_links(&back.body), ids);
    // Back on the first page: nothing before it, so no Previous (it led to an empty page
    // saying that nothing matched).
    assert!(rel_link(&back.body, "prev").is_none(), "{}", back.body);
    assert!(rel_link(&back.body, "next").is_some());
    // Exactly a page of entries: no Next (it led to an empty page too).
    let full = c.get("/interactions?contact=SOLO&sort=oldest");
    assert!(full.contains("60 interactions"), "{}", full.body);
    diesel_exec(
        &app,
        "INSERT INTO interaction_log_entries (contact_id, date, template_code, group_code, description, salesperson_code)
           SELECT c.id, DATE '2025-01-01' + g, 'CALL', 'PHONE', 'Fifty ' || g, 'JO'
           FROM contacts c, generate_series(1, 50) g WHERE c.no = 'DORA';",
    );
    let dora = c.get("/interactions?contact=DORA&from=2025-01-01&to=2025-12-31");
    assert!(dora.contains("50 interactions"), "{}", dora.body);
    assert_eq!(entry_links(&dora.body).len(), 50);
    assert!(rel_link(&dora.body, "next").is_none() && rel_link(&dora.body, "prev").is_none());
    let bad = c.get("/interactions?sort=sideways");
    bad.assert_status(422);
    assert!(bad.contains("Choose newest or oldest first."));
    // A code or number that names nothing, a person as the company, dates the wrong way
    // round: said next to the field, not "No interaction matches".
    for (query, wanted) in [
        ("template=nope", "There is no interaction template NOPE."),
        ("group=NOPE", "There is no interaction group NOPE."),
        ("campaign=CP9", "There is no campaign CP9."),
        ("salesperson=ZZ", "There is no salesperson ZZ."),
        ("contact=SOLOO", "There is no contact SOLOO."),
        ("company=NOPE", "There is no contact NOPE."),
        ("segment=SM0001", "There is no segment SM0001."),
        (
            "company=anna",
            "ANNA is a person, not a company: enter it as the Contact No.",
        ),
        (
            "from=2026-02-01&to=2026-01-01",
            "The To date is before the From date",
        ),
    ] {
        let res = c.get(&format!("/interactions?{query}"));
        res.assert_status(422);
        assert!(res.contains(wanted), "{query}: {}", res.body);
        assert!(!res.contains("No interaction matches."), "{query}");
        // The exports say it too, rather than sending a file of no entries.
        for export in ["export.csv", "export.xlsx"] {
            let res = c.get(&format!("/interactions/{export}?{query}"));
            res.assert_status(422);
            assert!(res.contains(wanted), "{export}?{query}: {}", res.body);
        }
    }
    // A segment's No. is known while the segment is there, and after it is deleted while
    // entries of it stay (their range).
    diesel_exec(
        &app,
        "INSERT INTO segments (no, description, date, status) VALUES ('SM0777', 'Draft', CURRENT_DATE, 'draft');
         INSERT INTO segment_entry_ranges (segment_no, first_entry, last_entry) VALUES ('SM0888', 1, 1);",
    );
    for no in ["SM0777", "sm0888"] {
        c.get(&format!("/interactions?segment={no}"))
            .assert_status(200);
        let (status, _, _) = c.get_bytes(&format!("/interactions/export.csv?segment={no}"));
        assert_eq!(status, 200, "{no}");
    }
    // All at once.
    let res = c.get("/interactions?template=nope&from=2026-02-01&to=2026-01-01");
    assert!(res.contains("There is no interaction template NOPE.") && res.contains("The To date"));
    let fine = c.get("/interactions?template=call&group=PHONE&salesperson=JO&company=ALPHA");
    fine.assert_status(200);
}

#[test]
fn the_same_single_interaction_form_sent_twice_logs_once() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let form = c.get("/contacts/ANNA/interactions/new?template=MAIL");
    form.assert_status(200);
    let once = hidden_value(&form.body, "once").expect("the form's one-time key");
    assert_eq!(once.len(), 32);
    let fields = [
        ("template", "MAIL"),
        ("date", "2026-06-01"),
        ("description", "Mailing"),
        ("salesperson", "JO"),
        ("once", once.as_str()),
    ];
    let entries = |app: &TestApp| {
        text(
            app,
            "SELECT count(*) FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
             WHERE c.no = 'ANNA' AND e.date = '2026-06-01'",
        )
    };
    // A double click: logged once, and the first sending's message stays (it said the
    // second was not logged, which read as a failure).
    let token = form.csrf_token().unwrap();
    for _ in 0..2 {
        c.post_with_token("/contacts/ANNA/interactions", &token, &fields)
            .assert_redirect("/contacts/ANNA");
    }
    assert_eq!(entries(&app), "1");
    let card = c.get("/contacts/ANNA");
    assert!(card.contains("Interaction logged."), "{}", card.body);
    assert!(!card.contains("was logged already"));
    // The back button and the form sent again, once the message was shown: said so.
    post(&mut c, "/contacts/ANNA/interactions", &fields).assert_redirect("/contacts/ANNA");
    assert_eq!(entries(&app), "1");
    assert!(c
        .get("/contacts/ANNA")
        .contains("was logged already (the form was sent twice)"));
    // Back, another description, sent again: a second call, logged (it was dropped as "logged
    // already"); sent twice so, once.
    let mut second = fields.to_vec();
    second.retain(|(k, _)| *k != "description");
    second.push(("description", "Second call"));
    for _ in 0..2 {
        post(&mut c, "/contacts/ANNA/interactions", &second).assert_redirect("/contacts/ANNA");
    }
    assert_eq!(entries(&app), "2");
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(e.description, ',' ORDER BY e.id) FROM interaction_log_entries e \
             JOIN contacts c ON c.id = e.contact_id WHERE c.no = 'ANNA' AND e.date = '2026-06-01'"
        ),
        "Mailing,Second call"
    );
    // A form opened anew logs a new interaction; a form without a key is not guarded.
    let again = c.get("/contacts/ANNA/interactions/new?template=MAIL");
    let other = hidden_value(&again.body, "once").expect("a new key");
    assert_ne!(other, once);
    let mut fields = fields.to_vec();
    fields.pop();
    fields.push(("once", other.as_str()));
    post(&mut c, "/contacts/ANNA/interactions", &fields).assert_redirect("/contacts/ANNA");
    fields.pop();
    post(&mut c, "/contacts/ANNA/interactions", &fields).assert_redirect("/contacts/ANNA");
    assert_eq!(entries(&app), "4");
    // The key is part of the record.
    use diesel::connection::SimpleConnection;
    let err = app
        .conn()
        .batch_execute(
            "UPDATE interaction_log_entries SET form_key = NULL WHERE form_key IS NOT NULL",
        )
        .expect_err("the key of an entry changed");
    assert!(err.to_string().contains("is a record"), "{err}");
}

/// The card names a contact's 50 newest segments; the rest were out of reach. Its link lists
/// every segment the contact is on in the segment list, paged, with none it was taken off.
#[test]
fn all_the_segments_a_contact_is_on_are_one_link_from_its_card() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "sam");
    let mut on = Vec::new();
    for i in 0..51 {
        let no = new_segment(&mut c, &format!("Mailing {i}"));
        step(&mut c, &no, "add", &[("contact_no", "SOLO")]);
        on.push(no);
    }
    let taken_off = new_segment(&mut c, "Taken off");
    step(&mut c, &taken_off, "add", &[("contact_no", "SOLO|ANNA")]);
    step(&mut c, &taken_off, "reduce", &[("contact_no", "SOLO")]);
    let others = new_segment(&mut c, "Others");
    step(&mut c, &others, "add", &[("contact_no", "ANNA")]);

    let card = c.get("/contacts/SOLO");
    assert!(card.contains("Segments (51)"), "{}", card.body);
    assert!(
        card.contains("href=\"/segments?contact=SOLO\">All segments Solo Person is on</a>"),
        "{}",
        card.body
    );
    let first = c.get("/segments?contact=SOLO");
    first.assert_status(200);
    assert!(
        first.contains("51 segments · page 1 of 2"),
        "{}",
        first.body
    );
    assert!(first.contains("The segments <a href=\"/contacts/SOLO\">Solo Person</a> is on."));
    let second = c.get("/segments?contact=SOLO&page=2");
    assert!(
        second.contains("51 segments · page 2 of 2"),
        "{}",
        second.body
    );
    for no in &on {
        let href = format!("href=\"/segments/{no}\"");
        assert!(
            first.contains(&href) != second.contains(&href),
            "{no} on one page exactly"
        );
    }
    for no in [&taken_off, &others] {
        let href = format!("href=\"/segments/{no}\"");
        assert!(!first.contains(&href) && !second.contains(&href), "{no}");
    }
    // The paging links keep the contact; an unknown No. is said by the field.
    assert!(
        first.contains("href=\"/segments?contact=SOLO&#38;page=2\""),
        "{}",
        first.body
    );
    // Typed in small letters, as a No. is found everywhere.
    assert!(c
        .get("/segments?contact=solo")
        .contains("51 segments · page 1 of 2"));
    let unknown = c.get("/segments?contact=NOPE");
    assert!(
        unknown.contains("There is no contact NOPE."),
        "{}",
        unknown.body
    );
    // Not "No segment matches": the filter names nothing, and says so above.
    assert!(unknown
        .contains("No segments are shown until the filters can be read: correct them above."));
    assert!(!unknown.contains("No segment matches."));
}

/// A single interaction whose attempt failed (no answer) is logged as such, as Business
/// Central's Interaction Successful unticked: nothing set Attempt Failed, so the segment
/// criterion "Attempt Failed" could never match a real interaction. The box stays as ticked
/// when the form is refused, and a segment's criterion finds the contact.
#[test]
fn a_single_interaction_can_be_logged_as_an_attempt_that_failed() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let form = c.get("/contacts/SOLO/interactions/new?template=CALL");
    assert!(
        form.contains("name=\"attempt_failed\" type=\"checkbox\" value=\"yes\" aria-describedby")
    );
    let once = hidden_value(&form.body, "once").unwrap();
    let token = form.csrf_token().unwrap();
    let fields = |date: &'static str| {
        vec![
            ("template", "CALL"),
            ("date", date),
            ("salesperson", "JO"),
            ("attempt_failed", "yes"),
        ]
    };
    let mut refused = fields("not a date");
    refused.push(("once", &once));
    let res = c.post_with_token("/contacts/SOLO/interactions", &token, &refused);
    res.assert_status(422);
    assert!(res.contains("name=\"attempt_failed\" type=\"checkbox\" value=\"yes\" checked"));
    // The year typed as "26", sent by the date field as 0026, is refused, saying why: it was
    // written, and sorted last on every list, out of sight.
    let mut year_26 = fields("0026-12-07");
    year_26.push(("once", &once));
    let res = c.post_with_token("/contacts/SOLO/interactions", &token, &year_26);
    res.assert_status(422);
    assert!(
        res.contains(
            "The year 0026 is before 1900: write all four digits of the year (2026, not 26)"
        ),
        "{}",
        res.body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM interaction_log_entries WHERE date < '1900-01-01'"),
        0
    );
    let mut good = fields("2026-05-04");
    good.push(("once", &once));
    let res = c.post_with_token("/contacts/SOLO/interactions", &token, &good);
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
             WHERE c.no = 'SOLO' AND e.attempt_failed AND e.date = '2026-05-04'"
        ),
        1
    );
    let id = app.count("SELECT max(id) FROM interaction_log_entries");
    assert!(c
        .get(&format!("/interactions/{id}"))
        .contains("<dt>Attempt failed</dt><dd>Yes</dd>"));
    // The list and the contact's card say so too: a call nobody answered looked like one
    // that took place everywhere but on the entry's own page.
    let failed = "<span class=\"badge badge-off\">attempt failed</span>";
    let list = c.get("/interactions?contact=SOLO");
    assert_eq!(list.body.matches(failed).count(), 1, "{}", list.body);
    let card = c.get("/contacts/SOLO");
    assert_eq!(card.body.matches(failed).count(), 1, "{}", card.body);
    let seg = new_segment(&mut c, "No answer");
    step(
        &mut c,
        &seg,
        "add",
        &[
            ("interaction_template", "CALL"),
            ("interaction_attempt_failed", "yes"),
            ("interaction_date", "2026-05-04"),
        ],
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT string_agg(c.no, ',') FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
                 JOIN contacts c ON c.id = l.contact_id WHERE s.no = '{seg}'"
            )
        ),
        "SOLO"
    );
}

/// A contact privacy blocked while its single interaction is being logged: the entry waits for
/// the block and is refused. Before, the form's checks read the contact before the block and
/// the entry was written after it, to a blocked contact.
#[test]
fn a_single_interaction_meeting_a_privacy_block_is_refused() {
    use diesel::RunQueryDsl;
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let form = c.get("/contacts/ANNA/interactions/new?template=MAIL");
    let token = form.csrf_token().unwrap();
    let mut blocking = app.conn();
    diesel::sql_query("BEGIN").execute(&mut blocking).unwrap();
    diesel::sql_query("UPDATE contacts SET privacy_blocked = TRUE WHERE no = 'ANNA'")
        .execute(&mut blocking)
        .unwrap();
    let logging = std::thread::spawn(move || {
        let res = c.post_with_token(
            "/contacts/ANNA/interactions",
            &token,
            &[
                ("template", "MAIL"),
                ("date", "2026-06-01"),
                ("salesperson", "JO"),
            ],
        );
        (res.status, res.body)
    });
    assert!(one_waits_for_a_lock(&app, || logging.is_finished()));
    diesel::sql_query("COMMIT").execute(&mut blocking).unwrap();
    let (status, body) = logging.join().unwrap();
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("is privacy blocked: no interaction is logged"));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
             WHERE c.no = 'ANNA' AND e.date = '2026-06-01'"
        ),
        0
    );
}
