//! Values only ever reach SQL as bound parameters, numbered with the caller's own.

use super::*;

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
        "(rapport_fold(col) COLLATE \"und-x-icu\" >= rapport_fold($1) AND rapport_fold(col) \
         COLLATE \"und-x-icu\" <= rapport_fold($2))"
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
    assert_eq!(b, "(e.date >= $4::date AND e.date <= $5::date)");
    assert_eq!(flag, "$6");
    assert_eq!(c, "n >= $7::bigint");
    assert_eq!(binds.last_placeholder(), 7);
    let values = binds.values();
    // Today's date, Rapport's own.
    assert!(matches!(values[4], BindValue::Date(_)));
    assert_eq!(
        values,
        vec![
            BindValue::Integer(7),
            t("DK"),
            t("DE"),
            d("2026-01-01"),
            values[4].clone(),
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
