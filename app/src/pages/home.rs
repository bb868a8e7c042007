//! `/`: the dashboard for roles that work with the directory; self-service roles go to their
//! own profile.

use super::set_status;
use super::users::SearchForm;
use crate::api::get_dashboard;
use crate::components::ErrorBanner;
use crate::domain::{DirectoryQuery, Timestamp, UserState, count_users, role_label};
use crate::routes::{ME_PATH, USERS_PATH, history_path};
use crate::session::navigation;
use crate::wire::Dashboard;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The dashboard: quick search, users by state and by role, recent changes.
#[component]
pub fn HomePage() -> impl IntoView {
    match navigation() {
        // Someone who may not open other users has only their own profile (or, without a
        // WorkMail user, the page that says so).
        Some(nav) if !nav.can_browse => {
            return view! { <Redirect path=ME_PATH /> }.into_any();
        }
        _ => {}
    }
    let loaded = get_dashboard();
    view! {
        <Title text="Dashboard" />
        <section class="page">
            <h1>"Dashboard"</h1>
            <SearchForm query=DirectoryQuery::default() />
            {Suspend::new(async move {
                match loaded.await {
                    Ok(dashboard) => figures(dashboard).into_any(),
                    Err(error) => {
                        set_status(error.status());
                        view! {
                            <ErrorBanner error />
                            <p>
                                <a href="/">"Try again"</a>
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </section>
    }
    .into_any()
}

fn figures(dashboard: Dashboard) -> impl IntoView {
    let Dashboard {
        total,
        by_state,
        by_role,
        recent,
        refreshed_at,
    } = dashboard;
    let state_rows = by_state
        .into_iter()
        .map(|(state, count)| {
            let label =
                UserState::from_api_name(&state).map_or(state.clone(), |s| s.label().to_owned());
            let href = format!("{USERS_PATH}?state={state}");
            view! {
                <tr>
                    <th scope="row">
                        <a href=href>{label}</a>
                    </th>
                    <td class="number">{count}</td>
                </tr>
            }
        })
        .collect_view();
    let role_rows = by_role
        .into_iter()
        .map(|(role, count)| {
            view! {
                <tr>
                    <th scope="row">{role_label(&role).to_owned()}</th>
                    <td class="number">{count}</td>
                </tr>
            }
        })
        .collect_view();
    let has_recent = !recent.is_empty();
    let recent_rows = recent
        .into_iter()
        .map(|change| {
            let when = Timestamp(change.at_ms.div_euclid(1000)).precise();
            view! {
                <li>
                    <a href=history_path(&change.user_id)>{change.user}</a>
                    <span class="muted small">" · " {when} " by " {change.account}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="muted small">
            {format!("{} you may see", count_users(total))}
            {refreshed_at.map(|at| format!(" · directory as of {}", Timestamp(at).precise()))}
        </p>
        <div class="dashboard">
            <section class="facts">
                <h2>"Users by state"</h2>
                <table class="counts">
                    <tbody>{state_rows}</tbody>
                </table>
            </section>
            <section class="facts">
                <h2>"Users by role"</h2>
                <table class="counts">
                    <tbody>{role_rows}</tbody>
                </table>
            </section>
            {has_recent
                .then(|| {
                    view! {
                        <section class="facts">
                            <h2>"Recently changed"</h2>
                            <ul class="recent">{recent_rows}</ul>
                        </section>
                    }
                })}
        </div>
    }
}
