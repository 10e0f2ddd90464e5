//! Pipeline figures: open opportunities by stage (count, estimated value, calculated current
//! value), won and lost in a period with their values and the win rate, by salesperson and by
//! campaign. One statement reads the figures the database keeps per group of opportunities
//! (cycle, stage, salesperson, campaign, status, date closed); the rollups are plain Rust over
//! those groups.

use std::sync::{Arc, LazyLock};

use bigdecimal::{BigDecimal, ToPrimitive};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Numeric, Text};

use crate::setup::{kept, Keeper};

use super::record::money;

/// One group of opportunities: same cycle, stage, salesperson, campaign and status, and
/// whether it was closed within the period.
#[derive(Clone, Debug, QueryableByName)]
pub struct Group {
    #[diesel(sql_type = Text)]
    pub sales_cycle_code: String,
    #[diesel(sql_type = Nullable<Integer>)]
    pub stage: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub stage_description: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub salesperson_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub campaign_no: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Bool)]
    pub in_period: bool,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = Numeric)]
    pub estimated: BigDecimal,
    #[diesel(sql_type = Numeric)]
    pub current: BigDecimal,
}

impl Group {
    fn is_open(&self) -> bool {
        self.status == "not_started" || self.status == "in_progress"
    }
}

/// A line of a figures table.
#[derive(Clone, Debug, Default)]
pub struct Line {
    pub label: String,
    pub open: i64,
    pub estimated: BigDecimal,
    pub current: BigDecimal,
    pub won: i64,
    pub won_value: BigDecimal,
    pub lost: i64,
    pub lost_value: BigDecimal,
}

impl Line {
    fn add(&mut self, g: &Group) {
        if g.is_open() {
            self.open += g.n;
            self.estimated += &g.estimated;
            self.current += &g.current;
        } else if g.in_period && g.status == "won" {
            self.won += g.n;
            self.won_value += &g.estimated;
        } else if g.in_period && g.status == "lost" {
            self.lost += g.n;
            self.lost_value += &g.estimated;
        }
    }

    pub fn estimated_text(&self) -> String {
        money(&self.estimated)
    }

    pub fn current_text(&self) -> String {
        money(&self.current)
    }

    pub fn won_text(&self) -> String {
        money(&self.won_value)
    }

    pub fn lost_text(&self) -> String {
        money(&self.lost_value)
    }

    /// Won out of closed in the period, e.g. "40 %"; "–" when none closed.
    pub fn win_rate(&self) -> String {
        match self.won + self.lost {
            0 => "–".into(),
            closed => format!("{} %", (self.won * 100 + closed / 2) / closed),
        }
    }

    /// The width of this line's bar, in percent of the largest current value of its table.
    pub fn bar(&self, largest: &BigDecimal) -> i64 {
        // A bar's width in whole percent needs no exact decimals: a `BigDecimal` division
        // works to a hundred digits.
        let (current, largest) = (
            self.current.to_f64().unwrap_or(0.0),
            largest.to_f64().unwrap_or(0.0),
        );
        if largest <= 0.0 {
            return 0;
        }
        (current * 100.0 / largest).round().clamp(0.0, 100.0) as i64
    }
}

/// The figures of the pipeline, over every opportunity or one campaign's.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub total: Line,
    pub by_stage: Vec<Line>,
    pub by_salesperson: Vec<Line>,
    pub by_campaign: Vec<Line>,
}

impl Figures {
    pub fn largest_stage(&self) -> BigDecimal {
        self.by_stage
            .iter()
            .map(|l| l.current.clone())
            .max()
            .unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.total.open == 0 && self.total.won == 0 && self.total.lost == 0
    }
}

/// The groups rolled up into one line per label, in the order of `key`'s first part, then of
/// the label.
fn rollup<K: Ord>(
    groups: &[Group],
    key: impl Fn(&Group) -> (K, String),
    only_open: bool,
) -> Vec<Line> {
    let mut lines: Vec<(K, Line)> = Vec::new();
    for g in groups {
        if only_open && !g.is_open() {
            continue;
        }
        let (order, label) = key(g);
        match lines.iter_mut().find(|(_, l)| l.label == label) {
            Some((_, line)) => line.add(g),
            None => {
                let mut line = Line {
                    label,
                    ..Default::default()
                };
                line.add(g);
                lines.push((order, line));
            }
        }
    }
    lines.sort_by(|(a, la), (b, lb)| a.cmp(b).then_with(|| la.label.cmp(&lb.label)));
    lines.into_iter().map(|(_, l)| l).collect()
}

/// Rolls the groups up into the figures' tables.
pub fn figures_of(groups: &[Group], from: Option<NaiveDate>, to: Option<NaiveDate>) -> Figures {
    let mut total = Line {
        label: "All".into(),
        ..Default::default()
    };
    for g in groups {
        total.add(g);
    }
    // A cycle's stages in their order (not started first, stage 10 after stage 9), not in the
    // order of their labels' text.
    let by_stage = rollup(
        groups,
        |g| {
            let label = match (g.stage, &g.stage_description) {
                (Some(n), Some(d)) => format!("{} {n} – {d}", g.sales_cycle_code),
                (Some(n), None) => format!("{} {n}", g.sales_cycle_code),
                _ => format!("{} not started", g.sales_cycle_code),
            };
            ((g.sales_cycle_code.clone(), g.stage.unwrap_or(0)), label)
        },
        true,
    );
    let none = |v: &Option<String>, empty: &str| v.clone().unwrap_or_else(|| empty.to_string());
    let mut by_salesperson = rollup(groups, |g| ((), none(&g.salesperson_code, "(none)")), false);
    let mut by_campaign = rollup(groups, |g| ((), none(&g.campaign_no, "(none)")), false);
    let active = |l: &Line| l.open + l.won + l.lost > 0;
    by_salesperson.retain(active);
    by_campaign.retain(active);
    Figures {
        from,
        to,
        total,
        by_stage,
        by_salesperson,
        by_campaign,
    }
}

/// The groups this instance keeps, by database, then by campaign and period, with the version
/// they were read at.
static KEPT_GROUPS: Keeper<Arc<[Group]>> = LazyLock::new(Default::default);

/// The groups over the figures the database keeps per group of opportunities
/// (`opportunity_figures`, kept by triggers on `opportunities`): closed opportunities count in
/// the period `from`..=`to` (either end open), open ones whatever their dates. Kept by this
/// instance with the version of what instances keep, which every statement that writes
/// opportunities or a sales cycle's stages moves (migration `2026-12-13-00001_pipeline_kept`):
/// a signed-in view whose session statement read the version they were kept at needs no
/// statement for them; otherwise the version is read, and the groups only when it moved
/// (1.0 ms for 200,000 opportunities closed over a year, against 15 µs).
pub fn groups(
    conn: &mut PgConnection,
    campaign: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> QueryResult<Arc<[Group]>> {
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let key = format!(
        "{}\u{1f}{}\u{1f}{}",
        campaign.unwrap_or(""),
        day(from),
        day(to)
    );
    kept(&KEPT_GROUPS, &key, |kept_version| {
        let version = version(conn)?;
        if !kept_version.is_empty() && version == kept_version {
            // The kept groups answer.
            return Ok((version, Arc::from([])));
        }
        Ok((version, read_groups(conn, campaign, from, to)?.into()))
    })
}

/// The version of what instances keep (`db::seen::VERSION`).
fn version(conn: &mut PgConnection) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    Ok(crate::db::prepared(format!(
        "SELECT COALESCE({}, '') AS version",
        crate::db::seen::VERSION
    ))
    .get_result::<Version>(conn)?
    .version)
}

/// The groups, in one statement: its cost follows the number of groups (a day's closed
/// opportunities of a group are a row), not of opportunities; kept prepared (its planning took
/// 0.3–0.7 ms, more than its run).
fn read_groups(
    conn: &mut PgConnection,
    campaign: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> QueryResult<Vec<Group>> {
    // The stages are named after the groups are summed: a lookup for each group, not for
    // each of the rows summed (a day's closed opportunities are a row; 890 rows in 26 groups
    // for 200,000 opportunities over a year: 1.2 → 0.97 ms).
    crate::db::prepared(
        "SELECT g.sales_cycle_code, NULLIF(g.stage, 0) AS stage, \
                st.description AS stage_description, \
                NULLIF(g.salesperson_code, '') AS salesperson_code, \
                NULLIF(g.campaign_no, '') AS campaign_no, g.status, g.in_period, \
                g.n, g.estimated, g.current \
         FROM (SELECT f.sales_cycle_code, f.stage, f.salesperson_code, f.campaign_no, f.status, \
                      (f.date_closed <> 'infinity' AND ($2::date IS NULL OR f.date_closed >= $2) \
                         AND ($3::date IS NULL OR f.date_closed <= $3)) AS in_period, \
                      sum(f.n)::bigint AS n, sum(f.estimated) AS estimated, \
                      sum(f.current) AS current \
               FROM opportunity_figures f \
               WHERE f.n <> 0 AND ($1::text IS NULL OR f.campaign_no = $1) \
               GROUP BY 1, 2, 3, 4, 5, 6) g \
         LEFT JOIN sales_cycle_stages st \
                ON st.sales_cycle_code = g.sales_cycle_code AND st.stage = g.stage",
    )
    .bind::<Nullable<Text>, _>(campaign)
    .bind::<Nullable<Date>, _>(from)
    .bind::<Nullable<Date>, _>(to)
    .load(conn)
}

pub fn figures(
    conn: &mut PgConnection,
    campaign: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> QueryResult<Figures> {
    Ok(figures_of(&groups(conn, campaign, from, to)?, from, to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn g(stage: Option<i32>, sp: &str, status: &str, in_period: bool, n: i64, est: &str) -> Group {
        let est = BigDecimal::from_str(est).unwrap();
        Group {
            sales_cycle_code: "NEW".into(),
            stage,
            stage_description: stage.map(|s| format!("S{s}")),
            salesperson_code: Some(sp.into()),
            campaign_no: None,
            status: status.into(),
            in_period,
            n,
            current: &est / BigDecimal::from(2),
            estimated: est,
        }
    }

    #[test]
    fn figures_roll_up_by_stage_salesperson_and_campaign() {
        let groups = [
            g(Some(1), "AB", "in_progress", false, 3, "300"),
            g(Some(2), "AB", "in_progress", false, 1, "1000"),
            g(None, "CD", "not_started", false, 2, "0"),
            g(Some(2), "CD", "won", true, 2, "500"),
            g(Some(1), "CD", "lost", true, 1, "100"),
            // Closed outside the period: not counted.
            g(Some(1), "AB", "won", false, 5, "9999"),
        ];
        let f = figures_of(&groups, None, None);
        assert_eq!(f.total.open, 6);
        assert_eq!(f.total.estimated, BigDecimal::from(1300));
        assert_eq!(f.total.won, 2);
        assert_eq!(f.total.lost, 1);
        assert_eq!(f.total.win_rate(), "67 %");
        let stages: Vec<_> = f.by_stage.iter().map(|l| (&l.label[..], l.open)).collect();
        assert_eq!(
            stages,
            [("NEW not started", 2), ("NEW 1 – S1", 3), ("NEW 2 – S2", 1)]
        );
        let cd = f.by_salesperson.iter().find(|l| l.label == "CD").unwrap();
        assert_eq!((cd.open, cd.won, cd.lost), (2, 2, 1));
        assert_eq!(cd.won_text(), "500.00");
        assert_eq!(f.by_campaign.len(), 1);
        assert_eq!(f.by_campaign[0].label, "(none)");
        let largest = f.largest_stage();
        assert_eq!(largest, BigDecimal::from(500));
        assert_eq!(f.by_stage[2].bar(&largest), 100);
        assert_eq!(f.by_stage[1].bar(&largest), 30);
        assert_eq!(Line::default().win_rate(), "–");
    }

    /// Stages are listed in the cycle's order: not started first, then by number, so stage 10
    /// comes after stage 9 (the labels' text would put "NEW 10" before "NEW 9" and "not
    /// started" last).
    #[test]
    fn stages_are_listed_in_the_cycles_order() {
        let groups = [
            g(Some(10), "AB", "in_progress", false, 1, "10"),
            g(Some(9), "AB", "in_progress", false, 1, "10"),
            g(None, "AB", "not_started", false, 1, "0"),
            g(Some(1), "AB", "in_progress", false, 1, "10"),
        ];
        let f = figures_of(&groups, None, None);
        let stages: Vec<_> = f.by_stage.iter().map(|l| &l.label[..]).collect();
        assert_eq!(
            stages,
            [
                "NEW not started",
                "NEW 1 – S1",
                "NEW 9 – S9",
                "NEW 10 – S10"
            ]
        );
    }
}
