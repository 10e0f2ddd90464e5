//! Template filters, one place for how numbers are shown: `{{ n|thousands }}` → "1,204".
//!
//! A module that renders a template using them imports this module as `filters` (askama calls
//! `filters::name`).

/// A count a template can show.
pub trait Count {
    fn count(&self) -> i64;
}

impl Count for i64 {
    fn count(&self) -> i64 {
        *self
    }
}

impl Count for i32 {
    fn count(&self) -> i64 {
        i64::from(*self)
    }
}

impl Count for usize {
    fn count(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl<T: Count + ?Sized> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// A count with thousands separators: 1204 → "1,204".
pub fn thousands(n: impl Count, _: &dyn askama::Values) -> askama::Result<String> {
    Ok(super::pagination::thousands(n.count()))
}
