#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a used one: installs what is missing, then runs
# formatting and lint checks, each crate's build on its own, unit and integration tests, the
# other-AWS-clients check and the end-to-end tests in Chromium.
#
# Prints one line per stage. Each stage's full output goes to target/test-logs/STAGE.log; when
# a stage fails, its failures are printed with the path of its log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
logs="$root/target/test-logs"
mkdir -p "$logs"

# Runs one stage quietly: `stage NAME COMMAND...`.
stage() {
  local name=$1 log="$logs/$1.log" started=$SECONDS
  shift
  printf '[test] %-28s ' "$name"
  if "$@" >"$log" 2>&1; then
    printf 'ok (%ds)\n' $((SECONDS - started))
    return 0
  fi
  printf 'FAILED (%ds)\n\n' $((SECONDS - started))
  # The lines that say what failed (compiler errors, failed tests and their panics, Playwright's
  # summary), else the end of the log.
  if grep -qE '^(error|test .* FAILED|failures:|---- )|panicked at|✘|[0-9]+ failed' "$log"; then
    grep -E -A 12 '^(error|---- )|panicked at|✘|^failures:$' "$log" | head -n 150
  else
    tail -n 60 "$log"
  fi
  printf '\n[test] %s failed; its whole output: %s\n' "$name" "$log"
  if [ "$name" = end-to-end ]; then
    printf '[test] the portal server'"'"'s log: %s\n' "$root/target/e2e-server.log"
  fi
  exit 1
}

stage install-tools "$root/scripts/install-tools.sh"
export PATH="$root/.tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# shellcheck source=leptos-env.sh
source "$root/scripts/leptos-env.sh"

stage rustfmt cargo fmt --all -- --check
stage build cargo leptos build
# Each crate on its own, as a new user builds it: a feature a crate uses but does not declare
# would otherwise be turned on by another member of the workspace.
each_crate_alone() {
  cargo build -p workmail-emulator
  cargo build -p app --features ssr
  cargo check -p app
}
stage each-crate-alone each_crate_alone
lint() {
  cargo clippy --workspace --all-targets -- -D warnings
  cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
}
stage clippy lint
rm -f "$root/target/tmp/skipped.txt"
stage unit-and-integration cargo test --workspace
# Tests that could not run here (a service missing outside CI) say so in the summary.
if [ -s "$root/target/tmp/skipped.txt" ]; then
  sed 's/^/[test]   /' "$root/target/tmp/skipped.txt"
fi
stage other-aws-clients "$root/.tools/venv/bin/python" emulator/tests/clients/check_other_clients.py target/debug/workmail-emulator
end_to_end() { (cd end2end && npx playwright test); }
stage end-to-end end_to_end
printf '[test] all stages passed\n'
