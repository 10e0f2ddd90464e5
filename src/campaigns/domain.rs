//! Campaigns: the record and its checks, the list's query, the card's segments and newest
//! entries (its figures are in `figures`), and what stops a campaign's deletion. Plain
//! functions over `&mut PgConnection`, no HTTP.

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Numeric, Text};
use serde::Deserialize;

use crate::db::binds::{bind_all, BindValue, Binds};
use crate::db::schema::campaigns;
use crate::segments::domain::totals::LINES_OF_S;
use crate::setup::{self, number_series};
use crate::web::FormErrors;

pub use super::usage::{usage, Usage, USAGE_CAP};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: i64,
    pub no: String,
    pub description: String,
    pub starting_date: Option<NaiveDate>,
    pub ending_date: Option<NaiveDate>,
    pub salesperson_code: Option<String>,
    pub status_code: Option<String>,
    pub version: i32,
}

/// The campaign form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CampaignForm {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub starting_date: String,
    #[serde(default)]
    pub ending_date: String,
    #[serde(default)]
    pub salesperson_code: String,
    #[serde(default)]
    pub status_code: String,
    #[serde(default)]
    pub version: String,
    /// A new campaign's form's one-time key ([`crate::db::once`]).
    #[serde(default)]
    pub once: String,
}

/// Checked values, ready to be written.
#[derive(Clone, Debug, AsChangeset, Insertable)]
#[diesel(table_name = campaigns, treat_none_as_null = true)]
pub struct CampaignValues {
    pub description: String,
    pub starting_date: Option<NaiveDate>,
    pub ending_date: Option<NaiveDate>,
    pub salesperson_code: Option<String>,
    pub status_code: Option<String>,
}

pub const DESCRIPTION_MAX: usize = 100;

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn optional(code: &str) -> Option<String> {
    (!code.is_empty()).then(|| code.to_string())
}

impl CampaignForm {
    /// A new campaign: the user's salesperson.
    pub fn new_for(salesperson: Option<String>) -> Self {
        CampaignForm {
            salesperson_code: salesperson.unwrap_or_default(),
            once: crate::db::once::new_key(),
            ..Default::default()
        }
    }

    pub fn from_campaign(c: &Campaign) -> Self {
        CampaignForm {
            description: c.description.clone(),
            starting_date: date_text(c.starting_date),
            ending_date: date_text(c.ending_date),
            salesperson_code: c.salesperson_code.clone().unwrap_or_default(),
            status_code: c.status_code.clone().unwrap_or_default(),
            version: c.version.to_string(),
            once: String::new(),
        }
    }

    /// The fields whose values differ between `theirs` (the campaign as saved meanwhile) and
    /// this form: label, theirs, yours. A date is compared by its value however written
    /// ("30-11-2026", "2026-11-30"), a code in any case.
    pub fn differences(&self, theirs: &CampaignForm) -> Vec<(&'static str, String, String)> {
        let date = |t: &str| {
            crate::web::forms::date(t).map_or_else(|| t.trim().to_uppercase(), |d| d.to_string())
        };
        let code = |t: &str| t.trim().to_uppercase();
        let shown = |v: &str| match v.trim() {
            "" => "(none)".to_string(),
            v => v.to_string(),
        };
        [
            (
                "Description",
                &theirs.description,
                &self.description,
                theirs.description.trim() != self.description.trim(),
            ),
            (
                "Starting Date",
                &theirs.starting_date,
                &self.starting_date,
                date(&theirs.starting_date) != date(&self.starting_date),
            ),
            (
                "Ending Date",
                &theirs.ending_date,
                &self.ending_date,
                date(&theirs.ending_date) != date(&self.ending_date),
            ),
            (
                "Salesperson",
                &theirs.salesperson_code,
                &self.salesperson_code,
                code(&theirs.salesperson_code) != code(&self.salesperson_code),
            ),
            (
                "Status",
                &theirs.status_code,
                &self.status_code,
                code(&theirs.status_code) != code(&self.status_code),
            ),
        ]
        .into_iter()
        .filter(|(.., differs)| *differs)
        .map(|(label, a, b, _)| match label {
            "Starting Date" | "Ending Date" => (
                label,
                shown(&crate::web::forms::date_as_shown(a)),
                shown(&crate::web::forms::date_as_shown(b)),
            ),
            _ => (label, shown(a), shown(b)),
        })
        .collect()
    }

    pub fn normalised(mut self) -> Self {
        for f in [
            &mut self.description,
            &mut self.starting_date,
            &mut self.ending_date,
            &mut self.version,
        ] {
            *f = f.trim().to_string();
        }
        for f in [&mut self.salesperson_code, &mut self.status_code] {
            *f = f.trim().to_uppercase();
        }
        self
    }

    /// Checks the form, every field at once; the codes against the database.
    /// `kept_salesperson`: the campaign's as saved, which may stay though blocked since
    /// ([`setup::salespeople::check_chosen`]).
    pub fn validate(
        &self,
        conn: &mut PgConnection,
        kept_salesperson: Option<&str>,
    ) -> QueryResult<Result<CampaignValues, FormErrors>> {
        let mut errors = FormErrors::new();
        crate::web::forms::check_text(
            &mut errors,
            "description",
            &self.description,
            DESCRIPTION_MAX,
            Some("Enter a description."),
        );
        let mut date = |field: &'static str, typed: &str| {
            if typed.is_empty() {
                return None;
            }
            let parsed = crate::web::forms::date(typed);
            if parsed.is_none() {
                errors.add(
                    field,
                    crate::web::forms::date_refused(typed, ", or leave it empty"),
                );
            }
            parsed
        };
        let starting_date = date("starting_date", &self.starting_date);
        let ending_date = date("ending_date", &self.ending_date);
        if let (Some(start), Some(end)) = (starting_date, ending_date) {
            if start > end {
                errors.add(
                    "ending_date",
                    format!(
                        "The ending date must be on or after the starting date ({}).",
                        crate::web::filters::date_text(start)
                    ),
                );
            }
        }
        setup::salespeople::check_chosen(
            conn,
            &mut errors,
            "salesperson_code",
            &self.salesperson_code,
            kept_salesperson,
        )?;
        if !self.status_code.is_empty()
            && !setup::code_exists(conn, "campaign_statuses", &self.status_code)?
        {
            errors.add(
                "status_code",
                format!(
                    "There is no campaign status {}. Choose one from the list.",
                    self.status_code
                ),
            );
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        Ok(Ok(CampaignValues {
            description: self.description.clone(),
            starting_date,
            ending_date,
            salesperson_code: optional(&self.salesperson_code),
            status_code: optional(&self.status_code),
        }))
    }
}

pub fn find_by_no(conn: &mut PgConnection, no: &str) -> QueryResult<Option<Campaign>> {
    campaigns::table
        .filter(campaigns::no.eq(no.trim().to_uppercase()))
        .select(Campaign::as_select())
        .first(conn)
        .optional()
}

/// The campaign, locked for the rest of the transaction (deleting it, or saving it).
pub fn lock(conn: &mut PgConnection, no: &str) -> QueryResult<Option<Campaign>> {
    campaigns::table
        .filter(campaigns::no.eq(no.trim().to_uppercase()))
        .select(Campaign::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// A new campaign, numbered by the Campaigns number series.
pub fn insert(
    conn: &mut PgConnection,
    values: &CampaignValues,
    form_key: Option<&str>,
) -> QueryResult<Campaign> {
    let no = number_series::next(conn, number_series::CAMPAIGNS)?;
    diesel::insert_into(campaigns::table)
        .values((
            campaigns::no.eq(no),
            values,
            campaigns::form_key.eq(form_key),
        ))
        .returning(Campaign::as_returning())
        .get_result(conn)
}

/// Saves the campaign if nobody saved it since `version` was read; `None` when somebody did.
pub fn update(
    conn: &mut PgConnection,
    id: i64,
    version: i32,
    values: &CampaignValues,
) -> QueryResult<Option<Campaign>> {
    diesel::update(
        campaigns::table
            .filter(campaigns::id.eq(id))
            .filter(campaigns::version.eq(version)),
    )
    .set((values, campaigns::version.eq(campaigns::version + 1)))
    .returning(Campaign::as_returning())
    .get_result(conn)
    .optional()
}

/// The list's query string, kept in the URL.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub salesperson: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub dir: String,
    #[serde(default)]
    pub page: Option<String>,
}

/// Sortable columns: URL name, SQL expression, header label.
pub const SORTS: [(&str, &str, &str); 6] = [
    ("no", "cp.no", "No."),
    ("description", "cp.description", "Description"),
    ("starting", "cp.starting_date", "Starting Date"),
    ("ending", "cp.ending_date", "Ending Date"),
    ("status", "cp.status_code", "Status"),
    ("salesperson", "cp.salesperson_code", "Salesperson"),
];

/// The list's default order: newest number first.
const DEFAULT_SORT: (&str, &str) = ("no", "desc");

pub const PAGE_SIZE: i64 = 50;

impl ListQuery {
    /// The sorted column's header, for the table's caption ("No.", "Starting Date").
    pub fn sort_label(&self) -> &'static str {
        SORTS
            .iter()
            .find(|(k, _, _)| *k == self.sort)
            .map_or("No.", |(_, _, l)| *l)
    }

    pub fn normalised(mut self) -> Self {
        self.q = self.q.trim().to_string();
        for f in [&mut self.status, &mut self.salesperson] {
            *f = f.trim().to_uppercase();
        }
        if !SORTS.iter().any(|(k, _, _)| *k == self.sort) {
            self.sort = DEFAULT_SORT.0.into();
            self.dir = DEFAULT_SORT.1.into();
        }
        if self.dir != "desc" {
            self.dir = "asc".into();
        }
        self
    }

    pub fn is_filtered(&self) -> bool {
        !(self.q.is_empty() && self.status.is_empty() && self.salesperson.is_empty())
    }

    /// The WHERE clause over `campaigns cp`, its values collected in `binds`.
    fn condition(&self, binds: &mut Binds) -> String {
        let mut sql = vec!["TRUE".to_string()];
        if !self.q.is_empty() {
            let p = binds.push(BindValue::Text(crate::db::text::contains_pattern(&self.q)));
            sql.push(format!(
                "rapport_fold(cp.no || ' ' || cp.description) LIKE {p}"
            ));
        }
        for (value, column) in [
            (&self.status, "cp.status_code"),
            (&self.salesperson, "cp.salesperson_code"),
        ] {
            if !value.is_empty() {
                let p = binds.push(BindValue::Text(value.clone()));
                sql.push(format!("{column} = {p}"));
            }
        }
        sql.join(" AND ")
    }

    pub fn order_by(&self) -> String {
        let column = SORTS
            .iter()
            .find(|(k, _, _)| *k == self.sort)
            .map_or("cp.no", |(_, c, _)| *c);
        let dir = if self.dir == "desc" { "DESC" } else { "ASC" };
        match column {
            "cp.no" => format!("cp.no {dir}"),
            // In the office's alphabet, as names are (`db::names`): Danish puts Æ Ø Å after
            // Z, and "Émile" comes with the E's. (Folded and compared byte by byte, accented
            // letters came after Z and Danish ones as Å Æ Ø.) A few hundred campaigns sort
            // without an index.
            "cp.description" => format!(
                "cp.description COLLATE \"{}\" {dir}, cp.no {dir}",
                crate::db::names::collation(crate::web::locale::current())
            ),
            _ => format!("{column} {dir} NULLS LAST, cp.no {dir}"),
        }
    }

    /// The query string of this list with some parameters changed (defaults left out).
    pub fn link(&self, changes: &[(&str, &str)]) -> String {
        let page = self.page.as_deref().unwrap_or_default();
        let current = [
            ("q", self.q.as_str()),
            ("status", self.status.as_str()),
            ("salesperson", self.salesperson.as_str()),
            ("sort", self.sort.as_str()),
            ("dir", self.dir.as_str()),
            ("page", page),
        ];
        let value_of = |key: &str, value: &str| -> String {
            changes
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(value, |(_, v)| *v)
                .to_string()
        };
        let (sort, dir) = (value_of("sort", &self.sort), value_of("dir", &self.dir));
        let default_order = sort == DEFAULT_SORT.0 && dir == DEFAULT_SORT.1;
        let pairs: Vec<(&str, String)> = current
            .into_iter()
            .map(|(key, value)| (key, value_of(key, value)))
            .filter(|(key, value)| {
                let default = ((*key == "sort" || *key == "dir") && default_order)
                    || (*key == "page" && value == "1");
                !value.is_empty() && !default
            })
            .collect();
        crate::web::pagination::query_string(pairs.iter().map(|(k, v)| (*k, v.as_str())))
    }

    /// The link of a column header: sorts by it, or flips the direction if it is the sort.
    pub fn sort_link(&self, key: &str) -> String {
        let dir = crate::web::pagination::header_dir(&self.sort, &self.dir, key);
        self.link(&[("sort", key), ("dir", dir), ("page", "")])
    }

    /// `ascending`/`descending` for the column that is the sort, for `aria-sort`.
    pub fn aria_sort(&self, key: &str) -> &'static str {
        crate::web::pagination::aria_sort(&self.sort, &self.dir, key)
    }
}

crate::db::columns::columns_in_order! {
    /// A row of the list.
    #[derive(Clone, Debug)]
    pub struct ListRow {
        pub no: String as Text,
        pub description: String as Text,
        pub starting_date: Option<NaiveDate> as Nullable<Date>,
        pub ending_date: Option<NaiveDate> as Nullable<Date>,
        pub status_code: Option<String> as Nullable<Text>,
        pub salesperson_code: Option<String> as Nullable<Text>,
    }
}

impl ListRow {
    /// In the locale, as the card shows them.
    pub fn starting_text(&self) -> String {
        self.starting_date
            .map(crate::web::filters::date_text)
            .unwrap_or_default()
    }

    pub fn ending_text(&self) -> String {
        self.ending_date
            .map(crate::web::filters::date_text)
            .unwrap_or_default()
    }
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many campaigns the query matches.
pub fn count(conn: &mut PgConnection, query: &ListQuery) -> QueryResult<i64> {
    let mut binds = Binds::new(0);
    let wh = query.condition(&mut binds);
    let n: N = bind_all(
        diesel::sql_query(format!("SELECT count(*) AS n FROM campaigns cp WHERE {wh}"))
            .into_boxed(),
        binds.values(),
    )
    .get_result(conn)?;
    Ok(n.n)
}

/// One page of the list.
pub fn page(conn: &mut PgConnection, query: &ListQuery, offset: i64) -> QueryResult<Vec<ListRow>> {
    let mut binds = Binds::new(0);
    let wh = query.condition(&mut binds);
    let limit = binds.push(BindValue::Integer(PAGE_SIZE));
    let skip = binds.push(BindValue::Integer(offset));
    bind_all(
        diesel::sql_query(format!(
            "SELECT cp.no::text AS no, cp.description, cp.starting_date, cp.ending_date, \
               cp.status_code::text AS status_code, cp.salesperson_code::text AS salesperson_code \
             FROM campaigns cp WHERE {wh} ORDER BY {} LIMIT {limit}::bigint OFFSET {skip}::bigint",
            query.order_by()
        ))
        .into_boxed(),
        binds.values(),
    )
    .load(conn)
}

/// An amount with two decimals and thousands separators, as the office writes it
/// (`web::filters`): 0 → "0.00".
pub fn money(v: &BigDecimal) -> String {
    crate::web::filters::amount(v)
}

/// A segment of the campaign, on its card.
#[derive(Clone, Debug, QueryableByName)]
pub struct SegmentRow {
    #[diesel(sql_type = Text)]
    pub no: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = Text)]
    pub status: crate::segments::domain::header::SegmentStatus,
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
    /// The campaign's segments in all (the same on every row).
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// Segments named on a campaign's card; the segment list, filtered by the campaign, has all.
pub const SEGMENTS_SHOWN: i64 = 50;

/// The campaign's newest segments (at most [`SEGMENTS_SHOWN`]), drafts, logged and canceled,
/// with their lines (from the kept counts, `segments::domain::totals`), so a campaign of
/// several 200,000-line segments does not count them on every view; and how many it has in
/// all.
pub fn segments(conn: &mut PgConnection, no: &str) -> QueryResult<(Vec<SegmentRow>, i64)> {
    let rows: Vec<SegmentRow> = crate::db::prepared(format!(
        "SELECT s.no::text AS no, s.description, s.date, s.status, {LINES_OF_S} AS lines, \
                count(*) OVER () AS total \
         FROM segments s WHERE s.campaign_no = $1 ORDER BY s.id DESC LIMIT {SEGMENTS_SHOWN}"
    ))
    .bind::<Text, _>(no)
    .load(conn)?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok((rows, total))
}

/// A campaign entry, on the campaign's card: one per logged segment of the campaign, as
/// Business Central's Campaign Entries, with what its log wrote.
#[derive(Clone, Debug, QueryableByName)]
pub struct CampaignEntryRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = Text)]
    pub segment_no: String,
    /// Whether its segment is still there (a canceled segment deleted since leaves its No.).
    #[diesel(sql_type = Bool)]
    pub segment_linked: bool,
    #[diesel(sql_type = BigInt)]
    pub entries: i64,
    #[diesel(sql_type = Numeric)]
    pub cost: BigDecimal,
    #[diesel(sql_type = BigInt)]
    pub duration_min: i64,
    #[diesel(sql_type = Text)]
    pub user_name: String,
    #[diesel(sql_type = Bool)]
    pub canceled: bool,
}

impl CampaignEntryRow {
    pub fn cost_text(&self) -> String {
        money(&self.cost)
    }
}

/// How many of its newest campaign entries the card shows.
pub const NEWEST_CAMPAIGN_ENTRIES: i64 = 50;

/// A page of the campaign's campaign entries, newest first.
pub struct CampaignEntries {
    pub rows: Vec<CampaignEntryRow>,
    /// How many the campaign has in all.
    pub total: i64,
    /// Whether older ones follow the page's last.
    pub more: bool,
}

/// The campaign's newest campaign entries by date (canceled ones too, marked so), or those
/// older than entry `before` (the card pages through them all: a campaign logged weekly for
/// a year had entries no page showed), and how many it has in all, by its index.
pub fn campaign_entries(
    conn: &mut PgConnection,
    no: &str,
    before: Option<i64>,
) -> QueryResult<CampaignEntries> {
    use crate::db::schema::campaign_entries as k;
    let total: i64 = k::table
        .filter(k::campaign_no.eq(no))
        .count()
        .get_result(conn)?;
    let mut rows: Vec<CampaignEntryRow> = crate::db::prepared(format!(
        "SELECT k.id, k.date, k.description, k.segment_no, k.segment_id IS NOT NULL AS segment_linked, \
           k.entries, k.cost, k.duration_min, k.user_name, k.canceled \
         FROM campaign_entries k WHERE k.campaign_no = (SELECT $1::text) \
           AND ($2::bigint IS NULL OR (k.date, k.id) < \
                (SELECT b.date, b.id FROM campaign_entries b WHERE b.id = $2)) \
         ORDER BY k.date DESC, k.id DESC LIMIT {}",
        NEWEST_CAMPAIGN_ENTRIES + 1
    ))
    .bind::<Text, _>(no)
    .bind::<diesel::sql_types::Nullable<BigInt>, _>(before)
    .load(conn)?;
    let more = rows.len() as i64 > NEWEST_CAMPAIGN_ENTRIES;
    rows.truncate(NEWEST_CAMPAIGN_ENTRIES as usize);
    Ok(CampaignEntries { rows, total, more })
}

/// How many of its newest entries the card shows.
pub const NEWEST_ENTRIES: i64 = 20;

crate::db::columns::columns_in_order! {
    /// An interaction entry of the campaign, on its card.
    #[derive(Clone, Debug)]
    pub struct EntryRow {
        pub id: i64 as BigInt,
        pub date: NaiveDate as Date,
        pub contact_no: String as Text,
        pub contact_name: String as Text,
        pub template_code: Option<String> as Nullable<Text>,
        pub description: String as Text,
        pub cost: BigDecimal as Numeric,
        pub duration_min: i32 as Integer,
        pub segment_no: String as Text,
        /// Whether its segment is still there (a canceled segment deleted since leaves its No.).
        pub segment_linked: bool as Bool,
        pub campaign_target: bool as Bool,
        pub campaign_response: bool as Bool,
        pub canceled: bool as Bool,
    }
}

impl EntryRow {
    pub fn cost_text(&self) -> String {
        money(&self.cost)
    }
}

/// The campaign's newest entries (canceled ones too, marked so), by its index. The campaign is
/// a value the plan does not look into (see `db::prepared`): a campaign of 10 entries and one
/// of 200,000 are read alike, and the plan is kept for all.
pub fn newest_entries(conn: &mut PgConnection, no: &str) -> QueryResult<Vec<EntryRow>> {
    crate::db::prepared(format!(
        "SELECT e.id, e.date, c.no::text AS contact_no, c.name AS contact_name, \
           e.template_code::text AS template_code, e.description, e.cost, e.duration_min, \
           e.segment_no, e.segment_id IS NOT NULL AS segment_linked, e.campaign_target, \
           e.campaign_response, e.canceled \
         FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id \
         WHERE e.campaign_no = (SELECT $1::text) ORDER BY e.date DESC, e.id DESC \
         LIMIT {NEWEST_ENTRIES}"
    ))
    .bind::<Text, _>(no)
    .load(conn)
}

/// Deletes the campaign (call under its lock, after [`usage`] found nothing).
pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(campaigns::table.filter(campaigns::id.eq(id))).execute(conn)
}

/// The names of a campaign's salesperson and status, for its card ("JBN – Julie Brandt
/// Nygaard", "ACTIVE – Active"); `None` for a code it does not have. From the kept lists that
/// the campaign's form offers (no statement when they are kept: `setup::options_of`).
pub fn code_names(
    conn: &mut PgConnection,
    campaign: &Campaign,
) -> QueryResult<(Option<String>, Option<String>)> {
    let lists = crate::setup::options_of(conn, &["salespeople", "campaign_statuses"])?;
    let name = |code: Option<&str>, list: Option<&crate::setup::CodeList>| {
        let code = code?;
        list?
            .iter()
            .find(|o| o.code == code)
            .map(|o| o.description.to_string())
    };
    Ok((
        name(campaign.salesperson_code.as_deref(), lists.first()),
        name(campaign.status_code.as_deref(), lists.get(1)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_binds_its_values_and_sorts_only_by_known_columns() {
        let q = ListQuery {
            q: "Ø'; DROP TABLE campaigns; --".into(),
            status: "planned".into(),
            sort: "password; --".into(),
            ..Default::default()
        }
        .normalised();
        let mut binds = Binds::new(0);
        let sql = q.condition(&mut binds);
        assert!(!sql.contains("DROP") && sql.contains("$1") && sql.contains("$2"));
        assert_eq!(q.order_by(), "cp.no DESC");
        assert_eq!(
            q.link(&[]),
            "?q=%C3%98%27%3B+DROP+TABLE+campaigns%3B+--&status=PLANNED"
        );
        let q = ListQuery {
            sort: "ending".into(),
            ..Default::default()
        }
        .normalised();
        assert_eq!(q.order_by(), "cp.ending_date ASC NULLS LAST, cp.no ASC");
        assert_eq!(q.link(&[("page", "2")]), "?sort=ending&dir=asc&page=2");
        assert_eq!(
            ListQuery::default().normalised().sort_link("no"),
            "?sort=no&dir=asc"
        );
    }
}
