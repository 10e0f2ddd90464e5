//! A browser journey on a segment with many lines: the header edited with an error (seen at
//! the top, its link leading to the field), the lines searched, sorted and paged, and a step
//! that would change nothing; axe-core and the HTML checker on every page.

use crate::browser::{run_journey, tools_or_skip};
use crate::segment_page::many_lines;
use crate::segments::{staff, world};
use crate::support::*;

#[test]
fn browser_segment_page_header_lines_and_a_step_that_changes_nothing() {
    let Some(tools) =
        tools_or_skip("browser_segment_page_header_lines_and_a_step_that_changes_nothing")
    else {
        return;
    };
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = many_lines(&app, &mut c);
    run_journey(&app, tools, |b| async move {
        b.sign_in("stan").await;
        b.open(&format!("/segments/{no}")).await;
        // The header comes before the lines.
        let order = b
            .eval(
                "return document.getElementById('header-heading').compareDocumentPosition(\
                 document.getElementById('lines-heading')) & Node.DOCUMENT_POSITION_FOLLOWING;",
            )
            .await;
        assert_ne!(order, serde_json::json!(0), "the header is above the lines");

        // A refused save: the error at the top, its link to the field, what was typed kept.
        b.fill("description", "Norway in spring").await;
        b.fill("unit_cost", "12,5x").await;
        b.press("Save header").await;
        assert_eq!(b.status().await, 422);
        assert_eq!(
            b.attr(".error-summary a", "href").await.as_deref(),
            Some("#unit_cost")
        );
        let top = b
            .eval("return document.querySelector('.error-summary').getBoundingClientRect().top;")
            .await;
        assert!(
            top.as_f64().is_some_and(|t| t < 400.0),
            "the summary is in sight: {top}"
        );
        assert_eq!(b.value("unit_cost").await, "12,5x");
        assert_eq!(b.value("description").await, "Norway in spring");
        b.fill("unit_cost", "12.50").await;
        b.press("Save header").await;
        b.expect_page(&format!("/segments/{no}"), 200, &["saved"])
            .await;

        // Search, then sort by name, then the next page.
        b.fill("lines-q", "odense").await;
        b.press_in(".lines-search", "Search").await;
        b.expect_page(
            &format!("/segments/{no}?q=odense"),
            200,
            &["154 of 230 lines match"],
        )
        .await;
        b.follow("Name").await;
        assert!(b.path().await.contains("sort=name"), "{}", b.path().await);
        assert_eq!(
            b.attr("th[aria-sort='ascending'] a", "href")
                .await
                .as_deref()
                .map(|h| h.contains("dir=desc")),
            Some(true)
        );
        b.follow("Next").await;
        let text = b.main_text().await;
        assert!(text.contains("Lines 101–154"), "{text}");

        // A step that would change nothing says so, and that applied it is kept.
        b.open(&format!("/segments/{no}/add?country=NO&preview=1"))
            .await;
        let text = b.main_text().await;
        assert!(text.contains("Nothing to add"), "{text}");
        assert!(text.contains("Applied, it is kept in the ledger"), "{text}");
        assert!(text.contains("Apply Add Contacts"), "{text}");
        b.open(&format!("/segments/{no}/reduce?country=SE&preview=1"))
            .await;
        assert!(b.main_text().await.contains("Nothing to remove"));

        // A line's Remove button (the lines' buttons share one form and its token): that
        // line goes, and only it.
        b.open(&format!("/segments/{no}")).await;
        let first = b
            .eval("return document.querySelector('.lines-table tbody td:nth-child(2) a').textContent;")
            .await;
        let first = first.as_str().unwrap_or_default().to_string();
        b.press_in(".lines-table tbody tr", "Remove").await;
        b.expect_page(
            &format!("/segments/{no}"),
            200,
            &["removed.", "Lines (229)"],
        )
        .await;
        let flash = b
            .eval("return document.querySelector('.flash').textContent;")
            .await;
        let flash = flash.as_str().unwrap_or_default();
        assert!(flash.contains(&first), "{first}: {flash}");
    });
    assert_eq!(
        app.count("SELECT count(*) FROM segment_steps"),
        2,
        "the Add that made the lines and the line removed"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM segment_lines WHERE removed_by_step IS NOT NULL"),
        1
    );
}
