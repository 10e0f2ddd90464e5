//! Refresh (see docs/segments.md, Refresh): re-runs the segment's whole ledger against today's
//! data, shows who would join and who would leave, and applies that as one undoable step.
//!
//! The replay builds the membership in a temporary table, one set-based statement per ledger
//! step (never per contact); the difference with the current lines is two more statements.

use crate::contacts::model as contacts;
use crate::db::binds::{bind_all, Binds};
use crate::segments::domain::criteria::{contacts_from, Criteria};
use crate::segments::domain::header::Segment;
use crate::segments::domain::ledger::Step;
use crate::segments::domain::saved::unreadable_step;
use crate::segments::domain::steps::{
    add_candidates, member_test, selection, MemberTest, Members, Outcome, PreviewRow, Source,
    StepError, COMPANY_JOIN, COMPANY_NAME, COMPANY_NO,
};
use crate::segments::domain::stored::{StepKind, StoredStep};
use crate::segments::domain::{header, lookups, steps};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

/// The most bound values a folded run puts into one statement.
const MAX_RUN_VALUES: usize = 30_000;

/// A step of the ledger read back, with its number in the ledger.
pub struct ReplayStep {
    pub seq: i32,
    pub step: StoredStep,
}

/// The ledger read back for a replay; a step that cannot be read, or names a code, an answer
/// or a segment that is gone ([`lookups::stale`]), stops it, named.
pub fn read_ledger(
    conn: &mut PgConnection,
    ledger: &[Step],
) -> QueryResult<Result<Vec<ReplayStep>, String>> {
    let mut read = Vec::with_capacity(ledger.len());
    for s in ledger {
        let step = match s.read() {
            Ok(step) => step,
            Err(why) => return Ok(Err(unreadable_step(s, &why))),
        };
        if let Some(why) = lookups::stale(conn, &step)? {
            return Ok(Err(format!(
                "Step {} ({}) cannot be replayed as it was applied: {} Go back to before \
                 step {} to take it out of the ledger.",
                s.seq,
                s.title(),
                lookups::ended(&why),
                s.seq
            )));
        }
        read.push(ReplayStep { seq: s.seq, step });
    }
    Ok(Ok(read))
}

/// Replays the ledger into `refresh_members` (dropped at the end of the transaction).
///
/// A run of Add, Reduce and Refine steps without expansion options or Entire Companies is
/// folded into one condition per contact and applied as at most two statements (who of the
/// members stays, who of the others joins); the other steps run one statement each, as when
/// they were first applied.
pub fn replay(
    conn: &mut PgConnection,
    segment: &Segment,
    ledger: &[ReplayStep],
) -> Result<(), StepError> {
    conn.batch_execute("DROP TABLE IF EXISTS refresh_members")?;
    let mut members = Replay::default();
    let mut run: Vec<(StepKind, &Criteria)> = Vec::new();
    let mut run_values = 0;
    for ReplayStep { seq, step } in ledger {
        let criteria = &step.criteria;
        let kind = step.kind;
        let options = &criteria.options;
        let foldable = match kind {
            StepKind::Add => !options.expand_companies && !options.allow_related_companies,
            StepKind::Reduce | StepKind::Refine => !options.entire_companies,
            _ => false,
        };
        if foldable {
            // A folded run is one statement: its bound values stay well under PostgreSQL's
            // limit of 65,535 (each step has at most `MAX_STEP_VALUES`).
            let values = criteria.value_count();
            if run_values + values > MAX_RUN_VALUES {
                members.apply_run(conn, &run)?;
                run.clear();
                run_values = 0;
            }
            run_values += values;
            run.push((kind, criteria));
            continue;
        }
        members.apply_run(conn, &run)?;
        run.clear();
        run_values = 0;
        members.create(conn)?;
        let source = match kind {
            StepKind::Add => Some(Source::Criteria(criteria)),
            StepKind::ManualAdd => {
                contacts::find_by_no(conn, step.contact_no())?.map(|c| Source::Contact(c.id))
            }
            StepKind::ReuseSegment => {
                header::find_by_no(conn, &step.subject)?.map(|s| Source::Segment(s.id))
            }
            _ => None,
        };
        match kind {
            StepKind::Add | StepKind::ManualAdd | StepKind::ReuseSegment => {
                let Some(source) = source else { continue };
                let mut binds = Binds::new(0);
                let selected = selection(&source, &mut binds)?;
                let candidates = add_candidates(&Members::Replay, criteria, &selected, &mut binds);
                let sql = format!(
                    "WITH {candidates} INSERT INTO refresh_members (contact_id) \
                     SELECT id FROM classified WHERE NOT blocked AND NOT excluded AND NOT existing \
                     ON CONFLICT DO NOTHING"
                );
                bind_all(diesel::sql_query(sql).into_boxed(), binds.values()).execute(conn)?;
                members.filled = true;
            }
            StepKind::Reduce | StepKind::Refine => {
                let mut binds = Binds::new(0);
                let MemberTest { from, alias, goes } =
                    member_test(criteria, kind == StepKind::Refine, &mut binds)?;
                let sql = format!(
                    "DELETE FROM refresh_members r USING {from} WHERE {alias}.id = r.contact_id AND {goes}"
                );
                bind_all(diesel::sql_query(sql).into_boxed(), binds.values()).execute(conn)?;
            }
            // A line removed by hand: its contact leaves, unless it was on another line of
            // the segment then (added twice by a step that allowed contacts already there); a
            // removed line is not a removed contact. "Then" is when the step ran: the lines
            // added before it and not removed by it or before it, not today's (a line a later
            // step added, or removed, says nothing of this step).
            StepKind::ManualRemove => {
                let no = step.contact_no().to_string();
                diesel::sql_query(
                    "DELETE FROM refresh_members r USING contacts c WHERE c.id = r.contact_id AND c.no = $1 \
                     AND NOT EXISTS (SELECT 1 FROM segment_lines l WHERE l.segment_id = $2 \
                       AND l.contact_id = c.id AND l.added_by_step < $3 \
                       AND (l.removed_by_step IS NULL OR l.removed_by_step > $3))",
                )
                .bind::<Text, _>(no)
                .bind::<BigInt, _>(segment.id)
                .bind::<Integer, _>(*seq)
                .execute(conn)?;
            }
            // An earlier refresh is what the replay recomputes anyway.
            StepKind::Refresh => {}
        }
    }
    members.apply_run(conn, &run)?;
    members.create(conn)?;
    // The comparison with the lines that follows is planned with the replay's real size.
    conn.batch_execute("ANALYZE refresh_members")?;
    Ok(())
}

/// The state of `refresh_members` during a replay.
#[derive(Default)]
struct Replay {
    /// The table exists.
    created: bool,
    /// It may have rows.
    filled: bool,
}

/// Whether a contact is a member after a run of foldable steps, as a condition over `c`, given
/// whether it was one before (`member`: `TRUE` or `FALSE`). Only AND and OR combine the
/// filters' conditions and their NULL-safe negations, so a NULL anywhere counts as "no"
/// exactly as it does in the step itself.
fn fold(
    run: &[(StepKind, &Criteria)],
    member: &str,
    binds: &mut Binds,
) -> Result<String, StepError> {
    let mut is = member.to_string();
    for (kind, criteria) in run {
        is = match *kind {
            StepKind::Add => {
                let condition = criteria.condition(binds).map_err(StepError::Invalid)?;
                let exclusion = if criteria.options.ignore_exclusion {
                    ""
                } else {
                    " AND NOT c.exclude_from_segment"
                };
                let joins = format!("(({condition}) AND NOT c.privacy_blocked{exclusion})");
                match is.as_str() {
                    "TRUE" => is,
                    "FALSE" => joins,
                    _ => format!("({is} OR {joins})"),
                }
            }
            _ => {
                let keeps = if *kind == StepKind::Refine {
                    format!(
                        "({})",
                        criteria.condition(binds).map_err(StepError::Invalid)?
                    )
                } else {
                    criteria.negation(binds).map_err(StepError::Invalid)?
                };
                match is.as_str() {
                    "FALSE" => is,
                    "TRUE" => keeps,
                    _ => format!("({is} AND {keeps})"),
                }
            }
        };
    }
    Ok(is)
}

impl Replay {
    /// Creates the (empty) table, unless a run made it already.
    fn create(&mut self, conn: &mut PgConnection) -> QueryResult<()> {
        if !self.created {
            conn.batch_execute(
                "CREATE TEMP TABLE refresh_members (contact_id bigint PRIMARY KEY) ON COMMIT DROP",
            )?;
            self.created = true;
        }
        Ok(())
    }

    /// Applies a folded run: who of the members stays, who of the others joins. The first run
    /// creates the table from its selection (`CREATE TABLE AS`, which may scan in parallel).
    fn apply_run(
        &mut self,
        conn: &mut PgConnection,
        run: &[(StepKind, &Criteria)],
    ) -> Result<(), StepError> {
        if run.is_empty() {
            return Ok(());
        }
        let from = contacts_from(run.iter().any(|(_, c)| c.needs_company()));
        if self.filled {
            let mut binds = Binds::new(0);
            let stays = fold(run, "TRUE", &mut binds)?;
            if stays != "TRUE" {
                let sql = format!(
                    "DELETE FROM refresh_members r USING {from} \
                     WHERE c.id = r.contact_id AND ({stays}) IS NOT TRUE"
                );
                bind_all(diesel::sql_query(sql).into_boxed(), binds.values()).execute(conn)?;
            }
        }
        let mut binds = Binds::new(0);
        let joins = fold(run, "FALSE", &mut binds)?;
        if joins == "FALSE" {
            return Ok(());
        }
        let sql = if self.created {
            format!(
                "INSERT INTO refresh_members (contact_id) SELECT c.id FROM {from} WHERE {joins} \
                 ON CONFLICT DO NOTHING"
            )
        } else {
            format!(
                "CREATE TEMP TABLE refresh_members ON COMMIT DROP AS \
                 SELECT c.id AS contact_id FROM {from} WHERE {joins}"
            )
        };
        bind_all(diesel::sql_query(sql).into_boxed(), binds.values()).execute(conn)?;
        if !self.created {
            conn.batch_execute("ALTER TABLE refresh_members ADD PRIMARY KEY (contact_id)")?;
            self.created = true;
        }
        self.filled = true;
        Ok(())
    }
}

/// Compares the replay with the segment's members: `refresh_joiners` (contacts without a
/// line) and `refresh_leavers` (lines whose contact the replay no longer has), both small
/// tables with statistics, so that what is done with them reads only their rows.
pub fn compare(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Outcome> {
    conn.batch_execute(
        "DROP TABLE IF EXISTS refresh_joiners; DROP TABLE IF EXISTS refresh_leavers;",
    )?;
    let joining = diesel::sql_query(
        "CREATE TEMP TABLE refresh_joiners ON COMMIT DROP AS \
         SELECT r.contact_id FROM refresh_members r WHERE NOT EXISTS \
           (SELECT 1 FROM segment_lines l WHERE l.segment_id = $1 AND l.contact_id = r.contact_id \
            AND l.removed_by_step IS NULL)",
    )
    .bind::<BigInt, _>(segment.id)
    .execute(conn)?;
    let leaving = diesel::sql_query(
        "CREATE TEMP TABLE refresh_leavers ON COMMIT DROP AS \
         SELECT l.id FROM segment_lines l WHERE l.segment_id = $1 AND l.removed_by_step IS NULL \
         AND NOT EXISTS (SELECT 1 FROM refresh_members r WHERE r.contact_id = l.contact_id)",
    )
    .bind::<BigInt, _>(segment.id)
    .execute(conn)?;
    conn.batch_execute("ANALYZE refresh_joiners; ANALYZE refresh_leavers;")?;
    Ok(Outcome {
        added: joining as i64,
        removed: leaving as i64,
        ..Default::default()
    })
}

/// Who joins and who leaves after [`compare`] ([`super::who`]): each joiner's contact and each
/// leaver's line, so that the same numbers of other contacts (a colleague excluded one and
/// another now matches) read differently.
pub fn who(conn: &mut PgConnection) -> QueryResult<String> {
    diesel::sql_query(crate::db::who::statement([
        ("contact_id", "TABLE refresh_joiners"),
        ("id", "TABLE refresh_leavers"),
    ]))
    .get_result::<crate::db::who::Who>(conn)
    .map(|w| w.who)
}

/// What a preview showed of a refresh: how many join and leave, and who ([`who`]; empty from
/// a page made before it was sent).
pub type Expected = (i64, i64, String);

/// Refresh as a step (under the segment's lock, numbered `seq`): the ledger replayed, the
/// joiners get lines, the leavers' lines are removed by this step. With `expected`, what its
/// preview showed joining and leaving: when it is not what the replay finds now (other
/// numbers, or the same numbers of other contacts), nothing is written and what it finds is
/// answered (`Err`), so that the user sees it before applying it.
pub fn apply(
    conn: &mut PgConnection,
    segment: &Segment,
    seq: i32,
    ledger: &[ReplayStep],
    expected: Option<Expected>,
) -> Result<Result<Outcome, Outcome>, StepError> {
    replay(conn, segment, ledger)?;
    let found = compare(conn, segment)?;
    if let Some((joining, leaving, shown)) = expected {
        if (joining, leaving) != (found.added, found.removed)
            || (!shown.is_empty() && shown != who(conn)?)
        {
            return Ok(Err(found));
        }
    }
    let added = diesel::sql_query(format!(
        "INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, company_no, is_person, contact_name) \
         SELECT $1, c.id, $2, {COMPANY_NAME}, {COMPANY_NO}, c.type = 'person', c.name \
         FROM refresh_joiners j JOIN contacts c ON c.id = j.contact_id {COMPANY_JOIN}"
    ))
    .bind::<BigInt, _>(segment.id)
    .bind::<Integer, _>(seq)
    .execute(conn)?;
    let removed = diesel::sql_query(
        "UPDATE segment_lines SET removed_by_step = $2 \
         WHERE segment_id = $1 AND id IN (SELECT id FROM refresh_leavers)",
    )
    .bind::<BigInt, _>(segment.id)
    .bind::<Integer, _>(seq)
    .execute(conn)?;
    Ok(Ok(Outcome {
        added: added as i64,
        removed: removed as i64,
        ..Default::default()
    }))
}

/// Who would join and who would leave: the counts (joining contacts, leaving lines), the
/// first rows of each (a contact on two leaving lines once) and how many contacts leave.
pub fn difference(
    conn: &mut PgConnection,
    segment: &Segment,
) -> QueryResult<(Outcome, Vec<PreviewRow>, Vec<PreviewRow>, i64)> {
    let outcome = compare(conn, segment)?;
    let joiners = diesel::sql_query(format!(
        "SELECT c.no::text AS no, c.name, {COMPANY_NAME} AS company_name, \
           c.type = 'person' AS is_person, NULL::text AS skipped \
         FROM refresh_joiners j JOIN contacts c ON c.id = j.contact_id \
         {COMPANY_JOIN} ORDER BY 3, {COMPANY_NO}, 4, 2, c.id LIMIT $1"
    ))
    .bind::<BigInt, _>(steps::PREVIEW_ROWS)
    .load(conn)?;
    let leavers = diesel::sql_query(
        "SELECT no, name, company_name, is_person, skipped FROM ( \
           SELECT DISTINCT ON (l.contact_id) c.no::text AS no, l.contact_name AS name, \
                  l.company_name, l.company_no, l.is_person, NULL::text AS skipped, l.id \
           FROM refresh_leavers x JOIN segment_lines l ON l.id = x.id \
           JOIN contacts c ON c.id = l.contact_id ORDER BY l.contact_id, l.id) x \
         ORDER BY company_name, company_no, is_person, name, id LIMIT $1",
    )
    .bind::<BigInt, _>(steps::PREVIEW_ROWS)
    .load(conn)?;
    #[derive(QueryableByName)]
    struct Leaving {
        #[diesel(sql_type = BigInt)]
        contacts: i64,
    }
    let leaving = diesel::sql_query(
        "SELECT count(DISTINCT l.contact_id) AS contacts \
         FROM refresh_leavers x JOIN segment_lines l ON l.id = x.id",
    )
    .get_result::<Leaving>(conn)?
    .contacts;
    Ok((outcome, joiners, leavers, leaving))
}
