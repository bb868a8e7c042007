//! Renders a page of the app as for a GET, from a handler that has already read a POST.

use crate::state::AppState;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderMap, Method, Request, Uri};

/// Renders the app at `uri` with `headers`, `extensions` (the signed-in account) and extra
/// context from `provide`.
pub async fn render_get(
    state: AppState,
    uri: Uri,
    headers: HeaderMap,
    extensions: http::Extensions,
    provide: impl Fn() + Clone + Send + Sync + 'static,
) -> Response {
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || {
            state.provide();
            provide();
        },
        move || app::shell(options.clone()),
    );
    let mut page_request = Request::new(Body::empty());
    *page_request.method_mut() = Method::GET;
    *page_request.uri_mut() = uri;
    *page_request.headers_mut() = headers;
    *page_request.extensions_mut() = extensions;
    page_request
        .headers_mut()
        .remove(http::header::CONTENT_LENGTH);
    page_request
        .headers_mut()
        .remove(http::header::CONTENT_TYPE);
    render(page_request).await
}

/// The page at `path` as `caller` sees it, with `refusal` in its context: what a form post
/// that was refused answers (the page says why, with the refusal's status).
pub async fn render_refused<T: Clone + Send + Sync + 'static>(
    state: AppState,
    caller: app::use_cases::Caller,
    headers: HeaderMap,
    path: &'static str,
    refusal: T,
) -> Response {
    let mut extensions = http::Extensions::new();
    extensions.insert(caller.principal);
    extensions.insert(caller.origin);
    render_get(
        state,
        Uri::from_static(path),
        headers,
        extensions,
        move || leptos::prelude::provide_context(refusal.clone()),
    )
    .await
}
