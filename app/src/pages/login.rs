//! `/login`: sign in with a portal account.

use crate::routes::{LOGIN_PATH, safe_next};
use crate::wire::LoginAttempt;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The sign-in form: a plain form post to `/login`, so it works without JavaScript.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map().read_untracked();
    let next = safe_next(query.get("next").as_deref());
    let attempt = use_context::<LoginAttempt>();
    let login = attempt
        .as_ref()
        .map(|a| a.login.clone())
        .unwrap_or_default();
    let problem = attempt.map(|a| a.problem);
    let continuing = next != "/";
    view! {
        <Title text="Sign in" />
        <section class="page narrow login-page">
            <h1>"Sign in"</h1>
            {continuing.then(|| view! { <p>"Sign in to continue."</p> })}
            {problem
                .map(|p| {
                    view! {
                        <div class="banner banner-error" role="alert">
                            <p>{p.message()}</p>
                        </div>
                    }
                })}
            <form class="login-form" method="post" action=LOGIN_PATH>
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="login-name">"Account name"</label>
                    <input
                        id="login-name"
                        name="login"
                        type="text"
                        required
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        value=login
                        autofocus=problem.is_none()
                    />
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input
                        id="login-password"
                        name="password"
                        type="password"
                        required
                        autocomplete="current-password"
                        autofocus=problem.is_some()
                    />
                </div>
                <div class="save-bar">
                    <button type="submit" class="primary">
                        "Sign in"
                    </button>
                </div>
            </form>
        </section>
    }
}
