//! `GET /healthz` and `GET /readyz`, for load balancers and orchestrators: no session, cheap.
//!
//! - `/healthz`: the process answers (no dependency is asked).
//! - `/readyz`: the portal database, the session store and the directory answer, and the
//!   replica is not draining; otherwise 503 with the failing parts named. The directory is
//!   asked at most once per [`DIRECTORY_CHECK_EVERY`] per replica (probes come often; a
//!   directory such as WorkMail bills and throttles calls), the answer reused meanwhile.

use crate::auth::session::SessionBackend;
use app::ports::Directory;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;
use sqlx::AnyPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a directory check's answer is reused.
pub const DIRECTORY_CHECK_EVERY: Duration = Duration::from_secs(2);

/// What readiness asks.
#[derive(Clone)]
pub struct Health {
    pub database: AnyPool,
    pub sessions: SessionBackend,
    pub directory: Arc<dyn Directory>,
    /// Set when the replica starts draining: from then on it is not ready.
    pub draining: Arc<AtomicBool>,
    /// The last directory check: when, and whether it passed.
    last_directory_check: Arc<Mutex<Option<(Instant, bool)>>>,
}

impl Health {
    pub fn new(database: AnyPool, sessions: SessionBackend, directory: Arc<dyn Directory>) -> Self {
        Self {
            database,
            sessions,
            directory,
            draining: Arc::new(AtomicBool::new(false)),
            last_directory_check: Arc::new(Mutex::new(None)),
        }
    }

    async fn directory_answers(&self) -> bool {
        let cached = match self.last_directory_check.lock() {
            Ok(last) => *last,
            Err(poisoned) => *poisoned.into_inner(),
        };
        if let Some((at, answered)) = cached
            && at.elapsed() < DIRECTORY_CHECK_EVERY
        {
            return answered;
        }
        let answered = match self.directory.organization().await {
            Ok(_) => true,
            Err(error) => {
                tracing::warn!(%error, "readiness: the directory does not answer");
                false
            }
        };
        if let Ok(mut last) = self.last_directory_check.lock() {
            *last = Some((Instant::now(), answered));
        }
        answered
    }
}

/// `GET /healthz`.
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// `GET /readyz`.
pub async fn readyz(State(health): State<Health>) -> Response {
    let mut failing = Vec::new();
    if health.draining.load(Ordering::Relaxed) {
        failing.push("draining");
    }
    let database = sqlx::query("SELECT 1").execute(&health.database).await;
    if let Err(error) = database {
        tracing::warn!(%error, "readiness: the portal database does not answer");
        failing.push("database");
    }
    if let Err(error) = health.sessions.ping().await {
        tracing::warn!(%error, "readiness: the session store does not answer");
        failing.push("session_store");
    }
    if !health.directory_answers().await {
        failing.push("directory");
    }
    if failing.is_empty() {
        Json(json!({ "ready": true })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "ready": false, "failing": failing })),
        )
            .into_response()
    }
}
