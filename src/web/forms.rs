//! Field-level validation messages shown next to their inputs, and reading amounts and dates
//! as the office writes them (`RAPPORT_LOCALE`, see `web::locale`).

use chrono::{Datelike, NaiveDate};

use super::locale::{self, Locale};

/// A form's problems, one per field (the first said of it), in the order they were found: the
/// checks run down the form, so the summary at its top lists them as the fields come (it was
/// the fields' names in alphabetical order: "Campaign Target" before "Code").
#[derive(Clone, Debug, Default)]
pub struct FormErrors {
    fields: Vec<(&'static str, String)>,
}

impl FormErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if !self.has(field) {
            self.fields.push((field, message.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|(f, _)| *f == field)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Puts the problems in the order of `fields` (the form's), for a form whose checks do
    /// not run down it; fields not named keep their order after them.
    pub fn in_order(&mut self, fields: &[&str]) {
        self.fields
            .sort_by_key(|(f, _)| fields.iter().position(|x| x == f).unwrap_or(usize::MAX));
    }

    /// (field, message) pairs, for the error summary at the top of a form.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.fields.iter().map(|(k, v)| (*k, v.as_str()))
    }
}

/// What a stale form is told when what it says was saved meanwhile anyway (a double click's
/// second sending, or a colleague's same change): `noun` say "Campaign", `no` its No.
pub fn saved_meanwhile(noun: &str, no: &str) -> String {
    format!("{noun} {no} was saved meanwhile, already as your form says: nothing more to save.")
}

/// Trims a text field; an empty string stays empty.
pub fn clean(value: &str) -> String {
    value.trim().to_string()
}

/// A `next` URL after sign-in is only ever a path on this site.
pub fn safe_next(next: &str) -> Option<String> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    ok.then(|| next.to_string())
}

/// Why a typed amount was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmountProblem {
    /// Not an amount at all.
    Invalid,
    /// The other convention's decimal mark: "12,50" under en-GB, "12.50" under da-DK.
    WrongMark,
    /// Three decimals after one to three digits: "1.500" under en-GB is 1500 written the
    /// Danish way, or 1.5 with a third decimal that an amount of cents would round away.
    ThreeDecimals,
}

/// The thousands separator and the decimal mark of a locale (ISO reads as en-GB).
fn marks(l: Locale) -> (char, char) {
    match l {
        Locale::DaDk => ('.', ','),
        Locale::Iso | Locale::EnGb => (',', '.'),
    }
}

/// The office's decimal mark: `,` under da-DK, `.` otherwise.
pub fn decimal_mark() -> char {
    marks(locale::current()).1
}

/// A typed whole number without the office's thousands separators and spaces ("1.204" in
/// da-DK, "1,204" in en-GB → "1204"); the other convention's mark stays, to be refused, and
/// so does a separator that does not group by three ("10,00" was read as 1000, unsaid).
pub fn without_thousands(typed: &str) -> String {
    let (sep, _) = marks(locale::current());
    let t = typed.trim().replace(['_', ' '], "");
    if t.contains(sep) {
        whole_digits(&t, sep).unwrap_or(t)
    } else {
        t
    }
}

/// Whole-number digits, plain ("1234") or grouped by three with `sep` ("1,234"). A first
/// group of a leading 0 is no grouping anyone writes: "0,500" is a half written the other way,
/// not 500.
fn whole_digits(whole: &str, sep: char) -> Option<String> {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let groups: Vec<&str> = whole.split(sep).collect();
    let ok = match groups.split_first() {
        Some((first, [])) => digits(first),
        Some((first, rest)) => {
            digits(first)
                && first.len() <= 3
                && !first.starts_with('0')
                && rest.iter().all(|g| digits(g) && g.len() == 3)
        }
        None => false,
    };
    ok.then(|| groups.concat())
}

/// A whole number as typed in `l` (minutes): digits, grouped by the office's thousands
/// separator or not ("1.000" in da-DK, as its pages write it), 0 or more, within `i32`.
pub fn whole_number_in(l: Locale, typed: &str) -> Option<i32> {
    let t = typed.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || t.len() > 15 {
        return None;
    }
    whole_digits(t, marks(l).0)?.parse::<i32>().ok()
}

/// The message for minutes that [`whole_number`] refuses, with `tail` (", or leave it
/// empty"): a number too large for them is told the limit (it was told to enter a whole
/// number, which it is).
pub fn minutes_refused(typed: &str, tail: &str) -> String {
    let t = typed.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    let digits = (t.len() <= 40)
        .then(|| whole_digits(t, marks(locale::current()).0))
        .flatten();
    match digits {
        Some(d) if !d.is_empty() && d.parse::<i32>().is_err() => format!(
            "Enter at most {} minutes{tail}.",
            super::filters::number(i32::MAX as i64)
        ),
        _ => format!("Enter a whole number of minutes, 0 or more{tail}."),
    }
}

/// [`whole_number_in`] the office's locale.
pub fn whole_number(typed: &str) -> Option<i32> {
    whole_number_in(locale::current(), typed)
}

/// A typed amount in `l` as plain digits with a point ("1.234,5" in da-DK → "1234.5"), or
/// why not. A leading `+` is allowed; signs, exponents and spaces inside are not.
pub fn plain_amount_in(l: Locale, typed: &str) -> Result<String, AmountProblem> {
    let t = typed.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || t.len() > 30 {
        return Err(AmountProblem::Invalid);
    }
    let (sep, mark) = marks(l);
    let (whole, decimals) = match t.split_once(mark) {
        Some((w, d)) => (w, Some(d)),
        None => (t, None),
    };
    if let Some(d) = decimals {
        if d.is_empty() || !d.chars().all(|c| c.is_ascii_digit()) {
            return Err(AmountProblem::Invalid);
        }
    }
    let whole = if whole.is_empty() && decimals.is_some() {
        "0".to_string()
    } else {
        match whole_digits(whole, sep) {
            Some(w) => w,
            None => {
                // "12,50" in en-GB: the decimal mark of the other convention.
                let other = whole.split(sep).collect::<Vec<_>>();
                let plain = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
                return Err(match (decimals, other.as_slice()) {
                    (None, [a, b]) if plain(a) && plain(b) => AmountProblem::WrongMark,
                    _ => AmountProblem::Invalid,
                });
            }
        }
    };
    if decimals.is_some_and(|d| d.len() == 3)
        && (1..=3).contains(&whole.len())
        && whole.len() == t.len() - 4
        && !whole.starts_with('0')
    {
        return Err(AmountProblem::ThreeDecimals);
    }
    Ok(match decimals {
        Some(d) => format!("{whole}.{d}"),
        None => whole,
    })
}

/// Whether the decimals of an amount (the digits after its mark) go past cents: a third
/// decimal that is not 0 ("1.234,567", "0,004"). Amounts are kept in cents; such a value was
/// rounded without a word.
pub fn past_cents(decimals: &str) -> bool {
    decimals.chars().skip(2).any(|c| c != '0')
}

/// A typed amount in the request's locale, as plain digits with a point.
pub fn plain_amount(typed: &str) -> Result<String, AmountProblem> {
    plain_amount_in(locale::current(), typed)
}

/// "12.50" or "12,50": how an amount is written here, for a form's hint or message.
pub fn amount_example() -> &'static str {
    match locale::current() {
        Locale::DaDk => "12,50",
        Locale::Iso | Locale::EnGb => "12.50",
    }
}

/// `whole` with fifty hundredths, as the office writes an amount ("12500,50" under da-DK):
/// an example for a hint or message of an amount of that size.
pub fn amount_example_of(whole: u32) -> String {
    let (_, mark) = marks(locale::current());
    format!("{whole}{mark}50")
}

/// Amounts stay below ten billion (the columns are `NUMERIC(12,2)` at least).
pub const AMOUNT_LIMIT: i64 = 10_000_000_000;

/// The message for a refused amount, written the office's way: what was ambiguous or mistyped
/// about it, else the amounts' range with an example, or (`may_be_empty`) that the field may
/// be left empty.
pub fn amount_refused(typed: &str, may_be_empty: bool) -> String {
    let range = format!(
        "Enter an amount of 0 or more and below {}",
        super::filters::number(AMOUNT_LIMIT)
    );
    amount_message(
        typed,
        if may_be_empty {
            format!("{range}, or leave it empty.")
        } else {
            format!("{range}, like {}.", amount_example())
        },
    )
}

/// The message for a refused amount: what was ambiguous or mistyped about it, else `generic`.
/// (The office's thousands separator is read as one: "50.000" is fifty thousand under da-DK
/// and "50,000" under en-GB, as Business Central reads them by the regional settings.)
pub fn amount_message(typed: &str, generic: String) -> String {
    let l = locale::current();
    let (sep, mark) = marks(l);
    let t = typed.trim();
    match plain_amount_in(l, t) {
        Err(AmountProblem::ThreeDecimals) => {
            let plain = t.replace(mark, "");
            format!(
                "Is {t} meant as {plain}, or as {t} with three decimals? Amounts have two: write {plain} for the first, at most two decimals for the second."
            )
        }
        Ok(plain) if plain.split_once('.').is_some_and(|(_, d)| past_cents(d)) => format!(
            "{t} has more than two decimals: amounts are kept to two. Write it with at most two, \
             like {}.",
            amount_example()
        ),
        Err(AmountProblem::WrongMark) => format!(
            "Write the decimals after a {}: {}.",
            if mark == ',' { "comma" } else { "point" },
            t.replace(sep, &mark.to_string())
        ),
        _ => generic,
    }
}

/// How a date is written here: "YYYY-MM-DD", "DD/MM/YYYY" or "DD-MM-YYYY".
pub fn date_pattern() -> &'static str {
    match locale::current() {
        Locale::Iso => "YYYY-MM-DD",
        Locale::EnGb => "DD/MM/YYYY",
        Locale::DaDk => "DD-MM-YYYY",
    }
}

/// 31 January 2026 written here ("31-01-2026" in da-DK), an example for a hint or message.
pub fn date_example() -> String {
    NaiveDate::from_ymd_opt(2026, 1, 31)
        .map(super::filters::date_text)
        .unwrap_or_default()
}

/// A date as `YYYY-MM-DD`, strictly: four digits of year from 0001 to 9999, which every part
/// of the product can show and the database can store (chrono alone reads `-5000-01-01` or
/// `+12345-01-01`, and the database refuses the first).
pub fn iso_date(typed: &str) -> Option<NaiveDate> {
    let b = typed.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(typed, "%Y-%m-%d")
        .ok()
        .filter(|d| d.year() >= 1)
}

/// The `type` of a date's input: `date`, the browser's date field, while the value is empty
/// or a date as `YYYY-MM-DD` (with or without an error of its own, such as an ending before
/// the starting date: the field keeps its picker); `text` for what that field cannot hold, so
/// that a date typed another way (`30-06-2027`, or `1 April`) is shown again as typed, not
/// blanked by the browser and then saved as no date when the form is sent again.
pub fn date_input_type(value: impl AsRef<str>) -> &'static str {
    let value = value.as_ref();
    if value.is_empty() || iso_date(value).is_some() {
        "date"
    } else {
        "text"
    }
}

/// The first year a typed date may have. A browser's date field sends the year typed as
/// "26" as 0026: an interaction written so sorted last on every list, out of sight, and still
/// counted in its campaign's figures.
pub const OLDEST_YEAR: i32 = 1900;

/// A typed date in `l`: ISO `2026-11-30` always (what a browser's date field sends), and the
/// office's own way: `30/11/2026` (en-GB), `30-11-2026` or `30.11.2026` (da-DK). The year has
/// four digits, from [`OLDEST_YEAR`] to 9999.
pub fn date_in(l: Locale, typed: &str) -> Option<NaiveDate> {
    date_of_any_year(l, typed).filter(|d| d.year() >= OLDEST_YEAR)
}

fn date_of_any_year(l: Locale, typed: &str) -> Option<NaiveDate> {
    let t = typed.trim();
    let formats: &[&str] = match l {
        Locale::Iso => &[],
        Locale::EnGb => &["%d/%m/%Y"],
        Locale::DaDk => &["%d-%m-%Y", "%d.%m.%Y"],
    };
    if t.len() == 10 && t.as_bytes().get(4) == Some(&b'-') {
        return iso_date(t);
    }
    // Digits and the separators only (no sign), and four of them after the last separator.
    let plain = t.bytes().all(|c| c.is_ascii_digit() || b"/-.".contains(&c));
    let year = t.rsplit(['/', '-', '.']).next().unwrap_or("");
    let four_digit_year = plain && year.len() == 4;
    formats
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
        .filter(|d| four_digit_year && d.year() >= 1)
}

/// A typed date in the request's locale.
pub fn date(typed: &str) -> Option<NaiveDate> {
    date_in(locale::current(), typed)
}

/// A date as a conflict's table shows it: written the office's way when it can be read (the
/// saved side comes as ISO from a date field, the typed one as the user wrote it: "2027-01-05"
/// beside "06-01-2027"), else as typed.
pub fn date_as_shown(typed: &str) -> String {
    date(typed).map_or_else(|| typed.trim().to_string(), super::filters::date_text)
}

/// Why `typed`, written as a date is (three numbers), is none: a year outside 0001–9999, a
/// month past 12, a day its month does not have. `None` for anything else (not shaped as a
/// date, which the pattern answers). (It was answered with the pattern alone, which it
/// follows: "31-02-2026" was told "Enter a date as DD-MM-YYYY.")
pub fn not_in_the_calendar(typed: &str) -> Option<String> {
    let parts: Vec<&str> = typed.trim().split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if !parts
        .iter()
        .all(|p| !p.is_empty() && p.len() <= 6 && p.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    // Year first only as ISO writes it; else day first, as every other setting does.
    let (y, m, d) = if a.len() == 4 { (a, b, c) } else { (c, b, a) };
    let (year, month, day): (i32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if y.len() != 4 || year < 1 {
        return Some(format!(
            "The year has four digits, from {OLDEST_YEAR} to 9999"
        ));
    }
    if year < OLDEST_YEAR && y.starts_with('0') {
        return Some(format!(
            "The year {y} is before {OLDEST_YEAR}: write all four digits of the year (2026, \
             not 26)"
        ));
    }
    if year < OLDEST_YEAR {
        // Four digits typed: not a year cut short, a year Rapport keeps no dates of.
        return Some(format!(
            "Dates before {OLDEST_YEAR} are not kept: the year {y} is before {OLDEST_YEAR}"
        ));
    }
    if !(1..=12).contains(&month) {
        return Some(format!("There is no month {month}"));
    }
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let days = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|next| next.pred_opt())
        .map_or(31, |last| last.day());
    if day == 0 || day > days {
        return Some(format!(
            "There is no day {day} in {} {year} (it has {days} days)",
            first.format("%B")
        ));
    }
    None
}

/// The message for a date that cannot be read: why, where it is a date that the calendar does
/// not have, and how to write one, with `tail` (", or leave it empty"), as a sentence.
pub fn date_refused(typed: &str, tail: &str) -> String {
    let how = format!("enter a date as {}{tail}.", date_pattern());
    match not_in_the_calendar(typed) {
        Some(why) => format!("{why}: {how}"),
        None => {
            let mut chars = how.chars();
            chars
                .next()
                .map_or(how.clone(), |c| c.to_uppercase().chain(chars).collect())
        }
    }
}

/// A period's two ends, each `None` for an open end.
pub type Period = (Option<NaiveDate>, Option<NaiveDate>);

/// What is wrong with typed fields: each field's name and the message shown by it.
pub type Problems = Vec<(&'static str, String)>;

/// A filter's period from its two typed ends (`fields`: the From and To fields' names), each
/// empty for an open end: the dates, or what is wrong, by field — an end that cannot be read,
/// or a To date before the From date (nothing could match: said, rather than an empty list).
pub fn date_range(
    fields: (&'static str, &'static str),
    from: &str,
    to: &str,
) -> Result<Period, Problems> {
    let mut problems = Vec::new();
    let mut read = |field: &'static str, typed: &str| {
        let typed = typed.trim();
        if typed.is_empty() {
            return None;
        }
        let d = date(typed);
        if d.is_none() {
            problems.push((field, date_refused(typed, "")));
        }
        d
    };
    let (from, to) = (read(fields.0, from), read(fields.1, to));
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            problems.push((
                fields.1,
                "The To date is before the From date: nothing could match.".to_string(),
            ));
        }
    }
    if problems.is_empty() {
        Ok((from, to))
    } else {
        Err(problems)
    }
}

/// Words listed as a sentence says them: "address", "address and phone", "address, phone
/// and salesperson" (`last_word` "and" or "or").
pub fn joined<S: AsRef<str>>(items: &[S], last_word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => format!(
            "{} {last_word} {}",
            rest.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// A free text of one line, of at most `max` characters; `required` is the message when it
/// is empty. A line break, a tab or another control character is refused: the field shows
/// one line, the lists show it on one, and a search for what it shows found nothing.
pub fn check_text(
    errors: &mut FormErrors,
    field: &'static str,
    value: &str,
    max: usize,
    required: Option<&str>,
) {
    let len = value.chars().count();
    if value.is_empty() {
        if let Some(message) = required {
            errors.add(field, message);
        }
    } else if len > max {
        errors.add(
            field,
            format!("Use at most {max} characters; this has {len}."),
        );
    } else if value.chars().any(char::is_control) {
        errors.add(field, "Remove the line breaks and control characters.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_the_calendar_does_not_have_is_said_so() {
        for (typed, why) in [
            (
                "31-02-2026",
                Some("There is no day 31 in February 2026 (it has 28 days)"),
            ),
            ("29-02-2028", None),
            (
                "2026-04-31",
                Some("There is no day 31 in April 2026 (it has 30 days)"),
            ),
            (
                "00-01-2026",
                Some("There is no day 0 in January 2026 (it has 31 days)"),
            ),
            ("01-13-2026", Some("There is no month 13")),
            (
                "01-01-0000",
                Some("The year has four digits, from 1900 to 9999"),
            ),
            (
                "01-01-99999",
                Some("The year has four digits, from 1900 to 9999"),
            ),
            (
                "0026-12-07",
                Some("The year 0026 is before 1900: write all four digits of the year (2026, not 26)"),
            ),
            (
                "31-12-1899",
                Some("Dates before 1900 are not kept: the year 1899 is before 1900"),
            ),
            ("1 April", None),
            ("abc", None),
        ] {
            assert_eq!(not_in_the_calendar(typed).as_deref(), why, "{typed}");
        }
        assert_eq!(
            date_refused("31-02-2026", ", or leave it empty"),
            "There is no day 31 in February 2026 (it has 28 days): enter a date as YYYY-MM-DD, \
             or leave it empty."
        );
        assert_eq!(date_refused("soon", ""), "Enter a date as YYYY-MM-DD.");
    }

    #[test]
    fn whole_numbers_are_read_as_the_office_writes_them() {
        let da = |s| whole_number_in(Locale::DaDk, s);
        let gb = |s| whole_number_in(Locale::EnGb, s);
        assert_eq!(da("1.000"), Some(1000));
        assert_eq!(da(" 45 "), Some(45));
        assert_eq!(da("0"), Some(0));
        assert_eq!(gb("1,000"), Some(1000));
        for refused in [
            "",
            "-5",
            "1,5",
            "1.00",
            "12.5",
            "abc",
            "99999999999",
            "1 000",
        ] {
            assert_eq!(da(refused), None, "{refused}");
        }
        assert_eq!(gb("1.000"), None);
        assert_eq!(
            minutes_refused("2147483648", ""),
            "Enter at most 2,147,483,647 minutes."
        );
        assert_eq!(
            minutes_refused("1.5", ", or leave it empty"),
            "Enter a whole number of minutes, 0 or more, or leave it empty."
        );
    }

    #[test]
    fn amounts_are_read_as_the_office_writes_them() {
        use AmountProblem::*;
        let da = |s| plain_amount_in(Locale::DaDk, s);
        let gb = |s| plain_amount_in(Locale::EnGb, s);
        assert_eq!(da("12,50"), Ok("12.50".into()));
        assert_eq!(da("1.234,5"), Ok("1234.5".into()));
        assert_eq!(da("1.234.567"), Ok("1234567".into()));
        assert_eq!(da(" +7 "), Ok("7".into()));
        assert_eq!(da(",5"), Ok("0.5".into()));
        assert_eq!(da("12.50"), Err(WrongMark));
        assert_eq!(da("1.234"), Ok("1234".into()));
        assert_eq!(da("50.000"), Ok("50000".into()));
        assert_eq!(da("12,5,0"), Err(Invalid));
        assert_eq!(gb("6,699.60"), Ok("6699.60".into()));
        assert_eq!(gb("12.50"), Ok("12.50".into()));
        assert_eq!(gb("1,234"), Ok("1234".into()));
        // Three decimals after a short whole part: the other convention's thousands, or a
        // third decimal that cents would round away; neither is read silently.
        assert_eq!(gb("1.500"), Err(ThreeDecimals));
        assert_eq!(gb("+999.999"), Err(ThreeDecimals));
        assert_eq!(da("1,500"), Err(ThreeDecimals));
        assert_eq!(gb("0.005"), Ok("0.005".into()));
        assert_eq!(gb("1234.567"), Ok("1234.567".into()));
        assert_eq!(gb("1,234.567"), Ok("1234.567".into()));
        assert_eq!(gb("1.5000"), Ok("1.5000".into()));
        assert_eq!(da("1.500,25"), Ok("1500.25".into()));
        assert_eq!(gb("12,50"), Err(WrongMark));
        assert_eq!(gb("12,3456"), Err(WrongMark));
        // A leading 0 starts no thousands: a half written the other way, not 500.
        assert_eq!(gb("0,500"), Err(WrongMark));
        assert_eq!(da("0.125"), Err(WrongMark));
        assert_eq!(gb("01,500"), Err(WrongMark));
        assert_eq!(gb("0,500,000"), Err(Invalid));
        assert_eq!(gb("100,500"), Ok("100500".into()));
        assert_eq!(gb("0500"), Ok("0500".into()));
        assert_eq!(gb("1,23,456.00"), Err(Invalid));
        assert_eq!(plain_amount_in(Locale::Iso, "1e3"), Err(Invalid));
        assert_eq!(plain_amount_in(Locale::Iso, "-1"), Err(Invalid));
        assert_eq!(plain_amount_in(Locale::Iso, ""), Err(Invalid));
        assert_eq!(plain_amount_in(Locale::Iso, "1.2.3"), Err(Invalid));
    }

    #[test]
    fn a_refused_amount_says_what_to_write() {
        locale::within(Locale::EnGb, || {
            let m = amount_message("1.500", "generic".into());
            assert!(
                m.starts_with("Is 1.500 meant as 1500, or as 1.500 with three decimals?"),
                "{m}"
            );
            assert_eq!(
                amount_message("12,50", "generic".into()),
                "Write the decimals after a point: 12.50."
            );
            assert_eq!(amount_message("abc", "generic".into()), "generic");
        });
        locale::within(Locale::DaDk, || {
            assert_eq!(
                amount_message("12.50", "generic".into()),
                "Write the decimals after a comma: 12,50."
            );
            assert_eq!(amount_example(), "12,50");
        });
    }

    #[test]
    fn dates_are_read_as_the_office_writes_them_and_as_iso() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 30);
        assert_eq!(date_in(Locale::DaDk, "30-11-2026"), d);
        assert_eq!(date_in(Locale::DaDk, "30.11.2026"), d);
        assert_eq!(date_in(Locale::DaDk, "2026-11-30"), d);
        assert_eq!(date_in(Locale::EnGb, "30/11/2026"), d);
        assert_eq!(date_in(Locale::EnGb, "2026-11-30"), d);
        assert_eq!(date_in(Locale::Iso, "2026-11-30"), d);
        assert_eq!(date_in(Locale::Iso, "30-11-2026"), None);
        assert_eq!(date_in(Locale::EnGb, "11/30/2026"), None);
        assert_eq!(date_in(Locale::DaDk, "30-11-26"), None);
        assert_eq!(date_in(Locale::DaDk, "31-02-2026"), None);
        assert_eq!(date_in(Locale::DaDk, "30-11-20ø"), None);
        // Years the database cannot store, or no office writes, are not dates.
        assert_eq!(date_in(Locale::DaDk, "01-01--5000"), None);
        assert_eq!(date_in(Locale::DaDk, "01.01.-5000"), None);
        assert_eq!(date_in(Locale::EnGb, "01/01/-5000"), None);
        assert_eq!(date_in(Locale::EnGb, "01/01/+12345"), None);
        assert_eq!(date_in(Locale::EnGb, "01/01/0000"), None);
        assert_eq!(date_in(Locale::Iso, "-500-01-01"), None);
        assert_eq!(date_in(Locale::Iso, "+500-01-01"), None);
        assert_eq!(date_in(Locale::Iso, "0000-01-01"), None);
        // A year typed as "26", which a date field sends as 0026, is no date.
        assert_eq!(date_in(Locale::Iso, "0001-01-01"), None);
        assert_eq!(date_in(Locale::Iso, "0026-12-07"), None);
        assert_eq!(date_in(Locale::DaDk, "07-12-0026"), None);
        assert_eq!(
            date_in(Locale::Iso, "1900-01-01"),
            NaiveDate::from_ymd_opt(1900, 1, 1)
        );
        assert_eq!(
            date_in(Locale::DaDk, "1-2-2026"),
            NaiveDate::from_ymd_opt(2026, 2, 1)
        );
        assert_eq!(iso_date("-5000-01-01"), None);
        assert_eq!(iso_date("2026-1-300"), None);
        assert_eq!(iso_date(" 2026-11-30"), None);
        assert_eq!(iso_date("2026-11-30"), d);
    }

    #[test]
    fn next_stays_on_the_site() {
        assert_eq!(
            safe_next("/admin/users?page=2").as_deref(),
            Some("/admin/users?page=2")
        );
        assert_eq!(safe_next("//evil.example/"), None);
        assert_eq!(safe_next("/\\evil.example/"), None);
        assert_eq!(safe_next("https://evil.example/"), None);
        assert_eq!(safe_next("/a\r\nSet-Cookie: x"), None);
    }

    #[test]
    fn first_message_per_field_wins() {
        let mut e = FormErrors::new();
        e.add("name", "first");
        e.add("name", "second");
        assert_eq!(e.get("name"), Some("first"));
        assert_eq!(e.len(), 1);
    }
}
