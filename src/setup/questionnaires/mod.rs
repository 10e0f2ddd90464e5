//! `/setup/profile-questionnaires`: questionnaires, their questions, and each question's
//! answer choices (e.g. "Company size" → Small / Medium / Large).
//!
//! Routes, all under `/setup/profile-questionnaires`:
//!
//! | | |
//! |---|---|
//! | `GET /`, `GET /new`, `POST /` | list, new form, create |
//! | `GET /{code}`, `POST /{code}`, `POST /{code}/delete` | the questionnaire with its questions; change; delete |
//! | `POST /{code}/questions` | add a question (with answers, one per line) |
//! | `GET /{code}/questions/{id}`, `POST /{code}/questions/{id}` | a question with its answers; change its text |
//! | `POST /{code}/questions/{id}/move`, `…/delete` | move up or down (`direction`), delete |
//! | `POST /{code}/questions/{id}/answers` | add an answer |
//! | `POST /{code}/questions/{id}/answers/{id}`, `…/move`, `…/delete` | change, move, delete an answer |
//!
//! Questions and answers have no numbers of their own, so their URLs use their ids, which never
//! change (positions do). Positions are kept as 1, 2, 3… in the order shown. A question or
//! answer that contacts have chosen cannot be deleted (the schema would cascade the delete
//! to the contacts' answers), nor one that a step of saved criteria or of a draft segment
//! chooses, nor a questionnaire with such a question ([`uses`]).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text};
use serde::Deserialize;
use std::sync::{Arc, LazyLock};

use super::codes::{self, CodeForm};
use super::registry::{self, Kind, SetupTable};
use super::support::{
    check_shown, check_text, deleted_already, row_now, search_terms, shown, Change, ListQuery,
    Listing, Saving, Taken, CHANGED, DESCRIPTION_MAX, PER_PAGE,
};
use super::Keeper;
use crate::auth::{Admin, Role, SignedIn};
use crate::db::schema::{profile_answers, profile_questionnaires, profile_questions};
use crate::web::pagination::thousands;
use crate::web::AppState;
use crate::web::{db, ok, redirect, unprocessable, AppError, AppResult, FormErrors, Layout};

mod answers;
mod pages;
mod questions;
mod uses;

pub use answers::{add_answer, delete_answer, move_answer, update_answer};
pub use pages::{add_question, create, delete, list, new, show, update};
pub use questions::{delete_question, move_question, show_question, update_question};
pub use uses::{AnswerUse, Uses};

pub(super) fn table() -> &'static SetupTable {
    registry::of_kind(Kind::Questionnaires)
}

// ---------------------------------------------------------------------------------------------
// The model.

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = profile_questionnaires)]
pub struct Questionnaire {
    pub code: String,
    pub description: String,
    /// [`AppliesTo`], as stored.
    pub contact_type: String,
}

impl Questionnaire {
    pub fn applies_to(&self) -> AppliesTo {
        AppliesTo::parse(&self.contact_type).unwrap_or(AppliesTo::Both)
    }
}

/// The contacts a questionnaire applies to (Business Central's "Contact Type" on the Profile
/// Questionnaire): a contact's card shows only the questionnaires that apply to it, and only
/// those can be answered for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppliesTo {
    Both,
    Companies,
    Persons,
}

impl AppliesTo {
    pub const ALL: [AppliesTo; 3] = [AppliesTo::Both, AppliesTo::Companies, AppliesTo::Persons];

    /// As stored in `profile_questionnaires.contact_type` and sent by the form.
    pub fn as_str(self) -> &'static str {
        match self {
            AppliesTo::Both => "both",
            AppliesTo::Companies => "company",
            AppliesTo::Persons => "person",
        }
    }

    pub fn parse(s: &str) -> Option<AppliesTo> {
        AppliesTo::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AppliesTo::Both => "Companies and persons",
            AppliesTo::Companies => "Companies",
            AppliesTo::Persons => "Persons",
        }
    }

    /// The form's choices: (value, label).
    pub fn pairs() -> Vec<(&'static str, &'static str)> {
        AppliesTo::ALL
            .iter()
            .map(|a| (a.as_str(), a.label()))
            .collect()
    }

    /// Whether it applies to a contact of this type (`company` or `person`).
    pub fn applies(self, contact_type: &str) -> bool {
        self == AppliesTo::Both || self.as_str() == contact_type
    }

    /// The contacts it leaves out: `person`, `company`, or none.
    fn excluded(self) -> Option<&'static str> {
        match self {
            AppliesTo::Both => None,
            AppliesTo::Companies => Some("person"),
            AppliesTo::Persons => Some("company"),
        }
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = profile_questions)]
pub struct Question {
    pub id: i64,
    pub questionnaire_code: String,
    pub position: i32,
    pub description: String,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = profile_answers)]
pub struct Answer {
    pub id: i64,
    pub question_id: i64,
    pub position: i32,
    pub description: String,
}

/// A profile question as a contact's card offers it: its questionnaire, the contacts that
/// applies to, and its answer choices in their order.
#[derive(Debug)]
pub struct ProfileQuestion {
    pub questionnaire: String,
    /// The questionnaire's description, which a card shows beside the question.
    pub questionnaire_description: String,
    pub applies_to: AppliesTo,
    pub question_id: i64,
    pub question: String,
    pub answers: Vec<(i64, String)>,
}

/// Every profile question as read: kept, and shared by the cards that offer them.
pub type ProfileQuestions = Arc<[Arc<ProfileQuestion>]>;

/// The profile questions [`offered_questions`] read (under one key).
static KEPT_QUESTIONS: Keeper<ProfileQuestions> = LazyLock::new(Default::default);

crate::db::columns::columns_in_order! {
    struct ProfileRow {
        /// 0 for the first row, whose `questionnaire` is the version read at; 1 for a question
        /// (with one of its answers, if it has any).
        part: i32 as Integer,
        questionnaire: String as Text,
        questionnaire_description: String as Text,
        contact_type: String as Text,
        question_id: i64 as BigInt,
        question: String as Text,
        answer_id: Option<i64> as Nullable<BigInt>,
        answer: Option<String> as Nullable<Text>,
    }
}

/// Every profile question of every questionnaire with its answer choices, in the order a card
/// shows them (questionnaire, position): kept ([`super::kept`]) until a statement changes a
/// questionnaire, a question or an answer, so that a contact's card reads only the contact's
/// own answers (the questions' statement was a sixth of a card's database time).
pub fn offered_questions(conn: &mut PgConnection) -> QueryResult<ProfileQuestions> {
    super::kept(&KEPT_QUESTIONS, "", |kept_version| {
        let rows: Vec<ProfileRow> = crate::db::prepared(format!(
            "WITH v AS (SELECT {} AS version) \
             SELECT 0 AS part, COALESCE((SELECT version FROM v), '') AS questionnaire, \
                    '' AS questionnaire_description, '' AS contact_type, 0::bigint AS question_id, 0 AS question_position, \
                    '' AS question, NULL::int AS answer_position, NULL::bigint AS answer_id, \
                    NULL::text AS answer \
             UNION ALL \
             SELECT 1, q.questionnaire_code::text, pq.description, pq.contact_type, q.id, q.position, \
                    q.description, a.position, a.id, a.description \
             FROM profile_questions q \
             JOIN profile_questionnaires pq ON pq.code = q.questionnaire_code \
             LEFT JOIN profile_answers a ON a.question_id = q.id \
             WHERE (SELECT version FROM v) IS DISTINCT FROM $1 \
             ORDER BY part, questionnaire, question_position, question_id, answer_position, \
                      answer_id",
            crate::db::seen::VERSION
        ))
        .bind::<Text, _>(kept_version)
        .load(conn)?;
        let mut rows = rows.into_iter();
        let version = match rows.next() {
            Some(first) if first.part == 0 => first.questionnaire,
            _ => String::new(),
        };
        let mut questions: Vec<ProfileQuestion> = Vec::new();
        for r in rows {
            if questions.last().map(|q| q.question_id) != Some(r.question_id) {
                questions.push(ProfileQuestion {
                    applies_to: AppliesTo::parse(&r.contact_type).unwrap_or(AppliesTo::Both),
                    questionnaire: r.questionnaire,
                    questionnaire_description: r.questionnaire_description,
                    question_id: r.question_id,
                    question: r.question,
                    answers: Vec::new(),
                });
            }
            if let (Some(id), Some(text), Some(last)) =
                (r.answer_id, r.answer, questions.last_mut())
            {
                last.answers.push((id, text));
            }
        }
        Ok((version, questions.into_iter().map(Arc::new).collect()))
    })
}

/// A question as listed on its questionnaire's page.
#[derive(Clone, Debug)]
pub struct QuestionWithAnswers {
    pub question: Question,
    pub answers: Vec<Answer>,
}

impl ProfileQuestion {
    /// How a card names the question's questionnaire: its description, else its code.
    pub fn questionnaire_label(&self) -> &str {
        match self.questionnaire_description.trim() {
            "" => &self.questionnaire,
            _ => &self.questionnaire_description,
        }
    }
}

impl QuestionWithAnswers {
    pub fn answer_list(&self) -> String {
        self.answers
            .iter()
            .map(|a| a.description.as_str())
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

pub fn questionnaire_href(code: &str) -> String {
    table().code_href(code)
}

pub fn question_href(code: &str, question: i64) -> String {
    format!("{}/questions/{question}", questionnaire_href(code))
}

pub fn answer_href(code: &str, question: i64, answer: i64) -> String {
    format!("{}/answers/{answer}", question_href(code, question))
}

// ---------------------------------------------------------------------------------------------
// Queries.

#[derive(QueryableByName)]
pub(super) struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A row of the list.
#[derive(Clone, Debug, QueryableByName)]
pub struct QuestionnaireRow {
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = BigInt)]
    pub questions: i64,
    #[diesel(sql_type = Text)]
    pub contact_type: String,
}

impl QuestionnaireRow {
    pub fn applies_label(&self) -> &'static str {
        AppliesTo::parse(&self.contact_type)
            .unwrap_or(AppliesTo::Both)
            .label()
    }
}

pub(super) fn list_page(
    conn: &mut PgConnection,
    q: &str,
    offset: i64,
) -> QueryResult<Vec<QuestionnaireRow>> {
    let (q, pattern) = search_terms(q);
    diesel::sql_query(
        "SELECT p.code::text AS code, p.description, p.contact_type, \
                (SELECT count(*) FROM profile_questions q WHERE q.questionnaire_code = p.code) AS questions \
         FROM profile_questionnaires p \
         WHERE ($1 = '' OR rapport_fold(p.code) LIKE $2 OR rapport_fold(p.description) LIKE $2) \
         ORDER BY p.code LIMIT $3 OFFSET $4",
    )
    .bind::<Text, _>(q)
    .bind::<Text, _>(pattern)
    .bind::<BigInt, _>(PER_PAGE)
    .bind::<BigInt, _>(offset)
    .load(conn)
}

pub(super) fn find(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Questionnaire>> {
    profile_questionnaires::table
        .find(code)
        .select(Questionnaire::as_select())
        .first(conn)
        .optional()
}

/// The questionnaire, locked: changes to one questionnaire's questions happen one at a time.
/// Renamed since the page was opened, it is found under its code now ([`row_now`]).
pub(super) fn lock(conn: &mut PgConnection, code: &str) -> AppResult<Questionnaire> {
    row_now(conn, table(), code, lock_row)
}

/// The questionnaire under `code`, locked, if it is there.
pub(super) fn lock_row(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Questionnaire>> {
    profile_questionnaires::table
        .find(code)
        .select(Questionnaire::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub(super) fn questions(conn: &mut PgConnection, code: &str) -> QueryResult<Vec<Question>> {
    profile_questions::table
        .filter(profile_questions::questionnaire_code.eq(code))
        .select(Question::as_select())
        .order((profile_questions::position, profile_questions::id))
        .load(conn)
}

/// Refuses the text of a question or an answer (`what`) typed over a colleague's change since
/// the page showed it (`sent`: the form's `shown`), saying both texts ([`check_shown`]).
pub(super) fn check_text_shown(
    errors: &mut FormErrors,
    sent: &str,
    stored: &str,
    typed: &str,
    what: &str,
) {
    let change = format!("its text {} → {}", quoted(stored), quoted(typed));
    let would_change = if stored == typed { "" } else { &change };
    check_shown(
        errors,
        sent,
        &stored,
        &format!("this {what}"),
        Some(would_change),
    );
}

/// A change to a question or an answer (`what`) of questionnaire `code` that another
/// administrator deleted after the page was opened: refused (409), saying so, with the way
/// back to the questionnaire. It was a bare "Page not found".
pub(super) fn gone(what: &str, code: &str) -> AppError {
    AppError::Refused {
        message: format!(
            "This {what} of profile questionnaire {code} is not there any more: it was \
             deleted after this page was opened (by a form sent twice, or by another \
             administrator). Nothing was changed."
        ),
        back: table().code_href(code),
    }
}

/// The note for a delete of a question or an answer (`what`) of questionnaire `code` that is
/// not there any more: deleted by this form's first sending (a double click, whose message
/// then stays) or by another administrator.
pub(super) fn already_deleted(what: &str, code: &str) -> String {
    format!(
        "This {what} of profile questionnaire {code} is not there any more: nothing more to \
         delete."
    )
}

/// [`gone`] for a change whose question or answer was not found.
pub(super) fn or_gone(e: AppError, what: &str, code: &str) -> AppError {
    match e {
        AppError::NotFound => gone(what, code),
        e => e,
    }
}

pub(super) fn question(conn: &mut PgConnection, code: &str, id: i64) -> AppResult<Question> {
    profile_questions::table
        .filter(profile_questions::questionnaire_code.eq(code))
        .filter(profile_questions::id.eq(id))
        .select(Question::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub(super) fn answers_of(
    conn: &mut PgConnection,
    question_ids: &[i64],
) -> QueryResult<Vec<Answer>> {
    profile_answers::table
        .filter(profile_answers::question_id.eq_any(question_ids))
        .select(Answer::as_select())
        .order((profile_answers::position, profile_answers::id))
        .load(conn)
}

pub(super) fn answer(conn: &mut PgConnection, question_id: i64, id: i64) -> AppResult<Answer> {
    profile_answers::table
        .filter(profile_answers::question_id.eq(question_id))
        .filter(profile_answers::id.eq(id))
        .select(Answer::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Locks the answers of these questions, and returns how many there are: nobody can choose
/// them until the transaction ends, so a count of the contacts that chose them stays true.
pub(super) fn lock_answers(conn: &mut PgConnection, question_ids: &[i64]) -> QueryResult<usize> {
    profile_answers::table
        .filter(profile_answers::question_id.eq_any(question_ids))
        .select(profile_answers::id)
        .for_update()
        .load::<i64>(conn)
        .map(|ids| ids.len())
}

/// What a questionnaire's deletion takes with it ("its 3 questions and their 12 answer
/// choices"), for its Delete panel, message and audit entry; empty for none.
pub fn goes_with(questions: usize, answers: usize) -> String {
    use crate::web::pagination::counted;
    match (questions, answers) {
        (0, _) => String::new(),
        (q, 0) => format!("its {}", counted(q as i64, "question", "questions")),
        (q, a) => format!(
            "its {} and {} {}",
            counted(q as i64, "question", "questions"),
            if q == 1 { "its" } else { "their" },
            counted(a as i64, "answer choice", "answer choices")
        ),
    }
}

/// Numbers the rows 1, 2, 3… in the order of `ids` (one statement).
pub(super) fn renumber(conn: &mut PgConnection, table: &str, ids: &[i64]) -> QueryResult<()> {
    // `table` is one of two fixed names.
    diesel::sql_query(format!(
        "UPDATE {table} t SET position = v.pos::int \
         FROM unnest($1::bigint[]) WITH ORDINALITY AS v(id, pos) \
         WHERE t.id = v.id AND t.position <> v.pos::int"
    ))
    .bind::<Array<BigInt>, _>(ids)
    .execute(conn)
    .map(|_| ())
}

/// `ids` with `id` moved one place up or down; `None` when it cannot move that way.
pub fn moved(ids: &[i64], id: i64, up: bool) -> Option<Vec<i64>> {
    let i = ids.iter().position(|x| *x == id)?;
    let j = if up { i.checked_sub(1)? } else { i + 1 };
    if j >= ids.len() {
        return None;
    }
    let mut out = ids.to_vec();
    out.swap(i, j);
    Some(out)
}

pub(super) fn next_position(positions: impl Iterator<Item = i32>) -> i32 {
    positions.max().unwrap_or(0) + 1
}

// ---------------------------------------------------------------------------------------------
// Forms.

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewQuestionForm {
    #[serde(default, rename = "new_question")]
    pub description: String,
    /// Answer choices, one per line.
    #[serde(default, rename = "new_answers")]
    pub answers: String,
}

impl NewQuestionForm {
    fn answer_lines(&self) -> Vec<String> {
        self.answers
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// The questionnaire's own form: code, description and the contacts it applies to.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct QuestionnaireForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub contact_type: String,
    /// The row as the form showed it ([`super::support::shown`]).
    #[serde(default)]
    pub shown: String,
}

impl QuestionnaireForm {
    pub(super) fn of(q: &Questionnaire) -> QuestionnaireForm {
        QuestionnaireForm {
            code: q.code.clone(),
            description: q.description.clone(),
            contact_type: q.contact_type.clone(),
            shown: shown(q),
        }
    }

    /// The code in capitals, all trimmed; no choice is both.
    pub fn cleaned(self) -> QuestionnaireForm {
        let code = CodeForm {
            code: self.code,
            description: self.description,
            shown: String::new(),
        }
        .cleaned();
        let contact_type = match self.contact_type.trim() {
            "" => AppliesTo::Both.as_str().to_string(),
            t => t.to_string(),
        };
        QuestionnaireForm {
            code: code.code,
            description: code.description,
            contact_type,
            shown: self.shown,
        }
    }

    pub fn validate(&self) -> FormErrors {
        let mut errors = CodeForm {
            code: self.code.clone(),
            description: self.description.clone(),
            shown: String::new(),
        }
        .validate();
        if AppliesTo::parse(&self.contact_type).is_none() {
            errors.add(
                "contact_type",
                "Choose companies, persons, or companies and persons.",
            );
        }
        errors
    }

    pub fn applies_to(&self) -> AppliesTo {
        AppliesTo::parse(&self.contact_type).unwrap_or(AppliesTo::Both)
    }
}

/// How many contacts of the type `applies` leaves out have answered one of the
/// questionnaire's questions (0 when it leaves none out).
pub(super) fn answered_by_excluded(
    conn: &mut PgConnection,
    code: &str,
    applies: AppliesTo,
) -> QueryResult<i64> {
    let Some(excluded) = applies.excluded() else {
        return Ok(0);
    };
    let c: Count = diesel::sql_query(
        "SELECT count(DISTINCT cpa.contact_id) AS n FROM contact_profile_answers cpa \
         JOIN profile_questions q ON q.id = cpa.question_id \
         JOIN contacts c ON c.id = cpa.contact_id \
         WHERE q.questionnaire_code = $1 AND c.type = $2",
    )
    .bind::<Text, _>(code)
    .bind::<Text, _>(excluded)
    .get_result(conn)?;
    Ok(c.n)
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct DescriptionForm {
    #[serde(default)]
    pub description: String,
    /// The text as the page showed it ([`shown`]): a save over a colleague's change since is
    /// refused, not written over it.
    #[serde(default)]
    pub shown: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewAnswerForm {
    #[serde(default)]
    pub new_answer: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    pub direction: String,
    /// The id of the question or answer the page showed it moving past (the one above it for
    /// up, below for down): past it already — by this form's first sending, or another
    /// administrator — it is not moved again.
    #[serde(default)]
    pub past: String,
}

impl MoveForm {
    /// Whether `id` in `ids` is no longer next to the one the page showed it moving past.
    pub fn moved_since(&self, ids: &[i64], id: i64) -> bool {
        let Ok(past) = self.past.trim().parse::<i64>() else {
            return false;
        };
        let Some(i) = ids.iter().position(|x| *x == id) else {
            return false;
        };
        let next = if self.direction == "up" {
            i.checked_sub(1).and_then(|j| ids.get(j))
        } else {
            ids.get(i + 1)
        };
        next != Some(&past)
    }
}

/// What a Move says when [`MoveForm::moved_since`]: `what` ("Question" or "Answer") and its text.
pub(super) fn moved_already(what: &str, description: &str) -> String {
    format!(
        "{what} {} was moved after this page was opened (by this form, sent twice, or by \
         another administrator): nothing more was moved.",
        quoted(description)
    )
}

/// For the Move buttons of the `i`th of a list of `ids`: the one it moves past, up or down
/// (0 when none).
pub fn past(ids: impl Iterator<Item = i64>, i: usize, up: bool) -> i64 {
    let j = if up { i.checked_sub(1) } else { Some(i + 1) };
    j.and_then(|j| ids.into_iter().nth(j)).unwrap_or(0)
}

/// A question's or answer's text: required, at most 100 characters, not twice in its list.
pub(super) fn check_entry(
    errors: &mut FormErrors,
    field: &'static str,
    value: &str,
    required: &str,
    others: &[&str],
    twice: &str,
) {
    check_text(errors, field, value, DESCRIPTION_MAX, Some(required));
    if !errors.has(field)
        && others
            .iter()
            .any(|o| o.to_lowercase() == value.to_lowercase())
    {
        errors.add(field, twice);
    }
}

/// The most answers one question can offer: a choice list longer than this is no longer read
/// by the person filling in a contact's profile (and thousands in one form were a 500).
pub const MAX_ANSWERS: usize = 1_000;

/// The refusal of answers past [`MAX_ANSWERS`].
pub(super) fn too_many_answers(n: usize) -> String {
    format!(
        "A question offers at most {} answers; this would make it {}.",
        thousands(MAX_ANSWERS as i64),
        thousands(n as i64)
    )
}

pub(super) fn check_answer_lines(errors: &mut FormErrors, lines: &[String]) {
    if lines.len() > MAX_ANSWERS {
        errors.add("new_answers", too_many_answers(lines.len()));
        return;
    }
    let mut seen = std::collections::HashSet::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let len = line.chars().count();
        if len > DESCRIPTION_MAX {
            errors.add(
                "new_answers",
                format!(
                    "Answer {} has {len} characters; use at most {DESCRIPTION_MAX}.",
                    i + 1
                ),
            );
        } else if line.chars().any(char::is_control) {
            // (A NUL, which PostgreSQL refuses in text, was a 500.)
            errors.add(
                "new_answers",
                format!(
                    "Answer {} holds a tab or a control character: remove it.",
                    i + 1
                ),
            );
        } else if !seen.insert(line.to_lowercase()) {
            errors.add("new_answers", format!("“{line}” is listed twice."));
        }
    }
}

pub(super) fn quoted(s: &str) -> String {
    format!("“{s}”")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_is_not_made_twice_but_a_list_changed_elsewhere_does_not_stop_it() {
        let form = |direction: &str, past: i64| MoveForm {
            direction: direction.into(),
            past: past.to_string(),
        };
        // Shown as 1, 2, 3: 3 moving up past 2.
        assert!(!form("up", 2).moved_since(&[1, 2, 3], 3));
        // Moved already (the same form sent twice): 1, 3, 2.
        assert!(form("up", 2).moved_since(&[1, 3, 2], 3));
        // Another question added at the top meanwhile: 2 still above it, it moves.
        assert!(!form("up", 2).moved_since(&[9, 1, 2, 3], 3));
        assert!(!form("down", 3).moved_since(&[1, 2, 3], 2));
        assert!(form("down", 3).moved_since(&[1, 3, 2], 2));
        // Without `past` (an older page): moved as asked.
        let older = MoveForm {
            direction: "up".into(),
            past: String::new(),
        };
        assert!(!older.moved_since(&[1, 3, 2], 3));
        assert_eq!(past([1, 2, 3].into_iter(), 0, true), 0);
        assert_eq!(past([1, 2, 3].into_iter(), 1, true), 1);
        assert_eq!(past([1, 2, 3].into_iter(), 1, false), 3);
        assert_eq!(past([1, 2, 3].into_iter(), 2, false), 0);
    }

    #[test]
    fn moving_swaps_with_the_neighbour_and_stops_at_the_ends() {
        assert_eq!(moved(&[1, 2, 3], 2, true), Some(vec![2, 1, 3]));
        assert_eq!(moved(&[1, 2, 3], 2, false), Some(vec![1, 3, 2]));
        assert_eq!(moved(&[1, 2, 3], 1, true), None);
        assert_eq!(moved(&[1, 2, 3], 3, false), None);
        assert_eq!(moved(&[1, 2, 3], 9, false), None);
    }

    #[test]
    fn a_questionnaire_applies_to_both_unless_narrowed() {
        let f = QuestionnaireForm {
            code: " cust ".into(),
            description: "Customer".into(),
            contact_type: String::new(),
            shown: String::new(),
        }
        .cleaned();
        assert_eq!((f.code.as_str(), f.applies_to()), ("CUST", AppliesTo::Both));
        assert!(f.validate().is_empty());
        assert!(AppliesTo::Both.applies("company") && AppliesTo::Both.applies("person"));
        assert!(AppliesTo::Persons.applies("person") && !AppliesTo::Persons.applies("company"));
        assert_eq!(AppliesTo::Companies.excluded(), Some("person"));
        let robots = QuestionnaireForm {
            contact_type: "robots".into(),
            ..f
        };
        assert_eq!(
            robots.validate().get("contact_type"),
            Some("Choose companies, persons, or companies and persons.")
        );
    }

    #[test]
    fn answer_lines_are_trimmed_and_checked() {
        let f = NewQuestionForm {
            description: "Size".into(),
            answers: " Small \r\n\r\nMedium\nLarge\n".into(),
        };
        assert_eq!(f.answer_lines(), ["Small", "Medium", "Large"]);
        let mut e = FormErrors::new();
        check_answer_lines(&mut e, &["Small".into(), "small".into()]);
        assert_eq!(e.get("new_answers"), Some("“small” is listed twice."));
        let at_most: Vec<String> = (0..MAX_ANSWERS).map(|i| format!("A{i}")).collect();
        let mut e = FormErrors::new();
        check_answer_lines(&mut e, &at_most);
        assert!(e.is_empty());
        let mut e = FormErrors::new();
        check_answer_lines(&mut e, &[at_most, vec!["Z".into()]].concat());
        assert!(e
            .get("new_answers")
            .unwrap()
            .starts_with("A question offers at most"));
        for bad in ["Tab\there", "Nul\0here"] {
            let mut e = FormErrors::new();
            check_answer_lines(&mut e, &["Small".into(), bad.into()]);
            assert_eq!(
                e.get("new_answers"),
                Some("Answer 2 holds a tab or a control character: remove it."),
                "{bad:?}"
            );
        }
    }
}
