//! Directory failures as the person sees them: one [`ErrorKind`] per class, the raw detail to
//! the log only.

use crate::domain::{FieldError, FieldProblem};
use crate::ports::{DirectoryError, DirectoryErrorKind};
use crate::wire::{ApiError, ErrorKind};

/// Maps a directory failure to what the person sees, logging the raw detail.
pub(super) fn directory_failure(operation: &str, user: &str, error: DirectoryError) -> ApiError {
    log_failure(operation, user, &error);
    if let (DirectoryErrorKind::InvalidParameter, Some(field)) = (error.kind, error.field) {
        return ApiError {
            reference: error.request_id,
            ..ApiError::invalid(vec![FieldError {
                field,
                problem: FieldProblem::RefusedByDirectory,
            }])
        };
    }
    let rejected = |message: &str| ApiError {
        message: message.to_owned(),
        reference: error.request_id.clone(),
        ..ApiError::new(ErrorKind::Rejected)
    };
    match error.kind {
        DirectoryErrorKind::AddressInUse => {
            return rejected(
                "That address is already in use, by this user or another user or group.",
            );
        }
        DirectoryErrorKind::AddressDomain => {
            return rejected(
                "That address is not in one of the organization's verified mail domains.",
            );
        }
        DirectoryErrorKind::WeakPassword => {
            return rejected(
                "The directory refused the password as too weak. Choose a longer one mixing \
                 letters, digits and symbols.",
            );
        }
        DirectoryErrorKind::LimitExceeded => {
            return rejected("The user has as many addresses as the directory allows.");
        }
        _ => {}
    }
    let kind = match error.kind {
        DirectoryErrorKind::UserNotFound => ErrorKind::NotFound,
        DirectoryErrorKind::EntityState => ErrorKind::EntityState,
        DirectoryErrorKind::InvalidParameter
        | DirectoryErrorKind::AddressInUse
        | DirectoryErrorKind::AddressDomain
        | DirectoryErrorKind::WeakPassword
        | DirectoryErrorKind::LimitExceeded => ErrorKind::Rejected,
        DirectoryErrorKind::Conflict => ErrorKind::Conflict,
        DirectoryErrorKind::Forbidden => ErrorKind::DirectoryForbidden,
        DirectoryErrorKind::OrganizationNotFound => ErrorKind::OrganizationNotFound,
        DirectoryErrorKind::OrganizationState => ErrorKind::OrganizationState,
        DirectoryErrorKind::UnsupportedOperation => ErrorKind::Unsupported,
        DirectoryErrorKind::Unavailable => ErrorKind::DirectoryUnavailable,
        DirectoryErrorKind::AuthenticationFailed | DirectoryErrorKind::NoCredentials => {
            ErrorKind::DirectoryAuthentication
        }
        DirectoryErrorKind::Throttled => ErrorKind::Throttled,
        DirectoryErrorKind::Timeout => ErrorKind::Timeout,
        DirectoryErrorKind::Unreachable => ErrorKind::Unreachable,
        DirectoryErrorKind::Unexpected => ErrorKind::Internal,
    };
    ApiError {
        reference: error.request_id,
        ..ApiError::new(kind)
    }
}

/// Logs a failed directory call: the raw detail and the directory's request id.
pub(super) fn log_failure(operation: &str, user: &str, error: &DirectoryError) {
    let request_id = error.request_id.as_deref().unwrap_or("-");
    if error.kind == DirectoryErrorKind::UserNotFound {
        tracing::info!(operation, user, request_id, detail = %error.detail, "user not found");
    } else {
        tracing::warn!(
            operation,
            user,
            request_id,
            kind = ?error.kind,
            detail = %error.detail,
            "directory call failed"
        );
    }
}
