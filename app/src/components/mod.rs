//! Reusable view pieces.

mod audit_changes;
mod error_banner;
mod text_field;
mod user_editor;
mod user_facts;

pub use audit_changes::AuditChanges;
pub use error_banner::ErrorBanner;
pub use text_field::{ReadOnlyField, TextField};
pub use user_editor::{EditorState, LOADED_PREFIX, Notice, UserEditor, VERSION_INPUT};
pub use user_facts::UserFacts;
