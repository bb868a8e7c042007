//! `GET /healthz` and `GET /readyz`, for load balancers and orchestrators: no session, cheap.
//!
//! - `/healthz`: the process answers (no dependency is asked).
//! - `/readyz`: the portal database, the session store, Redis (when configured) and the
//!   directory answered the last check, and the replica is not draining; otherwise 503 with
//!   the failing parts named, each with a short cause (`no_credentials`, `timeout`, …: the
//!   probe is public, so no host names or messages; the log has the whole error).
//!
//! A probe never reaches a dependency: one background task per replica checks them all every
//! [`CHECK_EVERY`] (each within [`CHECK_LIMIT`], at the same time) and `/readyz` reads its last
//! answer. So probes cost nothing, however many arrive, and the directory (WorkMail bills and
//! throttles calls) is asked once per period.

use crate::auth::session::SessionBackend;
use app::ports::{Directory, DirectoryErrorKind};
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
    failing: Arc<RwLock<Vec<Failure>>>,
}

/// What the checks ask.
pub struct Dependencies {
    pub database: AnyPool,
    pub sessions: SessionBackend,
    /// The replicas' Redis, when configured (the sign-in limiter counts there).
    pub redis: Option<fred::prelude::Pool>,
    pub directory: Arc<dyn Directory>,
}

/// Why a dependency failed its check: a short cause for `/readyz` (no host names, no
/// messages: anyone may probe it) and the whole error for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Failure {
    part: &'static str,
    cause: &'static str,
    detail: String,
}

type Check = Result<(), (&'static str, String)>;

/// An error that is not the directory's: it did not answer in time, or it failed.
fn failed(error: impl std::fmt::Display) -> (&'static str, String) {
    ("error", error.to_string())
}

/// The directory's cause, as start-up names it (`directory/connect.rs`).
fn directory_cause(kind: DirectoryErrorKind) -> &'static str {
    match kind {
        DirectoryErrorKind::NoCredentials => "no_credentials",
        DirectoryErrorKind::AuthenticationFailed => "credentials_refused",
        DirectoryErrorKind::OrganizationNotFound => "organization_not_found",
        DirectoryErrorKind::OrganizationState => "organization_not_usable",
        DirectoryErrorKind::Forbidden => "forbidden",
        DirectoryErrorKind::Unreachable => "unreachable",
        DirectoryErrorKind::Timeout => "timeout",
        DirectoryErrorKind::Throttled => "throttled",
        DirectoryErrorKind::Unavailable => "unavailable",
        _ => "error",
    }
}

impl Dependencies {
    async fn failing(&self) -> Vec<Failure> {
        let database = async {
            sqlx::query("SELECT 1")
                .execute(&self.database)
                .await
                .map(|_| ())
                .map_err(failed)
        };
        let sessions = async { self.sessions.ping().await.map_err(failed) };
        let directory = async {
            self.directory
                .organization()
                .await
                .map(|_| ())
                .map_err(|error| (directory_cause(error.kind), error.to_string()))
        };
        let redis = async {
            match &self.redis {
                Some(redis) => crate::replicas::redis::ping(redis).await.map_err(failed),
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
        .filter_map(|(part, result)| {
            result.err().map(|(cause, detail)| Failure {
                part,
                cause,
                detail,
            })
        })
        .collect()
    }
}

/// `check`'s answer, or a `timeout` if it takes longer than [`CHECK_LIMIT`].
async fn within(check: impl Future<Output = Check>) -> Check {
    tokio::time::timeout(CHECK_LIMIT, check)
        .await
        .unwrap_or_else(|_| {
            let limit = CHECK_LIMIT.as_millis();
            Err(("timeout", format!("no answer within {limit} ms")))
        })
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
                // Logged when the failing parts or their causes change, not at every check.
                let key = |failures: &[Failure]| -> Vec<(&str, &str)> {
                    failures.iter().map(|f| (f.part, f.cause)).collect()
                };
                if key(&last) != key(&now) {
                    if now.is_empty() {
                        tracing::info!("readiness: every dependency answers again");
                    }
                    for failure in &now {
                        tracing::warn!(
                            part = failure.part,
                            cause = failure.cause,
                            detail = failure.detail,
                            "readiness: a dependency does not answer"
                        );
                    }
                }
                *last = now;
            }
        });
        (health, task)
    }

    /// The failing parts and their causes: draining first, then the last check's.
    fn failing(&self) -> Vec<(&'static str, &'static str)> {
        let mut failing = Vec::new();
        if self.draining.load(Ordering::Relaxed) {
            failing.push(("draining", "draining"));
        }
        let last = match self.failing.read() {
            Ok(last) => last,
            Err(poisoned) => poisoned.into_inner(),
        };
        failing.extend(last.iter().map(|f| (f.part, f.cause)));
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
        let parts: Vec<&str> = failing.iter().map(|(part, _)| *part).collect();
        let causes: serde_json::Map<String, serde_json::Value> = failing
            .iter()
            .map(|(part, cause)| ((*part).to_owned(), json!(cause)))
            .collect();
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "ready": false, "failing": parts, "causes": causes })),
        )
            .into_response()
    }
}
