//! A segment's totals are kept as its lines change (`segment_line_counts`, see
//! docs/architecture.md, Segments): after every kind of step, Go Back, Refresh, a line's own
//! values, a header or template change, Log Segment's follow-up, a deleted contact and a
//! deleted segment, the kept counts equal the lines counted from scratch, and the segment page,
//! the segment list and the home page show the figures a count of the lines gives.

use crate::auth::diesel_exec;
use crate::segments::{header_fields, new_segment, post, staff, step, text, world};
use crate::support::*;

/// The segment's lines counted from scratch, grouped by the steps that added and removed them
/// ("added:removed:lines", removed 0 while on the segment).
fn counted(app: &TestApp, no: &str) -> String {
    text(
        app,
        &format!(
            "SELECT string_agg(x, ' ' ORDER BY x) FROM (SELECT l.added_by_step || ':' \
               || COALESCE(l.removed_by_step, 0) || ':' || count(*) AS x \
             FROM segment_lines l JOIN segments s ON s.id = l.segment_id WHERE s.no = '{no}' \
             GROUP BY l.added_by_step, l.removed_by_step) g"
        ),
    )
}

/// The same, as kept.
fn kept(app: &TestApp, no: &str) -> String {
    text(
        app,
        &format!(
            "SELECT string_agg(x, ' ' ORDER BY x) FROM (SELECT k.added_by_step || ':' \
               || k.removed_by_step || ':' || k.lines AS x \
             FROM segment_line_counts k JOIN segments s ON s.id = k.segment_id \
             WHERE s.no = '{no}' AND k.lines <> 0) g"
        ),
    )
}

/// The page's figures as a count of every line gives them: lines, steps, total cost (each
/// line's own cost, else its own template's, else the header's) and minutes. (A segment
/// without lines costs nothing: the page once showed the header's unit cost for it.)
fn figures_from_scratch(app: &TestApp, no: &str) -> [String; 4] {
    let row = text(
        app,
        &format!(
            "SELECT count(l.id) || '|' || (SELECT count(*) FROM segment_steps t WHERE t.segment_id = s.id) \
               || '|' || to_char(COALESCE(sum(COALESCE(l.unit_cost, lt.unit_cost, s.unit_cost)) FILTER (WHERE l.id IS NOT NULL), 0), 'FM999990.00') \
               || '|' || COALESCE(sum(COALESCE(l.unit_duration_min, lt.unit_duration_min, s.unit_duration_min)) FILTER (WHERE l.id IS NOT NULL), 0) \
             FROM segments s LEFT JOIN segment_lines l ON l.segment_id = s.id AND l.removed_by_step IS NULL \
             LEFT JOIN interaction_templates lt ON lt.code = l.interaction_template_code \
               AND l.interaction_template_code IS DISTINCT FROM s.interaction_template_code \
             WHERE s.no = '{no}' GROUP BY s.id"
        ),
    );
    let parts: Vec<String> = row.split('|').map(str::to_string).collect();
    assert_eq!(parts.len(), 4, "{row}");
    [
        parts[0].clone(),
        parts[1].clone(),
        parts[2].clone(),
        parts[3].clone(),
    ]
}

/// The kept counts equal the lines, and the segment page, the list and the home page show the
/// figures counted from scratch.
#[track_caller]
fn assert_totals(app: &TestApp, c: &mut Client, no: &str, what: &str) {
    assert_eq!(kept(app, no), counted(app, no), "kept counts after {what}");
    let [lines, steps, cost, minutes] = figures_from_scratch(app, no);
    let page = c.get(&format!("/segments/{no}"));
    page.assert_status(200);
    let one =
        |n: &str, word: &'static str, words: &'static str| if n == "1" { word } else { words };
    for (value, label) in [
        (&lines, one(&lines, "line", "lines")),
        (&steps, one(&steps, "step", "steps")),
        (&cost, "total cost"),
        (&minutes, "total minutes"),
    ] {
        let shown = format!(
            "<span class=\"figure\">{value}</span><span class=\"figure-label\">{label}</span>"
        );
        assert!(
            page.contains(&shown),
            "after {what}, the page should show {shown}:\n{}",
            page.body
        );
    }
    let list = c.get(&format!("/segments?q={no}"));
    let at = list
        .body
        .find(&format!("href=\"/segments/{no}\""))
        .unwrap_or_else(|| panic!("{no} not in the list:\n{}", list.body));
    let row = &list.body[at..at + list.body[at..].find("</tr>").unwrap()];
    let lines_cell = format!("<td class=\"num\">{lines}</td>");
    let at_lines = row.find(&lines_cell);
    assert!(
        at_lines
            .is_some_and(|at| row[at + lines_cell.len()..]
                .contains(&format!("<td class=\"num\">{steps}</td>"))),
        "after {what}, the list should show {lines} lines and {steps} steps: {row}"
    );
}

fn line_of(app: &TestApp, no: &str, contact: &str) -> i64 {
    app.count(&format!(
        "SELECT min(l.id) FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
         JOIN contacts c ON c.id = l.contact_id \
         WHERE s.no = '{no}' AND c.no = '{contact}' AND l.removed_by_step IS NULL"
    ))
}

#[test]
fn the_kept_totals_equal_a_count_after_every_change_of_the_lines() {
    let app = TestApp::start();
    world(&app);
    let mut c = staff(&app, "stan");
    let no = new_segment(&mut c, "Totals");
    let page = format!("/segments/{no}");
    assert_totals(&app, &mut c, &no, "nothing");

    // Header: 2.50 and 3 minutes a line.
    let show = c.get(&page);
    let version = hidden_value(&show.body, "version").unwrap();
    c.post_with_token(
        &page,
        &show.csrf_token().unwrap(),
        &header_fields(&[
            ("description", "Totals"),
            ("unit_cost", "2.50"),
            ("unit_duration_min", "3"),
            ("version", &version),
        ]),
    )
    .assert_redirect(&page);
    assert_totals(&app, &mut c, &no, "a header change");

    step(&mut c, &no, "add", &[("contact_no", "ANNA|DORA|ELI|SOLO")]);
    assert_totals(&app, &mut c, &no, "Add");
    step(&mut c, &no, "add", &[("type", "company")]);
    assert_totals(&app, &mut c, &no, "a second Add");
    step(&mut c, &no, "reduce", &[("contact_no", "ELI")]);
    assert_totals(&app, &mut c, &no, "Reduce");
    step(&mut c, &no, "refine", &[("country", "DK")]);
    assert_totals(&app, &mut c, &no, "Refine");
    post(&mut c, &format!("{page}/lines"), &[("contact_no", "FINN")]).assert_redirect(&page);
    assert_totals(&app, &mut c, &no, "a line added by hand");
    let solo = line_of(&app, &no, "SOLO");
    post(&mut c, &format!("{page}/lines/{solo}/remove"), &[]);
    assert_totals(&app, &mut c, &no, "a line removed by hand");

    // Lines with their own values: a cost and minutes, and a template of their own.
    let anna = line_of(&app, &no, "ANNA");
    let line_page = format!("{page}/lines/{anna}");
    c.submit(
        &line_page,
        &line_page,
        &[("unit_cost", "9.99"), ("unit_duration_min", "7")],
    )
    .assert_redirect(&format!("{page}#lines"));
    assert_totals(&app, &mut c, &no, "a line's own cost");
    let alpha = line_of(&app, &no, "ALPHA");
    let line_page = format!("{page}/lines/{alpha}");
    c.submit(
        &line_page,
        &line_page,
        &[("interaction_template_code", "MAIL")],
    )
    .assert_redirect(&format!("{page}#lines"));
    assert_totals(&app, &mut c, &no, "a line's own template");
    // The template's cost changes in setup: the line with it follows.
    diesel_exec(&app, "UPDATE interaction_templates SET unit_cost = 20.00, unit_duration_min = 1 WHERE code = 'MAIL'");
    assert_totals(&app, &mut c, &no, "a change of the line's template");

    // Reuse Segment: the lines of another segment.
    let other = new_segment(&mut c, "Other");
    step(&mut c, &other, "add", &[("contact_no", "BETA|DORA|ANNA")]);
    post(
        &mut c,
        &format!("{page}/reuse-segment"),
        &[("segment_no", &other)],
    )
    .assert_redirect(&page);
    assert_totals(&app, &mut c, &no, "Reuse Segment");
    assert_totals(&app, &mut c, &other, "a segment reused");

    // Go Back one step, then to the second step.
    post(&mut c, &format!("{page}/go-back"), &[]).assert_redirect(&page);
    assert_totals(&app, &mut c, &no, "Go Back");
    post(&mut c, &format!("{page}/go-back"), &[("to", "2")]).assert_redirect(&page);
    assert_totals(&app, &mut c, &no, "Go Back to step 2");

    // Refresh: ANNA moved to Sweden, so the replayed Refine takes her out.
    step(&mut c, &no, "refine", &[("country", "DK")]);
    diesel_exec(
        &app,
        "UPDATE contacts SET country_code = 'SE' WHERE no = 'ANNA'",
    );
    post(&mut c, &format!("{page}/refresh"), &[]).assert_redirect(&page);
    assert_totals(&app, &mut c, &no, "Refresh");
    post(&mut c, &format!("{page}/go-back"), &[]).assert_redirect(&page);
    assert_totals(&app, &mut c, &no, "Go Back over Refresh");

    // A deleted contact takes its removed lines with it.
    post(&mut c, &format!("{page}/lines"), &[("contact_no", "FINN")]).assert_redirect(&page);
    step(&mut c, &no, "reduce", &[("contact_no", "FINN")]);
    assert_totals(&app, &mut c, &no, "FINN added and reduced");
    diesel_exec(&app, "DELETE FROM contacts WHERE no = 'FINN'");
    assert_totals(&app, &mut c, &no, "a deleted contact's removed line");

    // Log Segment with a follow-up: the follow-up's lines are counted too.
    diesel_exec(
        &app,
        &format!("UPDATE segments SET interaction_template_code = 'CALL' WHERE no = '{no}'"),
    );
    post(&mut c, &format!("{page}/log"), &[("follow_up", "on")]).assert_redirect(&page);
    let follow_up = text(
        &app,
        &format!("SELECT no FROM segments WHERE description = 'Follow-up on segment {no}'"),
    );
    assert!(!follow_up.is_empty());
    assert_totals(&app, &mut c, &no, "Log Segment");
    assert_totals(&app, &mut c, &follow_up, "the follow-up segment");
    // A template's cost raised after the log does not move the logged segment's total: it is
    // what the log wrote, as its entries and campaign entry say.
    let [_, _, logged_cost, logged_minutes] = figures_from_scratch(&app, &no);
    diesel_exec(
        &app,
        "UPDATE interaction_templates SET unit_cost = unit_cost + 100, unit_duration_min = unit_duration_min + 7",
    );
    let [_, _, today_cost, _] = figures_from_scratch(&app, &no);
    assert_ne!(today_cost, logged_cost, "the lines' values moved");
    let shown = c.get(&page);
    for (value, label) in [
        (&logged_cost, "total cost"),
        (&logged_minutes, "total minutes"),
    ] {
        assert!(
            shown.contains(&format!(
                "<span class=\"figure\">{value}</span><span class=\"figure-label\">{label}</span>"
            )),
            "{label} {value}:\n{}",
            shown.body
        );
    }
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT sum(e.cost)::numeric(20,2)::text FROM interaction_log_entries e \
                 JOIN segments s ON s.id = e.segment_id WHERE s.no = '{no}'"
            )
        ),
        text(
            &app,
            &format!("SELECT logged_cost::text FROM segments WHERE no = '{no}'")
        )
    );

    // The home page's drafts show the kept lines.
    let [other_lines, ..] = figures_from_scratch(&app, &other);
    let home = c.get("/");
    let at = home
        .body
        .find(&format!("href=\"/segments/{other}\""))
        .unwrap();
    let row = &home.body[at..at + home.body[at..].find("</tr>").unwrap()];
    assert!(
        row.contains(&format!("<td class=\"num\">{other_lines}</td>")),
        "{row}"
    );

    // Deleting segments takes their counts with them.
    post(&mut c, &format!("{page}/cancel"), &[]).assert_redirect(&page);
    let id = app.count(&format!("SELECT id FROM segments WHERE no = '{no}'"));
    post(&mut c, &format!("{page}/delete"), &[]).assert_redirect("/segments");
    let other_id = app.count(&format!("SELECT id FROM segments WHERE no = '{other}'"));
    post(&mut c, &format!("/segments/{other}/delete"), &[]).assert_redirect("/segments");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM segment_line_counts WHERE segment_id IN ({id}, {other_id})"
        )),
        0
    );
    assert_totals(&app, &mut c, &follow_up, "deleting other segments");
}
