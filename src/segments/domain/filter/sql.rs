//! A filter as an SQL condition: fixed SQL and placeholders, every value bound.

use super::*;

impl Filter {
    /// The field kind it was parsed for.
    pub fn kind(&self) -> FieldKind {
        self.kind
    }

    /// The values a filter names exactly, as alternatives or exclusions (`A`, `A|B`, `<>A`,
    /// `<>A&<>B`): each one ought to be a code of its field. `None` for a filter with a
    /// pattern, range, comparison, `@` or mixed alternatives and conditions, whose values need
    /// not be codes. A blank (`''`, `<>''`) beside them names none and is passed over: with
    /// it, `JNB|''` or `<>JNB&<>''` had no value checked, and a mistyped code went unsaid.
    pub fn named_values(&self) -> Option<Vec<&str>> {
        /// `Some(Some(code))`, `Some(None)` for a blank, `None` for anything else.
        fn named(node: &Node) -> Option<Option<&str>> {
            match node {
                Node::Term(Term {
                    test:
                        Test::Equal {
                            value: Value::Text(s),
                            ..
                        },
                    any_case: false,
                }) => Some(Some(s)),
                Node::Term(Term {
                    test: Test::Empty { .. },
                    ..
                }) => Some(None),
                _ => None,
            }
        }
        let nodes = match &self.root {
            Node::Or(nodes) | Node::And(nodes) => nodes.iter().collect::<Vec<_>>(),
            node => vec![node],
        };
        let named: Option<Vec<Option<&str>>> = nodes.into_iter().map(named).collect();
        named.map(|values| values.into_iter().flatten().collect())
    }

    /// The SQL condition over `column`, with values pushed to `binds`.
    ///
    /// `column` is spliced as is: it must be fixed SQL chosen by the caller (a column or a
    /// parenthesised expression), never user input. The result can be joined with AND/OR
    /// or negated without adding parentheses.
    pub fn to_sql(&self, column: &str, binds: &mut Binds) -> String {
        self.node_sql(&self.root, column, binds)
    }

    fn node_sql(&self, node: &Node, column: &str, binds: &mut Binds) -> String {
        let join = |items: &[Node], sep: &str, binds: &mut Binds| {
            let parts: Vec<String> = items
                .iter()
                .map(|n| self.node_sql(n, column, binds))
                .collect();
            format!("({})", parts.join(sep))
        };
        match node {
            Node::Or(items) => join(items, " OR ", binds),
            Node::And(items) => join(items, " AND ", binds),
            Node::Term(t) => self.term_sql(t, column, binds),
        }
    }

    fn term_sql(&self, t: &Term, column: &str, binds: &mut Binds) -> String {
        if let Test::Empty { negated } = t.test {
            return match (self.kind, negated) {
                // Business Central reads a blank number as 0 (a stage or an amount is never
                // empty: `''` matched nothing and `<>''` everything, unsaid).
                (FieldKind::Integer | FieldKind::Amount, _) => {
                    let zero = if self.kind == FieldKind::Integer {
                        Value::Integer(0)
                    } else {
                        Value::Amount(bigdecimal::BigDecimal::from(0))
                    };
                    let zero = placeholder(&zero, false, binds);
                    if negated {
                        format!("{column} <> {zero}")
                    } else {
                        format!("({column} IS NULL OR {column} = {zero})")
                    }
                }
                (FieldKind::Date | FieldKind::Boolean, false) => format!("{column} IS NULL"),
                (FieldKind::Date | FieldKind::Boolean, true) => format!("{column} IS NOT NULL"),
                (_, false) => format!("({column} IS NULL OR {column} = '')"),
                (_, true) => format!("{column} <> ''"),
            };
        }
        let cond = if let FieldKind::Choice(list) = self.kind {
            let (set, negated) = choice_set(list, &t.test);
            let ps: Vec<String> = set
                .iter()
                .map(|&i| binds.push(BindValue::Text(list[i].to_string())))
                .collect();
            match (ps.as_slice(), negated) {
                // Not produced by the parser, which rejects a choice filter selecting nothing.
                ([], false) => "FALSE".to_string(),
                ([], true) => "TRUE".to_string(),
                ([p], false) => format!("{column} = {p}"),
                ([p], true) => format!("{column} <> {p}"),
                (_, false) => format!("{column} IN ({})", ps.join(", ")),
                (_, true) => format!("{column} NOT IN ({})", ps.join(", ")),
            }
        } else {
            let lhs = if t.any_case {
                format!("rapport_fold({column})")
            } else {
                column.to_string()
            };
            let mut p = |v: &Value| placeholder(v, t.any_case, binds);
            // Text compared in the office's alphabet, as the lists sort names: a job title's
            // `A..M` took "Buyer" but not "chief buyer" nor "Émile" (the bytes' order of the
            // cluster's C locale). Codes keep theirs, and the indexes that serve it.
            let text = matches!(self.kind(), FieldKind::Text | FieldKind::Capitals);
            let collation = crate::db::names::collation(crate::web::locale::current());
            let ordered = |lhs: &str| {
                if text {
                    format!("{lhs} COLLATE \"{collation}\"")
                } else {
                    lhs.to_string()
                }
            };
            match &t.test {
                Test::Empty { .. } => unreachable!("handled above"),
                Test::Equal { value, negated } => {
                    let op = if *negated { "<>" } else { "=" };
                    format!("{lhs} {op} {}", p(value))
                }
                Test::Like { pattern, negated } if t.any_case && pattern.has_one_char() => {
                    // `ß` folds to "ss", two letters, which a `?` cannot stand for: `@Stra?e`
                    // finds "Straße" as in lower case alone, and "STRASSE" as folded.
                    let (op, or) = if *negated {
                        ("NOT LIKE", "AND")
                    } else {
                        ("LIKE", "OR")
                    };
                    let b = binds.push(BindValue::Text(pattern.to_like()));
                    format!(
                        "({lhs} {op} rapport_fold({b}) {or} \
                         lower({column} COLLATE \"und-x-icu\") {op} lower({b} COLLATE \"und-x-icu\"))"
                    )
                }
                Test::Like { pattern, negated } => {
                    let op = if *negated { "NOT LIKE" } else { "LIKE" };
                    let v = Value::Text(pattern.to_like());
                    format!("{lhs} {op} {}", p(&v))
                }
                Test::Compare { op, value } => {
                    format!("{} {} {}", ordered(&lhs), op.symbol(), p(value))
                }
                Test::Range { from, to } => match (from, to) {
                    (Some(a), Some(b)) => {
                        let (a, b) = (p(a), p(b));
                        let lhs = ordered(&lhs);
                        format!("({lhs} >= {a} AND {lhs} <= {b})")
                    }
                    (Some(a), None) => format!("{} >= {}", ordered(&lhs), p(a)),
                    (None, Some(b)) => format!("{} <= {}", ordered(&lhs), p(b)),
                    (None, None) => unreachable!("a range has a bound"),
                },
            }
        };
        if accepts_empty(&t.test) {
            format!("({column} IS NULL OR {cond})")
        } else {
            cond
        }
    }
}

/// The SQL for one value: a placeholder with its cast (today's date bound as any other).
fn placeholder(v: &Value, any_case: bool, binds: &mut Binds) -> String {
    match v {
        Value::Text(s) => {
            let p = binds.push(BindValue::Text(s.clone()));
            if any_case {
                format!("rapport_fold({p})")
            } else {
                p
            }
        }
        Value::Date(d) => format!("{}::date", binds.push(BindValue::Date(*d))),
        Value::Today => format!(
            "{}::date",
            binds.push(BindValue::Date(chrono::Local::now().date_naive()))
        ),
        Value::Integer(i) => format!("{}::bigint", binds.push(BindValue::Integer(*i))),
        Value::Amount(v) => format!("{}::numeric", binds.push(BindValue::Text(v.to_string()))),
        Value::Bool(b) => binds.push(BindValue::Bool(*b)),
        Value::Choice(_) => unreachable!("choice filters bind their listed values"),
    }
}
