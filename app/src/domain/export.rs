//! A directory export: which formats there are, and what one holds. Writing the formats is the
//! server's work (`server/src/export/`); what may be exported is the use case's.

use super::policy::Attribute;
use super::profile::UserProfile;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The organization a directory keeps its users in, as an export names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub alias: Option<String>,
    /// As the directory words it (`Active` on WorkMail).
    pub state: Option<String>,
    pub directory_type: Option<String>,
    pub default_mail_domain: Option<String>,
}

/// The formats an export can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExportFormat {
    /// The WorkMail emulator's seed file: everything, and it seeds an emulator.
    Json,
    /// One row per user, in the column names bulk-import tools expect.
    Csv,
    /// inetOrgPerson entries for `ldapadd`.
    Ldif,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 3] = [ExportFormat::Json, ExportFormat::Csv, ExportFormat::Ldif];

    /// The name in forms and on the command line, and the file's extension.
    pub const fn name(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::Ldif => "ldif",
        }
    }

    pub fn from_name(name: &str) -> Option<ExportFormat> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// A label people understand.
    pub const fn label(self) -> &'static str {
        match self {
            ExportFormat::Json => "JSON (everything you may read; seeds a WorkMail emulator)",
            ExportFormat::Csv => {
                "CSV (spreadsheets, Microsoft 365 and Google Workspace bulk upload)"
            }
            ExportFormat::Ldif => {
                "LDIF (inetOrgPerson entries for OpenLDAP and other LDAP servers)"
            }
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name().to_ascii_uppercase())
    }
}

/// What an export holds: the organization, the attributes the exporting role may read of at
/// least one user (the columns), and every user it may view, in the directory's order, each
/// with only what the role may read of that user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirectoryExport {
    pub organization: Organization,
    pub attributes: Vec<Attribute>,
    pub users: Vec<UserProfile>,
    /// The ids of the users the directory holds as deleted, known whether or not the role may
    /// read State (an LDIF export leaves them out).
    pub deleted: std::collections::BTreeSet<String>,
}

impl DirectoryExport {
    /// Whether the export has a column for `attribute`.
    pub fn has(&self, attribute: Attribute) -> bool {
        self.attributes.contains(&attribute)
    }
}

/// Where an export job stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportState {
    /// Reading the directory: users read so far, of about `expected`.
    Running { read: usize, expected: usize },
    /// The file is ready.
    Done { users: usize, bytes: usize },
    /// It stopped; the sentence says why.
    Failed { message: String },
}

/// One export, as its page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportJob {
    pub id: String,
    pub format: ExportFormat,
    pub started_at: super::profile::Timestamp,
    pub state: ExportState,
}

/// A finished export's file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportFile {
    pub format: ExportFormat,
    pub name: String,
    pub bytes: std::sync::Arc<[u8]>,
}

/// Checks an LDAP base DN given for an LDIF export: `attr=value` parts separated by commas,
/// nothing that would break out of the `dn:` line.
pub fn check_base_dn(base_dn: &str) -> Result<(), String> {
    let base_dn = base_dn.trim();
    if base_dn.is_empty() {
        return Err("An LDIF export needs a base DN, such as ou=people,dc=example,dc=com.".into());
    }
    if base_dn.chars().any(char::is_control) {
        return Err("The base DN must be one line.".into());
    }
    let well_formed = base_dn.split(',').all(|part| {
        part.split_once('=').is_some_and(|(name, value)| {
            let name = name.trim();
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !value.trim().is_empty()
        })
    });
    if !well_formed {
        return Err(format!(
            "\"{base_dn}\" is not a DN: write it as name=value parts separated by commas, such \
             as ou=people,dc=example,dc=com."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_named_once() {
        for format in ExportFormat::ALL {
            assert_eq!(ExportFormat::from_name(format.name()), Some(format));
        }
        assert_eq!(ExportFormat::from_name("xml"), None);
    }

    #[test]
    fn a_base_dn_is_name_value_parts() {
        assert!(check_base_dn("ou=people,dc=example,dc=com").is_ok());
        assert!(check_base_dn(" dc=example ").is_ok());
        assert!(check_base_dn("").is_err());
        assert!(check_base_dn("example.com").is_err());
        assert!(check_base_dn("dc=example,").is_err());
        assert!(check_base_dn("dc=x\nobjectClass: top").is_err());
    }
}
