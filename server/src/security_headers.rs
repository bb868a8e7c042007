//! Security headers on every answer: no MIME sniffing, no referrer to other sites, no framing,
//! no plugins, no `<base>` rewriting, HSTS behind TLS, and `no-store` on anything that may carry
//! personal data (pages and server-function answers; static files keep their own caching).

use axum::body::Body;
use axum::extract::State;
use axum::middleware::Next;
use axum::response::Response;
use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY,
    STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
};
use http::{HeaderValue, Request};

/// Whether the portal is reached over TLS (an https `PORTAL_PUBLIC_URL`): then browsers are
/// told to use https only.
#[derive(Clone, Copy, Debug)]
pub struct SecurityHeaders {
    pub https: bool,
}

/// The policy of every HTML page. Scripts are not restricted yet: Leptos' inline hydration
/// script would need a per-request nonce first.
const PAGE_POLICY: &str = "frame-ancestors 'none'; object-src 'none'; base-uri 'none'";

/// The middleware.
pub async fn add(
    State(settings): State<SecurityHeaders>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let is = |prefix: &str| {
        response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(prefix))
    };
    let (html, json) = (is("text/html"), is("application/json"));
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if html {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_POLICY),
        );
    }
    if (html || json) && !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if settings.https {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}
