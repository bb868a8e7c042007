//! The edit page under load: `GET /users/jane.doe`, signed in as the demo admin, at 32
//! concurrent requests against the embedded emulator, and the emulator's own DescribeUser throughput in the same run, through
//! the same SDK the portal uses, for comparison. Then a small static file from the bundle on
//! one keep-alive connection and at 32 connections (checks that nothing stalls small answers).
//!
//! After `cargo leptos build` (the static phase reads `target/site/pkg`):
//! `source scripts/leptos-env.sh && cargo bench -p workmail-portal --bench edit_page`
//! (`BENCH_SECONDS`, default 5 per phase).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_workmail::config::{Credentials, Region};
use workmail_emulator::DEMO_ORGANIZATION_ID;
use workmail_portal::config::PortalConfig;

const CONCURRENCY: usize = 32;
const USER: &str = "jane.doe";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

struct Measured {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Measured {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        let index = ((self.latencies.len() as f64 * p) as usize).min(self.latencies.len() - 1);
        self.latencies[index].as_secs_f64() * 1000.0
    }
}

async fn run() {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let phase = Duration::from_secs(seconds);
    let data = tempfile::tempdir().expect("temp dir");
    let config = PortalConfig {
        data_dir: data.path().to_path_buf(),
        ..PortalConfig::default()
    };
    let site_root = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site");
    let options = leptos::config::LeptosOptions::builder()
        .output_name("workmail-portal")
        .site_root(site_root)
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    let portal = workmail_portal::start(config, options)
        .await
        .expect("portal starts");
    let emulator_url = portal
        .emulator()
        .expect("embedded emulator")
        .url()
        .to_owned();
    println!("{CONCURRENCY} concurrent clients, {seconds} s per phase");

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

    let cookie = Arc::new(sign_in(portal.url()).await);
    let http = reqwest::Client::new();
    let page = Arc::new(format!("{}/users/{USER}", portal.url()));
    let edit_page = measure(phase, move || {
        let http = http.clone();
        let page = Arc::clone(&page);
        let cookie = Arc::clone(&cookie);
        async move {
            match http
                .get(page.as_str())
                .header("cookie", cookie.as_str())
                .send()
                .await
            {
                Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
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
            async move {
                match http.get(asset.as_str()).send().await {
                    Ok(response) => {
                        response.status().is_success() && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                }
            }
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
    for (label, m) in [
        ("emulator DescribeUser (SDK)", &emulator),
        ("edit page GET /users/{id}", &edit_page),
        ("static file, 1 keep-alive conn", &static_one),
        ("static file, 32 connections", &static_many),
    ] {
        println!(
            "{label:<34} {:>10.0} {:>10.2} {:>10.2}",
            m.per_second(),
            m.percentile_ms(0.50),
            m.percentile_ms(0.99)
        );
    }
    println!(
        "edit page throughput = {:.0} % of the emulator's DescribeUser",
        100.0 * edit_page.per_second() / emulator.per_second()
    );
    portal.shutdown().await;
}

/// Signs in as the demo admin and returns the session cookie to send.
async fn sign_in(portal: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let password =
        std::env::var("PORTAL_DEMO_PASSWORD").unwrap_or_else(|_| "demo-password".to_owned());
    let response = http
        .post(format!("{portal}/login"))
        .header("origin", portal)
        .form(&[
            ("login", "admin"),
            ("password", &password),
            ("next", "/users"),
        ])
        .send()
        .await
        .expect("sign-in answers");
    assert_eq!(
        response.status(),
        reqwest::StatusCode::SEE_OTHER,
        "signed in"
    );
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("portal_session="))
        .and_then(|value| value.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// Runs `request` from CONCURRENCY tasks for `duration`; every request must succeed.
async fn measure<F, Fut>(duration: Duration, request: F) -> Measured
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    measure_with(CONCURRENCY, duration, request).await
}

async fn measure_with<F, Fut>(concurrency: usize, duration: Duration, request: F) -> Measured
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let began = Instant::now();
                assert!(request().await, "a request failed");
                latencies.push(began.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("worker"));
    }
    latencies.sort_unstable();
    Measured {
        requests: latencies.len(),
        elapsed: started.elapsed(),
        latencies,
    }
}
