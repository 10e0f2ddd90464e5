//! Numbers, amounts and dates as the office writes them (`RAPPORT_LOCALE`): shown on pages and
//! read from forms; a decimal mark that could mean two things is refused with a message.

use crate::auth::diesel_exec;
use crate::segments::{header_fields, staff, text, world};
use crate::support::*;
use rapport::config::Locale;

fn app_in(locale: Locale) -> TestApp {
    let app = TestApp::start_with(|c| c.locale = locale);
    world(&app);
    app
}

/// Creates a segment from the header form; its No.
fn create(c: &mut Client, changes: &[(&str, &str)]) -> String {
    let res = c.submit("/segments/new", "/segments", &header_fields(changes));
    assert_eq!(res.status, 303, "{}", res.body);
    res.location()
        .unwrap()
        .trim_start_matches("/segments/")
        .to_string()
}

#[test]
fn a_danish_cost_and_date_typed_into_the_header_are_read_and_shown_the_danish_way() {
    let app = app_in(Locale::DaDk);
    let mut c = staff(&app, "stine");
    let no = create(
        &mut c,
        &[
            ("description", "Julekort"),
            ("date", "30-11-2026"),
            ("unit_cost", "1.234,50"),
            // Minutes as the page writes a total of them, "1.000": it was refused.
            ("unit_duration_min", "1.000"),
        ],
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT unit_cost || ' ' || date || ' ' || unit_duration_min FROM segments \
                 WHERE no = '{no}'"
            )
        ),
        "1234.50 2026-11-30 1000"
    );
    let page = c.get(&format!("/segments/{no}"));
    assert!(page.contains("1.234,50"), "{}", page.body);
    // The form's date field holds ISO (HTML asks it); the list shows the office's date.
    assert!(c.get("/segments").contains("30-11-2026"));
    assert!(!page.contains("1234.50") && !page.contains("1,234.50"));
    // The browser's date field sends ISO: read too.
    create(
        &mut c,
        &[
            ("description", "ISO"),
            ("date", "2026-12-01"),
            ("unit_cost", "0"),
        ],
    );
    // A decimal point where the office writes a comma is refused, with what was typed.
    let res = c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[("description", "Punktum"), ("unit_cost", "12.50")]),
    );
    res.assert_status(422);
    assert!(
        res.contains("Write the decimals after a comma: 12,50."),
        "{}",
        res.body
    );
    assert!(res.contains("value=\"12.50\""));
    // Past cents: refused and said, not rounded away (to 1.234,57) without a word.
    let res = c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[("description", "Punktum"), ("unit_cost", "1.234,5678")]),
    );
    res.assert_status(422);
    assert!(
        res.contains("1.234,5678 has more than two decimals: amounts are kept to two."),
        "{}",
        res.body
    );
    // A point groups thousands, as the pages write them and Business Central reads them
    // under Danish regional settings: 50.000 is fifty thousand.
    let tusind = create(
        &mut c,
        &[("description", "Tusind"), ("unit_cost", "50.000")],
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT unit_cost::text FROM segments WHERE no = '{tusind}'")
        ),
        "50000.00"
    );
    // A year before the database's first (a sign the Danish pattern let through) is said next
    // to the date; it was a 500.
    for typed in ["01-01--5000", "01.01.-5000"] {
        let res = c.submit(
            "/segments/new",
            "/segments",
            &header_fields(&[("description", "Oldtid"), ("date", typed)]),
        );
        res.assert_status(422);
        assert!(res.contains(&format!("value=\"{typed}\"")), "{}", res.body);
    }
    // A date the calendar does not have is told why, not only the pattern it follows; so is
    // a number of minutes past the limit.
    let res = c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[
            ("description", "Oldtid"),
            ("date", "31-02-2026"),
            ("unit_duration_min", "2.147.483.648"),
        ]),
    );
    res.assert_status(422);
    assert!(
        res.contains(
            "There is no day 31 in February 2026 (it has 28 days): enter a date as DD-MM-YYYY."
        ) && res.contains("Enter at most 2.147.483.647 minutes."),
        "{}",
        res.body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM segments WHERE description IN ('Punktum', 'Oldtid')"),
        0
    );
    // The new segment's form offers a Danish zero, which saves as it is.
    let form = c.get("/segments/new");
    assert!(form.contains("value=\"0,00\""), "{}", form.body);
}

#[test]
fn a_comma_under_en_gb_is_a_thousands_separator_and_a_point_the_decimal_mark() {
    let app = app_in(Locale::EnGb);
    let mut c = staff(&app, "sam");
    let thousand = create(
        &mut c,
        &[("description", "Thousand"), ("unit_cost", "1,234")],
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT unit_cost::text FROM segments WHERE no = '{thousand}'")
        ),
        "1234.00"
    );
    let res = c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[("description", "Danish"), ("unit_cost", "12,50")]),
    );
    res.assert_status(422);
    assert!(
        res.contains("Write the decimals after a point: 12.50."),
        "{}",
        res.body
    );
    let no = create(
        &mut c,
        &[
            ("description", "Grouped"),
            ("unit_cost", "6,699.60"),
            ("date", "30/11/2026"),
        ],
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT unit_cost || ' ' || date FROM segments WHERE no = '{no}'")
        ),
        "6699.60 2026-11-30"
    );
    let page = c.get(&format!("/segments/{no}"));
    assert!(page.contains("6,699.60"), "{}", page.body);
    assert!(c.get("/segments").contains("30/11/2026"));
}

#[test]
fn iso_is_the_default_and_money_has_thousands_separators() {
    let app = app_in(Locale::Iso);
    let mut c = staff(&app, "ida");
    let no = create(
        &mut c,
        &[("description", "Default"), ("unit_cost", "6699.6")],
    );
    let page = c.get(&format!("/segments/{no}"));
    assert!(page.contains("6,699.60"), "{}", page.body);
    assert!(page.contains("2026-05-01"));
}

/// An opportunity's Update and Close forms come filled in with its value as the office writes
/// it, and submitted as they come they go through: in da-DK they used to be filled in as
/// "1234.50", which the Danish reading refuses ("use a comma").
#[test]
fn an_opportunitys_forms_filled_in_the_danish_way_go_through_as_they_come() {
    let app = app_in(Locale::DaDk);
    crate::opportunities::cycle(&app, "multiply");
    let mut c = staff(&app, "stine");
    // Too large a value is refused with the range and an example written the Danish way.
    let res = c.submit(
        "/opportunities/new",
        "/opportunities",
        &[
            ("description", "Stole"),
            ("contact_no", "ANNA"),
            ("sales_cycle_code", "NEW"),
            ("estimated_value", "12.345.678.901"),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains("Enter an amount of 0 or more and below 10.000.000.000, like 12,50."),
        "{}",
        res.body
    );
    let res = c.submit(
        "/opportunities/new",
        "/opportunities",
        &[
            ("description", "Stole"),
            ("contact_no", "ANNA"),
            ("sales_cycle_code", "NEW"),
            ("salesperson_code", "JO"),
            ("estimated_value", "1.234,50"),
            ("estimated_closing_date", "31-12-2099"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let card_path = res.location().unwrap();
    let no = card_path.trim_start_matches("/opportunities/").to_string();
    assert_eq!(
        text(
            &app,
            &format!("SELECT estimated_closing_date::text FROM opportunities WHERE no = '{no}'")
        ),
        "2099-12-31"
    );
    // The list's filters read dates the Danish way, and say so of one they cannot read.
    let list = c.get("/opportunities?closing_from=30-12-2099&closing_to=31-12-2099");
    list.assert_status(200);
    assert!(list.contains(&format!(">{no}<")), "{}", list.body);
    assert!(!c
        .get("/opportunities?closing_from=01-01-2100")
        .contains(&format!(">{no}<")));
    let list = c.get("/opportunities?closing_from=2099-31-12");
    list.assert_status(422);
    assert!(
        list.contains("There is no month 31: enter a date as DD-MM-YYYY."),
        "{}",
        list.body
    );
    // One without a closing date takes the first stage's formula's.
    diesel_exec(
        &app,
        &format!("UPDATE opportunities SET estimated_closing_date = NULL WHERE no = '{no}'"),
    );
    let card = c.get(&card_path);
    assert!(card.contains("value=\"1.234,50\""), "{}", card.body);
    let version = hidden_value(&card.body, "version").unwrap();
    let res = c.post_with_token(
        &format!("/opportunities/{no}/update"),
        &card.csrf_token().unwrap(),
        &[
            ("action", "first"),
            ("estimated_value", "1.234,50"),
            ("version", &version),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    // The flash writes the date the stage's formula gave the Danish way; the audit trail
    // keeps it in ISO, as its details are (it read "28-12-2026").
    let week = text(&app, "SELECT (current_date + 7)::text");
    let card = c.get(&card_path);
    let (y, m, d) = (&week[..4], &week[5..7], &week[8..]);
    assert!(
        card.contains(&format!("Its estimated closing date is now {d}-{m}-{y}")),
        "{}",
        card.body
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE subject = '{no}' \
             AND detail LIKE '%Its estimated closing date is now {week} (%'"
        )),
        1
    );
    let version = hidden_value(&card.body, "version").unwrap();
    let today = text(&app, "SELECT current_date::text");
    // A date written the Danish way.
    let danish = |iso: &str| {
        let (y, rest) = iso.split_once('-').unwrap();
        let (m, d) = rest.split_once('-').unwrap();
        format!("{d}-{m}-{y}")
    };
    let close = |c: &mut Client, final_value: &str| {
        c.post_with_token(
            &format!("/opportunities/{no}/close"),
            &card.csrf_token().unwrap(),
            &[
                ("outcome", "won"),
                ("close_code", "SIGNED"),
                ("date_closed", &danish(&today)),
                ("final_value", final_value),
                ("version", &version),
            ],
        )
    };
    // A decimal point where the office writes a comma: the reason says how to write it.
    let res = close(&mut c, "12500.00");
    res.assert_status(422);
    assert!(
        res.contains("Write the decimals after a comma: 12500,00."),
        "{}",
        res.body
    );
    // A date closed in the Danish way is read; one before the creation is refused, naming
    // the creation date the Danish way.
    let yesterday = text(&app, "SELECT (current_date - 1)::text");
    let res = c.post_with_token(
        &format!("/opportunities/{no}/close"),
        &card.csrf_token().unwrap(),
        &[
            ("outcome", "won"),
            ("close_code", "SIGNED"),
            ("date_closed", &danish(&yesterday)),
            ("final_value", "1.234,50"),
            ("version", &version),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains(&format!(
            "The date closed cannot be before the opportunity was created, {}.",
            danish(&today)
        )),
        "{}",
        res.body
    );
    let res = close(&mut c, "1.234,50");
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT status || ':' || estimated_value FROM opportunities WHERE no = '{no}'"
            )
        ),
        "won:1234.50"
    );
}

/// A line's own unit cost is filled in the Danish way, so the line form saved as it comes (an
/// evaluation chosen, nothing else touched) goes through: it was filled in as "1234.50", and
/// the save refused a value the user never typed.
#[test]
fn a_lines_own_cost_is_filled_in_the_danish_way_and_goes_through_as_it_comes() {
    let app = app_in(Locale::DaDk);
    let mut c = staff(&app, "stine");
    let no = create(
        &mut c,
        &[("description", "Julekort"), ("unit_cost", "0,00")],
    );
    crate::segments::step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    crate::auth::diesel_exec(&app, "UPDATE segment_lines SET unit_cost = 1234.5");
    let id = text(&app, "SELECT id FROM segment_lines");
    let page = format!("/segments/{no}/lines/{id}");
    let form = c.get(&page);
    form.assert_status(200);
    assert!(form.contains("value=\"1.234,50\""), "{}", form.body);
    let res = c.post_with_token(
        &page,
        &form.csrf_token().unwrap(),
        &[
            ("salesperson_code", ""),
            ("date", ""),
            ("interaction_template_code", ""),
            ("subject", ""),
            ("correspondence_type", ""),
            ("unit_cost", "1.234,50"),
            ("unit_duration_min", ""),
            ("evaluation", "positive"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT unit_cost::text || ' ' || evaluation FROM segment_lines WHERE id = {id}"
            )
        ),
        "1234.50 positive"
    );
}

/// Setup forms and the campaign list in da-DK: a new interaction template's cost opens as
/// "0,00" and is saved as it came (it opened as "0.00", refused there); a stage's fractional
/// percentages open the Danish way; the campaign list shows its dates as the card does.
#[test]
fn setup_forms_and_the_campaign_list_speak_danish_too() {
    let app = app_in(Locale::DaDk);
    crate::opportunities::cycle(&app, "multiply");
    let mut admin = app.signed_in("boss", "admin");
    let form = admin.get("/setup/interaction-templates/new");
    assert!(form.contains("value=\"0,00\""), "{}", form.body);
    let res = admin.submit(
        "/setup/interaction-templates/new",
        "/setup/interaction-templates",
        &[
            ("code", "VISIT"),
            ("group_code", "PHONE"),
            ("description", "Visit"),
            ("unit_cost", "0,00"),
            ("unit_duration_min", "0"),
            ("information_flow", "outbound"),
            ("initiated_by", "us"),
            ("campaign_no", ""),
            ("correspondence_type", "email"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    // Its cost changed the Danish way: the audit trail writes amounts as exports do, whatever
    // the setting (it read "unit cost 0,00 → 1.234,50").
    let res = admin.submit(
        "/setup/interaction-templates/VISIT",
        "/setup/interaction-templates/VISIT",
        &[
            ("code", "VISIT"),
            ("group_code", "PHONE"),
            ("description", "Visit"),
            ("unit_cost", "1.234,50"),
            ("unit_duration_min", "0"),
            ("information_flow", "outbound"),
            ("initiated_by", "us"),
            ("campaign_no", ""),
            ("correspondence_type", "email"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE subject = 'interaction template VISIT' \
             AND (detail LIKE '%unit cost 0.00;%' OR detail = 'unit cost 0.00 → 1234.50')"
        ),
        2
    );

    crate::auth::diesel_exec(
        &app,
        "UPDATE sales_cycle_stages SET completed_pct = 12.5, chances_pct = 33.25 WHERE stage = 2;
         UPDATE campaigns SET starting_date = '2026-11-30', ending_date = '2027-01-31'
             WHERE no = 'CP0001'",
    );
    let stage = admin.get("/setup/sales-cycles/NEW/stages/2");
    assert!(
        stage.contains("12,5") && stage.contains("33,25"),
        "{}",
        stage.body
    );
    assert!(!stage.contains("12.5"));
    // A point for the decimals is pointed at, as for amounts.
    let res = admin.submit(
        "/setup/sales-cycles/NEW/stages/2",
        "/setup/sales-cycles/NEW/stages/2",
        &[
            ("stage", "2"),
            ("description", "Proposal"),
            ("completed_pct", "12.5"),
            ("chances_pct", "33,25"),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains("Write the decimals after a comma: 12,5."),
        "{}",
        res.body
    );
    let list = admin.get("/campaigns");
    assert!(
        list.contains("30-11-2026") && list.contains("31-01-2027"),
        "{}",
        list.body
    );
    // Descriptions in the Danish alphabet: Æ, Ø, Å after Z, and "Aa" as Å.
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO campaigns (no, description) VALUES
             ('CP0301', 'Aarhus messe'), ('CP0302', 'Øst kampagne'), ('CP0303', 'Ærø tur'),
             ('CP0304', 'Odense dag'), ('CP0305', 'Zulu uge')",
    );
    let sorted = admin.get("/campaigns?sort=description&dir=asc&q=CP030");
    let at = |no: &str| sorted.body.find(&format!(">{no}<")).unwrap();
    let order = ["CP0304", "CP0305", "CP0303", "CP0302", "CP0301"];
    assert!(
        order.windows(2).all(|w| at(w[0]) < at(w[1])),
        "{}",
        sorted.body
    );
}

/// The counts of a deletion's page are written the office's way: "1.200 persons" under
/// da-DK, not "1200".
#[test]
fn the_counts_of_a_deletions_page_are_written_the_offices_way() {
    let app = app_in(Locale::DaDk);
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name) VALUES ('BIG', 'company', 'Big A/S');
         INSERT INTO contacts (no, type, name, company_id)
           SELECT 'P' || g, 'person', 'Person ' || g, (SELECT id FROM contacts WHERE no = 'BIG')
           FROM generate_series(1, 1200) g;",
    );
    let mut c = app.signed_in("stan", "staff");
    let page = c.get("/contacts/BIG/delete");
    page.assert_status(200);
    assert!(
        page.contains("Its 1.200 persons, each with") && page.contains(" and 1.180 more</li>"),
        "{}",
        page.body
    );
    // A segment of them deleted: the flash says "1.201 lines" as the office writes it, the
    // audit trail "1201 lines", as its details are written whatever the setting (it read
    // "1.201", which is 1,201 or 1.201 as the setting goes).
    let no = create(&mut c, &[("description", "Alle"), ("unit_cost", "0")]);
    crate::segments::step(&mut c, &no, "add", &[("name", "P*|Big*")]);
    crate::segments::post(&mut c, &format!("/segments/{no}/delete"), &[])
        .assert_redirect("/segments");
    assert!(c
        .get("/segments")
        .contains("deleted with its 1.201 lines, 1 step."));
    assert_eq!(
        text(
            &app,
            "SELECT detail FROM audit_log WHERE action = 'segment deleted'"
        ),
        "Alle (1201 lines, 1 step)"
    );
}

/// A segment's date filter reads a date written the way the office's pages show it, and the
/// ledger says it so; a date it cannot read is refused with the office's way as the example.
#[test]
fn a_date_filter_reads_and_says_dates_the_danish_way() {
    let app = app_in(Locale::DaDk);
    let mut c = staff(&app, "stine");
    let no = create(&mut c, &[("description", "Januar"), ("unit_cost", "0,00")]);
    crate::segments::step(
        &mut c,
        &no,
        "add",
        &[("interaction_date", "01-01-2026..31-01-2026")],
    );
    crate::segments::assert_members(&app, &no, &["ANNA", "DORA"]);
    let page = c.get(&format!("/segments/{no}"));
    assert!(
        page.contains("interaction date from 01-01-2026 to 31-01-2026"),
        "{}",
        page.body
    );
    let res = crate::segments::post(
        &mut c,
        &format!("/segments/{no}/add"),
        &[("interaction_date", "1 januar")],
    );
    res.assert_status(422);
    assert!(
        res.contains("is not a date: write it as DD-MM-YYYY, e.g. 31-01-2026"),
        "{}",
        res.body
    );
}

/// A number series' next number is typed the office's way: "1.204" is one thousand two
/// hundred and four under da-DK, and "1,204", a Danish decimal, is refused, not read as 1204.
#[test]
fn a_next_number_is_read_with_the_offices_thousands_separator() {
    let app = app_in(Locale::DaDk);
    let mut admin = app.signed_in("boss", "admin");
    let page = "/setup/number-series/CONTACT";
    let save = |admin: &mut Client, next: &str| {
        admin.submit(
            page,
            page,
            &[
                ("description", "Contacts"),
                ("prefix", "CT"),
                ("width", "6"),
                ("next_number", next),
                ("current_next", "1"),
            ],
        )
    };
    save(&mut admin, "1,204").assert_status(422);
    assert_eq!(
        app.count("SELECT next_number FROM number_series WHERE code = 'CONTACT'"),
        1
    );
    save(&mut admin, "1.204").assert_redirect("/setup/number-series");
    assert_eq!(
        app.count("SELECT next_number FROM number_series WHERE code = 'CONTACT'"),
        1204
    );
}

/// An import's result, written on its own thread, says its numbers the office's way, as the
/// rest of its page does: "1,204 contacts imported" read as about one under da-DK.
#[test]
fn an_imports_result_says_its_numbers_the_offices_way() {
    let app = app_in(Locale::DaDk);
    let mut c = staff(&app, "stine");
    let mut csv = String::from("type,name\n");
    for i in 0..1_204 {
        csv.push_str(&format!("company,Firma {i}\n"));
    }
    let page = crate::contacts::import(&mut c, &csv);
    assert!(page.contains("1.204 contacts imported."), "{}", page.body);
    assert!(!page.contains("1,204"));
}

/// A header saved by a colleague meanwhile, in da-DK: the conflict's table writes both dates
/// the Danish way (the saved one came as the date field's ISO, "2027-01-05", beside the
/// typed "06-01-2027").
#[test]
fn a_conflicts_dates_are_written_the_offices_way() {
    let app = app_in(Locale::DaDk);
    let mut c = staff(&app, "stine");
    let no = create(&mut c, &[("description", "Julekort"), ("unit_cost", "0")]);
    let page = format!("/segments/{no}");
    let mine = c.get(&page);
    let version = hidden_value(&mine.body, "version").unwrap();
    let mut colleague = staff(&app, "sune");
    let theirs = colleague.get(&page);
    colleague
        .post_with_token(
            &page,
            &theirs.csrf_token().unwrap(),
            &header_fields(&[
                ("description", "Julekort"),
                ("date", "2027-01-05"),
                ("unit_cost", "0"),
                ("version", &version),
            ]),
        )
        .assert_redirect(&page);
    let res = c.post_with_token(
        &page,
        &mine.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Julekort"),
            ("date", "06-01-2027"),
            ("unit_cost", "0"),
            ("version", &version),
        ]),
    );
    res.assert_status(409);
    assert!(
        res.contains("<td>05-01-2027</td><td>06-01-2027</td>") && !res.contains("<td>2027-01-05"),
        "{}",
        res.body
    );
}
