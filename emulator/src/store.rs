//! SQLite storage: one writer thread that commits writes in groups, and a pool of readers.
//!
//! Every write runs in its own savepoint inside a shared transaction, and is acknowledged only
//! after that transaction committed with `synchronous = FULL`: one fsync serves many concurrent
//! writes (group commit), each write stays atomic, and nothing acknowledged is lost.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::types::FromSql;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};

use crate::api_error::{ApiError, ErrorKind};
use crate::model::{Entity, EntityState, Group, Organization, TextAttributes, User, UserRole};

/// More readers than runtime threads, so a reader is almost always free.
const READERS: usize = 8;
/// Most writes committed by one fsync.
const MAX_GROUP: usize = 512;
/// How long a connection waits for another one's lock before SQLITE_BUSY.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema; `users` has one TEXT column per text attribute, where `{text_attributes}` is.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS organizations (
    id TEXT PRIMARY KEY,
    alias TEXT NOT NULL UNIQUE COLLATE NOCASE,
    state TEXT NOT NULL,
    directory_id TEXT NOT NULL,
    directory_type TEXT NOT NULL,
    default_mail_domain TEXT NOT NULL,
    completed_date INTEGER NOT NULL,
    client_token TEXT
);
CREATE TABLE IF NOT EXISTS mail_domains (
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL COLLATE NOCASE,
    state TEXT NOT NULL DEFAULT 'VERIFIED',
    PRIMARY KEY (organization_id, name)
);
CREATE TABLE IF NOT EXISTS users (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    email TEXT COLLATE NOCASE,
    state TEXT NOT NULL,
    role TEXT NOT NULL,
    {text_attributes},
    hidden_from_gal INTEGER NOT NULL DEFAULT 0,
    enabled_date INTEGER, disabled_date INTEGER,
    mailbox_provisioned_date INTEGER, mailbox_deprovisioned_date INTEGER,
    identity_provider_user_id TEXT, identity_provider_identity_store_id TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS users_by_id ON users(organization_id, id);
-- Listing pages walk this in order from the last key seen.
CREATE INDEX IF NOT EXISTS users_by_seq ON users(organization_id, seq);
CREATE INDEX IF NOT EXISTS users_by_name ON users(organization_id, name);
CREATE INDEX IF NOT EXISTS users_by_email ON users(organization_id, email);
-- Names and addresses are unique among users that are not deleted.
CREATE UNIQUE INDEX IF NOT EXISTS users_live_name ON users(organization_id, name)
    WHERE state <> 'DELETED';
CREATE UNIQUE INDEX IF NOT EXISTS users_live_email ON users(organization_id, email)
    WHERE state <> 'DELETED' AND email IS NOT NULL;
-- Only a hash of each password is kept (argon2id, PHC string).
CREATE TABLE IF NOT EXISTS user_passwords (
    organization_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE TABLE IF NOT EXISTS groups (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    email TEXT COLLATE NOCASE,
    state TEXT NOT NULL,
    hidden_from_gal INTEGER NOT NULL DEFAULT 0,
    enabled_date INTEGER, disabled_date INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS groups_by_id ON groups(organization_id, id);
CREATE INDEX IF NOT EXISTS groups_by_name ON groups(organization_id, name);
CREATE INDEX IF NOT EXISTS groups_by_email ON groups(organization_id, email);
CREATE UNIQUE INDEX IF NOT EXISTS groups_live_name ON groups(organization_id, name)
    WHERE state <> 'DELETED';
-- A member is a user or a group, by id; `seq` orders the pages of both listings.
CREATE TABLE IF NOT EXISTS group_members (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    member_type TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS group_members_by_group
    ON group_members(organization_id, group_id, member_id);
CREATE INDEX IF NOT EXISTS group_members_by_member
    ON group_members(organization_id, member_id);
-- The addresses of an entity (user or group) besides its primary one.
CREATE TABLE IF NOT EXISTS aliases (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    address TEXT NOT NULL COLLATE NOCASE
);
CREATE UNIQUE INDEX IF NOT EXISTS aliases_by_address ON aliases(organization_id, address);
CREATE INDEX IF NOT EXISTS aliases_by_entity ON aliases(organization_id, entity_id);
-- A user without a row has the default quota and an empty mailbox.
CREATE TABLE IF NOT EXISTS mailboxes (
    organization_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    quota_mb INTEGER NOT NULL,
    size_mb REAL NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
";

fn schema() -> String {
    let text_attributes = TextAttributes::ALL
        .map(|attribute| format!("{} TEXT", attribute.column))
        .join(", ");
    SCHEMA.replace("{text_attributes}", &text_attributes)
}

/// The columns of a user row, in the order [`user_from_row`] reads them.
pub fn user_columns() -> impl Iterator<Item = &'static str> {
    ["seq", "id", "name", "email", "state", "role"]
        .into_iter()
        .chain(TextAttributes::ALL.map(|attribute| attribute.column))
        .chain([
            "hidden_from_gal",
            "enabled_date",
            "disabled_date",
            "mailbox_provisioned_date",
            "mailbox_deprovisioned_date",
            "identity_provider_user_id",
            "identity_provider_identity_store_id",
        ])
}

/// [`user_columns`], comma-separated.
static USER_COLUMNS: LazyLock<String> =
    LazyLock::new(|| user_columns().collect::<Vec<_>>().join(", "));

type Reply = Box<dyn FnOnce(bool) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> Reply + Send>;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the database {location}: {source}")]
pub struct OpenError {
    location: String,
    source: rusqlite::Error,
}

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, or a private in-memory one.
    pub fn open(path: Option<&Path>) -> Result<Self, OpenError> {
        let location = match path {
            Some(path) => path.display().to_string(),
            // memdb databases whose name starts with '/' are shared by the connections of one
            // process, so the readers see the writer's data.
            None => format!("file:/workmail-emulator-{}?vfs=memdb", uuid::Uuid::new_v4()),
        };
        let fail = |source| OpenError {
            location: location.clone(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let writer = Connection::open_with_flags(&location, flags).map_err(fail)?;
        writer.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        if path.is_some() {
            writer
                .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
                .map_err(fail)?;
        }
        writer
            .execute_batch("PRAGMA foreign_keys = ON;")
            .and_then(|()| writer.execute_batch(&schema()))
            .map_err(fail)?;

        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                &location,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(fail)?;
            reader.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
            readers.push(Mutex::new(reader));
        }

        let (sender, receiver) = mpsc::channel::<Job>();
        let writer_thread = std::thread::Builder::new()
            .name("workmail-emulator-writer".into())
            .spawn(move || write_loop(&writer, &receiver))
            .map_err(|error| fail(rusqlite::Error::ToSqlConversionFailure(Box::new(error))))?;
        Ok(Self {
            inner: Arc::new(Inner {
                writer: Mutex::new(Some(sender)),
                writer_thread: Mutex::new(Some(writer_thread)),
                readers,
                next_reader: AtomicUsize::new(0),
            }),
        })
    }

    /// Runs a read on one of the reader connections, on the calling thread: a read by key takes
    /// microseconds, far less than handing it to a blocking thread and back would cost.
    pub async fn read<T, F>(&self, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let readers = &self.inner.readers;
        let first = self.inner.next_reader.fetch_add(1, Ordering::Relaxed);
        // Take a free connection if there is one; wait for one only if all are busy.
        let connection = (0..readers.len())
            .find_map(|offset| readers[(first + offset) % readers.len()].try_lock().ok())
            .unwrap_or_else(|| {
                readers[first % readers.len()]
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
            });
        read(&connection)
    }

    /// Runs a write atomically; returns once it is durably committed.
    pub async fn write<T, F>(&self, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let (reply_to, reply) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |connection: &Connection| {
            let result = in_savepoint(connection, write);
            Box::new(move |committed: bool| {
                let outcome = if committed {
                    result
                } else {
                    Err(ApiError::internal("The write could not be committed."))
                };
                let _ = reply_to.send(outcome);
            })
        });
        let sent = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            .map(|sender| sender.send(job).is_ok())
            .unwrap_or(false);
        if !sent {
            return Err(ApiError::internal("The emulator is shutting down."));
        }
        reply
            .await
            .map_err(|_| ApiError::internal("The write was lost while shutting down."))?
    }

    /// Stops the writer after the writes already queued, and waits for it.
    pub fn close(&self) {
        self.inner
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        let thread = self
            .inner
            .writer_thread
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

fn in_savepoint<T>(
    connection: &Connection,
    write: impl FnOnce(&Connection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    connection.execute_batch("SAVEPOINT write")?;
    let result = write(connection);
    let end = if result.is_ok() {
        "RELEASE write"
    } else {
        "ROLLBACK TO write; RELEASE write"
    };
    connection.execute_batch(end)?;
    result
}

fn write_loop(connection: &Connection, jobs: &mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        if let Err(error) = connection.execute_batch("BEGIN IMMEDIATE") {
            tracing::error!(%error, "cannot begin a write transaction");
            // Run nothing outside a transaction: fail the whole group.
            for job in group {
                drop(job);
            }
            continue;
        }
        let replies: Vec<Reply> = group.into_iter().map(|job| job(connection)).collect();
        let committed = match connection.execute_batch("COMMIT") {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(%error, "commit failed");
                let _ = connection.execute_batch("ROLLBACK");
                false
            }
        };
        for reply in replies {
            reply(committed);
        }
    }
}

/// Reads the columns of a row one after the other, in the order they were selected.
struct Columns<'a, 'row> {
    row: &'a Row<'row>,
    next: usize,
}

impl Columns<'_, '_> {
    fn next<T: FromSql>(&mut self) -> rusqlite::Result<T> {
        let value = self.row.get(self.next);
        self.next += 1;
        value
    }
}

/// Reads a user from a row selected with [`USER_COLUMNS`].
fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    let mut columns = Columns { row, next: 0 };
    let seq = columns.next()?;
    let id = columns.next()?;
    let name = columns.next()?;
    let email = columns.next()?;
    let state: String = columns.next()?;
    let role: String = columns.next()?;
    let attributes = TextAttributes::try_from_fn(|_| columns.next())?;
    Ok(User {
        seq,
        id,
        name,
        email,
        state: EntityState::parse(&state).unwrap_or(EntityState::Disabled),
        role: UserRole::parse(&role).unwrap_or(UserRole::User),
        attributes,
        hidden_from_gal: columns.next()?,
        enabled_date: columns.next()?,
        disabled_date: columns.next()?,
        mailbox_provisioned_date: columns.next()?,
        mailbox_deprovisioned_date: columns.next()?,
        identity_provider_user_id: columns.next()?,
        identity_provider_identity_store_id: columns.next()?,
    })
}

/// Finds an organization by id.
pub fn organization(connection: &Connection, id: &str) -> Result<Option<Organization>, ApiError> {
    let mut statement = connection.prepare_cached(
        "SELECT id, alias, state, directory_id, directory_type, default_mail_domain, \
         completed_date FROM organizations WHERE id = ?1",
    )?;
    Ok(statement
        .query_row([id], |row| {
            Ok(Organization {
                id: row.get(0)?,
                alias: row.get(1)?,
                state: row.get(2)?,
                directory_id: row.get(3)?,
                directory_type: row.get(4)?,
                default_mail_domain: row.get(5)?,
                completed_date: row.get(6)?,
            })
        })
        .optional()?)
}

/// The organization, which must exist and be active for user operations.
pub fn active_organization(connection: &Connection, id: &str) -> Result<Organization, ApiError> {
    let organization = organization(connection, id)?.ok_or_else(|| {
        ApiError::new(
            ErrorKind::OrganizationNotFound,
            format!("There is no organization {id}."),
        )
    })?;
    if !organization.is_active() {
        return Err(ApiError::new(
            ErrorKind::OrganizationState,
            format!(
                "Organization {id} is {}, not Active; its users cannot be used.",
                organization.state
            ),
        ));
    }
    Ok(organization)
}

/// Finds a user by id, user name or email; a live user wins over a deleted one.
pub fn find_user(
    connection: &Connection,
    organization_id: &str,
    identifier: &str,
) -> Result<Option<User>, ApiError> {
    // One indexed lookup per kind of identifier: SQLite would scan the organization for an OR.
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {} FROM ( \
            SELECT * FROM users WHERE organization_id = ?1 AND id = ?2 \
            UNION ALL SELECT * FROM users WHERE organization_id = ?1 AND name = ?2 \
            UNION ALL SELECT * FROM users WHERE organization_id = ?1 AND email = ?2) \
         ORDER BY state = 'DELETED', seq LIMIT 1",
        *USER_COLUMNS
    ))?;
    Ok(statement
        .query_row(params![organization_id, identifier], user_from_row)
        .optional()?)
}

/// The user, which must exist.
pub fn existing_user(
    connection: &Connection,
    organization_id: &str,
    identifier: &str,
) -> Result<User, ApiError> {
    find_user(connection, organization_id, identifier)?.ok_or_else(|| {
        ApiError::new(
            ErrorKind::EntityNotFound,
            format!("There is no user {identifier} in organization {organization_id}."),
        )
    })
}

/// Finds a group by id, name or email; a live group wins over a deleted one.
pub fn find_group(
    connection: &Connection,
    organization_id: &str,
    identifier: &str,
) -> Result<Option<Group>, ApiError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {} FROM ( \
            SELECT * FROM groups WHERE organization_id = ?1 AND id = ?2 \
            UNION ALL SELECT * FROM groups WHERE organization_id = ?1 AND name = ?2 \
            UNION ALL SELECT * FROM groups WHERE organization_id = ?1 AND email = ?2) \
         ORDER BY state = 'DELETED', seq LIMIT 1",
        Group::COLUMNS
    ))?;
    Ok(statement
        .query_row(params![organization_id, identifier], Group::from_row)
        .optional()?)
}

/// The group, which must exist.
pub fn existing_group(
    connection: &Connection,
    organization_id: &str,
    identifier: &str,
) -> Result<Group, ApiError> {
    find_group(connection, organization_id, identifier)?.ok_or_else(|| {
        ApiError::new(
            ErrorKind::EntityNotFound,
            format!("There is no group {identifier} in organization {organization_id}."),
        )
    })
}

/// The user or group an identifier names (a user first, as WorkMail resolves it), which must
/// exist.
pub fn existing_entity(
    connection: &Connection,
    organization_id: &str,
    identifier: &str,
) -> Result<Entity, ApiError> {
    if let Some(user) = find_user(connection, organization_id, identifier)? {
        return Ok(Entity::User(Box::new(user)));
    }
    if let Some(group) = find_group(connection, organization_id, identifier)? {
        return Ok(Entity::Group(group));
    }
    Err(ApiError::new(
        ErrorKind::EntityNotFound,
        format!("There is no user or group {identifier} in organization {organization_id}."),
    ))
}

/// The user or group an identifier names, which must exist and not be deleted.
pub fn live_entity(
    connection: &Connection,
    organization_id: &str,
    identifier: &str,
) -> Result<Entity, ApiError> {
    let entity = existing_entity(connection, organization_id, identifier)?;
    if entity.state() == EntityState::Deleted {
        return Err(ApiError::new(
            ErrorKind::EntityState,
            format!("{} is deleted.", entity.name()),
        ));
    }
    Ok(entity)
}

/// Whether an address is anyone's (a live user's or group's primary address, or an alias),
/// leaving out the entity `except`.
pub fn address_in_use(
    connection: &Connection,
    organization_id: &str,
    address: &str,
    except: Option<&str>,
) -> Result<bool, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM users WHERE organization_id = ?1 AND email = ?2 \
                AND state <> 'DELETED' AND id IS NOT ?3) \
             OR EXISTS (SELECT 1 FROM groups WHERE organization_id = ?1 AND email = ?2 \
                AND state <> 'DELETED' AND id IS NOT ?3) \
             OR EXISTS (SELECT 1 FROM aliases WHERE organization_id = ?1 AND address = ?2 \
                AND entity_id IS NOT ?3)",
        )?
        .query_row(params![organization_id, address, except], |row| row.get(0))?)
}

/// Refuses an address outside the organization's verified mail domains.
pub fn check_mail_domain(
    connection: &Connection,
    organization_id: &str,
    address: &str,
) -> Result<(), ApiError> {
    let domain = address
        .rsplit_once('@')
        .map(|(_, domain)| domain)
        .unwrap_or("");
    let state: Option<String> = connection
        .prepare_cached("SELECT state FROM mail_domains WHERE organization_id = ?1 AND name = ?2")?
        .query_row(params![organization_id, domain], |row| row.get(0))
        .optional()?;
    match state.as_deref() {
        None => Err(ApiError::new(
            ErrorKind::MailDomainNotFound,
            format!("The mail domain {domain} is not a domain of this organization."),
        )),
        Some("VERIFIED") => Ok(()),
        Some(state) => Err(ApiError::new(
            ErrorKind::MailDomainState,
            format!("The mail domain {domain} is {state}, not verified."),
        )),
    }
}

/// Whether a name is taken by a live user or group (WorkMail's names are shared by both).
pub fn name_taken(
    connection: &Connection,
    organization_id: &str,
    name: &str,
) -> Result<bool, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM users WHERE organization_id = ?1 AND name = ?2 \
                AND state <> 'DELETED') \
             OR EXISTS (SELECT 1 FROM groups WHERE organization_id = ?1 AND name = ?2 \
                AND state <> 'DELETED')",
        )?
        .query_row(params![organization_id, name], |row| row.get(0))?)
}
