//! `/users/{id}/history`: the changes to one user that reached the directory, newest first.

use super::set_status;
use super::user::{UserTab, UserTabs};
use crate::api::get_history;
use crate::components::{AuditChanges, ErrorBanner};
use crate::routes::{history_path, user_path};
use crate::wire::{ErrorKind, History};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The History tab of a user.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let user = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    let before = use_query_map()
        .read_untracked()
        .get("before")
        .and_then(|b| b.parse::<i64>().ok());
    let loaded = get_history(user.clone(), before);
    view! {
        {Suspend::new(async move {
            match loaded.await {
                Ok(history) => history_view(history, before.is_some()).into_any(),
                Err(error) => {
                    set_status(error.status());
                    let title = if error.kind == ErrorKind::NotFound {
                        "User not found"
                    } else {
                        "History unavailable"
                    };
                    view! {
                        <Title text=title />
                        <section class="page narrow">
                            <h1>{title}</h1>
                            <ErrorBanner error />
                            <p>
                                <a href=user_path(&user)>"Back to the user"</a>
                            </p>
                        </section>
                    }
                        .into_any()
                }
            }
        })}
    }
}

fn history_view(history: History, paged: bool) -> impl IntoView {
    let History {
        user_id,
        title,
        page,
    } = history;
    let older = page
        .older
        .map(|before| format!("{}?before={before}", history_path(&user_id)));
    let newest = paged.then(|| history_path(&user_id));
    let empty = page.records.is_empty();
    view! {
        <Title text=format!("History of {title}") />
        <section class="page">
            <h1>{title}</h1>
            <UserTabs user_id current=UserTab::History />
            {empty
                .then(|| {
                    view! {
                        <p class="muted">"No changes recorded through the portal yet."</p>
                    }
                })}
            {(!empty)
                .then(|| {
                    view! {
                        <table class="audit-table">
                            <caption class="visually-hidden">"Changes, newest first"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"When"</th>
                                    <th scope="col">"Who"</th>
                                    <th scope="col">"Changes"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {page
                                    .records
                                    .into_iter()
                                    .map(|record| {
                                        let when = record.time();
                                        let unconfirmed = (record.outcome
                                            == crate::domain::Outcome::Unconfirmed)
                                            .then(|| {
                                                view! {
                                                    <span class="badge">"unconfirmed"</span>
                                                }
                                            });
                                        view! {
                                            <tr>
                                                <td class="nowrap">{when} " " {unconfirmed}</td>
                                                <td>{record.account}</td>
                                                <td>
                                                    {if record.changes.is_empty() {
                                                        // A task (password, addresses, groups,
                                                        // quota, state) says what it did.
                                                        record.detail.into_any()
                                                    } else {
                                                        view! {
                                                            <AuditChanges changes=record.changes />
                                                        }
                                                            .into_any()
                                                    }}
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                })}
            <nav class="pager" aria-label="History pages">
                {newest.map(|href| view! { <a href=href>"← Newest"</a> })}
                {older.map(|href| view! { <a href=href>"Older →"</a> })}
            </nav>
        </section>
    }
}
