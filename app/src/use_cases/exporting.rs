//! Exporting the directory: [`collect_directory`] reads it for `/admin/export`
//! (`Caller::export_directory`, every user the role may view with only the attributes it may
//! read) and for the server's `export` command ([`export_everything`]); [`export_record`] is
//! the one audit record of either.

use super::Caller;
use super::auditing::not_allowed;
use super::failures::{directory_failure, log_failure};
use crate::domain::{
    Access, Attribute, AuditEntry, DirectoryExport, ExportFile, ExportFormat, Outcome, UserAccess,
    UserProfile, UserState,
};
use crate::ports::{Directory, DirectoryError, DirectoryErrorKind, ExportProgress, ExportRequest};
use crate::wire::{ApiError, ErrorKind, ExportsView};

/// How many users an export reads at once (DescribeUser calls in flight, a batch at a time).
const READS_IN_FLIGHT: usize = 8;

/// Reads the organization and every user, page by page (`progress` hears how many users have
/// been read), keeping of each user what `access` lets the reader see. Users it may not view
/// are left out; the export has a column for an attribute readable for at least one user.
pub async fn collect_directory(
    directory: &dyn Directory,
    access: &(dyn Fn(&UserProfile) -> UserAccess + Sync),
    progress: &(dyn Fn(usize) + Sync),
) -> Result<DirectoryExport, DirectoryError> {
    let organization = directory.organization().await?;
    let mut export = DirectoryExport {
        organization,
        ..DirectoryExport::default()
    };
    let mut readable = std::collections::BTreeSet::new();
    let mut read = 0;
    let mut token: Option<String> = None;
    loop {
        let page = directory.list_users(token.as_deref()).await?;
        let mut profiles = Vec::with_capacity(page.users.len());
        for batch in page.users.chunks(READS_IN_FLIGHT) {
            let reads: Vec<_> = batch
                .iter()
                .map(|user| directory.describe_user(&user.user_id))
                .collect();
            for profile in futures::future::join_all(reads).await {
                match profile {
                    Ok(profile) => profiles.push(profile),
                    // Gone since the listing: nothing to export.
                    Err(error) if error.kind == DirectoryErrorKind::UserNotFound => {}
                    Err(error) => return Err(error),
                }
            }
        }
        for profile in profiles {
            let access = access(&profile);
            if !access.can_view() {
                continue;
            }
            // Only users the reader may see count: progress must not tell the size of what
            // it may not.
            read += 1;
            if profile.state == Some(UserState::Deleted) {
                export.deleted.insert(profile.user_id.clone());
            }
            readable.extend(Attribute::all().filter(|&a| access.attribute(a) > Access::Hidden));
            export.users.push(access.redact(&profile));
        }
        progress(read);
        match page.next {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    export.attributes = Attribute::all().filter(|a| readable.contains(a)).collect();
    Ok(export)
}

/// Everything the directory holds, with the server's own access (the `export` command): every
/// user, every attribute the directory can hold. A failure is what a person may read.
pub async fn export_everything(
    directory: &dyn Directory,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<DirectoryExport, ApiError> {
    let access = UserAccess::everything().without(directory.unavailable_fields());
    collect_directory(directory, &|_| access.clone(), progress)
        .await
        .map_err(|error| directory_failure("export", "*", error))
}

/// The audit record of an export in `format` (onto `entry`, which names who and from where):
/// how many users it holds, or why it was refused or failed, in words a person may read.
pub fn export_record(
    entry: AuditEntry,
    format: ExportFormat,
    result: Result<usize, &ApiError>,
) -> AuditEntry {
    let (outcome, detail) = match result {
        Ok(users) => (
            Outcome::Exported,
            format!("{format} export of {users} users"),
        ),
        Err(error) => {
            let outcome = match error.kind {
                ErrorKind::Forbidden => Outcome::Refused,
                ErrorKind::BadRequest => Outcome::Invalid,
                _ => Outcome::DirectoryError,
            };
            (outcome, format!("{format} export: {}", error.message))
        }
    };
    AuditEntry {
        outcome: Some(outcome),
        detail: Some(detail),
        ..entry
    }
}

/// Whether an export in `format` has what it needs (LDIF: a well-formed base DN).
#[expect(
    clippy::result_large_err,
    reason = "ApiError is what the use cases return; it passes through unchanged"
)]
fn check_request(format: ExportFormat, base_dn: Option<&str>) -> Result<(), ApiError> {
    match (format, base_dn) {
        (ExportFormat::Ldif, Some(dn)) => {
            crate::domain::check_base_dn(dn).map_err(ApiError::bad_request)
        }
        (ExportFormat::Ldif, None) => Err(ApiError::bad_request(
            "An LDIF export needs a base DN, such as ou=people,dc=example,dc=com.",
        )),
        _ => Ok(()),
    }
}

/// `ou=people,dc=…` from a mail domain's labels.
fn suggested_base_dn(domain: Option<&str>) -> String {
    let components: Vec<String> = domain
        .unwrap_or("example.com")
        .split('.')
        .filter(|label| !label.is_empty())
        .map(|label| format!("dc={label}"))
        .collect();
    format!("ou=people,{}", components.join(","))
}

impl Caller {
    #[expect(
        clippy::result_large_err,
        reason = "ApiError is what the use cases return; it passes through unchanged"
    )]
    fn may_export(&self) -> Result<(), ApiError> {
        if self.policy().may_export(self.roles()) {
            return Ok(());
        }
        tracing::warn!(account = %self.principal.account, "export refused: no right to it");
        Err(not_allowed(
            "Your role doesn't allow exporting the directory.",
        ))
    }

    /// Starts an export in the background; returns its id. `base_dn` is for LDIF.
    pub async fn start_export(
        &self,
        format: ExportFormat,
        base_dn: Option<String>,
    ) -> Result<String, ApiError> {
        let checked = match self.may_export() {
            Ok(()) => check_request(format, base_dn.as_deref()),
            refused => refused,
        };
        if let Err(error) = checked {
            self.record_export(format, Err(&error)).await;
            return Err(error);
        }
        let caller = self.clone();
        let task = Box::new(move |progress: ExportProgress| {
            Box::pin(async move {
                caller
                    .export_directory(format, &*progress)
                    .await
                    .map_err(|error| error.message)
            }) as crate::ports::BoxFuture<'static, _>
        });
        let request = ExportRequest {
            format,
            base_dn: base_dn.filter(|_| format == ExportFormat::Ldif),
            // The organization's size, only to a role that sees all of it.
            expected: if self.policy().needs_relation(self.roles()) {
                0
            } else {
                self.index().snapshot().users.len()
            },
        };
        Ok(self.exports().start(&self.principal.account, request, task))
    }

    /// Reads the directory for an export in `format` (see [`collect_directory`]) and records
    /// it: one audit record saying how many users it holds, or why it failed.
    pub async fn export_directory(
        &self,
        format: ExportFormat,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<DirectoryExport, ApiError> {
        if let Err(error) = self.may_export() {
            self.record_export(format, Err(&error)).await;
            return Err(error);
        }
        let result = async {
            // A role scoped to its own user or department needs that user: without it the
            // export would quietly hold no one.
            let own = match &self.principal.workmail_user {
                Some(mine) if self.policy().needs_relation(self.roles()) => Some(
                    self.directory()
                        .describe_user(mine)
                        .await
                        .map_err(|error| {
                            directory_failure("DescribeUser (own user)", mine, error)
                        })?,
                ),
                _ => None,
            };
            let access = |target: &UserProfile| self.access_between(own.as_ref(), target);
            collect_directory(self.directory(), &access, progress)
                .await
                .map_err(|error| directory_failure("export", "*", error))
        }
        .await;
        self.record_export(format, result.as_ref().map(|e| e.users.len()))
            .await;
        result
    }

    async fn record_export(&self, format: ExportFormat, result: Result<usize, &ApiError>) {
        let entry = export_record(
            self.origin.audit_entry(&self.principal.account),
            format,
            result,
        );
        if let Err(error) = self.audit().record(entry).await {
            tracing::error!(%error, "could not write the audit record of an export");
        }
    }

    /// The account's exports, newest first, and a base DN to suggest for LDIF.
    pub async fn list_exports(&self) -> Result<ExportsView, ApiError> {
        self.may_export()?;
        let domain = match self.directory().organization().await {
            Ok(organization) => organization.default_mail_domain,
            Err(error) => {
                log_failure("DescribeOrganization", "-", &error);
                None
            }
        };
        Ok(ExportsView {
            jobs: self.exports().jobs_of(&self.principal.account),
            suggested_base_dn: suggested_base_dn(domain.as_deref()),
        })
    }

    /// The file of one of the account's finished exports; another account's is not found.
    #[expect(
        clippy::result_large_err,
        reason = "ApiError is what the use cases return; it passes through unchanged"
    )]
    pub fn export_file(&self, id: &str) -> Result<ExportFile, ApiError> {
        self.may_export()?;
        self.exports()
            .file(&self.principal.account, id)
            .ok_or_else(|| self.not_found())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory_index::DirectoryIndex;
    use crate::domain::{Fact, Field, FieldValues, Policy, Principal, Scope, StepUp};
    use crate::ports::memory::{
        MemoryAudit, MemoryDirectory, MemoryExports, MemoryLocks, NoAccounts, run,
    };
    use crate::session::{RequestOrigin, Services};
    use std::sync::Arc;

    fn user(id: &str, name: &str, department: &str) -> UserProfile {
        UserProfile {
            user_id: id.into(),
            name: Some(name.into()),
            email: Some(format!("{name}@demo.example.com")),
            values: FieldValues::new()
                .with(Field::Department, department)
                .with(Field::Telephone, "+1 555 0100"),
            ..UserProfile::default()
        }
    }

    struct World {
        audit: Arc<MemoryAudit>,
        exports: Arc<MemoryExports>,
        services: Services,
    }

    impl World {
        fn new(policy: Policy) -> Self {
            let directory = MemoryDirectory::new(vec![
                user("u-1", "jane.doe", "Engineering"),
                user("u-2", "john.roe", "Sales"),
            ]);
            let audit = Arc::new(MemoryAudit::default());
            let exports = Arc::new(MemoryExports::default());
            let services = Services {
                directory: Arc::new(directory),
                policy: Arc::new(policy),
                audit: audit.clone(),
                index: Arc::new(DirectoryIndex::new(100)),
                locks: Arc::new(MemoryLocks::default()),
                step_up: StepUp::default(),
                accounts: Arc::new(NoAccounts),
                exports: exports.clone(),
            };
            Self {
                audit,
                exports,
                services,
            }
        }

        fn caller(&self, role: &str, own: Option<&str>) -> Caller {
            self.caller_named(&format!("{role}-account"), role, own)
        }

        fn caller_named(&self, account: &str, role: &str, own: Option<&str>) -> Caller {
            let principal = Principal {
                account: account.to_owned(),
                roles: vec![role.to_owned()],
                workmail_user: own.map(str::to_owned),
                authenticated_at: 0,
                single_sign_on: false,
            };
            Caller::new(self.services.clone(), principal, RequestOrigin::default())
        }

        fn outcomes(&self) -> Vec<(Option<Outcome>, String)> {
            self.audit
                .records()
                .into_iter()
                .map(|r| (r.outcome, r.detail.unwrap_or_default()))
                .collect()
        }
    }

    #[test]
    fn an_admin_exports_everyone_with_every_attribute_and_it_is_audited() {
        let world = World::new(Policy::defaults());
        let admin = world.caller("admin", None);
        let id = run(admin.start_export(ExportFormat::Json, None)).expect("started");
        let finished = world.exports.finished();
        assert_eq!(finished.len(), 1);
        let export = &finished[0];
        assert_eq!(export.organization.id, "m-memory");
        assert_eq!(export.users.len(), 2);
        assert_eq!(export.attributes, Attribute::all().collect::<Vec<_>>());
        assert_eq!(
            world.outcomes(),
            vec![(Some(Outcome::Exported), "JSON export of 2 users".into())]
        );
        assert!(admin.export_file(&id).is_ok());
        // Another account's file is not found, even for a role that may export.
        let other = world.caller_named("another-admin", "admin", None);
        assert_eq!(
            other.export_file(&id).map(|_| ()).map_err(|e| e.kind),
            Err(ErrorKind::NotFound)
        );
    }

    #[test]
    fn a_role_without_the_right_exports_nothing_and_the_refusal_is_audited() {
        let world = World::new(Policy::defaults());
        for role in ["hr", "helpdesk", "employee"] {
            let error = run(world
                .caller(role, None)
                .start_export(ExportFormat::Csv, None))
            .expect_err("refused");
            assert_eq!(error.kind, ErrorKind::Forbidden, "{role}");
            assert!(
                run(world.caller(role, None).list_exports()).is_err(),
                "{role}"
            );
        }
        assert!(world.exports.finished().is_empty());
        let outcomes = world.outcomes();
        assert_eq!(outcomes.len(), 3);
        assert!(
            outcomes
                .iter()
                .all(|(o, d)| *o == Some(Outcome::Refused) && d.starts_with("CSV export"))
        );
    }

    #[test]
    fn the_base_dn_offered_follows_the_mail_domain() {
        assert_eq!(
            suggested_base_dn(Some("demo.example.com")),
            "ou=people,dc=demo,dc=example,dc=com"
        );
        assert_eq!(suggested_base_dn(None), "ou=people,dc=example,dc=com");
    }

    #[test]
    fn an_ldif_export_needs_a_well_formed_base_dn() {
        let world = World::new(Policy::defaults());
        let admin = world.caller("admin", None);
        for base_dn in [None, Some("not a dn".to_owned())] {
            let error = run(admin.start_export(ExportFormat::Ldif, base_dn)).expect_err("refused");
            assert_eq!(error.kind, ErrorKind::BadRequest);
        }
        assert!(world.exports.finished().is_empty());
        let outcomes = world.outcomes();
        assert_eq!(outcomes.len(), 2);
        assert!(outcomes.iter().all(|(o, _)| *o == Some(Outcome::Invalid)));
    }

    /// A role that may not read a field exports no column for it and no value of it; a user
    /// it may not view is not in the export at all.
    #[test]
    fn an_export_holds_only_what_the_role_may_read() {
        let mut policy = Policy::new();
        let without_telephone: Vec<Attribute> = Attribute::all()
            .filter(|a| *a != Attribute::Field(Field::Telephone))
            .collect();
        policy.grant("lead", Scope::Department, Access::Read, without_telephone);
        policy.allow_export("lead");
        let world = World::new(policy);
        let lead = world.caller("lead", Some("jane.doe@demo.example.com"));
        run(lead.start_export(ExportFormat::Csv, None)).expect("started");
        let export = &world.exports.finished()[0];
        assert!(!export.has(Attribute::Field(Field::Telephone)));
        assert!(export.has(Attribute::Fact(Fact::Email)));
        let ids: Vec<&str> = export.users.iter().map(|u| u.user_id.as_str()).collect();
        assert_eq!(ids, ["u-1"], "only the lead's own department");
        assert_eq!(export.users[0].values.get(Field::Telephone), "");
        assert_eq!(export.users[0].values.get(Field::Department), "Engineering");
    }
}
