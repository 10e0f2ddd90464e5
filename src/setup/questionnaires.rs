//! `/setup/profile-questionnaires`: questionnaires, their questions, and each question's
//! answer choices (SPEC §2: "Company size" → Small / Medium / Large).
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
//! to the contacts' answers), nor a questionnaire with such a question.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use serde::Deserialize;

use super::codes::{self, CodeForm};
use super::registry::{self, Kind, SetupTable};
use super::support::{
    check_text, guarded, search_terms, Change, ListQuery, Listing, Refusal, CHANGED, CREATED,
    DESCRIPTION_MAX, PER_PAGE,
};
use crate::auth::{Admin, Role, SignedIn};
use crate::db::schema::{profile_answers, profile_questionnaires, profile_questions};
use crate::web::pagination::thousands;
use crate::web::{db, ok, redirect, unprocessable, AppError, AppResult, FormErrors, Layout};
use crate::AppState;

fn table() -> &'static SetupTable {
    registry::of_kind(Kind::Questionnaires)
}

// ---------------------------------------------------------------------------------------------
// The model.

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = profile_questionnaires)]
pub struct Questionnaire {
    pub code: String,
    pub description: String,
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

/// A question as listed on its questionnaire's page.
#[derive(Clone, Debug)]
pub struct QuestionWithAnswers {
    pub question: Question,
    pub answers: Vec<Answer>,
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

/// An answer with the number of contacts that chose it.
#[derive(Clone, Debug)]
pub struct AnswerUse {
    pub answer: Answer,
    pub contacts: i64,
}

impl AnswerUse {
    pub fn contacts_text(&self) -> String {
        match self.contacts {
            0 => "not chosen yet".to_string(),
            1 => "chosen by 1 contact".to_string(),
            n => format!("chosen by {} contacts", thousands(n)),
        }
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
struct Count {
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
}

fn list_page(conn: &mut PgConnection, q: &str, offset: i64) -> QueryResult<Vec<QuestionnaireRow>> {
    let (q, pattern) = search_terms(q);
    diesel::sql_query(
        "SELECT p.code::text AS code, p.description, \
                (SELECT count(*) FROM profile_questions q WHERE q.questionnaire_code = p.code) AS questions \
         FROM profile_questionnaires p \
         WHERE ($1 = '' OR p.code ILIKE $2 OR p.description ILIKE $2) \
         ORDER BY p.code LIMIT $3 OFFSET $4",
    )
    .bind::<Text, _>(q)
    .bind::<Text, _>(pattern)
    .bind::<BigInt, _>(PER_PAGE)
    .bind::<BigInt, _>(offset)
    .load(conn)
}

fn find(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Questionnaire>> {
    profile_questionnaires::table
        .find(code)
        .select(Questionnaire::as_select())
        .first(conn)
        .optional()
}

/// The questionnaire, locked: changes to one questionnaire's questions happen one at a time.
fn lock(conn: &mut PgConnection, code: &str) -> AppResult<Questionnaire> {
    profile_questionnaires::table
        .find(code)
        .select(Questionnaire::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

fn questions(conn: &mut PgConnection, code: &str) -> QueryResult<Vec<Question>> {
    profile_questions::table
        .filter(profile_questions::questionnaire_code.eq(code))
        .select(Question::as_select())
        .order((profile_questions::position, profile_questions::id))
        .load(conn)
}

fn question(conn: &mut PgConnection, code: &str, id: i64) -> AppResult<Question> {
    profile_questions::table
        .filter(profile_questions::questionnaire_code.eq(code))
        .filter(profile_questions::id.eq(id))
        .select(Question::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

fn answers_of(conn: &mut PgConnection, question_ids: &[i64]) -> QueryResult<Vec<Answer>> {
    profile_answers::table
        .filter(profile_answers::question_id.eq_any(question_ids))
        .select(Answer::as_select())
        .order((profile_answers::position, profile_answers::id))
        .load(conn)
}

fn answer(conn: &mut PgConnection, question_id: i64, id: i64) -> AppResult<Answer> {
    profile_answers::table
        .filter(profile_answers::question_id.eq(question_id))
        .filter(profile_answers::id.eq(id))
        .select(Answer::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Locks the answers of these questions: nobody can choose them until the transaction ends,
/// so a count of the contacts that chose them stays true.
fn lock_answers(conn: &mut PgConnection, question_ids: &[i64]) -> QueryResult<()> {
    profile_answers::table
        .filter(profile_answers::question_id.eq_any(question_ids))
        .select(profile_answers::id)
        .for_update()
        .load::<i64>(conn)
        .map(|_| ())
}

/// How many contacts chose one of the answers of these questions.
fn contacts_answering(conn: &mut PgConnection, question_ids: &[i64]) -> QueryResult<i64> {
    let c: Count = diesel::sql_query(
        "SELECT count(DISTINCT contact_id) AS n FROM contact_profile_answers \
         WHERE answer_id IN (SELECT id FROM profile_answers WHERE question_id = ANY($1))",
    )
    .bind::<Array<BigInt>, _>(question_ids)
    .get_result(conn)?;
    Ok(c.n)
}

/// The answers of a question with the number of contacts that chose each (one query).
fn answer_uses(conn: &mut PgConnection, question_id: i64) -> QueryResult<Vec<AnswerUse>> {
    #[derive(QueryableByName)]
    struct Used {
        #[diesel(sql_type = BigInt)]
        answer_id: i64,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let answers = answers_of(conn, &[question_id])?;
    let used: Vec<Used> = diesel::sql_query(
        "SELECT answer_id, count(*) AS n FROM contact_profile_answers \
         WHERE answer_id IN (SELECT id FROM profile_answers WHERE question_id = $1) \
         GROUP BY answer_id",
    )
    .bind::<BigInt, _>(question_id)
    .load(conn)?;
    Ok(answers
        .into_iter()
        .map(|answer| AnswerUse {
            contacts: used
                .iter()
                .find(|u| u.answer_id == answer.id)
                .map_or(0, |u| u.n),
            answer,
        })
        .collect())
}

/// Numbers the rows 1, 2, 3… in the order of `ids` (one statement).
fn renumber(conn: &mut PgConnection, table: &str, ids: &[i64]) -> QueryResult<()> {
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

fn next_position(positions: impl Iterator<Item = i32>) -> i32 {
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

#[derive(Clone, Debug, Default, Deserialize)]
pub struct DescriptionForm {
    #[serde(default)]
    pub description: String,
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
}

/// A question's or answer's text: required, at most 100 characters, not twice in its list.
fn check_entry(
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

fn check_answer_lines(errors: &mut FormErrors, lines: &[String]) {
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
        } else if lines[..i]
            .iter()
            .any(|l| l.to_lowercase() == line.to_lowercase())
        {
            errors.add("new_answers", format!("“{line}” is listed twice."));
        }
    }
}

fn quoted(s: &str) -> String {
    format!("“{s}”")
}

// ---------------------------------------------------------------------------------------------
// The list and new questionnaires.

#[derive(Template)]
#[template(path = "setup/questionnaires.html")]
pub struct QuestionnaireListPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub rows: Vec<QuestionnaireRow>,
    pub listing: Listing,
    pub can_edit: bool,
}

#[get("/setup/profile-questionnaires")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let (rows, listing) = db(&state.pool, move |conn| {
        let total = codes::count(conn, table(), &query.q)?;
        let listing = Listing::new(table().href(), &query, total);
        let rows = list_page(conn, &listing.q, listing.pager.offset())?;
        Ok((rows, listing))
    })
    .await?;
    ok(&QuestionnaireListPage {
        layout,
        table: table(),
        rows,
        listing,
        can_edit: user.role == Role::Admin,
    })
}

#[derive(Template)]
#[template(path = "setup/questionnaire_new.html")]
pub struct NewQuestionnairePage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub form: CodeForm,
    pub errors: FormErrors,
}

#[get("/setup/profile-questionnaires/new")]
pub async fn new(_admin: Admin, layout: Layout) -> AppResult<HttpResponse> {
    ok(&NewQuestionnairePage {
        layout,
        table: table(),
        form: CodeForm::default(),
        errors: FormErrors::new(),
    })
}

fn duplicate(code: &str) -> String {
    format!("Profile questionnaire {code} already exists.")
}

const NOT_STORABLE: &str =
    "This code cannot be stored: use letters, digits and punctuation, without spaces.";

#[post("/setup/profile-questionnaires")]
pub async fn create(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> AppResult<HttpResponse> {
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner().cleaned();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let mut errors = f.validate();
            if !errors.has("code") && find(conn, &f.code)?.is_some() {
                errors.add("code", duplicate(&f.code));
            }
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            let inserted = guarded(conn, |c| {
                diesel::insert_into(profile_questionnaires::table)
                    .values((
                        profile_questionnaires::code.eq(&f.code),
                        profile_questionnaires::description.eq(&f.description),
                    ))
                    .execute(c)
            })?;
            match inserted {
                Ok(_) => {}
                Err(Refusal::Duplicate) => errors.add("code", duplicate(&f.code)),
                Err(_) => errors.add("code", NOT_STORABLE),
            }
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            change.done(
                conn,
                CREATED,
                &table().subject(&f.code),
                &f.description,
                format!(
                    "Profile questionnaire {} created. Add its questions below.",
                    f.code
                ),
            )?;
            Ok(Ok(f.code))
        })
    })
    .await?;
    match result {
        Ok(code) => Ok(redirect(&questionnaire_href(&code))),
        Err(errors) => unprocessable(&NewQuestionnairePage {
            layout,
            table: table(),
            form,
            errors,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// One questionnaire.

#[derive(Template)]
#[template(path = "setup/questionnaire.html")]
pub struct QuestionnairePage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    /// As stored.
    pub questionnaire: Questionnaire,
    /// The code and description form.
    pub form: CodeForm,
    pub questions: Vec<QuestionWithAnswers>,
    /// The add-a-question form.
    pub new_question: NewQuestionForm,
    /// Errors of either form: `code`, `description`, `new_question`, `new_answers`.
    pub errors: FormErrors,
    pub used_by: String,
    pub can_edit: bool,
}

impl QuestionnairePage {
    pub fn href(&self) -> String {
        questionnaire_href(&self.questionnaire.code)
    }

    pub fn question_href(&self, q: &Question) -> String {
        question_href(&self.questionnaire.code, q.id)
    }
}

/// The page's data as stored, with empty forms.
fn questionnaire_page(
    conn: &mut PgConnection,
    layout: Layout,
    code: &str,
    can_edit: bool,
) -> AppResult<QuestionnairePage> {
    let questionnaire = find(conn, code)?.ok_or(AppError::NotFound)?;
    let qs = questions(conn, &questionnaire.code)?;
    let ids: Vec<i64> = qs.iter().map(|q| q.id).collect();
    let mut answers = answers_of(conn, &ids)?;
    let questions = qs
        .into_iter()
        .map(|question| {
            let (mine, rest): (Vec<Answer>, Vec<Answer>) = std::mem::take(&mut answers)
                .into_iter()
                .partition(|a| a.question_id == question.id);
            answers = rest;
            QuestionWithAnswers {
                question,
                answers: mine,
            }
        })
        .collect();
    let used_by = registry::describe(&registry::usages(conn, table(), &questionnaire.code)?);
    Ok(QuestionnairePage {
        layout,
        table: table(),
        form: CodeForm {
            code: questionnaire.code.clone(),
            description: questionnaire.description.clone(),
        },
        questionnaire,
        questions,
        new_question: NewQuestionForm::default(),
        errors: FormErrors::new(),
        used_by,
        can_edit,
    })
}

#[get("/setup/profile-questionnaires/{code}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let can_edit = user.role == Role::Admin;
    let page = db(&state.pool, move |conn| {
        questionnaire_page(conn, layout, &code, can_edit)
    })
    .await?;
    ok(&page)
}

/// What a change handler answers: where to go, or the page again with what is wrong.
enum Outcome<P> {
    Done(String),
    Invalid(Box<P>),
}

fn respond<P: Template>(outcome: Outcome<P>) -> AppResult<HttpResponse> {
    match outcome {
        Outcome::Done(location) => Ok(redirect(&location)),
        Outcome::Invalid(page) => unprocessable(page.as_ref()),
    }
}

#[post("/setup/profile-questionnaires/{code}")]
pub async fn update(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CodeForm>,
) -> AppResult<HttpResponse> {
    let old_code = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let f = form.into_inner().cleaned();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let old = lock(conn, &old_code)?;
            let mut errors = f.validate();
            if !errors.has("code") && f.code != old.code && find(conn, &f.code)?.is_some() {
                errors.add("code", duplicate(&f.code));
            }
            if errors.is_empty() {
                let mut detail = Vec::new();
                if old.code != f.code {
                    detail.push(format!("code {} → {}", old.code, f.code));
                }
                if old.description != f.description {
                    detail.push(format!(
                        "description {} → {}",
                        quoted(&old.description),
                        quoted(&f.description)
                    ));
                }
                if detail.is_empty() {
                    change.unchanged(conn)?;
                    return Ok(Outcome::Done(questionnaire_href(&old.code)));
                }
                let updated = guarded(conn, |c| {
                    diesel::update(profile_questionnaires::table.find(&old.code))
                        .set((
                            profile_questionnaires::code.eq(&f.code),
                            profile_questionnaires::description.eq(&f.description),
                        ))
                        .execute(c)
                })?;
                match updated {
                    Ok(_) => {
                        change.done(
                            conn,
                            CHANGED,
                            &table().subject(&old.code),
                            &detail.join("; "),
                            format!("Profile questionnaire {} saved.", f.code),
                        )?;
                        return Ok(Outcome::Done(questionnaire_href(&f.code)));
                    }
                    Err(Refusal::Duplicate) => errors.add("code", duplicate(&f.code)),
                    Err(_) => errors.add("code", NOT_STORABLE),
                }
            }
            let mut page = questionnaire_page(conn, layout, &old.code, true)?;
            page.form = f;
            page.errors = errors;
            Ok(Outcome::Invalid(Box::new(page)))
        })
    })
    .await?;
    respond(outcome)
}

#[post("/setup/profile-questionnaires/{code}/delete")]
pub async fn delete(
    req: HttpRequest,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let q = lock(conn, &code)?;
            let ids: Vec<i64> = questions(conn, &q.code)?.iter().map(|q| q.id).collect();
            lock_answers(conn, &ids)?;
            // The registry counts the contacts that answered any of its questions.
            codes::delete_unused(conn, &change, table(), &q.code, |c| {
                diesel::delete(profile_questionnaires::table.find(&q.code)).execute(c)
            })
        })
    })
    .await?;
    Ok(redirect(&location))
}

#[post("/setup/profile-questionnaires/{code}/questions")]
pub async fn add_question(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<NewQuestionForm>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let mut f = form.into_inner();
    f.description = f.description.trim().to_string();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let q = lock(conn, &code)?;
            let existing = questions(conn, &q.code)?;
            let others: Vec<&str> = existing.iter().map(|q| q.description.as_str()).collect();
            let mut errors = FormErrors::new();
            check_entry(
                &mut errors,
                "new_question",
                &f.description,
                "Enter the question.",
                &others,
                "This questionnaire already has this question.",
            );
            let lines = f.answer_lines();
            check_answer_lines(&mut errors, &lines);
            if !errors.is_empty() {
                let mut page = questionnaire_page(conn, layout, &q.code, true)?;
                page.new_question = f;
                page.errors = errors;
                return Ok(Outcome::Invalid(Box::new(page)));
            }
            let id: i64 = diesel::insert_into(profile_questions::table)
                .values((
                    profile_questions::questionnaire_code.eq(&q.code),
                    profile_questions::position
                        .eq(next_position(existing.iter().map(|q| q.position))),
                    profile_questions::description.eq(&f.description),
                ))
                .returning(profile_questions::id)
                .get_result(conn)?;
            let rows: Vec<_> = lines
                .iter()
                .enumerate()
                .map(|(i, line)| {
                    (
                        profile_answers::question_id.eq(id),
                        profile_answers::position.eq(i as i32 + 1),
                        profile_answers::description.eq(line),
                    )
                })
                .collect();
            if !rows.is_empty() {
                diesel::insert_into(profile_answers::table)
                    .values(&rows)
                    .execute(conn)?;
            }
            let answers = match lines.len() {
                0 => "no answers yet".to_string(),
                1 => "1 answer".to_string(),
                n => format!("{n} answers"),
            };
            change.done(
                conn,
                CHANGED,
                &table().subject(&q.code),
                &format!("question added: {} ({answers})", quoted(&f.description)),
                format!("Question {} added.", quoted(&f.description)),
            )?;
            Ok(Outcome::Done(questionnaire_href(&q.code)))
        })
    })
    .await?;
    respond(outcome)
}

// ---------------------------------------------------------------------------------------------
// One question.

/// An answer's text that was refused, shown again next to its field.
#[derive(Clone, Debug)]
pub struct AnswerError {
    pub answer_id: i64,
    pub value: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "setup/question.html")]
pub struct QuestionPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub questionnaire: Questionnaire,
    pub question: Question,
    /// The question's text form.
    pub form: DescriptionForm,
    pub answers: Vec<AnswerUse>,
    /// The add-an-answer form.
    pub new_answer: String,
    /// Errors of the question form (`description`) and the add form (`new_answer`).
    pub errors: FormErrors,
    /// A refused change of one answer.
    pub answer_error: Option<AnswerError>,
    pub used_by: String,
    pub can_edit: bool,
}

impl QuestionPage {
    pub fn questionnaire_href(&self) -> String {
        questionnaire_href(&self.questionnaire.code)
    }

    pub fn href(&self) -> String {
        question_href(&self.questionnaire.code, self.question.id)
    }

    pub fn answer_href(&self, a: &Answer) -> String {
        answer_href(&self.questionnaire.code, self.question.id, a.id)
    }

    /// The value of an answer's field: what was typed, if it was refused.
    pub fn answer_value(&self, a: &Answer) -> String {
        match &self.answer_error {
            Some(e) if e.answer_id == a.id => e.value.clone(),
            _ => a.description.clone(),
        }
    }

    pub fn answer_message(&self, a: &Answer) -> Option<String> {
        match &self.answer_error {
            Some(e) if e.answer_id == a.id => Some(e.message.clone()),
            _ => None,
        }
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.answer_error.is_some()
    }
}

fn question_page(
    conn: &mut PgConnection,
    layout: Layout,
    code: &str,
    question_id: i64,
    can_edit: bool,
) -> AppResult<QuestionPage> {
    let questionnaire = find(conn, code)?.ok_or(AppError::NotFound)?;
    let question = question(conn, &questionnaire.code, question_id)?;
    let answers = answer_uses(conn, question.id)?;
    let n = contacts_answering(conn, &[question.id])?;
    let used_by = match n {
        0 => String::new(),
        1 => "1 contact".to_string(),
        n => format!("{} contacts", thousands(n)),
    };
    Ok(QuestionPage {
        layout,
        table: table(),
        form: DescriptionForm {
            description: question.description.clone(),
        },
        questionnaire,
        question,
        answers,
        new_answer: String::new(),
        errors: FormErrors::new(),
        answer_error: None,
        used_by,
        can_edit,
    })
}

#[get("/setup/profile-questionnaires/{code}/questions/{question}")]
pub async fn show_question(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (code, id) = path.into_inner();
    let can_edit = user.role == Role::Admin;
    let page = db(&state.pool, move |conn| {
        question_page(conn, layout, &code, id, can_edit)
    })
    .await?;
    ok(&page)
}

#[post("/setup/profile-questionnaires/{code}/questions/{question}")]
pub async fn update_question(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    form: web::Form<DescriptionForm>,
) -> AppResult<HttpResponse> {
    let (code, id) = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let description = form.into_inner().description.trim().to_string();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let q = lock(conn, &code)?;
            let all = questions(conn, &q.code)?;
            let old = all
                .iter()
                .find(|x| x.id == id)
                .cloned()
                .ok_or(AppError::NotFound)?;
            let others: Vec<&str> = all
                .iter()
                .filter(|x| x.id != id)
                .map(|x| x.description.as_str())
                .collect();
            let mut errors = FormErrors::new();
            check_entry(
                &mut errors,
                "description",
                &description,
                "Enter the question.",
                &others,
                "This questionnaire already has this question.",
            );
            if !errors.is_empty() {
                let mut page = question_page(conn, layout, &q.code, id, true)?;
                page.form.description = description;
                page.errors = errors;
                return Ok(Outcome::Invalid(Box::new(page)));
            }
            if old.description == description {
                change.unchanged(conn)?;
            } else {
                diesel::update(profile_questions::table.find(id))
                    .set(profile_questions::description.eq(&description))
                    .execute(conn)?;
                change.done(
                    conn,
                    CHANGED,
                    &table().subject(&q.code),
                    &format!(
                        "question {} → {}",
                        quoted(&old.description),
                        quoted(&description)
                    ),
                    format!("Question {} saved.", quoted(&description)),
                )?;
            }
            Ok(Outcome::Done(question_href(&q.code, id)))
        })
    })
    .await?;
    respond(outcome)
}

#[post("/setup/profile-questionnaires/{code}/questions/{question}/move")]
pub async fn move_question(
    req: HttpRequest,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    form: web::Form<MoveForm>,
) -> AppResult<HttpResponse> {
    let (code, id) = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let up = form.into_inner().direction == "up";
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let q = lock(conn, &code)?;
            let all = questions(conn, &q.code)?;
            let question = all.iter().find(|x| x.id == id).ok_or(AppError::NotFound)?;
            let ids: Vec<i64> = all.iter().map(|x| x.id).collect();
            match moved(&ids, id, up) {
                Some(order) => {
                    renumber(conn, "profile_questions", &order)?;
                    let way = if up { "up" } else { "down" };
                    change.done(
                        conn,
                        CHANGED,
                        &table().subject(&q.code),
                        &format!("question moved {way}: {}", quoted(&question.description)),
                        format!("Question {} moved {way}.", quoted(&question.description)),
                    )?;
                }
                None => change.unchanged(conn)?,
            }
            Ok(format!("{}#question-{id}", questionnaire_href(&q.code)))
        })
    })
    .await?;
    Ok(redirect(&location))
}

#[post("/setup/profile-questionnaires/{code}/questions/{question}/delete")]
pub async fn delete_question(
    req: HttpRequest,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (code, id) = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let q = lock(conn, &code)?;
            let all = questions(conn, &q.code)?;
            let question = all
                .iter()
                .find(|x| x.id == id)
                .cloned()
                .ok_or(AppError::NotFound)?;
            lock_answers(conn, &[id])?;
            let n = contacts_answering(conn, &[id])?;
            if n > 0 {
                change.refuse(
                    conn,
                    format!(
                        "Question {} is answered by {}, so it cannot be deleted.",
                        quoted(&question.description),
                        contacts(n)
                    ),
                )?;
                return Ok(question_href(&q.code, id));
            }
            diesel::delete(profile_questions::table.find(id)).execute(conn)?;
            let rest: Vec<i64> = all.iter().map(|x| x.id).filter(|x| *x != id).collect();
            renumber(conn, "profile_questions", &rest)?;
            change.done(
                conn,
                CHANGED,
                &table().subject(&q.code),
                &format!("question deleted: {}", quoted(&question.description)),
                format!("Question {} deleted.", quoted(&question.description)),
            )?;
            Ok(questionnaire_href(&q.code))
        })
    })
    .await?;
    Ok(redirect(&location))
}

fn contacts(n: i64) -> String {
    if n == 1 {
        "1 contact".to_string()
    } else {
        format!("{} contacts", thousands(n))
    }
}

// ---------------------------------------------------------------------------------------------
// Answers.

/// The questionnaire (locked), the question, and its answers in order.
fn question_for_change(
    conn: &mut PgConnection,
    code: &str,
    id: i64,
) -> AppResult<(Questionnaire, Question, Vec<Answer>)> {
    let q = lock(conn, code)?;
    let question = question(conn, &q.code, id)?;
    let answers = answers_of(conn, &[id])?;
    Ok((q, question, answers))
}

#[post("/setup/profile-questionnaires/{code}/questions/{question}/answers")]
pub async fn add_answer(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    form: web::Form<NewAnswerForm>,
) -> AppResult<HttpResponse> {
    let (code, id) = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let description = form.into_inner().new_answer.trim().to_string();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let (q, question, answers) = question_for_change(conn, &code, id)?;
            let others: Vec<&str> = answers.iter().map(|a| a.description.as_str()).collect();
            let mut errors = FormErrors::new();
            check_entry(
                &mut errors,
                "new_answer",
                &description,
                "Enter the answer.",
                &others,
                "This question already has this answer.",
            );
            if !errors.is_empty() {
                let mut page = question_page(conn, layout, &q.code, id, true)?;
                page.new_answer = description;
                page.errors = errors;
                return Ok(Outcome::Invalid(Box::new(page)));
            }
            diesel::insert_into(profile_answers::table)
                .values((
                    profile_answers::question_id.eq(id),
                    profile_answers::position.eq(next_position(answers.iter().map(|a| a.position))),
                    profile_answers::description.eq(&description),
                ))
                .execute(conn)?;
            change.done(
                conn,
                CHANGED,
                &table().subject(&q.code),
                &format!(
                    "answer added to {}: {}",
                    quoted(&question.description),
                    quoted(&description)
                ),
                format!("Answer {} added.", quoted(&description)),
            )?;
            Ok(Outcome::Done(format!(
                "{}#new_answer",
                question_href(&q.code, id)
            )))
        })
    })
    .await?;
    respond(outcome)
}

#[post("/setup/profile-questionnaires/{code}/questions/{question}/answers/{answer}")]
pub async fn update_answer(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, i64, i64)>,
    form: web::Form<DescriptionForm>,
) -> AppResult<HttpResponse> {
    let (code, id, answer_id) = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let description = form.into_inner().description.trim().to_string();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let (q, question, answers) = question_for_change(conn, &code, id)?;
            let old = answer(conn, id, answer_id)?;
            let others: Vec<&str> = answers
                .iter()
                .filter(|a| a.id != answer_id)
                .map(|a| a.description.as_str())
                .collect();
            let mut errors = FormErrors::new();
            check_entry(
                &mut errors,
                "answer",
                &description,
                "Enter the answer.",
                &others,
                "This question already has this answer.",
            );
            if let Some(message) = errors.get("answer") {
                let mut page = question_page(conn, layout, &q.code, id, true)?;
                page.answer_error = Some(AnswerError {
                    answer_id,
                    value: description,
                    message: message.to_string(),
                });
                return Ok(Outcome::Invalid(Box::new(page)));
            }
            if old.description == description {
                change.unchanged(conn)?;
            } else {
                diesel::update(profile_answers::table.find(answer_id))
                    .set(profile_answers::description.eq(&description))
                    .execute(conn)?;
                change.done(
                    conn,
                    CHANGED,
                    &table().subject(&q.code),
                    &format!(
                        "answer of {}: {} → {}",
                        quoted(&question.description),
                        quoted(&old.description),
                        quoted(&description)
                    ),
                    format!("Answer {} saved.", quoted(&description)),
                )?;
            }
            Ok(Outcome::Done(format!(
                "{}#answer-{answer_id}",
                question_href(&q.code, id)
            )))
        })
    })
    .await?;
    respond(outcome)
}

#[post("/setup/profile-questionnaires/{code}/questions/{question}/answers/{answer}/move")]
pub async fn move_answer(
    req: HttpRequest,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, i64, i64)>,
    form: web::Form<MoveForm>,
) -> AppResult<HttpResponse> {
    let (code, id, answer_id) = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let up = form.into_inner().direction == "up";
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let (q, _question, answers) = question_for_change(conn, &code, id)?;
            let this = answers
                .iter()
                .find(|a| a.id == answer_id)
                .ok_or(AppError::NotFound)?;
            let ids: Vec<i64> = answers.iter().map(|a| a.id).collect();
            match moved(&ids, answer_id, up) {
                Some(order) => {
                    renumber(conn, "profile_answers", &order)?;
                    let way = if up { "up" } else { "down" };
                    change.done(
                        conn,
                        CHANGED,
                        &table().subject(&q.code),
                        &format!("answer moved {way}: {}", quoted(&this.description)),
                        format!("Answer {} moved {way}.", quoted(&this.description)),
                    )?;
                }
                None => change.unchanged(conn)?,
            }
            Ok(format!("{}#answer-{answer_id}", question_href(&q.code, id)))
        })
    })
    .await?;
    Ok(redirect(&location))
}

#[post("/setup/profile-questionnaires/{code}/questions/{question}/answers/{answer}/delete")]
pub async fn delete_answer(
    req: HttpRequest,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, i64, i64)>,
) -> AppResult<HttpResponse> {
    let (code, id, answer_id) = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let (q, question, answers) = question_for_change(conn, &code, id)?;
            let old = answer(conn, id, answer_id)?;
            let c: Count = diesel::sql_query(
                "SELECT count(*) AS n FROM contact_profile_answers WHERE answer_id = $1",
            )
            .bind::<BigInt, _>(answer_id)
            .get_result(conn)?;
            if c.n > 0 {
                change.refuse(
                    conn,
                    format!(
                        "Answer {} is chosen by {}, so it cannot be deleted.",
                        quoted(&old.description),
                        contacts(c.n)
                    ),
                )?;
                return Ok(format!("{}#answer-{answer_id}", question_href(&q.code, id)));
            }
            diesel::delete(profile_answers::table.find(answer_id)).execute(conn)?;
            let rest: Vec<i64> = answers
                .iter()
                .map(|a| a.id)
                .filter(|x| *x != answer_id)
                .collect();
            renumber(conn, "profile_answers", &rest)?;
            change.done(
                conn,
                CHANGED,
                &table().subject(&q.code),
                &format!(
                    "answer of {} deleted: {}",
                    quoted(&question.description),
                    quoted(&old.description)
                ),
                format!("Answer {} deleted.", quoted(&old.description)),
            )?;
            Ok(question_href(&q.code, id))
        })
    })
    .await?;
    Ok(redirect(&location))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_swaps_with_the_neighbour_and_stops_at_the_ends() {
        assert_eq!(moved(&[1, 2, 3], 2, true), Some(vec![2, 1, 3]));
        assert_eq!(moved(&[1, 2, 3], 2, false), Some(vec![1, 3, 2]));
        assert_eq!(moved(&[1, 2, 3], 1, true), None);
        assert_eq!(moved(&[1, 2, 3], 3, false), None);
        assert_eq!(moved(&[1, 2, 3], 9, false), None);
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
    }
}
