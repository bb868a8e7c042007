//! `get_user`: one user, for the edit page, as far as the signed-in account may see it.

use crate::wire::{ApiError, JsonText, UserView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Reads the user with this id, user name or email address. A user outside the account's
/// scope is not found; hidden attributes are left out.
#[server(prefix = "/api", endpoint = "get_user", input = Json, output = JsonText)]
pub async fn get_user(user: String) -> Result<UserView, ApiError> {
    let result = async { crate::use_cases::Caller::current()?.load_user(&user).await };
    super::with_status(result.await)
}
