//! Plain types and rules of the portal: no Leptos, no AWS, no I/O.
//!
//! The same code runs in the browser (to pre-validate the form) and on the server (to enforce).

mod accounts;
mod audit;
mod change;
mod directory;
mod directory_tasks;
mod export;
mod field;
mod percent_encoding;
mod policy;
mod profile;
#[cfg(test)]
mod properties;
mod step_up;
mod validation;
mod values;
mod version;

pub use accounts::{AccountChange, AccountSummary, Password};
pub use audit::{
    AUDIT_PAGE_SIZE, AuditEntry, AuditFilter, AuditPage, AuditRecord, ChangedValue, FieldChange,
    Outcome, ValueMode,
};
pub use change::{Change, Conflict, SavePlan, derive_changes, plan_save, rebase};
pub use directory::{
    DirectoryQuery, IndexedUser, PAGE_SIZES, Readable, ResultPage, UserList, UserSummary,
    count_users, search, search_everyone,
};
pub use directory_tasks::{
    GroupRef, MAX_QUOTA_MB, MailboxUsage, Task, TaskRequest, TaskSet, check_address,
    check_password, generated_password,
};
pub use export::{
    DirectoryExport, ExportFile, ExportFormat, ExportJob, ExportState, Organization, check_base_dn,
};
pub use field::{Field, FieldKind};
pub use percent_encoding::percent_encode;
pub use policy::{
    Access, Attribute, AuditRight, Fact, Grant, Policy, Principal, Relation, Scope, TaskGrant,
    UserAccess,
};
pub use profile::{Timestamp, UserProfile, UserRole, UserState, role_label};
pub use step_up::StepUp;
pub use validation::{
    FieldError, FieldProblem, MAX_ATTRIBUTE_CHARS, check_value, validate_changes,
};
pub use values::{FieldValues, flag_text, parse_flag};
pub use version::version_of;
