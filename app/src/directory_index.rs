//! The directory index: every user of the organization in memory, so search is instant at any
//! size. ListUsers returns 100 users a page with one prefix filter per request; searching
//! three keys across 10,000 users that way would take hundreds of calls per keystroke.
//!
//! The index is rebuilt in the background (every `PORTAL_DIRECTORY_REFRESH_SECONDS`) by paging
//! through ListUsers, and swapped in whole, so readers never wait on a refresh and never see
//! half of one. A save through the portal re-reads that one user at once. Memory is bounded by
//! a maximum user count; the page says how fresh the index is.

use crate::domain::{Field, IndexedUser, UserList, UserProfile, UserSummary};
use crate::ports::{Directory, DirectoryError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// What the index holds at one moment.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Every user, searchable by prefix.
    pub users: UserList,
    /// When the last complete refresh finished (Unix seconds); `None` before the first.
    pub refreshed_at: Option<i64>,
    /// More users than the index may hold: the rest are left out.
    pub truncated: bool,
    /// Departments have been read (DescribeUser per user) for department-scoped roles.
    pub has_departments: bool,
}

/// What the writers share.
#[derive(Debug, Default)]
struct Writer {
    /// A refresh is reading the directory.
    rebuilding: bool,
    /// Users saved meanwhile: the refresh may have read them before the save, so they are
    /// applied over its result.
    saved_during_rebuild: Vec<UserSummary>,
}

/// The index, shared by every request (Leptos context) and the refresh task.
#[derive(Debug)]
pub struct DirectoryIndex {
    snapshot: RwLock<Arc<Snapshot>>,
    /// Serialises the writers (a save's update, a refresh's swap).
    writer: Mutex<Writer>,
    /// One refresh at a time (the periodic one, one after a lost save notice): two at once
    /// would share `Writer`'s saves and lose some to the older read.
    refreshing: futures::lock::Mutex<()>,
    max_users: usize,
    /// When the latest refresh failed (Unix seconds); 0 when it succeeded.
    failed_at: AtomicI64,
}

impl DirectoryIndex {
    /// An empty index that will hold at most `max_users` users.
    pub fn new(max_users: usize) -> Self {
        Self {
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            writer: Mutex::new(Writer::default()),
            refreshing: futures::lock::Mutex::new(()),
            max_users,
            failed_at: AtomicI64::new(0),
        }
    }

    /// The current snapshot (cheap: an `Arc` clone).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn writer(&self) -> MutexGuard<'_, Writer> {
        match self.writer.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn replace(&self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        match self.snapshot.write() {
            Ok(mut guard) => *guard = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }

    /// When the latest refresh failed, if it did (Unix seconds).
    pub fn failed_at(&self) -> Option<i64> {
        Some(self.failed_at.load(Ordering::Relaxed)).filter(|&at| at != 0)
    }

    /// Pages through the whole directory and swaps the result in; with `departments`, also
    /// reads each user's department (one DescribeUser per user, eight at a time), which
    /// department-scoped roles need. On failure the old snapshot stays and
    /// [`DirectoryIndex::failed_at`] says so.
    pub async fn refresh(
        &self,
        directory: &dyn Directory,
        departments: bool,
        now: i64,
    ) -> Result<usize, DirectoryError> {
        let _one_at_a_time = self.refreshing.lock().await;
        {
            let mut writer = self.writer();
            writer.rebuilding = true;
            writer.saved_during_rebuild.clear();
        }
        let result = self.rebuild(directory, departments, now).await;
        if result.is_err() {
            let mut writer = self.writer();
            writer.rebuilding = false;
            writer.saved_during_rebuild.clear();
        }
        let failed_at = if result.is_ok() { 0 } else { now.max(1) };
        self.failed_at.store(failed_at, Ordering::Relaxed);
        result
    }

    async fn rebuild(
        &self,
        directory: &dyn Directory,
        departments: bool,
        now: i64,
    ) -> Result<usize, DirectoryError> {
        let mut users: Vec<UserSummary> = Vec::new();
        let mut token: Option<String> = None;
        let mut truncated = false;
        loop {
            let page = directory.list_users(token.as_deref()).await?;
            users.extend(page.users);
            if users.len() >= self.max_users {
                truncated = page.next.is_some() || users.len() > self.max_users;
                users.truncate(self.max_users);
                break;
            }
            match page.next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        if truncated {
            tracing::warn!(
                max = self.max_users,
                "the directory has more users than the index holds; the rest are left out"
            );
        }
        if departments {
            read_departments(directory, &mut users).await;
        }
        let mut indexed = UserList::new(users.into_iter().map(IndexedUser::new).collect());
        let mut writer = self.writer();
        for saved in writer.saved_during_rebuild.drain(..) {
            indexed.upsert(saved);
        }
        writer.rebuilding = false;
        let count = indexed.len();
        self.replace(Snapshot {
            users: indexed,
            refreshed_at: Some(now),
            truncated,
            has_departments: departments,
        });
        Ok(count)
    }

    /// Puts one user's current profile into the index (after a save through the portal).
    pub fn update(&self, profile: &UserProfile) {
        let summary = UserSummary::from_profile(profile);
        let mut writer = self.writer();
        let mut snapshot = Snapshot::clone(&self.snapshot());
        snapshot.users.upsert(summary.clone());
        self.replace(snapshot);
        if writer.rebuilding {
            writer.saved_during_rebuild.push(summary);
        }
    }
}

/// Fills in departments. A user whose DescribeUser fails has no known department (`None`),
/// so department-scoped searches leave them out until the next refresh reads it: an old value
/// could show someone in a department they have left.
async fn read_departments(directory: &dyn Directory, users: &mut [UserSummary]) {
    use futures::StreamExt as _;
    let ids: Vec<String> = users.iter().map(|u| u.user_id.clone()).collect();
    let found: HashMap<String, Option<String>> = futures::stream::iter(ids)
        .map(|id| async move {
            let department = directory
                .describe_user(&id)
                .await
                .ok()
                .map(|p| p.values.get(Field::Department).to_owned());
            (id, department)
        })
        .buffer_unordered(8)
        .collect()
        .await;
    for user in users.iter_mut() {
        user.department = found.get(&user.user_id).cloned().flatten();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Field, FieldValues, UserState};
    use crate::ports::memory::{MemoryDirectory, run};

    fn user(id: &str, name: &str, display: &str) -> UserProfile {
        UserProfile {
            user_id: id.into(),
            name: Some(name.into()),
            email: Some(format!("{name}@x.example")),
            state: Some(UserState::Enabled),
            values: FieldValues::new().with(Field::DisplayName, display),
            ..UserProfile::default()
        }
    }

    fn display_names(index: &DirectoryIndex) -> Vec<String> {
        index
            .snapshot()
            .users
            .users()
            .iter()
            .map(|u| u.user.display_name.clone())
            .collect()
    }

    #[test]
    fn a_save_during_a_refresh_is_not_lost_to_the_older_list() {
        let index = Arc::new(DirectoryIndex::new(100));
        let directory =
            MemoryDirectory::new(vec![user("u-2", "bob", "Bob"), user("u-1", "ann", "Ann")]);
        assert_eq!(run(index.refresh(&directory, false, 10)).ok(), Some(2));
        assert_eq!(display_names(&index), ["Ann", "Bob"], "sorted by user name");

        // While the next refresh reads the old list, Ann is renamed through the portal.
        let saving = Arc::clone(&index);
        directory.meanwhile(move || saving.update(&user("u-1", "ann", "Annette")));
        assert_eq!(run(index.refresh(&directory, false, 20)).ok(), Some(2));
        assert_eq!(display_names(&index), ["Annette", "Bob"]);
        assert_eq!(index.snapshot().refreshed_at, Some(20));
        assert_eq!(index.failed_at(), None);
    }

    /// A department that could not be read is unknown, not the old one: someone who moved
    /// must not stay in their old department's results.
    #[test]
    fn a_department_that_cannot_be_read_is_unknown() {
        let index = DirectoryIndex::new(100);
        let in_engineering = |id: &str, name: &str| UserProfile {
            values: FieldValues::new().with(Field::Department, "Engineering"),
            ..user(id, name, name)
        };
        let directory = MemoryDirectory::new(vec![
            in_engineering("u-1", "ann"),
            in_engineering("u-2", "bob"),
        ]);
        let departments = |index: &DirectoryIndex| -> Vec<Option<String>> {
            index
                .snapshot()
                .users
                .users()
                .iter()
                .map(|u| u.user.department.clone())
                .collect()
        };
        assert_eq!(run(index.refresh(&directory, true, 10)).ok(), Some(2));
        let engineering = Some("Engineering".to_owned());
        assert_eq!(
            departments(&index),
            [engineering.clone(), engineering.clone()]
        );
        directory.fail_describes_of("u-1");
        assert_eq!(run(index.refresh(&directory, true, 20)).ok(), Some(2));
        assert_eq!(departments(&index), [None, engineering]);
    }

    /// A refresh that starts while another runs waits for it: two at once would share the
    /// list of saves made meanwhile and lose some of them to the older read.
    #[test]
    fn refreshes_run_one_at_a_time() {
        use std::future::Future as _;
        let index = Arc::new(DirectoryIndex::new(100));
        let directory = MemoryDirectory::new(vec![user("u-1", "ann", "Ann")]);
        let second = Arc::clone(&index);
        let waited = Arc::new(Mutex::new(None));
        let seen = Arc::clone(&waited);
        directory.meanwhile(move || {
            let other = MemoryDirectory::new(vec![user("u-1", "ann", "Ann")]);
            let mut refresh = std::pin::pin!(second.refresh(&other, false, 15));
            let mut context = std::task::Context::from_waker(std::task::Waker::noop());
            *seen.lock().expect("lock") = Some(refresh.as_mut().poll(&mut context).is_pending());
        });
        assert_eq!(run(index.refresh(&directory, false, 10)).ok(), Some(1));
        assert_eq!(
            *waited.lock().expect("lock"),
            Some(true),
            "the second refresh waited"
        );
    }

    #[test]
    fn a_failed_refresh_keeps_the_old_list_and_says_when() {
        let index = DirectoryIndex::new(100);
        let directory = MemoryDirectory::new(vec![user("u-1", "ann", "Ann")]);
        assert_eq!(run(index.refresh(&directory, false, 10)).ok(), Some(1));
        directory.fail_lists(true);
        assert!(run(index.refresh(&directory, false, 20)).is_err());
        assert_eq!(display_names(&index), ["Ann"]);
        assert_eq!(index.snapshot().refreshed_at, Some(10));
        assert_eq!(index.failed_at(), Some(20));
    }

    #[test]
    fn the_index_holds_at_most_its_limit() {
        let index = DirectoryIndex::new(2);
        let directory = MemoryDirectory::new(vec![
            user("u-1", "a", "A"),
            user("u-2", "b", "B"),
            user("u-3", "c", "C"),
        ]);
        assert_eq!(run(index.refresh(&directory, false, 1)).ok(), Some(2));
        assert!(index.snapshot().truncated);
    }
}
