//! Directory search under load: the portal on its embedded emulator seeded with 10,000 users,
//! signed in as the demo helpdesk account, 16 clients searching at once through the search
//! server function and through the `/users?q=…` page, with prefixes of the three keys.
//! Prints throughput, p50/p99 and the process's resident memory (portal and emulator share the
//! process).
//!
//! `source scripts/leptos-env.sh && cargo bench -p workmail-portal --bench directory_search`
//! (`BENCH_SECONDS`, default 5 per phase; `BENCH_USERS`, default 10000).

// A benchmark that cannot set itself up stops with the reason, as a test does.
#![allow(clippy::expect_used, clippy::panic, reason = "benchmark set-up")]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{answered, measure_with, resident_mib, sign_in};
use workmail_portal::config::PortalConfig;

const SEARCHERS: usize = 16;

/// What people type: user-name, display-name and email prefixes, short and long, some that
/// match nothing, and the empty search (everyone, first page).
const PREFIXES: [&str; 12] = [
    "a",
    "ja",
    "jane.doe@",
    "Yara M",
    "zoe.",
    "Kim",
    "ben.s",
    "Emma Ga",
    "liam",
    "x",
    "nobody",
    "",
];

fn main() {
    support::run_on_runtime(run());
}

async fn run() {
    let seconds = support::setting("BENCH_SECONDS", 5);
    let users = usize::try_from(support::setting("BENCH_USERS", 10_000)).unwrap_or(10_000);
    let phase = Duration::from_secs(seconds);
    let before = resident_mib();
    let config = PortalConfig {
        demo_users: users,
        ..PortalConfig::default()
    };
    let started = Instant::now();
    let (portal, _data) = support::start_portal(config).await;
    let start_up = started.elapsed();
    let after_start = resident_mib();
    println!(
        "{users} users; start-up with seeding and the first index refresh: {:.2} s",
        start_up.as_secs_f64()
    );
    println!("{SEARCHERS} concurrent searchers, {seconds} s per phase");

    let cookie = Arc::new(sign_in(portal.url(), "helpdesk").await);
    let http = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let api = Arc::new(format!("{}/api/search_users", portal.url()));
    let origin = Arc::new(portal.url().to_owned());
    let server_fn = {
        let (http, cookie, next, api, origin) = (
            http.clone(),
            Arc::clone(&cookie),
            Arc::clone(&next),
            Arc::clone(&api),
            Arc::clone(&origin),
        );
        move || {
            let (http, cookie, api, origin) = (
                http.clone(),
                Arc::clone(&cookie),
                Arc::clone(&api),
                Arc::clone(&origin),
            );
            let prefix = PREFIXES[next.fetch_add(1, Ordering::Relaxed) % PREFIXES.len()];
            async move {
                let body = serde_json::json!({ "query": {
                    "search": prefix, "state": null, "page": 1, "page_size": 25 } });
                answered(
                    http.post(api.as_str())
                        .header("cookie", cookie.as_str())
                        .header("origin", origin.as_str())
                        .json(&body),
                )
                .await
            }
        }
    };
    let searches = measure_with(SEARCHERS, phase, server_fn).await;

    let base = Arc::new(portal.url().to_owned());
    let page = {
        let (cookie, next, base) = (Arc::clone(&cookie), Arc::clone(&next), Arc::clone(&base));
        move || {
            let (http, cookie, base) = (http.clone(), Arc::clone(&cookie), Arc::clone(&base));
            let prefix = PREFIXES[next.fetch_add(1, Ordering::Relaxed) % PREFIXES.len()];
            async move {
                let url = format!("{base}/users?q={}", prefix.replace(' ', "%20"));
                answered(http.get(url).header("cookie", cookie.as_str())).await
            }
        }
    };
    let pages = measure_with(SEARCHERS, phase, page).await;
    // The two searches the scaling goal names, each alone.
    let one_search = |query: &'static str| {
        let (http, cookie, base) = (
            reqwest::Client::new(),
            Arc::clone(&cookie),
            Arc::clone(&base),
        );
        move || {
            let (http, cookie, base) = (http.clone(), Arc::clone(&cookie), Arc::clone(&base));
            async move {
                let url = format!("{base}/users{query}");
                answered(http.get(url).header("cookie", cookie.as_str())).await
            }
        }
    };
    let ja = measure_with(SEARCHERS, phase, one_search("?q=ja")).await;
    let everyone = measure_with(SEARCHERS, phase, one_search("")).await;
    let after_load = resident_mib();

    println!(
        "{:<38} {:>10} {:>10} {:>10}",
        "", "req/s", "p50 ms", "p99 ms"
    );
    for (label, m) in [
        ("search_users server function", &searches),
        ("GET /users?q=… (whole page)", &pages),
        ("GET /users?q=ja", &ja),
        ("GET /users (everyone, first page)", &everyone),
    ] {
        println!(
            "{label:<38} {:>10.0} {:>10.2} {:>10.2}",
            m.per_second(),
            m.percentile_ms(0.50),
            m.percentile_ms(0.99)
        );
    }
    let mib = |value: Option<f64>| value.map_or("n/a".to_owned(), |v| format!("{v:.1} MiB"));
    println!(
        "resident memory: {} before start, {} after start-up, {} after the load",
        mib(before),
        mib(after_start),
        mib(after_load)
    );
    let snapshot = portal.directory_index().snapshot();
    let (indexed, bytes) = (snapshot.users.len(), snapshot.users.heap_bytes());
    println!(
        "index: {indexed} users, {:.1} MiB asked of the allocator, {} bytes a user",
        bytes as f64 / (1024.0 * 1024.0),
        bytes / indexed.max(1)
    );
    portal.shutdown().await;
}
