//! The workmail-portal Leptos app, shared by the server (`ssr`) and the browser (`hydrate`).
//!
//! The app runs in islands mode: pages render on the server only, and just the edit form
//! ([`components::UserEditor`]) is hydrated in the browser.

// The edit form's view type is deep; release builds (without `--cfg erase_components`) need
// more than the default 128 to lay it out.
#![recursion_limit = "256"]

// The layers, each using only those below it (ARCHITECTURE.md, "Layers"):
pub mod api;
pub mod components;
#[cfg(feature = "ssr")]
pub mod directory_index;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;
pub mod session;
#[cfg(feature = "ssr")]
pub mod use_cases;
pub mod wire;
// Used by every layer: the portal's paths.
pub mod routes;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The HTML document around the app (server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
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
                <link rel="icon" href=routes::FAVICON_PATH type="image/svg+xml" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Gives the page being rendered its Content-Security-Policy: scripts only from the portal and
/// the inline hydration scripts carrying this request's nonce (leptos_axum makes one per
/// request), WebAssembly allowed to compile, nothing from anywhere else, no framing.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    // Sign-out's answer may lead on to the identity provider's end-session endpoint, and a
    // form's redirects count as its target.
    let sign_out = use_context::<wire::SignInOptions>()
        .and_then(|options| options.sign_out_origin)
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'{sign_out}; \
         frame-ancestors 'none'; object-src 'none'; base-uri 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The app: header, routes, 404.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let navigation = session::navigation();
    let home = match &navigation {
        Some(nav) if !nav.can_browse && nav.has_me => routes::ME_PATH,
        _ => routes::HOME_PATH,
    };
    view! {
        <Title formatter=|title: String| {
            if title.is_empty() { "WorkMail portal".to_owned() } else { format!("{title} · WorkMail portal") }
        } />
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="site-header">
            <a class="brand" href=home>
                "WorkMail portal"
            </a>
            {navigation.map(|nav| view! { <Navigation nav /> })}
        </header>
        <Router>
            <main id="main" tabindex="-1">
                // The same paths as routes::PAGES (path! takes only literals).
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=pages::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/confirm") view=pages::ConfirmPage ssr=SsrMode::Async />
                    <Route path=path!("/me") view=pages::MePage ssr=SsrMode::Async />
                    <Route path=path!("/users") view=pages::UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/users/:id") view=pages::UserPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/users/:id/tasks")
                        view=pages::TasksPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/users/:id/history")
                        view=pages::HistoryPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/audit") view=pages::AuditLogPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/admin/accounts")
                        view=pages::AccountsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/admin/export")
                        view=pages::ExportPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// The header's links: only what the account's role may use, then the account and sign-out.
#[component]
fn Navigation(nav: session::Navigation) -> impl IntoView {
    view! {
        <nav aria-label="Main">
            {nav.can_browse.then(|| view! { <a href=routes::USERS_PATH>"Users"</a> })}
            {nav.has_me.then(|| view! { <a href=routes::ME_PATH>"My profile"</a> })}
            {nav.accounts.then(|| view! { <a href=routes::ACCOUNTS_PATH>"Accounts"</a> })}
            {nav.export.then(|| view! { <a href=routes::EXPORT_PATH>"Export"</a> })}
            {(nav.audit == domain::AuditRight::Log)
                .then(|| view! { <a href=routes::AUDIT_PATH>"Audit log"</a> })}
        </nav>
        <form class="account" method="post" action=routes::LOGOUT_PATH>
            <span class="account-name" title="Signed in as">
                {nav.account}
            </span>
            <button type="submit" class="link-button">
                "Sign out"
            </button>
        </form>
    }
}

/// Hydrates the islands on the page (called by the `frontend` crate's wasm entry point).
#[cfg(feature = "hydrate")]
pub fn hydrate_islands() {
    leptos::mount::hydrate_islands();
}

/// The layer rule, checked on the source: a module refers (`crate::…`) only to modules in its
/// own layer or below (ARCHITECTURE.md, "Layers").
#[cfg(test)]
mod layers {
    use std::path::Path;

    /// Each top-level module and its layer; higher layers may use lower ones.
    const LAYERS: [(&str, u8); 10] = [
        ("domain", 0),
        ("routes", 1),
        ("ports", 1),
        ("wire", 1),
        ("session", 2),
        ("directory_index", 2),
        ("use_cases", 3),
        ("api", 4),
        ("components", 5),
        ("pages", 6),
    ];

    fn layer(module: &str) -> Option<u8> {
        LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
    }

    /// The `.rs` files of a module: `src/NAME.rs` or every file below `src/NAME/`.
    fn files(path: &Path, out: &mut Vec<std::path::PathBuf>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).expect("readable source folder") {
                files(&entry.expect("folder entry").path(), out);
            }
        } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
            out.push(path.to_owned());
        }
    }

    #[test]
    fn modules_use_only_their_layer_and_below() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut upward = Vec::new();
        for (module, own) in LAYERS {
            let mut sources = Vec::new();
            files(&src.join(module), &mut sources);
            files(&src.join(format!("{module}.rs")), &mut sources);
            assert!(!sources.is_empty(), "no source for {module}");
            for file in sources {
                let text = std::fs::read_to_string(&file).expect("readable source");
                for line in text
                    .lines()
                    .map(|l| l.split("//").next().unwrap_or_default())
                {
                    assert!(
                        !line.contains("crate::{"),
                        "{}: name crate modules one by one, so this check sees them: {line}",
                        file.display()
                    );
                    for used in line.split("crate::").skip(1) {
                        let name: String = used
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if layer(&name).is_some_and(|theirs| theirs > own) {
                            upward.push(format!("{}: {module} uses {name}", file.display()));
                        }
                    }
                }
            }
        }
        assert!(
            upward.is_empty(),
            "imports that point up:\n{}",
            upward.join("\n")
        );
    }
}
