//! The single sign-on tests' and benchmark's OpenID Provider: panva's oidc-provider, run from
//! `end2end/oidc-test-provider.mjs` on a loopback port; and a small browser that walks the
//! redirects between the portal and the provider, keeping cookies.

#![allow(
    dead_code,
    clippy::expect_used,
    clippy::panic,
    reason = "test support: a failure panics; each user takes part of it"
)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Mutex;

pub const CLIENT_ID: &str = "portal";
pub const CLIENT_SECRET: &str = "portal-test-secret";

/// The test provider's process; killed when dropped.
pub struct TestProvider {
    child: std::process::Child,
    pub issuer: String,
    pub port: u16,
    accounts: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestProvider {
    /// Replaces the accounts the provider signs in (read again at every sign-in).
    pub fn set_accounts(&self, accounts: &Value) {
        std::fs::write(&self.accounts, accounts.to_string()).expect("accounts file");
    }

    /// A JWT with `claims`, signed with the provider's own key.
    pub async fn sign(&self, claims: &Value) -> String {
        reqwest::Client::new()
            .post(format!("{}/test/sign", self.issuer))
            .body(claims.to_string())
            .send()
            .await
            .expect("provider answers")
            .text()
            .await
            .expect("a token")
    }

    /// Makes the provider's next token response carry `token` as its ID token.
    pub async fn substitute_next_id_token(&self, token: &str) {
        let status = reqwest::Client::new()
            .post(format!("{}/test/next-id-token", self.issuer))
            .body(token.to_owned())
            .send()
            .await
            .expect("provider answers")
            .status();
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
}

/// The accounts the provider starts with: Jane (no portal group, her WorkMail address in
/// another case), Ada (portal admins), Mallory (claims Jane's address, unverified).
pub fn accounts() -> Value {
    json!({
        "jane": {"email": "Jane.Doe@demo.example.com", "email_verified": true, "groups": ["staff"]},
        "ada": {"email": "ada@elsewhere.example", "email_verified": true, "groups": ["portal-admins"]},
        "mallory": {"email": "jane.doe@demo.example.com", "email_verified": false, "groups": []},
    })
}

/// Starts the test provider for a portal at `portal_url` on `port` (0: any); an error when
/// Node or the npm packages are missing here.
pub fn start_provider(portal_url: &str, port: u16) -> Result<TestProvider, String> {
    let end2end = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../end2end");
    if !end2end.join("node_modules/oidc-provider").is_dir() {
        return Err(
            "no end2end/node_modules/oidc-provider (scripts/install-tools.sh installs it)".into(),
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let accounts_file = dir.path().join("accounts.json");
    std::fs::write(&accounts_file, accounts().to_string()).expect("accounts file");
    let mut child = std::process::Command::new("node")
        .arg(end2end.join("oidc-test-provider.mjs"))
        .env("PORT", port.to_string())
        .env("PORTAL_URL", portal_url)
        .env("ACCOUNTS_FILE", &accounts_file)
        .env("CLIENT_ID", CLIENT_ID)
        .env("CLIENT_SECRET", CLIENT_SECRET)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|error| format!("no `node` ({error})"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let issuer = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(issuer) = line.strip_prefix("listening ") {
                    break issuer.to_owned();
                }
            }
            _ => {
                let _ = child.wait();
                return Err("the test provider stopped before it listened".into());
            }
        }
    };
    let port = issuer
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    Ok(TestProvider {
        child,
        issuer,
        port,
        accounts: accounts_file,
        _dir: dir,
    })
}

/// A browser for the walk between the portal and the provider: it keeps every cookie it is
/// given (both listen on 127.0.0.1, and cookies do not tell ports apart) and follows no
/// redirect by itself.
pub struct Browser {
    http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
}

/// One answer: status, absolute `Location`, body.
pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Browser {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    /// Takes over the cookies of a `Cookie` header (a session signed in elsewhere).
    pub fn adopt_cookies(&self, header: &str) {
        let mut cookies = self.cookies.lock().expect("lock");
        for pair in header.split(';') {
            if let Some((name, value)) = pair.trim().split_once('=') {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// The `Cookie` header it sends.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .expect("lock")
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&self, request: reqwest::RequestBuilder, url: &str) -> Answer {
        let response = request
            .header("cookie", self.cookie_header())
            .header("accept", "text/html")
            .send()
            .await
            .expect("an answer");
        self.keep_cookies(response.headers());
        let status = response.status();
        let base = reqwest::Url::parse(url).expect("absolute url");
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(|l| base.join(l).expect("a location").to_string());
        Answer {
            status,
            location,
            body: response.text().await.expect("body"),
        }
    }

    /// Keeps the cookies an answer sets, and forgets those it expires.
    fn keep_cookies(&self, headers: &reqwest::header::HeaderMap) {
        let mut cookies = self.cookies.lock().expect("lock");
        for set in headers.get_all("set-cookie") {
            let text = set.to_str().expect("ascii cookie");
            let pair = text.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let lower = text.to_ascii_lowercase();
            let expired = lower.contains("expires=thu, 01 jan 1970") || lower.contains("max-age=0");
            if value.is_empty() || expired {
                cookies.remove(name.trim());
            } else {
                cookies.insert(name.trim().to_owned(), value.to_owned());
            }
        }
    }

    pub async fn get(&self, url: &str) -> Answer {
        self.send(self.http.get(url), url).await
    }

    pub async fn post_form(&self, url: &str, form: &[(&str, &str)], origin: &str) -> Answer {
        self.send(self.http.post(url).header("origin", origin).form(form), url)
            .await
    }
}

/// A sign-in under way: the callback URL the provider sent the browser to, and the nonce the
/// portal asked for.
pub struct Flow {
    pub callback: String,
    pub nonce: String,
}

/// Walks `browser` from the portal's single sign-on start (with `query`, e.g. `next=/me`)
/// through the provider's login page as `login`, up to the portal's callback (not followed).
pub async fn to_callback(browser: &Browser, portal_url: &str, query: &str, login: &str) -> Flow {
    let mut url = format!("{portal_url}/auth/oidc/login?{query}");
    let mut nonce = None;
    for _ in 0..10 {
        let answer = browser.get(&url).await;
        if answer.status == StatusCode::OK && url.contains("/interaction/") {
            let form = [("prompt", "login"), ("login", login), ("password", "any")];
            let origin = url.split("/interaction/").next().expect("provider origin");
            let submitted = browser.post_form(&url, &form, origin).await;
            url = submitted.location.expect("the login page redirects");
            continue;
        }
        if answer.status == StatusCode::OK
            && let Some((action, fields)) = auto_submitted_form(&answer.body)
        {
            // The provider's page that a browser's script posts at once (ending one account's
            // session when another signs in).
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let origin = url.split("/auth/").next().expect("provider origin");
            let submitted = browser.post_form(&action, &fields, origin).await;
            url = submitted.location.expect("the form redirects");
            continue;
        }
        assert!(
            answer.status.is_redirection(),
            "{url}: {} {}",
            answer.status,
            answer.body
        );
        let next = answer.location.expect("a redirect has a location");
        if nonce.is_none() {
            nonce = reqwest::Url::parse(&next)
                .expect("url")
                .query_pairs()
                .find(|(k, _)| k == "nonce")
                .map(|(_, v)| v.into_owned());
        }
        if next.starts_with(&format!("{portal_url}/auth/oidc/callback")) {
            return Flow {
                callback: next,
                nonce: nonce.expect("the authorization request carries a nonce"),
            };
        }
        url = next;
    }
    panic!("no callback after ten redirects (last: {url})");
}

/// The action and hidden fields of a page whose script submits its form on load.
fn auto_submitted_form(html: &str) -> Option<(String, Vec<(String, String)>)> {
    if !html.contains("document.forms[0].submit()") {
        return None;
    }
    let attribute = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        let end = tag[start..].find('"')? + start;
        Some(tag[start..end].replace("&amp;", "&"))
    };
    let form = &html[html.find("<form")?..];
    let action = attribute(&form[..form.find('>')?], "action")?;
    let fields = form
        .split("<input")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            Some((attribute(tag, "name")?, attribute(tag, "value")?))
        })
        .collect();
    Some((action, fields))
}
