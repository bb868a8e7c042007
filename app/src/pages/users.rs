//! `/users`: the user directory. One search box matches user name, display name or email by
//! prefix; a state filter and a page size narrow it down; rows open the edit page. The search
//! lives in the query string, so results are links and the back button works, with or without
//! JavaScript. With it, `public/directory-search.js` searches as the person types (plain
//! JavaScript rather than an island: a few hundred bytes instead of a share of the wasm budget).

use super::set_status;
use crate::api::search_users;
use crate::components::ErrorBanner;
use crate::domain::{DirectoryQuery, PAGE_SIZES, Readable, Timestamp, UserState, count_users};
use crate::routes::{DIRECTORY_SEARCH_SCRIPT, ME_PATH, USERS_PATH, user_path};
use crate::wire::{DirectoryRow, DirectoryView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The directory page. `?user=…` (the "open by id" box) redirects to that user's page.
#[component]
pub fn UsersPage() -> impl IntoView {
    let params = use_query_map().read_untracked();
    let wanted = params
        .get("user")
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty());
    if let Some(user) = wanted {
        return view! { <Redirect path=user_path(&user) /> }.into_any();
    }
    if crate::session::navigation().is_some_and(|nav| !nav.can_browse) {
        // A self-service role has nobody else to open.
        return view! { <Redirect path=ME_PATH /> }.into_any();
    }
    let query = DirectoryQuery::from_params(|name| params.get_str(name));
    let loaded = search_users(query.clone());
    let retry_query = query.clone();
    view! {
        <Title text="Users" />
        <section class="page">
            <h1>"Users"</h1>
            <SearchForm query=query.clone() />
            // Replaced in place by directory-search.js as the person types.
            <div id="directory-results">
            {Suspend::new(async move {
                match loaded.await {
                    Ok(view) => results(view).into_any(),
                    Err(error) => {
                        set_status(error.status());
                        let retry = format!("{USERS_PATH}?{}", retry_query.to_query(retry_query.page));
                        view! {
                            <ErrorBanner error />
                            <p>
                                <a href=retry>"Try again"</a>
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
            </div>
            <OpenById />
            <script src=DIRECTORY_SEARCH_SCRIPT type="module"></script>
        </section>
    }
    .into_any()
}

/// The search form: a plain GET form to `/users` (also on the dashboard).
#[component]
pub(super) fn SearchForm(query: DirectoryQuery) -> impl IntoView {
    let states = UserState::ALL
        .into_iter()
        .map(|state| {
            view! {
                <option value=state.api_name() selected=query.state == Some(state)>
                    {state.label()}
                </option>
            }
        })
        .collect_view();
    let sizes = PAGE_SIZES
        .into_iter()
        .map(|size| {
            view! {
                <option value=size.to_string() selected=query.page_size == size>
                    {size}
                </option>
            }
        })
        .collect_view();
    view! {
        <form method="get" action=USERS_PATH class="filter-form directory-search" role="search">
            <div class="search-box">
                <label for="directory-q">"Name or email starts with"</label>
                <input
                    id="directory-q"
                    name="q"
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="jane, Jane Doe, jane.doe@…"
                    value=query.search.clone()
                />
            </div>
            <div>
                <label for="directory-state">"State"</label>
                <select id="directory-state" name="state">
                    <option value="">"Any state"</option>
                    {states}
                </select>
            </div>
            <div>
                <label for="directory-size">"Per page"</label>
                <select id="directory-size" name="size">
                    {sizes}
                </select>
            </div>
            <div class="filter-actions">
                <button type="submit" class="primary">
                    "Search"
                </button>
            </div>
        </form>
    }
}

fn results(view: DirectoryView) -> impl IntoView {
    let DirectoryView {
        query,
        rows,
        total,
        page,
        pages,
        columns,
        refreshed_at,
        refresh_failed_at,
        truncated,
    } = view;
    let link = |page: usize| {
        let text = query.to_query(page);
        if text.is_empty() {
            USERS_PATH.to_owned()
        } else {
            format!("{USERS_PATH}?{text}")
        }
    };
    let retry = link(page);
    let previous = (page > 1).then(|| link(page - 1));
    let next = (page < pages).then(|| link(page + 1));
    let freshness = refreshed_at.map(|at| format!("Directory as of {}.", Timestamp(at).precise()));
    let summary = if total == 0 {
        "No users match.".to_owned()
    } else {
        count_users(total)
    };
    let stale = refresh_failed_at.map(|at| {
        view! {
            <p class="banner banner-error" role="alert">
                {format!(
                    "WorkMail couldn't be read at {}, so this list may be out of date. The portal keeps trying; ",
                    Timestamp(at).precise(),
                )}
                <a href=retry>"reload"</a>
                " to see the latest."
            </p>
        }
    });
    view! {
        {stale}
        <p class="result-summary" role="status">
            {summary}
            {(pages > 1).then(|| format!(" · page {page} of {pages}"))}
            " "
            <span class="muted small">
                {freshness}
                {truncated.then_some(" The organization has more users than the portal indexes; some are missing.")}
            </span>
        </p>
        {(!rows.is_empty())
            .then(|| {
                view! {
                    <table class="audit-table directory-table">
                        <caption class="visually-hidden">"Users"</caption>
                        <thead>
                            <tr>
                                {columns.name.then(|| view! { <th scope="col">"User name"</th> })}
                                {columns
                                    .display_name
                                    .then(|| view! { <th scope="col">"Display name"</th> })}
                                {columns.email.then(|| view! { <th scope="col">"Email"</th> })}
                                {columns.state.then(|| view! { <th scope="col">"State"</th> })}
                                {columns.role.then(|| view! { <th scope="col">"Role"</th> })}
                            </tr>
                        </thead>
                        <tbody>
                            {rows
                                .into_iter()
                                .map(|row| directory_row(row, columns))
                                .collect_view()}
                        </tbody>
                    </table>
                }
            })}
        <nav class="pager" aria-label="Result pages">
            {previous.map(|href| view! { <a href=href rel="prev">"← Previous"</a> })}
            {next.map(|href| view! { <a href=href rel="next">"Next →"</a> })}
        </nav>
    }
}

/// One row; the first visible name-like column links to the user's page.
fn directory_row(row: DirectoryRow, columns: Readable) -> impl IntoView {
    let DirectoryRow {
        user_id,
        name,
        display_name,
        email,
        state,
        role,
    } = row;
    let href = user_path(&user_id);
    let cell = move |value: Option<String>, link: bool| {
        let text = value
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "—".to_owned());
        if link {
            view! {
                <td>
                    <a href=href.clone()>{text}</a>
                </td>
            }
            .into_any()
        } else {
            view! { <td>{text}</td> }.into_any()
        }
    };
    let link_display = !columns.name && columns.display_name;
    let link_email = !columns.name && !columns.display_name && columns.email;
    view! {
        <tr>
            {columns.name.then(|| cell(name, true))}
            {columns.display_name.then(|| cell(display_name, link_display))}
            {columns.email.then(|| cell(email, link_email))}
            {columns.state.then(|| cell(state.map(|s| s.label().to_owned()), false))}
            {columns.role.then(|| cell(role.map(|r| r.label().to_owned()), false))}
        </tr>
    }
}

/// Opens a user by id, user name or email (ids are not search keys).
#[component]
fn OpenById() -> impl IntoView {
    view! {
        <form method="get" action=USERS_PATH class="open-user">
            <label for="open-user">"Open a user by id, user name or email address"</label>
            <div class="inline">
                <input
                    id="open-user"
                    name="user"
                    type="text"
                    required
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="jane.doe, or a user id"
                />
                <button type="submit">"Open"</button>
            </div>
        </form>
    }
}
