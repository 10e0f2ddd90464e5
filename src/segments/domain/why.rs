//! "Why is this contact here?" — for a line, the step that added it; for a contact that is
//! not a member, the step that removed it or why no step added it.

use crate::contacts::model::Contact;
use crate::db::binds::{bind_all, BindValue, Binds};
use crate::segments::domain::criteria::Criteria;
use crate::segments::domain::header::Segment;
use crate::segments::domain::ledger;
use crate::segments::domain::ledger::Step;
use crate::segments::domain::stored::{StepKind, StoredStep};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};

/// A contact whose No., name, e-mail or city contains what was typed: a choice for "why".
#[derive(Clone, Debug, QueryableByName)]
pub struct Candidate {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub no: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub company_name: String,
    /// Whether it is on the segment (a line not taken out).
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub member: bool,
}

/// The most contacts offered for one search.
pub const CANDIDATES: i64 = 20;

/// The contacts whose search text (No., name, Search Name, e-mail, city, phones) contains
/// `typed`, in any case: those on segment `segment_id` first, then the others, each by name;
/// at most [`CANDIDATES`], and whether there are more. Two statements, each stopping after the
/// first rows it needs: the segment's lines, and the contact list's trigram index.
pub fn candidates(
    conn: &mut PgConnection,
    typed: &str,
    segment_id: i64,
) -> QueryResult<(Vec<Candidate>, bool)> {
    let phone = crate::db::text::phone_test(typed, "c", "$1")
        .map(|test| format!(" AND {test}"))
        .unwrap_or_default();
    let pattern = crate::db::text::search_pattern(typed);
    let mut found: Vec<Candidate> = diesel::sql_query(format!(
        "SELECT c.no::text AS no, c.name, COALESCE(ck.name, '') AS company_name, TRUE AS member \
         FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
         LEFT JOIN contacts ck ON ck.id = c.company_id \
         WHERE l.segment_id = $3 AND l.removed_by_step IS NULL \
           AND c.search_text LIKE $1{phone} ORDER BY c.name, c.no LIMIT $2"
    ))
    .bind::<diesel::sql_types::Text, _>(&pattern)
    .bind::<BigInt, _>(CANDIDATES + 1)
    .bind::<BigInt, _>(segment_id)
    .load(conn)?;
    // The others: as many more as would fill the list past its end, whatever the members
    // among them (left out, as they are listed already).
    let others: Vec<Candidate> = diesel::sql_query(format!(
        "SELECT c.no::text AS no, c.name, COALESCE(ck.name, '') AS company_name, FALSE AS member \
         FROM contacts c LEFT JOIN contacts ck ON ck.id = c.company_id \
         WHERE c.search_text LIKE $1{phone} ORDER BY c.name, c.no LIMIT $2"
    ))
    .bind::<diesel::sql_types::Text, _>(&pattern)
    .bind::<BigInt, _>(CANDIDATES + 1 + found.len() as i64)
    .load(conn)?;
    let members: std::collections::HashSet<String> = found.iter().map(|c| c.no.clone()).collect();
    found.extend(others.into_iter().filter(|c| !members.contains(&c.no)));
    let more = found.len() as i64 > CANDIDATES;
    found.truncate(CANDIDATES as usize);
    Ok((found, more))
}

#[derive(QueryableByName)]
struct LineState {
    #[diesel(sql_type = Integer)]
    added_by_step: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    removed_by_step: Option<i32>,
}

/// Whether contact `id` passes a step's filters today.
fn matches(conn: &mut PgConnection, criteria: &Criteria, id: i64) -> QueryResult<Option<bool>> {
    matches_where(conn, criteria, "c.id", id)
}

/// Whether a person of company `id` passes a step's filters today.
fn a_person_matches(
    conn: &mut PgConnection,
    criteria: &Criteria,
    id: i64,
) -> QueryResult<Option<bool>> {
    matches_where(conn, criteria, "c.company_id", id)
}

/// Whether a contact whose `column` (fixed SQL) is `id` passes a step's filters today.
fn matches_where(
    conn: &mut PgConnection,
    criteria: &Criteria,
    column: &str,
    id: i64,
) -> QueryResult<Option<bool>> {
    let mut binds = Binds::new(0);
    let Ok(condition) = criteria.condition(&mut binds) else {
        return Ok(None);
    };
    let p = binds.push(BindValue::Integer(id));
    #[derive(QueryableByName)]
    struct M {
        #[diesel(sql_type = Bool)]
        m: bool,
    }
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM contacts c LEFT JOIN contacts ck ON ck.id = c.company_key \
         WHERE {column} = {p}::bigint AND {condition}) AS m"
    );
    Ok(Some(
        bind_all(diesel::sql_query(sql).into_boxed(), binds.values())
            .get_result::<M>(conn)?
            .m,
    ))
}

pub fn explain(
    conn: &mut PgConnection,
    segment: &Segment,
    contact: &Contact,
) -> QueryResult<Vec<String>> {
    let ledger = ledger::load(conn, segment.id)?;
    let sentence = |seq: i32| -> String {
        ledger
            .iter()
            .find(|s| s.seq == seq)
            .map(|s| {
                let said = s.sentence();
                format!(
                    "step {} ({}: {})",
                    s.seq,
                    s.title(),
                    said.trim_end_matches('.')
                )
            })
            .unwrap_or_else(|| format!("step {seq}"))
    };
    let lines: Vec<LineState> = diesel::sql_query(
        "SELECT added_by_step, removed_by_step FROM segment_lines WHERE segment_id = $1 AND contact_id = $2 ORDER BY id",
    )
    .bind::<BigInt, _>(segment.id)
    .bind::<BigInt, _>(contact.id)
    .load(conn)?;
    let mut reasons = Vec::new();
    for line in lines.iter().filter(|l| l.removed_by_step.is_none()) {
        reasons.push(format!(
            "It is on the segment: added by {}.",
            sentence(line.added_by_step)
        ));
    }
    if !reasons.is_empty() {
        // Privacy blocked since, on a draft: the line stays until taken out, but nothing is
        // done with it (a logged segment's interaction was written before).
        if contact.privacy_blocked && segment.is_draft() {
            reasons.push(
                "It has been privacy blocked since it was added: its line is left out of the \
                 export, Log refuses it, and Refresh takes it out."
                    .into(),
            );
        }
        return Ok(reasons);
    }
    for line in &lines {
        if let Some(removed) = line.removed_by_step {
            reasons.push(format!(
                "It was added by {} and removed by {}.",
                sentence(line.added_by_step),
                sentence(removed)
            ));
        }
    }
    if !reasons.is_empty() {
        return Ok(reasons);
    }
    if contact.privacy_blocked {
        reasons.push("It is privacy blocked: no step ever adds it.".into());
    }
    // A step that cannot be read is named, never read as "every contact".
    let mut adds: Vec<(&Step, StoredStep)> = Vec::new();
    for step in &ledger {
        match step.read() {
            Ok(read) if matches!(read.kind, StepKind::Add | StepKind::ReuseSegment) => {
                adds.push((step, read))
            }
            Ok(_) => {}
            Err(unreadable) => reasons.push(format!(
                "Step {} ({}) cannot be read ({unreadable}), so whether it would add this contact is unknown.",
                step.seq,
                step.title()
            )),
        }
    }
    if adds.is_empty() && !ledger.iter().any(Step::is_unreadable) {
        reasons.push("No Add Contacts or Reuse Segment step has been run on this segment.".into());
    }
    let excluded_by = |options: &crate::segments::domain::criteria::Options| {
        contact.exclude_from_segment && !options.ignore_exclusion
    };
    const EXCLUDED: &str =
        "but it is flagged Exclude from Segment and the step did not ignore exclusion";
    // The last step that would bring it in today (a Refresh runs it again): a Reduce or
    // Refine before it does not keep it out.
    let mut joins: Option<i32> = None;
    for (step, read) in adds {
        let criteria = &read.criteria;
        let options = &criteria.options;
        let step_words = sentence(step.seq);
        // The step may have skipped it then, as excluded or privacy blocked since cleared:
        // said when the step skipped any.
        let skipped = match (step.skipped_excluded > 0, step.skipped_blocked > 0) {
            (true, true) => {
                ", it was flagged Exclude from Segment or privacy blocked then and skipped"
            }
            (true, false) => ", it was flagged Exclude from Segment then and skipped",
            (false, true) => ", it was privacy blocked then and skipped",
            (false, false) => "",
        };
        if read.kind == StepKind::ReuseSegment {
            // Reuse Segment adds as Add Contacts does, Expand Companies and Allow Related
            // Companies included: the contact may have come (or been kept out) through its
            // company or one of its persons on the segment reused.
            let source = &read.subject;
            let on = on_segment(conn, source, contact.id)?;
            let through = match on {
                Some(false) if contact.is_company() && options.allow_related_companies => {
                    a_person_on_segment(conn, source, contact.id)?.then(|| {
                        format!("A person of this company is on segment {source}, whose contacts {step_words} added")
                    })
                }
                Some(false) if options.expand_companies => match contact.company_id {
                    Some(company) => on_segment(conn, source, company)?
                        .unwrap_or(false)
                        .then(|| {
                            format!("Its company is on segment {source}, whose contacts {step_words} added")
                        }),
                    None => None,
                },
                _ => None,
            };
            match (on, through) {
                (None, _) => reasons.push(format!(
                    "Segment {source}, whose contacts {step_words} added, has been deleted."
                )),
                (Some(false), Some(how)) if excluded_by(options) => {
                    reasons.push(format!("{how}, {EXCLUDED}."))
                }
                (Some(false), Some(how)) if !contact.privacy_blocked => {
                    joins = Some(step.seq);
                    reasons.push(format!(
                        "{how}, which brings it in; it was not so when the step ran{skipped}."
                    ))
                }
                (Some(false), Some(_)) => {}
                (Some(false), None) => reasons.push(format!(
                    "It is not on segment {source}, whose contacts {step_words} added."
                )),
                (Some(true), _) if excluded_by(options) => reasons.push(format!(
                    "It is on segment {source}, whose contacts {step_words} added, {EXCLUDED}."
                )),
                (Some(true), _) if !contact.privacy_blocked => {
                    joins = Some(step.seq);
                    reasons.push(format!(
                        "It is on segment {source} today; it was not when {step_words} took its contacts{skipped}."
                    ))
                }
                (Some(true), _) => {}
            }
            continue;
        }
        // Expand Companies brings a matching company's persons, Allow Related Companies a
        // matching person's company: the contact may have come (or been kept out) that way.
        let through = if contact.is_company() {
            if options.allow_related_companies {
                a_person_matches(conn, criteria, contact.id)?
                    .filter(|m| *m)
                    .map(|_| "A person of this company matches the filters of")
            } else {
                None
            }
        } else {
            match contact.company_id {
                Some(company) if options.expand_companies => matches(conn, criteria, company)?
                    .filter(|m| *m)
                    .map(|_| "Its company matches the filters of"),
                _ => None,
            }
        };
        match matches(conn, criteria, contact.id)? {
            Some(true) if excluded_by(options) => reasons.push(format!(
                "It matches the filters of {step_words}, {EXCLUDED}."
            )),
            Some(true) if !contact.privacy_blocked => {
                joins = Some(step.seq);
                reasons.push(format!(
                    "It matches the filters of {step_words} today; it did not when the step ran{skipped}, or it was added to Rapport later."
                ))
            }
            Some(true) => {}
            Some(false) => match through {
                Some(how) if excluded_by(options) => {
                    reasons.push(format!("{how} {step_words}, {EXCLUDED}."))
                }
                Some(how) if !contact.privacy_blocked => {
                    joins = Some(step.seq);
                    reasons.push(format!(
                        "{how} {step_words} today, which brings it in; it did not when the step ran."
                    ))
                }
                Some(_) => {}
                None => reasons.push(format!(
                    "It does not match the filters of {step_words}: {}.",
                    criteria.describe()
                )),
            },
            None => {}
        }
    }
    // A Reduce or Refine after that step keeps it out today: said, or the reasons read as if
    // a Refresh would bring it in.
    if let Some(last) = joins {
        for step in ledger.iter().filter(|s| s.seq > last) {
            let Ok(read) = step.read() else { continue };
            if !matches!(read.kind, StepKind::Reduce | StepKind::Refine) {
                continue;
            }
            let criteria = &read.criteria;
            // Entire Companies: one match in the company counts for all its contacts. (A
            // person without a company has no company key: it is its own, as the step reads.)
            let matched = if criteria.options.entire_companies
                && (contact.company_id.is_some() || contact.is_company())
            {
                let company = contact.company_id.unwrap_or(contact.id);
                matches_where(conn, criteria, "c.company_key", company)?
            } else {
                matches(conn, criteria, contact.id)?
            };
            let why = match (read.kind, matched) {
                (StepKind::Reduce, Some(true)) => "it matches its filters today",
                (StepKind::Refine, Some(false)) => "it does not match its filters today",
                _ => continue,
            };
            let whose = if criteria.options.entire_companies && contact.company_id.is_some() {
                " (Entire Companies: a match anywhere in its company counts for it)"
            } else {
                ""
            };
            reasons.push(format!(
                "But {} keeps it out: {why}{whose}.",
                sentence(step.seq)
            ));
        }
    }
    Ok(reasons)
}

/// Whether a person of company `company` has a line on segment `no` today (none when there is
/// no such segment).
fn a_person_on_segment(conn: &mut PgConnection, no: &str, company: i64) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct On {
        #[diesel(sql_type = Bool)]
        present: bool,
    }
    let on: On = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM segments s JOIN segment_lines l ON l.segment_id = s.id \
           JOIN contacts p ON p.id = l.contact_id \
           WHERE s.no = $1 AND l.removed_by_step IS NULL AND p.company_id = $2) AS present",
    )
    .bind::<Text, _>(no)
    .bind::<BigInt, _>(company)
    .get_result(conn)?;
    Ok(on.present)
}

/// Whether contact `id` has a line on segment `no` today; `None` when there is no such
/// segment.
fn on_segment(conn: &mut PgConnection, no: &str, id: i64) -> QueryResult<Option<bool>> {
    if crate::segments::domain::header::find_by_no(conn, no)?.is_none() {
        return Ok(None);
    }
    crate::segments::domain::lines::has_line(conn, no, id).map(Some)
}
