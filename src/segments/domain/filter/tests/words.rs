//! A filter in words (the ledger) and as a normalised expression.

use super::*;

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
        (
            "København*|Lyngby|Frederiksberg",
            TEXT,
            "starting with København or exactly Lyngby or exactly Frederiksberg",
        ),
        ("1000..1999|5000", INT, "from 1000 to 1999 or exactly 5000"),
        ("A|B", TEXT, "A or B"),
        ("*son", TEXT, "ending with son"),
        ("*ab*", TEXT, "containing ab"),
        ("A*B", TEXT, "matching A*B"),
        ("A?C", TEXT, "matching A?C"),
        ("*", TEXT, "any value"),
        ("<>A*", TEXT, "not starting with A"),
        ("<>*", TEXT, "matching nothing"),
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
        ("PERSON", TYPE, "Person"),
        ("<>company", TYPE, "not Company"),
        ("positive..negative", EVAL, "from Positive to Negative"),
        ("very_positive|Neutral", EVAL, "Very Positive or Neutral"),
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
        ("31-01-2026..", DATE, "2026-01-31.."),
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

/// An amount is described as the office writes it, and its expression (no thousands
/// separators) reads back the same.
#[test]
fn amounts_in_words_and_saved_plain() {
    for (input, words, saved) in [
        (">1000", "more than 1,000.00", ">1000"),
        (
            "1,500.50..2000",
            "from 1,500.50 to 2,000.00",
            "1500.5..2000",
        ),
        ("<=999.9", "at most 999.90", "<=999.9"),
        ("-5", "-5.00", "-5"),
        // Compared by every decimal, said with every decimal (it was "more than 1,234.57",
        // which an opportunity worth 1,234.57 passes).
        (">1234.567", "more than 1,234.567", ">1234.567"),
        ("-0.125", "-0.125", "-0.125"),
    ] {
        let f = filter(input, AMOUNT);
        assert_eq!(f.describe(), words, "{input}");
        assert_eq!(f.to_string(), saved, "{input}");
        assert_eq!(
            filter(saved, AMOUNT).to_string(),
            saved,
            "{saved} read back"
        );
    }
    assert_eq!(
        err("12,5,0", AMOUNT),
        (
            1,
            "'12,5,0' is not an amount: write it like 1500 or 1500.50".into()
        )
    );
    assert_eq!(
        err("@100", AMOUNT).1,
        "'@' (any case) applies only to text and code fields, not to an amount field"
    );
    assert_eq!(
        err("2000..1000", AMOUNT).1,
        err("20..10", INT)
            .1
            .replace("20", "2000")
            .replace("10", "1000")
    );
}

/// An amount is read as the office writes it and as its forms read one, nothing else: under
/// da-DK `12.50` was read as 12.5 (plain with a point) beside `12.500` read as 12,500, and
/// under en-GB `1.500` as 1.5, where a form refuses both.
#[test]
fn amounts_are_read_only_as_the_office_writes_them() {
    use crate::config::Locale;
    use crate::web::locale::within;
    within(Locale::DaDk, || {
        for (input, words, expression) in [
            (">=12.500", "at least 12.500,00", ">=12500"),
            (
                "1.500,50..2000",
                "from 1.500,50 to 2.000,00",
                "1500,5..2000",
            ),
            ("12,5", "12,50", "12,5"),
        ] {
            let f = filter(input, AMOUNT);
            assert_eq!(f.describe(), words, "{input}");
            assert_eq!(f.to_string(), expression, "{input}");
            assert_eq!(
                filter(expression, AMOUNT).to_string(),
                expression,
                "{input} read back"
            );
        }
        for refused in ["12.50", ">=1.5", "1500.5..2000"] {
            assert!(
                err(refused, AMOUNT)
                    .1
                    .contains("is not an amount: write it like 1500 or 1500,50"),
                "{refused}"
            );
        }
    });
    within(Locale::EnGb, || {
        assert_eq!(filter("1,500.5", AMOUNT).to_string(), "1500.5");
        for refused in ["1.500", "12,5"] {
            assert!(
                err(refused, AMOUNT).1.contains("is not an amount"),
                "{refused}"
            );
        }
    });
}
