//! Single sign-on against a real OpenID Provider: panva's oidc-provider, started for each test
//! from `end2end/oidc-test-provider.mjs` on a loopback port, with its development login page.
//! A small cookie-keeping browser walks the redirects between the portal and the provider.
//! Tokens no honest provider sends (another audience, expired, tampered) are signed by the
//! provider's own key through its test hook and put in place of the issued ID token.

use crate::harness::{Portal, skip, test_config, try_start_on};
use crate::oidc::{
    Answer, Browser, CLIENT_ID, CLIENT_SECRET, TestProvider, accounts, start_provider, to_callback,
};
use app::domain::{Outcome, percent_encode};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use workmail_portal::config::PortalConfig;
use workmail_portal::sso::SsoSettings;

/// The test provider for a portal at `portal_url`, or `None` after a loud skip note when it
/// cannot run here (a failure under CI).
fn provider_for(name: &str, portal_url: &str, port: u16) -> Option<TestProvider> {
    start_provider(portal_url, port)
        .map_err(|missing| skip(name, &format!("{missing}; single sign-on")))
        .ok()
}

/// A loopback port free now (the portal's public URL must be known before it starts).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// The SSO settings the tests use, parsed like the environment's.
fn sso_settings(issuer: &str, portal_url: &str, extra: &[(&str, &str)]) -> SsoSettings {
    let mut vars: BTreeMap<&str, String> = [
        ("PORTAL_OIDC_ISSUER", issuer.to_owned()),
        ("PORTAL_OIDC_CLIENT_ID", CLIENT_ID.to_owned()),
        ("PORTAL_OIDC_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("PORTAL_OIDC_NAME", "Test IdP".to_owned()),
        ("PORTAL_OIDC_SCOPES", "openid email groups".to_owned()),
        (
            "PORTAL_OIDC_ROLES",
            "portal-admins=admin,portal-hr=hr,portal-helpdesk=helpdesk".to_owned(),
        ),
    ]
    .into_iter()
    .collect();
    for (key, value) in extra {
        vars.insert(key, (*value).to_owned());
    }
    SsoSettings::from_vars(&|key| vars.get(key).cloned(), Some(portal_url))
        .expect("valid settings")
        .expect("single sign-on on")
}

/// A portal with single sign-on through a fresh test provider, signed out; `None` when the
/// provider cannot run here.
pub(crate) async fn start_with_sso(
    name: &str,
    tweak: impl FnOnce(&mut PortalConfig),
) -> Option<(Portal, TestProvider)> {
    let port = free_port();
    let portal_url = format!("http://127.0.0.1:{port}");
    let provider = provider_for(name, &portal_url, 0)?;
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(&data);
    config.public_url = Some(portal_url.clone());
    config.sso = Some(sso_settings(&provider.issuer, &portal_url, &[]));
    tweak(&mut config);
    let portal = try_start_on(config, data, port)
        .await
        .expect("portal starts");
    Some((portal, provider))
}

/// Signs `login` in through the provider; the portal's helpers use the session from now on.
/// Returns where the portal sent the browser.
pub(crate) async fn sso_sign_in(portal: &Portal, login: &str, next: &str) -> String {
    let browser = Browser::new();
    let flow = to_callback(&browser, &portal.origin(), &format!("next={next}"), login).await;
    let answer = browser.get(&flow.callback).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    portal.set_cookie(Some(browser.cookie_header()));
    answer.location.expect("a redirect")
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Every audit record's outcome, account and detail, newest first.
pub(crate) async fn audit_records(portal: &Portal) -> Vec<(Outcome, String, String)> {
    portal
        .audit_log()
        .await
        .into_iter()
        .map(|r| (r.outcome, r.account, r.detail.unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn first_sign_in_creates_the_account_and_later_ones_follow_the_groups() {
    let Some((portal, provider)) = start_with_sso("sso_first_sign_in", |_| {}).await else {
        return;
    };
    let (status, page) = portal.page("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Sign in with Test IdP"), "{page}");
    assert!(page.contains("/auth/oidc/login"), "{page}");
    assert!(!page.contains("Single sign-on is unavailable"), "{page}");

    // Jane is in no portal group: the default role, employee; her verified address is her
    // WorkMail user's (whatever its case), so she lands on her own profile.
    let landed = sso_sign_in(&portal, "jane", "/").await;
    assert_eq!(landed, portal.url("/"));
    let (status, _) = portal.page("/").await;
    assert_eq!(status, StatusCode::FOUND, "an employee's start page is /me");
    let account = portal
        .portal
        .accounts()
        .find_by_login("jane.doe@demo.example.com")
        .await
        .expect("read")
        .expect("created on first sign-in");
    assert_eq!(account.roles, ["employee"]);
    assert_eq!(
        account.workmail_user.as_deref(),
        Some("jane.doe@demo.example.com")
    );
    let identity = account.sso.clone().expect("an SSO account");
    assert_eq!(identity.issuer, provider.issuer);
    assert_eq!(identity.subject, "jane");
    assert!(account.last_sign_in_at.is_some());

    let own = portal.get_user("jane.doe@demo.example.com").await;
    let (status, _, saved) = portal
        .save(
            "jane.doe@demo.example.com",
            &own,
            &[("Telephone", "+1 555 0100")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(
        portal
            .directory_value("jane.doe@demo.example.com", "Telephone")
            .await,
        "+1 555 0100"
    );

    // HR adds her to the portal's HR group at the provider: her next sign-in makes her hr,
    // on the same account.
    let mut changed = accounts();
    changed["jane"]["groups"] = json!(["staff", "portal-hr"]);
    provider.set_accounts(&changed);
    sso_sign_in(&portal, "jane", "/users").await;
    let again = portal
        .portal
        .accounts()
        .find_by_login("jane.doe@demo.example.com")
        .await
        .expect("read")
        .expect("still there");
    assert_eq!(again.id, account.id);
    assert_eq!(again.roles, ["hr"]);
    let (status, _) = portal.page("/users").await;
    assert_eq!(status, StatusCode::OK, "hr may browse");

    // Roles and the WorkMail user of an SSO account are the provider's: the accounts page
    // refuses to set them (the next sign-in would undo it).
    portal.sign_in("admin").await;
    let form = [
        ("action", "set_roles"),
        ("login", "jane.doe@demo.example.com"),
        ("role", "admin"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let (status, _, html) = portal.post_form("/admin/accounts", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("signs in with single sign-on"), "{html}");

    let records = audit_records(&portal).await;
    let sign_ins: Vec<_> = records
        .iter()
        .filter(|(outcome, _, detail)| {
            *outcome == Outcome::SignedIn && detail.starts_with("single sign-on")
        })
        .collect();
    assert_eq!(sign_ins.len(), 2, "{records:?}");
    assert!(sign_ins[0].2.contains(&provider.issuer), "{records:?}");
    portal.stop().await;
}

#[tokio::test]
async fn an_unverified_address_links_no_workmail_user() {
    let Some((portal, _provider)) = start_with_sso("sso_unverified_address", |_| {}).await else {
        return;
    };
    // Mallory claims Jane's address, but the provider has not verified it.
    sso_sign_in(&portal, "mallory", "/me").await;
    let accounts = portal.portal.accounts().list().await.expect("list");
    let mallory = accounts
        .iter()
        .find(|a| a.sso.as_ref().is_some_and(|s| s.subject == "mallory"))
        .expect("an account");
    assert_eq!(mallory.workmail_user, None);
    assert!(mallory.login.starts_with("sso-"), "{}", mallory.login);
    let (status, page) = portal.page("/me").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("isn't linked to a WorkMail user"), "{page}");
    let (status, _, view) = portal
        .call("get_user", json!({ "user": "jane.doe@demo.example.com" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{view}");
    portal.stop().await;
}

#[tokio::test]
async fn a_wrong_or_missing_state_and_a_replayed_answer_are_refused() {
    let Some((portal, _provider)) = start_with_sso("sso_state", |_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let flow = to_callback(&browser, &portal.origin(), "next=/users", "ada").await;
    let forged = reqwest::Url::parse(&flow.callback)
        .expect("url")
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" { "forged".into() } else { v };
            format!("{k}={}", percent_encode(&v, b""))
        })
        .collect::<Vec<_>>()
        .join("&");
    let answer = browser
        .get(&portal.url(&format!("/auth/oidc/callback?{forged}")))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body.contains("did not complete"), "{}", answer.body);
    // The forged answer used up the sign-in: the real one no longer works either.
    let answer = browser.get(&flow.callback).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    portal.set_cookie(Some(browser.cookie_header()));
    let (status, _) = portal.page("/users").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "not signed in");

    // No state at all.
    let browser = Browser::new();
    let flow = to_callback(&browser, &portal.origin(), "next=/users", "ada").await;
    let without_state = flow
        .callback
        .split('?')
        .next()
        .map(|base| {
            let code = reqwest::Url::parse(&flow.callback)
                .expect("url")
                .query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
                .expect("a code");
            format!("{base}?code={}", percent_encode(&code, b""))
        })
        .expect("a base");
    assert_eq!(
        browser.get(&without_state).await.status,
        StatusCode::BAD_REQUEST
    );

    // A complete sign-in, then its answer again: in the same browser and in another.
    let browser = Browser::new();
    let flow = to_callback(&browser, &portal.origin(), "next=/users", "ada").await;
    assert_eq!(
        browser.get(&flow.callback).await.status,
        StatusCode::SEE_OTHER
    );
    let replayed = browser.get(&flow.callback).await;
    assert_eq!(
        replayed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        replayed.body
    );
    let other = Browser::new();
    let elsewhere = other.get(&flow.callback).await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST);
    assert!(
        !other.cookie_header().contains("portal_session"),
        "no session for the replayed answer"
    );

    let records = audit_records(&portal).await;
    let refused = records
        .iter()
        .filter(|(o, _, d)| *o == Outcome::SignInFailed && d.contains("state does not match"))
        .count();
    assert_eq!(
        refused, 2,
        "a forged and a missing state, audited: {records:?}"
    );
    portal.stop().await;
}

#[tokio::test]
async fn tokens_for_another_audience_expired_or_tampered_are_refused() {
    let Some((portal, provider)) = start_with_sso("sso_tokens", |_| {}).await else {
        return;
    };
    let claims = |nonce: &str| {
        json!({
            "iss": provider.issuer, "sub": "ada", "aud": CLIENT_ID, "nonce": nonce,
            "iat": now(), "exp": now() + 600, "auth_time": now(),
            "email": "ada@elsewhere.example", "email_verified": true,
            "groups": ["portal-admins"],
        })
    };
    // Each case: a sign-in under way, the provider's next ID token replaced, the answer.
    async fn attempt(
        portal: &Portal,
        provider: &TestProvider,
        token: impl AsyncFnOnce(String) -> String,
    ) -> Answer {
        let browser = Browser::new();
        let flow = to_callback(&browser, &portal.origin(), "next=/users", "ada").await;
        provider
            .substitute_next_id_token(&token(flow.nonce).await)
            .await;
        browser.get(&flow.callback).await
    }

    // The hook works: a token the portal should accept is accepted.
    let accepted = attempt(&portal, &provider, async |nonce| {
        provider.sign(&claims(&nonce)).await
    })
    .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);

    let other_audience = attempt(&portal, &provider, async |nonce| {
        let mut c = claims(&nonce);
        c["aud"] = json!("another-application");
        provider.sign(&c).await
    })
    .await;
    assert_eq!(other_audience.status, StatusCode::BAD_REQUEST);

    let expired = attempt(&portal, &provider, async |nonce| {
        let mut c = claims(&nonce);
        c["iat"] = json!(now() - 1200);
        c["exp"] = json!(now() - 600);
        provider.sign(&c).await
    })
    .await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);

    let other_nonce = attempt(&portal, &provider, async |_| {
        provider.sign(&claims("not-the-one-sent")).await
    })
    .await;
    assert_eq!(other_nonce.status, StatusCode::BAD_REQUEST);

    // Ada's signed token with someone else's payload: the signature no longer matches.
    let tampered = attempt(&portal, &provider, async |nonce| {
        let genuine = provider.sign(&claims(&nonce)).await;
        let mut c = claims(&nonce);
        c["sub"] = json!("someone-else");
        let other = provider.sign(&c).await;
        let parts: Vec<&str> = genuine.split('.').collect();
        let other_parts: Vec<&str> = other.split('.').collect();
        format!("{}.{}.{}", parts[0], other_parts[1], parts[2])
    })
    .await;
    assert_eq!(tampered.status, StatusCode::BAD_REQUEST);
    assert!(
        tampered.body.contains("could not be verified"),
        "{}",
        tampered.body
    );

    let records = audit_records(&portal).await;
    let refusals = records
        .iter()
        .filter(|(o, _, d)| *o == Outcome::SignInFailed && d.contains("ID token"))
        .count();
    assert_eq!(refusals, 4, "{records:?}");
    let accounts = portal.portal.accounts().list().await.expect("list");
    let someone_else = accounts
        .iter()
        .any(|a| a.sso.as_ref().is_some_and(|s| s.subject == "someone-else"));
    assert!(!someone_else);
    portal.stop().await;
}

#[tokio::test]
async fn sign_out_ends_the_session_at_the_provider_too() {
    let Some((portal, provider)) = start_with_sso("sso_sign_out", |_| {}).await else {
        return;
    };
    sso_sign_in(&portal, "ada", "/users").await;
    // The sign-out form's answer leads to the provider: the pages' CSP lets forms go there.
    let page = portal
        .with_session(portal.http.get(portal.url("/users")))
        .send()
        .await
        .expect("answer");
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .expect("a CSP")
        .to_owned();
    assert!(
        csp.contains(&format!("form-action 'self' {};", provider.issuer)),
        "{csp}"
    );
    let response = portal.post("/logout").send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a location")
        .to_owned();
    let end_session = reqwest::Url::parse(&location).expect("url");
    assert!(
        location.starts_with(&format!("{}/session/end", provider.issuer)),
        "{location}"
    );
    let params: BTreeMap<String, String> = end_session.query_pairs().into_owned().collect();
    assert!(params.contains_key("id_token_hint"), "{params:?}");
    assert_eq!(
        params.get("post_logout_redirect_uri"),
        Some(&portal.url("/login"))
    );
    let (status, _) = portal.page("/users").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the portal session ended");

    // The provider accepts the request (its confirmation page), so the hint and the way back
    // are ones it knows.
    let answer = Browser::new().get(&location).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    portal.stop().await;
}

#[tokio::test]
async fn a_cancelled_sign_in_and_an_unmapped_person_get_clear_pages() {
    let Some((portal, provider)) = start_with_sso("sso_refusals", |config| {
        if let Some(sso) = &mut config.sso {
            sso.default_role = None;
        }
    })
    .await
    else {
        return;
    };
    // Cancel on the provider's login page.
    let browser = Browser::new();
    let mut url = portal.url("/auth/oidc/login?next=/users");
    let callback = loop {
        let answer = browser.get(&url).await;
        let next = answer.location.expect("a redirect");
        if next.starts_with(&portal.url("/auth/oidc/callback")) {
            break next;
        }
        url = if next.contains("/interaction/") && !next.ends_with("/abort") {
            format!("{next}/abort")
        } else {
            next
        };
    };
    assert!(callback.contains("error=access_denied"), "{callback}");
    let answer = browser.get(&callback).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(
        answer.body.contains("did not sign you in"),
        "{}",
        answer.body
    );

    // Jane is in no mapped group, and there is no default role.
    let browser = Browser::new();
    let flow = to_callback(&browser, &portal.origin(), "next=/users", "jane").await;
    let answer = browser.get(&flow.callback).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(
        answer.body.contains("none of your groups"),
        "{}",
        answer.body
    );
    let created = portal.portal.accounts().list().await.expect("list");
    assert!(
        created.iter().all(|a| a.sso.is_none()),
        "no account for someone without a role"
    );
    drop(provider);
    portal.stop().await;
}

#[tokio::test]
async fn an_account_disabled_in_the_portal_stays_disabled() {
    let Some((portal, _provider)) = start_with_sso("sso_disabled", |_| {}).await else {
        return;
    };
    sso_sign_in(&portal, "ada", "/users").await;
    let accounts = portal.portal.accounts();
    accounts
        .set_enabled("ada@elsewhere.example", false)
        .await
        .expect("disabled");
    let (status, _) = portal.page("/users").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the open session ends");
    let browser = Browser::new();
    let flow = to_callback(&browser, &portal.origin(), "next=/users", "ada").await;
    let answer = browser.get(&flow.callback).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("disabled"), "{}", answer.body);
    let ada = accounts
        .find_by_login("ada@elsewhere.example")
        .await
        .expect("read")
        .expect("ada");
    assert!(!ada.enabled);
    portal.stop().await;
}

#[tokio::test]
async fn local_sign_in_can_be_turned_off() {
    let Some((portal, _provider)) = start_with_sso("sso_local_off", |config| {
        config.local_sign_in = false;
    })
    .await
    else {
        return;
    };
    let (status, page) = portal.page("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Sign in with Test IdP"));
    assert!(!page.contains("type=\"password\""), "{page}");
    let (status, _, cookie, body) = portal
        .post_login("admin", crate::harness::DEMO_PASSWORD, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("turned off"), "{body}");
    portal.set_cookie(cookie);
    let (status, _) = portal.page("/users").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "no session");
    portal.stop().await;
}

#[tokio::test]
async fn an_unreachable_provider_leaves_local_sign_in_working() {
    let port = free_port();
    let portal_url = format!("http://127.0.0.1:{port}");
    let dead_issuer = format!("http://127.0.0.1:{}", free_port());
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(&data);
    config.public_url = Some(portal_url.clone());
    config.sso = Some(sso_settings(&dead_issuer, &portal_url, &[]));
    let portal = try_start_on(config, data, port)
        .await
        .expect("the portal starts without its provider");
    let (_, login) = portal.page("/login").await;
    assert!(login.contains("Single sign-on is unavailable"), "{login}");
    let (status, page) = portal.page("/auth/oidc/login?next=/users").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("Single sign-on is unavailable"), "{page}");
    portal.sign_in("admin").await;
    let (status, _) = portal.page("/users").await;
    assert_eq!(status, StatusCode::OK);
    portal.stop().await;
}

#[tokio::test]
async fn keys_the_provider_rotated_since_start_up_are_fetched_again() {
    let Some((portal, first)) = start_with_sso("sso_key_rotation", |_| {}).await else {
        return;
    };
    // The same issuer, restarted with a new signing key.
    let port = first.port;
    drop(first);
    let started = Instant::now();
    // The port may take a moment to be free again.
    let second = loop {
        match start_provider(&portal.origin(), port) {
            Ok(provider) => break provider,
            Err(_) if started.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => panic!("the provider did not restart: {error}"),
        }
    };
    let landed = sso_sign_in(&portal, "ada", "/users").await;
    assert_eq!(landed, portal.url("/users"));
    drop(second);
    portal.stop().await;
}

#[tokio::test]
async fn a_role_the_policy_lacks_stops_start_up_naming_the_setting() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(&data);
    let portal_url = "http://127.0.0.1:9";
    config.public_url = Some(portal_url.to_owned());
    config.sso = Some(sso_settings(
        "http://127.0.0.1:9",
        portal_url,
        &[("PORTAL_OIDC_ROLES", "portal-admins=superuser")],
    ));
    let error = match try_start_on(config, data, 0).await {
        Ok(_) => panic!("started with an unknown role"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("PORTAL_OIDC_ROLES"), "{error}");
    assert!(error.contains("superuser"), "{error}");
}
