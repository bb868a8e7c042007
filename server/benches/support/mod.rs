//! What the benchmarks share: load generation, percentiles, signing in.

#![allow(dead_code, reason = "each benchmark uses part of it")]

use std::time::{Duration, Instant};

/// Runs a benchmark's async body on a multi-threaded runtime.
pub fn run_on_runtime<F: std::future::Future<Output = ()>>(body: F) {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(body);
}

/// A whole-number environment setting of the benchmark, or `default`.
pub fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Where `cargo leptos build` puts the bundle.
pub const SITE_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site");

/// Starts the portal on its embedded emulator in a temp dir, serving the bundle from
/// [`SITE_ROOT`].
pub async fn start_portal(
    config: workmail_portal::config::PortalConfig,
) -> (workmail_portal::RunningPortal, tempfile::TempDir) {
    start_portal_on(config, 0).await
}

/// [`start_portal`] on a given loopback port (0: any).
pub async fn start_portal_on(
    config: workmail_portal::config::PortalConfig,
    port: u16,
) -> (workmail_portal::RunningPortal, tempfile::TempDir) {
    let data = tempfile::tempdir().expect("temp dir");
    let config = workmail_portal::config::PortalConfig {
        data_dir: data.path().to_path_buf(),
        ..config
    };
    let options = leptos::config::LeptosOptions::builder()
        .output_name("workmail-portal")
        .site_root(SITE_ROOT)
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .build();
    let portal = workmail_portal::start(config, options)
        .await
        .expect("portal starts");
    (portal, data)
}

/// Concurrent clients of the default phase.
pub const CONCURRENCY: usize = 32;

pub struct Measured {
    pub requests: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl Measured {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        let index = ((self.latencies.len() as f64 * p) as usize).min(self.latencies.len() - 1);
        self.latencies[index].as_secs_f64() * 1000.0
    }
}

/// Sends `request`; whether it was answered with a success and its whole body arrived.
pub async fn answered(request: reqwest::RequestBuilder) -> bool {
    match request.send().await {
        Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
        Err(_) => false,
    }
}

/// Signs in as a demo account and returns the session cookie to send.
pub async fn sign_in(portal: &str, login: &str) -> String {
    let password =
        std::env::var("PORTAL_DEMO_PASSWORD").unwrap_or_else(|_| "demo-password".to_owned());
    sign_in_as(portal, login, &password).await
}

/// Signs in as `login` with `password` and returns the session cookie to send.
pub async fn sign_in_as(portal: &str, login: &str, password: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = http
        .post(format!("{portal}/login"))
        .header("origin", portal)
        .form(&[("login", login), ("password", password), ("next", "/users")])
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
pub async fn measure<F, Fut>(duration: Duration, request: F) -> Measured
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    measure_with(CONCURRENCY, duration, request).await
}

pub async fn measure_with<F, Fut>(concurrency: usize, duration: Duration, request: F) -> Measured
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

/// The process's resident memory in MiB (Linux), for reports.
pub fn resident_mib() -> Option<f64> {
    resident_mib_of("self")
}

/// Process `pid`'s resident memory in MiB (Linux; `self` for this one).
pub fn resident_mib_of(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}
