//! Fault injection: added latency and failed answers, for testing clients.

use std::sync::RwLock;
use std::time::Duration;

use crate::api_error::{ApiError, ErrorKind};
use crate::operations::Operation;

/// Which error an injected fault answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    DirectoryUnavailable,
    Throttling,
    DirectoryServiceAuthenticationFailed,
    OrganizationState,
}

impl FaultKind {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "unavailable" | "DirectoryUnavailableException" => Some(Self::DirectoryUnavailable),
            "throttling" | "ThrottlingException" => Some(Self::Throttling),
            "directory-auth" | "DirectoryServiceAuthenticationFailedException" => {
                Some(Self::DirectoryServiceAuthenticationFailed)
            }
            "organization-state" | "OrganizationStateException" => Some(Self::OrganizationState),
            _ => None,
        }
    }
}

/// Fault injection settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    pub latency: Duration,
    /// Share of requests (0 to 1) that fail.
    pub rate: f64,
    /// Operation names the faults apply to; empty means every operation.
    pub operations: Vec<String>,
    pub kind: FaultKind,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            rate: 0.0,
            operations: Vec::new(),
            kind: FaultKind::DirectoryUnavailable,
        }
    }
}

impl Faults {
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.rate) {
            return Err(format!(
                "fault rate must be between 0 and 1 (got {})",
                self.rate
            ));
        }
        for name in &self.operations {
            if Operation::from_name(name).is_none() {
                let known: Vec<&str> = Operation::ALL.iter().map(|op| op.name()).collect();
                return Err(format!(
                    "fault operation {name} is not one of {}",
                    known.join(", ")
                ));
            }
        }
        Ok(())
    }

    fn applies_to(&self, operation: Operation) -> bool {
        self.operations.is_empty() || self.operations.iter().any(|name| name == operation.name())
    }
}

/// The settings in force, changeable while the emulator runs.
pub struct FaultSwitch(RwLock<Faults>);

impl FaultSwitch {
    pub fn new(faults: Faults) -> Self {
        Self(RwLock::new(faults))
    }

    pub fn set(&self, faults: Faults) {
        *self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = faults;
    }

    /// Waits the configured latency, then decides whether this request fails.
    pub async fn before(&self, operation: Operation) -> Result<(), ApiError> {
        let faults = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        if !faults.applies_to(operation) {
            return Ok(());
        }
        if !faults.latency.is_zero() {
            tokio::time::sleep(faults.latency).await;
        }
        if faults.rate > 0.0 && fastrand::f64() < faults.rate {
            return Err(match faults.kind {
                FaultKind::DirectoryUnavailable => ApiError::new(
                    ErrorKind::DirectoryUnavailable,
                    "The directory is not available right now (injected fault).",
                ),
                FaultKind::Throttling => {
                    ApiError::new(ErrorKind::Throttling, "Rate exceeded (injected fault).")
                }
                FaultKind::DirectoryServiceAuthenticationFailed => ApiError::new(
                    ErrorKind::DirectoryServiceAuthenticationFailed,
                    "WorkMail could not authenticate to the directory service (injected fault).",
                ),
                FaultKind::OrganizationState => ApiError::new(
                    ErrorKind::OrganizationState,
                    "The organization is not in a usable state (injected fault).",
                ),
            });
        }
        Ok(())
    }
}
