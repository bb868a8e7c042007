//! `get_user`: one user, for the edit page.

use super::ApiError;
use crate::domain::UserProfile;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Reads the user with this id, user name or email address.
#[server(prefix = "/api", endpoint = "get_user", input = Json)]
pub async fn get_user(user: String) -> Result<UserProfile, ApiError> {
    let result = async {
        let directory = super::directory()?;
        crate::editing::load_user(&*directory, &user).await
    };
    super::with_status(result.await)
}
