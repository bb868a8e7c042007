//! `/admin/export`'s handlers outside Leptos: `POST /admin/export` (fields `format` and, for
//! LDIF, `base_dn`) starts an export and redirects (303) back to the page, which follows it;
//! a refusal renders the page with the explanation and the fitting status.
//! `GET /admin/export/{id}` is the finished file, for the account that started it.

use super::content_type;
use crate::state::AppState;
use app::domain::ExportFormat;
use app::routes::EXPORT_PATH;
use app::use_cases::Caller;
use app::wire::{ApiError, ExportRefused};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};

/// Handles the export form's post.
pub async fn start_export_form(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
    };
    let result = match value("format").as_deref().and_then(ExportFormat::from_name) {
        Some(format) => {
            let base_dn = value("base_dn").filter(|dn| !dn.is_empty());
            caller.start_export(format, base_dn).await
        }
        None => Err(ApiError::bad_request("Choose a format: json, csv or ldif.")),
    };
    match result {
        Ok(_) => Redirect::to(EXPORT_PATH).into_response(),
        Err(error) => {
            crate::page::render_refused(state, caller, headers, EXPORT_PATH, ExportRefused(error))
                .await
        }
    }
}

/// A finished export's file, as an attachment that no cache keeps.
pub async fn download(caller: Caller, Path(id): Path<String>) -> Response {
    let file = match caller.export_file(&id) {
        Ok(file) => file,
        Err(error) => {
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, error.message).into_response();
        }
    };
    let mut response = file.bytes.to_vec().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(file.format)),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(disposition) =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.name))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}
