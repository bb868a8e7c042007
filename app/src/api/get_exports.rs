//! `get_exports`: the signed-in account's directory exports, for `/admin/export`.

use crate::wire::{ApiError, ExportsView, JsonText};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The account's exports, newest first. Only for roles the policy lets export.
#[server(prefix = "/api", endpoint = "get_exports", input = Json, output = JsonText)]
pub async fn get_exports() -> Result<ExportsView, ApiError> {
    let result = async { crate::use_cases::Caller::current()?.list_exports().await };
    super::with_status(result.await)
}
