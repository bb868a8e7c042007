//! Server functions, one per file and thin: get the [`Caller`](crate::use_cases::Caller), call
//! a use case, give the error its HTTP status.

mod get_accounts;
mod get_audit_log;
mod get_dashboard;
mod get_exports;
mod get_history;
mod get_tasks;
mod get_user;
mod search_users;
mod update_user;

pub use get_accounts::{GetAccounts, get_accounts};
pub use get_audit_log::{GetAuditLog, get_audit_log};
pub use get_dashboard::{GetDashboard, get_dashboard};
pub use get_exports::{GetExports, get_exports};
pub use get_history::{GetHistory, get_history};
pub use get_tasks::{GetTasks, get_tasks};
pub use get_user::{GetUser, get_user};
pub use search_users::{SearchUsers, search_users};
pub use update_user::{UpdateUser, update_user};

/// Sets the HTTP status (and, when throttled, `Retry-After`) of the current response to fit
/// the error, then passes the result on.
#[cfg(feature = "ssr")]
#[expect(
    clippy::result_large_err,
    reason = "ApiError is what every server function returns; it passes through unchanged"
)]
fn with_status<T>(result: Result<T, crate::wire::ApiError>) -> Result<T, crate::wire::ApiError> {
    if let Err(error) = &result
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        let status = http::StatusCode::from_u16(error.status())
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        response.set_status(status);
        if error.kind == crate::wire::ErrorKind::Throttled {
            response.insert_header(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("5"),
            );
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use leptos::server_fn::ServerFn;

    /// The server's session layer knows server functions by [`crate::routes::API_PREFIX`].
    #[test]
    fn every_server_function_lives_under_the_api_prefix() {
        for path in [
            super::GetAccounts::PATH,
            super::GetAuditLog::PATH,
            super::GetDashboard::PATH,
            super::GetExports::PATH,
            super::GetHistory::PATH,
            super::GetTasks::PATH,
            super::GetUser::PATH,
            super::SearchUsers::PATH,
            super::UpdateUser::PATH,
        ] {
            assert!(path.starts_with(crate::routes::API_PREFIX), "{path}");
            let name = &path[crate::routes::API_PREFIX.len()..];
            assert!(crate::routes::SERVER_FUNCTIONS.contains(&name), "{name}");
        }
        assert_eq!(crate::routes::SERVER_FUNCTIONS.len(), 9);
    }
}
