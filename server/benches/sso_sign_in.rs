//! The single sign-on round trip: from the portal's "Sign in with …" to the signed-in
//! redirect, through the test OpenID Provider (its login page included), 20 times one after
//! another; prints the median and the spread.
//!
//! ```text
//! source scripts/leptos-env.sh && cargo bench -p workmail-portal --bench sso_sign_in
//! ```
//! Needs Node and `end2end/node_modules` (scripts/install-tools.sh).

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark that cannot run stops with a message"
)]

#[path = "../tests/support/oidc.rs"]
mod oidc;
mod support;

use oidc::{Browser, CLIENT_ID, CLIENT_SECRET, start_provider, to_callback};
use std::time::{Duration, Instant};

fn main() {
    support::run_on_runtime(run());
}

async fn run() {
    let rounds = support::setting("BENCH_ROUNDS", 20) as usize;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let portal_url = format!("http://127.0.0.1:{port}");
    let provider = start_provider(&portal_url, 0).unwrap_or_else(|e| panic!("{e}"));
    let vars: std::collections::HashMap<String, String> = [
        ("PORTAL_PUBLIC_URL", portal_url.as_str()),
        ("PORTAL_OIDC_ISSUER", provider.issuer.as_str()),
        ("PORTAL_OIDC_CLIENT_ID", CLIENT_ID),
        ("PORTAL_OIDC_CLIENT_SECRET", CLIENT_SECRET),
        ("PORTAL_OIDC_SCOPES", "openid email groups"),
        ("PORTAL_OIDC_ROLES", "portal-admins=admin"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let config = workmail_portal::config::PortalConfig::from_vars(&vars).expect("valid settings");
    let (portal, _data) = support::start_portal_on(config, port).await;

    let mut times: Vec<Duration> = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        // A new browser each time: no session at the portal or the provider.
        let browser = Browser::new();
        let started = Instant::now();
        let flow = to_callback(&browser, portal.url(), "next=/users", "ada").await;
        let answer = browser.get(&flow.callback).await;
        times.push(started.elapsed());
        assert_eq!(answer.status.as_u16(), 303, "{}", answer.body);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "single sign-on round trip, login page included ({rounds} sign-ins): median {:.1} ms, \
         min {:.1} ms, max {:.1} ms",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    portal.shutdown().await;
}
