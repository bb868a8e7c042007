//! Prometheus metrics on a listener of their own (`PORTAL_METRICS_ADDR`, off by default), so
//! they never appear on the public port. Labels hold route templates, operation names and
//! outcome names: never user data.
//!
//! - `portal_http_requests_total{route,status}`, `portal_http_request_duration_seconds{route}`
//!   (`request_origin.rs`);
//! - `portal_directory_calls_total{operation,outcome}`,
//!   `portal_directory_call_duration_seconds{operation}` ([`MeteredDirectory`]);
//! - `portal_saves_total{outcome}`, `portal_sign_ins_total{result}` (the audit log's records);
//! - `portal_directory_index_users`, `portal_directory_index_refreshed_timestamp_seconds`
//!   (the index refresh; its age is `time() - …`), `portal_directory_index_bytes` (its memory,
//!   as asked of the allocator);
//! - `portal_session_store_errors_total{operation}` (the session store's failures);
//! - `portal_audit_open_intents` (saves begun whose outcome is not recorded yet; the
//!   reconciliation sets it every minute).

use app::domain::{Change, Organization, Outcome, UserProfile};
use app::ports::{BoxFuture, Directory, DirectoryError, UserListPage};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// The histograms' buckets, in seconds: a page takes milliseconds, an export may take minutes.
const SECONDS_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0,
];

/// The process's recorder: installed once, the first time a portal of this process serves
/// metrics (tests start several portals in one process).
fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            // Buckets make the `_seconds` metrics histograms (without them: summaries).
            let installed = PrometheusBuilder::new()
                .set_buckets(&SECONDS_BUCKETS)
                .and_then(|builder| builder.install_recorder());
            match installed {
                Ok(handle) => Some(handle),
                Err(error) => {
                    tracing::error!(%error, "cannot install the metrics recorder");
                    None
                }
            }
        })
        .as_ref()
}

/// Serves `GET /metrics` on `addr`; returns the address it listens on, the serving task and
/// the upkeep task (it drains histogram samples even when nobody scrapes).
pub async fn serve(
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, [tokio::task::JoinHandle<()>; 2])> {
    let handle = recorder().ok_or_else(|| std::io::Error::other("no metrics recorder"))?;
    // Counters that may stay at zero are shown from the start, so alerts on them have a series.
    for operation in ["load", "save", "create", "delete"] {
        metrics::counter!("portal_session_store_errors_total", "operation" => operation)
            .increment(0);
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || async move {
            (
                [(
                    http::header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                handle.render(),
            )
        }),
    );
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    let upkeep = tokio::spawn(async move {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            interval.tick().await;
            handle.run_upkeep();
        }
    });
    Ok((addr, [task, upkeep]))
}

/// One answered request.
pub fn request(route: &str, status: u16, seconds: f64) {
    let route = route.to_owned();
    metrics::counter!("portal_http_requests_total", "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("portal_http_request_duration_seconds", "route" => route).record(seconds);
}

/// One audit record: saves by outcome, sign-ins by result.
pub fn audited(outcome: Outcome) {
    match outcome {
        Outcome::SignedIn | Outcome::SignInFailed => {
            metrics::counter!("portal_sign_ins_total", "result" => outcome.name()).increment(1);
        }
        Outcome::Saved
        | Outcome::Unchanged
        | Outcome::Refused
        | Outcome::Invalid
        | Outcome::Conflict
        | Outcome::DirectoryError
        | Outcome::Unconfirmed
        | Outcome::SavedOutsideScope => {
            metrics::counter!("portal_saves_total", "outcome" => outcome.name()).increment(1);
        }
        _ => {}
    }
}

/// The directory index after a refresh.
pub fn index_refreshed(users: usize, bytes: usize, at_unix_seconds: i64) {
    metrics::gauge!("portal_directory_index_users").set(users as f64);
    metrics::gauge!("portal_directory_index_bytes").set(bytes as f64);
    metrics::gauge!("portal_directory_index_refreshed_timestamp_seconds")
        .set(at_unix_seconds as f64);
}

/// The session store failed an operation (load, save, create, delete).
pub fn session_store_error(operation: &'static str) {
    metrics::counter!("portal_session_store_errors_total", "operation" => operation).increment(1);
}

/// How many audit intents are open (saves whose outcome is not recorded yet).
pub fn open_intents(count: usize) {
    metrics::gauge!("portal_audit_open_intents").set(count as f64);
}

/// A directory that counts and times every call of the one it wraps.
pub struct MeteredDirectory(pub Arc<dyn Directory>);

impl MeteredDirectory {
    async fn timed<T>(
        operation: &'static str,
        call: BoxFuture<'_, Result<T, DirectoryError>>,
    ) -> Result<T, DirectoryError> {
        let started = Instant::now();
        let result = call.await;
        let outcome = match &result {
            Ok(_) => "ok".to_owned(),
            Err(error) => format!("{:?}", error.kind),
        };
        metrics::counter!("portal_directory_calls_total", "operation" => operation, "outcome" => outcome)
            .increment(1);
        metrics::histogram!("portal_directory_call_duration_seconds", "operation" => operation)
            .record(started.elapsed().as_secs_f64());
        result
    }
}

impl Directory for MeteredDirectory {
    fn describe_user<'a>(
        &'a self,
        user: &'a str,
    ) -> BoxFuture<'a, Result<UserProfile, DirectoryError>> {
        Box::pin(Self::timed("DescribeUser", self.0.describe_user(user)))
    }

    fn update_user<'a>(
        &'a self,
        user_id: &'a str,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(Self::timed(
            "UpdateUser",
            self.0.update_user(user_id, changes),
        ))
    }

    fn list_users<'a>(
        &'a self,
        token: Option<&'a str>,
    ) -> BoxFuture<'a, Result<UserListPage, DirectoryError>> {
        Box::pin(Self::timed("ListUsers", self.0.list_users(token)))
    }

    fn organization(&self) -> BoxFuture<'_, Result<Organization, DirectoryError>> {
        Box::pin(Self::timed("DescribeOrganization", self.0.organization()))
    }

    fn unavailable_fields(&self) -> &[app::domain::Field] {
        self.0.unavailable_fields()
    }

    fn reset_password<'a>(
        &'a self,
        user_id: &'a str,
        password: &'a app::domain::Password,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(Self::timed(
            "ResetPassword",
            self.0.reset_password(user_id, password),
        ))
    }

    fn aliases<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, DirectoryError>> {
        Box::pin(Self::timed("ListAliases", self.0.aliases(user_id)))
    }

    fn add_alias<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(Self::timed(
            "CreateAlias",
            self.0.add_alias(user_id, address),
        ))
    }

    fn remove_alias<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(Self::timed(
            "DeleteAlias",
            self.0.remove_alias(user_id, address),
        ))
    }

    fn set_primary_address<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(Self::timed(
            "UpdatePrimaryEmailAddress",
            self.0.set_primary_address(user_id, address),
        ))
    }

    fn groups_of<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<app::domain::GroupRef>, DirectoryError>> {
        Box::pin(Self::timed(
            "ListGroupsForEntity",
            self.0.groups_of(user_id),
        ))
    }

    fn find_groups<'a>(
        &'a self,
        prefix: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<app::domain::GroupRef>, DirectoryError>> {
        Box::pin(Self::timed("ListGroups", self.0.find_groups(prefix, limit)))
    }

    fn add_to_group<'a>(
        &'a self,
        group_id: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(Self::timed(
            "AssociateMemberToGroup",
            self.0.add_to_group(group_id, user_id),
        ))
    }

    fn remove_from_group<'a>(
        &'a self,
        group_id: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(Self::timed(
            "DisassociateMemberFromGroup",
            self.0.remove_from_group(group_id, user_id),
        ))
    }

    fn mailbox<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<app::domain::MailboxUsage, DirectoryError>> {
        Box::pin(Self::timed("GetMailboxDetails", self.0.mailbox(user_id)))
    }

    fn set_mailbox_quota<'a>(
        &'a self,
        user_id: &'a str,
        quota_mb: u32,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(Self::timed(
            "UpdateMailboxQuota",
            self.0.set_mailbox_quota(user_id, quota_mb),
        ))
    }

    fn enable_user<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(Self::timed(
            "RegisterToWorkMail",
            self.0.enable_user(user_id, address),
        ))
    }

    fn disable_user<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(Self::timed(
            "DeregisterFromWorkMail",
            self.0.disable_user(user_id),
        ))
    }
}
