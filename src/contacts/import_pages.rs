//! The import pages: upload, the job's progress, and the background job itself.

use actix_multipart::Multipart;
use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use futures_util::StreamExt;

use super::import::{self, Codes, Problems};
use crate::admin::audit::{self, Actor};
use crate::auth::{client_ip, CurrentUser, Staff};
use crate::db::schema::import_jobs;
use crate::db::DbPool;
use crate::web::pagination::thousands;
use crate::web::{db, ok, redirect, render, AppError, AppResult, Layout};
use crate::AppState;

/// The largest file accepted.
pub const MAX_UPLOAD: usize = 100 * 1024 * 1024;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = import_jobs)]
pub struct ImportJob {
    pub id: i64,
    pub user_id: Option<i64>,
    pub file_name: String,
    pub status: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub created_count: i64,
    pub errors: String,
    pub error_count: i64,
    pub message: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ImportJob {
    pub fn running(&self) -> bool {
        matches!(self.status.as_str(), "validating" | "importing")
    }

    pub fn error_lines(&self) -> Vec<&str> {
        self.errors.lines().collect()
    }

    pub fn processed_text(&self) -> String {
        thousands(self.processed_rows)
    }

    pub fn created_text(&self) -> String {
        thousands(self.created_count)
    }

    pub fn error_count_text(&self) -> String {
        thousands(self.error_count)
    }

    /// Percent of the rows checked, for the progress bar.
    pub fn percent(&self) -> i64 {
        if self.total_rows == 0 {
            0
        } else {
            (self.processed_rows * 100 / self.total_rows).clamp(0, 100)
        }
    }

    pub fn total_text(&self) -> String {
        thousands(self.total_rows)
    }
}

#[derive(Template)]
#[template(path = "contacts/import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub header: String,
    pub recent: Vec<ImportJob>,
}

fn recent_jobs(conn: &mut PgConnection, user_id: i64) -> QueryResult<Vec<ImportJob>> {
    import_jobs::table
        .filter(import_jobs::user_id.eq(user_id))
        .order(import_jobs::id.desc())
        .limit(5)
        .select(ImportJob::as_select())
        .load(conn)
}

#[get("/contacts/import")]
pub async fn form(
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let recent = db(&state.pool, move |conn| Ok(recent_jobs(conn, user.id)?)).await?;
    ok(&ImportPage {
        layout,
        error: None,
        header: import::header_line(),
        recent,
    })
}

/// Reads the uploaded file (field `file`), refusing more than [`MAX_UPLOAD`] bytes.
async fn read_upload(mut payload: Multipart) -> Result<(String, Vec<u8>), String> {
    let mut file = None;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| format!("The upload could not be read ({e})."))?;
        if field.name() != Some("file") {
            continue;
        }
        let name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename().map(str::to_string))
            .unwrap_or_default();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| format!("The upload could not be read ({e})."))?;
            if data.len() + chunk.len() > MAX_UPLOAD {
                return Err("The file is larger than 100 MB. Split it into smaller files.".into());
            }
            data.extend_from_slice(&chunk);
        }
        file = Some((name, data));
    }
    match file {
        Some((_, data)) if data.iter().all(|b| b.is_ascii_whitespace()) => {
            Err("The file is empty. Choose a CSV file with a header line and contacts.".into())
        }
        Some(file) => Ok(file),
        None => Err("Choose a CSV file to import.".into()),
    }
}

#[post("/contacts/import")]
pub async fn upload(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let (file_name, data) = match read_upload(payload).await {
        Ok(file) => file,
        Err(message) => {
            let uid = user.id;
            let recent = db(&state.pool, move |conn| Ok(recent_jobs(conn, uid)?)).await?;
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ImportPage {
                    layout,
                    error: Some(message),
                    header: import::header_line(),
                    recent,
                },
            );
        }
    };
    let total = data
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        .saturating_sub(1)
        .max(1) as i64;
    let uid = user.id;
    let name = file_name.chars().take(200).collect::<String>();
    let job_id: i64 = db(&state.pool, move |conn| {
        Ok(diesel::insert_into(import_jobs::table)
            .values((
                import_jobs::user_id.eq(uid),
                import_jobs::file_name.eq(name),
                import_jobs::total_rows.eq(total),
            ))
            .returning(import_jobs::id)
            .get_result(conn)?)
    })
    .await?;
    let pool = state.pool.clone();
    let ip = client_ip(&req, state.config.trust_proxy);
    std::thread::Builder::new()
        .name(format!("import-{job_id}"))
        .spawn(move || run(pool, job_id, data, file_name, user, ip))
        .map_err(AppError::internal)?;
    Ok(redirect(&format!("/contacts/import/{job_id}")))
}

fn set_progress(pool: &DbPool, job_id: i64, status: &str, processed: i64) {
    if let Ok(mut conn) = pool.get() {
        let _ = diesel::update(import_jobs::table.find(job_id))
            .set((
                import_jobs::status.eq(status),
                import_jobs::processed_rows.eq(processed),
            ))
            .execute(&mut conn);
    }
}

fn finish(
    pool: &DbPool,
    job_id: i64,
    status: &str,
    created: i64,
    problems: &Problems,
    message: &str,
) {
    if let Ok(mut conn) = pool.get() {
        let _ = diesel::update(import_jobs::table.find(job_id))
            .set((
                import_jobs::status.eq(status),
                import_jobs::created_count.eq(created),
                import_jobs::errors.eq(problems.lines.join("\n")),
                import_jobs::error_count.eq(problems.count as i64),
                import_jobs::message.eq(message),
                import_jobs::finished_at.eq(Some(chrono::Utc::now())),
            ))
            .execute(&mut conn);
    }
}

/// The background job: check every row, then write all of them in one transaction.
fn run(pool: DbPool, job_id: i64, data: Vec<u8>, file_name: String, user: CurrentUser, ip: String) {
    let result = (|| -> anyhow::Result<()> {
        let mut conn = pool.get()?;
        let codes = Codes::load(&mut conn)?;
        let (rows, mut problems) = import::parse(&data, &codes, |n| {
            set_progress(&pool, job_id, "validating", n as i64)
        });
        drop(data);
        let existing = import::check_references(&mut conn, &rows, &mut problems)?;
        if !problems.is_empty() {
            finish(
                &pool,
                job_id,
                "invalid",
                0,
                &problems,
                "Nothing was imported.",
            );
            return Ok(());
        }
        set_progress(&pool, job_id, "importing", rows.len() as i64);
        let created = conn.transaction::<_, anyhow::Error, _>(|conn| {
            let created = import::write(conn, &rows, &existing)?;
            audit::record(
                conn,
                Actor::User(&user),
                "contacts imported",
                &file_name,
                &format!("{created} contacts"),
                &ip,
            )?;
            Ok(created)
        })?;
        finish(
            &pool,
            job_id,
            "done",
            created as i64,
            &Problems::default(),
            &format!("{} contacts imported.", thousands(created as i64)),
        );
        Ok(())
    })();
    if let Err(e) = result {
        tracing::error!(job_id, error = %format!("{e:#}"), "contact import failed");
        finish(
            &pool,
            job_id,
            "failed",
            0,
            &Problems::default(),
            "The import failed and nothing was imported. The administrator finds the reason in the log.",
        );
    }
}

#[derive(Template)]
#[template(path = "contacts/import_job.html")]
pub struct JobPage {
    pub layout: Layout,
    pub job: ImportJob,
}

/// A job, for the one who started it (and administrators).
async fn load_job(state: &AppState, user: &CurrentUser, id: String) -> AppResult<ImportJob> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let found = db(&state.pool, move |conn| {
        import_jobs::table
            .find(id)
            .select(ImportJob::as_select())
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)
    })
    .await?;
    if found.user_id != Some(user.id) && user.role != crate::auth::Role::Admin {
        return Err(AppError::NotFound);
    }
    Ok(found)
}

#[get("/contacts/import/{id}")]
pub async fn job(
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let found = load_job(&state, &user, path.into_inner()).await?;
    ok(&JobPage { layout, job: found })
}

/// The job's progress for the page's script: `{"running": …, "text": …, "percent": …}`.
#[get("/contacts/import/{id}/status")]
pub async fn job_status(
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let found = load_job(&state, &user, path.into_inner()).await?;
    let text = match found.status.as_str() {
        "validating" => format!(
            "Checking the rows: {} of about {}.",
            found.processed_text(),
            found.total_text()
        ),
        "importing" => format!(
            "All {} rows are valid. Importing them…",
            found.processed_text()
        ),
        _ => found.message.clone(),
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "running": found.running(),
        "text": text,
        "percent": found.percent(),
    })))
}
