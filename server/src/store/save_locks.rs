//! The save locks ([`app::ports::SaveLocks`]): the portal's saves of one user run one at a
//! time. On PostgreSQL, a session advisory lock, so that replicas sharing the database exclude
//! each other too; on SQLite (one portal), striped mutexes in memory.

use super::{Backend, Database};
use app::ports::{AuditError, BoxFuture, SaveLock};
use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use sqlx::pool::PoolConnection;
use std::sync::Arc;
use tokio::sync::Mutex;

/// The first key of every advisory lock the portal takes ("WPSV"), so that its locks cannot
/// collide with another application's on the same database.
const ADVISORY_NAMESPACE: i32 = 0x5750_5356;
/// How many mutexes share the users on one portal: two users on one stripe only wait for each
/// other's saves, which is harmless.
const STRIPES: usize = 64;

/// The save locks of a portal database.
#[derive(Clone, Debug)]
pub enum SaveLocks {
    /// In this process.
    Local(Arc<[Arc<Mutex<()>>]>),
    /// PostgreSQL advisory locks, across every portal on the database.
    Advisory(AnyPool),
}

impl SaveLocks {
    /// The locks that fit `database`.
    pub fn for_database(database: &Database) -> Self {
        match database.backend {
            Backend::Postgres => Self::Advisory(database.pool.clone()),
            Backend::Sqlite => Self::local(),
        }
    }

    /// Locks in this process only.
    pub fn local() -> Self {
        Self::Local((0..STRIPES).map(|_| Arc::new(Mutex::new(()))).collect())
    }
}

/// A user id's lock key: the first bytes of its SHA-256, the same on every replica.
fn key(user_id: &str) -> [u8; 8] {
    let digest = Sha256::digest(user_id.as_bytes());
    let mut key = [0; 8];
    key.copy_from_slice(&digest[..8]);
    key
}

impl app::ports::SaveLocks for SaveLocks {
    fn lock<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<SaveLock, AuditError>> {
        let key = key(user_id);
        Box::pin(async move {
            match self {
                Self::Local(stripes) => {
                    let stripe = usize::from(key[0]) % stripes.len().max(1);
                    let Some(mutex) = stripes.get(stripe) else {
                        return Err(AuditError("no save-lock stripes".into()));
                    };
                    Ok(SaveLock::new(Arc::clone(mutex).lock_owned().await))
                }
                Self::Advisory(pool) => {
                    let object = i32::from_be_bytes([key[0], key[1], key[2], key[3]]);
                    let mut connection = pool.acquire().await.map_err(store_error)?;
                    sqlx::query("SELECT pg_advisory_lock($1, $2)")
                        .bind(ADVISORY_NAMESPACE)
                        .bind(object)
                        .execute(&mut *connection)
                        .await
                        .map_err(store_error)?;
                    Ok(SaveLock::new(AdvisoryLock {
                        connection: Some(connection),
                        object,
                    }))
                }
            }
        })
    }
}

fn store_error(error: sqlx::Error) -> AuditError {
    AuditError(format!("save lock: {error}"))
}

/// A held advisory lock: the connection that holds it, unlocked when dropped (and released by
/// PostgreSQL itself should the process die, as the connection closes).
struct AdvisoryLock {
    connection: Option<PoolConnection<sqlx::Any>>,
    object: i32,
}

impl Drop for AdvisoryLock {
    fn drop(&mut self) {
        let Some(mut connection) = self.connection.take() else {
            return;
        };
        let object = self.object;
        tokio::spawn(async move {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1, $2)")
                .bind(ADVISORY_NAMESPACE)
                .bind(object)
                .execute(&mut *connection)
                .await;
            if let Err(error) = unlocked {
                // Closing the connection releases the lock instead.
                tracing::warn!(%error, "cannot release a save lock; closing its connection");
                let _ = connection.close().await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::ports::SaveLocks as _;
    use std::time::Duration;

    /// A second save of the same user waits for the first; another user's does not.
    #[tokio::test]
    async fn a_users_saves_take_turns() {
        let locks = SaveLocks::local();
        let first = locks.lock("u-1").await.expect("lock");
        let waiting = {
            let locks = locks.clone();
            tokio::spawn(async move { locks.lock("u-1").await.map(drop) })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "the second save of u-1 waits");
        drop(first);
        waiting.await.expect("task").expect("lock");
    }
}
