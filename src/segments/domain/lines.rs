//! A segment's lines: the figures, the page of lines read by keyset, and a line's own
//! interaction fields (overrides of the header) with their checks.

use crate::db::schema::segment_lines;
use crate::segments::domain::header;
use crate::segments::domain::header::Segment;
use crate::setup;
use crate::web::pagination::Pager;
use crate::web::FormErrors;
use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Numeric, Text};
use serde::Deserialize;

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
    diesel::sql_query(format!(
        "SELECT count(l.id) AS lines, \
           (SELECT count(*) FROM segment_steps WHERE segment_id = $1) AS steps, \
           COALESCE(sum({EFFECTIVE_COST}), 0)::numeric(14,2) AS total_cost, \
           COALESCE(sum({EFFECTIVE_DURATION}), 0)::bigint AS total_duration \
         FROM segments s LEFT JOIN segment_lines l ON l.segment_id = s.id AND l.removed_by_step IS NULL \
         {LINE_TEMPLATE_JOIN} WHERE s.id = $1",
    ))
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

pub use crate::setup::support::money;

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

/// A line's own interaction template, as `lt`, when it differs from the header's: its
/// defaults then stand in for the header's on that line (an empty `lt` otherwise). Joined
/// after `segment_lines l` and `segments s`.
pub const LINE_TEMPLATE_JOIN: &str = "LEFT JOIN interaction_templates lt \
     ON lt.code = l.interaction_template_code \
     AND l.interaction_template_code IS DISTINCT FROM s.interaction_template_code";

/// A line's unit cost: its own, else its own template's, else the header's (needs
/// [`LINE_TEMPLATE_JOIN`]).
pub const EFFECTIVE_COST: &str = "COALESCE(l.unit_cost, lt.unit_cost, s.unit_cost)";

/// A line's unit duration, the same way.
pub const EFFECTIVE_DURATION: &str =
    "COALESCE(l.unit_duration_min, lt.unit_duration_min, s.unit_duration_min)";

/// A line's information flow and who initiates it: its own template's, else the header's.
pub const EFFECTIVE_FLOW: &str = "COALESCE(lt.information_flow, s.information_flow)";
pub const EFFECTIVE_INITIATED_BY: &str = "COALESCE(lt.initiated_by, s.initiated_by)";

/// A line's Campaign Target and Campaign Response flags: its own; else its own template's when
/// that template names the segment's campaign; else the header's.
pub const EFFECTIVE_CAMPAIGN_TARGET: &str = "COALESCE(l.campaign_target, \
     CASE WHEN lt.campaign_no = s.campaign_no THEN lt.campaign_target END, s.campaign_target)";
pub const EFFECTIVE_CAMPAIGN_RESPONSE: &str = "COALESCE(l.campaign_response, \
     CASE WHEN lt.campaign_no = s.campaign_no THEN lt.campaign_response END, s.campaign_response)";

/// A line's correspondence type as its interaction goes: the line's own; else, when its
/// template (its own, else the header's) ignores the contact's or the contact has none, the
/// template's or header's; else the contact's (needs [`LINE_TEMPLATE_JOIN`]).
pub const EFFECTIVE_CORRESPONDENCE: &str =
    "CASE WHEN COALESCE(lt.ignore_contact_correspondence_type, s.ignore_contact_correspondence_type) \
       OR c.correspondence_type = '' \
     THEN COALESCE(l.correspondence_type, lt.correspondence_type, s.correspondence_type) \
     ELSE COALESCE(l.correspondence_type, c.correspondence_type) END";

pub const LINES_PAGE: i64 = 100;

/// The select of a page of lines ([`LineRow`]), each field as it takes effect.
fn line_select() -> String {
    format!(
        "SELECT l.id, c.no::text AS contact_no, l.contact_name, l.company_name, l.is_person, \
           COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code)::text AS salesperson, \
           COALESCE(l.date, s.date) AS date, \
           COALESCE(l.interaction_template_code, s.interaction_template_code)::text AS template, \
           {EFFECTIVE_CORRESPONDENCE} AS correspondence_type, \
           {EFFECTIVE_COST} AS unit_cost, {EFFECTIVE_DURATION} AS unit_duration_min, \
           l.evaluation, l.added_by_step, \
           (l.salesperson_code IS NOT NULL OR l.date IS NOT NULL OR l.interaction_template_code IS NOT NULL \
            OR l.subject IS NOT NULL OR l.correspondence_type IS NOT NULL OR l.unit_cost IS NOT NULL \
            OR l.unit_duration_min IS NOT NULL OR l.campaign_target IS NOT NULL \
            OR l.campaign_response IS NOT NULL) AS overridden \
         FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id \
         {LINE_TEMPLATE_JOIN}"
    )
}

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
    let select = line_select();
    let members = "WHERE l.segment_id = $1 AND l.removed_by_step IS NULL";
    let key = "(SELECT k.company_name, k.is_person, k.contact_name, k.id FROM segment_lines k \
               WHERE k.id = $3 AND k.segment_id = $1)";
    let keyed = |cmp: &str, order: &str, line: i64, conn: &mut PgConnection| {
        diesel::sql_query(format!(
            "{select} {members} AND ({LINE_ORDER}) {cmp} {key} ORDER BY {order} LIMIT $2"
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
            "{select} {members} ORDER BY {LINE_ORDER_DESC} LIMIT $2 OFFSET $3"
        ))
        .bind::<BigInt, _>(segment_id)
        .bind::<BigInt, _>(shown)
        .bind::<BigInt, _>(from_end)
        .load::<LineRow>(conn)?;
        rows.reverse();
        return Ok(rows);
    }
    diesel::sql_query(format!(
        "{select} {members} ORDER BY {LINE_ORDER} LIMIT $2 OFFSET $3"
    ))
    .bind::<BigInt, _>(segment_id)
    .bind::<BigInt, _>(LINES_PAGE)
    .bind::<BigInt, _>(offset)
    .load(conn)
}

/// A line's overrides: empty means "as on the header".
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LineForm {
    #[serde(default)]
    pub salesperson_code: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub interaction_template_code: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub correspondence_type: String,
    #[serde(default)]
    pub unit_cost: String,
    #[serde(default)]
    pub unit_duration_min: String,
    #[serde(default)]
    pub evaluation: String,
}

#[derive(AsChangeset)]
#[diesel(table_name = segment_lines, treat_none_as_null = true)]
pub struct LineValues {
    salesperson_code: Option<String>,
    date: Option<chrono::NaiveDate>,
    interaction_template_code: Option<String>,
    subject: Option<String>,
    correspondence_type: Option<String>,
    unit_cost: Option<BigDecimal>,
    unit_duration_min: Option<i32>,
    evaluation: Option<String>,
}

pub const EVALUATIONS: [(&str, &str); 5] = [
    ("very_positive", "Very Positive"),
    ("positive", "Positive"),
    ("neutral", "Neutral"),
    ("negative", "Negative"),
    ("very_negative", "Very Negative"),
];

fn some(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}

impl LineForm {
    pub fn validate(&self, conn: &mut PgConnection) -> QueryResult<Result<LineValues, FormErrors>> {
        let mut errors = FormErrors::new();
        let salesperson = some(&self.salesperson_code).map(|s| s.to_uppercase());
        if let Some(code) = &salesperson {
            if !setup::code_exists(conn, "salespeople", code)? {
                errors.add(
                    "salesperson_code",
                    format!("There is no salesperson {code}."),
                );
            }
        }
        let template = some(&self.interaction_template_code).map(|s| s.to_uppercase());
        if let Some(code) = &template {
            if header::template(conn, code)?.is_none() {
                errors.add(
                    "interaction_template_code",
                    format!("There is no interaction template {code}."),
                );
            }
        }
        let date = match some(&self.date) {
            None => None,
            Some(d) => match crate::web::forms::date(&d) {
                Some(d) => Some(d),
                None => {
                    errors.add(
                        "date",
                        format!(
                            "Enter a date as {}, or leave it empty.",
                            crate::web::forms::date_pattern()
                        ),
                    );
                    None
                }
            },
        };
        let cost = match some(&self.unit_cost) {
            None => None,
            Some(c) => match header::parse_amount(&c) {
                Some(v) => Some(v),
                None => {
                    errors.add(
                        "unit_cost",
                        crate::web::forms::amount_message(
                            &c,
                            "Enter an amount of 0 or more and below 10,000,000,000, or leave it empty."
                                .into(),
                        ),
                    );
                    None
                }
            },
        };
        let duration = match some(&self.unit_duration_min) {
            None => None,
            Some(d) => match d.parse::<i32>() {
                Ok(v) if v >= 0 => Some(v),
                _ => {
                    errors.add(
                        "unit_duration_min",
                        "Enter whole minutes, or leave it empty.",
                    );
                    None
                }
            },
        };
        let correspondence = match self.correspondence_type.trim() {
            "" => None,
            v @ ("none" | "hard_copy" | "email") => Some(if v == "none" {
                String::new()
            } else {
                v.to_string()
            }),
            _ => {
                errors.add("correspondence_type", "Choose a correspondence type.");
                None
            }
        };
        let evaluation = some(&self.evaluation);
        if let Some(e) = &evaluation {
            if !EVALUATIONS.iter().any(|(v, _)| v == e) {
                errors.add("evaluation", "Choose an evaluation.");
            }
        }
        let subject = some(&self.subject);
        if subject.as_ref().is_some_and(|s| s.chars().count() > 100) {
            errors.add("subject", "Use at most 100 characters.");
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        Ok(Ok(LineValues {
            salesperson_code: salesperson,
            date,
            interaction_template_code: template,
            subject,
            correspondence_type: correspondence,
            unit_cost: cost,
            unit_duration_min: duration,
            evaluation,
        }))
    }
}

#[derive(QueryableByName)]
pub struct LineData {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub label: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub salesperson_code: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub date: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub interaction_template_code: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub subject: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub correspondence_type: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub unit_cost: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub unit_duration_min: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub evaluation: Option<String>,
}

/// A contact typed by No. or by name (any case), for a manual line.
pub enum ContactMatch {
    One(Box<crate::contacts::model::Contact>),
    None,
    /// Several contacts have that name: their first Nos.
    Several(Vec<String>),
}

/// The contact with this No.; else the one contact with this name (every letter folded).
pub fn find_contact(conn: &mut PgConnection, typed: &str) -> QueryResult<ContactMatch> {
    use crate::contacts::model::Contact;
    use crate::db::schema::contacts as ct;
    if let Some(c) = crate::contacts::model::find_by_no(conn, &typed.to_uppercase())? {
        return Ok(ContactMatch::One(Box::new(c)));
    }
    let mut named: Vec<Contact> = ct::table
        .filter(crate::db::text::rapport_fold(ct::name).eq(crate::db::fold(typed)))
        .select(Contact::as_select())
        .order(ct::no)
        .limit(6)
        .load(conn)?;
    Ok(match named.len() {
        0 => ContactMatch::None,
        1 => named
            .pop()
            .map_or(ContactMatch::None, |c| ContactMatch::One(Box::new(c))),
        _ => ContactMatch::Several(named.into_iter().map(|c| c.no).collect()),
    })
}

/// A line of the segment as "No. Name", and whether it was removed.
#[derive(QueryableByName)]
pub struct LineLabel {
    #[diesel(sql_type = Text)]
    pub label: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub removed: bool,
}

pub fn line_label(
    conn: &mut PgConnection,
    segment_id: i64,
    line_id: i64,
) -> QueryResult<Option<LineLabel>> {
    diesel::sql_query(
        "SELECT c.no || ' ' || c.name AS label, l.removed_by_step IS NOT NULL AS removed \
         FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
         WHERE l.id = $1 AND l.segment_id = $2",
    )
    .bind::<BigInt, _>(line_id)
    .bind::<BigInt, _>(segment_id)
    .get_result(conn)
    .optional()
}

/// Saves a line's own values (its overrides of the header).
pub fn save(conn: &mut PgConnection, line_id: i64, values: &LineValues) -> QueryResult<()> {
    diesel::update(segment_lines::table.find(line_id))
        .set(values)
        .execute(conn)
        .map(|_| ())
}

pub fn load_line(
    conn: &mut PgConnection,
    segment: &Segment,
    id: i64,
) -> QueryResult<Option<LineData>> {
    diesel::sql_query(
        "SELECT l.id, c.no || ' ' || c.name AS label, l.salesperson_code::text AS salesperson_code, \
           to_char(l.date, 'YYYY-MM-DD') AS date, l.interaction_template_code::text AS interaction_template_code, \
           l.subject, CASE WHEN l.correspondence_type = '' THEN 'none' ELSE l.correspondence_type END AS correspondence_type, \
           l.unit_cost::text AS unit_cost, l.unit_duration_min::text AS unit_duration_min, l.evaluation \
         FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
         WHERE l.id = $1 AND l.segment_id = $2 AND l.removed_by_step IS NULL",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(segment.id)
    .get_result(conn)
    .optional()
}
