//! The WorkMail operations: input parsing, validation and their effect on the store.
//!
//! This module names the operations and dispatches a request body to the one asked for; the
//! operations themselves are grouped by what they act on.

mod addresses;
mod groups;
mod listing;
mod mailboxes;
mod organizations;
mod users;

use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api_error::{ApiError, ErrorKind};
use crate::store::Store;

pub use organizations::{NewOrganization, insert_mail_domain, insert_organization};

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
    ResetPassword,
    ListAliases,
    CreateAlias,
    DeleteAlias,
    UpdatePrimaryEmailAddress,
    CreateGroup,
    DescribeGroup,
    ListGroups,
    ListGroupMembers,
    ListGroupsForEntity,
    AssociateMemberToGroup,
    DisassociateMemberFromGroup,
    GetMailboxDetails,
    UpdateMailboxQuota,
}

impl Operation {
    pub const ALL: [Operation; 24] = [
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
        Self::ResetPassword,
        Self::ListAliases,
        Self::CreateAlias,
        Self::DeleteAlias,
        Self::UpdatePrimaryEmailAddress,
        Self::CreateGroup,
        Self::DescribeGroup,
        Self::ListGroups,
        Self::ListGroupMembers,
        Self::ListGroupsForEntity,
        Self::AssociateMemberToGroup,
        Self::DisassociateMemberFromGroup,
        Self::GetMailboxDetails,
        Self::UpdateMailboxQuota,
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
            Self::ResetPassword => "ResetPassword",
            Self::ListAliases => "ListAliases",
            Self::CreateAlias => "CreateAlias",
            Self::DeleteAlias => "DeleteAlias",
            Self::UpdatePrimaryEmailAddress => "UpdatePrimaryEmailAddress",
            Self::CreateGroup => "CreateGroup",
            Self::DescribeGroup => "DescribeGroup",
            Self::ListGroups => "ListGroups",
            Self::ListGroupMembers => "ListGroupMembers",
            Self::ListGroupsForEntity => "ListGroupsForEntity",
            Self::AssociateMemberToGroup => "AssociateMemberToGroup",
            Self::DisassociateMemberFromGroup => "DisassociateMemberFromGroup",
            Self::GetMailboxDetails => "GetMailboxDetails",
            Self::UpdateMailboxQuota => "UpdateMailboxQuota",
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
        Operation::ListOrganizations => {
            to_body(listing::list_organizations(context, parse(body)?).await)
        }
        Operation::DescribeOrganization => {
            to_body(organizations::describe_organization(context, parse(body)?).await)
        }
        Operation::CreateOrganization => {
            to_body(organizations::create_organization(context, parse(body)?).await)
        }
        Operation::CreateUser => to_body(users::create_user(context, parse(body)?).await),
        Operation::RegisterToWorkMail => {
            to_body(users::register_to_work_mail(context, parse(body)?).await)
        }
        Operation::DeregisterFromWorkMail => {
            to_body(users::deregister_from_work_mail(context, parse(body)?).await)
        }
        Operation::DeleteUser => to_body(users::delete_user(context, parse(body)?).await),
        Operation::DescribeUser => to_body(users::describe_user(context, parse(body)?).await),
        Operation::UpdateUser => to_body(users::update_user(context, parse(body)?).await),
        // The one large answer: its page is serialised straight from the rows.
        Operation::ListUsers => listing::list_users(context, parse(body)?).await,
        Operation::ResetPassword => to_body(users::reset_password(context, parse(body)?).await),
        Operation::ListAliases => to_body(addresses::list_aliases(context, parse(body)?).await),
        Operation::CreateAlias => to_body(addresses::create_alias(context, parse(body)?).await),
        Operation::DeleteAlias => to_body(addresses::delete_alias(context, parse(body)?).await),
        Operation::UpdatePrimaryEmailAddress => {
            to_body(addresses::update_primary_email_address(context, parse(body)?).await)
        }
        Operation::CreateGroup => to_body(groups::create_group(context, parse(body)?).await),
        Operation::DescribeGroup => to_body(groups::describe_group(context, parse(body)?).await),
        Operation::ListGroups => to_body(groups::list_groups(context, parse(body)?).await),
        Operation::ListGroupMembers => {
            to_body(groups::list_group_members(context, parse(body)?).await)
        }
        Operation::ListGroupsForEntity => {
            to_body(groups::list_groups_for_entity(context, parse(body)?).await)
        }
        Operation::AssociateMemberToGroup => {
            to_body(groups::associate_member_to_group(context, parse(body)?).await)
        }
        Operation::DisassociateMemberFromGroup => {
            to_body(groups::disassociate_member_from_group(context, parse(body)?).await)
        }
        Operation::GetMailboxDetails => {
            to_body(mailboxes::get_mailbox_details(context, parse(body)?).await)
        }
        Operation::UpdateMailboxQuota => {
            to_body(mailboxes::update_mailbox_quota(context, parse(body)?).await)
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::users::UpdateUserInput;

    #[test]
    fn operation_names_round_trip() {
        for operation in Operation::ALL {
            assert_eq!(Operation::from_name(operation.name()), Some(operation));
        }
        assert_eq!(Operation::from_name("DeleteGroup"), None);
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
