//! A WorkMail user as the portal shows it: read-only facts plus the editable values.

use super::field::Field;
use super::values::FieldValues;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The role of a user (`UserRole` in the API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserRole {
    User,
    RemoteUser,
    SystemUser,
    Resource,
}

impl UserRole {
    /// The roles UpdateUser accepts ("You cannot pass SYSTEM_USER or RESOURCE").
    pub const ASSIGNABLE: [UserRole; 2] = [UserRole::User, UserRole::RemoteUser];

    /// The API text of the role.
    pub const fn api_name(self) -> &'static str {
        match self {
            UserRole::User => "USER",
            UserRole::RemoteUser => "REMOTE_USER",
            UserRole::SystemUser => "SYSTEM_USER",
            UserRole::Resource => "RESOURCE",
        }
    }

    /// Parses the API text of a role.
    pub fn from_api_name(name: &str) -> Option<UserRole> {
        [
            UserRole::User,
            UserRole::RemoteUser,
            UserRole::SystemUser,
            UserRole::Resource,
        ]
        .into_iter()
        .find(|r| r.api_name() == name)
    }

    /// Whether UpdateUser may set this role (and so whether a user with it may be moved).
    pub fn is_assignable(self) -> bool {
        Self::ASSIGNABLE.contains(&self)
    }

    /// A label people understand.
    pub const fn label(self) -> &'static str {
        match self {
            UserRole::User => "User",
            UserRole::RemoteUser => "Remote user",
            UserRole::SystemUser => "System user",
            UserRole::Resource => "Resource",
        }
    }
}

impl fmt::Display for UserRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The label of a role given as API text; unknown text is shown as it is.
pub fn role_label(api_name: &str) -> &str {
    match UserRole::from_api_name(api_name) {
        Some(role) => role.label(),
        None if api_name.is_empty() => "Unknown",
        None => api_name,
    }
}

/// The state of a user (`EntityState` in the API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserState {
    Enabled,
    Disabled,
    Deleted,
}

impl UserState {
    /// Every state.
    pub const ALL: [UserState; 3] = [UserState::Enabled, UserState::Disabled, UserState::Deleted];

    /// The API text of the state.
    pub const fn api_name(self) -> &'static str {
        match self {
            UserState::Enabled => "ENABLED",
            UserState::Disabled => "DISABLED",
            UserState::Deleted => "DELETED",
        }
    }

    /// Parses the API text of a state.
    pub fn from_api_name(name: &str) -> Option<UserState> {
        match name {
            "ENABLED" => Some(UserState::Enabled),
            "DISABLED" => Some(UserState::Disabled),
            "DELETED" => Some(UserState::Deleted),
            _ => None,
        }
    }

    /// A label people understand.
    pub const fn label(self) -> &'static str {
        match self {
            UserState::Enabled => "Enabled",
            UserState::Disabled => "Disabled",
            UserState::Deleted => "Deleted",
        }
    }
}

/// A point in time as whole seconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DD HH:MM UTC`, with no time-zone database (the browser build stays small).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
            secs / 3600,
            secs % 3600 / 60
        )
    }
}

impl Timestamp {
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub fn precise(self) -> String {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm (public domain description).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Converts a proleptic Gregorian date to days since 1970-01-01 (the inverse of
/// [`civil_from_days`]).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = year - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// One user as DescribeUser returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    /// The WorkMail user id (stable; names and emails can change).
    pub user_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub state: Option<UserState>,
    pub enabled_date: Option<Timestamp>,
    pub disabled_date: Option<Timestamp>,
    pub mailbox_provisioned_date: Option<Timestamp>,
    pub mailbox_deprovisioned_date: Option<Timestamp>,
    pub identity_provider_user_id: Option<String>,
    pub identity_provider_identity_store_id: Option<String>,
    /// The editable fields (role included).
    pub values: FieldValues,
}

impl UserProfile {
    /// The user's role, if the directory reported a known one.
    pub fn role(&self) -> Option<UserRole> {
        UserRole::from_api_name(self.values.get(Field::Role))
    }

    /// Whether the form may offer to change the role (SYSTEM_USER and RESOURCE are fixed).
    pub fn role_editable(&self) -> bool {
        self.role().is_some_and(UserRole::is_assignable)
    }

    /// The best name to show for the user.
    pub fn title(&self) -> &str {
        let display = self.values.get(Field::DisplayName);
        if !display.is_empty() {
            return display;
        }
        self.name
            .as_deref()
            .or(self.email.as_deref())
            .unwrap_or(&self.user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_format_as_utc_dates() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01 00:00 UTC");
        assert_eq!(Timestamp(951_782_400).to_string(), "2000-02-29 00:00 UTC");
        assert_eq!(Timestamp(1_700_000_000).to_string(), "2023-11-14 22:13 UTC");
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn roles_parse_and_only_two_are_assignable() {
        for role in [
            UserRole::User,
            UserRole::RemoteUser,
            UserRole::SystemUser,
            UserRole::Resource,
        ] {
            assert_eq!(UserRole::from_api_name(role.api_name()), Some(role));
        }
        assert!(UserRole::User.is_assignable());
        assert!(UserRole::RemoteUser.is_assignable());
        assert!(!UserRole::SystemUser.is_assignable());
        assert!(!UserRole::Resource.is_assignable());
        assert_eq!(UserRole::from_api_name("user"), None);
        assert_eq!(role_label(""), "Unknown");
    }

    #[test]
    fn title_falls_back_from_display_name_to_name() {
        let mut profile = UserProfile {
            user_id: "id-123456789012".into(),
            name: Some("jane.doe".into()),
            email: None,
            values: FieldValues::new(),
            ..UserProfile::default()
        };
        assert_eq!(profile.title(), "jane.doe");
        profile.values.set(Field::DisplayName, "Jane Doe");
        assert_eq!(profile.title(), "Jane Doe");
        assert!(!profile.role_editable());
        profile.values.set(Field::Role, "SYSTEM_USER");
        assert!(!profile.role_editable());
        profile.values.set(Field::Role, "REMOTE_USER");
        assert!(profile.role_editable());
    }
}
