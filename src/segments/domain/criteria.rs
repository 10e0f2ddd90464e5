//! A step's criteria: the filter form's fields (each a filter expression), the profile
//! answer, and the step's options. Stored as JSON in the ledger; turned into one SQL
//! condition over `contacts c` (with `ck`, the contact's company) with bound values.

use super::filter::{self, BindValue, Binds, FieldKind, ParseError};
use super::log::segment_entries_between;
use super::lookups::{self, Lookup};
use super::stored::StepKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use super::section::Section;

/// One field of the filter form.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Form field name and JSON key.
    pub key: &'static str,
    pub section: Section,
    pub label: &'static str,
    pub kind: FieldKind,
    /// The SQL expression filtered (fixed text, never user input).
    pub column: &'static str,
    /// Its code table: the codes offered as the user types, the page that lists them, and
    /// the check of a plain value typed (see [`super::lookups`]).
    pub lookup: Option<&'static Lookup>,
}

impl Field {
    /// The values a field of a closed list takes, offered as the user types (none for others).
    pub fn choices(&self) -> &'static [&'static str] {
        match self.kind {
            FieldKind::Choice(list) => list,
            _ => &[],
        }
    }

    /// The values of a closed list as Business Central shows them, offered as the user types.
    pub fn choice_labels(&self) -> Vec<String> {
        self.choices()
            .iter()
            .map(|v| filter::choice_label(v))
            .collect()
    }

    /// What to type in a field of a closed list or a yes/no field, shown under its label.
    pub fn values_hint(&self) -> Option<String> {
        match self.kind {
            FieldKind::Choice(_) => {
                let labels = self.choice_labels();
                let values = match labels.split_last() {
                    Some((last, [])) => last.clone(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => return None,
                };
                Some(if self.key == "opportunity_status" {
                    format!("{values}; an open one: Not Started|In Progress")
                } else {
                    values
                })
            }
            FieldKind::Boolean => Some("Yes or No".into()),
            _ => None,
        }
    }

    /// The field's condition with the filter's values bound. The wizard's Interaction Segment
    /// also bounds the entries' ids by the ranges its segments' logs wrote (the entries have
    /// no index by segment No.; see [`segment_entries_between`]), unless the filter also takes
    /// entries of no segment.
    pub fn condition(&self, filter: &filter::Filter, binds: &mut Binds) -> String {
        let cond = filter.to_sql(self.column, binds);
        if self.key != "interaction_segment" {
            return cond;
        }
        let no_segment = filter.to_sql("''::text", binds);
        let between = segment_entries_between(&filter.to_sql("r.segment_no", binds));
        format!("{cond} AND (({no_segment}) IS TRUE OR {between})")
    }
}

const TYPES: &[&str] = &["company", "person"];
const CORRESPONDENCE: &[&str] = &["hard_copy", "email"];
const OPPORTUNITY_STATUSES: &[&str] = &["not_started", "in_progress", "won", "lost"];
const EVALUATIONS: &[&str] = &[
    "very_positive",
    "positive",
    "neutral",
    "negative",
    "very_negative",
];

pub const FIELDS: &[Field] = &[
    Field {
        key: "contact_no",
        section: Section::Contact,
        label: "No.",
        kind: FieldKind::Code,
        column: "c.no",
        lookup: Some(&lookups::CONTACTS),
    },
    Field {
        key: "name",
        section: Section::Contact,
        label: "Name",
        kind: FieldKind::Text,
        column: "c.name",
        lookup: None,
    },
    Field {
        key: "search_name",
        section: Section::Contact,
        label: "Search Name",
        kind: FieldKind::Capitals,
        column: "c.search_name",
        lookup: None,
    },
    Field {
        key: "type",
        section: Section::Contact,
        label: "Type",
        kind: FieldKind::Choice(TYPES),
        column: "c.type",
        lookup: None,
    },
    Field {
        key: "company_no",
        section: Section::Contact,
        label: "Company No.",
        kind: FieldKind::Code,
        column: "ck.no",
        lookup: Some(&lookups::COMPANIES),
    },
    Field {
        key: "salesperson",
        section: Section::Contact,
        label: "Salesperson",
        kind: FieldKind::Code,
        column: "c.salesperson_code",
        lookup: Some(&lookups::SALESPEOPLE),
    },
    Field {
        key: "territory",
        section: Section::Contact,
        label: "Territory",
        kind: FieldKind::Code,
        column: "c.territory_code",
        lookup: Some(&lookups::TERRITORIES),
    },
    Field {
        key: "country",
        section: Section::Contact,
        label: "Country/Region",
        kind: FieldKind::Code,
        column: "c.country_code",
        lookup: Some(&lookups::COUNTRIES),
    },
    Field {
        key: "post_code",
        section: Section::Contact,
        label: "Post Code",
        kind: FieldKind::Code,
        column: "c.post_code",
        lookup: None,
    },
    Field {
        key: "city",
        section: Section::Contact,
        label: "City",
        kind: FieldKind::Text,
        column: "c.city",
        lookup: None,
    },
    Field {
        key: "language",
        section: Section::Contact,
        label: "Language",
        kind: FieldKind::Code,
        column: "c.language_code",
        lookup: Some(&lookups::LANGUAGES),
    },
    Field {
        key: "correspondence_type",
        section: Section::Contact,
        label: "Correspondence Type",
        kind: FieldKind::Choice(CORRESPONDENCE),
        column: "NULLIF(c.correspondence_type, '')",
        lookup: None,
    },
    Field {
        key: "has_email",
        section: Section::Contact,
        label: "Has E-mail",
        kind: FieldKind::Boolean,
        column: "(c.email <> '')",
        lookup: None,
    },
    Field {
        key: "organizational_level",
        section: Section::Contact,
        label: "Organizational Level",
        kind: FieldKind::Code,
        column: "c.organizational_level_code",
        lookup: Some(&lookups::ORGANIZATIONAL_LEVELS),
    },
    Field {
        key: "job_title",
        section: Section::Contact,
        label: "Job Title",
        kind: FieldKind::Text,
        column: "c.job_title",
        lookup: None,
    },
    Field {
        key: "industry_group",
        section: Section::IndustryGroup,
        label: "Industry Group",
        kind: FieldKind::Code,
        column: "g.code",
        lookup: Some(&lookups::INDUSTRY_GROUPS),
    },
    Field {
        key: "business_relation",
        section: Section::BusinessRelation,
        label: "Business Relation",
        kind: FieldKind::Code,
        column: "b.code",
        lookup: Some(&lookups::BUSINESS_RELATIONS),
    },
    Field {
        key: "mailing_group",
        section: Section::MailingGroup,
        label: "Mailing Group",
        kind: FieldKind::Code,
        column: "m.code",
        lookup: Some(&lookups::MAILING_GROUPS),
    },
    Field {
        key: "job_responsibility",
        section: Section::JobResponsibility,
        label: "Job Responsibility",
        kind: FieldKind::Code,
        column: "j.code",
        lookup: Some(&lookups::JOB_RESPONSIBILITIES),
    },
    Field {
        key: "interaction_date",
        section: Section::Interactions,
        label: "Date",
        kind: FieldKind::Date,
        column: "e.date",
        lookup: None,
    },
    Field {
        key: "interaction_template",
        section: Section::Interactions,
        label: "Template",
        kind: FieldKind::Code,
        column: "e.template_code",
        lookup: Some(&lookups::INTERACTION_TEMPLATES),
    },
    Field {
        key: "interaction_group",
        section: Section::Interactions,
        label: "Interaction Group",
        kind: FieldKind::Code,
        column: "e.group_code",
        lookup: Some(&lookups::INTERACTION_GROUPS),
    },
    Field {
        key: "interaction_campaign",
        section: Section::Interactions,
        label: "Campaign",
        kind: FieldKind::Code,
        column: "e.campaign_no",
        lookup: Some(&lookups::CAMPAIGNS),
    },
    Field {
        key: "interaction_segment",
        section: Section::Interactions,
        label: "Segment",
        kind: FieldKind::Code,
        column: "e.segment_no",
        lookup: Some(&lookups::SEGMENTS),
    },
    Field {
        key: "interaction_evaluation",
        section: Section::Interactions,
        label: "Evaluation",
        kind: FieldKind::Choice(EVALUATIONS),
        column: "NULLIF(e.evaluation, '')",
        lookup: None,
    },
    Field {
        key: "interaction_campaign_target",
        section: Section::Interactions,
        label: "Campaign Target",
        kind: FieldKind::Boolean,
        column: "e.campaign_target",
        lookup: None,
    },
    Field {
        key: "interaction_campaign_response",
        section: Section::Interactions,
        label: "Campaign Response",
        kind: FieldKind::Boolean,
        column: "e.campaign_response",
        lookup: None,
    },
    Field {
        key: "interaction_attempt_failed",
        section: Section::Interactions,
        label: "Attempt Failed",
        kind: FieldKind::Boolean,
        column: "e.attempt_failed",
        lookup: None,
    },
    Field {
        key: "interaction_salesperson",
        section: Section::Interactions,
        label: "Salesperson",
        kind: FieldKind::Code,
        column: "e.salesperson_code",
        lookup: Some(&lookups::SALESPEOPLE),
    },
    Field {
        key: "opportunity_status",
        section: Section::Opportunities,
        label: "Status",
        kind: FieldKind::Choice(OPPORTUNITY_STATUSES),
        column: "op.status",
        lookup: None,
    },
    Field {
        key: "opportunity_stage",
        section: Section::Opportunities,
        label: "Stage",
        kind: FieldKind::Integer,
        // Not started: no stage, which Business Central's blank whole number reads as 0.
        column: "COALESCE(op.current_stage, 0)",
        lookup: None,
    },
    Field {
        key: "opportunity_sales_cycle",
        section: Section::Opportunities,
        label: "Sales Cycle",
        kind: FieldKind::Code,
        column: "op.sales_cycle_code",
        lookup: Some(&lookups::SALES_CYCLES),
    },
    Field {
        key: "opportunity_salesperson",
        section: Section::Opportunities,
        label: "Salesperson",
        kind: FieldKind::Code,
        column: "op.salesperson_code",
        lookup: Some(&lookups::SALESPEOPLE),
    },
    Field {
        key: "opportunity_campaign",
        section: Section::Opportunities,
        label: "Campaign",
        kind: FieldKind::Code,
        column: "op.campaign_no",
        lookup: Some(&lookups::CAMPAIGNS),
    },
    Field {
        key: "opportunity_estimated_value",
        section: Section::Opportunities,
        label: "Estimated Value",
        kind: FieldKind::Amount,
        column: "op.estimated_value",
        lookup: None,
    },
    Field {
        key: "opportunity_date_closed",
        section: Section::Opportunities,
        label: "Date Closed",
        kind: FieldKind::Date,
        column: "op.date_closed",
        lookup: None,
    },
    Field {
        key: "opportunity_close_code",
        section: Section::Opportunities,
        label: "Close Code",
        kind: FieldKind::Code,
        column: "op.close_code",
        lookup: Some(&lookups::CLOSE_OPPORTUNITY_CODES),
    },
];

pub fn field(key: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.key == key)
}

/// The most values the filters of one step may hold (each is a bound parameter).
pub const MAX_STEP_VALUES: usize = 10_000;

/// A step's options, applied in this order: expansion, related companies, exclusion,
/// duplicates (see docs/segments.md, Add Contacts; Reduce and Refine Contacts).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    #[serde(default)]
    pub expand_companies: bool,
    #[serde(default)]
    pub allow_related_companies: bool,
    #[serde(default)]
    pub ignore_exclusion: bool,
    #[serde(default)]
    pub allow_existing: bool,
    /// Reduce and Refine: one match in a company counts for all its contacts.
    #[serde(default)]
    pub entire_companies: bool,
}

/// The criteria of a filter step: field expressions as typed, and a profile answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    #[serde(default)]
    pub filters: BTreeMap<String, String>,
    /// A profile answer (`profile_answers.id`) the contact must have given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_answer: Option<i64>,
    /// Its text, "Question: Answer", kept for the ledger's sentences.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub profile_label: String,
    #[serde(default)]
    pub options: Options,
}

/// One profile answer to choose: id, "Question: Answer (QUESTIONNAIRE)".
#[derive(Clone, Debug, diesel::QueryableByName)]
pub struct ProfileChoice {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub label: String,
}

/// The profile answers a step can filter on, in questionnaire order, each naming its
/// questionnaire: two questionnaires may ask the same question (a company's and a person's
/// "Satisfaction"), whose answers read alike in the list, the preview and the steps.
pub fn profile_choices(conn: &mut diesel::PgConnection) -> diesel::QueryResult<Vec<ProfileChoice>> {
    use diesel::RunQueryDsl;
    diesel::sql_query(
        "SELECT a.id, q.description || ': ' || a.description || ' (' || q.questionnaire_code \
           || ')' AS label FROM profile_answers a \
         JOIN profile_questions q ON q.id = a.question_id \
         ORDER BY q.questionnaire_code, q.position, q.id, a.position, a.id",
    )
    .load(conn)
}

/// Sets the criteria's profile label to what their answer is called now: a step replayed from
/// saved criteria (or a segment's ledger) after the answer was renamed said the old name
/// ("profile Company size: Small" of the answer now called Huge). Kept as it was when the
/// answer is gone (the replay refuses it then, naming it).
pub fn with_current_profile_label(
    conn: &mut diesel::PgConnection,
    criteria: &mut Criteria,
) -> diesel::QueryResult<()> {
    use diesel::{OptionalExtension, RunQueryDsl};
    let Some(id) = criteria.profile_answer else {
        return Ok(());
    };
    let now: Option<ProfileChoice> = diesel::sql_query(
        "SELECT a.id, q.description || ': ' || a.description || ' (' || q.questionnaire_code \
           || ')' AS label FROM profile_answers a \
         JOIN profile_questions q ON q.id = a.question_id WHERE a.id = $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(id)
    .get_result(conn)
    .optional()?;
    if let Some(now) = now {
        criteria.profile_label = now.label;
    }
    Ok(())
}

/// The FROM items of a condition over `contacts c`, with `ck`, its company, when
/// `with_company`.
pub fn contacts_from(with_company: bool) -> &'static str {
    if with_company {
        "contacts c LEFT JOIN contacts ck ON ck.id = c.company_key"
    } else {
        "contacts c"
    }
}

/// What is wrong with a field's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The expression cannot be read.
    Parse(ParseError),
    /// A plain value that is not a code of the field's table: "RETIAL is not an industry
    /// group code".
    Unknown { code: String, noun: &'static str },
    /// The profile answer chosen is no longer one (deleted since the form was shown).
    AnswerGone,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Parse(e) => e.fmt(f),
            Problem::Unknown { code, noun } => write!(f, "{code} is not {noun}"),
            Problem::AnswerGone => {
                f.write_str("the answer chosen has been deleted; choose another, or (any)")
            }
        }
    }
}

/// A field's error, for the form.
#[derive(Clone, Debug)]
pub struct FieldError {
    pub key: &'static str,
    pub label: &'static str,
    pub error: Problem,
}

impl FieldError {
    /// A refusal of field `f` as a whole (from its first character).
    fn of(f: &Field, message: String) -> FieldError {
        FieldError {
            key: f.key,
            label: f.label,
            error: Problem::Parse(ParseError {
                position: 1,
                message,
            }),
        }
    }

    pub fn message(&self) -> String {
        format!("{}: {}", self.label, self.error)
    }
}

impl Criteria {
    /// Builds criteria from the form's pairs (unknown keys ignored, blank fields dropped).
    pub fn from_pairs(pairs: &[(String, String)]) -> Criteria {
        let mut c = Criteria::default();
        for (k, v) in pairs {
            let v = v.trim();
            match k.as_str() {
                "expand_companies" => c.options.expand_companies = true,
                "allow_related_companies" => c.options.allow_related_companies = true,
                "ignore_exclusion" => c.options.ignore_exclusion = true,
                "allow_existing" => c.options.allow_existing = true,
                "entire_companies" => c.options.entire_companies = true,
                "profile_answer" => c.profile_answer = v.parse().ok(),
                key => {
                    if let Some(f) = field(key) {
                        if !v.is_empty() {
                            c.filters.insert(f.key.to_string(), v.to_string());
                        }
                    }
                }
            }
        }
        c
    }

    pub fn value(&self, key: &str) -> &str {
        self.filters.get(key).map(String::as_str).unwrap_or("")
    }

    pub fn has_filters(&self) -> bool {
        !self.filters.is_empty() || self.profile_answer.is_some()
    }

    /// What a new step may not ask, though a stored one is still read (refused where it is
    /// typed, [`super::lookups::check`]): `<>*`, which matches nothing, and `''` in a
    /// classification section, which no row holds (a contact without a mailing group has no
    /// row to match: it matched no contact, said "mailing group empty", and a Refine with it
    /// removed every line).
    pub fn new_step_refusals(&self) -> Vec<FieldError> {
        let Ok(parsed) = self.parse() else {
            return Vec::new();
        };
        let mut errors = Vec::new();
        for (f, p) in parsed {
            let label = f.label.to_lowercase();
            if p.negates_anything() {
                let instead = if f.section.is_classification() {
                    format!(
                        "to leave out the contacts that have a {label}, use Reduce Contacts \
                         with {label} *"
                    )
                } else {
                    "for an empty field write ''".to_string()
                };
                errors.push(FieldError::of(
                    f,
                    format!("{}: {instead}", filter::NOT_ANYTHING),
                ));
            } else if f.section.is_classification() && p.asks_for_empty() {
                errors.push(FieldError::of(
                    f,
                    format!(
                        "'' matches no contact here: a contact without a {label} has no \
                         {label} to match. To leave out the contacts that have one, use \
                         Reduce Contacts with {label} *"
                    ),
                ));
            }
        }
        errors
    }

    /// Parses every field; all errors at once.
    pub fn parse(&self) -> Result<Vec<(&'static Field, filter::Filter)>, Vec<FieldError>> {
        let mut parsed = Vec::new();
        let mut errors = Vec::new();
        for f in FIELDS {
            let Some(expr) = self.filters.get(f.key) else {
                continue;
            };
            match filter::parse(expr, f.kind) {
                Ok(Some(p)) => parsed.push((f, p)),
                Ok(None) => {}
                Err(error) => errors.push(FieldError {
                    key: f.key,
                    label: f.label,
                    error: Problem::Parse(error),
                }),
            }
        }
        if errors.is_empty() {
            // Every value is a bound parameter of the step's statement; PostgreSQL takes at
            // most 65,535 of them, and Refresh puts several steps into one statement.
            let counts: Vec<usize> = parsed
                .iter()
                .map(|(f, p)| {
                    let mut scratch = Binds::new(0);
                    f.condition(p, &mut scratch);
                    scratch.len()
                })
                .collect();
            let total: usize = counts.iter().sum();
            if total > MAX_STEP_VALUES {
                let largest = counts
                    .iter()
                    .enumerate()
                    .max_by_key(|(_, n)| **n)
                    .map_or(0, |(i, _)| i);
                errors.push(FieldError::of(
                    parsed[largest].0,
                    format!(
                        "the filters of one step may hold at most {} values, these hold {} (this field {}); split them into several steps",
                        crate::web::pagination::thousands(MAX_STEP_VALUES as i64),
                        crate::web::pagination::thousands(total as i64),
                        crate::web::pagination::thousands(counts[largest] as i64)
                    ),
                ));
                return Err(errors);
            }
            Ok(parsed)
        } else {
            Err(errors)
        }
    }

    /// How many values the condition binds.
    pub fn value_count(&self) -> usize {
        let mut binds = Binds::new(0);
        match self.condition(&mut binds) {
            Ok(_) => binds.len(),
            Err(_) => 0,
        }
    }

    /// Whether the condition reads `ck`, the contact's company (the Company No. filter).
    pub fn needs_company(&self) -> bool {
        FIELDS.iter().any(|f| {
            f.column.starts_with("ck.")
                && self
                    .filters
                    .get(f.key)
                    .is_some_and(|v| !v.trim().is_empty())
        })
    }

    /// The contacts the condition reads: `c`, joined to `ck` only when a filter needs it.
    pub fn contacts_from(&self) -> &'static str {
        contacts_from(self.needs_company())
    }

    /// The SQL condition over `contacts c` (and `ck`, its company): the Contact filters, and
    /// for each other section with filters, one related row that passes all of them.
    pub fn condition(&self, binds: &mut Binds) -> Result<String, Vec<FieldError>> {
        let parts = self.parts(binds)?;
        Ok(if parts.is_empty() {
            "TRUE".into()
        } else {
            parts
                .into_iter()
                .map(|(sql, _)| sql)
                .collect::<Vec<_>>()
                .join(" AND ")
        })
    }

    /// The condition's negation, for "does not match": a part that can be NULL (a Contact
    /// filter on an empty column) counts as not matching. A section's `EXISTS` is never NULL
    /// and is negated as `NOT EXISTS`, which the planner turns into an anti-join.
    pub fn negation(&self, binds: &mut Binds) -> Result<String, Vec<FieldError>> {
        let parts = self.parts(binds)?;
        Ok(if parts.is_empty() {
            "FALSE".into()
        } else {
            let negated: Vec<String> = parts
                .into_iter()
                .map(|(sql, never_null)| {
                    if never_null {
                        format!("NOT {sql}")
                    } else {
                        format!("{sql} IS NOT TRUE")
                    }
                })
                .collect();
            if negated.len() == 1 {
                negated.into_iter().next().unwrap_or_default()
            } else {
                format!("({})", negated.join(" OR "))
            }
        })
    }

    /// The parts that the condition ANDs together, each with whether it is never NULL.
    fn parts(&self, binds: &mut Binds) -> Result<Vec<(String, bool)>, Vec<FieldError>> {
        let parsed = self.parse()?;
        let mut parts: Vec<(String, bool)> = Vec::new();
        for section in Section::ALL {
            let conds: Vec<String> = parsed
                .iter()
                .filter(|(f, _)| f.section == section)
                .map(|(f, p)| format!("({})", f.condition(p, binds)))
                .collect();
            if conds.is_empty() {
                continue;
            }
            match section.related() {
                None => parts.extend(conds.into_iter().map(|c| (c, false))),
                Some((table, join)) => parts.push((
                    format!(
                        "EXISTS (SELECT 1 FROM {table} WHERE {join} AND {})",
                        conds.join(" AND ")
                    ),
                    true,
                )),
            }
        }
        if let Some(answer) = self.profile_answer {
            let p = binds.push(BindValue::Integer(answer));
            parts.push((
                format!(
                    "EXISTS (SELECT 1 FROM contact_profile_answers pa WHERE pa.contact_id = c.id AND pa.answer_id = {p}::bigint)"
                ),
                true,
            ));
        }
        Ok(parts)
    }

    /// The filters as words: "industry group RETAIL or WHOLESALE, country/region DK".
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Ok(parsed) = self.parse() {
            for (f, p) in parsed {
                let label = match f.section {
                    Section::Interactions if f.key != "interaction_group" => {
                        format!("interaction {}", f.label.to_lowercase())
                    }
                    // "opportunity salesperson AB", apart from the contact's "salesperson JO".
                    Section::Opportunities => {
                        format!("opportunity {}", f.label.to_lowercase())
                    }
                    _ => f.label.to_lowercase(),
                };
                let words = p.describe();
                // A section's filter selects a contact with one row that passes it: "mailing
                // group not NEWS" read as "not on NEWS", where it takes a contact with any
                // other group.
                let related = f.section.related().is_some();
                let words = match words.strip_prefix("not ") {
                    Some(rest) if related && p.is_one_not_equal() => {
                        format!("other than {rest}")
                    }
                    _ => words,
                };
                // Several exclusions or a pattern excluded ("not RETAIL and not IT", "not
                // starting with R") read as keeping those out; the step takes a contact with
                // any other row: "any industry group not RETAIL and not IT".
                let negated = words.starts_with("not ") || words.contains(" not ");
                if related && negated {
                    parts.push(format!("any {label} {words}"));
                    continue;
                }
                parts.push(format!("{label} {words}"));
            }
        }
        if self.profile_answer.is_some() {
            parts.push(format!("profile {}", self.profile_label));
        }
        if parts.is_empty() {
            "all contacts".into()
        } else {
            parts.join(", ")
        }
    }

    /// The options that are on, as words.
    pub fn describe_options(&self, kind: StepKind) -> Vec<&'static str> {
        let o = &self.options;
        let mut out = Vec::new();
        // A line added by hand takes the Ignore Exclusion option of its form.
        if kind == StepKind::ManualAdd && o.ignore_exclusion {
            out.push("ignore exclusion");
        }
        if matches!(kind, StepKind::Add | StepKind::ReuseSegment) {
            if o.expand_companies {
                out.push("expand companies");
            }
            if o.allow_related_companies {
                out.push("allow related companies");
            }
            if o.ignore_exclusion {
                out.push("ignore exclusion");
            }
            if o.allow_existing {
                out.push("allow existing contacts");
            }
        }
        if matches!(kind, StepKind::Reduce | StepKind::Refine) && o.entire_companies {
            out.push("entire companies");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn sections_become_exists_with_their_joins() {
        let c = Criteria::from_pairs(&pairs(&[
            ("industry_group", "retail|wholesale"),
            ("country", "DK"),
            ("mailing_group", "XMAS"),
            ("expand_companies", "on"),
            ("nonsense", "x"),
        ]));
        assert!(c.options.expand_companies);
        assert_eq!(c.filters.len(), 3);
        let mut binds = Binds::new(0);
        let sql = c.condition(&mut binds).unwrap();
        assert!(sql.contains("c.country_code"), "{sql}");
        assert!(sql.contains("EXISTS (SELECT 1 FROM contact_industry_groups g WHERE g.contact_id = c.company_key AND"), "{sql}");
        assert!(
            sql.contains(
                "EXISTS (SELECT 1 FROM contact_mailing_groups m WHERE m.contact_id = c.id AND"
            ),
            "{sql}"
        );
        assert!(!sql.contains("RETAIL") && !sql.contains("DK"));
        assert_eq!(binds.len(), 4);
        assert_eq!(
            c.describe(),
            "country/region DK, industry group RETAIL or WHOLESALE, mailing group XMAS"
        );
    }

    #[test]
    fn opportunity_and_interaction_filters_are_named_apart_from_the_contacts() {
        let c = Criteria::from_pairs(&pairs(&[
            ("salesperson", "JO"),
            ("interaction_salesperson", "PL"),
            ("opportunity_salesperson", "AB"),
            ("opportunity_campaign", "CP0001"),
        ]));
        let said = c.describe();
        assert!(said.contains("salesperson JO"), "{said}");
        assert!(said.contains("interaction salesperson PL"), "{said}");
        assert!(said.contains("opportunity salesperson AB"), "{said}");
        assert!(said.contains("opportunity campaign CP0001"), "{said}");
    }

    #[test]
    fn negation_is_an_anti_join_where_it_can_be_and_null_safe_where_it_cannot() {
        let mailing = Criteria::from_pairs(&pairs(&[("mailing_group", "XMAS")]));
        let sql = mailing.negation(&mut Binds::new(0)).unwrap();
        assert!(
            sql.starts_with("NOT EXISTS (SELECT 1 FROM contact_mailing_groups"),
            "{sql}"
        );
        let both = Criteria::from_pairs(&pairs(&[("country", "DK"), ("mailing_group", "XMAS")]));
        let sql = both.negation(&mut Binds::new(0)).unwrap();
        assert!(
            sql.starts_with("((c.country_code = $1) IS NOT TRUE OR NOT EXISTS ("),
            "{sql}"
        );
    }

    #[test]
    fn all_field_errors_are_reported() {
        let c = Criteria::from_pairs(&pairs(&[
            ("country", "A||B"),
            ("interaction_date", "2026-13-01.."),
        ]));
        let errors = c.condition(&mut Binds::new(0)).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].key, "country");
    }

    #[test]
    fn json_round_trip() {
        let c = Criteria::from_pairs(&pairs(&[
            ("name", "A*"),
            ("entire_companies", "on"),
            ("profile_answer", "7"),
        ]));
        let json = serde_json::to_string(&c).unwrap();
        let back: Criteria = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        assert!(Criteria::default().condition(&mut Binds::new(0)).unwrap() == "TRUE");
        assert!(Criteria::default().negation(&mut Binds::new(0)).unwrap() == "FALSE");
    }
}
