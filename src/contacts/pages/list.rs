//! `/contacts`: the list with search, filters, sorting and paging.

use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::auth::SignedIn;
use crate::contacts::domain::list::{self as contact_list, From, ListQuery, ListRow, Total};
use crate::web::filters;
use crate::web::AppState;
use crate::web::{db, render, AppResult, Layout};

use super::Options;

#[derive(Template)]
#[template(path = "contacts/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub query: ListQuery,
    pub page: contact_list::Page,
    pub total: Total,
    /// The list's total was known only "about" (kept or estimated, before this page proved
    /// it): its links carry where their pages stand.
    pub carries_place: bool,
    pub options: Options,
    pub sorts: [(&'static str, &'static str, &'static str); 5],
    pub can_edit: bool,
    /// Why the Company No. filter names no company.
    pub company_error: Option<String>,
    /// The page answers an export refused for a filter that names nothing.
    pub export_refused: bool,
}

impl ListPage {
    pub fn rows(&self) -> &[ListRow] {
        &self.page.rows
    }

    /// "1–50 of 20,000 contacts", "51–100 of about 1,000,000 contacts", or "50 of about
    /// 1,000,000 contacts" when where the page stands could not be counted in time.
    pub fn summary(&self) -> String {
        let n = self.page.rows.len() as i64;
        let total = match self.total {
            Total::Exact(t) => filters::number(t),
            Total::About(t) => format!("about {}", filters::number(t)),
        };
        let noun = if self.total.n() == 1 {
            "contact"
        } else {
            "contacts"
        };
        match self.page.before {
            Some(b) => format!(
                "{}–{} of {total} {noun}",
                filters::number(b + 1),
                filters::number(b + n)
            ),
            None => format!("{} of {total} {noun}", filters::number(n)),
        }
    }

    pub fn export_link(&self) -> String {
        format!(
            "/contacts/export.csv{}",
            self.query.first_page_link(&[("size", "")])
        )
    }

    pub fn first_link(&self) -> String {
        self.query.page_link(&From::First, "", None)
    }

    pub fn last_link(&self) -> String {
        self.query.page_link(&From::Last, "", None)
    }

    /// The page after this one's last contact; a list known only "about" carries that
    /// contact's place.
    pub fn next_link(&self) -> String {
        let (no, key) = self.boundary(self.page.rows.last());
        let n = self.page.rows.len() as i64;
        let at = self.carried().map(|b| b + n - 1);
        self.query.page_link(&From::After(no), &key, at)
    }

    /// The page before this one's first contact, which has this page's `before` before it.
    pub fn prev_link(&self) -> String {
        let (no, key) = self.boundary(self.page.rows.first());
        self.query
            .page_link(&From::Before(no), &key, self.carried())
    }

    /// The No. and sort value of the contact a link to the next (previous) page names.
    fn boundary(&self, row: Option<&ListRow>) -> (String, String) {
        row.map(|r| (r.no.clone(), r.key_param(&self.query)))
            .unwrap_or_default()
    }

    /// Where this page stands, for its links to carry: when the list's total is known only
    /// "about" (a total counted on every view counts where each page stands too).
    fn carried(&self) -> Option<i64> {
        self.page.before.filter(|_| self.carries_place)
    }
}

#[get("/contacts")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let can_edit = user.role >= crate::auth::Role::Staff;
    let page = load(&state, layout, can_edit, query.into_inner().normalised()).await?;
    // A Company No. that names no company is said by its field, as a form's mistake is.
    render(crate::web::status_of(page.company_error.is_some()), &page)
}

/// Whether a code filter of `query` names a code the lists do not have (a typo in a kept
/// link, or a code renamed or deleted since): the list says so by the field, and an export
/// is refused rather than written empty.
pub(super) fn names_unknown_code(query: &ListQuery, options: &Options) -> bool {
    [
        (&query.salesperson, &options.salespeople),
        (&query.territory, &options.territories),
        (&query.country, &options.countries),
        (&query.industry_group, &options.industry_groups),
        (&query.business_relation, &options.business_relations),
        (&query.mailing_group, &options.mailing_groups),
        (&query.job_responsibility, &options.job_responsibilities),
    ]
    .into_iter()
    .any(|(chosen, codes)| {
        !chosen.is_empty() && chosen.as_str() != contact_list::NONE && !codes.has(chosen)
    })
}

/// The list page of `query` (normalised).
pub(super) async fn load(
    state: &AppState,
    layout: Layout,
    can_edit: bool,
    query: ListQuery,
) -> AppResult<ListPage> {
    let q = query.clone();
    let budget = state.config.list_count_budget;
    let kept = state.contact_counts.clone();
    let (page, total, options, company_error) = db(&state.pool, move |conn| {
        let company_error = contact_list::company_problem(conn, &q.company)?;
        // A list whose count is kept, on its first page or on a page whose link carries
        // where it stands, reads only its page: nothing to agree with, and a snapshot would
        // cost two more round trips (a big list's first page is where the contacts open).
        if q.from() == From::First || q.at().is_some() {
            if let Some(total) = contact_list::kept_total(&q, &kept) {
                let options = Options::load(conn, true)?;
                let page = contact_list::page(conn, &q, budget, &kept, Some(total))?;
                return Ok((page, total, options, company_error));
            }
        }
        // Otherwise one snapshot, so that the page, where it stands and the total agree. The
        // total first: how many the list holds tells how its page is best read.
        let (page, total, options) =
            conn.build_transaction()
                .read_only()
                .repeatable_read()
                .run(|conn| {
                    let options = Options::load(conn, true)?;
                    let total = contact_list::total(conn, &q, budget, &kept)?;
                    let page = contact_list::page(conn, &q, budget, &kept, Some(total))?;
                    Ok::<_, diesel::result::Error>((page, total, options))
                })?;
        Ok((page, total, options, company_error))
    })
    .await?;
    let carries_place = matches!(total, Total::About(_));
    let total = settle(&page, total);
    Ok(ListPage {
        layout,
        query,
        page,
        total,
        carries_place,
        options,
        sorts: contact_list::SORTS,
        can_edit,
        company_error,
        export_refused: false,
    })
}

/// An estimate is never shown below what the page proves: on the last page the total is
/// known exactly (where it stands counted, not carried by the link), or as about where the
/// page says it ends (carried: "9,951–10,000 of about 12,000" with no next page), and
/// elsewhere it is at least the rows up to this page and one more.
fn settle(page: &contact_list::Page, total: Total) -> Total {
    let n = page.rows.len() as i64;
    match (total, page.before) {
        (Total::About(_), Some(b)) if !page.has_next && !page.carried => Total::Exact(b + n),
        (Total::About(_), Some(b)) if !page.has_next => Total::About(b + n),
        (Total::About(t), Some(b)) => Total::About(t.max(b + n + i64::from(page.has_next))),
        _ => total,
    }
}
