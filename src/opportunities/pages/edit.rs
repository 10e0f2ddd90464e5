//! Correcting an opportunity's details (`domain::edit`): the form, and its save in one
//! transaction with the audit trail.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use crate::admin::audit::{self, Actor as AuditActor};
use crate::auth::{client_ip, session, Staff};
use crate::opportunities::domain::edit::{self, EditForm, Edited};
use crate::opportunities::domain::record::{self, Opportunity, Status, PRIORITIES};
use crate::setup::sales_cycles::{self, SalesCycle};
use crate::setup::support::follow_rename;
use crate::setup::CodeList;
use crate::web::{
    db, ok, redirect, render, AppError, AppResult, AppState, Flash, FormErrors, Layout,
};

#[derive(Template)]
#[template(path = "opportunities/edit.html")]
pub struct EditPage {
    pub layout: Layout,
    pub o: Opportunity,
    pub form: EditForm,
    pub errors: FormErrors,
    /// Salespeople that are not blocked, and the opportunity's own when it is blocked since.
    pub salespeople: CodeList,
    /// The sales cycles offered while it is Not Started (its own among them).
    pub cycles: Vec<SalesCycle>,
    pub priorities: [(&'static str, &'static str); 3],
    /// Someone else changed the opportunity after the form was opened: the fields where what
    /// is saved now differs from the form (field, saved meanwhile, typed).
    pub conflict: Option<Vec<(&'static str, String, String)>>,
}

impl EditPage {
    pub fn cycle_editable(&self) -> bool {
        self.o.status() == Status::NotStarted
    }

    /// The contact field's hint: who it is now, and who it may become.
    pub fn contact_hint(&self) -> String {
        let may = if self.cycle_editable() {
            "Any contact while the opportunity is Not Started."
        } else {
            "Once started, another contact of the same company."
        };
        // The name last: one that ends with a point ("Inc.") is not followed by another.
        format!("{may} Now: {} {}", self.o.contact_no, self.o.contact_name)
    }
}

struct Options {
    salespeople: CodeList,
    cycles: Vec<SalesCycle>,
}

fn options(conn: &mut PgConnection, o: &Opportunity) -> QueryResult<Options> {
    // Its own salesperson, blocked since, stays offered, marked so.
    let salespeople = crate::interactions::single::salesperson_options_keeping(
        conn,
        o.salesperson_code.as_deref().unwrap_or_default(),
    )?;
    let mut cycles = sales_cycles::open_cycles(conn)?;
    if !cycles.iter().any(|c| c.code == o.sales_cycle_code) {
        if let Some(own) = sales_cycles::find(conn, &o.sales_cycle_code)? {
            cycles.insert(0, own);
        }
    }
    Ok(Options {
        salespeople,
        cycles,
    })
}

fn page(
    layout: Layout,
    o: Opportunity,
    form: EditForm,
    errors: FormErrors,
    opts: Options,
    conflict: Option<Vec<(&'static str, String, String)>>,
) -> EditPage {
    EditPage {
        layout,
        o,
        form,
        errors,
        salespeople: opts.salespeople,
        cycles: opts.cycles,
        priorities: PRIORITIES,
        conflict,
    }
}

#[get("/opportunities/{no}/edit")]
pub async fn edit_form(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let found = db(&state.pool, move |conn| {
        let o = record::find(conn, &no)?.ok_or(AppError::NotFound)?;
        if o.status().is_closed() {
            return Ok(Err(o.no));
        }
        let opts = options(conn, &o)?;
        Ok(Ok((o, opts)))
    })
    .await?;
    match found {
        Ok((o, opts)) => {
            let form = EditForm::for_opportunity(&o);
            ok(&page(layout, o, form, FormErrors::new(), opts, None))
        }
        // A closed opportunity is a record: its card says to reopen it first.
        Err(no) => Ok(redirect(&format!("/opportunities/{no}"))),
    }
}

#[post("/opportunities/{no}/edit")]
pub async fn save(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<EditForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let form = form.into_inner().normalised();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let f = form.clone();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let Some(o) = record::lock(conn, &no)? else {
                let gone = ("opportunity deleted", "opportunity", no.as_str());
                return Err(audit::gone_meanwhile(conn, gone, "/opportunities"));
            };
            // Its salesperson or sales cycle renamed since the form was opened: under the
            // code now (it was "There is no salesperson …", on a field never touched).
            let mut f = f;
            let salesperson = o.salesperson_code.as_deref();
            follow_rename(conn, "salespeople", &mut f.salesperson_code, salesperson)?;
            let cycle = Some(o.sales_cycle_code.as_str());
            follow_rename(conn, "sales_cycles", &mut f.sales_cycle_code, cycle)?;
            let f = f;
            let edited = edit::edit(conn, &o, &f)?;
            let flash = match &edited {
                Edited::Saved(changes) => {
                    let said = changes.join("; ");
                    audit::record(
                        conn,
                        AuditActor::User(&user),
                        "opportunity changed",
                        &o.no,
                        &said,
                        &ip,
                    )?;
                    Some(Flash::success(format!(
                        "Opportunity {} saved: {said}.",
                        o.no
                    )))
                }
                Edited::Unchanged => Some(Flash::info(format!(
                    "Nothing changed: opportunity {} is as it was.",
                    o.no
                ))),
                // Closed by a colleague meanwhile: the form again with what was typed (409),
                // saying so; it was lost on the way to the card.
                Edited::Closed => None,
                // A stale form that already says what is saved: nothing to choose between.
                // (A double click's second sending: the first one's message stays.)
                Edited::Stale if edit::compared(&o, &f.as_typed(&o)).is_empty() => {
                    let said = crate::web::forms::saved_meanwhile("Opportunity", &o.no);
                    session::set_flash_unless_waiting(conn, &session, Flash::info(said))?;
                    return Ok(Err(o.no));
                }
                Edited::Invalid(_) | Edited::Stale => None,
            };
            if let Some(flash) = flash {
                session::set_flash(conn, &session, flash)?;
                return Ok(Err(o.no));
            }
            // Shown again: the opportunity as it is now, with its options.
            let now = record::find(conn, &o.no)?.ok_or(AppError::NotFound)?;
            let opts = options(conn, &now)?;
            Ok(Ok((edited, now, opts)))
        })
    })
    .await?;
    match outcome {
        Err(no) => Ok(redirect(&format!("/opportunities/{no}"))),
        Ok((Edited::Invalid(errors), o, opts)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(layout, o, form, errors, opts, None),
        ),
        Ok((Edited::Closed, o, opts)) => {
            let mut errors = FormErrors::new();
            // "shown": saved by someone else meanwhile, no field of its own.
            errors.add(
                "shown",
                format!(
                    "Opportunity {} was closed ({}) after this page was opened: nothing was \
                     saved. What you typed is below; reopen it on its card to change it.",
                    o.no,
                    o.status_label()
                ),
            );
            render(
                StatusCode::CONFLICT,
                &page(layout, o, form, errors, opts, None),
            )
        }
        Ok((_, o, opts)) => {
            // What was typed is kept, under the version as it is now: sent again, it applies
            // to the opportunity as the page shows it; beside it, what differs.
            let diff = edit::compared(&o, &form.as_typed(&o));
            let form = EditForm {
                version: o.version.to_string(),
                ..form
            };
            render(
                StatusCode::CONFLICT,
                &page(layout, o, form, FormErrors::new(), opts, Some(diff)),
            )
        }
    }
}
