//! `search_users`: one page of the user directory.

use super::{ApiError, DirectoryView};
use crate::domain::DirectoryQuery;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Users whose user name, display name or email starts with the search, within the account's
/// scope and with only the columns it may see; see [`crate::browsing::find_users`].
#[server(prefix = "/api", endpoint = "search_users", input = Json)]
pub async fn search_users(query: DirectoryQuery) -> Result<DirectoryView, ApiError> {
    let result = async {
        let caller = super::Caller::current()?;
        let index = super::directory_index()?;
        crate::browsing::find_users(&index, caller.gate(), &query)
    };
    super::with_status(result.await)
}
