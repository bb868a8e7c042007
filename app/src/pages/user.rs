//! `/users/{id}`: one user's profile and the edit form.

use super::set_status;
use crate::api::get_user;
use crate::components::{ErrorBanner, UserEditor, UserFacts};
use crate::routes::{USERS_PATH, history_path, tasks_path, user_path};
use crate::wire::{ApiError, EditorState, ErrorKind, FormAccess, Notice, RejectedSave, UserView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The tabs of a user's pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserTab {
    Details,
    Tasks,
    History,
}

/// The Details / Mail & access / History tabs of a user's pages: Mail & access only for
/// roles with task rights, History only for roles that may read it.
#[component]
pub fn UserTabs(user_id: String, current: UserTab) -> impl IntoView {
    let nav = crate::session::navigation();
    let history = nav
        .as_ref()
        .is_some_and(|nav| nav.audit >= crate::domain::AuditRight::History);
    let tasks = nav.as_ref().is_some_and(|nav| nav.tasks);
    (history || tasks).then(|| {
        let on = |tab: UserTab| (tab == current).then_some("page");
        view! {
            <nav class="tabs" aria-label="User pages">
                <a href=user_path(&user_id) aria-current=on(UserTab::Details)>
                    "Details"
                </a>
                {tasks
                    .then(|| {
                        view! {
                            <a href=tasks_path(&user_id) aria-current=on(UserTab::Tasks)>
                                "Mail & access"
                            </a>
                        }
                    })}
                {history
                    .then(|| {
                        view! {
                            <a href=history_path(&user_id) aria-current=on(UserTab::History)>
                                "History"
                            </a>
                        }
                    })}
            </nav>
        }
    })
}

/// The edit page of `/users/{id}`.
#[component]
pub fn UserPage() -> impl IntoView {
    let user = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    let action = user_path(&user);
    view! { <UserScreen user action /> }
}

/// A user's profile and edit form; `action` is where the form posts without JavaScript (and
/// the page it comes back to). The query of the redirect after such a post carries the notice
/// of the save.
#[component]
pub fn UserScreen(user: String, action: String) -> impl IntoView {
    let query = use_query_map().read_untracked();
    let saved = Notice::from_query(|name| query.get(name));
    let rejected = use_context::<RejectedSave>();
    // Awaited by the server before the page is sent (`SsrMode::Async`); pages are never
    // rendered in the browser (islands), so there is no fallback to show. A bare `Suspend`
    // builds the view once: inside a `<Suspense>` its closure ran three times per request.
    view! { {Suspend::new(user_view(user.clone(), action, get_user(user), saved, rejected))} }
}

async fn user_view(
    user: String,
    action: String,
    loaded: impl Future<Output = Result<UserView, ApiError>>,
    saved: Option<Notice>,
    rejected: Option<RejectedSave>,
) -> AnyView {
    let loaded = loaded.await;
    if let Some(rejected) = &rejected {
        // The status of a refused save is the refusal's, whatever the re-read said.
        set_status(rejected.error.status());
    }
    match (loaded, rejected) {
        (Ok(view), rejected) => {
            let state = match rejected {
                Some(RejectedSave { request, error }) => EditorState::refused(request, error),
                None => EditorState {
                    notice: saved,
                    ..EditorState::fresh(view.profile.values.clone())
                },
            };
            profile_view(user, action, view, state).into_any()
        }
        // The directory fails on the re-read too: keep the form and the person's input anyway,
        // when what the account may do doesn't depend on who the user is.
        (Err(_), Some(rejected)) => match crate::session::access_without_directory() {
            Some(access) => view! {
                <Title text=user.clone() />
                <section class="page">
                    <h1>{user.clone()}</h1>
                    <UserEditor
                        user
                        action
                        state=EditorState::refused(rejected.request, rejected.error)
                        access=FormAccess::new(&access)
                            .asking_confirmation(&crate::session::step_up_fields())
                    />
                </section>
            }
            .into_any(),
            None => view! {
                <Title text=user.clone() />
                <section class="page narrow">
                    <h1>{user.clone()}</h1>
                    <ErrorBanner error=rejected.error />
                    <p>
                        <a href=action>"Try again"</a>
                    </p>
                </section>
            }
            .into_any(),
        },
        (Err(error), None) if error.kind == ErrorKind::NotFound => view! {
            <Title text="User not found" />
            <section class="page narrow">
                <h1>"User not found"</h1>
                <p>
                    "There is no user " <strong>{user}</strong>
                    " in this organization that you may open. Check the id, user name or email address."
                </p>
                <p>
                    <a href=USERS_PATH>"Open another user"</a>
                </p>
            </section>
        }
        .into_any(),
        (Err(error), None) => view! {
            <Title text="User unavailable" />
            <section class="page narrow">
                <h1>{user.clone()}</h1>
                <ErrorBanner error />
                <p>
                    <a href=action>"Try again"</a>
                </p>
            </section>
        }
        .into_any(),
    }
}

fn profile_view(user: String, action: String, view: UserView, state: EditorState) -> impl IntoView {
    let UserView {
        profile,
        access,
        unavailable,
    } = view;
    let unavailable = (!unavailable.is_empty()).then(|| {
        let names: Vec<&str> = unavailable.iter().map(|f| f.label()).collect();
        view! {
            <p class="hint unavailable-fields">
                {format!("Not available in this directory: {}.", names.join(", "))}
            </p>
        }
    });
    let title = profile.title().to_owned();
    let subtitle = profile.email.clone().or(profile.name.clone());
    let can_browse = crate::session::navigation().is_some_and(|nav| nav.can_browse);
    let form_access =
        FormAccess::new(&access).asking_confirmation(&crate::session::step_up_fields());
    let user_id = profile.user_id.clone();
    view! {
        <Title text=title.clone() />
        <section class="page user-page">
            {can_browse
                .then(|| {
                    view! {
                        <p class="breadcrumb">
                            <a href=USERS_PATH>"Users"</a>
                        </p>
                    }
                })}
            <h1>{title}</h1>
            {subtitle.map(|s| view! { <p class="subtitle">{s}</p> })}
            <UserTabs user_id current=UserTab::Details />
            {unavailable}
            <div class="columns">
                <UserEditor user action state access=form_access />
                <UserFacts profile access />
            </div>
        </section>
    }
}
