//! Codes shown with their names on the segment page (header and lines), and profile
//! questionnaires that apply to companies or to persons.

use crate::auth::diesel_exec;
use crate::segments::{header_fields, post, staff, step, text, world};
use crate::support::*;

/// A segment of `world` with a salesperson, template (and its campaign) and language on its
/// header (DAN, Danish, is one of the languages Rapport starts with), and ANNA and DORA on its
/// lines; its No.
fn named_segment(c: &mut Client) -> String {
    let res = c.submit(
        "/segments/new",
        "/segments",
        &header_fields(&[
            ("description", "Names"),
            ("interaction_template_code", "MAIL"),
            ("language_code", "DAN"),
        ]),
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let no = res
        .location()
        .unwrap()
        .trim_start_matches("/segments/")
        .to_string();
    step(c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    no
}

#[test]
fn the_segment_page_shows_codes_with_their_names_on_its_header_and_lines() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = named_segment(&mut c);
    // A viewer reads the header as text.
    let mut viewer = app.signed_in("vera", "viewer");
    let page = viewer.get(&format!("/segments/{no}"));
    assert_eq!(page.status, 200);
    for expected in [
        "<dt>Salesperson</dt><dd>JO – Jo Sales</dd>",
        "<dt>Interaction Template</dt><dd>MAIL – Mailing</dd>",
        "<a href=\"/campaigns/CP0002\">CP0002 – Autumn</a>",
        "<dt>Language</dt><dd>DAN – Danish</dd>",
        // A logged segment's header is read here only: every value it logs with is shown,
        // its campaign flags among them (they were left out).
        "<dt>Campaign Target</dt><dd>",
        "<dt>Campaign Response</dt><dd>",
        "<dt>Ignore Contact Correspondence Type</dt><dd>",
        "<dt>Information Flow</dt><dd>",
        "<dt>Initiated By</dt><dd>",
    ] {
        assert!(page.contains(expected), "{expected}:\n{}", page.body);
    }
    // The campaign it is for is one click away from its top, draft or not.
    assert!(
        page.contains("for campaign <a href=\"/campaigns/CP0002\" id=\"segment-campaign\">CP0002 – Autumn</a>"),
        "{}",
        page.body
    );
    // Each line too, the header's values marked as such.
    let lines = page.body.split("id=\"lines-heading\"").nth(1).unwrap();
    assert_eq!(
        lines
            .matches("JO – Jo Sales <span class=\"from\">(header)</span>")
            .count(),
        2,
        "{lines}"
    );
    assert_eq!(
        lines
            .matches("MAIL – Mailing <span class=\"from\">(header)</span>")
            .count(),
        2,
        "{lines}"
    );
    // A line's own salesperson, with its name; a code without a name shows alone.
    diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('NN', '');
         UPDATE segment_lines SET salesperson_code = 'PL' WHERE contact_id = (SELECT id FROM contacts WHERE no = 'ANNA');
         UPDATE segment_lines SET salesperson_code = 'NN' WHERE contact_id = (SELECT id FROM contacts WHERE no = 'DORA');",
    );
    let page = viewer.get(&format!("/segments/{no}?sort=salesperson"));
    let lines = page.body.split("id=\"lines-heading\"").nth(1).unwrap();
    let (pl, nn) = (
        lines.find("<td>PL – Pat Lee</td>"),
        lines.find("<td>NN</td>"),
    );
    assert!(pl.is_some() && nn.is_some(), "{lines}");
    assert!(nn < pl, "sorted by salesperson code: NN before PL");
    // The export keeps the codes.
    let csv = viewer.get(&format!("/segments/{no}/export.csv"));
    assert!(
        csv.body.contains(",PL,") || csv.body.contains(",PL\r") || csv.body.contains(",PL\n"),
        "{}",
        csv.body
    );
    assert!(!csv.body.contains("Pat Lee"), "{}", csv.body);
}

/// The id of the question `description` and of its answer `answer`.
fn question_ids(app: &TestApp, description: &str, answer: &str) -> (String, String) {
    (
        text(
            app,
            &format!("SELECT id FROM profile_questions WHERE description = '{description}'"),
        ),
        text(
            app,
            &format!(
                "SELECT a.id FROM profile_answers a JOIN profile_questions q ON q.id = a.question_id \
                 WHERE q.description = '{description}' AND a.description = '{answer}'"
            ),
        ),
    )
}

#[test]
fn a_questionnaire_applies_to_companies_or_persons_and_only_there_is_answered() {
    let app = TestApp::start();
    world(&app);
    let mut admin = app.signed_in("ada", "admin");
    // A questionnaire for persons, made on its setup page.
    let res = admin.submit(
        "/setup/profile-questionnaires/new",
        "/setup/profile-questionnaires",
        &[
            ("code", "pers"),
            ("description", "Person profile"),
            ("contact_type", "person"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let res = admin.submit(
        "/setup/profile-questionnaires/PERS",
        "/setup/profile-questionnaires/PERS/questions",
        &[
            ("new_question", "Channel"),
            ("new_answers", "Phone\nLetter"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        text(
            &app,
            "SELECT contact_type FROM profile_questionnaires WHERE code = 'PERS'"
        ),
        "person"
    );
    assert_eq!(
        text(
            &app,
            "SELECT contact_type FROM profile_questionnaires WHERE code = 'CUST'"
        ),
        "both",
        "a questionnaire made before applies to both"
    );
    let list = admin.get("/setup/profile-questionnaires");
    assert!(list.contains("<td>Persons</td>"), "{}", list.body);
    assert!(
        list.contains("<td>Companies and persons</td>"),
        "{}",
        list.body
    );

    // Each card shows only the questionnaires that apply to its contact.
    let mut c = staff(&app, "stan");
    let anna = c.get("/contacts/ANNA");
    assert!(
        anna.contains("Channel <span class=\"muted\">(Person profile)</span>"),
        "{}",
        anna.body
    );
    assert!(
        anna.contains("Size <span class=\"muted\">(Customer)</span>"),
        "{}",
        anna.body
    );
    let alpha = c.get("/contacts/ALPHA");
    assert!(!alpha.contains("Channel"), "{}", alpha.body);
    assert!(
        alpha.contains("Size <span class=\"muted\">(Customer)</span>"),
        "{}",
        alpha.body
    );

    // Answering it for a company is refused, and nothing is saved.
    let (question, answer) = question_ids(&app, "Channel", "Phone");
    let (size, large) = question_ids(&app, "Size", "Large");
    let field = format!("q_{question}");
    let size_field = format!("q_{size}");
    let res = post(
        &mut c,
        "/contacts/ALPHA/profile",
        &[(&size_field, &large), (&field, &answer)],
    );
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.contains("PERS (persons only) does not apply to ALPHA Alpha Retail, a company: nothing was saved."),
        "{}",
        res.body
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contact_profile_answers a JOIN contacts c ON c.id = a.contact_id \
             WHERE c.no = 'ALPHA'"
        ),
        0
    );
    // For a person it is saved.
    let res = post(&mut c, "/contacts/ANNA/profile", &[(&field, &answer)]);
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM contact_profile_answers a JOIN contacts c ON c.id = a.contact_id \
             WHERE c.no = 'ANNA' AND a.answer_id = {answer}"
        )),
        1
    );

    // A card opened before PERS applied to persons only sends its (blank) PERS question
    // with the others, unchanged: the size is saved (every answer was refused for it).
    let res = post(
        &mut c,
        "/contacts/ALPHA/profile",
        &[
            (&size_field, &large),
            (&field, ""),
            (&format!("was_{field}"), ""),
            (&format!("was_{size_field}"), ""),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM contact_profile_answers a JOIN contacts c ON c.id = a.contact_id \
             WHERE c.no = 'ALPHA' AND a.answer_id = {large}"
        )),
        1
    );
    // A choice deleted after the card was opened: refused, naming its question.
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO profile_answers (question_id, position, description) \
         SELECT id, 99, 'Tiny' FROM profile_questions WHERE description = 'Size'",
    );
    let (_, small) = question_ids(&app, "Size", "Tiny");
    crate::auth::diesel_exec(
        &app,
        &format!("DELETE FROM profile_answers WHERE id = {small}"),
    );
    let res = post(
        &mut c,
        "/contacts/ALPHA/profile",
        &[
            (&size_field, &small),
            (&format!("was_{size_field}"), &large),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(c
        .get("/contacts/ALPHA")
        .contains("The answer chosen for Size is no longer one of its choices"),);
    crate::auth::diesel_exec(
        &app,
        "DELETE FROM contact_profile_answers a USING contacts c \
         WHERE c.id = a.contact_id AND c.no = 'ALPHA'",
    );
    // A question deleted after the card was opened: the other answers are saved, and it is
    // said (all was refused, "An answer did not match its question").
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO profile_questions (questionnaire_code, position, description) \
           SELECT questionnaire_code, 98, 'Budget' FROM profile_questions WHERE description = 'Size'; \
         INSERT INTO profile_answers (question_id, position, description) \
           SELECT id, 1, 'High' FROM profile_questions WHERE description = 'Budget'",
    );
    let (budget, high) = question_ids(&app, "Budget", "High");
    crate::auth::diesel_exec(
        &app,
        &format!("DELETE FROM profile_answers WHERE id = {high}; DELETE FROM profile_questions WHERE id = {budget}"),
    );
    let res = post(
        &mut c,
        "/contacts/ALPHA/profile",
        &[
            (&size_field, &large),
            (&format!("was_{size_field}"), ""),
            (&format!("q_{budget}"), &high),
            (&format!("was_q_{budget}"), ""),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(c
        .get("/contacts/ALPHA")
        .contains("Profile answers saved, but for 1 question: deleted after you opened the card."),);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM contact_profile_answers a JOIN contacts c ON c.id = a.contact_id \
             WHERE c.no = 'ALPHA' AND a.answer_id = {large}"
        )),
        1
    );
    crate::auth::diesel_exec(
        &app,
        "DELETE FROM contact_profile_answers a USING contacts c \
         WHERE c.id = a.contact_id AND c.no = 'ALPHA'",
    );

    // A questionnaire persons answered cannot become one for companies only.
    let res = admin.submit(
        "/setup/profile-questionnaires/CUST",
        "/setup/profile-questionnaires/CUST",
        &[
            ("code", "CUST"),
            ("description", "Customer"),
            ("contact_type", "company"),
        ],
    );
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.contains("2 persons have answered its questions"),
        "{}",
        res.body
    );
    assert_eq!(
        text(
            &app,
            "SELECT contact_type FROM profile_questionnaires WHERE code = 'CUST'"
        ),
        "both"
    );
    // One nobody answered can; an unknown choice is named.
    let res = admin.submit(
        "/setup/profile-questionnaires/PERS",
        "/setup/profile-questionnaires/PERS",
        &[
            ("code", "PERS"),
            ("description", "Person profile"),
            ("contact_type", "robots"),
        ],
    );
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.contains("Choose companies, persons, or companies and persons."),
        "{}",
        res.body
    );
    diesel_exec(&app, "DELETE FROM contact_profile_answers");
    let res = admin.submit(
        "/setup/profile-questionnaires/CUST",
        "/setup/profile-questionnaires/CUST",
        &[
            ("code", "CUST"),
            ("description", "Customer"),
            ("contact_type", "company"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(!c.get("/contacts/ANNA").contains("Size"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE detail LIKE '%applies to Companies and persons → Companies%'"),
        1
    );
}
