//! `/interactions`: the list with its filters and its CSV export, an entry's page; the form
//! that logs a single interaction with a contact from its card is in `one`.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use diesel::{PgConnection, QueryResult};

use super::domain::{self, Entry, FilterError, Filters, COUNT_CAP, EVALUATIONS, EXPORT_COLUMNS};
use super::single::{self, SingleForm};
use crate::admin::audit::{self, Actor};
use crate::auth::{client_ip, session, Role, SignedIn, Staff};
use crate::contacts::model::{self, Contact};
use crate::db::binds::bind_all;
use crate::segments::domain::header::{self, Template as InteractionTemplate};
use crate::setup::CodeList;
use crate::web::csv::Format;
use crate::web::forms::FormErrors;
use crate::web::AppState;
use crate::web::{csv, db, filters, redirect, render, AppError, AppResult, Flash, Layout};

mod one;
pub use one::*;

#[derive(Template)]
#[template(path = "interactions/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub filters: Filters,
    pub rows: Vec<Entry>,
    pub total: i64,
    /// Whether entries go on before (after) this page.
    pub more_before: bool,
    pub more_after: bool,
    pub errors: Vec<FilterError>,
    pub evaluations: [(&'static str, &'static str); 5],
    /// The codes the Template, Group, Campaign and Salesperson filters offer.
    pub lists: FilterLists,
}

/// The code lists of the list's filters (kept, `setup::options_of`).
#[derive(Default)]
pub struct FilterLists {
    pub templates: CodeList,
    pub groups: CodeList,
    pub campaigns: CodeList,
    pub salespeople: CodeList,
}

impl FilterLists {
    fn load(conn: &mut PgConnection) -> QueryResult<Self> {
        let mut lists = crate::setup::options_of(
            conn,
            &[
                "interaction_templates",
                "interaction_groups",
                "campaigns",
                "salespeople",
            ],
        )?
        .into_iter();
        let mut next = || lists.next().unwrap_or_default();
        Ok(FilterLists {
            templates: next(),
            groups: next(),
            campaigns: next(),
            salespeople: next(),
        })
    }
}

impl ListPage {
    /// Whose interactions the list shows, when a card's link filtered it ("of contact
    /// CT010010, segment SM00038"), for the page's title and heading; empty otherwise.
    pub fn scope(&self) -> String {
        let f = &self.filters;
        crate::web::pagination::scope(&[
            ("contact", &f.contact),
            ("company", &f.company),
            ("segment", &f.segment),
            ("campaign", &f.campaign),
        ])
    }

    fn new(
        layout: Layout,
        filters: Filters,
        page: domain::Page,
        errors: Vec<FilterError>,
        lists: FilterLists,
    ) -> Self {
        ListPage {
            lists,
            layout,
            filters,
            rows: page.rows,
            total: page.total,
            more_before: page.more_before,
            more_after: page.more_after,
            errors,
            evaluations: EVALUATIONS,
        }
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn total_text(&self) -> String {
        if self.total > COUNT_CAP {
            format!("more than {}", crate::web::pagination::thousands(COUNT_CAP))
        } else {
            crate::web::pagination::thousands(self.total)
        }
    }

    /// The list's query string without its position, plus `extra`.
    fn link(&self, extra: Option<(&str, String)>) -> String {
        format!("/interactions?{}", self.query(extra))
    }

    /// The CSV export of every entry the current filters select, in the list's order.
    pub fn export_link(&self) -> String {
        format!("/interactions/export.csv?{}", self.query(None))
    }

    fn query(&self, extra: Option<(&str, String)>) -> String {
        let f = &self.filters;
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("contact", &f.contact),
            ("company", &f.company),
            ("from", &f.from),
            ("to", &f.to),
            ("template", &f.template),
            ("group", &f.group),
            ("campaign", &f.campaign),
            ("segment", &f.segment),
            ("salesperson", &f.salesperson),
            ("evaluation", &f.evaluation),
            ("canceled", &f.canceled),
            ("sort", &f.sort),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if let Some((k, v)) = extra {
            s.append_pair(k, &v);
        }
        s.finish()
    }

    pub fn first_link(&self) -> String {
        self.link(None)
    }

    pub fn next_link(&self) -> Option<String> {
        self.more_after
            .then(|| {
                self.rows
                    .last()
                    .map(|e| self.link(Some(("after", e.key()))))
            })
            .flatten()
    }

    /// Whether a filter narrows the list (the sort and the paging aside).
    pub fn filtered(&self) -> bool {
        let f = &self.filters;
        [
            &f.contact,
            &f.company,
            &f.from,
            &f.to,
            &f.template,
            &f.group,
            &f.campaign,
            &f.segment,
            &f.salesperson,
            &f.evaluation,
            &f.canceled,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }

    /// Whether the page was reached by Next or Previous.
    pub fn paged(&self) -> bool {
        !self.filters.after.is_empty() || !self.filters.before.is_empty()
    }

    pub fn prev_link(&self) -> Option<String> {
        self.more_before
            .then(|| {
                self.rows
                    .first()
                    .map(|e| self.link(Some(("before", e.key()))))
            })
            .flatten()
    }
}

#[get("/interactions")]
pub async fn list(
    _user: SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<Filters>,
) -> AppResult<HttpResponse> {
    let filters = query.into_inner().normalised();
    let f = filters.clone();
    let size = state.log_size.clone();
    let (result, lists) = db(&state.pool, move |conn| {
        Ok((domain::page(conn, &f, &size)?, FilterLists::load(conn)?))
    })
    .await?;
    let (page, errors, status) = match result {
        Ok(page) => (page, Vec::new(), StatusCode::OK),
        Err(errors) => (
            domain::Page::default(),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    render(status, &ListPage::new(layout, filters, page, errors, lists))
}

#[derive(Template)]
#[template(path = "interactions/show.html")]
pub struct EntryPage {
    pub layout: Layout,
    pub entry: Entry,
    pub evaluations: [(&'static str, &'static str); 5],
    pub can_edit: bool,
    pub error: Option<String>,
    /// Why Canceled cannot be unticked (its segment is canceled).
    pub canceled_error: Option<String>,
    /// Said by Canceled before anyone tries: the segment is canceled, and how it comes back.
    pub canceled_hint: Option<String>,
    /// Whether the Canceled box is ticked: as the entry is, or, shown again after a refusal,
    /// as the user set it when they changed it.
    pub ticked: bool,
    /// The evaluation selected: as the entry is, or, shown again after a refusal, the one the
    /// user chose.
    pub chosen: String,
}

/// Why a canceled entry of a canceled segment (or of one deleted since) stays canceled, and
/// what brings it back.
fn canceled_with(entry: &domain::Entry) -> String {
    let no = &entry.segment_no;
    if !entry.segment_linked {
        format!("Canceled with segment {no}, deleted since: it stays canceled.")
    } else if entry.canceled_with_segment {
        format!(
            "Canceled with segment {no}: Restore, on the segment's page, brings it back with \
             the segment's other interactions."
        )
    } else {
        format!(
            "Canceled on its own before segment {no} was canceled: Restore, on the segment's \
             page, leaves it canceled; once the segment is restored, untick Canceled here to \
             bring it back."
        )
    }
}

/// An entry's id from its address (anything else is no entry).
fn entry_id(raw: &str) -> AppResult<i64> {
    raw.trim().parse().map_err(|_| AppError::NotFound)
}

#[get("/interactions/{id}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = entry_id(&path.into_inner())?;
    let (entry, segment_canceled) = db(&state.pool, move |conn| {
        let entry = domain::find(conn, id)?.ok_or(AppError::NotFound)?;
        let segment_canceled = entry.canceled && domain::segment_canceled(conn, &entry)?;
        Ok((entry, segment_canceled))
    })
    .await?;
    let canceled_hint = segment_canceled.then(|| canceled_with(&entry));
    render(
        StatusCode::OK,
        &EntryPage {
            layout,
            evaluations: EVALUATIONS,
            can_edit: user.role >= Role::Staff,
            error: None,
            canceled_error: None,
            canceled_hint,
            ticked: entry.canceled,
            chosen: entry.evaluation.clone(),
            entry,
        },
    )
}

#[derive(Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    evaluation: String,
    #[serde(default)]
    canceled: Option<String>,
    /// The evaluation and Canceled as the form showed them (`shown_canceled`: `1` or `0`):
    /// only a field the user changed is written, so that a save does not undo what someone
    /// else did meanwhile (a segment canceled while an entry of it was open). A form without
    /// them writes both.
    shown_evaluation: Option<String>,
    shown_canceled: Option<String>,
}

/// Why an entry's save wrote nothing.
enum Refused {
    /// Someone else set its evaluation meanwhile: to this one.
    Evaluation(String),
    /// Unticked Canceled while its segment (this No.) is canceled.
    Segment(String),
}

/// Changes an entry's Evaluation and Canceled — the only fields that change.
#[post("/interactions/{id}")]
pub async fn update(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<EntryForm>,
) -> AppResult<HttpResponse> {
    let id = entry_id(&path.into_inner())?;
    let form = form.into_inner();
    let evaluation = form.evaluation.trim().to_lowercase();
    let canceled = form.canceled.is_some();
    let changes = domain::EntryChanges {
        evaluation: (form.shown_evaluation.as_deref().map(str::trim) != Some(&evaluation))
            .then(|| evaluation.clone()),
        shown_evaluation: form
            .shown_evaluation
            .as_deref()
            .map(|e| e.trim().to_lowercase()),
        canceled: (form.shown_canceled.as_deref() != Some(if canceled { "1" } else { "0" }))
            .then_some(canceled),
    };
    // What the user made of Canceled, kept when the form is shown again.
    let ticked_by_user = changes.canceled;
    if !evaluation.is_empty() && !EVALUATIONS.iter().any(|(c, _)| *c == evaluation) {
        let entry = db(&state.pool, move |conn| {
            domain::find(conn, id)?.ok_or(AppError::NotFound)
        })
        .await?;
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EntryPage {
                layout,
                ticked: ticked_by_user.unwrap_or(entry.canceled),
                chosen: entry.evaluation.clone(),
                entry,
                evaluations: EVALUATIONS,
                can_edit: true,
                error: Some("Choose an evaluation from the list.".into()),
                canceled_error: None,
                canceled_hint: None,
            },
        );
    }
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let changed = db(&state.pool, move |conn| {
        use diesel::Connection;
        conn.transaction::<_, AppError, _>(|conn| {
            let changed = match domain::update(conn, id, &changes)? {
                domain::Updated::Saved(changed) => changed,
                domain::Updated::NotFound => return Err(AppError::NotFound),
                domain::Updated::EvaluationChanged(now) => {
                    return Ok(Err(Refused::Evaluation(now)))
                }
                domain::Updated::SegmentCanceled(no) => return Ok(Err(Refused::Segment(no))),
                domain::Updated::Unchanged => {
                    // Nothing written, recorded or recounted; the form sent twice (a double
                    // click) leaves the first sending's message, which says what it saved.
                    session::set_flash_unless_waiting(
                        conn,
                        &session,
                        Flash::info("Nothing changed: the interaction is as it was."),
                    )?;
                    return Ok(Ok(None));
                }
            };
            audit::record(
                conn,
                Actor::User(&user),
                "interaction changed",
                &id.to_string(),
                &changed.said(),
                &ip,
            )?;
            session::set_flash(conn, &session, Flash::success("Interaction saved."))?;
            Ok(Ok(Some(changed)))
        })
    })
    .await?;
    let changed = match changed {
        Ok(changed) => changed,
        Err(Refused::Segment(no)) => {
            let entry = db(&state.pool, move |conn| {
                domain::find(conn, id)?.ok_or(AppError::NotFound)
            })
            .await?;
            let refused = if entry.segment_linked {
                format!(
                    "Segment {no} is canceled: its interactions stay canceled until it \
                     is restored. {} Nothing was saved.",
                    canceled_with(&entry)
                )
            } else {
                format!(
                    "Segment {no} was canceled, and deleted since: its interactions stay \
                     canceled. Nothing was saved."
                )
            };
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EntryPage {
                    layout,
                    ticked: true,
                    chosen: evaluation,
                    entry,
                    evaluations: EVALUATIONS,
                    can_edit: true,
                    error: None,
                    canceled_hint: None,
                    canceled_error: Some(refused),
                },
            );
        }
        Err(Refused::Evaluation(now)) => {
            // Shown again with the user's choice selected and the evaluation as it is now
            // as the one shown: saved again, the choice replaces it.
            let entry = db(&state.pool, move |conn| {
                domain::find(conn, id)?.ok_or(AppError::NotFound)
            })
            .await?;
            let label = |code: &str| {
                EVALUATIONS
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map_or("none", |(_, label)| *label)
            };
            let (now, yours) = (label(&now), label(&evaluation));
            return render(
                StatusCode::CONFLICT,
                &EntryPage {
                    layout,
                    ticked: ticked_by_user.unwrap_or(entry.canceled),
                    chosen: evaluation,
                    entry,
                    evaluations: EVALUATIONS,
                    can_edit: true,
                    canceled_error: None,
                    canceled_hint: None,
                    error: Some(format!(
                        "Someone else set this interaction's evaluation to {now} after you \
                         opened it. Nothing was saved: your choice, {yours}, is selected; save \
                         again to replace theirs."
                    )),
                },
            );
        }
    };
    if let Some(changed) = changed {
        crate::campaigns::pages::refresh_figures_later(&state, changed.campaign_no);
    }
    Ok(redirect(&format!("/interactions/{id}")))
}

#[get("/interactions/export.csv")]
pub async fn export(
    req: HttpRequest,
    _user: SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<Filters>,
) -> AppResult<HttpResponse> {
    stream(&req, layout, &state, query.into_inner(), Format::Csv).await
}

#[get("/interactions/export.xlsx")]
pub async fn export_xlsx(
    req: HttpRequest,
    _user: SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<Filters>,
) -> AppResult<HttpResponse> {
    stream(&req, layout, &state, query.into_inner(), Format::Xlsx).await
}

async fn stream(
    req: &HttpRequest,
    layout: Layout,
    state: &AppState,
    filters: Filters,
    format: Format,
) -> AppResult<HttpResponse> {
    let filters = filters.normalised();
    let query = domain::export_query(&filters);
    // A code that names nothing (a typo, or a code renamed since the link was kept) is said,
    // as on the list, rather than sent as a file of no entries; with every other problem of
    // the filters at once, as the list says them (it said one, then the next).
    let f = filters.clone();
    let readable = query.is_ok();
    let (unknown, lists) = db(&state.pool, move |conn| {
        let unknown = f.unknown(conn)?;
        let lists = if unknown.is_empty() && readable {
            FilterLists::default()
        } else {
            FilterLists::load(conn)?
        };
        Ok((unknown, lists))
    })
    .await?;
    let (sql, values) = match (query, unknown.is_empty()) {
        (Ok(q), true) => q,
        (Ok(_), false) => {
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ListPage::new(layout, filters, domain::Page::default(), unknown, lists),
            )
        }
        (Err(mut errors), _) => {
            errors.extend(unknown);
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ListPage::new(layout, filters, domain::Page::default(), errors, lists),
            );
        }
    };
    let file_stem = format!("interactions-{}", chrono::Local::now().format("%Y-%m-%d"));
    csv::stream::<Entry, _>(
        req,
        &state.exports,
        state.long_pool.clone(),
        format,
        &file_stem,
        &EXPORT_COLUMNS,
        move || bind_all(diesel::sql_query(sql).into_boxed(), values),
    )
    .await
}
