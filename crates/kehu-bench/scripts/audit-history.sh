#!/bin/sh
# The history benchmarks of issue 3 in one go, on the 10,000-customer,
# 200,000-commit book: `kehu history ID` against `git log --format=%H -- FILE`
# (target ≤ 1.5×), `kehu log --since` one week against
# `git log --since … --raw -- customers/` (target ≤ 2×), and the full-history
# `kehu log` against `git log --raw -- customers/` to show that the log's time
# follows the commits in its window.
#
#   cargo build --release -p kehu-cli -p kehu-bench
#   crates/kehu-bench/scripts/audit-history.sh [--runs N] [--cache DIR] …
#
# Extra arguments go to `kehu-bench run` (e.g. `--cache`, `--runs`). Set
# REPACK=1 to measure on a copy of the book repacked the way `git gc` leaves
# a real repository (`git repack -adf`, a commit-graph): fast-import's pack
# has long delta chains that libgit2 reads more slowly than git does.
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
bench=${KEHU_BENCH:-$target/release/kehu-bench}
export KEHU_BIN=${KEHU_BIN:-$target/release/kehu}
if [ "${REPACK:-0}" = 1 ]; then
    cache=$target/bench-books-repacked
    book=$cache/c10000-m200000-s1
    if [ ! -f "$book/.git/objects/info/commit-graph" ]; then
        # Build (or reuse) the book in the normal cache, then copy and repack it.
        "$bench" run --book small --only "kehu --version" --runs 1 --cache "$target/bench-books" >/dev/null
        rm -rf "$book" && mkdir -p "$cache"
        cp -a "$target/bench-books/c10000-m200000-s1" "$book"
        git -C "$book" repack -adf -q
        git -C "$book" commit-graph write --reachable
    fi
    set -- --cache "$cache" "$@"
fi
for rows in "kehu history" "kehu log"; do
    "$bench" run --book small --only "$rows" "$@"
done
