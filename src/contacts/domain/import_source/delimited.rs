//! A CSV file, record by record: its separator, its lines as the reader should see them,
//! and the problems of a record (a quote never closed, a byte that is not UTF-8).

use std::io::Read;

use csv::{ByteRecord, StringRecord};

use super::{Source, Unreadable, WrittenAsUtf8, NOT_UTF8_HELP};

/// The separator of a CSV file, from its header line (`head` is the file's beginning): `;`
/// when the line has more semicolons than commas outside quotes (Excel's CSV where the
/// decimal separator is a comma), a tab likewise, else `,`. Blank lines before the header are
/// passed over, as the import passes over them.
pub fn sniff_separator(head: &[u8]) -> u8 {
    let (mut quoted, mut counts) = (false, [0usize; 3]);
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let blank = head
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\r' | b'\n'))
        .count();
    for &b in &head[blank..] {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    if counts[1] > counts[0] && counts[1] >= counts[2] {
        b';'
    } else if counts[2] > counts[0] && counts[2] > counts[1] {
        b'\t'
    } else {
        b','
    }
}

/// A CSV file, record by record.
pub struct CsvSource<R: Read> {
    reader: csv::Reader<BlankLinesKept<R>>,
    raw: ByteRecord,
    separator: u8,
    /// The header's cells (0 before it is read).
    columns: usize,
    /// The header's `type` column, if it has one.
    type_column: Option<usize>,
}

/// The file as the CSV reader should see it: a blank line written with `\n` alone (outside a
/// quoted cell) gets one space. The reader skips an empty line without counting it in the
/// next record's position, so every problem after one named the line before its own (or
/// further up, after several); a line of one space is a record of one empty cell, which the
/// import skips itself, counted. (A blank line of a Windows file, `\r\n`, holds its `\r`
/// already.) A blank line inside a quoted cell is the cell's and is left alone.
pub struct BlankLinesKept<R> {
    inner: R,
    separator: u8,
    state: Cell,
    /// At the start of a line (after a line's end, outside quotes); not at the file's start,
    /// whose blank lines come before the header.
    line_start: bool,
    /// Bytes read from `inner`, kept between reads.
    chunk: Vec<u8>,
    pending: std::collections::VecDeque<u8>,
    /// Line breaks passed so far, the line the record being passed starts on, and its bytes
    /// so far: a record past [`RECORD_MAX_BYTES`] is refused before the reader holds it.
    newlines: u64,
    record_line: u64,
    record_bytes: usize,
    /// Carriage returns outside quotes in the record so far: a file of an old Mac ends its
    /// lines with them alone, and is one record to the reader.
    record_crs: usize,
}

/// What to say of a file whose lines end in a carriage return alone.
pub const CR_ALONE: &str = "the lines end in a carriage return alone (the CSV of an old Mac): \
     save the file again as \"CSV UTF-8\" (Excel) or with Windows or Unix line endings";

/// The most bytes one record (a contact's line) may hold. A quote opened and never closed
/// reads the rest of the file into one cell, as does a file that is no CSV (no line breaks):
/// the reader held it all in memory (a file of 400 MB, twice over) before refusing it.
pub const RECORD_MAX_BYTES: usize = 1024 * 1024;

/// A record longer than [`RECORD_MAX_BYTES`], starting on `line`; `cr_alone` when it holds
/// carriage returns outside quotes (the lines of an old Mac, which a reader sees as one).
#[derive(Debug)]
pub struct RecordTooLong {
    pub line: u64,
    pub cr_alone: bool,
}

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.cr_alone {
            return f.write_str(CR_ALONE);
        }
        f.write_str(
            "the contact that starts on this line runs on for more than a megabyte: a quote (\") \
             opened in one of its cells and never closed reads the rest of the file into it. \
             Close the quote, or write it twice (\"\") where it is part of the value; if the \
             file is not a CSV file, choose the CSV or Excel file itself",
        )
    }
}

impl std::error::Error for RecordTooLong {}

/// Where the bytes read so far leave a CSV cell, as the reader sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cell {
    Start,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted cell: a second one is an escaped quote, anything else ends it.
    QuoteInQuoted,
}

impl<R: Read> BlankLinesKept<R> {
    pub fn new(inner: R, separator: u8) -> Self {
        BlankLinesKept {
            inner,
            separator,
            state: Cell::Start,
            line_start: false,
            chunk: Vec::new(),
            pending: std::collections::VecDeque::new(),
            newlines: 0,
            record_line: 1,
            record_bytes: 0,
            record_crs: 0,
        }
    }

    /// Passes `b` on to `out`, with a space before it when it is a blank line's `\n`.
    fn pass(&mut self, b: u8, out: &mut std::collections::VecDeque<u8>) {
        if b == b'\r' && !matches!(self.state, Cell::Quoted | Cell::QuoteInQuoted) {
            self.record_crs += 1;
        }
        let (next, line_end) = match (self.state, b) {
            (Cell::Quoted, b'"') => (Cell::QuoteInQuoted, false),
            (Cell::Quoted, _) => (Cell::Quoted, false),
            (Cell::QuoteInQuoted, b'"') => (Cell::Quoted, false),
            (Cell::Start, b'"') => (Cell::Quoted, false),
            (_, b'\n') => (Cell::Start, true),
            (_, b) if b == self.separator => (Cell::Start, false),
            _ => (Cell::Unquoted, false),
        };
        if line_end && self.line_start {
            out.push_back(b' ');
        }
        out.push_back(b);
        self.state = next;
        self.line_start = line_end;
        if b == b'\n' {
            self.newlines += 1;
        }
        if line_end {
            self.record_line = self.newlines + 1;
            self.record_bytes = 0;
            self.record_crs = 0;
        } else {
            self.record_bytes += 1;
        }
    }
}

impl<R: Read> Read for BlankLinesKept<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            let mut chunk = std::mem::take(&mut self.chunk);
            chunk.resize(buf.len().max(1), 0);
            let n = self.inner.read(&mut chunk)?;
            let mut out = std::mem::take(&mut self.pending);
            for &b in &chunk[..n] {
                self.pass(b, &mut out);
            }
            self.pending = out;
            self.chunk = chunk;
            if self.record_bytes > RECORD_MAX_BYTES {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    RecordTooLong {
                        line: self.record_line,
                        cr_alone: self.record_crs > 0,
                    },
                ));
            }
        }
        let n = buf.len().min(self.pending.len());
        for (slot, b) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }
}

impl<R: Read> CsvSource<R> {
    pub fn new(data: R, separator: u8) -> Self {
        // Records end at `\n` alone: read with "\r\n" as a terminator, a record's position
        // is taken before its line's `\n`, and every problem of a Windows file (Excel's CSV)
        // named the line before its own. The `\r` left at a line's end is trimmed with the
        // last cell's other white space.
        let reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .delimiter(separator)
            .terminator(csv::Terminator::Any(b'\n'))
            .trim(csv::Trim::All)
            .from_reader(BlankLinesKept::new(data, separator));
        CsvSource {
            reader,
            raw: ByteRecord::new(),
            separator,
            columns: 0,
            type_column: None,
        }
    }
}

impl<R: Read> Source for CsvSource<R> {
    fn next_record(&mut self, record: &mut StringRecord) -> Result<bool, Unreadable> {
        match self.reader.read_byte_record(&mut self.raw) {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(e) => {
                if let csv::ErrorKind::Io(io) = e.kind() {
                    if let Some(u) = io.get_ref().and_then(|e| e.downcast_ref::<WrittenAsUtf8>()) {
                        return Err(Unreadable {
                            line: u.line,
                            message: u.to_string(),
                        });
                    }
                    if let Some(r) = io.get_ref().and_then(|e| e.downcast_ref::<RecordTooLong>()) {
                        return Err(Unreadable {
                            line: r.line,
                            message: r.to_string(),
                        });
                    }
                }
                let line = e.position().map(|p| p.line()).unwrap_or(1);
                return Err(Unreadable {
                    line,
                    message: format!("not readable as CSV ({e})"),
                });
            }
        }
        let start = self.raw.position().map(|p| p.line()).unwrap_or(1);
        if self.columns == 0 {
            self.columns = self.raw.len();
            self.type_column = self.raw.iter().position(|cell| cell_is(cell, "type"));
        } else if let Some(problem) = swallowed(
            &self.raw,
            start,
            self.separator,
            self.columns,
            self.type_column,
        ) {
            return Err(problem);
        }
        match StringRecord::from_byte_record(self.raw.clone()) {
            Ok(read) => {
                *record = read;
                Ok(true)
            }
            Err(e) => Err(not_utf8(&self.raw, start, e.utf8_error())),
        }
    }
}

/// A quote opened in a cell and never closed takes the lines after it into that cell, up to
/// the next quote: the contacts on them were lost without a word (a file of three read as one).
/// A cell is taken to have swallowed lines when one of its later lines reads as a whole row:
/// it holds a row's separators (as many as the header's, less one) and, when the header has a
/// `type` column, `company` or `person` in it. A value on several lines (an address typed with
/// line breaks, "Hovedgaden 1, 2. sal, th.") may hold as many separators as a short file's row,
/// but not a contact's type where the type goes.
fn swallowed(
    raw: &ByteRecord,
    start: u64,
    separator: u8,
    columns: usize,
    type_column: Option<usize>,
) -> Option<Unreadable> {
    if columns < 2 {
        return None;
    }
    let is_row = |later: &[u8]| {
        later.iter().filter(|&&b| b == separator).count() + 1 >= columns
            && type_column.is_none_or(|t| {
                later
                    .split(|&b| b == separator)
                    .nth(t)
                    .is_some_and(|cell| cell_is(cell, "company") || cell_is(cell, "person"))
            })
    };
    let mut line = start;
    for (i, cell) in raw.iter().enumerate() {
        let mut lines = cell.split(|&b| b == b'\n');
        lines.next();
        for (k, later) in lines.enumerate() {
            if is_row(later) {
                return Some(Unreadable {
                    line,
                    message: format!(
                        "a quote (\") opens column {}, and is not closed before line {}: the \
                         lines after it are read into that one cell, and their contacts would \
                         be lost. Close the quote, or write it twice (\"\") where it is part \
                         of the value",
                        i + 1,
                        line + k as u64 + 1
                    ),
                });
            }
        }
        line += cell.iter().filter(|&&b| b == b'\n').count() as u64;
    }
    None
}

/// Whether a cell as written (perhaps quoted, with spaces or a byte order mark about it) is
/// `word`, in any case.
fn cell_is(cell: &[u8], word: &str) -> bool {
    let text = String::from_utf8_lossy(cell);
    text.trim_start_matches('\u{feff}')
        .trim()
        .trim_matches('"')
        .trim()
        .eq_ignore_ascii_case(word)
}

/// The problem of a record with a byte that is not UTF-8: the line the byte is on (a quoted
/// cell may span lines), the byte and its column.
fn not_utf8(raw: &ByteRecord, start: u64, err: &csv::Utf8Error) -> Unreadable {
    let field = err.field();
    let before: usize = raw
        .iter()
        .take(field)
        .map(|f| f.iter().filter(|&&b| b == b'\n').count())
        .sum();
    let cell = raw.get(field).unwrap_or_default();
    let within = cell
        .iter()
        .take(err.valid_up_to())
        .filter(|&&b| b == b'\n')
        .count();
    let byte = cell.get(err.valid_up_to()).copied().unwrap_or_default();
    Unreadable {
        line: start + (before + within) as u64,
        message: format!(
            "the file is not UTF-8: byte 0x{byte:02X} in column {} cannot be read. {NOT_UTF8_HELP}.",
            field + 1
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::records;
    use super::*;

    #[test]
    fn the_separator_comes_from_the_header_line() {
        assert_eq!(sniff_separator(b"type,name\ncompany;x\n"), b',');
        assert_eq!(sniff_separator(b"type;name;city\ncompany,x\n"), b';');
        assert_eq!(sniff_separator(b"\"a,b\";name\n"), b';');
        assert_eq!(sniff_separator(b"type\tname\n"), b'\t');
        assert_eq!(sniff_separator(b"name\n"), b',');
        // Blank lines before the header, after a byte-order mark too.
        assert_eq!(sniff_separator(b"\r\n\ntype;name\n"), b';');
        assert_eq!(sniff_separator(b"\xEF\xBB\xBF\r\ntype;name\n"), b';');
    }

    #[test]
    fn a_byte_that_is_not_utf8_names_its_line() {
        let data = b"type;name;city\ncompany;Good;Aarhus\ncompany;\"Two\nlines\";K\xF8ge\n";
        let (rows, err) = records(&mut CsvSource::new(&data[..], b';'));
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1],
            (2, vec!["company".into(), "Good".into(), "Aarhus".into()])
        );
        let err = err.unwrap();
        assert_eq!(
            err.line, 4,
            "the bad byte is on the second line of the record"
        );
        assert!(
            err.message.contains("byte 0xF8 in column 3"),
            "{}",
            err.message
        );
        assert!(err.message.contains("CSV UTF-8"), "{}", err.message);
    }

    #[test]
    fn a_quote_left_open_over_a_megabyte_is_refused_before_it_is_held() {
        let mut data = b"type,name,city\ncompany,Acme,Odense\ncompany,\"Open,Aarhus\n".to_vec();
        for _ in 0..40_000 {
            data.extend_from_slice(b"company,Beta and Sons Limited,Aalborg\n");
        }
        let mut source = CsvSource::new(&data[..], b',');
        let (rows, err) = records(&mut source);
        let err = err.expect("refused");
        assert_eq!(err.line, 3, "{}", err.message);
        assert!(
            err.message.contains("more than a megabyte"),
            "{}",
            err.message
        );
        assert!(rows.len() <= 2);
        // A file with no line break at all (not CSV), likewise, at its first line.
        let data = vec![b'x'; RECORD_MAX_BYTES + 10];
        let (_, err) = records(&mut CsvSource::new(&data[..], b','));
        assert_eq!(err.expect("refused").line, 1);
        // The lines of an old Mac (a carriage return alone) are said so, however long.
        let data = "type,name\rcompany,Acme\r".repeat(60_000);
        let (_, err) = records(&mut CsvSource::new(data.as_bytes(), b','));
        let err = err.expect("refused");
        assert_eq!(err.line, 1);
        assert!(
            err.message.contains("carriage return alone"),
            "{}",
            err.message
        );
        // Long lines short of it read as ever.
        let long = "y".repeat(100_000);
        let data = format!("type,name\ncompany,{long}\n");
        let (rows, err) = records(&mut CsvSource::new(data.as_bytes(), b','));
        assert!(err.is_none());
        assert_eq!(rows[1].1[1].len(), 100_000);
    }
}
