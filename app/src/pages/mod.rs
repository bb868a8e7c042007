//! One file per page. Pages render on the server only (islands mode).

mod home;
mod login;
mod me;
mod not_found;
mod user;
mod users;

pub use home::HomePage;
pub use login::{LoginAttempt, LoginPage, LoginProblem};
pub use me::MePage;
pub use not_found::NotFound;
pub use user::{RejectedSave, UserPage, UserScreen, user_path};
pub use users::UsersPage;
