//! The Excel round trip: the contact list exported (as a workbook or as CSV), edited in a
//! spreadsheet and imported back. Rows whose No. is already in Rapport are refused unless
//! "Update those contacts with the file's values" is ticked; then they change the columns the
//! file has, in the same all-or-nothing transaction as the new rows.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::auth::diesel_exec;
use crate::segments::{new_segment, staff, step, text, world};
use crate::support::*;

const UPDATE: (&str, &str) = ("update_existing", "on");

/// [`world`], its contacts with the search names the contact form gives them.
fn saved_world(app: &TestApp) {
    world(app);
    diesel_exec(app, "UPDATE contacts SET search_name = upper(name)");
}

/// Uploads a file on the import page and waits for the job's result page.
pub(crate) fn import_file(
    c: &mut Client,
    fields: &[(&str, &str)],
    name: &str,
    data: &[u8],
) -> Resp {
    let res = c.upload_with("/contacts/import", "/contacts/import", fields, name, data);
    assert_eq!(res.status, 303, "upload failed:\n{}", res.body);
    let job = res.location().unwrap();
    c.wait_for(&job, |r| !r.contains("data-status-url"))
}

/// Every contact's columns as text, one line each in No. order (the ones in `except` left
/// out), with its classifications.
fn snapshot(app: &TestApp, except: &[&str]) -> String {
    let except = except
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(",");
    let except = if except.is_empty() {
        "''".to_string()
    } else {
        except
    };
    text(
        app,
        &format!(
            "SELECT string_agg(concat_ws('|', c.no, c.type, c.name, co.no, c.search_name, \
               c.job_title, c.address, c.address_2, c.city, c.post_code, c.country_code, c.phone, \
               c.mobile, c.email, c.website, c.salesperson_code, c.territory_code, c.language_code, \
               c.correspondence_type, c.organizational_level_code, c.exclude_from_segment, \
               c.privacy_blocked, c.version, \
               (SELECT string_agg(code, ',' ORDER BY code) FROM contact_industry_groups WHERE contact_id = c.id), \
               (SELECT string_agg(code, ',' ORDER BY code) FROM contact_mailing_groups WHERE contact_id = c.id)), \
               E'\\n' ORDER BY c.no) \
             FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id \
             WHERE c.no NOT IN ({except})"
        ),
    )
}

/// A workbook's first sheet as text.
fn sheet(body: Vec<u8>) -> Vec<Vec<String>> {
    let mut book = Xlsx::new(Cursor::new(body)).expect("a workbook");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("its first sheet");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| match d {
                    Data::Empty => String::new(),
                    d => d.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The rows as a workbook, every cell text, as a spreadsheet saves what it read.
fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (col, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32, col as u16, v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn column(rows: &[Vec<String>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]))
}

fn row_of(rows: &[Vec<String>], no: &str) -> usize {
    let c = column(rows, "no");
    rows.iter()
        .position(|r| r[c] == no)
        .unwrap_or_else(|| panic!("{no} not exported"))
}

#[test]
fn an_exported_workbook_edited_in_one_cell_updates_that_contact_when_asked() {
    let app = TestApp::start();
    saved_world(&app);
    // Values that start with an apostrophe before a formula character come back as they are
    // (import takes CSV's formula guard off a workbook's cells too: they lost it).
    diesel_exec(
        &app,
        "UPDATE contacts SET address = '''-Street 1', address_2 = '''''=1+1' \
         WHERE no = 'SOLO'",
    );
    let mut c = staff(&app, "stan");
    let (status, _, body) = c.get_bytes("/contacts/export.xlsx");
    assert_eq!(status, 200);
    let mut rows = sheet(body);
    let exported = rows.len() - 1;
    assert_eq!(exported as i64, app.count("SELECT count(*) FROM contacts"));

    // Imported back as it is, with the choice: every contact stays as it was.
    let before = snapshot(&app, &[]);
    let page = import_file(&mut c, &[UPDATE], "contacts.xlsx", &workbook(&rows));
    assert!(
        page.contains(&format!(
            "0 contacts imported, {exported} unchanged (the file has their values already)."
        )),
        "{}",
        page.body
    );
    assert_eq!(
        snapshot(&app, &[]),
        before,
        "an unchanged file changes nothing"
    );

    // One cell edited (the company's city) and one new row.
    let (alpha, city) = (row_of(&rows, "ALPHA"), column(&rows, "city"));
    rows[alpha][city] = "Ålborg".into();
    let mut delta = vec![String::new(); rows[0].len()];
    delta[column(&rows, "type")] = "company".into();
    delta[column(&rows, "name")] = "Delta Nord".into();
    rows.push(delta);
    let file = workbook(&rows);

    // Without the choice, the rows already in Rapport are refused, in line order.
    let page = import_file(&mut c, &[], "contacts.xlsx", &file);
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    let first = format!("row 2: contact {} already exists", rows[1][0]);
    let last = format!(
        "row {}: contact {} already exists",
        exported + 1,
        rows[exported][0]
    );
    let (a, b) = (page.body.find(&first), page.body.find(&last));
    assert!(a.is_some() && b.is_some() && a < b, "{}", page.body);
    assert!(
        page.contains(
            "import the file again with “Update those contacts with the file's values” ticked"
        ),
        "the page says how to update them:\n{}",
        page.body
    );
    assert_eq!(snapshot(&app, &[]), before);

    // With it: the new row is imported, the others update their contacts.
    let page = import_file(&mut c, &[UPDATE], "contacts.xlsx", &file);
    assert!(
        // ALPHA, and its three persons who follow its address; the others as they were.
        page.contains(&format!(
            "1 contact imported, 4 updated, {} unchanged (the file has their values already).",
            exported - 4
        )),
        "{}",
        page.body
    );
    assert_eq!(
        text(&app, "SELECT city FROM contacts WHERE no = 'ALPHA'"),
        "Ålborg"
    );
    // Its persons that shared its address follow it, as on the company's card.
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(no, ',' ORDER BY no) FROM contacts WHERE city = 'Ålborg'"
        ),
        "ALPHA,ANNA,BO,CY"
    );
    assert_eq!(
        snapshot(&app, &["ALPHA", "ANNA", "BO", "CY", &new_no(&app)]),
        before_without(&before, &["ALPHA", "ANNA", "BO", "CY"]),
        "nothing else changed"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contacts c JOIN contact_industry_groups g ON g.contact_id = c.id \
             WHERE c.no = 'ALPHA' AND g.code = 'RETAIL'"
        ),
        1,
        "its classifications stay"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Delta Nord' AND type = 'company'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'contacts imported' AND detail LIKE '%updated%'"),
        2
    );
}

/// The number the import gave the new contact.
fn new_no(app: &TestApp) -> String {
    text(app, "SELECT no FROM contacts WHERE name = 'Delta Nord'")
}

fn before_without(before: &str, nos: &[&str]) -> String {
    before
        .lines()
        .filter(|l| !nos.iter().any(|n| l.starts_with(&format!("{n}|"))))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The CSV export as records (the byte-order mark and formula guard as exported).
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn csv_text(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn an_exported_csv_edited_imports_back_with_only_the_files_columns_and_checks() {
    let app = TestApp::start();
    saved_world(&app);
    let mut c = staff(&app, "stan");
    let export = c.get("/contacts/export.csv");
    assert_eq!(export.status, 200);
    let mut rows = csv_rows(&export.body);
    let exported = rows.len() - 1;
    let (anna, title) = (row_of(&rows, "ANNA"), column(&rows, "job_title"));
    rows[anna][title] = "Indkøber".into();
    let before = snapshot(&app, &["ANNA"]);
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", &csv_text(&rows));
    assert!(
        page.contains(&format!(
            "0 contacts imported, 1 updated, {} unchanged (the file has their values already).",
            exported - 1
        )),
        "{}",
        page.body
    );
    assert_eq!(
        text(
            &app,
            "SELECT job_title || ' ' || version FROM contacts WHERE no = 'ANNA'"
        ),
        "Indkøber 2"
    );
    assert_eq!(snapshot(&app, &["ANNA"]), before, "nothing else changed");

    // A file of a few columns changes only those; a new row in it is imported.
    let page = import_file(
        &mut c,
        &[UPDATE],
        "few.csv",
        "no,type,name,city\nDORA,person,Dora B.,Malmö\n,company,Nyt Firma,Oslo\n".as_bytes(),
    );
    assert!(
        page.contains("1 contact imported, 1 updated."),
        "{}",
        page.body
    );
    assert_eq!(
        text(
            &app,
            "SELECT c.name || '|' || c.city || '|' || c.email || '|' || co.no \
             FROM contacts c JOIN contacts co ON co.id = c.company_id WHERE c.no = 'DORA'"
        ),
        "Dora B.|Malmö|dora@beta.se|BETA"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contact_mailing_groups g JOIN contacts c ON c.id = g.contact_id \
             WHERE c.no = 'DORA' AND g.code = 'XMAS'"
        ),
        1,
        "a classification column the file does not have stays"
    );

    // A list of codes alone: the same set (in another order) changes nothing, another set
    // updates the contact.
    let name = text(&app, "SELECT name FROM contacts WHERE no = 'DORA'");
    let groups = |filter: &str| {
        text(
            &app,
            &format!(
                "SELECT COALESCE(string_agg(code, '|' ORDER BY code DESC), '') FROM mailing_groups g \
                 WHERE {filter} g.code IN (SELECT code FROM contact_mailing_groups x \
                   JOIN contacts c ON c.id = x.contact_id WHERE c.no = 'DORA')"
            ),
        )
    };
    let (same, other) = (groups(""), groups("NOT"));
    assert!(!other.is_empty());
    for (codes, said) in [
        (
            &same,
            "0 contacts imported, 1 unchanged (the file has their values already).",
        ),
        (&other, "0 contacts imported, 1 updated."),
    ] {
        let page = import_file(
            &mut c,
            &[UPDATE],
            "codes.csv",
            format!("no,type,name,mailing_groups\nDORA,person,{name},{codes}\n").as_bytes(),
        );
        assert!(page.contains(said), "{codes}: {}", page.body);
    }

    // The import's checks hold for the rows that update, and a row cannot change a type.
    let before = snapshot(&app, &[]);
    let page = import_file(
        &mut c,
        &[UPDATE],
        "bad.csv",
        "no,type,name,email,salesperson_code\n\
         ALPHA,person,Alpha Retail,info@alpha.dk,\n\
         BO,person,Bo Alpha,not-mail,\n\
         DORA,company,Dora B.,,\n\
         ELI,person,Eli Beta,,NOBODY\n"
            .as_bytes(),
    );
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    for expected in [
        "line 2: contact ALPHA is a company in Rapport; a row cannot make it a person (type)",
        "line 3: email &#34;not-mail&#34; is not an e-mail address",
        "line 4: contact DORA is a person in Rapport; a row cannot make it a company (type)",
        "line 5: unknown salesperson NOBODY",
    ] {
        assert!(page.contains(expected), "{expected}:\n{}", page.body);
    }
    assert_eq!(snapshot(&app, &[]), before, "all or nothing");
}

#[test]
fn a_person_on_a_draft_segment_is_not_moved_to_another_company_by_an_import() {
    let app = TestApp::start();
    saved_world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Keep Eli");
    step(&mut c, &no, "add", &[("contact_no", "ELI")]);
    let file = "no,type,name,company_no\nELI,person,Eli Beta,ALPHA\nFINN,person,Finn Gamma,ALPHA\n";
    let page = import_file(&mut c, &[UPDATE], "move.csv", file.as_bytes());
    assert!(
        page.contains(&format!(
            "line 2: contact ELI is on draft segment {no}, so it cannot move to another company"
        )),
        "{}",
        page.body
    );
    assert_eq!(
        text(&app, "SELECT co.no FROM contacts c JOIN contacts co ON co.id = c.company_id WHERE c.no = 'FINN'"),
        "GAMMA",
        "nothing was imported"
    );
    // Without ELI the move is made: FINN's company is now ALPHA.
    let page = import_file(
        &mut c,
        &[UPDATE],
        "move.csv",
        "no,type,name,company_no\nFINN,person,Finn Gamma,ALPHA\n".as_bytes(),
    );
    assert!(
        page.contains("0 contacts imported, 1 updated."),
        "{}",
        page.body
    );
    assert_eq!(
        text(&app, "SELECT co.no FROM contacts c JOIN contacts co ON co.id = c.company_id WHERE c.no = 'FINN'"),
        "ALPHA"
    );
}

/// A file exported at nine and imported with "Update those contacts" at eleven used to put
/// back what colleagues changed in between (the update wrote every column the file has) and
/// to bring back a contact deleted meanwhile, both counted as done. The export carries each
/// contact's version and the database it came from: such rows are refused, by line, and
/// nothing is written; a row whose version is emptied is written as the user asks. Imported
/// into another database (contacts moving to a new one), the versions mean nothing.
#[test]
fn a_file_exported_before_a_colleagues_change_or_deletion_does_not_undo_it() {
    let app = TestApp::start();
    saved_world(&app);
    let mut c = staff(&app, "stan");
    let export = c.get("/contacts/export.csv");
    let mut rows = csv_rows(&export.body);
    // Meanwhile a colleague changes Anna's phone on her card and deletes Solo.
    diesel_exec(
        &app,
        "UPDATE contacts SET phone = '+45 11 22 33 44', version = version + 1 WHERE no = 'ANNA';
         DELETE FROM interaction_log_entries WHERE contact_id = (SELECT id FROM contacts WHERE no = 'SOLO');
         DELETE FROM contacts WHERE no = 'SOLO'",
    );
    // The user edits another contact's city and imports the file.
    let (eli, city) = (row_of(&rows, "ELI"), column(&rows, "city"));
    rows[eli][city] = "Malmö".into();
    let before = snapshot(&app, &[]);
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", &csv_text(&rows));
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("contact ANNA was changed in Rapport since the file was exported"),
        "{}",
        page.body
    );
    assert!(page.contains(
        "no contact has the No. SOLO in Rapport: it was deleted since the file was exported, \
             or the No. was typed over in the file."
    ));
    assert_eq!(snapshot(&app, &[]), before, "nothing written");
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE no = 'SOLO'"),
        0
    );

    // The user takes Solo out and empties Anna's version: the file's phone is meant.
    let version = column(&rows, "version");
    let anna = row_of(&rows, "ANNA");
    rows[anna][version].clear();
    let solo = row_of(&rows, "SOLO");
    rows.remove(solo);
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", &csv_text(&rows));
    assert!(page.contains("2 updated"), "{}", page.body);
    assert_eq!(
        text(&app, "SELECT phone || ' ' || (SELECT city FROM contacts WHERE no = 'ELI') FROM contacts WHERE no = 'ANNA'"),
        " Malmö",
        "Anna's phone as the file has it (empty), Eli's new city"
    );

    // Into another database, the same file (Solo's row with its version) adds every contact.
    let export = c.get("/contacts/export.csv");
    let other = TestApp::start();
    crate::excel::world_codes_only(&other);
    let mut t = staff(&other, "stan");
    let page = import_file(&mut t, &[UPDATE], "contacts.csv", export.body.as_bytes());
    assert!(
        page.contains(&format!(
            "{} contacts imported",
            app.count("SELECT count(*) FROM contacts")
        )),
        "{}",
        page.body
    );
    // There, a contact of the same No. is named before the file's row may update it: in
    // another database the No. may be another contact.
    diesel_exec(
        &other,
        "UPDATE contacts SET name = 'Someone Else' WHERE no = 'ANNA'",
    );
    let page = import_file(&mut t, &[], "contacts.csv", export.body.as_bytes());
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains(
            "contact ANNA already exists (Someone Else, person); the file was exported from \
             another Rapport database, where ANNA may be another contact (the file names it \
             Anna"
        ),
        "{}",
        page.body
    );
    // In the database the file came from, the message is the short one.
    let page = import_file(&mut c, &[], "contacts.csv", export.body.as_bytes());
    assert!(
        page.contains("contact ANNA already exists</li>"),
        "{}",
        page.body
    );
}

/// A file's classification lists change only what the user changed in them: each row carries
/// its lists as exported, and an update applies the difference to the contact's lists as they
/// are now. A mailing group a colleague applied meanwhile (which changes no version) used to be
/// taken away by the file's list, and one a colleague took away came back.
#[test]
fn a_files_lists_change_what_the_file_changed_and_keep_a_colleagues_groups() {
    let app = TestApp::start();
    saved_world(&app);
    let mut c = staff(&app, "stan");
    let export = c.get("/contacts/export.csv");
    let mut rows = csv_rows(&export.body);
    let (groups, industry, exported) = (
        column(&rows, "mailing_groups"),
        column(&rows, "industry_groups"),
        column(&rows, "classifications_as_exported"),
    );
    assert_eq!(
        rows[row_of(&rows, "ANNA")][exported],
        "mailing_groups=NEWS|XMAS"
    );
    assert_eq!(
        rows[row_of(&rows, "ALPHA")][exported],
        "industry_groups=RETAIL"
    );
    assert_eq!(rows[row_of(&rows, "BO")][exported], "");
    // Meanwhile colleagues give Dora the newsletter and Alpha a second industry group, and
    // take Anna off the Christmas cards.
    diesel_exec(
        &app,
        "INSERT INTO contact_mailing_groups (contact_id, code) SELECT id, 'NEWS' FROM contacts WHERE no = 'DORA';
         INSERT INTO contact_industry_groups (contact_id, code) SELECT id, 'WHOLESALE' FROM contacts WHERE no = 'ALPHA';
         DELETE FROM contact_mailing_groups WHERE code = 'XMAS' AND contact_id = (SELECT id FROM contacts WHERE no = 'ANNA')",
    );
    // The user adds Eli to the Christmas cards, takes Anna off the newsletter and Beta out
    // of wholesale.
    let eli = row_of(&rows, "ELI");
    rows[eli][groups] = "NEWS|XMAS".into();
    let anna = row_of(&rows, "ANNA");
    rows[anna][groups] = "XMAS".into();
    let beta = row_of(&rows, "BETA");
    rows[beta][industry] = "".into();
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", &csv_text(&rows));
    assert!(page.contains("3 updated"), "{}", page.body);
    let lists = |app: &TestApp| {
        text(
            app,
            "SELECT string_agg(c.no || ':' || concat_ws(',', \
               (SELECT string_agg(code, '+' ORDER BY code) FROM contact_industry_groups WHERE contact_id = c.id), \
               (SELECT string_agg(code, '+' ORDER BY code) FROM contact_mailing_groups WHERE contact_id = c.id)), \
               ' ' ORDER BY c.no) FROM contacts c \
             WHERE c.no IN ('ALPHA', 'ANNA', 'BETA', 'DORA', 'ELI')",
        )
    };
    assert_eq!(
        lists(&app),
        "ALPHA:RETAIL+WHOLESALE ANNA: BETA: DORA:NEWS+XMAS ELI:NEWS+XMAS"
    );

    // A row whose version cell is emptied is written as the file says, lists included.
    let version = column(&rows, "version");
    let dora = row_of(&rows, "DORA");
    rows[dora][version].clear();
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", &csv_text(&rows));
    assert!(page.contains("1 updated"), "{}", page.body);
    assert_eq!(
        lists(&app),
        "ALPHA:RETAIL+WHOLESALE ANNA: BETA: DORA:XMAS ELI:NEWS+XMAS"
    );

    // Lists as exported that cannot be read are refused by line.
    let alpha = row_of(&rows, "ALPHA");
    rows[alpha][exported] = "groups=RETAIL".into();
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", &csv_text(&rows));
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains("classifications_as_exported must be the lists as exported"),
        "{}",
        page.body
    );
}

/// Rules that hold on the card hold for an import, over the contact as it will be: a file of
/// some columns is checked with the contact's own values for the others (a file of
/// `no,type,name,email` used to empty the address of a contact written to by e-mail, and one
/// giving `correspondence_type` alone was refused for a contact that has one), and a blocked
/// salesperson is not given to a contact, though one that has it keeps it.
#[test]
fn an_import_checks_the_contact_as_it_will_be_and_gives_no_blocked_salesperson() {
    let app = TestApp::start();
    saved_world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET correspondence_type = 'email' WHERE no = 'ANNA';
         UPDATE salespeople SET blocked = TRUE WHERE code = 'PL';
         UPDATE contacts SET salesperson_code = 'PL' WHERE no = 'SOLO'",
    );
    let mut c = staff(&app, "stan");
    let before = snapshot(&app, &[]);
    let file = "no,type,name,email\nANNA,person,Anna Alpha,\n";
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", file.as_bytes());
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(page.contains("line 2: correspondence by e-mail needs an e-mail address"));
    // ELI has no address: e-mail is refused for her, given to DORA (who has one).
    let file = "no,type,name,correspondence_type\nDORA,person,Dora Beta,email\nELI,person,Eli Beta,email\n";
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", file.as_bytes());
    assert!(
        page.contains("line 3: correspondence by e-mail needs an e-mail address"),
        "{}",
        page.body
    );
    assert!(!page.contains("line 2:"), "{}", page.body);
    let file = "type,name,salesperson_code\ncompany,New Co,PL\n";
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", file.as_bytes());
    assert!(
        page.contains("line 2: salesperson PL is blocked: choose another"),
        "{}",
        page.body
    );
    assert_eq!(snapshot(&app, &[]), before, "nothing written");

    let file = "no,type,name,correspondence_type,salesperson_code\n\
                DORA,person,Dora Beta,email,\nSOLO,person,Solo Person,,PL\n";
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", file.as_bytes());
    assert!(page.contains("1 updated"), "{}", page.body);
    assert_eq!(
        text(&app, "SELECT string_agg(no || ':' || correspondence_type || ':' || COALESCE(salesperson_code, '-'), ' ' ORDER BY no) FROM contacts WHERE no IN ('DORA', 'SOLO')"),
        "DORA:email:- SOLO::PL"
    );
}

/// A file of one company with a new city moves its persons that shared its address, as its
/// card does, and says so: the page used to say "1 updated" of a file that changed four
/// contacts.
#[test]
fn an_import_says_how_many_persons_followed_their_companys_address() {
    let app = TestApp::start();
    saved_world(&app);
    let mut c = staff(&app, "stan");
    let file = "no,type,name,city\nALPHA,company,Alpha Retail,Ålborg\n";
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", file.as_bytes());
    assert!(
        page.contains(
            "0 contacts imported, 1 updated. 3 other persons followed a change of their company \
             (address, phone, salesperson, territory or language they had of it)."
        ),
        "{}",
        page.body
    );
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(no, ',' ORDER BY no) FROM contacts WHERE city = 'Ålborg'"
        ),
        "ALPHA,ANNA,BO,CY"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'contacts imported' \
             AND detail LIKE '%3 persons following their company''s changes'"
        ),
        1
    );
}

/// A No. in a file is refused what a number series' prefix is refused: a card at
/// `/contacts/A/1` or `/contacts/A#1` could not be opened, and `A|1` typed into a filter
/// would be two numbers.
#[test]
fn an_imported_no_that_could_not_be_an_address_or_a_filter_is_refused() {
    let app = TestApp::start();
    saved_world(&app);
    let mut c = staff(&app, "stan");
    let before = snapshot(&app, &[]);
    let file = "no,type,name,company_no\n\
                A/1,company,Slash,\n\
                B#1,company,Hash,\n\
                C|1,company,Bar,\n\
                ..,company,Dots,\n\
                P1,person,Pia,X?1\n\
                OK-1.A,company,Fine,\n\
                D\\1,company,Back,\n\
                E'1,company,Quote,\n\
                F..1,company,Range,\n";
    let page = import_file(&mut c, &[], "contacts.csv", file.as_bytes());
    for expected in [
        "line 2: no \"A/1\" cannot contain /: the numbers are part of the records' addresses",
        "line 3: no \"B#1\" cannot contain #: the numbers are part of the records' addresses",
        "line 4: no \"C|1\" cannot contain |: it has a meaning in filters, where numbers are typed",
        "line 5: no \"..\" cannot consist of dots only",
        "line 6: company X?1 is neither in the file nor in Rapport",
        "line 8: no \"D\\1\" cannot contain \\: the numbers are part of the records' addresses",
        "line 9: no \"E'1\" cannot contain ': it has a meaning in filters, where numbers are typed",
        "line 10: no \"F..1\" cannot contain ..: two dots together mean a range in filters, where numbers are typed",
    ] {
        let shown = expected.replace('"', "&#34;").replace('\'', "&#39;");
        assert!(page.contains(&shown), "{expected}\n{}", page.body);
    }
    assert!(!page.contains("line 7:"), "{}", page.body);
    assert_eq!(snapshot(&app, &[]), before, "nothing written");
    // A contact's No. from before the rule stays usable: updated by a file, and named as a
    // person's company.
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name) VALUES ('K&S', 'company', 'K and S')",
    );
    let file = "no,type,name,company_no\nK&S,company,K & S ApS,\nKS1,person,Karen,K&S\n";
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", file.as_bytes());
    assert!(
        page.contains("1 contact imported, 1 updated."),
        "{}",
        page.body
    );
    assert_eq!(
        text(
            &app,
            "SELECT co.name || '/' || p.name FROM contacts p JOIN contacts co ON co.id = p.company_id \
             WHERE p.no = 'KS1'"
        ),
        "K & S ApS/Karen"
    );
}

/// A file that gives a company a new salesperson and phone passes them on to its persons that
/// had its old ones, as its card does; a person with its own keeps it.
#[test]
fn an_imports_new_salesperson_and_phone_of_a_company_reach_its_persons() {
    let app = TestApp::start();
    saved_world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET salesperson_code = 'JO' WHERE no IN ('ALPHA', 'ANNA', 'BO');
         UPDATE contacts SET salesperson_code = 'PL', phone = '+45 99' WHERE no = 'CY';",
    );
    let mut c = staff(&app, "stan");
    let file = "no,type,name,salesperson_code,phone\nALPHA,company,Alpha Retail,PL,+45 1\n";
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", file.as_bytes());
    assert!(
        page.contains("0 contacts imported, 1 updated. 2 other persons followed a change"),
        "{}",
        page.body
    );
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(no || ':' || coalesce(salesperson_code, '-') || ':' || phone, ' ' \
             ORDER BY no) FROM contacts WHERE no IN ('ALPHA', 'ANNA', 'BO', 'CY')"
        ),
        "ALPHA:PL:+45 1 ANNA:PL:+45 1 BO:PL:+45 1 CY:PL:+45 99"
    );
    // A person's row giving it a salesperson of its own keeps it.
    let file =
        "no,type,name,salesperson_code\nALPHA,company,Alpha Retail,JO\nANNA,person,Anna Alpha,\n";
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", file.as_bytes());
    assert!(page.contains("2 other persons followed"), "{}", page.body);
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(no || ':' || coalesce(salesperson_code, '-'), ' ' ORDER BY no) \
             FROM contacts WHERE no IN ('ALPHA', 'ANNA', 'BO', 'CY')"
        ),
        "ALPHA:JO ANNA:- BO:JO CY:JO"
    );
}

/// A contact renamed by an import: a Search Name that followed the old name follows the new
/// one, as on the card, whether the file's cell still has the old (exported before) or the
/// file has no such column; one of the user's own stays. It stayed at the old name, and a
/// segment filter on the new one missed the contact.
#[test]
fn an_import_that_renames_a_contact_takes_its_search_name_along_as_the_card_does() {
    let app = TestApp::start();
    saved_world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET search_name = 'BO THE BUYER' WHERE no = 'BO'",
    );
    let mut c = staff(&app, "stan");
    let mut rows = csv_rows(&c.get("/contacts/export.csv").body);
    let name = column(&rows, "name");
    for (no, new) in [("ANNA", "Anna Holm"), ("BO", "Bo Holm")] {
        let i = row_of(&rows, no);
        rows[i][name] = new.into();
    }
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", &csv_text(&rows));
    assert!(page.contains("2 updated"), "{}", page.body);
    let search_name = |no: &str| {
        text(
            &app,
            &format!("SELECT search_name FROM contacts WHERE no = '{no}'"),
        )
    };
    assert_eq!(search_name("ANNA"), "ANNA HOLM");
    assert_eq!(search_name("BO"), "BO THE BUYER");

    // A file without the column.
    let page = import_file(
        &mut c,
        &[UPDATE],
        "names.csv",
        "no,type,name\nDORA,person,Dora Lund\nBO,person,Bo Lund\n".as_bytes(),
    );
    assert!(page.contains("2 updated"), "{}", page.body);
    assert_eq!(search_name("DORA"), "DORA LUND");
    assert_eq!(search_name("BO"), "BO THE BUYER");
    // The segment filter on the new name finds her.
    let no = new_segment(&mut c, "Lund");
    step(&mut c, &no, "add", &[("search_name", "DORA L*")]);
    assert_eq!(
        app.count("SELECT count(*) FROM segment_lines l JOIN contacts c ON c.id = l.contact_id WHERE c.no = 'DORA'"),
        1
    );
    // Every letter in capitals, as the card makes them, and followed again from there. The
    // database's upper() of the file's name changed ASCII letters only ("åSE LUND"), and a
    // filter on ÅSE* missed her.
    for (name, capitals) in [
        ("Åse Lund", "ÅSE LUND"),
        ("Øllgaard Straße", "ØLLGAARD STRASSE"),
    ] {
        let page = import_file(
            &mut c,
            &[UPDATE],
            "names.csv",
            format!("no,type,name\nDORA,person,{name}\n").as_bytes(),
        );
        assert!(page.contains("1 updated"), "{}", page.body);
        assert_eq!(search_name("DORA"), capitals);
    }
    let no = new_segment(&mut c, "Øllgaard");
    step(&mut c, &no, "add", &[("search_name", "ølLGAARD*")]);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
             JOIN segments s ON s.id = l.segment_id WHERE c.no = 'DORA' AND s.no = '{no}'"
        )),
        1
    );
}

/// A CSV export opened in Excel shows the formula guard's apostrophe ('+45 1234, '=Acme) and
/// keeps it when saved as a workbook: imported, it comes off as it does from CSV. It was kept,
/// and every such phone and name gained an apostrophe.
#[test]
fn the_csv_formula_guard_comes_off_in_a_workbook_too() {
    let app = TestApp::start();
    saved_world(&app);
    let mut c = staff(&app, "stan");
    let rows = vec![
        vec!["type".to_string(), "name".into(), "phone".into()],
        vec!["company".into(), "'=Acme".into(), "'+45 1234 5678".into()],
        vec!["company".into(), "'t Hooft".into(), "".into()],
    ];
    let page = import_file(&mut c, &[], "contacts.xlsx", &workbook(&rows));
    assert!(page.contains("2 contacts imported."), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = '=Acme' AND phone = '+45 1234 5678'"),
        1
    );
    // An apostrophe that guards nothing is the value's own.
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = '''t Hooft'"),
        1
    );
}

/// A person a file moves to another company takes the new company's address, phone,
/// salesperson, territory and language, as its card does: each that its row leaves as stored
/// and that it had of its old company (or had none of). One of its own, or one its row
/// changes, stays; a blocked salesperson is not taken. It used to keep the old company's
/// address, which the new company's later moves then passed by.
#[test]
fn a_person_an_import_moves_to_another_company_takes_the_new_companys_values() {
    let app = TestApp::start();
    saved_world(&app);
    diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name, blocked) VALUES ('BLK', 'Blocked One', TRUE);
         UPDATE contacts SET address = 'Alpha Street 1', city = 'Aarhus', post_code = '8000',
             country_code = 'DK', phone = '+45 11', salesperson_code = 'JO'
             WHERE no IN ('ALPHA', 'ANNA', 'CY');
         UPDATE contacts SET address = 'Own Way 2', city = 'Odense', post_code = '5000',
             country_code = 'DK', phone = '', salesperson_code = NULL WHERE no = 'BO';
         UPDATE contacts SET address = 'Beta Road 3', city = 'Malmö', post_code = '21100',
             country_code = 'SE', phone = '+46 22', salesperson_code = 'PL'
             WHERE no IN ('BETA', 'DORA', 'ELI');
         UPDATE contacts SET address = 'Gamma Plads 4', city = 'København', post_code = '1000',
             country_code = 'DK', phone = '+45 55', salesperson_code = 'BLK' WHERE no = 'GAMMA';",
    );
    let mut c = staff(&app, "stan");
    let file = "no,type,name,company_no,phone\n\
                BETA,company,Beta Wholesale,,+46 33\n\
                ANNA,person,Anna Alpha,BETA,+45 11\n\
                BO,person,Bo Alpha,BETA,\n\
                CY,person,Cy Alpha,BETA,+45 77\n\
                ELI,person,Eli Beta,GAMMA,+46 22\n";
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", file.as_bytes());
    assert!(
        page.contains("0 contacts imported, 5 updated."),
        "{}",
        page.body
    );
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(concat_ws('|', p.no, co.no, p.address, p.city, p.post_code, \
               p.country_code, p.phone, p.salesperson_code), E'\\n' ORDER BY p.no) \
             FROM contacts p LEFT JOIN contacts co ON co.id = p.company_id \
             WHERE p.no IN ('ANNA', 'BO', 'CY', 'DORA', 'ELI')"
        ),
        // ANNA had all of ALPHA's; BO keeps its own address; CY the phone its row changes;
        // DORA stays and follows BETA's new phone; ELI does not take GAMMA's blocked
        // salesperson.
        "ANNA|BETA|Beta Road 3|Malmö|21100|SE|+46 33|PL\n\
         BO|BETA|Own Way 2|Odense|5000|DK|+46 33|PL\n\
         CY|BETA|Beta Road 3|Malmö|21100|SE|+45 77|PL\n\
         DORA|BETA|Beta Road 3|Malmö|21100|SE|+46 33|PL\n\
         ELI|GAMMA|Gamma Plads 4|København|1000|DK|+45 55|PL"
    );
}

/// An import renaming contacts while a colleague renames one of them on its card: the import
/// waits for the card's save and then renames it too. It locked the file's contacts before it
/// waited for the segment steps (the card takes them the other way round): the two
/// deadlocked, and the whole import was lost, "the administrator finds the reason in the log".
#[test]
fn an_import_renaming_contacts_waits_for_a_rename_on_a_card_without_a_deadlock() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    saved_world(&app);
    let mut c = staff(&app, "stan");
    // The card's save, past its wait for the segment steps.
    let mut card = app.conn();
    card.batch_execute("BEGIN; LOCK TABLE segment_lines IN SHARE ROW EXCLUSIVE MODE")
        .unwrap();
    let file = "no,type,name\nSOLO,person,Solo From File\n";
    let res = c.upload_with(
        "/contacts/import",
        "/contacts/import",
        &[UPDATE],
        "rename.csv",
        file.as_bytes(),
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let job = res.location().unwrap();
    assert!(one_waits_for_a_lock(&app, || false));
    card.batch_execute("UPDATE contacts SET name = 'Solo On Card' WHERE no = 'SOLO'; COMMIT")
        .unwrap();
    let page = c.wait_for(&job, |r| !r.contains("data-status-url"));
    assert!(
        page.contains("0 contacts imported, 1 updated."),
        "{}",
        page.body
    );
    assert_eq!(
        text(&app, "SELECT name FROM contacts WHERE no = 'SOLO'"),
        "Solo From File"
    );
}

/// A file exported before an administrator renamed a code it names reads the old code as the
/// new one: imported unchanged it changes nothing (it was refused, "unknown mailing group
/// XMAS"), and a list cell emptied takes the renamed group off the contact (it stayed, and
/// the contact was counted "unchanged").
#[test]
fn a_file_exported_before_a_rename_reads_the_old_code_as_the_new() {
    let app = TestApp::start();
    saved_world(&app);
    let mut c = staff(&app, "stan");
    let export = c.get("/contacts/export.csv");
    let mut rows = csv_rows(&export.body);
    let groups = column(&rows, "mailing_groups");
    assert_eq!(rows[row_of(&rows, "ANNA")][groups], "NEWS|XMAS");
    let mut admin = app.signed_in("boss", "admin");
    admin
        .submit(
            "/setup/mailing-groups/XMAS",
            "/setup/mailing-groups/XMAS",
            &[("code", "CARDS"), ("description", "Christmas cards")],
        )
        .assert_redirect("/setup/mailing-groups");
    let lists = |app: &TestApp| {
        text(
            app,
            "SELECT string_agg(c.no || ':' || COALESCE((SELECT string_agg(code, '+' ORDER BY code) \
               FROM contact_mailing_groups WHERE contact_id = c.id), ''), ' ' ORDER BY c.no) \
             FROM contacts c WHERE c.no IN ('ANNA', 'DORA')",
        )
    };
    assert_eq!(lists(&app), "ANNA:CARDS+NEWS DORA:CARDS");
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", &csv_text(&rows));
    assert!(!page.contains("Nothing was imported."), "{}", page.body);
    assert!(page.contains("0 contacts imported"), "{}", page.body);
    assert!(!page.contains("updated"), "{}", page.body);
    assert_eq!(lists(&app), "ANNA:CARDS+NEWS DORA:CARDS");
    // Anna's cell emptied: both groups go, the renamed one too.
    let anna = row_of(&rows, "ANNA");
    rows[anna][groups].clear();
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", &csv_text(&rows));
    assert!(page.contains("1 updated"), "{}", page.body);
    assert_eq!(lists(&app), "ANNA: DORA:CARDS");
}

/// Text as Excel's "CSV (Comma delimited)" writes it: Windows-1252, "?" for a letter it cannot
/// hold (an emoji, two UTF-16 units, as "??").
fn as_windows_1252(text: &str) -> Vec<u8> {
    const HIGH: &str = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8d}Ž\u{8f}\u{90}‘’“”•–—˜™š›œ\u{9d}žŸ";
    text.trim_start_matches('\u{feff}')
        .chars()
        .flat_map(|c| match c as u32 {
            0..=0x7f | 0xa0..=0xff => vec![c as u8],
            n if n > 0xffff => b"??".to_vec(),
            _ => match HIGH.chars().position(|h| h == c) {
                Some(i) if !matches!(i, 1 | 13 | 15 | 16 | 29) => vec![0x80 + i as u8],
                _ => b"?".to_vec(),
            },
        })
        .collect()
}

/// An export opened in Excel and saved as its "CSV" (Windows-1252) has "?" for the letters of
/// Polish, Czech or Greek names, and an emoji: imported with "Update", those names stay as
/// Rapport has them, while a cell changed in Excel is written (the update wrote "R??a" over
/// "Róża" and counted it as a change).
#[test]
fn an_excel_csv_round_trip_keeps_the_letters_windows_1252_cannot_hold() {
    let app = TestApp::start();
    saved_world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET name = 'Róża Wiśniewska 😀', city = 'Łódź', \
             search_name = 'RÓŻA WIŚNIEWSKA 😀' WHERE no = 'ANNA';
         UPDATE contacts SET name = 'Ελένη Ανδρέου', city = 'Malmö', \
             search_name = 'ΕΛΈΝΗ ΑΝΔΡΈΟΥ' WHERE no = 'ELI'",
    );
    let mut c = staff(&app, "stan");
    let export = c.get("/contacts/export.csv");
    let mut rows = csv_rows(export.body.trim_start_matches('\u{feff}'));
    // In Excel: Anna's phone changed, Eli's city typed anew, nothing else.
    let (anna, eli) = (row_of(&rows, "ANNA"), row_of(&rows, "ELI"));
    let (phone, city) = (column(&rows, "phone"), column(&rows, "city"));
    rows[anna][phone] = "+45 70 00 00 01".into();
    rows[eli][city] = "Lund".into();
    let data = as_windows_1252(std::str::from_utf8(&csv_text(&rows)).unwrap());
    let page = import_file(
        &mut c,
        &[UPDATE, ("windows_1252", "on")],
        "contacts.csv",
        &data,
    );
    assert!(page.contains("2 updated"), "{}", page.body);
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(concat_ws('|', name, search_name, city, phone), ' / ' ORDER BY no) \
             FROM contacts WHERE no IN ('ANNA', 'ELI')"
        ),
        "Róża Wiśniewska 😀|RÓŻA WIŚNIEWSKA 😀|Łódź|+45 70 00 00 01 / \
         Ελένη Ανδρέου|ΕΛΈΝΗ ΑΝΔΡΈΟΥ|Lund|"
    );
    // A "?" the user typed in place of such a letter is what the file says.
    let export = c.get("/contacts/export.csv");
    let mut rows = csv_rows(export.body.trim_start_matches('\u{feff}'));
    let anna = row_of(&rows, "ANNA");
    let name = column(&rows, "name");
    rows[anna][name] = "Roza W?".into();
    let data = as_windows_1252(std::str::from_utf8(&csv_text(&rows)).unwrap());
    let page = import_file(
        &mut c,
        &[UPDATE, ("windows_1252", "on")],
        "contacts.csv",
        &data,
    );
    assert!(page.contains("1 updated"), "{}", page.body);
    assert_eq!(
        text(
            &app,
            "SELECT name || '|' || city FROM contacts WHERE no = 'ANNA'"
        ),
        "Roza W?|Łódź"
    );
}

/// A CSV file opened in a spreadsheet and saved again has lost the leading zeros of its post
/// codes and numbers (`0150` is `150`): imported back, those cells are read as the contact's own
/// and change nothing (every such contact was changed, its post code cut short). A real edit of
/// such a cell, and a number of the same digits that is not the stored one cut short, are
/// written.
#[test]
fn a_spreadsheets_dropped_leading_zeros_change_no_contact() {
    let app = TestApp::start();
    saved_world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET post_code = '0150', phone = '004522334455' WHERE no = 'ANNA';
         UPDATE contacts SET post_code = '01203', mobile = '0701234567' WHERE no = 'DORA';",
    );
    let mut c = staff(&app, "stan");
    let before = snapshot(&app, &[]);
    let mut rows = csv_rows(&c.get("/contacts/export.csv").body);
    let (anna, dora) = (row_of(&rows, "ANNA"), row_of(&rows, "DORA"));
    let (post, phone, mobile) = (
        column(&rows, "post_code"),
        column(&rows, "phone"),
        column(&rows, "mobile"),
    );
    rows[anna][post] = "150".into();
    rows[anna][phone] = "4522334455".into();
    rows[dora][post] = "1203".into();
    rows[dora][mobile] = "701234567".into();
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", &csv_text(&rows));
    assert!(
        page.contains("0 contacts imported, 10 unchanged"),
        "{}",
        page.body
    );
    assert_eq!(snapshot(&app, &[]), before);

    // A post code really edited is written, and so is one of other digits.
    rows[anna][post] = "0151".into();
    rows[dora][post] = "203".into();
    let page = import_file(&mut c, &[UPDATE], "contacts.csv", &csv_text(&rows));
    assert!(
        page.contains("0 contacts imported, 2 updated"),
        "{}",
        page.body
    );
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(no || ' ' || post_code || ' ' || phone || ' ' || mobile, ', ' ORDER BY no) \
             FROM contacts WHERE no IN ('ANNA', 'DORA')"
        ),
        "ANNA 0151 004522334455 , DORA 203  0701234567"
    );
}
