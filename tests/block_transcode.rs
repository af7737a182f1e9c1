//! Transcoding stored tensors between block formats (`BlockFormat::transcode_rows`):
//! ZeroQuant-FP's W4A8 (FP4 and INT4 weights with power-of-two group scales cast to FP8
//! rows: the FP8 tensor dequantizes to exactly the FP4 tensor's values), MXFP4 → NVFP4 in
//! every profile and back, the cases that cannot be exact (reported, not hidden), and every
//! backend giving the same bytes.

mod common;

use common::backends;
use lowbit::{Backend, BlockFormat, Nvfp4Profile};

/// LLM-like rows: N(0, σ²) with σ varying by group, some outliers, zero groups.
fn weights(rows: usize, cols: usize, seed: u64, spread: i32) -> Vec<f32> {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..rows * cols)
        .map(|i| {
            let g = (i % cols) / 32;
            if g % 7 == 3 {
                return 0.0;
            }
            let sigma = 0.02 * 2f64.powi((g as i32 * 5) % (spread + 1) - spread / 2);
            let u = next() * 2.0 - 1.0;
            let out = if next() < 0.01 { 20.0 } else { 1.0 };
            (u * sigma * out) as f32
        })
        .collect()
}

struct Stored {
    codes: Vec<u8>,
    scales: Vec<u8>,
    t: f32,
}

fn quantize(bf: &BlockFormat, x: &[f32], cols: usize) -> Stored {
    let rows = x.len() / cols;
    let mut codes = vec![0u8; bf.codes_len_rows(rows, cols).unwrap()];
    let mut scales = vec![0u8; bf.scales_len_rows(rows, cols).unwrap()];
    let t = bf.quantize_rows(x, cols, &mut codes, &mut scales).unwrap();
    Stored { codes, scales, t }
}

fn values(bf: &BlockFormat, s: &Stored, n: usize, cols: usize) -> Vec<u32> {
    let mut y = vec![0f32; n];
    bf.dequantize_rows(&s.codes, &s.scales, s.t, cols, &mut y)
        .unwrap();
    y.iter()
        .map(|v| if v.is_nan() { 0x7FC0_0000 } else { v.to_bits() })
        .collect()
}

fn transcode(
    from: &BlockFormat,
    to: &BlockFormat,
    s: &Stored,
    rows: usize,
    cols: usize,
    b: Backend,
) -> (Stored, bool) {
    let mut codes = vec![0u8; to.codes_len_rows(rows, cols).unwrap()];
    let mut scales = vec![0u8; to.scales_len_rows(rows, cols).unwrap()];
    let r = from
        .transcode_rows_with(
            b,
            to,
            &s.codes,
            &s.scales,
            s.t,
            cols,
            &mut codes,
            &mut scales,
        )
        .unwrap();
    (
        Stored {
            codes,
            scales,
            t: r.tensor_scale,
        },
        r.exact,
    )
}

#[test]
fn w4a8_fp4_and_int4_with_power_of_two_scales_cast_to_fp8_exactly() {
    // Group scales spread over 2^8 (and ×20 outliers): within E4M3's reach.
    let (rows, cols) = (16, 512);
    let x = weights(rows, cols, 7, 8);
    let a8: BlockFormat = "fp8_e4m3_row_ue8m0".parse().unwrap();
    for w4 in [
        "absmax_float4_e2m1fn_g32_ue8m0",
        "absmax_int4_g32_ue8m0",
        "mxfp4",
        "absmax_float4_e2m1fn_g128_ue8m0",
    ] {
        let w4: BlockFormat = w4.parse().unwrap();
        let s = quantize(&w4, &x, cols);
        let (s8, exact) = transcode(&w4, &a8, &s, rows, cols, Backend::best());
        assert!(exact, "{w4} -> {a8}");
        // The FP8 tensor's values are the FP4 tensor's, bit for bit.
        assert_eq!(
            values(&a8, &s8, x.len(), cols),
            values(&w4, &s, x.len(), cols),
            "{w4}"
        );
    }
    // Without the power-of-two constraint the scales do not fold into FP8 exactly.
    let w4: BlockFormat = "absmax_float4_e2m1fn_g32".parse().unwrap();
    let s = quantize(&w4, &x, cols);
    let (_, exact) = transcode(&w4, &a8, &s, rows, cols, Backend::best());
    assert!(!exact, "f32 group scales are not powers of two");
    // Beyond E4M3's range of binades a group can no longer be exact: reported.
    let wide = weights(rows, cols, 9, 40);
    let w4: BlockFormat = "absmax_float4_e2m1fn_g32_ue8m0".parse().unwrap();
    let s = quantize(&w4, &wide, cols);
    let (_, exact) = transcode(&w4, &a8, &s, rows, cols, Backend::best());
    assert!(!exact, "group scales 2^40 apart");
}

#[test]
fn mxfp4_to_nvfp4_and_back_is_exact_within_e4m3_range() {
    let (rows, cols) = (8, 256);
    let x = weights(rows, cols, 11, 12);
    let mx = BlockFormat::MXFP4;
    let s = quantize(&mx, &x, cols);
    for p in [
        Nvfp4Profile::TransformerEngine,
        Nvfp4Profile::Torchao,
        Nvfp4Profile::ModelOpt,
        Nvfp4Profile::CompressedTensors,
    ] {
        let nv = BlockFormat::nvfp4(p);
        let (sn, exact) = transcode(&mx, &nv, &s, rows, cols, Backend::best());
        assert_eq!(sn.codes, s.codes, "the element codes are kept");
        let (got, want) = (
            values(&nv, &sn, x.len(), cols),
            values(&mx, &s, x.len(), cols),
        );
        if p == Nvfp4Profile::ModelOpt {
            // ModelOpt reads code 8 (−0) as +0: the same numbers, but not the same bits,
            // and the transcoding says so.
            let neg_zero = want.contains(&0x8000_0000);
            assert!(neg_zero, "the test tensor holds a −0 code");
            assert!(!exact, "mxfp4 -> {nv}: −0 becomes +0");
            let num = |v: &[u32]| v.iter().map(|&b| f32::from_bits(b)).collect::<Vec<_>>();
            assert_eq!(num(&got), num(&want));
        } else {
            assert!(exact, "mxfp4 -> {nv}");
            assert_eq!(got, want);
        }
        // And back: the MX FLOOR rule finds the same scales.
        let (sm, exact) = transcode(&nv, &mx, &sn, rows, cols, Backend::best());
        assert!(exact, "{nv} -> mxfp4");
        // (ModelOpt's +0 comes back as code 0 where the source had code 8.)
        let plus_zero = |c: &[u8]| {
            let z = |n: u8| if n == 8 { 0 } else { n };
            c.iter()
                .map(|&b| z(b & 15) | z(b >> 4) << 4)
                .collect::<Vec<_>>()
        };
        let want_codes = if p == Nvfp4Profile::ModelOpt {
            plus_zero(&s.codes)
        } else {
            s.codes.clone()
        };
        assert_eq!(
            (sm.codes.clone(), sm.scales.clone()),
            (want_codes, s.scales.clone())
        );
    }
    // A block 2^30 below the largest: NVFP4's E4M3 scales cannot reach it.
    let mut y = x.clone();
    for v in &mut y[64..96] {
        *v *= 1e-9;
    }
    let s = quantize(&mx, &y, cols);
    let (_, exact) = transcode(&mx, &BlockFormat::NVFP4, &s, rows, cols, Backend::best());
    assert!(!exact);
    // NVFP4 quantized by its own recipe (a tensor scale that is not a power of two) is in
    // general not MX.
    let nv = BlockFormat::NVFP4;
    let sn = quantize(&nv, &x, cols);
    let (_, exact) = transcode(&nv, &mx, &sn, rows, cols, Backend::best());
    assert!(!exact);
}

#[test]
fn every_backend_gives_the_same_bytes() {
    let bs = backends();
    let (rows, cols) = (4, 200);
    let x = weights(rows, cols, 3, 20);
    let pairs = [
        ("absmax_float4_e2m1fn_g32_ue8m0", "fp8_e4m3_row_ue8m0"),
        ("mxfp4", "nvfp4"),
        ("mxfp4_k64", "nvfp4_ct"),
        ("nvfp4", "mxfp4"),
        ("absmax_nf4_g64", "absmax_float8_e4m3fn_g64"),
        ("mxfp8_e4m3", "mxfp4"),
    ];
    for (a, b) in pairs {
        let (fa, fb): (BlockFormat, BlockFormat) = (a.parse().unwrap(), b.parse().unwrap());
        let s = quantize(&fa, &x, cols);
        let (want, we) = transcode(&fa, &fb, &s, rows, cols, Backend::Scalar);
        for &bk in &bs {
            let (got, ge) = transcode(&fa, &fb, &s, rows, cols, bk);
            assert_eq!(
                (got.codes, got.scales, got.t.to_bits(), ge),
                (
                    want.codes.clone(),
                    want.scales.clone(),
                    want.t.to_bits(),
                    we
                ),
                "{a} -> {b} {bk:?}"
            );
        }
    }
}

#[test]
fn wrong_lengths_are_errors() {
    let (mx, nv) = (BlockFormat::MXFP4, BlockFormat::NVFP4);
    let (c, s) = (vec![0u8; 16], vec![0u8; 1]);
    let (mut c2, mut s2) = (vec![0u8; 16], vec![0u8; 2]);
    assert!(
        mx.transcode_rows(&nv, &c, &s, 1.0, 32, &mut c2, &mut s2)
            .is_ok()
    );
    assert!(
        mx.transcode_rows(&nv, &c, &s, 1.0, 32, &mut c2, &mut s2[..1])
            .is_err()
    );
    assert!(
        mx.transcode_rows(&nv, &c[..15], &s, 1.0, 32, &mut c2, &mut s2)
            .is_err()
    );
    assert!(
        mx.transcode_rows(&nv, &c, &s, 1.0, 33, &mut c2, &mut s2)
            .is_err()
    );
    assert!(
        mx.transcode_rows(&nv, &[], &[], 1.0, 0, &mut [], &mut [])
            .is_ok()
    );
}
