//! The workmail-portal server: configuration, the WorkMail directory adapter, the embedded
//! emulator, and the axum application that serves the Leptos app.

// Rendering the edit page (form posts, sign-in) lays out the app's deep view types; release
// builds (without `--cfg erase_components`) need more than the default 128.
#![recursion_limit = "256"]

pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod directory;
mod form_post;
mod origin_check;
mod page;
pub mod policy_file;
mod request_origin;
mod static_files;
pub mod store;

/// Server-side rendering allocates many small strings; under concurrency mimalloc serves that
/// about twice as fast as the system allocator (measured with `benches/edit_page.rs`). Declared
/// in the library so the binary, the tests and the benchmark all use it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use app::directory_index::{DirectoryIndex, IndexHandle};
use app::domain::Policy;
use app::ports::{AuditHandle, DirectoryErrorKind, DirectoryHandle, PolicyHandle};
use audit::{SqlAuditLog, ValueModes};
use auth::AuthState;
use auth::password::PasswordCheck;
use auth::rate_limit::{RateLimits, SignInLimiter};
use auth::session::SessionBackend;
use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use config::{DirectorySetting, PortalConfig};
use directory::{ClientSettings, WorkMailDirectory};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use origin_check::OwnOrigin;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use store::AccountStore;
use tower_sessions::SessionManagerLayer;
use workmail_emulator::{EmulatorConfig, RunningEmulator, Seed};

/// What every request handler can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub directory: DirectoryHandle,
    pub policy: PolicyHandle,
    pub audit: AuditHandle,
    pub index: IndexHandle,
    pub auth: AuthState,
    pub sessions: SessionManagerLayer<SessionBackend>,
    pub own_origin: OwnOrigin,
}

impl AppState {
    /// Provides the state to the Leptos context of a request (pages and server functions).
    fn provide(&self) {
        provide_context(self.directory.clone());
        provide_context(self.policy.clone());
        provide_context(self.audit.clone());
        provide_context(self.index.clone());
    }
}

/// The field policy: `PORTAL_POLICY` when set, else the built-in defaults.
pub fn load_policy(config: &PortalConfig) -> Result<Policy, StartError> {
    match &config.policy_file {
        Some(path) => policy_file::load(path).map_err(StartError::Policy),
        None => Ok(Policy::defaults()),
    }
}

/// Why the portal could not start. Each message names the setting to look at.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("PORTAL_DATA_DIR: cannot create {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the embedded WorkMail emulator could not start (PORTAL_DATA_DIR={data_dir}): {source}"
    )]
    Emulator {
        data_dir: String,
        source: workmail_emulator::StartError,
    },
    #[error("{0}")]
    Directory(String),
    #[error("{0}")]
    Policy(String),
    #[error("PORTAL_DATABASE_URL: {0}")]
    Database(String),
    #[error("PORTAL_DEMO_PASSWORD: cannot set up the demo accounts: {0}")]
    DemoAccounts(String),
    #[error("LEPTOS_SITE_ADDR: cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A running portal; stop it with [`RunningPortal::shutdown`].
pub struct RunningPortal {
    addr: SocketAddr,
    url: String,
    emulator: Option<RunningEmulator>,
    accounts: AccountStore,
    database: store::Database,
    audit: SqlAuditLog,
    directory: DirectoryHandle,
    index: IndexHandle,
    uses_departments: bool,
    /// Session clean-up, audit reconciliation and retention.
    background: Vec<tokio::task::JoinHandle<()>>,
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

    /// The embedded emulator, when the portal runs on it.
    pub fn emulator(&self) -> Option<&RunningEmulator> {
        self.emulator.as_ref()
    }

    /// The portal's accounts.
    pub fn accounts(&self) -> &AccountStore {
        &self.accounts
    }

    /// The directory the portal's pages and server functions read and write.
    pub fn directory(&self) -> &DirectoryHandle {
        &self.directory
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
        refresh_index(&self.index, &self.directory, self.uses_departments)
            .await
            .map_err(|e| e.to_string())
    }

    /// Runs until the server stops (the binary waits on this).
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }

    /// Stops accepting requests, finishes those in flight, then stops the embedded emulator.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
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
    let policy = load_policy(&config)?;
    if config.database_url.is_none() {
        create_data_dir(&config)?;
    }
    let database = store::open(&config)
        .await
        .map_err(|e| StartError::Database(e.to_string()))?;
    let accounts = AccountStore::new(&database);
    let sessions = SessionBackend::open(&config, &database)
        .await
        .map_err(|e| StartError::Database(format!("cannot create the sessions table: {e}")))?;
    let modes = ValueModes::new(&config.audit_hashed_fields, &config.audit_redacted_fields);
    let audit_log = SqlAuditLog::open(database.pool.clone(), modes)
        .await
        .map_err(|e| StartError::Database(format!("cannot open the audit log: {e}")))?;
    let mut background: Vec<_> = sessions
        .spawn_cleanup(Duration::from_secs(600))
        .into_iter()
        .collect();

    let (emulator, settings) = connect_settings(&config).await?;
    if config.directory == DirectorySetting::Embedded {
        // Demo accounts belong to the demo directory only, never to a real organization.
        auth::ensure_demo_accounts(&accounts, &config.demo_password)
            .await
            .map_err(StartError::DemoAccounts)?;
    }
    let client = directory::build_client(&settings).await;
    let directory = WorkMailDirectory::new(client, config.organization_id.clone());
    check_directory(&config, &directory).await?;

    let directory = DirectoryHandle::new(directory);
    background.push(audit::reconcile::spawn(
        audit_log.clone(),
        directory.0.clone(),
        Duration::from_secs(60),
        audit::reconcile::min_intent_age(config.directory_timeout),
    ));
    if let Some(keep) = config.audit_retention {
        background.push(audit::retention::spawn(audit_log.clone(), keep));
    }
    let index = IndexHandle(Arc::new(DirectoryIndex::new(config.directory_index_limit)));
    let departments = policy.uses_departments();
    // The first read is awaited so the directory page works from the first request; if it
    // fails, the refresh task keeps trying.
    let _ = refresh_index(&index, &directory, departments).await;
    background.push(spawn_index_refresh(
        index.clone(),
        directory.clone(),
        departments,
        config.directory_refresh,
    ));

    let passwords = PasswordCheck::new().map_err(StartError::DemoAccounts)?;
    let state = AppState {
        leptos_options: leptos_options.clone(),
        directory: directory.clone(),
        policy: PolicyHandle(Arc::new(policy)),
        audit: AuditHandle(Arc::new(audit_log.clone())),
        index: index.clone(),
        auth: AuthState {
            accounts: accounts.clone(),
            passwords,
            limiter: Arc::new(SignInLimiter::new(RateLimits::default())),
            session_lifetime: config.session_lifetime,
            session_idle_timeout: config.session_idle_timeout,
        },
        sessions: auth::session::layer(&config, sessions),
        own_origin: OwnOrigin(config.public_url.as_deref().map(Arc::from)),
    };
    let app = router(state);

    let addr = leptos_options.site_addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Listen { addr, source })?;
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
        stop: Some(stop),
        task,
    })
}

/// Refreshes the directory index once, logging the outcome.
async fn refresh_index(
    index: &IndexHandle,
    directory: &DirectoryHandle,
    departments: bool,
) -> Result<usize, app::ports::DirectoryError> {
    let started = std::time::Instant::now();
    let now = audit::now_ms() / 1000;
    let refreshed = index.refresh(&**directory, departments, now).await;
    match &refreshed {
        Ok(users) => tracing::info!(
            users,
            ms = started.elapsed().as_millis(),
            "directory index refreshed"
        ),
        Err(error) => tracing::warn!(%error, "cannot refresh the directory index; will try again"),
    }
    refreshed
}

/// Refreshes the directory index every `period`.
fn spawn_index_refresh(
    index: IndexHandle,
    directory: DirectoryHandle,
    departments: bool,
    period: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.tick().await; // the first tick is now; start-up has just refreshed
        loop {
            interval.tick().await;
            let _ = refresh_index(&index, &directory, departments).await;
        }
    })
}

fn create_data_dir(config: &PortalConfig) -> Result<(), StartError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })
}

/// The axum application: server functions, pages, the no-JavaScript form posts, sign-in and
/// sign-out, static files; every request but sign-in and static files needs a session, and
/// every write needs this portal's Origin.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let options = state.leptos_options.clone();
    let context_state = state.clone();
    let context = move || context_state.provide();
    Router::new()
        .route("/users/{id}", post(form_post::save_user_form))
        .route(app::session::ME_PATH, post(form_post::save_me_form))
        .route(app::session::LOGIN_PATH, post(auth::sign_in))
        .route(app::session::LOGOUT_PATH, post(auth::sign_out))
        .route("/audit/export.csv", get(audit::export::csv))
        .route("/audit/export.json", get(audit::export::json))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || app::shell(options.clone())
        })
        .nest_service(
            &format!("/{}", options.site_pkg_dir.trim_matches('/')),
            static_files::pkg_service(&options),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, app::shell))
        .layer(axum::middleware::map_response(
            static_files::api_error_status,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.auth.clone(),
            auth::authenticate,
        ))
        .layer(state.sessions.clone())
        // A forged write is refused before any session is read or written.
        .layer(axum::middleware::from_fn_with_state(
            state.own_origin.clone(),
            origin_check::same_origin_writes,
        ))
        // Outermost: every answer carries a request id.
        .layer(axum::middleware::from_fn(request_origin::assign))
        .with_state(state)
}

/// Starts the embedded emulator when configured, and says how the SDK client connects.
async fn connect_settings(
    config: &PortalConfig,
) -> Result<(Option<RunningEmulator>, ClientSettings), StartError> {
    let base = ClientSettings {
        endpoint: None,
        credentials: None,
        region: None,
        default_region: config.default_region.clone(),
        timeout: config.directory_timeout,
        attempts: config.directory_attempts,
        http_client: None,
    };
    match &config.directory {
        DirectorySetting::Embedded => {
            let data_dir = config.data_dir.display().to_string();
            create_data_dir(config)?;
            let emulator_config = EmulatorConfig {
                db: Some(config.data_dir.join("workmail-emulator.sqlite3")),
                seed: Some(Seed::Demo),
                demo_users: config.demo_users,
                ..EmulatorConfig::default()
            };
            let settings = ClientSettings {
                endpoint: None,
                credentials: Some((
                    emulator_config.access_key_id.clone(),
                    emulator_config.secret_access_key.clone(),
                )),
                region: Some(emulator_config.region.clone()),
                ..base
            };
            let emulator = RunningEmulator::start(emulator_config)
                .await
                .map_err(|source| StartError::Emulator { data_dir, source })?;
            tracing::info!(url = emulator.url(), "embedded WorkMail emulator started");
            // The portal's own requests skip the loopback socket; the listener stays for the
            // AWS CLI and other tools.
            let settings = ClientSettings {
                endpoint: Some(emulator.url().to_owned()),
                http_client: Some(directory::in_process::http_client(emulator.service())),
                ..settings
            };
            Ok((Some(emulator), settings))
        }
        DirectorySetting::Endpoint(url) => Ok((
            None,
            ClientSettings {
                endpoint: Some(url.clone()),
                credentials: config.endpoint_credentials.clone(),
                ..base
            },
        )),
        DirectorySetting::Aws => Ok((None, base)),
    }
}

/// Reads the organization once, so that a wrong or unreachable directory stops start-up with
/// a message naming the setting instead of failing every page later.
async fn check_directory(
    config: &PortalConfig,
    directory: &WorkMailDirectory,
) -> Result<(), StartError> {
    let target = match &config.directory {
        DirectorySetting::Embedded => "the embedded WorkMail emulator".to_owned(),
        DirectorySetting::Endpoint(url) => {
            format!("the WorkMail API at {url} (PORTAL_WORKMAIL_ENDPOINT)")
        }
        DirectorySetting::Aws => "Amazon WorkMail (PORTAL_DIRECTORY=aws)".to_owned(),
    };
    let org = &config.organization_id;
    match directory.describe_organization().await {
        Ok(summary) => {
            let state = summary.state.as_deref().unwrap_or("unknown");
            if !state.eq_ignore_ascii_case("active") {
                tracing::warn!(organization = %org, state, "the WorkMail organization is not active");
            }
            tracing::info!(
                organization = %org,
                alias = summary.alias.as_deref().unwrap_or("-"),
                domain = summary.default_mail_domain.as_deref().unwrap_or("-"),
                state,
                "directory ready: {target}"
            );
            Ok(())
        }
        Err(error) => {
            let reason = match error.kind {
                DirectoryErrorKind::OrganizationNotFound | DirectoryErrorKind::InvalidParameter => {
                    format!("PORTAL_ORGANIZATION_ID: organization {org} was not found in {target}")
                }
                DirectoryErrorKind::AuthenticationFailed => format!(
                    "AWS credentials: {target} refused the portal's credentials \
                     (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE)"
                ),
                DirectoryErrorKind::Unreachable | DirectoryErrorKind::Timeout => {
                    match &config.directory {
                        DirectorySetting::Aws => format!(
                            "AWS_REGION: cannot reach {target}; check the region and the network"
                        ),
                        _ => format!("PORTAL_WORKMAIL_ENDPOINT: cannot reach {target}"),
                    }
                }
                _ => format!(
                    "PORTAL_DIRECTORY: {target} did not answer DescribeOrganization for {org}"
                ),
            };
            Err(StartError::Directory(format!(
                "{reason}\n  detail: {}",
                error.detail
            )))
        }
    }
}
