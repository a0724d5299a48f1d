#!/usr/bin/env bash
# Side-by-side BG/NBD fit time: kehu-analytics against lifetimes 0.11.3.
#
#   crates/kehu-analytics/benches/compare_lifetimes.sh [CDNOW_FILE]
#
# Installs lifetimes in a virtual environment under the target directory
# (once), builds the `cdnow` example in release mode, and runs both on the
# same file with the same calibration summary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
file="${1:-$root/crates/kehu-analytics/tests/data/CDNOW_sample.txt}"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/lifetimes-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "lifetimes==0.11.3"
fi
cargo build --quiet --release -p kehu-analytics --example cdnow
echo "== kehu-analytics"
"$target/release/examples/cdnow" "$file"
echo "== lifetimes"
"$venv/bin/python" "$here/lifetimes_fit.py" "$file"
