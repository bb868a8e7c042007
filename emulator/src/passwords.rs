//! Users' passwords: kept only as argon2id hashes (PHC strings), never as given.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rusqlite::{Connection, OptionalExtension, params};

use crate::api_error::ApiError;

/// Hashes a password with a fresh salt.
pub fn hash(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| ApiError::internal(format!("The password cannot be hashed: {error}.")))
}

/// Keeps `hash` as the user's password, replacing any earlier one.
pub fn store(
    connection: &Connection,
    organization_id: &str,
    user_id: &str,
    hash: &str,
) -> Result<(), ApiError> {
    connection
        .prepare_cached(
            "INSERT INTO user_passwords (organization_id, user_id, hash) VALUES (?1, ?2, ?3) \
             ON CONFLICT (organization_id, user_id) DO UPDATE SET hash = excluded.hash",
        )?
        .execute(params![organization_id, user_id, hash])?;
    Ok(())
}

/// Whether `password` is the password of `user` (an id, name or address); `false` when the
/// user has none.
pub fn user_matches(
    connection: &Connection,
    organization_id: &str,
    user: &str,
    password: &str,
) -> Result<bool, ApiError> {
    let user = crate::store::existing_user(connection, organization_id, user)?;
    matches(connection, organization_id, &user.id, password)
}

/// Whether `password` is the user's password; `false` when it has none.
pub fn matches(
    connection: &Connection,
    organization_id: &str,
    user_id: &str,
    password: &str,
) -> Result<bool, ApiError> {
    let hash: Option<String> = connection
        .prepare_cached(
            "SELECT hash FROM user_passwords WHERE organization_id = ?1 AND user_id = ?2",
        )?
        .query_row(params![organization_id, user_id], |row| row.get(0))
        .optional()?;
    let Some(hash) = hash else { return Ok(false) };
    let parsed = PasswordHash::new(&hash).map_err(|error| {
        ApiError::internal(format!("A stored password hash is unreadable: {error}."))
    })?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}
