//! The load and save workflows of the edit page, shared by the server functions and the
//! no-JavaScript form handler. The rules themselves live in [`crate::domain`].

use crate::api::{ApiError, ErrorKind, SaveOutcome, SaveRequest};
use crate::domain::{UserProfile, derive_changes, plan_save, validate_changes, version_of};
use crate::ports::{Directory, DirectoryError, DirectoryErrorKind};

/// Reads one user for display.
pub async fn load_user(directory: &dyn Directory, user: &str) -> Result<UserProfile, ApiError> {
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
/// validates it, refuses it on a conflict with someone else's changes, writes only what changed
/// and returns the user as the directory holds it afterwards.
pub async fn save_user(
    directory: &dyn Directory,
    request: &SaveRequest,
) -> Result<SaveOutcome, ApiError> {
    if version_of(&request.loaded) != request.version {
        return Err(ApiError::bad_request(
            "The form's original values don't match the page version. Reload the page and \
             make your changes again.",
        ));
    }
    let changes = derive_changes(&request.loaded, &request.edited);
    validate_changes(&changes).map_err(ApiError::invalid)?;

    let current = load_user(directory, &request.user_id).await?;
    if changes.is_empty() {
        // An unchanged form writes nothing.
        return Ok(SaveOutcome::unchanged(current));
    }
    let plan = plan_save(&request.loaded, &request.edited, &current.values)
        .map_err(|conflicts| ApiError::conflict(conflicts, current.values.clone()))?;
    if plan.is_empty() {
        return Ok(SaveOutcome::from_plan(current, &plan));
    }
    // Write by the canonical id: the page may have been opened by user name or email.
    directory
        .update_user(&current.user_id, &plan.to_send)
        .await
        .map_err(|e| directory_failure("UpdateUser", &current.user_id, e))?;

    let fresh = match directory.describe_user(&current.user_id).await {
        Ok(fresh) => fresh,
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
    use crate::domain::{Change, Field, FieldValues};
    use crate::ports::BoxFuture;
    use std::sync::Mutex;

    /// An in-memory directory that records writes and can be told to fail.
    struct MemoryDirectory {
        user: Mutex<UserProfile>,
        writes: Mutex<Vec<Vec<Change>>>,
        fail_update: Option<DirectoryErrorKind>,
    }

    impl MemoryDirectory {
        fn new(values: FieldValues) -> Self {
            Self {
                user: Mutex::new(UserProfile {
                    user_id: "u-000000000001".into(),
                    name: Some("jane.doe".into()),
                    email: Some("jane.doe@demo.example.com".into()),
                    state: None,
                    enabled_date: None,
                    disabled_date: None,
                    mailbox_provisioned_date: None,
                    mailbox_deprovisioned_date: None,
                    identity_provider_user_id: None,
                    identity_provider_identity_store_id: None,
                    values,
                }),
                writes: Mutex::new(Vec::new()),
                fail_update: None,
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
                if [Some(profile.user_id.as_str()), profile.name.as_deref()].contains(&Some(user)) {
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
        let outcome = run(save_user(&directory, &request(jane(), edited))).expect("saved");
        assert_eq!(outcome.saved, vec![Field::JobTitle]);
        assert_eq!(outcome.profile.values.get(Field::JobTitle), "Lead");
        assert_eq!(directory.writes().len(), 1);
        assert_eq!(directory.writes()[0].len(), 1);
    }

    #[test]
    fn unchanged_form_writes_nothing() {
        let directory = MemoryDirectory::new(jane());
        let outcome = run(save_user(&directory, &request(jane(), jane()))).expect("ok");
        assert!(outcome.saved.is_empty());
        assert!(directory.writes().is_empty());
    }

    #[test]
    fn conflict_writes_nothing_and_returns_both_values() {
        let directory = MemoryDirectory::new(jane());
        directory.set(Field::JobTitle, "Manager");
        let edited = jane().with(Field::JobTitle, "Lead");
        let error = run(save_user(&directory, &request(jane(), edited))).expect_err("conflict");
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
        let outcome = run(save_user(&directory, &request(jane(), edited))).expect("saved");
        assert_eq!(outcome.kept_from_others, vec![Field::Department]);
        assert_eq!(outcome.profile.values.get(Field::Department), "Sales");
        assert_eq!(outcome.profile.values.get(Field::Telephone), "");
    }

    #[test]
    fn invalid_values_are_refused_before_any_directory_call() {
        let directory = MemoryDirectory::new(jane());
        let edited = jane().with(Field::City, "x".repeat(257));
        let error = run(save_user(&directory, &request(jane(), edited))).expect_err("invalid");
        assert_eq!(error.kind, ErrorKind::Invalid);
        assert_eq!(error.field_errors[0].field, Field::City);
        assert!(directory.writes().is_empty());
    }

    #[test]
    fn a_tampered_version_is_a_bad_request() {
        let directory = MemoryDirectory::new(jane());
        let mut req = request(jane(), jane());
        req.version = "0000000000000000".into();
        let error = run(save_user(&directory, &req)).expect_err("bad request");
        assert_eq!(error.kind, ErrorKind::BadRequest);
    }

    #[test]
    fn directory_failures_keep_the_request_id_and_hide_the_raw_message() {
        let mut directory = MemoryDirectory::new(jane());
        directory.fail_update = Some(DirectoryErrorKind::Unavailable);
        let edited = jane().with(Field::JobTitle, "Lead");
        let error = run(save_user(&directory, &request(jane(), edited))).expect_err("failure");
        assert_eq!(error.kind, ErrorKind::DirectoryUnavailable);
        assert_eq!(error.reference.as_deref(), Some("req-1"));
        assert!(!error.message.contains("raw SDK text"));
    }

    #[test]
    fn unknown_user_is_not_found() {
        let directory = MemoryDirectory::new(jane());
        let error = run(load_user(&directory, "nobody")).expect_err("not found");
        assert_eq!(error.kind, ErrorKind::NotFound);
        assert_eq!(error.status(), 404);
    }
}
