//! Portal accounts: login name, argon2id hash, roles, the WorkMail user, enabled flag.

use super::{Database, SqliteReaders};
use sqlx::AnyPool;
use std::sync::{Arc, LazyLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// One portal account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub login: String,
    /// argon2id, PHC string format.
    pub password_hash: String,
    pub roles: Vec<String>,
    /// The WorkMail user (email) the account belongs to.
    pub workmail_user: Option<String>,
    pub enabled: bool,
    /// For an account made by single sign-on: the provider's issuer and the person's subject.
    pub sso: Option<SsoIdentity>,
    /// The last successful sign-in (Unix seconds).
    pub last_sign_in_at: Option<i64>,
}

/// Who an SSO account is at its provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoIdentity {
    pub issuer: String,
    pub subject: String,
}

/// What a single sign-on says of an account: created with it the first time, refreshed from it
/// every time.
#[derive(Clone, Debug)]
pub struct SsoSignIn {
    pub identity: SsoIdentity,
    /// The login name a new account gets if it is free (the email or the provider's user
    /// name); otherwise one derived from the identity.
    pub wanted_login: Option<String>,
    pub roles: Vec<String>,
    /// The WorkMail user whose address the provider vouches for (`Some(None)`: none); `None`
    /// when the directory could not say, and the account keeps its link.
    pub workmail_user: Option<Option<String>>,
}

/// What `add` needs.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub login: String,
    pub password_hash: String,
    pub roles: Vec<String>,
    pub workmail_user: Option<String>,
}

/// A failed account operation.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account named `{0}` already exists")]
    Exists(String),
    #[error("there is no account named `{0}`")]
    NotFound(String),
    #[error("the portal database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the portal database failed: {0}")]
    Read(#[from] rusqlite::Error),
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    login: String,
    password_hash: String,
    roles: String,
    workmail_user: Option<String>,
    /// 1 or 0 (an integer on both engines; see the migrations).
    enabled: i64,
    sso_issuer: Option<String>,
    sso_subject: Option<String>,
    last_sign_in_at: Option<i64>,
}

impl AccountRow {
    /// A row of [`COLUMNS`] read by rusqlite.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> Result<Self, rusqlite::Error> {
        Ok(AccountRow {
            id: row.get(0)?,
            login: row.get(1)?,
            password_hash: row.get(2)?,
            roles: row.get(3)?,
            workmail_user: row.get(4)?,
            enabled: row.get(5)?,
            sso_issuer: row.get(6)?,
            sso_subject: row.get(7)?,
            last_sign_in_at: row.get(8)?,
        })
    }
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        Account {
            id: row.id,
            login: row.login,
            password_hash: row.password_hash,
            roles: row
                .roles
                .split(',')
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect(),
            workmail_user: row.workmail_user,
            enabled: row.enabled != 0,
            sso: row
                .sso_issuer
                .zip(row.sso_subject)
                .map(|(issuer, subject)| SsoIdentity { issuer, subject }),
            last_sign_in_at: row.last_sign_in_at,
        }
    }
}

/// Checks a login name: 1 to 64 characters out of `a-z 0-9 . _ @ -` (stored lower-case).
pub fn validate_login(login: &str) -> Result<String, String> {
    let login = login.trim().to_ascii_lowercase();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._@-".contains(c);
    if login.is_empty() || login.len() > 64 || !login.chars().all(allowed) {
        return Err(format!(
            "`{login}` is not a valid account name (1 to 64 of a-z, 0-9, '.', '_', '@', '-')"
        ));
    }
    Ok(login)
}

/// The login name of an SSO account whose wanted name is taken or unusable: `sso-` and a
/// digest of its identity, the same at every sign-in.
fn sso_login(identity: &SsoIdentity) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}\n{}", identity.issuer, identity.subject).as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("sso-{hex}")
}

fn roles_text(roles: &[String]) -> String {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    roles.join(",")
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

const COLUMNS: &str = "id, login, password_hash, roles, workmail_user, enabled, sso_issuer, \
                       sso_subject, last_sign_in_at";

/// The read every signed-in request makes, built once (SQLite numbers `$1` as it appears, so
/// the same text serves sqlx and the on-thread readers).
static FIND_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"));

/// The accounts table.
#[derive(Clone, Debug)]
pub struct AccountStore {
    pool: AnyPool,
    /// Reads the account of every signed-in request on the calling thread (SQLite file only).
    readers: Option<Arc<SqliteReaders>>,
}

impl AccountStore {
    pub fn new(database: &Database) -> Self {
        Self {
            pool: database.pool.clone(),
            readers: database.readers.clone(),
        }
    }

    /// The account with this login name (any case), enabled or not.
    pub async fn find_by_login(&self, login: &str) -> Result<Option<Account>, AccountError> {
        let row: Option<AccountRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE login = $1"))
                .bind(login.trim().to_ascii_lowercase())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(Account::from))
    }

    /// The account with this id, enabled or not.
    pub async fn find_by_id(&self, id: i64) -> Result<Option<Account>, AccountError> {
        let row = match &self.readers {
            Some(readers) => readers.read(|connection| {
                use rusqlite::OptionalExtension;
                connection
                    .prepare_cached(&FIND_BY_ID)?
                    .query_row([id], AccountRow::from_sqlite)
                    .optional()
            })?,
            None => {
                sqlx::query_as(&FIND_BY_ID)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        Ok(row.map(Account::from))
    }

    /// Every account, by login name.
    pub async fn list(&self) -> Result<Vec<Account>, AccountError> {
        let rows: Vec<AccountRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts ORDER BY login"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(Account::from).collect())
    }

    /// Adds an enabled account.
    pub async fn add(&self, account: NewAccount) -> Result<Account, AccountError> {
        let login = account.login.to_ascii_lowercase();
        if self.find_by_login(&login).await?.is_some() {
            return Err(AccountError::Exists(login));
        }
        let now = now();
        sqlx::query(
            "INSERT INTO accounts (login, password_hash, roles, workmail_user, enabled, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6)",
        )
        .bind(&login)
        .bind(&account.password_hash)
        .bind(roles_text(&account.roles))
        .bind(&account.workmail_user)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                AccountError::Exists(login.clone())
            }
            _ => AccountError::Database(e),
        })?;
        self.find_by_login(&login)
            .await?
            .ok_or(AccountError::NotFound(login))
    }

    async fn update(&self, login: &str, set: &str, value: impl ToBind) -> Result<(), AccountError> {
        let query = format!("UPDATE accounts SET {set} = $1, updated_at = $2 WHERE login = $3");
        let login = login.trim().to_ascii_lowercase();
        let done = value
            .bind_to(sqlx::query(&query))
            .bind(now())
            .bind(&login)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(AccountError::NotFound(login));
        }
        Ok(())
    }

    /// Replaces the account's roles.
    pub async fn set_roles(&self, login: &str, roles: &[String]) -> Result<(), AccountError> {
        self.update(login, "roles", roles_text(roles)).await
    }

    /// Replaces the account's password hash.
    pub async fn set_password_hash(&self, login: &str, hash: &str) -> Result<(), AccountError> {
        self.update(login, "password_hash", hash.to_owned()).await
    }

    /// Links the account to a WorkMail user (or unlinks it).
    pub async fn set_workmail_user(
        &self,
        login: &str,
        user: Option<String>,
    ) -> Result<(), AccountError> {
        self.update(login, "workmail_user", user).await
    }

    /// Enables or disables the account (a disabled account cannot sign in, and its sessions
    /// stop working at their next request).
    pub async fn set_enabled(&self, login: &str, enabled: bool) -> Result<(), AccountError> {
        self.update(login, "enabled", i64::from(enabled)).await
    }

    /// Notes a successful sign-in now.
    pub async fn note_sign_in(&self, login: &str) -> Result<(), AccountError> {
        self.update(login, "last_sign_in_at", now()).await
    }

    /// The account an SSO identity signed in as before, enabled or not.
    pub async fn find_by_sso(
        &self,
        identity: &SsoIdentity,
    ) -> Result<Option<Account>, AccountError> {
        let row: Option<AccountRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM accounts WHERE sso_issuer = $1 AND sso_subject = $2"
        ))
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Account::from))
    }

    /// The account of a single sign-on, created on the first one (just in time); its roles,
    /// WorkMail user and last sign-in refreshed from this one. Whether it is enabled is the
    /// portal's to say: a disabled account stays disabled.
    pub async fn sign_in_sso(&self, sign_in: &SsoSignIn) -> Result<Account, AccountError> {
        let existing = self.find_by_sso(&sign_in.identity).await?;
        let login = match existing {
            // A disabled account is left as it is: the sign-in is refused.
            Some(account) if !account.enabled => return Ok(account),
            Some(account) => account.login,
            None => self.create_sso(sign_in).await?,
        };
        let now = now();
        sqlx::query(
            "UPDATE accounts SET roles = $1, last_sign_in_at = $2, updated_at = $3 \
             WHERE login = $4",
        )
        .bind(roles_text(&sign_in.roles))
        .bind(now)
        .bind(now)
        .bind(&login)
        .execute(&self.pool)
        .await?;
        if let Some(user) = &sign_in.workmail_user {
            self.set_workmail_user(&login, user.clone()).await?;
        }
        self.find_by_login(&login)
            .await?
            .ok_or(AccountError::NotFound(login))
    }

    /// Inserts the account of a first single sign-on; returns its login name. Two first
    /// sign-ins at once: the second finds the first's account.
    async fn create_sso(&self, sign_in: &SsoSignIn) -> Result<String, AccountError> {
        let derived = sso_login(&sign_in.identity);
        let wanted = sign_in
            .wanted_login
            .as_deref()
            .and_then(|name| validate_login(name).ok());
        let login = match wanted {
            Some(name) if self.find_by_login(&name).await?.is_none() => name,
            _ => derived,
        };
        let now = now();
        let inserted = sqlx::query(
            "INSERT INTO accounts (login, password_hash, roles, workmail_user, enabled, \
             created_at, updated_at, sso_issuer, sso_subject) \
             VALUES ($1, '', '', NULL, 1, $2, $3, $4, $5)",
        )
        .bind(&login)
        .bind(now)
        .bind(now)
        .bind(&sign_in.identity.issuer)
        .bind(&sign_in.identity.subject)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(login),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => self
                .find_by_sso(&sign_in.identity)
                .await?
                .map(|account| account.login)
                .ok_or(AccountError::Exists(login)),
            Err(other) => Err(other.into()),
        }
    }

    /// Removes the account.
    pub async fn remove(&self, login: &str) -> Result<(), AccountError> {
        let login = login.trim().to_ascii_lowercase();
        let done = sqlx::query("DELETE FROM accounts WHERE login = $1")
            .bind(&login)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(AccountError::NotFound(login));
        }
        Ok(())
    }
}

/// A value `update` can bind (keeps the one UPDATE statement for every column).
type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

trait ToBind {
    fn bind_to(self, query: AnyQuery<'_>) -> AnyQuery<'_>;
}

impl<T> ToBind for T
where
    T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + 'static,
{
    fn bind_to(self, query: AnyQuery<'_>) -> AnyQuery<'_> {
        query.bind(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_names_are_lower_case_and_plain() {
        assert_eq!(validate_login(" Admin ").as_deref(), Ok("admin"));
        assert_eq!(
            validate_login("jane.doe@demo.example.com").as_deref(),
            Ok("jane.doe@demo.example.com")
        );
        for bad in ["", "a b", "x".repeat(65).as_str(), "naïve", "a,b"] {
            assert!(validate_login(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_are_stored_sorted_without_duplicates() {
        let roles = vec!["hr".to_owned(), "admin".to_owned(), "hr".to_owned()];
        assert_eq!(roles_text(&roles), "admin,hr");
    }
}
