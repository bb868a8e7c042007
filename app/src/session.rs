//! What the request being answered carries: the signed-in account, where the request came
//! from, and the portal's services; and what the navigation offers the account.
//!
//! The server's session layer authenticates every request and puts the account's
//! [`Principal`] and the [`RequestOrigin`] into the request's extensions; the server provides
//! the [`Services`] once to the Leptos context of every request. Pages and server functions
//! read them from there. In the browser there is no request: everything here answers `None`
//! there (islands mode renders pages on the server only).

#[cfg(feature = "ssr")]
use crate::directory_index::DirectoryIndex;
use crate::domain::Principal;
#[cfg(feature = "ssr")]
use crate::domain::{Policy, StepUp};
#[cfg(feature = "ssr")]
use crate::ports::{AccountManagement, AuditLog, Directory, ExportJobs, SaveLocks};
#[cfg(feature = "ssr")]
use std::sync::Arc;

/// What every request may use: the directory, the policy, the audit log, the directory index,
/// the save locks, which changes need a recent authentication, the portal's accounts and the
/// directory exports. Built once at start-up; cloning it clones seven `Arc`s and the step-up's
/// short field list.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct Services {
    pub directory: Arc<dyn Directory>,
    pub policy: Arc<Policy>,
    pub audit: Arc<dyn AuditLog>,
    pub index: Arc<DirectoryIndex>,
    pub locks: Arc<dyn SaveLocks>,
    pub step_up: StepUp,
    pub accounts: Arc<dyn AccountManagement>,
    pub exports: Arc<dyn ExportJobs>,
}

/// The services of this request (`None` outside a server request, or if the server did not
/// provide them).
#[cfg(feature = "ssr")]
pub fn current_services() -> Option<Services> {
    leptos::prelude::use_context::<Services>()
}

/// What the header shows the signed-in person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Navigation {
    /// The account's login name.
    pub account: String,
    /// Whether the account may open other users (the Users page).
    pub can_browse: bool,
    /// Whether the account has a WorkMail user of its own that it may see (`/me`).
    pub has_me: bool,
    /// What the account may read of the audit log.
    pub audit: crate::domain::AuditRight,
    /// Whether the account may manage the portal's accounts.
    pub accounts: bool,
    /// Whether the account may export the directory.
    pub export: bool,
    /// Whether the account has task rights (a user's Mail & access tab).
    pub tasks: bool,
}

/// Where a request came from, for the audit log. The server puts it into every request's
/// extensions (and the id into the `x-request-id` response header).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestOrigin {
    /// The portal's id for this request.
    pub request_id: String,
    /// The client's IP address as the listener saw it.
    pub client: Option<String>,
}

impl RequestOrigin {
    /// An audit entry for `account`'s request from here; the caller fills in the rest.
    pub fn audit_entry(&self, account: &str) -> crate::domain::AuditEntry {
        crate::domain::AuditEntry {
            account: account.to_owned(),
            client: self.client.clone(),
            request_id: self.request_id.clone(),
            ..crate::domain::AuditEntry::default()
        }
    }
}

/// The origin of this request (empty outside a server request).
pub fn current_origin() -> RequestOrigin {
    #[cfg(feature = "ssr")]
    {
        with_request_extension(RequestOrigin::clone).unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        RequestOrigin::default()
    }
}

/// The signed-in account of this request, if any.
pub fn current_principal() -> Option<Principal> {
    #[cfg(feature = "ssr")]
    {
        with_request_extension(Principal::clone)
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// `read` applied to one extension of this request, in place: `use_context::<Parts>()` would
/// clone the whole request head (every header) for each lookup.
#[cfg(feature = "ssr")]
fn with_request_extension<T: Send + Sync + 'static, R>(read: impl FnOnce(&T) -> R) -> Option<R> {
    leptos::prelude::with_context::<http::request::Parts, _>(|parts| {
        parts.extensions.get::<T>().map(read)
    })
    .flatten()
}

/// What the navigation offers the signed-in account of this request.
pub fn navigation() -> Option<Navigation> {
    #[cfg(feature = "ssr")]
    {
        let policy = leptos::prelude::with_context::<Services, _>(|s| Arc::clone(&s.policy))?;
        // Asked several times per page: the principal is read in place, not copied.
        with_request_extension(|principal: &Principal| Navigation {
            can_browse: policy.can_browse(&principal.roles),
            has_me: principal.workmail_user.is_some() && policy.can_see_self(&principal.roles),
            audit: policy.audit_right(&principal.roles),
            accounts: policy.may_manage_accounts(&principal.roles),
            export: policy.may_export(&principal.roles),
            tasks: policy.has_tasks(&principal.roles),
            account: principal.account.clone(),
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// What the account may do with any user, when that doesn't depend on who the user is (every
/// grant of its roles has scope `all`); `None` otherwise.
pub fn access_without_directory() -> Option<crate::domain::UserAccess> {
    #[cfg(feature = "ssr")]
    {
        let principal = current_principal()?;
        let policy = leptos::prelude::with_context::<Services, _>(|s| Arc::clone(&s.policy))?;
        (!policy.needs_relation(&principal.roles))
            .then(|| policy.resolve(&principal.roles, crate::domain::Relation::STRANGER))
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// The fields whose change needs a recent authentication (empty outside a server request).
pub fn step_up_fields() -> Vec<crate::domain::Field> {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::with_context::<Services, _>(|s| s.step_up.fields.clone())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Vec::new()
    }
}
