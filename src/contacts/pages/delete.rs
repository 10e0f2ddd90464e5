//! Deleting a contact after a confirmation page that lists what goes with it and what
//! blocks it.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use crate::admin::audit::{self, Actor};
use crate::auth::{client_ip, session, Staff};
use crate::contacts::domain::guards::{self, DeletionImpact, SegmentLines};
use crate::contacts::domain::model::{self, Contact};
use crate::web::AppState;
use crate::web::{db, ok, redirect, AppError, AppResult, Flash, Layout};

#[derive(Template)]
#[template(path = "contacts/delete.html")]
pub struct DeletePage {
    pub layout: Layout,
    pub contact: Contact,
    pub impact: DeletionImpact,
}

impl DeletePage {
    /// "3 persons".
    pub fn persons_text(&self) -> String {
        crate::web::pagination::counted(self.impact.persons, "person", "persons")
    }

    /// How many persons the page does not name.
    pub fn more_persons(&self) -> String {
        crate::web::filters::number(self.impact.persons - self.impact.first_persons.len() as i64)
    }

    /// "2 lines (1 removed)" for a segment's lines of this contact.
    pub fn lines_text(&self, s: &SegmentLines) -> String {
        let total = s.current + s.removed;
        let mut text = format!(
            "{} line{}",
            crate::web::filters::number(total),
            if total == 1 { "" } else { "s" }
        );
        let mut about = Vec::new();
        if s.of_persons > 0 {
            about.push(format!(
                "{} of its persons'",
                crate::web::filters::number(s.of_persons)
            ));
        }
        if s.removed > 0 {
            about.push(format!(
                "{} removed by a step",
                crate::web::filters::number(s.removed)
            ));
        }
        if !about.is_empty() {
            text.push_str(&format!(" ({})", about.join("; ")));
        }
        text
    }
}

/// The confirmation page: what goes with the contact, what stops its deletion.
#[get("/contacts/{no}/delete")]
pub async fn confirm_delete(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let (contact, impact) = db(&state.pool, move |conn| {
        let contact = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let impact = guards::deletion_impact(conn, &contact)?;
        Ok((contact, impact))
    })
    .await?;
    ok(&DeletePage {
        layout,
        contact,
        impact,
    })
}

/// The deletion's form: how many persons of a company its page showed going with it, and who
/// they are ([`guards::persons_who`]).
#[derive(serde::Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    persons: String,
    #[serde(default)]
    who: String,
}

#[post("/contacts/{no}/delete")]
pub async fn delete(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let no = path.into_inner();
    let shown: i64 = form.persons.trim().parse().unwrap_or(0);
    let shown_who = form.into_inner().who;
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            // Deleted already (this form's first sending, or a colleague): to the list, said.
            let gone = |conn: &mut diesel::PgConnection, no: &str| {
                let what = ("contact deleted", "contact", no);
                crate::admin::audit::gone_to_list(conn, &session, what, "/contacts")
            };
            let Some(contact) = model::find_by_no(conn, &no)? else {
                return gone(conn, &no.trim().to_uppercase());
            };
            if let Some(refusal) = guards::deletion_refused(conn, &contact)? {
                session::set_flash(conn, &session, Flash::error(refusal))?;
                return Ok(format!("{}/delete", model::card_href(&contact.no)));
            }
            // A company's persons go with it, as in Business Central: those its page showed,
            // not others saved under it since (locked now, they are the ones counted).
            if contact.is_company() {
                let now = model::persons_of(conn, contact.id, 0)?.1;
                let changed = if now != shown {
                    format!(
                        "{} has {} now, not {} as this page showed",
                        contact.no,
                        crate::web::pagination::counted(now, "person", "persons"),
                        crate::web::filters::number(shown)
                    )
                } else if now > 0 && guards::persons_who(conn, contact.id)? != shown_who {
                    // As many, but not the same: one moved away, another saved under it.
                    format!(
                        "{}'s persons are not the ones this page showed (a colleague moved or \
                         added one meanwhile)",
                        contact.no
                    )
                } else {
                    String::new()
                };
                if !changed.is_empty() {
                    // Its persons gone with it: deleted by the same form's first sending,
                    // which committed while this one looked.
                    if model::find_by_no(conn, &contact.no)?.is_none() {
                        return gone(conn, &contact.no);
                    }
                    session::set_flash(
                        conn,
                        &session,
                        Flash::error(format!(
                            "{changed}: nothing was deleted. Check them below and delete again."
                        )),
                    )?;
                    return Ok(format!("{}/delete", model::card_href(&contact.no)));
                }
            }
            let persons = if contact.is_company() {
                guards::delete_persons(conn, &contact)?
            } else {
                Vec::new()
            };
            let deleted = diesel::delete(crate::db::schema::contacts::table.find(contact.id))
                .execute(conn)?;
            if deleted == 0 {
                // Deleted by the same form's first sending, which this one waited for.
                return gone(conn, &contact.no);
            }
            let with = match persons.len() {
                0 => String::new(),
                1 => " with its person".to_string(),
                n => format!(
                    " with its {} persons",
                    crate::web::filters::number(n as i64)
                ),
            };
            let detail = if persons.is_empty() {
                contact.name.clone()
            } else {
                let shown = persons.len().min(guards::PERSONS_SHOWN as usize);
                let mut names: Vec<String> = persons[..shown]
                    .iter()
                    .map(|(no, name)| format!("{no} {name}"))
                    .collect();
                if persons.len() > shown {
                    names.push(format!("{} more", persons.len() - shown));
                }
                format!("{}{with}: {}", contact.name, names.join(", "))
            };
            audit::record(
                conn,
                Actor::User(&user),
                "contact deleted",
                &contact.no,
                &detail,
                &ip,
            )?;
            // Each person has an entry of its own too, found by its No. (the company's names
            // the first few only).
            let of_persons: Vec<(String, String)> = persons
                .iter()
                .map(|(no, name)| {
                    (
                        no.clone(),
                        format!("{name}, with its company {} {}", contact.no, contact.name),
                    )
                })
                .collect();
            audit::record_each(
                conn,
                Actor::User(&user),
                "contact deleted",
                &of_persons,
                &ip,
            )?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!(
                    "Contact {} {} deleted{with}.",
                    contact.no, contact.name
                )),
            )?;
            Ok("/contacts".to_string())
        })
    })
    .await?;
    Ok(redirect(&location))
}
