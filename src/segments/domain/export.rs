//! The lines as CSV for a mail merge: the columns and the query.

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
