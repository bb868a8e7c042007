//! Organizations: DescribeOrganization and CreateOrganization, and inserting organizations
//! and their mail domains (which seeding uses too).

use rusqlite::{Connection, params};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Context, now};
use crate::api_error::{ApiError, ErrorKind};
use crate::store;
use crate::validation as check;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct OrganizationIdInput {
    organization_id: Option<String>,
}

pub(super) async fn describe_organization(
    context: &Context<'_>,
    input: OrganizationIdInput,
) -> Result<Value, ApiError> {
    let organization_id = check::required("OrganizationId", input.organization_id)?;
    check::organization_id("OrganizationId", &organization_id)?;
    let region = context.region.to_owned();
    context
        .store
        .read(move |connection| {
            let organization =
                store::organization(connection, &organization_id)?.ok_or_else(|| {
                    ApiError::new(
                        ErrorKind::OrganizationNotFound,
                        format!("There is no organization {organization_id}."),
                    )
                })?;
            Ok(json!({
                "OrganizationId": organization.id,
                "Alias": organization.alias,
                "State": organization.state,
                "DirectoryId": organization.directory_id,
                "DirectoryType": organization.directory_type,
                "DefaultMailDomain": organization.default_mail_domain,
                "CompletedDate": organization.completed_date,
                "ARN": organization.arn(&region),
                "InteroperabilityEnabled": false,
            }))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DomainInput {
    domain_name: Option<String>,
    #[expect(
        dead_code,
        reason = "accepted as the model allows; Route 53 is not emulated"
    )]
    hosted_zone_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CreateOrganizationInput {
    alias: Option<String>,
    directory_id: Option<String>,
    client_token: Option<String>,
    domains: Option<Vec<DomainInput>>,
    kms_key_arn: Option<String>,
    #[expect(
        dead_code,
        reason = "accepted as the model allows; interoperability with Exchange is not emulated \
                  (DescribeOrganization reports it off)"
    )]
    enable_interoperability: Option<bool>,
}

/// How many organizations one emulator holds, as an account limit would.
const MAX_ORGANIZATIONS: i64 = 100;

pub(super) async fn create_organization(
    context: &Context<'_>,
    input: CreateOrganizationInput,
) -> Result<Value, ApiError> {
    let alias = check::required("Alias", input.alias)?;
    check::organization_name("Alias", &alias)?;
    if let Some(directory_id) = &input.directory_id {
        check::directory_id("DirectoryId", directory_id)?;
    }
    if let Some(token) = &input.client_token {
        check::client_token("ClientToken", token)?;
    }
    if let Some(arn) = &input.kms_key_arn
        && (arn.is_empty() || arn.len() > 2048)
    {
        return Err(ApiError::invalid(
            "KmsKeyArn must be 1 to 2048 characters long.",
        ));
    }
    let mut domains = Vec::new();
    for domain in input.domains.unwrap_or_default() {
        let name = check::required("Domains.DomainName", domain.domain_name)?;
        check::domain_name("Domains.DomainName", &name)?;
        domains.push(name);
    }
    if domains.len() > 5 {
        return Err(ApiError::invalid("Domains may list at most 5 domains."));
    }
    let organization_id = format!("m-{}", uuid::Uuid::new_v4().simple());
    let default_domain = format!("{}.awsapps.com", alias.to_ascii_lowercase());
    context
        .store
        .write(move |connection| {
            if let Some(token) = &input.client_token
                && let Some(existing) = connection
                    .prepare_cached("SELECT id FROM organizations WHERE client_token = ?1")?
                    .query_map([token], |row| row.get::<_, String>(0))?
                    .next()
                    .transpose()?
            {
                return Ok(json!({ "OrganizationId": existing }));
            }
            let count: i64 =
                connection.query_row("SELECT count(*) FROM organizations", [], |row| row.get(0))?;
            if count >= MAX_ORGANIZATIONS {
                return Err(ApiError::new(
                    ErrorKind::LimitExceeded,
                    format!("This emulator holds at most {MAX_ORGANIZATIONS} organizations."),
                ));
            }
            let alias_taken: bool = connection.query_row(
                "SELECT EXISTS (SELECT 1 FROM organizations WHERE alias = ?1)",
                [&alias],
                |row| row.get(0),
            )?;
            if alias_taken {
                return Err(ApiError::new(
                    ErrorKind::NameAvailability,
                    format!("The alias {alias} is already used by another organization."),
                ));
            }
            let (directory_id, directory_type) = match &input.directory_id {
                Some(directory_id) => {
                    let in_use: bool = connection.query_row(
                        "SELECT EXISTS (SELECT 1 FROM organizations WHERE directory_id = ?1)",
                        [directory_id],
                        |row| row.get(0),
                    )?;
                    if in_use {
                        return Err(ApiError::new(
                            ErrorKind::DirectoryInUse,
                            format!("Directory {directory_id} already backs an organization."),
                        ));
                    }
                    (directory_id.clone(), "ActiveDirectory")
                }
                None => (
                    format!("d-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]),
                    "WorkMail",
                ),
            };
            insert_organization(
                connection,
                &NewOrganization {
                    id: &organization_id,
                    alias: &alias,
                    state: "Active",
                    directory_id: &directory_id,
                    directory_type,
                    default_mail_domain: domains.first().unwrap_or(&default_domain),
                    client_token: input.client_token.as_deref(),
                },
            )?;
            for domain in std::iter::once(&default_domain).chain(&domains) {
                insert_mail_domain(connection, &organization_id, domain, "VERIFIED")?;
            }
            Ok(json!({ "OrganizationId": organization_id }))
        })
        .await
}

/// An organization to insert.
pub struct NewOrganization<'a> {
    pub id: &'a str,
    pub alias: &'a str,
    pub state: &'a str,
    pub directory_id: &'a str,
    pub directory_type: &'a str,
    pub default_mail_domain: &'a str,
    pub client_token: Option<&'a str>,
}

pub fn insert_organization(
    connection: &Connection,
    organization: &NewOrganization<'_>,
) -> Result<(), ApiError> {
    connection
        .prepare_cached(
            "INSERT INTO organizations (id, alias, state, directory_id, directory_type, \
             default_mail_domain, completed_date, client_token) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            organization.id,
            organization.alias,
            organization.state,
            organization.directory_id,
            organization.directory_type,
            organization.default_mail_domain,
            now(),
            organization.client_token,
        ])?;
    Ok(())
}

pub fn insert_mail_domain(
    connection: &Connection,
    organization_id: &str,
    domain: &str,
    state: &str,
) -> Result<(), ApiError> {
    connection
        .prepare_cached(
            "INSERT OR IGNORE INTO mail_domains (organization_id, name, state) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![organization_id, domain, state])?;
    Ok(())
}
