//! Correcting an opportunity's details, as Business Central's Opportunity Card lets them be
//! edited: its description, salesperson (one is needed, as on a new one), campaign and priority
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
        super::record::check_salesperson(
            conn,
            &mut errors,
            &self.salesperson_code,
            o.salesperson_code.as_deref(),
        )?;
        if !self.campaign_no.is_empty() && !campaign_exists(conn, &self.campaign_no)? {
            errors.add(
                "campaign_no",
                format!("There is no campaign {}.", self.campaign_no),
            );
        }
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
            salesperson_code: (!self.salesperson_code.is_empty())
                .then(|| self.salesperson_code.clone()),
            campaign_no: (!self.campaign_no.is_empty()).then(|| self.campaign_no.clone()),
            priority: self.priority.clone(),
            sales_cycle_code: cycle,
        }))
    }
}

fn campaign_exists(conn: &mut PgConnection, no: &str) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT count(*) AS n FROM campaigns WHERE no = $1")
        .bind::<Text, _>(no)
        .get_result::<Found>(conn)
        .map(|f| f.n > 0)
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
    diesel::sql_query(
        "UPDATE opportunities SET description = $2, salesperson_code = $3, campaign_no = $4, \
             priority = $5, sales_cycle_code = $6, version = version + 1 \
         WHERE id = $1",
    )
    .bind::<BigInt, _>(o.id)
    .bind::<Text, _>(&values.description)
    .bind::<Nullable<Text>, _>(&values.salesperson_code)
    .bind::<Nullable<Text>, _>(&values.campaign_no)
    .bind::<Text, _>(&values.priority)
    .bind::<Text, _>(&values.sales_cycle_code)
    .execute(conn)?;
    Ok(Edited::Saved(changes))
}
