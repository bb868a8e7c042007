//! `/users`: open a user by id, user name or email (the directory list comes later).

use super::user_path;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// A box to open one user. Submitting it (a plain GET form) redirects to `/users/{id}`.
#[component]
pub fn UsersPage() -> impl IntoView {
    let wanted = use_query_map()
        .read_untracked()
        .get("user")
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty());
    if let Some(user) = wanted {
        return view! { <Redirect path=user_path(&user) /> }.into_any();
    }
    if crate::session::navigation().is_some_and(|nav| !nav.can_browse) {
        // A self-service role has nobody else to open.
        return view! { <Redirect path=crate::session::ME_PATH /> }.into_any();
    }
    view! {
        <Title text="Users" />
        <section class="page narrow">
            <h1>"Users"</h1>
            <form method="get" action="/users" class="open-user">
                <label for="open-user">"User id, user name or email address"</label>
                <div class="inline">
                    <input
                        id="open-user"
                        name="user"
                        type="text"
                        required
                        autocomplete="off"
                        spellcheck="false"
                        placeholder="jane.doe"
                    />
                    <button type="submit">"Open"</button>
                </div>
            </form>
        </section>
    }
    .into_any()
}
