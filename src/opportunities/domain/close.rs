//! Closing an opportunity as won or lost, and reopening it: one UPDATE of the opportunity and
//! one entry in its history each, in the caller's transaction ([`super::moves`] moves it
//! through its cycle).

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Numeric, Text};
use serde::Deserialize;

use super::moves::{stale, Actor, Outcome, Said};
use super::record::{parse_date, record_entry, Opportunity, Status};
use crate::setup::sales_cycles::{self, close_codes::CloseCode};
use crate::setup::support::parse_amount;
use crate::web::FormErrors;

/// The Close form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CloseForm {
    /// `won` or `lost`.
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub close_code: String,
    #[serde(default)]
    pub date_closed: String,
    /// The final value (for a won deal, what was sold).
    #[serde(default)]
    pub final_value: String,
    #[serde(default)]
    pub version: String,
    /// The card's one-time key ([`crate::db::once`]).
    #[serde(default)]
    pub once: String,
}

impl CloseForm {
    pub fn for_opportunity(o: &Opportunity, today: NaiveDate) -> Self {
        CloseForm {
            outcome: String::new(),
            close_code: String::new(),
            date_closed: today.format("%Y-%m-%d").to_string(),
            final_value: super::record::money(&o.estimated_value),
            version: o.version.to_string(),
            once: String::new(),
        }
    }
}

/// Closes an open opportunity as won or lost with a close code of that kind.
pub fn close(
    conn: &mut PgConnection,
    o: &Opportunity,
    form: &CloseForm,
    codes: &[CloseCode],
    actor: &Actor<'_>,
) -> QueryResult<Outcome> {
    if stale(o, &form.version) {
        return Ok(Outcome::Stale);
    }
    let mut errors = FormErrors::new();
    if o.status().is_closed() {
        errors.add(
            "outcome",
            format!("Opportunity {} is already closed.", o.no),
        );
        return Ok(Outcome::Invalid(errors));
    }
    let outcome = match form.outcome.as_str() {
        "won" => Some(Status::Won),
        "lost" => Some(Status::Lost),
        _ => {
            errors.add("outcome", "Choose Won or Lost.");
            None
        }
    };
    let code = form.close_code.trim().to_uppercase();
    let found = codes.iter().find(|c| c.code == code);
    match (found, outcome) {
        (None, _) => errors.add("close_code", "Choose a close code."),
        (Some(c), Some(s)) if c.kind != s.as_str() => errors.add(
            "close_code",
            format!(
                "{} is a {} code: choose a {} code.",
                c.code,
                c.kind_label(),
                s.label()
            ),
        ),
        _ => {}
    }
    let date = parse_date(&form.date_closed);
    match date {
        None => errors.add(
            "date_closed",
            crate::web::forms::date_refused(&form.date_closed, ""),
        ),
        Some(d) if d > actor.today => {
            errors.add("date_closed", "The date closed cannot be after today.")
        }
        Some(d) if d < o.creation_date => errors.add(
            "date_closed",
            format!(
                "The date closed cannot be before the opportunity was created, {}.",
                crate::web::filters::date_text(o.creation_date)
            ),
        ),
        Some(_) => {}
    }
    // A won deal's final value is what was sold, more than 0 (as Business Central asks); a
    // lost one keeps its last estimate, and the final value is not read.
    let value = match outcome {
        Some(Status::Won) => {
            let typed = form.final_value.trim();
            let value = parse_amount(if typed.is_empty() { "0" } else { typed });
            match &value {
                None => errors.add(
                    "final_value",
                    crate::web::forms::amount_message(
                        typed,
                        format!(
                            "Enter what was sold, more than 0 and below {}, like {}.",
                            crate::web::filters::number(crate::web::forms::AMOUNT_LIMIT),
                            crate::web::forms::amount_example()
                        ),
                    ),
                ),
                Some(v) if v.sign() != bigdecimal::num_bigint::Sign::Plus => errors.add(
                    "final_value",
                    "Enter what was sold: a won deal's final value is more than 0.",
                ),
                Some(_) => {}
            }
            value
        }
        _ => Some(o.estimated_value.clone()),
    };
    let (Some(status), Some(date), Some(value), true) = (outcome, date, value, errors.is_empty())
    else {
        return Ok(Outcome::Invalid(errors));
    };
    // A won deal is certain, a lost one is worth nothing; either is complete, on the day it
    // closed.
    let (chances, probability, current) = match status {
        Status::Won => (BigDecimal::from(100), BigDecimal::from(100), value.clone()),
        _ => (
            BigDecimal::from(0),
            BigDecimal::from(0),
            BigDecimal::from(0),
        ),
    };
    diesel::sql_query(
        "UPDATE opportunities SET status = $2, close_code = $3, date_closed = $4, \
             estimated_value = $5, chances_pct = $6, probability_pct = $7, current_value = $8, \
             completed_pct = 100, estimated_closing_date = $4, version = version + 1 \
         WHERE id = $1",
    )
    .bind::<BigInt, _>(o.id)
    .bind::<Text, _>(status.as_str())
    .bind::<Text, _>(&code)
    .bind::<Date, _>(date)
    .bind::<Numeric, _>(&value)
    .bind::<Numeric, _>(&chances)
    .bind::<Numeric, _>(&probability)
    .bind::<Numeric, _>(&current)
    .execute(conn)?;
    record_entry(
        conn,
        o,
        status.as_str(),
        date,
        actor.user_id,
        actor.user_name,
    )?;
    let shown = format!(
        "Opportunity {} closed as {}.",
        o.no,
        status.label().to_lowercase()
    );
    // The trail says with what (in ISO, as every detail there).
    Ok(Outcome::Done(Said {
        audit: format!(
            "{shown} Close code {code}, current value {}.",
            crate::web::filters::plain_amount(&current)
        ),
        shown,
    }))
}

#[derive(QueryableByName)]
struct OpenNo {
    #[diesel(sql_type = Text)]
    no: String,
}

/// The No. of another open opportunity of `o`'s segment and contact, if there is one.
fn open_of_same_segment_line(
    conn: &mut PgConnection,
    o: &Opportunity,
) -> QueryResult<Option<String>> {
    let Some(segment) = &o.segment_no else {
        return Ok(None);
    };
    diesel::sql_query(
        "SELECT no::text AS no FROM opportunities \
         WHERE segment_no = $1 AND contact_id = $2 AND id <> $3 \
           AND status IN ('not_started', 'in_progress')",
    )
    .bind::<Text, _>(segment)
    .bind::<BigInt, _>(o.contact_id)
    .bind::<BigInt, _>(o.id)
    .get_result::<OpenNo>(conn)
    .optional()
    .map(|r| r.map(|r| r.no))
}

/// What an opportunity had before it was closed: its close entry keeps the chances and the
/// estimated value it had, the entry before that its estimated closing date.
#[derive(QueryableByName)]
struct BeforeClose {
    #[diesel(sql_type = Nullable<Numeric>)]
    chances_pct_before: Option<BigDecimal>,
    #[diesel(sql_type = Nullable<Numeric>)]
    estimated_value_before: Option<BigDecimal>,
    #[diesel(sql_type = Nullable<Date>)]
    closing_before: Option<NaiveDate>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReopenForm {
    #[serde(default)]
    pub version: String,
    /// The card's one-time key ([`crate::db::once`]).
    #[serde(default)]
    pub once: String,
}

/// Reopens a closed opportunity on the stage it was closed on, with the chances it had before
/// it was closed.
pub fn reopen(
    conn: &mut PgConnection,
    o: &Opportunity,
    form: &ReopenForm,
    actor: &Actor<'_>,
) -> QueryResult<Outcome> {
    if stale(o, &form.version) {
        return Ok(Outcome::Stale);
    }
    if !o.status().is_closed() {
        let mut errors = FormErrors::new();
        errors.add("reopen", format!("Opportunity {} is open.", o.no));
        return Ok(Outcome::Invalid(errors));
    }
    // One opportunity of a segment's contact is open at a time (Create Opportunities, run
    // again after this one closed, made another). Before, the database's refusal showed as
    // "changed at the same moment", however often the user tried again.
    if let Some(other) = open_of_same_segment_line(conn, o)? {
        let mut errors = FormErrors::new();
        errors.add(
            "reopen",
            format!(
                "Opportunity {other} is open for {} from segment {}: one opportunity of a \
                 segment's contact is open at a time. Close {other} first to reopen {}.",
                o.contact_no,
                o.segment_no.as_deref().unwrap_or_default(),
                o.no
            ),
        );
        return Ok(Outcome::Invalid(errors));
    }
    let stage = match o.current_stage {
        Some(n) => sales_cycles::stage(conn, &o.sales_cycle_code, n)?,
        None => None,
    };
    // The chances, the estimated value and the estimated closing date it had before it was
    // closed, as the user had set them (else the stage's chances). Before, a reopened deal kept
    // a won deal's final value as its estimate and the day it closed as its closing date.
    let before: Option<BeforeClose> = diesel::sql_query(
        "SELECT k.chances_pct_before, k.estimated_value_before, \
           (SELECT p.estimated_closing_date FROM opportunity_entries p \
            WHERE p.opportunity_id = k.opportunity_id AND p.id < k.id \
            ORDER BY p.id DESC LIMIT 1) AS closing_before \
         FROM opportunity_entries k \
         WHERE k.opportunity_id = $1 AND k.action IN ('won', 'lost') ORDER BY k.id DESC LIMIT 1",
    )
    .bind::<BigInt, _>(o.id)
    .get_result::<BeforeClose>(conn)
    .optional()?;
    let before_close = before.as_ref().and_then(|b| b.chances_pct_before.clone());
    let estimated_value = before
        .as_ref()
        .and_then(|b| b.estimated_value_before.clone())
        .unwrap_or_else(|| o.estimated_value.clone());
    let closing = match &before {
        Some(b) => b.closing_before,
        None => o.estimated_closing_date,
    };
    let (status, chances, completed) = match &stage {
        Some(s) => (
            Status::InProgress,
            before_close.unwrap_or_else(|| s.chances_pct.clone()),
            s.completed_pct.clone(),
        ),
        None => (Status::NotStarted, BigDecimal::from(0), BigDecimal::from(0)),
    };
    let probability = o.calculation().probability(&chances, &completed);
    let current = o
        .calculation()
        .current_value(&estimated_value, &chances, &completed);
    diesel::sql_query(
        "UPDATE opportunities SET status = $2, close_code = NULL, date_closed = NULL, \
             current_stage = $3, chances_pct = $4, completed_pct = $5, probability_pct = $6, \
             current_value = $7, estimated_value = $8, estimated_closing_date = $9, \
             version = version + 1 \
         WHERE id = $1",
    )
    .bind::<BigInt, _>(o.id)
    .bind::<Text, _>(status.as_str())
    .bind::<Nullable<Integer>, _>(stage.as_ref().map(|s| s.stage))
    .bind::<Numeric, _>(&chances)
    .bind::<Numeric, _>(&completed)
    .bind::<Numeric, _>(&probability)
    .bind::<Numeric, _>(&current)
    .bind::<Numeric, _>(&estimated_value)
    .bind::<Nullable<Date>, _>(closing)
    .execute(conn)?;
    record_entry(
        conn,
        o,
        "reopen",
        actor.today,
        actor.user_id,
        actor.user_name,
    )?;
    Ok(Outcome::Done(Said::same(format!(
        "Opportunity {} reopened.",
        o.no
    ))))
}
