//! `/contacts`: the list with search, filters, sorting and paging.

use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::auth::SignedIn;
use crate::contacts::domain::list::{self as contact_list, ListQuery, ListRow};
use crate::web::pagination::{thousands, Pager};
use crate::web::AppState;
use crate::web::{db, ok, AppResult, Layout};

use super::Options;

#[derive(Template)]
#[template(path = "contacts/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub query: ListQuery,
    pub rows: Vec<ListRow>,
    pub pager: Pager,
    pub options: Options,
    pub sorts: [(&'static str, &'static str, &'static str); 5],
    pub can_edit: bool,
}

impl ListPage {
    pub fn total_text(&self) -> String {
        if self.capped() {
            format!("more than {}", thousands(contact_list::COUNT_CAP))
        } else {
            thousands(self.pager.total)
        }
    }

    /// True when there are more contacts than were counted.
    pub fn capped(&self) -> bool {
        self.pager.total > contact_list::COUNT_CAP
    }

    pub fn range_text(&self) -> String {
        format!(
            "{}–{}",
            thousands(self.pager.first_row()),
            thousands(self.pager.last_row())
        )
    }

    pub fn export_link(&self) -> String {
        format!("/contacts/export.csv{}", self.query.link(&[("page", "")]))
    }

    pub fn page_link(&self, page: i64) -> String {
        self.query.link(&[("page", &page.to_string())])
    }
}

#[get("/contacts")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner().normalised();
    let requested = Pager::requested(query.page.as_deref());
    let q = query.clone();
    let (rows, pager, options) = db(&state.pool, move |conn| {
        let total = contact_list::count(conn, &q)?;
        let pager = Pager::new(Some(&requested.to_string()), contact_list::PAGE_SIZE, total);
        let rows = contact_list::page(conn, &q, pager.offset())?;
        Ok((rows, pager, Options::load(conn, true)?))
    })
    .await?;
    ok(&ListPage {
        layout,
        query,
        rows,
        pager,
        options,
        sorts: contact_list::SORTS,
        can_edit: user.role >= crate::auth::Role::Staff,
    })
}
