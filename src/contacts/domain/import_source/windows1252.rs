//! Windows-1252 read as UTF-8, refusing a file (or part of one) written in UTF-8.

use std::io::Read;

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

#[cfg(test)]
mod tests {
    use super::super::{records, CsvSource};
    use super::*;

    #[test]
    fn windows_1252_reads_as_utf8() {
        let data = b"type;name;city\ncompany;S\xF8ren \x80;K\xF8ge\n";
        let (rows, err) = records(&mut CsvSource::new(Windows1252::new(&data[..]), b';'));
        assert!(err.is_none());
        assert_eq!(rows[1].1, vec!["company", "Søren €", "Køge"]);
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
}
