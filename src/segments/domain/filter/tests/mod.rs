//! The filter's unit tests: parsing, errors, SQL, words and expressions, and a DB-free
//! end-to-end check that evaluates the generated SQL over rows.

mod sqleval;

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

// ---- parsing and SQL ------------------------------------------------------------------

#[test]
fn blank_input_is_no_filter() {
    for input in ["", " ", "\t \n"] {
        assert_eq!(parse(input, TEXT), Ok(None));
        assert_eq!(parse(input, DATE), Ok(None));
    }
}

#[test]
fn equal_values() {
    assert_eq!(sql("Smith", TEXT), ("col = $1".into(), vec![t("Smith")]));
    assert_eq!(sql("=Smith", TEXT), ("col = $1".into(), vec![t("Smith")]));
    assert_eq!(sql("dk", CODE), ("col = $1".into(), vec![t("DK")]));
    assert_eq!(
        sql("42", INT),
        ("col = $1::bigint".into(), vec![BindValue::Integer(42)])
    );
    assert_eq!(sql("-7", INT).1, vec![BindValue::Integer(-7)]);
    assert_eq!(sql("+7", INT).1, vec![BindValue::Integer(7)]);
    assert_eq!(
        sql("2026-01-31", DATE),
        ("col = $1::date".into(), vec![d("2026-01-31")])
    );
}

#[test]
fn alternatives() {
    assert_eq!(
        sql("RETAIL|WHOLESALE", CODE),
        (
            "(col = $1 OR col = $2)".into(),
            vec![t("RETAIL"), t("WHOLESALE")]
        )
    );
    let (s, v) = sql("a|b|c|d|e", CODE);
    assert_eq!(
        s,
        "(col = $1 OR col = $2 OR col = $3 OR col = $4 OR col = $5)"
    );
    assert_eq!(v, vec![t("A"), t("B"), t("C"), t("D"), t("E")]);
}

#[test]
fn conjunctions() {
    assert_eq!(
        sql(">=10&<=20", INT),
        (
            "(col >= $1::bigint AND (col IS NULL OR col <= $2::bigint))".into(),
            vec![BindValue::Integer(10), BindValue::Integer(20)]
        )
    );
    assert_eq!(
        sql("<>A&<>B", CODE).0,
        "((col IS NULL OR col <> $1) AND (col IS NULL OR col <> $2))"
    );
}

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(
        sql("A*|B&<>C", CODE),
        (
            "(col LIKE $1 OR (col = $2 AND (col IS NULL OR col <> $3)))".into(),
            vec![t("A%"), t("B"), t("C")]
        )
    );
    assert_eq!(
        sql("A&B|C", CODE).0,
        "((col = $1 AND col = $2) OR col = $3)"
    );
}

#[test]
fn parentheses() {
    assert_eq!(
        sql("(A|B)&<>C", CODE),
        (
            "((col = $1 OR col = $2) AND (col IS NULL OR col <> $3))".into(),
            vec![t("A"), t("B"), t("C")]
        )
    );
    assert_eq!(sql("((A))", CODE).0, "col = $1");
    assert_eq!(sql(" ( A | B ) ", CODE).0, "(col = $1 OR col = $2)");
    // Nested groups of the same operator are flattened.
    assert_eq!(sql("(A|B)|C", CODE).0, "(col = $1 OR col = $2 OR col = $3)");
    assert_eq!(
        sql("A&(B&C)", CODE).0,
        "(col = $1 AND col = $2 AND col = $3)"
    );
    assert_eq!(
        sql("(A|(B&(C|D)))&E", CODE).0,
        "((col = $1 OR (col = $2 AND (col = $3 OR col = $4))) AND col = $5)"
    );
    let deep = format!("{}A{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(sql(&deep, CODE).0, "col = $1");
}

#[test]
fn ranges() {
    assert_eq!(
        sql("1000..1999", INT),
        (
            "(col >= $1::bigint AND col <= $2::bigint)".into(),
            vec![BindValue::Integer(1000), BindValue::Integer(1999)]
        )
    );
    assert_eq!(sql("..1999", INT).0, "(col IS NULL OR col <= $1::bigint)");
    assert_eq!(sql("1000..", INT).0, "col >= $1::bigint");
    assert_eq!(sql("5..5", INT).1.len(), 2);
    assert_eq!(
        sql("A..C", TEXT),
        ("(col >= $1 AND col <= $2)".into(), vec![t("A"), t("C")])
    );
    assert_eq!(sql("ct1..ct5", CODE).1, vec![t("CT1"), t("CT5")]);
    assert_eq!(
        sql("2026-01-01..2026-01-31", DATE),
        (
            "(col >= $1::date AND col <= $2::date)".into(),
            vec![d("2026-01-01"), d("2026-01-31")]
        )
    );
    assert_eq!(
        sql("-10..-1", INT).1,
        vec![BindValue::Integer(-10), BindValue::Integer(-1)]
    );
    // Text ranges follow the collation, so they are not checked for order.
    assert_eq!(sql("Z..A", TEXT).1, vec![t("Z"), t("A")]);
}

#[test]
fn wildcards() {
    assert_eq!(sql("A*", TEXT), ("col LIKE $1".into(), vec![t("A%")]));
    assert_eq!(sql("*son", TEXT).1, vec![t("%son")]);
    assert_eq!(sql("*ab*", TEXT).1, vec![t("%ab%")]);
    assert_eq!(sql("A*B", TEXT).1, vec![t("A%B")]);
    assert_eq!(sql("A?C", TEXT).1, vec![t("A_C")]);
    assert_eq!(sql("??", TEXT).1, vec![t("__")]);
    assert_eq!(sql("**a", TEXT).1, vec![t("%a")]);
    assert_eq!(sql("ab*", CODE).1, vec![t("AB%")]);
    // '*' alone matches every value, blank ones included.
    assert_eq!(
        sql("*", TEXT),
        ("(col IS NULL OR col LIKE $1)".into(), vec![t("%")])
    );
    assert_eq!(
        sql("<>A*", TEXT),
        ("(col IS NULL OR col NOT LIKE $1)".into(), vec![t("A%")])
    );
    assert_eq!(sql("<>*", TEXT).0, "col NOT LIKE $1");
    assert_eq!(sql("=A*", TEXT).0, "col LIKE $1");
}

#[test]
fn like_patterns_escape_percent_underscore_and_backslash() {
    assert_eq!(sql("*100%*", TEXT).1, vec![t("%100\\%%")]);
    assert_eq!(sql("a_b*", TEXT).1, vec![t("a\\_b%")]);
    assert_eq!(sql("*c:\\temp*", TEXT).1, vec![t("%c:\\\\temp%")]);
    assert_eq!(sql("'100%'*", TEXT).1, vec![t("100\\%%")]);
    // Without a wildcard nothing is a pattern: bound as typed.
    assert_eq!(sql("50%_\\", TEXT), ("col = $1".into(), vec![t("50%_\\")]));
}

#[test]
fn not_equal_includes_blanks() {
    assert_eq!(
        sql("<>X", TEXT),
        ("(col IS NULL OR col <> $1)".into(), vec![t("X")])
    );
    assert_eq!(sql("<>dk", CODE).1, vec![t("DK")]);
    assert_eq!(sql("<>5", INT).0, "(col IS NULL OR col <> $1::bigint)");
    assert_eq!(
        sql("<>2026-01-01", DATE).0,
        "(col IS NULL OR col <> $1::date)"
    );
}

#[test]
fn comparisons() {
    assert_eq!(
        sql("<M", TEXT),
        ("(col IS NULL OR col < $1)".into(), vec![t("M")])
    );
    assert_eq!(sql("<=M", TEXT).0, "(col IS NULL OR col <= $1)");
    assert_eq!(sql(">M", TEXT).0, "col > $1");
    assert_eq!(sql(">=M", TEXT).0, "col >= $1");
    assert_eq!(sql(">=m", CODE).1, vec![t("M")]);
    assert_eq!(sql("<10", INT).0, "(col IS NULL OR col < $1::bigint)");
    assert_eq!(sql(">10", INT).0, "col > $1::bigint");
    assert_eq!(
        sql("<2026-01-01", DATE).0,
        "(col IS NULL OR col < $1::date)"
    );
    assert_eq!(sql(">=2026-01-01", DATE).0, "col >= $1::date");
}

#[test]
fn empty_and_not_empty() {
    let none: Vec<BindValue> = vec![];
    assert_eq!(
        sql("''", TEXT),
        ("(col IS NULL OR col = '')".into(), none.clone())
    );
    assert_eq!(sql("<>''", TEXT), ("col <> ''".into(), none.clone()));
    assert_eq!(sql("''", CODE).0, "(col IS NULL OR col = '')");
    assert_eq!(sql("<>''", CODE).0, "col <> ''");
    assert_eq!(sql("''", TYPE).0, "(col IS NULL OR col = '')");
    assert_eq!(sql("''", DATE), ("col IS NULL".into(), none.clone()));
    assert_eq!(sql("<>''", DATE).0, "col IS NOT NULL");
    assert_eq!(sql("''", INT).0, "col IS NULL");
    assert_eq!(sql(" = '' ", INT).0, "col IS NULL");
    assert_eq!(sql("<>''", INT), ("col IS NOT NULL".into(), none));
    assert_eq!(
        sql("''|A", CODE).0,
        "((col IS NULL OR col = '') OR col = $1)"
    );
}

#[test]
fn any_case() {
    assert_eq!(
        sql("@smith", TEXT),
        (
            "rapport_fold(col) = rapport_fold($1)".into(),
            vec![t("smith")]
        )
    );
    assert_eq!(
        sql("@*son", TEXT),
        (
            "rapport_fold(col) LIKE rapport_fold($1)".into(),
            vec![t("%son")]
        )
    );
    assert_eq!(
        sql("<>@x", TEXT).0,
        "(col IS NULL OR rapport_fold(col) <> rapport_fold($1))"
    );
    assert_eq!(
        sql("@<>x", TEXT).0,
        "(col IS NULL OR rapport_fold(col) <> rapport_fold($1))"
    );
    assert_eq!(
        sql("<>@*x*", TEXT).0,
        "(col IS NULL OR rapport_fold(col) NOT LIKE rapport_fold($1))"
    );
    assert_eq!(
        sql("@a..c", TEXT).0,
        "(rapport_fold(col) >= rapport_fold($1) AND rapport_fold(col) <= rapport_fold($2))"
    );
    assert_eq!(sql("a..@c", TEXT).0, sql("@a..c", TEXT).0);
    assert_eq!(sql(">=@m", TEXT).0, "rapport_fold(col) >= rapport_fold($1)");
    // Code values keep their case under '@'.
    assert_eq!(
        sql("@dk", CODE),
        ("rapport_fold(col) = rapport_fold($1)".into(), vec![t("dk")])
    );
    assert_eq!(sql("@ dk", CODE).1, vec![t("dk")]);
    // '@' means nothing for '' and for choices (always case-insensitive).
    assert_eq!(sql("@''", TEXT).0, "(col IS NULL OR col = '')");
    assert_eq!(sql("@PERSON", TYPE), ("col = $1".into(), vec![t("person")]));
    // Only the leading '@' is an operator: elsewhere it is a character.
    assert_eq!(sql("*@example.com", TEXT).1, vec![t("%@example.com")]);
    assert_eq!(sql("a@b", TEXT).1, vec![t("a@b")]);
    assert_eq!(sql("@@x", TEXT).1, vec![t("@x")]);
}

#[test]
fn quoted_values_are_literal() {
    assert_eq!(sql("'A|B'", TEXT), ("col = $1".into(), vec![t("A|B")]));
    assert_eq!(sql("'Smith & Co'", TEXT).1, vec![t("Smith & Co")]);
    assert_eq!(sql("'O''Brien'", TEXT).1, vec![t("O'Brien")]);
    assert_eq!(sql("'1..2'", TEXT).1, vec![t("1..2")]);
    assert_eq!(sql("'A*'", TEXT), ("col = $1".into(), vec![t("A*")]));
    assert_eq!(sql("'a?'", TEXT).1, vec![t("a?")]);
    assert_eq!(sql("'<5'", TEXT).1, vec![t("<5")]);
    assert_eq!(sql("'>=5'|'<>x'", TEXT).1, vec![t(">=5"), t("<>x")]);
    assert_eq!(sql("'@home'", TEXT).1, vec![t("@home")]);
    assert_eq!(sql("'(A)'", TEXT).1, vec![t("(A)")]);
    assert_eq!(sql("''''", TEXT).1, vec![t("'")]);
    assert_eq!(sql("' padded '", TEXT).1, vec![t(" padded ")]);
    // Quoted and unquoted parts join up; wildcards only count outside quotes.
    assert_eq!(sql("'A*B'*", TEXT), ("col LIKE $1".into(), vec![t("A*B%")]));
    assert_eq!(sql("*'@x.com'", TEXT).1, vec![t("%@x.com")]);
    assert_eq!(sql("*'a|b'*", TEXT).1, vec![t("%a|b%")]);
    assert_eq!(
        sql("'Acme (Europe)'|x", TEXT).1,
        vec![t("Acme (Europe)"), t("x")]
    );
    // A quoted range bound.
    assert_eq!(sql("'A..'..'Z|'", TEXT).1, vec![t("A.."), t("Z|")]);
    // Codes are upper-cased whether quoted or not.
    assert_eq!(sql("'a&b'", CODE).1, vec![t("A&B")]);
}

#[test]
fn apostrophes_inside_unquoted_words() {
    assert_eq!(sql("O'Brien", TEXT).1, vec![t("O'Brien")]);
    assert_eq!(sql("McDonald's", TEXT).1, vec![t("McDonald's")]);
    assert_eq!(sql("*O'Brien*", TEXT).1, vec![t("%O'Brien%")]);
    assert_eq!(
        sql("O'Brien|D'Arcy", TEXT).1,
        vec![t("O'Brien"), t("D'Arcy")]
    );
    assert_eq!(sql("a''b", TEXT).1, vec![t("a''b")]);
}

#[test]
fn whitespace() {
    assert_eq!(
        sql(" New York | Paris ", TEXT).1,
        vec![t("New York"), t("Paris")]
    );
    assert_eq!(sql(">= 10 & <= 20", INT).1.len(), 2);
    assert_eq!(
        sql("10 .. 20", INT).1,
        vec![BindValue::Integer(10), BindValue::Integer(20)]
    );
    assert_eq!(sql("<> dk", CODE).1, vec![t("DK")]);
    assert_eq!(
        sql("*  two  spaces  *", TEXT).1,
        vec![t("%  two  spaces  %")]
    );
    assert_eq!(sql("\tA\t|\tB\t", CODE).1, vec![t("A"), t("B")]);
}

#[test]
fn dates() {
    assert_eq!(sql("31.01.2026", DATE).1, vec![d("2026-01-31")]);
    assert_eq!(sql("1.2.2026", DATE).1, vec![d("2026-02-01")]);
    assert_eq!(sql("2026-2-1", DATE).1, vec![d("2026-02-01")]);
    assert_eq!(sql("2024-02-29", DATE).1, vec![d("2024-02-29")]);
    assert_eq!(sql("t", DATE), ("col = CURRENT_DATE".into(), vec![]));
    assert_eq!(sql("TODAY", DATE).0, "col = CURRENT_DATE");
    assert_eq!(sql("today..", DATE).0, "col >= CURRENT_DATE");
    assert_eq!(
        sql("2026-01-01..t", DATE),
        (
            "(col >= $1::date AND col <= CURRENT_DATE)".into(),
            vec![d("2026-01-01")]
        )
    );
    assert_eq!(sql("<>t", DATE).0, "(col IS NULL OR col <> CURRENT_DATE)");
}

#[test]
fn booleans() {
    let yes = BindValue::Bool(true);
    let no = BindValue::Bool(false);
    assert_eq!(sql("yes", BOOL), ("col = $1".into(), vec![yes.clone()]));
    assert_eq!(
        sql("<>yes", BOOL),
        ("(col IS NULL OR col <> $1)".into(), vec![yes.clone()])
    );
    for input in ["Yes", "TRUE", "true", "1", "=yes"] {
        assert_eq!(sql(input, BOOL).1, vec![yes.clone()], "{input}");
    }
    for input in ["No", "FALSE", "false", "0"] {
        assert_eq!(sql(input, BOOL).1, vec![no.clone()], "{input}");
    }
    assert_eq!(sql("yes|no", BOOL).0, "(col = $1 OR col = $2)");
}

#[test]
fn choices() {
    assert_eq!(sql("person", TYPE), ("col = $1".into(), vec![t("person")]));
    assert_eq!(sql("PERSON", TYPE).1, vec![t("person")]);
    assert_eq!(
        sql("<>company", TYPE),
        ("(col IS NULL OR col <> $1)".into(), vec![t("company")])
    );
    assert_eq!(sql("c*", TYPE), ("col = $1".into(), vec![t("company")]));
    assert_eq!(
        sql("*", TYPE),
        ("col IN ($1, $2)".into(), vec![t("company"), t("person")])
    );
    assert_eq!(sql("company|person", TYPE).0, "(col = $1 OR col = $2)");
    // Ranges and comparisons follow the list's order.
    assert_eq!(
        sql("very_positive..neutral", EVAL),
        (
            "col IN ($1, $2, $3)".into(),
            vec![t("very_positive"), t("positive"), t("neutral")]
        )
    );
    assert_eq!(
        sql(">neutral", EVAL).1,
        vec![t("negative"), t("very_negative")]
    );
    assert_eq!(
        sql("..positive", EVAL).1,
        vec![t("very_positive"), t("positive")]
    );
    assert_eq!(
        sql(">=Negative", EVAL).1,
        vec![t("negative"), t("very_negative")]
    );
    assert_eq!(
        sql("<>*positive", EVAL),
        (
            "(col IS NULL OR col NOT IN ($1, $2))".into(),
            vec![t("very_positive"), t("positive")]
        )
    );
    assert_eq!(sql("<>''", EVAL).0, "col <> ''");
}

#[test]
fn choice_lists_with_a_blank_value() {
    const CORR: FieldKind = FieldKind::Choice(&["", "hard_copy", "email"]);
    assert_eq!(sql("''", CORR).0, "(col IS NULL OR col = '')");
    assert_eq!(sql("email", CORR).1, vec![t("email")]);
    // The blank comes first in the list: '..hard_copy' includes it, and NULLs.
    assert_eq!(
        sql("..hard_copy", CORR),
        (
            "(col IS NULL OR col IN ($1, $2))".into(),
            vec![t(""), t("hard_copy")]
        )
    );
    assert_eq!(
        err(">''", CORR),
        (2, "'>' cannot be used with '' (empty)".into())
    );
}

// ---- errors ---------------------------------------------------------------------------

#[test]
fn empty_alternatives() {
    assert_eq!(
        err("A||B", CODE),
        (3, "expected a value between '|' and '|'".into())
    );
    assert_eq!(err("|A", CODE), (1, "expected a value before '|'".into()));
    assert_eq!(err("A|", CODE), (2, "expected a value after '|'".into()));
    assert_eq!(err("A|  ", CODE), (2, "expected a value after '|'".into()));
    assert_eq!(
        err("A| |B", CODE),
        (4, "expected a value between '|' and '|'".into())
    );
    assert_eq!(err("&A", CODE), (1, "expected a value before '&'".into()));
    assert_eq!(err("A&", CODE), (2, "expected a value after '&'".into()));
    assert_eq!(
        err("A&|B", CODE),
        (3, "expected a value between '&' and '|'".into())
    );
}

#[test]
fn range_errors() {
    assert_eq!(
        err("..", INT),
        (1, "expected a value before or after '..'".into())
    );
    assert_eq!(
        err(" .. ", TEXT),
        (2, "expected a value before or after '..'".into())
    );
    assert_eq!(
        err("A|..", TEXT),
        (3, "expected a value before or after '..'".into())
    );
    assert_eq!(
        err("1..2..3", INT),
        (5, "a range can have only one '..'".into())
    );
    assert_eq!(
        err("....", TEXT),
        (3, "a range can have only one '..'".into())
    );
    assert_eq!(
        err(">=1..5", INT),
        (4, "'..' cannot be combined with '>='".into())
    );
    assert_eq!(
        err("<>..5", INT),
        (3, "'..' cannot be combined with '<>'".into())
    );
    assert_eq!(
        err("A*..B", TEXT),
        (2, "wildcards (* and ?) cannot be used in a range".into())
    );
    assert_eq!(
        err("A..B?", TEXT),
        (5, "wildcards (* and ?) cannot be used in a range".into())
    );
    assert_eq!(
        err("''..B", TEXT),
        (
            1,
            "'' (empty) cannot be a range bound: leave that side of '..' blank instead".into()
        )
    );
    assert_eq!(
        err("20..10", INT),
        (
            1,
            "this range is empty: its start comes after its end".into()
        )
    );
    assert_eq!(
        err("t| 2026-02-01..2026-01-01", DATE),
        (
            4,
            "this range is empty: its start comes after its end".into()
        )
    );
}

#[test]
fn quote_errors() {
    let msg = "this quote is never closed: add a ' at the end (inside quotes, write '' for one ')";
    assert_eq!(err("'abc", TEXT), (1, msg.into()));
    assert_eq!(err("A|'b", TEXT), (3, msg.into()));
    let early = "this quote ends the quoted text, but 'B' follows it: inside quotes write '' \
                 for one ', e.g. 'O''Brien'";
    assert_eq!(err("'O'Brien'", TEXT), (3, early.into()));
    assert_eq!(err("x|''B", TEXT).0, 4);
    assert_eq!(err("*'x", TEXT), (2, msg.into()));
}

#[test]
fn operators_without_values() {
    assert_eq!(err("<>", TEXT), (1, "expected a value after '<>'".into()));
    assert_eq!(err(">=", INT), (1, "expected a value after '>='".into()));
    assert_eq!(err("=", INT), (1, "expected a value after '='".into()));
    assert_eq!(err("A|<", TEXT), (3, "expected a value after '<'".into()));
    assert_eq!(
        err("<>|A", TEXT),
        (3, "expected a value between '<>' and '|'".into())
    );
    assert_eq!(
        err("<> &A", TEXT),
        (4, "expected a value between '<>' and '&'".into())
    );
    assert_eq!(err("@", TEXT), (1, "expected a value after '@'".into()));
    assert_eq!(err("<>@", TEXT), (3, "expected a value after '@'".into()));
    assert_eq!(err("@<>", TEXT), (2, "expected a value after '<>'".into()));
    assert_eq!(
        err("<''", TEXT),
        (2, "'<' cannot be used with '' (empty)".into())
    );
}

#[test]
fn bad_values() {
    let date = |s: &str| format!("'{s}' is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31");
    assert_eq!(err("2026-13-01", DATE), (1, date("2026-13-01")));
    assert_eq!(err("2026-02-30", DATE), (1, date("2026-02-30")));
    assert_eq!(
        err("2026-01-01..2026-02-30", DATE),
        (13, date("2026-02-30"))
    );
    assert_eq!(err("t|yesterday", DATE), (3, date("yesterday")));
    assert_eq!(err("26-01-31", DATE), (1, date("26-01-31")));
    assert_eq!(err("31/01/2026", DATE), (1, date("31/01/2026")));
    assert_eq!(err("12a", INT), (1, "'12a' is not a whole number".into()));
    assert_eq!(err("1|1.5", INT), (3, "'1.5' is not a whole number".into()));
    assert_eq!(
        err("1 000", INT),
        (1, "'1 000' is not a whole number".into())
    );
    assert_eq!(
        err("99999999999999999999", INT),
        (
            1,
            "'99999999999999999999' is too large for a whole number".into()
        )
    );
    assert_eq!(
        err("maybe", BOOL),
        (
            1,
            "'maybe' is not yes or no (write yes, no, true, false, 1 or 0)".into()
        )
    );
    assert_eq!(
        err("x", TYPE),
        (1, "'x' is not one of: company, person".into())
    );
    assert_eq!(
        err("company|persons", TYPE),
        (9, "'persons' is not one of: company, person".into())
    );
    assert_eq!(
        err("z*", TYPE),
        (1, "'z*' matches none of: company, person".into())
    );
    assert_eq!(
        err("<>z*", TYPE),
        (3, "'z*' matches none of: company, person".into())
    );
    assert_eq!(
        err("<very_positive", EVAL),
        (
            2,
            "no value lies in that range; the values in order are: very_positive, positive, \
             neutral, negative, very_negative"
                .into()
        )
    );
    assert_eq!(
        err("neutral..positive", EVAL),
        (
            1,
            "this range is empty: its start comes after its end".into()
        )
    );
    const CORR: FieldKind = FieldKind::Choice(&["", "email"]);
    assert_eq!(err("x", CORR), (1, "'x' is not one of: '', email".into()));
}

#[test]
fn wildcards_where_they_do_not_belong() {
    assert_eq!(
        err("2026*", DATE),
        (
            5,
            "wildcards (* and ?) cannot be used in a date field".into()
        )
    );
    assert_eq!(
        err("1?", INT),
        (
            2,
            "wildcards (* and ?) cannot be used in a number field".into()
        )
    );
    assert_eq!(
        err("<>1*", INT),
        (
            4,
            "wildcards (* and ?) cannot be used in a number field".into()
        )
    );
    assert_eq!(
        err("y*", BOOL),
        (
            2,
            "wildcards (* and ?) cannot be used in a yes/no field".into()
        )
    );
    assert_eq!(
        err(">A*", TEXT),
        (3, "wildcards (* and ?) cannot be used with '>'".into())
    );
}

#[test]
fn boolean_restrictions() {
    assert_eq!(
        err("yes..no", BOOL),
        (
            4,
            "a yes/no field cannot be filtered by a range: use yes or no".into()
        )
    );
    assert_eq!(
        err(">no", BOOL),
        (
            1,
            "a yes/no field cannot be compared with '>': use yes, no or <>".into()
        )
    );
    assert_eq!(
        err("''", BOOL),
        (1, "a yes/no field is never empty: use yes or no".into())
    );
    assert_eq!(
        err("<>''", BOOL),
        (3, "a yes/no field is never empty: use yes or no".into())
    );
}

#[test]
fn at_sign_on_other_kinds() {
    assert_eq!(
        err("@5", INT),
        (
            1,
            "'@' (any case) applies only to text and code fields, not to a number field".into()
        )
    );
    assert_eq!(
        err("<>@2026-01-01", DATE),
        (
            3,
            "'@' (any case) applies only to text and code fields, not to a date field".into()
        )
    );
    assert_eq!(
        err("1..@5", INT),
        (
            4,
            "'@' (any case) applies only to text and code fields, not to a number field".into()
        )
    );
    assert_eq!(
        err("@yes", BOOL),
        (
            1,
            "'@' (any case) applies only to text and code fields, not to a yes/no field".into()
        )
    );
}

#[test]
fn parenthesis_errors() {
    assert_eq!(
        err("A)", TEXT),
        (2, "unexpected ')' without a matching '('".into())
    );
    assert_eq!(
        err("(A))", TEXT),
        (4, "unexpected ')' without a matching '('".into())
    );
    assert_eq!(
        err("(A|B", TEXT),
        (1, "this '(' is never closed: add a ')'".into())
    );
    assert_eq!(
        err("A&((B|C)", TEXT),
        (3, "this '(' is never closed: add a ')'".into())
    );
    assert_eq!(
        err("()", TEXT),
        (2, "expected a value between '(' and ')'".into())
    );
    assert_eq!(
        err("(|A)", TEXT),
        (2, "expected a value between '(' and '|'".into())
    );
    assert_eq!(
        err("(A", TEXT),
        (1, "this '(' is never closed: add a ')'".into())
    );
    assert_eq!(err("(", TEXT), (1, "expected a value after '('".into()));
    assert_eq!(
        err("(A)B", TEXT),
        (
            4,
            "unexpected 'B' after ')': join conditions with & or |".into()
        )
    );
    assert_eq!(
        err("(A) (B)", TEXT),
        (
            5,
            "unexpected '(' after ')': join conditions with & or |".into()
        )
    );
    assert_eq!(
        err("Acme (Europe)", TEXT),
        (
            6,
            "unexpected '(' inside a value: quote the value to search for it, e.g. 'Acme (Europe)'"
                .into()
        )
    );
    assert_eq!(
        err("<>(A|B)", TEXT),
        (
            3,
            "unexpected '(' after '<>': quote the value to search for '('".into()
        )
    );
    let deep = format!(
        "{}A{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert_eq!(
        err(&deep, TEXT),
        (
            MAX_DEPTH + 1,
            format!("too many nested parentheses (at most {MAX_DEPTH})")
        )
    );
    // Far deeper nesting is refused as quickly, without exhausting the stack.
    let deeper = "(".repeat(MAX_LENGTH);
    assert_eq!(err(&deeper, TEXT).0, MAX_DEPTH + 1);
}

#[test]
fn stray_comparison_signs_inside_values() {
    assert_eq!(
        err(">=10<=20", INT),
        (
            5,
            "unexpected '<' inside a value: join conditions with & or |, or quote the value \
             to search for '<'"
                .into()
        )
    );
    assert_eq!(err("a>b", TEXT).0, 2);
    assert_eq!(
        err("<><5", INT),
        (
            3,
            "unexpected '<' after '<>': quote the value to search for '<'".into()
        )
    );
}

#[test]
fn positions_count_characters_not_bytes() {
    assert_eq!(
        err("Ærø||x", TEXT),
        (5, "expected a value between '|' and '|'".into())
    );
    assert_eq!(err("ÆØÅ|'ü", TEXT).0, 5);
}

#[test]
fn overlong_input() {
    let long = "A".repeat(MAX_LENGTH + 1);
    assert_eq!(
        err(&long, TEXT),
        (
            MAX_LENGTH + 1,
            format!("the filter is too long (at most {MAX_LENGTH} characters)")
        )
    );
    assert!(parse(&"A".repeat(MAX_LENGTH), TEXT).is_ok());
}

#[test]
fn error_display() {
    let e = parse("A||B", CODE).unwrap_err();
    assert_eq!(
        e.to_string(),
        "at position 3: expected a value between '|' and '|'"
    );
    let e = parse("1000|..", INT).unwrap_err();
    assert_eq!(
        e.to_string(),
        "at position 6: expected a value before or after '..'"
    );
    let e: Box<dyn std::error::Error> = Box::new(e);
    assert!(e.to_string().starts_with("at position 6"));
}

// ---- describe -------------------------------------------------------------------------

#[test]
fn describe_texts() {
    for (input, kind, want) in [
        ("RETAIL|WHOLESALE", CODE, "RETAIL or WHOLESALE"),
        ("dk", CODE, "DK"),
        ("1000..1999", INT, "from 1000 to 1999"),
        ("..1999", INT, "up to 1999"),
        ("1000..", INT, "from 1000"),
        ("A..C", TEXT, "from A to C"),
        ("A*", TEXT, "starting with A"),
        ("*son", TEXT, "ending with son"),
        ("*ab*", TEXT, "containing ab"),
        ("A*B", TEXT, "matching A*B"),
        ("A?C", TEXT, "matching A?C"),
        ("*", TEXT, "any value"),
        ("<>*", TEXT, "no value"),
        ("<>A*", TEXT, "not starting with A"),
        ("<>*x*", TEXT, "not containing x"),
        ("<>X", TEXT, "not X"),
        ("''", TEXT, "empty"),
        ("<>''", DATE, "not empty"),
        ("<2026-01-01", DATE, "before 2026-01-01"),
        ("<=2026-01-01", DATE, "on or before 2026-01-01"),
        (">2026-01-01", DATE, "after 2026-01-01"),
        (">=31.12.2025", DATE, "on or after 2025-12-31"),
        (
            "2026-01-01..2026-01-31",
            DATE,
            "from 2026-01-01 to 2026-01-31",
        ),
        ("..t", DATE, "up to today"),
        ("t", DATE, "today"),
        ("<10", INT, "less than 10"),
        ("<=10", INT, "at most 10"),
        (">10", INT, "more than 10"),
        (">=10", INT, "at least 10"),
        ("<M", TEXT, "before M"),
        ("<=M", TEXT, "up to M"),
        (">M", TEXT, "after M"),
        (">=M", TEXT, "from M"),
        ("@*son", TEXT, "ending with son (any case)"),
        ("<>@x", TEXT, "not x (any case)"),
        ("@a..c", TEXT, "from a to c (any case)"),
        (">=10&<=20", INT, "at least 10 and at most 20"),
        ("(A|B)&<>C", CODE, "(A or B) and not C"),
        ("A|B&C", CODE, "A or (B and C)"),
        ("A*|B&<>C", CODE, "starting with A or (B and not C)"),
        (
            "'Smith & Co'|'New York'",
            TEXT,
            "\"Smith & Co\" or \"New York\"",
        ),
        ("'O''Brien'", TEXT, "O'Brien"),
        ("*'a b'*", TEXT, "containing \"a b\""),
        ("yes", BOOL, "yes"),
        ("<>yes", BOOL, "no"),
        ("0", BOOL, "no"),
        ("PERSON", TYPE, "person"),
        ("<>company", TYPE, "not company"),
        ("positive..negative", EVAL, "from positive to negative"),
        ("c*", TYPE, "starting with c"),
    ] {
        assert_eq!(describe(input, kind), want, "{input}");
    }
}

// ---- expression -----------------------------------------------------------------------

#[test]
fn expressions_are_normalised() {
    for (input, kind, want) in [
        (" retail | wholesale ", CODE, "RETAIL|WHOLESALE"),
        (">= 10 & <= 20", INT, ">=10&<=20"),
        ("1000 .. 1999", INT, "1000..1999"),
        ("..1999", INT, "..1999"),
        ("+0100..", INT, "100.."),
        ("A|(B&C)", CODE, "A|B&C"),
        ("(A|B)&<>C", CODE, "(A|B)&<>C"),
        ("((A|B))|C", CODE, "A|B|C"),
        ("=x", TEXT, "x"),
        ("@ <> x", TEXT, "<>@x"),
        ("a..@c", TEXT, "@a..c"),
        ("@''", TEXT, "''"),
        (" <> '' ", TEXT, "<>''"),
        ("31.01.2026", DATE, "2026-01-31"),
        ("T", DATE, "today"),
        ("TRUE|0", BOOL, "Yes|No"),
        ("PERSON|Company", TYPE, "person|company"),
        ("'Smith & Co'", TEXT, "'Smith & Co'"),
        ("'Smith' & Co", TEXT, "Smith&Co"),
        ("O'Brien", TEXT, "O'Brien"),
        ("'O''Brien'", TEXT, "O'Brien"),
        ("''''", TEXT, "''''"),
        ("'A*B'*", TEXT, "'A*B'*"),
        ("**son", TEXT, "*son"),
        ("*'@x.com'", TEXT, "*@x.com"),
        ("'@x'", TEXT, "'@x'"),
        ("'1..2'", TEXT, "'1..2'"),
        ("' x'", TEXT, "' x'"),
        ("New York", TEXT, "New York"),
        ("''|A", CODE, "''|A"),
    ] {
        assert_eq!(expression(input, kind), want, "{input}");
        assert_eq!(filter(input, kind).to_string(), want, "{input}");
    }
}

/// Every expression reads back to the same filter, and normalising twice changes nothing.
#[test]
fn expressions_round_trip() {
    let cases: &[(&str, FieldKind)] = &[
        ("RETAIL|WHOLESALE", CODE),
        ("A*|B&<>C", CODE),
        ("(A|B)&<>C&(D|E*)", CODE),
        ("@dk|<>@x*", CODE),
        ("'A|B'|'Smith & Co'|'O''Brien'|O'Brien", TEXT),
        ("'a..b'..'c.'", TEXT),
        (".a..b.", TEXT),
        ("*'a|b'*?", TEXT),
        ("'*'*'?'", TEXT),
        ("' lead'|'trail '", TEXT),
        ("'=x'|'<x'|'>x'|'(x)'|'@x'|'&'", TEXT),
        ("x'|y'", TEXT),
        ("McDonald's*", TEXT),
        ("*'it''s'", TEXT),
        ("<>''&''", TEXT),
        ("1000..1999|..0|5000..|<>42", INT),
        ("2026-01-01..t|''", DATE),
        ("yes|<>no", BOOL),
        ("*positive|neutral..negative|<>very_negative", EVAL),
        ("c*|person", TYPE),
    ];
    for (input, kind) in cases {
        let f = filter(input, *kind);
        let again = filter(&f.expression(), *kind);
        assert_eq!(again, f, "{input} -> {}", f.expression());
        assert_eq!(again.expression(), f.expression(), "{input}");
    }
}

// ---- safety ---------------------------------------------------------------------------

/// Hostile values end up bound, unchanged; the SQL has only fixed text and placeholders.
#[test]
fn injection_attempts_are_plain_values() {
    for (input, kind, value) in [
        (
            "'''; DROP TABLE contacts; --'",
            TEXT,
            "'; DROP TABLE contacts; --",
        ),
        (
            "'x''); DELETE FROM users; --'",
            TEXT,
            "x'); DELETE FROM users; --",
        ),
        (
            "x'; DROP TABLE contacts; --",
            TEXT,
            "x'; DROP TABLE contacts; --",
        ),
        ("1 OR 1=1", TEXT, "1 OR 1=1"),
        ("$1", TEXT, "$1"),
        ("' OR ''='", TEXT, " OR '="),
        ("Robert\"; --", TEXT, "Robert\"; --"),
    ] {
        let (s, values) = sql(input, kind);
        assert_eq!(s, "col = $1", "{input}");
        assert_eq!(values, vec![t(value)], "{input}");
    }
    let (s, values) = sql("*'; DROP TABLE contacts; --'*", TEXT);
    assert_eq!(s, "col LIKE $1");
    assert_eq!(values, vec![t("%; DROP TABLE contacts; --%")]);
    let (s, values) = sql("'x''); DELETE FROM users; --'", CODE);
    assert_eq!(s, "col = $1");
    assert_eq!(values, vec![t("X'); DELETE FROM USERS; --")]);
    let (s, values) = sql("@'a''b'..'; --'", TEXT);
    assert_eq!(
        s,
        "(rapport_fold(col) >= rapport_fold($1) AND rapport_fold(col) <= rapport_fold($2))"
    );
    assert_eq!(values, vec![t("a'b"), t("; --")]);
    // Unbalanced hostile input is a parse error, never SQL.
    assert!(parse("'; DROP TABLE contacts; --", TEXT).is_err());
    assert!(parse("x'); DELETE FROM users; --", TEXT).is_err());
    assert!(parse("1; DROP TABLE contacts", INT).is_err());
    assert!(parse("2026-01-01'; --", DATE).is_err());
    assert!(parse("company' OR 'a'='a", TYPE).is_err());
}

/// Whatever parses produces SQL made of the column, fixed words and placeholders only.
#[test]
fn generated_sql_never_contains_input_text() {
    let inputs = [
        "zz*|<>qq&>=ww",
        "(xx|yy)&<>vv*",
        "@kk..mm|''|<>''",
        "'p|q'*|*'r&s'",
        "O'Reilly|D'Arcy*",
    ];
    for input in inputs {
        for kind in [TEXT, CODE] {
            let (s, values) = sql(input, kind);
            let lower = s.to_lowercase();
            for word in [
                "zz", "qq", "ww", "xx", "yy", "vv", "kk", "mm", "p|q", "r&s", "reilly", "arcy",
            ] {
                assert!(!lower.contains(word), "{input}: {s}");
            }
            assert!(!values.is_empty());
        }
    }
}

// ---- binds ----------------------------------------------------------------------------

#[test]
fn placeholders_continue_from_the_start_given() {
    let mut binds = Binds::new(3);
    assert!(binds.is_empty());
    assert_eq!(binds.last_placeholder(), 3);
    let s = filter("A|B", CODE).to_sql("c.country_code", &mut binds);
    assert_eq!(s, "(c.country_code = $4 OR c.country_code = $5)");
    assert_eq!(binds.len(), 2);
    assert_eq!(binds.last_placeholder(), 5);
    assert_eq!(binds.values(), vec![t("A"), t("B")]);
}

#[test]
fn filters_and_caller_values_share_one_numbering() {
    let mut binds = Binds::new(0);
    let seg = binds.push(BindValue::Integer(7));
    let a = filter("<>dk&''|de", CODE).to_sql("c.country_code", &mut binds);
    let b = filter("2026-01-01..t", DATE).to_sql("e.date", &mut binds);
    let flag = binds.push(true.into());
    let c = filter(">=10", INT).to_sql("n", &mut binds);
    assert_eq!(seg, "$1");
    assert_eq!(
        a,
        "(((c.country_code IS NULL OR c.country_code <> $2) AND \
         (c.country_code IS NULL OR c.country_code = '')) OR c.country_code = $3)"
    );
    assert_eq!(b, "(e.date >= $4::date AND e.date <= CURRENT_DATE)");
    assert_eq!(flag, "$5");
    assert_eq!(c, "n >= $6::bigint");
    assert_eq!(binds.last_placeholder(), 6);
    assert_eq!(
        binds.values(),
        vec![
            BindValue::Integer(7),
            t("DK"),
            t("DE"),
            d("2026-01-01"),
            BindValue::Bool(true),
            BindValue::Integer(10)
        ]
    );
}

#[test]
fn bind_values_convert() {
    assert_eq!(BindValue::from("x"), t("x"));
    assert_eq!(BindValue::from(String::from("x")), t("x"));
    assert_eq!(BindValue::from(5i64), BindValue::Integer(5));
    assert_eq!(BindValue::from(false), BindValue::Bool(false));
    let day = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
    assert_eq!(BindValue::from(day), BindValue::Date(day));
    // Builds a query with every kind of value (no database needed to build it).
    let q = diesel::sql_query("SELECT $1, $2, $3, $4").into_boxed::<diesel::pg::Pg>();
    let _ = bind_all(
        q,
        vec![t("a"), BindValue::Date(day), 1i64.into(), true.into()],
    );
}

#[test]
fn kind_is_kept() {
    assert_eq!(filter("person", TYPE).kind(), TYPE);
    assert_eq!(filter("x", TEXT).kind(), TEXT);
}

use sqleval::V;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()
}

/// The rows (by index) the expression's SQL selects, numbering placeholders after
/// `start_after`.
fn selected_from(
    input: &str,
    kind: FieldKind,
    rows: &[Option<V>],
    start_after: usize,
) -> Vec<usize> {
    let mut binds = Binds::new(start_after);
    let s = filter(input, kind).to_sql("t.col", &mut binds);
    let values = binds.values();
    (0..rows.len())
        .filter(|&i| sqleval::eval(&s, "t.col", &values, start_after, rows[i].as_ref(), today()))
        .collect()
}

fn selected(input: &str, kind: FieldKind, rows: &[Option<V>]) -> Vec<usize> {
    selected_from(input, kind, rows, 0)
}

fn texts(items: &[Option<&str>]) -> Vec<Option<V>> {
    items
        .iter()
        .map(|v| v.map(|s| V::T(s.to_string())))
        .collect()
}

#[test]
fn end_to_end_text() {
    let rows = texts(&[
        Some("Smith"),      // 0
        Some("smithers"),   // 1
        Some("Johnson"),    // 2
        Some("O'Brien"),    // 3
        Some("A|B"),        // 4
        Some("100%"),       // 5
        Some("1000"),       // 6
        Some(""),           // 7
        None,               // 8
        Some("New York"),   // 9
        Some("Smith & Co"), // 10
        Some("Ansen"),      // 11
    ]);
    let all: Vec<usize> = (0..rows.len()).collect();
    let except = |out: &[usize]| -> Vec<usize> {
        all.iter().copied().filter(|i| !out.contains(i)).collect()
    };
    for (input, want) in [
        ("Smith", vec![0]),
        ("@smith", vec![0]),
        ("Smith*", vec![0, 10]),
        ("@smith*", vec![0, 1, 10]),
        ("*son", vec![2]),
        ("@*SON", vec![2]),
        ("*son|*sen", vec![2, 11]),
        ("<>Smith", except(&[0])),
        ("''", vec![7, 8]),
        ("<>''", except(&[7, 8])),
        ("'A|B'", vec![4]),
        ("A|B", vec![]),
        ("O'Brien", vec![3]),
        ("'O''Brien'", vec![3]),
        ("*'Bri'*", vec![3]),
        ("100%", vec![5]),
        ("100*", vec![5, 6]),
        ("'100%'*", vec![5]),
        ("*%", vec![5]),
        ("?000", vec![6]),
        ("A..O", vec![2, 4, 9, 11]),
        ("..B", vec![4, 5, 6, 7, 8, 11]),
        ("<B", vec![4, 5, 6, 7, 8, 11]),
        ("<>S*&<>''", vec![1, 2, 3, 4, 5, 6, 9, 11]),
        ("(S*|J*)&<>Smith", vec![2, 10]),
        (" New York ", vec![9]),
        ("<>@s*", except(&[0, 1, 10])),
        ("*", all.clone()),
        ("<>*", vec![]),
        (">=Smith", vec![0, 1, 10]),
        (">Smith", vec![1, 10]),
        ("@S..SMITH", vec![0]),
        ("''|Smith", vec![0, 7, 8]),
    ] {
        assert_eq!(selected(input, TEXT, &rows), want, "{input}");
    }
}

#[test]
fn end_to_end_code() {
    let rows = texts(&[Some("DK"), Some("DE"), Some("SE"), None, Some("US")]);
    for (input, want) in [
        ("dk", vec![0]),
        ("d*", vec![0, 1]),
        ("@d*", vec![0, 1]),
        ("<>dk", vec![1, 2, 3, 4]),
        ("<>d*", vec![2, 3, 4]),
        ("''", vec![3]),
        ("<>''", vec![0, 1, 2, 4]),
        ("de..se", vec![0, 1, 2]),
        ("..dk", vec![0, 1, 3]),
        ("dk|us|''", vec![0, 3, 4]),
        ("<>dk&<>de", vec![2, 3, 4]),
    ] {
        assert_eq!(selected(input, CODE, &rows), want, "{input}");
    }
}

#[test]
fn end_to_end_dates_numbers_booleans_choices() {
    let day = |s: &str| Some(V::D(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()));
    let dates = vec![
        day("2026-01-01"),
        day("2026-01-31"),
        day("2026-02-15"),
        None,
    ];
    for (input, want) in [
        ("2026-01-31", vec![1]),
        ("t", vec![1]),
        ("..2026-01-31", vec![0, 1, 3]),
        ("2026-01-01..2026-01-31", vec![0, 1]),
        (">2026-01-31", vec![2]),
        ("''", vec![3]),
        ("<>''", vec![0, 1, 2]),
        ("<>31.01.2026", vec![0, 2, 3]),
        ("today..", vec![1, 2]),
    ] {
        assert_eq!(selected(input, DATE, &dates), want, "{input}");
    }

    let numbers: Vec<Option<V>> = [Some(5), Some(10), Some(15), Some(20), None, Some(-3)]
        .into_iter()
        .map(|v| v.map(V::I))
        .collect();
    for (input, want) in [
        (">=10&<=15", vec![1, 2]),
        ("10..", vec![1, 2, 3]),
        ("..0", vec![4, 5]),
        ("<>10", vec![0, 2, 3, 4, 5]),
        ("5|20", vec![0, 3]),
        ("''", vec![4]),
        ("-3", vec![5]),
        ("<=5|>15", vec![0, 3, 4, 5]),
    ] {
        assert_eq!(selected(input, INT, &numbers), want, "{input}");
    }

    let flags = vec![Some(V::B(true)), Some(V::B(false)), None];
    for (input, want) in [
        ("yes", vec![0]),
        ("no", vec![1]),
        ("<>yes", vec![1, 2]),
        ("yes|no", vec![0, 1]),
    ] {
        assert_eq!(selected(input, BOOL, &flags), want, "{input}");
    }

    let mut evaluations = texts(&EVALUATIONS.iter().map(|v| Some(*v)).collect::<Vec<_>>());
    evaluations.push(None);
    for (input, want) in [
        ("neutral", vec![2]),
        ("*positive", vec![0, 1]),
        ("<>*positive", vec![2, 3, 4, 5]),
        ("positive..negative", vec![1, 2, 3]),
        (">neutral", vec![3, 4]),
        ("''", vec![5]),
        ("<>''", vec![0, 1, 2, 3, 4]),
        ("NEUTRAL|<=positive", vec![0, 1, 2]),
    ] {
        assert_eq!(selected(input, EVAL, &evaluations), want, "{input}");
        // The same with the placeholders numbered after three of the caller's.
        assert_eq!(selected_from(input, EVAL, &evaluations, 3), want, "{input}");
    }
}

/// Values that look like SQL select exactly the rows holding that text.
#[test]
fn end_to_end_hostile_values_match_literally() {
    let rows = texts(&[
        Some("'; DROP TABLE contacts; --"),
        Some("x'); DELETE FROM users; --"),
        Some("anything"),
        None,
    ]);
    assert_eq!(
        selected("'''; DROP TABLE contacts; --'", TEXT, &rows),
        vec![0]
    );
    assert_eq!(
        selected("'x''); DELETE FROM users; --'", TEXT, &rows),
        vec![1]
    );
    assert_eq!(selected("*'; --'", TEXT, &rows), vec![0, 1]);
    assert_eq!(
        selected("<>'x''); DELETE FROM users; --'", TEXT, &rows),
        vec![0, 2, 3]
    );
}
