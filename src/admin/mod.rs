//! Administration: users and the audit trail.

pub mod audit;
pub mod users;

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::Admin;
use crate::web::AppState;
use actix_web::http::StatusCode;

use crate::web::forms::FormErrors;
use crate::web::{db, render, AppResult, Layout};

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
    /// The days from and to, as typed.
    pub from: String,
    pub to: String,
    pub errors: FormErrors,
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
            ("from", &self.from),
            ("to", &self.to),
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
    from: String,
    #[serde(default)]
    to: String,
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
    let (from_day, to_day) = (query.from.trim().to_string(), query.to.trim().to_string());
    let mut errors = FormErrors::new();
    let period = crate::web::forms::date_range(("from", "to"), &from_day, &to_day).unwrap_or_else(
        |problems| {
            for (field, message) in problems {
                errors.add(field, message);
            }
            (None, None)
        },
    );
    let given = |t: &String| (!t.is_empty()).then(|| t.clone());
    let filter = audit::Filter {
        action: given(&action),
        subject: given(&subject),
        who: given(&who),
        from: period.0,
        to: period.1,
    };
    let valid = errors.is_empty();
    let (page, actions) = db(&state.pool, move |conn| {
        // Filters that cannot be read show no entries, rather than entries they did not ask for.
        let page = match valid {
            true => audit::page(conn, &filter, from)?,
            false => audit::Page::default(),
        };
        Ok((page, audit::actions(conn)?))
    })
    .await?;
    let status = match valid {
        true => StatusCode::OK,
        false => StatusCode::UNPROCESSABLE_ENTITY,
    };
    render(
        status,
        &AuditPage {
            layout,
            page,
            actions,
            action,
            subject,
            who,
            from: from_day,
            to: to_day,
            errors,
        },
    )
}
