#!/usr/bin/env bash
# Runs every kehu fuzz target for SECONDS each (default 60) with cargo-fuzz
# (libFuzzer + AddressSanitizer), and prints one summary line per target.
#
#   fuzz/run.sh 300            # five minutes per target
#   fuzz/run.sh 60 ics html    # only these targets
#
# cargo-fuzz needs nightly rustc features; on a stable toolchain the script
# sets RUSTC_BOOTSTRAP=1, which unlocks them (the sanitizer runtimes ship
# with stable). Crashes land in fuzz/artifacts/<target>/; each one found
# becomes a regression test (fuzz/tests/regressions.rs or a corpus case).
# Each target's corpus, fuzz/corpus/<target>/ (grown by the runs, not
# committed), is seeded with the files of the bad-input corpus, tests/corpus/.
set -euo pipefail
seconds=${1:-60}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/fuzz}
cargo_fuzz=${CARGO_FUZZ:-cargo-fuzz}
command -v "$cargo_fuzz" >/dev/null || {
    echo "cargo-fuzz not found: cargo install cargo-fuzz --locked" >&2
    exit 2
}

# The ics and html targets load the bundled plugins like kehu does.
plugins_target=${PLUGINS_TARGET_DIR:-$root/target}
# (Built before RUSTC_BOOTSTRAP is set: it is part of cargo's fingerprint, and
# setting it would rebuild the plugins from scratch.)
cargo build --release --quiet --manifest-path "$root/Cargo.toml" \
    --target-dir "$plugins_target" -p kehu-agenda -p kehu-report
export KEHU_FUZZ_PLUGIN_DIR=$plugins_target/release
export RUSTC_BOOTSTRAP=1

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cd "$here" && "$cargo_fuzz" list)
fi
summary=()
status=0
for target in "${targets[@]}"; do
    mkdir -p "$here/corpus/$target"
    log=$(mktemp)
    start=$(date +%s)
    if (cd "$here" && "$cargo_fuzz" run -O "$target" "$here/corpus/$target" "$root/tests/corpus" -- \
        -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -timeout=30) >"$log" 2>&1; then
        result=ok
    else
        result="CRASH (see fuzz/artifacts/$target/)"
        status=1
        tail -40 "$log" >&2
    fi
    took=$(( $(date +%s) - start ))
    runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
    summary+=("$target: ${took}s, ${runs:-0} runs, ${cov:-cov: ?}, $result")
    rm -f "$log"
done
printf '%s\n' "${summary[@]}"
exit $status
