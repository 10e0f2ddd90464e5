//! "Why is this contact here?", from the segment and from the contact card.

use crate::auth::SignedIn;
use crate::contacts::model as contacts;
use crate::contacts::model::Contact;
use crate::segments::domain::header;
use crate::segments::domain::header::Segment;
use crate::segments::domain::why::{candidates, explain, Candidate};
use crate::web::AppState;
use crate::web::{db, ok, AppError, AppResult, Layout};
use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct WhyQuery {
    #[serde(default)]
    contact: String,
}

#[derive(Template)]
#[template(path = "segments/why.html")]
pub struct WhyPage {
    pub layout: Layout,
    pub segment: Segment,
    pub contact_no: String,
    pub contact: Option<Contact>,
    /// The explanation, one sentence per line.
    pub reasons: Vec<String>,
    /// When what was typed is no contact's No.: the contacts it finds, to choose from.
    pub candidates: Vec<Candidate>,
}

#[get("/segments/{no}/why")]
pub async fn why(
    _user: SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<WhyQuery>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let contact_no = query.into_inner().contact.trim().to_string();
    let c = contact_no.clone();
    let (segment, contact, reasons, candidates) = db(&state.pool, move |conn| {
        let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        if c.is_empty() {
            return Ok((segment, None, Vec::new(), Vec::new()));
        }
        match contacts::find_by_no(conn, &c)? {
            Some(contact) => {
                let reasons = explain(conn, &segment, &contact)?;
                Ok((segment, Some(contact), reasons, Vec::new()))
            }
            None => {
                let found = candidates(conn, &c)?;
                let reason = if found.is_empty() {
                    format!("No contact's No., name, e-mail or city contains “{c}”.")
                } else {
                    format!(
                        "No contact has the No. {}; choose one of these:",
                        c.to_uppercase()
                    )
                };
                Ok((segment, None, vec![reason], found))
            }
        }
    })
    .await?;
    ok(&WhyPage {
        layout,
        segment,
        contact_no,
        contact,
        reasons,
        candidates,
    })
}

#[derive(Deserialize)]
pub struct WhyFromContact {
    #[serde(default)]
    segment: String,
    #[serde(default)]
    contact: String,
}

/// The contact card's "why" form names the segment; this sends it to that segment's page.
#[get("/segments/why")]
pub async fn why_from_contact(
    _user: SignedIn,
    query: web::Query<WhyFromContact>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let segment: String =
        url::form_urlencoded::byte_serialize(q.segment.trim().to_uppercase().as_bytes()).collect();
    let contact: String =
        url::form_urlencoded::byte_serialize(q.contact.trim().as_bytes()).collect();
    if segment.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(crate::web::redirect(&format!(
        "/segments/{segment}/why?contact={contact}"
    )))
}
