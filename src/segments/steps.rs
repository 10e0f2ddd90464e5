//! Segment steps (SPEC §4.1): Add, Reduce, Refine, manual lines, Go Back. Each step is one
//! transaction under the segment's row lock, and a constant number of SQL statements
//! whatever the number of contacts.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};

use super::criteria::{Criteria, FieldError};
use super::filter::{bind_all, BindValue, Binds};
use super::model::Segment;
use super::stored::{self, StepKind, StoredStep, Unreadable};
use crate::auth::CurrentUser;

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

/// The first rows a preview shows (issue 4: "the first 25 rows").
pub const PREVIEW_ROWS: i64 = 25;

/// A step that adds, removes or restores this many lines has `segment_lines` analysed after
/// it commits (`crate::db::analyze_after`).
pub const BIG_CHANGE: i64 = 10_000;

/// The columns of a selected contact, as every selection and expansion returns them.
const CONTACT_COLUMNS: &str =
    "c.id, c.no, c.name, c.type, c.company_id, c.privacy_blocked, c.exclude_from_segment";

/// A line's company name, of contact `c`: its company's name (read from the small index of
/// companies through `COMPANY_JOIN`), a company's own name, or nothing.
pub(super) const COMPANY_NAME: &str =
    "COALESCE(co.name, CASE WHEN c.type = 'company' THEN c.name ELSE '' END)";
pub(super) const COMPANY_JOIN: &str =
    "LEFT JOIN contacts co ON co.id = c.company_id AND co.type = 'company'";

/// Where "already present" is looked up: the segment's lines, or the members of a replay.
pub(super) enum Members {
    Segment(i64),
    Replay,
}

/// The CTEs `selected`, `expanded` and `classified` of an Add step (SQL, `$…` from binds).
/// The expansions exist only when their option is on, so a plain Add reads each selected
/// contact once; a person's company name comes from the small index of companies.
pub(super) fn add_candidates(
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
           SELECT c.id, c.no, c.name, c.type, {COMPANY_NAME} AS company_name, \
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
pub(super) fn selection(source: &Source<'_>, binds: &mut Binds) -> Result<String, StepError> {
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

/// Add Contacts: one statement selects, expands, classifies, inserts and counts.
pub fn add(
    conn: &mut PgConnection,
    segment: &Segment,
    seq: i32,
    source: &Source<'_>,
    criteria: &Criteria,
) -> Result<Outcome, StepError> {
    let mut binds = Binds::new(0);
    let selected = selection(source, &mut binds)?;
    let candidates = add_candidates(
        &Members::Segment(segment.id),
        criteria,
        &selected,
        &mut binds,
    );
    let seg = binds.push(BindValue::Integer(segment.id));
    let step = binds.push(BindValue::Integer(seq as i64));
    let allow = binds.push(BindValue::Bool(criteria.options.allow_existing));
    let sql = format!(
        "WITH {candidates}, \
         ins AS ( \
           INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, is_person, contact_name) \
           SELECT {seg}::bigint, id, {step}::integer, company_name, type = 'person', name FROM classified \
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
    let selected = selection(source, &mut binds)?;
    let candidates = add_candidates(
        &Members::Segment(segment.id),
        criteria,
        &selected,
        &mut binds,
    );
    let allow = binds.push(BindValue::Bool(criteria.options.allow_existing));
    let values = binds.values();
    // Two passes over the candidates: the counts (which need no company names), then the
    // first rows by a top-N sort.
    let counts = format!(
        "WITH {candidates} \
         SELECT count(*) FILTER (WHERE NOT blocked AND NOT excluded AND ({allow}::boolean OR NOT existing)) AS added, \
           0::bigint AS removed, \
           count(*) FILTER (WHERE excluded AND NOT blocked) AS skipped_excluded, \
           count(*) FILTER (WHERE blocked) AS skipped_blocked, \
           count(*) FILTER (WHERE existing AND NOT blocked AND NOT excluded AND NOT {allow}::boolean) AS skipped_existing \
         FROM classified"
    );
    let outcome: Outcome =
        bind_all(diesel::sql_query(counts).into_boxed(), values.clone()).get_result(conn)?;
    let limit = values.len() + 1;
    let rows = format!(
        "WITH {candidates} \
         SELECT no::text AS no, name, company_name, type = 'person' AS is_person, \
           CASE WHEN blocked THEN 'blocked' WHEN excluded THEN 'excluded' \
                WHEN existing AND NOT {allow}::boolean THEN 'existing' END AS skipped \
         FROM classified ORDER BY company_name, type = 'person', name, id LIMIT ${limit}"
    );
    let rows = bind_all(diesel::sql_query(rows).into_boxed(), values)
        .bind::<BigInt, _>(PREVIEW_ROWS)
        .load(conn)?;
    Ok((outcome, rows))
}

/// How Reduce and Refine test a member: the FROM items that bring the member's contact (as
/// `alias`, to be joined on `{alias}.id`), and the condition under which the member goes.
pub(super) struct MemberTest {
    pub from: &'static str,
    pub alias: &'static str,
    pub goes: String,
}

/// Reduce removes the members that match, Refine those that do not. The condition is put on
/// the member's own contact (one join, no subquery per member); with Entire Companies, one
/// match anywhere in the member's company counts.
pub(super) fn member_test(
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
             ORDER BY l.company_name, l.is_person, l.contact_name, l.id LIMIT ${limit}"
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

/// The number the next step gets (call under the segment's lock).
pub fn next_seq(conn: &mut PgConnection, segment_id: i64) -> QueryResult<i32> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = Integer)]
        n: i32,
    }
    diesel::sql_query(
        "SELECT COALESCE(max(seq), 0) + 1 AS n FROM segment_steps WHERE segment_id = $1",
    )
    .bind::<BigInt, _>(segment_id)
    .get_result::<N>(conn)
    .map(|n| n.n)
}

/// Writes the step into the ledger.
pub fn record(
    conn: &mut PgConnection,
    segment: &Segment,
    seq: i32,
    kind: StepKind,
    criteria: &serde_json::Value,
    outcome: &Outcome,
    user: &CurrentUser,
) -> QueryResult<()> {
    use crate::db::schema::segment_steps as s;
    diesel::insert_into(s::table)
        .values((
            s::segment_id.eq(segment.id),
            s::seq.eq(seq),
            s::kind.eq(kind.as_str()),
            s::criteria.eq(criteria),
            s::added.eq(outcome.added),
            s::removed.eq(outcome.removed),
            s::skipped_excluded.eq(outcome.skipped_excluded),
            s::skipped_blocked.eq(outcome.skipped_blocked),
            s::skipped_existing.eq(outcome.skipped_existing),
            s::user_id.eq(user.id),
            s::user_name.eq(&user.username),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Go Back to step `to` (0 = before the first): the lines the later steps added go, the
/// lines they removed come back as they were, and the steps leave the ledger. Three
/// statements, whatever the number of lines or steps.
pub fn go_back(
    conn: &mut PgConnection,
    segment: &Segment,
    to: i32,
) -> QueryResult<(usize, usize, usize)> {
    let deleted =
        diesel::sql_query("DELETE FROM segment_lines WHERE segment_id = $1 AND added_by_step > $2")
            .bind::<BigInt, _>(segment.id)
            .bind::<Integer, _>(to)
            .execute(conn)?;
    let restored = diesel::sql_query(
        "UPDATE segment_lines SET removed_by_step = NULL WHERE segment_id = $1 AND removed_by_step > $2",
    )
    .bind::<BigInt, _>(segment.id)
    .bind::<Integer, _>(to)
    .execute(conn)?;
    let steps = diesel::sql_query("DELETE FROM segment_steps WHERE segment_id = $1 AND seq > $2")
        .bind::<BigInt, _>(segment.id)
        .bind::<Integer, _>(to)
        .execute(conn)?;
    Ok((steps, deleted, restored))
}

/// How many of a segment's lines one step added and a later one removed (`removed` NULL: still
/// on the segment).
#[derive(Clone, Debug, QueryableByName)]
pub struct LineHistory {
    #[diesel(sql_type = Integer)]
    pub added: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    pub removed: Option<i32>,
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
}

/// The segment's lines grouped by the steps that added and removed them: one statement.
pub fn line_history(conn: &mut PgConnection, segment_id: i64) -> QueryResult<Vec<LineHistory>> {
    diesel::sql_query(
        "SELECT added_by_step AS added, removed_by_step AS removed, count(*) AS lines \
         FROM segment_lines WHERE segment_id = $1 GROUP BY 1, 2",
    )
    .bind::<BigInt, _>(segment_id)
    .load(conn)
}

/// What going back to step `to` does (keeping steps 1..=`to`, undoing the later ones).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UndoEffect {
    pub to: i32,
    /// The last step now; the steps undone are `to + 1 ..= last`.
    pub last: i32,
    /// Lines on the segment now that go out (added by an undone step).
    pub out: i64,
    /// Lines that come back (removed by an undone step, added by a kept one).
    pub back: i64,
}

impl UndoEffect {
    pub fn of(history: &[LineHistory], to: i32, last: i32) -> UndoEffect {
        let mut effect = UndoEffect {
            to,
            last,
            ..Default::default()
        };
        for h in history {
            match h.removed {
                None if h.added > to => effect.out += h.lines,
                Some(removed) if removed > to && h.added <= to => effect.back += h.lines,
                _ => {}
            }
        }
        effect
    }

    pub fn steps(&self) -> i32 {
        self.last - self.to
    }

    /// "Undo step 3: 12 lines back, 40 out", "Undo steps 2–3: 786 lines back, 645 out".
    pub fn sentence(&self) -> String {
        let which = if self.steps() == 1 {
            format!("step {}", self.last)
        } else {
            format!("steps {}–{}", self.to + 1, self.last)
        };
        format!(
            "Undo {which}: {} line{} back, {} out",
            n(self.back),
            if self.back == 1 { "" } else { "s" },
            n(self.out)
        )
    }
}

/// A step of the ledger, for the segment page.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::segment_steps)]
pub struct Step {
    pub seq: i32,
    pub kind: String,
    pub criteria: serde_json::Value,
    pub added: i64,
    pub removed: i64,
    pub skipped_excluded: i64,
    pub skipped_blocked: i64,
    pub skipped_existing: i64,
    pub user_name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub fn ledger(conn: &mut PgConnection, segment_id: i64) -> QueryResult<Vec<Step>> {
    use crate::db::schema::segment_steps as s;
    s::table
        .filter(s::segment_id.eq(segment_id))
        .order(s::seq.asc())
        .select(Step::as_select())
        .load(conn)
}

fn n(count: i64) -> String {
    crate::web::pagination::thousands(count)
}

fn contacts(count: i64) -> String {
    format!("{} contact{}", n(count), if count == 1 { "" } else { "s" })
}

impl Step {
    /// The step's kind and criteria, or why they cannot be read back.
    pub fn read(&self) -> Result<StoredStep, Unreadable> {
        stored::read(&self.kind, &self.criteria)
    }

    /// The step as a sentence, e.g. "Added 1,204 contacts: industry group RETAIL or
    /// WHOLESALE, country/region DK; 31 skipped as excluded."
    pub fn sentence(&self) -> String {
        let step = match self.read() {
            Ok(step) => step,
            Err(why) => {
                return format!(
                    "This step cannot be read: {why}. Refresh and Save Criteria refuse to use it."
                )
            }
        };
        let c = &step.criteria;
        let options = c.describe_options(step.kind);
        let with = if options.is_empty() {
            String::new()
        } else {
            format!(" ({})", options.join(", "))
        };
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
        let tail = if skipped.is_empty() {
            ".".to_string()
        } else {
            format!("; {}.", skipped.join(", "))
        };
        match step.kind {
            StepKind::Add => format!(
                "Added {}: {}{with}{tail}",
                contacts(self.added),
                c.describe()
            ),
            StepKind::Reduce => format!(
                "Removed {} matching {}{with}.",
                contacts(self.removed),
                c.describe()
            ),
            StepKind::Refine => format!(
                "Kept only contacts matching {}{with}: removed {}.",
                c.describe(),
                contacts(self.removed)
            ),
            StepKind::ManualAdd => format!("Added {} by hand{with}{tail}", step.subject),
            StepKind::ManualRemove => format!("Removed {} by hand.", step.subject),
            StepKind::ReuseSegment => format!(
                "Added {} from segment {}{with}{tail}",
                contacts(self.added),
                step.subject
            ),
            StepKind::Refresh => format!(
                "Refreshed against today's data: {} joined, {} left.",
                n(self.added),
                n(self.removed)
            ),
        }
    }

    pub fn title(&self) -> &'static str {
        StepKind::parse(&self.kind).map_or("Unreadable step", StepKind::title)
    }

    /// Whether the step cannot be read back (shown as such on the ledger).
    pub fn is_unreadable(&self) -> bool {
        self.read().is_err()
    }

    pub fn when(&self) -> String {
        self.created_at
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// Whether Save Criteria keeps this step (filter steps only, by their stored kind).
    pub fn is_filter_step(&self) -> bool {
        StepKind::parse(&self.kind).is_some_and(StepKind::is_filter)
    }
}
