//! Static files: the browser bundle under `/pkg`, precompressed and cached for long when its
//! file names carry content hashes; and the HTTP status of server-function errors.

use app::api::ApiError;
use axum::body::Body;
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use leptos::config::LeptosOptions;
use std::convert::Infallible;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Serves `site_root/pkg`: `.br`/`.gz` siblings are sent to browsers that accept them (the
/// release build writes them with `--precompress`), and hashed names are cached for a year.
pub fn pkg_service(
    options: &LeptosOptions,
) -> impl tower::Service<
    http::Request<Body>,
    Response = Response,
    Error = Infallible,
    Future = impl Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    let dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let cache = HeaderValue::from_static(if options.hash_files {
        // The name changes whenever the content does.
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    });
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    ServiceExt::<http::Request<Body>>::map_response(files, move |response| {
        let mut response = response.map(Body::new);
        if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
            response.headers_mut().insert(CACHE_CONTROL, cache.clone());
        }
        response
    })
}

/// Gives a server-function error the status of its kind. Errors raised before our code runs
/// (arguments that don't deserialize) leave the server-function layer as 500s; every error
/// our code raises already has its status, which this leaves alone.
pub async fn api_error_status(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<ApiError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}
