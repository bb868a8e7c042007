//! The edit form: the one island of the portal.
//!
//! Rendered on the server as a plain `<form method="post">` that works without JavaScript;
//! once hydrated, it validates as the person types and saves through the `update_user` server
//! function without leaving the page.

use super::error_banner::ErrorBanner;
use super::live;
use super::text_field::{ReadOnlyField, TextField};
use crate::api::update_user;
use crate::domain::{
    Access, Field, FieldValues, UserRole, derive_changes, flag_text, role_label, validate_changes,
    version_of,
};
use crate::wire::edit_form::{VERSION_INPUT, edited_input, loaded_input};
use crate::wire::{ApiError, EditorState, FormAccess, Notice, SaveRequest};
use leptos::prelude::*;

/// The edit form of one user. `user` is the id the page was opened with, `action` the URL a
/// form post without JavaScript goes to, `access` what the signed-in account may do with each
/// field (from the same policy the server enforces): hidden fields are not rendered at all,
/// read-only ones are shown as text (never posted), and without an editable field there is no
/// Save.
#[island]
pub fn UserEditor(
    user: String,
    action: String,
    state: EditorState,
    access: FormAccess,
) -> impl IntoView {
    let loaded = RwSignal::new(state.loaded);
    let edited = RwSignal::new(state.edited);
    let error = RwSignal::new(state.error);
    let notice = RwSignal::new(state.notice);
    let pending = RwSignal::new(false);

    let version = Memo::new(move |_| loaded.with(version_of));
    let role = Memo::new(move |_| loaded.with(|l| UserRole::from_api_name(l.get(Field::Role))));
    let change_count = Memo::new(move |_| {
        loaded.with(|l| edited.with(|e| Field::ALL.iter().filter(|&&f| !l.same(e, f)).count()))
    });
    let conflicts = Signal::derive(move || {
        error.with(|e| e.as_ref().map(|e| e.conflicts.clone()).unwrap_or_default())
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let request = SaveRequest {
            user_id: user.clone(),
            loaded: loaded.get_untracked(),
            edited: edited.get_untracked(),
            version: version.get_untracked(),
        };
        let changes = derive_changes(&request.loaded, &request.edited);
        if changes.is_empty() {
            error.set(None);
            notice.set(Some(Notice::NothingToSave));
            return;
        }
        if let Err(field_errors) = validate_changes(&changes) {
            focus_field(field_errors[0].field);
            notice.set(None);
            error.set(Some(ApiError::invalid(field_errors)));
            return;
        }
        pending.set(true);
        notice.set(None);
        leptos::task::spawn_local(async move {
            let result = update_user(request.clone()).await;
            pending.set(false);
            // Whatever the person typed while the save was under way stays in the form.
            let typed = edited.get_untracked();
            let state = match result {
                Ok(outcome) => EditorState::saved(&request.edited, &typed, &outcome),
                Err(failure) => EditorState::refused(
                    SaveRequest {
                        edited: typed,
                        ..request
                    },
                    failure,
                ),
            };
            loaded.set(state.loaded);
            edited.set(state.edited);
            error.set(state.error);
            notice.set(state.notice);
        });
    };

    let on_reset = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        edited.set(loaded.get_untracked());
        error.set(None);
        notice.set(None);
    };

    let can_save = access.can_save();
    let loaded_inputs = Field::ALL
        .into_iter()
        .filter(|&field| access.field(field) > Access::Hidden)
        .map(|field| {
            view! {
                <input
                    type="hidden"
                    name=loaded_input(field)
                    value=live(move || loaded.with(|l| l.get(field).to_owned()))
                />
            }
        })
        .collect::<Vec<_>>();

    let text_fields = |fields: &[Field]| {
        fields
            .iter()
            .map(|&field| match access.field(field) {
                Access::Edit => view! { <TextField field loaded edited conflicts /> }.into_any(),
                Access::Read => view! { <ReadOnlyField field loaded /> }.into_any(),
                Access::Hidden => ().into_any(),
            })
            .collect::<Vec<_>>()
    };
    // A group of fields is shown when any of its fields is.
    let group = |legend: &'static str, fields: &[Field]| {
        fields
            .iter()
            .any(|&f| access.field(f) > Access::Hidden)
            .then(|| {
                view! {
                    <fieldset>
                        <legend>{legend}</legend>
                        {text_fields(fields)}
                    </fieldset>
                }
            })
    };
    let confirmed: Vec<&str> = access.confirmed_fields().map(Field::label).collect();
    let confirm_note = (!confirmed.is_empty()).then(|| {
        view! {
            <p class="hint confirm-note">
                {format!(
                    "Changing {} asks you to confirm it's you first.",
                    confirmed.join(", "),
                )}
            </p>
        }
    });
    let role_access = access.field(Field::Role);
    let flag_access = access.field(Field::HiddenFromGlobalAddressList);
    let mail_settings = (role_access > Access::Hidden || flag_access > Access::Hidden).then(|| {
        view! {
            <fieldset>
                <legend>"Mail settings"</legend>
                {(role_access > Access::Hidden)
                    .then(|| view! { <RoleField loaded edited role editable=role_access == Access::Edit /> })}
                {(flag_access > Access::Hidden)
                    .then(|| view! { <HiddenFlagField loaded edited editable=flag_access == Access::Edit /> })}
            </fieldset>
        }
    });
    let save_bar = can_save.then(|| {
        view! {
            <div class="save-bar">
                <button type="submit" class="primary" disabled=live(move || pending.get())>
                    {live(move || if pending.get() { "Saving…" } else { "Save changes" })}
                </button>
                <button type="reset" class="secondary" on:click=on_reset>
                    "Reset"
                </button>
                <span class="change-count">
                    {live(move || match change_count.get() {
                        0 => String::new(),
                        1 => "1 unsaved change".to_owned(),
                        n => format!("{n} unsaved changes"),
                    })}
                </span>
            </div>
        }
    });

    view! {
        <form
            class="user-editor"
            method="post"
            action=action
            novalidate
            aria-busy=live(move || if pending.get() { "true" } else { "false" })
            on:submit=on_submit
        >
            <input type="hidden" name=VERSION_INPUT value=live(move || version.get()) />
            {loaded_inputs}
            <div class="messages">
                <div role="status" aria-live="polite" class="banner-slot">
                    {live(move || {
                        notice
                            .get()
                            .map(|n| view! { <div class="banner banner-ok">{n.text()}</div> })
                    })}
                </div>
                {live(move || error.get().map(|e| view! { <ErrorBanner error=e /> }))}
            </div>

            {confirm_note}
            {mail_settings}
            {group("Name", &[Field::DisplayName, Field::FirstName, Field::Initials, Field::LastName])}
            {group("Work", &[Field::JobTitle, Field::Department, Field::Company, Field::Office])}
            {group(
                "Contact and address",
                &[Field::Telephone, Field::Street, Field::City, Field::ZipCode, Field::Country],
            )}
            {save_bar}
        </form>
    }
}

/// The role: a select between the two assignable roles, or read-only text for a system user
/// or resource (whose role UpdateUser cannot change).
#[component]
fn RoleField(
    loaded: RwSignal<FieldValues>,
    edited: RwSignal<FieldValues>,
    role: Memo<Option<UserRole>>,
    /// Whether the account may change the role (else it is shown read-only).
    editable: bool,
) -> impl IntoView {
    let id = "field-Role";
    let changed = move || loaded.with(|l| edited.with(|e| !l.same(e, Field::Role)));
    live(move || {
        let assignable = role.get().is_some_and(UserRole::is_assignable);
        if editable && assignable {
            let options = UserRole::ASSIGNABLE
                .into_iter()
                .map(|r| {
                    let selected = edited.with_untracked(|e| e.get(Field::Role) == r.api_name());
                    view! {
                        <option value=r.api_name() selected=selected>
                            {r.label()}
                        </option>
                    }
                })
                .collect::<Vec<_>>();
            view! {
                <div class="field" class:changed=live(changed)>
                    <label for=id>
                        {Field::Role.label()}
                        <span class="changed-mark" aria-hidden="true">" •"</span>
                    </label>
                    <select
                        id=id
                        name=edited_input(Field::Role)
                        aria-describedby="field-Role-hint"
                        prop:value=move || edited.with(|e| e.get(Field::Role).to_owned())
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            edited.update(|e| e.set(Field::Role, value));
                        }
                    >
                        {options}
                    </select>
                    <p id="field-Role-hint" class="hint">
                        "A remote user's mailbox is hosted outside WorkMail."
                    </p>
                </div>
            }
            .into_any()
        } else {
            let label = loaded.with(|l| role_label(l.get(Field::Role)).to_owned());
            view! {
                <div class="field readonly">
                    <span class="label" id="field-Role-label">
                        {Field::Role.label()}
                        <span class="readonly-badge">"read only"</span>
                    </span>
                    <p id=id aria-labelledby="field-Role-label" class="readonly-value">
                        {label}
                    </p>
                    <p class="hint">
                        {if assignable {
                            "Your role can't change this field."
                        } else {
                            "The role of a system user or resource can't be changed."
                        }}
                    </p>
                </div>
            }
            .into_any()
        }
    })
}

/// HiddenFromGlobalAddressList as a checkbox. A hidden `false` before it makes an unchecked
/// box post `false` (a browser sends nothing for it), so "absent" always means "not in form".
/// When the account may only read it, the box is disabled and has no `name`.
#[component]
fn HiddenFlagField(
    loaded: RwSignal<FieldValues>,
    edited: RwSignal<FieldValues>,
    editable: bool,
) -> impl IntoView {
    let field = Field::HiddenFromGlobalAddressList;
    let id = "field-HiddenFromGlobalAddressList";
    let initial = edited.with_untracked(|e| e.flag(field));
    let changed = move || loaded.with(|l| edited.with(|e| !l.same(e, field)));
    let hint = view! {
        <label for=id>
            {field.label()}
            <span class="changed-mark" aria-hidden="true">" •"</span>
            {(!editable).then(|| view! { <span class="readonly-badge">"read only"</span> })}
        </label>
        <p id="field-HiddenFromGlobalAddressList-hint" class="hint">
            "Hidden users don't appear in the address book of other users."
        </p>
    };
    if !editable {
        return view! {
            <div class="field checkbox readonly">
                <input
                    type="checkbox"
                    id=id
                    checked=initial
                    prop:checked=move || loaded.with(|l| l.flag(field))
                    disabled
                    aria-describedby="field-HiddenFromGlobalAddressList-hint"
                />
                {hint}
            </div>
        }
        .into_any();
    }
    view! {
        <div class="field checkbox" class:changed=live(changed)>
            <input type="hidden" name=edited_input(field) value=flag_text(false) />
            <input
                type="checkbox"
                id=id
                name=edited_input(field)
                value=flag_text(true)
                checked=initial
                prop:checked=move || edited.with(|e| e.flag(field))
                aria-describedby="field-HiddenFromGlobalAddressList-hint"
                on:change=move |ev| {
                    let checked = event_target_checked(&ev);
                    edited.update(|e| e.set(field, flag_text(checked)));
                }
            />
            {hint}
        </div>
    }
    .into_any()
}

/// Moves keyboard focus to a field's input (after a failed check on Save).
fn focus_field(field: Field) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let element = document()
            .get_element_by_id(&format!("field-{}", field.api_name()))
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            let _ = element.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = field;
}
