//! The field changes of one audit record: field, old value → new value (server-rendered only).

use crate::domain::{FieldChange, ValueMode};
use leptos::prelude::*;

/// How one stored value reads on the page.
fn shown(value: Option<&str>, mode: ValueMode) -> (String, &'static str) {
    match (value, mode) {
        (None, _) => ("(not recorded)".to_owned(), "value-redacted"),
        (Some(""), _) => ("(empty)".to_owned(), "value-empty"),
        (Some(hash), ValueMode::Hash) => (hash.to_owned(), "value-hashed"),
        (Some(value), _) => (value.to_owned(), "value"),
    }
}

/// A list of `Field: old → new`; hashed values are shown as their hash, redacted ones as
/// "(not recorded)".
#[component]
pub fn AuditChanges(changes: Vec<FieldChange>) -> impl IntoView {
    if changes.is_empty() {
        return view! { <span class="muted">"—"</span> }.into_any();
    }
    view! {
        <ul class="changes">
            {changes
                .into_iter()
                .map(|change| {
                    let (old, old_class) = shown(change.old.as_deref(), change.mode);
                    let (new, new_class) = shown(change.new.as_deref(), change.mode);
                    view! {
                        <li>
                            <span class="field-name">{change.field.label()}</span>
                            ": "
                            <span class=old_class>{old}</span>
                            <span class="arrow">" → "</span>
                            <span class=new_class>{new}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
