//! WorkMail and SDK failures mapped to the port's error classes. Every modeled WorkMail
//! exception has a class; the raw code and message only go into the error's log detail.

use app::ports::{DirectoryError, DirectoryErrorKind};
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_workmail::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_workmail::operation::RequestId;

/// Maps any SDK error of a WorkMail operation.
pub fn map_sdk_error<E>(error: SdkError<E>) -> DirectoryError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let request_id = error.request_id().map(str::to_owned);
    let kind = match &error {
        SdkError::TimeoutError(_) => DirectoryErrorKind::Timeout,
        SdkError::DispatchFailure(_) if no_credentials(&error) => DirectoryErrorKind::NoCredentials,
        SdkError::DispatchFailure(failure) if failure.is_timeout() => DirectoryErrorKind::Timeout,
        SdkError::DispatchFailure(_) => DirectoryErrorKind::Unreachable,
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            kind_for_code(service.err().code().unwrap_or_default(), status)
        }
        SdkError::ResponseError(_) | SdkError::ConstructionFailure(_) => {
            DirectoryErrorKind::Unexpected
        }
        _ => DirectoryErrorKind::Unexpected,
    };
    DirectoryError::new(kind, DisplayErrorContext(&error).to_string()).with_request_id(request_id)
}

/// Whether the request never left because the credential chain found no credentials (the
/// SDK reports that as a dispatch failure, like a network one).
fn no_credentials(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(error) = source {
        if let Some(CredentialsError::CredentialsNotLoaded(_)) = error.downcast_ref() {
            return true;
        }
        source = error.source();
    }
    false
}

/// The class of a WorkMail error code (the wire `__type`, sanitised by the SDK).
pub fn kind_for_code(code: &str, status: u16) -> DirectoryErrorKind {
    use DirectoryErrorKind as K;
    match code {
        "EntityNotFoundException" => K::UserNotFound,
        "EntityStateException" | "EntityAlreadyRegisteredException" => K::EntityState,
        "EmailAddressInUseException" | "NameAvailabilityException" => K::AddressInUse,
        "MailDomainNotFoundException" | "MailDomainStateException" => K::AddressDomain,
        "InvalidPasswordException" => K::WeakPassword,
        "LimitExceededException" => K::LimitExceeded,
        "InvalidParameterException" => K::InvalidParameter,
        "OrganizationNotFoundException" => K::OrganizationNotFound,
        "OrganizationStateException" => K::OrganizationState,
        "UnsupportedOperationException" => K::UnsupportedOperation,
        "DirectoryUnavailableException" => K::Unavailable,
        "DirectoryServiceAuthenticationFailedException" => K::AuthenticationFailed,
        // The portal's own credentials or signature were refused.
        "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "IncompleteSignatureException"
        | "MissingAuthenticationTokenException"
        | "AccessDeniedException"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch" => K::AuthenticationFailed,
        "ThrottlingException"
        | "Throttling"
        | "ThrottledException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "RequestThrottled"
        | "SlowDown" => K::Throttled,
        "RequestTimeout" | "RequestTimeoutException" => K::Timeout,
        "InternalFailure" | "InternalServerError" | "ServiceUnavailable" => K::Unavailable,
        _ if status == 429 => K::Throttled,
        _ if status >= 500 => K::Unavailable,
        _ => K::Unexpected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DirectoryErrorKind as K;

    #[test]
    fn every_modeled_user_exception_has_its_class() {
        let cases = [
            ("EntityNotFoundException", K::UserNotFound),
            ("EntityStateException", K::EntityState),
            ("InvalidParameterException", K::InvalidParameter),
            ("OrganizationNotFoundException", K::OrganizationNotFound),
            ("OrganizationStateException", K::OrganizationState),
            ("UnsupportedOperationException", K::UnsupportedOperation),
            ("DirectoryUnavailableException", K::Unavailable),
            (
                "DirectoryServiceAuthenticationFailedException",
                K::AuthenticationFailed,
            ),
        ];
        for (code, kind) in cases {
            assert_eq!(kind_for_code(code, 400), kind, "{code}");
        }
    }

    #[test]
    fn protocol_errors_are_classified() {
        assert_eq!(kind_for_code("ThrottlingException", 400), K::Throttled);
        assert_eq!(
            kind_for_code("UnrecognizedClientException", 400),
            K::AuthenticationFailed
        );
        assert_eq!(
            kind_for_code("InvalidSignatureException", 403),
            K::AuthenticationFailed
        );
        assert_eq!(kind_for_code("InternalFailure", 500), K::Unavailable);
        assert_eq!(kind_for_code("", 503), K::Unavailable);
        assert_eq!(kind_for_code("", 429), K::Throttled);
        assert_eq!(kind_for_code("SomethingNewException", 400), K::Unexpected);
    }
}
