//! The setup codes demo contacts refer to, created when missing (existing codes are kept as
//! they are), and the profile questionnaires with their questions and answers.

use diesel::prelude::*;

use super::data;
use crate::db::schema::{
    business_relations, industry_groups, job_responsibilities, mailing_groups,
    organizational_levels, profile_answers, profile_questionnaires, profile_questions, salespeople,
    territories,
};

/// The database ids of one profile question and of its answers, in the order of
/// [`data::QUESTIONNAIRES`].
#[derive(Clone, Debug)]
pub struct QuestionIds {
    pub question: i64,
    pub answers: Vec<i64>,
}

/// Creates every missing code and returns the ids of the profile questions, flattened in
/// questionnaire order.
pub fn ensure(conn: &mut PgConnection) -> QueryResult<Vec<QuestionIds>> {
    let rows: Vec<_> = data::SALESPEOPLE
        .iter()
        .map(|(code, name, email, _)| {
            (
                salespeople::code.eq(*code),
                salespeople::name.eq(*name),
                salespeople::email.eq(*email),
            )
        })
        .collect();
    diesel::insert_into(salespeople::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)?;

    macro_rules! codes {
        ($table:ident, $list:expr) => {{
            let rows: Vec<_> = $list
                .map(|(code, description)| {
                    ($table::code.eq(code), $table::description.eq(description))
                })
                .collect();
            diesel::insert_into($table::table)
                .values(rows)
                .on_conflict_do_nothing()
                .execute(conn)?;
        }};
    }
    codes!(territories, data::TERRITORIES.iter().copied());
    codes!(
        industry_groups,
        data::INDUSTRY_GROUPS.iter().map(|g| (g.0, g.1))
    );
    codes!(
        business_relations,
        data::BUSINESS_RELATIONS.iter().map(|r| (r.0, r.1))
    );
    codes!(
        mailing_groups,
        data::MAILING_GROUPS.iter().map(|g| (g.0, g.1))
    );
    codes!(
        job_responsibilities,
        data::JOB_RESPONSIBILITIES.iter().copied()
    );
    codes!(
        organizational_levels,
        data::ORGANIZATIONAL_LEVELS.iter().copied()
    );
    interaction_templates(conn)?;
    sales_cycles(conn)?;

    let mut ids = Vec::new();
    for questionnaire in data::QUESTIONNAIRES {
        diesel::insert_into(profile_questionnaires::table)
            .values((
                profile_questionnaires::code.eq(questionnaire.code),
                profile_questionnaires::description.eq(questionnaire.description),
                profile_questionnaires::contact_type.eq(questionnaire.contact_type),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        for (position, (description, _, answers)) in questionnaire.questions.iter().enumerate() {
            let question =
                find_or_insert_question(conn, questionnaire.code, position, description)?;
            let answers = answers
                .iter()
                .enumerate()
                .map(|(position, (answer, _))| {
                    find_or_insert_answer(conn, question, position, answer)
                })
                .collect::<QueryResult<Vec<i64>>>()?;
            ids.push(QuestionIds { question, answers });
        }
    }
    Ok(ids)
}

/// Interaction groups and templates to log segments with (missing ones only).
fn interaction_templates(conn: &mut PgConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(
        "INSERT INTO interaction_groups (code, description) VALUES \
           ('LETTER', 'Letters'), ('EMAIL', 'E-mails'), ('PHONE', 'Phone calls'), \
           ('MEETING', 'Meetings') \
         ON CONFLICT DO NOTHING; \
         INSERT INTO interaction_templates (code, group_code, description, unit_cost, \
           unit_duration_min, information_flow, initiated_by, correspondence_type, \
           ignore_contact_correspondence_type) VALUES \
           ('MAILING', 'LETTER', 'Printed mailing', 1.20, 5, 'outbound', 'us', 'hard_copy', FALSE), \
           ('NEWSLETTER', 'EMAIL', 'E-mail newsletter', 0.05, 1, 'outbound', 'us', 'email', TRUE), \
           ('CALL', 'PHONE', 'Sales call', 4.50, 10, 'outbound', 'us', '', FALSE), \
           ('VISIT', 'MEETING', 'Customer visit', 60.00, 90, 'outbound', 'us', '', FALSE), \
           ('RESPONSE', 'EMAIL', 'Campaign response', 0, 2, 'inbound', 'them', 'email', TRUE) \
         ON CONFLICT DO NOTHING;",
    )
}

/// Two sales cycles (new business, existing customer) with their stages, and close codes
/// (missing ones only).
fn sales_cycles(conn: &mut PgConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(
        "INSERT INTO sales_cycles (code, description, probability_calculation) VALUES \
           ('NEW', 'New business', 'multiply'), ('EXISTING', 'Existing customer', 'add') \
         ON CONFLICT DO NOTHING; \
         INSERT INTO sales_cycle_stages (sales_cycle_code, stage, description, completed_pct, \
           chances_pct, template_code, quote_required, allow_skip, date_formula) VALUES \
           ('NEW', 1, 'Initial contact', 10, 20, 'CALL', FALSE, FALSE, '+1M'), \
           ('NEW', 2, 'Needs analysis', 30, 40, 'VISIT', FALSE, TRUE, '+3W'), \
           ('NEW', 3, 'Proposal', 60, 50, NULL, TRUE, FALSE, '+2W'), \
           ('NEW', 4, 'Negotiation', 90, 75, 'VISIT', FALSE, FALSE, '+1W'), \
           ('EXISTING', 1, 'Follow-up call', 25, 50, 'CALL', FALSE, TRUE, '+2W'), \
           ('EXISTING', 2, 'Quote', 60, 70, NULL, TRUE, FALSE, '+1W'), \
           ('EXISTING', 3, 'Order confirmation', 90, 90, NULL, FALSE, FALSE, '+3D') \
         ON CONFLICT DO NOTHING; \
         INSERT INTO close_opportunity_codes (code, kind, description) VALUES \
           ('SIGNED', 'won', 'Contract signed'), ('ORDER', 'won', 'Order received'), \
           ('PRICE', 'lost', 'Price too high'), ('COMPETITOR', 'lost', 'Chose a competitor'), \
           ('NO-NEED', 'lost', 'No longer needed') \
         ON CONFLICT DO NOTHING;",
    )
}

fn find_or_insert_question(
    conn: &mut PgConnection,
    questionnaire: &str,
    position: usize,
    description: &str,
) -> QueryResult<i64> {
    let found = profile_questions::table
        .filter(profile_questions::questionnaire_code.eq(questionnaire))
        .filter(profile_questions::description.eq(description))
        .select(profile_questions::id)
        .order(profile_questions::id)
        .first::<i64>(conn)
        .optional()?;
    match found {
        Some(id) => Ok(id),
        None => diesel::insert_into(profile_questions::table)
            .values((
                profile_questions::questionnaire_code.eq(questionnaire),
                profile_questions::position.eq(position as i32 + 1),
                profile_questions::description.eq(description),
            ))
            .returning(profile_questions::id)
            .get_result(conn),
    }
}

fn find_or_insert_answer(
    conn: &mut PgConnection,
    question: i64,
    position: usize,
    description: &str,
) -> QueryResult<i64> {
    let found = profile_answers::table
        .filter(profile_answers::question_id.eq(question))
        .filter(profile_answers::description.eq(description))
        .select(profile_answers::id)
        .order(profile_answers::id)
        .first::<i64>(conn)
        .optional()?;
    match found {
        Some(id) => Ok(id),
        None => diesel::insert_into(profile_answers::table)
            .values((
                profile_answers::question_id.eq(question),
                profile_answers::position.eq(position as i32 + 1),
                profile_answers::description.eq(description),
            ))
            .returning(profile_answers::id)
            .get_result(conn),
    }
}
