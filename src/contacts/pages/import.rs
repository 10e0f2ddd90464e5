//! The import pages: upload (the file is spooled to a temporary file as it arrives, never held
//! in memory), and the job's page and progress. The job itself is in [`crate::contacts::domain::import_jobs`].

use sha2::Digest;
use std::io::{Seek, Write};

use actix_multipart::Multipart;
use actix_web::{get, http::header, http::StatusCode, post, web, HttpRequest, HttpResponse};
use askama::Template;

use crate::web::filters;
use diesel::prelude::*;
use futures_util::StreamExt;

use crate::auth::{client_ip, session, CurrentUser, Staff};
use crate::contacts::domain::import;
use crate::contacts::domain::import_jobs::{self, FileKind, ImportJob, Upload};
use crate::db::schema::import_jobs as jobs;
use crate::web::AppState;
use crate::web::{db, ok, redirect, render, AppError, AppResult, Flash, Layout};

/// The largest file accepted (spooled to disk; memory does not grow with it).
pub const MAX_UPLOAD: usize = 512 * 1024 * 1024;

/// [`MAX_UPLOAD`] for people.
pub const MAX_UPLOAD_TEXT: &str = "512 MB";

#[derive(Template)]
#[template(path = "contacts/import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub error: Option<String>,
    /// The form's checkboxes as sent (a refused upload shows them ticked as they were).
    pub ticks: Ticks,
    pub header: String,
    pub recent: Vec<ImportJob>,
    pub max_upload: &'static str,
    /// The form's one-time key ([`crate::db::once`]).
    pub once: String,
}

impl ImportPage {
    fn new(layout: Layout, error: Option<String>, recent: Vec<ImportJob>) -> Self {
        ImportPage {
            layout,
            error,
            ticks: Ticks::default(),
            header: import::header_line(),
            recent,
            max_upload: MAX_UPLOAD_TEXT,
            once: crate::db::once::new_key(),
        }
    }
}

fn recent_jobs(conn: &mut PgConnection, user_id: i64) -> QueryResult<Vec<ImportJob>> {
    jobs::table
        .filter(jobs::user_id.eq(user_id))
        .order(jobs::id.desc())
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
    ok(&ImportPage::new(layout, None, recent))
}

/// Why an upload was not taken.
/// The import form's checkboxes: how a CSV file is read, whether rows of contacts already in
/// Rapport update them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ticks {
    pub windows_1252: bool,
    pub update_existing: bool,
}

enum Refusal {
    /// The file: shown on the form (422).
    File(String),
    /// The server could not store it.
    Io(std::io::Error),
}

/// Spools the uploaded file (field `file`) to an anonymous temporary file, refusing more than
/// [`MAX_UPLOAD`] bytes; counts its lines on the way. The checkbox `windows_1252` says how a
/// CSV file is to be read, `update_existing` whether rows whose No. is already in Rapport
/// update those contacts.
/// The checkboxes come before the file in the form, so that `ticks` holds them when the file is
/// refused.
async fn read_upload(mut payload: Multipart, ticks: &mut Ticks) -> Result<Upload, Refusal> {
    let unreadable =
        |e: &dyn std::fmt::Display| Refusal::File(format!("The upload could not be read ({e})."));
    let mut spooled = None;
    let mut once = String::new();
    let mut digest = sha2::Sha256::new();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| unreadable(&e))?;
        if field.name() == Some("once") {
            // 32 hex digits; anything longer is not a key, and is not kept.
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| unreadable(&e))?;
                if once.len() + chunk.len() <= 64 {
                    once.push_str(&String::from_utf8_lossy(&chunk));
                }
            }
            continue;
        }
        let checkbox = match field.name() {
            Some("windows_1252") => Some(&mut ticks.windows_1252),
            Some("update_existing") => Some(&mut ticks.update_existing),
            _ => None,
        };
        if let Some(ticked) = checkbox {
            *ticked = true;
            // Its value ("on") is not needed.
            while let Some(chunk) = field.next().await {
                chunk.map_err(|e| unreadable(&e))?;
            }
            continue;
        }
        if field.name() != Some("file") {
            continue;
        }
        // PostgreSQL refuses NUL; control characters have no place in a name.
        let name: String = field
            .content_disposition()
            .and_then(|cd| cd.get_filename().map(str::to_string))
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let file = tempfile::tempfile().map_err(Refusal::Io)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        let (mut size, mut lines, mut content) = (0usize, 0usize, false);
        let mut head: Vec<u8> = Vec::with_capacity(4);
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| unreadable(&e))?;
            digest.update(&chunk);
            let wanted = (4 - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..wanted]);
            size += chunk.len();
            if size > MAX_UPLOAD {
                return Err(Refusal::File(format!(
                    "The file is larger than {MAX_UPLOAD_TEXT}. Split it into smaller files."
                )));
            }
            lines += chunk.iter().filter(|&&b| b == b'\n').count();
            content = content || chunk.iter().any(|b| !b.is_ascii_whitespace());
            out.write_all(&chunk).map_err(Refusal::Io)?;
        }
        let mut file = out.into_inner().map_err(|e| Refusal::Io(e.into_error()))?;
        file.rewind().map_err(Refusal::Io)?;
        if !content {
            return Err(Refusal::File(
                "The file is empty. Choose a CSV file or an Excel workbook with a header line \
                 and contacts."
                    .into(),
            ));
        }
        spooled = Some((file, name, lines, head));
    }
    let (file, file_name, lines, head) = spooled
        .ok_or_else(|| Refusal::File("Choose a CSV file or an Excel workbook to import.".into()))?;
    let kind = FileKind::of(&file_name, &head, ticks.windows_1252);
    Ok(Upload {
        // A workbook's rows are known once it is opened (its bytes are zipped: their line
        // ends counted a made-up total, "0 of about 5.239" for 20,000 rows): none until then.
        total_rows: if kind == FileKind::Xlsx {
            0
        } else {
            lines.saturating_sub(1).max(1) as i64
        },
        kind,
        file,
        file_name,
        update_existing: ticks.update_existing,
        form_key: sent_key(once.trim(), digest, ticks),
    })
}

/// The job's key: the form's one-time key with what was sent in it, the file and the boxes. The
/// same form sent twice with them (a double click, a reload) imports once; sent again after Back
/// with a corrected file, or with a box ticked now, it is a new import (it went to the first
/// job, saying the file had been sent twice, and the corrected file was not read).
fn sent_key(once: &str, file: sha2::Sha256, ticks: &Ticks) -> Option<String> {
    let once = crate::db::once::key(once)?;
    let mut key = sha2::Sha256::new();
    key.update(once.as_bytes());
    key.update(file.finalize());
    key.update([
        u8::from(ticks.windows_1252),
        u8::from(ticks.update_existing),
    ]);
    crate::db::once::key(&hex::encode(key.finalize())[..32])
}

/// Seconds a refused upload is told to wait.
const RETRY_AFTER: u64 = 60;

#[post("/contacts/import")]
pub async fn upload(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let refused =
        |user: CurrentUser, layout: Layout, status: StatusCode, message: String, ticks: Ticks| {
            let pool = state.pool.clone();
            async move {
                let recent = db(&pool, move |conn| Ok(recent_jobs(conn, user.id)?)).await?;
                let mut page = ImportPage::new(layout, Some(message), recent);
                page.ticks = ticks;
                let mut res = render(status, &page)?;
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    res.headers_mut()
                        .insert(header::RETRY_AFTER, header::HeaderValue::from(RETRY_AFTER));
                }
                Ok(res)
            }
        };
    // One import runs per instance and one more may wait: past that, say so before the upload.
    let Some(ticket) = state.imports.enter() else {
        return refused(
            user,
            layout,
            StatusCode::SERVICE_UNAVAILABLE,
            "Another import is running and one more is waiting for it. Try again in a few \
             minutes, once one of them has finished."
                .into(),
            Ticks::default(),
        )
        .await;
    };
    let mut ticks = Ticks::default();
    let spooled = match read_upload(payload, &mut ticks).await {
        Ok(spooled) => spooled,
        Err(Refusal::File(message)) => {
            return refused(
                user,
                layout,
                StatusCode::UNPROCESSABLE_ENTITY,
                message,
                ticks,
            )
            .await
        }
        Err(Refusal::Io(e)) => return Err(AppError::internal(e)),
    };
    let ip = client_ip(&req, state.config.trust_proxy);
    let started = import_jobs::start(state.long_pool.clone(), ticket, spooled, user, ip)
        .map_err(AppError::internal)?;
    // No connection for long work in time (downloads, steps and another import hold them):
    // a 503 that says to try again, as a download's; it was a 500.
    let started = started
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::from)?;
    if started.again {
        let session = session::current(&req)?;
        db(&state.pool, move |conn| {
            Ok(session::set_flash(
                conn,
                &session,
                Flash::info(
                    "This file was sent twice from the same form: it is imported once, as \
                     below.",
                ),
            )?)
        })
        .await?;
    }
    Ok(redirect(&format!("/contacts/import/{}", started.id)))
}

#[derive(Template)]
#[template(path = "contacts/import_job.html")]
pub struct JobPage {
    pub layout: Layout,
    pub job: ImportJob,
}

/// A job, for the one who started it (and administrators). A job that says it runs but whose
/// server stopped is marked failed first.
async fn load_job(state: &AppState, user: &CurrentUser, id: String) -> AppResult<ImportJob> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let found = db(&state.pool, move |conn| {
        let stored = jobs::table
            .find(id)
            .select(ImportJob::as_select())
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
        if stored.running() && import_jobs::fail_interrupted(conn, Some(id))? > 0 {
            return Ok(jobs::table
                .find(id)
                .select(ImportJob::as_select())
                .first(conn)?);
        }
        Ok(stored)
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
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "running": found.running(),
        "text": found.progress_text(),
        // None while the rows are not counted yet (a workbook being opened).
        "percent": (found.total_rows > 0).then(|| found.percent()),
    })))
}
