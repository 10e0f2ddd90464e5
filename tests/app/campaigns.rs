//! Campaigns: creating and editing with every check, who may do what, the list, the card's
//! figures from the non-canceled entries (through Log, Cancel and Restore of real segments),
//! and deleting only what nothing refers to.

use crate::auth::diesel_exec;
use crate::segments::{new_segment, post, staff, step, text, world};
use crate::support::*;

/// The campaign form as a browser sends it, with some fields changed.
pub(crate) fn campaign_fields<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("description", "Spring fair"),
        ("starting_date", "2026-03-01"),
        ("ending_date", "2026-03-31"),
        ("salesperson_code", "JO"),
        ("status_code", "PLANNED"),
    ];
    for (k, v) in changes {
        match fields.iter_mut().find(|(f, _)| f == k) {
            Some(field) => field.1 = v,
            None => fields.push((k, v)),
        }
    }
    fields
}

/// A campaign row as text, to compare before and after.
fn row(app: &TestApp, no: &str) -> String {
    text(
        app,
        &format!(
            "SELECT no || '|' || description || '|' || COALESCE(starting_date::text, '') || '|' \
               || COALESCE(ending_date::text, '') || '|' || COALESCE(salesperson_code, '') || '|' \
               || COALESCE(status_code, '') || '|' || version FROM campaigns WHERE no = '{no}'"
        ),
    )
}

fn statuses(app: &TestApp) {
    diesel_exec(
        app,
        "INSERT INTO campaign_statuses (code, description) VALUES ('PLANNED', 'Planned'), ('RUNNING', 'Running')",
    );
}

#[test]
fn a_campaign_is_created_and_edited_with_every_check_and_an_audit_entry() {
    let app = TestApp::start();
    world(&app);
    statuses(&app);
    let mut c = staff(&app, "stan");
    let form = c.get("/campaigns/new");
    form.assert_status(200);
    assert!(form.contains("Campaigns number series"));

    // Start after end, no description, unknown status: all at once, nothing written.
    let before = app.count("SELECT count(*) FROM campaigns");
    let res = c.submit(
        "/campaigns/new",
        "/campaigns",
        &campaign_fields(&[
            ("description", ""),
            ("starting_date", "2026-04-02"),
            ("ending_date", "2026-04-01"),
            ("status_code", "NOPE"),
        ]),
    );
    res.assert_status(422);
    for wanted in [
        "Enter a description.",
        "The ending date must be on or after the starting date (2026-04-02).",
        "There is no campaign status NOPE.",
        "value=\"2026-04-02\"",
        // A date the date field can hold keeps its picker beside its error.
        "name=\"ending_date\" type=\"date\" value=\"2026-04-01\"",
    ] {
        assert!(res.contains(wanted), "missing {wanted:?}:\n{}", res.body);
    }
    let res = c.submit(
        "/campaigns/new",
        "/campaigns",
        &campaign_fields(&[
            ("starting_date", "1 April"),
            ("description", &"x".repeat(101)),
        ]),
    );
    res.assert_status(422);
    assert!(res.contains("Enter a date as YYYY-MM-DD, or leave it empty."));
    assert!(res.contains("Use at most 100 characters; this has 101."));
    // What was typed is shown as typed: a date field would show it blank.
    assert!(
        res.contains("name=\"starting_date\" type=\"text\" value=\"1 April\""),
        "{}",
        res.body
    );
    assert!(res.contains("name=\"ending_date\" type=\"date\""));
    assert_eq!(app.count("SELECT count(*) FROM campaigns"), before);
    // A description pasted over two lines, or with a control character, is one line in every
    // list: it was stored as sent, and a search for what the list showed found nothing.
    for pasted in ["Spring\nfair", "Spring\u{7}fair"] {
        let res = c.submit(
            "/campaigns/new",
            "/campaigns",
            &campaign_fields(&[("description", pasted)]),
        );
        res.assert_status(422);
        assert!(res.contains("Remove the line breaks and control characters."));
    }
    assert_eq!(app.count("SELECT count(*) FROM campaigns"), before);

    // The world has CP0001 and CP0002: the series skips them.
    c.submit("/campaigns/new", "/campaigns", &campaign_fields(&[]))
        .assert_redirect("/campaigns/CP0003");
    assert_eq!(
        row(&app, "CP0003"),
        "CP0003|Spring fair|2026-03-01|2026-03-31|JO|PLANNED|1"
    );
    assert!(c
        .get("/campaigns/CP0003")
        .contains("Campaign CP0003 Spring fair created."));
    // Dates may stay empty.
    c.submit(
        "/campaigns/new",
        "/campaigns",
        &campaign_fields(&[
            ("starting_date", ""),
            ("ending_date", ""),
            ("status_code", ""),
        ]),
    )
    .assert_redirect("/campaigns/CP0004");
    assert_eq!(row(&app, "CP0004"), "CP0004|Spring fair|||JO||1");

    // Editing: the same checks, next to the field, nothing written.
    let edit = c.get("/campaigns/CP0003/edit");
    let version = hidden_value(&edit.body, "version").unwrap();
    assert_eq!(version, "1");
    let res = c.submit(
        "/campaigns/CP0003/edit",
        "/campaigns/CP0003",
        &campaign_fields(&[
            ("description", "Spring fair, moved"),
            ("starting_date", "2026-05-10"),
            ("ending_date", "2026-05-09"),
            ("version", "1"),
        ]),
    );
    res.assert_status(422);
    assert!(res.contains("The ending date must be on or after the starting date (2026-05-10)."));
    assert!(res.contains("value=\"Spring fair, moved\""));
    assert_eq!(
        row(&app, "CP0003"),
        "CP0003|Spring fair|2026-03-01|2026-03-31|JO|PLANNED|1"
    );
    c.submit(
        "/campaigns/CP0003/edit",
        "/campaigns/CP0003",
        &campaign_fields(&[
            ("description", "Spring fair, moved"),
            ("starting_date", "2026-05-10"),
            ("ending_date", "2026-05-10"),
            ("salesperson_code", "pl"),
            ("status_code", "running"),
            ("version", "1"),
        ]),
    )
    .assert_redirect("/campaigns/CP0003");
    assert_eq!(
        row(&app, "CP0003"),
        "CP0003|Spring fair, moved|2026-05-10|2026-05-10|PL|RUNNING|2"
    );
    // The trail says what the save changed, each field from → to.
    assert_eq!(
        text(
            &app,
            "SELECT detail FROM audit_log WHERE action = 'campaign changed' AND subject = 'CP0003'"
        ),
        "description Spring fair → Spring fair, moved; starting date 2026-03-01 → 2026-05-10; \
         ending date 2026-03-31 → 2026-05-10; salesperson JO → PL; status PLANNED → RUNNING"
    );
    // A form opened before that save is refused, and shows what was typed.
    let res = c.submit(
        "/campaigns/CP0003/edit",
        "/campaigns/CP0003",
        &campaign_fields(&[("description", "Stale"), ("version", "1")]),
    );
    res.assert_status(409);
    assert!(res.contains("Someone else saved this campaign"));
    assert!(res.contains("value=\"Stale\""));
    // Which fields differ is said, so that saving again does not undo the colleague's
    // status unseen: saved meanwhile, then what the form holds.
    for (field, theirs, yours) in [
        ("Description", "Spring fair, moved", "Stale"),
        ("Starting Date", "2026-05-10", "2026-03-01"),
        ("Salesperson", "PL", "JO"),
        ("Status", "RUNNING", "PLANNED"),
    ] {
        assert!(
            res.contains(&format!(
                "<tr><td>{field}</td><td>{theirs}</td><td>{yours}</td></tr>"
            )),
            "{field}: {}",
            res.body
        );
    }
    assert_eq!(
        row(&app, "CP0003"),
        "CP0003|Spring fair, moved|2026-05-10|2026-05-10|PL|RUNNING|2"
    );
    // Saved with nothing changed (the dates as the office types them): nothing is written,
    // no new version makes a colleague's open form stale, and nothing is audited.
    c.submit(
        "/campaigns/CP0003/edit",
        "/campaigns/CP0003",
        &campaign_fields(&[
            ("description", "Spring fair, moved"),
            ("starting_date", "2026-05-10"),
            ("ending_date", "2026-05-10"),
            ("salesperson_code", "PL"),
            ("status_code", "RUNNING"),
            ("version", "2"),
        ]),
    )
    .assert_redirect("/campaigns/CP0003");
    assert!(c
        .get("/campaigns/CP0003")
        .contains("Nothing was changed on campaign CP0003."));
    assert_eq!(
        row(&app, "CP0003"),
        "CP0003|Spring fair, moved|2026-05-10|2026-05-10|PL|RUNNING|2"
    );
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(action || ' ' || subject || ' by ' || actor, ', ' ORDER BY id) \
             FROM audit_log WHERE action LIKE 'campaign %'"
        ),
        "campaign created CP0003 by stan, campaign created CP0004 by stan, campaign changed CP0003 by stan"
    );
    c.get("/campaigns/CP9999").assert_status(404);
}

#[test]
fn viewers_read_campaigns_and_only_staff_change_them() {
    let app = TestApp::start();
    world(&app);
    let mut viewer = app.signed_in("vera", "viewer");
    let list = viewer.get("/campaigns");
    list.assert_status(200);
    assert!(list.contains("CP0001") && list.contains("Spring"));
    assert!(!list.contains("New campaign"));
    let card = viewer.get("/campaigns/CP0001");
    card.assert_status(200);
    assert!(!card.contains("/campaigns/CP0001/edit"));
    viewer.get("/campaigns/new").assert_status(403);
    viewer.get("/campaigns/CP0001/edit").assert_status(403);
    viewer.get("/campaigns/CP0001/delete").assert_status(403);
    let before = row(&app, "CP0001");
    post(&mut viewer, "/campaigns", &campaign_fields(&[])).assert_status(403);
    post(
        &mut viewer,
        "/campaigns/CP0001",
        &campaign_fields(&[("version", "1")]),
    )
    .assert_status(403);
    post(&mut viewer, "/campaigns/CP0001/delete", &[]).assert_status(403);
    assert_eq!(row(&app, "CP0001"), before);
    assert_eq!(app.count("SELECT count(*) FROM campaigns"), 2);

    // Not signed in: to the sign-in page.
    let res = app.client().get("/campaigns/CP0001");
    assert_eq!(res.status, 303);
    assert!(res.location().unwrap().starts_with("/login"));

    // Staff see the actions and the nav entry.
    let mut s = staff(&app, "stan");
    let list = s.get("/campaigns");
    assert!(list.contains("href=\"/campaigns/new\""));
    assert!(list.contains("href=\"/campaigns\""));
    assert!(s
        .get("/campaigns/CP0001")
        .contains("href=\"/campaigns/CP0001/edit\""));
}

#[test]
fn the_list_searches_folded_filters_sorts_and_pages() {
    let app = TestApp::start();
    statuses(&app);
    diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo'), ('PL', 'Pat');
         INSERT INTO campaigns (no, description, starting_date, status_code, salesperson_code)
             SELECT 'CP' || lpad(i::text, 4, '0'), 'Mailing ' || i, DATE '2026-01-01' + i,
                 CASE WHEN i % 2 = 0 THEN 'RUNNING' ELSE 'PLANNED' END,
                 CASE WHEN i % 3 = 0 THEN 'PL' ELSE 'JO' END
             FROM generate_series(1, 60) i;
         INSERT INTO campaigns (no, description) VALUES
             ('CP0100', 'ØSTERSØ MESSE'), ('CP0101', 'Große Straße'), ('CP0102', '50% off_sale');",
    );
    let mut c = app.signed_in("vera", "viewer");
    // Empty of the filters: every campaign, newest number first, 50 a page.
    let first = c.get("/campaigns");
    assert!(first.contains("1–50 of 63 campaigns"), "{}", first.body);
    assert!(first.body.find("CP0102").unwrap() < first.body.find("CP0060").unwrap());
    assert!(!first.contains(">CP0001<"));
    let second = c.get("/campaigns?page=2");
    assert!(second.contains("51–63 of 63 campaigns"));
    assert!(second.contains(">CP0001<"));

    // Search folds every letter, and takes % and _ literally.
    for (q, hit, miss) in [
        ("østersø", "CP0100", "CP0101"),
        ("STRASSE", "CP0101", "CP0100"),
        ("cp010", "CP0100", "CP0050"),
        ("50%25 off_", "CP0102", "CP0050"),
    ] {
        let res = c.get(&format!("/campaigns?q={q}"));
        assert!(res.contains(&format!(">{hit}<")), "{q}: {}", res.body);
        assert!(!res.contains(&format!(">{miss}<")), "{q}");
    }
    let none = c.get("/campaigns?q=nothing+like+it");
    assert!(none.contains("No campaign matches this search."));
    assert!(none.contains("href=\"/campaigns\""));

    // Filters: status and salesperson together (even and a multiple of 3: 6, 12, … 60).
    let res = c.get("/campaigns?status=running&salesperson=PL");
    assert!(res.contains("1–10 of 10 campaigns"), "{}", res.body);
    assert!(res.contains(">CP0006<") && !res.contains(">CP0003<"));

    // Sorting by description, both ways; unknown sorts are the default.
    let asc = c.get("/campaigns?sort=description&dir=asc&q=s");
    assert!(asc.body.find("CP0102").unwrap() < asc.body.find("CP0101").unwrap());
    assert!(asc.body.find("CP0101").unwrap() < asc.body.find("CP0100").unwrap());
    let desc = c.get("/campaigns?sort=description&dir=desc&q=s");
    assert!(desc.body.find("CP0100").unwrap() < desc.body.find("CP0101").unwrap());
    c.get("/campaigns?sort=drop+table&dir=x").assert_status(200);
    // In the alphabet, upper and lower case together and an accented letter with its plain
    // one: compared byte by byte, "Émile" came after "zoo".
    diesel_exec(
        &app,
        "INSERT INTO campaigns (no, description) VALUES
             ('CP0200', 'zoo visit'), ('CP0201', 'Émile week'), ('CP0202', 'apple days'),
             ('CP0203', 'Eagle run')",
    );
    let order = c.get("/campaigns?sort=description&dir=asc&q=CP02");
    let at = |no: &str| order.body.find(&format!(">{no}<")).unwrap();
    assert!(
        at("CP0202") < at("CP0203") && at("CP0203") < at("CP0201") && at("CP0201") < at("CP0200"),
        "{}",
        order.body
    );
}

/// The card's figure `name`, as shown.
fn figure(page: &Resp, name: &str) -> String {
    let marker = format!("data-figure=\"{name}\">");
    let start = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no figure {name}:\n{}", page.body))
        + marker.len();
    let end = start + page.body[start..].find('<').unwrap();
    page.body[start..end].to_string()
}

/// Every figure of the card, in the card's order.
fn figures(c: &mut Client, no: &str) -> Vec<String> {
    let page = c.get(&format!("/campaigns/{no}"));
    page.assert_status(200);
    [
        "interactions",
        "contacts",
        "companies",
        "targets",
        "responses",
        "rate",
        "cost",
        "duration",
    ]
    .iter()
    .map(|name| figure(&page, name))
    .collect()
}

#[test]
fn the_figures_count_non_canceled_entries_and_follow_cancel_and_restore_exactly() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    // Segment A: four contacts, targeted but for ELI's line; DORA's line a response at its own
    // cost. Segment B: ANNA again and FINN, both responses.
    let a = new_segment(&mut c, "Spring letter");
    step(&mut c, &a, "add", &[("contact_no", "ANNA|DORA|ELI|SOLO")]);
    let b = new_segment(&mut c, "Spring calls");
    step(&mut c, &b, "add", &[("contact_no", "ANNA|FINN")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL', campaign_no = 'CP0001', \
               campaign_target = TRUE, unit_cost = 2.50, unit_duration_min = 3 WHERE no = '{a}';
             UPDATE segments SET interaction_template_code = 'CALL', campaign_no = 'CP0001', \
               campaign_response = TRUE, unit_cost = 1.25, unit_duration_min = 5 WHERE no = '{b}';
             UPDATE segment_lines l SET campaign_response = TRUE, unit_cost = 9.99 \
               FROM contacts c, segments s WHERE c.id = l.contact_id AND s.id = l.segment_id \
               AND s.no = '{a}' AND c.no = 'DORA';
             UPDATE segment_lines l SET campaign_target = FALSE \
               FROM contacts c, segments s WHERE c.id = l.contact_id AND s.id = l.segment_id \
               AND s.no = '{a}' AND c.no = 'ELI';
             -- Not the campaign's figures: a canceled entry of it, and another campaign's.
             INSERT INTO interaction_log_entries (contact_id, company_id, date, campaign_no,
                     campaign_target, campaign_response, cost, duration_min, canceled)
                 SELECT id, company_key, DATE '2026-02-01', v.campaign, TRUE, TRUE, 100, 100, v.canceled
                 FROM contacts, (VALUES ('CP0001', TRUE), ('CP0002', FALSE)) v(campaign, canceled)
                 WHERE no = 'GAMMA';"
        ),
    );
    let zero: Vec<String> = ["0", "0", "0", "0", "0", "—", "0.00", "0"]
        .map(String::from)
        .to_vec();
    assert_eq!(figures(&mut c, "CP0001"), zero);
    for no in [&a, &b] {
        post(&mut c, &format!("/segments/{no}/log"), &[])
            .assert_redirect(&format!("/segments/{no}"));
    }
    let only = |v: [&str; 8]| v.map(String::from).to_vec();
    // A: 4 entries, ANNA/DORA/ELI/SOLO, companies ALPHA and BETA (SOLO has none), targets
    // ANNA/DORA/SOLO, response DORA, 3 × 2.50 + 9.99, 4 × 3 minutes.
    let a_only = only(["4", "4", "2", "3", "1", "33.3 %", "17.49", "12"]);
    // B: ANNA and FINN (ALPHA, GAMMA), no target, both responses, 2 × 1.25, 2 × 5.
    let b_only = only(["2", "2", "2", "0", "2", "—", "2.50", "10"]);
    // Together ANNA counts once: 5 contacts, 3 companies, responses DORA/ANNA/FINN; of the
    // three targeted, DORA and ANNA responded (FINN was never targeted: 66.7 %, not 100 %).
    let both = only(["6", "5", "3", "3", "3", "66.7 %", "19.99", "22"]);
    assert_eq!(figures(&mut c, "CP0001"), both);

    let card = c.get("/campaigns/CP0001");
    for wanted in [
        format!("href=\"/segments/{a}\""),
        format!("href=\"/segments/{b}\""),
        "href=\"/interactions?campaign=CP0001\"".to_string(),
        "Logged".to_string(),
        // The newest interactions' flags under their own names (one column "Campaign" held
        // them, blank on most rows).
        "<th scope=\"col\">Campaign Target</th><th scope=\"col\">Campaign Response</th>"
            .to_string(),
        "<td>Yes</td>\n      <td>Yes</td>".to_string(),
    ] {
        assert!(card.contains(&wanted), "missing {wanted}");
    }
    // The card's link to the interactions its figures count lists as many as it says (the
    // canceled entry of GAMMA left out), the other link all seven.
    let counted = c.get("/interactions?campaign=CP0001&canceled=no");
    assert!(card.contains("href=\"/interactions?campaign=CP0001&amp;canceled=no\""));
    assert!(counted.contains("6 interactions"), "{}", counted.body);
    assert!(c
        .get("/interactions?campaign=CP0001")
        .contains("7 interactions"));

    // Each segment with its lines (a logged one's as its campaign entry recorded them).
    for (no, lines) in [(&a, 4), (&b, 2)] {
        let at = card.body.find(&format!("href=\"/segments/{no}\"")).unwrap();
        let row = &card.body[at..at + card.body[at..].find("</tr>").unwrap()];
        assert!(
            row.contains(&format!("<td class=\"num\">{lines}</td>")),
            "{row}"
        );
    }
    // The campaign entries, one per logged segment, newest first, with what its log wrote
    // and a link to its interactions.
    let logged = |c: &mut Client| {
        let card = c.get("/campaigns/CP0001");
        let at = card.body.find("id=\"campaign-entries-heading\"").unwrap();
        let section = &card.body[at..];
        section[..section.find("</section>").unwrap()].to_string()
    };
    let section = logged(&mut c);
    assert!(section.contains("Campaign entries (2)"), "{section}");
    let (at_a, at_b) = (
        section.find(&format!("href=\"/segments/{a}\"")).unwrap(),
        section.find(&format!("href=\"/segments/{b}\"")).unwrap(),
    );
    assert!(at_b < at_a, "newest first: {section}");
    for (at, figures) in [(at_a, ["4", "17.49", "12"]), (at_b, ["2", "2.50", "10"])] {
        let row = &section[at..at + section[at..].find("</tr>").unwrap()];
        for f in figures {
            assert!(row.contains(&format!(">{f}<")), "{f} in {row}");
        }
    }
    assert!(section.contains(&format!(
        "href=\"/interactions?segment={a}&amp;canceled=no\""
    )));
    assert!(!section.contains("Canceled"));
    // The segment and its entries link back to the campaign.
    let link = "<a href=\"/campaigns/CP0001\">CP0001</a>";
    // The segment's header names the campaign after its No. ("CP0001 – …").
    assert!(c
        .get(&format!("/segments/{a}"))
        .contains("<a href=\"/campaigns/CP0001\">CP0001 – "));
    assert!(c.get("/interactions?campaign=CP0001").contains(link));
    let entry = app.count(&format!(
        "SELECT min(id) FROM interaction_log_entries WHERE segment_no = '{a}'"
    ));
    assert!(c.get(&format!("/interactions/{entry}")).contains(link));

    // Cancel asks first, saying what it takes out of the figures; the page's button sends it.
    assert!(c.get(&format!("/segments/{a}")).contains(&format!(
        "<a class=\"button\" href=\"/segments/{a}/cancel\">Cancel segment…</a>"
    )));
    let confirm = c.get(&format!("/segments/{a}/cancel"));
    confirm.assert_status(200);
    assert!(
        confirm.contains(
            "Its 4 interactions and its campaign entry for campaign CP0001 are marked canceled"
        ),
        "{}",
        confirm.body
    );
    assert_eq!(figures(&mut c, "CP0001"), both, "asking changes nothing");
    c.submit(
        &format!("/segments/{a}/cancel"),
        &format!("/segments/{a}/cancel"),
        &[],
    )
    .assert_redirect(&format!("/segments/{a}"));
    assert_eq!(figures(&mut c, "CP0001"), b_only);
    let section = logged(&mut c);
    let at = section.find(&format!("href=\"/segments/{a}\"")).unwrap();
    let row_start = section[..at].rfind("<tr>").unwrap();
    assert!(
        section[row_start..at].contains("Canceled"),
        "the canceled one is marked: {section}"
    );
    assert_eq!(section.matches("Canceled</span>").count(), 1);
    // Canceled, its page for Cancel leads back to the segment.
    c.get(&format!("/segments/{a}/cancel"))
        .assert_redirect(&format!("/segments/{a}"));
    assert!(c.get("/campaigns/CP0001").contains("Canceled"));
    post(&mut c, &format!("/segments/{a}/restore"), &[]).assert_redirect(&format!("/segments/{a}"));
    assert_eq!(figures(&mut c, "CP0001"), both);
    post(&mut c, &format!("/segments/{b}/cancel"), &[]).assert_redirect(&format!("/segments/{b}"));
    assert_eq!(figures(&mut c, "CP0001"), a_only);
    post(&mut c, &format!("/segments/{a}/cancel"), &[]).assert_redirect(&format!("/segments/{a}"));
    assert_eq!(figures(&mut c, "CP0001"), zero);
    post(&mut c, &format!("/segments/{b}/restore"), &[]).assert_redirect(&format!("/segments/{b}"));
    post(&mut c, &format!("/segments/{a}/restore"), &[]).assert_redirect(&format!("/segments/{a}"));
    assert_eq!(figures(&mut c, "CP0001"), both);
    // The other campaign kept its one entry throughout.
    assert_eq!(
        figures(&mut c, "CP0002"),
        only(["1", "1", "1", "1", "1", "100.0 %", "100.00", "100"])
    );
}

#[test]
fn a_campaign_is_deleted_only_when_nothing_refers_to_it() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    // CP0002 is the MAIL template's campaign.
    let page = c.get("/campaigns/CP0002/delete");
    assert!(
        page.contains("Campaign CP0002 cannot be deleted: it is used by 1 interaction template.")
    );
    // What to do about each reference, and only about those there are (it advised taking
    // the campaign off segments and templates whatever held it, and never named opportunities).
    assert!(page.contains("Interaction templates: an administrator clears or changes"));
    assert!(!page.contains("Segments: clear or change"));
    assert!(!page.contains("Opportunities: change the campaign"));
    assert!(!page.contains("button-danger"));
    post(&mut c, "/campaigns/CP0002/delete", &[]).assert_redirect("/campaigns/CP0002");
    assert!(c
        .get("/campaigns/CP0002")
        .contains("Campaign CP0002 cannot be deleted"));

    // CP0001: a draft segment names it, then its logged entries, even canceled and unlinked.
    let no = new_segment(&mut c, "for CP0001");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL', campaign_no = 'CP0001' WHERE no = '{no}'"
        ),
    );
    assert!(c
        .get("/campaigns/CP0001/delete")
        .contains("it is used by 1 segment."));
    post(&mut c, &format!("/segments/{no}/log"), &[]).assert_redirect(&format!("/segments/{no}"));
    post(&mut c, &format!("/segments/{no}/cancel"), &[])
        .assert_redirect(&format!("/segments/{no}"));
    post(&mut c, &format!("/segments/{no}/delete"), &[]).assert_redirect("/segments");
    let page = c.get("/campaigns/CP0001/delete");
    assert!(
        page.contains("it is used by 1 campaign entry, 2 interaction log entries."),
        "{}",
        page.body
    );
    assert!(page.contains("a campaign that has them stays"));
    assert!(!page.contains("Interaction templates: an administrator"));
    post(&mut c, "/campaigns/CP0001/delete", &[]).assert_redirect("/campaigns/CP0001");
    assert_eq!(
        app.count("SELECT count(*) FROM campaigns WHERE no IN ('CP0001', 'CP0002')"),
        2
    );

    // A campaign nothing refers to: a confirmation page, then gone, with an audit entry.
    c.submit(
        "/campaigns/new",
        "/campaigns",
        &[("description", "Short-lived")],
    )
    .assert_redirect("/campaigns/CP0003");
    let page = c.get("/campaigns/CP0003/delete");
    assert!(page.contains("Nothing refers to this campaign"));
    post(&mut c, "/campaigns/CP0003/delete", &[]).assert_redirect("/campaigns");
    assert!(c
        .get("/campaigns")
        .contains("Campaign CP0003 Short-lived deleted."));
    assert_eq!(
        app.count("SELECT count(*) FROM campaigns WHERE no = 'CP0003'"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'campaign deleted' AND subject = 'CP0003'"),
        1
    );
}

#[test]
fn a_new_segment_from_a_campaigns_card_has_the_campaign_chosen() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let card = c.get("/campaigns/CP0001");
    assert!(card.contains("href=\"/segments/new?campaign=CP0001\""));
    let form = c.get("/segments/new?campaign=cp0001");
    form.assert_status(200);
    assert!(
        form.contains("<option value=\"CP0001\" selected>"),
        "{}",
        form.body
    );
    // It leads back to the campaign, its breadcrumb and its Cancel both.
    assert!(
        form.contains(
            "<p class=\"breadcrumb\"><a href=\"/campaigns/CP0001\">Campaign CP0001</a></p>"
        ),
        "{}",
        form.body
    );
    assert!(form.contains("<a href=\"/campaigns/CP0001\">Cancel</a>"));
    // An unknown campaign chooses nothing, and the page leads back to the segments.
    let form = c.get("/segments/new?campaign=NOPE");
    form.assert_status(200);
    assert!(!form.contains("\" selected>CP") && !form.contains("value=\"NOPE\""));
    assert!(form.contains("<p class=\"breadcrumb\"><a href=\"/segments\">Segments</a></p>"));
    assert!(form.contains("<a href=\"/segments\">Cancel</a>"));

    // A number whose series' prefix holds a "+" (allowed in numbers) reaches the form intact:
    // unescaped in the link, it was read back as a space and chose nothing.
    diesel_exec(
        &app,
        "INSERT INTO campaigns (no, description) VALUES ('C+0001', 'Plus')",
    );
    let card = c.get("/campaigns/C+0001");
    card.assert_status(200);
    assert!(
        card.contains("href=\"/segments/new?campaign=C%2B0001\""),
        "{}",
        card.body
    );
    assert!(!card.contains("?campaign=C+0001"));
    let form = c.get("/segments/new?campaign=C%2B0001");
    assert!(
        form.contains("<option value=\"C+0001\" selected>"),
        "{}",
        form.body
    );
}

/// A campaign's card names its salesperson and its status next to their codes, as a contact's
/// card does ("JO – Jo Sales"), not the bare codes.
#[test]
fn the_card_names_the_salesperson_and_the_status() {
    let app = TestApp::start();
    world(&app);
    statuses(&app);
    diesel_exec(
        &app,
        "UPDATE campaigns SET salesperson_code = 'JO', status_code = 'RUNNING' WHERE no = 'CP0001'",
    );
    let mut viewer = app.signed_in("vera", "viewer");
    let card = viewer.get("/campaigns/CP0001");
    card.assert_status(200);
    assert!(card.contains("<dd>JO – Jo Sales"), "{}", card.body);
    assert!(card.contains("<dd>RUNNING – Running"), "{}", card.body);
    // Without them: a dash, as before.
    let other = viewer.get("/campaigns/CP0002");
    assert!(other.contains("<dt>Salesperson</dt><dd><span class=\"muted\">—</span>"));
    // Renamed, at the next view (the names come from the kept lists).
    diesel_exec(
        &app,
        "UPDATE salespeople SET name = 'Jo Renamed' WHERE code = 'JO';
         UPDATE campaign_statuses SET description = 'Under way' WHERE code = 'RUNNING'",
    );
    let card = viewer.get("/campaigns/CP0001");
    assert!(card.contains("<dd>JO – Jo Renamed"), "{}", card.body);
    assert!(card.contains("<dd>RUNNING – Under way"), "{}", card.body);
}

/// The lists' table captions (read out by screen readers) name the sorted column by its
/// header ("sorted by No.", "sorted by Starting Date"), not by its URL key ("sorted by no").
#[test]
fn list_captions_name_the_sorted_column_by_its_header() {
    let app = TestApp::start();
    world(&app);
    crate::opportunities::cycle(&app, "multiply");
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code)
         SELECT 'OP000001', id, 'NEW' FROM contacts WHERE no = 'SOLO'",
    );
    let mut viewer = app.signed_in("vera", "viewer");
    let campaigns = viewer.get("/campaigns?sort=starting&dir=asc");
    campaigns.assert_status(200);
    assert!(
        campaigns.contains("Campaigns, sorted by Starting Date (ascending)"),
        "{}",
        campaigns.body
    );
    assert!(viewer
        .get("/campaigns")
        .contains("Campaigns, sorted by No. (descending)"));
    assert!(viewer
        .get("/contacts?sort=no")
        .contains("Contacts, sorted by No. (ascending)"));
    assert!(viewer
        .get("/opportunities?sort=value&dir=desc")
        .contains("Opportunities, sorted by Estimated value (descending)"));
}

/// A date typed the office's way (`30-06-2027` under da-DK, in the text field shown after an
/// error) is shown again as typed when the form comes back over another field: a date field
/// could not hold it, and the browser would send it back as no date at all.
#[test]
fn a_date_typed_the_offices_way_survives_another_fields_error() {
    let app = TestApp::start_with(|c| c.locale = rapport::config::Locale::DaDk);
    world(&app);
    statuses(&app);
    let mut c = staff(&app, "stan");
    let res = c.submit(
        "/campaigns/new",
        "/campaigns",
        &campaign_fields(&[
            ("description", ""),
            ("starting_date", "01-07-2027"),
            ("ending_date", "30-06-2027"),
        ]),
    );
    res.assert_status(422);
    // Said the office's way too.
    assert!(
        res.contains("The ending date must be on or after the starting date (01-07-2027)."),
        "{}",
        res.body
    );
    let res = c.submit(
        "/campaigns/new",
        "/campaigns",
        &campaign_fields(&[
            ("description", ""),
            ("starting_date", "2027-02-01"),
            ("ending_date", "30-06-2027"),
        ]),
    );
    res.assert_status(422);
    assert!(
        res.contains("name=\"ending_date\" type=\"text\" value=\"30-06-2027\""),
        "{}",
        res.body
    );
    assert!(res.contains("name=\"starting_date\" type=\"date\" value=\"2027-02-01\""));
    // Sent again as the page shows it, with the description, it is saved with both dates.
    c.submit(
        "/campaigns/new",
        "/campaigns",
        &campaign_fields(&[
            ("starting_date", "2027-02-01"),
            ("ending_date", "30-06-2027"),
        ]),
    )
    .assert_status(303);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM campaigns \
             WHERE starting_date = '2027-02-01' AND ending_date = '2027-06-30'"
        ),
        1
    );
    // The lists' date filters too.
    let page = c.get("/interactions?from=01-12-2026");
    page.assert_status(200);
    assert!(
        page.contains("name=\"from\" type=\"text\" value=\"01-12-2026\""),
        "{}",
        page.body
    );
    assert!(c
        .get("/opportunities?closing_from=01-12-2026")
        .contains("name=\"closing_from\" type=\"text\" value=\"01-12-2026\""));
}

/// The forms that create a contact, a segment or a campaign sent twice (a double click, Back
/// and send again) create one record and take one number: the second sending goes to the
/// first one's page and says so. They made two under two numbers, as opportunities and
/// single interactions no longer did.
#[test]
fn a_create_form_sent_twice_creates_one_contact_segment_or_campaign() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    for (new, action, fields, count, said) in [
        (
            "/contacts/new",
            "/contacts",
            vec![("type", "company"), ("name", "Twice A/S")],
            "SELECT count(*) FROM contacts WHERE name = 'Twice A/S'",
            "Contact CT000001 was created from this form already: nothing was created again.",
        ),
        (
            "/segments/new",
            "/segments",
            crate::segments::header_fields(&[("description", "Twice")]),
            "SELECT count(*) FROM segments WHERE description = 'Twice'",
            "was created from this form already: nothing was created again.",
        ),
        (
            "/campaigns/new",
            "/campaigns",
            campaign_fields(&[("description", "Twice"), ("status_code", "")]),
            "SELECT count(*) FROM campaigns WHERE description = 'Twice'",
            "was created from this form already: nothing was created again.",
        ),
    ] {
        let form = c.get(new);
        form.assert_status(200);
        let once = hidden_value(&form.body, "once").expect("the form's one-time key");
        assert_eq!(once.len(), 32, "{new}");
        let mut fields = fields;
        fields.push(("once", once.as_str()));
        let token = form.csrf_token().unwrap();
        let first = c.post_with_token(action, &token, &fields);
        assert_eq!(first.status, 303, "{new}: {}", first.body);
        let second = c.post_with_token(action, &token, &fields);
        assert_eq!(second.status, 303, "{new}: {}", second.body);
        assert_eq!(second.location(), first.location(), "{new}");
        assert_eq!(app.count(count), 1, "{new}");
        let page = c.get(&first.location().unwrap());
        assert!(page.contains(said), "{new}: {}", page.body);
        // Another form is another record.
        let other = c.get(new);
        let again = hidden_value(&other.body, "once").unwrap();
        assert_ne!(again, once);
        fields.pop();
        fields.push(("once", again.as_str()));
        let third = c.post_with_token(action, &token, &fields);
        assert_eq!(third.status, 303, "{new}: {}", third.body);
        assert_ne!(third.location(), first.location());
        assert_eq!(app.count(count), 2, "{new}");
    }
}

/// A campaign edit saved after a colleague deleted the campaign keeps what was typed: the form
/// comes back as a new campaign's, saying who deleted it. It was a bare "Page not found".
#[test]
fn an_edit_saved_after_the_campaign_was_deleted_keeps_what_was_typed() {
    let app = TestApp::start();
    world(&app);
    statuses(&app);
    let mut c = app.signed_in("stan", "staff");
    let mut other = app.signed_in("bert", "staff");
    c.submit("/campaigns/new", "/campaigns", &campaign_fields(&[]))
        .assert_redirect("/campaigns/CP0003");
    let page = c.get("/campaigns/CP0003/edit");
    other
        .submit("/campaigns/CP0003/delete", "/campaigns/CP0003/delete", &[])
        .assert_redirect("/campaigns");
    assert_eq!(
        app.count("SELECT count(*) FROM campaigns WHERE no = 'CP0003'"),
        0
    );
    let version = hidden_value(&page.body, "version").unwrap();
    let res = c.post_with_token(
        "/campaigns/CP0003",
        &page.csrf_token().unwrap(),
        &campaign_fields(&[("description", "Autumn fair, typed"), ("version", &version)]),
    );
    res.assert_status(409);
    assert!(
        res.contains("Campaign CP0003 was deleted by bert at "),
        "{}",
        res.body
    );
    assert!(res.contains("value=\"Autumn fair, typed\""));
    assert!(res.contains("action=\"/campaigns\""), "{}", res.body);
}

/// A campaign's card named every one of its segments, however many; it now names the 50
/// newest and links to the segment list filtered by the campaign, which pages them all.
#[test]
fn all_the_segments_of_a_campaign_are_one_link_from_its_card() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "sam");
    let mut of_it = Vec::new();
    for i in 0..51 {
        let res = c.submit(
            "/segments/new",
            "/segments",
            &crate::segments::header_fields(&[
                ("description", &format!("Spring mailing {i}")),
                ("campaign_no", "CP0001"),
            ]),
        );
        assert_eq!(res.status, 303, "{}", res.body);
        of_it.push(
            res.location()
                .unwrap()
                .trim_start_matches("/segments/")
                .to_string(),
        );
    }
    let other = new_segment(&mut c, "No campaign");
    let card = c.get("/campaigns/CP0001");
    assert!(card.contains("Segments (51)"), "{}", card.body);
    assert_eq!(
        card.body
            .matches("<td class=\"nowrap\"><a href=\"/segments/")
            .count(),
        50
    );
    assert!(
        card.contains("href=\"/segments?campaign=CP0001\">All segments of this campaign</a>"),
        "{}",
        card.body
    );
    let first = c.get("/segments?campaign=CP0001");
    assert!(
        first.contains("51 segments · page 1 of 2"),
        "{}",
        first.body
    );
    assert!(first.contains("The segments of <a href=\"/campaigns/CP0001\">Spring</a>."));
    let second = c.get("/segments?campaign=CP0001&page=2");
    for no in &of_it {
        let href = format!("href=\"/segments/{no}\"");
        assert!(first.contains(&href) != second.contains(&href), "{no}");
    }
    let href = format!("href=\"/segments/{other}\"");
    assert!(!first.contains(&href) && !second.contains(&href));
    // Another campaign's card, with fewer, has no such link.
    assert!(!c
        .get("/campaigns/CP0002")
        .contains("All segments of this campaign"));
    // A campaign No. naming none is said by its field and in a summary leading to it (422).
    let none = c.get("/segments?campaign=CP9");
    none.assert_status(422);
    assert!(none.contains("There is no campaign CP9."));
    assert!(
        none.contains("<li><a href=\"#campaign\">There is no campaign CP9.</a></li>"),
        "{}",
        none.body
    );
    summary_links_resolve(&none.body);
}

/// A save or a Delete sent twice (a double click, Back and send again) says what the first
/// sending did. A second save said a colleague had saved meanwhile, over an empty table of
/// differences, and a second Delete ended on "Page not found".
#[test]
fn an_edit_or_a_delete_sent_twice_says_what_the_first_did() {
    let app = TestApp::start();
    world(&app);
    statuses(&app);
    let mut c = app.signed_in("stan", "staff");
    c.submit("/campaigns/new", "/campaigns", &campaign_fields(&[]))
        .assert_redirect("/campaigns/CP0003");
    let twice = |c: &mut Client, page: &str, action: &str, fields: &[(&str, &str)]| {
        let token = c.get(page).csrf_token().unwrap();
        let first = c.post_with_token(action, &token, fields);
        let second = c.post_with_token(action, &token, fields);
        (first, second)
    };

    // A campaign's edit.
    let edit = c.get("/campaigns/CP0003/edit");
    let version = hidden_value(&edit.body, "version").unwrap();
    let fields = campaign_fields(&[("description", "Spring fair, moved"), ("version", &version)]);
    let (first, second) = twice(
        &mut c,
        "/campaigns/CP0003/edit",
        "/campaigns/CP0003",
        &fields,
    );
    first.assert_redirect("/campaigns/CP0003");
    second.assert_redirect("/campaigns/CP0003");
    let card = c.get("/campaigns/CP0003");
    assert!(card.contains("Campaign CP0003 saved."), "{}", card.body);
    assert_eq!(
        row(&app, "CP0003"),
        "CP0003|Spring fair, moved|2026-03-01|2026-03-31|JO|PLANNED|2"
    );
    // Sent again once that message was shown: it says the campaign is as the form says.
    let again = c.post_with_token("/campaigns/CP0003", &card.csrf_token().unwrap(), &fields);
    again.assert_redirect("/campaigns/CP0003");
    assert!(c.get("/campaigns/CP0003").contains(
        "Campaign CP0003 was saved meanwhile, already as your form says: nothing more to save."
    ));
    // A stale form that says something else is still a conflict.
    let stale = campaign_fields(&[("description", "Other"), ("version", &version)]);
    let token = c.get("/campaigns/CP0003/edit").csrf_token().unwrap();
    c.post_with_token("/campaigns/CP0003", &token, &stale)
        .assert_status(409);

    // A contact's edit.
    let no = crate::contacts::create(
        &mut c,
        &[("type", "company".into()), ("name", "Twice Co".into())],
    );
    let card = format!("/contacts/{no}");
    let edit = c.get(&format!("{card}/edit"));
    let version = hidden_value(&edit.body, "version").unwrap();
    let was = hidden_value(&edit.body, "was").unwrap();
    let fields = [
        ("type", "company"),
        ("name", "Twice Co Ltd"),
        ("search_name", "TWICE CO"),
        ("version", version.as_str()),
        ("was", was.as_str()),
    ];
    let (first, second) = twice(&mut c, &format!("{card}/edit"), &card, &fields);
    first.assert_redirect(&card);
    second.assert_redirect(&card);
    let page = c.get(&card);
    assert!(
        page.contains(&format!("Contact {no} saved.")),
        "{}",
        page.body
    );
    assert_eq!(
        app.count(&format!(
            "SELECT version FROM contacts WHERE no = '{no}' AND name = 'Twice Co Ltd' \
             AND search_name = 'TWICE CO LTD'"
        )),
        2
    );

    // Deletes: the first one's message on the list; sent again later, who deleted it.
    let segment = crate::segments::new_segment(&mut c, "Twice");
    for (delete, list, said, gone) in [
        (
            "/campaigns/CP0003/delete".to_string(),
            "/campaigns",
            "Campaign CP0003 Spring fair, moved deleted.".to_string(),
            "Campaign CP0003 was deleted by stan at ".to_string(),
        ),
        (
            format!("{card}/delete"),
            "/contacts",
            format!("Contact {no} Twice Co Ltd deleted"),
            format!("Contact {no} was deleted by stan at "),
        ),
        (
            format!("/segments/{segment}/delete"),
            "/segments",
            format!("Segment {segment} Twice deleted"),
            format!("Segment {segment} was deleted by stan at "),
        ),
    ] {
        let page = c.get(&delete);
        page.assert_status(200);
        let token = page.csrf_token().unwrap();
        let fields = [("persons", "0"), ("who", "")];
        let first = c.post_with_token(&delete, &token, &fields);
        let second = c.post_with_token(&delete, &token, &fields);
        first.assert_redirect(list);
        second.assert_redirect(list);
        let shown = c.get(list);
        assert!(shown.contains(&said), "{delete}: {}", shown.body);
        c.post_with_token(&delete, &token, &fields)
            .assert_redirect(list);
        let shown = c.get(list);
        assert!(shown.contains(&gone), "{delete}: {}", shown.body);
        assert!(shown.contains(": nothing more was done."), "{delete}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE '% deleted'"),
        3
    );
    // A No. that never was is not found.
    let token = c.get("/campaigns").csrf_token().unwrap();
    c.post_with_token("/campaigns/CP9999/delete", &token, &[])
        .assert_status(404);
}

/// An attempt that failed (no answer, the letter came back) reaches no one: the card's
/// contacts and companies reached leave it out, while its interaction, cost and minutes count.
/// A call campaign of failed attempts counted every contact reached.
#[test]
fn a_failed_attempt_reaches_no_one_on_the_campaigns_card() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let before = figures(&mut c, "CP0001");
    let log = |c: &mut Client, contact: &str, failed: bool| {
        let form = c.get(&format!(
            "/contacts/{contact}/interactions/new?template=CALL"
        ));
        let once = hidden_value(&form.body, "once").unwrap();
        let mut fields = vec![
            ("template", "CALL"),
            ("date", "2026-05-04"),
            ("salesperson", "JO"),
            ("campaign", "CP0001"),
            ("once", once.as_str()),
        ];
        if failed {
            fields.push(("attempt_failed", "yes"));
        }
        let res = c.post_with_token(
            &format!("/contacts/{contact}/interactions"),
            &form.csrf_token().unwrap(),
            &fields,
        );
        assert_eq!(res.status, 303, "{}", res.body);
    };
    let number = |v: &str| v.replace(',', "").parse::<i64>().unwrap();
    log(&mut c, "SOLO", true);
    let failed = figures(&mut c, "CP0001");
    assert_eq!(number(&failed[0]), number(&before[0]) + 1, "interactions");
    assert_eq!(failed[1], before[1], "contacts reached");
    assert_eq!(failed[2], before[2], "companies reached");
    log(&mut c, "SOLO", false);
    let reached = figures(&mut c, "CP0001");
    assert_eq!(number(&reached[0]), number(&before[0]) + 2);
    assert_eq!(number(&reached[1]), number(&before[1]) + 1);

    // A failed attempt is no response: the form refuses both ticked, and one written so
    // before (or by another way in) is not counted as a response.
    let form = c.get("/contacts/SOLO/interactions/new?template=CALL");
    let res = c.post_with_token(
        "/contacts/SOLO/interactions",
        &form.csrf_token().unwrap(),
        &[
            ("template", "CALL"),
            ("date", "2026-05-04"),
            ("salesperson", "JO"),
            ("campaign", "CP0001"),
            ("campaign_response", "yes"),
            ("attempt_failed", "yes"),
            ("once", &hidden_value(&form.body, "once").unwrap()),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains(
            "An attempt that failed is no response: untick Campaign Response or Attempt Failed."
        ),
        "{}",
        res.body
    );
    assert_eq!(
        number(&figures(&mut c, "CP0001")[0]),
        number(&before[0]) + 2
    );
    diesel_exec(
        &app,
        "INSERT INTO interaction_log_entries (contact_id, company_id, date, template_code, \
           group_code, description, cost, duration_min, information_flow, initiated_by, \
           salesperson_code, correspondence_type, campaign_no, campaign_target, \
           campaign_response, attempt_failed, user_id) \
         SELECT e.contact_id, e.company_id, e.date, e.template_code, e.group_code, \
           e.description, e.cost, e.duration_min, e.information_flow, e.initiated_by, \
           e.salesperson_code, e.correspondence_type, e.campaign_no, TRUE, TRUE, TRUE, e.user_id \
         FROM interaction_log_entries e WHERE e.campaign_no = 'CP0001' AND e.attempt_failed \
         LIMIT 1; UPDATE campaigns SET entries_version = entries_version + 1 WHERE no = 'CP0001'",
    );
    let after = figures(&mut c, "CP0001");
    assert_eq!(number(&after[0]), number(&before[0]) + 3);
    assert_eq!(after[4], before[4], "responses");
}

/// A campaign of more campaign entries than the card shows at once (a weekly mailing for a
/// year): Older entries pages through every one of them, in order, and Newest entries comes
/// back. The card showed the newest 50 and no way to the others.
#[test]
fn the_cards_campaign_entries_page_through_every_one() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO campaign_entries (campaign_no, segment_no, date, description, entries, cost, \
           duration_min, user_name, canceled) \
         SELECT 'CP0001', 'SM' || lpad(n::text, 5, '0'), DATE '2026-01-01' + n / 2, \
           'Weekly ' || n, 1, 0, 0, 'stan', FALSE FROM generate_series(1, 123) n",
    );
    let mut c = staff(&app, "stan");
    let mut seen = Vec::new();
    let mut page = c.get("/campaigns/CP0001");
    assert!(page.contains("Campaign entries (123)"), "{}", page.body);
    assert!(!page.contains("Newest entries"));
    let weekly = |body: &str| -> Vec<u32> {
        body.split("<td>Weekly ")
            .skip(1)
            .map(|s| s.split('<').next().unwrap().parse().unwrap())
            .collect()
    };
    for _ in 0..10 {
        seen.extend(weekly(&page.body));
        let Some(next) = page
            .body
            .split("href=\"")
            .find(|s| s.contains("entries_before="))
            .map(|s| s.split('"').next().unwrap().replace("&amp;", "&"))
        else {
            break;
        };
        page = c.get(&next);
        page.assert_status(200);
        assert!(page.contains("Newest entries"), "{}", page.body);
    }
    // Every entry once, newest first (by date, then by number).
    let expected: Vec<u32> = (1..=123).rev().collect();
    assert_eq!(seen, expected);
    // An address past the oldest (kept from before, or typed) says so, not that the campaign
    // was never logged.
    let past = c.get("/campaigns/CP0001?entries_before=1");
    past.assert_status(200);
    assert!(!past.contains("has been logged yet"), "{}", past.body);
    assert!(
        past.contains("No campaign entries are older"),
        "{}",
        past.body
    );
}

/// A campaign's edit form opened before an administrator renamed its salesperson: saved with
/// only its description changed, it keeps the salesperson under the new code (it was refused,
/// "There is no salesperson JO", on a field the user never touched).
#[test]
fn a_campaign_form_opened_before_its_salesperson_was_renamed_saves() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    diesel_exec(
        &app,
        "UPDATE campaigns SET salesperson_code = 'JO' WHERE no = 'CP0001'",
    );
    let edit = c.get("/campaigns/CP0001/edit");
    let version = hidden_value(&edit.body, "version").unwrap();
    let mut admin = app.signed_in("boss", "admin");
    admin
        .submit(
            "/setup/salespeople/JO",
            "/setup/salespeople/JO",
            &[("code", "JOE"), ("name", "Jo Sales")],
        )
        .assert_redirect("/setup/salespeople");
    c.post_with_token(
        "/campaigns/CP0001",
        &edit.csrf_token().unwrap(),
        &campaign_fields(&[
            ("description", "Spring, renamed"),
            ("starting_date", ""),
            ("ending_date", ""),
            ("salesperson_code", "JO"),
            ("status_code", ""),
            ("version", &version),
        ]),
    )
    .assert_redirect("/campaigns/CP0001");
    assert_eq!(
        text(
            &app,
            "SELECT description || '|' || salesperson_code FROM campaigns WHERE no = 'CP0001'"
        ),
        "Spring, renamed|JOE"
    );
}

/// A campaign that only saved criteria and a draft segment's steps name (in a Campaign filter
/// of interactions or of opportunities) is in use: its deletion is refused, saying so and what
/// to do (it was "nothing refers to this campaign", and those steps then refused to run).
#[test]
fn a_campaign_named_only_by_steps_cannot_be_deleted() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO campaigns (no, description) VALUES ('CP0077', 'Named only')",
    );
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "By campaign");
    step(&mut c, &no, "add", &[("opportunity_campaign", "cp0077")]);
    post(
        &mut c,
        &format!("/segments/{no}/save-criteria"),
        &[("code", "CAMP"), ("description", "By campaign")],
    )
    .assert_redirect(&format!("/segments/{no}"));
    let page = c.get("/campaigns/CP0077/delete");
    assert!(
        page.contains(
            "Campaign CP0077 cannot be deleted: it is used by 1 saved criteria (in its \
             filters), 1 draft segment (in its steps&#39; filters)."
        ),
        "{}",
        page.body
    );
    assert!(page.contains("Criteria steps that name it in a Campaign filter"));
    post(&mut c, "/campaigns/CP0077/delete", &[]).assert_redirect("/campaigns/CP0077");
    assert_eq!(
        app.count("SELECT count(*) FROM campaigns WHERE no = 'CP0077'"),
        1
    );
}

/// A form naming a salesperson whom an administrator deletes at the same moment (between the
/// form's checks and its write): the form comes back with what was typed and the reason by the
/// field (it was a bare "changed at the same time" page) — a new segment, a new campaign.
#[test]
fn a_form_naming_a_code_deleted_at_the_same_moment_comes_back_with_the_reason() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    let c = staff(&app, "stan");
    let mut c = Some(c);
    type Send = fn(&mut Client) -> Resp;
    let forms: [(&str, Send); 2] = [
        ("a new segment", |c| {
            c.submit(
                "/segments/new",
                "/segments",
                &crate::segments::header_fields(&[
                    ("description", "Raced"),
                    ("salesperson_code", "GONE"),
                ]),
            )
        }),
        ("a new campaign", |c| {
            c.submit(
                "/campaigns/new",
                "/campaigns",
                &campaign_fields(&[
                    ("description", "Raced"),
                    ("salesperson_code", "GONE"),
                    ("status_code", ""),
                ]),
            )
        }),
    ];
    for (what, send) in forms {
        diesel_exec(
            &app,
            "INSERT INTO salespeople (code, name) VALUES ('GONE', 'Soon gone')",
        );
        // The administrator's deletion holds the salesperson, about to remove it.
        let mut admin = app.conn();
        admin
            .batch_execute("BEGIN; SELECT code FROM salespeople WHERE code = 'GONE' FOR UPDATE")
            .unwrap();
        let mut client = c.take().unwrap();
        let sending = std::thread::spawn(move || {
            let res = send(&mut client);
            (client, res)
        });
        assert!(
            one_waits_for_a_lock(&app, || sending.is_finished()),
            "{what} waits for the deletion"
        );
        admin
            .batch_execute("DELETE FROM salespeople WHERE code = 'GONE'; COMMIT")
            .unwrap();
        let (client, res) = sending.join().unwrap();
        c = Some(client);
        assert_eq!(res.status, 422, "{what}: {}", res.body);
        assert!(
            res.contains("There is no salesperson GONE"),
            "{what}: {}",
            res.body
        );
        assert!(
            res.contains("value=\"Raced\""),
            "{what} keeps what was typed"
        );
    }
    assert_eq!(
        app.count(
            "SELECT (SELECT count(*) FROM segments WHERE description = 'Raced') \
             + (SELECT count(*) FROM campaigns WHERE description = 'Raced')"
        ),
        0
    );
}
