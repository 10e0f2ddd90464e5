//! The audit trail: who did what, when, and from where.

use diesel::prelude::*;

use crate::auth::CurrentUser;
use crate::db::schema::audit_log;
use crate::web::pagination::Pager;

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

/// Who acted: a signed-in user, someone not signed in (a sign-in attempt), or the command line.
pub enum Actor<'a> {
    User(&'a CurrentUser),
    Anonymous(&'a str),
    Cli,
}

pub fn record(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    action: &str,
    subject: &str,
    detail: &str,
    ip: &str,
) -> QueryResult<()> {
    let (user_id, name) = match actor {
        Actor::User(u) => (Some(u.id), u.username.clone()),
        Actor::Anonymous(name) => (None, name.to_string()),
        Actor::Cli => (None, "(command line)".to_string()),
    };
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

pub const PAGE_SIZE: i64 = 50;

/// One page of the trail (as typed in the URL; past the end is the last page), newest first,
/// optionally only one action.
pub fn page(
    conn: &mut PgConnection,
    action: Option<&str>,
    requested: Option<&str>,
) -> QueryResult<(Vec<AuditEntry>, Pager)> {
    let mut query = audit_log::table.into_boxed();
    let mut count = audit_log::table.into_boxed();
    if let Some(action) = action {
        query = query.filter(audit_log::action.eq(action.to_string()));
        count = count.filter(audit_log::action.eq(action.to_string()));
    }
    let total: i64 = count.count().get_result(conn)?;
    let pager = Pager::new(requested, PAGE_SIZE, total);
    let rows = query
        .select(AuditEntry::as_select())
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(pager.per_page)
        .offset(pager.offset())
        .load(conn)?;
    Ok((rows, pager))
}

pub fn actions(conn: &mut PgConnection) -> QueryResult<Vec<String>> {
    audit_log::table
        .select(audit_log::action)
        .distinct()
        .order(audit_log::action.asc())
        .load(conn)
}
