//! `workmail-emulator`: the WorkMail user API on a local port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use workmail_emulator::{
    DEMO_ORGANIZATION_ID, EmulatorConfig, FaultKind, RunningEmulator, Seed, stored_password_matches,
};

/// Serves the Amazon WorkMail user API (AWS JSON 1.1, SigV4) from a SQLite database.
#[derive(Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: Serve,
}

#[derive(Subcommand)]
enum Command {
    /// Checks the password on standard input against a user's stored hash in a database file
    /// (also while an emulator serves it): exit status 0 when it matches, 1 when it does not.
    /// For tests of password resets; the emulator keeps no password as given.
    CheckPassword {
        /// The emulator's SQLite file.
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value = DEMO_ORGANIZATION_ID)]
        organization_id: String,
        /// The user's id, name or address.
        #[arg(long)]
        user: String,
    },
}

/// Serving (the default, without a subcommand).
#[derive(Args)]
struct Serve {
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
    match cli.command {
        Some(Command::CheckPassword {
            db,
            organization_id,
            user,
        }) => check_password(&db, &organization_id, &user),
        None => serve(cli.serve).await,
    }
}

fn check_password(db: &std::path::Path, organization_id: &str, user: &str) -> ExitCode {
    let mut password = String::new();
    if let Err(error) = std::io::stdin().read_line(&mut password) {
        eprintln!("workmail-emulator: cannot read the password from standard input: {error}");
        return ExitCode::from(2);
    }
    let password = password.trim_end_matches(['\r', '\n']);
    match stored_password_matches(db, organization_id, user, password) {
        Ok(true) => {
            println!("the password matches");
            ExitCode::SUCCESS
        }
        Ok(false) => {
            println!("the password does not match");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("workmail-emulator: {error}");
            ExitCode::from(2)
        }
    }
}

async fn serve(cli: Serve) -> ExitCode {
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
