//! A campaign's figures on its card, kept (see docs/architecture.md, Campaign figures).
//!
//! The figures are four exact distinct counts and two sums over the campaign's non-canceled
//! interaction entries: seconds for a campaign of two million entries. They are kept in
//! `campaign_figures` with the version of the campaign's entries they were computed at
//! (`campaigns.entries_version`, bumped once by every statement that writes or changes the
//! campaign's entries: the entries' statement-level triggers, migration
//! 2026-12-03-00031_campaign_figures). The card shows the kept figures when their version is
//! the current one; otherwise it counts them, in one statement that also reads the version
//! (one snapshot), and keeps them unless figures of a newer version were kept meanwhile. After
//! a write commits, the pages that wrote ask for them to be computed in the background
//! ([`refresh`]), so the next view finds them ready. One count of a campaign at a time, across
//! instances (an advisory lock): a view that comes while another request counts waits a
//! moment for it, then shows the figures counted last, saying that they are being counted
//! again and since when they stand. Plain functions over `&mut PgConnection`.

use std::time::Duration;

use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Numeric, Text, Timestamptz};

use crate::db::schema::{campaign_figures as f, campaigns as c};

/// The advisory lock class of counting a campaign's figures (the second key is its id).
const LOCK_CLASS: i32 = 0x4649_4753; // "FIGS"

/// A campaign's figures, from its interaction entries that are not canceled.
#[derive(Clone, Debug, Default, QueryableByName, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::campaign_figures)]
pub struct Figures {
    /// Interaction entries.
    #[diesel(sql_type = BigInt)]
    pub interactions: i64,
    /// Contacts with at least one entry.
    #[diesel(sql_type = BigInt)]
    pub contacts: i64,
    /// Companies reached: the companies of those contacts (a company contact counts itself).
    #[diesel(sql_type = BigInt)]
    pub companies: i64,
    /// Contacts with an entry marked Campaign Target.
    #[diesel(sql_type = BigInt)]
    pub targets: i64,
    /// Contacts with an entry marked Campaign Response.
    #[diesel(sql_type = BigInt)]
    pub responses: i64,
    /// Of those, the contacts with an entry marked Campaign Target too.
    #[diesel(sql_type = BigInt)]
    pub targeted_responses: i64,
    #[diesel(sql_type = Numeric)]
    pub cost: BigDecimal,
    #[diesel(sql_type = BigInt)]
    pub duration_min: i64,
}

impl Figures {
    /// Targeted contacts that responded, per targeted contact, in percent with one decimal
    /// (a response from a contact never targeted is a response, not part of the rate, which
    /// could pass 100 %); `None` without targets.
    pub fn response_rate(&self) -> Option<String> {
        (self.targets > 0).then(|| {
            let tenths = (self.targeted_responses * 1000 + self.targets / 2) / self.targets;
            let mark = if crate::web::locale::current() == crate::config::Locale::DaDk {
                ','
            } else {
                '.'
            };
            format!("{}{mark}{} %", tenths / 10, tenths % 10)
        })
    }

    pub fn cost_text(&self) -> String {
        super::domain::money(&self.cost)
    }
}

/// A campaign's (`campaigns`) kept figures (`campaign_figures`) when they are of its entries'
/// current version: the join of [`find_with_kept`] and [`kept`].
type CurrentFigures = diesel::dsl::And<
    diesel::dsl::Eq<f::campaign_id, c::id>,
    diesel::dsl::Eq<f::entries_version, c::entries_version>,
>;

fn current_figures() -> CurrentFigures {
    f::campaign_id
        .eq(c::id)
        .and(f::entries_version.eq(c::entries_version))
}

/// Campaign `no` with its kept figures, if they are of its entries' current version: one
/// statement, for its card.
pub fn find_with_kept(
    conn: &mut PgConnection,
    no: &str,
) -> QueryResult<Option<(super::domain::Campaign, Option<Figures>)>> {
    c::table
        .left_join(f::table.on(current_figures()))
        .filter(c::no.eq(no.trim().to_uppercase()))
        .select((
            super::domain::Campaign::as_select(),
            Option::<Figures>::as_select(),
        ))
        .first(conn)
        .optional()
}

/// The kept figures of campaign `id`, if they are of its entries' current version.
pub fn kept(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Figures>> {
    c::table
        .inner_join(f::table.on(current_figures()))
        .filter(c::id.eq(id))
        .select(Figures::as_select())
        .first(conn)
        .optional()
}

/// The figures counted, with the version of the entries they were counted at.
#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    entries_version: i64,
    #[diesel(embed)]
    figures: Figures,
}

/// Computes the figures of campaign `id` (No. `no`) from its entries, with the version of the
/// entries read by the same statement (so in the same snapshot), and keeps them with that
/// version unless figures of a newer version were kept meanwhile. The entries are found by the
/// index on (campaign, date, id); each contact and company counts once however many entries it
/// has, and is reached, or responds, by an entry whose attempt did not fail. (Counting and keeping are two statements so that the count may use a parallel plan,
/// which a statement that writes may not.)
pub fn compute(conn: &mut PgConnection, id: i64, no: &str) -> QueryResult<Figures> {
    let counted: Option<Counted> = diesel::sql_query(
        "SELECT c.entries_version, f.* FROM campaigns c, \
           (SELECT count(*) AS interactions, \
              count(DISTINCT e.contact_id) FILTER (WHERE NOT e.attempt_failed) AS contacts, \
              count(DISTINCT e.company_id) FILTER (WHERE NOT e.attempt_failed) AS companies, \
              count(DISTINCT e.contact_id) FILTER (WHERE e.campaign_target) AS targets, \
              count(DISTINCT e.contact_id) FILTER (WHERE e.campaign_response \
                AND NOT e.attempt_failed) AS responses, \
              count(DISTINCT e.contact_id) FILTER (WHERE e.campaign_response \
                AND NOT e.attempt_failed AND EXISTS \
                (SELECT 1 FROM interaction_log_entries t WHERE t.contact_id = e.contact_id \
                   AND t.campaign_no = $2 AND t.campaign_target AND NOT t.canceled)) \
                AS targeted_responses, \
              COALESCE(sum(e.cost), 0) AS cost, COALESCE(sum(e.duration_min), 0)::bigint AS duration_min \
            FROM interaction_log_entries e WHERE e.campaign_no = $2 AND NOT e.canceled) f \
         WHERE c.id = $1 AND c.no = $2",
    )
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(no)
    .get_result(conn)
    .optional()?;
    // Renamed since it was read: nothing of it under this No.
    let Some(Counted {
        entries_version,
        figures,
    }) = counted
    else {
        return Ok(Figures::default());
    };
    diesel::sql_query(
        "INSERT INTO campaign_figures AS k (campaign_id, entries_version, interactions, contacts, \
           companies, targets, responses, cost, duration_min, targeted_responses) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (campaign_id) DO UPDATE SET entries_version = EXCLUDED.entries_version, \
           interactions = EXCLUDED.interactions, contacts = EXCLUDED.contacts, \
           companies = EXCLUDED.companies, targets = EXCLUDED.targets, \
           responses = EXCLUDED.responses, targeted_responses = EXCLUDED.targeted_responses, \
           cost = EXCLUDED.cost, \
           duration_min = EXCLUDED.duration_min, computed_at = now() \
         WHERE k.entries_version < EXCLUDED.entries_version",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(entries_version)
    .bind::<BigInt, _>(figures.interactions)
    .bind::<BigInt, _>(figures.contacts)
    .bind::<BigInt, _>(figures.companies)
    .bind::<BigInt, _>(figures.targets)
    .bind::<BigInt, _>(figures.responses)
    .bind::<Numeric, _>(&figures.cost)
    .bind::<BigInt, _>(figures.duration_min)
    .bind::<BigInt, _>(figures.targeted_responses)
    .execute(conn)?;
    Ok(figures)
}

/// What a campaign's card shows.
#[derive(Clone, Debug, Default)]
pub struct Shown {
    pub figures: Figures,
    /// When the figures shown were counted, if the entries changed since and another request
    /// is counting them again at this moment (the count a write asked for): the card says so.
    pub recounting_since: Option<DateTime<Utc>>,
}

/// The figures of campaign `id` (No. `no`) for its card: the kept ones when they are current
/// (`kept_now`, as [`find_with_kept`] read them with the campaign), else counted now (and
/// kept). When another request is counting them, it waits up to `wait` for that count; if the
/// count is still running then, the figures counted last are shown, marked
/// ([`Shown::recounting_since`]).
pub fn shown(
    conn: &mut PgConnection,
    id: i64,
    no: &str,
    kept_now: Option<Figures>,
    wait: Duration,
) -> QueryResult<Shown> {
    let current = |figures| Shown {
        figures,
        recounting_since: None,
    };
    if let Some(figures) = kept_now {
        return Ok(current(figures));
    }
    conn.transaction(|conn| {
        if !lock(conn, id, Some(wait))? {
            if let Some((figures, at)) = last_kept(conn, id)? {
                return Ok(Shown {
                    figures,
                    recounting_since: Some(at),
                });
            }
            // Nothing counted yet to show meanwhile: wait for that count.
            lock(conn, id, None)?;
        }
        // The count that held the lock has kept them, unless the entries changed again.
        match kept(conn, id)? {
            Some(figures) => Ok(current(figures)),
            None => Ok(current(compute(conn, id, no)?)),
        }
    })
}

/// Takes the lock of counting campaign `id` for the transaction, waiting for another request
/// that holds it up to `wait` (`None`: as long as it takes). Whether it was taken. The wait is
/// bounded by a lock timeout inside a savepoint, so that running out leaves the transaction
/// usable.
fn lock(conn: &mut PgConnection, id: i64, wait: Option<Duration>) -> QueryResult<bool> {
    let take = |conn: &mut PgConnection| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1, ($2 % 2147483647)::int)")
            .bind::<Integer, _>(LOCK_CLASS)
            .bind::<BigInt, _>(id)
            .execute(conn)
    };
    let Some(wait) = wait else {
        take(conn)?;
        return Ok(true);
    };
    // A lock timeout of 0 would mean none: 1 ms is as good as not waiting.
    let ms = wait.as_millis().max(1);
    let taken = conn.transaction(|conn| {
        diesel::sql_query(format!("SET LOCAL lock_timeout = {ms}")).execute(conn)?;
        take(conn)?;
        diesel::sql_query("SET LOCAL lock_timeout = 0").execute(conn)
    });
    match taken {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("lock timeout") =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// The figures kept last for campaign `id`, whatever version of its entries they are of, with
/// when they were counted.
/// The figures counted last, shown as being counted again (the card's answer while every
/// long-work connection is busy), if any were ever counted.
pub fn counted_before(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Shown>> {
    Ok(last_kept(conn, id)?.map(|(figures, at)| Shown {
        figures,
        recounting_since: Some(at),
    }))
}

fn last_kept(conn: &mut PgConnection, id: i64) -> QueryResult<Option<(Figures, DateTime<Utc>)>> {
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = Timestamptz)]
        computed_at: DateTime<Utc>,
        #[diesel(embed)]
        figures: Figures,
    }
    let last: Option<Last> = crate::db::prepared(
        "SELECT computed_at, interactions, contacts, companies, targets, responses, \
           targeted_responses, cost, duration_min \
         FROM campaign_figures WHERE campaign_id = $1",
    )
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .optional()?;
    Ok(last.map(|l| (l.figures, l.computed_at)))
}

/// After the campaign's entries changed: its figures counted and kept unless the kept ones
/// are current already (a view came first) or another request is counting them. Nothing when
/// there is no such campaign.
pub fn refresh(conn: &mut PgConnection, no: &str) -> QueryResult<()> {
    if let Some((campaign, kept_now)) = find_with_kept(conn, no)? {
        shown(conn, campaign.id, &campaign.no, kept_now, Duration::ZERO)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_rate_is_targeted_responses_per_target() {
        let f = |targets, targeted_responses| Figures {
            targets,
            responses: targeted_responses + 5,
            targeted_responses,
            ..Default::default()
        };
        assert_eq!(f(0, 0).response_rate(), None);
        assert_eq!(f(3, 1).response_rate().as_deref(), Some("33.3 %"));
        assert_eq!(f(3, 2).response_rate().as_deref(), Some("66.7 %"));
        assert_eq!(f(4, 4).response_rate().as_deref(), Some("100.0 %"));
    }
}
