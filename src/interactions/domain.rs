//! Interaction log entries: the filtered list read by keyset (newest or oldest first) and its
//! CSV export, one entry, and the two fields that change (Evaluation, Canceled). A single
//! interaction logged with one contact is in [`super::single`].

use bigdecimal::{BigDecimal, ToPrimitive};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Numeric, Text, Timestamptz};
use serde::Deserialize;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::db::binds::{capped_count, where_clause, BindValue, Binds};
use crate::segments::domain::log::segment_entries_between;
use crate::web::csv::Cell;

pub const PAGE_SIZE: i64 = 50;

/// Counts stop here ("more than 10,000"), so a filter over millions of entries stays quick.
pub const COUNT_CAP: i64 = 10_000;

/// An entry's evaluations, as a segment line offers them (one list for both).
pub use crate::segments::domain::line_edit::EVALUATIONS;

pub fn evaluation_label(code: &str) -> &'static str {
    EVALUATIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, l)| l)
}

/// The list's filters, as in the URL.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub campaign: String,
    #[serde(default)]
    pub segment: String,
    #[serde(default)]
    pub salesperson: String,
    #[serde(default)]
    pub evaluation: String,
    /// `yes`, `no`, or empty for both.
    #[serde(default)]
    pub canceled: String,
    /// `oldest` (oldest first), or empty for newest first.
    #[serde(default)]
    pub sort: String,
    /// Keyset: the page after this entry (`date:id`), or before it.
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub before: String,
}

/// A filter that could not be read, for the form.
#[derive(Clone, Debug)]
pub struct FilterError {
    pub field: &'static str,
    pub message: String,
}

fn keyset(v: &str) -> Option<(NaiveDate, i64)> {
    let (d, id) = v.split_once(':')?;
    Some((crate::web::forms::iso_date(d)?, id.parse().ok()?))
}

impl Filters {
    /// Codes upper-cased, text trimmed.
    pub fn normalised(mut self) -> Self {
        for f in [
            &mut self.contact,
            &mut self.company,
            &mut self.template,
            &mut self.group,
            &mut self.campaign,
            &mut self.segment,
            &mut self.salesperson,
        ] {
            *f = f.trim().to_uppercase();
        }
        self.evaluation = self.evaluation.trim().to_lowercase();
        self.canceled = self.canceled.trim().to_lowercase();
        self.sort = self.sort.trim().to_lowercase();
        self
    }

    /// Newest first, unless the list is sorted oldest first.
    fn descending(&self) -> bool {
        self.sort != "oldest"
    }

    /// The WHERE condition over `e` (the entry) alone, with bound values: the count reads
    /// the entries without joining their contacts.
    fn condition(&self, binds: &mut Binds) -> Result<Vec<String>, Vec<FilterError>> {
        let mut sql = Vec::new();
        let mut errors = Vec::new();
        for (column, v) in [
            ("e.contact_id", &self.contact),
            ("e.company_id", &self.company),
        ] {
            // Through the entries' own indexes (contact_id or company_id, date, id): the
            // contact's number is looked up first. A company's entries are its own and its
            // persons'.
            if !v.is_empty() {
                let p = binds.push(BindValue::Text(v.to_string()));
                sql.push(format!(
                    "{column} = (SELECT id FROM contacts WHERE no = {p})"
                ));
            }
        }
        let mut eq = |column: &str, v: &str, binds: &mut Binds| {
            if !v.is_empty() {
                let p = binds.push(BindValue::Text(v.to_string()));
                sql.push(format!("{column} = {p}"));
            }
        };
        eq("e.template_code", &self.template, binds);
        eq("e.group_code", &self.group, binds);
        eq("e.campaign_no", &self.campaign, binds);
        eq("e.salesperson_code", &self.salesperson, binds);
        if !self.segment.is_empty() {
            // Read between the first and the last entry the segment's log wrote.
            let p = binds.push(BindValue::Text(self.segment.clone()));
            sql.push(format!(
                "e.segment_no = {p} AND {}",
                segment_entries_between(&format!("r.segment_no = {p}"))
            ));
        }
        if !self.evaluation.is_empty() {
            if self.evaluation == "none" {
                sql.push("e.evaluation = ''".into());
            } else if EVALUATIONS.iter().any(|(c, _)| *c == self.evaluation) {
                let p = binds.push(BindValue::Text(self.evaluation.clone()));
                sql.push(format!("e.evaluation = {p}"));
            } else {
                errors.push(FilterError {
                    field: "evaluation",
                    message: "Choose an evaluation from the list.".into(),
                });
            }
        }
        match self.canceled.as_str() {
            "" => {}
            "yes" => sql.push("e.canceled".into()),
            "no" => sql.push("NOT e.canceled".into()),
            _ => errors.push(FilterError {
                field: "canceled",
                message: "Choose yes, no or both.".into(),
            }),
        }
        if !matches!(self.sort.as_str(), "" | "newest" | "oldest") {
            errors.push(FilterError {
                field: "sort",
                message: "Choose newest or oldest first.".into(),
            });
        }
        match crate::web::forms::date_range(("from", "to"), &self.from, &self.to) {
            Ok((from, to)) => {
                for (d, op) in [(from, ">="), (to, "<=")] {
                    if let Some(d) = d {
                        let p = binds.push(BindValue::Date(d));
                        sql.push(format!("e.date {op} {p}::date"));
                    }
                }
            }
            Err(problems) => errors.extend(
                problems
                    .into_iter()
                    .map(|(field, message)| FilterError { field, message }),
            ),
        }
        if errors.is_empty() {
            Ok(sql)
        } else {
            Err(errors)
        }
    }

    /// The filters' codes and numbers that name nothing (a typo), or a person where a
    /// company is asked: each a reason, rather than an empty list that says nothing matches.
    /// One statement, when any is typed. A segment's No. is known while the segment is there
    /// or entries of it are (a canceled segment deleted since leaves its range of entries).
    pub fn unknown(&self, conn: &mut PgConnection) -> QueryResult<Vec<FilterError>> {
        #[derive(QueryableByName)]
        struct Found {
            #[diesel(sql_type = Nullable<Text>)]
            contact: Option<String>,
            #[diesel(sql_type = Nullable<Text>)]
            company: Option<String>,
            #[diesel(sql_type = Bool)]
            template: bool,
            #[diesel(sql_type = Bool)]
            grp: bool,
            #[diesel(sql_type = Bool)]
            campaign: bool,
            #[diesel(sql_type = Bool)]
            salesperson: bool,
            #[diesel(sql_type = Bool)]
            segment: bool,
        }
        let typed = [
            &self.contact,
            &self.company,
            &self.template,
            &self.group,
            &self.campaign,
            &self.salesperson,
            &self.segment,
        ];
        if typed.iter().all(|v| v.is_empty()) {
            return Ok(Vec::new());
        }
        let found: Found = diesel::sql_query(
            "SELECT (SELECT type FROM contacts WHERE no = $1) AS contact, \
               (SELECT type FROM contacts WHERE no = $2) AS company, \
               EXISTS (SELECT 1 FROM interaction_templates WHERE code = $3) AS template, \
               EXISTS (SELECT 1 FROM interaction_groups WHERE code = $4) AS grp, \
               EXISTS (SELECT 1 FROM campaigns WHERE no = $5) AS campaign, \
               EXISTS (SELECT 1 FROM salespeople WHERE code = $6) AS salesperson, \
               (EXISTS (SELECT 1 FROM segments WHERE no = $7) \
                OR EXISTS (SELECT 1 FROM segment_entry_ranges WHERE segment_no = $7)) AS segment",
        )
        .bind::<Text, _>(&self.contact)
        .bind::<Text, _>(&self.company)
        .bind::<Text, _>(&self.template)
        .bind::<Text, _>(&self.group)
        .bind::<Text, _>(&self.campaign)
        .bind::<Text, _>(&self.salesperson)
        .bind::<Text, _>(&self.segment)
        .get_result(conn)?;
        let mut errors = Vec::new();
        let mut unknown = |field: &'static str, v: &str, known: bool, what: &str| {
            if !v.is_empty() && !known {
                errors.push(FilterError {
                    field,
                    message: format!("There is no {what} {v}."),
                });
            }
        };
        unknown("contact", &self.contact, found.contact.is_some(), "contact");
        unknown("company", &self.company, found.company.is_some(), "contact");
        unknown(
            "template",
            &self.template,
            found.template,
            "interaction template",
        );
        unknown("group", &self.group, found.grp, "interaction group");
        unknown("campaign", &self.campaign, found.campaign, "campaign");
        unknown(
            "salesperson",
            &self.salesperson,
            found.salesperson,
            "salesperson",
        );
        unknown("segment", &self.segment, found.segment, "segment");
        if found.company.as_deref() == Some("person") {
            errors.push(FilterError {
                field: "company",
                message: format!(
                    "{} is a person, not a company: enter it as the Contact No.",
                    self.company
                ),
            });
        }
        Ok(errors)
    }
}

crate::db::columns::columns_in_order! {
    /// An entry as the list and its page show it.
    #[derive(Clone, Debug)]
    pub struct Entry {
        pub id: i64 as BigInt,
        pub date: NaiveDate as Date,
        pub contact_no: String as Text,
        pub contact_name: String as Text,
        pub company_no: Option<String> as Nullable<Text>,
        pub company_name: Option<String> as Nullable<Text>,
        pub template_code: Option<String> as Nullable<Text>,
        pub group_code: Option<String> as Nullable<Text>,
        pub description: String as Text,
        pub cost: BigDecimal as Numeric,
        pub duration_min: i32 as Integer,
        pub information_flow: String as Text,
        pub initiated_by: String as Text,
        pub salesperson_code: Option<String> as Nullable<Text>,
        pub correspondence_type: String as Text,
        /// The language it was in (Log Segment: the header's; a single one: the contact's).
        pub language_code: Option<String> as Nullable<Text>,
        pub evaluation: String as Text,
        pub campaign_no: Option<String> as Nullable<Text>,
        pub campaign_target: bool as Bool,
        pub campaign_response: bool as Bool,
        pub segment_no: String as Text,
        /// Whether its segment is still there (a canceled segment deleted since leaves its No.).
        pub segment_linked: bool as Bool,
        pub canceled: bool as Bool,
        /// Canceled by its segment's Cancel (which its Restore undoes), not on its own.
        pub canceled_with_segment: bool as Bool,
        pub attempt_failed: bool as Bool,
        /// When it was logged, and by whom (a user deleted since: empty).
        pub logged_at: chrono::DateTime<chrono::Utc> as Timestamptz,
        pub logged_by: String as Text,
    }
}

impl Entry {
    pub fn evaluation_label(&self) -> &'static str {
        evaluation_label(&self.evaluation)
    }

    pub fn cost_text(&self) -> String {
        crate::segments::domain::lines::money(&self.cost)
    }

    /// "Outbound" or "Inbound", as on the template and the segment header.
    pub fn information_flow_label(&self) -> &'static str {
        crate::setup::interaction_templates::label(
            &crate::setup::interaction_templates::FLOWS,
            &self.information_flow,
        )
    }

    /// "Us" or "Them".
    pub fn initiated_by_label(&self) -> &'static str {
        crate::setup::interaction_templates::label(
            &crate::setup::interaction_templates::INITIATORS,
            &self.initiated_by,
        )
    }

    /// "Hard Copy", "E-mail", or "None" when the entry has no correspondence type.
    pub fn correspondence_type_label(&self) -> &'static str {
        if self.correspondence_type.is_empty() {
            return "None";
        }
        crate::setup::interaction_templates::label(
            &crate::setup::interaction_templates::CORRESPONDENCE,
            &self.correspondence_type,
        )
    }

    /// The keyset of this entry, for the pages around it.
    pub fn key(&self) -> String {
        format!("{}:{}", self.date.format("%Y-%m-%d"), self.id)
    }
}

/// The entry as a record of the export, in the order of [`EXPORT_COLUMNS`]: the entry number
/// and the minutes are numbers, the cost an amount and the date a date in a workbook.
impl crate::web::csv::Record for Entry {
    fn cells(&self) -> Vec<Cell<'_>> {
        let flag = |b: bool| Cell::text(crate::contacts::csv_format::flag(b));
        vec![
            Cell::Int(self.id),
            Cell::Date(self.date),
            Cell::text(&self.contact_no),
            Cell::text(&self.contact_name),
            Cell::opt(&self.company_no),
            Cell::opt(&self.company_name),
            Cell::opt(&self.template_code),
            Cell::opt(&self.group_code),
            Cell::text(&self.description),
            Cell::Amount(self.cost.to_f64().unwrap_or_default()),
            Cell::Int(self.duration_min.into()),
            Cell::text(&self.information_flow),
            Cell::text(&self.initiated_by),
            Cell::opt(&self.salesperson_code),
            Cell::text(&self.correspondence_type),
            Cell::opt(&self.language_code),
            Cell::text(&self.evaluation),
            Cell::opt(&self.campaign_no),
            flag(self.campaign_target),
            flag(self.campaign_response),
            Cell::text(&self.segment_no),
            flag(self.canceled),
            flag(self.attempt_failed),
            Cell::Text(
                self.logged_at
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
                    .into(),
            ),
            Cell::text(&self.logged_by),
        ]
    }
}

/// The CSV export's header: every field of an entry.
pub const EXPORT_COLUMNS: [&str; 25] = [
    "entry_no",
    "date",
    "contact_no",
    "contact_name",
    "company_no",
    "company_name",
    "template",
    "interaction_group",
    "description",
    "cost",
    "duration_min",
    "information_flow",
    "initiated_by",
    "salesperson",
    "correspondence_type",
    "language",
    "evaluation",
    "campaign",
    "campaign_target",
    "campaign_response",
    "segment",
    "canceled",
    "attempt_failed",
    "logged_at",
    "logged_by",
];

const COLUMNS: &str = "e.id, e.date, c.no::text AS contact_no, c.name AS contact_name, \
     co.no::text AS company_no, co.name AS company_name, e.template_code::text AS template_code, \
     e.group_code::text AS group_code, e.description, e.cost, e.duration_min, e.information_flow, \
     e.initiated_by, e.salesperson_code::text AS salesperson_code, e.correspondence_type, \
     e.language_code, e.evaluation, e.campaign_no::text AS campaign_no, e.campaign_target, e.campaign_response, \
     e.segment_no, e.segment_id IS NOT NULL AS segment_linked, e.canceled, e.canceled_with_segment, \
     e.attempt_failed, \
     e.at AS logged_at, COALESCE(NULLIF(u.display_name, ''), u.username, '') AS logged_by";

const FROM: &str = "FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
     LEFT JOIN contacts co ON co.id = e.company_id LEFT JOIN users u ON u.id = e.user_id";

/// A page of the list: its entries, the count (capped), and whether entries go on before and
/// after it (read as one row more than a page, so a full last page offers no Next).
#[derive(Default)]
pub struct Page {
    pub rows: Vec<Entry>,
    pub total: i64,
    pub more_before: bool,
    pub more_after: bool,
}

/// Whether the whole log has been seen to hold more than [`COUNT_CAP`] entries, kept per
/// instance. The log only grows: an entry is canceled, never deleted (the database refuses
/// it: `interaction_log_entries_are_not_deleted`), and a contact with entries cannot be
/// deleted. So once counted past the cap it stays past it, and the
/// unfiltered list stops counting (1.2 ms of the database's time on every view at a million
/// contacts, half of the page's).
#[derive(Debug, Default)]
pub struct LogSize(AtomicBool);

impl LogSize {
    pub fn past_cap(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn note(&self, unfiltered_total: i64) {
        if unfiltered_total > COUNT_CAP {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// A page of entries in the list's order (newest first unless sorted oldest first), read by
/// keyset; and the count (capped at [`COUNT_CAP`]; unfiltered, not counted again once `size`
/// knows the log is past the cap).
pub fn page(
    conn: &mut PgConnection,
    filters: &Filters,
    size: &LogSize,
) -> QueryResult<Result<Page, Vec<FilterError>>> {
    let mut binds = Binds::new(0);
    // Every problem at once: the filters' own, and the codes that name nothing.
    let unknown = filters.unknown(conn)?;
    let mut conditions = match (filters.condition(&mut binds), unknown.is_empty()) {
        (Ok(c), true) => c,
        (Ok(_), false) => return Ok(Err(unknown)),
        (Err(mut e), _) => {
            e.extend(unknown);
            return Ok(Err(e));
        }
    };
    let count_where = where_clause(&conditions);
    let count_values = binds.clone().values();
    let (first, later) = if filters.descending() {
        ("DESC", "<")
    } else {
        ("ASC", ">")
    };
    // A page before an entry is read in the other order, then turned round.
    let (order, position) = match (keyset(&filters.after), keyset(&filters.before)) {
        (Some((d, id)), _) => (first, Some((later, d, id))),
        (None, Some((d, id))) => {
            let other = if first == "DESC" { "ASC" } else { "DESC" };
            (other, Some((if later == "<" { ">" } else { "<" }, d, id)))
        }
        (None, None) => (first, None),
    };
    if let Some((op, d, id)) = position {
        let pd = binds.push(BindValue::Date(d));
        let pi = binds.push(BindValue::Integer(id));
        // Unfiltered (kept prepared), the entry a page starts after is out of the planner's
        // sight, so that one plan serves every page. Filtered, the planner is shown it.
        conditions.push(if count_where.is_empty() {
            format!(
                "(e.date, e.id) {op} ({}, {})",
                crate::db::unseen(&pd, "date"),
                crate::db::unseen(&pi, "bigint")
            )
        } else {
            format!("(e.date, e.id) {op} ({pd}::date, {pi}::bigint)")
        });
    }
    let wh = where_clause(&conditions);
    let sql = format!(
        "SELECT {COLUMNS} {FROM} {wh} ORDER BY e.date {order}, e.id {order} LIMIT {}",
        PAGE_SIZE + 1
    );
    // Unfiltered, the page is read by the date index whatever the values (where it starts,
    // how many): kept prepared. Filtered, planned for the values picked.
    let mut rows: Vec<Entry> = crate::db::prepared_if(count_where.is_empty(), sql)
        .bind_values(binds.values())
        .load(conn)?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    if order != first {
        rows.reverse();
    }
    // Read after an entry: there are entries before it; before one, after it.
    let (more_before, more_after) = match position {
        None => (false, more),
        Some(_) if order == first => (true, more),
        Some(_) => (more, true),
    };
    let unfiltered = count_where.is_empty();
    let total = if unfiltered && size.past_cap() {
        COUNT_CAP + 1
    } else {
        capped_count(
            conn,
            "interaction_log_entries e",
            &count_where,
            count_values,
            COUNT_CAP,
        )?
    };
    if unfiltered {
        size.note(total);
    }
    Ok(Ok(Page {
        rows,
        total,
        more_before,
        more_after,
    }))
}

/// Every entry the filters select, in the list's order, for the CSV export: the statement and
/// its values.
pub fn export_query(filters: &Filters) -> Result<(String, Vec<BindValue>), Vec<FilterError>> {
    let mut binds = Binds::new(0);
    let conditions = filters.condition(&mut binds)?;
    let order = if filters.descending() { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {COLUMNS} {FROM} {} ORDER BY e.date {order}, e.id {order}",
        where_clause(&conditions)
    );
    Ok((sql, binds.values()))
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Entry>> {
    diesel::sql_query(format!("SELECT {COLUMNS} {FROM} WHERE e.id = $1"))
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .optional()
}

/// An entry changed: its campaign, if it has one.
#[derive(QueryableByName)]
pub struct Changed {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub campaign_no: Option<String>,
    /// The entry's evaluation and Canceled after the save (what the audit trail records).
    #[diesel(sql_type = Text)]
    pub evaluation: String,
    #[diesel(sql_type = Bool)]
    pub canceled: bool,
    /// ... and before it.
    #[diesel(sql_type = Text)]
    pub was_evaluation: String,
    #[diesel(sql_type = Bool)]
    pub was_canceled: bool,
    /// Whether it is canceled with its segment (not on its own), after and before.
    #[diesel(sql_type = Bool)]
    pub with_segment: bool,
    #[diesel(sql_type = Bool)]
    pub was_with_segment: bool,
}

impl Changed {
    /// What the save changed, each field from → to, in the page's words: "Evaluation: none →
    /// Very Positive; Canceled: no → yes" (it said the state after, the evaluation by its
    /// code, so what had changed could not be told).
    pub fn said(&self) -> String {
        let label = |e: &str| {
            EVALUATIONS
                .iter()
                .find(|(c, _)| *c == e)
                .map_or("none", |(_, l)| *l)
        };
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let mut parts = Vec::new();
        if self.evaluation != self.was_evaluation {
            parts.push(format!(
                "Evaluation: {} → {}",
                label(&self.was_evaluation),
                label(&self.evaluation)
            ));
        }
        if self.canceled != self.was_canceled {
            parts.push(format!(
                "Canceled: {} → {}",
                yes_no(self.was_canceled),
                yes_no(self.canceled)
            ));
        }
        if self.canceled && self.was_canceled && self.was_with_segment && !self.with_segment {
            // Ticked over an entry its segment's Cancel canceled meanwhile: now canceled on
            // its own, so that a Restore of the segment leaves it canceled.
            parts.push("Canceled: with its segment → on its own".to_string());
        }
        parts.join("; ")
    }
}

/// What a save changes of an entry: its evaluation (`""` for none), whether it is canceled;
/// `None` leaves the field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryChanges {
    pub evaluation: Option<String>,
    /// The evaluation the form showed, when it said: a new evaluation is written only over
    /// that one (or over itself), not over one someone else chose meanwhile.
    pub shown_evaluation: Option<String>,
    pub canceled: Option<bool>,
}

/// Whether the entry's segment is canceled, or was: deleted since, as only a canceled segment
/// that wrote entries can be (the rule [`update`] refuses an un-cancel by).
pub fn segment_canceled(conn: &mut PgConnection, entry: &Entry) -> QueryResult<bool> {
    use crate::db::schema::segments;
    if entry.segment_no.is_empty() {
        return Ok(false);
    }
    if !entry.segment_linked {
        return Ok(true);
    }
    diesel::select(diesel::dsl::exists(
        segments::table
            .filter(segments::no.eq(&entry.segment_no))
            .filter(segments::status.eq("canceled")),
    ))
    .get_result(conn)
}

/// What [`update`] did.
pub enum Updated {
    Saved(Changed),
    /// Someone else changed the evaluation since the form was opened: nothing was written.
    /// The evaluation as it is now.
    EvaluationChanged(String),
    /// The save changes nothing (the form sent as it was shown): nothing was written.
    Unchanged,
    /// Un-canceled while its segment is canceled (the segment's No.): nothing was written.
    /// Business Central refuses it too; the entry comes back with the segment's Restore.
    SegmentCanceled(String),
    NotFound,
}

/// Changes what may change of an entry, only the fields given: its evaluation and whether it
/// is canceled (then on its own: a Restore of its segment leaves it as it is set here). A new
/// evaluation goes only over the one the form showed: two users evaluating one entry at once
/// do not overwrite each other unseen.
pub fn update(conn: &mut PgConnection, id: i64, changes: &EntryChanges) -> QueryResult<Updated> {
    #[derive(QueryableByName)]
    struct Now {
        #[diesel(sql_type = Text)]
        evaluation: String,
        #[diesel(sql_type = Bool)]
        canceled: bool,
        #[diesel(sql_type = Bool)]
        canceled_with_segment: bool,
        /// Its segment's No. when that segment is canceled — or was, when deleted since (only
        /// a canceled segment that wrote entries can be deleted: a logged one cannot, a draft
        /// wrote none).
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        canceled_segment: Option<String>,
    }
    if changes.canceled == Some(false) {
        // Its segment first (shared), as a segment's Cancel locks it before its entries: a
        // Cancel running meanwhile is waited for and seen, not raced (it passes by an entry
        // canceled on its own, which was then un-canceled under a canceled segment).
        diesel::sql_query(
            "SELECT s.id FROM segments s JOIN interaction_log_entries e ON e.segment_id = s.id \
             WHERE e.id = $1 FOR SHARE OF s",
        )
        .bind::<BigInt, _>(id)
        .execute(conn)?;
    }
    let Some(now) = diesel::sql_query(
        "SELECT e.evaluation, e.canceled, e.canceled_with_segment, \
           CASE WHEN EXISTS (SELECT 1 FROM segments s \
                             WHERE s.id = e.segment_id AND s.status = 'canceled') \
                  OR (e.segment_id IS NULL AND e.segment_no <> '') \
                THEN e.segment_no::text END AS canceled_segment \
         FROM interaction_log_entries e WHERE e.id = $1 FOR UPDATE OF e",
    )
    .bind::<BigInt, _>(id)
    .get_result::<Now>(conn)
    .optional()?
    else {
        return Ok(Updated::NotFound);
    };
    // A colleague's evaluation first: the refusal below shows the evaluation as it is now as
    // the one shown, and sent again after it, the user's choice would replace the colleague's
    // unseen.
    if let (Some(new), Some(shown)) = (&changes.evaluation, &changes.shown_evaluation) {
        if now.evaluation != *shown && now.evaluation != *new {
            return Ok(Updated::EvaluationChanged(now.evaluation));
        }
    }
    // Canceled as it is already (the form sent twice): no change, written, recorded and
    // recounted again. But ticked by the user over an entry their form showed not canceled,
    // which its segment's Cancel canceled meanwhile: canceled on its own now, so that a
    // Restore of the segment leaves it canceled (the user's cancel was said to change nothing,
    // and the Restore brought the entry back into the figures).
    let on_its_own = now.canceled && now.canceled_with_segment;
    let canceled = changes
        .canceled
        .filter(|&c| c != now.canceled || (c && on_its_own));
    if canceled == Some(false) {
        if let Some(segment) = now.canceled_segment {
            return Ok(Updated::SegmentCanceled(segment));
        }
    }
    if canceled.is_none()
        && changes
            .evaluation
            .as_ref()
            .is_none_or(|e| *e == now.evaluation)
    {
        return Ok(Updated::Unchanged);
    }
    let saved = diesel::sql_query(
        "UPDATE interaction_log_entries SET \
           evaluation = CASE WHEN $2 THEN $3 ELSE evaluation END, \
           canceled = CASE WHEN $4 THEN $5 ELSE canceled END, \
           canceled_with_segment = canceled_with_segment AND NOT $4 \
         WHERE id = $1 RETURNING campaign_no::text AS campaign_no, evaluation, canceled, \
           $6 AS was_evaluation, $7 AS was_canceled, \
           canceled_with_segment AS with_segment, $8 AS was_with_segment",
    )
    .bind::<BigInt, _>(id)
    .bind::<Bool, _>(changes.evaluation.is_some())
    .bind::<Text, _>(changes.evaluation.clone().unwrap_or_default())
    .bind::<Bool, _>(canceled.is_some())
    .bind::<Bool, _>(canceled.unwrap_or(false))
    .bind::<Text, _>(&now.evaluation)
    .bind::<Bool, _>(now.canceled)
    .bind::<Bool, _>(now.canceled_with_segment)
    .get_result(conn)?;
    if let Some(canceled) = canceled {
        // Its segment's campaign entry counts the interactions that count, as Business
        // Central's: one canceled here leaves it, and comes back with its un-cancel. (The
        // entry of a canceled segment, which counts those canceled with it, is not touched:
        // an un-cancel is refused under it, and a cancel finds the entry canceled already.)
        diesel::sql_query(
            "UPDATE campaign_entries k SET entries = k.entries + $2, \
               cost = k.cost + $2 * e.cost, duration_min = k.duration_min + $2 * e.duration_min \
             FROM interaction_log_entries e \
             WHERE e.id = $1 AND k.segment_id = e.segment_id AND NOT k.canceled",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(if canceled { -1 } else { 1 })
        .execute(conn)?;
    }
    Ok(Updated::Saved(saved))
}

#[cfg(test)]
mod changed_tests {
    use super::Changed;

    fn changed(now: (&str, bool, bool), was: (&str, bool, bool)) -> Changed {
        Changed {
            campaign_no: None,
            evaluation: now.0.into(),
            canceled: now.1,
            with_segment: now.2,
            was_evaluation: was.0.into(),
            was_canceled: was.1,
            was_with_segment: was.2,
        }
    }

    #[test]
    fn the_trail_says_each_change_from_to_in_the_pages_words() {
        assert_eq!(
            changed(("very_positive", false, false), ("", false, false)).said(),
            "Evaluation: none → Very Positive"
        );
        assert_eq!(
            changed(("neutral", true, false), ("neutral", false, false)).said(),
            "Canceled: no → yes"
        );
        assert_eq!(
            changed(("", true, false), ("", true, true)).said(),
            "Canceled: with its segment → on its own"
        );
        assert_eq!(
            changed(("negative", false, false), ("positive", true, false)).said(),
            "Evaluation: Positive → Negative; Canceled: yes → no"
        );
    }
}
