//! The portal database: accounts and the audit log (sessions live beside them, through
//! tower-sessions-sqlx-store).
//!
//! SQLite by default (a file in the data directory, nothing to install), PostgreSQL when
//! `PORTAL_DATABASE_URL` is a `postgres://` URL. Both go through one sqlx `Any` pool, so every
//! query is written once, with `$1`-style parameters that both understand. Each backend has its
//! own migrations (`migrations/sqlite`, `migrations/postgres`) because their DDL differs.
//! The two reads every signed-in request makes on a SQLite file are the exception: they run on
//! the calling thread (`readers`).

mod accounts;
mod readers;
mod save_locks;

pub use accounts::{
    Account, AccountError, AccountStore, NewAccount, SsoIdentity, SsoSignIn, validate_login,
};
pub use readers::SqliteReaders;
pub use save_locks::SaveLocks;

use crate::config::PortalConfig;
use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, Executor};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which engine the portal database runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The open portal database.
#[derive(Clone, Debug)]
pub struct Database {
    pub pool: AnyPool,
    pub backend: Backend,
    /// The URL it was opened with (sessions open their own typed pool from it).
    pub url: String,
    /// For a SQLite file: connections for the reads every request makes (session, account).
    pub readers: Option<Arc<SqliteReaders>>,
}

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
    #[error("cannot open {target} for reading: {source}")]
    Readers {
        target: String,
        source: rusqlite::Error,
    },
}

/// The database URL the configuration asks for: `PORTAL_DATABASE_URL`, or a SQLite file in
/// the data directory.
pub fn database_url(config: &PortalConfig) -> String {
    match &config.database_url {
        Some(url) => url.clone(),
        None => format!(
            "sqlite://{}?mode=rwc",
            config.data_dir.join("portal.sqlite3").display()
        ),
    }
}

/// The engine a URL names.
pub fn backend_of(url: &str) -> Backend {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// Opens (creating if needed) the portal database and brings its schema up to date.
pub async fn open(config: &PortalConfig) -> Result<Database, DatabaseError> {
    open_url(&database_url(config)).await
}

/// Opens the database at `url` and migrates it.
pub async fn open_url(url: &str) -> Result<Database, DatabaseError> {
    sqlx::any::install_default_drivers();
    let backend = backend_of(url);
    let target = redact_password(url);
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |connection, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers run beside the writer; NORMAL is durable in WAL mode
                    // except for the last commits before a power loss.
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = NORMAL",
                        "PRAGMA busy_timeout = 5000",
                        "PRAGMA foreign_keys = ON",
                    ] {
                        connection.execute(pragma).await?;
                    }
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .map_err(|source| DatabaseError::Open {
            target: target.clone(),
            source,
        })?;
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    migrator
        .run(&pool)
        .await
        .map_err(|source| DatabaseError::Migrate {
            target: target.clone(),
            source,
        })?;
    let readers = match sqlite_file(url) {
        Some(path) => {
            Some(Arc::new(SqliteReaders::open(&path).map_err(|source| {
                DatabaseError::Readers { target, source }
            })?))
        }
        None => None,
    };
    Ok(Database {
        pool,
        backend,
        url: url.to_owned(),
        readers,
    })
}

/// The file of a SQLite URL, once it exists (an in-memory database has none).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    if backend_of(url) != Backend::Sqlite {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    path.is_file().then(|| path.to_path_buf())
}

/// The URL without its password, for messages.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_follows_the_url_scheme() {
        assert_eq!(backend_of("postgres://db/portal"), Backend::Postgres);
        assert_eq!(backend_of("postgresql://db/portal"), Backend::Postgres);
        assert_eq!(backend_of("sqlite://portal.sqlite3"), Backend::Sqlite);
    }

    #[test]
    fn messages_never_show_a_password() {
        assert_eq!(
            redact_password("postgres://portal:s3cret@db:5432/portal"),
            "postgres://portal:***@db:5432/portal"
        );
        assert_eq!(redact_password("sqlite://x.db"), "sqlite://x.db");
    }
}
