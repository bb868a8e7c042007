//! One file per page. Pages render on the server only (islands mode).

mod accounts;
mod audit;
mod confirm;
mod export;
mod history;
mod home;
mod login;
mod me;
mod not_found;
mod tasks;
mod user;
mod users;

pub use accounts::AccountsPage;
pub use audit::AuditLogPage;
pub use confirm::ConfirmPage;
pub use export::ExportPage;
pub use history::HistoryPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use me::MePage;
pub use not_found::NotFound;
pub use tasks::TasksPage;
pub use user::{UserPage, UserScreen, UserTab, UserTabs};
pub use users::UsersPage;

/// Sets the HTTP status of the page being rendered (server only).
fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}
