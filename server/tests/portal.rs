//! Integration tests: the real portal, started in-process on a loopback port with its embedded
//! emulator (a SQLite file in a temp dir), called over HTTP like the browser calls it.
//! Errors are produced with the emulator's fault injection and seed files. Every test signs
//! in first (as the demo admin unless it says otherwise); the attacker tests (`sessions`,
//! `authorization`) check that what must be refused is refused and leaves the directory
//! unchanged. One test binary: its modules are the files in `tests/portal/`.

// clippy's allow-*-in-tests settings cover `#[test]` functions only, not the harness.
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking, in its helpers too"
)]

#[path = "portal/harness.rs"]
mod harness;
#[path = "support/oidc.rs"]
mod oidc;
#[path = "support/slapd.rs"]
mod slapd;
#[path = "support/tcp_proxy.rs"]
mod tcp_proxy;

#[path = "portal/accounts.rs"]
mod accounts;
#[path = "portal/audit.rs"]
mod audit;
#[path = "portal/authorization.rs"]
mod authorization;
#[path = "portal/backends.rs"]
mod backends;
#[path = "portal/directory.rs"]
mod directory;
#[path = "portal/directory_errors.rs"]
mod directory_errors;
#[path = "portal/directory_tasks.rs"]
mod directory_tasks;
#[path = "portal/export.rs"]
mod export;
#[path = "portal/form_post.rs"]
mod form_post;
#[path = "portal/health.rs"]
mod health;
#[path = "portal/malformed.rs"]
mod malformed;
#[path = "portal/metrics.rs"]
mod metrics;
#[path = "portal/process.rs"]
mod process;
#[path = "portal/replicas.rs"]
mod replicas;
#[path = "portal/saving.rs"]
mod saving;
#[path = "portal/security_headers.rs"]
mod security_headers;
#[path = "portal/sessions.rs"]
mod sessions;
#[path = "portal/single_sign_on.rs"]
mod single_sign_on;
#[path = "portal/step_up.rs"]
mod step_up;
