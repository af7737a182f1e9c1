//! Every NaN a scaled format stores is one documented code per format, whatever produced it
//! (a NaN input of either sign, ∞/∞, a NaN scale), on every CPU, build profile, input type and
//! backend: the positive canonical NaN (E4M3FN 0x7F, E5M2 0x7E, E8M0 0xFF); an f32 scale or
//! tensor scale that is NaN is stored as 0x7FC00000. A block whose scale is NaN stores element
//! codes 0. The expected bytes below are these documented codes, so the same test run on
//! aarch64 and s390x (under qemu in `.ci/run`) shows the bytes equal x86's.
//!
//! Library profiles (`nvfp4_torchao`, `nvfp4_modelopt`, `nvfp4_ct`, …) store the bytes their
//! library stores on x86-64 instead, NaN scale bytes with the NaN's sign (`0/0` is negative:
//! 0xFF) and NaN-derived element codes; they are the same on every CPU and for every input
//! type too (the crate computes those NaN bits itself), which the NVFP4 loop below checks.

use half::{bf16, f16};
use lowbit::{Backend, BlockFormat, ElementFormat, Nvfp4Profile, Overflow, Region, Rounding};

const E4M3_NAN: u8 = 0x7F;
const E5M2_NAN: u8 = 0x7E;
const F32_NAN: u32 = 0x7FC0_0000;

/// NaNs of both signs and payloads, and infinities whose quotient is NaN.
fn nan_inputs() -> Vec<Vec<f32>> {
    let nans = [
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7F80_0001),
        f32::from_bits(0xFFC0_1234),
    ];
    let mut v: Vec<Vec<f32>> = nans.iter().map(|&n| vec![1.0, n, -2.0, 0.5]).collect();
    v.push(vec![f32::INFINITY, f32::NEG_INFINITY, 1.0, 3.0]);
    v
}

#[test]
fn fp8_scaling_stores_one_nan_code() {
    for (elem, nan) in [
        (ElementFormat::FLOAT8_E4M3FN, E4M3_NAN),
        (ElementFormat::FLOAT8_E5M2, E5M2_NAN),
    ] {
        for g in [
            Region::Tensor,
            Region::Row,
            Region::Tile { rows: 1, cols: 2 },
        ] {
            let sc =
                lowbit::BlockFormat::new(elem, g, BlockFormat::FP8_E4M3_TENSOR.scheme()).unwrap();
            for x in nan_inputs() {
                let mut codes = [0u8; 4];
                let mut scales = vec![0u8; sc.scales_len_rows(1, 4).unwrap()];
                sc.quantize_rows(&x, 4, &mut codes, &mut scales).unwrap();
                for (c, v) in codes.iter().zip(&x) {
                    // NaN inputs, and ∞ elements divided by an ∞ scale.
                    if v.is_nan() || v.is_infinite() {
                        assert_eq!(*c, nan, "{elem} {g:?} {x:?} -> {codes:x?}");
                    }
                }
                for s in scales.chunks_exact(4) {
                    let s = f32::from_le_bytes(s.try_into().unwrap());
                    if s.is_nan() {
                        assert_eq!(s.to_bits(), F32_NAN, "{elem} {g:?} {x:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn block_formats_store_one_nan_code_for_every_input_type() {
    for bf in [
        BlockFormat::MXFP8_E4M3,
        BlockFormat::MXFP8_E5M2,
        BlockFormat::MXFP4,
        BlockFormat::MXINT8,
        BlockFormat::MXFP4.with_rounding(Rounding::TowardZero),
    ] {
        for x in nan_inputs() {
            let n = x.len();
            let want_codes = vec![0u8; bf.codes_len(n).unwrap()];
            let mut codes = want_codes.clone();
            let mut scales = [0u8; 1];
            bf.quantize(&x, &mut codes, &mut scales).unwrap();
            assert_eq!((scales[0], &codes), (0xFF, &want_codes), "{bf} {x:?}");
            let h: Vec<f16> = x.iter().map(|&v| f16::from_f32(v)).collect();
            bf.quantize(&h, &mut codes, &mut scales).unwrap();
            assert_eq!((scales[0], &codes), (0xFF, &want_codes), "{bf} f16 {x:?}");
            let b: Vec<bf16> = x.iter().map(|&v| bf16::from_f32(v)).collect();
            bf.quantize(&b, &mut codes, &mut scales).unwrap();
            assert_eq!((scales[0], &codes), (0xFF, &want_codes), "{bf} bf16 {x:?}");
        }
    }
    for p in [
        Nvfp4Profile::TransformerEngine,
        Nvfp4Profile::Torchao,
        Nvfp4Profile::ModelOpt,
        Nvfp4Profile::CompressedTensors,
    ] {
        for two_level in [true, false] {
            let bf = BlockFormat::nvfp4(p).with_tensor_scale(two_level).unwrap();
            for x in nan_inputs() {
                let x: Vec<f32> = x.iter().cycle().take(16).copied().collect();
                let (mut c32, mut s32) = ([0u8; 8], [0u8; 1]);
                let t32 = bf.quantize(&x, &mut c32, &mut s32).unwrap();
                let h: Vec<f16> = x.iter().map(|&v| f16::from_f32(v)).collect();
                let (mut c16, mut s16) = ([0u8; 8], [0u8; 1]);
                let t16 = bf.quantize(&h, &mut c16, &mut s16).unwrap();
                assert_eq!((c32, s32), (c16, s16), "{bf} f32 vs f16 {x:?}");
                assert_eq!(t32.to_bits(), t16.to_bits(), "{bf} {x:?}");
                // Only TransformerEngine (the default) stores the canonical NaN code: the
                // libraries' bytes keep the NaN's sign (tests/profile_vectors.rs).
                if s32[0] & 0x7F == 0x7F && p == Nvfp4Profile::TransformerEngine {
                    assert_eq!(s32[0], E4M3_NAN, "{bf} {x:?}");
                }
                if t32.is_nan() {
                    assert_eq!(t32.to_bits(), F32_NAN, "{bf} {x:?}");
                }
            }
        }
    }
}

#[test]
fn scaled_slices_store_one_nan_code() {
    let f = ElementFormat::FLOAT8_E4M3FN;
    let x = [f32::INFINITY, -f32::INFINITY, f32::NAN, -f32::NAN];
    let mut out = [0u8; 4];
    // ∞ / ∞ is NaN: the hardware's default NaN differs in sign between CPUs.
    f.encode_slice_scaled(
        &x,
        f32::INFINITY,
        Rounding::NearestEven,
        Overflow::NonFinite,
        &mut out,
    )
    .unwrap();
    assert_eq!(out, [E4M3_NAN; 4]);
}

#[test]
fn every_backend_stores_the_same_nan_bytes() {
    // The element kernels keep an input NaN's sign (it is the input's, not the CPU's).
    let f = ElementFormat::FLOAT8_E4M3FN;
    let x = [f32::NAN, -f32::NAN, f32::from_bits(0xFFC0_1234), 1.0];
    for b in Backend::available() {
        let mut out = [0u8; 4];
        f.encode_slice_with(b, &x, Rounding::NearestEven, Overflow::Saturate, &mut out)
            .unwrap();
        assert_eq!(out, [0x7F, 0xFF, 0xFF, 0x38], "{b:?}");
    }
}
