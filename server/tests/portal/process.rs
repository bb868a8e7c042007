//! The `workmail-portal` binary itself, as an operator runs it: JSON logs, and draining on
//! SIGTERM.

use crate::harness::DEMO_PASSWORD;
use reqwest::StatusCode;
use serde_json::Value;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running binary, killed if the test ends before it exits.
struct Running(Option<Child>);

impl Running {
    fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("running")
    }

    /// Waits for the exit (at most a minute), then what it wrote.
    fn finish(mut self) -> (std::process::ExitStatus, String, String) {
        let mut child = self.0.take().expect("running");
        // Read both pipes while waiting, so that a full pipe cannot stall the portal.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let out = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let err = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the portal did not exit within a minute");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        (
            status,
            out.join().expect("stdout read"),
            err.join().expect("stderr read"),
        )
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The binary on the embedded directory in a temp dir, on a free port, with `settings`.
fn spawn(data: &tempfile::TempDir, settings: &[(&str, &str)]) -> (Running, String) {
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
        Running(Some(command.spawn().expect("the portal starts"))),
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

fn terminate(child: &mut Running) {
    let child = child.child();
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
    terminate(&mut child);
    let (status, stdout, _) = child.finish();
    assert!(status.success(), "exit status {status}");

    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(lines.len() > 3, "{stdout}");
    let answered = lines
        .iter()
        .find(|line| {
            line["span"]["request_id"] == request_id.as_str()
                && line["fields"]["message"] == "answered"
        })
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
    let (mut child, url) = spawn(&data, &[("PORTAL_DRAIN_SECONDS", "5")]);
    let http = reqwest::Client::new();
    wait_until_up(&http, &url).await;
    let ready = http
        .get(format!("{url}/readyz"))
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status(), StatusCode::OK);
    terminate(&mut child);
    // Draining: still answering, no longer ready.
    let deadline = Instant::now() + Duration::from_secs(4);
    let body: Value = loop {
        let answer = http
            .get(format!("{url}/readyz"))
            .send()
            .await
            .expect("answer");
        if answer.status() == StatusCode::SERVICE_UNAVAILABLE {
            break answer.json().await.expect("JSON");
        }
        assert!(Instant::now() < deadline, "still ready after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(body["failing"], serde_json::json!(["draining"]));
    let (status, _, _) = child.finish();
    assert!(status.success(), "exit status {status}");
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
        let (status, _, stderr) = child.finish();
        assert!(!status.success());
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
