//! The contact CSV format, shared by export and import: the columns, how values are written,
//! and the neutralising of cells a spreadsheet would run as formulas.

use std::borrow::Cow;

/// The columns, in order. Import needs `type` and `name`; the others may be left out.
pub const COLUMNS: [&str; 26] = [
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
];

/// Separator inside the classification columns: `RETAIL|WHOLESALE`.
pub const LIST_SEPARATOR: char = '|';

fn is_formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// Whether a cell, after any leading apostrophes, starts like a formula.
fn formula_after_apostrophes(cell: &str) -> bool {
    cell.trim_start_matches('\'')
        .chars()
        .next()
        .is_some_and(is_formula_start)
}

/// A cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage return), possibly after
/// apostrophes, gets one more leading apostrophe, so spreadsheets show it as text instead of
/// running it, and [`unneutralise`] gives back exactly the original.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if formula_after_apostrophes(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Undoes [`neutralise`], so that import accepts what export wrote.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_after_apostrophes(rest) => rest,
        _ => cell,
    }
}

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
    fn formulas_are_neutralised_and_restored() {
        for cell in ["=1+1", "+45 1234", "-5", "@SUM(A1)", "\tx", "'=already"] {
            let out = neutralise(cell);
            assert!(out.starts_with('\''), "{cell}");
            assert_eq!(unneutralise(&out), cell);
        }
        assert_eq!(neutralise("Acme"), "Acme");
        assert_eq!(unneutralise("'quoted"), "'quoted");
    }

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
