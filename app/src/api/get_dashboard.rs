//! `get_dashboard`: the figures of the start page.

use super::{ApiError, Dashboard};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Users by state and by role, and recent changes, within the account's scope; see
/// [`crate::browsing::dashboard`].
#[server(prefix = "/api", endpoint = "get_dashboard", input = Json)]
pub async fn get_dashboard() -> Result<Dashboard, ApiError> {
    let result = async {
        let caller = super::Caller::current()?;
        let index = super::directory_index()?;
        crate::browsing::dashboard(&index, &*caller.audit, caller.gate()).await
    };
    super::with_status(result.await)
}
