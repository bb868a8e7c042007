//! `/healthz` and `/readyz`: answered without a session; readiness names what fails (the
//! directory, the portal database) and fails while the replica drains. The dependencies are
//! checked in the background every two seconds, so the tests wait for the answer to change.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use workmail_emulator::{FaultKind, Faults};

pub(crate) async fn probe(portal: &Portal, path: &str) -> (StatusCode, Value) {
    // No session cookie: a load balancer has none.
    let response = portal
        .http
        .get(portal.url(path))
        .send()
        .await
        .expect("answer");
    let status = response.status();
    assert!(
        response.headers().get("set-cookie").is_none(),
        "a probe makes no session"
    );
    (status, response.json().await.expect("JSON"))
}

/// Probes `/readyz` until it answers `status` (the checks run every two seconds).
pub(crate) async fn ready_becomes(portal: &Portal, status: StatusCode) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (now, body) = probe(portal, "/readyz").await;
        if now == status {
            return body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "/readyz stayed {now}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn both_answer_without_a_session() {
    let portal = start_signed_out(|_| {}).await;
    assert_eq!(
        probe(&portal, "/healthz").await,
        (StatusCode::OK, json!({ "status": "ok" }))
    );
    assert_eq!(
        probe(&portal, "/readyz").await,
        (StatusCode::OK, json!({ "ready": true }))
    );
}

#[tokio::test]
async fn readiness_names_a_directory_that_does_not_answer_and_recovers() {
    let portal = start_signed_out(|_| {}).await;
    portal.inject("DescribeOrganization", FaultKind::DirectoryUnavailable);
    let body = ready_becomes(&portal, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(
        body,
        json!({
            "ready": false,
            "failing": ["directory"],
            "causes": { "directory": "unavailable" }
        })
    );
    // Liveness does not depend on the directory.
    assert_eq!(probe(&portal, "/healthz").await.0, StatusCode::OK);
    portal
        .emulator()
        .set_faults(Faults::default())
        .expect("no faults");
    ready_becomes(&portal, StatusCode::OK).await;
}

#[tokio::test]
async fn a_draining_replica_is_not_ready() {
    let portal = start_signed_out(|_| {}).await;
    portal.portal.start_draining();
    let (status, body) = probe(&portal, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["failing"], json!(["draining"]));
    // It still serves what is in flight and what still arrives.
    assert_eq!(probe(&portal, "/healthz").await.0, StatusCode::OK);
    let (status, _) = portal.page("/login").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn readiness_names_a_portal_database_that_does_not_answer() {
    let portal = start_signed_out(|_| {}).await;
    portal.portal.database().pool.close().await;
    let body = ready_becomes(&portal, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["failing"], json!(["database"]));
}
