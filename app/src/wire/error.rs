//! The one error type the browser sees: a kind, a sentence for people, per-field details.
//!
//! Raw directory or SDK messages never go in here; they are logged on the server with the
//! directory's request id, which is passed along as `reference` so support can find them.

use crate::domain::{Conflict, Field, FieldError, FieldProblem, FieldValues};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong, in classes that each have one meaning for the person and one HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// The user does not exist (WorkMail EntityNotFoundException).
    NotFound,
    /// Values that WorkMail would not accept; see `field_errors`.
    Invalid,
    /// Someone else changed a field the person changed; see `conflicts`.
    Conflict,
    /// The user's state does not allow the change (EntityStateException).
    EntityState,
    /// WorkMail rejected a parameter that passed our checks (InvalidParameterException).
    Rejected,
    /// The directory does not support the change (UnsupportedOperationException).
    Unsupported,
    /// The configured organization does not exist (OrganizationNotFoundException).
    OrganizationNotFound,
    /// The organization is not in a usable state (OrganizationStateException).
    OrganizationState,
    /// The directory service is temporarily unavailable (DirectoryUnavailableException).
    DirectoryUnavailable,
    /// The directory could not authenticate, or refused the portal's credentials.
    DirectoryAuthentication,
    /// The directory refused the portal's own account the operation (insufficient rights).
    DirectoryForbidden,
    /// The directory is throttling the portal's requests.
    Throttled,
    /// The directory did not answer in time.
    Timeout,
    /// The portal could not reach the directory at all.
    Unreachable,
    /// A malformed request to the portal.
    BadRequest,
    /// No valid session: the person needs to sign in (again).
    Unauthenticated,
    /// The account's role may not do this; see `field_errors` for the field.
    Forbidden,
    /// The change needs a recent proof of identity (step-up); see `field_errors` for the
    /// field. The person confirms it's them, then saves again.
    ReauthenticationRequired,
    /// The audit log cannot be written, so the portal refuses to change anything.
    AuditUnavailable,
    /// The browser could not reach the portal.
    Network,
    /// Anything else; details are in the server log.
    Internal,
}

impl ErrorKind {
    /// The HTTP status that fits the kind.
    pub const fn status(self) -> u16 {
        match self {
            ErrorKind::NotFound => 404,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden
            | ErrorKind::ReauthenticationRequired
            | ErrorKind::DirectoryForbidden => 403,
            ErrorKind::Invalid | ErrorKind::Rejected | ErrorKind::BadRequest => 400,
            ErrorKind::Conflict | ErrorKind::EntityState => 409,
            ErrorKind::Unsupported => 422,
            ErrorKind::OrganizationNotFound
            | ErrorKind::DirectoryAuthentication
            | ErrorKind::Unreachable => 502,
            ErrorKind::OrganizationState
            | ErrorKind::DirectoryUnavailable
            | ErrorKind::AuditUnavailable
            | ErrorKind::Throttled => 503,
            ErrorKind::Timeout => 504,
            ErrorKind::Network | ErrorKind::Internal => 500,
        }
    }

    /// Whether trying the same thing again later may work.
    pub const fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::DirectoryUnavailable
                | ErrorKind::Throttled
                | ErrorKind::Timeout
                | ErrorKind::Unreachable
                | ErrorKind::Network
                | ErrorKind::AuditUnavailable
                | ErrorKind::OrganizationState
        )
    }

    /// The default sentence for the person.
    pub const fn message(self) -> &'static str {
        match self {
            ErrorKind::NotFound => {
                "There is no user with this id, user name or email address in the organization."
            }
            ErrorKind::Invalid => {
                "Some values can't be saved. Fix the marked fields and save again."
            }
            ErrorKind::Conflict => {
                "Someone else changed this user while you were editing. Your input is kept: \
                 compare it with the current values below, then save again to overwrite them."
            }
            ErrorKind::EntityState => {
                "This user's state doesn't allow this change (for example, the user is deleted)."
            }
            ErrorKind::Rejected => {
                "The directory rejected one of the values. Check the fields and try again."
            }
            ErrorKind::Unsupported => "The directory doesn't support this change for this user.",
            ErrorKind::OrganizationNotFound => {
                "The portal is set up for an organization that doesn't exist in the directory. \
                 An administrator needs to check the portal's organization setting."
            }
            ErrorKind::OrganizationState => {
                "The directory's organization isn't active right now. Try again later."
            }
            ErrorKind::DirectoryUnavailable => {
                "The user directory is unavailable right now. Nothing was saved; \
                 try again in a moment."
            }
            ErrorKind::DirectoryAuthentication => {
                "The directory couldn't authenticate the portal. Nothing was saved; \
                 an administrator needs to check the directory connection."
            }
            ErrorKind::DirectoryForbidden => {
                "The directory doesn't let the portal's own account make this change. Nothing \
                 was saved; an administrator needs to check that account's rights."
            }
            ErrorKind::Throttled => {
                "The directory is busy and asked the portal to slow down. Nothing was saved; \
                 try again in a few seconds."
            }
            ErrorKind::Timeout => {
                "The directory didn't answer in time. Reload the page to see whether your change \
                 was saved before trying again."
            }
            ErrorKind::Unreachable => {
                "The portal can't reach the directory right now. Nothing was saved; try again in a moment."
            }
            ErrorKind::BadRequest => {
                "The portal couldn't read this request. Reload the page and try again."
            }
            ErrorKind::Unauthenticated => {
                "Your session has ended. Sign in again; your input is still in the form."
            }
            ErrorKind::Forbidden => "Your role doesn't allow this change. Nothing was saved.",
            ErrorKind::ReauthenticationRequired => {
                "This change needs you to confirm it's you. Nothing was saved; your input is \
                 kept. Confirm, then save again."
            }
            ErrorKind::AuditUnavailable => {
                "The portal can't write its audit log right now, so nothing was saved. \
                 Try again in a moment."
            }
            ErrorKind::Network => {
                "Your browser couldn't reach the portal. Check your connection and try again; \
                 your input is still in the form."
            }
            ErrorKind::Internal => {
                "Something went wrong in the portal. Try again; if it keeps happening, tell an administrator."
            }
        }
    }
}

/// An error as the browser sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub kind: ErrorKind,
    /// A sentence for the person.
    pub message: String,
    /// Per-field problems (kind `Invalid`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub field_errors: Vec<FieldError>,
    /// Fields changed by someone else too (kind `Conflict`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    /// The directory's values now (kind `Conflict`), so the form can carry the input over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<FieldValues>,
    /// The directory's request id, to quote to support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl ApiError {
    /// An error of `kind` with its default message.
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            message: kind.message().to_owned(),
            field_errors: Vec::new(),
            conflicts: Vec::new(),
            current: None,
            reference: None,
        }
    }

    /// Per-field validation problems.
    pub fn invalid(field_errors: Vec<FieldError>) -> Self {
        Self {
            field_errors,
            ..Self::new(ErrorKind::Invalid)
        }
    }

    /// A conflict with someone else's changes; `current` is what the directory holds now.
    pub fn conflict(conflicts: Vec<Conflict>, current: FieldValues) -> Self {
        Self {
            conflicts,
            current: Some(current),
            ..Self::new(ErrorKind::Conflict)
        }
    }

    /// A change the account may not make: names the first forbidden field.
    pub fn forbidden(field: Field) -> Self {
        Self {
            message: format!(
                "Your role doesn't allow changing {}. Nothing was saved.",
                field.label()
            ),
            field_errors: vec![FieldError {
                field,
                problem: FieldProblem::NotAllowed,
            }],
            ..Self::new(ErrorKind::Forbidden)
        }
    }

    /// A change that needs a recent authentication first: names the field.
    pub fn reauthentication_required(field: Field) -> Self {
        Self {
            message: format!(
                "Changing {} needs you to confirm it's you. Nothing was saved; your input is \
                 kept. Confirm, then save again.",
                field.label()
            ),
            ..Self::new(ErrorKind::ReauthenticationRequired)
        }
    }

    /// A malformed request, with a sentence saying what was wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::new(ErrorKind::BadRequest)
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> u16 {
        self.kind.status()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl FromServerFnError for ApiError {
    type Encoder = super::JsonTextEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request never got an answer: the person's network or the portal is down.
            ServerFnErrorErr::Request(_) => Self::new(ErrorKind::Network),
            // The server could not read the arguments the caller sent.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                Self::new(ErrorKind::BadRequest)
            }
            // On the server, only a request body is ever deserialised; in the browser it is
            // the portal's answer, which the person can do nothing about.
            ServerFnErrorErr::Deserialization(_) if cfg!(feature = "ssr") => {
                Self::new(ErrorKind::BadRequest)
            }
            _ => Self::new(ErrorKind::Internal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_client_or_server_error_status() {
        for kind in [
            ErrorKind::NotFound,
            ErrorKind::Invalid,
            ErrorKind::Conflict,
            ErrorKind::EntityState,
            ErrorKind::Rejected,
            ErrorKind::Unsupported,
            ErrorKind::OrganizationNotFound,
            ErrorKind::OrganizationState,
            ErrorKind::DirectoryUnavailable,
            ErrorKind::DirectoryAuthentication,
            ErrorKind::DirectoryForbidden,
            ErrorKind::Throttled,
            ErrorKind::Timeout,
            ErrorKind::Unreachable,
            ErrorKind::BadRequest,
            ErrorKind::Unauthenticated,
            ErrorKind::Forbidden,
            ErrorKind::Network,
            ErrorKind::Internal,
        ] {
            assert!((400..600).contains(&kind.status()), "{kind:?}");
            assert!(!kind.message().is_empty());
        }
    }

    #[test]
    fn round_trips_through_json() {
        let error = ApiError::conflict(Vec::new(), FieldValues::new());
        let json = serde_json::to_string(&error).expect("serialize");
        let back: ApiError = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, error);
    }
}
