//! What the contact card shows besides the contact's own fields: its company or persons, its
//! classifications, its profile answers, its interaction history and the segments it is on.

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Numeric, Text};
use serde::Deserialize;
use std::sync::Arc;

use super::model::{self, Contact};
pub use super::profile::ProfileQuestion;
use crate::setup::{self, CodeOption};

/// A many-to-many classification: form name, title, assignment table, code table, and which
/// contact types carry it (see docs/segments.md, Criteria sections).
#[derive(Clone, Copy, Debug)]
pub struct Classification {
    pub kind: &'static str,
    pub title: &'static str,
    pub table: &'static str,
    pub codes: &'static str,
    pub companies: bool,
    pub persons: bool,
}

pub const CLASSIFICATIONS: [Classification; 4] = [
    Classification {
        kind: "industry_group",
        title: "Industry groups",
        table: "contact_industry_groups",
        codes: "industry_groups",
        companies: true,
        persons: false,
    },
    Classification {
        kind: "business_relation",
        title: "Business relations",
        table: "contact_business_relations",
        codes: "business_relations",
        companies: true,
        persons: false,
    },
    Classification {
        kind: "mailing_group",
        title: "Mailing groups",
        table: "contact_mailing_groups",
        codes: "mailing_groups",
        companies: true,
        persons: true,
    },
    Classification {
        kind: "job_responsibility",
        title: "Job responsibilities",
        table: "contact_job_responsibilities",
        codes: "job_responsibilities",
        companies: false,
        persons: true,
    },
];

impl Classification {
    pub fn find(kind: &str) -> Option<Classification> {
        CLASSIFICATIONS.iter().copied().find(|c| c.kind == kind)
    }

    pub fn applies_to(&self, contact: &Contact) -> bool {
        self.carried_by(&contact.kind)
    }

    /// Whether contacts of this type (`company` or `person`) carry it.
    pub fn carried_by(&self, kind: &str) -> bool {
        if kind == "company" {
            self.companies
        } else {
            self.persons
        }
    }

    /// Assigns a code; true when it was new.
    pub fn add(&self, conn: &mut PgConnection, contact_id: i64, code: &str) -> QueryResult<bool> {
        crate::db::prepared(format!(
            "INSERT INTO {} (contact_id, code) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            self.table
        ))
        .bind::<BigInt, _>(contact_id)
        .bind::<Text, _>(code)
        .execute(conn)
        .map(|n| n == 1)
    }

    pub fn remove(
        &self,
        conn: &mut PgConnection,
        contact_id: i64,
        code: &str,
    ) -> QueryResult<bool> {
        crate::db::prepared(format!(
            "DELETE FROM {} WHERE contact_id = $1 AND code = $2",
            self.table
        ))
        .bind::<BigInt, _>(contact_id)
        .bind::<Text, _>(code)
        .execute(conn)
        .map(|n| n == 1)
    }
}

crate::db::columns::columns_in_order! {
    struct AssignedRow {
        /// The classification's place in [`CLASSIFICATIONS`].
        kind: i32 as Integer,
        owner: i64 as BigInt,
        code: String as Text,
        description: String as Text,
    }
}

/// The `kind` of [`assigned_all`]'s rows that are the contact's profile answers: `owner` is
/// the question, `code` the answer's id.
const PROFILE_ANSWERS: usize = CLASSIFICATIONS.len();

/// The codes assigned to a contact and to another (its company), of every classification,
/// with descriptions, and the contact's profile answers ([`PROFILE_ANSWERS`]): one statement
/// for the whole card.
fn assigned_all(
    conn: &mut PgConnection,
    contact_id: i64,
    other_id: i64,
) -> QueryResult<Vec<AssignedRow>> {
    let parts: Vec<String> = CLASSIFICATIONS
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "SELECT {i} AS kind, a.contact_id AS owner, a.code::text AS code, t.description \
                 FROM {} a JOIN {} t ON t.code = a.code WHERE a.contact_id IN ($1, $2)",
                c.table, c.codes
            )
        })
        .chain([format!(
            "SELECT {PROFILE_ANSWERS}, a.question_id, a.answer_id::text, '' \
             FROM contact_profile_answers a WHERE a.contact_id = $1"
        )])
        .collect();
    crate::db::prepared(format!("{} ORDER BY 1, 2, 3", parts.join(" UNION ALL ")))
        .bind::<BigInt, _>(contact_id)
        .bind::<BigInt, _>(other_id)
        .load(conn)
}

/// The codes of classification `kind` (its place in [`CLASSIFICATIONS`]) assigned to `owner`.
fn assigned_of(rows: &[AssignedRow], kind: usize, owner: i64) -> Vec<CodeOption> {
    rows.iter()
        .filter(|r| r.kind as usize == kind && r.owner == owner)
        .map(|r| CodeOption {
            code: r.code.as_str().into(),
            description: r.description.as_str().into(),
        })
        .collect()
}

/// One classification section of the card.
pub struct ClassificationView {
    pub kind: &'static str,
    pub title: &'static str,
    pub assigned: Vec<CodeOption>,
    /// Codes that can still be added.
    pub available: Vec<CodeOption>,
}

impl ClassificationView {
    /// The section's fragment id on the card, e.g. `industry-group`.
    pub fn anchor(&self) -> String {
        self.kind.replace('_', "-")
    }
}

/// The contact's codes with their names ("JO – Jo Sales"), from the kept lists of the code
/// tables ([`setup::options_of`]).
#[derive(Clone, Debug, Default)]
pub struct CodeNames {
    pub salesperson: Option<String>,
    pub territory: Option<String>,
    pub organizational_level: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
}

/// The code tables that name the contact's own codes on its card, in [`CodeNames`]' order.
const NAMED_BY: [&str; 5] = [
    "salespeople",
    "territories",
    "organizational_levels",
    "languages",
    "countries",
];

impl CodeNames {
    /// The contact's codes named from their tables' lists (in [`NAMED_BY`]'s order).
    fn of(contact: &Contact, lists: &[setup::CodeList]) -> CodeNames {
        let named = |code: &Option<String>, i: usize| {
            setup::named(code.as_deref(), lists.get(i).map_or(&[][..], |l| l))
        };
        CodeNames {
            salesperson: named(&contact.salesperson_code, 0),
            territory: named(&contact.territory_code, 1),
            organizational_level: named(&contact.organizational_level_code, 2),
            language: named(&contact.language_code, 3),
            country: named(&contact.country_code, 4),
        }
    }
}

/// Classifications a person reads through its company (industry groups, business
/// relations), shown on the person's card marked as the company's.
pub struct Inherited {
    pub title: &'static str,
    pub anchor: String,
    pub company_no: String,
    pub assigned: Vec<CodeOption>,
}

pub struct Card {
    pub contact: Contact,
    /// Its codes with their names.
    pub names: CodeNames,
    /// For a person of a company: what it inherits from the company.
    pub inherited: Vec<Inherited>,
    pub company: Option<(String, String)>,
    pub persons: Vec<Contact>,
    pub persons_total: i64,
    pub classifications: Vec<ClassificationView>,
    pub profile: Vec<ProfileQuestion>,
    /// The contact's own interactions, a page of them.
    pub history: History,
    /// The segments the contact is on, newest first (at most [`SEGMENTS_SHOWN`]).
    pub segments: Vec<CardSegment>,
    /// All the segments it is on.
    pub segments_total: i64,
    /// The newest draft segments, offered in "Why is it on a segment, or not?".
    pub why_segments: Vec<CardSegment>,
    /// Its sales opportunities (a company's: its persons' too), newest first.
    pub opportunities: Vec<CardOpportunity>,
}

impl Card {
    pub fn segments_total_text(&self) -> String {
        crate::web::pagination::thousands(self.segments_total)
    }
}

/// The card's position in the contact's interaction history, as in the URL.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CardQuery {
    /// The page of older entries after this one (`date:id`), or of newer ones before it.
    #[serde(default)]
    pub entries_after: String,
    #[serde(default)]
    pub entries_before: String,
    /// A segment No. the "why" form was sent with and could not explain (empty, or naming no
    /// segment): shown again in the form, with why.
    #[serde(default)]
    pub why: Option<String>,
}

/// Interactions on one page of the card.
pub const HISTORY_PAGE: i64 = 20;
/// Counts of a contact's interactions stop here ("more than 1,000").
pub const HISTORY_COUNT_CAP: i64 = 1_000;
/// Segments named on the card.
pub const SEGMENTS_SHOWN: i64 = 50;

crate::db::columns::columns_in_order! {
    /// One interaction on the card.
    #[derive(Clone, Debug)]
    pub struct HistoryEntry {
        pub id: i64 as BigInt,
        pub date: NaiveDate as Date,
        pub template_code: Option<String> as Nullable<Text>,
        pub description: String as Text,
        pub cost: BigDecimal as Numeric,
        pub salesperson_code: Option<String> as Nullable<Text>,
        pub evaluation: String as Text,
        pub campaign_no: Option<String> as Nullable<Text>,
        pub segment_no: String as Text,
        /// Whether its segment is still there (a canceled segment deleted since leaves its No.).
        pub segment_linked: bool as Bool,
        pub canceled: bool as Bool,
        /// The interaction did not take place (no answer, the letter came back).
        pub attempt_failed: bool as Bool,
    }
}

impl HistoryEntry {
    pub fn cost_text(&self) -> String {
        crate::web::filters::amount(&self.cost)
    }

    /// The evaluation in words (the codes are those of the interactions list).
    pub fn evaluation_label(&self) -> &'static str {
        match self.evaluation.as_str() {
            "very_positive" => "Very Positive",
            "positive" => "Positive",
            "neutral" => "Neutral",
            "negative" => "Negative",
            "very_negative" => "Very Negative",
            _ => "",
        }
    }

    fn key(&self) -> String {
        format!("{}:{}", self.date.format("%Y-%m-%d"), self.id)
    }
}

/// A page of the contact's interactions, newest first, read by keyset (date, id).
#[derive(Clone, Debug, Default)]
pub struct History {
    pub entries: Vec<HistoryEntry>,
    /// All the contact's interactions (capped at [`HISTORY_COUNT_CAP`] + 1).
    pub total: i64,
    /// The key of the first entry of the next, older page, if there is one.
    pub older: Option<String>,
    /// The key of the first entry of the page before, newer, if this is not the first.
    pub newer: Option<String>,
}

impl History {
    pub fn total_text(&self) -> String {
        if self.total > HISTORY_COUNT_CAP {
            format!(
                "more than {}",
                crate::web::pagination::thousands(HISTORY_COUNT_CAP)
            )
        } else {
            crate::web::pagination::thousands(self.total)
        }
    }
}

fn history_key(v: &str) -> Option<(NaiveDate, i64)> {
    let (d, id) = v.split_once(':')?;
    Some((crate::web::forms::iso_date(d)?, id.parse().ok()?))
}

/// A page of the contact's own interactions (a company's card shows the company's own; its
/// persons' are one link away), through the index on (contact_id, date, id).
pub fn history(
    conn: &mut PgConnection,
    contact_id: i64,
    query: &CardQuery,
) -> QueryResult<History> {
    const SELECT: &str = "SELECT e.id, e.date, e.template_code::text AS template_code, \
         e.description, e.cost, e.salesperson_code::text AS salesperson_code, e.evaluation, \
         e.campaign_no::text AS campaign_no, e.segment_no, \
         e.segment_id IS NOT NULL AS segment_linked, e.canceled, e.attempt_failed \
         FROM interaction_log_entries e WHERE e.contact_id = $1";
    // One more than a page tells whether there is a page beyond.
    let (mut entries, backwards): (Vec<HistoryEntry>, bool) = match (
        history_key(&query.entries_after),
        history_key(&query.entries_before),
    ) {
        (Some((d, id)), _) => (
            crate::db::prepared(format!(
                "{SELECT} AND (e.date, e.id) < ($2, $3) ORDER BY e.date DESC, e.id DESC LIMIT {}",
                HISTORY_PAGE + 1
            ))
            .bind::<BigInt, _>(contact_id)
            .bind::<Date, _>(d)
            .bind::<BigInt, _>(id)
            .load(conn)?,
            false,
        ),
        (None, Some((d, id))) => (
            crate::db::prepared(format!(
                "{SELECT} AND (e.date, e.id) > ($2, $3) ORDER BY e.date, e.id LIMIT {}",
                HISTORY_PAGE + 1
            ))
            .bind::<BigInt, _>(contact_id)
            .bind::<Date, _>(d)
            .bind::<BigInt, _>(id)
            .load(conn)?,
            true,
        ),
        (None, None) => (
            crate::db::prepared(format!(
                "{SELECT} ORDER BY e.date DESC, e.id DESC LIMIT {}",
                HISTORY_PAGE + 1
            ))
            .bind::<BigInt, _>(contact_id)
            .load(conn)?,
            false,
        ),
    };
    let beyond = entries.len() as i64 > HISTORY_PAGE;
    entries.truncate(HISTORY_PAGE as usize);
    if backwards {
        entries.reverse();
    }
    let paged = !query.entries_after.is_empty() || !query.entries_before.is_empty();
    let (older, newer) = if backwards {
        // Read towards the newest: more beyond means a newer page; an older one is there.
        (
            entries.last().map(HistoryEntry::key),
            beyond
                .then(|| entries.first().map(HistoryEntry::key))
                .flatten(),
        )
    } else {
        (
            beyond
                .then(|| entries.last().map(HistoryEntry::key))
                .flatten(),
            paged
                .then(|| entries.first().map(HistoryEntry::key))
                .flatten(),
        )
    };
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    // A first page with nothing beyond it holds all of them: no need to count.
    let total = if !paged && !beyond {
        entries.len() as i64
    } else {
        crate::db::prepared(format!(
            "SELECT count(*) AS n FROM (SELECT 1 FROM interaction_log_entries \
             WHERE contact_id = $1 LIMIT {}) x",
            HISTORY_COUNT_CAP + 1
        ))
        .bind::<BigInt, _>(contact_id)
        .get_result::<N>(conn)?
        .n
    };
    Ok(History {
        entries,
        total,
        older,
        newer,
    })
}

crate::db::columns::columns_in_order! {
    /// A segment the contact is on, with its status (`draft`, `logged`, `canceled`).
    #[derive(Clone, Debug)]
    pub struct CardSegment {
        pub no: String as Text,
        pub description: String as Text,
        pub status: String as Text,
    }
}

impl CardSegment {
    pub fn is_draft(&self) -> bool {
        self.status == "draft"
    }

    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "draft" => "Draft",
            "logged" => "Logged",
            "canceled" => "Canceled",
            _ => "",
        }
    }
}

crate::db::columns::columns_in_order! {
    /// A row of [`segments_and_opportunities_of`]: a segment (lists 0 and 1) or an opportunity
    /// (list 2); its `id`, last, only orders the rows.
    struct ListedRow {
        list: i32 as Integer,
        no: String as Text,
        description: String as Text,
        status: String as Text,
        contact_no: Option<String> as Nullable<Text>,
        current_stage: Option<i32> as Nullable<Integer>,
        estimated_value: Option<BigDecimal> as Nullable<Numeric>,
    }
}

/// The segments the contact is a member of, whatever their status, newest first (at most
/// [`SEGMENTS_SHOWN`], with how many there are in all), the newest draft segments to explain
/// (at most [`WHY_SEGMENTS`]), and its opportunities, for a company those of its persons too
/// (at most [`OPPORTUNITIES_SHOWN`], newest first): one statement.
pub fn segments_and_opportunities_of(
    conn: &mut PgConnection,
    contact_id: i64,
) -> QueryResult<CardSegments> {
    let rows: Vec<ListedRow> = crate::db::prepared(format!(
        "(SELECT 0 AS list, s.no::text AS no, s.description, s.status, \
                 NULL::text AS contact_no, NULL::int AS current_stage, \
                 NULL::numeric AS estimated_value, s.id \
          FROM segments s \
          WHERE s.id IN (SELECT l.segment_id FROM segment_lines l \
                         WHERE l.contact_id = $1 AND l.removed_by_step IS NULL) \
          ORDER BY s.id DESC LIMIT {SEGMENTS_SHOWN}) \
         UNION ALL \
         (SELECT 1, s.no::text, s.description, s.status, NULL, NULL, NULL, s.id \
          FROM segments s WHERE s.status = 'draft' ORDER BY s.id DESC LIMIT {WHY_SEGMENTS}) \
         UNION ALL \
         (SELECT 2, o.no::text, o.description, o.status, c.no::text, o.current_stage, \
                 o.estimated_value, o.id \
          FROM opportunities o JOIN contacts c ON c.id = o.contact_id \
          WHERE o.contact_id = $1 OR o.company_id = $1 \
          ORDER BY o.id DESC LIMIT {OPPORTUNITIES_SHOWN}) \
         ORDER BY list, id DESC"
    ))
    .bind::<BigInt, _>(contact_id)
    .load(conn)?;
    let mut found = CardSegments::default();
    for r in rows {
        if r.list == 2 {
            found.opportunities.push(CardOpportunity {
                no: r.no,
                description: r.description,
                contact_no: r.contact_no.unwrap_or_default(),
                status: r.status,
                current_stage: r.current_stage,
                estimated_value: r.estimated_value.unwrap_or_default(),
            });
            continue;
        }
        let segment = CardSegment {
            no: r.no,
            description: r.description,
            status: r.status,
        };
        if r.list == 0 {
            found.on.push(segment);
        } else {
            found.drafts.push(segment);
        }
    }
    found.total = if (found.on.len() as i64) < SEGMENTS_SHOWN {
        found.on.len() as i64
    } else {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        crate::db::prepared(
            "SELECT count(DISTINCT segment_id) AS n FROM segment_lines \
             WHERE contact_id = $1 AND removed_by_step IS NULL",
        )
        .bind::<BigInt, _>(contact_id)
        .get_result::<N>(conn)?
        .n
    };
    Ok(found)
}

/// What [`segments_and_opportunities_of`] finds.
#[derive(Default)]
pub struct CardSegments {
    pub on: Vec<CardSegment>,
    pub total: i64,
    pub drafts: Vec<CardSegment>,
    pub opportunities: Vec<CardOpportunity>,
}

/// Opportunities named on the card.
pub const OPPORTUNITIES_SHOWN: i64 = 20;

/// A sales opportunity of the contact (or of a person of the company), as the card lists it.
#[derive(Clone, Debug, QueryableByName)]
pub struct CardOpportunity {
    #[diesel(sql_type = Text)]
    pub no: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = Text)]
    pub contact_no: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::Integer>)]
    pub current_stage: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    pub estimated_value: bigdecimal::BigDecimal,
}

impl CardOpportunity {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "not_started" => "Not Started",
            "in_progress" => "In Progress",
            "won" => "Won",
            "lost" => "Lost",
            _ => "",
        }
    }
}

/// Draft segments offered by the card's "why" form.
pub const WHY_SEGMENTS: i64 = 100;

/// Persons shown on a company's card (the rest are one list link away).
pub const PERSONS_SHOWN: i64 = 100;

/// The card of the contact numbered `no` (its company's number and name read with it).
pub fn find(conn: &mut PgConnection, no: &str, query: &CardQuery) -> QueryResult<Option<Card>> {
    let Some((contact, company, persons)) = model::find_with_persons(conn, no, PERSONS_SHOWN)?
    else {
        return Ok(None);
    };
    let persons_total = model::persons_total(conn, contact.id, &persons, PERSONS_SHOWN)?;
    let mut classifications = Vec::new();
    let applying: Vec<(usize, &Classification)> = CLASSIFICATIONS
        .iter()
        .enumerate()
        .filter(|(_, c)| c.applies_to(&contact))
        .collect();
    // Every section's codes and the lists that name the contact's own codes in one
    // statement, and what the contact and its company have in another.
    let mut codes: Vec<&str> = applying.iter().map(|(_, c)| c.codes).collect();
    codes.extend(NAMED_BY);
    let mut all_codes = setup::options_of(conn, &codes)?;
    let names = CodeNames::of(&contact, &all_codes.split_off(applying.len()));
    let all_assigned = assigned_all(conn, contact.id, contact.company_id.unwrap_or(contact.id))?;
    for ((i, c), codes) in applying.into_iter().zip(all_codes) {
        let assigned = assigned_of(&all_assigned, i, contact.id);
        let available = codes
            .iter()
            .filter(|o| !assigned.iter().any(|a| a.code == o.code))
            .cloned()
            .collect();
        classifications.push(ClassificationView {
            kind: c.kind,
            title: c.title,
            assigned,
            available,
        });
    }
    let profile = profile(
        &setup::questionnaires::offered_questions(conn)?,
        &contact.kind,
        &all_assigned,
    );
    let history = history(conn, contact.id, query)?;
    let CardSegments {
        on: segments,
        total: segments_total,
        drafts: why_segments,
        opportunities,
    } = segments_and_opportunities_of(conn, contact.id)?;
    let mut inherited = Vec::new();
    if let (Some(company_id), Some((company_no, _))) = (contact.company_id, company.as_ref()) {
        for (i, c) in CLASSIFICATIONS
            .iter()
            .enumerate()
            .filter(|(_, c)| c.companies && !c.applies_to(&contact))
        {
            inherited.push(Inherited {
                title: c.title,
                anchor: format!("inherited-{}", c.kind.replace('_', "-")),
                company_no: company_no.clone(),
                assigned: assigned_of(&all_assigned, i, company_id),
            });
        }
    }
    Ok(Some(Card {
        names,
        inherited,
        why_segments,
        opportunities,
        history,
        segments,
        segments_total,
        contact,
        company,
        persons,
        persons_total,
        classifications,
        profile,
    }))
}

/// The profile questions of the questionnaires that apply to a contact of this type
/// (`company` or `person`), each with the contact's answer among its `assigned` rows.
fn profile(
    questions: &[Arc<setup::questionnaires::ProfileQuestion>],
    contact_type: &str,
    assigned: &[AssignedRow],
) -> Vec<ProfileQuestion> {
    questions
        .iter()
        .filter(|q| q.applies_to.applies(contact_type))
        .map(|q| ProfileQuestion {
            selected: assigned
                .iter()
                .find(|r| r.kind as usize == PROFILE_ANSWERS && r.owner == q.question_id)
                .and_then(|r| r.code.parse().ok()),
            question: Arc::clone(q),
        })
        .collect()
}
