//! `/audit`: the whole audit log for roles allowed to read it, with filters, paging and
//! export of the filtered view as CSV or JSON. The filter lives in the query string, so a view
//! is linkable and works without JavaScript.

use super::set_status;
use crate::api::get_audit_log;
use crate::components::{AuditChanges, ErrorBanner};
use crate::domain::{AuditFilter, AuditPage, Field, Outcome};
use crate::routes::{AUDIT_CSV_PATH, AUDIT_JSON_PATH, AUDIT_PATH, user_path};
use crate::wire::ApiError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The audit log page.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map().read_untracked();
    let parsed = AuditFilter::from_params(|name| query.get_str(name));
    let filter = parsed.clone().unwrap_or_default();
    let loaded = async move {
        match parsed {
            Ok(filter) => get_audit_log(filter).await,
            Err(problem) => Err(ApiError::bad_request(format!(
                "The filter can't be used: {problem}."
            ))),
        }
    };
    let shown = filter.clone();
    view! {
        <Title text="Audit log" />
        <section class="page wide">
            <h1>"Audit log"</h1>
            <FilterForm filter=filter.clone() />
            {Suspend::new(async move {
                match loaded.await {
                    Ok(page) => log_view(shown, page).into_any(),
                    Err(error) => {
                        set_status(error.status());
                        view! { <ErrorBanner error /> }.into_any()
                    }
                }
            })}
        </section>
    }
}

/// The filter form: a plain GET form, so it works without JavaScript.
#[component]
fn FilterForm(filter: AuditFilter) -> impl IntoView {
    let field_options = Field::ALL
        .into_iter()
        .map(|field| {
            let selected = filter.field == Some(field);
            view! {
                <option value=field.api_name() selected=selected>
                    {field.label()}
                </option>
            }
        })
        .collect_view();
    let outcome_options = Outcome::ALL
        .into_iter()
        .map(|outcome| {
            let selected = filter.outcome == Some(outcome);
            view! {
                <option value=outcome.name() selected=selected>
                    {outcome.label()}
                </option>
            }
        })
        .collect_view();
    view! {
        <form method="get" action=AUDIT_PATH class="filter-form" aria-label="Filter the log">
            {filter_input("account", "Account", "text", filter.account.clone())}
            {filter_input("target", "User (id or email)", "text", filter.target.clone())}
            <div>
                <label for="filter-field">"Field"</label>
                <select id="filter-field" name="field">
                    <option value="">"Any field"</option>
                    {field_options}
                </select>
            </div>
            <div>
                <label for="filter-outcome">"Outcome"</label>
                <select id="filter-outcome" name="outcome">
                    <option value="">"Any outcome"</option>
                    {outcome_options}
                </select>
            </div>
            {filter_input("from", "From (UTC)", "date", filter.from.clone())}
            {filter_input("to", "To (UTC)", "date", filter.to.clone())}
            <div class="filter-actions">
                <button type="submit">"Apply"</button>
                <a href=AUDIT_PATH>"Clear"</a>
            </div>
        </form>
    }
}

/// One labelled input of the filter form; `name` is its query parameter.
fn filter_input(
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: Option<String>,
) -> impl IntoView {
    let id = format!("filter-{name}");
    view! {
        <div>
            <label for=id.clone()>{label}</label>
            <input id=id name=name type=kind autocomplete="off" value=value.unwrap_or_default() />
        </div>
    }
}

fn log_view(filter: AuditFilter, page: AuditPage) -> impl IntoView {
    let query = filter.to_query();
    let with_query = |path: &str, extra: Option<String>| {
        let parts: Vec<String> = [(!query.is_empty()).then(|| query.clone()), extra]
            .into_iter()
            .flatten()
            .collect();
        if parts.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", parts.join("&"))
        }
    };
    let csv = with_query(AUDIT_CSV_PATH, None);
    let json = with_query(AUDIT_JSON_PATH, None);
    let older = page
        .older
        .map(|before| with_query(AUDIT_PATH, Some(format!("before={before}"))));
    let newest = filter
        .before
        .is_some()
        .then(|| with_query(AUDIT_PATH, None));
    let empty = page.records.is_empty();
    view! {
        <p class="export">
            "Export this view: " <a href=csv download>"CSV"</a> " · "
            <a href=json download>"JSON"</a>
        </p>
        {empty.then(|| view! { <p class="muted">"No records match this filter."</p> })}
        {(!empty)
            .then(|| {
                view! {
                    <table class="audit-table">
                        <caption class="visually-hidden">"Audit records, newest first"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"When"</th>
                                <th scope="col">"Outcome"</th>
                                <th scope="col">"Account"</th>
                                <th scope="col">"User"</th>
                                <th scope="col">"Changes"</th>
                                <th scope="col">"Details"</th>
                            </tr>
                        </thead>
                        <tbody>{page.records.into_iter().map(record_row).collect_view()}</tbody>
                    </table>
                }
            })}
        <nav class="pager" aria-label="Audit log pages">
            {newest.map(|href| view! { <a href=href>"← Newest"</a> })}
            {older.map(|href| view! { <a href=href>"Older →"</a> })}
        </nav>
    }
}

fn record_row(record: crate::domain::AuditRecord) -> impl IntoView {
    let when = record.time();
    let target = record.target_email.clone().or(record.target_id.clone());
    let target_link = record.target_id.clone().map(|id| user_path(&id));
    let outcome_class = format!("outcome outcome-{}", record.outcome.name());
    view! {
        <tr>
            <td class="nowrap">{when}</td>
            <td>
                <span class=outcome_class>{record.outcome.label()}</span>
            </td>
            <td>{record.account}</td>
            <td>
                {match (target, target_link) {
                    (Some(text), Some(href)) => view! { <a href=href>{text}</a> }.into_any(),
                    (Some(text), None) => text.into_any(),
                    (None, _) => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
            <td>
                <AuditChanges changes=record.changes />
            </td>
            <td class="details">
                {record.detail.map(|d| view! { <span>{d}</span> })}
                <span class="muted small">
                    "request " {record.request_id}
                    {record.client.map(|c| format!(" · from {c}"))}
                </span>
            </td>
        </tr>
    }
}
