//! Filter expressions (see docs/segments.md, Filter expressions): Business Central's filter
//! syntax for one field, parsed into a tree, turned into an SQL condition whose values are
//! always bound parameters, into words for the segment's ledger, and back into a normalised
//! expression.
//!
//! # Syntax
//!
//! | Write | Means |
//! |---|---|
//! | `RETAIL\|WHOLESALE` | either value (any number of alternatives) |
//! | `>=10&<=20`, `<>A&<>B` | both; `&` binds tighter than `\|` |
//! | `(A\|B)&<>C` | parentheses group conditions (up to [`MAX_DEPTH`] deep) |
//! | `1000..1999`, `..1999`, `1000..` | inclusive range (also for text and codes: `A..C`) |
//! | `A*`, `*son`, `*ab*`, `A*B`, `A?C` | wildcards: `*` any characters, `?` one character |
//! | `X`, `=X` | equal to X |
//! | `<>X`, `<>A*` | not X; not matching the pattern |
//! | `<X`, `<=X`, `>X`, `>=X` | comparisons |
//! | `''`, `<>''` | empty, not empty |
//! | `@text`, `@*son`, `<>@x`, `@a..c` | case-insensitive (text and code fields) |
//! | `'A\|B'`, `'Smith & Co'`, `'O''Brien'` | quoted: literal text, `''` inside quotes is one `'` |
//!
//! - Whitespace around operators is ignored; inside an unquoted value inner spaces are kept
//!   (`New York`), leading and trailing ones are dropped. Quoted text is kept exactly.
//! - Quoted and unquoted parts can be joined: `'A*B'*` starts with `A*B`, `*'@x.com'` ends
//!   with `@x.com`. A quote directly after an ordinary unquoted character is an apostrophe,
//!   so `O'Brien` and `*O'Brien*` need no quoting (`'O''Brien'` works too).
//! - Special only where an operator can stand: `@` (start of a value or range bound), `<`,
//!   `>`, `=` (start of a value). Elsewhere `@` and `=` are ordinary (`*@example.com`), while
//!   `<`, `>` and `(` inside a value are errors that suggest quoting.
//!
//! # Field kinds
//!
//! - [`FieldKind::Text`]: case-sensitive unless `@`.
//! - [`FieldKind::Capitals`]: upper-cased as a code, ordered as text.
//! - [`FieldKind::Code`]: values are upper-cased unless `@` (codes are upper case).
//! - [`FieldKind::Date`]: `2026-01-31`; also `31.01.2026` and `today`/`t` (Rapport's own date
//!   when the statement is written, as every other "today" of its pages: not the database's
//!   `CURRENT_DATE`, which a database server in another time zone reads as another day; saved
//!   criteria stay relative). No wildcards.
//! - [`FieldKind::Integer`]: whole numbers (`-5`, `+5`). No wildcards.
//! - [`FieldKind::Amount`]: amounts as the office writes them and its forms read them
//!   (`1.500,50` or `1500,50` under `da-DK`, `1,500.50` under `en-GB`), and nothing else:
//!   `12.50` under `da-DK` is refused as it is in a form, not read as 12.5 beside `12.500` read
//!   as 12,500. No wildcards.
//! - [`FieldKind::Boolean`]: `yes`/`no`/`true`/`false`/`1`/`0`, alone or after `<>`; no
//!   ranges, comparisons, wildcards or `''`.
//! - [`FieldKind::Choice`]: one of the listed values, matched case-insensitively, its words
//!   apart or joined by `_` (`Not Started` is `not_started`), and stored as listed. Wildcards
//!   pick the matching listed values; ranges and comparisons use the list's order (as
//!   Business Central's option fields do), with the blank before the first value.
//!
//! `@` on a date, number or yes/no field is an error; on a choice field it changes nothing.
//!
//! # Blank values
//!
//! A NULL counts as the field's empty value, as Business Central's blank: it equals only `''`,
//! differs from every other value, and comes before every value. So `<>DK` and `<>D*` include
//! contacts with no country, `..M` and `<M` include them, `>=A` and `A..M` do not. `''` is
//! `column IS NULL` for dates and numbers and `(column IS NULL OR column = '')` for text, code
//! and choice columns (so it also works for code-like columns stored as `''`).
//!
//! # SQL
//!
//! [`Filter::to_sql`] returns a condition that can be joined with `AND`/`OR` or negated
//! without extra parentheses. It contains the column expression, fixed SQL and placeholders
//! only: text values are bound as text (`$n`), dates as `$n::date`, numbers as `$n::bigint`,
//! yes/no as `$n`. Wildcards become `LIKE` patterns with `%`, `_` and `\` escaped (PostgreSQL's
//! default `\` escape). `@` compares `rapport_fold(column)` with `rapport_fold($n)` (every letter folded,
//! whatever the database's locale: see [`crate::db::fold`]); a pattern with `?` also matches
//! the column in lower case alone, so that `?` stands for a `ß`, which folds to two letters.
//! Text ranges and comparisons follow the database collation.

mod parse;
mod sql;
mod words;

#[cfg(test)]
mod tests;

use std::fmt;

use chrono::NaiveDate;

pub use crate::db::binds::{bind_all, BindValue, Binds};
pub use parse::parse;
pub use words::literal;

/// Longest accepted expression, in characters (keeps the bound values well under
/// PostgreSQL's limit of 65,535 parameters).
pub const MAX_LENGTH: usize = 10_000;

/// Deepest accepted nesting of parentheses.
pub const MAX_DEPTH: usize = 32;

/// What kind of field an expression filters: decides how values are read and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Code,
    Text,
    /// Text kept in capitals (a Search Name): values upper-cased as a code's, compared in the
    /// office's alphabet as text is.
    Capitals,
    Date,
    Integer,
    /// A decimal amount (a `numeric` column).
    Amount,
    Boolean,
    /// A closed list of stored values, in their order (e.g. `&["company", "person"]`).
    Choice(&'static [&'static str]),
}

impl FieldKind {
    fn noun(self) -> &'static str {
        match self {
            FieldKind::Code => "a code field",
            FieldKind::Text | FieldKind::Capitals => "a text field",
            FieldKind::Date => "a date field",
            FieldKind::Integer => "a number field",
            FieldKind::Amount => "an amount field",
            FieldKind::Boolean => "a yes/no field",
            FieldKind::Choice(_) => "an option field",
        }
    }

    /// Text-like kinds: `@` applies, `''` means NULL or `''`.
    fn is_textual(self) -> bool {
        matches!(
            self,
            FieldKind::Code | FieldKind::Text | FieldKind::Capitals
        )
    }
}

/// Why an expression could not be parsed, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based character (not byte) position in the input.
    pub position: usize,
    pub message: String,
}

impl ParseError {
    fn at(position: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            position,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at position {}: {}", self.position, self.message)
    }
}

impl std::error::Error for ParseError {}
/// A parsed filter expression for one field kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    kind: FieldKind,
    root: Node,
}

/// The refusal of `<>*` in a new step, which the criteria complete with what to write
/// instead (a stored step holding it is still read, and matches nothing).
pub const NOT_ANYTHING: &str = "<>* matches nothing (every value, an empty one too, matches *)";

impl Filter {
    /// Whether one of its alternatives asks for an empty value (`''`).
    pub fn asks_for_empty(&self) -> bool {
        self.any_test(&|t| matches!(t, Test::Empty { negated: false }))
    }

    /// Whether one of its alternatives is `<>*` (or `<>**`…), which no value passes.
    pub fn negates_anything(&self) -> bool {
        self.any_test(&|t| {
            matches!(t, Test::Like { pattern, negated: true }
                if pattern.0.iter().all(|p| matches!(p, Piece::AnyChars)))
        })
    }

    /// Whether one of its terms passes `wanted`.
    fn any_test(&self, wanted: &dyn Fn(&Test) -> bool) -> bool {
        fn walk(node: &Node, wanted: &dyn Fn(&Test) -> bool) -> bool {
            match node {
                Node::Or(nodes) | Node::And(nodes) => nodes.iter().any(|n| walk(n, wanted)),
                Node::Term(t) => wanted(&t.test),
            }
        }
        walk(&self.root, wanted)
    }

    /// Whether it is one `<>X` alone.
    pub fn is_one_not_equal(&self) -> bool {
        matches!(
            &self.root,
            Node::Term(Term {
                test: Test::Equal { negated: true, .. },
                ..
            })
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    /// Two or more alternatives, none itself an `Or`.
    Or(Vec<Node>),
    /// Two or more conditions, none itself an `And`.
    And(Vec<Node>),
    Term(Term),
}

#[derive(Clone, Debug, PartialEq)]
struct Term {
    test: Test,
    /// `@`: only ever set on text and code fields.
    any_case: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Test {
    Empty {
        negated: bool,
    },
    /// The value is never the empty text (that is `Empty`).
    Equal {
        value: Value,
        negated: bool,
    },
    Like {
        pattern: Pattern,
        negated: bool,
    },
    Compare {
        op: CmpOp,
        value: Value,
    },
    /// At least one bound.
    Range {
        from: Option<Value>,
        to: Option<Value>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Value {
    Text(String),
    Date(NaiveDate),
    /// `today`: Rapport's local date when the statement is written.
    Today,
    Integer(i64),
    Amount(bigdecimal::BigDecimal),
    Bool(bool),
    /// Index into the choice list.
    Choice(usize),
}

/// A wildcard pattern: literal text, `*` and `?`, at least one wildcard.
#[derive(Clone, Debug, PartialEq)]
struct Pattern(Vec<Piece>);

#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    AnyChars,
    OneChar,
}

impl Pattern {
    /// The LIKE pattern: literal text escaped, `*` → `%`, `?` → `_`.
    fn to_like(&self) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(s) => out.push_str(&crate::db::text::like_escape(s)),
                Piece::AnyChars => out.push('%'),
                Piece::OneChar => out.push('_'),
            }
        }
        out
    }

    /// Whether it has a `?`.
    fn has_one_char(&self) -> bool {
        self.0.contains(&Piece::OneChar)
    }

    /// Whether the empty text matches (only `*`s).
    fn matches_empty(&self) -> bool {
        self.0.iter().all(|p| *p == Piece::AnyChars)
    }

    /// Whether `s` matches, ignoring case (used to pick choice values).
    fn matches_any_case(&self, s: &str) -> bool {
        enum Tok {
            Char(char),
            Any,
            One,
        }
        let mut toks = Vec::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => toks.extend(t.to_lowercase().chars().map(Tok::Char)),
                Piece::AnyChars => toks.push(Tok::Any),
                Piece::OneChar => toks.push(Tok::One),
            }
        }
        let s: Vec<char> = s.to_lowercase().chars().collect();
        // matched[j]: the tokens so far match the first j characters of s.
        let mut matched = vec![false; s.len() + 1];
        matched[0] = true;
        for tok in &toks {
            let mut next = vec![false; s.len() + 1];
            match tok {
                Tok::Any => {
                    let mut any = false;
                    for j in 0..=s.len() {
                        any |= matched[j];
                        next[j] = any;
                    }
                }
                Tok::One => {
                    next[1..].copy_from_slice(&matched[..s.len()]);
                }
                Tok::Char(c) => {
                    for j in 1..=s.len() {
                        next[j] = matched[j - 1] && s[j - 1] == *c;
                    }
                }
            }
            matched = next;
        }
        matched[s.len()]
    }
}

fn list_values(list: &[&str]) -> String {
    list.iter()
        .map(|v| {
            if v.is_empty() {
                "''".to_string()
            } else {
                choice_label(v)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A choice as Business Central shows it, words apart and capitalised: `hard_copy` →
/// "Hard Copy", `not_started` → "Not Started", `email` → "E-mail". A filter reads it so, as
/// it reads the stored value.
pub fn choice_label(value: &str) -> String {
    if value == "email" {
        return "E-mail".to_string();
    }
    value
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A choice typed as compared with the listed values: its letters and digits, in lower
/// case ("E-mail" and "email", "Not Started" and "not_started" are one).
fn choice_key(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The listed values a choice test selects (in list order), and whether it is negated.
fn choice_set(list: &[&str], test: &Test) -> (Vec<usize>, bool) {
    let index = |v: &Value| match v {
        Value::Choice(i) => *i,
        _ => unreachable!("choice values are indexes"),
    };
    let all = 0..list.len();
    match test {
        Test::Empty { negated } => (
            list.iter().position(|v| v.is_empty()).into_iter().collect(),
            *negated,
        ),
        Test::Equal { value, negated } => (vec![index(value)], *negated),
        Test::Like { pattern, negated } => (
            all.filter(|&i| pattern.matches_any_case(list[i])).collect(),
            *negated,
        ),
        Test::Compare { op, value } => {
            let v = index(value);
            let keep = |i: usize| match op {
                CmpOp::Lt => i < v,
                CmpOp::Le => i <= v,
                CmpOp::Gt => i > v,
                CmpOp::Ge => i >= v,
            };
            (all.filter(|&i| keep(i)).collect(), false)
        }
        Test::Range { from, to } => {
            let lo = from.as_ref().map_or(0, index);
            let hi = to.as_ref().map_or(usize::MAX, index);
            (all.filter(|&i| i >= lo && i <= hi).collect(), false)
        }
    }
}

/// Whether a test accepts the empty value (a NULL or `''`), as Business Central's blank:
/// equal only to `''`, different from everything else, before every value. An option field's
/// blank comes first too (BC's Evaluation and Correspondence Type start with " "), so
/// `..positive` and `<neutral` take the entries not evaluated: the lists name no blank, and
/// every kind reads it the same way.
fn accepts_empty(test: &Test) -> bool {
    match test {
        Test::Empty { negated } => !negated,
        Test::Equal { negated, .. } => *negated,
        Test::Like { pattern, negated } => pattern.matches_empty() != *negated,
        Test::Compare { op, .. } => matches!(op, CmpOp::Lt | CmpOp::Le),
        Test::Range { from, .. } => from.is_none(),
    }
}
