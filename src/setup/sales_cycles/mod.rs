//! `/setup/sales-cycles`: the sales cycles that opportunities move through, each with its
//! stages, and `/setup/close-opportunity-codes`, why an opportunity was won or lost.
//!
//! Routes, under `/setup/sales-cycles`:
//!
//! | | |
//! |---|---|
//! | `GET /`, `GET /new`, `POST /` | list, new form, create |
//! | `GET /{code}`, `POST /{code}`, `POST /{code}/delete` | the cycle with its stages; change; delete |
//! | `POST /{code}/stages` | add a stage |
//! | `GET /{code}/stages/{stage}`, `POST …`, `POST …/delete` | a stage; change; delete |
//!
//! The rules of moving through a cycle are in `opportunities::domain::cycle`; these pages keep
//! the data those rules read. Only administrators change them; everyone signed in reads them.

use bigdecimal::BigDecimal;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};
use serde::Deserialize;

use super::registry::{self, Kind, SetupTable};
use super::support::{check_code, check_text, normalize_code, shown, DESCRIPTION_MAX};
use crate::db::schema::{close_opportunity_codes, sales_cycle_stages, sales_cycles};
use crate::web::FormErrors;
use rules::{apply_formula, Calculation};

pub mod close_codes;
pub mod pages;
pub mod rules;

pub(super) fn table() -> &'static SetupTable {
    registry::of_kind(Kind::SalesCycles)
}

// ---------------------------------------------------------------------------------------------
// The model.

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sales_cycles)]
pub struct SalesCycle {
    pub code: String,
    pub description: String,
    pub probability_calculation: String,
    pub blocked: bool,
}

impl SalesCycle {
    pub fn calculation(&self) -> Calculation {
        Calculation::parse(&self.probability_calculation).unwrap_or(Calculation::Multiply)
    }
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sales_cycle_stages, treat_none_as_null = true)]
pub struct Stage {
    pub sales_cycle_code: String,
    pub stage: i32,
    pub description: String,
    pub completed_pct: BigDecimal,
    pub chances_pct: BigDecimal,
    pub template_code: Option<String>,
    pub quote_required: bool,
    pub allow_skip: bool,
    pub date_formula: String,
}

impl Stage {
    /// A percentage as the office writes it: "12.5" or "12,5" in da-DK, as a form reads it
    /// back ("12.50" came back refused there).
    pub fn percent(v: &BigDecimal) -> String {
        let v = v.with_scale_round(2, bigdecimal::RoundingMode::HalfUp);
        let s = v.to_string();
        let s = s.strip_suffix(".00").map(str::to_string).unwrap_or(s);
        if crate::web::locale::current() == crate::config::Locale::DaDk {
            s.replace('.', ",")
        } else {
            s
        }
    }

    pub fn completed_text(&self) -> String {
        Self::percent(&self.completed_pct)
    }

    pub fn chances_text(&self) -> String {
        Self::percent(&self.chances_pct)
    }

    pub fn template_text(&self) -> &str {
        self.template_code.as_deref().unwrap_or("")
    }

    pub fn href(&self) -> String {
        stage_href(&self.sales_cycle_code, self.stage)
    }
}

pub fn cycle_href(code: &str) -> String {
    table().code_href(code)
}

pub fn stage_href(code: &str, stage: i32) -> String {
    format!("{}/stages/{stage}", cycle_href(code))
}

/// A row of the list.
#[derive(Clone, Debug, QueryableByName)]
pub struct CycleRow {
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = Text)]
    pub probability_calculation: String,
    #[diesel(sql_type = Bool)]
    pub blocked: bool,
    #[diesel(sql_type = BigInt)]
    pub stages: i64,
    #[diesel(sql_type = BigInt)]
    pub opportunities: i64,
}

impl CycleRow {
    pub fn calculation_label(&self) -> &'static str {
        Calculation::parse(&self.probability_calculation)
            .unwrap_or(Calculation::Multiply)
            .label()
    }
}

// ---------------------------------------------------------------------------------------------
// Queries.

/// Every sales cycle with its stages and opportunities counted: kept prepared (the
/// opportunities list reads it on every view; parsed and planned, it cost half the page's time
/// in the database).
pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<CycleRow>> {
    crate::db::prepared(
        "SELECT c.code::text AS code, c.description, c.probability_calculation, c.blocked, \
                (SELECT count(*) FROM sales_cycle_stages s WHERE s.sales_cycle_code = c.code) AS stages, \
                (SELECT COALESCE(sum(f.n), 0)::bigint FROM opportunity_figures f \
                   WHERE f.sales_cycle_code = c.code) AS opportunities \
         FROM sales_cycles c ORDER BY c.code",
    )
    .load(conn)
}

pub fn find(conn: &mut PgConnection, code: &str) -> QueryResult<Option<SalesCycle>> {
    sales_cycles::table
        .find(code)
        .select(SalesCycle::as_select())
        .first(conn)
        .optional()
}

pub fn lock(conn: &mut PgConnection, code: &str) -> QueryResult<Option<SalesCycle>> {
    sales_cycles::table
        .find(code)
        .select(SalesCycle::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Holds the cycle (a shared lock, to the end of the transaction) while an opportunity moves
/// on its stages: a stage's deletion, which locks the cycle, waits for the move and then sees
/// the opportunity on it; a move waiting for a deletion sees the stages without it.
pub fn hold(conn: &mut PgConnection, code: &str) -> QueryResult<()> {
    sales_cycles::table
        .find(code)
        .select(sales_cycles::code)
        .for_share()
        .first::<String>(conn)
        .optional()
        .map(drop)
}

/// After cycle `code`'s probability calculation changed to `calculation` (the cycle locked
/// by the caller): each open opportunity of the cycle has its probability and current value
/// figured again by it, as the card then explains them; before, they kept the old method's
/// until their next move. One read and one write, whatever their number. An opportunity being
/// changed at this moment is waited for: its change (an edit, a close, a reopen, a refused
/// one) may figure nothing, and passed over it kept the old calculation's figures for good.
/// The card's changes hold the cycle before they lock the opportunity, so none waits for the
/// cycle while holding an opportunity this waits for. Each one figured again has an entry of
/// its own ('refigured', by `user` on `today`) and a new version (a card shown before is out
/// of date), so that its history still ends at the figures its card shows. How many were
/// figured again.
pub fn refigure_open_opportunities(
    conn: &mut PgConnection,
    code: &str,
    calculation: Calculation,
    user: &crate::auth::CurrentUser,
    today: chrono::NaiveDate,
) -> QueryResult<usize> {
    #[derive(QueryableByName)]
    struct Open {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::Numeric)]
        estimated_value: BigDecimal,
        #[diesel(sql_type = diesel::sql_types::Numeric)]
        chances_pct: BigDecimal,
        #[diesel(sql_type = diesel::sql_types::Numeric)]
        completed_pct: BigDecimal,
    }
    let open: Vec<Open> = diesel::sql_query(
        "SELECT id, estimated_value, chances_pct, completed_pct FROM opportunities \
         WHERE sales_cycle_code = $1 AND status = 'in_progress' FOR UPDATE",
    )
    .bind::<Text, _>(code)
    .load(conn)?;
    if open.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = open.iter().map(|o| o.id).collect();
    let probabilities: Vec<BigDecimal> = open
        .iter()
        .map(|o| calculation.probability(&o.chances_pct, &o.completed_pct))
        .collect();
    let values: Vec<BigDecimal> = open
        .iter()
        .map(|o| calculation.current_value(&o.estimated_value, &o.chances_pct, &o.completed_pct))
        .collect();
    use diesel::sql_types::{Array, Numeric};
    diesel::sql_query(
        "WITH changed AS ( \
           UPDATE opportunities o SET probability_pct = n.probability, current_value = n.value, \
                  version = o.version + 1 \
           FROM unnest($1::bigint[], $2::numeric[], $3::numeric[]) AS n(id, probability, value) \
           WHERE o.id = n.id AND (o.probability_pct, o.current_value) <> (n.probability, n.value) \
           RETURNING o.*) \
         INSERT INTO opportunity_entries (opportunity_id, action, date, stage_before, stage_after, \
             status_before, status_after, estimated_value_before, estimated_value, \
             chances_pct_before, chances_pct, completed_pct, probability_pct, current_value, \
             estimated_closing_date, close_code, quote_reference, user_id, user_name) \
         SELECT id, 'refigured', $4, current_stage, current_stage, status, status, \
                estimated_value, estimated_value, chances_pct, chances_pct, completed_pct, \
                probability_pct, current_value, estimated_closing_date, close_code, \
                quote_reference, $5, $6 \
         FROM changed",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Numeric>, _>(&probabilities)
    .bind::<Array<Numeric>, _>(&values)
    .bind::<diesel::sql_types::Date, _>(today)
    .bind::<BigInt, _>(user.id)
    .bind::<Text, _>(&user.display_name)
    .execute(conn)
}

/// Holds a close code (a shared lock) while an opportunity closes with it: a change of its
/// kind waits, and then counts the opportunity; a close waiting for one sees the new kind.
pub fn hold_close_code(conn: &mut PgConnection, code: &str) -> QueryResult<()> {
    close_opportunity_codes::table
        .find(code)
        .select(close_opportunity_codes::code)
        .for_share()
        .first::<String>(conn)
        .optional()
        .map(drop)
}

/// The cycles an opportunity can be given: not blocked.
pub fn open_cycles(conn: &mut PgConnection) -> QueryResult<Vec<SalesCycle>> {
    sales_cycles::table
        .filter(sales_cycles::blocked.eq(false))
        .select(SalesCycle::as_select())
        .order(sales_cycles::code)
        .load(conn)
}

pub fn stages(conn: &mut PgConnection, code: &str) -> QueryResult<Vec<Stage>> {
    sales_cycle_stages::table
        .filter(sales_cycle_stages::sales_cycle_code.eq(code))
        .select(Stage::as_select())
        .order(sales_cycle_stages::stage)
        .load(conn)
}

pub fn stage(conn: &mut PgConnection, code: &str, stage: i32) -> QueryResult<Option<Stage>> {
    sales_cycle_stages::table
        .find((code, stage))
        .select(Stage::as_select())
        .first(conn)
        .optional()
}

/// The opportunities of a cycle (or of one `stage` of it): open ones, and all of them with
/// those closed on it (which keep it, so it cannot be deleted).
#[derive(Clone, Copy, Debug, Default, QueryableByName)]
pub struct Using {
    #[diesel(sql_type = BigInt)]
    pub open: i64,
    #[diesel(sql_type = BigInt)]
    pub all: i64,
}

impl Using {
    pub fn closed(&self) -> i64 {
        self.all - self.open
    }
}

/// How many opportunities use the cycle, and how many are on `stage` (when given), from the
/// figures kept per group (`opportunity_figures`).
pub fn opportunities_on(
    conn: &mut PgConnection,
    code: &str,
    stage: Option<i32>,
) -> QueryResult<Using> {
    diesel::sql_query(
        "SELECT COALESCE(sum(n) FILTER (WHERE status IN ('not_started', 'in_progress')), 0)::bigint \
                AS open, COALESCE(sum(n), 0)::bigint AS all \
         FROM opportunity_figures WHERE sales_cycle_code = $1 AND ($2::int IS NULL OR stage = $2)",
    )
    .bind::<Text, _>(code)
    .bind::<Nullable<Integer>, _>(stage)
    .get_result(conn)
}

pub fn template_codes(conn: &mut PgConnection) -> QueryResult<Vec<(String, String)>> {
    crate::db::schema::interaction_templates::table
        .select((
            crate::db::schema::interaction_templates::code,
            crate::db::schema::interaction_templates::description,
        ))
        .order(crate::db::schema::interaction_templates::code)
        .load(conn)
}

pub fn close_codes(conn: &mut PgConnection) -> QueryResult<Vec<close_codes::CloseCode>> {
    close_opportunity_codes::table
        .select(close_codes::CloseCode::as_select())
        .order(close_opportunity_codes::code)
        .load(conn)
}

// ---------------------------------------------------------------------------------------------
// Forms.

/// The cycle's form: its code only when it is created.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CycleForm {
    #[serde(default)]
    pub code: String,
    /// `cycle_description` on the cycle's card, beside a stage's own description.
    #[serde(default, alias = "cycle_description")]
    pub description: String,
    #[serde(default)]
    pub probability_calculation: String,
    #[serde(default)]
    pub blocked: Option<String>,
    /// The row as the form showed it ([`super::support::shown`]).
    #[serde(default)]
    pub shown: String,
}

impl CycleForm {
    pub fn from_cycle(c: &SalesCycle) -> Self {
        CycleForm {
            code: c.code.clone(),
            description: c.description.clone(),
            probability_calculation: c.probability_calculation.clone(),
            blocked: c.blocked.then(|| "yes".into()),
            shown: shown(c),
        }
    }

    pub fn is_blocked(&self) -> bool {
        self.blocked.is_some()
    }

    pub fn calculation_pairs(&self) -> Vec<(&'static str, String)> {
        Calculation::ALL
            .iter()
            .map(|c| (c.as_str(), format!("{}: {}", c.label(), c.explanation())))
            .collect()
    }

    /// Checks every field; the values to write, or the errors next to the fields.
    pub fn validate(&self) -> Result<SalesCycle, FormErrors> {
        let mut errors = FormErrors::new();
        let code = normalize_code(&self.code);
        check_code(&mut errors, "code", &code);
        let description = self.description.trim().to_string();
        check_text(
            &mut errors,
            "description",
            &description,
            DESCRIPTION_MAX,
            Some("Enter a description, e.g. New business."),
        );
        let calc = Calculation::parse(self.probability_calculation.trim());
        if calc.is_none() {
            errors.add(
                "probability_calculation",
                "Choose how the probability is calculated.",
            );
        }
        match (errors.is_empty(), calc) {
            (true, Some(calc)) => Ok(SalesCycle {
                code,
                description,
                probability_calculation: calc.as_str().into(),
                blocked: self.is_blocked(),
            }),
            _ => Err(errors),
        }
    }
}

/// A stage's form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct StageForm {
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub completed_pct: String,
    #[serde(default)]
    pub chances_pct: String,
    #[serde(default)]
    pub template_code: String,
    #[serde(default)]
    pub quote_required: Option<String>,
    #[serde(default)]
    pub allow_skip: Option<String>,
    #[serde(default)]
    pub date_formula: String,
    /// The stage as the form showed it ([`super::support::shown`]; empty for a new one).
    #[serde(default)]
    pub shown: String,
}

/// A percentage typed in a form: 0 to 100, written as the office writes numbers ("12.5", or
/// "12,5" in da-DK), a trailing `%` allowed.
/// Why `typed` is not a percentage: a decimal mark of the other convention or an ambiguous
/// one said as for amounts ("Write the decimals after a comma: 12,5."), else the range with
/// `example`.
pub fn percent_refused(typed: &str, example: &str) -> String {
    use crate::web::forms::{past_cents, plain_amount, AmountProblem};
    let t = typed.trim().trim_end_matches('%').trim();
    let range = format!("Enter a percentage from 0 to 100, like {example}");
    match plain_amount(t) {
        // "1,500" or "99,9999": no percentage is 1500, and an amount's question ("meant as
        // 1500?") led to a value refused as over 100.
        Err(AmountProblem::ThreeDecimals) => {
            format!("{range}, with at most two decimals: {t} has three.")
        }
        Ok(plain) if plain.split_once('.').is_some_and(|(_, d)| past_cents(d)) => {
            format!("{range}, with at most two decimals: {t} has more.")
        }
        _ => crate::web::forms::amount_message(t, format!("{range}.")),
    }
}

pub fn parse_percent(typed: &str) -> Option<BigDecimal> {
    let t = typed.trim().trim_end_matches('%').trim();
    let t = if t.is_empty() { "0" } else { t };
    let v = super::support::parse_amount(t)?;
    (v <= 100).then_some(v)
}

impl StageForm {
    pub fn from_stage(s: &Stage) -> Self {
        StageForm {
            stage: s.stage.to_string(),
            description: s.description.clone(),
            completed_pct: s.completed_text(),
            chances_pct: s.chances_text(),
            template_code: s.template_code.clone().unwrap_or_default(),
            quote_required: s.quote_required.then(|| "yes".into()),
            allow_skip: s.allow_skip.then(|| "yes".into()),
            date_formula: s.date_formula.clone(),
            shown: shown(s),
        }
    }

    /// A new stage: the number after the last one.
    pub fn next_after(stages: &[Stage]) -> Self {
        StageForm {
            stage: (stages.iter().map(|s| s.stage).max().unwrap_or(0) + 1).to_string(),
            ..Default::default()
        }
    }

    /// Checks every field; `templates` are the interaction template codes that exist.
    pub fn validate(&self, cycle: &str, templates: &[String]) -> Result<Stage, FormErrors> {
        let mut errors = FormErrors::new();
        let stage = self
            .stage
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=999).contains(n));
        if stage.is_none() {
            errors.add("stage", "Enter a stage number from 1 to 999.");
        }
        let description = self.description.trim().to_string();
        check_text(
            &mut errors,
            "description",
            &description,
            DESCRIPTION_MAX,
            Some("Enter a description, e.g. Initial contact."),
        );
        let completed = parse_percent(&self.completed_pct);
        if completed.is_none() {
            errors.add("completed_pct", percent_refused(&self.completed_pct, "25"));
        }
        let chances = parse_percent(&self.chances_pct);
        if chances.is_none() {
            errors.add("chances_pct", percent_refused(&self.chances_pct, "50"));
        }
        let template = normalize_code(&self.template_code);
        if !template.is_empty() && !templates.contains(&template) {
            errors.add(
                "template_code",
                format!("{template} is not an interaction template."),
            );
        }
        const FORMULA_HELP: &str = "Write it like +2W, +10D, +1M or +1M+5D (days, weeks, months, \
             quarters, years), or leave it empty.";
        let formula = self.date_formula.trim().to_uppercase();
        let some_day = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default();
        // From any day of the move: a formula such as +1M-31D is ahead from 1 January and
        // behind from 31 March (+1M gives 30 April), and a month's length decides it. Two
        // years, a leap year among them, hold every case.
        let goes_back = some_day
            .iter_days()
            .take(731)
            .any(|day| matches!(apply_formula(&formula, day), Some(Some(d)) if d < day));
        match apply_formula(&formula, some_day) {
            _ if formula.chars().count() > 20 => errors.add(
                "date_formula",
                format!(
                    "Use at most 20 characters; this formula has {} (+10D is as far as \
                     +1D+1D+1D+1D+1D+1D+1D+1D+1D+1D).",
                    formula.chars().count()
                ),
            ),
            // Written as a formula, with numbers too large: said (it was told to "write it
            // like +2W").
            None => errors.add(
                "date_formula",
                rules::formula_too_far(&formula).unwrap_or(FORMULA_HELP),
            ),
            // It suggests a closing date from the day of the move, which cannot be in the past.
            Some(Some(_)) if goes_back => errors.add(
                "date_formula",
                format!(
                    "{formula} goes back from the day of the move: a closing date lies ahead, \
                     like +2W."
                ),
            ),
            Some(_) => {}
        }
        match (errors.is_empty(), stage, completed, chances) {
            (true, Some(stage), Some(completed_pct), Some(chances_pct)) => Ok(Stage {
                sales_cycle_code: cycle.to_string(),
                stage,
                description,
                completed_pct,
                chances_pct,
                template_code: (!template.is_empty()).then_some(template),
                quote_required: self.quote_required.is_some(),
                allow_skip: self.allow_skip.is_some(),
                date_formula: formula,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn percentages_are_0_to_100() {
        let d = |s| BigDecimal::from_str(s).unwrap();
        assert_eq!(parse_percent("25"), Some(d("25.00")));
        assert_eq!(parse_percent("12.5"), Some(d("12.50")));
        assert_eq!(parse_percent(" 40 % "), Some(d("40.00")));
        assert_eq!(parse_percent(""), Some(d("0.00")));
        assert_eq!(parse_percent("100"), Some(d("100.00")));
        assert_eq!(parse_percent("100.01"), None);
        assert_eq!(parse_percent("-1"), None);
        assert_eq!(parse_percent("abc"), None);
        // Past two decimals: refused, not rounded (to 100, to 0), and said so.
        assert_eq!(parse_percent("99.9999"), None);
        assert_eq!(parse_percent("0.004"), None);
        assert_eq!(
            percent_refused("99.9999", "25"),
            "Enter a percentage from 0 to 100, like 25, with at most two decimals: 99.9999 has more."
        );
        assert_eq!(
            percent_refused("1.500", "25"),
            "Enter a percentage from 0 to 100, like 25, with at most two decimals: 1.500 has three."
        );
    }

    #[test]
    fn a_stage_form_lists_every_problem_at_once() {
        let form = StageForm {
            stage: "0".into(),
            description: "".into(),
            completed_pct: "101".into(),
            chances_pct: "x".into(),
            template_code: "nope".into(),
            date_formula: "+2X".into(),
            ..Default::default()
        };
        let errors = form.validate("NEW", &["CALL".into()]).unwrap_err();
        for field in [
            "stage",
            "description",
            "completed_pct",
            "chances_pct",
            "template_code",
            "date_formula",
        ] {
            assert!(errors.has(field), "{field}");
        }
        let ok = StageForm {
            stage: "2".into(),
            description: "Proposal".into(),
            completed_pct: "50".into(),
            chances_pct: "40".into(),
            template_code: "call".into(),
            quote_required: Some("yes".into()),
            date_formula: "+2w".into(),
            ..Default::default()
        }
        .validate("NEW", &["CALL".into()])
        .unwrap();
        assert_eq!(ok.template_code.as_deref(), Some("CALL"));
        assert_eq!(ok.date_formula, "+2W");
        assert!(ok.quote_required && !ok.allow_skip);
        // Too long is said so, not as if it were written wrong.
        let long = StageForm {
            stage: "3".into(),
            description: "Long".into(),
            completed_pct: "50".into(),
            chances_pct: "40".into(),
            date_formula: "+1D+1D+1D+1D+1D+1D+1D".into(),
            ..Default::default()
        }
        .validate("NEW", &[])
        .unwrap_err();
        assert!(long
            .get("date_formula")
            .is_some_and(|m| m.starts_with("Use at most 20 characters; this formula has 21")));
    }
}
