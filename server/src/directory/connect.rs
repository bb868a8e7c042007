//! Connecting to the configured directory: the embedded emulator, an endpoint, or AWS; and
//! the check at start-up that it answers for the configured organization.

use super::ldap::{LdapDirectory, LdapSettings};
use super::{ClientSettings, WorkMailDirectory};
use crate::StartError;
use crate::config::{DirectorySetting, PortalConfig};
use app::ports::{Directory, DirectoryErrorKind};
use std::sync::Arc;
use workmail_emulator::{EmulatorConfig, RunningEmulator, Seed};

/// Starts the embedded emulator when configured, and says how the SDK client connects.
async fn connect_settings(
    config: &PortalConfig,
) -> Result<(Option<RunningEmulator>, ClientSettings), StartError> {
    let base = ClientSettings {
        endpoint: None,
        credentials: None,
        region: None,
        default_region: config.default_region.clone(),
        timeout: config.directory_timeout,
        attempts: config.directory_attempts,
        http_client: None,
    };
    match &config.directory {
        DirectorySetting::Embedded => {
            let data_dir = config.data_dir.display().to_string();
            crate::start::create_data_dir(config)?;
            let emulator_config = EmulatorConfig {
                db: Some(config.data_dir.join("workmail-emulator.sqlite3")),
                seed: Some(Seed::Demo),
                demo_users: config.demo_users,
                ..EmulatorConfig::default()
            };
            let settings = ClientSettings {
                endpoint: None,
                credentials: Some((
                    emulator_config.access_key_id.clone(),
                    emulator_config.secret_access_key.clone(),
                )),
                region: Some(emulator_config.region.clone()),
                ..base
            };
            let emulator = RunningEmulator::start(emulator_config)
                .await
                .map_err(|source| StartError::Emulator { data_dir, source })?;
            tracing::info!(url = emulator.url(), "embedded WorkMail emulator started");
            // The portal's own requests skip the loopback socket; the listener stays for the
            // AWS CLI and other tools.
            let settings = ClientSettings {
                endpoint: Some(emulator.url().to_owned()),
                http_client: Some(super::in_process::http_client(emulator.service())),
                ..settings
            };
            Ok((Some(emulator), settings))
        }
        DirectorySetting::Endpoint(url) => Ok((
            None,
            ClientSettings {
                endpoint: Some(url.clone()),
                credentials: config.endpoint_credentials.clone(),
                ..base
            },
        )),
        // Not reached: `connect` opens an LDAP directory without the SDK.
        DirectorySetting::Aws | DirectorySetting::Ldap(_) => Ok((None, base)),
    }
}

/// Connects to the configured directory (starting the embedded emulator when configured) and
/// checks that it answers for the organization.
pub async fn connect(
    config: &PortalConfig,
) -> Result<(Option<RunningEmulator>, Arc<dyn Directory>), StartError> {
    if let DirectorySetting::Ldap(settings) = &config.directory {
        let directory = LdapDirectory::new((**settings).clone(), config.directory_timeout);
        check_ldap(settings, &directory).await?;
        return Ok((None, Arc::new(directory)));
    }
    let (emulator, settings) = connect_settings(config).await?;
    let client = super::build_client(&settings).await;
    let directory = WorkMailDirectory::new(client, config.organization_id.clone());
    check_directory(config, &directory).await?;
    Ok((emulator, Arc::new(directory)))
}

/// Binds and reads the users' DN once, naming the setting to fix when that fails.
async fn check_ldap(settings: &LdapSettings, directory: &LdapDirectory) -> Result<(), StartError> {
    let error = match directory.organization().await {
        Ok(_) => {
            tracing::info!(url = %settings.url, users = %settings.users_dn, "directory ready: LDAP");
            return Ok(());
        }
        Err(error) => error,
    };
    let url = &settings.url;
    let reason = match error.kind {
        DirectoryErrorKind::AuthenticationFailed => format!(
            "PORTAL_LDAP_BIND_DN / PORTAL_LDAP_BIND_PASSWORD: {url} refused the portal's bind as {}",
            settings.bind_dn
        ),
        DirectoryErrorKind::UserNotFound => format!(
            "PORTAL_LDAP_USERS_DN: {} does not exist on {url}",
            settings.users_dn
        ),
        DirectoryErrorKind::Forbidden => format!(
            "PORTAL_LDAP_BIND_DN: {} may not read {} on {url}",
            settings.bind_dn, settings.users_dn
        ),
        _ => format!("PORTAL_LDAP_URL: cannot reach the LDAP directory at {url}"),
    };
    Err(StartError::Directory(format!(
        "{reason}\n  detail: {}",
        error.detail
    )))
}

/// Reads the organization once, so that a wrong or unreachable directory stops start-up with
/// a message naming the setting instead of failing every page later.
async fn check_directory(
    config: &PortalConfig,
    directory: &WorkMailDirectory,
) -> Result<(), StartError> {
    let target = match &config.directory {
        DirectorySetting::Embedded => "the embedded WorkMail emulator".to_owned(),
        DirectorySetting::Endpoint(url) => {
            format!("the WorkMail API at {url} (PORTAL_WORKMAIL_ENDPOINT)")
        }
        DirectorySetting::Aws => "Amazon WorkMail (PORTAL_DIRECTORY=aws)".to_owned(),
        DirectorySetting::Ldap(settings) => format!("the LDAP directory at {}", settings.url),
    };
    let org = &config.organization_id;
    match directory.organization().await {
        Ok(summary) => {
            let state = summary.state.as_deref().unwrap_or("unknown");
            if !state.eq_ignore_ascii_case("active") {
                tracing::warn!(organization = %org, state, "the WorkMail organization is not active");
            }
            tracing::info!(
                organization = %org,
                alias = summary.alias.as_deref().unwrap_or("-"),
                domain = summary.default_mail_domain.as_deref().unwrap_or("-"),
                state,
                "directory ready: {target}"
            );
            Ok(())
        }
        Err(error) => {
            let reason = match error.kind {
                DirectoryErrorKind::OrganizationNotFound | DirectoryErrorKind::InvalidParameter => {
                    format!("PORTAL_ORGANIZATION_ID: organization {org} was not found in {target}")
                }
                DirectoryErrorKind::AuthenticationFailed => format!(
                    "AWS credentials: {target} refused the portal's credentials \
                     (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE)"
                ),
                DirectoryErrorKind::NoCredentials => match &config.directory {
                    DirectorySetting::Aws => format!(
                        "AWS credentials: none found for {target}. The standard chain tried \
                         the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), the \
                         profile (AWS_PROFILE, ~/.aws/credentials), web identity \
                         (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container and the EC2 instance \
                         metadata; give the portal one of them"
                    ),
                    _ => format!(
                        "AWS credentials: none found for {target} (set AWS_ACCESS_KEY_ID and \
                         AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
                    ),
                },
                DirectoryErrorKind::Unreachable | DirectoryErrorKind::Timeout => {
                    let failed = if error.kind == DirectoryErrorKind::Timeout {
                        "did not answer in time"
                    } else {
                        "cannot be reached"
                    };
                    match &config.directory {
                        DirectorySetting::Aws => {
                            let region = directory.region().unwrap_or_default();
                            let from = if std::env::var_os("AWS_REGION").is_some() {
                                "AWS_REGION".to_owned()
                            } else {
                                format!("AWS_REGION is not set; the portal called {region}")
                            };
                            format!(
                                "{target} in {region} {failed}; check the network and the \
                                 region ({from})"
                            )
                        }
                        _ => format!("PORTAL_WORKMAIL_ENDPOINT: {target} {failed}"),
                    }
                }
                _ => format!(
                    "PORTAL_DIRECTORY: {target} did not answer DescribeOrganization for {org}"
                ),
            };
            Err(StartError::Directory(format!(
                "{reason}\n  detail: {}",
                error.detail
            )))
        }
    }
}
