//! The contact CSV format, shared by export and import: the columns, how values are written,
//! and their neutralising against formulas (from [`crate::web::csv`], used by every CSV).

pub use crate::web::csv::{neutralise, unneutralise};

/// The columns, in order. Import needs `type` and `name`; the others may be left out.
/// `version` is the contact's version when the file was exported, `exported_from` the database
/// it was exported from (its id): an import into that database refuses a row whose contact was
/// changed since, or deleted ([`super::import_write`]); into another, they mean nothing.
pub const COLUMNS: [&str; 28] = [
    "no",
    "type",
    "name",
    "company_no",
    "search_name",
    "job_title",
    "address",
    "address_2",
    "city",
    "post_code",
    "country_code",
    "phone",
    "mobile",
    "email",
    "website",
    "salesperson_code",
    "territory_code",
    "language_code",
    "correspondence_type",
    "organizational_level_code",
    "exclude_from_segment",
    "privacy_blocked",
    "industry_groups",
    "business_relations",
    "mailing_groups",
    "job_responsibilities",
    "version",
    "exported_from",
];

/// Separator inside the classification columns: `RETAIL|WHOLESALE`.
pub const LIST_SEPARATOR: char = '|';

pub fn flag(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// `true`/`false`, `yes`/`no`, `1`/`0`, `x`/empty.
pub fn parse_flag(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "x" | "y" => Some(true),
        "false" | "no" | "0" | "" | "n" => Some(false),
        _ => None,
    }
}

/// Correspondence types as stored; import also takes the labels.
pub fn parse_correspondence(value: &str) -> Option<&'static str> {
    match value
        .trim()
        .to_ascii_lowercase()
        .replace(['-', '_'], " ")
        .as_str()
    {
        "" => Some(""),
        "hard copy" | "hardcopy" => Some("hard_copy"),
        "email" | "e mail" => Some("email"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(parse_flag("Yes"), Some(true));
        assert_eq!(parse_flag(""), Some(false));
        assert_eq!(parse_flag("maybe"), None);
        assert_eq!(parse_correspondence("E-mail"), Some("email"));
        assert_eq!(parse_correspondence("hard_copy"), Some("hard_copy"));
        assert_eq!(parse_correspondence("fax"), None);
    }
}
