//! The exports behind `/admin/export`: each runs as a background task on this replica and its
//! file is kept in memory for [`KEEP_FOR`], for the account that started it only.

use super::{file_name, render};
use app::domain::{ExportFile, ExportJob, ExportState, Timestamp};
use app::ports::{ExportJobs, ExportRequest, ExportTask};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a finished export's file stays downloadable.
pub const KEEP_FOR: Duration = Duration::from_secs(30 * 60);
/// The longest an export may run.
const MAX_RUN: Duration = Duration::from_secs(30 * 60);
/// Finished exports kept per account (the oldest go first).
const KEPT_PER_ACCOUNT: usize = 5;

/// The exports of this replica.
#[derive(Default)]
pub struct ExportJobRegistry {
    jobs: Arc<Mutex<Vec<Job>>>,
}

struct Job {
    id: String,
    account: String,
    request: ExportRequest,
    started_at: Timestamp,
    read: Arc<AtomicUsize>,
    result: Option<Result<(usize, ExportFile), String>>,
    finished: Option<Instant>,
}

impl Job {
    fn view(&self) -> ExportJob {
        let state = match &self.result {
            None => ExportState::Running {
                read: self.read.load(Ordering::Relaxed),
                expected: self.request.expected,
            },
            Some(Ok((users, file))) => ExportState::Done {
                users: *users,
                bytes: file.bytes.len(),
            },
            Some(Err(message)) => ExportState::Failed {
                message: message.clone(),
            },
        };
        ExportJob {
            id: self.id.clone(),
            format: self.request.format,
            started_at: self.started_at,
            state,
        }
    }
}

fn lock(jobs: &Mutex<Vec<Job>>) -> MutexGuard<'_, Vec<Job>> {
    match jobs.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Drops files past [`KEEP_FOR`], and an account's oldest beyond [`KEPT_PER_ACCOUNT`].
fn prune(jobs: &mut Vec<Job>, account: &str) {
    jobs.retain(|job| job.finished.is_none_or(|at| at.elapsed() < KEEP_FOR));
    let finished_of_account = jobs
        .iter()
        .filter(|job| job.account == account && job.finished.is_some())
        .count();
    let mut extra = finished_of_account.saturating_sub(KEPT_PER_ACCOUNT);
    jobs.retain(|job| {
        let drop = extra > 0 && job.account == account && job.finished.is_some();
        if drop {
            extra -= 1;
        }
        !drop
    });
}

impl ExportJobs for ExportJobRegistry {
    /// An account with an export running gets that one back instead of a second.
    fn start(&self, account: &str, request: ExportRequest, task: ExportTask) -> String {
        let mut jobs = lock(&self.jobs);
        prune(&mut jobs, account);
        if let Some(running) = jobs
            .iter()
            .find(|job| job.account == account && job.result.is_none())
        {
            return running.id.clone();
        }
        let id = format!("{:016x}{:016x}", OsRng.next_u64(), OsRng.next_u64());
        let read = Arc::new(AtomicUsize::new(0));
        jobs.push(Job {
            id: id.clone(),
            account: account.to_owned(),
            request: request.clone(),
            started_at: Timestamp(time::OffsetDateTime::now_utc().unix_timestamp()),
            read: read.clone(),
            result: None,
            finished: None,
        });
        drop(jobs);
        let registry = Arc::clone(&self.jobs);
        let job_id = id.clone();
        let work = tokio::spawn(async move {
            let progress = Arc::new(move |users: usize| read.store(users, Ordering::Relaxed));
            task(progress).await.map(|export| {
                let bytes = render(&export, request.format, request.base_dn.as_deref());
                let users = export.users.len();
                let name = file_name(&export.organization, request.format);
                (
                    users,
                    ExportFile {
                        format: request.format,
                        name,
                        bytes: bytes.into(),
                    },
                )
            })
        });
        // A job that panicked or hangs must not stay "running" (and block the account's next
        // export) for ever.
        let stop = work.abort_handle();
        tokio::spawn(async move {
            let result = match tokio::time::timeout(MAX_RUN, work).await {
                Ok(Ok(result)) => result,
                Ok(Err(error)) => {
                    tracing::error!(%error, "an export task failed");
                    Err("The export stopped unexpectedly; the server log says why.".to_owned())
                }
                Err(_) => {
                    stop.abort();
                    Err(format!(
                        "The export took longer than {} minutes and was stopped.",
                        MAX_RUN.as_secs() / 60
                    ))
                }
            };
            let mut jobs = lock(&registry);
            if let Some(job) = jobs.iter_mut().find(|job| job.id == job_id) {
                job.result = Some(result);
                job.finished = Some(Instant::now());
            }
        });
        id
    }

    fn jobs_of(&self, account: &str) -> Vec<ExportJob> {
        let mut jobs = lock(&self.jobs);
        prune(&mut jobs, account);
        jobs.iter()
            .rev()
            .filter(|job| job.account == account)
            .map(Job::view)
            .collect()
    }

    fn file(&self, account: &str, id: &str) -> Option<ExportFile> {
        let jobs = lock(&self.jobs);
        let job = jobs
            .iter()
            .find(|job| job.account == account && job.id == id)?;
        match &job.result {
            Some(Ok((_, file))) if job.finished.is_some_and(|at| at.elapsed() < KEEP_FOR) => {
                Some(file.clone())
            }
            _ => None,
        }
    }
}
