//! The segment header form: what was typed, its checks, and the values it validates to.

use super::header::{template, Segment};
use crate::db::schema::segments;
use crate::segments::domain::lines::money;
use crate::setup;
use crate::web::FormErrors;
use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

/// The header form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct HeaderForm {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub salesperson_code: String,
    #[serde(default)]
    pub interaction_template_code: String,
    #[serde(default)]
    pub campaign_no: String,
    #[serde(default)]
    pub campaign_target: Option<String>,
    #[serde(default)]
    pub campaign_response: Option<String>,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub language_code: String,
    #[serde(default)]
    pub correspondence_type: String,
    #[serde(default)]
    pub ignore_contact_correspondence_type: Option<String>,
    #[serde(default)]
    pub unit_cost: String,
    #[serde(default)]
    pub unit_duration_min: String,
    #[serde(default)]
    pub information_flow: String,
    #[serde(default)]
    pub initiated_by: String,
    #[serde(default)]
    pub version: String,
    /// The form's one-time key ([`crate::db::once`]): a new segment's, or an edit's.
    #[serde(default)]
    pub once: String,
}

/// Validated header values.
#[derive(Clone, Debug, AsChangeset, Insertable)]
#[diesel(table_name = segments, treat_none_as_null = true)]
pub struct HeaderValues {
    pub description: String,
    pub date: NaiveDate,
    pub salesperson_code: Option<String>,
    pub interaction_template_code: Option<String>,
    pub campaign_no: Option<String>,
    pub campaign_target: bool,
    pub campaign_response: bool,
    pub subject: String,
    pub language_code: Option<String>,
    pub correspondence_type: String,
    pub ignore_contact_correspondence_type: bool,
    pub unit_cost: BigDecimal,
    pub unit_duration_min: i32,
    pub information_flow: String,
    pub initiated_by: String,
}

fn optional(code: &str) -> Option<String> {
    (!code.is_empty()).then(|| code.to_string())
}

impl HeaderForm {
    /// A code of the form opened before an administrator renamed it (the rename reaches the
    /// segment without a new version): the segment's code now, when the audit trail says the
    /// form's was renamed to it. It was refused as unknown, on a field the user never touched.
    pub fn follow_renames(&mut self, conn: &mut PgConnection, saved: &Segment) -> QueryResult<()> {
        use crate::setup::support::follow_rename;
        let template = saved.interaction_template_code.as_deref();
        follow_rename(
            conn,
            "interaction_templates",
            &mut self.interaction_template_code,
            template,
        )?;
        let salesperson = saved.salesperson_code.as_deref();
        follow_rename(conn, "salespeople", &mut self.salesperson_code, salesperson)?;
        Ok(())
    }

    pub fn from_segment(s: &Segment) -> Self {
        HeaderForm {
            description: s.description.clone(),
            date: s.date.format("%Y-%m-%d").to_string(),
            salesperson_code: s.salesperson_code.clone().unwrap_or_default(),
            interaction_template_code: s.interaction_template_code.clone().unwrap_or_default(),
            campaign_no: s.campaign_no.clone().unwrap_or_default(),
            campaign_target: s.campaign_target.then(|| "on".into()),
            campaign_response: s.campaign_response.then(|| "on".into()),
            subject: s.subject.clone(),
            language_code: s.language_code.clone().unwrap_or_default(),
            correspondence_type: s.correspondence_type.clone(),
            ignore_contact_correspondence_type: s
                .ignore_contact_correspondence_type
                .then(|| "on".into()),
            unit_cost: money(&s.unit_cost),
            unit_duration_min: s.unit_duration_min.to_string(),
            information_flow: s.information_flow.clone(),
            initiated_by: s.initiated_by.clone(),
            version: s.version.to_string(),
            once: crate::db::once::new_key(),
        }
    }

    /// The fields whose values differ between `theirs` (the header as saved meanwhile) and
    /// this form: label, theirs, yours. A date or an amount typed the office's way is compared
    /// by its value, a code in any case.
    pub fn differences(&self, theirs: &HeaderForm) -> Vec<(&'static str, String, String)> {
        // A typed field: shown as typed, compared by its value.
        let typed = |label: &'static str, a: &String, b: &String| {
            let differs = !super::line_edit::same_value(label, a, b);
            (label, a.clone(), b.clone(), differs)
        };
        let flag = |f: &Option<String>| if f.is_some() { "Yes" } else { "No" }.to_string();
        let correspondence = |c: &str| crate::contacts::model::correspondence_label(c).to_string();
        let rows: [(&'static str, String, String, bool); 15] = [
            typed("Description", &theirs.description, &self.description),
            {
                let (label, a, b, differs) = typed("Date", &theirs.date, &self.date);
                let shown = crate::web::forms::date_as_shown;
                (label, shown(&a), shown(&b), differs)
            },
            typed(
                "Salesperson",
                &theirs.salesperson_code,
                &self.salesperson_code,
            ),
            typed(
                "Interaction Template",
                &theirs.interaction_template_code,
                &self.interaction_template_code,
            ),
            (
                "Subject",
                theirs.subject.clone(),
                self.subject.clone(),
                theirs.subject.trim() != self.subject.trim(),
            ),
            typed("Language", &theirs.language_code, &self.language_code),
            typed("Campaign", &theirs.campaign_no, &self.campaign_no),
            (
                "Campaign Target",
                flag(&theirs.campaign_target),
                flag(&self.campaign_target),
                theirs.campaign_target.is_some() != self.campaign_target.is_some(),
            ),
            (
                "Campaign Response",
                flag(&theirs.campaign_response),
                flag(&self.campaign_response),
                theirs.campaign_response.is_some() != self.campaign_response.is_some(),
            ),
            (
                "Correspondence Type",
                correspondence(&theirs.correspondence_type),
                correspondence(&self.correspondence_type),
                theirs.correspondence_type != self.correspondence_type,
            ),
            (
                "Ignore Contact Correspondence Type",
                flag(&theirs.ignore_contact_correspondence_type),
                flag(&self.ignore_contact_correspondence_type),
                theirs.ignore_contact_correspondence_type.is_some()
                    != self.ignore_contact_correspondence_type.is_some(),
            ),
            typed("Unit Cost", &theirs.unit_cost, &self.unit_cost),
            typed(
                "Unit Duration (min)",
                &theirs.unit_duration_min,
                &self.unit_duration_min,
            ),
            (
                "Information Flow",
                theirs.information_flow.clone(),
                self.information_flow.clone(),
                theirs.information_flow != self.information_flow,
            ),
            (
                "Initiated By",
                theirs.initiated_by.clone(),
                self.initiated_by.clone(),
                theirs.initiated_by != self.initiated_by,
            ),
        ];
        let shown = |v: String| {
            if v.trim().is_empty() {
                "(none)".to_string()
            } else {
                v
            }
        };
        rows.into_iter()
            .filter(|row| row.3)
            .map(|(label, a, b, _)| (label, shown(a), shown(b)))
            .collect()
    }

    /// A new segment: today, the user's salesperson.
    pub fn new_for(salesperson: Option<String>) -> Self {
        HeaderForm {
            date: chrono::Local::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string(),
            salesperson_code: salesperson.unwrap_or_default(),
            unit_cost: money(&BigDecimal::from(0)),
            unit_duration_min: "0".into(),
            information_flow: "outbound".into(),
            initiated_by: "us".into(),
            once: crate::db::once::new_key(),
            ..Default::default()
        }
    }

    pub fn normalised(mut self) -> Self {
        for f in [
            &mut self.description,
            &mut self.subject,
            &mut self.date,
            &mut self.unit_cost,
            &mut self.unit_duration_min,
            &mut self.version,
        ] {
            *f = f.trim().to_string();
        }
        for f in [
            &mut self.salesperson_code,
            &mut self.interaction_template_code,
            &mut self.campaign_no,
            &mut self.language_code,
        ] {
            *f = f.trim().to_uppercase();
        }
        self.correspondence_type = self.correspondence_type.trim().to_string();
        self.information_flow = self.information_flow.trim().to_lowercase();
        self.initiated_by = self.initiated_by.trim().to_lowercase();
        self
    }

    pub fn checked(&self, name: &str) -> bool {
        match name {
            "campaign_target" => self.campaign_target.is_some(),
            "campaign_response" => self.campaign_response.is_some(),
            "ignore_contact_correspondence_type" => {
                self.ignore_contact_correspondence_type.is_some()
            }
            _ => false,
        }
    }

    /// Checks the form; the codes against the database. `saved`: the segment as saved (none
    /// for a new one). Its salesperson may stay though blocked since
    /// ([`setup::salespeople::check_chosen`]); an interaction template chosen instead of its
    /// own brings the template's campaign where the Campaign field is left as it was, so
    /// Campaign Target or Response may be ticked with none typed.
    pub fn validate(
        &self,
        conn: &mut PgConnection,
        saved: Option<&Segment>,
    ) -> QueryResult<Result<HeaderValues, FormErrors>> {
        let kept_salesperson = saved.and_then(|s| s.salesperson_code.as_deref());
        let previous_template = saved.and_then(|s| s.interaction_template_code.as_deref());
        let shown_campaign = saved.and_then(|s| s.campaign_no.as_deref()).unwrap_or("");
        let mut errors = FormErrors::new();
        let text = crate::web::forms::check_text;
        text(&mut errors, "description", &self.description, 100, None);
        text(&mut errors, "subject", &self.subject, 100, None);
        let date = crate::web::forms::date(&self.date);
        if date.is_none() {
            errors.add("date", crate::web::forms::date_refused(&self.date, ""));
        }
        let (cost, duration) = crate::setup::interaction_templates::check_interaction(
            &mut errors,
            &self.unit_cost,
            &self.unit_duration_min,
            &self.information_flow,
            &self.initiated_by,
        );
        if !crate::contacts::model::CORRESPONDENCE_TYPES
            .iter()
            .any(|(v, _)| *v == self.correspondence_type)
        {
            errors.add("correspondence_type", "Choose none, Hard Copy or E-mail.");
        }
        setup::salespeople::check_chosen(
            conn,
            &mut errors,
            "salesperson_code",
            &self.salesperson_code,
            kept_salesperson,
        )?;
        if !self.language_code.is_empty()
            && !setup::code_exists(conn, "languages", &self.language_code)?
        {
            errors.add(
                "language_code",
                format!("There is no language {}.", self.language_code),
            );
        }
        let chosen = match self.interaction_template_code.as_str() {
            "" => None,
            code => template(conn, code)?,
        };
        if !self.interaction_template_code.is_empty() && chosen.is_none() {
            errors.add(
                "interaction_template_code",
                format!(
                    "There is no interaction template {}.",
                    self.interaction_template_code
                ),
            );
        }
        // A template chosen in this save brings its campaign, unless the Campaign field was
        // changed too: what the user typed (or cleared) stays (see `take_template_defaults`).
        let campaign_coming = chosen.is_some_and(|t| {
            t.campaign_no.is_some()
                && previous_template != Some(t.code.as_str())
                && self.campaign_no == shown_campaign
        });
        if !self.campaign_no.is_empty()
            && !crate::setup::interaction_templates::campaign_exists(conn, &self.campaign_no)?
        {
            errors.add(
                "campaign_no",
                format!("There is no campaign {}.", self.campaign_no),
            );
        }
        // The campaign cleared in this save clears the Campaign Target and Response the segment
        // had with it, as in Business Central (it was refused, "need a campaign", with the
        // boxes still ticked as the form showed them); one ticked anew, or on a segment that
        // had no campaign, is refused.
        let keeps_flags = !self.campaign_no.is_empty() || campaign_coming;
        let campaign_cleared = !keeps_flags && !shown_campaign.is_empty();
        let had = |flag: fn(&Segment) -> bool| campaign_cleared && saved.is_some_and(flag);
        let ticked_anew = (self.campaign_target.is_some() && !had(|s| s.campaign_target))
            || (self.campaign_response.is_some() && !had(|s| s.campaign_response));
        if !keeps_flags && ticked_anew {
            errors.add(
                "campaign_no",
                "Campaign Target and Campaign Response need a campaign.",
            );
        }
        let (Some(date), Some(unit_cost), Some(unit_duration_min)) = (date, cost, duration) else {
            return Ok(Err(errors));
        };
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        Ok(Ok(HeaderValues {
            description: self.description.clone(),
            date,
            salesperson_code: optional(&self.salesperson_code),
            interaction_template_code: optional(&self.interaction_template_code),
            campaign_no: optional(&self.campaign_no),
            campaign_target: self.campaign_target.is_some() && keeps_flags,
            campaign_response: self.campaign_response.is_some() && keeps_flags,
            subject: self.subject.clone(),
            language_code: optional(&self.language_code),
            correspondence_type: self.correspondence_type.clone(),
            ignore_contact_correspondence_type: self.ignore_contact_correspondence_type.is_some(),
            unit_cost,
            unit_duration_min,
            information_flow: self.information_flow.clone(),
            initiated_by: self.initiated_by.clone(),
        }))
    }
}
