//! `/admin/accounts`: the portal's accounts managed from the browser, under the same rules as
//! the `accounts` command; only for roles that may manage accounts, every change audited.

use crate::harness::*;
use crate::single_sign_on::audit_records;
use app::domain::Outcome;
use reqwest::StatusCode;

/// Posts the accounts page's form `fields` as the signed-in account.
async fn change(portal: &Portal, fields: &[(&str, &str)]) -> (StatusCode, Option<String>, String) {
    let pairs: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    portal.post_form("/admin/accounts", &pairs).await
}

async fn account(portal: &Portal, login: &str) -> Option<workmail_portal::store::Account> {
    portal
        .portal
        .accounts()
        .find_by_login(login)
        .await
        .expect("read")
}

#[tokio::test]
async fn an_admin_manages_accounts_from_the_page() {
    let portal = start().await;
    let (status, html) = portal.page("/admin/accounts").await;
    assert_eq!(status, StatusCode::OK);
    for login in ["admin", "hr", "helpdesk", "employee"] {
        assert!(html.contains(&format!("value=\"{login}\"")), "{login}");
    }
    assert!(html.contains("New local account"));

    let (status, location, body) = change(
        &portal,
        &[
            ("action", "create"),
            ("login", "carol"),
            ("password", "carols-first-password"),
            ("workmail_user", ""),
            ("role", "hr"),
            ("role", "helpdesk"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location.as_deref(), Some("/admin/accounts?changed=carol"));
    let carol = account(&portal, "carol").await.expect("created");
    assert_eq!(carol.roles, ["helpdesk", "hr"]);
    let (_, html) = portal.page("/admin/accounts?changed=carol").await;
    assert!(html.contains("Saved the change to carol."));

    let steps: [&[(&str, &str)]; 4] = [
        &[
            ("action", "set_roles"),
            ("login", "carol"),
            ("role", "admin"),
        ],
        &[
            ("action", "set_workmail_user"),
            ("login", "carol"),
            ("workmail_user", "Jane.Doe@demo.example.com"),
        ],
        &[("action", "disable"), ("login", "carol")],
        &[
            ("action", "set_password"),
            ("login", "carol"),
            ("password", "carols-second-password"),
        ],
    ];
    for fields in steps {
        let (status, _, body) = change(&portal, fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{fields:?}: {body}");
    }
    let carol = account(&portal, "carol").await.expect("there");
    assert_eq!(carol.roles, ["admin"]);
    assert_eq!(
        carol.workmail_user.as_deref(),
        Some("jane.doe@demo.example.com")
    );
    assert!(!carol.enabled);

    // Bad input: a clear refusal, nothing changed.
    let (status, _, html) = change(
        &portal,
        &[
            ("action", "set_roles"),
            ("login", "carol"),
            ("role", "root"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Unknown role `root`"), "{html}");
    assert_eq!(
        account(&portal, "carol").await.expect("there").roles,
        ["admin"]
    );

    let (status, _, _) = change(&portal, &[("action", "remove"), ("login", "carol")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(account(&portal, "carol").await.is_none());

    let records = audit_records(&portal).await;
    let changes: Vec<&String> = records
        .iter()
        .filter(|(o, _, _)| *o == Outcome::AccountChanged)
        .map(|(_, _, detail)| detail)
        .collect();
    assert_eq!(changes.len(), 6, "{records:?}");
    assert!(
        records
            .iter()
            .all(|(_, _, detail)| !detail.contains("carols-")),
        "no password in the log"
    );
    portal.stop().await;
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_be_removed_disabled_or_demoted() {
    let portal = start().await;
    for fields in [
        &[("action", "disable"), ("login", "admin")][..],
        &[("action", "remove"), ("login", "admin")],
        &[("action", "set_roles"), ("login", "admin"), ("role", "hr")],
    ] {
        let (status, _, html) = change(&portal, fields).await;
        assert_eq!(status, StatusCode::CONFLICT, "{fields:?}");
        assert!(html.contains("is the last enabled one"), "{html}");
    }
    let admin = account(&portal, "admin").await.expect("still there");
    assert!(admin.enabled);
    assert_eq!(admin.roles, ["admin"]);
    let refused = audit_records(&portal)
        .await
        .into_iter()
        .filter(|(o, _, d)| *o == Outcome::Invalid && d.contains("refused"))
        .count();
    assert_eq!(refused, 3, "each refusal audited");
    portal.stop().await;
}

#[tokio::test]
async fn only_account_managers_reach_the_page_and_forged_posts_change_nothing() {
    let portal = start().await;
    portal.sign_in("hr").await;
    let (status, html) = portal.page("/admin/accounts").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("value=\"admin\""), "no account listed");
    let (status, _, _) = change(
        &portal,
        &[("action", "set_roles"), ("login", "hr"), ("role", "admin")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(account(&portal, "hr").await.expect("hr").roles, ["hr"]);
    let (status, _, _) = portal.call("get_accounts", serde_json::json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An admin's session, but the post comes from another site.
    portal.sign_in("admin").await;
    let forged = portal
        .with_session(portal.http.post(portal.url("/admin/accounts")))
        .header("origin", "https://evil.example")
        .form(&[("action", "set_roles"), ("login", "hr"), ("role", "admin")])
        .send()
        .await
        .expect("answer");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // And without any session.
    let anonymous = portal
        .http
        .post(portal.url("/admin/accounts"))
        .header("origin", portal.origin())
        .form(&[("action", "remove"), ("login", "hr")])
        .send()
        .await
        .expect("answer");
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let hr = account(&portal, "hr").await.expect("hr still there");
    assert_eq!(hr.roles, ["hr"]);
    let refused = audit_records(&portal)
        .await
        .into_iter()
        .filter(|(o, a, _)| *o == Outcome::Refused && a == "hr")
        .count();
    assert_eq!(refused, 1, "the refused post is audited");
    portal.stop().await;
}

#[tokio::test]
async fn account_changes_need_a_recent_authentication() {
    let portal = start_with(|config| {
        config.step_up = app::domain::StepUp {
            max_age_seconds: 1,
            ..app::domain::StepUp::default()
        };
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let (status, _, html) = change(
        &portal,
        &[("action", "set_roles"), ("login", "hr"), ("role", "admin")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("href=\"/confirm\""), "{html}");
    assert_eq!(account(&portal, "hr").await.expect("hr").roles, ["hr"]);
    let confirmed = portal.confirm_password(DEMO_PASSWORD).await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    let (status, _, body) = change(
        &portal,
        &[("action", "set_roles"), ("login", "hr"), ("role", "admin")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(account(&portal, "hr").await.expect("hr").roles, ["admin"]);
    portal.stop().await;
}
