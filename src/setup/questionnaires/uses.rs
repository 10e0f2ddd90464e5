//! What keeps a question or an answer from being deleted: the contacts that chose it, and the
//! saved criteria and draft segments with a step that chooses it (deleted, the answer would
//! leave them steps that Reuse Criteria and Refresh refuse to run).

use super::*;
use crate::setup::registry::Usage;

/// The steps that choose an answer of the question whose id is bound as `$1`.
static QUESTION_STEPS: [Usage; 2] = [
    crate::choosing_answers!(
        saved,
        "SELECT id FROM profile_answers WHERE question_id = $1::bigint"
    ),
    crate::choosing_answers!(
        drafts,
        "SELECT id FROM profile_answers WHERE question_id = $1::bigint"
    ),
];

/// The steps that choose the answer whose id is bound as `$1`.
static ANSWER_STEPS: [Usage; 2] = [
    crate::choosing_answers!(saved, "SELECT $1::bigint"),
    crate::choosing_answers!(drafts, "SELECT $1::bigint"),
];

/// Who uses a question or an answer.
#[derive(Clone, Debug, Default)]
pub struct Uses {
    /// The contacts that chose it.
    pub contacts: i64,
    /// The saved criteria and draft segments whose steps choose it, in words; empty when none.
    pub named: String,
}

impl Uses {
    pub fn is_empty(&self) -> bool {
        self.contacts == 0 && self.named.is_empty()
    }

    /// "answered by 1 contact and named by 2 saved criteria (in their filters)", with `verb`
    /// for the contacts ("answered by", "chosen by"); empty when nothing uses it.
    pub fn text(&self, verb: &str) -> String {
        let mut parts = Vec::new();
        if self.contacts > 0 {
            parts.push(format!(
                "{verb} {}",
                super::questions::contacts(self.contacts)
            ));
        }
        if !self.named.is_empty() {
            parts.push(format!("named by {}", self.named));
        }
        crate::web::forms::joined(&parts, "and")
    }
}

/// An answer with who uses it.
#[derive(Clone, Debug)]
pub struct AnswerUse {
    pub answer: Answer,
    pub uses: Uses,
}

impl AnswerUse {
    pub fn contacts_text(&self) -> String {
        match self.uses.text("chosen by") {
            t if t.is_empty() => "not chosen yet".to_string(),
            t if self.uses.contacts == 0 => format!("not chosen yet; {t}"),
            t => t,
        }
    }
}

/// Who uses the question `id` (its answers).
pub(super) fn question_uses(conn: &mut PgConnection, id: i64) -> QueryResult<Uses> {
    let c: Count = diesel::sql_query(
        "SELECT count(DISTINCT contact_id) AS n FROM contact_profile_answers \
         WHERE answer_id IN (SELECT id FROM profile_answers WHERE question_id = $1)",
    )
    .bind::<BigInt, _>(id)
    .get_result(conn)?;
    Ok(Uses {
        contacts: c.n,
        named: named(conn, &QUESTION_STEPS, id)?,
    })
}

/// Who uses the answer `id`.
pub(super) fn answer_use(conn: &mut PgConnection, id: i64) -> QueryResult<Uses> {
    let c: Count =
        diesel::sql_query("SELECT count(*) AS n FROM contact_profile_answers WHERE answer_id = $1")
            .bind::<BigInt, _>(id)
            .get_result(conn)?;
    Ok(Uses {
        contacts: c.n,
        named: named(conn, &ANSWER_STEPS, id)?,
    })
}

/// The answers of a question with who uses each: the contacts in one query, the steps in two
/// per answer (a question has a handful).
pub(super) fn answer_uses(
    conn: &mut PgConnection,
    question_id: i64,
) -> QueryResult<Vec<AnswerUse>> {
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
    answers
        .into_iter()
        .map(|answer| {
            Ok(AnswerUse {
                uses: Uses {
                    contacts: used
                        .iter()
                        .find(|u| u.answer_id == answer.id)
                        .map_or(0, |u| u.n),
                    named: named(conn, &ANSWER_STEPS, answer.id)?,
                },
                answer,
            })
        })
        .collect()
}

fn named(conn: &mut PgConnection, places: &'static [Usage], id: i64) -> QueryResult<String> {
    Ok(registry::describe(&registry::count_usages(
        conn,
        places,
        &id.to_string(),
    )?))
}
