//! Leaving WorkMail, measured in one run: exporting a 10,000-user organization (`export`
//! command, each format, from a separately running emulator over its HTTP listener), loading the
//! LDIF into a real slapd, and then the edit page (`GET /users/jane.doe`, 32 concurrent
//! clients, signed in as an admin) served by the portal on each directory: the emulator through
//! its endpoint, and OpenLDAP. Both directories are reached over loopback TCP, so the two edit
//! page figures compare like for like.
//!
//! `source scripts/leptos-env.sh && cargo bench -p workmail-portal --bench leaving_workmail`
//! (`BENCH_USERS`, default 10000; `BENCH_SECONDS`, default 5 per phase; needs slapd, which
//! `scripts/install-tools.sh` installs).

// A benchmark that cannot set itself up stops with the reason, as a test does.
#![allow(clippy::expect_used, clippy::panic, reason = "benchmark set-up")]

#[path = "../tests/support/slapd.rs"]
mod slapd;
mod support;

use slapd::{PEOPLE_DN, Slapd};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{answered, measure};
use workmail_emulator::{DEMO_ORGANIZATION_ID, EmulatorConfig, RunningEmulator, Seed};
use workmail_portal::config::{DirectorySetting, PortalConfig};

const USER: &str = "jane.doe";

fn main() {
    support::run_on_runtime(run());
}

async fn run() {
    assert!(
        slapd::installed(),
        "slapd is not installed: run scripts/install-tools.sh"
    );
    let users = support::setting("BENCH_USERS", 10_000) as usize;
    let phase = Duration::from_secs(support::setting("BENCH_SECONDS", 5));
    let dir = tempfile::tempdir().expect("temp dir");
    let seeding = Instant::now();
    let emulator = RunningEmulator::start(EmulatorConfig {
        seed: Some(Seed::Demo),
        demo_users: users,
        db: Some(dir.path().join("emulator.sqlite3")),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    println!(
        "emulator seeded with {users} users in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let on_emulator = PortalConfig {
        directory: DirectorySetting::Endpoint(emulator.url().to_owned()),
        organization_id: DEMO_ORGANIZATION_ID.to_owned(),
        endpoint_credentials: Some(("test".into(), "test".into())),
        data_dir: dir.path().join("portal"),
        ..PortalConfig::default()
    };
    let mut ldif = Vec::new();
    for format in ["json", "csv", "ldif"] {
        let output = dir.path().join(format!("export.{format}"));
        let mut args = vec![
            "--format".to_owned(),
            format.to_owned(),
            "--output".to_owned(),
            output.display().to_string(),
        ];
        if format == "ldif" {
            args.extend(["--base-dn".to_owned(), PEOPLE_DN.to_owned()]);
        }
        let started = Instant::now();
        workmail_portal::cli::run_export(&args, &on_emulator, &mut Vec::new(), &mut Vec::new())
            .await
            .expect("export");
        let elapsed = started.elapsed().as_secs_f64();
        let bytes = std::fs::read(&output).expect("export file");
        println!(
            "export of {users} users as {format:<4}: {elapsed:>6.2} s ({:.1} MB)",
            bytes.len() as f64 / 1e6
        );
        if format == "ldif" {
            ldif = bytes;
        }
    }

    let server = Slapd::start();
    let loading = Instant::now();
    server.add(&String::from_utf8(ldif).expect("UTF-8"));
    println!(
        "ldapadd of the LDIF into slapd: {:.1} s",
        loading.elapsed().as_secs_f64()
    );
    let on_ldap = PortalConfig {
        directory: DirectorySetting::Ldap(Box::new(server.portal_settings())),
        ..PortalConfig::default()
    };

    println!(
        "\nedit page GET /users/{USER}, {} concurrent clients, {} s each",
        support::CONCURRENCY,
        phase.as_secs()
    );
    println!(
        "{:<24} {:>10} {:>10} {:>10}",
        "directory", "req/s", "p50 ms", "p99 ms"
    );
    for (label, config) in [
        ("emulator (endpoint)", on_emulator),
        ("OpenLDAP (slapd)", on_ldap),
    ] {
        let (portal, _data) = support::start_portal(config).await;
        add_admin(&portal).await;
        let cookie = Arc::new(support::sign_in(portal.url(), "bench-admin").await);
        let page = Arc::new(format!("{}/users/{USER}", portal.url()));
        let http = reqwest::Client::new();
        let measured = measure(phase, move || {
            let (http, page, cookie) = (http.clone(), Arc::clone(&page), Arc::clone(&cookie));
            async move { answered(http.get(page.as_str()).header("cookie", cookie.as_str())).await }
        })
        .await;
        println!(
            "{label:<24} {:>10.0} {:>10.2} {:>10.2}",
            measured.per_second(),
            measured.percentile_ms(0.50),
            measured.percentile_ms(0.99)
        );
        portal.shutdown().await;
    }
    emulator.shutdown().await;
}

/// An admin account with the demo password (no demo accounts outside the embedded directory).
async fn add_admin(portal: &workmail_portal::RunningPortal) {
    let password =
        std::env::var("PORTAL_DEMO_PASSWORD").unwrap_or_else(|_| "demo-password".to_owned());
    portal
        .accounts()
        .add(workmail_portal::store::NewAccount {
            login: "bench-admin".to_owned(),
            password_hash: workmail_portal::auth::password::hash_password(&password).expect("hash"),
            roles: vec!["admin".to_owned()],
            workmail_user: None,
        })
        .await
        .expect("account added");
}
