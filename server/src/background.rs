//! The directory index's refresh: once at start-up, then in the background.

use app::directory_index::DirectoryIndex;
use app::ports::{Directory, DirectoryError};
use std::sync::Arc;
use std::time::Duration;

/// Refreshes the directory index once, logging the outcome; returns how many users it holds.
pub async fn refresh_index(
    index: &DirectoryIndex,
    directory: &dyn Directory,
    departments: bool,
) -> Result<usize, DirectoryError> {
    let started = std::time::Instant::now();
    let now = crate::audit::now_ms() / 1000;
    let refreshed = index.refresh(directory, departments, now).await;
    match &refreshed {
        Ok(users) => {
            let bytes = index.snapshot().users.heap_bytes();
            crate::metrics::index_refreshed(*users, bytes, now);
            tracing::info!(
                users,
                ms = started.elapsed().as_millis(),
                "directory index refreshed"
            );
        }
        Err(error) => tracing::warn!(%error, "cannot refresh the directory index; will try again"),
    }
    refreshed
}

/// Refreshes the directory index every `period`.
pub fn spawn_index_refresh(
    index: Arc<DirectoryIndex>,
    directory: Arc<dyn Directory>,
    departments: bool,
    period: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.tick().await; // the first tick is now; start-up has just refreshed
        loop {
            interval.tick().await;
            let _ = refresh_index(&index, &*directory, departments).await;
        }
    })
}
