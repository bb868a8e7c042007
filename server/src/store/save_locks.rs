//! The save locks ([`app::ports::SaveLocks`]): the portal's saves of one user run one at a
//! time. Within a portal, striped mutexes in memory; with a PostgreSQL portal database, also a
//! session advisory lock, so that replicas sharing the database exclude each other too.
//!
//! The advisory locks live on a small pool of their own, so that saves waiting for one can
//! never starve the requests that need the portal database (sessions, accounts, the audit
//! log); only one save per stripe of a portal waits in PostgreSQL, the others wait in memory.
//! A lock is taken by a task that owns its connection: if the save gives up (its deadline, or
//! the request was dropped) the task still releases the lock once it gets it.

use super::{Backend, Database};
use app::ports::{AuditError, BoxFuture, SaveLock};
use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, oneshot};

/// The first key of every advisory lock the portal takes ("WPSV"), so that its locks cannot
/// collide with another application's on the same database.
const ADVISORY_NAMESPACE: i32 = 0x5750_5356;
/// How many mutexes share the users on one portal: two users on one stripe only wait for each
/// other's saves, which is harmless.
const STRIPES: usize = 64;
/// Connections for advisory locks, per portal.
const LOCK_CONNECTIONS: u32 = 4;
/// How long a save waits for its user's lock before it gives up (503).
const LOCK_DEADLINE: Duration = Duration::from_secs(30);

/// The save locks of a portal database.
#[derive(Clone, Debug)]
pub struct SaveLocks {
    stripes: Arc<[Arc<Mutex<()>>]>,
    /// With PostgreSQL: the pool the advisory locks are taken on.
    advisory: Option<AnyPool>,
}

impl SaveLocks {
    /// The locks that fit `database`.
    pub async fn for_database(database: &Database) -> Result<Self, sqlx::Error> {
        let advisory = match database.backend {
            Backend::Postgres => Some(
                AnyPoolOptions::new()
                    .max_connections(LOCK_CONNECTIONS)
                    .connect(&database.url)
                    .await?,
            ),
            Backend::Sqlite => None,
        };
        Ok(Self {
            advisory,
            ..Self::local()
        })
    }

    /// Locks in this process only.
    pub fn local() -> Self {
        Self {
            stripes: (0..STRIPES).map(|_| Arc::new(Mutex::new(()))).collect(),
            advisory: None,
        }
    }
}

/// A user id's lock key: the first bytes of its SHA-256, the same on every replica.
fn key(user_id: &str) -> [u8; 8] {
    let digest = Sha256::digest(user_id.as_bytes());
    let mut key = [0; 8];
    key.copy_from_slice(&digest[..8]);
    key
}

/// A user's lock: its stripe in this portal and, with PostgreSQL, the advisory lock.
struct Held {
    _stripe: tokio::sync::OwnedMutexGuard<()>,
    _advisory: Option<AdvisoryLock>,
}

impl app::ports::SaveLocks for SaveLocks {
    fn lock<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<SaveLock, AuditError>> {
        let key = key(user_id);
        Box::pin(async move {
            let acquire = async {
                let stripe = usize::from(key[0]) % self.stripes.len().max(1);
                let mutex = self
                    .stripes
                    .get(stripe)
                    .ok_or_else(|| AuditError("no save-lock stripes".into()))?;
                let stripe = Arc::clone(mutex).lock_owned().await;
                let advisory = match &self.advisory {
                    Some(pool) => Some(advisory_lock(pool.clone(), key).await?),
                    None => None,
                };
                Ok(SaveLock::new(Held {
                    _stripe: stripe,
                    _advisory: advisory,
                }))
            };
            tokio::time::timeout(LOCK_DEADLINE, acquire)
                .await
                .unwrap_or_else(|_| Err(AuditError("the user's save lock is busy".into())))
        })
    }
}

/// Takes the advisory lock of `key` in a task of its own that owns the connection: if nobody
/// waits for the lock any more when it is granted, the task releases it at once.
async fn advisory_lock(pool: AnyPool, key: [u8; 8]) -> Result<AdvisoryLock, AuditError> {
    let object = i32::from_be_bytes([key[0], key[1], key[2], key[3]]);
    let (granted, wanted) = oneshot::channel();
    tokio::spawn(async move {
        let mut connection = match pool.acquire().await {
            Ok(connection) => connection,
            Err(error) => {
                let _ = granted.send(Err(store_error(error)));
                return;
            }
        };
        let locked = sqlx::query("SELECT pg_advisory_lock($1, $2)")
            .bind(ADVISORY_NAMESPACE)
            .bind(object)
            .execute(&mut *connection)
            .await;
        let lock = match locked {
            Ok(_) => AdvisoryLock {
                connection: Some(connection),
                object,
            },
            Err(error) => {
                let _ = granted.send(Err(store_error(error)));
                return;
            }
        };
        // Nobody waits any more: dropping the lock releases it.
        let _ = granted.send(Ok(lock));
    });
    wanted
        .await
        .unwrap_or_else(|_| Err(AuditError("the save-lock task ended".into())))
}

fn store_error(error: sqlx::Error) -> AuditError {
    AuditError(format!("save lock: {error}"))
}

/// A held advisory lock: the connection that holds it, unlocked when dropped (and released by
/// PostgreSQL itself should the process die, as the connection closes).
struct AdvisoryLock {
    connection: Option<sqlx::pool::PoolConnection<sqlx::Any>>,
    object: i32,
}

impl Drop for AdvisoryLock {
    fn drop(&mut self) {
        let Some(mut connection) = self.connection.take() else {
            return;
        };
        let object = self.object;
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to unlock on: closing the connection releases the lock.
            drop(connection.detach());
            return;
        };
        runtime.spawn(async move {
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
