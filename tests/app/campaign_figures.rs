//! A campaign's figures are kept with the version of its entries (`campaign_figures`, see
//! docs/architecture.md, Campaign figures): after Log Segment, Cancel, Restore, a single
//! interaction, an entry's change and a renamed campaign they equal the counts from scratch,
//! they are computed in the background after those writes, a kept row of another version is
//! never shown (nor overwritten by an older computation), and two campaigns do not mix.

use crate::auth::diesel_exec;
use crate::segments::{new_segment, post, staff, step, text, world};
use crate::support::*;
use std::time::Duration;

/// The card's figures, as shown: interactions, contacts, companies, targets, responses, cost,
/// minutes.
fn shown(c: &mut Client, no: &str) -> Vec<String> {
    let page = c.get(&format!("/campaigns/{no}"));
    page.assert_status(200);
    [
        "interactions",
        "contacts",
        "companies",
        "targets",
        "responses",
        "targeted-responses",
        "cost",
        "duration",
    ]
    .iter()
    .map(|name| {
        let marker = format!("data-figure=\"{name}\">");
        let start = page
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no figure {name}:\n{}", page.body))
            + marker.len();
        let end = start + page.body[start..].find('<').unwrap();
        page.body[start..end].to_string()
    })
    .collect()
}

/// The same figures counted from the campaign's non-canceled entries.
fn from_scratch(app: &TestApp, no: &str) -> Vec<String> {
    text(
        app,
        &format!(
            "SELECT count(*) || '|' || count(DISTINCT contact_id) || '|' || count(DISTINCT company_id) \
               || '|' || count(DISTINCT contact_id) FILTER (WHERE campaign_target) \
               || '|' || count(DISTINCT contact_id) FILTER (WHERE campaign_response) \
               || '|' || count(DISTINCT contact_id) FILTER (WHERE campaign_response AND contact_id IN \
                    (SELECT contact_id FROM interaction_log_entries WHERE campaign_no = '{no}' \
                       AND campaign_target AND NOT canceled)) \
               || '|' || to_char(COALESCE(sum(cost), 0), 'FM999990.00') \
               || '|' || COALESCE(sum(duration_min), 0) \
             FROM interaction_log_entries WHERE campaign_no = '{no}' AND NOT canceled"
        ),
    )
    .split('|')
    .map(str::to_string)
    .collect()
}

/// The kept row of the campaign as (its version, the campaign's version, its figures).
fn kept(app: &TestApp, no: &str) -> (String, String, Vec<String>) {
    let row = text(
        app,
        &format!(
            "SELECT f.entries_version || '|' || c.entries_version || '|' || f.interactions || '|' \
               || f.contacts || '|' || f.companies || '|' || f.targets || '|' || f.responses \
               || '|' || f.targeted_responses \
               || '|' || to_char(f.cost, 'FM999990.00') || '|' || f.duration_min \
             FROM campaigns c JOIN campaign_figures f ON f.campaign_id = c.id WHERE c.no = '{no}'"
        ),
    );
    let mut parts: Vec<String> = row.split('|').map(str::to_string).collect();
    if parts.len() < 2 {
        return (String::new(), String::new(), Vec::new());
    }
    let figures = parts.split_off(2);
    (parts[0].clone(), parts[1].clone(), figures)
}

/// The background computation after a write: the kept row soon has the campaign's current
/// version and the figures from scratch, without anyone opening the card.
#[track_caller]
fn assert_kept_soon(app: &TestApp, no: &str, what: &str) {
    let ready = eventually(Duration::from_millis(50), || {
        let (version, current, _) = kept(app, no);
        !version.is_empty() && version == current
    });
    assert!(
        ready,
        "after {what}, the figures of {no} were not computed in the background"
    );
    let (_, _, figures) = kept(app, no);
    assert_eq!(
        figures,
        from_scratch(app, no),
        "kept figures of {no} after {what}"
    );
}

#[track_caller]
fn assert_card(app: &TestApp, c: &mut Client, no: &str, what: &str) {
    assert_eq!(
        shown(c, no),
        from_scratch(app, no),
        "card of {no} after {what}"
    );
}

/// A segment for campaign `campaign` with these contacts, its header ready to be logged.
fn campaign_segment(app: &TestApp, c: &mut Client, campaign: &str, contacts: &str) -> String {
    let no = new_segment(c, &format!("For {campaign}"));
    step(c, &no, "add", &[("contact_no", contacts)]);
    diesel_exec(
        app,
        &format!(
            "UPDATE segments SET interaction_template_code = 'CALL', campaign_no = '{campaign}', \
               campaign_target = TRUE, unit_cost = 2.50, unit_duration_min = 3 WHERE no = '{no}'"
        ),
    );
    no
}

#[test]
fn the_kept_figures_equal_the_counts_after_every_write_and_are_computed_in_the_background() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    assert_card(&app, &mut c, "CP0001", "nothing");
    let a = campaign_segment(&app, &mut c, "CP0001", "ANNA|DORA|ELI|SOLO");
    let b = campaign_segment(&app, &mut c, "CP0001", "ANNA|FINN");

    post(&mut c, &format!("/segments/{a}/log"), &[]).assert_redirect(&format!("/segments/{a}"));
    assert_kept_soon(&app, "CP0001", "Log Segment");
    assert_card(&app, &mut c, "CP0001", "Log Segment");
    post(&mut c, &format!("/segments/{b}/log"), &[]).assert_redirect(&format!("/segments/{b}"));
    assert_kept_soon(&app, "CP0001", "a second Log Segment");
    assert_card(&app, &mut c, "CP0001", "a second Log Segment");

    post(&mut c, &format!("/segments/{a}/cancel"), &[]).assert_redirect(&format!("/segments/{a}"));
    assert_kept_soon(&app, "CP0001", "Cancel");
    assert_card(&app, &mut c, "CP0001", "Cancel");
    post(&mut c, &format!("/segments/{a}/restore"), &[]).assert_redirect(&format!("/segments/{a}"));
    assert_kept_soon(&app, "CP0001", "Restore");
    assert_card(&app, &mut c, "CP0001", "Restore");
    // The trail names the campaign of each, so that a search for it finds them.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action IN ('segment logged', \
             'segment canceled', 'segment restored') AND detail LIKE '%, campaign CP0001%'"
        ),
        4
    );

    // A single interaction with the campaign, a response from a new contact (CALL goes by
    // e-mail: it has an address).
    diesel_exec(
        &app,
        "UPDATE contacts SET email = 'info@beta.se' WHERE no = 'BETA'",
    );
    post(
        &mut c,
        "/contacts/BETA/interactions",
        &[
            ("template", "CALL"),
            ("date", "2026-06-02"),
            ("description", "Called back"),
            ("cost", "7.5"),
            ("duration", "30"),
            ("campaign", "CP0001"),
            ("campaign_response", "yes"),
            ("salesperson", "JO"),
        ],
    )
    .assert_redirect("/contacts/BETA");
    assert_kept_soon(&app, "CP0001", "a single interaction");
    assert_card(&app, &mut c, "CP0001", "a single interaction");
    // BETA was never targeted: its response counts among the responses, not in the rate of
    // targeted contacts that responded.
    let figures = from_scratch(&app, "CP0001");
    let (targets, responses, targeted): (i64, i64, i64) = (
        figures[3].parse().unwrap(),
        figures[4].parse().unwrap(),
        figures[5].parse().unwrap(),
    );
    assert!(responses > targeted, "{figures:?}");
    let tenths = (targeted * 1000 + targets / 2) / targets;
    let card = c.get("/campaigns/CP0001");
    assert!(
        card.contains(&format!(
            "data-figure=\"rate\">{}.{} %<",
            tenths / 10,
            tenths % 10
        )),
        "{}",
        card.body
    );

    // One entry canceled on its own page.
    let entry = app.count(&format!(
        "SELECT min(id) FROM interaction_log_entries WHERE segment_no = '{b}'"
    ));
    post(
        &mut c,
        &format!("/interactions/{entry}"),
        &[("evaluation", "positive"), ("canceled", "on")],
    )
    .assert_redirect(&format!("/interactions/{entry}"));
    assert_kept_soon(&app, "CP0001", "an entry canceled");
    assert_card(&app, &mut c, "CP0001", "an entry canceled");

    // A renamed campaign passes its No. on to its entries: the figures follow it.
    let before = from_scratch(&app, "CP0001");
    diesel_exec(
        &app,
        "UPDATE campaigns SET no = 'CP0101' WHERE no = 'CP0001'",
    );
    assert_eq!(from_scratch(&app, "CP0101"), before);
    assert_card(&app, &mut c, "CP0101", "a rename");
    let (version, current, figures) = kept(&app, "CP0101");
    assert_eq!((version, figures), (current, before));
}

#[test]
fn a_kept_row_of_another_version_is_never_shown_nor_overwrites_a_newer_one() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let a = campaign_segment(&app, &mut c, "CP0001", "ANNA|DORA|ELI|SOLO");
    post(&mut c, &format!("/segments/{a}/log"), &[]).assert_redirect(&format!("/segments/{a}"));
    assert_kept_soon(&app, "CP0001", "Log Segment");
    let right = from_scratch(&app, "CP0001");

    // The card reads the kept row when it is of the current version (here made wrong on
    // purpose, to see that it is the kept row that is shown)...
    diesel_exec(&app, "UPDATE campaign_figures SET interactions = 999");
    assert_eq!(shown(&mut c, "CP0001")[0], "999");
    // ... and never a row of an older version: an entry written by any statement bumps the
    // version, and the card counts again.
    diesel_exec(
        &app,
        "INSERT INTO interaction_log_entries (contact_id, company_id, date, campaign_no, cost)
             SELECT id, company_key, DATE '2026-02-01', 'CP0001', 1 FROM contacts WHERE no = 'GAMMA'",
    );
    assert_card(&app, &mut c, "CP0001", "an entry written by SQL");
    assert_ne!(from_scratch(&app, "CP0001"), right);
    let (version, current, figures) = kept(&app, "CP0001");
    assert_eq!(version, current, "the card kept what it counted");
    assert_eq!(figures, from_scratch(&app, "CP0001"));

    // A kept row of a newer version than the one a computation read is left alone by it; the
    // card still shows the counts of the version it reads.
    diesel_exec(
        &app,
        "UPDATE campaign_figures SET entries_version = entries_version + 5, interactions = 999",
    );
    assert_card(&app, &mut c, "CP0001", "a newer kept row");
    let (version, current, figures) = kept(&app, "CP0001");
    assert_eq!(
        version.parse::<i64>().unwrap(),
        current.parse::<i64>().unwrap() + 5
    );
    assert_eq!(figures[0], "999", "the newer row was not overwritten");
}

#[test]
fn two_campaigns_keep_their_own_figures() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let a = campaign_segment(&app, &mut c, "CP0001", "ANNA|DORA|ELI|SOLO");
    let b = campaign_segment(&app, &mut c, "CP0002", "ANNA|FINN|DORA");
    post(&mut c, &format!("/segments/{a}/log"), &[]).assert_redirect(&format!("/segments/{a}"));
    post(&mut c, &format!("/segments/{b}/log"), &[]).assert_redirect(&format!("/segments/{b}"));
    assert_kept_soon(&app, "CP0001", "Log Segment");
    assert_kept_soon(&app, "CP0002", "Log Segment");
    assert_ne!(from_scratch(&app, "CP0001"), from_scratch(&app, "CP0002"));
    let version_of = |no: &str| kept(&app, no).1;
    let cp2 = version_of("CP0002");

    // Canceling the segment of one campaign changes its version and figures only.
    post(&mut c, &format!("/segments/{a}/cancel"), &[]).assert_redirect(&format!("/segments/{a}"));
    assert_kept_soon(&app, "CP0001", "Cancel");
    assert_eq!(
        version_of("CP0002"),
        cp2,
        "the other campaign's version stays"
    );
    assert_kept_soon(&app, "CP0002", "the other campaign's Cancel");
    assert_card(&app, &mut c, "CP0001", "Cancel");
    assert_card(&app, &mut c, "CP0002", "the other campaign's Cancel");
    assert_eq!(from_scratch(&app, "CP0001")[0], "0");
}

/// While another request counts a campaign's figures (the count a write started; here a
/// connection holds its lock as that count would), the card waits a moment, then shows the
/// figures counted last and says that they are being counted again, instead of counting them
/// a second time; once that count is over, the card shows the new figures and no note.
#[test]
fn while_another_request_counts_the_card_shows_the_last_figures_and_says_so() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start_with(|c| c.figures_wait = Duration::from_millis(50));
    world(&app);
    let mut c = staff(&app, "stan");
    let a = campaign_segment(&app, &mut c, "CP0001", "ANNA|DORA|ELI|SOLO");
    post(&mut c, &format!("/segments/{a}/log"), &[]).assert_redirect(&format!("/segments/{a}"));
    assert_kept_soon(&app, "CP0001", "Log Segment");
    let before = from_scratch(&app, "CP0001");
    const NOTE: &str = "counted again as soon as Rapport can";
    assert!(!c.get("/campaigns/CP0001").contains(NOTE));

    let lock = "(x'46494753'::int, (SELECT id FROM campaigns WHERE no = 'CP0001')::int)";
    let mut counting = app.conn();
    counting
        .batch_execute(&format!("SELECT pg_advisory_lock{lock}"))
        .unwrap();
    let b = campaign_segment(&app, &mut c, "CP0001", "ANNA|FINN");
    post(&mut c, &format!("/segments/{b}/log"), &[]).assert_redirect(&format!("/segments/{b}"));
    assert_ne!(from_scratch(&app, "CP0001"), before);
    let page = c.get("/campaigns/CP0001");
    assert!(page.contains(NOTE), "{}", page.body);
    assert_eq!(shown(&mut c, "CP0001"), before, "the figures counted last");

    counting
        .batch_execute(&format!("SELECT pg_advisory_unlock{lock}"))
        .unwrap();
    assert_card(&app, &mut c, "CP0001", "the count is over");
    assert!(!c.get("/campaigns/CP0001").contains(NOTE));
}

/// The campaign entry of a logged segment, as Business Central's: its interactions, cost and
/// minutes are those of the segment's interactions that count — an interaction canceled on
/// its own page leaves them, and comes back with its un-cancel; a canceled entry shows those
/// canceled with it. They kept what the log wrote, and the card's campaign entries no longer
/// added up to its figures.
#[test]
fn a_campaign_entry_counts_its_interactions_as_they_are_now() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let a = campaign_segment(&app, &mut c, "CP0001", "ANNA|DORA|SOLO");
    post(&mut c, &format!("/segments/{a}/log"), &[]).assert_redirect(&format!("/segments/{a}"));
    let entry_now = |app: &TestApp| -> (i64, String, i64, bool) {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct K {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            entries: i64,
            #[diesel(sql_type = diesel::sql_types::Text)]
            cost: String,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            duration_min: i64,
            #[diesel(sql_type = diesel::sql_types::Bool)]
            canceled: bool,
        }
        let k: K = diesel::sql_query(
            "SELECT entries, cost::text AS cost, duration_min, canceled FROM campaign_entries",
        )
        .get_result(&mut app.conn())
        .unwrap();
        (k.entries, k.cost, k.duration_min, k.canceled)
    };
    assert_eq!(entry_now(&app), (3, "7.50".into(), 9, false));
    let entry = app.count(&format!(
        "SELECT min(id) FROM interaction_log_entries WHERE segment_no = '{a}'"
    ));
    let cancel = |c: &mut Client, on: bool| {
        let fields: &[(&str, &str)] = if on { &[("canceled", "on")] } else { &[] };
        post(c, &format!("/interactions/{entry}"), fields)
            .assert_redirect(&format!("/interactions/{entry}"));
    };
    cancel(&mut c, true);
    assert_eq!(entry_now(&app), (2, "5.00".into(), 6, false));
    // Sent twice (a double click): counted once.
    cancel(&mut c, true);
    assert_eq!(entry_now(&app), (2, "5.00".into(), 6, false));
    let card = c.get("/campaigns/CP0001");
    assert!(card.contains(">2</a></td>"), "{}", card.body);
    // Its link lists the interactions it counts (it listed the canceled one too).
    let link = format!("href=\"/interactions?segment={a}&amp;canceled=no\"");
    assert!(card.contains(&link), "{}", card.body);
    let listed = c.get(&format!("/interactions?segment={a}&canceled=no"));
    let rows = listed
        .body
        .matches("<td class=\"nowrap\"><a href=\"/interactions/");
    assert_eq!(rows.count(), 2, "{}", listed.body);
    assert!(
        card.contains("<td class=\"num\">5.00</td>"),
        "{}",
        card.body
    );
    cancel(&mut c, false);
    assert_eq!(entry_now(&app), (3, "7.50".into(), 9, false));

    // The segment canceled: its entry shows what was canceled with it — all three, one of
    // them canceled on its own before. Restored, that one stays canceled and out.
    cancel(&mut c, true);
    post(&mut c, &format!("/segments/{a}/cancel"), &[]).assert_redirect(&format!("/segments/{a}"));
    assert_eq!(entry_now(&app), (3, "7.50".into(), 9, true));
    post(&mut c, &format!("/segments/{a}/restore"), &[]).assert_redirect(&format!("/segments/{a}"));
    assert_eq!(entry_now(&app), (2, "5.00".into(), 6, false));
}
