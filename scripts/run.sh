#!/usr/bin/env bash
# Builds the portal (release) and runs it on the embedded defaults: the WorkMail emulator
# in-process with the demo organization, data under ./data. Open the URL it prints.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-tools.sh" build
export PATH="$root/.tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
cargo leptos build --release --precompress
exec "$root/target/release/workmail-portal"
