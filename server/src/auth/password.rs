//! Password hashing with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, 1 lane).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::Arc;

/// The shortest password the account commands accept.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches `hash`; a malformed hash matches nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Verifies sign-in passwords off the async threads, taking as long for an unknown account
/// as for a known one: without an account, the password is checked against a dummy hash made
/// with the same parameters.
///
/// Cheap to clone: it is part of [`AuthState`](super::AuthState), the state of the middleware
/// that checks every request, and axum clones that state per request.
#[derive(Clone, Debug)]
pub struct PasswordCheck {
    dummy_hash: Arc<str>,
}

impl PasswordCheck {
    /// Makes the dummy hash (one hashing, at start-up).
    pub fn new() -> Result<Self, String> {
        Ok(Self {
            dummy_hash: hash_password("no account has this password")?.into(),
        })
    }

    /// Whether `password` is the one of the account whose hash is `hash`; `None` (no such
    /// account) does the same work and answers `false`.
    pub async fn verify(&self, hash: Option<String>, password: String) -> bool {
        let exists = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
            .await
            .unwrap_or(false);
        exists && matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_password("correct horse").expect("hash");
        let b = hash_password("correct horse").expect("hash");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify_password(&a, "correct horse"));
        assert!(!verify_password(&a, "correct horsf"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[tokio::test]
    async fn unknown_accounts_never_match() {
        let check = PasswordCheck::new().expect("dummy hash");
        assert!(
            !check
                .verify(None, "no account has this password".into())
                .await
        );
        let hash = hash_password("pw-123456").expect("hash");
        assert!(check.verify(Some(hash.clone()), "pw-123456".into()).await);
        assert!(!check.verify(Some(hash), "pw-654321".into()).await);
    }
}
