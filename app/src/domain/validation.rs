//! Validation of edited values, exactly as WorkMail's UpdateUser constrains them.
//!
//! Runs in the browser (as the person types) and again on the server (before anything is sent).

use super::change::Change;
use super::field::{Field, FieldKind};
use super::profile::UserRole;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest value a `UserAttribute` may hold, in characters.
pub const MAX_ATTRIBUTE_CHARS: usize = 256;

/// What is wrong with one value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldProblem {
    /// Longer than WorkMail stores.
    TooLong { max: usize, actual: usize },
    /// A role UpdateUser does not accept (only USER and REMOTE_USER can be set).
    RoleNotAssignable,
    /// The user's current role (system user, resource) cannot be changed here.
    RoleFixed,
    /// The signed-in account's role may not change this field of this user.
    NotAllowed,
    /// The directory refused the value (a constraint of its schema).
    RefusedByDirectory,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::TooLong { max, actual } => write!(
                f,
                "Use at most {max} characters (this has {actual}; remove {}).",
                actual - max
            ),
            FieldProblem::RoleNotAssignable => f.write_str("Choose either User or Remote user."),
            FieldProblem::RoleFixed => {
                f.write_str("The role of a system user or resource cannot be changed.")
            }
            FieldProblem::NotAllowed => f.write_str("Your role can't change this field."),
            FieldProblem::RefusedByDirectory => f.write_str(
                "The directory refused this value (a rule of its schema). Change it and save again.",
            ),
        }
    }
}

/// A problem tied to the field it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub problem: FieldProblem,
}

impl FieldError {
    /// The sentence shown next to the field.
    pub fn message(&self) -> String {
        self.problem.to_string()
    }
}

/// Checks one value on its own (what the form can say while the person types).
pub fn check_value(field: Field, value: &str) -> Option<FieldProblem> {
    match field.kind() {
        FieldKind::Text => {
            // Smithy length constraints on strings count Unicode scalar values.
            let actual = value.chars().count();
            (actual > MAX_ATTRIBUTE_CHARS).then_some(FieldProblem::TooLong {
                max: MAX_ATTRIBUTE_CHARS,
                actual,
            })
        }
        FieldKind::Role => match UserRole::from_api_name(value) {
            Some(role) if role.is_assignable() => None,
            _ => Some(FieldProblem::RoleNotAssignable),
        },
        // Flags are normalised to true/false when read, so any input is a valid flag.
        FieldKind::Flag => None,
    }
}

/// Checks a change set before it is sent: every new value, plus the rule that a user whose
/// role is not assignable keeps it. Returns every problem, in form order.
pub fn validate_changes(changes: &[Change]) -> Result<(), Vec<FieldError>> {
    let mut errors: Vec<FieldError> = changes
        .iter()
        .filter_map(|change| {
            let problem = if change.field == Field::Role
                && !UserRole::from_api_name(&change.from).is_some_and(UserRole::is_assignable)
            {
                Some(FieldProblem::RoleFixed)
            } else {
                check_value(change.field, &change.to)
            };
            problem.map(|problem| FieldError {
                field: change.field,
                problem,
            })
        })
        .collect();
    errors.sort_by_key(|e| e.field);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(field: Field, from: &str, to: &str) -> Change {
        Change {
            field,
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn text_up_to_256_characters_is_valid() {
        assert_eq!(check_value(Field::JobTitle, ""), None);
        assert_eq!(check_value(Field::JobTitle, &"x".repeat(256)), None);
        assert_eq!(
            check_value(Field::JobTitle, &"x".repeat(257)),
            Some(FieldProblem::TooLong {
                max: 256,
                actual: 257
            })
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 256 two-byte characters are 512 bytes but still within the limit.
        assert_eq!(check_value(Field::City, &"ü".repeat(256)), None);
        assert!(check_value(Field::City, &"ü".repeat(257)).is_some());
    }

    #[test]
    fn too_long_message_says_how_much_to_remove() {
        let problem = check_value(Field::Office, &"x".repeat(260)).expect("too long");
        assert_eq!(
            problem.to_string(),
            "Use at most 256 characters (this has 260; remove 4)."
        );
    }

    #[test]
    fn only_user_and_remote_user_can_be_set() {
        assert_eq!(check_value(Field::Role, "USER"), None);
        assert_eq!(check_value(Field::Role, "REMOTE_USER"), None);
        for bad in ["SYSTEM_USER", "RESOURCE", "", "user", "ADMIN"] {
            assert_eq!(
                check_value(Field::Role, bad),
                Some(FieldProblem::RoleNotAssignable),
                "{bad}"
            );
        }
    }

    #[test]
    fn flags_are_always_valid() {
        assert_eq!(
            check_value(Field::HiddenFromGlobalAddressList, "maybe"),
            None
        );
    }

    #[test]
    fn a_system_users_role_cannot_change() {
        let errors = validate_changes(&[change(Field::Role, "SYSTEM_USER", "USER")])
            .expect_err("fixed role");
        assert_eq!(errors[0].problem, FieldProblem::RoleFixed);
    }

    #[test]
    fn every_problem_is_reported_in_form_order() {
        let long = "x".repeat(300);
        let errors = validate_changes(&[
            change(Field::Country, "", &long),
            change(Field::DisplayName, "", &long),
            change(Field::Telephone, "1", "2"),
        ])
        .expect_err("two problems");
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![Field::DisplayName, Field::Country]);
    }

    #[test]
    fn valid_changes_pass() {
        assert!(
            validate_changes(&[
                change(Field::Role, "USER", "REMOTE_USER"),
                change(Field::Telephone, "+1 555", ""),
            ])
            .is_ok()
        );
    }
}
