//! Rows in PostgreSQL's `COPY … FROM STDIN` text format: tab-separated fields, `\N` for NULL,
//! backslash escapes for the characters that would break a row.

use std::fmt::Display;
use std::io::Write as _;

/// A buffer of rows in COPY text format.
#[derive(Default)]
pub struct CopyBuffer {
    pub bytes: Vec<u8>,
    fields: usize,
}

impl CopyBuffer {
    pub fn with_capacity(bytes: usize) -> Self {
        CopyBuffer {
            bytes: Vec::with_capacity(bytes),
            fields: 0,
        }
    }

    fn separator(&mut self) {
        if self.fields > 0 {
            self.bytes.push(b'\t');
        }
        self.fields += 1;
    }

    /// A text field, escaped.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.separator();
        for &b in value.as_bytes() {
            match b {
                b'\\' => self.bytes.extend_from_slice(b"\\\\"),
                b'\t' => self.bytes.extend_from_slice(b"\\t"),
                b'\n' => self.bytes.extend_from_slice(b"\\n"),
                b'\r' => self.bytes.extend_from_slice(b"\\r"),
                _ => self.bytes.push(b),
            }
        }
        self
    }

    /// A text field, or NULL.
    pub fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    /// A number (or anything whose `Display` needs no escaping).
    pub fn number(&mut self, value: impl Display) -> &mut Self {
        self.separator();
        let _ = write!(self.bytes, "{value}");
        self
    }

    pub fn opt_number(&mut self, value: Option<impl Display>) -> &mut Self {
        match value {
            Some(v) => self.number(v),
            None => self.null(),
        }
    }

    pub fn boolean(&mut self, value: bool) -> &mut Self {
        self.separator();
        self.bytes.push(if value { b't' } else { b'f' });
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.separator();
        self.bytes.extend_from_slice(b"\\N");
        self
    }

    /// Ends the current row.
    pub fn end_row(&mut self) {
        self.bytes.push(b'\n');
        self.fields = 0;
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn clear(&mut self) {
        self.bytes.clear();
        self.fields = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::CopyBuffer;

    #[test]
    fn rows_are_tab_separated_with_escapes_and_nulls() {
        let mut b = CopyBuffer::default();
        b.number(42)
            .text("Jensen\tA/S\\x\ny\r")
            .null()
            .opt_text(Some("DK"))
            .opt_number(None::<i64>)
            .boolean(true)
            .boolean(false);
        b.end_row();
        b.text("").end_row();
        assert_eq!(
            String::from_utf8(b.bytes).unwrap(),
            "42\tJensen\\tA/S\\\\x\\ny\\r\t\\N\tDK\t\\N\tt\tf\n\n"
        );
    }

    #[test]
    fn multibyte_text_passes_unchanged() {
        let mut b = CopyBuffer::default();
        b.text("Søren Østergaard – København Ø");
        assert_eq!(b.bytes, "Søren Østergaard – København Ø".as_bytes());
    }
}
