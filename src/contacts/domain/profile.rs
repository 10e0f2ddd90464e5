//! A contact's profile answers: the questions the card shows with the contact's answer, which
//! questionnaires apply to its type, and an answer read, set or cleared (the card's form saves
//! only the questions it changed, and refuses one a colleague answered meanwhile).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use std::sync::Arc;

use crate::setup;

/// One profile question with its choices (kept, shared) and the contact's answer.
pub struct ProfileQuestion {
    pub(super) question: Arc<setup::questionnaires::ProfileQuestion>,
    pub selected: Option<i64>,
}

impl std::ops::Deref for ProfileQuestion {
    type Target = setup::questionnaires::ProfileQuestion;
    fn deref(&self) -> &Self::Target {
        &self.question
    }
}

impl ProfileQuestion {
    /// The answer as the card shows it, for the form's `was_q_…` field: "" for none.
    pub fn shown(&self) -> String {
        self.selected.map(|a| a.to_string()).unwrap_or_default()
    }

    pub fn is_selected(&self, answer: &i64) -> bool {
        self.selected == Some(*answer)
    }

    pub fn selected_text(&self) -> &str {
        self.answers
            .iter()
            .find(|(id, _)| Some(*id) == self.selected)
            .map(|(_, d)| d.as_str())
            .unwrap_or("")
    }
}

/// The questionnaires of these questions that do not apply to a contact of this type
/// (`company` or `person`), with the contacts they apply to ("AREA (persons only)"). Every
/// questionnaire of the questions is locked (shared) until the caller's transaction ends: an
/// administrator narrowing one to the other type meanwhile waits for the answers being saved
/// and counts them (both went through, and a person held an answer of a questionnaire for
/// companies only).
pub fn questionnaires_not_applying(
    conn: &mut PgConnection,
    question_ids: &[i64],
    contact_type: &str,
) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Q {
        #[diesel(sql_type = Text)]
        code: String,
        #[diesel(sql_type = Text)]
        contact_type: String,
    }
    let found: Vec<Q> = diesel::sql_query(
        "SELECT pq.code::text AS code, pq.contact_type::text AS contact_type \
         FROM profile_questionnaires pq \
         WHERE pq.code IN (SELECT q.questionnaire_code FROM profile_questions q \
                           WHERE q.id = ANY($1)) \
         ORDER BY pq.code FOR SHARE",
    )
    .bind::<diesel::sql_types::Array<BigInt>, _>(question_ids)
    .load(conn)?;
    Ok(found
        .into_iter()
        .filter(|q| q.contact_type != "both" && q.contact_type != contact_type)
        .map(|q| {
            let only = if q.contact_type == "company" {
                "companies only"
            } else {
                "persons only"
            };
            format!("{} ({only})", q.code)
        })
        .collect())
}

/// The contact's answer to a question now, and the question's text (read after the contact's
/// row is locked, [`crate::contacts::model::lock_row`]: profile saves of one contact one after
/// the other).
pub fn answer_now(
    conn: &mut PgConnection,
    contact_id: i64,
    question_id: i64,
) -> QueryResult<(Option<i64>, String)> {
    #[derive(QueryableByName)]
    struct Now {
        #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
        answer: Option<i64>,
        #[diesel(sql_type = Text)]
        question: String,
    }
    let now: Now = diesel::sql_query(
        "SELECT (SELECT answer_id FROM contact_profile_answers \
                   WHERE contact_id = $1 AND question_id = $2) AS answer, \
                COALESCE((SELECT description FROM profile_questions WHERE id = $2), '') AS question \
         FROM contacts WHERE id = $1",
    )
    .bind::<BigInt, _>(contact_id)
    .bind::<BigInt, _>(question_id)
    .get_result(conn)?;
    Ok((now.answer, now.question))
}

/// Sets (or clears, with `None`) a contact's answer to a question. False when the answer does
/// not belong to the question.
pub fn set_answer(
    conn: &mut PgConnection,
    contact_id: i64,
    question_id: i64,
    answer_id: Option<i64>,
) -> QueryResult<bool> {
    match answer_id {
        None => {
            diesel::sql_query(
                "DELETE FROM contact_profile_answers WHERE contact_id = $1 AND question_id = $2",
            )
            .bind::<BigInt, _>(contact_id)
            .bind::<BigInt, _>(question_id)
            .execute(conn)?;
            Ok(true)
        }
        Some(answer) => {
            let n = diesel::sql_query(
                "INSERT INTO contact_profile_answers (contact_id, question_id, answer_id) \
                 SELECT $1, a.question_id, a.id FROM profile_answers a \
                 WHERE a.id = $3 AND a.question_id = $2 \
                 ON CONFLICT (contact_id, question_id) DO UPDATE SET answer_id = EXCLUDED.answer_id",
            )
            .bind::<BigInt, _>(contact_id)
            .bind::<BigInt, _>(question_id)
            .bind::<BigInt, _>(answer)
            .execute(conn)?;
            Ok(n == 1)
        }
    }
}
