//! The segment page: header, figures, ledger, a page of lines, and the smaller forms.

use crate::auth::{Role, SignedIn};
use crate::segments::domain::header::Template as InteractionTemplate;
use crate::segments::domain::header::{HeaderForm, HeaderNames, Segment};
use crate::segments::domain::ledger::{LineHistory, Step, UndoEffect};
use crate::segments::domain::line_page::{LineSort, LinesQuery};
use crate::segments::domain::lines::LineRow;
use crate::segments::domain::totals::Figures;
use crate::segments::domain::{header, ledger, line_page, totals};
use crate::setup::{self, Shared};
use crate::web::filters;
use crate::web::pagination::Pager;
use crate::web::{db, ok, redirect, render, AppError, AppResult, FormErrors, Layout};
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::header::HeaderOptions;

impl HeaderOptions {
    /// What each of `lines` shows of its salesperson, interaction template, date and cost,
    /// written once for each value the page shows (most lines show their header's), not once
    /// a line: a page's 100 lines wrote 400 texts, about 6 % of the server's time on the page.
    fn line_texts(&self, lines: &[LineRow]) -> Vec<LineTexts> {
        let (mut salespeople, mut templates, mut dates, mut costs) = (
            Written::new(),
            Written::new(),
            Written::new(),
            Written::new(),
        );
        lines
            .iter()
            .map(|l| LineTexts {
                no: filters::Escaped::new(&l.contact_no),
                salesperson: salespeople.text(l.salesperson.as_deref(), || {
                    setup::named(l.salesperson.as_deref(), &self.salespeople).map(Shared::from)
                }),
                template: templates.text(l.template.as_deref(), || {
                    setup::named(l.template.as_deref(), &self.templates).map(Shared::from)
                }),
                date: dates.text(l.date, || filters::date_text(l.date).into()),
                cost: costs.text(&l.unit_cost, || l.cost_text().into()),
            })
            .collect()
    }
}

/// The texts written for one kind of a page's values, by value, and the last value asked for
/// with its text: lines next to each other mostly show the same values, which are then neither
/// hashed nor looked up (hashing was 5 % of Rapport's instructions for the page).
struct Written<K, V> {
    by_value: std::collections::HashMap<K, V>,
    last: Option<(K, V)>,
}

impl<K: Eq + std::hash::Hash + Clone, V: Clone> Written<K, V> {
    fn new() -> Self {
        Written {
            by_value: std::collections::HashMap::new(),
            last: None,
        }
    }

    /// The text of `key`, written by `write` the first time it is asked for.
    fn text(&mut self, key: K, write: impl FnOnce() -> V) -> V {
        if let Some((last, text)) = &self.last {
            if *last == key {
                return text.clone();
            }
        }
        let text = self
            .by_value
            .entry(key.clone())
            .or_insert_with(write)
            .clone();
        self.last = Some((key, text.clone()));
        text
    }
}

/// What a line of the segment page shows of its salesperson and interaction template (each
/// with its name), its date and its cost.
pub struct LineTexts {
    /// The contact's No., escaped once for the line's links and their labels.
    pub no: filters::Escaped,
    pub salesperson: Option<Shared>,
    pub template: Option<Shared>,
    pub date: Shared,
    pub cost: Shared,
}

#[derive(Template)]
#[template(path = "segments/show.html")]
pub struct ShowPage {
    pub layout: Layout,
    pub segment: Segment,
    /// The header's codes with their names, as saved.
    pub names: HeaderNames,
    pub form: HeaderForm,
    pub errors: FormErrors,
    pub options: HeaderOptions,
    pub figures: Figures,
    pub ledger: Vec<Step>,
    /// The lines by the steps that added and removed them (what each Go Back would do).
    pub history: Vec<LineHistory>,
    pub lines: Vec<LineRow>,
    /// What each of `lines` shows of its salesperson, template, date and cost.
    pub line_texts: Vec<LineTexts>,
    /// The segment's No., escaped once for every line's links.
    pub segment_no: filters::Escaped,
    pub pager: Pager,
    /// A page read after (before) a line: whether lines precede it and follow it, as found
    /// ([`LinesNav`]).
    pub nav: LinesNav,
    /// The lines' search and order.
    pub lines_query: LinesQuery,
    /// `?back=` this page of lines (its search, order and page), for a line's page and its
    /// Remove to come back to; built once for the page's hundred rows.
    pub back: String,
    /// The smaller forms of the page, as typed when one of them was refused.
    pub actions: ActionForms,
    pub can_edit: bool,
    /// A save refused over a colleague's: the fields that differ (saved meanwhile, typed).
    pub conflict: Option<Vec<(&'static str, String, String)>>,
}

/// What was typed into the segment page's smaller forms (Save Criteria, Reuse Criteria, Reuse
/// Segment, Add line), and why one was refused: the page is shown again with it (status 422),
/// the message next to the field (keyed by the input's id).
#[derive(Clone, Debug, Default)]
pub struct ActionForms {
    pub save_code: String,
    pub save_description: String,
    pub reuse_code: String,
    pub segment_no: String,
    pub segment_expand_companies: bool,
    pub segment_allow_related_companies: bool,
    pub segment_ignore_exclusion: bool,
    pub segment_allow_existing: bool,
    pub contact: String,
    pub line_ignore_exclusion: bool,
    pub errors: FormErrors,
}

impl ActionForms {
    pub fn refused(mut self, field: &'static str, message: impl Into<String>) -> ActionOutcome {
        self.errors.add(field, message);
        ActionOutcome::Refused(Box::new(self))
    }
}

/// How one of those forms ended: done (and where to go next), or refused.
pub enum ActionOutcome {
    Done(String),
    Refused(Box<ActionForms>),
}

/// Answers one of the segment page's smaller forms: on to the next page when it was done; the
/// segment page again, with what was typed and why it was refused, when it was not.
pub async fn respond(
    state: &web::Data<AppState>,
    layout: Layout,
    no: String,
    outcome: ActionOutcome,
) -> AppResult<HttpResponse> {
    let actions = match outcome {
        ActionOutcome::Done(location) => return Ok(redirect(&location)),
        ActionOutcome::Refused(actions) => *actions,
    };
    let data = db(&state.pool, move |conn| {
        let Some(segment) = header::find_by_no(conn, &no)? else {
            return Err(super::deleted_meanwhile(conn, &no));
        };
        Ok(load_first_page(conn, segment)?)
    })
    .await?;
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &ShowPage::build(layout, data, None, FormErrors::new(), actions, true),
    )
}

impl ShowPage {
    /// The page from what `load_show` read; the header form as saved unless `form` is given.
    pub(super) fn build(
        layout: Layout,
        data: ShowData,
        form: Option<HeaderForm>,
        errors: FormErrors,
        actions: ActionForms,
        can_edit: bool,
    ) -> ShowPage {
        let (segment, figures, ledger, history, (lines, pager, lines_query, nav), options, names) =
            data;
        let line_texts = options.line_texts(&lines);
        let segment_no = filters::Escaped::new(&segment.no);
        let page = (pager.page > 1).then(|| ("page", pager.page.to_string()));
        let here = lines_page_link(&segment.no, &lines_query, page.as_slice());
        let back = crate::web::pagination::query_string([("back", here.as_str())]);
        ShowPage {
            back,
            segment_no,
            names,
            lines_query,
            history,
            layout,
            form: form.unwrap_or_else(|| HeaderForm::from_segment(&segment)),
            segment,
            errors,
            options,
            figures,
            ledger,
            lines,
            line_texts,
            pager,
            nav,
            actions,
            can_edit,
            conflict: None,
        }
    }

    /// When the segment was logged, in local time.
    pub fn logged_when(&self) -> String {
        local_time(self.segment.logged_at)
    }

    /// When the segment was canceled, in local time.
    pub fn canceled_when(&self) -> String {
        local_time(self.segment.canceled_at)
    }

    /// Each line with what it shows of its salesperson, template, date and cost.
    pub fn line_rows(&self) -> impl Iterator<Item = (&LineRow, &LineTexts)> {
        self.lines.iter().zip(&self.line_texts)
    }

    /// The segment's last step (number and stamp; 0 and 0 for none), which the reuse forms
    /// send: a form sent twice reuses once.
    pub fn seen(&self) -> (i64, i64) {
        self.ledger
            .last()
            .map_or((0, 0), |s| (i64::from(s.seq), s.stamp()))
    }

    pub fn editable(&self) -> bool {
        self.can_edit && self.segment.is_draft()
    }

    /// A link to the lines with the search and order kept, and `extra` parameters.
    fn lines_link(&self, extra: &[(&str, String)]) -> String {
        lines_page_link(&self.segment.no, &self.lines_query, extra)
    }

    /// Whether lines precede this page: Previous and First are offered.
    pub fn lines_before(&self) -> bool {
        self.nav.map_or(self.pager.has_prev(), |(before, _)| before)
    }

    /// Whether lines follow this page: Next and Last are offered.
    pub fn lines_after(&self) -> bool {
        self.nav.map_or(self.pager.has_next(), |(_, after)| after)
    }

    /// Whether the page number the link carried holds: lines that left the segment before
    /// the page since make it wrong, and the page then says only how many lines it shows.
    pub fn position_known(&self) -> bool {
        self.lines_before() == self.pager.has_prev() && self.lines_after() == self.pager.has_next()
    }

    /// The first and last line shown, as numbered in the order: the last page read after a
    /// line ends at the last line, however many left before it.
    pub fn shown_range(&self) -> (i64, i64) {
        match self.nav {
            Some((_, false)) if !self.lines.is_empty() => {
                let total = self.pager.total;
                (total - self.lines.len() as i64 + 1, total)
            }
            _ => (self.pager.first_row(), self.pager.last_row()),
        }
    }

    pub fn page_link(&self, page: i64) -> String {
        self.lines_link(&[("page", page.to_string())])
    }

    /// A line's sort keys as this page shows them, for a link to the page after or before it.
    fn key_of(&self, line: &LineRow) -> String {
        serde_json::to_string(&self.lines_query.sort.key_values(line)).unwrap_or_default()
    }

    /// The next page, read after this page's last line.
    pub fn next_link(&self) -> String {
        match self.lines.last() {
            Some(line) => self.lines_link(&[
                ("page", (self.pager.page + 1).to_string()),
                ("after", line.id.to_string()),
                ("key", self.key_of(line)),
            ]),
            None => self.page_link(self.pager.page + 1),
        }
    }

    /// The previous page, read before this page's first line.
    pub fn prev_link(&self) -> String {
        match self.lines.first() {
            Some(line) => self.lines_link(&[
                ("page", (self.pager.page - 1).to_string()),
                ("before", line.id.to_string()),
                ("key", self.key_of(line)),
            ]),
            None => self.page_link(self.pager.page - 1),
        }
    }

    /// A column header's link: sorted by `key`, the other way round when it already is.
    pub fn sort_link(&self, key: &str) -> String {
        let sort = self.lines_query.sort.key();
        let dir = crate::web::pagination::header_dir(sort, self.lines_query.dir(), key);
        let mut query = self.lines_query.clone();
        query.sort = LineSort::parse(key).unwrap_or_default();
        query.descending = dir == "desc";
        let pairs = query.pairs();
        format!(
            "/segments/{}{}#lines",
            self.segment.no,
            crate::web::pagination::query_string(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        )
    }

    pub fn aria_sort(&self, key: &str) -> &'static str {
        crate::web::pagination::aria_sort(self.lines_query.sort.key(), self.lines_query.dir(), key)
    }

    /// The arrow after the sorted column's label.
    pub fn sort_arrow(&self, key: &str) -> &'static str {
        match self.aria_sort(key) {
            "ascending" => " ▲",
            "descending" => " ▼",
            _ => "",
        }
    }

    /// The columns that sort the lines, with their labels.
    pub fn sort_columns(&self) -> [(&'static str, &'static str); 6] {
        [
            ("no", "Contact"),
            ("name", "Name"),
            ("company", "Company"),
            ("city", "City"),
            ("salesperson", "Salesperson"),
            ("correspondence", "Correspondence"),
        ]
    }

    /// What going back to step `to` would do.
    pub fn undo_to(&self, to: i32) -> UndoEffect {
        let last = self.ledger.last().map_or(0, |s| s.seq);
        UndoEffect::of(&self.history, to, last)
    }

    pub fn template_label(&self, t: &InteractionTemplate) -> String {
        format!("{} – {}", t.code, t.description)
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    after: Option<String>,
    before: Option<String>,
    /// The sort keys of the line `after` or `before` names, as the linking page showed them
    /// (a JSON array of texts; see `line_page::Bound`).
    key: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
}

impl PageQuery {
    fn lines_from(&self) -> line_page::LinesFrom {
        let id = |v: &Option<String>| v.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
        let bound = |line| line_page::Bound {
            line,
            key: self
                .key
                .as_deref()
                .and_then(|k| serde_json::from_str::<Vec<String>>(k).ok()),
        };
        match (id(&self.after), id(&self.before)) {
            (Some(line), _) => line_page::LinesFrom::After(bound(line)),
            (None, Some(line)) => line_page::LinesFrom::Before(bound(line)),
            (None, None) => line_page::LinesFrom::Page,
        }
    }
}

/// Everything the segment page shows besides the header form.
type ShowData = (
    Segment,
    Figures,
    Vec<Step>,
    Vec<LineHistory>,
    (Vec<LineRow>, Pager, LinesQuery, LinesNav),
    HeaderOptions,
    HeaderNames,
);

/// A link to segment `no`'s lines with `query`'s search and order, and `extra` parameters.
fn lines_page_link(no: &str, query: &LinesQuery, extra: &[(&str, String)]) -> String {
    let pairs = query.pairs();
    let all = pairs
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(extra.iter().map(|(k, v)| (*k, v.as_str())));
    format!(
        "/segments/{}{}#lines",
        no,
        crate::web::pagination::query_string(all)
    )
}

/// Where a line's page, its Save and a Remove lead back to: the page of lines it was opened
/// from (`back`, with its search, order and page), or the segment's Log page (whose lines
/// with a problem link to their forms), when it is one of segment `no`'s, else the segment's
/// lines.
pub fn lines_back(no: &str, back: &str) -> String {
    let own = format!("/segments/{no}");
    let after = |rest: &str| rest.is_empty() || rest.starts_with('?') || rest.starts_with('#');
    match crate::web::forms::safe_next(back) {
        Some(back)
            if back.strip_prefix(&own).is_some_and(|rest| {
                after(rest) || rest.strip_prefix("/log").is_some_and(after)
            }) =>
        {
            back
        }
        _ => format!("{own}#lines"),
    }
}

/// Whether lines precede and follow a page read after or before a line (`None`: a page read
/// by its number, which its pager says).
pub type LinesNav = Option<(bool, bool)>;

/// The page as it opens, for a form shown again: the first page of lines in line order.
pub(super) fn load_first_page(conn: &mut PgConnection, segment: Segment) -> QueryResult<ShowData> {
    load_show(
        conn,
        segment,
        None,
        None,
        line_page::LinesFrom::Page,
        LinesQuery::default(),
    )
}

/// `figures`: the segment's, when they were read with it.
fn load_show(
    conn: &mut PgConnection,
    segment: Segment,
    figures: Option<Figures>,
    page: Option<String>,
    from: line_page::LinesFrom,
    query: LinesQuery,
) -> QueryResult<ShowData> {
    let figures = match figures {
        Some(figures) => figures,
        None => totals::figures(conn, &segment)?,
    };
    // The ledger, and for a draft what each Go Back would do.
    let (ledger, history) = ledger::load_with_history(conn, segment.id, segment.is_draft())?;
    let found = line_page::count(conn, &segment, &query, figures.lines)?;
    let mut pager = Pager::new(page.as_deref(), line_page::LINES_PAGE, found);
    let backwards = matches!(from, line_page::LinesFrom::Before(_));
    // A search that finds no line needs no page of them: on a big segment, reading it would
    // test every line once more (`ø` on a segment of 196,228 lines: 1.5 s).
    let (mut lines, mut more) = if found == 0 {
        (Vec::new(), None)
    } else {
        line_page::lines(conn, segment.id, &pager, from, &query)?
    };
    // Previous reached the first lines with less than a page before them (lines left the
    // segment since): the first page, whole.
    if backwards && more == Some(false) && (lines.len() as i64) < line_page::LINES_PAGE {
        pager = Pager::new(None, line_page::LINES_PAGE, found);
        let first = line_page::LinesFrom::Page;
        (lines, more) = line_page::lines(conn, segment.id, &pager, first, &query)?;
    }
    // Read after (before) a line: whether lines follow (precede) decides Next (Previous), not
    // the page number of a link made before lines left the segment (Next stopped short of
    // the last lines, which no page then reached). Lines are taken to lie on the other side:
    // the page was reached from there.
    let nav = more.map(|more| {
        if backwards {
            (more, true)
        } else {
            (true, more)
        }
    });
    let options = HeaderOptions::load(conn)?;
    let names = options.names(&segment);
    Ok((
        segment,
        figures,
        ledger,
        history,
        (lines, pager, query, nav),
        options,
        names,
    ))
}

#[get("/segments/{no}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let query = query.into_inner();
    let from = query.lines_from();
    let lines_query = LinesQuery::new(
        query.q.as_deref(),
        query.sort.as_deref(),
        query.dir.as_deref(),
    );
    let page = query.page;
    let data = db(&state.pool, move |conn| {
        let (segment, figures) = totals::find_with_figures(conn, &no)?.ok_or(AppError::NotFound)?;
        Ok(load_show(
            conn,
            segment,
            Some(figures),
            page,
            from,
            lines_query,
        )?)
    })
    .await?;
    ok(&ShowPage::build(
        layout,
        data,
        None,
        FormErrors::new(),
        ActionForms::default(),
        user.role >= Role::Staff,
    ))
}

/// A moment in local time ("2026-11-30 21:51"), or nothing.
fn local_time(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(crate::web::filters::local_datetime_text)
        .unwrap_or_default()
}
