//! Contact import, first half: the file (CSV or a workbook, [`super::import_source`]) is read
//! row by row (never whole), each row is checked on its own (its shape and NUL bytes here, its
//! values in [`super::import_check`]) and the good ones are COPYed into a temporary table,
//! `import_rows`, so memory stays flat whatever the size of the file. The checks that need the
//! whole file and the writing are set-based SQL over that table ([`super::import_write`]). All
//! of it runs in one transaction: nothing is imported unless every row is valid.

use std::cell::RefCell;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::io::Write;

use diesel::connection::SimpleConnection;
use diesel::pg::CopyFormat;
use diesel::prelude::*;

use super::csv_format::{unneutralise, COLUMNS, LIST_SEPARATOR};
use super::import_check::{check_row, shown};
use super::import_source::Source;
use crate::demo::copy::CopyBuffer;
use crate::setup;

/// One valid row, ready to be written.
#[derive(Clone, Debug, Default)]
pub struct ImportRow {
    pub line: u64,
    pub no: String,
    pub kind: String,
    pub name: String,
    pub company_no: String,
    pub search_name: String,
    pub job_title: String,
    pub address: String,
    pub address_2: String,
    pub city: String,
    pub post_code: String,
    pub country_code: Option<String>,
    pub phone: String,
    pub mobile: String,
    pub email: String,
    pub website: String,
    pub salesperson_code: Option<String>,
    pub territory_code: Option<String>,
    pub language_code: Option<String>,
    pub correspondence_type: String,
    pub organizational_level_code: Option<String>,
    pub exclude_from_segment: bool,
    pub privacy_blocked: bool,
    pub industry_groups: Vec<String>,
    pub business_relations: Vec<String>,
    pub mailing_groups: Vec<String>,
    pub job_responsibilities: Vec<String>,
    /// The contact's version when the file was exported, if the row gives it, and the id of
    /// the database it was exported from.
    pub version: Option<u64>,
    pub exported_from: String,
    /// The four classification lists as exported, each its codes joined by `|`, when the row
    /// gives them with its version: an update applies the file's changes to them (see
    /// [`super::csv_format::AS_EXPORTED`]).
    pub as_exported: Option<[String; 4]>,
}

/// The problems found; only the first [`Problems::SHOWN`] by line are kept, whatever the
/// order they are found in (row checks first, then the checks over the whole file).
#[derive(Debug)]
pub struct Problems {
    /// (line, order found, message): a max-heap, so the last line kept is dropped first.
    kept: BinaryHeap<(u64, u64, String)>,
    pub count: u64,
    /// What a line is called: "line" (CSV) or "row" (a workbook's sheet).
    pub line_word: &'static str,
}

impl Default for Problems {
    fn default() -> Self {
        Problems {
            kept: BinaryHeap::new(),
            count: 0,
            line_word: "line",
        }
    }
}

impl Problems {
    pub const SHOWN: usize = 500;

    /// The line of a problem of the whole file (a workbook that cannot be opened), which names
    /// no line.
    pub const FILE: u64 = 0;

    pub fn add(&mut self, line: u64, message: impl AsRef<str>) {
        self.count += 1;
        // The text is stored in PostgreSQL, which refuses NUL bytes, and shown a problem a
        // line (one broken by a line break in a reader's message would read as two).
        let message = message
            .as_ref()
            .replace('\0', "\\0")
            .replace(|c: char| c.is_control(), " ");
        self.kept.push((line, self.count, message));
        if self.kept.len() > Self::SHOWN {
            self.kept.pop();
        }
    }

    /// Counts problems that were found but are not given one by one.
    pub fn add_uncounted(&mut self, extra: u64) {
        self.count += extra;
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The first [`Self::SHOWN`] problems in line order, as "line 12: …" ("row 12: …" in a
    /// workbook); a problem of the whole file ([`Self::FILE`]) as it is, first.
    pub fn lines(&self) -> Vec<String> {
        let mut kept: Vec<&(u64, u64, String)> = self.kept.iter().collect();
        kept.sort();
        kept.into_iter()
            .map(|(line, _, m)| match line {
                0 => m.clone(),
                _ => format!("{} {line}: {m}", self.line_word),
            })
            .collect()
    }
}

/// The codes a file may use, loaded once.
#[derive(Default)]
pub struct Codes {
    tables: HashMap<&'static str, HashSet<String>>,
    /// Codes an administrator renamed, with what they are called now, by table: a file
    /// exported before the rename names the old code (it was refused as unknown, and an
    /// update that emptied a list cell left the renamed code on the contact, "unchanged").
    renamed: HashMap<&'static str, HashMap<String, String>>,
}

impl Codes {
    pub fn load(conn: &mut PgConnection) -> QueryResult<Codes> {
        let mut tables = HashMap::new();
        let mut renamed = HashMap::new();
        for table in [
            "salespeople",
            "territories",
            "countries",
            "languages",
            "organizational_levels",
            "industry_groups",
            "business_relations",
            "mailing_groups",
            "job_responsibilities",
        ] {
            let codes = setup::options(conn, table)?
                .into_iter()
                .map(|o| o.code.to_string())
                .collect();
            if let Some(setup_table) = setup::registry::by_table(table) {
                renamed.insert(
                    table,
                    setup::support::renamed_codes(conn, setup_table, &codes)?,
                );
            }
            tables.insert(table, codes);
        }
        Ok(Codes { tables, renamed })
    }

    pub(super) fn has(&self, table: &str, code: &str) -> bool {
        self.tables.get(table).is_some_and(|t| t.contains(code))
    }

    /// The lists of [`super::csv_format::read_as_exported`] (each column's codes, sorted,
    /// joined by `|`) with their codes as they are called now.
    pub(super) fn lists_now(&self, lists: [String; 4]) -> [String; 4] {
        let mut i = 0;
        lists.map(|list| {
            let table = super::csv_format::LISTS[i];
            i += 1;
            let mut codes: Vec<String> = list
                .split(super::csv_format::LIST_SEPARATOR)
                .filter(|c| !c.is_empty())
                .map(|c| self.now(table, c.to_string()))
                .collect();
            codes.sort();
            codes.dedup();
            codes.join(&super::csv_format::LIST_SEPARATOR.to_string())
        })
    }

    /// `code` of `table` as it is called now: itself, or what an administrator renamed it to.
    pub(super) fn now(&self, table: &str, code: String) -> String {
        if self.has(table, &code) {
            return code;
        }
        self.renamed
            .get(table)
            .and_then(|r| r.get(&code))
            .cloned()
            .unwrap_or(code)
    }
}

/// Rows read between two progress reports.
pub const PROGRESS_EVERY: u64 = 5_000;

/// Bytes of COPY data handed to the connection at a time.
const COPY_CHUNK: usize = 1 << 20;

/// How many refused rows' Nos [`RowReader::refused`] keeps.
const REFUSED_KEPT: usize = 100_000;

/// Reads a file row by row: the header line first, then each row checked on its own.
/// Holds one row at a time.
pub struct RowReader<'s> {
    source: &'s mut dyn Source,
    headers: Vec<String>,
    /// The header's cells up to its last named one.
    named: usize,
    index: HashMap<String, usize>,
    record: csv::StringRecord,
    /// Whether the file is CSV, whose lines may be cut short (a workbook's rows leave their
    /// trailing empty cells out by nature).
    csv: bool,
    read: u64,
    done: bool,
    /// The line the file could not be read at (not UTF-8, a quote never closed): nothing after
    /// it was read.
    stopped_at: Option<u64>,
    /// The Nos of the rows refused for their own problems (the first [`REFUSED_KEPT`]): a person
    /// naming one as its company is not told its company is missing (the company's line says
    /// what is wrong with it).
    pub refused: Vec<String>,
}

/// A workbook's column as Excel names it: A for the first (index 0), Z, AA, AB…
pub(super) fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// A row's cells composed (`db::text::composed`), when any is not: a file from a Mac may
/// write "Århus" as "A" and a combining ring.
fn composed(record: &mut csv::StringRecord) {
    if record.iter().all(unicode_normalization::is_nfc) {
        return;
    }
    let position = record.position().cloned();
    let cells: Vec<String> = record
        .iter()
        .map(|c| crate::db::text::composed(c).into_owned())
        .collect();
    *record = csv::StringRecord::from(cells);
    record.set_position(position);
}

impl<'s> RowReader<'s> {
    /// Reads and checks the header line; `None` (with the problems) when it is not usable.
    pub fn new(source: &'s mut dyn Source, problems: &mut Problems) -> Option<Self> {
        problems.line_word = source.line_word();
        let csv = source.line_word() == "line";
        let mut record = csv::StringRecord::new();
        // Blank lines before the header (a file saved with an empty first line) are passed
        // over: the header was taken as empty, and "the column \"type\" is missing" said
        // nothing of why.
        let mut read = source.next_record(&mut record);
        while matches!(read, Ok(true))
            && record
                .iter()
                .all(|c| c.trim().trim_start_matches('\u{feff}').is_empty())
        {
            read = source.next_record(&mut record);
        }
        // The header's line, where its problems are said.
        let at = record.position().map_or(1, |p| p.line().max(1));
        let headers: Vec<String> = match read {
            // Lines that end in a carriage return alone (the "CSV" of an old Mac) read as one
            // header holding the whole file: "unknown columns: name company…" said nothing
            // of why.
            Ok(true) if csv && record.iter().any(|c| c.contains('\r')) => {
                problems.add(1, super::import_source::CR_ALONE);
                return None;
            }
            Ok(true) => record
                .iter()
                .map(|c| crate::db::text::trimmed(c).to_lowercase())
                .collect(),
            Ok(false) => {
                problems.add(1, "the file has no header line");
                return None;
            }
            Err(e) => {
                problems.add(e.line, e.message);
                return None;
            }
        };
        let before = problems.count;
        let unknown: Vec<&str> = headers
            .iter()
            .filter(|h| !h.is_empty() && !COLUMNS.contains(&h.as_str()))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            problems.add(
                at,
                format!(
                    "unknown column{}: {}",
                    if unknown.len() == 1 { "" } else { "s" },
                    some_of(&unknown)
                ),
            );
        }
        // Each name given more than once, named once, in the header's order.
        let mut seen = std::collections::HashSet::new();
        let mut named = std::collections::HashSet::new();
        let twice: Vec<&str> = headers
            .iter()
            .filter(|h| !h.is_empty() && !seen.insert(h.as_str()) && named.insert(h.as_str()))
            .map(String::as_str)
            .collect();
        if !twice.is_empty() {
            problems.add(
                at,
                if twice.len() == 1 {
                    format!(
                        "the column {} appears more than once: keep one",
                        some_of(&twice)
                    )
                } else {
                    format!(
                        "the columns {} appear more than once: keep one of each",
                        some_of(&twice)
                    )
                },
            );
        }
        for required in ["type", "name"] {
            if !headers.iter().any(|h| h == required) {
                problems.add(at, format!("the column \"{required}\" is missing"));
            }
        }
        if problems.count > before {
            return None;
        }
        let index = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.is_empty())
            .map(|(i, h)| (h.clone(), i))
            .collect();
        // A header ending in a separator ("type;name;") has a cell of no name at its end: a
        // line without it empties no column.
        let named = headers
            .iter()
            .rposition(|h| !h.is_empty())
            .map_or(0, |i| i + 1);
        Some(RowReader {
            source,
            headers,
            named,
            index,
            record,
            csv,
            read: 0,
            done: false,
            stopped_at: None,
            refused: Vec::new(),
        })
    }

    /// Rows read so far (blank ones too).
    pub fn rows_read(&self) -> u64 {
        self.read
    }

    /// The columns the file has (its header line, lower case), in [`COLUMNS`] order.
    pub fn columns(&self) -> Vec<&'static str> {
        COLUMNS
            .iter()
            .copied()
            .filter(|c| self.index.contains_key(*c))
            .collect()
    }

    /// The next row: `Some(Some(row))` when it is valid, `Some(None)` when its problems were
    /// added (its No. kept in [`Self::refused`]), `None` at the end of the file (or where it
    /// stops being readable).
    pub fn next_row(
        &mut self,
        codes: &Codes,
        problems: &mut Problems,
    ) -> Option<Option<ImportRow>> {
        let row = self.read_row(codes, problems);
        if let Some(None) = row {
            let no = self
                .index
                .get("no")
                .and_then(|&i| self.record.get(i))
                .map(|v| crate::db::text::trimmed(unneutralise(v)).to_uppercase())
                .unwrap_or_default();
            // Kept up to a bound, so that memory stays flat whatever the file: past it (a file
            // of 100,000 refused rows), persons may again be told a refused company is missing.
            // (A No. with a NUL byte, refused for it, is no company any person could name.)
            if !no.is_empty() && !no.contains('\0') && self.refused.len() < REFUSED_KEPT {
                self.refused.push(no);
            }
        }
        row
    }

    fn read_row(&mut self, codes: &Codes, problems: &mut Problems) -> Option<Option<ImportRow>> {
        loop {
            if self.done {
                return None;
            }
            match self.source.next_record(&mut self.record) {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) => composed(&mut self.record),
                Err(e) => {
                    problems.add(e.line, e.message);
                    self.stopped_at = Some(e.line);
                    self.done = true;
                    return None;
                }
            }
            self.read += 1;
            let line = self
                .record
                .position()
                .map(|p| p.line())
                .unwrap_or(self.read + 1);
            if self.record.iter().all(str::is_empty) {
                continue;
            }
            // PostgreSQL refuses NUL in text: name the cell instead of failing the load.
            let mut has_nul = false;
            for (i, cell) in self.record.iter().enumerate() {
                if cell.contains('\0') {
                    has_nul = true;
                    let column = self.headers.get(i).map(String::as_str).unwrap_or("?");
                    problems.add(
                        line,
                        format!("{column} contains a NUL byte (column {})", i + 1),
                    );
                }
            }
            if has_nul {
                return Some(None);
            }
            // A value where the header names no column would be lost: more cells than the
            // header has (a comma inside a value without quotes: "Acme, Inc"), or a column
            // whose header cell is empty.
            let mut lost = false;
            for (i, cell) in self.record.iter().enumerate() {
                if cell.trim().is_empty() {
                    continue;
                }
                let why = match self.headers.get(i) {
                    None if self.csv => format!(
                        "has a value in column {} (\"{}\"), past the header's {} columns: a \
                         value holding the separator must be in quotes",
                        i + 1,
                        shown(cell),
                        self.headers.len()
                    ),
                    // A workbook has no separators to quote: a note typed beside the table.
                    None => format!(
                        "has a value in column {} (\"{}\"), whose first row names no column: \
                         name the column in the first row, or clear the cell",
                        column_letters(i),
                        shown(cell)
                    ),
                    Some(h) if h.is_empty() => format!(
                        "has a value in column {} (\"{}\"), whose header cell is empty: name \
                         the column or empty it",
                        if self.csv {
                            (i + 1).to_string()
                        } else {
                            column_letters(i)
                        },
                        shown(cell)
                    ),
                    Some(_) => continue,
                };
                problems.add(line, why);
                lost = true;
            }
            if lost {
                return Some(None);
            }
            // A CSV line with fewer cells than its header (cut short by hand): its missing
            // cells would read as empty, and an update would empty those columns. (A
            // workbook's rows leave trailing empty cells out by nature.)
            if self.csv && self.record.len() < self.named {
                problems.add(
                    line,
                    format!(
                        "has {} cells where the header has {}: add the missing separators, or \
                         the columns after its last cell would be emptied",
                        self.record.len(),
                        self.named
                    ),
                );
                return Some(None);
            }
            let (index, record) = (&self.index, &self.record);
            // CSV's formula guard comes off in a workbook too: a CSV export opened in Excel
            // shows it ('+45 1234) and keeps it when saved as a workbook.
            let get = |name: &str| -> String {
                index
                    .get(name)
                    .and_then(|&i| record.get(i))
                    .map(unneutralise)
                    .map(|v| crate::db::text::trimmed(v).to_string())
                    .unwrap_or_default()
            };
            let has = |name: &str| index.contains_key(name);
            return Some(match check_row(line, &get, &has, codes) {
                Ok(row) => Some(row),
                Err(messages) => {
                    for m in messages {
                        problems.add(line, m);
                    }
                    None
                }
            });
        }
    }
}

diesel::table! {
    /// The rows of the file being imported (a temporary table of the import's transaction).
    import_rows (line) {
        line -> BigInt,
        /// The row's place among the rows without a number (1, 2, …), which get the next free
        /// numbers of the Contacts series in this order; NULL when the file gives the number.
        missing -> Nullable<BigInt>,
        id -> BigInt,
        no -> Text,
        kind -> Text,
        name -> Text,
        company_no -> Text,
        search_name -> Text,
        job_title -> Text,
        address -> Text,
        address_2 -> Text,
        city -> Text,
        post_code -> Text,
        country_code -> Nullable<Text>,
        phone -> Text,
        mobile -> Text,
        email -> Text,
        website -> Text,
        salesperson_code -> Nullable<Text>,
        territory_code -> Nullable<Text>,
        language_code -> Nullable<Text>,
        correspondence_type -> Text,
        organizational_level_code -> Nullable<Text>,
        exclude_from_segment -> Bool,
        privacy_blocked -> Bool,
        industry_groups -> Text,
        business_relations -> Text,
        mailing_groups -> Text,
        job_responsibilities -> Text,
        version -> Nullable<BigInt>,
        exported_from -> Text,
        as_exported -> Nullable<Text>,
    }
}

/// The temporary table; ids are taken from the contacts' sequence as rows arrive.
const CREATE_IMPORT_ROWS: &str = "CREATE TEMPORARY TABLE import_rows (
    line BIGINT NOT NULL,
    missing BIGINT,
    id BIGINT NOT NULL DEFAULT nextval('contacts_id_seq'),
    no TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    company_no TEXT NOT NULL,
    search_name TEXT NOT NULL,
    job_title TEXT NOT NULL,
    address TEXT NOT NULL,
    address_2 TEXT NOT NULL,
    city TEXT NOT NULL,
    post_code TEXT NOT NULL,
    country_code TEXT,
    phone TEXT NOT NULL,
    mobile TEXT NOT NULL,
    email TEXT NOT NULL,
    website TEXT NOT NULL,
    salesperson_code TEXT,
    territory_code TEXT,
    language_code TEXT,
    correspondence_type TEXT NOT NULL,
    organizational_level_code TEXT,
    exclude_from_segment BOOLEAN NOT NULL,
    privacy_blocked BOOLEAN NOT NULL,
    industry_groups TEXT NOT NULL,
    business_relations TEXT NOT NULL,
    mailing_groups TEXT NOT NULL,
    job_responsibilities TEXT NOT NULL,
    version BIGINT,
    exported_from TEXT NOT NULL,
    -- The four classification lists as exported, in the order of the file's columns, each
    -- its codes joined by |, the four by a space (a code has none); NULL: not given.
    as_exported TEXT,
    -- The contact in Rapport with the row's No., when the import updates those
    -- ([`super::import_write::match_existing`]); not part of the COPY.
    existing_id BIGINT
) ON COMMIT DROP";

impl ImportRow {
    /// The row in COPY text format, in the column order of [`stage`]'s COPY.
    fn write_copy(&self, missing: Option<u64>, out: &mut CopyBuffer) {
        let list = |codes: &[String]| codes.join(&LIST_SEPARATOR.to_string());
        out.number(self.line)
            .opt_number(missing)
            .text(&self.no)
            .text(&self.kind)
            .text(&self.name)
            .text(&self.company_no)
            .text(&self.search_name)
            .text(&self.job_title)
            .text(&self.address)
            .text(&self.address_2)
            .text(&self.city)
            .text(&self.post_code)
            .opt_text(self.country_code.as_deref())
            .text(&self.phone)
            .text(&self.mobile)
            .text(&self.email)
            .text(&self.website)
            .opt_text(self.salesperson_code.as_deref())
            .opt_text(self.territory_code.as_deref())
            .opt_text(self.language_code.as_deref())
            .text(&self.correspondence_type)
            .opt_text(self.organizational_level_code.as_deref())
            .boolean(self.exclude_from_segment)
            .boolean(self.privacy_blocked)
            .text(&list(&self.industry_groups))
            .text(&list(&self.business_relations))
            .text(&list(&self.mailing_groups))
            .text(&list(&self.job_responsibilities))
            .opt_number(self.version)
            .text(&self.exported_from)
            .opt_text(
                self.as_exported
                    .as_ref()
                    .map(|lists| lists.join(" "))
                    .as_deref(),
            );
        out.end_row();
    }
}

/// What [`stage`] read.
#[derive(Debug, Default)]
pub struct Staged {
    /// Valid rows now in `import_rows`.
    pub rows: u64,
    /// Of those, rows without a number.
    pub missing: u64,
    /// Rows read, blank ones included.
    pub read: u64,
    /// The columns the file has, in [`COLUMNS`] order.
    pub columns: Vec<&'static str>,
    pub problems: Problems,
    /// The Nos of the rows refused for their own problems ([`RowReader::refused`]).
    pub refused: Vec<String>,
    /// The line the file could not be read at, when it could not be read to its end: the
    /// checks of the whole file (companies named, numbers given twice) are not run over the
    /// part read, which would report a company named on a later line as missing.
    pub stopped_at: Option<u64>,
}

/// Reads the file row by row, checks each row on its own and COPYs the valid ones into the
/// temporary table `import_rows` in one streamed COPY (so memory holds one row and a 1 MB
/// buffer). `progress` is called with the rows read so far every [`PROGRESS_EVERY`] rows.
/// Call inside the import's transaction.
pub fn stage(
    conn: &mut PgConnection,
    source: &mut dyn Source,
    codes: &Codes,
    progress: impl FnMut(u64),
) -> QueryResult<Staged> {
    conn.batch_execute(CREATE_IMPORT_ROWS)?;
    let mut staged = Staged::default();
    let Some(reader) = RowReader::new(source, &mut staged.problems) else {
        return Ok(staged);
    };
    let state = RefCell::new((reader, staged, progress));
    {
        use import_rows::dsl as r;
        diesel::copy_from(import_rows::table)
            .from_raw_data(
                (
                    r::line,
                    r::missing,
                    r::no,
                    r::kind,
                    r::name,
                    r::company_no,
                    r::search_name,
                    r::job_title,
                    r::address,
                    r::address_2,
                    r::city,
                    r::post_code,
                    r::country_code,
                    r::phone,
                    r::mobile,
                    r::email,
                    r::website,
                    r::salesperson_code,
                    r::territory_code,
                    r::language_code,
                    r::correspondence_type,
                    r::organizational_level_code,
                    r::exclude_from_segment,
                    r::privacy_blocked,
                    r::industry_groups,
                    r::business_relations,
                    r::mailing_groups,
                    r::job_responsibilities,
                    r::version,
                    r::exported_from,
                    r::as_exported,
                ),
                |out: &mut dyn Write| -> QueryResult<()> {
                    let mut state = state.borrow_mut();
                    let (reader, staged, progress) = &mut *state;
                    let mut buffer = CopyBuffer::with_capacity(COPY_CHUNK + 64 * 1024);
                    let io =
                        |e: std::io::Error| diesel::result::Error::SerializationError(e.into());
                    while let Some(row) = reader.next_row(codes, &mut staged.problems) {
                        if let Some(row) = row {
                            staged.rows += 1;
                            let missing = row.no.is_empty().then(|| {
                                staged.missing += 1;
                                staged.missing
                            });
                            row.write_copy(missing, &mut buffer);
                            if buffer.len() >= COPY_CHUNK {
                                out.write_all(&buffer.bytes).map_err(io)?;
                                buffer.clear();
                            }
                        }
                        if reader.rows_read().is_multiple_of(PROGRESS_EVERY) {
                            progress(reader.rows_read());
                        }
                    }
                    out.write_all(&buffer.bytes).map_err(io)?;
                    Ok(())
                },
            )
            .with_format(CopyFormat::Text)
            .execute(conn)?;
    }
    let (mut reader, mut staged, mut progress) = state.into_inner();
    staged.refused = std::mem::take(&mut reader.refused);
    staged.stopped_at = reader.stopped_at;
    staged.read = reader.rows_read();
    staged.columns = reader.columns();
    progress(staged.read);
    if staged.rows == 0 && staged.problems.is_empty() {
        staged.problems.add(1, "the file has no contacts");
    }
    // The checks and the writing join this table: plan them with its real size.
    conn.batch_execute("ANALYZE import_rows")?;
    Ok(staged)
}

/// The columns as a header line, for the import page's example.
pub fn header_line() -> String {
    COLUMNS.join(",")
}

/// Names listed for a problem: the first ten, and how many more (a header of thousands of
/// stray columns is one line of reason, not a page).
fn some_of(names: &[&str]) -> String {
    const SHOWN: usize = 10;
    let mut out = names[..names.len().min(SHOWN)]
        .iter()
        .map(|name| shown(name))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        out.push_str(&format!(
            " and {} more",
            crate::web::pagination::thousands((names.len() - SHOWN) as i64)
        ));
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_workbooks_columns_are_named_by_letters() {
        let names: Vec<String> = [0, 3, 25, 26, 27, 701, 702]
            .into_iter()
            .map(super::column_letters)
            .collect();
        assert_eq!(names, ["A", "D", "Z", "AA", "AB", "ZZ", "AAA"]);
    }

    use super::super::import_source::CsvSource;
    use super::*;

    /// Every row of a file, checked (what [`stage`] COPYs, in memory).
    fn parse(data: &[u8], codes: &Codes, _progress: impl FnMut(u64)) -> (Vec<ImportRow>, Problems) {
        let mut problems = Problems::default();
        let mut rows = Vec::new();
        let mut source = CsvSource::new(data, b',');
        if let Some(mut reader) = RowReader::new(&mut source, &mut problems) {
            while let Some(row) = reader.next_row(codes, &mut problems) {
                rows.extend(row);
            }
        }
        (rows, problems)
    }

    fn codes() -> Codes {
        let mut c = Codes::default();
        c.tables
            .insert("countries", ["DK".to_string(), "SE".to_string()].into());
        c.tables
            .insert("industry_groups", ["RETAIL".to_string()].into());
        c.tables
            .insert("mailing_groups", ["XMAS".to_string()].into());
        c
    }

    #[test]
    fn a_good_file_parses() {
        let data = "no,type,name,company_no,country_code,industry_groups,mailing_groups,exclude_from_segment\n\
                    C1,company,Acme,,dk,retail|RETAIL,,false\n\
                    ,person,Ada,C1,DK,,XMAS,yes\n";
        let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert!(problems.is_empty(), "{:?}", problems.lines());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].industry_groups, vec!["RETAIL"]);
        assert_eq!(rows[0].search_name, "ACME");
        assert_eq!(rows[1].line, 3);
        assert!(rows[1].exclude_from_segment);
        assert_eq!(rows[1].country_code.as_deref(), Some("DK"));
    }

    #[test]
    fn problems_are_reported_by_line() {
        let data = "type,name,email,country_code,industry_groups\n\
                    company,Good,,DK,\n\
                    robot,,not-mail,ZZ,\n\
                    person,Bo,,,RETAIL\n";
        let (_, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert_eq!(problems.count, 5, "{:?}", problems.lines());
        assert!(problems.lines()[0].starts_with("line 3: type must be"));
        assert!(problems
            .lines()
            .iter()
            .any(|l| l == "line 3: unknown country/region ZZ"));
        assert!(problems
            .lines()
            .iter()
            .any(|l| l.starts_with("line 4: industry_groups are not assigned")));
    }

    #[test]
    fn lines_ending_in_a_carriage_return_alone_are_said_so() {
        let (rows, problems) = parse(b"type,name\rcompany,Acme\rcompany,Beta\r", &codes(), |_| {});
        assert!(rows.is_empty());
        let lines = problems.lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("line 1: the lines end in a carriage return alone"));
        // Windows line endings read as ever.
        let (rows, problems) = parse(b"type,name\r\ncompany,Acme\r\n", &codes(), |_| {});
        assert_eq!((rows.len(), problems.count), (1, 0));
    }

    #[test]
    fn a_csv_line_cut_short_is_refused_not_read_as_empty_cells() {
        let data = "no,type,name,city,phone\n\
                    C1,company,Acme,Aarhus,+45 1\n\
                    C2,company,Beta\n";
        let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert_eq!(rows.len(), 1);
        assert_eq!(
            problems.lines(),
            [
                "line 3: has 3 cells where the header has 5: add the missing separators, or the \
              columns after its last cell would be emptied"
            ]
        );
    }

    #[test]
    fn a_header_ending_in_a_separator_leaves_lines_without_it_whole() {
        // Excel writes a trailing separator after the last column of the header only, when a
        // cell of no name follows it; the lines' cells all have their columns.
        let (rows, problems) = parse(b"type,name,\ncompany,Acme\n", &codes(), |_| {});
        assert_eq!((rows.len(), problems.lines()), (1, Vec::<String>::new()));
        // A line short of a named column is still refused.
        let (_, problems) = parse(b"type,name,,city\ncompany,Acme\n", &codes(), |_| {});
        assert!(
            problems.lines()[0].starts_with("line 2: has 2 cells where the header has 4"),
            "{:?}",
            problems.lines()
        );
    }

    #[test]
    fn blank_lines_before_the_header_are_passed_over() {
        for data in [
            "\r\ntype,name\r\ncompany,Acme\r\n",
            "\n\n,\ntype,name\ncompany,Acme\n",
        ] {
            let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
            assert_eq!((rows.len(), problems.count), (1, 0), "{data:?}");
            assert_eq!(rows[0].name, "Acme");
        }
        assert_eq!(
            super::super::import_source::sniff_separator(b"\r\n\r\ntype;name\r\n"),
            b';'
        );
        // The header's problems name its line.
        let (_, problems) = parse(b"\n\ntype,nam\ncompany,Acme\n", &codes(), |_| {});
        assert!(
            problems
                .lines()
                .iter()
                .any(|l| l.starts_with("line 3: the column \"name\" is missing")),
            "{:?}",
            problems.lines()
        );
    }

    #[test]
    fn lines_are_counted_alike_whatever_the_line_ending() {
        for data in [
            "type,name\ncompany,\ncompany,\n",
            "type,name\r\ncompany,\r\ncompany,\r\n",
        ] {
            let (_, problems) = parse(data.as_bytes(), &codes(), |_| {});
            assert_eq!(
                problems.lines(),
                ["line 2: name is empty", "line 3: name is empty"],
                "{data:?}"
            );
        }
        // A quoted cell over two lines (refused in a one-line field, and counted), a quoted
        // last cell before "\r\n", a blank line.
        let broken = "line 2: name \"Acme  Ltd\" holds a line break (Alt+Enter in Excel): a \
                      contact's field holds one line; remove it, or write a space or a comma";
        let data = "type,name,city\r\ncompany,\"Acme\r\nLtd\",\"Aarhus\"\r\n\r\ncompany,,x\r\n\
                    company,Beta,\"Aarhus\"\r\n";
        let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert_eq!(problems.lines(), [broken, "line 5: name is empty"]);
        assert_eq!(rows[0].city, "Aarhus");
        assert_eq!(rows[0].line, 6);
        // Blank lines with "\n" alone (which the CSV reader skips) count too; one inside a
        // quoted cell is the cell's.
        let data = "type,name,city\ncompany,\"Acme\n\nLtd\",x\n\n\ncompany,,x\n\ncompany,Beta,\n";
        let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert_eq!(problems.lines(), [broken, "line 7: name is empty"]);
        assert_eq!(rows[0].line, 9);
        // An address over two lines is told where its second line goes; a tab is named.
        let data = "type,name,address,city\ncompany,Acme,\"Hovedgaden 1\n2. sal\",Aarhus\n\
                    company,Beta,,\"Aar\thus\"\n";
        let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert!(rows.is_empty());
        assert_eq!(
            problems.lines(),
            [
                "line 2: address \"Hovedgaden 1 2. sal\" holds a line break (Alt+Enter in \
                 Excel): put its second line in address_2",
                "line 4: city \"Aar hus\" holds a tab: a contact's field holds one line; \
                 remove it, or write a space or a comma"
            ]
        );
    }

    #[test]
    fn headers_are_checked() {
        let (_, problems) = parse(b"name,colour\nAcme,red\n", &codes(), |_| {});
        assert!(problems
            .lines()
            .iter()
            .any(|l| l.contains("unknown column: colour")));
        assert!(problems
            .lines()
            .iter()
            .any(|l| l.contains("\"type\" is missing")));
    }

    #[test]
    fn a_header_of_many_stray_or_repeated_columns_is_one_short_reason_each() {
        let stray: Vec<String> = (0..20_000).map(|i| format!("c{i}")).collect();
        let data = format!("type,name,city,name,city,name,{}\n", stray.join(","));
        let (_, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert_eq!(
            problems.lines(),
            [
                "line 1: unknown columns: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 19,990 more",
                "line 1: the columns name, city appear more than once: keep one of each",
            ]
        );
    }

    #[test]
    fn neutralised_cells_come_back() {
        let data = "type,name,phone\ncompany,'=Acme,'+45 1234\n";
        let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert!(problems.is_empty());
        assert_eq!(rows[0].name, "=Acme");
        assert_eq!(rows[0].phone, "+45 1234");
    }

    #[test]
    fn a_nul_byte_is_refused_naming_the_line_and_column() {
        let data = "type,name,city\ncompany,Good,Aarhus\ncompany,Bad\0Co,Odense\n";
        let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert_eq!(rows.len(), 1);
        assert_eq!(
            problems.lines(),
            vec!["line 3: name contains a NUL byte (column 2)"]
        );
    }

    #[test]
    fn the_first_problems_by_line_are_kept_whatever_the_order_found() {
        let mut p = Problems::default();
        for line in 10..2000 {
            p.add(line, "late");
        }
        p.add(3, "found later, earlier line");
        p.add(5, "with\0nul");
        p.add(6, "broken\r\nin two");
        p.add(Problems::FILE, "the whole file");
        p.add_uncounted(7);
        assert_eq!(p.count, 1990 + 4 + 7);
        let lines = p.lines();
        assert_eq!(lines.len(), Problems::SHOWN);
        assert_eq!(lines[0], "the whole file");
        assert_eq!(lines[1], "line 3: found later, earlier line");
        assert_eq!(lines[2], "line 5: with\\0nul");
        assert_eq!(lines[3], "line 6: broken  in two");
        assert_eq!(lines[4], "line 10: late");
        assert_eq!(lines[499], "line 505: late");
    }

    #[test]
    fn a_problem_quotes_forty_characters_of_a_value_on_one_line() {
        let long = format!("{}\nsecond line", "x".repeat(200_000));
        let data = format!(
            "type,name,email,country_code,industry_groups\n\"{long}\",Big,\"{long}@\",\"{long}\",RETAIL\n"
        );
        let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert!(rows.is_empty());
        let mut lines = problems.lines();
        // A person's company named by a long cell: refused here, not quoted whole by the
        // check against the file and Rapport.
        let data = format!("type,name,company_no\nperson,Ada,\"{long}\"\n");
        let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert!(rows.is_empty());
        lines.extend(problems.lines());
        let x40 = "x".repeat(40);
        for expected in [
            format!("line 2: type must be company or person, not \"{x40}…\""),
            format!("line 2: email \"{x40}…\" is not an e-mail address"),
            format!("line 2: unknown country/region {}…", "X".repeat(40)),
            format!(
                "line 2: company_no \"{}…\" must be at most 20 characters without spaces: \
                 give the company's No., not its name",
                "X".repeat(40)
            ),
        ] {
            assert!(lines.contains(&expected), "{expected} in {lines:?}");
        }
        assert!(lines.iter().all(|l| l.len() < 200), "{lines:?}");
        assert_eq!(shown("two\nlines\r\tand a tab"), "two lines  and a tab");
        assert_eq!(shown(&"é".repeat(41)), format!("{}…", "é".repeat(40)));
        assert_eq!(shown(&"é".repeat(40)), "é".repeat(40));
    }
}
