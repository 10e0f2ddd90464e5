//! Changing an opportunity: moving it through its cycle (first, next, previous, skip, jump) or
//! updating its estimates in place (closing and reopening it are [`super::close`]'s). Each
//! change is one UPDATE of the opportunity and one entry in its history, in the caller's
//! transaction, after the rules of `setup::sales_cycles::rules` allowed it.

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Numeric, Text};
use serde::Deserialize;

use super::record::{parse_date, record_entry, suggested_closing, Opportunity};
use crate::setup::sales_cycles::rules::{refusal, targets, Move, StageRule};
use crate::setup::sales_cycles::{self, parse_percent, Stage};
use crate::setup::support::parse_amount;
use crate::web::FormErrors;

pub use super::close::{close, reopen, CloseForm, ReopenForm};

/// Who makes a change, and on which day.
pub struct Actor<'a> {
    pub user_id: i64,
    pub user_name: &'a str,
    pub today: NaiveDate,
}

/// A move the Update action offers, with the stages it can reach.
#[derive(Clone, Debug)]
pub struct MoveOption {
    pub action: Move,
    pub stages: Vec<Stage>,
}

impl MoveOption {
    pub fn value(&self) -> &'static str {
        self.action.as_str()
    }

    pub fn label(&self) -> &'static str {
        self.action.label()
    }

    /// Next, Previous, First and Update reach one stage; Skip and Jump offer a choice.
    pub fn needs_choice(&self) -> bool {
        matches!(self.action, Move::Skip | Move::Jump)
    }
}

pub fn rules_of(stages: &[Stage]) -> Vec<StageRule> {
    stages
        .iter()
        .map(|s| StageRule {
            stage: s.stage,
            quote_required: s.quote_required,
            allow_skip: s.allow_skip,
        })
        .collect()
}

/// Exactly the moves the cycle allows from where the opportunity stands (none when closed).
pub fn options(o: &Opportunity, stages: &[Stage]) -> Vec<MoveOption> {
    if o.status().is_closed() {
        return Vec::new();
    }
    let rules = rules_of(stages);
    Move::ALL
        .into_iter()
        .filter_map(|m| {
            let reach = targets(&rules, o.current_stage, m);
            (!reach.is_empty()).then(|| MoveOption {
                action: m,
                stages: stages
                    .iter()
                    .filter(|s| reach.contains(&s.stage))
                    .cloned()
                    .collect(),
            })
        })
        .collect()
}

/// The Update form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    pub action: String,
    /// The stage to skip or jump to.
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub estimated_value: String,
    /// Empty: the new stage's chances of success; an update on the same stage keeps them.
    #[serde(default)]
    pub chances_pct: String,
    /// Empty: the stage's date formula from today, else the date it had.
    #[serde(default)]
    pub estimated_closing_date: String,
    #[serde(default)]
    pub quote_reference: String,
    /// The version of the opportunity the form was opened on.
    #[serde(default)]
    pub version: String,
    /// The card's one-time key ([`crate::db::once`]).
    #[serde(default)]
    pub once: String,
    /// Log an interaction with the contact, with the new stage's interaction template.
    #[serde(default)]
    pub log_interaction: Option<String>,
    /// The stage each one-stage move reached on the page the form was sent from
    /// ([`shown`]).
    #[serde(default)]
    pub shown: String,
}

/// The stage each one-stage move (First, Next, Previous, Update) reaches, as the card shows
/// it ("first:1,next:3"): the form sends it back, and a move whose stage changed since (a
/// stage added to or deleted from the cycle in setup) is asked again, not made to a stage the
/// user never saw.
pub fn shown(options: &[MoveOption]) -> String {
    options
        .iter()
        .filter(|m| !m.needs_choice())
        .filter_map(|m| match m.stages.as_slice() {
            [one] => Some(format!("{}:{}", m.value(), one.stage)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The stage `action` reached where the form was shown, when the form says ([`shown`]).
fn shown_stage(shown: &str, action: Move) -> Option<i32> {
    shown.split(',').find_map(|pair| {
        let (value, stage) = pair.split_once(':')?;
        (value.trim() == action.as_str())
            .then(|| stage.trim().parse().ok())
            .flatten()
    })
}

/// The move the Update form starts on: forward or in place before back — the first of First,
/// Next and Update the cycle offers, else the first offered. At the last stage that is
/// Update, never "Go back", which a hurried Enter would otherwise do.
pub fn suggested(options: &[MoveOption]) -> Option<Move> {
    [Move::First, Move::Next, Move::Update]
        .into_iter()
        .find(|m| options.iter().any(|o| o.action == *m))
        .or_else(|| options.first().map(|o| o.action))
}

impl UpdateForm {
    pub fn for_opportunity(o: &Opportunity, options: &[MoveOption]) -> Self {
        UpdateForm {
            action: suggested(options)
                .map(|m| m.as_str().to_string())
                .unwrap_or_default(),
            stage: String::new(),
            // As the office writes it, as it is read back ("1.234,50" in da-DK: "1234.50"
            // would be refused there).
            estimated_value: super::record::money(&o.estimated_value),
            chances_pct: String::new(),
            // Empty, as the chances: a move then keeps the date, or takes the new stage's date
            // formula where there is none, or today's or a past one; an update in place keeps
            // it. Filled in, the formula would never be reached.
            estimated_closing_date: String::new(),
            quote_reference: o.quote_reference.clone(),
            version: o.version.to_string(),
            once: String::new(),
            log_interaction: None,
            shown: String::new(),
        }
    }
}

/// Logs an interaction with the opportunity's contact, with the stage's template and its cost,
/// duration and campaign flags (a single interaction, as from the contact's card, under its
/// rules): the
/// sentence the flash message ends with.
fn log_stage_interaction(
    conn: &mut PgConnection,
    o: &Opportunity,
    stage: &Stage,
    actor: &Actor<'_>,
) -> QueryResult<&'static str> {
    use crate::contacts::model::Contact;
    use crate::db::schema::contacts;
    let Some(code) = &stage.template_code else {
        return Ok(" The stage has no interaction template: no interaction was logged.");
    };
    let Some(template) = crate::segments::domain::header::template(conn, code)? else {
        return Ok(" The stage's interaction template is gone: no interaction was logged.");
    };
    let contact: Contact = contacts::table
        .find(o.contact_id)
        .select(Contact::as_select())
        .first(conn)?;
    let salesperson = crate::setup::salespeople::usable(conn, o.salesperson_code.clone())?;
    let Some(salesperson_code) = salesperson else {
        return Ok(
            " No interaction was logged: an interaction has a salesperson, and the \
                   opportunity has none that is not blocked.",
        );
    };
    if contact.privacy_blocked {
        return Ok(" No interaction was logged: the contact is privacy blocked.");
    }
    if crate::interactions::single::correspondence_type(&template, &contact) == "email"
        && contact.email.is_empty()
    {
        return Ok(
            " No interaction was logged: it goes by e-mail, and the contact has no \
                   e-mail address.",
        );
    }
    // The campaign is the opportunity's, else the template's (as the card's form offers it);
    // the template's Campaign Target and Response go with the template whatever campaign it
    // names, as a segment line's own template's do (and Business Central's line's); without
    // a campaign, neither.
    let campaign_no = o
        .campaign_no
        .clone()
        .or_else(|| template.campaign_no.clone());
    let flags_apply = campaign_no.is_some();
    let entry = crate::interactions::single::NewEntry {
        template_code: template.code.clone(),
        date: actor.today,
        description: format!(
            "{} {}: stage {} {}",
            o.no, o.description, stage.stage, stage.description
        )
        .chars()
        .take(100)
        .collect(),
        cost: template.unit_cost.clone(),
        duration_min: template.unit_duration_min,
        evaluation: String::new(),
        campaign_target: flags_apply && template.campaign_target,
        campaign_response: flags_apply && template.campaign_response,
        campaign_no,
        attempt_failed: false,
        salesperson_code,
        form_key: None,
    };
    crate::interactions::single::log_single(conn, o.contact_id, &entry, actor.user_id)?;
    Ok(" An interaction was logged with the contact.")
}

/// What a change did, for the flash message.
pub enum Outcome {
    Done(Said),
    Invalid(FormErrors),
    /// Someone else changed the opportunity after the form was opened.
    Stale,
    /// The same form sent again after its change was made (a double click): nothing more.
    SentTwice,
}

/// What a change made says: to the user (its flash, written the office's way) and to the audit
/// trail, whose details keep ISO dates whatever the locale, as the README says (a detail
/// written "21-12-2026" or "1.000,50" reads otherwise once the setting changes).
#[derive(Clone, Debug)]
pub struct Said {
    pub shown: String,
    pub audit: String,
}

impl Said {
    /// A message with no date or amount in it: the same for both.
    pub fn same(message: String) -> Said {
        Said {
            audit: message.clone(),
            shown: message,
        }
    }

    /// `message` written by `write` for the user, and in ISO for the audit trail.
    pub fn written(write: impl Fn() -> String) -> Said {
        Said {
            shown: write(),
            audit: crate::web::locale::within(crate::web::locale::Locale::Iso, &write),
        }
    }
}

pub(super) fn stale(o: &Opportunity, version: &str) -> bool {
    version.trim().parse::<i32>().ok() != Some(o.version)
}

/// Moves the opportunity or updates its estimates, after every check (all problems at once).
pub fn update(
    conn: &mut PgConnection,
    o: &Opportunity,
    form: &UpdateForm,
    actor: &Actor<'_>,
) -> QueryResult<Outcome> {
    if stale(o, &form.version) {
        return Ok(Outcome::Stale);
    }
    let mut errors = FormErrors::new();
    if o.status().is_closed() {
        errors.add(
            "action",
            format!(
                "Opportunity {} is {}: reopen it before changing it.",
                o.no,
                o.status_label().to_lowercase()
            ),
        );
        return Ok(Outcome::Invalid(errors));
    }
    sales_cycles::hold(conn, &o.sales_cycle_code)?;
    // Read again now that the cycle is held: its probability calculation, changed by an
    // administrator while this change waited for the cycle, is the one the figures take.
    let fresh = super::record::find(conn, &o.no)?;
    let o = fresh.as_ref().unwrap_or(o);
    let stages = sales_cycles::stages(conn, &o.sales_cycle_code)?;
    let rules = rules_of(&stages);
    let Some(action) = Move::parse(form.action.trim()) else {
        errors.add("action", "Choose what to do.");
        return Ok(Outcome::Invalid(errors));
    };
    let reach = targets(&rules, o.current_stage, action);
    let target = match action {
        Move::Skip | Move::Jump => form.stage.trim().parse::<i32>().ok(),
        _ => reach.first().copied(),
    };
    // The stages changed since the page was shown: the move now goes elsewhere.
    if let (Some(was), Some(now)) = (shown_stage(&form.shown, action), target) {
        if was != now {
            let described = |n: i32| match stages.iter().find(|s| s.stage == n) {
                Some(s) => format!("stage {n} {}", s.description),
                None => format!("stage {n}"),
            };
            errors.add(
                "action",
                format!(
                    "The stages of sales cycle {} changed since this page was opened: \"{}\" \
                     now goes to {}, not to stage {was}. Nothing was changed: check the move \
                     and send again.",
                    o.sales_cycle_code,
                    action.label(),
                    described(now)
                ),
            );
            return Ok(Outcome::Invalid(errors));
        }
    }
    // A stage chosen to skip or jump to, with another move: which was meant is not known.
    let chosen = form.stage.trim();
    if !matches!(action, Move::Skip | Move::Jump)
        && !chosen.is_empty()
        && chosen.parse::<i32>().ok() != target
    {
        errors.add(
            "stage",
            format!(
                "Stage {chosen} is chosen to skip or jump to, but the move is \"{}\": choose \
                 Skip or Jump to go to stage {chosen}, or leave the stage unchosen.",
                action.label()
            ),
        );
    }
    let quote = form.quote_reference.trim().to_string();
    crate::web::forms::check_text(&mut errors, "quote_reference", &quote, 100, None);
    match target {
        None if matches!(action, Move::Skip | Move::Jump) && !reach.is_empty() => {
            errors.add("stage", "Choose the stage to go to.")
        }
        _ => {
            let t = target.unwrap_or(-1);
            if let Some(why) = refusal(&rules, o.current_stage, action, t, !quote.is_empty()) {
                let field = if why.contains("quote") {
                    "quote_reference"
                } else if matches!(action, Move::Skip | Move::Jump) && !reach.is_empty() {
                    "stage"
                } else {
                    "action"
                };
                errors.add(field, why);
            }
        }
    }
    // An update keeps the quote of a stage that requires one: its reference may change, not
    // go (a stage reached without a quote, by going back, may stay without one).
    if action == Move::Update
        && quote.is_empty()
        && !o.quote_reference.trim().is_empty()
        && rules
            .iter()
            .any(|s| Some(s.stage) == o.current_stage && s.quote_required)
    {
        errors.add(
            "quote_reference",
            format!(
                "Stage {} requires a quote: change its reference if need be, but do not empty \
                 it.",
                o.current_stage.unwrap_or_default()
            ),
        );
    }
    let value = parse_amount(if form.estimated_value.trim().is_empty() {
        "0"
    } else {
        &form.estimated_value
    });
    if value.is_none() {
        // As its hint says: more than 0 (0 itself is refused below, an opportunity in
        // progress being worth something).
        errors.add(
            "estimated_value",
            crate::web::forms::amount_message(
                &form.estimated_value,
                format!(
                    "Enter the estimated value: an amount more than 0 and below {}, like {}.",
                    crate::web::filters::number(crate::web::forms::AMOUNT_LIMIT),
                    crate::web::forms::amount_example_of(12500)
                ),
            ),
        );
    }
    let stage = target.and_then(|t| stages.iter().find(|s| s.stage == t));
    if let (Some(t), None, true) = (target, stage, errors.is_empty()) {
        // Its own stage, deleted from the cycle in setup since it was reached.
        errors.add(
            "action",
            format!(
                "Stage {t} is no longer a stage of sales cycle {}: choose another move.",
                o.sales_cycle_code
            ),
        );
    }
    let chances = if form.chances_pct.trim().is_empty() {
        match (action, stage) {
            // Updating in place keeps the chances it has.
            (Move::Update, _) => Some(o.chances_pct.clone()),
            (_, Some(s)) => Some(s.chances_pct.clone()),
            (_, None) => Some(o.chances_pct.clone()),
        }
    } else {
        let c = parse_percent(&form.chances_pct);
        if c.is_none() {
            errors.add(
                "chances_pct",
                crate::setup::sales_cycles::percent_refused(&form.chances_pct, "40"),
            );
        }
        c
    };
    // The date the stage's formula gave in place of the one the opportunity had, said after
    // the move: the form leaves the date empty, so that a move reaches the formula, and a date
    // the user had set is not to be replaced unseen.
    let mut formula_date = None;
    let closing = if form.estimated_closing_date.trim().is_empty() {
        // As Business Central's Update Opportunity: the stage's formula gives the date only
        // when the opportunity has none, or has today's (a forecast made today); the date the
        // user set is kept through every move (each Next replaced it with the formula's).
        // Better: one that has passed takes the formula's too, said, rather than refused.
        let open_date = o.estimated_closing_date.is_none_or(|d| d <= actor.today);
        let suggested = match (action, stage) {
            (Move::Update, _) => None,
            (_, Some(s)) if open_date => {
                suggested_closing(&s.date_formula, actor.today).map(|d| (s, d))
            }
            _ => None,
        };
        let closing = suggested.map(|(_, d)| d).or(o.estimated_closing_date);
        if let Some((s, d)) = suggested {
            if Some(d) != o.estimated_closing_date {
                formula_date = Some((s.stage, s.date_formula.clone(), d));
            }
        }
        // As a typed date, the one the move would keep or take is not before today: Business
        // Central refuses a change whose closing date has passed.
        match (suggested, closing) {
            (Some((s, d)), _) if d < actor.today => errors.add(
                "estimated_closing_date",
                format!(
                    "Stage {}'s date formula {} gives {}, before today: enter the estimated \
                     closing date.",
                    s.stage,
                    s.date_formula,
                    crate::web::filters::date_text(d)
                ),
            ),
            (None, Some(d)) if d < actor.today => errors.add(
                "estimated_closing_date",
                format!(
                    "The estimated closing date {} has passed: enter a new one, today or later.",
                    crate::web::filters::date_text(d)
                ),
            ),
            // As Business Central's Update Opportunity: an opportunity in progress has an
            // estimated closing date (one made by Create Opportunities has none, and a stage
            // may have no date formula).
            (None, None) => errors.add(
                "estimated_closing_date",
                match stage {
                    Some(s) if s.date_formula.is_empty() => format!(
                        "Enter the estimated closing date: stage {} has no date formula to suggest one.",
                        s.stage
                    ),
                    _ => "Enter the estimated closing date.".to_string(),
                },
            ),
            _ => {}
        }
        closing
    } else {
        let d = parse_date(&form.estimated_closing_date);
        match d {
            None => errors.add(
                "estimated_closing_date",
                crate::web::forms::date_refused(
                    &form.estimated_closing_date,
                    ", or leave it empty for the stage's suggestion",
                ),
            ),
            // As Business Central: the closing date is later than this change.
            Some(d) if d < actor.today => errors.add(
                "estimated_closing_date",
                "The estimated closing date cannot be before today, the date of this change.",
            ),
            Some(_) => {}
        }
        d
    };
    // As Business Central's Update Opportunity asks of every move: an opportunity in the
    // pipeline is worth something and has a chance (0 made a current value of nothing that
    // the figures counted as an opportunity in progress).
    let zero = BigDecimal::from(0);
    if value.as_ref().is_some_and(|v| *v <= zero) {
        errors.add(
            "estimated_value",
            "Enter the estimated value: more than 0, as an opportunity in progress is worth something.",
        );
    }
    if chances.as_ref().is_some_and(|c| *c <= zero) {
        errors.add(
            "chances_pct",
            if form.chances_pct.trim().is_empty() {
                "Enter the chances of success, more than 0 %: the stage gives none."
            } else {
                "Enter the chances of success: more than 0 %."
            },
        );
    }
    let (Some(stage), Some(value), Some(chances), true) =
        (stage, value, chances, errors.is_empty())
    else {
        return Ok(Outcome::Invalid(errors));
    };
    let completed = stage.completed_pct.clone();
    let probability = o.calculation().probability(&chances, &completed);
    let current = o.calculation().current_value(&value, &chances, &completed);
    diesel::sql_query(
        "UPDATE opportunities SET status = 'in_progress', current_stage = $2, \
             estimated_value = $3, chances_pct = $4, completed_pct = $5, probability_pct = $6, \
             current_value = $7, estimated_closing_date = $8, quote_reference = $9, \
             version = version + 1 \
         WHERE id = $1",
    )
    .bind::<BigInt, _>(o.id)
    .bind::<Integer, _>(stage.stage)
    .bind::<Numeric, _>(&value)
    .bind::<Numeric, _>(&chances)
    .bind::<Numeric, _>(&completed)
    .bind::<Numeric, _>(&probability)
    .bind::<Numeric, _>(&current)
    .bind::<Nullable<Date>, _>(closing)
    .bind::<Text, _>(&quote)
    .execute(conn)?;
    record_entry(
        conn,
        o,
        action.as_str(),
        actor.today,
        actor.user_id,
        actor.user_name,
    )?;
    let mut said = Said::same(match action {
        Move::Update => format!("Opportunity {} updated.", o.no),
        _ => format!(
            "Opportunity {} is on stage {} {}.",
            o.no, stage.stage, stage.description
        ),
    });
    if let Some((stage_no, formula, d)) = formula_date {
        let closing =
            Said::written(|| closing_sentence(stage_no, &formula, d, o.estimated_closing_date));
        said.shown.push_str(&closing.shown);
        said.audit.push_str(&closing.audit);
    }
    // The values written, for the trail (in ISO, as every detail there): "updated" alone
    // did not say to what.
    said.audit.push_str(&format!(
        " Estimated value {}, chances {} %, current value {}, estimated closing date {}{}.",
        crate::web::filters::plain_amount(&value),
        crate::web::filters::plain_amount(&chances),
        crate::web::filters::plain_amount(&current),
        closing.map_or_else(|| "none".to_string(), |d| d.to_string()),
        if quote.is_empty() {
            String::new()
        } else {
            format!(", quote {quote}")
        }
    ));
    let mut add = |sentence: &str| {
        said.shown.push_str(sentence);
        said.audit.push_str(sentence);
    };
    if form.log_interaction.is_some() {
        if action == Move::Update {
            // Ticked with an update in place: said, not silently passed over.
            add(" No interaction was logged: updating the estimates does not change the stage.");
        } else {
            add(log_stage_interaction(conn, o, stage, actor)?);
        }
    }
    Ok(Outcome::Done(said))
}

/// What a move's flash says when the new stage's date formula gave the estimated closing date:
/// the date, the formula, and the date it replaced.
fn closing_sentence(stage: i32, formula: &str, date: NaiveDate, was: Option<NaiveDate>) -> String {
    let date_text = crate::web::filters::date_text;
    let was = match was {
        Some(w) => format!("; it was {}", date_text(w)),
        None => String::new(),
    };
    format!(
        " Its estimated closing date is now {} (stage {stage}'s date formula {formula}{was}).",
        date_text(date)
    )
}
