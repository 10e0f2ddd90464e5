//! The opportunities journey in Chromium: a sales cycle with three stages set up through its
//! pages, opportunities created from a 1,000-line segment, one moved next, back and skipped
//! ahead (refused at the quote stage without a quote first), one won and one lost, and the
//! pipeline figures following. Every page checked by axe-core and the HTML checker.

use fantoccini::Locator;

use crate::browser::{run_journey, tools_or_skip};
use crate::segments::{new_segment, staff, step};
use crate::support::*;

#[test]
fn browser_opportunities_from_a_segment_through_a_cycle_to_won_and_lost() {
    let Some(tools) =
        tools_or_skip("browser_opportunities_from_a_segment_through_a_cycle_to_won_and_lost")
    else {
        return;
    };
    let app = TestApp::start();
    app.user("boss", "admin");
    crate::auth::diesel_exec(
        &app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo Larsen');
         INSERT INTO interaction_groups (code, description) VALUES ('PHONE', 'Phone calls');
         INSERT INTO interaction_templates (code, group_code, description) VALUES ('CALL', 'PHONE', 'Sales call');
         INSERT INTO contacts (no, type, name, country_code, email)
           SELECT 'CT' || lpad(g::text, 6, '0'), 'company', 'Company ' || g, 'DK', 'info' || g || '@example.com'
             FROM generate_series(1, 1000) g;",
    );
    // A 1,000-line segment, built through the wizard's HTTP forms.
    let mut c = staff(&app, "stan");
    let seg = new_segment(&mut c, "Chair customers");
    step(&mut c, &seg, "add", &[("country", "DK")]);
    assert_eq!(
        app.count("SELECT count(*) FROM segment_lines WHERE removed_by_step IS NULL"),
        1000
    );

    run_journey(&app, tools, |b| async move {
        let click = |id: &'static str| {
            let b = &b;
            async move {
                b.find(Locator::Id(id))
                    .await
                    .click()
                    .await
                    .unwrap_or_else(|e| panic!("click #{id}: {e}"));
            }
        };
        b.sign_in("boss").await;

        // Setup: a cycle with three stages, the second requiring a quote and skippable.
        b.open("/setup/sales-cycles").await;
        b.follow("New sales cycle").await;
        b.fill("code", "new").await;
        b.fill("description", "New business").await;
        b.press("Create sales cycle").await;
        b.expect_page(
            "/setup/sales-cycles/NEW",
            200,
            &["Sales cycle NEW created."],
        )
        .await;
        for (n, name, completed, chances) in [
            ("1", "Initial contact", "10", "20"),
            ("2", "Demo", "40", "50"),
            ("3", "Negotiation", "80", "70"),
        ] {
            b.fill("stage", n).await;
            b.fill("description", name).await;
            b.fill("completed_pct", completed).await;
            b.fill("chances_pct", chances).await;
            // The first stage suggests the estimated closing date, which a move needs (the
            // opportunities Create Opportunities makes have none).
            if n == "1" {
                b.fill("date_formula", "+1M").await;
            }
            if n == "2" {
                click("quote_required").await;
                click("allow_skip").await;
            }
            b.press("Add stage").await;
            b.wait_for_text(&format!("Stage {n} {name} added to NEW."))
                .await;
        }
        b.open("/setup/close-opportunity-codes").await;
        b.fill("code", "signed").await;
        b.choose("kind", "won").await;
        b.fill("description", "Contract signed").await;
        b.press("Add code").await;
        b.fill("code", "price").await;
        b.choose("kind", "lost").await;
        b.fill("description", "Price too high").await;
        b.press("Add code").await;
        b.wait_for_text("Close opportunity code PRICE created.")
            .await;

        // Create opportunities from the segment: the preview says 1,000.
        b.open(&format!("/segments/{seg}/create-opportunities"))
            .await;
        assert_eq!(b.figure("create").await, "1,000");
        assert_eq!(b.figure("skipped").await, "0");
        b.press("Create 1,000 opportunities").await;
        b.wait_for_text("1,000 opportunities created from segment")
            .await;
        assert_eq!(b.figure("open").await, "1,000");

        // The first one: start it, try to move to the quote stage without a quote.
        b.open("/opportunities/OP000001").await;
        b.fill("estimated_value", "10000").await;
        b.press("Update").await;
        b.wait_for_text("Opportunity OP000001 is on stage 1 Initial contact.")
            .await;
        click("action-next").await;
        b.press("Update").await;
        b.wait_for_text("Stage 2 requires a quote").await;
        assert_eq!(b.status().await, 422);
        b.fill("quote_reference", "Q-2026-17").await;
        b.press("Update").await;
        b.wait_for_text("is on stage 2 Demo.").await;
        // Back, then skip ahead over the demo (it may be skipped).
        click("action-previous").await;
        b.press("Update").await;
        b.wait_for_text("is on stage 1 Initial contact.").await;
        click("action-skip").await;
        b.choose("stage", "3").await;
        b.press("Update").await;
        b.wait_for_text("is on stage 3 Negotiation.").await;
        assert_eq!(b.figure("probability").await, "56 %");

        // Won, with the final value.
        click("outcome-won").await;
        b.choose("close_code", "SIGNED").await;
        b.fill("final_value", "9500").await;
        b.press("Close opportunity").await;
        b.wait_for_text("Opportunity OP000001 closed as won.").await;

        // The second one: lost at once.
        b.open("/opportunities/OP000002").await;
        click("outcome-lost").await;
        b.choose("close_code", "PRICE").await;
        b.press("Close opportunity").await;
        b.wait_for_text("Opportunity OP000002 closed as lost.")
            .await;

        // The pipeline follows.
        b.open("/opportunities").await;
        assert_eq!(b.figure("open").await, "998");
        assert_eq!(b.figure("won").await, "1");
        assert_eq!(b.figure("lost").await, "1");
        assert_eq!(b.figure("win-rate").await, "50 %");
    });
    assert_eq!(
        app.count("SELECT count(*) FROM opportunity_entries"),
        1000 + 5 + 1
    );
}
