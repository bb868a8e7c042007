//! The portal's own accounts, as the accounts page and the `accounts` command manage them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A password on its way to being hashed: never printed, never logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Password(pub String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(hidden)")
    }
}

/// One change to one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountChange {
    /// A new local account (signs in with a password).
    Create {
        login: String,
        roles: Vec<String>,
        workmail_user: Option<String>,
        password: Password,
    },
    SetRoles {
        login: String,
        roles: Vec<String>,
    },
    /// A new password for a local account; its sessions end.
    SetPassword {
        login: String,
        password: Password,
    },
    /// Links the account to a WorkMail user (by email), or unlinks it.
    SetWorkmailUser {
        login: String,
        user: Option<String>,
    },
    /// A disabled account cannot sign in, and its sessions end.
    SetEnabled {
        login: String,
        enabled: bool,
    },
    Remove {
        login: String,
    },
}

impl AccountChange {
    /// The account changed, as it was named.
    pub fn login(&self) -> &str {
        match self {
            AccountChange::Create { login, .. }
            | AccountChange::SetRoles { login, .. }
            | AccountChange::SetPassword { login, .. }
            | AccountChange::SetWorkmailUser { login, .. }
            | AccountChange::SetEnabled { login, .. }
            | AccountChange::Remove { login } => login,
        }
    }

    /// The account changed, as the portal stores login names (trimmed, lower-case).
    pub fn account(&self) -> String {
        self.login().trim().to_ascii_lowercase()
    }

    /// What it does, for people and the audit log (never the password).
    pub fn describe(&self) -> String {
        let login = self.account();
        match self {
            AccountChange::Create {
                roles,
                workmail_user,
                ..
            } => format!(
                "created local account {login} (roles {}; WorkMail user {})",
                roles.join(","),
                workmail_user.as_deref().unwrap_or("none")
            ),
            AccountChange::SetRoles { roles, .. } => {
                format!("{login}: roles {}", roles.join(","))
            }
            AccountChange::SetPassword { .. } => format!("{login}: password changed"),
            AccountChange::SetWorkmailUser { user, .. } => format!(
                "{login}: WorkMail user {}",
                user.as_deref().unwrap_or("none")
            ),
            AccountChange::SetEnabled { enabled: true, .. } => format!("{login}: enabled"),
            AccountChange::SetEnabled { enabled: false, .. } => format!("{login}: disabled"),
            AccountChange::Remove { .. } => format!("removed account {login}"),
        }
    }
}

/// One account, as the accounts page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub login: String,
    /// For an account made by single sign-on: the provider's issuer and the subject there.
    pub sso: Option<(String, String)>,
    pub roles: Vec<String>,
    pub workmail_user: Option<String>,
    pub enabled: bool,
    /// Unix seconds.
    pub last_sign_in_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_never_shows_its_password() {
        let change = AccountChange::Create {
            login: "alice".into(),
            roles: vec!["admin".into()],
            workmail_user: None,
            password: Password("correct horse battery".into()),
        };
        assert!(!format!("{change:?}").contains("horse"));
        assert!(!change.describe().contains("horse"));
        assert_eq!(
            change.describe(),
            "created local account alice (roles admin; WorkMail user none)"
        );
        let reset = AccountChange::SetPassword {
            login: "alice".into(),
            password: Password("correct horse battery".into()),
        };
        assert_eq!(reset.describe(), "alice: password changed");
        let named = AccountChange::Remove {
            login: " Alice ".into(),
        };
        assert_eq!(named.describe(), "removed account alice");
    }
}
