#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a used one: installs what is missing, then runs
# formatting and lint checks, unit and integration tests, the other-AWS-clients check and the
# end-to-end tests in Chromium.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { printf '\n[test] %s (%s)\n' "$*" "$(date +%T)"; }

"$root/scripts/install-tools.sh"
export PATH="$root/.tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# shellcheck source=leptos-env.sh
source "$root/scripts/leptos-env.sh"

log "rustfmt"
cargo fmt --all -- --check

log "build (cargo leptos, debug)"
cargo leptos build

log "clippy"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

log "unit and integration tests"
cargo test --workspace

log "boto3 and the AWS CLI against the emulator"
"$root/.tools/venv/bin/python" emulator/tests/clients/check_other_clients.py target/debug/workmail-emulator

log "end-to-end tests (Playwright, Debian's Chromium)"
(cd end2end && npx playwright test)
