//! The `workmail-portal` binary itself, as an operator runs it: JSON logs, and draining on
//! SIGTERM.

use crate::harness::DEMO_PASSWORD;
use reqwest::StatusCode;
use serde_json::Value;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary on the embedded directory in a temp dir, on a free port, with `settings`.
fn spawn(data: &tempfile::TempDir, settings: &[(&str, &str)]) -> (Child, String) {
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
        .env("PORTAL_DATA_DIR", data.path())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in settings {
        command.env(name, value);
    }
    (
        command.spawn().expect("the portal starts"),
        format!("http://127.0.0.1:{port}"),
    )
}

async fn wait_until_up(http: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while http.get(format!("{url}/healthz")).send().await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the portal did not start in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[tokio::test]
async fn json_logs_sum_up_each_request_and_never_hold_a_secret() {
    let data = tempfile::tempdir().expect("temp dir");
    let (mut child, url) = spawn(
        &data,
        &[("PORTAL_LOG_FORMAT", "json"), ("PORTAL_DRAIN_SECONDS", "0")],
    );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    wait_until_up(&http, &url).await;
    let signed_in = http
        .post(format!("{url}/login"))
        .header("origin", &url)
        .form(&[
            ("login", "admin"),
            ("password", DEMO_PASSWORD),
            ("next", "/users"),
        ])
        .send()
        .await
        .expect("sign-in");
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = signed_in
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let page = http
        .get(format!("{url}/users/jane.doe"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let request_id = page.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_owned();
    terminate(&child);
    let status = child.wait().expect("exits");
    assert!(status.success(), "exit status {status}");
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read");

    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(lines.len() > 3, "{stdout}");
    let answered = lines
        .iter()
        .find(|line| line["span"]["request_id"] == request_id.as_str())
        .filter(|line| line["fields"]["message"] == "answered")
        .unwrap_or_else(|| panic!("no summary of request {request_id}: {stdout}"));
    assert_eq!(answered["level"], "INFO");
    assert!(answered["timestamp"].is_string());
    assert_eq!(answered["fields"]["method"], "GET");
    assert_eq!(
        answered["fields"]["route"], "/users/{id}",
        "no user id in the route"
    );
    assert_eq!(answered["fields"]["status"], 200);
    assert_eq!(answered["fields"]["account"], "admin");
    assert!(answered["fields"]["duration_ms"].is_number());
    let session = cookie.split_once('=').map(|(_, v)| v).expect("a value");
    assert!(!stdout.contains(DEMO_PASSWORD), "a password in the log");
    assert!(!stdout.contains(session), "a session cookie in the log");
}

#[tokio::test]
async fn sigterm_fails_readiness_first_then_the_portal_exits_cleanly() {
    let data = tempfile::tempdir().expect("temp dir");
    let (mut child, url) = spawn(&data, &[("PORTAL_DRAIN_SECONDS", "2")]);
    let http = reqwest::Client::new();
    wait_until_up(&http, &url).await;
    let ready = http
        .get(format!("{url}/readyz"))
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status(), StatusCode::OK);
    terminate(&child);
    // Draining: still answering, no longer ready.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let draining = http
        .get(format!("{url}/readyz"))
        .send()
        .await
        .expect("answer");
    assert_eq!(draining.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = draining.json().await.expect("JSON");
    assert_eq!(body["failing"], serde_json::json!(["draining"]));
    let started = Instant::now();
    let status = child.wait().expect("exits");
    assert!(status.success(), "exit status {status}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        http.get(format!("{url}/healthz")).send().await.is_err(),
        "no longer listening"
    );
}

/// Pointed at AWS with no credentials anywhere, start-up says so and names the providers the
/// chain tried, with or without AWS_REGION, instead of blaming the region or the network.
#[tokio::test]
async fn without_aws_credentials_start_up_names_the_real_cause() {
    for region in [Some("eu-west-1"), None] {
        let data = tempfile::tempdir().expect("temp dir");
        let home = data.path().display().to_string();
        let mut settings = vec![
            ("PORTAL_DIRECTORY", "aws"),
            ("HOME", home.as_str()),
            // No instance metadata service here: the chain would wait for it otherwise.
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ];
        if let Some(region) = region {
            settings.push(("AWS_REGION", region));
        }
        let (child, _) = spawn(&data, &settings);
        let output = child.wait_with_output().expect("exits");
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("cannot start: AWS credentials: none found"),
            "{region:?}: {stderr}"
        );
        assert!(stderr.contains("AWS_ACCESS_KEY_ID") && stderr.contains("EC2 instance metadata"));
        assert!(
            !stderr.contains("check the network"),
            "{region:?}: {stderr}"
        );
    }
}
