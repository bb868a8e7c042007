//! Which LDAP attribute holds each of the portal's attributes. The defaults are inetOrgPerson's
//! (OpenLDAP, 389 DS, LLDAP); `PORTAL_LDAP_MAPPING` names a TOML file that overrides them for
//! other schemas, checked at start-up:
//!
//! ```toml
//! # Active Directory
//! user_filter = "(&(objectClass=user)(objectCategory=person))"
//! country_object_class = ""          # AD's user class allows `co` itself
//! conditional_writes = false         # AD does not know the assertion control
//! [attributes]
//! UserId = "objectGUID"              # (text ids only; see the README)
//! Name = "sAMAccountName"
//! Department = "department"
//! Company = "company"
//! Street = "streetAddress"
//! ```
//!
//! Role and HiddenFromGlobalAddressList are WorkMail's own: no LDAP attribute holds them, so
//! the portal shows them as unavailable on an LDAP directory.

use app::domain::Field;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The portal's attributes on an LDAP directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeMap {
    /// The user's stable id (OpenLDAP's operational `entryUUID`).
    pub id: String,
    /// The user name (`uid`), also the naming attribute of new LDIF entries.
    pub name: String,
    pub email: String,
    /// The free-text fields, in form order.
    pub fields: Vec<(Field, String)>,
    /// Which entries under the users' DN are users.
    pub user_filter: String,
    /// The auxiliary class an entry needs before it may hold a country (`co` is outside
    /// inetOrgPerson); empty when the schema allows it as it is.
    pub country_object_class: Option<String>,
    /// Whether saves carry the assertion control (RFC 4528), as a critical control: servers
    /// without it (Active Directory) need `conditional_writes = false`.
    pub conditional_writes: bool,
}

/// The fields LDAP cannot hold.
pub const UNAVAILABLE: [Field; 2] = [Field::Role, Field::HiddenFromGlobalAddressList];

impl Default for AttributeMap {
    /// inetOrgPerson, with the country in `co` (and `extensibleObject` to allow it).
    fn default() -> Self {
        let fields = [
            (Field::DisplayName, "displayName"),
            (Field::FirstName, "givenName"),
            (Field::Initials, "initials"),
            (Field::LastName, "sn"),
            (Field::JobTitle, "title"),
            (Field::Department, "departmentNumber"),
            (Field::Company, "o"),
            (Field::Office, "physicalDeliveryOfficeName"),
            (Field::Telephone, "telephoneNumber"),
            (Field::Street, "street"),
            (Field::City, "l"),
            (Field::ZipCode, "postalCode"),
            (Field::Country, "co"),
        ];
        Self {
            id: "entryUUID".into(),
            name: "uid".into(),
            email: "mail".into(),
            fields: fields
                .into_iter()
                .map(|(field, attribute)| (field, attribute.to_owned()))
                .collect(),
            user_filter: "(objectClass=inetOrgPerson)".into(),
            country_object_class: Some("extensibleObject".into()),
            conditional_writes: true,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    user_filter: Option<String>,
    country_object_class: Option<String>,
    conditional_writes: Option<bool>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

impl AttributeMap {
    /// The LDAP attribute of `field`, if the directory can hold it.
    pub fn attribute(&self, field: Field) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, attribute)| attribute.as_str())
    }

    /// Every attribute a user's page needs, for a search's attribute list.
    pub fn all_attributes(&self) -> Vec<&str> {
        [self.id.as_str(), &self.name, &self.email, "objectClass"]
            .into_iter()
            .chain(self.fields.iter().map(|(_, attribute)| attribute.as_str()))
            .collect()
    }

    /// The defaults with a TOML file's overrides; the message names what is wrong.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: MappingFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut map = Self::default();
        if let Some(filter) = file.user_filter {
            let filter = filter.trim().to_owned();
            if !(filter.starts_with('(') && filter.ends_with(')'))
                || ldap3::parse_filter(&filter).is_err()
            {
                return Err(format!(
                    "user_filter `{filter}` is not an LDAP filter (it starts with `(` and ends with `)`)"
                ));
            }
            map.user_filter = filter;
        }
        if let Some(class) = file.country_object_class {
            let class = class.trim().to_owned();
            if !class.is_empty() {
                check_name(&class)?;
            }
            map.country_object_class = (!class.is_empty()).then_some(class);
        }
        if let Some(conditional) = file.conditional_writes {
            map.conditional_writes = conditional;
        }
        for (name, attribute) in file.attributes {
            check_name(&attribute)?;
            match name.as_str() {
                "UserId" => map.id = attribute,
                "Name" => map.name = attribute,
                "Email" => map.email = attribute,
                other => {
                    let field = Field::text_fields()
                        .find(|f| f.api_name() == other)
                        .ok_or_else(|| match Field::ALL.iter().find(|f| f.api_name() == other) {
                            Some(_) => format!(
                                "[attributes] {other}: an LDAP directory cannot hold it (it is WorkMail's own)"
                            ),
                            None => format!(
                                "[attributes] {other} is not a portal attribute (UserId, Name, \
                                 Email or a text field such as Department)"
                            ),
                        })?;
                    if let Some(slot) = map.fields.iter_mut().find(|(f, _)| *f == field) {
                        slot.1 = attribute;
                    }
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for attribute in map.all_attributes() {
            if attribute != "objectClass" && !seen.insert(attribute.to_ascii_lowercase()) {
                return Err(format!(
                    "[attributes]: `{attribute}` holds two of the portal's attributes"
                ));
            }
        }
        Ok(map)
    }

    /// Reads `PORTAL_LDAP_MAPPING`.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// An attribute or class name: a letter, then letters, digits and hyphens.
fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(format!("`{name}` is not an LDAP attribute name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_inet_org_person() {
        let map = AttributeMap::default();
        assert_eq!(map.attribute(Field::Department), Some("departmentNumber"));
        assert_eq!(map.attribute(Field::Country), Some("co"));
        assert_eq!(map.attribute(Field::Role), None);
        assert_eq!(map.fields.len(), 13);
    }

    #[test]
    fn a_file_overrides_attributes_for_another_schema() {
        let map = AttributeMap::from_toml(
            "user_filter = \"(objectClass=user)\"\ncountry_object_class = \"\"\n\
             conditional_writes = false\n\
             [attributes]\nName = \"sAMAccountName\"\nDepartment = \"department\"\n\
             Street = \"streetAddress\"\n",
        )
        .expect("valid");
        assert_eq!(map.name, "sAMAccountName");
        assert_eq!(map.attribute(Field::Department), Some("department"));
        assert_eq!(map.attribute(Field::Street), Some("streetAddress"));
        assert_eq!(map.attribute(Field::City), Some("l"));
        assert_eq!(map.user_filter, "(objectClass=user)");
        assert_eq!(map.country_object_class, None);
        assert!(!map.conditional_writes);
        assert!(AttributeMap::default().conditional_writes);
    }

    #[test]
    fn mistakes_are_named() {
        let error = |text: &str| AttributeMap::from_toml(text).expect_err("refused");
        assert!(error("[attributes]\nRole = \"x\"\n").contains("cannot hold"));
        assert!(error("[attributes]\nDepartement = \"x\"\n").contains("not a portal attribute"));
        assert!(error("[attributes]\nCity = \"bad name\"\n").contains("not an LDAP attribute"));
        assert!(error("[attributes]\nCity = \"title\"\n").contains("holds two"));
        assert!(error("user_filter = \"objectClass=x\"\n").contains("not an LDAP filter"));
        assert!(error("user_filter = \"(objectClass=x\"\n").contains("not an LDAP filter"));
        assert!(error("colour = \"x\"\n").contains("unknown field"));
    }
}
