//! The edit page: loading a user for display and saving the edit form, for the server
//! functions and the form posted without JavaScript alike. The rules themselves live in
//! [`crate::domain`].
//!
//! A user outside the account's scope is reported as not found, a save that changes any field
//! the account may not edit is refused as a whole, and hidden attributes are removed from
//! everything that goes back to the browser.
//!
//! (Over 500 lines with its unit tests: the code is about 240; the tests of every save outcome
//! and its audit record sit beside it.)

use super::failures::{directory_failure, log_failure};
use super::{Caller, unix_now};
use crate::domain::{
    AuditEntry, Change, ChangedValue, Conflict, Field, Outcome, SavePlan, UserAccess, UserProfile,
    derive_changes, plan_save, validate_changes, version_of,
};
use crate::ports::Directory;
use crate::wire::{ApiError, ErrorKind, SaveOutcome, SaveRequest, UserView};

impl Caller {
    /// Reads one user for display: only what the account may see, with what it may do.
    /// A user outside the account's scope is not found.
    pub async fn load_user(&self, user: &str) -> Result<UserView, ApiError> {
        let (profile, access) = self.load_profile(user).await?;
        Ok(UserView {
            profile: access.redact(&profile),
            access,
            unavailable: self.directory().unavailable_fields().to_vec(),
        })
    }

    /// Reads one user and what the account may do with it (unredacted: callers redact). A
    /// user outside the account's scope is not found.
    pub(super) async fn load_profile(
        &self,
        user: &str,
    ) -> Result<(UserProfile, UserAccess), ApiError> {
        let (profile, access, _) = self.load_profile_and_own(user).await?;
        Ok((profile, access))
    }

    /// [`Caller::load_profile`], plus the account's own user as read for the check (when a
    /// grant depends on it), so a caller that needs it again does not read it twice.
    pub(super) async fn load_profile_and_own(
        &self,
        user: &str,
    ) -> Result<(UserProfile, UserAccess, Option<UserProfile>), ApiError> {
        let profile = self.describe_in_scope(user).await?;
        let own = self.own_user(&profile).await;
        let access = self.access_between(own.as_ref(), &profile);
        if !access.can_view() || !self.may_open_by(user, &profile, &access) {
            tracing::info!(account = %self.principal.account, user, "user outside the account's scope");
            return Err(self.not_found());
        }
        Ok((profile, access, own))
    }

    /// Saves the person's edits: derives the change set from the values as loaded and as
    /// edited, checks every changed field against the policy, validates it, refuses it on a
    /// conflict with someone else's changes, writes only what changed and returns the user as
    /// the directory holds it afterwards (as far as the account may see it).
    ///
    /// Every attempt leaves one audit record. A write first opens an audit intent; if the
    /// audit log cannot take it, nothing is written. The directory index takes the user as
    /// re-read after the write, so searches show the change at once.
    pub async fn save_user(&self, request: &SaveRequest) -> Result<SaveOutcome, ApiError> {
        let mut pending = PendingRecord {
            entry: self.origin.audit_entry(&self.principal.account),
            written: false,
        };
        let result = self.attempt_save(request, &mut pending).await;
        if !pending.written {
            if pending.entry.outcome.is_none() {
                pending.entry.outcome = Some(Outcome::Invalid);
            }
            if let Err(error) = self.audit().record(pending.entry).await {
                tracing::error!(%error, request_id = %self.origin.request_id, "could not write the audit record of a save");
            }
        }
        result
    }

    /// Reads a user; a user that does not exist costs the same directory calls as one outside
    /// the account's scope (whose check may read the account's own user), so that the time of
    /// the answer does not tell them apart either.
    async fn describe_in_scope(&self, user: &str) -> Result<UserProfile, ApiError> {
        match describe(self.directory(), user).await {
            Err(error) if error.kind == ErrorKind::NotFound => {
                let _ = self.access_to(&UserProfile::default()).await;
                Err(self.not_found())
            }
            read => read,
        }
    }

    /// Reads the user a save is for; a failure concludes the save's record.
    async fn read_for_save(
        &self,
        user: &str,
        pending: &mut PendingRecord,
    ) -> Result<UserProfile, ApiError> {
        self.describe_in_scope(user).await.inspect_err(|error| {
            pending.conclude(
                Outcome::DirectoryError,
                failure_detail("DescribeUser", error),
            );
        })
    }

    /// What the account, whose own user is `own`, may do with `target`, opened as `user`; not
    /// found (and the record concluded) when the user is outside its scope or was opened by a
    /// key it may not read.
    #[expect(
        clippy::result_large_err,
        reason = "ApiError is what the save returns; it passes through unchanged"
    )]
    fn check_in_scope(
        &self,
        own: Option<&UserProfile>,
        user: &str,
        target: &UserProfile,
        pending: &mut PendingRecord,
    ) -> Result<UserAccess, ApiError> {
        let access = self.access_between(own, target);
        if access.can_view() && self.may_open_by(user, target, &access) {
            return Ok(access);
        }
        tracing::warn!(
            account = %self.principal.account,
            user,
            "save refused: user outside the account's scope"
        );
        pending.conclude(Outcome::Refused, "user outside the account's scope");
        Err(self.not_found())
    }

    async fn attempt_save(
        &self,
        request: &SaveRequest,
        pending: &mut PendingRecord,
    ) -> Result<SaveOutcome, ApiError> {
        let directory = self.directory();
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

        // The portal's saves of one user run one at a time, from the checks to the re-read:
        // find the user's id (the page may name it by user name or email), lock it, and read
        // the user again under the lock, so the checks and the plan see what the write meets.
        let found = self.read_for_save(&request.user_id, pending).await?;
        pending.entry.target_id = Some(found.user_id.clone());
        // The account's own user, read once for every check of this save. Outside the scope
        // is refused before the lock too, so that it costs what a user who does not exist
        // costs.
        let own = self.own_user(&found).await;
        self.check_in_scope(own.as_ref(), &request.user_id, &found, pending)?;
        let _lock = self.locks().lock(&found.user_id).await.map_err(|error| {
            tracing::error!(%error, "save refused: the user cannot be locked");
            pending.conclude(Outcome::DirectoryError, "the save lock is unavailable");
            ApiError::new(ErrorKind::AuditUnavailable)
        })?;
        let target = self.read_for_save(&found.user_id, pending).await?;
        pending.entry.target_id = Some(target.user_id.clone());
        pending.entry.target_email = target.email.clone();
        // The record's old values are what the directory holds, never what the browser says
        // it loaded (a forged request must not write its own history).
        pending.entry.changes = changes
            .iter()
            .map(|change| ChangedValue {
                field: change.field,
                old: target.values.get(change.field).to_owned(),
                new: change.to.clone(),
            })
            .collect();
        let access = self.check_in_scope(own.as_ref(), &request.user_id, &target, pending)?;
        if let Some(field) = access.forbidden_change(&changes) {
            tracing::warn!(
                account = %self.principal.account,
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
        let step_up = self.step_up();
        if let Some(field) =
            step_up.stale_change(&changes, self.principal.authenticated_at, unix_now())
        {
            tracing::info!(
                account = %self.principal.account,
                field = field.api_name(),
                "save refused until the person confirms who they are"
            );
            pending.conclude(
                Outcome::Refused,
                format!(
                    "{} needs an authentication within {} seconds",
                    field.api_name(),
                    step_up.max_age_seconds
                ),
            );
            return Err(ApiError::reauthentication_required(field));
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
            return Ok(SaveOutcome::unchanged(current.values));
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
            return Ok(SaveOutcome::from_plan(current.values, &plan));
        }

        // The record of a write: old values as the directory held them just now.
        pending.entry.changes = plan.to_send.iter().map(changed_value).collect();
        pending.conclude(Outcome::Saved, "");
        let intent = self
            .audit()
            .open_intent(&pending.entry)
            .await
            .map_err(|error| {
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
        let reread = match &written {
            Ok(()) => Some(directory.describe_user(&current.user_id).await),
            Err(error) if error.kind == ErrorKind::Conflict => {
                pending.conclude(
                    Outcome::Conflict,
                    "changed outside the portal between the checks and the write; the \
                     directory refused the conditional write, nothing was written",
                );
                None
            }
            Err(error) => {
                pending.conclude(Outcome::DirectoryError, failure_detail("UpdateUser", error));
                None
            }
        };
        if let Some(Ok(fresh)) = &reread {
            self.check_still_in_scope(own.as_ref(), fresh, &plan.to_send, pending);
        }
        if let Err(error) = self
            .audit()
            .close_intent(intent, pending.entry.clone())
            .await
        {
            // The intent stays open and becomes a record at the next reconciliation.
            tracing::error!(%error, intent, "could not close an audit intent; it will be reconciled");
        }
        if let Err(error) = written {
            if error.kind == ErrorKind::Conflict {
                return Err(self
                    .conflict_after_write(request, &plan, &access, &current.user_id)
                    .await);
            }
            return Err(error);
        }

        let fresh = match reread {
            Some(Ok(fresh)) => {
                self.index().update(&fresh);
                access.redact(&fresh)
            }
            Some(Err(error)) => {
                // The write succeeded; don't report a failure because the re-read did not.
                log_failure("DescribeUser (after UpdateUser)", &current.user_id, &error);
                let mut assumed = current;
                for change in &plan.to_send {
                    assumed.values.set(change.field, change.to.clone());
                }
                assumed
            }
            // `written?` has returned on a failed write, which alone has no re-read.
            None => return Err(ApiError::new(ErrorKind::Internal)),
        };
        Ok(SaveOutcome::from_plan(fresh.values, &plan))
    }

    /// The answer to a write the directory refused because the user changed since the portal
    /// read it (a conditional write, as on LDAP): the fields that differ now, as a conflict.
    async fn conflict_after_write(
        &self,
        request: &SaveRequest,
        plan: &SavePlan,
        access: &UserAccess,
        user_id: &str,
    ) -> ApiError {
        let fresh = match self.directory().describe_user(user_id).await {
            Ok(fresh) => access.redact(&fresh),
            Err(error) => {
                return directory_failure("DescribeUser (after a conflict)", user_id, error);
            }
        };
        let conflict = |change: &Change| Conflict {
            field: change.field,
            loaded: request.loaded.get(change.field).to_owned(),
            yours: change.to.clone(),
            theirs: fresh.values.get(change.field).to_owned(),
        };
        let mut conflicts: Vec<Conflict> = plan
            .to_send
            .iter()
            .filter(|change| fresh.values.get(change.field) != change.from)
            .map(conflict)
            .collect();
        if conflicts.is_empty() {
            // The directory compares by its own matching rules (case, spaces): name them all.
            conflicts = plan.to_send.iter().map(conflict).collect();
        }
        ApiError::conflict(conflicts, fresh.values)
    }

    /// After a write: a user no longer within the account's scope, although this save did not
    /// move them, was moved by someone else between the checks and the write (a write from
    /// outside the portal, which no lock of the portal's covers). The save is then recorded as
    /// an alert.
    fn check_still_in_scope(
        &self,
        own: Option<&UserProfile>,
        fresh: &UserProfile,
        sent: &[Change],
        pending: &mut PendingRecord,
    ) {
        let moved_by_this_save = sent.iter().any(|c| c.field == Field::Department);
        if moved_by_this_save || self.access_between(own, fresh).can_view() {
            return;
        }
        tracing::error!(
            account = %self.principal.account,
            user = %fresh.user_id,
            "alert: a save reached a user who left the account's scope while it ran"
        );
        pending.conclude(
            Outcome::SavedOutsideScope,
            "the user left the account's scope while the save ran (their department changed \
             outside the portal); the change reached them anyway",
        );
    }
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

fn changed_value(change: &Change) -> ChangedValue {
    ChangedValue {
        field: change.field,
        old: change.from.clone(),
        new: change.to.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory_index::DirectoryIndex;
    use crate::domain::{Field, FieldValues, Policy, Principal, StepUp};
    use crate::ports::DirectoryErrorKind;
    use crate::ports::memory::{
        MemoryAudit, MemoryDirectory, MemoryExports, MemoryLocks, NoAccounts, run,
    };
    use crate::session::{RequestOrigin, Services};
    use std::sync::Arc;

    /// Jane's directory, an audit log, and a caller acting on them.
    struct World {
        directory: Arc<MemoryDirectory>,
        audit: Arc<MemoryAudit>,
        locks: Arc<MemoryLocks>,
    }

    impl World {
        fn new(values: FieldValues) -> Self {
            let jane = UserProfile {
                user_id: "u-000000000001".into(),
                name: Some("jane.doe".into()),
                email: Some("jane.doe@demo.example.com".into()),
                values,
                ..UserProfile::default()
            };
            Self {
                directory: Arc::new(MemoryDirectory::new(vec![jane])),
                audit: Arc::new(MemoryAudit::default()),
                locks: Arc::new(MemoryLocks::default()),
            }
        }

        /// Someone else changes Jane behind the portal's back.
        fn set(&self, field: Field, value: &str) {
            self.directory
                .edit("u-000000000001", |jane| jane.values.set(field, value));
        }

        fn writes(&self) -> Vec<Vec<Change>> {
            self.directory.writes()
        }

        /// The caller `role`, linked to the WorkMail user `user`.
        fn caller(&self, role: &str, user: Option<&str>) -> Caller {
            let services = Services {
                directory: self.directory.clone(),
                policy: Arc::new(Policy::defaults()),
                audit: self.audit.clone(),
                index: Arc::new(DirectoryIndex::new(100)),
                locks: self.locks.clone(),
                step_up: StepUp::default(),
                accounts: Arc::new(NoAccounts),
                exports: Arc::new(MemoryExports::default()),
            };
            let principal = Principal {
                account: role.to_owned(),
                roles: vec![role.to_owned()],
                workmail_user: user.map(str::to_owned),
                authenticated_at: unix_now(),
                single_sign_on: false,
            };
            let origin = RequestOrigin {
                request_id: "req-test".into(),
                client: Some("192.0.2.1".into()),
            };
            Caller::new(services, principal, origin)
        }

        fn admin(&self) -> Caller {
            self.caller("admin", None)
        }

        fn as_jane(&self) -> Caller {
            self.caller("employee", Some("jane.doe@demo.example.com"))
        }

        fn as_other_employee(&self) -> Caller {
            self.caller("employee", Some("someone.else@demo.example.com"))
        }

        /// The one audit record the save left, with its outcome.
        fn only_record(&self) -> AuditEntry {
            let records = self.audit.records();
            assert_eq!(records.len(), 1, "{records:?}");
            records.into_iter().next().expect("one record")
        }
    }

    #[expect(
        clippy::result_large_err,
        reason = "ApiError is what save_user returns; the helper passes it on"
    )]
    fn save(caller: &Caller, request: &SaveRequest) -> Result<SaveOutcome, ApiError> {
        run(caller.save_user(request))
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

    #[test]
    fn saves_only_the_changed_fields_by_canonical_id() {
        let world = World::new(jane());
        let edited = jane().with(Field::JobTitle, "Lead");
        let outcome = save(&world.admin(), &request(jane(), edited)).expect("saved");
        assert_eq!(outcome.saved, vec![Field::JobTitle]);
        assert_eq!(outcome.profile.values.get(Field::JobTitle), "Lead");
        assert_eq!(world.writes().len(), 1);
        assert_eq!(world.writes()[0].len(), 1);
    }

    #[test]
    fn unchanged_form_writes_nothing() {
        let world = World::new(jane());
        let outcome = save(&world.admin(), &request(jane(), jane())).expect("ok");
        assert!(outcome.saved.is_empty());
        assert!(world.writes().is_empty());
    }

    #[test]
    fn conflict_writes_nothing_and_returns_both_values() {
        let world = World::new(jane());
        world.set(Field::JobTitle, "Manager");
        let edited = jane().with(Field::JobTitle, "Lead");
        let error = save(&world.admin(), &request(jane(), edited)).expect_err("conflict");
        assert_eq!(error.kind, ErrorKind::Conflict);
        assert_eq!(error.conflicts[0].theirs, "Manager");
        assert_eq!(error.conflicts[0].yours, "Lead");
        assert!(world.writes().is_empty());
    }

    #[test]
    fn others_changes_to_untouched_fields_are_kept() {
        let world = World::new(jane());
        world.set(Field::Department, "Sales");
        let edited = jane().with(Field::Telephone, "");
        let outcome = save(&world.admin(), &request(jane(), edited)).expect("saved");
        assert_eq!(outcome.kept_from_others, vec![Field::Department]);
        assert_eq!(outcome.profile.values.get(Field::Department), "Sales");
        assert_eq!(outcome.profile.values.get(Field::Telephone), "");
    }

    #[test]
    fn invalid_values_are_refused_before_any_directory_call() {
        let world = World::new(jane());
        let edited = jane().with(Field::City, "x".repeat(257));
        let error = save(&world.admin(), &request(jane(), edited)).expect_err("invalid");
        assert_eq!(error.kind, ErrorKind::Invalid);
        assert_eq!(error.field_errors[0].field, Field::City);
        assert!(world.writes().is_empty());
    }

    #[test]
    fn a_tampered_version_is_a_bad_request() {
        let world = World::new(jane());
        let mut req = request(jane(), jane());
        req.version = "0000000000000000".into();
        let error = save(&world.admin(), &req).expect_err("bad request");
        assert_eq!(error.kind, ErrorKind::BadRequest);
    }

    #[test]
    fn directory_failures_keep_the_request_id_and_hide_the_raw_message() {
        let world = World::new(jane());
        world
            .directory
            .fail_updates(DirectoryErrorKind::Unavailable);
        let edited = jane().with(Field::JobTitle, "Lead");
        let error = save(&world.admin(), &request(jane(), edited)).expect_err("failure");
        assert_eq!(error.kind, ErrorKind::DirectoryUnavailable);
        assert_eq!(error.reference.as_deref(), Some("req-1"));
        assert!(!error.message.contains("raw SDK text"));
    }

    /// A directory that makes writes conditional (LDAP's assertion) refuses one whose user
    /// changed after the portal's checks: the person gets a conflict with the values now, and
    /// the record says conflict, not a directory failure.
    #[test]
    fn a_write_the_directory_refuses_as_stale_is_a_conflict() {
        let world = World::new(jane());
        world.directory.fail_updates(DirectoryErrorKind::Conflict);
        let edited = jane().with(Field::JobTitle, "Lead");
        let error = save(&world.admin(), &request(jane(), edited)).expect_err("conflict");
        assert_eq!(error.kind, ErrorKind::Conflict);
        assert_eq!(error.status(), 409);
        assert_eq!(error.conflicts.len(), 1);
        assert_eq!(error.conflicts[0].field, Field::JobTitle);
        assert_eq!(error.conflicts[0].yours, "Lead");
        assert_eq!(error.conflicts[0].theirs, "Engineer");
        assert_eq!(
            error.current.as_ref().map(|v| v.get(Field::JobTitle)),
            Some("Engineer")
        );
        assert_eq!(world.only_record().outcome, Some(Outcome::Conflict));
        assert_eq!(world.audit.open_intents(), 0);
    }

    #[test]
    fn unknown_user_is_not_found() {
        let world = World::new(jane());
        let error = run(world.admin().load_user("nobody")).expect_err("not found");
        assert_eq!(error.kind, ErrorKind::NotFound);
        assert_eq!(error.status(), 404);
    }

    #[test]
    fn an_employee_saves_an_editable_field_of_their_own() {
        let world = World::new(jane());
        let shown = run(world.as_jane().load_user("jane.doe")).expect("own user");
        // Role is hidden from employees: it never reaches the browser.
        assert_eq!(shown.profile.values.get(Field::Role), "");
        let loaded = shown.profile.values.clone();
        let edited = loaded.clone().with(Field::Telephone, "+1 555 0199");
        let outcome = save(&world.as_jane(), &request(loaded, edited)).expect("saved");
        assert_eq!(outcome.saved, vec![Field::Telephone]);
        assert_eq!(outcome.profile.values.get(Field::Role), "");
        assert!(outcome.kept_from_others.is_empty());
    }

    #[test]
    fn one_forbidden_field_refuses_the_whole_save() {
        let world = World::new(jane());
        let loaded = run(world.as_jane().load_user("jane.doe"))
            .expect("own user")
            .profile
            .values;
        let edited = loaded
            .clone()
            .with(Field::Telephone, "+1 555 0199")
            .with(Field::JobTitle, "CEO");
        let error = save(&world.as_jane(), &request(loaded, edited)).expect_err("forbidden");
        assert_eq!(error.kind, ErrorKind::Forbidden);
        assert_eq!(error.status(), 403);
        assert_eq!(error.field_errors[0].field, Field::JobTitle);
        assert!(error.message.contains("Job title"));
        assert!(world.writes().is_empty());
    }

    #[test]
    fn a_hidden_field_cannot_be_changed_even_when_forged() {
        let world = World::new(jane());
        let edited = jane().with(Field::Role, "REMOTE_USER");
        let error = save(&world.as_jane(), &request(jane(), edited)).expect_err("refused");
        assert_eq!(error.kind, ErrorKind::Forbidden);
        assert_eq!(error.field_errors[0].field, Field::Role);
        assert!(world.writes().is_empty());
    }

    #[test]
    fn another_users_profile_is_not_found_for_an_employee() {
        let world = World::new(jane());
        let error =
            run(world.as_other_employee().load_user("jane.doe")).expect_err("outside scope");
        assert_eq!(error.kind, ErrorKind::NotFound);
        let edited = jane().with(Field::Telephone, "+1 555 0000");
        let error =
            save(&world.as_other_employee(), &request(jane(), edited)).expect_err("outside scope");
        assert_eq!(error.kind, ErrorKind::NotFound);
        assert!(world.writes().is_empty());
    }

    #[test]
    fn every_save_attempt_leaves_one_record_with_its_outcome() {
        let saved = World::new(jane());
        save(
            &saved.admin(),
            &request(jane(), jane().with(Field::JobTitle, "Lead")),
        )
        .expect("ok");
        let record = saved.only_record();
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

        let unchanged = World::new(jane());
        save(&unchanged.admin(), &request(jane(), jane())).expect("ok");
        assert_eq!(unchanged.only_record().outcome, Some(Outcome::Unchanged));

        let conflict = World::new(jane());
        conflict.set(Field::JobTitle, "Manager");
        let _ = save(
            &conflict.admin(),
            &request(jane(), jane().with(Field::JobTitle, "Lead")),
        );
        assert_eq!(conflict.only_record().outcome, Some(Outcome::Conflict));

        let invalid = World::new(jane());
        let long = jane().with(Field::City, "x".repeat(257));
        let _ = save(&invalid.admin(), &request(jane(), long));
        assert_eq!(invalid.only_record().outcome, Some(Outcome::Invalid));

        let refused = World::new(jane());
        let _ = save(
            &refused.as_jane(),
            &request(jane(), jane().with(Field::Role, "REMOTE_USER")),
        );
        let record = refused.only_record();
        assert_eq!(record.outcome, Some(Outcome::Refused));
        assert!(record.detail.as_deref().is_some_and(|d| d.contains("Role")));

        let failing = World::new(jane());
        failing
            .directory
            .fail_updates(DirectoryErrorKind::Unavailable);
        let _ = save(
            &failing.admin(),
            &request(jane(), jane().with(Field::City, "Oslo")),
        );
        let record = failing.only_record();
        assert_eq!(record.outcome, Some(Outcome::DirectoryError));
        assert_eq!(failing.audit.open_intents(), 0);
    }

    /// A refused save's record holds the directory's values as old values, whatever the
    /// browser claimed to have loaded.
    #[test]
    fn a_refused_saves_record_keeps_the_directorys_old_values() {
        let world = World::new(jane());
        let forged = jane().with(Field::JobTitle, "Intern");
        let _ = save(
            &world.as_jane(),
            &request(forged.clone(), forged.with(Field::JobTitle, "CEO")),
        );
        let record = world.only_record();
        assert_eq!(record.outcome, Some(Outcome::Refused));
        assert_eq!(
            record.changes,
            vec![ChangedValue {
                field: Field::JobTitle,
                old: "Engineer".into(),
                new: "CEO".into()
            }]
        );
    }

    /// Saves of one user take turns on its id, whichever name the page used.
    #[test]
    fn a_save_locks_the_user_by_its_id() {
        let world = World::new(jane());
        save(
            &world.admin(),
            &request(jane(), jane().with(Field::City, "Oslo")),
        )
        .expect("saved");
        assert_eq!(world.locks.taken(), ["u-000000000001"]);
        // A user outside the scope is refused before the lock: it costs what a user who does
        // not exist costs.
        let _ = save(
            &world.as_other_employee(),
            &request(jane(), jane().with(Field::City, "Bergen")),
        );
        assert_eq!(world.locks.taken(), ["u-000000000001"]);
    }

    /// A save that reaches a user who left the account's scope while it ran (their
    /// department changed outside the portal between the checks and the write) is an alert.
    #[test]
    fn a_save_that_lands_outside_the_scope_is_an_alert() {
        use crate::domain::{Access, Attribute, Scope};
        let in_engineering = |id: &str, name: &str| UserProfile {
            user_id: id.into(),
            name: Some(name.into()),
            email: Some(format!("{name}@demo.example.com")),
            values: jane().with(Field::Department, "Engineering"),
            ..UserProfile::default()
        };
        let directory = Arc::new(MemoryDirectory::new(vec![
            in_engineering("u-1", "jane.doe"),
            in_engineering("u-2", "boss"),
        ]));
        directory.during_update(|directory| {
            directory.edit("u-1", |jane| jane.values.set(Field::Department, "Sales"));
        });
        let mut policy = Policy::new();
        policy.grant(
            "manager",
            Scope::Department,
            Access::Edit,
            Attribute::all().collect(),
        );
        let audit = Arc::new(MemoryAudit::default());
        let services = Services {
            directory: directory.clone(),
            policy: Arc::new(policy),
            audit: audit.clone(),
            index: Arc::new(DirectoryIndex::new(100)),
            locks: Arc::new(MemoryLocks::default()),
            step_up: StepUp::default(),
            accounts: Arc::new(NoAccounts),
            exports: Arc::new(MemoryExports::default()),
        };
        let principal = Principal {
            account: "boss".into(),
            roles: vec!["manager".into()],
            workmail_user: Some("boss@demo.example.com".into()),
            authenticated_at: unix_now(),
            single_sign_on: false,
        };
        let manager = Caller::new(services, principal, RequestOrigin::default());
        let loaded = jane().with(Field::Department, "Engineering");
        let outcome = save(
            &manager,
            &request(loaded.clone(), loaded.with(Field::JobTitle, "Lead")),
        )
        .expect("the write happened");
        assert_eq!(outcome.saved, vec![Field::JobTitle]);
        let records = audit.records();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].outcome, Some(Outcome::SavedOutsideScope));
    }

    /// A user name or email the account may not read finds no one (the id still does): else
    /// trying names would tell who exists and what their hidden name is.
    #[test]
    fn a_hidden_key_finds_no_one() {
        use crate::domain::{Access, Attribute, Fact, Scope};
        let world = World::new(jane());
        let mut policy = Policy::new();
        let visible = Attribute::all()
            .filter(|a| *a != Attribute::Fact(Fact::Name))
            .collect();
        policy.grant("viewer", Scope::All, Access::Read, visible);
        let services = Services {
            directory: world.directory.clone(),
            policy: Arc::new(policy),
            audit: world.audit.clone(),
            index: Arc::new(DirectoryIndex::new(100)),
            locks: world.locks.clone(),
            step_up: StepUp::default(),
            accounts: Arc::new(NoAccounts),
            exports: Arc::new(MemoryExports::default()),
        };
        let principal = Principal {
            account: "viewer".into(),
            roles: vec!["viewer".into()],
            workmail_user: None,
            authenticated_at: unix_now(),
            single_sign_on: false,
        };
        let viewer = Caller::new(services, principal, RequestOrigin::default());
        let by_name = run(viewer.load_user("jane.doe")).expect_err("hidden name");
        assert_eq!(by_name.kind, ErrorKind::NotFound);
        assert!(
            run(viewer.load_user("jane.doe@demo.example.com")).is_ok(),
            "email is readable"
        );
        assert!(
            run(viewer.load_user("u-000000000001")).is_ok(),
            "the id always works"
        );
    }

    #[test]
    fn no_audit_intent_means_no_write() {
        let world = World::new(jane());
        world.audit.fail_intents();
        let error = save(
            &world.admin(),
            &request(jane(), jane().with(Field::City, "Oslo")),
        )
        .expect_err("refused");
        assert_eq!(error.kind, ErrorKind::AuditUnavailable);
        assert_eq!(error.status(), 503);
        assert!(world.writes().is_empty());
    }

    #[test]
    fn a_failing_audit_close_keeps_the_save_and_leaves_the_intent_open() {
        let world = World::new(jane());
        world.audit.fail_close();
        let outcome = save(
            &world.admin(),
            &request(jane(), jane().with(Field::City, "Oslo")),
        )
        .expect("the directory took the change");
        assert_eq!(outcome.saved, vec![Field::City]);
        assert_eq!(world.writes().len(), 1);
        assert!(world.audit.records().is_empty());
        assert_eq!(world.audit.open_intents(), 1, "left for reconciliation");
    }
}
