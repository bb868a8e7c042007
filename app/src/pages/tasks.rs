//! `/users/{id}/tasks`, the Mail & access tab: a user's password, email addresses, groups,
//! mailbox and state, with the tasks the account may do. Rendered on the server only; every
//! task is a plain form posting to this path (it works without JavaScript), which the server
//! authorizes, audits and answers by coming back here.

use super::set_status;
use super::user::{UserTab, UserTabs};
use crate::api::get_tasks;
use crate::components::ErrorBanner;
use crate::domain::{GroupRef, MAX_QUOTA_MB, MailboxUsage, Task, UserState};
use crate::routes::{COPY_PASSWORD_SCRIPT, USERS_PATH, tasks_path, user_path};
use crate::wire::{ApiError, ErrorKind, GeneratedPassword, TaskRefused, TasksView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// What the notice after a task says, by the `done` code the server redirects with (fixed
/// sentences: the query cannot put words on the page).
fn done_notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "reset_password" => "The password was reset. Give it to the person by a channel you trust.",
        "add_alias" => "The address was added.",
        "remove_alias" => "The address was removed.",
        "make_primary" => "The primary address was changed; the old one stays as an alias.",
        "join_group" => "The user was added to the group.",
        "leave_group" => "The user was removed from the group.",
        "set_quota" => "The mailbox quota was changed.",
        "enable" => "The user was enabled.",
        "disable" => "The user was disabled.",
        _ => return None,
    })
}

/// The Mail & access tab of a user.
#[component]
pub fn TasksPage() -> impl IntoView {
    let user = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    let query = use_query_map().read_untracked();
    let done = query.get("done").and_then(|code| done_notice(&code));
    let group_query = query.get("group_q");
    let refused = use_context::<TaskRefused>();
    let generated = use_context::<GeneratedPassword>();
    let loaded = get_tasks(user.clone(), group_query.clone());
    view! {
        {Suspend::new(async move {
            let notice = match (&refused, &generated, done) {
                (Some(refused), _, _) => {
                    set_status(refused.error.status());
                    view! { <ErrorBanner error=refused.error.clone() /> }.into_any()
                }
                (None, Some(GeneratedPassword(password)), _) => {
                    password_shown(password.0.clone()).into_any()
                }
                (None, None, Some(text)) => {
                    view! {
                        <div class="banner banner-ok" role="status">
                            {text}
                        </div>
                    }
                        .into_any()
                }
                (None, None, None) => ().into_any(),
            };
            let kept = KeptInput::of(refused.as_ref());
            match loaded.await {
                Ok(view) => {
                    tasks_view(view, notice, group_query.unwrap_or_default(), kept).into_any()
                }
                Err(error) => {
                    if refused.is_none() {
                        set_status(error.status());
                    }
                    let title = if error.kind == ErrorKind::NotFound {
                        "User not found"
                    } else {
                        "Mail & access unavailable"
                    };
                    view! {
                        <Title text=title />
                        <section class="page narrow">
                            <h1>{title}</h1>
                            {notice}
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

/// A generated password, shown this once, with a copy button (`copy-password.js`; without
/// JavaScript the field is selected text to copy by hand).
fn password_shown(password: String) -> impl IntoView {
    view! {
        <div class="banner banner-ok generated-password" role="status">
            <p>
                <strong>"The password was reset."</strong>
                " This is the new password. It is shown only now: copy it and give it to the person by a channel you trust."
            </p>
            <p class="password-line">
                <input
                    id="generated-password"
                    type="text"
                    readonly
                    value=password
                    aria-label="New password"
                    autocomplete="off"
                    spellcheck="false"
                />
                <button type="button" class="small" data-copy="generated-password">
                    "Copy"
                </button>
            </p>
        </div>
        <script src=COPY_PASSWORD_SCRIPT type="module"></script>
    }
}

/// What a refused form sent, shown again in its inputs (a password never is).
struct KeptInput {
    new_alias: Option<String>,
    quota_mb: Option<String>,
    enable_address: Option<String>,
}

impl KeptInput {
    fn of(refused: Option<&TaskRefused>) -> Self {
        let kept = |action: &str, name: &str| refused.and_then(|r| r.kept(action, name));
        Self {
            new_alias: kept("add_alias", "address"),
            quota_mb: kept("set_quota", "quota_mb"),
            enable_address: kept("enable", "address"),
        }
    }
}

fn tasks_view(
    view: TasksView,
    notice: AnyView,
    group_query: String,
    kept: KeptInput,
) -> impl IntoView {
    let TasksView {
        user_id,
        title,
        state,
        email,
        tasks,
        aliases,
        groups,
        group_matches,
        mailbox,
    } = view;
    let action = tasks_path(&user_id);
    let nothing = tasks.is_empty().then(|| {
        view! { <p class="muted">"Your role has no tasks for this user."</p> }
    });
    let can = |task: Task| tasks.contains(task);
    view! {
        <Title text=format!("Mail & access of {title}") />
        <section class="page tasks-page">
            <p class="breadcrumb">
                <a href=USERS_PATH>"Users"</a>
            </p>
            <h1>{title.clone()}</h1>
            <UserTabs user_id=user_id.clone() current=UserTab::Tasks />
            {notice}
            {nothing}
            {aliases
                .map(|aliases| addresses_section(&action, email.clone(), aliases, kept.new_alias))}
            {groups
                .map(|groups| {
                    groups_section(
                        &action,
                        groups,
                        can(Task::ManageGroups),
                        group_matches,
                        group_query,
                    )
                })}
            {mailbox
                .map(|mailbox| {
                    mailbox_section(&action, mailbox, can(Task::SetQuota), kept.quota_mb)
                })}
            {can(Task::ResetPassword).then(|| password_section(&action))}
            {can(Task::EnableDisable)
                .then(|| {
                    state_section(&action, &title, state, kept.enable_address.or(email))
                })}
        </section>
    }
}

/// A form posting one task to the tab; `fields` are its inputs besides the action.
fn task_form(action: &str, task: &'static str, class: &'static str, fields: AnyView) -> AnyView {
    view! {
        <form method="post" action=action.to_owned() class=class>
            <input type="hidden" name="action" value=task />
            {fields}
        </form>
    }
    .into_any()
}

fn section_error(error: ApiError) -> AnyView {
    view! { <ErrorBanner error /> }.into_any()
}

fn addresses_section(
    action: &str,
    primary: Option<String>,
    aliases: Result<Vec<String>, ApiError>,
    new_alias: Option<String>,
) -> impl IntoView + use<> {
    let list = match aliases {
        Err(error) => section_error(error),
        Ok(aliases) => {
            let rows = aliases
                .into_iter()
                .map(|alias| {
                    let make_primary = task_form(
                        action,
                        "make_primary",
                        "inline-form",
                        view! {
                            <input type="hidden" name="address" value=alias.clone() />
                            <button type="submit" class="small">
                                "Make primary"
                            </button>
                        }
                        .into_any(),
                    );
                    let remove = task_form(
                        action,
                        "remove_alias",
                        "inline-form",
                        view! {
                            <input type="hidden" name="address" value=alias.clone() />
                            <button type="submit" class="small">
                                "Remove"
                            </button>
                        }
                        .into_any(),
                    );
                    view! {
                        <li>
                            <span class="address">{alias}</span>
                            {make_primary}
                            {remove}
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="task-list">{rows}</ul> }.into_any()
        }
    };
    let add = task_form(
        action,
        "add_alias",
        "task-form",
        view! {
            <div class="field">
                <label for="new-alias">"Add an address"</label>
                <input
                    id="new-alias"
                    type="email"
                    name="address"
                    required
                    placeholder="name@example.com"
                    autocomplete="off"
                    value=new_alias.unwrap_or_default()
                />
            </div>
            <button type="submit" class="primary">"Add address"</button>
        }
        .into_any(),
    );
    view! {
        <section class="task-section" id="addresses" aria-labelledby="addresses-title">
            <h2 id="addresses-title">"Email addresses"</h2>
            <p>
                "Primary: "
                <strong>{primary.unwrap_or_else(|| "none".to_owned())}</strong>
            </p>
            <p class="hint">
                "Mail to every address below reaches the same mailbox. Changing the primary address needs a recent sign-in."
            </p>
            {list}
            {add}
        </section>
    }
}

fn groups_section(
    action: &str,
    groups: Result<Vec<GroupRef>, ApiError>,
    manage: bool,
    matches: Option<Result<Vec<GroupRef>, ApiError>>,
    group_query: String,
) -> impl IntoView + use<> {
    let member_of: Vec<String> = groups
        .as_ref()
        .map(|groups| groups.iter().map(|group| group.id.clone()).collect())
        .unwrap_or_default();
    let list = match groups {
        Err(error) => section_error(error),
        Ok(groups) if groups.is_empty() => {
            view! { <p class="muted">"Not a member of any group."</p> }.into_any()
        }
        Ok(groups) => {
            let rows = groups
                .into_iter()
                .map(|group| {
                    let leave = manage.then(|| {
                        task_form(
                            action,
                            "leave_group",
                            "inline-form",
                            view! {
                                <input type="hidden" name="group_id" value=group.id.clone() />
                                <button type="submit" class="small">
                                    "Remove from group"
                                </button>
                            }
                            .into_any(),
                        )
                    });
                    view! {
                        <li>
                            <span>{group.name}</span>
                            {leave}
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="task-list">{rows}</ul> }.into_any()
        }
    };
    let search = manage.then(|| {
        let found = matches.map(|matches| match matches {
            Err(error) => section_error(error),
            Ok(found) => {
                let rows = found
                    .into_iter()
                    .filter(|group| !member_of.contains(&group.id))
                    .map(|group| {
                        let join = task_form(
                            action,
                            "join_group",
                            "inline-form",
                            view! {
                                <input type="hidden" name="group_id" value=group.id.clone() />
                                <button type="submit" class="small">
                                    "Add to group"
                                </button>
                            }
                            .into_any(),
                        );
                        view! {
                            <li>
                                <span>{group.name}</span>
                                {join}
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="task-list group-matches">{rows}</ul> }.into_any()
            }
        });
        view! {
            <form method="get" action=action.to_owned() class="task-form" role="search">
                <div class="field">
                    <label for="group-search">"Find a group to add them to"</label>
                    <input
                        id="group-search"
                        type="search"
                        name="group_q"
                        value=group_query
                        placeholder="Group name starts with…"
                    />
                </div>
                <button type="submit" class="small">
                    "Search groups"
                </button>
            </form>
            {found}
        }
    });
    view! {
        <section class="task-section" id="groups" aria-labelledby="groups-title">
            <h2 id="groups-title">"Groups"</h2>
            {list}
            {search}
        </section>
    }
}

fn mailbox_section(
    action: &str,
    mailbox: Result<MailboxUsage, ApiError>,
    set_quota: bool,
    kept_quota: Option<String>,
) -> impl IntoView + use<> {
    let body = match mailbox {
        Err(error) => section_error(error),
        Ok(mailbox) => {
            let percent = mailbox.percent_used();
            let text_class = if percent >= 90 {
                "quota-text quota-full"
            } else {
                "quota-text"
            };
            let text = format!(
                "{:.1} GB of {:.1} GB used ({percent} %)",
                mailbox.size_mb / 1024.0,
                f64::from(mailbox.quota_mb) / 1024.0
            );
            let form = set_quota.then(|| {
                task_form(
                    action,
                    "set_quota",
                    "task-form",
                    view! {
                        <div class="field">
                            <label for="quota">"Quota (MB)"</label>
                            <input
                                id="quota"
                                type="number"
                                name="quota_mb"
                                min="1"
                                max=MAX_QUOTA_MB.to_string()
                                required
                                value=kept_quota
                                    .unwrap_or_else(|| mailbox.quota_mb.to_string())
                            />
                            <span class="hint">"1 to 51,200 MB (50 GB)."</span>
                        </div>
                        <button type="submit" class="primary">"Change quota"</button>
                    }
                    .into_any(),
                )
            });
            view! {
                <p class=text_class>
                    {text.clone()}
                </p>
                // A native meter: no inline style (the CSP allows none), colours from `high`.
                <meter
                    class="quota-meter"
                    aria-label="Mailbox use"
                    min="0"
                    max=mailbox.quota_mb.to_string()
                    high=(f64::from(mailbox.quota_mb) * 0.9).to_string()
                    optimum="0"
                    value=mailbox.size_mb.to_string()
                >
                    {text}
                </meter>
                {form}
            }
            .into_any()
        }
    };
    view! {
        <section class="task-section" id="mailbox" aria-labelledby="mailbox-title">
            <h2 id="mailbox-title">"Mailbox"</h2>
            {body}
        </section>
    }
}

fn password_section(action: &str) -> impl IntoView + use<> {
    let generate = task_form(
        action,
        "reset_password",
        "task-form",
        view! {
            <input type="hidden" name="generate" value="1" />
            <button type="submit" class="primary">"Generate a new password"</button>
            <span class="hint">"Shown once, on the next page."</span>
        }
        .into_any(),
    );
    let typed = task_form(
        action,
        "reset_password",
        "task-form",
        view! {
            <div class="field">
                <label for="new-password">"Or type one"</label>
                <input
                    id="new-password"
                    type="password"
                    name="password"
                    required
                    minlength="8"
                    maxlength="256"
                    autocomplete="new-password"
                />
                <span class="hint">
                    "At least 8 characters, mixing three of: lowercase, uppercase, digits, symbols."
                </span>
            </div>
            <button type="submit" class="small">
                "Set this password"
            </button>
        }
        .into_any(),
    );
    view! {
        <section class="task-section" id="password" aria-labelledby="password-title">
            <h2 id="password-title">"Password"</h2>
            <p class="hint">
                "Resetting the password signs the person out of their mail apps. It needs a recent sign-in. The portal never shows, logs or records the password afterwards."
            </p>
            {generate}
            {typed}
        </section>
    }
}

fn state_section(
    action: &str,
    title: &str,
    state: Option<UserState>,
    // The address to enable with: the one refused last, else the user's own.
    email: Option<String>,
) -> impl IntoView + use<> {
    let body = match state {
        Some(UserState::Enabled) => task_form(
            action,
            "disable",
            "task-form",
            view! {
                <p>
                    {format!(
                        "Disabling {title} stops their mail: the mailbox no longer receives mail, \
                         and they can no longer sign in to WorkMail. Their data and addresses stay, \
                         so they can be enabled again."
                    )}
                </p>
                <div class="field checkbox">
                    <input id="confirm-disable" type="checkbox" name="confirm" value="1" required />
                    <label for="confirm-disable">"I understand; disable this user"</label>
                </div>
                <button type="submit" class="primary danger">
                    "Disable"
                </button>
            }
            .into_any(),
        ),
        Some(UserState::Disabled) => task_form(
            action,
            "enable",
            "task-form",
            view! {
                <p>
                    {format!(
                        "{title} is disabled. Enabling gives them a mailbox again at this address, \
                         and they can sign in to WorkMail."
                    )}
                </p>
                <div class="field">
                    <label for="enable-address">"Primary address"</label>
                    <input
                        id="enable-address"
                        type="email"
                        name="address"
                        required
                        value=email.unwrap_or_default()
                    />
                </div>
                <button type="submit" class="primary">"Enable"</button>
            }
            .into_any(),
        ),
        _ => view! { <p class="muted">"A deleted user cannot be enabled."</p> }.into_any(),
    };
    view! {
        <section class="task-section" id="state" aria-labelledby="state-title">
            <h2 id="state-title">"Enable or disable"</h2>
            <p class="hint">"Needs a recent sign-in."</p>
            {body}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_codes_are_fixed_sentences() {
        assert!(done_notice("reset_password").is_some());
        assert!(done_notice("disable").is_some());
        assert_eq!(done_notice("<script>alert(1)</script>"), None);
    }

    #[test]
    fn a_refused_form_keeps_its_input_for_its_own_section_but_never_a_password() {
        let form = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let error = ApiError::bad_request("no");
        let alias = TaskRefused::new(
            error.clone(),
            &form(&[("action", "add_alias"), ("address", "new@demo.example.com")]),
        );
        let kept = KeptInput::of(Some(&alias));
        assert_eq!(kept.new_alias.as_deref(), Some("new@demo.example.com"));
        assert_eq!(kept.enable_address, None, "another form's address");
        assert_eq!(kept.quota_mb, None);

        let quota = TaskRefused::new(
            error.clone(),
            &form(&[("action", "set_quota"), ("quota_mb", "99999")]),
        );
        assert_eq!(
            KeptInput::of(Some(&quota)).quota_mb.as_deref(),
            Some("99999")
        );

        let password = TaskRefused::new(
            error,
            &form(&[("action", "reset_password"), ("password", "Secret-Pass-1")]),
        );
        assert!(password.input.is_empty());
        assert_eq!(password.kept("reset_password", "password"), None);
        assert!(!format!("{password:?}").contains("Secret-Pass-1"));
    }
}
