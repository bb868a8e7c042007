//! `get_dashboard`: the figures of the start page.

use crate::wire::{ApiError, Dashboard, JsonText};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Users by state and by role, and recent changes, within the account's scope; see
/// [`Caller::dashboard`](crate::use_cases::Caller::dashboard).
#[server(prefix = "/api", endpoint = "get_dashboard", input = Json, output = JsonText)]
pub async fn get_dashboard() -> Result<Dashboard, ApiError> {
    let result = async { crate::use_cases::Caller::current()?.dashboard().await };
    super::with_status(result.await)
}
