//! Finding the right values (docs/segments.md, Lookups): the filter form offers every code
//! field's codes with their descriptions and a link to its code table; a plain value that is
//! not a code is refused next to its field, in the preview and in the step.

use crate::auth::diesel_exec;
use crate::segments::{assert_members, new_segment, post, staff, step, step_count, world};
use crate::support::*;

fn preview_url(no: &str, kind: &str, fields: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.append_pair("preview", "1");
    format!("/segments/{no}/{kind}?{}", s.finish())
}

#[test]
fn the_filter_form_offers_every_code_table_once_with_descriptions_and_a_link() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Lookups");
    let form = c.get(&format!("/segments/{no}/add"));
    form.assert_status(200);
    for (list, option) in [
        (
            "industry-groups",
            r#"<option value="RETAIL">Retail</option>"#,
        ),
        (
            "mailing-groups",
            r#"<option value="XMAS">Christmas cards</option>"#,
        ),
        ("salespeople", r#"<option value="JO">Jo Sales</option>"#),
        (
            "interaction-groups",
            r#"<option value="PHONE">Phone calls</option>"#,
        ),
        (
            "interaction-templates",
            r#"<option value="MAIL">Mailing</option>"#,
        ),
        ("campaigns", r#"<option value="CP0001">Spring</option>"#),
        (
            "segments",
            &format!(r#"<option value="{no}">Lookups</option>"#),
        ),
        ("countries", r#"<option value="DK">"#),
    ] {
        let open = format!(r#"<datalist id="codes-{list}">"#);
        assert_eq!(form.body.matches(&open).count(), 1, "one datalist {list}");
        let start = form.body.find(&open).unwrap();
        let end = start + form.body[start..].find("</datalist>").unwrap();
        assert!(
            form.body[start..end].contains(option),
            "{list} offers {option}"
        );
    }
    // The three salesperson fields (contact, interactions, opportunities) use the one list.
    assert_eq!(form.body.matches(r#"list="codes-salespeople""#).count(), 3);
    assert!(form.contains(r#"id="f-industry_group" name="industry_group" type="text" value="" autocomplete="off" list="codes-industry-groups""#));
    assert!(form.contains(r#"<a class="lookup-link" href="/setup/industry-groups""#));
    assert!(form.contains(r#"<a class="lookup-link" href="/campaigns""#));
    // Contacts are too many to offer; their fields link to the contact list.
    assert!(!form.contains("codes-contacts"));
    assert!(form.contains(r#"<a class="lookup-link" href="/contacts?type=company""#));
}

/// A field of a closed list (type, correspondence type, evaluation, an opportunity's status)
/// says under its label which values it takes and offers them as the user types; a yes/no
/// field says "Yes or No". A value from the list filters the step.
#[test]
fn the_filter_form_names_the_values_of_closed_lists_and_yes_no_fields() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Choices");
    let form = c.get(&format!("/segments/{no}/add"));
    form.assert_status(200);
    assert!(form.contains(
        r#"<p class="hint" id="f-opportunity_status-hint">Not Started, In Progress, Won or Lost; an open one: Not Started|In Progress</p>"#
    ));
    assert!(form.contains(
        r#"list="choices-opportunity_status" aria-describedby="f-opportunity_status-hint""#
    ));
    assert!(form.contains(
        r#"<datalist id="choices-opportunity_status"><option value="Not Started"></option><option value="In Progress"></option>"#
    ));
    assert!(form.contains(r#"<p class="hint" id="f-type-hint">Company or Person</p>"#));
    assert!(
        form.contains(r#"<p class="hint" id="f-interaction_campaign_target-hint">Yes or No</p>"#)
    );
    // A code field has its codes, not a hint of values.
    assert!(!form.contains("f-industry_group-hint"));
    // With an error the field is described by both.
    let res = c.get(&preview_url(&no, "add", &[("type", "firm")]));
    res.assert_status(422);
    assert!(
        res.contains(r#"aria-invalid="true" aria-describedby="f-type-hint f-type-error""#),
        "{}",
        res.body
    );
    assert!(res.contains("Company, Person"), "{}", res.body);
    let res = c.get(&preview_url(&no, "add", &[("type", "person")]));
    res.assert_status(200);
    // Written as Business Central shows the values, words apart.
    let res = c.get(&preview_url(
        &no,
        "add",
        &[("opportunity_status", "Not Started|In Progress")],
    ));
    res.assert_status(200);
    assert!(
        res.contains("Filters: opportunity status Not Started or In Progress"),
        "{}",
        res.body
    );
    // "E-mail" as the lines show it, a hyphen and all.
    let res = c.get(&preview_url(
        &no,
        "add",
        &[("correspondence_type", "E-mail")],
    ));
    res.assert_status(200);
    assert!(
        form.contains(r#"<p class="hint" id="f-correspondence_type-hint">Hard Copy or E-mail</p>"#),
        "{}",
        form.body
    );
}

#[test]
fn a_typo_in_a_code_is_refused_next_to_its_field_in_the_preview() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Typos");
    let res = c.get(&preview_url(
        &no,
        "add",
        &[
            ("industry_group", "retial"),
            ("country", "DK"),
            ("interaction_campaign", "CP0009"),
            ("company_no", "ANNA"),
        ],
    ));
    res.assert_status(422);
    assert!(
        res.contains(r#"<p class="field-error" id="f-industry_group-error"><span class="visually-hidden">Error:</span> RETIAL is not an industry group code</p>"#),
        "{}",
        res.body
    );
    assert!(res.contains("CP0009 is not a campaign No."));
    // ANNA is a person, not a company.
    assert!(res.contains("ANNA is not a company&#39;s contact No."));
    // What was typed stays, and no preview is shown.
    assert!(res.contains(r#"name="industry_group" type="text" value="retial""#));
    assert!(!res.contains("This step adds"));
    // In the summary, in the form's order.
    let summary = &res.body[res.body.find("error-summary").unwrap()..];
    let company = summary.find("Company No.: ANNA").unwrap();
    let industry = summary.find("Industry Group: RETIAL").unwrap();
    let campaign = summary.find("Campaign: CP0009").unwrap();
    assert!(company < industry && industry < campaign);
    assert_eq!(step_count(&app, &no), 0);
}

#[test]
fn patterns_ranges_and_real_codes_are_the_users_business() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Patterns");
    for value in ["RET*", "A..S", "@retail", "RETAIL|WHOLESALE", "<>RETAIL"] {
        let res = c.get(&preview_url(&no, "add", &[("industry_group", value)]));
        assert_eq!(res.status, 200, "{value}:\n{}", res.body);
        assert!(res.contains("This step adds"), "{value}");
    }
    // A code named among alternatives or exclusions is checked as a code alone is, a blank
    // beside it too (with one, no code was checked: "RETIAL or none" found only the none).
    for value in ["RETIAL|RETAIL", "<>RETIAL", "<>RETIAL&<>''"] {
        let res = c.get(&preview_url(&no, "add", &[("industry_group", value)]));
        assert_eq!(res.status, 422, "{value}:\n{}", res.body);
        assert!(
            res.contains("RETIAL is not an industry group code"),
            "{value}"
        );
    }
    // A blank, which no industry group row holds, is refused with what to do instead.
    for value in ["''", "RETAIL|''"] {
        let res = c.get(&preview_url(&no, "add", &[("industry_group", value)]));
        assert_eq!(res.status, 422, "{value}:\n{}", res.body);
        assert!(
            res.contains("use Reduce Contacts with industry group *"),
            "{value}"
        );
    }
    let res = c.get(&preview_url(&no, "add", &[("industry_group", "retail")]));
    res.assert_status(200);
    assert!(res.contains("This step adds <strong>"));
}

/// A code holding the filter's signs ("R&D", "VIP*") is offered quoted, so that picked from
/// the list it means itself: it was read as R and D ("R is not an industry group code").
#[test]
fn codes_with_filter_signs_are_offered_quoted() {
    let app = TestApp::start();
    world(&app);
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO industry_groups (code, description) VALUES ('R&D', 'Research')",
    );
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Signs");
    let page = c.get(&format!("/segments/{no}/add"));
    page.assert_status(200);
    assert!(
        page.contains("<option value=\"&#39;R&#38;D&#39;\">Research</option>"),
        "{}",
        page.body
    );
    assert!(page.contains("<option value=\"RETAIL\">"));
    let res = c.get(&preview_url(&no, "add", &[("industry_group", "'R&D'")]));
    assert_eq!(res.status, 200, "{}", res.body);
    let res = c.get(&preview_url(&no, "add", &[("industry_group", "R&D")]));
    res.assert_status(422);
}

#[test]
fn a_typo_is_refused_by_the_step_and_nothing_is_written() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Typo step");
    for kind in ["add", "reduce", "refine"] {
        let res = post(
            &mut c,
            &format!("/segments/{no}/{kind}"),
            &[("mailing_group", "XMSA"), ("country", "<>XX")],
        );
        res.assert_status(422);
        assert!(res.contains("XMSA is not a mailing group code"), "{kind}");
        assert!(res.contains(r#"name="mailing_group" type="text" value="XMSA""#));
        assert!(res.contains(r#"name="country" type="text" value="&#60;&#62;XX""#));
    }
    assert_eq!(step_count(&app, &no), 0);
    // A parse error and a typo are reported together.
    let res = post(
        &mut c,
        &format!("/segments/{no}/add"),
        &[("mailing_group", "XMSA"), ("country", "A||B")],
    );
    res.assert_status(422);
    assert!(res.contains("XMSA is not a mailing group code"));
    assert!(res.contains(r#"id="f-country-error""#));
    step(&mut c, &no, "add", &[("mailing_group", "xmas")]);
    assert_members(&app, &no, &["ANNA", "DORA", "SOLO"]);
}

#[test]
fn reuse_picks_a_segment_or_saved_criteria_from_a_list() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let xmas = new_segment(&mut c, "Christmas cards");
    step(&mut c, &xmas, "add", &[("mailing_group", "XMAS")]);
    let news = new_segment(&mut c, "Newsletter");
    step(&mut c, &news, "add", &[("mailing_group", "NEWS")]);
    post(
        &mut c,
        &format!("/segments/{xmas}/save-criteria"),
        &[("code", "XM"), ("description", "Christmas list")],
    )
    .assert_redirect(&format!("/segments/{xmas}"));
    let target = new_segment(&mut c, "Target");
    assert!(c
        .get(&format!("/segments/{target}"))
        .contains(&format!(r#"<a href="/segments/{target}/reuse">"#)));
    let page = c.get(&format!("/segments/{target}/reuse"));
    page.assert_status(200);
    assert!(page.contains(&format!(
        r#"<option value="{xmas}">{xmas} · Christmas cards · 3 lines · Draft</option>"#
    )));
    assert!(page.contains(&format!(r#"<option value="{news}">"#)));
    assert!(!page.contains(&format!(r#"<option value="{target}">"#)));
    // Nothing is chosen for the user: one click applied the first saved criteria, or the
    // newest segment, unasked; sent so, it is refused by its field.
    assert!(page.contains(r#"name="code" type="radio" value="XM "#));
    assert!(!page.contains(" checked"), "{}", page.body);
    assert!(page.contains(r#"<option value="">(choose)</option>"#));
    let steps = app.count("SELECT count(*) FROM segment_steps");
    let refused = c.post_with_token(
        &format!("/segments/{target}/reuse-segment"),
        &page.csrf_token().unwrap(),
        &[("segment_no", "")],
    );
    refused.assert_status(422);
    assert!(
        refused.contains("Choose the segment to reuse, or enter its No."),
        "{}",
        refused.body
    );
    assert_eq!(app.count("SELECT count(*) FROM segment_steps"), steps);
    assert!(page.contains("XM · Christmas list · 1 step"));
    assert!(page.contains("Add Contacts: mailing group XMAS"));
    // The search narrows the list.
    let found = c.get(&format!("/segments/{target}/reuse?q=newsl"));
    assert!(found.contains(&format!(r#"<option value="{news}">"#)));
    assert!(!found.contains(&format!(r#"<option value="{xmas}">"#)));
    // What the lists offer is what the actions take.
    post(
        &mut c,
        &format!("/segments/{target}/reuse-segment"),
        &[("segment_no", &news)],
    )
    .assert_redirect(&format!("/segments/{target}"));
    // The picker's choice, as the page sends it (the code and what the page showed).
    let chosen = page
        .body
        .split(r#"name="code" type="radio" value=""#)
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap()
        .to_string();
    post(
        &mut c,
        &format!("/segments/{target}/reuse-criteria"),
        &[("code", &chosen)],
    )
    .assert_redirect(&format!("/segments/{target}"));
    assert_members(&app, &target, &["ANNA", "DORA", "ELI", "SOLO"]);
    // Past a page of segments, the count leaves out the segment itself, as the list does.
    diesel_exec(
        &app,
        "INSERT INTO segments (no, description) SELECT 'SX' || lpad(g::text, 3, '0'), 'Bulk' \
         FROM generate_series(1, 60) g",
    );
    let others = app.count("SELECT count(*) FROM segments") - 1;
    let page = c.get(&format!("/segments/{target}/reuse"));
    let shown = page.body.matches("<option value=\"S").count();
    assert!(
        page.contains(&format!(
            "The newest {shown} of {others}; search to find others."
        )),
        "{shown} of {others}: {}",
        page.body
    );
    // So does a search that finds it beyond the first page (it counted it there).
    diesel_exec(
        &app,
        &format!("UPDATE segments SET description = 'Bulk target' WHERE no = '{target}'"),
    );
    let found = c.get(&format!("/segments/{target}/reuse?q=bulk"));
    let shown = found.body.matches("<option value=\"S").count();
    assert!(
        found.contains(&format!("The newest {shown} of 60; search to find others.")),
        "{shown} of 60: {}",
        found.body
    );
}

#[test]
fn saved_criteria_make_a_new_segment_and_say_what_was_left_out() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let from = new_segment(&mut c, "Source");
    step(&mut c, &from, "add", &[("mailing_group", "XMAS")]);
    post(
        &mut c,
        &format!("/segments/{from}/lines"),
        &[("contact_no", "FINN")],
    )
    .assert_redirect(&format!("/segments/{from}"));
    step(&mut c, &from, "reduce", &[("country", "SE")]);
    post(
        &mut c,
        &format!("/segments/{from}/save-criteria"),
        &[("code", "XM"), ("description", "Christmas, no Swedes")],
    )
    .assert_redirect(&format!("/segments/{from}"));
    let page = c.get(&format!("/segments/{from}"));
    assert!(
        page.contains("Criteria saved as XM (2 steps). Left out, as saved criteria hold only Add, Reduce and Refine: step 2 (Add line); reusing XM will not repeat them."),
        "{}",
        page.body
    );
    let list = c.get("/saved-criteria");
    assert!(list.contains(r#"<form method="post" action="/saved-criteria/XM/new-segment">"#));
    let before = app.count("SELECT count(*) FROM segments");
    let res = post(&mut c, "/saved-criteria/XM/new-segment", &[]);
    assert_eq!(res.status, 303, "{}", res.body);
    let location = res.location().unwrap();
    let no = location.trim_start_matches("/segments/").to_string();
    assert_eq!(app.count("SELECT count(*) FROM segments"), before + 1);
    assert_eq!(
        crate::segments::text(
            &app,
            &format!(
                "SELECT description || '/' || salesperson_code FROM segments WHERE no = '{no}'"
            )
        ),
        "XM Christmas, no Swedes/JO"
    );
    assert_members(&app, &no, &["ANNA", "SOLO"]);
    assert_eq!(step_count(&app, &no), 2);
    assert!(c.get(&location).contains(&format!(
        "Segment {no} created with criteria XM: 2 steps (+3, −1)."
    )));
    // Unknown criteria: nothing is made.
    assert_eq!(
        post(&mut c, "/saved-criteria/NOPE/new-segment", &[]).status,
        404
    );
    assert_eq!(app.count("SELECT count(*) FROM segments"), before + 1);
    // Saved again differently under the same code after the list was shown: no segment is
    // made, and the steps they replay now are said.
    let list = c.get("/saved-criteria");
    diesel_exec(
        &app,
        "DELETE FROM saved_criteria_steps WHERE code = 'XM' AND seq = (SELECT max(seq) FROM saved_criteria_steps WHERE code = 'XM')",
    );
    let res = c.post_with_token(
        "/saved-criteria/XM/new-segment",
        &list.csrf_token().unwrap(),
        &[
            ("once", &hidden_value(&list.body, "once").unwrap()),
            ("shown", &hidden_value(&list.body, "shown").unwrap()),
        ],
    );
    res.assert_redirect("/saved-criteria");
    assert!(c.get("/saved-criteria").contains(
        "No segment was made: saved criteria XM were saved again after the list was shown"
    ));
    assert_eq!(app.count("SELECT count(*) FROM segments"), before + 1);
}

#[test]
fn why_finds_the_contact_from_part_of_a_name_and_the_card_offers_segments() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Explained");
    step(&mut c, &no, "add", &[("mailing_group", "XMAS")]);
    let res = c.get(&format!("/segments/{no}/why?contact=ra+bet"));
    res.assert_status(200);
    assert!(res.contains("No contact has the No. RA BET; choose one of these:"));
    assert!(res.contains(&format!(
        r#"<a href="/segments/{no}/why?contact=DORA">DORA Dora Beta</a> <span class="muted">(Beta Wholesale)</span>"#
    )));
    let res = c.get(&format!("/segments/{no}/why?contact=dora"));
    assert!(
        res.contains("<a href=\"/contacts/DORA\">DORA</a>"),
        "{}",
        res.body
    );
    let none = c.get(&format!("/segments/{no}/why?contact=zzz"));
    assert!(none.contains("No contact&#39;s No., name, e-mail or city contains “zzz”."));
    // More than fit: said, and the segment's own come first (the member sorted last by name
    // was left out, unsaid).
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name) SELECT 'SR' || lpad(g::text, 2, '0'), 'company', \
             'Searched ' || lpad(g::text, 2, '0') FROM generate_series(1, 25) g",
    );
    step(&mut c, &no, "add", &[("contact_no", "SR25")]);
    let many = c.get(&format!("/segments/{no}/why?contact=searched"));
    assert!(many.contains(
        "choose one of these, the first 20 of more (the segment&#39;s own first): type more of \
         the name to find others."
    ), "{}", many.body);
    let first = many.body.find("why?contact=SR25\"").unwrap();
    assert!(first < many.body.find("why?contact=SR01\"").unwrap());
    assert!(many.body[first..].starts_with(
        "why?contact=SR25\">SR25 Searched 25</a> <span class=\"badge\">on the segment</span>"
    ));
    assert!(!many.contains("why?contact=SR20\""));
    let card = c.get("/contacts/ELI");
    assert!(card.contains(r#"list="why-segments""#));
    assert!(card.contains(&format!(r#"<option value="{no}">Explained</option>"#)));
}

#[test]
fn a_card_names_its_codes_and_a_person_shows_what_it_inherits_from_its_company() {
    let app = TestApp::start();
    world(&app);
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO languages (code, description) VALUES ('DA', 'Danish') ON CONFLICT DO NOTHING;
         UPDATE contacts SET salesperson_code = 'JO', language_code = 'DA' WHERE no = 'ANNA';
         INSERT INTO business_relations (code, description) VALUES ('CUST', 'Customer');
         INSERT INTO contact_business_relations (contact_id, code)
             SELECT id, 'CUST' FROM contacts WHERE no = 'ALPHA';",
    );
    let mut c = staff(&app, "stan");
    let card = c.get("/contacts/ANNA");
    card.assert_status(200);
    assert!(
        card.contains("<dt>Salesperson</dt><dd>JO – Jo Sales</dd>"),
        "{}",
        card.body
    );
    assert!(card.contains("<dt>Language</dt><dd>DA – Danish</dd>"));
    let dk = crate::segments::text(&app, "SELECT description FROM countries WHERE code = 'DK'");
    assert!(card.contains(&format!("<dt>Country/Region</dt><dd>DK – {dk}</dd>")));
    // Industry groups and business relations come from the company, marked so.
    assert!(card.contains(r#"Industry groups <span class="muted">from company <a href="/contacts/ALPHA">ALPHA</a></span>"#));
    assert!(card.contains(
        r#"RETAIL <span class="muted">Retail</span> <span class="badge">from company ALPHA</span>"#
    ));
    assert!(card.contains(
        r#"CUST <span class="muted">Customer</span> <span class="badge">from company ALPHA</span>"#
    ));
    // The company's own card has them as its own, and a person without a company none.
    let company = c.get("/contacts/ALPHA");
    assert!(!company.contains("from company"));
    assert!(!c.get("/contacts/SOLO").contains("from company"));
}
