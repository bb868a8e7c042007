//! `search_users`: one page of the user directory.

use crate::domain::DirectoryQuery;
use crate::wire::{ApiError, DirectoryView, JsonText};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Users whose user name, display name or email starts with the search, within the account's
/// scope and with only the columns it may see; see
/// [`Caller::find_users`](crate::use_cases::Caller::find_users).
#[server(prefix = "/api", endpoint = "search_users", input = Json, output = JsonText)]
pub async fn search_users(query: DirectoryQuery) -> Result<DirectoryView, ApiError> {
    let result = async { crate::use_cases::Caller::current()?.find_users(&query) };
    super::with_status(result.await)
}
