//! A question's answers: add, change, move, delete.

use super::pages::{respond, Outcome};
use super::questions::{question_for_change, question_page, AnswerError};
use super::*;

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
            let href = format!("{}#new_answer", question_href(&q.code, id));
            // The same answer there already (the form sent twice, a double click): said, the
            // first sending's message kept. It was refused as "already has this answer".
            if answers.iter().any(|a| a.description == description) {
                change.already(
                    conn,
                    format!(
                        "Answer {} is an answer to this question already, as your form says: \
                         nothing more to add.",
                        quoted(&description)
                    ),
                )?;
                return Ok(Outcome::Done(href));
            }
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
            if answers.len() >= MAX_ANSWERS {
                errors.add("new_answer", too_many_answers(answers.len() + 1));
            }
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
            Ok(Outcome::Done(href))
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
    let form = form.into_inner();
    let description = form.description.trim().to_string();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let (q, question, answers) = question_for_change(conn, &code, id)?;
            let old = answer(conn, id, answer_id).map_err(|e| or_gone(e, "answer", &q.code))?;
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
            if errors.is_empty() {
                check_text_shown(
                    &mut errors,
                    &form.shown,
                    &old.description,
                    &description,
                    "answer",
                );
            }
            if let Some(message) = errors.get("answer").or(errors.get("shown")) {
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
    let form = form.into_inner();
    let up = form.direction == "up";
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let (q, _question, answers) = question_for_change(conn, &code, id)?;
            let this = answers
                .iter()
                .find(|a| a.id == answer_id)
                .ok_or_else(|| gone("answer", &q.code))?;
            let ids: Vec<i64> = answers.iter().map(|a| a.id).collect();
            if form.moved_since(&ids, answer_id) {
                change.already(conn, moved_already("Answer", &this.description))?;
                return Ok(format!("{}#answer-{answer_id}", question_href(&q.code, id)));
            }
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
            // Deleted already (by this form's first sending, or by another administrator).
            let old = match answer(conn, id, answer_id) {
                Err(AppError::NotFound) => {
                    change.already(conn, already_deleted("answer", &q.code))?;
                    return Ok(question_href(&q.code, id));
                }
                found => found?,
            };
            // A step choosing it at this moment first ([`crate::db::code_locks`]).
            crate::db::code_locks::for_deletion(conn, "profile_answers")?;
            let used = super::uses::answer_use(conn, answer_id)?;
            if !used.is_empty() {
                change.refuse(
                    conn,
                    format!(
                        "Answer {} is {}, so it cannot be deleted.",
                        quoted(&old.description),
                        used.text("chosen by")
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
