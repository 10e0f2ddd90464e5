//! Contacts through HTTP: create, validate, edit with conflicts, delete, classify, list.

use crate::auth::diesel_exec;
use crate::support::*;

fn setup_codes(app: &TestApp) {
    diesel_exec(
        app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo Sales'), ('PL', 'Pat Lee');
         INSERT INTO territories (code, description) VALUES ('NORTH', 'North'), ('SOUTH', 'South');
         INSERT INTO industry_groups (code, description) VALUES ('RETAIL', 'Retail'), ('WHOLESALE', 'Wholesale'), ('BANKING', 'Banking');
         INSERT INTO business_relations (code, description) VALUES ('CUST', 'Customer');
         INSERT INTO mailing_groups (code, description) VALUES ('XMAS', 'Christmas cards'), ('NEWS', 'Newsletter');
         INSERT INTO job_responsibilities (code, description) VALUES ('PURCH', 'Purchasing');
         INSERT INTO organizational_levels (code, description) VALUES ('CEO', 'Chief executive');",
    );
}

pub(crate) fn company(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("type", "company".into()),
        ("name", name.into()),
        ("address", "1 Harbour Street".into()),
        ("city", "Aarhus".into()),
        ("post_code", "8000".into()),
        ("country_code", "DK".into()),
        ("phone", "+45 1234 5678".into()),
        ("email", "info@example.dk".into()),
        ("salesperson_code", "JO".into()),
        ("territory_code", "NORTH".into()),
        ("correspondence_type", "email".into()),
    ]
}

pub(crate) fn fields<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Creates a contact through the form and returns its No.
pub(crate) fn create(c: &mut Client, values: &[(&'static str, String)]) -> String {
    let res = c.submit("/contacts/new", "/contacts", &fields(values));
    assert_eq!(res.status, 303, "create failed:\n{}", res.body);
    res.location()
        .unwrap()
        .trim_start_matches("/contacts/")
        .to_string()
}

#[test]
fn staff_create_a_company_and_a_person_in_it() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let acme = create(&mut c, &company("Acme Trading"));
    assert_eq!(acme, "CT000001");
    let card = c.get("/contacts/CT000001");
    card.assert_status(200);
    assert!(card.contains("Contact CT000001 Acme Trading created."));
    assert!(card.contains("Acme Trading") && card.contains("Aarhus"));
    assert_eq!(app.count("SELECT count(*) FROM contacts WHERE no = 'CT000001' AND type = 'company' AND search_name = 'ACME TRADING' AND company_key = id"), 1);

    let person = create(
        &mut c,
        &[
            ("type", "person".into()),
            ("name", "Ada Jensen".into()),
            ("company_no", "ct000001".into()),
            ("job_title", "Buyer".into()),
            ("email", "ada@acme.dk".into()),
        ],
    );
    assert_eq!(person, "CT000002");
    assert_eq!(
        app.count("SELECT count(*) FROM contacts p JOIN contacts co ON co.id = p.company_id WHERE p.no = 'CT000002' AND co.no = 'CT000001' AND p.company_key = co.id"),
        1
    );
    // The person shows its company; the company lists its persons.
    assert!(c
        .get("/contacts/CT000002")
        .contains("Buyer at <a href=\"/contacts/CT000001\">Acme Trading</a>"));
    let company_card = c.get("/contacts/CT000001");
    assert!(company_card.contains("Persons (1)"));
    assert!(company_card.contains("Ada Jensen"));
    assert_eq!(
        app.count("SELECT next_number FROM number_series WHERE code = 'CONTACT'"),
        3
    );
}

#[test]
fn invalid_contacts_come_back_with_a_message_per_field() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    // A name of invisible characters alone (a zero-width space, a byte-order mark) is no
    // name: it made a contact that showed as nothing in every list.
    let res = c.submit(
        "/contacts/new",
        "/contacts",
        &[("type", "company"), ("name", "\u{200B} \u{FEFF}")],
    );
    res.assert_status(422);
    assert!(res.contains("Enter a name."), "{}", res.body);
    let res = c.submit(
        "/contacts/new",
        "/contacts",
        &[
            ("type", "person"),
            ("name", ""),
            ("company_no", "CT999999"),
            ("email", "not-an-address"),
            ("country_code", "ZZ"),
            ("territory_code", "WEST"),
            ("city", "Odense"),
        ],
    );
    res.assert_status(422);
    for message in [
        "Enter a name.",
        "There is no contact CT999999.",
        "Enter an e-mail address like name@example.com.",
        "There is no country/region ZZ.",
        "There is no territory WEST.",
    ] {
        assert!(res.contains(message), "missing {message}");
    }
    assert!(res.contains("value=\"Odense\""), "typed values are kept");
    assert!(res.contains("value=\"not-an-address\""));
    // Typos that bounce, and marks that cut an address short in a mailto: link.
    for typo in ["ase@nordlys..dk", "ase@x.dk?subject=hej", "a;b@x.dk"] {
        let res = c.submit(
            "/contacts/new",
            "/contacts",
            &[("type", "company"), ("name", "Typo"), ("email", typo)],
        );
        res.assert_status(422);
        assert!(
            res.contains("Enter an e-mail address like name@example.com."),
            "{typo}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
    assert_eq!(
        app.count("SELECT next_number FROM number_series WHERE code = 'CONTACT'"),
        1,
        "no number used"
    );

    // A person's company must be a company.
    create(
        &mut c,
        &[("type", "person".into()), ("name", "Solo Person".into())],
    );
    let res = c.submit(
        "/contacts/new",
        "/contacts",
        &[
            ("type", "person"),
            ("name", "Bo"),
            ("company_no", "CT000001"),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("CT000001 is not a company."));
}

#[test]
fn names_are_escaped_everywhere() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let payload = "<script>alert(1)</script>\" onmouseover=\"x";
    let mut values = company(payload);
    values.retain(|(k, _)| !matches!(*k, "salesperson_code" | "territory_code"));
    let no = create(&mut c, &values);
    for path in [
        format!("/contacts/{no}"),
        "/contacts".to_string(),
        format!("/contacts/{no}/edit"),
        "/contacts?q=script".to_string(),
    ] {
        let page = c.get(&path);
        page.assert_status(200);
        assert!(
            !page.contains("<script>alert(1)"),
            "{path} shows the script"
        );
        assert!(!page.contains("\" onmouseover=\"x"), "{path}");
        assert!(page.contains("&#60;script&#62;alert(1)"), "{path}");
    }
}

#[test]
fn the_second_of_two_concurrent_edits_is_refused_and_the_first_kept() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut a = app.signed_in("anna", "staff");
    let mut b = app.signed_in("bert", "staff");
    let no = create(&mut a, &company("Acme Trading"));
    let path = format!("/contacts/{no}");
    let edit = format!("{path}/edit");
    let form_a = a.get(&edit);
    let form_b = b.get(&edit);
    let version = hidden_value(&form_a.body, "version").unwrap();
    assert_eq!(version, "1");

    let mut mine = company("Acme Trading A/S");
    mine.push(("version", version.clone()));
    a.post_with_token(&path, &form_a.csrf_token().unwrap(), &fields(&mine))
        .assert_redirect(&path);

    let mut theirs = company("Acme Trading Ltd");
    theirs.retain(|(k, _)| *k != "city");
    theirs.push(("city", "Odense".into()));
    theirs.retain(|(k, _)| *k != "correspondence_type");
    theirs.push(("correspondence_type", "hard_copy".into()));
    theirs.push(("version", hidden_value(&form_b.body, "version").unwrap()));
    let res = b.post_with_token(&path, &form_b.csrf_token().unwrap(), &fields(&theirs));
    res.assert_status(409);
    assert!(res.contains("Someone else saved this contact after you opened it"));
    // Focused when the page opens, as a refused form's summary is.
    summary_links_resolve(&res.body);
    // Values are shown as the form names them, not as stored.
    assert!(
        res.contains("<tr><td>Correspondence Type</td><td>E-mail</td><td>Hard Copy</td></tr>"),
        "{}",
        res.body
    );
    assert!(
        res.contains("Acme Trading A/S"),
        "shows what was saved meanwhile"
    );
    assert!(
        res.contains("value=\"Acme Trading Ltd\""),
        "keeps what B typed"
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts WHERE name = 'Acme Trading A/S' AND city = 'Aarhus' AND version = 2"), 1);

    // Saving the conflict form again is a deliberate overwrite.
    let version = hidden_value(&res.body, "version").unwrap();
    assert_eq!(version, "2");
    let token = res.csrf_token().unwrap();
    let mut again = theirs.clone();
    again.retain(|(k, _)| *k != "version");
    again.push(("version", version));
    b.post_with_token(&path, &token, &fields(&again))
        .assert_redirect(&path);
    assert_eq!(app.count("SELECT count(*) FROM contacts WHERE name = 'Acme Trading Ltd' AND city = 'Odense' AND correspondence_type = 'hard_copy' AND version = 3"), 1);
}

/// A company is deleted with its persons, as in Business Central; what stops one of them stops
/// the company's deletion.
#[test]
fn deleting_a_company_deletes_its_persons_with_it() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let mut values = company("Acme Trading");
    values.retain(|(k, _)| !matches!(*k, "salesperson_code" | "territory_code"));
    let acme = create(&mut c, &values);
    let solo = create(
        &mut c,
        &[("type", "company".into()), ("name", "Solo".into())],
    );
    let person = |c: &mut Client, name: &str| {
        create(
            c,
            &[
                ("type", "person".into()),
                ("name", name.into()),
                ("company_no", acme.clone()),
            ],
        )
    };
    let ada = person(&mut c, "Ada");
    let bo = person(&mut c, "Bo");
    // As the page posts it: with the number of persons it showed.
    let delete = |c: &mut Client, shown: &str| {
        c.submit(
            &format!("/contacts/{acme}/delete"),
            &format!("/contacts/{acme}/delete"),
            &[("persons", shown)],
        )
    };
    // A person on a draft segment stops it: said, no Delete button, and a post anyway is
    // refused in the transaction.
    diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo')",
    );
    let seg = crate::segments::new_segment(&mut c, "Drafted");
    crate::segments::step(&mut c, &seg, "add", &[("contact_no", &bo)]);
    let confirm = c.get(&format!("/contacts/{acme}/delete"));
    confirm.assert_status(200);
    assert!(
        confirm.contains(&format!(
            "{acme} Acme Trading or its persons are on draft segment {seg}. Remove them from it first."
        )),
        "{}",
        confirm.body
    );
    assert!(!confirm.contains(&format!("action=\"/contacts/{acme}/delete\"")));
    delete(&mut c, "2").assert_redirect(&format!("/contacts/{acme}/delete"));
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 4);
    diesel_exec(&app, "DELETE FROM segment_lines");
    // So does a person's history, logged before it joined the company.
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO interaction_log_entries (contact_id, description) \
             SELECT id, 'Call' FROM contacts WHERE no = '{ada}'"
        ),
    );
    assert!(c
        .get(&format!("/contacts/{acme}/delete"))
        .contains(&format!(
        "{acme} Acme Trading and its persons have 1 interaction log entry; their history is kept"
    )));
    // And the history of a person logged with the company who has moved away since: counted
    // and said, with where to find it (the company's card shows it nowhere).
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO contacts (no, type, name) VALUES ('MOVED', 'person', 'Moved Away');
             INSERT INTO interaction_log_entries (contact_id, company_id, description) \
             SELECT m.id, a.id, 'Call' FROM contacts m, contacts a \
             WHERE m.no = 'MOVED' AND a.no = '{acme}'"
        ),
    );
    let confirm = c.get(&format!("/contacts/{acme}/delete"));
    assert!(
        confirm.contains(&format!(
            "{acme} Acme Trading and its persons have 2 interaction log entries (1 of them \
             logged for persons who have moved to another company since: the interactions list \
             shows them all with the company filter {acme}); their history is kept"
        )),
        "{}",
        confirm.body
    );
    diesel_exec(
        &app,
        "ALTER TABLE interaction_log_entries DISABLE TRIGGER USER;
         DELETE FROM interaction_log_entries;
         ALTER TABLE interaction_log_entries ENABLE TRIGGER USER;
         DELETE FROM contacts WHERE no = 'MOVED';",
    );
    // Without them, the page names the persons that go with it.
    let confirm = c.get(&format!("/contacts/{acme}/delete"));
    assert!(
        confirm.contains(&format!(
            "Its 2 persons, each with its classifications, profile answers and segment lines:\n      \
             <a href=\"/contacts/{ada}\">{ada}</a> Ada, <a href=\"/contacts/{bo}\">{bo}</a> Bo</li>"
        )),
        "{}",
        confirm.body
    );
    assert!(confirm.contains(&format!(
        "<button type=\"submit\" class=\"button-danger\">Delete {acme} and its 2 persons</button>"
    )));
    assert!(confirm.contains("<input type=\"hidden\" name=\"persons\" value=\"2\">"));
    // A page that showed fewer persons than the company has now deletes nothing.
    delete(&mut c, "1").assert_redirect(&format!("/contacts/{acme}/delete"));
    assert!(c
        .get(&format!("/contacts/{acme}/delete"))
        .contains(&format!(
            "{acme} has 2 persons now, not 1 as this page showed: nothing was deleted."
        )));
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 4);
    delete_as_shown(&mut c, &format!("/contacts/{acme}")).assert_redirect("/contacts");
    assert!(c.get("/contacts").contains(&format!(
        "Contact {acme} Acme Trading deleted with its 2 persons."
    )));
    assert_eq!(
        crate::segments::text(&app, "SELECT string_agg(no, ',') FROM contacts"),
        solo
    );
    assert_eq!(
        crate::segments::text(
            &app,
            &format!("SELECT detail FROM audit_log WHERE action = 'contact deleted' AND subject = '{acme}'")
        ),
        format!("Acme Trading with its 2 persons: {ada} Ada, {bo} Bo")
    );
    // Each person has an entry of its own, found by its No. in the audit trail (only the
    // company's named them, the first 20).
    assert_eq!(
        crate::segments::text(
            &app,
            "SELECT string_agg(subject || ': ' || detail, '; ' ORDER BY subject) FROM audit_log \
             WHERE action = 'contact deleted' AND subject <> (SELECT min(subject) FROM audit_log \
               WHERE action = 'contact deleted' AND detail LIKE 'Acme Trading%')"
        ),
        format!(
            "{ada}: Ada, with its company {acme} Acme Trading; {bo}: Bo, with its company {acme} \
             Acme Trading"
        )
    );
}

/// A No. imported before numbers were refused `/`, `#`, `?` and `%` still reaches its card:
/// every link to it and every redirect back to it is escaped.
#[test]
fn a_number_with_characters_of_addresses_reaches_its_own_card() {
    let app = TestApp::start();
    setup_codes(&app);
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name) VALUES ('OLD/1#?%', 'company', 'Old One');
         INSERT INTO contacts (no, type, name, company_id)
           SELECT 'OLD/2', 'person', 'Olga', id FROM contacts WHERE no = 'OLD/1#?%';",
    );
    let card = "/contacts/OLD%2F1%23%3F%25";
    let mut c = app.signed_in("stan", "staff");
    let list = c.get("/contacts?q=old");
    assert!(
        list.contains(&format!("<a href=\"{card}\">OLD/1#?%</a>")),
        "{}",
        list.body
    );
    assert!(list.contains("<a href=\"/contacts/OLD%2F2\">OLD/2</a>"));
    let page = c.get(card);
    page.assert_status(200);
    assert!(page.contains("Old One"), "{}", page.body);
    assert!(page.contains(&format!("href=\"{card}/edit\"")));
    assert!(c
        .get("/contacts/OLD%2F2")
        .contains(&format!("<a href=\"{card}\">Old One</a>")));
    // Saved, it comes back to its own card.
    let form = c.get(&format!("{card}/edit"));
    form.assert_status(200);
    assert!(
        form.contains(&format!("action=\"{card}\"")),
        "{}",
        form.body
    );
    let mut values = company("Old One Renamed");
    values.push(("version", hidden_value(&form.body, "version").unwrap()));
    c.post_with_token(card, &form.csrf_token().unwrap(), &fields(&values))
        .assert_redirect(card);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contacts WHERE no = 'OLD/1#?%' AND name = 'Old One Renamed'"
        ),
        1
    );
    // So does a classification, and the deletion's page acts on it.
    c.submit(
        card,
        &format!("{card}/classifications"),
        &[
            ("kind", "industry_group"),
            ("code", "RETAIL"),
            ("action", "add"),
        ],
    )
    .assert_redirect(&format!("{card}#industry-group"));
    assert_eq!(app.count("SELECT count(*) FROM contact_industry_groups"), 1);
    let confirm = c.get(&format!("{card}/delete"));
    assert!(
        confirm.contains(&format!("action=\"{card}/delete\"")),
        "{}",
        confirm.body
    );
    delete_as_shown(&mut c, card).assert_redirect("/contacts");
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
}

#[test]
fn classifications_and_profile_answers_are_assigned_on_the_card() {
    let app = TestApp::start();
    setup_codes(&app);
    diesel_exec(
        &app,
        "INSERT INTO profile_questionnaires (code, description) VALUES ('SIZE', 'Size');
         INSERT INTO profile_questions (id, questionnaire_code, position, description) VALUES (1, 'SIZE', 1, 'Company size'), (2, 'SIZE', 2, 'Revenue');
         INSERT INTO profile_answers (id, question_id, position, description) VALUES (10, 1, 1, 'Small'), (11, 1, 2, 'Large'), (20, 2, 1, 'Under 1M');",
    );
    let mut c = app.signed_in("stan", "staff");
    let acme = create(&mut c, &company("Acme"));
    let ada = create(
        &mut c,
        &[
            ("type", "person".into()),
            ("name", "Ada".into()),
            ("company_no", acme.clone()),
        ],
    );
    let card = format!("/contacts/{acme}");
    let action = format!("/contacts/{acme}/classifications");
    // Each Add list starts with nothing chosen: one careless Add assigned its first code.
    let page = c.get(&card);
    assert!(page.contains(
        "<select id=\"add-industry_group\" name=\"code\">\n        <option value=\"\">(choose)</option>"
    ), "{}", page.body);
    c.submit(
        &card,
        &action,
        &[("kind", "industry_group"), ("code", ""), ("action", "add")],
    )
    .assert_redirect(&format!("{card}#industry-group"));
    assert!(c.get(&card).contains("Choose a code to assign."));
    assert_eq!(app.count("SELECT count(*) FROM contact_industry_groups"), 0);
    for (kind, code) in [
        ("industry_group", "RETAIL"),
        ("industry_group", "wholesale"),
        ("business_relation", "CUST"),
        ("mailing_group", "XMAS"),
    ] {
        c.submit(
            &card,
            &action,
            &[("kind", kind), ("code", code), ("action", "add")],
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM contact_industry_groups"), 2);
    assert_eq!(
        app.count("SELECT count(*) FROM contact_business_relations"),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM contact_mailing_groups"), 1);
    // Job responsibilities belong to persons, not companies; unknown codes are refused.
    c.submit(
        &card,
        &action,
        &[
            ("kind", "job_responsibility"),
            ("code", "PURCH"),
            ("action", "add"),
        ],
    );
    assert!(c
        .get(&card)
        .contains("Job responsibilities are not assigned to a company."));
    c.submit(
        &card,
        &action,
        &[
            ("kind", "mailing_group"),
            ("code", "NOPE"),
            ("action", "add"),
        ],
    );
    assert!(c.get(&card).contains("There is no code NOPE"));
    c.submit(
        &format!("/contacts/{ada}"),
        &format!("/contacts/{ada}/classifications"),
        &[
            ("kind", "job_responsibility"),
            ("code", "PURCH"),
            ("action", "add"),
        ],
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contact_job_responsibilities"),
        1
    );
    c.submit(
        &card,
        &action,
        &[
            ("kind", "industry_group"),
            ("code", "RETAIL"),
            ("action", "remove"),
        ],
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contact_industry_groups WHERE code = 'RETAIL'"),
        0
    );
    assert!(c
        .get(&card)
        .contains("RETAIL removed from industry groups."));
    // Removed again (as from a card shown before a colleague removed it): said, not claimed.
    c.submit(
        &card,
        &action,
        &[
            ("kind", "industry_group"),
            ("code", "RETAIL"),
            ("action", "remove"),
        ],
    );
    let page = c.get(&card);
    assert!(
        page.contains("RETAIL was not among its industry groups: nothing was removed."),
        "{}",
        page.body
    );
    // Renamed by an administrator since the card was shown: removed under its name now (it
    // was "not among its groups" and stayed).
    let mut admin = app.signed_in("boss", "admin");
    admin
        .submit(
            "/setup/industry-groups/WHOLESALE",
            "/setup/industry-groups/WHOLESALE",
            &[("code", "WHOLE"), ("description", "Wholesale")],
        )
        .assert_redirect("/setup/industry-groups");
    c.submit(
        &card,
        &action,
        &[
            ("kind", "industry_group"),
            ("code", "WHOLESALE"),
            ("action", "remove"),
        ],
    );
    assert!(
        c.get(&card)
            .contains("WHOLE (renamed from WHOLESALE since this card was shown) removed from industry groups."),
        "{}",
        c.get(&card).body
    );
    assert_eq!(app.count("SELECT count(*) FROM contact_industry_groups"), 0);
    // Added from the same card (its list shows the old code): added under its name now.
    c.submit(
        &card,
        &action,
        &[
            ("kind", "industry_group"),
            ("code", "WHOLESALE"),
            ("action", "add"),
        ],
    );
    assert!(
        c.get(&card).contains(
            "WHOLE (renamed from WHOLESALE since this card was shown) added to industry groups."
        ),
        "{}",
        c.get(&card).body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contact_industry_groups WHERE code = 'WHOLE'"),
        1
    );
    admin
        .submit(
            "/setup/industry-groups/WHOLE",
            "/setup/industry-groups/WHOLE",
            &[("code", "WHOLESALE"), ("description", "Wholesale")],
        )
        .assert_redirect("/setup/industry-groups");

    let page = c.get(&card);
    assert!(page.contains("WHOLESALE") && page.contains("Company size"));
    // The question is named with its questionnaire's description, not its code.
    assert!(
        page.contains("Company size <span class=\"muted\">(Size)</span>"),
        "{}",
        page.body
    );
    c.submit(
        &card,
        &format!("/contacts/{acme}/profile"),
        &[("q_1", "11"), ("q_2", "20")],
    );
    assert_eq!(app.count("SELECT count(*) FROM contact_profile_answers"), 2);
    // An answer of another question is refused and nothing changes.
    c.submit(
        &card,
        &format!("/contacts/{acme}/profile"),
        &[("q_1", "10"), ("q_2", "11")],
    );
    assert!(c.get(&card).contains("nothing was saved"));
    assert_eq!(
        app.count("SELECT count(*) FROM contact_profile_answers WHERE answer_id IN (11, 20)"),
        2
    );
    c.submit(
        &card,
        &format!("/contacts/{acme}/profile"),
        &[("q_1", ""), ("q_2", "20")],
    );
    assert_eq!(app.count("SELECT count(*) FROM contact_profile_answers"), 1);

    // Two people at one card: a question left as the card showed it keeps what a colleague
    // answered meanwhile; one changed over a colleague's answer is refused, nothing saved.
    let page = c.get(&card);
    assert!(
        page.contains("name=\"was_q_1\" value=\"\""),
        "{}",
        page.body
    );
    assert!(page.contains("name=\"was_q_2\" value=\"20\""));
    let token = page.csrf_token().unwrap();
    let mut other = app.signed_in("olga", "staff");
    other.submit(
        &card,
        &format!("/contacts/{acme}/profile"),
        &[
            ("q_1", "11"),
            ("was_q_1", ""),
            ("q_2", "20"),
            ("was_q_2", "20"),
        ],
    );
    let answers = |app: &TestApp| {
        crate::segments::text(
            app,
            "SELECT string_agg(question_id || ':' || answer_id, ',' ORDER BY question_id) \
             FROM contact_profile_answers",
        )
    };
    assert_eq!(answers(&app), "1:11,2:20");
    // The first page, still showing no answer to question 1, changes question 2 only.
    c.post_with_token(
        &format!("/contacts/{acme}/profile"),
        &token,
        &[("q_1", ""), ("was_q_1", ""), ("q_2", ""), ("was_q_2", "20")],
    );
    assert_eq!(
        answers(&app),
        "1:11",
        "the colleague's answer to question 1 stays"
    );
    // And changing question 1 from that page, over the colleague's answer: refused.
    let res = c.post_with_token(
        &format!("/contacts/{acme}/profile"),
        &token,
        &[
            ("q_1", "10"),
            ("was_q_1", ""),
            ("q_2", "20"),
            ("was_q_2", ""),
        ],
    );
    res.assert_redirect(&format!("/contacts/{acme}#profile"));
    assert!(c
        .get(&card)
        .contains("after you opened the card: nothing was saved."));
    assert_eq!(answers(&app), "1:11");
    // The same page sent twice (a double click): the second finds the answers as it typed
    // them, and says they are saved; before, "Someone else answered Revenue … nothing was
    // saved", though they were.
    let page = c.get(&card);
    let token = page.csrf_token().unwrap();
    for _ in 0..2 {
        c.post_with_token(
            &format!("/contacts/{acme}/profile"),
            &token,
            &[
                ("q_1", "11"),
                ("was_q_1", "11"),
                ("q_2", "20"),
                ("was_q_2", ""),
            ],
        )
        .assert_redirect(&format!("/contacts/{acme}#profile"));
    }
    let page = c.get(&card);
    assert!(page.contains("Profile answers saved."), "{}", page.body);
    assert_eq!(answers(&app), "1:11,2:20");
}

#[test]
fn the_list_searches_filters_sorts_and_pages() {
    let app = TestApp::start();
    setup_codes(&app);
    // 120 companies in DK and SE, each with one person; a few flagged.
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, city, country_code, salesperson_code, email)
           SELECT 'CO' || lpad(g::text, 4, '0'), 'company', 'Company ' || lpad(g::text, 3, '0'),
                  CASE WHEN g % 2 = 0 THEN 'Aarhus' ELSE 'Malmo' END,
                  CASE WHEN g % 2 = 0 THEN 'DK' ELSE 'SE' END, 'JO', 'c' || g || '@example.com'
           FROM generate_series(1, 120) g;
         INSERT INTO contacts (no, type, name, company_id, city, country_code, exclude_from_segment)
           SELECT 'PE' || lpad(id::text, 4, '0'), 'person', 'Person of ' || name, id, city, country_code, id % 10 = 0
           FROM contacts WHERE type = 'company';
         INSERT INTO contact_industry_groups (contact_id, code) SELECT id, 'RETAIL' FROM contacts WHERE type = 'company' AND no <= 'CO0010';
         INSERT INTO contact_mailing_groups (contact_id, code) SELECT id, 'NEWS' FROM contacts WHERE no IN ('CO0001', 'PE0002');
         INSERT INTO contact_job_responsibilities (contact_id, code) SELECT id, 'PURCH' FROM contacts WHERE type = 'person' AND country_code = 'DK' AND name <= 'Person of Company 020';",
    );
    let mut c = app.signed_in("vera", "viewer");
    let all = c.get("/contacts");
    all.assert_status(200);
    assert!(all.contains("1–50 of 240 contacts"));
    assert!(!all.contains("New contact"), "viewers get no create button");
    assert!(c.get("/contacts?last=1").contains("191–240 of 240"));

    let search = c.get("/contacts?q=company+07");
    assert!(
        search.contains("1–20 of 20"),
        "70-79 and their persons:\n{}",
        search.body
    );
    let search = c.get("/contacts?q=C100%40EXAMPLE");
    assert!(search.contains("1–1 of 1"));
    // LIKE wildcards typed by the user are plain characters.
    assert!(c
        .get("/contacts?q=%25")
        .contains("No contact matches this search."));

    assert!(c.get("/contacts?country=dk").contains("1–50 of 120"));
    assert!(c
        .get("/contacts?country=DK&type=company")
        .contains("1–50 of 60"));
    // Persons inherit their company's industry groups.
    assert!(c
        .get("/contacts?industry_group=RETAIL")
        .contains("1–20 of 20"));
    assert!(c
        .get("/contacts?industry_group=RETAIL&country=SE")
        .contains("1–10 of 10"));
    assert!(c.get("/contacts?mailing_group=NEWS").contains("1–2 of 2"));
    // A person's own job responsibility (there was no such filter).
    let purchasers = c.get("/contacts?job_responsibility=purch");
    assert!(purchasers.contains("1–10 of 10"), "{}", purchasers.body);
    assert!(purchasers.contains("<option value=\"PURCH\" selected"));
    assert!(c
        .get("/contacts?job_responsibility=PURCH&country=SE")
        .contains("No contact matches"));
    assert!(c.get("/contacts?flag=excluded").contains("1–12 of 12"));
    assert!(c
        .get("/contacts?salesperson=JO&type=person")
        .contains("No contact matches"));

    let desc = c.get("/contacts?type=company&sort=name&dir=desc");
    let first = desc.body.find("Company 120").unwrap();
    let second = desc.body.find("Company 119").unwrap();
    assert!(first < second);
    assert!(desc.contains("aria-sort=\"descending\""));
    // Links keep the query, so the list can be bookmarked.
    // With the sort value the page shows for that contact (see contact_list.rs, paging_goes_on).
    assert!(desc.contains(
        "href=\"/contacts?type=company&#38;dir=desc&#38;after=CO0071&#38;key=%3DCompany+071\""
    ));
    // Nonsense in the URL is not an error.
    c.get("/contacts?sort=evil;--&dir=x&page=-3&flag=zzz")
        .assert_status(200);
}

#[test]
fn viewers_read_contacts_but_cannot_change_them() {
    let app = TestApp::start();
    let mut staff = app.signed_in("stan", "staff");
    let mut values = company("Acme");
    values.retain(|(k, _)| !matches!(*k, "salesperson_code" | "territory_code"));
    let no = create(&mut staff, &values);
    let mut viewer = app.signed_in("vera", "viewer");
    viewer.get(&format!("/contacts/{no}")).assert_status(200);
    viewer.get("/contacts/new").assert_status(403);
    viewer
        .get(&format!("/contacts/{no}/edit"))
        .assert_status(403);
    let token = viewer.get("/contacts").csrf_token().unwrap();
    viewer
        .post_with_token("/contacts", &token, &fields(&company("Intruder")))
        .assert_status(403);
    viewer
        .post_with_token(&format!("/contacts/{no}/delete"), &token, &[])
        .assert_status(403);
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 1);
}

pub(crate) fn import(c: &mut Client, csv: &str) -> Resp {
    let res = c.upload(
        "/contacts/import",
        "/contacts/import",
        "contacts.csv",
        csv.as_bytes(),
    );
    assert_eq!(res.status, 303, "upload failed:\n{}", res.body);
    let job = res.location().unwrap();
    assert!(job.starts_with("/contacts/import/"));
    c.wait_for(&job, |r| !r.contains("data-status-url"))
}

const GOOD_CSV: &str = "no,type,name,company_no,city,country_code,email,industry_groups,mailing_groups,job_responsibilities,exclude_from_segment\n\
    ,company,Acme Trading,,Aarhus,DK,info@acme.dk,RETAIL|WHOLESALE,XMAS,,false\n\
    ,person,Ada Jensen,IMP-1,Aarhus,DK,ada@acme.dk,,NEWS,PURCH,true\n\
    IMP-1,company,Imported Co,,Malmo,SE,,BANKING,,,false\n";

#[test]
fn an_import_with_a_bad_row_imports_nothing_and_says_why() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    // Ed's company IMP-2 is in the file, on a line refused for its own problem: that line
    // says what is wrong, and Ed is not told IMP-2 is missing (it was, and a file with 500
    // persons before their company showed only that, 500 times, and never the cause).
    let bad = format!(
        "{GOOD_CSV},person,Bo,,,ZZ,not-an-email,,,,maybe\n,person,Cy,CT404040,,,,,,,false\n\
         ,person,Ed,imp-2,,,,,,,false\nIMP-2,company,Refused Co,,,XX,,,,,false\n\
         IMP\u{200B}-3,company,Hidden Co,,,,,,,,false\nIMP\u{1}4,company,Control Co,,,,,,,,false\n"
    );
    let page = import(&mut c, &bad);
    page.assert_status(200);
    for problem in [
        "line 5: unknown country/region ZZ",
        "line 5: email \"not-an-email\" is not an e-mail address",
        "line 5: exclude_from_segment must be true or false, not \"maybe\"",
        "line 6: company CT404040 is neither in the file nor in Rapport",
        "line 8: unknown country/region XX",
        // A No. with a zero-width space pasted in: alike to the eye, not found when typed.
        "line 9: no \"IMP\u{200B}-3\" holds an invisible character",
        // A control character: the contact form could not save its persons again.
        "line 10: no \"IMP 4\" holds a control character",
    ] {
        assert!(
            page.contains(&problem.replace('"', "&#34;")),
            "missing {problem}:\n{}",
            page.body
        );
    }
    assert!(!page.contains("IMP-2 is neither"), "{}", page.body);
    assert!(page.contains("Nothing was imported."));
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
    assert_eq!(app.count("SELECT count(*) FROM contact_industry_groups"), 0);
    assert_eq!(
        app.count("SELECT next_number FROM number_series WHERE code = 'CONTACT'"),
        1
    );

    // A duplicate number and a person whose "company" is a person.
    let dup =
        format!("{GOOD_CSV}IMP-1,company,Again,,,,,,,,false\n,person,Cy,CT000001,,,,,,,false\n");
    let page = import(&mut c, &dup);
    assert!(
        page.contains("line 5: no IMP-1 is already used on line 4"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
}

#[test]
fn a_good_import_creates_everything_in_one_go() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let page = import(&mut c, GOOD_CSV);
    assert!(page.contains("3 contacts imported."), "{}", page.body);
    let status = c.get("/contacts/import/1/status");
    status.assert_status(200);
    assert!(
        status.body.contains("\"running\":false") && status.body.contains("3 contacts imported."),
        "{}",
        status.body
    );
    // Another user does not see someone else's import.
    app.signed_in("olga", "staff")
        .get("/contacts/import/1")
        .assert_status(404);
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 3);
    // The person's company was later in the file; the numbers follow the series.
    assert_eq!(
        app.count("SELECT count(*) FROM contacts p JOIN contacts co ON co.id = p.company_id WHERE p.name = 'Ada Jensen' AND co.no = 'IMP-1' AND p.exclude_from_segment"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE no IN ('CT000001', 'CT000002')"),
        2
    );
    assert_eq!(app.count("SELECT count(*) FROM contact_industry_groups"), 3);
    assert_eq!(app.count("SELECT count(*) FROM contact_mailing_groups"), 2);
    assert_eq!(
        app.count("SELECT count(*) FROM contact_job_responsibilities"),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action = 'contacts imported' AND detail = '3 contacts'"), 1);
    // Contacts made afterwards continue the series.
    let next = create(
        &mut c,
        &[("type", "company".into()), ("name", "Next".into())],
    );
    assert_eq!(next, "CT000003");
}

/// An imported person takes what its row leaves empty from its company, as one created on
/// its card does: address as a whole, phone, salesperson (not a blocked one), territory,
/// language; from a company of the file as the file has it. Imported persons took nothing,
/// and a mail merge of them had empty address blocks.
#[test]
fn an_imported_person_takes_its_company_s_address_phone_and_codes_where_its_row_has_none() {
    let app = TestApp::start();
    setup_codes(&app);
    diesel_exec(
        &app,
        "INSERT INTO languages (code, description) VALUES ('DA', 'Danish');
         INSERT INTO salespeople (code, name, blocked) VALUES ('OLD', 'Gone Sales', TRUE);
         INSERT INTO contacts (no, type, name, address, address_2, city, post_code, country_code, phone,
                               salesperson_code, territory_code, language_code)
           VALUES ('CO1', 'company', 'Harbour A/S', '1 Harbour Street', 'Dock 2', 'Aarhus', '8000', 'DK',
                   '+45 1234 5678', 'JO', 'NORTH', 'DA'),
                  ('CO2', 'company', 'Blocked A/S', '9 Lane', '', 'Odense', '5000', 'DK', '', 'OLD', NULL, NULL);",
    );
    let mut c = app.signed_in("stan", "staff");
    let csv = "no,type,name,company_no,address,city,phone,salesperson_code,email,version\n\
        P1,person,Ada Holm,CO1,,,,,ada@x.dk,\n\
        P2,person,Bo Berg,CO1,,Vejle,+45 9999 0000,PL,bo@x.dk,\n\
        P3,person,Cy Dahl,CO2,,,,,cy@x.dk,\n\
        IMP-1,company,New Co,,2 Main Street,Aalborg,+45 1111 2222,PL,,\n\
        P4,person,Di Eng,IMP-1,,,,,di@x.dk,\n\
        P5,person,Ed Fisk,,,,,,ed@x.dk,\n\
        P6,person,Fie Gade,CO1,,,,,fie@x.dk,4\n";
    let page = import(&mut c, csv);
    assert!(page.contains("7 contacts imported."), "{}", page.body);
    // A row exported from Rapport (with its version) is the contact as it was, empty cells
    // and all: it moves between databases as it is.
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE no = 'P6' AND address = '' AND phone = '' AND salesperson_code IS NULL AND territory_code IS NULL"),
        1
    );
    let row = |no: &str| {
        crate::segments::text(
            &app,
            &format!(
                "SELECT concat_ws('|', address, address_2, city, post_code, COALESCE(country_code, '-'), phone, \
                   COALESCE(salesperson_code, '-'), COALESCE(territory_code, '-'), COALESCE(language_code, '-')) \
                 FROM contacts WHERE no = '{no}'"
            ),
        )
    };
    assert_eq!(
        row("P1"),
        "1 Harbour Street|Dock 2|Aarhus|8000|DK|+45 1234 5678|JO|NORTH|DA"
    );
    // Its own city is its address: none of the company's is taken; its own phone and
    // salesperson stay, the territory and language it left empty are the company's.
    assert_eq!(row("P2"), "||Vejle||-|+45 9999 0000|PL|NORTH|DA");
    // A blocked salesperson is not given.
    assert_eq!(row("P3"), "9 Lane||Odense|5000|DK||-|-|-");
    // A company new in the file gives what the file says of it.
    assert_eq!(row("P4"), "2 Main Street||Aalborg||-|+45 1111 2222|PL|-|-");
    assert_eq!(row("P5"), "||||-||-|-|-", "no company, nothing taken");
}

/// The import form sent twice (a double click on its button, Back and send) imports the file
/// once: the second sending leads to the first one's job and says so. A file without a No.
/// column made every contact twice.
#[test]
fn the_same_import_form_sent_twice_imports_the_file_once() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let page = c.get("/contacts/import");
    let once = hidden_value(&page.body, "once").expect("the form's one-time key");
    let csv = "type,name\ncompany,Once A/S\ncompany,Twice ApS\n";
    let send = |c: &mut Client| {
        let res = c.upload_with(
            "/contacts/import",
            "/contacts/import",
            &[("once", once.as_str())],
            "contacts.csv",
            csv.as_bytes(),
        );
        assert_eq!(res.status, 303, "{}", res.body);
        res.location().unwrap()
    };
    let first = send(&mut c);
    c.wait_for(&first, |r| !r.contains("data-status-url"));
    let second = send(&mut c);
    assert_eq!(second, first);
    // The first one has finished: its page, with the flash, at once.
    let job = c.get(&second);
    assert!(
        job.contains("This file was sent twice from the same form: it is imported once"),
        "{}",
        job.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 2);
    assert_eq!(app.count("SELECT count(*) FROM import_jobs"), 1);
    // A new form is a new import.
    let other = hidden_value(&c.get("/contacts/import").body, "once").unwrap();
    assert_ne!(other, once);
    let res = c.upload_with(
        "/contacts/import",
        "/contacts/import",
        &[("once", other.as_str())],
        "contacts.csv",
        csv.as_bytes(),
    );
    assert_ne!(res.location().unwrap(), first);
    c.wait_for(&res.location().unwrap(), |r| !r.contains("data-status-url"));
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 4);
    // The same form sent again after Back with another file (corrected, say) is that file's
    // import: it went to the first job, saying the file had been sent twice, and the new file
    // was not read.
    let res = c.upload_with(
        "/contacts/import",
        "/contacts/import",
        &[("once", other.as_str())],
        "corrected.csv",
        b"type,name\ncompany,Third Corrected A/S\n",
    );
    let third = res.location().unwrap();
    c.wait_for(&third, |r| !r.contains("data-status-url"));
    assert_eq!(app.count("SELECT count(*) FROM import_jobs"), 3);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Third Corrected A/S'"),
        1
    );
    // Refused (a salesperson not yet in setup), then sent again from the same form, the same
    // file, once the salesperson is added: read again and imported. It went to the refusal,
    // "sent twice", and only a new form could bring the file in.
    let form = hidden_value(&c.get("/contacts/import").body, "once").unwrap();
    let file = b"type,name,salesperson_code\ncompany,Later A/S,LATE\n";
    let send = |c: &mut Client| {
        let res = c.upload_with(
            "/contacts/import",
            "/contacts/import",
            &[("once", form.as_str())],
            "later.csv",
            file,
        );
        assert_eq!(res.status, 303, "{}", res.body);
        res.location().unwrap()
    };
    let refused = send(&mut c);
    let page = c.wait_for(&refused, |r| !r.contains("data-status-url"));
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('LATE', 'Late Comer')",
    );
    let again = send(&mut c);
    assert_ne!(again, refused);
    let page = c.wait_for(&again, |r| !r.contains("data-status-url"));
    assert!(!page.contains("sent twice"), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Later A/S'"),
        1
    );
    // Sent once more, the import that went through is not repeated.
    assert_eq!(send(&mut c), again);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Later A/S'"),
        1
    );
}

#[test]
fn a_file_without_numbers_is_not_compared_with_each_of_its_companies() {
    // Each row of an import looks up the company its `company_no` names, in the file and in
    // Rapport. In a file numbered from the series, every company's No. and most rows'
    // company_no are empty: were the empty numbers matched, each row would be compared with each
    // company of the file before its own test turned it down (the join of a file of 40,000 rows
    // took 12 s). The statement's joins, over rows as the import stages them, hashed as
    // PostgreSQL joins a big file.
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    let mut conn = app.conn();
    conn.batch_execute(
        "CREATE TEMP TABLE import_rows (line BIGINT, id BIGINT, existing_id BIGINT, no TEXT, \
           kind TEXT, company_no TEXT);
         INSERT INTO import_rows SELECT g, g, NULL, '', \
           CASE WHEN g % 4 = 0 THEN 'company' ELSE 'person' END, '' FROM generate_series(1, 400) g;
         INSERT INTO import_rows VALUES (401, 401, NULL, 'IMP-1', 'company', ''), \
           (402, 402, NULL, '', 'person', 'IMP-1');
         ANALYZE import_rows;
         SET enable_nestloop = off; SET enable_mergejoin = off;",
    )
    .unwrap();
    let joins = rapport::contacts::domain::import_write::COMPANY_JOINS;
    let plan = explain(
        &mut conn,
        &format!("EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(f.id) FROM import_rows r {joins}"),
    );
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    fn removed(node: &serde_json::Value) -> i64 {
        let own = node["Rows Removed by Join Filter"].as_i64().unwrap_or(0);
        let below = node["Plans"]
            .as_array()
            .map_or(0, |plans| plans.iter().map(removed).sum());
        own + below
    }
    let root = &plan[0]["Plan"];
    assert!(plan.to_string().contains("Hash Join"), "{plan}");
    assert_eq!(removed(root), 0, "rows compared in vain:\n{plan:#}");
    // The one person naming a company of the file by its No. finds it.
    assert_eq!(
        count(
            &mut conn,
            &format!("SELECT count(f.id) FROM import_rows r {joins}")
        ),
        1
    );
}

#[test]
fn an_upload_without_a_file_is_refused_in_the_form() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let res = c.upload("/contacts/import", "/contacts/import", "empty.csv", b"");
    res.assert_status(422);
    assert!(res.contains("The file is empty."));
    summary_links_resolve(&res.body);
    assert!(res.contains("aria-describedby=\"file-error file-hint\""));
    // Said by the field too, under the id it is described by (the id was the summary's).
    assert!(
        res.contains("<p class=\"field-error\" id=\"file-error\"><span class=\"visually-hidden\">Error:</span> The file is empty."),
        "{}",
        res.body
    );
    assert_eq!(res.body.matches("id=\"file-error\"").count(), 1);
    // The boxes ticked stay ticked: sent again unnoticed, an update would have refused every
    // row of contacts already in Rapport.
    let ticked = c.upload_with(
        "/contacts/import",
        "/contacts/import",
        &[("windows_1252", "on"), ("update_existing", "on")],
        "empty.csv",
        b"",
    );
    ticked.assert_status(422);
    for name in ["windows_1252", "update_existing"] {
        assert!(
            ticked.contains(&format!("name=\"{name}\" type=\"checkbox\" checked")),
            "{name}: {}",
            ticked.body
        );
    }
    assert!(!res.contains("type=\"checkbox\" checked"));
    // Without the token (the form's first field) the upload is refused.
    let part = "type,name\ncompany,X\n";
    let res = c.post_raw("/contacts/import", &[("file", part)]);
    res.assert_status(403);
    assert_eq!(app.count("SELECT count(*) FROM import_jobs"), 0);
}

#[test]
fn an_uploads_token_is_its_first_field_never_in_the_address() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let page = c.get("/contacts/import");
    let token = page.csrf_token().expect("form token");
    // The form sends it as its first field; the address has none.
    assert!(page.contains("action=\"/contacts/import\" enctype=\"multipart/form-data\""));
    let form = &page.body[page.body.find("multipart/form-data").unwrap()..];
    assert!(
        form.find("name=\"csrf_token\"").unwrap() < form.find("name=\"file\"").unwrap(),
        "{form}"
    );
    let file = "type,name\ncompany,Token Test\n";
    // In the address, as earlier forms sent it, it is refused: it would stay in proxies' logs.
    let res = c.post_multipart(
        &format!("/contacts/import?csrf_token={token}"),
        &[("file", file)],
    );
    res.assert_status(403);
    // After another field, or wrong, too.
    let res = c.post_multipart(
        "/contacts/import",
        &[("file", file), ("csrf_token", &token)],
    );
    res.assert_status(403);
    // A wrong one, of this site (as a page shown before signing in again): back to the
    // page, saying nothing was saved; nothing is imported either.
    let res = c.post_multipart("/contacts/import", &[("csrf_token", "0"), ("file", file)]);
    res.assert_status(303);
    assert_eq!(app.count("SELECT count(*) FROM import_jobs"), 0);
    // First, the upload goes through and the file is read whole after it.
    import(&mut c, file).assert_status(200);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Token Test'"),
        1
    );
}

fn export(c: &mut Client, query: &str) -> String {
    let res = c.get(&format!("/contacts/export.csv{query}"));
    res.assert_status(200);
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    assert!(res
        .header("content-disposition")
        .unwrap()
        .contains("attachment"));
    res.body
}

#[test]
fn export_neutralises_formulas_and_follows_the_list_query() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    import(
        &mut c,
        "type,name,phone,city,country_code\ncompany,'=HYPERLINK(\"http://evil\"),'+45 1234,\"Aarhus, C\",DK\ncompany,@SUM(A1),,Malmo,SE\n",
    );
    let all = export(&mut c, "");
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 3, "{all}");
    // UTF-8's byte-order mark first, for Excel.
    assert!(lines[0].starts_with("\u{feff}no,type,name,company_no,"));
    assert!(
        all.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{all}"
    );
    // A phone number goes out as it is: only what could run a function is guarded.
    assert!(all.contains(",+45 1234,"), "{all}");
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE phone = '+45 1234'"),
        1,
        "the old export's apostrophe was taken off on import"
    );
    assert!(all.contains("'@SUM(A1)"));
    assert!(all.contains("\"Aarhus, C\""));
    let se = export(&mut c, "?country=SE");
    assert_eq!(se.lines().count(), 2);
    assert!(se.contains("'@SUM(A1)") && !se.contains("HYPERLINK"));
    // "(none)" is a filter like any other: the contacts without a salesperson.
    assert_eq!(export(&mut c, "?salesperson=(no+code)").lines().count(), 3);
    // A filter that names nothing (mistyped in a kept link, or renamed since) is said on the
    // list, as there, not sent as a file of no contacts.
    for (query, said) in [
        ("?country=XX", "There is no country/region XX"),
        ("?salesperson=zzz", "There is no salesperson ZZZ"),
        ("?company=CT999999", "There is no contact CT999999."),
    ] {
        for file in ["export.csv", "export.xlsx"] {
            let res = c.get(&format!("/contacts/{file}{query}"));
            res.assert_status(422);
            assert!(
                res.contains("Nothing was exported"),
                "{query}: {}",
                res.body
            );
            assert!(res.contains(said), "{query}: {}", res.body);
        }
    }
    // Viewers may export too; an anonymous visitor may not.
    let mut viewer = app.signed_in("vera", "viewer");
    export(&mut viewer, "");
    app.client()
        .get("/contacts/export.csv")
        .assert_redirect("/login?next=%2Fcontacts%2Fexport.csv");
}

fn contact_rows(app: &TestApp) -> String {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct F {
        #[diesel(sql_type = diesel::sql_types::Text)]
        f: String,
    }
    let f: F = diesel::sql_query(
        "SELECT string_agg(r, E'\\n' ORDER BY r) AS f FROM (
           SELECT concat_ws('|', c.no, c.type, c.name, co.no, c.search_name, c.job_title, c.address,
             c.address_2, c.city, c.post_code, c.country_code, c.phone, c.mobile, c.email, c.website,
             c.salesperson_code, c.territory_code, c.language_code, c.correspondence_type,
             c.organizational_level_code, c.exclude_from_segment, c.privacy_blocked,
             (SELECT string_agg(code, ',' ORDER BY code) FROM contact_industry_groups WHERE contact_id = c.id),
             (SELECT string_agg(code, ',' ORDER BY code) FROM contact_business_relations WHERE contact_id = c.id),
             (SELECT string_agg(code, ',' ORDER BY code) FROM contact_mailing_groups WHERE contact_id = c.id),
             (SELECT string_agg(code, ',' ORDER BY code) FROM contact_job_responsibilities WHERE contact_id = c.id)) AS r
           FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id) x",
    )
    .get_result(&mut app.conn())
    .unwrap();
    f.f
}

#[test]
fn export_then_import_into_an_empty_database_gives_the_same_contacts() {
    let source = TestApp::start();
    setup_codes(&source);
    diesel_exec(
        &source,
        "INSERT INTO contacts (no, type, name, city, country_code, phone, email, salesperson_code, territory_code, language_code, correspondence_type, organizational_level_code, exclude_from_segment, website, address, address_2, post_code, mobile, job_title, search_name)
           SELECT 'CT' || lpad(g::text, 6, '0'), 'company', CASE WHEN g = 3 THEN '=cmd|'' /C calc''!A0' ELSE 'Company \"' || g || '\", Ltd' END,
                  'City ' || g, 'DK', '+45 ' || g, 'c' || g || '@example.com', 'JO', 'NORTH', 'DAN', 'email', 'CEO', g % 3 = 0,
                  'https://example.com/' || g, g || ' Main St', 'Floor ' || g, '80' || g, '-' || g, '', 'SEARCH ' || g
           FROM generate_series(1, 30) g;
         INSERT INTO contacts (no, type, name, company_id, job_title, privacy_blocked, correspondence_type, search_name)
           SELECT 'CT' || lpad((100 + id)::text, 6, '0'), 'person', 'Person \"' || id || '\"; with, separators', id, '@boss', id % 4 = 0, 'hard_copy', '+' || id
           FROM contacts WHERE type = 'company';
         INSERT INTO contact_industry_groups SELECT id, 'RETAIL' FROM contacts WHERE type = 'company';
         INSERT INTO contact_industry_groups SELECT id, 'BANKING' FROM contacts WHERE type = 'company' AND id % 2 = 0;
         INSERT INTO contact_business_relations SELECT id, 'CUST' FROM contacts WHERE type = 'company' AND id % 5 = 0;
         INSERT INTO contact_mailing_groups SELECT id, 'XMAS' FROM contacts WHERE id % 3 = 0;
         INSERT INTO contact_job_responsibilities SELECT id, 'PURCH' FROM contacts WHERE type = 'person';",
    );
    let mut c = source.signed_in("stan", "staff");
    let csv = export(&mut c, "");
    assert!(csv.lines().count() > 60);

    let target = TestApp::start();
    setup_codes(&target);
    let mut t = target.signed_in("stan", "staff");
    let page = import(&mut t, &csv);
    assert!(page.contains("60 contacts imported."), "{}", page.body);
    assert_eq!(contact_rows(&source), contact_rows(&target));
}

/// A contact with sales opportunities (as the contact, or as the company of one) is not
/// deleted, and the confirmation page says so instead of offering Delete; before, the delete
/// failed in the database and read "changed at the same moment" however often it was tried.
#[test]
fn a_contact_with_opportunities_cannot_be_deleted_and_the_page_says_why() {
    let app = TestApp::start();
    crate::segments::world(&app);
    crate::opportunities::cycle(&app, "multiply");
    let mut c = app.signed_in("stan", "staff");
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, company_id, sales_cycle_code, status)
           SELECT 'OP00000' || g, p.id, p.company_key, 'NEW', 'not_started'
           FROM contacts p, generate_series(1, 7) g WHERE p.no = 'DORA';",
    );
    let company = crate::segments::text(
        &app,
        "SELECT co.no FROM contacts p JOIN contacts co ON co.id = p.company_id WHERE p.no = 'DORA'",
    );
    let confirm = c.get("/contacts/DORA/delete");
    confirm.assert_status(200);
    assert!(
        confirm.contains(
            "has 7 sales opportunities (OP000001, OP000002, OP000003, OP000004, OP000005 and 2 \
             more); they are kept, so it cannot be deleted."
        ),
        "{}",
        confirm.body
    );
    assert!(!confirm.contains("action=\"/contacts/DORA/delete\""));
    let res = c.submit("/contacts/DORA", "/contacts/DORA/delete", &[]);
    res.assert_redirect("/contacts/DORA/delete");
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE no = 'DORA'"),
        1
    );
    // Its company, once its persons are gone, is held by the opportunities it is company of.
    crate::auth::diesel_exec(
        &app,
        &format!(
            "UPDATE opportunities SET contact_id = company_id;
             UPDATE contacts SET company_id = NULL WHERE company_id = (SELECT id FROM contacts WHERE no = '{company}');"
        ),
    );
    let confirm = c.get(&format!("/contacts/{company}/delete"));
    assert!(
        confirm.contains("has 7 sales opportunities"),
        "{}",
        confirm.body
    );
}

#[test]
fn a_contact_on_a_draft_segment_cannot_be_deleted_nor_move_company() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let acme = create(
        &mut c,
        &[("type", "company".into()), ("name", "Acme".into())],
    );
    let other = create(
        &mut c,
        &[("type", "company".into()), ("name", "Other".into())],
    );
    let ada = create(
        &mut c,
        &[
            ("type", "person".into()),
            ("name", "Ada".into()),
            ("company_no", acme.clone()),
        ],
    );
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO segments (no, description) VALUES ('SM00001', 'Spring mailing');
             INSERT INTO segment_lines (segment_id, contact_id, added_by_step)
               SELECT s.id, c.id, 1 FROM segments s, contacts c WHERE c.no = '{ada}';"
        ),
    );
    let card = c.get(&format!("/contacts/{ada}"));
    assert!(card.contains("SM00001") && card.contains("Spring mailing"));
    assert!(c
        .get(&format!("/contacts/{ada}/delete"))
        .contains("is on draft segment SM00001. Remove it from it first."));
    c.submit(
        &format!("/contacts/{ada}"),
        &format!("/contacts/{ada}/delete"),
        &[],
    )
    .assert_redirect(&format!("/contacts/{ada}/delete"));
    assert!(c
        .get(&format!("/contacts/{ada}/delete"))
        .contains("is on draft segment SM00001"));
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM contacts WHERE no = '{ada}'")),
        1
    );
    let edit = c.get(&format!("/contacts/{ada}/edit"));
    let version = hidden_value(&edit.body, "version").unwrap();
    let res = c.post_with_token(
        &format!("/contacts/{ada}"),
        &edit.csrf_token().unwrap(),
        &[
            ("type", "person"),
            ("name", "Ada"),
            ("company_no", &other),
            ("version", &version),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("cannot move to another company"));
    assert_eq!(app.count(&format!("SELECT count(*) FROM contacts p JOIN contacts co ON co.id = p.company_id WHERE p.no = '{ada}' AND co.no = '{acme}'")), 1);
    // Once the segment is logged, the guard no longer applies.
    diesel_exec(&app, "UPDATE segments SET status = 'logged'");
    c.submit(
        &format!("/contacts/{ada}"),
        &format!("/contacts/{ada}/delete"),
        &[],
    )
    .assert_redirect("/contacts");
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM contacts WHERE no = '{ada}'")),
        0
    );
}

#[test]
fn a_very_long_list_is_counted_to_the_end() {
    let app = TestApp::start();
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name) SELECT 'C' || g, 'company', 'Company ' || g FROM generate_series(1, 10050) g",
    );
    let mut c = app.signed_in("vera", "viewer");
    let page = c.get("/contacts");
    assert!(page.contains("1–50 of 10,050 contacts"), "{}", page.body);
    assert!(page.contains(">Last<"));
    assert!(c
        .get("/contacts?last=1")
        .contains("10,001–10,050 of 10,050 contacts"));
    assert!(c
        .get("/contacts?q=company+1005")
        .contains("1–2 of 2 contacts"));
}

#[test]
fn the_card_leads_to_a_confirmation_page_that_lists_what_goes_with_the_contact() {
    let app = TestApp::start();
    setup_codes(&app);
    diesel_exec(
        &app,
        "INSERT INTO profile_questionnaires (code, description) VALUES ('SIZE', 'Size');
         INSERT INTO profile_questions (id, questionnaire_code, position, description) VALUES (1, 'SIZE', 1, 'Company size');
         INSERT INTO profile_answers (id, question_id, position, description) VALUES (10, 1, 1, 'Small');",
    );
    let mut c = app.signed_in("stan", "staff");
    let acme = create(&mut c, &company("Acme"));
    let card = format!("/contacts/{acme}");
    for (kind, code) in [("industry_group", "RETAIL"), ("mailing_group", "XMAS")] {
        c.submit(
            &card,
            &format!("{card}/classifications"),
            &[("kind", kind), ("code", code), ("action", "add")],
        );
    }
    c.submit(&card, &format!("{card}/profile"), &[("q_1", "10")]);
    // A line on a logged segment, and a line a step removed from a draft segment.
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO segments (no, description, status) VALUES ('SM00001', 'Spring mailing', 'logged'), ('SM00002', 'Autumn', 'draft');
             INSERT INTO segment_lines (segment_id, contact_id, added_by_step, removed_by_step)
               SELECT s.id, c.id, 1, CASE WHEN s.no = 'SM00002' THEN 2 END FROM segments s, contacts c WHERE c.no = '{acme}';"
        ),
    );
    // The card's button is a link to the confirmation page, not a form that deletes.
    let page = c.get(&card);
    assert!(page.contains(&format!("href=\"{card}/delete\"")));
    assert!(!page.contains(&format!("action=\"{card}/delete\"")));

    let confirm = c.get(&format!("{card}/delete"));
    confirm.assert_status(200);
    for text in [
        "Industry groups: RETAIL",
        "Mailing groups: XMAS",
        "Profile answers: Company size: Small",
        "SM00001</a> Spring mailing (Logged): 1 line",
        "SM00002</a> Autumn (Draft): 1 line (1 removed by a step) — going back on that segment will not bring this contact back",
    ] {
        assert!(confirm.contains(text), "missing {text}:\n{}", confirm.body);
    }
    assert!(!confirm.contains("cannot be deleted"));
    // Viewers do not get the page; a GET deletes nothing.
    app.signed_in("vera", "viewer")
        .get(&format!("{card}/delete"))
        .assert_status(403);
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 1);

    c.submit(&format!("{card}/delete"), &format!("{card}/delete"), &[])
        .assert_redirect("/contacts");
    for table in [
        "contacts",
        "contact_industry_groups",
        "contact_mailing_groups",
        "contact_profile_answers",
        "segment_lines",
    ] {
        assert_eq!(
            app.count(&format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'contact deleted'"),
        1
    );
    c.get(&format!("{card}/delete")).assert_status(404);
}

/// A company's persons go with it, and their segment lines with them: the confirmation page
/// counts a person's line a step removed from a draft (Go Back can no longer bring the person
/// back), which it left unsaid.
#[test]
fn deleting_a_company_says_its_persons_removed_lines_go_too() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let acme = create(&mut c, &company("Acme"));
    let ada = create(
        &mut c,
        &[
            ("type", "person".into()),
            ("name", "Ada".into()),
            ("company_no", acme.clone()),
        ],
    );
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO segments (no, description, status) VALUES ('SM00002', 'Autumn', 'draft');
             INSERT INTO segment_lines (segment_id, contact_id, added_by_step, removed_by_step)
               SELECT s.id, c.id, 1, 2 FROM segments s, contacts c WHERE c.no = '{ada}';"
        ),
    );
    let confirm = c.get(&format!("/contacts/{acme}/delete"));
    confirm.assert_status(200);
    let said = "SM00002</a> Autumn (Draft): 1 line (1 of its persons&#39;; 1 removed by a step) \
                — going back on that segment will not bring them back";
    assert!(confirm.contains(said), "{}", confirm.body);
}

#[test]
fn an_import_refuses_a_nul_byte_and_numbers_around_taken_numbers() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let page = import(
        &mut c,
        "type,name,city\ncompany,Good,Aarhus\ncompany,Bad,Ode\0nse\n",
    );
    assert!(
        page.contains("line 3: city contains a NUL byte (column 3)"),
        "{}",
        page.body
    );
    assert!(page.contains("Nothing was imported."));
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
    // In a No. too: the line says so (the whole import failed, naming nothing).
    let page = import(
        &mut c,
        "no,type,name,company_no\nN\0UL,company,Nul Co,\n,person,Ed,N\0UL\n",
    );
    assert!(
        page.contains("line 2: no contains a NUL byte (column 1)")
            && page.contains("line 3: company_no contains a NUL byte (column 4)"),
        "{}",
        page.body
    );
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
    // A header cell with an invisible character at an end (pasted from a web page) names its
    // column: it said "unknown columns: name" and "the column "name" is missing".
    let page = import(
        &mut c,
        "no,type,\u{200B}name,city\u{AD}\nZW-1,company,Zero Width Co,Aarhus\n",
    );
    assert!(page.contains("1 contact imported."), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Zero Width Co' AND city = 'Aarhus'"),
        1
    );
    diesel_exec(&app, "DELETE FROM contacts");

    // Many problems: all counted, the first 500 by line shown, row checks and the checks over
    // the whole file (a number used twice) in line order.
    let mut bad = String::from("no,type,name\nDUP,company,First\nDUP,company,Early\n");
    for i in 0..600 {
        bad.push_str(&format!(",robot{i},Name\n"));
    }
    bad.push_str("DUP,company,Late\n");
    let page = import(&mut c, &bad);
    assert!(page.contains("602 problems found."), "{}", page.body);
    assert!(page.contains("Only the first 500 problems are shown."));
    let early = page
        .body
        .find("<li>line 3: no DUP is already used on line 2</li>")
        .expect("the early duplicate");
    let robot = page
        .body
        .find("<li>line 4: type must be company or person")
        .expect("the first bad type");
    assert!(early < robot, "by line");
    assert!(page.contains("<li>line 502: type must be"));
    assert!(!page.contains("<li>line 503:"));
    assert!(!page.contains("line 604: no DUP"));

    // Numbers the series would give that contacts already have are skipped.
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name) VALUES ('CT000002', 'company', 'Already here')",
    );
    let page = import(
        &mut c,
        "type,name\ncompany,One\ncompany,Three\ncompany,Four\n",
    );
    assert!(page.contains("3 contacts imported."), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE (no, name) IN (('CT000001', 'One'), ('CT000003', 'Three'), ('CT000004', 'Four'))"),
        3
    );
    assert_eq!(
        app.count("SELECT next_number FROM number_series WHERE code = 'CONTACT'"),
        5
    );
    // Runs of taken numbers are skipped, in order.
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name) VALUES ('CT000006', 'company', 'Six'), ('CT000007', 'company', 'Seven'), ('CT000010', 'company', 'Ten')",
    );
    let page = import(
        &mut c,
        "type,name\ncompany,A\ncompany,B\ncompany,C\ncompany,D\n",
    );
    assert!(page.contains("4 contacts imported."), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE (no, name) IN (('CT000005', 'A'), ('CT000008', 'B'), ('CT000009', 'C'), ('CT000011', 'D'))"),
        4
    );
    // A number of the series in the file leaves the series where it is, as one typed on a
    // card does; the next numbers pass over it when they come to it. It moved the series past
    // the file's highest number: one mistyped (CT1200000, CT999999) passed over all between.
    let page = import(
        &mut c,
        "no,type,name\n,company,E\nCT000014,company,Fourteen\nCT999999,company,Typo\n,company,F\n",
    );
    assert!(page.contains("4 contacts imported."), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE (no, name) IN (('CT000012', 'E'), ('CT000014', 'Fourteen'), ('CT999999', 'Typo'), ('CT000013', 'F'))"),
        4
    );
    assert_eq!(
        app.count("SELECT next_number FROM number_series WHERE code = 'CONTACT'"),
        14
    );
    // The next contact passes over CT000014.
    let next = create(&mut c, &company("After the file"));
    assert_eq!(next, "CT000015");
}

/// Uploads a file and returns its job's page address (without waiting for it).
fn upload_only(c: &mut Client, csv: &str) -> String {
    let res = c.upload(
        "/contacts/import",
        "/contacts/import",
        "contacts.csv",
        csv.as_bytes(),
    );
    assert_eq!(res.status, 303, "upload failed:\n{}", res.body);
    res.location().unwrap()
}

#[test]
fn imports_run_one_at_a_time_and_a_third_is_told_to_come_back() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start_with(|c| c.db_long_pool_size = 6);
    let mut c = app.signed_in("stan", "staff");
    // Holding the Contacts number series keeps the first import in its transaction.
    let mut holder = app.conn();
    holder
        .batch_execute("BEGIN; SELECT * FROM number_series WHERE code = 'CONTACT' FOR UPDATE;")
        .unwrap();
    let first = upload_only(&mut c, "type,name\ncompany,First A\ncompany,First B\n");
    c.wait_for(&first, |r| r.contains("Checking the rows"));
    let second = upload_only(&mut c, "type,name\ncompany,Second\n");
    let waiting = c.get(&second);
    assert!(
        waiting.contains("Waiting for another import to finish"),
        "{}",
        waiting.body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM import_jobs WHERE status = 'waiting'"),
        1
    );
    let third = c.upload(
        "/contacts/import",
        "/contacts/import",
        "third.csv",
        b"type,name\ncompany,Third\n",
    );
    third.assert_status(503);
    assert!(third.contains("Another import is running and one more is waiting for it."));
    assert_eq!(third.header("retry-after").as_deref(), Some("60"));
    assert_eq!(app.count("SELECT count(*) FROM import_jobs"), 2);

    holder.batch_execute("COMMIT").unwrap();
    assert!(c
        .wait_for(&first, |r| !r.contains("data-status-url"))
        .contains("2 contacts imported."));
    assert!(c
        .wait_for(&second, |r| !r.contains("data-status-url"))
        .contains("1 contact imported."));
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 3);
    // Both places are free again.
    let page = import(&mut c, "type,name\ncompany,Fourth\n");
    assert!(page.contains("1 contact imported."));
}

#[test]
fn an_import_left_running_by_a_stopped_server_is_marked_failed() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    // Job 1 was importing when its server was killed; job 2 runs on another instance, which
    // holds its lock.
    diesel_exec(
        &app,
        "INSERT INTO import_jobs (id, user_id, file_name, status, total_rows, processed_rows)
           SELECT 1, id, 'killed.csv', 'importing', 1000, 1000 FROM users;
         INSERT INTO import_jobs (id, user_id, file_name, status, total_rows)
           SELECT 2, id, 'elsewhere.csv', 'validating', 1000 FROM users;
         SELECT setval('import_jobs_id_seq', 2);",
    );
    let mut other_instance = app.conn();
    other_instance
        .batch_execute("SELECT pg_advisory_lock(1229803604, 2)")
        .unwrap();
    // A server starting on the database finds job 1 left running.
    let restarted = Instance::start(test_config(&app.db.url));
    assert_eq!(
        app.count("SELECT count(*) FROM import_jobs WHERE id = 1 AND status = 'failed' AND finished_at IS NOT NULL"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM import_jobs WHERE id = 2 AND status = 'validating'"),
        1,
        "a job another instance runs is left alone"
    );
    let page = c.get("/contacts/import/1");
    page.assert_status(200);
    assert!(page.contains(
        "The import was interrupted: the server stopped while it ran. Nothing was imported."
    ));
    assert!(!page.contains("data-status-url"));
    assert!(c.get("/contacts/import/2").contains("Checking the rows"));
    // When that instance stops too, the job's own page finds out. (Unlocked explicitly: a
    // closed connection's locks are released by its server process a moment later.)
    other_instance
        .batch_execute("SELECT pg_advisory_unlock(1229803604, 2)")
        .unwrap();
    drop(other_instance);
    let status = c.get("/contacts/import/2/status");
    assert!(
        status.contains("\"running\":false") && status.contains("interrupted"),
        "{}",
        status.body
    );
    drop(restarted);
}

/// 40,000 wide contacts (a CSV download of them outgrows every buffer on its way), then their
/// download started by `c` and not read: a browser that reads slowly, or not at all.
fn unread_download(app: &TestApp, c: &Client) -> reqwest::blocking::Response {
    diesel_exec(
        app,
        "INSERT INTO contacts (no, type, name, address, address_2, job_title, website)
           SELECT 'C' || g, 'company', 'Company ' || g, repeat('a', 100), repeat('b', 100),
                  repeat('c', 100), repeat('w', 250)
           FROM generate_series(1, 40000) g",
    );
    let download = reqwest::blocking::Client::new()
        .get(format!("{}/contacts/export.csv", app.base()))
        .header("cookie", c.cookie_header())
        .send()
        .unwrap();
    assert_eq!(download.status().as_u16(), 200);
    download
}

#[test]
fn downloads_are_capped_so_that_pages_still_get_a_connection() {
    // Two connections for long work: one download may hold one, a segment step gets the
    // other; pages have their own.
    let app = TestApp::start_with(|c| {
        c.db_pool_size = 1;
        c.db_long_pool_size = 2;
    });
    let mut c = app.signed_in("stan", "staff");
    // A download the browser reads slowly (here: not at all) keeps streaming.
    let slow = unread_download(&app, &c);
    let busy = c.get("/contacts/export.csv");
    busy.assert_status(503);
    assert_eq!(busy.header("retry-after").as_deref(), Some("5"));
    assert!(busy.contains("Too many downloads at once"));
    assert!(busy.contains("try again in a few seconds"));
    // Pages still get a connection.
    c.get("/contacts").assert_status(200);
    // Once that download ends, the next one runs.
    drop(slow);
    let again = c.wait_for("/contacts/export.csv", |r| r.status == 200);
    again.assert_status(200);
    assert_eq!(again.body.lines().count(), 40001);
}

/// A download read to its end has given back its place: the next one, asked as soon as the
/// file is whole, runs (it was refused now and then, when it came before the first one's
/// thread had let go of its place).
#[test]
fn downloads_one_after_the_other_are_never_refused() {
    let app = TestApp::start_with(|c| c.db_long_pool_size = 2);
    let mut c = app.signed_in("stan", "staff");
    for i in 0..60 {
        let path = if i % 2 == 0 {
            "/contacts/export.csv"
        } else {
            "/contacts/export.xlsx"
        };
        let res = c.get(path);
        assert_eq!(res.status, 200, "download {i}: {}", res.body);
    }
}

/// A download the browser stops taking (paused, or its machine asleep) ends after a while,
/// and gives its place back: the next download runs though the paused one was never closed.
#[test]
fn a_paused_download_ends_and_gives_its_place_back() {
    let app = TestApp::start_with(|c| {
        c.db_pool_size = 1;
        c.db_long_pool_size = 2;
        c.download_stall = std::time::Duration::from_secs(1);
    });
    let mut c = app.signed_in("stan", "staff");
    let paused = unread_download(&app, &c);
    let next = c.wait_for("/contacts/export.csv", |r| r.status == 200);
    next.assert_status(200);
    assert_eq!(next.body.lines().count(), 40001);
    // The paused download was ended as broken, not as a shorter file that looks whole.
    let mut paused = paused;
    let mut body = Vec::new();
    let read = std::io::Read::read_to_end(&mut paused, &mut body);
    let rows = body.iter().filter(|&&b| b == b'\n').count();
    assert!(read.is_err(), "ended as a whole file of {rows} lines");
    assert!(rows < 40001, "{rows} lines");
}

/// An import holds connections of the long work's pool while it runs: a download that gets
/// none in time is refused with a reason, not answered 200 and ended as a broken file.
#[test]
fn a_download_without_a_connection_for_long_work_is_refused_before_it_starts() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start_with(|c| {
        c.db_pool_size = 2;
        c.db_long_pool_size = 2;
        c.download_wait = std::time::Duration::from_secs(2);
    });
    let mut c = app.signed_in("stan", "staff");
    // The import stops inside its transaction, holding both connections, until the series
    // is free.
    let mut holder = app.conn();
    holder
        .batch_execute("BEGIN; SELECT * FROM number_series WHERE code = 'CONTACT' FOR UPDATE;")
        .unwrap();
    let job = upload_only(&mut c, "type,name\ncompany,One\n");
    c.wait_for(&job, |r| r.contains("Checking the rows"));
    let busy = c.get("/contacts/export.csv");
    busy.assert_status(503);
    assert_eq!(busy.header("retry-after").as_deref(), Some("5"));
    assert!(
        busy.contains("The server is busy with long work"),
        "{}",
        busy.body
    );
    assert!(busy.contains("try again in a few seconds"));
    // Pages still get a connection; once the import is done, the download runs.
    c.get("/contacts").assert_status(200);
    holder.batch_execute("COMMIT").unwrap();
    c.wait_for(&job, |r| r.contains("1 contact imported."));
    let again = c.get("/contacts/export.csv");
    again.assert_status(200);
    assert_eq!(again.body.lines().count(), 2, "{}", again.body);
}

#[test]
fn an_import_killed_with_its_server_writes_nothing_and_the_next_start_says_so() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    app.user("stan", "staff");
    let mut server = Served::start(&app.db.url, &[]);
    let mut c = server.client();
    c.sign_in("stan", PASSWORD);
    // The import stops inside its transaction, its rows staged, until the series is free.
    let mut holder = app.conn();
    holder
        .batch_execute("BEGIN; SELECT * FROM number_series WHERE code = 'CONTACT' FOR UPDATE;")
        .unwrap();
    let job = upload_only(&mut c, "type,name\ncompany,One\ncompany,Two\n");
    c.wait_for(&job, |r| r.contains("Checking the rows"));
    // SIGKILL: no shutdown code of the server runs.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    holder.batch_execute("COMMIT").unwrap();

    assert_eq!(
        app.count("SELECT count(*) FROM contacts"),
        0,
        "nothing partial"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM import_jobs WHERE status = 'validating'"),
        1
    );
    let restarted = Instance::start(test_config(&app.db.url));
    assert_eq!(
        app.count("SELECT count(*) FROM import_jobs WHERE status = 'failed'"),
        1
    );
    let mut c = restarted.client();
    c.sign_in("stan", PASSWORD);
    let page = c.get(&job);
    page.assert_status(200);
    assert!(page.contains("The import was interrupted"), "{}", page.body);
    assert_eq!(
        app.count("SELECT next_number FROM number_series WHERE code = 'CONTACT'"),
        1
    );
}

#[test]
fn a_company_card_shows_its_first_hundred_persons_and_counts_them_all() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    let mut c = app.signed_in("maria", "staff");
    let mut db = app.conn();
    db.batch_execute(
        "INSERT INTO contacts (no, type, name) VALUES ('BIG', 'company', 'Big Ltd'), ('NONE', 'company', 'None Ltd');
         INSERT INTO contacts (no, type, name, company_id)
             SELECT 'P' || lpad(g::text, 3, '0'), 'person', 'Person ' || lpad(g::text, 3, '0'), co.id
             FROM contacts co, generate_series(1, 100) g WHERE co.no = 'BIG';",
    )
    .unwrap();
    let persons = |card: &Resp| card.body.matches("href=\"/contacts/P").count();
    let all_link = "All persons of this company";
    let card = c.get("/contacts/BIG");
    assert!(card.contains("Persons (100)"), "exactly as many as shown");
    assert_eq!(persons(&card), 100);
    assert!(!card.contains(all_link));
    db.batch_execute(
        "INSERT INTO contacts (no, type, name, company_id)
             SELECT 'P101', 'person', 'Person 101', id FROM contacts WHERE no = 'BIG'",
    )
    .unwrap();
    let card = c.get("/contacts/BIG");
    assert!(card.contains("Persons (101)"), "one more than shown");
    assert_eq!(persons(&card), 100);
    assert!(
        !card.contains("href=\"/contacts/P101\""),
        "the first 100 by name"
    );
    assert!(card.contains(all_link));
    // The link lists them all, the persons alone as it says (it searched for the company's
    // No., which only the company holds, and listed the company alone; then the company with
    // them).
    assert!(card.contains("href=\"/contacts?company=BIG&amp;type=person\""));
    let list = c.get("/contacts?company=BIG&type=person&size=500");
    list.assert_status(200);
    assert!(list.contains("href=\"/contacts/P101\""), "{}", list.body);
    assert_eq!(list.body.matches("href=\"/contacts/P").count(), 101);
    assert!(!list.contains("href=\"/contacts/BIG\""));
    assert!(
        list.contains("value=\"BIG\""),
        "the filter shows the company"
    );
    assert!(c.get("/contacts/NONE").contains("Persons (0)"));
}

/// A name written with its accents apart ("A" and a combining ring for "Å", as a Mac may write
/// it in a file, or a keyboard send it) is stored as the letters it shows, from the form and
/// from an imported file, and a search finds it whichever way either was written. It used to
/// be stored as it came, and a search typed with "å" did not find it.
#[test]
fn text_with_its_accents_apart_is_stored_and_found_as_its_letters() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let mut values = company("A\u{30a}rhus Ba\u{308}ckeri");
    values.retain(|(k, _)| *k != "city");
    values.push(("city", "Malmo\u{308}".into()));
    let no = create(&mut c, &values);
    let csv = "type,name,city,country_code\ncompany,Mo\u{308}ller A\u{30a}s,A\u{30a}lborg,DK\n";
    let page = import(&mut c, csv);
    assert!(page.contains("1 contact imported"), "{}", page.body);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM contacts WHERE no = '{no}' AND name = 'Århus Bäckeri' \
             AND city = 'Malmö'"
        )),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Möller Ås' AND city = 'Ålborg'"),
        1
    );
    for q in [
        "%C3%A5rhus+b%C3%A4ck",
        "a%CC%8Arhus+ba%CC%88ck",
        "malmo%CC%88",
        "%C3%85lborg",
        "mo%CC%88ller",
    ] {
        let page = c.get(&format!("/contacts?q={q}"));
        page.assert_status(200);
        assert!(!page.contains("No contact matches"), "{q}");
    }
}

/// Contacts stored before text was composed where it comes in are composed by the migration
/// that brought it, and their segment lines follow.
#[test]
fn contacts_stored_with_accents_apart_are_composed_by_the_migration() {
    let app = TestApp::start();
    crate::segments::world(&app);
    diesel_exec(
        &app,
        "UPDATE contacts SET name = 'A' || chr(778) || 'se Alpha', city = 'Ko' || chr(776) || 'ln' \
         WHERE no = 'ANNA'",
    );
    let mut c = crate::segments::staff(&app, "stan");
    let no = crate::segments::new_segment(&mut c, "Anna");
    crate::segments::step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    diesel_exec(
        &app,
        include_str!("../../migrations/2026-12-14-00003_contacts_text_composed/up.sql"),
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contacts c JOIN segment_lines l ON l.contact_id = c.id \
             WHERE c.no = 'ANNA' AND c.name = 'Åse Alpha' AND c.city = 'Köln' \
             AND l.contact_name = 'Åse Alpha'"
        ),
        1
    );
    assert!(!c.get("/contacts?q=%C3%A5se").contains("No contact matches"));
}

/// The list's search finds a phone however its spaces are typed, and a Search Name the user
/// set apart from the name. "86123456" did not find "+45 86 12 34 56", "86 12 34 56" did not
/// find "86123456", and "ACME" found nothing of "Acme Holdings" searched "ACME".
#[test]
fn a_phone_is_found_without_its_spaces_and_a_search_name_is_searched() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let mut spaced = company("Spaced Phone Ltd");
    spaced.retain(|(k, _)| *k != "phone");
    spaced.push(("phone", "+45 86 12 34 56".into()));
    let spaced = create(&mut c, &spaced);
    let mut plain = company("Plain Mobile Ltd");
    plain.retain(|(k, _)| *k != "mobile");
    plain.push(("mobile", "40123987".into()));
    let plain = create(&mut c, &plain);
    let mut named = company("Holdings International");
    named.push(("search_name", "ZEBRA".into()));
    let named = create(&mut c, &named);
    // Pasted from a signature or a web page: no-break spaces, en dashes.
    let mut pasted = company("Pasted Phone Ltd");
    pasted.retain(|(k, _)| *k != "phone");
    pasted.push(("phone", "+45\u{a0}86\u{a0}77\u{a0}66\u{a0}55".into()));
    let pasted = create(&mut c, &pasted);
    let mut dashed = company("Dashed Phone Ltd");
    dashed.retain(|(k, _)| *k != "phone");
    dashed.push(("phone", "+45 86–78–66–55".into()));
    let dashed = create(&mut c, &dashed);
    for (q, no) in [
        ("86+77+66+55", &pasted),
        ("86+78+66+55", &dashed),
        ("86%C2%A012%C2%A034%C2%A056", &spaced),
        ("86%E2%80%9312%E2%80%9334+56", &spaced),
        ("%E2%80%8Bzebra%E2%80%8B", &named),
        ("86123456", &spaced),
        ("%2B4586123456", &spaced),
        ("45+86123456", &spaced),
        ("40+12+39+87", &plain),
        ("%2840%29+123", &plain),
        ("zebra", &named),
    ] {
        let page = c.get(&format!("/contacts?q={q}"));
        page.assert_status(200);
        assert!(page.contains(no.as_str()), "{q} finds {no}: {}", page.body);
    }
    let page = c.get("/contacts?q=86123457");
    assert!(page.contains("No contact matches"), "{}", page.body);
    // A phone's digits are looked for in phones, not in the No. (nor the name or e-mail),
    // which the search text holds too: "0000 03" found CT000003 by its No.
    let digits: String = named.chars().filter(char::is_ascii_digit).collect();
    let (head, tail) = digits.split_at(4);
    let page = c.get(&format!("/contacts?q={head}+{tail}"));
    page.assert_status(200);
    assert!(page.contains("No contact matches"), "{}", page.body);
    // Typed without spaces it is no phone number: the No. is found.
    let page = c.get(&format!("/contacts?q={digits}"));
    assert!(page.contains(named.as_str()), "{}", page.body);
    // The same on a segment's lines, and among the contacts a Why? search offers.
    let seg = crate::segments::new_segment(&mut c, "Phones");
    crate::segments::step(&mut c, &seg, "add", &[("contact_no", "*")]);
    assert_eq!(crate::segments::members(&app, &seg).len(), 5);
    let lines = c.get(&format!("/segments/{seg}?q={head}+{tail}"));
    lines.assert_status(200);
    assert!(!lines.contains(&format!(">{named}<")), "{}", lines.body);
    let lines = c.get(&format!("/segments/{seg}?q=86+12+34+56"));
    assert!(lines.contains(&format!(">{spaced}<")), "{}", lines.body);
    let lines = c.get(&format!("/segments/{seg}?q=86+77+66+55"));
    assert!(lines.contains(&format!(">{pasted}<")), "{}", lines.body);
    let why = c.get(&format!("/segments/{seg}/why?contact={head}+{tail}"));
    why.assert_status(200);
    assert!(
        !why.contains(&format!("why?contact={named}")),
        "{}",
        why.body
    );
    assert!(why.contains("contains “"), "{}", why.body);
}

/// Search Name and Post Code are code fields, as in Business Central: stored in upper case
/// from the form, an import and the migration, so that a filter typed in lower case finds
/// them (it was `search_name LIKE 'acme%'` against "ACME LTD": nothing, silently).
#[test]
fn search_name_and_post_code_are_upper_case_and_found_however_typed() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let mut acme = company("Acme Ltd");
    acme.push(("search_name", "acme london".into()));
    acme.retain(|(k, _)| *k != "post_code");
    acme.push(("post_code", "sw1a 1aa".into()));
    let no = create(&mut c, &acme);
    import(
        &mut c,
        "type,name,search_name,post_code,city\ncompany,Straße Co,strasse co,ec1a 1bb,London\n",
    );
    assert_eq!(
        crate::segments::text(
            &app,
            "SELECT string_agg(search_name || '/' || post_code, ',' ORDER BY name) FROM contacts"
        ),
        "ACME LONDON/SW1A 1AA,STRASSE CO/EC1A 1BB"
    );
    let seg = crate::segments::new_segment(&mut c, "London");
    crate::segments::step(&mut c, &seg, "add", &[("search_name", "acme*")]);
    crate::segments::assert_members(&app, &seg, &[no.as_str()]);
    crate::segments::step(&mut c, &seg, "add", &[("post_code", "ec1a*|sw1a*")]);
    assert_eq!(crate::segments::members(&app, &seg).len(), 2);

    // Stored before in the case typed: the migration upper-cases them.
    diesel_exec(
        &app,
        "UPDATE contacts SET search_name = 'øster co', post_code = 'n1 9gu' WHERE name = 'Acme Ltd'",
    );
    diesel_exec(
        &app,
        include_str!("../../migrations/2026-12-15-00002_contact_code_fields_upper/up.sql"),
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contacts WHERE search_name = 'ØSTER CO' AND post_code = 'N1 9GU'"
        ),
        1
    );

    // Renamed with its Search Name left as the form showed it: a Search Name that followed
    // the name follows the new one; one of the user's own stays.
    let edit_and_save = |c: &mut Client, no: &str, name: &str| {
        let form = c.get(&format!("/contacts/{no}/edit"));
        let mut values = company(name);
        values.push(("search_name", hidden_or_value(&form.body, "search_name")));
        values.push(("version", hidden_value(&form.body, "version").unwrap()));
        c.post_with_token(
            &format!("/contacts/{no}"),
            &form.csrf_token().unwrap(),
            &fields(&values),
        )
    };
    let plain = create(&mut c, &company("Rename Me"));
    edit_and_save(&mut c, &plain, "Renamed Co").assert_redirect(&format!("/contacts/{plain}"));
    let search_name = |app: &TestApp, no: &str| {
        crate::segments::text(
            app,
            &format!("SELECT search_name FROM contacts WHERE no = '{no}'"),
        )
    };
    assert_eq!(search_name(&app, &plain), "RENAMED CO");
    edit_and_save(&mut c, &no, "Acme Holdings").assert_redirect(&format!("/contacts/{no}"));
    assert_eq!(search_name(&app, &no), "ØSTER CO");
    // A name longer in capitals than a Search Name holds ("ß" is "SS"): its Search Name, cut
    // short, follows a rename too (it was compared with the whole name, and stayed).
    let long = create(&mut c, &company(&"ß".repeat(60)));
    assert_eq!(search_name(&app, &long), "S".repeat(100));
    edit_and_save(&mut c, &long, "Gade").assert_redirect(&format!("/contacts/{long}"));
    assert_eq!(search_name(&app, &long), "GADE");

    // A colleague's change of the Search Name alone is shown on the conflict page.
    let stale = c.get(&format!("/contacts/{plain}/edit"));
    diesel_exec(
        &app,
        &format!("UPDATE contacts SET search_name = 'THEIRS', version = version + 1 WHERE no = '{plain}'"),
    );
    let mut values = company("Renamed Co");
    values.push(("search_name", "RENAMED CO".into()));
    values.push(("version", hidden_value(&stale.body, "version").unwrap()));
    let res = c.post_with_token(
        &format!("/contacts/{plain}"),
        &stale.csrf_token().unwrap(),
        &fields(&values),
    );
    res.assert_status(409);
    assert!(
        res.contains("<tr><td>Search Name</td><td>THEIRS</td><td>RENAMED CO</td></tr>"),
        "{}",
        res.body
    );
}

/// A save refused over a colleague's keeps their change in the fields the user left alone:
/// the conflict page names what the colleague changed, lists what the user changed, and saving
/// again from it does not undo the colleague's phone (it used to list the stale phone as "your
/// form" and put it back; then it called the user's own fields "saved meanwhile").
#[test]
fn saving_again_after_a_conflict_keeps_a_colleagues_change_in_fields_left_alone() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let mut other = app.signed_in("bert", "staff");
    let no = create(&mut c, &company("Acme"));
    let edit = format!("/contacts/{no}/edit");
    let unescape = |v: String| {
        v.replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&#38;", "&")
    };
    // What a browser posts from an edit page: the contact's values, with `changes`.
    let post = |c: &mut Client, page: &Resp, changes: &[(&'static str, &str)]| {
        let mut values = company("Acme");
        values.push(("version", hidden_value(&page.body, "version").unwrap()));
        values.push(("was", unescape(hidden_value(&page.body, "was").unwrap())));
        for (k, v) in changes {
            values.retain(|(key, _)| key != k);
            values.push((k, v.to_string()));
        }
        c.post_with_token(
            &format!("/contacts/{no}"),
            &page.csrf_token().unwrap(),
            &fields(&values),
        )
    };
    let stale = c.get(&edit);
    let theirs = other.get(&edit);
    post(&mut other, &theirs, &[("phone", "+45 9999 0000")])
        .assert_redirect(&format!("/contacts/{no}"));
    let res = post(&mut c, &stale, &[("job_title", "Buyer")]);
    res.assert_status(409);
    assert!(
        res.contains("<tr><td>Job Title</td><td></td><td>Buyer</td></tr>"),
        "{}",
        res.body
    );
    assert!(!res.contains("<tr><td>Phone</td>"), "{}", res.body);
    // The page says which fields the colleague changed, and the user's own Job Title is not
    // said to be "saved meanwhile".
    assert!(
        res.contains("Changed by someone else since you opened the form: Phone."),
        "{}",
        res.body
    );
    assert!(
        res.contains("<th scope=\"col\">Saved now</th>"),
        "{}",
        res.body
    );
    assert!(!res.contains("Saved meanwhile"), "{}", res.body);
    assert!(
        res.contains("value=\"+45 9999 0000\""),
        "the colleague's phone in the form"
    );
    // Saved again from the conflict page as it stands.
    let mut values = company("Acme");
    values.retain(|(k, _)| *k != "phone");
    values.push(("phone", "+45 9999 0000".into()));
    values.push(("job_title", "Buyer".into()));
    values.push(("version", hidden_value(&res.body, "version").unwrap()));
    values.push(("was", unescape(hidden_value(&res.body, "was").unwrap())));
    c.post_with_token(
        &format!("/contacts/{no}"),
        &res.csrf_token().unwrap(),
        &fields(&values),
    )
    .assert_redirect(&format!("/contacts/{no}"));
    assert_eq!(
        crate::segments::text(
            &app,
            &format!("SELECT phone || '|' || job_title FROM contacts WHERE no = '{no}'")
        ),
        "+45 9999 0000|Buyer"
    );
}

/// An edit saved after a colleague deleted the contact keeps what was typed: the form comes
/// back as a new contact's, saying who deleted it; saved, it makes the contact again. It was
/// a bare "Page not found", the typing gone.
#[test]
fn an_edit_saved_after_the_contact_was_deleted_keeps_what_was_typed() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let mut other = app.signed_in("bert", "staff");
    let no = create(&mut c, &company("Acme"));
    let page = c.get(&format!("/contacts/{no}/edit"));
    delete_as_shown(&mut other, &format!("/contacts/{no}")).assert_redirect("/contacts");
    let mut values = company("Acme Typed Anew");
    values.push(("version", hidden_value(&page.body, "version").unwrap()));
    let res = c.post_with_token(
        &format!("/contacts/{no}"),
        &page.csrf_token().unwrap(),
        &fields(&values),
    );
    res.assert_status(409);
    assert!(
        res.contains(&format!("Contact {no} was deleted by bert at ")),
        "{}",
        res.body
    );
    assert!(res.contains("value=\"Acme Typed Anew\""));
    assert!(res.contains("action=\"/contacts\""), "{}", res.body);
    // Saved from there, it is a new contact.
    let mut again = company("Acme Typed Anew");
    again.push(("once", hidden_value(&res.body, "once").unwrap()));
    let made = c.post_with_token("/contacts", &res.csrf_token().unwrap(), &fields(&again));
    made.assert_status(303);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'Acme Typed Anew'"),
        1
    );
}

/// Confirms the deletion of the contact at `card` as its page shows it (the persons it counts
/// and who they are).
fn delete_as_shown(c: &mut Client, card: &str) -> Resp {
    let page = c.get(&format!("{card}/delete"));
    let persons = hidden_value(&page.body, "persons").unwrap();
    let who = hidden_value(&page.body, "who").unwrap();
    c.post_with_token(
        &format!("{card}/delete"),
        &page.csrf_token().unwrap(),
        &[("persons", persons.as_str()), ("who", who.as_str())],
    )
}

/// A company's deletion takes the persons its page showed, not others: a colleague who moved
/// one away and saved another under it meanwhile (as many persons, other ones) stops it.
#[test]
fn a_company_is_deleted_only_with_the_persons_its_page_showed() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let mut other = app.signed_in("bert", "staff");
    let company = |c: &mut Client, name: &str| {
        create(c, &[("type", "company".into()), ("name", name.into())])
    };
    let person = |c: &mut Client, name: &str, company: &str| {
        create(
            c,
            &[
                ("type", "person".into()),
                ("name", name.into()),
                ("company_no", company.into()),
            ],
        )
    };
    let delco = company(&mut c, "Delco");
    let elsewhere = company(&mut c, "Elsewhere");
    let shown_one = person(&mut c, "Shown One", &delco);
    let shown_two = person(&mut c, "Shown Two", &delco);
    let card = format!("/contacts/{delco}");
    let page = c.get(&format!("{card}/delete"));
    assert!(page.contains("Shown Two"));
    // Meanwhile: Shown Two moves to Elsewhere, and New Hire joins Delco.
    let edit = other.get(&format!("/contacts/{shown_two}/edit"));
    let version = hidden_value(&edit.body, "version").unwrap();
    other
        .post_with_token(
            &format!("/contacts/{shown_two}"),
            &edit.csrf_token().unwrap(),
            &[
                ("type", "person"),
                ("name", "Shown Two"),
                ("company_no", elsewhere.as_str()),
                ("version", version.as_str()),
            ],
        )
        .assert_redirect(&format!("/contacts/{shown_two}"));
    let new_hire = person(&mut other, "New Hire", &delco);
    let res = c.post_with_token(
        &format!("{card}/delete"),
        &page.csrf_token().unwrap(),
        &[
            ("persons", "2"),
            ("who", hidden_value(&page.body, "who").unwrap().as_str()),
        ],
    );
    res.assert_redirect(&format!("{card}/delete"));
    let again = c.get(&format!("{card}/delete"));
    assert!(
        again.contains(&format!(
            "{delco}&#39;s persons are not the ones this page showed (a colleague moved or \
             added one meanwhile): nothing was deleted."
        )),
        "{}",
        again.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 5);
    // Confirmed again, as the page now shows them: Delco with Shown One and New Hire.
    delete_as_shown(&mut c, &card).assert_redirect("/contacts");
    assert_eq!(
        crate::segments::text(&app, "SELECT string_agg(no, ',' ORDER BY no) FROM contacts"),
        format!("{elsewhere},{shown_two}")
    );
    let audit = crate::segments::text(
        &app,
        "SELECT detail FROM audit_log WHERE action = 'contact deleted' ORDER BY id LIMIT 1",
    );
    assert!(
        audit.contains(&format!("{shown_one} Shown One"))
            && audit.contains(&format!("{new_hire} New Hire")),
        "{audit}"
    );
}

/// A contact No. with a `+` (an import may bring one) reaches its opportunities list as
/// itself, not as "AB 1".
#[test]
fn the_card_links_to_its_opportunities_by_its_no_as_typed() {
    let app = TestApp::start();
    crate::segments::world(&app);
    crate::opportunities::cycle(&app, "multiply");
    let mut c = app.signed_in("stan", "staff");
    crate::auth::diesel_exec(
        &app,
        "UPDATE contacts SET no = 'AB+1' WHERE no = 'DORA';
         INSERT INTO opportunities (no, contact_id, company_id, sales_cycle_code, status)
           SELECT 'OP000001', p.id, p.company_key, 'NEW', 'not_started'
           FROM contacts p WHERE p.no = 'AB+1';",
    );
    let card = c.get("/contacts/AB%2B1");
    card.assert_status(200);
    assert!(
        card.contains("href=\"/opportunities?contact=AB%2B1\">All its opportunities"),
        "{}",
        card.body
    );
    assert!(c.get("/opportunities?contact=AB%2B1").contains("OP000001"));
}

/// The value of the input named `name` (text field) in a form.
fn hidden_or_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no field {name}"));
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..].split('"').next().unwrap().to_string()
}

/// A person saved under a company while the company is being deleted is refused at its field
/// (the deletion holds the company), not left under a company that is gone.
#[test]
fn a_person_saved_while_its_company_is_deleted_is_told_it_is_gone() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let mut other = app.signed_in("bert", "staff");
    let acme = create(
        &mut c,
        &[("type", "company".into()), ("name", "Acme".into())],
    );
    // The deletion is held at its last step (the audit trail), the company deleted but not
    // yet committed.
    let mut x = app.conn();
    x.batch_execute("BEGIN; LOCK TABLE audit_log IN EXCLUSIVE MODE")
        .unwrap();
    let token = c
        .get(&format!("/contacts/{acme}/delete"))
        .csrf_token()
        .unwrap();
    let no = acme.clone();
    let deleting = std::thread::spawn(move || {
        c.post_with_token(
            &format!("/contacts/{no}/delete"),
            &token,
            &[("persons", "0")],
        )
    });
    crate::segment_trust::wait_for_lock_waiters(&app, 1);
    let token = other.get("/contacts/new").csrf_token().unwrap();
    let no = acme.clone();
    let saving = std::thread::spawn(move || {
        other.post_with_token(
            "/contacts",
            &token,
            &[("type", "person"), ("name", "Late"), ("company_no", &no)],
        )
    });
    crate::segment_trust::wait_for_lock_waiters(&app, 2);
    x.batch_execute("COMMIT").unwrap();
    deleting.join().unwrap().assert_redirect("/contacts");
    let res = saving.join().unwrap();
    res.assert_status(422);
    assert!(res.contains("id=\"company_no-error\""), "{}", res.body);
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
}

/// A company whose rows an import holds (its contacts locked to the end of a long
/// transaction) is not deleted meanwhile: the deletion says so at once instead of waiting
/// behind it (and, with the segment lines it holds, ending the import in a deadlock).
#[test]
fn a_deletion_does_not_wait_behind_an_import_holding_its_persons() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let acme = create(
        &mut c,
        &[("type", "company".into()), ("name", "Acme".into())],
    );
    let ada = create(
        &mut c,
        &[
            ("type", "person".into()),
            ("name", "Ada".into()),
            ("company_no", acme.clone()),
        ],
    );
    let mut x = app.conn();
    x.batch_execute(&format!(
        "BEGIN; SELECT id FROM contacts WHERE no = '{ada}' FOR UPDATE"
    ))
    .unwrap();
    delete_as_shown(&mut c, &format!("/contacts/{acme}"))
        .assert_redirect(&format!("/contacts/{acme}/delete"));
    assert!(c.get(&format!("/contacts/{acme}/delete")).contains(&format!(
        "{acme} is being changed at this moment (by an import, or a colleague&#39;s save): try again in a moment."
    )));
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 2);
    x.batch_execute("ROLLBACK").unwrap();
    delete_as_shown(&mut c, &format!("/contacts/{acme}")).assert_redirect("/contacts");
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
}

/// A contact form refused for its Type leads from the summary to the Type radios, which name
/// the error (the summary's link went nowhere).
#[test]
fn the_error_summary_of_a_contact_leads_to_every_field_named() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let res = c.submit(
        "/contacts/new",
        "/contacts",
        &[("type", "robot"), ("name", ""), ("email", "not an address")],
    );
    res.assert_status(422);
    assert!(res.contains("<a href=\"#type\">"), "{}", res.body);
    assert!(
        res.contains("aria-describedby=\"type-error\""),
        "{}",
        res.body
    );
    summary_links_resolve(&res.body);
}

/// An administrator narrows a questionnaire to companies while a person's answer to it is
/// being saved: the save waits for that change and is refused by it. Each checked before the
/// other committed, both went through, and a person held an answer of a questionnaire for
/// companies only (hidden on the card, still matched by segment filters).
#[test]
fn a_profile_answer_saved_while_its_questionnaire_is_narrowed_is_refused() {
    use diesel::RunQueryDsl;
    let app = TestApp::start();
    setup_codes(&app);
    diesel_exec(
        &app,
        "INSERT INTO profile_questionnaires (code, description) VALUES ('SAT', 'Satisfaction');
         INSERT INTO profile_questions (id, questionnaire_code, position, description) VALUES (1, 'SAT', 1, 'Satisfied?');
         INSERT INTO profile_answers (id, question_id, position, description) VALUES (10, 1, 1, 'Yes');",
    );
    let mut c = app.signed_in("stan", "staff");
    let person = create(&mut c, &[("type", "person".into()), ("name", "Pia".into())]);
    let card = format!("/contacts/{person}");
    let token = c.get(&card).csrf_token().unwrap();
    // The administrator's change, made and not yet committed, as the setup page makes it
    // (the questionnaire locked, its answers by persons counted: none yet).
    let mut admin = app.conn();
    diesel::sql_query("BEGIN").execute(&mut admin).unwrap();
    diesel::sql_query("SELECT code FROM profile_questionnaires WHERE code = 'SAT' FOR UPDATE")
        .execute(&mut admin)
        .unwrap();
    diesel::sql_query(
        "UPDATE profile_questionnaires SET contact_type = 'company' WHERE code = 'SAT'",
    )
    .execute(&mut admin)
    .unwrap();
    let saving = std::thread::spawn(move || {
        let res = c.post_with_token(&format!("{card}/profile"), &token, &[("q_1", "10")]);
        (res.status, res.body)
    });
    assert!(one_waits_for_a_lock(&app, || saving.is_finished()));
    diesel::sql_query("COMMIT").execute(&mut admin).unwrap();
    let (status, page) = saving.join().unwrap();
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("SAT (companies only)"), "{page}");
    assert_eq!(app.count("SELECT count(*) FROM contact_profile_answers"), 0);
}

/// A number series whose next number passes the 20 characters of a No. is said to be used up,
/// and nothing is saved: the column's CHECK made every later contact a 500.
#[test]
fn a_used_up_number_series_is_said_not_a_500() {
    let app = TestApp::start();
    diesel_exec(
        &app,
        "UPDATE number_series SET prefix = 'CONTACTS26', width = 10, next_number = 9999999999 \
         WHERE code = 'CONTACT'",
    );
    let mut c = app.signed_in("stan", "staff");
    let first = create(
        &mut c,
        &[("type", "company".into()), ("name", "Last One".into())],
    );
    assert_eq!(first, "CONTACTS269999999999");
    let res = c.submit(
        "/contacts/new",
        "/contacts",
        &[("type", "company"), ("name", "One Too Many")],
    );
    res.assert_status(409);
    assert!(
        res.contains(
            "Number series CONTACT is used up: its next number, CONTACTS2610000000000, would be \
             longer than the 20 characters a No. may have. Nothing was saved."
        ),
        "{}",
        res.body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE name = 'One Too Many'"),
        0
    );
    assert_eq!(
        app.count("SELECT next_number FROM number_series WHERE code = 'CONTACT'"),
        10000000000
    );
}

/// A HEAD of a download (a link checker, `curl -I`) says what the file is without running the
/// export: it needs no place among the downloads. Before, it ran the export, and was refused
/// while the downloads were all taken.
#[test]
fn a_head_of_a_download_runs_no_export() {
    let app = TestApp::start_with(|c| {
        c.db_pool_size = 1;
        c.db_long_pool_size = 2;
    });
    let mut c = app.signed_in("stan", "staff");
    let slow = unread_download(&app, &c);
    c.get("/contacts/export.csv").assert_status(503);
    for (path, kind) in [
        ("/contacts/export.csv", "text/csv"),
        ("/contacts/export.xlsx", "spreadsheetml"),
    ] {
        let head = c.head(path);
        head.assert_status(200);
        assert!(head.body.is_empty());
        assert!(
            head.header("content-type").unwrap().contains(kind),
            "{path}"
        );
        assert!(head
            .header("content-disposition")
            .unwrap()
            .contains("attachment"));
    }
    // Signed out, a HEAD is led to sign in, as the GET is.
    app.client()
        .head("/contacts/export.csv")
        .assert_redirect("/login?next=%2Fcontacts%2Fexport.csv");
    drop(slow);
}

/// An upload that gets no connection for long work in time (downloads, steps and another
/// import hold them all) is told the server is busy (503, try again), as a download is; it
/// was a 500 after the wait. Nothing is imported.
#[test]
fn an_import_without_a_connection_for_long_work_is_told_to_come_back() {
    let db = TestDb::new();
    let config = test_config(&db.url);
    let long = rapport::db::pool(&db.url, 2).unwrap();
    let pools = rapport::db::Pools {
        pages: rapport::db::pool(&db.url, 4).unwrap(),
        long: long.clone(),
    };
    let app = TestApp {
        instance: Instance::start_with_pools(config, pools),
        db,
    };
    let mut c = app.signed_in("stan", "staff");
    let held = (long.get().unwrap(), long.get().unwrap());
    let res = c.upload(
        "/contacts/import",
        "/contacts/import",
        "contacts.csv",
        b"type,name\ncompany,Busy Co\n",
    );
    res.assert_status(503);
    assert!(res.header("retry-after").is_some());
    drop(held);
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
    let job = upload_only(&mut c, "type,name\ncompany,Busy Co\n");
    c.wait_for(&job, |r| r.contains("1 contact imported"));
}

/// A file as Business Central or Excel gives it: a company whose Company No. is its own No.
/// (Business Central's way) is a company; a person whose company is given by name is told to
/// give its No.; a phone Excel shortened to "4.91761E+12" is refused, its digits being lost.
#[test]
fn an_import_reads_business_centrals_companies_and_refuses_phones_excel_shortened() {
    let app = TestApp::start();
    let mut c = app.signed_in("stan", "staff");
    let page = import(
        &mut c,
        "no,type,name,company_no,phone\n\
         CT10,company,Contoso,CT10,\n\
         ,person,Ada,Contoso A/S,\n\
         ,person,Bo,CT10,4.91761E+12\n",
    );
    assert!(page.contains("Nothing was imported."), "{}", page.body);
    assert!(
        page.contains(
            "line 3: company_no &#34;CONTOSO A/S&#34; must be at most 20 characters without \
             spaces: give the company&#39;s No., not its name"
        ),
        "{}",
        page.body
    );
    assert!(
        page.contains("line 4: phone &#34;4.91761E+12&#34; is a number Excel shortened"),
        "{}",
        page.body
    );
    // A company of the file left to be numbered, named by its name: told it has no No. to be
    // named by, and how to give it one (it was said not to be in the file).
    let page = import(
        &mut c,
        "type,name,company_no\n\
         company,Carlsberg,\n\
         person,Jens,Carlsberg\n",
    );
    assert!(
        page.contains(
            "line 3: company CARLSBERG is neither in the file nor in Rapport: a person names its \
             company by its No., and the company Carlsberg on line 2 has none in the file"
        ),
        "{}",
        page.body
    );
    assert!(!page.contains("a company does not belong"), "{}", page.body);
    let page = import(
        &mut c,
        "no,type,name,company_no,phone\n\
         CT10,company,Contoso,CT10,\n\
         ,person,Bo,CT10,+49 176 12345678\n",
    );
    assert!(page.contains("2 contacts imported."), "{}", page.body);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contacts p JOIN contacts co ON co.id = p.company_id \
             WHERE co.no = 'CT10' AND co.company_id IS NULL AND p.name = 'Bo'"
        ),
        1
    );
}

/// An edit saved while a colleague's deletion of the contact is under way keeps what was
/// typed, as the sequential case does; it was a bare 404 (the row read before the deletion,
/// its update finding none after it).
#[test]
fn an_edit_saved_during_a_deletion_keeps_what_was_typed() {
    use diesel::RunQueryDsl;
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let no = create(&mut c, &company("Acme"));
    let page = c.get(&format!("/contacts/{no}/edit"));
    let mut deleting = app.conn();
    diesel::sql_query("BEGIN").execute(&mut deleting).unwrap();
    diesel::sql_query(format!("DELETE FROM contacts WHERE no = '{no}'"))
        .execute(&mut deleting)
        .unwrap();
    let mut values = company("Acme Typed Anew");
    values.push(("version", hidden_value(&page.body, "version").unwrap()));
    let token = page.csrf_token().unwrap();
    let path = format!("/contacts/{no}");
    let saving = std::thread::spawn(move || {
        let res = c.post_with_token(&path, &token, &fields(&values));
        (res.status, res.body)
    });
    assert!(one_waits_for_a_lock(&app, || saving.is_finished()));
    diesel::sql_query("COMMIT").execute(&mut deleting).unwrap();
    let (status, body) = saving.join().unwrap();
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("value=\"Acme Typed Anew\""), "{body}");
    assert!(body.contains("action=\"/contacts\""), "{body}");
}

/// A contact's edit form opened before an administrator renamed its territory: saved with
/// only its phone changed, it keeps the territory under its new code. It was refused, "There
/// is no territory NORTH", on a field the user never touched.
#[test]
fn a_contact_form_opened_before_its_territory_was_renamed_saves() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let no = create(&mut c, &company("Acme Trading"));
    let path = format!("/contacts/{no}");
    let form = c.get(&format!("{path}/edit"));
    let mut admin = app.signed_in("boss", "admin");
    admin
        .submit(
            "/setup/territories/NORTH",
            "/setup/territories/NORTH",
            &[("code", "NORD"), ("description", "North")],
        )
        .assert_redirect("/setup/territories");
    let mut mine = company("Acme Trading");
    mine.retain(|(k, _)| *k != "phone");
    mine.push(("phone", "+45 8765 4321".into()));
    mine.push(("version", hidden_value(&form.body, "version").unwrap()));
    c.post_with_token(&path, &form.csrf_token().unwrap(), &fields(&mine))
        .assert_redirect(&path);
    assert_eq!(
        crate::segments::text(
            &app,
            &format!("SELECT territory_code || '|' || phone FROM contacts WHERE no = '{no}'")
        ),
        "NORD|+45 8765 4321"
    );
}

/// The contact form's error summary lists its problems as the form asks the fields, and a
/// value over two lines (sent by a program, not a browser's one-line field) is refused as an
/// import refuses it.
#[test]
fn the_contact_forms_problems_come_in_the_forms_order() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let mut values = company("Acme");
    for (k, v) in [
        ("type", "person"),
        ("company_no", "NOPE"),
        ("email", "not-an-address"),
        ("country_code", "XX"),
        ("salesperson_code", "ZZ"),
        ("address", "Hovedgaden 1\n2. sal"),
    ] {
        values.retain(|(key, _)| *key != k);
        values.push((k, v.into()));
    }
    let res = c.submit("/contacts/new", "/contacts", &fields(&values));
    res.assert_status(422);
    assert_eq!(
        summary_fields(&res.body),
        [
            "company_no",
            "address",
            "country_code",
            "email",
            "salesperson_code"
        ],
        "{}",
        res.body
    );
    assert!(
        res.contains("Write it on one line, without tabs or line breaks."),
        "{}",
        res.body
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts"), 0);
}

/// The card shows a company's Job Title, and a person's without a company: it was shown only
/// as "… at Company" in the heading, so a viewer (who has no edit form) never saw it.
/// One opportunity that keeps a contact reads "it is kept".
#[test]
fn the_card_shows_every_job_title_and_one_opportunity_reads_as_one() {
    let app = TestApp::start();
    crate::segments::world(&app);
    crate::opportunities::cycle(&app, "multiply");
    let mut c = app.signed_in("stan", "staff");
    let values = vec![
        ("type", "company".to_string()),
        ("name", "Titled A/S".into()),
        ("job_title", "Head Office".into()),
    ];
    let no = create(&mut c, &values);
    let mut viewer = app.signed_in("vic", "viewer");
    let card = viewer.get(&format!("/contacts/{no}"));
    assert!(
        card.contains("<dt>Job Title</dt><dd>Head Office</dd>"),
        "{}",
        card.body
    );
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO opportunities (no, contact_id, company_id, sales_cycle_code, status)
           SELECT 'OP000001', p.id, p.company_key, 'NEW', 'not_started'
           FROM contacts p WHERE p.no = 'DORA';",
    );
    let confirm = c.get("/contacts/DORA/delete");
    assert!(
        confirm
            .contains("has 1 sales opportunity (OP000001); it is kept, so it cannot be deleted."),
        "{}",
        confirm.body
    );
}

/// A contact saved without a change writes nothing and says so: it made a new version, and a
/// colleague's real change from a form opened before was refused as "saved by someone else".
#[test]
fn a_contact_saved_unchanged_writes_nothing_and_a_colleagues_change_goes_through() {
    let app = TestApp::start();
    setup_codes(&app);
    let mut a = app.signed_in("anna", "staff");
    let mut b = app.signed_in("bert", "staff");
    let no = create(&mut a, &company("Still A/S"));
    let path = format!("/contacts/{no}");
    let edit = format!("{path}/edit");
    let form_a = a.get(&edit);
    let form_b = b.get(&edit);
    // What the browser sends back: the hidden fields, the values created, the Search Name
    // shown.
    let mut sent = hidden_fields(&form_a.body, &path);
    for (k, v) in company("Still A/S") {
        sent.push((k.to_string(), v));
    }
    sent.push(("search_name".into(), "STILL A/S".into()));
    a.post_raw(&path, &pairs(&sent)).assert_redirect(&path);
    assert!(a.get(&path).contains("Nothing was changed on contact"));
    assert_eq!(
        app.count(&format!("SELECT version FROM contacts WHERE no = '{no}'")),
        1
    );
    let mut theirs = hidden_fields(&form_b.body, &path);
    for (k, v) in company("Still A/S") {
        let v = if k == "phone" {
            "+45 7070 7070".to_string()
        } else {
            v
        };
        theirs.push((k.to_string(), v));
    }
    theirs.push(("search_name".into(), "STILL A/S".into()));
    b.post_raw(&path, &pairs(&theirs)).assert_redirect(&path);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM contacts WHERE no = '{no}' AND phone = '+45 7070 7070'"
        )),
        1
    );
}
