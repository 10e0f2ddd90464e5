//! The questionnaire pages: list, new, the questionnaire with its questions, change, delete,
//! and adding a question.

use super::*;

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
    pub form: QuestionnaireForm,
    pub errors: FormErrors,
    pub applies_pairs: Vec<(&'static str, &'static str)>,
}

#[get("/setup/profile-questionnaires/new")]
pub async fn new(_admin: Admin, layout: Layout) -> AppResult<HttpResponse> {
    ok(&NewQuestionnairePage {
        layout,
        table: table(),
        form: QuestionnaireForm::default().cleaned(),
        errors: FormErrors::new(),
        applies_pairs: AppliesTo::pairs(),
    })
}

#[post("/setup/profile-questionnaires")]
pub async fn create(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<QuestionnaireForm>,
) -> AppResult<HttpResponse> {
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner().cleaned();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let row = Saving {
                table: table(),
                old_code: None,
                code: &f.code,
                detail: &f.description,
                next: "Add its questions below.",
            };
            let saved = change.save(
                conn,
                row,
                f.validate(),
                |c| {
                    Ok(Taken::of(find(c, &f.code)?, |row| {
                        row.description == f.description
                            && row.contact_type == f.applies_to().as_str()
                    }))
                },
                |c| {
                    diesel::insert_into(profile_questionnaires::table)
                        .values((
                            profile_questionnaires::code.eq(&f.code),
                            profile_questionnaires::description.eq(&f.description),
                            profile_questionnaires::contact_type.eq(f.applies_to().as_str()),
                        ))
                        .execute(c)
                },
            )?;
            Ok(saved.map(|()| f.code))
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
            applies_pairs: AppliesTo::pairs(),
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
    /// The code, description and contact type form.
    pub form: QuestionnaireForm,
    pub applies_pairs: Vec<(&'static str, &'static str)>,
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

    /// What deleting the questionnaire takes with it ([`super::goes_with`]), as a sentence.
    pub fn goes_with(&self) -> String {
        let answers: usize = self.questions.iter().map(|q| q.answers.len()).sum();
        match super::goes_with(self.questions.len(), answers) {
            with if with.is_empty() => with,
            with => format!("Deleting it deletes {with} too."),
        }
    }

    pub fn question_href(&self, q: &Question) -> String {
        question_href(&self.questionnaire.code, q.id)
    }

    /// The question the `i`th one's Move up or down moves past ([`super::MoveForm`]).
    pub fn past(&self, i: &usize, up: bool) -> i64 {
        super::past(self.questions.iter().map(|q| q.question.id), *i, up)
    }
}

/// The page's data as stored, with empty forms.
pub(super) fn questionnaire_page(
    conn: &mut PgConnection,
    layout: Layout,
    code: &str,
    can_edit: bool,
) -> AppResult<QuestionnairePage> {
    let Some(questionnaire) = find(conn, code)? else {
        return Err(crate::setup::support::moved(conn, table(), code));
    };
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
        form: QuestionnaireForm::of(&questionnaire),
        applies_pairs: AppliesTo::pairs(),
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
pub(super) enum Outcome<P> {
    Done(String),
    Invalid(Box<P>),
}

pub(super) fn respond<P: Template>(outcome: Outcome<P>) -> AppResult<HttpResponse> {
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
    form: web::Form<QuestionnaireForm>,
) -> AppResult<HttpResponse> {
    let old_code = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let f = form.into_inner().cleaned();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let old = lock(conn, &old_code)?;
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
            let mut errors = f.validate();
            if old.contact_type != f.contact_type && !errors.has("contact_type") {
                detail.push(format!(
                    "applies to {} → {}",
                    old.applies_to().label(),
                    f.applies_to().label()
                ));
                // Answers the questionnaire would no longer show stay meaningful only if
                // there are none.
                let n = answered_by_excluded(conn, &old.code, f.applies_to())?;
                if n > 0 {
                    let who = if f.applies_to() == AppliesTo::Companies {
                        "person"
                    } else {
                        "company"
                    };
                    errors.add(
                        "contact_type",
                        format!(
                            "{} {who}{} answered its questions: it cannot apply to {} only \
                             while they do. Clear those answers first.",
                            thousands(n),
                            if n == 1 { " has" } else { "s have" },
                            f.applies_to().label().to_lowercase()
                        ),
                    );
                }
            }
            let detail = detail.join("; ");
            let what = format!("profile questionnaire {}", old.code);
            check_shown(&mut errors, &f.shown, &old, &what, Some(&detail));
            let row = Saving {
                table: table(),
                old_code: Some(&old.code),
                code: &f.code,
                detail: &detail,
                next: "",
            };
            let saved = change.save(
                conn,
                row,
                errors,
                |c| Ok(Taken::of(find(c, &f.code)?, |_| false)),
                |c| {
                    diesel::update(profile_questionnaires::table.find(&old.code))
                        .set((
                            profile_questionnaires::code.eq(&f.code),
                            profile_questionnaires::description.eq(&f.description),
                            profile_questionnaires::contact_type.eq(f.applies_to().as_str()),
                        ))
                        .execute(c)
                },
            )?;
            let errors = match saved {
                Ok(()) if detail.is_empty() => {
                    return Ok(Outcome::Done(questionnaire_href(&old.code)))
                }
                Ok(()) => return Ok(Outcome::Done(questionnaire_href(&f.code))),
                Err(errors) => errors,
            };
            // Shown again over the questionnaire as it is now: saved again, the form
            // replaces it.
            let mut page = questionnaire_page(conn, layout, &old.code, true)?;
            page.form = QuestionnaireForm {
                shown: page.form.shown,
                ..f
            };
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
            let Some(q) = lock_row(conn, &code)? else {
                return deleted_already(conn, &change, table(), &code);
            };
            let ids: Vec<i64> = questions(conn, &q.code)?.iter().map(|q| q.id).collect();
            let answers = lock_answers(conn, &ids)?;
            crate::db::code_locks::for_deletion(conn, "profile_answers")?;
            let with = super::goes_with(ids.len(), answers);
            // The registry counts the contacts that answered any of its questions.
            codes::delete_unused(conn, &change, table(), &q.code, &with, |c| {
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
            let lines = f.answer_lines();
            // The same question with the same answers there already (the form sent twice, a
            // double click): said, the first sending's message kept. It was refused as
            // "already has this question".
            if let Some(same) = existing.iter().find(|e| e.description == f.description) {
                let answers = answers_of(conn, &[same.id])?;
                if answers
                    .iter()
                    .map(|a| a.description.as_str())
                    .eq(lines.iter().map(String::as_str))
                {
                    change.already(
                        conn,
                        format!(
                            "Question {} is in {} already, as your form says: nothing more to \
                             add.",
                            quoted(&f.description),
                            q.code
                        ),
                    )?;
                    return Ok(Outcome::Done(questionnaire_href(&q.code)));
                }
            }
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
