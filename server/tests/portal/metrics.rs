//! Prometheus metrics: on their own listener only, with the figures an operator watches, and
//! no user data in any label.

use crate::harness::*;
use reqwest::StatusCode;

#[tokio::test]
async fn metrics_are_served_apart_and_name_routes_not_people() {
    let portal = start_with(|config| {
        config.metrics_addr = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    })
    .await;
    let loaded = portal.get_user(JANE).await;
    let (status, _, body) = portal
        .save(JANE, &loaded, &[("Office", "Metrics HQ")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = portal.page("/users/jane.doe").await;
    assert_eq!(status, StatusCode::OK);
    portal
        .portal
        .refresh_directory_index()
        .await
        .expect("refreshed");

    let url = portal.portal.metrics_url().expect("a metrics listener");
    let response = reqwest::get(&url).await.expect("metrics");
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("text");
    for expected in [
        "portal_http_requests_total{route=\"/users/{id}\",status=\"200\"}",
        "portal_http_request_duration_seconds_bucket{route=\"/users/{id}\",le=\"0.1\"}",
        "portal_directory_calls_total{operation=\"DescribeUser\",outcome=\"ok\"}",
        "portal_directory_calls_total{operation=\"UpdateUser\",outcome=\"ok\"}",
        "portal_directory_call_duration_seconds_bucket{operation=\"ListUsers\"",
        "portal_saves_total{outcome=\"saved\"}",
        "portal_sign_ins_total{result=\"signed_in\"}",
        "portal_directory_index_users ",
        "portal_directory_index_bytes ",
        "portal_directory_index_refreshed_timestamp_seconds ",
        "portal_session_store_errors_total{operation=\"load\"} ",
        "portal_audit_open_intents ",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    for personal in ["jane", "Metrics HQ", "demo.example.com"] {
        assert!(!text.contains(personal), "{personal} in the metrics");
    }

    // Not on the public port, signed in or not.
    let (status, html) = portal.page("/metrics").await;
    assert_ne!(status, StatusCode::OK);
    assert!(!html.contains("portal_http_requests_total"));
}
