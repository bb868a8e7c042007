//! LDIF (RFC 2849): one inetOrgPerson entry per user under a base DN, for `ldapadd` into a new
//! LDAP directory. Attributes follow the LDAP directory's default mapping
//! ([`AttributeMap::default`]), so the portal on `PORTAL_DIRECTORY=ldap` reads the entries as
//! it wrote them; values that are not plain ASCII are base64-encoded, as LDIF requires.

use crate::directory::ldap::AttributeMap;
use app::domain::{Attribute, DirectoryExport, Fact, Field, UserProfile};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The export as LDIF with every entry under `base_dn` (checked by the use case). Deleted
/// users are left out: in a new directory they would be live accounts again.
pub fn write(export: &DirectoryExport, base_dn: &str) -> String {
    let base_dn = base_dn.trim();
    let users: Vec<&UserProfile> = export
        .users
        .iter()
        .filter(|u| !export.deleted.contains(&u.user_id))
        .collect();
    let left_out = export.users.len() - users.len();
    let mut out = format!(
        "# workmail-portal export of organization {}: {} users{}\nversion: 1\n",
        export
            .organization
            .id
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>(),
        users.len(),
        if left_out > 0 {
            format!(" ({left_out} deleted users left out)")
        } else {
            String::new()
        }
    );
    let map = AttributeMap::default();
    for user in users {
        out.push('\n');
        entry(&mut out, &map, export, user, base_dn);
    }
    out
}

fn entry(
    out: &mut String,
    map: &AttributeMap,
    export: &DirectoryExport,
    user: &UserProfile,
    base_dn: &str,
) {
    let value = |attribute: Attribute| -> Option<&str> {
        if !export.has(attribute) {
            return None;
        }
        let value = match attribute {
            Attribute::Field(field) => Some(user.values.get(field)),
            Attribute::Fact(Fact::Email) => user.email.as_deref(),
            Attribute::Fact(_) => None,
        };
        value.filter(|v| !v.trim().is_empty())
    };
    // The entry's naming attribute: the user name (the id, for a role that may not read it).
    let uid = user.name.as_deref().unwrap_or(&user.user_id);
    let last = value(Attribute::Field(Field::LastName));
    let full_name = [value(Attribute::Field(Field::FirstName)), last]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    // `person` requires cn and sn.
    let cn = value(Attribute::Field(Field::DisplayName))
        .map(str::to_owned)
        .or_else(|| (!full_name.is_empty()).then_some(full_name))
        .unwrap_or_else(|| uid.to_owned());
    line(
        out,
        "dn",
        &format!("{}={},{base_dn}", map.name, escape_dn_value(uid)),
    );
    for class in ["top", "person", "organizationalPerson", "inetOrgPerson"] {
        line(out, "objectClass", class);
    }
    if value(Attribute::Field(Field::Country)).is_some()
        && let Some(class) = &map.country_object_class
    {
        line(out, "objectClass", class);
    }
    line(out, &map.name, uid);
    line(out, "cn", &cn);
    if last.is_none() {
        line(out, "sn", uid);
    }
    for (field, name) in &map.fields {
        if let Some(value) = value(Attribute::Field(*field)) {
            line(out, name, value);
        }
    }
    if let Some(email) = value(Attribute::Fact(Fact::Email)) {
        line(out, &map.email, email);
    }
}

/// `name: value`, or `name:: base64` for a value LDIF cannot carry as it is.
fn line(out: &mut String, name: &str, value: &str) {
    if is_safe(value) {
        out.push_str(&format!("{name}: {value}\n"));
    } else {
        out.push_str(&format!("{name}:: {}\n", STANDARD.encode(value)));
    }
}

/// RFC 2849's SAFE-STRING: ASCII without NUL, CR or LF, not starting with a space, `:` or `<`;
/// and (as it recommends) not ending with a space.
fn is_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii() && !matches!(b, 0 | b'\n' | b'\r'))
        && !value.starts_with([' ', ':', '<'])
        && !value.ends_with(' ')
}

/// A value inside a DN (RFC 4514): the special characters backslash-escaped.
fn escape_dn_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (index, c) in value.chars().enumerate() {
        let edge_space = c == ' ' && (index == 0 || index == last);
        if matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\' | '=')
            || edge_space
            || (index == 0 && c == '#')
        {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{FieldValues, Organization, UserState};

    fn user(name: &str, values: FieldValues) -> UserProfile {
        UserProfile {
            user_id: format!("id-{name}"),
            name: Some(name.into()),
            email: Some(format!("{name}@example.com")),
            state: Some(UserState::Enabled),
            values,
            ..UserProfile::default()
        }
    }

    fn export(users: Vec<UserProfile>) -> DirectoryExport {
        DirectoryExport {
            organization: Organization {
                id: "m-1".into(),
                ..Organization::default()
            },
            attributes: Attribute::all().collect(),
            deleted: users
                .iter()
                .filter(|u| u.state == Some(UserState::Deleted))
                .map(|u| u.user_id.clone())
                .collect(),
            users,
        }
    }

    #[test]
    fn an_entry_is_an_inet_org_person_under_the_base_dn() {
        let jane = user(
            "jane.doe",
            FieldValues::new()
                .with(Field::DisplayName, "Jane Doe")
                .with(Field::FirstName, "Jane")
                .with(Field::LastName, "Doe")
                .with(Field::Department, "Engineering")
                .with(Field::Country, "France"),
        );
        let ldif = write(&export(vec![jane]), "ou=people,dc=example,dc=com");
        let expected = "dn: uid=jane.doe,ou=people,dc=example,dc=com\nobjectClass: top\n\
                        objectClass: person\nobjectClass: organizationalPerson\n\
                        objectClass: inetOrgPerson\nobjectClass: extensibleObject\n\
                        uid: jane.doe\ncn: Jane Doe\ndisplayName: Jane Doe\ngivenName: Jane\n\
                        sn: Doe\ndepartmentNumber: Engineering\nco: France\n\
                        mail: jane.doe@example.com\n";
        assert!(ldif.contains(expected), "{ldif}");
        assert!(
            ldif.starts_with(
                "# workmail-portal export of organization m-1: 1 users\nversion: 1\n\n"
            )
        );
    }

    #[test]
    fn a_person_always_has_cn_and_sn() {
        let ldif = write(&export(vec![user("bare", FieldValues::new())]), "dc=x");
        assert!(ldif.contains("uid: bare\ncn: bare\nsn: bare\n"), "{ldif}");
        assert!(!ldif.contains("extensibleObject"));
    }

    #[test]
    fn values_ldif_cannot_carry_are_base64_and_dn_values_escaped() {
        let zoe = user(
            "zoe",
            FieldValues::new()
                .with(Field::LastName, "Müller")
                .with(Field::Street, ":colon first")
                .with(Field::City, "Line\nbreak"),
        );
        let ldif = write(&export(vec![zoe]), "dc=x");
        assert!(
            ldif.contains(&format!("sn:: {}\n", STANDARD.encode("Müller"))),
            "{ldif}"
        );
        assert!(ldif.contains(&format!("street:: {}\n", STANDARD.encode(":colon first"))));
        assert!(ldif.contains(&format!("l:: {}\n", STANDARD.encode("Line\nbreak"))));
        assert_eq!(escape_dn_value("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape_dn_value("#x "), "\\#x\\ ");
    }

    #[test]
    fn deleted_users_are_left_out() {
        let gone = UserProfile {
            state: Some(UserState::Deleted),
            ..user("gone", FieldValues::new())
        };
        let ldif = write(
            &export(vec![gone, user("here", FieldValues::new())]),
            "dc=x",
        );
        assert!(!ldif.contains("uid=gone"));
        assert!(ldif.contains("uid=here"));
        assert!(ldif.contains("1 users (1 deleted users left out)"));
    }
}
