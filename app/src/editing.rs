//! The load and save workflows of the edit page, shared by the server functions and the
//! no-JavaScript form handler. The rules themselves live in [`crate::domain`].
//!
//! Every read and every save is authorized here, against the policy for this account and this
//! target user: a user outside the account's scope is reported as not found, a save that
//! changes any field the account may not edit is refused as a whole, and hidden attributes are
//! removed from everything that goes back to the browser.

use crate::api::{ApiError, ErrorKind, SaveOutcome, SaveRequest, UserView};
use crate::directory_index::DirectoryIndex;
use crate::domain::{
    AuditEntry, Change, ChangedValue, Outcome, Policy, Principal, Relation, UserAccess,
    UserProfile, derive_changes, plan_save, validate_changes, version_of,
};
use crate::ports::{AuditLog, Directory, DirectoryError, DirectoryErrorKind};
use crate::session::RequestOrigin;

/// Who is asking, and the rules that apply to them.
#[derive(Clone, Copy, Debug)]
pub struct Gate<'a> {
    pub policy: &'a Policy,
    pub principal: &'a Principal,
}

impl Gate<'_> {
    /// What this account may do with `target`. The account's own WorkMail user is looked up
    /// only when a grant of its roles depends on it (scope `self` or `department`).
    pub async fn access_to(&self, directory: &dyn Directory, target: &UserProfile) -> UserAccess {
        let roles = &self.principal.roles;
        if !self.policy.needs_relation(roles) {
            return self.policy.resolve(roles, Relation::STRANGER);
        }
        let own = match self.principal.workmail_user.as_deref() {
            None => None,
            Some(mine)
                if target
                    .email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(mine)) =>
            {
                Some(target.clone())
            }
            Some(mine) => match directory.describe_user(mine).await {
                Ok(own) => Some(own),
                Err(error) => {
                    log_failure("DescribeUser (own user)", mine, &error);
                    None
                }
            },
        };
        self.policy
            .resolve(roles, Relation::between(own.as_ref(), target))
    }
}

/// Reads one user for display: only what the account may see, with what it may do.
/// A user outside the account's scope is not found.
pub async fn load_user(
    directory: &dyn Directory,
    gate: Gate<'_>,
    user: &str,
) -> Result<UserView, ApiError> {
    let (profile, access) = load_profile(directory, gate, user).await?;
    Ok(UserView {
        profile: access.redact(&profile),
        access,
    })
}

/// Reads one user and what the account may do with it (unredacted: callers redact). A user
/// outside the account's scope is not found.
pub(crate) async fn load_profile(
    directory: &dyn Directory,
    gate: Gate<'_>,
    user: &str,
) -> Result<(UserProfile, UserAccess), ApiError> {
    let profile = describe(directory, user).await?;
    let access = gate.access_to(directory, &profile).await;
    if !access.can_view() {
        tracing::info!(account = %gate.principal.account, user, "user outside the account's scope");
        return Err(ApiError::new(ErrorKind::NotFound));
    }
    Ok((profile, access))
}

async fn describe(directory: &dyn Directory, user: &str) -> Result<UserProfile, ApiError> {
    let user = user.trim();
    if user.is_empty() {
        return Err(ApiError::new(ErrorKind::NotFound));
    }
    directory
        .describe_user(user)
        .await
        .map_err(|e| directory_failure("DescribeUser", user, e))
}

/// Saves the person's edits: derives the change set from the values as loaded and as edited,
/// checks every changed field against the policy, validates it, refuses it on a conflict with
/// someone else's changes, writes only what changed and returns the user as the directory holds
/// it afterwards (as far as the account may see it).
///
/// Every attempt leaves one audit record. A write first opens an audit intent; if the audit log
/// cannot take it, nothing is written.
///
/// The directory index, when given, takes the user as re-read after the write, so searches
/// show the change at once.
pub async fn save_user(
    directory: &dyn Directory,
    audit: &dyn AuditLog,
    index: Option<&DirectoryIndex>,
    gate: Gate<'_>,
    origin: &RequestOrigin,
    request: &SaveRequest,
) -> Result<SaveOutcome, ApiError> {
    let mut pending = PendingRecord {
        entry: origin.audit_entry(&gate.principal.account),
        written: false,
    };
    let result = attempt_save(directory, audit, index, gate, request, &mut pending).await;
    if !pending.written {
        if pending.entry.outcome.is_none() {
            pending.entry.outcome = Some(Outcome::Invalid);
        }
        if let Err(error) = audit.record(pending.entry).await {
            tracing::error!(%error, request_id = %origin.request_id, "could not write the audit record of a save");
        }
    }
    result
}

/// The audit record a save is building up.
struct PendingRecord {
    entry: AuditEntry,
    /// Already written (through an intent).
    written: bool,
}

impl PendingRecord {
    fn conclude(&mut self, outcome: Outcome, detail: impl Into<String>) {
        self.entry.outcome = Some(outcome);
        let detail = detail.into();
        self.entry.detail = (!detail.is_empty()).then_some(detail);
    }
}

/// The audit record's name for a directory failure.
fn failure_detail(operation: &str, error: &ApiError) -> String {
    format!("{operation}: {:?}", error.kind)
}

async fn attempt_save(
    directory: &dyn Directory,
    audit: &dyn AuditLog,
    index: Option<&DirectoryIndex>,
    gate: Gate<'_>,
    request: &SaveRequest,
    pending: &mut PendingRecord,
) -> Result<SaveOutcome, ApiError> {
    pending.entry.target_id = Some(request.user_id.trim().to_owned());
    if version_of(&request.loaded) != request.version {
        pending.conclude(
            Outcome::Invalid,
            "the form's version does not match its values",
        );
        return Err(ApiError::bad_request(
            "The form's original values don't match the page version. Reload the page and \
             make your changes again.",
        ));
    }
    let changes = derive_changes(&request.loaded, &request.edited);
    pending.entry.changes = changes.iter().map(changed_value).collect();

    let target = describe(directory, &request.user_id)
        .await
        .inspect_err(|error| {
            pending.conclude(
                Outcome::DirectoryError,
                failure_detail("DescribeUser", error),
            );
        })?;
    pending.entry.target_id = Some(target.user_id.clone());
    pending.entry.target_email = target.email.clone();
    let access = gate.access_to(directory, &target).await;
    if !access.can_view() {
        tracing::warn!(
            account = %gate.principal.account,
            user = %request.user_id,
            "save refused: user outside the account's scope"
        );
        pending.conclude(Outcome::Refused, "user outside the account's scope");
        return Err(ApiError::new(ErrorKind::NotFound));
    }
    if let Some(field) = access.forbidden_change(&changes) {
        tracing::warn!(
            account = %gate.principal.account,
            user = %target.user_id,
            field = field.api_name(),
            "save refused: field not editable by the account"
        );
        pending.conclude(
            Outcome::Refused,
            format!("{} is not editable by the account", field.api_name()),
        );
        return Err(ApiError::forbidden(field));
    }
    validate_changes(&changes).map_err(|errors| {
        let fields: Vec<&str> = errors.iter().map(|e| e.field.api_name()).collect();
        pending.conclude(
            Outcome::Invalid,
            format!("invalid value: {}", fields.join(", ")),
        );
        ApiError::invalid(errors)
    })?;

    // From here on, the account sees only what it may: hidden fields read as empty on both
    // sides, so they are neither conflicts nor "kept from others".
    let current = access.redact(&target);
    if changes.is_empty() {
        // An unchanged form writes nothing.
        pending.conclude(Outcome::Unchanged, "");
        return Ok(SaveOutcome::unchanged(current));
    }
    let plan =
        plan_save(&request.loaded, &request.edited, &current.values).map_err(|conflicts| {
            let fields: Vec<&str> = conflicts.iter().map(|c| c.field.api_name()).collect();
            pending.conclude(
                Outcome::Conflict,
                format!("changed by someone else meanwhile: {}", fields.join(", ")),
            );
            ApiError::conflict(conflicts, current.values.clone())
        })?;
    if plan.is_empty() {
        pending.conclude(Outcome::Unchanged, "someone else had made the same changes");
        return Ok(SaveOutcome::from_plan(current, &plan));
    }

    // The record of a write: old values as the directory held them just now.
    pending.entry.changes = plan.to_send.iter().map(changed_value).collect();
    pending.conclude(Outcome::Saved, "");
    let intent = audit.open_intent(&pending.entry).await.map_err(|error| {
        tracing::error!(%error, "save refused: the audit log cannot take its intent");
        pending.written = true; // the store is failing; a record would fail too
        ApiError::new(ErrorKind::AuditUnavailable)
    })?;
    pending.written = true;
    // Write by the canonical id: the page may have been opened by user name or email.
    let written = directory
        .update_user(&current.user_id, &plan.to_send)
        .await
        .map_err(|e| directory_failure("UpdateUser", &current.user_id, e));
    if let Err(error) = &written {
        pending.conclude(Outcome::DirectoryError, failure_detail("UpdateUser", error));
    }
    if let Err(error) = audit.close_intent(intent, pending.entry.clone()).await {
        // The intent stays open and becomes a record at the next reconciliation.
        tracing::error!(%error, intent, "could not close an audit intent; it will be reconciled");
    }
    written?;

    let fresh = match directory.describe_user(&current.user_id).await {
        Ok(fresh) => {
            if let Some(index) = index {
                index.update(&fresh);
            }
            access.redact(&fresh)
        }
        Err(error) => {
            // The write succeeded; don't report a failure because the re-read did not.
            log_failure("DescribeUser (after UpdateUser)", &current.user_id, &error);
            let mut assumed = current;
            for change in &plan.to_send {
                assumed.values.set(change.field, change.to.clone());
            }
            assumed
        }
    };
    Ok(SaveOutcome::from_plan(fresh, &plan))
}

fn changed_value(change: &Change) -> ChangedValue {
    ChangedValue {
        field: change.field,
        old: change.from.clone(),
        new: change.to.clone(),
    }
}

/// Maps a directory failure to what the person sees, logging the raw detail.
fn directory_failure(operation: &str, user: &str, error: DirectoryError) -> ApiError {
    log_failure(operation, user, &error);
    let kind = match error.kind {
        DirectoryErrorKind::UserNotFound => ErrorKind::NotFound,
        DirectoryErrorKind::EntityState => ErrorKind::EntityState,
        DirectoryErrorKind::InvalidParameter => ErrorKind::Rejected,
        DirectoryErrorKind::OrganizationNotFound => ErrorKind::OrganizationNotFound,
        DirectoryErrorKind::OrganizationState => ErrorKind::OrganizationState,
        DirectoryErrorKind::UnsupportedOperation => ErrorKind::Unsupported,
        DirectoryErrorKind::Unavailable => ErrorKind::DirectoryUnavailable,
        DirectoryErrorKind::AuthenticationFailed => ErrorKind::DirectoryAuthentication,
        DirectoryErrorKind::Throttled => ErrorKind::Throttled,
        DirectoryErrorKind::Timeout => ErrorKind::Timeout,
        DirectoryErrorKind::Unreachable => ErrorKind::Unreachable,
        DirectoryErrorKind::Unexpected => ErrorKind::Internal,
    };
    ApiError {
        reference: error.request_id,
        ..ApiError::new(kind)
    }
}

fn log_failure(operation: &str, user: &str, error: &DirectoryError) {
    let request_id = error.request_id.as_deref().unwrap_or("-");
    if error.kind == DirectoryErrorKind::UserNotFound {
        tracing::info!(operation, user, request_id, detail = %error.detail, "user not found");
    } else {
        tracing::warn!(
            operation,
            user,
            request_id,
            kind = ?error.kind,
            detail = %error.detail,
            "directory call failed"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AuditFilter, AuditPage};
    use crate::domain::{Change, Field, FieldValues};
    use crate::ports::{AuditError, BoxFuture};
    use std::sync::{LazyLock, Mutex};

    static POLICY: LazyLock<Policy> = LazyLock::new(Policy::defaults);
    static ADMIN: LazyLock<Principal> = LazyLock::new(|| principal("admin", None));
    static JANE_EMPLOYEE: LazyLock<Principal> =
        LazyLock::new(|| principal("employee", Some("jane.doe@demo.example.com")));
    static OTHER_EMPLOYEE: LazyLock<Principal> =
        LazyLock::new(|| principal("employee", Some("someone.else@demo.example.com")));

    fn principal(role: &str, user: Option<&str>) -> Principal {
        Principal {
            account: role.to_owned(),
            roles: vec![role.to_owned()],
            workmail_user: user.map(str::to_owned),
        }
    }

    fn admin() -> Gate<'static> {
        Gate {
            policy: &POLICY,
            principal: &ADMIN,
        }
    }

    fn as_jane() -> Gate<'static> {
        Gate {
            policy: &POLICY,
            principal: &JANE_EMPLOYEE,
        }
    }

    fn as_other_employee() -> Gate<'static> {
        Gate {
            policy: &POLICY,
            principal: &OTHER_EMPLOYEE,
        }
    }

    /// An in-memory directory that records writes and can be told to fail, with an in-memory
    /// audit log beside it.
    struct MemoryDirectory {
        user: Mutex<UserProfile>,
        writes: Mutex<Vec<Vec<Change>>>,
        fail_update: Option<DirectoryErrorKind>,
        audit: MemoryAudit,
    }

    /// An in-memory audit log: records, open intents, and switches to fail.
    #[derive(Default)]
    struct MemoryAudit {
        records: Mutex<Vec<AuditEntry>>,
        intents: Mutex<Vec<(i64, AuditEntry)>>,
        fail_intents: bool,
        fail_close: bool,
    }

    impl MemoryAudit {
        fn records(&self) -> Vec<AuditEntry> {
            self.records.lock().expect("lock").clone()
        }

        fn open_intents(&self) -> usize {
            self.intents.lock().expect("lock").len()
        }
    }

    impl AuditLog for MemoryAudit {
        fn record(&self, entry: AuditEntry) -> BoxFuture<'_, Result<(), AuditError>> {
            self.records.lock().expect("lock").push(entry);
            Box::pin(async { Ok(()) })
        }

        fn open_intent<'a>(
            &'a self,
            entry: &'a AuditEntry,
        ) -> BoxFuture<'a, Result<i64, AuditError>> {
            let result = if self.fail_intents {
                Err(AuditError("disk full".into()))
            } else {
                let mut intents = self.intents.lock().expect("lock");
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
            let result = if self.fail_close {
                Err(AuditError("disk full".into()))
            } else {
                self.intents
                    .lock()
                    .expect("lock")
                    .retain(|(id, _)| *id != intent);
                self.records.lock().expect("lock").push(entry);
                Ok(())
            };
            Box::pin(async move { result })
        }

        fn search<'a>(
            &'a self,
            _filter: &'a AuditFilter,
            _limit: usize,
        ) -> BoxFuture<'a, Result<AuditPage, AuditError>> {
            Box::pin(async { Ok(AuditPage::default()) })
        }
    }

    fn origin() -> RequestOrigin {
        RequestOrigin {
            request_id: "req-test".into(),
            client: Some("192.0.2.1".into()),
        }
    }

    #[expect(
        clippy::result_large_err,
        reason = "ApiError is what save_user returns; the helper passes it on"
    )]
    fn save(
        directory: &MemoryDirectory,
        gate: Gate<'_>,
        request: &SaveRequest,
    ) -> Result<SaveOutcome, ApiError> {
        run(save_user(
            directory,
            &directory.audit,
            None,
            gate,
            &origin(),
            request,
        ))
    }

    /// The one audit record the save left, with its outcome.
    fn only_record(directory: &MemoryDirectory) -> AuditEntry {
        let records = directory.audit.records();
        assert_eq!(records.len(), 1, "{records:?}");
        records.into_iter().next().expect("one record")
    }

    impl MemoryDirectory {
        fn new(values: FieldValues) -> Self {
            Self {
                user: Mutex::new(UserProfile {
                    user_id: "u-000000000001".into(),
                    name: Some("jane.doe".into()),
                    email: Some("jane.doe@demo.example.com".into()),
                    values,
                    ..UserProfile::default()
                }),
                writes: Mutex::new(Vec::new()),
                fail_update: None,
                audit: MemoryAudit::default(),
            }
        }

        fn set(&self, field: Field, value: &str) {
            self.user.lock().expect("lock").values.set(field, value);
        }

        fn writes(&self) -> Vec<Vec<Change>> {
            self.writes.lock().expect("lock").clone()
        }
    }

    impl Directory for MemoryDirectory {
        fn describe_user<'a>(
            &'a self,
            user: &'a str,
        ) -> BoxFuture<'a, Result<UserProfile, DirectoryError>> {
            Box::pin(async move {
                let profile = self.user.lock().expect("lock").clone();
                let names = [
                    Some(profile.user_id.as_str()),
                    profile.name.as_deref(),
                    profile.email.as_deref(),
                ];
                if names.contains(&Some(user)) {
                    Ok(profile)
                } else {
                    Err(DirectoryError::new(
                        DirectoryErrorKind::UserNotFound,
                        "no such user",
                    ))
                }
            })
        }

        fn update_user<'a>(
            &'a self,
            _user_id: &'a str,
            changes: &'a [Change],
        ) -> BoxFuture<'a, Result<(), DirectoryError>> {
            Box::pin(async move {
                if let Some(kind) = self.fail_update {
                    return Err(DirectoryError::new(kind, "raw SDK text")
                        .with_request_id(Some("req-1".into())));
                }
                self.writes.lock().expect("lock").push(changes.to_vec());
                for change in changes {
                    self.set(change.field, &change.to);
                }
                Ok(())
            })
        }

        fn list_users<'a>(
            &'a self,
            _token: Option<&'a str>,
        ) -> BoxFuture<'a, Result<crate::ports::UserListPage, DirectoryError>> {
            Box::pin(async { Ok(crate::ports::UserListPage::default()) })
        }
    }

    fn jane() -> FieldValues {
        FieldValues::new()
            .with(Field::Role, "USER")
            .with(Field::JobTitle, "Engineer")
            .with(Field::Telephone, "+1 555 0100")
    }

    fn request(loaded: FieldValues, edited: FieldValues) -> SaveRequest {
        SaveRequest {
            user_id: "jane.doe".into(),
            version: version_of(&loaded),
            loaded,
            edited,
        }
    }

    fn run<F: std::future::Future>(future: F) -> F::Output {
        // The in-memory directory never waits, so one poll completes every future.
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        match future.as_mut().poll(&mut context) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("in-memory future was pending"),
        }
    }

    #[test]
    fn saves_only_the_changed_fields_by_canonical_id() {
        let directory = MemoryDirectory::new(jane());
        let edited = jane().with(Field::JobTitle, "Lead");
        let outcome = save(&directory, admin(), &request(jane(), edited)).expect("saved");
        assert_eq!(outcome.saved, vec![Field::JobTitle]);
        assert_eq!(outcome.profile.values.get(Field::JobTitle), "Lead");
        assert_eq!(directory.writes().len(), 1);
        assert_eq!(directory.writes()[0].len(), 1);
    }

    #[test]
    fn unchanged_form_writes_nothing() {
        let directory = MemoryDirectory::new(jane());
        let outcome = save(&directory, admin(), &request(jane(), jane())).expect("ok");
        assert!(outcome.saved.is_empty());
        assert!(directory.writes().is_empty());
    }

    #[test]
    fn conflict_writes_nothing_and_returns_both_values() {
        let directory = MemoryDirectory::new(jane());
        directory.set(Field::JobTitle, "Manager");
        let edited = jane().with(Field::JobTitle, "Lead");
        let error = save(&directory, admin(), &request(jane(), edited)).expect_err("conflict");
        assert_eq!(error.kind, ErrorKind::Conflict);
        assert_eq!(error.conflicts[0].theirs, "Manager");
        assert_eq!(error.conflicts[0].yours, "Lead");
        assert!(directory.writes().is_empty());
    }

    #[test]
    fn others_changes_to_untouched_fields_are_kept() {
        let directory = MemoryDirectory::new(jane());
        directory.set(Field::Department, "Sales");
        let edited = jane().with(Field::Telephone, "");
        let outcome = save(&directory, admin(), &request(jane(), edited)).expect("saved");
        assert_eq!(outcome.kept_from_others, vec![Field::Department]);
        assert_eq!(outcome.profile.values.get(Field::Department), "Sales");
        assert_eq!(outcome.profile.values.get(Field::Telephone), "");
    }

    #[test]
    fn invalid_values_are_refused_before_any_directory_call() {
        let directory = MemoryDirectory::new(jane());
        let edited = jane().with(Field::City, "x".repeat(257));
        let error = save(&directory, admin(), &request(jane(), edited)).expect_err("invalid");
        assert_eq!(error.kind, ErrorKind::Invalid);
        assert_eq!(error.field_errors[0].field, Field::City);
        assert!(directory.writes().is_empty());
    }

    #[test]
    fn a_tampered_version_is_a_bad_request() {
        let directory = MemoryDirectory::new(jane());
        let mut req = request(jane(), jane());
        req.version = "0000000000000000".into();
        let error = save(&directory, admin(), &req).expect_err("bad request");
        assert_eq!(error.kind, ErrorKind::BadRequest);
    }

    #[test]
    fn directory_failures_keep_the_request_id_and_hide_the_raw_message() {
        let mut directory = MemoryDirectory::new(jane());
        directory.fail_update = Some(DirectoryErrorKind::Unavailable);
        let edited = jane().with(Field::JobTitle, "Lead");
        let error = save(&directory, admin(), &request(jane(), edited)).expect_err("failure");
        assert_eq!(error.kind, ErrorKind::DirectoryUnavailable);
        assert_eq!(error.reference.as_deref(), Some("req-1"));
        assert!(!error.message.contains("raw SDK text"));
    }

    #[test]
    fn unknown_user_is_not_found() {
        let directory = MemoryDirectory::new(jane());
        let error = run(load_user(&directory, admin(), "nobody")).expect_err("not found");
        assert_eq!(error.kind, ErrorKind::NotFound);
        assert_eq!(error.status(), 404);
    }

    #[test]
    fn an_employee_saves_an_editable_field_of_their_own() {
        let directory = MemoryDirectory::new(jane());
        let shown = run(load_user(&directory, as_jane(), "jane.doe")).expect("own user");
        // Role is hidden from employees: it never reaches the browser.
        assert_eq!(shown.profile.values.get(Field::Role), "");
        let loaded = shown.profile.values.clone();
        let edited = loaded.clone().with(Field::Telephone, "+1 555 0199");
        let outcome = save(&directory, as_jane(), &request(loaded, edited)).expect("saved");
        assert_eq!(outcome.saved, vec![Field::Telephone]);
        assert_eq!(outcome.profile.values.get(Field::Role), "");
        assert!(outcome.kept_from_others.is_empty());
    }

    #[test]
    fn one_forbidden_field_refuses_the_whole_save() {
        let directory = MemoryDirectory::new(jane());
        let loaded = run(load_user(&directory, as_jane(), "jane.doe"))
            .expect("own user")
            .profile
            .values;
        let edited = loaded
            .clone()
            .with(Field::Telephone, "+1 555 0199")
            .with(Field::JobTitle, "CEO");
        let error = save(&directory, as_jane(), &request(loaded, edited)).expect_err("forbidden");
        assert_eq!(error.kind, ErrorKind::Forbidden);
        assert_eq!(error.status(), 403);
        assert_eq!(error.field_errors[0].field, Field::JobTitle);
        assert!(error.message.contains("Job title"));
        assert!(directory.writes().is_empty());
    }

    #[test]
    fn a_hidden_field_cannot_be_changed_even_when_forged() {
        let directory = MemoryDirectory::new(jane());
        let edited = jane().with(Field::Role, "REMOTE_USER");
        let error = save(&directory, as_jane(), &request(jane(), edited)).expect_err("refused");
        assert_eq!(error.kind, ErrorKind::Forbidden);
        assert_eq!(error.field_errors[0].field, Field::Role);
        assert!(directory.writes().is_empty());
    }

    #[test]
    fn another_users_profile_is_not_found_for_an_employee() {
        let directory = MemoryDirectory::new(jane());
        let error =
            run(load_user(&directory, as_other_employee(), "jane.doe")).expect_err("outside scope");
        assert_eq!(error.kind, ErrorKind::NotFound);
        let edited = jane().with(Field::Telephone, "+1 555 0000");
        let error = save(&directory, as_other_employee(), &request(jane(), edited))
            .expect_err("outside scope");
        assert_eq!(error.kind, ErrorKind::NotFound);
        assert!(directory.writes().is_empty());
    }

    #[test]
    fn every_save_attempt_leaves_one_record_with_its_outcome() {
        let saved = MemoryDirectory::new(jane());
        save(
            &saved,
            admin(),
            &request(jane(), jane().with(Field::JobTitle, "Lead")),
        )
        .expect("ok");
        let record = only_record(&saved);
        assert_eq!(record.outcome, Some(Outcome::Saved));
        assert_eq!(record.target_id.as_deref(), Some("u-000000000001"));
        assert_eq!(
            record.target_email.as_deref(),
            Some("jane.doe@demo.example.com")
        );
        assert_eq!(
            (record.account.as_str(), record.request_id.as_str()),
            ("admin", "req-test")
        );
        assert_eq!(record.client.as_deref(), Some("192.0.2.1"));
        assert_eq!(
            record.changes,
            vec![ChangedValue {
                field: Field::JobTitle,
                old: "Engineer".into(),
                new: "Lead".into()
            }]
        );

        let unchanged = MemoryDirectory::new(jane());
        save(&unchanged, admin(), &request(jane(), jane())).expect("ok");
        assert_eq!(only_record(&unchanged).outcome, Some(Outcome::Unchanged));

        let conflict = MemoryDirectory::new(jane());
        conflict.set(Field::JobTitle, "Manager");
        let _ = save(
            &conflict,
            admin(),
            &request(jane(), jane().with(Field::JobTitle, "Lead")),
        );
        assert_eq!(only_record(&conflict).outcome, Some(Outcome::Conflict));

        let invalid = MemoryDirectory::new(jane());
        let long = jane().with(Field::City, "x".repeat(257));
        let _ = save(&invalid, admin(), &request(jane(), long));
        assert_eq!(only_record(&invalid).outcome, Some(Outcome::Invalid));

        let refused = MemoryDirectory::new(jane());
        let _ = save(
            &refused,
            as_jane(),
            &request(jane(), jane().with(Field::Role, "REMOTE_USER")),
        );
        let record = only_record(&refused);
        assert_eq!(record.outcome, Some(Outcome::Refused));
        assert!(record.detail.as_deref().is_some_and(|d| d.contains("Role")));

        let mut failing = MemoryDirectory::new(jane());
        failing.fail_update = Some(DirectoryErrorKind::Unavailable);
        let _ = save(
            &failing,
            admin(),
            &request(jane(), jane().with(Field::City, "Oslo")),
        );
        let record = only_record(&failing);
        assert_eq!(record.outcome, Some(Outcome::DirectoryError));
        assert_eq!(failing.audit.open_intents(), 0);
    }

    #[test]
    fn no_audit_intent_means_no_write() {
        let mut directory = MemoryDirectory::new(jane());
        directory.audit.fail_intents = true;
        let error = save(
            &directory,
            admin(),
            &request(jane(), jane().with(Field::City, "Oslo")),
        )
        .expect_err("refused");
        assert_eq!(error.kind, ErrorKind::AuditUnavailable);
        assert_eq!(error.status(), 503);
        assert!(directory.writes().is_empty());
    }

    #[test]
    fn a_failing_audit_close_keeps_the_save_and_leaves_the_intent_open() {
        let mut directory = MemoryDirectory::new(jane());
        directory.audit.fail_close = true;
        let outcome = save(
            &directory,
            admin(),
            &request(jane(), jane().with(Field::City, "Oslo")),
        )
        .expect("the directory took the change");
        assert_eq!(outcome.saved, vec![Field::City]);
        assert_eq!(directory.writes().len(), 1);
        assert!(directory.audit.records().is_empty());
        assert_eq!(directory.audit.open_intents(), 1, "left for reconciliation");
    }
}
