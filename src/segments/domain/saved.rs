//! Saved criteria: the ledger's filter steps kept under a code, read back as sentences.

use crate::db::schema::{saved_criteria, saved_criteria_steps};
use crate::segments::domain::ledger::Step;
use crate::segments::domain::stored;
use crate::segments::domain::stored::{StoredStep, Unreadable};
use diesel::prelude::*;

/// A saved step as words, without counts: "Add Contacts: industry group RETAIL (expand
/// companies)"; or why it cannot be read.
pub fn saved_sentence(kind: &str, criteria: &serde_json::Value) -> String {
    match stored::read(kind, criteria) {
        Ok(step) => {
            let c = &step.criteria;
            let options = c.describe_options(step.kind);
            let with = if options.is_empty() {
                String::new()
            } else {
                format!(" ({})", options.join(", "))
            };
            format!("{}: {}{with}", step.kind.title(), c.describe())
        }
        Err(why) => format!("This step cannot be read: {why}."),
    }
}

/// A refusal that names a ledger step that cannot be read back.
pub fn unreadable_step(step: &Step, why: &Unreadable) -> String {
    format!(
        "Step {} ({}) cannot be read: {why}. Go back to before step {} to take it out of the ledger.",
        step.seq,
        step.title(),
        step.seq
    )
}

/// What became of saved criteria no longer under `code`, as the audit trail tells: the last
/// rename or deletion under it.
pub enum Became {
    Deleted {
        actor: String,
        at: chrono::DateTime<chrono::Utc>,
    },
    Renamed {
        now: String,
        description: String,
        actor: String,
        at: chrono::DateTime<chrono::Utc>,
    },
}

impl Became {
    /// "were renamed NORTH2 by kim at 30-11-2026 10:04", "were deleted by kim at …".
    pub fn sentence(&self) -> String {
        match self {
            Became::Deleted { actor, at } => format!(
                "were deleted by {actor} at {}",
                crate::web::filters::local_datetime_text(*at)
            ),
            Became::Renamed { now, actor, at, .. } => format!(
                "were renamed {now} by {actor} at {}",
                crate::web::filters::local_datetime_text(*at)
            ),
        }
    }
}

/// [`Became`] of `code`, or `None` when the trail has neither.
pub fn became(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Became>> {
    use crate::db::schema::audit_log as a;
    let last: Option<(String, String, String, chrono::DateTime<chrono::Utc>)> = a::table
        .filter(a::subject.eq(code))
        .filter(a::action.eq_any(["criteria changed", "criteria deleted"]))
        .order(a::id.desc())
        .select((a::action, a::detail, a::actor, a::at))
        .first(conn)
        .optional()?;
    Ok(last.and_then(|(action, detail, actor, at)| {
        if action == "criteria deleted" {
            return Some(Became::Deleted { actor, at });
        }
        // "now NEW: description" (a code has no spaces, so ": " ends it).
        let (now, description) = detail.strip_prefix("now ")?.split_once(": ")?;
        Some(Became::Renamed {
            now: now.to_string(),
            description: description.to_string(),
            actor,
            at,
        })
    }))
}

pub fn code_problem(code: &str) -> Option<&'static str> {
    if code.is_empty() {
        Some("Enter a code.")
    } else if code.chars().count() > 20 {
        Some("Use at most 20 characters.")
    } else if code.chars().any(char::is_whitespace) {
        Some("A code has no spaces.")
    } else if code.chars().all(|c| c == '.') {
        // `/saved-criteria/..` is another address: its buttons led to other pages.
        Some("A code cannot consist of dots only.")
    } else {
        None
    }
}

/// One saved criteria with its steps as sentences.
/// Whether saved criteria with this code exist.
pub fn exists(conn: &mut PgConnection, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        saved_criteria::table.filter(saved_criteria::code.eq(code)),
    ))
    .get_result(conn)
}

/// Locks saved criteria `code` to the end of the transaction; false when there are none.
pub fn lock(conn: &mut PgConnection, code: &str) -> QueryResult<bool> {
    saved_criteria::table
        .find(code)
        .select(saved_criteria::code)
        .for_update()
        .first::<String>(conn)
        .optional()
        .map(|found| found.is_some())
}

/// Saves the filter steps under a code; false when the code is taken (also by someone saving
/// at the same moment).
pub fn insert(
    conn: &mut PgConnection,
    code: &str,
    description: &str,
    user_id: i64,
    steps: &[StoredStep],
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(saved_criteria::table)
        .values((
            saved_criteria::code.eq(code),
            saved_criteria::description.eq(description),
            saved_criteria::created_by.eq(user_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    if inserted == 0 {
        return Ok(false);
    }
    let rows: Vec<_> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                saved_criteria_steps::code.eq(code.to_string()),
                saved_criteria_steps::seq.eq(i as i32 + 1),
                saved_criteria_steps::kind.eq(s.kind.as_str()),
                saved_criteria_steps::criteria.eq(stored::note(s.kind, &s.criteria, "")),
            )
        })
        .collect();
    diesel::insert_into(saved_criteria_steps::table)
        .values(rows)
        .execute(conn)?;
    Ok(true)
}

/// Whether `code` holds just what [`insert`] would save: saved by `user_id` with this
/// description and these steps — the same Save Criteria sent twice (a double click, or Back
/// and send), not a colleague's code or other criteria.
pub fn holds(
    conn: &mut PgConnection,
    code: &str,
    description: &str,
    user_id: i64,
    steps: &[StoredStep],
) -> QueryResult<bool> {
    let same_header = diesel::select(diesel::dsl::exists(
        saved_criteria::table
            .filter(saved_criteria::code.eq(code))
            .filter(saved_criteria::description.eq(description))
            .filter(saved_criteria::created_by.eq(user_id)),
    ))
    .get_result::<bool>(conn)?;
    if !same_header {
        return Ok(false);
    }
    let kept = steps_of(conn, code)?;
    Ok(kept.len() == steps.len()
        && kept.iter().zip(steps).all(|((kind, criteria), s)| {
            kind == s.kind.as_str() && *criteria == stored::note(s.kind, &s.criteria, "")
        }))
}

/// What a rename of saved criteria came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Renamed {
    Done,
    /// The new code is taken, also by a rename at the same moment.
    Taken,
    /// They were deleted meanwhile: nothing to rename.
    Gone,
}

/// Renames saved criteria (code and description); [`Renamed::Taken`] when the new code is
/// taken, also by a rename at the same moment (the unique key refuses it under a savepoint),
/// [`Renamed::Gone`] when a colleague deleted them since they were looked up (the rename used
/// to say it was saved, and the audit trail recorded a change that never happened).
pub fn rename(
    conn: &mut PgConnection,
    code: &str,
    new_code: &str,
    description: &str,
) -> QueryResult<Renamed> {
    let renamed = conn.transaction(|conn| {
        diesel::update(saved_criteria::table.find(code))
            .set((
                saved_criteria::code.eq(new_code),
                saved_criteria::description.eq(description),
            ))
            .execute(conn)
    });
    match renamed {
        Ok(0) => Ok(Renamed::Gone),
        Ok(_) => Ok(Renamed::Done),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(Renamed::Taken),
        Err(e) => Err(e),
    }
}

/// Deletes saved criteria with their steps; false when there were none.
pub fn delete(conn: &mut PgConnection, code: &str) -> QueryResult<bool> {
    Ok(diesel::delete(saved_criteria::table.find(code)).execute(conn)? > 0)
}

/// The stored steps of saved criteria, in order: (kind, note).
pub fn steps_of(
    conn: &mut PgConnection,
    code: &str,
) -> QueryResult<Vec<(String, serde_json::Value)>> {
    saved_criteria_steps::table
        .filter(saved_criteria_steps::code.eq(code))
        .order(saved_criteria_steps::seq)
        .select((saved_criteria_steps::kind, saved_criteria_steps::criteria))
        .load(conn)
}

pub struct Saved {
    pub code: String,
    pub description: String,
    pub steps: Vec<String>,
}

impl Saved {
    /// What a page shows of the saved steps, as a digest its form sends back: saved again
    /// under the same code meanwhile (deleted and saved anew), they differ.
    pub fn shown(&self) -> String {
        crate::db::once::digest(&self.steps)
    }
}

pub fn load_saved(conn: &mut PgConnection, only: Option<&str>) -> QueryResult<Vec<Saved>> {
    let mut heads = saved_criteria::table
        .order(saved_criteria::code)
        .into_boxed();
    if let Some(code) = only {
        heads = heads.filter(saved_criteria::code.eq(code.to_string()));
    }
    let heads: Vec<(String, String)> = heads
        .select((saved_criteria::code, saved_criteria::description))
        .load(conn)?;
    let codes: Vec<String> = heads.iter().map(|(c, _)| c.clone()).collect();
    let steps: Vec<(String, String, serde_json::Value)> = saved_criteria_steps::table
        .filter(saved_criteria_steps::code.eq_any(&codes))
        .order((saved_criteria_steps::code, saved_criteria_steps::seq))
        .select((
            saved_criteria_steps::code,
            saved_criteria_steps::kind,
            saved_criteria_steps::criteria,
        ))
        .load(conn)?;
    Ok(heads
        .into_iter()
        .map(|(code, description)| Saved {
            steps: steps
                .iter()
                .filter(|(c, _, _)| *c == code)
                .map(|(_, kind, criteria)| saved_sentence(kind, criteria))
                .collect(),
            code,
            description,
        })
        .collect())
}

/// What Reuse Criteria did: the segment and each step's change ("+12", "−3"); or why it did
/// nothing.
pub enum Reused {
    Done {
        segment_no: String,
        summary: Vec<String>,
    },
    Refused(String),
}

/// Reuse Criteria inside the caller's transaction: every saved step must read back before any
/// runs (a step that cannot be read is never replayed as "every contact"); then each runs
/// against today's data, with all its options, as its own step of segment `no`.
pub fn reuse(
    conn: &mut PgConnection,
    no: &str,
    code: &str,
    user: &crate::auth::CurrentUser,
    ip: &str,
) -> Result<Reused, crate::segments::domain::steps::RunError> {
    use crate::segments::domain::steps::{self, run_step, Source};
    use crate::segments::domain::stored::StepKind;
    if code.is_empty() {
        return Ok(Reused::Refused(
            "Choose the saved criteria to reuse, or enter their code (see the list of saved \
             criteria)."
                .into(),
        ));
    }
    let saved = steps_of(conn, code)?;
    if saved.is_empty() {
        return Ok(Reused::Refused(match became(conn, code)? {
            // Renamed or deleted since the page was opened: by whom, to what.
            Some(became) => format!(
                "There are no saved criteria {code}: they {}.",
                became.sentence()
            ),
            None => format!("There are no saved criteria {code}."),
        }));
    }
    let mut read = Vec::new();
    for (i, (kind, json)) in saved.iter().enumerate() {
        match stored::read(kind, json) {
            Ok(step) if step.kind.is_filter() => {
                if let Err(errors) = step.criteria.parse() {
                    let text: Vec<String> = errors.iter().map(|e| e.message()).collect();
                    return Ok(Reused::Refused(format!(
                        "Saved criteria {code} cannot be reused: its step {} no longer reads: {}.",
                        i + 1,
                        text.join("; ")
                    )));
                }
                if let Some(why) = super::lookups::stale(conn, &step)? {
                    return Ok(Reused::Refused(format!(
                        "Saved criteria {code} cannot be reused: its step {} names what is gone \
                         since it was saved ({why}). Saved criteria keep the codes they were \
                         saved with: build these steps again in a segment with the codes as they \
                         are now, save them under another code, and delete {code}.",
                        i + 1
                    )));
                }
                let mut step = step;
                super::criteria::with_current_profile_label(conn, &mut step.criteria)?;
                read.push(step)
            }
            Ok(step) => {
                return Ok(Reused::Refused(format!(
                    "Saved criteria {code} cannot be reused: its step {} is a {} step, which saved criteria do not hold.",
                    i + 1,
                    step.kind.title()
                )))
            }
            Err(why) => {
                return Ok(Reused::Refused(format!(
                    "Saved criteria {code} cannot be reused: its step {} cannot be read: {why}.",
                    i + 1
                )))
            }
        }
    }
    let mut summary = Vec::new();
    let mut segment_no = no.to_string();
    for step in read {
        let criteria = &step.criteria;
        let result = run_step(
            conn,
            no,
            step.kind,
            user,
            ip,
            stored::note(step.kind, criteria, ""),
            |conn, segment, seq| match step.kind {
                StepKind::Add => {
                    steps::add(conn, segment, seq, &Source::Criteria(criteria), criteria)
                }
                StepKind::Reduce => steps::remove(conn, segment, seq, criteria, false),
                _ => steps::remove(conn, segment, seq, criteria, true),
            },
        )?;
        match result {
            Ok((segment, outcome)) => {
                segment_no = segment.no;
                // Written as the office writes numbers ("+23.242" in da-DK), as every other.
                summary.push(if step.kind == StepKind::Add {
                    format!("+{}", crate::web::pagination::thousands(outcome.added))
                } else {
                    format!("−{}", crate::web::pagination::thousands(outcome.removed))
                });
            }
            Err((_, errors)) => {
                // Checked above; should a step still be refused, nothing is kept (an error
                // rolls the caller's transaction back).
                let text: Vec<String> = errors.iter().map(|e| e.message()).collect();
                return Err(diesel::result::Error::QueryBuilderError(
                    format!("saved criteria {code} no longer parse: {}", text.join("; ")).into(),
                )
                .into());
            }
        }
    }
    Ok(Reused::Done {
        segment_no,
        summary,
    })
}
