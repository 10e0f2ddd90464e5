//! The opportunity list: its filters (status, salesperson, campaign, segment, sales cycle,
//! stage, contact, company, closing date range), its sorts, and keyset paging (first, next,
//! previous, last) that costs the same on the last page as on the first.

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Numeric, Text};
use serde::Deserialize;

use super::pipeline::Group;
use super::record::{money, percent, Status};
use crate::db::binds::{capped_count, where_clause, BindValue, Binds};

pub const PAGE_SIZE: i64 = 50;
/// Counting stops here: "more than 100,000".
pub const COUNT_CAP: i64 = 100_000;

/// The sorts: key, the ordering expression (never NULL), its SQL type, the header.
pub const SORTS: [(&str, &str, &str, &str); 4] = [
    ("no", "o.no::text", "text", "No."),
    (
        "closing",
        "COALESCE(o.estimated_closing_date, DATE '9999-12-31')",
        "date",
        "Estimated closing",
    ),
    ("value", "o.estimated_value", "numeric", "Estimated value"),
    ("current", "o.current_value", "numeric", "Current value"),
];

/// `?status=…&salesperson=…&…&sort=…&dir=…&after=…|before=…|last=1` of the list.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub salesperson: String,
    #[serde(default)]
    pub campaign: String,
    #[serde(default)]
    pub segment: String,
    #[serde(default)]
    pub cycle: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub closing_from: String,
    #[serde(default)]
    pub closing_to: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub dir: String,
    /// Keyset: the page after this row (`key|id`), or before it.
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub before: String,
    /// The last page.
    #[serde(default)]
    pub last: String,
    /// The pipeline's period (won and lost closed from, to), which the page shows above the
    /// list: carried by the list's links and forms so that filtering or paging keeps it.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// The period emptied on purpose (`from=&to=`): won and lost of all time. Carried by the
    /// links as an empty `from`, so that paging keeps it (absent, the period is this year).
    #[serde(skip)]
    pub all_time: bool,
}

/// `open` is every status that is not closed.
pub const STATUS_FILTERS: [(&str, &str); 5] = [
    ("open", "Open (not started or in progress)"),
    ("not_started", "Not Started"),
    ("in_progress", "In Progress"),
    ("won", "Won"),
    ("lost", "Lost"),
];

impl ListQuery {
    /// The sorted column's header, for the table's caption ("No.", "Estimated value").
    pub fn sort_label(&self) -> &'static str {
        SORTS
            .iter()
            .find(|(k, _, _, _)| *k == self.sort)
            .map_or("No.", |(_, _, _, l)| *l)
    }

    pub fn normalised(mut self) -> Self {
        for f in [
            &mut self.q,
            &mut self.status,
            &mut self.stage,
            &mut self.closing_from,
            &mut self.closing_to,
            &mut self.sort,
            &mut self.dir,
        ] {
            *f = f.trim().to_string();
        }
        for f in [
            &mut self.salesperson,
            &mut self.campaign,
            &mut self.segment,
            &mut self.cycle,
            &mut self.contact,
            &mut self.company,
        ] {
            *f = f.trim().to_uppercase();
        }
        if !SORTS.iter().any(|(k, ..)| *k == self.sort) {
            self.sort = "no".into();
        }
        if self.dir != "desc" {
            self.dir = "asc".into();
        }
        self
    }

    pub fn is_filtered(&self) -> bool {
        [
            &self.q,
            &self.status,
            &self.salesperson,
            &self.campaign,
            &self.segment,
            &self.cycle,
            &self.stage,
            &self.contact,
            &self.company,
            &self.closing_from,
            &self.closing_to,
        ]
        .iter()
        .any(|v| !v.is_empty())
    }

    /// What is wrong with the filters, field by field (dates and the stage are typed).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = crate::web::forms::date_range(
            ("closing_from", "closing_to"),
            &self.closing_from,
            &self.closing_to,
        )
        .err()
        .unwrap_or_default();
        if !self.stage.is_empty() && self.stage.parse::<i32>().is_err() {
            out.push(("stage", "Enter a stage number, like 2.".to_string()));
        }
        if !self.status.is_empty() && !STATUS_FILTERS.iter().any(|(s, _)| *s == self.status) {
            out.push(("status", "Choose a status from the list.".to_string()));
        }
        out
    }

    /// The typed numbers that name nothing (a typo), or a person where a company is asked:
    /// each a reason by its field, rather than a list that says nothing matches, as the
    /// interactions list says them. A segment's No. is known while the segment is there or
    /// opportunities keep it. One statement, when any is typed.
    pub fn unknown(&self, conn: &mut PgConnection) -> QueryResult<Vec<(&'static str, String)>> {
        #[derive(QueryableByName)]
        struct Found {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            contact: Option<String>,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            company: Option<String>,
            #[diesel(sql_type = diesel::sql_types::Bool)]
            campaign: bool,
            #[diesel(sql_type = diesel::sql_types::Bool)]
            segment: bool,
        }
        let typed = [&self.contact, &self.company, &self.campaign, &self.segment];
        if typed.iter().all(|v| v.is_empty()) {
            return Ok(Vec::new());
        }
        use diesel::sql_types::Text;
        let found: Found = diesel::sql_query(
            "SELECT (SELECT type FROM contacts WHERE no = $1) AS contact, \
               (SELECT type FROM contacts WHERE no = $2) AS company, \
               EXISTS (SELECT 1 FROM campaigns WHERE no = $3) AS campaign, \
               (EXISTS (SELECT 1 FROM segments WHERE no = $4) \
                OR EXISTS (SELECT 1 FROM opportunities WHERE segment_no = $4)) AS segment",
        )
        .bind::<Text, _>(&self.contact)
        .bind::<Text, _>(&self.company)
        .bind::<Text, _>(&self.campaign)
        .bind::<Text, _>(&self.segment)
        .get_result(conn)?;
        let mut out = Vec::new();
        for (field, value, known, what) in [
            ("contact", &self.contact, found.contact.is_some(), "contact"),
            ("company", &self.company, found.company.is_some(), "contact"),
            ("campaign", &self.campaign, found.campaign, "campaign"),
            ("segment", &self.segment, found.segment, "segment"),
        ] {
            if !value.is_empty() && !known {
                out.push((field, format!("There is no {what} {value}.")));
            }
        }
        if found.company.as_deref() == Some("person") {
            out.push((
                "company",
                format!(
                    "{} is a person, not a company: enter it as the Contact No.",
                    self.company
                ),
            ));
        }
        Ok(out)
    }

    fn sort_parts(&self) -> (&'static str, &'static str) {
        SORTS
            .iter()
            .find(|(k, ..)| *k == self.sort)
            .map_or(("o.no::text", "text"), |(_, e, t, _)| (*e, *t))
    }

    /// The WHERE conditions over `opportunities o`, their values collected in `binds`.
    fn conditions(&self, binds: &mut Binds) -> Vec<String> {
        let mut sql = Vec::new();
        if !self.q.is_empty() {
            let p = binds.push(BindValue::Text(crate::db::text::contains_pattern(&self.q)));
            sql.push(format!(
                "rapport_fold(o.no || ' ' || o.description) LIKE {p}"
            ));
        }
        match self.status.as_str() {
            "" => {}
            "open" => sql.push("o.status IN ('not_started', 'in_progress')".into()),
            s => {
                let p = binds.push(BindValue::Text(s.to_string()));
                sql.push(format!("o.status = {p}"));
            }
        }
        for (value, column) in [
            (&self.salesperson, "o.salesperson_code"),
            (&self.campaign, "o.campaign_no"),
            (&self.segment, "o.segment_no"),
            (&self.cycle, "o.sales_cycle_code"),
        ] {
            if !value.is_empty() {
                let p = binds.push(BindValue::Text(value.clone()));
                sql.push(format!("{column} = {p}"));
            }
        }
        if let Ok(stage) = self.stage.parse::<i64>() {
            let p = binds.push(BindValue::Integer(stage));
            sql.push(format!("o.current_stage = {p}::int"));
        }
        for (value, column) in [
            (&self.contact, "o.contact_id"),
            (&self.company, "o.company_id"),
        ] {
            if !value.is_empty() {
                let p = binds.push(BindValue::Text(value.clone()));
                sql.push(format!(
                    "{column} = (SELECT id FROM contacts WHERE no = {p})"
                ));
            }
        }
        for (value, op) in [(&self.closing_from, ">="), (&self.closing_to, "<=")] {
            if let Some(d) = crate::web::forms::date(value) {
                let p = binds.push(BindValue::Date(d));
                sql.push(format!("o.estimated_closing_date {op} {p}::date"));
            }
        }
        sql
    }

    /// When every filter set is a key of the pipeline's figures (status, salesperson, campaign,
    /// sales cycle, stage), how many opportunities the figures' `groups` (of every campaign)
    /// hold that pass them; `None` when another filter is set.
    pub fn figures_total(&self, groups: &[Group]) -> Option<i64> {
        let others = [
            &self.q,
            &self.segment,
            &self.contact,
            &self.company,
            &self.closing_from,
            &self.closing_to,
        ];
        if others.iter().any(|v| !v.is_empty()) {
            return None;
        }
        // The figures write "no stage" as none: only a stage number counts there.
        let stage = match self.stage.as_str() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(stage) if stage > 0 => Some(stage),
                _ => return None,
            },
        };
        let status = |g: &Group| match self.status.as_str() {
            "" => true,
            "open" => g.status == "not_started" || g.status == "in_progress",
            s => g.status == s,
        };
        let code =
            |value: &str, code: &Option<String>| value.is_empty() || code.as_deref() == Some(value);
        Some(
            groups
                .iter()
                .filter(|g| {
                    status(g)
                        && code(&self.salesperson, &g.salesperson_code)
                        && code(&self.campaign, &g.campaign_no)
                        && (self.cycle.is_empty() || g.sales_cycle_code == self.cycle)
                        && stage.is_none_or(|stage| g.stage.map(i64::from) == Some(stage))
                })
                .map(|g| g.n)
                .sum(),
        )
    }

    /// The list's filters and order as they stand, empty and default values left out: what
    /// the period's form carries along as hidden fields. Not the period: the form's own
    /// inputs carry it, and a field sent twice is refused.
    pub fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = self.pairs(&[]);
        pairs.retain(|(key, _)| *key != "from" && *key != "to");
        pairs
    }

    /// The query string of this list with some parameters changed (paging reset unless given).
    pub fn link(&self, changes: &[(&str, &str)]) -> String {
        let pairs = self.pairs(changes);
        crate::web::pagination::query_string(pairs.iter().map(|(k, v)| (*k, v.as_str())))
    }

    /// The list's parameters with some changed, empty and default values left out.
    fn pairs(&self, changes: &[(&str, &str)]) -> Vec<(&'static str, String)> {
        let current = [
            ("q", self.q.as_str()),
            ("status", self.status.as_str()),
            ("salesperson", self.salesperson.as_str()),
            ("campaign", self.campaign.as_str()),
            ("segment", self.segment.as_str()),
            ("cycle", self.cycle.as_str()),
            ("stage", self.stage.as_str()),
            ("contact", self.contact.as_str()),
            ("company", self.company.as_str()),
            ("closing_from", self.closing_from.as_str()),
            ("closing_to", self.closing_to.as_str()),
            ("sort", self.sort.as_str()),
            ("dir", self.dir.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("after", ""),
            ("before", ""),
            ("last", ""),
        ];
        current
            .into_iter()
            .map(|(key, value)| {
                let v = changes
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map_or(value, |(_, v)| *v);
                (key, v.to_string())
            })
            .filter(|(key, value)| {
                let default =
                    (*key == "sort" && value == "no") || (*key == "dir" && value == "asc");
                let all_time = *key == "from" && self.all_time && value.is_empty();
                (!value.is_empty() || all_time) && !default
            })
            .collect()
    }

    pub fn sort_link(&self, key: &str) -> String {
        let dir = crate::web::pagination::header_dir(&self.sort, &self.dir, key);
        self.link(&[("sort", key), ("dir", dir)])
    }

    pub fn aria_sort(&self, key: &str) -> &'static str {
        crate::web::pagination::aria_sort(&self.sort, &self.dir, key)
    }
}

crate::db::columns::columns_in_order! {
    /// A row of the list.
    #[derive(Clone, Debug)]
    pub struct ListRow {
        pub id: i64 as BigInt,
        pub sort_key: String as Text,
        pub no: String as Text,
        pub description: String as Text,
        pub contact_no: String as Text,
        pub contact_name: String as Text,
        pub salesperson_code: Option<String> as Nullable<Text>,
        pub status: String as Text,
        pub sales_cycle_code: String as Text,
        pub current_stage: Option<i32> as Nullable<Integer>,
        pub estimated_value: BigDecimal as Numeric,
        pub probability_pct: BigDecimal as Numeric,
        pub current_value: BigDecimal as Numeric,
        pub estimated_closing_date: Option<NaiveDate> as Nullable<Date>,
    }
}

impl ListRow {
    pub fn status_label(&self) -> &'static str {
        Status::parse(&self.status).map_or("", Status::label)
    }

    pub fn stage_text(&self) -> String {
        self.current_stage.map_or("–".into(), |s| s.to_string())
    }

    pub fn value_text(&self) -> String {
        money(&self.estimated_value)
    }

    pub fn current_text(&self) -> String {
        money(&self.current_value)
    }

    pub fn probability_text(&self) -> String {
        percent(&self.probability_pct)
    }

    pub fn closing_text(&self) -> String {
        super::record::date_shown(&self.estimated_closing_date)
    }

    /// The keyset of this row, for the pages around it.
    pub fn cursor(&self) -> String {
        format!("{}|{}", self.sort_key, self.id)
    }
}

/// A page, whether there are rows before and after it, and the (capped) count.
pub struct Page {
    pub rows: Vec<ListRow>,
    pub has_prev: bool,
    pub has_next: bool,
    pub total: i64,
}

/// A page key (`key|id`) whose key reads as the sort's type `ty`; `None` (the first page) for
/// one that does not, as an edited address may hold: the database would refuse its cast.
fn cursor(v: &str, ty: &str) -> Option<(String, i64)> {
    let (k, id) = v.rsplit_once('|')?;
    let readable = match ty {
        "date" => crate::web::forms::iso_date(k).is_some(),
        "numeric" => {
            let digits = k.strip_prefix('-').unwrap_or(k);
            let (whole, cents) = digits.split_once('.').unwrap_or((digits, "0"));
            let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            k.len() <= 20 && all_digits(whole) && all_digits(cents)
        }
        _ => true,
    };
    readable.then(|| Some((k.to_string(), id.parse().ok()?)))?
}

/// One page of the list by keyset, and the count of all that match (up to [`COUNT_CAP`]),
/// from the pipeline's figures' `groups` (of every campaign) when they can tell it.
pub fn page(conn: &mut PgConnection, query: &ListQuery, groups: &[Group]) -> QueryResult<Page> {
    let (key, ty) = query.sort_parts();
    let mut binds = Binds::new(0);
    let mut conditions = query.conditions(&mut binds);
    let count_values = binds.clone().values();
    let count_where = where_clause(&conditions);
    let asc = query.dir != "desc";
    let (forward_order, forward_op) = if asc { ("ASC", ">") } else { ("DESC", "<") };
    let (backward_order, backward_op) = if asc { ("DESC", "<") } else { ("ASC", ">") };
    // Before a row, and the last page, are read in the other order, then turned round.
    let (order, position, backward) = match (cursor(&query.after, ty), cursor(&query.before, ty)) {
        (Some(c), _) => (forward_order, Some((forward_op, c)), false),
        (None, Some(c)) => (backward_order, Some((backward_op, c)), true),
        (None, None) if query.last == "1" => (backward_order, None, true),
        (None, None) => (forward_order, None, false),
    };
    let positioned = position.is_some();
    if let Some((op, (k, id))) = position {
        let pk = binds.push(BindValue::Text(k));
        let pi = binds.push(BindValue::Integer(id));
        conditions.push(format!("({key}, o.id) {op} ({pk}::{ty}, {pi}::bigint)"));
    }
    let wh = where_clause(&conditions);
    // Written out: a plan for all values would reckon a bound limit at a tenth of the rows.
    let limit = PAGE_SIZE + 1;
    let sql = format!(
        "SELECT o.id, ({key})::text AS sort_key, o.no::text AS no, o.description, \
                c.no::text AS contact_no, c.name AS contact_name, \
                o.salesperson_code::text AS salesperson_code, o.status, \
                o.sales_cycle_code::text AS sales_cycle_code, o.current_stage, o.estimated_value, \
                o.probability_pct, o.current_value, o.estimated_closing_date \
         FROM opportunities o JOIN contacts c ON c.id = o.contact_id {wh} \
         ORDER BY {key} {order}, o.id {order} LIMIT {limit}"
    );
    // Unfiltered, a page is read from its sort's index wherever it starts: kept prepared.
    // Filtered, planned for the values picked.
    let mut rows: Vec<ListRow> = crate::db::prepared_if(count_where.is_empty(), sql)
        .bind_values(binds.values())
        .load(conn)?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let (has_prev, has_next) = if backward {
        rows.reverse();
        (more, query.last != "1")
    } else {
        (positioned, more)
    };
    // Filtered by the figures' keys only (or not at all), the count is the figures' sum: a few
    // groups, read for the figures beside the list, instead of up to COUNT_CAP rows.
    let total = match query.figures_total(groups) {
        Some(n) => n,
        None => capped_count(
            conn,
            "opportunities o",
            &count_where,
            count_values,
            COUNT_CAP,
        )?,
    };
    Ok(Page {
        rows,
        has_prev,
        has_next,
        total,
    })
}

/// The CSV export's header, in the order of [`ExportRow::cells`].
pub const EXPORT_COLUMNS: [&str; 22] = [
    "No.",
    "Description",
    "Contact No.",
    "Contact",
    "Company No.",
    "Company",
    "Salesperson",
    "Campaign",
    "Segment",
    "Sales cycle",
    "Stage",
    "Status",
    "Priority",
    "Estimated value",
    "Chances of success %",
    "Completed %",
    "Probability %",
    "Current value",
    "Estimated closing date",
    "Date closed",
    "Close code",
    "Created",
];

crate::db::columns::columns_in_order! {
    /// One opportunity as the exports write it.
    #[derive(Clone, Debug)]
    pub struct ExportRow {
        pub no: String as Text,
        pub description: String as Text,
        pub contact_no: String as Text,
        pub contact_name: String as Text,
        pub company_no: Option<String> as Nullable<Text>,
        pub company_name: Option<String> as Nullable<Text>,
        pub salesperson_code: Option<String> as Nullable<Text>,
        pub campaign_no: Option<String> as Nullable<Text>,
        pub segment_no: Option<String> as Nullable<Text>,
        pub sales_cycle_code: String as Text,
        pub current_stage: Option<i32> as Nullable<Integer>,
        pub status: String as Text,
        pub priority: String as Text,
        pub estimated_value: BigDecimal as Numeric,
        pub chances_pct: BigDecimal as Numeric,
        pub completed_pct: BigDecimal as Numeric,
        pub probability_pct: BigDecimal as Numeric,
        pub current_value: BigDecimal as Numeric,
        pub estimated_closing_date: Option<NaiveDate> as Nullable<Date>,
        pub date_closed: Option<NaiveDate> as Nullable<Date>,
        pub close_code: Option<String> as Nullable<Text>,
        pub creation_date: NaiveDate as Date,
    }
}

impl crate::web::csv::Record for ExportRow {
    fn cells(&self) -> Vec<crate::web::csv::Cell<'_>> {
        use crate::web::csv::Cell;
        use bigdecimal::ToPrimitive;
        let amount = |v: &BigDecimal| Cell::Amount(v.to_f64().unwrap_or_default());
        let date = |d: Option<NaiveDate>| d.map_or(Cell::Empty, Cell::Date);
        vec![
            Cell::text(&self.no),
            Cell::text(&self.description),
            Cell::text(&self.contact_no),
            Cell::text(&self.contact_name),
            Cell::opt(&self.company_no),
            Cell::opt(&self.company_name),
            Cell::opt(&self.salesperson_code),
            Cell::opt(&self.campaign_no),
            Cell::opt(&self.segment_no),
            Cell::text(&self.sales_cycle_code),
            self.current_stage
                .map_or(Cell::Empty, |s| Cell::Int(s.into())),
            Cell::text(Status::parse(&self.status).map_or("", Status::label)),
            Cell::text(super::record::priority_label(&self.priority)),
            amount(&self.estimated_value),
            amount(&self.chances_pct),
            amount(&self.completed_pct),
            amount(&self.probability_pct),
            amount(&self.current_value),
            date(self.estimated_closing_date),
            date(self.date_closed),
            Cell::opt(&self.close_code),
            Cell::Date(self.creation_date),
        ]
    }
}

/// Every opportunity the filters select, in the list's order, for the exports: the statement
/// and its values.
pub fn export_query(query: &ListQuery) -> (String, Vec<BindValue>) {
    let (key, _) = query.sort_parts();
    let mut binds = Binds::new(0);
    let conditions = query.conditions(&mut binds);
    let order = if query.dir == "desc" { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT o.no::text AS no, o.description, c.no::text AS contact_no, c.name AS contact_name, \
                co.no::text AS company_no, co.name AS company_name, \
                o.salesperson_code::text AS salesperson_code, o.campaign_no::text AS campaign_no, \
                o.segment_no::text AS segment_no, o.sales_cycle_code::text AS sales_cycle_code, \
                o.current_stage, o.status, o.priority, o.estimated_value, o.chances_pct, \
                o.completed_pct, o.probability_pct, o.current_value, o.estimated_closing_date, \
                o.date_closed, o.close_code::text AS close_code, o.creation_date \
         FROM opportunities o JOIN contacts c ON c.id = o.contact_id \
         LEFT JOIN contacts co ON co.id = o.company_id {} \
         ORDER BY {key} {order}, o.id {order}",
        where_clause(&conditions)
    );
    (sql, binds.values())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> ListQuery {
        let mut q = ListQuery::default();
        for (k, v) in pairs {
            let v = v.to_string();
            match *k {
                "q" => q.q = v,
                "status" => q.status = v,
                "salesperson" => q.salesperson = v,
                "segment" => q.segment = v,
                "stage" => q.stage = v,
                "closing_from" => q.closing_from = v,
                "closing_to" => q.closing_to = v,
                "campaign" => q.campaign = v,
                "cycle" => q.cycle = v,
                "contact" => q.contact = v,
                "company" => q.company = v,
                _ => unreachable!("{k}"),
            }
        }
        q.normalised()
    }

    #[test]
    fn only_the_figures_keys_count_from_the_figures() {
        let group = |cycle: &str,
                     stage: Option<i32>,
                     sp: Option<&str>,
                     cp: Option<&str>,
                     status: &str,
                     n| Group {
            sales_cycle_code: cycle.into(),
            stage,
            stage_description: None,
            salesperson_code: sp.map(String::from),
            campaign_no: cp.map(String::from),
            status: status.into(),
            in_period: n % 2 == 0,
            n,
            estimated: BigDecimal::from(0),
            current: BigDecimal::from(0),
        };
        let groups = [
            group("NEW", Some(2), Some("JO"), None, "in_progress", 1),
            group("NEW", Some(2), Some("JO"), Some("CP1"), "in_progress", 2),
            group("NEW", None, Some("JO"), None, "not_started", 4),
            group("NEW", Some(3), None, None, "won", 8),
            group("OLD", Some(2), Some("PL"), None, "lost", 16),
        ];
        let total = |q: &[(&str, &str)]| query(q).figures_total(&groups);
        assert_eq!(total(&[]), Some(31));
        assert_eq!(
            total(&[("status", "open"), ("salesperson", "jo"), ("stage", "2")]),
            Some(3)
        );
        assert_eq!(total(&[("status", "open")]), Some(7));
        assert_eq!(total(&[("status", "won")]), Some(8));
        assert_eq!(total(&[("campaign", "cp1")]), Some(2));
        assert_eq!(total(&[("cycle", "OLD"), ("stage", "2")]), Some(16));
        assert_eq!(total(&[("salesperson", "XX")]), Some(0));
        assert_eq!(total(&[("stage", "9")]), Some(0));
        for other in [
            ("q", "chairs"),
            ("segment", "SM0001"),
            ("contact", "CT1"),
            ("company", "CT2"),
            ("closing_from", "2026-01-01"),
            ("closing_to", "2026-12-31"),
            ("stage", "0"),
            ("stage", "two"),
        ] {
            assert_eq!(total(&[other]), None, "{other:?}");
        }
    }
}
