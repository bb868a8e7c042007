//! The retention job (`PORTAL_AUDIT_RETENTION_DAYS`): the only thing that deletes audit
//! records, and it logs what it removed.

use super::{SqlAuditLog, now_ms};
use std::time::Duration;

impl SqlAuditLog {
    /// Deletes records older than `keep`; returns how many.
    pub async fn remove_older_than(&self, keep: Duration) -> Result<u64, sqlx::Error> {
        let cutoff = now_ms() - i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "DELETE FROM audit_changes WHERE event_id IN \
             (SELECT id FROM audit_events WHERE at_ms < $1)",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
        let removed = sqlx::query("DELETE FROM audit_events WHERE at_ms < $1")
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        if removed > 0 {
            tracing::warn!(
                removed,
                older_than_days = keep.as_secs() / 86_400,
                "retention: removed audit records"
            );
        }
        Ok(removed)
    }
}

/// Runs the retention job now and then every hour.
pub fn spawn(audit: SqlAuditLog, keep: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(3600));
        loop {
            interval.tick().await;
            if let Err(error) = audit.remove_older_than(keep).await {
                tracing::error!(%error, "audit retention failed; will try again");
            }
        }
    })
}
