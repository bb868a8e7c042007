//! DescribeUser, UpdateUser and ListUsers throughput and latency through the real SDK.
//!
//! `cargo bench -p workmail-emulator --bench throughput` (set `BENCH_SECONDS`, default 5 per
//! operation, and `BENCH_DB=memory` to skip the SQLite file). 32 concurrent clients, 10,000 users.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_workmail::Client;
use aws_sdk_workmail::config::{Credentials, Region};
use workmail_emulator::{DEMO_ORGANIZATION_ID as ORG, EmulatorConfig, RunningEmulator, Seed};

const CLIENTS: usize = 32;
const USERS: usize = 10_000;

/// Why the benchmark stopped: it reports a failed call instead of measuring around it.
type Failure = Box<dyn std::error::Error + Send + Sync>;

fn failed(operation: &str, error: impl std::fmt::Debug) -> Failure {
    format!("{operation} failed: {error:?}").into()
}

#[derive(Clone, Copy)]
enum Op {
    Describe,
    Update,
    List,
}

fn main() -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> Result<(), Failure> {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir()?;
    let in_memory = std::env::var("BENCH_DB").is_ok_and(|v| v == "memory");
    let seeding = Instant::now();
    let emulator = RunningEmulator::start(EmulatorConfig {
        db: (!in_memory).then(|| dir.path().join("bench.sqlite")),
        seed: Some(Seed::Demo),
        demo_users: USERS,
        ..EmulatorConfig::default()
    })
    .await?;
    println!(
        "seeded {USERS} users into {} in {:.2?}; {CLIENTS} concurrent clients, {seconds} s per operation",
        if in_memory { "memory" } else { "a SQLite file" },
        seeding.elapsed()
    );
    let config = aws_sdk_workmail::Config::builder()
        .behavior_version_latest()
        .endpoint_url(emulator.url())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "bench"))
        .build();
    let client = Client::from_conf(config);
    let names: Arc<Vec<String>> = Arc::new(user_names(&client).await?);
    println!(
        "{:<13} {:>10} {:>10} {:>10}",
        "operation", "req/s", "p50 ms", "p99 ms"
    );
    for (label, op) in [
        ("DescribeUser", Op::Describe),
        ("UpdateUser", Op::Update),
        ("ListUsers", Op::List),
    ] {
        let (count, mut latencies, elapsed) =
            measure(&client, &names, op, Duration::from_secs(seconds)).await?;
        latencies.sort_unstable();
        let pct = |p: f64| {
            latencies
                .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        println!(
            "{label:<13} {:>10.0} {:>10.2} {:>10.2}",
            count as f64 / elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.99)
        );
    }
    emulator.shutdown().await;
    Ok(())
}

async fn user_names(client: &Client) -> Result<Vec<String>, Failure> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_users()
            .organization_id(ORG)
            .set_next_token(token)
            .send()
            .await
            .map_err(|error| failed("ListUsers", error))?;
        names.extend(
            page.users()
                .iter()
                .filter(|u| u.state().is_some_and(|s| s.as_str() != "DELETED"))
                .filter_map(|u| u.name().map(str::to_owned)),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(names);
        }
    }
}

async fn measure(
    client: &Client,
    names: &Arc<Vec<String>>,
    op: Op,
    duration: Duration,
) -> Result<(usize, Vec<Duration>, Duration), Failure> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for worker in 0..CLIENTS {
        let client = client.clone();
        let names = Arc::clone(names);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = worker * 7919;
            while Instant::now() < deadline {
                n = n.wrapping_add(31);
                let name = &names[n % names.len()];
                let began = Instant::now();
                match op {
                    Op::Describe => client
                        .describe_user()
                        .organization_id(ORG)
                        .user_id(name)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|error| failed("DescribeUser", error))?,
                    Op::Update => client
                        .update_user()
                        .organization_id(ORG)
                        .user_id(name)
                        .telephone(format!("+1 555 {n:07}"))
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|error| failed("UpdateUser", error))?,
                    Op::List => client
                        .list_users()
                        .organization_id(ORG)
                        .max_results(100)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|error| failed("ListUsers", error))?,
                }
                latencies.push(began.elapsed());
            }
            Ok::<_, Failure>(latencies)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    Ok((all.len(), all, started.elapsed()))
}
