//! The operations behind the help desk's everyday tasks (passwords, addresses, groups,
//! mailboxes), driven by the real `aws-sdk-workmail` client.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking, in its helpers too"
)]

use aws_sdk_workmail::Client;
use aws_sdk_workmail::config::{Credentials, Region};
use aws_sdk_workmail::error::ProvideErrorMetadata;
use aws_sdk_workmail::types::{EntityState, ListGroupsFilters, MemberType};
use workmail_emulator::{DEMO_ORGANIZATION_ID as ORG, EmulatorConfig, RunningEmulator, Seed};

async fn demo_with(db: Option<std::path::PathBuf>) -> RunningEmulator {
    RunningEmulator::start(EmulatorConfig {
        seed: Some(Seed::Demo),
        db,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts")
}

fn client(emulator: &RunningEmulator) -> Client {
    Client::from_conf(
        aws_sdk_workmail::Config::builder()
            .behavior_version_latest()
            .endpoint_url(emulator.url())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
            .build(),
    )
}

/// The `__type` of a failed call.
fn code<E: ProvideErrorMetadata, R>(result: Result<R, E>) -> String {
    match result {
        Ok(_) => panic!("the call should have failed"),
        Err(error) => error.code().unwrap_or("<no code>").to_owned(),
    }
}

async fn user_id(client: &Client, name: &str) -> String {
    client
        .describe_user()
        .organization_id(ORG)
        .user_id(name)
        .send()
        .await
        .expect("DescribeUser")
        .user_id()
        .expect("an id")
        .to_owned()
}

async fn aliases(client: &Client, entity: &str) -> Vec<String> {
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_aliases()
            .organization_id(ORG)
            .entity_id(entity)
            .max_results(1)
            .set_next_token(token)
            .send()
            .await
            .expect("ListAliases");
        all.extend(page.aliases().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return all;
        }
    }
}

/// `workmail-emulator check-password` for `user` of the demo organization in `db`, the
/// password on its standard input; its exit status.
fn check_password(db: &std::path::Path, user: &str, password: &str) -> Option<i32> {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_workmail-emulator"))
        .args(["check-password", "--user", user, "--db"])
        .arg(db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("workmail-emulator starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("password written");
    child.wait().expect("workmail-emulator ends").code()
}

#[tokio::test]
async fn reset_password_keeps_only_a_hash_and_refuses_weak_passwords() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("workmail.sqlite");
    let emulator = demo_with(Some(db.clone())).await;
    let client = client(&emulator);
    let jane = user_id(&client, "jane.doe").await;
    let new_password = "Harbour-Lights-2026";

    client
        .reset_password()
        .organization_id(ORG)
        .user_id(&jane)
        .password(new_password)
        .send()
        .await
        .expect("ResetPassword");
    assert_eq!(
        emulator.password_matches(ORG, &jane, new_password).await,
        Ok(true)
    );
    assert_eq!(
        emulator
            .password_matches(ORG, "jane.doe", "Harbour-Lights-2025")
            .await,
        Ok(false)
    );

    let weak = client
        .reset_password()
        .organization_id(ORG)
        .user_id(&jane)
        .password("password")
        .send()
        .await;
    assert_eq!(code(weak), "InvalidPasswordException");
    let by_short_name = client
        .reset_password()
        .organization_id(ORG)
        .user_id("jane.doe")
        .password("Another-Pass-1")
        .send()
        .await;
    assert_eq!(
        code(by_short_name),
        "InvalidParameterException",
        "UserId is a WorkMailIdentifier: at least 12 characters"
    );
    let system = user_id(&client, "mail.journal").await;
    let system_reset = client
        .reset_password()
        .organization_id(ORG)
        .user_id(&system)
        .password("Another-Pass-1")
        .send()
        .await;
    assert_eq!(code(system_reset), "UnsupportedOperationException");
    let former = user_id(&client, "former.employee").await;
    let deleted = client
        .reset_password()
        .organization_id(ORG)
        .user_id(&former)
        .password("Another-Pass-1")
        .send()
        .await;
    assert_eq!(code(deleted), "EntityStateException");
    let unknown = client
        .reset_password()
        .organization_id(ORG)
        .user_id("00000000-0000-0000-0000-000000000000")
        .password("Another-Pass-1")
        .send()
        .await;
    assert_eq!(code(unknown), "EntityNotFoundException");
    // The refused resets changed nothing.
    assert_eq!(
        emulator.password_matches(ORG, &jane, new_password).await,
        Ok(true)
    );
    // Another process reads the same answer from the file while the emulator serves it.
    assert_eq!(check_password(&db, "jane.doe", new_password), Some(0));
    assert_eq!(
        check_password(&db, "jane.doe", "Harbour-Lights-2025"),
        Some(1)
    );
    assert_eq!(check_password(&db, "no.such.user", new_password), Some(2));
    emulator.shutdown().await;

    // Only a hash reached the disk.
    let mut bytes = std::fs::read(&db).expect("database");
    for suffix in ["-wal", "-journal"] {
        if let Ok(more) = std::fs::read(format!("{}{suffix}", db.display())) {
            bytes.extend(more);
        }
    }
    assert!(
        !bytes
            .windows(new_password.len())
            .any(|window| window == new_password.as_bytes()),
        "the password is stored as given"
    );
}

#[tokio::test]
async fn aliases_and_the_primary_address_follow_workmail() {
    let emulator = demo_with(None).await;
    let client = client(&emulator);
    let jane = user_id(&client, "jane.doe").await;
    assert_eq!(
        aliases(&client, &jane).await,
        ["jane@demo.example.com", "j.doe@demo.example.com"]
    );

    client
        .create_alias()
        .organization_id(ORG)
        .entity_id(&jane)
        .alias("jane.doe@demo.example.com".replace("jane.doe", "jdoe"))
        .send()
        .await
        .expect("CreateAlias");
    assert_eq!(aliases(&client, &jane).await.len(), 3);

    let create = |alias: &str| {
        client
            .create_alias()
            .organization_id(ORG)
            .entity_id(&jane)
            .alias(alias)
            .send()
    };
    assert_eq!(
        code(create("JDOE@demo.example.com").await),
        "EmailAddressInUseException",
        "addresses are unique whatever their case"
    );
    assert_eq!(
        code(create("sam.contractor@demo.example.com").await),
        "EmailAddressInUseException"
    );
    assert_eq!(
        code(create("all-staff@demo.example.com").await),
        "EmailAddressInUseException",
        "a group's address is taken too"
    );
    assert_eq!(
        code(create("jane.doe@demo.example.com").await),
        "EmailAddressInUseException",
        "her own primary address"
    );
    assert_eq!(
        code(create("jane@elsewhere.example.org").await),
        "MailDomainNotFoundException"
    );
    assert_eq!(
        code(create("not an address").await),
        "InvalidParameterException"
    );

    // Making an alias primary turns the old primary address into an alias.
    client
        .update_primary_email_address()
        .organization_id(ORG)
        .entity_id(&jane)
        .email("jane@demo.example.com")
        .send()
        .await
        .expect("UpdatePrimaryEmailAddress");
    let described = client
        .describe_user()
        .organization_id(ORG)
        .user_id(&jane)
        .send()
        .await
        .expect("DescribeUser");
    assert_eq!(described.email(), Some("jane@demo.example.com"));
    let now = aliases(&client, &jane).await;
    assert!(
        now.contains(&"jane.doe@demo.example.com".to_owned()),
        "{now:?}"
    );
    assert!(
        !now.contains(&"jane@demo.example.com".to_owned()),
        "{now:?}"
    );
    let taken = client
        .update_primary_email_address()
        .organization_id(ORG)
        .entity_id(&jane)
        .email("sam.contractor@demo.example.com")
        .send()
        .await;
    assert_eq!(code(taken), "EmailAddressInUseException");

    let delete = |alias: &str| {
        client
            .delete_alias()
            .organization_id(ORG)
            .entity_id(&jane)
            .alias(alias)
            .send()
    };
    delete("j.doe@demo.example.com").await.expect("DeleteAlias");
    assert!(
        !aliases(&client, &jane)
            .await
            .contains(&"j.doe@demo.example.com".to_owned())
    );
    assert_eq!(
        code(delete("jane@demo.example.com").await),
        "InvalidParameterException",
        "the primary address is not an alias"
    );

    // A user that is not registered has no addresses to change.
    let disabled = client
        .create_user()
        .organization_id(ORG)
        .name("not.registered")
        .display_name("Not Registered")
        .send()
        .await
        .expect("CreateUser")
        .user_id()
        .expect("id")
        .to_owned();
    let on_disabled = client
        .create_alias()
        .organization_id(ORG)
        .entity_id(&disabled)
        .alias("not.registered@demo.example.com")
        .send()
        .await;
    assert_eq!(code(on_disabled), "EntityStateException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_entity_has_at_most_a_hundred_aliases() {
    let emulator = demo_with(None).await;
    let client = client(&emulator);
    let sam = user_id(&client, "sam.contractor").await;
    for n in 0..100 {
        client
            .create_alias()
            .organization_id(ORG)
            .entity_id(&sam)
            .alias(format!("sam{n}@demo.example.com"))
            .send()
            .await
            .expect("CreateAlias");
    }
    let over = client
        .create_alias()
        .organization_id(ORG)
        .entity_id(&sam)
        .alias("sam100@demo.example.com")
        .send()
        .await;
    assert_eq!(code(over), "LimitExceededException");
    assert_eq!(aliases(&client, &sam).await.len(), 100);
    emulator.shutdown().await;
}

async fn group_names(client: &Client, filters: Option<ListGroupsFilters>) -> Vec<String> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_groups()
            .organization_id(ORG)
            .set_filters(filters.clone())
            .max_results(3)
            .set_next_token(token)
            .send()
            .await
            .expect("ListGroups");
        names.extend(
            page.groups()
                .iter()
                .filter_map(|group| group.name().map(str::to_owned)),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return names;
        }
    }
}

async fn groups_of(client: &Client, entity: &str) -> Vec<String> {
    client
        .list_groups_for_entity()
        .organization_id(ORG)
        .entity_id(entity)
        .send()
        .await
        .expect("ListGroupsForEntity")
        .groups()
        .iter()
        .filter_map(|group| group.group_name().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn groups_their_members_and_a_users_groups() {
    let emulator = demo_with(None).await;
    let client = client(&emulator);
    let all = group_names(&client, None).await;
    assert_eq!(all.len(), 13, "{all:?}");
    assert!(all.contains(&"all-staff".to_owned()) && all.contains(&"engineering".to_owned()));
    let projects = group_names(
        &client,
        Some(ListGroupsFilters::builder().name_prefix("project-").build()),
    )
    .await;
    assert_eq!(projects, ["project-atlas", "project-borealis"]);
    let disabled = group_names(
        &client,
        Some(
            ListGroupsFilters::builder()
                .state(EntityState::Disabled)
                .build(),
        ),
    )
    .await;
    assert_eq!(disabled, ["alumni-2023"]);

    let jane_groups = groups_of(&client, "jane.doe").await;
    for expected in [
        "all-staff",
        "engineering",
        "project-atlas",
        "incident-response",
    ] {
        assert!(
            jane_groups.contains(&expected.to_owned()),
            "{jane_groups:?}"
        );
    }
    let members = client
        .list_group_members()
        .organization_id(ORG)
        .group_id("incident-response")
        .send()
        .await
        .expect("ListGroupMembers");
    let it = members
        .members()
        .iter()
        .find(|member| member.name() == Some("it"))
        .expect("the it group is a member");
    assert_eq!(it.r#type(), Some(&MemberType::Group));

    // A new group: created disabled, registered with an address, then given a member.
    let created = client
        .create_group()
        .organization_id(ORG)
        .name("Book Club")
        .send()
        .await
        .expect("CreateGroup");
    let group_id = created.group_id().expect("id").to_owned();
    let described = client
        .describe_group()
        .organization_id(ORG)
        .group_id(&group_id)
        .send()
        .await
        .expect("DescribeGroup");
    assert_eq!(described.state(), Some(&EntityState::Disabled));
    client
        .register_to_work_mail()
        .organization_id(ORG)
        .entity_id(&group_id)
        .email("book-club@demo.example.com")
        .send()
        .await
        .expect("RegisterToWorkMail for a group");
    let described = client
        .describe_group()
        .organization_id(ORG)
        .group_id("book-club@demo.example.com")
        .send()
        .await
        .expect("DescribeGroup by address");
    assert_eq!(described.state(), Some(&EntityState::Enabled));
    assert_eq!(described.name(), Some("Book Club"));

    let membership = |change: bool, member: &str| {
        let (client, group_id, member) = (client.clone(), group_id.clone(), member.to_owned());
        async move {
            if change {
                client
                    .associate_member_to_group()
                    .organization_id(ORG)
                    .group_id(group_id)
                    .member_id(member)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|error| error.code().unwrap_or_default().to_owned())
            } else {
                client
                    .disassociate_member_from_group()
                    .organization_id(ORG)
                    .group_id(group_id)
                    .member_id(member)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|error| error.code().unwrap_or_default().to_owned())
            }
        }
    };
    membership(true, "jane.doe").await.expect("Associate");
    membership(true, "jane.doe")
        .await
        .expect("Associate twice changes nothing");
    assert!(
        groups_of(&client, "jane.doe")
            .await
            .contains(&"Book Club".to_owned())
    );
    assert_eq!(
        membership(true, &group_id).await,
        Err("InvalidParameterException".to_owned()),
        "a group cannot contain itself"
    );
    assert_eq!(
        membership(true, "former.employee").await,
        Err("EntityStateException".to_owned()),
        "a deleted user cannot join"
    );
    assert_eq!(
        membership(true, "nobody.here").await,
        Err("EntityNotFoundException".to_owned())
    );
    membership(false, "jane.doe").await.expect("Disassociate");
    assert!(
        !groups_of(&client, "jane.doe")
            .await
            .contains(&"Book Club".to_owned())
    );
    assert_eq!(
        membership(false, "jane.doe").await,
        Err("EntityNotFoundException".to_owned()),
        "she is no longer a member"
    );

    let taken = client
        .create_group()
        .organization_id(ORG)
        .name("jane.doe")
        .send()
        .await;
    assert_eq!(
        code(taken),
        "NameAvailabilityException",
        "names are shared with users"
    );
    let reserved = client
        .create_group()
        .organization_id(ORG)
        .name("postmaster")
        .send()
        .await;
    assert_eq!(code(reserved), "ReservedNameException");
    let user_on_group_address = client
        .create_alias()
        .organization_id(ORG)
        .entity_id(user_id(&client, "jane.doe").await)
        .alias("book-club@demo.example.com")
        .send()
        .await;
    assert_eq!(code(user_on_group_address), "EmailAddressInUseException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn mailboxes_report_their_size_and_take_a_new_quota() {
    let emulator = demo_with(None).await;
    let client = client(&emulator);
    let details = |user: &str| {
        client
            .get_mailbox_details()
            .organization_id(ORG)
            .user_id(user)
            .send()
    };
    let jane = details("jane.doe").await.expect("GetMailboxDetails");
    assert_eq!(jane.mailbox_quota(), Some(51_200));
    assert_eq!(jane.mailbox_size(), 12_874.5);
    let sam = details("sam.contractor").await.expect("GetMailboxDetails");
    assert!(sam.mailbox_size() > 0.9 * 2_048.0, "nearly full");

    let quota = |user: &str, quota: i32| {
        client
            .update_mailbox_quota()
            .organization_id(ORG)
            .user_id(user)
            .mailbox_quota(quota)
            .send()
    };
    quota("sam.contractor", 4_096)
        .await
        .expect("UpdateMailboxQuota");
    let sam_after = details("sam.contractor").await.expect("GetMailboxDetails");
    assert_eq!(sam_after.mailbox_quota(), Some(4_096));
    assert_eq!(
        sam_after.mailbox_size(),
        sam.mailbox_size(),
        "the contents stay"
    );
    assert_eq!(
        code(quota("sam.contractor", 51_201).await),
        "InvalidParameterException"
    );
    assert_eq!(
        code(quota("sam.contractor", 0).await),
        "InvalidParameterException"
    );
    assert_eq!(
        details("sam.contractor")
            .await
            .expect("again")
            .mailbox_quota(),
        Some(4_096),
        "refused quotas changed nothing"
    );

    let never_registered = client
        .create_user()
        .organization_id(ORG)
        .name("no.mailbox")
        .display_name("No Mailbox")
        .send()
        .await
        .expect("CreateUser")
        .user_id()
        .expect("id")
        .to_owned();
    assert_eq!(
        code(details(&never_registered).await),
        "EntityNotFoundException"
    );
    assert_eq!(
        code(quota(&never_registered, 1_024).await),
        "EntityStateException"
    );
    emulator.shutdown().await;
}
