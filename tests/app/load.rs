//! Many users at once: what a request costs besides its page. Reading pages writes no session
//! row; static assets need neither the session nor the database and may be kept by browsers.

use crate::support::*;
use diesel::RunQueryDsl;

/// The address of the stylesheet a page links.
fn stylesheet(page: &Resp) -> String {
    let start = page
        .body
        .find("<link rel=\"stylesheet\" href=\"")
        .expect("a stylesheet")
        + 29;
    let end = start + page.body[start..].find('"').expect("the link's end");
    page.body[start..end]
        .replace("&#x3d;", "=")
        .replace("&#61;", "=")
}

#[test]
fn pages_read_within_a_minute_leave_the_session_row_untouched() {
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    c.get("/").assert_status(200);
    // xmin changes with any write of the row, even one that stores the same values.
    let version = "SELECT xmin::text::bigint FROM sessions WHERE user_id IS NOT NULL";
    let before = app.count(version);
    for page in [
        "/",
        "/contacts",
        "/segments",
        "/interactions",
        "/campaigns",
        "/",
    ] {
        c.get(page).assert_status(200);
    }
    assert_eq!(app.count(version), before);
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1);
}

#[test]
fn pages_link_the_stylesheet_by_its_version_which_browsers_keep_for_a_year() {
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    let page = c.get("/");
    let css = stylesheet(&page);
    assert!(css.starts_with("/static/rapport.css?v="), "{css}");
    let res = c.get(&css);
    res.assert_status(200);
    assert_eq!(
        res.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert!(res.contains("body"));
    assert!(res.set_cookies().is_empty());
    // Another version (a page of an older release) is only revalidated.
    let old = c.get("/static/rapport.css?v=0123456789abcdef");
    old.assert_status(200);
    assert_eq!(
        old.header("cache-control").as_deref(),
        Some("public, no-cache")
    );
    // The login page links the same version.
    assert_eq!(stylesheet(&app.client().get("/login")), css);
}

#[test]
fn static_assets_are_served_while_the_database_is_busy() {
    let db = TestDb::new();
    let config = test_config(&db.url);
    let manager = diesel::r2d2::ConnectionManager::<diesel::PgConnection>::new(db.url.as_str());
    let pool = diesel::r2d2::Pool::builder()
        .max_size(1)
        .connection_timeout(std::time::Duration::from_millis(300))
        .build(manager)
        .unwrap();
    let app = TestApp {
        instance: Instance::start_with_pool(config, pool.clone()),
        db,
    };
    let mut c = app.signed_in("maria", "staff");
    let css = stylesheet(&c.get("/"));
    let held = pool.get().unwrap();
    // The session cannot be read: a page waits for a connection and gives up...
    c.get("/").assert_status(503);
    // ...while the signed-in browser's assets come without one.
    c.get(&css).assert_status(200);
    c.get("/static/favicon.svg").assert_status(200);
    drop(held);
    c.get("/").assert_status(200);
}

#[test]
fn a_pages_statements_stay_prepared_with_one_plan_for_all_values_and_memoize_is_off() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Kept {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        generic_plans: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        custom_plans: i64,
    }
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        enable_memoize: String,
    }
    let app = TestApp::start();
    let out = crate::demo::demo_data(&app.db.url, 1000, 1);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pool = rapport::db::pool(&app.db.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    let kept = |conn: &mut diesel::PgConnection, like: &str| -> Vec<Kept> {
        diesel::sql_query(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements \
             WHERE statement LIKE $1",
        )
        .bind::<diesel::sql_types::Text, _>(like)
        .load(conn)
        .unwrap()
    };
    // One statement like `like` kept on the connection, planned once for all values after
    // PostgreSQL's five trial plans.
    let planned_once = |conn: &mut diesel::PgConnection, like: &str| {
        let found = kept(conn, like);
        assert_eq!(found.len(), 1, "one statement kept prepared: {like}");
        assert!(
            found[0].generic_plans >= 3 && found[0].custom_plans <= 5,
            "planned for each view: {} custom plans, {} for all ({like})",
            found[0].custom_plans,
            found[0].generic_plans
        );
    };
    // The interactions list, unfiltered, viewed again and again: one statement, planned once
    // for all views after PostgreSQL's five trial plans. (With its limit bound, the plan for
    // all values would reckon with a tenth of the entries, and every view was planned anew.)
    let unfiltered = rapport::interactions::domain::Filters::default();
    for _ in 0..8 {
        let page = rapport::interactions::domain::page(&mut conn, &unfiltered, &Default::default())
            .unwrap()
            .unwrap();
        assert_eq!(page.rows.len(), 50);
        assert!(page.total > 1000);
    }
    planned_once(
        &mut conn,
        "%FROM interaction_log_entries e JOIN contacts c%ORDER BY e.date DESC, e.id DESC LIMIT %",
    );
    // Its next pages, each after another entry: planned once for all of them too.
    let entries: Vec<String> = (0..8)
        .map(|i| {
            crate::segments::text(
                &app,
                &format!(
                    "SELECT date::text || ':' || id FROM interaction_log_entries \
                     ORDER BY date DESC, id DESC OFFSET {} LIMIT 1",
                    50 * i + 49
                ),
            )
        })
        .collect();
    for after in entries {
        let next = rapport::interactions::domain::Filters {
            after,
            ..Default::default()
        };
        let page = rapport::interactions::domain::page(&mut conn, &next, &Default::default())
            .unwrap()
            .unwrap();
        assert_eq!(page.rows.len(), 50);
    }
    planned_once(
        &mut conn,
        "%FROM interaction_log_entries e JOIN contacts c%WHERE (e.date, e.id) < (%LIMIT %",
    );
    // A segment's page of lines in the line order, viewed again and again: planned once for
    // all views too. (With the segment bound as a plain value, the plan for its size was
    // reckoned cheaper than the plan for any segment, and each view was planned anew.)
    let mut c = app.signed_in("maria", "staff");
    let made = c.submit(
        "/segments/new",
        "/segments",
        &crate::segments::header_fields(&[("description", "Kept plan"), ("salesperson_code", "")]),
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let no = made
        .location()
        .unwrap()
        .trim_start_matches("/segments/")
        .to_string();
    crate::segments::step(&mut c, &no, "add", &[("country", "DK|DE|GB")]);
    let segment_id = app.count(&format!("SELECT id FROM segments WHERE no = '{no}'"));
    let members = app.count(&format!(
        "SELECT count(*) FROM segment_lines WHERE segment_id = {segment_id}"
    ));
    assert!(members > 100, "a segment of more than a page: {members}");
    use rapport::segments::domain::line_page::{lines, LinesFrom, LinesQuery};
    for _ in 0..8 {
        let pager = rapport::web::pagination::Pager::new(None, 100, members);
        let (rows, _) = lines(
            &mut conn,
            segment_id,
            &pager,
            LinesFrom::Page,
            &LinesQuery::new(None, None, None),
        )
        .unwrap();
        assert_eq!(rows.len(), 100);
    }
    planned_once(
        &mut conn,
        "%FROM segment_lines l JOIN segments s%ORDER BY k1 ASC, k2 ASC, k3 ASC, k4 ASC, id ASC LIMIT 100",
    );
    // A campaign's newest entries, likewise.
    let no = crate::segments::text(
        &app,
        "SELECT campaign_no FROM interaction_log_entries WHERE campaign_no IS NOT NULL \
         GROUP BY campaign_no ORDER BY count(*) DESC LIMIT 1",
    );
    assert!(!no.is_empty(), "the demo history has campaigns");
    for _ in 0..8 {
        let rows = rapport::campaigns::domain::newest_entries(&mut conn, &no).unwrap();
        assert_eq!(rows.len(), 20);
    }
    planned_once(&mut conn, "%WHERE e.campaign_no = %");
    // The contact list's pages after a contact, in the city order: each page starts after
    // another contact, and the statement is planned once for all of them.
    let nos: Vec<String> = (0..8)
        .map(|i| {
            crate::segments::text(
                &app,
                &format!(
                    "SELECT no FROM contacts ORDER BY city, id OFFSET {} LIMIT 1",
                    60 * i + 7
                ),
            )
        })
        .collect();
    let counts = rapport::contacts::domain::list::KeptCounts::new(
        std::time::Duration::ZERO,
        std::time::Duration::ZERO,
        10_000,
        300,
    );
    for no in &nos {
        let query = rapport::contacts::domain::list::ListQuery {
            sort: "city".into(),
            after: no.clone(),
            ..Default::default()
        }
        .normalised();
        let page = rapport::contacts::domain::list::page(
            &mut conn,
            &query,
            std::time::Duration::from_secs(60),
            &counts,
            None,
        )
        .unwrap();
        assert_eq!(page.rows.len(), 50);
        assert!(page.has_prev && page.has_next);
    }
    planned_once(
        &mut conn,
        "%WHERE (c.city, c.id) > (%ORDER BY c.city ASC, c.id ASC LIMIT 51",
    );
    // A filtered list known to hold many contacts (its count kept, at least the dense mark):
    // its pages are one statement, planned once, whatever the search and the country. Not
    // known to, it is planned for its values on every view and not kept.
    let counts = rapport::contacts::domain::list::KeptCounts::new(
        std::time::Duration::from_secs(3600),
        std::time::Duration::ZERO,
        10,
        0,
    );
    for (i, (q, country)) in [("a", "DK"), ("e", "DE"), ("n", "DK"), ("r", "FR")]
        .iter()
        .cycle()
        .take(8)
        .enumerate()
    {
        let query = rapport::contacts::domain::list::ListQuery {
            q: q.to_string(),
            country: country.to_string(),
            ..Default::default()
        }
        .normalised();
        let budget = std::time::Duration::from_secs(60);
        let total = rapport::contacts::domain::list::total(&mut conn, &query, budget, &counts)
            .unwrap()
            .n();
        assert!(total >= 10, "{q} in {country}: {total}");
        let page = rapport::contacts::domain::list::page(&mut conn, &query, budget, &counts, None)
            .unwrap();
        assert!(!page.rows.is_empty(), "{q} in {country}, view {i}");
    }
    planned_once(
        &mut conn,
        "%strpos(c.search_text, $1) > 0 AND COALESCE(c.country_code = $2, false)%",
    );
    assert!(kept(&mut conn, "%c.search_text LIKE%").is_empty());
    // A form's code lists: one statement, kept.
    for _ in 0..2 {
        let lists = rapport::setup::options_of(&mut conn, &["countries", "languages"]).unwrap();
        assert_eq!(lists.len(), 2);
    }
    assert_eq!(kept(&mut conn, "%FROM countries WHERE%UNION ALL%").len(), 1);
    // A signed-in request's session, with the code lists' version: one statement, planned once.
    let config = rapport::config::Config::defaults();
    for _ in 0..8 {
        let session = rapport::auth::session::load(&mut conn, b"no such session", &config).unwrap();
        assert!(session.is_none());
    }
    planned_once(
        &mut conn,
        "%code_list_version%FROM (\"sessions\" LEFT OUTER JOIN \"users\"%",
    );
    // The sales cycles the opportunities list filters by, with their figures.
    for _ in 0..8 {
        assert!(!rapport::setup::sales_cycles::list(&mut conn)
            .unwrap()
            .is_empty());
    }
    planned_once(&mut conn, "%FROM sales_cycles c ORDER BY c.code");
    // A statement planned for its values is not kept.
    rapport::setup::code_exists(&mut conn, "countries", "DK").unwrap();
    assert!(kept(&mut conn, "%EXISTS (SELECT 1 FROM countries%").is_empty());
    let memoize: Setting = diesel::sql_query("SHOW enable_memoize")
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(memoize.enable_memoize, "off");
}

#[test]
fn the_unfiltered_interaction_list_stops_counting_once_the_log_is_past_its_cap() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    let mut db = app.conn();
    db.batch_execute(
        "INSERT INTO contacts (no, type, name, country_code) VALUES ('CT-LOG', 'company', 'Logged Ltd', 'DK');
         INSERT INTO interaction_log_entries (contact_id, description)
         SELECT id, 'Call ' || n FROM contacts, generate_series(1, 10000) n WHERE no = 'CT-LOG'",
    )
    .unwrap();
    // The list's summary, as a client sees it at `path`, ends with `expected`.
    let shows = |c: &mut Client, path: &str, expected: &str| {
        let page = c.get(path);
        page.assert_status(200);
        let start = page.body.find("class=\"list-summary\"").expect("a summary");
        let end = start + page.body[start..].find("</p>").expect("its end");
        let summary = &page.body[start..end];
        assert!(summary.ends_with(expected), "{path}: {summary}");
    };
    // 10,000 entries: counted on every view.
    shows(&mut c, "/interactions", ">10,000 interactions");
    db.batch_execute(
        "INSERT INTO interaction_log_entries (contact_id, description)
         SELECT id, 'One more' FROM contacts WHERE no = 'CT-LOG'",
    )
    .unwrap();
    shows(&mut c, "/interactions", ">more than 10,000 interactions");
    // The database refuses to delete an entry. Deleted behind its back all the same, the
    // instance that has seen the log past its cap does not count the unfiltered list again.
    let delete = "DELETE FROM interaction_log_entries WHERE description = 'One more'";
    assert!(db.batch_execute(delete).is_err(), "an entry is a record");
    db.batch_execute(&format!(
        "ALTER TABLE interaction_log_entries DISABLE TRIGGER interaction_log_entries_are_not_deleted;
         {delete};
         ALTER TABLE interaction_log_entries ENABLE TRIGGER interaction_log_entries_are_not_deleted"
    ))
    .unwrap();
    shows(&mut c, "/interactions", ">more than 10,000 interactions");
    // A filtered list is still counted.
    shows(&mut c, "/interactions?canceled=no", ">10,000 interactions");
    // Another instance on the same database counts for itself.
    let second = Instance::start(test_config(&app.db.url));
    let mut two = second.client();
    two.cookies = c.cookies.clone();
    shows(&mut two, "/interactions", ">10,000 interactions");
}

#[test]
fn a_forms_code_lists_are_kept_until_a_code_table_changes_and_a_rolled_back_change_is_not_kept() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    let pool = rapport::db::pool(&app.db.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    let mut other = app.conn();
    other
        .batch_execute(
            "INSERT INTO countries (code, description) VALUES ('ZZDK', 'Denmark'), ('ZZSE', 'Sweden');
             INSERT INTO languages (code, description) VALUES ('ZZDA', 'Danish')",
        )
        .unwrap();
    // As a signed-in request reads them: with the version its session statement read.
    let lists = |conn: &mut diesel::PgConnection| -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Version {
            #[diesel(sql_type = diesel::sql_types::Text)]
            version: String,
        }
        let seen: Version =
            diesel::sql_query(format!("SELECT {} AS version", rapport::db::seen::VERSION))
                .get_result(conn)
                .unwrap();
        rapport::db::seen::within(Some(seen.version.into()), || {
            rapport::setup::options_of(conn, &["countries", "languages"])
        })
        .unwrap()
        .into_iter()
        .map(|list| {
            list.iter()
                .filter(|o| o.code.starts_with("ZZ"))
                .map(|o| format!("{} {}", o.code, o.description))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect()
    };
    assert_eq!(
        lists(&mut conn),
        ["ZZDK Denmark, ZZSE Sweden", "ZZDA Danish"]
    );
    // Changed behind the version's back (its trigger off), the kept lists are what is shown:
    // they are not read again while the version stands.
    other
        .batch_execute(
            "ALTER TABLE countries DISABLE TRIGGER countries_code_list_version;
             UPDATE countries SET description = 'Danmark' WHERE code = 'ZZDK';
             ALTER TABLE countries ENABLE TRIGGER countries_code_list_version",
        )
        .unwrap();
    assert_eq!(
        lists(&mut conn),
        ["ZZDK Denmark, ZZSE Sweden", "ZZDA Danish"]
    );
    // Any change of a code table moves the version: the lists are read again.
    other
        .batch_execute("INSERT INTO countries (code, description) VALUES ('ZZNO', 'Norway')")
        .unwrap();
    assert_eq!(
        lists(&mut conn),
        ["ZZDK Danmark, ZZNO Norway, ZZSE Sweden", "ZZDA Danish"]
    );
    // Lists read inside a transaction that changed a code table and then rolled back are not
    // taken for the lists of the next change.
    conn.batch_execute(
        "BEGIN; INSERT INTO languages (code, description) VALUES ('ZZXX', 'Undone')",
    )
    .unwrap();
    assert_eq!(lists(&mut conn)[1], "ZZDA Danish, ZZXX Undone");
    conn.batch_execute("ROLLBACK").unwrap();
    assert_eq!(lists(&mut conn)[1], "ZZDA Danish");
    other
        .batch_execute("INSERT INTO languages (code, description) VALUES ('ZZSV', 'Swedish')")
        .unwrap();
    assert_eq!(lists(&mut conn)[1], "ZZDA Danish, ZZSV Swedish");
    other
        .batch_execute("DELETE FROM languages WHERE code LIKE 'ZZ%'")
        .unwrap();
    assert_eq!(lists(&mut conn)[1], "");
}

/// A segment's page names its header's template and campaign from the kept lists of its form,
/// and offers them: a renamed campaign or a new template shows at once, a change behind the
/// version's back does not (so the lists are kept, not read again), and logging interactions
/// for a campaign, which updates the campaign's row, leaves the version where it was.
#[test]
fn a_segment_pages_templates_and_campaigns_are_kept_until_they_change_and_logging_leaves_them() {
    use crate::auth::{diesel_exec, unversioned};
    use crate::segments::{new_segment, staff, text, world};
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "kim");
    let no = new_segment(&mut c, "Mailing");
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'MAIL', campaign_no = 'CP0002' \
             WHERE no = '{no}'"
        ),
    );
    // Staff edit the draft's header (the lists are its choices); a viewer reads it (the
    // names).
    let mut viewer = app.signed_in("vera", "viewer");
    let path = format!("/segments/{no}");
    let page = viewer.get(&path);
    page.assert_status(200);
    assert!(page.contains("<dt>Interaction Template</dt><dd>MAIL – Mailing</dd>"));
    assert!(page.contains("<a href=\"/campaigns/CP0002\">CP0002 – Autumn</a>"));
    let form = c.get(&path);
    assert!(form.contains("<option value=\"CP0001\">CP0001 – Spring</option>"));
    assert!(form.contains("<option value=\"CP0002\" selected>CP0002 – Autumn</option>"));
    assert!(!form.contains("VISIT"));

    // Renamed behind the version's back (its trigger off), the kept name is shown.
    unversioned(
        &app,
        "campaigns",
        "UPDATE campaigns SET description = 'Harvest' WHERE no = 'CP0002'",
    );
    assert!(viewer
        .get(&path)
        .contains("<a href=\"/campaigns/CP0002\">CP0002 – Autumn</a>"));
    assert!(c
        .get(&path)
        .contains("<option value=\"CP0002\" selected>CP0002 – Autumn</option>"));

    // Logging for the campaign moves its entries' version, not the lists'.
    let version = "SELECT database || '/' || change FROM code_list_version";
    let before = text(&app, version);
    let entries = text(
        &app,
        "SELECT entries_version FROM campaigns WHERE no = 'CP0002'",
    );
    diesel_exec(&app, "SELECT rapport_bump_campaigns(ARRAY['CP0002'])");
    assert_ne!(
        text(
            &app,
            "SELECT entries_version FROM campaigns WHERE no = 'CP0002'"
        ),
        entries
    );
    assert_eq!(text(&app, version), before);

    // A campaign renamed through its statements, and a new template, show at once.
    diesel_exec(
        &app,
        "UPDATE campaigns SET description = 'Winter' WHERE no = 'CP0002';
         INSERT INTO interaction_templates (code, group_code, description)
             VALUES ('VISIT', 'PHONE', 'Visit')",
    );
    assert_ne!(text(&app, version), before);
    assert!(viewer
        .get(&path)
        .contains("<a href=\"/campaigns/CP0002\">CP0002 – Winter</a>"));
    assert!(c
        .get(&path)
        .contains("<option value=\"VISIT\">VISIT – Visit</option>"));
    diesel_exec(
        &app,
        "UPDATE interaction_templates SET description = 'Mail-out' WHERE code = 'MAIL'",
    );
    assert!(viewer
        .get(&path)
        .contains("<dt>Interaction Template</dt><dd>MAIL – Mail-out</dd>"));
}

/// A contact's card offers the profile questions from what the instance keeps: a question,
/// answer or questionnaire changed through its statements shows at once, one changed behind
/// the version's back does not (so they are kept, not read again), and a contact's own answer
/// is read with its card every time.
#[test]
fn a_cards_profile_questions_are_kept_until_a_questionnaire_question_or_answer_changes() {
    use crate::auth::{diesel_exec, unversioned};
    let app = TestApp::start();
    diesel_exec(
        &app,
        "INSERT INTO profile_questionnaires (code, description) VALUES ('SIZE', 'Size');
         INSERT INTO profile_questionnaires (code, description, contact_type)
             VALUES ('AREA', 'Area', 'person');
         INSERT INTO profile_questions (id, questionnaire_code, position, description)
             VALUES (1, 'SIZE', 1, 'Company size'), (2, 'AREA', 1, 'Sales district');
         INSERT INTO profile_answers (id, question_id, position, description)
             VALUES (10, 1, 1, 'Small'), (11, 1, 2, 'Large'), (20, 2, 1, 'North');
         INSERT INTO contacts (no, type, name) VALUES ('CT-PQ', 'company', 'Acme');
         INSERT INTO contacts (no, type, name, company_id)
             SELECT 'CT-PQ2', 'person', 'Ada', id FROM contacts WHERE no = 'CT-PQ'",
    );
    let mut c = app.signed_in("stan", "staff");
    let mut viewer = app.signed_in("vera", "viewer");
    let card = "/contacts/CT-PQ";
    let person = "/contacts/CT-PQ2";
    c.submit(card, "/contacts/CT-PQ/profile", &[("q_1", "11")]);
    let page = c.get(card);
    page.assert_status(200);
    assert!(page.contains("<option value=\"11\" selected>Large</option>"));
    assert!(page.contains("<option value=\"10\">Small</option>"));
    assert!(!page.contains("Sales district"), "AREA is for persons only");
    assert!(viewer
        .get(card)
        .contains("<dt>Company size <span class=\"muted\">(Size)</span></dt><dd>Large</dd>"));
    let page = c.get(person);
    assert!(page.contains("Company size") && page.contains("<option value=\"20\">North</option>"));

    // Renamed behind the version's back (its trigger off), the kept answer is shown.
    unversioned(
        &app,
        "profile_answers",
        "UPDATE profile_answers SET description = 'Big' WHERE id = 11",
    );
    assert!(viewer
        .get(card)
        .contains("<dt>Company size <span class=\"muted\">(Size)</span></dt><dd>Large</dd>"));
    // A contact's own answer is not kept: changed behind the card's back, it shows at once.
    diesel_exec(
        &app,
        "UPDATE contact_profile_answers SET answer_id = 10 WHERE question_id = 1",
    );
    assert!(viewer
        .get(card)
        .contains("<dt>Company size <span class=\"muted\">(Size)</span></dt><dd>Small</dd>"));

    // A question renamed and an answer added through their statements show at once, with the
    // answer renamed before.
    diesel_exec(
        &app,
        "UPDATE profile_questions SET description = 'Headcount' WHERE id = 1;
         UPDATE contact_profile_answers SET answer_id = 11 WHERE question_id = 1",
    );
    assert!(viewer
        .get(card)
        .contains("<dt>Headcount <span class=\"muted\">(Size)</span></dt><dd>Big</dd>"));
    diesel_exec(
        &app,
        "INSERT INTO profile_answers (id, question_id, position, description)
             VALUES (12, 1, 3, 'Huge')",
    );
    assert!(c.get(card).contains("<option value=\"12\">Huge</option>"));
    // A questionnaire deleted takes its questions off the cards.
    assert!(c.get(person).contains("Sales district"));
    diesel_exec(
        &app,
        "DELETE FROM profile_questionnaires WHERE code = 'AREA'",
    );
    let page = c.get(person);
    assert!(page.contains("Headcount") && !page.contains("Sales district"));
}
