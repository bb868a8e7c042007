//! The ports: traits the use cases call, with plain types; the server crate provides the
//! implementations, and [`memory`] in-memory ones for unit tests.
//!
//! No WorkMail or AWS types appear here, so another directory can be plugged in later.

#[cfg(test)]
pub mod memory;

use crate::domain::{
    AccountChange, AccountSummary, AuditEntry, AuditFilter, AuditPage, Change, DirectoryExport,
    ExportFile, ExportFormat, ExportJob, Field, GroupRef, MailboxUsage, Organization, Password,
    UserProfile, UserSummary,
};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed, sendable future (keeps the traits object-safe without an extra crate).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The user directory (WorkMail, or an emulator of it).
pub trait Directory: Send + Sync + 'static {
    /// Reads one user; `user` is a user id, user name or email address.
    fn describe_user<'a>(
        &'a self,
        user: &'a str,
    ) -> BoxFuture<'a, Result<UserProfile, DirectoryError>>;

    /// Writes `changes` to the user with id `user_id`: only the listed fields are sent, an empty
    /// value clears the attribute, and every other field stays as it is.
    fn update_user<'a>(
        &'a self,
        user_id: &'a str,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<(), DirectoryError>>;

    /// One page of the organization's users, in the directory's order; `token` continues
    /// from the previous page (`None`: the first page).
    fn list_users<'a>(
        &'a self,
        token: Option<&'a str>,
    ) -> BoxFuture<'a, Result<UserListPage, DirectoryError>>;

    /// The organization the users belong to.
    fn organization(&self) -> BoxFuture<'_, Result<Organization, DirectoryError>>;

    /// The fields this directory cannot hold (an LDAP directory has no WorkMail Role): they
    /// are shown as unavailable, never read or written.
    fn unavailable_fields(&self) -> &[Field] {
        &[]
    }

    // The help desk's tasks. A directory that has no such thing keeps the default: the task
    // is refused as unsupported, and the page says so. `user_id` is a canonical user id.

    /// Sets a new password for the user.
    fn reset_password<'a>(
        &'a self,
        user_id: &'a str,
        password: &'a Password,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        let _ = (user_id, password);
        unsupported("reset_password")
    }

    /// The user's addresses besides the primary one.
    fn aliases<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, DirectoryError>> {
        let _ = user_id;
        unsupported("aliases")
    }

    fn add_alias<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        let _ = (user_id, address);
        unsupported("add_alias")
    }

    fn remove_alias<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        let _ = (user_id, address);
        unsupported("remove_alias")
    }

    /// Makes `address` the primary one; the old primary address stays as an alias.
    fn set_primary_address<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        let _ = (user_id, address);
        unsupported("set_primary_address")
    }

    /// The groups the user is a direct member of.
    fn groups_of<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<GroupRef>, DirectoryError>> {
        let _ = user_id;
        unsupported("groups_of")
    }

    /// Enabled groups whose name starts with `prefix`, at most `limit`.
    fn find_groups<'a>(
        &'a self,
        prefix: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<GroupRef>, DirectoryError>> {
        let _ = (prefix, limit);
        unsupported("find_groups")
    }

    fn add_to_group<'a>(
        &'a self,
        group_id: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        let _ = (group_id, user_id);
        unsupported("add_to_group")
    }

    fn remove_from_group<'a>(
        &'a self,
        group_id: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        let _ = (group_id, user_id);
        unsupported("remove_from_group")
    }

    /// The size and quota of the user's mailbox.
    fn mailbox<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<MailboxUsage, DirectoryError>> {
        let _ = user_id;
        unsupported("mailbox")
    }

    fn set_mailbox_quota<'a>(
        &'a self,
        user_id: &'a str,
        quota_mb: u32,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        let _ = (user_id, quota_mb);
        unsupported("set_mailbox_quota")
    }

    /// Enables the user with `address` as its primary address (WorkMail: registers it).
    fn enable_user<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        let _ = (user_id, address);
        unsupported("enable_user")
    }

    /// Disables the user (WorkMail: deregisters it; its mailbox stops receiving mail).
    fn disable_user<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<(), DirectoryError>> {
        let _ = user_id;
        unsupported("disable_user")
    }
}

/// The answer of a task a directory does not have.
fn unsupported<'a, T: Send + 'a>(task: &str) -> BoxFuture<'a, Result<T, DirectoryError>> {
    let error = DirectoryError::new(
        DirectoryErrorKind::UnsupportedOperation,
        format!("this directory has no {task}"),
    );
    Box::pin(async move { Err(error) })
}

/// One page of [`Directory::list_users`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserListPage {
    pub users: Vec<UserSummary>,
    /// The token of the next page; `None` after the last.
    pub next: Option<String>,
}

/// The audit log: append-only records of saves and sign-ins.
///
/// A save that writes to the directory goes through an intent: [`AuditLog::open_intent`]
/// before the directory call (if it fails, the save does not happen), then
/// [`AuditLog::close_intent`] with the outcome. An intent left open (the store failed, the
/// process died) is turned into a record at the next start-up, so a change that reached the
/// directory is never missing from the log.
pub trait AuditLog: Send + Sync + 'static {
    /// Appends one record.
    fn record(&self, entry: AuditEntry) -> BoxFuture<'_, Result<(), AuditError>>;

    /// Durably notes a save about to be sent to the directory; returns the intent's id.
    fn open_intent<'a>(&'a self, entry: &'a AuditEntry) -> BoxFuture<'a, Result<i64, AuditError>>;

    /// Appends the save's record and closes its intent, in one transaction.
    fn close_intent(&self, intent: i64, entry: AuditEntry)
    -> BoxFuture<'_, Result<(), AuditError>>;

    /// A stand-in for `text` that the log may hold where `text` itself must not be kept (a
    /// sign-in name that matches no account may be someone's password): a keyed hash, the same
    /// for the same text on this installation, so repeated attempts can still be told apart.
    fn pseudonym(&self, text: &str) -> String;

    /// One page of records matching `filter`, newest first.
    fn search<'a>(
        &'a self,
        filter: &'a AuditFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<AuditPage, AuditError>>;
}

/// Serialises the portal's own saves of one user, so that two of them never interleave between
/// the checks and the write: on one portal in memory, across replicas in the shared database.
pub trait SaveLocks: Send + Sync + 'static {
    /// Waits until no other save of `user_id` (a canonical user id) holds its lock, then holds
    /// it until the returned [`SaveLock`] is dropped.
    fn lock<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<SaveLock, AuditError>>;
}

/// A held save lock; dropping it releases it.
pub struct SaveLock(#[expect(dead_code, reason = "held for its Drop")] Box<dyn Send>);

impl SaveLock {
    /// A lock released when `guard` is dropped.
    pub fn new(guard: impl Send + 'static) -> Self {
        Self(Box::new(guard))
    }
}

/// The portal's own accounts, with the rules every change keeps (roles in the policy, login
/// names and passwords well-formed, never without an enabled account manager). The server's
/// `accounts` command goes through the same implementation.
pub trait AccountManagement: Send + Sync + 'static {
    /// Every account, by login name.
    fn list(&self) -> BoxFuture<'_, Result<Vec<AccountSummary>, AccountError>>;

    /// Applies one change, or refuses it with the reason.
    fn apply<'a>(&'a self, change: &'a AccountChange) -> BoxFuture<'a, Result<(), AccountError>>;
}

/// Directory exports running or finished on this portal, each kept for a while so that the
/// person who started it can download its file.
pub trait ExportJobs: Send + Sync + 'static {
    /// Runs `task` in the background as `account`'s export; returns the job's id.
    fn start(&self, account: &str, request: ExportRequest, task: ExportTask) -> String;

    /// `account`'s jobs, newest first.
    fn jobs_of(&self, account: &str) -> Vec<ExportJob>;

    /// The file of `account`'s finished job `id`.
    fn file(&self, account: &str, id: &str) -> Option<ExportFile>;
}

/// What an export job is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportRequest {
    pub format: ExportFormat,
    /// Where LDIF entries go (LDIF only).
    pub base_dn: Option<String>,
    /// About how many users the directory holds, for the progress shown meanwhile (0: not
    /// said, to a role that may not see the whole organization).
    pub expected: usize,
}

/// Counts the users an export has read so far.
pub type ExportProgress = Arc<dyn Fn(usize) + Send + Sync>;

/// An export's work: reads the directory, reporting progress; fails with a sentence for people.
pub type ExportTask =
    Box<dyn FnOnce(ExportProgress) -> BoxFuture<'static, Result<DirectoryExport, String>> + Send>;

/// Why an account change was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountErrorKind {
    /// A value the rules do not accept (login name, role, password, WorkMail user).
    Invalid,
    /// No account by that name.
    NotFound,
    /// An account by that name exists already.
    Exists,
    /// The change would leave no enabled account that may manage accounts.
    LastManager,
    /// The portal database failed.
    Unavailable,
}

/// A refused or failed account change: the class, and a sentence for people (the database's
/// own message goes to the log, not here).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AccountError {
    pub kind: AccountErrorKind,
    pub message: String,
}

impl AccountError {
    pub fn new(kind: AccountErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

/// The audit store failed; the detail is for the log.
#[derive(Clone, Debug, thiserror::Error)]
#[error("audit store: {0}")]
pub struct AuditError(pub String);

/// Classes of directory failure, each with one meaning for the person using the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryErrorKind {
    /// No such user.
    UserNotFound,
    /// The user's state does not allow the operation.
    EntityState,
    /// The directory rejected a parameter ([`DirectoryError::field`] names it when known).
    InvalidParameter,
    /// A conditional write found the user changed since it was read: nothing was written.
    Conflict,
    /// The directory does not let the portal's own account do this.
    Forbidden,
    /// The organization does not exist.
    OrganizationNotFound,
    /// The organization is not in a usable state.
    OrganizationState,
    /// The directory does not support the operation.
    UnsupportedOperation,
    /// The address is already another user's or group's.
    AddressInUse,
    /// The address is not in one of the organization's (verified) mail domains.
    AddressDomain,
    /// The directory refused the password as too weak.
    WeakPassword,
    /// A limit of the directory was reached (aliases per user).
    LimitExceeded,
    /// The directory service is temporarily unavailable.
    Unavailable,
    /// The directory could not authenticate (its own directory, or the portal's credentials).
    AuthenticationFailed,
    /// The portal found no credentials to call the directory with.
    NoCredentials,
    /// Too many requests; the directory asked to slow down.
    Throttled,
    /// No answer in time.
    Timeout,
    /// The directory could not be reached (connection refused, DNS, TLS…).
    Unreachable,
    /// An answer the adapter did not expect.
    Unexpected,
}

/// A failed directory call: the class, plus what the log needs (never shown to people).
#[derive(Clone, Debug)]
pub struct DirectoryError {
    pub kind: DirectoryErrorKind,
    /// The directory's request id, when it answered.
    pub request_id: Option<String>,
    /// The raw error code and message, for the log only.
    pub detail: String,
    /// The field the directory refused, when it said which.
    pub field: Option<Field>,
}

impl DirectoryError {
    /// A failure of `kind` with a log detail.
    pub fn new(kind: DirectoryErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            request_id: None,
            detail: detail.into(),
            field: None,
        }
    }

    /// Names the field the directory refused.
    pub fn with_field(mut self, field: Option<Field>) -> Self {
        self.field = field;
        self
    }

    /// Adds the directory's request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }
}

impl fmt::Display for DirectoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.detail)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DirectoryError {}
