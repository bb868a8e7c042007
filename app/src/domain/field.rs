//! The user attributes the portal can change with WorkMail's UpdateUser.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How a field is edited and how its value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// The user's role: `USER` or `REMOTE_USER` (the API text of the enum).
    Role,
    /// A yes/no flag, written as `"true"` or `"false"`.
    Flag,
    /// A free-text attribute (`UserAttribute` in the API model: at most 256 characters).
    Text,
}

/// One member of UpdateUser that the edit form offers.
///
/// The serialised name of each variant is the API member name (`DisplayName`, `Telephone`, …),
/// which is also the `name` attribute of the form control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Field {
    Role,
    HiddenFromGlobalAddressList,
    DisplayName,
    FirstName,
    Initials,
    LastName,
    JobTitle,
    Department,
    Company,
    Office,
    Telephone,
    Street,
    City,
    ZipCode,
    Country,
}

impl Field {
    /// Every editable field, in the order the form shows them.
    pub const ALL: [Field; 15] = [
        Field::Role,
        Field::HiddenFromGlobalAddressList,
        Field::DisplayName,
        Field::FirstName,
        Field::Initials,
        Field::LastName,
        Field::JobTitle,
        Field::Department,
        Field::Company,
        Field::Office,
        Field::Telephone,
        Field::Street,
        Field::City,
        Field::ZipCode,
        Field::Country,
    ];

    /// The 13 free-text attributes, in form order.
    pub fn text_fields() -> impl Iterator<Item = Field> {
        Self::ALL
            .into_iter()
            .filter(|f| f.kind() == FieldKind::Text)
    }

    /// The member name in the WorkMail API (and the form control's `name`).
    pub const fn api_name(self) -> &'static str {
        match self {
            Field::Role => "Role",
            Field::HiddenFromGlobalAddressList => "HiddenFromGlobalAddressList",
            Field::DisplayName => "DisplayName",
            Field::FirstName => "FirstName",
            Field::Initials => "Initials",
            Field::LastName => "LastName",
            Field::JobTitle => "JobTitle",
            Field::Department => "Department",
            Field::Company => "Company",
            Field::Office => "Office",
            Field::Telephone => "Telephone",
            Field::Street => "Street",
            Field::City => "City",
            Field::ZipCode => "ZipCode",
            Field::Country => "Country",
        }
    }

    /// Looks a field up by its API member name (exact, case-sensitive like the API).
    pub fn from_api_name(name: &str) -> Option<Field> {
        Self::ALL.into_iter().find(|f| f.api_name() == name)
    }

    /// A label people understand.
    pub const fn label(self) -> &'static str {
        match self {
            Field::Role => "Role",
            Field::HiddenFromGlobalAddressList => "Hide from the global address list",
            Field::DisplayName => "Display name",
            Field::FirstName => "First name",
            Field::Initials => "Initials",
            Field::LastName => "Last name",
            Field::JobTitle => "Job title",
            Field::Department => "Department",
            Field::Company => "Company",
            Field::Office => "Office",
            Field::Telephone => "Telephone",
            Field::Street => "Street",
            Field::City => "City",
            Field::ZipCode => "ZIP / postal code",
            Field::Country => "Country",
        }
    }

    /// How the field is edited.
    pub const fn kind(self) -> FieldKind {
        match self {
            Field::Role => FieldKind::Role,
            Field::HiddenFromGlobalAddressList => FieldKind::Flag,
            _ => FieldKind::Text,
        }
    }

    /// The value a field has when the directory returns nothing for it.
    pub const fn empty_value(self) -> &'static str {
        match self.kind() {
            FieldKind::Flag => "false",
            FieldKind::Role | FieldKind::Text => "",
        }
    }

    /// The `autocomplete` token that fits the field, for browsers and password managers.
    pub const fn autocomplete(self) -> &'static str {
        match self {
            Field::DisplayName => "name",
            Field::FirstName => "given-name",
            Field::LastName => "family-name",
            Field::JobTitle => "organization-title",
            Field::Company => "organization",
            Field::Telephone => "tel",
            Field::Street => "street-address",
            Field::City => "address-level2",
            Field::ZipCode => "postal-code",
            Field::Country => "country-name",
            _ => "off",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_names_round_trip_and_are_unique() {
        for field in Field::ALL {
            assert_eq!(Field::from_api_name(field.api_name()), Some(field));
        }
        let mut names: Vec<_> = Field::ALL.iter().map(|f| f.api_name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 15);
    }

    #[test]
    fn thirteen_text_fields() {
        assert_eq!(Field::text_fields().count(), 13);
    }

    #[test]
    fn serde_name_is_the_api_member_name() {
        for field in Field::ALL {
            let json = serde_json::to_string(&field).expect("serialize");
            assert_eq!(json, format!("\"{}\"", field.api_name()));
        }
    }

    #[test]
    fn unknown_names_are_rejected() {
        assert_eq!(Field::from_api_name("displayname"), None);
        assert_eq!(Field::from_api_name("UserId"), None);
        assert_eq!(Field::from_api_name("IdentityProviderUserId"), None);
    }
}
