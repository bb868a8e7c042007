#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a used one: installs what is missing, then runs
# formatting and lint checks, unit and integration tests, and the other-AWS-clients check.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { printf '\n[test] %s\n' "$*"; }

"$root/scripts/install-tools.sh" clients

log "rustfmt"
cargo fmt --all -- --check

log "clippy"
cargo clippy --workspace --all-targets -- -D warnings

log "unit and integration tests"
cargo test --workspace

log "boto3 and the AWS CLI against the emulator"
"$root/.tools/venv/bin/python" emulator/tests/clients/check_other_clients.py target/debug/workmail-emulator
