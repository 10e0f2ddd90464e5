//! Filter expressions (SPEC §4.1): Business Central's filter syntax for one field, parsed into
//! a tree, turned into an SQL condition whose values are always bound parameters, into words
//! for the segment's ledger, and back into a normalised expression.
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
//! - [`FieldKind::Code`]: values are upper-cased unless `@` (codes are upper case).
//! - [`FieldKind::Date`]: `2026-01-31`; also `31.01.2026` and `today`/`t` (the database's
//!   `CURRENT_DATE` when the query runs, so saved criteria stay relative). No wildcards.
//! - [`FieldKind::Integer`]: whole numbers (`-5`, `+5`). No wildcards.
//! - [`FieldKind::Boolean`]: `yes`/`no`/`true`/`false`/`1`/`0`, alone or after `<>`; no
//!   ranges, comparisons, wildcards or `''`.
//! - [`FieldKind::Choice`]: one of the listed values, matched case-insensitively and stored
//!   as listed. Wildcards pick the matching listed values; ranges and comparisons use the
//!   list's order (as Business Central's option fields do).
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
//! whatever the database's locale: see [`crate::db::fold`]). Text ranges and
//! comparisons follow the database collation.

use std::fmt;

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types;

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
    Date,
    Integer,
    Boolean,
    /// A closed list of stored values, in their order (e.g. `&["company", "person"]`).
    Choice(&'static [&'static str]),
}

impl FieldKind {
    fn noun(self) -> &'static str {
        match self {
            FieldKind::Code => "a code field",
            FieldKind::Text => "a text field",
            FieldKind::Date => "a date field",
            FieldKind::Integer => "a number field",
            FieldKind::Boolean => "a yes/no field",
            FieldKind::Choice(_) => "an option field",
        }
    }

    /// Text-like kinds: `@` applies, `''` means NULL or `''`.
    fn is_textual(self) -> bool {
        matches!(self, FieldKind::Code | FieldKind::Text)
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

/// A value to bind to a placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindValue {
    Text(String),
    Date(NaiveDate),
    Integer(i64),
    Bool(bool),
}

impl From<String> for BindValue {
    fn from(v: String) -> Self {
        BindValue::Text(v)
    }
}

impl From<&str> for BindValue {
    fn from(v: &str) -> Self {
        BindValue::Text(v.to_string())
    }
}

impl From<NaiveDate> for BindValue {
    fn from(v: NaiveDate) -> Self {
        BindValue::Date(v)
    }
}

impl From<i64> for BindValue {
    fn from(v: i64) -> Self {
        BindValue::Integer(v)
    }
}

impl From<bool> for BindValue {
    fn from(v: bool) -> Self {
        BindValue::Bool(v)
    }
}

/// Collects bound values in placeholder order (`$1`, `$2`, …), continuing a numbering
/// started elsewhere.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Binds {
    start_after: usize,
    values: Vec<BindValue>,
}

impl Binds {
    /// Numbering starts at `$<start_after + 1>`: the caller binds its own first
    /// `start_after` values before these.
    pub fn new(start_after: usize) -> Binds {
        Binds {
            start_after,
            values: Vec::new(),
        }
    }

    /// Adds a value; returns its placeholder, e.g. `$3`.
    pub fn push(&mut self, v: BindValue) -> String {
        self.values.push(v);
        format!("${}", self.last_placeholder())
    }

    /// How many values this collected (not counting the first `start_after`).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The number of the last placeholder handed out (`start_after` if none): the next
    /// placeholder of the statement is this plus one.
    pub fn last_placeholder(&self) -> usize {
        self.start_after + self.values.len()
    }

    /// The collected values, in placeholder order.
    pub fn values(self) -> Vec<BindValue> {
        self.values
    }
}

/// Binds `values` to `query`, in order, each with its SQL type (text, date, bigint, boolean).
pub fn bind_all<'a>(
    query: BoxedSqlQuery<'a, Pg, SqlQuery>,
    values: Vec<BindValue>,
) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    values.into_iter().fold(query, |q, v| match v {
        BindValue::Text(s) => q.bind::<sql_types::Text, _>(s),
        BindValue::Date(d) => q.bind::<sql_types::Date, _>(d),
        BindValue::Integer(i) => q.bind::<sql_types::BigInt, _>(i),
        BindValue::Bool(b) => q.bind::<sql_types::Bool, _>(b),
    })
}

/// A parsed filter expression for one field kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    kind: FieldKind,
    root: Node,
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
    /// `today`: the database's `CURRENT_DATE`.
    Today,
    Integer(i64),
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
                Piece::Text(s) => {
                    for c in s.chars() {
                        if matches!(c, '%' | '_' | '\\') {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                }
                Piece::AnyChars => out.push('%'),
                Piece::OneChar => out.push('_'),
            }
        }
        out
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

/// Parses `input` as a filter for a field of `kind`. Blank input is `Ok(None)`: no filter.
pub fn parse(input: &str, kind: FieldKind) -> Result<Option<Filter>, ParseError> {
    let chars: Vec<char> = input.chars().collect();
    if chars.len() > MAX_LENGTH {
        return Err(ParseError::at(
            MAX_LENGTH + 1,
            format!("the filter is too long (at most {MAX_LENGTH} characters)"),
        ));
    }
    if chars.iter().all(|c| c.is_whitespace()) {
        return Ok(None);
    }
    let mut parser = Parser {
        chars,
        pos: 0,
        kind,
        depth: 0,
    };
    let root = parser.parse_or(Prev::Start)?;
    parser.skip_ws();
    if parser.peek().is_some() {
        // Every level stops only at '|', '&', ')' or the end; '|' and '&' are consumed.
        return Err(parser.error_here("unexpected ')' without a matching '('"));
    }
    Ok(Some(Filter { kind, root }))
}

/// What came before a value, for "expected a value …" messages.
#[derive(Clone, Copy, Debug)]
enum Prev {
    Start,
    /// An operator and its 0-based index.
    Op(&'static str, usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Cmp(CmpOp),
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Cmp(c) => c.symbol(),
        }
    }
}

/// A value as typed: characters (quoted or not) and wildcards, before it is read as a kind.
#[derive(Debug)]
struct RawValue {
    pieces: Vec<RawPiece>,
    /// 1-based position of its first character.
    start: usize,
}

#[derive(Debug)]
enum RawPiece {
    Char(char),
    /// A wildcard and its 1-based position.
    Any(usize),
    One(usize),
}

impl RawValue {
    /// `''`: quoted, nothing inside.
    fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    fn wildcard(&self) -> Option<usize> {
        self.pieces.iter().find_map(|p| match p {
            RawPiece::Any(at) | RawPiece::One(at) => Some(*at),
            RawPiece::Char(_) => None,
        })
    }

    /// The characters (for values without wildcards).
    fn text(&self) -> String {
        self.pieces
            .iter()
            .filter_map(|p| match p {
                RawPiece::Char(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// As typed, for messages.
    fn shown(&self) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                RawPiece::Char(c) => *c,
                RawPiece::Any(_) => '*',
                RawPiece::One(_) => '?',
            })
            .collect()
    }

    fn pattern(&self, upper: bool) -> Pattern {
        let mut out: Vec<Piece> = Vec::new();
        for p in &self.pieces {
            match p {
                RawPiece::Char(c) => match out.last_mut() {
                    Some(Piece::Text(s)) => s.push(*c),
                    _ => out.push(Piece::Text(c.to_string())),
                },
                RawPiece::Any(_) => {
                    if out.last() != Some(&Piece::AnyChars) {
                        out.push(Piece::AnyChars);
                    }
                }
                RawPiece::One(_) => out.push(Piece::OneChar),
            }
        }
        if upper {
            for p in &mut out {
                if let Piece::Text(s) = p {
                    *s = s.to_uppercase();
                }
            }
        }
        Pattern(out)
    }
}

struct Parser {
    chars: Vec<char>,
    /// 0-based index of the next character.
    pos: usize,
    kind: FieldKind,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn at_dots(&self) -> bool {
        self.peek() == Some('.') && self.peek_at(1) == Some('.')
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn error_here(&self, message: impl Into<String>) -> ParseError {
        ParseError::at(self.pos + 1, message)
    }

    /// A value was expected at the current position (after whitespace) but there is none.
    fn missing_value(&self, prev: Prev) -> ParseError {
        let found = if self.at_dots() {
            Some("..".to_string())
        } else {
            self.peek().map(|c| c.to_string())
        };
        match (prev, found) {
            (Prev::Op(op, at), None) => {
                ParseError::at(at + 1, format!("expected a value after '{op}'"))
            }
            (Prev::Start, None) => ParseError::at(1, "expected a value"),
            (Prev::Start, Some(tok)) => self.error_here(format!("expected a value before '{tok}'")),
            (Prev::Op(op, _), Some(tok)) => {
                self.error_here(format!("expected a value between '{op}' and '{tok}'"))
            }
        }
    }

    fn parse_or(&mut self, prev: Prev) -> Result<Node, ParseError> {
        let mut items = Vec::new();
        let mut next_prev = prev;
        loop {
            match self.parse_and(next_prev)? {
                Node::Or(inner) => items.extend(inner),
                node => items.push(node),
            }
            self.skip_ws();
            if self.peek() != Some('|') {
                break;
            }
            next_prev = Prev::Op("|", self.pos);
            self.pos += 1;
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Or(items)
        })
    }

    fn parse_and(&mut self, prev: Prev) -> Result<Node, ParseError> {
        let mut items = Vec::new();
        let mut next_prev = prev;
        loop {
            match self.parse_unary(next_prev)? {
                Node::And(inner) => items.extend(inner),
                node => items.push(node),
            }
            self.skip_ws();
            if self.peek() != Some('&') {
                break;
            }
            next_prev = Prev::Op("&", self.pos);
            self.pos += 1;
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::And(items)
        })
    }

    fn parse_unary(&mut self, prev: Prev) -> Result<Node, ParseError> {
        self.skip_ws();
        if self.peek() != Some('(') {
            return Ok(Node::Term(self.parse_term(prev)?));
        }
        let open = self.pos;
        if self.depth >= MAX_DEPTH {
            return Err(
                self.error_here(format!("too many nested parentheses (at most {MAX_DEPTH})"))
            );
        }
        self.depth += 1;
        self.pos += 1;
        let inner = self.parse_or(Prev::Op("(", open))?;
        self.skip_ws();
        if self.peek() != Some(')') {
            return Err(ParseError::at(
                open + 1,
                "this '(' is never closed: add a ')'",
            ));
        }
        self.pos += 1;
        self.depth -= 1;
        self.skip_ws();
        match self.peek() {
            None | Some('|' | '&' | ')') => Ok(inner),
            Some(c) => Err(self.error_here(format!(
                "unexpected '{c}' after ')': join conditions with & or |"
            ))),
        }
    }

    fn parse_operator(&mut self) -> Option<(Op, usize)> {
        let at = self.pos;
        let (op, len) = match (self.peek(), self.peek_at(1)) {
            (Some('<'), Some('>')) => (Op::Ne, 2),
            (Some('<'), Some('=')) => (Op::Cmp(CmpOp::Le), 2),
            (Some('>'), Some('=')) => (Op::Cmp(CmpOp::Ge), 2),
            (Some('<'), _) => (Op::Cmp(CmpOp::Lt), 1),
            (Some('>'), _) => (Op::Cmp(CmpOp::Gt), 1),
            (Some('='), _) => (Op::Eq, 1),
            _ => return None,
        };
        self.pos += len;
        Some((op, at))
    }

    /// Consumes an `@` if there is one, checking that the kind allows it.
    fn take_at_sign(&mut self, at_sign: &mut Option<usize>) -> Result<(), ParseError> {
        if self.peek() != Some('@') {
            return Ok(());
        }
        if matches!(
            self.kind,
            FieldKind::Date | FieldKind::Integer | FieldKind::Boolean
        ) {
            return Err(self.error_here(format!(
                "'@' (any case) applies only to text and code fields, not to {}",
                self.kind.noun()
            )));
        }
        at_sign.get_or_insert(self.pos);
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    fn parse_term(&mut self, prev: Prev) -> Result<Term, ParseError> {
        self.skip_ws();
        let term_start = self.pos;
        let mut at_sign = None;
        self.take_at_sign(&mut at_sign)?;
        let op = self.parse_operator();
        if op.is_some() {
            self.skip_ws();
            self.take_at_sign(&mut at_sign)?;
        }
        // What the value follows, for messages: the later of the operator and '@'.
        let value_prev = match (op, at_sign) {
            (Some((o, o_at)), Some(a)) if a < o_at => Prev::Op(o.symbol(), o_at),
            (_, Some(a)) => Prev::Op("@", a),
            (Some((o, o_at)), None) => Prev::Op(o.symbol(), o_at),
            (None, None) => prev,
        };
        let first = self.lex_value(value_prev)?;
        self.skip_ws();

        if self.at_dots() {
            let dots = self.pos;
            if let Some((o, _)) = op {
                return Err(
                    self.error_here(format!("'..' cannot be combined with '{}'", o.symbol()))
                );
            }
            self.pos += 2;
            self.skip_ws();
            self.take_at_sign(&mut at_sign)?;
            let second = self.lex_value(Prev::Op("..", dots))?;
            self.skip_ws();
            if self.at_dots() {
                return Err(self.error_here("a range can have only one '..'"));
            }
            if first.is_none() && second.is_none() {
                return Err(ParseError::at(
                    dots + 1,
                    "expected a value before or after '..'",
                ));
            }
            if self.kind == FieldKind::Boolean {
                return Err(ParseError::at(
                    dots + 1,
                    "a yes/no field cannot be filtered by a range: use yes or no",
                ));
            }
            let any_case = at_sign.is_some() && self.kind.is_textual();
            let from = first.map(|raw| self.bound(&raw, any_case)).transpose()?;
            let to = second.map(|raw| self.bound(&raw, any_case)).transpose()?;
            let reversed = match (&from, &to) {
                (Some(Value::Integer(a)), Some(Value::Integer(b))) => a > b,
                (Some(Value::Date(a)), Some(Value::Date(b))) => a > b,
                (Some(Value::Choice(a)), Some(Value::Choice(b))) => a > b,
                _ => false,
            };
            if reversed {
                return Err(ParseError::at(
                    term_start + 1,
                    "this range is empty: its start comes after its end",
                ));
            }
            let test = Test::Range { from, to };
            self.check_choice_set(&test, term_start + 1, "")?;
            return Ok(Term { test, any_case });
        }

        let Some(raw) = first else {
            return Err(self.missing_value(value_prev));
        };
        let any_case = at_sign.is_some() && self.kind.is_textual();
        let upper = self.kind == FieldKind::Code && !any_case;
        let test = match op {
            Some((Op::Cmp(cmp), at)) => {
                let sym = cmp.symbol();
                if self.kind == FieldKind::Boolean {
                    return Err(ParseError::at(
                        at + 1,
                        format!(
                            "a yes/no field cannot be compared with '{sym}': use yes, no or <>"
                        ),
                    ));
                }
                if raw.is_empty() {
                    return Err(ParseError::at(
                        raw.start,
                        format!("'{sym}' cannot be used with '' (empty)"),
                    ));
                }
                if let Some(w) = raw.wildcard() {
                    return Err(ParseError::at(
                        w,
                        format!("wildcards (* and ?) cannot be used with '{sym}'"),
                    ));
                }
                Test::Compare {
                    op: cmp,
                    value: self.value(&raw, any_case)?,
                }
            }
            _ => {
                let negated = matches!(op, Some((Op::Ne, _)));
                if raw.is_empty() {
                    if self.kind == FieldKind::Boolean {
                        return Err(ParseError::at(
                            raw.start,
                            "a yes/no field is never empty: use yes or no",
                        ));
                    }
                    // '@' means nothing for an empty value.
                    return Ok(Term {
                        test: Test::Empty { negated },
                        any_case: false,
                    });
                }
                if let Some(w) = raw.wildcard() {
                    if !matches!(
                        self.kind,
                        FieldKind::Text | FieldKind::Code | FieldKind::Choice(_)
                    ) {
                        return Err(ParseError::at(
                            w,
                            format!("wildcards (* and ?) cannot be used in {}", self.kind.noun()),
                        ));
                    }
                    Test::Like {
                        pattern: raw.pattern(upper),
                        negated,
                    }
                } else {
                    Test::Equal {
                        value: self.value(&raw, any_case)?,
                        negated,
                    }
                }
            }
        };
        self.check_choice_set(&test, raw.start, &raw.shown())?;
        Ok(Term { test, any_case })
    }

    /// A choice filter must name at least one listed value (a typo otherwise).
    fn check_choice_set(&self, test: &Test, at: usize, shown: &str) -> Result<(), ParseError> {
        let FieldKind::Choice(list) = self.kind else {
            return Ok(());
        };
        if !choice_set(list, test).0.is_empty() {
            return Ok(());
        }
        let message = match test {
            Test::Like { .. } => format!("'{shown}' matches none of: {}", list_values(list)),
            _ => format!(
                "no value lies in that range; the values in order are: {}",
                list_values(list)
            ),
        };
        Err(ParseError::at(at, message))
    }

    fn bound(&self, raw: &RawValue, any_case: bool) -> Result<Value, ParseError> {
        if raw.is_empty() {
            return Err(ParseError::at(
                raw.start,
                "'' (empty) cannot be a range bound: leave that side of '..' blank instead",
            ));
        }
        if let Some(w) = raw.wildcard() {
            return Err(ParseError::at(
                w,
                "wildcards (* and ?) cannot be used in a range",
            ));
        }
        self.value(raw, any_case)
    }

    /// Reads a value (no wildcards, not empty) as the field's kind.
    fn value(&self, raw: &RawValue, any_case: bool) -> Result<Value, ParseError> {
        let text = raw.text();
        let err = |message: String| Err(ParseError::at(raw.start, message));
        match self.kind {
            FieldKind::Text => Ok(Value::Text(text)),
            FieldKind::Code => Ok(Value::Text(if any_case {
                text
            } else {
                text.to_uppercase()
            })),
            FieldKind::Date => match parse_date(&text) {
                Some(v) => Ok(v),
                None => err(format!(
                    "'{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31"
                )),
            },
            FieldKind::Integer => match text.parse::<i64>() {
                Ok(i) => Ok(Value::Integer(i)),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
                    ) =>
                {
                    err(format!("'{text}' is too large for a whole number"))
                }
                Err(_) => err(format!("'{text}' is not a whole number")),
            },
            FieldKind::Boolean => match text.to_lowercase().as_str() {
                "yes" | "true" | "1" => Ok(Value::Bool(true)),
                "no" | "false" | "0" => Ok(Value::Bool(false)),
                _ => err(format!(
                    "'{text}' is not yes or no (write yes, no, true, false, 1 or 0)"
                )),
            },
            FieldKind::Choice(list) => {
                let wanted = text.to_lowercase();
                match list.iter().position(|v| v.to_lowercase() == wanted) {
                    Some(i) => Ok(Value::Choice(i)),
                    None => err(format!("'{text}' is not one of: {}", list_values(list))),
                }
            }
        }
    }

    /// Reads one value up to `|`, `&`, `)`, `..` or the end. `None` if there is nothing
    /// (an empty `''` is a value).
    fn lex_value(&mut self, prev: Prev) -> Result<Option<RawValue>, ParseError> {
        self.skip_ws();
        let start = self.pos;
        let mut pieces: Vec<RawPiece> = Vec::new();
        // Pieces up to here are kept: drops trailing unquoted whitespace.
        let mut keep = 0;
        let mut quoted = false;
        // The previous character was an ordinary unquoted one: a quote now is an apostrophe.
        let mut after_plain = false;
        while let Some(c) = self.peek() {
            match c {
                '|' | '&' | ')' => break,
                '.' if self.peek_at(1) == Some('.') => break,
                '\'' if !after_plain => {
                    let open = self.pos;
                    self.pos += 1;
                    loop {
                        match self.peek() {
                            None => {
                                return Err(ParseError::at(
                                    open + 1,
                                    "this quote is never closed: add a ' at the end \
                                     (inside quotes, write '' for one ')",
                                ))
                            }
                            Some('\'') if self.peek_at(1) == Some('\'') => {
                                pieces.push(RawPiece::Char('\''));
                                self.pos += 2;
                            }
                            Some('\'') => {
                                self.pos += 1;
                                break;
                            }
                            Some(ch) => {
                                pieces.push(RawPiece::Char(ch));
                                self.pos += 1;
                            }
                        }
                    }
                    // `'O'Brien'`: the second quote ended the quoted text too early.
                    if let Some(next) = self.peek() {
                        let ends_value = matches!(next, '|' | '&' | ')' | '*' | '?')
                            || next.is_whitespace()
                            || self.at_dots();
                        if !ends_value {
                            return Err(ParseError::at(
                                self.pos,
                                format!(
                                    "this quote ends the quoted text, but '{next}' follows it: \
                                     inside quotes write '' for one ', e.g. 'O''Brien'"
                                ),
                            ));
                        }
                    }
                    quoted = true;
                    keep = pieces.len();
                    after_plain = false;
                    continue;
                }
                '*' | '?' => {
                    pieces.push(if c == '*' {
                        RawPiece::Any(self.pos + 1)
                    } else {
                        RawPiece::One(self.pos + 1)
                    });
                    keep = pieces.len();
                    after_plain = false;
                }
                '(' | '<' | '>' => {
                    return Err(match (pieces.is_empty(), prev) {
                        (true, Prev::Op(op, _)) => self.error_here(format!(
                            "unexpected '{c}' after '{op}': quote the value to search for '{c}'"
                        )),
                        _ if c == '(' => self.error_here(
                            "unexpected '(' inside a value: quote the value to search for it, \
                             e.g. 'Acme (Europe)'",
                        ),
                        _ => self.error_here(format!(
                            "unexpected '{c}' inside a value: join conditions with & or |, \
                             or quote the value to search for '{c}'"
                        )),
                    });
                }
                _ => {
                    pieces.push(RawPiece::Char(c));
                    after_plain = !c.is_whitespace();
                    if after_plain {
                        keep = pieces.len();
                    }
                }
            }
            self.pos += 1;
        }
        pieces.truncate(keep);
        if pieces.is_empty() && !quoted {
            return Ok(None);
        }
        Ok(Some(RawValue {
            pieces,
            start: start + 1,
        }))
    }
}

/// `2026-01-31`, `31.01.2026`, `today` or `t`.
fn parse_date(s: &str) -> Option<Value> {
    let lower = s.to_lowercase();
    if lower == "today" || lower == "t" {
        return Some(Value::Today);
    }
    let digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit())
    };
    let parts: Vec<&str> = s.split('-').collect();
    let (y, m, d) = if parts.len() == 3 {
        if !(digits(parts[0], 4, 4) && digits(parts[1], 1, 2) && digits(parts[2], 1, 2)) {
            return None;
        }
        (parts[0], parts[1], parts[2])
    } else {
        let parts: Vec<&str> = s.split('.').collect();
        if parts.len() != 3
            || !(digits(parts[0], 1, 2) && digits(parts[1], 1, 2) && digits(parts[2], 4, 4))
        {
            return None;
        }
        (parts[2], parts[1], parts[0])
    };
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).map(Value::Date)
}

fn list_values(list: &[&str]) -> String {
    list.iter()
        .map(|v| if v.is_empty() { "''" } else { v })
        .collect::<Vec<_>>()
        .join(", ")
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
/// equal only to `''`, different from everything else, before every value.
fn accepts_empty(kind: FieldKind, test: &Test) -> bool {
    if let FieldKind::Choice(list) = kind {
        let (set, negated) = choice_set(list, test);
        let has_empty = set.iter().any(|&i| list[i].is_empty());
        return has_empty != negated;
    }
    match test {
        Test::Empty { negated } => !negated,
        Test::Equal { negated, .. } => *negated,
        Test::Like { pattern, negated } => pattern.matches_empty() != *negated,
        Test::Compare { op, .. } => matches!(op, CmpOp::Lt | CmpOp::Le),
        Test::Range { from, .. } => from.is_none(),
    }
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

impl Filter {
    /// The field kind it was parsed for.
    pub fn kind(&self) -> FieldKind {
        self.kind
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
                (FieldKind::Date | FieldKind::Integer | FieldKind::Boolean, false) => {
                    format!("{column} IS NULL")
                }
                (FieldKind::Date | FieldKind::Integer | FieldKind::Boolean, true) => {
                    format!("{column} IS NOT NULL")
                }
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
            match &t.test {
                Test::Empty { .. } => unreachable!("handled above"),
                Test::Equal { value, negated } => {
                    let op = if *negated { "<>" } else { "=" };
                    format!("{lhs} {op} {}", p(value))
                }
                Test::Like { pattern, negated } => {
                    let op = if *negated { "NOT LIKE" } else { "LIKE" };
                    let v = Value::Text(pattern.to_like());
                    format!("{lhs} {op} {}", p(&v))
                }
                Test::Compare { op, value } => format!("{lhs} {} {}", op.symbol(), p(value)),
                Test::Range { from, to } => match (from, to) {
                    (Some(a), Some(b)) => {
                        let (a, b) = (p(a), p(b));
                        format!("({lhs} >= {a} AND {lhs} <= {b})")
                    }
                    (Some(a), None) => format!("{lhs} >= {}", p(a)),
                    (None, Some(b)) => format!("{lhs} <= {}", p(b)),
                    (None, None) => unreachable!("a range has a bound"),
                },
            }
        };
        if accepts_empty(self.kind, &t.test) {
            format!("({column} IS NULL OR {cond})")
        } else {
            cond
        }
    }

    /// Readable, for the segment's ledger: "RETAIL or WHOLESALE", "from 1000 to 1999",
    /// "starting with A", "not empty", "ending with son (any case)", …
    pub fn describe(&self) -> String {
        self.describe_node(&self.root)
    }

    fn describe_node(&self, node: &Node) -> String {
        match node {
            Node::Term(t) => self.describe_term(t),
            Node::Or(items) => items
                .iter()
                .map(|n| match n {
                    Node::And(_) => format!("({})", self.describe_node(n)),
                    _ => self.describe_node(n),
                })
                .collect::<Vec<_>>()
                .join(" or "),
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
                    [Piece::AnyChars] => {
                        return if *negated { "no value" } else { "any value" }.to_string()
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
                    (FieldKind::Integer, CmpOp::Lt) => "less than",
                    (FieldKind::Integer, CmpOp::Le) => "at most",
                    (FieldKind::Integer, CmpOp::Gt) => "more than",
                    (FieldKind::Integer, CmpOp::Ge) => "at least",
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

    fn choice_label(&self, i: usize) -> &'static str {
        match self.kind {
            FieldKind::Choice(list) => list[i],
            _ => unreachable!("choice values only in choice filters"),
        }
    }

    fn describe_value(&self, v: &Value) -> String {
        match v {
            Value::Text(s) => describe_text(s),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Today => "today".to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Bool(b) => (if *b { "yes" } else { "no" }).to_string(),
            Value::Choice(i) => describe_text(self.choice_label(*i)),
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
            Value::Bool(b) => (if *b { "Yes" } else { "No" }).to_string(),
            Value::Choice(i) => quote_if_needed(self.choice_label(*i), true, true),
        }
    }
}

impl fmt::Display for Filter {
    /// The normalised expression.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression())
    }
}

/// The SQL for one value: a placeholder with its cast, or `CURRENT_DATE` for today.
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
        Value::Today => "CURRENT_DATE".to_string(),
        Value::Integer(i) => format!("{}::bigint", binds.push(BindValue::Integer(*i))),
        Value::Bool(b) => binds.push(BindValue::Bool(*b)),
        Value::Choice(_) => unreachable!("choice filters bind their listed values"),
    }
}

#[cfg(test)]
mod tests {
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
        let msg =
            "this quote is never closed: add a ' at the end (inside quotes, write '' for one ')";
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
        let date =
            |s: &str| format!("'{s}' is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31");
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
        let q = diesel::sql_query("SELECT $1, $2, $3, $4").into_boxed::<Pg>();
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

    // ---- DB-free end-to-end: parse → SQL → evaluate that SQL over rows ---------------------

    /// A tiny evaluator for exactly the SQL this module writes (and nothing else: any other
    /// token fails the test, so values can only have arrived through placeholders).
    mod sqleval {
        use super::super::BindValue;
        use chrono::NaiveDate;
        use std::cmp::Ordering;

        #[derive(Clone, Debug, PartialEq)]
        pub enum V {
            T(String),
            D(NaiveDate),
            I(i64),
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
            let mut rest = sql;
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
                        for ty in ["date", "bigint"] {
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
            .filter(|&i| {
                sqleval::eval(&s, "t.col", &values, start_after, rows[i].as_ref(), today())
            })
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
}
