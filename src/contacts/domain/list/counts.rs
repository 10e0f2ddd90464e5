//! The contact list's counts: exact, or the planner's estimate when counting takes longer than
//! the page's budget, and the counts that took a while kept for a little while.

use diesel::prelude::*;
use diesel::sql_types::Text;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::page::{bind_all, N};
use super::query::{ListQuery, Size};

/// How many contacts the list holds: counted, or estimated ("about") when counting takes
/// longer than the page's budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Total {
    Exact(i64),
    About(i64),
}

impl Total {
    pub fn n(self) -> i64 {
        match self {
            Total::Exact(n) | Total::About(n) => n,
        }
    }
}

/// Counts of the list that took a while, kept per instance for a little while
/// ([`KeptCounts::new`]'s `keep`) by the list's conditions: a big list viewed again meanwhile
/// shows the kept count as "about" instead of counting a million rows again. Small lists
/// count fast and are counted on every view.
pub struct KeptCounts {
    keep: Duration,
    slow: Duration,
    /// A filtered list whose kept count is at least this is read as [`Form::Dense`].
    dense: i64,
    /// A filtered list counted at no more than this is read as [`Size::Few`].
    few: i64,
    counts: Mutex<HashMap<String, Kept>>,
}

/// A count kept, by the list's key.
struct Kept {
    at: Instant,
    /// `None`: it did not finish within the page's budget.
    n: Option<i64>,
}

impl KeptCounts {
    /// At most this many lists' counts are kept; past it the expired ones go, or all.
    const MOST: usize = 1000;

    /// `dense` and `few`: see [`KeptCounts::size`].
    pub fn new(keep: Duration, slow: Duration, dense: i64, few: i64) -> Self {
        KeptCounts {
            keep,
            slow,
            dense,
            few,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// What is known of how many contacts a filtered list holds: from its count kept, or
    /// (for few) this view's exact count (`counted`).
    ///
    /// Many: its count is kept and at least `dense` (10,000 unless tests lower it). Its page
    /// is then read in its order ([`Form::Dense`]): a list of 10,000 in the 3,000,000
    /// contacts Rapport is measured with reads some 15,000 index entries for a page. A count
    /// that ran out of time is kept as the planner's estimate, which can be far out (filters
    /// that rarely meet, taken as independent); the planner, planning the page for that
    /// estimate, would read the list in its order all the same.
    ///
    /// Few: counted at no more than `few` (300 unless tests change it), [`Size::Few`].
    pub fn size(&self, query: &ListQuery, counted: Option<Total>) -> Size {
        if !query.is_filtered() {
            return Size::Unknown;
        }
        let kept = self.peek(&total_key(query)).flatten();
        if kept.is_some_and(|n| n >= self.dense) {
            return Size::Many;
        }
        let n = match counted {
            Some(Total::Exact(n)) => Some(n),
            _ => kept,
        };
        if n.is_some_and(|n| n <= self.few) {
            Size::Few
        } else {
            Size::Unknown
        }
    }

    /// The kept count, while it is kept. When it has just run out, the first view to ask
    /// counts again (it gets `None`), and the views meanwhile go on with the count kept until
    /// that one is done: when a big list's count ran out under load, every view counted a
    /// million rows at once and the whole office waited a second.
    pub(super) fn get(&self, key: &str) -> Option<Option<i64>> {
        self.get_at(key, Instant::now())
    }

    pub(super) fn get_at(&self, key: &str, now: Instant) -> Option<Option<i64>> {
        let mut counts = self.counts.lock().ok()?;
        let kept = counts.get_mut(key)?;
        if now.saturating_duration_since(kept.at) < self.keep {
            return Some(kept.n);
        }
        kept.at = now;
        None
    }

    /// The kept count, while it is kept, without counting again when it has run out.
    pub(super) fn peek(&self, key: &str) -> Option<Option<i64>> {
        let counts = self.counts.lock().ok()?;
        counts
            .get(key)
            .filter(|k| k.at.elapsed() < self.keep)
            .map(|k| k.n)
    }

    /// Keeps `n` when counting it took `took` or longer (and counts are kept at all); `None`
    /// keeps that it could not be counted in time, so that the list does not try again
    /// meanwhile (under load, every view would spend its whole budget to learn that again).
    /// A count that was quick this time is no longer kept: the next view counts.
    pub(super) fn offer(&self, key: String, n: Option<i64>, took: Duration) {
        self.offer_at(key, n, took, Instant::now())
    }

    pub(super) fn offer_at(&self, key: String, n: Option<i64>, took: Duration, now: Instant) {
        if self.keep.is_zero() {
            return;
        }
        if let Ok(mut counts) = self.counts.lock() {
            if took < self.slow {
                counts.remove(&key);
                return;
            }
            if counts.len() >= Self::MOST {
                let keep = self.keep;
                counts.retain(|_, k| now.saturating_duration_since(k.at) < keep);
                if counts.len() >= Self::MOST {
                    counts.clear();
                }
            }
            counts.insert(key, Kept { at: now, n });
        }
    }
}

/// The total of the list as kept, when a count of it is ([`KeptCounts`]): "about" so many.
/// A count that has run out is not claimed here: [`total`] counts it again.
pub fn kept_total(query: &ListQuery, kept: &KeptCounts) -> Option<Total> {
    kept.peek(&total_key(query)).flatten().map(Total::About)
}

pub(super) fn total_key(query: &ListQuery) -> String {
    let (clause, values) = query.conditions();
    format!("{clause}\u{1f}{}", values.join("\u{1f}"))
}

pub fn total(
    conn: &mut PgConnection,
    query: &ListQuery,
    budget: Duration,
    kept: &KeptCounts,
) -> QueryResult<Total> {
    let (clause, values) = query.conditions();
    let key = total_key(query);
    match kept.get(&key) {
        Some(Some(n)) => return Ok(Total::About(n)),
        Some(None) => return Ok(Total::About(estimate(conn, query)?)),
        None => {}
    }
    let started = Instant::now();
    let n = counted(conn, budget, |conn| {
        let sql = format!("SELECT count(*) AS n FROM contacts c WHERE {clause}");
        Ok(bind_all(sql, values).get_result::<N>(conn)?.n)
    })?;
    let took = started.elapsed();
    // A list not counted in time keeps the planner's estimate in its count's place: the
    // office's next views meanwhile neither try to count again nor ask for the estimate
    // again (an EXPLAIN planned for the filters' values: 0.5 ms on every view of a big
    // filtered list), and their first page is one statement.
    let total = match n {
        Some(n) => Total::Exact(n),
        None => Total::About(estimate(conn, query)?),
    };
    kept.offer(key, Some(total.n()), took);
    Ok(total)
}

/// `count` run with a statement timeout of `budget` (inside a savepoint, so that a timeout
/// leaves the transaction usable): `None` when it took longer, or the budget is zero.
pub(super) fn counted(
    conn: &mut PgConnection,
    budget: Duration,
    count: impl FnOnce(&mut PgConnection) -> QueryResult<i64>,
) -> QueryResult<Option<i64>> {
    if budget.is_zero() {
        return Ok(None);
    }
    let ms = budget.as_millis().max(1);
    let result = conn.transaction(|conn| {
        diesel::sql_query(format!("SET LOCAL statement_timeout = {ms}")).execute(conn)?;
        let n = count(conn)?;
        diesel::sql_query("SET LOCAL statement_timeout = 0").execute(conn)?;
        Ok(n)
    });
    match result {
        Ok(n) => Ok(Some(n)),
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("statement timeout") =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The planner's estimate of the rows the list matches (from the table's statistics).
fn estimate(conn: &mut PgConnection, query: &ListQuery) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Plan {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }
    let (clause, values) = query.conditions();
    let sql = format!("EXPLAIN SELECT 1 FROM contacts c WHERE {clause}");
    let plan: Vec<Plan> = bind_all(sql, values).load(conn)?;
    Ok(plan.first().map_or(0, |p| plan_rows(&p.line)))
}

/// `rows=N` of a plan's top line.
fn plan_rows(line: &str) -> i64 {
    line.split_once(" rows=")
        .and_then(|(_, rest)| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_tells_its_estimate() {
        assert_eq!(
            plan_rows("Seq Scan on contacts c  (cost=0.00..21.50 rows=1150 width=4)"),
            1150
        );
        assert_eq!(plan_rows("nonsense"), 0);
    }

    #[test]
    fn slow_counts_and_counts_that_ran_out_of_time_are_kept_a_while() {
        use std::time::Duration;
        let kept =
            super::KeptCounts::new(Duration::from_secs(3600), Duration::from_millis(20), 10, 0);
        kept.offer("fast".into(), Some(3), Duration::from_millis(1));
        kept.offer("slow".into(), Some(1_000_000), Duration::from_millis(90));
        kept.offer("too slow".into(), None, Duration::from_millis(300));
        assert_eq!(kept.get("fast"), None, "a fast count is counted again");
        assert_eq!(kept.get("slow"), Some(Some(1_000_000)));
        assert_eq!(kept.get("too slow"), Some(None));
        let never = super::KeptCounts::new(Duration::ZERO, Duration::ZERO, 10, 0);
        never.offer("slow".into(), Some(7), Duration::from_secs(1));
        assert_eq!(never.get("slow"), None, "keeping nothing keeps nothing");
    }

    #[test]
    fn a_filtered_lists_size_is_known_from_its_kept_count_or_this_views() {
        use super::{KeptCounts, ListQuery, Size, Total};
        use std::time::Duration;
        let kept = KeptCounts::new(Duration::from_secs(3600), Duration::ZERO, 1000, 100);
        let query = |country: &str| {
            ListQuery {
                country: country.into(),
                ..Default::default()
            }
            .normalised()
        };
        let (dk, se, no, fi) = (query("DK"), query("SE"), query("NO"), query("FI"));
        kept.offer(super::total_key(&dk), Some(5000), Duration::from_millis(90));
        kept.offer(super::total_key(&se), Some(40), Duration::from_millis(90));
        kept.offer(super::total_key(&no), Some(500), Duration::from_millis(90));
        assert_eq!(kept.size(&dk, None), Size::Many);
        assert_eq!(kept.size(&dk, Some(Total::Exact(12))), Size::Many);
        assert_eq!(kept.size(&se, None), Size::Few);
        assert_eq!(kept.size(&no, None), Size::Unknown);
        assert_eq!(kept.size(&no, Some(Total::Exact(100))), Size::Few);
        assert_eq!(kept.size(&fi, None), Size::Unknown, "nothing known");
        assert_eq!(kept.size(&fi, Some(Total::Exact(0))), Size::Few);
        assert_eq!(kept.size(&fi, Some(Total::Exact(101))), Size::Unknown);
        assert_eq!(
            kept.size(&fi, Some(Total::About(3))),
            Size::Unknown,
            "an estimate says nothing of few"
        );
        let all = ListQuery::default().normalised();
        assert_eq!(kept.size(&all, Some(Total::Exact(3))), Size::Unknown);
    }

    #[test]
    fn a_count_that_ran_out_is_counted_again_by_one_view_while_the_others_show_it() {
        use std::time::{Duration, Instant};
        let keep = Duration::from_secs(30);
        let kept = super::KeptCounts::new(keep, Duration::from_millis(20), 10, 0);
        let counted = Instant::now();
        let slow = Duration::from_millis(400);
        kept.offer_at("list".into(), Some(1_000_000), slow, counted);
        kept.offer_at("unfinished".into(), None, slow, counted);
        let later = counted + keep + Duration::from_secs(1);
        assert_eq!(
            kept.get_at("list", later),
            None,
            "the first view counts again"
        );
        for _ in 0..3 {
            assert_eq!(
                kept.get_at("list", later + Duration::from_millis(100)),
                Some(Some(1_000_000)),
                "the views meanwhile show the count kept"
            );
        }
        assert_eq!(kept.get_at("unfinished", later), None);
        assert_eq!(kept.get_at("unfinished", later), Some(None));
        kept.offer_at("list".into(), Some(1_000_042), slow, later + slow);
        assert_eq!(kept.get_at("list", later + slow), Some(Some(1_000_042)));
        // Counted again, and quick this time: the next view counts.
        let much_later = later + slow + keep + Duration::from_secs(1);
        assert_eq!(kept.get_at("list", much_later), None);
        kept.offer_at(
            "list".into(),
            Some(12),
            Duration::from_millis(1),
            much_later,
        );
        assert_eq!(kept.get_at("list", much_later), None);
        assert_eq!(kept.get_at("list", much_later), None);
    }
}
