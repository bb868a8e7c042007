//! Seed data: the demo organization, or organizations and users from a JSON file.
//!
//! (Over 500 lines: most of it is the demo organization's fixed names, departments and offices.)

use std::path::Path;

use rusqlite::types::ToSql;
use rusqlite::{Connection, params};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::api_error::ApiError;
use crate::model::{EntityState, TextAttributes, UserRole};
use crate::operations::{NewOrganization, insert_mail_domain, insert_organization};
use crate::store::{self, Store};
use crate::validation::{self as check, MAX_MAILBOX_QUOTA_MB};

/// The demo organization's id.
pub const DEMO_ORGANIZATION_ID: &str = "m-0123456789abcdef0123456789abcdef";
pub const DEMO_ALIAS: &str = "demo";
pub const DEMO_MAIL_DOMAIN: &str = "demo.example.com";

/// The seed file: the API's own member names, so a DescribeUser answer reads the same.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedFile {
    pub organizations: Vec<SeedOrganization>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedOrganization {
    pub organization_id: Option<String>,
    pub alias: String,
    #[serde(default = "active")]
    pub state: String,
    #[serde(default = "workmail_directory")]
    pub directory_type: String,
    pub default_mail_domain: Option<String>,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub users: Vec<SeedUser>,
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
}

/// A group of a seed file; its members are user or group names of the same organization.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedGroup {
    pub group_id: Option<String>,
    pub name: String,
    /// Given, the group is registered to WorkMail with it (unless `State` says otherwise).
    pub email: Option<String>,
    pub state: Option<String>,
    #[serde(default)]
    pub hidden_from_global_address_list: bool,
    #[serde(default)]
    pub members: Vec<String>,
}

fn active() -> String {
    "Active".into()
}
fn workmail_directory() -> String {
    "WorkMail".into()
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedUser {
    pub user_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub state: Option<String>,
    pub user_role: Option<String>,
    #[serde(flatten)]
    pub attributes: TextAttributes,
    #[serde(default)]
    pub hidden_from_global_address_list: bool,
    /// The dates, as DescribeUser gives them (Unix seconds); not given, they are made up
    /// (deterministically), so an export of a directory seeds the same dates back.
    pub enabled_date: Option<i64>,
    pub disabled_date: Option<i64>,
    pub mailbox_provisioned_date: Option<i64>,
    pub mailbox_deprovisioned_date: Option<i64>,
    pub identity_provider_user_id: Option<String>,
    pub identity_provider_identity_store_id: Option<String>,
    /// Addresses besides `Email`.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// In MB; not given, WorkMail's default (50 GB).
    pub mailbox_quota: Option<i64>,
    /// What the mailbox holds, in MB; not given, nothing.
    pub mailbox_size: Option<f64>,
}

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {message}")]
    Read { path: String, message: String },
    #[error("seed data is invalid: {0}")]
    Invalid(String),
}

/// Loads a seed file into the store; organizations that already exist are left alone.
pub async fn seed_file(store: &Store, path: &Path) -> Result<usize, SeedError> {
    let read_error = |message: String| SeedError::Read {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|error| read_error(error.to_string()))?;
    let file: SeedFile =
        serde_json::from_str(&text).map_err(|error| read_error(error.to_string()))?;
    seed(store, file.organizations).await
}

/// Creates the demo organization with `users` users, unless it exists.
pub async fn seed_demo(store: &Store, users: usize) -> Result<usize, SeedError> {
    seed(store, vec![demo_organization(users)]).await
}

async fn seed(store: &Store, organizations: Vec<SeedOrganization>) -> Result<usize, SeedError> {
    for organization in &organizations {
        validate(organization).map_err(|error| {
            SeedError::Invalid(format!(
                "organization {}: {}",
                organization.alias, error.message
            ))
        })?;
    }
    store
        .write(move |connection| {
            let mut created = 0;
            for organization in &organizations {
                created += insert_seed_organization(connection, organization)?;
            }
            Ok(created)
        })
        .await
        .map_err(|error| SeedError::Invalid(error.message))
}

fn validate(organization: &SeedOrganization) -> Result<(), ApiError> {
    if let Some(id) = &organization.organization_id {
        check::organization_id("OrganizationId", id)?;
    }
    check::organization_name("Alias", &organization.alias)?;
    for domain in organization
        .domains
        .iter()
        .chain(&organization.default_mail_domain)
    {
        check::domain_name("Domains", domain)?;
    }
    for user in &organization.users {
        let in_user =
            |error: ApiError| ApiError::invalid(format!("user {}: {}", user.name, error.message));
        check::user_name("Name", &user.name).map_err(in_user)?;
        if let Some(email) = &user.email {
            check::email_address("Email", email).map_err(in_user)?;
        }
        if let Some(state) = &user.state {
            check::entity_state("State", state).map_err(in_user)?;
        }
        if let Some(role) = &user.user_role {
            check::user_role("UserRole", role).map_err(in_user)?;
        }
        for (attribute, value) in user.attributes.values() {
            if let Some(value) = value {
                check::attribute(attribute.member, value).map_err(in_user)?;
            }
        }
        if let Some(id) = &user.identity_provider_user_id {
            check::identity_provider_user_id("IdentityProviderUserId", id).map_err(in_user)?;
        }
        if let Some(id) = &user.identity_provider_identity_store_id {
            check::identity_store_id("IdentityProviderIdentityStoreId", id).map_err(in_user)?;
        }
        for alias in &user.aliases {
            check::email_address("Aliases", alias).map_err(in_user)?;
        }
        if let Some(quota) = user.mailbox_quota {
            check::mailbox_quota("MailboxQuota", quota).map_err(in_user)?;
        }
        if user
            .mailbox_size
            .is_some_and(|size| size.is_nan() || size < 0.0)
        {
            return Err(in_user(ApiError::invalid(
                "MailboxSize must be a number of MB, at least 0.",
            )));
        }
    }
    let mut names: std::collections::HashSet<String> = organization
        .users
        .iter()
        .map(|user| user.name.to_ascii_lowercase())
        .collect();
    for group in &organization.groups {
        let in_group =
            |error: ApiError| ApiError::invalid(format!("group {}: {}", group.name, error.message));
        check::group_name("Name", &group.name).map_err(in_group)?;
        if !names.insert(group.name.to_ascii_lowercase()) {
            return Err(in_group(ApiError::invalid(
                "its name is already a user's or another group's",
            )));
        }
        if let Some(email) = &group.email {
            check::email_address("Email", email).map_err(in_group)?;
        }
        if let Some(state) = &group.state {
            check::entity_state("State", state).map_err(in_group)?;
        }
    }
    for group in &organization.groups {
        for member in &group.members {
            if !names.contains(&member.to_ascii_lowercase()) {
                return Err(ApiError::invalid(format!(
                    "group {}: member {member} is no user or group of this organization",
                    group.name
                )));
            }
        }
    }
    Ok(())
}

/// Inserts one organization and its users; returns 0 if it was already there.
fn insert_seed_organization(
    connection: &Connection,
    organization: &SeedOrganization,
) -> Result<usize, ApiError> {
    let id = organization
        .organization_id
        .clone()
        .unwrap_or_else(|| format!("m-{}", hex::encode(&digest(&organization.alias)[..16])));
    let exists: bool = connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?1 OR alias = ?2)",
        params![id, organization.alias],
        |row| row.get(0),
    )?;
    if exists {
        return Ok(0);
    }
    let test_domain = format!("{}.awsapps.com", organization.alias.to_ascii_lowercase());
    let default_domain = organization
        .default_mail_domain
        .clone()
        .or_else(|| organization.domains.first().cloned())
        .unwrap_or_else(|| test_domain.clone());
    insert_organization(
        connection,
        &NewOrganization {
            id: &id,
            alias: &organization.alias,
            state: &organization.state,
            directory_id: &format!("d-{}", &hex::encode(digest(&id))[..10]),
            directory_type: &organization.directory_type,
            default_mail_domain: &default_domain,
            client_token: None,
        },
    )?;
    for domain in [&test_domain, &default_domain]
        .into_iter()
        .chain(&organization.domains)
    {
        insert_mail_domain(connection, &id, domain, "VERIFIED")?;
    }
    // The values of each user below follow this order: the columns of a user row, but the
    // organization's id instead of `seq`, which SQLite assigns.
    let columns: Vec<&str> = std::iter::once("organization_id")
        .chain(store::user_columns().filter(|column| *column != "seq"))
        .collect();
    let mut insert = connection.prepare_cached(&format!(
        "INSERT INTO users ({}) VALUES ({})",
        columns.join(", "),
        (1..=columns.len())
            .map(|n| format!("?{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let mut entities = std::collections::HashMap::with_capacity(organization.users.len());
    for (index, user) in organization.users.iter().enumerate() {
        let state = user
            .state
            .as_deref()
            .and_then(EntityState::parse)
            .unwrap_or(if user.email.is_some() {
                EntityState::Enabled
            } else {
                EntityState::Disabled
            });
        let role = user
            .user_role
            .as_deref()
            .and_then(UserRole::parse)
            .unwrap_or(UserRole::User);
        // The dates as given (an export seeds them back); none given, deterministic ones, an
        // hour apart from 2024-01-15.
        let given = [
            user.enabled_date,
            user.disabled_date,
            user.mailbox_provisioned_date,
            user.mailbox_deprovisioned_date,
        ];
        let [enabled, disabled, provisioned, deprovisioned] = if given.iter().any(Option::is_some) {
            given
        } else {
            let created = 1_705_305_600 + i64::try_from(index).unwrap_or(0) * 3_600;
            let enabled = user.email.is_some().then_some(created);
            let disabled =
                (state != EntityState::Enabled && enabled.is_some()).then_some(created + 86_400);
            [enabled, disabled, enabled, disabled]
        };
        // An empty attribute is stored as not set.
        let attributes = user
            .attributes
            .values()
            .map(|(_, value)| value.filter(|value| !value.is_empty()));
        let user_id = user
            .user_id
            .clone()
            .unwrap_or_else(|| deterministic_user_id(&id, &user.name));
        let (state, role) = (state.as_str(), role.as_str());
        let mut values: Vec<&dyn ToSql> =
            vec![&id, &user_id, &user.name, &user.email, &state, &role];
        values.extend(attributes.iter().map(|value| value as &dyn ToSql));
        values.extend([
            &user.hidden_from_global_address_list as &dyn ToSql,
            &enabled,
            &disabled,
            &provisioned,
            &deprovisioned,
            &user.identity_provider_user_id,
            &user.identity_provider_identity_store_id,
        ]);
        let inserted = insert.execute(values.as_slice());
        if let Err(error) = inserted {
            return Err(ApiError::invalid(format!(
                "user {} cannot be added ({error}); names and addresses must be unique",
                user.name
            )));
        }
        insert_mailbox_and_aliases(connection, &id, &user_id, user)?;
        entities.insert(user.name.to_ascii_lowercase(), (user_id, "USER"));
    }
    insert_seed_groups(connection, &id, &organization.groups, &mut entities)?;
    Ok(1)
}

fn insert_mailbox_and_aliases(
    connection: &Connection,
    organization_id: &str,
    user_id: &str,
    user: &SeedUser,
) -> Result<(), ApiError> {
    if user.mailbox_quota.is_some() || user.mailbox_size.is_some() {
        connection
            .prepare_cached(
                "INSERT INTO mailboxes (organization_id, user_id, quota_mb, size_mb) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                organization_id,
                user_id,
                user.mailbox_quota.unwrap_or(MAX_MAILBOX_QUOTA_MB),
                user.mailbox_size.unwrap_or(0.0)
            ])?;
    }
    for alias in &user.aliases {
        insert_alias(connection, organization_id, user_id, alias, &user.name)?;
    }
    Ok(())
}

fn insert_alias(
    connection: &Connection,
    organization_id: &str,
    entity_id: &str,
    alias: &str,
    owner: &str,
) -> Result<(), ApiError> {
    if store::address_in_use(connection, organization_id, alias, None)? {
        return Err(ApiError::invalid(format!(
            "{owner}: the alias {alias} is already another address"
        )));
    }
    connection
        .prepare_cached(
            "INSERT INTO aliases (organization_id, entity_id, address) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![organization_id, entity_id, alias])?;
    Ok(())
}

/// Inserts the groups, then their memberships (so a group may list a group declared after it).
/// `entities` maps lower-cased names to ids and member types.
fn insert_seed_groups(
    connection: &Connection,
    organization_id: &str,
    groups: &[SeedGroup],
    entities: &mut std::collections::HashMap<String, (String, &'static str)>,
) -> Result<(), ApiError> {
    let mut insert = connection.prepare_cached(
        "INSERT INTO groups (organization_id, id, name, email, state, hidden_from_gal, \
         enabled_date, disabled_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (index, group) in groups.iter().enumerate() {
        let state = group
            .state
            .as_deref()
            .and_then(EntityState::parse)
            .unwrap_or(if group.email.is_some() {
                EntityState::Enabled
            } else {
                EntityState::Disabled
            });
        if group.email.as_deref().is_some_and(|email| {
            store::address_in_use(connection, organization_id, email, None).unwrap_or(true)
        }) {
            return Err(ApiError::invalid(format!(
                "group {}: its address is already another's",
                group.name
            )));
        }
        let group_id = group.group_id.clone().unwrap_or_else(|| {
            deterministic_user_id(organization_id, &format!("group:{}", group.name))
        });
        let created = 1_704_096_000 + i64::try_from(index).unwrap_or(0) * 3_600;
        let enabled = group.email.is_some().then_some(created);
        let disabled =
            (state != EntityState::Enabled && enabled.is_some()).then_some(created + 86_400);
        insert.execute(params![
            organization_id,
            group_id,
            group.name,
            group.email,
            state.as_str(),
            group.hidden_from_global_address_list,
            enabled,
            disabled
        ])?;
        entities.insert(group.name.to_ascii_lowercase(), (group_id, "GROUP"));
    }
    let mut member_insert = connection.prepare_cached(
        "INSERT OR IGNORE INTO group_members (organization_id, group_id, member_id, member_type) \
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for group in groups {
        let Some((group_id, _)) = entities.get(&group.name.to_ascii_lowercase()) else {
            continue;
        };
        for member in &group.members {
            let Some((member_id, member_type)) = entities.get(&member.to_ascii_lowercase()) else {
                return Err(ApiError::invalid(format!(
                    "group {}: member {member} is no user or group of this organization",
                    group.name
                )));
            };
            member_insert.execute(params![organization_id, group_id, member_id, member_type])?;
        }
    }
    Ok(())
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// A UUID-shaped id derived from the organization and the name, so seeds are reproducible.
fn deterministic_user_id(organization_id: &str, name: &str) -> String {
    let hex = hex::encode(&digest(&format!("{organization_id}/{name}"))[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

const FIRST_NAMES: [&str; 48] = [
    "Aisha", "Ben", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal",
    "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Samir", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Chloe", "Diego", "Emma", "Felix", "Gita",
    "Hugo", "Ivy", "Jamal", "Kira", "Liam", "Maya", "Noah", "Olga", "Pablo", "Rina", "Sofia",
    "Tomas", "Uma", "Viktor", "Yara",
];
const LAST_NAMES: [&str; 40] = [
    "Okafor", "Schmidt", "Rossi", "Ivanova", "Garcia", "Haddad", "Kim", "Tanaka", "Silva", "Berg",
    "Yilmaz", "Novak", "Lopez", "Rahman", "Lund", "Patel", "Dubois", "Moreno", "Aziz", "Walsh",
    "Chen", "Nguyen", "Kowalski", "Mensah", "Fischer", "Costa", "Brennan", "Sato", "Andersen",
    "Ortiz", "Cohen", "Popescu", "Murphy", "Singh", "Jensen", "Reyes", "Weber", "Khan", "Larsen",
    "Morales",
];
/// Department, and job titles found in it.
const DEPARTMENTS: [(&str, [&str; 3]); 8] = [
    (
        "Engineering",
        [
            "Software Engineer",
            "Engineering Manager",
            "Site Reliability Engineer",
        ],
    ),
    (
        "People",
        [
            "HR Business Partner",
            "Recruiter",
            "People Operations Specialist",
        ],
    ),
    ("Finance", ["Accountant", "Financial Analyst", "Controller"]),
    (
        "Sales",
        ["Account Executive", "Sales Engineer", "Sales Manager"],
    ),
    (
        "Marketing",
        [
            "Content Strategist",
            "Product Marketing Manager",
            "Designer",
        ],
    ),
    (
        "Support",
        ["Support Engineer", "Support Lead", "Technical Writer"],
    ),
    (
        "IT",
        [
            "Systems Administrator",
            "IT Support Specialist",
            "Security Engineer",
        ],
    ),
    ("Legal", ["Counsel", "Paralegal", "Compliance Officer"]),
];
/// Office, street, city, zip code, country, phone prefix.
const OFFICES: [(&str, &str, &str, &str, &str, &str); 4] = [
    (
        "SEA-1",
        "410 Terry Ave N",
        "Seattle",
        "98109",
        "United States",
        "+1 206 555",
    ),
    (
        "BER-2",
        "Friedrichstrasse 68",
        "Berlin",
        "10117",
        "Germany",
        "+49 30 5550",
    ),
    (
        "DUB-1",
        "2 Grand Canal Square",
        "Dublin",
        "D02 A342",
        "Ireland",
        "+353 1 555",
    ),
    (
        "SIN-1",
        "23 Church Street",
        "Singapore",
        "049481",
        "Singapore",
        "+65 6555",
    ),
];

/// The demo organization: `count` users (at least the five fixed ones below).
pub fn demo_organization(count: usize) -> SeedOrganization {
    let mut users = vec![
        SeedUser {
            name: "jane.doe".into(),
            email: Some(format!("jane.doe@{DEMO_MAIL_DOMAIN}")),
            state: Some("ENABLED".into()),
            user_role: Some("USER".into()),
            attributes: TextAttributes {
                display_name: Some("Jane Doe".into()),
                first_name: Some("Jane".into()),
                last_name: Some("Doe".into()),
                initials: Some("JD".into()),
                telephone: Some("+1 206 555 0100".into()),
                street: Some("410 Terry Ave N".into()),
                job_title: Some("Software Engineer".into()),
                city: Some("Seattle".into()),
                company: Some("Demo Corp".into()),
                zip_code: Some("98109".into()),
                department: Some("Engineering".into()),
                country: Some("United States".into()),
                office: Some("SEA-1".into()),
            },
            aliases: vec![
                format!("jane@{DEMO_MAIL_DOMAIN}"),
                format!("j.doe@{DEMO_MAIL_DOMAIN}"),
            ],
            mailbox_size: Some(12_874.5),
            ..SeedUser::default()
        },
        SeedUser {
            name: "sam.contractor".into(),
            email: Some(format!("sam.contractor@{DEMO_MAIL_DOMAIN}")),
            state: Some("ENABLED".into()),
            user_role: Some("REMOTE_USER".into()),
            attributes: TextAttributes {
                display_name: Some("Sam Contractor".into()),
                first_name: Some("Sam".into()),
                last_name: Some("Contractor".into()),
                company: Some("Partner Consulting".into()),
                job_title: Some("External Consultant".into()),
                department: Some("Engineering".into()),
                ..TextAttributes::default()
            },
            // A small mailbox, nearly full.
            mailbox_quota: Some(2_048),
            mailbox_size: Some(1_996.25),
            ..SeedUser::default()
        },
        SeedUser {
            name: "mail.journal".into(),
            email: Some(format!("mail.journal@{DEMO_MAIL_DOMAIN}")),
            state: Some("ENABLED".into()),
            user_role: Some("SYSTEM_USER".into()),
            attributes: TextAttributes {
                display_name: Some("Journaling System User".into()),
                ..TextAttributes::default()
            },
            hidden_from_global_address_list: true,
            ..SeedUser::default()
        },
        SeedUser {
            name: "room.everest".into(),
            email: Some(format!("room.everest@{DEMO_MAIL_DOMAIN}")),
            state: Some("ENABLED".into()),
            user_role: Some("RESOURCE".into()),
            attributes: TextAttributes {
                display_name: Some("Meeting Room Everest".into()),
                office: Some("SEA-1".into()),
                ..TextAttributes::default()
            },
            ..SeedUser::default()
        },
        SeedUser {
            name: "former.employee".into(),
            email: Some(format!("former.employee@{DEMO_MAIL_DOMAIN}")),
            state: Some("DELETED".into()),
            user_role: Some("USER".into()),
            attributes: TextAttributes {
                display_name: Some("Former Employee".into()),
                first_name: Some("Former".into()),
                last_name: Some("Employee".into()),
                ..TextAttributes::default()
            },
            ..SeedUser::default()
        },
    ];
    let fixed = users.len();
    let mut taken: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for index in 0..count.saturating_sub(fixed) {
        let first = FIRST_NAMES[index % FIRST_NAMES.len()];
        // Walk the last names at another stride so pairs vary before they repeat.
        let last = LAST_NAMES[(index / FIRST_NAMES.len() + index * 7) % LAST_NAMES.len()];
        let base = format!(
            "{}.{}",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase()
        );
        let seen = taken.entry(base.clone()).or_insert(0);
        *seen += 1;
        let name = if *seen == 1 {
            base
        } else {
            format!("{base}{seen}")
        };
        let (department, titles) = DEPARTMENTS[index % DEPARTMENTS.len()];
        let (office, street, city, zip, country, phone) = OFFICES[(index / 3) % OFFICES.len()];
        // Every 9th user was never registered, every 13th was deregistered.
        let (state, email) = if index % 9 == 8 {
            ("DISABLED", None)
        } else if index % 13 == 12 {
            ("DISABLED", Some(format!("{name}@{DEMO_MAIL_DOMAIN}")))
        } else {
            ("ENABLED", Some(format!("{name}@{DEMO_MAIL_DOMAIN}")))
        };
        // Every 11th mailbox has a 10 GB quota; every 17th is nearly full, the rest hold up
        // to 60 % of theirs.
        let quota = if index % 11 == 10 {
            10_240
        } else {
            MAX_MAILBOX_QUOTA_MB
        };
        let share = if index % 17 == 16 {
            0.92 + (index % 8) as f64 / 100.0
        } else {
            (index * 7_919 % 600) as f64 / 1_000.0
        };
        let has_mailbox = email.is_some();
        users.push(SeedUser {
            mailbox_quota: (has_mailbox && quota != MAX_MAILBOX_QUOTA_MB).then_some(quota),
            mailbox_size: has_mailbox.then(|| (quota as f64 * share * 4.0).round() / 4.0),
            email,
            state: Some(state.into()),
            user_role: Some("USER".into()),
            attributes: TextAttributes {
                display_name: Some(format!("{first} {last}")),
                first_name: Some(first.into()),
                last_name: Some(last.into()),
                initials: Some(format!("{}{}", &first[..1], &last[..1])),
                telephone: Some(format!("{phone} {:04}", 1000 + index % 9000)),
                street: Some(street.into()),
                job_title: Some(titles[(index / DEPARTMENTS.len()) % titles.len()].into()),
                city: Some(city.into()),
                company: Some("Demo Corp".into()),
                zip_code: Some(zip.into()),
                department: Some(department.into()),
                country: Some(country.into()),
                office: Some(office.into()),
            },
            name,
            ..SeedUser::default()
        });
    }
    let groups = demo_groups(&users);
    SeedOrganization {
        organization_id: Some(DEMO_ORGANIZATION_ID.into()),
        alias: DEMO_ALIAS.into(),
        state: active(),
        directory_type: workmail_directory(),
        default_mail_domain: Some(DEMO_MAIL_DOMAIN.into()),
        domains: vec![DEMO_MAIL_DOMAIN.into()],
        users,
        groups,
    }
}

/// The demo's groups: everyone, one per department, a few projects (one with a group as a
/// member) and a disabled one.
fn demo_groups(users: &[SeedUser]) -> Vec<SeedGroup> {
    let live = |user: &&SeedUser| user.state.as_deref() != Some("DELETED");
    let people = |user: &&SeedUser| {
        matches!(
            user.user_role.as_deref(),
            None | Some("USER" | "REMOTE_USER")
        )
    };
    let in_department = |department: &str| -> Vec<String> {
        users
            .iter()
            .filter(live)
            .filter(|user| user.attributes.department.as_deref() == Some(department))
            .map(|user| user.name.clone())
            .collect()
    };
    let group = |name: &str, members: Vec<String>| SeedGroup {
        name: name.into(),
        email: Some(format!("{name}@{DEMO_MAIL_DOMAIN}")),
        members,
        ..SeedGroup::default()
    };
    let mut groups = vec![group(
        "all-staff",
        users
            .iter()
            .filter(|user| user.state.as_deref() == Some("ENABLED"))
            .filter(people)
            .map(|user| user.name.clone())
            .collect(),
    )];
    for (department, _) in DEPARTMENTS {
        groups.push(group(
            &department.to_ascii_lowercase(),
            in_department(department),
        ));
    }
    let engineers = in_department("Engineering");
    let mut atlas = vec!["jane.doe".to_owned()];
    atlas.extend(
        engineers
            .iter()
            .filter(|name| *name != "jane.doe")
            .take(10)
            .cloned(),
    );
    groups.push(group("project-atlas", atlas));
    let mut borealis = vec!["sam.contractor".to_owned()];
    borealis.extend(in_department("Sales").into_iter().take(4));
    borealis.extend(in_department("Marketing").into_iter().take(4));
    groups.push(group("project-borealis", borealis));
    groups.push(group(
        "incident-response",
        vec!["jane.doe".into(), "it".into()],
    ));
    groups.push(SeedGroup {
        name: "alumni-2023".into(),
        ..SeedGroup::default()
    });
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_organization_is_valid_and_deterministic() {
        let first = demo_organization(10_000);
        assert_eq!(first.users.len(), 10_000);
        assert!(validate(&first).is_ok());
        let names: std::collections::HashSet<_> = first.users.iter().map(|u| &u.name).collect();
        assert_eq!(names.len(), 10_000, "user names are unique");
        let again = demo_organization(10_000);
        assert_eq!(first.users[777].name, again.users[777].name);
        assert_eq!(
            deterministic_user_id(DEMO_ORGANIZATION_ID, "jane.doe"),
            deterministic_user_id(DEMO_ORGANIZATION_ID, "jane.doe")
        );
    }

    #[test]
    fn demo_organization_has_every_kind_of_user() {
        let demo = demo_organization(50);
        let role = |r: &str| demo.users.iter().any(|u| u.user_role.as_deref() == Some(r));
        assert!(role("REMOTE_USER") && role("SYSTEM_USER") && role("RESOURCE"));
        let state = |s: &str| {
            demo.users
                .iter()
                .filter(|u| u.state.as_deref() == Some(s))
                .count()
        };
        assert!(state("DISABLED") >= 3, "several disabled users");
        assert!(state("DELETED") >= 1);
        let jane = demo
            .users
            .iter()
            .find(|u| u.name == "jane.doe")
            .expect("jane");
        assert!(
            jane.attributes
                .values()
                .iter()
                .all(|(_, value)| value.is_some_and(|value| !value.is_empty()))
        );
        assert_eq!(jane.aliases.len(), 2);
    }

    #[test]
    fn demo_groups_and_mailboxes_are_realistic() {
        let demo = demo_organization(1_000);
        assert!(validate(&demo).is_ok());
        let group = |name: &str| {
            demo.groups
                .iter()
                .find(|group| group.name == name)
                .expect("group")
        };
        let enabled_people = demo
            .users
            .iter()
            .filter(|user| {
                user.state.as_deref() == Some("ENABLED")
                    && matches!(user.user_role.as_deref(), Some("USER" | "REMOTE_USER"))
            })
            .count();
        assert_eq!(group("all-staff").members.len(), enabled_people);
        assert!(group("engineering").members.len() > 100);
        assert!(
            group("incident-response")
                .members
                .contains(&"it".to_owned())
        );
        assert!(group("alumni-2023").email.is_none());
        let near_full = demo
            .users
            .iter()
            .filter(|user| {
                let quota = user.mailbox_quota.unwrap_or(MAX_MAILBOX_QUOTA_MB) as f64;
                user.mailbox_size.is_some_and(|size| size > quota * 0.9)
            })
            .count();
        assert!(
            near_full > 20,
            "some mailboxes are nearly full ({near_full})"
        );
        assert!(
            demo.users
                .iter()
                .any(|user| user.mailbox_quota == Some(10_240))
        );
    }
}
