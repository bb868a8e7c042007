//! In-memory implementations of the ports, one of each, for the unit tests of the layers above
//! them. Integration tests use the real adapters.

use super::UserListPage;
use super::{
    AccountError, AccountManagement, AuditError, AuditLog, BoxFuture, Directory, DirectoryError,
    DirectoryErrorKind, ExportJobs, ExportRequest, ExportTask, SaveLock, SaveLocks,
};
use crate::domain::{
    AccountChange, AccountSummary, AuditEntry, AuditFilter, AuditPage, Change, DirectoryExport,
    ExportFile, ExportJob, ExportState, Organization, Timestamp, UserProfile, UserSummary,
};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs a future of these fakes to its end: they never wait, so one poll completes it.
pub fn run<F: Future>(future: F) -> F::Output {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("an in-memory port's future was pending"),
    }
}

/// A directory of users in memory. It records the writes it takes, can be told to fail, and
/// can run a step "meanwhile" during ListUsers, as a concurrent request would.
#[derive(Default)]
pub struct MemoryDirectory {
    users: Mutex<Vec<UserProfile>>,
    writes: Mutex<Vec<Vec<Change>>>,
    fail_updates: Mutex<Option<DirectoryErrorKind>>,
    fail_lists: AtomicBool,
    fail_describes: Mutex<Vec<String>>,
    meanwhile: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    during_update: Mutex<Option<DirectoryStep>>,
}

/// Something done to the directory from outside, at a chosen moment.
type DirectoryStep = Box<dyn FnOnce(&MemoryDirectory) + Send>;

impl MemoryDirectory {
    /// A directory holding `users`.
    pub fn new(users: Vec<UserProfile>) -> Self {
        Self {
            users: Mutex::new(users),
            ..Self::default()
        }
    }

    /// The user with this id, user name or email address, as the directory holds it now.
    pub fn user(&self, user: &str) -> Option<UserProfile> {
        lock(&self.users)
            .iter()
            .find(|profile| {
                [
                    Some(profile.user_id.as_str()),
                    profile.name.as_deref(),
                    profile.email.as_deref(),
                ]
                .contains(&Some(user))
            })
            .cloned()
    }

    /// Changes a user as someone else would, behind the portal's back.
    pub fn edit(&self, user_id: &str, change: impl FnOnce(&mut UserProfile)) {
        if let Some(profile) = lock(&self.users).iter_mut().find(|p| p.user_id == user_id) {
            change(profile);
        }
    }

    /// Every UpdateUser taken, in order.
    pub fn writes(&self) -> Vec<Vec<Change>> {
        lock(&self.writes).clone()
    }

    /// From now on UpdateUser fails with `kind` (with a raw message and a request id).
    pub fn fail_updates(&self, kind: DirectoryErrorKind) {
        *lock(&self.fail_updates) = Some(kind);
    }

    /// From now on DescribeUser of `user_id` fails as unavailable.
    pub fn fail_describes_of(&self, user_id: &str) {
        lock(&self.fail_describes).push(user_id.to_owned());
    }

    /// From now on ListUsers fails (`true`) or answers (`false`).
    pub fn fail_lists(&self, fail: bool) {
        self.fail_lists.store(fail, Ordering::SeqCst);
    }

    /// Runs `step` at the start of the next UpdateUser, as a write from outside the portal that
    /// lands between a save's checks and its write.
    pub fn during_update(&self, step: impl FnOnce(&MemoryDirectory) + Send + 'static) {
        *lock(&self.during_update) = Some(Box::new(step));
    }

    /// Runs `step` during the next ListUsers, after the users were read.
    pub fn meanwhile(&self, step: impl FnOnce() + Send + 'static) {
        *lock(&self.meanwhile) = Some(Box::new(step));
    }
}

impl Directory for MemoryDirectory {
    fn describe_user<'a>(
        &'a self,
        user: &'a str,
    ) -> BoxFuture<'a, Result<UserProfile, DirectoryError>> {
        let found = self
            .user(user)
            .ok_or_else(|| DirectoryError::new(DirectoryErrorKind::UserNotFound, "no such user"))
            .and_then(|profile| {
                if lock(&self.fail_describes).contains(&profile.user_id) {
                    Err(DirectoryError::new(DirectoryErrorKind::Unavailable, "down"))
                } else {
                    Ok(profile)
                }
            });
        Box::pin(async move { found })
    }

    fn update_user<'a>(
        &'a self,
        user_id: &'a str,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        let step = lock(&self.during_update).take();
        if let Some(step) = step {
            step(self);
        }
        let result = match *lock(&self.fail_updates) {
            Some(kind) => {
                Err(DirectoryError::new(kind, "raw SDK text").with_request_id(Some("req-1".into())))
            }
            None => {
                lock(&self.writes).push(changes.to_vec());
                self.edit(user_id, |profile| {
                    for change in changes {
                        profile.values.set(change.field, change.to.clone());
                    }
                });
                Ok(())
            }
        };
        Box::pin(async move { result })
    }

    fn list_users<'a>(
        &'a self,
        _token: Option<&'a str>,
    ) -> BoxFuture<'a, Result<UserListPage, DirectoryError>> {
        // As ListUsers: one page of everyone, without departments.
        let users = lock(&self.users)
            .iter()
            .map(|profile| UserSummary {
                department: None,
                ..UserSummary::from_profile(profile)
            })
            .collect();
        if let Some(step) = lock(&self.meanwhile).take() {
            step();
        }
        let result = if self.fail_lists.load(Ordering::SeqCst) {
            Err(DirectoryError::new(DirectoryErrorKind::Unavailable, "down"))
        } else {
            Ok(UserListPage { users, next: None })
        };
        Box::pin(async move { result })
    }

    fn organization(&self) -> BoxFuture<'_, Result<Organization, DirectoryError>> {
        Box::pin(async {
            Ok(Organization {
                id: "m-memory".into(),
                alias: Some("memory".into()),
                ..Organization::default()
            })
        })
    }
}

/// Export jobs that run to their end as they start (the fakes' futures never wait); a
/// finished job's "file" lists its users' ids, one per line.
#[derive(Default)]
pub struct MemoryExports {
    jobs: Mutex<Vec<(String, ExportJob, Option<DirectoryExport>)>>,
}

impl MemoryExports {
    /// What the finished exports hold, oldest first.
    pub fn finished(&self) -> Vec<DirectoryExport> {
        lock(&self.jobs)
            .iter()
            .filter_map(|(_, _, export)| export.clone())
            .collect()
    }
}

impl ExportJobs for MemoryExports {
    fn start(&self, account: &str, request: ExportRequest, task: ExportTask) -> String {
        let result = run(task(Arc::new(|_| {})));
        let mut jobs = lock(&self.jobs);
        let id = format!("job-{}", jobs.len() + 1);
        let (state, export) = match result {
            Ok(export) => (
                ExportState::Done {
                    users: export.users.len(),
                    bytes: 0,
                },
                Some(export),
            ),
            Err(message) => (ExportState::Failed { message }, None),
        };
        let job = ExportJob {
            id: id.clone(),
            format: request.format,
            started_at: Timestamp(0),
            state,
        };
        jobs.push((account.to_owned(), job, export));
        id
    }

    fn jobs_of(&self, account: &str) -> Vec<ExportJob> {
        lock(&self.jobs)
            .iter()
            .rev()
            .filter(|(owner, _, _)| owner == account)
            .map(|(_, job, _)| job.clone())
            .collect()
    }

    fn file(&self, account: &str, id: &str) -> Option<ExportFile> {
        let jobs = lock(&self.jobs);
        let (_, job, export) = jobs
            .iter()
            .find(|(owner, job, _)| owner == account && job.id == id)?;
        let ids: Vec<&str> = export
            .as_ref()?
            .users
            .iter()
            .map(|u| u.user_id.as_str())
            .collect();
        Some(ExportFile {
            format: job.format,
            name: format!("{id}.txt"),
            bytes: ids.join("\n").into_bytes().into(),
        })
    }
}

/// Save locks for one thread of unit tests: every lock is granted at once (the futures of
/// these fakes never wait), and each is counted.
#[derive(Default)]
pub struct MemoryLocks {
    taken: Mutex<Vec<String>>,
}

impl MemoryLocks {
    /// The user ids locked so far, in order.
    pub fn taken(&self) -> Vec<String> {
        lock(&self.taken).clone()
    }
}

impl SaveLocks for MemoryLocks {
    fn lock<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<SaveLock, AuditError>> {
        lock(&self.taken).push(user_id.to_owned());
        Box::pin(async { Ok(SaveLock::new(())) })
    }
}

/// Accounts for unit tests that do not manage them: none, and every change accepted.
#[derive(Default)]
pub struct NoAccounts;

impl AccountManagement for NoAccounts {
    fn list(&self) -> BoxFuture<'_, Result<Vec<AccountSummary>, AccountError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn apply<'a>(&'a self, _: &'a AccountChange) -> BoxFuture<'a, Result<(), AccountError>> {
        Box::pin(async { Ok(()) })
    }
}

/// An audit log in memory: its records, its open intents, and switches to make it fail.
#[derive(Default)]
pub struct MemoryAudit {
    records: Mutex<Vec<AuditEntry>>,
    intents: Mutex<Vec<(i64, AuditEntry)>>,
    fail_intents: AtomicBool,
    fail_close: AtomicBool,
}

impl MemoryAudit {
    /// The records written so far.
    pub fn records(&self) -> Vec<AuditEntry> {
        lock(&self.records).clone()
    }

    /// How many intents are open.
    pub fn open_intents(&self) -> usize {
        lock(&self.intents).len()
    }

    /// From now on opening an intent fails.
    pub fn fail_intents(&self) {
        self.fail_intents.store(true, Ordering::SeqCst);
    }

    /// From now on closing an intent fails.
    pub fn fail_close(&self) {
        self.fail_close.store(true, Ordering::SeqCst);
    }
}

impl AuditLog for MemoryAudit {
    fn record(&self, entry: AuditEntry) -> BoxFuture<'_, Result<(), AuditError>> {
        lock(&self.records).push(entry);
        Box::pin(async { Ok(()) })
    }

    fn open_intent<'a>(&'a self, entry: &'a AuditEntry) -> BoxFuture<'a, Result<i64, AuditError>> {
        let result = if self.fail_intents.load(Ordering::SeqCst) {
            Err(AuditError("disk full".into()))
        } else {
            let mut intents = lock(&self.intents);
            let id = i64::try_from(intents.len()).unwrap_or_default() + 1;
            intents.push((id, entry.clone()));
            Ok(id)
        };
        Box::pin(async move { result })
    }

    fn close_intent(
        &self,
        intent: i64,
        entry: AuditEntry,
    ) -> BoxFuture<'_, Result<(), AuditError>> {
        let result = if self.fail_close.load(Ordering::SeqCst) {
            Err(AuditError("disk full".into()))
        } else {
            lock(&self.intents).retain(|(id, _)| *id != intent);
            lock(&self.records).push(entry);
            Ok(())
        };
        Box::pin(async move { result })
    }

    fn pseudonym(&self, text: &str) -> String {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut hasher = DefaultHasher::new();
        text.hash(&mut hasher);
        format!("hash:{:016x}", hasher.finish())
    }

    fn search<'a>(
        &'a self,
        _filter: &'a AuditFilter,
        _limit: usize,
    ) -> BoxFuture<'a, Result<AuditPage, AuditError>> {
        Box::pin(async { Ok(AuditPage::default()) })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
