//! `/`: the home page, by role — the day's work for staff (new segment, their draft segments
//! with their sizes, their recent imports), what a viewer can read, and for admins the setup
//! tables, users and the audit trail. It reads from several areas, so it sits above them.

use actix_web::{get, web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};

use crate::auth::{CurrentUser, Role, SignedIn};
use crate::contacts::import_jobs::ImportJob;
use crate::db::schema::import_jobs;
use crate::web::filters;
use crate::web::{db, ok, AppResult, AppState, Layout};

/// How many of a user's drafts and imports the page lists.
const SHOWN: i64 = 5;

/// A draft segment of the user's, with its size.
#[derive(Clone, Debug)]
pub struct Draft {
    pub no: String,
    pub description: String,
    pub date: NaiveDate,
    pub lines: i64,
    /// All the user's drafts.
    pub total: i64,
}

/// The user's newest drafts (last changed first, with their lines), and whether the user has
/// imported anything, in one statement (a row with no draft when there is none).
fn drafts(conn: &mut PgConnection, user_id: i64) -> QueryResult<(Vec<Draft>, bool)> {
    use crate::segments::domain::totals::LINES_OF_S;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        imported: bool,
        #[diesel(sql_type = Nullable<Text>)]
        no: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        description: Option<String>,
        #[diesel(sql_type = Nullable<Date>)]
        date: Option<NaiveDate>,
        #[diesel(sql_type = Nullable<BigInt>)]
        lines: Option<i64>,
        #[diesel(sql_type = Nullable<BigInt>)]
        total: Option<i64>,
    }
    let rows: Vec<Row> = crate::db::prepared(format!(
        "SELECT i.imported, d.no, d.description, d.date, d.lines, d.total \
         FROM (SELECT EXISTS (SELECT 1 FROM import_jobs WHERE user_id = $1) AS imported) i \
         LEFT JOIN LATERAL ( \
           SELECT s.no::text AS no, s.description, s.date, {LINES_OF_S} AS lines, \
             count(*) OVER () AS total, s.updated_at, s.id \
           FROM segments s WHERE s.status = 'draft' AND s.created_by = $1 \
           ORDER BY s.updated_at DESC, s.id DESC LIMIT {SHOWN}) d ON TRUE \
         ORDER BY d.updated_at DESC, d.id DESC"
    ))
    .bind::<BigInt, _>(user_id)
    .load(conn)?;
    let imported = rows.first().is_some_and(|r| r.imported);
    let drafts = rows
        .into_iter()
        .filter_map(|r| {
            Some(Draft {
                no: r.no?,
                description: r.description?,
                date: r.date?,
                lines: r.lines?,
                total: r.total?,
            })
        })
        .collect();
    Ok((drafts, imported))
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
            // Most users import nothing: their imports are not read.
            let (drafts, imported) = drafts(conn, id)?;
            let imports = if imported {
                imports(conn, id)?
            } else {
                Vec::new()
            };
            Ok((drafts, imports))
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
