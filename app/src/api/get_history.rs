//! `get_history`: one user's change history, for the History tab.

use crate::wire::{ApiError, History, JsonText};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The changes to this user that reached the directory, newest first, `before` a record id
/// for older pages. Only for roles the policy lets read history, only for users they may see,
/// and without the fields hidden from them.
#[server(prefix = "/api", endpoint = "get_history", input = Json, output = JsonText)]
pub async fn get_history(user: String, before: Option<i64>) -> Result<History, ApiError> {
    let result = async {
        crate::use_cases::Caller::current()?
            .read_history(&user, before)
            .await
    };
    super::with_status(result.await)
}
