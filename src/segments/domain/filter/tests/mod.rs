//! The filter's unit tests: parsing, errors, SQL, words and expressions, and a DB-free
//! end-to-end check that evaluates the generated SQL over rows.

mod end_to_end;
mod errors;
mod parse;
mod safety;
mod sqleval;
mod words;

use super::*;

const TYPES: &[&str] = &["company", "person"];
const EVALUATIONS: &[&str] = &[
    "very_positive",
    "positive",
    "neutral",
    "negative",
    "very_negative",
];
const CODE: FieldKind = FieldKind::Code;
const TEXT: FieldKind = FieldKind::Text;
const DATE: FieldKind = FieldKind::Date;
const INT: FieldKind = FieldKind::Integer;
const AMOUNT: FieldKind = FieldKind::Amount;
const BOOL: FieldKind = FieldKind::Boolean;
const TYPE: FieldKind = FieldKind::Choice(TYPES);
const EVAL: FieldKind = FieldKind::Choice(EVALUATIONS);

fn filter(input: &str, kind: FieldKind) -> Filter {
    match parse(input, kind) {
        Ok(Some(f)) => f,
        other => panic!("{input:?} did not parse: {other:?}"),
    }
}

/// The SQL over `col` and its values, numbered from $1; also checks that the SQL holds
/// only fixed SQL and placeholders.
fn sql(input: &str, kind: FieldKind) -> (String, Vec<BindValue>) {
    let mut binds = Binds::new(0);
    let s = filter(input, kind).to_sql("col", &mut binds);
    sqleval::tokenize(&s, "col");
    (s, binds.values())
}

fn err(input: &str, kind: FieldKind) -> (usize, String) {
    match parse(input, kind) {
        Err(e) => (e.position, e.message),
        Ok(f) => panic!("{input:?} parsed: {f:?}"),
    }
}

fn t(s: &str) -> BindValue {
    BindValue::Text(s.to_string())
}

fn d(s: &str) -> BindValue {
    BindValue::Date(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
}

fn describe(input: &str, kind: FieldKind) -> String {
    filter(input, kind).describe()
}

fn expression(input: &str, kind: FieldKind) -> String {
    filter(input, kind).expression()
}
