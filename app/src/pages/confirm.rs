//! `/confirm`: proving who one is again before a sensitive change (step-up). It opens in its
//! own tab from the edit page, which keeps the person's input meanwhile.

use crate::routes::{CONFIRM_PATH, sso_confirm_url};
use crate::session::current_principal;
use crate::wire::{LoginAttempt, SignInOptions};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// After single sign-on: a button to the identity provider, which asks for the password again.
/// For a portal account: its password. With `?done=1`: the confirmation worked.
#[component]
pub fn ConfirmPage() -> impl IntoView {
    let done = use_query_map().read_untracked().get("done").is_some();
    let sso = current_principal().is_some_and(|p| p.single_sign_on);
    let provider = use_context::<SignInOptions>()
        .and_then(|options| options.sso_name)
        .unwrap_or_else(|| "single sign-on".to_owned());
    let problem = use_context::<LoginAttempt>().map(|attempt| attempt.problem);
    let body = if done {
        view! {
            <div class="banner banner-ok" role="status">
                <p>"Confirmed. Go back to the tab with your changes and save again."</p>
            </div>
        }
        .into_any()
    } else if sso {
        view! {
            <p>"Your identity provider will ask you to sign in again."</p>
            <p class="sso">
                <a class="button primary" href=sso_confirm_url()>
                    {format!("Confirm with {provider}")}
                </a>
            </p>
        }
        .into_any()
    } else {
        view! {
            <form class="login-form" method="post" action=CONFIRM_PATH>
                <div class="field">
                    <label for="confirm-password">"Your password"</label>
                    <input
                        id="confirm-password"
                        name="password"
                        type="password"
                        required
                        autocomplete="current-password"
                        autofocus
                    />
                </div>
                <div class="save-bar">
                    <button type="submit" class="primary">
                        "Confirm"
                    </button>
                </div>
            </form>
        }
        .into_any()
    };
    view! {
        <Title text="Confirm it's you" />
        <section class="page narrow login-page">
            <h1>"Confirm it's you"</h1>
            {(!done)
                .then(|| {
                    view! {
                        <p>
                            "Some changes, such as a user's role, need a recent proof that you are "
                            "the person signed in."
                        </p>
                    }
                })}
            {problem
                .map(|p| {
                    view! {
                        <div class="banner banner-error" role="alert">
                            <p>{p.message()}</p>
                        </div>
                    }
                })}
            {body}
        </section>
    }
}
