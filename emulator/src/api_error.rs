//! Errors as the AWS JSON 1.1 protocol puts them on the wire.

use axum::http::StatusCode;

/// The exception shapes the emulator answers with. The names are the wire `__type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    DirectoryInUse,
    DirectoryServiceAuthenticationFailed,
    DirectoryUnavailable,
    EmailAddressInUse,
    EntityAlreadyRegistered,
    EntityNotFound,
    EntityState,
    InvalidParameter,
    InvalidPassword,
    LimitExceeded,
    MailDomainNotFound,
    MailDomainState,
    NameAvailability,
    OrganizationNotFound,
    OrganizationState,
    ReservedName,
    UnsupportedOperation,
    // Protocol-level errors shared by every AWS JSON service.
    MissingAuthenticationToken,
    UnrecognizedClient,
    InvalidSignature,
    IncompleteSignature,
    UnknownOperation,
    Serialization,
    Throttling,
    InternalFailure,
}

impl ErrorKind {
    /// The `__type` written on the wire.
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::DirectoryInUse => "DirectoryInUseException",
            Self::DirectoryServiceAuthenticationFailed => {
                "DirectoryServiceAuthenticationFailedException"
            }
            Self::DirectoryUnavailable => "DirectoryUnavailableException",
            Self::EmailAddressInUse => "EmailAddressInUseException",
            Self::EntityAlreadyRegistered => "EntityAlreadyRegisteredException",
            Self::EntityNotFound => "EntityNotFoundException",
            Self::EntityState => "EntityStateException",
            Self::InvalidParameter => "InvalidParameterException",
            Self::InvalidPassword => "InvalidPasswordException",
            Self::LimitExceeded => "LimitExceededException",
            Self::MailDomainNotFound => "MailDomainNotFoundException",
            Self::MailDomainState => "MailDomainStateException",
            Self::NameAvailability => "NameAvailabilityException",
            Self::OrganizationNotFound => "OrganizationNotFoundException",
            Self::OrganizationState => "OrganizationStateException",
            Self::ReservedName => "ReservedNameException",
            Self::UnsupportedOperation => "UnsupportedOperationException",
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::InvalidSignature => "InvalidSignatureException",
            Self::IncompleteSignature => "IncompleteSignatureException",
            Self::UnknownOperation => "UnknownOperationException",
            Self::Serialization => "SerializationException",
            Self::Throttling => "ThrottlingException",
            Self::InternalFailure => "InternalFailure",
        }
    }

    /// Every error is a 400, as WorkMail documents for its own; only our own failures are 5xx.
    pub fn status(self) -> StatusCode {
        match self {
            Self::InternalFailure => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// An error answer: its shape and a message in our own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", kind.wire_name())]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidParameter, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InternalFailure, message)
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> Self {
        tracing::error!(%error, "database error");
        Self::internal("The emulator's database failed; see its log.")
    }
}
