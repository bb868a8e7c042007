//! `workmail-emulator`: the WorkMail user API on a local port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use workmail_emulator::{EmulatorConfig, FaultKind, RunningEmulator, Seed};

/// Serves the Amazon WorkMail user API (AWS JSON 1.1, SigV4) from a SQLite database.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:4566")]
    listen: SocketAddr,
    /// SQLite file that keeps the data across restarts; without it the data lives in memory.
    #[arg(long)]
    db: Option<PathBuf>,
    /// "demo" for the demo organization, or the path of a JSON seed file.
    #[arg(long)]
    seed: Option<String>,
    /// Number of users in the demo organization.
    #[arg(long, default_value_t = 50)]
    demo_users: usize,
    /// Access key id requests must be signed with.
    #[arg(long, default_value = "test")]
    access_key_id: String,
    /// Secret access key requests must be signed with.
    #[arg(long, default_value = "test")]
    secret_access_key: String,
    /// Region requests must be signed for.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Milliseconds added before each answer.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of requests (0 to 1) answered with an injected fault.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Comma-separated operations that latency and faults apply to (default: all).
    #[arg(long, value_delimiter = ',')]
    fault_ops: Vec<String>,
    /// The injected fault: "unavailable" (DirectoryUnavailableException), "throttling",
    /// "directory-auth" (DirectoryServiceAuthenticationFailedException) or "organization-state".
    #[arg(long, default_value = "unavailable", value_parser = parse_fault_kind)]
    fault_kind: FaultKind,
}

fn parse_fault_kind(value: &str) -> Result<FaultKind, String> {
    FaultKind::parse(value).ok_or_else(|| {
        "expected unavailable, throttling, directory-auth or organization-state".into()
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "workmail_emulator=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let seed = cli.seed.map(|seed| match seed.as_str() {
        "demo" => Seed::Demo,
        path => Seed::File(PathBuf::from(path)),
    });
    let config = EmulatorConfig {
        listen: cli.listen,
        db: cli.db,
        seed,
        demo_users: cli.demo_users,
        access_key_id: cli.access_key_id,
        secret_access_key: cli.secret_access_key,
        region: cli.region,
        latency: Duration::from_millis(cli.latency_ms),
        fault_rate: cli.fault_rate,
        fault_ops: cli.fault_ops,
        fault_kind: cli.fault_kind,
    };
    let mut emulator = match RunningEmulator::start(config).await {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("workmail-emulator: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", emulator.url());
    tokio::select! {
        () = emulator.wait() => ExitCode::FAILURE,
        () = stop_requested() => {
            emulator.shutdown().await;
            ExitCode::SUCCESS
        }
    }
}

/// Ctrl-C or SIGTERM: finish the requests in flight, then close the database.
async fn stop_requested() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
