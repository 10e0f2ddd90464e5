//! Where the rows of an import come from, one record at a time: a CSV file as Excel or anyone
//! writes it (`,` or `;` between the cells, found from the header line; UTF-8, or Windows-1252
//! when the user says so), or the first sheet of an Excel workbook (.xlsx). Each record
//! carries the line it starts on (a CSV file's line, a sheet's row number), which every
//! problem names.

use std::io::Read;

use calamine::{DataRef, Reader, Xlsx, XlsxCellReader};
use csv::{ByteRecord, Position, StringRecord};

/// A record that could not be read: the line, and why. Reading stops there.
#[derive(Debug, PartialEq)]
pub struct Unreadable {
    pub line: u64,
    pub message: String,
}

/// The records of a file, the header first.
pub trait Source {
    /// The next record into `record` (with its line as its position's line); `Ok(false)` at
    /// the end.
    fn next_record(&mut self, record: &mut StringRecord) -> Result<bool, Unreadable>;

    /// What problems call a line: "line" in a CSV file, "row" in a workbook.
    fn line_word(&self) -> &'static str {
        "line"
    }
}

/// What to say when a CSV file is not UTF-8.
pub const NOT_UTF8_HELP: &str = "Excel's \"CSV (Comma delimited)\" writes Windows-1252: \
     tick \"Read as Windows-1252 (Excel's 'CSV')\" and import the file again, or in Excel \
     choose File → Save As → \"CSV UTF-8 (Comma delimited)\"";

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
        } else if let Some(problem) = swallowed(&self.raw, start, self.separator, self.columns) {
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
/// A cell is taken to have swallowed lines when one of its later lines holds a whole row's
/// separators (as many as the header's, less one); a value on several lines (an address typed
/// with line breaks) holds none, or a few.
fn swallowed(raw: &ByteRecord, start: u64, separator: u8, columns: usize) -> Option<Unreadable> {
    if columns < 2 {
        return None;
    }
    let mut line = start;
    for (i, cell) in raw.iter().enumerate() {
        let mut lines = cell.split(|&b| b == b'\n');
        lines.next();
        for (k, later) in lines.enumerate() {
            if later.iter().filter(|&&b| b == separator).count() + 1 >= columns {
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

/// Reads Windows-1252 (Excel's "CSV" on western systems) as UTF-8. Every byte is a character
/// of its own, so the file is decoded a buffer at a time.
///
/// A file (or a part of one) written in UTF-8 is refused, naming its line: read as
/// Windows-1252, every "ø" of it would be stored as "Ã¸" and every "–" as "â€“", silently (a
/// Rapport export opened and saved again by Excel, with one cell typed there, holds both).
/// UTF-8 writes each of these letters as a lead byte 0xC2–0xF4 followed by one to three bytes
/// 0x80–0xBF, as many as the lead says; in Windows-1252 text a whole such sequence is a
/// capital "Ã" or "Â" before a symbol, or a small letter before two symbols, which words do
/// not hold ("Nestlé®," is é, ® and a comma: no sequence). A byte-order mark says UTF-8
/// outright.
pub struct Windows1252<R: Read> {
    inner: R,
    raw: Vec<u8>,
    decoded: Vec<u8>,
    at: usize,
    /// Line breaks read so far, for the line a problem names.
    lines: u64,
    /// The UTF-8 sequence begun so far (it may straddle two buffers): its bytes, and the
    /// line of its lead.
    sequence: Vec<u8>,
    sequence_line: u64,
    first: bool,
    /// Whether every byte so far could be UTF-8, with the continuation bytes still owed; and
    /// the line of the first letter of Latin Extended-A, Greek or Cyrillic (leads 0xC4, 0xC5,
    /// 0xCE–0xD3, which alone are words of Windows-1252). A whole file that is UTF-8 with such
    /// a letter is refused at its end: "Wrocław", "Иван" read as "WrocÅ‚aw". Windows-1252
    /// text is almost never UTF-8 throughout: its letters stand before ASCII ("Køge"); the
    /// capitals whose pairs are words of it ("CAFÉ’S", "KØBENHAVN Ø" before a no-break space)
    /// lead with other bytes.
    utf8_throughout: bool,
    owed: usize,
    first_letter_line: Option<u64>,
}

impl<R: Read> Windows1252<R> {
    pub fn new(inner: R) -> Self {
        Windows1252 {
            inner,
            raw: vec![0; 64 * 1024],
            decoded: Vec::new(),
            at: 0,
            lines: 0,
            sequence: Vec::with_capacity(4),
            sequence_line: 0,
            first: true,
            utf8_throughout: true,
            owed: 0,
            first_letter_line: None,
        }
    }

    /// Follows whether the file could be UTF-8 throughout, byte `b` on line `line` (from 1).
    fn follow(&mut self, b: u8, line: u64) {
        if !self.utf8_throughout {
            return;
        }
        match (b, self.owed) {
            (0x80..=0xBF, 1..) => self.owed -= 1,
            (0xC2..=0xF4, 0) => {
                self.owed = utf8_length(b) - 1;
                if matches!(b, 0xC4 | 0xC5 | 0xCE..=0xD3) {
                    self.first_letter_line.get_or_insert(line);
                }
            }
            (0x00..=0x7F, 0) => {}
            _ => self.utf8_throughout = false,
        }
    }

    /// Reads `bytes` (after the previous buffers) in one pass: `Err(line)` of the first
    /// whole UTF-8 sequence, else `Ok` with the line breaks read so far, these included.
    fn scan(&mut self, bytes: &[u8]) -> Result<u64, u64> {
        let mut line = self.lines;
        for &b in bytes {
            self.follow(b, line + 1);
            if !self.sequence.is_empty() {
                if (0x80..=0xBF).contains(&b) {
                    self.sequence.push(b);
                    if self.sequence.len() == utf8_length(self.sequence[0]) {
                        if std::str::from_utf8(&self.sequence).is_ok() {
                            return Err(self.sequence_line);
                        }
                        self.sequence.clear();
                    }
                    continue;
                }
                self.sequence.clear();
            }
            if starts_suspect(b) {
                self.sequence.push(b);
                self.sequence_line = line + 1;
            }
            if b == b'\n' {
                line += 1;
            }
        }
        Ok(line)
    }
}

/// How many bytes a UTF-8 sequence led by `lead` has: 2 to 4 for a letter beyond ASCII, else
/// 1 (ASCII, a continuation byte, or no lead at all).
fn utf8_length(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

/// Whether `lead` may begin a UTF-8 sequence in a file read as Windows-1252: of the leads of
/// two bytes only "Â" and "Ã" (0xC2, 0xC3), which UTF-8 writes before every letter and symbol
/// of Latin-1 (ø, é, «, the no-break space), and which Windows-1252 words hardly put before a
/// symbol. Other capitals do, in words of their own: "KØBENHAVN Ø" before a no-break space,
/// "CAFÉ’S", « CAFÉ » (0xC9 0xA0, a valid pair, was refused as UTF-8 and, unticked, as not
/// UTF-8: no way in).
fn starts_suspect(lead: u8) -> bool {
    matches!(lead, 0xC2 | 0xC3) || utf8_length(lead) > 2
}

/// A file read as Windows-1252 that is written in UTF-8, at least from `line` on.
#[derive(Debug)]
pub struct WrittenAsUtf8 {
    pub line: u64,
}

impl std::fmt::Display for WrittenAsUtf8 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "the file is written in UTF-8 here, not in Windows-1252: read so, every letter \
             like \"ø\" would be stored as \"Ã¸\". Untick \"Read as Windows-1252\" and import \
             it again; if Excel saved some lines in one and some in the other, save it from \
             Excel with File → Save As → \"CSV UTF-8 (Comma delimited)\"",
        )
    }
}

impl std::error::Error for WrittenAsUtf8 {}

impl<R: Read> Read for Windows1252<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.decoded.len() {
            let n = self.inner.read(&mut self.raw)?;
            if n == 0 {
                return match self.first_letter_line {
                    Some(line) if self.utf8_throughout && self.owed == 0 => {
                        Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            WrittenAsUtf8 { line },
                        ))
                    }
                    _ => Ok(0),
                };
            }
            let bom = self.first && self.raw[..n].starts_with(&[0xEF, 0xBB, 0xBF]);
            self.first = false;
            let raw = std::mem::take(&mut self.raw);
            let scanned = if bom { Err(1) } else { self.scan(&raw[..n]) };
            self.raw = raw;
            self.lines = scanned.map_err(|line| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, WrittenAsUtf8 { line })
            })?;
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&self.raw[..n]);
            self.decoded = text.into_owned().into_bytes();
            self.at = 0;
        }
        let n = buf.len().min(self.decoded.len() - self.at);
        buf[..n].copy_from_slice(&self.decoded[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The first sheet of a workbook, row by row; a row's line is its row number in the sheet.
pub struct XlsxSource<'a, RS: Read + std::io::Seek> {
    cells: XlsxCellReader<'a, RS>,
    /// The first cell of the next row, read ahead.
    pending: Option<(u32, u32, String)>,
    done: bool,
}

/// Opens a workbook; the message says why it cannot be read.
pub fn open_workbook<RS: Read + std::io::Seek>(mut data: RS) -> Result<Xlsx<RS>, String> {
    check_shared_texts(&mut data)?;
    data.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| format!("the file is not readable ({e})"))?;
    Xlsx::new(data).map_err(|e| format!("the file is not an Excel workbook (.xlsx) ({e})"))
}

/// The most text a workbook's shared texts (its sharedStrings part) may hold: the reader keeps
/// them all in memory while the sheet is read.
pub const SHARED_TEXT_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// The most different texts a workbook may share (the reader makes room for all of them at
/// once, as many as the part says it has).
pub const SHARED_TEXT_MAX_COUNT: u64 = 20_000_000;

/// Refuses a workbook whose shared texts the reader would run out of memory on: a part that
/// unpacks to more than [`SHARED_TEXT_MAX_BYTES`] (however small it says it is), or that
/// claims more texts than it holds or than [`SHARED_TEXT_MAX_COUNT`] (the reader would make
/// room for all of them before reading one). Each part is unpacked once, into nothing.
/// A file that is no zip archive is left to the reader, which says so.
fn check_shared_texts<RS: Read + std::io::Seek>(data: &mut RS) -> Result<(), String> {
    let Ok(mut zip) = zip::ZipArchive::new(data) else {
        return Ok(());
    };
    for i in 0..zip.len() {
        let Ok(part) = zip.by_index(i) else {
            continue;
        };
        let shared = part
            .name()
            .is_ok_and(|name| name.to_ascii_lowercase().ends_with("sharedstrings.xml"));
        if !shared {
            continue;
        }
        let (size, claimed) = read_shared_texts(part.take(SHARED_TEXT_MAX_BYTES + 1))
            .map_err(|e| format!("the workbook is damaged ({e})"))?;
        if size > SHARED_TEXT_MAX_BYTES {
            return Err(format!(
                "the workbook's texts take more than {} MB: split it, or save it from Excel \
                 as \"CSV UTF-8 (Comma delimited)\" and import that",
                SHARED_TEXT_MAX_BYTES / (1024 * 1024)
            ));
        }
        // The shortest shared text, `<si/>`, takes five bytes.
        if claimed > size / 5 {
            return Err(format!(
                "the workbook is damaged: it says it holds {claimed} different texts and has \
                 room for at most {}; open it in Excel and save it again",
                size / 5
            ));
        }
        if claimed > SHARED_TEXT_MAX_COUNT {
            return Err(format!(
                "the workbook has {claimed} different texts, more than the \
                 {SHARED_TEXT_MAX_COUNT} read from one workbook: split it, or save it from \
                 Excel as \"CSV UTF-8 (Comma delimited)\" and import that"
            ));
        }
    }
    Ok(())
}

/// Reads a shared-texts part to its end: its size, and the largest number of texts it claims
/// anywhere (a `uniqueCount` attribute; the reader makes room for as many as the first
/// `<sst>` element's says, which a comment before it could hide from a look at one place).
fn read_shared_texts(mut part: impl Read) -> std::io::Result<(u64, u64)> {
    /// Bytes kept from one buffer to the next: an attribute cut at a buffer's end is read
    /// whole in the next.
    const CARRY: usize = 128;
    let mut buffer = vec![0u8; CARRY + 64 * 1024];
    let (mut kept, mut size, mut claimed) = (0, 0u64, 0u64);
    loop {
        let n = match part.read(&mut buffer[kept..]) {
            Ok(0) => return Ok((size, claimed)),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        size += n as u64;
        let end = kept + n;
        claimed = claimed.max(claimed_texts(&buffer[..end]));
        let from = end.saturating_sub(CARRY);
        buffer.copy_within(from..end, 0);
        kept = end - from;
    }
}

/// The largest count of texts that a `uniqueCount` attribute in `bytes` claims, read as the
/// reader reads it: digits, maybe after a `+` (digits past `u64` count as `u64::MAX`); 0 when
/// there is none.
fn claimed_texts(bytes: &[u8]) -> u64 {
    const NAME: &[u8] = b"uniqueCount";
    memchr::memmem::find_iter(bytes, NAME)
        .filter_map(|at| {
            let rest = bytes[at + NAME.len()..].trim_ascii_start();
            let rest = rest.strip_prefix(b"=")?.trim_ascii_start();
            let (&quote, value) = rest.split_first()?;
            if quote != b'"' && quote != b'\'' {
                return None;
            }
            let value = value.strip_prefix(b"+").unwrap_or(value);
            let n = value.iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 || value.get(n) != Some(&quote) {
                return None;
            }
            Some(
                value[..n]
                    .iter()
                    .try_fold(0u64, |n, &d| {
                        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
                    })
                    .unwrap_or(u64::MAX),
            )
        })
        .max()
        .unwrap_or(0)
}

impl<'a, RS: Read + std::io::Seek> XlsxSource<'a, RS> {
    /// The first sheet's cells, and how many rows it has (its dimensions).
    ///
    /// A workbook whose rows go on in another sheet under the same header (as Rapport's own
    /// export past Excel's 1,048,576 rows a sheet) is refused, naming the sheet: reading the
    /// first alone would leave the others' rows out, silently. Sheets with other columns
    /// (notes beside the list) are left alone.
    pub fn first_sheet(book: &'a mut Xlsx<RS>) -> Result<(Self, u64), String> {
        let names = book.sheet_names();
        let name = names
            .first()
            .cloned()
            .ok_or_else(|| "the workbook has no sheet".to_string())?;
        if names.len() > 1 {
            let header = header_of(book, &name)?;
            for other in &names[1..] {
                if !header.is_empty() && header_of(book, other)? == header {
                    return Err(format!(
                        "the rows go on in sheet \"{other}\" under the same header, and only \
                         the first sheet, \"{name}\", is read: import each sheet as a workbook \
                         of its own (or as CSV), so that no row is left out"
                    ));
                }
            }
        }
        let cells = book
            .worksheet_cells_reader(&name)
            .map_err(|e| format!("the sheet \"{name}\" is not readable ({e})"))?;
        let dims = cells.dimensions();
        let rows = u64::from(dims.end.0.saturating_sub(dims.start.0)) + 1;
        Ok((
            XlsxSource {
                cells,
                pending: None,
                done: false,
            },
            rows,
        ))
    }

    fn next_cell(&mut self) -> Result<Option<(u32, u32, String)>, Unreadable> {
        if let Some(cell) = self.pending.take() {
            return Ok(Some(cell));
        }
        if self.done {
            return Ok(None);
        }
        loop {
            match self.cells.next_cell_with_style_id() {
                Ok(Some((cell, style))) => {
                    let (row, col) = cell.get_position();
                    if let DataRef::Error(e) = cell.get_value() {
                        // A formula that failed (a lookup that found nothing) is no value to
                        // store as the text "#N/A".
                        self.done = true;
                        return Err(Unreadable {
                            line: u64::from(row) + 1,
                            message: format!(
                                "the cell in column {} holds Excel's error {e}, not a value: \
                                 correct or empty it",
                                col + 1
                            ),
                        });
                    }
                    // A whole number as its cell shows it, where the cell's format pads it
                    // ("0000": the post code 0150, not 150) or sets it out ("00 00 00 00").
                    let whole = match cell.get_value() {
                        DataRef::Int(n) => Some(*n),
                        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(*f as i64),
                        _ => None,
                    };
                    let shown = whole.and_then(|n| {
                        let format = self.cells.styles().get(style)?.number_format.as_ref()?;
                        as_formatted(n, &format.format_code)
                    });
                    let text = shown.unwrap_or_else(|| cell_text(cell.get_value()));
                    if text.is_empty() {
                        continue;
                    }
                    return Ok(Some((row, col, text)));
                }
                Ok(None) => {
                    self.done = true;
                    return Ok(None);
                }
                Err(e) => {
                    self.done = true;
                    return Err(Unreadable {
                        line: 1,
                        message: format!("the sheet is not readable ({e})"),
                    });
                }
            }
        }
    }
}

/// The first row of sheet `name`, its cells trimmed and in lower case (as a header is read).
fn header_of<RS: Read + std::io::Seek>(
    book: &mut Xlsx<RS>,
    name: &str,
) -> Result<Vec<String>, String> {
    let mut cells = book
        .worksheet_cells_reader(name)
        .map_err(|e| format!("the sheet \"{name}\" is not readable ({e})"))?;
    let mut header: Vec<String> = Vec::new();
    let mut first_row = None;
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| format!("the sheet \"{name}\" is not readable ({e})"))?
    {
        let (row, col) = cell.get_position();
        let text = cell_text(cell.get_value()).trim().to_lowercase();
        if text.is_empty() {
            continue;
        }
        if *first_row.get_or_insert(row) != row {
            break;
        }
        let col = col as usize;
        if header.len() <= col {
            header.resize(col + 1, String::new());
        }
        header[col] = text;
    }
    Ok(header)
}

/// A cell's value as the text a CSV file would hold: whole numbers without a decimal point,
/// dates as `2026-11-30`, `true`/`false`.
/// A whole number `n` as a number format of digit placeholders and literals shows it: "0000"
/// pads 150 to "0150" (a post code), "00 00 00 00" sets out 1234567 as "01 23 45 67" (a phone
/// number), "[<=9999999]###-####;(###) ###-####" picks its section by the number. `None` for
/// any other format (General, decimals, grouping, dates, text, percentages): the number is
/// read as it is.
pub fn as_formatted(n: i64, code: &str) -> Option<String> {
    if n < 0 {
        return None;
    }
    enum Token {
        Digit { zero: bool },
        Literal(char),
    }
    // The section for this number: the first whose condition holds, or the first without one.
    let holds = |condition: &str| {
        let (op, bound) = ["<=", ">=", "<>", "<", ">", "="]
            .iter()
            .find_map(|op| condition.strip_prefix(op).map(|rest| (*op, rest)))?;
        let bound: f64 = bound.trim().parse().ok()?;
        let v = n as f64;
        Some(match op {
            "<=" => v <= bound,
            ">=" => v >= bound,
            "<>" => v != bound,
            "<" => v < bound,
            ">" => v > bound,
            _ => v == bound,
        })
    };
    let mut chosen = None;
    for section in code.split(';') {
        let condition = section
            .strip_prefix('[')
            .and_then(|rest| rest.split_once(']'))
            .map(|(c, _)| c)
            .filter(|c| c.starts_with(['<', '>', '=']));
        match condition {
            Some(c) if holds(c)? => {
                chosen = Some(section);
                break;
            }
            Some(_) => continue,
            None => {
                chosen = Some(section);
                break;
            }
        }
    }
    let mut tokens = Vec::new();
    let mut chars = chosen?.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '0' => tokens.push(Token::Digit { zero: true }),
            '#' => tokens.push(Token::Digit { zero: false }),
            '\\' => tokens.push(Token::Literal(chars.next()?)),
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                    tokens.push(Token::Literal(q));
                }
            }
            // A condition or a colour.
            '[' => {
                chars.by_ref().find(|&c| c == ']')?;
            }
            ' ' | '-' | '(' | ')' | '/' | '+' | ':' => tokens.push(Token::Literal(ch)),
            _ => return None,
        }
    }
    if !tokens
        .iter()
        .any(|t| matches!(t, Token::Digit { zero: true }))
    {
        return None;
    }
    // Filled from the right; digits left over go before the leftmost placeholder.
    let mut digits = n.to_string().chars().rev().collect::<Vec<_>>().into_iter();
    let mut out: Vec<char> = Vec::new();
    let mut leftmost = 0;
    for token in tokens.iter().rev() {
        match token {
            Token::Digit { zero } => {
                match digits.next() {
                    Some(d) => out.push(d),
                    None if *zero => out.push('0'),
                    None => {}
                }
                leftmost = out.len();
            }
            Token::Literal(c) => out.push(*c),
        }
    }
    let rest: Vec<char> = digits.collect();
    out.splice(leftmost..leftmost, rest);
    Some(out.into_iter().rev().collect())
}

pub fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => match d.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.format("%Y-%m-%d").to_string(),
            Some(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => d.as_f64().to_string(),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
    }
}

impl<RS: Read + std::io::Seek> Source for XlsxSource<'_, RS> {
    fn next_record(&mut self, record: &mut StringRecord) -> Result<bool, Unreadable> {
        let Some((row, col, text)) = self.next_cell()? else {
            return Ok(false);
        };
        let mut cells: Vec<String> = Vec::new();
        let mut put = |col: u32, text: String| {
            let col = col as usize;
            if cells.len() <= col {
                cells.resize(col + 1, String::new());
            }
            cells[col] = text.trim().to_string();
        };
        put(col, text);
        while let Some((next_row, col, text)) = self.next_cell()? {
            if next_row != row {
                self.pending = Some((next_row, col, text));
                break;
            }
            put(col, text);
        }
        *record = StringRecord::from(cells);
        let mut at = Position::new();
        at.set_line(u64::from(row) + 1);
        record.set_position(Some(at));
        Ok(true)
    }

    fn line_word(&self) -> &'static str {
        "row"
    }
}

#[cfg(test)]
mod tests {
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

    fn records(source: &mut dyn Source) -> (Vec<(u64, Vec<String>)>, Option<Unreadable>) {
        let mut out = Vec::new();
        let mut record = StringRecord::new();
        loop {
            match source.next_record(&mut record) {
                Ok(true) => out.push((
                    record.position().map(|p| p.line()).unwrap_or(0),
                    record.iter().map(str::to_string).collect(),
                )),
                Ok(false) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
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
    fn windows_1252_reads_as_utf8() {
        let data = b"type;name;city\ncompany;S\xF8ren \x80;K\xF8ge\n";
        let (rows, err) = records(&mut CsvSource::new(Windows1252::new(&data[..]), b';'));
        assert!(err.is_none());
        assert_eq!(rows[1].1, vec!["company", "Søren €", "Køge"]);
    }

    #[test]
    fn a_whole_number_reads_as_its_cell_shows_it() {
        assert_eq!(as_formatted(150, "0000").as_deref(), Some("0150"));
        assert_eq!(as_formatted(8000, "0000").as_deref(), Some("8000"));
        assert_eq!(as_formatted(2100, "00000").as_deref(), Some("02100"));
        assert_eq!(as_formatted(123456, "0000").as_deref(), Some("123456"));
        assert_eq!(
            as_formatted(1234567, "00 00 00 00").as_deref(),
            Some("01 23 45 67")
        );
        assert_eq!(
            as_formatted(4586123456, "\"+\"00 00 00 00 00").as_deref(),
            Some("+45 86 12 34 56")
        );
        let phone = "[<=9999999]###-####;(###) ###-####";
        assert_eq!(as_formatted(5551234, phone), None, "no padding zero");
        assert_eq!(as_formatted(150, "[<=999]000;0000").as_deref(), Some("150"));
        assert_eq!(
            as_formatted(1500, "[<=999]000;0000").as_deref(),
            Some("1500")
        );
        assert_eq!(as_formatted(150, "[Red]0000").as_deref(), Some("0150"));
        for other in [
            "General",
            "0.00",
            "#,##0",
            "0%",
            "yyyy-mm-dd",
            "@",
            "0E+00",
            "",
        ] {
            assert_eq!(as_formatted(150, other), None, "{other}");
        }
        assert_eq!(as_formatted(-5, "0000"), None);
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

    #[test]
    fn a_file_in_utf8_throughout_read_as_windows_1252_is_refused_at_its_end() {
        // Letters whose lead alone is a word of Windows-1252 (ł, И, ά): the file is UTF-8 from
        // end to end, which Windows-1252 text with such letters never is.
        for (text, line) in [
            "type;name\ncompany;Acme\ncompany;Wrocław\n",
            "type;name\ncompany;Иван\ncompany;Ελλάδα\n",
        ]
        .iter()
        .zip([3, 2])
        {
            let (rows, err) = records(&mut CsvSource::new(Windows1252::new(text.as_bytes()), b';'));
            let err = err.unwrap_or_else(|| panic!("{text}: read as {rows:?}"));
            assert_eq!(err.line, line, "{}", err.message);
            assert!(err.message.contains("written in UTF-8"), "{}", err.message);
        }
        // Windows-1252 with the same bytes among its own: read as it is.
        let data = b"type;name\ncompany;K\xF8ge \xC5\x82\n";
        let (rows, err) = records(&mut CsvSource::new(Windows1252::new(&data[..]), b';'));
        assert!(err.is_none());
        assert_eq!(rows[1].1[1], "Køge Å‚");
        // Words of Windows-1252 whose pairs are UTF-8 too: "CAFÉ’S", "Ø" before a no-break
        // space. The file is UTF-8 throughout, and read as Windows-1252 as asked.
        let data = b"type;name\ncompany;CAF\xC9\x92S\ncompany;\xD8\xA0Nord\n";
        assert!(std::str::from_utf8(data).is_ok());
        let (rows, err) = records(&mut CsvSource::new(Windows1252::new(&data[..]), b';'));
        assert!(err.is_none(), "{err:?}");
        assert_eq!(rows[1].1[1], "CAFÉ’S");
        assert_eq!(rows[2].1[1], "Ø\u{a0}Nord");
        // Plain ASCII is both.
        let data = b"type;name\ncompany;Acme\n";
        let (_, err) = records(&mut CsvSource::new(Windows1252::new(&data[..]), b';'));
        assert!(err.is_none());
    }

    #[test]
    fn utf8_read_as_windows_1252_is_refused_naming_its_line() {
        // A Rapport export (UTF-8) with one cell typed in Excel (Windows-1252): line 3.
        let data = "type;name;city\ncompany;Acme;\x01\ncompany;Søren;Køge\n".replace('\x01', "");
        let mut bytes = data.into_bytes();
        bytes.extend_from_slice(b"company;\xC5rhus Bank;\xC5rhus\n");
        let (rows, err) = records(&mut CsvSource::new(Windows1252::new(&bytes[..]), b';'));
        let err = err.unwrap();
        assert_eq!(err.line, 3, "{}", err.message);
        assert!(err.message.contains("written in UTF-8"), "{}", err.message);
        assert!(rows.len() <= 2);
        // A byte-order mark says so at once; a pair split across two buffers is still seen.
        let (_, err) = records(&mut CsvSource::new(
            Windows1252::new(&b"\xEF\xBB\xBFtype;name\ncompany;Acme\n"[..]),
            b';',
        ));
        assert_eq!(err.unwrap().line, 1);
        let mut file = vec![b'a'; 64 * 1024 - 1];
        file[..10].copy_from_slice(b"type;name\n");
        file.extend_from_slice("ø\n".as_bytes());
        assert_eq!(
            file[64 * 1024 - 1],
            0xC3,
            "the first buffer ends inside the letter"
        );
        let mut reader = Windows1252::new(&file[..]);
        let mut sink = Vec::new();
        let err = reader.read_to_end(&mut sink).unwrap_err();
        let found = err
            .get_ref()
            .unwrap()
            .downcast_ref::<WrittenAsUtf8>()
            .unwrap();
        assert_eq!(found.line, 2);
        // Windows-1252 text with its capitals and symbols reads as it is.
        let data = b"type;name\ncompany;\xC5 \xA9 \xC3 \xC6bler \xA3 \x80\n";
        let (rows, err) = records(&mut CsvSource::new(Windows1252::new(&data[..]), b';'));
        assert!(err.is_none());
        assert_eq!(rows[1].1[1], "Å © Ã Æbler £ €");
        // Other capitals before a symbol are words of Windows-1252, though the pair is valid
        // UTF-8: "KØBENHAVN Ø" before a no-break space, "CAFÉ’S", « CAFÉ ».
        let data = b"type;name\ncompany;K\xD8BENHAVN \xD8\xA0\ncompany;CAF\xC9\x92S \xAB\xA0CAF\xC9\xA0\xBB\n";
        let (rows, err) = records(&mut CsvSource::new(Windows1252::new(&data[..]), b';'));
        assert!(err.is_none(), "{err:?}");
        assert_eq!(rows[1].1[1], "KØBENHAVN Ø\u{a0}");
        assert_eq!(rows[2].1[1], "CAFÉ’S «\u{a0}CAFÉ\u{a0}»");
        // A small letter before a symbol is the start of a UTF-8 sequence of three bytes, not
        // a whole one: "Nestlé®", "Café…" and "Zoë™" read as they are.
        let data = b"type;name\ncompany;Nestl\xE9\xAE\ncompany;Caf\xE9\x85 Zo\xEB\x99\n";
        let (rows, err) = records(&mut CsvSource::new(Windows1252::new(&data[..]), b';'));
        assert!(err.is_none(), "{err:?}");
        assert_eq!(rows[1].1[1], "Nestlé®");
        assert_eq!(rows[2].1[1], "Café… Zoë™");
        // A whole sequence of three bytes is UTF-8 ("–", an en dash), however it is cut.
        let mut file = b"type;name\ncompany;a".to_vec();
        file.extend_from_slice(&vec![b'a'; 64 * 1024 - 1 - file.len()]);
        file.extend_from_slice("– y\n".as_bytes());
        assert_eq!(
            file[64 * 1024 - 1],
            0xE2,
            "the first buffer ends at the lead"
        );
        let mut sink = Vec::new();
        let err = Windows1252::new(&file[..])
            .read_to_end(&mut sink)
            .unwrap_err();
        let found = err.get_ref().unwrap().downcast_ref::<WrittenAsUtf8>();
        assert_eq!(found.unwrap().line, 2);
    }

    #[test]
    fn cells_read_as_text() {
        assert_eq!(cell_text(&DataRef::Float(4512345678.0)), "4512345678");
        assert_eq!(cell_text(&DataRef::Float(12.5)), "12.5");
        assert_eq!(cell_text(&DataRef::Bool(true)), "true");
        assert_eq!(cell_text(&DataRef::SharedString("Acme")), "Acme");
    }

    #[test]
    fn a_shared_texts_count_is_read_as_the_reader_reads_it() {
        let sst =
            |attrs: &str| format!("<?xml version=\"1.0\"?><sst {attrs}><si><t>a</t></si></sst>");
        assert_eq!(
            claimed_texts(sst(r#"count="3" uniqueCount="2""#).as_bytes()),
            2
        );
        assert_eq!(claimed_texts(sst("uniqueCount = '+007'").as_bytes()), 7);
        assert_eq!(
            claimed_texts(sst(r#"uniqueCount="100000000000""#).as_bytes()),
            100_000_000_000
        );
        assert_eq!(
            claimed_texts(sst(&format!(r#"uniqueCount="{}""#, "9".repeat(40))).as_bytes()),
            u64::MAX
        );
        assert_eq!(claimed_texts(sst(r#"uniqueCount="12a""#).as_bytes()), 0);
        assert_eq!(claimed_texts(sst(r#"count="5""#).as_bytes()), 0);
        // A comment claiming few before the element claiming many hides nothing.
        let hidden = format!(
            "<!-- <sst uniqueCount=\"1\"> -->{}",
            sst(r#"uniqueCount="99999999999""#)
        );
        assert_eq!(claimed_texts(hidden.as_bytes()), 99_999_999_999);
    }

    #[test]
    fn a_shared_texts_part_is_measured_whole_and_a_count_across_two_reads_is_found() {
        // One byte at a time: every attribute is cut between reads somewhere.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(1);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let padding = " ".repeat(200_000);
        let part = format!("<sst{padding}uniqueCount=\"123456\"><si/></sst>");
        assert_eq!(
            read_shared_texts(Trickle(part.as_bytes())).unwrap(),
            (part.len() as u64, 123_456)
        );
        assert_eq!(
            read_shared_texts(part.as_bytes()).unwrap(),
            (part.len() as u64, 123_456)
        );
    }
}
