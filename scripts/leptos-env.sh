# Sourced by the scripts: the environment `cargo leptos build` gives the server build in debug
# mode. Every native cargo command of the scripts runs with exactly this, so tests, lints and
# the build share one set of compiled dependencies instead of rebuilding them.
export LEPTOS_OUTPUT_NAME=workmail-portal
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export LEPTOS_RELOAD_PORT=3001
export LEPTOS_LIB_DIR=frontend
export LEPTOS_BIN_DIR=server
export LEPTOS_JS_MINIFY=false
export LEPTOS_HASH_FILES=true
export LEPTOS_HASH_FILE_NAME=hash.txt
export RUSTFLAGS="--cfg erase_components"
