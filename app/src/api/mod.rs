//! Server functions, one per file, plus the types they exchange with the browser.

mod error;
mod get_audit_log;
mod get_dashboard;
mod get_history;
mod get_user;
mod search_users;
mod update_user;

pub use error::{ApiError, ErrorKind};
pub use get_audit_log::{GetAuditLog, get_audit_log};
pub use get_dashboard::{GetDashboard, get_dashboard};
pub use get_history::{GetHistory, get_history};
pub use get_user::{GetUser, get_user};
pub use search_users::{SearchUsers, search_users};
pub use update_user::{UpdateUser, update_user};

use crate::domain::{
    AuditPage, DirectoryQuery, Field, FieldValues, Readable, SavePlan, UserAccess, UserProfile,
    UserRole, UserState, UserSummary,
};

/// One user as the signed-in account may see it, with what it may do to each attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    /// The user, hidden attributes removed.
    pub profile: UserProfile,
    /// Hidden / read / edit for every attribute, from the policy for (account, user).
    pub access: UserAccess,
}
use serde::{Deserialize, Serialize};

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

/// A save as the edit form submits it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveRequest {
    /// The user id, user name or email the page was opened with.
    pub user_id: String,
    /// The editable values as the page loaded them.
    pub loaded: FieldValues,
    /// The values in the form when the person pressed Save.
    pub edited: FieldValues,
    /// `version_of(loaded)`, as the page was given it.
    pub version: String,
}

/// The result of a successful save.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveOutcome {
    /// The user as the directory holds it after the save.
    pub profile: UserProfile,
    /// The fields written.
    pub saved: Vec<Field>,
    /// The person's changes that someone else had already made identically.
    pub already_applied: Vec<Field>,
    /// Fields someone else changed meanwhile, kept as they are.
    pub kept_from_others: Vec<Field>,
}

impl SaveOutcome {
    /// Nothing was changed, so nothing was written.
    pub fn unchanged(profile: UserProfile) -> Self {
        Self {
            profile,
            saved: Vec::new(),
            already_applied: Vec::new(),
            kept_from_others: Vec::new(),
        }
    }

    /// The outcome of carrying out `plan`.
    pub fn from_plan(profile: UserProfile, plan: &SavePlan) -> Self {
        Self {
            profile,
            saved: plan.to_send.iter().map(|c| c.field).collect(),
            already_applied: plan.already_applied.clone(),
            kept_from_others: plan.kept_from_others.clone(),
        }
    }
}

/// Sets the HTTP status (and, when throttled, `Retry-After`) of the current response to fit
/// the error, then passes the result on.
#[cfg(feature = "ssr")]
#[expect(
    clippy::result_large_err,
    reason = "ApiError is what every server function returns; it passes through unchanged"
)]
pub fn with_status<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(error) = &result
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        let status = http::StatusCode::from_u16(error.status())
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        response.set_status(status);
        if error.kind == ErrorKind::Throttled {
            response.insert_header(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("5"),
            );
        }
    }
    result
}

/// The directory of this request, from the Leptos context.
#[cfg(feature = "ssr")]
#[expect(
    clippy::result_large_err,
    reason = "ApiError is what every server function returns"
)]
pub fn directory() -> Result<crate::ports::DirectoryHandle, ApiError> {
    leptos::prelude::use_context::<crate::ports::DirectoryHandle>().ok_or_else(|| {
        tracing::error!("no Directory in the Leptos context: the server wiring is incomplete");
        ApiError::new(ErrorKind::Internal)
    })
}

/// The signed-in account of this request (the server's session layer puts it in the request).
#[cfg(feature = "ssr")]
#[expect(
    clippy::result_large_err,
    reason = "ApiError is what every server function returns"
)]
pub fn principal() -> Result<crate::domain::Principal, ApiError> {
    crate::session::current_principal().ok_or_else(|| ApiError::new(ErrorKind::Unauthenticated))
}

/// Everything a server function needs to act for the signed-in account: who it is, the rules
/// for it, and the directory.
#[cfg(feature = "ssr")]
pub struct Caller {
    pub principal: crate::domain::Principal,
    pub policy: crate::ports::PolicyHandle,
    pub directory: crate::ports::DirectoryHandle,
    pub audit: crate::ports::AuditHandle,
    pub origin: crate::session::RequestOrigin,
}

#[cfg(feature = "ssr")]
impl Caller {
    /// The caller of this request; 401 without a session.
    #[expect(
        clippy::result_large_err,
        reason = "ApiError is what every server function returns"
    )]
    pub fn current() -> Result<Self, ApiError> {
        Ok(Self {
            principal: principal()?,
            policy: policy()?,
            directory: directory()?,
            audit: audit()?,
            origin: crate::session::current_origin(),
        })
    }

    /// The policy as it applies to this caller.
    pub fn gate(&self) -> crate::editing::Gate<'_> {
        crate::editing::Gate {
            policy: &self.policy,
            principal: &self.principal,
        }
    }
}

/// The field policy, from the Leptos context.
#[cfg(feature = "ssr")]
#[expect(
    clippy::result_large_err,
    reason = "ApiError is what every server function returns"
)]
pub fn policy() -> Result<crate::ports::PolicyHandle, ApiError> {
    leptos::prelude::use_context::<crate::ports::PolicyHandle>().ok_or_else(|| {
        tracing::error!("no Policy in the Leptos context: the server wiring is incomplete");
        ApiError::new(ErrorKind::Internal)
    })
}

/// The audit log, from the Leptos context.
#[cfg(feature = "ssr")]
#[expect(
    clippy::result_large_err,
    reason = "ApiError is what every server function returns"
)]
pub fn audit() -> Result<crate::ports::AuditHandle, ApiError> {
    leptos::prelude::use_context::<crate::ports::AuditHandle>().ok_or_else(|| {
        tracing::error!("no AuditLog in the Leptos context: the server wiring is incomplete");
        ApiError::new(ErrorKind::Internal)
    })
}

/// The directory index, from the Leptos context.
#[cfg(feature = "ssr")]
#[expect(
    clippy::result_large_err,
    reason = "ApiError is what every server function returns"
)]
pub fn directory_index() -> Result<crate::directory_index::IndexHandle, ApiError> {
    leptos::prelude::use_context::<crate::directory_index::IndexHandle>().ok_or_else(|| {
        tracing::error!("no DirectoryIndex in the Leptos context: the server wiring is incomplete");
        ApiError::new(ErrorKind::Internal)
    })
}
