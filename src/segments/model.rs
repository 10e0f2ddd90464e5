//! The segment header: its fields, rules and queries; the lines page and the figures.

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Numeric, Text};
use serde::Deserialize;
use std::str::FromStr;

use crate::web::pagination::Pager;

use crate::db::schema::{interaction_templates, segments};
use crate::setup::{self, number_series};
use crate::web::FormErrors;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = segments)]
pub struct Segment {
    pub id: i64,
    pub no: String,
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
    pub status: String,
    pub version: i32,
    pub created_by: Option<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Segment {
    pub fn is_draft(&self) -> bool {
        self.status == "draft"
    }

    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }

    pub fn correspondence_label(&self) -> &'static str {
        crate::contacts::model::correspondence_label(&self.correspondence_type)
    }
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "logged" => "Logged",
        "canceled" => "Canceled",
        _ => "Draft",
    }
}

pub const STATUSES: [(&str, &str); 3] = [
    ("draft", "Draft"),
    ("logged", "Logged"),
    ("canceled", "Canceled"),
];
pub const FLOWS: [(&str, &str); 2] = [("outbound", "Outbound"), ("inbound", "Inbound")];
pub const INITIATORS: [(&str, &str); 2] = [("us", "Us"), ("them", "Them")];

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

/// Amounts stay below ten billion (the columns are `NUMERIC(12,2)`).
fn max_amount() -> BigDecimal {
    BigDecimal::from(10_000_000_000i64)
}

/// An amount as typed ("12.5", "12.50", "1000"): 0 or more, below ten billion, rounded half up
/// to cents. Plain decimal notation only (no exponent, at most 20 characters), so nothing
/// typed can make a number of a million digits.
pub fn parse_amount(typed: &str) -> Option<BigDecimal> {
    let t = typed.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    let (whole, cents) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if t.is_empty() || t.len() > 20 || !digits(whole) || !digits(cents) || t == "." {
        return None;
    }
    let v = BigDecimal::from_str(t)
        .ok()?
        .with_scale_round(2, bigdecimal::RoundingMode::HalfUp);
    (v < max_amount()).then_some(v)
}

fn optional(code: &str) -> Option<String> {
    (!code.is_empty()).then(|| code.to_string())
}

impl HeaderForm {
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
        }
    }

    /// A new segment: today, the user's salesperson.
    pub fn new_for(salesperson: Option<String>) -> Self {
        HeaderForm {
            date: chrono::Local::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string(),
            salesperson_code: salesperson.unwrap_or_default(),
            unit_cost: "0.00".into(),
            unit_duration_min: "0".into(),
            information_flow: "outbound".into(),
            initiated_by: "us".into(),
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

    /// Checks the form; the codes against the database.
    pub fn validate(
        &self,
        conn: &mut PgConnection,
    ) -> QueryResult<Result<HeaderValues, FormErrors>> {
        let mut errors = FormErrors::new();
        if self.description.chars().count() > 100 {
            errors.add("description", "Use at most 100 characters.");
        }
        if self.subject.chars().count() > 100 {
            errors.add("subject", "Use at most 100 characters.");
        }
        let date = match NaiveDate::parse_from_str(&self.date, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.add("date", "Enter a date as YYYY-MM-DD.");
                None
            }
        };
        let cost = match parse_amount(if self.unit_cost.is_empty() {
            "0"
        } else {
            &self.unit_cost
        }) {
            Some(c) => Some(c),
            None => {
                errors.add(
                    "unit_cost",
                    "Enter an amount of 0 or more and below 10,000,000,000, like 12.50.",
                );
                None
            }
        };
        let duration = match (if self.unit_duration_min.is_empty() {
            "0"
        } else {
            &self.unit_duration_min
        })
        .parse::<i32>()
        {
            Ok(d) if d >= 0 => Some(d),
            _ => {
                errors.add(
                    "unit_duration_min",
                    "Enter a whole number of minutes, 0 or more.",
                );
                None
            }
        };
        if !crate::contacts::model::CORRESPONDENCE_TYPES
            .iter()
            .any(|(v, _)| *v == self.correspondence_type)
        {
            errors.add("correspondence_type", "Choose none, Hard Copy or E-mail.");
        }
        if !FLOWS.iter().any(|(v, _)| *v == self.information_flow) {
            errors.add("information_flow", "Choose Outbound or Inbound.");
        }
        if !INITIATORS.iter().any(|(v, _)| *v == self.initiated_by) {
            errors.add("initiated_by", "Choose Us or Them.");
        }
        for (field, table, code, what) in [
            (
                "salesperson_code",
                "salespeople",
                &self.salesperson_code,
                "salesperson",
            ),
            (
                "language_code",
                "languages",
                &self.language_code,
                "language",
            ),
        ] {
            if !code.is_empty() && !setup::code_exists(conn, table, code)? {
                errors.add(field, format!("There is no {what} {code}."));
            }
        }
        if !self.interaction_template_code.is_empty()
            && template(conn, &self.interaction_template_code)?.is_none()
        {
            errors.add(
                "interaction_template_code",
                format!(
                    "There is no interaction template {}.",
                    self.interaction_template_code
                ),
            );
        }
        if !self.campaign_no.is_empty() && !campaign_exists(conn, &self.campaign_no)? {
            errors.add(
                "campaign_no",
                format!("There is no campaign {}.", self.campaign_no),
            );
        }
        if self.campaign_no.is_empty()
            && (self.campaign_target.is_some() || self.campaign_response.is_some())
        {
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
            campaign_target: self.campaign_target.is_some(),
            campaign_response: self.campaign_response.is_some(),
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

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = interaction_templates)]
pub struct Template {
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

pub fn template(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Template>> {
    interaction_templates::table
        .find(code)
        .select(Template::as_select())
        .first(conn)
        .optional()
}

pub fn templates(conn: &mut PgConnection) -> QueryResult<Vec<Template>> {
    interaction_templates::table
        .order(interaction_templates::code)
        .select(Template::as_select())
        .load(conn)
}

fn campaign_exists(conn: &mut PgConnection, no: &str) -> QueryResult<bool> {
    use crate::db::schema::campaigns;
    diesel::select(diesel::dsl::exists(
        campaigns::table.filter(campaigns::no.eq(no)),
    ))
    .get_result(conn)
}

impl HeaderValues {
    /// Choosing an interaction template copies its defaults into the header (SPEC §4).
    pub fn take_template_defaults(&mut self, t: &Template) {
        self.unit_cost = t.unit_cost.clone();
        self.unit_duration_min = t.unit_duration_min;
        self.information_flow = t.information_flow.clone();
        self.initiated_by = t.initiated_by.clone();
        self.correspondence_type = t.correspondence_type.clone();
        self.ignore_contact_correspondence_type = t.ignore_contact_correspondence_type;
        if t.campaign_no.is_some() {
            self.campaign_no = t.campaign_no.clone();
            self.campaign_target = t.campaign_target;
            self.campaign_response = t.campaign_response;
        }
    }
}

pub fn find_by_no(conn: &mut PgConnection, no: &str) -> QueryResult<Option<Segment>> {
    segments::table
        .filter(segments::no.eq(no.trim().to_uppercase()))
        .select(Segment::as_select())
        .first(conn)
        .optional()
}

/// Locks the segment row for the rest of the transaction: steps on one segment run one at a
/// time, so two users acting at once cannot lose or duplicate lines.
pub fn lock(conn: &mut PgConnection, no: &str) -> QueryResult<Option<Segment>> {
    segments::table
        .filter(segments::no.eq(no.trim().to_uppercase()))
        .select(Segment::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut PgConnection,
    values: &HeaderValues,
    user_id: i64,
) -> QueryResult<Segment> {
    let no = number_series::next(conn, number_series::SEGMENTS)?;
    diesel::insert_into(segments::table)
        .values((
            segments::no.eq(no),
            values,
            segments::created_by.eq(user_id),
        ))
        .returning(Segment::as_returning())
        .get_result(conn)
}

pub fn update(
    conn: &mut PgConnection,
    id: i64,
    version: i32,
    values: &HeaderValues,
) -> QueryResult<Option<Segment>> {
    diesel::update(
        segments::table
            .filter(segments::id.eq(id))
            .filter(segments::version.eq(version)),
    )
    .set((
        values,
        segments::version.eq(segments::version + 1),
        segments::updated_at.eq(diesel::dsl::now),
    ))
    .returning(Segment::as_returning())
    .get_result(conn)
    .optional()
}

/// A row of the segments list.
#[derive(Clone, Debug, QueryableByName)]
pub struct SegmentRow {
    #[diesel(sql_type = Text)]
    pub no: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub salesperson_code: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
    #[diesel(sql_type = BigInt)]
    pub steps: i64,
}

impl SegmentRow {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
}

pub const LIST_PAGE: i64 = 50;

/// Segments by No. (newest first), filtered by status and a search in No. and description.
pub fn list(
    conn: &mut PgConnection,
    status: &str,
    q: &str,
    offset: i64,
) -> QueryResult<(Vec<SegmentRow>, i64)> {
    let pattern = format!(
        "%{}%",
        crate::contacts::list::like_escape(&crate::db::fold(q))
    );
    let filter =
        "($1 = '' OR s.status = $1) AND ($2 = '%%' OR rapport_fold(s.no || ' ' || s.description) LIKE $2)";
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let total = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM segments s WHERE {filter}"
    ))
    .bind::<Text, _>(status)
    .bind::<Text, _>(&pattern)
    .get_result::<N>(conn)?
    .n;
    let rows = diesel::sql_query(format!(
        "SELECT s.no::text AS no, s.description, s.date, s.status, s.salesperson_code::text AS salesperson_code, \
           (SELECT count(*) FROM segment_lines l WHERE l.segment_id = s.id AND l.removed_by_step IS NULL) AS lines, \
           (SELECT count(*) FROM segment_steps t WHERE t.segment_id = s.id) AS steps \
         FROM segments s WHERE {filter} ORDER BY s.id DESC LIMIT $3 OFFSET $4"
    ))
    .bind::<Text, _>(status)
    .bind::<Text, _>(&pattern)
    .bind::<BigInt, _>(LIST_PAGE)
    .bind::<BigInt, _>(offset)
    .load(conn)?;
    Ok((rows, total))
}

/// The header's figures: lines, steps, total cost and duration (lines' own values or the
/// header's).
#[derive(Clone, Debug, QueryableByName)]
pub struct Figures {
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
    #[diesel(sql_type = BigInt)]
    pub steps: i64,
    #[diesel(sql_type = Numeric)]
    pub total_cost: BigDecimal,
    #[diesel(sql_type = BigInt)]
    pub total_duration: i64,
}

pub fn figures(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Figures> {
    diesel::sql_query(
        "SELECT count(l.id) AS lines, \
           (SELECT count(*) FROM segment_steps WHERE segment_id = $1) AS steps, \
           COALESCE(sum(COALESCE(l.unit_cost, s.unit_cost)), 0)::numeric(14,2) AS total_cost, \
           COALESCE(sum(COALESCE(l.unit_duration_min, s.unit_duration_min)), 0)::bigint AS total_duration \
         FROM segments s LEFT JOIN segment_lines l ON l.segment_id = s.id AND l.removed_by_step IS NULL \
         WHERE s.id = $1",
    )
    .bind::<BigInt, _>(segment.id)
    .get_result(conn)
}

/// A line as shown: the contact, and each interaction field as it takes effect (the line's
/// own value, else the header's; the salesperson falls back to the contact's).
#[derive(Clone, Debug, QueryableByName)]
pub struct LineRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub contact_no: String,
    #[diesel(sql_type = Text)]
    pub contact_name: String,
    #[diesel(sql_type = Text)]
    pub company_name: String,
    #[diesel(sql_type = Bool)]
    pub is_person: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub salesperson: Option<String>,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    pub template: Option<String>,
    #[diesel(sql_type = Text)]
    pub correspondence_type: String,
    #[diesel(sql_type = Numeric)]
    pub unit_cost: BigDecimal,
    #[diesel(sql_type = Integer)]
    pub unit_duration_min: i32,
    #[diesel(sql_type = Nullable<Text>)]
    pub evaluation: Option<String>,
    #[diesel(sql_type = Integer)]
    pub added_by_step: i32,
    #[diesel(sql_type = Bool)]
    pub overridden: bool,
}

/// An amount with two decimals: 0 → "0.00".
pub fn money(v: &BigDecimal) -> String {
    format!("{:.2}", v.with_scale(2))
}

impl Figures {
    pub fn cost_text(&self) -> String {
        money(&self.total_cost)
    }
}

impl LineRow {
    pub fn cost_text(&self) -> String {
        money(&self.unit_cost)
    }

    pub fn correspondence_label(&self) -> &'static str {
        crate::contacts::model::correspondence_label(&self.correspondence_type)
    }
}

pub const LINES_PAGE: i64 = 100;

pub const LINE_SELECT: &str = "SELECT l.id, c.no::text AS contact_no, l.contact_name, l.company_name, l.is_person, \
       COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code)::text AS salesperson, \
       COALESCE(l.date, s.date) AS date, \
       COALESCE(l.interaction_template_code, s.interaction_template_code)::text AS template, \
       COALESCE(l.correspondence_type, s.correspondence_type) AS correspondence_type, \
       COALESCE(l.unit_cost, s.unit_cost) AS unit_cost, \
       COALESCE(l.unit_duration_min, s.unit_duration_min) AS unit_duration_min, \
       l.evaluation, l.added_by_step, \
       (l.salesperson_code IS NOT NULL OR l.date IS NOT NULL OR l.interaction_template_code IS NOT NULL \
        OR l.subject IS NOT NULL OR l.correspondence_type IS NOT NULL OR l.unit_cost IS NOT NULL \
        OR l.unit_duration_min IS NOT NULL OR l.campaign_target IS NOT NULL \
        OR l.campaign_response IS NOT NULL) AS overridden \
     FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id";

/// Where a page of lines starts: at a page number, or just after or before a line that the
/// previous page showed (keyset paging: the page is read from the line order's index, however
/// deep it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinesFrom {
    Page,
    After(i64),
    Before(i64),
}

const LINE_ORDER: &str = "l.company_name, l.is_person, l.contact_name, l.id";
const LINE_ORDER_DESC: &str =
    "l.company_name DESC, l.is_person DESC, l.contact_name DESC, l.id DESC";

/// One page of a segment's lines, in line order (company name, company first, name). A page
/// number is read from the nearer end of the line order; a line that no longer exists falls
/// back to the page number.
pub fn lines(
    conn: &mut PgConnection,
    segment_id: i64,
    pager: &Pager,
    from: LinesFrom,
) -> QueryResult<Vec<LineRow>> {
    let members = "WHERE l.segment_id = $1 AND l.removed_by_step IS NULL";
    let key = "(SELECT k.company_name, k.is_person, k.contact_name, k.id FROM segment_lines k \
               WHERE k.id = $3 AND k.segment_id = $1)";
    let keyed = |cmp: &str, order: &str, line: i64, conn: &mut PgConnection| {
        diesel::sql_query(format!(
            "{LINE_SELECT} {members} AND ({LINE_ORDER}) {cmp} {key} ORDER BY {order} LIMIT $2"
        ))
        .bind::<BigInt, _>(segment_id)
        .bind::<BigInt, _>(LINES_PAGE)
        .bind::<BigInt, _>(line)
        .load::<LineRow>(conn)
    };
    let rows = match from {
        LinesFrom::After(line) => keyed(">", LINE_ORDER, line, conn)?,
        LinesFrom::Before(line) => {
            let mut rows = keyed("<", LINE_ORDER_DESC, line, conn)?;
            rows.reverse();
            rows
        }
        LinesFrom::Page => Vec::new(),
    };
    if !rows.is_empty() {
        return Ok(rows);
    }
    let offset = pager.offset();
    let shown = pager.last_row() - offset;
    let from_end = pager.total - pager.last_row();
    if from_end < offset {
        let mut rows = diesel::sql_query(format!(
            "{LINE_SELECT} {members} ORDER BY {LINE_ORDER_DESC} LIMIT $2 OFFSET $3"
        ))
        .bind::<BigInt, _>(segment_id)
        .bind::<BigInt, _>(shown)
        .bind::<BigInt, _>(from_end)
        .load::<LineRow>(conn)?;
        rows.reverse();
        return Ok(rows);
    }
    diesel::sql_query(format!(
        "{LINE_SELECT} {members} ORDER BY {LINE_ORDER} LIMIT $2 OFFSET $3"
    ))
    .bind::<BigInt, _>(segment_id)
    .bind::<BigInt, _>(LINES_PAGE)
    .bind::<BigInt, _>(offset)
    .load(conn)
}

#[cfg(test)]
mod money_tests {
    #[test]
    fn two_decimals() {
        use std::str::FromStr;
        assert_eq!(super::money(&bigdecimal::BigDecimal::from(0)), "0.00");
        assert_eq!(
            super::money(&bigdecimal::BigDecimal::from_str("11.5").unwrap()),
            "11.50"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::parse_amount;

    #[test]
    fn amounts_are_rounded_to_cents_and_bounded() {
        let cents = |s: &str| parse_amount(s).map(|v| v.to_string());
        assert_eq!(cents("12.5").as_deref(), Some("12.50"));
        assert_eq!(cents("0.005").as_deref(), Some("0.01"));
        assert_eq!(parse_amount("0.004"), Some(bigdecimal::BigDecimal::from(0)));
        assert_eq!(cents(" +7 ").as_deref(), Some("7.00"));
        assert_eq!(cents("9999999999.99").as_deref(), Some("9999999999.99"));
        for bad in [
            "",
            ".",
            "-1",
            "10000000000",
            "9999999999.995",
            "1e3",
            "1e999999999",
            "12,50",
            "NaN",
            "1.2.3",
            "١٢",
        ] {
            assert_eq!(cents(bad), None, "{bad}");
        }
    }
}
