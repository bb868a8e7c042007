//! Exporting the directory: `/admin/export` (only for roles with the export right, every
//! export audited, a file only for the account that made it) and the `export` command, whose
//! JSON seeds an emulator that exports the very same bytes and whose LDIF loads into a real
//! slapd.

use crate::harness::*;
use crate::single_sign_on::audit_records;
use crate::slapd::{PEOPLE_DN, Slapd};
use app::domain::Outcome;
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use workmail_emulator::{DEMO_ORGANIZATION_ID, EmulatorConfig, RunningEmulator, Seed};
use workmail_portal::config::{DirectorySetting, PortalConfig};

/// Posts the export form.
async fn start_export(
    portal: &Portal,
    fields: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    let pairs: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    portal.post_form("/admin/export", &pairs).await
}

/// Waits for the export page to offer a download; returns the file's path.
async fn finished_export(portal: &Portal) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, html) = portal.page("/admin/export").await;
        assert_eq!(status, StatusCode::OK);
        if let Some(start) = html.find("href=\"/admin/export/") {
            let rest = &html[start + "href=\"".len()..];
            return rest[..rest.find('"').expect("end of href")].to_owned();
        }
        assert!(!html.contains("Failed:"), "the export failed: {html}");
        assert!(Instant::now() < deadline, "no export finished in 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many users the directory has, read through another client.
async fn directory_size(portal: &Portal) -> usize {
    let client = portal.other_client().await;
    let mut users = 0;
    let mut token = None;
    loop {
        let page = client
            .list_users()
            .organization_id(DEMO_ORGANIZATION_ID)
            .set_next_token(token)
            .send()
            .await
            .expect("ListUsers");
        users += page.users().len();
        match page.next_token() {
            Some(next) => token = Some(next.to_owned()),
            None => return users,
        }
    }
}

#[tokio::test]
async fn an_admin_exports_from_the_page_and_downloads_the_file() {
    let portal = start().await;
    let (status, html) = portal.page("/admin/export").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Start export"));
    assert!(
        html.contains("value=\"ou=people,dc=demo,dc=example,dc=com\""),
        "{html}"
    );
    assert!(
        html.contains("href=\"/admin/export\""),
        "the header links to the page"
    );

    let (status, location, body) = start_export(&portal, &[("format", "csv")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location.as_deref(), Some("/admin/export"));
    let file = finished_export(&portal).await;

    let response = portal
        .with_session(portal.http.get(portal.url(&file)))
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"demo-users.csv\""
    );
    let csv = response.text().await.expect("body");
    let users = directory_size(&portal).await;
    let rows: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), users + 1, "a header and one row per user");
    assert!(rows[0].starts_with("User Name,First Name,Last Name,Display Name,"));
    assert!(csv.contains("jane.doe@demo.example.com"));

    let records = audit_records(&portal).await;
    assert!(
        records.contains(&(
            Outcome::Exported,
            "admin".to_owned(),
            format!("CSV export of {users} users")
        )),
        "{records:?}"
    );
}

/// HR, the help desk and employees may not export: the page, the form and another account's
/// file all refuse them, and each refused export is audited. A file is its maker's only.
#[tokio::test]
async fn only_the_export_right_exports_and_a_file_is_its_makers_only() {
    let portal = start().await;
    start_export(&portal, &[("format", "json")]).await;
    let file = finished_export(&portal).await;

    for role in ["hr", "helpdesk", "employee"] {
        portal.sign_in(role).await;
        let (status, html) = portal.page("/admin/export").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
        assert!(!html.contains("Start export"), "{role}");
        assert!(!html.contains("href=\"/admin/export\""), "{role}: no link");
        let (status, _, body) = start_export(&portal, &[("format", "json")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}: {body}");
        assert!(
            body.contains("doesn&#x27;t allow exporting")
                || body.contains("doesn't allow exporting"),
            "{role}: {body}"
        );
        let response = portal
            .with_session(portal.http.get(portal.url(&file)))
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role}");
    }
    let refused: Vec<String> = audit_records(&portal)
        .await
        .into_iter()
        .filter(|(outcome, _, _)| *outcome == Outcome::Refused)
        .map(|(_, account, _)| account)
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");

    add_account(&portal, "second-admin", "admin", None).await;
    let (_, _, cookie, _) = portal.post_login("second-admin", DEMO_PASSWORD, None).await;
    portal.set_cookie(cookie);
    let response = portal
        .with_session(portal.http.get(portal.url(&file)))
        .send()
        .await
        .expect("answer");
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "another admin's file"
    );
}

#[tokio::test]
async fn an_export_from_another_site_or_without_a_session_is_refused() {
    let portal = start().await;
    let forged = portal
        .with_session(portal.http.post(portal.url("/admin/export")))
        .header("origin", "https://evil.example")
        .form(&[("format", "json")])
        .send()
        .await
        .expect("answer");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let anonymous = portal
        .http
        .post(portal.url("/admin/export"))
        .header("origin", portal.origin())
        .form(&[("format", "json")])
        .send()
        .await
        .expect("answer");
    assert_eq!(
        anonymous.status(),
        StatusCode::SEE_OTHER,
        "to the sign-in page"
    );
    let (_, html) = portal.page("/admin/export").await;
    assert!(
        !html.contains("Reading users") && !html.contains("Download:"),
        "no export ran"
    );
    assert!(
        audit_records(&portal)
            .await
            .iter()
            .all(|(outcome, _, _)| *outcome != Outcome::Exported)
    );
}

#[tokio::test]
async fn a_bad_format_or_base_dn_is_refused_with_the_reason() {
    let portal = start().await;
    let (status, _, body) = start_export(&portal, &[("format", "xml")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Choose a format"), "{body}");
    let (status, _, body) =
        start_export(&portal, &[("format", "ldif"), ("base_dn", "example.com")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("is not a DN"), "{body}");
    let (status, _, body) = start_export(&portal, &[("format", "ldif"), ("base_dn", "")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("needs a base DN"), "{body}");
    let (_, html) = portal.page("/admin/export").await;
    assert!(!html.contains("Download:"), "nothing was exported");
}

// ---- The `export` command, against an emulator of its own.

pub(crate) async fn demo_emulator(dir: &tempfile::TempDir, seed: Seed) -> RunningEmulator {
    RunningEmulator::start(EmulatorConfig {
        seed: Some(seed),
        demo_users: 60,
        db: Some(dir.path().join("emulator.sqlite3")),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts")
}

pub(crate) fn command_config(emulator: &RunningEmulator, data: &tempfile::TempDir) -> PortalConfig {
    PortalConfig {
        directory: DirectorySetting::Endpoint(emulator.url().to_owned()),
        organization_id: DEMO_ORGANIZATION_ID.to_owned(),
        endpoint_credentials: Some(("test".into(), "test".into())),
        ..test_config(data)
    }
}

/// Runs `workmail-portal export ARGS`; returns the file (`--output` in the temp dir) and what
/// it printed on stderr.
pub(crate) async fn export_command(config: &PortalConfig, args: &[&str]) -> (Vec<u8>, String) {
    let path = config
        .data_dir
        .join(format!("export-{}", fastrand::u32(..)));
    let mut args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    args.extend(["--output".to_owned(), path.display().to_string()]);
    let (mut out, mut progress) = (Vec::new(), Vec::new());
    workmail_portal::cli::run_export(&args, config, &mut out, &mut progress)
        .await
        .expect("the export runs");
    assert!(out.is_empty(), "the file goes to --output");
    (
        std::fs::read(&path).expect("the file"),
        String::from_utf8(progress).expect("UTF-8"),
    )
}

#[tokio::test]
async fn a_json_export_seeds_an_emulator_that_exports_the_same_bytes() {
    let first_dir = tempfile::tempdir().expect("temp dir");
    let first = demo_emulator(&first_dir, Seed::Demo).await;
    let data = tempfile::tempdir().expect("temp dir");
    let config = command_config(&first, &data);
    let (exported, progress) = export_command(&config, &["--format", "json"]).await;
    assert!(progress.contains("read 60 users"), "{progress}");
    assert!(progress.contains("exported 60 users as JSON"), "{progress}");

    let seed_dir = tempfile::tempdir().expect("temp dir");
    let seed = seed_dir.path().join("seed.json");
    std::fs::write(&seed, &exported).expect("seed file");
    let second = demo_emulator(&seed_dir, Seed::File(seed)).await;
    let (again, _) = export_command(&command_config(&second, &data), &["--format", "json"]).await;
    assert!(
        exported == again,
        "the second export differs from the first"
    );

    // The command's export is audited in the portal database like the page's.
    let database = workmail_portal::store::open(&config)
        .await
        .expect("database");
    let log = workmail_portal::audit::SqlAuditLog::open(
        database.pool.clone(),
        workmail_portal::audit::ValueModes::default(),
    )
    .await
    .expect("audit log");
    let records = app::ports::AuditLog::search(&log, &app::domain::AuditFilter::default(), 10)
        .await
        .expect("search")
        .records;
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.outcome == Outcome::Exported
        && r.account.starts_with("command line")
        && r.detail.as_deref() == Some("JSON export of 60 users")));
    first.shutdown().await;
    second.shutdown().await;
}

#[tokio::test]
async fn an_ldif_export_loads_into_slapd_with_the_same_values() {
    if !slapd_or_skip("an_ldif_export_loads_into_slapd_with_the_same_values") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let emulator = demo_emulator(&dir, Seed::Demo).await;
    let data = tempfile::tempdir().expect("temp dir");
    let config = command_config(&emulator, &data);
    let (ldif, _) = export_command(&config, &["--format", "ldif", "--base-dn", PEOPLE_DN]).await;
    let ldif = String::from_utf8(ldif).expect("UTF-8");

    let server = Slapd::start();
    server.add(&ldif);
    let entries = server.search(PEOPLE_DN, "(objectClass=inetOrgPerson)", &["uid"]);
    let loaded = entries.lines().filter(|l| l.starts_with("uid: ")).count();
    let expected = ldif.lines().filter(|l| l.starts_with("dn: ")).count();
    assert!(expected > 50, "{expected}");
    assert_eq!(loaded, expected);

    let jane = server.search(PEOPLE_DN, "(uid=jane.doe)", &[]);
    let client = aws_sdk_workmail::Client::from_conf(
        aws_sdk_workmail::Config::builder()
            .behavior_version(aws_sdk_workmail::config::BehaviorVersion::latest())
            .region(aws_sdk_workmail::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_workmail::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .endpoint_url(emulator.url())
            .build(),
    );
    let described = client
        .describe_user()
        .organization_id(DEMO_ORGANIZATION_ID)
        .user_id("jane.doe")
        .send()
        .await
        .expect("DescribeUser");
    for (attribute, value) in [
        ("mail", described.email()),
        ("givenName", described.first_name()),
        ("sn", described.last_name()),
        ("displayName", described.display_name()),
        ("title", described.job_title()),
        ("departmentNumber", described.department()),
        ("l", described.city()),
    ] {
        let value = value.expect("the demo user has it");
        assert!(
            jane.contains(&format!("\n{attribute}: {value}\n")),
            "{attribute}: {jane}"
        );
    }
    emulator.shutdown().await;
}
