//! Administration: users and the audit trail.

pub mod audit;
pub mod users;

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::Admin;
use crate::web::AppState;
use crate::web::{db, ok, AppResult, Layout};

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
    pub page: audit::Page,
    pub actions: Vec<String>,
    pub action: String,
    /// A part of the subject (a record's No., a user name, a code) and of who, as typed.
    pub subject: String,
    pub who: String,
}

impl AuditPage {
    /// The query string of the same list from an entry on (`before` or `after` its id), or
    /// from the newest entries (`None`).
    pub fn page_link(&self, from: Option<(&str, i64)>) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("action", &self.action),
            ("subject", &self.subject),
            ("who", &self.who),
        ] {
            if !value.is_empty() {
                q.append_pair(name, value);
            }
        }
        if let Some((way, id)) = from {
            q.append_pair(way, &id.to_string());
        }
        format!("?{}", q.finish())
    }

    /// How many entries there are, counted up to [`audit::COUNT_CAP`].
    pub fn total_text(&self) -> String {
        if self.page.total > audit::COUNT_CAP {
            format!(
                "More than {} entries",
                crate::web::pagination::thousands(audit::COUNT_CAP)
            )
        } else {
            crate::web::pagination::counted(self.page.total, "entry", "entries")
        }
    }

    /// The link to the older entries (after the last shown).
    pub fn older_link(&self) -> String {
        let last = self.page.entries.last().map(|e| e.id).unwrap_or_default();
        self.page_link(Some(("before", last)))
    }

    /// The link to the newer entries (before the first shown).
    pub fn newer_link(&self) -> String {
        let first = self.page.entries.first().map(|e| e.id).unwrap_or_default();
        self.page_link(Some(("after", first)))
    }
}

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    who: String,
    #[serde(default)]
    before: String,
    #[serde(default)]
    after: String,
}

#[get("/admin/audit")]
pub async fn audit_list(
    _admin: Admin,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    // A key that is not a number (typed by hand) is the newest entries.
    let from = match (query.before.parse(), query.after.parse()) {
        (Ok(id), _) => audit::From::Before(id),
        (_, Ok(id)) => audit::From::After(id),
        _ => audit::From::Newest,
    };
    let action = query.action.trim().to_string();
    let subject = query.subject.trim().to_string();
    let who = query.who.trim().to_string();
    let given = |t: &String| (!t.is_empty()).then(|| t.clone());
    let filter = audit::Filter {
        action: given(&action),
        subject: given(&subject),
        who: given(&who),
    };
    let (page, actions) = db(&state.pool, move |conn| {
        let page = audit::page(conn, &filter, from)?;
        Ok((page, audit::actions(conn)?))
    })
    .await?;
    ok(&AuditPage {
        layout,
        page,
        actions,
        action,
        subject,
        who,
    })
}
