//! Apply Mailing Group (see docs/segments.md, Apply Mailing Group): gives a mailing group to
//! every contact of the segment that lacks it (but those privacy blocked since they were
//! added), and optionally takes it from the contacts
//! outside the segment. The page shows who gains and who loses it (counts and the first
//! contacts) before anything changes; an application is recorded with the contacts it changed,
//! and Undo restores exactly those.

use crate::auth::CurrentUser;
use crate::db::schema::mailing_group_applications as apps;
use crate::segments::domain::header::Segment;
use crate::web::pagination::thousands;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

/// How many contacts of each list the preview names.
pub const PREVIEW_CONTACTS: i64 = 25;

/// The members of the segment (its contacts, once each).
const MEMBERS: &str = "SELECT DISTINCT l.contact_id FROM segment_lines l \
     WHERE l.segment_id = $1 AND l.removed_by_step IS NULL";

/// Members that lack the group and are `blocked` (`true`: privacy blocked since they were
/// added; `false`: the others, who gain it). A privacy blocked contact is given no mailing
/// group, as it is neither exported nor logged.
fn lacking(blocked: bool) -> String {
    format!(
        "SELECT x.contact_id FROM ({MEMBERS}) x JOIN contacts c ON c.id = x.contact_id \
         WHERE c.privacy_blocked = {blocked} AND NOT EXISTS \
         (SELECT 1 FROM contact_mailing_groups m WHERE m.contact_id = x.contact_id AND m.code = $2)"
    )
}

/// Members that lack the group and may have it: they gain it.
fn gainers() -> String {
    lacking(false)
}

/// Contacts outside the segment that have the group: they lose it.
const LOSERS: &str = "SELECT m.contact_id FROM contact_mailing_groups m WHERE m.code = $2 \
     AND NOT EXISTS (SELECT 1 FROM segment_lines l WHERE l.segment_id = $1 \
       AND l.removed_by_step IS NULL AND l.contact_id = m.contact_id)";

/// A contact named in the preview.
#[derive(Clone, Debug, QueryableByName)]
pub struct Named {
    #[diesel(sql_type = Text)]
    pub no: String,
    #[diesel(sql_type = Text)]
    pub name: String,
}

/// What applying the group would do.
pub struct Preview {
    pub gain: i64,
    /// Members that lack the group but are privacy blocked: they do not get it.
    pub blocked: i64,
    pub lose: i64,
    pub gainers: Vec<Named>,
    pub losers: Vec<Named>,
    /// Who gains and who loses, as one short text ([`applied_who`] says it of what was done).
    pub who: String,
}

/// Who application `id` changed, written as [`Preview::who`] writes who it would change:
/// the same numbers of other contacts read differently.
pub fn applied_who(conn: &mut PgConnection, id: i64) -> QueryResult<String> {
    let of = |gained: bool| {
        format!(
            "SELECT contact_id FROM mailing_group_changes WHERE application_id = $1 \
             AND gained = {gained} AND NOT taken_over"
        )
    };
    diesel::sql_query(crate::db::who::statement([
        ("contact_id", &of(true)),
        ("contact_id", &of(false)),
    ]))
    .bind::<BigInt, _>(id)
    .get_result::<crate::db::who::Who>(conn)
    .map(|w| w.who)
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut PgConnection, sql: &str, segment: &Segment, code: &str) -> QueryResult<i64> {
    Ok(
        diesel::sql_query(format!("SELECT count(*) AS n FROM ({sql}) x"))
            .bind::<BigInt, _>(segment.id)
            .bind::<Text, _>(code)
            .get_result::<N>(conn)?
            .n,
    )
}

fn first(
    conn: &mut PgConnection,
    sql: &str,
    segment: &Segment,
    code: &str,
) -> QueryResult<Vec<Named>> {
    diesel::sql_query(format!(
        "SELECT c.no::text AS no, c.name FROM contacts c WHERE c.id IN ({sql}) ORDER BY c.no LIMIT $3"
    ))
    .bind::<BigInt, _>(segment.id)
    .bind::<Text, _>(code)
    .bind::<BigInt, _>(PREVIEW_CONTACTS)
    .load(conn)
}

/// Who would gain the group, and (with `remove_others`) who would lose it.
pub fn preview(
    conn: &mut PgConnection,
    segment: &Segment,
    code: &str,
    remove_others: bool,
) -> QueryResult<Preview> {
    let gain_sql = gainers();
    let losers = if remove_others {
        LOSERS.to_string()
    } else {
        "SELECT NULL::bigint AS contact_id WHERE FALSE".to_string()
    };
    let who = diesel::sql_query(crate::db::who::statement([
        ("contact_id", &gain_sql),
        ("contact_id", &losers),
    ]))
    .bind::<BigInt, _>(segment.id)
    .bind::<Text, _>(code)
    .get_result::<crate::db::who::Who>(conn)?
    .who;
    let mut p = Preview {
        gain: count(conn, &gain_sql, segment, code)?,
        blocked: count(conn, &lacking(true), segment, code)?,
        lose: 0,
        gainers: first(conn, &gain_sql, segment, code)?,
        losers: Vec::new(),
        who,
    };
    if remove_others {
        p.lose = count(conn, LOSERS, segment, code)?;
        p.losers = first(conn, LOSERS, segment, code)?;
    }
    Ok(p)
}

/// A recorded application, for the list with its Undo.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = apps)]
pub struct Application {
    pub id: i64,
    pub code: String,
    pub gained: i64,
    pub lost: i64,
    pub user_name: String,
    pub applied_at: chrono::DateTime<chrono::Utc>,
    pub undone_at: Option<chrono::DateTime<chrono::Utc>>,
    pub undone_by: Option<String>,
}

impl Application {
    pub fn when(&self) -> String {
        crate::web::filters::local_datetime_text(self.applied_at)
    }

    /// What the application did (`held`: the gains it took over from earlier applications
    /// undone since, which its Undo takes back too).
    pub fn sentence(&self, held: i64) -> String {
        let mut s = format!(
            "{} given to {}",
            self.code,
            crate::web::pagination::counted(self.gained, "contact", "contacts")
        );
        if self.lost > 0 {
            s.push_str(&format!(
                ", taken from {} outside the segment",
                thousands(self.lost)
            ));
        }
        if held > 0 && self.undone_at.is_some() {
            s.push_str(&format!(
                "; it held {} more that an earlier application, undone before it, had given \
                 {}: its Undo took {} from {} too, but not from those a later application \
                 counts on",
                thousands(held),
                self.code,
                self.code,
                if held == 1 { "it" } else { "them" },
            ));
        } else if held > 0 {
            let them = if held == 1 { "it" } else { "them" };
            s.push_str(&format!(
                "; {} more keep{} it from an earlier application, undone since, as this one \
                 counts on {them}: its Undo takes {} from {them} too",
                thousands(held),
                if held == 1 { "s" } else { "" },
                self.code,
            ));
        }
        s
    }
}

/// An application as the list shows it.
pub struct Listed {
    pub application: Application,
    /// The gains it took over from earlier applications undone since.
    pub held: i64,
}

impl Listed {
    pub fn sentence(&self) -> String {
        self.application.sentence(self.held)
    }
}

#[derive(QueryableByName)]
struct Held {
    #[diesel(sql_type = BigInt)]
    application_id: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The segment's applications, newest first, with the gains each took over.
pub fn applications(conn: &mut PgConnection, segment: &Segment) -> QueryResult<Vec<Listed>> {
    let list = apps::table
        .filter(apps::segment_id.eq(segment.id))
        .order(apps::id.desc())
        .select(Application::as_select())
        .load(conn)?;
    let held: std::collections::HashMap<i64, i64> = diesel::sql_query(
        "SELECT ch.application_id, count(*) AS n FROM mailing_group_changes ch \
         JOIN mailing_group_applications a ON a.id = ch.application_id \
         WHERE a.segment_id = $1 AND ch.taken_over GROUP BY ch.application_id",
    )
    .bind::<BigInt, _>(segment.id)
    .load::<Held>(conn)?
    .into_iter()
    .map(|h| (h.application_id, h.n))
    .collect();
    Ok(list
        .into_iter()
        .map(|application| Listed {
            held: held.get(&application.id).copied().unwrap_or(0),
            application,
        })
        .collect())
}

/// One application of this segment's, locked (for Undo).
pub fn find_application(
    conn: &mut PgConnection,
    segment: &Segment,
    id: i64,
) -> QueryResult<Option<Application>> {
    apps::table
        .filter(apps::id.eq(id).and(apps::segment_id.eq(segment.id)))
        .select(Application::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Applies the group (call under the segment's lock): the members that lack it get it, and
/// with `remove_others` the contacts outside the segment lose it; every contact changed is
/// recorded. Four statements, whatever the number of contacts.
pub fn apply(
    conn: &mut PgConnection,
    segment: &Segment,
    code: &str,
    remove_others: bool,
    user: &CurrentUser,
) -> QueryResult<Application> {
    lock_group(conn, code)?;
    let id: i64 = diesel::insert_into(apps::table)
        .values((
            apps::segment_id.eq(segment.id),
            apps::segment_no.eq(&segment.no),
            apps::code.eq(code),
            apps::user_name.eq(&user.username),
        ))
        .returning(apps::id)
        .get_result(conn)?;
    let gained = diesel::sql_query(format!(
        "WITH ins AS (INSERT INTO contact_mailing_groups (contact_id, code) \
           SELECT g.contact_id, $2 FROM ({}) g ON CONFLICT DO NOTHING RETURNING contact_id) \
         INSERT INTO mailing_group_changes (application_id, contact_id, gained) \
         SELECT $3, contact_id, TRUE FROM ins",
        gainers()
    ))
    .bind::<BigInt, _>(segment.id)
    .bind::<Text, _>(code)
    .bind::<BigInt, _>(id)
    .execute(conn)?;
    let lost = if remove_others {
        diesel::sql_query(format!(
            "WITH del AS (DELETE FROM contact_mailing_groups d USING ({LOSERS}) x \
               WHERE d.contact_id = x.contact_id AND d.code = $2 RETURNING d.contact_id) \
             INSERT INTO mailing_group_changes (application_id, contact_id, gained) \
             SELECT $3, contact_id, FALSE FROM del"
        ))
        .bind::<BigInt, _>(segment.id)
        .bind::<Text, _>(code)
        .bind::<BigInt, _>(id)
        .execute(conn)?
    } else {
        0
    };
    diesel::update(apps::table.find(id))
        .set((apps::gained.eq(gained as i64), apps::lost.eq(lost as i64)))
        .returning(Application::as_returning())
        .get_result(conn)
}

/// Whether the latest earlier change of the group to the contact `ch.contact_id` (by an
/// application of `$2` before `$1` that changed it) is one of `gained` (`e.gained` or
/// `NOT e.gained`) and was undone since; NULL when no earlier application changed it. Each
/// earlier application's row is read by its key.
fn undone_earlier(gained: &str) -> String {
    format!(
        "(SELECT ea.undone_at IS NOT NULL AND {gained} FROM mailing_group_applications ea \
          JOIN mailing_group_changes e ON e.application_id = ea.id AND e.contact_id = ch.contact_id \
          WHERE ea.code = $2 AND ea.id < $1 ORDER BY ea.id DESC LIMIT 1)"
    )
}

/// What [`undo`] did.
pub struct Undone {
    /// Contacts that gained the group and lost it again.
    pub taken: usize,
    /// Contacts that lost the group and got it back.
    pub given: usize,
    /// Contacts that gained the group and keep it: a later application counts on them, and
    /// now holds their gain (its own Undo takes it back).
    pub kept: usize,
}

/// A contact that gained the group by application `$1` and keeps it only because a later
/// application of it (not undone) counts on it: the contact is on that application's segment,
/// and not privacy blocked (a later application would not give it the group now)
/// (one that an earlier application, undone since, had taken the group from keeps it anyway,
/// and is no gain to hand over). The first such application, for each contact.
fn counted_on() -> String {
    format!(
        "SELECT DISTINCT ON (ch.contact_id) ch.contact_id, a.id AS later \
         FROM mailing_group_changes ch \
         JOIN contact_mailing_groups m ON m.contact_id = ch.contact_id AND m.code = $2 \
         JOIN mailing_group_applications a ON a.code = $2 AND a.id > $1 AND a.undone_at IS NULL \
         JOIN segment_lines l ON l.segment_id = a.segment_id AND l.removed_by_step IS NULL \
           AND l.contact_id = ch.contact_id \
         JOIN contacts pc ON pc.id = ch.contact_id AND NOT pc.privacy_blocked \
         WHERE ch.application_id = $1 AND ch.gained AND NOT COALESCE({}, false) \
         ORDER BY ch.contact_id, a.id",
        undone_earlier("NOT e.gained")
    )
}

/// Locks the group against other applications and Undos of it (after the segment's lock):
/// each reads which contacts hold the group and which later applications count on them, so
/// two at once, from two segments, would each miss what the other did.
pub fn lock_group(conn: &mut PgConnection, code: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT 1 FROM mailing_groups WHERE code = $1 FOR NO KEY UPDATE")
        .bind::<Text, _>(code)
        .execute(conn)
        .map(|_| ())
}

/// Undoes an application: the contacts that gained the group lose it (unless a later
/// application of the group counts on them: that application then holds their gain), those that lost it get it back (unless deleted since). Four statements.
pub fn undo(
    conn: &mut PgConnection,
    application: &Application,
    user: &CurrentUser,
) -> QueryResult<Undone> {
    lock_group(conn, &application.code)?;
    // A contact that a later application of the same group (not undone) found with it, on
    // that application's segment, keeps it: that segment counts on it. The first such
    // application takes the gain over, so that undoing it too leaves the contact as it was
    // before both (it found the group there, and recorded no change of its own). And undone out of
    // order, a contact goes back to how it was before both: one that an earlier application
    // (undone since) had taken the group from keeps it, one that an earlier application
    // (undone since) had given it does not get it back. (The earlier change of a contact is
    // its change by the latest earlier application of the group that changed it.)
    let kept = diesel::sql_query(format!(
        "INSERT INTO mailing_group_changes (application_id, contact_id, gained, taken_over) \
         SELECT k.later, k.contact_id, TRUE, TRUE FROM ({}) k \
         ON CONFLICT DO NOTHING",
        counted_on()
    ))
    .bind::<BigInt, _>(application.id)
    .bind::<Text, _>(&application.code)
    .execute(conn)?;
    let taken = diesel::sql_query(format!(
        "DELETE FROM contact_mailing_groups m USING mailing_group_changes ch \
         WHERE ch.application_id = $1 AND ch.gained AND m.contact_id = ch.contact_id AND m.code = $2 \
           AND NOT EXISTS (SELECT 1 FROM mailing_group_applications a \
             JOIN segment_lines l ON l.segment_id = a.segment_id AND l.removed_by_step IS NULL \
             WHERE a.code = $2 AND a.id > $1 AND a.undone_at IS NULL \
               AND l.contact_id = m.contact_id \
               AND NOT EXISTS (SELECT 1 FROM contacts pc \
                 WHERE pc.id = m.contact_id AND pc.privacy_blocked)) \
           AND NOT COALESCE({}, false)",
        undone_earlier("NOT e.gained")
    ))
    .bind::<BigInt, _>(application.id)
    .bind::<Text, _>(&application.code)
    .execute(conn)?;
    let given = diesel::sql_query(format!(
        "INSERT INTO contact_mailing_groups (contact_id, code) \
         SELECT ch.contact_id, $2 FROM mailing_group_changes ch JOIN contacts c ON c.id = ch.contact_id \
         WHERE ch.application_id = $1 AND NOT ch.gained \
           AND NOT COALESCE({}, false) \
         ON CONFLICT DO NOTHING",
        undone_earlier("e.gained")
    ))
    .bind::<BigInt, _>(application.id)
    .bind::<Text, _>(&application.code)
    .execute(conn)?;
    diesel::update(apps::table.find(application.id))
        .set((
            apps::undone_at.eq(diesel::dsl::now),
            apps::undone_by.eq(&user.username),
        ))
        .execute(conn)?;
    Ok(Undone { taken, given, kept })
}
