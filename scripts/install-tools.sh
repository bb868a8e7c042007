#!/usr/bin/env bash
# Installs what building and testing the portal needs, skipping whatever is already there.
# Safe to run twice. Pinned versions are the ones that build on this machine's rustc 1.95
# against the crates mirror snapshot (see README "Tooling").
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130 # must equal the wasm-bindgen version in Cargo.lock
BINARYEN_NPM_VERSION=132.0.0 # npm's binaryen; Debian's 108 breaks hydration

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"           # npm-installed helpers (wasm-opt); ignored by git
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$tools/node_modules/.bin:$PATH"

log() { printf '[install-tools] %s\n' "$*"; }

want="${1:-all}" # all | build (only what building the portal needs)

install_clients() {
  if [ ! -x "$tools/venv/bin/aws" ]; then
    log "installing boto3 and the AWS CLI (PyPI) into .tools/venv"
    python3 -m venv "$tools/venv"
    "$tools/venv/bin/pip" install -q boto3 awscli
  fi
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  # `cargo install --locked` fails on the mirror (webpki-roots 1.0.11 is missing). Its first
  # attempt still downloads the crate; build that source with webpki-roots pinned a patch lower.
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked >/dev/null 2>&1 || true
  crate=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"wasm-bindgen-cli-$WASM_BINDGEN_VERSION.crate" | head -n1)
  src=$(mktemp -d)
  tar -xzf "$crate" -C "$src"
  (cd "$src/wasm-bindgen-cli-$WASM_BINDGEN_VERSION" &&
    cargo update -q -p webpki-roots --precise 1.0.10 &&
    cargo install --path . --locked)
  rm -rf "$src"
fi

if [ ! -x "$tools/node_modules/.bin/wasm-opt" ]; then
  log "installing wasm-opt (npm binaryen $BINARYEN_NPM_VERSION)"
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund "binaryen@$BINARYEN_NPM_VERSION" >/dev/null
fi

[ "$want" = build ] && exit 0

install_clients

if [ ! -x /usr/bin/chromium ]; then
  log "installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ ! -x /usr/sbin/slapd ] || [ ! -x /usr/bin/ldapadd ] || ! command -v openssl >/dev/null; then
  # OpenLDAP for the LDAP directory's tests, which start their own slapd (openssl makes their
  # TLS certificates). policy-rc.d keeps the package from starting (and leaving running) the
  # system's server.
  log "installing Debian's slapd, ldap-utils and openssl"
  policy=/usr/sbin/policy-rc.d
  had_policy=false
  [ -e "$policy" ] && had_policy=true
  if ! $had_policy; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils openssl >/dev/null
  $had_policy || rm -f "$policy"
fi

if [ -f "$root/end2end/package-lock.json" ]; then
  if [ ! -d "$root/end2end/node_modules" ] || [ "$root/end2end/package-lock.json" -nt "$root/end2end/node_modules/.package-lock.json" ]; then
    log "installing end-to-end npm packages from the lock file"
    (cd "$root/end2end" && npm ci --no-audit --no-fund >/dev/null)
  fi
fi
