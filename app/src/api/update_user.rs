//! `update_user`: saves the edit form.

use crate::wire::{ApiError, JsonText, SaveOutcome, SaveRequest};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Saves the person's edits. The server derives the change set from `loaded` and `edited`
/// itself and checks every changed field against the policy for this account and this user;
/// see [`Caller::save_user`](crate::use_cases::Caller::save_user) for the rules.
#[server(prefix = "/api", endpoint = "update_user", input = Json, output = JsonText)]
pub async fn update_user(request: SaveRequest) -> Result<SaveOutcome, ApiError> {
    let result = async {
        crate::use_cases::Caller::current()?
            .save_user(&request)
            .await
    };
    super::with_status(result.await)
}
