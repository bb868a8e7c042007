//! The views the server functions answer with, as far as the signed-in account may see.

use crate::domain::{
    AuditPage, DirectoryQuery, Readable, UserAccess, UserProfile, UserRole, UserState, UserSummary,
};
use serde::{Deserialize, Serialize};

/// One user as the signed-in account may see it, with what it may do to each attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    /// The user, hidden attributes removed.
    pub profile: UserProfile,
    /// Hidden / read / edit for every attribute, from the policy for (account, user).
    pub access: UserAccess,
    /// Fields the directory cannot hold (hidden in `access` too), named on the page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unavailable: Vec<crate::domain::Field>,
}

/// One page of the user directory, as the signed-in account may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryView {
    /// The search this page answers (its page clamped to the last page).
    pub query: DirectoryQuery,
    pub rows: Vec<DirectoryRow>,
    /// Matches in all pages.
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    /// The columns the account may see.
    pub columns: Readable,
    /// When the index was last refreshed (Unix seconds).
    pub refreshed_at: Option<i64>,
    /// When the latest refresh failed, if it did: the list may be stale.
    pub refresh_failed_at: Option<i64>,
    /// The organization has more users than the index holds.
    pub truncated: bool,
}

/// One user in the directory; a column the account may not see is `None`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryRow {
    pub user_id: String,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub state: Option<UserState>,
    pub role: Option<UserRole>,
}

impl DirectoryRow {
    /// The row for `user` with only the `readable` columns.
    pub fn new(user: &UserSummary, readable: Readable) -> Self {
        Self {
            user_id: user.user_id.clone(),
            name: readable.name.then(|| user.name.clone()),
            display_name: readable.display_name.then(|| user.display_name.clone()),
            email: user.email.clone().filter(|_| readable.email),
            state: user.state.filter(|_| readable.state),
            role: user.role.filter(|_| readable.role),
        }
    }
}

/// The dashboard's figures, within the signed-in account's scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Users the account may see.
    pub total: usize,
    /// (API state name, users), for accounts that may see states.
    pub by_state: Vec<(String, usize)>,
    /// (API role name, users), for accounts that may see roles.
    pub by_role: Vec<(String, usize)>,
    /// Users most recently changed through the portal, newest first.
    pub recent: Vec<RecentChange>,
    pub refreshed_at: Option<i64>,
}

/// A user changed through the portal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentChange {
    pub user_id: String,
    /// How the dashboard names the user.
    pub user: String,
    pub at_ms: i64,
    /// Who changed it.
    pub account: String,
}

/// One page of a user's change history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The user's id (the page may have been opened by name or email).
    pub user_id: String,
    /// How the page names the user.
    pub title: String,
    pub page: AuditPage,
}

/// The accounts page: every portal account, and the roles the policy has to give.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsView {
    pub accounts: Vec<crate::domain::AccountSummary>,
    pub roles: Vec<String>,
    /// The signed-in account (the page marks it).
    pub own_login: String,
}

/// A refused change on the accounts page, as the server renders the page for its form post.
#[derive(Clone, Debug)]
pub struct AccountChangeRefused(pub crate::wire::ApiError);

/// The export page: the account's exports, and a base DN to offer for LDIF.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportsView {
    pub jobs: Vec<crate::domain::ExportJob>,
    /// `ou=people` under the organization's mail domain (`dc=` parts), when it has one.
    pub suggested_base_dn: String,
}

/// A refused export on the export page, as the server renders the page for its form post.
#[derive(Clone, Debug)]
pub struct ExportRefused(pub crate::wire::ApiError);

/// The Mail & access tab of a user: the tasks the account may do for them, and what those
/// tasks show. A section the account may not see is `None`; one whose read failed holds the
/// error, and the other sections still show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TasksView {
    pub user_id: String,
    /// The user's display name (or user name), for the title.
    pub title: String,
    pub state: Option<UserState>,
    /// The primary address (with `manage_addresses` or `enable_disable`).
    pub email: Option<String>,
    pub tasks: crate::domain::TaskSet,
    pub aliases: Option<Result<Vec<String>, crate::wire::ApiError>>,
    pub groups: Option<Result<Vec<crate::domain::GroupRef>, crate::wire::ApiError>>,
    /// Groups matching the group search, to add the user to (with `manage_groups`).
    pub group_matches: Option<Result<Vec<crate::domain::GroupRef>, crate::wire::ApiError>>,
    pub mailbox: Option<Result<crate::domain::MailboxUsage, crate::wire::ApiError>>,
}

/// A refused task on the Mail & access tab, as the server renders the tab for its form post:
/// the reason, and what the form sent so the tab shows it again (never a password).
#[derive(Clone, Debug)]
pub struct TaskRefused {
    pub error: crate::wire::ApiError,
    /// The form's `action`.
    pub action: String,
    /// The form's other fields by name, without `password`.
    pub input: Vec<(String, String)>,
}

impl TaskRefused {
    /// Keeps the fields of a refused form post, leaving out any password.
    pub fn new(error: crate::wire::ApiError, form: &[(String, String)]) -> Self {
        let value = |name: &str| form.iter().find(|(key, _)| key == name).map(|(_, v)| v);
        Self {
            error,
            action: value("action").cloned().unwrap_or_default(),
            input: form
                .iter()
                .filter(|(key, _)| key != "action" && key != "password")
                .cloned()
                .collect(),
        }
    }

    /// What the refused form of `action` sent as `name`.
    pub fn kept(&self, action: &str, name: &str) -> Option<String> {
        if self.action != action {
            return None;
        }
        self.input
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

/// A password the portal generated, shown once on the page that answers the reset.
#[derive(Clone)]
pub struct GeneratedPassword(pub crate::domain::Password);
