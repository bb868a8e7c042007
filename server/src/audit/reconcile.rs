//! Turns audit intents left open into records.
//!
//! An intent is open while its save is on its way to the directory. One still open after
//! `min_age` belongs to a save whose record could not be written (the audit store failed, or
//! the process died). Reconciliation reads the user from the directory: if it holds every
//! value the save wrote, the record is `saved`; otherwise (someone changed it since, the save
//! never arrived, a value is redacted and cannot be compared, the user is gone) it is
//! `unconfirmed`. Either way the record keeps the save's old and new values, so nothing the
//! portal may have changed goes unrecorded. While the directory cannot be read, the intent
//! waits for the next run.

use super::{KeptEntry, SqlAuditLog, now_ms};
use app::domain::{Outcome, ValueMode};
use app::ports::{Directory, DirectoryErrorKind};
use sqlx::Row;
use std::sync::Arc;
use std::time::Duration;

/// How old an open intent must be before it is reconciled: well past the longest a save's
/// directory call may take (`directory_timeout` covers its retries), so a save in flight is
/// never raced; at least two minutes.
pub fn min_intent_age(directory_timeout: Duration) -> Duration {
    (directory_timeout * 2 + Duration::from_secs(30)).max(Duration::from_secs(120))
}

impl SqlAuditLog {
    /// Reconciles every intent older than `min_age`; returns how many became records.
    pub async fn reconcile(
        &self,
        directory: &dyn Directory,
        min_age: Duration,
    ) -> Result<usize, sqlx::Error> {
        let cutoff = now_ms() - i64::try_from(min_age.as_millis()).unwrap_or(i64::MAX);
        let rows = sqlx::query(
            "SELECT id, opened_ms, event FROM audit_intents WHERE opened_ms <= $1 ORDER BY id",
        )
        .bind(cutoff)
        .fetch_all(self.pool())
        .await?;
        let mut recorded = 0;
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let opened_ms: i64 = row.try_get("opened_ms")?;
            let event: String = row.try_get("event")?;
            let Ok(mut entry) = serde_json::from_str::<KeptEntry>(&event) else {
                // Only a damaged database gets here; the row stays for a person to look at.
                tracing::error!(intent = id, "unreadable audit intent left in place");
                continue;
            };
            if entry.changes.is_empty() {
                // A task (password, addresses, groups, quota, state): nothing a DescribeUser
                // could confirm. Its record keeps what it was about.
                entry.outcome = Outcome::Unconfirmed;
                entry.detail = Some(format!(
                    "{}; recorded by reconciliation: whether it reached the directory is unknown",
                    entry.detail.as_deref().unwrap_or("a task")
                ));
                if self.close(id, &entry, opened_ms).await? {
                    tracing::warn!(intent = id, "reconciled an open task intent as unconfirmed");
                    recorded += 1;
                }
                continue;
            }
            let Some(confirmed) = self.confirm(directory, &entry).await else {
                continue; // the directory can't be read now; try again next time
            };
            entry.outcome = if confirmed {
                Outcome::Saved
            } else {
                Outcome::Unconfirmed
            };
            entry.detail = Some(if confirmed {
                "recorded by reconciliation: the directory holds every value of the save".into()
            } else {
                "recorded by reconciliation: the directory does not show every value of the \
                 save (changed since, not applied, or not comparable)"
                    .into()
            });
            // The record keeps the time the save began.
            if self.close(id, &entry, opened_ms).await? {
                tracing::warn!(
                    intent = id,
                    outcome = entry.outcome.name(),
                    user = entry.target_id.as_deref().unwrap_or("-"),
                    "reconciled an open audit intent into a record"
                );
                recorded += 1;
            }
        }
        Ok(recorded)
    }

    /// How many intents are open: saves on their way to the directory, and any the
    /// reconciliation could not close yet.
    pub async fn open_intents(&self) -> Result<usize, sqlx::Error> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_intents")
            .fetch_one(self.pool())
            .await?;
        Ok(usize::try_from(count).unwrap_or_default())
    }

    /// Whether the directory holds every new value of the save; `None` when it can't be read.
    async fn confirm(&self, directory: &dyn Directory, entry: &KeptEntry) -> Option<bool> {
        let Some(user) = entry.target_id.as_deref() else {
            return Some(false);
        };
        let profile = match directory.describe_user(user).await {
            Ok(profile) => profile,
            // Worth waiting for: the directory may answer later.
            Err(error)
                if matches!(
                    error.kind,
                    DirectoryErrorKind::Unavailable
                        | DirectoryErrorKind::Throttled
                        | DirectoryErrorKind::Timeout
                        | DirectoryErrorKind::Unreachable
                        | DirectoryErrorKind::AuthenticationFailed
                        | DirectoryErrorKind::NoCredentials
                        | DirectoryErrorKind::OrganizationState
                ) =>
            {
                tracing::warn!(%error, user, "cannot reconcile an audit intent yet");
                return None;
            }
            // It will never be confirmed: record it as unconfirmed now.
            Err(error) => {
                tracing::warn!(%error, user, "audit intent recorded unconfirmed");
                return Some(false);
            }
        };
        Some(entry.changes.iter().all(|change| {
            change.mode != ValueMode::Redacted
                && self
                    .modes
                    .keep_value(change.field, profile.values.get(change.field))
                    == change.new
        }))
    }
}

/// Reconciles intents older than `min_age` at start-up and then every `period`.
pub fn spawn(
    audit: SqlAuditLog,
    directory: Arc<dyn Directory>,
    period: Duration,
    min_age: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        loop {
            interval.tick().await;
            if let Err(error) = audit.reconcile(&*directory, min_age).await {
                tracing::error!(%error, "audit reconciliation failed; will try again");
            }
            match audit.open_intents().await {
                Ok(open) => crate::metrics::open_intents(open),
                Err(error) => tracing::warn!(%error, "cannot count the open audit intents"),
            }
        }
    })
}
