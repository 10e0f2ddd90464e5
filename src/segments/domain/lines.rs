//! A segment's line as it shows: each interaction field as it takes effect (the line's own
//! value, else its own template's, else the header's) and where it comes from, in SQL that the
//! page, the export, the totals and Log Segment share. A page of lines (its order, search and
//! keyset) is in `line_page`, a line's own values and their checks in `line_edit`, the
//! segment's figures in `totals`.

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Numeric, Text};

crate::db::columns::columns_in_order! {
    /// A line as shown: the contact, and each interaction field as it takes effect (the line's
    /// own value, else the header's; the salesperson falls back to the contact's). Read column
    /// after column, in the order of [`line_select`] (see `db::columns`).
    #[derive(Clone, Debug)]
    pub struct LineRow {
        pub id: i64 as BigInt,
        pub contact_no: String as Text,
        pub contact_name: String as Text,
        pub company_name: String as Text,
        /// The company's No. (a company's own), which orders the lines after the company's
        /// name: two companies of the same name keep their persons apart.
        pub company_no: String as Text,
        pub is_person: bool as Bool,
        pub salesperson: Option<String> as Nullable<Text>,
        pub date: NaiveDate as Date,
        pub template: Option<String> as Nullable<Text>,
        pub correspondence_type: String as Text,
        pub unit_cost: BigDecimal as Numeric,
        pub unit_duration_min: i32 as Integer,
        pub evaluation: Option<String> as Nullable<Text>,
        pub added_by_step: i32 as Integer,
        pub city: String as Text,
        pub email: String as Text,
        /// Privacy blocked since the line was added: Log refuses it, the export leaves it out.
        pub privacy_blocked: bool as Bool,
        /// Campaign Target and Campaign Response as they take effect
        /// ([`EFFECTIVE_CAMPAIGN_TARGET`]).
        pub campaign_target: bool as Bool,
        pub campaign_response: bool as Bool,
        /// Where each shown value comes from: the line's own, the header's, the contact's, or
        /// the line's own template's.
        pub origins: Origins as Text,
        pub overridden: bool as Bool,
    }
}

/// Where a value a line shows comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Own,
    Header,
    Contact,
    Template,
}

impl Origin {
    /// The mark of a value that is not the line's own ("header", "contact", "template"), or
    /// "" for the line's own.
    pub fn mark(self) -> &'static str {
        match self {
            Origin::Own => "",
            Origin::Header => "header",
            Origin::Contact => "contact",
            Origin::Template => "template",
        }
    }
}

/// Where a line's salesperson, date, template, correspondence type, cost, duration, Campaign
/// Target and Campaign Response come from, read from one column of eight letters
/// ([`ORIGINS`]): `o` own, `h` header, `c` contact, `t` template. (Six columns of words made a page's 100 rows look up and keep 600
/// texts more.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origins {
    pub salesperson: Origin,
    pub date: Origin,
    pub template: Origin,
    pub correspondence: Origin,
    pub cost: Origin,
    pub duration: Origin,
    pub campaign_target: Origin,
    pub campaign_response: Origin,
}

impl Origins {
    fn parse(letters: &[u8]) -> Option<Origins> {
        let origin = |i: usize| match letters.get(i)? {
            b'o' => Some(Origin::Own),
            b'h' => Some(Origin::Header),
            b'c' => Some(Origin::Contact),
            b't' => Some(Origin::Template),
            _ => None,
        };
        Some(Origins {
            salesperson: origin(0)?,
            date: origin(1)?,
            template: origin(2)?,
            correspondence: origin(3)?,
            cost: origin(4)?,
            duration: origin(5)?,
            campaign_target: origin(6)?,
            campaign_response: origin(7)?,
        })
    }
}

impl diesel::deserialize::FromSql<Text, diesel::pg::Pg> for Origins {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        Origins::parse(value.as_bytes())
            .ok_or_else(|| format!("not a line's origins: {:?}", value.as_bytes()).into())
    }
}

pub use crate::setup::support::money;

impl LineRow {
    pub fn cost_text(&self) -> String {
        money(&self.unit_cost)
    }

    pub fn correspondence_label(&self) -> &'static str {
        crate::contacts::model::correspondence_label(&self.correspondence_type)
    }
}

/// Whether contact `contact_id` has a line on segment `no` (not taken out).
pub fn has_line(
    conn: &mut diesel::PgConnection,
    no: &str,
    contact_id: i64,
) -> diesel::QueryResult<bool> {
    use crate::db::schema::{segment_lines as l, segments as s};
    use diesel::dsl::exists;
    use diesel::prelude::*;
    use diesel::select;
    select(exists(
        l::table
            .inner_join(s::table)
            .filter(s::no.eq(no.trim().to_uppercase()))
            .filter(l::contact_id.eq(contact_id))
            .filter(l::removed_by_step.is_null()),
    ))
    .get_result(conn)
}

/// Line `id` of segment `segment_id` as the lines table shows it (each value in effect and
/// where it comes from), or `None` when it is not there.
pub fn shown_line(
    conn: &mut diesel::PgConnection,
    segment_id: i64,
    id: i64,
) -> diesel::QueryResult<Option<LineRow>> {
    use diesel::{OptionalExtension, RunQueryDsl};
    diesel::sql_query(format!(
        "{} WHERE l.id = $1 AND l.segment_id = $2",
        line_select("")
    ))
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(segment_id)
    .get_result(conn)
    .optional()
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

/// A line's Campaign Target and Campaign Response flags: its own; else its own template's
/// (whatever campaign the template names: Business Central's line takes its template's flags
/// with the template); else the header's. Without a campaign, neither (a line's own flag kept
/// from before the header's campaign was cleared means nothing).
pub const EFFECTIVE_CAMPAIGN_TARGET: &str = "(s.campaign_no IS NOT NULL AND \
     COALESCE(l.campaign_target, lt.campaign_target, s.campaign_target))";
pub const EFFECTIVE_CAMPAIGN_RESPONSE: &str = "(s.campaign_no IS NOT NULL AND \
     COALESCE(l.campaign_response, lt.campaign_response, s.campaign_response))";

/// A line's correspondence type as its interaction goes, first match wins as in Business
/// Central: the line's own; the header's, when the header ignores the contact's and names one
/// (on a line with a template of its own too; a blank one passes on, as in BC); the template's (its own, else the header's, whose defaults
/// the header holds), when it ignores the contact's or the contact has none; the contact's
/// (needs [`LINE_TEMPLATE_JOIN`]).
pub const EFFECTIVE_CORRESPONDENCE: &str = "CASE WHEN l.correspondence_type IS NOT NULL \
       THEN l.correspondence_type \
     WHEN s.ignore_contact_correspondence_type AND s.correspondence_type <> '' \
       THEN s.correspondence_type \
     WHEN COALESCE(lt.ignore_contact_correspondence_type, false) OR c.correspondence_type = '' \
       THEN COALESCE(lt.correspondence_type, s.correspondence_type) \
     ELSE c.correspondence_type END";

/// Where a line's values come from ([`Origins`]), a letter each: salesperson, date,
/// template, correspondence type (see [`EFFECTIVE_CORRESPONDENCE`]), cost, duration, Campaign
/// Target, Campaign Response (needs [`LINE_TEMPLATE_JOIN`]).
const ORIGINS: &str = "CASE WHEN l.salesperson_code IS NOT NULL THEN 'o' \
       WHEN s.salesperson_code IS NOT NULL THEN 'h' ELSE 'c' END \
     || CASE WHEN l.date IS NOT NULL THEN 'o' ELSE 'h' END \
     || CASE WHEN l.interaction_template_code IS NOT NULL THEN 'o' ELSE 'h' END \
     || CASE WHEN l.correspondence_type IS NOT NULL THEN 'o' \
       WHEN s.ignore_contact_correspondence_type AND s.correspondence_type <> '' THEN 'h' \
       WHEN COALESCE(lt.ignore_contact_correspondence_type, false) OR c.correspondence_type = '' \
       THEN CASE WHEN lt.correspondence_type IS NOT NULL THEN 't' ELSE 'h' END \
       ELSE 'c' END \
     || CASE WHEN l.unit_cost IS NOT NULL THEN 'o' WHEN lt.unit_cost IS NOT NULL THEN 't' ELSE 'h' END \
     || CASE WHEN l.unit_duration_min IS NOT NULL THEN 'o' \
       WHEN lt.unit_duration_min IS NOT NULL THEN 't' ELSE 'h' END \
     || CASE WHEN l.campaign_target IS NOT NULL THEN 'o' \
       WHEN lt.campaign_target IS NOT NULL THEN 't' ELSE 'h' END \
     || CASE WHEN l.campaign_response IS NOT NULL THEN 'o' \
       WHEN lt.campaign_response IS NOT NULL THEN 't' ELSE 'h' END";

/// The select of a page of lines ([`LineRow`]), each field as it takes effect, and the
/// `extra` columns (", …" or "").
pub(super) fn line_select(extra: &str) -> String {
    format!(
        "SELECT l.id, c.no::text AS contact_no, l.contact_name, l.company_name, l.company_no, l.is_person, \
           COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code)::text AS salesperson, \
           COALESCE(l.date, s.date) AS date, \
           COALESCE(l.interaction_template_code, s.interaction_template_code)::text AS template, \
           {EFFECTIVE_CORRESPONDENCE} AS correspondence_type, \
           {EFFECTIVE_COST} AS unit_cost, {EFFECTIVE_DURATION} AS unit_duration_min, \
           l.evaluation, l.added_by_step, c.city, c.email, c.privacy_blocked, \
           {EFFECTIVE_CAMPAIGN_TARGET} AS campaign_target, \
           {EFFECTIVE_CAMPAIGN_RESPONSE} AS campaign_response, \
           {ORIGINS} AS origins, \
           (l.salesperson_code IS NOT NULL OR l.date IS NOT NULL OR l.interaction_template_code IS NOT NULL \
            OR l.subject IS NOT NULL OR l.correspondence_type IS NOT NULL OR l.unit_cost IS NOT NULL \
            OR l.unit_duration_min IS NOT NULL OR l.campaign_target IS NOT NULL \
            OR l.campaign_response IS NOT NULL OR COALESCE(l.evaluation, '') <> '') AS overridden{extra} \
         FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id \
         {LINE_TEMPLATE_JOIN}"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_lines_origins_are_read_a_letter_a_value() {
        use super::{Origin, Origins};
        let o = Origins::parse(b"ohtcthto").unwrap();
        assert_eq!(o.salesperson, Origin::Own);
        assert_eq!(o.date, Origin::Header);
        assert_eq!(o.template, Origin::Template);
        assert_eq!(o.correspondence, Origin::Contact);
        assert_eq!(o.cost, Origin::Template);
        assert_eq!(o.duration, Origin::Header);
        assert_eq!(o.campaign_target, Origin::Template);
        assert_eq!(o.campaign_response, Origin::Own);
        assert_eq!(
            [o.salesperson, o.date, o.correspondence].map(Origin::mark),
            ["", "header", "contact"]
        );
        assert_eq!(Origins::parse(b"ohtcthh"), None);
        assert_eq!(Origins::parse(b"ohtcthhx"), None);
    }
}
