//! Security headers on every answer: no MIME sniffing, no referrer to other sites, HSTS behind
//! TLS, and `no-store` on anything that may carry personal data (pages and server-function
//! answers; static files keep their own caching). The app's pages set their own
//! Content-Security-Policy (it carries the request's script nonce: `app::shell`); any other
//! HTML answer gets one that allows nothing but links and forms back to the portal.

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

/// The policy of an HTML answer that did not set one (a plain error page): nothing to load.
const FALLBACK_POLICY: &str =
    "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

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
    if html && !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(FALLBACK_POLICY),
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
