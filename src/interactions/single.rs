//! A single interaction logged with one contact from its card: the form, its checks, and the
//! one statement that writes an entry of the same shape as a logged segment's.

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Numeric, Text};
use serde::Deserialize;

use super::domain::EVALUATIONS;
use crate::contacts::model::Contact;
use crate::segments::domain::header::{self, Template};
use crate::setup::{CodeList, CodeOption};
use crate::web::forms::FormErrors;

/// The form that logs a single interaction with a contact from its card, as typed. Empty
/// description, cost and duration take the template's (see docs/segments.md, Log Segment:
/// a single entry has the same shape as a logged segment's).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SingleForm {
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub cost: String,
    #[serde(default)]
    pub duration: String,
    #[serde(default)]
    pub evaluation: String,
    #[serde(default)]
    pub campaign: String,
    #[serde(default)]
    pub salesperson: String,
    /// Checkboxes: present ("yes") when ticked.
    #[serde(default)]
    pub campaign_target: Option<String>,
    #[serde(default)]
    pub campaign_response: Option<String>,
    /// Ticked when the attempt failed (no answer, the letter came back): Business Central's
    /// Interaction Successful, unticked.
    #[serde(default)]
    pub attempt_failed: Option<String>,
    /// The form's one-time key (hidden): the same form sent twice logs once.
    #[serde(default)]
    pub once: String,
}

/// A single interaction, checked: what the form chose; the template gives the rest.
#[derive(Clone, Debug)]
pub struct NewEntry {
    pub template_code: String,
    pub date: NaiveDate,
    pub description: String,
    pub cost: BigDecimal,
    pub duration_min: i32,
    pub evaluation: String,
    pub campaign_no: Option<String>,
    pub campaign_target: bool,
    pub campaign_response: bool,
    pub attempt_failed: bool,
    pub salesperson_code: String,
    /// The form's one-time key, when it carried a well-formed one.
    pub form_key: Option<String>,
}

impl NewEntry {
    /// The audit trail's detail of the entry logged with contact `contact`: what the figures
    /// count it by — its campaign and flags, salesperson, cost and duration (it said the
    /// template, contact and date alone). In ISO and plain numbers, as every detail there.
    pub fn audit_detail(&self, contact: &str) -> String {
        let mut said = format!(
            "{} with {contact} on {}",
            self.template_code,
            self.date.format("%Y-%m-%d")
        );
        if let Some(campaign) = &self.campaign_no {
            let flags: Vec<&str> = [
                (self.campaign_target, "target"),
                (self.campaign_response, "response"),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, word)| *word)
            .collect();
            said.push_str(&format!(", campaign {campaign}"));
            if !flags.is_empty() {
                said.push_str(&format!(" ({})", flags.join(", ")));
            }
        }
        if !self.salesperson_code.is_empty() {
            said.push_str(&format!(", salesperson {}", self.salesperson_code));
        }
        said.push_str(&format!(
            ", cost {}, {} min",
            crate::web::filters::plain_amount(&self.cost),
            self.duration_min
        ));
        if self.attempt_failed {
            said.push_str(", attempt failed");
        }
        said
    }

    /// The entry with its key: the form's one-time key together with what it sends, so that
    /// the form sent twice (a double click) logs once, and the same form sent again with other
    /// values (Back, another date and description: a second call) logs the second one. That
    /// was dropped, "logged already (the form was sent twice)".
    fn keyed(self, once: &str) -> NewEntry {
        let form_key = crate::db::once::key(once).map(|key| {
            let NewEntry {
                template_code,
                date,
                description,
                cost,
                duration_min,
                evaluation,
                campaign_no,
                campaign_target,
                campaign_response,
                attempt_failed,
                salesperson_code,
                form_key: _,
            } = &self;
            crate::db::once::digest(&(
                key,
                (
                    template_code,
                    date,
                    description,
                    cost.normalized().to_string(),
                ),
                (duration_min, evaluation, campaign_no, salesperson_code),
                (campaign_target, campaign_response, attempt_failed),
            ))
        });
        NewEntry { form_key, ..self }
    }
}

impl SingleForm {
    /// The form as it opens: `date` (today), the template's defaults, the contact's salesperson.
    pub fn opening(
        template: Option<&Template>,
        salesperson: Option<String>,
        date: NaiveDate,
    ) -> Self {
        SingleForm {
            template: template.map(|t| t.code.clone()).unwrap_or_default(),
            date: date.format("%Y-%m-%d").to_string(),
            description: template.map(|t| t.description.clone()).unwrap_or_default(),
            cost: template
                .map(|t| crate::segments::domain::lines::money(&t.unit_cost))
                .unwrap_or_default(),
            duration: template
                .map(|t| t.unit_duration_min.to_string())
                .unwrap_or_default(),
            evaluation: String::new(),
            campaign: template
                .and_then(|t| t.campaign_no.clone())
                .unwrap_or_default(),
            salesperson: salesperson.unwrap_or_default(),
            campaign_target: template
                .filter(|t| t.campaign_target)
                .map(|_| "yes".to_string()),
            campaign_response: template
                .filter(|t| t.campaign_response)
                .map(|_| "yes".to_string()),
            attempt_failed: None,
            once: crate::db::once::new_key(),
        }
    }

    /// Codes upper-cased, text trimmed.
    pub fn normalised(mut self) -> Self {
        for f in [
            &mut self.date,
            &mut self.description,
            &mut self.cost,
            &mut self.duration,
        ] {
            *f = f.trim().to_string();
        }
        for f in [
            &mut self.template,
            &mut self.campaign,
            &mut self.salesperson,
        ] {
            *f = f.trim().to_uppercase();
        }
        self.evaluation = self.evaluation.trim().to_lowercase();
        self
    }

    /// Checks every field at once; the codes against the database. An interaction that
    /// goes by e-mail needs the contact's address, as a logged segment's line does.
    pub fn validate(
        &self,
        conn: &mut PgConnection,
        contact: &Contact,
    ) -> QueryResult<Result<NewEntry, FormErrors>> {
        let mut errors = FormErrors::new();
        let template = if self.template.is_empty() {
            errors.add("template", "Choose an interaction template.");
            None
        } else {
            let t = header::template(conn, &self.template)?;
            match &t {
                None => errors.add(
                    "template",
                    format!(
                        "There is no interaction template {} (renamed or deleted in setup \
                         since this page was opened): choose another; what you typed is kept.",
                        self.template
                    ),
                ),
                Some(t) => {
                    if let Some(problem) = no_email_for(t, contact) {
                        errors.add("template", problem);
                    }
                }
            }
            t
        };
        let date = crate::web::forms::date(&self.date);
        if date.is_none() {
            errors.add("date", crate::web::forms::date_refused(&self.date, ""));
        }
        let description = match (&template, self.description.is_empty()) {
            (Some(t), true) => t.description.clone(),
            _ => self.description.clone(),
        };
        if description.is_empty() && template.is_some() {
            errors.add(
                "description",
                "Enter a description (the template has none to give).",
            );
        } else {
            crate::web::forms::check_text(&mut errors, "description", &description, 100, None);
        }
        let cost = match (&template, self.cost.is_empty()) {
            (Some(t), true) => Some(t.unit_cost.clone()),
            _ => header::parse_amount(&self.cost),
        };
        if cost.is_none() {
            errors.add("cost", crate::web::forms::amount_refused(&self.cost, false));
        }
        let duration = match (&template, self.duration.is_empty()) {
            (Some(t), true) => Some(t.unit_duration_min),
            _ => crate::web::forms::whole_number(&self.duration),
        };
        if duration.is_none() {
            errors.add(
                "duration",
                crate::web::forms::minutes_refused(&self.duration, ""),
            );
        }
        if !self.evaluation.is_empty() && !EVALUATIONS.iter().any(|(c, _)| *c == self.evaluation) {
            errors.add("evaluation", "Choose an evaluation from the list.");
        }
        if !self.campaign.is_empty() && !campaign_exists(conn, &self.campaign)? {
            errors.add(
                "campaign",
                format!("There is no campaign {}.", self.campaign),
            );
        }
        for (field, ticked, label) in [
            ("campaign_target", &self.campaign_target, "Campaign Target"),
            (
                "campaign_response",
                &self.campaign_response,
                "Campaign Response",
            ),
        ] {
            if ticked.is_some() && self.campaign.is_empty() {
                errors.add(
                    field,
                    format!("{label} needs a campaign: choose one, or untick it."),
                );
            }
        }
        if self.campaign_response.is_some() && self.attempt_failed.is_some() {
            // Nobody was reached: a campaign's responses counted them (the response rate rose
            // on a call nobody answered).
            errors.add(
                "campaign_response",
                "An attempt that failed is no response: untick Campaign Response or Attempt \
                 Failed.",
            );
        }
        if self.salesperson.is_empty() {
            errors.add(
                "salesperson",
                "Choose a salesperson: every interaction has one.",
            );
        } else {
            crate::setup::salespeople::check_chosen(
                conn,
                &mut errors,
                "salesperson",
                &self.salesperson,
                None,
            )?;
        }
        match (template, date, cost, duration) {
            (Some(t), Some(date), Some(cost), Some(duration_min)) if errors.is_empty() => {
                Ok(Ok(NewEntry {
                    template_code: t.code,
                    date,
                    description,
                    cost,
                    duration_min,
                    evaluation: self.evaluation.clone(),
                    campaign_no: (!self.campaign.is_empty()).then(|| self.campaign.clone()),
                    campaign_target: self.campaign_target.is_some(),
                    campaign_response: self.campaign_response.is_some(),
                    attempt_failed: self.attempt_failed.is_some(),
                    salesperson_code: self.salesperson.clone(),
                    form_key: None,
                }
                .keyed(&self.once)))
            }
            _ => Ok(Err(errors)),
        }
    }
}

/// Why template `t` cannot be logged for `contact` as it is: it goes by e-mail and the
/// contact has no address. Said when the template is chosen too, before the form is filled in
/// (it was said only when the filled-in form was sent).
pub fn no_email_for(t: &Template, contact: &Contact) -> Option<String> {
    (correspondence_type(t, contact) == "email" && contact.email.is_empty()).then(|| {
        format!(
            "{} has no e-mail address, and an interaction of template {} goes by e-mail. \
             Enter the address on the contact's card, or choose a template that does not go \
             by e-mail.",
            contact.no, t.code
        )
    })
}

/// The correspondence type an interaction of template `t` with `contact` is logged with: the
/// contact's own, unless it has none or the template ignores it (as [`log_single`] writes).
pub fn correspondence_type<'a>(t: &'a Template, contact: &'a Contact) -> &'a str {
    if t.ignore_contact_correspondence_type || contact.correspondence_type.is_empty() {
        &t.correspondence_type
    } else {
        &contact.correspondence_type
    }
}

fn campaign_exists(conn: &mut PgConnection, no: &str) -> QueryResult<bool> {
    use crate::db::schema::campaigns;
    diesel::select(diesel::dsl::exists(
        campaigns::table.filter(campaigns::no.eq(no)),
    ))
    .get_result(conn)
}

/// Whether the salesperson is blocked; `None` when there is none with that code.
/// The salespeople an interaction can name (not blocked), by code.
pub fn salesperson_options(conn: &mut PgConnection) -> QueryResult<CodeList> {
    salesperson_options_keeping(conn, "")
}

/// [`salesperson_options`], and `kept` marked "(blocked)" when it is blocked: a form shown
/// again with it chosen says it beside "is blocked" (it said "(not found)").
pub fn salesperson_options_keeping(conn: &mut PgConnection, kept: &str) -> QueryResult<CodeList> {
    use crate::db::schema::salespeople;
    Ok(salespeople::table
        .filter(
            salespeople::blocked
                .eq(false)
                .or(salespeople::code.eq(kept)),
        )
        .order(salespeople::code)
        .select((salespeople::code, salespeople::name, salespeople::blocked))
        .load::<(String, String, bool)>(conn)?
        .into_iter()
        .map(|(code, name, blocked)| CodeOption {
            code: code.into(),
            description: if blocked {
                format!("{name} (blocked)")
            } else {
                name
            }
            .into(),
        })
        .collect())
}

/// Holds the contact and the template a single interaction names until it is logged: what the
/// form's checks read is what the entry is written from. A change meanwhile (the contact
/// privacy blocked or its e-mail cleared, the template renamed or deleted) waits for the
/// entry, or the entry's checks see it. Before, such an entry was written unchecked, or none
/// was and the page said the form had been sent twice.
pub fn hold(conn: &mut PgConnection, contact_no: &str, template: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT 1 FROM contacts WHERE no = $1 FOR SHARE")
        .bind::<Text, _>(contact_no.trim().to_uppercase())
        .execute(conn)?;
    diesel::sql_query("SELECT 1 FROM interaction_templates WHERE code = $1 FOR SHARE")
        .bind::<Text, _>(template)
        .execute(conn)?;
    Ok(())
}

/// Logs a single interaction with the contact: one entry of the same shape as a logged
/// segment's — the contact's company, the template's group, information flow and initiated
/// by, its correspondence type unless the contact has its own (and the template does not
/// ignore it), the form's Campaign Target and Response (the template's by default) when there is a campaign; no
/// segment. Returns the entry's No., or `None` when an entry with the form's one-time key
/// exists already (the form was sent twice): nothing is written then.
pub fn log_single(
    conn: &mut PgConnection,
    contact_id: i64,
    entry: &NewEntry,
    user_id: i64,
) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let id: Option<Id> = diesel::sql_query(
        "INSERT INTO interaction_log_entries (contact_id, company_id, date, template_code, \
           group_code, description, cost, duration_min, information_flow, initiated_by, \
           salesperson_code, correspondence_type, evaluation, campaign_no, campaign_target, \
           campaign_response, segment_no, user_id, form_key, language_code, attempt_failed) \
         SELECT c.id, c.company_key, $3, t.code, t.group_code, $4, $5, $6, t.information_flow, \
           t.initiated_by, $7, \
           CASE WHEN t.ignore_contact_correspondence_type OR c.correspondence_type = '' \
             THEN t.correspondence_type ELSE c.correspondence_type END, \
           $8, $9, $9 IS NOT NULL AND $12, $9 IS NOT NULL AND $13, \
           '', $10, $11, c.language_code, $14 \
         FROM contacts c JOIN interaction_templates t ON t.code = $2 WHERE c.id = $1 \
         ON CONFLICT (form_key) WHERE form_key IS NOT NULL DO NOTHING \
         RETURNING id",
    )
    .bind::<BigInt, _>(contact_id)
    .bind::<Text, _>(&entry.template_code)
    .bind::<Date, _>(entry.date)
    .bind::<Text, _>(&entry.description)
    .bind::<Numeric, _>(&entry.cost)
    .bind::<Integer, _>(entry.duration_min)
    .bind::<Text, _>(&entry.salesperson_code)
    .bind::<Text, _>(&entry.evaluation)
    .bind::<Nullable<Text>, _>(&entry.campaign_no)
    .bind::<BigInt, _>(user_id)
    .bind::<Nullable<Text>, _>(&entry.form_key)
    .bind::<Bool, _>(entry.campaign_target)
    .bind::<Bool, _>(entry.campaign_response)
    .bind::<Bool, _>(entry.attempt_failed)
    .get_result(conn)
    .optional()?;
    Ok(id.map(|i| i.id))
}
