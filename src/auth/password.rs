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

/// The rules for a new password; the message is shown next to the field.
pub fn check_new(password: &str, confirmation: &str) -> Result<(), &'static str> {
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
    if password != confirmation {
        return Err("The two passwords do not match.");
    }
    Ok(())
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
        assert!(check_new("short", "short").is_err());
        assert!(check_new("twelve chars", "twelve chars").is_ok());
        assert_eq!(
            check_new("twelve chars", "twelve charz"),
            Err("The two passwords do not match.")
        );
        let long = "x".repeat(257);
        assert!(check_new(&long, &long).is_err());
        let spaces = " ".repeat(12);
        assert!(check_new(&spaces, &spaces).is_err());
    }
}
