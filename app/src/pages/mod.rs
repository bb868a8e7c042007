//! One file per page. Pages render on the server only (islands mode).

mod not_found;
mod user;
mod users;

pub use not_found::NotFound;
pub use user::{RejectedSave, UserPage, user_path};
pub use users::UsersPage;
