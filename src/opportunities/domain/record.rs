//! An opportunity: its status and priority, reading one with its contact, company and stage,
//! creating one from a form, and its entries (the immutable history every change writes).

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Numeric, Text, Timestamptz};
use serde::Deserialize;

use crate::setup::number_series;
use crate::setup::sales_cycles::rules::{apply_formula, current_value, Calculation};
use crate::setup::sales_cycles::{self, SalesCycle};
use crate::setup::support::parse_amount;
use crate::web::FormErrors;

/// Where an opportunity stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    NotStarted,
    InProgress,
    Won,
    Lost,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::NotStarted,
        Status::InProgress,
        Status::Won,
        Status::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::InProgress => "in_progress",
            Status::Won => "won",
            Status::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::NotStarted => "Not Started",
            Status::InProgress => "In Progress",
            Status::Won => "Won",
            Status::Lost => "Lost",
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Status::Won | Status::Lost)
    }
}

/// Low, normal or high.
pub const PRIORITIES: [(&str, &str); 3] = [("low", "Low"), ("normal", "Normal"), ("high", "High")];

pub fn priority_label(p: &str) -> &'static str {
    PRIORITIES
        .iter()
        .find(|(v, _)| *v == p)
        .map_or("Normal", |(_, l)| l)
}

/// Money as the office writes it (`RAPPORT_LOCALE`): "12,345.50", "12.345,50".
pub fn money(v: &BigDecimal) -> String {
    crate::web::filters::amount(v)
}

/// A percentage without trailing zeros, with the office's decimal mark: "25", "12.5" ("12,5").
pub fn percent(v: &BigDecimal) -> String {
    let s = v
        .with_scale_round(2, bigdecimal::RoundingMode::HalfUp)
        .to_string();
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    match crate::web::locale::current() {
        crate::config::Locale::DaDk => s.replace('.', ","),
        _ => s,
    }
}

/// A date as the office writes it, for display ("" for none).
pub fn date_shown(d: &Option<NaiveDate>) -> String {
    d.map(crate::web::filters::date_text).unwrap_or_default()
}

/// A date as a form's date field holds it (ISO, whatever the office writes).
pub fn date_text(d: &Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// An opportunity as its card shows it: with its contact, company, cycle and stage.
#[derive(Clone, Debug, QueryableByName)]
pub struct Opportunity {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub no: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = BigInt)]
    pub contact_id: i64,
    #[diesel(sql_type = Text)]
    pub contact_no: String,
    #[diesel(sql_type = Text)]
    pub contact_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub company_no: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub company_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub salesperson_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub salesperson_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub campaign_no: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub segment_no: Option<String>,
    /// Whether the segment it came from is still there (a deleted one keeps its No. here).
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub segment_exists: bool,
    #[diesel(sql_type = Text)]
    pub sales_cycle_code: String,
    #[diesel(sql_type = Text)]
    pub probability_calculation: String,
    #[diesel(sql_type = Text)]
    pub priority: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Integer>)]
    pub current_stage: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub stage_description: Option<String>,
    #[diesel(sql_type = Numeric)]
    pub estimated_value: BigDecimal,
    #[diesel(sql_type = Numeric)]
    pub chances_pct: BigDecimal,
    #[diesel(sql_type = Numeric)]
    pub completed_pct: BigDecimal,
    #[diesel(sql_type = Numeric)]
    pub probability_pct: BigDecimal,
    #[diesel(sql_type = Numeric)]
    pub current_value: BigDecimal,
    #[diesel(sql_type = Nullable<Date>)]
    pub estimated_closing_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub date_closed: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    pub close_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub close_description: Option<String>,
    #[diesel(sql_type = Text)]
    pub quote_reference: String,
    #[diesel(sql_type = Date)]
    pub creation_date: NaiveDate,
    #[diesel(sql_type = Integer)]
    pub version: i32,
}

impl Opportunity {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::NotStarted)
    }

    pub fn status_label(&self) -> &'static str {
        self.status().label()
    }

    pub fn priority_label(&self) -> &'static str {
        priority_label(&self.priority)
    }

    pub fn calculation(&self) -> Calculation {
        Calculation::parse(&self.probability_calculation).unwrap_or(Calculation::Multiply)
    }

    pub fn stage_text(&self) -> String {
        match (self.current_stage, &self.stage_description) {
            (Some(n), Some(d)) => format!("{n} – {d}"),
            (Some(n), None) => n.to_string(),
            _ => "Not started".into(),
        }
    }

    pub fn href(&self) -> String {
        format!("/opportunities/{}", self.no)
    }
}

const SELECT: &str = "SELECT o.id, o.no::text AS no, o.description, o.contact_id, \
        c.no::text AS contact_no, c.name AS contact_name, \
        co.no::text AS company_no, co.name AS company_name, \
        o.salesperson_code::text AS salesperson_code, sp.name AS salesperson_name, \
        o.campaign_no::text AS campaign_no, o.segment_no::text AS segment_no, \
        EXISTS (SELECT 1 FROM segments sg WHERE sg.no = o.segment_no) AS segment_exists, \
        o.sales_cycle_code::text AS sales_cycle_code, sc.probability_calculation, \
        o.priority, o.status, o.current_stage, st.description AS stage_description, \
        o.estimated_value, o.chances_pct, o.completed_pct, o.probability_pct, o.current_value, \
        o.estimated_closing_date, o.date_closed, o.close_code::text AS close_code, \
        cc.description AS close_description, o.quote_reference, o.creation_date, o.version \
     FROM opportunities o \
     JOIN contacts c ON c.id = o.contact_id \
     LEFT JOIN contacts co ON co.id = o.company_id \
     LEFT JOIN salespeople sp ON sp.code = o.salesperson_code \
     JOIN sales_cycles sc ON sc.code = o.sales_cycle_code \
     LEFT JOIN sales_cycle_stages st ON st.sales_cycle_code = o.sales_cycle_code AND st.stage = o.current_stage \
     LEFT JOIN close_opportunity_codes cc ON cc.code = o.close_code ";

pub fn find(conn: &mut PgConnection, no: &str) -> QueryResult<Option<Opportunity>> {
    // In any case, as contacts and segments are found: `/opportunities/op000001` too.
    diesel::sql_query(format!("{SELECT} WHERE o.no = $1"))
        .bind::<Text, _>(no.trim().to_uppercase())
        .get_result(conn)
        .optional()
}

/// The opportunity, its row locked until the transaction ends: changes to it happen one at a
/// time.
pub fn lock(conn: &mut PgConnection, no: &str) -> QueryResult<Option<Opportunity>> {
    diesel::sql_query(format!("{SELECT} WHERE o.no = $1 FOR UPDATE OF o"))
        .bind::<Text, _>(no.trim().to_uppercase())
        .get_result(conn)
        .optional()
}

/// The open opportunities of a contact (for its card), newest first.
pub fn of_contact(conn: &mut PgConnection, contact_id: i64) -> QueryResult<Vec<Opportunity>> {
    diesel::sql_query(format!(
        "{SELECT} WHERE o.contact_id = $1 ORDER BY o.id DESC LIMIT 20"
    ))
    .bind::<BigInt, _>(contact_id)
    .load(conn)
}

// ---------------------------------------------------------------------------------------------
// Entries.

/// One line of an opportunity's history.
#[derive(Clone, Debug, QueryableByName)]
pub struct EntryRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = Nullable<Integer>)]
    pub stage_before: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub stage_after: Option<i32>,
    #[diesel(sql_type = Text)]
    pub status_after: String,
    #[diesel(sql_type = Nullable<Numeric>)]
    pub estimated_value_before: Option<BigDecimal>,
    #[diesel(sql_type = Numeric)]
    pub estimated_value: BigDecimal,
    #[diesel(sql_type = Numeric)]
    pub chances_pct: BigDecimal,
    #[diesel(sql_type = Numeric)]
    pub probability_pct: BigDecimal,
    #[diesel(sql_type = Numeric)]
    pub current_value: BigDecimal,
    #[diesel(sql_type = Nullable<Text>)]
    pub close_code: Option<String>,
    #[diesel(sql_type = Text)]
    pub quote_reference: String,
    #[diesel(sql_type = Text)]
    pub user_name: String,
    #[diesel(sql_type = Timestamptz)]
    pub at: chrono::DateTime<chrono::Utc>,
}

impl EntryRow {
    pub fn action_label(&self) -> &'static str {
        match self.action.as_str() {
            "created" => "Created",
            "first" => "First stage",
            "next" => "Next stage",
            "previous" => "Previous stage",
            "skip" => "Skipped ahead",
            "jump" => "Jumped back",
            "update" => "Estimates updated",
            "won" => "Closed as won",
            "lost" => "Closed as lost",
            "reopen" => "Reopened",
            "refigured" => "Figured again (the cycle's calculation changed)",
            _ => "Changed",
        }
    }

    pub fn stages_text(&self) -> String {
        let s = |n: Option<i32>| n.map_or("–".to_string(), |n| n.to_string());
        if self.stage_before == self.stage_after {
            s(self.stage_after)
        } else {
            format!("{} → {}", s(self.stage_before), s(self.stage_after))
        }
    }

    pub fn value_text(&self) -> String {
        match &self.estimated_value_before {
            Some(b) if *b != self.estimated_value => {
                format!("{} → {}", money(b), money(&self.estimated_value))
            }
            _ => money(&self.estimated_value),
        }
    }

    pub fn status_label(&self) -> &'static str {
        Status::parse(&self.status_after).map_or("", Status::label)
    }
}

pub fn entries(conn: &mut PgConnection, opportunity_id: i64) -> QueryResult<Vec<EntryRow>> {
    diesel::sql_query(
        "SELECT id, action, date, stage_before, stage_after, status_after, \
                estimated_value_before, estimated_value, chances_pct, probability_pct, \
                current_value, close_code, quote_reference, user_name, at \
         FROM opportunity_entries WHERE opportunity_id = $1 ORDER BY id DESC",
    )
    .bind::<BigInt, _>(opportunity_id)
    .load(conn)
}

/// Why the opportunity cannot be deleted, if it cannot: one In Progress is active, as
/// Business Central says ("You cannot delete this opportunity while it is active."). One not
/// started (made by mistake, or by Create Opportunities on the wrong segment) or closed can.
pub fn delete_refusal(o: &Opportunity) -> Option<String> {
    (o.status() == Status::InProgress).then(|| {
        format!(
            "Opportunity {} cannot be deleted while it is active (In Progress): close it as won or lost first.",
            o.no
        )
    })
}

/// Deletes the opportunity; its entries go with it (the database deletes them, as Business
/// Central does). Returns how many entries went. Call with the opportunity locked
/// ([`lock`]) and [`delete_refusal`] checked.
pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    use crate::db::schema::{opportunities, opportunity_entries};
    let entries: i64 = opportunity_entries::table
        .filter(opportunity_entries::opportunity_id.eq(id))
        .count()
        .get_result(conn)?;
    diesel::delete(opportunities::table.find(id)).execute(conn)?;
    Ok(entries as usize)
}

/// What every change writes to the history: the opportunity as it is after the change (read
/// from its row), beside the values it had before. One statement.
pub fn record_entry(
    conn: &mut PgConnection,
    before: &Opportunity,
    action: &str,
    today: NaiveDate,
    user_id: i64,
    user_name: &str,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO opportunity_entries (opportunity_id, action, date, stage_before, stage_after, \
             status_before, status_after, estimated_value_before, estimated_value, \
             chances_pct_before, chances_pct, completed_pct, probability_pct, current_value, \
             estimated_closing_date, close_code, quote_reference, user_id, user_name) \
         SELECT o.id, $2, $3, $4, o.current_stage, $5, o.status, $6, o.estimated_value, $7, \
                o.chances_pct, o.completed_pct, o.probability_pct, o.current_value, \
                o.estimated_closing_date, o.close_code, o.quote_reference, $8, $9 \
         FROM opportunities o WHERE o.id = $1",
    )
    .bind::<BigInt, _>(before.id)
    .bind::<Text, _>(action)
    .bind::<Date, _>(today)
    .bind::<Nullable<Integer>, _>(before.current_stage)
    .bind::<Text, _>(&before.status)
    .bind::<Numeric, _>(&before.estimated_value)
    .bind::<Numeric, _>(&before.chances_pct)
    .bind::<BigInt, _>(user_id)
    .bind::<Text, _>(user_name)
    .execute(conn)
    .map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// A new opportunity.

/// The new-opportunity form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub contact_no: String,
    #[serde(default)]
    pub salesperson_code: String,
    #[serde(default)]
    pub campaign_no: String,
    #[serde(default)]
    pub sales_cycle_code: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub estimated_value: String,
    #[serde(default)]
    pub estimated_closing_date: String,
    /// The contact whose card the form was opened from ("New opportunity" there): Cancel
    /// leads back to it.
    #[serde(default)]
    pub from_contact: String,
    /// The form's one-time key (hidden): the same form sent twice creates one opportunity.
    #[serde(default)]
    pub once: String,
}

/// Checked values of a new opportunity.
#[derive(Clone, Debug)]
pub struct NewValues {
    pub description: String,
    pub contact_id: i64,
    pub salesperson_code: Option<String>,
    pub campaign_no: Option<String>,
    pub sales_cycle: SalesCycle,
    pub priority: String,
    pub estimated_value: BigDecimal,
    pub estimated_closing_date: Option<NaiveDate>,
    /// The form's one-time key, when it has a good one.
    pub form_key: Option<String>,
}

/// An opportunity's description: needed, at most 100 characters.
pub(super) fn check_description(errors: &mut FormErrors, description: &str) {
    crate::web::forms::check_text(
        errors,
        "description",
        description,
        100,
        Some("Enter a description, e.g. Office chairs for 40 desks."),
    );
}

/// An opportunity's campaign (`no`, empty for none) exists, and its starting and ending dates
/// take the opportunity's creation date `created`, as Business Central checks
/// (Opportunity.CheckCampaign): an opportunity of a campaign that ended long ago credited the
/// pipeline's "by campaign" to it. A campaign the opportunity has already (`kept`) may stay,
/// its dates changed since or not.
pub(super) fn check_campaign(
    conn: &mut PgConnection,
    errors: &mut FormErrors,
    no: &str,
    created: NaiveDate,
    kept: Option<&str>,
) -> QueryResult<()> {
    if no.is_empty() {
        return Ok(());
    }
    let Some(campaign) = crate::campaigns::domain::find_by_no(conn, no)? else {
        errors.add("campaign_no", format!("There is no campaign {no}."));
        return Ok(());
    };
    if kept == Some(no) {
        return Ok(());
    }
    if let Some(why) = not_running(&campaign, created) {
        errors.add(
            "campaign_no",
            format!(
                "{why}: an opportunity created on {} cannot be of it. Choose a campaign \
                 running then, or none.",
                crate::web::filters::date_text(created)
            ),
        );
    }
    Ok(())
}

/// "Campaign CP0001 ended on 31-10-2026" when `campaign`'s dates do not take an opportunity
/// created on `created`; `None` when they do.
pub fn not_running(
    campaign: &crate::campaigns::domain::Campaign,
    created: NaiveDate,
) -> Option<String> {
    let date = crate::web::filters::date_text;
    let why = match (campaign.starting_date, campaign.ending_date) {
        (Some(start), _) if created < start => format!("starts on {}", date(start)),
        (_, Some(end)) if created > end => format!("ended on {}", date(end)),
        _ => return None,
    };
    Some(format!("Campaign {} {why}", campaign.no))
}

/// As Business Central (Opportunity.CheckStatus), an opportunity is followed by a
/// salesperson; as Log Segment and a single interaction, it takes no blocked one, but one it
/// has (`kept`) may stay.
pub(super) fn check_salesperson(
    conn: &mut PgConnection,
    errors: &mut FormErrors,
    code: &str,
    kept: Option<&str>,
) -> QueryResult<()> {
    if code.is_empty() {
        errors.add(
            "salesperson_code",
            "Choose the salesperson who follows the opportunity.",
        );
    }
    crate::setup::salespeople::check_chosen(conn, errors, "salesperson_code", code, kept)
}

fn exists(conn: &mut PgConnection, sql: &str, value: &str) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let found: Option<Id> = diesel::sql_query(sql)
        .bind::<Text, _>(value)
        .get_result(conn)
        .optional()?;
    Ok(found.map(|f| f.id))
}

/// A date as the office writes it, or as a date field sends it (`web::forms::date`).
pub fn parse_date(typed: &str) -> Option<NaiveDate> {
    crate::web::forms::date(typed.trim())
}

impl NewForm {
    pub fn normalised(mut self) -> Self {
        for f in [
            &mut self.description,
            &mut self.estimated_value,
            &mut self.estimated_closing_date,
            &mut self.priority,
        ] {
            *f = f.trim().to_string();
        }
        for f in [
            &mut self.contact_no,
            &mut self.salesperson_code,
            &mut self.campaign_no,
            &mut self.sales_cycle_code,
            &mut self.from_contact,
        ] {
            *f = f.trim().to_uppercase();
        }
        if self.priority.is_empty() {
            self.priority = "normal".into();
        }
        self
    }

    /// Checks every field at once; the codes against the database.
    pub fn validate(
        &self,
        conn: &mut PgConnection,
        today: NaiveDate,
    ) -> QueryResult<Result<NewValues, FormErrors>> {
        let mut errors = FormErrors::new();
        check_description(&mut errors, &self.description);
        let contact = if self.contact_no.is_empty() {
            errors.add("contact_no", "Enter the contact's number, e.g. CT000012.");
            None
        } else {
            let id = exists(
                conn,
                "SELECT id FROM contacts WHERE no = $1",
                &self.contact_no,
            )?;
            if id.is_none() {
                errors.add(
                    "contact_no",
                    format!("There is no contact {}.", self.contact_no),
                );
            } else if exists(
                conn,
                "SELECT id FROM contacts WHERE no = $1 AND privacy_blocked",
                &self.contact_no,
            )?
            .is_some()
            {
                // As Business Central checks the contact of a new opportunity; and as no
                // interaction is logged with a privacy blocked contact.
                errors.add(
                    "contact_no",
                    format!(
                        "Contact {} is privacy blocked: no opportunity is made for it.",
                        self.contact_no
                    ),
                );
            }
            id
        };
        check_salesperson(conn, &mut errors, &self.salesperson_code, None)?;
        check_campaign(conn, &mut errors, &self.campaign_no, today, None)?;
        let cycle = sales_cycles::find(conn, &self.sales_cycle_code)?;
        match &cycle {
            None => errors.add("sales_cycle_code", "Choose a sales cycle."),
            Some(c) if c.blocked => errors.add(
                "sales_cycle_code",
                format!("Sales cycle {} is blocked: choose another.", c.code),
            ),
            Some(_) => {}
        }
        if !PRIORITIES.iter().any(|(p, _)| *p == self.priority) {
            errors.add("priority", "Choose Low, Normal or High.");
        }
        let value = parse_amount(if self.estimated_value.is_empty() {
            "0"
        } else {
            &self.estimated_value
        });
        if value.is_none() {
            errors.add(
                "estimated_value",
                crate::web::forms::amount_refused(&self.estimated_value, false),
            );
        }
        let closing = if self.estimated_closing_date.is_empty() {
            None
        } else {
            let d = parse_date(&self.estimated_closing_date);
            match d {
                None => errors.add(
                    "estimated_closing_date",
                    crate::web::forms::date_refused(
                        &self.estimated_closing_date,
                        ", or leave it empty",
                    ),
                ),
                Some(d) if d < today => errors.add(
                    "estimated_closing_date",
                    "The estimated closing date cannot be before today, the opportunity's \
                     creation date.",
                ),
                Some(_) => {}
            }
            d
        };
        match (errors.is_empty(), contact, cycle, value) {
            (true, Some(contact_id), Some(sales_cycle), Some(estimated_value)) => {
                Ok(Ok(NewValues {
                    description: self.description.clone(),
                    contact_id,
                    salesperson_code: (!self.salesperson_code.is_empty())
                        .then(|| self.salesperson_code.clone()),
                    campaign_no: (!self.campaign_no.is_empty()).then(|| self.campaign_no.clone()),
                    sales_cycle,
                    priority: self.priority.clone(),
                    estimated_value,
                    estimated_closing_date: closing,
                    form_key: crate::db::once::key(&self.once),
                }))
            }
            _ => Ok(Err(errors)),
        }
    }
}

/// Creates the opportunity (Not Started) with its first entry; its number.
pub fn create(
    conn: &mut PgConnection,
    v: &NewValues,
    today: NaiveDate,
    user_id: i64,
    user_name: &str,
) -> QueryResult<String> {
    let no = number_series::next(conn, number_series::OPPORTUNITIES)?;
    let zero = BigDecimal::from(0);
    diesel::sql_query(
        "INSERT INTO opportunities (no, description, contact_id, company_id, salesperson_code, \
             campaign_no, sales_cycle_code, priority, estimated_value, estimated_closing_date, \
             creation_date, form_key) \
         SELECT $1, $2, c.id, c.company_key, $4, $5, $6, $7, $8, $9, $10, $11 \
         FROM contacts c WHERE c.id = $3",
    )
    .bind::<Text, _>(&no)
    .bind::<Text, _>(&v.description)
    .bind::<BigInt, _>(v.contact_id)
    .bind::<Nullable<Text>, _>(&v.salesperson_code)
    .bind::<Nullable<Text>, _>(&v.campaign_no)
    .bind::<Text, _>(&v.sales_cycle.code)
    .bind::<Text, _>(&v.priority)
    .bind::<Numeric, _>(&v.estimated_value)
    .bind::<Nullable<Date>, _>(v.estimated_closing_date)
    .bind::<Date, _>(today)
    .bind::<Nullable<Text>, _>(&v.form_key)
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO opportunity_entries (opportunity_id, action, date, stage_after, status_after, \
             estimated_value, chances_pct, completed_pct, probability_pct, current_value, \
             estimated_closing_date, user_id, user_name) \
         SELECT o.id, 'created', $2, NULL, o.status, o.estimated_value, $3, $3, $3, $3, \
                o.estimated_closing_date, $4, $5 \
         FROM opportunities o WHERE o.no = $1",
    )
    .bind::<Text, _>(&no)
    .bind::<Date, _>(today)
    .bind::<Numeric, _>(&zero)
    .bind::<BigInt, _>(user_id)
    .bind::<Text, _>(user_name)
    .execute(conn)?;
    Ok(no)
}

/// The estimated closing date a stage suggests: its formula from `today`.
pub fn suggested_closing(formula: &str, today: NaiveDate) -> Option<NaiveDate> {
    apply_formula(formula, today).flatten()
}

/// The value a probability gives.
pub fn value_at(estimated: &BigDecimal, probability: &BigDecimal) -> BigDecimal {
    current_value(estimated, probability)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn percentages_drop_their_trailing_zeros() {
        let d = |s| BigDecimal::from_str(s).unwrap();
        assert_eq!(percent(&d("25.00")), "25");
        assert_eq!(percent(&d("12.50")), "12.5");
        assert_eq!(percent(&d("0")), "0");
    }

    #[test]
    fn statuses_read_back_what_they_write() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert!(Status::Won.is_closed() && Status::Lost.is_closed());
        assert!(!Status::InProgress.is_closed());
    }
}
