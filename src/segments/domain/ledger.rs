//! The ledger: the steps of a segment as recorded (who, when, kind, criteria, counts), read
//! back as sentences, and Go Back to any step with what it would undo.

use crate::auth::CurrentUser;
use crate::segments::domain::header::Segment;
use crate::segments::domain::steps::Outcome;
use crate::segments::domain::stored::{self, StepKind, StoredStep, Unreadable};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Jsonb, Nullable, Text, Timestamptz};

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
        .execute(conn)?;
    changed(conn, segment.id)
}

/// The segment changed now (a step, a Go Back, a line's values): its "last changed", by which
/// the home page lists a user's drafts, was only a header save's, and a draft worked on all
/// day through its steps dropped out of the list. Log's check page carries it too, so that
/// Log writes nothing the page did not show.
pub(crate) fn changed(conn: &mut PgConnection, segment_id: i64) -> QueryResult<()> {
    use crate::db::schema::segments;
    diesel::update(segments::table.find(segment_id))
        .set(segments::updated_at.eq(diesel::dsl::now))
        .execute(conn)
        .map(|_| ())
}

/// Go Back to step `to` (0 = before the first): the lines the later steps added go, the
/// lines they removed come back as they were, and the steps leave the ledger. Three
/// statements, whatever the number of lines or steps.
pub fn go_back(conn: &mut PgConnection, segment: &Segment, to: i32) -> QueryResult<WentBack> {
    #[derive(QueryableByName)]
    struct Deleted {
        #[diesel(sql_type = BigInt)]
        deleted: i64,
        #[diesel(sql_type = BigInt)]
        out: i64,
    }
    // The lines the later steps added go; those still on the segment are the ones that go out.
    let d: Deleted = diesel::sql_query(
        "WITH d AS (DELETE FROM segment_lines WHERE segment_id = $1 AND added_by_step > $2 \
           RETURNING removed_by_step) \
         SELECT count(*) AS deleted, count(*) FILTER (WHERE removed_by_step IS NULL) AS out FROM d",
    )
    .bind::<BigInt, _>(segment.id)
    .bind::<Integer, _>(to)
    .get_result(conn)?;
    // Every line a later step removed was added by a kept one now: each comes back.
    let back = diesel::sql_query(
        "UPDATE segment_lines SET removed_by_step = NULL WHERE segment_id = $1 AND removed_by_step > $2",
    )
    .bind::<BigInt, _>(segment.id)
    .bind::<Integer, _>(to)
    .execute(conn)?;
    let steps = diesel::sql_query("DELETE FROM segment_steps WHERE segment_id = $1 AND seq > $2")
        .bind::<BigInt, _>(segment.id)
        .bind::<Integer, _>(to)
        .execute(conn)?;
    changed(conn, segment.id)?;
    Ok(WentBack {
        steps,
        deleted: d.deleted,
        out: d.out,
        back: back as i64,
    })
}

/// What a Go Back did: the steps undone, the lines deleted (also those a later step had
/// removed), those of them that were on the segment (out), and the lines restored (back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WentBack {
    pub steps: usize,
    pub deleted: i64,
    pub out: i64,
    pub back: i64,
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

crate::db::columns::columns_in_order! {
    /// A row of [`load_with_history`]: a step (part 0) or a group of lines (part 1, its
    /// `seq` the step that added them).
    struct LedgerRow {
        part: i32 as Integer,
        seq: i32 as Integer,
        kind: String as Text,
        criteria: Option<serde_json::Value> as Nullable<Jsonb>,
        added: i64 as BigInt,
        removed: i64 as BigInt,
        skipped_excluded: i64 as BigInt,
        skipped_blocked: i64 as BigInt,
        skipped_existing: i64 as BigInt,
        user_name: String as Text,
        created_at: Option<chrono::DateTime<chrono::Utc>> as Nullable<Timestamptz>,
        removed_by: Option<i32> as Nullable<Integer>,
        lines: i64 as BigInt,
    }
}

/// The segment's ledger ([`load`]) and, when `history`, its lines grouped by the steps that
/// added and removed them, from the kept counts (`totals`: a few rows whatever the number of
/// lines), for what each Go Back would do: one statement.
pub fn load_with_history(
    conn: &mut PgConnection,
    segment_id: i64,
    history: bool,
) -> QueryResult<(Vec<Step>, Vec<LineHistory>)> {
    let rows: Vec<LedgerRow> = crate::db::prepared(
        "SELECT 0 AS part, t.seq, t.kind, t.criteria, t.added, t.removed, t.skipped_excluded, \
                t.skipped_blocked, t.skipped_existing, t.user_name, t.created_at, \
                NULL::int AS removed_by, 0::bigint AS lines \
         FROM segment_steps t WHERE t.segment_id = $1 \
         UNION ALL \
         SELECT 1, k.added_by_step, '', NULL, 0, 0, 0, 0, 0, '', NULL, \
                NULLIF(k.removed_by_step, 0), k.lines \
         FROM segment_line_counts k WHERE k.segment_id = $1 AND k.lines <> 0 AND $2 \
         ORDER BY part, seq",
    )
    .bind::<BigInt, _>(segment_id)
    .bind::<Bool, _>(history)
    .load(conn)?;
    let mut steps = Vec::new();
    let mut lines = Vec::new();
    for r in rows {
        if r.part == 0 {
            // Both are NOT NULL in a step's row (NULL only in the lines' part).
            steps.push(Step {
                seq: r.seq,
                kind: r.kind,
                criteria: r.criteria.unwrap_or_default(),
                added: r.added,
                removed: r.removed,
                skipped_excluded: r.skipped_excluded,
                skipped_blocked: r.skipped_blocked,
                skipped_existing: r.skipped_existing,
                user_name: r.user_name,
                created_at: r.created_at.unwrap_or_default(),
            });
        } else {
            lines.push(LineHistory {
                added: r.seq,
                removed: r.removed_by,
                lines: r.lines,
            });
        }
    }
    Ok((steps, lines))
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

/// A step of the ledger, for the segment page (read by [`load_with_history`]).
#[derive(Clone, Debug)]
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

impl Step {
    /// When the step was recorded, in microseconds: with its number, which names a step
    /// again after a Go Back, what tells it from another step of that number.
    pub fn stamp(&self) -> i64 {
        self.created_at.timestamp_micros()
    }
}

/// The segment's last step, as its number and [`Step::stamp`]; `None` without steps.
pub fn last_step(conn: &mut PgConnection, segment_id: i64) -> QueryResult<Option<(i32, i64)>> {
    use crate::db::schema::segment_steps as t;
    let last: Option<(i32, chrono::DateTime<chrono::Utc>)> = t::table
        .filter(t::segment_id.eq(segment_id))
        .order(t::seq.desc())
        .select((t::seq, t::created_at))
        .first(conn)
        .optional()?;
    Ok(last.map(|(seq, at)| (seq, at.timestamp_micros())))
}

/// The segment's ledger, its steps in order.
pub fn load(conn: &mut PgConnection, segment_id: i64) -> QueryResult<Vec<Step>> {
    Ok(load_with_history(conn, segment_id, false)?.0)
}

fn n(count: i64) -> String {
    crate::web::pagination::thousands(count)
}

pub(crate) fn contacts(count: i64) -> String {
    format!("{} contact{}", n(count), if count == 1 { "" } else { "s" })
}

/// Lines, not contacts: a contact on two lines (added again by a step that allowed contacts
/// already there) is two lines a Reduce removes.
pub(crate) fn lines(count: i64) -> String {
    format!("{} line{}", n(count), if count == 1 { "" } else { "s" })
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
        let skipped = Outcome {
            added: self.added,
            removed: self.removed,
            skipped_excluded: self.skipped_excluded,
            skipped_blocked: self.skipped_blocked,
            skipped_existing: self.skipped_existing,
        }
        .skipped_words();
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
                lines(self.removed),
                c.describe()
            ),
            StepKind::Refine => format!(
                "Kept only contacts matching {}{with}: removed {}.",
                c.describe(),
                lines(self.removed)
            ),
            StepKind::ManualAdd => format!("Added {} by hand{with}{tail}", step.subject),
            StepKind::ManualRemove => format!("Removed {} by hand.", step.subject),
            StepKind::ReuseSegment => format!(
                "Added {} from segment {}{with}{tail}",
                contacts(self.added),
                step.subject
            ),
            StepKind::Refresh => format!(
                "Refreshed against today's data: {} joined, {} removed.",
                contacts(self.added),
                lines(self.removed)
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
        crate::web::filters::local_datetime_text(self.created_at)
    }

    /// Whether Save Criteria keeps this step (filter steps only, by their stored kind).
    pub fn is_filter_step(&self) -> bool {
        StepKind::parse(&self.kind).is_some_and(StepKind::is_filter)
    }
}
