//! Every setup table in one list: its page, its names, and where its codes are used.
//!
//! The pages, the index, the usage counts and the "in use" refusals all read this list, so a
//! new table (or a new place that uses a code, e.g. segments or interaction templates) is one
//! entry here, not another page.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::web::pagination::thousands;

/// What kind of page a setup table has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Code + description, served by the generic pages of [`super::codes`].
    Codes,
    /// Code, name, e-mail, blocked.
    Salespeople,
    /// Questionnaires with questions and answer choices.
    Questionnaires,
    /// Prefix, width and next number of the document numbers.
    NumberSeries,
    /// The defaults of an interaction: group, cost, duration, campaign…
    InteractionTemplates,
    /// Sales cycles with their stages.
    SalesCycles,
    /// Why an opportunity was won or lost.
    CloseCodes,
}

/// One place that refers to a table's codes.
#[derive(Debug)]
pub struct Usage {
    /// What one referring row is called, e.g. "contact".
    pub one: &'static str,
    /// ... and several, e.g. "contacts".
    pub many: &'static str,
    /// One query counting the rows that use the code bound as `$1` (text), as `n`.
    pub count_sql: &'static str,
    /// The contact list's filter that lists these rows (`/contacts?salesperson=JO`), when the
    /// rows are contacts and the list filters by this code.
    pub contact_filter: Option<&'static str>,
}

/// Where a code is used, in words ("1,204 contacts and 2 users"; empty when unused), and the
/// contact list of the contacts that use it with their count, when the list can show them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsedBy {
    pub text: String,
    pub contacts: Option<(i64, String)>,
    /// What the listed contacts are called, one and several ("company", "companies").
    pub noun: (&'static str, &'static str),
    /// Whether records that never change use it (logged interactions, the history of
    /// opportunities): it cannot be taken off them, so it can never be deleted.
    pub kept: bool,
}

impl UsedBy {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// "Show the 1,204 contacts" (or "the contact").
    pub fn contacts_label(&self) -> String {
        match &self.contacts {
            Some((1, _)) => format!("Show the {}", self.noun.0),
            Some((n, _)) => format!("Show the {} {}", thousands(*n), self.noun.1),
            None => String::new(),
        }
    }
}

impl std::fmt::Display for UsedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// [`describe`] with the link to the contacts that use `code`.
pub fn used_by(counts: &[(&'static Usage, i64)], code: &str) -> UsedBy {
    let listed = counts
        .iter()
        .find_map(|(u, n)| u.contact_filter.map(|filter| (*u, *n, filter)));
    // Codes of companies (their persons share them, and the list shows those too): the list
    // of the companies, as many as counted.
    let contacts = listed.map(|(u, n, filter)| {
        let kind = if u.one == "company" { "company" } else { "" };
        (
            n,
            format!(
                "/contacts{}",
                crate::web::pagination::query_string(
                    [(filter, code), ("type", kind)]
                        .into_iter()
                        .filter(|(_, v)| !v.is_empty())
                )
            ),
        )
    });
    UsedBy {
        text: describe(counts),
        contacts,
        noun: listed.map_or(("contact", "contacts"), |(u, _, _)| (u.one, u.many)),
        kept: counts.iter().any(|(u, _)| u.is_record()),
    }
}

impl Usage {
    /// Whether the rows that use the code are records that never change: logged interactions
    /// and the entries of opportunities' history (the database refuses any change of them).
    pub fn is_record(&self) -> bool {
        ["FROM interaction_log_entries", "FROM opportunity_entries"]
            .iter()
            .any(|from| self.count_sql.contains(from))
    }
}

/// A usage through a column that holds the code: `used_by!("contacts", "territory_code",
/// "contact", "contacts")`.
#[macro_export]
macro_rules! used_by {
    ($table:literal, $column:literal, $one:literal, $many:literal) => {
        $crate::setup::registry::Usage {
            one: $one,
            many: $many,
            count_sql: concat!(
                "SELECT count(*) AS n FROM ",
                $table,
                " WHERE ",
                $column,
                " = $1"
            ),
            contact_filter: None,
        }
    };
    ($table:literal, $column:literal, $one:literal, $many:literal, only = $only:literal) => {
        $crate::setup::registry::Usage {
            count_sql: concat!(
                "SELECT count(*) AS n FROM ",
                $table,
                " WHERE ",
                $column,
                " = $1 AND ",
                $only
            ),
            ..$crate::used_by!($table, $column, $one, $many)
        }
    };
    ($table:literal, $column:literal, $one:literal, $many:literal, list = $filter:literal) => {
        $crate::setup::registry::Usage {
            contact_filter: Some($filter),
            ..$crate::used_by!($table, $column, $one, $many)
        }
    };
}

/// Saved criteria whose steps name a code, one and several, as a refusal says them.
pub const IN_SAVED: (&str, &str) = (
    "saved criteria (in its filters)",
    "saved criteria (in their filters)",
);

/// Draft segments whose steps name a code, one and several.
pub const IN_DRAFTS: (&str, &str) = (
    "draft segment (in its steps' filters)",
    "draft segments (in their steps' filters)",
);

/// The saved criteria (`saved`) or the draft segments (`drafts`) whose steps name the code in
/// one of the segment filters `$keys` (an SQL list of the filters' keys), as a value of its own
/// (`A`, `A|B`, `<>A`, `'A'`, `@a`; not a pattern `A*`). Deleted, the code would leave them
/// steps that Reuse Criteria and Refresh refuse to run (they check what their steps name):
/// it was "Not used yet" and deleted without a word.
#[macro_export]
macro_rules! named_by_steps {
    (saved, $keys:literal) => {
        $crate::setup::registry::Usage {
            one: $crate::setup::registry::IN_SAVED.0,
            many: $crate::setup::registry::IN_SAVED.1,
            count_sql: concat!(
                "SELECT count(DISTINCT s.code) AS n FROM saved_criteria_steps s, ",
                $crate::filter_tokens!($keys)
            ),
            contact_filter: None,
        }
    };
    (drafts, $keys:literal) => {
        $crate::setup::registry::Usage {
            one: $crate::setup::registry::IN_DRAFTS.0,
            many: $crate::setup::registry::IN_DRAFTS.1,
            count_sql: concat!(
                "SELECT count(DISTINCT s.segment_id) AS n FROM segment_steps s \
                 JOIN segments g ON g.id = s.segment_id AND g.status = 'draft', ",
                $crate::filter_tokens!($keys)
            ),
            contact_filter: None,
        }
    };
}

/// The saved criteria (`saved`) or the draft segments (`drafts`) with a step that chooses one of
/// the profile answers `$answers` (an SQL query of their ids, from the key bound as `$1`).
/// Deleted with its question or questionnaire, the answer would leave them steps that Reuse
/// Criteria and Refresh refuse to run: it was deleted as "chosen by no contact".
#[macro_export]
macro_rules! choosing_answers {
    (saved, $answers:literal) => {
        $crate::setup::registry::Usage {
            one: $crate::setup::registry::IN_SAVED.0,
            many: $crate::setup::registry::IN_SAVED.1,
            count_sql: concat!(
                "SELECT count(DISTINCT s.code) AS n FROM saved_criteria_steps s \
                 WHERE s.criteria -> 'profile_answer' IN (SELECT to_jsonb(x.id) FROM (",
                $answers,
                ") x(id))"
            ),
            contact_filter: None,
        }
    };
    (drafts, $answers:literal) => {
        $crate::setup::registry::Usage {
            one: $crate::setup::registry::IN_DRAFTS.0,
            many: $crate::setup::registry::IN_DRAFTS.1,
            count_sql: concat!(
                "SELECT count(DISTINCT s.segment_id) AS n FROM segment_steps s \
                 JOIN segments g ON g.id = s.segment_id AND g.status = 'draft' \
                 WHERE s.criteria -> 'profile_answer' IN (SELECT to_jsonb(x.id) FROM (",
                $answers,
                ") x(id))"
            ),
            contact_filter: None,
        }
    };
}

/// The values of the filters `$keys` of a step `s` (its `criteria`), split where a filter
/// expression separates values, compared with the code `$1` as a filter reads a plain value.
#[macro_export]
macro_rules! filter_tokens {
    ($keys:literal) => {
        concat!(
            "LATERAL jsonb_each_text(s.criteria -> 'filters') f(k, v), \
             LATERAL regexp_split_to_table(f.v, '\\||&|\\.\\.|<>|<=|>=|[<>=()]') t(v) \
             WHERE f.k IN (",
            $keys,
            ") AND upper(btrim(t.v, ' ''@')) = $1"
        )
    };
}

#[derive(Debug)]
pub struct SetupTable {
    /// The page: `/setup/{slug}`.
    pub slug: &'static str,
    /// The table in the database (a fixed name, never user input).
    pub table: &'static str,
    /// Heading of its pages, e.g. "Industry groups".
    pub title: &'static str,
    /// One of its rows, in a sentence, e.g. "industry group".
    pub singular: &'static str,
    /// One line on the setup index: what the codes are for.
    pub explanation: &'static str,
    pub kind: Kind,
    /// Where its codes are used; a code used anywhere cannot be deleted.
    pub usages: &'static [Usage],
}

impl SetupTable {
    pub fn href(&self) -> String {
        format!("/setup/{}", self.slug)
    }

    /// The page of one of its codes.
    pub fn code_href(&self, code: &str) -> String {
        format!(
            "/setup/{}/{}",
            self.slug,
            super::support::path_segment(code)
        )
    }

    /// The singular with a capital, to start a sentence: "Industry group".
    pub fn singular_cap(&self) -> String {
        capitalize(self.singular)
    }

    /// How the audit trail and messages name one row: "industry group RETAIL".
    pub fn subject(&self, code: &str) -> String {
        format!("{} {code}", self.singular)
    }

    /// A page of related rows to link from one of its codes: the templates of an interaction
    /// group.
    pub fn related(&self, code: &str) -> Option<(&'static str, String)> {
        (self.table == "interaction_groups").then(|| {
            (
                "The interaction templates of this group",
                format!(
                    "/setup/interaction-templates?group={}",
                    super::support::path_segment(code)
                ),
            )
        })
    }

    /// Whether its pages are the generic code + description pages.
    pub fn is_plain(&self) -> bool {
        self.kind == Kind::Codes
    }
}

pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The setup tables, in the order of the setup index (`/setup/`).
pub static TABLES: &[SetupTable] = &[
    SetupTable {
        slug: "salespeople",
        table: "salespeople",
        title: "Salespeople",
        singular: "salesperson",
        explanation: "Who looks after contacts, segments and interactions; also a user's default.",
        kind: Kind::Salespeople,
        usages: &[
            used_by!(
                "contacts",
                "salesperson_code",
                "contact",
                "contacts",
                list = "salesperson"
            ),
            used_by!("users", "salesperson_code", "user", "users"),
            used_by!("segments", "salesperson_code", "segment", "segments"),
            used_by!(
                "segment_lines",
                "salesperson_code",
                "segment line",
                "segment lines",
                only = "removed_by_step IS NULL"
            ),
            // Lines a step removed are on no page, yet Go Back brings them back with their
            // values: they keep the code, and are said as what they are.
            used_by!(
                "segment_lines",
                "salesperson_code",
                "line removed by a step (Go Back brings it back)",
                "lines removed by steps (Go Back brings them back)",
                only = "removed_by_step IS NOT NULL"
            ),
            used_by!("campaigns", "salesperson_code", "campaign", "campaigns"),
            used_by!(
                "interaction_log_entries",
                "salesperson_code",
                "interaction",
                "interactions"
            ),
            used_by!(
                "opportunities",
                "salesperson_code",
                "opportunity",
                "opportunities"
            ),
            crate::named_by_steps!(
                saved,
                "'salesperson', 'interaction_salesperson', 'opportunity_salesperson'"
            ),
            crate::named_by_steps!(
                drafts,
                "'salesperson', 'interaction_salesperson', 'opportunity_salesperson'"
            ),
        ],
    },
    SetupTable {
        slug: "territories",
        table: "territories",
        title: "Territories",
        singular: "territory",
        explanation: "Sales areas that contacts belong to.",
        kind: Kind::Codes,
        usages: &[
            used_by!(
                "contacts",
                "territory_code",
                "contact",
                "contacts",
                list = "territory"
            ),
            crate::named_by_steps!(saved, "'territory'"),
            crate::named_by_steps!(drafts, "'territory'"),
        ],
    },
    SetupTable {
        slug: "countries",
        table: "countries",
        title: "Countries/regions",
        singular: "country/region",
        explanation: "The countries and regions of addresses (the ISO 3166 list).",
        kind: Kind::Codes,
        usages: &[
            used_by!(
                "contacts",
                "country_code",
                "contact",
                "contacts",
                list = "country"
            ),
            crate::named_by_steps!(saved, "'country'"),
            crate::named_by_steps!(drafts, "'country'"),
        ],
    },
    SetupTable {
        slug: "languages",
        table: "languages",
        title: "Languages",
        singular: "language",
        explanation: "The language to write to a contact in.",
        kind: Kind::Codes,
        usages: &[
            used_by!("contacts", "language_code", "contact", "contacts"),
            used_by!("segments", "language_code", "segment", "segments"),
            used_by!(
                "interaction_log_entries",
                "language_code",
                "interaction",
                "interactions"
            ),
            crate::named_by_steps!(saved, "'language'"),
            crate::named_by_steps!(drafts, "'language'"),
        ],
    },
    SetupTable {
        slug: "industry-groups",
        table: "industry_groups",
        title: "Industry groups",
        singular: "industry group",
        explanation: "The industries companies work in; their people share them.",
        kind: Kind::Codes,
        usages: &[
            used_by!(
                "contact_industry_groups",
                "code",
                "company",
                "companies",
                list = "industry_group"
            ),
            crate::named_by_steps!(saved, "'industry_group'"),
            crate::named_by_steps!(drafts, "'industry_group'"),
        ],
    },
    SetupTable {
        slug: "business-relations",
        table: "business_relations",
        title: "Business relations",
        singular: "business relation",
        explanation: "What a company is to you: customer, supplier, bank, press…",
        kind: Kind::Codes,
        usages: &[
            used_by!(
                "contact_business_relations",
                "code",
                "company",
                "companies",
                list = "business_relation"
            ),
            crate::named_by_steps!(saved, "'business_relation'"),
            crate::named_by_steps!(drafts, "'business_relation'"),
        ],
    },
    SetupTable {
        slug: "mailing-groups",
        table: "mailing_groups",
        title: "Mailing groups",
        singular: "mailing group",
        explanation: "Lists of contacts to write to, such as a newsletter or holiday cards.",
        kind: Kind::Codes,
        usages: &[
            used_by!(
                "contact_mailing_groups",
                "code",
                "contact",
                "contacts",
                list = "mailing_group"
            ),
            // A segment's Apply Mailing Group that its Undo may still take back; one undone,
            // or of a segment deleted since, is only history (deleted with the group).
            used_by!(
                "mailing_group_applications",
                "code",
                "Apply Mailing Group record",
                "Apply Mailing Group records",
                only = "undone_at IS NULL AND segment_id IS NOT NULL"
            ),
            crate::named_by_steps!(saved, "'mailing_group'"),
            crate::named_by_steps!(drafts, "'mailing_group'"),
        ],
    },
    SetupTable {
        slug: "job-responsibilities",
        table: "job_responsibilities",
        title: "Job responsibilities",
        singular: "job responsibility",
        explanation: "What a person is responsible for, such as purchasing or IT.",
        kind: Kind::Codes,
        usages: &[
            used_by!(
                "contact_job_responsibilities",
                "code",
                "contact",
                "contacts",
                list = "job_responsibility"
            ),
            crate::named_by_steps!(saved, "'job_responsibility'"),
            crate::named_by_steps!(drafts, "'job_responsibility'"),
        ],
    },
    SetupTable {
        slug: "organizational-levels",
        table: "organizational_levels",
        title: "Organizational levels",
        singular: "organizational level",
        explanation: "A person's level in their company, such as executive or manager.",
        kind: Kind::Codes,
        usages: &[
            used_by!(
                "contacts",
                "organizational_level_code",
                "contact",
                "contacts"
            ),
            crate::named_by_steps!(saved, "'organizational_level'"),
            crate::named_by_steps!(drafts, "'organizational_level'"),
        ],
    },
    SetupTable {
        slug: "profile-questionnaires",
        table: "profile_questionnaires",
        title: "Profile questionnaires",
        singular: "profile questionnaire",
        explanation: "Questions with answer choices that profile a contact, such as company size.",
        kind: Kind::Questionnaires,
        usages: &[
            Usage {
                one: "contact",
                many: "contacts",
                count_sql: "SELECT count(DISTINCT a.contact_id) AS n FROM contact_profile_answers a \
                            JOIN profile_answers pa ON pa.id = a.answer_id \
                            JOIN profile_questions q ON q.id = pa.question_id \
                            WHERE q.questionnaire_code = $1",
                contact_filter: None,
            },
            crate::choosing_answers!(
                saved,
                "SELECT a.id FROM profile_answers a JOIN profile_questions q ON q.id = a.question_id \
                 WHERE q.questionnaire_code = $1"
            ),
            crate::choosing_answers!(
                drafts,
                "SELECT a.id FROM profile_answers a JOIN profile_questions q ON q.id = a.question_id \
                 WHERE q.questionnaire_code = $1"
            ),
        ],
    },
    SetupTable {
        slug: "interaction-groups",
        table: "interaction_groups",
        title: "Interaction groups",
        singular: "interaction group",
        explanation: "Kinds of interaction, such as meetings, letters or phone calls.",
        kind: Kind::Codes,
        usages: &[
            used_by!(
                "interaction_templates",
                "group_code",
                "interaction template",
                "interaction templates"
            ),
            used_by!(
                "interaction_log_entries",
                "group_code",
                "interaction",
                "interactions"
            ),
            crate::named_by_steps!(saved, "'interaction_group'"),
            crate::named_by_steps!(drafts, "'interaction_group'"),
        ],
    },
    SetupTable {
        slug: "interaction-templates",
        table: "interaction_templates",
        title: "Interaction templates",
        singular: "interaction template",
        explanation:
            "The defaults of an interaction: its group, cost, duration, flow and campaign.",
        kind: Kind::InteractionTemplates,
        usages: &[
            used_by!(
                "segments",
                "interaction_template_code",
                "segment",
                "segments"
            ),
            used_by!(
                "segment_lines",
                "interaction_template_code",
                "segment line",
                "segment lines",
                only = "removed_by_step IS NULL"
            ),
            // Lines a step removed are on no page, yet Go Back brings them back with their
            // values: they keep the code, and are said as what they are.
            used_by!(
                "segment_lines",
                "interaction_template_code",
                "line removed by a step (Go Back brings it back)",
                "lines removed by steps (Go Back brings them back)",
                only = "removed_by_step IS NOT NULL"
            ),
            used_by!(
                "interaction_log_entries",
                "template_code",
                "interaction",
                "interactions"
            ),
            used_by!(
                "sales_cycle_stages",
                "template_code",
                "sales cycle stage",
                "sales cycle stages"
            ),
            crate::named_by_steps!(saved, "'interaction_template'"),
            crate::named_by_steps!(drafts, "'interaction_template'"),
        ],
    },
    SetupTable {
        slug: "campaign-statuses",
        table: "campaign_statuses",
        title: "Campaign statuses",
        singular: "campaign status",
        explanation: "The stages a campaign goes through, such as planned, running or done.",
        kind: Kind::Codes,
        usages: &[used_by!(
            "campaigns",
            "status_code",
            "campaign",
            "campaigns"
        )],
    },
    SetupTable {
        slug: "sales-cycles",
        table: "sales_cycles",
        title: "Sales cycles",
        singular: "sales cycle",
        explanation: "The stages an opportunity moves through, with their chances of success.",
        kind: Kind::SalesCycles,
        usages: &[
            used_by!(
                "opportunities",
                "sales_cycle_code",
                "opportunity",
                "opportunities"
            ),
            crate::named_by_steps!(saved, "'opportunity_sales_cycle'"),
            crate::named_by_steps!(drafts, "'opportunity_sales_cycle'"),
        ],
    },
    SetupTable {
        slug: "close-opportunity-codes",
        table: "close_opportunity_codes",
        title: "Close opportunity codes",
        singular: "close opportunity code",
        explanation: "Why an opportunity was won or lost.",
        kind: Kind::CloseCodes,
        usages: &[
            used_by!(
                "opportunities",
                "close_code",
                "opportunity",
                "opportunities"
            ),
            // The history keeps the code an opportunity was closed with, reopened since too
            // (migration `close_codes_in_entries`).
            used_by!(
                "opportunity_entries",
                "close_code",
                "closing in an opportunity's history",
                "closings in opportunities' history"
            ),
            crate::named_by_steps!(saved, "'opportunity_close_code'"),
            crate::named_by_steps!(drafts, "'opportunity_close_code'"),
        ],
    },
    SetupTable {
        slug: "number-series",
        table: "number_series",
        title: "Number series",
        singular: "number series",
        explanation:
            "How new contacts, segments, campaigns and opportunities are numbered, e.g. CT000001.",
        kind: Kind::NumberSeries,
        usages: &[],
    },
];

/// The table of a page.
pub fn by_slug(slug: &str) -> Option<&'static SetupTable> {
    TABLES.iter().find(|t| t.slug == slug)
}

/// A code + description table of a page; `None` for other pages and unknown slugs.
pub fn plain(slug: &str) -> Option<&'static SetupTable> {
    by_slug(slug).filter(|t| t.is_plain())
}

/// The entry of a database table.
pub fn by_table(table: &str) -> Option<&'static SetupTable> {
    TABLES.iter().find(|t| t.table == table)
}

/// The entry of a kind with its own pages (salespeople, questionnaires, number series).
pub fn of_kind(kind: Kind) -> &'static SetupTable {
    TABLES.iter().find(|t| t.kind == kind).unwrap_or(&TABLES[0])
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many rows use `code` in each place that uses `table`'s codes (one query per place);
/// only the places that use it.
pub fn usages(
    conn: &mut PgConnection,
    table: &SetupTable,
    code: &str,
) -> QueryResult<Vec<(&'static Usage, i64)>> {
    count_usages(conn, table.usages, code)
}

/// How many rows use the key `key` (bound as text) in each of `places`; only the places that
/// use it.
pub fn count_usages(
    conn: &mut PgConnection,
    places: &'static [Usage],
    key: &str,
) -> QueryResult<Vec<(&'static Usage, i64)>> {
    let mut found = Vec::new();
    for usage in places {
        let count: Count = diesel::sql_query(usage.count_sql)
            .bind::<Text, _>(key)
            .get_result(conn)?;
        if count.n > 0 {
            found.push((usage, count.n));
        }
    }
    Ok(found)
}

/// "1,204 contacts and 2 users"; empty when nothing uses it.
pub fn describe(counts: &[(&'static Usage, i64)]) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(u, n)| {
            let noun = if *n == 1 { u.one } else { u.many };
            format!("{} {noun}", thousands(*n))
        })
        .collect();
    crate::web::forms::joined(&parts, "and")
}

/// "Industry group RETAIL is used by 1,204 contacts."
pub fn in_use_message(table: &SetupTable, code: &str, counts: &[(&'static Usage, i64)]) -> String {
    format!(
        "{} {code} is used by {}, so it cannot be deleted.",
        table.singular_cap(),
        describe(counts)
    )
}

/// The number of rows of every setup table, in one query.
pub fn row_counts(conn: &mut PgConnection) -> QueryResult<Vec<(&'static SetupTable, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        t: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let sql = TABLES
        .iter()
        .map(|t| format!("SELECT '{0}' AS t, count(*) AS n FROM {0}", t.table))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows: Vec<Row> = diesel::sql_query(sql).load(conn)?;
    Ok(TABLES
        .iter()
        .map(|t| {
            let n = rows.iter().find(|r| r.t == t.table).map_or(0, |r| r.n);
            (t, n)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_tables_are_unique_and_safe() {
        for (i, t) in TABLES.iter().enumerate() {
            assert!(t.slug.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
            assert!(t.table.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            for other in &TABLES[i + 1..] {
                assert_ne!(t.slug, other.slug);
                assert_ne!(t.table, other.table);
            }
        }
        assert_eq!(plain("industry-groups").unwrap().table, "industry_groups");
        assert!(plain("salespeople").is_none());
        assert!(plain("nope").is_none());
    }

    #[test]
    fn usages_read_as_a_sentence() {
        static A: Usage = used_by!("contacts", "salesperson_code", "contact", "contacts");
        static B: Usage = used_by!("users", "salesperson_code", "user", "users");
        assert_eq!(
            A.count_sql,
            "SELECT count(*) AS n FROM contacts WHERE salesperson_code = $1"
        );
        assert_eq!(describe(&[(&A, 1204)]), "1,204 contacts");
        assert_eq!(describe(&[(&A, 1), (&B, 2)]), "1 contact and 2 users");
        assert_eq!(describe(&[]), "");
        let t = by_slug("industry-groups").unwrap();
        assert_eq!(
            in_use_message(t, "RETAIL", &[(&A, 1204)]),
            "Industry group RETAIL is used by 1,204 contacts, so it cannot be deleted."
        );
    }
}

#[cfg(test)]
mod named_by_steps_tests {
    #[test]
    fn a_code_named_by_steps_is_counted_by_one_statement() {
        static U: super::Usage = crate::named_by_steps!(saved, "'territory'");
        assert_eq!(
            U.count_sql,
            "SELECT count(DISTINCT s.code) AS n FROM saved_criteria_steps s, LATERAL \
             jsonb_each_text(s.criteria -> 'filters') f(k, v), LATERAL \
             regexp_split_to_table(f.v, '\\||&|\\.\\.|<>|<=|>=|[<>=()]') t(v) WHERE f.k IN \
             ('territory') AND upper(btrim(t.v, ' ''@')) = $1"
        );
    }
}
