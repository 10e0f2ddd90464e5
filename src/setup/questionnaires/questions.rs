//! A question's page: its answers, changing its text, moving and deleting it.

use super::pages::{respond, Outcome};
use super::uses;
use super::*;

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

    /// The answer the `i`th one's Move up or down moves past ([`super::MoveForm`]).
    pub fn past(&self, i: &usize, up: bool) -> i64 {
        super::past(self.answers.iter().map(|a| a.answer.id), *i, up)
    }

    /// The value of an answer's field: what was typed, if it was refused.
    pub fn answer_value(&self, a: &Answer) -> String {
        match &self.answer_error {
            Some(e) if e.answer_id == a.id => e.value.clone(),
            _ => a.description.clone(),
        }
    }

    /// The answer's text as this page shows it ([`shown`]), sent back with its form.
    pub fn answer_shown(&self, a: &Answer) -> String {
        shown(&a.description)
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

pub(super) fn question_page(
    conn: &mut PgConnection,
    layout: Layout,
    code: &str,
    question_id: i64,
    can_edit: bool,
) -> AppResult<QuestionPage> {
    let Some(questionnaire) = find(conn, code)? else {
        // Renamed since the link was kept: the question under its code now.
        let within = format!("/questions/{question_id}");
        return Err(crate::setup::support::moved_within(
            conn,
            table(),
            code,
            &within,
        ));
    };
    let question = question(conn, &questionnaire.code, question_id)?;
    let answers = uses::answer_uses(conn, question.id)?;
    let used_by = uses::question_uses(conn, question.id)?.text("answered by");
    Ok(QuestionPage {
        layout,
        table: table(),
        form: DescriptionForm {
            description: question.description.clone(),
            shown: shown(&question.description),
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
    let form = form.into_inner();
    let description = form.description.trim().to_string();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let q = lock(conn, &code)?;
            let all = questions(conn, &q.code)?;
            let old = all
                .iter()
                .find(|x| x.id == id)
                .cloned()
                .ok_or_else(|| gone("question", &q.code))?;
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
            check_text_shown(
                &mut errors,
                &form.shown,
                &old.description,
                &description,
                "question",
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
    let form = form.into_inner();
    let up = form.direction == "up";
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let q = lock(conn, &code)?;
            let all = questions(conn, &q.code)?;
            let question = all
                .iter()
                .find(|x| x.id == id)
                .ok_or_else(|| gone("question", &q.code))?;
            let ids: Vec<i64> = all.iter().map(|x| x.id).collect();
            if form.moved_since(&ids, id) {
                change.already(conn, moved_already("Question", &question.description))?;
                return Ok(format!("{}#question-{id}", questionnaire_href(&q.code)));
            }
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
            // Deleted already: by this form's first sending (a double click, whose message
            // stays) or by another administrator. It was a 409 "not there any more".
            let Some(question) = all.iter().find(|x| x.id == id).cloned() else {
                change.already(conn, already_deleted("question", &q.code))?;
                return Ok(table().code_href(&q.code));
            };
            lock_answers(conn, &[id])?;
            crate::db::code_locks::for_deletion(conn, "profile_answers")?;
            let used = uses::question_uses(conn, id)?;
            if !used.is_empty() {
                change.refuse(
                    conn,
                    format!(
                        "Question {} is {}, so it cannot be deleted.",
                        quoted(&question.description),
                        used.text("answered by")
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

pub(super) fn contacts(n: i64) -> String {
    if n == 1 {
        "1 contact".to_string()
    } else {
        format!("{} contacts", thousands(n))
    }
}

// ---------------------------------------------------------------------------------------------
// Answers.

/// The questionnaire (locked), the question, and its answers in order.
pub(super) fn question_for_change(
    conn: &mut PgConnection,
    code: &str,
    id: i64,
) -> AppResult<(Questionnaire, Question, Vec<Answer>)> {
    let q = lock(conn, code)?;
    let question = question(conn, &q.code, id).map_err(|e| or_gone(e, "question", &q.code))?;
    let answers = answers_of(conn, &[id])?;
    Ok((q, question, answers))
}
