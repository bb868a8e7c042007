//! The axum application: every route of the portal and the layers around them.

use crate::state::AppState;
use crate::{
    account_forms, api_status, audit, auth, export, form_post, health, origin_check,
    request_origin, security_headers, sso, static_files, task_forms,
};
use app::routes::{
    ACCOUNTS_PATH, AUDIT_CSV_PATH, AUDIT_JSON_PATH, CONFIRM_PATH, EXPORT_FILE_ROUTE, EXPORT_PATH,
    HEALTHZ_PATH, LOGIN_PATH, LOGOUT_PATH, ME_PATH, READYZ_PATH, SSO_CALLBACK_PATH, SSO_START_PATH,
    USER_ROUTE, USER_TASKS_ROUTE,
};
use axum::Router;
use axum::routing::{get, post};
use leptos_axum::{LeptosRoutes, generate_route_list};

/// The largest request body the portal reads; a larger one is answered 413 unread.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The axum application: server functions, pages, the no-JavaScript form posts, sign-in and
/// sign-out, static files; every request but sign-in and static files needs a session, and
/// every write needs this portal's Origin.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let options = state.leptos_options.clone();
    let context_state = state.clone();
    let context = move || context_state.provide();
    Router::new()
        .route(USER_ROUTE, post(form_post::save_user_form))
        .route(USER_TASKS_ROUTE, post(task_forms::run_task_form))
        .route(ME_PATH, post(form_post::save_me_form))
        .route(LOGIN_PATH, post(auth::sign_in))
        .route(LOGOUT_PATH, post(auth::sign_out))
        .route(CONFIRM_PATH, post(auth::confirm_password))
        .route(ACCOUNTS_PATH, post(account_forms::change_account_form))
        .route(EXPORT_PATH, post(export::forms::start_export_form))
        .route(EXPORT_FILE_ROUTE, get(export::forms::download))
        .route(HEALTHZ_PATH, get(health::healthz))
        .route(READYZ_PATH, get(health::readyz))
        .route(SSO_START_PATH, get(sso::start))
        .route(SSO_CALLBACK_PATH, get(sso::callback))
        .route(AUDIT_CSV_PATH, get(audit::export::csv))
        .route(AUDIT_JSON_PATH, get(audit::export::json))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || app::shell(options.clone())
        })
        .nest_service(
            &format!("/{}", options.site_pkg_dir.trim_matches('/')),
            static_files::pkg_service(&options),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, app::shell))
        .layer(axum::middleware::map_response(api_status::api_error_status))
        .layer(axum::middleware::from_fn_with_state(
            state.auth.clone(),
            auth::authenticate,
        ))
        .layer(state.sessions.clone())
        // A forged write is refused before any session is read or written.
        .layer(axum::middleware::from_fn_with_state(
            state.own_origin.clone(),
            origin_check::same_origin_writes,
        ))
        // No request the portal answers needs more: the largest, the edit form with every
        // field at its longest and percent-encoded, stays well below.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.security_headers,
            security_headers::add,
        ))
        // Outermost: every answer carries a request id, and every request its client.
        .layer(axum::middleware::from_fn_with_state(
            state.trusted_proxies.clone(),
            request_origin::assign,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    /// The app's routes are written with Leptos' `path!`, which takes only literals: they must
    /// be the paths `app::routes` names.
    #[test]
    fn the_apps_pages_are_the_routes_module_lists() {
        let mut pages: Vec<String> = leptos_axum::generate_route_list(app::App)
            .iter()
            .map(|route| route.path().to_owned())
            .collect();
        pages.sort();
        pages.dedup();
        let mut listed: Vec<String> = app::routes::PAGES
            .iter()
            .map(|p| p.replace(":id", "{id}"))
            .collect();
        listed.sort();
        assert_eq!(pages, listed);
    }

    /// The server reaches the app through its use cases, wire types and the form contract,
    /// never through its pages or components (ARCHITECTURE.md, "Layers").
    #[test]
    fn the_server_does_not_reach_into_pages_or_components() {
        fn check(path: &std::path::Path, found: &mut Vec<String>) {
            if path.is_dir() {
                for entry in std::fs::read_dir(path).expect("readable source folder") {
                    check(&entry.expect("folder entry").path(), found);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(path).expect("readable source");
                // Spelled in two parts so that this file does not find itself.
                for needle in ["pages", "components"].map(|m| format!("app::{m}")) {
                    if text.contains(&needle) {
                        found.push(format!("{}: {needle}", path.display()));
                    }
                }
            }
        }
        let mut found = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for folder in ["src", "tests", "benches"] {
            check(&root.join(folder), &mut found);
        }
        assert!(found.is_empty(), "{found:?}");
    }
}
