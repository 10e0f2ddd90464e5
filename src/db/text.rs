//! Text as the database compares it.

/// Case folding for case-insensitive matching, the same as the database's `rapport_fold`
/// (migration `unicode_fold`): lower case by Unicode's rules (Ø → ø, Å → å, Ä → ä, Ö → ö,
/// İ → i̇), then `ß` as `ss`, a dotted `i̇` as `i` and a final sigma `ς` as `σ`, so that
/// `STRASSE` finds `Straße`, `istanbul` finds `İstanbul` and `ΟΔΟΣ` finds `Οδοστρωμα` (lower
/// case writes the Σ ending a word as ς). It does not depend on the database's locale: a
/// cluster made with `--locale=C` folds only ASCII in its own `lower()`.
pub fn fold(s: &str) -> String {
    s.to_lowercase()
        .replace('ß', "ss")
        .replace("i\u{307}", "i")
        .replace('ς', "σ")
}

/// Characters that take no room when shown (Unicode's format characters: zero-width spaces
/// and joiners, the byte order mark, direction marks and overrides, soft hyphens).
pub fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// `s` without white space and invisible characters ([`invisible`]) at either end, which
/// `trim` keeps (a name of a zero-width space alone was a contact of no visible name in every
/// list).
pub fn trimmed(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || invisible(c))
}

/// `s` composed (Unicode NFC), borrowed when it is already: "A" followed by a combining ring
/// (as a Mac may write "Å" in a file, or a keyboard send it) becomes the one letter "Å", as it
/// is typed in a search and stored by every other way in. Text is composed where it comes in
/// (forms, links and imported files), so that a search finds it whichever way it was written.
pub fn composed(s: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    if unicode_normalization::is_nfc(s) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.nfc().collect())
    }
}

diesel::define_sql_function!(
    /// The database's `rapport_fold(text)`: the same folding as [`fold`], for diesel queries.
    fn rapport_fold(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

/// Escapes `%`, `_` and `\` for a LIKE pattern (PostgreSQL's default `\` escape), so that
/// they match themselves.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The LIKE pattern for "contains `q`, in any case": `q` folded ([`fold`]) and escaped, to
/// compare with `rapport_fold(column)`.
pub fn contains_pattern(q: &str) -> String {
    format!("%{}%", like_escape(&fold(q)))
}

/// What a search of the contacts' search text looks for: `q` folded ([`fold`]), or, where
/// `q` is a phone number (digits set out with spaces, slashes, brackets or a `+`, and maybe
/// dashes and dots among them), its digits alone, as the search text holds every phone's
/// digits too (migration `contact_search_phone_digits_search_name`): "86 12 34 56" finds
/// "+45 86123456" and "86123456" finds "+45 86 12 34 56". Digits with dashes or dots alone
/// ("24-000123", "2024.001") are searched as typed: a No. may be written so.
pub fn search_term(q: &str) -> String {
    if is_phone(q) {
        q.chars().filter(char::is_ascii_digit).collect()
    } else {
        fold(q)
    }
}

/// Whether `q` is searched as a phone number, by its digits ([`search_term`]). A space is any
/// space (a number pasted from a signature or a web page has no-break ones), a dash any dash.
pub fn is_phone(q: &str) -> bool {
    let spacing = |c: char| c.is_whitespace() || matches!(c, '+' | '/' | '(' | ')');
    let dash = |c: char| matches!(c, '-' | '.' | '\u{2010}'..='\u{2015}' | '\u{2212}');
    q.chars().any(|c| c.is_ascii_digit())
        && q.chars().any(spacing)
        && q.chars()
            .all(|c| c.is_ascii_digit() || spacing(c) || dash(c))
}

/// For a search `q` that is a phone number, the test that contact `c`'s phone or mobile holds
/// its digits, whatever else it holds (the LIKE pattern bound as `p`, [`search_pattern`]),
/// as the search text has them, beside the search text's test:
/// that text holds the No., the name and the rest too, whose digits are not a phone's ("+45
/// 86" found CT004586 by its No.). `None` for any other search.
pub fn phone_test(q: &str, c: &str, p: &str) -> Option<String> {
    is_phone(q).then(|| {
        format!(
            "(regexp_replace({c}.phone, '[^0-9]', '', 'g') LIKE {p} \
             OR regexp_replace({c}.mobile, '[^0-9]', '', 'g') LIKE {p})"
        )
    })
}

/// The LIKE pattern for "the search text contains `q`": [`search_term`], escaped.
pub fn search_pattern(q: &str) -> String {
    format!("%{}%", like_escape(&search_term(q)))
}

#[cfg(test)]
mod tests {
    use super::{composed, contains_pattern, fold, like_escape, search_pattern, search_term};

    #[test]
    fn decomposed_letters_are_composed_and_composed_text_is_left_as_it_is() {
        assert_eq!(composed("A\u{30a}rhus"), "Århus");
        assert_eq!(composed("Mo\u{308}ller"), "Möller");
        assert_eq!(composed("Ørsted"), "Ørsted");
        assert!(matches!(composed("Århus"), std::borrow::Cow::Borrowed(_)));
        assert!(matches!(composed("plain"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn invisible_characters_at_either_end_are_trimmed_and_kept_within() {
        assert_eq!(super::trimmed("\u{200B}"), "");
        assert_eq!(super::trimmed(" \u{FEFF}Acme\u{00AD} \u{2060}"), "Acme");
        assert_eq!(super::trimmed("a\u{200D}b"), "a\u{200D}b");
    }

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
        assert_eq!(contains_pattern("ØRE_"), "%øre\\_%");
    }

    #[test]
    fn folds_every_letter_not_only_ascii() {
        assert_eq!(fold("ØSTERGAARD"), "østergaard");
        assert_eq!(fold("Åse ÄNGEL Östra"), "åse ängel östra");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRASSE"), "strasse");
        assert_eq!(fold("GROẞ"), "gross");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("ISTANBUL"), "istanbul");
        assert_eq!(fold("%Ø\\_%"), "%ø\\_%");
        // Σ ending a word lowers to ς, within one to σ: both fold to σ.
        assert_eq!(fold("ΟΔΟΣ"), "οδοσ");
        assert_eq!(fold("οδός"), "οδόσ");
        assert_eq!(fold("ΟΔΟΣΤΡΩΜΑ"), "οδοστρωμα");
    }

    #[test]
    fn a_phone_number_is_searched_by_its_digits_and_other_text_folded() {
        assert_eq!(search_term("+45 86 12-34.56"), "4586123456");
        assert_eq!(search_term("(086) 12/34"), "0861234");
        assert_eq!(search_term("86123456"), "86123456");
        assert_eq!(search_term("ØSTER 12"), "øster 12");
        assert_eq!(search_term("CT-0001"), "ct-0001");
        assert_eq!(search_term("24-000123"), "24-000123");
        assert_eq!(search_term("2024.001"), "2024.001");
        assert_eq!(search_term("86 12-34"), "861234");
        assert_eq!(search_term("- ()"), "- ()");
        // Spaces and dashes as a signature or a web page has them.
        assert_eq!(search_term("86\u{a0}12\u{a0}34"), "861234");
        assert_eq!(search_term("+45\u{202f}86–12–34"), "45861234");
        assert_eq!(search_term("24–000123"), "24–000123");
        assert_eq!(search_pattern("86 12"), "%8612%");
        assert_eq!(search_pattern("50%"), "%50\\%%");
    }
}
