//! `update_user`: saves the edit form.

use super::{ApiError, SaveOutcome, SaveRequest};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Saves the person's edits. The server derives the change set from `loaded` and `edited`
/// itself and checks every changed field against the policy for this account and this user;
/// see [`crate::editing::save_user`] for the rules.
#[server(prefix = "/api", endpoint = "update_user", input = Json)]
pub async fn update_user(request: SaveRequest) -> Result<SaveOutcome, ApiError> {
    let result = async {
        let caller = super::Caller::current()?;
        let index = super::directory_index()?;
        crate::editing::save_user(
            &*caller.directory,
            &*caller.audit,
            Some(&index),
            caller.gate(),
            &caller.origin,
            &request,
        )
        .await
    };
    super::with_status(result.await)
}
