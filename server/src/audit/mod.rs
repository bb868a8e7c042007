//! The audit log in the portal database (SQLite or PostgreSQL through one sqlx `Any` pool).
//!
//! - Append-only: records go into `audit_events` and `audit_changes` and are never updated;
//!   only the retention job ([`retention`]) deletes, and it logs what it removed.
//! - Every field's values are kept as its [`ValueMode`] says (`values`).
//! - A save that writes to the directory first opens an intent (`audit_intents`). Closing it
//!   writes the record and deletes the intent in one transaction. An intent left open (the
//!   audit store failed after the directory call, or the process died) is turned into a
//!   record by [`reconcile`], at start-up and every minute after. So a change that reached the
//!   directory is never missing from the log: at worst it is recorded late, as `unconfirmed`
//!   when the directory no longer shows every value the save wrote.

pub mod export;
pub mod reconcile;
pub mod retention;
mod values;

pub use values::{ValueModes, parse_field_list};

use app::domain::{
    AuditEntry, AuditFilter, AuditPage, AuditRecord, Field, FieldChange, Outcome, ValueMode,
};
use app::ports::{AuditError, AuditLog, BoxFuture};
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use std::time::{SystemTime, UNIX_EPOCH};

/// An audit entry with its values already in their value modes: what the database holds
/// (and what an intent keeps, as JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct KeptEntry {
    outcome: Outcome,
    account: String,
    client: Option<String>,
    request_id: String,
    target_id: Option<String>,
    target_email: Option<String>,
    detail: Option<String>,
    changes: Vec<FieldChange>,
}

/// The audit log on the portal database.
#[derive(Clone, Debug)]
pub struct SqlAuditLog {
    pool: AnyPool,
    modes: ValueModes,
    /// On PostgreSQL: this replica's name in the notice each save sends the others
    /// ([`crate::replicas::save_notices`]).
    announce_as: Option<std::sync::Arc<str>>,
}

fn store_error(error: impl std::fmt::Display) -> AuditError {
    AuditError(error.to_string())
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

impl SqlAuditLog {
    /// The audit log on `pool` (already migrated), keeping values as `modes` says; the key for
    /// hashed values is created on first use and shared by every portal on the database.
    pub async fn open(pool: AnyPool, mut modes: ValueModes) -> Result<Self, AuditError> {
        sqlx::query(
            "INSERT INTO audit_settings (name, value) VALUES ('hash_key', $1) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(values::new_key())
        .execute(&pool)
        .await
        .map_err(store_error)?;
        let key: String = sqlx::query_scalar("SELECT value FROM audit_settings WHERE name = $1")
            .bind("hash_key")
            .fetch_one(&pool)
            .await
            .map_err(store_error)?;
        modes.set_key(&key);
        Ok(Self {
            pool,
            modes,
            announce_as: None,
        })
    }

    /// Makes every record of a change that reached the directory notify the other replicas
    /// (PostgreSQL only), in the transaction that writes the record.
    pub fn announcing_saves(self, replica: &str) -> Self {
        Self {
            announce_as: Some(replica.into()),
            ..self
        }
    }

    /// The pool (for the retention job and reconciliation).
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    fn keep(&self, entry: &AuditEntry) -> KeptEntry {
        KeptEntry {
            outcome: entry.outcome.unwrap_or(Outcome::Invalid),
            account: entry.account.clone(),
            client: entry.client.clone(),
            request_id: entry.request_id.clone(),
            target_id: entry.target_id.clone(),
            target_email: entry.target_email.clone(),
            detail: entry.detail.clone(),
            changes: entry.changes.iter().map(|c| self.modes.keep(c)).collect(),
        }
    }

    /// Inserts one record inside `tx`.
    async fn insert(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        entry: &KeptEntry,
        at_ms: i64,
    ) -> Result<(), sqlx::Error> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_events (at_ms, outcome, account, client, request_id, target_id, \
             target_email, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(at_ms)
        .bind(entry.outcome.name())
        .bind(&entry.account)
        .bind(&entry.client)
        .bind(&entry.request_id)
        .bind(&entry.target_id)
        .bind(&entry.target_email)
        .bind(&entry.detail)
        .fetch_one(&mut **tx)
        .await?;
        for (position, change) in entry.changes.iter().enumerate() {
            sqlx::query(
                "INSERT INTO audit_changes (event_id, position, field, mode, old_value, \
                 new_value) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(change.field.api_name())
            .bind(change.mode.name())
            .bind(&change.old)
            .bind(&change.new)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    async fn append(&self, entry: &KeptEntry) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        Self::insert(&mut tx, entry, now_ms()).await?;
        tx.commit().await
    }

    /// Deletes intent `intent` and writes its record, stamped `at_ms`, in one transaction;
    /// unless someone (the save, or a reconciliation) closed the intent first. Returns whether
    /// this call wrote the record, so a save gets exactly one whoever closes it.
    async fn close(&self, intent: i64, entry: &KeptEntry, at_ms: i64) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query("DELETE FROM audit_intents WHERE id = $1")
            .bind(intent)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        Self::insert(&mut tx, entry, at_ms).await?;
        if let (Some(replica), Some(user_id)) = (&self.announce_as, &entry.target_id)
            && entry.outcome.reached_directory()
        {
            // Delivered when the transaction commits, so never for a save left unrecorded.
            crate::replicas::save_notices::announce(&mut tx, replica, user_id).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn find(&self, filter: &AuditFilter, limit: usize) -> Result<AuditPage, sqlx::Error> {
        let mut clauses: Vec<String> = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        let param = |value: Bind, binds: &mut Vec<Bind>| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if let Some(account) = &filter.account {
            clauses.push(format!(
                "account = {}",
                param(Bind::Text(account.clone()), &mut binds)
            ));
        }
        if let Some(target) = &filter.target {
            let id = param(Bind::Text(target.clone()), &mut binds);
            let email = param(Bind::Text(target.to_lowercase()), &mut binds);
            clauses.push(format!(
                "(target_id = {id} OR LOWER(target_email) = {email})"
            ));
        }
        if let Some(field) = filter.field {
            let field = param(Bind::Text(field.api_name().to_owned()), &mut binds);
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM audit_changes c WHERE c.event_id = audit_events.id \
                 AND c.field = {field})"
            ));
        }
        if let Some(outcome) = filter.outcome {
            clauses.push(format!(
                "outcome = {}",
                param(Bind::Text(outcome.name().to_owned()), &mut binds)
            ));
        }
        if filter.reached_directory_only {
            let reached: Vec<String> = Outcome::ALL
                .into_iter()
                .filter(|o| o.reached_directory())
                .map(|o| param(Bind::Text(o.name().to_owned()), &mut binds))
                .collect();
            clauses.push(format!("outcome IN ({})", reached.join(", ")));
        }
        let (from, until) = filter.time_range_ms();
        if let Some(from) = from {
            clauses.push(format!("at_ms >= {}", param(Bind::Int(from), &mut binds)));
        }
        if let Some(until) = until {
            clauses.push(format!("at_ms < {}", param(Bind::Int(until), &mut binds)));
        }
        if let Some(before) = filter.before {
            clauses.push(format!("id < {}", param(Bind::Int(before), &mut binds)));
        }
        let wanted = limit.max(1);
        let mut sql = "SELECT id, at_ms, outcome, account, client, request_id, target_id, \
                       target_email, detail FROM audit_events"
            .to_owned();
        if !clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&clauses.join(" AND "));
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", wanted + 1));
        let mut query = sqlx::query(&sql);
        for bind in binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(number) => query.bind(number),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut records = Vec::with_capacity(rows.len());
        for row in rows.iter().take(wanted) {
            let outcome: String = row.try_get("outcome")?;
            records.push(AuditRecord {
                id: row.try_get("id")?,
                at_ms: row.try_get("at_ms")?,
                outcome: Outcome::from_name(&outcome).unwrap_or(Outcome::Invalid),
                account: row.try_get("account")?,
                client: row.try_get("client")?,
                request_id: row.try_get("request_id")?,
                target_id: row.try_get("target_id")?,
                target_email: row.try_get("target_email")?,
                detail: row.try_get("detail")?,
                changes: Vec::new(),
            });
        }
        self.attach_changes(&mut records).await?;
        let older = (rows.len() > wanted)
            .then(|| records.last().map(|r| r.id))
            .flatten();
        Ok(AuditPage { records, older })
    }

    /// Loads the field changes of `records` in one query.
    async fn attach_changes(&self, records: &mut [AuditRecord]) -> Result<(), sqlx::Error> {
        if records.is_empty() {
            return Ok(());
        }
        // The ids come from the database as integers: safe to write into the statement.
        let ids: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
        let sql = format!(
            "SELECT event_id, field, mode, old_value, new_value FROM audit_changes \
             WHERE event_id IN ({}) ORDER BY event_id, position",
            ids.join(", ")
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        for row in rows {
            let event_id: i64 = row.try_get("event_id")?;
            let field: String = row.try_get("field")?;
            let mode: String = row.try_get("mode")?;
            let (Some(field), Some(record)) = (
                Field::from_api_name(&field),
                records.iter_mut().find(|r| r.id == event_id),
            ) else {
                continue;
            };
            record.changes.push(FieldChange {
                field,
                mode: ValueMode::from_name(&mode).unwrap_or(ValueMode::Redacted),
                old: row.try_get("old_value")?,
                new: row.try_get("new_value")?,
            });
        }
        Ok(())
    }
}

/// A query parameter of the dynamic search.
enum Bind {
    Text(String),
    Int(i64),
}

impl AuditLog for SqlAuditLog {
    fn pseudonym(&self, text: &str) -> String {
        self.modes.hash(text)
    }

    fn record(&self, entry: AuditEntry) -> BoxFuture<'_, Result<(), AuditError>> {
        Box::pin(async move {
            let kept = self.keep(&entry);
            self.append(&kept).await.map_err(store_error)?;
            if let Some(outcome) = entry.outcome {
                crate::metrics::audited(outcome);
            }
            Ok(())
        })
    }

    fn open_intent<'a>(&'a self, entry: &'a AuditEntry) -> BoxFuture<'a, Result<i64, AuditError>> {
        Box::pin(async move {
            let kept = serde_json::to_string(&self.keep(entry)).map_err(store_error)?;
            sqlx::query_scalar(
                "INSERT INTO audit_intents (opened_ms, event) VALUES ($1, $2) RETURNING id",
            )
            .bind(now_ms())
            .bind(kept)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)
        })
    }

    fn close_intent(
        &self,
        intent: i64,
        entry: AuditEntry,
    ) -> BoxFuture<'_, Result<(), AuditError>> {
        Box::pin(async move {
            let kept = self.keep(&entry);
            if !self
                .close(intent, &kept, now_ms())
                .await
                .map_err(store_error)?
            {
                tracing::warn!(
                    intent,
                    "audit intent was already reconciled; its record stands"
                );
            } else if let Some(outcome) = entry.outcome {
                crate::metrics::audited(outcome);
            }
            Ok(())
        })
    }

    fn search<'a>(
        &'a self,
        filter: &'a AuditFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<AuditPage, AuditError>> {
        Box::pin(async move { self.find(filter, limit).await.map_err(store_error) })
    }
}
