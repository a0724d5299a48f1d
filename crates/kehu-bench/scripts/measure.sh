#!/bin/bash
# A quick by-hand look beside the harness: runs each kehu command twice on a
# book, with KEHU_TODAY pinned to the bench books' last day and the plugins
# beside the binary, and prints wall time, user+system CPU and peak RSS.
# Always list `check` in the same call: compare ratios, not absolute times.
#
# Usage: measure.sh KEHU_BINARY BOOK "check" "agenda" "report --since 2026-11-13" ...
# (KEHU_NO_CACHE=1 in the environment loads the book without the parse cache.)
set -u
kehu=$1
book=$2
shift 2
export KEHU_TODAY=${KEHU_TODAY:-2026-11-20} KEHU_PLUGIN_PATH
KEHU_PLUGIN_PATH=$(dirname "$kehu")
times=$(mktemp)
trap 'rm -f "$times"' EXIT
for command in "$@"; do
  for _ in 1 2; do
    # shellcheck disable=SC2086 # the command's words are meant to split
    /usr/bin/time -f "%e s wall  %U+%S cpu  %M KB" -o "$times" \
      "$kehu" --book "$book" $command >/dev/null 2>/dev/null
    code=$?
    printf "%-40s rc=%s %s\n" "$command" "$code" "$(tail -n 1 "$times")"
  done
done
