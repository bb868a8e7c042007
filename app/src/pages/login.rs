//! `/login`: sign in with the company's identity provider, or with a portal account.

use crate::routes::{LOGIN_PATH, safe_next, sso_start_url};
use crate::wire::{LoginAttempt, SignInOptions};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The sign-in page: a "Sign in with …" link when single sign-on is configured, above a plain
/// form post to `/login` (so it works without JavaScript) when local accounts may sign in.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map().read_untracked();
    let next = safe_next(query.get("next").as_deref());
    let options = use_context::<SignInOptions>().unwrap_or_default();
    let attempt = use_context::<LoginAttempt>();
    let login = attempt
        .as_ref()
        .map(|a| a.login.clone())
        .unwrap_or_default();
    let problem = attempt.map(|a| a.problem);
    let continuing = next != "/";
    let sso_ready = options.sso_ready;
    let sso = options.sso_name.map(|name| {
        view! {
            <p class="sso">
                <a class="button primary" href=sso_start_url(&next)>
                    {format!("Sign in with {name}")}
                </a>
            </p>
            {(!sso_ready)
                .then(|| {
                    view! {
                        <p class="hint">
                            "Single sign-on is unavailable right now: the identity provider did "
                            "not answer. The button tries again."
                        </p>
                    }
                })}
        }
    });
    let password_form = options.local.then(|| {
        view! {
            <form class="login-form" method="post" action=LOGIN_PATH>
                <input type="hidden" name="next" value=next.clone() />
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
                    <button type="submit" class=if sso.is_some() { "" } else { "primary" }>
                        "Sign in"
                    </button>
                </div>
            </form>
        }
    });
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
            {sso}
            {password_form}
        </section>
    }
}
