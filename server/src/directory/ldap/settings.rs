//! `PORTAL_DIRECTORY=ldap`: where the LDAP directory is, how the portal binds to it, where the
//! users are, and the attribute mapping.

use super::mapping::AttributeMap;
use crate::config::{ConfigError, invalid, secret_setting};
use std::fmt;
use std::path::Path;

/// How the portal reaches an LDAP directory.
#[derive(Clone, PartialEq, Eq)]
pub struct LdapSettings {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    pub url: String,
    /// Whether an `ldap://` connection is upgraded with StartTLS (always, except to this
    /// machine or with `PORTAL_LDAP_ALLOW_PLAINTEXT=true`).
    pub starttls: bool,
    pub bind_dn: String,
    pub bind_password: String,
    /// Where the users are (searched with subtree scope).
    pub users_dn: String,
    pub mapping: AttributeMap,
    /// The certificate authorities to trust instead of the system's (PEM).
    pub ca_file: Option<std::path::PathBuf>,
}

impl fmt::Debug for LdapSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LdapSettings")
            .field("url", &self.url)
            .field("starttls", &self.starttls)
            .field("bind_dn", &self.bind_dn)
            .field("bind_password", &"(hidden)")
            .field("users_dn", &self.users_dn)
            .field("mapping", &self.mapping)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl LdapSettings {
    /// Reads the `PORTAL_LDAP_*` settings; `get` gives a trimmed, non-empty variable.
    pub fn from_vars(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str, what: &str| {
            get(name).ok_or_else(|| invalid(name, format!("PORTAL_DIRECTORY=ldap needs {what}")))
        };
        let url = required(
            "PORTAL_LDAP_URL",
            "the server's URL (ldaps://host or ldap://host)",
        )?;
        let allow_plaintext = match get("PORTAL_LDAP_ALLOW_PLAINTEXT").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(invalid(
                    "PORTAL_LDAP_ALLOW_PLAINTEXT",
                    format!("`{other}` is neither true nor false"),
                ));
            }
        };
        let starttls = if let Some(rest) = url.strip_prefix("ldap://") {
            !(allow_plaintext || is_loopback(rest))
        } else if url.starts_with("ldaps://") {
            false
        } else {
            return Err(invalid(
                "PORTAL_LDAP_URL",
                format!("`{url}` is neither an ldaps:// nor an ldap:// URL"),
            ));
        };
        let bind_dn = required("PORTAL_LDAP_BIND_DN", "the DN the portal binds as")?;
        let bind_password = secret_setting(
            get,
            "PORTAL_LDAP_BIND_PASSWORD",
            "PORTAL_LDAP_BIND_PASSWORD_FILE",
        )?
        .ok_or_else(|| {
            invalid(
                "PORTAL_LDAP_BIND_PASSWORD",
                "PORTAL_DIRECTORY=ldap needs the bind password (or PORTAL_LDAP_BIND_PASSWORD_FILE)",
            )
        })?;
        let users_dn = required("PORTAL_LDAP_USERS_DN", "the DN the users are under")?;
        app::domain::check_base_dn(&users_dn)
            .map_err(|problem| invalid("PORTAL_LDAP_USERS_DN", problem))?;
        let mapping = match get("PORTAL_LDAP_MAPPING") {
            Some(path) => AttributeMap::load(Path::new(&path))
                .map_err(|problem| invalid("PORTAL_LDAP_MAPPING", problem))?,
            None => AttributeMap::default(),
        };
        let ca_file = get("PORTAL_LDAP_CA_FILE").map(std::path::PathBuf::from);
        if let Some(path) = &ca_file {
            super::tls::client_config(Some(path))
                .map_err(|problem| invalid("PORTAL_LDAP_CA_FILE", problem))?;
        }
        Ok(Self {
            url,
            starttls,
            bind_dn,
            bind_password,
            users_dn,
            mapping,
            ca_file,
        })
    }
}

/// Whether the host of `host[:port][/…]` is this machine.
fn is_loopback(rest: &str) -> bool {
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<LdapSettings, ConfigError> {
        let vars: HashMap<&str, &str> = pairs.iter().copied().collect();
        LdapSettings::from_vars(&|name| vars.get(name).map(|v| (*v).to_owned()))
    }

    const BASE: [(&str, &str); 4] = [
        ("PORTAL_LDAP_URL", "ldap://127.0.0.1:3890"),
        ("PORTAL_LDAP_BIND_DN", "cn=admin,dc=example,dc=com"),
        ("PORTAL_LDAP_BIND_PASSWORD", "secret"),
        ("PORTAL_LDAP_USERS_DN", "ou=people,dc=example,dc=com"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut pairs: Vec<_> = BASE
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
            .copied()
            .collect();
        pairs.extend(extra.iter().copied().filter(|(_, v)| !v.is_empty()));
        pairs
    }

    #[test]
    fn plain_ldap_only_to_this_machine_unless_allowed() {
        assert!(!settings(&BASE).expect("valid").starttls);
        let remote = with(&[("PORTAL_LDAP_URL", "ldap://ldap.example.com")]);
        assert!(settings(&remote).expect("valid").starttls);
        let allowed = with(&[
            ("PORTAL_LDAP_URL", "ldap://ldap.example.com"),
            ("PORTAL_LDAP_ALLOW_PLAINTEXT", "true"),
        ]);
        assert!(!settings(&allowed).expect("valid").starttls);
        let tls = with(&[("PORTAL_LDAP_URL", "ldaps://ldap.example.com")]);
        assert!(!settings(&tls).expect("valid").starttls);
        assert!(is_loopback("[::1]:389") && is_loopback("localhost") && !is_loopback("10.0.0.1"));
    }

    #[test]
    fn each_mistake_names_its_setting() {
        let setting = |pairs: Vec<(&'static str, &'static str)>| {
            settings(&pairs).expect_err("refused").setting
        };
        assert_eq!(
            setting(with(&[("PORTAL_LDAP_URL", "http://x")])),
            "PORTAL_LDAP_URL"
        );
        assert_eq!(setting(with(&[("PORTAL_LDAP_URL", "")])), "PORTAL_LDAP_URL");
        assert_eq!(
            setting(with(&[("PORTAL_LDAP_BIND_PASSWORD", "")])),
            "PORTAL_LDAP_BIND_PASSWORD"
        );
        assert_eq!(
            setting(with(&[("PORTAL_LDAP_USERS_DN", "people")])),
            "PORTAL_LDAP_USERS_DN"
        );
        assert_eq!(
            setting(with(&[("PORTAL_LDAP_ALLOW_PLAINTEXT", "yes")])),
            "PORTAL_LDAP_ALLOW_PLAINTEXT"
        );
        assert_eq!(
            setting(with(&[("PORTAL_LDAP_MAPPING", "/nonexistent.toml")])),
            "PORTAL_LDAP_MAPPING"
        );
        assert_eq!(
            setting(with(&[("PORTAL_LDAP_CA_FILE", "/nonexistent.pem")])),
            "PORTAL_LDAP_CA_FILE"
        );
    }

    #[test]
    fn the_password_never_shows_in_debug_output() {
        let shown = format!("{:?}", settings(&BASE).expect("valid"));
        assert!(!shown.contains("secret") && shown.contains("(hidden)"));
    }
}
