//! The user directory and the dashboard against the emulator seeded with 10,000 users: the
//! portal's search is compared with WorkMail's own ListUsers filters, read through another
//! client, so the expected answers never come from the portal's code.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use workmail_emulator::{FaultKind, Faults};

const MANY: usize = 10_000;

async fn start_large() -> Portal {
    start_with(|c| c.demo_users = MANY).await
}

/// Every user id ListUsers returns with `filters`, through another client.
async fn list_users_ids(
    portal: &Portal,
    filters: aws_sdk_workmail::types::ListUsersFilters,
) -> BTreeSet<String> {
    let client = portal.other_client().await;
    let mut ids = BTreeSet::new();
    let mut token = None;
    loop {
        let page = client
            .list_users()
            .organization_id(workmail_emulator::DEMO_ORGANIZATION_ID)
            .filters(filters.clone())
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .expect("ListUsers");
        ids.extend(
            page.users()
                .iter()
                .filter_map(|u| u.id().map(str::to_owned)),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return ids;
        }
    }
}

/// One page of the portal's search.
async fn search(portal: &Portal, query: Value) -> Value {
    let (status, _, view) = portal.call("search_users", json!({ "query": query })).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    view
}

fn query(search: &str, state: Option<&str>, page: usize, size: usize) -> Value {
    json!({ "search": search, "state": state.map(|s| match s {
        "ENABLED" => "Enabled", "DISABLED" => "Disabled", _ => "Deleted" }),
        "page": page, "page_size": size })
}

/// Every user id of a search, page by page (100 a page).
async fn all_ids(portal: &Portal, text: &str, state: Option<&str>) -> Vec<String> {
    let mut ids = Vec::new();
    let mut page = 1;
    loop {
        let view = search(portal, query(text, state, page, 100)).await;
        ids.extend(
            view["rows"]
                .as_array()
                .expect("rows")
                .iter()
                .map(|r| r["user_id"].as_str().expect("id").to_owned()),
        );
        if page >= view["pages"].as_u64().expect("pages") as usize {
            return ids;
        }
        page += 1;
    }
}

#[tokio::test]
async fn search_matches_any_of_the_three_keys_like_list_users_does() {
    use aws_sdk_workmail::types::ListUsersFilters;
    let portal = start_large().await;
    for prefix in ["aisha", "Yara M", "jane.doe@", "ZOE.", "nobody-like-this"] {
        let by_name = list_users_ids(
            &portal,
            ListUsersFilters::builder().username_prefix(prefix).build(),
        )
        .await;
        let by_display = list_users_ids(
            &portal,
            ListUsersFilters::builder()
                .display_name_prefix(prefix)
                .build(),
        )
        .await;
        let by_email = list_users_ids(
            &portal,
            ListUsersFilters::builder()
                .primary_email_prefix(prefix)
                .build(),
        )
        .await;
        let expected: BTreeSet<String> = by_name
            .iter()
            .chain(&by_display)
            .chain(&by_email)
            .cloned()
            .collect();
        let found = all_ids(&portal, prefix, None).await;
        let unique: BTreeSet<String> = found.iter().cloned().collect();
        assert_eq!(unique.len(), found.len(), "{prefix}: no user twice");
        assert_eq!(unique, expected, "{prefix}");
    }
    // The state filter agrees with ListUsers' State filter.
    for state in ["ENABLED", "DISABLED"] {
        let expected = list_users_ids(
            &portal,
            ListUsersFilters::builder()
                .state(aws_sdk_workmail::types::EntityState::from(state))
                .build(),
        )
        .await;
        let view = search(&portal, query("", Some(state), 1, 25)).await;
        assert_eq!(
            view["total"].as_u64(),
            Some(expected.len() as u64),
            "{state}"
        );
    }
    portal.stop().await;
}

#[tokio::test]
async fn paging_forward_and_back_shows_every_user_once() {
    use aws_sdk_workmail::types::ListUsersFilters;
    let portal = start_large().await;
    let everyone = list_users_ids(&portal, ListUsersFilters::builder().build()).await;
    assert_eq!(everyone.len(), MANY);
    let forward = all_ids(&portal, "", None).await;
    assert_eq!(forward.len(), MANY);
    assert_eq!(forward.iter().cloned().collect::<BTreeSet<_>>(), everyone);

    let first = search(&portal, query("", None, 1, 100)).await;
    let pages = first["pages"].as_u64().expect("pages") as usize;
    assert_eq!(pages, MANY / 100);
    let mut backward = Vec::new();
    for page in (1..=pages).rev() {
        let view = search(&portal, query("", None, page, 100)).await;
        let mut ids: Vec<String> = view["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["user_id"].as_str().expect("id").to_owned())
            .collect();
        ids.extend(backward);
        backward = ids;
    }
    assert_eq!(backward, forward, "the same order both ways");
    portal.stop().await;
}

#[tokio::test]
async fn the_directory_works_without_javascript_and_links_its_pages() {
    let portal = start_large().await;
    let jane_id = portal.get_user(JANE).await["user_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, html) = portal.page("/users?q=jane&size=50").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/users/{jane_id}\"")),
        "rows link to the edit page"
    );
    assert!(html.contains("jane.doe@demo.example.com"));
    assert!(
        html.contains("value=\"jane\""),
        "the search stays in the box"
    );

    let (status, html) = portal.page("/users?page=2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/users?page=3\""), "{html}");
    assert!(html.contains("href=\"/users\""), "page 1's link");
    assert!(html.contains("page 2 of 400"), "{html}");
    portal.stop().await;
}

#[tokio::test]
async fn a_forged_page_size_or_number_is_clamped() {
    let portal = start().await;
    let forged = json!({ "search": "", "state": null, "page": u64::MAX, "page_size": 1u64 << 40 });
    let view = search(&portal, forged).await;
    assert_eq!(view["query"]["page_size"], 25);
    assert_eq!(
        view["page"], view["pages"],
        "past the end shows the last page"
    );
    assert!(
        view["rows"]
            .as_array()
            .is_some_and(|rows| !rows.is_empty() && rows.len() <= 25)
    );
    portal.stop().await;
}

#[tokio::test]
async fn a_save_shows_in_the_search_at_once() {
    let portal = start().await;
    let before = search(&portal, query("janet q", None, 1, 25)).await;
    assert_eq!(before["total"], 0);
    let loaded = portal.get_user(JANE).await;
    let (status, _, body) = portal
        .save(JANE, &loaded, &[("DisplayName", "Janet Quinn")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = search(&portal, query("janet q", None, 1, 25)).await;
    assert_eq!(after["total"], 1, "{after}");
    assert_eq!(after["rows"][0]["display_name"], "Janet Quinn");
    portal.stop().await;
}

#[tokio::test]
async fn search_keeps_working_while_the_directory_fails() {
    let portal = start().await;
    let fresh = search(&portal, query("jane", None, 1, 25)).await;
    assert!(fresh["refresh_failed_at"].is_null());
    portal.inject("ListUsers", FaultKind::DirectoryUnavailable);
    assert!(portal.portal.refresh_directory_index().await.is_err());
    let view = search(&portal, query("jane", None, 1, 25)).await;
    assert_eq!(view["total"], 1, "served from the index: {view}");
    assert_eq!(view["refreshed_at"], fresh["refreshed_at"]);
    assert!(
        view["refresh_failed_at"].is_i64(),
        "the page is told: {view}"
    );
    let (status, html) = portal.page("/users?q=jane").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("may be out of date") && html.contains("jane.doe"));

    // WorkMail recovers: the next refresh clears the warning.
    portal
        .emulator()
        .set_faults(Faults::default())
        .expect("faults off");
    assert!(portal.portal.refresh_directory_index().await.is_ok());
    let view = search(&portal, query("jane", None, 1, 25)).await;
    assert!(view["refresh_failed_at"].is_null());
    portal.stop().await;
}

#[tokio::test]
async fn each_role_sees_only_its_scope() {
    let policy = r#"
[[roles.admin]]
scope = "all"
read = ["*"]
edit = ["*"]

[[roles.manager]]
scope = "department"
read = ["Name", "DisplayName", "Department"]

[[roles.employee]]
scope = "self"
read = ["DisplayName"]
"#;
    let portal = start_with_policy(policy, |c| c.demo_users = 200).await;
    let everyone = search(&portal, query("", None, 1, 100)).await["total"]
        .as_u64()
        .expect("total");
    assert_eq!(everyone, 200);

    // jane.doe works in Engineering: her manager account sees Engineering only.
    add_account(
        &portal,
        "eng.manager",
        "manager",
        Some("jane.doe@demo.example.com"),
    )
    .await;
    portal.sign_in("eng.manager").await;
    let view = search(&portal, query("", None, 1, 100)).await;
    let total = view["total"].as_u64().expect("total");
    assert!(total > 1 && total < everyone, "{total}");
    assert_eq!(
        view["columns"]["email"], false,
        "no column for a hidden field"
    );
    assert!(
        view["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["email"].is_null())
    );
    for row in view["rows"].as_array().expect("rows").iter().take(5) {
        let user = row["user_id"].as_str().expect("id");
        let profile = portal.get_user(user).await;
        assert_eq!(profile["values"]["Department"], "Engineering", "{user}");
    }
    // Email is hidden from the manager, so searching by it finds nothing.
    let by_email = search(&portal, query("jane.doe@", None, 1, 25)).await;
    assert_eq!(by_email["total"], 0);

    // An employee sees no directory at all.
    portal.sign_in("employee").await;
    let (status, _, _) = portal
        .call("search_users", json!({ "query": query("", None, 1, 25) }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = portal.page("/users").await;
    assert_eq!(status, StatusCode::FOUND, "redirected to /me");
    portal.stop().await;
}

#[tokio::test]
async fn the_dashboard_counts_users_and_lists_recent_changes() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    let (status, _, _) = portal.save(JANE, &loaded, &[("Office", "HQ-2")]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, dashboard) = portal.call("get_dashboard", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{dashboard}");
    assert_eq!(dashboard["total"], 50);
    let states: u64 = dashboard["by_state"]
        .as_array()
        .expect("states")
        .iter()
        .map(|pair| pair[1].as_u64().expect("count"))
        .sum();
    assert_eq!(states, 50);
    assert_eq!(dashboard["recent"][0]["user"], "Jane Doe");
    assert_eq!(dashboard["recent"][0]["account"], "admin");
    let (status, html) = portal.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Users by state") && html.contains("Recently changed"));
    portal.stop().await;
}
