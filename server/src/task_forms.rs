//! The Mail & access tab's forms: `POST /users/{id}/tasks` with a hidden `action`
//! (`reset_password`, `add_alias`, `remove_alias`, `make_primary`, `join_group`,
//! `leave_group`, `set_quota`, `enable`, `disable`) and the action's fields.
//!
//! The task goes through the `run_task` use case (the policy's task rights for that user, the
//! step-up window, the audit record). Success redirects (303) back to the tab with a `done`
//! code the page turns into a fixed sentence; a generated password is instead shown on the
//! answer itself, once, never stored; a refusal renders the tab with the explanation and the
//! fitting status.

use crate::state::AppState;
use app::domain::{AuditEntry, Outcome, Password, TaskRequest, generated_password};
use app::routes::tasks_path;
use app::use_cases::Caller;
use app::wire::{ApiError, GeneratedPassword, TaskRefused};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, HeaderValue, Uri, header};
use leptos::prelude::provide_context;

/// What a task form asks for, read from its fields.
struct TaskForm {
    request: TaskRequest,
    /// The password was generated here: show it on the answer.
    generated: bool,
    /// The `done` code of the redirect.
    code: &'static str,
}

/// Handles a form post of `/users/{id}/tasks`.
pub async fn run_task_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = match read_task(&pairs) {
        Ok(form) => form,
        Err(problem) => {
            let entry = AuditEntry {
                outcome: Some(Outcome::Invalid),
                detail: Some(format!("task form refused: {problem}")),
                ..caller.origin.audit_entry(&caller.principal.account)
            };
            if let Err(error) = state.services.audit.record(entry).await {
                tracing::error!(%error, "could not write the audit record of a task");
            }
            let refused = TaskRefused::new(ApiError::bad_request(problem), &pairs);
            return render(state, caller, uri, headers, refused).await;
        }
    };
    match caller.run_task(&user, &form.request).await {
        Ok(_) => match form.request {
            TaskRequest::ResetPassword { password } if form.generated => {
                let mut page =
                    render(state, caller, uri, headers, GeneratedPassword(password)).await;
                // The password is on this answer only: no cache may keep it.
                page.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                page
            }
            _ => Redirect::to(&format!("{}?done={}", tasks_path(&user), form.code)).into_response(),
        },
        Err(error) => {
            let refused = TaskRefused::new(error, &pairs);
            render(state, caller, uri, headers, refused).await
        }
    }
}

/// Renders the tab (the URL posted to) as for a GET, with `shown` in its context.
async fn render<T: Clone + Send + Sync + 'static>(
    state: AppState,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
    shown: T,
) -> Response {
    let mut extensions = http::Extensions::new();
    extensions.insert(caller.principal);
    extensions.insert(caller.origin);
    crate::page::render_get(state, uri, headers, extensions, move || {
        provide_context(shown.clone())
    })
    .await
}

/// The task a form post asks for.
fn read_task(pairs: &[(String, String)]) -> Result<TaskForm, String> {
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
    };
    let address = || value("address").unwrap_or_default();
    let group_id = || value("group_id").unwrap_or_default();
    let action = value("action").unwrap_or_default();
    let mut generated = false;
    let request = match action.as_str() {
        "reset_password" if value("generate").as_deref() == Some("1") => {
            generated = true;
            let mut random = [0u8; 32];
            OsRng.fill_bytes(&mut random);
            TaskRequest::ResetPassword {
                password: generated_password(&random),
            }
        }
        // Typed passwords are taken as typed: spaces may be part of them.
        "reset_password" => TaskRequest::ResetPassword {
            password: Password(
                pairs
                    .iter()
                    .find(|(key, _)| key == "password")
                    .map(|(_, value)| value.clone())
                    .unwrap_or_default(),
            ),
        },
        "add_alias" => TaskRequest::AddAlias { address: address() },
        "remove_alias" => TaskRequest::RemoveAlias { address: address() },
        "make_primary" => TaskRequest::MakePrimary { address: address() },
        "join_group" => TaskRequest::JoinGroup {
            group_id: group_id(),
        },
        "leave_group" => TaskRequest::LeaveGroup {
            group_id: group_id(),
        },
        "set_quota" => TaskRequest::SetQuota {
            quota_mb: value("quota_mb")
                .unwrap_or_default()
                .parse()
                .map_err(|_| "The quota must be a whole number of MB.".to_owned())?,
        },
        "enable" => TaskRequest::Enable { address: address() },
        "disable" if value("confirm").as_deref() == Some("1") => TaskRequest::Disable,
        "disable" => {
            return Err(
                "Tick the confirmation to disable this user. Nothing was changed.".to_owned(),
            );
        }
        _ => return Err("The form asked for a task the portal doesn't know.".to_owned()),
    };
    let code = match &request {
        TaskRequest::ResetPassword { .. } => "reset_password",
        TaskRequest::AddAlias { .. } => "add_alias",
        TaskRequest::RemoveAlias { .. } => "remove_alias",
        TaskRequest::MakePrimary { .. } => "make_primary",
        TaskRequest::JoinGroup { .. } => "join_group",
        TaskRequest::LeaveGroup { .. } => "leave_group",
        TaskRequest::SetQuota { .. } => "set_quota",
        TaskRequest::Enable { .. } => "enable",
        TaskRequest::Disable => "disable",
    };
    Ok(TaskForm {
        request,
        generated,
        code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn forms_read_as_tasks() {
        let quota = read_task(&pairs(&[("action", "set_quota"), ("quota_mb", " 4096 ")]))
            .expect("readable");
        assert_eq!(quota.request, TaskRequest::SetQuota { quota_mb: 4_096 });
        assert_eq!(quota.code, "set_quota");
        let typed = read_task(&pairs(&[
            ("action", "reset_password"),
            ("password", " Spaces count 1 "),
        ]))
        .expect("readable");
        assert_eq!(
            typed.request,
            TaskRequest::ResetPassword {
                password: Password(" Spaces count 1 ".into())
            }
        );
        assert!(!typed.generated);
        let generated = read_task(&pairs(&[("action", "reset_password"), ("generate", "1")]))
            .expect("readable");
        assert!(generated.generated);
        let TaskRequest::ResetPassword { password } = generated.request else {
            panic!("a reset");
        };
        assert_eq!(app::domain::check_password(&password.0), Ok(()));
        assert!(
            read_task(&pairs(&[("action", "disable")])).is_err(),
            "unconfirmed"
        );
        assert!(read_task(&pairs(&[("action", "disable"), ("confirm", "1")])).is_ok());
        assert!(read_task(&pairs(&[("action", "set_quota"), ("quota_mb", "lots")])).is_err());
        assert!(read_task(&pairs(&[("action", "drop_table")])).is_err());
    }
}
