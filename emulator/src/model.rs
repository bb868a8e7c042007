//! The directory's records as stored and as put on the wire.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRole {
    User,
    Resource,
    SystemUser,
    RemoteUser,
}

impl UserRole {
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "USER" => Self::User,
            "RESOURCE" => Self::Resource,
            "SYSTEM_USER" => Self::SystemUser,
            "REMOTE_USER" => Self::RemoteUser,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::Resource => "RESOURCE",
            Self::SystemUser => "SYSTEM_USER",
            Self::RemoteUser => "REMOTE_USER",
        }
    }

    /// SYSTEM_USER and RESOURCE are set by WorkMail itself, never through the API.
    pub fn is_assignable(self) -> bool {
        matches!(self, Self::User | Self::RemoteUser)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityState {
    Enabled,
    Disabled,
    Deleted,
}

impl EntityState {
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "ENABLED" => Self::Enabled,
            "DISABLED" => Self::Disabled,
            "DELETED" => Self::Deleted,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "ENABLED",
            Self::Disabled => "DISABLED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One free-text profile attribute of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextAttribute {
    /// Its member name in the API, and in seed files.
    pub member: &'static str,
    /// The column of `users` it is stored in.
    pub column: &'static str,
}

/// Declares [`TextAttributes`] from one list of `field => "Member"` lines, so that adding an
/// attribute is one line here; a field's name is also the name of its column.
macro_rules! text_attributes {
    ($($field:ident => $member:literal,)+) => {
        /// The free-text profile attributes of a user, in the order DescribeUser documents them.
        /// `None` is an attribute that is not set (as stored) or not given (in an input, which
        /// embeds this with `#[serde(flatten)]`).
        #[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
        pub struct TextAttributes {
            $(
                #[serde(rename = $member)]
                pub $field: Option<String>,
            )+
        }

        impl TextAttributes {
            /// Every attribute, in order.
            pub const ALL: [TextAttribute; [$($member),+].len()] = [$(
                TextAttribute { member: $member, column: stringify!($field) },
            )+];

            /// Each attribute with its value, in [`TextAttributes::ALL`] order.
            pub fn values(&self) -> [(TextAttribute, Option<&str>); Self::ALL.len()] {
                [$(
                    (
                        TextAttribute { member: $member, column: stringify!($field) },
                        self.$field.as_deref(),
                    ),
                )+]
            }

            /// Builds the attributes from `value`, called once per attribute in
            /// [`TextAttributes::ALL`] order.
            pub fn try_from_fn<E>(
                mut value: impl FnMut(TextAttribute) -> Result<Option<String>, E>,
            ) -> Result<Self, E> {
                // The fields of a struct expression are evaluated in the order written.
                Ok(Self {
                    $(
                        $field: value(TextAttribute { member: $member, column: stringify!($field) })?,
                    )+
                })
            }
        }
    };
}

text_attributes! {
    display_name => "DisplayName",
    first_name => "FirstName",
    last_name => "LastName",
    initials => "Initials",
    telephone => "Telephone",
    street => "Street",
    job_title => "JobTitle",
    city => "City",
    company => "Company",
    zip_code => "ZipCode",
    department => "Department",
    country => "Country",
    office => "Office",
}

/// A user as stored. Cleared attributes are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub seq: i64,
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub state: EntityState,
    pub role: UserRole,
    pub attributes: TextAttributes,
    pub hidden_from_gal: bool,
    pub enabled_date: Option<i64>,
    pub disabled_date: Option<i64>,
    pub mailbox_provisioned_date: Option<i64>,
    pub mailbox_deprovisioned_date: Option<i64>,
    pub identity_provider_user_id: Option<String>,
    pub identity_provider_identity_store_id: Option<String>,
}

impl User {
    /// The DescribeUser response body.
    pub fn describe_json(&self) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        body.insert("UserId".into(), self.id.clone().into());
        body.insert("Name".into(), self.name.clone().into());
        if let Some(email) = &self.email {
            body.insert("Email".into(), email.clone().into());
        }
        body.insert("State".into(), self.state.as_str().into());
        body.insert("UserRole".into(), self.role.as_str().into());
        for (attribute, value) in self.attributes.values() {
            if let Some(value) = value {
                body.insert(attribute.member.into(), value.into());
            }
        }
        body.insert(
            "HiddenFromGlobalAddressList".into(),
            self.hidden_from_gal.into(),
        );
        for (member, date) in [
            ("EnabledDate", self.enabled_date),
            ("DisabledDate", self.disabled_date),
            ("MailboxProvisionedDate", self.mailbox_provisioned_date),
            ("MailboxDeprovisionedDate", self.mailbox_deprovisioned_date),
        ] {
            if let Some(date) = date {
                body.insert(member.into(), date.into());
            }
        }
        if let Some(id) = &self.identity_provider_user_id {
            body.insert("IdentityProviderUserId".into(), id.clone().into());
        }
        if let Some(id) = &self.identity_provider_identity_store_id {
            body.insert("IdentityProviderIdentityStoreId".into(), id.clone().into());
        }
        serde_json::Value::Object(body)
    }
}

/// One item of a ListUsers response, read straight from its columns.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListedUser {
    #[serde(skip)]
    pub seq: i64,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub state: String,
    pub user_role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider_identity_store_id: Option<String>,
}

impl ListedUser {
    /// The columns [`ListedUser::from_row`] reads, in order.
    pub const COLUMNS: &str = "seq, id, email, name, display_name, state, role, enabled_date, \
        disabled_date, identity_provider_user_id, identity_provider_identity_store_id";

    pub fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            seq: row.get(0)?,
            id: row.get(1)?,
            email: row.get(2)?,
            name: row.get(3)?,
            display_name: row.get(4)?,
            state: row.get(5)?,
            user_role: row.get(6)?,
            enabled_date: row.get(7)?,
            disabled_date: row.get(8)?,
            identity_provider_user_id: row.get(9)?,
            identity_provider_identity_store_id: row.get(10)?,
        })
    }
}

/// A group as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub seq: i64,
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub state: EntityState,
    pub hidden_from_gal: bool,
    pub enabled_date: Option<i64>,
    pub disabled_date: Option<i64>,
}

impl Group {
    /// The columns [`Group::from_row`] reads, in order.
    pub const COLUMNS: &str =
        "seq, id, name, email, state, hidden_from_gal, enabled_date, disabled_date";

    pub fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        let state: String = row.get(4)?;
        Ok(Self {
            seq: row.get(0)?,
            id: row.get(1)?,
            name: row.get(2)?,
            email: row.get(3)?,
            state: EntityState::parse(&state).unwrap_or(EntityState::Disabled),
            hidden_from_gal: row.get(5)?,
            enabled_date: row.get(6)?,
            disabled_date: row.get(7)?,
        })
    }

    /// A `Group` of ListGroups; DescribeGroup adds the address-list flag and names the id
    /// `GroupId`.
    pub fn listed_json(&self) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        body.insert("Id".into(), self.id.clone().into());
        if let Some(email) = &self.email {
            body.insert("Email".into(), email.clone().into());
        }
        body.insert("Name".into(), self.name.clone().into());
        body.insert("State".into(), self.state.as_str().into());
        for (member, date) in [
            ("EnabledDate", self.enabled_date),
            ("DisabledDate", self.disabled_date),
        ] {
            if let Some(date) = date {
                body.insert(member.into(), date.into());
            }
        }
        serde_json::Value::Object(body)
    }

    pub fn describe_json(&self) -> serde_json::Value {
        let mut body = self.listed_json();
        if let Some(body) = body.as_object_mut() {
            if let Some(id) = body.remove("Id") {
                body.insert("GroupId".into(), id);
            }
            body.insert(
                "HiddenFromGlobalAddressList".into(),
                self.hidden_from_gal.into(),
            );
        }
        body
    }
}

/// What a WorkMail identifier names: a user or a group.
#[derive(Debug, Clone, PartialEq)]
pub enum Entity {
    User(Box<User>),
    Group(Group),
}

impl Entity {
    pub fn id(&self) -> &str {
        match self {
            Self::User(user) => &user.id,
            Self::Group(group) => &group.id,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Self::User(user) => &user.name,
            Self::Group(group) => &group.name,
        }
    }

    pub fn email(&self) -> Option<&str> {
        match self {
            Self::User(user) => user.email.as_deref(),
            Self::Group(group) => group.email.as_deref(),
        }
    }

    pub fn state(&self) -> EntityState {
        match self {
            Self::User(user) => user.state,
            Self::Group(group) => group.state,
        }
    }

    /// The `MemberType` of ListGroupMembers.
    pub fn member_type(&self) -> &'static str {
        match self {
            Self::User(_) => "USER",
            Self::Group(_) => "GROUP",
        }
    }

    pub fn table(&self) -> &'static str {
        match self {
            Self::User(_) => "users",
            Self::Group(_) => "groups",
        }
    }

    pub fn seq(&self) -> i64 {
        match self {
            Self::User(user) => user.seq,
            Self::Group(group) => group.seq,
        }
    }
}

/// An organization as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: String,
    pub alias: String,
    /// "Active" unless a seed file says otherwise; anything else refuses user operations.
    pub state: String,
    pub directory_id: String,
    pub directory_type: String,
    pub default_mail_domain: String,
    pub completed_date: i64,
}

impl Organization {
    pub fn is_active(&self) -> bool {
        self.state == "Active"
    }

    /// Users of an organization backed by an external Active Directory are managed there.
    pub fn manages_users(&self) -> bool {
        self.directory_type != "ActiveDirectory"
    }

    pub fn arn(&self, region: &str) -> String {
        format!(
            "arn:aws:workmail:{region}:000000000000:organization/{}",
            self.id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_attribute_members_are_their_columns_in_pascal_case() {
        for attribute in TextAttributes::ALL {
            let pascal: String = attribute
                .column
                .split('_')
                .map(|word| word[..1].to_ascii_uppercase() + &word[1..])
                .collect();
            assert_eq!(attribute.member, pascal);
        }
    }

    #[test]
    fn text_attributes_are_read_and_listed_in_one_order() {
        let attributes =
            TextAttributes::try_from_fn(|attribute| Ok::<_, ()>(Some(attribute.column.to_owned())))
                .expect("built");
        assert_eq!(
            attributes.values().map(|(attribute, _)| attribute),
            TextAttributes::ALL
        );
        for (attribute, value) in attributes.values() {
            assert_eq!(value, Some(attribute.column));
        }
        let given: TextAttributes =
            serde_json::from_str(r#"{"ZipCode": "98109", "Office": ""}"#).expect("parsed");
        assert_eq!(given.zip_code.as_deref(), Some("98109"));
        assert_eq!(given.office.as_deref(), Some(""));
        assert_eq!(given.city, None);
    }
}
