//! Finding users: the directory page's search over the index, as far as the signed-in account
//! may see. Decided here, on the server, for every request.

use super::Caller;
use crate::directory_index::Snapshot;
use crate::domain::{
    AuditFilter, AuditRight, DirectoryQuery, IndexedUser, Readable, Relation, UserAccess, search,
    search_everyone,
};
use crate::wire::{ApiError, Dashboard, DirectoryRow, DirectoryView, ErrorKind, RecentChange};
use std::collections::BTreeMap;

impl Caller {
    /// One page of users matching `query`. Each row is checked against the policy for this
    /// account and that user: users it may not see are left out (and counted nowhere), hidden
    /// columns are empty, and hidden values never match the search.
    #[expect(
        clippy::result_large_err,
        reason = "ApiError is what every server function returns"
    )]
    pub fn find_users(&self, query: &DirectoryQuery) -> Result<DirectoryView, ApiError> {
        self.check_browse()?;
        let index = self.index();
        let query = &query.normalized();
        let snapshot = index.snapshot();
        if snapshot.refreshed_at.is_none() {
            return Err(not_read_yet());
        }
        let visibility = Visibility::new(&snapshot, self);
        let page = match visibility.same_for_everyone() {
            Some(readable) => search_everyone(&snapshot.users, query, readable),
            None => search(&snapshot.users, query, |user| visibility.readable(user)),
        };
        let rows = page
            .rows
            .iter()
            .map(|(user, readable)| DirectoryRow::new(&user.user, *readable))
            .collect();
        Ok(DirectoryView {
            query: query.clone(),
            rows,
            total: page.total,
            page: page.page,
            pages: page.pages,
            columns: visibility.columns(),
            refreshed_at: snapshot.refreshed_at,
            refresh_failed_at: index.failed_at(),
            truncated: snapshot.truncated,
        })
    }

    #[expect(
        clippy::result_large_err,
        reason = "ApiError is what every server function returns"
    )]
    fn check_browse(&self) -> Result<(), ApiError> {
        if self.policy().can_browse(self.roles()) {
            Ok(())
        } else {
            Err(ApiError {
                message: "Your role doesn't include the user directory.".to_owned(),
                ..ApiError::new(ErrorKind::Forbidden)
            })
        }
    }

    /// The dashboard: users by state and by role within the account's scope, and the users most
    /// recently changed through the portal (for roles that may read history).
    pub async fn dashboard(&self) -> Result<Dashboard, ApiError> {
        self.check_browse()?;
        let index = self.index();
        let snapshot = index.snapshot();
        if snapshot.refreshed_at.is_none() {
            return Err(not_read_yet());
        }
        let visibility = Visibility::new(&snapshot, self);
        let mut by_state = BTreeMap::new();
        let mut by_role = BTreeMap::new();
        let mut total = 0;
        for user in snapshot.users.users() {
            let Some(readable) = visibility.readable(user) else {
                continue;
            };
            total += 1;
            if readable.state
                && let Some(state) = user.user.state
            {
                *by_state.entry(state.api_name()).or_insert(0) += 1;
            }
            if readable.role
                && let Some(role) = user.user.role
            {
                *by_role.entry(role.api_name()).or_insert(0) += 1;
            }
        }
        let mut recent = Vec::new();
        if self.policy().audit_right(self.roles()) >= AuditRight::History {
            let filter = AuditFilter {
                reached_directory_only: true,
                ..AuditFilter::default()
            };
            match self.audit().search(&filter, 50).await {
                Ok(page) => {
                    for record in page.records {
                        let Some(user) = record
                            .target_id
                            .as_deref()
                            .and_then(|id| snapshot.users.by_id(id))
                        else {
                            continue;
                        };
                        let Some(readable) = visibility.readable(user) else {
                            continue;
                        };
                        // As in History: a change made only to fields the reader may not see
                        // of this user is not shown (not even when, or by whom).
                        let (at_ms, account) = (record.at_ms, record.account.clone());
                        if record.for_reader(visibility.access(user), false).is_none() {
                            continue;
                        }
                        if recent
                            .iter()
                            .any(|r: &RecentChange| r.user_id == user.user.user_id)
                        {
                            continue;
                        }
                        let row = DirectoryRow::new(&user.user, readable);
                        recent.push(RecentChange {
                            user_id: user.user.user_id.clone(),
                            user: row
                                .display_name
                                .filter(|d| !d.is_empty())
                                .or(row.name)
                                .unwrap_or_else(|| user.user.user_id.clone()),
                            at_ms,
                            account,
                        });
                        if recent.len() == 10 {
                            break;
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "dashboard without recent changes"),
            }
        }
        Ok(Dashboard {
            total,
            by_state: by_state
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            by_role: by_role
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            recent,
            refreshed_at: snapshot.refreshed_at,
        })
    }
}

fn not_read_yet() -> ApiError {
    ApiError {
        message: "The user directory hasn't been read yet. Try again in a moment.".to_owned(),
        ..ApiError::new(ErrorKind::DirectoryUnavailable)
    }
}

/// What the account may see of each user in a snapshot. There are at most four relations
/// (self? same department?), so each is resolved once per request, not once per user.
struct Visibility<'s> {
    own_id: Option<&'s str>,
    own_department: Option<&'s str>,
    /// `[is_self][same_department]`.
    table: [[Option<Readable>; 2]; 2],
    /// The same, the whole access.
    access: [[UserAccess; 2]; 2],
}

impl<'s> Visibility<'s> {
    fn new(snapshot: &'s Snapshot, caller: &Caller) -> Self {
        let roles = caller.roles();
        let own = caller
            .principal
            .workmail_user
            .as_deref()
            .and_then(|mine| snapshot.users.by_email(mine));
        let access_for = |is_self: bool, same_department: bool| {
            caller.policy().resolve(
                roles,
                Relation {
                    is_self,
                    same_department,
                },
            )
        };
        let access = [
            [access_for(false, false), access_for(false, true)],
            [access_for(true, false), access_for(true, true)],
        ];
        let readable_for = |is_self: bool, same_department: bool| {
            Readable::from_access(&access[usize::from(is_self)][usize::from(same_department)])
        };
        Self {
            own_id: own.map(|u| u.user.user_id.as_str()),
            own_department: own
                .and_then(|u| u.user.department.as_deref())
                .filter(|d| !d.is_empty()),
            table: [
                [readable_for(false, false), readable_for(false, true)],
                [readable_for(true, false), readable_for(true, true)],
            ],
            access,
        }
    }

    /// What the account may see of every user, when that is the same for all: it has no user
    /// of its own (so no one is "self" or "same department"), or its grants do not depend on
    /// the relation.
    fn same_for_everyone(&self) -> Option<Option<Readable>> {
        let relations = [(false, false), (false, true), (true, false), (true, true)];
        let mut seen = relations
            .into_iter()
            .filter(|&(is_self, same)| {
                (!is_self || self.own_id.is_some()) && (!same || self.own_department.is_some())
            })
            .map(|(is_self, same)| self.table[usize::from(is_self)][usize::from(same)]);
        let first = seen.next()?;
        seen.all(|other| other == first).then_some(first)
    }

    fn readable(&self, user: &IndexedUser) -> Option<Readable> {
        let (is_self, same_department) = self.relation(user);
        self.table[usize::from(is_self)][usize::from(same_department)]
    }

    /// What the account may do with `user`.
    fn access(&self, user: &IndexedUser) -> &UserAccess {
        let (is_self, same_department) = self.relation(user);
        &self.access[usize::from(is_self)][usize::from(same_department)]
    }

    /// (is the account's own user, is in the account's department).
    fn relation(&self, user: &IndexedUser) -> (bool, bool) {
        let is_self = self.own_id == Some(user.user.user_id.as_str());
        let same_department =
            self.own_department.is_some() && user.user.department.as_deref() == self.own_department;
        (is_self, same_department)
    }

    /// The columns any row may show.
    fn columns(&self) -> Readable {
        self.table[1][1].unwrap_or(Readable::NONE)
    }
}
