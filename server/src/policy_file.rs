//! `PORTAL_POLICY`: a TOML file that replaces the built-in field policy.
//!
//! ```toml
//! # Each role is a list of grants; anything a role is not granted is hidden.
//! [[roles.employee]]
//! scope = "self"                       # self | department | all
//! read = ["FirstName", "LastName", "Email"]
//! edit = ["Telephone", "City"]
//!
//! [[roles.auditor]]
//! scope = "all"
//! read = ["*"]                         # every attribute
//!
//! # Tasks beyond the profile: reset_password, manage_addresses, view_groups, manage_groups,
//! # view_mailbox, set_quota, enable_disable. `people_only` keeps a grant's tasks off
//! # SYSTEM_USER and RESOURCE users.
//! [[roles.helpdesk]]
//! scope = "all"
//! read = ["*"]
//! tasks = ["reset_password", "view_groups", "view_mailbox"]
//! people_only = true
//!
//! # Who may read the audit log (roles not listed: nothing).
//! [audit]
//! history = ["manager"]                # the History tab of users the role may view
//! log = ["auditor"]                    # also /audit and its exports
//!
//! # Who may manage the portal's accounts at /admin/accounts (roles not listed: nobody).
//! [accounts]
//! manage = ["admin"]
//!
//! # Who may export the directory at /admin/export (roles not listed: nobody). An export holds
//! # only the attributes and users the role may read.
//! [export]
//! allow = ["admin"]
//! ```
//!
//! Attribute names are the WorkMail API's member names (`Telephone`, `HiddenFromGlobalAddressList`,
//! `Email`, `EnabledDate`, …). A mistake stops start-up with a message naming the line.

use app::domain::{Access, Attribute, AuditRight, Field, Policy, Scope, Task};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A policy file the portal cannot use.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct PolicyFileError {
    /// The 1-based line of the mistake, when it has one.
    pub line: Option<usize>,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    roles: BTreeMap<RoleName, Vec<GrantEntry>>,
    #[serde(default)]
    audit: AuditSection,
    #[serde(default)]
    accounts: AccountsSection,
    #[serde(default)]
    export: ExportSection,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportSection {
    #[serde(default)]
    allow: Vec<RoleName>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsSection {
    #[serde(default)]
    manage: Vec<RoleName>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditSection {
    #[serde(default)]
    history: Vec<RoleName>,
    #[serde(default)]
    log: Vec<RoleName>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantEntry {
    scope: ScopeName,
    #[serde(default)]
    read: Vec<ReadName>,
    #[serde(default)]
    edit: Vec<EditName>,
    #[serde(default)]
    tasks: Vec<TaskName>,
    #[serde(default)]
    people_only: bool,
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct TaskName(Task);

impl TryFrom<String> for TaskName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Task::from_name(&name).map(TaskName).ok_or_else(|| {
            let known: Vec<&str> = Task::ALL.into_iter().map(Task::name).collect();
            format!("unknown task `{name}` (use one of {})", known.join(", "))
        })
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
struct RoleName(String);

impl TryFrom<String> for RoleName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok {
            Ok(RoleName(name))
        } else {
            Err(format!(
                "role name `{name}` must be 1 to 64 of a-z, 0-9, '-' and '_'"
            ))
        }
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct ScopeName(Scope);

impl TryFrom<String> for ScopeName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Scope::from_name(&name)
            .map(ScopeName)
            .ok_or_else(|| format!("unknown scope `{name}` (use self, department or all)"))
    }
}

/// One entry of a `read` list: an attribute, or `*` for all of them.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct ReadName(Vec<Attribute>);

impl TryFrom<String> for ReadName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        if name == "*" {
            return Ok(ReadName(Attribute::all().collect()));
        }
        Attribute::from_api_name(&name)
            .map(|a| ReadName(vec![a]))
            .ok_or_else(|| unknown_attribute(&name))
    }
}

/// One entry of an `edit` list: a field UpdateUser can change, or `*` for all of them.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct EditName(Vec<Attribute>);

impl TryFrom<String> for EditName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        if name == "*" {
            return Ok(EditName(
                Field::ALL.into_iter().map(Attribute::Field).collect(),
            ));
        }
        match Attribute::from_api_name(&name) {
            Some(attribute) if attribute.is_editable() => Ok(EditName(vec![attribute])),
            Some(_) => Err(format!(
                "`{name}` can't be edited (UpdateUser doesn't change it); list it under read"
            )),
            None => Err(unknown_attribute(&name)),
        }
    }
}

fn unknown_attribute(name: &str) -> String {
    let known: Vec<&str> = Attribute::all().map(Attribute::api_name).collect();
    format!(
        "unknown attribute `{name}` (use one of {}, or \"*\")",
        known.join(", ")
    )
}

/// Parses a policy file's text.
pub fn parse(text: &str) -> Result<Policy, PolicyFileError> {
    let file: PolicyFile = toml::from_str(text).map_err(|error| PolicyFileError {
        line: error
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
        message: error.message().trim().to_owned(),
    })?;
    if file.roles.is_empty() {
        return Err(PolicyFileError {
            line: None,
            message: "the file defines no roles (add [[roles.NAME]] tables)".to_owned(),
        });
    }
    let mut policy = Policy::new();
    for (RoleName(role), grants) in file.roles {
        policy.declare_role(role.clone());
        for grant in grants {
            let scope = grant.scope.0;
            let read: Vec<Attribute> = grant.read.into_iter().flat_map(|r| r.0).collect();
            let edit: Vec<Attribute> = grant.edit.into_iter().flat_map(|e| e.0).collect();
            if !read.is_empty() {
                policy.grant(role.clone(), scope, Access::Read, read);
            }
            if !edit.is_empty() {
                policy.grant(role.clone(), scope, Access::Edit, edit);
            }
            if !grant.tasks.is_empty() {
                policy.allow_tasks(
                    role.clone(),
                    scope,
                    grant.tasks.into_iter().map(|TaskName(task)| task),
                    grant.people_only,
                );
            }
        }
    }
    let rights = [
        (file.audit.history, AuditRight::History),
        (file.audit.log, AuditRight::Log),
    ];
    for (roles, right) in rights {
        for RoleName(role) in roles {
            if !policy.has_role(&role) {
                return Err(PolicyFileError {
                    line: None,
                    message: format!(
                        "[audit] names role `{role}`, which has no [[roles.{role}]] table"
                    ),
                });
            }
            if policy.audit_right(std::slice::from_ref(&role)) < right {
                policy.set_audit_right(role, right);
            }
        }
    }
    let unknown = |section: &str, role: &str| PolicyFileError {
        line: None,
        message: format!("[{section}] names role `{role}`, which has no [[roles.{role}]] table"),
    };
    for RoleName(role) in file.accounts.manage {
        if !policy.has_role(&role) {
            return Err(unknown("accounts", &role));
        }
        policy.allow_account_management(role);
    }
    for RoleName(role) in file.export.allow {
        if !policy.has_role(&role) {
            return Err(unknown("export", &role));
        }
        policy.allow_export(role);
    }
    Ok(policy)
}

/// Reads and parses a policy file; the message names the file and the line.
pub fn load(path: &Path) -> Result<Policy, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("PORTAL_POLICY: cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("PORTAL_POLICY: {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{Fact, Relation};

    const EXAMPLE: &str = r#"
# Managers edit their department's job data and read everyone's names.
[[roles.manager]]
scope = "department"
read = ["FirstName", "LastName", "Email"]
edit = ["JobTitle", "Office"]

[[roles.manager]]
scope = "all"
read = ["DisplayName"]

[[roles.auditor]]
scope = "all"
read = ["*"]

[[roles.operator]]
scope = "all"
edit = ["*"]

[roles]
nobody = []

[audit]
history = ["manager"]
log = ["auditor"]
"#;

    #[test]
    fn a_valid_file_replaces_the_defaults() {
        let policy = parse(EXAMPLE).expect("valid policy");
        let roles = |r: &str| vec![r.to_owned()];
        let colleague = Relation {
            is_self: false,
            same_department: true,
        };
        let job = Attribute::Field(Field::JobTitle);
        assert_eq!(
            policy.access(&roles("manager"), job, colleague),
            Access::Edit
        );
        assert_eq!(
            policy.access(&roles("manager"), job, Relation::STRANGER),
            Access::Hidden
        );
        assert_eq!(
            policy.access(
                &roles("manager"),
                Attribute::Field(Field::DisplayName),
                Relation::STRANGER
            ),
            Access::Read
        );
        for attribute in Attribute::all() {
            assert_eq!(
                policy.access(&roles("auditor"), attribute, Relation::STRANGER),
                Access::Read
            );
        }
        assert_eq!(
            policy.access(
                &roles("operator"),
                Attribute::Field(Field::Role),
                Relation::STRANGER
            ),
            Access::Edit
        );
        assert_eq!(
            policy.access(
                &roles("operator"),
                Attribute::Fact(Fact::Email),
                Relation::STRANGER
            ),
            Access::Hidden
        );
        assert!(policy.has_role("nobody"));
        assert!(!policy.has_role("admin"), "the defaults are replaced");
    }

    #[test]
    fn mistakes_name_their_line() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "[[roles.employee]]\nscope = \"self\"\nedit = [\"Phone\"]\n",
                3,
                "unknown attribute `Phone`",
            ),
            (
                "[[roles.employee]]\nscope = \"everyone\"\n",
                2,
                "unknown scope `everyone`",
            ),
            (
                "[[roles.employee]]\nscope = \"self\"\n\nedit = [\"Email\"]\n",
                4,
                "`Email` can't be edited",
            ),
            (
                "[[roles.employee]]\nscope = \"self\"\nwrite = [\"City\"]\n",
                3,
                "unknown field `write`",
            ),
            (
                "[[roles.employee]]\nread = [\"City\"]\n",
                1,
                "missing field `scope`",
            ),
            (
                "[[roles.\"Bad Role\"]]\nscope = \"all\"\n",
                1,
                "role name `Bad Role`",
            ),
            ("[[roles.x]]\nscope = \"all\"\nread = [\"City\"\n", 3, ""),
            (
                "[[roles.x]]\nscope = \"all\"\nread = \"City\"\n",
                3,
                "invalid type",
            ),
        ];
        for (text, line, needle) in cases {
            let error = parse(text).expect_err(text);
            assert_eq!(error.line, Some(*line), "{text}: {error}");
            assert!(error.message.contains(needle), "{text}: {error}");
            assert!(error.to_string().starts_with(&format!("line {line}: ")));
        }
    }

    #[test]
    fn tasks_come_from_the_grants() {
        let policy = parse(
            "[[roles.desk]]\nscope = \"all\"\ntasks = [\"reset_password\", \"view_mailbox\"]\n\
             people_only = true\n[[roles.mine]]\nscope = \"self\"\ntasks = [\"view_groups\"]\n",
        )
        .expect("valid");
        let desk = vec!["desk".to_owned()];
        let person = policy.tasks(&desk, Relation::STRANGER, Some(app::domain::UserRole::User));
        assert!(person.contains(Task::ResetPassword) && person.contains(Task::ViewMailbox));
        assert!(!person.contains(Task::SetQuota));
        let system = policy.tasks(
            &desk,
            Relation::STRANGER,
            Some(app::domain::UserRole::SystemUser),
        );
        assert!(system.is_empty(), "people_only");
        let mine = vec!["mine".to_owned()];
        assert!(policy.tasks(&mine, Relation::STRANGER, None).is_empty());
        let error = parse("[[roles.a]]\nscope = \"all\"\ntasks = [\"format_disk\"]\n")
            .expect_err("unknown task");
        assert_eq!(error.line, Some(3));
        assert!(
            error.message.contains("reset_password"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_empty_file_is_refused() {
        let error = parse("roles = {}\n").expect_err("no roles");
        assert!(error.message.contains("no roles"));
        assert!(parse("").is_err());
    }

    #[test]
    fn load_names_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, "[[roles.x]]\nscope = \"nowhere\"\n").expect("write");
        let message = load(&path).expect_err("bad file");
        assert!(message.starts_with("PORTAL_POLICY: "), "{message}");
        assert!(message.contains("policy.toml: line 2: "), "{message}");
        assert!(load(&dir.path().join("missing.toml")).is_err());
    }

    #[test]
    fn account_management_comes_from_the_accounts_table() {
        let policy = parse("[[roles.a]]\nscope = \"all\"\n[[roles.b]]\nscope = \"all\"\n[accounts]\nmanage = [\"a\"]\n")
            .expect("valid");
        assert!(policy.may_manage_accounts(&["a".to_owned()]));
        assert!(!policy.may_manage_accounts(&["b".to_owned()]));
        let error = parse("[[roles.a]]\nscope = \"all\"\n[accounts]\nmanage = [\"ghost\"]\n")
            .expect_err("unknown role");
        assert!(error.message.contains("ghost"), "{error}");
        assert!(Policy::defaults().may_manage_accounts(&["admin".to_owned()]));
        assert!(!Policy::defaults().may_manage_accounts(&["hr".to_owned()]));
    }

    #[test]
    fn the_export_right_comes_from_the_export_table() {
        let policy = parse("[[roles.a]]\nscope = \"all\"\n[[roles.b]]\nscope = \"all\"\n[export]\nallow = [\"a\"]\n")
            .expect("valid");
        assert!(policy.may_export(&["a".to_owned()]));
        assert!(!policy.may_export(&["b".to_owned()]));
        let error = parse("[[roles.a]]\nscope = \"all\"\n[export]\nallow = [\"ghost\"]\n")
            .expect_err("unknown role");
        assert!(
            error.message.contains("[export]") && error.message.contains("ghost"),
            "{error}"
        );
        assert!(Policy::defaults().may_export(&["admin".to_owned()]));
        assert!(!Policy::defaults().may_export(&["hr".to_owned()]));
    }

    #[test]
    fn audit_rights_come_from_the_audit_table() {
        let policy = parse(EXAMPLE).expect("valid");
        let right = |role: &str| policy.audit_right(&[role.to_owned()]);
        assert_eq!(right("manager"), AuditRight::History);
        assert_eq!(right("auditor"), AuditRight::Log);
        assert_eq!(right("operator"), AuditRight::None);

        let error = parse("[[roles.a]]\nscope = \"all\"\n[audit]\nlog = [\"ghost\"]\n")
            .expect_err("unknown role");
        assert!(error.message.contains("ghost"), "{error}");
        let error =
            parse("[[roles.a]]\nscope = \"all\"\n[audit]\nread = [\"a\"]\n").expect_err("typo");
        assert_eq!(error.line, Some(4), "{error}");
    }
}
