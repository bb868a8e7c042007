//! The single sign-on settings (`PORTAL_OIDC_*`, `PORTAL_LOCAL_SIGNIN`), read with the rest of
//! the configuration and checked at start-up; a bad value names its setting.

use crate::config::{ConfigError, invalid, secret_setting};
use std::fmt;

/// How the portal signs people in through an OpenID Provider.
#[derive(Clone, PartialEq, Eq)]
pub struct SsoSettings {
    /// `PORTAL_OIDC_ISSUER`: the provider's issuer URL; discovery reads
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// `PORTAL_OIDC_CLIENT_ID`.
    pub client_id: String,
    /// `PORTAL_OIDC_CLIENT_SECRET`, or the first line of `PORTAL_OIDC_CLIENT_SECRET_FILE`.
    pub client_secret: String,
    /// `PORTAL_OIDC_NAME`: the provider's name on the sign-in button.
    pub name: String,
    /// `PORTAL_OIDC_SCOPES`: what the portal asks for (`openid` is always among them).
    pub scopes: Vec<String>,
    /// `PORTAL_OIDC_ROLES_CLAIM`: the claim whose values map to roles.
    pub roles_claim: String,
    /// `PORTAL_OIDC_ROLES`: claim value → portal role, in the order given.
    pub role_map: Vec<(String, String)>,
    /// `PORTAL_OIDC_DEFAULT_ROLE`: the role of someone no mapped value names; `None` (`none`)
    /// refuses them.
    pub default_role: Option<String>,
    /// `PORTAL_PUBLIC_URL` + `/auth/oidc/callback`.
    pub redirect_url: String,
    /// `PORTAL_PUBLIC_URL` + `/login`: where the provider sends people back after sign-out.
    pub post_logout_url: String,
}

/// Never prints the client secret.
impl fmt::Debug for SsoSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"(hidden)")
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .field("roles_claim", &self.roles_claim)
            .field("role_map", &self.role_map)
            .field("default_role", &self.default_role)
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

impl SsoSettings {
    /// The SSO settings when `PORTAL_OIDC_ISSUER` is set; `get` reads a trimmed, non-empty
    /// variable. `public_url` is `PORTAL_PUBLIC_URL` without its trailing slash.
    pub fn from_vars(
        get: &dyn Fn(&str) -> Option<String>,
        public_url: Option<&str>,
    ) -> Result<Option<Self>, ConfigError> {
        let Some(issuer) = get("PORTAL_OIDC_ISSUER") else {
            for other in [
                "PORTAL_OIDC_CLIENT_ID",
                "PORTAL_OIDC_CLIENT_SECRET",
                "PORTAL_OIDC_CLIENT_SECRET_FILE",
                "PORTAL_OIDC_ROLES",
            ] {
                if get(other).is_some() {
                    return Err(invalid(
                        "PORTAL_OIDC_ISSUER",
                        format!("{other} is set, but single sign-on needs the issuer URL too"),
                    ));
                }
            }
            return Ok(None);
        };
        // Kept exactly: discovery compares it with the provider's own, and some end in `/`.
        let local_issuer = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|prefix| issuer.starts_with(prefix));
        if !issuer.starts_with("https://") && !local_issuer {
            return Err(invalid(
                "PORTAL_OIDC_ISSUER",
                format!("`{issuer}` is not an https:// URL (plain http only on this machine)"),
            ));
        }
        let public_url = public_url.ok_or_else(|| {
            invalid(
                "PORTAL_PUBLIC_URL",
                "single sign-on needs the portal's public address (the provider sends people \
                 back to PORTAL_PUBLIC_URL/auth/oidc/callback)",
            )
        })?;
        let client_id = get("PORTAL_OIDC_CLIENT_ID").ok_or_else(|| {
            invalid(
                "PORTAL_OIDC_CLIENT_ID",
                "single sign-on needs the client id the provider gave the portal",
            )
        })?;
        let client_secret = secret_setting(
            get,
            "PORTAL_OIDC_CLIENT_SECRET",
            "PORTAL_OIDC_CLIENT_SECRET_FILE",
        )?
        .ok_or_else(|| {
            invalid(
                "PORTAL_OIDC_CLIENT_SECRET",
                "single sign-on needs the client secret (or PORTAL_OIDC_CLIENT_SECRET_FILE)",
            )
        })?;
        let mut scopes: Vec<String> = get("PORTAL_OIDC_SCOPES")
            .unwrap_or_else(|| "openid email profile".to_owned())
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if !scopes.iter().any(|s| s == "openid") {
            scopes.insert(0, "openid".to_owned());
        }
        let role_map = match get("PORTAL_OIDC_ROLES") {
            Some(list) => parse_role_map(&list).map_err(|e| invalid("PORTAL_OIDC_ROLES", e))?,
            None => Vec::new(),
        };
        let default_role = match get("PORTAL_OIDC_DEFAULT_ROLE").as_deref() {
            None => Some("employee".to_owned()),
            Some("none") => None,
            Some(role) => Some(role.to_owned()),
        };
        Ok(Some(SsoSettings {
            issuer,
            client_id,
            client_secret,
            name: get("PORTAL_OIDC_NAME").unwrap_or_else(|| "single sign-on".to_owned()),
            scopes,
            roles_claim: get("PORTAL_OIDC_ROLES_CLAIM").unwrap_or_else(|| "groups".to_owned()),
            role_map,
            default_role,
            redirect_url: format!("{public_url}{}", app::routes::SSO_CALLBACK_PATH),
            post_logout_url: format!("{public_url}{}", app::routes::LOGIN_PATH),
        }))
    }

    /// The portal roles of someone whose roles claim holds `values`: every mapped role (in
    /// the mapping's order, once each), else the default role; `None` when that is `none`.
    pub fn roles_for(&self, values: &[String]) -> Option<Vec<String>> {
        let mut roles: Vec<String> = Vec::new();
        for (value, role) in &self.role_map {
            if values.contains(value) && !roles.contains(role) {
                roles.push(role.clone());
            }
        }
        if roles.is_empty() {
            roles.extend(self.default_role.clone());
        }
        (!roles.is_empty()).then_some(roles)
    }

    /// Every role these settings can give, for the start-up check against the policy: the
    /// setting that names it, and the role.
    pub fn roles_named(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.role_map
            .iter()
            .map(|(_, role)| ("PORTAL_OIDC_ROLES", role.as_str()))
            .chain(
                self.default_role
                    .iter()
                    .map(|role| ("PORTAL_OIDC_DEFAULT_ROLE", role.as_str())),
            )
    }
}

/// `value=role,value=role`: a claim value may map to several roles (repeat it); a value holds
/// no `=` or `,`.
fn parse_role_map(list: &str) -> Result<Vec<(String, String)>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| match item.split_once('=') {
            Some((value, role)) if !value.trim().is_empty() && !role.trim().is_empty() => {
                Ok((value.trim().to_owned(), role.trim().to_owned()))
            }
            _ => Err(format!(
                "`{item}` is not `claim-value=role` (e.g. portal-admins=admin,portal-hr=hr)"
            )),
        })
        .collect()
}

/// The first line of a secret file (a mounted Kubernetes or Docker secret).
#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Option<SsoSettings>, ConfigError> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        SsoSettings::from_vars(
            &|key| vars.get(key).cloned(),
            Some("https://portal.example.com"),
        )
    }

    const MINIMAL: [(&str, &str); 3] = [
        (
            "PORTAL_OIDC_ISSUER",
            "https://login.example.com/realms/acme/",
        ),
        ("PORTAL_OIDC_CLIENT_ID", "portal"),
        ("PORTAL_OIDC_CLIENT_SECRET", "s3cret"),
    ];

    #[test]
    fn no_issuer_is_no_single_sign_on() {
        assert_eq!(settings(&[]), Ok(None));
        let stray = settings(&[("PORTAL_OIDC_CLIENT_ID", "portal")]).expect_err("refused");
        assert_eq!(stray.setting, "PORTAL_OIDC_ISSUER");
    }

    #[test]
    fn defaults_and_the_callback_under_the_public_url() {
        let sso = settings(&MINIMAL).expect("valid").expect("on");
        assert_eq!(sso.issuer, "https://login.example.com/realms/acme/");
        assert_eq!(
            sso.redirect_url,
            "https://portal.example.com/auth/oidc/callback"
        );
        assert_eq!(sso.post_logout_url, "https://portal.example.com/login");
        assert_eq!(sso.name, "single sign-on");
        assert_eq!(sso.scopes, ["openid", "email", "profile"]);
        assert_eq!(sso.roles_claim, "groups");
        assert_eq!(sso.default_role.as_deref(), Some("employee"));
        assert!(sso.role_map.is_empty());
        assert!(!format!("{sso:?}").contains("s3cret"), "{sso:?}");
    }

    #[test]
    fn roles_map_claim_values_and_none_refuses_the_unmapped() {
        let mut vars = MINIMAL.to_vec();
        vars.push(("PORTAL_OIDC_ROLES", "portal-admins=admin, portal-hr=hr,"));
        vars.push(("PORTAL_OIDC_DEFAULT_ROLE", "none"));
        vars.push(("PORTAL_OIDC_SCOPES", "email groups"));
        let sso = settings(&vars).expect("valid").expect("on");
        assert_eq!(
            sso.role_map,
            [
                ("portal-admins".to_owned(), "admin".to_owned()),
                ("portal-hr".to_owned(), "hr".to_owned())
            ]
        );
        assert_eq!(sso.default_role, None);
        assert_eq!(sso.scopes, ["openid", "email", "groups"]);
    }

    #[test]
    fn claim_values_map_to_roles_or_the_default() {
        let mut vars = MINIMAL.to_vec();
        vars.push((
            "PORTAL_OIDC_ROLES",
            "portal-admins=admin,portal-hr=hr,it=helpdesk,it=admin",
        ));
        let sso = settings(&vars).expect("valid").expect("on");
        let values = |list: &[&str]| list.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            sso.roles_for(&values(&["portal-hr", "staff"])),
            Some(vec!["hr".to_owned()])
        );
        assert_eq!(
            sso.roles_for(&values(&["it", "portal-admins"])),
            Some(vec!["admin".to_owned(), "helpdesk".to_owned()])
        );
        assert_eq!(
            sso.roles_for(&values(&["staff"])),
            Some(vec!["employee".to_owned()])
        );
        let strict = SsoSettings {
            default_role: None,
            ..sso
        };
        assert_eq!(strict.roles_for(&values(&["staff"])), None);
        assert_eq!(strict.roles_for(&[]), None);
    }

    #[test]
    fn bad_values_name_their_setting() {
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut vars: Vec<(&str, &str)> = MINIMAL.to_vec();
            vars.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
            vars.extend(extra.iter().filter(|(_, v)| !v.is_empty()));
            settings(&vars).expect_err("refused").setting
        };
        assert_eq!(
            with(&[("PORTAL_OIDC_ISSUER", "http://login.example.com")]),
            "PORTAL_OIDC_ISSUER"
        );
        assert_eq!(
            with(&[("PORTAL_OIDC_CLIENT_ID", "")]),
            "PORTAL_OIDC_CLIENT_ID"
        );
        assert_eq!(
            with(&[("PORTAL_OIDC_CLIENT_SECRET", "")]),
            "PORTAL_OIDC_CLIENT_SECRET"
        );
        assert_eq!(
            with(&[("PORTAL_OIDC_CLIENT_SECRET_FILE", "/nonexistent/secret")]),
            "PORTAL_OIDC_CLIENT_SECRET_FILE"
        );
        assert_eq!(
            with(&[("PORTAL_OIDC_ROLES", "portal-admins")]),
            "PORTAL_OIDC_ROLES"
        );
        let no_public_url = SsoSettings::from_vars(
            &|key| {
                MINIMAL
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| (*v).to_owned())
            },
            None,
        )
        .expect_err("refused");
        assert_eq!(no_public_url.setting, "PORTAL_PUBLIC_URL");
    }

    #[test]
    fn the_secret_file_gives_its_first_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("secret");
        std::fs::write(&path, "from-a-file\n").expect("written");
        let path = path.display().to_string();
        let sso = SsoSettings::from_vars(
            &|key| match key {
                "PORTAL_OIDC_CLIENT_SECRET_FILE" => Some(path.clone()),
                "PORTAL_OIDC_CLIENT_SECRET" => None,
                _ => MINIMAL
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| (*v).to_owned()),
            },
            Some("https://portal.example.com"),
        )
        .expect("valid")
        .expect("on");
        assert_eq!(sso.client_secret, "from-a-file");
    }
}
