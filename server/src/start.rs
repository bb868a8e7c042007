//! Start-up: the stores, the directory, the background tasks, then the listener.

use crate::account_admin::AccountAdmin;
use crate::audit::{self, SqlAuditLog, ValueModes};
use crate::auth::password::PasswordCheck;
use crate::auth::rate_limit::local::LocalLimiter;
use crate::auth::rate_limit::shared::SharedLimiter;
use crate::auth::rate_limit::{RateLimits, SignInLimiter};
use crate::auth::session::SessionBackend;
use crate::auth::{self, AuthState};
use crate::background::{refresh_index, spawn_index_refresh};
use crate::client_address::TrustedProxies;
use crate::config::{DirectorySetting, PortalConfig};
use crate::directory::connect::connect;
use crate::export::jobs::ExportJobRegistry;
use crate::health::Health;
use crate::origin_check::OwnOrigin;
use crate::replicas::save_notices::{self, SaveListener};
use crate::security_headers::SecurityHeaders;
use crate::sso::OidcProvider;
use crate::state::AppState;
use crate::store::{self, AccountStore};
use crate::{StartError, policy_file};
use app::directory_index::DirectoryIndex;
use app::domain::Policy;
use app::ports::Directory;
use app::session::Services;
use app::wire::SignInOptions;
use axum::serve::ListenerExt;
use leptos::prelude::*;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use workmail_emulator::RunningEmulator;

/// The field policy: `PORTAL_POLICY` when set, else the built-in defaults.
pub fn load_policy(config: &PortalConfig) -> Result<Policy, StartError> {
    match &config.policy_file {
        Some(path) => policy_file::load(path).map_err(StartError::Policy),
        None => Ok(Policy::defaults()),
    }
}

/// How long requests in flight may run once the portal stops accepting connections.
pub const IN_FLIGHT_LIMIT: Duration = Duration::from_secs(30);

/// A running portal; stop it with [`RunningPortal::shutdown`].
pub struct RunningPortal {
    addr: SocketAddr,
    url: String,
    emulator: Option<RunningEmulator>,
    accounts: AccountStore,
    database: store::Database,
    audit: SqlAuditLog,
    directory: Arc<dyn Directory>,
    index: Arc<DirectoryIndex>,
    uses_departments: bool,
    /// Session clean-up, audit reconciliation and retention.
    background: Vec<tokio::task::JoinHandle<()>>,
    /// Where metrics are served, when they are.
    metrics_addr: Option<SocketAddr>,
    /// Set by [`RunningPortal::start_draining`]; `/readyz` answers 503 from then on.
    draining: Arc<std::sync::atomic::AtomicBool>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningPortal {
    /// The address the portal listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The portal's base URL, e.g. `http://127.0.0.1:3000`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The metrics listener's `/metrics` URL, when `PORTAL_METRICS_ADDR` is set.
    pub fn metrics_url(&self) -> Option<String> {
        self.metrics_addr
            .map(|addr| format!("http://{addr}/metrics"))
    }

    /// The embedded emulator, when the portal runs on it.
    pub fn emulator(&self) -> Option<&RunningEmulator> {
        self.emulator.as_ref()
    }

    /// The portal's accounts.
    pub fn accounts(&self) -> &AccountStore {
        &self.accounts
    }

    /// The directory the portal's pages and server functions read and write.
    pub fn directory(&self) -> &Arc<dyn Directory> {
        &self.directory
    }

    /// The directory index the portal searches.
    pub fn directory_index(&self) -> &Arc<DirectoryIndex> {
        &self.index
    }

    /// The portal database.
    pub fn database(&self) -> &store::Database {
        &self.database
    }

    /// Reconciles audit intents older than `min_age` now (this also runs at start-up and every
    /// minute for intents older than [`audit::reconcile::min_intent_age`]); returns how many
    /// became records.
    pub async fn reconcile_audit(&self, min_age: Duration) -> Result<usize, String> {
        self.audit
            .reconcile(&*self.directory, min_age)
            .await
            .map_err(|e| e.to_string())
    }

    /// Refreshes the directory index now (it also refreshes every
    /// `PORTAL_DIRECTORY_REFRESH_SECONDS`); returns how many users it holds.
    pub async fn refresh_directory_index(&self) -> Result<usize, String> {
        refresh_index(&self.index, &*self.directory, self.uses_departments)
            .await
            .map_err(|e| e.to_string())
    }

    /// Fails readiness from now on, so that load balancers stop sending new requests before
    /// [`RunningPortal::shutdown`].
    pub fn start_draining(&self) {
        self.draining
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Runs until the server stops (the binary waits on this).
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }

    /// Stops accepting requests, lets those in flight finish (at most [`IN_FLIGHT_LIMIT`]),
    /// then closes the database and stops the embedded emulator.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(IN_FLIGHT_LIMIT, &mut self.task)
            .await
            .is_err()
        {
            tracing::warn!(
                "requests were still running after {} s; stopping them",
                IN_FLIGHT_LIMIT.as_secs()
            );
            self.task.abort();
        }
        for task in self.background.drain(..) {
            task.abort();
        }
        self.database.pool.close().await;
        if let Some(emulator) = self.emulator.take() {
            emulator.shutdown().await;
        }
    }
}

/// Starts the directory, checks it, and serves the portal on `leptos_options.site_addr`.
pub async fn start(
    config: PortalConfig,
    leptos_options: LeptosOptions,
) -> Result<RunningPortal, StartError> {
    // One TLS provider for every client that does not pick its own (Redis over rediss://);
    // a second portal in the same process finds it installed.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let policy = load_policy(&config)?;
    if config.database_url.is_none() {
        create_data_dir(&config)?;
    }
    let database = store::open(&config)
        .await
        .map_err(|e| StartError::Database(e.to_string()))?;
    let accounts = AccountStore::new(&database);
    let redis = match &config.redis_url {
        Some(url) => Some(
            crate::replicas::redis::connect(url)
                .await
                .map_err(|e| StartError::Redis(e.to_string()))?,
        ),
        None => None,
    };
    let sessions = SessionBackend::open(&config, &database, redis.as_ref())
        .await
        .map_err(|e| StartError::Database(format!("cannot create the sessions table: {e}")))?;
    let modes = ValueModes::new(&config.audit_hashed_fields, &config.audit_redacted_fields);
    let audit_log = SqlAuditLog::open(database.pool.clone(), modes)
        .await
        .map_err(|e| StartError::Database(format!("cannot open the audit log: {e}")))?;
    // On PostgreSQL (which replicas share), every save reaches every replica's index at once.
    let (audit_log, save_listener) = if database.backend == store::Backend::Postgres {
        let replica = save_notices::replica_name();
        let listener = SaveListener::connect(&database.url, &replica)
            .await
            .map_err(|e| StartError::Database(format!("cannot listen to save notices: {e}")))?;
        (audit_log.announcing_saves(&replica), Some(listener))
    } else {
        (audit_log, None)
    };
    let mut background: Vec<_> = sessions
        .spawn_cleanup(Duration::from_secs(600))
        .into_iter()
        .collect();

    let (emulator, directory) = connect(&config).await?;
    let directory: Arc<dyn Directory> = Arc::new(crate::metrics::MeteredDirectory(directory));
    let metrics_addr = match config.metrics_addr {
        Some(addr) => {
            let (addr, tasks) = crate::metrics::serve(addr)
                .await
                .map_err(|source| StartError::Metrics { addr, source })?;
            tracing::info!(%addr, "metrics at /metrics");
            background.extend(tasks);
            Some(addr)
        }
        None => None,
    };
    if config.directory == DirectorySetting::Embedded {
        // Demo accounts belong to the demo directory only, never to a real organization.
        auth::ensure_demo_accounts(&accounts, &config.demo_password)
            .await
            .map_err(StartError::DemoAccounts)?;
    }

    background.push(audit::reconcile::spawn(
        audit_log.clone(),
        directory.clone(),
        Duration::from_secs(60),
        audit::reconcile::min_intent_age(config.directory_timeout),
    ));
    if let Some(keep) = config.audit_retention {
        background.push(audit::retention::spawn(audit_log.clone(), keep));
    }
    let index = Arc::new(DirectoryIndex::new(config.directory_index_limit));
    let departments = policy.uses_departments();
    // The first read is awaited so the directory page works from the first request; if it
    // fails, the refresh task keeps trying.
    let _ = refresh_index(&index, &*directory, departments).await;
    background.push(spawn_index_refresh(
        index.clone(),
        directory.clone(),
        departments,
        config.directory_refresh,
    ));
    if let Some(listener) = save_listener {
        background.push(listener.spawn(index.clone(), directory.clone(), departments));
    }

    let save_locks = store::SaveLocks::for_database(&database)
        .await
        .map_err(|e| StartError::Database(format!("cannot open the save locks' pool: {e}")))?;
    let passwords = PasswordCheck::new().map_err(StartError::DemoAccounts)?;
    let sso = start_sso(&config, &policy).await?;
    let policy = Arc::new(policy);
    let sign_in_options = SignInOptions {
        sso_name: config.sso.as_ref().map(|sso| sso.name.clone()),
        local: config.local_sign_in,
        sso_ready: false,
        sign_out_origin: None,
    };
    let (health, checks) = Health::start(crate::health::Dependencies {
        database: database.pool.clone(),
        sessions: sessions.clone(),
        redis: redis.clone(),
        directory: directory.clone(),
    });
    let limits = RateLimits::default();
    let limiter = match redis {
        Some(redis) => {
            SignInLimiter::Shared(SharedLimiter::new(limits, redis, &config.redis_prefix))
        }
        None => SignInLimiter::Local(LocalLimiter::new(limits)),
    };
    background.push(checks);
    let state = AppState {
        leptos_options: leptos_options.clone(),
        services: Services {
            directory: directory.clone(),
            policy: policy.clone(),
            audit: Arc::new(audit_log.clone()),
            index: index.clone(),
            locks: Arc::new(save_locks),
            step_up: config.step_up.clone(),
            accounts: Arc::new(AccountAdmin::new(accounts.clone(), policy)),
            exports: Arc::new(ExportJobRegistry::default()),
        },
        auth: AuthState {
            accounts: accounts.clone(),
            passwords,
            limiter: Arc::new(limiter),
            session_lifetime: config.session_lifetime,
            session_idle_timeout: config.session_idle_timeout,
            sso,
            local_sign_in: config.local_sign_in,
        },
        sessions: auth::session::layer(&config, sessions),
        own_origin: OwnOrigin(config.public_url.as_deref().map(Arc::from)),
        security_headers: SecurityHeaders {
            https: config.served_over_https(),
        },
        trusted_proxies: TrustedProxies(config.trusted_proxies.clone().into()),
        sign_in_options,
        health: health.clone(),
    };
    let app = crate::router::router(state);

    let addr = leptos_options.site_addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Listen { addr, source })?;
    if !addr.ip().is_loopback() && !config.served_over_https() {
        tracing::warn!(
            %addr,
            "listening beyond this machine without an https PORTAL_PUBLIC_URL: sessions travel \
             in the clear unless a TLS proxy is in front (then set PORTAL_PUBLIC_URL to its \
             https address)"
        );
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // Small responses (a static file's body after its headers) would otherwise wait for
        // the peer's delayed ACK under Nagle's algorithm: ~40 ms a request on keep-alive.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await;
        if let Err(error) = served {
            tracing::error!(%error, "the portal's server stopped");
        }
    });
    Ok(RunningPortal {
        addr,
        url: format!("http://{addr}"),
        emulator,
        accounts,
        database,
        audit: audit_log,
        directory,
        index,
        uses_departments: departments,
        background,
        draining: health.draining,
        metrics_addr,
        stop: Some(stop),
        task,
    })
}

/// The identity provider, when single sign-on is configured: every role its settings can give
/// must be in the policy. Discovery is tried once here; a provider that does not answer does
/// not stop the portal (local accounts still work, and the next SSO sign-in tries again).
async fn start_sso(
    config: &PortalConfig,
    policy: &Policy,
) -> Result<Option<Arc<OidcProvider>>, StartError> {
    let Some(settings) = &config.sso else {
        return Ok(None);
    };
    for (setting, role) in settings.roles_named() {
        if !policy.has_role(role) {
            let known: Vec<&str> = policy.role_names().collect();
            return Err(StartError::Sso(format!(
                "{setting}: unknown role `{role}` (the policy has: {})",
                known.join(", ")
            )));
        }
    }
    let provider = OidcProvider::new(settings.clone()).map_err(StartError::Sso)?;
    match provider.discover().await {
        Ok(()) => tracing::info!(issuer = settings.issuer, "single sign-on is ready"),
        Err(error) => tracing::warn!(
            issuer = settings.issuer,
            %error,
            "single sign-on is unavailable for now; the portal will try again at the next SSO \
             sign-in"
        ),
    }
    Ok(Some(Arc::new(provider)))
}

pub(crate) fn create_data_dir(config: &PortalConfig) -> Result<(), StartError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })
}
