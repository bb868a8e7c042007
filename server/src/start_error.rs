//! Why the portal could not start.

use std::net::SocketAddr;

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
    #[error("{0}")]
    Sso(String),
    #[error("PORTAL_DATABASE_URL: {0}")]
    Database(String),
    #[error("PORTAL_REDIS_URL: cannot reach Redis: {0}")]
    Redis(String),
    #[error("PORTAL_DEMO_PASSWORD: cannot set up the demo accounts: {0}")]
    DemoAccounts(String),
    #[error("LEPTOS_SITE_ADDR: cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("PORTAL_METRICS_ADDR: cannot serve metrics on {addr}: {source}")]
    Metrics {
        addr: SocketAddr,
        source: std::io::Error,
    },
}
