//! The edit page (`GET /users/jane.doe`, signed in as an admin, 32 concurrent clients) on the
//! `workmail-portal` binary as operators run it:
//! 1. the default: one process, SQLite, its embedded emulator, no Redis;
//! 2. one replica on PostgreSQL + Redis (`PORTAL_SESSION_STORE=redis`);
//! 3. two replicas on the same PostgreSQL + Redis, the load split between them (16 clients
//!    each, one session used on both).
//!
//! Replicas 2 and 3 share one emulator (this process), reached over loopback HTTP. Prints
//! throughput, p50/p99 and each replica's resident memory.
//!
//! Needs the machine's PostgreSQL (`PORTAL_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`; the benchmark makes and drops a database of
//! its own) and Redis (`PORTAL_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`).
//! `RUSTFLAGS= cargo bench -p workmail-portal --bench replicas` (`BENCH_SECONDS`, default 5).

// A benchmark that cannot set itself up stops with the reason, as a test does.
#![allow(clippy::expect_used, clippy::panic, reason = "benchmark set-up")]

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Measured, answered, measure_with, resident_mib_of, sign_in, sign_in_as};
use workmail_emulator::{EmulatorConfig, RunningEmulator, Seed};

const PAGE: &str = "/users/jane.doe";
const BENCH_PASSWORD: &str = "bench-password-1";

fn main() {
    support::run_on_runtime(run());
}

/// A portal process, killed when dropped.
struct Replica {
    child: Child,
    url: String,
    _data: tempfile::TempDir,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Replica {
    async fn spawn(settings: &[(&str, String)]) -> Self {
        let data = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .expect("a free port");
        let mut command = Command::new(env!("CARGO_BIN_EXE_workmail-portal"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEPTOS_OUTPUT_NAME", "workmail-portal")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", support::SITE_ROOT)
            .env("PORTAL_DATA_DIR", data.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (name, value) in settings {
            command.env(name, value);
        }
        let replica = Replica {
            child: command.spawn().expect("the portal starts"),
            url: format!("http://127.0.0.1:{port}"),
            _data: data,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        while !answered(http.get(format!("{}/readyz", replica.url))).await {
            assert!(Instant::now() < deadline, "the portal did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        replica
    }

    fn resident(&self) -> String {
        resident_mib_of(&self.child.id().to_string())
            .map_or_else(|| "?".to_owned(), |mib| format!("{mib:.0} MiB"))
    }
}

/// `GET PAGE` on `url` with `cookie`, from `clients` clients for `phase`.
async fn edit_page(url: &str, cookie: &str, clients: usize, phase: Duration) -> Measured {
    let http = reqwest::Client::new();
    let (page, cookie) = (format!("{url}{PAGE}"), cookie.to_owned());
    measure_with(clients, phase, move || {
        answered(http.get(&page).header("cookie", &cookie))
    })
    .await
}

fn report(what: &str, measured: &Measured) {
    println!(
        "{what:<44} {:>7.0} req/s  p50 {:>5.1} ms  p99 {:>5.1} ms",
        measured.per_second(),
        measured.percentile_ms(0.50),
        measured.percentile_ms(0.99),
    );
}

async fn run() {
    let phase = Duration::from_secs(support::setting("BENCH_SECONDS", 5));
    let postgres = std::env::var("PORTAL_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let redis = std::env::var("PORTAL_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    println!(
        "edit page {PAGE}, 32 clients, {} s per phase",
        phase.as_secs()
    );

    // 1. The default.
    let default = Replica::spawn(&[]).await;
    let cookie = sign_in(&default.url, "admin").await;
    let alone = edit_page(&default.url, &cookie, 32, phase).await;
    report("one process, SQLite, embedded emulator", &alone);
    println!("  resident memory: {}", default.resident());
    drop(default);

    // The replicas' directory and database.
    let emulator_data = tempfile::tempdir().expect("temp dir");
    let emulator_config = EmulatorConfig {
        seed: Some(Seed::Demo),
        db: Some(emulator_data.path().join("emulator.sqlite3")),
        ..EmulatorConfig::default()
    };
    let aws = [
        ("AWS_ACCESS_KEY_ID", emulator_config.access_key_id.clone()),
        (
            "AWS_SECRET_ACCESS_KEY",
            emulator_config.secret_access_key.clone(),
        ),
        ("AWS_REGION", emulator_config.region.clone()),
    ];
    let emulator = RunningEmulator::start(emulator_config)
        .await
        .expect("emulator starts");
    let admin = sqlx::PgPool::connect(&postgres)
        .await
        .expect("PostgreSQL (PORTAL_TEST_POSTGRES_URL)");
    let database = format!("portal_bench_replicas_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&admin)
        .await
        .expect("create database");
    let (server, _) = postgres.rsplit_once('/').expect("a database path");
    let database_url = format!("{server}/{database}");
    add_admin(&database_url).await;
    let mut settings = vec![
        ("PORTAL_WORKMAIL_ENDPOINT", emulator.url().to_owned()),
        ("PORTAL_DATABASE_URL", database_url.clone()),
        ("PORTAL_SESSION_STORE", "redis".to_owned()),
        ("PORTAL_REDIS_URL", redis),
        (
            "PORTAL_REDIS_PREFIX",
            format!("portal-bench:{}:", std::process::id()),
        ),
    ];
    settings.extend(aws.iter().map(|(name, value)| (*name, value.clone())));

    // 2. One replica on PostgreSQL + Redis.
    let a = Replica::spawn(&settings).await;
    let cookie = sign_in_as(&a.url, "bench-admin", BENCH_PASSWORD).await;
    let one = edit_page(&a.url, &cookie, 32, phase).await;
    report("one replica, PostgreSQL + Redis", &one);
    println!("  resident memory: A {}", a.resident());

    // 3. Two replicas, one session, the load split.
    let b = Replica::spawn(&settings).await;
    let (on_a, on_b) = tokio::join!(
        edit_page(&a.url, &cookie, 16, phase),
        edit_page(&b.url, &cookie, 16, phase)
    );
    println!(
        "{:<44} {:>7.0} req/s",
        "two replicas, PostgreSQL + Redis, together",
        on_a.per_second() + on_b.per_second()
    );
    report("  replica A (16 clients)", &on_a);
    report("  replica B (16 clients)", &on_b);
    println!("  resident memory: A {}, B {}", a.resident(), b.resident());
    println!(
        "(all on this machine's {} cores, with the emulator and the load generator)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    drop((a, b));
    emulator.shutdown().await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        .execute(&admin)
        .await
        .expect("drop database");
}

/// The replicas' database has no demo accounts (they come with the embedded directory only):
/// an admin is added the way the accounts command does.
async fn add_admin(database_url: &str) {
    let database = workmail_portal::store::open_url(database_url)
        .await
        .expect("the replicas' database");
    let hash = workmail_portal::auth::password::hash_password(BENCH_PASSWORD).expect("hash");
    workmail_portal::store::AccountStore::new(&database)
        .add(workmail_portal::store::NewAccount {
            login: "bench-admin".to_owned(),
            password_hash: hash,
            roles: vec!["admin".to_owned()],
            workmail_user: None,
        })
        .await
        .expect("account added");
    database.pool.close().await;
}
