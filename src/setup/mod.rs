//! Setup tables (see docs/architecture.md, The areas): the codes contacts, segments and
//! interactions refer to, and the number series.
//!
//! Everyone signed in may read these pages; only administrators change them. Every change is
//! one transaction with an audit entry ("setup created", "setup changed", "setup deleted") and
//! a flash message, answered with a redirect. A code that is in use is never deleted: the
//! message says where it is used (see [`registry`]).
//!
//! | Path | Page |
//! |---|---|
//! | `/setup` (without a token) | the index: [`index_page`], called by the first-run handler |
//! | `/setup/{slug}`, `/new`, `/{code}`, `/{code}/delete` | the code + description tables ([`codes`]) |
//! | `/setup/salespeople/…` | salespeople, same routes ([`salespeople`]) |
//! | `/setup/interaction-templates/…` | interaction templates, same routes ([`interaction_templates`]); `/interaction-templates` redirects there |
//! | `/setup/profile-questionnaires/…` | questionnaires, questions, answers ([`questionnaires`]) |
//! | `/setup/number-series`, `/setup/number-series/{code}` | number series ([`number_series`]) |

pub mod codes;
pub mod interaction_templates;
pub mod number_series;
mod option_tags;
pub mod questionnaires;
pub mod registry;
pub mod sales_cycles;
pub mod salespeople;
pub mod support;

use actix_web::{get, web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use diesel::sql_types::Text;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use crate::auth::{CurrentUser, Role};
use crate::web::pagination::thousands;
use crate::web::AppState;
use crate::web::{db, ok, AppResult, Layout};
use registry::SetupTable;

/// One choice of a code field: the code and what it means. Shared, not copied: the lists a
/// form offers are kept ([`options_of`]) and handed to every page (the contact list's filters
/// are 329 codes; copied as strings, they were a tenth of the list's own time).
#[derive(Clone, Debug, QueryableByName)]
pub struct CodeOption {
    #[diesel(sql_type = Text, deserialize_as = String)]
    pub code: Shared,
    #[diesel(sql_type = Text, deserialize_as = String)]
    pub description: Shared,
}

/// A text shared by every copy of it (a clone counts a reference instead of copying); read
/// and compared as a `str`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shared(Arc<str>);

impl Shared {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Shared {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

crate::web::filters::written_as_str!(Shared);

impl From<String> for Shared {
    fn from(s: String) -> Self {
        Shared(s.into())
    }
}

impl From<&str> for Shared {
    fn from(s: &str) -> Self {
        Shared(s.into())
    }
}

impl PartialEq<str> for Shared {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Shared {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Shared {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

/// A list of choices as kept ([`options_of`]): shared by every page that offers it, so that a
/// view takes a reference instead of copying its codes (the contact list's filters are 341;
/// copied, each of their texts was counted up and down again by every view, from both cores).
/// Its `<option>` tags are written once too ([`CodeList::option_tags`]).
#[derive(Clone, Debug)]
pub struct CodeList(Arc<Listed>);

#[derive(Debug)]
struct Listed {
    options: Box<[CodeOption]>,
    tags: std::sync::OnceLock<option_tags::Tags>,
}

impl Default for CodeList {
    fn default() -> Self {
        CodeList::from(Vec::new())
    }
}

impl std::ops::Deref for CodeList {
    type Target = [CodeOption];
    fn deref(&self) -> &[CodeOption] {
        &self.0.options
    }
}

impl From<Vec<CodeOption>> for CodeList {
    fn from(options: Vec<CodeOption>) -> Self {
        CodeList(Arc::new(Listed {
            options: options.into(),
            tags: Default::default(),
        }))
    }
}

impl FromIterator<CodeOption> for CodeList {
    fn from_iter<I: IntoIterator<Item = CodeOption>>(options: I) -> Self {
        CodeList::from(options.into_iter().collect::<Vec<_>>())
    }
}

impl CodeList {
    /// The first of `codes` that the list offers (a default salesperson: the user's, else the
    /// contact's, when not blocked).
    pub fn first_offered<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a Option<String>>,
    ) -> Option<String> {
        codes
            .into_iter()
            .flatten()
            .find(|code| self.iter().any(|o| o.code == **code))
            .cloned()
    }
}

impl<'a> IntoIterator for &'a CodeList {
    type Item = &'a CodeOption;
    type IntoIter = std::slice::Iter<'a, CodeOption>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.options.iter()
    }
}

/// The code tables whose codes contacts use, by table name (a fixed list, never user input),
/// with what describes a code (a column, or an expression over the table's columns).
pub const CODE_TABLES: &[(&str, &str)] = &[
    // A blocked salesperson is still listed (a record keeps one blocked since; a filter may
    // look for it), marked so: a form refuses it newly chosen.
    (
        "salespeople",
        "name || CASE WHEN blocked THEN ' (blocked)' ELSE '' END",
    ),
    ("territories", "description"),
    ("countries", "description"),
    ("languages", "description"),
    ("industry_groups", "description"),
    ("business_relations", "description"),
    ("mailing_groups", "description"),
    ("job_responsibilities", "description"),
    ("organizational_levels", "description"),
    ("campaign_statuses", "description"),
    ("interaction_groups", "description"),
];

/// The other lists a form offers, kept as the code tables' are ([`options_of`]): table, code
/// column, description column. Their statements that change a code or a description move the
/// version too (migrations `option_lists_version`, `sales_cycles_list_version`).
const OTHER_LISTS: &[(&str, &str, &str)] = &[
    ("interaction_templates", "code", "description"),
    ("campaigns", "no", "description"),
    ("sales_cycles", "code", "description"),
];

/// A code with its name from its list, "JBN – Jens B. Nielsen", or the code alone when the
/// name is empty or the list does not hold the code; `None` for no code.
pub fn named(code: Option<&str>, list: &[CodeOption]) -> Option<String> {
    let code = code?;
    Some(match list.iter().find(|o| o.code == code) {
        Some(o) if !o.description.is_empty() => format!("{code} – {}", o.description),
        _ => code.to_string(),
    })
}

/// Every code of `table` with its description, ordered by code.
pub fn options(conn: &mut PgConnection, table: &str) -> QueryResult<CodeList> {
    Ok(options_of(conn, &[table])?.pop().unwrap_or_default())
}

/// What this process keeps of the setup tables, by database and key: each value with the
/// version of the setup tables it was read at (`code_list_version`: the database's own id and
/// its last change, moved by a trigger on every statement that changes a code table, the code
/// or description of a template, campaign or sales cycle, a profile questionnaire, question
/// or answer, an opportunity or a cycle's stage). An instance serves one database; kept by
/// database, values of several (the tests') never take each other's place. (The pipeline's
/// groups are kept here too: `opportunities::domain::pipeline::groups`.)
pub type Keeper<T> = LazyLock<Mutex<HashMap<String, HashMap<String, (String, T)>>>>;

/// How many values a keeper holds for a database (see [`kept`]).
const KEPT_MAX: usize = 256;

/// The value `keeper` keeps under `key` when it is of the version this request has read
/// already (with its session), without a statement; otherwise what `read` reads. `read` is
/// given the kept value's version ("" for none) and answers the version it read at with the
/// value; its statement may leave the value's rows out when the version is the kept one (and
/// the kept value then answers). A value read at a version is kept, for its database.
pub fn kept<T: Clone>(
    keeper: &Keeper<T>,
    key: &str,
    read: impl FnOnce(&str) -> QueryResult<(String, T)>,
) -> QueryResult<T> {
    fn database(version: &str) -> &str {
        version.split_once('/').map_or("", |(d, _)| d)
    }
    let seen = crate::db::seen::current();
    let kept = {
        let kept = keeper.lock().unwrap_or_else(|e| e.into_inner());
        match &seen {
            Some(seen) => kept.get(database(seen)),
            // Not read with a session (a change, the command line): the one database kept
            // for, if only one; its version is checked by the statement.
            None if kept.len() == 1 => kept.values().next(),
            None => None,
        }
        .and_then(|values| values.get(key))
        .cloned()
    };
    if let (Some((kept_version, value)), Some(seen)) = (&kept, &seen) {
        if kept_version.as_str() == &**seen {
            return Ok(value.clone());
        }
    }
    let (version, value) = read(kept.as_ref().map(|(v, _)| v.as_str()).unwrap_or(""))?;
    if let Some((kept_version, kept_value)) = kept {
        if !version.is_empty() && version == kept_version {
            return Ok(kept_value);
        }
    }
    if !version.is_empty() {
        let mut all = keeper.lock().unwrap_or_else(|e| e.into_inner());
        let values = all.entry(database(&version).to_string()).or_default();
        // Keys a user chooses (the pipeline's periods) could grow without end: past
        // `KEPT_MAX`, a database's values are let go and read again as they are asked for.
        if values.len() >= KEPT_MAX && !values.contains_key(key) {
            values.clear();
        }
        values.insert(key.to_string(), (version, value.clone()));
    }
    Ok(value)
}

/// The lists [`options_of`] read, kept by statement (its keys are the tables of a fixed set of
/// forms, in their order).
static KEPT_LISTS: Keeper<Vec<CodeList>> = LazyLock::new(Default::default);

/// Every code of each of `tables` (code tables, or [`OTHER_LISTS`]) with its description,
/// ordered by code: a form's choices in one statement. The lists read are kept ([`kept`]); the
/// statement reads them again only when their tables changed since (in the reader's snapshot),
/// and otherwise answers with the version alone (the country filter's 249 codes were a quarter
/// of the contact list's database time).
pub fn options_of(conn: &mut PgConnection, tables: &[&str]) -> QueryResult<Vec<CodeList>> {
    kept(&KEPT_LISTS, &tables.join(","), |kept_version| {
        let mut parts = Vec::with_capacity(tables.len());
        for (i, table) in tables.iter().enumerate() {
            let Some((table, code, label)) = CODE_TABLES
                .iter()
                .map(|(t, label)| (*t, "code", *label))
                .chain(OTHER_LISTS.iter().copied())
                .find(|(t, _, _)| t == table)
            else {
                return Err(diesel::result::Error::NotFound);
            };
            parts.push(format!(
                "SELECT {i} AS list, {code}::text AS code, {label} AS description FROM {table} \
                 WHERE (SELECT version FROM v) IS DISTINCT FROM $1"
            ));
        }
        let sql = format!(
            "WITH v AS (SELECT {} AS version) \
             SELECT -1 AS list, COALESCE((SELECT version FROM v), '') AS code, '' AS description \
             UNION ALL {} ORDER BY list, code",
            crate::db::seen::VERSION,
            parts.join(" UNION ALL ")
        );
        let rows: Vec<CodeListRow> = crate::db::prepared(sql.as_str())
            .bind::<Text, _>(kept_version)
            .load(conn)?;
        let version = rows
            .first()
            .filter(|r| r.list == -1)
            .map(|r| r.code.clone())
            .unwrap_or_default();
        Ok((version, into_lists(rows, tables.len())))
    })
}

/// A row of a statement of lists of codes: its list's number (from 0), the code and its
/// description.
#[derive(QueryableByName)]
struct CodeListRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    list: i32,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    description: String,
}

/// The rows in their `lists` lists, in order; rows of no list (a number out of range) left out.
fn into_lists(rows: Vec<CodeListRow>, lists: usize) -> Vec<CodeList> {
    let mut out: Vec<Vec<CodeOption>> = vec![Vec::new(); lists];
    for row in rows {
        if let Some(list) = usize::try_from(row.list).ok().and_then(|i| out.get_mut(i)) {
            list.push(CodeOption {
                code: row.code.into(),
                description: row.description.into(),
            });
        }
    }
    out.into_iter().map(CodeList::from).collect()
}

/// Runs a statement of several lists of codes, each row with its list's number (`list`, from
/// 0), `code` and `description`, and gives the `lists` lists in order. It has no values: kept
/// prepared.
pub fn code_lists(
    conn: &mut PgConnection,
    sql: String,
    lists: usize,
) -> QueryResult<Vec<CodeList>> {
    let rows: Vec<CodeListRow> = crate::db::prepared(sql).load(conn)?;
    Ok(into_lists(rows, lists))
}

/// Whether `code` exists in `table`.
pub fn code_exists(conn: &mut PgConnection, table: &str, code: &str) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let Some((table, _)) = CODE_TABLES.iter().find(|(t, _)| *t == table) else {
        return Err(diesel::result::Error::NotFound);
    };
    let found: Found = diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE code = $1) AS found"
    ))
    .bind::<Text, _>(code)
    .get_result(conn)?;
    Ok(found.found)
}

/// One line of the setup index.
pub struct IndexEntry {
    pub table: &'static SetupTable,
    pub count: i64,
}

impl IndexEntry {
    pub fn count_text(&self) -> String {
        thousands(self.count)
    }
}

#[derive(Template)]
#[template(path = "setup/index.html")]
pub struct SetupIndexPage {
    pub layout: Layout,
    pub entries: Vec<IndexEntry>,
    pub can_edit: bool,
}

/// The setup index: every setup table, what it is for, and how many codes it has. Served at
/// `GET /setup` by the first-run handler when no setup token is given.
pub async fn index_page(
    user: CurrentUser,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let counts = db(&state.pool, |conn| Ok(registry::row_counts(conn)?)).await?;
    ok(&SetupIndexPage {
        layout,
        entries: counts
            .into_iter()
            .map(|(table, count)| IndexEntry { table, count })
            .collect(),
        can_edit: user.role == Role::Admin,
    })
}

/// `/setup/` is `/setup`.
#[get("/setup/")]
pub async fn index_slash() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/setup"))
        .finish()
}

/// Registers the setup pages. The tables with pages of their own come before the generic
/// `/setup/{slug}` routes, which would otherwise match them.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(index_slash)
        // Number series.
        .service(number_series::list_page)
        .service(number_series::show)
        .service(number_series::update)
        // Salespeople.
        .service(salespeople::list)
        .service(salespeople::new)
        .service(salespeople::create)
        .service(salespeople::show)
        .service(salespeople::update)
        .service(salespeople::delete)
        // Interaction templates.
        .service(interaction_templates::pages::list)
        .service(interaction_templates::pages::new)
        .service(interaction_templates::pages::create)
        .service(interaction_templates::pages::show)
        .service(interaction_templates::pages::update)
        .service(interaction_templates::pages::delete)
        // Sales cycles and their stages.
        .service(sales_cycles::pages::list)
        .service(sales_cycles::pages::new)
        .service(sales_cycles::pages::create)
        .service(sales_cycles::pages::show)
        .service(sales_cycles::pages::update)
        .service(sales_cycles::pages::delete)
        .service(sales_cycles::pages::add_stage)
        .service(sales_cycles::pages::show_stage)
        .service(sales_cycles::pages::update_stage)
        .service(sales_cycles::pages::delete_stage)
        // Close opportunity codes.
        .service(sales_cycles::close_codes::list)
        .service(sales_cycles::close_codes::create)
        .service(sales_cycles::close_codes::show)
        .service(sales_cycles::close_codes::update)
        .service(sales_cycles::close_codes::delete)
        // Profile questionnaires.
        .service(questionnaires::list)
        .service(questionnaires::new)
        .service(questionnaires::create)
        .service(questionnaires::show)
        .service(questionnaires::update)
        .service(questionnaires::delete)
        .service(questionnaires::add_question)
        .service(questionnaires::show_question)
        .service(questionnaires::update_question)
        .service(questionnaires::move_question)
        .service(questionnaires::delete_question)
        .service(questionnaires::add_answer)
        .service(questionnaires::update_answer)
        .service(questionnaires::move_answer)
        .service(questionnaires::delete_answer)
        // Every code + description table.
        .service(codes::list)
        .service(codes::new)
        .service(codes::create)
        .service(codes::show)
        .service(codes::update_code)
        .service(codes::delete);
}

/// Registers the old address of the interaction templates' list (`/interaction-templates`).
pub fn configure_old_paths(cfg: &mut web::ServiceConfig) {
    cfg.service(interaction_templates::pages::old_list);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_text_is_escaped_into_a_page_as_a_string_is() {
        #[derive(askama::Template)]
        #[template(
            source = "<option value=\"{{ code }}\">{{ name }}</option>",
            ext = "html"
        )]
        struct Choice {
            code: Shared,
            name: Shared,
        }
        let page = askama::Template::render(&Choice {
            code: "A\"B".into(),
            name: "<b>Jo & Co</b> 'Ø'".into(),
        })
        .unwrap();
        assert_eq!(
            page,
            "<option value=\"A&#34;B\">&#60;b&#62;Jo &#38; Co&#60;/b&#62; &#39;Ø&#39;</option>"
        );
    }

    #[test]
    fn a_code_is_named_from_its_list_as_the_database_names_it() {
        let list = vec![
            CodeOption {
                code: "JO".into(),
                description: "Jo Sales".into(),
            },
            CodeOption {
                code: "PL".into(),
                description: "".into(),
            },
        ];
        assert_eq!(named(Some("JO"), &list).as_deref(), Some("JO – Jo Sales"));
        // No name, or a code the list does not hold: the code alone.
        assert_eq!(named(Some("PL"), &list).as_deref(), Some("PL"));
        assert_eq!(named(Some("XX"), &list).as_deref(), Some("XX"));
        assert_eq!(named(Some("jo"), &list).as_deref(), Some("jo"));
        assert_eq!(named(None, &list), None);
    }
}
