//! The read-only facts about a user (server-rendered only).

use crate::domain::{Access, Fact, Field, Timestamp, UserAccess, UserProfile, role_label};
use leptos::prelude::*;

/// A definition list of what the portal shows but cannot change; attributes hidden from the
/// account are left out altogether (not shown as "Not set").
#[component]
pub fn UserFacts(profile: UserProfile, access: UserAccess) -> impl IntoView {
    let shown = |fact: Fact| access.fact(fact) > Access::Hidden;
    let text = |value: Option<String>| value.filter(|v| !v.is_empty());
    let date = |value: Option<Timestamp>| value.map(|t| t.to_string());
    let facts: Vec<(bool, &'static str, Option<String>)> = vec![
        (true, "User id", Some(profile.user_id.clone())),
        (shown(Fact::Name), "User name", text(profile.name.clone())),
        (
            shown(Fact::Email),
            "Email address",
            text(profile.email.clone()),
        ),
        (
            shown(Fact::State),
            "State",
            profile.state.map(|s| s.label().to_owned()),
        ),
        (
            access.field(Field::Role) > Access::Hidden,
            "Role",
            Some(role_label(profile.values.get(Field::Role)).to_owned()),
        ),
        (
            shown(Fact::EnabledDate),
            "Enabled",
            date(profile.enabled_date),
        ),
        (
            shown(Fact::DisabledDate),
            "Disabled",
            date(profile.disabled_date),
        ),
        (
            shown(Fact::MailboxProvisionedDate),
            "Mailbox provisioned",
            date(profile.mailbox_provisioned_date),
        ),
        (
            shown(Fact::MailboxDeprovisionedDate),
            "Mailbox deprovisioned",
            date(profile.mailbox_deprovisioned_date),
        ),
        (
            shown(Fact::IdentityProviderUserId),
            "Identity provider user id",
            text(profile.identity_provider_user_id.clone()),
        ),
        (
            shown(Fact::IdentityProviderIdentityStoreId),
            "Identity store id",
            text(profile.identity_provider_identity_store_id.clone()),
        ),
    ];
    let rows = facts
        .into_iter()
        .filter(|(show, _, _)| *show)
        .map(|(_, label, value)| (label, value))
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
