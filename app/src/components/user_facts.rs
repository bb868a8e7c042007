//! The read-only facts about a user (server-rendered only).

use crate::domain::{Field, Timestamp, UserProfile, role_label};
use leptos::prelude::*;

/// A definition list of what the portal shows but cannot change.
#[component]
pub fn UserFacts(profile: UserProfile) -> impl IntoView {
    let text = |value: Option<String>| value.filter(|v| !v.is_empty());
    let date = |value: Option<Timestamp>| value.map(|t| t.to_string());
    let facts: Vec<(&'static str, Option<String>)> = vec![
        ("User id", Some(profile.user_id.clone())),
        ("User name", text(profile.name.clone())),
        ("Email address", text(profile.email.clone())),
        ("State", profile.state.map(|s| s.label().to_owned())),
        (
            "Role",
            Some(role_label(profile.values.get(Field::Role)).to_owned()),
        ),
        ("Enabled", date(profile.enabled_date)),
        ("Disabled", date(profile.disabled_date)),
        (
            "Mailbox provisioned",
            date(profile.mailbox_provisioned_date),
        ),
        (
            "Mailbox deprovisioned",
            date(profile.mailbox_deprovisioned_date),
        ),
        (
            "Identity provider user id",
            text(profile.identity_provider_user_id.clone()),
        ),
        (
            "Identity store id",
            text(profile.identity_provider_identity_store_id.clone()),
        ),
    ];
    let rows = facts
        .into_iter()
        .map(|(label, value)| {
            let (value, class) = match value {
                Some(v) => (v, "value"),
                None => ("Not set".to_owned(), "value unset"),
            };
            view! {
                <dt>{label}</dt>
                <dd class=class>{value}</dd>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <section class="facts" aria-labelledby="facts-title">
            <h2 id="facts-title">"Account"</h2>
            <dl>{rows}</dl>
        </section>
    }
}
