//! Traits the server functions call; the server crate provides the implementations.
//!
//! No WorkMail or AWS types appear here, so another directory can be plugged in later.

use crate::domain::{Change, Policy, UserProfile};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed, sendable future (keeps the traits object-safe without an extra crate).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The user directory (WorkMail, or an emulator of it).
pub trait Directory: Send + Sync + 'static {
    /// Reads one user; `user` is a user id, user name or email address.
    fn describe_user<'a>(
        &'a self,
        user: &'a str,
    ) -> BoxFuture<'a, Result<UserProfile, DirectoryError>>;

    /// Writes `changes` to the user with id `user_id`: only the listed fields are sent, an empty
    /// value clears the attribute, and every other field stays as it is.
    fn update_user<'a>(
        &'a self,
        user_id: &'a str,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<(), DirectoryError>>;
}

/// The directory, as found in the Leptos context of a request.
#[derive(Clone)]
pub struct DirectoryHandle(pub Arc<dyn Directory>);

impl DirectoryHandle {
    /// Wraps a directory implementation.
    pub fn new(directory: impl Directory) -> Self {
        Self(Arc::new(directory))
    }
}

impl std::ops::Deref for DirectoryHandle {
    type Target = dyn Directory;

    fn deref(&self) -> &Self::Target {
        self.0.as_ref()
    }
}

/// The field policy (defaults or `PORTAL_POLICY`), as found in the Leptos context.
#[derive(Clone, Debug)]
pub struct PolicyHandle(pub Arc<Policy>);

impl std::ops::Deref for PolicyHandle {
    type Target = Policy;

    fn deref(&self) -> &Self::Target {
        self.0.as_ref()
    }
}

/// Classes of directory failure, each with one meaning for the person using the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryErrorKind {
    /// No such user.
    UserNotFound,
    /// The user's state does not allow the operation.
    EntityState,
    /// The directory rejected a parameter.
    InvalidParameter,
    /// The organization does not exist.
    OrganizationNotFound,
    /// The organization is not in a usable state.
    OrganizationState,
    /// The directory does not support the operation.
    UnsupportedOperation,
    /// The directory service is temporarily unavailable.
    Unavailable,
    /// The directory could not authenticate (its own directory, or the portal's credentials).
    AuthenticationFailed,
    /// Too many requests; the directory asked to slow down.
    Throttled,
    /// No answer in time.
    Timeout,
    /// The directory could not be reached (connection refused, DNS, TLS…).
    Unreachable,
    /// An answer the adapter did not expect.
    Unexpected,
}

/// A failed directory call: the class, plus what the log needs (never shown to people).
#[derive(Clone, Debug)]
pub struct DirectoryError {
    pub kind: DirectoryErrorKind,
    /// The directory's request id, when it answered.
    pub request_id: Option<String>,
    /// The raw error code and message, for the log only.
    pub detail: String,
}

impl DirectoryError {
    /// A failure of `kind` with a log detail.
    pub fn new(kind: DirectoryErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            request_id: None,
            detail: detail.into(),
        }
    }

    /// Adds the directory's request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }
}

impl fmt::Display for DirectoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.detail)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DirectoryError {}
