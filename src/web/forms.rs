//! Field-level validation messages shown next to their inputs.

use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct FormErrors {
    fields: BTreeMap<&'static str, String>,
}

impl FormErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.fields.entry(field).or_insert_with(|| message.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// (field, message) pairs, for the error summary at the top of a form.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.fields.iter().map(|(k, v)| (*k, v.as_str()))
    }
}

/// Trims a text field; an empty string stays empty.
pub fn clean(value: &str) -> String {
    value.trim().to_string()
}

/// A `next` URL after sign-in is only ever a path on this site.
pub fn safe_next(next: &str) -> Option<String> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    ok.then(|| next.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_the_site() {
        assert_eq!(
            safe_next("/admin/users?page=2").as_deref(),
            Some("/admin/users?page=2")
        );
        assert_eq!(safe_next("//evil.example/"), None);
        assert_eq!(safe_next("/\\evil.example/"), None);
        assert_eq!(safe_next("https://evil.example/"), None);
        assert_eq!(safe_next("/a\r\nSet-Cookie: x"), None);
    }

    #[test]
    fn first_message_per_field_wins() {
        let mut e = FormErrors::new();
        e.add("name", "first");
        e.add("name", "second");
        assert_eq!(e.get("name"), Some("first"));
        assert_eq!(e.len(), 1);
    }
}
