//! DB-free end-to-end: parse → SQL → evaluate that SQL over rows.
//!
//! A tiny evaluator for exactly the SQL this module writes (and nothing else: any other
//! token fails the test, so values can only have arrived through placeholders).

use super::super::BindValue;
use chrono::NaiveDate;
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq)]
pub enum V {
    T(String),
    D(NaiveDate),
    I(i64),
    /// A `numeric`.
    N(bigdecimal::BigDecimal),
    B(bool),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    LParen,
    RParen,
    Comma,
    Col,
    Word(&'static str),
    Param(usize, Option<&'static str>),
    EmptyText,
    Op(&'static str),
}

const WORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "IS",
    "NULL",
    "LIKE",
    "IN",
    "rapport_fold",
    "CURRENT_DATE",
    "TRUE",
    "FALSE",
];

pub fn tokenize(sql: &str, column: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    // A collation orders text as the office reads it; the values here are plain ASCII, whose
    // order it keeps.
    let sql = without_collations(sql);
    let mut rest = sql.as_str();
    loop {
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() {
            return toks;
        }
        if let Some(r) = rest.strip_prefix(column) {
            toks.push(Tok::Col);
            rest = r;
            continue;
        }
        let c = rest.chars().next().unwrap();
        let (tok, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            ',' => (Tok::Comma, 1),
            '\'' => {
                assert!(rest.starts_with("''"), "a text literal in {sql:?}");
                (Tok::EmptyText, 2)
            }
            '<' | '>' | '=' => {
                let op = ["<>", "<=", ">=", "<", ">", "="]
                    .into_iter()
                    .find(|op| rest.starts_with(op))
                    .unwrap();
                (Tok::Op(op), op.len())
            }
            '$' => {
                let digits = rest[1..].chars().take_while(char::is_ascii_digit).count();
                assert!(digits > 0, "bad placeholder in {sql:?}");
                let n = rest[1..1 + digits].parse().unwrap();
                let mut len = 1 + digits;
                let mut cast = None;
                for ty in ["date", "bigint", "numeric"] {
                    if rest[len..].starts_with(&format!("::{ty}")) {
                        cast = Some(ty);
                        len += 2 + ty.len();
                    }
                }
                (Tok::Param(n, cast), len)
            }
            _ => {
                let word: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let known = WORDS.iter().find(|w| **w == word);
                let known = known.unwrap_or_else(|| panic!("unknown {word:?} in {sql:?}"));
                (Tok::Word(known), word.len())
            }
        };
        toks.push(tok);
        rest = &rest[len..];
    }
}

/// `sql` without its ` COLLATE "…"` clauses.
fn without_collations(sql: &str) -> String {
    let mut out = String::new();
    let mut rest = sql;
    while let Some(at) = rest.find(" COLLATE \"") {
        out.push_str(&rest[..at]);
        let after = &rest[at + " COLLATE \"".len()..];
        rest = &after[after.find('"').map_or(after.len(), |e| e + 1)..];
    }
    out.push_str(rest);
    out
}

struct Eval<'a> {
    toks: Vec<Tok>,
    at: usize,
    binds: &'a [BindValue],
    start_after: usize,
    row: Option<&'a V>,
    today: NaiveDate,
}

/// Whether `row` passes the condition (SQL's NULL counts as not passing).
pub fn eval(
    sql: &str,
    column: &str,
    binds: &[BindValue],
    start_after: usize,
    row: Option<&V>,
    today: NaiveDate,
) -> bool {
    let mut e = Eval {
        toks: tokenize(sql, column),
        at: 0,
        binds,
        start_after,
        row,
        today,
    };
    let v = e.or();
    assert_eq!(e.at, e.toks.len(), "trailing tokens in {sql:?}");
    v == Some(true)
}

impl Eval<'_> {
    fn next(&mut self) -> Tok {
        let t = self.toks[self.at].clone();
        self.at += 1;
        t
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.toks.get(self.at) == Some(t) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Tok) {
        assert!(self.eat(t), "expected {t:?} at token {}", self.at);
    }

    fn or(&mut self) -> Option<bool> {
        let mut v = self.and();
        while self.eat(&Tok::Word("OR")) {
            let r = self.and();
            v = match (v, r) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            };
        }
        v
    }

    fn and(&mut self) -> Option<bool> {
        let mut v = self.pred();
        while self.eat(&Tok::Word("AND")) {
            let r = self.pred();
            v = match (v, r) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            };
        }
        v
    }

    fn pred(&mut self) -> Option<bool> {
        if self.eat(&Tok::LParen) {
            let v = self.or();
            self.expect(&Tok::RParen);
            return v;
        }
        if self.eat(&Tok::Word("TRUE")) {
            return Some(true);
        }
        if self.eat(&Tok::Word("FALSE")) {
            return Some(false);
        }
        let lhs = self.operand();
        if self.eat(&Tok::Word("IS")) {
            let not = self.eat(&Tok::Word("NOT"));
            self.expect(&Tok::Word("NULL"));
            return Some(lhs.is_none() != not);
        }
        let not = self.eat(&Tok::Word("NOT"));
        if self.eat(&Tok::Word("LIKE")) {
            let pattern = self.operand();
            return match (lhs, pattern) {
                (Some(V::T(s)), Some(V::T(p))) => Some(like(&s, &p) != not),
                (None, _) | (_, None) => None,
                other => panic!("LIKE on {other:?}"),
            };
        }
        if self.eat(&Tok::Word("IN")) {
            self.expect(&Tok::LParen);
            let mut list = vec![self.operand()];
            while self.eat(&Tok::Comma) {
                list.push(self.operand());
            }
            self.expect(&Tok::RParen);
            let lhs = lhs?;
            return if list.iter().any(|v| v.as_ref() == Some(&lhs)) {
                Some(!not)
            } else if list.iter().any(Option::is_none) {
                None
            } else {
                Some(not)
            };
        }
        assert!(!not, "NOT before a comparison");
        let Tok::Op(op) = self.next() else {
            panic!("expected an operator at token {}", self.at - 1)
        };
        let rhs = self.operand();
        let ord = match (lhs?, rhs?) {
            (V::T(a), V::T(b)) => a.cmp(&b),
            (V::D(a), V::D(b)) => a.cmp(&b),
            (V::I(a), V::I(b)) => a.cmp(&b),
            (V::N(a), V::N(b)) => a.cmp(&b),
            (V::B(a), V::B(b)) => a.cmp(&b),
            other => panic!("comparing {other:?}"),
        };
        Some(match op {
            "=" => ord == Ordering::Equal,
            "<>" => ord != Ordering::Equal,
            "<" => ord == Ordering::Less,
            "<=" => ord != Ordering::Greater,
            ">" => ord == Ordering::Greater,
            ">=" => ord != Ordering::Less,
            _ => unreachable!(),
        })
    }

    fn operand(&mut self) -> Option<V> {
        match self.next() {
            Tok::Col => self.row.cloned(),
            Tok::EmptyText => Some(V::T(String::new())),
            Tok::Word("CURRENT_DATE") => Some(V::D(self.today)),
            Tok::Word("rapport_fold") => {
                self.expect(&Tok::LParen);
                let v = self.operand();
                self.expect(&Tok::RParen);
                v.map(|v| match v {
                    V::T(s) => V::T(crate::db::fold(&s)),
                    other => panic!("rapport_fold({other:?})"),
                })
            }
            Tok::Param(n, cast) => {
                assert!(n > self.start_after, "${n} belongs to the caller");
                let v = &self.binds[n - 1 - self.start_after];
                Some(match (v, cast) {
                    (BindValue::Text(s), None) => V::T(s.clone()),
                    (BindValue::Date(d), Some("date")) => V::D(*d),
                    (BindValue::Integer(i), Some("bigint")) => V::I(*i),
                    (BindValue::Text(s), Some("numeric")) => {
                        V::N(s.parse().expect("a numeric bound as its text"))
                    }
                    (BindValue::Bool(b), None) => V::B(*b),
                    other => panic!("${n} is bound as {other:?}"),
                })
            }
            other => panic!("expected an operand, found {other:?}"),
        }
    }
}

/// SQL LIKE with `\` as the escape character.
fn like(s: &str, pattern: &str) -> bool {
    enum P {
        Lit(char),
        Any,
        One,
    }
    fn go(ps: &[P], s: &[char]) -> bool {
        match ps.first() {
            None => s.is_empty(),
            Some(P::Any) => (0..=s.len()).any(|i| go(&ps[1..], &s[i..])),
            Some(P::One) => !s.is_empty() && go(&ps[1..], &s[1..]),
            Some(P::Lit(c)) => s.first() == Some(c) && go(&ps[1..], &s[1..]),
        }
    }
    let mut ps = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        ps.push(match c {
            '\\' => P::Lit(chars.next().expect("dangling escape")),
            '%' => P::Any,
            '_' => P::One,
            c => P::Lit(c),
        });
    }
    let s: Vec<char> = s.chars().collect();
    go(&ps, &s)
}
