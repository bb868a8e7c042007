//! The [`Directory`] port implemented with `aws-sdk-workmail` (real WorkMail, or the emulator
//! through an endpoint URL or in-process).

use super::error_mapping::map_sdk_error;
use app::domain::{
    Change, Field, FieldValues, GroupRef, MailboxUsage, Organization, Password, Timestamp,
    UserProfile, UserState, UserSummary, parse_flag,
};
use app::ports::{BoxFuture, Directory, DirectoryError, DirectoryErrorKind, UserListPage};
use aws_config::environment::{
    EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
};
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::{ProfileFileCredentialsProvider, ProfileFileRegionProvider};
use aws_sdk_workmail::Client;
use aws_sdk_workmail::config::retry::RetryConfig;
use aws_sdk_workmail::config::timeout::TimeoutConfig;
use aws_sdk_workmail::config::{BehaviorVersion, Credentials, Region, SharedHttpClient};
use aws_sdk_workmail::operation::describe_user::DescribeUserOutput;
use aws_sdk_workmail::primitives::DateTime;
use aws_sdk_workmail::types::{EntityState, ListGroupsFilters, UserRole};
use std::time::Duration;

/// How the SDK client reaches WorkMail.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    /// An endpoint URL instead of the regional AWS endpoint.
    pub endpoint: Option<String>,
    /// Fixed credentials (the embedded emulator); `None` uses the standard AWS chain.
    pub credentials: Option<(String, String)>,
    /// A fixed region; `None` uses the standard AWS chain, then `default_region`.
    pub region: Option<String>,
    pub default_region: String,
    /// The limit for one operation, retries included.
    pub timeout: Duration,
    /// Tries per operation (transient failures and throttling are retried with back-off).
    pub attempts: u32,
    /// The HTTP client, when not the SDK's default (the embedded emulator's in-process one).
    pub http_client: Option<SharedHttpClient>,
}

/// Builds the SDK client.
pub async fn build_client(settings: &ClientSettings) -> Client {
    let timeouts = TimeoutConfig::builder()
        .operation_timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(Duration::from_secs(3)))
        .build();
    let retries = RetryConfig::standard().with_max_attempts(settings.attempts);
    if let (Some((key, secret)), Some(region)) = (&settings.credentials, &settings.region) {
        // Fully specified (the embedded emulator): don't consult the environment at all.
        let mut config = aws_sdk_workmail::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.clone()))
            .credentials_provider(Credentials::new(
                key.clone(),
                secret.clone(),
                None,
                None,
                "workmail-portal",
            ))
            .timeout_config(timeouts)
            .retry_config(retries);
        if let Some(endpoint) = &settings.endpoint {
            config = config.endpoint_url(endpoint.clone());
        }
        if let Some(http_client) = &settings.http_client {
            config = config.http_client(http_client.clone());
        }
        return Client::from_conf(config.build());
    }
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(retries);
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    match &settings.endpoint {
        // The real service: the standard chains (environment, profile, SSO, container, IMDS).
        None => {
            loader = loader.region(
                RegionProviderChain::default_provider()
                    .or_else(Region::new(settings.default_region.clone())),
            );
        }
        // An endpoint (usually a local emulator): environment and profile only, so that the
        // portal never probes the instance metadata service for a loopback endpoint.
        Some(endpoint) => {
            loader = loader.endpoint_url(endpoint.clone());
            if settings.region.is_none() {
                loader = loader.region(
                    RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
                        .or_else(ProfileFileRegionProvider::new())
                        .or_else(Region::new(settings.default_region.clone())),
                );
            }
            if settings.credentials.is_none() {
                loader = loader.credentials_provider(
                    CredentialsProviderChain::first_try(
                        "environment",
                        EnvironmentVariableCredentialsProvider::new(),
                    )
                    .or_else("profile", ProfileFileCredentialsProvider::builder().build()),
                );
            }
        }
    }
    if let Some((key, secret)) = &settings.credentials {
        loader = loader.credentials_provider(Credentials::new(
            key.clone(),
            secret.clone(),
            None,
            None,
            "workmail-portal",
        ));
    }
    Client::new(&loader.load().await)
}

/// The WorkMail directory of one organization.
#[derive(Clone, Debug)]
pub struct WorkMailDirectory {
    client: Client,
    organization_id: String,
}

impl WorkMailDirectory {
    pub fn new(client: Client, organization_id: impl Into<String>) -> Self {
        Self {
            client,
            organization_id: organization_id.into(),
        }
    }

    /// The region the client calls.
    pub fn region(&self) -> Option<String> {
        self.client
            .config()
            .region()
            .map(|region| region.to_string())
    }
}

impl Directory for WorkMailDirectory {
    fn describe_user<'a>(
        &'a self,
        user: &'a str,
    ) -> BoxFuture<'a, Result<UserProfile, DirectoryError>> {
        Box::pin(async move {
            let output = self
                .client
                .describe_user()
                .organization_id(&self.organization_id)
                .user_id(user)
                .send()
                .await
                .map_err(map_sdk_error)?;
            profile_from(output)
        })
    }

    fn update_user<'a>(
        &'a self,
        user_id: &'a str,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(async move {
            let mut request = self
                .client
                .update_user()
                .organization_id(&self.organization_id)
                .user_id(user_id);
            for change in changes {
                let value = change.to.clone();
                request = match change.field {
                    Field::Role => request.role(UserRole::from(value.as_str())),
                    Field::HiddenFromGlobalAddressList => {
                        request.hidden_from_global_address_list(parse_flag(&value))
                    }
                    Field::DisplayName => request.display_name(value),
                    Field::FirstName => request.first_name(value),
                    Field::Initials => request.initials(value),
                    Field::LastName => request.last_name(value),
                    Field::JobTitle => request.job_title(value),
                    Field::Department => request.department(value),
                    Field::Company => request.company(value),
                    Field::Office => request.office(value),
                    Field::Telephone => request.telephone(value),
                    Field::Street => request.street(value),
                    Field::City => request.city(value),
                    Field::ZipCode => request.zip_code(value),
                    Field::Country => request.country(value),
                };
            }
            request.send().await.map_err(map_sdk_error)?;
            Ok(())
        })
    }

    fn list_users<'a>(
        &'a self,
        token: Option<&'a str>,
    ) -> BoxFuture<'a, Result<UserListPage, DirectoryError>> {
        Box::pin(async move {
            let output = self
                .client
                .list_users()
                .organization_id(&self.organization_id)
                .max_results(100)
                .set_next_token(token.map(str::to_owned))
                .send()
                .await
                .map_err(map_sdk_error)?;
            let users = output
                .users()
                .iter()
                .filter_map(|user| {
                    Some(UserSummary {
                        user_id: user.id()?.to_owned(),
                        name: user.name().unwrap_or_default().to_owned(),
                        display_name: user.display_name().unwrap_or_default().to_owned(),
                        email: user.email().map(str::to_owned),
                        state: user
                            .state()
                            .and_then(|s| UserState::from_api_name(s.as_str())),
                        role: user
                            .user_role()
                            .and_then(|r| app::domain::UserRole::from_api_name(r.as_str())),
                        department: None,
                    })
                })
                .collect();
            Ok(UserListPage {
                users,
                next: output.next_token().map(str::to_owned),
            })
        })
    }

    fn organization(&self) -> BoxFuture<'_, Result<Organization, DirectoryError>> {
        Box::pin(async move {
            let output = self
                .client
                .describe_organization()
                .organization_id(&self.organization_id)
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(Organization {
                id: output
                    .organization_id()
                    .unwrap_or(&self.organization_id)
                    .to_owned(),
                alias: output.alias().map(str::to_owned),
                state: output.state().map(str::to_owned),
                directory_type: output.directory_type().map(str::to_owned),
                default_mail_domain: output.default_mail_domain().map(str::to_owned),
            })
        })
    }

    fn reset_password<'a>(
        &'a self,
        user_id: &'a str,
        password: &'a Password,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(async move {
            self.client
                .reset_password()
                .organization_id(&self.organization_id)
                .user_id(user_id)
                .password(&password.0)
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(())
        })
    }

    fn aliases<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, DirectoryError>> {
        Box::pin(async move {
            let mut aliases = Vec::new();
            let mut token = None;
            loop {
                let page = self
                    .client
                    .list_aliases()
                    .organization_id(&self.organization_id)
                    .entity_id(user_id)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(map_sdk_error)?;
                aliases.extend(page.aliases().iter().cloned());
                token = page.next_token().map(str::to_owned);
                if token.is_none() {
                    return Ok(aliases);
                }
            }
        })
    }

    fn add_alias<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(async move {
            self.client
                .create_alias()
                .organization_id(&self.organization_id)
                .entity_id(user_id)
                .alias(address)
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(())
        })
    }

    fn remove_alias<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(async move {
            self.client
                .delete_alias()
                .organization_id(&self.organization_id)
                .entity_id(user_id)
                .alias(address)
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(())
        })
    }

    fn set_primary_address<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(async move {
            self.client
                .update_primary_email_address()
                .organization_id(&self.organization_id)
                .entity_id(user_id)
                .email(address)
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(())
        })
    }

    fn groups_of<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<GroupRef>, DirectoryError>> {
        Box::pin(async move {
            let mut groups = Vec::new();
            let mut token = None;
            loop {
                let page = self
                    .client
                    .list_groups_for_entity()
                    .organization_id(&self.organization_id)
                    .entity_id(user_id)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(map_sdk_error)?;
                groups.extend(page.groups().iter().filter_map(|group| {
                    Some(GroupRef {
                        id: group.group_id()?.to_owned(),
                        name: group.group_name().unwrap_or_default().to_owned(),
                    })
                }));
                token = page.next_token().map(str::to_owned);
                if token.is_none() {
                    groups.sort_by_key(|group| group.name.to_lowercase());
                    return Ok(groups);
                }
            }
        })
    }

    fn find_groups<'a>(
        &'a self,
        prefix: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<GroupRef>, DirectoryError>> {
        Box::pin(async move {
            let mut filters = ListGroupsFilters::builder().state(EntityState::Enabled);
            if !prefix.is_empty() {
                filters = filters.name_prefix(prefix);
            }
            let page = self
                .client
                .list_groups()
                .organization_id(&self.organization_id)
                .filters(filters.build())
                .max_results(i32::try_from(limit.clamp(1, 100)).unwrap_or(100))
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(page
                .groups()
                .iter()
                .filter_map(|group| {
                    Some(GroupRef {
                        id: group.id()?.to_owned(),
                        name: group.name().unwrap_or_default().to_owned(),
                    })
                })
                .collect())
        })
    }

    fn add_to_group<'a>(
        &'a self,
        group_id: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(async move {
            self.client
                .associate_member_to_group()
                .organization_id(&self.organization_id)
                .group_id(group_id)
                .member_id(user_id)
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(())
        })
    }

    fn remove_from_group<'a>(
        &'a self,
        group_id: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(async move {
            self.client
                .disassociate_member_from_group()
                .organization_id(&self.organization_id)
                .group_id(group_id)
                .member_id(user_id)
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(())
        })
    }

    fn mailbox<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<MailboxUsage, DirectoryError>> {
        Box::pin(async move {
            let output = self
                .client
                .get_mailbox_details()
                .organization_id(&self.organization_id)
                .user_id(user_id)
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(MailboxUsage {
                quota_mb: output
                    .mailbox_quota()
                    .and_then(|quota| u32::try_from(quota).ok())
                    .unwrap_or_default(),
                size_mb: output.mailbox_size(),
            })
        })
    }

    fn set_mailbox_quota<'a>(
        &'a self,
        user_id: &'a str,
        quota_mb: u32,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(async move {
            let quota = i32::try_from(quota_mb).map_err(|_| {
                DirectoryError::new(DirectoryErrorKind::InvalidParameter, "quota out of range")
            })?;
            self.client
                .update_mailbox_quota()
                .organization_id(&self.organization_id)
                .user_id(user_id)
                .mailbox_quota(quota)
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(())
        })
    }

    fn enable_user<'a>(
        &'a self,
        user_id: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(async move {
            self.client
                .register_to_work_mail()
                .organization_id(&self.organization_id)
                .entity_id(user_id)
                .email(address)
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(())
        })
    }

    fn disable_user<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(async move {
            self.client
                .deregister_from_work_mail()
                .organization_id(&self.organization_id)
                .entity_id(user_id)
                .send()
                .await
                .map_err(map_sdk_error)?;
            Ok(())
        })
    }
}

/// Maps DescribeUser's output; absent attributes read as empty.
fn profile_from(output: DescribeUserOutput) -> Result<UserProfile, DirectoryError> {
    let user_id = output.user_id().map(str::to_owned).ok_or_else(|| {
        DirectoryError::new(
            DirectoryErrorKind::Unexpected,
            "DescribeUser answered without a UserId",
        )
    })?;
    let text = |value: Option<&str>| value.unwrap_or_default().to_owned();
    let values = FieldValues::new()
        .with(
            Field::Role,
            output.user_role().map(UserRole::as_str).unwrap_or_default(),
        )
        .with(
            Field::HiddenFromGlobalAddressList,
            app::domain::flag_text(output.hidden_from_global_address_list()),
        )
        .with(Field::DisplayName, text(output.display_name()))
        .with(Field::FirstName, text(output.first_name()))
        .with(Field::Initials, text(output.initials()))
        .with(Field::LastName, text(output.last_name()))
        .with(Field::JobTitle, text(output.job_title()))
        .with(Field::Department, text(output.department()))
        .with(Field::Company, text(output.company()))
        .with(Field::Office, text(output.office()))
        .with(Field::Telephone, text(output.telephone()))
        .with(Field::Street, text(output.street()))
        .with(Field::City, text(output.city()))
        .with(Field::ZipCode, text(output.zip_code()))
        .with(Field::Country, text(output.country()));
    let date = |value: Option<&DateTime>| value.map(|d| Timestamp(d.secs()));
    Ok(UserProfile {
        user_id,
        name: output.name().map(str::to_owned),
        email: output.email().map(str::to_owned),
        state: output
            .state()
            .and_then(|s| UserState::from_api_name(s.as_str())),
        enabled_date: date(output.enabled_date()),
        disabled_date: date(output.disabled_date()),
        mailbox_provisioned_date: date(output.mailbox_provisioned_date()),
        mailbox_deprovisioned_date: date(output.mailbox_deprovisioned_date()),
        identity_provider_user_id: output.identity_provider_user_id().map(str::to_owned),
        identity_provider_identity_store_id: output
            .identity_provider_identity_store_id()
            .map(str::to_owned),
        values,
    })
}
