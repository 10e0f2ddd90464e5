//! CSV downloads streamed from the database: rows are read one by one (libpq single-row
//! mode) on a thread of their own and sent to the browser in chunks, so memory does not grow
//! with the number of rows. Cells that a spreadsheet would run as formulas are neutralised.

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use diesel::pg::{Pg, PgRowByRowLoadingMode};
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::{QueryableByName, RunQueryDsl};
use tokio::sync::Semaphore;

use crate::db::DbPool;
use crate::web::pages::ErrorPage;
use crate::web::{render, AppError, AppResult, Layout};

/// How many CSV downloads an instance streams at once. Each holds a pooled connection for the
/// whole download, so at most half the pool goes to them and pages always get one; past that a
/// download is answered 503 with `Retry-After`.
pub struct ExportCap {
    permits: Arc<Semaphore>,
    size: usize,
}

impl ExportCap {
    pub fn new(pool_size: u32) -> Self {
        let size = (pool_size as usize / 2).max(1);
        ExportCap {
            permits: Arc::new(Semaphore::new(size)),
            size,
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }
}

/// Seconds a refused download is told to wait.
const BUSY_RETRY_AFTER: u64 = 5;

fn busy(req: &HttpRequest, cap: &ExportCap) -> AppResult<HttpResponse> {
    let page = ErrorPage {
        layout: Layout::from_request(req),
        status: 503,
        title: "Too many downloads at once",
        message: format!(
            "{} downloads are running on this server, as many as it streams at once so that \
             pages stay quick. Nothing is wrong with yours: try again in a few seconds.",
            cap.size
        ),
        back: None,
        back_label: "",
    };
    let mut res = render(StatusCode::SERVICE_UNAVAILABLE, &page)?;
    res.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(BUSY_RETRY_AFTER),
    );
    Ok(res)
}

fn is_formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// Whether a cell, after any leading apostrophes, starts like a formula.
fn formula_after_apostrophes(cell: &str) -> bool {
    cell.trim_start_matches('\'')
        .chars()
        .next()
        .is_some_and(is_formula_start)
}

/// A cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage return), possibly after
/// apostrophes, gets one more leading apostrophe, so spreadsheets show it as text instead of
/// running it, and [`unneutralise`] gives back exactly the original.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if formula_after_apostrophes(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Undoes [`neutralise`], so that import accepts what export wrote.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_after_apostrophes(rest) => rest,
        _ => cell,
    }
}

/// Writes neutralised CSV records (RFC 4180 quoting) into a buffer handed out in chunks.
pub struct CsvBuffer {
    out: Vec<u8>,
}

impl Default for CsvBuffer {
    fn default() -> Self {
        CsvBuffer {
            out: Vec::with_capacity(64 * 1024),
        }
    }
}

impl CsvBuffer {
    pub fn write<S: AsRef<str>>(&mut self, cells: &[S]) {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            let cell = neutralise(cell.as_ref());
            if cell.contains([',', '"', '\n', '\r']) {
                self.out.push(b'"');
                self.out
                    .extend_from_slice(cell.replace('"', "\"\"").as_bytes());
                self.out.push(b'"');
            } else {
                self.out.extend_from_slice(cell.as_bytes());
            }
        }
        self.out.push(b'\n');
    }

    /// Everything written since the last call.
    pub fn take(&mut self) -> Bytes {
        Bytes::from(std::mem::replace(
            &mut self.out,
            Vec::with_capacity(64 * 1024),
        ))
    }
}

/// Rows per chunk sent to the browser.
const CHUNK_ROWS: usize = 500;

type Chunk = Result<Bytes, std::io::Error>;

/// Answers with a CSV file: `header`, then one record per row of the query `build` makes,
/// written by `write`; or 503 when the instance streams as many downloads as [`ExportCap`]
/// allows.
pub fn stream<R, Q, W>(
    req: &HttpRequest,
    cap: &ExportCap,
    pool: DbPool,
    file_name: &str,
    header: &'static [&'static str],
    build: Q,
    write: W,
) -> AppResult<HttpResponse>
where
    R: QueryableByName<Pg> + 'static,
    Q: FnOnce() -> BoxedSqlQuery<'static, Pg, SqlQuery> + Send + 'static,
    W: Fn(&R, &mut CsvBuffer) + Send + 'static,
{
    let Ok(permit) = cap.permits.clone().try_acquire_owned() else {
        return busy(req, cap);
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(4);
    // The export's log lines (a slow statement, a failure) name the request that asked for it.
    let span = tracing::Span::current();
    std::thread::Builder::new()
        .name("csv-export".into())
        .spawn(move || {
            let _entered = span.enter();
            // Given back when the download ends, however it ends.
            let _permit = permit;
            let fail = |tx: &tokio::sync::mpsc::Sender<Chunk>, e: &dyn std::fmt::Display| {
                tracing::error!(error = %e, "CSV export failed");
                let _ = tx.blocking_send(Err(std::io::Error::other("export failed")));
            };
            let mut conn = match pool.get() {
                Ok(c) => c,
                Err(e) => return fail(&tx, &e),
            };
            let mut out = CsvBuffer::default();
            out.write(header);
            let rows = match build().load_iter::<R, PgRowByRowLoadingMode>(&mut conn) {
                Ok(rows) => rows,
                Err(e) => return fail(&tx, &e),
            };
            let mut in_chunk = 0;
            for row in rows {
                match row {
                    Ok(row) => write(&row, &mut out),
                    Err(e) => return fail(&tx, &e),
                }
                in_chunk += 1;
                if in_chunk == CHUNK_ROWS {
                    in_chunk = 0;
                    if tx.blocking_send(Ok(out.take())).is_err() {
                        return; // the browser went away
                    }
                }
            }
            let rest = out.take();
            if !rest.is_empty() {
                let _ = tx.blocking_send(Ok(rest));
            }
        })
        .map_err(AppError::internal)?;
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file_name}\""),
        ))
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_restored() {
        for cell in ["=1+1", "+45 1234", "-5", "@SUM(A1)", "\tx", "'=already"] {
            let out = neutralise(cell);
            assert!(out.starts_with('\''), "{cell}");
            assert_eq!(unneutralise(&out), cell);
        }
        assert_eq!(neutralise("Acme"), "Acme");
        assert_eq!(unneutralise("'quoted"), "'quoted");
    }

    #[test]
    fn records_are_quoted_and_neutralised() {
        let mut out = CsvBuffer::default();
        out.write(&["CT1", "=HYPERLINK(\"x\")", "a,b", "+45 12", "plain"]);
        assert_eq!(
            String::from_utf8(out.take().to_vec()).unwrap(),
            "CT1,\"'=HYPERLINK(\"\"x\"\")\",\"a,b\",'+45 12,plain\n"
        );
    }
}
