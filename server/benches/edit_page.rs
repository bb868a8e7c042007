//! The edit page under load: `GET /users/jane.doe`, signed in as the demo admin, at 32
//! concurrent requests against the embedded emulator, and, in the same run, the emulator's own
//! DescribeUser throughput through the same SDK over its loopback listener (as any client
//! outside the portal sees it; the portal itself reaches the emulator in-process).
//!
//! Two phases take the page apart, to show what its budget is up against:
//! - the page's directory read alone: the portal's SDK client calling the emulator in-process,
//!   with no HTTP request, session or rendering (throughput only: nothing in it waits, so each
//!   task runs its read through without yielding and its latency is not comparable);
//! - the `get_user` server function: the same read behind HTTP, the session and the field
//!   gating, answered as JSON: the page without its rendering.
//!
//! Then a small static file from the bundle on one keep-alive connection and at 32 connections
//! (checks that nothing stalls small answers).
//!
//! After `cargo leptos build` (the static phase reads `target/site/pkg`):
//! `source scripts/leptos-env.sh && RUSTFLAGS= cargo bench -p workmail-portal --bench edit_page`
//! (`RUSTFLAGS=` builds the server as a release build is, without `--cfg erase_components`;
//! `BENCH_SECONDS`, default 5 per phase).

// A benchmark that cannot set itself up stops with the reason, as a test does.
#![allow(clippy::expect_used, clippy::panic, reason = "benchmark set-up")]

mod support;

use std::sync::Arc;
use std::time::Duration;
use support::{answered, measure, measure_with, sign_in};

use aws_sdk_workmail::config::{Credentials, Region};
use workmail_emulator::DEMO_ORGANIZATION_ID;
use workmail_portal::config::PortalConfig;

const USER: &str = "jane.doe";

fn main() {
    support::run_on_runtime(run());
}

async fn run() {
    let seconds = support::setting("BENCH_SECONDS", 5);
    let phase = Duration::from_secs(seconds);
    let site_root = support::SITE_ROOT;
    let (portal, _data) = support::start_portal(PortalConfig::default()).await;
    let emulator_url = portal
        .emulator()
        .expect("embedded emulator")
        .url()
        .to_owned();
    println!(
        "{} concurrent clients, {seconds} s per phase",
        support::CONCURRENCY
    );

    let sdk = aws_sdk_workmail::Client::from_conf(
        aws_sdk_workmail::Config::builder()
            .behavior_version_latest()
            .endpoint_url(&emulator_url)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "bench"))
            .build(),
    );
    let emulator = measure(phase, move || {
        let sdk = sdk.clone();
        async move {
            sdk.describe_user()
                .organization_id(DEMO_ORGANIZATION_ID)
                .user_id(USER)
                .send()
                .await
                .is_ok()
        }
    })
    .await;

    let directory = portal.directory().clone();
    let directory_read = measure(phase, move || {
        let directory = directory.clone();
        async move { directory.describe_user(USER).await.is_ok() }
    })
    .await;

    let cookie = Arc::new(sign_in(portal.url(), "admin").await);
    let http = reqwest::Client::new();
    let server_fn = {
        let api = Arc::new(format!("{}/api/get_user", portal.url()));
        let origin = Arc::new(portal.url().to_owned());
        let (http, cookie) = (http.clone(), Arc::clone(&cookie));
        move || {
            let (http, cookie) = (http.clone(), Arc::clone(&cookie));
            let (api, origin) = (Arc::clone(&api), Arc::clone(&origin));
            async move {
                answered(
                    http.post(api.as_str())
                        .header("cookie", cookie.as_str())
                        .header("origin", origin.as_str())
                        .json(&serde_json::json!({ "user": USER })),
                )
                .await
            }
        }
    };
    let without_rendering = measure(phase, server_fn).await;

    let page = Arc::new(format!("{}/users/{USER}", portal.url()));
    let edit_page = measure(phase, move || {
        let http = http.clone();
        let page = Arc::clone(&page);
        let cookie = Arc::clone(&cookie);
        async move { answered(http.get(page.as_str()).header("cookie", cookie.as_str())).await }
    })
    .await;

    let css = std::fs::read_dir(format!("{site_root}/pkg"))
        .expect("target/site/pkg: run `cargo leptos build` first")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .find(|name| name.ends_with(".css"))
        .expect("a stylesheet in target/site/pkg");
    let asset = Arc::new(format!("{}/pkg/{css}", portal.url()));
    let fetch_asset = |http: reqwest::Client, asset: Arc<String>| {
        move || {
            let http = http.clone();
            let asset = Arc::clone(&asset);
            async move { answered(http.get(asset.as_str())).await }
        }
    };
    let one_connection = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .expect("client");
    let static_one = measure_with(1, phase, fetch_asset(one_connection, Arc::clone(&asset))).await;
    let static_many = measure(phase, fetch_asset(reqwest::Client::new(), asset)).await;

    println!(
        "{:<34} {:>10} {:>10} {:>10}",
        "", "req/s", "p50 ms", "p99 ms"
    );
    for (label, m, latencies) in [
        ("emulator DescribeUser (SDK)", &emulator, true),
        ("page's directory read alone", &directory_read, false),
        ("server fn get_user, no rendering", &without_rendering, true),
        ("edit page GET /users/{id}", &edit_page, true),
        ("static file, 1 keep-alive conn", &static_one, true),
        ("static file, 32 connections", &static_many, true),
    ] {
        let (p50, p99) = if latencies {
            (
                format!("{:.2}", m.percentile_ms(0.50)),
                format!("{:.2}", m.percentile_ms(0.99)),
            )
        } else {
            ("-".to_owned(), "-".to_owned())
        };
        println!("{label:<34} {:>10.0} {p50:>10} {p99:>10}", m.per_second());
    }
    println!(
        "edit page throughput = {:.0} % of the emulator's DescribeUser",
        100.0 * edit_page.per_second() / emulator.per_second()
    );
    portal.shutdown().await;
}
