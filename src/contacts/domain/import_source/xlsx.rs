//! The first sheet of an Excel workbook (.xlsx), row by row: its shared texts checked before
//! the reader holds them, and its cells read as they show.

use std::io::Read;

use calamine::{DataRef, Reader, Xlsx, XlsxCellReader};
use csv::{Position, StringRecord};

use super::{Source, Unreadable};

/// The first sheet of a workbook, row by row; a row's line is its row number in the sheet.
pub struct XlsxSource<'a, RS: Read + std::io::Seek> {
    cells: XlsxCellReader<'a, RS>,
    /// The first cell of the next row, read ahead.
    pending: Option<(u32, u32, String)>,
    done: bool,
}

/// A workbook to read, and whether a sheet of it has merged cells.
pub struct Workbook<RS> {
    book: Xlsx<RS>,
    merged: bool,
}

/// Opens a workbook; the message says why it cannot be read.
pub fn open_workbook<RS: Read + std::io::Seek>(mut data: RS) -> Result<Workbook<RS>, String> {
    let merged = check_parts(&mut data)?;
    data.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| format!("the file is not readable ({e})"))?;
    let book =
        Xlsx::new(data).map_err(|e| format!("the file is not an Excel workbook (.xlsx) ({e})"))?;
    Ok(Workbook { book, merged })
}

/// The most text a workbook's shared texts (its sharedStrings part) may hold: the reader keeps
/// them all in memory while the sheet is read.
pub const SHARED_TEXT_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// The most different texts a workbook may share (the reader makes room for all of them at
/// once, as many as the part says it has).
pub const SHARED_TEXT_MAX_COUNT: u64 = 20_000_000;

/// The most a part the reader holds whole, other than the shared texts (the styles, the
/// workbook's list of sheets, their links), may unpack to.
pub const OTHER_PART_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The longest text between two marks (`<`) of a part: the reader holds one whole. A cell of
/// Excel holds at most 32,767 characters (a few hundred kB written out in XML).
pub const TEXT_RUN_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Excel's columns: A to XFD.
pub const COLUMNS_MAX: u32 = 16_384;

/// Refuses a workbook the reader would run out of memory on (a few MB of zip can unpack to
/// gigabytes, and a damaged or hostile file stopped the whole server): shared texts that
/// unpack to more than [`SHARED_TEXT_MAX_BYTES`] (however small they say they are), or that
/// claim more texts than they hold or than [`SHARED_TEXT_MAX_COUNT`] (the reader would make
/// room for all of them before reading one); a part the reader holds whole past
/// [`OTHER_PART_MAX_BYTES`]; one text past [`TEXT_RUN_MAX_BYTES`] anywhere. Each part is
/// unpacked once, into nothing. A file that is no zip archive is left to the reader, which
/// says so. Whether a worksheet has merged cells.
fn check_parts<RS: Read + std::io::Seek>(data: &mut RS) -> Result<bool, String> {
    let Ok(mut zip) = zip::ZipArchive::new(data) else {
        return Ok(false);
    };
    let mut merged = false;
    let too_big = |what: &str, max: u64| {
        format!(
            "{what} take more than {} MB: split it, or save it from Excel as \"CSV UTF-8 \
             (Comma delimited)\" and import that",
            max / (1024 * 1024)
        )
    };
    for i in 0..zip.len() {
        let Ok(part) = zip.by_index(i) else {
            continue;
        };
        let name = part.name().unwrap_or_default().to_ascii_lowercase();
        let shared = name.ends_with("sharedstrings.xml");
        let sheet = name.contains("worksheets/");
        // The parts the reader holds whole; the others (pictures, a pivot table's copy of the
        // data, embedded files) it never opens, whatever their size.
        let read_whole = ["workbook.xml", "styles.xml", ".rels", "[content_types].xml"]
            .iter()
            .any(|end| name.ends_with(end));
        if !shared && !sheet && !read_whole {
            continue;
        }
        let max = if shared {
            SHARED_TEXT_MAX_BYTES
        } else if sheet {
            u64::MAX - 1
        } else {
            OTHER_PART_MAX_BYTES
        };
        let scan =
            read_part(part.take(max + 1)).map_err(|e| format!("the workbook is damaged ({e})"))?;
        if scan.size > max {
            return Err(if shared {
                too_big("the workbook's texts", max)
            } else {
                format!(
                    "the workbook is damaged: its part {name} unpacks to more than {} MB",
                    max / (1024 * 1024)
                )
            });
        }
        if scan.longest_text > TEXT_RUN_MAX_BYTES {
            return Err(format!(
                "the workbook is damaged: its part {name} holds a text of more than {} MB, \
                 more than a cell of Excel holds",
                TEXT_RUN_MAX_BYTES / (1024 * 1024)
            ));
        }
        merged |= sheet && scan.merged;
        if !shared {
            continue;
        }
        // The shortest shared text, `<si/>`, takes five bytes.
        let (size, claimed) = (scan.size, scan.claimed);
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
    Ok(merged)
}

/// What reading a part to its end found.
#[derive(Debug, PartialEq, Eq)]
struct PartScan {
    size: u64,
    /// The largest number of texts it claims anywhere (a `uniqueCount` attribute; the reader
    /// makes room for as many as the first `<sst>` element's says, which a comment before it
    /// could hide from a look at one place).
    claimed: u64,
    /// The longest run of bytes without a `<`: the longest text the reader would hold.
    longest_text: u64,
    /// Whether it names merged cells (a worksheet's `<mergeCell>`).
    merged: bool,
}

/// Reads a part to its end, into nothing.
fn read_part(mut part: impl Read) -> std::io::Result<PartScan> {
    /// Bytes kept from one buffer to the next: an attribute cut at a buffer's end is read
    /// whole in the next.
    const CARRY: usize = 128;
    let mut buffer = vec![0u8; CARRY + 64 * 1024];
    let (mut kept, mut size, mut claimed) = (0, 0u64, 0u64);
    let (mut run, mut longest_text) = (0u64, 0u64);
    let mut merged = false;
    loop {
        let n = match part.read(&mut buffer[kept..]) {
            Ok(0) => {
                return Ok(PartScan {
                    size,
                    claimed,
                    longest_text: longest_text.max(run),
                    merged,
                })
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        size += n as u64;
        let end = kept + n;
        let fresh = &buffer[kept..end];
        let mut from = 0;
        for at in memchr::memchr_iter(b'<', fresh) {
            longest_text = longest_text.max(run + (at - from) as u64);
            run = 0;
            from = at + 1;
        }
        run += (fresh.len() - from) as u64;
        claimed = claimed.max(claimed_texts(&buffer[..end]));
        // `<mergeCell ref=…>`, or `<x:mergeCell …>` as other programs than Excel write it.
        merged = merged || memchr::memmem::find(&buffer[..end], b"mergeCell ").is_some();
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
    /// first alone would leave the others' rows out, silently; so is one whose other sheets
    /// hold contacts under another header (persons beside companies). Sheets with other
    /// columns (notes beside the list) and chart sheets are left alone.
    ///
    /// Cells merged across rows or columns are refused, naming them: the reader finds the
    /// value in the first cell alone and the others empty, and an update by No. emptied every
    /// person's company but the first of a merged Company No.
    pub fn first_sheet(workbook: &'a mut Workbook<RS>) -> Result<(Self, u64), String> {
        let merged = workbook.merged;
        let book = &mut workbook.book;
        // Worksheets only: a chart sheet has no cells to read.
        let names: Vec<String> = book
            .sheets_metadata()
            .iter()
            .filter(|s| s.typ == calamine::SheetType::WorkSheet)
            .map(|s| s.name.clone())
            .collect();
        let name = names
            .first()
            .cloned()
            .ok_or_else(|| "the workbook has no sheet".to_string())?;
        if names.len() > 1 {
            let header = header_of(book, &name)?;
            let holds_contacts =
                |h: &[String]| h.iter().any(|c| c == "type") && h.iter().any(|c| c == "name");
            for other in &names[1..] {
                let theirs = header_of(book, other)?;
                if !header.is_empty() && theirs == header {
                    return Err(format!(
                        "the rows go on in sheet \"{other}\" under the same header, and only \
                         the first sheet, \"{name}\", is read: import each sheet as a workbook \
                         of its own (or as CSV), so that no row is left out"
                    ));
                }
                // Persons in a sheet of their own beside the companies: left out unsaid.
                if holds_contacts(&theirs) {
                    return Err(format!(
                        "sheet \"{other}\" holds contacts too (its first row has type and \
                         name), and only the first sheet, \"{name}\", is read: import each \
                         sheet as a workbook of its own (or as CSV), so that no row is left out"
                    ));
                }
            }
        }
        if merged {
            refuse_merged_cells(book, &name)?;
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
                    if col >= COLUMNS_MAX {
                        self.done = true;
                        return Err(past_last_column(row));
                    }
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

/// A cell past Excel's last column (XFD): the row would be made as wide as its column says,
/// gigabytes for "ZZZZZZ2".
/// The first sheet's first merged range, refused with what to do.
fn refuse_merged_cells<RS: Read + std::io::Seek>(
    book: &mut Xlsx<RS>,
    name: &str,
) -> Result<(), String> {
    let regions = book
        .merge_cells_by_sheet_name(name)
        .map_err(|e| format!("the sheet \"{name}\" is not readable ({e})"))?;
    let Some(first) = regions
        .iter()
        .filter(|r| r.start != r.end)
        .min_by_key(|r| r.start)
    else {
        return Ok(());
    };
    let cell = |(row, col): (u32, u32)| {
        format!(
            "{}{}",
            super::super::import::column_letters(col as usize),
            row + 1
        )
    };
    Err(format!(
        "cells {}:{} of sheet \"{name}\" are merged{}: a merged range's value is read in its \
         first cell only, and the others would be read as empty. Unmerge them in Excel (Home, \
         Merge & Center, Unmerge Cells) and fill in every cell",
        cell(first.start),
        cell(first.end),
        match regions.iter().filter(|r| r.start != r.end).count() {
            1 => String::new(),
            n => format!(" (and {} other ranges)", n - 1),
        }
    ))
}

fn past_last_column(row: u32) -> Unreadable {
    Unreadable {
        line: u64::from(row) + 1,
        message: "the workbook is damaged: a cell of this row is past Excel's last column, \
                  XFD"
        .into(),
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
        if col >= COLUMNS_MAX {
            return Err(format!(
                "the sheet \"{name}\" is damaged: a cell of its row {} is past Excel's last \
                 column, XFD",
                row + 1
            ));
        }
        let text = crate::db::text::trimmed(&cell_text(cell.get_value())).to_lowercase();
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
        let scan = PartScan {
            size: part.len() as u64,
            claimed: 123_456,
            longest_text: 200_000 + "uniqueCount=\"123456\">".len() as u64 + 3,
            merged: false,
        };
        assert_eq!(read_part(Trickle(part.as_bytes())).unwrap(), scan);
        assert_eq!(read_part(part.as_bytes()).unwrap(), scan);
        // The longest run without a `<` (a tag's name and its text) is found across reads,
        // and at the end.
        // Merged cells are found across reads.
        let merges =
            format!("<sheetData>{padding}</sheetData><mergeCells><mergeCell ref=\"D2:D3\"/>");
        assert!(read_part(Trickle(merges.as_bytes())).unwrap().merged);
        let prefixed = format!("<x:sheetData>{padding}</x:sheetData><x:mergeCells count=\"1\"><x:mergeCell ref=\"C2:C3\"/>");
        assert!(read_part(Trickle(prefixed.as_bytes())).unwrap().merged);
        assert!(!read_part(part.as_bytes()).unwrap().merged);
        let long = format!("<a>{}</a><b>xy", "z".repeat(150_000));
        assert_eq!(
            read_part(Trickle(long.as_bytes())).unwrap().longest_text,
            150_002
        );
        assert_eq!(read_part(long.as_bytes()).unwrap().longest_text, 150_002);
        assert_eq!(read_part("<a>xyz".as_bytes()).unwrap().longest_text, 5);
    }
}
