//! The banner that explains a failed load or save.

use crate::wire::{ApiError, ErrorKind};
use leptos::prelude::*;

/// A failure, explained: the sentence for the person, links to the fields that need fixing,
/// and the directory's request id to quote to support.
#[component]
pub fn ErrorBanner(error: ApiError) -> impl IntoView {
    let title = match error.kind {
        ErrorKind::Invalid => "Some values need fixing",
        ErrorKind::Conflict => "Someone else changed this user",
        ErrorKind::NotFound => "User not found",
        ErrorKind::Unauthenticated => "Signed out",
        ErrorKind::Forbidden => "Not allowed",
        ErrorKind::ReauthenticationRequired => "Confirm it's you",
        kind if kind.is_transient() => "Not saved: try again",
        _ => "Something went wrong",
    };
    let field_links = error
        .field_errors
        .iter()
        .map(|e| {
            let href = format!("#field-{}", e.field.api_name());
            let text = format!("{}: {}", e.field.label(), e.message());
            view! {
                <li>
                    <a href=href>{text}</a>
                </li>
            }
        })
        .collect::<Vec<_>>();
    let conflict_fields = (!error.conflicts.is_empty()).then(|| {
        let shown = |value: &str| {
            if value.is_empty() {
                "(empty)".to_owned()
            } else {
                format!("“{value}”")
            }
        };
        let items = error
            .conflicts
            .iter()
            .map(|c| {
                let href = format!("#field-{}", c.field.api_name());
                let text = format!(
                    "now {} in WorkMail; you entered {}",
                    shown(&c.theirs),
                    shown(&c.yours)
                );
                view! {
                    <li>
                        <a href=href>{c.field.label()}</a>
                        ": "
                        {text}
                    </li>
                }
            })
            .collect::<Vec<_>>();
        view! { <ul class="conflicts">{items}</ul> }
    });
    // After an expired session: sign in in another tab keeps this page and its input.
    let sign_in = (error.kind == ErrorKind::Unauthenticated).then(|| {
        view! {
            <p>
                <a href=crate::routes::LOGIN_PATH target="_blank" rel="noopener">
                    "Sign in again (opens a new tab)"
                </a>
                ", then save again here."
            </p>
        }
    });
    // The confirmation opens in another tab, so this page keeps the person's input.
    let confirm = (error.kind == ErrorKind::ReauthenticationRequired).then(|| {
        view! {
            <p>
                <a href=crate::routes::CONFIRM_PATH target="_blank" rel="noopener">
                    "Confirm it's you (opens a new tab)"
                </a>
                ", then save again here."
            </p>
        }
    });
    let reference = error.reference.clone().map(|r| {
        view! {
            <p class="reference">"Reference for support: " <code>{r}</code></p>
        }
    });
    view! {
        <div class="banner banner-error" role="alert" data-kind=format!("{:?}", error.kind)>
            <h2>{title}</h2>
            <p>{error.message.clone()}</p>
            {(!field_links.is_empty()).then(|| view! { <ul>{field_links}</ul> })}
            {conflict_fields}
            {sign_in}
            {confirm}
            {reference}
        </div>
    }
}
