//! The help desk's and HR's WorkMail tasks for one user (password, addresses, groups,
//! mailbox quota, enable and disable): each checked against the policy's task rights for that
//! user, sensitive ones against the step-up window, every attempt audited with its outcome and,
//! for a change, the values before and after (never a password).

use super::auditing::not_allowed;
use super::failures::directory_failure;
use super::{Caller, capitalized, unix_now};
use crate::domain::{
    AuditEntry, Field, Outcome, Task, TaskRequest, TaskSet, UserProfile, UserState,
};
use crate::wire::{ApiError, ErrorKind, TasksView};

/// At most this many groups answer a group search.
const GROUP_MATCHES: usize = 20;

impl Caller {
    /// The Mail & access tab of `user`: what the account may do for them and what it may see
    /// of their addresses, groups and mailbox. `group_query` searches groups to add them to.
    /// A user outside the account's scope is not found.
    pub async fn load_tasks(
        &self,
        user: &str,
        group_query: Option<&str>,
    ) -> Result<TasksView, ApiError> {
        let (profile, access, own) = self.load_profile_and_own(user).await?;
        let tasks = self.tasks_for(own.as_ref(), &profile);
        let directory = self.directory();
        let id = profile.user_id.as_str();
        let show = |any: &[Task]| any.iter().any(|task| tasks.contains(*task));
        let aliases = async {
            if show(&[Task::ManageAddresses]) {
                Some(
                    directory
                        .aliases(id)
                        .await
                        .map_err(|e| directory_failure("ListAliases", id, e)),
                )
            } else {
                None
            }
        };
        let groups = async {
            if show(&[Task::ViewGroups, Task::ManageGroups]) {
                Some(
                    directory
                        .groups_of(id)
                        .await
                        .map_err(|e| directory_failure("ListGroupsForEntity", id, e)),
                )
            } else {
                None
            }
        };
        let group_matches = async {
            match group_query {
                Some(query) if show(&[Task::ManageGroups]) => Some(
                    directory
                        .find_groups(query.trim(), GROUP_MATCHES)
                        .await
                        .map_err(|e| directory_failure("ListGroups", id, e)),
                ),
                _ => None,
            }
        };
        // A user without a mailbox (not enabled) has nothing to show.
        let enabled = profile.state == Some(UserState::Enabled);
        let mailbox = async {
            if enabled && show(&[Task::ViewMailbox, Task::SetQuota]) {
                Some(
                    directory
                        .mailbox(id)
                        .await
                        .map_err(|e| directory_failure("GetMailboxDetails", id, e)),
                )
            } else {
                None
            }
        };
        let (aliases, groups, group_matches, mailbox) =
            futures::join!(aliases, groups, group_matches, mailbox);
        let title = [
            profile.values.get(Field::DisplayName),
            profile.name.as_deref().unwrap_or_default(),
        ]
        .into_iter()
        .find(|name| !name.is_empty() && access.can_view())
        .unwrap_or(id)
        .to_owned();
        Ok(TasksView {
            user_id: profile.user_id.clone(),
            title,
            state: profile.state,
            email: show(&[Task::ManageAddresses, Task::EnableDisable])
                .then(|| profile.email.clone())
                .flatten(),
            tasks,
            aliases,
            groups,
            group_matches,
            mailbox,
        })
    }

    /// Does one task for `user`; answers what was done, in words. Every attempt leaves one
    /// audit record; a task that reaches the directory goes through an audit intent first, so
    /// it is not done if the log cannot take it.
    pub async fn run_task(&self, user: &str, request: &TaskRequest) -> Result<String, ApiError> {
        let mut entry = AuditEntry {
            detail: Some(request.describe()),
            ..self.origin.audit_entry(&self.principal.account)
        };
        let result = self.attempt_task(user, request, &mut entry).await;
        if let Err(error) = &result
            && entry.outcome.is_none()
        {
            entry.outcome = Some(match error.kind {
                ErrorKind::Forbidden
                | ErrorKind::ReauthenticationRequired
                | ErrorKind::NotFound => Outcome::Refused,
                ErrorKind::BadRequest => Outcome::Invalid,
                _ => Outcome::DirectoryError,
            });
            entry.detail = Some(format!(
                "{}: refused ({})",
                request.describe(),
                error.message
            ));
            if let Err(error) = self.audit().record(entry).await {
                tracing::error!(%error, request_id = %self.origin.request_id, "could not write the audit record of a task");
            }
        }
        result
    }

    async fn attempt_task(
        &self,
        user: &str,
        request: &TaskRequest,
        entry: &mut AuditEntry,
    ) -> Result<String, ApiError> {
        let (profile, _, own) = self.load_profile_and_own(user).await?;
        entry.target_id = Some(profile.user_id.clone());
        entry.target_email = profile.email.clone();
        let tasks = self.tasks_for(own.as_ref(), &profile);
        let task = request.task();
        if !tasks.contains(task) {
            tracing::warn!(account = %self.principal.account, user = %profile.user_id, task = %task, "task refused by policy");
            return Err(not_allowed(&format!(
                "Your role doesn't allow this ({}) for this user. Nothing was changed.",
                task_words(task)
            )));
        }
        if request.needs_recent_authentication() {
            let age = unix_now().saturating_sub(self.principal.authenticated_at);
            if age > self.step_up().max_age_seconds {
                return Err(ApiError {
                    message: format!(
                        "{} needs you to confirm it's you. Nothing was changed. Confirm, then \
                         send the form again.",
                        capitalized(task_words(task))
                    ),
                    ..ApiError::new(ErrorKind::ReauthenticationRequired)
                });
            }
        }
        request.check().map_err(ApiError::bad_request)?;

        let id = profile.user_id.as_str();
        // The profile was just read: it serves as the user before the task.
        let before = self.task_state(request, id, Some(&profile)).await?.words;
        entry.outcome = Some(Outcome::Saved);
        let intent = self.audit().open_intent(entry).await.map_err(|error| {
            tracing::error!(%error, "task refused: the audit log cannot take its intent");
            ApiError::new(ErrorKind::AuditUnavailable)
        });
        let intent = match intent {
            Ok(intent) => intent,
            Err(error) => {
                entry.outcome = None;
                return Err(error);
            }
        };
        let directory = self.directory();
        let done = match request {
            TaskRequest::ResetPassword { password } => directory.reset_password(id, password).await,
            TaskRequest::AddAlias { address } => directory.add_alias(id, address).await,
            TaskRequest::RemoveAlias { address } => directory.remove_alias(id, address).await,
            TaskRequest::MakePrimary { address } => {
                directory.set_primary_address(id, address).await
            }
            TaskRequest::JoinGroup { group_id } => directory.add_to_group(group_id, id).await,
            TaskRequest::LeaveGroup { group_id } => directory.remove_from_group(group_id, id).await,
            TaskRequest::SetQuota { quota_mb } => directory.set_mailbox_quota(id, *quota_mb).await,
            TaskRequest::Enable { address } => directory.enable_user(id, address).await,
            TaskRequest::Disable => directory.disable_user(id).await,
        }
        .map_err(|error| directory_failure(operation(request), id, error));
        let result = match done {
            Ok(()) => {
                let after = self.task_state(request, id, None).await.ok();
                let change = match (
                    before.as_deref(),
                    after.as_ref().and_then(|a| a.words.as_deref()),
                ) {
                    (Some(before), Some(after)) => format!(": {before} → {after}"),
                    (Some(before), None) => format!(": {before} → (not read back)"),
                    (None, _) => String::new(),
                };
                entry.detail = Some(format!("{}{change}", request.describe()));
                if matches!(
                    request,
                    TaskRequest::MakePrimary { .. }
                        | TaskRequest::Enable { .. }
                        | TaskRequest::Disable
                ) {
                    // The address and state are search keys: searches show the change at once.
                    // The read after the call has the user unless part of it failed.
                    let fresh = match after.and_then(|a| a.user) {
                        Some(user) => Some(user),
                        None => directory.describe_user(id).await.ok(),
                    };
                    if let Some(fresh) = fresh {
                        self.index().update(&fresh);
                    }
                }
                Ok(request.describe())
            }
            Err(error) => {
                entry.outcome = Some(Outcome::DirectoryError);
                entry.detail = Some(format!(
                    "{}: {} failed ({:?})",
                    request.describe(),
                    operation(request),
                    error.kind
                ));
                Err(error)
            }
        };
        if let Err(error) = self.audit().close_intent(intent, entry.clone()).await {
            tracing::error!(%error, intent, "could not close a task's audit intent; it will be reconciled");
        }
        result
    }

    /// The tasks this account, whose own user is `own`, may do for `target`.
    fn tasks_for(&self, own: Option<&UserProfile>, target: &UserProfile) -> TaskSet {
        self.policy().tasks(
            self.roles(),
            self.relation_between(own, target),
            target.role(),
        )
    }

    /// What a task changes, as the directory holds it now. `known` is the user if it was
    /// just read (address and state tasks read it otherwise).
    async fn task_state(
        &self,
        request: &TaskRequest,
        id: &str,
        known: Option<&UserProfile>,
    ) -> Result<TaskState, ApiError> {
        let directory = self.directory();
        let read_user = || async {
            match known {
                Some(user) => Ok(user.clone()),
                None => directory
                    .describe_user(id)
                    .await
                    .map_err(|e| directory_failure("DescribeUser", id, e)),
            }
        };
        Ok(match request {
            TaskRequest::ResetPassword { .. } => TaskState {
                words: None,
                user: None,
            },
            TaskRequest::AddAlias { .. }
            | TaskRequest::RemoveAlias { .. }
            | TaskRequest::MakePrimary { .. } => {
                let user = read_user().await?;
                let aliases = directory
                    .aliases(id)
                    .await
                    .map_err(|e| directory_failure("ListAliases", id, e))?;
                TaskState {
                    words: Some(format!(
                        "primary {}, aliases [{}]",
                        user.email.as_deref().unwrap_or_default(),
                        aliases.join(", ")
                    )),
                    user: Some(user),
                }
            }
            TaskRequest::JoinGroup { .. } | TaskRequest::LeaveGroup { .. } => {
                let groups = directory
                    .groups_of(id)
                    .await
                    .map_err(|e| directory_failure("ListGroupsForEntity", id, e))?;
                let names: Vec<&str> = groups.iter().map(|group| group.name.as_str()).collect();
                TaskState {
                    words: Some(format!("groups [{}]", names.join(", "))),
                    user: None,
                }
            }
            TaskRequest::SetQuota { .. } => {
                let mailbox = directory
                    .mailbox(id)
                    .await
                    .map_err(|e| directory_failure("GetMailboxDetails", id, e))?;
                TaskState {
                    words: Some(format!("quota {} MB", mailbox.quota_mb)),
                    user: None,
                }
            }
            TaskRequest::Enable { .. } | TaskRequest::Disable => {
                let user = read_user().await?;
                let state = user.state.map(UserState::label).unwrap_or("unknown");
                let words = match &user.email {
                    Some(email) => format!("{state} ({email})"),
                    None => state.to_owned(),
                };
                TaskState {
                    words: Some(words),
                    user: Some(user),
                }
            }
        })
    }
}

/// What a task changes, read from the directory.
struct TaskState {
    /// In words for the audit record; `None` for a password, which is never recorded.
    words: Option<String>,
    /// The user, when the task's state includes it.
    user: Option<UserProfile>,
}

/// The WorkMail operation a task calls, for the log and the audit record.
fn operation(request: &TaskRequest) -> &'static str {
    match request {
        TaskRequest::ResetPassword { .. } => "ResetPassword",
        TaskRequest::AddAlias { .. } => "CreateAlias",
        TaskRequest::RemoveAlias { .. } => "DeleteAlias",
        TaskRequest::MakePrimary { .. } => "UpdatePrimaryEmailAddress",
        TaskRequest::JoinGroup { .. } => "AssociateMemberToGroup",
        TaskRequest::LeaveGroup { .. } => "DisassociateMemberFromGroup",
        TaskRequest::SetQuota { .. } => "UpdateMailboxQuota",
        TaskRequest::Enable { .. } => "RegisterToWorkMail",
        TaskRequest::Disable => "DeregisterFromWorkMail",
    }
}

/// A task right in words, for refusals.
fn task_words(task: Task) -> &'static str {
    match task {
        Task::ResetPassword => "resetting the password",
        Task::ManageAddresses => "changing email addresses",
        Task::ViewGroups => "seeing groups",
        Task::ManageGroups => "changing group memberships",
        Task::ViewMailbox => "seeing the mailbox",
        Task::SetQuota => "changing the mailbox quota",
        Task::EnableDisable => "enabling or disabling the user",
    }
}
