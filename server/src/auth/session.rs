//! Sessions: tower-sessions with the store chosen by configuration, and a typed wrapper so
//! the rest of the code never handles session keys.

use crate::config::{PortalConfig, SessionStoreSetting};
use crate::store::{Account, Backend, Database, SqliteReaders};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions::{Expiry, MemoryStore, Session, SessionManagerLayer, SessionStore};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::Pool as RedisPool;
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The session cookie's name over plain http.
pub const COOKIE_NAME: &str = "portal_session";
/// The session cookie's name behind https.
pub const SECURE_COOKIE_NAME: &str = "__Host-portal_session";
const AUTH_KEY: &str = "portal.auth";
const SSO_PENDING_KEY: &str = "portal.sso_pending";

/// Where sessions live: the portal database (SQLite or PostgreSQL), memory or Redis
/// (`PORTAL_SESSION_STORE`). On a SQLite file, sessions are loaded on the calling thread by the
/// database's readers (see `store::readers`). Redis expires sessions itself; their keys are
/// the bare session ids (tower-sessions-redis-store has no prefix), so a Redis shared with
/// other applications is best given a database of its own (`redis://host:6379/2`).
#[derive(Clone, Debug)]
pub enum SessionBackend {
    Sqlite(SqliteStore, Option<Arc<SqliteReaders>>),
    Postgres(PostgresStore),
    Memory(MemoryStore),
    Redis(RedisStore<RedisPool>),
}

/// Runs `$call` on whichever store the backend holds.
macro_rules! on_store {
    ($backend:expr, $store:ident => $call:expr) => {
        match $backend {
            SessionBackend::Sqlite($store, _) => $call,
            SessionBackend::Postgres($store) => $call,
            SessionBackend::Memory($store) => $call,
            SessionBackend::Redis($store) => $call,
        }
    };
}

impl SessionBackend {
    /// The store the configuration asks for; the database store's table is created if needed.
    /// tower-sessions-sqlx-store needs a pool typed for its engine, so it gets its own small
    /// pool on the portal database. `redis` is the replicas' Redis, when configured.
    pub async fn open(
        config: &PortalConfig,
        database: &Database,
        redis: Option<&RedisPool>,
    ) -> Result<Self, sqlx::Error> {
        match (config.session_store, database.backend) {
            (SessionStoreSetting::Redis, _) => match redis {
                Some(redis) => Ok(SessionBackend::Redis(RedisStore::new(redis.clone()))),
                None => Err(sqlx::Error::Configuration(
                    "PORTAL_SESSION_STORE=redis needs PORTAL_REDIS_URL".into(),
                )),
            },
            (SessionStoreSetting::Database, Backend::Sqlite) => {
                let options: sqlx::sqlite::SqliteConnectOptions = database.url.parse()?;
                let pool = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(
                        options
                            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                            .busy_timeout(Duration::from_secs(5)),
                    )
                    .await?;
                let store = SqliteStore::new(pool);
                store.migrate().await?;
                Ok(SessionBackend::Sqlite(store, database.readers.clone()))
            }
            (SessionStoreSetting::Database, Backend::Postgres) => {
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(4)
                    .connect(&database.url)
                    .await?;
                let store = PostgresStore::new(pool);
                store.migrate().await?;
                Ok(SessionBackend::Postgres(store))
            }
            (SessionStoreSetting::Memory, _) => Ok(SessionBackend::Memory(MemoryStore::default())),
        }
    }

    /// Whether the store answers (readiness): reads a session that does not exist.
    pub async fn ping(&self) -> Result<(), String> {
        on_store!(self, store => store.load(&Id::default()).await)
            .map(|_| ())
            .map_err(|error| error.to_string())
    }

    /// Deletes expired sessions every `period` (the memory store forgets them on load, Redis
    /// expires them).
    pub fn spawn_cleanup(&self, period: Duration) -> Option<tokio::task::JoinHandle<()>> {
        if matches!(self, SessionBackend::Memory(_) | SessionBackend::Redis(_)) {
            return None;
        }
        let backend = self.clone();
        Some(tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            loop {
                interval.tick().await;
                let deleted = match &backend {
                    SessionBackend::Sqlite(store, _) => store.delete_expired().await,
                    SessionBackend::Postgres(store) => store.delete_expired().await,
                    SessionBackend::Memory(_) | SessionBackend::Redis(_) => Ok(()),
                };
                if let Err(error) = deleted {
                    tracing::warn!(%error, "could not delete expired sessions");
                }
            }
        }))
    }
}

/// Every failure of the store is counted (`portal_session_store_errors_total`).
#[async_trait::async_trait]
impl SessionStore for SessionBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        counted(
            "create",
            on_store!(self, store => store.create(record).await),
        )
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        counted("save", on_store!(self, store => store.save(record).await))
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let loaded = match self {
            SessionBackend::Sqlite(_, Some(readers)) => load_on_thread(readers, id),
            _ => on_store!(self, store => store.load(id).await),
        };
        counted("load", loaded)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        counted("delete", on_store!(self, store => store.delete(id).await))
    }
}

fn counted<T>(
    operation: &'static str,
    result: session_store::Result<T>,
) -> session_store::Result<T> {
    if result.is_err() {
        crate::metrics::session_store_error(operation);
    }
    result
}

/// Loads a session record as tower-sessions-sqlx-store's `SqliteStore` keeps it (its table, its
/// MessagePack encoding; the test below holds the two together), on the calling thread.
fn load_on_thread(readers: &SqliteReaders, id: &Id) -> session_store::Result<Option<Record>> {
    use rusqlite::OptionalExtension;
    let data = readers
        .read(|connection| {
            connection
                .prepare_cached("SELECT data FROM tower_sessions WHERE id = ?1")?
                .query_row([id.to_string()], |row| row.get::<_, Vec<u8>>(0))
                .optional()
        })
        .map_err(|error| session_store::Error::Backend(error.to_string()))?;
    let Some(data) = data else {
        return Ok(None);
    };
    let record: Record = rmp_serde::from_slice(&data)
        .map_err(|error| session_store::Error::Decode(error.to_string()))?;
    Ok((record.expiry_date > time::OffsetDateTime::now_utc()).then_some(record))
}

/// The session layer: HttpOnly, SameSite=Lax, Secure behind https, expiring after the idle
/// timeout. A session is saved only when it changes; activity moves the expiry on through
/// [`PortalSession::refresh_if_due`], not through a write on every request.
pub fn layer(
    config: &PortalConfig,
    backend: SessionBackend,
) -> SessionManagerLayer<SessionBackend> {
    let idle = time::Duration::seconds(
        i64::try_from(config.session_idle_timeout.as_secs()).unwrap_or(i64::MAX),
    );
    SessionManagerLayer::new(backend)
        .with_name(cookie_name(config))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.served_over_https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
}

/// The session cookie's name: `__Host-`-prefixed behind https, so that the browser accepts it
/// only from this host, over https, for the whole site (no subdomain can set or shadow it).
pub fn cookie_name(config: &PortalConfig) -> &'static str {
    if config.served_over_https() {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// How often activity is written back to the store to move the idle expiry on: a tenth of the
/// idle timeout, at most a minute. A session thus ends between `idle - interval` and `idle`
/// after the last request, and a busy session costs one write a minute, not one per request.
pub fn refresh_interval(idle: Duration) -> Duration {
    (idle / 10).min(Duration::from_secs(60))
}

/// What a signed-in session holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionAuth {
    /// The account's id in the accounts table.
    pub account_id: i64,
    /// When the person signed in (Unix seconds), for the absolute lifetime.
    pub signed_in_at: u64,
    /// When the session was last written back for activity (Unix seconds; 0 = at sign-in).
    #[serde(default)]
    pub refreshed_at: u64,
    /// [`credentials_fingerprint`] of the password hash at sign-in: a new password ends the
    /// account's other sessions.
    #[serde(default)]
    pub credentials: String,
    /// When the person last proved who they are (Unix seconds; 0 = at sign-in): the sign-in,
    /// or a later confirmation for a sensitive change.
    #[serde(default)]
    pub authenticated_at: u64,
    /// For a single sign-on: who the provider said it was, and its ID token (the sign-out's
    /// `id_token_hint`).
    #[serde(default)]
    pub sso: Option<SsoSession>,
}

/// What a session signed in through single sign-on remembers of it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoSession {
    pub subject: String,
    pub id_token: String,
}

/// Never prints the ID token.
impl std::fmt::Debug for SsoSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSession")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// A short digest of what an account signs in with, kept in its sessions: its password hash,
/// and for a single sign-on account its issuer and subject too (their hashes are all empty, and
/// a removed account's id can be taken by a new one: the session must not follow the id).
pub fn credentials_fingerprint(account: &Account) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    digest.update(account.password_hash.as_bytes());
    if let Some(sso) = &account.sso {
        digest.update(format!("\n{}\n{}", sso.issuer, sso.subject).as_bytes());
    }
    digest.finalize()[..12]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl SessionAuth {
    /// Whether the session has outlived `lifetime` at `now` (Unix seconds).
    pub fn is_past(&self, lifetime: Duration, now: u64) -> bool {
        now.saturating_sub(self.signed_in_at) >= lifetime.as_secs()
    }

    /// When the person last proved who they are (Unix seconds). After a single sign-on that
    /// is what the provider said (`auth_time`), not when the portal's session began: the
    /// provider may have signed the person in from its own, older session.
    pub fn last_authentication(&self) -> u64 {
        if self.sso.is_some() {
            self.authenticated_at
        } else {
            self.authenticated_at.max(self.signed_in_at)
        }
    }

    /// Whether activity at `now` should be written back to move the idle expiry on.
    pub fn refresh_due(&self, idle: Duration, now: u64) -> bool {
        let last = self.refreshed_at.max(self.signed_in_at);
        now.saturating_sub(last) >= refresh_interval(idle).as_secs()
    }
}

/// The current time as Unix seconds.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The portal's view of a tower-sessions session.
#[derive(Clone, Debug)]
pub struct PortalSession(pub Session);

impl PortalSession {
    /// The signed-in account, if the session has one.
    pub async fn auth(&self) -> Result<Option<SessionAuth>, tower_sessions::session::Error> {
        self.0.get::<SessionAuth>(AUTH_KEY).await
    }

    /// Signs `account_id` in: a new session id first (an id known before sign-in is worth
    /// nothing afterwards), then the account.
    /// `authenticated_at`: when the person proved who they are, if not now (a single sign-on's
    /// `auth_time`); 0 for now.
    pub async fn sign_in(
        &self,
        account_id: i64,
        credentials: String,
        sso: Option<SsoSession>,
        authenticated_at: u64,
    ) -> Result<(), tower_sessions::session::Error> {
        self.0.cycle_id().await?;
        self.0.clear().await;
        self.0
            .insert(
                AUTH_KEY,
                SessionAuth {
                    account_id,
                    signed_in_at: unix_now(),
                    refreshed_at: 0,
                    credentials,
                    authenticated_at,
                    sso,
                },
            )
            .await
    }

    /// Notes that the person proved who they are again just now (step-up).
    pub async fn confirm_identity(
        &self,
        signed_in: SessionAuth,
    ) -> Result<(), tower_sessions::session::Error> {
        self.0
            .insert(
                AUTH_KEY,
                SessionAuth {
                    authenticated_at: unix_now(),
                    ..signed_in
                },
            )
            .await
    }

    /// Keeps what a single sign-on under way needs when the browser comes back.
    pub async fn begin_sso<T: Serialize>(
        &self,
        pending: &T,
    ) -> Result<(), tower_sessions::session::Error> {
        self.0.insert(SSO_PENDING_KEY, pending).await
    }

    /// Takes what [`PortalSession::begin_sso`] kept: a second callback finds nothing.
    pub async fn take_sso<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Option<T>, tower_sessions::session::Error> {
        self.0.remove(SSO_PENDING_KEY).await
    }

    /// Marks the session changed when its last write for activity is older than the refresh
    /// interval, so the layer saves it with a new idle expiry.
    pub async fn refresh_if_due(
        &self,
        signed_in: SessionAuth,
        idle: Duration,
        now: u64,
    ) -> Result<(), tower_sessions::session::Error> {
        if !signed_in.refresh_due(idle, now) {
            return Ok(());
        }
        self.0
            .insert(
                AUTH_KEY,
                SessionAuth {
                    refreshed_at: now,
                    ..signed_in
                },
            )
            .await
    }

    /// Ends the session: deleted from the store, cookie removed.
    pub async fn sign_out(&self) -> Result<(), tower_sessions::session::Error> {
        self.0.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn single_sign_on_accounts_have_fingerprints_of_their_own() {
        use crate::store::SsoIdentity;
        let account = |subject: Option<&str>| Account {
            id: 1,
            login: "x".into(),
            password_hash: String::new(),
            roles: vec![],
            workmail_user: None,
            enabled: true,
            sso: subject.map(|subject| SsoIdentity {
                issuer: "https://idp.example".into(),
                subject: subject.into(),
            }),
            last_sign_in_at: None,
        };
        let a = credentials_fingerprint(&account(Some("a")));
        assert_ne!(a, credentials_fingerprint(&account(Some("b"))));
        assert_ne!(a, credentials_fingerprint(&account(None)));
        assert_eq!(a, credentials_fingerprint(&account(Some("a"))));
    }

    #[test]
    fn after_single_sign_on_the_providers_authentication_time_counts() {
        let local = SessionAuth {
            account_id: 1,
            signed_in_at: 1_000,
            refreshed_at: 0,
            credentials: String::new(),
            authenticated_at: 0,
            sso: None,
        };
        assert_eq!(local.last_authentication(), 1_000);
        let sso = SessionAuth {
            authenticated_at: 400,
            sso: Some(SsoSession {
                subject: "a".into(),
                id_token: "t".into(),
            }),
            ..local
        };
        assert_eq!(sso.last_authentication(), 400, "not the portal's sign-in");
    }

    #[test]
    fn the_absolute_lifetime_counts_from_sign_in() {
        let auth = SessionAuth {
            account_id: 1,
            signed_in_at: 1_000,
            refreshed_at: 0,
            credentials: String::new(),
            authenticated_at: 0,
            sso: None,
        };
        let hour = Duration::from_secs(3600);
        assert!(!auth.is_past(hour, 1_000));
        assert!(!auth.is_past(hour, 4_599));
        assert!(auth.is_past(hour, 4_600));
    }

    #[test]
    fn activity_is_written_back_once_per_refresh_interval() {
        let idle = Duration::from_secs(30 * 60);
        assert_eq!(refresh_interval(idle), Duration::from_secs(60));
        assert_eq!(
            refresh_interval(Duration::from_secs(100)),
            Duration::from_secs(10)
        );
        let auth = SessionAuth {
            account_id: 1,
            signed_in_at: 1_000,
            refreshed_at: 0,
            credentials: String::new(),
            authenticated_at: 0,
            sso: None,
        };
        assert!(!auth.refresh_due(idle, 1_059), "counted from sign-in");
        assert!(auth.refresh_due(idle, 1_060));
        let refreshed = SessionAuth {
            refreshed_at: 1_060,
            ..auth.clone()
        };
        assert!(!refreshed.refresh_due(idle, 1_119));
        assert!(refreshed.refresh_due(idle, 1_120));
    }

    #[tokio::test]
    async fn records_the_sqlx_store_writes_load_on_the_calling_thread() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("portal.sqlite3").display()
        );
        let database = crate::store::open_url(&url).await.expect("database");
        let backend = SessionBackend::open(&PortalConfig::default(), &database, None)
            .await
            .expect("session store");
        let SessionBackend::Sqlite(store, Some(_)) = &backend else {
            panic!("a SQLite file gets readers: {backend:?}");
        };
        let now = time::OffsetDateTime::now_utc();
        let mut live = Record {
            id: Id::default(),
            data: [(
                "portal.auth".to_owned(),
                serde_json::json!({"account_id": 7}),
            )]
            .into_iter()
            .collect(),
            expiry_date: now + time::Duration::hours(1),
        };
        store.create(&mut live).await.expect("create");
        let expired = Record {
            id: Id::default(),
            expiry_date: now - time::Duration::seconds(1),
            ..live.clone()
        };
        store.save(&expired).await.expect("save");

        assert_eq!(backend.load(&live.id).await.expect("load"), Some(live));
        assert_eq!(backend.load(&expired.id).await.expect("load"), None);
        assert_eq!(backend.load(&Id::default()).await.expect("load"), None);
    }

    #[tokio::test]
    async fn sign_in_cycles_the_id_and_sign_out_deletes_the_session() {
        let store = Arc::new(SessionBackend::Memory(MemoryStore::default()));
        let session = PortalSession(Session::new(None, store.clone(), None));
        session.0.insert("anything", 1).await.expect("insert");
        session.0.save().await.expect("save");
        let before = session.0.id().expect("saved id");

        session
            .sign_in(7, String::new(), None, 0)
            .await
            .expect("sign in");
        session.0.save().await.expect("save");
        let after = session.0.id().expect("new id");
        assert_ne!(before, after);
        assert!(store.load(&before).await.expect("load").is_none());
        assert_eq!(
            session.auth().await.expect("auth").map(|a| a.account_id),
            Some(7)
        );
        assert_eq!(session.0.get::<i32>("anything").await.expect("get"), None);

        session.sign_out().await.expect("sign out");
        assert!(store.load(&after).await.expect("load").is_none());
    }
}
