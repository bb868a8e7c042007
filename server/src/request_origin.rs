//! Gives every request an id and notes where it came from ([`RequestOrigin`]), for the audit
//! log and the server log; the id goes back in the `x-request-id` response header so a person
//! can quote it. Every log line of the request carries the id (a span), and one line sums the
//! request up: method, route (a template: no user data), status, duration, account.

use crate::client_address::TrustedProxies;
use app::session::RequestOrigin;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, Request};
use std::net::SocketAddr;
use tracing::Instrument;

/// The signed-in account of a request, put on its response by the session layer so that the
/// request's log line can name it.
#[derive(Clone, Debug)]
pub struct AnsweredFor(pub String);

/// The response header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// A new request id: 16 hex digits (64 random bits).
fn new_request_id() -> String {
    format!("{:016x}", OsRng.next_u64())
}

/// The middleware (outermost, so every answer carries the id).
pub async fn assign(
    State(proxies): State<TrustedProxies>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = request.headers().get_all("x-forwarded-for");
    let client = peer.and_then(|peer| proxies.client(peer, forwarded.iter().map(|v| v.as_bytes())));
    let origin = RequestOrigin {
        request_id: new_request_id(),
        client: client.map(|c| c.to_string()),
    };
    let header = HeaderValue::from_str(&origin.request_id).ok();
    let span = tracing::info_span!("request", request_id = %origin.request_id);
    let method = request.method().clone();
    let route = app::routes::route_template(request.uri().path());
    request.extensions_mut().insert(origin);
    let started = std::time::Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let account = response
        .extensions()
        .get::<AnsweredFor>()
        .map(|account| account.0.as_str());
    let seconds = started.elapsed().as_secs_f64();
    crate::metrics::request(&route, response.status().as_u16(), seconds);
    span.in_scope(|| {
        tracing::info!(
            %method,
            route = %route,
            status = response.status().as_u16(),
            duration_ms = seconds * 1000.0,
            account = account.unwrap_or("-"),
            "answered"
        );
    });
    if let Some(header) = header {
        response.headers_mut().insert(REQUEST_ID_HEADER, header);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_sixteen_hex_digits_and_differ() {
        let (a, b) = (new_request_id(), new_request_id());
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
