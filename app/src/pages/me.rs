//! `/me`: the signed-in person's own WorkMail profile, under the same rules as any other user.

use super::user::UserScreen;
use crate::routes::ME_PATH;
use crate::session::current_principal;
use leptos::prelude::*;
use leptos_meta::Title;

/// The own profile of an account linked to a WorkMail user.
#[component]
pub fn MePage() -> impl IntoView {
    match current_principal().and_then(|p| p.workmail_user) {
        Some(user) => view! { <UserScreen user action=ME_PATH.to_owned() /> }.into_any(),
        None => view! {
            <Title text="My profile" />
            <section class="page narrow">
                <h1>"My profile"</h1>
                <p>
                    "Your portal account isn't linked to a WorkMail user, so there is no profile to show. "
                    "When you sign in with single sign-on, your email address must be a WorkMail user's "
                    "address in this organization, and your identity provider must have verified it."
                </p>
            </section>
        }
        .into_any(),
    }
}
