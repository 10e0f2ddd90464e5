//! How numbers, amounts and dates are written for a person, in the request's locale
//! (`RAPPORT_LOCALE`, see `web::locale`): `{{ n|thousands }}` → "1,204" (ISO, en-GB) or
//! "1.204" (da-DK); `{{ v|money }}` → "6,699.60" or "6.699,60"; `{{ d|date }}` → "2026-11-30",
//! "30/11/2026" or "30-11-2026"; `{{ t|datetime }}` adds the time. The plain functions
//! ([`number`], [`amount`], [`date_text`], [`datetime_text`]) serve Rust code; [`money_in`]
//! and friends take the locale, for code that must write ISO whatever the setting (exports).
//!
//! A module that renders a template using them imports this module as `filters` (askama calls
//! `filters::name`).

use bigdecimal::BigDecimal;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone};

use super::locale::{self, Locale};

/// A text escaped for HTML once, written into a page as it is as often as the page shows it
/// (a segment line's contact No., in its links and their labels: six times a line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Escaped(String);

impl Escaped {
    pub fn new(text: &str) -> Escaped {
        use askama::filters::Escaper;
        let mut escaped = String::with_capacity(text.len());
        // Writing into a String does not fail.
        let _ = askama::filters::Html.write_escaped_str(&mut escaped, text);
        Escaped(escaped)
    }
}

/// Escaped already: askama writes it as it is.
impl askama::filters::HtmlSafe for Escaped {}

written_as_str!(Escaped);

/// `Display`, and askama's `FastWritable`, for a type a page writes straight into itself, not
/// through `Display`'s formatting (escaped on the way unless the type is `HtmlSafe`): a type
/// whose first field holds a text (`String`, `Arc<str>`) is written as that `str` is; `by` a
/// method, `fn write_to<W: fmt::Write + ?Sized>(&self, dest: &mut W) -> fmt::Result`, as the
/// method writes it (a code list's option tags, `setup::CodeList::option_tags`). The contact
/// list's filters write 341 codes and names a view (`setup::Shared`).
macro_rules! written_as_str {
    ($ty:ty) => {
        $crate::web::filters::written_as_str!(@impl $ty, self, dest, dest.write_str(&self.0));
    };
    ($ty:ty, by $write:ident) => {
        $crate::web::filters::written_as_str!(@impl $ty, self, dest, self.$write(dest));
    };
    (@impl $ty:ty, $self:ident, $dest:ident, $write:expr) => {
        impl std::fmt::Display for $ty {
            fn fmt(&$self, $dest: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $write
            }
        }

        impl askama::FastWritable for $ty {
            #[inline]
            fn write_into<W: std::fmt::Write + ?Sized>(
                &$self,
                $dest: &mut W,
                _: &dyn askama::Values,
            ) -> askama::Result<()> {
                Ok($write?)
            }
        }
    };
}
pub(crate) use written_as_str;

/// A count a template can show.
pub trait Count {
    fn count(&self) -> i64;
}

impl Count for i64 {
    fn count(&self) -> i64 {
        *self
    }
}

impl Count for i32 {
    fn count(&self) -> i64 {
        i64::from(*self)
    }
}

impl Count for usize {
    fn count(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl<T: Count + ?Sized> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// The thousands separator and the decimal mark of a locale.
fn marks(l: Locale) -> (char, char) {
    match l {
        Locale::DaDk => ('.', ','),
        Locale::Iso | Locale::EnGb => (',', '.'),
    }
}

/// Digits grouped by three with `sep`.
fn grouped(digits: &str, sep: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    push_grouped(&mut out, digits, sep);
    out
}

/// [`grouped`] onto the end of `out`.
fn push_grouped(out: &mut String, digits: &str, sep: char) {
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
}

/// A whole number with thousands separators in `l`: 1204 → "1,204" / "1.204".
pub fn number_in(l: Locale, n: i64) -> String {
    let body = grouped(&n.unsigned_abs().to_string(), marks(l).0);
    if n < 0 {
        format!("-{body}")
    } else {
        body
    }
}

/// A whole number in the request's locale.
pub fn number(n: i64) -> String {
    number_in(locale::current(), n)
}

/// An amount with two decimals and thousands separators in `l`: "6,699.60" / "6.699,60".
///
/// Rounded half up to cents and written from the cents as an integer: `BigDecimal`'s own
/// formatting (through its digits as text) was nearly a tenth of Rapport's work on the opportunities
/// list, which shows four amounts a row.
pub fn money_in(l: Locale, v: &BigDecimal) -> String {
    use bigdecimal::ToPrimitive;
    let (cents, scale) = v
        .with_scale_round(2, bigdecimal::RoundingMode::HalfUp)
        .into_bigint_and_scale();
    match (scale, cents.to_i128()) {
        (2, Some(cents)) => cents_in(l, cents),
        _ => money_in_digits(l, v),
    }
}

/// [`money_in`] of an amount in cents.
fn cents_in(l: Locale, cents: i128) -> String {
    let (sep, mark) = marks(l);
    let whole = (cents / 100).unsigned_abs().to_string();
    let frac = (cents % 100).unsigned_abs();
    let mut out = String::with_capacity(whole.len() + whole.len() / 3 + 5);
    if cents < 0 {
        out.push('-');
    }
    push_grouped(&mut out, &whole, sep);
    out.push(mark);
    out.push(char::from(b'0' + (frac / 10) as u8));
    out.push(char::from(b'0' + (frac % 10) as u8));
    out
}

/// [`money_in`] through `BigDecimal`'s own digits: amounts too big for cents in an `i128`.
fn money_in_digits(l: Locale, v: &BigDecimal) -> String {
    let plain = format!(
        "{:.2}",
        v.with_scale_round(2, bigdecimal::RoundingMode::HalfUp)
    );
    let (negative, plain) = match plain.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, plain.as_str()),
    };
    let (whole, cents) = plain.split_once('.').unwrap_or((plain, "00"));
    let (sep, mark) = marks(l);
    format!(
        "{}{}{mark}{cents}",
        if negative { "-" } else { "" },
        grouped(whole, sep)
    )
}

/// An amount as machines read it, whatever the locale: "6699.60" (CSV exports).
pub fn plain_amount(v: &BigDecimal) -> String {
    format!(
        "{:.2}",
        v.with_scale_round(2, bigdecimal::RoundingMode::HalfUp)
    )
}

/// An amount in the request's locale.
pub fn amount(v: &BigDecimal) -> String {
    money_in(locale::current(), v)
}

/// [`amount`], with every decimal past cents that `v` has (a filter's "more than 1.234,567",
/// which compares by all of them, was said "more than 1.234,57").
pub fn amount_exact(v: &BigDecimal) -> String {
    if v.with_scale_round(2, bigdecimal::RoundingMode::Down) == *v {
        return amount(v);
    }
    let plain = v.normalized().to_plain_string();
    let (negative, plain) = match plain.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, plain.as_str()),
    };
    let (whole, decimals) = plain.split_once('.').unwrap_or((plain, ""));
    let (sep, mark) = marks(locale::current());
    format!(
        "{}{}{mark}{decimals}",
        if negative { "-" } else { "" },
        grouped(whole, sep)
    )
}

/// A date in `l`: "2026-11-30" / "30/11/2026" / "30-11-2026".
pub fn date_in(l: Locale, d: NaiveDate) -> String {
    let (y, m, day) = (d.year(), d.month(), Datelike::day(&d));
    match l {
        Locale::Iso => format!("{y:04}-{m:02}-{day:02}"),
        Locale::EnGb => format!("{day:02}/{m:02}/{y:04}"),
        Locale::DaDk => format!("{day:02}-{m:02}-{y:04}"),
    }
}

/// A date in the request's locale.
pub fn date_text(d: NaiveDate) -> String {
    date_in(locale::current(), d)
}

/// A moment: its date in the request's locale and the time to the minute.
pub fn datetime_text(t: NaiveDateTime) -> String {
    format!("{} {}", date_text(t.date()), t.format("%H:%M"))
}

/// A stored moment as [`datetime_text`] writes it, in the server's local time.
pub fn local_datetime_text(at: DateTime<chrono::Utc>) -> String {
    datetime_text(at.with_timezone(&chrono::Local).naive_local())
}

/// A count with thousands separators: 1204 → "1,204".
pub fn thousands(n: impl Count, _: &dyn askama::Values) -> askama::Result<String> {
    Ok(number(n.count()))
}

/// Something a template shows as an amount.
pub trait Amount {
    fn amount(&self) -> BigDecimal;
}

impl Amount for BigDecimal {
    fn amount(&self) -> BigDecimal {
        self.clone()
    }
}

impl<T: Amount + ?Sized> Amount for &T {
    fn amount(&self) -> BigDecimal {
        (**self).amount()
    }
}

/// `{{ v|money }}`.
pub fn money(v: impl Amount, _: &dyn askama::Values) -> askama::Result<String> {
    Ok(amount(&v.amount()))
}

/// `{{ d|date }}`: a date, or a moment's date.
pub fn date(d: impl Dated, _: &dyn askama::Values) -> askama::Result<String> {
    Ok(date_text(d.day()))
}

/// `{{ t|datetime }}`: a moment's date and time to the minute.
pub fn datetime(t: impl Dated, _: &dyn askama::Values) -> askama::Result<String> {
    Ok(datetime_text(t.moment()))
}

/// Something a template shows as a date: a date, or a moment (shown by its local date).
pub trait Dated {
    fn day(&self) -> NaiveDate;
    fn moment(&self) -> NaiveDateTime;
}

impl Dated for NaiveDate {
    fn day(&self) -> NaiveDate {
        *self
    }
    fn moment(&self) -> NaiveDateTime {
        self.and_hms_opt(0, 0, 0).unwrap_or_default()
    }
}

impl Dated for NaiveDateTime {
    fn day(&self) -> NaiveDate {
        self.date()
    }
    fn moment(&self) -> NaiveDateTime {
        *self
    }
}

/// A stored moment is shown in the server's local time, as the audit trail and the ledger
/// show theirs ([`local_datetime_text`]): a `DateTime<Utc>`'s own "local" time is UTC's, and
/// a user changed at 00:30 read "last changed 23:30" the day before on the user's page.
impl<Tz: TimeZone> Dated for DateTime<Tz> {
    fn day(&self) -> NaiveDate {
        self.moment().date()
    }
    fn moment(&self) -> NaiveDateTime {
        self.with_timezone(&chrono::Local).naive_local()
    }
}

impl<T: Dated + ?Sized> Dated for &T {
    fn day(&self) -> NaiveDate {
        (**self).day()
    }
    fn moment(&self) -> NaiveDateTime {
        (**self).moment()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// Run again in a process whose time zone is one hour east of UTC (a POSIX rule: no
    /// zone files needed), as a server in Denmark in winter.
    #[test]
    fn a_stored_moment_is_shown_in_the_server_s_local_time() {
        const CHILD: &str = "RAPPORT_TEST_TZ_CHILD";
        if std::env::var_os(CHILD).is_none() {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "web::filters::tests::a_stored_moment_is_shown_in_the_server_s_local_time",
                    "--test-threads=1",
                ])
                .env("TZ", "CET-1")
                .env(CHILD, "1")
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{said}");
            assert!(said.contains("1 passed"), "{said}");
            return;
        }
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 30, 23, 30, 0)
            .unwrap();
        let local = NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(0, 30, 0)
            .unwrap();
        assert_eq!(at.moment(), local);
        assert_eq!(Dated::day(&at), local.date());
        assert_eq!(
            datetime_text(at.moment()),
            local_datetime_text(at),
            "as the audit trail says it"
        );
    }

    #[test]
    fn an_escaped_text_is_escaped_once_and_written_as_it_is() {
        use askama::Template;
        #[derive(Template)]
        #[template(source = "<a href=\"/x/{{ e }}\">{{ e }}</a>", ext = "html")]
        struct Page {
            e: Escaped,
        }
        let e = Escaped::new(r#"CT<1>&"2'"#);
        assert_eq!(e.to_string(), "CT&#60;1&#62;&#38;&#34;2&#39;");
        let html = Page { e }.render().unwrap();
        assert_eq!(
            html,
            "<a href=\"/x/CT&#60;1&#62;&#38;&#34;2&#39;\">CT&#60;1&#62;&#38;&#34;2&#39;</a>"
        );
    }

    fn amount_of(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    #[test]
    fn numbers_amounts_and_dates_as_each_office_writes_them() {
        assert_eq!(number_in(Locale::Iso, 1472), "1,472");
        assert_eq!(number_in(Locale::EnGb, 1_000_000), "1,000,000");
        assert_eq!(number_in(Locale::DaDk, 1472), "1.472");
        assert_eq!(number_in(Locale::DaDk, -12345), "-12.345");
        assert_eq!(number_in(Locale::Iso, 999), "999");
        assert_eq!(money_in(Locale::Iso, &amount_of("6699.6")), "6,699.60");
        assert_eq!(money_in(Locale::DaDk, &amount_of("12.5")), "12,50");
        assert_eq!(
            money_in(Locale::DaDk, &amount_of("1234567.891")),
            "1.234.567,89"
        );
        assert_eq!(money_in(Locale::EnGb, &amount_of("0")), "0.00");
        assert_eq!(money_in(Locale::Iso, &amount_of("-1000.5")), "-1,000.50");
        assert_eq!(money_in(Locale::Iso, &amount_of("-0.004")), "0.00");
        assert_eq!(money_in(Locale::Iso, &amount_of("-0.5")), "-0.50");
        assert_eq!(money_in(Locale::Iso, &amount_of("0.005")), "0.01");
        assert_eq!(
            money_in(Locale::DaDk, &amount_of("-999999.995")),
            "-1.000.000,00"
        );
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(date_in(Locale::Iso, d), "2026-11-30");
        assert_eq!(date_in(Locale::EnGb, d), "30/11/2026");
        assert_eq!(date_in(Locale::DaDk, d), "30-11-2026");
    }

    #[test]
    fn amounts_written_from_cents_read_as_through_the_decimals_digits() {
        let mut values = vec![
            "0",
            "0.001",
            "0.004",
            "0.005",
            "-0.005",
            "1",
            "-1",
            "12.345",
            "999.995",
            "1000",
            "-1000.004",
            "123456789.125",
            "-9999999999.99",
            "1e3",
            "1.5e-1",
            "120e-2",
            "170141183460469231731687303715884105727.99",
            "-170141183460469231731687303715884105727",
            "99999999999999999999999999999999999999999999.5",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        // Every thousandth from -20.000 to 20.000 (each cent and the rounding to it), and
        // powers of ten and a little.
        values.extend((-20_000..=20_000_i32).map(|m| {
            let sign = if m < 0 { "-" } else { "" };
            format!("{sign}{}.{:03}", m.abs() / 1000, m.abs() % 1000)
        }));
        values.extend((0..30).map(|e| format!("{}", 10u128.pow(e) + 7)));
        for text in &values {
            let v = amount_of(text);
            for l in [Locale::Iso, Locale::EnGb, Locale::DaDk] {
                assert_eq!(money_in(l, &v), money_in_digits(l, &v), "{text} in {l:?}");
            }
        }
    }

    #[test]
    fn pages_follow_the_request_locale() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        assert_eq!(date_text(d), "2026-01-02");
        locale::within(Locale::DaDk, || {
            assert_eq!(date_text(d), "02-01-2026");
            assert_eq!(
                datetime_text(d.and_hms_opt(9, 5, 0).unwrap()),
                "02-01-2026 09:05"
            );
            assert_eq!(amount(&amount_of("6699.6")), "6.699,60");
            assert_eq!(number(1472), "1.472");
        });
    }
}
