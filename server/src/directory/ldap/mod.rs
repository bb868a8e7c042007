//! The `Directory` port on an LDAP directory (OpenLDAP, 389 DS, LLDAP…), through `ldap3`.
//!
//! - One connection, bound as `PORTAL_LDAP_BIND_DN`, shared by every request (LDAP multiplexes
//!   operations on it); one that broke is dropped, and the next call connects again.
//! - A user is found under `PORTAL_LDAP_USERS_DN` by id (`entryUUID`), user name or email.
//! - A save sends only the changed attributes: it deletes the value the portal read and adds
//!   the new one, so other values of a multi-valued attribute stay (an emptied field deletes
//!   its value), under
//!   the assertion control (RFC 4528, critical; `conditional_writes = false` in the mapping
//!   for servers without it): the write happens only if every changed attribute still has the
//!   value the portal read, so no other write can slip in between check and write.
//! - Listing uses the paged results control (RFC 2696).

mod errors;
pub mod mapping;
mod settings;
mod tls;

pub use mapping::AttributeMap;
pub use settings::LdapSettings;

use app::domain::{Change, Field, FieldValues, Organization, UserProfile, UserSummary};
use app::ports::{BoxFuture, Directory, DirectoryError, DirectoryErrorKind, UserListPage};
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::controls::Assertion;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Mod, Scope, SearchEntry, ldap_escape};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Entries per page of a listing.
const PAGE_SIZE: i32 = 500;

/// The users of one LDAP subtree.
pub struct LdapDirectory {
    settings: LdapSettings,
    timeout: Duration,
    /// The TLS client configuration, or why there is none (checked at start-up too).
    tls: Result<std::sync::Arc<rustls::ClientConfig>, String>,
    connection: tokio::sync::Mutex<Option<Ldap>>,
}

/// An entry's attributes, by lower-cased name (LDAP names are case-insensitive).
struct Entry {
    dn: String,
    attributes: HashMap<String, Vec<String>>,
}

impl Entry {
    fn from(entry: SearchEntry) -> Self {
        Self {
            dn: entry.dn,
            attributes: entry
                .attrs
                .into_iter()
                .map(|(name, values)| (name.to_ascii_lowercase(), values))
                .collect(),
        }
    }

    /// The first value of `attribute`.
    fn first(&self, attribute: &str) -> Option<&str> {
        self.attributes
            .get(&attribute.to_ascii_lowercase())
            .and_then(|values| values.first())
            .map(String::as_str)
    }

    fn has_value(&self, attribute: &str, value: &str) -> bool {
        self.attributes
            .get(&attribute.to_ascii_lowercase())
            .is_some_and(|values| values.iter().any(|v| v.eq_ignore_ascii_case(value)))
    }
}

impl LdapDirectory {
    /// A directory that connects at its first use; `timeout` bounds each operation.
    pub fn new(settings: LdapSettings, timeout: Duration) -> Self {
        Self {
            tls: tls::client_config(settings.ca_file.as_deref()),
            settings,
            timeout,
            connection: tokio::sync::Mutex::new(None),
        }
    }

    fn mapping(&self) -> &AttributeMap {
        &self.settings.mapping
    }

    /// The shared connection, connecting and binding first if there is none.
    async fn ldap(&self) -> Result<Ldap, DirectoryError> {
        let mut slot = self.connection.lock().await;
        if let Some(ldap) = slot.as_mut()
            && !ldap.is_closed()
        {
            return Ok(ldap.clone());
        }
        let tls = self.tls.clone().map_err(|problem| {
            DirectoryError::new(DirectoryErrorKind::Unreachable, format!("TLS: {problem}"))
        })?;
        let settings = LdapConnSettings::new()
            .set_conn_timeout(self.timeout)
            .set_starttls(self.settings.starttls)
            .set_config(tls);
        let (connection, mut ldap) = LdapConnAsync::with_settings(settings, &self.settings.url)
            .await
            .map_err(|e| errors::map(e, &[]))?;
        ldap3::drive!(connection);
        ldap.with_timeout(self.timeout)
            .simple_bind(&self.settings.bind_dn, &self.settings.bind_password)
            .await
            .and_then(|result| result.success())
            .map_err(|e| errors::map(e, &[]))?;
        *slot = Some(ldap.clone());
        Ok(ldap)
    }

    /// Passes `error` on, first dropping the connection if it broke.
    async fn failed(&self, error: DirectoryError) -> DirectoryError {
        if matches!(
            error.kind,
            DirectoryErrorKind::Unreachable | DirectoryErrorKind::Timeout
        ) {
            *self.connection.lock().await = None;
        }
        error
    }

    /// The one user `filter` (within the user filter) finds, with every mapped attribute.
    async fn find(&self, filter: &str) -> Result<Vec<Entry>, DirectoryError> {
        let mut ldap = self.ldap().await?;
        let filter = format!("(&{}{filter})", self.mapping().user_filter);
        let found = ldap
            .with_timeout(self.timeout)
            .search(
                &self.settings.users_dn,
                Scope::Subtree,
                &filter,
                self.mapping().all_attributes(),
            )
            .await
            .and_then(|result| result.success());
        match found {
            Ok((entries, _)) => Ok(entries
                .into_iter()
                .map(|entry| Entry::from(SearchEntry::construct(entry)))
                .collect()),
            Err(error) => Err(self.failed(errors::map(error, &[])).await),
        }
    }

    /// The user whose id, user name or email is `user` (the id first).
    async fn entry(&self, user: &str) -> Result<Entry, DirectoryError> {
        let map = self.mapping();
        let value = ldap_escape(user.trim());
        let filter = format!(
            "(|({}={value})({}={value})({}={value}))",
            map.id, map.name, map.email
        );
        let mut entries = self.find(&filter).await?;
        let rank = |entry: &Entry| {
            [&map.id, &map.name, &map.email]
                .iter()
                .position(|attribute| entry.has_value(attribute, user.trim()))
                .unwrap_or(usize::MAX)
        };
        entries.sort_by_key(rank);
        entries.into_iter().next().ok_or_else(|| {
            DirectoryError::new(
                DirectoryErrorKind::UserNotFound,
                format!("no entry under {} matches `{user}`", self.settings.users_dn),
            )
        })
    }

    fn profile(&self, entry: &Entry) -> Result<UserProfile, DirectoryError> {
        let map = self.mapping();
        let user_id = entry.first(&map.id).ok_or_else(|| {
            DirectoryError::new(
                DirectoryErrorKind::Unexpected,
                format!("{} has no {} (the user id attribute)", entry.dn, map.id),
            )
        })?;
        let mut values = FieldValues::new();
        for (field, attribute) in &map.fields {
            values.set(*field, entry.first(attribute).unwrap_or_default());
        }
        Ok(UserProfile {
            user_id: user_id.to_owned(),
            name: entry.first(&map.name).map(str::to_owned),
            email: entry.first(&map.email).map(str::to_owned),
            values,
            ..UserProfile::default()
        })
    }
}

impl Directory for LdapDirectory {
    fn describe_user<'a>(
        &'a self,
        user: &'a str,
    ) -> BoxFuture<'a, Result<UserProfile, DirectoryError>> {
        Box::pin(async move { self.profile(&self.entry(user).await?) })
    }

    fn update_user<'a>(
        &'a self,
        user_id: &'a str,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<(), DirectoryError>> {
        Box::pin(async move {
            let map = self.mapping();
            let filter = format!("({}={})", map.id, ldap_escape(user_id));
            let entry = self
                .find(&filter)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    DirectoryError::new(DirectoryErrorKind::UserNotFound, format!("no {filter}"))
                })?;
            let mut fields = Vec::new();
            let mut modifications = Vec::new();
            let mut assertion = String::from("(&");
            for change in changes {
                let attribute = map.attribute(change.field).ok_or_else(|| {
                    DirectoryError::new(
                        DirectoryErrorKind::UnsupportedOperation,
                        format!("{} has no LDAP attribute", change.field.api_name()),
                    )
                })?;
                fields.push((change.field, attribute));
                if change.field == Field::Country
                    && !change.to.is_empty()
                    && let Some(class) = &map.country_object_class
                    && !entry.has_value("objectClass", class)
                {
                    modifications.push(Mod::Add(
                        "objectClass".to_owned(),
                        HashSet::from([class.clone()]),
                    ));
                }
                // The value shown is the attribute's first; others stay as they are. Deleting
                // the value read fails (noSuchAttribute) if it is gone: another condition.
                if !change.from.is_empty() {
                    modifications.push(Mod::Delete(
                        attribute.to_owned(),
                        HashSet::from([change.from.clone()]),
                    ));
                }
                if !change.to.is_empty() {
                    modifications.push(Mod::Add(
                        attribute.to_owned(),
                        HashSet::from([change.to.clone()]),
                    ));
                }
                if change.from.is_empty() {
                    assertion.push_str(&format!("(!({attribute}=*))"));
                } else {
                    assertion.push_str(&format!("({attribute}={})", ldap_escape(&change.from)));
                }
            }
            assertion.push(')');
            let mut ldap = self.ldap().await?;
            let mut request = ldap.with_timeout(self.timeout);
            if map.conditional_writes {
                // ldap3 would panic on a filter it cannot parse: check it first.
                if ldap3::parse_filter(&assertion).is_err() {
                    return Err(DirectoryError::new(
                        DirectoryErrorKind::Unexpected,
                        format!("cannot build the assertion filter {assertion}"),
                    ));
                }
                let mut control = Assertion::new(assertion);
                // Critical: a server that does not know it refuses the write instead of
                // writing unconditionally.
                control.crit = true;
                request = request.with_controls(control);
            }
            let written = request
                .modify(&entry.dn, modifications)
                .await
                .and_then(|result| result.success());
            match written {
                Ok(_) => Ok(()),
                Err(error) => Err(self.failed(errors::map(error, &fields)).await),
            }
        })
    }

    /// Every user at once, read page by page with the paged results control (the token is
    /// unused: a paging cookie only lives as long as its connection).
    fn list_users<'a>(
        &'a self,
        _token: Option<&'a str>,
    ) -> BoxFuture<'a, Result<UserListPage, DirectoryError>> {
        Box::pin(async move {
            let map = self.mapping();
            let display_name = map.attribute(Field::DisplayName).unwrap_or_default();
            let department = map.attribute(Field::Department).unwrap_or_default();
            let attributes: Vec<String> =
                [&map.id, &map.name, &map.email, display_name, department]
                    .into_iter()
                    .map(|attribute| attribute.to_owned())
                    .collect();
            let mut ldap = self.ldap().await?;
            let adapters: Vec<Box<dyn Adapter<'_, String, Vec<String>>>> = vec![
                Box::new(EntriesOnly::new()),
                Box::new(PagedResults::new(PAGE_SIZE)),
            ];
            let listed = async {
                let mut stream = ldap
                    .with_timeout(self.timeout)
                    .streaming_search_with(
                        adapters,
                        &self.settings.users_dn,
                        Scope::Subtree,
                        &map.user_filter,
                        attributes,
                    )
                    .await?;
                let mut users = Vec::new();
                while let Some(entry) = stream.next().await? {
                    let entry = Entry::from(SearchEntry::construct(entry));
                    if let Some(id) = entry.first(&map.id) {
                        users.push(UserSummary {
                            user_id: id.to_owned(),
                            name: entry.first(&map.name).unwrap_or_default().to_owned(),
                            display_name: entry.first(display_name).unwrap_or_default().to_owned(),
                            email: entry.first(&map.email).map(str::to_owned),
                            state: None,
                            role: None,
                            department: entry.first(department).map(str::to_owned),
                        });
                    }
                }
                stream.finish().await.success()?;
                Ok(users)
            }
            .await;
            match listed {
                Ok(users) => Ok(UserListPage { users, next: None }),
                Err(error) => Err(self.failed(errors::map(error, &[])).await),
            }
        })
    }

    /// The users' subtree stands for the organization: its DN is the id, its `dc=` parts the
    /// mail domain.
    fn organization(&self) -> BoxFuture<'_, Result<Organization, DirectoryError>> {
        Box::pin(async move {
            let users_dn = &self.settings.users_dn;
            // Reading the subtree's top checks the connection, the bind and the DN at once.
            let mut ldap = self.ldap().await?;
            let read = ldap
                .with_timeout(self.timeout)
                .search(users_dn, Scope::Base, "(objectClass=*)", vec!["1.1"])
                .await
                .and_then(|result| result.success());
            if let Err(error) = read {
                return Err(self.failed(errors::map(error, &[])).await);
            }
            let labels: Vec<&str> = users_dn
                .split(',')
                .filter_map(|part| part.trim().split_once('='))
                .filter(|(name, _)| name.trim().eq_ignore_ascii_case("dc"))
                .map(|(_, value)| value.trim())
                .collect();
            Ok(Organization {
                id: users_dn.clone(),
                alias: labels.first().map(|label| (*label).to_owned()),
                state: Some("Active".to_owned()),
                directory_type: Some("LDAP".to_owned()),
                default_mail_domain: (!labels.is_empty()).then(|| labels.join(".")),
            })
        })
    }

    fn unavailable_fields(&self) -> &[Field] {
        &mapping::UNAVAILABLE
    }
}
