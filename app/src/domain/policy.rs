//! Who may see and change what: each portal role maps every user attribute to hidden, read or
//! edit, within a scope (the account's own user, its department, or everyone).
//!
//! The server enforces this on every read and every save; the edit page renders each field
//! from the same [`UserAccess`], so the form never offers what the server would refuse.
//!
//! (Over 500 lines with its unit tests: the rules are about 500, and the tests of every role,
//! scope and relation sit beside them.)

use super::change::Change;
use super::directory_tasks::{Task, TaskSet};
use super::field::Field;
use super::profile::{UserProfile, UserRole};
use super::values::FieldValues;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What an account may do with one attribute of one user. Ordered: more is greater.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Access {
    /// Not shown, not sent to the browser, not changeable.
    #[default]
    Hidden,
    /// Shown read-only.
    Read,
    /// Shown and changeable.
    Edit,
}

impl Access {
    /// The name used in policy files.
    pub const fn name(self) -> &'static str {
        match self {
            Access::Hidden => "hidden",
            Access::Read => "read",
            Access::Edit => "edit",
        }
    }
}

/// Which users a grant applies to, seen from the signed-in account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Only the account's own WorkMail user (`self` in policy files).
    Own,
    /// Users whose Department equals the department of the account's own user (the own user
    /// included).
    Department,
    /// Every user of the organization.
    All,
}

impl Scope {
    /// Every scope, narrowest first.
    pub const ALL: [Scope; 3] = [Scope::Own, Scope::Department, Scope::All];

    /// The name used in policy files.
    pub const fn name(self) -> &'static str {
        match self {
            Scope::Own => "self",
            Scope::Department => "department",
            Scope::All => "all",
        }
    }

    /// Parses a policy-file name.
    pub fn from_name(name: &str) -> Option<Scope> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether a user standing in `relation` to the account is within this scope.
    pub const fn covers(self, relation: Relation) -> bool {
        match self {
            Scope::Own => relation.is_self,
            Scope::Department => relation.is_self || relation.same_department,
            Scope::All => true,
        }
    }
}

/// DescribeUser attributes that UpdateUser cannot change: they can be hidden or read, never
/// edited. (The user id is not among them: it is shown whenever anything of the user is.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Fact {
    Name,
    Email,
    State,
    EnabledDate,
    DisabledDate,
    MailboxProvisionedDate,
    MailboxDeprovisionedDate,
    IdentityProviderUserId,
    IdentityProviderIdentityStoreId,
}

impl Fact {
    /// Every fact, in the order the page lists them.
    pub const ALL: [Fact; 9] = [
        Fact::Name,
        Fact::Email,
        Fact::State,
        Fact::EnabledDate,
        Fact::DisabledDate,
        Fact::MailboxProvisionedDate,
        Fact::MailboxDeprovisionedDate,
        Fact::IdentityProviderUserId,
        Fact::IdentityProviderIdentityStoreId,
    ];

    /// The member name in DescribeUser's output.
    pub const fn api_name(self) -> &'static str {
        match self {
            Fact::Name => "Name",
            Fact::Email => "Email",
            Fact::State => "State",
            Fact::EnabledDate => "EnabledDate",
            Fact::DisabledDate => "DisabledDate",
            Fact::MailboxProvisionedDate => "MailboxProvisionedDate",
            Fact::MailboxDeprovisionedDate => "MailboxDeprovisionedDate",
            Fact::IdentityProviderUserId => "IdentityProviderUserId",
            Fact::IdentityProviderIdentityStoreId => "IdentityProviderIdentityStoreId",
        }
    }
}

/// Any attribute a policy speaks about: an UpdateUser field or a read-only fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attribute {
    Field(Field),
    Fact(Fact),
}

impl Attribute {
    /// Every attribute: the fields in form order, then the facts.
    pub fn all() -> impl Iterator<Item = Attribute> {
        Field::ALL
            .into_iter()
            .map(Attribute::Field)
            .chain(Fact::ALL.into_iter().map(Attribute::Fact))
    }

    /// The API member name (what policy files use).
    pub const fn api_name(self) -> &'static str {
        match self {
            Attribute::Field(field) => field.api_name(),
            Attribute::Fact(fact) => fact.api_name(),
        }
    }

    /// Looks an attribute up by its API member name.
    pub fn from_api_name(name: &str) -> Option<Attribute> {
        Self::all().find(|a| a.api_name() == name)
    }

    /// Whether UpdateUser can change it.
    pub const fn is_editable(self) -> bool {
        matches!(self, Attribute::Field(_))
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

/// How a target user stands to the signed-in account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relation {
    /// The target is the account's own WorkMail user.
    pub is_self: bool,
    /// Both have the same, non-empty Department.
    pub same_department: bool,
}

impl Relation {
    /// Someone unrelated to the account.
    pub const STRANGER: Relation = Relation {
        is_self: false,
        same_department: false,
    };

    /// The relation between the account's own user (if it has one) and `target`.
    pub fn between(own: Option<&UserProfile>, target: &UserProfile) -> Relation {
        let Some(own) = own else {
            return Relation::STRANGER;
        };
        let department = own.values.get(Field::Department);
        Relation {
            is_self: own.user_id == target.user_id,
            same_department: !department.is_empty()
                && department == target.values.get(Field::Department),
        }
    }
}

/// One line of a role's policy: `access` to `attributes` for users within `scope`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub scope: Scope,
    pub access: Access,
    pub attributes: Vec<Attribute>,
}

/// Tasks a role may do for users within `scope`; with `people_only`, never for `SYSTEM_USER`
/// or `RESOURCE` users (the organization's own mailboxes, rooms and equipment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskGrant {
    pub scope: Scope,
    pub tasks: TaskSet,
    pub people_only: bool,
}

/// The signed-in person, as the rules see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The portal account's login name.
    pub account: String,
    /// Portal roles (policy role names).
    pub roles: Vec<String>,
    /// The WorkMail user the account belongs to (email), if any.
    pub workmail_user: Option<String>,
    /// When the person last proved who they are (Unix seconds): sign-in or a confirmation.
    #[serde(default)]
    pub authenticated_at: u64,
    /// Whether they signed in through single sign-on (a confirmation goes to the provider).
    #[serde(default)]
    pub single_sign_on: bool,
}

/// What a role may read of the audit log. Ordered: more is greater.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum AuditRight {
    /// Nothing.
    #[default]
    None,
    /// The History of the users the role may view (fields it may not see left out).
    History,
    /// History, plus the whole log at `/audit` and its exports.
    Log,
}

/// Role × attribute → access within a scope, plus each role's right to the audit log.
/// Anything not granted is hidden.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    roles: BTreeMap<String, Vec<Grant>>,
    audit: BTreeMap<String, AuditRight>,
    /// Roles that may manage the portal's accounts (`/admin/accounts`).
    account_managers: std::collections::BTreeSet<String>,
    /// Roles that may export the directory (`/admin/export`).
    exporters: std::collections::BTreeSet<String>,
    /// What each role may do beyond the profile (password, addresses, groups, mailbox, state).
    tasks: BTreeMap<String, Vec<TaskGrant>>,
}

impl Policy {
    /// A policy with no roles.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in roles: admin, hr, helpdesk, employee (see the README).
    pub fn defaults() -> Self {
        let fields = |list: &[Field]| list.iter().map(|&f| Attribute::Field(f)).collect();
        let facts: Vec<Attribute> = Fact::ALL.into_iter().map(Attribute::Fact).collect();
        let every_field: Vec<Attribute> = Field::ALL.into_iter().map(Attribute::Field).collect();
        let mut policy = Policy::new();
        policy.grant("admin", Scope::All, Access::Edit, every_field.clone());
        policy.grant("admin", Scope::All, Access::Read, facts.clone());

        // HR edits the people data: every free-text attribute, names to address.
        let people_fields: Vec<Field> = Field::text_fields().collect();
        policy.grant("hr", Scope::All, Access::Edit, fields(&people_fields));
        policy.grant(
            "hr",
            Scope::All,
            Access::Read,
            fields(&[Field::Role, Field::HiddenFromGlobalAddressList]),
        );
        policy.grant("hr", Scope::All, Access::Read, facts.clone());

        policy.grant(
            "helpdesk",
            Scope::All,
            Access::Read,
            Attribute::all().collect(),
        );

        let mut employee_read: Vec<Attribute> = fields(&[
            Field::DisplayName,
            Field::FirstName,
            Field::LastName,
            Field::JobTitle,
            Field::Department,
            Field::Company,
            Field::Office,
        ]);
        employee_read.extend([
            Attribute::Fact(Fact::Name),
            Attribute::Fact(Fact::Email),
            Attribute::Fact(Fact::State),
        ]);
        policy.grant("employee", Scope::Own, Access::Read, employee_read);
        policy.set_audit_right("admin", AuditRight::Log);
        policy.allow_account_management("admin");
        policy.allow_export("admin");
        policy.set_audit_right("hr", AuditRight::History);
        policy.set_audit_right("helpdesk", AuditRight::History);
        policy.grant(
            "employee",
            Scope::Own,
            Access::Edit,
            fields(&[
                Field::Telephone,
                Field::Street,
                Field::City,
                Field::ZipCode,
                Field::Country,
                Field::Initials,
            ]),
        );
        policy.allow_tasks("admin", Scope::All, Task::ALL, false);
        policy.allow_tasks(
            "helpdesk",
            Scope::All,
            [Task::ResetPassword, Task::ViewGroups, Task::ViewMailbox],
            true,
        );
        policy.allow_tasks(
            "hr",
            Scope::All,
            [Task::ViewGroups, Task::EnableDisable],
            true,
        );
        policy.allow_tasks(
            "employee",
            Scope::Own,
            [Task::ViewGroups, Task::ViewMailbox],
            true,
        );
        policy
    }

    /// Lets `role` do `tasks` for users within `scope` (creating the role); `people_only`
    /// keeps them off `SYSTEM_USER` and `RESOURCE` users.
    pub fn allow_tasks(
        &mut self,
        role: impl Into<String>,
        scope: Scope,
        tasks: impl IntoIterator<Item = Task>,
        people_only: bool,
    ) {
        let role = role.into();
        self.roles.entry(role.clone()).or_default();
        self.tasks.entry(role).or_default().push(TaskGrant {
            scope,
            tasks: tasks.into_iter().collect(),
            people_only,
        });
    }

    /// Whether the roles have any task right at all (the Mail & access tab).
    pub fn has_tasks(&self, roles: &[String]) -> bool {
        roles
            .iter()
            .filter_map(|role| self.tasks.get(role))
            .flatten()
            .any(|grant| !grant.tasks.is_empty())
    }

    /// The tasks the roles may do for a user in `relation` whose WorkMail role is
    /// `target_role` (unknown: treated as a person's).
    pub fn tasks(
        &self,
        roles: &[String],
        relation: Relation,
        target_role: Option<UserRole>,
    ) -> TaskSet {
        let person = !matches!(target_role, Some(UserRole::SystemUser | UserRole::Resource));
        roles
            .iter()
            .filter_map(|role| self.tasks.get(role))
            .flatten()
            .filter(|grant| grant.scope.covers(relation) && (person || !grant.people_only))
            .flat_map(|grant| {
                Task::ALL
                    .into_iter()
                    .filter(|task| grant.tasks.contains(*task))
            })
            .collect()
    }

    /// Adds a grant to `role` (creating the role). Facts granted `Edit` are read.
    pub fn grant(
        &mut self,
        role: impl Into<String>,
        scope: Scope,
        access: Access,
        attributes: Vec<Attribute>,
    ) {
        self.roles.entry(role.into()).or_default().push(Grant {
            scope,
            access,
            attributes,
        });
    }

    /// Sets what `role` may read of the audit log (creating the role).
    pub fn set_audit_right(&mut self, role: impl Into<String>, right: AuditRight) {
        let role = role.into();
        self.roles.entry(role.clone()).or_default();
        self.audit.insert(role, right);
    }

    /// The most any of the roles may read of the audit log.
    pub fn audit_right(&self, roles: &[String]) -> AuditRight {
        roles
            .iter()
            .filter_map(|role| self.audit.get(role))
            .copied()
            .max()
            .unwrap_or_default()
    }

    /// Lets `role` manage the portal's accounts (creating the role).
    pub fn allow_account_management(&mut self, role: impl Into<String>) {
        let role = role.into();
        self.roles.entry(role.clone()).or_default();
        self.account_managers.insert(role);
    }

    /// Whether any of the roles may manage the portal's accounts.
    pub fn may_manage_accounts(&self, roles: &[String]) -> bool {
        roles
            .iter()
            .any(|role| self.account_managers.contains(role))
    }

    /// Lets `role` export the directory (creating the role).
    pub fn allow_export(&mut self, role: impl Into<String>) {
        let role = role.into();
        self.roles.entry(role.clone()).or_default();
        self.exporters.insert(role);
    }

    /// Whether any of the roles may export the directory.
    pub fn may_export(&self, roles: &[String]) -> bool {
        roles.iter().any(|role| self.exporters.contains(role))
    }

    /// Declares a role that grants nothing (everything hidden).
    pub fn declare_role(&mut self, role: impl Into<String>) {
        self.roles.entry(role.into()).or_default();
    }

    /// Whether the policy knows `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.contains_key(role)
    }

    /// The role names, sorted.
    pub fn role_names(&self) -> impl Iterator<Item = &str> {
        self.roles.keys().map(String::as_str)
    }

    fn grants<'a>(&'a self, roles: &'a [String]) -> impl Iterator<Item = &'a Grant> + 'a {
        roles
            .iter()
            .filter_map(|role| self.roles.get(role))
            .flatten()
    }

    /// Whether the answer for these roles can depend on who the target is (any grant narrower
    /// than `all`); if not, the account's own user need not be looked up.
    pub fn needs_relation(&self, roles: &[String]) -> bool {
        self.grants(roles)
            .any(|g| g.scope != Scope::All && g.access > Access::Hidden)
            || roles
                .iter()
                .filter_map(|role| self.tasks.get(role))
                .flatten()
                .any(|grant| grant.scope != Scope::All && !grant.tasks.is_empty())
    }

    /// The access the roles give to one attribute of a user in `relation`: the most any
    /// grant in scope gives.
    ///
    /// One exception, whatever the policy says: where the roles' scope follows the account's
    /// own department, the account may not change the Department of its own user. Changing it
    /// would move the account's scope to whichever department it chose, so no save can widen
    /// an account's scope.
    pub fn access(&self, roles: &[String], attribute: Attribute, relation: Relation) -> Access {
        let access = self
            .grants(roles)
            .filter(|g| g.scope.covers(relation) && g.attributes.contains(&attribute))
            .map(|g| g.access)
            .max()
            .unwrap_or(Access::Hidden);
        match attribute {
            Attribute::Fact(_) => access.min(Access::Read),
            Attribute::Field(Field::Department)
                if relation.is_self && self.scope_follows_department(roles) =>
            {
                access.min(Access::Read)
            }
            Attribute::Field(_) => access,
        }
    }

    /// Whether what the roles may reach depends on the account's own department.
    pub fn scope_follows_department(&self, roles: &[String]) -> bool {
        self.grants(roles)
            .any(|g| g.scope == Scope::Department && g.access > Access::Hidden)
    }

    /// Every attribute's access for a user in `relation`.
    pub fn resolve(&self, roles: &[String], relation: Relation) -> UserAccess {
        let fields = Field::ALL
            .into_iter()
            .map(|f| (f, self.access(roles, Attribute::Field(f), relation)))
            .collect();
        let facts = Fact::ALL
            .into_iter()
            .map(|f| (f, self.access(roles, Attribute::Fact(f), relation)))
            .collect();
        UserAccess { fields, facts }
    }

    /// Whether any role's grants depend on departments (then the directory index must know
    /// every user's department).
    pub fn uses_departments(&self) -> bool {
        self.roles
            .values()
            .flatten()
            .any(|g| g.scope == Scope::Department && g.access > Access::Hidden)
    }

    /// Whether the roles may look at users other than the account's own (the user list).
    pub fn can_browse(&self, roles: &[String]) -> bool {
        self.grants(roles)
            .any(|g| g.scope != Scope::Own && g.access > Access::Hidden && !g.attributes.is_empty())
    }

    /// Whether the roles may see anything of the account's own user (`/me`).
    pub fn can_see_self(&self, roles: &[String]) -> bool {
        self.grants(roles)
            .any(|g| g.access > Access::Hidden && !g.attributes.is_empty())
    }
}

/// What one account may do with one user: the policy resolved for (account, target).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAccess {
    fields: BTreeMap<Field, Access>,
    facts: BTreeMap<Fact, Access>,
}

impl UserAccess {
    /// Full access (every field editable, every fact readable).
    pub fn everything() -> Self {
        Self {
            fields: Field::ALL.into_iter().map(|f| (f, Access::Edit)).collect(),
            facts: Fact::ALL.into_iter().map(|f| (f, Access::Read)).collect(),
        }
    }

    /// This access with `fields` hidden (fields the directory cannot hold).
    pub fn without(mut self, fields: &[Field]) -> Self {
        for &field in fields {
            self.fields.insert(field, Access::Hidden);
        }
        self
    }

    /// The access to a field.
    pub fn field(&self, field: Field) -> Access {
        self.fields.get(&field).copied().unwrap_or_default()
    }

    /// The access to any attribute.
    pub fn attribute(&self, attribute: Attribute) -> Access {
        match attribute {
            Attribute::Field(field) => self.field(field),
            Attribute::Fact(fact) => self.fact(fact),
        }
    }

    /// The access to a fact.
    pub fn fact(&self, fact: Fact) -> Access {
        self.facts.get(&fact).copied().unwrap_or_default()
    }

    /// Whether anything of the user may be shown; if not, the user is as good as absent.
    pub fn can_view(&self) -> bool {
        self.fields
            .values()
            .chain(self.facts.values())
            .any(|&a| a > Access::Hidden)
    }

    /// The fields the account may change, in form order.
    pub fn editable_fields(&self) -> Vec<Field> {
        Field::ALL
            .into_iter()
            .filter(|&f| self.field(f) == Access::Edit)
            .collect()
    }

    /// The first changed field (in form order) the account may not change, if any: one such
    /// field refuses the whole save.
    pub fn forbidden_change(&self, changes: &[Change]) -> Option<Field> {
        changes
            .iter()
            .map(|c| c.field)
            .filter(|&f| self.field(f) != Access::Edit)
            .min()
    }

    /// The values with hidden fields emptied, so they never leave the server.
    pub fn redact_values(&self, values: &FieldValues) -> FieldValues {
        let mut visible = FieldValues::new();
        for (field, value) in values.iter() {
            if self.field(field) > Access::Hidden {
                visible.set(field, value);
            }
        }
        visible
    }

    /// The profile with every hidden attribute removed.
    pub fn redact(&self, profile: &UserProfile) -> UserProfile {
        let show = |fact: Fact| self.fact(fact) > Access::Hidden;
        let keep = |fact: Fact, value: &Option<String>| value.clone().filter(|_| show(fact));
        UserProfile {
            user_id: profile.user_id.clone(),
            name: keep(Fact::Name, &profile.name),
            email: keep(Fact::Email, &profile.email),
            state: profile.state.filter(|_| show(Fact::State)),
            enabled_date: profile.enabled_date.filter(|_| show(Fact::EnabledDate)),
            disabled_date: profile.disabled_date.filter(|_| show(Fact::DisabledDate)),
            mailbox_provisioned_date: profile
                .mailbox_provisioned_date
                .filter(|_| show(Fact::MailboxProvisionedDate)),
            mailbox_deprovisioned_date: profile
                .mailbox_deprovisioned_date
                .filter(|_| show(Fact::MailboxDeprovisionedDate)),
            identity_provider_user_id: keep(
                Fact::IdentityProviderUserId,
                &profile.identity_provider_user_id,
            ),
            identity_provider_identity_store_id: keep(
                Fact::IdentityProviderIdentityStoreId,
                &profile.identity_provider_identity_store_id,
            ),
            values: self.redact_values(&profile.values),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SELF: Relation = Relation {
        is_self: true,
        same_department: true,
    };
    const COLLEAGUE: Relation = Relation {
        is_self: false,
        same_department: true,
    };
    const RELATIONS: [(&str, Relation); 3] = [
        ("self", SELF),
        ("department", COLLEAGUE),
        ("other", Relation::STRANGER),
    ];

    fn roles(role: &str) -> Vec<String> {
        vec![role.to_owned()]
    }

    /// The defaults as the issue states them, one row per role and attribute:
    /// (access to self, access to a colleague in the same department, access to anyone else).
    fn expected(role: &str, attribute: Attribute) -> [Access; 3] {
        use Access::{Edit, Hidden, Read};
        let all = |a: Access| [a, a, a];
        let own = |a: Access| [a, Hidden, Hidden];
        match (role, attribute) {
            ("admin", Attribute::Field(_)) => all(Edit),
            ("admin", Attribute::Fact(_)) => all(Read),
            ("hr", Attribute::Field(Field::Role | Field::HiddenFromGlobalAddressList)) => all(Read),
            ("hr", Attribute::Field(_)) => all(Edit),
            ("hr", Attribute::Fact(_)) => all(Read),
            ("helpdesk", _) => all(Read),
            ("employee", Attribute::Field(field)) => match field {
                Field::Telephone
                | Field::Street
                | Field::City
                | Field::ZipCode
                | Field::Country
                | Field::Initials => own(Edit),
                Field::DisplayName
                | Field::FirstName
                | Field::LastName
                | Field::JobTitle
                | Field::Department
                | Field::Company
                | Field::Office => own(Read),
                Field::Role | Field::HiddenFromGlobalAddressList => own(Hidden),
            },
            ("employee", Attribute::Fact(Fact::Name | Fact::Email | Fact::State)) => own(Read),
            ("employee", Attribute::Fact(_)) => own(Hidden),
            _ => all(Hidden),
        }
    }

    #[test]
    fn default_tasks_follow_the_readme_table() {
        let policy = Policy::defaults();
        let tasks = |role: &str, relation: Relation, target: UserRole| {
            let set = policy.tasks(&[role.to_owned()], relation, Some(target));
            Task::ALL
                .into_iter()
                .filter(|task| set.contains(*task))
                .map(Task::name)
                .collect::<Vec<_>>()
        };
        let stranger = Relation::STRANGER;
        assert_eq!(tasks("admin", stranger, UserRole::SystemUser).len(), 7);
        assert_eq!(
            tasks("helpdesk", stranger, UserRole::User),
            ["reset_password", "view_groups", "view_mailbox"]
        );
        assert!(
            tasks("helpdesk", stranger, UserRole::SystemUser).is_empty()
                && tasks("helpdesk", stranger, UserRole::Resource).is_empty(),
            "never on the organization's own mailboxes"
        );
        assert_eq!(tasks("helpdesk", stranger, UserRole::RemoteUser).len(), 3);
        assert_eq!(
            tasks("hr", stranger, UserRole::User),
            ["view_groups", "enable_disable"]
        );
        assert_eq!(
            tasks("employee", SELF, UserRole::User),
            ["view_groups", "view_mailbox"]
        );
        assert!(tasks("employee", COLLEAGUE, UserRole::User).is_empty());
        assert!(tasks("nobody", SELF, UserRole::User).is_empty());
        assert!(policy.needs_relation(&["employee".to_owned()]));
        let mut own_tasks_only = Policy::new();
        own_tasks_only.allow_tasks("self-service", Scope::Own, [Task::ViewMailbox], false);
        assert!(
            own_tasks_only.needs_relation(&["self-service".to_owned()]),
            "a task scoped to the own user needs the relation"
        );
    }

    #[test]
    fn defaults_match_the_table_for_every_role_attribute_and_scope() {
        let policy = Policy::defaults();
        let mut checked = 0;
        for role in ["admin", "hr", "helpdesk", "employee", "unknown-role"] {
            for attribute in Attribute::all() {
                let want = expected(role, attribute);
                for (i, (name, relation)) in RELATIONS.iter().enumerate() {
                    let got = policy.access(&roles(role), attribute, *relation);
                    assert_eq!(got, want[i], "{role} × {attribute} × {name}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 5 * 24 * 3);
    }

    #[test]
    fn resolve_agrees_with_access() {
        let policy = Policy::defaults();
        for role in ["admin", "hr", "helpdesk", "employee"] {
            for (_, relation) in RELATIONS {
                let view = policy.resolve(&roles(role), relation);
                for field in Field::ALL {
                    assert_eq!(
                        view.field(field),
                        policy.access(&roles(role), Attribute::Field(field), relation)
                    );
                }
                for fact in Fact::ALL {
                    assert_eq!(
                        view.fact(fact),
                        policy.access(&roles(role), Attribute::Fact(fact), relation)
                    );
                }
            }
        }
    }

    #[test]
    fn scopes_cover_the_right_relations() {
        let table = [
            (Scope::Own, [true, false, false]),
            (Scope::Department, [true, true, false]),
            (Scope::All, [true, true, true]),
        ];
        for (scope, want) in table {
            for (i, (name, relation)) in RELATIONS.iter().enumerate() {
                assert_eq!(scope.covers(*relation), want[i], "{scope:?} × {name}");
            }
            assert_eq!(Scope::from_name(scope.name()), Some(scope));
        }
    }

    #[test]
    fn department_scope_grants_within_the_department_only() {
        let mut policy = Policy::new();
        policy.grant(
            "manager",
            Scope::Department,
            Access::Edit,
            vec![Attribute::Field(Field::JobTitle)],
        );
        policy.grant(
            "manager",
            Scope::All,
            Access::Read,
            vec![Attribute::Field(Field::JobTitle)],
        );
        let r = roles("manager");
        let job = Attribute::Field(Field::JobTitle);
        assert_eq!(policy.access(&r, job, SELF), Access::Edit);
        assert_eq!(policy.access(&r, job, COLLEAGUE), Access::Edit);
        assert_eq!(policy.access(&r, job, Relation::STRANGER), Access::Read);
        assert!(policy.needs_relation(&r));
        assert!(policy.can_browse(&r));
    }

    /// No save can widen an account's scope: where it follows the account's department, the
    /// account may read but not change its own Department, whatever the grants say. A
    /// colleague's department stays editable (moving them out only narrows the scope).
    #[test]
    fn a_department_scoped_account_cannot_move_its_own_department() {
        let mut policy = Policy::new();
        let everything: Vec<Attribute> = Attribute::all().collect();
        policy.grant(
            "manager",
            Scope::Department,
            Access::Edit,
            everything.clone(),
        );
        policy.grant("admin", Scope::All, Access::Edit, everything);
        let department = Attribute::Field(Field::Department);
        let manager = roles("manager");
        assert_eq!(policy.access(&manager, department, SELF), Access::Read);
        assert_eq!(
            policy.resolve(&manager, SELF).field(Field::Department),
            Access::Read
        );
        assert_eq!(policy.access(&manager, department, COLLEAGUE), Access::Edit);
        assert_eq!(
            policy.access(&manager, Attribute::Field(Field::JobTitle), SELF),
            Access::Edit
        );
        // With an `all` role beside it, the scope still follows the department.
        let both = vec!["manager".to_owned(), "admin".to_owned()];
        assert_eq!(policy.access(&both, department, SELF), Access::Read);
        // A scope that doesn't follow a department is not limited.
        assert_eq!(
            policy.access(&roles("admin"), department, SELF),
            Access::Edit
        );
    }

    #[test]
    fn several_roles_give_the_most_of_any() {
        let policy = Policy::defaults();
        let both = vec!["employee".to_owned(), "helpdesk".to_owned()];
        let phone = Attribute::Field(Field::Telephone);
        assert_eq!(policy.access(&both, phone, SELF), Access::Edit);
        assert_eq!(
            policy.access(&both, phone, Relation::STRANGER),
            Access::Read
        );
    }

    #[test]
    fn facts_are_never_editable() {
        let mut policy = Policy::new();
        policy.grant("x", Scope::All, Access::Edit, Attribute::all().collect());
        let view = policy.resolve(&roles("x"), Relation::STRANGER);
        for fact in Fact::ALL {
            assert_eq!(view.fact(fact), Access::Read);
        }
    }

    #[test]
    fn relation_needs_a_department_to_share() {
        let user = |id: &str, department: &str| UserProfile {
            user_id: id.into(),
            values: FieldValues::new().with(Field::Department, department),
            ..UserProfile::default()
        };
        let me = user("u-1", "Sales");
        assert_eq!(Relation::between(Some(&me), &me), SELF);
        assert_eq!(
            Relation::between(Some(&me), &user("u-2", "Sales")),
            COLLEAGUE
        );
        assert_eq!(
            Relation::between(Some(&me), &user("u-3", "Legal")),
            Relation::STRANGER
        );
        let nobody = user("u-4", "");
        assert_eq!(
            Relation::between(Some(&nobody), &user("u-5", "")),
            Relation::STRANGER
        );
        assert_eq!(Relation::between(None, &me), Relation::STRANGER);
    }

    #[test]
    fn forbidden_change_names_the_first_forbidden_field() {
        let policy = Policy::defaults();
        let view = policy.resolve(&roles("employee"), SELF);
        let change = |field| Change {
            field,
            from: String::new(),
            to: "x".into(),
        };
        assert_eq!(view.forbidden_change(&[change(Field::Telephone)]), None);
        assert_eq!(
            view.forbidden_change(&[change(Field::Telephone), change(Field::JobTitle)]),
            Some(Field::JobTitle)
        );
        assert_eq!(
            view.forbidden_change(&[change(Field::City), change(Field::Role)]),
            Some(Field::Role)
        );
        let stranger = policy.resolve(&roles("employee"), Relation::STRANGER);
        assert!(!stranger.can_view());
        assert_eq!(
            stranger.forbidden_change(&[change(Field::Telephone)]),
            Some(Field::Telephone)
        );
    }

    #[test]
    fn redaction_removes_hidden_values_and_facts() {
        let policy = Policy::defaults();
        let view = policy.resolve(&roles("employee"), SELF);
        let profile = UserProfile {
            user_id: "u-1".into(),
            name: Some("jane.doe".into()),
            email: Some("jane@x".into()),
            state: None,
            enabled_date: Some(super::super::Timestamp(5)),
            disabled_date: None,
            mailbox_provisioned_date: None,
            mailbox_deprovisioned_date: None,
            identity_provider_user_id: Some("idp".into()),
            identity_provider_identity_store_id: None,
            values: FieldValues::new()
                .with(Field::Role, "USER")
                .with(Field::HiddenFromGlobalAddressList, "true")
                .with(Field::Telephone, "+1"),
        };
        let shown = view.redact(&profile);
        assert_eq!(shown.values.get(Field::Role), "");
        assert_eq!(
            shown.values.get(Field::HiddenFromGlobalAddressList),
            "false"
        );
        assert_eq!(shown.values.get(Field::Telephone), "+1");
        assert_eq!(shown.name.as_deref(), Some("jane.doe"));
        assert_eq!(shown.enabled_date, None);
        assert_eq!(shown.identity_provider_user_id, None);
    }

    #[test]
    fn browsing_and_self_service_per_role() {
        let policy = Policy::defaults();
        for (role, browse, me) in [
            ("admin", true, true),
            ("hr", true, true),
            ("helpdesk", true, true),
            ("employee", false, true),
            ("nobody", false, false),
        ] {
            assert_eq!(policy.can_browse(&roles(role)), browse, "{role}");
            assert_eq!(policy.can_see_self(&roles(role)), me, "{role}");
        }
        assert!(!policy.needs_relation(&roles("admin")));
        assert!(policy.needs_relation(&roles("employee")));
    }
}
