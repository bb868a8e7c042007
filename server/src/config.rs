//! The portal's settings: defaults, overridden by `PORTAL_*` environment variables, validated
//! once at start-up. A bad value stops start-up with a message naming the setting.
//!
//! (Over 500 lines with its unit tests: the settings are about 360; the tests of each bad value
//! sit beside them.)

use crate::client_address::AddressRange;
use crate::sso::SsoSettings;
use app::domain::{Field, StepUp};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;
use workmail_emulator::DEMO_ORGANIZATION_ID;

/// Where the user directory lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectorySetting {
    /// Start the emulator in-process (demo data in a SQLite file under the data directory).
    Embedded,
    /// A WorkMail API at this URL (a separately running emulator, or any endpoint); credentials
    /// and region come from the usual AWS settings.
    Endpoint(String),
    /// The real Amazon WorkMail, with the standard AWS credential chain and region.
    Aws,
    /// An LDAP directory (`PORTAL_LDAP_*`).
    Ldap(Box<crate::directory::ldap::LdapSettings>),
}

/// How the server log is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where sessions are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStoreSetting {
    /// The portal database (sessions survive a restart). The default.
    Database,
    /// Process memory (sessions end with the process; for tests and throwaway runs).
    Memory,
    /// Redis at `PORTAL_REDIS_URL`, shared by every replica.
    Redis,
}

/// What the portal's Redis keys start with when `PORTAL_REDIS_PREFIX` is not set.
pub const DEFAULT_REDIS_PREFIX: &str = "workmail-portal:";

/// The demo accounts' password when `PORTAL_DEMO_PASSWORD` is not set.
pub const DEFAULT_DEMO_PASSWORD: &str = "demo-password";

/// Every setting of the portal.
#[derive(Clone, Debug, PartialEq)]
pub struct PortalConfig {
    pub directory: DirectorySetting,
    /// The WorkMail organization whose users are edited.
    pub organization_id: String,
    /// Where the portal keeps its files (the embedded directory's database).
    pub data_dir: PathBuf,
    /// How long one directory call may take, retries included.
    pub directory_timeout: Duration,
    /// How often a directory call is tried before giving up on a transient failure.
    pub directory_attempts: u32,
    /// The region used when neither `AWS_REGION` nor a profile names one.
    pub default_region: String,
    /// Fixed credentials for an endpoint directory, for programs that embed the portal (the
    /// integration tests). Not read from the environment: the binary uses the AWS variables.
    pub endpoint_credentials: Option<(String, String)>,
    /// The portal database (accounts, sessions): a `sqlite:` URL; `None` is
    /// `portal.sqlite3` in the data directory.
    pub database_url: Option<String>,
    /// The address people use to reach the portal; an `https://` one makes the session
    /// cookie `Secure`.
    pub public_url: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client (`PORTAL_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<AddressRange>,
    /// A session ends after this long without a request.
    pub session_idle_timeout: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_lifetime: Duration,
    /// Where sessions are kept.
    pub session_store: SessionStoreSetting,
    /// Redis (`PORTAL_REDIS_URL`), shared by the replicas: the sign-in limiter counts there, and
    /// sessions live there with `PORTAL_SESSION_STORE=redis`.
    pub redis_url: Option<String>,
    /// What the portal's own Redis keys start with (`PORTAL_REDIS_PREFIX`), so that several
    /// portals, or tests, can share one Redis.
    pub redis_prefix: String,
    /// A TOML file that replaces the built-in field policy.
    pub policy_file: Option<PathBuf>,
    /// The password of the demo accounts (embedded directory only).
    pub demo_password: String,
    /// Fields whose values the audit log keeps only as a keyed hash.
    pub audit_hashed_fields: Vec<Field>,
    /// Fields whose values the audit log does not keep at all.
    pub audit_redacted_fields: Vec<Field>,
    /// Audit records older than this are deleted; `None` keeps them for ever.
    pub audit_retention: Option<Duration>,
    /// How often the directory index is rebuilt from ListUsers.
    pub directory_refresh: Duration,
    /// How the server log is written (`PORTAL_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Where Prometheus metrics are served (`PORTAL_METRICS_ADDR`); `None`: nowhere.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// On SIGTERM, how long the replica answers while failing readiness, before it stops
    /// accepting connections (load balancers notice it is draining meanwhile).
    pub drain: Duration,
    /// Most users the directory index holds (bounds its memory).
    pub directory_index_limit: usize,
    /// Users in the embedded demo organization.
    pub demo_users: usize,
    /// Sign-in through an OpenID Provider (`PORTAL_OIDC_*`); `None`: local accounts only.
    pub sso: Option<SsoSettings>,
    /// Whether local accounts may sign in with a password (`PORTAL_LOCAL_SIGNIN`).
    pub local_sign_in: bool,
    /// Changes that need a recent authentication (`PORTAL_REAUTH_FIELDS`,
    /// `PORTAL_REAUTH_SECONDS`).
    pub step_up: StepUp,
}

impl Default for PortalConfig {
    fn default() -> Self {
        Self {
            directory: DirectorySetting::Embedded,
            organization_id: DEMO_ORGANIZATION_ID.to_owned(),
            data_dir: PathBuf::from("data"),
            directory_timeout: Duration::from_secs(5),
            directory_attempts: 3,
            default_region: "us-east-1".to_owned(),
            endpoint_credentials: None,
            database_url: None,
            public_url: None,
            trusted_proxies: Vec::new(),
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_lifetime: Duration::from_secs(12 * 3600),
            session_store: SessionStoreSetting::Database,
            redis_url: None,
            redis_prefix: DEFAULT_REDIS_PREFIX.to_owned(),
            policy_file: None,
            demo_password: DEFAULT_DEMO_PASSWORD.to_owned(),
            audit_hashed_fields: Vec::new(),
            audit_redacted_fields: Vec::new(),
            audit_retention: None,
            directory_refresh: Duration::from_secs(300),
            drain: Duration::from_secs(5),
            log_format: LogFormat::Text,
            metrics_addr: None,
            directory_index_limit: 200_000,
            demo_users: 50,
            sso: None,
            local_sign_in: true,
            step_up: StepUp::default(),
        }
    }
}

/// A setting with a value the portal cannot use.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{setting}: {problem}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub setting: &'static str,
    pub problem: String,
}

/// A secret given as the variable `name` or, kept out of the environment, as the first line of
/// the file named by `file` (not both).
pub(crate) fn secret_setting(
    get: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    file: &'static str,
) -> Result<Option<String>, ConfigError> {
    match (get(name), get(file)) {
        (Some(secret), None) => Ok(Some(secret)),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| invalid(file, format!("cannot read `{path}`: {e}")))?;
            let secret = text.lines().next().unwrap_or_default().trim().to_owned();
            if secret.is_empty() {
                return Err(invalid(file, format!("`{path}` is empty")));
            }
            Ok(Some(secret))
        }
        (Some(_), Some(_)) => Err(invalid(
            file,
            format!("set either {name} or {file}, not both"),
        )),
        (None, None) => Ok(None),
    }
}

pub(crate) fn invalid(setting: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        setting,
        problem: problem.into(),
    }
}

impl PortalConfig {
    /// Defaults overridden by the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let vars: HashMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("PORTAL_"))
            .collect();
        Self::from_vars(&vars)
    }

    /// Defaults overridden by `vars` (the `PORTAL_*` variables), then validated.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |key: &str| vars.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
        let mut config = Self::default();

        let endpoint = get("PORTAL_WORKMAIL_ENDPOINT").map(str::to_owned);
        config.directory = match (get("PORTAL_DIRECTORY"), endpoint) {
            (None | Some("embedded"), None) => DirectorySetting::Embedded,
            (None | Some("endpoint"), Some(url)) => DirectorySetting::Endpoint(url),
            (Some("aws"), None) => DirectorySetting::Aws,
            (Some("ldap"), None) => {
                DirectorySetting::Ldap(Box::new(crate::directory::ldap::LdapSettings::from_vars(
                    &|name| get(name).map(str::to_owned),
                )?))
            }
            (Some("endpoint"), None) => {
                return Err(invalid(
                    "PORTAL_DIRECTORY",
                    "`endpoint` needs PORTAL_WORKMAIL_ENDPOINT (the WorkMail API URL)",
                ));
            }
            (Some(kind @ ("embedded" | "aws" | "ldap")), Some(_)) => {
                return Err(invalid(
                    "PORTAL_WORKMAIL_ENDPOINT",
                    format!(
                        "is set, but PORTAL_DIRECTORY={kind} does not use an endpoint; \
                         unset one of them"
                    ),
                ));
            }
            (Some(other), _) => {
                return Err(invalid(
                    "PORTAL_DIRECTORY",
                    format!("unknown directory `{other}` (use embedded, endpoint, aws or ldap)"),
                ));
            }
        };
        if let Some(id) = get("PORTAL_ORGANIZATION_ID") {
            config.organization_id = id.to_owned();
        }
        if let Some(dir) = get("PORTAL_DATA_DIR") {
            config.data_dir = PathBuf::from(dir);
        }
        if let Some(ms) = get("PORTAL_DIRECTORY_TIMEOUT_MS") {
            let ms: u64 = ms.parse().map_err(|_| {
                invalid(
                    "PORTAL_DIRECTORY_TIMEOUT_MS",
                    format!("`{ms}` is not a whole number of milliseconds"),
                )
            })?;
            config.directory_timeout = Duration::from_millis(ms);
        }
        if let Some(n) = get("PORTAL_DIRECTORY_ATTEMPTS") {
            config.directory_attempts = n.parse().map_err(|_| {
                invalid(
                    "PORTAL_DIRECTORY_ATTEMPTS",
                    format!("`{n}` is not a whole number"),
                )
            })?;
        }
        if let Some(url) = get("PORTAL_DATABASE_URL") {
            config.database_url = Some(url.to_owned());
        }
        if let Some(url) = get("PORTAL_PUBLIC_URL") {
            config.public_url = Some(url.trim_end_matches('/').to_owned());
        }
        if let Some(list) = get("PORTAL_TRUSTED_PROXIES") {
            config.trusted_proxies = list
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(AddressRange::parse)
                .collect::<Result<_, _>>()
                .map_err(|problem| invalid("PORTAL_TRUSTED_PROXIES", problem))?;
        }
        if let Some(minutes) = get("PORTAL_SESSION_IDLE_MINUTES") {
            config.session_idle_timeout = minutes_setting("PORTAL_SESSION_IDLE_MINUTES", minutes)?;
        }
        if let Some(minutes) = get("PORTAL_SESSION_LIFETIME_MINUTES") {
            config.session_lifetime = minutes_setting("PORTAL_SESSION_LIFETIME_MINUTES", minutes)?;
        }
        config.session_store = match get("PORTAL_SESSION_STORE") {
            None | Some("database") => SessionStoreSetting::Database,
            Some("memory") => SessionStoreSetting::Memory,
            Some("redis") => SessionStoreSetting::Redis,
            Some(other) => {
                return Err(invalid(
                    "PORTAL_SESSION_STORE",
                    format!("unknown session store `{other}` (use database, memory or redis)"),
                ));
            }
        };
        if let Some(url) = get("PORTAL_REDIS_URL") {
            config.redis_url = Some(url.to_owned());
        }
        if let Some(prefix) = get("PORTAL_REDIS_PREFIX") {
            config.redis_prefix = prefix.to_owned();
        }
        if let Some(path) = get("PORTAL_POLICY") {
            config.policy_file = Some(PathBuf::from(path));
        }
        if let Some(list) = get("PORTAL_AUDIT_HASHED_FIELDS") {
            config.audit_hashed_fields = crate::audit::parse_field_list(list)
                .map_err(|e| invalid("PORTAL_AUDIT_HASHED_FIELDS", e))?;
        }
        if let Some(list) = get("PORTAL_AUDIT_REDACTED_FIELDS") {
            config.audit_redacted_fields = crate::audit::parse_field_list(list)
                .map_err(|e| invalid("PORTAL_AUDIT_REDACTED_FIELDS", e))?;
        }
        if let Some(days) = get("PORTAL_AUDIT_RETENTION_DAYS") {
            let days: u64 = days.parse().ok().filter(|&d| d > 0).ok_or_else(|| {
                invalid(
                    "PORTAL_AUDIT_RETENTION_DAYS",
                    format!("`{days}` is not a whole number of days above 0"),
                )
            })?;
            config.audit_retention = Some(Duration::from_secs(days * 86_400));
        }
        if let Some(seconds) = get("PORTAL_DIRECTORY_REFRESH_SECONDS") {
            let seconds: u64 = seconds.parse().ok().filter(|&s| s >= 10).ok_or_else(|| {
                invalid(
                    "PORTAL_DIRECTORY_REFRESH_SECONDS",
                    format!("`{seconds}` is not a whole number of seconds, at least 10"),
                )
            })?;
            config.directory_refresh = Duration::from_secs(seconds);
        }
        config.log_format = match get("PORTAL_LOG_FORMAT") {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "PORTAL_LOG_FORMAT",
                    format!("`{other}` is neither text nor json"),
                ));
            }
        };
        if let Some(addr) = get("PORTAL_METRICS_ADDR") {
            config.metrics_addr = Some(addr.parse().map_err(|_| {
                invalid(
                    "PORTAL_METRICS_ADDR",
                    format!("`{addr}` is not an address and port, such as 127.0.0.1:9100"),
                )
            })?);
        }
        if let Some(seconds) = get("PORTAL_DRAIN_SECONDS") {
            let seconds: u64 = seconds.parse().ok().filter(|&s| s <= 300).ok_or_else(|| {
                invalid(
                    "PORTAL_DRAIN_SECONDS",
                    format!("`{seconds}` is not a whole number of seconds from 0 to 300"),
                )
            })?;
            config.drain = Duration::from_secs(seconds);
        }
        if let Some(users) = get("PORTAL_DEMO_USERS") {
            config.demo_users = users
                .parse()
                .ok()
                .filter(|n| (5..=1_000_000).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "PORTAL_DEMO_USERS",
                        format!("`{users}` is not a number of users from 5 to 1000000"),
                    )
                })?;
        }
        config.sso = SsoSettings::from_vars(
            &|key| get(key).map(str::to_owned),
            config.public_url.as_deref(),
        )?;
        config.local_sign_in = match get("PORTAL_LOCAL_SIGNIN") {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(invalid(
                    "PORTAL_LOCAL_SIGNIN",
                    format!("`{other}` is neither true nor false"),
                ));
            }
        };
        if !config.local_sign_in && config.sso.is_none() {
            return Err(invalid(
                "PORTAL_LOCAL_SIGNIN",
                "is false, but without PORTAL_OIDC_ISSUER nobody could sign in",
            ));
        }
        if let Some(list) = get("PORTAL_REAUTH_FIELDS") {
            // DescribeUser calls the role `UserRole`; UpdateUser `Role`. Both are accepted;
            // `none` asks for nothing.
            config.step_up.fields = if list == "none" {
                Vec::new()
            } else {
                crate::audit::parse_field_list(&list.replace("UserRole", "Role"))
                    .map_err(|e| invalid("PORTAL_REAUTH_FIELDS", e))?
            };
        }
        if let Some(seconds) = get("PORTAL_REAUTH_SECONDS") {
            config.step_up.max_age_seconds = seconds
                .parse()
                .ok()
                .filter(|s| (10..=86_400).contains(s))
                .ok_or_else(|| {
                    invalid(
                        "PORTAL_REAUTH_SECONDS",
                        format!("`{seconds}` is not a whole number of seconds from 10 to 86400"),
                    )
                })?;
        }
        // Not trimmed: a password may start or end with a space.
        if let Some(password) = vars.get("PORTAL_DEMO_PASSWORD").filter(|p| !p.is_empty()) {
            config.demo_password = password.clone();
        }
        config.validate()?;
        Ok(config)
    }

    /// Whether the portal is reached over https (an https `PORTAL_PUBLIC_URL`): then the
    /// session cookie is `Secure` and `__Host-`-prefixed, and answers carry HSTS.
    pub fn served_over_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }

    /// Checks every setting; the first problem found is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let DirectorySetting::Endpoint(url) = &self.directory {
            let rest = url
                .strip_prefix("http://")
                .or_else(|| url.strip_prefix("https://"))
                .ok_or_else(|| {
                    invalid(
                        "PORTAL_WORKMAIL_ENDPOINT",
                        format!("`{url}` is not an http:// or https:// URL"),
                    )
                })?;
            if rest.is_empty() || rest.starts_with('/') {
                return Err(invalid(
                    "PORTAL_WORKMAIL_ENDPOINT",
                    format!("`{url}` has no host"),
                ));
            }
        }
        if !is_organization_id(&self.organization_id) {
            return Err(invalid(
                "PORTAL_ORGANIZATION_ID",
                format!(
                    "`{}` is not a WorkMail organization id (m- followed by 32 lowercase hex digits)",
                    self.organization_id
                ),
            ));
        }
        if self.directory_timeout < Duration::from_millis(10)
            || self.directory_timeout > Duration::from_secs(300)
        {
            return Err(invalid(
                "PORTAL_DIRECTORY_TIMEOUT_MS",
                "must be between 10 and 300000",
            ));
        }
        if let Some(url) = &self.database_url
            && !["sqlite:", "postgres://", "postgresql://"]
                .iter()
                .any(|scheme| url.starts_with(scheme))
        {
            return Err(invalid(
                "PORTAL_DATABASE_URL",
                format!("`{url}` is neither a sqlite: nor a postgres:// URL"),
            ));
        }
        if let Some(url) = &self.redis_url
            && !["redis://", "rediss://", "redis+unix://"]
                .iter()
                .any(|scheme| url.starts_with(scheme))
        {
            return Err(invalid(
                "PORTAL_REDIS_URL",
                format!("`{url}` is not a redis:// or rediss:// URL"),
            ));
        }
        if self.session_store == SessionStoreSetting::Redis && self.redis_url.is_none() {
            return Err(invalid(
                "PORTAL_SESSION_STORE",
                "`redis` needs PORTAL_REDIS_URL (e.g. redis://127.0.0.1:6379)",
            ));
        }
        if let Some(url) = &self.public_url {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
                return Err(invalid(
                    "PORTAL_PUBLIC_URL",
                    format!("`{url}` is not an http:// or https:// URL with a host"),
                ));
            }
        }
        if self.session_idle_timeout.is_zero() {
            return Err(invalid("PORTAL_SESSION_IDLE_MINUTES", "must be at least 1"));
        }
        if self.session_lifetime < self.session_idle_timeout {
            return Err(invalid(
                "PORTAL_SESSION_LIFETIME_MINUTES",
                "must be at least PORTAL_SESSION_IDLE_MINUTES",
            ));
        }
        if !(1..=10).contains(&self.directory_attempts) {
            return Err(invalid(
                "PORTAL_DIRECTORY_ATTEMPTS",
                "must be between 1 and 10",
            ));
        }
        Ok(())
    }
}

fn minutes_setting(setting: &'static str, value: &str) -> Result<Duration, ConfigError> {
    match value.parse::<u64>() {
        Ok(minutes) if (1..=525_600).contains(&minutes) => Ok(Duration::from_secs(minutes * 60)),
        _ => Err(invalid(
            setting,
            format!("`{value}` is not a whole number of minutes between 1 and 525600"),
        )),
    }
}

/// `^m-[0-9a-f]{32}$`, the OrganizationId pattern of the WorkMail API.
fn is_organization_id(id: &str) -> bool {
    id.strip_prefix("m-").is_some_and(|hex| {
        hex.len() == 32 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn step_up_fields_and_window() {
        let config = PortalConfig::from_vars(&vars(&[
            ("PORTAL_REAUTH_FIELDS", "UserRole, City"),
            ("PORTAL_REAUTH_SECONDS", "60"),
        ]))
        .expect("valid");
        assert_eq!(config.step_up.fields, [Field::Role, Field::City]);
        assert_eq!(config.step_up.max_age_seconds, 60);
        let none =
            PortalConfig::from_vars(&vars(&[("PORTAL_REAUTH_FIELDS", "none")])).expect("valid");
        assert!(none.step_up.fields.is_empty());
        for (key, value) in [
            ("PORTAL_REAUTH_FIELDS", "Password"),
            ("PORTAL_REAUTH_SECONDS", "5"),
            ("PORTAL_LOCAL_SIGNIN", "false"),
            ("PORTAL_LOCAL_SIGNIN", "maybe"),
        ] {
            let error = PortalConfig::from_vars(&vars(&[(key, value)])).expect_err(key);
            assert_eq!(error.setting, key, "{value}");
        }
    }

    #[test]
    fn defaults_use_the_embedded_demo_directory() {
        let config = PortalConfig::from_vars(&vars(&[])).expect("defaults are valid");
        assert_eq!(config, PortalConfig::default());
        assert_eq!(config.directory, DirectorySetting::Embedded);
        assert_eq!(config.organization_id, DEMO_ORGANIZATION_ID);
    }

    #[test]
    fn an_endpoint_selects_the_endpoint_directory() {
        let config = PortalConfig::from_vars(&vars(&[(
            "PORTAL_WORKMAIL_ENDPOINT",
            "http://127.0.0.1:4566",
        )]))
        .expect("valid");
        assert_eq!(
            config.directory,
            DirectorySetting::Endpoint("http://127.0.0.1:4566".into())
        );
    }

    #[test]
    fn aws_directory_and_overrides() {
        let config = PortalConfig::from_vars(&vars(&[
            ("PORTAL_DIRECTORY", "aws"),
            (
                "PORTAL_ORGANIZATION_ID",
                "m-00000000000000000000000000000001",
            ),
            ("PORTAL_DATA_DIR", "/var/lib/portal"),
            ("PORTAL_DIRECTORY_TIMEOUT_MS", "750"),
            ("PORTAL_DIRECTORY_ATTEMPTS", "1"),
        ]))
        .expect("valid");
        assert_eq!(config.directory, DirectorySetting::Aws);
        assert_eq!(config.data_dir, PathBuf::from("/var/lib/portal"));
        assert_eq!(config.directory_timeout, Duration::from_millis(750));
        assert_eq!(config.directory_attempts, 1);
    }

    #[test]
    fn session_and_account_settings() {
        let config = PortalConfig::from_vars(&vars(&[
            ("PORTAL_PUBLIC_URL", "https://portal.example.com/"),
            ("PORTAL_SESSION_IDLE_MINUTES", "15"),
            ("PORTAL_SESSION_LIFETIME_MINUTES", "480"),
            ("PORTAL_SESSION_STORE", "memory"),
            ("PORTAL_DEMO_PASSWORD", " s3cret "),
            ("PORTAL_POLICY", "/etc/portal/policy.toml"),
        ]))
        .expect("valid");
        assert!(config.served_over_https());
        assert_eq!(
            config.public_url.as_deref(),
            Some("https://portal.example.com")
        );
        assert_eq!(config.session_idle_timeout, Duration::from_secs(900));
        assert_eq!(config.session_lifetime, Duration::from_secs(480 * 60));
        assert_eq!(config.session_store, SessionStoreSetting::Memory);
        assert_eq!(config.demo_password, " s3cret ");
        assert_eq!(
            config.policy_file,
            Some(PathBuf::from("/etc/portal/policy.toml"))
        );
        assert!(!PortalConfig::default().served_over_https());
    }

    #[test]
    fn redis_settings() {
        let config = PortalConfig::from_vars(&vars(&[
            ("PORTAL_SESSION_STORE", "redis"),
            ("PORTAL_REDIS_URL", "redis://10.0.0.5:6379/2"),
            ("PORTAL_REDIS_PREFIX", "hr-portal:"),
        ]))
        .expect("valid");
        assert_eq!(config.session_store, SessionStoreSetting::Redis);
        assert_eq!(config.redis_url.as_deref(), Some("redis://10.0.0.5:6379/2"));
        assert_eq!(config.redis_prefix, "hr-portal:");
        let default = PortalConfig::default();
        assert_eq!(
            (default.redis_url, default.redis_prefix.as_str()),
            (None, DEFAULT_REDIS_PREFIX)
        );
    }

    #[test]
    fn bad_values_name_the_setting() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("PORTAL_DIRECTORY", "ldap")], "PORTAL_LDAP_URL"),
            (&[("PORTAL_DRAIN_SECONDS", "301")], "PORTAL_DRAIN_SECONDS"),
            (&[("PORTAL_LOG_FORMAT", "xml")], "PORTAL_LOG_FORMAT"),
            (&[("PORTAL_METRICS_ADDR", "9100")], "PORTAL_METRICS_ADDR"),
            (
                &[("PORTAL_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.0/40")],
                "PORTAL_TRUSTED_PROXIES",
            ),
            (&[("PORTAL_DIRECTORY", "endpoint")], "PORTAL_DIRECTORY"),
            (
                &[
                    ("PORTAL_DIRECTORY", "aws"),
                    ("PORTAL_WORKMAIL_ENDPOINT", "http://x"),
                ],
                "PORTAL_WORKMAIL_ENDPOINT",
            ),
            (
                &[("PORTAL_WORKMAIL_ENDPOINT", "localhost:4566")],
                "PORTAL_WORKMAIL_ENDPOINT",
            ),
            (
                &[("PORTAL_WORKMAIL_ENDPOINT", "http://")],
                "PORTAL_WORKMAIL_ENDPOINT",
            ),
            (
                &[("PORTAL_ORGANIZATION_ID", "m-123")],
                "PORTAL_ORGANIZATION_ID",
            ),
            (
                &[(
                    "PORTAL_ORGANIZATION_ID",
                    "m-0123456789ABCDEF0123456789ABCDEF",
                )],
                "PORTAL_ORGANIZATION_ID",
            ),
            (
                &[("PORTAL_DIRECTORY_TIMEOUT_MS", "soon")],
                "PORTAL_DIRECTORY_TIMEOUT_MS",
            ),
            (
                &[("PORTAL_DIRECTORY_TIMEOUT_MS", "0")],
                "PORTAL_DIRECTORY_TIMEOUT_MS",
            ),
            (
                &[("PORTAL_DIRECTORY_ATTEMPTS", "0")],
                "PORTAL_DIRECTORY_ATTEMPTS",
            ),
            (
                &[("PORTAL_DATABASE_URL", "mysql://db/portal")],
                "PORTAL_DATABASE_URL",
            ),
            (
                &[("PORTAL_PUBLIC_URL", "portal.example")],
                "PORTAL_PUBLIC_URL",
            ),
            (
                &[("PORTAL_SESSION_IDLE_MINUTES", "0")],
                "PORTAL_SESSION_IDLE_MINUTES",
            ),
            (
                &[
                    ("PORTAL_SESSION_IDLE_MINUTES", "60"),
                    ("PORTAL_SESSION_LIFETIME_MINUTES", "30"),
                ],
                "PORTAL_SESSION_LIFETIME_MINUTES",
            ),
            (&[("PORTAL_SESSION_STORE", "redis")], "PORTAL_SESSION_STORE"),
            (
                &[("PORTAL_REDIS_URL", "127.0.0.1:6379")],
                "PORTAL_REDIS_URL",
            ),
            (
                &[("PORTAL_AUDIT_HASHED_FIELDS", "Telephone,Salary")],
                "PORTAL_AUDIT_HASHED_FIELDS",
            ),
            (
                &[("PORTAL_AUDIT_REDACTED_FIELDS", "Email")],
                "PORTAL_AUDIT_REDACTED_FIELDS",
            ),
            (
                &[("PORTAL_AUDIT_RETENTION_DAYS", "0")],
                "PORTAL_AUDIT_RETENTION_DAYS",
            ),
            (
                &[("PORTAL_DIRECTORY_REFRESH_SECONDS", "1")],
                "PORTAL_DIRECTORY_REFRESH_SECONDS",
            ),
            (&[("PORTAL_DEMO_USERS", "lots")], "PORTAL_DEMO_USERS"),
        ];
        for (pairs, setting) in cases {
            let error = PortalConfig::from_vars(&vars(pairs)).expect_err("invalid");
            assert_eq!(error.setting, *setting, "{pairs:?}");
        }
    }
}
