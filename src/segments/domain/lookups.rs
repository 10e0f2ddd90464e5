//! The lookups of the filter form's code fields (see docs/segments.md, Lookups): the codes
//! each field offers as the user types (one `<datalist>` per code table, read in one query),
//! the page that lists its codes, and the check that a plain value typed is one of them, so
//! that a typo ("RETIAL") is refused next to its field instead of previewing "adds 0
//! contacts". Patterns and ranges are the user's business and are never checked.

use super::criteria::{Criteria, Field, FieldError, Problem, FIELDS};
use super::stored::{StepKind, StoredStep};
use crate::db::binds::{bind_all, BindValue, Binds};
use crate::setup::CodeList;
use diesel::prelude::*;
use diesel::sql_types::Text;

/// Where a code field's codes come from. Every SQL fragment is fixed text.
#[derive(Debug)]
pub struct Lookup {
    /// Names its datalist (`codes-<id>`) and tells lookups apart.
    pub id: &'static str,
    table: &'static str,
    /// The code column.
    code: &'static str,
    /// What is shown beside a code.
    description: &'static str,
    /// A condition on the table's rows (`TRUE` for all).
    only: &'static str,
    /// "an industry group code", for "RETIAL is not an industry group code".
    pub noun: &'static str,
    /// The page that lists the codes.
    pub href: &'static str,
    /// The text of the link to that page.
    pub link: &'static str,
    /// Whether the codes are offered as the user types (not contacts: there are thousands).
    pub offered: bool,
}

const fn setup(
    id: &'static str,
    table: &'static str,
    noun: &'static str,
    href: &'static str,
    link: &'static str,
) -> Lookup {
    Lookup {
        id,
        table,
        code: "code",
        description: "description",
        only: "TRUE",
        noun,
        href,
        link,
        offered: true,
    }
}

pub const SALESPEOPLE: Lookup = Lookup {
    description: "name",
    ..setup(
        "salespeople",
        "salespeople",
        "a salesperson code",
        "/setup/salespeople",
        "Salespeople",
    )
};
pub const TERRITORIES: Lookup = setup(
    "territories",
    "territories",
    "a territory code",
    "/setup/territories",
    "Territories",
);
pub const COUNTRIES: Lookup = setup(
    "countries",
    "countries",
    "a country/region code",
    "/setup/countries",
    "Countries/regions",
);
pub const LANGUAGES: Lookup = setup(
    "languages",
    "languages",
    "a language code",
    "/setup/languages",
    "Languages",
);
pub const ORGANIZATIONAL_LEVELS: Lookup = setup(
    "organizational-levels",
    "organizational_levels",
    "an organizational level code",
    "/setup/organizational-levels",
    "Organizational levels",
);
pub const INDUSTRY_GROUPS: Lookup = setup(
    "industry-groups",
    "industry_groups",
    "an industry group code",
    "/setup/industry-groups",
    "Industry groups",
);
pub const BUSINESS_RELATIONS: Lookup = setup(
    "business-relations",
    "business_relations",
    "a business relation code",
    "/setup/business-relations",
    "Business relations",
);
pub const MAILING_GROUPS: Lookup = setup(
    "mailing-groups",
    "mailing_groups",
    "a mailing group code",
    "/setup/mailing-groups",
    "Mailing groups",
);
pub const JOB_RESPONSIBILITIES: Lookup = setup(
    "job-responsibilities",
    "job_responsibilities",
    "a job responsibility code",
    "/setup/job-responsibilities",
    "Job responsibilities",
);
pub const INTERACTION_TEMPLATES: Lookup = setup(
    "interaction-templates",
    "interaction_templates",
    "an interaction template code",
    "/setup/interaction-templates",
    "Interaction templates",
);
pub const INTERACTION_GROUPS: Lookup = setup(
    "interaction-groups",
    "interaction_groups",
    "an interaction group code",
    "/setup/interaction-groups",
    "Interaction groups",
);
pub const SALES_CYCLES: Lookup = setup(
    "sales-cycles",
    "sales_cycles",
    "a sales cycle code",
    "/setup/sales-cycles",
    "Sales cycles",
);
pub const CLOSE_OPPORTUNITY_CODES: Lookup = setup(
    "close-opportunity-codes",
    "close_opportunity_codes",
    "a close opportunity code",
    "/setup/close-opportunity-codes",
    "Close opportunity codes",
);
pub const CAMPAIGNS: Lookup = Lookup {
    code: "no",
    ..setup(
        "campaigns",
        "campaigns",
        "a campaign No.",
        "/campaigns",
        "Campaigns",
    )
};
pub const SEGMENTS: Lookup = Lookup {
    code: "no",
    ..setup(
        "segments",
        "segments",
        "a segment No.",
        "/segments",
        "Segments",
    )
};
pub const CONTACTS: Lookup = Lookup {
    code: "no",
    description: "name",
    offered: false,
    ..setup(
        "contacts",
        "contacts",
        "a contact No.",
        "/contacts",
        "Contacts",
    )
};
pub const COMPANIES: Lookup = Lookup {
    code: "no",
    description: "name",
    only: "type = 'company'",
    offered: false,
    ..setup(
        "companies",
        "contacts",
        "a company's contact No.",
        "/contacts?type=company",
        "Companies",
    )
};

/// The lookups of the filter form, each once, in the order of its fields.
pub fn all() -> Vec<&'static Lookup> {
    let mut out: Vec<&'static Lookup> = Vec::new();
    for f in FIELDS {
        if let Some(l) = f.lookup {
            if !out.iter().any(|o| o.id == l.id) {
                out.push(l);
            }
        }
    }
    out
}

/// The codes one lookup offers, ordered by code.
#[derive(Clone, Debug)]
pub struct Offered {
    pub lookup: &'static Lookup,
    pub options: CodeList,
}

impl Offered {
    /// A code as it is written in a filter to mean itself ([`super::filter::literal`]).
    pub fn written(&self, code: &str) -> String {
        super::filter::literal(code)
    }
}

/// The one statement that reads every offered lookup's codes.
fn offered_sql(lookups: &[&Lookup]) -> String {
    let parts: Vec<String> = lookups
        .iter()
        .filter(|l| l.offered)
        .enumerate()
        .map(|(i, l)| {
            format!(
                "SELECT {i} AS list, {code}::text AS code, {description}::text AS description \
                 FROM {table} WHERE {only}",
                code = l.code,
                description = l.description,
                table = l.table,
                only = l.only,
            )
        })
        .collect();
    format!("{} ORDER BY list, code", parts.join(" UNION ALL "))
}

/// Every offered lookup with its codes, in one query.
pub fn offered(conn: &mut PgConnection) -> QueryResult<Vec<Offered>> {
    let lookups: Vec<&'static Lookup> = all().into_iter().filter(|l| l.offered).collect();
    let lists = crate::setup::code_lists(conn, offered_sql(&lookups), lookups.len())?;
    Ok(lookups
        .into_iter()
        .zip(lists)
        .map(|(lookup, options)| Offered { lookup, options })
        .collect())
}

/// The values typed into code fields that have a lookup and that name codes exactly (`A`,
/// `A|B`, `<>A`), as their field reads them (upper-cased): the values to check against the
/// code tables. Before, only a single plain value was checked: after a rename of RETAIL,
/// stored steps of `RETAIL|WHOLESALE` or `<>RETAIL` ran on as if RETAIL named nobody.
pub fn plain_codes(criteria: &Criteria) -> Vec<(&'static Field, String)> {
    let mut out = Vec::new();
    for f in FIELDS {
        let (Some(_), Some(typed)) = (f.lookup, criteria.filters.get(f.key)) else {
            continue;
        };
        if let Ok(Some(parsed)) = super::filter::parse(typed, f.kind) {
            for v in parsed.named_values().unwrap_or_default() {
                out.push((f, v.to_string()));
            }
        }
    }
    out
}

/// One statement naming the values that are not codes of their field's table, or `None` when
/// there is nothing to check. Each field's values are bound as one text (a step may name
/// thousands: one branch each made a statement too big to plan, or to bind).
fn missing_sql(codes: &[(&'static Field, String)], binds: &mut Binds) -> Option<String> {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < codes.len() {
        let field = codes[i].0;
        let mut values: Vec<&str> = Vec::new();
        while i < codes.len() && codes[i].0.key == field.key {
            let v = codes[i].1.as_str();
            if !v.contains(SEPARATOR) && !values.contains(&v) {
                values.push(v);
            }
            i += 1;
        }
        let Some(l) = field.lookup else { continue };
        if values.is_empty() {
            continue;
        }
        let key = binds.push(BindValue::Text(field.key.to_string()));
        let list = binds.push(BindValue::Text(values.join(&SEPARATOR.to_string())));
        parts.push(format!(
            "SELECT {key}::text AS key, v.code FROM unnest(string_to_array({list}, chr(31))) v(code) \
             WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {column} = v.code AND {only})",
            table = l.table,
            column = l.code,
            only = l.only,
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" UNION ALL "))
}

/// Between the values of one field bound as one text (no value holds it: one that did would be
/// left unchecked).
const SEPARATOR: char = '\u{1f}';

/// The fields whose plain value is not one of their codes, checked in one query.
pub fn unknown_codes(conn: &mut PgConnection, criteria: &Criteria) -> QueryResult<Vec<FieldError>> {
    unknown_among(conn, plain_codes(criteria))
}

/// Which of `codes` are not codes of their field's table.
fn unknown_among(
    conn: &mut PgConnection,
    codes: Vec<(&'static Field, String)>,
) -> QueryResult<Vec<FieldError>> {
    #[derive(QueryableByName)]
    struct Missing {
        #[diesel(sql_type = Text)]
        key: String,
        #[diesel(sql_type = Text)]
        code: String,
    }
    let mut binds = Binds::new(0);
    let Some(sql) = missing_sql(&codes, &mut binds) else {
        return Ok(Vec::new());
    };
    // The codes named are held against their deletion to the end of the transaction: a
    // deletion at the same moment waits for the step or the saved criteria that name them and
    // then sees them (it counted no use, and both went through), or goes first and the step
    // sees the code gone.
    let mut tables: Vec<&str> = codes
        .iter()
        .filter_map(|(f, _)| f.lookup.map(|l| l.table))
        .collect();
    tables.sort_unstable();
    tables.dedup();
    crate::db::code_locks::hold(conn, &tables)?;
    let missing: Vec<Missing> =
        bind_all(diesel::sql_query(sql).into_boxed(), binds.values()).load(conn)?;
    Ok(codes
        .into_iter()
        .filter(|(f, code)| missing.iter().any(|m| m.key == f.key && m.code == *code))
        .filter_map(|(f, code)| {
            Some(FieldError {
                key: f.key,
                label: f.label,
                error: Problem::Unknown {
                    code,
                    noun: f.lookup?.noun,
                },
            })
        })
        .collect())
}

/// Why a stored step (of a segment's ledger or of saved criteria) can no longer run as it was
/// written, or `None`: a plain code it names that is no longer a code (renamed or deleted
/// since; a rename does not reach the stored criteria), its profile answer deleted, or the
/// segment it reused deleted. Run as it is, such a step would silently select nobody, and a
/// Refine would then empty the segment. A contact's No. is never renamed: one deleted since is
/// today's data, which the step matches no more, as any contact changed since (it stopped
/// Refresh and Save Criteria for good, with no way on but undoing the steps after it).
pub fn stale(conn: &mut PgConnection, step: &StoredStep) -> QueryResult<Option<String>> {
    let codes = plain_codes(&step.criteria)
        .into_iter()
        .filter(|(f, _)| f.lookup.is_some_and(|l| l.table != "contacts"))
        .collect();
    let mut problems: Vec<String> = unknown_among(conn, codes)?
        .iter()
        .map(FieldError::message)
        .collect();
    if answer_gone(conn, &step.criteria)? {
        problems.push("Profile: its answer has been deleted".to_string());
    }
    if step.kind == StepKind::ReuseSegment
        && super::header::find_by_no(conn, &step.subject)?.is_none()
    {
        problems.push(format!(
            "segment {}, whose contacts it added, has been deleted",
            step.subject
        ));
    }
    Ok((!problems.is_empty()).then(|| problems.join("; ")))
}

/// `why` ended as a sentence: one full stop, not a second after "… is not a campaign No.".
pub fn ended(why: &str) -> String {
    if why.ends_with('.') {
        why.to_string()
    } else {
        format!("{why}.")
    }
}

/// Whether the criteria name a profile answer that is no longer one.
fn answer_gone(conn: &mut PgConnection, criteria: &Criteria) -> QueryResult<bool> {
    use crate::db::schema::profile_answers as a;
    match criteria.profile_answer {
        // Held as the codes are ([`unknown_among`]).
        Some(id) => {
            crate::db::code_locks::hold(conn, &["profile_answers"])?;
            diesel::select(diesel::dsl::exists(a::table.filter(a::id.eq(id))))
                .get_result::<bool>(conn)
                .map(|exists| !exists)
        }
        None => Ok(false),
    }
}

/// Every problem of the criteria, in the form's order: the expressions that cannot be read,
/// the plain values that are not codes, and a profile answer that is gone (it would select
/// nobody: a Refine would empty the segment).
pub fn check(conn: &mut PgConnection, criteria: &Criteria) -> QueryResult<Vec<FieldError>> {
    let mut errors = criteria.parse().err().unwrap_or_default();
    errors.extend(criteria.new_step_refusals());
    for e in unknown_codes(conn, criteria)? {
        if !errors.iter().any(|x| x.key == e.key) {
            errors.push(e);
        }
    }
    if answer_gone(conn, criteria)? {
        errors.push(FieldError {
            key: "profile_answer",
            label: "Profile",
            error: Problem::AnswerGone,
        });
    }
    // The profile comes after every field, as on the form.
    errors.sort_by_key(|e| {
        FIELDS
            .iter()
            .position(|f| f.key == e.key)
            .unwrap_or(usize::MAX)
    });
    Ok(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria(items: &[(&str, &str)]) -> Criteria {
        let pairs: Vec<(String, String)> = items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Criteria::from_pairs(&pairs)
    }

    #[test]
    fn values_naming_codes_are_checked_and_read_upper_case_patterns_and_ranges_are_not() {
        let c = criteria(&[
            ("industry_group", "retial"),
            ("country", "D*"),
            ("territory", "A..C"),
            ("language", "DA|EN"),
            ("salesperson", "<>JBN"),
            ("mailing_group", "@xmas"),
            ("job_responsibility", "'IT'"),
            ("business_relation", "=PROS"),
            ("organizational_level", "''"),
            ("interaction_campaign", "cp0001"),
            ("name", "Smith"),
        ]);
        let codes: Vec<(&str, String)> = plain_codes(&c)
            .into_iter()
            .map(|(f, v)| (f.key, v))
            .collect();
        let expected = [
            ("salesperson", "JBN"),
            ("language", "DA"),
            ("language", "EN"),
            ("industry_group", "RETIAL"),
            ("business_relation", "PROS"),
            ("job_responsibility", "IT"),
            ("interaction_campaign", "CP0001"),
        ];
        assert_eq!(
            codes,
            expected
                .iter()
                .map(|(k, v)| (*k, v.to_string()))
                .collect::<Vec<_>>()
        );
        // Exclusions together; a mix of alternatives with a pattern is the user's business.
        let c = criteria(&[("territory", "<>NORTH&<>SOUTH"), ("country", "DK|D*")]);
        let codes: Vec<String> = plain_codes(&c).into_iter().map(|(_, v)| v).collect();
        assert_eq!(codes, ["NORTH", "SOUTH"]);
    }

    #[test]
    fn the_check_is_one_statement_with_bound_values() {
        let c = criteria(&[
            ("industry_group", "RETIAL|WHOLESALE|RETIAL"),
            ("company_no", "CT1"),
        ]);
        let mut binds = Binds::new(0);
        let sql = missing_sql(&plain_codes(&c), &mut binds).unwrap();
        assert_eq!(binds.len(), 4, "a key and one text of values a field");
        assert!(!sql.contains("RETIAL") && !sql.contains("CT1"), "{sql}");
        assert!(
            sql.contains("FROM contacts WHERE no = v.code AND type = 'company'"),
            "{sql}"
        );
        assert!(sql.contains(" UNION ALL "), "{sql}");
        assert!(
            sql.contains("FROM industry_groups WHERE code = v.code AND TRUE"),
            "{sql}"
        );
        assert!(binds
            .values()
            .iter()
            .any(|v| matches!(v, BindValue::Text(t) if t == "RETIAL\u{1f}WHOLESALE")));
        assert!(missing_sql(&[], &mut Binds::new(0)).is_none());
    }

    #[test]
    fn every_lookup_is_offered_once_and_contacts_are_not() {
        let lookups = all();
        let ids: Vec<&str> = lookups.iter().map(|l| l.id).collect();
        for id in [
            "salespeople",
            "territories",
            "countries",
            "languages",
            "industry-groups",
            "business-relations",
            "mailing-groups",
            "job-responsibilities",
            "organizational-levels",
            "interaction-templates",
            "interaction-groups",
            "campaigns",
            "segments",
            "contacts",
            "companies",
        ] {
            assert_eq!(ids.iter().filter(|i| **i == id).count(), 1, "{id}");
        }
        let sql = offered_sql(&lookups);
        assert!(!sql.contains("FROM contacts"), "{sql}");
        assert_eq!(sql.matches("SELECT ").count(), lookups.len() - 2);
        // Every code field of the form has a lookup, but the two whose codes are the
        // contact's own text (Search Name, Post Code: upper case, no table of codes).
        for f in FIELDS {
            if f.kind == super::super::filter::FieldKind::Code
                && !["search_name", "post_code"].contains(&f.key)
            {
                assert!(f.lookup.is_some(), "{} has no lookup", f.key);
            }
        }
    }

    #[test]
    fn setup_links_are_the_setup_tables_pages() {
        for l in all() {
            if let Some(t) = crate::setup::registry::TABLES
                .iter()
                .find(|t| t.table == l.table)
            {
                assert_eq!(l.href, t.href(), "{}", l.id);
            }
        }
    }

    #[test]
    fn the_message_names_the_code_and_its_table() {
        let e = Problem::Unknown {
            code: "RETIAL".into(),
            noun: INDUSTRY_GROUPS.noun,
        };
        assert_eq!(e.to_string(), "RETIAL is not an industry group code");
    }
}
