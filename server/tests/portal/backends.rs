//! The edit page's promises on both directories, from one set of test bodies: loading, saving
//! only what changed, clearing, never overwriting a change made elsewhere, scope and search.
//! Each body runs on the embedded WorkMail emulator (`on_workmail::…`) and on OpenLDAP
//! (`on_ldap::…`: a real slapd holding an LDIF export of the same demo organization), and reads
//! the directory back through another client (the SDK, or `ldapsearch`).

use crate::export::{command_config, demo_emulator, export_command};
use crate::harness::*;
use crate::slapd::{PEOPLE_DN, Slapd};
use app::domain::{Change, Field};
use app::ports::{Directory, DirectoryErrorKind};
use reqwest::StatusCode;
use serde_json::json;
use workmail_emulator::Seed;
use workmail_portal::config::DirectorySetting;
use workmail_portal::directory::ldap::{AttributeMap, LdapDirectory, LdapSettings};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    WorkMail,
    Ldap,
}

/// A portal on one of the directories, signed in as `admin`.
struct Setup {
    portal: Portal,
    ldap: Option<(Slapd, LdapSettings)>,
}

impl Setup {
    /// `None` when the directory cannot run here (slapd not installed; loud, and a failure
    /// under CI).
    async fn start(kind: Kind, test: &str) -> Option<Setup> {
        match kind {
            Kind::WorkMail => Some(Setup {
                portal: start().await,
                ldap: None,
            }),
            Kind::Ldap => {
                if !slapd_or_skip(test) {
                    return None;
                }
                let server = Slapd::start();
                // The demo organization, moved the way the README says: an LDIF export.
                let emulator_dir = tempfile::tempdir().expect("temp dir");
                let emulator = demo_emulator(&emulator_dir, Seed::Demo).await;
                let (ldif, _) = export_command(
                    &command_config(&emulator, &emulator_dir),
                    &["--format", "ldif", "--base-dn", PEOPLE_DN],
                )
                .await;
                emulator.shutdown().await;
                server.add(&String::from_utf8(ldif).expect("UTF-8"));
                let settings = server.portal_settings();
                let data = tempfile::tempdir().expect("temp dir");
                let config = workmail_portal::config::PortalConfig {
                    directory: DirectorySetting::Ldap(Box::new(settings.clone())),
                    ..test_config(&data)
                };
                let portal = try_start(config, data)
                    .await
                    .expect("portal on LDAP starts");
                // The demo accounts, as an operator adds them to a real directory.
                add_account(&portal, "admin", "admin", None).await;
                add_account(&portal, "hr", "hr", None).await;
                add_account(
                    &portal,
                    "employee",
                    "employee",
                    Some("jane.doe@demo.example.com"),
                )
                .await;
                portal.sign_in("admin").await;
                Some(Setup {
                    portal,
                    ldap: Some((server, settings)),
                })
            }
        }
    }

    /// What the directory holds for `field` of the user named `name`, read by another client.
    async fn value(&self, name: &str, field: Field) -> String {
        match &self.ldap {
            None => self.portal.directory_value(name, field.api_name()).await,
            Some((server, _)) => {
                let attribute = AttributeMap::default()
                    .attribute(field)
                    .expect("an LDAP field")
                    .to_owned();
                server.value(name, &attribute)
            }
        }
    }

    /// Another tool changes `field` of the user named `name`, behind the portal's back.
    async fn change_elsewhere(&self, name: &str, field: Field, value: &str) {
        match &self.ldap {
            None => {
                let value = value.to_owned();
                assert_eq!(field, Field::JobTitle, "only JobTitle is changed elsewhere");
                self.portal
                    .change_behind_the_back(name, move |request| request.job_title(value))
                    .await;
            }
            Some((server, _)) => {
                let attribute = AttributeMap::default()
                    .attribute(field)
                    .expect("an LDAP field")
                    .to_owned();
                server.replace(&format!("uid={name},{PEOPLE_DN}"), &attribute, Some(value));
            }
        }
    }
}

async fn loading_shows_what_the_directory_holds(kind: Kind) {
    let Some(setup) = Setup::start(kind, "loading_shows_what_the_directory_holds").await else {
        return;
    };
    let profile = setup.portal.get_user(JANE).await;
    assert_eq!(profile["email"], "jane.doe@demo.example.com");
    for field in [
        Field::JobTitle,
        Field::Department,
        Field::City,
        Field::LastName,
    ] {
        let shown = profile["values"][field.api_name()]
            .as_str()
            .expect("a value");
        assert!(!shown.is_empty(), "{kind:?}: the demo user has a {field:?}");
        assert_eq!(shown, setup.value(JANE, field).await, "{kind:?}: {field:?}");
    }
    let (status, html) = setup.portal.page("/users/jane.doe").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(profile["values"]["JobTitle"].as_str().unwrap_or("-")));
}

async fn a_save_writes_only_the_changed_field(kind: Kind) {
    let Some(setup) = Setup::start(kind, "a_save_writes_only_the_changed_field").await else {
        return;
    };
    let city = setup.value(JANE, Field::City).await;
    let loaded = setup.portal.get_user(JANE).await;
    let (status, _, body) = setup
        .portal
        .save(JANE, &loaded, &[("JobTitle", "Principal Engineer")])
        .await;
    assert_eq!(status, StatusCode::OK, "{kind:?}: {body}");
    assert_eq!(body["saved"], json!(["JobTitle"]));
    assert_eq!(body["profile"]["values"]["JobTitle"], "Principal Engineer");
    assert_eq!(
        setup.value(JANE, Field::JobTitle).await,
        "Principal Engineer"
    );
    assert_eq!(
        setup.value(JANE, Field::City).await,
        city,
        "{kind:?}: untouched"
    );
}

async fn an_emptied_field_is_cleared(kind: Kind) {
    let Some(setup) = Setup::start(kind, "an_emptied_field_is_cleared").await else {
        return;
    };
    let loaded = setup.portal.get_user(JANE).await;
    assert_ne!(loaded["values"]["City"], "");
    let (status, _, body) = setup.portal.save(JANE, &loaded, &[("City", "")]).await;
    assert_eq!(status, StatusCode::OK, "{kind:?}: {body}");
    assert_eq!(setup.value(JANE, Field::City).await, "");
    assert_eq!(setup.portal.get_user(JANE).await["values"]["City"], "");
}

async fn a_change_made_elsewhere_is_never_overwritten(kind: Kind) {
    let Some(setup) = Setup::start(kind, "a_change_made_elsewhere_is_never_overwritten").await
    else {
        return;
    };
    let loaded = setup.portal.get_user(JANE).await;
    setup
        .change_elsewhere(JANE, Field::JobTitle, "Changed elsewhere")
        .await;
    let (status, _, body) = setup
        .portal
        .save(JANE, &loaded, &[("JobTitle", "Mine")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{kind:?}: {body}");
    assert_eq!(body["conflicts"][0]["theirs"], "Changed elsewhere");
    assert_eq!(
        setup.value(JANE, Field::JobTitle).await,
        "Changed elsewhere"
    );
}

async fn a_user_outside_the_scope_is_not_found(kind: Kind) {
    let Some(setup) = Setup::start(kind, "a_user_outside_the_scope_is_not_found").await else {
        return;
    };
    let (_, _, view) = setup
        .portal
        .call(
            "search_users",
            json!({ "query": { "search": "", "state": null, "page": 1, "page_size": 25 } }),
        )
        .await;
    let other = view["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|row| row["name"].as_str())
        .find(|name| *name != JANE)
        .expect("another user")
        .to_owned();
    let loaded = setup.portal.get_user(&other).await;
    let title = setup.value(&other, Field::JobTitle).await;

    setup.portal.sign_in("employee").await;
    let (status, _, _) = setup
        .portal
        .call("get_user", json!({ "user": other }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{kind:?}");
    let (status, _, _) = setup
        .portal
        .save(&other, &loaded, &[("JobTitle", "Taken over")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{kind:?}");
    assert_eq!(setup.value(&other, Field::JobTitle).await, title);
    // Their own profile is theirs to see.
    assert_eq!(
        setup.portal.get_user(JANE).await["email"],
        "jane.doe@demo.example.com"
    );
}

async fn search_finds_users_by_prefix(kind: Kind) {
    let Some(setup) = Setup::start(kind, "search_finds_users_by_prefix").await else {
        return;
    };
    let (status, html) = setup.portal.page("/users?q=jane.d").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("jane.doe@demo.example.com"), "{kind:?}");
    let (_, html) = setup.portal.page("/users?q=nobody-by-this-name").await;
    assert!(!html.contains("jane.doe@demo.example.com"), "{kind:?}");
}

/// Runs each body on both directories, as `on_workmail::NAME` and `on_ldap::NAME`.
macro_rules! on_both_directories {
    ($($name:ident),+ $(,)?) => {
        mod on_workmail {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Kind::WorkMail).await;
            })+
        }
        mod on_ldap {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Kind::Ldap).await;
            })+
        }
    };
}

on_both_directories!(
    loading_shows_what_the_directory_holds,
    a_save_writes_only_the_changed_field,
    an_emptied_field_is_cleared,
    a_change_made_elsewhere_is_never_overwritten,
    a_user_outside_the_scope_is_not_found,
    search_finds_users_by_prefix,
);

// ---- What only LDAP has.

/// The write itself is conditional (the assertion control): a value that changed after the
/// portal read it makes the directory refuse the write, whatever the portal's own checks saw.
#[tokio::test]
async fn an_ldap_write_happens_only_if_the_values_are_still_those_read() {
    let Some(setup) = Setup::start(
        Kind::Ldap,
        "an_ldap_write_happens_only_if_the_values_are_still_those_read",
    )
    .await
    else {
        return;
    };
    let Some((server, settings)) = &setup.ldap else {
        return;
    };
    let directory = LdapDirectory::new(settings.clone(), std::time::Duration::from_secs(5));
    let jane = directory.describe_user(JANE).await.expect("jane");
    let title = jane.values.get(Field::JobTitle).to_owned();
    let stale = [Change {
        field: Field::JobTitle,
        from: "Not what it is".to_owned(),
        to: "Written anyway".to_owned(),
    }];
    let error = directory
        .update_user(&jane.user_id, &stale)
        .await
        .expect_err("refused");
    assert_eq!(error.kind, DirectoryErrorKind::Conflict);
    assert_eq!(server.value(JANE, "title"), title);
    let current = [Change {
        field: Field::JobTitle,
        from: title,
        to: "Written".to_owned(),
    }];
    directory
        .update_user(&jane.user_id, &current)
        .await
        .expect("written");
    assert_eq!(server.value(JANE, "title"), "Written");
}

/// Role and the address-list flag are WorkMail's: on LDAP the page says they are not
/// available, and a forged save of one is refused without touching the directory.
#[tokio::test]
async fn fields_ldap_cannot_hold_are_unavailable_not_faked() {
    let Some(setup) = Setup::start(
        Kind::Ldap,
        "fields_ldap_cannot_hold_are_unavailable_not_faked",
    )
    .await
    else {
        return;
    };
    let (_, html) = setup.portal.page("/users/jane.doe").await;
    assert!(
        html.contains("Not available in this directory: Role, Hide from the global address list."),
        "{html}"
    );
    assert!(!html.contains("name=\"Role\""));
    let loaded = setup.portal.get_user(JANE).await;
    let (status, _, body) = setup
        .portal
        .save(JANE, &loaded, &[("Role", "REMOTE_USER")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, body) = setup.portal.save(JANE, &loaded, &[("LastName", "")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field_errors"][0]["field"], "LastName", "{body}");
    assert_ne!(setup.value(JANE, Field::LastName).await, "");
}

/// The move the README walks through, checked user by user: every user of the demo
/// organization, exported as LDIF and loaded into slapd, reads the same through the portal on
/// LDAP as WorkMail (the emulator) holds it.
#[tokio::test]
async fn the_portal_on_ldap_shows_every_user_as_workmail_held_it() {
    let test = "the_portal_on_ldap_shows_every_user_as_workmail_held_it";
    if !slapd_or_skip(test) {
        return;
    }
    let emulator_dir = tempfile::tempdir().expect("temp dir");
    let emulator = demo_emulator(&emulator_dir, Seed::Demo).await;
    let (json, _) = export_command(
        &command_config(&emulator, &emulator_dir),
        &["--format", "json"],
    )
    .await;
    let Some(setup) = Setup::start(Kind::Ldap, test).await else {
        return;
    };
    let exported: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    let users = exported["Organizations"][0]["Users"]
        .as_array()
        .expect("users");
    assert_eq!(users.len(), 60);
    let text_fields: Vec<Field> = Field::text_fields().collect();
    let mut compared = 0;
    for user in users {
        let name = user["Name"].as_str().expect("a name");
        if user["State"] == "DELETED" {
            // Left out of the LDIF: in a new directory they would be live accounts again.
            let (status, _, _) = setup.portal.call("get_user", json!({ "user": name })).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
            continue;
        }
        let shown = setup.portal.get_user(name).await;
        compared += 1;
        assert_eq!(shown["name"], user["Name"], "{name}");
        assert_eq!(shown["email"], user["Email"], "{name}");
        for field in &text_fields {
            let mut held = user[field.api_name()].as_str().unwrap_or_default();
            // `person` requires a last name (`sn`): the export gives the user name to a user
            // who had none, and the README says so.
            if *field == Field::LastName && held.is_empty() {
                held = name;
            }
            assert_eq!(
                shown["values"][field.api_name()]
                    .as_str()
                    .unwrap_or_default(),
                held,
                "{name}: {field:?}"
            );
        }
    }
    assert!(compared >= 50, "{compared} users compared");
    emulator.shutdown().await;
}

/// TLS to the directory is verified: ldaps:// and StartTLS work with the CA that signed the
/// server's certificate (`PORTAL_LDAP_CA_FILE`), and without it the portal refuses to talk to
/// a server it cannot verify.
#[tokio::test]
async fn ldap_over_tls_trusts_only_the_configured_ca() {
    if !slapd_or_skip("ldap_over_tls_trusts_only_the_configured_ca") {
        return;
    }
    let server = Slapd::start_tls();
    let (ldaps, ca) = server.tls.clone().expect("TLS listener");
    let settings = |url: &str, starttls: bool, ca_file: Option<std::path::PathBuf>| LdapSettings {
        url: url.to_owned(),
        starttls,
        ca_file,
        ..server.portal_settings()
    };
    let timeout = std::time::Duration::from_secs(5);
    for (url, starttls) in [(ldaps.as_str(), false), (server.url.as_str(), true)] {
        let trusted = LdapDirectory::new(settings(url, starttls, Some(ca.clone())), timeout);
        let organization = trusted.organization().await.expect("TLS with the CA");
        assert_eq!(organization.id, PEOPLE_DN, "{url}");
        let untrusted = LdapDirectory::new(settings(url, starttls, None), timeout);
        let error = untrusted.organization().await.expect_err("unverified");
        assert_eq!(
            error.kind,
            DirectoryErrorKind::Unreachable,
            "{url}: {error}"
        );
    }
}
