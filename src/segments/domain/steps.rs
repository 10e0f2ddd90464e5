//! Segment steps: Add, Reduce, Refine, manual lines, Go Back (see docs/segments.md, from
//! Add Contacts to Manual lines). Each step is one transaction under the segment's row lock,
//! and a constant number of SQL statements whatever the number of contacts.

use crate::admin::audit;
use crate::admin::audit::Actor;
use crate::auth::CurrentUser;
use crate::db::binds::{bind_all, BindValue, Binds};
use crate::segments::domain::criteria::{Criteria, FieldError};
use crate::segments::domain::header::Segment;
use crate::segments::domain::stored::StepKind;
use crate::segments::domain::{header, ledger};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};

/// What a step did.
#[derive(Clone, Debug, Default, PartialEq, Eq, QueryableByName)]
pub struct Outcome {
    #[diesel(sql_type = BigInt)]
    pub added: i64,
    #[diesel(sql_type = BigInt)]
    pub removed: i64,
    #[diesel(sql_type = BigInt)]
    pub skipped_excluded: i64,
    #[diesel(sql_type = BigInt)]
    pub skipped_blocked: i64,
    #[diesel(sql_type = BigInt)]
    pub skipped_existing: i64,
}

impl Outcome {
    /// Whether the step added or removed any line (a step that did neither is recorded only
    /// when [`StepKind::recorded_when_empty`]).
    pub fn changed(&self) -> bool {
        self.added + self.removed > 0
    }

    /// What the step skipped, in words: "31 skipped as excluded", "2 already present".
    pub fn skipped_words(&self) -> Vec<String> {
        let n = crate::web::pagination::thousands;
        let mut skipped = Vec::new();
        if self.skipped_excluded > 0 {
            skipped.push(format!("{} skipped as excluded", n(self.skipped_excluded)));
        }
        if self.skipped_blocked > 0 {
            skipped.push(format!(
                "{} skipped as privacy blocked",
                n(self.skipped_blocked)
            ));
        }
        if self.skipped_existing > 0 {
            skipped.push(format!("{} already present", n(self.skipped_existing)));
        }
        skipped
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("invalid criteria")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// A row of a preview: the first contacts a step would add or remove.
#[derive(Clone, Debug, QueryableByName)]
pub struct PreviewRow {
    #[diesel(sql_type = Text)]
    pub no: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub company_name: String,
    #[diesel(sql_type = Bool)]
    pub is_person: bool,
    /// Why it would be skipped (`excluded`, `blocked`, `existing`), if it would.
    #[diesel(sql_type = Nullable<Text>)]
    pub skipped: Option<String>,
}

impl PreviewRow {
    /// Why the row would be skipped, in the preview summary's words ("already on the
    /// segment"), or "" when it would not.
    pub fn skipped_text(&self) -> &'static str {
        match self.skipped.as_deref() {
            Some("excluded") => "skipped: excluded from segments",
            Some("blocked") => "skipped: privacy blocked",
            Some("existing") => "skipped: already on the segment",
            Some(_) => "skipped",
            None => "",
        }
    }
}

/// The first rows a preview shows (see docs/segments.md, Preview).
pub const PREVIEW_ROWS: i64 = 25;

/// A step that adds, removes or restores this many lines has `segment_lines` analysed after
/// it commits (`crate::db::analyze_after`).
pub const BIG_CHANGE: i64 = 10_000;

/// The columns of a selected contact, as every selection and expansion returns them.
const CONTACT_COLUMNS: &str =
    "c.id, c.no, c.name, c.type, c.company_id, c.privacy_blocked, c.exclude_from_segment";

/// A line's company name, of contact `c`: its company's name (read from the small index of
/// companies through `COMPANY_JOIN`), a company's own name, or nothing.
pub const COMPANY_NAME: &str =
    "COALESCE(co.name, CASE WHEN c.type = 'company' THEN c.name ELSE '' END)";

/// A line's company No., of contact `c`, as [`COMPANY_NAME`]: it comes after the company name
/// in the line order, so that the persons of two companies of the same name are not mixed.
pub const COMPANY_NO: &str =
    "COALESCE(co.no, CASE WHEN c.type = 'company' THEN c.no ELSE '' END)::text";

pub const COMPANY_JOIN: &str =
    "LEFT JOIN contacts co ON co.id = c.company_id AND co.type = 'company'";

/// Where "already present" is looked up: the segment's lines, or the members of a replay.
pub enum Members {
    Segment(i64),
    Replay,
}

/// The CTEs `selected`, `expanded` and `classified` of an Add step (SQL, `$…` from binds).
/// The expansions exist only when their option is on, so a plain Add reads each selected
/// contact once; a person's company name comes from the small index of companies.
pub fn add_candidates(
    members: &Members,
    criteria: &Criteria,
    selection: &str,
    binds: &mut Binds,
) -> String {
    let members = match members {
        Members::Segment(segment_id) => {
            let seg = binds.push(BindValue::Integer(*segment_id));
            format!(
                "(SELECT DISTINCT l.contact_id FROM segment_lines l \
                 WHERE l.segment_id = {seg}::bigint AND l.removed_by_step IS NULL)"
            )
        }
        Members::Replay => "refresh_members".to_string(),
    };
    let options = &criteria.options;
    let mut expanded = "SELECT * FROM selected".to_string();
    if options.expand_companies {
        // 1. A selected company brings all of its persons.
        expanded.push_str(&format!(
            " UNION SELECT {CONTACT_COLUMNS} FROM contacts c \
             WHERE c.company_id IN (SELECT s.id FROM selected s WHERE s.type = 'company')"
        ));
    }
    if options.allow_related_companies {
        // 2. A selected person brings its company.
        expanded.push_str(&format!(
            " UNION SELECT {CONTACT_COLUMNS} FROM contacts c \
             WHERE c.id IN (SELECT s.company_id FROM selected s)"
        ));
    }
    // 3. and 4.: exclusion and presence are flags here, applied by the caller.
    let ignore = binds.push(BindValue::Bool(options.ignore_exclusion));
    format!(
        "selected AS ({selection}), \
         expanded AS ({expanded}), \
         classified AS ( \
           SELECT c.id, c.no, c.name, c.type, {COMPANY_NAME} AS company_name, {COMPANY_NO} AS company_no, \
             c.privacy_blocked AS blocked, \
             (c.exclude_from_segment AND NOT {ignore}::boolean) AS excluded, \
             (m.contact_id IS NOT NULL) AS existing \
           FROM expanded c {COMPANY_JOIN} \
           LEFT JOIN {members} m ON m.contact_id = c.id)"
    )
}

/// How a step picks its contacts.
pub enum Source<'a> {
    /// The filter form.
    Criteria(&'a Criteria),
    /// One contact, by id (a manual line).
    Contact(i64),
    /// The members of another segment (Reuse Segment).
    Segment(i64),
}

/// The selection of a step: its contacts, with the columns of `CONTACT_COLUMNS`.
pub fn selection(source: &Source<'_>, binds: &mut Binds) -> Result<String, StepError> {
    match source {
        Source::Criteria(c) => {
            let condition = c.condition(binds).map_err(StepError::Invalid)?;
            Ok(format!(
                "SELECT {CONTACT_COLUMNS} FROM {} WHERE {condition}",
                c.contacts_from()
            ))
        }
        Source::Contact(id) => {
            let p = binds.push(BindValue::Integer(*id));
            Ok(format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.id = {p}::bigint"
            ))
        }
        Source::Segment(id) => {
            let p = binds.push(BindValue::Integer(*id));
            Ok(format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.id IN \
                 (SELECT sl.contact_id FROM segment_lines sl \
                  WHERE sl.segment_id = {p}::bigint AND sl.removed_by_step IS NULL)"
            ))
        }
    }
}

/// The candidates of an Add to `segment` (see [`add_candidates`]), from its source.
fn segment_candidates(
    segment: &Segment,
    source: &Source<'_>,
    criteria: &Criteria,
    binds: &mut Binds,
) -> Result<String, StepError> {
    let selected = selection(source, binds)?;
    Ok(add_candidates(
        &Members::Segment(segment.id),
        criteria,
        &selected,
        binds,
    ))
}

/// Add Contacts: one statement selects, expands, classifies, inserts and counts.
pub fn add(
    conn: &mut PgConnection,
    segment: &Segment,
    seq: i32,
    source: &Source<'_>,
    criteria: &Criteria,
) -> Result<Outcome, StepError> {
    let mut binds = Binds::new(0);
    let candidates = segment_candidates(segment, source, criteria, &mut binds)?;
    let seg = binds.push(BindValue::Integer(segment.id));
    let step = binds.push(BindValue::Integer(seq as i64));
    let allow = binds.push(BindValue::Bool(criteria.options.allow_existing));
    let sql = format!(
        "WITH {candidates}, \
         ins AS ( \
           INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, company_no, is_person, contact_name) \
           SELECT {seg}::bigint, id, {step}::integer, company_name, company_no, type = 'person', name FROM classified \
           WHERE NOT blocked AND NOT excluded AND ({allow}::boolean OR NOT existing) \
           RETURNING 1) \
         SELECT (SELECT count(*) FROM ins) AS added, 0::bigint AS removed, \
           count(*) FILTER (WHERE excluded AND NOT blocked) AS skipped_excluded, \
           count(*) FILTER (WHERE blocked) AS skipped_blocked, \
           count(*) FILTER (WHERE existing AND NOT blocked AND NOT excluded AND NOT {allow}::boolean) AS skipped_existing \
         FROM classified"
    );
    Ok(bind_all(diesel::sql_query(sql).into_boxed(), binds.values()).get_result(conn)?)
}

/// What Add would do, without doing it: the counts and the first rows.
pub fn preview_add(
    conn: &mut PgConnection,
    segment: &Segment,
    source: &Source<'_>,
    criteria: &Criteria,
) -> Result<(Outcome, Vec<PreviewRow>), StepError> {
    let mut binds = Binds::new(0);
    let candidates = segment_candidates(segment, source, criteria, &mut binds)?;
    let allow = binds.push(BindValue::Bool(criteria.options.allow_existing));
    let values = binds.values();
    let limit = values.len() + 1;
    // One pass over the candidates: the counts are window aggregates over all of them, taken
    // before the first rows are picked by a top-N sort. The subquery is planned on its own
    // (`OFFSET 0`): left to see the LIMIT, the planner sorts every contact by company name and
    // probes the criteria in that order, hoping to stop early (2 s at a million contacts for
    // 30,000 candidates, against 0.5 s for both counts and rows this way).
    let sql = format!(
        "WITH {candidates} \
         SELECT count(*) FILTER (WHERE NOT blocked AND NOT excluded AND ({allow}::boolean OR NOT existing)) OVER () AS added, \
           0::bigint AS removed, \
           count(*) FILTER (WHERE excluded AND NOT blocked) OVER () AS skipped_excluded, \
           count(*) FILTER (WHERE blocked) OVER () AS skipped_blocked, \
           count(*) FILTER (WHERE existing AND NOT blocked AND NOT excluded AND NOT {allow}::boolean) OVER () AS skipped_existing, \
           no::text AS no, name, company_name, type = 'person' AS is_person, \
           CASE WHEN blocked THEN 'blocked' WHEN excluded THEN 'excluded' \
                WHEN existing AND NOT {allow}::boolean THEN 'existing' END AS skipped \
         FROM (SELECT * FROM classified OFFSET 0) classified \
         ORDER BY company_name, company_no, type = 'person', name, id LIMIT ${limit}"
    );
    #[derive(QueryableByName)]
    struct Counted {
        #[diesel(embed)]
        outcome: Outcome,
        #[diesel(embed)]
        row: PreviewRow,
    }
    let counted: Vec<Counted> = bind_all(diesel::sql_query(sql).into_boxed(), values)
        .bind::<BigInt, _>(PREVIEW_ROWS)
        .load(conn)?;
    // No candidate, no row: every count is 0.
    let outcome = counted
        .first()
        .map(|c| c.outcome.clone())
        .unwrap_or_default();
    Ok((outcome, counted.into_iter().map(|c| c.row).collect()))
}

/// How Reduce and Refine test a member: the FROM items that bring the member's contact (as
/// `alias`, to be joined on `{alias}.id`), and the condition under which the member goes.
pub struct MemberTest {
    pub from: &'static str,
    pub alias: &'static str,
    pub goes: String,
}

/// Reduce removes the members that match, Refine those that do not. The condition is put on
/// the member's own contact (one join, no subquery per member); with Entire Companies, one
/// match anywhere in the member's company counts.
pub fn member_test(
    criteria: &Criteria,
    refine: bool,
    binds: &mut Binds,
) -> Result<MemberTest, StepError> {
    Ok(if criteria.options.entire_companies {
        let condition = criteria.condition(binds).map_err(StepError::Invalid)?;
        MemberTest {
            from: "contacts lc",
            alias: "lc",
            goes: format!(
                "{}EXISTS (SELECT 1 FROM {} \
                 WHERE COALESCE(c.company_key, c.id) = COALESCE(lc.company_key, lc.id) AND {condition})",
                if refine { "NOT " } else { "" },
                criteria.contacts_from()
            ),
        }
    } else {
        MemberTest {
            from: criteria.contacts_from(),
            alias: "c",
            // A condition that is NULL for a contact (say, it has no country) does not match
            // it, so Refine removes it. (The plain condition keeps its indexes and semi-joins,
            // the negation its anti-joins.)
            goes: if refine {
                criteria.negation(binds).map_err(StepError::Invalid)?
            } else {
                format!(
                    "({})",
                    criteria.condition(binds).map_err(StepError::Invalid)?
                )
            },
        }
    })
}

/// Reduce (remove the lines that match) or Refine (keep only those): one UPDATE that marks
/// the lines as removed by this step.
pub fn remove(
    conn: &mut PgConnection,
    segment: &Segment,
    seq: i32,
    criteria: &Criteria,
    refine: bool,
) -> Result<Outcome, StepError> {
    let mut binds = Binds::new(0);
    let MemberTest { from, alias, goes } = member_test(criteria, refine, &mut binds)?;
    let seg = binds.push(BindValue::Integer(segment.id));
    let step = binds.push(BindValue::Integer(seq as i64));
    let sql = format!(
        "WITH upd AS ( \
           UPDATE segment_lines l SET removed_by_step = {step}::integer \
           FROM {from} \
           WHERE l.segment_id = {seg}::bigint AND l.removed_by_step IS NULL \
             AND {alias}.id = l.contact_id AND {goes} \
           RETURNING 1) \
         SELECT 0::bigint AS added, count(*) AS removed, 0::bigint AS skipped_excluded, \
           0::bigint AS skipped_blocked, 0::bigint AS skipped_existing FROM upd"
    );
    Ok(bind_all(diesel::sql_query(sql).into_boxed(), binds.values()).get_result(conn)?)
}

/// What Reduce or Refine would remove: the count and the first rows.
pub fn preview_remove(
    conn: &mut PgConnection,
    segment: &Segment,
    criteria: &Criteria,
    refine: bool,
) -> Result<(Outcome, Vec<PreviewRow>), StepError> {
    let mut binds = Binds::new(0);
    let MemberTest { from, alias, goes } = member_test(criteria, refine, &mut binds)?;
    let seg = binds.push(BindValue::Integer(segment.id));
    let from = format!(
        "FROM segment_lines l JOIN {from} ON {alias}.id = l.contact_id \
         WHERE l.segment_id = {seg}::bigint AND l.removed_by_step IS NULL AND {goes}"
    );
    let values = binds.values();
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let n: N = bind_all(
        diesel::sql_query(format!("SELECT count(*) AS n {from}")).into_boxed(),
        values.clone(),
    )
    .get_result(conn)?;
    let limit = values.len() + 1;
    let rows = bind_all(
        diesel::sql_query(format!(
            "SELECT {alias}.no::text AS no, l.contact_name AS name, l.company_name, l.is_person, NULL::text AS skipped {from} \
             ORDER BY l.company_name, l.company_no, l.is_person, l.contact_name, l.id LIMIT ${limit}"
        ))
        .into_boxed(),
        values,
    )
    .bind::<BigInt, _>(PREVIEW_ROWS)
    .load(conn)?;
    Ok((
        Outcome {
            removed: n.n,
            ..Default::default()
        },
        rows,
    ))
}

/// Removes one line by hand.
pub fn remove_line(
    conn: &mut PgConnection,
    segment: &Segment,
    seq: i32,
    line_id: i64,
) -> QueryResult<Outcome> {
    let removed = diesel::sql_query(
        "UPDATE segment_lines SET removed_by_step = $3 WHERE id = $1 AND segment_id = $2 AND removed_by_step IS NULL",
    )
    .bind::<BigInt, _>(line_id)
    .bind::<BigInt, _>(segment.id)
    .bind::<Integer, _>(seq)
    .execute(conn)?;
    Ok(Outcome {
        removed: removed as i64,
        ..Default::default()
    })
}

/// Why a step could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("there is no such segment")]
    NotFound,
    #[error("segment {no} is {status}, not a draft: its lines are a record and cannot change")]
    NotDraft {
        no: String,
        status: header::SegmentStatus,
    },
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// A step done, or its criteria refused.
pub type StepResult = Result<(Segment, Outcome), (Segment, Vec<FieldError>)>;

/// Runs a step inside the caller's transaction, with the segment locked: checks it is a
/// draft, numbers the step, applies it, records it in the ledger and the audit trail. A step
/// that adds and removes nothing is recorded only if its kind selects by criteria
/// ([`StepKind::recorded_when_empty`]); otherwise nothing was written.
#[allow(clippy::too_many_arguments)]
pub fn run_step(
    conn: &mut PgConnection,
    no: &str,
    kind: StepKind,
    user: &CurrentUser,
    ip: &str,
    note: serde_json::Value,
    apply: impl FnOnce(&mut PgConnection, &Segment, i32) -> Result<Outcome, StepError>,
) -> Result<StepResult, RunError> {
    let segment = header::lock(conn, no)?.ok_or(RunError::NotFound)?;
    if !segment.is_draft() {
        return Err(RunError::NotDraft {
            no: segment.no,
            status: segment.status,
        });
    }
    let seq = ledger::next_seq(conn, segment.id)?;
    let outcome = match apply(conn, &segment, seq) {
        Ok(o) => o,
        Err(StepError::Invalid(errors)) => return Ok(Err((segment, errors))),
        Err(StepError::Db(e)) => return Err(e.into()),
    };
    if !outcome.changed() && !kind.recorded_when_empty() {
        return Ok(Ok((segment, outcome)));
    }
    ledger::record(conn, &segment, seq, kind, &note, &outcome, user)?;
    if outcome.added + outcome.removed >= BIG_CHANGE {
        crate::db::analyze_after("segment_lines");
    }
    // The step's sentence too: the segment's ledger goes when the segment is deleted (or the
    // step by Go Back), and the trail said "manual_add: +1 −0" without the contact, "add" without
    // the criteria, "reuse_segment" without the segment.
    let said = ledger::Step {
        seq,
        kind: kind.as_str().to_string(),
        criteria: note,
        added: outcome.added,
        removed: outcome.removed,
        skipped_excluded: outcome.skipped_excluded,
        skipped_blocked: outcome.skipped_blocked,
        skipped_existing: outcome.skipped_existing,
        user_name: user.username.clone(),
        created_at: chrono::Utc::now(),
    }
    .sentence();
    // A step naming thousands of Nos. is said in full on its segment's page, not here.
    let said = match said.char_indices().nth(2000) {
        Some((end, _)) => format!("{}…", &said[..end]),
        None => said,
    };
    audit::record(
        conn,
        Actor::User(user),
        "segment step",
        &segment.no,
        &format!(
            "{kind}: +{} −{}; step {seq}, {}: {said}",
            outcome.added,
            outcome.removed,
            kind.title()
        ),
        ip,
    )?;
    Ok(Ok((segment, outcome)))
}
