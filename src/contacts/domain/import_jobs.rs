//! Import jobs: an uploaded file is checked and loaded in the background, one import at a time
//! per instance (the next one waits its turn; more than that are refused), with its progress
//! and result in `import_jobs` so that any instance can show them. A job that is waiting or
//! running holds a PostgreSQL advisory lock on its id for as long as its thread lives: a job
//! whose lock is free but whose status says it runs was interrupted (the server stopped), and
//! is marked failed at start-up and when its page is shown. Nothing of it was written: the
//! load is one transaction.

use std::fs::File;
use std::io::{BufRead, BufReader};

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Text};

use super::import::{self, Codes, Problems};
use super::import_check;
use super::import_source::{self, CsvSource, Source, Windows1252, XlsxSource};
use super::import_write::{self, Existing, Written};
use crate::admin::audit::{self, Actor};
use crate::auth::CurrentUser;
use crate::db::schema::import_jobs;
use crate::db::{DbConn, DbPool};
use crate::web::pagination::thousands;
use crate::web::state::Ticket;

/// Where a job is. Stored as text (the column's CHECK lists the same values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum JobStatus {
    /// Uploaded; another import of this instance runs first.
    Waiting,
    /// Reading and checking the rows.
    Validating,
    /// Every row is valid; writing them.
    Importing,
    Done,
    /// Problems were found; nothing was imported.
    Invalid,
    /// The import stopped (an error, or the server stopped); nothing was imported.
    Failed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Waiting,
        JobStatus::Validating,
        JobStatus::Importing,
        JobStatus::Done,
        JobStatus::Invalid,
        JobStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Waiting => "waiting",
            JobStatus::Validating => "validating",
            JobStatus::Importing => "importing",
            JobStatus::Done => "done",
            JobStatus::Invalid => "invalid",
            JobStatus::Failed => "failed",
        }
    }

    pub fn running(self) -> bool {
        matches!(
            self,
            JobStatus::Waiting | JobStatus::Validating | JobStatus::Importing
        )
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql<Text, Pg> for JobStatus {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
    }
}

impl FromSql<Text, Pg> for JobStatus {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let s = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        JobStatus::ALL
            .into_iter()
            .find(|j| j.as_str() == s)
            .ok_or_else(|| format!("unknown import job status {s:?}").into())
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = import_jobs)]
pub struct ImportJob {
    pub id: i64,
    pub user_id: Option<i64>,
    pub file_name: String,
    pub status: JobStatus,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub created_count: i64,
    pub errors: String,
    pub error_count: i64,
    pub message: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Contacts already in Rapport that the file updated.
    pub updated_count: i64,
}

impl ImportJob {
    pub fn running(&self) -> bool {
        self.status.running()
    }

    pub fn is(&self, status: &str) -> bool {
        self.status.as_str() == status
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

    pub fn updated_text(&self) -> String {
        thousands(self.updated_count)
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

    /// The job in a sentence for a list of them (the home page): what its page says.
    pub fn summary(&self) -> String {
        match self.status {
            JobStatus::Invalid => format!(
                "{} problem{} found. {}",
                self.error_count_text(),
                if self.error_count == 1 { "" } else { "s" },
                self.message
            ),
            _ => self.progress_text(),
        }
    }

    /// What the job is doing, in a sentence (the page and its progress poll).
    pub fn progress_text(&self) -> String {
        match self.status {
            JobStatus::Waiting => {
                "Waiting for another import to finish; this one starts right after it.".into()
            }
            JobStatus::Validating if self.total_rows == 0 => {
                "Opening the workbook to count its rows…".into()
            }
            JobStatus::Validating => format!(
                "Checking the rows: {} of about {}.",
                self.processed_text(),
                self.total_text()
            ),
            JobStatus::Importing => format!(
                "All {} rows are valid. Importing them…",
                self.processed_text()
            ),
            _ => self.message.clone(),
        }
    }
}

/// The advisory lock class of import jobs (the second key is the job id).
const LOCK_CLASS: i32 = 0x494D_5054; // "IMPT"

/// The job page's message for a job that was interrupted.
pub const INTERRUPTED: &str = "The import was interrupted: the server stopped while it ran. \
     Nothing was imported. Upload the file again.";

/// Marks failed the jobs (or only job `only`) that say they run but whose thread is gone (the
/// server stopped): their advisory lock is free. Returns how many.
pub fn fail_interrupted(conn: &mut PgConnection, only: Option<i64>) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE import_jobs SET status = 'failed', message = $1, finished_at = now() \
         WHERE status IN ('waiting', 'validating', 'importing') \
           AND ($2::bigint IS NULL OR id = $2) \
           AND pg_try_advisory_xact_lock($3, (id % 2147483647)::int)",
    )
    .bind::<Text, _>(INTERRUPTED)
    .bind::<diesel::sql_types::Nullable<BigInt>, _>(only)
    .bind::<diesel::sql_types::Integer, _>(LOCK_CLASS)
    .execute(conn)
}

/// At start-up: jobs left running by a server that stopped are marked failed.
pub fn recover(pool: &DbPool) {
    let result = pool
        .get()
        .map_err(anyhow::Error::from)
        .and_then(|mut conn| Ok(fail_interrupted(&mut conn, None)?));
    match result {
        Ok(0) => {}
        Ok(n) => tracing::warn!(jobs = n, "imports interrupted by a stop were marked failed"),
        Err(e) => tracing::error!(error = %format!("{e:#}"), "interrupted imports not checked"),
    }
}

/// An uploaded file, spooled to an anonymous temporary file.
pub struct Upload {
    pub file: File,
    pub file_name: String,
    /// Lines in the file, less the header: the progress bar's 100 % (a workbook's rows are
    /// counted when it is opened).
    pub total_rows: i64,
    pub kind: FileKind,
    /// Update the contacts whose No. is already in Rapport (else those rows are refused).
    pub update_existing: bool,
    /// The form's one-time key ([`crate::db::once`]): sent twice, the file is imported once.
    pub form_key: Option<String>,
}

/// What [`start`] answers once the job exists: its id, and whether the same form had started
/// it already (the file was sent twice: nothing more is done).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Started {
    pub id: i64,
    pub again: bool,
}

/// What an uploaded file is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// CSV in UTF-8 (a byte that is not UTF-8 is a problem that names its line).
    Csv,
    /// CSV in Windows-1252, as Excel's "CSV (Comma delimited)" writes it.
    CsvWindows1252,
    /// An Excel workbook: its first sheet.
    Xlsx,
}

impl FileKind {
    /// A workbook by its name or its first bytes (a zip file); else CSV, in Windows-1252 when
    /// the user said so.
    pub fn of(file_name: &str, head: &[u8], windows_1252: bool) -> FileKind {
        if file_name.to_ascii_lowercase().ends_with(".xlsx") || head.starts_with(b"PK\x03\x04") {
            FileKind::Xlsx
        } else if windows_1252 {
            FileKind::CsvWindows1252
        } else {
            FileKind::Csv
        }
    }
}

/// What a file is, by its first bytes, when it is neither a workbook (.xlsx) nor CSV text that
/// Rapport reads, and what to do about it. They were told "not UTF-8: tick Read as
/// Windows-1252" (which then listed garbage columns) or "invalid Zip archive".
pub fn foreign_format(head: &[u8]) -> Option<&'static str> {
    const OLE2: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    if head.starts_with(OLE2) {
        Some(
            "the file is an Excel 97-2003 workbook (.xls), or a workbook protected by a password \
             or a sensitivity label: save it from Excel as an Excel Workbook (.xlsx) without \
             protection, or as \"CSV UTF-8 (Comma delimited)\", and import that",
        )
    } else if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        Some(
            "the file is UTF-16 text (Excel's \"Unicode Text\"): save it from Excel as \
             \"CSV UTF-8 (Comma delimited)\" and import that",
        )
    } else {
        None
    }
}

/// A job's own connection: it holds the job's advisory lock, and writes the progress and the
/// result outside the import's transaction. Dropped before the job finished (a panic), it marks
/// the job failed; either way it gives the lock back.
struct JobConn {
    conn: DbConn,
    id: i64,
    finished: bool,
}

impl JobConn {
    /// Creates the job and takes its lock before anyone can see it; or, when the same form
    /// (`form_key`) created one already, answers that job's id.
    fn create(mut conn: DbConn, user_id: i64, upload: &Upload) -> QueryResult<Result<Self, i64>> {
        let id = conn.transaction(|conn| {
            if let Some(key) = &upload.form_key {
                if let Some(first) =
                    crate::db::once::created_from(conn, crate::db::once::Created::ImportJobs, key)?
                {
                    let first = first.parse::<i64>().unwrap_or_default();
                    // Refused or stopped, it imported nothing: the same file sent again from
                    // the same form (after a code was added in setup, or after a failure) is
                    // read again. It went to the refusal, as sent twice, and nothing could
                    // bring the file in but a new form.
                    let released = diesel::update(import_jobs::table.find(first).filter(
                        import_jobs::status.eq_any([JobStatus::Invalid, JobStatus::Failed]),
                    ))
                    .set(import_jobs::form_key.eq(None::<String>))
                    .execute(conn)?;
                    if released == 0 {
                        return Ok(Err(first));
                    }
                }
            }
            let id: i64 = diesel::insert_into(import_jobs::table)
                .values((
                    import_jobs::user_id.eq(user_id),
                    import_jobs::file_name.eq(&upload.file_name),
                    import_jobs::total_rows.eq(upload.total_rows),
                    import_jobs::status.eq(JobStatus::Waiting),
                    import_jobs::form_key.eq(&upload.form_key),
                ))
                .returning(import_jobs::id)
                .get_result(conn)?;
            diesel::sql_query("SELECT pg_advisory_lock($1, ($2 % 2147483647)::int)")
                .bind::<diesel::sql_types::Integer, _>(LOCK_CLASS)
                .bind::<BigInt, _>(id)
                .execute(conn)?;
            Ok::<_, diesel::result::Error>(Ok(id))
        })?;
        Ok(id.map(|id| JobConn {
            conn,
            id,
            finished: false,
        }))
    }

    /// The rows to expect, once a workbook says how many it has.
    fn total(&mut self, total: u64) {
        let _ = diesel::update(import_jobs::table.find(self.id))
            .set(import_jobs::total_rows.eq(total as i64))
            .execute(&mut self.conn);
    }

    fn progress(&mut self, status: JobStatus, processed: u64) {
        let _ = diesel::update(import_jobs::table.find(self.id))
            .set((
                import_jobs::status.eq(status),
                import_jobs::processed_rows.eq(processed as i64),
            ))
            .execute(&mut self.conn);
    }

    fn finish(&mut self, status: JobStatus, done: Written, problems: &Problems, message: &str) {
        let result = diesel::update(import_jobs::table.find(self.id))
            .set((
                import_jobs::status.eq(status),
                import_jobs::created_count.eq(done.created as i64),
                import_jobs::updated_count.eq(done.updated as i64),
                import_jobs::errors.eq(problems.lines().join("\n")),
                import_jobs::error_count.eq(problems.count as i64),
                import_jobs::message.eq(message),
                import_jobs::finished_at.eq(Some(chrono::Utc::now())),
            ))
            .execute(&mut self.conn);
        if let Err(e) = result {
            tracing::error!(job_id = self.id, error = %e, "import result not saved");
        }
        self.finished = true;
    }
}

impl Drop for JobConn {
    fn drop(&mut self) {
        if !self.finished {
            self.finish(
                JobStatus::Failed,
                Written::default(),
                &Problems::default(),
                "The import stopped unexpectedly and nothing was imported. The administrator \
                 finds the reason in the log.",
            );
        }
        let _ = diesel::sql_query("SELECT pg_advisory_unlock($1, ($2 % 2147483647)::int)")
            .bind::<diesel::sql_types::Integer, _>(LOCK_CLASS)
            .bind::<BigInt, _>(self.id)
            .execute(&mut self.conn);
    }
}

/// Starts a job for `upload` on a thread of its own; answers with the job's id once the job
/// exists (or why it could not be created), or with the job the same form started already.
pub fn start(
    pool: DbPool,
    ticket: Ticket,
    upload: Upload,
    user: CurrentUser,
    ip: String,
) -> std::io::Result<tokio::sync::oneshot::Receiver<anyhow::Result<Started>>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    // The job's messages are read by the user who started it, in the office's way of writing
    // numbers ("1.204 contacts imported" under da-DK), as the rest of its page is.
    let locale = crate::web::locale::current();
    std::thread::Builder::new()
        .name("import".into())
        .spawn(move || crate::web::locale::within(locale, || {
            let created = pool
                .get()
                .map_err(anyhow::Error::from)
                .and_then(|conn| Ok(JobConn::create(conn, user.id, &upload)?));
            let mut job = match created {
                Ok(Ok(job)) => job,
                Ok(Err(first)) => {
                    let _ = tx.send(Ok(Started {
                        id: first,
                        again: true,
                    }));
                    return;
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let _ = tx.send(Ok(Started {
                id: job.id,
                again: false,
            }));
            let turn = ticket.wait_turn();
            job.progress(JobStatus::Validating, 0);
            if let Err(e) = run(&pool, &mut job, upload, &user, &ip) {
                tracing::error!(job_id = job.id, error = %format!("{e:#}"), "contact import failed");
                job.finish(
                    JobStatus::Failed,
                    Written::default(),
                    &Problems::default(),
                    "The import failed and nothing was imported. The administrator finds the \
                     reason in the log.",
                );
            }
            drop(job);
            drop(turn);
            drop(ticket);
        }))?;
    Ok(rx)
}

enum Outcome {
    Done(Written),
    Invalid(Problems),
}

impl Outcome {
    /// A workbook that cannot be read at all: its problem names no row.
    fn unreadable(message: String) -> Outcome {
        let mut problems = Problems::default();
        problems.add(Problems::FILE, message);
        Outcome::Invalid(problems)
    }
}

/// Who imports which file, and whether its rows already in Rapport update those contacts.
struct ImportBy<'a> {
    file_name: &'a str,
    update_existing: bool,
    user: &'a CurrentUser,
    ip: &'a str,
}

/// Checks every row of `source` and writes them all, in one transaction.
/// `windows_1252`: the file is read as Windows-1252, which has "?" for the letters it cannot
/// hold.
fn load(
    conn: &mut PgConnection,
    job: &mut JobConn,
    source: &mut dyn Source,
    codes: &Codes,
    by: &ImportBy,
    windows_1252: bool,
) -> anyhow::Result<Outcome> {
    let ImportBy {
        file_name,
        update_existing,
        user,
        ip,
    } = *by;
    conn.transaction::<_, anyhow::Error, _>(|conn| {
        let staged = import::stage(conn, source, codes, |n| {
            job.progress(JobStatus::Validating, n)
        })?;
        let mut problems = staged.problems;
        let existing = Existing {
            update: update_existing,
            columns: staged.columns,
        };
        import_write::wait_for_steps(conn, &existing)?;
        import_write::lock(conn)?;
        if existing.update {
            import_write::match_existing(conn)?;
            if windows_1252 {
                import_check::keep_what_windows_1252_lost(conn, &existing.columns)?;
            }
        }
        match staged.stopped_at {
            // Read in part: its rows are not checked against each other nor against Rapport
            // (the company of a row before, named on a line after, was said to be missing).
            Some(line) => problems.add(
                line,
                "nothing after this line was read, so the rows before it are not checked \
                 against each other or against Rapport yet: mend it and send the file again",
            ),
            None => import_write::check(conn, &mut problems, &existing, &staged.refused)?,
        }
        if !problems.is_empty() {
            return Ok(Outcome::Invalid(problems));
        }
        job.progress(JobStatus::Importing, staged.rows);
        let done = import_write::write(conn, staged.rows, staged.missing, &existing)?;
        audit::record(
            conn,
            Actor::User(user),
            "contacts imported",
            file_name,
            &if done.updated + done.unchanged > 0 {
                format!(
                    "{} contacts, {} updated, {} unchanged, {} persons following their company's changes",
                    done.created, done.updated, done.unchanged, done.followed
                )
            } else {
                format!("{} contacts", done.created)
            },
            ip,
        )?;
        Ok(Outcome::Done(done))
    })
}

/// "2 contacts imported, 3 updated, 4 unchanged." — the contacts the file created, those
/// already in Rapport it changed, and those it had nothing new for (each part only when
/// there are some, but the first).
fn done_message(done: Written) -> String {
    let mut message = format!(
        "{} contact{} imported",
        thousands(done.created as i64),
        if done.created == 1 { "" } else { "s" }
    );
    if done.updated > 0 {
        message.push_str(&format!(", {} updated", thousands(done.updated as i64)));
    }
    if done.unchanged > 0 {
        message.push_str(&format!(
            ", {} unchanged (the file has their values already)",
            thousands(done.unchanged as i64)
        ));
    }
    message.push('.');
    // As a company's card says when its persons follow it.
    if done.followed > 0 {
        message.push_str(&format!(
            " {} other person{} followed a change of their company (address, phone, \
             salesperson, territory or language they had of it).",
            thousands(done.followed as i64),
            if done.followed == 1 { "" } else { "s" }
        ));
    }
    message
}

/// Checks every row and writes them all, in one transaction.
fn run(
    pool: &DbPool,
    job: &mut JobConn,
    upload: Upload,
    user: &CurrentUser,
    ip: &str,
) -> anyhow::Result<()> {
    let mut conn = pool.get()?;
    let codes = Codes::load(&mut conn)?;
    let by = ImportBy {
        file_name: &upload.file_name,
        update_existing: upload.update_existing,
        user,
        ip,
    };
    let mut data = BufReader::with_capacity(256 * 1024, upload.file);
    let outcome = match (foreign_format(data.fill_buf()?), upload.kind) {
        (Some(message), _) => Outcome::unreadable(message.to_string()),
        (None, FileKind::Xlsx) => match import_source::open_workbook(data) {
            Ok(mut book) => match XlsxSource::first_sheet(&mut book) {
                Ok((mut source, rows)) => {
                    job.total(rows.saturating_sub(1).max(1));
                    load(&mut conn, job, &mut source, &codes, &by, false)?
                }
                Err(message) => Outcome::unreadable(message),
            },
            Err(message) => Outcome::unreadable(message),
        },
        (None, kind) => {
            let separator = import_source::sniff_separator(data.fill_buf()?);
            if kind == FileKind::CsvWindows1252 {
                let mut source = CsvSource::new(Windows1252::new(data), separator);
                load(&mut conn, job, &mut source, &codes, &by, true)?
            } else {
                let mut source = CsvSource::new(data, separator);
                load(&mut conn, job, &mut source, &codes, &by, false)?
            }
        }
    };
    match outcome {
        Outcome::Invalid(problems) => job.finish(
            JobStatus::Invalid,
            Written::default(),
            &problems,
            "Nothing was imported.",
        ),
        Outcome::Done(done) => {
            job.finish(
                JobStatus::Done,
                done,
                &Problems::default(),
                &done_message(done),
            );
            // The next pages are planned with statistics that know the new contacts.
            if done.created + done.updated >= 10_000 {
                for table in [
                    "contacts",
                    "contact_industry_groups",
                    "contact_business_relations",
                    "contact_mailing_groups",
                    "contact_job_responsibilities",
                ] {
                    crate::db::analyze_after(table);
                }
                crate::db::after_work(pool, true);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_not_opened_yet_has_no_made_up_total() {
        let job = |total_rows| ImportJob {
            id: 1,
            user_id: None,
            file_name: "contacts.xlsx".into(),
            status: JobStatus::Validating,
            total_rows,
            processed_rows: 0,
            created_count: 0,
            errors: String::new(),
            error_count: 0,
            message: String::new(),
            created_at: chrono::Utc::now(),
            finished_at: None,
            updated_count: 0,
        };
        assert_eq!(
            job(0).progress_text(),
            "Opening the workbook to count its rows…"
        );
        assert_eq!(job(0).percent(), 0);
        assert_eq!(
            job(20_000).progress_text(),
            "Checking the rows: 0 of about 20,000."
        );
    }

    #[test]
    fn the_message_names_what_was_created_changed_and_left_as_it_was() {
        let done = |created, updated, unchanged| {
            done_message(Written {
                created,
                updated,
                unchanged,
                followed: 0,
            })
        };
        assert_eq!(done(1, 0, 0), "1 contact imported.");
        assert_eq!(
            done_message(Written {
                created: 0,
                updated: 1,
                unchanged: 0,
                followed: 1,
            }),
            "0 contacts imported, 1 updated. 1 other person followed a change of their company \
             (address, phone, salesperson, territory or language they had of it)."
        );
        assert_eq!(done(2, 3, 0), "2 contacts imported, 3 updated.");
        assert_eq!(
            done(0, 1, 1_204),
            "0 contacts imported, 1 updated, 1,204 unchanged (the file has their values already)."
        );
        assert_eq!(
            done(0, 0, 7),
            "0 contacts imported, 7 unchanged (the file has their values already)."
        );
    }
}
