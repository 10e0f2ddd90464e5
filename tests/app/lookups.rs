//! Finding the right values (docs/segments.md, Lookups): the filter form offers every code
//! field's codes with their descriptions and a link to its code table; a plain value that is
//! not a code is refused next to its field, in the preview and in the step.

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
    // Both salesperson fields use the one list.
    assert_eq!(form.body.matches(r#"list="codes-salespeople""#).count(), 2);
    assert!(form.contains(r#"id="f-industry_group" name="industry_group" type="text" value="" autocomplete="off" list="codes-industry-groups""#));
    assert!(form.contains(r#"<a class="lookup-link" href="/setup/industry-groups""#));
    assert!(form.contains(r#"<a class="lookup-link" href="/campaigns""#));
    // Contacts are too many to offer; their fields link to the contact list.
    assert!(!form.contains("codes-contacts"));
    assert!(form.contains(r#"<a class="lookup-link" href="/contacts?type=company""#));
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
    for value in ["RETIAL|RETAIL", "RET*", "<>RETIAL", "A..S", "@retail", "''"] {
        let res = c.get(&preview_url(&no, "add", &[("industry_group", value)]));
        assert_eq!(res.status, 200, "{value}:\n{}", res.body);
        assert!(res.contains("This step adds"), "{value}");
    }
    let res = c.get(&preview_url(&no, "add", &[("industry_group", "retail")]));
    res.assert_status(200);
    assert!(res.contains("This step adds <strong>"));
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
