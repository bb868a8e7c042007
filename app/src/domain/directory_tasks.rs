//! The help desk's and HR's WorkMail tasks beyond the profile: a password reset, email
//! addresses, groups, the mailbox's quota, enabling and disabling. Each is a right in the
//! policy ([`Task`]); what a form asks for is a [`TaskRequest`], checked here before anything
//! reaches the directory.

use super::accounts::Password;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A right to one kind of task, granted per role and scope in the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Task {
    ResetPassword,
    ManageAddresses,
    ViewGroups,
    ManageGroups,
    ViewMailbox,
    SetQuota,
    EnableDisable,
}

impl Task {
    pub const ALL: [Task; 7] = [
        Task::ResetPassword,
        Task::ManageAddresses,
        Task::ViewGroups,
        Task::ManageGroups,
        Task::ViewMailbox,
        Task::SetQuota,
        Task::EnableDisable,
    ];

    /// The name used in policy files.
    pub const fn name(self) -> &'static str {
        match self {
            Task::ResetPassword => "reset_password",
            Task::ManageAddresses => "manage_addresses",
            Task::ViewGroups => "view_groups",
            Task::ManageGroups => "manage_groups",
            Task::ViewMailbox => "view_mailbox",
            Task::SetQuota => "set_quota",
            Task::EnableDisable => "enable_disable",
        }
    }

    pub fn from_name(name: &str) -> Option<Task> {
        Self::ALL.into_iter().find(|task| task.name() == name)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The tasks one account may do for one user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSet(u8);

impl TaskSet {
    pub fn contains(self, task: Task) -> bool {
        self.0 & task.bit() != 0
    }

    pub fn insert(&mut self, task: Task) {
        self.0 |= task.bit();
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Every task: what the built-in admin role has.
    pub fn everything() -> Self {
        Task::ALL.into_iter().collect()
    }
}

impl FromIterator<Task> for TaskSet {
    fn from_iter<I: IntoIterator<Item = Task>>(tasks: I) -> Self {
        let mut set = TaskSet::default();
        for task in tasks {
            set.insert(task);
        }
        set
    }
}

/// One group, as the portal names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
}

/// A mailbox's size and quota, in MB.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxUsage {
    pub quota_mb: u32,
    pub size_mb: f64,
}

impl MailboxUsage {
    /// How full it is, 0 to 100 (more when over its quota).
    pub fn percent_used(self) -> u32 {
        if self.quota_mb == 0 {
            return 100;
        }
        let percent = (self.size_mb / f64::from(self.quota_mb) * 100.0).round();
        if percent.is_finite() && percent >= 0.0 {
            percent.min(f64::from(u32::MAX)) as u32
        } else {
            0
        }
    }
}

/// The largest quota WorkMail gives a mailbox, in MB (50 GB).
pub const MAX_QUOTA_MB: u32 = 51_200;

/// What a task form asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskRequest {
    ResetPassword { password: Password },
    AddAlias { address: String },
    RemoveAlias { address: String },
    MakePrimary { address: String },
    JoinGroup { group_id: String },
    LeaveGroup { group_id: String },
    SetQuota { quota_mb: u32 },
    Enable { address: String },
    Disable,
}

impl TaskRequest {
    /// The right it needs.
    pub fn task(&self) -> Task {
        match self {
            TaskRequest::ResetPassword { .. } => Task::ResetPassword,
            TaskRequest::AddAlias { .. }
            | TaskRequest::RemoveAlias { .. }
            | TaskRequest::MakePrimary { .. } => Task::ManageAddresses,
            TaskRequest::JoinGroup { .. } | TaskRequest::LeaveGroup { .. } => Task::ManageGroups,
            TaskRequest::SetQuota { .. } => Task::SetQuota,
            TaskRequest::Enable { .. } | TaskRequest::Disable => Task::EnableDisable,
        }
    }

    /// Whether it needs a recent proof of identity: it takes over or cuts off someone's mail.
    pub fn needs_recent_authentication(&self) -> bool {
        matches!(
            self,
            TaskRequest::ResetPassword { .. }
                | TaskRequest::MakePrimary { .. }
                | TaskRequest::Enable { .. }
                | TaskRequest::Disable
        )
    }

    /// What it does, in words, for notices and the audit log (never the password).
    pub fn describe(&self) -> String {
        match self {
            TaskRequest::ResetPassword { .. } => "Password reset".to_owned(),
            TaskRequest::AddAlias { address } => format!("Address added: {address}"),
            TaskRequest::RemoveAlias { address } => format!("Address removed: {address}"),
            TaskRequest::MakePrimary { address } => format!("Primary address set to {address}"),
            TaskRequest::JoinGroup { group_id } => format!("Added to group {group_id}"),
            TaskRequest::LeaveGroup { group_id } => format!("Removed from group {group_id}"),
            TaskRequest::SetQuota { quota_mb } => format!("Mailbox quota set to {quota_mb} MB"),
            TaskRequest::Enable { address } => format!("Enabled with {address}"),
            TaskRequest::Disable => "Disabled".to_owned(),
        }
    }

    /// Checks its values as the directory will, so a bad one is refused before any call.
    pub fn check(&self) -> Result<(), String> {
        match self {
            TaskRequest::ResetPassword { password } => check_password(&password.0),
            TaskRequest::AddAlias { address }
            | TaskRequest::RemoveAlias { address }
            | TaskRequest::MakePrimary { address }
            | TaskRequest::Enable { address } => check_address(address),
            TaskRequest::JoinGroup { group_id } | TaskRequest::LeaveGroup { group_id } => {
                if group_id.is_empty() || group_id.chars().count() > 256 {
                    Err("Choose a group.".to_owned())
                } else {
                    Ok(())
                }
            }
            TaskRequest::SetQuota { quota_mb } => {
                if (1..=MAX_QUOTA_MB).contains(quota_mb) {
                    Ok(())
                } else {
                    Err(format!(
                        "A quota is between 1 and {MAX_QUOTA_MB} MB (50 GB)."
                    ))
                }
            }
            TaskRequest::Disable => Ok(()),
        }
    }
}

/// The password rule WorkMail applies: 8 to 256 printable Latin-1 characters, mixing three of
/// lowercase, uppercase, digits and symbols.
pub fn check_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < 8 {
        return Err("A password needs at least 8 characters.".to_owned());
    }
    if length > 256 {
        return Err("A password has at most 256 characters.".to_owned());
    }
    if !password
        .chars()
        .all(|c| (' '..='\u{ff}').contains(&c) && !c.is_control())
    {
        return Err(
            "A password may only use letters, digits, spaces and common symbols.".to_owned(),
        );
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.into_iter().filter(|&has| has).count() < 3 {
        return Err(
            "A password must mix three of: lowercase letters, uppercase letters, digits, symbols."
                .to_owned(),
        );
    }
    Ok(())
}

/// An email address as WorkMail accepts it: `local@domain.tld`, at most 254 characters.
pub fn check_address(address: &str) -> Result<(), String> {
    let invalid = || format!("{address:?} is not an email address such as name@example.com.");
    if address.is_empty() {
        return Err("Enter an email address.".to_owned());
    }
    if address.len() > 254 {
        return Err("An email address has at most 254 characters.".to_owned());
    }
    let Some((local, domain)) = address.split_once('@') else {
        return Err(invalid());
    };
    let local_ok = (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let (host, tld) = domain.rsplit_once('.').unwrap_or(("", ""));
    let domain_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(invalid())
    }
}

/// Generates a password that meets [`check_password`] from `random` bytes: 20 characters
/// from a set without look-alikes (no 0/O, 1/l/I), with each class present.
pub fn generated_password(random: &[u8; 32]) -> Password {
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    const SYMBOLS: &[u8] = b"-_.!@#%+=";
    let all: Vec<u8> = [LOWER, UPPER, DIGITS, SYMBOLS].concat();
    // The first four characters are one of each class, the rest from every class; a byte
    // taken modulo a set of under 256 leans slightly to its first members, which 20 characters
    // from a 66-character set (about 120 bits) can afford.
    let mut password: String = [LOWER, UPPER, DIGITS, SYMBOLS]
        .iter()
        .zip(random)
        .map(|(set, byte)| char::from(set[usize::from(*byte) % set.len()]))
        .collect();
    password.extend(
        random[4..20]
            .iter()
            .map(|byte| char::from(all[usize::from(*byte) % all.len()])),
    );
    // Move the class characters to positions chosen by the remaining bytes.
    let mut chars: Vec<char> = password.chars().collect();
    for (i, byte) in random[20..24].iter().enumerate() {
        let j = usize::from(*byte) % chars.len();
        chars.swap(i, j);
    }
    Password(chars.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_names_round_trip_and_sets_hold_what_was_put_in() {
        for task in Task::ALL {
            assert_eq!(Task::from_name(task.name()), Some(task));
        }
        assert_eq!(Task::from_name("format_disk"), None);
        let set: TaskSet = [Task::ViewGroups, Task::SetQuota].into_iter().collect();
        assert!(set.contains(Task::ViewGroups) && set.contains(Task::SetQuota));
        assert!(!set.contains(Task::ResetPassword));
        assert!(TaskSet::default().is_empty());
        assert!(
            Task::ALL
                .into_iter()
                .all(|task| TaskSet::everything().contains(task))
        );
    }

    #[test]
    fn passwords_follow_workmails_rule() {
        assert!(check_password("Harbour-Lights-2026").is_ok());
        assert!(check_password("short1A").is_err());
        assert!(check_password("alllowercaseletters").is_err());
        assert!(
            check_password("lower and UPPER").is_ok(),
            "space is a symbol"
        );
        assert!(check_password("tab\there Aa1").is_err());
        assert!(check_password(&"Aa1-".repeat(65)).is_err());
    }

    #[test]
    fn generated_passwords_pass_the_rule_and_differ() {
        let mut seen = std::collections::HashSet::new();
        for seed in 0..=255u8 {
            let mut random = [0u8; 32];
            for (i, byte) in random.iter_mut().enumerate() {
                *byte = seed
                    .wrapping_mul(31)
                    .wrapping_add((i as u8).wrapping_mul(17));
            }
            let password = generated_password(&random);
            assert_eq!(password.0.chars().count(), 20);
            assert_eq!(check_password(&password.0), Ok(()), "{}", password.0);
            seen.insert(password.0);
        }
        assert!(seen.len() > 250, "different bytes, different passwords");
    }

    #[test]
    fn addresses_and_quotas_are_checked_before_the_directory() {
        assert!(check_address("jane.doe@demo.example.com").is_ok());
        for bad in [
            "",
            "jane",
            "jane@localhost",
            "jane doe@demo.example.com",
            "@demo.com",
        ] {
            assert!(check_address(bad).is_err(), "{bad}");
        }
        assert!(TaskRequest::SetQuota { quota_mb: 0 }.check().is_err());
        assert!(
            TaskRequest::SetQuota {
                quota_mb: MAX_QUOTA_MB + 1
            }
            .check()
            .is_err()
        );
        assert!(TaskRequest::SetQuota { quota_mb: 4_096 }.check().is_ok());
        assert!(
            TaskRequest::JoinGroup {
                group_id: String::new()
            }
            .check()
            .is_err()
        );
    }

    #[test]
    fn sensitive_tasks_need_a_recent_authentication() {
        let password = TaskRequest::ResetPassword {
            password: Password("Harbour-Lights-2026".into()),
        };
        assert!(password.needs_recent_authentication());
        assert!(
            !password.describe().contains("Harbour"),
            "never the password"
        );
        assert!(TaskRequest::Disable.needs_recent_authentication());
        assert!(
            !TaskRequest::AddAlias {
                address: "a@b.example.com".into()
            }
            .needs_recent_authentication()
        );
        assert_eq!(
            MailboxUsage {
                quota_mb: 2_048,
                size_mb: 1_996.25
            }
            .percent_used(),
            97
        );
    }
}
