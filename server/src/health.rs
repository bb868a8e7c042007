//! `GET /healthz` and `GET /readyz`, for load balancers and orchestrators: no session, cheap.
//!
//! - `/healthz`: the process answers (no dependency is asked).
//! - `/readyz`: the portal database, the session store, Redis (when configured) and the
//!   directory answered the last check, and the replica is not draining; otherwise 503 with
//!   the failing parts named.
//!
//! A probe never reaches a dependency: one background task per replica checks them all every
//! [`CHECK_EVERY`] (each within [`CHECK_LIMIT`], at the same time) and `/readyz` reads its last
//! answer. So probes cost nothing, however many arrive, and the directory (WorkMail bills and
//! throttles calls) is asked once per period.

use crate::auth::session::SessionBackend;
use app::ports::Directory;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;
use sqlx::AnyPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How often the dependencies are checked.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);
/// How long one dependency may take to answer a check.
const CHECK_LIMIT: Duration = Duration::from_secs(1);

/// What readiness knows.
#[derive(Clone)]
pub struct Health {
    /// Set when the replica starts draining: from then on it is not ready.
    pub draining: Arc<AtomicBool>,
    /// The dependencies that failed the last check.
    failing: Arc<RwLock<Vec<&'static str>>>,
}

/// What the checks ask.
pub struct Dependencies {
    pub database: AnyPool,
    pub sessions: SessionBackend,
    /// The replicas' Redis, when configured (the sign-in limiter counts there).
    pub redis: Option<fred::prelude::Pool>,
    pub directory: Arc<dyn Directory>,
}

impl Dependencies {
    async fn failing(&self) -> Vec<&'static str> {
        let database = async {
            sqlx::query("SELECT 1")
                .execute(&self.database)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let sessions = self.sessions.ping();
        let directory = async {
            self.directory
                .organization()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let redis = async {
            match &self.redis {
                Some(redis) => crate::replicas::redis::ping(redis)
                    .await
                    .map_err(|e| e.to_string()),
                None => Ok(()),
            }
        };
        let (database, sessions, redis, directory) = tokio::join!(
            within(database),
            within(sessions),
            within(redis),
            within(directory)
        );
        [
            ("database", database),
            ("session_store", sessions),
            ("redis", redis),
            ("directory", directory),
        ]
        .into_iter()
        .filter_map(|(part, result)| result.err().map(|_| part))
        .collect()
    }
}

/// `check`'s answer, or a failure if it takes longer than [`CHECK_LIMIT`].
async fn within(check: impl Future<Output = Result<(), String>>) -> Result<(), String> {
    tokio::time::timeout(CHECK_LIMIT, check)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} ms", CHECK_LIMIT.as_millis())))
}

impl Health {
    /// Ready at first (start-up has just opened the database and the session store and checked
    /// the directory), then checked every [`CHECK_EVERY`] in the returned task.
    pub fn start(dependencies: Dependencies) -> (Self, tokio::task::JoinHandle<()>) {
        let health = Self {
            draining: Arc::new(AtomicBool::new(false)),
            failing: Arc::new(RwLock::new(Vec::new())),
        };
        let failing = Arc::clone(&health.failing);
        let task = tokio::spawn(async move {
            let mut interval = tokio::time::interval(CHECK_EVERY);
            interval.tick().await;
            loop {
                interval.tick().await;
                let now = dependencies.failing().await;
                let mut last = match failing.write() {
                    Ok(guard) => guard,
                    Err(poisoned) => poisoned.into_inner(),
                };
                // Logged when it changes, not at every check.
                if *last != now {
                    if now.is_empty() {
                        tracing::info!("readiness: every dependency answers again");
                    } else {
                        tracing::warn!(failing = ?now, "readiness: dependencies do not answer");
                    }
                    *last = now;
                }
            }
        });
        (health, task)
    }

    fn failing(&self) -> Vec<&'static str> {
        let mut failing = Vec::new();
        if self.draining.load(Ordering::Relaxed) {
            failing.push("draining");
        }
        match self.failing.read() {
            Ok(last) => failing.extend(last.iter()),
            Err(poisoned) => failing.extend(poisoned.into_inner().iter()),
        }
        failing
    }
}

/// `GET /healthz`.
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// `GET /readyz`.
pub async fn readyz(State(health): State<Health>) -> Response {
    let failing = health.failing();
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
