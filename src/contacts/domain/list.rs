//! The contact list's query: search, filters, sorting, paging — one SQL statement with bound
//! values, shared by the list page and the CSV export.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use serde::Deserialize;

/// The list's query string, kept in the URL so a list can be bookmarked.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub salesperson: String,
    #[serde(default)]
    pub territory: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub industry_group: String,
    #[serde(default)]
    pub mailing_group: String,
    /// `excluded`, `blocked` or `none` (neither flag).
    #[serde(default)]
    pub flag: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub dir: String,
    #[serde(default)]
    pub page: Option<String>,
}

/// Sortable columns: URL name, SQL expression, header label. Each has an index
/// `(column, id)`, so the first page of any sort reads only that page.
pub const SORTS: [(&str, &str, &str); 5] = [
    ("no", "c.no", "No."),
    ("name", "c.name", "Name"),
    ("city", "c.city", "City"),
    ("country", "c.country_code", "Country/Region"),
    ("salesperson", "c.salesperson_code", "Salesperson"),
];

pub const PAGE_SIZE: i64 = 50;

/// A list row: the contact and its company's number and name.
#[derive(Clone, Debug, QueryableByName)]
pub struct ListRow {
    #[diesel(sql_type = Text)]
    pub no: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub company_no: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub company_name: Option<String>,
    #[diesel(sql_type = Text)]
    pub city: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub country_code: Option<String>,
    #[diesel(sql_type = Text)]
    pub phone: String,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub salesperson_code: Option<String>,
    #[diesel(sql_type = Bool)]
    pub exclude_from_segment: bool,
    #[diesel(sql_type = Bool)]
    pub privacy_blocked: bool,
}

impl ListRow {
    pub fn type_label(&self) -> &'static str {
        super::model::type_label(&self.kind)
    }
}

impl ListQuery {
    pub fn normalised(mut self) -> Self {
        self.q = self.q.trim().to_string();
        for f in [
            &mut self.salesperson,
            &mut self.territory,
            &mut self.country,
            &mut self.industry_group,
            &mut self.mailing_group,
        ] {
            *f = f.trim().to_uppercase();
        }
        self.kind = self.kind.trim().to_lowercase();
        self.flag = self.flag.trim().to_lowercase();
        if !SORTS.iter().any(|(k, _, _)| *k == self.sort) {
            self.sort = "name".into();
        }
        if self.dir != "desc" {
            self.dir = "asc".into();
        }
        self
    }

    pub fn is_filtered(&self) -> bool {
        !(self.q.is_empty()
            && self.kind.is_empty()
            && self.salesperson.is_empty()
            && self.territory.is_empty()
            && self.country.is_empty()
            && self.industry_group.is_empty()
            && self.mailing_group.is_empty()
            && self.flag.is_empty())
    }

    /// The WHERE clause (over `contacts c`) and its values, in placeholder order.
    pub fn conditions(&self) -> (String, Vec<String>) {
        let mut sql: Vec<String> = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let bind = |values: &mut Vec<String>, v: String| {
            values.push(v);
            format!("${}", values.len())
        };
        if !self.q.is_empty() {
            let p = bind(&mut values, crate::db::text::contains_pattern(&self.q));
            sql.push(format!("c.search_text LIKE {p}"));
        }
        if self.kind == "company" || self.kind == "person" {
            let p = bind(&mut values, self.kind.clone());
            sql.push(format!("c.type = {p}"));
        }
        for (value, column) in [
            (&self.salesperson, "c.salesperson_code"),
            (&self.territory, "c.territory_code"),
            (&self.country, "c.country_code"),
        ] {
            if !value.is_empty() {
                let p = bind(&mut values, value.clone());
                sql.push(format!("{column} = {p}"));
            }
        }
        if !self.industry_group.is_empty() {
            // A person has its company's industry groups.
            let p = bind(&mut values, self.industry_group.clone());
            sql.push(format!(
                "EXISTS (SELECT 1 FROM contact_industry_groups g \
                 WHERE g.contact_id = c.company_key AND g.code = {p})"
            ));
        }
        if !self.mailing_group.is_empty() {
            let p = bind(&mut values, self.mailing_group.clone());
            sql.push(format!(
                "EXISTS (SELECT 1 FROM contact_mailing_groups m \
                 WHERE m.contact_id = c.id AND m.code = {p})"
            ));
        }
        match self.flag.as_str() {
            "excluded" => sql.push("c.exclude_from_segment".into()),
            "blocked" => sql.push("c.privacy_blocked".into()),
            "none" => sql.push("NOT c.exclude_from_segment AND NOT c.privacy_blocked".into()),
            _ => {}
        }
        let clause = if sql.is_empty() {
            "TRUE".to_string()
        } else {
            sql.join(" AND ")
        };
        (clause, values)
    }

    pub fn order_by(&self) -> String {
        let column = SORTS
            .iter()
            .find(|(k, _, _)| *k == self.sort)
            .map(|(_, c, _)| *c)
            .unwrap_or("c.name");
        let dir = if self.dir == "desc" { "DESC" } else { "ASC" };
        if column == "c.no" {
            // Unique already: a second key would keep the index from serving the sort.
            format!("c.no {dir}")
        } else {
            format!("{column} {dir}, c.id {dir}")
        }
    }

    /// The query string of this list with some parameters changed (empty values left out).
    pub fn link(&self, changes: &[(&str, &str)]) -> String {
        let page = self.page.clone().unwrap_or_default();
        let current = [
            ("q", self.q.as_str()),
            ("type", self.kind.as_str()),
            ("salesperson", self.salesperson.as_str()),
            ("territory", self.territory.as_str()),
            ("country", self.country.as_str()),
            ("industry_group", self.industry_group.as_str()),
            ("mailing_group", self.mailing_group.as_str()),
            ("flag", self.flag.as_str()),
            ("sort", self.sort.as_str()),
            ("dir", self.dir.as_str()),
            ("page", page.as_str()),
        ];
        crate::web::pagination::query_string(current.into_iter().filter_map(|(key, value)| {
            let value = changes
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .unwrap_or(value);
            let default = (key == "sort" && value == "name")
                || (key == "dir" && value == "asc")
                || (key == "page" && value == "1");
            (!value.is_empty() && !default).then_some((key, value))
        }))
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

fn bind_all(
    sql: String,
    values: Vec<String>,
) -> BoxedSqlQuery<'static, Pg, diesel::query_builder::SqlQuery> {
    let mut query = diesel::sql_query(sql).into_boxed::<Pg>();
    for v in values {
        query = query.bind::<Text, _>(v);
    }
    query
}

pub const SELECT_ROW: &str =
    "SELECT c.no::text AS no, c.type AS kind, c.name, co.no::text AS company_no, \
     co.name AS company_name, c.city, c.country_code::text AS country_code, c.phone, c.email, \
     c.salesperson_code::text AS salesperson_code, c.exclude_from_segment, c.privacy_blocked \
     FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id";

/// One page of the list.
pub fn page(conn: &mut PgConnection, query: &ListQuery, offset: i64) -> QueryResult<Vec<ListRow>> {
    let (clause, values) = query.conditions();
    let n = values.len();
    let sql = format!(
        "{SELECT_ROW} WHERE {clause} ORDER BY {} LIMIT ${} OFFSET ${}",
        query.order_by(),
        n + 1,
        n + 2
    );
    bind_all(sql, values)
        .bind::<BigInt, _>(PAGE_SIZE)
        .bind::<BigInt, _>(offset)
        .load(conn)
}

/// Counting stops here: past it the list says "more than 10,000", so that a broad search
/// over a million contacts answers as fast as a narrow one.
pub const COUNT_CAP: i64 = 10_000;

/// How many contacts the query matches, counted up to [`COUNT_CAP`] + 1.
pub fn count(conn: &mut PgConnection, query: &ListQuery) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let (clause, values) = query.conditions();
    let sql = format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM contacts c WHERE {clause} LIMIT {}) x",
        COUNT_CAP + 1
    );
    Ok(bind_all(sql, values).get_result::<N>(conn)?.n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_bound_never_spliced() {
        let q = ListQuery {
            q: "O'Brien%_".into(),
            country: "dk'; DROP TABLE contacts; --".into(),
            industry_group: "retail".into(),
            flag: "excluded".into(),
            ..Default::default()
        }
        .normalised();
        let (sql, values) = q.conditions();
        assert!(!sql.contains("Brien") && !sql.contains("DROP"));
        assert_eq!(values[0], "%o'brien\\%\\_%");
        assert_eq!(values[1], "DK'; DROP TABLE CONTACTS; --");
        assert_eq!(values[2], "RETAIL");
        assert!(sql.contains("$3") && sql.contains("c.exclude_from_segment"));
    }

    #[test]
    fn unknown_sorts_fall_back_to_name() {
        let q = ListQuery {
            sort: "password_hash; --".into(),
            dir: "sideways".into(),
            ..Default::default()
        }
        .normalised();
        assert_eq!(q.order_by(), "c.name ASC, c.id ASC");
        let q = ListQuery {
            sort: "city".into(),
            dir: "desc".into(),
            ..Default::default()
        }
        .normalised();
        assert_eq!(q.order_by(), "c.city DESC, c.id DESC");
    }

    #[test]
    fn links_keep_the_query() {
        let q = ListQuery {
            q: "acme co".into(),
            country: "dk".into(),
            ..Default::default()
        }
        .normalised();
        assert_eq!(q.link(&[]), "?q=acme+co&country=DK");
        assert_eq!(q.link(&[("page", "2")]), "?q=acme+co&country=DK&page=2");
        assert_eq!(q.sort_link("name"), "?q=acme+co&country=DK&dir=desc");
        assert_eq!(q.sort_link("city"), "?q=acme+co&country=DK&sort=city");
        assert_eq!(q.aria_sort("name"), "ascending");
    }
}
