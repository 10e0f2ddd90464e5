//! Administration: users and the audit trail.

pub mod audit;
pub mod users;

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::Admin;
use crate::web::pagination::Pager;
use crate::web::AppState;
use crate::web::{db, filters, ok, AppResult, Layout};
use audit::AuditEntry;

/// Registers the administration pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(users::list)
        .service(users::new)
        .service(users::create)
        .service(users::edit)
        .service(users::update)
        .service(users::reset_password)
        .service(users::disable)
        .service(users::enable)
        .service(audit_list);
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub entries: Vec<AuditEntry>,
    pub actions: Vec<String>,
    pub action: String,
    pub pager: Pager,
}

impl AuditPage {
    /// The query string of another page of the same list.
    pub fn page_link(&self, page: i64) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if !self.action.is_empty() {
            q.append_pair("action", &self.action);
        }
        q.append_pair("page", &page.to_string());
        format!("?{}", q.finish())
    }
}

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    page: Option<String>,
}

#[get("/admin/audit")]
pub async fn audit_list(
    _admin: Admin,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = query.page;
    let action = query.action.trim().to_string();
    let filter = (!action.is_empty()).then(|| action.clone());
    let (entries, pager, actions) = db(&state.pool, move |conn| {
        let (entries, pager) = audit::page(conn, filter.as_deref(), page.as_deref())?;
        Ok((entries, pager, audit::actions(conn)?))
    })
    .await?;
    ok(&AuditPage {
        layout,
        entries,
        actions,
        action,
        pager,
    })
}
