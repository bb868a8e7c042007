//! Sign-in, sessions and the session cookie, the sign-in rate limit, and the Origin check that
//! refuses writes from other sites.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_failed_sign_in_says_only_that_it_failed() {
    let portal = start_signed_out(|_| {}).await;
    let (status, _, cookie, unknown) = portal.post_login("nobody", "whatever-pw", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(cookie.is_none(), "no session for a failed sign-in");
    let (status, _, _, wrong) = portal.post_login("admin", "wrong-password", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for body in [&unknown, &wrong] {
        assert!(body.contains("Sign-in failed."), "{body}");
        assert!(!body.contains("password is wrong") && !body.contains("no account"));
    }
    // A disabled account fails the same way, even with the right password.
    portal
        .portal
        .accounts()
        .set_enabled("hr", false)
        .await
        .expect("disable");
    let (status, _, _, body) = portal.post_login("hr", DEMO_PASSWORD, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("Sign-in failed."));
    portal.stop().await;
}

#[tokio::test]
async fn a_new_password_ends_the_accounts_other_sessions() {
    let portal = start_signed_out(|_| {}).await;
    portal.sign_in("hr").await;
    let (status, _, _) = portal.call("get_user", json!({ "user": JANE })).await;
    assert_eq!(status, StatusCode::OK);

    let hash = workmail_portal::auth::password::hash_password("a-new-password-1").expect("hash");
    portal
        .portal
        .accounts()
        .set_password_hash("hr", &hash)
        .await
        .expect("set password");
    let (status, _, _) = portal.call("get_user", json!({ "user": JANE })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old session is over");
    let (status, _, _, _) = portal.post_login("hr", "a-new-password-1", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the new password signs in");
    portal.stop().await;
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_account() {
    let portal = start_signed_out(|_| {}).await;
    for _ in 0..5 {
        let (status, _, _, _) = portal.post_login("helpdesk", "guess-123", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is not checked now.
    let (status, _, cookie, body) = portal.post_login("helpdesk", DEMO_PASSWORD, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(cookie.is_none());
    assert!(body.contains("Too many failed sign-in attempts"));
    // Other accounts are not locked by it.
    portal.sign_in("hr").await;
    portal.stop().await;
}

/// The failure limit holds under concurrency: an attempt is counted before its (slow) password
/// check, so 50 wrong passwords sent at once for one account get at most 5 checks; the rest
/// are refused without one. Afterwards even the right password is refused.
#[tokio::test]
async fn concurrent_wrong_passwords_get_at_most_the_limit_of_checks() {
    let portal = start_signed_out(|_| {}).await;
    let attempts = (0..50).map(|i| {
        let portal = &portal;
        async move {
            portal
                .post_login("helpdesk", &format!("guess-{i}"), None)
                .await
                .0
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 45), "{statuses:?}");
    let (status, _, cookie, _) = portal.post_login("helpdesk", DEMO_PASSWORD, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(cookie.is_none());
    portal.stop().await;
}

#[tokio::test]
async fn every_page_and_server_function_needs_a_session() {
    let portal = start_signed_out(|_| {}).await;
    let before = portal.directory_value(JANE, "JobTitle").await;
    // A page: to the sign-in page, and back afterwards.
    let (status, _) = portal.page("/users/jane.doe?saved=City").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let response = portal
        .http
        .get(portal.url("/users/jane.doe?saved=City"))
        .send()
        .await
        .expect("answer");
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/login?next=/users/jane.doe%3Fsaved%3DCity")
    );
    for path in ["/", "/users", "/me", "/no/such/page"] {
        let (status, _) = portal.page(path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
    }
    // The sign-in page and static files are open.
    let (status, html) = portal.page("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"password\""));
    assert!(!html.contains("Sign out"));
    // Server functions: 401, nothing read or written.
    let (status, _, error) = portal.call("get_user", json!({ "user": JANE })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error["kind"], "Unauthenticated");
    assert!(!error.to_string().contains("Engineer"));
    let loaded = json!({ "JobTitle": before });
    let (status, _) = portal
        .forge_save(
            None,
            Some(&portal.origin()),
            JANE,
            &loaded,
            &[("JobTitle", "No Session")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The form post without JavaScript goes to the sign-in page too.
    let (status, location, _) = portal
        .post_form("/users/jane.doe", &[("version".into(), "x".into())])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/login?next=/users/jane.doe"));
    assert_eq!(portal.directory_value(JANE, "JobTitle").await, before);

    // After signing in, the way back leads where the person was.
    let (status, location, _, _) = portal.post_login("admin", DEMO_PASSWORD, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/users"));
    portal.stop().await;
}

#[tokio::test]
async fn sign_in_redirects_to_next_on_this_site_only() {
    let portal = start_signed_out(|_| {}).await;
    for (next, want) in [
        ("/users/jane.doe", "/users/jane.doe"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
    ] {
        let response = portal
            .http
            .post(portal.url("/login"))
            .header("origin", portal.origin())
            .form(&[
                ("login", "admin"),
                ("password", DEMO_PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some(want),
            "{next}"
        );
    }
    // Sign-in itself needs this portal's Origin.
    let response = portal
        .http
        .post(portal.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("login", "admin"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    portal.stop().await;
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let portal = start_signed_out(|_| {}).await;
    let response = portal
        .http
        .post(portal.url("/login"))
        .header("origin", portal.origin())
        .form(&[("login", "admin"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("answer");
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a cookie")
        .to_owned();
    assert!(set_cookie.starts_with("portal_session="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");
    portal.stop().await;

    let portal =
        start_signed_out(|c| c.public_url = Some("https://portal.example.com".into())).await;
    let response = portal
        .http
        .post(portal.url("/login"))
        .header("origin", "https://portal.example.com")
        .form(&[("login", "admin"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set_cookie = session_cookie_header(&response);
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
    portal.stop().await;
}

#[tokio::test]
async fn an_idle_session_expires_and_a_long_one_ends() {
    let portal = start_with(|c| {
        c.session_idle_timeout = Duration::from_secs(2);
        c.session_lifetime = Duration::from_secs(4);
    })
    .await;
    let loaded = jane_values(&portal).await;
    let cookie = portal.cookie();
    // Idle for longer than the timeout.
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let (status, error) = portal
        .forge_save(
            cookie.as_deref(),
            Some(&portal.origin()),
            JANE,
            &loaded,
            &[("JobTitle", "Expired")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    let (status, _) = portal.page("/users/jane.doe").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Active all the time: activity keeps it past the idle timeout, but not past the lifetime.
    portal.sign_in("admin").await;
    for second in 1..=5 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let (status, _, _) = portal.call("get_user", json!({ "user": JANE })).await;
        // At 2 s the idle timeout has passed since sign-in: only the refresh keeps it alive.
        // (Seconds 3 and 4 straddle the 4 s lifetime, counted in whole seconds.)
        match second {
            1 | 2 => assert_eq!(status, StatusCode::OK, "after {second} s of activity"),
            5 => assert_eq!(status, StatusCode::UNAUTHORIZED, "past the lifetime"),
            _ => {}
        }
    }
    let (status, _) = portal
        .forge_save(
            portal.cookie().as_deref(),
            Some(&portal.origin()),
            JANE,
            &loaded,
            &[("JobTitle", "Too Long")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        portal.directory_value(JANE, "JobTitle").await,
        "Software Engineer"
    );
    portal.stop().await;
}

#[tokio::test]
async fn a_session_is_worthless_after_sign_out() {
    let portal = start().await;
    let loaded = jane_values(&portal).await;
    let captured = portal.cookie();
    let response = portal.post("/logout").send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/login")
    );
    let (status, _) = portal
        .forge_save(
            captured.as_deref(),
            Some(&portal.origin()),
            JANE,
            &loaded,
            &[("JobTitle", "After Sign-out")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        portal.directory_value(JANE, "JobTitle").await,
        "Software Engineer"
    );
    portal.stop().await;
}

#[tokio::test]
async fn a_session_id_captured_before_sign_in_is_worthless_after_it() {
    let portal = start().await;
    let loaded = jane_values(&portal).await;
    let origin = portal.origin();

    // The attacker plants their own (employee) session in the victim's browser; the victim
    // then signs in as admin with it.
    portal.sign_in("employee").await;
    let planted = portal.cookie().expect("employee session");
    let (status, _, fresh, _) = portal
        .post_login("admin", DEMO_PASSWORD, Some(&planted))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let fresh = fresh.expect("a new session cookie");
    assert_ne!(fresh, planted, "the session id is cycled at sign-in");

    // The planted id is gone: it grants neither admin nor employee rights.
    let (status, _) = portal
        .forge_save(
            Some(&planted),
            Some(&origin),
            JANE,
            &loaded,
            &[("JobTitle", "Fixated")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        portal.directory_value(JANE, "JobTitle").await,
        "Software Engineer"
    );

    // A made-up id sent before sign-in is not adopted either.
    let made_up = "portal_session=AAAAAAAAAAAAAAAAAAAAAA";
    let (status, _, fresh2, _) = portal
        .post_login("admin", DEMO_PASSWORD, Some(made_up))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_ne!(fresh2.as_deref(), Some(made_up));
    let (status, _) = portal
        .forge_save(
            Some(made_up),
            Some(&origin),
            JANE,
            &loaded,
            &[("JobTitle", "Made Up")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The victim's new session is the admin's.
    let (status, _) = portal
        .forge_save(
            Some(&fresh),
            Some(&origin),
            JANE,
            &loaded,
            &[("JobTitle", "Victim Saved")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    portal.stop().await;
}

#[tokio::test]
async fn writes_from_another_site_are_refused() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    let values = loaded["values"].clone();
    let mut edited = values.clone();
    edited["JobTitle"] = json!("Forged");
    let body = json!({ "request": {
        "user_id": JANE, "loaded": values, "edited": edited, "version": version_of(&values),
    }});
    let cookie = portal.cookie().expect("signed in");
    // Another site's page, and a request with no Origin at all: both refused, even with the
    // admin's session cookie.
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let mut request = portal
            .http
            .post(portal.url("/api/update_user"))
            .header("cookie", &cookie)
            .json(&body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.expect("answer");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin:?}");
    }
    assert_eq!(
        portal.get_user(JANE).await["values"]["JobTitle"],
        "Software Engineer"
    );
    // The same request from the portal's own pages goes through.
    let response = portal
        .post("/api/update_user")
        .json(&body)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    portal.stop().await;
}

#[tokio::test]
async fn a_forged_origin_is_refused_even_with_a_valid_session() {
    let portal = start().await;
    portal.sign_in("employee").await;
    let own = portal.get_user(JANE).await["values"].clone();
    for origin in [Some("https://evil.example"), None] {
        let (status, _) = portal
            .forge_save(
                portal.cookie().as_deref(),
                origin,
                JANE,
                &own,
                &[("City", "Forged")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin:?}");
    }
    // Sign-out from another site is refused too (it would end the person's session).
    let response = portal
        .http
        .post(portal.url("/logout"))
        .header("origin", "https://evil.example")
        .header("cookie", portal.cookie().expect("cookie"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_ne!(portal.directory_value(JANE, "City").await, "Forged");
    // The session still works.
    assert_eq!(portal.get_user(JANE).await["values"]["City"], own["City"]);
    portal.stop().await;
}

/// Behind a proxy the operator trusts, the client is the address it names in
/// `X-Forwarded-For`: one client's failures lock out that client only, and the audit log names
/// it. Without trusted proxies the header is the client's own say-so and is ignored.
#[tokio::test]
async fn behind_a_trusted_proxy_limits_and_the_log_follow_the_forwarded_client() {
    let attempt = |portal: &Portal, login: &str, forwarded: &str| {
        let request = portal
            .http
            .post(portal.url("/login"))
            .header("origin", portal.origin())
            .header("x-forwarded-for", forwarded.to_owned())
            .form(&[
                ("login", login.to_owned()),
                ("password", "wrong".to_owned()),
            ]);
        async move { request.send().await.expect("answer").status() }
    };
    let portal = start_signed_out(|c| {
        c.trusted_proxies =
            vec![workmail_portal::client_address::AddressRange::parse("127.0.0.1").expect("range")]
    })
    .await;
    // One client fails 20 times over many accounts: its address is locked out...
    for i in 0..20 {
        attempt(&portal, &format!("user{i}"), "203.0.113.7").await;
    }
    assert_eq!(
        attempt(&portal, "hr", "203.0.113.7").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...another client behind the same proxy is not.
    assert_eq!(
        attempt(&portal, "hr", "203.0.113.8").await,
        StatusCode::UNAUTHORIZED
    );
    let records = portal.audit_clients().await;
    assert!(records.iter().any(|c| c == "203.0.113.7"), "{records:?}");
    assert!(!records.iter().any(|c| c == "127.0.0.1"), "{records:?}");
    portal.stop().await;

    // Without trusted proxies the header changes nothing.
    let portal = start_signed_out(|_| {}).await;
    attempt(&portal, "hr", "203.0.113.7").await;
    assert_eq!(portal.audit_clients().await, ["127.0.0.1"]);
    portal.stop().await;
}

/// A session record the store holds but cannot decode ends the session (to the sign-in page),
/// rather than reading as a store that does not answer (503 on every request).
#[tokio::test]
async fn an_undecodable_session_record_signs_out_instead_of_failing_every_request() {
    let portal = start().await;
    sqlx::query("UPDATE tower_sessions SET data = $1")
        .bind(vec![0xc1_u8])
        .execute(&portal.portal.database().pool)
        .await
        .expect("damage the session records");
    let (status, _) = portal.page("/users/jane.doe").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    portal.stop().await;
}
