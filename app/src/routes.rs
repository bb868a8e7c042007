//! Every path of the portal, in one place: the server's router, the pages' links and the
//! redirects all take their paths from here.
//!
//! The page routes in [`crate::App`] are written with Leptos' `path!` macro, which takes only
//! literals; the server's tests check that they match [`PAGES`].

use crate::domain::percent_encode;

/// The start page (dashboard).
pub const HOME_PATH: &str = "/";
/// The sign-in page; sign-in posts to it.
pub const LOGIN_PATH: &str = "/login";
/// Confirming who one is for a sensitive change (step-up): the page, and the password form's
/// post. `?done=1` says it worked.
pub const CONFIRM_PATH: &str = "/confirm";
/// Single sign-on starts here (`?next=` where to go afterwards; `&confirm=1` to prove who
/// one is again for a sensitive change).
pub const SSO_START_PATH: &str = "/auth/oidc/login";
/// The identity provider sends the browser back here.
pub const SSO_CALLBACK_PATH: &str = "/auth/oidc/callback";
/// Liveness: the process answers (no session).
pub const HEALTHZ_PATH: &str = "/healthz";
/// Readiness: the portal's dependencies answer and it is not draining (no session).
pub const READYZ_PATH: &str = "/readyz";
/// Sign-out posts here.
pub const LOGOUT_PATH: &str = "/logout";
/// The signed-in person's own profile; its form posts here without JavaScript.
pub const ME_PATH: &str = "/me";
/// The user directory.
pub const USERS_PATH: &str = "/users";
/// A user's edit page, as the server's router writes it; its form posts here without
/// JavaScript. Links use [`user_path`].
pub const USER_ROUTE: &str = "/users/{id}";
pub const USER_TASKS_ROUTE: &str = "/users/{id}/tasks";
/// The audit log.
pub const AUDIT_PATH: &str = "/audit";
/// The audit log's CSV export.
pub const AUDIT_CSV_PATH: &str = "/audit/export.csv";
/// The audit log's JSON export.
pub const AUDIT_JSON_PATH: &str = "/audit/export.json";
/// The portal's accounts (managers only); its forms post here.
pub const ACCOUNTS_PATH: &str = "/admin/accounts";
/// Exporting the directory (exporters only); its form posts here to start an export.
pub const EXPORT_PATH: &str = "/admin/export";
/// A finished export's file, as the server's router writes it. Links use [`export_file_path`].
pub const EXPORT_FILE_ROUTE: &str = "/admin/export/{id}";
/// Where server functions live (the `prefix` of every `#[server]`, which takes only literals).
pub const API_PREFIX: &str = "/api/";
/// The browser bundle (`site-pkg-dir`).
pub const PKG_PREFIX: &str = "/pkg/";
/// The icon.
pub const FAVICON_PATH: &str = "/favicon.svg";
/// The directory page's search-as-you-type script (`public/directory-search.js`).
pub const DIRECTORY_SEARCH_SCRIPT: &str = "/directory-search.js";
/// The copy button of a generated password (`public/copy-password.js`).
pub const COPY_PASSWORD_SCRIPT: &str = "/copy-password.js";

/// The pages the app renders, as Leptos writes them (`:id` for a path parameter).
pub const PAGES: [&str; 11] = [
    HOME_PATH,
    LOGIN_PATH,
    CONFIRM_PATH,
    ME_PATH,
    USERS_PATH,
    "/users/:id",
    "/users/:id/history",
    "/users/:id/tasks",
    AUDIT_PATH,
    ACCOUNTS_PATH,
    EXPORT_PATH,
];

/// The path of a user's edit page (the id is percent-encoded where a path needs it).
pub fn user_path(user: &str) -> String {
    format!("{USERS_PATH}/{}", percent_encode(user, b"@+"))
}

/// The path of an export's file.
pub fn export_file_path(id: &str) -> String {
    format!("{EXPORT_PATH}/{}", percent_encode(id, b""))
}

/// The path of a user's History tab.
pub fn history_path(user: &str) -> String {
    format!("{}/history", user_path(user))
}

/// A user's Mail & access tab (also where its forms post).
pub fn tasks_path(user: &str) -> String {
    format!("{}/tasks", user_path(user))
}

/// The server functions' names (under [`API_PREFIX`]; a test holds them to the functions).
pub const SERVER_FUNCTIONS: [&str; 9] = [
    "get_accounts",
    "get_audit_log",
    "get_dashboard",
    "get_exports",
    "get_history",
    "get_tasks",
    "get_user",
    "search_users",
    "update_user",
];

/// The route `path` belongs to, without anything a person typed or is (a user id, a file
/// name): what the server log names, so that it can be grouped by route.
pub fn route_template(path: &str) -> std::borrow::Cow<'static, str> {
    const FIXED: [&str; 19] = [
        HOME_PATH,
        LOGIN_PATH,
        CONFIRM_PATH,
        SSO_START_PATH,
        SSO_CALLBACK_PATH,
        HEALTHZ_PATH,
        READYZ_PATH,
        LOGOUT_PATH,
        ME_PATH,
        USERS_PATH,
        AUDIT_PATH,
        AUDIT_CSV_PATH,
        AUDIT_JSON_PATH,
        ACCOUNTS_PATH,
        EXPORT_PATH,
        FAVICON_PATH,
        DIRECTORY_SEARCH_SCRIPT,
        COPY_PASSWORD_SCRIPT,
        API_PREFIX,
    ];
    if let Some(fixed) = FIXED.into_iter().find(|fixed| *fixed == path) {
        return fixed.into();
    }
    if let Some(function) = path.strip_prefix(API_PREFIX) {
        // Only the portal's own names: anything else a client sends is one route, so that
        // nobody can make the log's (and the metrics') routes grow.
        return match SERVER_FUNCTIONS.iter().find(|name| **name == function) {
            Some(name) => format!("{API_PREFIX}{name}").into(),
            None => "/api/{unknown}".into(),
        };
    }
    if path.starts_with(PKG_PREFIX) {
        return "/pkg/{file}".into();
    }
    if path.starts_with("/admin/export/") {
        return EXPORT_FILE_ROUTE.into();
    }
    if let Some(rest) = path.strip_prefix("/users/") {
        return if rest.ends_with("/history") {
            "/users/{id}/history".into()
        } else if rest.ends_with("/tasks") {
            USER_TASKS_ROUTE.into()
        } else {
            USER_ROUTE.into()
        };
    }
    "{other}".into()
}

/// Paths anyone may request without a session: signing in, static files and the health
/// checks.
pub fn is_public(path: &str) -> bool {
    matches!(
        path,
        LOGIN_PATH | SSO_START_PATH | SSO_CALLBACK_PATH | FAVICON_PATH | HEALTHZ_PATH | READYZ_PATH
    ) || path.starts_with(PKG_PREFIX)
}

/// Where a confirmation ends: the confirm page, saying it worked.
pub const CONFIRMED_URL: &str = "/confirm?done=1";

/// Where the confirm page's single sign-on button leads: the provider, asked to authenticate
/// the person again, then back to [`CONFIRMED_URL`].
pub fn sso_confirm_url() -> String {
    format!(
        "{SSO_START_PATH}?confirm=1&next={}",
        percent_encode(CONFIRMED_URL, b"/@")
    )
}

/// Where the sign-in page's single sign-on button leads, coming back to `next`.
pub fn sso_start_url(next: &str) -> String {
    let next = safe_next(Some(next));
    if next == HOME_PATH {
        return SSO_START_PATH.to_owned();
    }
    format!("{SSO_START_PATH}?next={}", percent_encode(&next, b"/@"))
}

/// Where to go after signing in: `next` when it is a path on this site, else the start page.
/// (`//host` and `/\host` would leave the site, so they are refused.)
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.starts_with(LOGIN_PATH)
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => HOME_PATH.to_owned(),
    }
}

/// The sign-in URL that leads back to `path_and_query` afterwards.
pub fn login_url(path_and_query: &str) -> String {
    let next = safe_next(Some(path_and_query));
    if next == HOME_PATH {
        return LOGIN_PATH.to_owned();
    }
    format!("{LOGIN_PATH}?next={}", percent_encode(&next, b"/@"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_never_holds_what_the_path_names() {
        assert_eq!(route_template("/users/jane.doe"), USER_ROUTE);
        assert_eq!(route_template("/users/jane.doe/tasks"), USER_TASKS_ROUTE);
        assert_eq!(
            route_template("/users/jane.doe/history"),
            "/users/{id}/history"
        );
        assert_eq!(route_template("/admin/export/0123abcd"), EXPORT_FILE_ROUTE);
        assert_eq!(route_template("/api/get_user"), "/api/get_user");
        assert_eq!(route_template("/api/jane@x"), "/api/{unknown}");
        assert_eq!(route_template("/api/made_up_name"), "/api/{unknown}");
        assert_eq!(route_template("/pkg/app-1a2b.wasm"), "/pkg/{file}");
        assert_eq!(route_template("/login"), LOGIN_PATH);
        assert_eq!(route_template("/wp-admin/secret"), "{other}");
    }

    #[test]
    fn user_paths_encode_only_what_a_path_segment_needs() {
        assert_eq!(user_path("jane.doe"), "/users/jane.doe");
        assert_eq!(
            user_path("jane.doe+x@demo.example.com"),
            "/users/jane.doe+x@demo.example.com"
        );
        assert_eq!(user_path("50%/x y"), "/users/50%25%2Fx%20y");
    }

    #[test]
    fn next_stays_on_the_site() {
        assert_eq!(safe_next(Some("/users/jane.doe")), "/users/jane.doe");
        assert_eq!(safe_next(Some("/me?saved=City")), "/me?saved=City");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "users",
            "/login?next=/x",
            "/x\r\nSet-Cookie: a=b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn login_url_encodes_the_way_back() {
        assert_eq!(
            login_url("/users/jane.doe?saved=A,B"),
            "/login?next=/users/jane.doe%3Fsaved%3DA%2CB"
        );
        assert_eq!(login_url("/"), "/login");
        assert_eq!(login_url("//evil"), "/login");
    }
}
