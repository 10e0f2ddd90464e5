//! Excel both ways through HTTP: every list that exports CSV exports a workbook too (read back
//! with calamine: text as text, numbers as numbers, dates as dates, no formula, no
//! apostrophe), the segment lines carry what a mail merge needs, and import reads the CSV that
//! Excel writes (`;`, Windows-1252) and workbooks, all or nothing.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::auth::diesel_exec;
use crate::segments::{new_segment, staff, step, world};
use crate::support::*;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Downloads a workbook and gives its first sheet's rows.
pub(crate) fn workbook(c: &mut Client, path: &str) -> Vec<Vec<Data>> {
    let (status, content_type, body) = c.get_bytes(path);
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    assert_eq!(content_type.as_deref(), Some(XLSX));
    let mut book = Xlsx::new(Cursor::new(body)).expect("a workbook");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("its first sheet");
    // No cell of ours is a formula.
    let formulas = book.worksheet_formula(&name).expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formulas"
    );
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(v: &str) -> Data {
    Data::String(v.to_string())
}

/// The cell of `row` under the header `column`.
fn cell<'a>(rows: &'a [Vec<Data>], row: usize, column: &str) -> &'a Data {
    let col = rows[0]
        .iter()
        .position(|h| *h == text(column))
        .unwrap_or_else(|| panic!("no column {column} in {:?}", rows[0]));
    rows[row].get(col).unwrap_or(&Data::Empty)
}

fn import_file(c: &mut Client, fields: &[(&str, &str)], name: &str, data: &[u8]) -> Resp {
    let res = c.upload_with("/contacts/import", "/contacts/import", fields, name, data);
    assert_eq!(res.status, 303, "upload failed:\n{}", res.body);
    let job = res.location().unwrap();
    c.wait_for(&job, |r| !r.contains("data-status-url"))
}

#[test]
fn the_contact_list_exports_a_workbook_with_the_same_rows_as_its_csv() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET name = '=HYPERLINK(\"http://evil\")', phone = '+45 69 22 73 45', \
           post_code = '0800' WHERE no = 'ALPHA'",
    );
    let mut c = staff(&app, "stan");
    let list = c.get("/contacts?country=DK");
    assert!(
        list.contains("href=\"/contacts/export.xlsx?country=DK"),
        "the Excel link sits beside the CSV link:\n{}",
        list.body
    );
    let rows = workbook(&mut c, "/contacts/export.xlsx?country=DK");
    let csv = c.get("/contacts/export.csv?country=DK");
    assert_eq!(
        rows.len(),
        csv.body.lines().count(),
        "the same rows as the CSV"
    );
    assert_eq!(rows[0][0], text("no"));
    assert_eq!(rows[0].len(), 29);
    let alpha = (1..rows.len())
        .find(|&r| *cell(&rows, r, "no") == text("ALPHA"))
        .expect("ALPHA exported");
    // Text stays text as it is: no apostrophe, no formula, leading zeros kept.
    assert_eq!(
        *cell(&rows, alpha, "name"),
        text("=HYPERLINK(\"http://evil\")")
    );
    assert_eq!(*cell(&rows, alpha, "phone"), text("+45 69 22 73 45"));
    assert_eq!(*cell(&rows, alpha, "post_code"), text("0800"));
    assert_eq!(*cell(&rows, alpha, "exclude_from_segment"), text("false"));
    assert!(!rows
        .iter()
        .any(|r| r.iter().any(|c| c.to_string().starts_with('\''))));
    // Viewers may export; anonymous visitors may not.
    let mut viewer = app.signed_in("vera", "viewer");
    workbook(&mut viewer, "/contacts/export.xlsx");
    app.client()
        .get("/contacts/export.xlsx")
        .assert_redirect("/login?next=%2Fcontacts%2Fexport.xlsx");
}

#[test]
fn the_segment_lines_export_what_a_mail_merge_needs_as_csv_and_workbook() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET job_title = 'Buyer', address = 'Havnegade 1', address_2 = '2. sal', \
           post_code = '8000', city = 'Aarhus', phone = '+45 1234 5678', \
           correspondence_type = 'email', name = 'Anna Marie Alpha' WHERE no = 'ANNA'",
    );
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Spring letters");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA|ALPHA")]);
    // The header says hard copy and its template ignores the contact's type; DORA's own
    // line says e-mail, with a subject of its own.
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'MAIL', subject = 'Spring offer', \
               correspondence_type = 'hard_copy', ignore_contact_correspondence_type = TRUE, \
               date = '2026-05-01' WHERE no = '{no}';
             UPDATE segment_lines l SET correspondence_type = 'email', subject = 'For Dora' \
               FROM contacts c, segments s WHERE c.id = l.contact_id AND s.id = l.segment_id \
               AND s.no = '{no}' AND c.no = 'DORA';"
        ),
    );
    let page = c.get(&format!("/segments/{no}"));
    assert!(page.contains(&format!("href=\"/segments/{no}/export.xlsx\"")));

    let rows = workbook(&mut c, &format!("/segments/{no}/export.xlsx"));
    assert_eq!(rows.len(), 4, "header and three lines: {rows:?}");
    let row_of = |no: &str| {
        (1..rows.len())
            .find(|&r| *cell(&rows, r, "contact_no") == text(no))
            .unwrap_or_else(|| panic!("{no} exported"))
    };
    let anna = row_of("ANNA");
    assert_eq!(*cell(&rows, anna, "contact_name"), text("Anna Marie Alpha"));
    assert_eq!(*cell(&rows, anna, "first_name"), text("Anna Marie"));
    assert_eq!(*cell(&rows, anna, "surname"), text("Alpha"));
    assert_eq!(*cell(&rows, anna, "job_title"), text("Buyer"));
    assert_eq!(*cell(&rows, anna, "company_name"), text("Alpha Retail"));
    assert_eq!(*cell(&rows, anna, "address"), text("Havnegade 1"));
    assert_eq!(*cell(&rows, anna, "address_2"), text("2. sal"));
    assert_eq!(*cell(&rows, anna, "post_code"), text("8000"));
    assert_eq!(*cell(&rows, anna, "city"), text("Aarhus"));
    assert_eq!(*cell(&rows, anna, "country_code"), text("DK"));
    assert_eq!(*cell(&rows, anna, "email"), text("anna@alpha.dk"));
    assert_eq!(*cell(&rows, anna, "phone"), text("+45 1234 5678"));
    assert_eq!(*cell(&rows, anna, "subject"), text("Spring offer"));
    // The template ignores the contact's e-mail: the header's hard copy, as the lines table says.
    assert_eq!(*cell(&rows, anna, "correspondence_type"), text("hard_copy"));
    // A date cell, formatted as a date.
    match cell(&rows, anna, "date") {
        Data::DateTime(d) => {
            assert!(d.is_datetime());
            assert_eq!(
                d.as_datetime().unwrap().date(),
                chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
            );
        }
        other => panic!("date is not a date: {other:?}"),
    }
    let dora = row_of("DORA");
    assert_eq!(*cell(&rows, dora, "correspondence_type"), text("email"));
    assert_eq!(*cell(&rows, dora, "subject"), text("For Dora"));
    let alpha = row_of("ALPHA");
    assert_eq!(*cell(&rows, alpha, "contact_name"), Data::Empty);
    assert_eq!(*cell(&rows, alpha, "company_name"), text("Alpha Retail"));

    // The lines table shows the same correspondence types.
    let lines = c.get(&format!("/segments/{no}"));
    assert!(
        lines.contains("Hard copy") || lines.contains("hard_copy"),
        "{}",
        lines.body
    );

    // The CSV carries the same columns and values.
    let csv = c.get(&format!("/segments/{no}/export.csv"));
    let head = csv.body.lines().next().unwrap();
    assert_eq!(
        head,
        "\u{feff}contact_no,contact_name,first_name,surname,job_title,company_name,address,address_2,\
         post_code,city,country_code,country,email,phone,subject,correspondence_type,\
         salesperson_code,date"
    );
    assert!(csv.body.contains(
        "ANNA,Anna Marie Alpha,Anna Marie,Alpha,Buyer,Alpha Retail,Havnegade 1,2. sal,8000,Aarhus,DK,"
    ));
    assert!(
        csv.body
            .contains(",anna@alpha.dk,+45 1234 5678,Spring offer,hard_copy,JO,2026-05-01"),
        "{}",
        csv.body
    );
    c.get("/segments/SM99999/export.xlsx").assert_status(404);
}

#[test]
fn the_interactions_export_a_workbook_with_numbers_and_dates() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let list = c.get("/interactions");
    assert!(list.contains("/interactions/export.xlsx?"), "{}", list.body);
    let rows = workbook(&mut c, "/interactions/export.xlsx");
    let csv = c.get("/interactions/export.csv");
    assert_eq!(rows.len(), csv.body.lines().count());
    assert_eq!(rows.len(), 5, "header and four entries");
    assert!(matches!(cell(&rows, 1, "entry_no"), Data::Float(n) if *n >= 1.0));
    assert!(matches!(cell(&rows, 1, "cost"), Data::Float(_)));
    assert!(matches!(cell(&rows, 1, "duration_min"), Data::Float(_)));
    assert!(matches!(cell(&rows, 1, "date"), Data::DateTime(d) if d.is_datetime()));
    assert_eq!(
        *cell(&rows, 1, "contact_no"),
        text("ANNA"),
        "the newest first, as the CSV"
    );
    assert!(
        csv.body.lines().nth(1).unwrap().contains(",ANNA,"),
        "{}",
        csv.body
    );
}

const HEADER_SEMI: &str = "no;type;name;company_no;city;country_code;phone\n";

#[test]
fn a_semicolon_csv_imports_and_one_contact_is_singular() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let data = format!("{HEADER_SEMI};company;\"Acme; Sons\";;Aarhus;DK;+45 1234\n");
    let page = import_file(&mut c, &[], "excel.csv", data.as_bytes());
    assert!(page.contains("1 contact imported."), "{}", page.body);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contacts WHERE name = 'Acme; Sons' AND city = 'Aarhus' \
             AND phone = '+45 1234'"
        ),
        1
    );
}

/// A file saved with a blank line before its header, whose header ends in a separator (a cell
/// of no name), imports: the header was read as empty ("the column \"type\" is missing"), and
/// then every line was refused as short of the unnamed cell.
#[test]
fn a_blank_line_before_the_header_and_a_separator_after_it_are_passed_over() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let data = "\r\n\r\ntype;name;city;\r\ncompany;Blank First;Odense\r\n";
    let page = import_file(&mut c, &[], "blank.csv", data.as_bytes());
    assert!(page.contains("1 contact imported."), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Blank First' AND city = 'Odense'"),
        1
    );
}

/// Excel's "CSV UTF-8" begins with a byte-order mark, and some programs quote every header
/// cell: the first column is still "type", not "\"type\"".
#[test]
fn a_csv_with_a_byte_order_mark_and_quoted_headers_reads_its_first_column() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let data = "\u{feff}\"type\",\"name\",\"city\"\r\n\"company\",\"Marked Co\",\"Odense\"\r\n";
    let page = import_file(&mut c, &[], "marked.csv", data.as_bytes());
    assert!(page.contains("1 contact imported."), "{}", page.body);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contacts WHERE name = 'Marked Co' AND city = 'Odense' \
             AND type = 'company'"
        ),
        1
    );
}

#[test]
fn a_windows_1252_csv_names_the_line_of_the_bad_byte_and_reads_when_asked() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    // Excel's "CSV" on a Danish Windows: semicolons, Windows-1252 (ø is 0xF8).
    let mut data = HEADER_SEMI.as_bytes().to_vec();
    data.extend_from_slice(b";company;Good;;Aarhus;DK;\n");
    data.extend_from_slice(b";company;S\xF8ren \x80 Co;;K\xF8ge;DK;\n");
    let page = import_file(&mut c, &[], "excel.csv", &data);
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("line 3: the file is not UTF-8: byte 0xF8 in column 3"),
        "{}",
        page.body
    );
    assert!(page.contains("Read as Windows-1252"));
    assert!(page.contains("CSV UTF-8"));
    assert_eq!(
        app.count("SELECT count(*) FROM contacts"),
        0,
        "all or nothing"
    );
    let form = c.get("/contacts/import");
    assert!(form.contains("name=\"windows_1252\""), "{}", form.body);

    let page = import_file(&mut c, &[("windows_1252", "on")], "excel.csv", &data);
    assert!(page.contains("2 contacts imported."), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Søren € Co' AND city = 'Køge'"),
        1
    );

    // A UTF-8 file (an export opened and saved again, one cell typed in Excel) with the box
    // ticked: refused at its first UTF-8 letter, nothing stored as "Ã¸".
    let mut data = HEADER_SEMI.as_bytes().to_vec();
    data.extend_from_slice(b";company;Plain;;Odense;DK;\n");
    data.extend_from_slice(";company;Ørsted Lys;;Århus;DK;\n".as_bytes());
    data.extend_from_slice(b";company;\xC5by Bank;;\xC5by;DK;\n");
    let page = import_file(&mut c, &[("windows_1252", "on")], "mixed.csv", &data);
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("line 3: the file is written in UTF-8 here, not in Windows-1252"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 2);
    // A file in UTF-8 throughout whose letters are of another alphabet than Latin-1 (a
    // Polish city, without a byte-order mark, as Google Sheets saves it): refused at its end,
    // naming the first. It was stored as "WrocÅ‚aw".
    let mut data = HEADER_SEMI.as_bytes().to_vec();
    data.extend_from_slice(b";company;Plain Two;;Odense;DK;\n");
    data.extend_from_slice(";company;Dom Handlowy;;Wrocław;PL;\n".as_bytes());
    let page = import_file(&mut c, &[("windows_1252", "on")], "sheets.csv", &data);
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("line 3: the file is written in UTF-8 here, not in Windows-1252"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 2);
}

#[test]
fn problems_are_listed_in_line_order_whichever_check_found_them() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    // Line 2 is refused by the whole-file check (a duplicate number), line 3 by its own row.
    let data = "no,type,name\nDUP,company,One\nX,robot,Two\nDUP,company,Three\n";
    let page = import_file(&mut c, &[], "order.csv", data.as_bytes());
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    let at = |needle: &str| {
        page.body
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} missing:\n{}", page.body))
    };
    assert!(at("line 3:") < at("line 4:"), "{}", page.body);
}

/// A workbook as Excel would save one (rust_xlsxwriter): `rows` under `header`, with the
/// phone written as a number, as a spreadsheet user may type it.
fn contacts_workbook(header: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, h) in header.iter().enumerate() {
        sheet.write_string(0, col as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (col, v) in row.iter().enumerate() {
            let (r, col) = (r as u32 + 1, col as u16);
            match v.parse::<f64>() {
                Ok(n) if header[col as usize] == "phone" => {
                    sheet.write_number(r, col, n).unwrap();
                }
                _ if v.is_empty() => {}
                _ => {
                    sheet.write_string(r, col, *v).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// `book` with its shared texts' part rewritten by `change`.
fn with_shared_texts(book: &[u8], change: impl Fn(&str) -> String) -> Vec<u8> {
    with_part(book, "xl/sharedStrings.xml", change)
}

/// `book` with its part `wanted` rewritten by `change`.
fn with_part(book: &[u8], wanted: &str, change: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut from = zip::ZipArchive::new(Cursor::new(book)).unwrap();
    let mut to = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..from.len() {
        let mut part = from.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut xml = String::new();
        part.read_to_string(&mut xml).unwrap();
        if name == wanted {
            xml = change(&xml);
        }
        to.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        to.write_all(xml.as_bytes()).unwrap();
    }
    to.finish().unwrap().into_inner()
}

/// A note typed beside a workbook's table, in a column its first row does not name: refused
/// (its value would be lost) with the column as Excel names it and what to do, not CSV's
/// advice about quoting separators a workbook does not have.
#[test]
fn a_value_beside_a_workbooks_table_names_its_column_by_letter() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, v) in ["type", "name", "city"].into_iter().enumerate() {
        sheet.write_string(0, col as u16, v).unwrap();
    }
    for (col, v) in ["company", "Note Co", "Odense", "ring tirsdag"]
        .into_iter()
        .enumerate()
    {
        sheet.write_string(1, col as u16, v).unwrap();
    }
    let page = import_file(&mut c, &[], "note.xlsx", &book.save_to_buffer().unwrap());
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains(
            "row 2: has a value in column D (&#34;ring tirsdag&#34;), whose first row names no \
             column: name the column in the first row, or clear the cell"
        ),
        "{}",
        page.body
    );
    assert!(!page.contains("separator"), "{}", page.body);
}

/// A workbook's shared texts say how many they are, and the reader makes room for that many
/// before reading one: a file claiming a hundred billion stopped the whole server (memory
/// cannot be had). It is refused like any unreadable file, and the server goes on.
#[test]
fn a_workbook_claiming_more_texts_than_it_holds_is_refused_and_the_server_goes_on() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let book = contacts_workbook(&["type", "name"], &[vec!["company", "Claimed Co"]]);
    let claims = |count: &str| {
        with_shared_texts(&book, |xml| {
            let at = xml.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
            let end = at + xml[at..].find('"').unwrap();
            format!("{}{count}{}", &xml[..at], &xml[end..])
        })
    };
    let page = import_file(&mut c, &[], "claims.xlsx", &claims("100000000000"));
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("<li>the workbook is damaged: it says it holds 100000000000 different texts"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);

    // The same workbook, honest about its count, imports: the server is still there.
    let page = import_file(&mut c, &[], "claims.xlsx", &claims("4"));
    assert!(page.contains("1 contact imported."), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Claimed Co'"),
        1
    );
}

/// A cell past Excel's last column made its row as wide as its column said ("ZZZZZZ2":
/// gigabytes), and a text of gigabytes packs into a few MB: either stopped the whole server.
/// Both are refused as damaged, and the server goes on.
#[test]
fn a_workbook_with_a_cell_past_the_last_column_or_a_huge_text_is_refused() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let book = contacts_workbook(&["type", "name"], &[vec!["company", "Wide Co"]]);
    let past = with_part(&book, "xl/worksheets/sheet1.xml", |xml| {
        xml.replace(
            "</row></sheetData>",
            "<c r=\"XFE2\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData>",
        )
    });
    assert_ne!(past, book);
    let page = import_file(&mut c, &[], "wide.xlsx", &past);
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains(
            "the workbook is damaged: a cell of this row is past Excel&#39;s last column, XFD"
        ),
        "{}",
        page.body
    );
    let huge = with_part(&book, "xl/worksheets/sheet1.xml", |xml| {
        xml.replace(
            "</row></sheetData>",
            &format!(
                "<c r=\"C2\" t=\"inlineStr\"><is><t>{}</t></is></c></row></sheetData>",
                "A".repeat(5 * 1024 * 1024)
            ),
        )
    });
    let page = import_file(&mut c, &[], "huge.xlsx", &huge);
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("the workbook is damaged: its part xl/worksheets/sheet1.xml holds a text of more than 4 MB"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
    let page = import_file(&mut c, &[], "fine.xlsx", &book);
    assert!(page.contains("1 contact imported."), "{}", page.body);
}

#[test]
fn a_workbook_imports_all_or_nothing_with_its_row_numbers() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let header = ["type", "name", "country_code", "phone", "email"];
    let bad = contacts_workbook(
        &header,
        &[
            vec!["company", "Good Co", "DK", "4512345678", ""],
            vec!["company", "Other Co", "ZZ", "", ""],
            vec!["person", "", "", "", "not-mail"],
        ],
    );
    let page = import_file(&mut c, &[], "contacts.xlsx", &bad);
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("row 3: unknown country/region ZZ"),
        "{}",
        page.body
    );
    assert!(page.contains("row 4: name is empty"), "{}", page.body);
    assert!(
        page.contains("row 4: email &#34;not-mail&#34;"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
    // A No. given twice names the earlier row as a row (it said "line").
    let twice = contacts_workbook(
        &["no", "type", "name"],
        &[
            vec!["CT1", "company", "First"],
            vec!["CT1", "company", "Second"],
        ],
    );
    let page = import_file(&mut c, &[], "twice.xlsx", &twice);
    assert!(
        page.contains("row 3: no CT1 is already used on row 2"),
        "{}",
        page.body
    );

    let good = contacts_workbook(
        &header,
        &[
            vec!["company", "Good Co", "DK", "4512345678", ""],
            vec!["company", "=Not a formula", "", "", "x@example.dk"],
        ],
    );
    let page = import_file(&mut c, &[], "contacts.xlsx", &good);
    assert!(page.contains("2 contacts imported."), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Good Co' AND phone = '4512345678'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = '=Not a formula'"),
        1
    );
}

#[test]
fn an_exported_workbook_imports_back_into_an_empty_database() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let (_, _, body) = c.get_bytes("/contacts/export.xlsx");
    let exported = app.count("SELECT count(*) FROM contacts");

    let other = TestApp::start();
    world_codes_only(&other);
    let mut t = staff(&other, "stan");
    let page = import_file(&mut t, &[], "contacts.xlsx", &body);
    assert!(
        page.contains(&format!("{exported} contacts imported.")),
        "{}",
        page.body
    );
    assert_eq!(
        other.count(
            "SELECT count(*) FROM contacts c JOIN contacts co ON co.id = c.company_id \
             WHERE c.no = 'ANNA' AND co.no = 'ALPHA' AND c.email = 'anna@alpha.dk'"
        ),
        1
    );
}

/// The codes of [`world`] that its contacts use, without the contacts.
pub(crate) fn world_codes_only(app: &TestApp) {
    diesel_exec(
        app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo Sales'), ('PL', 'Pat Lee');
         INSERT INTO industry_groups (code, description) VALUES
             ('RETAIL', 'Retail'), ('WHOLESALE', 'Wholesale'), ('BANKING', 'Banking');
         INSERT INTO mailing_groups (code, description) VALUES
             ('XMAS', 'Christmas cards'), ('NEWS', 'Newsletter');",
    );
}

/// A value where the header names no column is refused, not dropped: a comma inside a value
/// without quotes puts "Aarhus" past the header; a column whose header cell is empty; and a
/// column named twice (one of the two would be lost).
#[test]
fn a_value_under_no_column_or_a_column_named_twice_is_refused_not_dropped() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let data = "type,name,city\ncompany,Acme, Inc,Aarhus\ncompany,Good,Odense,\n";
    let page = import_file(&mut c, &[], "ragged.csv", data.as_bytes());
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("line 2: has a value in column 4 (&#34;Aarhus&#34;), past the header"),
        "{}",
        page.body
    );
    assert!(
        !page.contains("line 3:"),
        "trailing empty cells are fine: {}",
        page.body
    );
    let data = "type,name,city,\ncompany,Note,Vejle,call first\n";
    let page = import_file(&mut c, &[], "unnamed.csv", data.as_bytes());
    assert!(
        page.contains(
            "line 2: has a value in column 4 (&#34;call first&#34;), whose header cell is empty"
        ),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);

    let data = "type,name,phone,phone\ncompany,Acme,1,2\n";
    let page = import_file(&mut c, &[], "twice.csv", data.as_bytes());
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("the column phone appears more than once: keep one"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
}

/// A workbook whose rows go on in a second sheet under the same header (as an export past
/// Excel's rows a sheet), or holds contacts under another header, is refused, naming the
/// sheet, rather than read from its first sheet alone; a sheet of notes beside the list is
/// left alone; a cell holding Excel's error (a
/// lookup that found nothing) is refused, not stored as the text "#N/A".
#[test]
fn a_workbook_going_on_in_a_second_sheet_or_holding_an_error_is_refused() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let book = |second: &[&str], error: bool| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("Contacts").unwrap();
        for (col, h) in ["type", "name", "city"].iter().enumerate() {
            sheet.write_string(0, col as u16, *h).unwrap();
        }
        for (col, v) in ["company", "First Co", "Aarhus"].iter().enumerate() {
            sheet.write_string(1, col as u16, *v).unwrap();
        }
        if error {
            sheet.write_string(2, 0, "company").unwrap();
            sheet.write_string(2, 1, "Looked Up Co").unwrap();
            sheet
                .write_formula(
                    2,
                    2,
                    rust_xlsxwriter::Formula::new("=NA()").set_result("#N/A"),
                )
                .unwrap();
        }
        let more = book.add_worksheet().set_name("More").unwrap();
        for (col, h) in second.iter().enumerate() {
            more.write_string(0, col as u16, *h).unwrap();
        }
        more.write_string(1, 0, "company").unwrap();
        more.write_string(1, 1, "Second Co").unwrap();
        book.save_to_buffer().unwrap()
    };
    let page = import_file(
        &mut c,
        &[],
        "two.xlsx",
        &book(&["Type", "name ", "city"], false),
    );
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("the rows go on in sheet &#34;More&#34; under the same header"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
    // Persons in a sheet of their own, under another header: refused too, naming it (they
    // were left out unsaid).
    let page = import_file(
        &mut c,
        &[],
        "persons.xlsx",
        &book(&["type", "name", "company_no"], false),
    );
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("sheet &#34;More&#34; holds contacts too (its first row has type and name)"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);

    let page = import_file(&mut c, &[], "errors.xlsx", &book(&["Notes"], true));
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("row 3: the cell in column 3 holds Excel&#39;s error #N/A"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);

    // A chart beside the list, on a sheet of its own: no cells, left alone (the whole
    // workbook was refused as "not readable").
    let mut charted = rust_xlsxwriter::Workbook::new();
    let sheet = charted.add_worksheet().set_name("Contacts").unwrap();
    for (col, v) in ["type", "name", "company", "Charted Co"].iter().enumerate() {
        sheet
            .write_string((col / 2) as u32, (col % 2) as u16, *v)
            .unwrap();
    }
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
    chart.add_series().set_values("Contacts!$A$1:$A$2");
    charted.add_chartsheet().insert_chart(0, 0, &chart).unwrap();
    let page = import_file(
        &mut c,
        &[],
        "charted.xlsx",
        &charted.save_to_buffer().unwrap(),
    );
    assert!(page.contains("1 contact imported."), "{}", page.body);

    let page = import_file(&mut c, &[], "notes.xlsx", &book(&["Notes"], false));
    assert!(page.contains("1 contact imported."), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'First Co'"),
        1
    );
}

/// A workbook with merged cells is refused, naming the range: the reader found the value in
/// the first cell alone, and an update by No. emptied the company of every person under a
/// merged Company No. but the first. A cell over two lines (Alt+Enter) is refused, naming its
/// row: it was stored whole, the list showed it on one line, and the next save from the card
/// glued the lines together.
#[test]
fn a_workbook_with_merged_cells_or_a_cell_over_two_lines_is_refused() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let header = ["type", "name", "address", "city"];
    let book = |merge: bool, address: &str| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("Contacts").unwrap();
        for (col, h) in header.iter().enumerate() {
            sheet.write_string(0, col as u16, *h).unwrap();
        }
        for (row, name) in [(1, "First Co"), (2, "Second Co")] {
            sheet.write_string(row, 0, "company").unwrap();
            sheet.write_string(row, 1, name).unwrap();
            sheet.write_string(row, 2, address).unwrap();
        }
        if merge {
            sheet
                .merge_range(1, 3, 2, 3, "Aarhus", &rust_xlsxwriter::Format::new())
                .unwrap();
        } else {
            sheet.write_string(1, 3, "Aarhus").unwrap();
            sheet.write_string(2, 3, "Aarhus").unwrap();
        }
        book.save_to_buffer().unwrap()
    };
    let page = import_file(&mut c, &[], "merged.xlsx", &book(true, "Vestergade 5"));
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("cells D2:D3 of sheet &#34;Contacts&#34; are merged"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);

    let page = import_file(
        &mut c,
        &[],
        "lines.xlsx",
        &book(false, "Vestergade 5\n1. th."),
    );
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains(
            "row 2: address &#34;Vestergade 5 1. th.&#34; holds a line break (Alt+Enter in \
             Excel): put its second line in address_2"
        ),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);

    let page = import_file(&mut c, &[], "plain.xlsx", &book(false, "Vestergade 5"));
    assert!(page.contains("2 contacts imported."), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE city = 'Aarhus'"),
        2
    );
}

/// The text columns of a workbook are formatted as text ("@"), the cells written and the
/// column for what is typed into it later: a post code typed over in Excel as "0150" stays
/// "0150" instead of becoming the number 150, which an import would read back so.
#[test]
fn a_workbooks_text_columns_are_text_for_what_is_typed_into_them_too() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    // An export of no contacts, the form of a list to type and import, has every column
    // as text.
    let (styles, sheet) = styles_and_sheet(&mut c);
    let style = text_style(&styles);
    let columns = sheet.matches(&format!("style=\"{style}\"")).count();
    assert!(columns > 0, "the columns: {sheet}");
    assert_eq!(
        columns,
        sheet.matches("<col ").count(),
        "every column: {sheet}"
    );

    import_file(
        &mut c,
        &[],
        "one.csv",
        b"type,name,post_code,city\ncompany,Acme,0150,Oslo\n",
    );
    let (styles, sheet) = styles_and_sheet(&mut c);
    let style = text_style(&styles);
    assert!(
        sheet.contains(&format!("style=\"{style}\"")),
        "the columns: {sheet}"
    );
    assert!(
        sheet.contains(&format!(" s=\"{style}\"")),
        "the cells: {sheet}"
    );
    let rows = workbook(&mut c, "/contacts/export.xlsx");
    assert_eq!(cell(&rows, 1, "post_code"), &text("0150"));
}

/// The contacts' workbook's styles and first sheet, as XML.
fn styles_and_sheet(c: &mut Client) -> (String, String) {
    use std::io::Read;
    let (status, _, body) = c.get_bytes("/contacts/export.xlsx");
    assert_eq!(status, 200);
    let mut zip = zip::ZipArchive::new(Cursor::new(body)).unwrap();
    let mut part = |name: &str| {
        let mut xml = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
        xml
    };
    (part("xl/styles.xml"), part("xl/worksheets/sheet1.xml"))
}

/// The index of the cell format of text ("@") in a workbook's styles.
fn text_style(styles: &str) -> usize {
    // The number format "@" (built in as 49, or declared under its own id), and the cell
    // formats in order.
    let text_id = styles
        .split("<numFmt ")
        .skip(1)
        .find(|f| f.contains("formatCode=\"@\""))
        .and_then(|f| f.split('"').nth(1))
        .unwrap_or("49")
        .to_string();
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    xfs.split("<xf ")
        .skip(1)
        .position(|xf| xf.contains(&format!("numFmtId=\"{text_id}\"")))
        .unwrap_or_else(|| panic!("a text format: {styles}"))
}

/// A quote opened in a cell and never closed took the lines after it into that cell: the file
/// imported one contact where it held three, the others lost without a word. Refused, naming
/// the line and the column where it opens; a value on several lines (no row in it) is read as
/// the value it is (and refused as one: a contact's field holds one line).
#[test]
fn a_quote_left_open_is_refused_not_swallowing_the_next_contacts() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let data = format!(
        "{HEADER_SEMI};company;\"The Shop;;Aarhus;DK;\n;company;Beta;;Odense;DK;\n;company;\"Gamma\";;Vejle;DK;\n"
    );
    let page = import_file(&mut c, &[], "open-quote.csv", data.as_bytes());
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("opens column 3, and is not closed before line 3"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
    // A value on several lines (no row in it) is read as a value, and refused as one: a
    // contact's field holds one line.
    let data =
        format!("{HEADER_SEMI};company;\"Two\nlines\";;Aarhus;DK;\n;company;Beta;;Odense;DK;\n");
    let page = import_file(&mut c, &[], "two-lines.csv", data.as_bytes());
    assert!(
        page.contains("line 2: name &#34;Two lines&#34; holds a line break"),
        "{}",
        page.body
    );
    assert!(!page.contains("not closed"), "{}", page.body);
    // A short file's address on two lines, the second with as many commas as a row: a value,
    // not a row (no contact's type where the type goes). It was refused as a quote left open.
    let data = "type,name,address\ncompany,Multi,\"Att. Indkøb\nHovedgaden 1, 2. sal, th.\"\n";
    let page = import_file(&mut c, &[], "address.csv", data.as_bytes());
    assert!(
        page.contains(
            "line 2: address &#34;Att. Indkøb Hovedgaden 1, 2. sal, th.&#34; holds a line break"
        ),
        "{}",
        page.body
    );
    assert!(!page.contains("not closed"), "{}", page.body);
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
    // The same file with a row swallowed is still refused.
    let data = "type,name,address\ncompany,Open,\"Att. Indkøb\ncompany,Lost,Vejle\n";
    let page = import_file(&mut c, &[], "open.csv", data.as_bytes());
    assert!(
        page.contains("opens column 3, and is not closed before line 3"),
        "{}",
        page.body
    );
}

/// A date Excel cannot hold (before 1900: a typo, "0206-12-01" for 2026) was written as a
/// negative day number, shown as ####; it is written as the text it is, the others as dates.
#[test]
fn a_date_before_1900_is_written_as_its_text() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO interaction_log_entries (contact_id, date, template_code, group_code, description)
           SELECT c.id, DATE '0206-12-01', 'CALL', 'PHONE', 'Typo' FROM contacts c WHERE c.no = 'SOLO'",
    );
    let mut c = staff(&app, "stan");
    let rows = workbook(&mut c, "/interactions/export.xlsx?contact=SOLO");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(*cell(&rows, 1, "date"), text("0206-12-01"));
    let rows = workbook(&mut c, "/interactions/export.xlsx?contact=ANNA");
    assert!(
        matches!(cell(&rows, 1, "date"), Data::DateTime(_)),
        "{rows:?}"
    );
}

/// A workbook's whole numbers read as their cells show them where the cell's format pads or
/// sets them out: a post code typed 0150 and shown so by the format "0000" (Excel keeps the
/// number 150), a phone number shown "01 23 45 67". They were stored as 150 and 1234567.
#[test]
fn numbers_in_a_workbook_read_as_their_format_shows_them() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, header) in ["type", "name", "post_code", "phone", "mobile"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "company").unwrap();
    sheet.write_string(1, 1, "Oslo Padded AS").unwrap();
    let zip = rust_xlsxwriter::Format::new().set_num_format("0000");
    let phone = rust_xlsxwriter::Format::new().set_num_format("00 00 00 00");
    sheet.write_number_with_format(1, 2, 150.0, &zip).unwrap();
    sheet
        .write_number_with_format(1, 3, 1234567.0, &phone)
        .unwrap();
    // Without a format of its own, a number reads as it is.
    sheet.write_number(1, 4, 22334455.0).unwrap();
    let data = book.save_to_buffer().unwrap();
    let page = import_file(&mut c, &[], "padded.xlsx", &data);
    assert!(page.contains("1 contact imported."), "{}", page.body);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contacts WHERE name = 'Oslo Padded AS' AND post_code = '0150' \
             AND phone = '01 23 45 67' AND mobile = '22334455'"
        ),
        1
    );
}

/// An Excel 97-2003 workbook (or a protected one, of the same format) and Excel's "Unicode
/// Text" (UTF-16) are named with what to do; they were told "not UTF-8: tick Read as
/// Windows-1252", which then read garbage, or "invalid Zip archive".
#[test]
fn an_old_or_protected_workbook_and_utf16_text_are_named_with_what_to_do() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let mut xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    xls.extend_from_slice(&[0u8; 600]);
    for name in ["contacts.xls", "protected.xlsx"] {
        let page = import_file(&mut c, &[], name, &xls);
        assert!(page.contains("Nothing was imported."), "{}", page.body);
        assert!(
            page.contains("the file is an Excel 97-2003 workbook (.xls), or a workbook protected"),
            "{name}: {}",
            page.body
        );
    }
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "type,name\r\ncompany,Wide Co\r\n".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let page = import_file(&mut c, &[], "unicode.txt", &utf16);
    assert!(
        page.contains("the file is UTF-16 text (Excel&#39;s &#34;Unicode Text&#34;)"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
}

/// The `<col>` entry that holds column `n` (1-based) of a workbook's first sheet.
fn column_entry(book: &[u8], n: usize) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(Cursor::new(book)).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let attribute = |col: &str, name: &str| -> usize {
        col.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    xml.split("<col ")
        .skip(1)
        .map(|c| format!("<col {}", c.split("/>").next().unwrap_or("")))
        .find(|c| (attribute(c, "min")..=attribute(c, "max")).contains(&n))
        .unwrap_or_else(|| panic!("no column {n}: {xml}"))
}

/// The opportunities workbook with a not-started opportunity (no stage, no closing date) first:
/// its Stage and date columns stay numbers and dates. The writer took each column's kind from
/// the first row, and the empty stage made every later stage a text cell's column.
#[test]
fn a_workbooks_number_column_stays_a_number_column_below_an_empty_first_cell() {
    let app = TestApp::start();
    world(&app);
    crate::opportunities::cycle(&app, "multiply");
    diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, sales_cycle_code, status, current_stage,
             estimated_closing_date)
         SELECT 'OP00000' || n, (SELECT id FROM contacts WHERE no = 'ANNA'), 'NEW',
             CASE WHEN n = 2 THEN 'not_started' ELSE 'in_progress' END,
             CASE WHEN n = 2 THEN NULL ELSE 1 END,
             CASE WHEN n = 2 THEN NULL ELSE DATE '2027-01-31' END
         FROM generate_series(1, 2) n",
    );
    let mut c = staff(&app, "stan");
    let (status, _, book) = c.get_bytes("/opportunities/export.xlsx?sort=no&dir=desc");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&book));
    let rows = workbook(&mut c, "/opportunities/export.xlsx?sort=no&dir=desc");
    assert_eq!(rows[1][0], Data::String("OP000002".into()));
    assert_eq!(rows[2][10], Data::Float(1.0));
    // Stage (column 11) and the estimated closing date (19): no text format of their own;
    // the No. (1) is text.
    assert!(
        column_entry(&book, 1).contains("style="),
        "{}",
        column_entry(&book, 1)
    );
    for n in [11, 19] {
        assert!(
            !column_entry(&book, n).contains("style="),
            "{}",
            column_entry(&book, n)
        );
    }
}

/// A file that cannot be read to its end (a Windows-1252 letter in a UTF-8 upload) is not
/// checked as a whole over the part read: a person naming a company of a later line was said
/// to name a missing company, a problem that was not there. The page says the rest was not
/// checked.
#[test]
fn a_file_read_in_part_is_not_checked_as_a_whole() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let mut data = b"no,type,name,company_no,city\n".to_vec();
    data.extend_from_slice(b"P1,person,Pia,LATE,Aarhus\n");
    data.extend_from_slice(b"C1,company,S\xF8ren Co,,K\xF8ge\n");
    data.extend_from_slice(b"LATE,company,Late Company,,Odense\n");
    let page = import_file(&mut c, &[], "mixed.csv", &data);
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("line 3: the file is not UTF-8"),
        "{}",
        page.body
    );
    assert!(
        page.contains("line 3: nothing after this line was read"),
        "{}",
        page.body
    );
    assert!(!page.contains("line 2:"), "{}", page.body);
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
}
