//! One labelled text input of the edit form, with its live validation and conflict note.

use super::live;
use crate::domain::{Conflict, Field, FieldValues, check_value};
use crate::wire::edit_form::edited_input;
use leptos::prelude::*;

/// A text attribute: label, input named after the API member, error tied to the input with
/// `aria-describedby`, and, after a conflict, the value someone else saved.
#[component]
pub fn TextField(
    field: Field,
    loaded: RwSignal<FieldValues>,
    edited: RwSignal<FieldValues>,
    conflicts: Signal<Vec<Conflict>>,
) -> impl IntoView {
    let id = format!("field-{}", field.api_name());
    let error_id = format!("{id}-error");
    let conflict_id = format!("{id}-conflict");
    let describedby = format!("{error_id} {conflict_id}");
    let initial = edited.with_untracked(|v| v.get(field).to_owned());

    let value = move || edited.with(|v| v.get(field).to_owned());
    let changed = move || loaded.with(|l| edited.with(|e| !l.same(e, field)));
    // Checked live: only a changed value can be wrong (what WorkMail holds is what it accepts).
    let problem = move || {
        if changed() {
            edited.with(|v| check_value(field, v.get(field)))
        } else {
            None
        }
    };
    let conflict = move || {
        conflicts
            .with(|all| all.iter().find(|c| c.field == field).cloned())
            .filter(|c| edited.with(|v| v.get(field) != c.theirs))
    };
    let use_theirs = move |theirs: String| edited.update(|v| v.set(field, theirs));

    view! {
        <div class="field" class:changed=live(changed) class:invalid=live(move || problem().is_some())>
            <label for=id.clone()>
                {field.label()}
                <span class="changed-mark" aria-hidden="true">
                    " •"
                </span>
            </label>
            <input
                type="text"
                id=id
                name=edited_input(field)
                value=initial
                prop:value=value
                autocomplete=field.autocomplete()
                spellcheck="false"
                aria-invalid=live(move || if problem().is_some() { "true" } else { "false" })
                aria-describedby=describedby
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    edited.update(|v| v.set(field, text));
                }
            />
            <p id=error_id class="field-error" aria-live="polite">
                {live(move || problem().map(|p| p.to_string()))}
            </p>
            <div id=conflict_id class="field-conflict">
                {live(move || {
                    conflict()
                        .map(|c| {
                            let theirs = c.theirs.clone();
                            let shown = if c.theirs.is_empty() {
                                "(empty)".to_owned()
                            } else {
                                c.theirs.clone()
                            };
                            view! {
                                <p>
                                    "Now in WorkMail: " <strong class="theirs">{shown}</strong>
                                    " — your value above replaces it when you save."
                                </p>
                                <button
                                    type="button"
                                    class="secondary small"
                                    on:click=move |_| use_theirs(theirs.clone())
                                >
                                    "Use their value"
                                </button>
                            }
                        })
                })}
            </div>
        </div>
    }
}

/// A text attribute the account may read but not change: its value as text under its label,
/// marked "read only" for eyes and screen readers alike. It has no input, so it is never posted.
#[component]
pub fn ReadOnlyField(field: Field, loaded: RwSignal<FieldValues>) -> impl IntoView {
    let id = format!("field-{}", field.api_name());
    let label_id = format!("{id}-label");
    let value = live(move || loaded.with(|v| v.get(field).to_owned()));
    view! {
        <div class="field readonly">
            <span class="label" id=label_id.clone()>
                {field.label()}
                <span class="readonly-badge">"read only"</span>
            </span>
            <p id=id class="readonly-value" aria-labelledby=label_id data-field=field.api_name()>
                {move || {
                    let value = value();
                    if value.is_empty() {
                        view! { <span class="empty">"Not set"</span> }.into_any()
                    } else {
                        value.into_any()
                    }
                }}
            </p>
        </div>
    }
}
