//! The audit trail: who did what, when, and from where.

use diesel::prelude::*;

use crate::auth::CurrentUser;
use crate::db::binds::{capped_count, BindValue};
use crate::db::schema::audit_log;
use crate::db::text::rapport_fold;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub ip: String,
}

impl AuditEntry {
    pub fn when(&self) -> String {
        let at = self.at.with_timezone(&chrono::Local);
        format!(
            "{} {}",
            crate::web::filters::date_text(at.date_naive()),
            at.format("%H:%M:%S")
        )
    }
}

/// Who acted: a signed-in user, someone not signed in (a sign-in attempt: the name typed is
/// its subject, not who acted, since anyone can type any name), or the command line.
pub enum Actor<'a> {
    User(&'a CurrentUser),
    Anonymous,
    Cli,
}

impl Actor<'_> {
    /// The entry's user id and actor: the user's, or what stands for who acted.
    fn who(&self) -> (Option<i64>, String) {
        match self {
            Actor::User(u) => (Some(u.id), u.username.clone()),
            Actor::Anonymous => (None, "(not signed in)".to_string()),
            Actor::Cli => (None, "(command line)".to_string()),
        }
    }
}

pub fn record(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    action: &str,
    subject: &str,
    detail: &str,
    ip: &str,
) -> QueryResult<()> {
    let (user_id, name) = actor.who();
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::user_id.eq(user_id),
            audit_log::actor.eq(name),
            audit_log::action.eq(action),
            audit_log::subject.eq(subject),
            audit_log::detail.eq(detail),
            audit_log::ip.eq(ip),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records one entry per (subject, detail) of `rows`, in one statement whatever their number
/// (a company's persons deleted with it).
pub fn record_each(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    action: &str,
    rows: &[(String, String)],
    ip: &str,
) -> QueryResult<()> {
    use diesel::sql_types::{Array, Nullable, Text};
    if rows.is_empty() {
        return Ok(());
    }
    let (user_id, name) = actor.who();
    let subjects: Vec<&str> = rows.iter().map(|(s, _)| s.as_str()).collect();
    let details: Vec<&str> = rows.iter().map(|(_, d)| d.as_str()).collect();
    diesel::sql_query(
        "INSERT INTO audit_log (user_id, actor, action, subject, detail, ip) \
         SELECT $1, $2, $3, s, d, $4 FROM unnest($5::text[], $6::text[]) AS r(s, d)",
    )
    .bind::<Nullable<diesel::sql_types::BigInt>, _>(user_id)
    .bind::<Text, _>(name)
    .bind::<Text, _>(action)
    .bind::<Text, _>(ip)
    .bind::<Array<Text>, _>(subjects)
    .bind::<Array<Text>, _>(details)
    .execute(conn)
    .map(|_| ())
}

pub const PAGE_SIZE: i64 = 50;

/// The count of entries stops here ("more than 10,000"): the trail only grows.
pub const COUNT_CAP: i64 = 10_000;

/// Where a page of the trail starts: the newest entries, or the entries older (`Before`) or
/// newer (`After`) than one a page showed (by its id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum From {
    Newest,
    Before(i64),
    After(i64),
}

/// A page of the trail, newest first, and whether entries go on either way.
#[derive(Debug, Default)]
pub struct Page {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub newer: bool,
    pub older: bool,
}

/// Why a save of `what` `no` (say "contact", "CT000005") wrote nothing: a colleague deleted
/// it after the page was opened — by whom and when, as the trail has it (`action`, say
/// "contact deleted"). Said on the form, shown again as a new record's with what was typed.
pub fn deleted_meanwhile(
    conn: &mut PgConnection,
    action: &str,
    what: &str,
    no: &str,
) -> QueryResult<String> {
    let by = deleted_by(conn, action, no)?.unwrap_or_default();
    Ok(format!(
        "{} Your values are below, as a new {what}: save to make it again (with a new No.), \
         or leave this page.",
        deleted_since_opened(what, no, &by)
    ))
}

/// "Contact CT000005 was deleted by anna at …, after this page was opened: nothing was
/// saved." (`by`: " by anna at …", or empty when the trail does not say.)
fn deleted_since_opened(what: &str, no: &str, by: &str) -> String {
    format!(
        "{} {no} was deleted{by}, after this page was opened: nothing was saved.",
        capitalised(what)
    )
}

/// " by {who} at {when}" of the trail's last `action` on `no`, if it has one.
pub fn deleted_by(conn: &mut PgConnection, action: &str, no: &str) -> QueryResult<Option<String>> {
    Ok(audit_log::table
        .filter(audit_log::action.eq(action))
        .filter(audit_log::subject.eq(no))
        .order(audit_log::id.desc())
        .select((audit_log::actor, audit_log::at))
        .first::<(String, chrono::DateTime<chrono::Utc>)>(conn)
        .optional()?
        .map(|(actor, at)| {
            format!(
                " by {actor} at {}",
                crate::web::filters::local_datetime_text(at)
            )
        }))
}

fn capitalised(what: &str) -> String {
    let mut noun = what.chars();
    noun.next()
        .map(|c| c.to_uppercase().chain(noun).collect())
        .unwrap_or_default()
}

/// The answer to a form on `what` `no` that a colleague (or another tab) deleted after the
/// page was opened: a page saying who deleted it and when, that nothing was saved, and the
/// way to `list`; not found when the trail has no deletion of it (`action`, say "opportunity
/// deleted"; `no` as a link or form had it, in any case). For a form whose typed values have
/// nowhere left to go (a move of an opportunity, an interaction with a contact).
pub fn gone_meanwhile(
    conn: &mut PgConnection,
    (action, what, no): (&str, &str, &str),
    list: &str,
) -> crate::web::AppError {
    let no = no.trim().to_uppercase();
    match deleted_by(conn, action, &no) {
        Ok(Some(by)) => crate::web::AppError::Refused {
            message: deleted_since_opened(what, &no, &by),
            back: list.to_string(),
        },
        Ok(None) => crate::web::AppError::NotFound,
        Err(e) => e.into(),
    }
}

/// Where a form acting on `what` `no` goes once it is deleted — a Delete's second click, a
/// page a colleague's deletion left open: to `list`, which says who deleted it and when (a
/// message waiting there, the first click's, stays). Not found when the trail has no deletion
/// of it (`action`, say "campaign deleted").
pub fn gone_to_list(
    conn: &mut PgConnection,
    session: &crate::auth::SessionData,
    (action, what, no): (&str, &str, &str),
    list: &str,
) -> Result<String, crate::web::AppError> {
    let by = deleted_by(conn, action, no)?.ok_or(crate::web::AppError::NotFound)?;
    let said = format!(
        "{} {no} was deleted{by}: nothing more was done.",
        capitalised(what)
    );
    crate::auth::session::set_flash_unless_waiting(conn, session, crate::web::Flash::info(said))?;
    Ok(list.to_string())
}

/// What the trail is narrowed to: one action, a subject and who, each of the last two a part
/// of the text in any case ("cp0003" finds "CP0003"; "anna" finds "anna.k"), and the days
/// from and to (both included, as the server's clock has them, as the trail shows them).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub action: Option<String>,
    pub subject: Option<String>,
    pub who: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

/// The moment day `d` begins in the server's time zone (its first moment where a change of
/// clocks skips midnight).
pub fn day_start(d: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    (0..24)
        .find_map(|h| {
            chrono::Local
                .from_local_datetime(&d.and_hms_opt(h, 0, 0)?)
                .earliest()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

impl Filter {
    /// The entries' time from (included) and until (not included).
    fn moments(
        &self,
    ) -> (
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) {
        (
            self.from.map(day_start),
            // The day after 9999-12-31 (BC's "no end") is past what PostgreSQL reads: no end.
            self.to
                .and_then(|d| d.succ_opt())
                .filter(|d| chrono::Datelike::year(d) <= 9999)
                .map(day_start),
        )
    }
}

/// The new code of a setup code's rename, from its detail ("code OLD → NEW; description …"),
/// folded; NULL for any other entry. SQL over `audit_log`, to compare with a contains-pattern.
const RENAMED_TO: &str = "CASE WHEN detail LIKE 'code % → %' \
     THEN rapport_fold(split_part(split_part(detail, ';', 1), ' → ', 2)) END";

/// One page of the trail, newest first, as `filter` narrows it. Read from where the page
/// before it ended (by key, not by offset: the trail grows at the top while it is read, and a
/// page by its number repeated entries already shown, or skipped some going back). A page
/// after an entry that is gone starts at the newest.
pub fn page(conn: &mut PgConnection, filter: &Filter, from: From) -> QueryResult<Page> {
    let pattern = crate::db::text::contains_pattern;
    let subject = filter.subject.as_deref().map(pattern);
    let who = filter.who.as_deref().map(pattern);
    let (since, until) = filter.moments();
    let filtered = || {
        let mut query = audit_log::table.into_boxed();
        if let Some(since) = since {
            query = query.filter(audit_log::at.ge(since));
        }
        if let Some(until) = until {
            query = query.filter(audit_log::at.lt(until));
        }
        if let Some(action) = &filter.action {
            query = query.filter(audit_log::action.eq(action.clone()));
        }
        if let Some(subject) = &subject {
            // A setup code's rename is recorded under its old code ("code WALK27 → WALK27B"):
            // a search for the new one finds it too.
            query = query.filter(
                rapport_fold(audit_log::subject)
                    .like(subject.clone())
                    .or(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                        "{RENAMED_TO} LIKE "
                    ))
                    .bind::<diesel::sql_types::Text, _>(subject.clone())),
            );
        }
        if let Some(who) = &who {
            query = query.filter(rapport_fold(audit_log::actor).like(who.clone()));
        }
        query
    };
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    let moment = |at: Option<chrono::DateTime<chrono::Utc>>| at.map(|at| at.to_rfc3339());
    if let Some(subject) = &subject {
        values.push(BindValue::Text(subject.clone()));
        conditions.push(format!(
            "(rapport_fold(subject) LIKE ${0} OR {RENAMED_TO} LIKE ${0})",
            values.len()
        ));
    }
    for (column, op, value) in [
        ("action", "=", filter.action.clone()),
        ("rapport_fold(actor)", "LIKE", who.clone()),
        ("at", ">=", moment(since)),
        ("at", "<", moment(until)),
    ] {
        if let Some(value) = value {
            values.push(BindValue::Text(value));
            let cast = if column == "at" { "::timestamptz" } else { "" };
            conditions.push(format!("{column} {op} ${}{cast}", values.len()));
        }
    }
    let where_sql = match conditions.is_empty() {
        true => String::new(),
        false => format!("WHERE {}", conditions.join(" AND ")),
    };
    let total = capped_count(conn, "audit_log", &where_sql, values, COUNT_CAP)?;
    // The entry a page starts from: its time and id (gone: the newest entries).
    let key = match from {
        From::Before(id) | From::After(id) => audit_log::table
            .find(id)
            .select(audit_log::at)
            .first::<chrono::DateTime<chrono::Utc>>(conn)
            .optional()?
            .map(|at| (at, id)),
        From::Newest => None,
    };
    let from = if key.is_none() { From::Newest } else { from };
    let query = filtered().select(AuditEntry::as_select());
    let mut entries: Vec<AuditEntry> = match (from, key) {
        (From::Before(_), Some((at, id))) => query
            .filter(
                audit_log::at
                    .lt(at)
                    .or(audit_log::at.eq(at).and(audit_log::id.lt(id))),
            )
            .order((audit_log::at.desc(), audit_log::id.desc()))
            .limit(PAGE_SIZE + 1)
            .load(conn)?,
        (From::After(_), Some((at, id))) => query
            .filter(
                audit_log::at
                    .gt(at)
                    .or(audit_log::at.eq(at).and(audit_log::id.gt(id))),
            )
            .order((audit_log::at.asc(), audit_log::id.asc()))
            .limit(PAGE_SIZE + 1)
            .load(conn)?,
        _ => query
            .order((audit_log::at.desc(), audit_log::id.desc()))
            .limit(PAGE_SIZE + 1)
            .load(conn)?,
    };
    let more = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    if matches!(from, From::After(_)) {
        entries.reverse();
    }
    Ok(Page {
        entries,
        total,
        newer: match from {
            From::Newest => false,
            From::Before(_) => true,
            From::After(_) => more,
        },
        older: match from {
            From::After(_) => true,
            _ => more,
        },
    })
}

/// The actions the trail holds, in order: read by skipping through the index by action from
/// one to the next (a probe each), not by reading every entry.
pub fn actions(conn: &mut PgConnection) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Action {
        #[diesel(sql_type = diesel::sql_types::Text)]
        action: String,
    }
    let rows: Vec<Action> = crate::db::prepared(
        "WITH RECURSIVE a(action) AS ( \
             SELECT min(action) FROM audit_log \
             UNION ALL \
             SELECT (SELECT min(l.action) FROM audit_log l WHERE l.action > a.action) \
             FROM a WHERE a.action IS NOT NULL) \
         SELECT action FROM a WHERE action IS NOT NULL ORDER BY action",
    )
    .load(conn)?;
    Ok(rows.into_iter().map(|a| a.action).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    /// Run again in a process with a time zone of its own (POSIX rules: no zone files
    /// needed): one hour east of UTC, as Denmark in winter; and one whose summer time begins
    /// at midnight, so that a day begins at 01:00.
    #[test]
    fn a_day_begins_at_the_server_s_local_midnight() {
        const CHILD: &str = "RAPPORT_TEST_TZ_CHILD";
        let name = "admin::audit::tests::a_day_begins_at_the_server_s_local_midnight";
        let Some(zone) = std::env::var_os(CHILD) else {
            for zone in ["CET-1", "XST-3XDT,M3.5.0/0,M10.5.0/1"] {
                let out = std::process::Command::new(std::env::current_exe().unwrap())
                    .args(["--exact", name, "--test-threads=1"])
                    .env("TZ", zone)
                    .env(CHILD, zone)
                    .output()
                    .unwrap();
                let said = String::from_utf8_lossy(&out.stdout);
                assert!(out.status.success(), "{zone}: {said}");
                assert!(said.contains("1 passed"), "{zone}: {said}");
            }
            return;
        };
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let utc = |d: u32, h| chrono::Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap();
        if zone == "CET-1" {
            assert_eq!(day_start(day(2026, 3, 14)), utc(13, 23));
        } else {
            // 29 March 2026, the last Sunday of March: 00:00 (UTC+3) is 01:00 (UTC+4).
            assert_eq!(day_start(day(2026, 3, 28)), utc(27, 21));
            assert_eq!(day_start(day(2026, 3, 29)), utc(28, 21));
            assert_eq!(day_start(day(2026, 3, 30)), utc(29, 20));
        }
    }
}
