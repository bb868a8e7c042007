//! The headers every answer carries.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::json;

/// One header of an answer, as text.
fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn pages_and_answers_carry_the_security_headers() {
    let portal = start().await;
    // A page with personal data.
    let page = portal
        .with_session(portal.http.get(portal.url("/users/jane.doe")))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        header(&page, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        header(&page, "referrer-policy").as_deref(),
        Some("same-origin")
    );
    assert_eq!(header(&page, "cache-control").as_deref(), Some("no-store"));
    let policy = header(&page, "content-security-policy").unwrap_or_default();
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    // Inline scripts run only with this answer's nonce, and every inline script has it.
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_default()
        .to_owned();
    assert!(nonce.len() >= 16, "{policy}");
    // Without an https public URL there is no HSTS.
    assert_eq!(header(&page, "strict-transport-security"), None);
    let html = page.text().await.expect("html");
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty());
    for script in scripts {
        let tag = &script[..script.find('>').unwrap_or(script.len())];
        assert!(
            tag.contains(" src=") || tag.contains(&format!("nonce=\"{nonce}\"")),
            "<script{tag}>"
        );
    }

    // A server function's answer.
    let answer = portal
        .with_session(portal.http.post(portal.url("/api/get_user")))
        .header("origin", portal.origin())
        .json(&json!({ "user": JANE }))
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        header(&answer, "cache-control").as_deref(),
        Some("no-store")
    );
    assert_eq!(
        header(&answer, "x-content-type-options").as_deref(),
        Some("nosniff")
    );

    // The sign-in page, without a session.
    let login = portal
        .http
        .get(portal.url("/login"))
        .send()
        .await
        .expect("login");
    assert!(header(&login, "content-security-policy").is_some());
    portal.stop().await;
}

#[tokio::test]
async fn an_https_public_url_turns_on_hsts() {
    let portal =
        start_signed_out(|c| c.public_url = Some("https://portal.example.com".into())).await;
    let login = portal
        .http
        .get(portal.url("/login"))
        .send()
        .await
        .expect("login");
    assert_eq!(
        header(&login, "strict-transport-security").as_deref(),
        Some("max-age=31536000")
    );
    portal.stop().await;
}

/// Behind https the session cookie is `__Host-`-prefixed: only this host, over https, for the
/// whole site.
#[tokio::test]
async fn behind_https_the_session_cookie_is_host_only() {
    let public = "https://portal.example.com";
    let portal = start_signed_out(|c| c.public_url = Some(public.into())).await;
    let response = portal
        .http
        .post(portal.url("/login"))
        .header("origin", public)
        .form(&[("login", "admin"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("sign-in answers");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-portal_session="))
        .map(str::to_owned)
        .unwrap_or_default();
    for attribute in ["Secure", "HttpOnly", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute}: {set_cookie}");
    }
    assert!(!set_cookie.contains("Domain"), "{set_cookie}");
    portal.stop().await;
}

/// Without `PORTAL_PUBLIC_URL` the Origin check compares with the Host the client connected
/// to; a forwarded host the client made up does not make a foreign Origin its own.
#[tokio::test]
async fn a_forwarded_host_does_not_vouch_for_a_foreign_origin() {
    let portal = start().await;
    let before = portal.directory_value(JANE, "JobTitle").await;
    let loaded = portal.get_user(JANE).await["values"].clone();
    let mut edited = loaded.clone();
    edited["JobTitle"] = json!("Forwarded");
    let response = portal
        .with_session(portal.http.post(portal.url("/api/update_user")))
        .header("origin", "http://evil.example")
        .header("x-forwarded-host", "evil.example")
        .json(&json!({ "request": {
            "user_id": JANE,
            "version": version_of(&loaded),
            "loaded": loaded,
            "edited": edited,
        }}))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(portal.directory_value(JANE, "JobTitle").await, before);
    portal.stop().await;
}
