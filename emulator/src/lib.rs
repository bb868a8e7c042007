//! An emulator of the Amazon WorkMail user API.
//!
//! It speaks the AWS JSON 1.1 protocol with SigV4 authentication over HTTP, keeps its data in
//! SQLite, and runs either as the `workmail-emulator` binary or in-process:
//!
//! ```no_run
//! # async fn demo() -> Result<(), workmail_emulator::StartError> {
//! use workmail_emulator::{EmulatorConfig, RunningEmulator, Seed};
//! let emulator = RunningEmulator::start(EmulatorConfig {
//!     seed: Some(Seed::Demo),
//!     ..EmulatorConfig::default()
//! })
//! .await?;
//! println!("WorkMail API at {}", emulator.url());
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod api_error;
mod faults;
mod model;
mod operations;
mod passwords;
mod seed;
mod server;
mod sigv4;
mod store;
mod validation;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use api_error::ErrorKind;
pub use faults::{FaultKind, Faults};
pub use seed::{DEMO_ALIAS, DEMO_MAIL_DOMAIN, DEMO_ORGANIZATION_ID};

/// What to load into the database at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// The demo organization (`demo`, `demo.example.com`) with its users.
    Demo,
    /// Organizations and users from a JSON file (format in the README).
    File(PathBuf),
}

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The SQLite file; `None` keeps the data in memory.
    pub db: Option<PathBuf>,
    pub seed: Option<Seed>,
    /// Users in the demo organization.
    pub demo_users: usize,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
    /// Added before every answer.
    pub latency: Duration,
    /// Share of requests (0 to 1) answered with a fault instead.
    pub fault_rate: f64,
    /// Operations the faults apply to; empty means all.
    pub fault_ops: Vec<String>,
    pub fault_kind: FaultKind,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: None,
            seed: None,
            demo_users: 50,
            access_key_id: "test".into(),
            secret_access_key: "test".into(),
            region: "us-east-1".into(),
            latency: Duration::ZERO,
            fault_rate: 0.0,
            fault_ops: Vec::new(),
            fault_kind: FaultKind::DirectoryUnavailable,
        }
    }
}

impl EmulatorConfig {
    fn faults(&self) -> Faults {
        Faults {
            latency: self.latency,
            rate: self.fault_rate,
            operations: self.fault_ops.clone(),
            kind: self.fault_kind,
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] store::OpenError),
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
    #[error("invalid setting: {0}")]
    Config(String),
}

/// A running emulator; shut it down with [`RunningEmulator::shutdown`].
pub struct RunningEmulator {
    addr: SocketAddr,
    url: String,
    faults: Arc<faults::FaultSwitch>,
    store: store::Store,
    app: axum::Router,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningEmulator {
    /// Opens the database, seeds it, and starts serving; returns once connections are accepted.
    pub async fn start(config: EmulatorConfig) -> Result<Self, StartError> {
        let faults = config.faults();
        faults.validate().map_err(StartError::Config)?;
        if !(5..=1_000_000).contains(&config.demo_users) {
            return Err(StartError::Config(format!(
                "demo users must be between 5 and 1000000 (got {})",
                config.demo_users
            )));
        }
        let store = store::Store::open(config.db.as_deref())?;
        match &config.seed {
            Some(Seed::Demo) => {
                seed::seed_demo(&store, config.demo_users).await?;
            }
            Some(Seed::File(path)) => {
                seed::seed_file(&store, path).await?;
            }
            None => {}
        }
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartError::Listen {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
        let faults = Arc::new(faults::FaultSwitch::new(faults));
        let app = server::router(server::Emulator {
            store: store.clone(),
            verifier: sigv4::Verifier::new(
                &config.access_key_id,
                &config.secret_access_key,
                &config.region,
            ),
            region: config.region.clone(),
            faults: Arc::clone(&faults),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served_app = app.clone();
        let task = tokio::spawn(async move {
            let served = axum::serve(
                listener.tap_io(|tcp| {
                    // Answers are small; don't let Nagle hold them back.
                    let _ = tcp.set_nodelay(true);
                }),
                served_app,
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
            if let Err(error) = served {
                tracing::error!(%error, "the emulator's server stopped");
            }
        });
        Ok(Self {
            addr,
            url: format!("http://{addr}"),
            faults,
            store,
            app,
            stop: Some(stop),
            task,
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:43117`, to use as an SDK endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The emulator's HTTP service, for a client in the same process to call without a
    /// socket: it answers exactly what the listener at [`RunningEmulator::url`] answers.
    pub fn service(&self) -> axum::Router {
        self.app.clone()
    }

    /// Replaces the fault injection settings while running (tests use this).
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        self.faults.set(faults);
        Ok(())
    }

    /// Whether `password` is the password of user `user_id` (an id, name or address): the
    /// check a sign-in to the mailbox would make, for tests of password resets. The emulator
    /// keeps only a hash, so this is the one way to learn it.
    pub async fn password_matches(
        &self,
        organization_id: &str,
        user_id: &str,
        password: &str,
    ) -> Result<bool, String> {
        let (organization_id, user_id, password) = (
            organization_id.to_owned(),
            user_id.to_owned(),
            password.to_owned(),
        );
        self.store
            .read(move |connection| {
                passwords::user_matches(connection, &organization_id, &user_id, &password)
            })
            .await
            .map_err(|error| error.to_string())
    }

    /// Stops accepting requests, finishes those in flight and closes the database.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
        let store = self.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.close()).await;
    }

    /// Runs until the task ends (the binary waits on this).
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }
}

/// Whether `password` is the password of `user` (an id, name or address) in the emulator
/// database file `db`, read from another process while an emulator may be serving it: for
/// tests that check a password set through the API (`workmail-emulator check-password`).
pub fn stored_password_matches(
    db: &std::path::Path,
    organization_id: &str,
    user: &str,
    password: &str,
) -> Result<bool, String> {
    let cannot_open = |error: rusqlite::Error| format!("cannot open {}: {error}", db.display());
    let connection =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(cannot_open)?;
    // The serving emulator may hold the file a moment: wait as its own readers do.
    connection
        .busy_timeout(store::BUSY_TIMEOUT)
        .map_err(cannot_open)?;
    passwords::user_matches(&connection, organization_id, user, password)
        .map_err(|error| error.to_string())
}

use axum::serve::ListenerExt as _;
