#!/usr/bin/env bash
# Builds the release bundle and prints the browser bundle's size: raw, gzip and brotli, for the
# wasm and js files the pages load (budget: wasm + js at most 150 KB brotli; goal 100 KB).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-tools.sh" build >/dev/null
export PATH="$root/.tools/node_modules/.bin:$PATH"
# The bundle as releases build it: leptos-env.sh's debug flags (`--cfg erase_components`) make
# it about 4 KB larger.
unset RUSTFLAGS

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # Only the browser bundle matters here; the server is not built.
  cargo leptos build --release --precompress --frontend-only >/dev/null
fi
pkg="$root/target/site/pkg"
printf '%-44s %10s %10s %10s\n' file raw gzip brotli
total_raw=0 total_gz=0 total_br=0
for file in "$pkg"/*.wasm "$pkg"/*.js; do
  [ -f "$file" ] || continue
  raw=$(stat -c %s "$file")
  gz=$(stat -c %s "$file.gz" 2>/dev/null || gzip -9 -c "$file" | wc -c)
  br=$(stat -c %s "$file.br" 2>/dev/null || echo 0)
  printf '%-44s %10d %10d %10d\n' "$(basename "$file")" "$raw" "$gz" "$br"
  total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
done
printf '%-44s %10d %10d %10d\n' "total (bytes)" "$total_raw" "$total_gz" "$total_br"
printf '%-44s %10.1f %10.1f %10.1f\n' "total (KB)" \
  "$(echo "$total_raw/1024" | bc -l)" "$(echo "$total_gz/1024" | bc -l)" "$(echo "$total_br/1024" | bc -l)"
