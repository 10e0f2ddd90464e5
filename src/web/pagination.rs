//! Paging of long lists: which rows to show and the links to other pages.

/// One page of a list of `total` rows.
#[derive(Clone, Debug)]
pub struct Pager {
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

impl Pager {
    /// `page` as typed in the URL (anything unparsable is page 1); past the end is the last page.
    pub fn new(page: Option<&str>, per_page: i64, total: i64) -> Pager {
        let requested = page
            .and_then(|p| p.trim().parse::<i64>().ok())
            .unwrap_or(1)
            .max(1);
        let mut pager = Pager {
            page: requested,
            per_page: per_page.max(1),
            total: total.max(0),
        };
        pager.page = requested.min(pager.pages());
        pager
    }

    /// The page number asked for, before the total is known (to run the page query and the
    /// count together).
    pub fn requested(page: Option<&str>) -> i64 {
        page.and_then(|p| p.trim().parse::<i64>().ok())
            .unwrap_or(1)
            .clamp(1, 1_000_000_000)
    }

    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }

    /// 1-based number of the first row shown (0 when there are none).
    pub fn first_row(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            self.offset() + 1
        }
    }

    pub fn last_row(&self) -> i64 {
        (self.offset() + self.per_page).min(self.total)
    }
}

/// The direction a column header's link asks for: descending when the list is sorted by that
/// column ascending, else ascending.
pub fn header_dir(sort: &str, dir: &str, key: &str) -> &'static str {
    if sort == key && dir == "asc" {
        "desc"
    } else {
        "asc"
    }
}

/// A column header's `aria-sort`: how the list is sorted by it, if it is.
pub fn aria_sort(sort: &str, dir: &str, key: &str) -> &'static str {
    match (sort == key, dir) {
        (true, "desc") => "descending",
        (true, _) => "ascending",
        _ => "none",
    }
}

/// A value as one URL path segment: everything but letters, digits and `-._*` escaped.
pub fn path_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `?a=1&b=2` of a list's parameters (URL-encoded), or "" when there are none.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        out.append_pair(key, value);
    }
    let qs = out.finish();
    if qs.is_empty() {
        String::new()
    } else {
        format!("?{qs}")
    }
}

/// Formats a count with thousands separators in the request's locale: 1204 → "1,204"
/// ("1.204" in da-DK; see `web::filters`).
pub fn thousands(n: i64) -> String {
    super::filters::number(n)
}

/// A count with its noun, singular for one: `counted(1, "line", "lines")` → "1 line",
/// `counted(7442, "line", "lines")` → "7,442 lines" (never "line(s)").
pub fn counted(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// [`counted`] for the audit trail: the number without thousands separators, as the README
/// says its details are written whatever the locale ("8.000 interactions" read as eight once
/// the setting changed).
pub fn counted_plain(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whose rows a list shows when a card's link filtered it (" of contact CT010010, segment
/// SM00038"), for the page's title and heading; empty when no such filter is set. (Every list
/// reached from a card was titled as the whole list.)
pub fn scope(filters: &[(&str, &String)]) -> String {
    let parts: Vec<String> = filters
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(what, v)| format!("{what} {}", v.trim()))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" of {}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_rows() {
        let p = Pager::new(Some("3"), 50, 120);
        assert_eq!((p.page, p.pages(), p.offset()), (3, 3, 100));
        assert_eq!((p.first_row(), p.last_row()), (101, 120));
        assert!(p.has_prev() && !p.has_next());
        let p = Pager::new(Some("x"), 50, 0);
        assert_eq!(
            (p.page, p.pages(), p.first_row(), p.last_row()),
            (1, 1, 0, 0)
        );
        assert_eq!(Pager::new(Some("99"), 50, 120).page, 3);
        assert_eq!(Pager::new(Some("-4"), 50, 120).page, 1);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1000000), "1,000,000");
        assert_eq!(thousands(-12345), "-12,345");
    }
}
