//! Refuses state-changing requests sent from another site: a browser names the page that
//! sent a POST in `Origin`, and it must be this portal (same host and port).

use axum::body::Body;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{HOST, ORIGIN};
use http::{Method, Request, StatusCode};

/// The middleware: safe methods and requests without `Origin` (non-browser clients) pass.
pub async fn same_origin_writes(request: Request<Body>, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let origin = request.headers().get(ORIGIN).and_then(|v| v.to_str().ok());
    let host = request
        .headers()
        .get("x-forwarded-host")
        .or_else(|| request.headers().get(HOST))
        .and_then(|v| v.to_str().ok());
    if safe || is_same_origin(origin, host) {
        return next.run(request).await;
    }
    tracing::warn!(origin, host, path = %request.uri().path(), "cross-origin write refused");
    (
        StatusCode::FORBIDDEN,
        "Cross-origin requests can't change anything here.",
    )
        .into_response()
}

/// Whether `origin` (e.g. `https://portal.example.com`) names `host` (`portal.example.com`).
fn is_same_origin(origin: Option<&str>, host: Option<&str>) -> bool {
    let Some(origin) = origin else { return true };
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
        assert!(is_same_origin(None, Some("portal.example.com")));
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
    }
}
