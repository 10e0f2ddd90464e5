//! What the contact card shows besides the contact's own fields: its company or persons, its
//! classifications and its profile answers.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::model::{self, Contact};
use crate::setup::{self, CodeOption};

/// A many-to-many classification: form name, title, assignment table, code table, and which
/// contact types carry it (see docs/segments.md, Criteria sections).
#[derive(Clone, Copy, Debug)]
pub struct Classification {
    pub kind: &'static str,
    pub title: &'static str,
    pub table: &'static str,
    pub codes: &'static str,
    pub companies: bool,
    pub persons: bool,
}

pub const CLASSIFICATIONS: [Classification; 4] = [
    Classification {
        kind: "industry_group",
        title: "Industry groups",
        table: "contact_industry_groups",
        codes: "industry_groups",
        companies: true,
        persons: false,
    },
    Classification {
        kind: "business_relation",
        title: "Business relations",
        table: "contact_business_relations",
        codes: "business_relations",
        companies: true,
        persons: false,
    },
    Classification {
        kind: "mailing_group",
        title: "Mailing groups",
        table: "contact_mailing_groups",
        codes: "mailing_groups",
        companies: true,
        persons: true,
    },
    Classification {
        kind: "job_responsibility",
        title: "Job responsibilities",
        table: "contact_job_responsibilities",
        codes: "job_responsibilities",
        companies: false,
        persons: true,
    },
];

impl Classification {
    pub fn find(kind: &str) -> Option<Classification> {
        CLASSIFICATIONS.iter().copied().find(|c| c.kind == kind)
    }

    pub fn applies_to(&self, contact: &Contact) -> bool {
        if contact.is_company() {
            self.companies
        } else {
            self.persons
        }
    }

    /// The codes assigned to a contact, with descriptions.
    pub fn assigned(
        &self,
        conn: &mut PgConnection,
        contact_id: i64,
    ) -> QueryResult<Vec<CodeOption>> {
        diesel::sql_query(format!(
            "SELECT a.code::text AS code, t.description FROM {} a JOIN {} t ON t.code = a.code \
             WHERE a.contact_id = $1 ORDER BY a.code",
            self.table, self.codes
        ))
        .bind::<BigInt, _>(contact_id)
        .load(conn)
    }

    /// Assigns a code; true when it was new.
    pub fn add(&self, conn: &mut PgConnection, contact_id: i64, code: &str) -> QueryResult<bool> {
        diesel::sql_query(format!(
            "INSERT INTO {} (contact_id, code) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            self.table
        ))
        .bind::<BigInt, _>(contact_id)
        .bind::<Text, _>(code)
        .execute(conn)
        .map(|n| n == 1)
    }

    pub fn remove(
        &self,
        conn: &mut PgConnection,
        contact_id: i64,
        code: &str,
    ) -> QueryResult<bool> {
        diesel::sql_query(format!(
            "DELETE FROM {} WHERE contact_id = $1 AND code = $2",
            self.table
        ))
        .bind::<BigInt, _>(contact_id)
        .bind::<Text, _>(code)
        .execute(conn)
        .map(|n| n == 1)
    }
}

/// One classification section of the card.
pub struct ClassificationView {
    pub kind: &'static str,
    pub title: &'static str,
    pub assigned: Vec<CodeOption>,
    /// Codes that can still be added.
    pub available: Vec<CodeOption>,
}

impl ClassificationView {
    /// The section's fragment id on the card, e.g. `industry-group`.
    pub fn anchor(&self) -> String {
        self.kind.replace('_', "-")
    }
}

/// One profile question with its choices and the contact's answer.
pub struct ProfileQuestion {
    pub questionnaire: String,
    pub question_id: i64,
    pub question: String,
    pub answers: Vec<(i64, String)>,
    pub selected: Option<i64>,
}

impl ProfileQuestion {
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

pub struct Card {
    pub contact: Contact,
    pub company: Option<(String, String)>,
    pub persons: Vec<Contact>,
    pub persons_total: i64,
    pub classifications: Vec<ClassificationView>,
    pub profile: Vec<ProfileQuestion>,
    /// Draft segments the contact is on: (No., description).
    pub segments: Vec<(String, String)>,
}

/// Persons shown on a company's card (the rest are one list link away).
pub const PERSONS_SHOWN: i64 = 100;

pub fn load(conn: &mut PgConnection, contact: Contact) -> QueryResult<Card> {
    let company = match contact.company_id {
        Some(id) => {
            let c = model::find(conn, id)?;
            Some((c.no, c.name))
        }
        None => None,
    };
    let (persons, persons_total) = if contact.is_company() {
        model::persons_of(conn, contact.id, PERSONS_SHOWN)?
    } else {
        (Vec::new(), 0)
    };
    let mut classifications = Vec::new();
    for c in CLASSIFICATIONS.iter().filter(|c| c.applies_to(&contact)) {
        let assigned = c.assigned(conn, contact.id)?;
        let available = setup::options(conn, c.codes)?
            .into_iter()
            .filter(|o| !assigned.iter().any(|a| a.code == o.code))
            .collect();
        classifications.push(ClassificationView {
            kind: c.kind,
            title: c.title,
            assigned,
            available,
        });
    }
    let profile = profile(conn, contact.id)?;
    let segments = super::guards::draft_segments(conn, contact.id)?;
    Ok(Card {
        segments,
        contact,
        company,
        persons,
        persons_total,
        classifications,
        profile,
    })
}

#[derive(QueryableByName)]
struct ProfileRow {
    #[diesel(sql_type = Text)]
    questionnaire: String,
    #[diesel(sql_type = BigInt)]
    question_id: i64,
    #[diesel(sql_type = Text)]
    question: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    answer_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    answer: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    selected: Option<i64>,
}

/// Every profile question with its choices and the contact's answer, in questionnaire order.
pub fn profile(conn: &mut PgConnection, contact_id: i64) -> QueryResult<Vec<ProfileQuestion>> {
    let rows: Vec<ProfileRow> = diesel::sql_query(
        "SELECT q.questionnaire_code::text AS questionnaire, q.id AS question_id, \
                q.description AS question, a.id AS answer_id, a.description AS answer, \
                cpa.answer_id AS selected \
         FROM profile_questions q \
         LEFT JOIN profile_answers a ON a.question_id = q.id \
         LEFT JOIN contact_profile_answers cpa ON cpa.question_id = q.id AND cpa.contact_id = $1 \
         ORDER BY q.questionnaire_code, q.position, q.id, a.position, a.id",
    )
    .bind::<BigInt, _>(contact_id)
    .load(conn)?;
    let mut out: Vec<ProfileQuestion> = Vec::new();
    for r in rows {
        if out.last().map(|q| q.question_id) != Some(r.question_id) {
            out.push(ProfileQuestion {
                questionnaire: r.questionnaire,
                question_id: r.question_id,
                question: r.question,
                answers: Vec::new(),
                selected: r.selected,
            });
        }
        if let (Some(id), Some(text), Some(last)) = (r.answer_id, r.answer, out.last_mut()) {
            last.answers.push((id, text));
        }
    }
    Ok(out)
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
