//! Groups: CreateGroup, DescribeGroup, ListGroups, ListGroupMembers, ListGroupsForEntity,
//! AssociateMemberToGroup and DisassociateMemberFromGroup. (RegisterToWorkMail and
//! DeregisterFromWorkMail take users and groups alike: `users.rs`.)

use rusqlite::{params, params_from_iter};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Context;
use super::listing::{
    FilteredListing, decode_token, like_prefix, page_response, scope_fingerprint,
};
use super::users::RESERVED_NAMES;
use crate::api_error::{ApiError, ErrorKind};
use crate::model::{Entity, EntityState, Group};
use crate::store;
use crate::validation as check;

fn organization(organization_id: Option<String>) -> Result<String, ApiError> {
    let organization_id = check::required("OrganizationId", organization_id)?;
    check::organization_id("OrganizationId", &organization_id)?;
    Ok(organization_id)
}

fn limit(max_results: Option<i64>) -> Result<usize, ApiError> {
    match max_results {
        Some(value) => check::max_results("MaxResults", value),
        None => Ok(100),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CreateGroupInput {
    organization_id: Option<String>,
    name: Option<String>,
    hidden_from_global_address_list: Option<bool>,
}

pub(super) async fn create_group(
    context: &Context<'_>,
    input: CreateGroupInput,
) -> Result<Value, ApiError> {
    let organization_id = organization(input.organization_id)?;
    let name = check::required("Name", input.name)?;
    check::group_name("Name", &name)?;
    if RESERVED_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(ApiError::new(
            ErrorKind::ReservedName,
            format!("The name {name} is reserved by WorkMail."),
        ));
    }
    let group_id = uuid::Uuid::new_v4().to_string();
    context
        .store
        .write(move |connection| {
            let organization = store::active_organization(connection, &organization_id)?;
            if !organization.manages_users() {
                return Err(ApiError::new(
                    ErrorKind::UnsupportedOperation,
                    format!(
                        "Organization {organization_id} uses an external Active Directory; \
                         its groups are managed there."
                    ),
                ));
            }
            if store::name_taken(connection, &organization_id, &name)? {
                return Err(ApiError::new(
                    ErrorKind::NameAvailability,
                    format!("The name {name} is already taken in this organization."),
                ));
            }
            connection
                .prepare_cached(
                    "INSERT INTO groups (organization_id, id, name, state, hidden_from_gal) \
                     VALUES (?1, ?2, ?3, 'DISABLED', ?4)",
                )?
                .execute(params![
                    organization_id,
                    group_id,
                    name,
                    input.hidden_from_global_address_list.unwrap_or(false)
                ])?;
            Ok(json!({ "GroupId": group_id }))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct GroupIdInput {
    organization_id: Option<String>,
    group_id: Option<String>,
}

pub(super) async fn describe_group(
    context: &Context<'_>,
    input: GroupIdInput,
) -> Result<Value, ApiError> {
    let organization_id = organization(input.organization_id)?;
    let group_id = check::required("GroupId", input.group_id)?;
    check::entity_identifier("GroupId", &group_id)?;
    context
        .store
        .read(move |connection| {
            store::active_organization(connection, &organization_id)?;
            Ok(store::existing_group(connection, &organization_id, &group_id)?.describe_json())
        })
        .await
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ListGroupsFilters {
    name_prefix: Option<String>,
    primary_email_prefix: Option<String>,
    state: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListGroupsInput {
    organization_id: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
    filters: Option<ListGroupsFilters>,
}

pub(super) async fn list_groups(
    context: &Context<'_>,
    input: ListGroupsInput,
) -> Result<Value, ApiError> {
    let organization_id = organization(input.organization_id)?;
    let limit = limit(input.max_results)?;
    let filters = input.filters.unwrap_or_default();
    let mut query = FilteredListing::new("groups", &organization_id);
    query.prefix(
        "Filters.NamePrefix",
        "name",
        filters.name_prefix.as_deref(),
        check::attribute,
    )?;
    query.prefix(
        "Filters.PrimaryEmailPrefix",
        "email",
        filters.primary_email_prefix.as_deref(),
        check::attribute,
    )?;
    query.state("Filters.State", filters.state.as_deref())?;
    let (scope, conditions, values) = query.finish();
    let after = decode_token(input.next_token.as_deref(), &scope)?;
    let sql = format!(
        "SELECT {} FROM groups WHERE {} ORDER BY seq LIMIT {}",
        Group::COLUMNS,
        conditions,
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
            let rows = connection
                .prepare_cached(&sql)?
                .query_map(params_from_iter(all.iter()), Group::from_row)?
                .map(|group| group.map(|group| (group.seq, group.listed_json())))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(page_response("Groups", rows, limit, &scope))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListGroupMembersInput {
    organization_id: Option<String>,
    group_id: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

/// The group, which must exist and not be deleted.
fn live_group(
    connection: &rusqlite::Connection,
    organization_id: &str,
    group_id: &str,
) -> Result<Group, ApiError> {
    store::active_organization(connection, organization_id)?;
    let group = store::existing_group(connection, organization_id, group_id)?;
    if group.state == EntityState::Deleted {
        return Err(ApiError::new(
            ErrorKind::EntityState,
            format!("The group {} is deleted.", group.name),
        ));
    }
    Ok(group)
}

pub(super) async fn list_group_members(
    context: &Context<'_>,
    input: ListGroupMembersInput,
) -> Result<Value, ApiError> {
    let organization_id = organization(input.organization_id)?;
    let group_id = check::required("GroupId", input.group_id)?;
    check::entity_identifier("GroupId", &group_id)?;
    let limit = limit(input.max_results)?;
    context
        .store
        .read(move |connection| {
            let group = live_group(connection, &organization_id, &group_id)?;
            let scope = scope_fingerprint(&["group members", &organization_id, &group.id]);
            let after = decode_token(input.next_token.as_deref(), &scope)?;
            let memberships = connection
                .prepare_cached(
                    "SELECT seq, member_id FROM group_members WHERE organization_id = ?1 \
                     AND group_id = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
                )?
                .query_map(
                    params![organization_id, group.id, after, limit as i64 + 1],
                    |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
                )?
                .collect::<Result<Vec<_>, _>>()?;
            let mut rows = Vec::with_capacity(memberships.len());
            for (seq, member_id) in memberships {
                let member = store::existing_entity(connection, &organization_id, &member_id)?;
                let mut item = json!({
                    "Id": member.id(),
                    "Name": member.name(),
                    "Type": member.member_type(),
                    "State": member.state().as_str(),
                });
                let (enabled, disabled) = match &member {
                    Entity::User(user) => (user.enabled_date, user.disabled_date),
                    Entity::Group(group) => (group.enabled_date, group.disabled_date),
                };
                for (name, date) in [("EnabledDate", enabled), ("DisabledDate", disabled)] {
                    if let (Some(date), Some(item)) = (date, item.as_object_mut()) {
                        item.insert(name.into(), date.into());
                    }
                }
                rows.push((seq, item));
            }
            Ok(page_response("Members", rows, limit, &scope))
        })
        .await
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ListGroupsForEntityFilters {
    group_name_prefix: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListGroupsForEntityInput {
    organization_id: Option<String>,
    entity_id: Option<String>,
    filters: Option<ListGroupsForEntityFilters>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub(super) async fn list_groups_for_entity(
    context: &Context<'_>,
    input: ListGroupsForEntityInput,
) -> Result<Value, ApiError> {
    let organization_id = organization(input.organization_id)?;
    let entity_id = check::required("EntityId", input.entity_id)?;
    check::entity_identifier("EntityId", &entity_id)?;
    let limit = limit(input.max_results)?;
    let prefix = input.filters.unwrap_or_default().group_name_prefix;
    if let Some(prefix) = &prefix {
        check::attribute("Filters.GroupNamePrefix", prefix)?;
    }
    context
        .store
        .read(move |connection| {
            store::active_organization(connection, &organization_id)?;
            let entity = store::live_entity(connection, &organization_id, &entity_id)?;
            let scope = scope_fingerprint(&[
                "groups for entity",
                &organization_id,
                entity.id(),
                prefix.as_deref().unwrap_or(""),
            ]);
            let after = decode_token(input.next_token.as_deref(), &scope)?;
            let pattern = like_prefix(prefix.as_deref().unwrap_or(""));
            let rows = connection
                .prepare_cached(
                    "SELECT m.seq, g.id, g.name FROM group_members m \
                     JOIN groups g ON g.organization_id = m.organization_id AND g.id = m.group_id \
                     WHERE m.organization_id = ?1 AND m.member_id = ?2 AND m.seq > ?3 \
                     AND g.state <> 'DELETED' AND g.name LIKE ?4 ESCAPE '\\' \
                     ORDER BY m.seq LIMIT ?5",
                )?
                .query_map(
                    params![
                        organization_id,
                        entity.id(),
                        after,
                        pattern,
                        limit as i64 + 1
                    ],
                    |row| {
                        Ok((
                            row.get::<_, i64>(0)?,
                            json!({ "GroupId": row.get::<_, String>(1)?,
                                    "GroupName": row.get::<_, String>(2)? }),
                        ))
                    },
                )?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(page_response("Groups", rows, limit, &scope))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct MembershipInput {
    organization_id: Option<String>,
    group_id: Option<String>,
    member_id: Option<String>,
}

/// The group and the member of an Associate or Disassociate call, both live.
async fn membership(
    context: &Context<'_>,
    input: MembershipInput,
    change: fn(&rusqlite::Connection, &str, &Group, &Entity) -> Result<(), ApiError>,
) -> Result<Value, ApiError> {
    let organization_id = organization(input.organization_id)?;
    let group_id = check::required("GroupId", input.group_id)?;
    check::entity_identifier("GroupId", &group_id)?;
    let member_id = check::required("MemberId", input.member_id)?;
    check::entity_identifier("MemberId", &member_id)?;
    context
        .store
        .write(move |connection| {
            let organization = store::active_organization(connection, &organization_id)?;
            if !organization.manages_users() {
                return Err(ApiError::new(
                    ErrorKind::UnsupportedOperation,
                    format!(
                        "Organization {organization_id} uses an external Active Directory; \
                         its groups are managed there."
                    ),
                ));
            }
            let group = live_group(connection, &organization_id, &group_id)?;
            let member = store::live_entity(connection, &organization_id, &member_id)?;
            change(connection, &organization_id, &group, &member)?;
            Ok(json!({}))
        })
        .await
}

pub(super) async fn associate_member_to_group(
    context: &Context<'_>,
    input: MembershipInput,
) -> Result<Value, ApiError> {
    membership(
        context,
        input,
        |connection, organization_id, group, member| {
            if member.id() == group.id {
                return Err(ApiError::invalid(format!(
                    "The group {} cannot be a member of itself.",
                    group.name
                )));
            }
            // Adding a member twice changes nothing.
            connection
                .prepare_cached(
                    "INSERT OR IGNORE INTO group_members \
                 (organization_id, group_id, member_id, member_type) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    organization_id,
                    group.id,
                    member.id(),
                    member.member_type()
                ])?;
            Ok(())
        },
    )
    .await
}

pub(super) async fn disassociate_member_from_group(
    context: &Context<'_>,
    input: MembershipInput,
) -> Result<Value, ApiError> {
    membership(
        context,
        input,
        |connection, organization_id, group, member| {
            let removed = connection
                .prepare_cached(
                    "DELETE FROM group_members WHERE organization_id = ?1 AND group_id = ?2 \
                 AND member_id = ?3",
                )?
                .execute(params![organization_id, group.id, member.id()])?;
            if removed == 0 {
                return Err(ApiError::new(
                    ErrorKind::EntityNotFound,
                    format!("{} is not a member of {}.", member.name(), group.name),
                ));
            }
            Ok(())
        },
    )
    .await
}
