//! Integration tests: the real portal, started in-process on a loopback port with its embedded
//! emulator (a SQLite file in a temp dir), called over HTTP like the browser calls it.
//! Errors are produced with the emulator's fault injection and seed files. Every test signs
//! in first (as the demo admin unless it says otherwise); the attacker tests at the end
//! check that what must be refused is refused and leaves the directory unchanged.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::Duration;
use workmail_emulator::{EmulatorConfig, FaultKind, Faults, RunningEmulator, Seed};
use workmail_portal::config::{DirectorySetting, PortalConfig};
use workmail_portal::{RunningPortal, StartError};

const JANE: &str = "jane.doe";

const DEMO_PASSWORD: &str = "demo-password";

struct Portal {
    portal: RunningPortal,
    http: reqwest::Client,
    /// The session cookie (`portal_session=…`) the helpers send, as a browser would.
    cookie: Mutex<Option<String>>,
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
        cookie: Mutex::new(None),
        _data: data,
    })
}

/// The portal on its embedded emulator, as `workmail-portal` runs by default, signed in as
/// the demo admin.
async fn start() -> Portal {
    start_with(|_| {}).await
}

async fn start_with(tweak: impl FnOnce(&mut PortalConfig)) -> Portal {
    let portal = start_signed_out(tweak).await;
    portal.sign_in("admin").await;
    portal
}

/// The portal with `policy` (TOML) as its `PORTAL_POLICY` file, signed in as the demo admin.
async fn start_with_policy(policy: &str, tweak: impl FnOnce(&mut PortalConfig)) -> Portal {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, policy).expect("policy file");
    // The file is read at start-up only.
    start_with(|c| {
        c.policy_file = Some(path.clone());
        tweak(c);
    })
    .await
}

async fn start_signed_out(tweak: impl FnOnce(&mut PortalConfig)) -> Portal {
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(&data);
    tweak(&mut config);
    try_start(config, data).await.expect("portal starts")
}

/// The `portal_session=…` pair of a response's Set-Cookie, if it sets one.
fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("portal_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

impl Portal {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.portal.url())
    }

    /// This portal's origin, as a browser sends it on a form post or fetch.
    fn origin(&self) -> String {
        self.portal.url().to_owned()
    }

    fn cookie(&self) -> Option<String> {
        self.cookie.lock().expect("lock").clone()
    }

    fn set_cookie(&self, cookie: Option<String>) {
        *self.cookie.lock().expect("lock") = cookie;
    }

    /// Posts the sign-in form with `cookie` (a session the browser already had); returns the
    /// status, the redirect target and the new session cookie.
    async fn post_login(
        &self,
        login: &str,
        password: &str,
        cookie: Option<&str>,
    ) -> (StatusCode, Option<String>, Option<String>, String) {
        let mut request = self
            .http
            .post(self.url("/login"))
            .header("origin", self.origin())
            .form(&[("login", login), ("password", password), ("next", "/users")]);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.expect("sign-in answers");
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let cookie = session_cookie(response.headers());
        (
            status,
            location,
            cookie,
            response.text().await.expect("body"),
        )
    }

    /// Signs in as a demo account; the helpers use its session from now on.
    async fn sign_in(&self, login: &str) {
        let (status, location, cookie, body) = self.post_login(login, DEMO_PASSWORD, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign-in as {login}: {body}");
        assert_eq!(location.as_deref(), Some("/users"));
        self.set_cookie(Some(cookie.expect("a session cookie")));
    }

    /// A POST as the page would send it: this portal's Origin and the current session.
    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.with_session(
            self.http
                .post(self.url(path))
                .header("origin", self.origin()),
        )
    }

    fn with_session(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.cookie() {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        }
    }

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
            .post(&format!("/api/{name}"))
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

    /// The profile `get_user` returns (its `profile` member).
    async fn get_user(&self, user: &str) -> Value {
        let (status, _, view) = self.call("get_user", json!({ "user": user })).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view["profile"].clone()
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
            .with_session(self.http.get(self.url(path)))
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
async fn a_directory_that_cannot_authenticate_is_a_502_and_changes_nothing() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal.inject(
        "UpdateUser",
        FaultKind::DirectoryServiceAuthenticationFailed,
    );
    let (status, _, error) = portal.save(JANE, &loaded, &[("JobTitle", "Lead")]).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{error}");
    assert_eq!(error["kind"], "DirectoryAuthentication");
    assert!(
        !error.to_string().contains("injected"),
        "raw message leaked: {error}"
    );
    assert_eq!(
        portal.directory_value(JANE, "JobTitle").await,
        "Software Engineer"
    );
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
    let portal = try_start(config, data).await?;
    // No demo accounts outside the embedded directory: add an admin the way an operator would.
    assert!(
        portal
            .portal
            .accounts()
            .find_by_login("admin")
            .await
            .expect("db")
            .is_none(),
        "no demo accounts against a real directory"
    );
    add_account(&portal, "it-admin", "admin", None).await;
    let (status, _, cookie, _) = portal.post_login("it-admin", DEMO_PASSWORD, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    portal.set_cookie(cookie);
    Ok(portal)
}

/// Adds an account with the demo password.
async fn add_account(portal: &Portal, login: &str, role: &str, user: Option<&str>) {
    let hash = workmail_portal::auth::password::hash_password(DEMO_PASSWORD).expect("hash");
    portal
        .portal
        .accounts()
        .add(workmail_portal::store::NewAccount {
            login: login.to_owned(),
            password_hash: hash,
            roles: vec![role.to_owned()],
            workmail_user: user.map(str::to_owned),
        })
        .await
        .expect("account added");
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
    // The edit form (the header has the sign-out form too).
    let class = html.find("class=\"user-editor\"").expect("edit form");
    let start = html[..class].rfind("<form").expect("form tag");
    let end = start + html[start..].find("</form>").expect("form end");
    let form = &html[start..end];
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
            .post(path)
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
    let body = json!({ "request": {
        "user_id": JANE, "loaded": values, "edited": edited, "version": version_of(&values),
    }});
    let cookie = portal.cookie().expect("signed in");
    // Another site's page, and a request with no Origin at all: both refused, even with the
    // admin's session cookie.
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let mut request = portal
            .http
            .post(portal.url("/api/update_user"))
            .header("cookie", &cookie)
            .json(&body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.expect("answer");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin:?}");
    }
    assert_eq!(
        portal.get_user(JANE).await["values"]["JobTitle"],
        "Software Engineer"
    );
    // The same request from the portal's own pages goes through.
    let response = portal
        .post("/api/update_user")
        .json(&body)
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
        .with_session(portal.http.get(portal.url("/users?user=jane.doe")))
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

// ---- Sign-in, sessions and role-aware field gating.

impl Portal {
    /// What the emulator holds for `user` now, read with another WorkMail client.
    async fn directory_value(&self, user: &str, field: &str) -> String {
        let client = self.other_client().await;
        let user = client
            .describe_user()
            .organization_id(workmail_emulator::DEMO_ORGANIZATION_ID)
            .user_id(user)
            .send()
            .await
            .expect("DescribeUser");
        let value = match field {
            "JobTitle" => user.job_title(),
            "Telephone" => user.telephone(),
            "City" => user.city(),
            "Role" => user.user_role().map(|r| r.as_str()),
            other => panic!("field {other} not handled"),
        };
        value.unwrap_or_default().to_owned()
    }

    /// Calls `update_user` for `user` with `edits`, using `cookie` and `origin` as given.
    async fn forge_save(
        &self,
        cookie: Option<&str>,
        origin: Option<&str>,
        user: &str,
        loaded: &Value,
        edits: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut edited = loaded.clone();
        for (field, value) in edits {
            edited[*field] = json!(value);
        }
        let mut request = self.http.post(self.url("/api/update_user")).json(&json!({
            "request": {
                "user_id": user,
                "loaded": loaded,
                "edited": edited,
                "version": version_of(loaded),
            }
        }));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.expect("answer");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// Jane's values as an admin loads them (complete).
async fn jane_values(portal: &Portal) -> Value {
    portal.get_user(JANE).await["values"].clone()
}

#[tokio::test]
async fn a_failed_sign_in_says_only_that_it_failed() {
    let portal = start_signed_out(|_| {}).await;
    let (status, _, cookie, unknown) = portal.post_login("nobody", "whatever-pw", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(cookie.is_none(), "no session for a failed sign-in");
    let (status, _, _, wrong) = portal.post_login("admin", "wrong-password", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for body in [&unknown, &wrong] {
        assert!(body.contains("Sign-in failed."), "{body}");
        assert!(!body.contains("password is wrong") && !body.contains("no account"));
    }
    // A disabled account fails the same way, even with the right password.
    portal
        .portal
        .accounts()
        .set_enabled("hr", false)
        .await
        .expect("disable");
    let (status, _, _, body) = portal.post_login("hr", DEMO_PASSWORD, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("Sign-in failed."));
    portal.stop().await;
}

#[tokio::test]
async fn a_new_password_ends_the_accounts_other_sessions() {
    let portal = start_signed_out(|_| {}).await;
    portal.sign_in("hr").await;
    let (status, _, _) = portal.call("get_user", json!({ "user": JANE })).await;
    assert_eq!(status, StatusCode::OK);

    let hash = workmail_portal::auth::password::hash_password("a-new-password-1").expect("hash");
    portal
        .portal
        .accounts()
        .set_password_hash("hr", &hash)
        .await
        .expect("set password");
    let (status, _, _) = portal.call("get_user", json!({ "user": JANE })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old session is over");
    let (status, _, _, _) = portal.post_login("hr", "a-new-password-1", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the new password signs in");
    portal.stop().await;
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_account() {
    let portal = start_signed_out(|_| {}).await;
    for _ in 0..5 {
        let (status, _, _, _) = portal.post_login("helpdesk", "guess-123", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is not checked now.
    let (status, _, cookie, body) = portal.post_login("helpdesk", DEMO_PASSWORD, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(cookie.is_none());
    assert!(body.contains("Too many failed sign-in attempts"));
    // Other accounts are not locked by it.
    portal.sign_in("hr").await;
    portal.stop().await;
}

#[tokio::test]
async fn every_page_and_server_function_needs_a_session() {
    let portal = start_signed_out(|_| {}).await;
    let before = portal.directory_value(JANE, "JobTitle").await;
    // A page: to the sign-in page, and back afterwards.
    let (status, _) = portal.page("/users/jane.doe?saved=City").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let response = portal
        .http
        .get(portal.url("/users/jane.doe?saved=City"))
        .send()
        .await
        .expect("answer");
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/login?next=/users/jane.doe%3Fsaved%3DCity")
    );
    for path in ["/", "/users", "/me", "/no/such/page"] {
        let (status, _) = portal.page(path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
    }
    // The sign-in page and static files are open.
    let (status, html) = portal.page("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"password\""));
    assert!(!html.contains("Sign out"));
    // Server functions: 401, nothing read or written.
    let (status, _, error) = portal.call("get_user", json!({ "user": JANE })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error["kind"], "Unauthenticated");
    assert!(!error.to_string().contains("Engineer"));
    let loaded = json!({ "JobTitle": before });
    let (status, _) = portal
        .forge_save(
            None,
            Some(&portal.origin()),
            JANE,
            &loaded,
            &[("JobTitle", "No Session")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The form post without JavaScript goes to the sign-in page too.
    let (status, location, _) = portal
        .post_form("/users/jane.doe", &[("version".into(), "x".into())])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/login?next=/users/jane.doe"));
    assert_eq!(portal.directory_value(JANE, "JobTitle").await, before);

    // After signing in, the way back leads where the person was.
    let (status, location, _, _) = portal.post_login("admin", DEMO_PASSWORD, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/users"));
    portal.stop().await;
}

#[tokio::test]
async fn sign_in_redirects_to_next_on_this_site_only() {
    let portal = start_signed_out(|_| {}).await;
    for (next, want) in [
        ("/users/jane.doe", "/users/jane.doe"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
    ] {
        let response = portal
            .http
            .post(portal.url("/login"))
            .header("origin", portal.origin())
            .form(&[
                ("login", "admin"),
                ("password", DEMO_PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some(want),
            "{next}"
        );
    }
    // Sign-in itself needs this portal's Origin.
    let response = portal
        .http
        .post(portal.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("login", "admin"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    portal.stop().await;
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let portal = start_signed_out(|_| {}).await;
    let response = portal
        .http
        .post(portal.url("/login"))
        .header("origin", portal.origin())
        .form(&[("login", "admin"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("answer");
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a cookie")
        .to_owned();
    assert!(set_cookie.starts_with("portal_session="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");
    portal.stop().await;

    let portal =
        start_signed_out(|c| c.public_url = Some("https://portal.example.com".into())).await;
    let response = portal
        .http
        .post(portal.url("/login"))
        .header("origin", "https://portal.example.com")
        .form(&[("login", "admin"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set_cookie = session_cookie_header(&response);
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
    portal.stop().await;
}

fn session_cookie_header(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn an_employee_cannot_save_a_field_it_may_not_edit() {
    let portal = start().await;
    let full = jane_values(&portal).await;
    portal.sign_in("employee").await;
    let cookie = portal.cookie();
    let origin = portal.origin();

    // What the employee's page gets: no Role, no address-list flag.
    let own = portal.get_user(JANE).await;
    assert!(own["values"].get("Role").is_none(), "{own}");
    assert!(
        own["values"].get("HiddenFromGlobalAddressList").is_none(),
        "{own}"
    );
    assert_eq!(own["values"]["JobTitle"], full["JobTitle"]);

    // A forged call changing a read-only field, a hidden one, or one of them alongside an
    // allowed one: 403 naming the field, and nothing written.
    for edits in [
        vec![("JobTitle", "Chief Everything")],
        vec![("Role", "REMOTE_USER")],
        vec![
            ("Telephone", "+1 555 0000"),
            ("JobTitle", "Chief Everything"),
        ],
    ] {
        let (status, error) = portal
            .forge_save(
                cookie.as_deref(),
                Some(&origin),
                JANE,
                &own["values"],
                &edits,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{edits:?}: {error}");
        assert_eq!(error["kind"], "Forbidden");
        let field = edits.last().expect("edit").0;
        assert_eq!(error["field_errors"][0]["field"], field, "{error}");
    }
    // Even sending the admin's full values as "loaded" (Role included) changes nothing.
    let (status, _) = portal
        .forge_save(
            cookie.as_deref(),
            Some(&origin),
            JANE,
            &full,
            &[("Role", "REMOTE_USER")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        portal.directory_value(JANE, "JobTitle").await,
        "Software Engineer"
    );
    assert_eq!(portal.directory_value(JANE, "Role").await, "USER");
    assert_eq!(
        portal.directory_value(JANE, "Telephone").await,
        full["Telephone"].as_str().expect("telephone")
    );

    // What the policy allows goes through.
    let (status, outcome) = portal
        .forge_save(
            cookie.as_deref(),
            Some(&origin),
            JANE,
            &own["values"],
            &[("Telephone", "+1 555 0101")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert!(outcome["profile"]["values"].get("Role").is_none());
    assert_eq!(
        portal.directory_value(JANE, "Telephone").await,
        "+1 555 0101"
    );
    portal.stop().await;
}

#[tokio::test]
async fn an_employee_cannot_read_or_save_another_user() {
    let portal = start().await;
    let sam = portal.get_user("sam.contractor").await["values"].clone();
    portal.sign_in("employee").await;
    let (status, _, error) = portal
        .call("get_user", json!({ "user": "sam.contractor" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error.get("profile").is_none());
    assert!(!error.to_string().contains("sam"), "no data: {error}");
    let (status, html) = portal.page("/users/sam.contractor").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains("Contractor"));

    let (status, _) = portal
        .forge_save(
            portal.cookie().as_deref(),
            Some(&portal.origin()),
            "sam.contractor",
            &sam,
            &[("City", "Hijacked")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        portal.directory_value("sam.contractor", "City").await,
        sam["City"].as_str().unwrap_or_default()
    );
    portal.stop().await;
}

#[tokio::test]
async fn a_forged_origin_is_refused_even_with_a_valid_session() {
    let portal = start().await;
    portal.sign_in("employee").await;
    let own = portal.get_user(JANE).await["values"].clone();
    for origin in [Some("https://evil.example"), None] {
        let (status, _) = portal
            .forge_save(
                portal.cookie().as_deref(),
                origin,
                JANE,
                &own,
                &[("City", "Forged")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin:?}");
    }
    // Sign-out from another site is refused too (it would end the person's session).
    let response = portal
        .http
        .post(portal.url("/logout"))
        .header("origin", "https://evil.example")
        .header("cookie", portal.cookie().expect("cookie"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_ne!(portal.directory_value(JANE, "City").await, "Forged");
    // The session still works.
    assert_eq!(portal.get_user(JANE).await["values"]["City"], own["City"]);
    portal.stop().await;
}

#[tokio::test]
async fn an_idle_session_expires_and_a_long_one_ends() {
    let portal = start_with(|c| {
        c.session_idle_timeout = Duration::from_secs(2);
        c.session_lifetime = Duration::from_secs(4);
    })
    .await;
    let loaded = jane_values(&portal).await;
    let cookie = portal.cookie();
    // Idle for longer than the timeout.
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let (status, error) = portal
        .forge_save(
            cookie.as_deref(),
            Some(&portal.origin()),
            JANE,
            &loaded,
            &[("JobTitle", "Expired")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    let (status, _) = portal.page("/users/jane.doe").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Active all the time: activity keeps it past the idle timeout, but not past the lifetime.
    portal.sign_in("admin").await;
    for second in 1..=5 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let (status, _, _) = portal.call("get_user", json!({ "user": JANE })).await;
        // At 2 s the idle timeout has passed since sign-in: only the refresh keeps it alive.
        // (Seconds 3 and 4 straddle the 4 s lifetime, counted in whole seconds.)
        match second {
            1 | 2 => assert_eq!(status, StatusCode::OK, "after {second} s of activity"),
            5 => assert_eq!(status, StatusCode::UNAUTHORIZED, "past the lifetime"),
            _ => {}
        }
    }
    let (status, _) = portal
        .forge_save(
            portal.cookie().as_deref(),
            Some(&portal.origin()),
            JANE,
            &loaded,
            &[("JobTitle", "Too Long")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        portal.directory_value(JANE, "JobTitle").await,
        "Software Engineer"
    );
    portal.stop().await;
}

#[tokio::test]
async fn a_session_is_worthless_after_sign_out() {
    let portal = start().await;
    let loaded = jane_values(&portal).await;
    let captured = portal.cookie();
    let response = portal.post("/logout").send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/login")
    );
    let (status, _) = portal
        .forge_save(
            captured.as_deref(),
            Some(&portal.origin()),
            JANE,
            &loaded,
            &[("JobTitle", "After Sign-out")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        portal.directory_value(JANE, "JobTitle").await,
        "Software Engineer"
    );
    portal.stop().await;
}

#[tokio::test]
async fn a_session_id_captured_before_sign_in_is_worthless_after_it() {
    let portal = start().await;
    let loaded = jane_values(&portal).await;
    let origin = portal.origin();

    // The attacker plants their own (employee) session in the victim's browser; the victim
    // then signs in as admin with it.
    portal.sign_in("employee").await;
    let planted = portal.cookie().expect("employee session");
    let (status, _, fresh, _) = portal
        .post_login("admin", DEMO_PASSWORD, Some(&planted))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let fresh = fresh.expect("a new session cookie");
    assert_ne!(fresh, planted, "the session id is cycled at sign-in");

    // The planted id is gone: it grants neither admin nor employee rights.
    let (status, _) = portal
        .forge_save(
            Some(&planted),
            Some(&origin),
            JANE,
            &loaded,
            &[("JobTitle", "Fixated")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        portal.directory_value(JANE, "JobTitle").await,
        "Software Engineer"
    );

    // A made-up id sent before sign-in is not adopted either.
    let made_up = "portal_session=AAAAAAAAAAAAAAAAAAAAAA";
    let (status, _, fresh2, _) = portal
        .post_login("admin", DEMO_PASSWORD, Some(made_up))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_ne!(fresh2.as_deref(), Some(made_up));
    let (status, _) = portal
        .forge_save(
            Some(made_up),
            Some(&origin),
            JANE,
            &loaded,
            &[("JobTitle", "Made Up")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The victim's new session is the admin's.
    let (status, _) = portal
        .forge_save(
            Some(&fresh),
            Some(&origin),
            JANE,
            &loaded,
            &[("JobTitle", "Victim Saved")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    portal.stop().await;
}

#[tokio::test]
async fn hr_cannot_change_role_and_helpdesk_changes_nothing() {
    let portal = start().await;
    let full = jane_values(&portal).await;

    portal.sign_in("hr").await;
    let shown = portal.get_user(JANE).await["values"].clone();
    assert_eq!(shown["Role"], "USER", "hr reads the role");
    let (status, error) = portal
        .forge_save(
            portal.cookie().as_deref(),
            Some(&portal.origin()),
            JANE,
            &shown,
            &[("Role", "REMOTE_USER")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error["field_errors"][0]["field"], "Role");
    let (status, _) = portal
        .forge_save(
            portal.cookie().as_deref(),
            Some(&portal.origin()),
            JANE,
            &shown,
            &[("JobTitle", "HR Set")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(portal.directory_value(JANE, "Role").await, "USER");

    portal.sign_in("helpdesk").await;
    let shown = portal.get_user(JANE).await["values"].clone();
    assert_eq!(shown["Role"], full["Role"]);
    let (status, _) = portal
        .forge_save(
            portal.cookie().as_deref(),
            Some(&portal.origin()),
            JANE,
            &shown,
            &[("City", "Helpdesk Set")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_ne!(portal.directory_value(JANE, "City").await, "Helpdesk Set");
    // Its page has no Save button and no editable input.
    let (_, html) = portal.page("/users/jane.doe").await;
    assert!(!html.contains("Save changes"));
    assert!(!html.contains("name=\"City\""));
    portal.stop().await;
}

#[tokio::test]
async fn the_edit_page_renders_exactly_what_the_role_may_do() {
    let portal = start().await;
    let inputs = |html: &str| -> Vec<String> {
        let class = html.find("class=\"user-editor\"").expect("edit form");
        let start = html[..class].rfind("<form").expect("form");
        let form = &html[start..start + html[start..].find("</form>").expect("end")];
        let mut names: Vec<String> = form
            .split(" name=\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').expect("quote")].to_owned())
            .filter(|n| !n.starts_with("loaded.") && n != "version")
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let (_, html) = portal.page("/users/jane.doe").await;
    assert_eq!(inputs(&html).len(), 15, "admin edits every field");

    portal.sign_in("hr").await;
    let (_, html) = portal.page("/users/jane.doe").await;
    let hr = inputs(&html);
    assert_eq!(hr.len(), 13);
    assert!(
        !hr.contains(&"Role".to_owned()) && !hr.contains(&"HiddenFromGlobalAddressList".to_owned())
    );

    portal.sign_in("employee").await;
    let (status, html) = portal.page("/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        inputs(&html),
        [
            "City",
            "Country",
            "Initials",
            "Street",
            "Telephone",
            "ZipCode"
        ]
    );
    assert!(
        !html.contains("field-Role"),
        "Role is hidden from employees"
    );
    assert!(
        !html.contains(">Users<"),
        "no user search in an employee's navigation"
    );
    // The no-JS save of /me.
    let (_, html) = portal.page("/me").await;
    let form = with_value(form_fields(&html), "Telephone", "+1 555 0177");
    let (status, location, _) = portal.post_form("/me", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/me?saved=Telephone"));
    assert_eq!(
        portal.directory_value(JANE, "Telephone").await,
        "+1 555 0177"
    );
    // `/users` sends an employee to its own profile.
    let (status, _) = portal.page("/users").await;
    assert_eq!(status, StatusCode::FOUND);
    portal.stop().await;
}

#[tokio::test]
async fn a_policy_file_replaces_the_defaults_and_a_bad_one_stops_start_up() {
    let data = tempfile::tempdir().expect("temp dir");
    let path = data.path().join("policy.toml");
    std::fs::write(
        &path,
        "[[roles.admin]]\nscope = \"all\"\nread = [\"*\"]\nedit = [\"Office\"]\n",
    )
    .expect("write");
    let portal = start_with(|c| c.policy_file = Some(path.clone())).await;
    let loaded = jane_values(&portal).await;
    let (status, error) = portal
        .save(JANE, &json!({ "values": loaded }), &[("JobTitle", "X")])
        .await
        .into_pair();
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    portal.stop().await;

    std::fs::write(
        &path,
        "[[roles.admin]]\nscope = \"all\"\n\nedit = [\"Phone\"]\n",
    )
    .expect("write");
    let other = tempfile::tempdir().expect("temp dir");
    let config = PortalConfig {
        policy_file: Some(path.clone()),
        ..test_config(&other)
    };
    let message = try_start(config, other)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(message.starts_with("PORTAL_POLICY: "), "{message}");
    assert!(message.contains("line 4"), "{message}");
}

trait IntoPair {
    fn into_pair(self) -> (StatusCode, Value);
}

impl IntoPair for (StatusCode, reqwest::header::HeaderMap, Value) {
    fn into_pair(self) -> (StatusCode, Value) {
        (self.0, self.2)
    }
}

#[path = "portal/audit.rs"]
mod audit;
#[path = "portal/directory.rs"]
mod directory;
