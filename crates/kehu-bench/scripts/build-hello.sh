#!/bin/sh
# Builds the plugin skeleton of templates/plugin (`kehu hello`) outside the
# workspace, as a plugin author would, and puts the library in OUT/lib: the
# harness's probe of the plugin handoff (issue 4). Cargo rebuilds only what
# changed, so a second call costs a second.
#
# Usage: build-hello.sh REPO OUT
set -eu
repo=$1
out=$2
mkdir -p "$out/src" "$out/lib"
# Copy only what differs, so cargo sees unchanged sources as unchanged.
put() {
    if ! cmp -s "$1" "$2"; then cp "$1" "$2"; fi
}
for file in "$repo"/templates/plugin/src/*.rs; do
    put "$file" "$out/src/$(basename "$file")"
done
sed "s#\.\./\.\./crates/kehu-plugin-sdk#$repo/crates/kehu-plugin-sdk#" \
    "$repo/templates/plugin/Cargo.toml" >"$out/Cargo.toml.new"
put "$out/Cargo.toml.new" "$out/Cargo.toml"
rm -f "$out/Cargo.toml.new"
# The repository's lock file pins the same dependency versions.
test -f "$out/Cargo.lock" || cp "$repo/Cargo.lock" "$out/Cargo.lock"
"${CARGO:-cargo}" build --release --quiet --manifest-path "$out/Cargo.toml" \
    --target-dir "$out/target"
put "$out/target/release/libkehu_hello.so" "$out/lib/libkehu_hello.so"
