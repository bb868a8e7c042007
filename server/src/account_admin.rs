//! The rules of account changes, for the accounts page and the `accounts` command alike:
//! login names and passwords well-formed, roles in the policy, passwords only for local
//! accounts, and never a change that leaves no enabled account able to manage accounts.

use crate::auth::password::{MIN_PASSWORD_CHARS, hash_password};
use crate::store::{Account, AccountError as StoreError, AccountStore, NewAccount, validate_login};
use app::domain::{AccountChange, AccountSummary, Policy};
use app::ports::{AccountError, AccountErrorKind, AccountManagement, BoxFuture};
use std::sync::Arc;

/// The portal's accounts with their rules.
#[derive(Clone)]
pub struct AccountAdmin {
    store: AccountStore,
    policy: Arc<Policy>,
    /// One change at a time in this process, so that two changes cannot each see the other
    /// manager and both take the right away.
    one_at_a_time: Arc<tokio::sync::Mutex<()>>,
}

fn invalid(message: impl Into<String>) -> AccountError {
    AccountError::new(AccountErrorKind::Invalid, message)
}

impl From<StoreError> for AccountError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Exists(login) => AccountError::new(
                AccountErrorKind::Exists,
                format!("an account named `{login}` already exists"),
            ),
            StoreError::NotFound(login) => AccountError::new(
                AccountErrorKind::NotFound,
                format!("there is no account named `{login}`"),
            ),
            other => {
                tracing::error!(error = %other, "the portal database failed on an account change");
                AccountError::new(
                    AccountErrorKind::Unavailable,
                    "the portal database is not answering; nothing was changed",
                )
            }
        }
    }
}

impl AccountAdmin {
    pub fn new(store: AccountStore, policy: Arc<Policy>) -> Self {
        Self {
            store,
            policy,
            one_at_a_time: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Every account, by login name.
    pub async fn list(&self) -> Result<Vec<Account>, AccountError> {
        Ok(self.store.list().await?)
    }

    fn check_roles(&self, roles: &[String]) -> Result<(), AccountError> {
        if roles.is_empty() {
            return Err(invalid("give at least one role"));
        }
        for role in roles {
            if !self.policy.has_role(role) {
                let known: Vec<&str> = self.policy.role_names().collect();
                return Err(invalid(format!(
                    "unknown role `{role}` (the policy has: {})",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Hashes a password the rules accept (off the async threads: argon2id is slow on purpose).
    async fn hash(password: &str) -> Result<String, AccountError> {
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(invalid(format!(
                "the password must have at least {MIN_PASSWORD_CHARS} characters"
            )));
        }
        let owned = password.to_owned();
        tokio::task::spawn_blocking(move || hash_password(&owned))
            .await
            .map_err(|e| invalid(format!("cannot hash the password: {e}")))?
            .map_err(invalid)
    }

    /// The account named `login`, which must exist.
    async fn existing(&self, login: &str) -> Result<Account, AccountError> {
        self.store
            .find_by_login(login)
            .await?
            .ok_or_else(|| StoreError::NotFound(login.to_owned()).into())
    }

    /// Refuses a change that takes `account`'s right to manage accounts away when no other
    /// enabled account has it.
    async fn keep_a_manager(&self, account: &Account) -> Result<(), AccountError> {
        if !account.enabled || !self.policy.may_manage_accounts(&account.roles) {
            return Ok(());
        }
        let others = self.store.list().await?.into_iter().any(|other| {
            other.id != account.id && other.enabled && self.policy.may_manage_accounts(&other.roles)
        });
        if others {
            return Ok(());
        }
        Err(AccountError::new(
            AccountErrorKind::LastManager,
            format!(
                "the account {} is the last enabled one that may manage accounts; give another \
                 account that right first",
                account.login
            ),
        ))
    }

    /// Applies one change under the rules.
    pub async fn apply(&self, change: &AccountChange) -> Result<(), AccountError> {
        let login = validate_login(change.login()).map_err(invalid)?;
        let _turn = self.one_at_a_time.lock().await;
        match change {
            AccountChange::Create {
                roles,
                workmail_user,
                password,
                ..
            } => {
                self.check_roles(roles)?;
                let password_hash = Self::hash(&password.0).await?;
                self.store
                    .add(NewAccount {
                        login,
                        password_hash,
                        roles: roles.clone(),
                        workmail_user: workmail_user
                            .as_deref()
                            .map(str::trim)
                            .filter(|u| !u.is_empty())
                            .map(str::to_owned),
                    })
                    .await?;
            }
            AccountChange::SetRoles { roles, .. } => {
                self.check_roles(roles)?;
                let account = self.existing(&login).await?;
                refuse_for_single_sign_on(&account, "its roles come from its groups")?;
                if !self.policy.may_manage_accounts(roles) {
                    self.keep_a_manager(&account).await?;
                }
                self.store.set_roles(&login, roles).await?;
            }
            AccountChange::SetPassword { password, .. } => {
                let account = self.existing(&login).await?;
                if account.sso.is_some() {
                    return Err(invalid(format!(
                        "the account {login} signs in with single sign-on; its password is its \
                         identity provider's"
                    )));
                }
                let hash = Self::hash(&password.0).await?;
                self.store.set_password_hash(&login, &hash).await?;
            }
            AccountChange::SetWorkmailUser { user, .. } => {
                let account = self.existing(&login).await?;
                refuse_for_single_sign_on(&account, "its WorkMail user is its verified address")?;
                let user = user
                    .as_deref()
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(str::to_lowercase);
                if user.as_deref().is_some_and(|u| !u.contains('@')) {
                    return Err(invalid("a WorkMail user is named by its email address"));
                }
                self.store.set_workmail_user(&login, user).await?;
            }
            AccountChange::SetEnabled { enabled, .. } => {
                let account = self.existing(&login).await?;
                if !enabled {
                    self.keep_a_manager(&account).await?;
                }
                self.store.set_enabled(&login, *enabled).await?;
            }
            AccountChange::Remove { .. } => {
                let account = self.existing(&login).await?;
                self.keep_a_manager(&account).await?;
                self.store.remove(&login).await?;
            }
        }
        Ok(())
    }
}

/// Refuses a change the next single sign-on would undo (the provider's claims set it).
fn refuse_for_single_sign_on(account: &Account, why: &str) -> Result<(), AccountError> {
    if account.sso.is_none() {
        return Ok(());
    }
    Err(invalid(format!(
        "the account {} signs in with single sign-on: {why} at the identity provider, set again \
         at every sign-in (disable the account to keep someone out)",
        account.login
    )))
}

impl AccountManagement for AccountAdmin {
    fn list(&self) -> BoxFuture<'_, Result<Vec<AccountSummary>, AccountError>> {
        Box::pin(async {
            Ok(AccountAdmin::list(self)
                .await?
                .into_iter()
                .map(|account| AccountSummary {
                    login: account.login,
                    sso: account.sso.map(|sso| (sso.issuer, sso.subject)),
                    roles: account.roles,
                    workmail_user: account.workmail_user,
                    enabled: account.enabled,
                    last_sign_in_at: account.last_sign_in_at,
                })
                .collect())
        })
    }

    fn apply<'a>(&'a self, change: &'a AccountChange) -> BoxFuture<'a, Result<(), AccountError>> {
        Box::pin(AccountAdmin::apply(self, change))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::Password;

    async fn admin() -> (AccountAdmin, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("portal.sqlite3").display()
        );
        let database = crate::store::open_url(&url).await.expect("database");
        let admin = AccountAdmin::new(AccountStore::new(&database), Arc::new(Policy::defaults()));
        (admin, dir)
    }

    fn create(login: &str, role: &str) -> AccountChange {
        AccountChange::Create {
            login: login.to_owned(),
            roles: vec![role.to_owned()],
            workmail_user: None,
            password: Password("long-enough-password".to_owned()),
        }
    }

    #[tokio::test]
    async fn the_last_enabled_manager_stays() {
        let (admin, _dir) = admin().await;
        admin
            .apply(&create("alice", "admin"))
            .await
            .expect("created");
        admin
            .apply(&create("erin", "employee"))
            .await
            .expect("created");
        let last = |change: AccountChange| {
            let admin = admin.clone();
            async move { admin.apply(&change).await.map_err(|e| e.kind) }
        };
        let demote = || AccountChange::SetRoles {
            login: "alice".into(),
            roles: vec!["hr".into()],
        };
        let disable = || AccountChange::SetEnabled {
            login: "alice".into(),
            enabled: false,
        };
        let remove = || AccountChange::Remove {
            login: "alice".into(),
        };
        for change in [demote(), disable(), remove()] {
            assert_eq!(last(change).await, Err(AccountErrorKind::LastManager));
        }
        // Others are free to change.
        assert_eq!(
            last(AccountChange::Remove {
                login: "erin".into()
            })
            .await,
            Ok(())
        );
        // With a second manager, the first may go.
        admin.apply(&create("bob", "admin")).await.expect("created");
        assert_eq!(last(demote()).await, Ok(()));
        assert_eq!(
            last(AccountChange::SetEnabled {
                login: "bob".into(),
                enabled: false
            })
            .await,
            Err(AccountErrorKind::LastManager)
        );
    }

    #[tokio::test]
    async fn bad_values_are_refused_and_change_nothing() {
        let (admin, _dir) = admin().await;
        let refused = |change: AccountChange| {
            let admin = admin.clone();
            async move { admin.apply(&change).await.expect_err("refused").kind }
        };
        assert_eq!(
            refused(create("Not Valid", "admin")).await,
            AccountErrorKind::Invalid
        );
        assert_eq!(
            refused(create("alice", "root")).await,
            AccountErrorKind::Invalid
        );
        let short = AccountChange::Create {
            login: "alice".into(),
            roles: vec!["admin".into()],
            workmail_user: None,
            password: Password("short".into()),
        };
        assert_eq!(refused(short).await, AccountErrorKind::Invalid);
        assert!(admin.list().await.expect("list").is_empty());
        admin
            .apply(&create("alice", "admin"))
            .await
            .expect("created");
        assert_eq!(
            refused(create("alice", "admin")).await,
            AccountErrorKind::Exists
        );
        assert_eq!(
            refused(AccountChange::Remove {
                login: "nobody".into()
            })
            .await,
            AccountErrorKind::NotFound
        );
        assert_eq!(
            refused(AccountChange::SetWorkmailUser {
                login: "alice".into(),
                user: Some("jane".into())
            })
            .await,
            AccountErrorKind::Invalid
        );
    }
}
