//! Every replica's directory index shows every save at once: on PostgreSQL, the audit record
//! of a change that reached the directory sends a notice (NOTIFY, in the record's own
//! transaction) naming the user; each other replica LISTENs, re-reads that user from the
//! directory and puts them into its index. A listener that lost its connection may have missed
//! notices, so once it is back it refreshes the whole index.

use app::directory_index::DirectoryIndex;
use app::ports::Directory;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use std::sync::Arc;
use std::time::Duration;

/// The notification channel (per database: portals on different databases never hear each
/// other).
const CHANNEL: &str = "workmail_portal_saves";

/// What a notice carries: who saved (a replica skips its own) and whom. No field values: the
/// receiver reads the user from the directory, so the index holds what the directory holds
/// even when two saves' notices cross.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct SaveNotice {
    replica: String,
    user_id: String,
}

/// A name for this replica in its notices: random, new at every start.
pub fn replica_name() -> String {
    format!("{:016x}", fastrand::u64(..))
}

/// Sends the notice inside `tx`; PostgreSQL delivers it when `tx` commits.
pub(crate) async fn announce(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    replica: &str,
    user_id: &str,
) -> Result<(), sqlx::Error> {
    let notice = SaveNotice {
        replica: replica.to_owned(),
        user_id: user_id.to_owned(),
    };
    let payload = serde_json::to_string(&notice).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Listens to the other replicas' saves. Connected before the index's first refresh, so that
/// no save between the two is missed.
pub struct SaveListener {
    listener: PgListener,
    database_url: String,
    replica: String,
}

async fn subscribe(database_url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

impl SaveListener {
    pub async fn connect(database_url: &str, replica: &str) -> Result<Self, sqlx::Error> {
        Ok(Self {
            listener: subscribe(database_url).await?,
            database_url: database_url.to_owned(),
            replica: replica.to_owned(),
        })
    }

    /// A new connection, once the database answers again (tried every second).
    async fn resubscribe(&mut self) {
        loop {
            match subscribe(&self.database_url).await {
                Ok(listener) => {
                    self.listener = listener;
                    return;
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot listen to save notices; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Applies every other replica's save to `index` for as long as the portal runs.
    pub fn spawn(
        mut self,
        index: Arc<DirectoryIndex>,
        directory: Arc<dyn Directory>,
        departments: bool,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.listener.try_recv().await {
                    Ok(Some(notification)) => {
                        let Ok(notice) = serde_json::from_str::<SaveNotice>(notification.payload())
                        else {
                            tracing::warn!("an unreadable save notice was ignored");
                            continue;
                        };
                        if notice.replica != self.replica {
                            apply(&index, &*directory, &notice.user_id).await;
                        }
                    }
                    // The connection was lost (`None`) or broke: notices sent meanwhile are
                    // gone. Listen again first, then read everything, so none falls between.
                    lost => {
                        if let Err(error) = lost {
                            tracing::warn!(%error, "the save notices' connection broke");
                        }
                        self.resubscribe().await;
                        tracing::info!("listening to save notices again; refreshing the index");
                        let _ = crate::background::refresh_index(&index, &*directory, departments)
                            .await;
                    }
                }
            }
        })
    }
}

/// Re-reads one saved user into the index. If the directory cannot say, the next refresh will.
async fn apply(index: &DirectoryIndex, directory: &dyn Directory, user_id: &str) {
    match directory.describe_user(user_id).await {
        Ok(profile) => index.update(&profile),
        Err(error) => {
            tracing::warn!(%error, user_id, "cannot read a user another replica saved");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_names_the_replica_and_the_user_only() {
        let notice = SaveNotice {
            replica: "a1".into(),
            user_id: "u-1".into(),
        };
        let json = serde_json::to_string(&notice).expect("json");
        assert_eq!(json, r#"{"replica":"a1","user_id":"u-1"}"#);
        assert_eq!(serde_json::from_str::<SaveNotice>(&json).ok(), Some(notice));
        assert_ne!(replica_name(), replica_name());
    }
}
