#!/bin/sh
# Builds proxy.wasm with plain rustc (no cargo, no crates): first the waft SDK as a library,
# then src/main.rs linked against it with --extern.
#
# The rustc is $RUSTC if set, else the first of /usr/bin/rustc (Debian's: apt-get install rustc
# libstd-rust-dev-wasm32) and the rustc on PATH whose standard library has a WASI target.
set -eu
sdk="${WAFT_RUST_SDK:-../../sdk/rust}"

has_wasi() {
  root="$("$1" --print sysroot 2>/dev/null)" || return 1
  for t in wasm32-wasip1 wasm32-wasi; do
    if [ -d "$root/lib/rustlib/$t/lib" ]; then
      target="$t"
      return 0
    fi
  done
  return 1
}

rustc=""
target=""
for candidate in ${RUSTC:-} /usr/bin/rustc "$(command -v rustc || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && has_wasi "$candidate"; then
    rustc="$candidate"
    break
  fi
done
if [ -z "$rustc" ]; then
  echo "build.sh: no rustc with the Rust standard library for WASI: can't find crate for \`std\`; the wasm32-wasi target may not be installed (apt-get install rustc libstd-rust-dev-wasm32)" >&2
  exit 1
fi

mkdir -p target
set -x
"$rustc" --edition 2021 --crate-type rlib --crate-name waft --target "$target" -O "$sdk/src/lib.rs" -o target/libwaft.rlib
"$rustc" --edition 2021 --target "$target" -O -C strip=debuginfo --extern waft=target/libwaft.rlib src/main.rs -o proxy.wasm
