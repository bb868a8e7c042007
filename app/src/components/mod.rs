//! Reusable view pieces.

mod audit_changes;
mod error_banner;
mod text_field;
mod user_editor;
mod user_facts;

pub use audit_changes::AuditChanges;
pub use error_banner::ErrorBanner;
pub use text_field::{ReadOnlyField, TextField};
pub use user_editor::UserEditor;
pub use user_facts::UserFacts;

/// A view closure that reads signals: tracked in the browser, where the form reacts to the
/// person's input; read once without tracking on the server, which renders it a single time
/// (a tracked read there has nothing to track it, and Leptos warns about each one).
pub(crate) fn live<R, F>(read: F) -> impl Fn() -> R + Clone + Send + Sync + 'static
where
    F: Fn() -> R + Clone + Send + Sync + 'static,
{
    move || {
        if cfg!(feature = "ssr") {
            leptos::prelude::untrack(&read)
        } else {
            read()
        }
    }
}
