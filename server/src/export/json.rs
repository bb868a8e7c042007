//! JSON in the WorkMail emulator's seed format (the API's member names, dates as Unix seconds,
//! as DescribeUser gives them), so that an export seeds an emulator with the same organization
//! and users: ids, states and dates included.

use app::domain::{Attribute, DirectoryExport, Fact, Field, Timestamp, UserProfile, parse_flag};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SeedFile<'a> {
    organizations: [SeedOrganization<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SeedOrganization<'a> {
    organization_id: &'a str,
    alias: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    directory_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_mail_domain: Option<&'a str>,
    users: Vec<SeedUser<'a>>,
}

/// One user, members in DescribeUser's order; what the role may not read, or what is not
/// set, is left out.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SeedUser<'a> {
    user_id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_role: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    initials: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    telephone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    street: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    job_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zip_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    office: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hidden_from_global_address_list: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mailbox_provisioned_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mailbox_deprovisioned_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_provider_user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_provider_identity_store_id: Option<&'a str>,
}

/// The export as a seed file (pretty-printed, ending with a line break).
pub fn write(export: &DirectoryExport) -> String {
    let organization = &export.organization;
    let file = SeedFile {
        organizations: [SeedOrganization {
            organization_id: &organization.id,
            alias: organization.alias.as_deref().unwrap_or(&organization.id),
            state: organization.state.as_deref(),
            directory_type: organization.directory_type.as_deref(),
            default_mail_domain: organization.default_mail_domain.as_deref(),
            users: export.users.iter().map(|u| seed_user(export, u)).collect(),
        }],
    };
    // Serializing plain structs of text, numbers and flags cannot fail.
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

fn seed_user<'a>(export: &DirectoryExport, user: &'a UserProfile) -> SeedUser<'a> {
    let text = |field: Field| {
        Some(user.values.get(field))
            .filter(|v| export.has(Attribute::Field(field)) && !v.is_empty())
    };
    let fact = |fact: Fact| export.has(Attribute::Fact(fact));
    let date = |f: Fact, date: Option<Timestamp>| date.filter(|_| fact(f)).map(|d| d.0);
    let hidden = Field::HiddenFromGlobalAddressList;
    SeedUser {
        user_id: &user.user_id,
        // A seed needs a name; a role that may not read names gets the ids in their place.
        name: user.name.as_deref().unwrap_or(&user.user_id),
        email: user.email.as_deref(),
        state: user.state.map(|s| s.api_name()),
        user_role: text(Field::Role),
        display_name: text(Field::DisplayName),
        first_name: text(Field::FirstName),
        last_name: text(Field::LastName),
        initials: text(Field::Initials),
        telephone: text(Field::Telephone),
        street: text(Field::Street),
        job_title: text(Field::JobTitle),
        city: text(Field::City),
        company: text(Field::Company),
        zip_code: text(Field::ZipCode),
        department: text(Field::Department),
        country: text(Field::Country),
        office: text(Field::Office),
        // Empty when the role may not read it for this user: then no member, not a made-up
        // `false`.
        hidden_from_global_address_list: Some(user.values.get(hidden))
            .filter(|flag| export.has(Attribute::Field(hidden)) && !flag.is_empty())
            .map(parse_flag),
        enabled_date: date(Fact::EnabledDate, user.enabled_date),
        disabled_date: date(Fact::DisabledDate, user.disabled_date),
        mailbox_provisioned_date: date(Fact::MailboxProvisionedDate, user.mailbox_provisioned_date),
        mailbox_deprovisioned_date: date(
            Fact::MailboxDeprovisionedDate,
            user.mailbox_deprovisioned_date,
        ),
        identity_provider_user_id: user.identity_provider_user_id.as_deref(),
        identity_provider_identity_store_id: user.identity_provider_identity_store_id.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{FieldValues, Organization, UserState};

    fn export(attributes: Vec<Attribute>) -> DirectoryExport {
        DirectoryExport {
            organization: Organization {
                id: "m-1".into(),
                alias: Some("acme".into()),
                state: Some("Active".into()),
                directory_type: Some("WorkMail".into()),
                default_mail_domain: Some("acme.example.com".into()),
            },
            attributes,
            users: vec![UserProfile {
                user_id: "u-1".into(),
                name: Some("jane.doe".into()),
                email: Some("jane.doe@acme.example.com".into()),
                state: Some(UserState::Disabled),
                enabled_date: Some(Timestamp(100)),
                disabled_date: Some(Timestamp(200)),
                values: FieldValues::new()
                    .with(Field::Role, "USER")
                    .with(Field::HiddenFromGlobalAddressList, "true")
                    .with(Field::FirstName, "Jane")
                    .with(Field::City, ""),
                ..UserProfile::default()
            }],
            deleted: Default::default(),
        }
    }

    #[test]
    fn users_are_written_with_the_api_member_names() {
        let text = write(&export(Attribute::all().collect()));
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let organization = &value["Organizations"][0];
        assert_eq!(organization["OrganizationId"], "m-1");
        assert_eq!(organization["Alias"], "acme");
        assert_eq!(organization["DefaultMailDomain"], "acme.example.com");
        let user = &organization["Users"][0];
        assert_eq!(user["UserId"], "u-1");
        assert_eq!(user["State"], "DISABLED");
        assert_eq!(user["UserRole"], "USER");
        assert_eq!(user["FirstName"], "Jane");
        assert_eq!(user["HiddenFromGlobalAddressList"], true);
        assert_eq!(user["EnabledDate"], 100);
        assert_eq!(user["DisabledDate"], 200);
        assert!(user.get("City").is_none(), "an empty attribute is not set");
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn what_the_role_may_not_read_is_left_out() {
        let readable = Attribute::all()
            .filter(|a| {
                !matches!(
                    a,
                    Attribute::Field(Field::FirstName | Field::HiddenFromGlobalAddressList)
                        | Attribute::Fact(Fact::EnabledDate)
                )
            })
            .collect();
        let text = write(&export(readable));
        assert!(!text.contains("FirstName") && !text.contains("Jane"));
        assert!(!text.contains("HiddenFromGlobalAddressList"));
        assert!(!text.contains("EnabledDate"));
        assert!(text.contains("DisabledDate"));
    }
}
