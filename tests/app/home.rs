//! The home page by role: the day's work for staff, what a viewer can read, administration
//! for admins; never the old "will appear as they become available".

use crate::auth::diesel_exec;
use crate::segments::{new_segment, staff, step, world};
use crate::support::*;

#[test]
fn staff_see_their_draft_segments_with_their_sizes_and_their_imports() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stine");
    let home = c.get("/");
    home.assert_status(200);
    assert!(home.contains("You have no draft segments."));
    let no = new_segment(&mut c, "Christmas cards");
    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA")]);
    let other = new_segment(&mut c, "Logged one");
    diesel_exec(
        &app,
        &format!("UPDATE segments SET status = 'logged' WHERE no = '{other}'"),
    );
    // Someone else's draft is not "yours".
    let mut o = staff(&app, "otto");
    new_segment(&mut o, "Otto's draft");
    imported(&app, "stine", "leads.csv", 1472);
    let home = c.get("/");
    assert!(home.contains("href=\"/segments/new\""));
    assert!(home.contains(&format!("<a href=\"/segments/{no}\">{no}</a>")));
    assert!(home.contains("Christmas cards"));
    assert!(home.contains("<td class=\"num\">2</td>"), "{}", home.body);
    assert!(!home.contains("Logged one") && !home.contains("Otto&#39;s draft"));
    assert!(!home.contains("Otto's draft"));
    assert!(home.contains("leads.csv") && home.contains("1,472 contacts"));
    assert!(!home.contains("will appear"));
    assert!(!home.contains("href=\"/admin/users\""));
    // Every area of the day's work has its card, opportunities too (not only the menu).
    for card in ["Contacts", "Interactions", "Campaigns", "Opportunities"] {
        assert!(home.contains(&format!("<h3>{card}</h3>")), "no card {card}");
    }
    // The last changed draft first.
    let newer = new_segment(&mut c, "Spring mailing");
    let home = c.get("/");
    let at = |text: &str| home.body.find(text).unwrap_or_else(|| panic!("{text}"));
    assert!(at(&format!(">{newer}</a>")) < at(&format!(">{no}</a>")));
    // Worked on through its steps (no header save), the older draft is the last changed.
    step(&mut c, &no, "add", &[("contact_no", "BO")]);
    let home = c.get("/");
    let at = |text: &str| home.body.find(text).unwrap_or_else(|| panic!("{text}"));
    assert!(at(&format!(">{no}</a>")) < at(&format!(">{newer}</a>")));
    // More drafts than the home page shows: the link lists the user's own, not everyone's.
    for i in 0..5 {
        new_segment(&mut c, &format!("Draft {i}"));
    }
    let home = c.get("/");
    assert!(
        home.contains("And 2 more: <a href=\"/segments?status=draft&amp;mine=1\">all your draft segments</a>."),
        "{}",
        home.body
    );
    let mine = c.get("/segments?status=draft&mine=1");
    assert!(mine.contains("7 segments"), "{}", mine.body);
    assert!(!mine.contains("Otto&#39;s draft") && !mine.contains("Logged one"));
    assert!(mine.contains("id=\"mine\" name=\"mine\" type=\"checkbox\" value=\"1\" checked"));
    assert!(c.get("/segments?status=draft").contains("8 segments"));
    // Imports without drafts, and neither.
    let mut i = staff(&app, "ida");
    assert!(!i.get("/").contains("Your recent imports"));
    imported(&app, "ida", "fair.csv", 12);
    let home = i.get("/");
    assert!(home.contains("You have no draft segments."));
    assert!(home.contains("Your recent imports") && home.contains("fair.csv"));
    assert!(!home.contains("leads.csv"));
    // Each says what its page says: an update that changed nothing is no "0 contacts", a
    // refused one is no bare "invalid".
    diesel_exec(
        &app,
        "INSERT INTO import_jobs (user_id, file_name, status, error_count, message) \
         SELECT id, 'refused.csv', 'invalid', 502, 'Nothing was imported.' FROM users \
         WHERE username = 'ida'",
    );
    let home = i.get("/");
    assert!(
        home.contains(": 12 contacts imported.</li>"),
        "{}",
        home.body
    );
    assert!(home.contains(": 502 problems found. Nothing was imported.</li>"));
    assert!(i
        .get("/contacts/import")
        .contains(": 502 problems found. Nothing was imported.</li>"));
    assert!(!o.get("/").contains("Your recent imports"));
}

#[test]
fn viewers_are_told_what_they_can_read_and_admins_get_administration() {
    let app = TestApp::start();
    let mut v = app.signed_in("vera", "viewer");
    let home = v.get("/");
    home.assert_status(200);
    assert!(home.contains("What you can read"));
    assert!(home.contains("href=\"/contacts\"") && home.contains("href=\"/segments\""));
    assert!(home.contains("Changing them takes a staff account"));
    assert!(
        home.contains("<h3>Opportunities</h3>") && home.contains("campaigns and opportunities")
    );
    assert!(!home.contains("href=\"/segments/new\"") && !home.contains("draft segments"));
    assert!(!home.contains("will appear"));
    let mut a = app.signed_in("ada", "admin");
    let home = a.get("/");
    assert!(home.contains("Today's work") || home.contains("Today&#39;s work"));
    for link in ["/setup", "/admin/users", "/admin/audit", "/segments/new"] {
        assert!(home.contains(&format!("href=\"{link}\"")), "{link}");
    }
}

/// A finished import of `file` by `username` that created `created` contacts.
fn imported(app: &TestApp, username: &str, file: &str, created: i64) {
    // As the import writes it: "1,472 contacts imported."
    let digits = created.to_string();
    let mut shown = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            shown.push(',');
        }
        shown.push(d);
    }
    diesel_exec(
        app,
        &format!(
            "INSERT INTO import_jobs (user_id, file_name, status, created_count, message) \
             SELECT id, '{file}', 'done', {created}, '{shown} contacts imported.' \
             FROM users WHERE username = '{username}'"
        ),
    );
}
