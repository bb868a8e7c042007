//! Static files: the browser bundle under `/pkg`, precompressed and cached for long when its
//! file names carry content hashes.

use axum::body::Body;
use axum::response::Response;
use http::header::CACHE_CONTROL;
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
