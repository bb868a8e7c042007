//! The WorkMail operations: input parsing, validation and their effect on the store.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, params, params_from_iter};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::api_error::{ApiError, ErrorKind};
use crate::model::{EntityState, ListedUser, TEXT_ATTRIBUTES, UserRole};
use crate::store::{self, Store};
use crate::validation as check;

/// The operations this emulator implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    ListOrganizations,
    DescribeOrganization,
    CreateOrganization,
    CreateUser,
    RegisterToWorkMail,
    DeregisterFromWorkMail,
    DeleteUser,
    DescribeUser,
    UpdateUser,
    ListUsers,
}

impl Operation {
    pub const ALL: [Operation; 10] = [
        Self::ListOrganizations,
        Self::DescribeOrganization,
        Self::CreateOrganization,
        Self::CreateUser,
        Self::RegisterToWorkMail,
        Self::DeregisterFromWorkMail,
        Self::DeleteUser,
        Self::DescribeUser,
        Self::UpdateUser,
        Self::ListUsers,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::ListOrganizations => "ListOrganizations",
            Self::DescribeOrganization => "DescribeOrganization",
            Self::CreateOrganization => "CreateOrganization",
            Self::CreateUser => "CreateUser",
            Self::RegisterToWorkMail => "RegisterToWorkMail",
            Self::DeregisterFromWorkMail => "DeregisterFromWorkMail",
            Self::DeleteUser => "DeleteUser",
            Self::DescribeUser => "DescribeUser",
            Self::UpdateUser => "UpdateUser",
            Self::ListUsers => "ListUsers",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|operation| operation.name() == name)
    }
}

/// What an operation needs besides its input.
pub struct Context<'a> {
    pub store: &'a Store,
    pub region: &'a str,
}

/// Runs `operation` on a JSON request body and returns the JSON response body.
pub async fn execute(
    context: &Context<'_>,
    operation: Operation,
    body: &[u8],
) -> Result<String, ApiError> {
    match operation {
        Operation::ListOrganizations => to_body(list_organizations(context, parse(body)?).await),
        Operation::DescribeOrganization => {
            to_body(describe_organization(context, parse(body)?).await)
        }
        Operation::CreateOrganization => to_body(create_organization(context, parse(body)?).await),
        Operation::CreateUser => to_body(create_user(context, parse(body)?).await),
        Operation::RegisterToWorkMail => {
            to_body(register_to_work_mail(context, parse(body)?).await)
        }
        Operation::DeregisterFromWorkMail => {
            to_body(deregister_from_work_mail(context, parse(body)?).await)
        }
        Operation::DeleteUser => to_body(delete_user(context, parse(body)?).await),
        Operation::DescribeUser => to_body(describe_user(context, parse(body)?).await),
        Operation::UpdateUser => to_body(update_user(context, parse(body)?).await),
        // The one large answer: its page is serialised straight from the rows.
        Operation::ListUsers => list_users(context, parse(body)?).await,
    }
}

fn to_body(output: Result<Value, ApiError>) -> Result<String, ApiError> {
    output.map(|value| value.to_string())
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|error| {
        ApiError::new(
            ErrorKind::Serialization,
            format!("The request body is not a valid input for this operation: {error}."),
        )
    })
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Paging tokens: opaque to clients, bound to the listing and its filters.

#[derive(serde::Serialize, Deserialize)]
struct PageToken {
    /// What is listed and how it is filtered, hashed.
    scope: String,
    /// The sort key of the last item returned.
    after: i64,
}

fn scope_fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(&hasher.finalize()[..12])
}

fn encode_token(scope: &str, after: i64) -> String {
    let token = PageToken {
        scope: scope.to_owned(),
        after,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

fn decode_token(token: Option<&str>, scope: &str) -> Result<i64, ApiError> {
    let Some(token) = token else { return Ok(0) };
    check::next_token("NextToken", token)?;
    let invalid = || {
        ApiError::invalid("NextToken is not a token this listing returned; start again without it.")
    };
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let token: PageToken = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if token.scope != scope {
        return Err(ApiError::invalid(
            "NextToken belongs to a listing with other filters or another organization.",
        ));
    }
    Ok(token.after)
}

// ---------------------------------------------------------------------------------------------
// Organizations

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListOrganizationsInput {
    next_token: Option<String>,
    max_results: Option<i64>,
}

async fn list_organizations(
    context: &Context<'_>,
    input: ListOrganizationsInput,
) -> Result<Value, ApiError> {
    let limit = match input.max_results {
        Some(value) => check::max_results("MaxResults", value)?,
        None => 100,
    };
    let scope = scope_fingerprint(&["organizations"]);
    let after = decode_token(input.next_token.as_deref(), &scope)?;
    context
        .store
        .read(move |connection| {
            let mut statement = connection.prepare_cached(
                "SELECT rowid, id, alias, default_mail_domain, state FROM organizations \
                 WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
            )?;
            let rows = statement
                .query_map(params![after, limit as i64 + 1], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        json!({
                            "OrganizationId": row.get::<_, String>(1)?,
                            "Alias": row.get::<_, String>(2)?,
                            "DefaultMailDomain": row.get::<_, String>(3)?,
                            "State": row.get::<_, String>(4)?,
                        }),
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(page_response("OrganizationSummaries", rows, limit, &scope))
        })
        .await
}

/// Cuts rows fetched one beyond `limit` down to the page, and returns the token for the next
/// page when there is one: the one paging rule of every listing.
fn finish_page<T>(
    rows: &mut Vec<T>,
    limit: usize,
    scope: &str,
    key: impl Fn(&T) -> i64,
) -> Option<String> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    if more {
        rows.last().map(|row| encode_token(scope, key(row)))
    } else {
        None
    }
}

fn page_response(key: &str, mut rows: Vec<(i64, Value)>, limit: usize, scope: &str) -> Value {
    let next = finish_page(&mut rows, limit, scope, |(after, _)| *after);
    let items: Vec<Value> = rows.into_iter().map(|(_, item)| item).collect();
    let mut body = serde_json::Map::new();
    body.insert(key.to_owned(), Value::Array(items));
    if let Some(next) = next {
        body.insert("NextToken".into(), next.into());
    }
    Value::Object(body)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OrganizationIdInput {
    organization_id: Option<String>,
}

async fn describe_organization(
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
    #[allow(dead_code)] // accepted as the model allows; Route 53 is not emulated
    hosted_zone_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateOrganizationInput {
    alias: Option<String>,
    directory_id: Option<String>,
    client_token: Option<String>,
    domains: Option<Vec<DomainInput>>,
    kms_key_arn: Option<String>,
    #[allow(dead_code)]
    enable_interoperability: Option<bool>,
}

/// How many organizations one emulator holds, as an account limit would.
const MAX_ORGANIZATIONS: i64 = 100;

async fn create_organization(
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

// ---------------------------------------------------------------------------------------------
// Users

/// Names WorkMail keeps for itself.
const RESERVED_NAMES: [&str; 8] = [
    "administrator",
    "postmaster",
    "abuse",
    "root",
    "hostmaster",
    "webmaster",
    "mailer-daemon",
    "nobody",
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateUserInput {
    organization_id: Option<String>,
    name: Option<String>,
    display_name: Option<String>,
    password: Option<String>,
    role: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    hidden_from_global_address_list: Option<bool>,
    identity_provider_user_id: Option<String>,
}

fn check_password(password: &str) -> Result<(), ApiError> {
    check::password("Password", password)?;
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if password.chars().count() < 8 || classes.iter().filter(|&&has| has).count() < 3 {
        return Err(ApiError::new(
            ErrorKind::InvalidPassword,
            "The password must be at least 8 characters long and mix three of: lowercase, \
             uppercase, digits, symbols.",
        ));
    }
    Ok(())
}

async fn create_user(context: &Context<'_>, input: CreateUserInput) -> Result<Value, ApiError> {
    let organization_id = check::required("OrganizationId", input.organization_id)?;
    check::organization_id("OrganizationId", &organization_id)?;
    let name = check::required("Name", input.name)?;
    check::user_name("Name", &name)?;
    let display_name = check::required("DisplayName", input.display_name)?;
    check::attribute("DisplayName", &display_name)?;
    for (member, value) in [
        ("FirstName", &input.first_name),
        ("LastName", &input.last_name),
    ] {
        if let Some(value) = value {
            check::attribute(member, value)?;
        }
    }
    let role = match &input.role {
        Some(role) => check::user_role("Role", role)?,
        None => UserRole::User,
    };
    if !role.is_assignable() {
        return Err(ApiError::invalid(format!(
            "Role {} cannot be given to a new user; use USER or REMOTE_USER.",
            role.as_str()
        )));
    }
    if let Some(id) = &input.identity_provider_user_id {
        check::identity_provider_user_id("IdentityProviderUserId", id)?;
    }
    if let Some(password) = &input.password {
        check_password(password)?;
    }
    if RESERVED_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(ApiError::new(
            ErrorKind::ReservedName,
            format!("The user name {name} is reserved by WorkMail."),
        ));
    }
    let user_id = uuid::Uuid::new_v4().to_string();
    context
        .store
        .write(move |connection| {
            let organization = store::active_organization(connection, &organization_id)?;
            if !organization.manages_users() {
                return Err(unsupported_external_directory(&organization_id));
            }
            if name_taken(connection, &organization_id, &name)? {
                return Err(ApiError::new(
                    ErrorKind::NameAvailability,
                    format!("The user name {name} is already taken in this organization."),
                ));
            }
            let attributes = [
                Some(display_name.as_str()),
                input.first_name.as_deref(),
                input.last_name.as_deref(),
            ];
            connection
                .prepare_cached(
                    "INSERT INTO users (organization_id, id, name, state, role, display_name, \
                     first_name, last_name, hidden_from_gal, identity_provider_user_id) \
                     VALUES (?1, ?2, ?3, 'DISABLED', ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    organization_id,
                    user_id,
                    name,
                    role.as_str(),
                    attributes[0].filter(|value| !value.is_empty()),
                    attributes[1].filter(|value| !value.is_empty()),
                    attributes[2].filter(|value| !value.is_empty()),
                    input.hidden_from_global_address_list.unwrap_or(false),
                    input.identity_provider_user_id,
                ])?;
            Ok(json!({ "UserId": user_id }))
        })
        .await
}

fn unsupported_external_directory(organization_id: &str) -> ApiError {
    ApiError::new(
        ErrorKind::UnsupportedOperation,
        format!(
            "Organization {organization_id} uses an external Active Directory; \
             its users are managed there."
        ),
    )
}

fn name_taken(
    connection: &Connection,
    organization_id: &str,
    name: &str,
) -> Result<bool, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM users WHERE organization_id = ?1 AND name = ?2 \
             AND state <> 'DELETED')",
        )?
        .query_row(params![organization_id, name], |row| row.get(0))?)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserIdInput {
    organization_id: Option<String>,
    user_id: Option<String>,
}

fn user_target(
    organization_id: Option<String>,
    user_id: Option<String>,
    member: &str,
) -> Result<(String, String), ApiError> {
    let organization_id = check::required("OrganizationId", organization_id)?;
    check::organization_id("OrganizationId", &organization_id)?;
    let user_id = check::required(member, user_id)?;
    check::entity_identifier(member, &user_id)?;
    Ok((organization_id, user_id))
}

async fn describe_user(context: &Context<'_>, input: UserIdInput) -> Result<Value, ApiError> {
    let (organization_id, user_id) = user_target(input.organization_id, input.user_id, "UserId")?;
    context
        .store
        .read(move |connection| {
            store::active_organization(connection, &organization_id)?;
            Ok(store::existing_user(connection, &organization_id, &user_id)?.describe_json())
        })
        .await
}

async fn delete_user(context: &Context<'_>, input: UserIdInput) -> Result<Value, ApiError> {
    let (organization_id, user_id) = user_target(input.organization_id, input.user_id, "UserId")?;
    context
        .store
        .write(move |connection| {
            let organization = store::active_organization(connection, &organization_id)?;
            if !organization.manages_users() {
                return Err(unsupported_external_directory(&organization_id));
            }
            let user = store::existing_user(connection, &organization_id, &user_id)?;
            if user.role == UserRole::SystemUser {
                return Err(ApiError::new(
                    ErrorKind::UnsupportedOperation,
                    format!(
                        "{} is a system user; WorkMail does not delete those.",
                        user.name
                    ),
                ));
            }
            match user.state {
                EntityState::Disabled => {}
                EntityState::Enabled => {
                    return Err(ApiError::new(
                        ErrorKind::EntityState,
                        format!(
                            "{} is enabled; deregister it from WorkMail before deleting it.",
                            user.name
                        ),
                    ));
                }
                EntityState::Deleted => {
                    return Err(ApiError::new(
                        ErrorKind::EntityState,
                        format!("{} is already deleted.", user.name),
                    ));
                }
            }
            connection
                .prepare_cached("UPDATE users SET state = 'DELETED' WHERE seq = ?1")?
                .execute([user.seq])?;
            Ok(json!({}))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RegisterInput {
    organization_id: Option<String>,
    entity_id: Option<String>,
    email: Option<String>,
}

async fn register_to_work_mail(
    context: &Context<'_>,
    input: RegisterInput,
) -> Result<Value, ApiError> {
    let (organization_id, entity_id) =
        user_target(input.organization_id, input.entity_id, "EntityId")?;
    let email = check::required("Email", input.email)?;
    check::email_address("Email", &email)?;
    context
        .store
        .write(move |connection| {
            store::active_organization(connection, &organization_id)?;
            let user = store::existing_user(connection, &organization_id, &entity_id)?;
            if user.state == EntityState::Deleted {
                return Err(ApiError::new(
                    ErrorKind::EntityState,
                    format!("{} is deleted and cannot be registered.", user.name),
                ));
            }
            let domain = email
                .rsplit_once('@')
                .map(|(_, domain)| domain)
                .unwrap_or("");
            let domain_state: Option<String> = connection
                .prepare_cached(
                    "SELECT state FROM mail_domains WHERE organization_id = ?1 AND name = ?2",
                )?
                .query_map(params![organization_id, domain], |row| row.get(0))?
                .next()
                .transpose()?;
            match domain_state.as_deref() {
                None => {
                    return Err(ApiError::new(
                        ErrorKind::MailDomainNotFound,
                        format!("The mail domain {domain} is not a domain of this organization."),
                    ));
                }
                Some("VERIFIED") => {}
                Some(state) => {
                    return Err(ApiError::new(
                        ErrorKind::MailDomainState,
                        format!("The mail domain {domain} is {state}, not verified."),
                    ));
                }
            }
            if user.state == EntityState::Enabled {
                return if user.email.as_deref().map(str::to_ascii_lowercase)
                    == Some(email.to_ascii_lowercase())
                {
                    Ok(json!({}))
                } else {
                    Err(ApiError::new(
                        ErrorKind::EntityAlreadyRegistered,
                        format!("{} is already registered with another address.", user.name),
                    ))
                };
            }
            let in_use: bool = connection
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM users WHERE organization_id = ?1 AND email = ?2 \
                     AND state <> 'DELETED' AND seq <> ?3)",
                )?
                .query_row(params![organization_id, email, user.seq], |row| row.get(0))?;
            if in_use {
                return Err(ApiError::new(
                    ErrorKind::EmailAddressInUse,
                    format!("The address {email} is already in use."),
                ));
            }
            let now = now();
            connection
                .prepare_cached(
                    "UPDATE users SET state = 'ENABLED', email = ?1, enabled_date = ?2, \
                     disabled_date = NULL, mailbox_provisioned_date = ?2, \
                     mailbox_deprovisioned_date = NULL WHERE seq = ?3",
                )?
                .execute(params![email, now, user.seq])?;
            Ok(json!({}))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeregisterInput {
    organization_id: Option<String>,
    entity_id: Option<String>,
}

async fn deregister_from_work_mail(
    context: &Context<'_>,
    input: DeregisterInput,
) -> Result<Value, ApiError> {
    let (organization_id, entity_id) =
        user_target(input.organization_id, input.entity_id, "EntityId")?;
    context
        .store
        .write(move |connection| {
            store::active_organization(connection, &organization_id)?;
            let user = store::existing_user(connection, &organization_id, &entity_id)?;
            match user.state {
                EntityState::Deleted => Err(ApiError::new(
                    ErrorKind::EntityState,
                    format!("{} is deleted.", user.name),
                )),
                EntityState::Disabled => Ok(json!({})),
                EntityState::Enabled => {
                    let now = now();
                    connection
                        .prepare_cached(
                            "UPDATE users SET state = 'DISABLED', disabled_date = ?1, \
                             mailbox_deprovisioned_date = ?1 WHERE seq = ?2",
                        )?
                        .execute(params![now, user.seq])?;
                    Ok(json!({}))
                }
            }
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateUserInput {
    organization_id: Option<String>,
    user_id: Option<String>,
    role: Option<String>,
    display_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    hidden_from_global_address_list: Option<bool>,
    initials: Option<String>,
    telephone: Option<String>,
    street: Option<String>,
    job_title: Option<String>,
    city: Option<String>,
    company: Option<String>,
    zip_code: Option<String>,
    department: Option<String>,
    country: Option<String>,
    office: Option<String>,
    identity_provider_user_id: Option<String>,
}

impl UpdateUserInput {
    /// The text attributes that are set, in [`TEXT_ATTRIBUTES`] order.
    fn attributes(&self) -> [(&'static str, Option<&str>); 13] {
        let values = [
            &self.display_name,
            &self.first_name,
            &self.last_name,
            &self.initials,
            &self.telephone,
            &self.street,
            &self.job_title,
            &self.city,
            &self.company,
            &self.zip_code,
            &self.department,
            &self.country,
            &self.office,
        ];
        std::array::from_fn(|index| (TEXT_ATTRIBUTES[index].0, values[index].as_deref()))
    }
}

async fn update_user(context: &Context<'_>, input: UpdateUserInput) -> Result<Value, ApiError> {
    let (organization_id, user_id) = user_target(
        input.organization_id.clone(),
        input.user_id.clone(),
        "UserId",
    )?;
    let role = match &input.role {
        Some(role) => {
            let role = check::user_role("Role", role)?;
            if !role.is_assignable() {
                return Err(ApiError::invalid(format!(
                    "Role cannot be set to {}; only USER and REMOTE_USER can be given.",
                    role.as_str()
                )));
            }
            Some(role)
        }
        None => None,
    };
    for (member, value) in input.attributes() {
        if let Some(value) = value {
            check::attribute(member, value)?;
        }
    }
    if let Some(id) = &input.identity_provider_user_id {
        check::identity_provider_user_id_for_update("IdentityProviderUserId", id)?;
    }

    // Omitted members stay as they are; an empty string clears the attribute.
    let mut assignments: Vec<String> = Vec::new();
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    let mut assign = |column: &str, value: rusqlite::types::Value| {
        values.push(value);
        assignments.push(format!("{column} = ?{}", values.len()));
    };
    let text = |value: &str| {
        if value.is_empty() {
            rusqlite::types::Value::Null
        } else {
            rusqlite::types::Value::Text(value.to_owned())
        }
    };
    if let Some(role) = role {
        assign("role", rusqlite::types::Value::Text(role.as_str().into()));
    }
    for (member, value) in input.attributes() {
        if let (Some(value), Some(column)) = (value, store::attribute_column(member)) {
            assign(column, text(value));
        }
    }
    if let Some(hidden) = input.hidden_from_global_address_list {
        assign(
            "hidden_from_gal",
            rusqlite::types::Value::Integer(hidden.into()),
        );
    }
    if let Some(id) = &input.identity_provider_user_id {
        assign("identity_provider_user_id", text(id));
    }

    context
        .store
        .write(move |connection| {
            let organization = store::active_organization(connection, &organization_id)?;
            let user = store::existing_user(connection, &organization_id, &user_id)?;
            if user.state == EntityState::Deleted {
                return Err(ApiError::new(
                    ErrorKind::EntityState,
                    format!("{} is deleted and cannot be updated.", user.name),
                ));
            }
            if !organization.manages_users() && !assignments.is_empty() {
                return Err(unsupported_external_directory(&organization_id));
            }
            if role.is_some_and(|role| role != user.role) && !user.role.is_assignable() {
                return Err(ApiError::new(
                    ErrorKind::UnsupportedOperation,
                    format!(
                        "{} has role {}, which WorkMail manages; it cannot be changed.",
                        user.name,
                        user.role.as_str()
                    ),
                ));
            }
            if assignments.is_empty() {
                return Ok(json!({}));
            }
            values.push(rusqlite::types::Value::Integer(user.seq));
            let sql = format!(
                "UPDATE users SET {} WHERE seq = ?{}",
                assignments.join(", "),
                values.len()
            );
            connection
                .prepare_cached(&sql)?
                .execute(params_from_iter(values.iter()))?;
            Ok(json!({}))
        })
        .await
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ListUsersFilters {
    username_prefix: Option<String>,
    display_name_prefix: Option<String>,
    primary_email_prefix: Option<String>,
    state: Option<String>,
    identity_provider_user_id_prefix: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListUsersInput {
    organization_id: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
    filters: Option<ListUsersFilters>,
}

/// A LIKE pattern matching values that start with `prefix` (ASCII case-insensitively).
fn like_prefix(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

async fn list_users(context: &Context<'_>, input: ListUsersInput) -> Result<String, ApiError> {
    let organization_id = check::required("OrganizationId", input.organization_id)?;
    check::organization_id("OrganizationId", &organization_id)?;
    let limit = match input.max_results {
        Some(value) => check::max_results("MaxResults", value)?,
        None => 100,
    };
    let filters = input.filters.unwrap_or_default();
    let mut conditions = vec!["organization_id = ?1".to_owned(), "seq > ?2".to_owned()];
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    let mut fingerprint = vec!["users".to_owned(), organization_id.clone()];
    for (member, column, value) in [
        ("Filters.UsernamePrefix", "name", &filters.username_prefix),
        (
            "Filters.DisplayNamePrefix",
            "display_name",
            &filters.display_name_prefix,
        ),
        (
            "Filters.PrimaryEmailPrefix",
            "email",
            &filters.primary_email_prefix,
        ),
        (
            "Filters.IdentityProviderUserIdPrefix",
            "identity_provider_user_id",
            &filters.identity_provider_user_id_prefix,
        ),
    ] {
        let Some(value) = value else { continue };
        if member == "Filters.IdentityProviderUserIdPrefix" {
            check::identity_provider_user_id_prefix(member, value)?;
        } else {
            check::attribute(member, value)?;
        }
        values.push(rusqlite::types::Value::Text(like_prefix(value)));
        conditions.push(format!("{column} LIKE ?{} ESCAPE '\\'", values.len() + 2));
        fingerprint.push(format!("{member}={value}"));
    }
    if let Some(state) = &filters.state {
        let state = check::entity_state("Filters.State", state)?;
        values.push(rusqlite::types::Value::Text(state.as_str().into()));
        conditions.push(format!("state = ?{}", values.len() + 2));
        fingerprint.push(format!("State={}", state.as_str()));
    }
    let scope = scope_fingerprint(&fingerprint.iter().map(String::as_str).collect::<Vec<_>>());
    let after = decode_token(input.next_token.as_deref(), &scope)?;
    let sql = format!(
        "SELECT {} FROM users WHERE {} ORDER BY seq LIMIT {}",
        ListedUser::COLUMNS,
        conditions.join(" AND "),
        limit + 1
    );
    context
        .store
        .read(move |connection| {
            store::active_organization(connection, &organization_id)?;
            let mut all = vec![
                rusqlite::types::Value::Text(organization_id),
                rusqlite::types::Value::Integer(after),
            ];
            all.extend(values);
            let mut statement = connection.prepare_cached(&sql)?;
            let mut users = statement
                .query_map(params_from_iter(all.iter()), ListedUser::from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            let next_token = finish_page(&mut users, limit, &scope, |user| user.seq);
            serde_json::to_string(&ListUsersOutput { users, next_token })
                .map_err(|error| ApiError::internal(error.to_string()))
        })
        .await
}

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListUsersOutput {
    users: Vec<ListedUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_round_trip() {
        for operation in Operation::ALL {
            assert_eq!(Operation::from_name(operation.name()), Some(operation));
        }
        assert_eq!(Operation::from_name("CreateGroup"), None);
    }

    #[test]
    fn like_prefix_escapes_wildcards() {
        assert_eq!(like_prefix("a_b%c\\"), "a\\_b\\%c\\\\%");
    }

    #[test]
    fn page_tokens_are_bound_to_their_scope() {
        let scope = scope_fingerprint(&["users", "m-1", "State=ENABLED"]);
        let other = scope_fingerprint(&["users", "m-1", "State=DISABLED"]);
        let token = encode_token(&scope, 42);
        assert_eq!(decode_token(Some(&token), &scope).ok(), Some(42));
        assert!(decode_token(Some(&token), &other).is_err());
        assert!(decode_token(Some("not a token"), &scope).is_err());
        assert_eq!(decode_token(None, &scope).ok(), Some(0));
    }

    #[test]
    fn passwords_need_length_and_variety() {
        assert!(check_password("Passw0rd!").is_ok());
        assert_eq!(
            check_password("short1A").err().map(|error| error.kind),
            Some(ErrorKind::InvalidPassword)
        );
        assert_eq!(
            check_password("alllowercase").err().map(|error| error.kind),
            Some(ErrorKind::InvalidPassword)
        );
    }

    #[test]
    fn wrong_types_are_serialization_errors() {
        let error = parse::<UpdateUserInput>(br#"{"DisplayName": 5}"#)
            .err()
            .expect("refused");
        assert_eq!(error.kind, ErrorKind::Serialization);
        let error = parse::<UpdateUserInput>(b"{not json")
            .err()
            .expect("refused");
        assert_eq!(error.kind, ErrorKind::Serialization);
        assert!(parse::<UpdateUserInput>(b"").is_ok());
    }
}
