//! The rules of a sales cycle, in plain Rust: how a probability is calculated, which moves the
//! Update action offers from a stage, whether a move is allowed, and the stages' date formulas
//! (`+2W`). No SQL: the setup pages check stages with them, and the opportunities area calls them
//! before it writes.

use bigdecimal::{BigDecimal, RoundingMode};
use chrono::{Datelike, Months, NaiveDate};

/// How a sales cycle turns a stage's chances of success and completion into a probability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Calculation {
    /// chances × completed / 100
    Multiply,
    /// (chances + completed) / 2
    Add,
    /// the chances of success alone
    Chances,
    /// the completion alone
    Completed,
}

impl Calculation {
    pub const ALL: [Calculation; 4] = [
        Calculation::Multiply,
        Calculation::Add,
        Calculation::Chances,
        Calculation::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Calculation::Multiply => "multiply",
            Calculation::Add => "add",
            Calculation::Chances => "chances",
            Calculation::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Calculation> {
        Calculation::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Calculation::Multiply => "Multiply",
            Calculation::Add => "Add",
            Calculation::Chances => "Chances of Success %",
            Calculation::Completed => "Completed %",
        }
    }

    /// What the calculation does, in a sentence.
    pub fn explanation(self) -> &'static str {
        match self {
            Calculation::Multiply => "chances of success % × completed % ÷ 100",
            Calculation::Add => "(chances of success % + completed %) ÷ 2",
            Calculation::Chances => "the chances of success %",
            Calculation::Completed => "the completed %",
        }
    }

    /// The probability in percent, unrounded.
    fn raw(self, chances: &BigDecimal, completed: &BigDecimal) -> BigDecimal {
        match self {
            Calculation::Multiply => chances * completed / BigDecimal::from(100),
            Calculation::Add => (chances + completed) / BigDecimal::from(2),
            Calculation::Chances => chances.clone(),
            Calculation::Completed => completed.clone(),
        }
    }

    /// The probability in percent, rounded to two decimals (half away from zero).
    pub fn probability(self, chances: &BigDecimal, completed: &BigDecimal) -> BigDecimal {
        round2(&self.raw(chances, completed))
    }

    /// The calculated current value: the estimate times the probability as calculated, not as
    /// rounded for showing (as Business Central's UpdateEstimates): 12.5 % × 25 % of
    /// 100,000.00 is 3,125.00, shown beside a probability of 3.13 %, where the rounded one
    /// gave 3,130.00.
    pub fn current_value(
        self,
        estimated: &BigDecimal,
        chances: &BigDecimal,
        completed: &BigDecimal,
    ) -> BigDecimal {
        current_value(estimated, &self.raw(chances, completed))
    }
}

/// Rounds to two decimals, half away from zero (as PostgreSQL's `round(numeric, 2)`).
pub fn round2(v: &BigDecimal) -> BigDecimal {
    v.with_scale_round(2, RoundingMode::HalfUp)
}

/// The calculated current value: estimated value × probability ÷ 100, to the cent.
pub fn current_value(estimated: &BigDecimal, probability: &BigDecimal) -> BigDecimal {
    round2(&(estimated * probability / BigDecimal::from(100)))
}

/// One stage of a cycle, as the rules need it.
#[derive(Clone, Debug, PartialEq)]
pub struct StageRule {
    pub stage: i32,
    pub quote_required: bool,
    pub allow_skip: bool,
}

/// What the Update action can do to an open opportunity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// Not started → the cycle's first stage.
    First,
    /// To the stage right after the current one.
    Next,
    /// To the stage right before the current one.
    Previous,
    /// Forward past stages that allow skipping.
    Skip,
    /// Back to any earlier stage.
    Jump,
    /// Stay on the stage; change the estimates.
    Update,
}

impl Move {
    pub const ALL: [Move; 6] = [
        Move::First,
        Move::Next,
        Move::Previous,
        Move::Skip,
        Move::Jump,
        Move::Update,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Move::First => "first",
            Move::Next => "next",
            Move::Previous => "previous",
            Move::Skip => "skip",
            Move::Jump => "jump",
            Move::Update => "update",
        }
    }

    pub fn parse(s: &str) -> Option<Move> {
        Move::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Move::First => "Go to the first stage",
            Move::Next => "Go to the next stage",
            Move::Previous => "Go back to the previous stage",
            Move::Skip => "Skip ahead to a later stage",
            Move::Jump => "Jump back to an earlier stage",
            Move::Update => "Update the estimates on this stage",
        }
    }
}

/// The stages a move can reach from `current` (`None`: not started). Stages are in any order in
/// `stages`; they are compared by number. An empty list: the move is not possible.
pub fn targets(stages: &[StageRule], current: Option<i32>, m: Move) -> Vec<i32> {
    let mut numbers: Vec<i32> = stages.iter().map(|s| s.stage).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let rule = |n: i32| stages.iter().find(|s| s.stage == n);
    // Skip passes forward over stages that allow it: from a stage, or from before the first
    // when the first allows skipping (Business Central's Update Opportunity offers only First
    // to an opportunity not started; a first stage marked Allow Skip says it may be passed,
    // and Rapport lets it be).
    let skip = |later: Vec<i32>| {
        let mut out = Vec::new();
        for (i, n) in later.iter().enumerate().skip(1) {
            let passed = &later[..i];
            if passed
                .iter()
                .all(|p| rule(*p).is_some_and(|r| r.allow_skip))
            {
                out.push(*n);
            } else {
                break;
            }
        }
        out
    };
    match (m, current) {
        (Move::First, None) => numbers.first().copied().into_iter().collect(),
        (Move::Skip, None) => skip(numbers),
        (Move::First, Some(_)) | (_, None) => Vec::new(),
        (Move::Update, Some(c)) => vec![c],
        (Move::Next, Some(c)) => numbers
            .iter()
            .copied()
            .find(|n| *n > c)
            .into_iter()
            .collect(),
        (Move::Previous, Some(c)) => numbers
            .iter()
            .copied()
            .rev()
            .find(|n| *n < c)
            .into_iter()
            .collect(),
        (Move::Jump, Some(c)) => {
            // Back by more than one stage: the previous one is Previous.
            let earlier: Vec<i32> = numbers.iter().copied().filter(|n| *n < c).collect();
            earlier[..earlier.len().saturating_sub(1)].to_vec()
        }
        // Forward by more than one stage, each stage passed over allowing a skip.
        (Move::Skip, Some(c)) => skip(numbers.iter().copied().filter(|n| *n > c).collect()),
    }
}

/// Why a move from `current` to `target` is refused, or `None` when it is allowed. A stage that
/// requires a quote is not entered by Next or Skip without a quote reference.
pub fn refusal(
    stages: &[StageRule],
    current: Option<i32>,
    m: Move,
    target: i32,
    has_quote: bool,
) -> Option<String> {
    let reachable = targets(stages, current, m);
    if reachable.is_empty() {
        return Some(match (m, current) {
            (Move::First, Some(_)) => "The opportunity has already started its cycle.".into(),
            (Move::Skip, None) => "The opportunity has not started, and its cycle's first stage \
                                   does not allow skipping: go to the first stage."
                .into(),
            (_, None) => "The opportunity has not started: go to the first stage.".into(),
            (Move::Next, _) => "This is the cycle's last stage: close the opportunity.".into(),
            (Move::Jump, Some(c)) if stages.iter().any(|s| s.stage < c) => {
                "Jump goes back more than one stage, and there is no such stage: go back to \
                 the stage before this one with Previous."
                    .into()
            }
            (Move::Previous, _) | (Move::Jump, _) => {
                "There is no earlier stage to go back to.".into()
            }
            (Move::Skip, _) => {
                "No later stage can be reached by skipping: the next stage does not allow it."
                    .into()
            }
            _ => "That move is not possible from this stage.".into(),
        });
    }
    if !reachable.contains(&target) {
        return Some(format!("Stage {target} cannot be reached that way."));
    }
    // As Business Central's ValidateStage: Next and Skip into a stage that requires a quote
    // need one ("You cannot go to this stage before you have assigned a sales quote"); the
    // stages passed over by Skip, First, going back and updating do not. (Before, the quote
    // was asked for when leaving the stage, a stage late.)
    if let Move::Next | Move::Skip = m {
        let quote_stage = stages.iter().any(|s| s.stage == target && s.quote_required);
        if quote_stage && !has_quote {
            return Some(format!(
                "Stage {target} requires a quote: enter its reference to move to it."
            ));
        }
    }
    None
}

/// Why a formula that [`apply_formula`] cannot use is refused, when it is written as a formula
/// is (`+2W`, `+1M+5D`) but its numbers are too large: a number of more than 4 digits, or a
/// date past the year 9999. `None` when it is not written as a formula at all.
pub fn formula_too_far(formula: &str) -> Option<&'static str> {
    let f: String = formula
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let mut rest = f.as_str();
    let mut long = false;
    while !rest.is_empty() {
        let after = rest.strip_prefix(['+', '-']).unwrap_or(rest);
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits == 0
            || !matches!(
                after[digits..].chars().next(),
                Some('D' | 'W' | 'M' | 'Q' | 'Y')
            )
        {
            return None;
        }
        long |= digits > 4;
        rest = &after[digits + 1..];
    }
    Some(if long {
        "A number in a date formula has at most 4 digits, like +9999D."
    } else {
        "This formula reaches past the year 9999: a closing date so far off is not a plan."
    })
}

/// A date formula such as `+2W`, `+1M+5D`, `-3D` or `+1Q`, applied to `from`. An empty formula
/// leaves the date unset. `None` when the formula cannot be read.
pub fn apply_formula(formula: &str, from: NaiveDate) -> Option<Option<NaiveDate>> {
    let f: String = formula
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if f.is_empty() {
        return Some(None);
    }
    let mut date = from;
    let mut rest = f.as_str();
    while !rest.is_empty() {
        let (sign, after) = match rest.as_bytes()[0] {
            b'+' => (1i64, &rest[1..]),
            b'-' => (-1i64, &rest[1..]),
            _ => (1i64, rest),
        };
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || digits > 4 {
            return None;
        }
        let n: i64 = after[..digits].parse().ok()?;
        let unit = after[digits..].chars().next()?;
        let n = sign * n;
        date = match unit {
            'D' => date.checked_add_signed(chrono::Duration::days(n))?,
            'W' => date.checked_add_signed(chrono::Duration::weeks(n))?,
            'M' => add_months(date, n)?,
            'Q' => add_months(date, 3 * n)?,
            'Y' => add_months(date, 12 * n)?,
            _ => return None,
        };
        rest = &after[digits + 1..];
    }
    // A date of the far future is a typo, not a plan.
    (date.year() <= 9999).then_some(Some(date))
}

fn add_months(date: NaiveDate, n: i64) -> Option<NaiveDate> {
    let months = Months::new(u32::try_from(n.unsigned_abs()).ok()?);
    if n >= 0 {
        date.checked_add_months(months)
    } else {
        date.checked_sub_months(months)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_formula_too_large_is_told_so_and_a_wrong_one_is_not() {
        assert_eq!(
            formula_too_far("+99999D"),
            Some("A number in a date formula has at most 4 digits, like +9999D.")
        );
        assert_eq!(
            formula_too_far("+9999Y"),
            Some(
                "This formula reaches past the year 9999: a closing date so far off is not a plan."
            )
        );
        assert!(apply_formula(
            "+9999Y",
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        )
        .is_none());
        assert_eq!(formula_too_far("two weeks"), None);
        assert_eq!(formula_too_far("+2X"), None);
        assert_eq!(formula_too_far("+"), None);
    }
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_four_calculations_round_to_two_decimals() {
        let (chances, completed) = (d("33.33"), d("50"));
        assert_eq!(
            Calculation::Multiply.probability(&chances, &completed),
            d("16.67")
        );
        assert_eq!(
            Calculation::Add.probability(&chances, &completed),
            d("41.67")
        );
        assert_eq!(
            Calculation::Chances.probability(&chances, &completed),
            d("33.33")
        );
        assert_eq!(
            Calculation::Completed.probability(&chances, &completed),
            d("50.00")
        );
        // Half away from zero: 12.5 × 10.1 / 100 = 1.2625 → 1.26; 0.125 → 0.13
        assert_eq!(
            Calculation::Multiply.probability(&d("12.5"), &d("10.1")),
            d("1.26")
        );
        assert_eq!(Calculation::Add.probability(&d("0.25"), &d("0")), d("0.13"));
        assert_eq!(
            Calculation::Multiply.probability(&d("100"), &d("100")),
            d("100.00")
        );
    }

    #[test]
    fn the_current_value_takes_the_probability_as_calculated_not_as_rounded() {
        let (v, chances, completed) = (d("100000"), d("12.5"), d("25"));
        assert_eq!(
            Calculation::Multiply.probability(&chances, &completed),
            d("3.13")
        );
        assert_eq!(
            Calculation::Multiply.current_value(&v, &chances, &completed),
            d("3125.00")
        );
        assert_eq!(
            Calculation::Add.current_value(&d("1000"), &d("0.25"), &d("0")),
            d("1.25")
        );
        assert_eq!(
            Calculation::Chances.current_value(&d("999.99"), &d("33.33"), &d("0")),
            d("333.30")
        );
    }

    #[test]
    fn the_current_value_is_the_estimate_times_the_probability() {
        assert_eq!(current_value(&d("1000"), &d("16.67")), d("166.70"));
        assert_eq!(current_value(&d("999.99"), &d("33.33")), d("333.30"));
        assert_eq!(current_value(&d("0"), &d("50")), d("0.00"));
    }

    #[test]
    fn calculations_and_moves_read_back_what_they_write() {
        for c in Calculation::ALL {
            assert_eq!(Calculation::parse(c.as_str()), Some(c));
        }
        for m in Move::ALL {
            assert_eq!(Move::parse(m.as_str()), Some(m));
        }
        assert_eq!(Calculation::parse("MULTIPLY"), None);
        assert_eq!(Move::parse(""), None);
    }

    fn cycle() -> Vec<StageRule> {
        // 1 → 2 (quote) → 3 (may be skipped) → 4 (may be skipped) → 5
        vec![
            StageRule {
                stage: 1,
                quote_required: false,
                allow_skip: false,
            },
            StageRule {
                stage: 2,
                quote_required: true,
                allow_skip: false,
            },
            StageRule {
                stage: 3,
                quote_required: false,
                allow_skip: true,
            },
            StageRule {
                stage: 4,
                quote_required: false,
                allow_skip: true,
            },
            StageRule {
                stage: 5,
                quote_required: false,
                allow_skip: false,
            },
        ]
    }

    #[test]
    fn first_only_before_the_cycle_starts() {
        let c = cycle();
        assert_eq!(targets(&c, None, Move::First), vec![1]);
        assert!(targets(&c, Some(1), Move::First).is_empty());
        for m in [
            Move::Next,
            Move::Previous,
            Move::Skip,
            Move::Jump,
            Move::Update,
        ] {
            assert!(targets(&c, None, m).is_empty(), "{m:?}");
        }
        assert!(refusal(&c, None, Move::Skip, 2, true)
            .unwrap()
            .contains("first stage does not allow skipping"));
        assert!(refusal(&c, None, Move::Next, 2, false)
            .unwrap()
            .contains("first stage"));
        assert!(targets(&[], None, Move::First).is_empty());
    }

    #[test]
    fn next_and_previous_are_the_neighbours() {
        let c = cycle();
        assert_eq!(targets(&c, Some(1), Move::Next), vec![2]);
        assert_eq!(targets(&c, Some(3), Move::Previous), vec![2]);
        assert!(targets(&c, Some(5), Move::Next).is_empty());
        assert!(targets(&c, Some(1), Move::Previous).is_empty());
        assert_eq!(targets(&c, Some(3), Move::Update), vec![3]);
    }

    #[test]
    fn skip_passes_only_over_stages_that_allow_it() {
        let c = cycle();
        // From 2: over 3 to 4, over 3 and 4 to 5.
        assert_eq!(targets(&c, Some(2), Move::Skip), vec![4, 5]);
        // From 1: stage 2 does not allow skipping: nothing.
        assert!(targets(&c, Some(1), Move::Skip).is_empty());
        assert!(refusal(&c, Some(1), Move::Skip, 3, true)
            .unwrap()
            .contains("does not allow"));
        // From 3: over 4 to 5.
        assert_eq!(targets(&c, Some(3), Move::Skip), vec![5]);
        assert!(targets(&c, Some(4), Move::Skip).is_empty());
        // A stage not reachable that way is named.
        assert_eq!(
            refusal(&c, Some(3), Move::Skip, 4, true).as_deref(),
            Some("Stage 4 cannot be reached that way.")
        );
    }

    #[test]
    fn skip_from_before_a_first_stage_that_allows_it() {
        let mut c = cycle();
        c[0].allow_skip = true;
        // Over 1 to 2 (with its quote only), not over 2, which does not allow it.
        assert_eq!(targets(&c, None, Move::Skip), vec![2]);
        assert!(refusal(&c, None, Move::Skip, 2, false)
            .unwrap()
            .contains("requires a quote"));
        assert_eq!(refusal(&c, None, Move::Skip, 2, true), None);
        c[1].allow_skip = true;
        assert_eq!(targets(&c, None, Move::Skip), vec![2, 3, 4, 5]);
    }

    #[test]
    fn jump_goes_back_further_than_previous() {
        let c = cycle();
        assert_eq!(targets(&c, Some(4), Move::Jump), vec![1, 2]);
        assert!(targets(&c, Some(2), Move::Jump).is_empty());
        assert_eq!(refusal(&c, Some(4), Move::Jump, 1, false), None);
        // From the second stage, the first is Previous's; from the first, there is none.
        assert!(refusal(&c, Some(2), Move::Jump, 9, false)
            .unwrap()
            .contains("with Previous"));
        assert_eq!(
            refusal(&c, Some(1), Move::Jump, 9, false).as_deref(),
            Some("There is no earlier stage to go back to.")
        );
    }

    #[test]
    fn a_quote_stage_is_not_entered_without_a_quote() {
        let c = cycle();
        let why = refusal(&c, Some(1), Move::Next, 2, false).unwrap();
        assert_eq!(
            why,
            "Stage 2 requires a quote: enter its reference to move to it."
        );
        assert_eq!(refusal(&c, Some(1), Move::Next, 2, true), None);
        // Leaving it, going back from it, updating it and skipping past it need none.
        assert_eq!(refusal(&c, Some(2), Move::Next, 3, false), None);
        assert_eq!(refusal(&c, Some(2), Move::Skip, 5, false), None);
        assert_eq!(refusal(&c, Some(2), Move::Previous, 1, false), None);
        assert_eq!(refusal(&c, Some(2), Move::Update, 2, false), None);
        // Skip into one does.
        let mut c = c;
        c[4].quote_required = true;
        assert!(refusal(&c, Some(2), Move::Skip, 5, false).is_some());
        assert_eq!(refusal(&c, Some(2), Move::Skip, 5, true), None);
    }

    #[test]
    fn date_formulas() {
        let from = date("2026-01-31");
        assert_eq!(apply_formula("", from), Some(None));
        assert_eq!(apply_formula("+2W", from), Some(Some(date("2026-02-14"))));
        assert_eq!(apply_formula("10d", from), Some(Some(date("2026-02-10"))));
        assert_eq!(apply_formula("+1M", from), Some(Some(date("2026-02-28"))));
        assert_eq!(
            apply_formula("+1M+5D", from),
            Some(Some(date("2026-03-05")))
        );
        assert_eq!(apply_formula("+1Q", from), Some(Some(date("2026-04-30"))));
        assert_eq!(apply_formula("-1Y", from), Some(Some(date("2025-01-31"))));
        assert_eq!(
            apply_formula(" + 3 D ", from),
            Some(Some(date("2026-02-03")))
        );
        for bad in ["W", "+2", "+2X", "++2D", "+99999D", "2W+", "CM"] {
            assert_eq!(apply_formula(bad, from), None, "{bad}");
        }
    }
}
