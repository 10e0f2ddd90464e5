//! Number series: the next free number of a series (e.g. `CT000001`), safe under concurrency,
//! and the checks of a series' change; their pages, `/setup/number-series`, are in `pages`.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use serde::Deserialize;

use super::registry::{self, Kind, SetupTable};
use super::support::{check_shown, check_text, shown, Change, CHANGED, DESCRIPTION_MAX};
use crate::db::schema::number_series;
use crate::web::FormErrors;

pub const CONTACTS: &str = "CONTACT";
pub const SEGMENTS: &str = "SEGMENT";
pub const CAMPAIGNS: &str = "CAMPAIGN";
pub const OPPORTUNITIES: &str = "OPPORTUNITY";

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = Text)]
    prefix: String,
    #[diesel(sql_type = Integer)]
    width: i32,
    #[diesel(sql_type = BigInt)]
    first: i64,
}

/// Formats number `n` of a series: prefix, then `n` zero-padded to `width` digits.
pub fn format(prefix: &str, width: i32, n: i64) -> String {
    format!("{prefix}{n:0width$}", width = width.max(1) as usize)
}

/// A series whose next number would pass the 20 characters a No. may have: used up, until an
/// administrator shortens its prefix. Carried as a query error ([`used_up`]); a page shows it
/// as a refusal (409) that says so, where the number's CHECK made it a 500.
#[derive(Debug)]
pub struct UsedUp {
    pub code: String,
    pub number: String,
}

impl std::fmt::Display for UsedUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let next = if self.number.is_empty() {
            "its next numbers".to_string()
        } else {
            format!("its next number, {},", self.number)
        };
        write!(
            f,
            "Number series {} is used up: {next} would be longer than the {NUMBER_MAX} \
             characters a No. may have. Nothing was saved. An administrator can give the \
             series a shorter prefix or another start (Setup, Number series).",
            self.code
        )
    }
}

impl std::error::Error for UsedUp {}

/// `Err` when `number` (the last one taken of series `code`) is too long to be stored.
fn used_up(code: &str, number: String) -> QueryResult<()> {
    if number.chars().count() <= NUMBER_MAX {
        return Ok(());
    }
    Err(used_up_error(code, number))
}

/// [`UsedUp`] as a query error: `number` the first too long ("" when not known).
pub fn used_up_error(code: &str, number: String) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(Box::new(UsedUp {
        code: code.to_string(),
        number,
    }))
}

/// Takes `count` consecutive numbers from series `code` and returns the first one's parts.
/// The series row stays locked until the caller's transaction ends, so two users creating at
/// the same moment get different numbers; a rolled-back transaction gives its numbers back.
pub fn take(conn: &mut PgConnection, code: &str, count: i64) -> QueryResult<(String, i32, i64)> {
    let taken: Taken = diesel::sql_query(
        "UPDATE number_series SET next_number = next_number + $2 WHERE code = $1 \
         RETURNING prefix, width, next_number - $2 AS first",
    )
    .bind::<Text, _>(code)
    .bind::<BigInt, _>(count)
    .get_result(conn)?;
    let last = taken.first + count.max(1) - 1;
    used_up(code, format(&taken.prefix, taken.width, last))?;
    Ok((taken.prefix, taken.width, taken.first))
}

/// Locks series `code` and returns its prefix, width and next number, for a caller that
/// counts how many numbers it used while it uses them and then calls [`advance`] in the same
/// transaction (no count beforehand). Nobody else takes a number of the series meanwhile.
pub fn hold(conn: &mut PgConnection, code: &str) -> QueryResult<(String, i32, i64)> {
    let taken: Taken = diesel::sql_query(
        "SELECT prefix, width, next_number AS first FROM number_series WHERE code = $1 FOR UPDATE",
    )
    .bind::<Text, _>(code)
    .get_result(conn)?;
    Ok((taken.prefix, taken.width, taken.first))
}

/// Moves series `code` on by `count` numbers (after [`hold`]).
pub fn advance(conn: &mut PgConnection, code: &str, count: i64) -> QueryResult<()> {
    let last: Taken = diesel::sql_query(
        "UPDATE number_series SET next_number = next_number + $2 WHERE code = $1 \
         RETURNING prefix, width, next_number - 1 AS first",
    )
    .bind::<Text, _>(code)
    .bind::<BigInt, _>(count)
    .get_result(conn)?;
    if count > 0 {
        used_up(code, format(&last.prefix, last.width, last.first))?;
    }
    Ok(())
}

/// The next number of series `code`, e.g. `CT000042`, skipping numbers that records already
/// have (after its prefix, width or next number was changed, or an import brought them), so
/// it is never a number that is taken. The series row stays locked until the caller's
/// transaction ends: nobody else takes a number of the series before this one is used. Three
/// statements, whatever the number of records.
pub fn next(conn: &mut PgConnection, code: &str) -> QueryResult<String> {
    let series: NumberSeries = number_series::table
        .find(code)
        .select(NumberSeries::as_select())
        .for_update()
        .first(conn)?;
    let n = match NUMBERED.iter().find(|(c, _, _)| *c == code) {
        Some((_, table, column)) => first_free(
            conn,
            table,
            column,
            &series.prefix,
            series.width,
            series.next_number,
        )?,
        None => series.next_number,
    };
    let number = format(&series.prefix, series.width, n);
    used_up(code, number.clone())?;
    diesel::update(number_series::table.find(code))
        .set(number_series::next_number.eq(n + 1))
        .execute(conn)?;
    Ok(number)
}

/// Where the numbers of a series are stored (table, column): a next number that is taken is
/// refused when the series is changed, and skipped when a record is created.
pub const NUMBERED: &[(&str, &str, &str)] = &[
    (CONTACTS, "contacts", "no"),
    // A deleted segment's No. stays on the interaction entries it logged (and its range of
    // them), its opportunities and its mailing group applications: given again, the new
    // segment's entries were listed and filtered as the old one's, and its opportunities
    // linked to it (and Create Opportunities passed over their contacts).
    (SEGMENTS, SEGMENT_NUMBERS, "no"),
    (CAMPAIGNS, "campaigns", "no"),
    (OPPORTUNITIES, "opportunities", "no"),
];

/// The segments' numbers, and those of deleted segments whose logged entries, opportunities or
/// mailing group applications stay.
const SEGMENT_NUMBERS: &str = "(SELECT no::text AS no FROM segments \
     UNION ALL SELECT segment_no AS no FROM segment_entry_ranges \
     UNION ALL SELECT segment_no AS no FROM opportunities WHERE segment_no IS NOT NULL \
     UNION ALL SELECT segment_no AS no FROM mailing_group_applications WHERE segment_id IS NULL) \
     segment_numbers";

/// A CTE `taken (v)`: the numbers of `table.column` that belong to a series with prefix `$1`
/// and width `$2`, as values. A number belongs when its digits are written as [`format`]
/// writes them (zero-padded to the width, or longer without leading zeros).
pub fn taken_cte(table: &str, column: &str) -> String {
    taken_cte_at(table, column, "$1", "$2")
}

/// [`taken_cte`] with the prefix and the width bound as `prefix` and `width` (placeholders).
pub fn taken_cte_at(table: &str, column: &str, prefix: &str, width: &str) -> String {
    format!(
        "taken AS MATERIALIZED (SELECT v FROM {} \
         WHERE v IS NOT NULL AND length(d) = GREATEST({width}, length(v::text)))",
        numbers_of(table, column, prefix)
    )
}

/// The records of `table.column` whose number starts with `prefix` (a placeholder), as
/// `n (no, d, v)`: the number, its digits after the prefix, and their value (NULL when they
/// are not digits).
fn numbers_of(table: &str, column: &str, prefix: &str) -> String {
    format!(
        "(SELECT no, d, CASE WHEN d ~ '^[0-9]{{1,18}}$' THEN d::bigint END AS v FROM ( \
           SELECT {column}::text AS no, substr({column}::text, length({prefix}) + 1) AS d \
           FROM {table} WHERE left({column}::text, length({prefix})) = {prefix}) s) n"
    )
}

/// The first number at or after `from` that no record of `table.column` has: an index lookup
/// when `from` is free, else one pass over the series' numbers to the end of the run of
/// taken numbers that starts at `from`.
pub fn first_free(
    conn: &mut PgConnection,
    table: &str,
    column: &str,
    prefix: &str,
    width: i32,
    from: i64,
) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Free {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let free: Free = diesel::sql_query(format!(
        "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM {table} WHERE {column} = $4) THEN $3 \
           ELSE (WITH {} SELECT min(t.v) + 1 FROM taken t \
                 WHERE t.v >= $3 AND NOT EXISTS (SELECT 1 FROM taken u WHERE u.v = t.v + 1)) \
         END AS n",
        taken_cte(table, column)
    ))
    .bind::<Text, _>(prefix)
    .bind::<Integer, _>(width)
    .bind::<BigInt, _>(from)
    .bind::<Text, _>(format(prefix, width, from))
    .get_result(conn)?;
    Ok(free.n)
}

/// The longest prefix.
pub const PREFIX_MAX: usize = 10;
/// Numbers are codes: at most 20 characters with the prefix.
pub const NUMBER_MAX: usize = 20;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = number_series)]
pub struct NumberSeries {
    pub code: String,
    pub description: String,
    pub prefix: String,
    pub width: i32,
    pub next_number: i64,
}

impl NumberSeries {
    /// The number its next number makes, e.g. `CT000001` (a new record gets the first free one
    /// from there: [`next_free`]).
    pub fn example(&self) -> String {
        format(&self.prefix, self.width, self.next_number)
    }
}

/// The number the next new record of the series gets: its next number, or, when a record has
/// that one already (an import brought it, say), the first free one after it — as [`next`]
/// gives it. (The pages said the next number, which a new record then skipped.)
pub fn next_free(conn: &mut PgConnection, s: &NumberSeries) -> QueryResult<String> {
    let n = match NUMBERED.iter().find(|(c, _, _)| *c == s.code) {
        Some((_, table, column)) => {
            first_free(conn, table, column, &s.prefix, s.width, s.next_number)?
        }
        None => s.next_number,
    };
    Ok(format(&s.prefix, s.width, n))
}

pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<NumberSeries>> {
    number_series::table
        .select(NumberSeries::as_select())
        .order(number_series::code.asc())
        .load(conn)
}

pub fn find(conn: &mut PgConnection, code: &str) -> QueryResult<Option<NumberSeries>> {
    number_series::table
        .find(code)
        .select(NumberSeries::as_select())
        .first(conn)
        .optional()
}

/// When the next number of series `code` with these changes is one a record already has: a
/// message naming it and the first free number from there.
fn taken_by(
    conn: &mut PgConnection,
    code: &str,
    changes: &SeriesChanges,
    next_number: i64,
) -> QueryResult<Option<String>> {
    let Some((_, table, column)) = NUMBERED.iter().find(|(c, _, _)| *c == code) else {
        return Ok(None);
    };
    let (prefix, width) = (changes.prefix.as_str(), changes.width);
    let free = first_free(conn, table, column, prefix, width, next_number)?;
    if free == next_number {
        return Ok(
            other_width(conn, table, column, prefix, width, next_number)?.map(|(example, top)| {
                format!(
                    "{example} already has number {top} written in another width: from \
                     {} on, the series would give {} too. Set the next number to {} or \
                     higher, or keep the width.",
                    format(prefix, width, next_number),
                    format(prefix, width, top),
                    top + 1
                )
            }),
        );
    }
    let what = match *table {
        "contacts" => "a contact",
        SEGMENT_NUMBERS => {
            "a segment (or the interaction entries, opportunities or mailing group \
             applications of a deleted one)"
        }
        "opportunities" => "an opportunity",
        _ => "a campaign",
    };
    Ok(Some(format!(
        "The next number would be {}, which {what} already has. The first free number from \
         there is {}: set the next number to {free} or higher, or choose another prefix.",
        format(prefix, width, next_number),
        format(prefix, width, free),
    )))
}

/// A record of the prefix whose number, written in another width, has a value the series
/// would give from `from` on (CT000011 beside a width of 5 and a next number up to 11: the
/// series would give CT00011, a second "number 11"); the highest value and the record that
/// has it (the message names them together: the lowest record beside the highest value said
/// "CT000005 already has number 10010").
fn other_width(
    conn: &mut PgConnection,
    table: &str,
    column: &str,
    prefix: &str,
    width: i32,
    from: i64,
) -> QueryResult<Option<(String, i64)>> {
    #[derive(QueryableByName)]
    struct Other {
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        example: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
        top: Option<i64>,
    }
    let found: Other = diesel::sql_query(format!(
        "SELECT (array_agg(no ORDER BY v DESC))[1] AS example, max(v) AS top FROM {} \
         WHERE v IS NOT NULL AND v >= $3 AND length(d) <> GREATEST($2, length(v::text))",
        numbers_of(table, column, "$1")
    ))
    .bind::<Text, _>(prefix)
    .bind::<Integer, _>(width)
    .bind::<BigInt, _>(from)
    .get_result(conn)?;
    Ok(found.example.zip(found.top))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct SeriesForm {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub width: String,
    #[serde(default)]
    pub next_number: String,
    /// The next number when the form was shown: numbers taken meanwhile are not given out
    /// twice by saving an old value.
    #[serde(default)]
    pub current_next: String,
    /// The description, prefix and width as the form showed them
    /// ([`super::support::shown`]; the next number moves with every record numbered, and has
    /// `current_next`).
    #[serde(default)]
    pub shown: String,
}

/// What [`SeriesForm::shown`] is a digest of: the series but its next number.
fn shown_part(s: &NumberSeries) -> (&str, &str, i32) {
    (&s.description, &s.prefix, s.width)
}

fn shown_of(s: &NumberSeries) -> String {
    shown(&shown_part(s))
}

/// A valid form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeriesChanges {
    pub description: String,
    pub prefix: String,
    pub width: i32,
    pub next_number: i64,
}

impl SeriesForm {
    fn from_row(s: &NumberSeries) -> Self {
        SeriesForm {
            description: s.description.clone(),
            prefix: s.prefix.clone(),
            width: s.width.to_string(),
            next_number: s.next_number.to_string(),
            current_next: s.next_number.to_string(),
            shown: shown_of(s),
        }
    }

    pub fn cleaned(self) -> Self {
        SeriesForm {
            description: self.description.trim().to_string(),
            prefix: self.prefix.trim().to_uppercase(),
            width: self.width.trim().to_string(),
            next_number: crate::web::forms::without_thousands(&self.next_number),
            current_next: self.current_next.trim().to_string(),
            shown: self.shown,
        }
    }

    /// The example of the typed values, when they make one.
    pub fn example(&self) -> Option<String> {
        self.parse()
            .ok()
            .map(|c| format(&c.prefix, c.width, c.next_number))
    }

    /// Whether the next number was typed anew: it is not the one the form showed.
    fn next_touched(&self) -> bool {
        self.current_next.parse::<i64>().ok() != self.next_number.parse::<i64>().ok()
    }

    pub fn parse(&self) -> Result<SeriesChanges, FormErrors> {
        let mut errors = FormErrors::new();
        check_text(
            &mut errors,
            "description",
            &self.description,
            DESCRIPTION_MAX,
            None,
        );
        let prefix_len = self.prefix.chars().count();
        if prefix_len > PREFIX_MAX {
            errors.add(
                "prefix",
                format!("Use at most {PREFIX_MAX} characters; this prefix has {prefix_len}."),
            );
        } else if self
            .prefix
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            errors.add("prefix", "A prefix cannot contain spaces.");
        } else if self.prefix.chars().any(crate::db::text::invisible) {
            // Every new number would carry it: alike to the eye, not found when typed.
            errors.add(
                "prefix",
                "A prefix cannot contain invisible characters (such as a zero-width space \
                 pasted with it): type it again.",
            );
        } else if let Some((c, why)) = no_char_refused(&self.prefix) {
            errors.add("prefix", format!("A prefix cannot contain {c}: {why}."));
        }
        let width = self
            .width
            .parse::<i32>()
            .ok()
            .filter(|w| (1..=15).contains(w));
        if width.is_none() {
            errors.add("width", "Enter a whole number from 1 to 15.");
        }
        let next = self.next_number.parse::<i64>();
        let too_large = matches!(&next, Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow);
        let next = next.ok().filter(|n| *n >= 1);
        if too_large {
            // A whole number of at least 1, beyond any width a series can have.
            errors.add(
                "next_number",
                "This number is too large: a series' numbers have at most 15 digits.",
            );
        } else if next.is_none() {
            errors.add("next_number", "Enter a whole number of at least 1.");
        }
        if let Some(width) = width {
            if !errors.has("prefix") && prefix_len + width as usize > NUMBER_MAX {
                errors.add(
                    "width",
                    format!(
                        "With the prefix, numbers would be {} characters long; at most \
                         {NUMBER_MAX} fit. Shorten the prefix or the width.",
                        prefix_len + width as usize
                    ),
                );
            }
            // A next number the form shows as it was (untouched) may be past the width: the
            // series gives longer numbers once its width is used up (a million contacts at
            // width 6), and a change of the description or prefix is saved over it.
            if let Some(next) = next.filter(|_| self.next_touched()) {
                let digits = next.to_string().len();
                if digits > width as usize {
                    errors.add(
                        "next_number",
                        format!(
                            "{next} has {digits} digits but the width is {width}. Widen the \
                             series or choose a smaller number."
                        ),
                    );
                }
            }
        }
        match (width, next) {
            (Some(width), Some(next_number)) if errors.is_empty() => Ok(SeriesChanges {
                description: self.description.clone(),
                prefix: self.prefix.clone(),
                width,
                next_number,
            }),
            _ => Err(errors),
        }
    }
}

mod pages;
pub use pages::*;

/// The first character of `no` that a record's No. may not hold (or `..`), and why: a series' prefix
/// and a No. given in an import are refused it. A record's No. is the last part of its
/// address (`/contacts/FV/000001` would be another page, `/contacts/CT#000001` the page of
/// CT), and a No. typed into a filter (a segment's No. or Company No.) is read in the filter
/// syntax (`A|000001` would be two alternatives, matching neither unsaid).
pub fn no_char_refused(no: &str) -> Option<(String, &'static str)> {
    NOT_IN_NUMBERS
        .iter()
        .find_map(|(chars, why)| {
            no.chars()
                .find(|c| chars.contains(*c))
                .map(|c| (c.to_string(), *why))
        })
        .or_else(|| no.contains("..").then(|| ("..".to_string(), TWO_DOTS)))
}

/// Why a No. may not hold two dots together: a filter reads `SM..00001` as a range.
pub const TWO_DOTS: &str = "two dots together mean a range in filters, where numbers are typed";

/// The characters a record's No. may not hold, and why ([`no_char_refused`]), the reasons
/// in the order they are looked for.
pub const NOT_IN_NUMBERS: [(&str, &str); 2] = [
    ("/?#%\\", "the numbers are part of the records' addresses"),
    (
        "|*&@<>='()",
        "it has a meaning in filters, where numbers are typed",
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn a_next_number_past_any_width_is_said_too_large() {
        let form = super::SeriesForm {
            description: "Contacts".into(),
            prefix: "CT".into(),
            width: "6".into(),
            next_number: "99999999999999999999".into(),
            current_next: "1".into(),
            shown: String::new(),
        };
        let errors = form.parse().unwrap_err();
        assert_eq!(
            errors.get("next_number"),
            Some("This number is too large: a series' numbers have at most 15 digits.")
        );
    }

    #[test]
    fn numbers_are_zero_padded_after_the_prefix() {
        assert_eq!(super::format("CT", 6, 1), "CT000001");
        assert_eq!(super::format("SM", 5, 123456), "SM123456");
        assert_eq!(super::format("", 4, 7), "0007");
    }

    fn form(prefix: &str, width: &str, next: &str) -> super::SeriesForm {
        super::SeriesForm {
            description: "Contacts".into(),
            prefix: prefix.into(),
            width: width.into(),
            next_number: next.into(),
            current_next: "1".into(),
            shown: String::new(),
        }
        .cleaned()
    }

    #[test]
    fn series_forms_are_checked() {
        let ok = form(" kt ", "7", "1,204").parse().unwrap();
        assert_eq!(
            (ok.prefix.as_str(), ok.width, ok.next_number),
            ("KT", 7, 1204)
        );
        assert_eq!(
            form("kt", "7", "1204").example().as_deref(),
            Some("KT0001204")
        );
        let e = form("ABCDEFGHIJK", "0", "0").parse().unwrap_err();
        assert!(e.has("prefix") && e.has("width") && e.has("next_number"));
        let e = form("ABCDEFGHIJ", "15", "1").parse().unwrap_err();
        assert!(e.get("width").unwrap().contains("25 characters"));
        let e = form("CT", "3", "10000").parse().unwrap_err();
        assert!(e.get("next_number").unwrap().contains("5 digits"));
        // The series' own next number, past its width by use, is no error when untouched.
        let mut used = form("CT", "3", "10000");
        used.current_next = "10000".into();
        assert_eq!(used.parse().unwrap().next_number, 10000);
        // Thousands separators that do not group by three are no number.
        let e = form("CT", "6", "10,00").parse().unwrap_err();
        assert!(e.has("next_number"));
        assert!(form("CT", "6", ",100").parse().is_err());
        assert_eq!(form("CT", "6", "1 204").parse().unwrap().next_number, 1204);
        assert!(form("C T", "3", "1").parse().is_err());
        assert!(form("CT", "x", "1").parse().is_err());
        // What a filter reads as its syntax is refused: a No. is typed into filters.
        for prefix in ["A|", "C*", "<X", "K'", "A&B"] {
            let e = form(prefix, "6", "1").parse().unwrap_err();
            assert!(
                e.get("prefix").unwrap().contains("a meaning in filters"),
                "{prefix}"
            );
        }
        // What an address reads as its syntax too: a No. is the last part of its card's.
        for prefix in ["FV/", "CT#", "A?", "P%", "B\\"] {
            let e = form(prefix, "6", "1").parse().unwrap_err();
            assert!(
                e.get("prefix")
                    .unwrap()
                    .contains("part of the records' addresses"),
                "{prefix}"
            );
        }
        assert!(form("CT-", "6", "1").parse().is_ok());
        // Two dots together are a range ("SM..00001"); one is a character like another.
        let e = form("SM..", "5", "1").parse().unwrap_err();
        assert_eq!(
            e.get("prefix"),
            Some("A prefix cannot contain ..: two dots together mean a range in filters, where numbers are typed.")
        );
        assert!(form("S.M.", "5", "1").parse().is_ok());
    }
}
