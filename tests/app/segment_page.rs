//! The segment page as a user works on it (see docs/segments.md, The segment page): the
//! header first with refused saves summed up at the top, the lines searched and sorted with
//! keyset paging and each value's source, steps that change nothing kept in the ledger only
//! when they select by criteria, and previews open to viewers.

use crate::auth::diesel_exec;
use crate::segments::{
    header_fields, new_segment, post, preview, staff, step, step_count, text, token, world,
};
use crate::support::*;

/// The hrefs of a page's links with `rel`, unescaped.
fn rel_link(res: &Resp, rel: &str) -> Option<String> {
    let marker = format!("\" rel=\"{rel}\"");
    let end = res.body.find(&marker)?;
    let start = res.body[..end].rfind("href=\"")? + "href=\"".len();
    Some(res.body[start..end].replace("&#38;", "&"))
}

/// The contact No. of every line the page shows, in its order.
fn shown_lines(res: &Resp) -> Vec<String> {
    let marker = "<td class=\"nowrap\"><a href=\"/contacts/";
    res.body
        .match_indices(marker)
        .map(|(i, _)| {
            let rest = &res.body[i + marker.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// Every line reached from `first` by following Next, and again back by Previous from the
/// last page.
fn walk(c: &mut Client, first: &str) -> (Vec<String>, Vec<String>) {
    let mut forward = Vec::new();
    let mut page = c.get(first);
    page.assert_status(200);
    let mut pages = vec![shown_lines(&page)];
    forward.extend(shown_lines(&page));
    while let Some(next) = rel_link(&page, "next") {
        page = c.get(&next);
        page.assert_status(200);
        pages.push(shown_lines(&page));
        forward.extend(shown_lines(&page));
        assert!(pages.len() < 10, "paging does not end: {next} {pages:?}");
    }
    let mut backward = Vec::new();
    let mut from_end = vec![shown_lines(&page)];
    while let Some(prev) = rel_link(&page, "prev") {
        page = c.get(&prev);
        page.assert_status(200);
        from_end.push(shown_lines(&page));
    }
    for p in from_end.into_iter().rev() {
        backward.extend(p);
    }
    (forward, backward)
}

/// 230 persons in Norway, a third of them in Århus, on a new segment.
pub(crate) fn many_lines(app: &TestApp, c: &mut Client) -> String {
    diesel_exec(
        app,
        "INSERT INTO contacts (no, type, name, city, country_code, email)
         SELECT 'P' || lpad(i::text, 4, '0'), 'person', 'Person ' || (i * 7919 % 230),
                CASE WHEN i % 3 = 0 THEN 'Århus' ELSE 'Odense' END, 'NO',
                CASE WHEN i = 17 THEN 'søren@example.no' ELSE '' END
         FROM generate_series(1, 230) i",
    );
    let no = new_segment(c, "Norway");
    step(c, &no, "add", &[("country", "NO")]);
    no
}

/// What the database says the page's order is.
fn expected(app: &TestApp, no: &str, condition: &str, order: &str) -> Vec<String> {
    text(
        app,
        &format!(
            "SELECT string_agg(c.no, ',' ORDER BY {order}) FROM segment_lines l \
             JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id \
             WHERE s.no = '{no}' AND l.removed_by_step IS NULL AND {condition}"
        ),
    )
    .split(',')
    .map(str::to_string)
    .collect()
}

#[test]
fn the_header_comes_first_and_a_refused_save_lists_its_fields_at_the_top() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = many_lines(&app, &mut c);

    let page = c.get(&format!("/segments/{no}"));
    page.assert_status(200);
    let header = page.body.find("id=\"header-heading\"").unwrap();
    assert!(header < page.body.find("id=\"ledger-heading\"").unwrap());
    assert!(header < page.body.find("id=\"lines-heading\"").unwrap());
    assert!(
        header
            < page
                .body
                .find("<td class=\"nowrap\"><a href=\"/contacts/")
                .unwrap()
    );

    let version = text(
        &app,
        &format!("SELECT version FROM segments WHERE no = '{no}'"),
    );
    let res = post(
        &mut c,
        &format!("/segments/{no}"),
        &header_fields(&[
            ("description", "Norway, spring"),
            ("date", "31-02-2026"),
            ("unit_cost", "12,5x"),
            ("version", &version),
        ]),
    );
    res.assert_status(422);
    let summary = res.body.find("class=\"error-summary\"").expect("a summary");
    assert!(summary < res.body.find("id=\"header-heading\"").unwrap());
    assert!(
        summary
            < res
                .body
                .find("<td class=\"nowrap\"><a href=\"/contacts/")
                .unwrap()
    );
    assert!(res.contains("<a href=\"#date\">"), "{}", res.body);
    assert!(res.contains("<a href=\"#unit_cost\">"));
    assert!(res.contains("these 2 fields"));
    // What was typed is kept, and nothing was saved.
    assert!(res.contains("value=\"31-02-2026\""));
    assert!(res.contains("value=\"12,5x\""));
    assert!(res.contains("value=\"Norway, spring\""));
    assert_eq!(
        text(
            &app,
            &format!("SELECT description FROM segments WHERE no = '{no}'")
        ),
        "Norway"
    );
}

#[test]
fn lines_are_searched_and_sorted_and_every_one_is_reached_by_next_and_previous() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = many_lines(&app, &mut c);

    // The line order, over three pages.
    let all = expected(
        &app,
        &no,
        "TRUE",
        "l.company_name, l.is_person, l.contact_name, l.id",
    );
    assert_eq!(all.len(), 230);
    let (forward, backward) = walk(&mut c, &format!("/segments/{no}"));
    assert_eq!(forward, all);
    assert_eq!(backward, all);

    // By city, descending: Odense's 154 first, over two pages.
    let by_city = expected(&app, &no, "TRUE", "c.city DESC, l.id DESC");
    let (forward, backward) = walk(&mut c, &format!("/segments/{no}?sort=city&dir=desc"));
    assert_eq!(forward, by_city);
    assert_eq!(backward, by_city);

    // By name, by step and by salesperson (each line's own, the header's or the
    // contact's), both ways: picked by their keys, then read whole.
    diesel_exec(
        &app,
        "UPDATE contacts SET salesperson_code = 'PL' WHERE no LIKE 'P%' AND id % 3 = 1;
         UPDATE segment_lines SET salesperson_code = 'JO' WHERE id % 4 = 0;",
    );
    for (sort, order) in [
        ("name", "l.contact_name, l.company_name, l.id"),
        ("step&dir=desc", "l.added_by_step DESC, l.id DESC"),
        (
            "salesperson",
            "COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code, '')::text, l.id",
        ),
    ] {
        let expected = expected(&app, &no, "TRUE", order);
        let (forward, backward) = walk(&mut c, &format!("/segments/{no}?sort={sort}"));
        assert_eq!(forward, expected, "{sort}");
        assert_eq!(backward, expected, "{sort}");
    }

    // A search in any case, Nordic letters folded: "ÅRHUS" finds the 76 in Århus.
    let page = c.get(&format!("/segments/{no}?q=%C3%85RHUS&sort=name"));
    page.assert_status(200);
    assert!(page.contains("76 of 230 lines match"), "{}", page.body);
    let in_aarhus = expected(
        &app,
        &no,
        "c.city = 'Århus'",
        "l.contact_name, l.company_name, l.id",
    );
    assert_eq!(shown_lines(&page), in_aarhus);
    assert!(page.contains("aria-sort=\"ascending\""));
    // The sort links keep the search.
    assert!(page.contains("?q=%C3%85RHUS&#38;sort=name&#38;dir=desc#lines"));

    // Odense by name, descending: 154 lines over two pages, both ways.
    let odense = expected(
        &app,
        &no,
        "c.city = 'Odense'",
        "l.contact_name DESC, l.company_name DESC, l.id DESC",
    );
    let (forward, backward) = walk(
        &mut c,
        &format!("/segments/{no}?q=odense&sort=name&dir=desc"),
    );
    assert_eq!(forward, odense);
    assert_eq!(backward, odense);

    // By e-mail, and by contact No.
    let page = c.get(&format!("/segments/{no}?q=S%C3%98REN"));
    assert_eq!(shown_lines(&page), vec!["P0017"]);
    let page = c.get(&format!("/segments/{no}?q=p002&sort=no&dir=desc"));
    let by_no: Vec<String> = (20..30).rev().map(|i| format!("P00{i}")).collect();
    assert_eq!(shown_lines(&page), by_no);
    // Nothing found, and odd input, are answers, not errors.
    let page = c.get(&format!("/segments/{no}?q=%25_nobody&sort=bogus&dir=up"));
    page.assert_status(200);
    assert!(page.contains("No line matches"));
}

/// Next and Previous on a segment's lines go on from where the page the user saw left off,
/// even when the contact of the line a link names was renamed (or moved) meanwhile, which
/// moves its line in the order: the link carries the line's sort keys as the page showed
/// them. Looked up afresh, a page after a line renamed "Zzz" started at the end.
#[test]
fn paging_lines_goes_on_from_the_page_seen_when_a_contact_was_renamed_meanwhile() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = many_lines(&app, &mut c);
    // Values before and after every other in the database's order: the line leaves the pages.
    let high = |column: &str| format!("(SELECT max({column}) || 'z' FROM contacts)");
    for (query, column, low) in [
        ("", "name", "'Aaa'"),
        ("?sort=name", "name", "'Aaa'"),
        ("?sort=city&dir=desc", "city", "''"),
    ] {
        let start = format!("/segments/{no}{query}");
        let (order, _) = walk(&mut c, &start);
        assert_eq!(order.len(), 230);
        let first = c.get(&start);
        let next = rel_link(&first, "next").unwrap();
        let second = c.get(&next);
        assert_eq!(shown_lines(&second), order[100..200], "{query}");
        let prev = rel_link(&second, "prev").unwrap();
        let high = high(column);
        for (at, value) in [(99, &high[..]), (99, low), (100, low), (100, &high[..])] {
            let contact = &order[at];
            let was = text(
                &app,
                &format!("SELECT quote_literal({column}) FROM contacts WHERE no = '{contact}'"),
            );
            let set = |v: &str| {
                diesel_exec(
                    &app,
                    &format!("UPDATE contacts SET {column} = {v} WHERE no = '{contact}'"),
                )
            };
            set(value);
            let then: Vec<String> = order.iter().filter(|n| *n != contact).cloned().collect();
            if at == 99 {
                let page = c.get(&next);
                assert_eq!(
                    shown_lines(&page),
                    then[99..199],
                    "{query} {contact} {value}"
                );
            } else {
                let page = c.get(&prev);
                assert_eq!(shown_lines(&page), then[..100], "{query} {contact} {value}");
            }
            set(&was);
        }
    }
    // Keys that are not the order's are passed over, not an error.
    let line = text(&app, "SELECT min(id)::text FROM segment_lines");
    for key in [
        "%5B%22x%22%2C%22maybe%22%2C%22y%22%5D",
        "%5B%22%5Cu0000%22%2C%22true%22%2C%22y%22%5D",
        "%5B1%2C2%5D",
        "not-json",
    ] {
        let page = c.get(&format!("/segments/{no}?after={line}&key={key}"));
        page.assert_status(200);
        assert_eq!(shown_lines(&page).len(), 100, "{key}");
    }
}

/// A search finds a line by its contact (No., name, e-mail, city) or by the company name the
/// line shows, folded, the same whether it picks its contacts from the index (three letters
/// or digits in a row, or two beside another letter: `ærø sh`, `årh`) or tests each line's
/// contact: checked against the database with the condition written out. Some lines show a
/// company name their contacts no longer carry (as after the company was renamed).
#[test]
fn a_search_finds_lines_by_their_contact_or_the_company_they_show_however_short() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = many_lines(&app, &mut c);
    diesel_exec(
        &app,
        "UPDATE segment_lines SET company_name = 'Ærø Shipping' \
         WHERE contact_id IN (SELECT id FROM contacts WHERE no LIKE 'P%' AND id % 5 = 0);
         UPDATE segment_lines SET company_name = 'STRASSE 50%' \
         WHERE contact_id IN (SELECT id FROM contacts WHERE no LIKE 'P%' AND id % 7 = 0);",
    );
    let searches = [
        ("%C3%86R%C3%98", "ÆRØ"),
        ("%C3%A6r%C3%B8+ship", "ærø ship"),
        ("%C3%86R%C3%98+SH", "ÆRØ SH"),
        ("%C3%85RH", "ÅRH"),
        ("%C3%B8re", "øre"),
        ("SHIP", "SHIP"),
        ("stra%C3%9Fe", "straße"),
        ("50%25", "50%"),
        ("rh", "rh"),
        ("o", "o"),
        ("p01", "p01"),
        ("%C3%B8ren", "øren"),
        ("zz", "zz"),
    ];
    for (encoded, q) in searches {
        let pattern = rapport::db::text::contains_pattern(q);
        let found = expected(
            &app,
            &no,
            &format!(
                "(c.search_text LIKE '{pattern}' OR rapport_fold(l.company_name) LIKE '{pattern}')"
            ),
            "l.contact_name, l.company_name, l.id",
        );
        let found: Vec<String> = found.into_iter().filter(|n| !n.is_empty()).collect();
        let page = c.get(&format!("/segments/{no}?q={encoded}&sort=name"));
        page.assert_status(200);
        if found.is_empty() {
            assert!(page.contains("No line matches"), "{q}");
            continue;
        }
        assert!(
            page.contains(&format!("{} of 230 lines match", found.len())),
            "{q}: {} expected",
            found.len()
        );
        assert_eq!(
            shown_lines(&page),
            found[..found.len().min(100)],
            "{q}: the first page"
        );
    }
}

#[test]
fn a_line_shows_its_values_with_where_each_comes_from_and_links_to_the_contact() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Sources");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    diesel_exec(
        &app,
        &format!(
            "UPDATE contacts SET correspondence_type = 'email' WHERE no = 'DORA';
             UPDATE segment_lines l SET unit_cost = 7.25, salesperson_code = 'PL'
             FROM contacts c WHERE c.id = l.contact_id AND c.no = 'ANNA'
               AND l.segment_id = (SELECT id FROM segments WHERE no = '{no}')"
        ),
    );
    let page = c.get(&format!("/segments/{no}"));
    page.assert_status(200);
    let row = |contact: &str| -> String {
        let start = page
            .body
            .find(&format!(
                "<td class=\"nowrap\"><a href=\"/contacts/{contact}\">"
            ))
            .unwrap();
        // From the row's start: its Edit and Remove come first.
        let start = page.body[..start].rfind("<tr>").unwrap();
        let end = start + page.body[start..].find("</tr>").unwrap();
        page.body[start..end].to_string()
    };
    let anna = row("ANNA");
    assert!(anna.contains("<a href=\"/contacts/ANNA\">Anna Alpha</a>"));
    assert!(anna.contains("PL – Pat Lee</td>"), "{anna}");
    assert!(anna.contains("7.25</td>"), "{anna}");
    assert!(anna.contains(">own</span>"));
    let dora = row("DORA");
    assert!(
        dora.contains("JO – Jo Sales <span class=\"from\">(header)</span>"),
        "{dora}"
    );
    assert!(
        dora.contains("E-mail <span class=\"from\">(contact)</span>"),
        "{dora}"
    );
    assert!(
        dora.contains("0.00 <span class=\"from\">(header)</span>"),
        "{dora}"
    );
    assert!(!dora.contains(">own</span>"));
    // A line whose only value of its own is its evaluation has its own values too (it is
    // logged with it): it had no mark.
    diesel_exec(
        &app,
        &format!(
            "UPDATE segment_lines l SET evaluation = 'positive'
             FROM contacts c WHERE c.id = l.contact_id AND c.no = 'DORA'
               AND l.segment_id = (SELECT id FROM segments WHERE no = '{no}')"
        ),
    );
    // A line's form says what is in effect for each field and where it comes from (every
    // field left to the header was blank, and the header's correspondence type said where the
    // contact's applies).
    let line_of = |contact: &str| {
        app.count(&format!(
            "SELECT l.id FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
             WHERE c.no = '{contact}'"
        ))
    };
    let anna_form = c.get(&format!("/segments/{no}/lines/{}", line_of("ANNA")));
    assert!(
        anna_form.contains("In effect: PL (this line&#39;s own)."),
        "{}",
        anna_form.body
    );
    assert!(anna_form.contains("In effect: 7.25 (this line&#39;s own)."));
    let dora_form = c.get(&format!("/segments/{no}/lines/{}", line_of("DORA")));
    for said in [
        "In effect: JO (header).",
        "In effect: E-mail (contact).",
        "In effect: 0.00 (header).",
    ] {
        assert!(dora_form.contains(said), "{said}: {}", dora_form.body);
    }
    let again = c.get(&format!("/segments/{no}"));
    let start = again
        .body
        .find("<td class=\"nowrap\"><a href=\"/contacts/DORA\">")
        .unwrap();
    let start = again.body[..start].rfind("<tr>").unwrap();
    let end = start + again.body[start..].find("</tr>").unwrap();
    assert!(again.body[start..end].contains(">own</span>"));
}

/// Renames a contact through its edit form (its type, name and company; the form's other
/// fields left empty).
fn rename(c: &mut Client, no: &str, kind: &str, name: &str, company: &str) {
    let edit = c.get(&format!("/contacts/{no}/edit"));
    let version = hidden_value(&edit.body, "version").unwrap();
    c.post_with_token(
        &format!("/contacts/{no}"),
        &edit.csrf_token().unwrap(),
        &[
            ("type", kind),
            ("name", name),
            ("company_no", company),
            ("version", &version),
        ],
    )
    .assert_redirect(&format!("/contacts/{no}"));
}

/// A line shows its contact's name and its company's name as they are now, as Business
/// Central's segment line looks them up: after a person and their company are renamed on
/// their pages, the segment page, a search of its lines and the export all go by the new
/// names (the lines used to keep the names of the day they were added).
#[test]
fn a_line_follows_its_contact_and_company_when_they_are_renamed() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Denmark");
    step(&mut c, &no, "add", &[("country", "DK")]);
    assert!(c.get(&format!("/segments/{no}")).contains("Anna Alpha"));
    rename(&mut c, "ANNA", "person", "Anna Holm", "ALPHA");
    rename(&mut c, "ALPHA", "company", "Alpha Foods", "");
    let names = |contact: &str| {
        text(
            &app,
            &format!(
                "SELECT l.contact_name || ' / ' || l.company_name FROM segment_lines l \
                 JOIN contacts c ON c.id = l.contact_id WHERE c.no = '{contact}'"
            ),
        )
    };
    assert_eq!(names("ANNA"), "Anna Holm / Alpha Foods");
    assert_eq!(names("ALPHA"), "Alpha Foods / Alpha Foods");
    assert_eq!(names("ELI"), "Eli Beta / Beta Wholesale");
    let page = c.get(&format!("/segments/{no}"));
    page.assert_status(200);
    assert!(page.contains("Anna Holm") && page.contains("Alpha Foods"));
    assert!(!page.contains("Anna Alpha") && !page.contains("Alpha Retail"));
    // The lines are in the order of the new names: Alpha Foods (the company, then Anna
    // Holm) before Beta Wholesale (Eli Beta).
    let order: Vec<String> = shown_lines(&page)
        .into_iter()
        .filter(|n| ["ALPHA", "ANNA", "ELI"].contains(&n.as_str()))
        .collect();
    assert_eq!(order, ["ALPHA", "ANNA", "ELI"]);
    let found = c.get(&format!("/segments/{no}?q=holm"));
    assert_eq!(shown_lines(&found), vec!["ANNA"]);
    let found = c.get(&format!("/segments/{no}?q=alpha+foods"));
    assert_eq!(shown_lines(&found), vec!["ALPHA", "ANNA"]);
    assert!(c
        .get(&format!("/segments/{no}?q=anna+alpha"))
        .contains("No line matches"));
    let export = c.get(&format!("/segments/{no}/export.csv"));
    export.assert_status(200);
    assert!(export.contains("Anna Holm") && export.contains("Alpha Foods"));
    assert!(!export.contains("Anna Alpha") && !export.contains("Alpha Retail"));
}

/// Two companies of the same name keep their persons apart, as Business Central orders
/// contacts (company name, company No., the company first, then name): on the preview, the
/// segment page and the mail-merge export. A person that moves to the other company moves with
/// it. Before, the lines had no company No.: both companies
/// came first and their persons followed mixed by name.
#[test]
fn the_persons_of_two_companies_of_the_same_name_stay_under_their_own() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, country_code) VALUES
             ('TW2', 'company', 'Twin Trading', 'NO'), ('TW1', 'company', 'Twin Trading', 'NO');
         INSERT INTO contacts (no, type, name, company_id, country_code)
             SELECT v.no, 'person', v.name, co.id, 'NO' FROM (VALUES
                 ('TPA', 'Anna Twin', 'TW1'), ('TPB', 'Bo Twin', 'TW2'),
                 ('TPC', 'Carl Twin', 'TW1'), ('TPD', 'Dan Twin', 'TW2')) v(no, name, company)
             JOIN contacts co ON co.no = v.company",
    );
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Twins");
    let before = preview(&mut c, &no, "add", &[("country", "NO")]);
    let rows: Vec<&str> = before.body[..before.body.find("</tbody>").unwrap()]
        .split("<tr><td>")
        .skip(1)
        .map(|r| &r[..r.find('<').unwrap()])
        .collect();
    assert_eq!(
        rows,
        ["TW1", "TPA", "TPC", "TW2", "TPB", "TPD"],
        "{}",
        before.body
    );
    step(&mut c, &no, "add", &[("country", "NO")]);
    let in_order = ["TW1", "TPA", "TPC", "TW2", "TPB", "TPD"];
    assert_eq!(shown_lines(&c.get(&format!("/segments/{no}"))), in_order);
    let export = c.get(&format!("/segments/{no}/export.csv"));
    let exported: Vec<&str> = export
        .body
        .lines()
        .skip(1)
        .map(|l| &l[..l.find(',').unwrap()])
        .collect();
    assert_eq!(exported, in_order);
    // Bo joins the other Twin Trading (not from the contact's page, which keeps a person on
    // a draft segment where it is, but as an import or the command line would).
    diesel_exec(
        &app,
        "UPDATE contacts SET company_id = (SELECT id FROM contacts WHERE no = 'TW1') \
         WHERE no = 'TPB'",
    );
    assert_eq!(
        shown_lines(&c.get(&format!("/segments/{no}"))),
        ["TW1", "TPA", "TPB", "TPC", "TW2", "TPD"]
    );
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(l.company_no, ',' ORDER BY c.no) FROM segment_lines l \
             JOIN contacts c ON c.id = l.contact_id WHERE c.no LIKE 'T%'"
        ),
        "TW1,TW1,TW1,TW2,TW1,TW2"
    );
}

/// "Why is this contact here?" for a contact a step skipped as privacy blocked, unblocked
/// since: it says the step may have skipped it, not only that it did not match then.
#[test]
fn why_says_a_step_may_have_skipped_a_contact_blocked_then() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = TRUE WHERE no = 'SOLO'",
    );
    let no = new_segment(&mut c, "Denmark");
    step(&mut c, &no, "add", &[("country", "DK")]);
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = FALSE WHERE no = 'SOLO'",
    );
    let why = c.get(&format!("/segments/{no}/why?contact=SOLO"));
    why.assert_status(200);
    assert!(
        why.contains("privacy blocked then and skipped, or it was added to Rapport later"),
        "{}",
        why.body
    );
}

#[test]
fn a_step_by_criteria_that_changes_nothing_is_kept_and_others_are_not() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Nothing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    let other = new_segment(&mut c, "Same people");
    step(&mut c, &other, "add", &[("contact_no", "ANNA")]);
    let mut steps = step_count(&app, &no);
    let mut audits = app.count("SELECT count(*) FROM audit_log WHERE action = 'segment step'");
    let lines = app.count("SELECT count(*) FROM segment_lines");
    let kept = ". The step is kept, so Refresh and Save Criteria replay its filters.";

    let page = format!("/segments/{no}");
    for (action, fields, flash) in [
        (
            "add",
            vec![("contact_no", "ANNA|DORA")],
            "Add Contacts: Nothing to add: every matching contact is already on the segment",
        ),
        (
            "add",
            vec![("contact_no", "NOBODY*")],
            "Add Contacts: Nothing to add: no contact matches",
        ),
        (
            "add",
            vec![("contact_no", "CY")],
            "Add Contacts: Nothing to add: every matching contact was skipped (1 skipped as privacy blocked)",
        ),
        (
            "reduce",
            vec![("country", "F*")],
            "Reduce Contacts: Nothing to remove: no line of the segment matches the filters",
        ),
        (
            "refine",
            vec![("contact_no", "ANNA|DORA")],
            "Refine Contacts: Nothing to remove: every line of the segment matches the filters",
        ),
    ] {
        let res = post(&mut c, &format!("/segments/{no}/{action}"), &fields);
        res.assert_redirect(&page);
        let shown = c.get(&page);
        assert!(
            shown.contains(&format!("{flash}{kept}")),
            "{action} {fields:?}:\n{}",
            shown.body
        );
        // Recorded as a step of its kind that added and removed nothing, and audited.
        steps += 1;
        audits += 1;
        assert_eq!(step_count(&app, &no), steps, "{action} {fields:?}");
        assert_eq!(
            app.count("SELECT count(*) FROM audit_log WHERE action = 'segment step'"),
            audits
        );
        let last = text(
            &app,
            &format!(
                "SELECT kind || ' +' || added || ' -' || removed FROM segment_steps \
                 WHERE segment_id = (SELECT id FROM segments WHERE no = '{no}') \
                 ORDER BY seq DESC LIMIT 1"
            ),
        );
        assert_eq!(last, format!("{action} +0 -0"));
    }
    let res = post(
        &mut c,
        &format!("/segments/{no}/reuse-segment"),
        &[("segment_no", &other)],
    );
    res.assert_redirect(&page);
    // Kept for Refresh, which takes that segment's contacts again (Save Criteria leaves a
    // Reuse Segment out).
    assert!(c.get(&page).contains(&format!(
        "Reuse Segment {other}: Nothing to add: every matching contact is already on the segment. \
         The step is kept, so Refresh takes that segment&#39;s contacts again."
    )));
    steps += 1;
    audits += 1;
    assert_eq!(step_count(&app, &no), steps);
    // A Refresh that changes nothing is no step.
    let res = post(&mut c, &format!("/segments/{no}/refresh"), &[]);
    res.assert_redirect(&page);
    assert!(c
        .get(&page)
        .contains("Refresh: Nothing to refresh: the segment is up to date. No step was recorded."));

    assert_eq!(step_count(&app, &no), steps);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'segment step'"),
        audits
    );
    assert_eq!(app.count("SELECT count(*) FROM segment_lines"), lines);
    // The ledger tells the kept steps as they were.
    let shown = c.get(&page);
    assert!(
        shown.contains("Added 0 contacts") && shown.contains("Removed 0 lines matching"),
        "{}",
        shown.body
    );
    // The preview says so before anyone applies.
    let res = c.get(&format!("/segments/{no}/add?contact_no=ANNA&preview=1"));
    res.assert_status(200);
    assert!(res.contains("Nothing to add: applying this step would change nothing"));
    // A Refine of a segment without lines says so (it said every line matched).
    let empty = new_segment(&mut c, "Empty");
    let page = format!("/segments/{empty}");
    post(&mut c, &format!("{page}/refine"), &[("contact_no", "ANNA")]).assert_redirect(&page);
    assert!(c.get(&page).contains(&format!(
        "Refine Contacts: nothing to remove: the segment has no lines{kept}"
    )),);
}

#[test]
fn a_refine_that_removed_nobody_still_keeps_out_who_joins_later_on_refresh_and_reuse() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    // Every XMAS contact is in DK or SE today; the Refine to DK removes DORA (SE) and the
    // second Refine, to persons, removes nobody.
    let no = new_segment(&mut c, "Danish persons at Christmas");
    step(&mut c, &no, "add", &[("mailing_group", "XMAS")]);
    step(&mut c, &no, "refine", &[("country", "DK")]);
    step(&mut c, &no, "refine", &[("type", "person")]);
    let before = crate::segments::members(&app, &no);
    assert!(!before.is_empty());
    assert_eq!(step_count(&app, &no), 3);
    post(
        &mut c,
        &format!("/segments/{no}/save-criteria"),
        &[
            ("code", "XMASDK"),
            ("description", "Danish persons at Christmas"),
        ],
    )
    .assert_redirect(&format!("/segments/{no}"));

    // A Danish company joins the mailing group.
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, country_code) VALUES ('NEWCO', 'company', 'New Co', 'DK');
         INSERT INTO contact_mailing_groups (contact_id, code)
             SELECT id, 'XMAS' FROM contacts WHERE no = 'NEWCO'",
    );
    // Refresh replays all three steps: the company stays out.
    let res = post(&mut c, &format!("/segments/{no}/refresh"), &[]);
    res.assert_redirect(&format!("/segments/{no}"));
    assert_eq!(crate::segments::members(&app, &no), before);
    // So does the saved criteria, reused on a new segment.
    let again = new_segment(&mut c, "Again");
    let res = post(
        &mut c,
        &format!("/segments/{again}/reuse-criteria"),
        &[("code", "XMASDK")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(crate::segments::members(&app, &again), before);
    assert_eq!(step_count(&app, &again), 3);
}

#[test]
fn viewers_open_previews_but_cannot_apply_them() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Look only");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    let steps = step_count(&app, &no);

    let mut viewer = app.signed_in("vera", "viewer");
    let page = viewer.get(&format!("/segments/{no}"));
    assert!(page.contains("Add Contacts (preview only)</a>"));
    for path in [
        format!("/segments/{no}/add?country=SE&preview=1"),
        format!("/segments/{no}/reduce?country=DK&preview=1"),
        format!("/segments/{no}/refine?country=DK&preview=1"),
    ] {
        let res = viewer.get(&path);
        res.assert_status(200);
        assert!(res.contains("id=\"preview-heading\""), "{path}");
        assert!(
            res.contains("Applying a step needs the staff role"),
            "{path}"
        );
        assert!(!res.contains("<button type=\"submit\" class=\"button-primary\">Apply"));
    }
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = TRUE WHERE no = 'DORA'",
    );
    let res = viewer.get(&format!("/segments/{no}/refresh"));
    res.assert_status(200);
    assert!(res.contains("Applying a refresh needs the staff role"));
    assert!(!res.contains("Apply Refresh"));
    // Applying stays refused.
    let t = token(&mut viewer);
    for action in ["add", "reduce", "refine", "refresh"] {
        let res = viewer.post_with_token(
            &format!("/segments/{no}/{action}"),
            &t,
            &[("country", "SE")],
        );
        assert_eq!(res.status, 403, "{action}");
    }
    assert_eq!(step_count(&app, &no), steps);
}

#[test]
fn a_big_segments_last_page_shows_its_lines_and_pages_with_thousands_separators() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, country_code)
         SELECT 'T' || lpad(i::text, 5, '0'), 'person', 'Tallinn ' || lpad(i::text, 5, '0'), 'EE'
         FROM generate_series(1, 1050) i",
    );
    let no = new_segment(&mut c, "Estonia");
    step(&mut c, &no, "add", &[("country", "EE")]);
    let last = c.get(&format!("/segments/{no}?page=11"));
    last.assert_status(200);
    assert!(
        last.contains("Lines 1,001–1,050 · page 11 of 11"),
        "{}",
        last.body
    );
    // The last page is read from the end: its 50 lines, the last in line order.
    let shown = shown_lines(&last);
    assert_eq!(shown.len(), 50);
    assert_eq!(shown.last().map(String::as_str), Some("T01050"));
    // Every page by number, either way round, holds the lines at its place in the order
    // (a page in the middle is read after the line just before it, found in the index).
    let order = text(
        &app,
        &format!(
            "SELECT string_agg(c.no, ',' ORDER BY l.company_name, l.company_no, l.is_person, l.contact_name, l.id)
             FROM segment_lines l JOIN contacts c ON c.id = l.contact_id
             JOIN segments s ON s.id = l.segment_id
             WHERE s.no = '{no}' AND l.removed_by_step IS NULL"
        ),
    );
    let order: Vec<String> = order.split(',').map(str::to_string).collect();
    assert_eq!(order.len(), 1050);
    let mut reversed = order.clone();
    reversed.reverse();
    for (dir, lines) in [("", &order), ("&dir=desc", &reversed)] {
        for page in 1..=11 {
            let shown = shown_lines(&c.get(&format!("/segments/{no}?page={page}{dir}")));
            let start = (page - 1) * 100;
            let end = (start + 100).min(lines.len());
            assert_eq!(shown, lines[start..end], "page {page}{dir}");
        }
    }
}

/// A contact No. with a character a URL or HTML reads (`&`, as an import may bring): the
/// line's links lead to its card and to why it is here. They used to encode the No. as
/// escaped for the page (`K%26amp%3BM01`), a 404.
#[test]
fn a_lines_links_lead_to_a_contact_whose_no_has_an_ampersand() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, country_code) VALUES ('K&M01', 'company', 'K and M', 'DK')",
    );
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "ampersand");
    step(&mut c, &no, "add", &[("contact_no", "'K&M01'")]);
    let page = c.get(&format!("/segments/{no}"));
    assert!(page.contains("href=\"/contacts/K%26M01\""), "{}", page.body);
    assert!(
        page.contains(&format!("href=\"/segments/{no}/why?contact=K%26M01\"")),
        "{}",
        page.body
    );
    c.get("/contacts/K%26M01").assert_status(200);
    c.get(&format!("/segments/{no}/why?contact=K%26M01"))
        .assert_status(200);
}

/// Lines leaving the segment before the page being read (a colleague's Reduce, another tab's
/// Remove): the page numbers links carry are then out of date, and Next went by them — it
/// stopped a page short, and the last lines were reached by no page. Next and Previous now
/// go by what is there.
#[test]
fn next_reaches_the_last_lines_after_lines_before_the_page_left() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = many_lines(&app, &mut c);
    let first = c.get(&format!("/segments/{no}"));
    let order = shown_lines(&first);
    let next = rel_link(&first, "next").unwrap();
    // 30 lines of the first page leave.
    step(
        &mut c,
        &no,
        "reduce",
        &[("contact_no", &order[..30].join("|"))],
    );
    let second = c.get(&next);
    assert_eq!(shown_lines(&second).len(), 100);
    let Some(next) = rel_link(&second, "next") else {
        panic!("no Next before the last 30 lines:\n{}", second.body);
    };
    assert!(
        second.contains(
            "100 of 200 lines (lines before these left the segment since the page before)"
        ),
        "{}",
        second.body
    );
    let third = c.get(&next);
    assert_eq!(shown_lines(&third).len(), 30);
    assert!(
        third.contains("Lines 171–200 · page 2 of 2"),
        "{}",
        third.body
    );
    assert!(rel_link(&third, "next").is_none());
    let mut seen: Vec<String> = shown_lines(&second);
    seen.extend(shown_lines(&third));
    seen.extend(order[30..].iter().cloned());
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 200, "every line left is reached");
    // And back: Previous reaches the first page, whole.
    let back = c.get(&rel_link(&second, "prev").unwrap());
    assert_eq!(shown_lines(&back)[..70], order[30..100]);
    assert_eq!(shown_lines(&back).len(), 100);
    assert!(rel_link(&back, "prev").is_none());
    assert!(back.contains("Lines 1–100 · page 1 of 2"), "{}", back.body);
}

/// A line opened from a page of lines searched, sorted and paged — its page's breadcrumb and
/// Cancel, its Save, and a Remove from that page — leads back to that page of lines; it led
/// to the first page in line order. A `back` that is not one of the segment's own pages is
/// not followed.
#[test]
fn a_line_saved_or_removed_leads_back_to_the_page_of_lines_it_came_from() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = many_lines(&app, &mut c);
    let list = format!("/segments/{no}?q=odense&sort=name&page=2#lines");
    let page = c.get(&list);
    page.assert_status(200);
    // The first Edit link of the page, whole.
    let marker = format!("href=\"/segments/{no}/lines/");
    let start = page.body.find(&marker).unwrap() + "href=\"".len();
    let edit =
        page.body[start..start + page.body[start..].find('"').unwrap()].replace("&#38;", "&");
    assert!(edit.contains("?back="), "{edit}");
    let back = format!("/segments/{no}?q=odense&sort=name&page=2#lines");
    let line = c.get(&edit);
    line.assert_status(200);
    assert!(
        line.contains(&format!("href=\"{}\"", back.replace('&', "&#38;"))),
        "{}",
        line.body
    );
    let action_start = line
        .body
        .find(&format!("action=\"/segments/{no}/lines/"))
        .unwrap()
        + 8;
    let action = line.body
        [action_start..action_start + line.body[action_start..].find('"').unwrap()]
        .replace("&#38;", "&");
    c.post_with_token(
        &action,
        &line.csrf_token().unwrap(),
        &[
            ("subject", "Kept place"),
            ("shown", &hidden_value(&line.body, "shown").unwrap()),
        ],
    )
    .assert_redirect(&back);
    // Another site, or another page of Rapport: the segment's lines.
    for elsewhere in [
        "https://example.com/",
        "/contacts",
        "//example.com/x",
        &format!("/segments/{no}x"),
    ] {
        let line = c.get(&format!(
            "{}?back={}",
            edit.split('?').next().unwrap(),
            urlencoding(elsewhere)
        ));
        assert!(
            line.contains(&format!("href=\"/segments/{no}#lines\"")),
            "{elsewhere} {}: {}",
            line.status,
            line.body
        );
    }
    // Remove, from the same page.
    let page = c.get(&list);
    let marker = format!("formaction=\"/segments/{no}/lines/");
    let start = page.body.find(&marker).unwrap() + "formaction=\"".len();
    let remove =
        page.body[start..start + page.body[start..].find('"').unwrap()].replace("&#38;", "&");
    c.post_with_token(&remove, &page.csrf_token().unwrap(), &[])
        .assert_redirect(&back);
}

fn urlencoding(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// A contact renamed while a step adding it is in progress: the rename waits for the step,
/// and the step's line takes the new name. It kept the old one for good (the database's
/// rename of the lines could not see the step's, not yet committed), and the mail merge's
/// export printed it.
#[test]
fn a_rename_during_a_step_reaches_the_steps_lines() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Denmark");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    // A step in progress, as the step writes its lines: DORA's, under the name read then.
    let mut stepping = app.conn();
    stepping
        .batch_execute(&format!(
            "BEGIN;
             INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name,
                 company_no, is_person, contact_name)
             SELECT s.id, c.id, 1, l.company_name, l.company_no, TRUE, c.name
             FROM segments s JOIN contacts c ON c.no = 'DORA'
             JOIN segment_lines l ON l.segment_id = s.id WHERE s.no = '{no}' LIMIT 1;"
        ))
        .unwrap();
    let old = text(&app, "SELECT name FROM contacts WHERE no = 'DORA'");
    let renaming = {
        let mut c = app.signed_in("rita", "staff");
        std::thread::spawn(move || {
            let edit = c.get("/contacts/DORA/edit");
            let version = hidden_value(&edit.body, "version").unwrap();
            c.post_with_token(
                "/contacts/DORA",
                &edit.csrf_token().unwrap(),
                &[
                    ("type", "person"),
                    ("name", "Dora Renamed"),
                    ("company_no", "BETA"),
                    ("version", &version),
                ],
            )
            .status
        })
    };
    assert!(one_waits_for_a_lock(&app, || renaming.is_finished()));
    stepping.batch_execute("COMMIT").unwrap();
    assert_eq!(renaming.join().unwrap(), 303);
    assert_ne!(old, "Dora Renamed");
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT l.contact_name FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
                 JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}' AND c.no = 'DORA'"
            )
        ),
        "Dora Renamed"
    );
}
