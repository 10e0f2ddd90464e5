//! One interaction logged with a contact from its card: the form
//! `/contacts/{no}/interactions/new` and its sending.

use super::*;

/// The form that logs a single interaction with a contact: first its template, then the
/// fields with the template's defaults.
#[derive(Template)]
#[template(path = "interactions/new.html")]
pub struct NewPage {
    pub layout: Layout,
    pub contact: Contact,
    pub form: SingleForm,
    pub errors: FormErrors,
    /// Whether a template is chosen (the whole form) or not yet (the template alone).
    pub chosen: bool,
    pub options: SingleOptions,
    pub evaluations: [(&'static str, &'static str); 5],
}

impl NewPage {
    /// Whether the form's template is one of setup's (it may have been renamed or deleted
    /// since the form was opened).
    pub fn template_known(&self) -> bool {
        self.options
            .templates
            .iter()
            .any(|t| t.code == self.form.template)
    }

    /// Whether the form's campaign is one of the list's (or none): one deleted or renamed
    /// since the form was opened stays chosen, marked, beside its error, rather than shown as
    /// "(none)" with its flags still ticked.
    pub fn campaign_known(&self) -> bool {
        let chosen = self.form.campaign.trim();
        chosen.is_empty() || self.options.campaigns.iter().any(|c| c.code == chosen)
    }
}

pub struct SingleOptions {
    pub templates: Vec<InteractionTemplate>,
    pub campaigns: CodeList,
    pub salespeople: CodeList,
}

impl SingleOptions {
    /// The choices, with `salesperson` among them when it is blocked (a form shown again).
    fn load(conn: &mut PgConnection, salesperson: &str) -> QueryResult<Self> {
        Ok(SingleOptions {
            templates: header::templates(conn)?,
            campaigns: header::campaign_options(conn)?,
            salespeople: single::salesperson_options_keeping(conn, salesperson)?,
        })
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    template: String,
}

#[get("/contacts/{no}/interactions/new")]
pub async fn new(
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let code = query.into_inner().template.trim().to_uppercase();
    let today = chrono::Local::now().date_naive();
    let (contact, options, template) = db(&state.pool, move |conn| {
        let contact = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let template = if code.is_empty() {
            None
        } else {
            Some(header::template(conn, &code)?.ok_or(code))
        };
        Ok((contact, SingleOptions::load(conn, "")?, template))
    })
    .await?;
    let mut errors = FormErrors::new();
    // The user's salesperson, as for a new segment; else the contact's (one that is blocked
    // is not offered).
    let salesperson = options
        .salespeople
        .first_offered([&user.salesperson_code, &contact.salesperson_code]);
    let (form, chosen) = match template {
        Some(Ok(t)) => {
            if let Some(problem) = single::no_email_for(&t, &contact) {
                errors.add("template", problem);
            }
            (SingleForm::opening(Some(&t), salesperson, today), true)
        }
        Some(Err(code)) => {
            errors.add(
                "template",
                format!("There is no interaction template {code}."),
            );
            (SingleForm::opening(None, None, today), false)
        }
        None => (SingleForm::opening(None, None, today), false),
    };
    let status = crate::web::status_of(!errors.is_empty());
    render(
        status,
        &NewPage {
            layout,
            contact,
            form,
            errors,
            chosen,
            options,
            evaluations: EVALUATIONS,
        },
    )
}

enum Logged {
    /// Written: the contact's No., and the campaign whose entries changed.
    Done(String, Option<String>),
    Invalid(Box<Contact>, FormErrors, SingleOptions),
}

/// Logs a single interaction with the contact, in one transaction with its audit entry.
#[post("/contacts/{no}/interactions")]
pub async fn create(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SingleForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner().trim().to_uppercase();
    let form = form.into_inner().normalised();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let f = form.clone();
    let outcome = db(&state.pool, move |conn| {
        use diesel::Connection;
        conn.transaction::<_, AppError, _>(|conn| {
            single::hold(conn, &no, &f.template)?;
            let Some(contact) = model::find_by_no(conn, &no)? else {
                let gone = ("contact deleted", "contact", no.as_str());
                return Err(audit::gone_meanwhile(conn, gone, "/contacts"));
            };
            if contact.privacy_blocked {
                // The page says why, in place of the form.
                let options = SingleOptions::load(conn, "")?;
                return Ok(Logged::Invalid(
                    Box::new(contact),
                    FormErrors::new(),
                    options,
                ));
            }
            let entry = match f.validate(conn, &contact)? {
                Ok(entry) => entry,
                Err(errors) => {
                    let options = SingleOptions::load(conn, &f.salesperson)?;
                    return Ok(Logged::Invalid(Box::new(contact), errors, options));
                }
            };
            // In a savepoint: a code deleted by an administrator between the checks and this
            // write is said by its field, with what was typed (it was a bare "changed at the
            // same time" page, or, with the template gone before the write, "logged already").
            let logged =
                conn.transaction(|conn| single::log_single(conn, contact.id, &entry, user.id));
            let raced = match &logged {
                Err(e) => crate::web::error::is_constraint_race(e),
                Ok(None) => true,
                Ok(Some(_)) => false,
            };
            if raced {
                if let Err(errors) = f.validate(conn, &contact)? {
                    let options = SingleOptions::load(conn, &f.salesperson)?;
                    return Ok(Logged::Invalid(Box::new(contact), errors, options));
                }
            }
            let Some(id) = logged? else {
                // The first sending's message ("Interaction logged.") stays while it waits.
                session::set_flash_unless_waiting(
                    conn,
                    &session,
                    Flash::info(
                        "This interaction was logged already (the form was sent twice): it was \
                         not logged again.",
                    ),
                )?;
                return Ok(Logged::Done(contact.no, None));
            };
            audit::record(
                conn,
                Actor::User(&user),
                "interaction logged",
                &id.to_string(),
                &entry.audit_detail(&contact.no),
                &ip,
            )?;
            session::set_flash(conn, &session, Flash::success("Interaction logged."))?;
            Ok(Logged::Done(contact.no, entry.campaign_no.clone()))
        })
    })
    .await?;
    match outcome {
        Logged::Done(no, campaign) => {
            crate::campaigns::pages::refresh_figures_later(&state, campaign);
            Ok(redirect(&model::card_href(&no)))
        }
        Logged::Invalid(contact, errors, options) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                layout,
                contact: *contact,
                form,
                errors,
                chosen: true,
                options,
                evaluations: EVALUATIONS,
            },
        ),
    }
}
