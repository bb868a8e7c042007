//! `get_tasks`: a user's Mail & access tab.

use crate::wire::{ApiError, JsonText, TasksView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// What the account may do for this user beyond the profile (password, addresses, groups,
/// mailbox, state), and what those sections show; `group_query` searches groups to add the
/// user to. Only for users the account may see.
#[server(prefix = "/api", endpoint = "get_tasks", input = Json, output = JsonText)]
pub async fn get_tasks(user: String, group_query: Option<String>) -> Result<TasksView, ApiError> {
    let result = async {
        crate::use_cases::Caller::current()?
            .load_tasks(&user, group_query.as_deref())
            .await
    };
    super::with_status(result.await)
}
