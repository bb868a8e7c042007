//! Input validation as the WorkMail service model states it: required members, lengths and
//! patterns (as full matches; the model's patterns are not anchored), enum values.

use std::sync::LazyLock;

use regex::Regex;

use crate::api_error::ApiError;
use crate::model::{EntityState, UserRole};

/// A model pattern, compiled on first use to match whole values. The patterns are constants
/// and the unit tests compile every one, so `Err` means a pattern was edited wrongly.
type Pattern = LazyLock<Result<Regex, regex::Error>>;

/// A string shape of the model: its length bounds and pattern.
struct Shape {
    min: usize,
    max: usize,
    pattern: Option<&'static Pattern>,
    /// What the pattern allows, in words, for the error message.
    allowed: &'static str,
}

/// Compiles a model pattern so that it must match the whole value; logs (once per pattern, as
/// it is compiled once) if it does not compile.
fn full_match(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$")).inspect_err(|error| {
        tracing::error!(%error, pattern, "a model pattern does not compile");
    })
}

// The model's `\w` is Java's, which is ASCII only; spelled out so Rust's Unicode `\w` is not used.
static USER_NAME: Pattern =
    LazyLock::new(|| full_match(r"[A-Za-z0-9_\-.]+(@[a-zA-Z0-9.\-]+\.[a-zA-Z0-9-]{2,})?"));
static ORGANIZATION_ID: Pattern = LazyLock::new(|| full_match(r"m-[0-9a-f]{32}"));
static ENTITY_IDENTIFIER: Pattern = LazyLock::new(|| full_match(r"[a-zA-Z0-9._%+@-]+"));
static EMAIL: Pattern =
    LazyLock::new(|| full_match(r"[a-zA-Z0-9._%+-]{1,64}@[a-zA-Z0-9.-]+\.[a-zA-Z-]{2,}"));
static PASSWORD: Pattern = LazyLock::new(|| full_match(r"[\x{20}-\x{FF}]+"));
const UUID: &str = r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}";
static IDP_USER_ID: Pattern = LazyLock::new(|| full_match(&format!(r"([0-9a-f]{{10}}-|){UUID}")));
static IDP_USER_ID_FOR_UPDATE: Pattern =
    LazyLock::new(|| full_match(&format!(r"|([0-9a-f]{{10}}-|){UUID}")));
static IDP_USER_ID_PREFIX: Pattern = LazyLock::new(|| full_match(r"[A-Fa-f0-9-]+"));
// The model's own pattern, `\\b` included: only the `d-` form can match (see WORKMAIL_API.md).
static IDP_STORE_ID: Pattern = LazyLock::new(|| {
    full_match(r"d-[0-9a-f]{10}|[0-9a-f]{8}\\b-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-\\b[0-9a-f]{12}")
});
// `^(?!d-)` in the model is checked in code: the regex crate has no look-ahead.
static ORGANIZATION_NAME: Pattern = LazyLock::new(|| full_match(r"([\da-zA-Z]+)([-][\da-zA-Z]+)*"));
static DOMAIN_NAME: Pattern = LazyLock::new(|| full_match(r"[a-zA-Z0-9.-]+"));
static DIRECTORY_ID: Pattern = LazyLock::new(|| full_match(r"d-[0-9a-f]{10}"));
static CLIENT_TOKEN: Pattern = LazyLock::new(|| full_match(r"[\x21-\x7e]+"));

const ORGANIZATION_ID_SHAPE: Shape = Shape {
    min: 34,
    max: 34,
    pattern: Some(&ORGANIZATION_ID),
    allowed: "\"m-\" followed by 32 lowercase hex digits",
};
const ENTITY_IDENTIFIER_SHAPE: Shape = Shape {
    min: 1,
    max: 256,
    pattern: Some(&ENTITY_IDENTIFIER),
    allowed: "letters, digits and . _ % + @ -",
};
const WORKMAIL_IDENTIFIER_SHAPE: Shape = Shape {
    min: 12,
    max: 256,
    pattern: None,
    allowed: "",
};
const GROUP_NAME_SHAPE: Shape = Shape {
    min: 1,
    max: 256,
    pattern: Some(&PASSWORD),
    allowed: "printable Latin-1 characters",
};
const USER_NAME_SHAPE: Shape = Shape {
    min: 1,
    max: 64,
    pattern: Some(&USER_NAME),
    allowed: "letters, digits, _ - . and optionally @domain",
};
const EMAIL_SHAPE: Shape = Shape {
    min: 1,
    max: 254,
    pattern: Some(&EMAIL),
    allowed: "an email address such as name@example.com",
};
const ATTRIBUTE_SHAPE: Shape = Shape {
    min: 0,
    max: 256,
    pattern: None,
    allowed: "",
};
const PASSWORD_SHAPE: Shape = Shape {
    min: 0,
    max: 256,
    pattern: Some(&PASSWORD),
    allowed: "printable Latin-1 characters",
};
const IDP_USER_ID_SHAPE: Shape = Shape {
    min: 1,
    max: 47,
    pattern: Some(&IDP_USER_ID),
    allowed: "an IAM Identity Center user id (a UUID, optionally prefixed by 10 hex digits and -)",
};
const IDP_USER_ID_FOR_UPDATE_SHAPE: Shape = Shape {
    min: 0,
    max: 47,
    pattern: Some(&IDP_USER_ID_FOR_UPDATE),
    allowed: "empty, or an IAM Identity Center user id",
};
const IDP_USER_ID_PREFIX_SHAPE: Shape = Shape {
    min: 1,
    max: 47,
    pattern: Some(&IDP_USER_ID_PREFIX),
    allowed: "hex digits and -",
};
const IDP_STORE_ID_SHAPE: Shape = Shape {
    min: 1,
    max: 36,
    pattern: Some(&IDP_STORE_ID),
    allowed: "an identity store id such as d-0123456789",
};
const NEXT_TOKEN_SHAPE: Shape = Shape {
    min: 1,
    max: 1024,
    pattern: None,
    allowed: "",
};
const ORGANIZATION_NAME_SHAPE: Shape = Shape {
    min: 1,
    max: 62,
    pattern: Some(&ORGANIZATION_NAME),
    allowed: "letters and digits in groups joined by single hyphens, not starting with \"d-\"",
};
const DOMAIN_NAME_SHAPE: Shape = Shape {
    min: 3,
    max: 255,
    pattern: Some(&DOMAIN_NAME),
    allowed: "letters, digits, . and -",
};
const DIRECTORY_ID_SHAPE: Shape = Shape {
    min: 12,
    max: 12,
    pattern: Some(&DIRECTORY_ID),
    allowed: "\"d-\" followed by 10 lowercase hex digits",
};
const CLIENT_TOKEN_SHAPE: Shape = Shape {
    min: 1,
    max: 128,
    pattern: Some(&CLIENT_TOKEN),
    allowed: "printable ASCII without spaces",
};

fn check(member: &str, value: &str, shape: &Shape) -> Result<(), ApiError> {
    // The model counts characters, not bytes.
    let length = value.chars().count();
    if length < shape.min {
        return Err(ApiError::invalid(if shape.min == 1 {
            format!("{member} must not be empty.")
        } else {
            format!(
                "{member} must be at least {} characters long (it has {length}).",
                shape.min
            )
        }));
    }
    if length > shape.max {
        return Err(ApiError::invalid(format!(
            "{member} must be at most {} characters long (it has {length}).",
            shape.max
        )));
    }
    let Some(pattern) = shape.pattern else {
        return Ok(());
    };
    match &**pattern {
        Ok(pattern) if pattern.is_match(value) => Ok(()),
        Ok(_) => Err(ApiError::invalid(format!(
            "{member} is not valid: it must be {}.",
            shape.allowed
        ))),
        // The emulator's fault, not the caller's: say so rather than refuse a valid value.
        Err(_) => Err(ApiError::internal(format!(
            "The emulator cannot check {member}: its pattern does not compile; see its log."
        ))),
    }
}

/// A required member that is missing.
pub fn required<T>(member: &str, value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::invalid(format!("{member} is required.")))
}

pub fn organization_id(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &ORGANIZATION_ID_SHAPE)
}
pub fn entity_identifier(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &ENTITY_IDENTIFIER_SHAPE)
}
/// `WorkMailIdentifier`: 12 to 256 characters, any; the operations that take it (ResetPassword,
/// the alias operations) are given ids, so a short user name does not fit.
pub fn workmail_identifier(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &WORKMAIL_IDENTIFIER_SHAPE)
}
pub fn group_name(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &GROUP_NAME_SHAPE)
}
pub fn user_name(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &USER_NAME_SHAPE)
}
pub fn email_address(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &EMAIL_SHAPE)
}
/// `UserAttribute` and `String`: at most 256 characters, anything goes.
pub fn attribute(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &ATTRIBUTE_SHAPE)
}
pub fn password(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &PASSWORD_SHAPE)
}
pub fn identity_provider_user_id(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &IDP_USER_ID_SHAPE)
}
pub fn identity_provider_user_id_for_update(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &IDP_USER_ID_FOR_UPDATE_SHAPE)
}
pub fn identity_provider_user_id_prefix(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &IDP_USER_ID_PREFIX_SHAPE)
}
pub fn identity_store_id(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &IDP_STORE_ID_SHAPE)
}
pub fn next_token(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &NEXT_TOKEN_SHAPE)
}
pub fn organization_name(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &ORGANIZATION_NAME_SHAPE)?;
    if value.starts_with("d-") {
        return Err(ApiError::invalid(format!(
            "{member} must not start with \"d-\"."
        )));
    }
    Ok(())
}
pub fn domain_name(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &DOMAIN_NAME_SHAPE)
}
pub fn directory_id(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &DIRECTORY_ID_SHAPE)
}
pub fn client_token(member: &str, value: &str) -> Result<(), ApiError> {
    check(member, value, &CLIENT_TOKEN_SHAPE)
}

/// MaxResults: 1 to 100.
pub fn max_results(member: &str, value: i64) -> Result<usize, ApiError> {
    match usize::try_from(value) {
        Ok(n @ 1..=100) => Ok(n),
        _ => Err(ApiError::invalid(format!(
            "{member} must be between 1 and 100 (it is {value})."
        ))),
    }
}

/// The largest mailbox WorkMail offers, in MB (50 GB), and the quota of a new one. The model
/// only says at least 1.
pub const MAX_MAILBOX_QUOTA_MB: i64 = 51_200;

/// MailboxQuota: MB, from 1 to [`MAX_MAILBOX_QUOTA_MB`].
pub fn mailbox_quota(member: &str, value: i64) -> Result<i64, ApiError> {
    if (1..=MAX_MAILBOX_QUOTA_MB).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::invalid(format!(
            "{member} must be between 1 and {MAX_MAILBOX_QUOTA_MB} MB (it is {value})."
        )))
    }
}

pub fn user_role(member: &str, value: &str) -> Result<UserRole, ApiError> {
    UserRole::parse(value).ok_or_else(|| {
        ApiError::invalid(format!(
            "{member} must be one of USER, RESOURCE, SYSTEM_USER, REMOTE_USER (it is {value:?})."
        ))
    })
}

pub fn entity_state(member: &str, value: &str) -> Result<EntityState, ApiError> {
    EntityState::parse(value).ok_or_else(|| {
        ApiError::invalid(format!(
            "{member} must be one of ENABLED, DISABLED, DELETED (it is {value:?})."
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_error::ErrorKind;

    fn refused(result: Result<(), ApiError>) -> String {
        let error = result.expect_err("value must be refused");
        assert_eq!(error.kind, ErrorKind::InvalidParameter);
        error.message
    }

    #[test]
    fn every_model_pattern_compiles() {
        for (name, pattern) in [
            ("USER_NAME", &USER_NAME),
            ("ORGANIZATION_ID", &ORGANIZATION_ID),
            ("ENTITY_IDENTIFIER", &ENTITY_IDENTIFIER),
            ("EMAIL", &EMAIL),
            ("PASSWORD", &PASSWORD),
            ("IDP_USER_ID", &IDP_USER_ID),
            ("IDP_USER_ID_FOR_UPDATE", &IDP_USER_ID_FOR_UPDATE),
            ("IDP_USER_ID_PREFIX", &IDP_USER_ID_PREFIX),
            ("IDP_STORE_ID", &IDP_STORE_ID),
            ("ORGANIZATION_NAME", &ORGANIZATION_NAME),
            ("DOMAIN_NAME", &DOMAIN_NAME),
            ("DIRECTORY_ID", &DIRECTORY_ID),
            ("CLIENT_TOKEN", &CLIENT_TOKEN),
        ] {
            if let Err(error) = &**pattern {
                panic!("{name} does not compile: {error}");
            }
        }
    }

    #[test]
    fn organization_id_must_be_m_dash_32_hex() {
        assert!(organization_id("OrganizationId", "m-0123456789abcdef0123456789abcdef").is_ok());
        refused(organization_id(
            "OrganizationId",
            "m-0123456789ABCDEF0123456789abcdef",
        ));
        refused(organization_id("OrganizationId", "m-0123"));
    }

    #[test]
    fn patterns_must_match_the_whole_value() {
        // `re.search` would find "bob" in "bob smith"; the service needs the whole value to fit.
        assert!(entity_identifier("UserId", "jane.doe@demo.example.com").is_ok());
        refused(entity_identifier("UserId", "bob smith"));
        refused(user_name("Name", "bob smith"));
        assert!(user_name("Name", "jane.doe").is_ok());
        assert!(user_name("Name", "jane@corp.example.com").is_ok());
    }

    #[test]
    fn user_name_word_characters_are_ascii_only() {
        refused(user_name("Name", "jürgen"));
    }

    #[test]
    fn attributes_allow_256_characters_counted_as_characters() {
        assert!(attribute("DisplayName", "").is_ok());
        assert!(attribute("DisplayName", &"é".repeat(256)).is_ok());
        let message = refused(attribute("DisplayName", &"x".repeat(257)));
        assert!(
            message.contains("DisplayName") && message.contains("256"),
            "{message}"
        );
    }

    #[test]
    fn email_addresses_follow_the_model() {
        assert!(email_address("Email", "jane.doe@demo.example.com").is_ok());
        refused(email_address("Email", "jane.doe"));
        refused(email_address("Email", "jane@localhost"));
    }

    #[test]
    fn identity_provider_ids() {
        let uuid = "12345678-1234-1234-1234-123456789012";
        assert!(identity_provider_user_id("Id", uuid).is_ok());
        assert!(identity_provider_user_id("Id", &format!("0123456789-{uuid}")).is_ok());
        refused(identity_provider_user_id("Id", ""));
        assert!(identity_provider_user_id_for_update("Id", "").is_ok());
        refused(identity_provider_user_id_for_update("Id", "nope"));
        assert!(identity_provider_user_id_prefix("Prefix", "1234-ab").is_ok());
        refused(identity_provider_user_id_prefix("Prefix", "xyz"));
        assert!(identity_store_id("Store", "d-0123456789").is_ok());
        // The model's pattern cannot match a UUID store id; we keep the model's behaviour.
        refused(identity_store_id(
            "Store",
            "12345678-1234-1234-1234-123456789012",
        ));
    }

    #[test]
    fn organization_alias_rules() {
        assert!(organization_name("Alias", "demo").is_ok());
        assert!(organization_name("Alias", "acme-corp-2").is_ok());
        refused(organization_name("Alias", "d-corp"));
        refused(organization_name("Alias", "acme--corp"));
        refused(organization_name("Alias", "-acme"));
    }

    #[test]
    fn max_results_bounds() {
        assert_eq!(max_results("MaxResults", 1).ok(), Some(1));
        assert_eq!(max_results("MaxResults", 100).ok(), Some(100));
        assert!(max_results("MaxResults", 0).is_err());
        assert!(max_results("MaxResults", 101).is_err());
        assert!(max_results("MaxResults", -5).is_err());
    }

    #[test]
    fn enums_are_checked() {
        assert_eq!(
            user_role("Role", "REMOTE_USER").ok(),
            Some(UserRole::RemoteUser)
        );
        assert!(user_role("Role", "ADMIN").is_err());
        assert_eq!(
            entity_state("State", "DELETED").ok(),
            Some(EntityState::Deleted)
        );
        assert!(entity_state("State", "enabled").is_err());
    }

    #[test]
    fn passwords_are_latin1_printable() {
        assert!(password("Password", "Secr3t pass!").is_ok());
        refused(password("Password", "tab\there"));
        refused(password("Password", "emoji🙂"));
    }

    #[test]
    fn workmail_identifiers_groups_and_quotas() {
        assert!(workmail_identifier("UserId", "12345678-1234-1234-1234-123456789012").is_ok());
        let message = refused(workmail_identifier("UserId", "jane.doe"));
        assert!(message.contains("12"), "{message}");
        assert!(group_name("Name", "All staff (Berlin)").is_ok());
        refused(group_name("Name", ""));
        refused(group_name("Name", "tab\there"));
        assert_eq!(mailbox_quota("MailboxQuota", 1).ok(), Some(1));
        assert_eq!(mailbox_quota("MailboxQuota", 51_200).ok(), Some(51_200));
        assert!(mailbox_quota("MailboxQuota", 0).is_err());
        assert!(mailbox_quota("MailboxQuota", 51_201).is_err());
    }

    #[test]
    fn other_shapes() {
        assert!(domain_name("DomainName", "demo.example.com").is_ok());
        refused(domain_name("DomainName", "a"));
        assert!(directory_id("DirectoryId", "d-0123456789").is_ok());
        refused(directory_id("DirectoryId", "d-012345678z"));
        assert!(client_token("ClientToken", "abc-123").is_ok());
        refused(client_token("ClientToken", "has space"));
        refused(next_token("NextToken", ""));
    }
}
