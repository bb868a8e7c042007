//! The emulator driven by the real `aws-sdk-workmail` client, as the portal drives it.

// clippy's allow-*-in-tests settings cover `#[test]` functions only, not this file's helpers.
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking, in its helpers too"
)]

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use aws_sdk_workmail::Client;
use aws_sdk_workmail::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_workmail::config::{ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_workmail::error::ProvideErrorMetadata;
use aws_sdk_workmail::types::{EntityState, ListUsersFilters, UserRole};
use workmail_emulator::{
    DEMO_ORGANIZATION_ID as ORG, EmulatorConfig, FaultKind, Faults, RunningEmulator, Seed,
};

const JANE: &str = "jane.doe";
const JANE_EMAIL: &str = "jane.doe@demo.example.com";

async fn start(config: EmulatorConfig) -> RunningEmulator {
    RunningEmulator::start(config)
        .await
        .expect("emulator starts")
}

async fn demo() -> RunningEmulator {
    start(EmulatorConfig {
        seed: Some(Seed::Demo),
        ..EmulatorConfig::default()
    })
    .await
}

fn config_for(emulator: &RunningEmulator, secret: &str) -> aws_sdk_workmail::config::Builder {
    aws_sdk_workmail::Config::builder()
        .behavior_version_latest()
        .endpoint_url(emulator.url())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", secret, None, None, "tests"))
}

fn client(emulator: &RunningEmulator) -> Client {
    Client::from_conf(config_for(emulator, "test").build())
}

/// The `__type` of a failed call.
fn code<E: ProvideErrorMetadata, R>(result: Result<R, E>) -> String {
    match result {
        Ok(_) => panic!("the call should have failed"),
        Err(error) => error.code().unwrap_or("<no code>").to_owned(),
    }
}

async fn describe(
    client: &Client,
    user: &str,
) -> aws_sdk_workmail::operation::describe_user::DescribeUserOutput {
    client
        .describe_user()
        .organization_id(ORG)
        .user_id(user)
        .send()
        .await
        .expect("DescribeUser")
}

#[tokio::test]
async fn describe_user_by_id_name_or_email() {
    let emulator = demo().await;
    let client = client(&emulator);
    let jane = describe(&client, JANE).await;
    assert_eq!(jane.name(), Some(JANE));
    assert_eq!(jane.email(), Some(JANE_EMAIL));
    assert_eq!(jane.state(), Some(&EntityState::Enabled));
    assert_eq!(jane.user_role(), Some(&UserRole::User));
    for value in [
        jane.display_name(),
        jane.first_name(),
        jane.last_name(),
        jane.initials(),
        jane.telephone(),
        jane.street(),
        jane.job_title(),
        jane.city(),
        jane.company(),
        jane.zip_code(),
        jane.department(),
        jane.country(),
        jane.office(),
    ] {
        assert!(
            value.is_some_and(|v| !v.is_empty()),
            "every profile field is filled"
        );
    }
    assert!(jane.enabled_date().is_some() && jane.mailbox_provisioned_date().is_some());
    let id = jane.user_id().expect("user id").to_owned();
    assert_eq!(describe(&client, &id).await.name(), Some(JANE));
    assert_eq!(
        describe(&client, JANE_EMAIL).await.user_id(),
        Some(id.as_str())
    );

    let missing = client
        .describe_user()
        .organization_id(ORG)
        .user_id("no.one")
        .send()
        .await;
    assert_eq!(code(missing), "EntityNotFoundException");
    let bad_id = client
        .describe_user()
        .organization_id(ORG)
        .user_id("bob smith")
        .send()
        .await;
    assert_eq!(code(bad_id), "InvalidParameterException");
    let other_org = client
        .describe_user()
        .organization_id("m-ffffffffffffffffffffffffffffffff")
        .user_id(JANE)
        .send()
        .await;
    assert_eq!(code(other_org), "OrganizationNotFoundException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn update_user_changes_given_members_and_clears_empty_ones() {
    let emulator = demo().await;
    let client = client(&emulator);
    let before = describe(&client, JANE).await;
    client
        .update_user()
        .organization_id(ORG)
        .user_id(JANE)
        .telephone("+1 206 555 0199")
        .job_title("Staff Engineer")
        .office("")
        .hidden_from_global_address_list(true)
        .role(UserRole::RemoteUser)
        .send()
        .await
        .expect("UpdateUser");
    let after = describe(&client, JANE).await;
    assert_eq!(after.telephone(), Some("+1 206 555 0199"));
    assert_eq!(after.job_title(), Some("Staff Engineer"));
    assert_eq!(after.office(), None, "an empty string clears the field");
    assert!(after.hidden_from_global_address_list());
    assert_eq!(after.user_role(), Some(&UserRole::RemoteUser));
    // Members left out are unchanged.
    assert_eq!(after.city(), before.city());
    assert_eq!(after.display_name(), before.display_name());
    assert_eq!(after.first_name(), before.first_name());
    emulator.shutdown().await;
}

#[tokio::test]
async fn update_user_refusals_change_nothing() {
    let emulator = demo().await;
    let client = client(&emulator);
    let before = describe(&client, JANE).await;

    let too_long = client
        .update_user()
        .organization_id(ORG)
        .user_id(JANE)
        .city("Tacoma")
        .display_name("x".repeat(257))
        .send()
        .await;
    assert_eq!(code(too_long), "InvalidParameterException");
    for role in [UserRole::SystemUser, UserRole::Resource] {
        let refused = client
            .update_user()
            .organization_id(ORG)
            .user_id(JANE)
            .city("Tacoma")
            .role(role)
            .send()
            .await;
        assert_eq!(code(refused), "InvalidParameterException");
    }
    let bad_idp = client
        .update_user()
        .organization_id(ORG)
        .user_id(JANE)
        .identity_provider_user_id("not-a-uuid")
        .send()
        .await;
    assert_eq!(code(bad_idp), "InvalidParameterException");
    assert_eq!(describe(&client, JANE).await.city(), before.city());

    let deleted = client
        .update_user()
        .organization_id(ORG)
        .user_id("former.employee")
        .city("Tacoma")
        .send()
        .await;
    assert_eq!(code(deleted), "EntityStateException");
    let system_role = client
        .update_user()
        .organization_id(ORG)
        .user_id("mail.journal")
        .role(UserRole::User)
        .send()
        .await;
    assert_eq!(code(system_role), "UnsupportedOperationException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn user_lifecycle_follows_workmail() {
    let emulator = demo().await;
    let client = client(&emulator);
    let created = client
        .create_user()
        .organization_id(ORG)
        .name("new.hire")
        .display_name("New Hire")
        .password("Welcome-2026")
        .send()
        .await
        .expect("CreateUser");
    let id = created.user_id().expect("id").to_owned();
    let fresh = describe(&client, &id).await;
    assert_eq!(fresh.state(), Some(&EntityState::Disabled));
    assert_eq!(fresh.user_role(), Some(&UserRole::User));
    assert_eq!(fresh.email(), None);

    let duplicate = client
        .create_user()
        .organization_id(ORG)
        .name("NEW.HIRE")
        .display_name("Again")
        .send()
        .await;
    assert_eq!(code(duplicate), "NameAvailabilityException");
    let reserved = client
        .create_user()
        .organization_id(ORG)
        .name("postmaster")
        .display_name("Postmaster")
        .send()
        .await;
    assert_eq!(code(reserved), "ReservedNameException");
    let weak = client
        .create_user()
        .organization_id(ORG)
        .name("weak.password")
        .display_name("Weak")
        .password("password")
        .send()
        .await;
    assert_eq!(code(weak), "InvalidPasswordException");
    let system = client
        .create_user()
        .organization_id(ORG)
        .name("another.system")
        .display_name("System")
        .role(UserRole::SystemUser)
        .send()
        .await;
    assert_eq!(code(system), "InvalidParameterException");

    let in_use = client
        .register_to_work_mail()
        .organization_id(ORG)
        .entity_id(&id)
        .email(JANE_EMAIL)
        .send()
        .await;
    assert_eq!(code(in_use), "EmailAddressInUseException");
    let foreign = client
        .register_to_work_mail()
        .organization_id(ORG)
        .entity_id(&id)
        .email("new.hire@elsewhere.example.org")
        .send()
        .await;
    assert_eq!(code(foreign), "MailDomainNotFoundException");
    client
        .register_to_work_mail()
        .organization_id(ORG)
        .entity_id(&id)
        .email("new.hire@demo.example.com")
        .send()
        .await
        .expect("RegisterToWorkMail");
    let enabled = describe(&client, "new.hire@demo.example.com").await;
    assert_eq!(enabled.state(), Some(&EntityState::Enabled));
    assert!(enabled.enabled_date().is_some() && enabled.mailbox_provisioned_date().is_some());
    client
        .register_to_work_mail()
        .organization_id(ORG)
        .entity_id(&id)
        .email("new.hire@demo.example.com")
        .send()
        .await
        .expect("registering again with the same address changes nothing");
    let other_address = client
        .register_to_work_mail()
        .organization_id(ORG)
        .entity_id(&id)
        .email("hire@demo.example.com")
        .send()
        .await;
    assert_eq!(code(other_address), "EntityAlreadyRegisteredException");

    let still_enabled = client
        .delete_user()
        .organization_id(ORG)
        .user_id(&id)
        .send()
        .await;
    assert_eq!(code(still_enabled), "EntityStateException");
    client
        .deregister_from_work_mail()
        .organization_id(ORG)
        .entity_id(&id)
        .send()
        .await
        .expect("DeregisterFromWorkMail");
    let disabled = describe(&client, &id).await;
    assert_eq!(disabled.state(), Some(&EntityState::Disabled));
    assert!(disabled.disabled_date().is_some());
    client
        .delete_user()
        .organization_id(ORG)
        .user_id(&id)
        .send()
        .await
        .expect("DeleteUser");
    assert_eq!(
        describe(&client, &id).await.state(),
        Some(&EntityState::Deleted)
    );
    let again = client
        .delete_user()
        .organization_id(ORG)
        .user_id(&id)
        .send()
        .await;
    assert_eq!(code(again), "EntityStateException");
    let register_deleted = client
        .register_to_work_mail()
        .organization_id(ORG)
        .entity_id(&id)
        .email("new.hire@demo.example.com")
        .send()
        .await;
    assert_eq!(code(register_deleted), "EntityStateException");
    let deregister_deleted = client
        .deregister_from_work_mail()
        .organization_id(ORG)
        .entity_id(&id)
        .send()
        .await;
    assert_eq!(code(deregister_deleted), "EntityStateException");
    // The name is free again once its user is deleted.
    client
        .create_user()
        .organization_id(ORG)
        .name("new.hire")
        .display_name("New Hire II")
        .send()
        .await
        .expect("the name of a deleted user can be reused");
    emulator.shutdown().await;
}

#[tokio::test]
async fn organizations_can_be_listed_described_and_created() {
    let emulator = demo().await;
    let client = client(&emulator);
    let listed = client
        .list_organizations()
        .send()
        .await
        .expect("ListOrganizations");
    let demo = listed
        .organization_summaries()
        .iter()
        .find(|org| org.organization_id() == Some(ORG))
        .expect("demo organization listed");
    assert_eq!(demo.alias(), Some("demo"));
    assert_eq!(demo.default_mail_domain(), Some("demo.example.com"));

    let described = client
        .describe_organization()
        .organization_id(ORG)
        .send()
        .await
        .expect("DescribeOrganization");
    assert_eq!(described.state(), Some("Active"));
    assert!(described.arn().is_some_and(|arn| arn.ends_with(ORG)));

    let created = client
        .create_organization()
        .alias("acme-corp")
        .client_token("token-1")
        .send()
        .await
        .expect("CreateOrganization");
    let retried = client
        .create_organization()
        .alias("acme-corp")
        .client_token("token-1")
        .send()
        .await
        .expect("same client token");
    assert_eq!(created.organization_id(), retried.organization_id());
    let taken = client.create_organization().alias("acme-corp").send().await;
    assert_eq!(code(taken), "NameAvailabilityException");
    let bad_alias = client.create_organization().alias("d-acme").send().await;
    assert_eq!(code(bad_alias), "InvalidParameterException");

    // Page through organizations one at a time.
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_organizations()
            .max_results(1)
            .set_next_token(token)
            .send()
            .await
            .expect("page");
        seen.extend(
            page.organization_summaries()
                .iter()
                .filter_map(|o| o.alias().map(str::to_owned)),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["demo", "acme-corp"]);
    let unknown = client
        .describe_organization()
        .organization_id("m-ffffffffffffffffffffffffffffffff")
        .send()
        .await;
    assert_eq!(code(unknown), "OrganizationNotFoundException");
    emulator.shutdown().await;
}

/// Pages through ListUsers and returns the user names seen, in order.
async fn all_users(client: &Client, filters: Option<ListUsersFilters>, page: i32) -> Vec<String> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .list_users()
            .organization_id(ORG)
            .max_results(page)
            .set_filters(filters.clone())
            .set_next_token(token)
            .send()
            .await
            .expect("ListUsers");
        assert!(out.users().len() <= page as usize);
        names.extend(
            out.users()
                .iter()
                .filter_map(|u| u.name().map(str::to_owned)),
        );
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return names;
        }
    }
}

#[tokio::test]
async fn list_users_pages_and_filters() {
    let emulator = start(EmulatorConfig {
        seed: Some(Seed::Demo),
        demo_users: 230,
        ..EmulatorConfig::default()
    })
    .await;
    let client = client(&emulator);
    let everyone = all_users(&client, None, 7).await;
    assert_eq!(everyone.len(), 230);
    assert_eq!(
        everyone.iter().collect::<HashSet<_>>().len(),
        230,
        "no user twice"
    );
    assert_eq!(
        all_users(&client, None, 100).await,
        everyone,
        "a stable order"
    );

    let filter = |f: aws_sdk_workmail::types::builders::ListUsersFiltersBuilder| Some(f.build());
    let by_name = all_users(
        &client,
        filter(ListUsersFilters::builder().username_prefix("JANE.")),
        3,
    )
    .await;
    assert_eq!(by_name, [JANE], "prefixes match case-insensitively");
    let by_display = all_users(
        &client,
        filter(ListUsersFilters::builder().display_name_prefix("Aisha ")),
        2,
    )
    .await;
    assert!(!by_display.is_empty() && by_display.iter().all(|n| n.starts_with("aisha.")));
    let by_email = all_users(
        &client,
        filter(ListUsersFilters::builder().primary_email_prefix("ben.")),
        2,
    )
    .await;
    assert!(!by_email.is_empty() && by_email.iter().all(|n| n.starts_with("ben.")));
    let deleted = all_users(
        &client,
        filter(ListUsersFilters::builder().state(EntityState::Deleted)),
        5,
    )
    .await;
    assert_eq!(deleted, ["former.employee"]);
    let disabled = all_users(
        &client,
        filter(ListUsersFilters::builder().state(EntityState::Disabled)),
        5,
    )
    .await;
    assert!(disabled.len() >= 3);
    let wildcard = all_users(
        &client,
        filter(ListUsersFilters::builder().username_prefix("%")),
        5,
    )
    .await;
    assert!(wildcard.is_empty(), "LIKE wildcards are literal");

    let first = client
        .list_users()
        .organization_id(ORG)
        .max_results(5)
        .send()
        .await
        .expect("first page");
    let token = first.next_token().expect("more pages").to_owned();
    let switched = client
        .list_users()
        .organization_id(ORG)
        .max_results(5)
        .filters(
            ListUsersFilters::builder()
                .state(EntityState::Enabled)
                .build(),
        )
        .next_token(token)
        .send()
        .await;
    assert_eq!(code(switched), "InvalidParameterException");
    let garbage = client
        .list_users()
        .organization_id(ORG)
        .next_token("garbage")
        .send()
        .await;
    assert_eq!(code(garbage), "InvalidParameterException");
    for size in [0, 101] {
        let out_of_range = client
            .list_users()
            .organization_id(ORG)
            .max_results(size)
            .send()
            .await;
        assert_eq!(code(out_of_range), "InvalidParameterException");
    }
    let bad_prefix = client
        .list_users()
        .organization_id(ORG)
        .filters(
            ListUsersFilters::builder()
                .identity_provider_user_id_prefix("xyz")
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(bad_prefix), "InvalidParameterException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn paging_while_others_write_sees_everyone_once() {
    let emulator = start(EmulatorConfig {
        seed: Some(Seed::Demo),
        demo_users: 300,
        ..EmulatorConfig::default()
    })
    .await;
    let client = client(&emulator);
    let before: HashSet<String> = all_users(&client, None, 100).await.into_iter().collect();
    let writer = {
        let client = client.clone();
        tokio::spawn(async move {
            for n in 0..60 {
                client
                    .create_user()
                    .organization_id(ORG)
                    .name(format!("during.paging{n}"))
                    .display_name(format!("During Paging {n}"))
                    .send()
                    .await
                    .expect("CreateUser");
                client
                    .update_user()
                    .organization_id(ORG)
                    .user_id(JANE)
                    .display_name(format!("Jane Doe {n}"))
                    .send()
                    .await
                    .expect("UpdateUser");
            }
        })
    };
    let seen = all_users(&client, None, 4).await;
    writer.await.expect("writer");
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no user seen twice");
    assert!(
        before.is_subset(&unique),
        "no user that existed throughout was missed"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn concurrent_updates_of_different_fields_are_all_kept() {
    let emulator = demo().await;
    let client = client(&emulator);
    let updates = [
        ("Telephone", "+1 111"),
        ("Street", "1 Main St"),
        ("JobTitle", "Principal"),
        ("City", "Portland"),
        ("Company", "New Corp"),
        ("ZipCode", "97201"),
        ("Department", "Research"),
        ("Country", "Canada"),
        ("Office", "PDX-1"),
        ("Initials", "J.D."),
    ];
    let mut tasks = Vec::new();
    for (field, value) in updates {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let request = client.update_user().organization_id(ORG).user_id(JANE);
            let request = match field {
                "Telephone" => request.telephone(value),
                "Street" => request.street(value),
                "JobTitle" => request.job_title(value),
                "City" => request.city(value),
                "Company" => request.company(value),
                "ZipCode" => request.zip_code(value),
                "Department" => request.department(value),
                "Country" => request.country(value),
                "Office" => request.office(value),
                _ => request.initials(value),
            };
            request.send().await.expect("UpdateUser");
        }));
    }
    for task in tasks {
        task.await.expect("update task");
    }
    let jane = describe(&client, JANE).await;
    let now = [
        jane.telephone(),
        jane.street(),
        jane.job_title(),
        jane.city(),
        jane.company(),
        jane.zip_code(),
        jane.department(),
        jane.country(),
        jane.office(),
        jane.initials(),
    ];
    for ((field, value), got) in updates.iter().zip(now) {
        assert_eq!(got, Some(*value), "{field} kept");
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn data_survives_a_restart_and_reseeding_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("workmail.sqlite");
    let config = EmulatorConfig {
        db: Some(db.clone()),
        seed: Some(Seed::Demo),
        ..EmulatorConfig::default()
    };
    let emulator = start(config.clone()).await;
    client(&emulator)
        .update_user()
        .organization_id(ORG)
        .user_id(JANE)
        .city("Reykjavik")
        .send()
        .await
        .expect("UpdateUser");
    emulator.shutdown().await;

    let emulator = start(config).await;
    let client = client(&emulator);
    assert_eq!(describe(&client, JANE).await.city(), Some("Reykjavik"));
    assert_eq!(
        all_users(&client, None, 100).await.len(),
        50,
        "the seed added nobody"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn seed_files_load_organizations_in_any_state() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("seed.json");
    std::fs::write(
        &path,
        r#"{"Organizations": [
            {"OrganizationId": "m-11111111111111111111111111111111", "Alias": "frozen",
             "State": "Impaired", "Users": [{"Name": "ice", "DisplayName": "Ice"}]},
            {"OrganizationId": "m-22222222222222222222222222222222", "Alias": "ad-corp",
             "DirectoryType": "ActiveDirectory", "Domains": ["ad.example.com"],
             "Users": [{"Name": "alice", "Email": "alice@ad.example.com", "City": "Oslo"}]}
        ]}"#,
    )
    .expect("write seed");
    let emulator = start(EmulatorConfig {
        seed: Some(Seed::File(path.clone())),
        ..EmulatorConfig::default()
    })
    .await;
    let client = client(&emulator);
    let frozen = client
        .describe_user()
        .organization_id("m-11111111111111111111111111111111")
        .user_id("ice")
        .send()
        .await;
    assert_eq!(code(frozen), "OrganizationStateException");
    let alice = client
        .describe_user()
        .organization_id("m-22222222222222222222222222222222")
        .user_id("alice@ad.example.com")
        .send()
        .await
        .expect("seeded user");
    assert_eq!(alice.city(), Some("Oslo"));
    assert_eq!(alice.state(), Some(&EntityState::Enabled));
    let managed_elsewhere = client
        .update_user()
        .organization_id("m-22222222222222222222222222222222")
        .user_id("alice")
        .city("Bergen")
        .send()
        .await;
    assert_eq!(code(managed_elsewhere), "UnsupportedOperationException");
    emulator.shutdown().await;

    std::fs::write(
        &path,
        r#"{"Organizations": [{"Alias": "x", "Users": [{"Name": "a b"}]}]}"#,
    )
    .expect("write seed");
    let refused = RunningEmulator::start(EmulatorConfig {
        seed: Some(Seed::File(path)),
        ..EmulatorConfig::default()
    })
    .await;
    let message = refused.err().expect("invalid seed refused").to_string();
    assert!(message.contains("a b"), "{message}");
}

#[tokio::test]
async fn wrong_credentials_are_refused_and_change_nothing() {
    let emulator = demo().await;
    let good = client(&emulator);
    let wrong_secret = Client::from_conf(config_for(&emulator, "not-the-secret").build());
    let refused = wrong_secret
        .update_user()
        .organization_id(ORG)
        .user_id(JANE)
        .city("Nowhere")
        .send()
        .await;
    assert_eq!(code(refused), "InvalidSignatureException");
    assert_eq!(describe(&good, JANE).await.city(), Some("Seattle"));

    let unknown_key = Client::from_conf(
        config_for(&emulator, "test")
            .credentials_provider(Credentials::new("AKIDUNKNOWN", "test", None, None, "tests"))
            .build(),
    );
    let refused = unknown_key
        .describe_user()
        .organization_id(ORG)
        .user_id(JANE)
        .send()
        .await;
    assert_eq!(code(refused), "UnrecognizedClientException");

    let other_region = Client::from_conf(
        config_for(&emulator, "test")
            .region(Region::new("eu-west-1"))
            .build(),
    );
    let refused = other_region
        .describe_user()
        .organization_id(ORG)
        .user_id(JANE)
        .send()
        .await;
    assert_eq!(code(refused), "InvalidSignatureException");

    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let skewed = Client::from_conf(
        config_for(&emulator, "test")
            .time_source(aws_smithy_async::time::StaticTimeSource::new(an_hour_ago))
            // The SDK corrects its clock from the answer's Date header and retries.
            .retry_config(aws_sdk_workmail::config::retry::RetryConfig::disabled())
            .build(),
    );
    let refused = skewed
        .describe_user()
        .organization_id(ORG)
        .user_id(JANE)
        .send()
        .await;
    assert_eq!(code(refused), "InvalidSignatureException");
    emulator.shutdown().await;
}

/// Rewrites the request after serialisation, before signing: what a buggy or hostile client sends.
#[derive(Debug)]
struct Rewrite {
    target: Option<&'static str>,
    body: Option<&'static str>,
}

impl Intercept for Rewrite {
    fn name(&self) -> &'static str {
        "Rewrite"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let request = context.request_mut();
        if let Some(target) = self.target {
            request.headers_mut().insert("x-amz-target", target);
        }
        if let Some(body) = self.body {
            *request.body_mut() = aws_smithy_types::body::SdkBody::from(body);
            request
                .headers_mut()
                .insert("content-length", body.len().to_string());
        }
        Ok(())
    }
}

#[tokio::test]
async fn protocol_errors_are_named() {
    let emulator = demo().await;
    let with = |rewrite: Rewrite| {
        Client::from_conf(config_for(&emulator, "test").interceptor(rewrite).build())
    };
    let unknown = with(Rewrite {
        target: Some("WorkMailService.DeleteGroup"),
        body: None,
    });
    let refused = unknown
        .describe_user()
        .organization_id(ORG)
        .user_id(JANE)
        .send()
        .await;
    assert_eq!(code(refused), "UnknownOperationException");

    let malformed = with(Rewrite {
        target: None,
        body: Some("{\"OrganizationId\": "),
    });
    let refused = malformed
        .describe_user()
        .organization_id(ORG)
        .user_id(JANE)
        .send()
        .await;
    assert_eq!(code(refused), "SerializationException");

    let wrong_type = with(Rewrite {
        target: None,
        body: Some(
            r#"{"OrganizationId": "m-0123456789abcdef0123456789abcdef", "UserId": "jane.doe", "City": 7}"#,
        ),
    });
    let refused = wrong_type
        .update_user()
        .organization_id(ORG)
        .user_id(JANE)
        .send()
        .await;
    assert_eq!(code(refused), "SerializationException");
    assert_eq!(
        describe(&client(&emulator), JANE).await.city(),
        Some("Seattle")
    );

    let missing_required = with(Rewrite {
        target: None,
        body: Some(r#"{"OrganizationId": "m-0123456789abcdef0123456789abcdef"}"#),
    });
    let refused = missing_required
        .describe_user()
        .organization_id(ORG)
        .user_id(JANE)
        .send()
        .await;
    assert_eq!(code(refused), "InvalidParameterException");

    // No signature at all, straight over TCP.
    let (status, headers, body) = raw_post(&emulator, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: WorkMailService.ListOrganizations\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}").await;
    assert_eq!(status, 400);
    assert!(
        headers.to_ascii_lowercase().contains("x-amzn-requestid:"),
        "{headers}"
    );
    assert!(
        body.contains("MissingAuthenticationTokenException"),
        "{body}"
    );
    emulator.shutdown().await;
}

async fn raw_post(emulator: &RunningEmulator, request: &str) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("HTTP response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status");
    (status, head.to_owned(), body.to_owned())
}

#[tokio::test]
async fn injected_faults_and_latency() {
    let emulator = demo().await;
    let client = client(&emulator);
    emulator
        .set_faults(Faults {
            rate: 1.0,
            operations: vec!["UpdateUser".into()],
            kind: FaultKind::DirectoryUnavailable,
            ..Faults::default()
        })
        .expect("faults");
    let failed = client
        .update_user()
        .organization_id(ORG)
        .user_id(JANE)
        .city("X")
        .send()
        .await;
    assert_eq!(code(failed), "DirectoryUnavailableException");
    assert_eq!(
        describe(&client, JANE).await.city(),
        Some("Seattle"),
        "other operations work"
    );

    emulator
        .set_faults(Faults {
            rate: 1.0,
            kind: FaultKind::Throttling,
            ..Faults::default()
        })
        .expect("faults");
    let throttled = client
        .describe_user()
        .organization_id(ORG)
        .user_id(JANE)
        .send()
        .await;
    assert_eq!(code(throttled), "ThrottlingException");

    for (kind, expected) in [
        (
            FaultKind::DirectoryServiceAuthenticationFailed,
            "DirectoryServiceAuthenticationFailedException",
        ),
        (FaultKind::OrganizationState, "OrganizationStateException"),
    ] {
        emulator
            .set_faults(Faults {
                rate: 1.0,
                kind,
                ..Faults::default()
            })
            .expect("faults");
        let failed = client
            .describe_user()
            .organization_id(ORG)
            .user_id(JANE)
            .send()
            .await;
        assert_eq!(code(failed), expected);
    }

    emulator
        .set_faults(Faults {
            latency: Duration::from_millis(150),
            ..Faults::default()
        })
        .expect("faults");
    let started = std::time::Instant::now();
    describe(&client, JANE).await;
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "latency was added"
    );

    assert!(
        emulator
            .set_faults(Faults {
                rate: 2.0,
                ..Faults::default()
            })
            .is_err()
    );
    assert!(
        emulator
            .set_faults(Faults {
                operations: vec!["Nope".into()],
                ..Faults::default()
            })
            .is_err()
    );
    emulator.shutdown().await;
}

#[test]
fn the_binary_reports_where_it_listens_and_fails_clearly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let binary = env!("CARGO_BIN_EXE_workmail-emulator");
    let dir = tempfile::tempdir().expect("temp dir");

    let mut child = Command::new(binary)
        .args(["--listen", "127.0.0.1:0", "--seed", "demo", "--db"])
        .arg(dir.path().join("db.sqlite"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read line");
    let url = line
        .trim()
        .strip_prefix("listening on http://")
        .expect(&line)
        .to_owned();
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    assert_ne!(port, 0, "the real port is printed");

    // The port is taken now.
    let taken = Command::new(binary)
        .args(["--listen", &url])
        .output()
        .expect("run");
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("cannot listen"));
    child.kill().expect("kill");
    let _ = child.wait();

    let bad_flag = Command::new(binary)
        .arg("--no-such-flag")
        .output()
        .expect("run");
    assert!(!bad_flag.status.success());
    let unreadable = Command::new(binary)
        .args(["--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("missing-dir/db.sqlite"))
        .output()
        .expect("run");
    assert!(!unreadable.status.success());
    assert!(String::from_utf8_lossy(&unreadable.stderr).contains("cannot open the database"));
}
