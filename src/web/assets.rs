//! Static assets (`static/`): where they are, and the version each page links them with.
//!
//! A page links `/static/rapport.css?v=<hash of its content>`. That URL always means the same
//! bytes, so the browser may keep it for a year without asking again
//! ([`cache_control`]); a changed file gets a new URL. An address without the current
//! version (an old page, a bookmark, `import-progress.js`) is revalidated with its `ETag`
//! before each use instead.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// What a browser may do with an asset whose address carries its current version.
pub const VERSIONED_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// What a browser may do with any other asset address: keep it, but ask (a 304) before use.
pub const STATIC_CACHE_CONTROL: &str = "public, no-cache";

/// Where the CSS and other assets are: `RAPPORT_STATIC_DIR`, else `./static`, else the
/// `static/` folder of the source tree the binary was built from.
pub fn static_dir() -> PathBuf {
    // Empty is unset, as for every other variable.
    if let Some(dir) = std::env::var_os("RAPPORT_STATIC_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from("static");
    if local.join("rapport.css").is_file() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("static")
}

/// Why pages could not be styled, when [`static_dir`] has no `rapport.css`: one sentence
/// saying what to do, for the start to stop with (every page was served unstyled).
pub fn missing() -> Option<String> {
    let dir = static_dir();
    if dir.join("rapport.css").is_file() {
        return None;
    }
    Some(format!(
        "the static folder {} has no rapport.css: set RAPPORT_STATIC_DIR to the static/ \
         folder of Rapport's release (e.g. /opt/rapport/static), or start Rapport where that \
         folder is.",
        dir.display()
    ))
}

/// The version of every file of the static folder (not its subfolders), read once: the
/// first 16 hex digits of the SHA-256 of its content. Files do not change under a running
/// server (a new release restarts it).
fn versions() -> &'static HashMap<String, String> {
    static VERSIONS: OnceLock<HashMap<String, String>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        let mut versions = HashMap::new();
        let Ok(entries) = std::fs::read_dir(static_dir()) else {
            return versions;
        };
        for entry in entries.flatten() {
            let (Ok(name), Ok(bytes)) =
                (entry.file_name().into_string(), std::fs::read(entry.path()))
            else {
                continue;
            };
            let hash = hex::encode(Sha256::digest(&bytes));
            versions.insert(name, hash[..16].to_string());
        }
        versions
    })
}

/// The address a page links the asset `name` (a file in `static/`) with: with its version
/// when the file is there.
pub fn url(name: &str) -> String {
    match versions().get(name) {
        Some(version) => format!("/static/{name}?v={version}"),
        None => format!("/static/{name}"),
    }
}

/// The `Cache-Control` of a static file's response, from its request's path and query: a
/// year for the current version's address, revalidation for any other.
pub fn cache_control(path: &str, query: &str) -> &'static str {
    let current = path
        .strip_prefix("/static/")
        .and_then(|name| versions().get(name));
    let asked = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "v")
        .map(|(_, v)| v);
    match (current, asked) {
        (Some(current), Some(asked)) if *current == asked => VERSIONED_CACHE_CONTROL,
        _ => STATIC_CACHE_CONTROL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_current_version_may_be_kept_without_asking() {
        let linked = url("rapport.css");
        let (path, query) = linked.split_once('?').expect("a versioned address");
        assert_eq!(path, "/static/rapport.css");
        assert_eq!(cache_control(path, query), VERSIONED_CACHE_CONTROL);
        assert_eq!(cache_control(path, ""), STATIC_CACHE_CONTROL);
        assert_eq!(
            cache_control(path, "v=0000000000000000"),
            STATIC_CACHE_CONTROL
        );
        assert_eq!(
            cache_control("/static/missing.css", "v=x"),
            STATIC_CACHE_CONTROL
        );
        assert_eq!(url("missing.css"), "/static/missing.css");
    }

    /// A browser drops a whole rule whose selector it cannot read, without a word: `:has()`
    /// inside `:has()` is such a selector (the rule that keeps a focused field clear of the
    /// floating message did nothing). Each `:has(…)` of the stylesheet holds no other.
    #[test]
    fn the_stylesheet_nests_no_has_inside_has() {
        let css = std::fs::read_to_string(static_dir().join("rapport.css")).expect("stylesheet");
        for (at, _) in css.match_indices(":has(") {
            let inner = &css[at + ":has(".len()..];
            let mut depth = 1;
            let end = inner
                .char_indices()
                .find_map(|(i, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(i)
                })
                .expect("a closed :has(");
            assert!(
                !inner[..end].contains(":has("),
                "a :has() inside a :has(): {}",
                &css[at..at + ":has(".len() + end + 1]
            );
        }
    }
}
