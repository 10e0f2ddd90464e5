//! Contact import: the checks of one row on its own (its type, name, lengths, e-mail, codes,
//! flags and version), which make it an [`ImportRow`] or give its problems. The checks that
//! need the whole file are SQL over the staged rows ([`super::import_write`]).

use super::csv_format::{
    parse_correspondence, parse_flag, read_as_exported, AS_EXPORTED, LIST_SEPARATOR,
};
use super::import::{Codes, ImportRow};
use super::model::valid_email;

/// Checks one row: `get` reads a column's cell (empty when the file has no such column), `has`
/// tells whether the file has the column.
pub(super) fn check_row(
    line: u64,
    get: &dyn Fn(&str) -> String,
    has: &dyn Fn(&str) -> bool,
    codes: &Codes,
) -> Result<ImportRow, Vec<String>> {
    let mut errors: Vec<String> = Vec::new();
    let kind = get("type").to_lowercase();
    if kind != "company" && kind != "person" {
        errors.push(format!(
            "type must be company or person, not \"{}\"",
            shown(&kind)
        ));
    }
    let name = get("name");
    if name.is_empty() {
        errors.push("name is empty".into());
    }
    let no = get("no").to_uppercase();
    if let Some(problem) = no_problem(&no) {
        errors.push(format!("no \"{}\" {problem}", shown(&no)));
    }
    let company_no = match get("company_no").to_uppercase() {
        // Business Central gives a company its own No. as its Company No. (its export does).
        own if kind == "company" && !no.is_empty() && own == no => String::new(),
        company_no => company_no,
    };
    if kind == "company" && !company_no.is_empty() {
        errors
            .push("a company does not belong to another company (company_no must be empty)".into());
    } else if let Some(problem) = no_problem(&company_no) {
        errors.push(format!(
            "company_no \"{}\" {problem}: give the company's No., not its name",
            shown(&company_no)
        ));
    }
    let limits = [
        ("name", 100),
        ("search_name", 100),
        ("job_title", 100),
        ("address", 100),
        ("address_2", 100),
        ("city", 50),
        ("post_code", 20),
        ("phone", 30),
        ("mobile", 30),
        ("email", 250),
        ("website", 250),
    ];
    for (field, max) in limits {
        let value = match field {
            "search_name" | "post_code" => get(field).to_uppercase(),
            _ => get(field),
        };
        if value.chars().count() > max {
            errors.push(format!("{field} is longer than {max} characters"));
        }
    }
    for (field, _) in limits {
        if let Some(problem) = not_one_line(field, &get(field)) {
            errors.push(problem);
        }
    }
    for field in ["phone", "mobile"] {
        let value = get(field);
        if excel_shortened(&value) {
            errors.push(format!(
                "{field} \"{}\" is a number Excel shortened, and its digits are lost: format \
                 the column as Text in Excel and type them again, or import Rapport's .xlsx \
                 export",
                shown(&value)
            ));
        }
    }
    let email = get("email");
    if !email.is_empty() && !valid_email(&email) {
        errors.push(format!(
            "email \"{}\" is not an e-mail address",
            shown(&email)
        ));
    }
    let correspondence = parse_correspondence(&get("correspondence_type"));
    if correspondence.is_none() {
        errors.push("correspondence_type must be empty, hard_copy or email".into());
    }
    let mut code = |field: &str, table: &str, what: &str| -> Option<String> {
        let value = codes.now(table, get(field).to_uppercase());
        if value.is_empty() {
            None
        } else {
            if !codes.has(table, &value) {
                errors.push(format!("unknown {what} {}", shown(&value)));
            }
            Some(value)
        }
    };
    let country_code = code("country_code", "countries", "country/region");
    let salesperson_code = code("salesperson_code", "salespeople", "salesperson");
    let territory_code = code("territory_code", "territories", "territory");
    let language_code = code("language_code", "languages", "language");
    let organizational_level_code = code(
        "organizational_level_code",
        "organizational_levels",
        "organizational level",
    );
    let mut list = |field: &str, table: &str, what: &str, allowed: bool| -> Vec<String> {
        let raw = get(field);
        let values: Vec<String> = raw
            .split(LIST_SEPARATOR)
            .map(|v| v.trim().to_uppercase())
            .filter(|v| !v.is_empty())
            .map(|v| codes.now(table, v))
            .collect();
        // Said only of a row of a known type: a wrong one is a problem of its own.
        if !values.is_empty() && !allowed && (kind == "company" || kind == "person") {
            errors.push(format!("{field} are not assigned to a {kind}"));
        }
        for v in &values {
            if !codes.has(table, v) {
                errors.push(format!("unknown {what} {}", shown(v)));
            }
        }
        let mut unique = values;
        unique.sort();
        unique.dedup();
        unique
    };
    let is_company = kind == "company";
    let industry_groups = list(
        "industry_groups",
        "industry_groups",
        "industry group",
        is_company,
    );
    let business_relations = list(
        "business_relations",
        "business_relations",
        "business relation",
        is_company,
    );
    let mailing_groups = list("mailing_groups", "mailing_groups", "mailing group", true);
    let job_responsibilities = list(
        "job_responsibilities",
        "job_responsibilities",
        "job responsibility",
        !is_company,
    );
    let mut flag = |field: &str| -> bool {
        let raw = get(field);
        parse_flag(&raw).unwrap_or_else(|| {
            errors.push(format!(
                "{field} must be true or false, not \"{}\"",
                shown(&raw)
            ));
            false
        })
    };
    let exclude_from_segment = flag("exclude_from_segment");
    let privacy_blocked = flag("privacy_blocked");
    let version = match get("version") {
        v if v.is_empty() => None,
        v => {
            let parsed = v
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=i32::MAX as u64).contains(n));
            if parsed.is_none() {
                errors.push(format!(
                    "version must be the contact's version as exported (a whole number), not \"{}\"",
                    shown(&v)
                ));
            }
            parsed
        }
    };
    // The lists as exported count with the version they were exported with: a row whose
    // version cell is emptied is written as the file says, lists included.
    let as_exported = match version {
        Some(_) if has(AS_EXPORTED) => match read_as_exported(&get(AS_EXPORTED)) {
            Ok(lists) => Some(codes.lists_now(lists)),
            Err(wrong) => {
                errors.push(format!(
                    "{AS_EXPORTED} must be the lists as exported (such as \
                     \"mailing_groups=NEWS|XMAS\"): {wrong}"
                ));
                None
            }
        },
        _ => None,
    };
    // Correspondence by e-mail needs an address: checked over the whole file, with the
    // contact's own values where the file has no such column (`import_write::check`).
    if !errors.is_empty() {
        return Err(errors);
    }
    // Code fields in Business Central: upper case (see `ContactForm::normalised`).
    let search_name = match get("search_name") {
        s if s.is_empty() => name.to_uppercase().chars().take(100).collect(),
        s => s.to_uppercase(),
    };
    Ok(ImportRow {
        line,
        no,
        kind,
        name,
        company_no,
        search_name,
        job_title: get("job_title"),
        address: get("address"),
        address_2: get("address_2"),
        city: get("city"),
        post_code: get("post_code").to_uppercase(),
        country_code,
        phone: get("phone"),
        mobile: get("mobile"),
        email,
        website: get("website"),
        salesperson_code,
        territory_code,
        language_code,
        correspondence_type: correspondence.unwrap_or("").to_string(),
        organizational_level_code,
        exclude_from_segment,
        privacy_blocked,
        industry_groups,
        business_relations,
        mailing_groups,
        job_responsibilities,
        version,
        exported_from: get("exported_from"),
        as_exported,
    })
}

/// A cell of a one-line field holding a line break (Alt+Enter in Excel, a quoted CSV cell
/// over two lines), a tab or another control character: the contact form shows it on one
/// line, so the list showed "Alt Enter", a search for that found nothing, and the next save
/// from the card glued the lines together ("Hovedgaden 12. sal").
fn not_one_line(field: &str, value: &str) -> Option<String> {
    let what = if value.contains(['\n', '\r']) {
        "a line break (Alt+Enter in Excel)"
    } else if value.contains('\t') {
        "a tab"
    } else if value.chars().any(char::is_control) {
        "a control character"
    } else {
        return None;
    };
    let instead = match field {
        "address" => ": put its second line in address_2",
        _ => ": a contact's field holds one line; remove it, or write a space or a comma",
    };
    Some(format!(
        "{field} \"{}\" holds {what}{instead}",
        shown(value)
    ))
}

/// A value as a problem quotes it: its first 40 characters (and "…" when there are more), a
/// line break or other control character as a space. A problem is one line of the job's
/// page however long or broken the cell it names.
pub fn shown(value: &str) -> String {
    const SHOWN: usize = 40;
    let mut out: String = value
        .chars()
        .take(SHOWN)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if value.chars().nth(SHOWN).is_some() {
        out.push('…');
    }
    out
}

/// What is wrong with a contact No. given in a file (`None` when empty or right). The
/// characters a new contact's No. may not hold are checked over the whole file, where it is
/// known which numbers are new ([`super::import_write::check`]).
fn no_problem(no: &str) -> Option<String> {
    if no.is_empty() {
        None
    } else if no.chars().count() > 20 || no.chars().any(char::is_whitespace) {
        Some("must be at most 20 characters without spaces".into())
    } else if no.chars().any(crate::db::text::invisible) {
        Some("holds an invisible character (such as a zero-width space): type it again".into())
    } else if no.chars().any(char::is_control) {
        Some("holds a control character: type it again".into())
    } else {
        None
    }
}

/// Whether a cell is a number as Excel shows one too long for its column, and saves it in a
/// CSV file so ("4.91761E+12", "4,92E+12"): the digits past the first few are gone.
fn excel_shortened(value: &str) -> bool {
    let Some((mantissa, exponent)) = value.trim().split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let (whole, fraction) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole)
        && (fraction.is_empty() || digits(fraction))
        && digits(exponent)
        && exponent.len() <= 3
}

/// The text columns a Windows-1252 file may have lost letters of.
const LOSSY_COLUMNS: [&str; 7] = [
    "name",
    "search_name",
    "job_title",
    "address",
    "address_2",
    "city",
    "post_code",
];

/// The characters Windows-1252 holds (a regular expression's bracket expression): ASCII,
/// Latin-1's letters and signs, and the 27 of 0x80–0x9F.
const WINDOWS_1252: &str = "\\x01-\\x7F\\xA0-\\xFF€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";

/// A file read as Windows-1252 (Excel's "CSV (Comma delimited)") has "?" where a contact's
/// name held a letter Windows-1252 cannot (Polish, Czech, Greek, Cyrillic, an emoji as one or
/// two): such a cell, the stored value with those letters as "?", is the stored value, not a
/// change (an update wrote "R?d?" over "Różą", said as updated). `columns`: the file's.
pub(super) fn keep_what_windows_1252_lost(
    conn: &mut diesel::PgConnection,
    columns: &[&str],
) -> diesel::QueryResult<()> {
    use diesel::connection::SimpleConnection;
    let kept: Vec<&str> = LOSSY_COLUMNS
        .iter()
        .copied()
        .filter(|c| columns.contains(c))
        .collect();
    if kept.is_empty() {
        return Ok(());
    }
    let lost = |column: &str, wide: &str| {
        format!(
            "regexp_replace(regexp_replace(c.{column}, '[\\U00010000-\\U0010FFFF]', '{wide}', 'g'), \
             '[^{WINDOWS_1252}]', '?', 'g')"
        )
    };
    let sets: Vec<String> = kept
        .iter()
        .map(|c| {
            format!(
                "{c} = CASE WHEN r.{c} <> c.{c} AND r.{c} IN ({}, {}) THEN c.{c} ELSE r.{c} END",
                lost(c, "?"),
                lost(c, "??")
            )
        })
        .collect();
    let any: Vec<String> = kept
        .iter()
        .map(|c| format!("c.{c} ~ '[^{WINDOWS_1252}]'"))
        .collect();
    conn.batch_execute(&format!(
        "UPDATE import_rows r SET {} FROM contacts c WHERE c.id = r.existing_id AND ({})",
        sets.join(", "),
        any.join(" OR ")
    ))
}

#[cfg(test)]
mod tests {
    use super::excel_shortened;

    #[test]
    fn a_number_excel_shortened_is_told_from_a_phone() {
        for shortened in ["4.91761E+12", "4,92E+12", "4E+12", " 1.2e+10 "] {
            assert!(excel_shortened(shortened), "{shortened}");
        }
        for phone in [
            "+45 86 12 34 56",
            "004917612345678",
            "86123456",
            "E+12",
            "4.9E+",
            "Ext 12",
            "1-800-FLOWERS",
            "",
        ] {
            assert!(!excel_shortened(phone), "{phone}");
        }
    }
}
