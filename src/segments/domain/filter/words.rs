//! A filter in words, for the ledger ("RETAIL or WHOLESALE", "starting with A"), and as a
//! normalised expression (the text a user would type to get the same filter).

use super::*;

impl Filter {
    /// Readable, for the segment's ledger: "RETAIL or WHOLESALE", "from 1000 to 1999",
    /// "starting with A", "not empty", "ending with son (any case)", …
    pub fn describe(&self) -> String {
        self.describe_node(&self.root)
    }

    fn describe_node(&self, node: &Node) -> String {
        match node {
            Node::Term(t) => self.describe_term(t),
            Node::Or(items) => {
                // Beside a pattern or a range, a plain value is said "exactly": "starting
                // with K or exactly Lyngby", not "starting with K or Lyngby", which reads
                // as two beginnings.
                let plain = |n: &Node| {
                    matches!(n, Node::Term(Term { test: Test::Equal { value, negated: false }, .. })
                        if !matches!(value, Value::Bool(_)))
                };
                let mixed = items.iter().any(|n| {
                    matches!(
                        n,
                        Node::Term(Term {
                            test: Test::Like { .. } | Test::Range { .. } | Test::Compare { .. },
                            ..
                        })
                    )
                });
                items
                    .iter()
                    .map(|n| match n {
                        Node::And(_) => format!("({})", self.describe_node(n)),
                        _ if mixed && plain(n) => format!("exactly {}", self.describe_node(n)),
                        _ => self.describe_node(n),
                    })
                    .collect::<Vec<_>>()
                    .join(" or ")
            }
            Node::And(items) => items
                .iter()
                .map(|n| match n {
                    Node::Or(_) => format!("({})", self.describe_node(n)),
                    _ => self.describe_node(n),
                })
                .collect::<Vec<_>>()
                .join(" and "),
        }
    }

    fn describe_term(&self, t: &Term) -> String {
        let v = |value: &Value| self.describe_value(value);
        let text = match &t.test {
            Test::Empty { negated: false } => "empty".to_string(),
            Test::Empty { negated: true } => "not empty".to_string(),
            Test::Equal {
                value: Value::Bool(b),
                negated,
            } => (if b != negated { "yes" } else { "no" }).to_string(),
            Test::Equal {
                value,
                negated: false,
            } => v(value),
            Test::Equal {
                value,
                negated: true,
            } => format!("not {}", v(value)),
            Test::Like { pattern, negated } => {
                let phrase = match pattern.0.as_slice() {
                    // (`<>*`, refused in a new step, may be in a stored one.)
                    [Piece::AnyChars] => {
                        return if *negated {
                            "matching nothing"
                        } else {
                            "any value"
                        }
                        .to_string()
                    }
                    [Piece::Text(a), Piece::AnyChars] => {
                        format!("starting with {}", describe_text(a))
                    }
                    [Piece::AnyChars, Piece::Text(a)] => {
                        format!("ending with {}", describe_text(a))
                    }
                    [Piece::AnyChars, Piece::Text(a), Piece::AnyChars] => {
                        format!("containing {}", describe_text(a))
                    }
                    _ => format!("matching {}", render_pattern(pattern)),
                };
                if *negated {
                    format!("not {phrase}")
                } else {
                    phrase
                }
            }
            Test::Compare { op, value } => {
                let words = match (self.kind, op) {
                    (FieldKind::Integer | FieldKind::Amount, CmpOp::Lt) => "less than",
                    (FieldKind::Integer | FieldKind::Amount, CmpOp::Le) => "at most",
                    (FieldKind::Integer | FieldKind::Amount, CmpOp::Gt) => "more than",
                    (FieldKind::Integer | FieldKind::Amount, CmpOp::Ge) => "at least",
                    (FieldKind::Date, CmpOp::Lt) => "before",
                    (FieldKind::Date, CmpOp::Le) => "on or before",
                    (FieldKind::Date, CmpOp::Gt) => "after",
                    (FieldKind::Date, CmpOp::Ge) => "on or after",
                    (_, CmpOp::Lt) => "before",
                    (_, CmpOp::Le) => "up to",
                    (_, CmpOp::Gt) => "after",
                    (_, CmpOp::Ge) => "from",
                };
                format!("{words} {}", v(value))
            }
            Test::Range { from, to } => match (from, to) {
                (Some(a), Some(b)) => format!("from {} to {}", v(a), v(b)),
                (None, Some(b)) => format!("up to {}", v(b)),
                (Some(a), None) => format!("from {}", v(a)),
                (None, None) => unreachable!("a range has a bound"),
            },
        };
        if t.any_case {
            format!("{text} (any case)")
        } else {
            text
        }
    }

    fn choice_value(&self, i: usize) -> &'static str {
        match self.kind {
            FieldKind::Choice(list) => list[i],
            _ => unreachable!("choice values only in choice filters"),
        }
    }

    fn describe_value(&self, v: &Value) -> String {
        match v {
            Value::Text(s) => describe_text(s),
            Value::Date(d) => crate::web::filters::date_text(*d),
            Value::Today => "today".to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Amount(v) => crate::web::filters::amount_exact(v),
            Value::Bool(b) => (if *b { "yes" } else { "no" }).to_string(),
            Value::Choice(i) => super::choice_label(self.choice_value(*i)),
        }
    }

    /// The expression, normalised: no spaces around operators, codes upper case, dates ISO,
    /// yes/no as `Yes`/`No`, choices as listed, quotes only where needed, parentheses only
    /// where `|` sits inside `&`. [`parse`] reads it back to the same filter.
    pub fn expression(&self) -> String {
        self.render_node(&self.root)
    }

    fn render_node(&self, node: &Node) -> String {
        match node {
            Node::Term(t) => self.render_term(t),
            Node::Or(items) => items
                .iter()
                .map(|n| self.render_node(n))
                .collect::<Vec<_>>()
                .join("|"),
            Node::And(items) => items
                .iter()
                .map(|n| match n {
                    Node::Or(_) => format!("({})", self.render_node(n)),
                    _ => self.render_node(n),
                })
                .collect::<Vec<_>>()
                .join("&"),
        }
    }

    fn render_term(&self, t: &Term) -> String {
        let at = if t.any_case { "@" } else { "" };
        let not = |negated: bool| if negated { "<>" } else { "" };
        match &t.test {
            Test::Empty { negated } => format!("{}''", not(*negated)),
            Test::Equal { value, negated } => {
                format!("{}{at}{}", not(*negated), self.render_value(value))
            }
            Test::Like { pattern, negated } => {
                format!("{}{at}{}", not(*negated), render_pattern(pattern))
            }
            Test::Compare { op, value } => {
                format!("{}{at}{}", op.symbol(), self.render_value(value))
            }
            Test::Range { from, to } => {
                let side = |v: &Option<Value>| {
                    v.as_ref().map(|v| self.render_value(v)).unwrap_or_default()
                };
                format!("{at}{}..{}", side(from), side(to))
            }
        }
    }

    fn render_value(&self, v: &Value) -> String {
        match v {
            Value::Text(s) => quote_if_needed(s, true, true),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Today => "today".to_string(),
            Value::Integer(i) => i.to_string(),
            // Without thousands separators, with the office's decimal mark: read back the same.
            Value::Amount(v) => {
                plain_amount_text(v).replace('.', &crate::web::forms::decimal_mark().to_string())
            }
            Value::Bool(b) => (if *b { "Yes" } else { "No" }).to_string(),
            Value::Choice(i) => quote_if_needed(self.choice_value(*i), true, true),
        }
    }
}

impl fmt::Display for Filter {
    /// The normalised expression.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression())
    }
}

/// A value as a filter reads it back as itself, alone: quoted where it holds the filter's own
/// signs. A code "R&D" picked from a list was read as R and D, "VIP*" as a pattern.
pub fn literal(s: &str) -> String {
    quote_if_needed(s, true, true)
}

/// Text quoted the way [`parse`] reads it back, when it has to be. `first` and `last`: the
/// text starts or ends the value (in a pattern, other parts sit next to wildcards).
fn quote_if_needed(s: &str, first: bool, last: bool) -> String {
    let mut prev: Option<char> = None;
    let mut bare_quote = false;
    for c in s.chars() {
        if c == '\'' && prev.is_none_or(char::is_whitespace) {
            bare_quote = true;
        }
        prev = Some(c);
    }
    let needs = s.is_empty()
        || bare_quote
        || s.contains(['|', '&', '*', '?', '(', ')', '<', '>'])
        || s.contains("..")
        || s.starts_with('.')
        || s.ends_with('.')
        || (first && (s.starts_with(['@', '=']) || s.starts_with(char::is_whitespace)))
        || (last && s.ends_with(char::is_whitespace));
    if needs {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        s.to_string()
    }
}

/// Text for a sentence: in double quotes when it would read ambiguously.
fn describe_text(s: &str) -> String {
    if s.is_empty() || s.contains(|c: char| c.is_whitespace() || ",;\"|&()*?".contains(c)) {
        format!("\"{s}\"")
    } else {
        s.to_string()
    }
}

fn render_pattern(p: &Pattern) -> String {
    let n = p.0.len();
    p.0.iter()
        .enumerate()
        .map(|(i, piece)| match piece {
            Piece::Text(s) => quote_if_needed(s, i == 0, i + 1 == n),
            Piece::AnyChars => "*".to_string(),
            Piece::OneChar => "?".to_string(),
        })
        .collect()
}

/// An amount plain with a point and no trailing zeros of its decimals (`1500`, `1500.5`).
fn plain_amount_text(v: &bigdecimal::BigDecimal) -> String {
    let s = v.to_string();
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
