//! The use cases: what a signed-in person can do, each a method on the [`Caller`] of the
//! request, whichever way the request arrived (server function, form post, export). Every read
//! and every write is authorized here, on the server, against the policy.
//!
//! - [`caller`]: who is asking, what they may use, and what they may do with a given user;
//! - [`editing`]: loading a user for the edit page and saving the edit form;
//! - [`browsing`]: the directory page's search and the dashboard;
//! - [`auditing`]: the audit log and a user's History;
//! - [`directory_tasks`]: passwords, addresses, groups, mailbox and state of a user;
//! - [`accounts`]: the portal's own accounts (`/admin/accounts`);
//! - [`exporting`]: exports of the directory (`/admin/export`, the `export` command).

pub mod accounts;
pub mod auditing;
pub mod browsing;
pub mod caller;
pub mod directory_tasks;
pub mod editing;
pub mod exporting;
mod failures;

pub use caller::Caller;

/// `text` with its first letter in upper case: a message that begins with a phrase.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The current time as Unix seconds (for the step-up window).
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
