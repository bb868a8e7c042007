//! The edit form posted without JavaScript: `POST /users/{id}` and `POST /me` with the form's
//! fields.
//!
//! The same save as the `update_user` server function, through the same form contract
//! (`app::wire::edit_form`): success redirects (303) back to the page with the save's notice
//! in the query; a refusal renders the page again with the person's input, the explanation and
//! the fitting status.

use crate::state::AppState;
use app::domain::{AuditEntry, Outcome};
use app::routes::{ME_PATH, user_path};
use app::use_cases::Caller;
use app::wire::{ApiError, Notice, RejectedSave, SaveRequest, read_submission};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, StatusCode, Uri};
use leptos::prelude::provide_context;

/// Handles the form post of `/users/{id}`.
pub async fn save_user_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let page = user_path(&user);
    save_form(state, caller, user, page, uri, headers, pairs).await
}

/// Handles the form post of `/me` (the account's own WorkMail user).
pub async fn save_me_form(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Some(user) = caller.principal.workmail_user.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "Your portal account isn't linked to a WorkMail user.",
        )
            .into_response();
    };
    save_form(state, caller, user, ME_PATH.to_owned(), uri, headers, pairs).await
}

async fn save_form(
    state: AppState,
    caller: Caller,
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
                ..caller.origin.audit_entry(&caller.principal.account)
            };
            if let Err(error) = state.services.audit.record(entry).await {
                tracing::error!(%error, "could not write the audit record of a save");
            }
            // The problem may quote a field name from the request.
            let (problem, page) = (escape_html(&problem), escape_html(&page));
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
    match caller.save_user(&request).await {
        Ok(outcome) => {
            let notice = Notice::after_save(&outcome);
            Redirect::to(&format!("{page}?{}", notice.to_query())).into_response()
        }
        Err(error) => render_refusal(state, caller, uri, headers, request, error).await,
    }
}

/// `text` for HTML text or a quoted attribute.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Renders the edit page again around a refused save.
async fn render_refusal(
    state: AppState,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
    request: SaveRequest,
    error: ApiError,
) -> Response {
    let rejected = RejectedSave { request, error };
    let mut extensions = http::Extensions::new();
    extensions.insert(caller.principal);
    extensions.insert(caller.origin);
    // The page renders as for a GET of the same URL (the body has been read already).
    crate::page::render_get(state, uri, headers, extensions, move || {
        provide_context(rejected.clone())
    })
    .await
}
