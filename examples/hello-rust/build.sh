#!/bin/sh
# Builds hello.wasm from src/main.rs with plain rustc: std only, no cargo, no crates.
#
# It uses $RUSTC if set, else the first rustc on PATH that has the standard library for
# WASI preview 1, which comes from one of:
#   Debian, Ubuntu:  apt-get install rustc libstd-rust-dev-wasm32  (target wasm32-wasi)
#   rustup:          rustup target add wasm32-wasip1                (target wasm32-wasip1)
# so a rustup rustc without the WASI target does not hide Debian's /usr/bin/rustc.
set -eu

build() {
  lib="$("$1" --print sysroot)/lib/rustlib"
  for target in wasm32-wasip1 wasm32-wasi; do
    if [ -d "$lib/$target/lib" ]; then
      echo "$1 --target $target -O -C strip=debuginfo -o hello.wasm src/main.rs"
      exec "$1" --target "$target" -O -C strip=debuginfo -o hello.wasm src/main.rs
    fi
  done
}

if [ -n "${RUSTC:-}" ]; then
  build "$RUSTC"
  echo "build.sh: RUSTC=$RUSTC: can't find crate for \`std\`: the wasm32-wasi target may not be installed" >&2
  exit 1
fi
found=""
IFS=:
for dir in $PATH; do
  if [ -n "$dir" ] && [ -x "$dir/rustc" ]; then
    found="$found $dir/rustc"
    build "$dir/rustc"
  fi
done
if [ -z "$found" ]; then
  echo "build.sh: rustc: not found" >&2
  exit 127
fi
echo "build.sh:$found: can't find crate for \`std\`: the wasm32-wasi target may not be installed" >&2
exit 1
