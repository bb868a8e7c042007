//! The SDK's HTTP connector for the embedded emulator: requests go to the emulator's router
//! in this process instead of over a loopback socket. Everything above the transport is the
//! real SDK (serialization, SigV4 signing, retries, timeouts, error parsing), and the emulator
//! parses the same bytes it would read from a socket; only the TCP round trip is skipped.

use aws_sdk_workmail::config::SharedHttpClient;
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::body::SdkBody;
use axum::Router;
use tower::ServiceExt as _;

/// Largest answer read from the emulator (its largest, a ListUsers page, is far smaller).
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// An SDK HTTP client whose every request is answered by `router`.
pub fn http_client(router: Router) -> SharedHttpClient {
    let connector = SharedHttpConnector::new(InProcess { router });
    http_client_fn(move |_, _| connector.clone())
}

#[derive(Debug)]
struct InProcess {
    router: Router,
}

impl HttpConnector for InProcess {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let router = self.router.clone();
        HttpConnectorFuture::new(async move {
            let request = request
                .try_into_http1x()
                .map_err(|e| ConnectorError::other(e.into(), None))?;
            let (mut parts, body) = request.into_parts();
            // What an HTTP/1.1 client adds on the wire (SigV4 signs it).
            if let Some(authority) = parts.uri.authority()
                && !parts.headers.contains_key(http::header::HOST)
                && let Ok(host) = http::HeaderValue::from_str(authority.as_str())
            {
                parts.headers.insert(http::header::HOST, host);
            }
            // The SDK's JSON requests are in memory; a streaming body would be a bug here.
            let body = body
                .bytes()
                .map(|b| axum::body::Body::from(b.to_vec()))
                .ok_or_else(|| ConnectorError::other("a streaming request body".into(), None))?;
            let Ok(response) = router.oneshot(http::Request::from_parts(parts, body)).await;
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, MAX_RESPONSE_BYTES)
                .await
                .map_err(|e| ConnectorError::io(e.into()))?;
            Response::try_from(http::Response::from_parts(parts, SdkBody::from(bytes)))
                .map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}
