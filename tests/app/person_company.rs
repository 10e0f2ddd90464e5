//! A person under a company takes the company's address, phone, salesperson, territory and
//! language; persons that still share the company's address follow it when it moves; and a
//! setup code's "Used by N contacts" leads to those contacts.

use crate::auth::diesel_exec;
use crate::support::*;

fn codes(app: &TestApp) {
    diesel_exec(
        app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo Sales'), ('PL', 'Pat Lee');
         INSERT INTO territories (code, description) VALUES ('NORTH', 'North'), ('SOUTH', 'South');
         INSERT INTO languages (code, description) VALUES ('DAN', 'Danish') ON CONFLICT DO NOTHING;
         INSERT INTO countries (code, description) VALUES ('DK', 'Denmark'), ('SE', 'Sweden')
             ON CONFLICT DO NOTHING;",
    );
}

/// Creates a contact through the form and returns its No.
fn create(c: &mut Client, fields: &[(&str, &str)]) -> String {
    let res = c.submit("/contacts/new", "/contacts", fields);
    assert_eq!(res.status, 303, "create failed:\n{}", res.body);
    res.location()
        .unwrap()
        .trim_start_matches("/contacts/")
        .to_string()
}

const NORDLYS: &[(&str, &str)] = &[
    ("type", "company"),
    ("name", "Nordlys A/S"),
    ("address", "Havnegade 1"),
    ("address_2", "2. sal"),
    ("city", "Århus"),
    ("post_code", "8000"),
    ("country_code", "DK"),
    ("phone", "+45 86 12 34 56"),
    ("email", "info@nordlys.dk"),
    ("salesperson_code", "JO"),
    ("territory_code", "NORTH"),
    ("language_code", "DAN"),
];

fn row(app: &TestApp, no: &str) -> String {
    crate::segments::text(
        app,
        &format!(
            "SELECT concat_ws('|', address, address_2, city, post_code, country_code, phone, \
               salesperson_code, territory_code, language_code, email) FROM contacts WHERE no = '{no}'"
        ),
    )
}

#[test]
fn a_person_created_under_a_company_takes_its_address_phone_salesperson_territory_and_language() {
    let app = TestApp::start();
    codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let company = create(&mut c, NORDLYS);

    // The new person's form starts with the company's values, to be seen and changed.
    let form = c.get(&format!("/contacts/new?company={company}"));
    form.assert_status(200);
    for value in ["Havnegade 1", "2. sal", "Århus", "8000", "+45 86 12 34 56"] {
        assert!(form.contains(&format!("value=\"{value}\"")), "{value}");
    }
    assert!(
        !form.contains("value=\"info@nordlys.dk\""),
        "the e-mail is the person's own"
    );
    assert!(
        form.contains("<option value=\"JO\" selected"),
        "{}",
        form.body
    );

    // A person posted with only a name and the company takes what it left empty.
    let ada = create(
        &mut c,
        &[
            ("type", "person"),
            ("name", "Åse Ørsted"),
            ("company_no", &company),
        ],
    );
    assert_eq!(
        row(&app, &ada),
        "Havnegade 1|2. sal|Århus|8000|DK|+45 86 12 34 56|JO|NORTH|DAN|"
    );
    // What the user typed stays; an address is taken whole or not at all.
    let bo = create(
        &mut c,
        &[
            ("type", "person"),
            ("name", "Bo Berg"),
            ("company_no", &company),
            ("city", "Odense"),
            ("salesperson_code", "PL"),
            ("phone", "+45 1"),
        ],
    );
    assert_eq!(row(&app, &bo), "||Odense||+45 1|PL|NORTH|DAN|");
    // A company takes nothing from anyone.
    let other = create(&mut c, &[("type", "company"), ("name", "Solo ApS")]);
    assert_eq!(row(&app, &other), "|||||", "NULL codes are left out");

    // A blocked salesperson is not given to a new person: the company keeps Jo, its new
    // person's form does not offer Jo, and a person saved with the company's values has none.
    diesel_exec(
        &app,
        "UPDATE salespeople SET blocked = true WHERE code = 'JO'",
    );
    let form = c.get(&format!("/contacts/new?company={company}"));
    assert!(
        !form.contains("<option value=\"JO\" selected"),
        "{}",
        form.body
    );
    let cy = create(
        &mut c,
        &[("type", "person"), ("name", "Cy"), ("company_no", &company)],
    );
    assert_eq!(
        row(&app, &cy),
        "Havnegade 1|2. sal|Århus|8000|DK|+45 86 12 34 56|NORTH|DAN|"
    );
    assert!(row(&app, &company).contains("|JO|"), "the company keeps it");
}

/// A new person's form filled in from its company saves what the user left in it: a phone
/// and salesperson they emptied stay empty (they were filled from the company again, in
/// silence). A company changed meanwhile gives what the user left as it was shown its
/// values now, and the message says so.
#[test]
fn a_person_form_filled_from_its_company_saves_what_the_user_left() {
    let app = TestApp::start();
    codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let mut other = app.signed_in("bert", "staff");
    let company = create(&mut c, NORDLYS);
    let page = c.get(&format!("/contacts/new?company={company}"));
    let took_from = hidden_value(&page.body, "took_from").expect("what the form took");
    let once = hidden_value(&page.body, "once").unwrap();
    let fields = |name: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("type", "person".into()),
            ("name", name.into()),
            ("company_no", company.clone()),
            ("address", "Havnegade 1".into()),
            ("address_2", "2. sal".into()),
            ("city", "Århus".into()),
            ("post_code", "8000".into()),
            ("country_code", "DK".into()),
            ("phone", String::new()),
            ("salesperson_code", String::new()),
            ("territory_code", "NORTH".into()),
            ("language_code", "DAN".into()),
            ("took_from", took_from.clone()),
            ("once", once.clone()),
        ]
    };
    let post = |c: &mut Client, token: &str, f: &[(&'static str, String)]| {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        c.post_with_token("/contacts", token, &f)
    };
    let res = post(&mut c, &page.csrf_token().unwrap(), &fields("Ada"));
    res.assert_status(303);
    let ada = res
        .location()
        .unwrap()
        .trim_start_matches("/contacts/")
        .to_string();
    assert_eq!(
        row(&app, &ada),
        "Havnegade 1|2. sal|Århus|8000|DK||NORTH|DAN|"
    );

    // The company moves and changes its phone while Bo's form is open. The address he left
    // as the form showed it is the company's now; the phone he emptied stays empty; the
    // message says what was taken. It was refused, and saved again it kept the old address.
    let page = c.get(&format!("/contacts/new?company={company}"));
    let mut bo = fields("Bo");
    for (k, v) in bo.iter_mut() {
        match *k {
            "took_from" => *v = hidden_value(&page.body, "took_from").unwrap(),
            "once" => *v = hidden_value(&page.body, "once").unwrap(),
            _ => {}
        }
    }
    let edit = other.get(&format!("/contacts/{company}/edit"));
    let mut moved: Vec<(&str, &str)> = NORDLYS.to_vec();
    moved.retain(|(k, _)| !matches!(*k, "address" | "phone"));
    moved.push(("address", "Strandvejen 9"));
    moved.push(("phone", "+45 86 99 99 99"));
    let version = hidden_value(&edit.body, "version").unwrap();
    moved.push(("version", &version));
    other
        .post_with_token(
            &format!("/contacts/{company}"),
            &edit.csrf_token().unwrap(),
            &moved,
        )
        .assert_redirect(&format!("/contacts/{company}"));
    let saved = post(&mut c, &page.csrf_token().unwrap(), &bo);
    saved.assert_status(303);
    let bo = saved
        .location()
        .unwrap()
        .trim_start_matches("/contacts/")
        .to_string();
    assert_eq!(
        row(&app, &bo),
        "Strandvejen 9|2. sal|Århus|8000|DK||NORTH|DAN|"
    );
    let card = c.get(&format!("/contacts/{bo}"));
    assert!(
        card.contains(
            "Its company changed its address after the form was opened: the person took it \
             as the company has it now."
        ),
        "{}",
        card.body
    );
}

#[test]
fn persons_that_share_the_company_address_follow_it_and_the_others_keep_theirs() {
    let app = TestApp::start();
    codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let company = create(&mut c, NORDLYS);
    let ada = create(
        &mut c,
        &[
            ("type", "person"),
            ("name", "Ada"),
            ("company_no", &company),
        ],
    );
    let eva = create(
        &mut c,
        &[
            ("type", "person"),
            ("name", "Eva"),
            ("company_no", &company),
        ],
    );
    let bo = create(
        &mut c,
        &[
            ("type", "person"),
            ("name", "Bo"),
            ("company_no", &company),
            ("address", "Hjemmevej 9"),
            ("city", "Odense"),
        ],
    );
    let edit = |c: &mut Client, changes: &[(&str, &str)]| {
        let page = c.get(&format!("/contacts/{company}/edit"));
        let version = hidden_value(&page.body, "version").unwrap();
        let mut fields: Vec<(&str, &str)> = NORDLYS
            .iter()
            .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
            .copied()
            .collect();
        fields.extend_from_slice(changes);
        fields.push(("version", &version));
        let t = page.csrf_token().unwrap();
        c.post_with_token(&format!("/contacts/{company}"), &t, &fields)
    };
    let versions = app.count("SELECT sum(version) FROM contacts WHERE type = 'person'");

    // Eva's address is edited to her own; then the company moves.
    diesel_exec(
        &app,
        &format!("UPDATE contacts SET post_code = '8200' WHERE no = '{eva}'"),
    );
    let res = edit(
        &mut c,
        &[
            ("address", "Nørregade 5"),
            ("address_2", ""),
            ("city", "København"),
            ("post_code", "1165"),
        ],
    );
    res.assert_redirect(&format!("/contacts/{company}"));
    assert!(c
        .get(&format!("/contacts/{company}"))
        .contains("1 person who shared its address moved with it."));
    assert_eq!(
        row(&app, &ada),
        "Nørregade 5||København|1165|DK|+45 86 12 34 56|JO|NORTH|DAN|"
    );
    assert!(row(&app, &eva).starts_with("Havnegade 1|2. sal|Århus|8200|"));
    assert!(row(&app, &bo).starts_with("Hjemmevej 9||Odense|"));
    // The person that moved is a new version (an open edit of it sees the change).
    assert_eq!(
        app.count("SELECT sum(version) FROM contacts WHERE type = 'person'"),
        versions + 1
    );

    // Its phone and salesperson follow where a person had the company's (as Business Central
    // passes them on): Eva has a phone of her own, Bo no salesperson.
    diesel_exec(
        &app,
        &format!(
            "UPDATE contacts SET phone = '+45 77' WHERE no = '{eva}';
             UPDATE contacts SET salesperson_code = NULL WHERE no = '{bo}'"
        ),
    );
    let moved = [
        ("address", "Nørregade 5"),
        ("address_2", ""),
        ("city", "København"),
        ("post_code", "1165"),
    ];
    let mut changes = moved.to_vec();
    changes.extend([("phone", "+45 2"), ("salesperson_code", "PL")]);
    edit(&mut c, &changes).assert_redirect(&format!("/contacts/{company}"));
    let card = c.get(&format!("/contacts/{company}"));
    assert!(
        card.contains("3 persons who had its phone or salesperson took the new ones."),
        "{}",
        card.body
    );
    assert_eq!(
        row(&app, &ada),
        "Nørregade 5||København|1165|DK|+45 2|PL|NORTH|DAN|"
    );
    assert!(
        row(&app, &eva).ends_with("8200|DK|+45 77|PL|NORTH|DAN|"),
        "{}",
        row(&app, &eva)
    );
    assert!(
        row(&app, &bo).ends_with("Odense||+45 2|NORTH|DAN|"),
        "{}",
        row(&app, &bo)
    );
    // A change of what no person had of the company's moves nobody.
    let versions = app.count("SELECT sum(version) FROM contacts WHERE type = 'person'");
    diesel_exec(
        &app,
        "UPDATE contacts SET salesperson_code = 'JO' WHERE type = 'person'",
    );
    edit(
        &mut c,
        &[
            moved.as_slice(),
            &[("phone", "+45 2"), ("salesperson_code", "")],
        ]
        .concat(),
    )
    .assert_redirect(&format!("/contacts/{company}"));
    assert!(c
        .get(&format!("/contacts/{company}"))
        .contains(&format!("Contact {company} saved.</")));
    assert_eq!(
        app.count("SELECT sum(version) FROM contacts WHERE type = 'person'"),
        versions
    );
}

/// A person moved to another company on the edit form takes the new company's address, phone,
/// salesperson, territory and language where it had the old company's (as Business Central
/// does when Company No. changes); its own values stay. Before, it kept the old company's
/// address, which the new company's moves then passed by.
#[test]
fn a_person_moved_to_another_company_takes_what_it_had_from_the_old_one() {
    let app = TestApp::start();
    codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let nordlys = create(&mut c, NORDLYS);
    let solvang = create(
        &mut c,
        &[
            ("type", "company"),
            ("name", "Solvang ApS"),
            ("address", "Strøget 5"),
            ("city", "København"),
            ("post_code", "1100"),
            ("country_code", "DK"),
            ("phone", "+45 33 00 00 00"),
            ("salesperson_code", "PL"),
            ("territory_code", "SOUTH"),
        ],
    );
    let ada = create(
        &mut c,
        &[
            ("type", "person"),
            ("name", "Ada"),
            ("company_no", &nordlys),
        ],
    );
    let bo = create(
        &mut c,
        &[
            ("type", "person"),
            ("name", "Bo"),
            ("company_no", &nordlys),
            ("address", "Hjemmevej 9"),
            ("city", "Odense"),
        ],
    );
    // The edit form as the browser sends it: every value as stored, the company changed.
    let move_to = |c: &mut Client, no: &str, company: &str| {
        let page = c.get(&format!("/contacts/{no}/edit"));
        // The value of the input named `k` (the text fields and the hidden version).
        let value = |k: &str| {
            let at = page.body.find(&format!("name=\"{k}\"")).unwrap();
            let start = at + page.body[at..].find("value=\"").unwrap() + 7;
            let end = start + page.body[start..].find('"').unwrap();
            page.body[start..end].replace("&#38;", "&")
        };
        let mut fields: Vec<(String, String)> = [
            "name",
            "address",
            "address_2",
            "city",
            "post_code",
            "phone",
            "version",
        ]
        .iter()
        .map(|k| (k.to_string(), value(k)))
        .collect();
        fields.push(("type".into(), "person".into()));
        // The option chosen in the select named `k` ("" for none).
        let chosen = |k: &str| {
            let at = page.body.find(&format!("name=\"{k}\"")).unwrap();
            let select = &page.body[at..at + page.body[at..].find("</select>").unwrap()];
            match select.find("\" selected") {
                Some(end) => {
                    let start = select[..end].rfind("value=\"").unwrap() + 7;
                    select[start..end].to_string()
                }
                None => String::new(),
            }
        };
        for k in [
            "country_code",
            "salesperson_code",
            "territory_code",
            "language_code",
        ] {
            fields.push((k.to_string(), chosen(k)));
        }
        fields.push(("company_no".into(), company.to_string()));
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let t = page.csrf_token().unwrap();
        c.post_with_token(&format!("/contacts/{no}"), &t, &fields)
    };
    move_to(&mut c, &ada, &solvang).assert_redirect(&format!("/contacts/{ada}"));
    assert_eq!(
        row(&app, &ada),
        "Strøget 5||København|1100|DK|+45 33 00 00 00|PL|SOUTH|",
        "the new company has no language"
    );
    assert!(c.get(&format!("/contacts/{ada}")).contains(
        "saved; from its new company it took the address, phone, salesperson, territory and language."
    ));
    move_to(&mut c, &bo, &solvang).assert_redirect(&format!("/contacts/{bo}"));
    assert!(
        row(&app, &bo).starts_with("Hjemmevej 9||Odense||+45 33 00 00 00|PL|SOUTH"),
        "{}",
        row(&app, &bo)
    );
    // Moved back to Nordlys, whose salesperson is now blocked: Ada keeps Pat, and takes the
    // rest of what Solvang had given her.
    diesel_exec(
        &app,
        "UPDATE salespeople SET blocked = true WHERE code = 'JO'",
    );
    let res = move_to(&mut c, &ada, &nordlys);
    res.assert_redirect(&format!("/contacts/{ada}"));
    assert_eq!(
        row(&app, &ada),
        "Havnegade 1|2. sal|Århus|8000|DK|+45 86 12 34 56|PL|NORTH|DAN|"
    );
    diesel_exec(
        &app,
        "UPDATE salespeople SET blocked = false WHERE code = 'JO'",
    );
    move_to(&mut c, &ada, &solvang).assert_redirect(&format!("/contacts/{ada}"));
    // Ada now follows Solvang's moves.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM contacts p JOIN contacts co ON co.id = p.company_id \
             WHERE p.no = '{ada}' AND co.no = '{solvang}' AND p.address = co.address"
        )),
        1
    );
}

#[test]
fn used_by_n_contacts_on_a_setup_code_leads_to_those_contacts() {
    let app = TestApp::start();
    codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let company = create(&mut c, NORDLYS);
    create(
        &mut c,
        &[
            ("type", "person"),
            ("name", "Ada"),
            ("company_no", &company),
        ],
    );
    create(
        &mut c,
        &[
            ("type", "company"),
            ("name", "Syd"),
            ("territory_code", "SOUTH"),
        ],
    );

    let page = c.get("/setup/territories/NORTH");
    page.assert_status(200);
    assert!(page.contains("2 contacts"), "{}", page.body);
    assert!(page.contains("<a href=\"/contacts?territory=NORTH\">Show the 2 contacts</a>"));
    let list = c.get("/contacts?territory=NORTH");
    assert!(list.contains("Nordlys A/S") && list.contains("Ada") && !list.contains("Syd"));

    let mut admin = app.signed_in("ann", "admin");
    let page = admin.get("/setup/salespeople/JO");
    assert!(page.contains("<a href=\"/contacts?salesperson=JO\">Show the 2 contacts</a>"));
    // A code used by no contact has no link.
    let page = admin.get("/setup/salespeople/PL");
    assert!(!page.contains("/contacts?salesperson=PL"));

    // An industry group is the company's: counted and listed as companies (its persons share
    // it, and the list by the group alone shows them too: "Show the 1 contacts" led to 2).
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO industry_groups (code, description) VALUES ('RETAIL', 'Retail');
             INSERT INTO contact_industry_groups (contact_id, code)
                 SELECT id, 'RETAIL' FROM contacts WHERE no = '{company}';"
        ),
    );
    let page = admin.get("/setup/industry-groups/RETAIL");
    assert!(
        page.contains(
            "<a href=\"/contacts?industry_group=RETAIL&amp;type=company\">Show the company</a>"
        ) || page.contains(
            "<a href=\"/contacts?industry_group=RETAIL&#38;type=company\">Show the company</a>"
        ),
        "{}",
        page.body
    );
    let list = c.get("/contacts?industry_group=RETAIL&type=company");
    assert!(
        list.contains("Nordlys A/S") && !list.contains(">Ada<"),
        "{}",
        list.body
    );
    // A business relation (the company's) and a job responsibility (the person's own) lead
    // to their contacts too (they had no link, and the list no job responsibility filter).
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO business_relations (code, description) VALUES ('BANK', 'Bank');
             INSERT INTO contact_business_relations (contact_id, code)
                 SELECT id, 'BANK' FROM contacts WHERE no = '{company}';
             INSERT INTO job_responsibilities (code, description) VALUES ('BUY', 'Buying');
             INSERT INTO contact_job_responsibilities (contact_id, code)
                 SELECT id, 'BUY' FROM contacts WHERE name = 'Ada';"
        ),
    );
    let page = admin.get("/setup/business-relations/BANK");
    assert!(
        page.contains("/contacts?business_relation=BANK&#38;type=company\">Show the company</a>")
            || page.contains(
                "/contacts?business_relation=BANK&amp;type=company\">Show the company</a>"
            ),
        "{}",
        page.body
    );
    let page = admin.get("/setup/job-responsibilities/BUY");
    assert!(
        page.contains("<a href=\"/contacts?job_responsibility=BUY\">Show the contact</a>"),
        "{}",
        page.body
    );
    let list = c.get("/contacts?job_responsibility=BUY");
    assert!(
        list.contains(">Ada<") && list.contains("1–1 of 1 contact"),
        "{}",
        list.body
    );
}

/// A type change that would leave the contact with what only its old type has (segments go on
/// reading it: a company's industry groups, a person's job responsibilities) is refused with
/// what to remove; a company on a draft segment cannot become a person of another company,
/// as a person there cannot move.
#[test]
fn a_type_change_is_refused_while_the_contact_holds_what_only_its_type_has() {
    let app = TestApp::start();
    codes(&app);
    diesel_exec(
        &app,
        "INSERT INTO industry_groups (code, description) VALUES ('RETAIL', 'Retail');
         INSERT INTO job_responsibilities (code, description) VALUES ('PURCH', 'Purchase');",
    );
    let mut c = app.signed_in("stan", "staff");
    let company = create(&mut c, NORDLYS);
    let solo = create(&mut c, &[("type", "company"), ("name", "Solo ApS")]);
    let ada = create(&mut c, &[("type", "person"), ("name", "Ada")]);
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO contact_job_responsibilities (contact_id, code) \
               SELECT id, 'PURCH' FROM contacts WHERE no = '{ada}';
             INSERT INTO contact_industry_groups (contact_id, code) \
               SELECT id, 'RETAIL' FROM contacts WHERE no = '{solo}';"
        ),
    );
    let save = |c: &mut Client, no: &str, fields: &[(&str, &str)]| {
        let page = c.get(&format!("/contacts/{no}/edit"));
        let version = hidden_value(&page.body, "version").unwrap();
        let mut all = fields.to_vec();
        all.push(("version", &version));
        c.post_with_token(
            &format!("/contacts/{no}"),
            &page.csrf_token().unwrap(),
            &all,
        )
    };
    let res = save(&mut c, &ada, &[("type", "company"), ("name", "Ada")]);
    res.assert_status(422);
    assert!(
        res.contains("has job responsibilities PURCH, which a company does not have"),
        "{}",
        res.body
    );
    let res = save(
        &mut c,
        &solo,
        &[
            ("type", "person"),
            ("name", "Solo"),
            ("company_no", &company),
        ],
    );
    res.assert_status(422);
    assert!(res.contains("has industry groups RETAIL, which a person does not have"));
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE type = 'company'"),
        2,
        "nothing changed"
    );
    // A company with a person is told so first: it was told to remove its industry groups,
    // and then, once they were gone, that it must stay a company anyway.
    let bo = create(
        &mut c,
        &[("type", "person"), ("name", "Bo"), ("company_no", &solo)],
    );
    let res = save(&mut c, &solo, &[("type", "person"), ("name", "Solo")]);
    res.assert_status(422);
    assert!(
        res.contains(&format!("{solo} has 1 person; it must stay a company.")),
        "{}",
        res.body
    );
    assert!(
        !res.contains("which a person does not have"),
        "{}",
        res.body
    );
    diesel_exec(&app, &format!("DELETE FROM contacts WHERE no = '{bo}'"));
    // Without them: a company on a draft segment still cannot become another's person.
    diesel_exec(&app, "DELETE FROM contact_industry_groups");
    let seg = crate::segments::new_segment(&mut c, "Drafted");
    crate::segments::step(&mut c, &seg, "add", &[("contact_no", &solo)]);
    let res = save(
        &mut c,
        &solo,
        &[
            ("type", "person"),
            ("name", "Solo"),
            ("company_no", &company),
        ],
    );
    res.assert_status(422);
    assert!(
        res.contains(&format!(
            "is on draft segment {seg}, whose lines carry its company, so it cannot become a person."
        )),
        "{}",
        res.body
    );
    diesel_exec(&app, "DELETE FROM segment_lines");
    crate::opportunities::cycle(&app, "multiply");
    // Nor while history was logged with it as a company (Business Central refuses the change
    // while there are interaction log entries or opportunities).
    let gamma = create(&mut c, &[("type", "company"), ("name", "Gamma ApS")]);
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO interaction_log_entries (contact_id, company_id, description) \
               SELECT id, id, 'Visit' FROM contacts WHERE no = '{gamma}';
             INSERT INTO interaction_log_entries (contact_id, company_id, description) \
               SELECT id, id, 'Call' FROM contacts WHERE no = '{gamma}';
             INSERT INTO opportunities (no, contact_id, company_id, sales_cycle_code) \
               SELECT 'OP1', id, id, 'NEW' FROM contacts WHERE no = '{gamma}';
             INSERT INTO opportunities (no, contact_id, company_id, sales_cycle_code) \
               SELECT 'OP2', id, id, 'NEW' FROM contacts WHERE no = '{solo}';"
        ),
    );
    let res = save(&mut c, &gamma, &[("type", "person"), ("name", "Gamma ApS")]);
    res.assert_status(422);
    assert!(
        res.contains(&format!(
            "{gamma} has 2 interaction log entries and 1 sales opportunity, logged with it as a \
             company, so it cannot become a person."
        )),
        "{}",
        res.body
    );
    // A company's include those of a person who has left it since (they name it as their
    // company).
    let delta = create(&mut c, &[("type", "company"), ("name", "Delta ApS")]);
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO interaction_log_entries (contact_id, company_id, description) \
             SELECT p.id, d.id, 'Call' FROM contacts p, contacts d \
             WHERE p.no = '{ada}' AND d.no = '{delta}'"
        ),
    );
    let res = save(&mut c, &delta, &[("type", "person"), ("name", "Delta ApS")]);
    res.assert_status(422);
    assert!(
        res.contains(&format!(
            "{delta} has 1 interaction log entry, logged with it"
        )),
        "{}",
        res.body
    );
    let as_person = [
        ("type", "person"),
        ("name", "Solo"),
        ("company_no", company.as_str()),
    ];
    let res = save(&mut c, &solo, &as_person);
    res.assert_status(422);
    assert!(
        res.contains(&format!("{solo} has 1 sales opportunity, logged with it")),
        "{}",
        res.body
    );
    diesel_exec(&app, "DELETE FROM opportunities WHERE no = 'OP2'");
    // Without any of it, it may.
    save(&mut c, &solo, &as_person).assert_redirect(&format!("/contacts/{solo}"));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM contacts WHERE no = '{solo}' AND type = 'person'"
        )),
        1
    );
}

/// Two saves at once that together would break a rule each checks alone: a person saved under
/// a company that is becoming a person meanwhile, and a person moving company while a segment
/// step is putting it on a draft segment. The second waits for the first and is refused.
#[test]
fn a_company_change_waits_for_what_is_being_saved_meanwhile() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let company = create(&mut c, NORDLYS);
    let other = create(&mut c, &[("type", "company"), ("name", "Other A/S")]);
    let ada = create(
        &mut c,
        &[
            ("type", "person"),
            ("name", "Ada"),
            ("company_no", &company),
        ],
    );
    // The company turning into a person, not yet committed.
    let mut x = app.conn();
    x.batch_execute(&format!(
        "BEGIN; UPDATE contacts SET type = 'person', company_id = NULL, version = version + 1 \
         WHERE no = '{other}'"
    ))
    .unwrap();
    let token = c.get("/contacts/new").csrf_token().unwrap();
    let other_no = other.clone();
    let saving = std::thread::spawn(move || {
        let res = c.post_with_token(
            "/contacts",
            &token,
            &[
                ("type", "person"),
                ("name", "Bo"),
                ("company_no", &other_no),
            ],
        );
        (c, res)
    });
    crate::segment_trust::wait_for_lock_waiters(&app, 1);
    x.batch_execute("COMMIT").unwrap();
    let (mut c, res) = saving.join().unwrap();
    res.assert_status(422);
    assert!(
        res.contains(&format!("{other} is not a company.")),
        "{}",
        res.body
    );

    // A step putting Ada on a draft segment, not yet committed: her move waits, then is
    // refused with the segment.
    let seg = crate::segments::new_segment(&mut c, "In progress");
    x.batch_execute(&format!(
        "BEGIN; INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, \
           is_person, contact_name) \
         SELECT s.id, c.id, 1, 'Nordlys A/S', TRUE, 'Ada' FROM segments s, contacts c \
         WHERE s.no = '{seg}' AND c.no = '{ada}'"
    ))
    .unwrap();
    let page = c.get(&format!("/contacts/{ada}/edit"));
    let version = hidden_value(&page.body, "version").unwrap();
    let token = page.csrf_token().unwrap();
    let ada_no = ada.clone();
    let moving = std::thread::spawn(move || {
        c.post_with_token(
            &format!("/contacts/{ada_no}"),
            &token,
            &[
                ("type", "person"),
                ("name", "Ada"),
                ("company_no", ""),
                ("version", &version),
            ],
        )
    });
    crate::segment_trust::wait_for_lock_waiters(&app, 1);
    x.batch_execute("COMMIT").unwrap();
    let res = moving.join().unwrap();
    res.assert_status(422);
    assert!(
        res.contains(&format!("is on draft segment {seg}")),
        "{}",
        res.body
    );
}

/// A type change and a card write at the same moment: the one that comes second waits for the
/// first and is checked against it. Before, a person could be left with an industry group
/// (hidden on its card) or answers to a questionnaire for companies, and a type change passed
/// an industry group being added meanwhile.
#[test]
fn a_type_change_and_a_card_write_at_once_do_not_leave_what_the_type_may_not_hold() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    codes(&app);
    diesel_exec(
        &app,
        "INSERT INTO industry_groups (code, description) VALUES ('RETAIL', 'Retail');
         INSERT INTO profile_questionnaires (code, description, contact_type)
           VALUES ('SIZE', 'Size', 'company');
         INSERT INTO profile_questions (id, questionnaire_code, position, description)
           VALUES (1, 'SIZE', 1, 'Company size');
         INSERT INTO profile_answers (id, question_id, position, description)
           VALUES (10, 1, 1, 'Small');",
    );
    let mut c = app.signed_in("stan", "staff");
    let solo = create(&mut c, &[("type", "company"), ("name", "Solo ApS")]);
    let card = format!("/contacts/{solo}");
    let mut x = app.conn();

    // The company becoming a person, not yet committed: the card's writes wait, then see it.
    for (action, fields) in [
        (
            format!("{card}/classifications"),
            vec![
                ("kind", "industry_group"),
                ("code", "RETAIL"),
                ("action", "add"),
            ],
        ),
        (format!("{card}/profile"), vec![("q_1", "10")]),
    ] {
        x.batch_execute(&format!(
            "BEGIN; UPDATE contacts SET type = 'person', version = version + 1 WHERE no = '{solo}'"
        ))
        .unwrap();
        let token = c.get("/contacts").csrf_token().unwrap();
        let writing = std::thread::spawn(move || {
            let fields: Vec<(&str, &str)> = fields.to_vec();
            let res = c.post_with_token(&action, &token, &fields);
            (c, res)
        });
        crate::segment_trust::wait_for_lock_waiters(&app, 1);
        x.batch_execute("COMMIT").unwrap();
        let (back, res) = writing.join().unwrap();
        c = back;
        assert!(res.status == 303 || res.status == 422, "{}", res.status);
        assert_eq!(
            app.count(
                "SELECT (SELECT count(*) FROM contact_industry_groups) \
                      + (SELECT count(*) FROM contact_profile_answers)"
            ),
            0,
            "a person holds nothing only a company may"
        );
        x.batch_execute(&format!(
            "UPDATE contacts SET type = 'company', version = version + 1 WHERE no = '{solo}'"
        ))
        .unwrap();
    }

    // An industry group being added, not yet committed: the type change waits, then sees it.
    let page = c.get(&format!("{card}/edit"));
    let version = hidden_value(&page.body, "version").unwrap();
    let token = page.csrf_token().unwrap();
    x.batch_execute(&format!(
        "BEGIN; INSERT INTO contact_industry_groups (contact_id, code) \
           SELECT id, 'RETAIL' FROM contacts WHERE no = '{solo}'"
    ))
    .unwrap();
    let solo_no = solo.clone();
    let changing = std::thread::spawn(move || {
        c.post_with_token(
            &format!("/contacts/{solo_no}"),
            &token,
            &[("type", "person"), ("name", "Solo"), ("version", &version)],
        )
    });
    crate::segment_trust::wait_for_lock_waiters(&app, 1);
    x.batch_execute("COMMIT").unwrap();
    let res = changing.join().unwrap();
    res.assert_status(422);
    assert!(
        res.contains("has industry groups RETAIL, which a person does not have"),
        "{}",
        res.body
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM contacts WHERE no = '{solo}' AND type = 'company'"
        )),
        1
    );
}

/// A territory deleted by a colleague while a contact is being saved with it: the save waits
/// for the deletion and shows the form again, as the user filled it, with the reason at the
/// field (it was a bare "changed at the same moment" page that lost what was typed).
#[test]
fn a_code_deleted_while_a_contact_is_saved_with_it_is_said_at_its_field() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let company = create(&mut c, NORDLYS);
    let page = c.get(&format!("/contacts/{company}/edit"));
    let version = hidden_value(&page.body, "version").unwrap();
    let token = page.csrf_token().unwrap();
    let mut x = app.conn();
    x.batch_execute("BEGIN; DELETE FROM territories WHERE code = 'SOUTH'")
        .unwrap();
    let no = company.clone();
    let saving = std::thread::spawn(move || {
        c.post_with_token(
            &format!("/contacts/{no}"),
            &token,
            &[
                ("type", "company"),
                ("name", "Nordlys Syd A/S"),
                ("city", "Aabenraa"),
                ("territory_code", "SOUTH"),
                ("version", &version),
            ],
        )
    });
    crate::segment_trust::wait_for_lock_waiters(&app, 1);
    x.batch_execute("COMMIT").unwrap();
    let res = saving.join().unwrap();
    res.assert_status(422);
    let at_field = res
        .body
        .find("id=\"territory_code-error\"")
        .expect(&res.body);
    assert!(
        res.body[at_field..].starts_with(
            "id=\"territory_code-error\"><span class=\"visually-hidden\">Error:</span> This was deleted by someone else a moment ago. Choose another."
        ),
        "{}",
        res.body
    );
    assert!(res.contains("value=\"Nordlys Syd A/S\"") && res.contains("value=\"Aabenraa\""));
    assert_eq!(
        row(&app, &company),
        "Havnegade 1|2. sal|Århus|8000|DK|+45 86 12 34 56|JO|NORTH|DAN|info@nordlys.dk",
        "nothing saved"
    );
}

/// Add person clicked on one company's card, then Company No. changed to another before
/// saving: the person takes the second company's address, phone and codes where the form
/// still had the first one's, and keeps what the user typed. It kept the first company's
/// (nothing was empty to fill), under the second.
#[test]
fn a_new_persons_company_changed_on_its_form_gives_its_own_values() {
    let app = TestApp::start();
    codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let nordlys = create(&mut c, NORDLYS);
    let solo = create(
        &mut c,
        &[
            ("type", "company"),
            ("name", "Solo ApS"),
            ("address", "Strøget 5"),
            ("city", "København"),
            ("post_code", "1100"),
            ("country_code", "DK"),
            ("phone", "+45 33 00 00 00"),
            ("salesperson_code", "PL"),
            ("territory_code", "SOUTH"),
        ],
    );
    // The form opened on Nordlys, sent as it was filled in but for Company No. (Solo) and the
    // phone; `meanwhile` runs between opening and sending. The new person's No.
    let person = |c: &mut Client, name: &str, phone: &str, meanwhile: &dyn Fn()| {
        let page = c.get(&format!("/contacts/new?company={nordlys}"));
        let took_from = hidden_value(&page.body, "took_from").expect("what the form took");
        meanwhile();
        let res = c.post_with_token(
            "/contacts",
            &page.csrf_token().unwrap(),
            &[
                ("type", "person"),
                ("name", name),
                ("company_no", &solo),
                ("address", "Havnegade 1"),
                ("address_2", "2. sal"),
                ("city", "Århus"),
                ("post_code", "8000"),
                ("country_code", "DK"),
                ("phone", phone),
                ("salesperson_code", "JO"),
                ("territory_code", "NORTH"),
                ("language_code", "DAN"),
                ("took_from", &took_from),
            ],
        );
        res.assert_status(303);
        res.location()
            .unwrap()
            .trim_start_matches("/contacts/")
            .to_string()
    };
    // As the form was filled in, only Company No. changed.
    let eva = person(&mut c, "Eva", "+45 86 12 34 56", &|| {});
    assert_eq!(
        row(&app, &eva),
        "Strøget 5||København|1100|DK|+45 33 00 00 00|PL|SOUTH|"
    );
    // The message says what it took in place of what the form showed (it said nothing).
    let card = c.get(&format!("/contacts/{eva}"));
    assert!(
        card.contains(&format!(
            "It took its company&#39;s address, phone, salesperson, territory and language in \
             place of {nordlys}&#39;s, which the form showed."
        )),
        "said what it took: {}",
        card.body
    );
    // A value the user typed over the first company's stays.
    let finn = person(&mut c, "Finn", "+45 11 11 11 11", &|| {});
    assert_eq!(
        row(&app, &finn),
        "Strøget 5||København|1100|DK|+45 11 11 11 11|PL|SOUTH|"
    );
    // The first company changed its phone after the form showed it: the phone the form still
    // has as shown is the second company's all the same. It stayed, compared with the first
    // company as it is now.
    let gry = person(&mut c, "Gry", "+45 86 12 34 56", &|| {
        diesel_exec(
            &app,
            &format!("UPDATE contacts SET phone = '+45 99 99 99 99' WHERE no = '{nordlys}'"),
        )
    });
    assert_eq!(
        row(&app, &gry),
        "Strøget 5||København|1100|DK|+45 33 00 00 00|PL|SOUTH|"
    );
}

/// A company saved while an import writes new persons under it waits for the import, and its
/// persons follow it then, the new ones too. It went through at once (the import's hold on the
/// company did not stop it), and the persons the import had written with the old address,
/// committed after, kept it unseen.
#[test]
fn a_company_saved_while_an_import_writes_its_persons_waits_and_they_follow_it() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let company = create(&mut c, NORDLYS);
    let other = create(&mut c, &[("type", "company"), ("name", "Other A/S")]);
    // The import stops at the contact it updates, which a colleague holds, having taken
    // the company it names ...
    let mut x = app.conn();
    x.batch_execute(&format!(
        "BEGIN; SELECT 1 FROM contacts WHERE no = '{other}' FOR UPDATE"
    ))
    .unwrap();
    let file = format!(
        "no,type,name,company_no\n,person,Ivy Import,{company}\n{other},company,Other Renamed,\n"
    );
    let res = c.upload_with(
        "/contacts/import",
        "/contacts/import",
        &[("update_existing", "on")],
        "persons.csv",
        file.as_bytes(),
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let job = res.location().unwrap();
    let waiting = |app: &TestApp| {
        app.count(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock'",
        )
    };
    assert!(eventually(std::time::Duration::from_millis(20), || {
        waiting(&app) >= 1
    }));
    // ... when the company moves on its card.
    let mut editor = app.signed_in("eva", "staff");
    let page = editor.get(&format!("/contacts/{company}/edit"));
    let version = hidden_value(&page.body, "version").unwrap();
    let token = page.csrf_token().unwrap();
    let company_no = company.clone();
    let saving = std::thread::spawn(move || {
        let mut fields: Vec<(&str, &str)> = NORDLYS
            .iter()
            .filter(|(k, _)| !["address", "city", "post_code"].contains(k))
            .copied()
            .collect();
        fields.extend_from_slice(&[
            ("address", "Nørregade 5"),
            ("city", "København"),
            ("post_code", "1165"),
            ("version", &version),
        ]);
        editor
            .post_with_token(&format!("/contacts/{company_no}"), &token, &fields)
            .status
    });
    let waited = eventually(std::time::Duration::from_millis(20), || {
        saving.is_finished() || waiting(&app) >= 2
    });
    let went_through = saving.is_finished();
    x.batch_execute("COMMIT").unwrap();
    assert_eq!(saving.join().unwrap(), 303);
    let done = c.wait_for(&job, |r| !r.contains("data-status-url"));
    assert!(!done.contains("Nothing was imported"), "{}", done.body);
    assert!(
        waited && !went_through,
        "the company's save did not wait for the import"
    );
    assert_eq!(
        crate::segments::text(
            &app,
            "SELECT concat_ws('|', address, city, post_code) FROM contacts WHERE name = 'Ivy Import'"
        ),
        "Nørregade 5|København|1165"
    );
}

/// A company's change to a person while an administrator narrows a questionnaire it answered
/// to companies: the change waits for the narrowing, then sees it and is refused. Each read
/// the other as it was, and the person kept answers to a questionnaire for companies, hidden
/// on its card and still found by segments.
#[test]
fn a_type_change_waits_for_a_questionnaire_narrowed_meanwhile() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    codes(&app);
    diesel_exec(
        &app,
        "INSERT INTO profile_questionnaires (code, description) VALUES ('SAT', 'Satisfaction');
         INSERT INTO profile_questions (id, questionnaire_code, position, description)
           VALUES (1, 'SAT', 1, 'Happy?');
         INSERT INTO profile_answers (id, question_id, position, description)
           VALUES (10, 1, 1, 'Yes');",
    );
    let mut c = app.signed_in("stan", "staff");
    let solo = create(&mut c, &[("type", "company"), ("name", "Solo ApS")]);
    let card = format!("/contacts/{solo}");
    let form = c.get(&card);
    c.post_with_token(
        &format!("{card}/profile"),
        &form.csrf_token().unwrap(),
        &[("q_1", "10")],
    );
    assert_eq!(app.count("SELECT count(*) FROM contact_profile_answers"), 1);
    let page = c.get(&format!("{card}/edit"));
    let version = hidden_value(&page.body, "version").unwrap();
    let token = page.csrf_token().unwrap();
    // The administrator's narrowing, counted and saved, not yet committed.
    let mut admin = app.conn();
    admin
        .batch_execute(
            "BEGIN; SELECT * FROM profile_questionnaires WHERE code = 'SAT' FOR UPDATE; \
             UPDATE profile_questionnaires SET contact_type = 'company' WHERE code = 'SAT'",
        )
        .unwrap();
    let changing = std::thread::spawn(move || {
        c.post_with_token(
            &card,
            &token,
            &[("type", "person"), ("name", "Solo"), ("version", &version)],
        )
    });
    crate::segment_trust::wait_for_lock_waiters(&app, 1);
    admin.batch_execute("COMMIT").unwrap();
    let res = changing.join().unwrap();
    res.assert_status(422);
    assert!(res.contains("answers to SAT"), "{}", res.body);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM contacts WHERE no = '{solo}' AND type = 'company'"
        )),
        1
    );
}

#[test]
fn a_persons_form_names_the_company_its_company_no_names() {
    let app = TestApp::start();
    codes(&app);
    let mut c = app.signed_in("stan", "staff");
    let nordlys = create(&mut c, NORDLYS);
    let other = create(
        &mut c,
        &[("type", "company"), ("name", "Søndervind & <Co>")],
    );
    let ada = create(
        &mut c,
        &[
            ("type", "person"),
            ("name", "Ada Lund"),
            ("company_no", &nordlys),
        ],
    );
    let name_shown = |body: &str| {
        body.split("Company Name: <strong>")
            .nth(1)
            .and_then(|rest| rest.split("</strong>").next())
            .map(str::to_string)
    };

    // The new person's form and the person's edit form name the company beside its No.
    let new = c.get(&format!("/contacts/new?company={nordlys}"));
    assert_eq!(name_shown(&new.body).as_deref(), Some("Nordlys A/S"));
    let edit = c.get(&format!("/contacts/{ada}/edit"));
    edit.assert_status(200);
    assert_eq!(name_shown(&edit.body).as_deref(), Some("Nordlys A/S"));
    assert!(
        edit.contains("href=\"/contacts?type=company\""),
        "a lookup of the companies"
    );

    // Shown again for another field, the form names the company now typed, escaped.
    let version = hidden_value(&edit.body, "version").unwrap();
    let res = c.post_with_token(
        &format!("/contacts/{ada}"),
        &edit.csrf_token().unwrap(),
        &[
            ("version", &version),
            ("type", "person"),
            ("name", "Ada Lund"),
            ("company_no", &other.to_lowercase()),
            ("email", "not an address"),
        ],
    );
    res.assert_status(422);
    assert_eq!(
        name_shown(&res.body).as_deref(),
        Some("Søndervind &#38; &#60;Co&#62;")
    );
    assert_eq!(
        row(&app, &ada).split('|').next_back(),
        Some(""),
        "nothing saved"
    );

    // A No. that names no company, and a company's own form, name none.
    let res = c.post_with_token(
        &format!("/contacts/{ada}"),
        &edit.csrf_token().unwrap(),
        &[
            ("version", &version),
            ("type", "person"),
            ("name", "Ada Lund"),
            ("company_no", &ada),
        ],
    );
    res.assert_status(422);
    assert_eq!(name_shown(&res.body), None);
    let company_form = c.get(&format!("/contacts/{nordlys}/edit"));
    assert_eq!(name_shown(&company_form.body), None);
}
