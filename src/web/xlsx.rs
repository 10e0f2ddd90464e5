//! Excel workbooks (.xlsx) for the downloads of [`super::csv`]: the same header and rows, with
//! text cells as text (never a formula, never an apostrophe), numbers as numbers and dates as
//! dates. rust_xlsxwriter's constant-memory mode writes each row to a temporary file as soon
//! as the next one starts, so memory stays flat at a million rows; the finished workbook (a
//! zip file, which needs the whole sheet before it can be closed) is then sent in chunks.

use std::io::{Read, Seek};

use bytes::Bytes;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::PgConnection;
use diesel::QueryableByName;
use rust_xlsxwriter::{ColNum, Format, RowNum, Workbook, XlsxError};

use super::csv::{for_each_row, Cell, Download, Record};

/// Rows of one worksheet, the header included (Excel's limit); past it the rows go on in the
/// next sheet, under the same header.
const SHEET_ROWS: RowNum = 1_048_576;

/// Bytes of the finished workbook sent at a time.
const CHUNK_BYTES: usize = 256 * 1024;

/// A workbook being written row by row, in constant memory.
pub struct XlsxWriter {
    workbook: Workbook,
    header: &'static [&'static str],
    sheet: usize,
    row: RowNum,
    bold: Format,
    date: Format,
    amount: Format,
    /// Text ("@"): a post code or a phone number typed over in Excel stays as typed ("0150",
    /// "+4512345678"), instead of becoming the number 150 that an import reads back so.
    text: Format,
    /// Which of this sheet's columns have their kind decided: a text column has the text
    /// format, set at its first row; a column of numbers or dates keeps the general one. A
    /// column whose first cells are [`Cell::Empty`] is decided by its first value (it was
    /// decided by the first row alone, and an empty stage there made the column of stages
    /// text).
    columns_set: Vec<bool>,
    /// Whether the workbook is imported back ([`super::csv::Record::IMPORTED_BACK`]).
    pub imported_back: bool,
}

impl XlsxWriter {
    pub fn new(header: &'static [&'static str]) -> Result<Self, XlsxError> {
        let mut writer = XlsxWriter {
            workbook: Workbook::new(),
            header,
            sheet: 0,
            row: 0,
            bold: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            amount: Format::new().set_num_format("#,##0.00"),
            text: Format::new().set_num_format("@"),
            columns_set: Vec::new(),
            imported_back: true,
        };
        writer.add_sheet()?;
        Ok(writer)
    }

    /// A new constant-memory sheet with the header in its first row, frozen.
    fn add_sheet(&mut self) -> Result<(), XlsxError> {
        let count = self.workbook.worksheets().len();
        let sheet = self.workbook.add_worksheet_with_constant_memory()?;
        for col in 0..self.header.len() {
            sheet.set_column_width(col as ColNum, 16)?;
        }
        for (col, name) in self.header.iter().enumerate() {
            sheet.write_string_with_format(0, col as ColNum, *name, &self.bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        self.sheet = count;
        self.row = 1;
        self.columns_set = vec![false; self.header.len()];
        Ok(())
    }

    /// Writes one row under the last.
    pub fn write(&mut self, cells: &[Cell<'_>]) -> Result<(), XlsxError> {
        if self.row == SHEET_ROWS {
            self.add_sheet()?;
        }
        let XlsxWriter {
            workbook,
            sheet,
            row,
            date,
            amount,
            text,
            columns_set,
            ..
        } = self;
        let (row, sheet) = (*row, workbook.worksheet_from_index(*sheet)?);
        // The text columns are text for what is typed into them later too.
        for (col, cell) in cells.iter().enumerate() {
            let Some(set @ false) = columns_set.get_mut(col) else {
                continue;
            };
            match cell {
                Cell::Empty => continue,
                Cell::Text(_) => {
                    sheet.set_column_format(col as ColNum, text)?;
                }
                _ => {}
            }
            *set = true;
        }
        for (col, cell) in cells.iter().enumerate() {
            let col = col as ColNum;
            match cell {
                // An empty cell stays empty (no empty string), as Excel's own.
                Cell::Empty => {}
                Cell::Text(t) if t.is_empty() => {}
                Cell::Text(t) => {
                    let t = if self.imported_back {
                        super::csv::guard_apostrophes(t.as_ref())
                    } else {
                        std::borrow::Cow::Borrowed(t.as_ref())
                    };
                    sheet.write_string_with_format(row, col, t.as_ref(), text)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                Cell::Amount(a) => {
                    sheet.write_number_with_format(row, col, *a, amount)?;
                }
                // Excel has no date before 1900 (nor after 9999): such a date (a typo,
                // "0206-12-01") was written as a negative day number and shown as ####. It is
                // written as the text it is instead.
                Cell::Date(d) if !(1900..=9999).contains(&chrono::Datelike::year(d)) => {
                    let shown = d.format("%Y-%m-%d").to_string();
                    sheet.write_string_with_format(row, col, &shown, text)?;
                }
                Cell::Date(d) => {
                    sheet.write_datetime_with_format(row, col, d, date)?;
                }
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Closes the workbook into an anonymous temporary file, rewound. A workbook of no rows
    /// has every column as text: it is the form a new list is typed into (an empty export of
    /// contacts, filled in and imported), where no cell tells a column's kind.
    pub fn finish(mut self) -> anyhow::Result<std::fs::File> {
        if self.row == 1 && self.sheet == 0 {
            let sheet = self.workbook.worksheet_from_index(self.sheet)?;
            for col in 0..self.header.len() {
                sheet.set_column_format(col as ColNum, &self.text)?;
            }
        }
        let mut file = tempfile::tempfile()?;
        let mut out = std::io::BufWriter::new(&mut file);
        self.workbook.save_to_writer(&mut out)?;
        // Flushed here, where a failure (a full disk) is an error: dropped, the buffer's last
        // bytes would be written or lost in silence, and the download cut short.
        std::io::Write::flush(&mut out)?;
        drop(out);
        file.rewind()?;
        Ok(file)
    }
}

/// Writes the workbook of the query's rows and sends it to `download` in chunks.
pub(crate) fn write<R, Q>(
    conn: &mut PgConnection,
    header: &'static [&'static str],
    build: Q,
    download: &Download,
) -> anyhow::Result<()>
where
    R: QueryableByName<Pg> + Record + 'static,
    Q: FnOnce() -> BoxedSqlQuery<'static, Pg, SqlQuery>,
{
    let mut book = XlsxWriter::new(header)?;
    book.imported_back = R::IMPORTED_BACK;
    let written = for_each_row(conn, build, |row: &R| {
        book.write(&row.cells())?;
        // The browser leaves when it stops waiting; the rows keep coming until then.
        Ok(if download.is_closed() {
            Err(super::csv::Gone)
        } else {
            Ok(())
        })
    })?;
    if written.is_err() {
        return Ok(());
    }
    let mut file = book.finish()?;
    let mut buffer = vec![0u8; CHUNK_BYTES];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(());
        }
        if download.send(Bytes::copy_from_slice(&buffer[..n])).is_err() {
            return Ok(());
        }
    }
}
