//! Correcting an opportunity's details, as Business Central's Opportunity Card lets them be
//! edited: its description, contact (once it has started, another of the same company, as
//! Business Central asks), salesperson (one is needed, as on a new one), campaign and priority
//! while it is open, and its sales
//! cycle too while it is Not Started (no stage reached yet, so no figure depends on the cycle).
//! A correction is not a move: it writes no entry, and the pipeline's kept figures follow the
//! row (`pipeline`, by triggers). A closed opportunity is a record: reopen it first.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use serde::Deserialize;

use super::record::{Opportunity, Status, PRIORITIES};
use crate::setup::sales_cycles;
use crate::web::FormErrors;

/// The edit form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub contact_no: String,
    #[serde(default)]
    pub salesperson_code: String,
    #[serde(default)]
    pub campaign_no: String,
    #[serde(default)]
    pub priority: String,
    /// Read only while the opportunity is Not Started.
    #[serde(default)]
    pub sales_cycle_code: String,
    /// The version of the opportunity the form was opened on.
    #[serde(default)]
    pub version: String,
}

/// What changes, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditValues {
    pub description: String,
    pub contact_no: String,
    pub salesperson_code: Option<String>,
    pub campaign_no: Option<String>,
    pub priority: String,
    pub sales_cycle_code: String,
}

/// What an edit came to.
#[derive(Debug)]
pub enum Edited {
    /// Saved: the fields that changed, as "Salesperson JO → PL".
    Saved(Vec<String>),
    /// Nothing differs from what is saved.
    Unchanged,
    /// Refused, each reason next to its field.
    Invalid(FormErrors),
    /// Someone else changed the opportunity after the form was opened.
    Stale,
    /// A closed opportunity: reopen it first.
    Closed,
}

impl EditForm {
    pub fn for_opportunity(o: &Opportunity) -> Self {
        EditForm {
            description: o.description.clone(),
            contact_no: o.contact_no.clone(),
            salesperson_code: o.salesperson_code.clone().unwrap_or_default(),
            campaign_no: o.campaign_no.clone().unwrap_or_default(),
            priority: o.priority.clone(),
            sales_cycle_code: o.sales_cycle_code.clone(),
            version: o.version.to_string(),
        }
    }

    pub fn normalised(mut self) -> Self {
        self.description = self.description.trim().to_string();
        self.priority = self.priority.trim().to_string();
        for f in [
            &mut self.contact_no,
            &mut self.salesperson_code,
            &mut self.campaign_no,
            &mut self.sales_cycle_code,
        ] {
            *f = f.trim().to_uppercase();
        }
        self
    }

    /// Checks every field at once; the codes against the database. The sales cycle of an
    /// opportunity that has reached a stage stays as it is, whatever the form says.
    pub fn validate(
        &self,
        conn: &mut PgConnection,
        o: &Opportunity,
    ) -> QueryResult<Result<EditValues, FormErrors>> {
        let mut errors = FormErrors::new();
        super::record::check_description(&mut errors, &self.description);
        if self.contact_no != o.contact_no {
            if let Some(why) = contact_refusal(conn, o, &self.contact_no)? {
                errors.add("contact_no", why);
            }
        }
        super::record::check_salesperson(
            conn,
            &mut errors,
            &self.salesperson_code,
            o.salesperson_code.as_deref(),
        )?;
        super::record::check_campaign(
            conn,
            &mut errors,
            &self.campaign_no,
            o.creation_date,
            o.campaign_no.as_deref(),
        )?;
        if !PRIORITIES.iter().any(|(p, _)| *p == self.priority) {
            errors.add("priority", "Choose Low, Normal or High.");
        }
        let cycle =
            if o.status() == Status::NotStarted && self.sales_cycle_code != o.sales_cycle_code {
                match sales_cycles::find(conn, &self.sales_cycle_code)? {
                    None => {
                        errors.add("sales_cycle_code", "Choose a sales cycle.");
                        o.sales_cycle_code.clone()
                    }
                    Some(c) if c.blocked => {
                        errors.add(
                            "sales_cycle_code",
                            format!("Sales cycle {} is blocked: choose another.", c.code),
                        );
                        o.sales_cycle_code.clone()
                    }
                    Some(c) => c.code,
                }
            } else {
                o.sales_cycle_code.clone()
            };
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        Ok(Ok(EditValues {
            description: self.description.clone(),
            contact_no: self.contact_no.clone(),
            salesperson_code: (!self.salesperson_code.is_empty())
                .then(|| self.salesperson_code.clone()),
            campaign_no: (!self.campaign_no.is_empty()).then(|| self.campaign_no.clone()),
            priority: self.priority.clone(),
            sales_cycle_code: cycle,
        }))
    }
}

/// Why the opportunity `o` cannot be given the contact `no`, if it cannot: there is none; it is
/// privacy blocked; once
/// it has started, one of another company (Business Central: "Contact … is related to another
/// company."); or one that has an open opportunity from the same segment already (one is open
/// for a contact of a segment, as Create Opportunities makes them).
fn contact_refusal(
    conn: &mut PgConnection,
    o: &Opportunity,
    no: &str,
) -> QueryResult<Option<String>> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Nullable<Text>)]
        company_no: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        open_from_segment: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        privacy_blocked: bool,
    }
    if no.is_empty() {
        return Ok(Some("Enter the contact's number, e.g. CT000012.".into()));
    }
    let found: Option<Found> = diesel::sql_query(
        "SELECT c.name, co.no::text AS company_no, c.privacy_blocked, \
                (SELECT s.no::text FROM opportunities s \
                 WHERE s.segment_no = $2 AND s.contact_id = c.id AND s.id <> $3 \
                   AND s.status IN ('not_started', 'in_progress') LIMIT 1) AS open_from_segment \
         FROM contacts c LEFT JOIN contacts co ON co.id = c.company_key WHERE c.no = $1",
    )
    .bind::<Text, _>(no)
    .bind::<Nullable<Text>, _>(&o.segment_no)
    .bind::<BigInt, _>(o.id)
    .get_result(conn)
    .optional()?;
    let Some(c) = found else {
        return Ok(Some(format!("There is no contact {no}.")));
    };
    // As a new opportunity's contact is checked.
    if c.privacy_blocked {
        return Ok(Some(format!(
            "Contact {no} is privacy blocked: no opportunity is made for it."
        )));
    }
    if o.status() != Status::NotStarted && c.company_no != o.company_no {
        return Ok(Some(format!(
            "Contact {no} {} is related to another company: once an opportunity has started, \
             its contact stays {}.",
            c.name,
            o.company_no
                .as_deref()
                .map_or("a person without a company".to_string(), |co| format!(
                    "company {co} or one of its persons"
                ))
        )));
    }
    if let (Some(other), Some(segment)) = (c.open_from_segment, &o.segment_no) {
        return Ok(Some(format!(
            "Contact {no} has opportunity {other} from segment {segment} open already: \
             a contact has one open opportunity from a segment."
        )));
    }
    Ok(None)
}

/// What differs between the opportunity `o` and `v`, field by field: (field, in `o`, in `v`),
/// "(none)" for no value, a priority by its label.
pub fn compared(o: &Opportunity, v: &EditValues) -> Vec<(&'static str, String, String)> {
    let shown = |s: Option<&str>| match s {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => "(none)".to_string(),
    };
    let priority = |p: &str| {
        PRIORITIES
            .iter()
            .find(|(code, _)| *code == p)
            .map_or(p.to_string(), |(_, label)| label.to_string())
    };
    [
        (
            "Description",
            shown(Some(&o.description)),
            shown(Some(&v.description)),
        ),
        ("Contact", o.contact_no.clone(), v.contact_no.clone()),
        (
            "Salesperson",
            shown(o.salesperson_code.as_deref()),
            shown(v.salesperson_code.as_deref()),
        ),
        (
            "Campaign",
            shown(o.campaign_no.as_deref()),
            shown(v.campaign_no.as_deref()),
        ),
        ("Priority", priority(&o.priority), priority(&v.priority)),
        (
            "Sales cycle",
            o.sales_cycle_code.clone(),
            v.sales_cycle_code.clone(),
        ),
    ]
    .into_iter()
    .filter(|(_, was, now)| was != now)
    .collect()
}

/// What differs, as the flash and the audit trail say it ("Salesperson JO → PL").
pub fn differences(o: &Opportunity, v: &EditValues) -> Vec<String> {
    compared(o, v)
        .into_iter()
        .map(|(label, was, now)| format!("{label} {was} → {now}"))
        .collect()
}

impl EditForm {
    /// The form's values as typed, unchecked, over `o` (its sales cycle once it has reached a
    /// stage): what a stale form is compared with the opportunity by.
    pub fn as_typed(&self, o: &Opportunity) -> EditValues {
        let code = |c: &str| (!c.is_empty()).then(|| c.to_string());
        EditValues {
            description: self.description.clone(),
            contact_no: self.contact_no.clone(),
            salesperson_code: code(&self.salesperson_code),
            campaign_no: code(&self.campaign_no),
            priority: self.priority.clone(),
            sales_cycle_code: if o.status() == Status::NotStarted {
                self.sales_cycle_code.clone()
            } else {
                o.sales_cycle_code.clone()
            },
        }
    }
}

/// Saves the form over the opportunity `o`, locked by the caller (`record::lock`).
pub fn edit(conn: &mut PgConnection, o: &Opportunity, form: &EditForm) -> QueryResult<Edited> {
    if o.status().is_closed() {
        return Ok(Edited::Closed);
    }
    if form.version.trim().parse::<i32>().ok() != Some(o.version) {
        return Ok(Edited::Stale);
    }
    let values = match form.validate(conn, o)? {
        Ok(v) => v,
        Err(errors) => return Ok(Edited::Invalid(errors)),
    };
    let changes = differences(o, &values);
    if changes.is_empty() {
        return Ok(Edited::Unchanged);
    }
    // The contact by its No. with its company (a person's, or a company's own), read in the
    // statement: a contact deleted since the check leaves the opportunity as it was. The
    // company is taken anew only with another contact (or where it has none): a person who
    // moved to another company since leaves this opportunity with the old one, as the
    // contacts' trigger does. In a savepoint, so that a refusal below leaves the transaction
    // usable for the page.
    let written = conn.transaction(|conn| {
        diesel::sql_query(
            "UPDATE opportunities o SET description = $2, salesperson_code = $3, \
                 campaign_no = $4, priority = $5, sales_cycle_code = $6, contact_id = c.id, \
                 company_id = CASE WHEN c.id = o.contact_id \
                                   THEN COALESCE(o.company_id, c.company_key) \
                                   ELSE c.company_key END, \
                 version = o.version + 1 \
             FROM contacts c WHERE o.id = $1 AND c.no = $7",
        )
        .bind::<BigInt, _>(o.id)
        .bind::<Text, _>(&values.description)
        .bind::<Nullable<Text>, _>(&values.salesperson_code)
        .bind::<Nullable<Text>, _>(&values.campaign_no)
        .bind::<Text, _>(&values.priority)
        .bind::<Text, _>(&values.sales_cycle_code)
        .bind::<Text, _>(&values.contact_no)
        .execute(conn)
    });
    let refused = |why: String| {
        let mut errors = FormErrors::new();
        errors.add("contact_no", why);
        Ok(Edited::Invalid(errors))
    };
    match written {
        Ok(0) => refused(format!(
            "There is no contact {}: it was deleted a moment ago.",
            values.contact_no
        )),
        Ok(_) => Ok(Edited::Saved(changes)),
        // Given the same contact from the same segment by a colleague a moment ago.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => refused(format!(
            "Contact {} has an opportunity from segment {} open already: a contact has one \
             open opportunity from a segment.",
            values.contact_no,
            o.segment_no.as_deref().unwrap_or_default()
        )),
        Err(e) => Err(e),
    }
}
