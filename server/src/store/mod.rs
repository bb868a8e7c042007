//! The portal database: accounts (and, through tower-sessions-sqlx-store, sessions).
//!
//! SQLite by default (a file in the data directory, nothing to install). The SQL is kept
//! portable so a PostgreSQL pool can be added behind the same [`AccountStore`] API.

mod accounts;

pub use accounts::{Account, AccountError, AccountStore, NewAccount, validate_login};

use crate::config::PortalConfig;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// The schema migrations, compiled into the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Why the portal database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot open {target}: {source}")]
    Open { target: String, source: sqlx::Error },
    #[error("cannot migrate {target}: {source}")]
    Migrate {
        target: String,
        source: sqlx::migrate::MigrateError,
    },
}

/// Opens (creating if needed) the portal database and brings its schema up to date.
pub async fn open(config: &PortalConfig) -> Result<SqlitePool, DatabaseError> {
    let (options, target) = match &config.database_url {
        Some(url) => (
            SqliteConnectOptions::from_str(url).map_err(|source| DatabaseError::Open {
                target: url.clone(),
                source,
            })?,
            url.clone(),
        ),
        None => {
            let path = config.data_dir.join("portal.sqlite3");
            let target = path.display().to_string();
            (SqliteConnectOptions::new().filename(path), target)
        }
    };
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|source| DatabaseError::Open {
            target: target.clone(),
            source,
        })?;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|source| DatabaseError::Migrate { target, source })?;
    Ok(pool)
}
