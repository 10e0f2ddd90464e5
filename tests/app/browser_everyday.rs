//! Everyday use in Chromium, as a new user would go about it: a segment built with lookups only
//! (a typo refused on the preview), saved criteria used in a new segment, the Reuse picker,
//! Why finding a contact by part of its name; a person's card with what it inherits and only
//! the questionnaires that apply to it; the Excel round trip through the import page; a
//! Danish-formatted cost typed on a segment header. Every page checked by axe-core (desktop,
//! 320 px, 200 % zoom) and the HTML checker.

use fantoccini::Locator;

use crate::browser::{run_journey, tools_or_skip, Browser};
use crate::segments::{staff, text, world};
use crate::support::*;

/// The segment No. of the page the browser is on (`/segments/SG0001…`).
async fn segment_no(b: &Browser) -> String {
    let path = b.path().await;
    path.trim_start_matches("/segments/")
        .split(['?', '#', '/'])
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn browser_everyday_a_segment_by_lookups_saved_criteria_reuse_and_why() {
    let Some(tools) =
        tools_or_skip("browser_everyday_a_segment_by_lookups_saved_criteria_reuse_and_why")
    else {
        return;
    };
    let app = TestApp::start();
    world(&app);
    staff(&app, "stan");
    let found = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = found.clone();
    run_journey(&app, tools, |b| async move {
        b.sign_in("stan").await;
        b.open("/segments/new").await;
        b.fill("description", "Retail in Denmark").await;
        b.press("Create segment").await;
        let first = segment_no(&b).await;
        b.follow("Add Contacts").await;

        // The industry group field offers the codes with their names.
        assert_eq!(
            b.attr("#f-industry_group", "list").await.as_deref(),
            Some("codes-industry-groups")
        );
        let offered = b
            .eval(
                "return [...document.querySelectorAll('#codes-industry-groups option')]\
                 .map(o => o.value + '=' + o.textContent);",
            )
            .await;
        assert!(
            offered
                .as_array()
                .is_some_and(|o| o.iter().any(|v| v == "RETAIL=Retail")),
            "{offered}"
        );
        // A typo is refused on the preview, next to its field.
        b.fill("f-industry_group", "RETIAL").await;
        b.press("Preview").await;
        assert_eq!(b.status().await, 422);
        assert!(b
            .text_of("f-industry_group-error")
            .await
            .contains("RETIAL is not an industry group code"));
        // The code the list offers (typing it is what choosing the option does).
        b.fill("f-industry_group", "RETAIL").await;
        b.fill("f-country", "DK").await;
        b.press("Preview").await;
        let preview = b.main_text().await;
        assert!(preview.contains("This step adds 2 contacts"), "{preview}");
        b.press("Apply Add Contacts").await;
        b.expect_page(&format!("/segments/{first}"), 200, &["Lines (2)"])
            .await;

        // Saved, then used in a new segment from the saved criteria.
        b.fill("save-code", "RETDK").await;
        b.fill("save-description", "Retail in Denmark").await;
        b.press("Save Criteria").await;
        b.open("/saved-criteria").await;
        b.press("Use RETDK in a new segment").await;
        let second = segment_no(&b).await;
        assert_ne!(second, first);
        assert!(b.main_text().await.contains("Lines (2)"));

        // The Reuse picker: the first segment chosen from the list.
        b.open(&format!("/segments/{second}/reuse")).await;
        b.choose("reuse-segment", &first).await;
        b.find(Locator::Id("rs-existing"))
            .await
            .click()
            .await
            .unwrap();
        b.press("Reuse Segment").await;
        assert!(
            b.path().await.starts_with(&format!("/segments/{second}")),
            "{}",
            b.path().await
        );

        // Why finds a contact by part of its name.
        b.open(&format!("/segments/{first}/why")).await;
        b.fill("contact", "Alph").await;
        b.press("Explain").await;
        let candidates = b.main_text().await;
        assert!(candidates.contains("ANNA Anna Alpha"), "{candidates}");
        b.follow("ANNA Anna Alpha").await;
        let why = b.main_text().await;
        seen.lock().unwrap().push(why);

        // A card's Why sent with a segment that is not there comes back at its form with the
        // error: the field is focused (browsers skip autofocus on a page opened at a place in
        // it), so the keyboard and a screen reader start there.
        b.open("/contacts/ANNA").await;
        b.fill("why-segment", "SM99999").await;
        b.press("Explain").await;
        assert!(b.path().await.contains("why=SM99999"), "{}", b.path().await);
        let focused = b
            .eval("return document.activeElement ? document.activeElement.id : '';")
            .await;
        assert_eq!(focused.as_str(), Some("why-segment"));
    });
    let why = found.lock().unwrap().join("\n");
    assert!(why.contains("ANNA"), "{why}");
    assert_eq!(
        app.count("SELECT count(*) FROM saved_criteria WHERE code = 'RETDK'"),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM segments"), 2);
}

#[test]
fn browser_everyday_a_persons_card_inherits_and_shows_only_its_questionnaires() {
    let Some(tools) =
        tools_or_skip("browser_everyday_a_persons_card_inherits_and_shows_only_its_questionnaires")
    else {
        return;
    };
    let app = TestApp::start();
    world(&app);
    staff(&app, "stan");
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO profile_questionnaires (code, description, contact_type)
             VALUES ('PERS', 'Person profile', 'person');
         INSERT INTO profile_questions (questionnaire_code, position, description)
             VALUES ('PERS', 1, 'Channel');
         INSERT INTO profile_answers (question_id, position, description)
             SELECT id, 1, 'Phone' FROM profile_questions WHERE description = 'Channel';",
    );
    let question = text(
        &app,
        "SELECT id FROM profile_questions WHERE description = 'Channel'",
    );
    let answer = text(
        &app,
        "SELECT id FROM profile_answers WHERE description = 'Phone'",
    );
    let answered = answer.clone();
    run_journey(&app, tools, |b| async move {
        b.sign_in("stan").await;
        b.open("/contacts/ANNA").await;
        let card = b.main_text().await;
        assert!(
            card.contains("Industry groups from company ALPHA"),
            "{card}"
        );
        assert!(
            b.text_of("inherited-industry-group")
                .await
                .contains("RETAIL Retail from company ALPHA"),
            "{}",
            b.text_of("inherited-industry-group").await
        );
        assert!(card.contains("Channel (Person profile)"), "{card}");
        b.choose(&format!("q_{question}"), &answer).await;
        b.press("Save answers").await;
        assert!(b.main_text().await.contains("Profile answers saved."));

        // A company's card does not offer it, and answering it there anyway is refused.
        b.open("/contacts/ALPHA").await;
        let card = b.main_text().await;
        assert!(!card.contains("Channel"), "{card}");
        b.eval(&format!(
            "const f = document.querySelector('form.profile-form'); \
             const i = document.createElement('input'); i.type = 'hidden'; \
             i.name = 'q_{question}'; i.value = '{answer}'; f.appendChild(i); \
             window.__rapportOldPage = true; f.submit(); return null;"
        ))
        .await;
        b.wait_for_new_page("answering a person's questionnaire for a company")
            .await;
        b.check_page().await;
        assert_eq!(b.status().await, 422);
        let refused = b.main_text().await;
        assert!(
            refused.contains("PERS (persons only) does not apply to ALPHA Alpha Retail, a company"),
            "{refused}"
        );
    });
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM contact_profile_answers WHERE answer_id = {answered}"
        )),
        1,
        "ANNA's answer only"
    );
}

#[test]
fn browser_everyday_the_contact_list_to_excel_and_back_updating_the_contacts() {
    let Some(tools) =
        tools_or_skip("browser_everyday_the_contact_list_to_excel_and_back_updating_the_contacts")
    else {
        return;
    };
    let app = TestApp::start();
    world(&app);
    staff(&app, "stan");
    crate::auth::diesel_exec(&app, "UPDATE contacts SET search_name = upper(name)");
    let files = tempfile::tempdir().expect("temp dir");
    let path = files.path().join("contacts.xlsx");
    run_journey(&app, tools, |b| async move {
        b.sign_in("stan").await;
        b.open("/contacts?country=DK").await;
        let link = b
            .attr("a[href^='/contacts/export.xlsx']", "href")
            .await
            .expect("an Excel link");
        let file = b
            .eval(&format!(
                "var x = new XMLHttpRequest(); x.open('GET', '{link}', false); \
                 x.overrideMimeType('text/plain; charset=x-user-defined'); x.send(); \
                 return [x.status, x.responseText];"
            ))
            .await;
        assert_eq!(file[0], 200, "{file:?}");
        let bytes: Vec<u8> = file[1]
            .as_str()
            .unwrap_or("")
            .chars()
            .map(|c| (c as u32 & 0xff) as u8)
            .collect();
        // One cell edited in a spreadsheet: ALPHA's city.
        std::fs::write(&path, edit_city(bytes, "ALPHA", "Ålborg")).unwrap();

        b.open("/contacts/import").await;
        b.attach("file", &path).await;
        b.press("Check and import").await;
        b.wait_for_text("Nothing was imported.").await;
        assert!(b.main_text().await.contains("already exists"));

        b.open("/contacts/import").await;
        b.attach("file", &path).await;
        b.find(Locator::Id("update_existing"))
            .await
            .click()
            .await
            .unwrap();
        b.press("Check and import").await;
        // ALPHA and its three persons who follow its address; the other four as they were.
        b.wait_for_text(
            "0 contacts imported, 4 updated, 4 unchanged (the file has their values already).",
        )
        .await;
        b.open("/contacts/ALPHA").await;
        assert!(b.main_text().await.contains("Ålborg"));
    });
    assert_eq!(
        text(&app, "SELECT city FROM contacts WHERE no = 'ALPHA'"),
        "Ålborg"
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 10);
}

/// The workbook with the city of contact `no` changed, saved again as a spreadsheet would.
fn edit_city(workbook: Vec<u8>, no: &str, city: &str) -> Vec<u8> {
    use calamine::{Data, Reader, Xlsx};
    let mut book = Xlsx::new(std::io::Cursor::new(workbook)).expect("a workbook");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("its sheet");
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| match d {
                    Data::Empty => String::new(),
                    d => d.to_string(),
                })
                .collect()
        })
        .collect();
    let col = |h: &str| rows[0].iter().position(|c| c == h).unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    let sheet = out.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let v = if r > 0 && c == col("city") && row[col("no")] == no {
                city
            } else {
                v.as_str()
            };
            if !v.is_empty() {
                sheet.write_string(r as u32, c as u16, v).unwrap();
            }
        }
    }
    out.save_to_buffer().unwrap()
}

#[test]
fn browser_everyday_a_danish_cost_typed_on_a_segment_header() {
    let Some(tools) = tools_or_skip("browser_everyday_a_danish_cost_typed_on_a_segment_header")
    else {
        return;
    };
    let app = TestApp::start_with(|c| c.locale = rapport::config::Locale::DaDk);
    world(&app);
    staff(&app, "stine");
    run_journey(&app, tools, |b| async move {
        b.sign_in("stine").await;
        b.open("/segments/new").await;
        b.fill("description", "Julekort").await;
        b.fill("unit_cost", "1.234,50").await;
        b.press("Create segment").await;
        let no = segment_no(&b).await;
        assert_eq!(b.value("unit_cost").await, "1.234,50");
        // A point where the office writes a comma is refused, what was typed kept.
        b.fill("unit_cost", "12.50").await;
        b.press("Save header").await;
        assert_eq!(b.status().await, 422);
        assert_eq!(b.value("unit_cost").await, "12.50");
        b.fill("unit_cost", "12,5").await;
        b.press("Save header").await;
        b.expect_page(&format!("/segments/{no}"), 200, &["saved"])
            .await;
        assert_eq!(b.value("unit_cost").await, "12,50");
    });
    assert_eq!(text(&app, "SELECT unit_cost FROM segments"), "12.50");
}

/// A date typed only in part (or one the calendar does not have) in a browser's date field is
/// sent as nothing: the form is not sent, the field says why, and the saved date stays. It
/// was saved as no date, silently.
#[test]
fn browser_everyday_a_date_typed_in_part_is_not_sent_as_no_date() {
    let Some(tools) = tools_or_skip("browser_everyday_a_date_typed_in_part_is_not_sent_as_no_date")
    else {
        return;
    };
    let app = TestApp::start();
    world(&app);
    staff(&app, "stine");
    run_journey(&app, tools, |b| async move {
        b.sign_in("stine").await;
        b.open("/campaigns/new").await;
        b.fill("description", "Spring fair").await;
        b.press("Create campaign").await;
        let card = b.path().await;
        b.open(&format!("{card}/edit")).await;
        b.eval("document.getElementById('ending_date').value = '2027-03-31'; return null;")
            .await;
        b.press("Save campaign").await;
        b.expect_page(&card, 200, &["saved"]).await;
        b.open(&format!("{card}/edit")).await;
        // The month typed, not the day nor the year.
        b.fill("ending_date", "12").await;
        assert_eq!(
            b.eval("return document.getElementById('ending_date').validity.badInput;")
                .await,
            serde_json::Value::Bool(true),
            "the field holds a date typed in part"
        );
        b.find(Locator::XPath(
            "//button[normalize-space()='Save campaign']",
        ))
        .await
        .click()
        .await
        .expect("click");
        let said = b.text_of("ending_date-incomplete").await;
        assert!(said.contains("This date is incomplete"), "{said}");
        assert_eq!(
            b.eval("return document.activeElement.id;").await,
            serde_json::Value::String("ending_date".into())
        );
        assert!(b.path().await.ends_with("/edit"), "not sent");
        // Cleared (as the field's own clear button does), it is sent as no date, as asked.
        b.eval("document.getElementById('ending_date').value = ''; return null;")
            .await;
        b.press("Save campaign").await;
        b.expect_page(&card, 200, &["saved"]).await;
    });
    assert_eq!(
        text(
            &app,
            "SELECT coalesce(ending_date::text, 'none') FROM campaigns \
             WHERE description = 'Spring fair'"
        ),
        "none"
    );
}
