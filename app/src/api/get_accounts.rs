//! `get_accounts`: the portal's accounts, for `/admin/accounts`.

use crate::wire::{AccountsView, ApiError, JsonText};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Every account and the policy's roles. Only for roles the policy lets manage accounts.
#[server(prefix = "/api", endpoint = "get_accounts", input = Json, output = JsonText)]
pub async fn get_accounts() -> Result<AccountsView, ApiError> {
    let result = async { crate::use_cases::Caller::current()?.list_accounts().await };
    super::with_status(result.await)
}
