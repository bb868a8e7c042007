//! What the portal makes of a failing directory: each WorkMail error class (produced with the
//! emulator's fault injection and seed files), and the settings that stop start-up.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use workmail_emulator::{FaultKind, Faults};
use workmail_portal::config::{DirectorySetting, PortalConfig};

#[tokio::test]
async fn an_unknown_user_is_not_found() {
    let portal = start().await;
    let (status, _, error) = portal
        .call("get_user", json!({ "user": "no.such.user" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["kind"], "NotFound");
    assert!(
        error["reference"].is_string(),
        "the request id is passed on: {error}"
    );

    let (status, html) = portal.page("/users/no.such.user").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("User not found"));
    let (status, html) = portal.page("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
    portal.stop().await;
}

#[tokio::test]
async fn a_deleted_user_cannot_be_updated() {
    let portal = start().await;
    let loaded = portal.get_user("former.employee").await;
    let (status, _, error) = portal
        .save("former.employee", &loaded, &[("JobTitle", "Alumnus")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["kind"], "EntityState");
    portal.stop().await;
}

#[tokio::test]
async fn directory_unavailable_is_a_503_without_the_raw_message() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal.inject("UpdateUser", FaultKind::DirectoryUnavailable);
    let (status, _, error) = portal.save(JANE, &loaded, &[("JobTitle", "Lead")]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert_eq!(error["kind"], "DirectoryUnavailable");
    assert!(error["reference"].is_string());
    assert!(
        !error.to_string().contains("injected"),
        "raw message leaked: {error}"
    );

    // The page itself, when DescribeUser fails.
    portal.inject("DescribeUser", FaultKind::DirectoryUnavailable);
    let (status, html) = portal.page("/users/jane.doe").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(html.contains("unavailable right now"));
    portal.stop().await;
}

#[tokio::test]
async fn a_directory_that_cannot_authenticate_is_a_502_and_changes_nothing() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal.inject(
        "UpdateUser",
        FaultKind::DirectoryServiceAuthenticationFailed,
    );
    let (status, _, error) = portal.save(JANE, &loaded, &[("JobTitle", "Lead")]).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{error}");
    assert_eq!(error["kind"], "DirectoryAuthentication");
    assert!(
        !error.to_string().contains("injected"),
        "raw message leaked: {error}"
    );
    assert_eq!(
        portal.directory_value(JANE, "JobTitle").await,
        "Software Engineer"
    );
    portal.stop().await;
}

#[tokio::test]
async fn throttling_is_a_503_with_retry_after() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal.inject("UpdateUser", FaultKind::Throttling);
    let (status, headers, error) = portal.save(JANE, &loaded, &[("JobTitle", "Lead")]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert_eq!(error["kind"], "Throttled");
    assert!(headers.contains_key("retry-after"));
    portal.stop().await;
}

#[tokio::test]
async fn a_directory_that_does_not_answer_in_time_is_a_504() {
    let portal = start_with(|c| c.directory_timeout = Duration::from_millis(500)).await;
    let loaded = portal.get_user(JANE).await;
    portal
        .emulator()
        .set_faults(Faults {
            latency: Duration::from_secs(2),
            operations: vec!["UpdateUser".into()],
            ..Faults::default()
        })
        .expect("valid faults");
    let (status, _, error) = portal.save(JANE, &loaded, &[("JobTitle", "Lead")]).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{error}");
    assert_eq!(error["kind"], "Timeout");
    portal.stop().await;
}

// ---- Organizations the demo seed does not have: a separately running emulator, seeded
// ---- from a file, reached through PORTAL_WORKMAIL_ENDPOINT.

#[tokio::test]
async fn an_external_directory_refuses_updates_as_unsupported() {
    let (emulator, _dir) = emulator_with("Active", "ActiveDirectory").await;
    let portal = start_on(&emulator, "test").await.expect("portal starts");
    let loaded = portal.get_user("ad.user").await;
    let (status, _, error) = portal
        .save("ad.user", &loaded, &[("JobTitle", "Lead")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["kind"], "Unsupported");
    portal.stop().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_inactive_organization_is_a_503() {
    let (emulator, _dir) = emulator_with("Impaired", "WorkMail").await;
    // Start-up only warns: the organization may recover.
    let portal = start_on(&emulator, "test").await.expect("portal starts");
    let (status, _, error) = portal.call("get_user", json!({ "user": "ad.user" })).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert_eq!(error["kind"], "OrganizationState");
    portal.stop().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_stop_start_up_with_a_clear_message() {
    let (emulator, _dir) = emulator_with("Active", "WorkMail").await;
    let error = start_on(&emulator, "not-the-secret")
        .await
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(message.starts_with("AWS credentials:"), "{message}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_wrong_organization_stops_start_up_naming_the_setting() {
    let data = tempfile::tempdir().expect("temp dir");
    let config = PortalConfig {
        organization_id: "m-ffffffffffffffffffffffffffffffff".into(),
        ..test_config(&data)
    };
    let error = try_start(config, data).await.err().expect("refused");
    let message = error.to_string();
    assert!(message.starts_with("PORTAL_ORGANIZATION_ID:"), "{message}");
}

#[tokio::test]
async fn an_unreachable_endpoint_stops_start_up_naming_the_setting() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let data = tempfile::tempdir().expect("temp dir");
    let config = PortalConfig {
        directory: DirectorySetting::Endpoint(format!("http://127.0.0.1:{port}")),
        endpoint_credentials: Some(("test".into(), "test".into())),
        directory_timeout: Duration::from_secs(2),
        ..test_config(&data)
    };
    let error = try_start(config, data).await.err().expect("refused");
    let message = error.to_string();
    assert!(
        message.starts_with("PORTAL_WORKMAIL_ENDPOINT:"),
        "{message}"
    );
}
