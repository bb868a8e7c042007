//! Managing the portal's own accounts: only for roles the policy lets manage them; every
//! change, applied or refused, is audited (never with a password).

use super::auditing::not_allowed;
use super::{Caller, capitalized, unix_now};
use crate::domain::{AccountChange, AuditEntry, Outcome};
use crate::ports::{AccountError, AccountErrorKind};
use crate::wire::{AccountsView, ApiError, ErrorKind};

impl Caller {
    #[expect(
        clippy::result_large_err,
        reason = "ApiError is what the use cases return; it passes through unchanged"
    )]
    fn may_manage_accounts(&self) -> Result<(), ApiError> {
        if self.policy().may_manage_accounts(self.roles()) {
            return Ok(());
        }
        tracing::warn!(account = %self.principal.account, "accounts refused: no right to them");
        Err(not_allowed(
            "Your role doesn't allow managing portal accounts.",
        ))
    }

    /// Every account, and the roles there are to give.
    pub async fn list_accounts(&self) -> Result<AccountsView, ApiError> {
        self.may_manage_accounts()?;
        let accounts = self.accounts().list().await.map_err(account_failure)?;
        Ok(AccountsView {
            accounts,
            roles: self.policy().role_names().map(str::to_owned).collect(),
            own_login: self.principal.account.clone(),
        })
    }

    /// Whether the person proved who they are recently enough for an account change (the
    /// step-up window: handing out roles and passwords is as sensitive as a user's Role).
    #[expect(
        clippy::result_large_err,
        reason = "ApiError is what the use cases return; it passes through unchanged"
    )]
    fn recently_authenticated(&self) -> Result<(), ApiError> {
        let age = unix_now().saturating_sub(self.principal.authenticated_at);
        if age <= self.step_up().max_age_seconds {
            return Ok(());
        }
        Err(ApiError {
            message: "Changing portal accounts needs you to confirm it's you. Nothing was \
                      changed. Confirm, then send the form again."
                .to_owned(),
            ..ApiError::new(ErrorKind::ReauthenticationRequired)
        })
    }

    /// Applies one change under the accounts' rules; returns what was done, in words.
    pub async fn change_account(&self, change: &AccountChange) -> Result<String, ApiError> {
        let done = change.describe();
        let allowed = match self.may_manage_accounts() {
            Ok(()) => self.recently_authenticated(),
            refused => refused,
        };
        let result = match allowed {
            Ok(()) => self.accounts().apply(change).await.map_err(account_failure),
            Err(refused) => Err(refused),
        };
        let (outcome, detail) = match &result {
            Ok(()) => (Outcome::AccountChanged, done.clone()),
            Err(error) => {
                let refused = matches!(
                    error.kind,
                    ErrorKind::Forbidden | ErrorKind::ReauthenticationRequired
                );
                let outcome = if refused {
                    Outcome::Refused
                } else {
                    Outcome::Invalid
                };
                (outcome, format!("{done}: refused ({})", error.message))
            }
        };
        let entry = AuditEntry {
            outcome: Some(outcome),
            detail: Some(detail),
            ..self.origin.audit_entry(&self.principal.account)
        };
        if let Err(error) = self.audit().record(entry).await {
            // The change stands (the portal database took it); the log says what is missing.
            tracing::error!(%error, change = %done, "could not write the audit record of an account change");
        }
        result.map(|()| done)
    }
}

/// An account change the rules refused, for the person.
fn account_failure(error: AccountError) -> ApiError {
    let kind = match error.kind {
        AccountErrorKind::Invalid => ErrorKind::Invalid,
        AccountErrorKind::NotFound => ErrorKind::NotFound,
        AccountErrorKind::Exists | AccountErrorKind::LastManager => ErrorKind::Conflict,
        AccountErrorKind::Unavailable => ErrorKind::Internal,
    };
    ApiError {
        message: format!("{}.", capitalized(&error.message)),
        ..ApiError::new(kind)
    }
}
