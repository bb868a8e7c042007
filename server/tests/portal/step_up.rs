//! Step-up: a change of a sensitive field (Role, HiddenFromGlobalAddressList) needs a recent
//! authentication, on every save path; the person confirms with their password, or at their
//! identity provider, which must authenticate the same person again.

use crate::harness::*;
use crate::oidc::{Browser, to_callback};
use crate::single_sign_on::{audit_records, now, sso_sign_in, start_with_sso};
use app::domain::StepUp;
use reqwest::StatusCode;
use std::time::Duration;

/// A one-second window, so a test can let it pass.
fn short_window() -> StepUp {
    StepUp {
        max_age_seconds: 1,
        ..StepUp::default()
    }
}

/// Past the one-second window (whole seconds: the window ends after the next full second).
async fn let_the_window_pass() {
    tokio::time::sleep(Duration::from_millis(2_100)).await;
}

#[tokio::test]
async fn a_role_change_with_a_stale_authentication_waits_for_the_password() {
    let portal = start_with(|config| config.step_up = short_window()).await;
    let loaded = portal.get_user(JANE).await;
    // Within the window, a role change goes through.
    let (status, _, saved) = portal.save(JANE, &loaded, &[("Role", "REMOTE_USER")]).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let_the_window_pass().await;

    let loaded = portal.get_user(JANE).await;
    let (status, _, refused) = portal.save(JANE, &loaded, &[("Role", "USER")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["kind"], "ReauthenticationRequired");
    assert_eq!(portal.directory_value(JANE, "Role").await, "REMOTE_USER");
    // Other fields need no confirmation.
    let (status, _, saved) = portal.save(JANE, &loaded, &[("City", "Tacoma")]).await;
    assert_eq!(status, StatusCode::OK, "{saved}");

    // Without JavaScript: the same refusal, the input kept, the way to confirm offered.
    let (_, html) = portal.page("/users/jane.doe").await;
    assert!(
        html.contains("asks you to confirm it"),
        "the form marks Role"
    );
    let form = with_value(form_fields(&html), "Role", "USER");
    let (status, _, html) = portal.post_form("/users/jane.doe", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Confirm it&#x27;s you") || html.contains("Confirm it's you"));
    assert!(html.contains("href=\"/confirm\""), "{html}");
    assert_eq!(portal.directory_value(JANE, "Role").await, "REMOTE_USER");

    // A forged confirmation from another site is refused before the password is read.
    let forged = portal
        .with_session(portal.http.post(portal.url("/confirm")))
        .header("origin", "https://evil.example")
        .form(&[("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("answer");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // A wrong password confirms nothing.
    let wrong = portal.confirm_password("not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let (status, _, refused) = portal.save(JANE, &loaded, &[("Role", "USER")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");

    let confirmed = portal.confirm_password(DEMO_PASSWORD).await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        confirmed.headers().get("location").expect("location"),
        "/confirm?done=1"
    );
    let (status, _, saved) = portal.save(JANE, &loaded, &[("Role", "USER")]).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(portal.directory_value(JANE, "Role").await, "USER");

    let records = audit_records(&portal).await;
    for (outcome, want) in [
        (app::domain::Outcome::IdentityConfirmed, 1),
        (app::domain::Outcome::ConfirmationFailed, 1),
    ] {
        let found = records.iter().filter(|(o, _, _)| *o == outcome).count();
        assert_eq!(found, want, "{outcome:?} in {records:?}");
    }
    portal.stop().await;
}

#[tokio::test]
async fn an_sso_confirmation_must_be_a_fresh_authentication_of_the_same_person() {
    let Some((portal, provider)) = start_with_sso("step_up_sso", |config| {
        config.step_up = short_window();
    })
    .await
    else {
        return;
    };
    sso_sign_in(&portal, "ada", "/users").await;
    let_the_window_pass().await;
    let loaded = portal.get_user(JANE).await;
    let (status, _, refused) = portal
        .save(JANE, &loaded, &[("HiddenFromGlobalAddressList", "true")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["kind"], "ReauthenticationRequired");

    // The confirmation page of an SSO account leads to the provider, not to a password.
    let (status, html) = portal.page("/confirm").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Confirm with Test IdP"), "{html}");
    assert!(!html.contains("type=\"password\""));

    // The browser of the signed-in session, continuing.
    let browser = Browser::new();
    browser.adopt_cookies(&portal.cookie().expect("a session"));
    let confirm = "confirm=1&next=/confirm%3Fdone%3D1";

    // Someone else signs in at the provider: not a confirmation.
    let flow = to_callback(&browser, &portal.origin(), confirm, "jane").await;
    let answer = browser.get(&flow.callback).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);

    // A provider that ignored prompt=login answers with the old authentication time.
    let flow = to_callback(&browser, &portal.origin(), confirm, "ada").await;
    let stale = serde_json::json!({
        "iss": provider.issuer, "sub": "ada", "aud": crate::oidc::CLIENT_ID,
        "nonce": flow.nonce, "iat": now(), "exp": now() + 600, "auth_time": now() - 3600,
    });
    provider
        .substitute_next_id_token(&provider.sign(&stale).await)
        .await;
    let answer = browser.get(&flow.callback).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    let (status, _, _) = portal
        .save(JANE, &loaded, &[("HiddenFromGlobalAddressList", "true")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "still not confirmed");
    assert_eq!(
        portal.get_user(JANE).await["values"]["HiddenFromGlobalAddressList"],
        "false"
    );

    // Ada authenticates again: confirmed, and the save goes through.
    let flow = to_callback(&browser, &portal.origin(), confirm, "ada").await;
    let answer = browser.get(&flow.callback).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(
        answer.location.as_deref(),
        Some(portal.url("/confirm?done=1").as_str())
    );
    let (status, _, saved) = portal
        .save(JANE, &loaded, &[("HiddenFromGlobalAddressList", "true")])
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    portal.stop().await;
}
