//! Password hashing with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, 1 lane).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

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
/// At most one check per core runs at once (each takes 19 MiB and a core for its duration);
/// others queue for at most [`PasswordCheck::QUEUE_TIMEOUT`], then are refused as [`Busy`].
///
/// Cheap to clone: it is part of [`AuthState`](super::AuthState), the state of the middleware
/// that checks every request, and axum clones that state per request.
#[derive(Clone, Debug)]
pub struct PasswordCheck {
    dummy_hash: Arc<str>,
    running: Arc<Semaphore>,
    queue_timeout: Duration,
}

/// Too many password checks are under way; the attempt was not checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks under way")]
pub struct Busy;

impl PasswordCheck {
    /// How long a sign-in waits for a free core before it is refused.
    pub const QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

    /// Makes the dummy hash (one hashing, at start-up); one check at a time per core.
    pub fn new() -> Result<Self, String> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::with_limits(cores, Self::QUEUE_TIMEOUT)
    }

    /// At most `concurrent` checks at once, each waiting at most `queue_timeout` for its turn.
    pub fn with_limits(concurrent: usize, queue_timeout: Duration) -> Result<Self, String> {
        Ok(Self {
            dummy_hash: hash_password("no account has this password")?.into(),
            running: Arc::new(Semaphore::new(concurrent.max(1))),
            queue_timeout,
        })
    }

    /// Whether `password` is the one of the account whose hash is `hash`; `None` (no such
    /// account) and an empty hash (an account that signs in only through single sign-on) do
    /// the same work and answer `false`. [`Busy`] when no core came free in time.
    pub async fn verify(&self, hash: Option<String>, password: String) -> Result<bool, Busy> {
        let permit =
            match tokio::time::timeout(self.queue_timeout, self.running.clone().acquire_owned())
                .await
            {
                Ok(Ok(permit)) => permit,
                Ok(Err(_)) | Err(_) => return Err(Busy),
            };
        let hash = hash.filter(|hash| !hash.is_empty());
        let exists = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = tokio::task::spawn_blocking(move || {
            let matches = verify_password(&hash, &password);
            drop(permit);
            matches
        })
        .await
        .unwrap_or(false);
        Ok(exists && matches)
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
        let verify = |hash: Option<String>, password: &str| check.verify(hash, password.into());
        assert_eq!(
            verify(None, "no account has this password").await,
            Ok(false)
        );
        let hash = hash_password("pw-123456").expect("hash");
        assert_eq!(verify(Some(hash.clone()), "pw-123456").await, Ok(true));
        assert_eq!(verify(Some(hash), "pw-654321").await, Ok(false));
        assert_eq!(
            verify(Some(String::new()), "").await,
            Ok(false),
            "an SSO account"
        );
    }

    #[tokio::test]
    async fn checks_past_the_limit_wait_then_are_refused_as_busy() {
        let check = PasswordCheck::with_limits(1, Duration::from_millis(50)).expect("dummy hash");
        let held = check
            .running
            .clone()
            .acquire_owned()
            .await
            .expect("a permit");
        assert_eq!(check.verify(None, "x".into()).await, Err(Busy));
        drop(held);
        assert_eq!(check.verify(None, "x".into()).await, Ok(false));
    }
}
