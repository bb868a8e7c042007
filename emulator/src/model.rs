//! The directory's records as stored and as put on the wire.

use serde::Serialize;

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

/// The 13 free-text profile attributes, in the order DescribeUser documents them, with the
/// column each is stored in.
pub const TEXT_ATTRIBUTES: [(&str, &str); 13] = [
    ("DisplayName", "display_name"),
    ("FirstName", "first_name"),
    ("LastName", "last_name"),
    ("Initials", "initials"),
    ("Telephone", "telephone"),
    ("Street", "street"),
    ("JobTitle", "job_title"),
    ("City", "city"),
    ("Company", "company"),
    ("ZipCode", "zip_code"),
    ("Department", "department"),
    ("Country", "country"),
    ("Office", "office"),
];

/// A user as stored. Cleared attributes are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub seq: i64,
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub state: EntityState,
    pub role: UserRole,
    /// Values of [`TEXT_ATTRIBUTES`], same order.
    pub attributes: [Option<String>; 13],
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
        for ((member, _), value) in TEXT_ATTRIBUTES.iter().zip(&self.attributes) {
            if let Some(value) = value {
                body.insert((*member).into(), value.clone().into());
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
