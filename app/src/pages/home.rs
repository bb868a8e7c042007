//! `/`: the start page sends each role where it works.

use crate::session::{ME_PATH, navigation};
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Redirects to the user search (roles that may open other users) or to the person's own
/// profile (self-service roles).
#[component]
pub fn HomePage() -> impl IntoView {
    let target = match navigation() {
        Some(nav) if !nav.can_browse && nav.has_me => ME_PATH,
        _ => "/users",
    };
    view! { <Redirect path=target /> }
}
