//! Mailboxes: GetMailboxDetails and UpdateMailboxQuota. Sizes and quotas are in MB.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Context;
use crate::api_error::{ApiError, ErrorKind};
use crate::model::{EntityState, User};
use crate::store;
use crate::validation::{self as check, MAX_MAILBOX_QUOTA_MB};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct GetMailboxDetailsInput {
    organization_id: Option<String>,
    user_id: Option<String>,
}

fn target(
    organization_id: Option<String>,
    user_id: Option<String>,
) -> Result<(String, String), ApiError> {
    let organization_id = check::required("OrganizationId", organization_id)?;
    check::organization_id("OrganizationId", &organization_id)?;
    let user_id = check::required("UserId", user_id)?;
    check::entity_identifier("UserId", &user_id)?;
    Ok((organization_id, user_id))
}

/// The user's quota and size; a user without a row has the default quota and an empty mailbox.
pub fn mailbox(
    connection: &Connection,
    organization_id: &str,
    user_id: &str,
) -> Result<(i64, f64), ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT quota_mb, size_mb FROM mailboxes WHERE organization_id = ?1 AND user_id = ?2",
        )?
        .query_row(params![organization_id, user_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?
        .unwrap_or((MAX_MAILBOX_QUOTA_MB, 0.0)))
}

fn no_mailbox(user: &User) -> ApiError {
    ApiError::new(
        ErrorKind::EntityNotFound,
        format!(
            "{} has no mailbox: it is not registered to WorkMail.",
            user.name
        ),
    )
}

pub(super) async fn get_mailbox_details(
    context: &Context<'_>,
    input: GetMailboxDetailsInput,
) -> Result<Value, ApiError> {
    let (organization_id, user_id) = target(input.organization_id, input.user_id)?;
    context
        .store
        .read(move |connection| {
            store::active_organization(connection, &organization_id)?;
            let user = store::existing_user(connection, &organization_id, &user_id)?;
            // The model lists no EntityStateException here: a user without a mailbox is not
            // found.
            if user.state != EntityState::Enabled {
                return Err(no_mailbox(&user));
            }
            let (quota, size) = mailbox(connection, &organization_id, &user.id)?;
            Ok(json!({ "MailboxQuota": quota, "MailboxSize": size }))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UpdateMailboxQuotaInput {
    organization_id: Option<String>,
    user_id: Option<String>,
    mailbox_quota: Option<i64>,
}

pub(super) async fn update_mailbox_quota(
    context: &Context<'_>,
    input: UpdateMailboxQuotaInput,
) -> Result<Value, ApiError> {
    let (organization_id, user_id) = target(input.organization_id, input.user_id)?;
    let quota = check::required("MailboxQuota", input.mailbox_quota)?;
    let quota = check::mailbox_quota("MailboxQuota", quota)?;
    context
        .store
        .write(move |connection| {
            store::active_organization(connection, &organization_id)?;
            let user = store::existing_user(connection, &organization_id, &user_id)?;
            if user.state != EntityState::Enabled {
                return Err(ApiError::new(
                    ErrorKind::EntityState,
                    format!(
                        "{} has no mailbox: it is not registered to WorkMail.",
                        user.name
                    ),
                ));
            }
            // A quota below what the mailbox holds is allowed, as in WorkMail: the mailbox
            // then stops receiving mail until it shrinks.
            let (_, size) = mailbox(connection, &organization_id, &user.id)?;
            connection
                .prepare_cached(
                    "INSERT INTO mailboxes (organization_id, user_id, quota_mb, size_mb) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (organization_id, user_id) \
                     DO UPDATE SET quota_mb = excluded.quota_mb",
                )?
                .execute(params![organization_id, user.id, quota, size])?;
            Ok(json!({}))
        })
        .await
}
