//! `/setup/interaction-templates`: the defaults of an interaction — its group, description,
//! unit cost and duration, information flow, who initiates it, a campaign with the Campaign
//! Target and Campaign Response flags, the correspondence type and whether it overrules the
//! contact's. Choosing a template on a segment copies them (see docs/segments.md, Segments,
//! header and lines). The pages are in [`pages`].

pub mod pages;

use bigdecimal::BigDecimal;
use diesel::prelude::*;
use serde::Deserialize;

use super::support::{
    check_code, check_text, money, normalize_code, parse_amount, search_terms, DESCRIPTION_MAX,
};
use super::CodeList;
use crate::db::schema::{campaigns, interaction_groups, interaction_templates};
use crate::web::filters::plain_amount;
use crate::web::FormErrors;

/// Information flow: the values stored and their labels.
pub const FLOWS: [(&str, &str); 2] = [("outbound", "Outbound"), ("inbound", "Inbound")];

/// Initiated by: the values stored and their labels.
pub const INITIATORS: [(&str, &str); 2] = [("us", "Us"), ("them", "Them")];

/// A template's default correspondence type: none (the contact's decides), Hard Copy, E-mail.
pub const CORRESPONDENCE: [(&str, &str); 3] = [
    ("", "None (as the contact's)"),
    ("hard_copy", "Hard Copy"),
    ("email", "E-mail"),
];

/// The label of a stored value in one of the sets above; empty for an unknown value.
pub fn label(set: &[(&'static str, &'static str)], value: &str) -> &'static str {
    set.iter()
        .find(|(v, _)| *v == value)
        .map_or("", |(_, l)| *l)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = interaction_templates)]
pub struct InteractionTemplate {
    pub code: String,
    pub group_code: String,
    pub description: String,
    pub unit_cost: BigDecimal,
    pub unit_duration_min: i32,
    pub information_flow: String,
    pub initiated_by: String,
    pub campaign_no: Option<String>,
    pub campaign_target: bool,
    pub campaign_response: bool,
    pub correspondence_type: String,
    pub ignore_contact_correspondence_type: bool,
}

impl InteractionTemplate {
    pub fn cost_text(&self) -> String {
        money(&self.unit_cost)
    }

    pub fn flow_label(&self) -> &'static str {
        label(&FLOWS, &self.information_flow)
    }

    pub fn initiated_label(&self) -> &'static str {
        label(&INITIATORS, &self.initiated_by)
    }

    pub fn correspondence_label(&self) -> &'static str {
        label(&CORRESPONDENCE, &self.correspondence_type)
    }
}

/// A line of the list: the template and its group's description.
#[derive(Clone, Debug, Queryable)]
pub struct ListRow {
    pub template: InteractionTemplate,
    pub group_description: String,
}

// ---------------------------------------------------------------------------------------------
// Queries.

pub fn find(conn: &mut PgConnection, code: &str) -> QueryResult<Option<InteractionTemplate>> {
    interaction_templates::table
        .find(code)
        .select(InteractionTemplate::as_select())
        .first(conn)
        .optional()
}

fn lock(conn: &mut PgConnection, code: &str) -> QueryResult<Option<InteractionTemplate>> {
    interaction_templates::table
        .find(code)
        .select(InteractionTemplate::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Every template, by code (the choices of a segment's header and lines).
pub fn all(conn: &mut PgConnection) -> QueryResult<Vec<InteractionTemplate>> {
    interaction_templates::table
        .order(interaction_templates::code)
        .select(InteractionTemplate::as_select())
        .load(conn)
}

type Matching = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<interaction_templates::table, interaction_groups::table>,
    diesel::pg::Pg,
>;

/// The templates whose code, description or group matches `q`, of `group` when it is given.
fn matching(q: &str, group: &str) -> Matching {
    use crate::db::text::rapport_fold;
    let (q, pattern) = search_terms(q);
    let mut query = interaction_templates::table
        .inner_join(interaction_groups::table)
        .into_boxed();
    if !group.is_empty() {
        query = query.filter(interaction_templates::group_code.eq(group.to_string()));
    }
    if !q.is_empty() {
        query = query.filter(
            rapport_fold(interaction_templates::code)
                .like(pattern.clone())
                .or(rapport_fold(interaction_templates::description).like(pattern.clone()))
                .or(rapport_fold(interaction_templates::group_code).like(pattern.clone()))
                .or(rapport_fold(interaction_groups::description).like(pattern)),
        );
    }
    query
}

/// How many templates match.
pub fn count(conn: &mut PgConnection, q: &str, group: &str) -> QueryResult<i64> {
    matching(q, group).count().get_result(conn)
}

/// A page of the templates that match, from `offset`, by code.
pub fn rows(
    conn: &mut PgConnection,
    q: &str,
    group: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<ListRow>> {
    Ok(matching(q, group)
        .select((
            InteractionTemplate::as_select(),
            interaction_groups::description,
        ))
        .order(interaction_templates::code.asc())
        .limit(limit)
        .offset(offset)
        .load::<(InteractionTemplate, String)>(conn)?
        .into_iter()
        .map(|(template, group_description)| ListRow {
            template,
            group_description,
        })
        .collect())
}

/// The description of an interaction group, if it exists.
pub fn group_description(conn: &mut PgConnection, code: &str) -> QueryResult<Option<String>> {
    interaction_groups::table
        .find(code)
        .select(interaction_groups::description)
        .first(conn)
        .optional()
}

/// Every interaction group with its description, by code.
pub fn all_groups(conn: &mut PgConnection) -> QueryResult<CodeList> {
    super::options(conn, "interaction_groups")
}

/// The campaigns a template (or a single interaction) can name, by No.: the kept list
/// ([`super::options_of`]), as a segment's header reads it.
pub fn campaign_options(conn: &mut PgConnection) -> QueryResult<CodeList> {
    super::options(conn, "campaigns")
}

pub fn campaign_exists(conn: &mut PgConnection, no: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        campaigns::table.filter(campaigns::no.eq(no)),
    ))
    .get_result(conn)
}

// ---------------------------------------------------------------------------------------------
// The form.

/// The template form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub group_code: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub unit_cost: String,
    #[serde(default)]
    pub unit_duration_min: String,
    #[serde(default)]
    pub information_flow: String,
    #[serde(default)]
    pub initiated_by: String,
    #[serde(default)]
    pub campaign_no: String,
    /// The checkboxes: present when ticked.
    #[serde(default)]
    pub campaign_target: Option<String>,
    #[serde(default)]
    pub campaign_response: Option<String>,
    #[serde(default)]
    pub correspondence_type: String,
    #[serde(default)]
    pub ignore_contact_correspondence_type: Option<String>,
    /// The row as the form showed it ([`crate::setup::support::shown`]).
    #[serde(default)]
    pub shown: String,
}

/// Validated values, as stored.
#[derive(Clone, Debug, Insertable, AsChangeset)]
#[diesel(table_name = interaction_templates, treat_none_as_null = true)]
pub struct TemplateValues {
    pub code: String,
    pub group_code: String,
    pub description: String,
    pub unit_cost: BigDecimal,
    pub unit_duration_min: i32,
    pub information_flow: String,
    pub initiated_by: String,
    pub campaign_no: Option<String>,
    pub campaign_target: bool,
    pub campaign_response: bool,
    pub correspondence_type: String,
    pub ignore_contact_correspondence_type: bool,
}

fn ticked(on: bool) -> Option<String> {
    on.then(|| "yes".to_string())
}

impl TemplateForm {
    /// A new template: outbound, initiated by us, by e-mail (as Business Central starts one).
    pub fn blank() -> Self {
        TemplateForm {
            // As the office writes it ("0,00" in da-DK: "0.00" would be refused there).
            unit_cost: money(&BigDecimal::from(0)),
            unit_duration_min: "0".into(),
            information_flow: "outbound".into(),
            initiated_by: "us".into(),
            correspondence_type: "email".into(),
            ..Default::default()
        }
    }

    pub fn from_row(t: InteractionTemplate) -> Self {
        TemplateForm {
            shown: crate::setup::support::shown(&t),
            unit_cost: t.cost_text(),
            unit_duration_min: t.unit_duration_min.to_string(),
            code: t.code,
            group_code: t.group_code,
            description: t.description,
            information_flow: t.information_flow,
            initiated_by: t.initiated_by,
            campaign_no: t.campaign_no.unwrap_or_default(),
            campaign_target: ticked(t.campaign_target),
            campaign_response: ticked(t.campaign_response),
            correspondence_type: t.correspondence_type,
            ignore_contact_correspondence_type: ticked(t.ignore_contact_correspondence_type),
        }
    }

    pub fn cleaned(self) -> Self {
        TemplateForm {
            code: normalize_code(&self.code),
            group_code: normalize_code(&self.group_code),
            description: self.description.trim().to_string(),
            unit_cost: self.unit_cost.trim().to_string(),
            unit_duration_min: self.unit_duration_min.trim().to_string(),
            information_flow: self.information_flow.trim().to_lowercase(),
            initiated_by: self.initiated_by.trim().to_lowercase(),
            campaign_no: normalize_code(&self.campaign_no),
            correspondence_type: self.correspondence_type.trim().to_lowercase(),
            ..self
        }
    }

    /// Whether a checkbox is ticked.
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

    /// Checks every field at once (the group and the campaign against the database).
    pub fn validate(
        &self,
        conn: &mut PgConnection,
    ) -> QueryResult<Result<TemplateValues, FormErrors>> {
        let mut errors = FormErrors::new();
        check_code(&mut errors, "code", &self.code);
        if self.group_code.is_empty() {
            errors.add("group_code", "Choose the interaction group.");
        } else if group_description(conn, &self.group_code)?.is_none() {
            errors.add(
                "group_code",
                format!("There is no interaction group {}.", self.group_code),
            );
        }
        check_text(
            &mut errors,
            "description",
            &self.description,
            DESCRIPTION_MAX,
            None,
        );
        let (unit_cost, duration) = check_interaction(
            &mut errors,
            &self.unit_cost,
            &self.unit_duration_min,
            &self.information_flow,
            &self.initiated_by,
        );
        if !CORRESPONDENCE
            .iter()
            .any(|(v, _)| *v == self.correspondence_type)
        {
            errors.add("correspondence_type", "Choose none, Hard Copy or E-mail.");
        }
        if self.campaign_no.is_empty() {
            for (field, name) in [
                ("campaign_target", "Campaign Target"),
                ("campaign_response", "Campaign Response"),
            ] {
                if self.checked(field) {
                    errors.add(
                        field,
                        format!("{name} needs a campaign: choose one, or untick it."),
                    );
                }
            }
        } else if !campaign_exists(conn, &self.campaign_no)? {
            errors.add(
                "campaign_no",
                format!("There is no campaign {}.", self.campaign_no),
            );
        }
        let (Some(unit_cost), Some(unit_duration_min), true) =
            (unit_cost, duration, errors.is_empty())
        else {
            return Ok(Err(errors));
        };
        Ok(Ok(TemplateValues {
            code: self.code.clone(),
            group_code: self.group_code.clone(),
            description: self.description.clone(),
            unit_cost,
            unit_duration_min,
            information_flow: self.information_flow.clone(),
            initiated_by: self.initiated_by.clone(),
            campaign_no: (!self.campaign_no.is_empty()).then(|| self.campaign_no.clone()),
            campaign_target: self.checked("campaign_target"),
            campaign_response: self.checked("campaign_response"),
            correspondence_type: self.correspondence_type.clone(),
            ignore_contact_correspondence_type: self.checked("ignore_contact_correspondence_type"),
        }))
    }
}

/// The checks an interaction's figures share wherever they are typed (a template, a segment's
/// header): the unit cost and duration (empty is 0), the information flow and who initiates
/// it. Returns the cost and duration when they are valid.
pub fn check_interaction(
    errors: &mut FormErrors,
    unit_cost: &str,
    unit_duration_min: &str,
    information_flow: &str,
    initiated_by: &str,
) -> (Option<BigDecimal>, Option<i32>) {
    let cost = parse_amount(if unit_cost.is_empty() { "0" } else { unit_cost });
    if cost.is_none() {
        errors.add(
            "unit_cost",
            crate::web::forms::amount_refused(unit_cost, false),
        );
    }
    let duration = match unit_duration_min {
        "" => Some(0),
        d => crate::web::forms::whole_number(d),
    };
    if duration.is_none() {
        errors.add(
            "unit_duration_min",
            crate::web::forms::minutes_refused(unit_duration_min, ""),
        );
    }
    if !FLOWS.iter().any(|(v, _)| *v == information_flow) {
        errors.add("information_flow", "Choose Outbound or Inbound.");
    }
    if !INITIATORS.iter().any(|(v, _)| *v == initiated_by) {
        errors.add("initiated_by", "Choose Us or Them.");
    }
    (cost, duration)
}

fn yes_no(v: bool) -> &'static str {
    if v {
        "yes"
    } else {
        "no"
    }
}

impl TemplateValues {
    /// What a change does, as the user reads it: "unit cost 2,50 → 3,00; campaign — →
    /// CP0001".
    pub fn detail_against(&self, old: &InteractionTemplate) -> String {
        self.change_of(old, money)
    }

    /// [`Self::detail_against`] for the audit trail: amounts as exports write them ("1234.50",
    /// whatever the locale), as the README says its details are.
    pub fn audit_detail_against(&self, old: &InteractionTemplate) -> String {
        self.change_of(old, plain_amount)
    }

    fn change_of(&self, old: &InteractionTemplate, money: fn(&BigDecimal) -> String) -> String {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
        let mut parts = Vec::new();
        let mut diff = |what: &str, a: String, b: String| {
            if a != b {
                parts.push(format!("{what} {a} → {b}"));
            }
        };
        diff("code", old.code.clone(), self.code.clone());
        diff("group", old.group_code.clone(), self.group_code.clone());
        diff(
            "description",
            format!("“{}”", old.description),
            format!("“{}”", self.description),
        );
        diff("unit cost", money(&old.unit_cost), money(&self.unit_cost));
        diff(
            "unit duration",
            old.unit_duration_min.to_string(),
            self.unit_duration_min.to_string(),
        );
        diff(
            "information flow",
            old.information_flow.clone(),
            self.information_flow.clone(),
        );
        diff(
            "initiated by",
            old.initiated_by.clone(),
            self.initiated_by.clone(),
        );
        diff("campaign", dash(&old.campaign_no), dash(&self.campaign_no));
        diff(
            "campaign target",
            yes_no(old.campaign_target).into(),
            yes_no(self.campaign_target).into(),
        );
        diff(
            "campaign response",
            yes_no(old.campaign_response).into(),
            yes_no(self.campaign_response).into(),
        );
        diff(
            "correspondence type",
            format!("“{}”", old.correspondence_type),
            format!("“{}”", self.correspondence_type),
        );
        diff(
            "ignore contact correspondence type",
            yes_no(old.ignore_contact_correspondence_type).into(),
            yes_no(self.ignore_contact_correspondence_type).into(),
        );
        parts.join("; ")
    }

    /// Whether the stored template `t` is just these values (a new template's form sent twice).
    pub fn holds(&self, t: &InteractionTemplate) -> bool {
        self.code == t.code
            && self.group_code == t.group_code
            && self.description == t.description
            && self.unit_cost == t.unit_cost
            && self.unit_duration_min == t.unit_duration_min
            && self.information_flow == t.information_flow
            && self.initiated_by == t.initiated_by
            && self.campaign_no == t.campaign_no
            && self.campaign_target == t.campaign_target
            && self.campaign_response == t.campaign_response
            && self.correspondence_type == t.correspondence_type
            && self.ignore_contact_correspondence_type == t.ignore_contact_correspondence_type
    }

    /// What a new template is, for the audit trail (its amount as exports write it).
    pub fn summary(&self) -> String {
        format!(
            "group {}; “{}”; unit cost {}; {} min",
            self.group_code,
            self.description,
            plain_amount(&self.unit_cost),
            self.unit_duration_min
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_the_closed_sets() {
        assert_eq!(label(&FLOWS, "inbound"), "Inbound");
        assert_eq!(label(&INITIATORS, "them"), "Them");
        assert_eq!(label(&CORRESPONDENCE, "hard_copy"), "Hard Copy");
        assert_eq!(label(&CORRESPONDENCE, "fax"), "");
    }

    #[test]
    fn a_cleaned_form_has_codes_in_capitals_and_sets_in_lower_case() {
        let f = TemplateForm {
            code: " call ".into(),
            group_code: "phone".into(),
            campaign_no: " cp0001".into(),
            information_flow: "Inbound ".into(),
            initiated_by: " THEM".into(),
            correspondence_type: " Email".into(),
            ..TemplateForm::blank()
        }
        .cleaned();
        assert_eq!(
            (
                f.code.as_str(),
                f.group_code.as_str(),
                f.campaign_no.as_str(),
                f.information_flow.as_str(),
                f.initiated_by.as_str(),
                f.correspondence_type.as_str()
            ),
            ("CALL", "PHONE", "CP0001", "inbound", "them", "email")
        );
    }
}
