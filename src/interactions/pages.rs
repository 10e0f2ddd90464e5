//! `/interactions`: the list with its filters, and an entry's page.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::domain::{self, Entry, FilterError, Filters, COUNT_CAP, EVALUATIONS};
use crate::admin::audit::{self, Actor};
use crate::auth::{client_ip, session, Role, SignedIn, Staff};
use crate::web::AppState;
use crate::web::{db, filters, redirect, render, AppError, AppResult, Flash, Layout};

#[derive(Template)]
#[template(path = "interactions/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub filters: Filters,
    pub rows: Vec<Entry>,
    pub total: i64,
    pub errors: Vec<FilterError>,
    pub evaluations: [(&'static str, &'static str); 5],
}

impl ListPage {
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
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if let Some((k, v)) = extra {
            s.append_pair(k, &v);
        }
        format!("/interactions?{}", s.finish())
    }

    pub fn first_link(&self) -> String {
        self.link(None)
    }

    pub fn next_link(&self) -> Option<String> {
        (self.rows.len() as i64 == domain::PAGE_SIZE)
            .then(|| {
                self.rows
                    .last()
                    .map(|e| self.link(Some(("after", e.key()))))
            })
            .flatten()
    }

    pub fn prev_link(&self) -> Option<String> {
        let paged = !self.filters.after.is_empty() || !self.filters.before.is_empty();
        paged
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
    let result = db(&state.pool, move |conn| Ok(domain::page(conn, &f)?)).await?;
    let (rows, total, errors, status) = match result {
        Ok((rows, total)) => (rows, total, Vec::new(), StatusCode::OK),
        Err(errors) => (Vec::new(), 0, errors, StatusCode::UNPROCESSABLE_ENTITY),
    };
    render(
        status,
        &ListPage {
            layout,
            filters,
            rows,
            total,
            errors,
            evaluations: EVALUATIONS,
        },
    )
}

#[derive(Template)]
#[template(path = "interactions/show.html")]
pub struct EntryPage {
    pub layout: Layout,
    pub entry: Entry,
    pub evaluations: [(&'static str, &'static str); 5],
    pub can_edit: bool,
    pub error: Option<String>,
}

#[get("/interactions/{id}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: i64 = path
        .into_inner()
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let entry = db(&state.pool, move |conn| {
        domain::find(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    render(
        StatusCode::OK,
        &EntryPage {
            layout,
            entry,
            evaluations: EVALUATIONS,
            can_edit: user.role >= Role::Staff,
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    evaluation: String,
    #[serde(default)]
    canceled: Option<String>,
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
    let id: i64 = path
        .into_inner()
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let form = form.into_inner();
    let evaluation = form.evaluation.trim().to_lowercase();
    let canceled = form.canceled.is_some();
    if !evaluation.is_empty() && !EVALUATIONS.iter().any(|(c, _)| *c == evaluation) {
        let entry = db(&state.pool, move |conn| {
            domain::find(conn, id)?.ok_or(AppError::NotFound)
        })
        .await?;
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EntryPage {
                layout,
                entry,
                evaluations: EVALUATIONS,
                can_edit: true,
                error: Some("Choose an evaluation from the list.".into()),
            },
        );
    }
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    db(&state.pool, move |conn| {
        use diesel::Connection;
        conn.transaction::<_, AppError, _>(|conn| {
            if !domain::update(conn, id, &evaluation, canceled)? {
                return Err(AppError::NotFound);
            }
            audit::record(
                conn,
                Actor::User(&user),
                "interaction changed",
                &id.to_string(),
                &format!(
                    "evaluation {}, {}",
                    if evaluation.is_empty() {
                        "none"
                    } else {
                        &evaluation
                    },
                    if canceled { "canceled" } else { "not canceled" }
                ),
                &ip,
            )?;
            session::set_flash(conn, &session, Flash::success("Interaction saved."))?;
            Ok(())
        })
    })
    .await?;
    Ok(redirect(&format!("/interactions/{id}")))
}
