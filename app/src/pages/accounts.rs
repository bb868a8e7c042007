//! `/admin/accounts`: the portal's own accounts, for roles the policy lets manage them. Every
//! change is a plain form post to the same path (it works without JavaScript); the server
//! applies it under the accounts' rules, audits it, and comes back here.

use super::set_status;
use crate::api::get_accounts;
use crate::components::ErrorBanner;
use crate::domain::{AccountSummary, Timestamp};
use crate::routes::ACCOUNTS_PATH;
use crate::wire::{AccountChangeRefused, AccountsView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The accounts page: what the last change did, a form for a new local account, and every
/// account with its own forms.
#[component]
pub fn AccountsPage() -> impl IntoView {
    let changed = use_query_map().read_untracked().get("changed");
    let refused = use_context::<AccountChangeRefused>();
    let loaded = get_accounts();
    let notice = match refused {
        Some(AccountChangeRefused(error)) => {
            set_status(error.status());
            view! { <ErrorBanner error /> }.into_any()
        }
        None => changed
            .map(|login| {
                view! {
                    <div class="banner banner-ok" role="status">
                        {format!("Saved the change to {login}.")}
                    </div>
                }
            })
            .into_any(),
    };
    view! {
        <Title text="Accounts" />
        <section class="page wide">
            <h1>"Accounts"</h1>
            {notice}
            {Suspend::new(async move {
                match loaded.await {
                    Ok(view) => accounts_view(view).into_any(),
                    Err(error) => {
                        set_status(error.status());
                        view! { <ErrorBanner error /> }.into_any()
                    }
                }
            })}
        </section>
    }
}

fn accounts_view(view: AccountsView) -> impl IntoView {
    let AccountsView {
        accounts,
        roles,
        own_login,
    } = view;
    let rows = accounts
        .into_iter()
        .map(|account| {
            let own = account.login == own_login;
            account_row(account, &roles, own)
        })
        .collect_view();
    view! {
        <h2>"New local account"</h2>
        <p class="hint">
            "For break-glass administrators and people outside single sign-on. Accounts that "
            "sign in with single sign-on are made at their first sign-in."
        </p>
        <form method="post" action=ACCOUNTS_PATH class="account-create">
            <input type="hidden" name="action" value="create" />
            <div class="field">
                <label for="new-login">"Account name"</label>
                <input
                    id="new-login"
                    name="login"
                    required
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                />
            </div>
            <div class="field">
                <label for="new-password">"Password (at least 8 characters)"</label>
                <input
                    id="new-password"
                    name="password"
                    type="password"
                    required
                    minlength="8"
                    autocomplete="new-password"
                />
            </div>
            <div class="field">
                <label for="new-workmail-user">"WorkMail user (email, optional)"</label>
                <input
                    id="new-workmail-user"
                    name="workmail_user"
                    type="email"
                    autocomplete="off"
                />
            </div>
            {role_choices("new", &roles, &[])}
            <div class="save-bar">
                <button type="submit" class="primary">
                    "Create account"
                </button>
            </div>
        </form>
        <h2>"All accounts"</h2>
        <table class="accounts">
            <thead>
                <tr>
                    <th scope="col">"Account"</th>
                    <th scope="col">"Roles"</th>
                    <th scope="col">"WorkMail user"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Last sign-in"</th>
                    <th scope="col">"Password and removal"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// One checkbox per role of the policy, `chosen` checked.
fn role_choices(prefix: &str, roles: &[String], chosen: &[String]) -> impl IntoView + use<> {
    let boxes = roles
        .iter()
        .map(|role| {
            let id = format!("{prefix}-role-{role}");
            let label_for = id.clone();
            view! {
                <label for=label_for class="choice">
                    <input
                        type="checkbox"
                        id=id
                        name="role"
                        value=role.clone()
                        checked=chosen.contains(role)
                    />
                    {role.clone()}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="roles">
            <legend>"Roles"</legend>
            {boxes}
        </fieldset>
    }
}

/// A form posting one change of `login` (hidden `action` and `login`) with `fields` and a
/// button.
fn change_form<F: IntoView>(
    action: &'static str,
    login: &str,
    fields: F,
    button: String,
) -> impl IntoView + use<F> {
    view! {
        <form method="post" action=ACCOUNTS_PATH class="account-change">
            <input type="hidden" name="action" value=action />
            <input type="hidden" name="login" value=login.to_owned() />
            {fields}
            <button type="submit" class="small">
                {button}
            </button>
        </form>
    }
}

fn account_row(account: AccountSummary, roles: &[String], own: bool) -> impl IntoView + use<> {
    let AccountSummary {
        login,
        sso,
        roles: account_roles,
        workmail_user,
        enabled,
        last_sign_in_at,
    } = account;
    let prefix = format!("account-{login}");
    let source = match &sso {
        Some((issuer, subject)) => view! {
            <span class="badge" title=format!("{issuer}, subject {subject}")>
                "single sign-on"
            </span>
        }
        .into_any(),
        None => view! { <span class="badge">"password"</span> }.into_any(),
    };
    let from_provider = sso.is_some();
    let link_id = format!("{prefix}-workmail-user");
    let link = (!from_provider).then(|| {
        change_form(
            "set_workmail_user",
            &login,
            view! {
                <label for=link_id.clone() class="visually-hidden">
                    {format!("WorkMail user of {login}")}
                </label>
                <input
                    id=link_id
                    name="workmail_user"
                    type="email"
                    value=workmail_user.clone().unwrap_or_default()
                    placeholder="not linked"
                />
            },
            if workmail_user.is_some() {
                "Change link"
            } else {
                "Link"
            }
            .to_owned(),
        )
    });
    let unlink = (workmail_user.is_some() && !from_provider)
        .then(|| change_form("unlink_workmail_user", &login, (), "Unlink".to_owned()));
    // A single sign-on account's roles and WorkMail user come from its claims at every sign-in.
    let provided_user =
        from_provider.then(|| workmail_user.clone().unwrap_or_else(|| "none".to_owned()));
    let roles_cell = if from_provider {
        view! { <span title="from the identity provider's groups">{account_roles.join(", ")}</span> }
            .into_any()
    } else {
        change_form(
            "set_roles",
            &login,
            role_choices(&prefix, roles, &account_roles),
            "Save roles".to_owned(),
        )
        .into_any()
    };
    let status = change_form(
        if enabled { "disable" } else { "enable" },
        &login,
        view! {
            <span class=if enabled { "status enabled" } else { "status disabled" }>
                {if enabled { "Enabled" } else { "Disabled" }}
            </span>
        },
        if enabled { "Disable" } else { "Enable" }.to_owned(),
    );
    let password_id = format!("{prefix}-password");
    let password = sso.is_none().then(|| {
        change_form(
            "set_password",
            &login,
            view! {
                <label for=password_id.clone() class="visually-hidden">
                    {format!("New password for {login}")}
                </label>
                <input
                    id=password_id
                    name="password"
                    type="password"
                    minlength="8"
                    required
                    autocomplete="new-password"
                    placeholder="new password"
                />
            },
            "Set password".to_owned(),
        )
    });
    let remove = change_form("remove", &login, (), format!("Remove {login}"));
    view! {
        <tr>
            <th scope="row">
                {login.clone()} {own.then(|| view! { <span class="badge">"you"</span> })} " "
                {source}
            </th>
            <td>{roles_cell}</td>
            <td>{provided_user} {link} {unlink}</td>
            <td>{status}</td>
            <td>{last_sign_in_at.map_or_else(|| "never".to_owned(), |at| Timestamp(at).to_string())}</td>
            <td>{password} {remove}</td>
        </tr>
    }
}
