//! DB-free end to end: parse → SQL → evaluate that SQL over rows (see `sqleval`).

use super::*;

use super::sqleval::{self, V};

/// The evaluator's `CURRENT_DATE` (which no statement names any more: `today` is bound as
/// Rapport's date).
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
    // Around today (Rapport's date, which `t` binds): a month before, today, a fortnight after.
    let t = chrono::Local::now().date_naive();
    let (before, after) = (t - chrono::Days::new(30), t + chrono::Days::new(15));
    let dates = vec![Some(V::D(before)), Some(V::D(t)), Some(V::D(after)), None];
    let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let dmy = |d: NaiveDate| d.format("%d.%m.%Y").to_string();
    for (input, want) in [
        (iso(t), vec![1]),
        ("t".to_string(), vec![1]),
        (format!("..{}", iso(t)), vec![0, 1, 3]),
        (format!("{}..{}", iso(before), iso(t)), vec![0, 1]),
        (format!(">{}", iso(t)), vec![2]),
        ("''".to_string(), vec![3]),
        ("<>''".to_string(), vec![0, 1, 2]),
        (format!("<>{}", dmy(t)), vec![0, 2, 3]),
        ("today..".to_string(), vec![1, 2]),
    ] {
        // (A run that passes midnight between reading `t` and the statement is not one to
        // judge by: read again.)
        if chrono::Local::now().date_naive() != t {
            return end_to_end_dates_numbers_booleans_choices();
        }
        assert_eq!(selected(&input, DATE, &dates), want, "{input}");
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
        // Business Central reads a blank number as 0.
        ("''", vec![4]),
        ("<>''", vec![0, 1, 2, 3, 5]),
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
        // The blank (not evaluated) comes before every value, as BC's option blank.
        ("NEUTRAL|<=positive", vec![0, 1, 2, 5]),
        ("..positive", vec![0, 1, 5]),
        ("<neutral", vec![0, 1, 5]),
        ("neutral..", vec![2, 3, 4]),
        ("*", vec![0, 1, 2, 3, 4, 5]),
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

/// Amounts (an opportunity's estimated value): decimals, ranges, comparisons, blanks, as the
/// office writes them (here, with a point).
#[test]
fn end_to_end_amounts() {
    let n = |s: &str| Some(V::N(s.parse().unwrap()));
    let values = vec![
        n("1000.00"), // 0
        n("1500.50"), // 1
        n("2000"),    // 2
        None,         // 3
        n("0"),       // 4
        n("999.99"),  // 5
    ];
    for (input, want) in [
        (">1000", vec![1, 2]),
        (">=1500.5", vec![1, 2]),
        ("1000..1500.50", vec![0, 1]),
        ("..999.99", vec![3, 4, 5]),
        ("1,000.00|2000", vec![0, 2]),
        ("<>1000", vec![1, 2, 3, 4, 5]),
        ("''", vec![3, 4]),
        ("<>''", vec![0, 1, 2, 5]),
        ("0", vec![4]),
        ("-5..0", vec![4]),
    ] {
        assert_eq!(selected(input, AMOUNT, &values), want, "{input}");
    }
}
