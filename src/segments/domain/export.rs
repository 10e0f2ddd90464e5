//! The lines for a mail merge (CSV or an Excel workbook): the columns and the query. Each
//! line's values are the ones its interaction takes (the same rules as the lines table and
//! Log Segment: [`super::lines`] `EFFECTIVE_*`, [`super::log`]'s description).

use crate::segments::domain::lines::{EFFECTIVE_CORRESPONDENCE, LINE_TEMPLATE_JOIN};
use crate::segments::domain::log::{DESCRIPTION, SALESPERSON, TEMPLATE};
use crate::web::csv::{Cell, Record};
use diesel::sql_types::{Date, Nullable, Text};

crate::db::columns::columns_in_order! {
    pub struct ExportLine {
        pub contact_no: String as Text,
        /// A person's full name; empty on a company's line.
        pub contact_name: String as Text,
        pub job_title: String as Text,
        pub company_name: String as Text,
        pub address: String as Text,
        pub address_2: String as Text,
        pub post_code: String as Text,
        pub city: String as Text,
        pub country_code: Option<String> as Nullable<Text>,
        pub country: Option<String> as Nullable<Text>,
        pub email: String as Text,
        pub phone: String as Text,
        pub subject: Option<String> as Nullable<Text>,
        pub correspondence_type: String as Text,
        pub salesperson: Option<String> as Nullable<Text>,
        pub date: chrono::NaiveDate as Date,
    }
}

pub const EXPORT_COLUMNS: [&str; 18] = [
    "contact_no",
    "contact_name",
    "first_name",
    "surname",
    "job_title",
    "company_name",
    "address",
    "address_2",
    "post_code",
    "city",
    "country_code",
    "country",
    "email",
    "phone",
    "subject",
    "correspondence_type",
    "salesperson_code",
    "date",
];

/// The particles a surname may begin with, written in lower case ("Femke van der Linden",
/// "Ludwig von Mises", "Jean de la Fontaine", "Vasco da Gama").
const PARTICLES: [&str; 21] = [
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "do", "du", "des",
    "la", "le", "ter", "ten", "te", "zu", "af",
];

/// A person's name as a letter's salutation needs it: the last word is the surname with the
/// particles in lower case before it, what comes before them the first name(s) ("Ada Marie
/// Jensen" → "Ada Marie", "Jensen"; "Femke van der Linden" → "Femke", "van der Linden"); a
/// name of one word is a surname alone.
pub fn split_name(name: &str) -> (&str, &str) {
    let name = name.trim();
    // Each word with where it starts in `name`.
    let words: Vec<(usize, &str)> = name
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - name.as_ptr() as usize, w))
        .collect();
    let Some(mut surname) = words.len().checked_sub(1) else {
        return ("", "");
    };
    while surname > 0 && PARTICLES.contains(&words[surname - 1].1) {
        surname -= 1;
    }
    match surname {
        0 => ("", name),
        n => (name[..words[n].0].trim_end(), &name[words[n].0..]),
    }
}

impl Record for ExportLine {
    fn cells(&self) -> Vec<Cell<'_>> {
        let (first_name, surname) = split_name(&self.contact_name);
        vec![
            Cell::text(&self.contact_no),
            Cell::text(&self.contact_name),
            Cell::text(first_name),
            Cell::text(surname),
            Cell::text(&self.job_title),
            Cell::text(&self.company_name),
            Cell::text(&self.address),
            Cell::text(&self.address_2),
            Cell::text(&self.post_code),
            Cell::text(&self.city),
            Cell::opt(&self.country_code),
            Cell::opt(&self.country),
            Cell::text(&self.email),
            Cell::text(&self.phone),
            Cell::opt(&self.subject),
            Cell::text(&self.correspondence_type),
            Cell::opt(&self.salesperson),
            Cell::Date(self.date),
        ]
    }
}

/// The lines of segment `id`, in line order, with each line's effective correspondence type,
/// subject, salesperson and date; not those whose contact was privacy blocked since it was
/// added (no mail goes to them, as Log writes no interaction with them).
pub fn query(
    id: i64,
) -> diesel::query_builder::BoxedSqlQuery<'static, diesel::pg::Pg, diesel::query_builder::SqlQuery>
{
    diesel::sql_query(format!(
        "SELECT c.no::text AS contact_no, CASE WHEN l.is_person THEN l.contact_name ELSE '' END AS contact_name, \
           c.job_title, l.company_name, c.address, c.address_2, c.post_code, c.city, \
           c.country_code::text AS country_code, co.description AS country, c.email, c.phone, \
           {DESCRIPTION} AS subject, \
           {EFFECTIVE_CORRESPONDENCE} AS correspondence_type, \
           {SALESPERSON}::text AS salesperson, \
           COALESCE(l.date, s.date) AS date \
         FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id \
         {LINE_TEMPLATE_JOIN} LEFT JOIN interaction_templates t ON t.code = {TEMPLATE} \
         LEFT JOIN countries co ON co.code = c.country_code \
         WHERE l.segment_id = $1 AND l.removed_by_step IS NULL AND NOT c.privacy_blocked \
         ORDER BY l.company_name, l.company_no, l.is_person, l.contact_name, l.id"
    ))
    .into_boxed()
    .bind::<diesel::sql_types::BigInt, _>(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_for_a_salutation() {
        assert_eq!(split_name("Ada Marie Jensen"), ("Ada Marie", "Jensen"));
        assert_eq!(split_name(" Bo  Ørsted "), ("Bo", "Ørsted"));
        assert_eq!(split_name("Madonna"), ("", "Madonna"));
        assert_eq!(
            split_name("Femke van der Linden"),
            ("Femke", "van der Linden")
        );
        assert_eq!(split_name("Willem van Dijk"), ("Willem", "van Dijk"));
        assert_eq!(
            split_name("Anna  Maria von  Trapp"),
            ("Anna  Maria", "von  Trapp")
        );
        assert_eq!(split_name("van Dijk"), ("", "van Dijk"));
        // Only particles in lower case: "Van" as a first name is one.
        assert_eq!(split_name("Van Morrison"), ("Van", "Morrison"));
        assert_eq!(split_name(""), ("", ""));
    }
}
