//! The contact list reaches every row: keyset pages in every sort order, and a label that is
//! counted, or an estimate marked "about".

use std::collections::HashSet;

use crate::auth::diesel_exec;
use crate::segments::text;
use crate::support::*;

/// 120 contacts: 60 companies and a person in each; cities repeat, a third have no country.
fn contacts(app: &TestApp) {
    diesel_exec(
        app,
        "INSERT INTO countries (code, description) VALUES ('DK', 'Denmark'), ('SE', 'Sweden')
           ON CONFLICT DO NOTHING;
         INSERT INTO contacts (no, type, name, city, country_code)
           SELECT 'CO' || lpad(g::text, 4, '0'), 'company', 'Firma ' || (g % 7),
                  (ARRAY['Århus', 'Odense', 'Malmö', ''])[1 + g % 4],
                  (ARRAY['DK', 'SE', NULL])[1 + g % 3]
           FROM generate_series(1, 60) g;
         INSERT INTO contacts (no, type, name, company_id, city, country_code)
           SELECT 'PE' || substr(no, 3), 'person', 'Person ' || (id % 5), id, city, country_code
           FROM contacts WHERE type = 'company';",
    );
}

/// Every count counts as slow and is kept for an hour: a list viewed again shows its kept
/// count, "about" so many.
fn keep_every_count(c: &mut rapport::config::Config) {
    c.list_count_slow = std::time::Duration::ZERO;
    c.list_count_keep = std::time::Duration::from_secs(3600);
}

/// The contact numbers a list page shows, in order.
fn shown(page: &Resp) -> Vec<String> {
    page.body
        .split("<td class=\"nowrap\"><a href=\"/contacts/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

/// The link of a pager's `rel` (next, prev), unescaped.
fn rel(page: &Resp, rel: &str) -> Option<String> {
    let at = page.body.find(&format!("rel=\"{rel}\""))?;
    let start = page.body[..at].rfind("href=\"")? + 6;
    let end = start + page.body[start..].find('"')?;
    Some(
        page.body[start..end]
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

fn label(page: &Resp) -> String {
    let start = page
        .body
        .find("class=\"list-summary\" role=\"status\">")
        .unwrap()
        + 35;
    let end = start + page.body[start..].find('<').unwrap();
    page.body[start..end].to_string()
}

/// The numbers of the contacts that pass `filter`, in `order`, as the database finds them.
fn database_order(app: &TestApp, filter: &str, order: &str) -> Vec<String> {
    let mut conn = app.conn();
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct No {
        #[diesel(sql_type = diesel::sql_types::Text)]
        no: String,
    }
    diesel::sql_query(format!(
        "SELECT no::text AS no FROM contacts WHERE {filter} ORDER BY {order}"
    ))
    .load::<No>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|r| r.no)
    .collect()
}

/// Walks Next from the first page to the last and Previous back, checking that every
/// contact is seen exactly once each way, in the database's order, with the right labels.
fn walk(c: &mut Client, app: &TestApp, query: &str, order: &str) {
    let expected = database_order(app, "TRUE", order);
    assert_eq!(expected.len(), 120);
    let mut page = c.get(&format!("/contacts?{query}&size=10"));
    let mut forward = Vec::new();
    let mut pages = 0;
    loop {
        page.assert_status(200);
        let rows = shown(&page);
        assert_eq!(rows.len(), 10, "{query}: page {pages}");
        assert_eq!(
            label(&page),
            format!(
                "{}–{} of 120 contacts",
                forward.len() + 1,
                forward.len() + 10
            ),
            "{query}"
        );
        forward.extend(rows);
        pages += 1;
        assert!(pages <= 12, "{query}: more pages than rows");
        match rel(&page, "next") {
            Some(next) => page = c.get(&next),
            None => break,
        }
    }
    assert_eq!(forward, expected, "{query}: forward");
    assert!(!page.contains(">Last<"));
    let mut backward = shown(&page);
    while let Some(prev) = rel(&page, "prev") {
        page = c.get(&prev);
        let rows = shown(&page);
        let before = 120 - backward.len() - rows.len();
        assert_eq!(
            label(&page),
            format!("{}–{} of 120 contacts", before + 1, before + rows.len()),
            "{query}"
        );
        backward.splice(0..0, rows);
    }
    assert_eq!(backward, expected, "{query}: backward");
    assert!(!page.contains(">First<"));
    let seen: HashSet<&String> = backward.iter().collect();
    assert_eq!(seen.len(), 120);
}

#[test]
fn next_reaches_the_last_page_and_previous_comes_back_in_every_order() {
    let app = TestApp::start();
    contacts(&app);
    let mut c = app.signed_in("vera", "viewer");
    walk(&mut c, &app, "sort=name", "name, id");
    walk(&mut c, &app, "sort=city", "city, id");
    walk(&mut c, &app, "sort=city&dir=desc", "city DESC, id DESC");
    // NULLs (no country) last ascending, first descending.
    walk(&mut c, &app, "sort=country", "country_code, id");
    walk(
        &mut c,
        &app,
        "sort=country&dir=desc",
        "country_code DESC, id DESC",
    );
    walk(&mut c, &app, "sort=no&dir=desc", "no DESC");
    // Filtered (by a filter every contact passes), each page is read by its ids first.
    walk(&mut c, &app, "flag=none&sort=name", "name, id");
    walk(&mut c, &app, "flag=none&sort=country", "country_code, id");
    walk(
        &mut c,
        &app,
        "flag=none&sort=country&dir=desc",
        "country_code DESC, id DESC",
    );
    walk(&mut c, &app, "flag=none&sort=no", "no");
}

#[test]
fn last_and_first_jump_to_the_ends_and_filters_keep_working() {
    let app = TestApp::start();
    contacts(&app);
    let mut c = app.signed_in("vera", "viewer");
    let last = c.get("/contacts?sort=city&size=25&last=1");
    assert_eq!(label(&last), "96–120 of 120 contacts");
    assert!(last.contains(">First<") && !last.contains(">Last<"));
    // A filtered list pages through its own rows only.
    let danes = c.get("/contacts?country=DK&type=person&size=10");
    assert_eq!(label(&danes), "1–10 of 20 contacts");
    let next = c.get(&rel(&danes, "next").unwrap());
    assert_eq!(label(&next), "11–20 of 20 contacts");
    assert!(shown(&next).iter().all(|no| no.starts_with("PE")));
    assert!(rel(&next, "next").is_none());
    // A contact that is gone, or nonsense, gives the first page.
    assert_eq!(
        label(&c.get("/contacts?after=NOSUCH&size=10")),
        "1–10 of 120 contacts"
    );
    assert_eq!(
        label(&c.get("/contacts?before=CO0001&size=10000")),
        "1–120 of 120 contacts"
    );
}

/// A filtered page after (or before) a contact that is not in the list: the contacts of the
/// list beyond it, and no link to a page of the list before (after) them when there is none.
#[test]
fn a_filtered_page_beyond_a_contact_outside_the_list_links_only_to_what_is_there() {
    let app = TestApp::start();
    contacts(&app);
    let mut c = app.signed_in("vera", "viewer");
    // Every person ("Person …") comes after the company "Firma 1" in name order.
    let persons = c.get("/contacts?type=person&size=10&after=CO0001");
    persons.assert_status(200);
    assert_eq!(
        shown(&persons),
        shown(&c.get("/contacts?type=person&size=10"))
    );
    assert!(rel(&persons, "prev").is_none(), "no person before Firma 1");
    assert!(rel(&persons, "next").is_some());
    // Every company comes before the person "Person 1".
    let companies = c.get("/contacts?type=company&size=10&before=PE0001");
    assert_eq!(
        shown(&companies),
        shown(&c.get("/contacts?type=company&size=10&last=1"))
    );
    assert!(
        rel(&companies, "next").is_none(),
        "no company after Person 1"
    );
    assert!(rel(&companies, "prev").is_some());
    // From a contact in the list, the page after it, and a link back.
    let first = c.get("/contacts?type=person&size=10");
    let second = c.get(&rel(&first, "next").unwrap());
    assert!(rel(&second, "prev").is_some());
    assert!(!shown(&second).iter().any(|no| shown(&first).contains(no)));
}

/// A list known "about" carries where its pages stand in their links; when the contact a
/// link names has left the list meanwhile, the page after it starts where it stood.
#[test]
fn a_carried_place_holds_when_the_contact_it_names_has_left_the_list() {
    let app = TestApp::start_with(keep_every_count);
    contacts(&app);
    let mut c = app.signed_in("vera", "viewer");
    let list = "/contacts?country=DK&size=10";
    assert_eq!(label(&c.get(list)), "1–10 of 40 contacts");
    let first = c.get(list);
    assert_eq!(label(&first), "1–10 of about 40 contacts");
    let next = rel(&first, "next").unwrap();
    assert!(next.ends_with("&at=9"), "{next}");
    let expected = database_order(&app, "country_code = 'DK'", "name, id");
    let tenth = &expected[9];
    assert!(next.contains(&format!("after={tenth}")), "{next}");
    diesel_exec(
        &app,
        &format!("UPDATE contacts SET country_code = 'SE' WHERE no = '{tenth}'"),
    );
    let second = c.get(&next);
    assert_eq!(shown(&second), expected[10..20]);
    assert_eq!(label(&second), "10–19 of about 40 contacts");
    // The page before a contact ends just before where the link says it stands.
    let back = c.get(&format!(
        "/contacts?country=DK&size=10&before={}&at=19",
        expected[20]
    ));
    assert_eq!(shown(&back), expected[10..20]);
    assert_eq!(label(&back), "10–19 of about 40 contacts");
}

/// The last page of a list known "about", reached by Next, says about where it ends: with
/// fewer contacts than the kept count, it said "31–35 of about 40" with no page after.
#[test]
fn the_last_page_reached_by_next_says_about_where_the_list_ends() {
    let app = TestApp::start_with(keep_every_count);
    contacts(&app);
    let mut c = app.signed_in("vera", "viewer");
    let list = "/contacts?country=DK&size=10";
    assert_eq!(label(&c.get(list)), "1–10 of 40 contacts");
    let expected = database_order(&app, "country_code = 'DK'", "name, id");
    diesel_exec(
        &app,
        &format!(
            "UPDATE contacts SET country_code = 'SE' WHERE no IN ('{}')",
            expected[35..].join("','")
        ),
    );
    let mut page = c.get(list);
    assert_eq!(label(&page), "1–10 of about 40 contacts");
    for _ in 0..3 {
        page = c.get(&rel(&page, "next").unwrap());
    }
    assert_eq!(shown(&page), expected[30..35]);
    assert!(rel(&page, "next").is_none());
    assert_eq!(label(&page), "31–35 of about 35 contacts");
}

/// Next and Previous go on from where the page the user saw left off, even when the contact
/// a link names was renamed meanwhile (by a colleague, an import): nothing skipped, nothing
/// shown twice. The link carries the name as the page showed it; looked up afresh, a page
/// after a contact renamed "Zzz" started at the end of the list.
#[test]
fn paging_goes_on_from_the_page_seen_when_its_contact_was_renamed_meanwhile() {
    let app = TestApp::start();
    contacts(&app);
    let mut c = app.signed_in("vera", "viewer");
    for (list, filter) in [
        ("/contacts?size=10", "true"),
        ("/contacts?country=DK&size=10", "country_code = 'DK'"),
        ("/contacts?sort=city&size=10", "true"),
    ] {
        let order = if list.contains("city") {
            "city, id"
        } else {
            "name, id"
        };
        let column = if list.contains("city") {
            "city"
        } else {
            "name"
        };
        let expected = database_order(&app, filter, order);
        let first = c.get(list);
        assert_eq!(shown(&first), expected[..10], "{list}");
        let next = rel(&first, "next").unwrap();
        let second = c.get(&next);
        assert_eq!(shown(&second), expected[10..20], "{list}");
        let prev = rel(&second, "prev").unwrap();
        let (tenth, eleventh) = (&expected[9], &expected[10]);
        for (no, value) in [
            (tenth, "Zzz"),
            (tenth, "Aaa"),
            (eleventh, "Aaa"),
            (eleventh, "Zzz"),
        ] {
            let was = text(
                &app,
                &format!("SELECT {column} FROM contacts WHERE no = '{no}'"),
            );
            let set = |v: &str| {
                diesel_exec(
                    &app,
                    &format!("UPDATE contacts SET {column} = '{v}' WHERE no = '{no}'"),
                )
            };
            set(value);
            let then: Vec<String> = expected.iter().filter(|n| *n != no).cloned().collect();
            if no == tenth {
                // The page after the tenth: the contacts that followed it.
                assert_eq!(shown(&c.get(&next)), then[9..19], "{list} {no} {value}");
            } else {
                // The page before the eleventh: the contacts that came before it.
                assert_eq!(shown(&c.get(&prev)), then[..10], "{list} {no} {value}");
            }
            set(&was);
        }
    }
    // A value that is not a sort value is passed over, not an error; a NUL is refused as in
    // any field, with the reason.
    for key in ["%3D", "x", "null", "%3DZzz"] {
        let page = c.get(&format!("/contacts?after=CO0001&key={key}"));
        page.assert_status(200);
    }
    let page = c.get("/contacts?after=CO0001&key=%3DA%00B");
    page.assert_status(400);
    assert!(page.contains("it contains a NUL character"));
}

/// Next and Previous go on from where the page seen left off when the contact a link names
/// was deleted meanwhile (by a colleague): the list went back to its first page.
#[test]
fn paging_goes_on_from_the_page_seen_when_its_contact_was_deleted_meanwhile() {
    let app = TestApp::start();
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, city)
           SELECT 'CO' || lpad(g::text, 4, '0'), 'company', 'Name ' || lpad((61 - g)::text, 2, '0'),
                  'City ' || lpad(((g * 7) % 60)::text, 2, '0')
           FROM generate_series(1, 60) g",
    );
    let mut c = app.signed_in("vera", "viewer");
    for (list, order) in [
        ("/contacts?size=10", "name, id"),
        ("/contacts?sort=no&size=10", "no"),
        ("/contacts?sort=city&dir=desc&size=10", "city DESC, id DESC"),
    ] {
        let expected = database_order(&app, "TRUE", order);
        let first = c.get(list);
        assert_eq!(shown(&first), expected[..10], "{list}");
        let next = rel(&first, "next").unwrap();
        let second = c.get(&next);
        let third = c.get(&rel(&second, "next").unwrap());
        assert_eq!(shown(&third), expected[20..30], "{list}");
        let prev = rel(&third, "prev").unwrap();
        let delete = |no: &str| {
            diesel_exec(&app, &format!("DELETE FROM contacts WHERE no = '{no}'"));
        };
        // The first contact of the third page gone: Previous shows the second page.
        delete(&expected[20]);
        assert_eq!(shown(&c.get(&prev)), expected[10..20], "{list} previous");
        // The last of the first page gone: Next shows the second page.
        delete(&expected[9]);
        assert_eq!(shown(&c.get(&next)), expected[10..20], "{list} next");
    }
}

#[test]
fn a_list_too_long_to_count_in_time_says_about() {
    // A budget of zero never counts: the total is the planner's estimate.
    let app = TestApp::start_with(|c| c.list_count_budget = std::time::Duration::ZERO);
    contacts(&app);
    diesel_exec(&app, "ANALYZE contacts");
    let mut c = app.signed_in("vera", "viewer");
    let first = c.get("/contacts?size=10");
    assert_eq!(label(&first), "1–10 of about 120 contacts");
    // Past the first page, where it stands is not counted either: the link carries it, and
    // a link without it (a bookmark) does not say it.
    let next = rel(&first, "next").unwrap();
    assert!(next.ends_with("&at=9"), "{next}");
    assert_eq!(label(&c.get(&next)), "11–20 of about 120 contacts");
    let bookmark = next.replace("&at=9", "");
    assert_eq!(label(&c.get(&bookmark)), "10 of about 120 contacts");
    // The last page proves the total.
    let last = c.get("/contacts?size=10&last=1");
    assert!(label(&last).starts_with("10 of"), "{}", label(&last));

    // Kept, the estimate stands in for the count meanwhile: the statistics move, the list
    // says what it said (and another list is estimated afresh).
    let kept = TestApp::start_with(|c| {
        c.list_count_budget = std::time::Duration::ZERO;
        keep_every_count(c);
    });
    contacts(&kept);
    diesel_exec(&kept, "ANALYZE contacts");
    let mut k = kept.signed_in("vera", "viewer");
    assert_eq!(
        label(&k.get("/contacts?size=10")),
        "1–10 of about 120 contacts"
    );
    diesel_exec(
        &kept,
        "INSERT INTO contacts (no, type, name) \
         SELECT 'ZZ' || lpad(i::text, 4, '0'), 'company', 'Zed ' || i FROM generate_series(1, 80) i",
    );
    diesel_exec(&kept, "ANALYZE contacts");
    assert_eq!(
        label(&k.get("/contacts?size=10")),
        "1–10 of about 120 contacts",
        "the kept estimate"
    );
    assert_eq!(
        label(&k.get("/contacts?size=10&type=company")),
        "1–10 of about 140 contacts",
        "another list, estimated afresh"
    );
}

#[test]
fn a_count_that_took_a_while_is_kept_a_little_while_and_said_to_be_about() {
    // Every count counts as slow here: the office's second look at a list within the keeping
    // time shows the kept count, marked "about", and does not count again.
    let app = TestApp::start_with(keep_every_count);
    contacts(&app);
    let mut c = app.signed_in("vera", "viewer");
    let first = c.get("/contacts?size=10");
    assert_eq!(label(&first), "1–10 of 120 contacts");
    // Counted with the list, the first page's links carry nothing; the next page, its
    // count kept, says "about" and counts where it stands; a count of that which took a
    // while is kept too: viewed again, the page does not say where it stands.
    let next = rel(&first, "next").unwrap();
    assert!(!next.contains("at="), "{next}");
    let second = c.get(&next);
    assert_eq!(label(&second), "11–20 of about 120 contacts");
    assert_eq!(label(&c.get(&next)), "10 of about 120 contacts");
    // Its own links carry where they lead: the third page and back to the second.
    let third = c.get(&rel(&second, "next").unwrap());
    assert_eq!(label(&third), "21–30 of about 120 contacts");
    let back = rel(&third, "prev").unwrap();
    assert!(back.ends_with("&at=20"), "{back}");
    assert_eq!(label(&c.get(&back)), "11–20 of about 120 contacts");
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name) VALUES ('ZZ0001', 'company', 'Zed Late')",
    );
    assert_eq!(
        label(&c.get("/contacts?size=10")),
        "1–10 of about 120 contacts",
        "the kept count, said to be about"
    );
    // Another list is counted afresh, and the last page proves its total all the same.
    assert_eq!(
        label(&c.get("/contacts?size=10&type=company")),
        "1–10 of 61 contacts"
    );
    let last = c.get("/contacts?size=10&last=1");
    assert_eq!(label(&last), "112–121 of 121 contacts");
    // The last page counted where it stands, and proves the total; the list is still kept
    // "about", so its Previous carries the place instead of counting it again.
    let back = rel(&last, "prev").unwrap();
    assert!(back.ends_with("&at=111"), "{back}");
    assert_eq!(label(&c.get(&back)), "102–111 of about 120 contacts");

    // Keeping nothing counts every view.
    let fresh = TestApp::start_with(|c| {
        c.list_count_slow = std::time::Duration::ZERO;
        c.list_count_keep = std::time::Duration::ZERO;
    });
    contacts(&fresh);
    let mut v = fresh.signed_in("vera", "viewer");
    assert_eq!(label(&v.get("/contacts?size=10")), "1–10 of 120 contacts");
    diesel_exec(
        &fresh,
        "INSERT INTO contacts (no, type, name) VALUES ('ZZ0001', 'company', 'Zed Late')",
    );
    assert_eq!(label(&v.get("/contacts?size=10")), "1–10 of 121 contacts");
}

#[test]
fn a_kept_count_that_ran_out_is_counted_again_at_the_next_view() {
    let keep = std::time::Duration::from_secs(2);
    let app = TestApp::start_with(|c| {
        c.list_count_slow = std::time::Duration::ZERO;
        c.list_count_keep = keep;
    });
    contacts(&app);
    let mut c = app.signed_in("vera", "viewer");
    assert_eq!(label(&c.get("/contacts?size=10")), "1–10 of 120 contacts");
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name) VALUES ('ZZ0001', 'company', 'Zed Late')",
    );
    // Past the keeping time (a pause, nothing timed): the view that finds the count run out
    // counts again, and keeps the new count for the views after it.
    std::thread::sleep(keep + std::time::Duration::from_millis(300));
    assert_eq!(label(&c.get("/contacts?size=10")), "1–10 of 121 contacts");
    let again = label(&c.get("/contacts?size=10"));
    assert!(
        again == "1–10 of about 121 contacts" || again == "1–10 of 121 contacts",
        "{again}"
    );
}

/// A filtered list in name order (its default) reads the name index alone: the search text and
/// every column a filter tests are in it.
#[test]
fn the_name_index_carries_what_the_filters_test() {
    let app = TestApp::start();
    let mut conn = app.conn();
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let index: Vec<String> = diesel::sql_query(
        "SELECT a.attname::text AS name FROM pg_index i \
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) \
         WHERE i.indexrelid = 'contacts_name'::regclass ORDER BY a.attnum",
    )
    .load::<Column>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|c| c.name)
    .collect();
    let every_filter = rapport::contacts::domain::list::ListQuery {
        q: "hansen".into(),
        kind: "person".into(),
        salesperson: "JO".into(),
        territory: "NORTH".into(),
        country: "DK".into(),
        industry_group: "RETAIL".into(),
        mailing_group: "XMAS".into(),
        flag: "none".into(),
        ..Default::default()
    };
    let (clause, _) = every_filter.conditions();
    // The list's own columns the conditions name (`c.…`), the others' (`g.`, `m.`) aside.
    let tested: std::collections::BTreeSet<String> = clause
        .split("c.")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
                .collect()
        })
        .collect();
    assert!(tested.len() >= 8, "{tested:?} from {clause}");
    for column in &tested {
        assert!(index.contains(column), "{column} is not in {index:?}");
    }
    let flags = rapport::contacts::domain::list::ListQuery {
        flag: "excluded".into(),
        ..Default::default()
    };
    assert!(flags.conditions().0.contains("c.exclude_from_segment"));
}

/// A filtered list known to hold many contacts (its count kept, and at least the dense mark:
/// lowered here to one) is read in its order with its filters as plain tests.
#[test]
fn a_list_known_to_be_long_shows_the_same_contacts_in_every_order() {
    walk_filtered(|c| {
        c.list_dense_rows = 1;
        c.list_few_rows = 0;
    });
}

/// A filtered list counted at no more than the few mark (raised here past every list) is
/// gathered by its filters first, then put in order.
#[test]
fn a_list_known_to_be_short_shows_the_same_contacts_in_every_order() {
    walk_filtered(|c| {
        c.list_dense_rows = i64::MAX;
        c.list_few_rows = i64::MAX;
    });
}

/// Neither (the few mark lowered to none): the planner weighs the filters' values.
#[test]
fn a_list_neither_long_nor_short_shows_the_same_contacts_in_every_order() {
    walk_filtered(|c| {
        c.list_dense_rows = i64::MAX;
        c.list_few_rows = 0;
    });
}

/// Filtered lists, their counts kept, read as `marks` make them: paged through both ways,
/// each shows the same contacts in the same order as the database finds with the filters
/// written out: a search with a LIKE wildcard in it, industry and mailing groups, the type
/// and a country, in several orders.
fn walk_filtered(marks: impl FnOnce(&mut rapport::config::Config)) {
    let app = TestApp::start_with(|c| {
        keep_every_count(c);
        marks(c);
    });
    contacts(&app);
    diesel_exec(
        &app,
        "INSERT INTO industry_groups (code, description) VALUES ('RETAIL', 'Retail');
         INSERT INTO mailing_groups (code, description) VALUES ('XMAS', 'Christmas card');
         INSERT INTO contact_industry_groups (contact_id, code)
           SELECT id, 'RETAIL' FROM contacts WHERE type = 'company' AND id % 2 = 0;
         INSERT INTO contact_mailing_groups (contact_id, code)
           SELECT id, 'XMAS' FROM contacts WHERE id % 3 = 0;
         UPDATE contacts SET name = name || ' 50% Øff' WHERE id % 4 = 0;
         UPDATE contacts SET name = name || ' 50 off' WHERE id % 4 = 1;
         INSERT INTO business_relations (code, description) VALUES ('PARTNER', 'Partner');
         INSERT INTO contact_business_relations (contact_id, code)
           SELECT id, 'PARTNER' FROM contacts WHERE type = 'company' AND id % 3 = 1;",
    );
    let mut c = app.signed_in("vera", "viewer");
    let partner = "EXISTS (SELECT 1 FROM contact_business_relations g \
                   WHERE g.contact_id = contacts.company_key AND g.code = 'PARTNER')";
    let no_industry = "NOT EXISTS (SELECT 1 FROM contact_industry_groups g \
                       WHERE g.contact_id = contacts.company_key)";
    let no_relation = "NOT EXISTS (SELECT 1 FROM contact_business_relations g \
                       WHERE g.contact_id = contacts.company_key)";
    let no_mailing = "NOT EXISTS (SELECT 1 FROM contact_mailing_groups m \
                      WHERE m.contact_id = contacts.id)";
    let retail = "EXISTS (SELECT 1 FROM contact_industry_groups g \
                  WHERE g.contact_id = contacts.company_key AND g.code = 'RETAIL')";
    let xmas = "EXISTS (SELECT 1 FROM contact_mailing_groups m \
                WHERE m.contact_id = contacts.id AND m.code = 'XMAS')";
    let lists = [
        (
            "q=FIRMA",
            "search_text LIKE '%firma%'".to_string(),
            "name, id",
        ),
        (
            "q=50%25+%C3%98",
            r"search_text LIKE '%50\% ø%'".to_string(),
            "name, id",
        ),
        (
            "country=DK&industry_group=RETAIL",
            format!("country_code = 'DK' AND {retail}"),
            "name, id",
        ),
        (
            "mailing_group=XMAS&sort=city&dir=desc",
            xmas.to_string(),
            "city DESC, id DESC",
        ),
        (
            "type=person&industry_group=RETAIL&sort=country",
            format!("type = 'person' AND {retail}"),
            "country_code, id",
        ),
        // "(none)": the contacts without a country, an industry group, a business relation
        // or a mailing group; and a business relation, a person's its company's.
        (
            "country=%28no+code%29&industry_group=%28no+code%29&sort=city",
            format!("country_code IS NULL AND {no_industry}"),
            "city, id",
        ),
        (
            "business_relation=PARTNER&sort=country&dir=desc",
            partner.to_string(),
            "country_code DESC NULLS FIRST, id DESC",
        ),
        (
            "business_relation=(no+code)&mailing_group=(no+code)&salesperson=(no+code)&sort=no",
            format!("{no_relation} AND {no_mailing} AND salesperson_code IS NULL"),
            "no",
        ),
        (
            "q=50&flag=none&sort=no&dir=desc",
            "search_text LIKE '%50%' AND NOT exclude_from_segment AND NOT privacy_blocked"
                .to_string(),
            "no DESC",
        ),
    ];
    // "(none)" is a choice of its own, kept chosen, not a code the list does not know.
    let page = c.get("/contacts?salesperson=(no+code)&business_relation=PARTNER");
    let select = |name: &str| {
        let at = page.body.find(&format!("name=\"{name}\"")).unwrap();
        page.body[at..at + page.body[at..].find("</select>").unwrap()].to_string()
    };
    assert!(
        select("salesperson").contains("<option value=\"(no code)\" selected>(none)</option>"),
        "{}",
        page.body
    );
    assert!(
        select("business_relation")
            .contains("<option value=\"PARTNER\" selected>PARTNER – Partner</option>"),
        "{}",
        select("business_relation")
    );
    assert!(!page.contains("There is no"), "{}", page.body);
    for (query, filter, order) in lists {
        let expected = database_order(&app, &filter, order);
        assert!(expected.len() > 10, "{query}: {}", expected.len());
        // The first view counts the list and keeps its count; the pages after it read it as
        // that count makes them.
        let first = c.get(&format!("/contacts?{query}&size=10"));
        first.assert_status(200);
        // Its count kept, the list is "about" so many, and each page's link carries where
        // the page it leads to stands: every label is right without counting it.
        let of = |before: usize, page: &Resp| {
            let rows = shown(page).len();
            format!(
                "{}–{} of about {} contacts",
                before + 1,
                before + rows,
                expected.len()
            )
        };
        let mut page = c.get(&format!("/contacts?{query}&size=10"));
        let mut forward = Vec::new();
        loop {
            page.assert_status(200);
            assert_eq!(label(&page), of(forward.len(), &page), "{query}");
            forward.extend(shown(&page));
            assert!(forward.len() <= expected.len(), "{query}: too many rows");
            match rel(&page, "next") {
                Some(next) => page = c.get(&next),
                None => break,
            }
        }
        assert_eq!(forward, expected, "{query}: forward");
        let mut backward = shown(&page);
        while let Some(prev) = rel(&page, "prev") {
            page = c.get(&prev);
            let rows = shown(&page);
            let before = expected.len() - backward.len() - rows.len();
            assert_eq!(label(&page), of(before, &page), "{query}: backward");
            backward.splice(0..0, rows);
        }
        assert_eq!(backward, expected, "{query}: backward");
        let last = c.get(&format!("/contacts?{query}&size=10&last=1"));
        assert_eq!(
            shown(&last),
            expected[expected.len() - expected.len().min(10)..],
            "{query}: the last page"
        );
    }
}

/// Names are listed in the office's alphabet (`RAPPORT_LOCALE`, set when Rapport starts), not
/// in the order of their bytes, which put every name written in lower case after Z and read
/// Danish letters as Å, Æ, Ø; and a segment's lines follow the same order.
#[test]
fn names_are_listed_in_the_offices_alphabet() {
    let app = TestApp::start();
    app.user("stan", "staff");
    diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo Sales');
         INSERT INTO contacts (no, type, name, city) VALUES
           ('N01', 'company', 'Zeta', 'Zürich'), ('N02', 'company', 'de Vries', 'Aarhus'),
           ('N03', 'company', 'Ærø Færger', 'Ærøskøbing'), ('N04', 'company', 'Østergaard', 'Odense'),
           ('N05', 'company', 'Åbenrå Bolig', 'Åbenrå'), ('N06', 'company', 'Aalborg Fisk', 'Aalborg'),
           ('N07', 'company', 'Andersen', 'Ribe'), ('N08', 'company', 'Oz', 'Vejle');",
    );
    // Aalborg Fisk, Åbenrå Bolig, Ærø Færger, Andersen, de Vries, Østergaard, Oz, Zeta.
    let common = ["N06", "N05", "N03", "N07", "N02", "N04", "N08", "N01"];
    // Andersen, de Vries, Oz, Zeta, Ærø Færger, Østergaard, Åbenrå Bolig, Aalborg Fisk.
    let danish = ["N07", "N02", "N08", "N01", "N03", "N04", "N05", "N06"];
    // The tests' databases are made under `iso`: the common order of Unicode.
    let mut c = app.client();
    c.sign_in("stan", PASSWORD);
    assert_eq!(shown(&c.get("/contacts?sort=name")), common);

    // Started under da-DK, Rapport sorts names as Danish, the search text made again with them.
    let mut server = Served::start(&app.db.url, &[("RAPPORT_LOCALE", "da-DK")]);
    let mut c = server.client();
    c.sign_in("stan", PASSWORD);
    assert_eq!(shown(&c.get("/contacts?sort=name")), danish);
    let mut reversed = danish;
    reversed.reverse();
    assert_eq!(shown(&c.get("/contacts?sort=name&dir=desc")), reversed);
    // Odense, Ribe, Vejle, Zürich, Ærøskøbing, Åbenrå, Aalborg, Aarhus.
    assert_eq!(
        shown(&c.get("/contacts?sort=city")),
        ["N04", "N07", "N08", "N01", "N03", "N05", "N06", "N02"]
    );
    assert_eq!(
        shown(&c.get("/contacts?q=%C3%B8sterg")),
        ["N04"],
        "the search text is made again"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM pg_indexes WHERE indexname IN \
             ('contacts_name', 'contacts_search_text', 'contacts_city')"
        ),
        3
    );
    // A segment's lines follow the contacts' order.
    let made = c.submit(
        "/segments/new",
        "/segments",
        &crate::segments::header_fields(&[("description", "Alphabet"), ("unit_cost", "0")]),
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let no = made
        .location()
        .unwrap()
        .trim_start_matches("/segments/")
        .to_string();
    crate::segments::step(&mut c, &no, "add", &[("contact_no", "N*")]);
    let lines = text(
        &app,
        &format!(
            "SELECT string_agg(c.no, ' ' ORDER BY l.company_name, l.company_no, l.is_person, l.contact_name, l.id) \
             FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
             JOIN contacts c ON c.id = l.contact_id WHERE s.no = '{no}'"
        ),
    );
    assert_eq!(lines, danish.join(" "));
    let page = c.get(&format!("/segments/{no}"));
    let at: Vec<usize> = danish
        .iter()
        .map(|n| page.body.find(&format!("/contacts/{n}\"")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    // Under iso again, the common order comes back.
    let server = Served::start(&app.db.url, &[]);
    let mut c = server.client();
    c.sign_in("stan", PASSWORD);
    assert_eq!(shown(&c.get("/contacts?sort=name")), common);
}

/// A filter naming a code the list does not have (a typo in a kept link, a code renamed since)
/// is said next to it and stays chosen, as the list applies it; before, the select showed
/// "All" above an empty list and Show dropped the filter unsaid. A Company No. that is no
/// company says so too.
#[test]
fn a_filter_naming_nothing_is_said_next_to_it() {
    let app = TestApp::start();
    contacts(&app);
    let mut c = app.signed_in("stan", "staff");
    let page = c.get("/contacts?salesperson=nosuch&country=DK");
    page.assert_status(200);
    assert!(
        page.contains("There is no salesperson NOSUCH: choose one, or All."),
        "{}",
        page.body
    );
    assert!(page.contains("<option value=\"NOSUCH\" selected>NOSUCH (not found)</option>"));
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(!page.contains("There is no country/region DK"));
    let page = c.get("/contacts?country=DK");
    assert!(!page.contains("(not found)") && !page.contains("aria-invalid"));
    let page = c.get("/contacts?company=PE0001");
    assert!(
        page.contains("PE0001 is a person: its company is CO0001."),
        "{}",
        page.body
    );
    let page = c.get("/contacts?company=XX9");
    page.assert_status(422);
    assert!(page.contains("<li><a href=\"#f-company\">There is no contact XX9.</a></li>"));
    summary_links_resolve(&page.body);
    let page = c.get("/contacts?company=CO0001");
    assert_eq!(shown(&page), ["CO0001", "PE0001"]);
    assert!(!page.contains("field-error"));
    // The campaigns' and opportunities' lists share the filter.
    let page = c.get("/campaigns?status=GONE");
    assert!(
        page.contains("There is no status GONE: choose one, or All."),
        "{}",
        page.body
    );
    // A list whose filters cannot be read says so, not that nothing matches (or that there
    // is nothing yet); the interactions' said nothing at all.
    let page = c.get("/opportunities?status=GONE");
    page.assert_status(422);
    assert!(page.contains("No opportunities are shown until the filters can be read"));
    assert!(!page.contains("No opportunity matches these filters"));
    let page = c.get("/interactions?contact=XX9");
    page.assert_status(422);
    assert!(
        page.contains("No interactions are shown until the filters can be read"),
        "{}",
        page.body
    );
}

#[test]
fn a_code_written_none_is_a_code_and_none_is_the_contacts_without_one() {
    let app = TestApp::start();
    contacts(&app);
    // Codes may hold parentheses: a salesperson coded "(NONE)" is one like any other.
    diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('(NONE)', 'Nora One');
         UPDATE contacts SET salesperson_code = '(NONE)' WHERE no IN ('CO0001', 'PE0001');",
    );
    let mut c = app.signed_in("stan", "staff");
    let page = c.get("/contacts?salesperson=%28NONE%29&sort=no");
    page.assert_status(200);
    assert_eq!(shown(&page), ["CO0001", "PE0001"], "{}", page.body);
    assert!(
        page.contains("<option value=\"(NONE)\" selected>(NONE) – Nora One</option>"),
        "{}",
        page.body
    );
    assert!(!page.contains("<option value=\"(no code)\" selected>"));
    // "(none)" is every contact without a salesperson: the other 118.
    let page = c.get("/contacts?salesperson=%28no+code%29&sort=no&size=500");
    let rows = shown(&page);
    assert_eq!(rows.len(), 118, "{}", page.body);
    assert!(!rows.contains(&"CO0001".to_string()));
    assert!(page.contains("<option value=\"(no code)\" selected>(none)</option>"));
}
