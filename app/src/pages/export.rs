//! `/admin/export`: exporting the directory, for roles the policy lets export. The form posts
//! to the same path (it works without JavaScript); the export runs in the background while
//! this page, reloading itself every two seconds, shows how far it has come, then offers the
//! file.

use super::set_status;
use crate::api::get_exports;
use crate::components::ErrorBanner;
use crate::domain::{ExportFormat, ExportJob, ExportState};
use crate::routes::{EXPORT_PATH, export_file_path};
use crate::wire::{ExportRefused, ExportsView};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

/// The export page: the form, and the account's exports.
#[component]
pub fn ExportPage() -> impl IntoView {
    let refused = use_context::<ExportRefused>().map(|ExportRefused(error)| {
        set_status(error.status());
        view! { <ErrorBanner error /> }
    });
    let loaded = get_exports();
    view! {
        <Title text="Export" />
        <section class="page wide">
            <h1>"Export the directory"</h1>
            <p class="hint">
                "Every user you may see, with the attributes you may read. JSON keeps everything "
                "and seeds a WorkMail emulator; CSV opens in a spreadsheet and feeds Microsoft 365 "
                "or Google Workspace bulk upload; LDIF loads into an LDAP directory with ldapadd."
            </p>
            {refused}
            {Suspend::new(async move {
                match loaded.await {
                    Ok(view) => exports_view(view).into_any(),
                    Err(error) => {
                        set_status(error.status());
                        view! { <ErrorBanner error /> }.into_any()
                    }
                }
            })}
        </section>
    }
}

fn exports_view(view: ExportsView) -> impl IntoView {
    let ExportsView {
        jobs,
        suggested_base_dn,
    } = view;
    let running = jobs
        .iter()
        .any(|job| matches!(job.state, ExportState::Running { .. }));
    let choices = ExportFormat::ALL
        .into_iter()
        .map(|format| {
            let id = format!("format-{}", format.name());
            let label_for = id.clone();
            view! {
                <label for=label_for class="choice">
                    <input
                        type="radio"
                        id=id
                        name="format"
                        value=format.name()
                        checked=format == ExportFormat::Json
                        required
                    />
                    {format.label()}
                </label>
            }
        })
        .collect_view();
    let rows = jobs.into_iter().map(job_row).collect_view();
    view! {
        {running.then(|| view! { <Meta http_equiv="refresh" content="2" /> })}
        <form method="post" action=EXPORT_PATH class="export-start">
            <fieldset>
                <legend>"Format"</legend>
                {choices}
            </fieldset>
            <div class="field">
                <label for="base-dn">"Base DN (LDIF only: where the entries go)"</label>
                <input
                    id="base-dn"
                    name="base_dn"
                    value=suggested_base_dn
                    autocomplete="off"
                    spellcheck="false"
                />
            </div>
            <div class="save-bar">
                <button type="submit" class="primary" disabled=running>
                    {if running { "An export is running…" } else { "Start export" }}
                </button>
            </div>
        </form>
        <h2>"Your exports"</h2>
        <p class="hint">"Files are kept for 30 minutes, for you only."</p>
        <table class="exports">
            <thead>
                <tr>
                    <th scope="col">"Started"</th>
                    <th scope="col">"Format"</th>
                    <th scope="col">"Status"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn job_row(job: ExportJob) -> impl IntoView {
    let status = match job.state {
        ExportState::Running { read, expected: 0 } => {
            view! { <span role="status">{format!("Reading users: {read} so far")}</span> }
                .into_any()
        }
        ExportState::Running { read, expected } => {
            let max = expected.max(read);
            view! {
                <span role="status">{format!("Reading users: {read} of about {max}")}</span>
                <progress max=max value=read>
                    {format!("{read} of {max}")}
                </progress>
            }
            .into_any()
        }
        ExportState::Done { users, bytes } => {
            let size = if bytes >= 1_000_000 {
                format!("{:.1} MB", bytes as f64 / 1e6)
            } else {
                format!("{} KB", bytes.div_ceil(1000))
            };
            view! {
                <a href=export_file_path(&job.id) download>
                    {format!("Download: {users} users, {size}")}
                </a>
            }
            .into_any()
        }
        ExportState::Failed { message } => {
            view! { <span class="error-text">{format!("Failed: {message}")}</span> }.into_any()
        }
    };
    view! {
        <tr>
            <td>{job.started_at.to_string()}</td>
            <td>{job.format.to_string()}</td>
            <td>{status}</td>
        </tr>
    }
}
