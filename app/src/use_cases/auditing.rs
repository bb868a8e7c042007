//! Reading the audit log: the whole log (`/audit` and its exports) and one user's History.
//! Who may read what is decided here, on the server, for every request.

use super::Caller;
use crate::domain::{Access, AuditFilter, AuditPage, AuditRight, Fact, Relation};
use crate::ports::AuditLog;
use crate::wire::{ApiError, ErrorKind, History};

impl Caller {
    /// One page of the whole log. Only for roles with [`AuditRight::Log`]; field changes are shown
    /// as far as the account may read the field of any user (grants limited to its own user or
    /// department don't count here, since a record's target may be anyone).
    pub async fn read_log(
        &self,
        filter: &AuditFilter,
        limit: usize,
    ) -> Result<AuditPage, ApiError> {
        if self.policy().audit_right(self.roles()) < AuditRight::Log {
            tracing::warn!(account = %self.principal.account, "audit log refused: no right to it");
            return Err(not_allowed(
                "Your role doesn't allow reading the audit log.",
            ));
        }
        let access = self.policy().resolve(self.roles(), Relation::STRANGER);
        // Filtering by a hidden value would tell when it changed, or whose it is.
        if let Some(field) = filter.field
            && access.field(field) == Access::Hidden
        {
            return Err(ApiError::bad_request(format!(
                "Your role can't filter by {}.",
                field.label()
            )));
        }
        if access.fact(Fact::Email) == Access::Hidden
            && filter.target.as_deref().is_some_and(|t| t.contains('@'))
        {
            return Err(ApiError::bad_request(
                "Your role can't filter by email address; use the user id.",
            ));
        }
        let mut page = search(self.audit(), filter, limit).await?;
        page.records = page
            .records
            .into_iter()
            .filter_map(|r| r.for_reader(&access, true))
            .collect();
        Ok(page)
    }

    /// One page of a user's History: the changes that reached the directory, newest first, without
    /// the fields the account may not see of this user. A user outside the account's scope is not
    /// found; a role without [`AuditRight::History`] is refused.
    pub async fn read_history(&self, user: &str, before: Option<i64>) -> Result<History, ApiError> {
        if self.policy().audit_right(self.roles()) < AuditRight::History {
            tracing::warn!(account = %self.principal.account, user, "history refused: no right to it");
            return Err(not_allowed(
                "Your role doesn't allow reading change history.",
            ));
        }
        let (profile, access) = self.load_profile(user).await?;
        let filter = AuditFilter {
            target: Some(profile.user_id.clone()),
            before,
            reached_directory_only: true,
            ..AuditFilter::default()
        };
        let mut page = search(self.audit(), &filter, crate::domain::AUDIT_PAGE_SIZE).await?;
        page.records = page
            .records
            .into_iter()
            .filter_map(|r| r.for_reader(&access, false))
            .collect();
        Ok(History {
            title: access.redact(&profile).title().to_owned(),
            user_id: profile.user_id,
            page,
        })
    }
}

async fn search(
    audit: &dyn AuditLog,
    filter: &AuditFilter,
    limit: usize,
) -> Result<AuditPage, ApiError> {
    audit.search(filter, limit).await.map_err(|error| {
        tracing::error!(%error, "cannot read the audit log");
        ApiError::new(ErrorKind::AuditUnavailable)
    })
}

pub(super) fn not_allowed(message: &str) -> ApiError {
    ApiError {
        message: message.to_owned(),
        ..ApiError::new(ErrorKind::Forbidden)
    }
}
