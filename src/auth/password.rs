//! Passwords: Argon2id (m = 19 MiB, t = 2, p = 1) and the rules for new ones.

use std::cell::Cell;
use std::sync::OnceLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

/// OWASP's minimum for Argon2id: 19 MiB of memory, two passes, one lane. Checked when the
/// program is compiled: parameters Argon2 refuses do not build.
const PARAMS: Params = match Params::new(19 * 1024, 2, 1, None) {
    Ok(params) => params,
    Err(_) => panic!("Argon2 refuses these parameters"),
};

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

thread_local! {
    static VERIFICATIONS: Cell<u64> = const { Cell::new(0) };
}

/// How many Argon2 verifications this thread has run (real and dummy alike), so tests can
/// check that every sign-in path costs exactly one, whatever the machine's speed.
pub fn verifications() -> u64 {
    VERIFICATIONS.with(Cell::get)
}

/// Checks a password against a stored hash; a malformed hash never matches (and, like a
/// well-formed one, counts as one verification).
pub fn verify(password: &str, stored: &str) -> bool {
    VERIFICATIONS.with(|n| n.set(n.get() + 1));
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Verifies against a throwaway hash, so an unknown user name costs as much time as a wrong
/// password and the two cannot be told apart.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("rapport-dummy-password").unwrap_or_default());
    let _ = verify(password, stored);
}

/// Said when the password and its repetition differ.
pub const MISMATCH: &str = "The two passwords do not match.";

/// The form field a message of [`check_new`] goes next to: the repetition's for a mismatch,
/// else the password's.
pub fn field_of(message: &str) -> &'static str {
    if message == MISMATCH {
        "password_confirmation"
    } else {
        "password"
    }
}

/// The rules for a new password of the user `username`; the message is shown next to the
/// field. Beyond its length, a password is refused that a guesser tries first: one holding
/// the user name, a run or a repeat of a few characters ("111111111111", "123456789012"),
/// or a common word or keyboard row with digits and signs around it ("Password2026!",
/// "Sommer2026!!", "qwertyuiop12"), as NIST SP 800-63B asks of a list of known-bad ones.
pub fn check_new(password: &str, confirmation: &str, username: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err("Use at least 12 characters.");
    }
    if length > MAX_LENGTH {
        return Err("Use at most 256 characters.");
    }
    if password.trim().is_empty() {
        return Err("The password cannot be only spaces.");
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && lower.contains(&name) {
        return Err("The password cannot contain the user name.");
    }
    if few_characters(&lower) {
        return Err(
            "This password is a run or a repeat of a few characters, among the first guessed: \
             use a few unrelated words instead.",
        );
    }
    if common_core(&lower) {
        return Err(
            "This password is a common word or keyboard row with digits or signs around it, \
             among the first guessed: use a few unrelated words instead.",
        );
    }
    if password != confirmation {
        return Err(MISMATCH);
    }
    Ok(())
}

/// Fewer than five different characters, or one run up or down ("abcdefghijkl",
/// "123456789012", digits going round after 9).
fn few_characters(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return true;
    }
    let step = |a: char, b: char| -> Option<i32> {
        match (a.to_digit(10), b.to_digit(10)) {
            (Some(x), Some(y)) => Some(((y as i32 - x as i32) + 10) % 10),
            _ => Some(b as i32 - a as i32),
        }
    };
    let steps: Vec<Option<i32>> = chars.windows(2).map(|w| step(w[0], w[1])).collect();
    let up = steps.iter().all(|s| *s == Some(1));
    let down = steps.iter().all(|s| matches!(s, Some(-1) | Some(9)));
    up || down
}

/// Words and keyboard rows a guesser tries first, in English and Danish.
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "passord",
    "kodeord",
    "adgangskode",
    "hemmelig",
    "secret",
    "welcome",
    "velkommen",
    "letmein",
    "iloveyou",
    "jegelskerdig",
    "admin",
    "administrator",
    "rapport",
    "changeme",
    "trustno1",
    "login",
    "master",
    "monkey",
    "dragon",
    "football",
    "fodbold",
    "summer",
    "sommer",
    "winter",
    "vinter",
    "spring",
    "autumn",
    "efterår",
    "forår",
    "danmark",
    "denmark",
    "københavn",
    "copenhagen",
    "company",
    "firma",
    "office",
    "kontor",
    "qwerty",
    "qwertz",
    "azerty",
    "asdfgh",
    "zxcvbn",
    "qazwsx",
    "1qaz2wsx",
    "q1w2e3r4",
];

/// Keyboard rows, of which six keys or more in a row count as common.
const ROWS: &[&str] = &["qwertyuiopå", "asdfghjklæø", "zxcvbnm", "1234567890"];

/// Whether what is left after the digits, signs and spaces around it is a common word, a
/// repeat of one, or a keyboard row.
fn common_core(lower: &str) -> bool {
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    let core: String = core.chars().filter(|c| !c.is_whitespace()).collect();
    if core.is_empty() {
        return false;
    }
    let repeat_of = |word: &str| {
        !word.is_empty()
            && core.len().is_multiple_of(word.len())
            && core
                .as_bytes()
                .chunks(word.len())
                .all(|c| c == word.as_bytes())
    };
    if COMMON.iter().any(|w| repeat_of(w)) {
        return true;
    }
    let core_chars = core.chars().count();
    core_chars >= 6
        && ROWS.iter().any(|row| {
            row.contains(core.as_str())
                || row
                    .chars()
                    .rev()
                    .collect::<String>()
                    .contains(core.as_str())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn new_password_rules() {
        let check = |p: &str| check_new(p, p, "jens");
        assert!(check("short").is_err());
        assert!(check("twelve chars").is_ok());
        assert_eq!(
            check_new("twelve chars", "twelve charz", "jens"),
            Err("The two passwords do not match.")
        );
        let long = "xy".repeat(129);
        assert!(check(&long).is_err());
        let spaces = " ".repeat(12);
        assert!(check(&spaces).is_err());
    }

    #[test]
    fn passwords_a_guesser_tries_first_are_refused() {
        let check = |p: &str| check_new(p, p, "jens.hansen");
        for guessed in [
            "111111111111",
            "121212121212",
            "aaaabbbbcccc",
            "123456789012",
            "0987654321098",
            "abcdefghijklm",
            "Password2026!",
            "PASSWORD1234",
            "passwordpassword",
            "Sommer2026!!",
            "Velkommen123",
            "   kodeord2026   ",
            "Efterår2026!!",
            "qwertyuiop12",
            "1234qwertyuiop",
            "!!Rapport2026",
            "Jens.Hansen2026",
        ] {
            assert!(check(guessed).is_err(), "{guessed:?} is taken");
        }
        assert_eq!(
            check("xjens.hansenx"),
            Err("The password cannot contain the user name.")
        );
        for good in [
            "correct horse battery staple",
            "twelve chars",
            "Blå hest på taget",
            "password manager tip",
            "Sommerhus ved Vesterhavet",
            "rapport-uge-48-tirsdag",
            "qwerty is not my thing",
        ] {
            assert_eq!(check(good), Ok(()), "{good:?}");
        }
        // A short user name is not looked for.
        assert_eq!(
            check_new("abc is a fine start", "abc is a fine start", "ab"),
            Ok(())
        );
    }
}
