//! What stops a contact from being deleted or a person from changing company (see the
//! README, Contacts, and docs/segments.md, Deleting a segment).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::model::{self, Contact};
use crate::web::filters::number;
use crate::web::pagination::counted;

/// The draft segments a contact is on (numbers), for the card and the guards.
pub fn draft_segments(
    conn: &mut PgConnection,
    contact_id: i64,
) -> QueryResult<Vec<(String, String)>> {
    drafts_of(conn, "l.contact_id = $1", contact_id)
}

/// The draft segments a company or one of its persons is on (numbers).
fn drafts_with_persons(
    conn: &mut PgConnection,
    company_id: i64,
) -> QueryResult<Vec<(String, String)>> {
    drafts_of(conn, &format!("l.contact_id IN {DELETED_WITH}"), company_id)
}

/// The draft segments with a current line that `lines` (SQL over `l`, `$1` being `id`) picks.
fn drafts_of(conn: &mut PgConnection, lines: &str, id: i64) -> QueryResult<Vec<(String, String)>> {
    #[derive(QueryableByName)]
    struct S {
        #[diesel(sql_type = Text)]
        no: String,
        #[diesel(sql_type = Text)]
        description: String,
    }
    Ok(diesel::sql_query(format!(
        "SELECT DISTINCT s.no::text AS no, s.description FROM segment_lines l \
         JOIN segments s ON s.id = l.segment_id \
         WHERE {lines} AND l.removed_by_step IS NULL AND s.status = 'draft' ORDER BY 1"
    ))
    .bind::<BigInt, _>(id)
    .load::<S>(conn)?
    .into_iter()
    .map(|s| (s.no, s.description))
    .collect())
}

fn numbers(segments: &[(String, String)]) -> String {
    segments
        .iter()
        .map(|(no, _)| no.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The contacts deleted with `contact`, as SQL over `$1` (its id): itself, and a company's
/// persons (Business Central deletes a company's persons with it).
const DELETED_WITH: &str = "(SELECT id FROM contacts WHERE id = $1 OR company_id = $1)";

/// What stops the contact (and a company's persons, deleted with it) from being deleted, one
/// sentence each (empty: it may be deleted). Deleting must call [`deletion_refused`], which
/// takes the locks first.
pub fn deletion_blockers(conn: &mut PgConnection, contact: &Contact) -> QueryResult<Vec<String>> {
    let mut blockers = Vec::new();
    let persons = if contact.is_company() {
        model::persons_of(conn, contact.id, 0)?.1
    } else {
        0
    };
    let drafts = if persons > 0 {
        drafts_with_persons(conn, contact.id)?
    } else {
        draft_segments(conn, contact.id)?
    };
    if !drafts.is_empty() {
        let segments = format!(
            "draft {} {}",
            if drafts.len() == 1 {
                "segment"
            } else {
                "segments"
            },
            numbers(&drafts)
        );
        let them = if drafts.len() == 1 { "it" } else { "them" };
        blockers.push(if persons > 0 {
            format!(
                "{} {} or its persons are on {segments}. Remove them from {them} first.",
                contact.no, contact.name
            )
        } else {
            format!(
                "{} {} is on {segments}. Remove it from {them} first.",
                contact.no, contact.name
            )
        });
    }
    // The history of a company's persons is counted with its own.
    let who = if persons > 0 {
        format!("{} {} and its persons have", contact.no, contact.name)
    } else {
        format!("{} {} has", contact.no, contact.name)
    };
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
        /// Of them, those logged for persons of the company who have moved to another since.
        #[diesel(sql_type = BigInt)]
        former: i64,
    }
    let entries = diesel::sql_query(format!(
        "SELECT count(*) AS n, \
           count(*) FILTER (WHERE contact_id NOT IN {DELETED_WITH}) AS former \
         FROM interaction_log_entries \
         WHERE contact_id IN {DELETED_WITH} OR company_id = $1"
    ))
    .bind::<BigInt, _>(contact.id)
    .get_result::<N>(conn)?;
    if entries.n > 0 {
        // Entries of persons who moved away count too (they were logged with the company),
        // and are on no card of it: said, with where to find them (the card said "no
        // interaction" beside a refusal for one).
        let whose = |f: i64| match (f, entries.n) {
            (1, 1) => "logged for a person who has moved to another company since".to_string(),
            (f, n) if f == n => {
                "logged for persons who have moved to another company since".to_string()
            }
            (f, _) => format!(
                "{} of them logged for persons who have moved to another company since",
                number(f)
            ),
        };
        let former = match entries.former {
            0 => String::new(),
            f => format!(
                " ({}: the interactions list shows {} with the company filter {})",
                whose(f),
                if entries.n == 1 { "it" } else { "them all" },
                contact.no
            ),
        };
        blockers.push(format!(
            "{who} {} interaction log entr{}{former}; {} history is kept, so it cannot be \
             deleted.",
            number(entries.n),
            if entries.n == 1 { "y" } else { "ies" },
            if persons > 0 || entries.former > 0 {
                "their"
            } else {
                "its"
            }
        ));
    }
    // Opportunities, open or closed, as the contact or as its company: their entries are the
    // sales history (the database refuses the delete too; it showed as "changed at the same
    // moment", however often the user tried again).
    #[derive(QueryableByName)]
    struct Opportunities {
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = Text)]
        first: String,
    }
    let opportunities = diesel::sql_query(format!(
        "SELECT count(*) AS n, coalesce(string_agg(no, ', ' ORDER BY no) \
             FILTER (WHERE rank <= 5), '') AS first \
         FROM (SELECT no::text AS no, row_number() OVER (ORDER BY no) AS rank \
               FROM opportunities WHERE contact_id IN {DELETED_WITH} OR company_id = $1) o"
    ))
    .bind::<BigInt, _>(contact.id)
    .get_result::<Opportunities>(conn)?;
    if opportunities.n > 0 {
        let more = opportunities.n - opportunities.n.min(5);
        blockers.push(format!(
            "{who} {} sales opportunit{} ({}{}); {} kept, so it cannot be deleted.",
            number(opportunities.n),
            if opportunities.n == 1 { "y" } else { "ies" },
            opportunities.first,
            if more > 0 {
                format!(" and {} more", number(more))
            } else {
                String::new()
            },
            if opportunities.n == 1 {
                "it is"
            } else {
                "they are"
            }
        ));
    }
    Ok(blockers)
}

/// How long a deletion waits for the rows it deletes. Shorter than PostgreSQL's deadlock check
/// (one second): an update import holding a row (its contacts locked to the end) that went on
/// to change a segment's line (a contact's name is copied onto its lines) would wait for the
/// deletion's lock on the lines, and be the one ended, after minutes of work.
const ROW_WAIT: &str = "SET LOCAL lock_timeout = '500ms'";

/// Locks the contact and a company's persons, so that no person is saved under a company
/// being deleted (its save waits, then finds the company gone) and the persons counted are
/// the ones deleted. False when one of them stayed held (by an import, say) past [`ROW_WAIT`];
/// the transaction goes on, its locks then taken only by the deletion's checks.
fn lock_deleted(conn: &mut PgConnection, contact: &Contact) -> QueryResult<bool> {
    let locked = conn.transaction(|conn| {
        conn.batch_execute(ROW_WAIT)?;
        diesel::sql_query(format!(
            "SELECT id FROM contacts WHERE id IN {DELETED_WITH} ORDER BY id FOR UPDATE"
        ))
        .bind::<BigInt, _>(contact.id)
        .execute(conn)?;
        conn.batch_execute("SET LOCAL lock_timeout = 0")
    });
    match locked {
        Ok(()) => Ok(true),
        Err(e) if crate::web::error::is_contention(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Waits for the segment steps in progress, and keeps new ones out until the transaction
/// ends: a contact renamed (or moved) meanwhile is seen by a step's lines, which carry its
/// name and its company's. (A rename reaches the lines already there by the database's
/// trigger, which cannot see the lines of a step not yet committed: they kept the old name,
/// in the mail merge's export too.)
pub fn wait_for_steps(conn: &mut PgConnection) -> QueryResult<()> {
    conn.batch_execute("LOCK TABLE segment_lines IN SHARE ROW EXCLUSIVE MODE")
}

/// `Some(reason)` when the contact may not be deleted now. Call it in the deleting
/// transaction: it first waits for segment steps in progress (and keeps new ones out until
/// the transaction ends), so that a line being added cannot escape the check.
pub fn deletion_refused(conn: &mut PgConnection, contact: &Contact) -> QueryResult<Option<String>> {
    conn.batch_execute("LOCK TABLE segment_lines IN SHARE ROW EXCLUSIVE MODE")?;
    if !lock_deleted(conn, contact)? {
        return Ok(Some(format!(
            "{} is being changed at this moment (by an import, or a colleague's save): \
             try again in a moment.",
            contact.no
        )));
    }
    let blockers = deletion_blockers(conn, contact)?;
    Ok((!blockers.is_empty()).then(|| blockers.join(" ")))
}

/// Who company `company_id`'s persons are, as one short text ([`crate::db::who`]): the same
/// number of other persons reads differently.
pub fn persons_who(conn: &mut PgConnection, company_id: i64) -> QueryResult<String> {
    let side = crate::db::who::side("id", "SELECT id FROM contacts WHERE company_id = $1");
    Ok(diesel::sql_query(format!("SELECT {side} AS who"))
        .bind::<BigInt, _>(company_id)
        .get_result::<crate::db::who::Who>(conn)?
        .who)
}

/// A segment the contact has lines on, with how many are current and how many removed.
pub struct SegmentLines {
    pub no: String,
    pub description: String,
    pub status: String,
    pub current: i64,
    pub removed: i64,
    /// Of them, the lines of a company's persons (deleted with it).
    pub of_persons: i64,
}

impl SegmentLines {
    /// The segment's status as every page says it ("Draft"), not as stored ("draft").
    pub fn status_label(&self) -> String {
        let mut chars = self.status.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }
}

/// Everything that goes with a contact when it is deleted, for the confirmation page.
pub struct DeletionImpact {
    /// (classification, its codes), only those the contact has.
    pub classifications: Vec<(&'static str, String)>,
    /// "question: answer".
    pub profile_answers: Vec<String>,
    pub segments: Vec<SegmentLines>,
    /// A company's persons, deleted with it: how many, and the first ones (No., name).
    pub persons: i64,
    pub first_persons: Vec<(String, String)>,
    /// Who those persons are ([`persons_who`]), for the deletion to compare.
    pub persons_who: String,
    /// Empty when the contact may be deleted.
    pub blockers: Vec<String>,
}

impl DeletionImpact {
    /// True when nothing but the contact itself goes.
    pub fn nothing_else(&self) -> bool {
        self.classifications.is_empty()
            && self.profile_answers.is_empty()
            && self.segments.is_empty()
            && self.persons == 0
    }
}

/// How many of a company's persons its deletion page names.
pub const PERSONS_SHOWN: i64 = 20;

/// Deletes a company's persons (before the company, in its deletion's transaction, after
/// [`deletion_refused`]): one statement. Returns their numbers and names, in order of No.
pub fn delete_persons(
    conn: &mut PgConnection,
    company: &Contact,
) -> QueryResult<Vec<(String, String)>> {
    #[derive(QueryableByName)]
    struct P {
        #[diesel(sql_type = Text)]
        no: String,
        #[diesel(sql_type = Text)]
        name: String,
    }
    let mut deleted: Vec<(String, String)> = diesel::sql_query(
        "DELETE FROM contacts WHERE company_id = $1 AND type = 'person' \
         RETURNING no::text AS no, name",
    )
    .bind::<BigInt, _>(company.id)
    .load::<P>(conn)?
    .into_iter()
    .map(|p| (p.no, p.name))
    .collect();
    deleted.sort();
    Ok(deleted)
}

/// Reads what deleting the contact would remove and what stops it (three statements and
/// the blockers').
pub fn deletion_impact(conn: &mut PgConnection, contact: &Contact) -> QueryResult<DeletionImpact> {
    #[derive(QueryableByName)]
    struct Codes {
        #[diesel(sql_type = Text)]
        kind: String,
        #[diesel(sql_type = Text)]
        codes: String,
    }
    let found = diesel::sql_query(
        "SELECT kind, codes FROM ( \
           SELECT 1 AS o, 'Industry groups' AS kind, string_agg(code::text, ', ' ORDER BY code) AS codes FROM contact_industry_groups WHERE contact_id = $1 \
           UNION ALL SELECT 2, 'Business relations', string_agg(code::text, ', ' ORDER BY code) FROM contact_business_relations WHERE contact_id = $1 \
           UNION ALL SELECT 3, 'Mailing groups', string_agg(code::text, ', ' ORDER BY code) FROM contact_mailing_groups WHERE contact_id = $1 \
           UNION ALL SELECT 4, 'Job responsibilities', string_agg(code::text, ', ' ORDER BY code) FROM contact_job_responsibilities WHERE contact_id = $1 \
         ) x WHERE codes IS NOT NULL ORDER BY o",
    )
    .bind::<BigInt, _>(contact.id)
    .load::<Codes>(conn)?;
    const KINDS: [&str; 4] = [
        "Industry groups",
        "Business relations",
        "Mailing groups",
        "Job responsibilities",
    ];
    let classifications = found
        .into_iter()
        .filter_map(|c| KINDS.iter().find(|k| **k == c.kind).map(|k| (*k, c.codes)))
        .collect();

    #[derive(QueryableByName)]
    struct Answer {
        #[diesel(sql_type = Text)]
        text: String,
    }
    let profile_answers = diesel::sql_query(
        "SELECT q.description || ': ' || a.description AS text FROM contact_profile_answers cpa \
         JOIN profile_questions q ON q.id = cpa.question_id \
         JOIN profile_answers a ON a.id = cpa.answer_id \
         WHERE cpa.contact_id = $1 ORDER BY q.questionnaire_code, q.position",
    )
    .bind::<BigInt, _>(contact.id)
    .load::<Answer>(conn)?
    .into_iter()
    .map(|a| a.text)
    .collect();

    #[derive(QueryableByName)]
    struct Lines {
        #[diesel(sql_type = Text)]
        no: String,
        #[diesel(sql_type = Text)]
        description: String,
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = BigInt)]
        current: i64,
        #[diesel(sql_type = BigInt)]
        removed: i64,
        #[diesel(sql_type = BigInt)]
        of_persons: i64,
    }
    // A company's persons go with it, and their lines with them: a draft's lines removed by a
    // step went unsaid, and Go Back could no longer bring those persons back.
    let segments = diesel::sql_query(
        "SELECT s.no::text AS no, s.description, s.status, \
                count(*) FILTER (WHERE l.removed_by_step IS NULL) AS current, \
                count(*) FILTER (WHERE l.removed_by_step IS NOT NULL) AS removed, \
                count(*) FILTER (WHERE l.contact_id <> $1) AS of_persons \
         FROM segment_lines l JOIN segments s ON s.id = l.segment_id \
         WHERE l.contact_id = $1 \
            OR l.contact_id IN (SELECT p.id FROM contacts p WHERE p.company_id = $1) \
         GROUP BY s.no, s.description, s.status ORDER BY s.no",
    )
    .bind::<BigInt, _>(contact.id)
    .load::<Lines>(conn)?
    .into_iter()
    .map(|l| SegmentLines {
        no: l.no,
        description: l.description,
        status: l.status,
        current: l.current,
        removed: l.removed,
        of_persons: l.of_persons,
    })
    .collect();
    let (first_persons, persons, persons_who) = if contact.is_company() {
        let (shown, n) = model::persons_of(conn, contact.id, PERSONS_SHOWN)?;
        let who = persons_who(conn, contact.id)?;
        (shown.into_iter().map(|p| (p.no, p.name)).collect(), n, who)
    } else {
        (Vec::new(), 0, String::new())
    };
    Ok(DeletionImpact {
        classifications,
        profile_answers,
        segments,
        persons,
        first_persons,
        persons_who,
        blockers: deletion_blockers(conn, contact)?,
    })
}

/// `Some(reason)` when a contact may not change its company now: a person moving to another
/// company, or a company becoming a person (of a company, or of none), while on a draft
/// segment, whose lines carry their company.
pub fn company_change_refused(
    conn: &mut PgConnection,
    contact: &Contact,
    new_kind: &str,
    new_company: Option<i64>,
) -> QueryResult<Option<String>> {
    let key = |kind: &str, company: Option<i64>| {
        if kind == "company" {
            Some(contact.id)
        } else {
            company
        }
    };
    if key(&contact.kind, contact.company_id) == key(new_kind, new_company) {
        return Ok(None);
    }
    // As a deletion: segment steps in progress are waited for (and new ones kept out until
    // the transaction ends), so that a line being added cannot escape the check.
    conn.batch_execute("LOCK TABLE segment_lines IN SHARE ROW EXCLUSIVE MODE")?;
    let drafts = draft_segments(conn, contact.id)?;
    let on = format!(
        "{} is on draft {} {}",
        contact.no,
        if drafts.len() == 1 {
            "segment"
        } else {
            "segments"
        },
        numbers(&drafts)
    );
    Ok((!drafts.is_empty()).then(|| {
        if contact.kind != new_kind {
            format!("{on}, whose lines carry its company, so it cannot become a {new_kind}.")
        } else {
            format!("{on}, so it cannot move to another company.")
        }
    }))
}

/// `Some(reason)` when a contact may not change its type now: it holds what only its type has
/// (a company's industry groups and business relations, a person's job responsibilities,
/// answers to a questionnaire of its type alone), which segments would go on reading.
pub fn kind_change_refused(
    conn: &mut PgConnection,
    contact: &Contact,
    new_kind: &str,
) -> QueryResult<Option<String>> {
    #[derive(QueryableByName)]
    struct Held {
        #[diesel(sql_type = Text)]
        held: String,
    }
    if contact.kind == new_kind {
        return Ok(None);
    }
    // The history logged with it as its type: Business Central refuses the change while the
    // contact has interaction log entries or sales opportunities (a company's keep it as the
    // company of their entries, a person's as the person of a company). A company's include
    // those of its persons, also of persons who have left it since: they name it as their
    // company.
    #[derive(QueryableByName)]
    struct History {
        #[diesel(sql_type = BigInt)]
        entries: i64,
        #[diesel(sql_type = BigInt)]
        opportunities: i64,
    }
    let history: History = diesel::sql_query(
        "SELECT (SELECT count(*) FROM interaction_log_entries \
                 WHERE contact_id = $1 OR company_id = $1) AS entries, \
                (SELECT count(*) FROM opportunities \
                 WHERE contact_id = $1 OR company_id = $1) AS opportunities",
    )
    .bind::<BigInt, _>(contact.id)
    .get_result(conn)?;
    let logged: Vec<String> = [
        (
            history.entries,
            "interaction log entry",
            "interaction log entries",
        ),
        (
            history.opportunities,
            "sales opportunity",
            "sales opportunities",
        ),
    ]
    .into_iter()
    .filter(|(n, ..)| *n > 0)
    .map(|(n, one, many)| counted(n, one, many))
    .collect();
    if !logged.is_empty() {
        return Ok(Some(format!(
            "{} has {}, logged with it as a {}, so it cannot become a {}.",
            contact.no,
            logged.join(" and "),
            contact.kind,
            new_kind
        )));
    }
    // The questionnaires it answered, locked until the change is saved: an administrator
    // narrowing one to the old type meanwhile (who locks it to count the contacts of the other
    // type) waits, then counts it as of its new type, or this check waits and sees the
    // narrowing. Each read the other as it was, and a person kept answers to a questionnaire
    // for companies, hidden on its card.
    diesel::sql_query(
        "SELECT pq.code FROM profile_questionnaires pq WHERE pq.code IN ( \
           SELECT q.questionnaire_code FROM contact_profile_answers a \
           JOIN profile_questions q ON q.id = a.question_id WHERE a.contact_id = $1) \
         ORDER BY pq.code FOR SHARE OF pq",
    )
    .bind::<BigInt, _>(contact.id)
    .execute(conn)?;
    // What the old type carries and the new one does not (the classifications' own list says
    // which), and the answers to questionnaires of the old type alone.
    let mut parts: Vec<String> = super::card::CLASSIFICATIONS
        .iter()
        .filter(|c| c.carried_by(&contact.kind) && !c.carried_by(new_kind))
        .map(|c| {
            format!(
                "'{} ' || (SELECT string_agg(code, ', ' ORDER BY code) FROM {} \
                 WHERE contact_id = $1)",
                c.title.to_lowercase(),
                c.table
            )
        })
        .collect();
    parts.push(
        "'answers to ' || (SELECT string_agg(DISTINCT q.questionnaire_code, ', ') \
           FROM contact_profile_answers a JOIN profile_questions q ON q.id = a.question_id \
           JOIN profile_questionnaires pq ON pq.code = q.questionnaire_code \
           WHERE a.contact_id = $1 AND pq.contact_type = $2)"
            .into(),
    );
    let sql = format!("SELECT concat_ws('; ', {}) AS held", parts.join(", "));
    let held: Held = diesel::sql_query(sql)
        .bind::<BigInt, _>(contact.id)
        .bind::<Text, _>(&contact.kind)
        .get_result(conn)?;
    Ok((!held.held.is_empty()).then(|| {
        format!(
            "{} has {}, which a {} does not have: remove them on its card before it becomes a {}.",
            contact.no, held.held, new_kind, new_kind
        )
    }))
}
