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
                let (found, more) = candidates(conn, &c, segment.id)?;
                let reason = if found.is_empty() {
                    format!("No contact's No., name, e-mail or city contains “{c}”.")
                } else if more {
                    format!(
                        "No contact has the No. {}; choose one of these, the first {} of more \
                         (the segment's own first): type more of the name to find others.",
                        c.to_uppercase(),
                        found.len()
                    )
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
/// A segment No. left empty or naming no segment leads back to the card, which shows it in
/// the form with why, by the field (it was a 404 either way, then a message at the top of a
/// page scrolled to the form).
#[get("/segments/why")]
pub async fn why_from_contact(
    _user: SignedIn,
    state: web::Data<AppState>,
    query: web::Query<WhyFromContact>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let typed = q.segment.trim().to_uppercase();
    let encode =
        |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    let (segment, contact) = (encode(&typed), encode(q.contact.trim()));
    let t = typed.clone();
    let known = db(&state.pool, move |conn| {
        Ok(!t.is_empty() && header::find_by_no(conn, &t)?.is_some())
    })
    .await?;
    Ok(crate::web::redirect(&if known {
        format!("/segments/{segment}/why?contact={contact}")
    } else {
        format!("/contacts/{contact}?why={segment}#why-form")
    }))
}
