//! Users: CreateUser, DescribeUser, UpdateUser, RegisterToWorkMail, DeregisterFromWorkMail and
//! DeleteUser.

use rusqlite::{params, params_from_iter};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Context, now};
use crate::api_error::{ApiError, ErrorKind};
use crate::model::{Entity, EntityState, TextAttributes, UserRole};
use crate::passwords;
use crate::store;
use crate::validation as check;

/// Names WorkMail keeps for itself.
pub(super) const RESERVED_NAMES: [&str; 8] = [
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
pub(super) struct CreateUserInput {
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

pub(super) fn check_password(password: &str) -> Result<(), ApiError> {
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

pub(super) async fn create_user(
    context: &Context<'_>,
    input: CreateUserInput,
) -> Result<Value, ApiError> {
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
    let password_hash = match &input.password {
        Some(password) => {
            check_password(password)?;
            Some(passwords::hash(password)?)
        }
        None => None,
    };
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
            if store::name_taken(connection, &organization_id, &name)? {
                return Err(ApiError::new(
                    ErrorKind::NameAvailability,
                    format!("The name {name} is already taken in this organization."),
                ));
            }
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
                    Some(display_name.as_str()).filter(|value| !value.is_empty()),
                    input
                        .first_name
                        .as_deref()
                        .filter(|value| !value.is_empty()),
                    input.last_name.as_deref().filter(|value| !value.is_empty()),
                    input.hidden_from_global_address_list.unwrap_or(false),
                    input.identity_provider_user_id,
                ])?;
            if let Some(hash) = &password_hash {
                passwords::store(connection, &organization_id, &user_id, hash)?;
            }
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

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UserIdInput {
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

pub(super) async fn describe_user(
    context: &Context<'_>,
    input: UserIdInput,
) -> Result<Value, ApiError> {
    let (organization_id, user_id) = user_target(input.organization_id, input.user_id, "UserId")?;
    context
        .store
        .read(move |connection| {
            store::active_organization(connection, &organization_id)?;
            Ok(store::existing_user(connection, &organization_id, &user_id)?.describe_json())
        })
        .await
}

pub(super) async fn delete_user(
    context: &Context<'_>,
    input: UserIdInput,
) -> Result<Value, ApiError> {
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
            // A deleted user's addresses are free again, and it leaves its groups.
            for statement in [
                "DELETE FROM aliases WHERE organization_id = ?1 AND entity_id = ?2",
                "DELETE FROM group_members WHERE organization_id = ?1 AND member_id = ?2",
                "DELETE FROM user_passwords WHERE organization_id = ?1 AND user_id = ?2",
            ] {
                connection
                    .prepare_cached(statement)?
                    .execute(params![organization_id, user.id])?;
            }
            Ok(json!({}))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RegisterInput {
    organization_id: Option<String>,
    entity_id: Option<String>,
    email: Option<String>,
}

pub(super) async fn register_to_work_mail(
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
            let entity = store::existing_entity(connection, &organization_id, &entity_id)?;
            if entity.state() == EntityState::Deleted {
                return Err(ApiError::new(
                    ErrorKind::EntityState,
                    format!("{} is deleted and cannot be registered.", entity.name()),
                ));
            }
            store::check_mail_domain(connection, &organization_id, &email)?;
            if entity.state() == EntityState::Enabled {
                return if entity.email().map(str::to_ascii_lowercase)
                    == Some(email.to_ascii_lowercase())
                {
                    Ok(json!({}))
                } else {
                    Err(ApiError::new(
                        ErrorKind::EntityAlreadyRegistered,
                        format!(
                            "{} is already registered with another address.",
                            entity.name()
                        ),
                    ))
                };
            }
            if store::address_in_use(connection, &organization_id, &email, Some(entity.id()))? {
                return Err(ApiError::new(
                    ErrorKind::EmailAddressInUse,
                    format!("The address {email} is already in use."),
                ));
            }
            // Registering under one of its own aliases makes that the primary address.
            connection
                .prepare_cached(
                    "DELETE FROM aliases WHERE organization_id = ?1 AND entity_id = ?2 \
                     AND address = ?3",
                )?
                .execute(params![organization_id, entity.id(), email])?;
            let now = now();
            let statement = match entity {
                Entity::User(_) => {
                    "UPDATE users SET state = 'ENABLED', email = ?1, enabled_date = ?2, \
                     disabled_date = NULL, mailbox_provisioned_date = ?2, \
                     mailbox_deprovisioned_date = NULL WHERE seq = ?3"
                }
                Entity::Group(_) => {
                    "UPDATE groups SET state = 'ENABLED', email = ?1, enabled_date = ?2, \
                     disabled_date = NULL WHERE seq = ?3"
                }
            };
            connection
                .prepare_cached(statement)?
                .execute(params![email, now, entity.seq()])?;
            Ok(json!({}))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct DeregisterInput {
    organization_id: Option<String>,
    entity_id: Option<String>,
}

pub(super) async fn deregister_from_work_mail(
    context: &Context<'_>,
    input: DeregisterInput,
) -> Result<Value, ApiError> {
    let (organization_id, entity_id) =
        user_target(input.organization_id, input.entity_id, "EntityId")?;
    context
        .store
        .write(move |connection| {
            store::active_organization(connection, &organization_id)?;
            let entity = store::existing_entity(connection, &organization_id, &entity_id)?;
            match entity.state() {
                EntityState::Deleted => Err(ApiError::new(
                    ErrorKind::EntityState,
                    format!("{} is deleted.", entity.name()),
                )),
                EntityState::Disabled => Ok(json!({})),
                EntityState::Enabled => {
                    let statement = match entity {
                        Entity::User(_) => {
                            "UPDATE users SET state = 'DISABLED', disabled_date = ?1, \
                             mailbox_deprovisioned_date = ?1 WHERE seq = ?2"
                        }
                        Entity::Group(_) => {
                            "UPDATE groups SET state = 'DISABLED', disabled_date = ?1 \
                             WHERE seq = ?2"
                        }
                    };
                    connection
                        .prepare_cached(statement)?
                        .execute(params![now(), entity.seq()])?;
                    Ok(json!({}))
                }
            }
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ResetPasswordInput {
    organization_id: Option<String>,
    user_id: Option<String>,
    password: Option<String>,
}

pub(super) async fn reset_password(
    context: &Context<'_>,
    input: ResetPasswordInput,
) -> Result<Value, ApiError> {
    let organization_id = check::required("OrganizationId", input.organization_id)?;
    check::organization_id("OrganizationId", &organization_id)?;
    let user_id = check::required("UserId", input.user_id)?;
    check::workmail_identifier("UserId", &user_id)?;
    let password = check::required("Password", input.password)?;
    check_password(&password)?;
    // Hashed before the write: argon2 takes tens of milliseconds, and the writer is shared.
    let hash = passwords::hash(&password)?;
    context
        .store
        .write(move |connection| {
            let organization = store::active_organization(connection, &organization_id)?;
            if !organization.manages_users() {
                return Err(unsupported_external_directory(&organization_id));
            }
            let user = store::existing_user(connection, &organization_id, &user_id)?;
            if user.state == EntityState::Deleted {
                return Err(ApiError::new(
                    ErrorKind::EntityState,
                    format!("{} is deleted.", user.name),
                ));
            }
            if matches!(user.role, UserRole::Resource | UserRole::SystemUser) {
                return Err(ApiError::new(
                    ErrorKind::UnsupportedOperation,
                    format!(
                        "{} is a {} user; WorkMail does not reset its password.",
                        user.name,
                        user.role.as_str()
                    ),
                ));
            }
            passwords::store(connection, &organization_id, &user.id, &hash)?;
            Ok(json!({}))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UpdateUserInput {
    organization_id: Option<String>,
    user_id: Option<String>,
    role: Option<String>,
    #[serde(flatten)]
    attributes: TextAttributes,
    hidden_from_global_address_list: Option<bool>,
    identity_provider_user_id: Option<String>,
}

pub(super) async fn update_user(
    context: &Context<'_>,
    input: UpdateUserInput,
) -> Result<Value, ApiError> {
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
    for (attribute, value) in input.attributes.values() {
        if let Some(value) = value {
            check::attribute(attribute.member, value)?;
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
    for (attribute, value) in input.attributes.values() {
        if let Some(value) = value {
            assign(attribute.column, text(value));
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
