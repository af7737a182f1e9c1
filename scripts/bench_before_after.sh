#!/usr/bin/env bash
# Paired before/after run of the same criterion groups on two checkouts of lowbit (each
# already built with `cargo bench --bench bulk --no-run`), alternating the two for R rounds so
# that drift of a shared machine falls on both. Prints criterion's bencher lines prefixed with
# "before rN" / "after rN". Used for docs/benchmarks.md, "Before and after the one-model
# redesign".
#
#   scripts/bench_before_after.sh BEFORE_CHECKOUT AFTER_CHECKOUT [ROUNDS]
#
# FILTER (a criterion regex) replaces the default groups; "Rounding modes and scaled encode"
# in docs/benchmarks.md used FILTER='^encode_(modes|scaled)_'.
set -euo pipefail
before=$1 after=$2 rounds=${3:-2}
filter=${FILTER:-}
[ -n "$filter" ] || filter='^(fake_quant|block_quantize|block_dequantize)/cache/(mxfp4|mxfp8_e4m3|nvfp4|int4_g128)$|^(decode_e2m1|decode_e4m3|decode_int4|decode_e8m0|encode_e4m3_saturate|encode_e2m1|encode_e5m2)/cache/lowbit/Avx512$|^ternary_(unpack_i8|decode_f32)/cache/lowbit$'
bin() { ls -t "$1"/target/release/deps/bulk-* | grep -v '\.d$' | head -1; }
for r in $(seq 1 "$rounds"); do
  for which in before after; do
    dir=$before; [ "$which" = after ] && dir=$after
    b=$(bin "$dir")
    (cd "$dir" && "$b" --bench "$filter" --warm-up-time 0.5 --measurement-time 2 \
      --output-format bencher 2>/dev/null | grep '^test' | sed "s/^/$which r$r /")
  done
done
