//! The contact list's query string: its search, filters and sort, kept in the URL so a list
//! can be bookmarked; the SQL conditions it makes, and the links that keep it.

use diesel::prelude::*;
use serde::Deserialize;

use super::page::{order, From};
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
    /// A company's No.: the company and its persons.
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub industry_group: String,
    #[serde(default)]
    pub business_relation: String,
    #[serde(default)]
    pub mailing_group: String,
    /// A person's own job responsibility.
    #[serde(default)]
    pub job_responsibility: String,
    /// `excluded`, `blocked` or `none` (neither flag).
    #[serde(default)]
    pub flag: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub dir: String,
    /// Keyset: the page after this contact (its No.), in the list's order.
    #[serde(default)]
    pub after: String,
    /// Keyset: the page before this contact.
    #[serde(default)]
    pub before: String,
    /// With `after` or `before`: that contact's sort value as the page that linked here
    /// showed it (`=` and the value, or `null`; see [`ListRow::key_param`]). The page goes on
    /// from there, where the user was, even if the contact has been renamed (or moved to
    /// another city, country or salesperson) since: looked up afresh, its new place would
    /// skip or repeat the contacts in between. A link without it (an older bookmark) goes on
    /// from where the contact is now.
    #[serde(default)]
    pub key: String,
    /// `1`: the last page.
    #[serde(default)]
    pub last: String,
    /// With `after` or `before`: how many contacts of the list come before that contact, as
    /// the page that linked here knew it. A list whose total is only known "about" carries
    /// where its pages stand from page to page instead of counting it on every view.
    #[serde(default)]
    pub at: String,
    /// Rows a page (10 to 500; 50 when not given).
    #[serde(default)]
    pub size: String,
}

/// A code filter's value for the contacts without one ("(none)" in its list; the value is
/// `(no code)`, read in capitals). It holds a space, which no code can: a salesperson coded
/// `(NONE)` is filtered by its code like any other.
pub const NONE: &str = "(NO CODE)";

/// Sortable columns: URL name, SQL expression, header label. Each has an index
/// `(column, id)`, so any page of any sort reads only that page (keyset paging).
pub const SORTS: [(&str, &str, &str); 5] = [
    ("no", "c.no", "No."),
    ("name", "c.name", "Name"),
    ("city", "c.city", "City"),
    ("country", "c.country_code", "Country/Region"),
    ("salesperson", "c.salesperson_code", "Salesperson"),
];

/// Why the Company No. filter names no company (a typo, or a person's No.), or `None`.
pub fn company_problem(conn: &mut PgConnection, no: &str) -> QueryResult<Option<String>> {
    if no.is_empty() {
        return Ok(None);
    }
    #[derive(QueryableByName)]
    struct Kind {
        #[diesel(sql_type = diesel::sql_types::Text)]
        kind: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        company: Option<String>,
    }
    let found = diesel::sql_query(
        "SELECT c.type AS kind, co.no::text AS company FROM contacts c \
         LEFT JOIN contacts co ON co.id = c.company_id WHERE c.no = $1",
    )
    .bind::<diesel::sql_types::Text, _>(no)
    .get_result::<Kind>(conn)
    .optional()?;
    Ok(match found {
        None => Some(format!("There is no contact {no}.")),
        Some(k) if k.kind == "person" => Some(match k.company {
            Some(co) => format!("{no} is a person: its company is {co}."),
            None => format!("{no} is a person without a company: give a company's No."),
        }),
        Some(_) => None,
    })
}

pub const PAGE_SIZE: i64 = 50;
pub const MIN_PAGE_SIZE: i64 = 10;
pub const MAX_PAGE_SIZE: i64 = 500;

impl ListQuery {
    /// The sorted column's header, for the table's caption ("No.", "City").
    pub fn sort_label(&self) -> &'static str {
        SORTS
            .iter()
            .find(|(k, _, _)| *k == self.sort)
            .map_or("No.", |(_, _, l)| *l)
    }

    pub fn normalised(mut self) -> Self {
        // Invisible characters at its ends too (a search pasted with a zero-width space found
        // nothing).
        self.q = crate::db::text::trimmed(&self.q).to_string();
        for f in [
            &mut self.salesperson,
            &mut self.territory,
            &mut self.country,
            &mut self.company,
            &mut self.industry_group,
            &mut self.business_relation,
            &mut self.mailing_group,
            &mut self.job_responsibility,
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
        self.after = self.after.trim().to_uppercase();
        self.before = self.before.trim().to_uppercase();
        if (self.after.is_empty() && self.before.is_empty()) || self.carried_key().is_none() {
            self.key.clear();
        }
        if self.last != "1" {
            self.last.clear();
        }
        self.at = match self.at.trim().parse::<u32>() {
            Ok(n) if !(self.after.is_empty() && self.before.is_empty()) => n.to_string(),
            _ => String::new(),
        };
        self.size = match self.size.trim().parse::<i64>() {
            Ok(n) if n != PAGE_SIZE => n.clamp(MIN_PAGE_SIZE, MAX_PAGE_SIZE).to_string(),
            _ => String::new(),
        };
        self
    }

    /// Rows a page.
    pub fn page_size(&self) -> i64 {
        self.size.parse().unwrap_or(PAGE_SIZE)
    }

    /// The contacts before the one the page starts after (or ends before), carried by the
    /// link (`at`).
    pub fn at(&self) -> Option<i64> {
        self.at.parse().ok()
    }

    /// The sort value the link carries for the contact a page starts after (or ends before):
    /// `Some(None)` for no value (no country, say), `None` when it carries none (or one no
    /// contact can have: with a NUL, which PostgreSQL refuses in a text).
    pub(super) fn carried_key(&self) -> Option<Option<String>> {
        match self.key.as_str() {
            "null" => Some(None),
            k => k
                .strip_prefix('=')
                .filter(|v| !v.contains('\0'))
                .map(|v| Some(v.to_string())),
        }
    }

    /// Where the asked-for page starts.
    pub fn from(&self) -> From {
        if !self.after.is_empty() {
            From::After(self.after.clone())
        } else if !self.before.is_empty() {
            From::Before(self.before.clone())
        } else if self.last == "1" {
            From::Last
        } else {
            From::First
        }
    }

    pub fn is_filtered(&self) -> bool {
        self.filters() > 0
    }

    /// The WHERE clause (over `contacts c`) and its values, in placeholder order, written for
    /// the planner ([`Form::Planned`]).
    pub fn conditions(&self) -> (String, Vec<String>) {
        self.conditions_in(Form::Planned)
    }

    /// The filters given: the search, the type, each code filter and the flag.
    pub(super) fn filters(&self) -> usize {
        [
            &self.q,
            &self.kind,
            &self.salesperson,
            &self.territory,
            &self.country,
            &self.company,
            &self.industry_group,
            &self.business_relation,
            &self.mailing_group,
            &self.job_responsibility,
            &self.flag,
        ]
        .iter()
        .filter(|f| !f.is_empty())
        .count()
    }

    /// The WHERE clause (over `contacts c`) in a [`Form`], and its values in placeholder order.
    pub(super) fn conditions_in(&self, form: Form) -> (String, Vec<String>) {
        let dense = form == Form::Dense;
        let mut sql: Vec<String> = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let bind = |values: &mut Vec<String>, v: String| {
            values.push(v);
            format!("${}", values.len())
        };
        // Dense, a test the planner takes for half the contacts whatever its value, and reads
        // no index for: `COALESCE(test, false)` (as a test, the same).
        let plain = |test: String| {
            if dense {
                format!("COALESCE({test}, false)")
            } else {
                test
            }
        };
        if !self.q.is_empty() {
            if dense {
                // The same test as the pattern's, as a plain search for the folded text:
                // twice as fast over the name index as LIKE's matching.
                let p = bind(&mut values, crate::db::text::search_term(&self.q));
                sql.push(format!("strpos(c.search_text, {p}) > 0"));
            } else {
                let p = bind(&mut values, crate::db::text::search_pattern(&self.q));
                sql.push(format!("c.search_text LIKE {p}"));
            }
            if crate::db::text::is_phone(&self.q) {
                let p = bind(&mut values, crate::db::text::search_pattern(&self.q));
                sql.extend(crate::db::text::phone_test(&self.q, "c", &p));
            }
        }
        if self.kind == "company" || self.kind == "person" {
            let p = bind(&mut values, self.kind.clone());
            sql.push(plain(format!("c.type = {p}")));
        }
        for (value, column) in [
            (&self.salesperson, "c.salesperson_code"),
            (&self.territory, "c.territory_code"),
            (&self.country, "c.country_code"),
        ] {
            if value == NONE {
                sql.push(plain(format!("{column} IS NULL")));
            } else if !value.is_empty() {
                let p = bind(&mut values, value.clone());
                sql.push(plain(format!("{column} = {p}")));
            }
        }
        // The company and its persons, by the company's key (its own id for a company).
        if !self.company.is_empty() {
            let p = bind(&mut values, self.company.clone());
            sql.push(plain(format!(
                "c.company_key = (SELECT co.id FROM contacts co WHERE co.no = {p})"
            )));
        }
        // A person has its company's industry groups and business relations. Dense, each
        // contact looks up its own (one row at most, by the key): an EXISTS would be planned
        // as a hash of every contact in the group, read whole before the first row (17 ms for
        // RETAIL).
        for (value, table, contact) in [
            (
                &self.industry_group,
                "contact_industry_groups",
                "c.company_key",
            ),
            (
                &self.business_relation,
                "contact_business_relations",
                "c.company_key",
            ),
            (&self.mailing_group, "contact_mailing_groups", "c.id"),
            (
                &self.job_responsibility,
                "contact_job_responsibilities",
                "c.id",
            ),
        ] {
            if value == NONE {
                sql.push(if dense {
                    format!(
                        "NOT COALESCE((SELECT true FROM {table} g \
                         WHERE g.contact_id = {contact} LIMIT 1), false)"
                    )
                } else {
                    format!("NOT EXISTS (SELECT 1 FROM {table} g WHERE g.contact_id = {contact})")
                });
            } else if !value.is_empty() {
                let p = bind(&mut values, value.clone());
                sql.push(if dense {
                    format!(
                        "COALESCE((SELECT true FROM {table} g \
                         WHERE g.contact_id = {contact} AND g.code = {p}), false)"
                    )
                } else {
                    format!(
                        "EXISTS (SELECT 1 FROM {table} g \
                         WHERE g.contact_id = {contact} AND g.code = {p})"
                    )
                });
            }
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

    /// The SQL expression of the sort column.
    pub(super) fn column(&self) -> &'static str {
        SORTS
            .iter()
            .find(|(k, _, _)| *k == self.sort)
            .map(|(_, c, _)| *c)
            .unwrap_or("c.name")
    }

    pub fn order_by(&self) -> String {
        order(self.column(), self.dir != "desc")
    }

    /// The query string of this list with some parameters changed (empty values left out).
    pub fn link(&self, changes: &[(&str, &str)]) -> String {
        let current = [
            ("q", self.q.as_str()),
            ("type", self.kind.as_str()),
            ("salesperson", self.salesperson.as_str()),
            ("territory", self.territory.as_str()),
            ("country", self.country.as_str()),
            ("company", self.company.as_str()),
            ("industry_group", self.industry_group.as_str()),
            ("business_relation", self.business_relation.as_str()),
            ("mailing_group", self.mailing_group.as_str()),
            ("job_responsibility", self.job_responsibility.as_str()),
            ("flag", self.flag.as_str()),
            ("sort", self.sort.as_str()),
            ("dir", self.dir.as_str()),
            ("size", self.size.as_str()),
            ("after", self.after.as_str()),
            ("before", self.before.as_str()),
            ("key", self.key.as_str()),
            ("last", self.last.as_str()),
            ("at", self.at.as_str()),
        ];
        crate::web::pagination::query_string(current.into_iter().filter_map(|(key, value)| {
            let value = changes
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .unwrap_or(value);
            let default = (key == "sort" && value == "name") || (key == "dir" && value == "asc");
            (!value.is_empty() && !default).then_some((key, value))
        }))
    }

    /// The link to a page of this list: the first, the last, or the one after or before a
    /// contact (other filters, sort and size kept) with that contact's sort value as shown
    /// (`key`, from [`ListRow::key_param`]) and how many contacts come before it when the
    /// page carries it (`at`).
    pub fn page_link(&self, to: &From, key: &str, at: Option<i64>) -> String {
        let (after, before, last) = match to {
            From::First => ("", "", ""),
            From::Last => ("", "", "1"),
            From::After(no) => (no.as_str(), "", ""),
            From::Before(no) => ("", no.as_str(), ""),
        };
        let (key, at) = match to {
            From::After(_) | From::Before(_) => {
                (key, at.map(|n| n.to_string()).unwrap_or_default())
            }
            From::First | From::Last => ("", String::new()),
        };
        self.link(&[
            ("after", after),
            ("before", before),
            ("key", key),
            ("last", last),
            ("at", &at),
        ])
    }

    /// The link to this list unpaged, with `changes`: from its first page.
    pub fn first_page_link(&self, changes: &[(&str, &str)]) -> String {
        let unpaged = [
            ("after", ""),
            ("before", ""),
            ("key", ""),
            ("last", ""),
            ("at", ""),
        ];
        self.link(&[changes, &unpaged].concat())
    }

    /// The link of a column header: sorts by it, or flips the direction if it is the sort.
    pub fn sort_link(&self, key: &str) -> String {
        let dir = crate::web::pagination::header_dir(&self.sort, &self.dir, key);
        self.first_page_link(&[("sort", key), ("dir", dir)])
    }

    /// `ascending`/`descending` for the column that is the sort, for `aria-sort`.
    pub fn aria_sort(&self, key: &str) -> &'static str {
        crate::web::pagination::aria_sort(&self.sort, &self.dir, key)
    }
}

/// How a list's conditions are written for PostgreSQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    /// For the planner to weigh by their values, on every view: it reads the list's order
    /// and tests each contact when many pass, and gathers the few that pass from an index of
    /// their own (the search's trigrams, a country's) when few do.
    Planned,
    /// For a list known to hold many contacts ([`Size::Many`]): read in its order,
    /// each filter a plain test of every contact read, which the planner neither reads an
    /// index for nor weighs by its value. One plan then serves every value, and the page's
    /// statement is kept prepared instead of planned on every view. At a million contacts,
    /// PostgreSQL's time for a page: DK and RETAIL 2.3–3.4 → 1.5–1.6 ms; `q=hansen` 7.8–8.3
    /// → 5.3–5.4 ms.
    Dense,
}

/// What is known of how many contacts a filtered list holds, for how its page is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// Not known, or neither many nor few: the planner weighs the filters' values.
    Unknown,
    /// Many: its count is kept and at least the dense mark ([`Form::Dense`]).
    Many,
    /// Few: counted (or its count kept) at no more than the few mark, 300 contacts. Its
    /// contacts are gathered first by their filters' own indexes, then put in order. Read in
    /// its order, as the planner reckons for filters it takes as independent, a list shorter
    /// than its page is read to the end of the order: DK and territory US-WEST (no contacts)
    /// read the whole name index of a million contacts, 317 ms; gathered first, 39 ms. DE,
    /// salesperson JBN and companies (104): 270 → 25 ms. Past some 300 contacts reading in
    /// order was as quick or quicker (317: 56 against 58 ms; 601: 27 against 121 ms).
    Few,
}

#[cfg(test)]
mod tests {
    use super::super::ListRow;
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
        assert_eq!(
            q.page_link(&From::After("CT000051".into()), "=Acme Co A/S", None),
            "?q=acme+co&country=DK&after=CT000051&key=%3DAcme+Co+A%2FS"
        );
        assert_eq!(
            q.page_link(&From::Before("CT000051".into()), "null", Some(50)),
            "?q=acme+co&country=DK&before=CT000051&key=null&at=50"
        );
        assert_eq!(
            q.page_link(&From::Last, "=Acme", Some(50)),
            "?q=acme+co&country=DK&last=1"
        );
        assert_eq!(q.sort_link("name"), "?q=acme+co&country=DK&dir=desc");
        assert_eq!(q.sort_link("city"), "?q=acme+co&country=DK&sort=city");
        assert_eq!(q.aria_sort("name"), "ascending");
    }

    #[test]
    fn where_a_page_stands_is_carried_only_beside_a_contact_and_as_a_number() {
        let q = |after: &str, at: &str| {
            ListQuery {
                after: after.into(),
                at: at.into(),
                sort: "city".into(),
                ..Default::default()
            }
            .normalised()
        };
        let carried = q("ct000051", " 7499 ");
        assert_eq!(carried.at(), Some(7499));
        assert_eq!(carried.from(), From::After("CT000051".into()));
        // Moving elsewhere in the list (its first page, a new sort) leaves it behind.
        assert_eq!(carried.sort_link("city"), "?sort=city&dir=desc");
        assert_eq!(carried.first_page_link(&[]), "?sort=city");
        for (after, at) in [
            ("", "7499"),
            ("CT1", "-1"),
            ("CT1", "1e3"),
            ("CT1", "99999999999"),
        ] {
            let q = q(after, at);
            assert_eq!(q.at(), None, "{after} {at}");
            assert!(!q.link(&[]).contains("at="), "{after} {at}");
        }
    }

    #[test]
    fn a_contacts_sort_value_is_carried_only_beside_it_and_read_back_as_it_was() {
        let q = |after: &str, key: &str| {
            ListQuery {
                after: after.into(),
                key: key.into(),
                sort: "country".into(),
                ..Default::default()
            }
            .normalised()
        };
        assert_eq!(q("CT1", "=DK").carried_key(), Some(Some("DK".into())));
        assert_eq!(q("CT1", "=").carried_key(), Some(Some(String::new())));
        assert_eq!(
            q("CT1", "= Odense ").carried_key(),
            Some(Some(" Odense ".into()))
        );
        assert_eq!(q("CT1", "null").carried_key(), Some(None));
        for (after, key) in [
            ("", "=DK"),
            ("CT1", "DK"),
            ("CT1", ""),
            ("CT1", "NULL"),
            ("CT1", "=D\0K"),
        ] {
            let q = q(after, key);
            assert_eq!(q.carried_key(), None, "{after} {key}");
            assert!(!q.link(&[]).contains("key="), "{after} {key}");
        }
        assert_eq!(q("CT1", "=DK").first_page_link(&[]), "?sort=country");
        let row = |country: Option<&str>| ListRow {
            no: "CT1".into(),
            kind: "company".into(),
            name: "Acme".into(),
            company_no: None,
            company_name: None,
            city: String::new(),
            country_code: country.map(str::to_string),
            phone: String::new(),
            email: String::new(),
            salesperson_code: None,
            exclude_from_segment: false,
            privacy_blocked: false,
        };
        let by = |sort: &str| ListQuery {
            sort: sort.into(),
            ..Default::default()
        };
        assert_eq!(row(Some("DK")).key_param(&by("country")), "=DK");
        assert_eq!(row(None).key_param(&by("country")), "null");
        assert_eq!(row(None).key_param(&by("city")), "=");
        assert_eq!(row(None).key_param(&by("name")), "=Acme");
        assert_eq!(row(None).key_param(&by("salesperson")), "null");
        assert_eq!(row(None).key_param(&by("no")), "");
    }
}
