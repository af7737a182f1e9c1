//! Bulk kernels beside the scalar tier, the peers, and a streaming copy of the same bytes.
//!
//!     cargo bench --bench bulk                       # all groups, both sizes
//!     cargo bench --bench bulk -- 'decode_e2m1/dram' # one group
//!
//! "cache" groups use 256Ki elements (fresh inputs, outputs within L2/L3); "dram" groups use
//! 16Mi elements, whose f32 side (64 MiB) exceeds this machine's L3. `copy` moves the same
//! bytes as the kernel: it reads the input bytes once and writes the output bytes once.

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use half::slice::HalfFloatSliceExt;
use lowbit::{Backend, BlockFormat, ElementFormat, Overflow, Rounding};
use std::time::Duration;

const SIZES: [(&str, usize); 2] = [("cache", 1 << 18), ("dram", 1 << 24)];

/// Reads `src` once and fills `dst` with copies of it: the memory traffic of a kernel that
/// turns `src.len()` bytes into `dst.len()` bytes, at memcpy speed.
fn stream_copy(src: &[u8], dst: &mut [u8]) {
    const CH: usize = 4096;
    if src.len() >= dst.len() {
        // Shrinking (encode): read every input byte once with a vectorized fold, write every
        // output byte once.
        let ratio = (src.len() / dst.len().max(1)).max(1);
        for (d, s) in dst.chunks_mut(CH).zip(src.chunks(CH * ratio)) {
            let acc = s.chunks_exact(8).fold(0u64, |a, w| {
                a.wrapping_add(u64::from_le_bytes(w.try_into().unwrap()))
            });
            d.copy_from_slice(&s[..d.len()]);
            d[0] ^= acc as u8;
        }
        return;
    }
    // Expanding (decode): read each input chunk once, write it `ratio` times.
    let ratio = dst.len().div_ceil(src.len().max(1)).max(1);
    for (i, s) in src.chunks(CH).enumerate() {
        let start = i * CH * ratio;
        let end = (start + s.len() * ratio).min(dst.len());
        if start >= end {
            break;
        }
        for d in dst[start..end].chunks_mut(s.len()) {
            d.copy_from_slice(&s[..d.len()]);
        }
    }
}

/// LLM-like f32 data: a deterministic mix of scales.
fn data(n: usize) -> Vec<f32> {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            u * 8.0 * if s & 0xF00 == 0 { 30.0 } else { 1.0 }
        })
        .collect()
}

fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
    size: &str,
    n: usize,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(format!("{name}/{size}"));
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(300));
    g.measurement_time(Duration::from_millis(1500));
    g
}

fn decode_benches(c: &mut Criterion) {
    for (size, n) in SIZES {
        for (name, fmt) in [
            ("decode_e2m1", ElementFormat::FLOAT4_E2M1FN),
            ("decode_int4", ElementFormat::INT4),
            ("decode_e4m3", ElementFormat::FLOAT8_E4M3FN),
            ("decode_e8m0", ElementFormat::FLOAT8_E8M0FNU),
            ("decode_nf4", ElementFormat::NF4),
            ("decode_iq4_nl", ElementFormat::IQ4_NL),
            ("decode_bnb_dynamic", ElementFormat::BNB_DYNAMIC),
        ] {
            let x = data(n);
            let packed = fmt
                .encode_vec(&x, Rounding::NearestEven, Overflow::Saturate)
                .unwrap();
            let mut out = vec![0f32; n];
            let mut g = group(c, name, size, n);
            for b in Backend::available() {
                if b == Backend::Scalar && size == "dram" {
                    continue; // the scalar tier is measured in cache; at DRAM size it only repeats
                }
                g.bench_function(BenchmarkId::new("lowbit", format!("{b:?}")), |bch| {
                    bch.iter(|| {
                        fmt.decode_slice_with(b, black_box(&packed), &mut out)
                            .unwrap()
                    })
                });
            }
            let out_bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut out);
            g.bench_function("copy-same-bytes", |bch| {
                bch.iter(|| stream_copy(black_box(&packed), out_bytes))
            });
            let mut out = vec![0f32; n];
            if fmt == ElementFormat::FLOAT4_E2M1FN {
                // microfloat decodes one code per byte (no nibble unpacking).
                let bytes: Vec<u8> = (0..n)
                    .map(|i| (packed[i / 2] >> (4 * (i % 2))) & 15)
                    .collect();
                g.bench_function("microfloat-byte-lut", |bch| {
                    bch.iter(|| {
                        for (o, &b) in out.iter_mut().zip(black_box(&bytes)) {
                            *o = microfloat::f4e2m1fn::from_bits(b).to_f32();
                        }
                    })
                });
            }
            if fmt == ElementFormat::FLOAT8_E4M3FN {
                g.bench_function("microfloat", |bch| {
                    bch.iter(|| {
                        for (o, &b) in out.iter_mut().zip(black_box(&packed)) {
                            *o = microfloat::f8e4m3fn::from_bits(b).to_f32();
                        }
                    })
                });
                g.bench_function("float8", |bch| {
                    bch.iter(|| {
                        for (o, &b) in out.iter_mut().zip(black_box(&packed)) {
                            *o = float8::F8E4M3::from_bits(b).to_f32();
                        }
                    })
                });
                g.bench_function("minifloat", |bch| {
                    bch.iter(|| {
                        for (o, &b) in out.iter_mut().zip(black_box(&packed)) {
                            *o = minifloat::F8E4M3FN::from_bits(b).to_f32();
                        }
                    })
                });
            }
            g.finish();
        }
    }
}

fn encode_benches(c: &mut Criterion) {
    for (size, n) in SIZES {
        let x = data(n);
        for (name, fmt, o) in [
            (
                "encode_e4m3_nonfinite",
                ElementFormat::FLOAT8_E4M3FN,
                Overflow::NonFinite,
            ),
            (
                "encode_e4m3_saturate",
                ElementFormat::FLOAT8_E4M3FN,
                Overflow::Saturate,
            ),
            (
                "encode_e5m2",
                ElementFormat::FLOAT8_E5M2,
                Overflow::NonFinite,
            ),
            (
                "encode_e3m2",
                ElementFormat::FLOAT6_E3M2FN,
                Overflow::Saturate,
            ),
            (
                "encode_e2m1",
                ElementFormat::FLOAT4_E2M1FN,
                Overflow::Saturate,
            ),
        ] {
            let mut out = vec![0u8; fmt.packed_len(n).unwrap()];
            let mut g = group(c, name, size, n);
            for b in Backend::available() {
                if b == Backend::Scalar && size == "dram" {
                    continue;
                }
                g.bench_function(BenchmarkId::new("lowbit", format!("{b:?}")), |bch| {
                    bch.iter(|| {
                        fmt.encode_slice_with(b, black_box(&x), Rounding::NearestEven, o, &mut out)
                            .unwrap()
                    })
                });
            }
            let xb: &[u8] = bytemuck::cast_slice(&x);
            g.bench_function("copy-same-bytes", |bch| {
                bch.iter(|| stream_copy(black_box(xb), &mut out))
            });
            let mut bytes = vec![0u8; n];
            if fmt == ElementFormat::FLOAT8_E4M3FN && o == Overflow::NonFinite {
                g.bench_function("float8", |bch| {
                    bch.iter(|| {
                        for (o, &v) in bytes.iter_mut().zip(black_box(&x)) {
                            *o = float8::F8E4M3::from_f32(v).to_bits();
                        }
                    })
                });
                g.bench_function("minifloat", |bch| {
                    bch.iter(|| {
                        for (o, &v) in bytes.iter_mut().zip(black_box(&x)) {
                            *o = minifloat::F8E4M3FN::from_f32(v).to_bits();
                        }
                    })
                });
                g.bench_function("microfloat", |bch| {
                    bch.iter(|| {
                        for (o, &v) in bytes.iter_mut().zip(black_box(&x)) {
                            *o = microfloat::f8e4m3fn::from_f32(v).to_bits();
                        }
                    })
                });
            }
            if fmt == ElementFormat::FLOAT4_E2M1FN {
                g.bench_function("minifloat-unpacked", |bch| {
                    bch.iter(|| {
                        for (o, &v) in bytes.iter_mut().zip(black_box(&x)) {
                            *o = minifloat::F4E2M1FN::from_f32(v).to_bits();
                        }
                    })
                });
                g.bench_function("microfloat-unpacked", |bch| {
                    bch.iter(|| {
                        for (o, &v) in bytes.iter_mut().zip(black_box(&x)) {
                            *o = microfloat::f4e2m1fn::from_f32(v).to_bits();
                        }
                    })
                });
            }
            g.finish();
        }
    }
}

/// Every deterministic rounding mode beside nearest-even (issue 14: each within 80% of it),
/// and `encode_slice_scaled` beside `encode_slice` (a power-of-two scale, which multiplies,
/// and another, which divides), in cache on the best backend.
fn mode_benches(c: &mut Criterion) {
    let (size, n) = SIZES[0];
    let x = data(n);
    let modes = [
        ("nearest_even", Rounding::NearestEven),
        ("nearest_away", Rounding::NearestAway),
        ("toward_zero", Rounding::TowardZero),
        ("toward_positive", Rounding::TowardPositive),
        ("toward_negative", Rounding::TowardNegative),
    ];
    for f in [
        ElementFormat::FLOAT8_E4M3FN,
        ElementFormat::FLOAT4_E2M1FN,
        ElementFormat::FLOAT8_E8M0FNU,
        ElementFormat::INT8,
        ElementFormat::INT4,
        ElementFormat::FLOAT16,
        ElementFormat::BFLOAT16,
    ] {
        let mut out = vec![0u8; f.packed_len(n).unwrap()];
        let mut g = group(c, &format!("encode_modes_{f}"), size, n);
        for (name, r) in modes {
            g.bench_function(name, |bch| {
                bch.iter(|| {
                    f.encode_slice(black_box(&x), r, Overflow::Saturate, &mut out)
                        .unwrap()
                })
            });
        }
        g.finish();
    }
    for f in [
        ElementFormat::FLOAT8_E4M3FN,
        ElementFormat::FLOAT4_E2M1FN,
        ElementFormat::INT8,
    ] {
        let mut out = vec![0u8; f.packed_len(n).unwrap()];
        let mut g = group(c, &format!("encode_scaled_{f}"), size, n);
        g.bench_function("encode_slice", |bch| {
            bch.iter(|| {
                f.encode_slice(
                    black_box(&x),
                    Rounding::NearestEven,
                    Overflow::Saturate,
                    &mut out,
                )
                .unwrap()
            })
        });
        for (name, s) in [("scale_pow2", 0.25f32), ("scale_0.37", 0.37)] {
            g.bench_function(name, |bch| {
                bch.iter(|| {
                    f.encode_slice_scaled(
                        black_box(&x),
                        s,
                        Rounding::NearestEven,
                        Overflow::Saturate,
                        &mut out,
                    )
                    .unwrap()
                })
            });
        }
        g.finish();
    }
}

fn half_benches(c: &mut Criterion) {
    for (size, n) in SIZES {
        let x = data(n);
        let fmt = ElementFormat::FLOAT16;
        let mut out = vec![0u8; n * 2];
        let mut g = group(c, "encode_f16", size, n);
        g.bench_function("lowbit", |bch| {
            bch.iter(|| {
                fmt.encode_slice(
                    black_box(&x),
                    Rounding::NearestEven,
                    Overflow::NonFinite,
                    &mut out,
                )
                .unwrap()
            })
        });
        let mut h = vec![half::f16::ZERO; n];
        g.bench_function("half", |bch| {
            bch.iter(|| h.convert_from_f32_slice(black_box(&x)))
        });
        g.finish();
        let mut y = vec![0f32; n];
        let mut g = group(c, "decode_f16", size, n);
        g.bench_function("lowbit", |bch| {
            bch.iter(|| fmt.decode_slice(black_box(&out), &mut y).unwrap())
        });
        g.bench_function("half", |bch| bch.iter(|| h.convert_to_f32_slice(&mut y)));
        g.finish();
    }
}

fn block_benches(c: &mut Criterion) {
    for (size, n) in SIZES {
        let x = data(n);
        let mut y = vec![0f32; n];
        let mut g = group(c, "fake_quant", size, n);
        for (name, bf) in [
            ("mxfp4", BlockFormat::MXFP4),
            ("mxfp8_e4m3", BlockFormat::MXFP8_E4M3),
            ("nvfp4", BlockFormat::NVFP4),
        ] {
            g.bench_function(name, |bch| {
                bch.iter(|| bf.quantize_dequantize(black_box(&x), &mut y).unwrap())
            });
        }
        for (name, bf) in [
            ("int4_g128", BlockFormat::INT4_G128),
            ("fp8_e4m3_row", BlockFormat::FP8_E4M3_CHANNEL),
        ] {
            g.bench_function(name, |bch| {
                bch.iter(|| {
                    bf.quantize_dequantize_rows(black_box(&x), 4096, &mut y)
                        .unwrap()
                })
            });
        }
        g.bench_function("copy-f32", |bch| {
            bch.iter(|| y.copy_from_slice(black_box(&x)))
        });
        g.finish();
    }
}

/// Stored-form quantize (f32 -> codes + scales) and dequantize (back to f32), beside a copy
/// of the same bytes (f32 in, packed codes + scales out, and the reverse).
fn block_store_benches(c: &mut Criterion) {
    for (size, n) in SIZES {
        let x = data(n);
        let mut y = vec![0f32; n];
        for (name, bf) in [
            ("mxfp4", BlockFormat::MXFP4),
            ("mxfp8_e4m3", BlockFormat::MXFP8_E4M3),
            ("nvfp4", BlockFormat::NVFP4),
            ("int4_g128", BlockFormat::INT4_G128),
            ("absmax_nf4_g64", "absmax_nf4_g64".parse().unwrap()),
        ] {
            let (mut codes, mut scales) = (
                vec![0u8; bf.codes_len(n).unwrap()],
                vec![0u8; bf.scales_len(n).unwrap()],
            );
            let mut packed = vec![0u8; codes.len() + scales.len()];
            let mut g = group(c, "block_quantize", size, n);
            g.bench_function(name, |bch| {
                bch.iter(|| bf.quantize(black_box(&x), &mut codes, &mut scales).unwrap())
            });
            let src: &[u8] = bytemuck::cast_slice(&x);
            g.bench_function(format!("copy-same-bytes/{name}"), |bch| {
                bch.iter(|| stream_copy(black_box(src), &mut packed))
            });
            g.finish();
            let t = bf.quantize(&x, &mut codes, &mut scales).unwrap();
            let mut g = group(c, "block_dequantize", size, n);
            g.bench_function(name, |bch| {
                bch.iter(|| {
                    bf.dequantize(black_box(&codes), &scales, t, &mut y)
                        .unwrap()
                })
            });
            let dst: &mut [u8] = bytemuck::cast_slice_mut(&mut y);
            g.bench_function(format!("copy-same-bytes/{name}"), |bch| {
                bch.iter(|| stream_copy(black_box(&packed), dst))
            });
            g.finish();
        }
    }
}

/// Block quantize and dequantize on each backend this CPU has, in cache (the kernels' own
/// speed, without memory traffic): `block_quantize_backends/cache/<format>/<backend>` and
/// `block_dequantize_backends/cache/<format>/<backend>`.
fn block_backend_benches(c: &mut Criterion) {
    let (size, n) = SIZES[0];
    let x = data(n);
    for (name, bf) in [
        ("mxfp4", BlockFormat::MXFP4),
        ("mxfp8_e4m3", BlockFormat::MXFP8_E4M3),
        ("nvfp4", BlockFormat::NVFP4),
    ] {
        let (mut codes, mut scales) = (
            vec![0u8; bf.codes_len(n).unwrap()],
            vec![0u8; bf.scales_len(n).unwrap()],
        );
        let mut g = group(c, "block_quantize_backends", size, n);
        for b in Backend::available() {
            g.bench_function(BenchmarkId::new(name, format!("{b:?}")), |bch| {
                bch.iter(|| {
                    bf.quantize_with(b, black_box(&x), &mut codes, &mut scales)
                        .unwrap()
                })
            });
        }
        g.finish();
        bf.quantize(&x, &mut codes, &mut scales).unwrap();
        let mut y = vec![0f32; n];
        let mut g = group(c, "block_dequantize_backends", size, n);
        for b in Backend::available() {
            g.bench_function(BenchmarkId::new(name, format!("{b:?}")), |bch| {
                bch.iter(|| {
                    bf.dequantize_with(b, black_box(&codes), &scales, 1.0, &mut y)
                        .unwrap()
                })
            });
        }
        g.finish();
    }
}

fn ternary_benches(c: &mut Criterion) {
    use lowbit::ternary::{self, TritLayout};
    for (size, n) in SIZES {
        let q: Vec<i8> = (0..n)
            .map(|i| ((i * 2_654_435_761) >> 7) as i8 % 2)
            .collect();
        let mut packed = vec![0u8; n / 4];
        ternary::pack_trits(&q, TritLayout::TwoBit, &mut packed).unwrap();
        let mut g = group(c, "ternary_unpack_i8", size, n);
        let mut out = vec![0i8; n];
        g.bench_function("lowbit", |bch| {
            bch.iter(|| {
                ternary::unpack_trits(black_box(&packed), TritLayout::TwoBit, &mut out).unwrap()
            })
        });
        let ob: &mut [u8] = bytemuck::cast_slice_mut(&mut out);
        g.bench_function("copy-same-bytes", |bch| {
            bch.iter(|| stream_copy(black_box(&packed), ob))
        });
        g.finish();
        let mut g = group(c, "ternary_decode_f32", size, n);
        let mut out = vec![0f32; n];
        g.bench_function("lowbit", |bch| {
            bch.iter(|| {
                ternary::decode_trits(black_box(&packed), TritLayout::TwoBit, 0.5, &mut out)
                    .unwrap()
            })
        });
        let ob: &mut [u8] = bytemuck::cast_slice_mut(&mut out);
        g.bench_function("copy-same-bytes", |bch| {
            bch.iter(|| stream_copy(black_box(&packed), ob))
        });
        g.finish();
        let a: Vec<i8> = (0..n).map(|i| (i * 31) as i8).collect();
        let mut g = group(c, "ternary_dot_i8", size, n);
        for b in Backend::available() {
            g.bench_function(BenchmarkId::new("lowbit", format!("{b:?}")), |bch| {
                bch.iter(|| {
                    ternary::dot_i8_with(b, black_box(&packed), TritLayout::TwoBit, black_box(&a))
                        .unwrap()
                })
            });
        }
        let both: Vec<u8> = packed
            .iter()
            .copied()
            .chain(a.iter().map(|&v| v as u8))
            .collect();
        let mut sink = vec![0u8; 64];
        g.bench_function("copy-same-bytes", |bch| {
            bch.iter(|| stream_copy(black_box(&both), &mut sink))
        });
        g.finish();
    }
}

/// Codebook encodes, code-to-code transcoding, bitsandbytes' 4-bit dequantizer.
fn codebook_benches(c: &mut Criterion) {
    let r = (Rounding::NearestEven, Overflow::Saturate);
    for (size, n) in SIZES {
        let x: Vec<f32> = data(n).iter().map(|v| v / 120.0).collect();
        for (name, fmt) in [
            ("encode_nf4", ElementFormat::NF4),
            ("encode_bnb_dynamic", ElementFormat::BNB_DYNAMIC),
        ] {
            let mut packed = vec![0u8; fmt.packed_len(n).unwrap()];
            let mut g = group(c, name, size, n);
            for b in Backend::available() {
                if b == Backend::Scalar && size == "dram" {
                    continue;
                }
                g.bench_function(BenchmarkId::new("lowbit", format!("{b:?}")), |bch| {
                    bch.iter(|| {
                        fmt.encode_slice_with(b, black_box(&x), r.0, r.1, &mut packed)
                            .unwrap()
                    })
                });
            }
            let src: &[u8] = bytemuck::cast_slice(&x);
            g.bench_function("copy-same-bytes", |bch| {
                bch.iter(|| stream_copy(black_box(src), &mut packed))
            });
            g.finish();
        }
        let (from, to) = (ElementFormat::FLOAT4_E2M1FN, ElementFormat::FLOAT8_E4M3FN);
        let codes = from.encode_vec(&data(n), r.0, r.1).unwrap();
        let mut out = vec![0u8; n];
        let mut g = group(c, "transcode_e2m1_e4m3", size, n);
        for b in Backend::available() {
            if b == Backend::Scalar && size == "dram" {
                continue;
            }
            g.bench_function(BenchmarkId::new("lowbit", format!("{b:?}")), |bch| {
                bch.iter(|| {
                    from.transcode_slice_with(b, &to, black_box(&codes), n, r.0, r.1, &mut out)
                        .unwrap()
                })
            });
        }
        g.bench_function("copy-same-bytes", |bch| {
            bch.iter(|| stream_copy(black_box(&codes), &mut out))
        });
        g.finish();
        let q = lowbit::bnb::Bnb4bit::NF4;
        let (mut p4, mut am) = (vec![0u8; q.packed_len(n)], vec![0f32; q.absmax_len(n)]);
        q.quantize(&x, &mut p4, &mut am).unwrap();
        let mut y = vec![0f32; n];
        let mut g = group(c, "bnb_dequantize_4bit_nf4", size, n);
        g.bench_function("lowbit", |bch| {
            bch.iter(|| q.dequantize(black_box(&p4), &am, &mut y).unwrap())
        });
        let out_bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut y);
        g.bench_function("copy-same-bytes", |bch| {
            bch.iter(|| stream_copy(black_box(&p4), out_bytes))
        });
        g.finish();
    }
}

/// The scaled formats of issue 14 by rows of 4096 (the layout of a weight matrix): stored
/// quantize and dequantize beside a copy of the same bytes, fake quantization beside an f32
/// copy, and calls of one or a few blocks for the per-call overhead.
const SCALED: [&str; 13] = [
    "mxfp4",
    "mxfp8_e4m3",
    "mxfp6_e3m2",
    "nvfp4",
    "nvfp4_torchao",
    "nvfp4_modelopt",
    "nvfp4_ct",
    "int4_g128",
    "int4_g128_awq",
    "fp8_e4m3_row",
    "fp8_e4m3_t128x128",
    "bitnet_b158",
    "bitnet_a8",
];
const COLS: usize = 4096;

fn scaled_benches(c: &mut Criterion) {
    for (size, n) in SIZES {
        let x = data(n);
        let rows = n / COLS;
        let mut y = vec![0f32; n];
        for name in SCALED {
            let bf: BlockFormat = name.parse().unwrap();
            let (mut codes, mut scales) = (
                vec![0u8; bf.codes_len_rows(rows, COLS).unwrap()],
                vec![0u8; bf.scales_len_rows(rows, COLS).unwrap()],
            );
            let mut packed = vec![0u8; codes.len() + scales.len()];
            let mut g = group(c, "scaled_quantize", size, n);
            g.bench_function(name, |bch| {
                bch.iter(|| {
                    bf.quantize_rows(black_box(&x), COLS, &mut codes, &mut scales)
                        .unwrap()
                })
            });
            let src: &[u8] = bytemuck::cast_slice(&x);
            g.bench_function(format!("copy-same-bytes/{name}"), |bch| {
                bch.iter(|| stream_copy(black_box(src), &mut packed))
            });
            g.finish();
            let t = bf.quantize_rows(&x, COLS, &mut codes, &mut scales).unwrap();
            let mut g = group(c, "scaled_dequantize", size, n);
            g.bench_function(name, |bch| {
                bch.iter(|| {
                    bf.dequantize_rows(black_box(&codes), &scales, t, COLS, &mut y)
                        .unwrap()
                })
            });
            let dst: &mut [u8] = bytemuck::cast_slice_mut(&mut y);
            g.bench_function(format!("copy-same-bytes/{name}"), |bch| {
                bch.iter(|| stream_copy(black_box(&packed), dst))
            });
            g.finish();
            let mut g = group(c, "scaled_fake_quant", size, n);
            g.bench_function(name, |bch| {
                bch.iter(|| {
                    bf.quantize_dequantize_rows(black_box(&x), COLS, &mut y)
                        .unwrap()
                })
            });
            g.finish();
        }
        let mut g = group(c, "scaled_fake_quant", size, n);
        g.bench_function("copy-f32", |bch| {
            bch.iter(|| y.copy_from_slice(black_box(&x)))
        });
        g.finish();
    }
}

/// Many small calls (one row of 256 or 4096 elements each) over the cache-sized input: the
/// per-call setup next to the work.
fn small_call_benches(c: &mut Criterion) {
    let n = SIZES[0].1;
    let x = data(n);
    let mut y = vec![0f32; n];
    for len in [256usize, 4096] {
        for name in ["mxfp4", "nvfp4", "int4_g128", "fp8_e4m3_row"] {
            let bf: BlockFormat = name.parse().unwrap();
            let (cl, sl) = (
                bf.codes_len_rows(1, len).unwrap(),
                bf.scales_len_rows(1, len).unwrap(),
            );
            let (mut codes, mut scales) = (vec![0u8; cl], vec![0u8; sl]);
            let mut g = group(c, &format!("scaled_small_calls_{len}"), "cache", n);
            g.bench_function(format!("quantize/{name}"), |bch| {
                bch.iter(|| {
                    for xc in black_box(&x).chunks(len) {
                        bf.quantize_rows(xc, len, &mut codes, &mut scales).unwrap();
                    }
                })
            });
            g.bench_function(format!("fake_quant/{name}"), |bch| {
                bch.iter(|| {
                    for (xc, yc) in black_box(&x).chunks(len).zip(y.chunks_mut(len)) {
                        bf.quantize_dequantize_rows(xc, len, yc).unwrap();
                    }
                })
            });
            g.finish();
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = decode_benches, encode_benches, mode_benches, half_benches, block_benches, block_store_benches, block_backend_benches, ternary_benches, codebook_benches, scaled_benches, small_call_benches
}
criterion_main!(benches);
