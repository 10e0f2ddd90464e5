//! Reading a filter expression: characters → values and operators → the tree of [`Filter`].

use super::*;

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
            FieldKind::Date | FieldKind::Integer | FieldKind::Amount | FieldKind::Boolean
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
                (Some(Value::Amount(a)), Some(Value::Amount(b))) => a > b,
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
        let upper = matches!(self.kind, FieldKind::Code | FieldKind::Capitals) && !any_case;
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
                        FieldKind::Text
                            | FieldKind::Code
                            | FieldKind::Capitals
                            | FieldKind::Choice(_)
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
            FieldKind::Code | FieldKind::Capitals => Ok(Value::Text(if any_case {
                text
            } else {
                text.to_uppercase()
            })),
            FieldKind::Date => match parse_date(&text) {
                Some(v) => Ok(v),
                // Written as a date, but not one of the calendar's ("31-02-2026"): said why,
                // as every date field of a form says it.
                None => match crate::web::forms::not_in_the_calendar(&text) {
                    Some(why) => {
                        let mut why = why.chars();
                        let first = why.next().map(|c| c.to_lowercase().to_string());
                        err(format!(
                            "'{text}' is not a date: {}{}",
                            first.unwrap_or_default(),
                            why.as_str()
                        ))
                    }
                    None => err(format!(
                        "'{text}' is not a date: write it as {}, e.g. {}",
                        crate::web::forms::date_pattern(),
                        crate::web::forms::date_example()
                    )),
                },
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
            FieldKind::Amount => match parse_amount(&text) {
                Some(v) => Ok(Value::Amount(v)),
                None => err(format!(
                    "'{text}' is not an amount: write it like 1500 or {}",
                    crate::web::forms::amount_example_of(1500)
                )),
            },
            FieldKind::Boolean => match text.to_lowercase().as_str() {
                "yes" | "true" | "1" => Ok(Value::Bool(true)),
                "no" | "false" | "0" => Ok(Value::Bool(false)),
                _ => err(format!(
                    "'{text}' is not yes or no (write yes, no, true, false, 1 or 0)"
                )),
            },
            FieldKind::Choice(list) => {
                // Any case, and as Business Central shows them ("Not Started", "E-mail").
                let wanted = super::choice_key(&text);
                match list
                    .iter()
                    .position(|v| !v.is_empty() && super::choice_key(v) == wanted)
                {
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
                    // `'Toys 'R' Us`: text after the quoted text and a space was joined to it,
                    // the quotes dropped unsaid ("Toys R Us").
                    let mut ahead = 0;
                    while self.peek_at(ahead).is_some_and(char::is_whitespace) {
                        ahead += 1;
                    }
                    let more = self.peek_at(ahead);
                    let dots = more == Some('.') && self.peek_at(ahead + 1) == Some('.');
                    if ahead > 0 && more.is_some_and(|m| !matches!(m, '|' | '&' | ')')) && !dots {
                        return Err(ParseError::at(
                            self.pos + ahead,
                            "more text follows the quoted text: quote the whole value, and \
                             inside quotes write '' for one ', e.g. 'Toys ''R'' Us'",
                        ));
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
                // `> = M`: "after '= M'", unsaid; the operator is written together.
                '=' if pieces.is_empty() && matches!(prev, Prev::Op(..)) => {
                    let op = match prev {
                        Prev::Op(op, _) => op,
                        _ => "",
                    };
                    return Err(self.error_here(format!(
                        "unexpected '=' after '{op}': write <= or >= together, or quote a \
                         value that starts with '='"
                    )));
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

/// `2026-01-31`; the day first with a four-digit year last, as every office Rapport serves
/// writes dates (`31-01-2026`, `31.01.2026`, `31/01/2026`), whatever the locale, so that a
/// filter kept in the ledger reads the same when replayed; `today` or `t`.
fn parse_date(s: &str) -> Option<Value> {
    let lower = s.to_lowercase();
    if lower == "today" || lower == "t" {
        return Some(Value::Today);
    }
    let digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit())
    };
    let parts: Vec<&str> = s.split(['-', '.', '/']).collect();
    if parts.len() != 3 {
        return None;
    }
    let iso = s.split('-').count() == 3 && digits(parts[0], 4, 4);
    let (y, m, d) = if iso {
        (parts[0], parts[1], parts[2])
    } else {
        // One separator throughout: `31-01.2026` is no date.
        let sep = s.chars().find(|c| matches!(c, '-' | '.' | '/'))?;
        if s.split(sep).count() != 3 || !digits(parts[2], 4, 4) {
            return None;
        }
        (parts[2], parts[1], parts[0])
    };
    if !(digits(m, 1, 2) && digits(d, 1, 2)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).map(Value::Date)
}

/// An amount in a filter, as the office writes it (`RAPPORT_LOCALE`) and as its forms read
/// one; a leading `-` for a negative one. Nothing else: read also plain with a point, `12.50`
/// under da-DK was 12.5 while `12.500` was 12,500, and a forms' refusal of it a filter's
/// silent guess. A criterion is kept as typed, and read again the same way; under another
/// setting since, an amount that could be misread is refused rather than read otherwise.
fn parse_amount(text: &str) -> Option<bigdecimal::BigDecimal> {
    use std::str::FromStr;
    let t = text.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let plain = crate::web::forms::plain_amount(t).ok()?;
    let v = bigdecimal::BigDecimal::from_str(&plain).ok()?;
    Some(if negative { -v } else { v })
}
