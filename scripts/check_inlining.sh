#!/usr/bin/env bash
# Every kernel body (src/kernels/, the fast forms in src/element/fast.rs) is
# #[inline(always)], so that each backend's entry in src/arch/ compiles it with that
# backend's target features. A body that exists as a function of its own in the release
# build was compiled without them (a helper that stopped inlining): this fails then.
# Constructors, which run once per call outside the kernels, are allowed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
lib=target/release/liblowbit.rlib
syms=$(nm -C --defined-only "$lib" 2>/dev/null \
  | awk '$2 == "t" || $2 == "T" { $1 = ""; $2 = ""; sub(/^  /, ""); print }' \
  | grep -E '^lowbit::(kernels|element::fast)::' \
  | grep -vE '::(new|new_stored|new_stored_divided|first16)$' \
  | sort -u || true)
if [ -n "$syms" ]; then
  echo "kernel bodies that were not inlined into their backend entries:"
  echo "$syms"
  exit 1
fi
n=$(nm -C --defined-only "$lib" 2>/dev/null | grep -c 'lowbit::arch::' || true)
echo "inlining check: every kernel body is inlined ($n backend-entry symbols, no stray bodies)"
