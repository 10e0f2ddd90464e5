//! Downloads streamed from the database, as CSV or as an Excel workbook: rows are read one by
//! one (libpq single-row mode) on a thread of their own; CSV goes to the browser in chunks,
//! a workbook is written row by row to a temporary file ([`super::xlsx`]) and then sent, so
//! memory does not grow with the number of rows either way. CSV cells that a spreadsheet
//! could run as formulas are neutralised; a workbook holds text cells, never formulas.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use bytes::Bytes;
use diesel::pg::{Pg, PgRowByRowLoadingMode};
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use tokio::sync::Semaphore;

use crate::db::DbPool;
use crate::web::pages::ErrorPage;
use crate::web::{render, AppError, AppResult, Layout};

/// One cell of an exported row, typed: CSV writes each as text, a workbook as text, a number
/// or a date.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    Text(Cow<'a, str>),
    /// A whole number (an entry number, minutes).
    Int(i64),
    /// An amount with two decimals (CSV: `12.50`).
    Amount(f64),
    Date(chrono::NaiveDate),
    /// No value in a column of numbers or dates (an opportunity not yet on a stage): empty,
    /// and unlike an empty text, it does not make a workbook's column text.
    Empty,
}

impl<'a> Cell<'a> {
    pub fn text(value: &'a str) -> Self {
        Cell::Text(Cow::Borrowed(value))
    }

    /// An optional text, empty when `None`.
    pub fn opt(value: &'a Option<String>) -> Self {
        Cell::text(value.as_deref().unwrap_or(""))
    }

    /// The cell as CSV writes it (before neutralising).
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(t) => Cow::Borrowed(t.as_ref()),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Amount(a) => Cow::Owned(format!("{a:.2}")),
            Cell::Date(d) => Cow::Owned(d.format("%Y-%m-%d").to_string()),
            Cell::Empty => Cow::Borrowed(""),
        }
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(value: &'a str) -> Self {
        Cell::text(value)
    }
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(value: &'a String) -> Self {
        Cell::text(value)
    }
}

/// A row of an export: its cells, in the order of the export's header.
pub trait Record {
    fn cells(&self) -> Vec<Cell<'_>>;
    /// Whether its files are imported back (the contact list): then a cell of apostrophes
    /// before a formula character gets one more, which import takes off ([`guard_apostrophes`]).
    /// Other files (segment lines for a mail merge, interactions) hold their values as they are:
    /// a name `''=twice` went out as `'''=twice`.
    const IMPORTED_BACK: bool = false;
}

/// What a download is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// How many downloads an instance streams at once. Each holds a connection of the long work's
/// pool (`AppState::long_pool`) for the whole download, so at most half of them go to
/// downloads and a segment step always gets one; past that a download waits a second for a
/// place, then is answered 503 with `Retry-After`. Pages have connections of their own.
pub struct ExportCap {
    permits: Arc<Semaphore>,
    size: usize,
    /// How long a download waits for its browser to take the next chunk before it ends.
    stall: std::time::Duration,
    /// How long a download waits for a connection of the long work's pool before it is
    /// refused.
    wait: std::time::Duration,
}

impl ExportCap {
    pub fn new(pool_size: u32, stall: std::time::Duration, wait: std::time::Duration) -> Self {
        let size = (pool_size as usize / 2).max(1);
        ExportCap {
            permits: Arc::new(Semaphore::new(size)),
            size,
            stall,
            wait,
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }
}

/// How long a download waits for its place among the downloads before it is refused.
const PLACE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Seconds a refused download is told to wait.
const BUSY_RETRY_AFTER: u64 = 5;

/// Why a download is refused for now.
enum Busy {
    /// As many downloads run as the instance streams at once.
    Downloads,
    /// The long work's connections are all taken (an import, segment steps).
    LongWork,
}

fn busy(req: &HttpRequest, cap: &ExportCap, why: Busy) -> AppResult<HttpResponse> {
    let (title, message) = match why {
        Busy::Downloads => (
            "Too many downloads at once",
            format!(
                "{} downloads are running on this server, as many as it streams at once so \
                 that pages stay quick. Nothing is wrong with yours: try again in a few seconds.",
                cap.size
            ),
        ),
        Busy::LongWork => (
            "The server is busy with long work",
            "An import, segment steps or other downloads hold every connection this server \
             keeps for long work. Nothing is wrong with yours: try again in a few seconds."
                .to_string(),
        ),
    };
    let page = ErrorPage {
        layout: Layout::from_request(req),
        status: 503,
        title,
        message,
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

/// The characters a spreadsheet may take as the start of a formula (the old, wider rule:
/// [`unneutralise`] still strips the apostrophe it used to add before any of them).
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

/// Whether `rest` is a plain number or phone number: digits, with spaces, `.` and `,` between
/// them (`45 69 22 73 45`, `12.50`, `1.472,50`), and nothing a formula could use.
fn plain_number(rest: &str) -> bool {
    rest.chars().any(|c| c.is_ascii_digit())
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | ','))
}

/// Whether a spreadsheet could run the cell as a function: it starts with `=` or `@`, a tab or
/// a carriage return, or with `+` or `-` followed by anything but a plain number
/// (`+45 69 22 73 45` and `-12.50` are values; `+cmd|…`, `-2+3` are formulas).
pub fn could_run(cell: &str) -> bool {
    let mut chars = cell.chars();
    match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !plain_number(chars.as_str()),
        _ => false,
    }
}

/// A cell that [`could_run`] gets a leading apostrophe, so spreadsheets show it as text
/// instead of running it; so does a cell that already starts with apostrophes before a
/// formula character (`'+45`), so that [`unneutralise`] gives back exactly the original.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if could_run(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        guard_apostrophes(cell)
    }
}

/// A cell that starts with apostrophes before a formula character (`'+45`) gets one more, so
/// that [`unneutralise`], which import applies to every cell (a CSV export opened in Excel
/// and saved as a workbook keeps CSV's guard), gives back exactly the original. A workbook's
/// text cell cannot run, so this is all its cells need.
pub fn guard_apostrophes(cell: &str) -> Cow<'_, str> {
    if cell.starts_with('\'') && formula_after_apostrophes(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Undoes [`neutralise`], so that import accepts what export wrote (and what exports wrote
/// before phone numbers and signed amounts went out as they are: `'+45 1234` reads `+45 1234`).
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_after_apostrophes(rest) => rest,
        _ => cell,
    }
}

/// Writes neutralised CSV records (RFC 4180 quoting) into a buffer handed out in chunks.
pub struct CsvBuffer {
    out: Vec<u8>,
    /// Whether the file is imported back ([`Record::IMPORTED_BACK`]).
    pub imported_back: bool,
}

impl Default for CsvBuffer {
    fn default() -> Self {
        CsvBuffer {
            out: Vec::with_capacity(64 * 1024),
            imported_back: true,
        }
    }
}

impl CsvBuffer {
    /// UTF-8's byte-order mark, first in a file: Excel opens a CSV file without it as the
    /// system's code page, and every "ø" of a Nordic name shows as "Ã¸" (and is saved so).
    /// Import takes it off again.
    pub fn byte_order_mark(&mut self) {
        self.out.extend_from_slice("\u{feff}".as_bytes());
    }

    pub fn write<S: AsRef<str>>(&mut self, cells: &[S]) {
        self.write_iter(cells.iter().map(|c| Cow::Borrowed(c.as_ref())));
    }

    /// Writes typed cells as text.
    pub fn write_cells(&mut self, cells: &[Cell<'_>]) {
        self.write_iter(cells.iter().map(Cell::as_text));
    }

    fn write_iter<'c>(&mut self, cells: impl Iterator<Item = Cow<'c, str>>) {
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            let cell = if self.imported_back {
                neutralise(cell.as_ref())
            } else if could_run(cell.as_ref()) {
                Cow::Owned(format!("'{cell}"))
            } else {
                cell
            };
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

/// Where a download's thread sends its chunks, and how long it waits for the browser to take
/// one: a download paused in the browser (or a machine gone to sleep) would hold its
/// connection of the long work's pool and its place among the downloads for as long as it
/// stays paused, and a few of them would refuse everyone's downloads.
pub(crate) struct Download {
    tx: tokio::sync::mpsc::Sender<Chunk>,
    stall: std::time::Duration,
    /// Set when the download ends for its stall.
    stalled: Arc<AtomicBool>,
    /// The timer the wait needs (the thread is none of the server's).
    runtime: tokio::runtime::Runtime,
}

impl Download {
    /// Sends a chunk; `Err(Gone)` when nobody listens any more, or the browser took nothing
    /// for the stall's time.
    pub(crate) fn send(&self, bytes: Bytes) -> Result<(), Gone> {
        let sent = self
            .runtime
            .block_on(self.tx.send_timeout(Ok(bytes), self.stall));
        if let Err(tokio::sync::mpsc::error::SendTimeoutError::Timeout(_)) = sent {
            self.stalled.store(true, Ordering::Release);
            tracing::warn!(
                seconds = self.stall.as_secs(),
                "download ended: the browser took nothing"
            );
        }
        sent.map_err(|_| Gone)
    }

    /// Whether the browser went away.
    pub(crate) fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Ends the download as broken, so that the browser says it failed.
    fn fail(&self) {
        let _ = self.runtime.block_on(
            self.tx
                .send_timeout(Err(std::io::Error::other("export failed")), self.stall),
        );
    }
}

/// Answers with a download named `file_stem` plus the format's extension: `header`, then one
/// record per row of the query `build` makes; or 503 when the instance streams as many
/// downloads as [`ExportCap`] allows, or no connection of the long work's pool is free within
/// its wait (the answer waits for it, no worker does).
pub async fn stream<R, Q>(
    req: &HttpRequest,
    cap: &ExportCap,
    pool: DbPool,
    format: Format,
    file_stem: &str,
    header: &'static [&'static str],
    build: Q,
) -> AppResult<HttpResponse>
where
    R: QueryableByName<Pg> + Record + 'static,
    Q: FnOnce() -> BoxedSqlQuery<'static, Pg, SqlQuery> + Send + 'static,
{
    // A HEAD (a link checker, `curl -I`) learns what the download is without running the
    // export, whose rows the server would read only to leave them out.
    if req
        .extensions()
        .get::<super::middleware::AskedHead>()
        .is_some()
    {
        return Ok(download_response(format, file_stem).finish());
    }
    // A download asked as the previous one ends finds its place given back a moment later.
    let Ok(Ok(permit)) =
        tokio::time::timeout(PLACE_WAIT, cap.permits.clone().acquire_owned()).await
    else {
        return busy(req, cap, Busy::Downloads);
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(4);
    let (stall, wait, stalled) = (cap.stall, cap.wait, Arc::new(AtomicBool::new(false)));
    let stalled_here = stalled.clone();
    // Whether the download got its connection: the answer waits for it, so that a download
    // with none in time (an import or steps hold the long work's connections) is refused
    // instead of answered 200 and ended as a broken file.
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<bool>();
    // The export's log lines (a slow statement, a failure) name the request that asked for it.
    let span = tracing::Span::current();
    std::thread::Builder::new()
        .name("export".into())
        .spawn(move || {
            let _entered = span.enter();
            let mut conn = match pool.get_timeout(wait) {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "export refused: no connection for long work");
                    let _ = ready_tx.send(false);
                    return;
                }
            };
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    tracing::error!(error = %e, "export failed: no timer");
                    return;
                }
            };
            let _ = ready_tx.send(true);
            let download = Download {
                tx,
                stall,
                stalled: stalled_here,
                runtime,
            };
            let result = match format {
                Format::Csv => write_csv::<R, _>(&mut conn, header, build, &download),
                Format::Xlsx => super::xlsx::write::<R, _>(&mut conn, header, build, &download),
            };
            if let Err(e) = result {
                tracing::error!(error = %format!("{e:#}"), "export failed");
                download.fail();
            }
            // The connection and the place among the downloads (given back however the
            // download ends) first, then the body's end: the browser's next download, asked
            // as soon as this one is whole, finds both free.
            drop(conn);
            drop(permit);
            drop(download);
        })
        .map_err(AppError::internal)?;
    if !ready_rx.await.unwrap_or(false) {
        return busy(req, cap, Busy::LongWork);
    }
    // A download ended for its stall ends as broken, not as a shorter file that looks whole:
    // the chunks sent before it, then an error, and the browser says the download failed.
    let body = futures_util::stream::unfold(Some((rx, stalled)), |state| async move {
        let (mut rx, stalled) = state?;
        match rx.recv().await {
            Some(chunk) => Some((chunk, Some((rx, stalled)))),
            None if stalled.load(Ordering::Acquire) => {
                Some((Err(std::io::Error::other("download stalled")), None))
            }
            None => None,
        }
    });
    Ok(download_response(format, file_stem).streaming(body))
}

/// A download's answer, before its body: the format's type and the file's name.
fn download_response(format: Format, file_stem: &str) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.content_type(format.content_type()).insert_header((
        "Content-Disposition",
        attachment(&format!("{file_stem}.{}", format.extension())),
    ));
    res
}

/// A download's Content-Disposition for `file_name`: a plain name for every browser (what is
/// not a letter, a digit, `.`, `-` or `_` becomes `_`), and the name as it is for those that
/// read RFC 6266's `filename*`. A segment's No. may hold `"` or `;` (a series' prefix), which
/// cut the quoted name short (`segment-S"X;00001.csv` was saved as `segment-S`), and letters
/// beyond ASCII, which went as raw bytes.
pub(crate) fn attachment(file_name: &str) -> String {
    let plain_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_');
    let plain: String = file_name
        .chars()
        .map(|c| match u8::try_from(c) {
            Ok(b) if plain_byte(b) => c,
            _ => '_',
        })
        .collect();
    if plain == file_name {
        return format!("attachment; filename=\"{plain}\"");
    }
    let encoded = super::percent_encoded(file_name, plain_byte);
    format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

/// Whether the browser went away (nothing more to send).
pub(crate) struct Gone;

/// The rows of the query, one at a time, each handed to `each`; stops early (with `Ok`) when
/// `each` says the browser went away.
pub(crate) fn for_each_row<R, Q>(
    conn: &mut PgConnection,
    build: Q,
    mut each: impl FnMut(&R) -> anyhow::Result<Result<(), Gone>>,
) -> anyhow::Result<Result<(), Gone>>
where
    R: QueryableByName<Pg> + 'static,
    Q: FnOnce() -> BoxedSqlQuery<'static, Pg, SqlQuery>,
{
    for row in build().load_iter::<R, PgRowByRowLoadingMode>(conn)? {
        if let Err(gone) = each(&row?)? {
            return Ok(Err(gone));
        }
    }
    Ok(Ok(()))
}

fn write_csv<R, Q>(
    conn: &mut PgConnection,
    header: &'static [&'static str],
    build: Q,
    download: &Download,
) -> anyhow::Result<()>
where
    R: QueryableByName<Pg> + Record + 'static,
    Q: FnOnce() -> BoxedSqlQuery<'static, Pg, SqlQuery>,
{
    let mut out = CsvBuffer {
        imported_back: R::IMPORTED_BACK,
        ..CsvBuffer::default()
    };
    out.byte_order_mark();
    out.write(header);
    let mut in_chunk = 0;
    let sent = for_each_row(conn, build, |row: &R| {
        out.write_cells(&row.cells());
        in_chunk += 1;
        if in_chunk == CHUNK_ROWS {
            in_chunk = 0;
            return Ok(download.send(out.take()));
        }
        Ok(Ok(()))
    })?;
    let rest = out.take();
    if sent.is_ok() && !rest.is_empty() {
        let _ = download.send(rest);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_name_is_plain_and_as_it_is() {
        assert_eq!(
            attachment("segment-SM00001.csv"),
            "attachment; filename=\"segment-SM00001.csv\""
        );
        assert_eq!(
            attachment("segment-S\"X;00001.csv"),
            "attachment; filename=\"segment-S_X_00001.csv\"; filename*=UTF-8''segment-S%22X%3B00001.csv"
        );
        assert_eq!(
            attachment("segment-SØ1.xlsx"),
            "attachment; filename=\"segment-S_1.xlsx\"; filename*=UTF-8''segment-S%C3%981.xlsx"
        );
    }

    #[test]
    fn formulas_are_neutralised_and_restored() {
        for cell in [
            "=1+1",
            "@SUM(A1)",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "-1-1",
            "+A1",
            "-",
            "+",
            "+45 (0)12",
            "\tx",
            "\r=1",
            "'=already",
            "'+45 1234",
            "''-5",
        ] {
            let out = neutralise(cell);
            assert!(out.starts_with('\''), "{cell}");
            assert_eq!(unneutralise(&out), cell);
        }
        for cell in [
            "Acme",
            "+45 69 22 73 45",
            "-12.50",
            "+1.472,50",
            "-5",
            "45-12",
            "'quoted",
        ] {
            assert_eq!(neutralise(cell), cell, "{cell}");
            assert_eq!(unneutralise(cell), cell, "{cell}");
        }
        // What exports wrote before plain numbers went out as they are.
        assert_eq!(unneutralise("'+45 1234"), "+45 1234");
        assert_eq!(unneutralise("'-5"), "-5");
    }

    #[test]
    fn only_what_could_run_a_function_is_guarded() {
        assert!(could_run("=1+1"));
        assert!(could_run("@A1"));
        assert!(could_run("+cmd|' /C calc'!A0"));
        assert!(could_run("-2+3"));
        assert!(could_run("\t1"));
        assert!(!could_run("+45 69 22 73 45"));
        assert!(!could_run("-12.50"));
        assert!(!could_run("a=b"));
        assert!(!could_run(""));
    }

    #[test]
    fn records_are_quoted_and_neutralised() {
        let mut out = CsvBuffer::default();
        out.write(&["CT1", "=HYPERLINK(\"x\")", "a,b", "+45 12", "-2+3", "plain"]);
        assert_eq!(
            String::from_utf8(out.take().to_vec()).unwrap(),
            "CT1,\"'=HYPERLINK(\"\"x\"\")\",\"a,b\",+45 12,'-2+3,plain\n"
        );
    }
}
