//! Expressions that are refused, with the position and the message the form shows.

use super::*;

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
    // Text after the quoted text and a space was joined to it, the quotes dropped unsaid.
    let more = "more text follows the quoted text: quote the whole value, and inside quotes \
                write '' for one ', e.g. 'Toys ''R'' Us'";
    assert_eq!(err("Toys 'R' Us", TEXT), (9, more.into()));
    assert_eq!(err("'a' 'b'", TEXT), (4, more.into()));
    // Spaces before a separator, a range's dots or the end are no more text.
    for fine in ["'a' | 'b'", "'a' ..'c'", "'a' & 'b'", "'a '  ", "('a' )"] {
        super::filter(fine, TEXT);
    }
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
    // Written as a date, but not the calendar's: said why.
    assert_eq!(
        err("2026-13-01", DATE),
        (1, "'2026-13-01' is not a date: there is no month 13".into())
    );
    let no_30th =
        "'2026-02-30' is not a date: there is no day 30 in February 2026 (it has 28 days)";
    assert_eq!(err("2026-02-30", DATE), (1, no_30th.into()));
    assert_eq!(err("2026-01-01..2026-02-30", DATE), (13, no_30th.into()));
    assert_eq!(err("t|yesterday", DATE), (3, date("yesterday")));
    assert_eq!(
        err("26-01-31", DATE),
        (
            1,
            "'26-01-31' is not a date: the year has four digits, from 1900 to 9999".into()
        )
    );
    assert_eq!(err("31-01.2026", DATE), (1, date("31-01.2026")));
    assert_eq!(
        err("31/01/26", DATE),
        (
            1,
            "'31/01/26' is not a date: the year has four digits, from 1900 to 9999".into()
        )
    );
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
        (1, "'x' is not one of: Company, Person".into())
    );
    assert_eq!(
        err("company|persons", TYPE),
        (9, "'persons' is not one of: Company, Person".into())
    );
    assert_eq!(
        err("z*", TYPE),
        (1, "'z*' matches none of: Company, Person".into())
    );
    assert_eq!(
        err("<>z*", TYPE),
        (3, "'z*' matches none of: Company, Person".into())
    );
    assert_eq!(
        err("<very_positive", EVAL),
        (
            2,
            "no value lies in that range; the values in order are: Very Positive, Positive, \
             Neutral, Negative, Very Negative"
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
    assert_eq!(err("x", CORR), (1, "'x' is not one of: '', E-mail".into()));
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
fn an_operator_written_apart_is_refused_not_read_as_a_value_starting_with_eq() {
    assert_eq!(
        err("> = M", TEXT),
        (
            3,
            "unexpected '=' after '>': write <= or >= together, or quote a value that starts \
             with '='"
                .into()
        )
    );
    assert_eq!(err("< =M", CODE).0, 3);
    assert!(err("<>=X", CODE).1.contains("after '<>'"));
    // Quoted, a value may start with '='; inside a value '=' is a character.
    filter(">'= M'", TEXT);
    filter("A=B", TEXT);
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

#[test]
fn a_blank_beside_codes_leaves_the_codes_to_be_checked() {
    assert_eq!(filter("JNB|''", CODE).named_values(), Some(vec!["JNB"]));
    assert_eq!(filter("<>JNB&<>''", CODE).named_values(), Some(vec!["JNB"]));
    assert_eq!(filter("''", CODE).named_values(), Some(vec![]));
    assert_eq!(filter("A*|B", CODE).named_values(), None);
}
