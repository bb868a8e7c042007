//! The caller of a request: the signed-in account, where the request came from, and the
//! services it may use, built once per request. Server functions get it from the Leptos context
//! ([`Caller::current`]), axum handlers as an extractor; the use cases are its methods.

use super::failures::log_failure;
use crate::domain::{Access, Fact, Policy, Principal, Relation, StepUp, UserAccess, UserProfile};
use crate::ports::{AccountManagement, AuditLog, Directory};
use crate::session::{RequestOrigin, Services};
use crate::wire::{ApiError, ErrorKind};
use axum::extract::{FromRef, FromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

/// Who is asking, from where, and what they may use.
#[derive(Clone)]
pub struct Caller {
    /// The signed-in account.
    pub principal: Principal,
    /// Where the request came from, for the audit log.
    pub origin: RequestOrigin,
    services: Services,
}

impl Caller {
    /// The caller of a request whose account and origin are known.
    pub fn new(services: Services, principal: Principal, origin: RequestOrigin) -> Self {
        Self {
            principal,
            origin,
            services,
        }
    }

    /// The caller of the request being answered (server functions, pages): 401 without a
    /// signed-in account.
    #[expect(
        clippy::result_large_err,
        reason = "ApiError is what every server function returns"
    )]
    pub fn current() -> Result<Self, ApiError> {
        let principal = crate::session::current_principal()
            .ok_or_else(|| ApiError::new(ErrorKind::Unauthenticated))?;
        let services = crate::session::current_services().ok_or_else(|| {
            tracing::error!("no Services in the Leptos context: the server wiring is incomplete");
            ApiError::new(ErrorKind::Internal)
        })?;
        Ok(Self::new(
            services,
            principal,
            crate::session::current_origin(),
        ))
    }

    /// "Not found", the same for a user that does not exist and one outside the account's
    /// scope: its reference is this request's own id, never the directory's.
    pub(super) fn not_found(&self) -> ApiError {
        let id = &self.origin.request_id;
        ApiError {
            reference: (!id.is_empty()).then(|| id.clone()),
            ..ApiError::new(ErrorKind::NotFound)
        }
    }

    /// Whether `user`, the id, user name or email a user was opened with, is a key this
    /// account may use for `profile`: its id, a key it may read (a hidden user name or email
    /// must not find anyone), or the account's own WorkMail user.
    pub(super) fn may_open_by(
        &self,
        user: &str,
        profile: &UserProfile,
        access: &UserAccess,
    ) -> bool {
        let user = user.trim();
        let is = |key: Option<&str>| key.is_some_and(|key| key.eq_ignore_ascii_case(user));
        user == profile.user_id
            || is(self.principal.workmail_user.as_deref())
            || (is(profile.name.as_deref()) && access.fact(Fact::Name) > Access::Hidden)
            || (is(profile.email.as_deref()) && access.fact(Fact::Email) > Access::Hidden)
    }

    pub(super) fn policy(&self) -> &Policy {
        &self.services.policy
    }

    pub(super) fn step_up(&self) -> &StepUp {
        &self.services.step_up
    }

    pub(super) fn directory(&self) -> &dyn Directory {
        &*self.services.directory
    }

    pub(super) fn accounts(&self) -> &dyn AccountManagement {
        &*self.services.accounts
    }

    pub(super) fn exports(&self) -> &dyn crate::ports::ExportJobs {
        &*self.services.exports
    }

    pub(super) fn audit(&self) -> &dyn AuditLog {
        &*self.services.audit
    }

    pub(super) fn index(&self) -> &crate::directory_index::DirectoryIndex {
        &self.services.index
    }

    pub(super) fn locks(&self) -> &dyn crate::ports::SaveLocks {
        &*self.services.locks
    }

    pub(super) fn roles(&self) -> &[String] {
        &self.principal.roles
    }

    /// What this account may do with `target`. The account's own WorkMail user is looked up
    /// only when a grant of its roles depends on it (scope `self` or `department`).
    pub(super) async fn access_to(&self, target: &UserProfile) -> UserAccess {
        let own = self.own_user(target).await;
        self.access_between(own.as_ref(), target)
    }

    /// The account's own WorkMail user, read only when a grant of its roles depends on it
    /// (`target` itself when it is that user). A save reads it once and reuses it.
    pub(super) async fn own_user(&self, target: &UserProfile) -> Option<UserProfile> {
        if !self.policy().needs_relation(self.roles()) {
            return None;
        }
        let mine = self.principal.workmail_user.as_deref()?;
        if target
            .email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(mine))
        {
            return Some(target.clone());
        }
        match self.directory().describe_user(mine).await {
            Ok(own) => Some(own),
            Err(error) => {
                log_failure("DescribeUser (own user)", mine, &error);
                None
            }
        }
    }

    /// How `target` stands to this account, whose own user is `own` (a stranger when no grant
    /// of its roles depends on it).
    pub(super) fn relation_between(
        &self,
        own: Option<&UserProfile>,
        target: &UserProfile,
    ) -> Relation {
        if self.policy().needs_relation(self.roles()) {
            Relation::between(own, target)
        } else {
            Relation::STRANGER
        }
    }

    /// What this account, whose own user is `own`, may do with `target`.
    pub(super) fn access_between(
        &self,
        own: Option<&UserProfile>,
        target: &UserProfile,
    ) -> UserAccess {
        self.policy()
            .resolve(self.roles(), self.relation_between(own, target))
            .without(self.directory().unavailable_fields())
    }
}

/// In axum handlers: the caller of the request, from the extensions the session layer and the
/// request-id layer put in, and the state's services.
impl<S> FromRequestParts<S> for Caller
where
    Services: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(principal) = parts.extensions.get::<Principal>().cloned() else {
            // The session layer answers before this for every route that needs a session.
            return Err((
                http::StatusCode::UNAUTHORIZED,
                ErrorKind::Unauthenticated.message(),
            )
                .into_response());
        };
        let origin = parts
            .extensions
            .get::<RequestOrigin>()
            .cloned()
            .unwrap_or_default();
        Ok(Self::new(Services::from_ref(state), principal, origin))
    }
}
