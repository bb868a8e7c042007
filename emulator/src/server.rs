//! The HTTP face: `POST /` with `X-Amz-Target: WorkMailService.<Operation>`.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::api_error::{ApiError, ErrorKind};
use crate::faults::FaultSwitch;
use crate::operations::{self, Context, Operation};
use crate::sigv4::Verifier;
use crate::store::Store;

const TARGET_PREFIX: &str = "WorkMailService.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

pub struct Emulator {
    pub store: Store,
    pub verifier: Verifier,
    pub region: String,
    pub faults: Arc<FaultSwitch>,
}

pub fn router(emulator: Emulator) -> Router {
    Router::new()
        .fallback(handle)
        .with_state(Arc::new(emulator))
}

async fn handle(
    State(emulator): State<Arc<Emulator>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let target = headers
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    tracing::trace!(%request_id, %target, "request");
    let result = answer(&emulator, &method, &uri, &headers, &target, &body).await;
    let (status, body) = match result {
        Ok(body) => (axum::http::StatusCode::OK, body),
        Err(error) => {
            tracing::debug!(%request_id, %target, kind = error.kind.wire_name(), message = %error.message, "refused");
            (
                error.kind.status(),
                serde_json::json!({ "__type": error.kind.wire_name(), "Message": error.message })
                    .to_string(),
            )
        }
    };
    let mut response = (status, body).into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        response_headers.insert("x-amzn-requestid", id);
    }
    response
}

async fn answer(
    emulator: &Emulator,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    target: &str,
    body: &[u8],
) -> Result<String, ApiError> {
    emulator
        .verifier
        .verify(method, uri, headers, body, SystemTime::now())?;
    let operation = target
        .strip_prefix(TARGET_PREFIX)
        .and_then(Operation::from_name)
        .filter(|_| method == Method::POST && uri.path() == "/")
        .ok_or_else(|| {
            ApiError::new(
                ErrorKind::UnknownOperation,
                if target.is_empty() {
                    "The request has no X-Amz-Target header naming an operation.".to_owned()
                } else {
                    format!("{target} is not an operation of this service (POST / expected).")
                },
            )
        })?;
    emulator.faults.before(operation).await?;
    let context = Context {
        store: &emulator.store,
        region: &emulator.region,
    };
    operations::execute(&context, operation, body).await
}
