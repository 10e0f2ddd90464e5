//! `/`: the home page, by role — the day's work for staff (new segment, their draft segments
//! with their sizes, their recent imports), what a viewer can read, and for admins the setup
//! tables, users and the audit trail. It reads from several areas, so it sits above them.

use actix_web::{get, web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

use crate::auth::{CurrentUser, Role, SignedIn};
use crate::contacts::import_jobs::ImportJob;
use crate::db::schema::import_jobs;
use crate::web::filters;
use crate::web::{db, ok, AppResult, AppState, Layout};

/// How many of a user's drafts and imports the page lists.
const SHOWN: i64 = 5;

/// A draft segment of the user's, with its size.
#[derive(Clone, Debug, QueryableByName)]
pub struct Draft {
    #[diesel(sql_type = Text)]
    pub no: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
    /// All the user's drafts (the same on every row).
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// The user's draft segments, last changed first, with their lines.
fn drafts(conn: &mut PgConnection, user_id: i64) -> QueryResult<Vec<Draft>> {
    use crate::segments::domain::totals::LINES_OF_S;
    crate::db::prepared(format!(
        "SELECT s.no::text AS no, s.description, s.date, {LINES_OF_S} AS lines, \
           count(*) OVER () AS total \
         FROM segments s WHERE s.status = 'draft' AND s.created_by = $1 \
         ORDER BY s.updated_at DESC, s.id DESC LIMIT {SHOWN}"
    ))
    .bind::<BigInt, _>(user_id)
    .load(conn)
}

fn imports(conn: &mut PgConnection, user_id: i64) -> QueryResult<Vec<ImportJob>> {
    import_jobs::table
        .filter(import_jobs::user_id.eq(user_id))
        .order(import_jobs::id.desc())
        .limit(SHOWN)
        .select(ImportJob::as_select())
        .load(conn)
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub user: CurrentUser,
    pub drafts: Vec<Draft>,
    pub imports: Vec<ImportJob>,
}

impl HomePage {
    pub fn can_edit(&self) -> bool {
        self.user.role >= Role::Staff
    }

    pub fn is_admin(&self) -> bool {
        self.user.role >= Role::Admin
    }

    /// Drafts beyond those listed.
    pub fn more_drafts(&self) -> i64 {
        self.drafts
            .first()
            .map_or(0, |d| d.total - self.drafts.len() as i64)
    }
}

#[get("/")]
pub async fn home(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (drafts, imports) = if user.role >= Role::Staff {
        let id = user.id;
        db(&state.pool, move |conn| {
            Ok((drafts(conn, id)?, imports(conn, id)?))
        })
        .await?
    } else {
        (Vec::new(), Vec::new())
    };
    ok(&HomePage {
        layout,
        user,
        drafts,
        imports,
    })
}
