//! LDAP failures as the portal's directory error kinds (RFC 4511 result codes).

use app::domain::Field;
use app::ports::{DirectoryError, DirectoryErrorKind};
use ldap3::LdapError;

/// The kind of a failed operation; `fields` (the attributes of the fields a write changed)
/// lets a schema violation name the field it is about.
pub fn map(error: LdapError, fields: &[(Field, &str)]) -> DirectoryError {
    let kind = match &error {
        LdapError::LdapResult { result } => match result.rc {
            // noSuchObject
            32 => DirectoryErrorKind::UserNotFound,
            // insufficientAccessRights
            50 => DirectoryErrorKind::Forbidden,
            // inappropriateAuthentication, invalidCredentials, strongerAuthRequired,
            // confidentialityRequired
            48 | 49 | 8 | 13 => DirectoryErrorKind::AuthenticationFailed,
            // busy, unavailable, other
            51 | 52 | 80 => DirectoryErrorKind::Unavailable,
            // unwillingToPerform (a read-only replica; a change the server never makes)
            53 => DirectoryErrorKind::UnsupportedOperation,
            // timeLimitExceeded
            3 => DirectoryErrorKind::Timeout,
            // assertionFailed, or noSuchAttribute (the value read, to be deleted, is gone):
            // the user changed since the portal read it
            122 | 16 => DirectoryErrorKind::Conflict,
            // unavailableCriticalExtension: the server does not know the assertion control
            12 => DirectoryErrorKind::UnsupportedOperation,
            // constraintViolation, invalidAttributeSyntax, undefinedAttributeType,
            // attributeOrValueExists, objectClassViolation, notAllowedOnRDN,
            // objectClassModsProhibited
            19 | 21 | 17 | 20 | 65 | 67 | 69 => DirectoryErrorKind::InvalidParameter,
            // sizeLimitExceeded (the bind DN needs an unlimited size limit: see the README),
            // adminLimitExceeded and the rest
            _ => DirectoryErrorKind::Unexpected,
        },
        LdapError::Timeout { .. } => DirectoryErrorKind::Timeout,
        LdapError::Io { .. }
        | LdapError::EndOfStream
        | LdapError::OpSend { .. }
        | LdapError::ResultRecv { .. }
        | LdapError::Rustls { .. }
        | LdapError::DNSName { .. } => DirectoryErrorKind::Unreachable,
        _ => DirectoryErrorKind::Unexpected,
    };
    let field = match &error {
        LdapError::LdapResult { result } if kind == DirectoryErrorKind::InvalidParameter => {
            named_field(&result.text, fields)
        }
        _ => None,
    };
    let mut detail = error.to_string();
    if let LdapError::LdapResult { result } = &error
        && result.rc == 4
    {
        detail.push_str(
            "; the server's size limit stopped the listing: give the portal's bind DN an \
             unlimited size limit (OpenLDAP: olcLimits size=unlimited)",
        );
    }
    DirectoryError::new(kind, detail).with_field(field)
}

/// The field whose attribute the server's diagnostic names (`sn: value #0 invalid per
/// syntax`, `object class 'person' requires attribute 'sn'`).
fn named_field(text: &str, fields: &[(Field, &str)]) -> Option<Field> {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_ascii_lowercase)
        .collect();
    fields
        .iter()
        .find(|(_, attribute)| words.contains(&attribute.to_ascii_lowercase()))
        .map(|(field, _)| *field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3::LdapResult;

    fn result(rc: u32, text: &str) -> LdapError {
        LdapError::LdapResult {
            result: LdapResult {
                rc,
                matched: String::new(),
                text: text.into(),
                refs: Vec::new(),
                ctrls: Vec::new(),
            },
        }
    }

    #[test]
    fn result_codes_become_the_portals_kinds() {
        let kind = |rc| map(result(rc, ""), &[]).kind;
        assert_eq!(kind(32), DirectoryErrorKind::UserNotFound);
        assert_eq!(kind(50), DirectoryErrorKind::Forbidden);
        assert_eq!(kind(49), DirectoryErrorKind::AuthenticationFailed);
        assert_eq!(kind(51), DirectoryErrorKind::Unavailable);
        assert_eq!(kind(52), DirectoryErrorKind::Unavailable);
        assert_eq!(kind(53), DirectoryErrorKind::UnsupportedOperation);
        assert!(map(result(4, ""), &[]).detail.contains("olcLimits"));
        assert_eq!(kind(122), DirectoryErrorKind::Conflict);
        assert_eq!(kind(16), DirectoryErrorKind::Conflict);
        assert_eq!(kind(19), DirectoryErrorKind::InvalidParameter);
        assert_eq!(kind(65), DirectoryErrorKind::InvalidParameter);
        assert_eq!(kind(1), DirectoryErrorKind::Unexpected);
    }

    #[test]
    fn a_schema_violation_names_its_field() {
        let fields = [(Field::LastName, "sn"), (Field::City, "l")];
        let error = map(
            result(65, "object class 'person' requires attribute 'sn'"),
            &fields,
        );
        assert_eq!(error.field, Some(Field::LastName));
        let error = map(result(21, "l: value #0 invalid per syntax"), &fields);
        assert_eq!(error.field, Some(Field::City));
        assert_eq!(map(result(19, "something else"), &fields).field, None);
    }
}
