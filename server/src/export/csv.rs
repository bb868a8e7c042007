//! CSV: one row per user, one column per attribute the exporting role may read, headed with
//! the names Microsoft 365's bulk user upload uses where it has the attribute (the README maps
//! them to Google Workspace's), then the WorkMail-only ones.

use app::domain::{Attribute, DirectoryExport, Fact, Field, Timestamp, UserProfile};

/// Each attribute's column, in column order.
pub const COLUMNS: [(Attribute, &str); 24] = [
    (Attribute::Fact(Fact::Email), "User Name"),
    (Attribute::Field(Field::FirstName), "First Name"),
    (Attribute::Field(Field::LastName), "Last Name"),
    (Attribute::Field(Field::DisplayName), "Display Name"),
    (Attribute::Field(Field::JobTitle), "Job Title"),
    (Attribute::Field(Field::Department), "Department"),
    (Attribute::Field(Field::Office), "Office Number"),
    (Attribute::Field(Field::Telephone), "Office Phone"),
    (Attribute::Field(Field::Street), "Address"),
    (Attribute::Field(Field::City), "City"),
    (Attribute::Field(Field::ZipCode), "ZIP or Postal Code"),
    (Attribute::Field(Field::Country), "Country or Region"),
    (Attribute::Field(Field::Initials), "Initials"),
    (Attribute::Field(Field::Company), "Company"),
    (Attribute::Fact(Fact::Name), "WorkMail User Name"),
    (Attribute::Field(Field::Role), "WorkMail Role"),
    (Attribute::Fact(Fact::State), "WorkMail State"),
    (
        Attribute::Field(Field::HiddenFromGlobalAddressList),
        "Hidden From Global Address List",
    ),
    (Attribute::Fact(Fact::EnabledDate), "Enabled Date"),
    (Attribute::Fact(Fact::DisabledDate), "Disabled Date"),
    (
        Attribute::Fact(Fact::MailboxProvisionedDate),
        "Mailbox Provisioned Date",
    ),
    (
        Attribute::Fact(Fact::MailboxDeprovisionedDate),
        "Mailbox Deprovisioned Date",
    ),
    (
        Attribute::Fact(Fact::IdentityProviderUserId),
        "Identity Provider User Id",
    ),
    (
        Attribute::Fact(Fact::IdentityProviderIdentityStoreId),
        "Identity Provider Identity Store Id",
    ),
];

/// The column every row has: the user's id in the directory.
pub const ID_COLUMN: &str = "WorkMail User Id";

/// The export as CSV (UTF-8, CRLF line ends, RFC 4180 quoting, formulas defused).
pub fn write(export: &DirectoryExport) -> String {
    let columns: Vec<&(Attribute, &str)> = COLUMNS
        .iter()
        .filter(|(attribute, _)| export.has(*attribute))
        .collect();
    let mut out = String::new();
    let header = columns.iter().map(|(_, name)| *name).chain([ID_COLUMN]);
    push_row(&mut out, header);
    for user in &export.users {
        let cells: Vec<String> = columns
            .iter()
            .map(|(attribute, _)| value(user, *attribute))
            .chain([user.user_id.clone()])
            .collect();
        push_row(&mut out, cells.iter().map(String::as_str));
    }
    out
}

fn push_row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    let cells: Vec<String> = cells.map(cell).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// A user's value of an attribute as text (dates as ISO 8601 in UTC).
fn value(user: &UserProfile, attribute: Attribute) -> String {
    let date = |date: Option<Timestamp>| date.map(iso_8601).unwrap_or_default();
    match attribute {
        Attribute::Field(field) => user.values.get(field).to_owned(),
        Attribute::Fact(fact) => match fact {
            Fact::Name => user.name.clone().unwrap_or_default(),
            Fact::Email => user.email.clone().unwrap_or_default(),
            Fact::State => user
                .state
                .map(|s| s.api_name().to_owned())
                .unwrap_or_default(),
            Fact::EnabledDate => date(user.enabled_date),
            Fact::DisabledDate => date(user.disabled_date),
            Fact::MailboxProvisionedDate => date(user.mailbox_provisioned_date),
            Fact::MailboxDeprovisionedDate => date(user.mailbox_deprovisioned_date),
            Fact::IdentityProviderUserId => {
                user.identity_provider_user_id.clone().unwrap_or_default()
            }
            Fact::IdentityProviderIdentityStoreId => user
                .identity_provider_identity_store_id
                .clone()
                .unwrap_or_default(),
        },
    }
}

/// `2024-01-15T08:00:00Z`.
fn iso_8601(date: Timestamp) -> String {
    // `precise` is `YYYY-MM-DD HH:MM:SS UTC`.
    let text = date.precise();
    let text = text.trim_end_matches(" UTC");
    format!("{}Z", text.replacen(' ', "T", 1))
}

/// One CSV cell: quoted when it holds a comma, quote or line break. A cell a spreadsheet would
/// take for a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'` so that opening
/// the file never runs what someone typed into a profile.
pub fn cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{FieldValues, Organization, UserState};

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1 555 0100"), "'+1 555 0100");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Zoë Müller"), "Zoë Müller");
    }

    fn jane() -> UserProfile {
        UserProfile {
            user_id: "u-1".into(),
            name: Some("jane.doe".into()),
            email: Some("jane.doe@example.com".into()),
            state: Some(UserState::Enabled),
            enabled_date: Some(Timestamp(1_705_305_600)),
            values: FieldValues::new()
                .with(Field::FirstName, "Jane")
                .with(Field::LastName, "Doe")
                .with(Field::Street, "1 Main St, Suite 2")
                .with(Field::Telephone, "+1 555 0100")
                .with(Field::JobTitle, "=cmd|' /C calc'!A0"),
            ..UserProfile::default()
        }
    }

    #[test]
    fn one_row_per_user_in_the_bulk_upload_names_with_the_id_last() {
        let export = DirectoryExport {
            organization: Organization::default(),
            attributes: Attribute::all().collect(),
            users: vec![jane()],
            deleted: Default::default(),
        };
        let csv = write(&export);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines.len(), 3, "header, one user, and the final line end");
        assert!(lines[0].starts_with("User Name,First Name,Last Name,Display Name,Job Title,"));
        assert!(lines[0].ends_with(",WorkMail User Id"));
        assert_eq!(lines[0].split(',').count(), COLUMNS.len() + 1);
        let row = lines[1];
        assert!(row.starts_with("jane.doe@example.com,Jane,Doe,,"), "{row}");
        assert!(row.contains(",'=cmd|' /C calc'!A0,"), "{row}");
        assert!(
            row.contains(",'+1 555 0100,\"1 Main St, Suite 2\","),
            "{row}"
        );
        assert!(row.contains(",ENABLED,"), "{row}");
        assert!(row.contains(",2024-01-15T08:00:00Z,"), "{row}");
        assert!(row.ends_with(",u-1"), "{row}");
    }

    #[test]
    fn an_attribute_the_role_may_not_read_has_no_column() {
        let export = DirectoryExport {
            organization: Organization::default(),
            attributes: Attribute::all()
                .filter(|a| *a != Attribute::Field(Field::Telephone))
                .collect(),
            users: vec![jane()],
            deleted: Default::default(),
        };
        let csv = write(&export);
        assert!(!csv.contains("Office Phone"));
        assert!(!csv.contains("555"));
    }
}
