//! `/segments`: the list.

use crate::auth::{Role, SignedIn};
use crate::segments::domain::header::SegmentStatus;
use crate::segments::domain::list as segment_list;
use crate::segments::domain::list::SegmentRow;
use crate::web::filters;
use crate::web::pagination::Pager;
use crate::web::AppState;
use crate::web::{db, render, AppResult, Layout};
use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    /// Only the segments the user created ("1"; the home page's "all your draft segments").
    #[serde(default)]
    mine: String,
    /// Only the segments this contact (its No.) is on: the contact card's "all its segments".
    #[serde(default)]
    contact: String,
    /// Only the segments of this campaign (its No.): the campaign card's "all its segments".
    #[serde(default)]
    campaign: String,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "segments/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<SegmentRow>,
    pub pager: Pager,
    pub status: String,
    pub q: String,
    pub mine: bool,
    /// The contact whose segments are listed: its No., and its name when there is one.
    pub contact: String,
    pub contact_name: Option<String>,
    /// The campaign whose segments are listed: its No., and its description when there is one.
    pub campaign: String,
    pub campaign_name: Option<String>,
    pub statuses: [SegmentStatus; 3],
    pub can_edit: bool,
}

impl ListPage {
    pub fn page_link(&self, page: i64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if !self.status.is_empty() {
            s.append_pair("status", &self.status);
        }
        if !self.q.is_empty() {
            s.append_pair("q", &self.q);
        }
        if self.mine {
            s.append_pair("mine", "1");
        }
        if !self.contact.is_empty() {
            s.append_pair("contact", &self.contact);
        }
        if !self.campaign.is_empty() {
            s.append_pair("campaign", &self.campaign);
        }
        s.append_pair("page", &page.to_string());
        format!("?{}", s.finish())
    }
}

#[get("/segments")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    // In any case, as a link typed by hand may write it ("Logged"). One that is no status
    // shows every segment, and the filter says "All".
    let status = SegmentStatus::parse(&query.status.trim().to_lowercase())
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    let q = query.q.trim().to_string();
    let mine = !query.mine.trim().is_empty();
    let created_by = if mine { user.id } else { 0 };
    let filter = segment_list::ListFilter {
        status: status.clone(),
        q: q.clone(),
        created_by,
        // As a No. is found everywhere: in any case.
        contact: query.contact.trim().to_uppercase(),
        campaign: query.campaign.trim().to_uppercase(),
        except: String::new(),
    };
    let requested = Pager::requested(query.page.as_deref());
    let f = filter.clone();
    let (rows, pager, contact_name, campaign_name) = db(&state.pool, move |conn| {
        let offset = (requested - 1) * segment_list::LIST_PAGE;
        let (mut rows, total) = segment_list::list(conn, &f, offset)?;
        let pager = Pager::new(Some(&requested.to_string()), segment_list::LIST_PAGE, total);
        if pager.offset() != offset {
            // Past the last page: the last page is shown.
            rows = segment_list::list(conn, &f, pager.offset())?.0;
        }
        let contact_name = match f.contact.as_str() {
            "" => None,
            no => crate::contacts::domain::model::find_by_no(conn, no)?.map(|c| c.name),
        };
        let campaign_name = match f.campaign.as_str() {
            "" => None,
            no => crate::campaigns::domain::find_by_no(conn, no)?.map(|c| c.description),
        };
        Ok((rows, pager, contact_name, campaign_name))
    })
    .await?;
    // A contact or campaign No. that names none is said by its field, as a form's mistake is.
    let named_none = |no: &str, name: &Option<String>| !no.is_empty() && name.is_none();
    let code = crate::web::status_of(
        named_none(&filter.contact, &contact_name) || named_none(&filter.campaign, &campaign_name),
    );
    render(
        code,
        &ListPage {
            layout,
            rows,
            pager,
            status,
            q,
            mine,
            contact: filter.contact,
            contact_name,
            campaign: filter.campaign,
            campaign_name,
            statuses: SegmentStatus::ALL,
            can_edit: user.role >= Role::Staff,
        },
    )
}
