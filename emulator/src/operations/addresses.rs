//! Email addresses of users and groups: ListAliases, CreateAlias, DeleteAlias and
//! UpdatePrimaryEmailAddress.
//!
//! Every address (a primary one or an alias) belongs to one entity of the organization and is
//! in one of its verified mail domains.

use rusqlite::{Connection, params};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Context;
use super::listing::{decode_token, page_response, scope_fingerprint};
use crate::api_error::{ApiError, ErrorKind};
use crate::model::{Entity, EntityState};
use crate::store;
use crate::validation as check;

/// Aliases one entity may have; WorkMail documents a limit per mailbox without a model value.
pub const MAX_ALIASES: i64 = 100;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListAliasesInput {
    organization_id: Option<String>,
    entity_id: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

/// The organization and entity members every address operation takes.
fn target(
    organization_id: Option<String>,
    entity_id: Option<String>,
    member: &str,
) -> Result<(String, String), ApiError> {
    let organization_id = check::required("OrganizationId", organization_id)?;
    check::organization_id("OrganizationId", &organization_id)?;
    let entity_id = check::required(member, entity_id)?;
    Ok((organization_id, entity_id))
}

/// The entity, which must exist and not be deleted.
fn live_entity(
    connection: &Connection,
    organization_id: &str,
    entity_id: &str,
) -> Result<Entity, ApiError> {
    store::active_organization(connection, organization_id)?;
    store::live_entity(connection, organization_id, entity_id)
}

/// The entity, which must be registered to WorkMail: only those receive mail.
fn registered_entity(
    connection: &Connection,
    organization_id: &str,
    entity_id: &str,
) -> Result<Entity, ApiError> {
    let entity = live_entity(connection, organization_id, entity_id)?;
    if entity.state() != EntityState::Enabled {
        return Err(ApiError::new(
            ErrorKind::EntityState,
            format!(
                "{} is not registered to WorkMail; register it before changing its addresses.",
                entity.name()
            ),
        ));
    }
    Ok(entity)
}

fn in_use(address: &str) -> ApiError {
    ApiError::new(
        ErrorKind::EmailAddressInUse,
        format!("The address {address} is already in use."),
    )
}

pub(super) async fn list_aliases(
    context: &Context<'_>,
    input: ListAliasesInput,
) -> Result<Value, ApiError> {
    let (organization_id, entity_id) = target(input.organization_id, input.entity_id, "EntityId")?;
    check::workmail_identifier("EntityId", &entity_id)?;
    let limit = match input.max_results {
        Some(value) => check::max_results("MaxResults", value)?,
        None => 100,
    };
    context
        .store
        .read(move |connection| {
            let entity = live_entity(connection, &organization_id, &entity_id)?;
            let scope = scope_fingerprint(&["aliases", &organization_id, entity.id()]);
            let after = decode_token(input.next_token.as_deref(), &scope)?;
            let rows = connection
                .prepare_cached(
                    "SELECT seq, address FROM aliases WHERE organization_id = ?1 \
                     AND entity_id = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
                )?
                .query_map(
                    params![organization_id, entity.id(), after, limit as i64 + 1],
                    |row| Ok((row.get::<_, i64>(0)?, Value::String(row.get(1)?))),
                )?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(page_response("Aliases", rows, limit, &scope))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct AliasInput {
    organization_id: Option<String>,
    entity_id: Option<String>,
    alias: Option<String>,
}

pub(super) async fn create_alias(
    context: &Context<'_>,
    input: AliasInput,
) -> Result<Value, ApiError> {
    let (organization_id, entity_id) = target(input.organization_id, input.entity_id, "EntityId")?;
    check::workmail_identifier("EntityId", &entity_id)?;
    let alias = check::required("Alias", input.alias)?;
    check::email_address("Alias", &alias)?;
    context
        .store
        .write(move |connection| {
            let entity = registered_entity(connection, &organization_id, &entity_id)?;
            store::check_mail_domain(connection, &organization_id, &alias)?;
            // Its own primary address counts too: an alias must be a second address.
            if store::address_in_use(connection, &organization_id, &alias, None)? {
                return Err(in_use(&alias));
            }
            let count: i64 = connection
                .prepare_cached(
                    "SELECT count(*) FROM aliases WHERE organization_id = ?1 AND entity_id = ?2",
                )?
                .query_row(params![organization_id, entity.id()], |row| row.get(0))?;
            if count >= MAX_ALIASES {
                return Err(ApiError::new(
                    ErrorKind::LimitExceeded,
                    format!(
                        "{} already has {MAX_ALIASES} aliases, the most one entity may have.",
                        entity.name()
                    ),
                ));
            }
            connection
                .prepare_cached(
                    "INSERT INTO aliases (organization_id, entity_id, address) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![organization_id, entity.id(), alias])?;
            Ok(json!({}))
        })
        .await
}

pub(super) async fn delete_alias(
    context: &Context<'_>,
    input: AliasInput,
) -> Result<Value, ApiError> {
    let (organization_id, entity_id) = target(input.organization_id, input.entity_id, "EntityId")?;
    check::workmail_identifier("EntityId", &entity_id)?;
    let alias = check::required("Alias", input.alias)?;
    check::email_address("Alias", &alias)?;
    context
        .store
        .write(move |connection| {
            let entity = live_entity(connection, &organization_id, &entity_id)?;
            if entity
                .email()
                .is_some_and(|email| email.eq_ignore_ascii_case(&alias))
            {
                return Err(ApiError::invalid(format!(
                    "{alias} is the primary address of {}; make another address primary first.",
                    entity.name()
                )));
            }
            // Deleting an alias that is not there succeeds, as WorkMail's does.
            connection
                .prepare_cached(
                    "DELETE FROM aliases WHERE organization_id = ?1 AND entity_id = ?2 \
                     AND address = ?3",
                )?
                .execute(params![organization_id, entity.id(), alias])?;
            Ok(json!({}))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UpdatePrimaryEmailAddressInput {
    organization_id: Option<String>,
    entity_id: Option<String>,
    email: Option<String>,
}

pub(super) async fn update_primary_email_address(
    context: &Context<'_>,
    input: UpdatePrimaryEmailAddressInput,
) -> Result<Value, ApiError> {
    let (organization_id, entity_id) = target(input.organization_id, input.entity_id, "EntityId")?;
    check::entity_identifier("EntityId", &entity_id)?;
    let email = check::required("Email", input.email)?;
    check::email_address("Email", &email)?;
    context
        .store
        .write(move |connection| {
            let entity = registered_entity(connection, &organization_id, &entity_id)?;
            if let Entity::User(user) = &entity
                && !store::active_organization(connection, &organization_id)?.manages_users()
            {
                return Err(ApiError::new(
                    ErrorKind::UnsupportedOperation,
                    format!(
                        "{} is managed by the organization's Active Directory.",
                        user.name
                    ),
                ));
            }
            let current = entity.email().unwrap_or_default().to_owned();
            if current.eq_ignore_ascii_case(&email) {
                return Ok(json!({}));
            }
            store::check_mail_domain(connection, &organization_id, &email)?;
            if store::address_in_use(connection, &organization_id, &email, Some(entity.id()))? {
                return Err(in_use(&email));
            }
            // The new address stops being an alias; the old primary one becomes one, as in
            // WorkMail, so mail to it still arrives.
            connection
                .prepare_cached(
                    "DELETE FROM aliases WHERE organization_id = ?1 AND entity_id = ?2 \
                     AND address = ?3",
                )?
                .execute(params![organization_id, entity.id(), email])?;
            if !current.is_empty() {
                connection
                    .prepare_cached(
                        "INSERT INTO aliases (organization_id, entity_id, address) \
                         VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![organization_id, entity.id(), current])?;
            }
            connection
                .prepare_cached(&format!(
                    "UPDATE {} SET email = ?1 WHERE seq = ?2",
                    entity.table()
                ))?
                .execute(params![email, entity.seq()])?;
            Ok(json!({}))
        })
        .await
}
