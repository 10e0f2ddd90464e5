//! Segments that never answer wrongly in silence: stored criteria that fail closed, Go Back
//! that keeps the step it stands next to and says what it does, and filters too large for one
//! statement.

use crate::auth::diesel_exec;
use crate::segments::{
    assert_members, header_fields, line_id as first_current_line, new_segment, post, segment_state,
    staff, step, step_count, text, world,
};
use crate::support::*;

// ---- Go Back --------------------------------------------------------------------------------

#[test]
fn going_back_to_a_step_keeps_it_says_what_it_does_and_confirms_more_than_one_step() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "three steps");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("country", "DK")]);
    let after1 = segment_state(&app, &no);
    step(&mut c, &no, "reduce", &[("name", "Anna*")]);
    step(&mut c, &no, "add", &[("country", "SE")]);
    // After step 1: ALPHA ANNA ELI FINN SOLO (BO excluded, CY blocked, GAMMA excluded);
    // step 2 took ANNA out; step 3 brought BETA and DORA.
    assert_members(&app, &no, &["ALPHA", "BETA", "DORA", "ELI", "FINN", "SOLO"]);

    // The ledger says in numbers what each Go Back does; going back to step 1 is a link to a
    // confirmation, going back one step is a button.
    let html = c.get(&page);
    html.assert_status(200);
    assert!(
        html.contains("Undo steps 2–3: 1 line back, 2 out"),
        "{}",
        html.body
    );
    assert!(html.contains(&format!("href=\"/segments/{no}/go-back?to=1\"")));
    assert!(html.contains("Undo step 3: 0 lines back, 2 out"));
    assert!(html.contains("Undo steps 1–3: 0 lines back, 6 out"));

    // The confirmation is a page of its own (a GET) and changes nothing.
    let confirm = c.get(&format!("/segments/{no}/go-back?to=1"));
    confirm.assert_status(200);
    assert!(confirm.contains("Go back to step 1"));
    assert!(confirm.contains("Step 1 stays"));
    assert!(confirm.contains("Reduce Contacts"));
    assert_eq!(step_count(&app, &no), 3);

    // A confirmation made stale by another step undoes nothing.
    let stale = post(
        &mut c,
        &format!("/segments/{no}/go-back"),
        &[("to", "1"), ("last", "2")],
    );
    stale.assert_redirect(&page);
    assert!(c
        .get(&page)
        .contains("the steps of the segment changed meanwhile"));
    assert_eq!(step_count(&app, &no), 3);

    // Confirmed: step 1 stays, 2 and 3 go.
    post(
        &mut c,
        &format!("/segments/{no}/go-back"),
        &[("to", "1"), ("last", "3")],
    )
    .assert_redirect(&page);
    assert_eq!(step_count(&app, &no), 1);
    assert_eq!(segment_state(&app, &no), after1);
    assert!(c
        .get(&page)
        .contains("Went back to step 1: 2 steps undone, 1 line back, 2 out."));
}

/// Go Back undoes the step the user saw, or nothing: after a colleague went back and stepped
/// again, the last step has the same number but is another step. It used to be undone: the
/// user read "1 step undone" and believed the Swedish contacts gone, while the opted-out ones
/// came back.
#[test]
fn go_back_refuses_when_the_last_step_is_another_step_of_the_same_number() {
    let app = TestApp::start();
    world(&app);
    let mut a = staff(&app, "ada");
    let mut b = staff(&app, "bo");
    let no = new_segment(&mut a, "two at once");
    let page = format!("/segments/{no}");
    step(&mut a, &no, "add", &[("country", "DK")]);
    step(&mut a, &no, "add", &[("country", "SE")]);
    // Ada's page: step 2, Added ... country SE, with its Go Back button.
    let seen = a.get(&page);
    let token = seen.csrf_token().unwrap();
    let last = hidden_value(&seen.body, "last").unwrap();
    let last_at = hidden_value(&seen.body, "last_at").unwrap();
    assert_eq!(last, "2");
    // Bo goes back and reduces: a new step 2.
    post(&mut b, &format!("{page}/go-back"), &[("to", "1")]).assert_redirect(&page);
    step(&mut b, &no, "reduce", &[("name", "Anna*")]);
    let before = segment_state(&app, &no);
    let res = a.post_with_token(
        &format!("{page}/go-back"),
        &token,
        &[("to", "1"), ("last", &last), ("last_at", &last_at)],
    );
    res.assert_redirect(&page);
    let said = a.get(&page);
    assert!(said.contains("Nothing was undone: the steps of the segment changed meanwhile"));
    // Said as it is now: how many steps, and the last one (not a bare number that looks the
    // same as the one seen).
    assert!(
        said.contains("(it now has 2 steps; the last, Reduce Contacts by"),
        "{}",
        said.body
    );
    assert_eq!(segment_state(&app, &no), before, "Bo's Reduce stays");
    assert_eq!(step_count(&app, &no), 2);
    // Seen anew, it goes.
    let seen = a.get(&page);
    a.post_with_token(
        &format!("{page}/go-back"),
        &seen.csrf_token().unwrap(),
        &[
            ("to", "1"),
            ("last", &hidden_value(&seen.body, "last").unwrap()),
            ("last_at", &hidden_value(&seen.body, "last_at").unwrap()),
        ],
    )
    .assert_redirect(&page);
    assert_eq!(step_count(&app, &no), 1);
}

// ---- stored criteria fail closed --------------------------------------------------------------

fn set_step_note(app: &TestApp, no: &str, seq: i32, json: &str) {
    diesel_exec(
        app,
        &format!(
            "UPDATE segment_steps t SET criteria = '{json}'::jsonb FROM segments s \
             WHERE s.id = t.segment_id AND s.no = '{no}' AND t.seq = {seq}"
        ),
    );
}

#[test]
fn a_ledger_step_that_cannot_be_read_is_shown_as_such_and_refresh_and_save_refuse_it() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "unreadable");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("industry_group", "RETAIL")]);
    step(&mut c, &no, "reduce", &[("name", "Anna*")]);
    assert_members(&app, &no, &["ALPHA"]);

    for (json, says) in [
        (r#"{"filters": {"industry_grp": "RETAIL"}}"#, "industry_grp"),
        (
            r#"{"filters": {"name": "Anna*"}, "colour": "red"}"#,
            "colour",
        ),
        (r#"{"filters": {"name": "Anna*"}, "format": 9}"#, "format 9"),
        (r#"{"filters": {"name": "A||"}}"#, "no longer parse"),
    ] {
        set_step_note(&app, &no, 2, json);
        let before = segment_state(&app, &no);

        let html = c.get(&page);
        html.assert_status(200);
        assert!(
            html.contains("This step cannot be read") && html.contains(says),
            "{json}: {}",
            html.body
        );

        let preview = c.get(&format!("/segments/{no}/refresh"));
        preview.assert_status(422);
        assert!(preview.contains("Step 2 (Reduce Contacts) cannot be read"));
        assert!(preview.contains(says));
        assert!(!preview.contains("Apply Refresh"));

        let apply = post(&mut c, &format!("/segments/{no}/refresh"), &[]);
        apply.assert_status(422);
        assert!(apply.contains("Step 2 (Reduce Contacts) cannot be read"));
        assert_eq!(segment_state(&app, &no), before, "{json}");
        assert_eq!(step_count(&app, &no), 2);

        let save = post(
            &mut c,
            &format!("/segments/{no}/save-criteria"),
            &[("code", "BROKEN"), ("description", "x")],
        );
        save.assert_status(422);
        assert!(save.contains("Step 2 (Reduce Contacts) cannot be read"));
        assert_eq!(app.count("SELECT count(*) FROM saved_criteria"), 0);

        let why = c.get(&format!("/segments/{no}/why?contact=ANNA"));
        why.assert_status(200);
        assert!(why.contains("removed by step 2"), "{}", why.body);
    }

    // A step whose Add cannot be read is named in Why, never read as "every contact".
    set_step_note(&app, &no, 1, r#"{"filterz": {}}"#);
    let why = c.get(&format!("/segments/{no}/why?contact=DORA"));
    assert!(
        why.contains("Step 1 (Add Contacts) cannot be read"),
        "{}",
        why.body
    );
    assert!(!why.contains("matches the filters"));
}

#[test]
fn saved_criteria_that_cannot_be_read_are_not_reused_and_nothing_runs() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "reuse");
    let page = format!("/segments/{no}");
    diesel_exec(
        &app,
        r#"INSERT INTO saved_criteria (code, description) VALUES ('OLD', 'From a newer version');
           INSERT INTO saved_criteria_steps (code, seq, kind, criteria) VALUES
             ('OLD', 1, 'add', '{"filters": {"country": "DK"}}'),
             ('OLD', 2, 'refine', '{"filters": {"country": "DK"}, "options": {"whole_company": true}}');"#,
    );
    let list = c.get("/saved-criteria");
    assert!(list.contains("Add Contacts: country/region DK"));
    assert!(list.contains("This step cannot be read"));
    assert!(list.contains("whole_company"));

    let res = post(
        &mut c,
        &format!("/segments/{no}/reuse-criteria"),
        &[("code", "old")],
    );
    res.assert_status(422);
    assert!(
        res.contains("Saved criteria OLD cannot be reused: its step 2 cannot be read"),
        "{}",
        res.body
    );
    assert_eq!(step_count(&app, &no), 0);
    assert_members(&app, &no, &[]);

    // Readable, it runs as saved (not as Refine when it is a Reduce).
    diesel_exec(
        &app,
        r#"UPDATE saved_criteria_steps SET kind = 'reduce',
             criteria = '{"filters": {"name": "Anna*"}, "format": 1}' WHERE seq = 2"#,
    );
    post(
        &mut c,
        &format!("/segments/{no}/reuse-criteria"),
        &[("code", "OLD")],
    )
    .assert_redirect(&page);
    assert_members(&app, &no, &["ALPHA", "ELI", "FINN", "SOLO"]);
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT string_agg(t.kind, ',' ORDER BY t.seq) FROM segment_steps t \
                 JOIN segments s ON s.id = t.segment_id WHERE s.no = '{no}'"
            )
        ),
        "add,reduce"
    );
}

/// Alternatives and exclusions of codes are checked value by value: a typo among them is
/// refused in the step, and after a rename, saved criteria naming the old code among others
/// are refused on reuse, naming it. Before, only a single plain value was checked: Reuse
/// Criteria of `RETAIL|WHOLESALE` after RETAIL's rename quietly added the wholesalers alone.
#[test]
fn codes_among_alternatives_and_exclusions_are_checked_and_a_rename_is_caught() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Trade");
    let page = format!("/segments/{no}");
    let res = post(
        &mut c,
        &format!("{page}/add"),
        &[("industry_group", "RETAIL|RETIAL")],
    );
    res.assert_status(422);
    assert!(
        res.contains("RETIAL is not an industry group code"),
        "{}",
        res.body
    );
    assert!(res.contains("value=\"RETAIL|RETIAL\""), "the form as typed");
    step(
        &mut c,
        &no,
        "add",
        &[("industry_group", "RETAIL|WHOLESALE")],
    );
    step(
        &mut c,
        &no,
        "reduce",
        &[("industry_group", "<>RETAIL&<>WHOLESALE")],
    );
    assert_members(&app, &no, &["ALPHA", "ANNA", "BETA", "DORA", "ELI"]);
    post(
        &mut c,
        &format!("{page}/save-criteria"),
        &[("code", "TRADE"), ("description", "Trade")],
    )
    .assert_redirect(&page);
    let mut admin = app.signed_in("boss", "admin");
    admin
        .submit(
            "/setup/industry-groups/RETAIL",
            "/setup/industry-groups/RETAIL",
            &[("code", "RETL"), ("description", "Retail")],
        )
        .assert_redirect("/setup/industry-groups");
    let other = new_segment(&mut c, "again");
    let res = post(
        &mut c,
        &format!("/segments/{other}/reuse-criteria"),
        &[("code", "TRADE")],
    );
    res.assert_status(422);
    assert!(
        res.contains("Saved criteria TRADE cannot be reused: its step 1 names what is gone"),
        "{}",
        res.body
    );
    assert!(res.contains("RETAIL is not an industry group code"));
    // The way on is one that can be taken (saving again from a segment that names the old
    // code is refused too).
    assert!(res.contains(
        "build these steps again in a segment with the codes as they are now, save them under \
         another code, and delete TRADE."
    ));
    assert_members(&app, &other, &[]);
    let res = c.get(&format!("{page}/refresh"));
    res.assert_status(422);
}

/// A contact's No. is never renamed: a contact a step named, deleted since, is today's data
/// that the step matches no more. Refresh and Save Criteria refused such a step for good ("is
/// not a contact No."), with no way on but undoing every step after it.
#[test]
fn a_step_naming_a_contact_deleted_since_is_replayed_without_it() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Hand-picked");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA|SOLO")]);
    step(&mut c, &no, "reduce", &[("contact_no", "SOLO")]);
    assert_members(&app, &no, &["ANNA", "DORA"]);
    // Solo, on no segment now, is deleted.
    c.submit(
        "/contacts/SOLO/delete",
        "/contacts/SOLO/delete",
        &[("name", "Solo Person")],
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE no = 'SOLO'"),
        0
    );
    let res = c.get(&format!("{page}/refresh"));
    res.assert_status(200);
    assert!(!res.contains("is not a contact No."), "{}", res.body);
    post(&mut c, &format!("{page}/refresh"), &[]).assert_redirect(&page);
    assert_members(&app, &no, &["ANNA", "DORA"]);
    post(
        &mut c,
        &format!("{page}/save-criteria"),
        &[("code", "PICKED"), ("description", "Hand-picked")],
    )
    .assert_redirect(&page);
    // Typed in a new step, a No. that is no contact is still said at once.
    let res = post(&mut c, &format!("{page}/add"), &[("contact_no", "SOLO")]);
    res.assert_status(422);
    assert!(res.contains("SOLO is not a contact No."), "{}", res.body);
}

#[test]
fn a_step_naming_a_code_renamed_or_a_segment_deleted_since_is_refused_not_replayed_as_nobody() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Danish retail");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("country", "DK")]);
    step(&mut c, &no, "refine", &[("industry_group", "RETAIL")]);
    assert_members(&app, &no, &["ALPHA", "ANNA"]);
    post(
        &mut c,
        &format!("{page}/save-criteria"),
        &[("code", "DKRET"), ("description", "Danish retail")],
    )
    .assert_redirect(&page);

    // The industry group is renamed: the contacts follow, the stored filters do not.
    let mut admin = app.signed_in("boss", "admin");
    admin
        .submit(
            "/setup/industry-groups/RETAIL",
            "/setup/industry-groups/RETAIL",
            &[("code", "RETAILERS"), ("description", "Retail")],
        )
        .assert_redirect("/setup/industry-groups");
    let before = segment_state(&app, &no);
    let why = "Step 2 (Refine Contacts) cannot be replayed as it was applied: Industry Group: \
               RETAIL is not an industry group code. Go back to before step 2";
    let res = c.get(&format!("{page}/refresh"));
    res.assert_status(422);
    assert!(res.contains(why), "{}", res.body);
    let res = post(&mut c, &format!("{page}/refresh"), &[]);
    res.assert_status(422);
    assert!(res.contains(why), "{}", res.body);
    assert_eq!(segment_state(&app, &no), before, "nobody left");

    // Reused, or saved again, the same: refused, naming the step and the code.
    let other = new_segment(&mut c, "again");
    let res = post(
        &mut c,
        &format!("/segments/{other}/reuse-criteria"),
        &[("code", "DKRET")],
    );
    res.assert_status(422);
    assert!(
        res.contains("Saved criteria DKRET cannot be reused: its step 2 names what is gone"),
        "{}",
        res.body
    );
    assert!(res.contains("RETAIL is not an industry group code"));
    assert_eq!(step_count(&app, &other), 0);
    assert_members(&app, &other, &[]);
    let res = post(
        &mut c,
        &format!("{page}/save-criteria"),
        &[("code", "DKRET2"), ("description", "again")],
    );
    res.assert_status(422);
    assert!(res.contains("Step 2 (Refine Contacts) names what is gone"));
    assert_eq!(
        app.count("SELECT count(*) FROM saved_criteria WHERE code = 'DKRET2'"),
        0
    );

    // A segment reused and deleted since: Refresh refuses instead of taking its contacts out.
    let source = new_segment(&mut c, "source");
    step(&mut c, &source, "add", &[("contact_no", "SOLO")]);
    let reusing = new_segment(&mut c, "reusing");
    post(
        &mut c,
        &format!("/segments/{reusing}/reuse-segment"),
        &[("segment_no", &source)],
    )
    .assert_redirect(&format!("/segments/{reusing}"));
    assert_members(&app, &reusing, &["SOLO"]);
    post(&mut c, &format!("/segments/{source}/delete"), &[]).assert_redirect("/segments");
    let res = post(&mut c, &format!("/segments/{reusing}/refresh"), &[]);
    res.assert_status(422);
    assert!(
        res.contains(&format!(
            "segment {source}, whose contacts it added, has been deleted"
        )),
        "{}",
        res.body
    );
    assert_members(&app, &reusing, &["SOLO"]);
}

// ---- bound values ---------------------------------------------------------------------------

#[test]
fn a_step_with_too_many_values_is_a_form_error_and_refresh_splits_what_the_ledger_holds() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "many values");

    // One step of three fields with 5,000 values each: more than a step may bind.
    let big = format!("{}B", "A|".repeat(4_999));
    let fields: Vec<(&str, &str)> = ["contact_no", "name", "city"]
        .iter()
        .map(|k| (*k, big.as_str()))
        .collect();
    let res = post(&mut c, &format!("/segments/{no}/add"), &fields);
    res.assert_status(422);
    assert!(
        res.contains("may hold at most 10,000 values, these hold 15,000"),
        "{}",
        &res.body[..res.body.len().min(3000)]
    );
    assert_eq!(step_count(&app, &no), 0);
    let preview = c.get(&format!(
        "/segments/{no}/add?preview=1&contact_no={big}&name={big}&city={big}"
    ));
    preview.assert_status(422);

    // Twenty steps of 3,300 values each: 66,000 in the ledger, more than one statement can
    // bind. Refresh replays them.
    step(&mut c, &no, "add", &[("country", "DK")]);
    let values = format!("{}Anna Alpha", "Q|".repeat(3_299));
    for _ in 0..20 {
        step(&mut c, &no, "refine", &[("name", &values)]);
    }
    assert_members(&app, &no, &["ANNA"]);
    let preview = c.get(&format!("/segments/{no}/refresh"));
    preview.assert_status(200);
    assert!(
        preview.contains("0 would join, 0 would leave"),
        "{}",
        preview.body
    );
    post(&mut c, &format!("/segments/{no}/refresh"), &[])
        .assert_redirect(&format!("/segments/{no}"));
    assert_members(&app, &no, &["ANNA"]);
}

// ---- case folding ---------------------------------------------------------------------------

#[test]
fn case_insensitive_search_and_at_filters_fold_every_letter_whatever_the_locale() {
    let app = TestApp::start();
    world(&app);
    diesel_exec(
        &app,
        "INSERT INTO contacts (no, type, name, city) VALUES
             ('N1', 'company', 'Østergaard ApS', 'ÅRHUS'),
             ('N2', 'company', 'Ängel & Söner AB', 'Östersund'),
             ('N3', 'company', 'Große Straße GmbH', 'München'),
             ('N4', 'company', 'İstanbul Ticaret', 'İzmir'),
             ('N5', 'company', 'STERGAARD LTD', 'Leeds'),
             ('N6', 'company', 'ΟΔΟΣΤΡΩΜΑ ΑΕ', 'Αθηνα');",
    );
    let mut c = staff(&app, "stan");
    let found = |c: &mut Client, q: &str| -> Vec<String> {
        let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let html = c.get(&format!("/contacts?q={q}"));
        html.assert_status(200);
        ["N1", "N2", "N3", "N4", "N5", "N6"]
            .iter()
            .filter(|no| html.contains(&format!("/contacts/{no}\"")))
            .map(|no| no.to_string())
            .collect()
    };
    assert_eq!(found(&mut c, "østergaard"), ["N1"]);
    assert_eq!(found(&mut c, "ØSTERGAARD"), ["N1"]);
    assert_eq!(found(&mut c, "stergaard"), ["N1", "N5"]);
    assert_eq!(found(&mut c, "århus"), ["N1"]);
    assert_eq!(found(&mut c, "ängel"), ["N2"]);
    assert_eq!(found(&mut c, "SÖNER"), ["N2"]);
    assert_eq!(found(&mut c, "östersund"), ["N2"]);
    assert_eq!(found(&mut c, "strasse"), ["N3"]);
    assert_eq!(found(&mut c, "STRAẞE"), ["N3"]);
    assert_eq!(found(&mut c, "große"), ["N3"]);
    assert_eq!(found(&mut c, "istanbul"), ["N4"]);
    assert_eq!(found(&mut c, "İSTANBUL"), ["N4"]);
    assert_eq!(found(&mut c, "izmir"), ["N4"]);
    // A Σ ending a word lowers to ς, within a word to σ: the start of a word finds it.
    assert_eq!(found(&mut c, "οδος"), ["N6"]);
    assert_eq!(found(&mut c, "ΟΔΟΣ"), ["N6"]);
    assert_eq!(found(&mut c, "οδοστρωμα"), ["N6"]);

    // `@` filters of a segment step, and a manual line by name.
    let no = new_segment(&mut c, "folding");
    step(&mut c, &no, "add", &[("name", "@østergaard*")]);
    assert_members(&app, &no, &["N1"]);
    step(&mut c, &no, "add", &[("city", "@ÖSTERSUND|@münchen")]);
    assert_members(&app, &no, &["N1", "N2", "N3"]);
    step(&mut c, &no, "add", &[("name", "@*strasse*|@istanbul*")]);
    assert_members(&app, &no, &["N1", "N2", "N3", "N4"]);
    step(&mut c, &no, "add", &[("name", "@οδος*")]);
    assert_members(&app, &no, &["N1", "N2", "N3", "N4", "N6"]);
    step(&mut c, &no, "reduce", &[("contact_no", "N6")]);
    step(&mut c, &no, "refine", &[("name", "<>@ängel*")]);
    assert_members(&app, &no, &["N1", "N3", "N4"]);
    post(
        &mut c,
        &format!("/segments/{no}/lines"),
        &[("contact_no", "ängel & söner ab")],
    )
    .assert_redirect(&format!("/segments/{no}"));
    assert_members(&app, &no, &["N1", "N2", "N3", "N4"]);

    // A `?` stands for one letter, ß too, though ß folds to "ss"; with and without `<>`.
    let one = new_segment(&mut c, "one letter");
    step(&mut c, &one, "add", &[("name", "@gro?e*")]);
    assert_members(&app, &one, &["N3"]);
    step(&mut c, &one, "add", &[("name", "@ø*")]);
    assert_members(&app, &one, &["N1", "N3"]);
    step(&mut c, &one, "refine", &[("name", "<>@*STRA?E*")]);
    assert_members(&app, &one, &["N1"]);

    // Setup lists search the same way.
    diesel_exec(
        &app,
        "INSERT INTO industry_groups (code, description) VALUES ('NORD', 'Øresund Städte');
         INSERT INTO salespeople (code, name) VALUES ('SØ', 'Søren Ørsted');",
    );
    let mut admin = app.signed_in("ada", "admin");
    assert!(admin
        .get("/setup/industry-groups?q=ØRESUND")
        .contains("NORD"));
    assert!(admin
        .get("/setup/industry-groups?q=städte")
        .contains("NORD"));
    assert!(admin.get("/setup/salespeople?q=ØRSTED").contains("Søren"));

    // The segment list's search too.
    diesel_exec(
        &app,
        &format!("UPDATE segments SET description = 'Kunder i Ørestad' WHERE no = '{no}'"),
    );
    assert!(c.get("/segments?q=ØRESTAD").contains(&no));
}

// ---- small ones -----------------------------------------------------------------------------

/// The id of contact `contact`'s line on segment `no`.
fn line_id(app: &TestApp, no: &str, contact: &str) -> i64 {
    app.count(&format!(
        "SELECT l.id FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
         JOIN contacts c ON c.id = l.contact_id WHERE s.no = '{no}' AND c.no = '{contact}'"
    ))
}

/// Waits until `n` sessions of the test's database wait for a lock.
#[test]
fn a_step_that_waits_leaves_the_pages_their_connection() {
    // One connection for pages (and one blocking thread a worker): were a step to take it while
    // it waits for its segment, every page would wait with it and end in a 503.
    let app = TestApp::start_with(|c| c.db_pool_size = 1);
    world(&app);
    let mut a = staff(&app, "ann");
    let mut b = staff(&app, "bob");
    let no = new_segment(&mut a, "long work");
    let token = crate::segments::token(&mut a);

    use diesel::connection::SimpleConnection;
    let mut holder = app.conn();
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM segments WHERE no = '{no}' FOR UPDATE;"
        ))
        .unwrap();
    let path = format!("/segments/{no}/add");
    let adding = std::thread::spawn(move || {
        a.post_with_token(&path, &token, &[("contact_no", "ANNA|SOLO")])
            .status
    });
    wait_for_lock_waiters(&app, 1);
    // Meanwhile the office's pages are served, a segment's page among them.
    b.get("/contacts").assert_status(200);
    let page = b.get(&format!("/segments/{no}"));
    page.assert_status(200);
    assert!(page.contains("long work"), "{}", page.body);
    holder.batch_execute("COMMIT").unwrap();
    assert_eq!(adding.join().unwrap(), 303);
    assert_members(&app, &no, &["ANNA", "SOLO"]);
}

/// A hand-made change of a segment — a line added, removed or saved, the header saved — that
/// waits for a colleague's step on the segment waits on a connection of its own: these took a
/// page's connection, and a few such clicks during a long Log or Reduce stalled every page of
/// the office.
#[test]
fn a_hand_made_change_that_waits_leaves_the_pages_their_connection() {
    let app = TestApp::start_with(|c| c.db_pool_size = 1);
    world(&app);
    let mut a = staff(&app, "ann");
    let mut b = staff(&app, "bob");
    let no = new_segment(&mut a, "long work");
    step(&mut a, &no, "add", &[("contact_no", "ANNA|DORA")]);
    let token = crate::segments::token(&mut a);
    let version = hidden_value(&a.get(&format!("/segments/{no}")).body, "version").unwrap();
    let (anna, dora) = (line_id(&app, &no, "ANNA"), line_id(&app, &no, "DORA"));
    let header = crate::segments::header_fields(&[
        ("description", "long work, renamed"),
        ("version", &version),
    ]);
    let changes: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/segments/{no}/lines"),
            vec![("contact_no", "SOLO")],
        ),
        (format!("/segments/{no}/lines/{anna}/remove"), vec![]),
        (
            format!("/segments/{no}/lines/{dora}"),
            vec![("subject", "Hand-written"), ("date", "2026-05-01")],
        ),
        (format!("/segments/{no}"), header),
    ];
    use diesel::connection::SimpleConnection;
    for (path, fields) in changes {
        let mut holder = app.conn();
        holder
            .batch_execute(&format!(
                "BEGIN; SELECT 1 FROM segments WHERE no = '{no}' FOR UPDATE;"
            ))
            .unwrap();
        let base = app.base().to_string();
        let (token, cookies) = (token.clone(), a.cookies.clone());
        let owned: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let to = path.clone();
        let changing = std::thread::spawn(move || {
            let mut a = Client::new(&base);
            a.cookies = cookies;
            let fields: Vec<(&str, &str)> = owned
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            a.post_with_token(&to, &token, &fields).status
        });
        wait_for_lock_waiters(&app, 1);
        b.get("/contacts").assert_status(200);
        holder.batch_execute("COMMIT").unwrap();
        assert_eq!(changing.join().unwrap(), 303, "{path}");
    }
    assert_members(&app, &no, &["DORA", "SOLO"]);
    assert_eq!(
        text(
            &app,
            &format!("SELECT description FROM segments WHERE no = '{no}'")
        ),
        "long work, renamed"
    );
}

pub(crate) fn wait_for_lock_waiters(app: &TestApp, n: i64) {
    let waiting = eventually(std::time::Duration::from_millis(20), || {
        app.count(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock'",
        ) >= n
    });
    assert!(waiting, "{n} request(s) never waited for the lock");
}

#[test]
fn two_removals_of_one_line_at_once_record_one_step() {
    let app = TestApp::start();
    world(&app);
    let mut a = staff(&app, "ann");
    let mut b = staff(&app, "bob");
    let no = new_segment(&mut a, "race");
    step(&mut a, &no, "add", &[("contact_no", "ANNA|SOLO")]);
    let path = format!("/segments/{no}/lines/{}/remove", line_id(&app, &no, "ANNA"));
    let (ta, tb) = (
        crate::segments::token(&mut a),
        crate::segments::token(&mut b),
    );

    // Both removals arrive while the segment is locked by someone else's step.
    use diesel::connection::SimpleConnection;
    let mut holder = app.conn();
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM segments WHERE no = '{no}' FOR UPDATE;"
        ))
        .unwrap();
    let (pa, pb) = (path.clone(), path.clone());
    let first = std::thread::spawn(move || a.post_with_token(&pa, &ta, &[]).status);
    let second = std::thread::spawn(move || b.post_with_token(&pb, &tb, &[]).status);
    wait_for_lock_waiters(&app, 2);
    holder.batch_execute("COMMIT").unwrap();
    assert_eq!(first.join().unwrap(), 303);
    assert_eq!(second.join().unwrap(), 303);
    assert_members(&app, &no, &["SOLO"]);
    assert_eq!(step_count(&app, &no), 2, "one add, one removal");
}

/// A line's Remove from a page shown before a Go Back took the line out: said on the
/// segment, nothing removed (it was a bare 404).
#[test]
fn removing_a_line_a_go_back_took_out_says_so() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "undone");
    step(&mut c, &no, "add", &[("contact_no", "SOLO")]);
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    let path = format!("/segments/{no}/lines/{}/remove", line_id(&app, &no, "ANNA"));
    let token = crate::segments::token(&mut c);
    post(&mut c, &format!("/segments/{no}/go-back"), &[]);
    c.get(&format!("/segments/{no}"));
    assert_members(&app, &no, &["SOLO"]);
    c.post_with_token(&path, &token, &[])
        .assert_redirect(&format!("/segments/{no}#lines"));
    let page = c.get(&format!("/segments/{no}"));
    assert!(
        page.contains("That line is no longer on the segment"),
        "{}",
        page.body
    );
    assert_members(&app, &no, &["SOLO"]);
    assert_eq!(step_count(&app, &no), 1);
}

#[test]
fn the_segment_list_past_its_last_page_shows_the_last_page_and_amounts_are_bounded_and_rounded() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "paging");
    let html = c.get("/segments?page=7");
    html.assert_status(200);
    assert!(
        html.contains(&format!("href=\"/segments/{no}\"")),
        "{}",
        html.body
    );
    assert!(html.contains("page 1 of 1"));

    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    let line = format!("/segments/{no}/lines/{}", line_id(&app, &no, "ANNA"));
    for too_much in [
        "99999999999",
        "9999999999.999",
        "1e999999999",
        "-1",
        "12,50",
    ] {
        let res = post(&mut c, &line, &[("unit_cost", too_much)]);
        res.assert_status(422);
        // A decimal comma where the office writes a point says so.
        assert!(
            res.contains("Enter an amount of 0 or more")
                || res.contains("Write the decimals after a point: 12.50.")
                || res.contains("has more than two decimals: amounts are kept to two."),
            "{too_much}"
        );
    }
    // Three decimals could be 12345 written the Danish way: asked, not rounded.
    let res = post(&mut c, &line, &[("unit_cost", "12.345")]);
    res.assert_status(422);
    assert!(res.contains("Is 12.345 meant as 12345, or as 12.345 with three decimals?"));
    // More decimals than cents: refused and said, not rounded away without a word.
    let res = post(&mut c, &line, &[("unit_cost", "12.3456")]);
    res.assert_status(422);
    assert!(res.contains("12.3456 has more than two decimals: amounts are kept to two."));
    post(&mut c, &line, &[("unit_cost", "12.35")]).assert_status(303);
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT unit_cost FROM segment_lines WHERE id = {}",
                line_id(&app, &no, "ANNA")
            )
        ),
        "12.35"
    );
    let version = hidden_value(&c.get(&format!("/segments/{no}")).body, "version").unwrap();
    let header = post(
        &mut c,
        &format!("/segments/{no}"),
        &[
            ("description", "paging"),
            ("date", "2026-11-30"),
            ("unit_cost", "9999999999.995"),
            ("version", &version),
        ],
    );
    header.assert_status(422);
    assert!(header.contains("9999999999.995 has more than two decimals"));
}

// ---- deleting a segment ---------------------------------------------------------------------

#[test]
fn a_draft_is_deleted_after_a_confirmation_that_says_what_goes_and_a_logged_one_is_not() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "to delete");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("country", "DK")]);
    step(&mut c, &no, "reduce", &[("name", "Anna*")]);
    assert!(c
        .get(&page)
        .contains(&format!("href=\"/segments/{no}/delete\"")));

    // An opportunity created from it and a mailing group applied from it outlive it: said.
    crate::opportunities::cycle(&app, "multiply");
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO opportunities (no, contact_id, sales_cycle_code, segment_no)
                 SELECT 'OP000001', id, 'NEW', '{no}' FROM contacts WHERE no = 'SOLO';
             INSERT INTO mailing_group_applications (segment_id, segment_no, code, user_name)
                 SELECT id, no, 'NEWS', 'stan' FROM segments WHERE no = '{no}';"
        ),
    );
    let confirm = c.get(&format!("/segments/{no}/delete"));
    confirm.assert_status(200);
    assert!(confirm.contains("its 4 lines"), "{}", confirm.body);
    assert!(confirm.contains("its 2 steps"));
    assert!(confirm.contains("The 1 opportunity created from it keeps its No., no longer a link."));
    assert!(confirm.contains("Its 1 mailing group application cannot be undone any more"));
    assert!(confirm.contains(&format!("Delete segment {no}")));
    assert_eq!(
        app.count("SELECT count(*) FROM segments"),
        1,
        "a GET deletes nothing"
    );

    // A viewer may look but not delete.
    let mut viewer = app.signed_in("vera", "viewer");
    viewer
        .get(&format!("/segments/{no}/delete"))
        .assert_status(403);
    post(&mut viewer, &format!("/segments/{no}/delete"), &[]).assert_status(403);
    assert_eq!(app.count("SELECT count(*) FROM segments"), 1);

    post(&mut c, &format!("/segments/{no}/delete"), &[]).assert_redirect("/segments");
    assert_eq!(app.count("SELECT count(*) FROM segments"), 0);
    assert_eq!(app.count("SELECT count(*) FROM segment_lines"), 0);
    assert_eq!(app.count("SELECT count(*) FROM segment_steps"), 0);
    assert_eq!(
        app.count("SELECT count(*) FROM contacts"),
        10,
        "contacts stay"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'segment deleted'"),
        1
    );
    assert!(c
        .get("/segments")
        .contains(&format!("Segment {no} to delete deleted")));
    c.get(&page).assert_status(404);
    let opportunity = c.get("/opportunities/OP000001");
    assert!(
        opportunity.contains(&format!(
            "{no} <span class=\"muted\">(deleted since)</span>"
        )),
        "{}",
        opportunity.body
    );
    assert!(!opportunity.contains(&format!("href=\"/segments/{no}\"")));

    // A logged segment is a record: not deleted.
    let logged = new_segment(&mut c, "logged");
    diesel_exec(
        &app,
        &format!("UPDATE segments SET status = 'logged' WHERE no = '{logged}'"),
    );
    let confirm = c.get(&format!("/segments/{logged}/delete"));
    assert!(confirm.contains("cannot be deleted"));
    assert!(!confirm.contains("button-danger"));
    post(&mut c, &format!("/segments/{logged}/delete"), &[])
        .assert_redirect(&format!("/segments/{logged}"));
    assert_eq!(app.count("SELECT count(*) FROM segments"), 1);
}

#[test]
fn saving_or_renaming_criteria_to_a_code_taken_meanwhile_is_refused_not_a_500() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "race");
    step(&mut c, &no, "add", &[("country", "DK")]);

    // Someone else's save of RACE is under way (not committed) when this one checks the code.
    let mut other = app.conn();
    other
        .batch_execute(
            "BEGIN; INSERT INTO saved_criteria (code, description) VALUES ('RACE', 'theirs');",
        )
        .unwrap();
    let t = crate::segments::token(&mut c);
    let save = std::thread::spawn({
        let path = format!("/segments/{no}/save-criteria");
        move || {
            let res = c.post_with_token(&path, &t, &[("code", "RACE"), ("description", "mine")]);
            (c, res)
        }
    });
    wait_for_lock_waiters(&app, 1);
    other.batch_execute("COMMIT").unwrap();
    let (mut c, res) = save.join().unwrap();
    res.assert_status(422);
    assert!(res.contains("The code RACE is already used"));
    assert_eq!(
        text(
            &app,
            "SELECT description FROM saved_criteria WHERE code = 'RACE'"
        ),
        "theirs"
    );

    // A rename to a code being taken meanwhile.
    post(
        &mut c,
        &format!("/segments/{no}/save-criteria"),
        &[("code", "MINE"), ("description", "mine")],
    )
    .assert_redirect(&format!("/segments/{no}"));
    other
        .batch_execute(
            "BEGIN; INSERT INTO saved_criteria (code, description) VALUES ('TAKEN', 'theirs');",
        )
        .unwrap();
    let t = crate::segments::token(&mut c);
    let rename = std::thread::spawn(move || {
        let res = c.post_with_token(
            "/saved-criteria/MINE",
            &t,
            &[("new_code", "TAKEN"), ("description", "renamed")],
        );
        (c, res)
    });
    wait_for_lock_waiters(&app, 1);
    other.batch_execute("COMMIT").unwrap();
    let (mut c, res) = rename.join().unwrap();
    res.assert_status(422);
    assert!(res.contains("The code TAKEN is already used"));
    assert_eq!(
        app.count("SELECT count(*) FROM saved_criteria WHERE code = 'MINE'"),
        1
    );

    // Deleting is one transaction with its message.
    post(&mut c, "/saved-criteria/MINE/delete", &[]).assert_redirect("/saved-criteria");
    assert!(c
        .get("/saved-criteria")
        .contains("Saved criteria MINE deleted."));
    // Sent again: said on the list (it was a 404).
    post(&mut c, "/saved-criteria/MINE/delete", &[]).assert_redirect("/saved-criteria");
    assert!(c
        .get("/saved-criteria")
        .contains("Saved criteria MINE was deleted by "));
}

#[test]
fn user_names_fold_every_letter_at_sign_in_and_when_taken() {
    let app = TestApp::start();
    app.user("Søren.Østergård", "staff");
    let mut c = app.client();
    c.sign_in("SØREN.ØSTERGÅRD", PASSWORD);
    assert!(c.get("/").contains("Søren.Østergård"));
    let new = rapport::auth::users::NewUser {
        username: "søren.østergård".into(),
        display_name: "Twin".into(),
        role: "staff".into(),
        salesperson_code: String::new(),
        password: PASSWORD.into(),
        password_confirmation: PASSWORD.into(),
    };
    assert!(matches!(
        rapport::auth::users::create(&mut app.conn(), &new),
        Err(rapport::auth::users::CreateError::Invalid(_))
    ));
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
}

/// Saving, renaming and deleting saved criteria (shared by everyone) are in the audit trail,
/// with who did it: a colleague's criteria deleted left no trace.
#[test]
fn saved_criteria_saved_renamed_and_deleted_are_audited() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "audited");
    step(&mut c, &no, "add", &[("country", "DK")]);
    post(
        &mut c,
        &format!("/segments/{no}/save-criteria"),
        &[("code", "DK"), ("description", "Danes")],
    )
    .assert_redirect(&format!("/segments/{no}"));
    let mut other = staff(&app, "olga");
    post(
        &mut other,
        "/saved-criteria/DK",
        &[("new_code", "DANES"), ("description", "All Danes")],
    )
    .assert_redirect("/saved-criteria");
    post(&mut other, "/saved-criteria/DANES/delete", &[]).assert_redirect("/saved-criteria");
    assert_eq!(
        text(
            &app,
            "SELECT string_agg(actor || ' ' || action || ' ' || subject || ' ' || detail, ' | ' ORDER BY id) \
             FROM audit_log WHERE action LIKE 'criteria %'"
        ),
        format!(
            "stan criteria saved DK from segment {no}: Danes | olga criteria changed DK now DANES: All Danes | \
             olga criteria deleted DANES "
        )
    );
}

/// A contact on two lines (added again by a step that allowed contacts already there), one of
/// them removed by hand: Refresh keeps the other. It read the removed line as the contact
/// removed, and offered to take the other line out too.
#[test]
fn refresh_keeps_a_contacts_other_line_when_one_was_removed_by_hand() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "twice");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    step(
        &mut c,
        &no,
        "add",
        &[("contact_no", "ANNA"), ("allow_existing", "on")],
    );
    let first = app.count(&format!(
        "SELECT min(l.id) FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
         JOIN contacts c ON c.id = l.contact_id WHERE s.no = '{no}' AND c.no = 'ANNA'"
    ));
    post(&mut c, &format!("{page}/lines/{first}/remove"), &[])
        .assert_redirect(&format!("{page}#lines"));
    assert_members(&app, &no, &["ANNA", "DORA"]);
    let preview = c.get(&format!("{page}/refresh"));
    preview.assert_status(200);
    post(&mut c, &format!("{page}/refresh"), &[]).assert_redirect(&page);
    assert!(
        c.get(&page)
            .contains("Refresh: Nothing to refresh: the segment is up to date."),
        "{}",
        preview.body
    );
    assert_members(&app, &no, &["ANNA", "DORA"]);
    // Removed by hand from its only line, a contact leaves on Refresh as before: it stays out.
    let other = app.count(&format!(
        "SELECT l.id FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
         JOIN contacts c ON c.id = l.contact_id WHERE s.no = '{no}' AND c.no = 'DORA'"
    ));
    post(&mut c, &format!("{page}/lines/{other}/remove"), &[])
        .assert_redirect(&format!("{page}#lines"));
    post(&mut c, &format!("{page}/refresh"), &[]).assert_redirect(&page);
    assert_members(&app, &no, &["ANNA"]);
}

/// A line removed by hand is judged by the lines the segment had when it was removed, not by
/// today's. Refresh used to keep a contact removed by hand because a later step had added it
/// again (though that step no longer selects it), and to drop a contact removed by hand from
/// one of its two lines because a later step had removed the other.
#[test]
fn refresh_judges_a_line_removed_by_hand_by_the_lines_of_its_time() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");

    // Removed by hand, then added again by a step that selects it no longer: it leaves.
    let no = new_segment(&mut c, "again");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    let anna = first_current_line(&app, &no, "ANNA");
    post(&mut c, &format!("{page}/lines/{anna}/remove"), &[])
        .assert_redirect(&format!("{page}#lines"));
    step(
        &mut c,
        &no,
        "add",
        &[("contact_no", "ANNA"), ("country", "DK")],
    );
    assert_members(&app, &no, &["ANNA", "DORA"]);
    diesel_exec(
        &app,
        "UPDATE contacts SET country_code = 'SE' WHERE no = 'ANNA'",
    );
    post(&mut c, &format!("{page}/refresh"), &[]).assert_redirect(&page);
    assert_members(&app, &no, &["DORA"]);

    // On two lines, one removed by hand while the other was there, the other removed by a
    // later step that selects it no longer: it is back.
    diesel_exec(
        &app,
        "UPDATE contacts SET country_code = 'DK' WHERE no = 'ANNA'",
    );
    let no = new_segment(&mut c, "twice, then reduced");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    step(
        &mut c,
        &no,
        "add",
        &[("contact_no", "ANNA"), ("allow_existing", "on")],
    );
    let first = first_current_line(&app, &no, "ANNA");
    post(&mut c, &format!("{page}/lines/{first}/remove"), &[])
        .assert_redirect(&format!("{page}#lines"));
    step(&mut c, &no, "reduce", &[("country", "DK")]);
    assert_members(&app, &no, &["DORA"]);
    diesel_exec(
        &app,
        "UPDATE contacts SET country_code = 'SE' WHERE no = 'ANNA'",
    );
    post(&mut c, &format!("{page}/refresh"), &[]).assert_redirect(&page);
    assert_members(&app, &no, &["ANNA", "DORA"]);
}

/// Two people edit one line: the second save, over values the first changed since the second
/// opened the line, is refused (409) with what was typed, and nothing of the first is lost;
/// saved again from there, it goes through. A line's own Campaign Target and Response are set
/// on its form (with a campaign on the header) and go into its entry when the segment is
/// logged.
#[test]
fn a_lines_save_over_a_colleagues_is_refused_and_its_campaign_flags_reach_its_entry() {
    let app = TestApp::start();
    world(&app);
    let mut a = staff(&app, "stan");
    let mut b = staff(&app, "bea");
    let no = new_segment(&mut a, "Flags");
    step(&mut a, &no, "add", &[("contact_no", "ANNA|DORA")]);
    let line = format!("/segments/{no}/lines/{}", line_id(&app, &no, "ANNA"));
    let form_a = a.get(&line);
    let form_b = b.get(&line);
    // Without a campaign the flags are not offered, and refused when sent.
    assert!(!form_a.contains("<select id=\"campaign_target\""));
    assert!(form_a.contains("<option value=\"\">(as on the header)</option>"));
    let shown = |page: &Resp| hidden_value(&page.body, "shown").unwrap();
    let res = a.post_with_token(
        &line,
        &form_a.csrf_token().unwrap(),
        &[("shown", &shown(&form_a)), ("campaign_response", "yes")],
    );
    res.assert_status(422);
    assert!(
        res.contains("so the line cannot be a Campaign Response"),
        "{}",
        res.body
    );

    a.post_with_token(
        &line,
        &form_a.csrf_token().unwrap(),
        &[("shown", &shown(&form_a)), ("salesperson_code", "PL")],
    )
    .assert_status(303);
    let stored = || {
        text(
            &app,
            &format!(
                "SELECT COALESCE(salesperson_code, '-') || '|' || COALESCE(unit_cost::text, '-') \
                 FROM segment_lines WHERE id = {}",
                line_id(&app, &no, "ANNA")
            ),
        )
    };
    assert_eq!(stored(), "PL|-");
    // B's form still shows no salesperson of the line's own: saved, it would clear PL.
    let res = b.post_with_token(
        &line,
        &form_b.csrf_token().unwrap(),
        &[("shown", &shown(&form_b)), ("unit_cost", "12.50")],
    );
    res.assert_status(409);
    assert!(res.contains("Someone else saved this line after you opened it"));
    assert!(
        res.contains("<tr><td>Salesperson</td><td>PL</td><td>(as on the header)</td></tr>"),
        "{}",
        res.body
    );
    assert!(res.contains("<tr><td>Unit Cost</td><td>(as on the header)</td><td>12.50</td></tr>"));
    assert!(res.contains("value=\"12.50\""));
    assert_eq!(stored(), "PL|-", "nothing of the first save is lost");
    // Saved again from the page that said so: B means it.
    b.post_with_token(
        &line,
        &res.csrf_token().unwrap(),
        &[("shown", &shown(&res)), ("unit_cost", "12.50")],
    )
    .assert_status(303);
    assert_eq!(stored(), "-|12.50");
    // B's page sent once more (a double click): saved already as it says, no 409 with nothing
    // to choose; the first sending's message stays.
    b.post_with_token(
        &line,
        &res.csrf_token().unwrap(),
        &[("shown", &shown(&res)), ("unit_cost", "12.50")],
    )
    .assert_status(303);
    let page = b.get(&format!("/segments/{no}"));
    assert!(page.contains("Line ANNA "), "{}", page.body);
    assert!(page.contains(" saved."), "{}", page.body);
    assert!(!page.contains("saved meanwhile"));
    assert_eq!(stored(), "-|12.50");

    // With a campaign: ANNA's line responded, DORA's keeps the header's (no).
    diesel_exec(
        &app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL', campaign_no = 'CP0001' \
             WHERE no = '{no}'"
        ),
    );
    let form = a.get(&line);
    assert!(form.contains("name=\"campaign_response\""));
    a.post_with_token(
        &line,
        &form.csrf_token().unwrap(),
        &[
            ("shown", &shown(&form)),
            ("unit_cost", "12.50"),
            ("campaign_response", "yes"),
            ("campaign_target", "no"),
        ],
    )
    .assert_status(303);
    let form = a.get(&line);
    assert!(form.contains("<option value=\"yes\" selected>Yes</option>"));
    assert!(form.contains("<option value=\"no\" selected>No</option>"));
    post(&mut a, &format!("/segments/{no}/log"), &[]).assert_redirect(&format!("/segments/{no}"));
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT string_agg(c.no || ':' || e.campaign_target || e.campaign_response, ',' \
                 ORDER BY c.no) FROM interaction_log_entries e \
                 JOIN contacts c ON c.id = e.contact_id WHERE e.segment_no = '{no}'"
            ),
        ),
        "ANNA:falsetrue,DORA:falsefalse"
    );
}

/// `today` in a filter is Rapport's date, as every other "today" of its pages (a new
/// segment's date, an opportunity's), not the database session's: diesel's connections read
/// `CURRENT_DATE` in UTC, so an office ahead of or behind UTC read `t` as another day for
/// hours every night, and Add selected that day's entries. A server in such a time zone.
#[test]
fn today_in_a_filter_is_rapports_date_wherever_the_server_is() {
    let app = TestApp::start();
    world(&app);
    app.user("stan", "staff");
    // UTC-12 before noon UTC, UTC+14 after: either way another date than UTC's.
    let now = chrono::Utc::now();
    let (tz, hours) = if chrono::Timelike::hour(&now) < 12 {
        ("<-12>+12", -12)
    } else {
        ("<+14>-14", 14)
    };
    let local = (now + chrono::Duration::hours(hours)).date_naive();
    assert_ne!(local, now.date_naive());
    diesel_exec(
        &app,
        &format!(
            "INSERT INTO interaction_log_entries (contact_id, date, template_code, group_code, \
             salesperson_code) SELECT id, DATE '{local}', 'CALL', 'PHONE', 'JO' FROM contacts \
             WHERE no = 'SOLO'"
        ),
    );
    let server = Served::start(&app.db.url, &[("TZ", tz)]);
    let mut c = server.client();
    c.sign_in("stan", PASSWORD);
    // The server's today is the new segment's date: the time zone holds.
    let form = c.get("/segments/new");
    assert!(
        form.contains(&format!("value=\"{local}\"")),
        "{}",
        form.body
    );
    let no = new_segment(&mut c, "Today's calls");
    step(&mut c, &no, "add", &[("interaction_date", "t")]);
    assert_members(&app, &no, &["SOLO"]);
}

/// Saved criteria deleted by a colleague between the rename's look-up and its write: nothing
/// is renamed and it says so, not "renamed" with an audit entry for a change that never
/// happened.
#[test]
fn renaming_saved_criteria_deleted_meanwhile_says_they_are_gone() {
    use rapport::segments::domain::saved::{rename, Renamed};
    let app = TestApp::start();
    diesel_exec(
        &app,
        "INSERT INTO saved_criteria (code, description) VALUES ('KEEP', 'Kept'), ('TAKEN', 'Taken')",
    );
    let mut conn = app.conn();
    assert_eq!(
        rename(&mut conn, "GONE", "NEW", "x").unwrap(),
        Renamed::Gone
    );
    assert_eq!(
        rename(&mut conn, "KEEP", "TAKEN", "x").unwrap(),
        Renamed::Taken
    );
    assert_eq!(
        rename(&mut conn, "KEEP", "KEPT", "Kept").unwrap(),
        Renamed::Done
    );
    assert_eq!(
        app.count("SELECT count(*) FROM saved_criteria WHERE code IN ('KEPT', 'TAKEN')"),
        2
    );
}

/// Go Back clicked twice: the second sending undoes nothing and leaves the first one's
/// message. It replaced it with "Nothing was undone", and a user who believed it clicked Go
/// Back again and lost the step before too.
#[test]
fn go_back_sent_twice_leaves_the_first_ones_message() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "twice");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("country", "DK")]);
    step(&mut c, &no, "add", &[("country", "SE")]);
    let seen = c.get(&page);
    let token = seen.csrf_token().unwrap();
    let fields = [
        ("to", "1".to_string()),
        ("last", hidden_value(&seen.body, "last").unwrap()),
        ("last_at", hidden_value(&seen.body, "last_at").unwrap()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for _ in 0..2 {
        c.post_with_token(&format!("{page}/go-back"), &token, &fields)
            .assert_redirect(&page);
    }
    assert_eq!(step_count(&app, &no), 1);
    let said = c.get(&page);
    assert!(
        said.contains("Went back to step 1: 1 step undone"),
        "{}",
        said.body
    );
    assert!(!said.contains("Nothing was undone"));
    // Sent again once that was seen: said, with the likely cause.
    c.post_with_token(&format!("{page}/go-back"), &token, &fields)
        .assert_redirect(&page);
    let said = c.get(&page);
    assert!(said.contains("If this page was sent twice, its first sending went back."));
    assert_eq!(step_count(&app, &no), 1);
}

/// A line added by hand with Ignore Exclusion says so in the ledger, as a step's options do:
/// it read "Added BO by hand.", and nothing told why an excluded contact was on the segment.
#[test]
fn a_line_added_by_hand_ignoring_exclusion_says_so_in_the_ledger() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "by hand");
    post(
        &mut c,
        &format!("/segments/{no}/lines"),
        &[("contact_no", "BO"), ("ignore_exclusion", "on")],
    )
    .assert_status(303);
    assert_members(&app, &no, &["BO"]);
    let page = c.get(&format!("/segments/{no}"));
    assert!(
        page.contains("by hand (ignore exclusion)."),
        "{}",
        page.body
    );
}

/// A line's own template changed: the line's own values left as its form showed them give way
/// to the new template's, as Business Central copies a template's defaults into the line; one
/// typed anew in the same save stays, and the message says which. Before, a line kept its
/// earlier cost and was logged with CALL at MAIL's price, unsaid.
#[test]
fn a_lines_new_template_brings_its_defaults_over_what_was_left_as_shown() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Calls");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    let line = format!("/segments/{no}/lines/{}", line_id(&app, &no, "ANNA"));
    let shown = |page: &Resp| hidden_value(&page.body, "shown").unwrap();
    let save = |c: &mut Client, fields: &[(&str, &str)]| {
        let page = c.get(&line);
        let mut all = vec![("shown", shown(&page))];
        all.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
        c.post_with_token(&line, &page.csrf_token().unwrap(), &all)
    };
    let stored = || {
        text(
            &app,
            &format!(
                "SELECT COALESCE(interaction_template_code, '-') || '|' || COALESCE(unit_cost::text, '-') \
                 || '|' || COALESCE(unit_duration_min::text, '-') FROM segment_lines WHERE id = {}",
                line_id(&app, &no, "ANNA")
            ),
        )
    };
    save(
        &mut c,
        &[
            ("interaction_template_code", "MAIL"),
            ("unit_cost", "3.50"),
            ("unit_duration_min", "20"),
        ],
    )
    .assert_status(303);
    assert_eq!(stored(), "MAIL|3.50|20");
    // CALL chosen, cost and duration left as shown: CALL's apply.
    save(
        &mut c,
        &[
            ("interaction_template_code", "CALL"),
            ("unit_cost", "3.50"),
            ("unit_duration_min", "20"),
        ],
    )
    .assert_status(303);
    assert_eq!(stored(), "CALL|-|-");
    let page = c.get(&format!("/segments/{no}"));
    assert!(
        page.contains(
            "Line ANNA Anna Alpha saved; the defaults of interaction template CALL apply."
        ),
        "{}",
        page.body
    );
    // MAIL again with a cost typed anew: the cost stays, and the message says so.
    save(
        &mut c,
        &[
            ("interaction_template_code", "MAIL"),
            ("unit_cost", "7.00"),
            ("unit_duration_min", ""),
        ],
    )
    .assert_status(303);
    assert_eq!(stored(), "MAIL|7.00|-");
    assert!(c
        .get(&format!("/segments/{no}"))
        .contains("the defaults of interaction template MAIL apply (unit cost kept as typed)."));
    // The template unchanged: the line's own values are saved as typed.
    save(
        &mut c,
        &[
            ("interaction_template_code", "MAIL"),
            ("unit_cost", "7.00"),
            ("unit_duration_min", "9"),
        ],
    )
    .assert_status(303);
    assert_eq!(stored(), "MAIL|7.00|9");
}

// ---- A segment deleted meanwhile ----------------------------------------------------------

/// Every form of a segment's pages sent after a colleague deleted the segment — its header,
/// Add line, a line's Save and Remove, a wizard step, Refresh, Go Back, Apply Mailing Group,
/// Reuse Segment and Reuse Criteria — says who deleted it and when and that nothing was saved,
/// with the way to the list. Each was a bare "Page not found", the typed values gone unsaid.
#[test]
fn a_form_of_a_segment_deleted_meanwhile_says_who_deleted_it() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let mut bea = staff(&app, "bea");
    let other = new_segment(&mut c, "Kept");
    step(&mut c, &other, "add", &[("contact_no", "DORA")]);
    let no = new_segment(&mut c, "Deleted meanwhile");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|ELI")]);
    let line = first_current_line(&app, &no, "ANNA");
    let page = c.get(&format!("/segments/{no}"));
    let token = page.csrf_token().unwrap();
    post(&mut bea, &format!("/segments/{no}/delete"), &[]).assert_redirect("/segments");
    for (action, fields) in [
        (
            String::new(),
            vec![("description", "Typed"), ("version", "1")],
        ),
        ("/lines".into(), vec![("contact_no", "DORA")]),
        ("/lines".into(), vec![("contact_no", "")]),
        (format!("/lines/{line}"), vec![("subject", "Typed")]),
        (format!("/lines/{line}/remove"), vec![]),
        ("/add".into(), vec![("contact_no", "DORA")]),
        ("/refresh".into(), vec![]),
        ("/go-back".into(), vec![("to", "1")]),
        ("/apply-mailing-group".into(), vec![("code", "XMAS")]),
        (
            "/reuse-segment".into(),
            vec![("segment_no", other.as_str())],
        ),
    ] {
        let res = c.post_with_token(&format!("/segments/{no}{action}"), &token, &fields);
        assert_eq!(res.status, 409, "{action}: {}", res.body);
        assert!(
            res.contains(&format!("Segment {no} was deleted by bea at "))
                && res.contains("after this page was opened: nothing was saved."),
            "{action}: {}",
            res.body
        );
        assert!(res.contains("href=\"/segments\""), "{action}");
    }
}

/// A line's form that changes its template, sent twice (a double click): the first sending
/// takes the template's defaults (the line's own subject and cost give way); the second
/// changes nothing and is not a colleague's change. It was a 409 "someone else saved this
/// line", and saving again from there put the cleared values back over the template's.
#[test]
fn a_line_form_changing_its_template_sent_twice_saves_once() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Line sent twice");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    let line = first_current_line(&app, &no, "ANNA");
    let page = format!("/segments/{no}/lines/{line}");
    let own = |c: &mut Client, fields: &[(&'static str, &str)]| {
        let form = c.get(&page);
        let shown = hidden_value(&form.body, "shown").expect("the line's values as shown");
        let once = hidden_value(&form.body, "once").expect("the form's key");
        let mut all: Vec<(&'static str, String)> = vec![("shown", shown), ("once", once)];
        all.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        (form.csrf_token().unwrap(), all)
    };
    let (token, first) = own(&mut c, &[("subject", "My own subject"), ("unit_cost", "2")]);
    let fields: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_with_token(&page, &token, &fields)
        .assert_redirect(&format!("/segments/{no}#lines"));
    let values = || {
        text(
            &app,
            &format!(
                "SELECT concat_ws('|', interaction_template_code, subject, unit_cost) \
                 FROM segment_lines WHERE id = {line}"
            ),
        )
    };
    assert_eq!(values(), "My own subject|2.00");
    // The template changed, the rest as the form shows it; sent twice.
    let (token, again) = own(
        &mut c,
        &[
            ("interaction_template_code", "CALL"),
            ("subject", "My own subject"),
            ("unit_cost", "2"),
        ],
    );
    let fields: Vec<(&str, &str)> = again.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for _ in 0..2 {
        let res = c.post_with_token(&page, &token, &fields);
        assert_eq!(res.status, 303, "{}", res.body);
    }
    assert_eq!(values(), "CALL", "the template's subject and cost apply");
    let shown = c.get(&format!("/segments/{no}"));
    assert!(
        shown.contains("the defaults of interaction template CALL apply"),
        "the first sending's message stays: {}",
        shown.body
    );
    // A colleague's change since is still one: told, not written over.
    let (token, stale) = own(&mut c, &[("subject", "Mine")]);
    let mut bea = staff(&app, "bea");
    let (bea_token, theirs) = own(
        &mut bea,
        &[("interaction_template_code", "CALL"), ("subject", "Theirs")],
    );
    let fields: Vec<(&str, &str)> = theirs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    bea.post_with_token(&page, &bea_token, &fields)
        .assert_status(303);
    let fields: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_with_token(&page, &token, &fields).assert_status(409);
    assert_eq!(values(), "CALL|Theirs");
}

/// Delete takes what its confirmation page said it would, or nothing: lines added (or a step,
/// a mailing group application) after the page was opened show the page again with what
/// deleting takes now. It deleted whatever the segment held by then.
#[test]
fn a_delete_confirmed_after_the_segment_changed_shows_the_page_again() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Changing");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    let confirm = c.get(&format!("/segments/{no}/delete"));
    assert!(confirm.contains("its 1 line,"), "{}", confirm.body);
    let shown = hidden_value(&confirm.body, "shown").expect("what the page shows");
    let mut bea = staff(&app, "bea");
    step(&mut bea, &no, "add", &[("contact_no", "DORA|ELI")]);
    let res = c.post_with_token(
        &format!("/segments/{no}/delete"),
        &confirm.csrf_token().unwrap(),
        &[("shown", &shown)],
    );
    res.assert_redirect(&format!("/segments/{no}/delete"));
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM segments WHERE no = '{no}'")),
        1,
        "nothing was deleted"
    );
    let again = c.get(&format!("/segments/{no}/delete"));
    assert!(
        again.contains("changed after this page was opened"),
        "{}",
        again.body
    );
    assert!(again.contains("its 3 lines,"), "{}", again.body);
    c.post_with_token(
        &format!("/segments/{no}/delete"),
        &again.csrf_token().unwrap(),
        &[("shown", &hidden_value(&again.body, "shown").unwrap())],
    )
    .assert_redirect("/segments");
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM segments WHERE no = '{no}'")),
        0
    );
}

/// A header saved with a salesperson chosen at the moment an administrator renames that
/// salesperson: the form comes back with what was typed and the reason by the field (422).
/// Here the rename lands while the checks wait for it; one that lands between the checks and
/// the write (a narrower moment, which gave a bare "changed at the same time" page) is checked
/// again in the write's savepoint and answered the same way.
#[test]
fn a_header_saved_as_its_chosen_salesperson_is_renamed_says_so_by_the_field() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Spring");
    let page = format!("/segments/{no}");
    let form = c.get(&page);
    let version = hidden_value(&form.body, "version").unwrap();
    let token = form.csrf_token().unwrap();
    // The administrator's rename, made and not yet committed.
    let mut admin = app.conn();
    admin
        .batch_execute("BEGIN; UPDATE salespeople SET code = 'JOX' WHERE code = 'JO'")
        .unwrap();
    let saving = std::thread::spawn(move || {
        let res = c.post_with_token(
            &page,
            &token,
            &header_fields(&[
                ("description", "Spring, typed"),
                ("salesperson_code", "JO"),
                ("version", &version),
            ]),
        );
        (res.status, res.body)
    });
    assert!(one_waits_for_a_lock(&app, || saving.is_finished()));
    admin.batch_execute("COMMIT").unwrap();
    let (status, body) = saving.join().unwrap();
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("There is no salesperson JO") && body.contains("value=\"Spring, typed\""),
        "{body}"
    );
}

/// Messages that said less than the truth, or said it wrongly: Why of a member privacy blocked
/// since it was added (it said only "on the segment"); a step naming a campaign deleted since
/// (a second full stop after "No."); Save Criteria of a logged segment naming a code deleted
/// since (it advised a Go Back, which a logged segment has not); a manual add of a contact
/// deleted at the same moment (it said "Added 0 contacts."); a line saved after a Go Back undid
/// its step (it named the line by its internal id, and blamed a step).
#[test]
fn messages_say_what_happened_in_the_users_words() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");

    // Why of a member privacy blocked since.
    let no = new_segment(&mut c, "Why");
    let page = format!("/segments/{no}");
    step(&mut c, &no, "add", &[("contact_no", "ANNA")]);
    diesel_exec(
        &app,
        "UPDATE contacts SET privacy_blocked = TRUE WHERE no = 'ANNA'",
    );
    let why = c.get(&format!("{page}/why?contact=ANNA"));
    assert!(
        why.contains("It has been privacy blocked since it was added: its line is left out of the export, Log refuses it, and Refresh takes it out."),
        "{}",
        why.body
    );
    diesel_exec(&app, "UPDATE contacts SET privacy_blocked = FALSE");

    // A campaign deleted since a step named it: one full stop.
    diesel_exec(
        &app,
        "INSERT INTO campaigns (no, description) VALUES ('CP0077', 'Gone soon')",
    );
    step(&mut c, &no, "reduce", &[("interaction_campaign", "CP0077")]);
    diesel_exec(&app, "DELETE FROM campaigns WHERE no = 'CP0077'");
    let res = c.get(&format!("{page}/refresh"));
    assert!(
        res.contains("Campaign: CP0077 is not a campaign No. Go back to before step 2"),
        "{}",
        res.body
    );

    // A line whose step a Go Back undid, saved from its page.
    let line = first_current_line(&app, &no, "ANNA");
    let line_page = format!("{page}/lines/{line}");
    let form = c.get(&line_page);
    let token = form.csrf_token().unwrap();
    // What Go Back to before step 1 does to it, by a colleague.
    diesel_exec(
        &app,
        &format!(
            "DELETE FROM segment_lines WHERE id = {line};
             DELETE FROM segment_steps WHERE segment_id = (SELECT id FROM segments WHERE no = '{no}')"
        ),
    );
    let res = c.post_with_token(&line_page, &token, &[("subject", "Call")]);
    assert_eq!(res.status, 303, "{}", res.body);
    let said = c.get(&page);
    assert!(
        said.contains("That line is no longer on the segment: a Go Back undid the step that added it after its page was opened. Nothing was saved."),
        "{}",
        said.body
    );
    assert!(!said.contains(&format!("Line {line}")));
}
