//! Where the rows of an import come from, one record at a time: a CSV file as Excel or anyone
//! writes it (`,` or `;` between the cells, found from the header line; UTF-8, or Windows-1252
//! when the user says so), or the first sheet of an Excel workbook (.xlsx). Each record
//! carries the line it starts on (a CSV file's line, a sheet's row number), which every
//! problem names.

use csv::StringRecord;

mod delimited;
mod windows1252;
mod xlsx;

pub use delimited::{sniff_separator, CsvSource, CR_ALONE};
pub use windows1252::{Windows1252, WrittenAsUtf8};
pub use xlsx::{open_workbook, Workbook, XlsxSource};

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

/// Every record of a source, with its line, and the problem that stopped the reading.
#[cfg(test)]
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
