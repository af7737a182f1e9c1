//! Every bulk operation on every backend this CPU has equals [`Backend::Scalar`] (the
//! definition) bit for bit, over seeds × lengths × start offsets × input types: scaled
//! formats' quantize, dequantize and fake quantization (MX with every rule, NVFP4 with every
//! profile, group-wise INT, FP8 absmax scales, BitNet, and the library profiles of MX, INT
//! and FP8), 1-D and by rows, and the ternary kernels. Element slices have their own sweeps (`bulk.rs`, `spec_space.rs`).
//!
//! `common::backends` fails if a backend the CPU lists is missing from the run.

mod common;

use common::backends;
use half::{bf16, f16};
use lowbit::ternary::{self, TritLayout};
use lowbit::{Backend, BlockFormat, MxScaleRule, Nvfp4Profile, Real32};

const LENS: [usize; 22] = [
    0, 1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 256, 257, 511, 512, 513, 1031,
];
const OFFSETS: [usize; 4] = [0, 1, 3, 7];

/// Values over many binades with outliers, ties of the element grids, zeros, runs of zero
/// blocks, and (for `special`) NaN and ±∞.
fn data(seed: u64, n: usize, special: bool) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    (0..n)
        .map(|i| {
            let r = next();
            let u = (r >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            match (i / 32 % 9, r % 23) {
                (4, _) => 0.0,
                (_, 0) if special => [f32::NAN, f32::INFINITY, -f32::INFINITY][i % 3],
                (_, 1) => (u * 4000.0) as f32,
                (_, 2) => ((u * 16.0).round() / 4.0 + 0.125) as f32,
                (_, 3) => -0.0,
                (_, 4) => (u * 1e-38) as f32,
                _ => (u * 2f64.powi((r >> 40) as i32 % 30 - 15)) as f32,
            }
        })
        .collect()
}

/// Bits for comparison, every NaN as one pattern (NaN payloads of fake-quantized values are
/// not part of the contract; stored bytes are compared exactly).
fn bits(v: &[f32]) -> Vec<u32> {
    v.iter()
        .map(|x| if x.is_nan() { 0x7FC0_0000 } else { x.to_bits() })
        .collect()
}

fn formats() -> Vec<BlockFormat> {
    let mut v: Vec<BlockFormat> = BlockFormat::NAMED.iter().map(|(_, b)| *b).collect();
    for rule in [MxScaleRule::Ceil, MxScaleRule::Even, MxScaleRule::RCeil] {
        v.push(BlockFormat::MXFP6_E3M2.with_scale_rule(rule).unwrap());
    }
    for n in [7, 16, 33, 100] {
        v.push(BlockFormat::MXFP4.with_block_len(n).unwrap());
        v.push(BlockFormat::MXFP8_E5M2.with_block_len(n).unwrap());
    }
    for p in [
        Nvfp4Profile::TransformerEngine,
        Nvfp4Profile::Torchao,
        Nvfp4Profile::ModelOpt,
        Nvfp4Profile::CompressedTensors,
    ] {
        v.push(BlockFormat::nvfp4(p).with_tensor_scale(false).unwrap());
    }
    for name in [
        "mxfp4_rz",
        "mxfp8_e4m3_rup",
        "mxfp6_e2m3_sr9",
        "nvfp4_rna",
        "int4_g128",
        "int4_g32_awq",
        "int3_g7_sym_bf16",
        "int8_g16_f32",
        "int2_g1",
        "int5_row",
        "fp8_e4m3_tensor",
        "fp8_e4m3_row",
        "fp8_e5m2_t3x5_ue8m0",
        "fp8_e4m3_t1x128",
        "fp8_e4m3_g32_f16",
        "fp8_e4m3_row_rz",
        "absmax_int8_row",
        "absmax_int4_g16",
        "absmax_float8_e4m3fnuz_row",
        "absmax_float4_e2m1fn_g32_ue8m0",
        "absmax_float6_e3m2fn_row",
        "absmax_p3109_k8p3se_g16",
        "absmax_nf4_g64",
        "absmax_bnb_fp4_g16_f16",
        "absmax_iq4_nl_g32_ue8m0",
        "absmax_bnb_dynamic_row",
        "bitnet_b158_g64",
        "bitnet_a8_tensor",
        // Library profiles (tests/profile_vectors.rs holds them to the libraries).
        "mxfp4_torchao",
        "mxfp4_rceil_torchao",
        "mxfp8_e4m3_ceil_torchao",
        "mxfp8_e5m2_even_torchao",
        "mxfp6_e2m3_rceil_torchao15",
        "mxfp6_e3m2_torchao",
        "mxfp4_even_torchao14",
        "mxfp4_torchao14_k7",
        "mxfp8_e4m3_rceil_torchao_k33",
        "mxfp4_torchao_rz",
        "mxfp4_modelopt",
        "mxfp8_e4m3_modelopt",
        "mxfp4_ct",
        "mxfp6_e2m3_ct",
        "mxfp6_e3m2_ct",
        "mxfp8_e4m3_ct",
        "mxfp8_e4m3_ct_sr3",
        "nvfp4_torchao15_single",
        "nvfp4_torchao14_single",
        "nvfp4_modelopt_rz",
        "int4_g128_autoawq",
        "int4_g32_ct",
        "int4_g32_sym_ct",
        "int4_g128_ct_bf16",
        "int4_g32_sym_ct_bf16",
        "int3_g7_ct_f16",
        "int8_g16_sym_ct",
        "fp8_e4m3_tensor_modelopt",
        "fp8_e4m3_row_ct",
        "fp8_e4m3_t3x5_ct_bf16",
        "fp8_e4m3_row_ct_f16",
        "fp8_e4m3_t128x128_ue8m0_transformers",
        "fp8_e4m3_t1x32_transformers",
        "fp8_e4m3_g16_transformers_rz",
    ] {
        v.push(name.parse().unwrap_or_else(|e| panic!("{name}: {e}")));
    }
    v
}

/// The stored form, the dequantized values and the fake-quantized values of `x` (rows of
/// `cols`) on backend `b`.
fn run<T: Real32 + Default + Into<f32>>(
    bf: &BlockFormat,
    b: Backend,
    x: &[T],
    cols: usize,
) -> (Vec<u8>, Vec<u8>, u32, Vec<u32>, Vec<u32>) {
    let rows = x.len().checked_div(cols).unwrap_or(0);
    let mut codes = vec![0u8; bf.codes_len_rows(rows, cols).unwrap()];
    let mut scales = vec![0u8; bf.scales_len_rows(rows, cols).unwrap()];
    let t = bf
        .quantize_rows_with(b, x, cols, &mut codes, &mut scales)
        .unwrap();
    let mut y = vec![T::default(); x.len()];
    bf.dequantize_rows_with(b, &codes, &scales, t, cols, &mut y)
        .unwrap();
    let mut z = vec![T::default(); x.len()];
    bf.quantize_dequantize_rows_with(b, x, cols, &mut z)
        .unwrap();
    let f32s = |v: &[T]| v.iter().map(|&s| s.into()).collect::<Vec<f32>>();
    (codes, scales, t.to_bits(), bits(&f32s(&y)), bits(&f32s(&z)))
}

/// The sweep: for every format, seed, length and offset (1-D) and a few row widths (2-D),
/// every backend's three results equal the definition's.
fn sweep<T: Real32 + Default + Into<f32>>(conv: fn(f32) -> T) {
    let bs = backends();
    for bf in formats() {
        for seed in 0..2u64 {
            let x: Vec<T> = data(seed + 1, 1100, seed == 1)
                .into_iter()
                .map(conv)
                .collect();
            for &len in &LENS {
                for &off in &OFFSETS {
                    let xs = &x[off..off + len];
                    let want = run(&bf, Backend::Scalar, xs, len);
                    for &b in &bs {
                        assert!(
                            run(&bf, b, xs, len) == want,
                            "{bf} {b:?} seed {seed} len {len} offset {off}"
                        );
                    }
                }
            }
            for (rows, cols) in [(3, 100), (4, 256), (2, 33), (5, 1), (130, 7)] {
                let xs = &x[..rows * cols];
                let want = run(&bf, Backend::Scalar, xs, cols);
                for &b in &bs {
                    assert!(
                        run(&bf, b, xs, cols) == want,
                        "{bf} {b:?} seed {seed} {rows}x{cols}"
                    );
                }
            }
        }
    }
}

#[test]
fn scaled_formats_f32_every_backend_equals_the_definition() {
    sweep(|v| v);
}

#[test]
fn scaled_formats_f16_and_bf16_every_backend_equals_the_definition() {
    sweep(f16::from_f32);
    sweep(bf16::from_f32);
}

#[test]
fn shards_every_backend_equals_the_definition() {
    let x = data(9, 640, true);
    for bf in [
        BlockFormat::NVFP4,
        BlockFormat::nvfp4(Nvfp4Profile::ModelOpt),
        BlockFormat::nvfp4(Nvfp4Profile::Torchao),
        BlockFormat::nvfp4(Nvfp4Profile::Torchao15),
        BlockFormat::nvfp4(Nvfp4Profile::CompressedTensors),
        BlockFormat::FP8_E4M3_TENSOR,
        "fp8_e4m3_tensor_modelopt".parse().unwrap(),
        "fp8_e4m3_tensor_ct_bf16".parse().unwrap(),
        "fp8_e4m3_tensor_transformers".parse().unwrap(),
    ] {
        for amax in [0.0f32, 1e-30, 3.0, 448.0, 1e30, f32::INFINITY, f32::NAN] {
            let mut want = vec![0f32; x.len()];
            bf.quantize_dequantize_shard(&x, amax, &mut want).unwrap();
            let (mut c, mut s) = (
                vec![0u8; bf.codes_len(x.len()).unwrap()],
                vec![0u8; bf.scales_len(x.len()).unwrap()],
            );
            let t = bf.quantize_shard(&x, amax, &mut c, &mut s).unwrap();
            let mut y = vec![0f32; x.len()];
            bf.dequantize(&c, &s, t, &mut y).unwrap();
            assert_eq!(bits(&y), bits(&want), "{bf} amax {amax}");
        }
    }
}

#[test]
fn ternary_kernels_every_backend_equals_the_definition() {
    let bs = backends();
    let q: Vec<i8> = (0..2000u32)
        .map(|i| ((i.wrapping_mul(2654435761) >> 13) % 3) as i8 - 1)
        .collect();
    let a: Vec<i8> = (0..2000u32)
        .map(|i| (i.wrapping_mul(40503) >> 3) as i8)
        .collect();
    for &len in &LENS {
        for &off in &OFFSETS {
            let qs = &q[off..off + len];
            let mut p = vec![0u8; TritLayout::TwoBit.packed_len(len).unwrap()];
            ternary::pack_trits(qs, TritLayout::TwoBit, &mut p).unwrap();
            let want = ternary::dot_i8_with(Backend::Scalar, &p, TritLayout::TwoBit, &a[..len]);
            let mut wq = vec![0i8; len];
            ternary::unpack_trits_with(Backend::Scalar, &p, TritLayout::TwoBit, &mut wq).unwrap();
            assert_eq!(wq, qs);
            let mut wd = vec![half::bf16::ZERO; len];
            ternary::decode_trits_with(Backend::Scalar, &p, TritLayout::TwoBit, 0.37, &mut wd)
                .unwrap();
            assert!(
                wd.iter()
                    .zip(qs)
                    .all(|(w, &t)| w.to_f32() == half::bf16::from_f32(t as f32 * 0.37).to_f32())
            );
            for &b in &bs {
                let got = ternary::dot_i8_with(b, &p, TritLayout::TwoBit, &a[..len]);
                assert_eq!(got, want, "{b:?} dot len {len}");
                let mut gq = vec![0i8; len];
                ternary::unpack_trits_with(b, &p, TritLayout::TwoBit, &mut gq).unwrap();
                assert_eq!(gq, wq, "{b:?} unpack len {len}");
                let mut w = vec![half::bf16::ZERO; len];
                ternary::decode_trits_with(b, &p, TritLayout::TwoBit, 0.37, &mut w).unwrap();
                let bits = |v: &[half::bf16]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&w), bits(&wd), "{b:?} decode len {len}");
            }
        }
    }
}
