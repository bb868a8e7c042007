//! The signed-in account of the request being rendered, and what the navigation offers it.
//!
//! The server's session layer authenticates every request and puts the account's
//! [`Principal`] into the request's extensions; pages and server functions read it from the
//! request parts leptos_axum provides. In the browser there is no request: everything here
//! answers `None` there (islands mode renders pages on the server only).

use crate::domain::Principal;

/// The path of the sign-in page.
pub const LOGIN_PATH: &str = "/login";
/// The path sign-out posts to.
pub const LOGOUT_PATH: &str = "/logout";
/// The path of the signed-in person's own profile.
pub const ME_PATH: &str = "/me";
/// The path of the audit log.
pub const AUDIT_PATH: &str = "/audit";

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
        let policy = leptos::prelude::use_context::<crate::ports::PolicyHandle>()?;
        // Asked several times per page: the principal is read in place, not copied.
        with_request_extension(|principal: &Principal| Navigation {
            can_browse: policy.can_browse(&principal.roles),
            has_me: principal.workmail_user.is_some() && policy.can_see_self(&principal.roles),
            audit: policy.audit_right(&principal.roles),
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
        let policy = leptos::prelude::use_context::<crate::ports::PolicyHandle>()?;
        (!policy.needs_relation(&principal.roles))
            .then(|| policy.resolve(&principal.roles, crate::domain::Relation::STRANGER))
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// Where to go after signing in: `next` when it is a path on this site, else the start page.
/// (`//host` and `/\host` would leave the site, so they are refused.)
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.starts_with(LOGIN_PATH)
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The sign-in URL that leads back to `path` afterwards.
pub fn login_url(path_and_query: &str) -> String {
    let next = safe_next(Some(path_and_query));
    if next == "/" {
        return LOGIN_PATH.to_owned();
    }
    format!(
        "{LOGIN_PATH}?next={}",
        crate::url::percent_encode(&next, b"/@")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_the_site() {
        assert_eq!(safe_next(Some("/users/jane.doe")), "/users/jane.doe");
        assert_eq!(safe_next(Some("/me?saved=City")), "/me?saved=City");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "users",
            "/login?next=/x",
            "/x\r\nSet-Cookie: a=b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn login_url_encodes_the_way_back() {
        assert_eq!(
            login_url("/users/jane.doe?saved=A,B"),
            "/login?next=/users/jane.doe%3Fsaved%3DA%2CB"
        );
        assert_eq!(login_url("/"), "/login");
        assert_eq!(login_url("//evil"), "/login");
    }
}
