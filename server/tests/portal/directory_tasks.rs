//! The Mail & access tab: password resets, addresses, groups, mailbox quota, enable and
//! disable, each allowed or refused by the policy's task rights, the step-up window and the
//! Origin check, every attempt audited, every outcome checked against WorkMail through another
//! client. The password never appears in an audit record or an answer other than the one that
//! shows a generated password once.

use crate::harness::*;
use app::domain::{Outcome, StepUp};
use aws_sdk_workmail::types::EntityState;
use reqwest::StatusCode;
use workmail_emulator::DEMO_ORGANIZATION_ID as ORG;

const TASKS: &str = "/users/jane.doe/tasks";

/// Posts a task form as the signed-in account.
async fn task(
    portal: &Portal,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    let pairs: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    portal.post_form(path, &pairs).await
}

async fn user_id(portal: &Portal, user: &str) -> String {
    portal
        .other_client()
        .await
        .describe_user()
        .organization_id(ORG)
        .user_id(user)
        .send()
        .await
        .expect("DescribeUser")
        .user_id()
        .expect("id")
        .to_owned()
}

async fn primary_and_aliases(portal: &Portal, user: &str) -> (String, Vec<String>) {
    let client = portal.other_client().await;
    let id = user_id(portal, user).await;
    let email = client
        .describe_user()
        .organization_id(ORG)
        .user_id(&id)
        .send()
        .await
        .expect("DescribeUser")
        .email()
        .unwrap_or_default()
        .to_owned();
    let aliases = client
        .list_aliases()
        .organization_id(ORG)
        .entity_id(&id)
        .send()
        .await
        .expect("ListAliases")
        .aliases()
        .to_vec();
    (email, aliases)
}

async fn groups_of(portal: &Portal, user: &str) -> Vec<String> {
    portal
        .other_client()
        .await
        .list_groups_for_entity()
        .organization_id(ORG)
        .entity_id(user)
        .send()
        .await
        .expect("ListGroupsForEntity")
        .groups()
        .iter()
        .filter_map(|group| group.group_name().map(str::to_owned))
        .collect()
}

async fn quota(portal: &Portal, user: &str) -> Option<i32> {
    portal
        .other_client()
        .await
        .get_mailbox_details()
        .organization_id(ORG)
        .user_id(user)
        .send()
        .await
        .expect("GetMailboxDetails")
        .mailbox_quota()
}

async fn state(portal: &Portal, user: &str) -> EntityState {
    portal
        .other_client()
        .await
        .describe_user()
        .organization_id(ORG)
        .user_id(user)
        .send()
        .await
        .expect("DescribeUser")
        .state()
        .cloned()
        .expect("a state")
}

/// The value of the generated password's field on the page that shows it.
fn shown_password(html: &str) -> String {
    let field = html
        .split("id=\"generated-password\"")
        .nth(1)
        .expect("the password field");
    let value = field.split("value=\"").nth(1).expect("its value");
    value
        .split('"')
        .next()
        .expect("quoted")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn the_help_desk_resets_a_password_shown_once_and_kept_nowhere() {
    let portal = start_signed_out(|_| {}).await;
    portal.sign_in("helpdesk").await;
    let jane = user_id(&portal, JANE).await;

    let (status, html) = portal.page(TASKS).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Generate a new password"));
    assert!(html.contains("project-atlas"), "her groups");
    assert!(html.contains("GB of"), "her mailbox");
    assert!(!html.contains("Add an address"), "no address rights");
    assert!(!html.contains("Change quota"), "no quota right");

    let (status, _, html) = task(
        &portal,
        TASKS,
        &[("action", "reset_password"), ("generate", "1")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let password = shown_password(&html);
    assert_eq!(app::domain::check_password(&password), Ok(()));
    assert_eq!(
        portal
            .emulator()
            .password_matches(ORG, &jane, &password)
            .await,
        Ok(true)
    );
    // Shown on that answer only: not on the tab afterwards, in no audit record.
    let (_, again) = portal.page(TASKS).await;
    assert!(!again.contains(&password));
    let records = portal.audit_log().await;
    let reset = &records[0];
    assert_eq!(reset.outcome, Outcome::Saved);
    assert_eq!(reset.target_id.as_deref(), Some(jane.as_str()));
    assert_eq!(reset.detail.as_deref(), Some("Password reset"));
    for record in &records {
        let text = format!("{record:?}");
        assert!(
            !text.contains(&password),
            "the password is in an audit record: {text}"
        );
    }
    let (_, history) = {
        portal.sign_in("admin").await;
        portal.page("/users/jane.doe/history").await
    };
    assert!(
        history.contains("Password reset"),
        "History shows the reset"
    );
    portal.sign_in("helpdesk").await;

    // A typed password: too weak is refused before WorkMail, and changes nothing.
    let (status, _, html) = task(
        &portal,
        TASKS,
        &[("action", "reset_password"), ("password", "password")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("mix three of"), "{html}");
    assert!(
        !html.contains("value=\"password\""),
        "the typed password is not echoed"
    );
    assert_eq!(
        portal
            .emulator()
            .password_matches(ORG, &jane, &password)
            .await,
        Ok(true)
    );
    let typed = "Lighthouse-Keeper-77";
    let (status, location, _) = task(
        &portal,
        TASKS,
        &[("action", "reset_password"), ("password", typed)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/users/jane.doe/tasks?done=reset_password")
    );
    assert_eq!(
        portal.emulator().password_matches(ORG, &jane, typed).await,
        Ok(true)
    );
    assert!(
        portal
            .audit_log()
            .await
            .iter()
            .all(|record| !format!("{record:?}").contains(typed))
    );

    // Never on the organization's own mailboxes, never beyond the help desk's rights.
    let journal = "/users/mail.journal/tasks";
    let (status, _, _) = task(
        &portal,
        journal,
        &[("action", "reset_password"), ("password", typed)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        portal
            .emulator()
            .password_matches(ORG, "mail.journal", typed)
            .await,
        Ok(false)
    );
    let before = primary_and_aliases(&portal, JANE).await;
    let (status, _, _) = task(
        &portal,
        TASKS,
        &[
            ("action", "add_alias"),
            ("address", "sneaky@demo.example.com"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(primary_and_aliases(&portal, JANE).await, before);
    assert_eq!(portal.audit_log().await[0].outcome, Outcome::Refused);
    portal.stop().await;
}

#[tokio::test]
async fn an_admin_adds_removes_and_promotes_addresses() {
    let portal = start().await;
    let (status, location, body) = task(
        &portal,
        TASKS,
        &[
            ("action", "add_alias"),
            ("address", "jane.d@demo.example.com"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        location.as_deref(),
        Some("/users/jane.doe/tasks?done=add_alias")
    );
    let (primary, aliases) = primary_and_aliases(&portal, JANE).await;
    assert_eq!(primary, "jane.doe@demo.example.com");
    assert!(aliases.contains(&"jane.d@demo.example.com".to_owned()));
    let (_, html) = portal.page("/users/jane.doe/tasks?done=add_alias").await;
    assert!(html.contains("The address was added."));
    assert!(html.contains("jane.d@demo.example.com"));

    let (status, _, _) = task(
        &portal,
        TASKS,
        &[
            ("action", "make_primary"),
            ("address", "jane.d@demo.example.com"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (primary, aliases) = primary_and_aliases(&portal, JANE).await;
    assert_eq!(primary, "jane.d@demo.example.com");
    assert!(
        aliases.contains(&"jane.doe@demo.example.com".to_owned()),
        "the old one stays"
    );
    let record = &portal.audit_log().await[0];
    let detail = record.detail.clone().unwrap_or_default();
    assert!(
        detail.contains("primary jane.doe@demo.example.com")
            && detail.contains("→ primary jane.d@"),
        "old and new values: {detail}"
    );
    // Search finds her by the new address at once.
    let (_, users) = portal.page("/users?q=jane.d%40").await;
    assert!(
        users.contains("jane.d@demo.example.com"),
        "the index took the new address"
    );

    let (status, _, _) = task(
        &portal,
        TASKS,
        &[
            ("action", "remove_alias"),
            ("address", "jane.doe@demo.example.com"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        !primary_and_aliases(&portal, JANE)
            .await
            .1
            .contains(&"jane.doe@demo.example.com".to_owned())
    );

    // Refusals say why and change nothing.
    let before = primary_and_aliases(&portal, JANE).await;
    for (address, says) in [
        ("sam.contractor@demo.example.com", "already in use"),
        ("jane@elsewhere.example.org", "verified mail domains"),
        ("not an address", "not an email address"),
    ] {
        let (status, _, html) = task(
            &portal,
            TASKS,
            &[("action", "add_alias"), ("address", address)],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{address}");
        assert!(html.contains(says), "{address}: {html}");
        // The refused address stays in its input, to correct.
        assert!(
            html.contains(&format!("value=\"{address}\"")),
            "{address} kept: {html}"
        );
    }
    assert_eq!(primary_and_aliases(&portal, JANE).await, before);
    let outcomes: Vec<Outcome> = portal.audit_log().await[..3]
        .iter()
        .map(|r| r.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Invalid,
            Outcome::DirectoryError,
            Outcome::DirectoryError
        ],
        "every attempt has its record"
    );
    portal.stop().await;
}

#[tokio::test]
async fn groups_and_the_mailbox_quota() {
    let portal = start().await;
    let (_, html) = portal.page("/users/jane.doe/tasks?group_q=project").await;
    assert!(html.contains("project-borealis"), "the search finds it");
    let borealis = portal
        .other_client()
        .await
        .describe_group()
        .organization_id(ORG)
        .group_id("project-borealis")
        .send()
        .await
        .expect("DescribeGroup")
        .group_id()
        .expect("id")
        .to_owned();
    let (status, _, _) = task(
        &portal,
        TASKS,
        &[("action", "join_group"), ("group_id", &borealis)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        groups_of(&portal, JANE)
            .await
            .contains(&"project-borealis".to_owned())
    );
    let detail = portal.audit_log().await[0]
        .detail
        .clone()
        .unwrap_or_default();
    assert!(detail.contains("project-borealis]"), "{detail}");
    let (status, _, _) = task(
        &portal,
        TASKS,
        &[("action", "leave_group"), ("group_id", &borealis)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        !groups_of(&portal, JANE)
            .await
            .contains(&"project-borealis".to_owned())
    );

    let (status, _, _) = task(
        &portal,
        TASKS,
        &[("action", "set_quota"), ("quota_mb", "4096")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(quota(&portal, JANE).await, Some(4_096));
    for bad in ["0", "51201", "lots"] {
        let (status, _, html) = task(
            &portal,
            TASKS,
            &[("action", "set_quota"), ("quota_mb", bad)],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(html.contains(&format!("value=\"{bad}\"")), "{bad} kept");
    }
    assert_eq!(quota(&portal, JANE).await, Some(4_096));
    let detail = portal
        .audit_log()
        .await
        .into_iter()
        .find(|record| record.outcome == Outcome::Saved)
        .and_then(|record| record.detail)
        .unwrap_or_default();
    assert!(
        detail.contains("quota 51200 MB → quota 4096 MB"),
        "{detail}"
    );
    portal.stop().await;
}

#[tokio::test]
async fn hr_disables_and_enables_and_an_employee_only_looks() {
    let portal = start_signed_out(|_| {}).await;
    portal.sign_in("hr").await;
    let sam = "/users/sam.contractor/tasks";
    let (status, _, html) = task(&portal, sam, &[("action", "disable")]).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the consequence must be confirmed"
    );
    assert!(html.contains("Tick the confirmation"));
    assert_eq!(state(&portal, "sam.contractor").await, EntityState::Enabled);
    let (status, _, _) = task(&portal, sam, &[("action", "disable"), ("confirm", "1")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        state(&portal, "sam.contractor").await,
        EntityState::Disabled
    );
    let (_, html) = portal.page(sam).await;
    assert!(html.contains("is disabled"), "the tab offers to enable");
    let (status, _, _) = task(
        &portal,
        sam,
        &[
            ("action", "enable"),
            ("address", "sam.contractor@demo.example.com"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(state(&portal, "sam.contractor").await, EntityState::Enabled);
    // HR has no quota right.
    let (status, _, _) = task(&portal, sam, &[("action", "set_quota"), ("quota_mb", "1")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(quota(&portal, "sam.contractor").await, Some(2_048));

    portal.sign_in("employee").await;
    let (status, html) = portal.page(TASKS).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("project-atlas") && html.contains("GB of"),
        "her groups and mailbox"
    );
    for offered in [
        "Add to group",
        "Remove from group",
        "Change quota",
        "Generate a new password",
        ">Disable<",
    ] {
        assert!(!html.contains(offered), "nothing to change: {offered}");
    }
    let (status, _, _) = task(
        &portal,
        TASKS,
        &[("action", "set_quota"), ("quota_mb", "51200")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(quota(&portal, JANE).await, Some(51_200));
    let (status, _) = portal.page(sam).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another user's tab is not found"
    );
    let (status, _, _) = task(&portal, sam, &[("action", "disable"), ("confirm", "1")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(state(&portal, "sam.contractor").await, EntityState::Enabled);
    portal.stop().await;
}

#[tokio::test]
async fn sensitive_tasks_need_a_recent_sign_in_and_every_task_this_portals_origin() {
    let portal = start_with(|config| {
        config.step_up = StepUp {
            max_age_seconds: 1,
            ..StepUp::default()
        }
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let before = primary_and_aliases(&portal, JANE).await;
    let (status, _, html) = task(
        &portal,
        TASKS,
        &[
            ("action", "make_primary"),
            ("address", "jane@demo.example.com"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("href=\"/confirm\""),
        "the way to confirm is offered"
    );
    let (status, _, _) = task(&portal, TASKS, &[("action", "disable"), ("confirm", "1")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(state(&portal, JANE).await, EntityState::Enabled);
    assert_eq!(primary_and_aliases(&portal, JANE).await, before);
    // An alias needs no confirmation.
    let (status, _, _) = task(
        &portal,
        TASKS,
        &[("action", "add_alias"), ("address", "jd2@demo.example.com")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // After confirming, the change goes through.
    let confirmed = portal.confirm_password(DEMO_PASSWORD).await;
    assert!(confirmed.status().is_redirection() || confirmed.status().is_success());
    let (status, _, _) = task(
        &portal,
        TASKS,
        &[
            ("action", "make_primary"),
            ("address", "jane@demo.example.com"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        primary_and_aliases(&portal, JANE).await.0,
        "jane@demo.example.com"
    );

    // A post from another site is refused before anything is read.
    let forged = portal
        .with_session(portal.http.post(portal.url(TASKS)))
        .header("origin", "https://evil.example")
        .form(&[("action", "disable"), ("confirm", "1")])
        .send()
        .await
        .expect("answer");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(state(&portal, JANE).await, EntityState::Enabled);
    // Without a session: to the sign-in page, nothing done.
    let anonymous = portal
        .http
        .post(portal.url(TASKS))
        .header("origin", portal.origin())
        .form(&[("action", "disable"), ("confirm", "1")])
        .send()
        .await
        .expect("answer");
    assert!(
        anonymous.status().is_redirection(),
        "{}",
        anonymous.status()
    );
    assert_eq!(state(&portal, JANE).await, EntityState::Enabled);
    portal.stop().await;
}

#[tokio::test]
async fn a_failing_directory_is_explained_and_recorded() {
    let portal = start().await;
    portal.inject(
        "CreateAlias",
        workmail_emulator::FaultKind::DirectoryUnavailable,
    );
    let before = primary_and_aliases(&portal, JANE).await;
    let (status, _, html) = task(
        &portal,
        TASKS,
        &[("action", "add_alias"), ("address", "jd3@demo.example.com")],
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{html}");
    assert_eq!(primary_and_aliases(&portal, JANE).await, before);
    let records = portal.audit_log().await;
    let record = records.first().expect("a record");
    assert_eq!(record.outcome, Outcome::DirectoryError);
    assert!(
        record
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("CreateAlias failed"),
        "{record:?}"
    );
    portal.stop().await;
}
