//! The lines as CSV for a mail merge: the columns and the query.

use crate::segments::domain::lines::{EFFECTIVE_CORRESPONDENCE, LINE_TEMPLATE_JOIN};
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text};

#[derive(QueryableByName)]
pub struct ExportLine {
    #[diesel(sql_type = Text)]
    pub contact_no: String,
    #[diesel(sql_type = Text)]
    pub contact_name: String,
    #[diesel(sql_type = Text)]
    pub company_name: String,
    #[diesel(sql_type = Text)]
    pub address: String,
    #[diesel(sql_type = Text)]
    pub address_2: String,
    #[diesel(sql_type = Text)]
    pub post_code: String,
    #[diesel(sql_type = Text)]
    pub city: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub country_code: Option<String>,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub correspondence_type: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub salesperson: Option<String>,
    #[diesel(sql_type = Date)]
    pub date: chrono::NaiveDate,
}

pub const EXPORT_COLUMNS: [&str; 12] = [
    "contact_no",
    "contact_name",
    "company_name",
    "address",
    "address_2",
    "post_code",
    "city",
    "country_code",
    "email",
    "correspondence_type",
    "salesperson_code",
    "date",
];

/// The lines of segment `id`, in line order, with each line's effective correspondence type,
/// salesperson and date.
pub fn query(
    id: i64,
) -> diesel::query_builder::BoxedSqlQuery<'static, diesel::pg::Pg, diesel::query_builder::SqlQuery>
{
    diesel::sql_query(format!(
        "SELECT c.no::text AS contact_no, CASE WHEN l.is_person THEN l.contact_name ELSE '' END AS contact_name, \
           l.company_name, c.address, c.address_2, c.post_code, c.city, c.country_code::text AS country_code, \
           c.email, \
           {EFFECTIVE_CORRESPONDENCE} AS correspondence_type, \
           COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code)::text AS salesperson, \
           COALESCE(l.date, s.date) AS date \
         FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id \
         {LINE_TEMPLATE_JOIN} WHERE l.segment_id = $1 AND l.removed_by_step IS NULL \
         ORDER BY l.company_name, l.is_person, l.contact_name, l.id"
    ))
    .into_boxed()
    .bind::<diesel::sql_types::BigInt, _>(id)
}
