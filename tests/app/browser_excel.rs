//! The Excel journey in a browser: the contact list exported as a workbook, a cell edited in
//! it (as a spreadsheet would save it), the workbook imported back, the change on the list.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::browser::{run_journey, tools_or_skip};
use crate::support::TestApp;

/// The workbook's cells with `edit` applied to every row, saved again without the numbers
/// (import gives new contacts the next numbers of the series) — as a user copying rows in a
/// spreadsheet would.
fn edited(workbook: Vec<u8>, edit: impl Fn(&str, &str) -> Option<String>) -> Vec<u8> {
    let mut book = Xlsx::new(Cursor::new(workbook)).expect("a workbook");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("its sheet");
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let mut out = rust_xlsxwriter::Workbook::new();
    let sheet = out.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let column = header[c].as_str();
            let value = cell.to_string();
            let value = if r == 0 {
                value
            } else if column == "no" {
                String::new()
            } else {
                edit(column, &value).unwrap_or(value)
            };
            if !value.is_empty() {
                sheet.write_string(r as u32, c as u16, value).unwrap();
            }
        }
    }
    out.save_to_buffer().unwrap()
}

#[test]
fn browser_contacts_to_excel_edited_and_imported_back() {
    let Some(tools) = tools_or_skip("browser_contacts_to_excel_edited_and_imported_back") else {
        return;
    };
    let app = TestApp::start();
    app.user("stan", "staff");
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, city, country_code, phone) VALUES
             ('CT000001', 'company', 'Nordlys ApS', 'Aarhus', 'DK', '+45 69 22 73 45'),
             ('CT000002', 'company', 'Fjord AB', 'Malmö', 'SE', '');",
    );
    let files = tempfile::tempdir().expect("temp dir");
    let path = files.path().join("contacts.xlsx");
    run_journey(&app, tools, |b| async move {
        b.sign_in("stan").await;
        b.open("/contacts?country=DK").await;
        let link = b
            .attr("a[href^='/contacts/export.xlsx']", "href")
            .await
            .expect("an Excel link beside the CSV link");
        assert!(link.contains("country=DK"), "{link}");
        // The file the link gives this signed-in browser, byte for byte.
        let file = b
            .eval(&format!(
                "var x = new XMLHttpRequest(); x.open('GET', '{link}', false); \
                 x.overrideMimeType('text/plain; charset=x-user-defined'); x.send(); \
                 return [x.status, x.getResponseHeader('Content-Type'), x.responseText];"
            ))
            .await;
        assert_eq!(file[0], 200, "{file:?}");
        assert!(file[1].as_str().unwrap_or("").contains("spreadsheetml"));
        let bytes: Vec<u8> = file[2]
            .as_str()
            .unwrap_or("")
            .chars()
            .map(|c| (c as u32 & 0xff) as u8)
            .collect();
        let edited = edited(bytes, |column, value| match column {
            "name" => Some(format!("{value} Nord")),
            "city" => Some("Aalborg".to_string()),
            _ => None,
        });
        std::fs::write(&path, edited).unwrap();

        b.open("/contacts/import").await;
        b.attach("file", &path).await;
        b.press("Check and import").await;
        b.wait_for_text("1 contact imported.").await;
        b.follow("Show the contacts").await;
        b.open("/contacts?q=Nordlys").await;
        let text = b.main_text().await;
        assert!(text.contains("Nordlys ApS Nord"), "{text}");
        assert!(text.contains("Aalborg"), "{text}");
    });
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contacts WHERE no NOT IN ('CT000001', 'CT000002') \
             AND name = 'Nordlys ApS Nord' AND city = 'Aalborg' AND phone = '+45 69 22 73 45'"
        ),
        1,
        "the edited row came back as a new contact, its phone as it was"
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 3);
}
