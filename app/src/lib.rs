//! The workmail-portal Leptos app, shared by the server (`ssr`) and the browser (`hydrate`).
//!
//! The app runs in islands mode: pages render on the server only, and just the edit form
//! ([`components::UserEditor`]) is hydrated in the browser.

pub mod api;
pub mod components;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod editing;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The HTML document around the app (server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <AutoReload options=options.clone() />
                <HydrationScripts options=options.clone() islands=true />
                <leptos_meta::HashedStylesheet options id="leptos" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: header, routes, 404.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|title: String| {
            if title.is_empty() { "WorkMail portal".to_owned() } else { format!("{title} · WorkMail portal") }
        } />
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="site-header">
            <a class="brand" href="/users">
                "WorkMail portal"
            </a>
            <nav aria-label="Main">
                <a href="/users">"Users"</a>
            </nav>
        </header>
        <Router>
            <main id="main" tabindex="-1">
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/users") view=pages::UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/users/:id") view=pages::UserPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// Hydrates the islands on the page (called by the `frontend` crate's wasm entry point).
#[cfg(feature = "hydrate")]
pub fn hydrate_islands() {
    leptos::mount::hydrate_islands();
}
