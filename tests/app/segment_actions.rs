//! Segment actions beyond the wizard: saved criteria, reuse, export, line overrides,
//! Apply Mailing Group.

use crate::auth::diesel_exec;
use crate::support::*;

/// Ten companies (odd ones RETAIL, even ones in SE), each with one person; one segment.
fn world(app: &TestApp) {
    diesel_exec(
        app,
        "INSERT INTO industry_groups (code) VALUES ('RETAIL');
         INSERT INTO mailing_groups (code) VALUES ('XMAS');
         INSERT INTO salespeople (code) VALUES ('JO'), ('PL');
         INSERT INTO contacts (no, type, name, country_code, email, correspondence_type)
           SELECT 'CO' || lpad(g::text, 2, '0'), 'company', 'Company ' || g, CASE WHEN g % 2 = 0 THEN 'SE' ELSE 'DK' END,
                  'c' || g || '@x.dk', 'email' FROM generate_series(1, 10) g;
         INSERT INTO contacts (no, type, name, company_id) SELECT 'PE' || substr(no, 3), 'person', 'Person ' || name, id FROM contacts;
         INSERT INTO contact_industry_groups SELECT id, 'RETAIL' FROM contacts WHERE type = 'company' AND substr(no, 3)::int % 2 = 1;",
    );
}

fn members(app: &TestApp, no: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}' AND l.removed_by_step IS NULL"
    ))
}

fn new_segment(c: &mut Client, description: &str) -> String {
    let res = c.submit(
        "/segments/new",
        "/segments",
        &crate::segments::header_fields(&[
            ("description", description),
            ("date", "2026-11-24"),
            ("salesperson_code", ""),
            ("unit_cost", "1.50"),
            ("unit_duration_min", "5"),
        ]),
    );
    assert_eq!(res.status, 303, "{}", res.body);
    res.location()
        .unwrap()
        .trim_start_matches("/segments/")
        .to_string()
}

#[test]
fn saved_criteria_replay_every_step_with_its_options() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(
        &page,
        &format!("{page}/add"),
        &[
            ("industry_group", "RETAIL"),
            ("type", "company"),
            ("expand_companies", "on"),
        ],
    );
    assert_eq!(members(&app, &one), 10);
    c.submit(
        &page,
        &format!("{page}/refine"),
        &[("contact_no", "CO01|PE03"), ("entire_companies", "on")],
    );
    assert_eq!(
        members(&app, &one),
        4,
        "entire companies keeps the whole company of a matching contact"
    );
    c.submit(
        &page,
        &format!("{page}/save-criteria"),
        &[("code", "retail-co"), ("description", "Retail companies")],
    );
    assert!(c
        .get(&page)
        .contains("Criteria saved as RETAIL-CO (2 steps)."));
    // The same form sent again (a double click, or Back and send): saved once, said so. It
    // was the 422 below, and a second code for the same criteria followed.
    c.submit(
        &page,
        &format!("{page}/save-criteria"),
        &[("code", "retail-co"), ("description", "Retail companies")],
    )
    .assert_redirect(&page);
    assert!(c.get(&page).contains(
        "Saved criteria RETAIL-CO hold these steps already, saved by you: this form was sent again"
    ),);
    assert_eq!(app.count("SELECT count(*) FROM saved_criteria"), 1);
    // The code is unique: the form again (422), with the reason next to the field and what
    // was typed.
    let again = c.submit(
        &page,
        &format!("{page}/save-criteria"),
        &[("code", "retail-co"), ("description", "Second try")],
    );
    again.assert_status(422);
    assert!(again.contains(
        "<p class=\"field-error\" id=\"save-code-error\"><span class=\"visually-hidden\">Error:</span> The code RETAIL-CO is already used. Choose another.</p>"
    ), "{}", again.body);
    assert!(again.contains("value=\"retail-co\"") && again.contains("value=\"Second try\""));
    assert!(again.contains("aria-invalid=\"true\" aria-describedby=\"save-code-error\""));
    assert_eq!(app.count("SELECT count(*) FROM saved_criteria"), 1);
    // A description over two lines, or too long, is refused next to its field: it was stored
    // as sent, or cut at 100 characters without a word.
    for description in ["Retail\ncompanies".to_string(), "x".repeat(101)] {
        let refused = c.submit(
            &page,
            &format!("{page}/save-criteria"),
            &[("code", "other"), ("description", &description)],
        );
        refused.assert_status(422);
        assert!(
            refused.contains("id=\"save-description-error\""),
            "{}",
            refused.body
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM saved_criteria"), 1);
    // Reuse needs a code that exists.
    let empty = c.submit(&page, &format!("{page}/reuse-criteria"), &[("code", " ")]);
    empty.assert_status(422);
    assert!(empty.contains("Choose the saved criteria to reuse, or enter their code"));
    let unknown = c.submit(
        &page,
        &format!("{page}/reuse-criteria"),
        &[("code", "nope")],
    );
    unknown.assert_status(422);
    assert!(
        unknown.contains("There are no saved criteria NOPE.") && unknown.contains("value=\"nope\"")
    );

    let list = c.get("/saved-criteria");
    assert!(
        list.contains("Add Contacts: type Company, industry group RETAIL (expand companies)"),
        "{}",
        list.body
    );
    assert!(
        list.contains("Refine Contacts: no. CO01 or PE03 (entire companies)"),
        "{}",
        list.body
    );

    let two = new_segment(&mut c, "Two");
    let page2 = format!("/segments/{two}");
    c.submit(
        &page2,
        &format!("{page2}/reuse-criteria"),
        &[("code", "retail-co")],
    );
    assert_eq!(members(&app, &two), 4);
    let steps = app.count(&format!("SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id WHERE s.no = '{two}'"));
    assert_eq!(steps, 2, "each saved step is its own step");
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id WHERE s.no = '{two}' AND t.kind = 'refine' AND (t.criteria->'options'->>'entire_companies')::boolean")),
        1,
        "Refine keeps Entire Companies"
    );
    // Each reused step can be undone on its own.
    c.submit(&page2, &format!("{page2}/go-back"), &[]);
    assert_eq!(app.count(&format!("SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id WHERE s.no = '{two}'")), 1);

    // Chosen on the Reuse page, saved again differently by a colleague before the click:
    // nothing reused, and the steps they replay now are said (the others were replayed).
    let picker = c.get(&format!("{page2}/reuse"));
    let chosen = picker
        .body
        .split("name=\"code\" type=\"radio\" value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("a saved criteria to choose")
        .to_string();
    assert!(chosen.starts_with("RETAIL-CO "), "{chosen}");
    diesel_exec(
        &app,
        "DELETE FROM saved_criteria_steps WHERE code = 'RETAIL-CO' AND kind = 'refine'",
    );
    let steps_of_two = || {
        app.count(&format!("SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id WHERE s.no = '{two}'"))
    };
    let refused = c.post_with_token(
        &format!("{page2}/reuse-criteria"),
        &picker.csrf_token().unwrap(),
        &[
            ("code", &chosen),
            ("last", &hidden_value(&picker.body, "last").unwrap()),
            ("last_at", &hidden_value(&picker.body, "last_at").unwrap()),
        ],
    );
    assert!(
        refused.contains("Nothing was reused: saved criteria RETAIL-CO were saved again after the page was shown"),
        "{}",
        refused.body
    );
    assert_eq!(steps_of_two(), 1);

    // A code with a space: the list again (422), the reason next to that criteria's field.
    let refused = c.submit(
        "/saved-criteria",
        "/saved-criteria/RETAIL-CO",
        &[("new_code", "RETAIL CO"), ("description", "Typed")],
    );
    refused.assert_status(422);
    assert!(refused.contains(
        "<p class=\"field-error\" id=\"code-RETAIL-CO-error\"><span class=\"visually-hidden\">Error:</span> A code has no spaces.</p>"
    ), "{}", refused.body);
    assert!(refused.contains("value=\"RETAIL CO\"") && refused.contains("value=\"Typed\""));
    assert_eq!(
        app.count("SELECT count(*) FROM saved_criteria WHERE code = 'RETAIL-CO' AND description = 'Retail companies'"),
        1,
        "nothing changed"
    );
    c.submit(
        "/saved-criteria",
        "/saved-criteria/RETAIL-CO",
        &[("new_code", "RETAIL"), ("description", "Renamed")],
    )
    .assert_redirect("/saved-criteria");
    assert!(c.get("/saved-criteria").contains("Renamed"));
    // The rename sent again (Back and send): said on the list; it was a 404.
    c.submit(
        "/saved-criteria",
        "/saved-criteria/RETAIL-CO",
        &[("new_code", "RETAIL"), ("description", "Renamed")],
    )
    .assert_redirect("/saved-criteria");
    assert!(c
        .get("/saved-criteria")
        .contains("Saved criteria RETAIL-CO is now RETAIL already: this form was sent again."));
    // Deleting criteria everyone shares asks first, showing what goes.
    let list = c.get("/saved-criteria");
    assert!(list.contains("href=\"/saved-criteria/RETAIL/delete\">Delete RETAIL…</a>"));
    assert!(!list.contains("action=\"/saved-criteria/RETAIL/delete\""));
    let confirm = c.get("/saved-criteria/RETAIL/delete");
    confirm.assert_status(200);
    assert!(confirm.contains("Delete saved criteria RETAIL?") && confirm.contains("Renamed"));
    assert!(confirm.contains("action=\"/saved-criteria/RETAIL/delete\""));
    assert_eq!(app.count("SELECT count(*) FROM saved_criteria"), 1);
    c.submit(
        "/saved-criteria/RETAIL/delete",
        "/saved-criteria/RETAIL/delete",
        &[],
    )
    .assert_redirect("/saved-criteria");
    assert_eq!(app.count("SELECT count(*) FROM saved_criteria"), 0);
    c.get("/saved-criteria/RETAIL/delete").assert_status(404);
    // The delete sent again: said on the list, with who; it was a 404.
    let token = c.get("/saved-criteria").csrf_token().unwrap();
    c.post_with_token("/saved-criteria/RETAIL/delete", &token, &[])
        .assert_redirect("/saved-criteria");
    assert!(c
        .get("/saved-criteria")
        .contains("Saved criteria RETAIL was deleted by stan at "));
    assert_eq!(app.count("SELECT count(*) FROM saved_criteria_steps"), 0);

    // A code with characters a link reads otherwise ("#" ends a path, "?" starts a query):
    // its buttons act on it, not on the criteria its code begins with.
    for code in ["Q1", "Q1#A/B?%+&"] {
        c.submit(
            &page,
            &format!("{page}/save-criteria"),
            &[("code", code), ("description", code)],
        )
        .assert_redirect(&page);
    }
    let list = c.get("/saved-criteria");
    let odd = "/saved-criteria/Q1%23A%2FB%3F%25%2B%26";
    assert!(
        list.contains(&format!("href=\"{odd}/delete\"")),
        "{}",
        list.body
    );
    let confirm = c.get(&format!("{odd}/delete"));
    assert!(
        confirm.contains(&format!("action=\"{odd}/delete\"")),
        "{}",
        confirm.body
    );
    c.submit(
        "/saved-criteria",
        odd,
        &[("new_code", ""), ("description", "Odd")],
    )
    .assert_redirect("/saved-criteria");
    c.submit("/saved-criteria", &format!("{odd}/new-segment"), &[])
        .assert_status(303);
    c.submit(&format!("{odd}/delete"), &format!("{odd}/delete"), &[])
        .assert_redirect("/saved-criteria");
    assert_eq!(
        app.count("SELECT count(*) FROM saved_criteria WHERE code = 'Q1' AND description = 'Q1'"),
        1,
        "the criteria whose code the odd one begins with is untouched"
    );
    assert_eq!(app.count("SELECT count(*) FROM saved_criteria"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'criteria deleted' AND subject = 'Q1#A/B?%+&'"),
        1
    );
}

/// The confirmation page of a segment that drafts reuse (a Reuse Segment step) names them:
/// deleted, it leaves their Refresh unable to replay that step. It said nothing of them.
#[test]
fn deleting_a_reused_segment_names_the_drafts_that_reuse_it() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(&page, &format!("{page}/add"), &[("country", "DK")]);
    let confirm = format!("{page}/delete");
    assert!(!c.get(&confirm).contains("Reused by"));
    let two = new_segment(&mut c, "Two");
    let page2 = format!("/segments/{two}");
    c.submit(
        &page2,
        &format!("{page2}/reuse-segment"),
        &[("segment_no", &one)],
    );
    assert_eq!(members(&app, &two), 5);
    let shown = c.get(&confirm);
    shown.assert_status(200);
    assert!(
        shown.contains(&format!(
            "Reused by segment <a href=\"/segments/{two}\">{two}</a> (a Reuse Segment step, or \
             a Segment filter of interactions): once this segment is deleted, its Refresh \
             cannot replay that step"
        )),
        "{}",
        shown.body
    );
}

/// Reuse Segment and the deletion of the segment it reuses, at once: the step holds that
/// segment until it is done, so the deletion waits and sees the step (its page names the
/// draft); a deletion first leaves the step refused. The step was kept over a deleted
/// segment, which Refresh could no longer replay.
#[test]
fn reuse_segment_and_the_deletion_of_its_segment_wait_for_each_other() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(&page, &format!("{page}/add"), &[("country", "DK")]);
    let two = new_segment(&mut c, "Two");
    let page2 = format!("/segments/{two}");
    let form = c.get(&page2);
    // A colleague's deletion of One has its row and is about to remove it.
    let mut colleague = app.conn();
    colleague
        .batch_execute(&format!(
            "BEGIN; SELECT id FROM segments WHERE no = '{one}' FOR UPDATE"
        ))
        .unwrap();
    let action = format!("{page2}/reuse-segment");
    let (token, reused) = (form.csrf_token().unwrap(), one.clone());
    let reusing = std::thread::spawn(move || {
        let res = c.post_with_token(&action, &token, &[("segment_no", &reused)]);
        (c, res)
    });
    assert!(one_waits_for_a_lock(&app, || reusing.is_finished()));
    colleague
        .batch_execute(&format!(
            "DELETE FROM segment_lines WHERE segment_id = (SELECT id FROM segments WHERE no = '{one}');
             DELETE FROM segment_steps WHERE segment_id = (SELECT id FROM segments WHERE no = '{one}');
             DELETE FROM segments WHERE no = '{one}'; COMMIT"
        ))
        .unwrap();
    let (mut c, res) = reusing.join().unwrap();
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.contains(&format!("There is no segment {one}.")),
        "{}",
        res.body
    );
    assert_eq!(members(&app, &two), 0);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id \
             WHERE s.no = '{two}'"
        )),
        0,
        "no step over a deleted segment"
    );
    c.get(&page2).assert_status(200);

    // A step running on the reused segment does not hold up the reuse (two segments reusing
    // each other at once waited for each other, and one was refused as busy).
    let three = new_segment(&mut c, "Three");
    let page3 = format!("/segments/{three}");
    c.submit(&page3, &format!("{page3}/add"), &[("country", "SE")]);
    let mut stepping = app.conn();
    stepping
        .batch_execute(&format!(
            "BEGIN; SELECT id FROM segments WHERE no = '{three}' FOR NO KEY UPDATE"
        ))
        .unwrap();
    let form = c.get(&page2);
    let action = format!("{page2}/reuse-segment");
    let (token, reused) = (form.csrf_token().unwrap(), three.clone());
    let reusing =
        std::thread::spawn(move || c.post_with_token(&action, &token, &[("segment_no", &reused)]));
    assert!(
        eventually(std::time::Duration::from_millis(20), || reusing
            .is_finished()),
        "the reuse waited for the step on the segment it reads"
    );
    stepping.batch_execute("COMMIT").unwrap();
    reusing.join().unwrap().assert_redirect(&page2);
    assert_eq!(members(&app, &two), 5);
}

#[test]
fn reuse_segment_follows_the_add_rules() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(&page, &format!("{page}/add"), &[("country", "DK")]);
    assert_eq!(members(&app, &one), 5, "persons have no country");
    diesel_exec(
        &app,
        "UPDATE contacts SET exclude_from_segment = true WHERE no = 'CO01'",
    );
    let two = new_segment(&mut c, "Two");
    let page2 = format!("/segments/{two}");
    c.submit(
        &page2,
        &format!("{page2}/reuse-segment"),
        &[("segment_no", &one)],
    );
    assert_eq!(members(&app, &two), 4, "the excluded contact is skipped");
    assert!(c
        .get(&page2)
        .contains(&format!("Added 4 contacts from segment {one}")));
    // Again: nothing to add, and the step kept for Refresh (Save Criteria leaves it out).
    c.submit(
        &page2,
        &format!("{page2}/reuse-segment"),
        &[("segment_no", &one)],
    );
    let said = c.get(&page2);
    assert!(
        said.contains("The step is kept, so Refresh takes that segment&#39;s contacts again."),
        "{}",
        said.body
    );
    assert!(!said.contains("Save Criteria replay its filters"));
    c.submit(&page2, &format!("{page2}/go-back"), &[]);
    let steps_before = app.count("SELECT count(*) FROM segment_steps");
    let res = c.submit(
        &page2,
        &format!("{page2}/reuse-segment"),
        &[
            ("segment_no", "SM99999"),
            ("allow_existing", "on"),
            ("expand_companies", "on"),
            ("allow_related_companies", "on"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("There is no segment SM99999."));
    // Shown again as sent, every option with it (a refusal lost the companies' two).
    for option in [
        "allow_existing",
        "expand_companies",
        "allow_related_companies",
    ] {
        assert!(
            res.contains(&format!("name=\"{option}\" type=\"checkbox\" checked")),
            "{option}"
        );
    }
    assert!(res.contains("value=\"SM99999\""));
    assert!(!res.contains("name=\"ignore_exclusion\" type=\"checkbox\" checked"));
    let res = c.submit(
        &page2,
        &format!("{page2}/reuse-segment"),
        &[("segment_no", &two)],
    );
    res.assert_status(422);
    assert!(res.contains("A segment cannot reuse itself."));
    assert_eq!(
        app.count("SELECT count(*) FROM segment_steps"),
        steps_before
    );
}

#[test]
fn the_lines_export_as_csv_for_a_mail_merge() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET name = '=SUM(A1)' WHERE no = 'CO01'",
    );
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(&page, &format!("{page}/add"), &[("contact_no", "CO0*")]);
    let res = c.get(&format!("{page}/export.csv"));
    res.assert_status(200);
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let lines: Vec<&str> = res.body.lines().collect();
    assert_eq!(lines.len(), 10, "header and 9 companies:\n{}", res.body);
    assert!(lines[0]
        .starts_with("\u{feff}contact_no,contact_name,first_name,surname,job_title,company_name,"));
    assert!(res.body.contains("'=SUM(A1)"), "formulas neutralised");
    assert!(res.body.contains("c2@x.dk"));
    c.get("/segments/SM99999/export.csv").assert_status(404);

    // A contact privacy blocked since it was added: marked on the page, not exported in
    // either format (the export is the mail merge's list).
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = TRUE WHERE no = 'CO02'",
    );
    assert!(c
        .get(&page)
        .contains("privacy blocked: not exported, not logged"));
    let res = c.get(&format!("{page}/export.csv"));
    assert_eq!(res.body.lines().count(), 9, "{}", res.body);
    assert!(!res.body.contains("c2@x.dk"));
    assert_eq!(
        crate::excel::workbook(&mut c, &format!("{page}/export.xlsx")).len(),
        9,
        "header and the 8 companies not blocked"
    );
}

#[test]
fn a_line_keeps_its_own_values_and_follows_the_header_otherwise() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(
        &page,
        &format!("{page}/add"),
        &[("contact_no", "CO01|CO02")],
    );
    let line: i64 = app.count("SELECT min(l.id) FROM segment_lines l JOIN contacts c ON c.id = l.contact_id WHERE c.no = 'CO01'");
    let line_page = format!("{page}/lines/{line}");
    let bad = c.submit(
        &line_page,
        &line_page,
        &[
            ("unit_cost", "-3"),
            ("salesperson_code", "ZZ"),
            ("interaction_template_code", "GONE"),
            ("evaluation", "great"),
        ],
    );
    bad.assert_status(422);
    assert!(bad.contains("There is no salesperson ZZ."));
    // Each reason is next to its field, and a code chosen from a list that no longer has it
    // (deleted since the form was shown) stays chosen, marked, instead of "(as on the header)".
    for (field, message) in [
        (
            "interaction_template_code",
            "There is no interaction template GONE.",
        ),
        ("evaluation", "Choose an evaluation."),
    ] {
        assert!(
            bad.contains(&format!(
                "<p class=\"field-error\" id=\"{field}-error\"><span class=\"visually-hidden\">Error:</span> {message}</p>"
            )),
            "{field}: {}",
            bad.body
        );
        assert!(bad.contains(&format!(
            "id=\"{field}\" name=\"{field}\" aria-invalid=\"true\""
        )));
    }
    assert!(bad.contains("<option value=\"GONE\" selected>GONE (not found)</option>"));
    c.submit(
        &line_page,
        &line_page,
        &[
            ("unit_cost", "9.99"),
            ("salesperson_code", "pl"),
            ("evaluation", "positive"),
        ],
    )
    .assert_redirect(&format!("{page}#lines"));
    assert_eq!(app.count(&format!("SELECT count(*) FROM segment_lines WHERE id = {line} AND unit_cost = 9.99 AND salesperson_code = 'PL' AND unit_duration_min IS NULL")), 1);
    // The figures use the line's cost and the header's for the other line.
    assert!(c.get(&page).contains("11.49"));
    // A header change reaches the line that was not overridden, not the one that was.
    let show = c.get(&page);
    let version = hidden_value(&show.body, "version").unwrap();
    c.post_with_token(
        &page,
        &show.csrf_token().unwrap(),
        &[
            ("description", "One"),
            ("date", "2026-11-24"),
            ("unit_cost", "2.00"),
            ("unit_duration_min", "5"),
            ("information_flow", "outbound"),
            ("initiated_by", "us"),
            ("salesperson_code", "JO"),
            ("version", &version),
        ],
    )
    .assert_redirect(&page);
    assert!(c.get(&page).contains("11.99"), "9.99 + 2.00");
}

/// The contacts that have mailing group XMAS, by No.
fn xmas_holders(app: &TestApp) -> String {
    crate::segments::text(
        app,
        "SELECT string_agg(c.no, ',' ORDER BY c.no) FROM contact_mailing_groups m \
         JOIN contacts c ON c.id = m.contact_id WHERE m.code = 'XMAS'",
    )
}

/// A line whose contact was privacy blocked after it was added is neither exported nor logged:
/// Apply Mailing Group gives it no group either, and the preview says so.
#[test]
fn apply_mailing_group_gives_no_group_to_a_privacy_blocked_contact() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let no = new_segment(&mut c, "Blocked");
    let page = format!("/segments/{no}");
    let mailing = format!("{page}/apply-mailing-group");
    c.submit(
        &page,
        &format!("{page}/add"),
        &[("contact_no", "CO01|CO03|CO05")],
    );
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = true WHERE no = 'CO03'",
    );
    let preview = c.get(&format!("{mailing}?code=XMAS&show=1"));
    preview.assert_status(200);
    assert!(
        preview.contains("2 contacts of the segment get XMAS"),
        "{}",
        preview.body
    );
    assert!(preview
        .contains("1 contact of the segment without it is privacy blocked and does not get it"));
    assert!(!preview.contains("/contacts/CO03\""));
    // The button says what it does.
    assert!(preview.contains("Apply Mailing Group: give XMAS to 2 contacts</button>"));
    let token = preview.csrf_token().unwrap();
    let who = hidden_value(&preview.body, "who").unwrap();
    c.post_with_token(
        &mailing,
        &token,
        &[("code", "XMAS"), ("gain", "2"), ("who", &who)],
    )
    .assert_redirect(&format!("{mailing}#applications-heading"));
    assert_eq!(xmas_holders(&app), "CO01,CO05");
    // Shown again, nobody gains it: said without claiming that every contact has it (the
    // blocked one has not).
    let again = c.get(&format!("{mailing}?code=XMAS&show=1"));
    assert!(
        again.contains(
            "Nobody: no contact of the segment lacks it, but those privacy blocked (below)."
        ) && !again.contains("every contact of the segment has it"),
        "{}",
        again.body
    );
    // Another segment applies XMAS to CO01, which has it: undoing the first application
    // leaves CO01 its group, which the other counts on — unless CO01 is privacy blocked since,
    // which no application would give the group now.
    let first = app.count("SELECT max(id) FROM mailing_group_applications");
    let two = new_segment(&mut c, "Two");
    let two_page = format!("/segments/{two}");
    c.submit(
        &two_page,
        &format!("{two_page}/add"),
        &[("contact_no", "CO01")],
    );
    c.submit(
        &format!("{two_page}/apply-mailing-group?code=XMAS"),
        &format!("{two_page}/apply-mailing-group"),
        &[("code", "XMAS")],
    );
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = true WHERE no = 'CO01'",
    );
    c.submit(&mailing, &format!("{mailing}/{first}/undo"), &[])
        .assert_redirect(&mailing);
    assert_eq!(xmas_holders(&app), "");
}

#[test]
fn apply_mailing_group_shows_who_gains_and_loses_first_and_can_be_undone_exactly() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(&app, "INSERT INTO contact_mailing_groups SELECT id, 'XMAS' FROM contacts WHERE no IN ('CO02', 'CO04', 'PE04')");
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    let mailing = format!("{page}/apply-mailing-group");
    c.submit(
        &page,
        &format!("{page}/add"),
        &[("contact_no", "CO01|CO02|CO03")],
    );
    // The first view chooses; "Show what it does" without a group says to choose one.
    let first = c.get(&mailing);
    first.assert_status(200);
    assert!(!first.contains("Specify a Mailing Group Code."));
    let none = c.get(&format!("{mailing}?code=&show=1"));
    none.assert_status(422);
    assert!(
        none.contains("<p class=\"field-error\" id=\"code-error\"><span class=\"visually-hidden\">Error:</span> Specify a Mailing Group Code.</p>"),
        "{}",
        none.body
    );
    let preview = c.get(&format!("{mailing}?code=xmas&remove_others=on&show=1"));
    preview.assert_status(200);
    assert!(
        preview.contains("2 contacts of the segment get XMAS"),
        "{}",
        preview.body
    );
    assert!(preview.contains("2 contacts outside the segment lose it"));
    for who in [
        "/contacts/CO01",
        "/contacts/CO03",
        "/contacts/CO04",
        "/contacts/PE04",
    ] {
        assert!(preview.contains(who), "{who} is named");
    }
    assert!(
        !preview.contains("/contacts/CO02\""),
        "CO02 has it and stays"
    );
    assert_eq!(
        xmas_holders(&app),
        "CO02,CO04,PE04",
        "the preview changes nothing"
    );
    // One contact is said as one.
    let single = new_segment(&mut c, "Single");
    c.submit(
        &format!("/segments/{single}"),
        &format!("/segments/{single}/add"),
        &[("contact_no", "CO01")],
    );
    let preview = c.get(&format!(
        "/segments/{single}/apply-mailing-group?code=xmas&remove_others=on"
    ));
    assert!(
        preview.contains("1 contact of the segment gets XMAS")
            && preview.contains("3 contacts outside the segment lose it"),
        "{}",
        preview.body
    );

    c.submit(
        &format!("{mailing}?code=XMAS&remove_others=on"),
        &mailing,
        &[("code", "XMAS"), ("remove_others", "on")],
    )
    .assert_redirect(&format!("{mailing}#applications-heading"));
    assert_eq!(xmas_holders(&app), "CO01,CO02,CO03");
    let after = c.get(&mailing);
    assert!(after.contains("XMAS given to 2 contacts, taken from 2 outside the segment"));

    // Meanwhile someone gives XMAS to CO05 by hand: Undo leaves that alone.
    diesel_exec(
        &app,
        "INSERT INTO contact_mailing_groups SELECT id, 'XMAS' FROM contacts WHERE no = 'CO05'",
    );
    let id = app.count("SELECT max(id) FROM mailing_group_applications");
    c.submit(&mailing, &format!("{mailing}/{id}/undo"), &[])
        .assert_redirect(&mailing);
    assert_eq!(xmas_holders(&app), "CO02,CO04,CO05,PE04");
    assert!(c.get(&mailing).contains("undone by stan"));
    // Undoing twice changes nothing more.
    c.submit(&mailing, &format!("{mailing}/{id}/undo"), &[])
        .assert_redirect(&mailing);
    assert_eq!(xmas_holders(&app), "CO02,CO04,CO05,PE04");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'undo mailing group'"),
        1
    );
    c.get(&format!("{mailing}?code=NOPE")).assert_status(422);

    // Apply does what the preview showed, or nothing: a line removed since, and the counts
    // the form carries no longer hold.
    let preview = c.get(&format!("{mailing}?code=XMAS&remove_others=on"));
    assert_eq!(hidden_value(&preview.body, "gain").as_deref(), Some("2"));
    assert_eq!(hidden_value(&preview.body, "lose").as_deref(), Some("3"));
    let co03 = app.count(&format!(
        "SELECT l.id FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
         JOIN contacts c ON c.id = l.contact_id WHERE s.no = '{one}' AND c.no = 'CO03'"
    ));
    c.submit(&page, &format!("{page}/lines/{co03}/remove"), &[]);
    c.get(&page); // as the browser follows the removal's redirect, showing its message
    let refused = c.post_with_token(
        &mailing,
        &preview.csrf_token().unwrap(),
        &[
            ("code", "XMAS"),
            ("remove_others", "on"),
            ("gain", "2"),
            ("lose", "3"),
        ],
    );
    refused.assert_redirect(&format!("{mailing}?code=XMAS&remove_others=on"));
    let again = c.get(&format!("{mailing}?code=XMAS&remove_others=on"));
    assert!(
        again.contains("Nothing was applied: the segment or its contacts changed since the preview, which now finds 1 contact to gain XMAS and 3 to lose it."),
        "{}",
        again.body
    );
    assert_eq!(xmas_holders(&app), "CO02,CO04,CO05,PE04");
    assert_eq!(
        app.count("SELECT count(*) FROM mailing_group_applications"),
        1
    );
    c.post_with_token(
        &mailing,
        &again.csrf_token().unwrap(),
        &[("code", "XMAS"), ("gain", "1")],
    )
    .assert_redirect(&format!("{mailing}#applications-heading"));
    assert_eq!(xmas_holders(&app), "CO01,CO02,CO04,CO05,PE04");
    let first = app.count("SELECT max(id) FROM mailing_group_applications");

    // Another segment applies XMAS to CO01, which has it already: undoing the first
    // application leaves CO01 its group, which the other segment counts on.
    let two = new_segment(&mut c, "Two");
    let two_page = format!("/segments/{two}");
    c.submit(
        &two_page,
        &format!("{two_page}/add"),
        &[("contact_no", "CO01|CO04")],
    );
    c.submit(
        &format!("{two_page}/apply-mailing-group?code=XMAS"),
        &format!("{two_page}/apply-mailing-group"),
        &[("code", "XMAS")],
    );
    assert_eq!(
        app.count("SELECT count(*) FROM mailing_group_applications"),
        3
    );
    c.submit(&mailing, &format!("{mailing}/{first}/undo"), &[])
        .assert_redirect(&mailing);
    assert_eq!(xmas_holders(&app), "CO01,CO02,CO04,CO05,PE04");
    assert!(
        c.get(&mailing).contains(
            "Undone: XMAS taken back from 0 contacts, given back to 0. 1 contact keeps it: a \
             later application of XMAS counts on it, and its Undo takes it back."
        ),
        "said why CO01 keeps it"
    );
    // Undone too, the other application takes back what it counted on: CO01 is as before
    // both. It kept the group, which neither application then gave it.
    let second = app.count("SELECT max(id) FROM mailing_group_applications");
    let two_mailing = format!("{two_page}/apply-mailing-group");
    let listed = c.get(&two_mailing);
    assert!(
        listed.contains(
            "XMAS given to 0 contacts; 1 more keeps it from an earlier application, undone \
             since, as this one counts on it: its Undo takes XMAS from it too"
        ),
        "what it did stays as it was, and what it holds is said: {}",
        listed.body
    );
    c.submit(&two_mailing, &format!("{two_mailing}/{second}/undo"), &[])
        .assert_redirect(&two_mailing);
    assert_eq!(xmas_holders(&app), "CO02,CO04,CO05,PE04");
    assert!(
        c.get(&two_mailing).contains(
            "XMAS given to 0 contacts; it held 1 more that an earlier application, undone \
             before it, had given XMAS: its Undo took XMAS from it too, but not from those a \
             later application counts on"
        ),
        "the undone application still says what it held"
    );
}

/// Two applications of one group undone in the order they were made, the first first: each
/// contact ends as it was before both. CO01 had XMAS and CO03 did not; the first application
/// (segment One: CO03) gave it to CO03 and took it from CO01, the second (segment Two: CO01)
/// gave it back to CO01 and took it from CO03. Undone first-then-second, CO01 used to end
/// without the group and CO03 with it.
#[test]
fn mailing_group_applications_undone_out_of_order_leave_each_contact_as_before_both() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO contact_mailing_groups SELECT id, 'XMAS' FROM contacts WHERE no = 'CO01'",
    );
    let mut c = app.signed_in("stan", "staff");
    let apply = |c: &mut Client, contact: &str| {
        let no = new_segment(c, contact);
        let page = format!("/segments/{no}");
        c.submit(&page, &format!("{page}/add"), &[("contact_no", contact)]);
        let mailing = format!("{page}/apply-mailing-group");
        c.submit(
            &format!("{mailing}?code=XMAS&remove_others=on"),
            &mailing,
            &[("code", "XMAS"), ("remove_others", "on")],
        )
        .assert_redirect(&format!("{mailing}#applications-heading"));
        (
            mailing,
            app.count("SELECT max(id) FROM mailing_group_applications"),
        )
    };
    let (one, first) = apply(&mut c, "CO03");
    assert_eq!(xmas_holders(&app), "CO03");
    let (two, second) = apply(&mut c, "CO01");
    assert_eq!(xmas_holders(&app), "CO01");
    c.submit(&one, &format!("{one}/{first}/undo"), &[])
        .assert_redirect(&one);
    // Segment Two's application stands: CO01 has the group, CO03 not.
    assert_eq!(xmas_holders(&app), "CO01");
    c.submit(&two, &format!("{two}/{second}/undo"), &[])
        .assert_redirect(&two);
    assert_eq!(xmas_holders(&app), "CO01", "as before both");

    // CO01 had XMAS before all: the first took it (undone since), the second gave it back; a
    // third finds CO01 with it. Undoing the second keeps it (the first's taking is undone),
    // and hands nothing to the third: undoing the third too left CO01 without the group.
    let (one, first) = apply(&mut c, "CO03");
    let (two, second) = apply(&mut c, "CO01");
    c.submit(&one, &format!("{one}/{first}/undo"), &[])
        .assert_redirect(&one);
    let (three, third) = apply(&mut c, "CO01");
    c.submit(&two, &format!("{two}/{second}/undo"), &[])
        .assert_redirect(&two);
    assert_eq!(xmas_holders(&app), "CO01");
    c.submit(&three, &format!("{three}/{third}/undo"), &[])
        .assert_redirect(&three);
    assert_eq!(xmas_holders(&app), "CO01", "as before all three");
}

/// Two applications of one group from two segments at once, each taking it from the contacts
/// outside its segment: the second waits for the first, and sees what it did. CO01 had XMAS
/// and is on segment Two only; One's application took it from CO01 while Two's, finding CO01
/// with it (not yet taken), gave it nothing: CO01 ended without the group though Two's
/// application said all of its contacts had it.
#[test]
fn two_applications_of_one_group_at_once_run_one_after_the_other() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO contact_mailing_groups SELECT id, 'XMAS' FROM contacts WHERE no = 'CO01'",
    );
    let mut c = app.signed_in("stan", "staff");
    let two = new_segment(&mut c, "Two");
    let page = format!("/segments/{two}");
    c.submit(&page, &format!("{page}/add"), &[("contact_no", "CO01")]);
    let mailing = format!("{page}/apply-mailing-group");
    let form = c.get(&format!("{mailing}?code=XMAS&remove_others=on"));
    // One's application, as far as taking XMAS from CO01, not yet committed ...
    let mut one = app.conn();
    one.batch_execute(
        "BEGIN; SELECT 1 FROM mailing_groups WHERE code = 'XMAS' FOR NO KEY UPDATE; \
         DELETE FROM contact_mailing_groups m USING contacts c \
         WHERE c.id = m.contact_id AND c.no = 'CO01' AND m.code = 'XMAS'",
    )
    .unwrap();
    // ... when Two's is applied.
    let token = form.csrf_token().unwrap();
    let applying = std::thread::spawn(move || {
        c.post_with_token(
            &mailing,
            &token,
            &[("code", "XMAS"), ("remove_others", "on")],
        )
        .status
    });
    assert!(one_waits_for_a_lock(&app, || applying.is_finished()));
    one.batch_execute("COMMIT").unwrap();
    assert_eq!(applying.join().unwrap(), 303);
    assert_eq!(xmas_holders(&app), "CO01", "Two's contact has the group");
    assert_eq!(
        app.count("SELECT gained FROM mailing_group_applications"),
        1,
        "and Two's application gave it"
    );
}

#[test]
fn why_explains_members_removed_lines_and_outsiders() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET exclude_from_segment = true WHERE no = 'CO03'",
    );
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(
        &page,
        &format!("{page}/add"),
        &[("industry_group", "RETAIL"), ("type", "company")],
    );
    c.submit(&page, &format!("{page}/reduce"), &[("contact_no", "CO05")]);
    let why = |c: &mut Client, contact: &str| c.get(&format!("{page}/why?contact={contact}")).body;
    assert!(why(&mut c, "CO01").contains("It is on the segment: added by step 1"));
    assert!(why(&mut c, "CO05").contains("removed by step 2"));
    assert!(why(&mut c, "CO03").contains("flagged Exclude from Segment"));
    assert!(why(&mut c, "CO02").contains("does not match the filters of step 1"));
    assert!(
        why(&mut c, "NOPE").contains("No contact&#39;s No., name, e-mail or city contains “NOPE”.")
    );
    // From the contact card's form.
    c.get(&format!(
        "/segments/why?segment={}&contact=CO01",
        one.to_lowercase()
    ))
    .assert_redirect(&format!("{page}/why?contact=CO01"));
    // Left empty, or naming no segment: back on the card, said by the field, what was typed
    // kept (it was a 404, then a message at the top of a page scrolled down to the form).
    for (segment, said) in [
        (
            "",
            "Enter the segment&#39;s No., e.g. SM00001, to see why the contact is on it or not.",
        ),
        ("sm99999", "There is no segment SM99999."),
    ] {
        let back = c.get(&format!("/segments/why?segment={segment}&contact=CO01"));
        back.assert_redirect(&format!(
            "/contacts/CO01?why={}#why-form",
            segment.to_uppercase()
        ));
        let card = c.get(&back.location().unwrap());
        card.assert_status(422);
        assert!(
            card.contains(&format!(
                "<p class=\"field-error\" id=\"why-segment-error\" role=\"alert\"><span \
                 class=\"visually-hidden\">Error:</span> {said}</p>"
            )),
            "{said}: {}",
            card.body
        );
        assert!(card.contains(&format!(
            "value=\"{}\" aria-invalid=\"true\" aria-describedby=\"why-segment-error\"",
            segment.to_uppercase()
        )));
        assert!(
            !c.get("/contacts/CO01").contains(said),
            "said once, not kept"
        );
    }

    // A person kept out although only its company matched: it came through Expand
    // Companies, and was skipped as excluded (it said "does not match the filters").
    diesel_exec(
        &app,
        "UPDATE contacts SET exclude_from_segment = true WHERE no = 'PE01'",
    );
    let two = new_segment(&mut c, "Two");
    let two_page = format!("/segments/{two}");
    c.submit(
        &two_page,
        &format!("{two_page}/add"),
        &[
            ("industry_group", "RETAIL"),
            ("type", "company"),
            ("expand_companies", "on"),
        ],
    );
    let why_two = c.get(&format!("{two_page}/why?contact=PE01")).body;
    assert!(
        why_two.contains("Its company matches the filters of step 1")
            && why_two.contains("flagged Exclude from Segment"),
        "{why_two}"
    );
    assert!(!why_two.contains("does not match"), "{why_two}");
    // A segment of Reuse Segment only: it names the segment the contact is not on.
    let three = new_segment(&mut c, "Three");
    let three_page = format!("/segments/{three}");
    c.submit(
        &three_page,
        &format!("{three_page}/reuse-segment"),
        &[("segment_no", &one)],
    );
    let why_three = c.get(&format!("{three_page}/why?contact=CO02")).body;
    assert!(
        why_three.contains(&format!(
            "It is not on segment {one}, whose contacts step 1"
        )),
        "{why_three}"
    );
    // Reuse Segment with Expand Companies: a person kept out though its company is on the
    // segment reused. It said the person was not on that segment, which was beside the point.
    let four = new_segment(&mut c, "Four");
    let four_page = format!("/segments/{four}");
    c.submit(
        &four_page,
        &format!("{four_page}/reuse-segment"),
        &[("segment_no", &one), ("expand_companies", "on")],
    );
    let why_four = c.get(&format!("{four_page}/why?contact=PE01")).body;
    assert!(
        why_four.contains(&format!(
            "Its company is on segment {one}, whose contacts step 1"
        )) && why_four.contains("flagged Exclude from Segment"),
        "{why_four}"
    );
    assert!(!why_four.contains("It is not on segment"), "{why_four}");
}

#[test]
fn a_line_can_be_added_by_name() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET name = 'Twin' WHERE no IN ('PE08', 'PE09')",
    );
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(
        &page,
        &format!("{page}/lines"),
        &[("contact_no", "company 7")],
    );
    assert_eq!(members(&app, &one), 1);
    let res = c.submit(&page, &format!("{page}/lines"), &[("contact_no", "twin")]);
    res.assert_status(422);
    // Each named with its company (and city), to tell which No. to add.
    assert!(
        res.contains(
            "Several contacts are called twin: PE08 (Company 8); PE09 (Company 9). Add one by its No."
        ),
        "{}",
        res.body
    );
    assert!(res.contains("value=\"twin\""));
    assert_eq!(members(&app, &one), 1);
}

/// A contact on two lines (added again by a step that allowed contacts already there) that
/// no longer matches leaves once: the preview counts and lists contacts, and says the lines
/// when they are more. It said "2 would leave" and listed the contact twice, and the ledger
/// "2 left".
#[test]
fn refresh_counts_a_contact_on_two_lines_leaving_once() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    for _ in 0..2 {
        c.submit(
            &page,
            &format!("{page}/add"),
            &[("contact_no", "CO05"), ("allow_existing", "on")],
        );
    }
    assert_eq!(members(&app, &one), 2);
    diesel_exec(
        &app,
        "UPDATE contacts SET exclude_from_segment = TRUE WHERE no = 'CO05'",
    );
    let preview = c.get(&format!("{page}/refresh"));
    assert!(
        preview.contains("0 would join, 1 would leave (2 lines)"),
        "{}",
        preview.body
    );
    assert_eq!(
        preview.body.matches("<li>CO05 ").count(),
        1,
        "{}",
        preview.body
    );
    c.submit(&format!("{page}/refresh"), &format!("{page}/refresh"), &[])
        .assert_redirect(&page);
    let shown = c.get(&page);
    assert!(
        shown.contains("Refreshed: 0 contacts joined, 2 lines removed.")
            && shown.contains(
                "Refreshed against today&#39;s data: 0 contacts joined, 2 lines removed."
            ),
        "{}",
        shown.body
    );
    assert_eq!(members(&app, &one), 0);
}

#[test]
fn refresh_replays_the_ledger_against_todays_data() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(
        &page,
        &format!("{page}/add"),
        &[("industry_group", "RETAIL"), ("type", "company")],
    );
    c.submit(&page, &format!("{page}/reduce"), &[("contact_no", "CO01")]);
    c.submit(&page, &format!("{page}/lines"), &[("contact_no", "PE02")]);
    assert_eq!(members(&app, &one), 5, "CO03, CO05, CO07, CO09 and PE02");
    // Today: CO02 became RETAIL, CO05 is no longer.
    diesel_exec(
        &app,
        "INSERT INTO contact_industry_groups SELECT id, 'RETAIL' FROM contacts WHERE no = 'CO02';
         DELETE FROM contact_industry_groups WHERE contact_id = (SELECT id FROM contacts WHERE no = 'CO05');",
    );
    let before = members(&app, &one);
    let preview = c.get(&format!("{page}/refresh"));
    preview.assert_status(200);
    assert!(
        preview.contains("1 would join, 1 would leave"),
        "{}",
        preview.body
    );
    assert!(preview.contains("CO02") && preview.contains("CO05"));
    assert_eq!(members(&app, &one), before, "the preview changes nothing");
    c.submit(&format!("{page}/refresh"), &format!("{page}/refresh"), &[])
        .assert_redirect(&page);
    assert!(c
        .get(&page)
        .contains("Refreshed: 1 contact joined, 1 line removed."));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id \
             WHERE s.no = '{one}' AND l.removed_by_step IS NULL AND c.no IN ('CO02', 'CO03', 'CO07', 'CO09', 'PE02')"
        )),
        5
    );
    assert_eq!(members(&app, &one), 5);
    // One undoable step.
    c.submit(&page, &format!("{page}/go-back"), &[]);
    assert_eq!(members(&app, &one), 5);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id \
             WHERE s.no = '{one}' AND l.removed_by_step IS NULL AND c.no = 'CO05'"
        )),
        1
    );
}

/// A Refresh preview of more joiners than it names says that it names the first of them
/// (the heading said 30 would join, and 25 were listed as if they were all).
#[test]
fn a_refresh_preview_says_it_lists_the_first_joiners() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(
        &page,
        &format!("{page}/add"),
        &[("industry_group", "RETAIL"), ("type", "company")],
    );
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, search_name) \
           SELECT 'NEW' || g, 'company', 'New shop ' || g, 'NEW SHOP ' || g FROM generate_series(1, 30) g;
         INSERT INTO contact_industry_groups SELECT id, 'RETAIL' FROM contacts WHERE no LIKE 'NEW%';",
    );
    let preview = c.get(&format!("{page}/refresh"));
    assert!(
        preview.contains("30 would join, 0 would leave")
            && preview.contains("<h3>Joining (the first 25 of 30)</h3>")
            && preview.contains("<h3>Leaving</h3>"),
        "{}",
        preview.body
    );
}

/// What a Refresh preview's Apply form sends besides its token: the last step it saw and the
/// numbers joining and leaving it showed.
fn what_the_preview_sent(preview: &Resp) -> Vec<(&'static str, String)> {
    ["last", "last_at", "joining", "leaving", "who"]
        .into_iter()
        .map(|k| (k, hidden_value(&preview.body, k).unwrap()))
        .collect()
}

/// Apply Refresh applies what its preview showed, as the wizard's Apply does: when contacts
/// changed after the preview (other numbers would join or leave now), or a colleague recorded a
/// step, nothing is written and the preview as it is now is shown with the reason. Before, the
/// form sent nothing of the preview and the refresh wrote whatever it found.
#[test]
fn apply_refresh_writes_nothing_but_what_its_preview_showed() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(
        &page,
        &format!("{page}/add"),
        &[("industry_group", "RETAIL"), ("type", "company")],
    );
    assert_eq!(members(&app, &one), 5);
    diesel_exec(
        &app,
        "INSERT INTO contact_industry_groups SELECT id, 'RETAIL' FROM contacts WHERE no = 'CO02';",
    );
    let preview = c.get(&format!("{page}/refresh"));
    assert!(
        preview.contains("1 would join, 0 would leave"),
        "{}",
        preview.body
    );
    let token = preview.csrf_token().unwrap();
    let sent = what_the_preview_sent(&preview);
    let fields: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Meanwhile CO04 became RETAIL too: two would join now.
    diesel_exec(
        &app,
        "INSERT INTO contact_industry_groups SELECT id, 'RETAIL' FROM contacts WHERE no = 'CO04';",
    );
    let steps = |app: &TestApp| {
        app.count(&format!(
            "SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id WHERE s.no = '{one}'"
        ))
    };
    c.post_with_token(&format!("{page}/refresh"), &token, &fields)
        .assert_redirect(&format!("{page}/refresh"));
    assert_eq!(members(&app, &one), 5, "nothing written");
    assert_eq!(steps(&app), 1);
    let shown = c.get(&format!("{page}/refresh"));
    assert!(
        shown.contains(
            "Nothing was applied: who would join and leave changed after the preview was shown"
        ),
        "{}",
        shown.body
    );
    assert!(shown.contains("Now 2 contacts would join and 0 lines would be removed"));
    assert!(shown.contains("2 would join, 0 would leave"));
    // A colleague's step since this preview: nothing written either.
    let token = shown.csrf_token().unwrap();
    let sent = what_the_preview_sent(&shown);
    let fields: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut other = app.signed_in("sue", "staff");
    other.submit(&page, &format!("{page}/add"), &[("contact_no", "PE06")]);
    assert_eq!(members(&app, &one), 6);
    c.post_with_token(&format!("{page}/refresh"), &token, &fields)
        .assert_redirect(&format!("{page}/refresh"));
    assert_eq!(members(&app, &one), 6);
    assert!(c.get(&format!("{page}/refresh")).contains(
        "Nothing was applied: the segment&#39;s steps changed after this preview was shown"
    ));
    // The preview as it is now, applied: what it showed.
    let now = c.get(&format!("{page}/refresh"));
    let token = now.csrf_token().unwrap();
    let sent = what_the_preview_sent(&now);
    let fields: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_with_token(&format!("{page}/refresh"), &token, &fields)
        .assert_redirect(&page);
    assert_eq!(members(&app, &one), 8, "CO02 and CO04 joined");
    // The same form sent again (a double click): applied once, its message kept. It led back
    // to the preview under "Nothing was applied".
    c.post_with_token(&format!("{page}/refresh"), &token, &fields)
        .assert_redirect(&page);
    assert_eq!(members(&app, &one), 8);
    let shown = c.get(&page);
    assert!(!shown.contains("Nothing was applied"), "{}", shown.body);
}

#[test]
fn refresh_gives_the_members_that_the_same_criteria_give_a_new_segment() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    // Steps the replay folds (no expansion, no Entire Companies) between steps it runs alone.
    let ledger: &[(&str, &[(&str, &str)])] = &[
        ("add", &[("industry_group", "RETAIL"), ("type", "company")]),
        ("add", &[("country", "SE"), ("expand_companies", "on")]),
        ("reduce", &[("contact_no", "CO03|CO04")]),
        ("refine", &[("contact_no", "CO0*|PE*")]),
        ("add", &[("company_no", "CO05")]),
        ("refine", &[("country", "SE"), ("entire_companies", "on")]),
        ("add", &[("name", "Company 1*"), ("ignore_exclusion", "on")]),
    ];
    for (step, fields) in ledger {
        c.submit(&page, &format!("{page}/{step}"), fields)
            .assert_redirect(&page);
    }
    let built = crate::segments::members(&app, &one);
    assert_eq!(
        built,
        ["CO01", "CO02", "CO06", "CO08", "CO10", "PE02", "PE04", "PE06", "PE08", "PE10"],
        "{built:?}"
    );
    let preview = c.get(&format!("{page}/refresh"));
    assert!(
        preview.contains("0 would join, 0 would leave"),
        "unchanged data, unchanged members: {}",
        preview.body
    );
    c.submit(
        &page,
        &format!("{page}/save-criteria"),
        &[("code", "MIXED"), ("description", "Mixed")],
    )
    .assert_redirect(&page);
    // Today: CO07 became a Swede, CO06 left Sweden, CO01 was renamed, PE05 moved to CO09.
    diesel_exec(
        &app,
        "UPDATE contacts SET country_code = 'SE' WHERE no = 'CO07';
         UPDATE contacts SET country_code = 'DK' WHERE no = 'CO06';
         UPDATE contacts SET name = 'Firm 1' WHERE no = 'CO01';
         UPDATE contacts SET company_id = (SELECT id FROM contacts WHERE no = 'CO09') WHERE no = 'PE05';",
    );
    c.submit(&format!("{page}/refresh"), &format!("{page}/refresh"), &[])
        .assert_redirect(&page);
    let two = new_segment(&mut c, "Two");
    let page2 = format!("/segments/{two}");
    c.submit(
        &page2,
        &format!("{page2}/reuse-criteria"),
        &[("code", "MIXED")],
    )
    .assert_redirect(&page2);
    let rebuilt = crate::segments::members(&app, &two);
    assert_eq!(
        rebuilt,
        ["CO02", "CO07", "CO08", "CO10", "PE02", "PE04", "PE07", "PE08", "PE10"],
        "today's data gives other members"
    );
    assert_eq!(crate::segments::members(&app, &one), rebuilt);
}

/// The same numbers joining of other contacts (a colleague took one contact out of the
/// filters and another came in): Apply Refresh writes nothing and shows who joins now. It
/// compared the numbers only, and wrote the other contact unseen.
#[test]
fn apply_refresh_refuses_the_same_numbers_of_other_contacts() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(
        &page,
        &format!("{page}/add"),
        &[("industry_group", "RETAIL"), ("type", "company")],
    );
    diesel_exec(
        &app,
        "INSERT INTO contact_industry_groups SELECT id, 'RETAIL' FROM contacts WHERE no = 'CO02';",
    );
    let preview = c.get(&format!("{page}/refresh"));
    assert!(
        preview.contains("1 would join, 0 would leave"),
        "{}",
        preview.body
    );
    assert!(
        preview.contains("<li>CO02 Company 2</li>"),
        "{}",
        preview.body
    );
    let token = preview.csrf_token().unwrap();
    let sent = what_the_preview_sent(&preview);
    let fields: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
    diesel_exec(
        &app,
        "DELETE FROM contact_industry_groups WHERE contact_id = (SELECT id FROM contacts WHERE no = 'CO02');
         INSERT INTO contact_industry_groups SELECT id, 'RETAIL' FROM contacts WHERE no = 'CO04';",
    );
    c.post_with_token(&format!("{page}/refresh"), &token, &fields)
        .assert_redirect(&format!("{page}/refresh"));
    assert_eq!(members(&app, &one), 5, "nothing written");
    let shown = c.get(&format!("{page}/refresh"));
    assert!(
        shown.contains(
            "Nothing was applied: who would join and leave changed after the preview was shown"
        ),
        "{}",
        shown.body
    );
    assert!(shown.contains("<li>CO04 Company 4</li>"), "{}", shown.body);
}

/// Apply Mailing Group with the same numbers of other contacts than its preview showed (a
/// colleague gave one member the group and took it from another): nothing is applied, and
/// the preview as it is now says so. It compared the numbers only.
#[test]
fn apply_mailing_group_refuses_the_same_numbers_of_other_contacts() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(
        &page,
        &format!("{page}/add"),
        &[("contact_no", "CO01|CO07|CO09")],
    );
    diesel_exec(
        &app,
        "INSERT INTO contact_mailing_groups SELECT id, 'XMAS' FROM contacts WHERE no = 'CO09'",
    );
    let mailing = format!("{page}/apply-mailing-group");
    let preview = c.get(&format!("{mailing}?code=XMAS"));
    assert_eq!(hidden_value(&preview.body, "gain").as_deref(), Some("2"));
    let who = hidden_value(&preview.body, "who").expect("the preview sends who");
    diesel_exec(
        &app,
        "DELETE FROM contact_mailing_groups WHERE contact_id = (SELECT id FROM contacts WHERE no = 'CO09');
         INSERT INTO contact_mailing_groups SELECT id, 'XMAS' FROM contacts WHERE no = 'CO01'",
    );
    c.post_with_token(
        &mailing,
        &preview.csrf_token().unwrap(),
        &[("code", "XMAS"), ("gain", "2"), ("who", &who)],
    )
    .assert_redirect(&format!("{mailing}?code=XMAS"));
    assert_eq!(
        app.count("SELECT count(*) FROM mailing_group_applications"),
        0,
        "nothing applied"
    );
    assert!(c
        .get(&format!("{mailing}?code=XMAS"))
        .contains("Nothing was applied: the segment or its contacts changed since the preview"));
}

/// Reuse Segment, Reuse Criteria and "Use in a new segment", sent twice (a double click, Back
/// and send again), did it twice: every contact twice with Allow Existing Contacts, two
/// identical steps to undo, two new segments. Sent again from the same page, they do nothing
/// and say why; from a page shown after the first sending, they apply again.
#[test]
fn reuse_sent_twice_from_one_page_applies_once() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    c.submit(
        &format!("/segments/{one}"),
        &format!("/segments/{one}/add"),
        &[("country", "DK")],
    );
    c.submit(
        &format!("/segments/{one}"),
        &format!("/segments/{one}/save-criteria"),
        &[("code", "dk")],
    );
    let two = new_segment(&mut c, "Two");
    let page2 = format!("/segments/{two}");
    for (page, action, fields) in [
        (
            format!("{page2}/reuse"),
            "reuse-segment",
            vec![("segment_no", one.as_str()), ("allow_existing", "on")],
        ),
        (
            page2.clone(),
            "reuse-segment",
            vec![("segment_no", one.as_str()), ("allow_existing", "on")],
        ),
        (
            format!("{page2}/reuse"),
            "reuse-criteria",
            vec![("code", "DK")],
        ),
        (page2.clone(), "reuse-criteria", vec![("code", "DK")]),
    ] {
        let shown = c.get(&page);
        let token = shown.csrf_token().unwrap();
        let last = hidden_value(&shown.body, "last").expect("the form sends the last step");
        let last_at = hidden_value(&shown.body, "last_at").unwrap();
        let mut sent = fields.clone();
        sent.push(("last", &last));
        sent.push(("last_at", &last_at));
        let (lines, steps) = (members(&app, &two), crate::segments::step_count(&app, &two));
        let first = c.post_with_token(&format!("{page2}/{action}"), &token, &sent);
        first.assert_redirect(&page2);
        assert_eq!(
            crate::segments::step_count(&app, &two),
            steps + 1,
            "{page} {action}"
        );
        let lines_once = members(&app, &two);
        assert!(lines_once > lines || action == "reuse-criteria");
        // A double click: the second sending leaves the first one's message.
        let again = c.post_with_token(&format!("{page2}/{action}"), &token, &sent);
        again.assert_redirect(&page2);
        assert_eq!(
            crate::segments::step_count(&app, &two),
            steps + 1,
            "{page} {action} sent twice"
        );
        assert_eq!(members(&app, &two), lines_once);
        let said = c.get(&page2);
        assert!(!said.contains("Nothing was reused"), "{}", said.body);
        // Back and sent again, once the first one's page was seen: said why not.
        let again = c.post_with_token(&format!("{page2}/{action}"), &token, &sent);
        again.assert_redirect(&page2);
        assert_eq!(crate::segments::step_count(&app, &two), steps + 1);
        let said = c.get(&page2);
        assert!(
            said.contains("Nothing was reused: the segment&#39;s steps changed after the reuse page was shown"),
            "{}",
            said.body
        );
        assert!(said.contains("If it was sent twice, its first sending reused it"));
    }

    // "Use in a new segment": one segment however often its form is sent.
    let list = c.get("/saved-criteria");
    let token = list.csrf_token().unwrap();
    let once = hidden_value(&list.body, "once").expect("a one-time key");
    let segments = app.count("SELECT count(*) FROM segments");
    let first = c.post_with_token("/saved-criteria/DK/new-segment", &token, &[("once", &once)]);
    let made = first.location().unwrap();
    let again = c.post_with_token("/saved-criteria/DK/new-segment", &token, &[("once", &once)]);
    again.assert_redirect(&made);
    assert_eq!(app.count("SELECT count(*) FROM segments"), segments + 1);
    assert!(c
        .get(&made)
        .contains("was created from this form already: nothing was created again."));
}

/// A line's Campaign Target and Response are shown only while the header names a campaign. A
/// line saved meanwhile lost them (the form did not send them, and they were saved empty),
/// so with the campaign back the line took the header's, and Log recorded it as a target.
#[test]
fn a_line_saved_while_the_header_has_no_campaign_keeps_its_campaign_flags() {
    let app = TestApp::start();
    crate::segments::world(&app);
    let mut c = crate::segments::staff(&app, "sam");
    let res = c.submit(
        "/segments/new",
        "/segments",
        &crate::segments::header_fields(&[("description", "Spring"), ("campaign_no", "CP0001")]),
    );
    let no = res
        .location()
        .unwrap()
        .trim_start_matches("/segments/")
        .to_string();
    crate::segments::step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    let line = app.count(&format!(
        "SELECT l.id FROM segment_lines l JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}'"
    ));
    let line_page = format!("/segments/{no}/lines/{line}");
    let flags = |app: &TestApp| {
        crate::segments::text(
            app,
            &format!(
                "SELECT COALESCE(campaign_target::text, '-') || ' ' || COALESCE(campaign_response::text, '-') \
                 FROM segment_lines WHERE id = {line}"
            ),
        )
    };
    // The line form as the browser sends it: hidden fields as they are, Campaign Target as
    // chosen when it is shown.
    let save = |c: &mut Client, subject: &str, target: Option<&str>| {
        let page = c.get(&line_page);
        let mut fields = vec![
            ("subject", subject.to_string()),
            ("date", "2026-05-01".to_string()),
        ];
        for name in ["campaign_target", "campaign_response", "shown"] {
            fields.push((name, hidden_value(&page.body, name).unwrap_or_default()));
        }
        if let Some(target) = target {
            fields.retain(|(k, _)| *k != "campaign_target");
            fields.push(("campaign_target", target.into()));
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let token = page.csrf_token().unwrap();
        c.post_with_token(&line_page, &token, &fields)
            .assert_redirect(&format!("/segments/{no}#lines"));
    };
    save(&mut c, "A target of its own", Some("yes"));
    assert_eq!(flags(&app), "true -");
    crate::auth::diesel_exec(
        &app,
        &format!("UPDATE segments SET campaign_no = NULL WHERE no = '{no}'"),
    );
    let page = c.get(&line_page);
    assert!(
        !page.contains("<select id=\"campaign_target\""),
        "not shown"
    );
    save(&mut c, "Saved without a campaign", None);
    assert_eq!(flags(&app), "true -", "kept as saved");
}

/// Apply Mailing Group: sent twice (a double click) the first sending's message stays, not
/// "Nothing was applied"; a group deleted since the preview (or none) brings the form back as
/// chosen, with why by the field; a canceled segment gives no group (its page did not offer
/// it, but a link or an open preview still applied it).
#[test]
fn apply_mailing_group_sent_twice_refused_or_canceled_says_what_is_so() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(&app, "INSERT INTO mailing_groups (code) VALUES ('GONE')");
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    let mailing = format!("{page}/apply-mailing-group");
    c.submit(
        &page,
        &format!("{page}/add"),
        &[("contact_no", "CO01|CO02")],
    );
    let preview = c.get(&format!("{mailing}?code=XMAS&show=1"));
    let token = preview.csrf_token().unwrap();
    let fields = [
        ("code", "XMAS".to_string()),
        ("gain", hidden_value(&preview.body, "gain").unwrap()),
        ("who", hidden_value(&preview.body, "who").unwrap()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_with_token(&mailing, &token, &fields)
        .assert_redirect(&format!("{mailing}#applications-heading"));
    c.post_with_token(&mailing, &token, &fields)
        .assert_redirect(&format!("{mailing}?code=XMAS"));
    let said = c.get(&format!("{mailing}?code=XMAS"));
    assert!(
        said.contains("Mailing group XMAS given to 2 contacts."),
        "{}",
        said.body
    );
    assert!(!said.contains("Nothing was applied"));
    assert_eq!(
        app.count("SELECT count(*) FROM mailing_group_applications WHERE undone_at IS NULL"),
        1
    );

    // A group deleted after its preview: the form again, as chosen, with why.
    let preview = c.get(&format!("{mailing}?code=GONE&remove_others=on&show=1"));
    diesel_exec(&app, "DELETE FROM mailing_groups WHERE code = 'GONE'");
    let res = c.post_with_token(
        &mailing,
        &preview.csrf_token().unwrap(),
        &[("code", "GONE"), ("remove_others", "on"), ("gain", "2")],
    );
    let back = res.location().unwrap();
    let form = c.get(&back);
    form.assert_status(422);
    assert!(
        form.contains("There is no mailing group GONE."),
        "{}",
        form.body
    );
    assert!(form.contains("name=\"remove_others\" type=\"checkbox\" checked"));

    // Canceled: neither previewed nor applied; its application can still be undone.
    diesel_exec(
        &app,
        &format!("UPDATE segments SET status = 'canceled', logged_at = now() WHERE no = '{one}'"),
    );
    let shown = c.get(&format!("{mailing}?code=XMAS&show=1"));
    assert!(
        shown.contains(&format!("Segment {one} is canceled")),
        "{}",
        shown.body
    );
    assert!(!shown.contains("What it does"));
    assert!(shown.contains("Undo"));
    diesel_exec(&app, "DELETE FROM contact_mailing_groups");
    c.post_with_token(&mailing, &token, &fields)
        .assert_redirect(&mailing);
    assert_eq!(app.count("SELECT count(*) FROM contact_mailing_groups"), 0);
    assert!(c
        .get(&mailing)
        .contains(&format!("Segment {one} is canceled")));
}

/// A segment's No. from a series whose prefix holds a quote, a semicolon or a letter beyond
/// ASCII: its download is named as it is (a plain name for every browser, the whole one in
/// `filename*`), and the address a form sends the browser to reaches it.
#[test]
fn a_number_with_odd_characters_names_its_download_and_its_address() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "UPDATE number_series SET prefix = 'S\"X;' WHERE code = 'SEGMENT'",
    );
    let mut c = app.signed_in("stan", "staff");
    let odd = new_segment(&mut c, "Odd");
    assert_eq!(odd, "S%22X;00001", "the address as the header carries it");
    let res = c.get("/segments/S%22X%3B00001/export.csv");
    res.assert_status(200);
    assert_eq!(
        res.header("content-disposition").as_deref(),
        Some("attachment; filename=\"segment-S_X_00001.csv\"; filename*=UTF-8''segment-S%22X%3B00001.csv")
    );
    diesel_exec(
        &app,
        "UPDATE number_series SET prefix = 'SØ' WHERE code = 'SEGMENT'",
    );
    let res = c.submit(
        "/segments/new",
        "/segments",
        &crate::segments::header_fields(&[("description", "Nordic")]),
    );
    assert_eq!(res.location().as_deref(), Some("/segments/S%C3%9800002"));
    let page = c.get("/segments/S%C3%9800002");
    page.assert_status(200);
    assert!(page.contains("Nordic"));
}

/// Saved criteria renamed or deleted by a colleague after the page was opened: a rename or a
/// delete from the stale page says so on the list, naming the colleague (a rename to the same
/// code, with another description, is not taken for this form sent twice), and changes
/// nothing. A code with ':' is read whole.
#[test]
fn saved_criteria_changed_by_a_colleague_are_said_on_the_list() {
    let app = TestApp::start();
    world(&app);
    let mut stan = app.signed_in("stan", "staff");
    let mut bert = app.signed_in("bert", "staff");
    let one = new_segment(&mut stan, "One");
    let page = format!("/segments/{one}");
    stan.submit(&page, &format!("{page}/add"), &[("contact_no", "CO01")]);
    stan.submit(
        &page,
        &format!("{page}/save-criteria"),
        &[("code", "AAA"), ("description", "First")],
    )
    .assert_redirect(&page);
    let token = stan.get("/saved-criteria").csrf_token().unwrap();
    bert.submit(
        "/saved-criteria",
        "/saved-criteria/AAA",
        &[("new_code", "Q1:2027"), ("description", "Bert's")],
    )
    .assert_redirect("/saved-criteria");
    stan.post_with_token(
        "/saved-criteria/AAA",
        &token,
        &[("new_code", "Q1:2027"), ("description", "Stan's")],
    )
    .assert_redirect("/saved-criteria");
    let list = stan.get("/saved-criteria");
    assert!(
        list.contains("Saved criteria AAA is now Q1:2027: renamed by bert at "),
        "{}",
        list.body
    );
    assert!(list.contains("Nothing was changed."));
    stan.post_with_token("/saved-criteria/AAA/delete", &token, &[])
        .assert_redirect("/saved-criteria");
    let list = stan.get("/saved-criteria");
    assert!(
        list.contains("Saved criteria AAA is now Q1:2027: renamed by bert at "),
        "{}",
        list.body
    );
    assert!(list.contains("Nothing was deleted."));
    assert_eq!(
        app.count("SELECT count(*) FROM saved_criteria WHERE code = 'Q1:2027' AND description = 'Bert''s'"),
        1
    );

    // Both change the description from the list as shown: the second is refused, with what
    // was typed kept and the colleague's description said (both were told "saved", and the
    // first was lost).
    let shown = stan.get("/saved-criteria");
    bert.submit(
        "/saved-criteria",
        "/saved-criteria/Q1%3A2027",
        &[
            ("new_code", "Q1:2027"),
            ("description", "Bert's again"),
            ("was", "Bert's"),
        ],
    )
    .assert_redirect("/saved-criteria");
    let refused = stan.post_with_token(
        "/saved-criteria/Q1%3A2027",
        &shown.csrf_token().unwrap(),
        &[
            ("new_code", "Q1:2027"),
            ("description", "Stan's own"),
            ("was", &hidden_value(&shown.body, "was").unwrap()),
        ],
    );
    refused.assert_status(422);
    assert!(
        refused.contains("Someone else changed the description since this page was shown")
            && refused.contains("value=\"Stan&#39;s own\""),
        "{}",
        refused.body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM saved_criteria WHERE description = 'Bert''s again'"),
        1
    );
    // Sent again from that page: saved.
    stan.post_with_token(
        "/saved-criteria/Q1%3A2027",
        &refused.csrf_token().unwrap(),
        &[
            ("new_code", "Q1:2027"),
            ("description", "Stan's own"),
            ("was", &hidden_value(&refused.body, "was").unwrap()),
        ],
    )
    .assert_redirect("/saved-criteria");
    assert_eq!(
        app.count("SELECT count(*) FROM saved_criteria WHERE description = 'Stan''s own'"),
        1
    );
}

/// Why, for a contact an Add step would bring in today, names the later Reduce or Refine that
/// keeps it out: it read as if a Refresh would bring it in, never naming the step that
/// decides.
#[test]
fn why_names_the_reduce_or_refine_that_keeps_a_contact_out() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let add = [("industry_group", "RETAIL"), ("type", "company")];
    let reduced = new_segment(&mut c, "Reduced");
    let page = format!("/segments/{reduced}");
    c.submit(&page, &format!("{page}/add"), &add);
    c.submit(&page, &format!("{page}/reduce"), &[("contact_no", "CO02")]);
    let refined = new_segment(&mut c, "Refined");
    let page = format!("/segments/{refined}");
    c.submit(&page, &format!("{page}/add"), &add);
    c.submit(
        &page,
        &format!("{page}/refine"),
        &[("contact_no", "CO01|CO03")],
    );
    // Today CO02 is RETAIL too.
    diesel_exec(
        &app,
        "INSERT INTO contact_industry_groups SELECT id, 'RETAIL' FROM contacts WHERE no = 'CO02'",
    );
    let why = c.get(&format!("/segments/{reduced}/why?contact=CO02")).body;
    assert!(
        why.contains("It matches the filters of step 1")
            && why.contains("But step 2 (Reduce Contacts: ")
            && why.contains("keeps it out: it matches its filters today."),
        "{why}"
    );
    let why = c.get(&format!("/segments/{refined}/why?contact=CO02")).body;
    assert!(
        why.contains("But step 2 (Refine Contacts: ")
            && why.contains("keeps it out: it does not match its filters today."),
        "{why}"
    );
    // A contact no step would bring in is not said to be kept out.
    let why = c.get(&format!("/segments/{refined}/why?contact=CO04")).body;
    assert!(!why.contains("keeps it out"), "{why}");
    // A person without a company, come after the steps, kept out by a Reduce with Entire
    // Companies (its own "company" is itself): it was not named, as if a Refresh would bring
    // the person in.
    diesel_exec(&app, "INSERT INTO mailing_groups (code) VALUES ('SOLOGRP')");
    let alone = new_segment(&mut c, "Alone");
    let at = format!("/segments/{alone}");
    c.submit(
        &at,
        &format!("{at}/add"),
        &[("type", "person"), ("country", "DK")],
    );
    c.submit(
        &at,
        &format!("{at}/reduce"),
        &[("mailing_group", "SOLOGRP"), ("entire_companies", "on")],
    );
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, country_code) VALUES ('SOLO', 'person', 'Solo', 'DK');
         INSERT INTO contact_mailing_groups SELECT id, 'SOLOGRP' FROM contacts WHERE no = 'SOLO'",
    );
    let why = c.get(&format!("/segments/{alone}/why?contact=SOLO")).body;
    assert!(
        why.contains("But step 2 (Reduce Contacts: ")
            && why.contains("keeps it out: it matches its filters today."),
        "{why}"
    );
    // A later Add that brings it in too: the Refine before that Add keeps it out no longer.
    diesel_exec(
        &app,
        "INSERT INTO industry_groups (code) VALUES ('WHOLESALE')",
    );
    c.submit(
        &page,
        &format!("{page}/add"),
        &[("industry_group", "WHOLESALE")],
    );
    diesel_exec(
        &app,
        "INSERT INTO contact_industry_groups SELECT id, 'WHOLESALE' FROM contacts WHERE no = 'CO02'",
    );
    let why = c.get(&format!("/segments/{refined}/why?contact=CO02")).body;
    assert!(
        why.contains("It matches the filters of step 1")
            && why.contains("It matches the filters of step 3")
            && !why.contains("keeps it out"),
        "{why}"
    );
}

/// A line form shown while the header had a campaign, sent with Campaign Target after a
/// colleague took the campaign off the header: refused with the reason at the top (the page
/// shown again has no field for it), the rest kept, and sending that page saves the rest.
/// It was refused on every sending (the typed "yes" went back in a hidden field), with a link
/// to a field that was not there, and the typed values were lost on Cancel.
#[test]
fn a_line_form_sent_after_the_headers_campaign_was_taken_off_saves_the_rest_when_sent_again() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let no = new_segment(&mut c, "Campaign gone");
    let page = format!("/segments/{no}");
    c.submit(&page, &format!("{page}/add"), &[("contact_no", "CO01")]);
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO campaigns (no, description) VALUES ('CP0001', 'Spring'); \
             UPDATE segments SET campaign_no = 'CP0001' WHERE no = '{no}'"
        ),
    );
    let line = app.count("SELECT min(id) FROM segment_lines");
    let line_page = format!("{page}/lines/{line}");
    let form = c.get(&line_page);
    assert!(form.contains("id=\"campaign_target\""), "{}", form.body);
    // A colleague takes the campaign off the header.
    diesel_exec(
        &app,
        &format!("UPDATE segments SET campaign_no = NULL WHERE no = '{no}'"),
    );
    let mut sent = hidden_fields(&form.body, &line_page);
    sent.retain(|(k, _)| !matches!(k.as_str(), "campaign_target" | "subject"));
    sent.push(("campaign_target".into(), "yes".into()));
    sent.push(("subject".into(), "Typed subject".into()));
    let refused = c.post_raw(&line_page, &pairs(&sent));
    refused.assert_status(422);
    assert!(
        refused.contains("has no campaign any more")
            && !refused.contains("href=\"#campaign_target\""),
        "{}",
        refused.body
    );
    assert!(refused.contains("value=\"Typed subject\""));
    assert_eq!(
        hidden_value(&refused.body, "campaign_target").as_deref(),
        Some("")
    );
    let mut again = hidden_fields(&refused.body, &line_page);
    again.push(("subject".into(), "Typed subject".into()));
    c.post_raw(&line_page, &pairs(&again))
        .assert_redirect(&format!("{page}#lines"));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_lines WHERE id = {line} \
             AND subject = 'Typed subject' AND campaign_target IS NULL"
        )),
        1
    );
}

/// The confirmation page of a segment that a draft's step names in its Segment filter, or saved
/// criteria do, names them (deleted, it leaves those steps refused on Refresh and Reuse
/// Criteria; it named only Reuse Segment steps). And a colleague's line edit after the page was
/// opened is seen: the deletion is refused, the page shown again (it changed neither the
/// version nor the counts that the page sent back).
#[test]
fn deleting_a_segment_names_the_steps_that_filter_on_it_and_sees_line_edits() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(&page, &format!("{page}/add"), &[("contact_no", "CO01")]);
    let two = new_segment(&mut c, "Two");
    let page2 = format!("/segments/{two}");
    c.submit(
        &page2,
        &format!("{page2}/add"),
        &[("interaction_segment", &one)],
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_steps t JOIN segments s ON s.id = t.segment_id WHERE s.no = '{two}'"
        )),
        1
    );
    c.submit(
        &page2,
        &format!("{page2}/save-criteria"),
        &[("code", "BYONE"), ("description", "By one")],
    )
    .assert_status(303);
    let confirm = format!("{page}/delete");
    let shown = c.get(&confirm);
    assert!(
        shown.contains(&format!(
            "Reused by segment <a href=\"/segments/{two}\">{two}</a> (a Reuse Segment step, or a \
             Segment filter of interactions)"
        )),
        "{}",
        shown.body
    );
    assert!(
        shown.contains("Named by saved criteria BYONE (a Segment filter of interactions)"),
        "{}",
        shown.body
    );
    // A colleague saves a line's override after the page was opened.
    let before = hidden_value(&shown.body, "shown").unwrap();
    let line: i64 = app.count(&format!(
        "SELECT min(l.id) FROM segment_lines l JOIN segments s ON s.id = l.segment_id WHERE s.no = '{one}'"
    ));
    let line_page = format!("{page}/lines/{line}");
    let mut colleague = app.signed_in("kim", "staff");
    colleague
        .submit(&line_page, &line_page, &[("subject", "Call first")])
        .assert_status(303);
    let res = crate::segments::post(&mut c, &confirm, &[("shown", &before)]);
    assert_ne!(res.location().as_deref(), Some("/segments"), "{}", res.body);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM segments WHERE no = '{one}'")),
        1
    );
}

/// Saved criteria changed by a colleague after a page was opened: a Delete confirmed from that
/// page over criteria saved again under the code is refused and the page shown again (it
/// deleted the colleague's new ones); "Use in a new segment" and Reuse Criteria after a rename
/// say to what and by whom (a bare 404, and "There are no saved criteria"). A code of dots only
/// is refused (its buttons led to other addresses).
#[test]
fn saved_criteria_changed_by_a_colleague_are_said_not_deleted_or_lost() {
    let app = TestApp::start();
    world(&app);
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(&page, &format!("{page}/add"), &[("country", "DK")]);
    let save = |c: &mut Client, code: &str| {
        c.submit(
            &page,
            &format!("{page}/save-criteria"),
            &[("code", code), ("description", "Danish")],
        )
    };
    let dots = save(&mut c, "..");
    dots.assert_status(422);
    assert!(
        dots.contains("A code cannot consist of dots only."),
        "{}",
        dots.body
    );
    save(&mut c, "DK").assert_status(303);

    // Stan opens the deletion; Kim deletes DK and saves other steps as DK.
    let confirm = c.get("/saved-criteria/DK/delete");
    let shown = hidden_value(&confirm.body, "shown").expect("what the page shows");
    let mut kim = app.signed_in("kim", "staff");
    kim.submit(
        "/saved-criteria/DK/delete",
        "/saved-criteria/DK/delete",
        &[],
    )
    .assert_redirect("/saved-criteria");
    let two = new_segment(&mut kim, "Two");
    let page2 = format!("/segments/{two}");
    kim.submit(&page2, &format!("{page2}/add"), &[("country", "SE")]);
    kim.submit(
        &page2,
        &format!("{page2}/save-criteria"),
        &[("code", "DK"), ("description", "Kim's")],
    )
    .assert_status(303);
    let res = crate::segments::post(&mut c, "/saved-criteria/DK/delete", &[("shown", &shown)]);
    res.assert_redirect("/saved-criteria/DK/delete");
    assert_eq!(
        app.count("SELECT count(*) FROM saved_criteria WHERE code = 'DK'"),
        1
    );
    let again = c.get("/saved-criteria/DK/delete");
    assert!(
        again.contains("were saved again by someone else after this page was opened"),
        "{}",
        again.body
    );

    // Kim renames DK to SWEDEN; Stan's list, opened before, uses DK.
    let list = c.get("/saved-criteria");
    let token = list.csrf_token().unwrap();
    kim.submit(
        "/saved-criteria",
        "/saved-criteria/DK",
        &[("new_code", "SWEDEN"), ("description", "Kim's")],
    )
    .assert_redirect("/saved-criteria");
    let res = c.post_with_token("/saved-criteria/DK/new-segment", &token, &[]);
    assert_eq!(res.status, 303, "{}", res.body);
    let said = c.get("/saved-criteria");
    assert!(
        said.contains("No segment was made: saved criteria DK were renamed SWEDEN by kim at"),
        "{}",
        said.body
    );
    let reuse = crate::segments::post(&mut c, &format!("{page}/reuse-criteria"), &[("code", "DK")]);
    let said = if reuse.status == 303 {
        c.get(&page)
    } else {
        reuse
    };
    assert!(
        said.contains("There are no saved criteria DK: they were renamed SWEDEN by kim at"),
        "{}",
        said.body
    );
}

/// A value of apostrophes before a formula character (`''=twice`) goes out in a segment's lines
/// as it is stored, in CSV and in a workbook: those files are for a mail merge, never imported
/// back (it went out with an apostrophe more, which the merge printed). The contact list, which
/// is imported back, keeps the one more that import takes off.
#[test]
fn a_segments_lines_hold_a_value_of_apostrophes_as_it_is() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET name = '''''=twice' WHERE no = 'CO01'",
    );
    let mut c = app.signed_in("stan", "staff");
    let one = new_segment(&mut c, "One");
    let page = format!("/segments/{one}");
    c.submit(&page, &format!("{page}/add"), &[("contact_no", "CO01")]);
    let csv = c.get(&format!("{page}/export.csv"));
    assert!(csv.body.contains(",''=twice,"), "{}", csv.body);
    assert!(!csv.body.contains("'''=twice"));
    let rows = crate::excel::workbook(&mut c, &format!("{page}/export.xlsx"));
    assert!(
        rows.iter()
            .flatten()
            .any(|d| *d == calamine::Data::String("''=twice".into())),
        "{rows:?}"
    );
    let contacts = c.get("/contacts/export.csv?q=CO01");
    assert!(contacts.body.contains("'''=twice"), "{}", contacts.body);
}
