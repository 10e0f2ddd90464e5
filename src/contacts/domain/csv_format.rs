//! The contact CSV format, shared by export and import: the columns, how values are written,
//! and their neutralising against formulas (from [`crate::web::csv`], used by every CSV).

use super::import_check::shown;
pub use crate::web::csv::{neutralise, unneutralise};

/// The columns, in order. Import needs `type` and `name`; the others may be left out.
/// `version` is the contact's version when the file was exported, `exported_from` the database
/// it was exported from (its id): an import into that database refuses a row whose contact was
/// changed since, or deleted ([`super::import_write`]); into another, they mean nothing.
/// `classifications_as_exported` holds the four lists as they were then ([`AS_EXPORTED`]): an
/// update applies the file's changes to them onto the contact's lists as they are now, so a
/// group a colleague gave the contact meanwhile stays.
pub const COLUMNS: [&str; 29] = [
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
    "classifications_as_exported",
];

/// The column of the classification lists as exported.
pub const AS_EXPORTED: &str = "classifications_as_exported";

/// The classification columns, in [`COLUMNS`] order.
pub const LISTS: [&str; 4] = [
    "industry_groups",
    "business_relations",
    "mailing_groups",
    "job_responsibilities",
];

/// The lists of a contact as [`AS_EXPORTED`] writes them: each that is not empty as
/// `column=CODE|CODE`, separated by spaces (a code has none): `mailing_groups=NEWS|XMAS`.
pub fn as_exported(lists: [&str; 4]) -> String {
    LISTS
        .iter()
        .zip(lists)
        .filter(|(_, codes)| !codes.is_empty())
        .map(|(column, codes)| format!("{column}={codes}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads [`as_exported`]'s text back: the four lists, each its codes in upper case, sorted,
/// joined by `|`; or what is wrong with it.
pub fn read_as_exported(text: &str) -> Result<[String; 4], String> {
    let mut lists: [Vec<String>; 4] = Default::default();
    for part in text.split_whitespace() {
        let (column, codes) = part
            .split_once('=')
            .ok_or_else(|| format!("\"{}\" is not column=codes", shown(part)))?;
        let i = LISTS
            .iter()
            .position(|c| *c == column)
            .ok_or_else(|| format!("\"{}\" is not a classification column", shown(column)))?;
        lists[i].extend(
            codes
                .split(LIST_SEPARATOR)
                .map(|c| c.trim().to_uppercase())
                .filter(|c| !c.is_empty()),
        );
    }
    Ok(lists.map(|mut codes| {
        codes.sort();
        codes.dedup();
        codes.join(&LIST_SEPARATOR.to_string())
    }))
}

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

    #[test]
    fn lists_as_exported_read_back() {
        let text = as_exported(["RETAIL|WHOLESALE", "", "NEWS", ""]);
        assert_eq!(text, "industry_groups=RETAIL|WHOLESALE mailing_groups=NEWS");
        assert_eq!(
            read_as_exported(&text).unwrap(),
            ["RETAIL|WHOLESALE", "", "NEWS", ""].map(String::from)
        );
        assert_eq!(as_exported(["", "", "", ""]), "");
        assert_eq!(read_as_exported("").unwrap(), <[String; 4]>::default());
        assert_eq!(
            read_as_exported(" mailing_groups=xmas|NEWS|xmas  job_responsibilities= ").unwrap(),
            ["", "", "NEWS|XMAS", ""].map(String::from)
        );
        assert!(read_as_exported("mailing_groups").is_err());
        assert!(read_as_exported("groups=NEWS").is_err());
    }
}
