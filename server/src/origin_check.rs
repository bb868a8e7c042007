//! Refuses state-changing requests (server functions, form posts, sign-in, sign-out) that a
//! browser did not send from this portal's own pages: a browser names the page that sent a
//! POST in `Origin`, and it must be this portal. A request without `Origin` is refused too.

use axum::body::Body;
use axum::extract::State;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{HOST, ORIGIN};
use http::{Method, Request, StatusCode};
use std::sync::Arc;

/// The portal's own origin, when it is known from `PORTAL_PUBLIC_URL` (e.g. behind a proxy);
/// otherwise the request's `Host` is the reference. (An `Arc`: axum clones the middleware's
/// state for every request.)
#[derive(Clone, Debug, Default)]
pub struct OwnOrigin(pub Option<Arc<str>>);

/// The middleware: safe methods pass; every other request needs an `Origin` naming this portal.
pub async fn same_origin_writes(
    State(own): State<OwnOrigin>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe {
        return next.run(request).await;
    }
    let origin = request.headers().get(ORIGIN).and_then(|v| v.to_str().ok());
    let allowed = match (&own.0, origin) {
        (Some(public), Some(origin)) => public.eq_ignore_ascii_case(origin),
        (None, Some(_)) => {
            // Only the Host the client connected to: a forwarded host is the client's to say
            // (behind a proxy, set PORTAL_PUBLIC_URL).
            let host = request.headers().get(HOST).and_then(|v| v.to_str().ok());
            is_same_origin(origin, host)
        }
        (_, None) => false,
    };
    if allowed {
        return next.run(request).await;
    }
    tracing::warn!(origin, path = %request.uri().path(), "write without this portal's Origin refused");
    (
        StatusCode::FORBIDDEN,
        "Requests that change something must come from the portal's own pages.",
    )
        .into_response()
}

/// Whether `origin` (e.g. `https://portal.example.com`) names `host` (`portal.example.com`).
fn is_same_origin(origin: Option<&str>, host: Option<&str>) -> bool {
    let Some(origin) = origin else { return false };
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    match (authority, host) {
        (Some(authority), Some(host)) => authority.eq_ignore_ascii_case(host),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_host_and_port_pass() {
        assert!(is_same_origin(
            Some("http://127.0.0.1:3000"),
            Some("127.0.0.1:3000")
        ));
        assert!(is_same_origin(
            Some("https://Portal.example.com"),
            Some("portal.example.com")
        ));
    }

    #[test]
    fn other_sites_and_opaque_origins_fail() {
        assert!(!is_same_origin(
            Some("https://evil.example"),
            Some("portal.example.com")
        ));
        assert!(!is_same_origin(
            Some("http://127.0.0.1:3001"),
            Some("127.0.0.1:3000")
        ));
        assert!(!is_same_origin(Some("null"), Some("127.0.0.1:3000")));
        assert!(!is_same_origin(Some("http://127.0.0.1:3000"), None));
        assert!(!is_same_origin(None, Some("portal.example.com")));
    }
}
