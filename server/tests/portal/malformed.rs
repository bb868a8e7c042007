//! What an attacker or a broken client sends: thousands of random and malformed bodies to every
//! server function and form post. None may crash the portal or get a 5xx, and WorkMail must be
//! unchanged afterwards.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Every endpoint that reads a body, with the portal's own Origin (the check before the body
/// is read is tested elsewhere). Sign-out is left out: it would end the test's session.
const TARGETS: [&str; 10] = [
    "/api/get_user",
    "/api/update_user",
    "/api/search_users",
    "/api/get_dashboard",
    "/api/get_history",
    "/api/get_audit_log",
    "/api/get_tasks",
    "/users/jane.doe",
    "/users/jane.doe/tasks",
    "/me",
];

/// Rounds of one malformed request to each target.
const ROUNDS: usize = 1_000;

const CONTENT_TYPES: [Option<&str>; 4] = [
    Some("application/json"),
    Some("application/x-www-form-urlencoded"),
    Some("text/plain"),
    None,
];

/// The member names the portal's requests use, so that random bodies reach past the parser.
const MEMBERS: [&str; 14] = [
    "user",
    "request",
    "query",
    "filter",
    "before",
    "user_id",
    "loaded",
    "edited",
    "version",
    "JobTitle",
    "Role",
    "HiddenFromGlobalAddressList",
    "loaded.City",
    "search",
];

/// A random JSON value of any type, up to `depth` levels.
fn random_value(rng: &mut fastrand::Rng, depth: u32) -> Value {
    match rng.u8(0..8) {
        0 => Value::Null,
        1 => json!(rng.bool()),
        2 => json!(rng.i64(..)),
        3 => json!(rng.f64() * 1e300),
        4 => json!(random_text(rng)),
        5 if depth > 0 => Value::Array(
            (0..rng.usize(0..4))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        6 if depth > 0 => Value::Object(
            (0..rng.usize(0..5))
                .map(|_| {
                    let name = if rng.bool() {
                        MEMBERS[rng.usize(0..MEMBERS.len())].to_owned()
                    } else {
                        random_text(rng)
                    };
                    (name, random_value(rng, depth - 1))
                })
                .collect(),
        ),
        _ => json!(""),
    }
}

/// Text with the characters that break naive code: quotes, markup, controls, long runs.
fn random_text(rng: &mut fastrand::Rng) -> String {
    const PIECES: [&str; 12] = [
        "a",
        "é",
        "\"",
        "<b>",
        "%",
        "&",
        "=",
        "\u{0}",
        "\n",
        "😀",
        "../",
        "' OR 1=1 --",
    ];
    let mut text = String::new();
    for _ in 0..rng.usize(0..12) {
        text.push_str(PIECES[rng.usize(0..PIECES.len())]);
    }
    if rng.u8(0..20) == 0 {
        text.push_str(&"x".repeat(rng.usize(1_000..60_000)));
    }
    text
}

/// One malformed body.
fn random_body(rng: &mut fastrand::Rng) -> Vec<u8> {
    match rng.u8(0..7) {
        // Not UTF-8.
        0 => (0..rng.usize(1..200)).map(|_| rng.u8(..)).collect(),
        // Nested past any parser's limit.
        1 => format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes(),
        // Truncated JSON.
        2 => {
            let text = random_value(rng, 3).to_string();
            let cut = rng.usize(0..=text.len());
            text.as_bytes()[..cut].to_vec()
        }
        // A form with random pairs.
        3 => (0..rng.usize(0..8))
            .map(|_| {
                let name = MEMBERS[rng.usize(0..MEMBERS.len())];
                format!("{name}={}", random_text(rng).replace('&', "%26"))
            })
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes(),
        _ => random_value(rng, 4).to_string().into_bytes(),
    }
}

#[tokio::test]
async fn malformed_bodies_never_crash_the_portal_or_change_workmail() {
    let portal = start().await;
    let before = portal.get_user(JANE).await;
    let mut rng = fastrand::Rng::with_seed(17);
    let mut cases = 0;
    for round in 0..ROUNDS {
        for target in TARGETS {
            let body = random_body(&mut rng);
            let content_type = CONTENT_TYPES[rng.usize(0..CONTENT_TYPES.len())];
            let mut request = portal
                .with_session(portal.http.post(portal.url(target)))
                .header("origin", portal.origin())
                .body(body);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let status = request.send().await.expect("the portal answers").status();
            assert!(
                !status.is_server_error(),
                "round {round}: {target} ({content_type:?}) answered {status}"
            );
            cases += 1;
        }
    }
    // A body far past the limit is refused unread.
    let huge = vec![b'x'; 10 * 1024 * 1024];
    let status = portal
        .with_session(portal.http.post(portal.url("/api/update_user")))
        .header("origin", portal.origin())
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .map(|response| response.status())
        .unwrap_or(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    eprintln!("{cases} malformed requests sent");
    assert_eq!(cases, ROUNDS * TARGETS.len());
    assert_eq!(portal.get_user(JANE).await, before, "WorkMail unchanged");
    portal.stop().await;
}
