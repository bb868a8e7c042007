//! Reads by key on a SQLite portal database, on the calling thread.
//!
//! sqlx's SQLite driver runs each query on a worker thread of its connection and wakes the
//! caller afterwards. For the two reads every signed-in request makes (its session record and
//! its account) those hand-offs cost far more than the reads: the worker threads and the
//! wake-ups took about a fifth of the edit page's CPU (`benches/edit_page.rs`, perf). A read by
//! key on a WAL database takes microseconds and never waits for a writer, so these two run on
//! the request's thread over read-only connections, as the emulator's reads do. Writes, and
//! everything on PostgreSQL, stay on sqlx.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Read-only connections, enough for the runtime's worker threads to read side by side.
const CONNECTIONS: usize = 4;

/// Read-only connections on the portal's SQLite file.
#[derive(Debug)]
pub struct SqliteReaders {
    connections: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl SqliteReaders {
    /// Opens read-only connections on the database file at `path` (already created and
    /// migrated by the sqlx pool, in WAL mode).
    pub fn open(path: &Path) -> Result<Self, rusqlite::Error> {
        let connections = (0..CONNECTIONS)
            .map(|_| {
                let connection = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                connection.busy_timeout(Duration::from_secs(5))?;
                Ok(Mutex::new(connection))
            })
            .collect::<Result<_, rusqlite::Error>>()?;
        Ok(Self {
            connections,
            next: AtomicUsize::new(0),
        })
    }

    /// Runs `read` on a free connection (or waits for one if all are busy).
    pub fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, rusqlite::Error> {
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.connections.len();
        let connection = (0..count)
            .find_map(|offset| self.connections[(first + offset) % count].try_lock().ok())
            .unwrap_or_else(|| {
                self.connections[first % count]
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
            });
        read(&connection)
    }
}
