//! The edit form posted without JavaScript: `POST /users/{id}` with the form's fields.
//!
//! Same rules as the `update_user` server function. Success redirects (303) back to the page
//! with the saved fields in the query; a refusal renders the page again with the person's
//! input, the explanation and the fitting status.

use crate::AppState;
use app::api::{ApiError, SaveRequest};
use app::components::{LOADED_PREFIX, VERSION_INPUT};
use app::domain::{AuditEntry, Field, FieldValues, Outcome, Principal};
use app::pages::{RejectedSave, user_path};
use app::session::{ME_PATH, RequestOrigin};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use http::{HeaderMap, StatusCode, Uri};
use leptos::prelude::provide_context;

/// Handles the form post of `/users/{id}`.
pub async fn save_user_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(origin): Extension<RequestOrigin>,
    Path(user): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let page = user_path(&user);
    let who = Submitter { principal, origin };
    save_form(state, who, user, page, uri, headers, pairs).await
}

/// Handles the form post of `/me` (the account's own WorkMail user).
pub async fn save_me_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(origin): Extension<RequestOrigin>,
    uri: Uri,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Some(user) = principal.workmail_user.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "Your portal account isn't linked to a WorkMail user.",
        )
            .into_response();
    };
    let who = Submitter { principal, origin };
    save_form(state, who, user, ME_PATH.to_owned(), uri, headers, pairs).await
}

/// Who posted the form.
struct Submitter {
    principal: Principal,
    origin: RequestOrigin,
}

async fn save_form(
    state: AppState,
    who: Submitter,
    user: String,
    page: String,
    uri: Uri,
    headers: HeaderMap,
    pairs: Vec<(String, String)>,
) -> Response {
    let request = match read_submission(&user, &pairs) {
        Ok(request) => request,
        Err(problem) => {
            tracing::info!(user, problem, "unreadable edit form post");
            let entry = AuditEntry {
                outcome: Some(Outcome::Invalid),
                target_id: Some(user.clone()),
                detail: Some(format!("unreadable form post: {problem}")),
                ..who.origin.audit_entry(&who.principal.account)
            };
            if let Err(error) = state.audit.record(entry).await {
                tracing::error!(%error, "could not write the audit record of a save");
            }
            return (
                StatusCode::BAD_REQUEST,
                axum::response::Html(format!(
                    "<!DOCTYPE html><title>Form not readable</title><p>The portal couldn't read \
                     this form ({problem}). <a href=\"{page}\">Reload the page</a> and try again.</p>"
                )),
            )
                .into_response();
        }
    };
    let Submitter { principal, origin } = who;
    let gate = app::editing::Gate {
        policy: &state.policy,
        principal: &principal,
    };
    let saved = app::editing::save_user(
        &*state.directory,
        &*state.audit,
        Some(&state.index),
        gate,
        &origin,
        &request,
    )
    .await;
    match saved {
        Ok(outcome) => {
            let saved = outcome
                .saved
                .iter()
                .chain(&outcome.already_applied)
                .map(|f| f.api_name())
                .collect::<Vec<_>>()
                .join(",");
            Redirect::to(&format!("{page}?saved={saved}")).into_response()
        }
        Err(error) => render_refusal(state, principal, uri, headers, request, error).await,
    }
}

/// Renders the edit page again around a refused save.
async fn render_refusal(
    state: AppState,
    principal: Principal,
    uri: Uri,
    headers: HeaderMap,
    request: SaveRequest,
    error: ApiError,
) -> Response {
    let rejected = RejectedSave { request, error };
    let mut extensions = http::Extensions::new();
    extensions.insert(principal);
    // The page renders as for a GET of the same URL (the body has been read already).
    crate::page::render_get(state, uri, headers, extensions, move || {
        provide_context(rejected.clone())
    })
    .await
}

/// Reads the posted fields: the edited values under their API member names, the values as
/// loaded under `loaded.<name>`, and the version. A field missing from the form (for example
/// the role of a system user, which has no select) keeps its loaded value; the last of
/// repeated names wins (the checkbox follows a hidden `false`).
fn read_submission(user: &str, pairs: &[(String, String)]) -> Result<SaveRequest, String> {
    let mut loaded = FieldValues::new();
    let mut edited: Vec<(Field, &str)> = Vec::new();
    let mut version = None;
    for (name, value) in pairs {
        if name == VERSION_INPUT {
            version = Some(value.clone());
        } else if let Some(member) = name.strip_prefix(LOADED_PREFIX) {
            let field =
                Field::from_api_name(member).ok_or_else(|| format!("unknown field {member}"))?;
            loaded.set(field, value.clone());
        } else if let Some(field) = Field::from_api_name(name) {
            edited.push((field, value));
        }
    }
    let version = version.ok_or_else(|| "no version".to_owned())?;
    let mut edited_values = loaded.clone();
    for (field, value) in edited {
        edited_values.set(field, value);
    }
    Ok(SaveRequest {
        user_id: user.to_owned(),
        loaded,
        edited: edited_values,
        version,
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
    fn reads_loaded_and_edited_values() {
        let request = read_submission(
            "jane.doe",
            &pairs(&[
                ("version", "abc"),
                ("loaded.JobTitle", "Engineer"),
                ("loaded.Telephone", "1"),
                ("JobTitle", "Lead"),
                ("Telephone", ""),
            ]),
        )
        .expect("readable");
        assert_eq!(request.version, "abc");
        assert_eq!(request.loaded.get(Field::JobTitle), "Engineer");
        assert_eq!(request.edited.get(Field::JobTitle), "Lead");
        assert_eq!(request.edited.get(Field::Telephone), "");
    }

    #[test]
    fn checkbox_after_hidden_false_wins_and_absent_fields_keep_loaded_values() {
        let request = read_submission(
            "u",
            &pairs(&[
                ("version", "v"),
                ("loaded.Role", "SYSTEM_USER"),
                ("loaded.HiddenFromGlobalAddressList", "false"),
                ("HiddenFromGlobalAddressList", "false"),
                ("HiddenFromGlobalAddressList", "true"),
            ]),
        )
        .expect("readable");
        assert!(request.edited.flag(Field::HiddenFromGlobalAddressList));
        assert_eq!(request.edited.get(Field::Role), "SYSTEM_USER");
    }

    #[test]
    fn missing_version_or_unknown_loaded_field_is_unreadable() {
        assert!(read_submission("u", &pairs(&[("JobTitle", "x")])).is_err());
        assert!(read_submission("u", &pairs(&[("version", "v"), ("loaded.UserId", "x")])).is_err());
    }
}
