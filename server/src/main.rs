//! `workmail-portal`: serves the portal. Run it from the workspace root after
//! `cargo leptos build` (settings: `PORTAL_*` and `LEPTOS_SITE_ADDR`; see the README).
//! `workmail-portal accounts …` manages portal accounts instead, `workmail-portal export …`
//! exports the directory (see [`workmail_portal::cli`]).

use std::process::ExitCode;
use tracing_subscriber::EnvFilter;
use workmail_portal::config::{LogFormat, PortalConfig};

#[tokio::main]
async fn main() -> ExitCode {
    let config = PortalConfig::from_env();
    let format = config
        .as_ref()
        .map(|config| config.log_format)
        .unwrap_or_default();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,aws_smithy_runtime=warn,aws_config=warn"));
    match format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        // One object a line: the time, the level, the message and its fields, and the
        // request's span (its id).
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .init(),
    }
    let config = match config {
        Ok(config) => config,
        Err(error) => return fail(&format!("invalid setting {error}")),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => {}
        Some("accounts") => {
            let mut stdin = std::io::stdin().lock();
            let mut stdout = std::io::stdout().lock();
            return match workmail_portal::cli::run_accounts(
                &args[1..],
                &config,
                &mut stdin,
                &mut stdout,
            )
            .await
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("workmail-portal accounts: {message}");
                    ExitCode::FAILURE
                }
            };
        }
        Some("export") => {
            let mut stdout = std::io::stdout();
            let mut stderr = std::io::stderr();
            return match workmail_portal::cli::run_export(
                &args[1..],
                &config,
                &mut stdout,
                &mut stderr,
            )
            .await
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("workmail-portal export: {message}");
                    ExitCode::FAILURE
                }
            };
        }
        Some("-h" | "--help" | "help") => {
            println!("{}", workmail_portal::cli::usage());
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!(
                "workmail-portal: unknown command `{other}`\n{}",
                workmail_portal::cli::usage()
            );
            return ExitCode::from(2);
        }
    }
    let leptos_options = match leptos::config::get_configuration(None) {
        Ok(conf) => with_hash_files(conf.leptos_options),
        Err(error) => return fail(&format!("invalid LEPTOS_* setting: {error}")),
    };
    let drain = config.drain;
    let mut portal = match workmail_portal::start(config, leptos_options).await {
        Ok(portal) => portal,
        Err(error) => return fail(&error.to_string()),
    };
    tracing::info!("workmail-portal listening on {}", portal.url());
    if format == LogFormat::Text {
        // JSON logs are for collectors: every line of stdout is one object.
        println!("workmail-portal: open {}/login", portal.url());
    }

    let signal = tokio::select! {
        _ = portal.wait() => None,
        signal = shutdown_signal() => Some(signal),
    };
    let Some(signal) = signal else {
        return fail("the server stopped unexpectedly");
    };
    if signal == Signal::Terminate {
        // Fail readiness first, so that load balancers stop sending requests; keep serving
        // meanwhile. (Ctrl-C in a terminal stops at once.)
        tracing::info!(
            seconds = drain.as_secs(),
            "draining: /readyz answers 503 from now on"
        );
        portal.start_draining();
        tokio::time::sleep(drain).await;
    }
    tracing::info!("shutting down");
    portal.shutdown().await;
    ExitCode::SUCCESS
}

/// `cargo leptos build` hashes the bundle's file names but only tells the binary so through
/// `LEPTOS_HASH_FILES` while it runs it; a binary started by hand finds out from the hash
/// file cargo-leptos writes next to it.
fn with_hash_files(mut options: leptos::config::LeptosOptions) -> leptos::config::LeptosOptions {
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        let hash_file = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(&*options.hash_file)));
        options.hash_files = hash_file.is_some_and(|path| path.exists());
    }
    options
}

fn fail(message: &str) -> ExitCode {
    tracing::error!("{message}");
    eprintln!("workmail-portal: cannot start: {message}");
    ExitCode::FAILURE
}

/// What asked the portal to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signal {
    /// Ctrl-C.
    Interrupt,
    /// SIGTERM (an orchestrator): drain first.
    Terminate,
}

async fn shutdown_signal() -> Signal {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => Signal::Interrupt,
        _ = terminate => Signal::Terminate,
    }
}
