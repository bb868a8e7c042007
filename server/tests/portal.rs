//! Integration tests: the real portal, started in-process on a loopback port with its embedded
//! emulator (a SQLite file in a temp dir), called over HTTP like the browser calls it.
//! Errors are produced with the emulator's fault injection and seed files.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use workmail_emulator::{EmulatorConfig, FaultKind, Faults, RunningEmulator, Seed};
use workmail_portal::config::{DirectorySetting, PortalConfig};
use workmail_portal::{RunningPortal, StartError};

const JANE: &str = "jane.doe";

struct Portal {
    portal: RunningPortal,
    http: reqwest::Client,
    _data: tempfile::TempDir,
}

fn leptos_options() -> leptos::config::LeptosOptions {
    leptos::config::LeptosOptions::builder()
        .output_name("workmail-portal")
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .build()
}

fn test_config(data: &tempfile::TempDir) -> PortalConfig {
    PortalConfig {
        data_dir: data.path().to_path_buf(),
        // One try: the fault tests want the first answer, not the SDK's back-off.
        directory_attempts: 1,
        directory_timeout: Duration::from_secs(10),
        ..PortalConfig::default()
    }
}

async fn try_start(config: PortalConfig, data: tempfile::TempDir) -> Result<Portal, StartError> {
    let portal = workmail_portal::start(config, leptos_options()).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    Ok(Portal {
        portal,
        http,
        _data: data,
    })
}

/// The portal on its embedded emulator, as `workmail-portal` runs by default.
async fn start() -> Portal {
    start_with(|_| {}).await
}

async fn start_with(tweak: impl FnOnce(&mut PortalConfig)) -> Portal {
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(&data);
    tweak(&mut config);
    try_start(config, data).await.expect("portal starts")
}

impl Portal {
    fn emulator(&self) -> &RunningEmulator {
        self.portal.emulator().expect("embedded emulator")
    }

    fn inject(&self, operation: &str, kind: FaultKind) {
        self.emulator()
            .set_faults(Faults {
                rate: 1.0,
                operations: vec![operation.to_owned()],
                kind,
                ..Faults::default()
            })
            .expect("valid faults");
    }

    /// Calls a server function with a JSON body, as the hydrated page does.
    async fn call(
        &self,
        name: &str,
        body: Value,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let response = self
            .http
            .post(format!("{}/api/{name}", self.portal.url()))
            .json(&body)
            .send()
            .await
            .expect("server function answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, headers, value)
    }

    async fn get_user(&self, user: &str) -> Value {
        let (status, _, profile) = self.call("get_user", json!({ "user": user })).await;
        assert_eq!(status, StatusCode::OK, "{profile}");
        profile
    }

    /// Saves `edits` over the values `loaded` (a profile from `get_user`).
    async fn save(
        &self,
        user: &str,
        loaded: &Value,
        edits: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let loaded_values = loaded["values"].clone();
        let mut edited = loaded_values.clone();
        for (field, value) in edits {
            edited[*field] = json!(value);
        }
        let version = version_of(&loaded_values);
        self.call(
            "update_user",
            json!({ "request": {
                "user_id": user,
                "loaded": loaded_values,
                "edited": edited,
                "version": version,
            }}),
        )
        .await
    }

    async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.portal.url()))
            .header("accept", "text/html")
            .send()
            .await
            .expect("page answers");
        let status = response.status();
        (status, response.text().await.expect("html"))
    }

    /// Another WorkMail client, changing users behind the portal's back.
    async fn other_client(&self) -> aws_sdk_workmail::Client {
        let config = aws_sdk_workmail::Config::builder()
            .behavior_version(aws_sdk_workmail::config::BehaviorVersion::latest())
            .region(aws_sdk_workmail::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_workmail::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .endpoint_url(self.emulator().url())
            .build();
        aws_sdk_workmail::Client::from_conf(config)
    }

    async fn change_behind_the_back(
        &self,
        user: &str,
        change: impl FnOnce(
        aws_sdk_workmail::operation::update_user::builders::UpdateUserFluentBuilder,
    ) -> aws_sdk_workmail::operation::update_user::builders::UpdateUserFluentBuilder,
    ) {
        let client = self.other_client().await;
        let request = client
            .update_user()
            .organization_id(workmail_emulator::DEMO_ORGANIZATION_ID)
            .user_id(user);
        change(request).send().await.expect("other client's update");
    }

    async fn stop(self) {
        self.portal.shutdown().await;
    }
}

fn version_of(values: &Value) -> String {
    let values: app::domain::FieldValues =
        serde_json::from_value(values.clone()).expect("field values");
    app::domain::version_of(&values)
}

fn fields(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().expect("field name").to_owned())
        .collect()
}

#[tokio::test]
async fn save_writes_the_changed_fields_and_returns_the_fresh_profile() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    assert_eq!(loaded["values"]["Role"], "USER");

    let (status, _, outcome) = portal
        .save(
            JANE,
            &loaded,
            &[
                ("Telephone", "+1 206 555 0199"),
                ("JobTitle", "Staff Engineer"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(fields(&outcome["saved"]), ["JobTitle", "Telephone"]);
    assert_eq!(outcome["profile"]["values"]["Telephone"], "+1 206 555 0199");
    assert_eq!(outcome["profile"]["values"]["JobTitle"], "Staff Engineer");
    // Untouched fields are as they were.
    assert_eq!(
        outcome["profile"]["values"]["Department"],
        loaded["values"]["Department"]
    );

    let reread = portal.get_user(JANE).await;
    assert_eq!(reread["values"], outcome["profile"]["values"]);
    portal.stop().await;
}

#[tokio::test]
async fn save_by_email_writes_the_same_user() {
    let portal = start().await;
    let email = "jane.doe@demo.example.com";
    let loaded = portal.get_user(email).await;
    let (status, _, outcome) = portal.save(email, &loaded, &[("City", "Tacoma")]).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(portal.get_user(JANE).await["values"]["City"], "Tacoma");
    portal.stop().await;
}

#[tokio::test]
async fn role_and_address_list_flag_can_be_changed() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    let (status, _, outcome) = portal
        .save(
            JANE,
            &loaded,
            &[
                ("Role", "REMOTE_USER"),
                ("HiddenFromGlobalAddressList", "true"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(outcome["profile"]["values"]["Role"], "REMOTE_USER");
    assert_eq!(
        outcome["profile"]["values"]["HiddenFromGlobalAddressList"],
        "true"
    );
    portal.stop().await;
}

#[tokio::test]
async fn an_emptied_field_is_cleared() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    assert_ne!(loaded["values"]["Office"], "");
    let (status, _, outcome) = portal.save(JANE, &loaded, &[("Office", "")]).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(fields(&outcome["saved"]), ["Office"]);
    let reread = portal.get_user(JANE).await;
    assert_eq!(reread["values"]["Office"], "");
    portal.stop().await;
}

#[tokio::test]
async fn an_unchanged_form_writes_nothing() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    // Any UpdateUser would fail now: an unchanged save must not send one.
    portal.inject("UpdateUser", FaultKind::DirectoryUnavailable);
    let (status, _, outcome) = portal.save(JANE, &loaded, &[]).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(fields(&outcome["saved"]), Vec::<String>::new());
    portal.stop().await;
}

#[tokio::test]
async fn a_field_changed_by_someone_else_is_a_conflict_with_both_values() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal
        .change_behind_the_back(JANE, |r| r.job_title("Engineering Manager"))
        .await;

    let (status, _, error) = portal
        .save(
            JANE,
            &loaded,
            &[
                ("JobTitle", "Principal Engineer"),
                ("Telephone", "+1 206 555 0111"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["kind"], "Conflict");
    let conflict = &error["conflicts"][0];
    assert_eq!(conflict["field"], "JobTitle");
    assert_eq!(conflict["yours"], "Principal Engineer");
    assert_eq!(conflict["theirs"], "Engineering Manager");
    assert_eq!(conflict["loaded"], "Software Engineer");
    assert_eq!(error["current"]["JobTitle"], "Engineering Manager");
    assert_eq!(error["conflicts"].as_array().map(Vec::len), Some(1));

    // Nothing was written, not even the field without a conflict.
    let now = portal.get_user(JANE).await;
    assert_eq!(now["values"]["JobTitle"], "Engineering Manager");
    assert_eq!(now["values"]["Telephone"], loaded["values"]["Telephone"]);

    // Saving again from the directory's current values (what the page does after a conflict)
    // overwrites deliberately.
    let (status, _, outcome) = portal
        .save(JANE, &now, &[("JobTitle", "Principal Engineer")])
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(
        outcome["profile"]["values"]["JobTitle"],
        "Principal Engineer"
    );
    portal.stop().await;
}

#[tokio::test]
async fn someone_elses_change_to_an_untouched_field_is_kept() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal
        .change_behind_the_back(JANE, |r| r.department("Platform"))
        .await;
    let (status, _, outcome) = portal
        .save(JANE, &loaded, &[("Telephone", "+1 206 555 0123")])
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(fields(&outcome["kept_from_others"]), ["Department"]);
    assert_eq!(outcome["profile"]["values"]["Department"], "Platform");
    assert_eq!(outcome["profile"]["values"]["Telephone"], "+1 206 555 0123");
    portal.stop().await;
}

#[tokio::test]
async fn values_workmail_would_refuse_are_refused_per_field_before_sending() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal.inject("UpdateUser", FaultKind::DirectoryUnavailable);
    let long = "x".repeat(257);
    let (status, _, error) = portal
        .save(
            JANE,
            &loaded,
            &[("City", long.as_str()), ("Role", "SYSTEM_USER")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["kind"], "Invalid");
    let problems: Vec<&str> = error["field_errors"]
        .as_array()
        .expect("field errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(problems, ["Role", "City"]);

    // 256 characters are fine.
    portal
        .emulator()
        .set_faults(Faults::default())
        .expect("faults off");
    let max = "y".repeat(256);
    let (status, _, outcome) = portal.save(JANE, &loaded, &[("City", max.as_str())]).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    portal.stop().await;
}

#[tokio::test]
async fn a_system_users_role_cannot_be_changed() {
    let portal = start().await;
    let loaded = portal.get_user("mail.journal").await;
    assert_eq!(loaded["values"]["Role"], "SYSTEM_USER");
    let (status, _, error) = portal
        .save("mail.journal", &loaded, &[("Role", "USER")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["field_errors"][0]["problem"], "RoleFixed");
    // Its other fields can be edited.
    let (status, _, _) = portal
        .save("mail.journal", &loaded, &[("Office", "HQ")])
        .await;
    assert_eq!(status, StatusCode::OK);
    portal.stop().await;
}

#[tokio::test]
async fn an_unknown_user_is_not_found() {
    let portal = start().await;
    let (status, _, error) = portal
        .call("get_user", json!({ "user": "no.such.user" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["kind"], "NotFound");
    assert!(
        error["reference"].is_string(),
        "the request id is passed on: {error}"
    );

    let (status, html) = portal.page("/users/no.such.user").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("User not found"));
    let (status, html) = portal.page("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
    portal.stop().await;
}

#[tokio::test]
async fn a_deleted_user_cannot_be_updated() {
    let portal = start().await;
    let loaded = portal.get_user("former.employee").await;
    let (status, _, error) = portal
        .save("former.employee", &loaded, &[("JobTitle", "Alumnus")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["kind"], "EntityState");
    portal.stop().await;
}

#[tokio::test]
async fn directory_unavailable_is_a_503_without_the_raw_message() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal.inject("UpdateUser", FaultKind::DirectoryUnavailable);
    let (status, _, error) = portal.save(JANE, &loaded, &[("JobTitle", "Lead")]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert_eq!(error["kind"], "DirectoryUnavailable");
    assert!(error["reference"].is_string());
    assert!(
        !error.to_string().contains("injected"),
        "raw message leaked: {error}"
    );

    // The page itself, when DescribeUser fails.
    portal.inject("DescribeUser", FaultKind::DirectoryUnavailable);
    let (status, html) = portal.page("/users/jane.doe").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(html.contains("unavailable right now"));
    portal.stop().await;
}

#[tokio::test]
async fn throttling_is_a_503_with_retry_after() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal.inject("UpdateUser", FaultKind::Throttling);
    let (status, headers, error) = portal.save(JANE, &loaded, &[("JobTitle", "Lead")]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert_eq!(error["kind"], "Throttled");
    assert!(headers.contains_key("retry-after"));
    portal.stop().await;
}

#[tokio::test]
async fn a_directory_that_does_not_answer_in_time_is_a_504() {
    let portal = start_with(|c| c.directory_timeout = Duration::from_millis(500)).await;
    let loaded = portal.get_user(JANE).await;
    portal
        .emulator()
        .set_faults(Faults {
            latency: Duration::from_secs(2),
            operations: vec!["UpdateUser".into()],
            ..Faults::default()
        })
        .expect("valid faults");
    let (status, _, error) = portal.save(JANE, &loaded, &[("JobTitle", "Lead")]).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{error}");
    assert_eq!(error["kind"], "Timeout");
    portal.stop().await;
}

#[tokio::test]
async fn a_malformed_call_is_a_400() {
    let portal = start().await;
    let (status, _, error) = portal
        .call("update_user", json!({ "request": { "user_id": JANE } }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let loaded = portal.get_user(JANE).await;
    let (status, _, error) = portal
        .call(
            "update_user",
            json!({ "request": {
                "user_id": JANE,
                "loaded": loaded["values"],
                "edited": loaded["values"],
                "version": "0000000000000000",
            }}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["kind"], "BadRequest");
    portal.stop().await;
}

// ---- Organizations the demo seed does not have: a separately running emulator, seeded
// ---- from a file, reached through PORTAL_WORKMAIL_ENDPOINT.

const OTHER_ORG: &str = "m-00000000000000000000000000000001";

async fn emulator_with(
    org_state: &str,
    directory_type: &str,
) -> (RunningEmulator, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = dir.path().join("seed.json");
    let file = json!({ "Organizations": [{
        "OrganizationId": OTHER_ORG,
        "Alias": "other",
        "State": org_state,
        "DirectoryType": directory_type,
        "DefaultMailDomain": "other.example.com",
        "Domains": ["other.example.com"],
        "Users": [{
            "Name": "ad.user",
            "Email": "ad.user@other.example.com",
            "State": "ENABLED",
            "UserRole": "USER",
            "DisplayName": "AD User",
            "JobTitle": "Analyst"
        }]
    }]});
    std::fs::write(&seed, file.to_string()).expect("seed file");
    let emulator = RunningEmulator::start(EmulatorConfig {
        seed: Some(Seed::File(seed)),
        db: Some(dir.path().join("emulator.sqlite3")),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    (emulator, dir)
}

async fn start_on(emulator: &RunningEmulator, secret: &str) -> Result<Portal, StartError> {
    let data = tempfile::tempdir().expect("temp dir");
    let config = PortalConfig {
        directory: DirectorySetting::Endpoint(emulator.url().to_owned()),
        organization_id: OTHER_ORG.to_owned(),
        endpoint_credentials: Some(("test".into(), secret.into())),
        ..test_config(&data)
    };
    try_start(config, data).await
}

#[tokio::test]
async fn an_external_directory_refuses_updates_as_unsupported() {
    let (emulator, _dir) = emulator_with("Active", "ActiveDirectory").await;
    let portal = start_on(&emulator, "test").await.expect("portal starts");
    let loaded = portal.get_user("ad.user").await;
    let (status, _, error) = portal
        .save("ad.user", &loaded, &[("JobTitle", "Lead")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["kind"], "Unsupported");
    portal.stop().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_inactive_organization_is_a_503() {
    let (emulator, _dir) = emulator_with("Impaired", "WorkMail").await;
    // Start-up only warns: the organization may recover.
    let portal = start_on(&emulator, "test").await.expect("portal starts");
    let (status, _, error) = portal.call("get_user", json!({ "user": "ad.user" })).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert_eq!(error["kind"], "OrganizationState");
    portal.stop().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_stop_start_up_with_a_clear_message() {
    let (emulator, _dir) = emulator_with("Active", "WorkMail").await;
    let error = start_on(&emulator, "not-the-secret")
        .await
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(message.starts_with("AWS credentials:"), "{message}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_wrong_organization_stops_start_up_naming_the_setting() {
    let data = tempfile::tempdir().expect("temp dir");
    let config = PortalConfig {
        organization_id: "m-ffffffffffffffffffffffffffffffff".into(),
        ..test_config(&data)
    };
    let error = try_start(config, data).await.err().expect("refused");
    let message = error.to_string();
    assert!(message.starts_with("PORTAL_ORGANIZATION_ID:"), "{message}");
}

#[tokio::test]
async fn an_unreachable_endpoint_stops_start_up_naming_the_setting() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let data = tempfile::tempdir().expect("temp dir");
    let config = PortalConfig {
        directory: DirectorySetting::Endpoint(format!("http://127.0.0.1:{port}")),
        endpoint_credentials: Some(("test".into(), "test".into())),
        directory_timeout: Duration::from_secs(2),
        ..test_config(&data)
    };
    let error = try_start(config, data).await.err().expect("refused");
    let message = error.to_string();
    assert!(
        message.starts_with("PORTAL_WORKMAIL_ENDPOINT:"),
        "{message}"
    );
}

// ---- The page and the form without JavaScript.

/// The form's fields as the browser would post them: every input with its current value.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let form = &html[html.find("<form").expect("form")..html.find("</form>").expect("form end")];
    let mut pairs = Vec::new();
    for input in form.split("<input").skip(1) {
        let tag = &input[..input.find('>').expect("tag end")];
        let attr = |name: &str| {
            let key = format!(" {name}=\"");
            tag.find(&key).map(|i| {
                let rest = &tag[i + key.len()..];
                unescape(&rest[..rest.find('"').expect("quote")])
            })
        };
        let (Some(name), Some(kind)) = (attr("name"), attr("type")) else {
            continue;
        };
        if kind == "checkbox" && !tag.contains(" checked") {
            continue;
        }
        pairs.push((name, attr("value").unwrap_or_default()));
    }
    if let Some(select) = form.find("name=\"Role\"") {
        let options = &form[select..];
        let selected = options.find(" selected").expect("a selected role");
        let value_at = options[..selected].rfind("value=\"").expect("option value") + 7;
        let value = &options[value_at..];
        pairs.push((
            "Role".into(),
            value[..value.find('"').expect("quote")].to_owned(),
        ));
    }
    pairs
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn with_value(mut pairs: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    for pair in pairs.iter_mut().filter(|(n, _)| n == name) {
        pair.1 = value.to_owned();
    }
    pairs
}

impl Portal {
    async fn post_form(
        &self,
        path: &str,
        pairs: &[(String, String)],
    ) -> (StatusCode, Option<String>, String) {
        let response = self
            .http
            .post(format!("{}{path}", self.portal.url()))
            .header("accept", "text/html")
            .form(pairs)
            .send()
            .await
            .expect("form post answers");
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (status, location, response.text().await.expect("body"))
    }
}

#[tokio::test]
async fn the_form_works_without_javascript() {
    let portal = start().await;
    let (status, html) = portal.page("/users/jane.doe").await;
    assert_eq!(status, StatusCode::OK);
    for name in [
        "DisplayName",
        "Telephone",
        "JobTitle",
        "ZipCode",
        "Role",
        "HiddenFromGlobalAddressList",
    ] {
        assert!(html.contains(&format!("name=\"{name}\"")), "input {name}");
    }
    let form = form_fields(&html);

    // Save: a 303 back to the page, which then shows the saved values.
    let edited = with_value(
        with_value(form.clone(), "Telephone", "+1 206 555 0142"),
        "Country",
        "",
    );
    let (status, location, _) = portal.post_form("/users/jane.doe", &edited).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.expect("redirect");
    assert_eq!(location, "/users/jane.doe?saved=Telephone,Country");
    let (_, html) = portal.page(&location).await;
    assert!(html.contains("Saved: Telephone, Country."));
    assert!(html.contains("value=\"+1 206 555 0142\""));

    // A stale form: the same field was changed meanwhile. The page comes back with 409, the
    // person's input in the field and the other value shown.
    let stale = with_value(form.clone(), "Telephone", "+1 206 555 0999");
    let (status, _, html) = portal.post_form("/users/jane.doe", &stale).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("Someone else changed this user"));
    assert!(html.contains("value=\"+1 206 555 0999\""), "input kept");
    assert!(
        html.contains("class=\"theirs\">+1 206 555 0142"),
        "their value shown"
    );

    // Saving that re-rendered form again overwrites deliberately.
    let (status, _, _) = portal
        .post_form("/users/jane.doe", &form_fields(&html))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        portal.get_user(JANE).await["values"]["Telephone"],
        "+1 206 555 0999"
    );

    // Too long: 400, the field marked, the input kept.
    let (_, html) = portal.page("/users/jane.doe").await;
    let long = "z".repeat(257);
    let (status, _, html) = portal
        .post_form(
            "/users/jane.doe",
            &with_value(form_fields(&html), "Street", &long),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("Use at most 256 characters"));
    assert!(html.contains(&long));

    // Unchanged: nothing to save.
    let (_, html) = portal.page("/users/jane.doe").await;
    let (status, location, _) = portal
        .post_form("/users/jane.doe", &form_fields(&html))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/users/jane.doe?saved="));
    portal.stop().await;
}

#[tokio::test]
async fn a_failed_form_post_keeps_the_input_even_when_the_directory_is_down() {
    let portal = start().await;
    let (_, html) = portal.page("/users/jane.doe").await;
    portal
        .emulator()
        .set_faults(Faults {
            rate: 1.0,
            ..Faults::default()
        })
        .expect("valid faults");
    let edited = with_value(form_fields(&html), "JobTitle", "Kept Title");
    let (status, _, html) = portal.post_form("/users/jane.doe", &edited).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(html.contains("value=\"Kept Title\""));
    portal.stop().await;
}

#[tokio::test]
async fn writes_from_another_site_are_refused() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    let values = loaded["values"].clone();
    let mut edited = values.clone();
    edited["JobTitle"] = json!("Forged");
    let response = portal
        .http
        .post(format!("{}/api/update_user", portal.portal.url()))
        .header("origin", "https://evil.example")
        .json(&json!({ "request": {
            "user_id": JANE, "loaded": values, "edited": edited, "version": version_of(&values),
        }}))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        portal.get_user(JANE).await["values"]["JobTitle"],
        "Software Engineer"
    );
    // The same request from the portal's own pages goes through.
    let own = portal.portal.url().replace("http://", "");
    let response = portal
        .http
        .post(format!("{}/api/update_user", portal.portal.url()))
        .header("origin", format!("http://{own}"))
        .json(&json!({ "request": {
            "user_id": JANE, "loaded": values, "edited": edited, "version": version_of(&values),
        }}))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    portal.stop().await;
}

#[tokio::test]
async fn the_users_page_opens_a_user_by_name() {
    let portal = start().await;
    let (status, html) = portal.page("/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"user\""));
    let response = portal
        .http
        .get(format!("{}/users?user=jane.doe", portal.portal.url()))
        .header("accept", "text/html")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/users/jane.doe")
    );
    portal.stop().await;
}
