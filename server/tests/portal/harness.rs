//! The harness every test module uses: [`Portal`] (the real portal on a loopback port, with a
//! cookie jar of one session), the ways to start it, and helpers that read its answers.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::Duration;
use workmail_emulator::{EmulatorConfig, FaultKind, Faults, RunningEmulator, Seed};
use workmail_portal::config::{DirectorySetting, PortalConfig};
use workmail_portal::{RunningPortal, StartError};

pub(crate) const JANE: &str = "jane.doe";

pub(crate) const DEMO_PASSWORD: &str = "demo-password";

pub(crate) struct Portal {
    pub(crate) portal: RunningPortal,
    pub(crate) http: reqwest::Client,
    /// The session cookie (`portal_session=…`) the helpers send, as a browser would.
    cookie: Mutex<Option<String>>,
    _data: tempfile::TempDir,
}

impl Portal {
    /// Every audit record, newest first.
    pub(crate) async fn audit_log(&self) -> Vec<app::domain::AuditRecord> {
        use app::ports::AuditLog as _;
        let log = workmail_portal::audit::SqlAuditLog::open(
            self.portal.database().pool.clone(),
            workmail_portal::audit::ValueModes::default(),
        )
        .await
        .expect("audit log");
        log.search(&app::domain::AuditFilter::default(), 1000)
            .await
            .expect("search")
            .records
    }

    /// The client address of every audit record, newest first.
    pub(crate) async fn audit_clients(&self) -> Vec<String> {
        self.audit_log()
            .await
            .into_iter()
            .filter_map(|record| record.client)
            .collect()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.portal.url())
    }

    /// This portal's origin, as a browser sends it on a form post or fetch.
    pub(crate) fn origin(&self) -> String {
        self.portal.url().to_owned()
    }

    pub(crate) fn cookie(&self) -> Option<String> {
        self.cookie.lock().expect("lock").clone()
    }

    pub(crate) fn set_cookie(&self, cookie: Option<String>) {
        *self.cookie.lock().expect("lock") = cookie;
    }

    /// Posts the sign-in form with `cookie` (a session the browser already had); returns the
    /// status, the redirect target and the new session cookie.
    pub(crate) async fn post_login(
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
    pub(crate) async fn sign_in(&self, login: &str) {
        let (status, location, cookie, body) = self.post_login(login, DEMO_PASSWORD, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign-in as {login}: {body}");
        assert_eq!(location.as_deref(), Some("/users"));
        self.set_cookie(Some(cookie.expect("a session cookie")));
    }

    /// Confirms the signed-in account's identity with `password` (`POST /confirm`).
    pub(crate) async fn confirm_password(&self, password: &str) -> reqwest::Response {
        self.post("/confirm")
            .form(&[("password", password)])
            .send()
            .await
            .expect("answer")
    }

    /// A POST as the page would send it: this portal's Origin and the current session.
    pub(crate) fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.with_session(
            self.http
                .post(self.url(path))
                .header("origin", self.origin()),
        )
    }

    pub(crate) fn with_session(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.cookie() {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        }
    }

    pub(crate) fn emulator(&self) -> &RunningEmulator {
        self.portal.emulator().expect("embedded emulator")
    }

    pub(crate) fn inject(&self, operation: &str, kind: FaultKind) {
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
    pub(crate) async fn call(
        &self,
        name: &str,
        body: Value,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        json_answer(self.post(&format!("/api/{name}")).json(&body)).await
    }

    /// The profile `get_user` returns (its `profile` member).
    pub(crate) async fn get_user(&self, user: &str) -> Value {
        let (status, _, view) = self.call("get_user", json!({ "user": user })).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view["profile"].clone()
    }

    /// Saves `edits` over the values `loaded` (a profile from `get_user`).
    pub(crate) async fn save(
        &self,
        user: &str,
        loaded: &Value,
        edits: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        json_answer(self.save_request(user, loaded, edits)).await
    }

    /// The `update_user` call [`Portal::save`] sends, to send later.
    pub(crate) fn save_request(
        &self,
        user: &str,
        loaded: &Value,
        edits: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let loaded_values = loaded["values"].clone();
        let mut edited = loaded_values.clone();
        for (field, value) in edits {
            edited[*field] = json!(value);
        }
        let version = version_of(&loaded_values);
        self.post("/api/update_user").json(&json!({ "request": {
            "user_id": user,
            "loaded": loaded_values,
            "edited": edited,
            "version": version,
        }}))
    }

    pub(crate) async fn page(&self, path: &str) -> (StatusCode, String) {
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
    pub(crate) async fn other_client(&self) -> aws_sdk_workmail::Client {
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

    pub(crate) async fn change_behind_the_back(
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

    pub(crate) async fn stop(self) {
        self.portal.shutdown().await;
    }

    // The page and the form without JavaScript.

    pub(crate) async fn post_form(
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

    // Sign-in, sessions and role-aware field gating.

    /// What the emulator holds for `user` now, read with another WorkMail client.
    pub(crate) async fn directory_value(&self, user: &str, field: &str) -> String {
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
            "Department" => user.department(),
            "LastName" => user.last_name(),
            "Role" => user.user_role().map(|r| r.as_str()),
            other => panic!("field {other} not handled"),
        };
        value.unwrap_or_default().to_owned()
    }

    /// Calls `update_user` for `user` with `edits`, using `cookie` and `origin` as given.
    pub(crate) async fn forge_save(
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

/// Sends a server-function call; its status, headers and JSON (or text) body.
async fn json_answer(
    request: reqwest::RequestBuilder,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let response = request.send().await.expect("server function answers");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, value)
}

/// The app's options, listening on `port` of the loopback address (0: any free port).
fn leptos_options(port: u16) -> leptos::config::LeptosOptions {
    leptos::config::LeptosOptions::builder()
        .output_name("workmail-portal")
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .build()
}

pub(crate) fn test_config(data: &tempfile::TempDir) -> PortalConfig {
    PortalConfig {
        data_dir: data.path().to_path_buf(),
        // One try: the fault tests want the first answer, not the SDK's back-off.
        directory_attempts: 1,
        directory_timeout: Duration::from_secs(10),
        ..PortalConfig::default()
    }
}

pub(crate) async fn try_start(
    config: PortalConfig,
    data: tempfile::TempDir,
) -> Result<Portal, StartError> {
    try_start_on(config, data, 0).await
}

/// [`try_start`] on a given port (for a portal whose public URL must be known beforehand).
pub(crate) async fn try_start_on(
    config: PortalConfig,
    data: tempfile::TempDir,
    port: u16,
) -> Result<Portal, StartError> {
    let portal = workmail_portal::start(config, leptos_options(port)).await?;
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
pub(crate) async fn start() -> Portal {
    start_with(|_| {}).await
}

pub(crate) async fn start_with(tweak: impl FnOnce(&mut PortalConfig)) -> Portal {
    let portal = start_signed_out(tweak).await;
    portal.sign_in("admin").await;
    portal
}

/// The portal with `policy` (TOML) as its `PORTAL_POLICY` file, signed in as the demo admin.
pub(crate) async fn start_with_policy(
    policy: &str,
    tweak: impl FnOnce(&mut PortalConfig),
) -> Portal {
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

pub(crate) async fn start_signed_out(tweak: impl FnOnce(&mut PortalConfig)) -> Portal {
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(&data);
    tweak(&mut config);
    try_start(config, data).await.expect("portal starts")
}

// ---- Organizations the demo seed does not have: a separately running emulator, seeded
// ---- from a file, reached through PORTAL_WORKMAIL_ENDPOINT.

const OTHER_ORG: &str = "m-00000000000000000000000000000001";

pub(crate) async fn emulator_with(
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

pub(crate) async fn start_on(
    emulator: &RunningEmulator,
    secret: &str,
) -> Result<Portal, StartError> {
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
pub(crate) async fn add_account(portal: &Portal, login: &str, role: &str, user: Option<&str>) {
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

/// The `portal_session=…` pair of a response's Set-Cookie, if it sets one.
fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("portal_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

pub(crate) fn session_cookie_header(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

pub(crate) fn version_of(values: &Value) -> String {
    let values: app::domain::FieldValues =
        serde_json::from_value(values.clone()).expect("field values");
    app::domain::version_of(&values)
}

pub(crate) fn fields(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().expect("field name").to_owned())
        .collect()
}

/// Jane's values as an admin loads them (complete).
pub(crate) async fn jane_values(portal: &Portal) -> Value {
    portal.get_user(JANE).await["values"].clone()
}

/// The form's fields as the browser would post them: every input with its current value.
pub(crate) fn form_fields(html: &str) -> Vec<(String, String)> {
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

pub(crate) fn with_value(
    mut pairs: Vec<(String, String)>,
    name: &str,
    value: &str,
) -> Vec<(String, String)> {
    for pair in pairs.iter_mut().filter(|(n, _)| n == name) {
        pair.1 = value.to_owned();
    }
    pairs
}

pub(crate) trait IntoPair {
    fn into_pair(self) -> (StatusCode, Value);
}

impl IntoPair for (StatusCode, reqwest::header::HeaderMap, Value) {
    fn into_pair(self) -> (StatusCode, Value) {
        (self.0, self.2)
    }
}

/// A fresh PostgreSQL database for one test, or `None` (with a loud note, see
/// [`skip`]) when no server runs here.
pub(crate) async fn postgres_database(name: &str) -> Option<(String, sqlx::PgPool)> {
    let admin_url = std::env::var("PORTAL_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let admin = match sqlx::PgPool::connect(&admin_url).await {
        Ok(pool) => pool,
        Err(error) => {
            skip(
                name,
                &format!("no PostgreSQL at {admin_url} ({error}); the PostgreSQL path"),
            );
            return None;
        }
    };
    let database = format!("portal_test_{name}_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {database}"))
        .execute(&admin)
        .await
        .expect("drop old database");
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&admin)
        .await
        .expect("create database");
    let url = match admin_url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{database}"),
        None => panic!("PORTAL_TEST_POSTGRES_URL needs a database path"),
    };
    Some((url, admin))
}

pub(crate) async fn drop_postgres_database(admin: sqlx::PgPool, url: &str) {
    let database = url.rsplit('/').next().unwrap_or_default();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        .execute(&admin)
        .await
        .expect("drop database");
}

/// The machine's Redis for one test, or `None` (with a loud note, see [`skip`]) when none runs
/// here. Each test gives the portal its own key prefix.
pub(crate) async fn redis_or_skip(name: &str) -> Option<String> {
    let url = std::env::var("PORTAL_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    match workmail_portal::replicas::redis::connect(&url).await {
        Ok(_) => Some(url),
        Err(error) => {
            skip(
                name,
                &format!("no Redis at {url} ({error}); the Redis path"),
            );
            None
        }
    }
}

/// Whether slapd can run here; if not, test `name` says so loudly ([`skip`]).
pub(crate) fn slapd_or_skip(name: &str) -> bool {
    let installed = crate::slapd::installed();
    if !installed {
        skip(name, "no slapd/ldap-utils installed; the LDAP path");
    }
    installed
}

/// Notes loudly that test `name` could not run here because of `missing` (e.g. "no PostgreSQL
/// at …; the PostgreSQL path"). Under CI (any non-empty `CI`) that is a failure. The note also
/// goes to `target/tmp/skipped.txt`, which `scripts/test.sh` prints in its summary (cargo test
/// shows nothing a passing test prints).
pub(crate) fn skip(name: &str, missing: &str) {
    assert!(
        std::env::var("CI").map_or(true, |ci| ci.is_empty()),
        "{name} cannot run under CI: {missing}"
    );
    let note = format!("SKIPPED {name}: {missing} was NOT tested");
    eprintln!("{note}");
    let skipped = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped.txt");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(skipped)
        .expect("skip note file");
    std::io::Write::write_all(&mut file, format!("{note}\n").as_bytes()).expect("skip note");
}
