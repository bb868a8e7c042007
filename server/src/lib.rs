//! The workmail-portal server: configuration, the WorkMail directory adapter, the embedded
//! emulator, and the axum application that serves the Leptos app.
//!
//! Where to look:
//! - [`start`]: start-up (stores, directory, background tasks, listener) and the running portal;
//! - [`state`]: what every handler can reach; [`router`]: every route and layer;
//! - [`directory`]: the WorkMail adapter and connecting to it; [`background`]: the index refresh;
//! - [`auth`], [`sso`], [`origin_check`], [`request_origin`]: who is asking, and from where;
//!   [`security_headers`]: the headers every answer carries;
//! - [`form_post`], [`account_forms`], [`task_forms`], [`audit`]: the handlers outside Leptos; [`store`]: the portal database;
//! - [`export`]: directory exports (the formats, the jobs of `/admin/export`, its handlers);
//!   [`health`]: `/healthz` and `/readyz`; [`metrics`]: Prometheus metrics on their own listener;
//! - [`replicas`]: what several replicas share (Redis; every save's notice to every index);
//! - [`config`], [`policy_file`], [`cli`]: settings, the policy file, the accounts command;
//!   [`account_admin`]: the rules of account changes (the command and the accounts page).

// Rendering the edit page (form posts, sign-in) lays out the app's deep view types; release
// builds (without `--cfg erase_components`) need more than the default 128.
#![recursion_limit = "256"]

pub mod account_admin;
mod account_forms;
mod api_status;
pub mod audit;
pub mod auth;
mod background;
pub mod cli;
pub mod client_address;
pub mod config;
pub mod directory;
pub mod export;
mod form_post;
mod health;
pub mod metrics;
mod origin_check;
mod page;
pub mod policy_file;
pub mod replicas;
mod request_origin;
pub mod router;
pub mod security_headers;
pub mod sso;
pub mod start;
mod start_error;
pub mod state;
mod static_files;
pub mod store;
mod task_forms;

pub use start::{RunningPortal, load_policy, start};
pub use start_error::StartError;
pub use state::AppState;

/// Server-side rendering allocates many small strings; under concurrency mimalloc serves that
/// about twice as fast as the system allocator (measured with `benches/edit_page.rs`). Declared
/// in the library so the binary, the tests and the benchmark all use it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
