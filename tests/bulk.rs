//! Bulk codecs: every available backend equals the scalar definition bit for bit on all
//! lengths 0..=300 and start offsets 0..64; packing is exact for every width.

use lowbit::pack::{self, Layout, PackedSlice, PackedVec};
use lowbit::{Backend, ElementFormat, Format, Overflow, Rounding};
use proptest::prelude::*;

mod common;
use common::backends;

/// Inputs that hit every branch: specials, thresholds of common formats, f32 subnormals,
/// and pseudo-random values over many binades.
fn inputs(n: usize) -> Vec<f32> {
    let mut v = vec![
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
        f32::MAX,
        -f32::MAX,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        -f32::from_bits(0x0040_0001),
        448.0,
        464.0,
        465.0,
        480.0,
        57344.0,
        61440.0,
        6.0,
        5.0,
        7.0,
        0.25,
        0.75,
        -0.25,
        2f32.powi(-127),
        1.5 * 2f32.powi(-127),
        2f32.powi(-10),
        3.0 * 2f32.powi(-11),
        1.0625,
        1.1875,
        30.0,
        240.0,
        248.0,
        15.5,
        15.75,
        28.0,
        30.0,
        7.5,
        7.75,
        65504.0,
        65520.0,
    ];
    // Halves and their f32 neighbours, where integer rounding modes part: −0.49999997
    // takes 0 in every nearest mode, though `1 + x` rounds to ½ (a fuzz find).
    for h in [0.5f32, 1.5, 2.5, 127.5, -0.5, -1.5, -2.5, -128.5] {
        v.extend([
            h,
            f32::from_bits(h.to_bits() - 1),
            f32::from_bits(h.to_bits() + 1),
        ]);
    }
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    while v.len() < n {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let e = (s >> 40) as i32 % 60 - 35;
        let m = 1.0 + (s >> 11 & 0xFFFF) as f32 / 65536.0;
        let x = m * 2f32.powi(e);
        v.push(if s & 1 == 0 { x } else { -x });
        if s.is_multiple_of(7) {
            v.push(f32::from_bits(s as u32));
        }
    }
    v.truncate(n);
    v
}

fn modes() -> [Rounding; 6] {
    [
        Rounding::NearestEven,
        Rounding::NearestAway,
        Rounding::TowardZero,
        Rounding::TowardPositive,
        Rounding::TowardNegative,
        Rounding::Stochastic(77),
    ]
}

/// The scalar definition, element by element (with the documented per-element draws).
fn reference(f: &ElementFormat, x: &[f32], r: Rounding, o: Overflow) -> Vec<u8> {
    let codes: Vec<u16> = x
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let r = match r {
                Rounding::Stochastic(s) => {
                    Rounding::Stochastic(lowbit::stochastic_bits(s, i as u64))
                }
                r => r,
            };
            f.encode(v, r, o) as u16
        })
        .collect();
    let mut out = vec![0u8; f.packed_len(x.len()).unwrap()];
    pack::pack(&codes, f.bits(), Layout::Dense, &mut out).unwrap();
    out
}

fn check_encode(f: &ElementFormat, b: Backend, x: &[f32], r: Rounding, o: Overflow) {
    let want = reference(f, x, r, o);
    let mut got = vec![0u8; want.len()];
    f.encode_slice_with(b, x, r, o, &mut got).unwrap();
    assert_eq!(got, want, "{f} {b:?} {r:?} {o:?} len {}", x.len());
}

#[test]
fn every_backend_equals_scalar_on_every_length_and_offset() {
    let bs = backends();
    let data = inputs(400);
    for f in [
        ElementFormat::FLOAT8_E4M3FN,
        ElementFormat::FLOAT4_E2M1FN,
        ElementFormat::FLOAT8_E8M0FNU,
    ] {
        for &b in &bs {
            for off in 0..64 {
                for len in 0..=300 {
                    check_encode(
                        &f,
                        b,
                        &data[off..off + len],
                        Rounding::NearestEven,
                        Overflow::NonFinite,
                    );
                }
            }
        }
    }
}

#[test]
fn every_backend_equals_scalar_for_every_format_mode_and_policy() {
    let bs = backends();
    let data = inputs(2000);
    let lens = [
        0usize, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 300, 1100,
    ];
    for (_, f, _) in ElementFormat::NAMED {
        for r in modes() {
            for o in [Overflow::NonFinite, Overflow::Saturate] {
                for &b in &bs {
                    for off in [0usize, 1, 3, 7, 31, 63] {
                        for &len in &lens {
                            check_encode(f, b, &data[off..off + len], r, o);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn every_backend_decodes_like_scalar() {
    let bs = backends();
    let bytes: Vec<u8> = (0..4000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for (_, f, _) in ElementFormat::NAMED {
        for len in (0..=300).chain([1024, 1500]) {
            let nbytes = f.packed_len(len).unwrap();
            for off in [0usize, 1, 5, 63] {
                let src = &bytes[off..off + nbytes];
                let mut codes = vec![0u16; len];
                pack::unpack(src, f.bits(), Layout::Dense, &mut codes).unwrap();
                let want: Vec<u32> = codes
                    .iter()
                    .map(|&c| f.decode(c as u32).to_bits())
                    .collect();
                for &b in &bs {
                    let mut out = vec![0f32; len];
                    f.decode_slice_with(b, src, &mut out).unwrap();
                    let got: Vec<u32> = out.iter().map(|v| v.to_bits()).collect();
                    assert_eq!(got, want, "{f} {b:?} len {len}");
                }
            }
        }
    }
}

#[test]
fn f64_f16_bf16_and_scaled_slices_match_scalar() {
    let x = inputs(777);
    for (_, f, _) in ElementFormat::NAMED {
        let n = f.packed_len(x.len()).unwrap();
        let r = Rounding::NearestEven;
        let o = Overflow::NonFinite;
        let x64: Vec<f64> = x
            .iter()
            .map(|&v| v as f64 * (1.0 + 2f64.powi(-40)))
            .collect();
        let mut got = vec![0u8; n];
        f.encode_slice(&x64, r, o, &mut got).unwrap();
        let codes: Vec<u16> = x64.iter().map(|&v| f.encode_f64(v, r, o) as u16).collect();
        let mut want = vec![0u8; n];
        pack::pack(&codes, f.bits(), Layout::Dense, &mut want).unwrap();
        assert_eq!(got, want, "{f} f64");

        let xh: Vec<half::f16> = x.iter().map(|&v| half::f16::from_f32(v)).collect();
        f.encode_slice(&xh, r, o, &mut got).unwrap();
        let want = reference(f, &xh.iter().map(|v| v.to_f32()).collect::<Vec<_>>(), r, o);
        assert_eq!(got, want, "{f} f16");

        let xb: Vec<half::bf16> = x.iter().map(|&v| half::bf16::from_f32(v)).collect();
        f.encode_slice(&xb, r, o, &mut got).unwrap();
        let want = reference(f, &xb.iter().map(|v| v.to_f32()).collect::<Vec<_>>(), r, o);
        assert_eq!(got, want, "{f} bf16");

        // Scaled: the encode of the exact quotient x / 4 (in f64; in f32 it could underflow);
        // every NaN is stored as the format's one stored NaN code.
        f.encode_slice_scaled(&x, 4.0, r, o, &mut got).unwrap();
        let codes: Vec<u16> = x
            .iter()
            .map(|&v| match v.is_nan() {
                true => f.stored_nan() as u16,
                false => f.encode_f64(v as f64 / 4.0, r, o) as u16,
            })
            .collect();
        let mut want = vec![0u8; n];
        pack::pack(&codes, f.bits(), Layout::Dense, &mut want).unwrap();
        assert!(got == want, "{f} scaled");
        let mut back = vec![0f32; x.len()];
        f.decode_slice_scaled(&got, 4.0, &mut back).unwrap();
        let mut plain = vec![0f32; x.len()];
        f.decode_slice(&got, &mut plain).unwrap();
        for (a, b) in back.iter().zip(&plain) {
            assert!(a.to_bits() == (b * 4.0).to_bits() || (a.is_nan() && b.is_nan()));
        }
        let mut h = vec![half::f16::ZERO; x.len()];
        f.decode_slice(&got, &mut h).unwrap();
        let mut g = vec![half::bf16::ZERO; x.len()];
        f.decode_slice(&got, &mut g).unwrap();
        for i in 0..x.len() {
            let v = plain[i];
            assert!(h[i].to_bits() == half::f16::from_f32(v).to_bits() || v.is_nan());
            assert!(g[i].to_bits() == half::bf16::from_f32(v).to_bits() || v.is_nan());
        }
    }
}

#[test]
fn slice_length_errors_not_panics() {
    let f = ElementFormat::FLOAT4_E2M1FN;
    let r = (Rounding::NearestEven, Overflow::NonFinite);
    assert!(f.encode_slice(&[1.0; 3], r.0, r.1, &mut [0u8; 1]).is_err());
    assert!(f.encode_slice(&[1.0; 3], r.0, r.1, &mut [0u8; 3]).is_err());
    assert!(f.decode_slice(&[0u8; 1], &mut [0f32; 3]).is_err());
    assert!(f.decode_slice(&[], &mut [0f32; 0]).is_ok());
    assert_eq!(f.encode_vec(&[1.0, 2.0, 3.0], r.0, r.1).unwrap().len(), 2);
    assert!(f.decode_vec(&[0u8; 2], 5).is_err());
    let missing = if cfg!(target_arch = "x86_64") {
        Backend::Neon
    } else {
        Backend::Avx2
    };
    assert!(
        f.encode_slice_with(missing, &[1.0], r.0, r.1, &mut [0u8; 1])
            .is_err()
    );
}

#[test]
fn packing_is_exact_for_every_width_on_every_byte_value() {
    for bits in (1..=8).chain([16]) {
        // Every byte value in every position of a 3-byte buffer (covers codes that straddle).
        for b in 0..=255u8 {
            for pos in 0..3 {
                let mut bytes = vec![0u8; 3 * bits as usize];
                bytes[pos] = b;
                let n = bytes.len() * 8 / bits as usize;
                let mut codes = vec![0u16; n];
                pack::unpack(&bytes, bits, Layout::Dense, &mut codes).unwrap();
                // Independent reading of the little-endian bit stream.
                for (i, &c) in codes.iter().enumerate() {
                    let mut want = 0u16;
                    for k in 0..bits as usize {
                        let bit = i * bits as usize + k;
                        want |= (((bytes[bit / 8] >> (bit % 8)) & 1) as u16) << k;
                    }
                    assert_eq!(c, want, "bits {bits} byte {b:#x} pos {pos} code {i}");
                }
                let mut again = vec![0u8; bytes.len()];
                pack::pack(&codes, bits, Layout::Dense, &mut again).unwrap();
                assert_eq!(again, bytes);
                let view = PackedSlice::new(&bytes, bits, Layout::Dense, n).unwrap();
                assert!(view.iter().map(|c| c as u16).eq(codes.iter().copied()));
                assert_eq!(view.get(n), None);
            }
        }
    }
}

#[test]
fn split_half_is_ggufs_order() {
    let codes: Vec<u8> = (0..64u32).map(|i| (i * 7 % 16) as u8).collect();
    let mut out = [0u8; 32];
    pack::pack(&codes, 4, Layout::SplitHalf, &mut out).unwrap();
    for g in 0..2 {
        for j in 0..16 {
            assert_eq!(
                out[g * 16 + j],
                codes[g * 32 + j] | codes[g * 32 + j + 16] << 4
            );
        }
    }
    let mut back = [0u8; 64];
    pack::unpack(&out, 4, Layout::SplitHalf, &mut back).unwrap();
    assert_eq!(&back[..], &codes[..]);
    let view = PackedSlice::new(&out, 4, Layout::SplitHalf, 64).unwrap();
    assert!(view.iter().map(|c| c as u8).eq(codes.iter().copied()));
    assert!(pack::pack(&codes[..40], 4, Layout::SplitHalf, &mut [0u8; 20]).is_err());
    assert!(pack::pack(&[16u8], 4, Layout::Dense, &mut [0u8; 1]).is_err());
    assert!(pack::pack(&[1u8], 9, Layout::Dense, &mut [0u8; 2]).is_err());
    assert!(pack::pack(&[1u8; 32], 3, Layout::SplitHalf, &mut [0u8; 12]).is_err());
}

proptest! {
    #[test]
    fn pack_round_trips(bits in prop_oneof![1u32..=8, Just(16)], seed in any::<u64>(), len in 0usize..500) {
        let mask = ((1u32 << bits) - 1) as u16;
        let codes: Vec<u16> = (0..len as u64).map(|i| (lowbit::stochastic_bits(seed as u32, i) as u16) & mask).collect();
        let v = PackedVec::from_codes(&codes, bits, Layout::Dense).unwrap();
        prop_assert_eq!(v.as_slice().len(), len);
        let mut back = vec![0u16; len];
        pack::unpack(v.as_slice().as_bytes(), bits, Layout::Dense, &mut back).unwrap();
        prop_assert_eq!(&back, &codes);
        let bytes = v.clone().into_bytes();
        prop_assert_eq!(PackedVec::from_bytes(bytes, bits, Layout::Dense, len).unwrap(), v);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn backends_agree_on_random_inputs(
        bits in proptest::collection::vec(any::<u32>(), 0..200),
        fi in 0usize..33,
        ri in 0usize..6,
        sat in any::<bool>(),
        seed in any::<u32>(),
    ) {
        let f = &ElementFormat::NAMED[fi % ElementFormat::NAMED.len()].1;
        let x: Vec<f32> = bits.iter().map(|&b| f32::from_bits(b)).collect();
        let r = match modes()[ri] { Rounding::Stochastic(_) => Rounding::Stochastic(seed), r => r };
        let o = if sat { Overflow::Saturate } else { Overflow::NonFinite };
        let want = reference(f, &x, r, o);
        for b in Backend::available() {
            let mut got = vec![0u8; want.len()];
            f.encode_slice_with(b, &x, r, o, &mut got).unwrap();
            prop_assert_eq!(&got, &want, "{} {:?}", f, b);
            let mut back = vec![0f32; x.len()];
            f.decode_slice_with(b, &got, &mut back).unwrap();
            let mut back_scalar = vec![0f32; x.len()];
            f.decode_slice_with(Backend::Scalar, &got, &mut back_scalar).unwrap();
            prop_assert!(back.iter().zip(&back_scalar).all(|(a, c)| a.to_bits() == c.to_bits()));
        }
    }
}

/// float16 and bfloat16 on every backend against the scalar definition: every one of the
/// 65,536 codes decoded, and every f32 that is a code's value, its neighbours, and the
/// midpoints between consecutive values (ties) encoded, NaNs and infinities included.
#[test]
fn every_backend_converts_halves_like_scalar() {
    for f in [ElementFormat::FLOAT16, ElementFormat::BFLOAT16] {
        let codes: Vec<u8> = (0..=u16::MAX).flat_map(|c| c.to_le_bytes()).collect();
        let mut want = vec![0f32; 1 << 16];
        f.decode_slice_with(Backend::Scalar, &codes, &mut want)
            .unwrap();
        let mut x: Vec<f32> = Vec::new();
        for c in 0..=u16::MAX as u32 {
            let v = f.decode(c);
            let next = f.decode((c + 1) & 0xFFFF);
            x.extend([
                v,
                f32::from_bits(v.to_bits().wrapping_add(1)),
                f32::from_bits(v.to_bits().wrapping_sub(1)),
            ]);
            if v.is_finite() && next.is_finite() {
                x.push(((v as f64 + next as f64) / 2.0) as f32);
            }
        }
        for o in [Overflow::NonFinite, Overflow::Saturate] {
            let mut enc_want = vec![0u8; x.len() * 2];
            f.encode_slice_with(Backend::Scalar, &x, Rounding::NearestEven, o, &mut enc_want)
                .unwrap();
            for b in backends() {
                let mut got = vec![0f32; 1 << 16];
                f.decode_slice_with(b, &codes, &mut got).unwrap();
                for (c, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert_eq!(g.to_bits(), w.to_bits(), "{f} {b:?} decode code {c:#06x}");
                }
                let mut enc = vec![0u8; x.len() * 2];
                f.encode_slice_with(b, &x, Rounding::NearestEven, o, &mut enc)
                    .unwrap();
                for i in 0..x.len() {
                    assert_eq!(
                        enc[2 * i..2 * i + 2],
                        enc_want[2 * i..2 * i + 2],
                        "{f} {b:?} {o:?} encode {:e}",
                        x[i]
                    );
                }
                // Unaligned output and input (odd byte offsets) take the bounce-buffer paths.
                let mut buf = vec![0u8; x.len() * 2 + 1];
                f.encode_slice_with(b, &x, Rounding::NearestEven, o, &mut buf[1..])
                    .unwrap();
                assert_eq!(&buf[1..], &enc_want[..], "{f} {b:?} {o:?} unaligned encode");
                let mut shifted = vec![0u8; codes.len() + 1];
                shifted[1..].copy_from_slice(&codes);
                f.decode_slice_with(b, &shifted[1..], &mut got).unwrap();
                assert!(
                    got.iter()
                        .zip(&want)
                        .all(|(g, w)| g.to_bits() == w.to_bits()),
                    "{f} {b:?} unaligned decode"
                );
            }
        }
    }
}

/// `encode_slice_scaled` on every backend and input type equals the definition: the f64
/// quotient `x / scale` encoded once (NaN stored as the format's stored NaN), for scales that
/// are powers of two, inexact, negative, tiny (quotients overflow f32), huge (quotients
/// underflow into f32's subnormals), zero and non-finite.
#[test]
fn scaled_encode_every_backend_equals_the_definition() {
    let bs = backends();
    let x = inputs(700);
    let scales = [
        4.0f32,
        0.1,
        3.0,
        -0.37,
        1e-30,
        1e30,
        2f32.powi(-140),
        7e-45,
        // Powers of two (the format's grid moved instead of a quotient), up to both ends
        // of f32's normal range, and a negative one.
        0.5,
        2f32.powi(-126),
        2f32.powi(-100),
        2f32.powi(20),
        2f32.powi(100),
        2f32.powi(127),
        -4.0,
        0.0,
        f32::INFINITY,
        f32::NAN,
    ];
    for (_, f, _) in ElementFormat::NAMED {
        for &s in &scales {
            for r in modes() {
                for o in [Overflow::NonFinite, Overflow::Saturate] {
                    for len in [0usize, 1, 5, 511, 512, 513, 700] {
                        let xs = &x[..len];
                        let x64: Vec<f64> = xs.iter().map(|&v| v as f64).collect();
                        let w = scaled_definition(f, &x64, s, r, o);
                        let xh: Vec<half::bf16> =
                            xs.iter().map(|&v| half::bf16::from_f32(v)).collect();
                        let xh64: Vec<f64> = xh.iter().map(|v| v.to_f64()).collect();
                        let wh = scaled_definition(f, &xh64, s, r, o);
                        for &b in &bs {
                            let mut got = vec![0u8; w.len()];
                            f.encode_slice_scaled_with(b, xs, s, r, o, &mut got)
                                .unwrap();
                            assert_eq!(got, w, "{f} {b:?} scale {s:e} {r:?} {o:?} len {len}");
                            f.encode_slice_scaled_with(b, &x64, s, r, o, &mut got)
                                .unwrap();
                            assert_eq!(got, w, "{f} {b:?} f64 scale {s:e} {r:?} {o:?} len {len}");
                            f.encode_slice_scaled_with(b, &xh, s, r, o, &mut got)
                                .unwrap();
                            assert_eq!(got, wh, "{f} {b:?} bf16 scale {s:e} {r:?} {o:?}");
                        }
                    }
                }
            }
        }
    }
}

/// The definition of `encode_slice_scaled`: each exact quotient `x / s` encoded once (the
/// stochastic draw of element `i` from the slice's seed), packed densely.
fn scaled_definition(f: &ElementFormat, xs: &[f64], s: f32, r: Rounding, o: Overflow) -> Vec<u8> {
    let codes: Vec<u16> = xs
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let q = v / s as f64;
            let r = match r {
                Rounding::Stochastic(seed) => {
                    Rounding::Stochastic(lowbit::stochastic_bits(seed, i as u64))
                }
                r => r,
            };
            if q.is_nan() {
                f.stored_nan() as u16
            } else {
                f.encode_f64(q, r, o) as u16
            }
        })
        .collect();
    let mut out = vec![0u8; f.packed_len(xs.len()).unwrap()];
    pack::pack(&codes, f.bits(), Layout::Dense, &mut out).unwrap();
    out
}

/// `encode_slice_scaled` where the exact quotient `x / s` lies on or within a few f32 ulps of
/// a rounding boundary (every code value and every midpoint of neighbouring codes, times the
/// scale, rounded to f32, and its neighbours): the kernels that multiply by `1/s` must hand
/// such lanes to the exact quotient. Every named format, integers included, every mode.
#[test]
fn scaled_encode_near_boundaries_every_backend_equals_the_definition() {
    let bs = backends();
    // The scales in [1, 2) whose f32 reciprocals are furthest above and below 1/s
    // (relative): products by them are furthest from the quotient, up to 1.5 ulps, on
    // either side.
    let furthest = |sign: f64| {
        (0..1u32 << 20)
            .map(|k| 1.0 + k as f32 / (1u32 << 20) as f32)
            .max_by(|a, b| {
                let e = |s: f32| sign * ((1.0 / s) as f64 * s as f64 - 1.0);
                e(*a).partial_cmp(&e(*b)).unwrap()
            })
            .unwrap()
    };
    let (up, down) = (furthest(1.0), furthest(-1.0));
    for (_, f, _) in ElementFormat::NAMED {
        let mut vals: Vec<f64> = f
            .codes()
            .map(|c| f.decode_f64(c))
            .filter(|v| v.is_finite())
            .collect();
        vals.sort_by(|a, b| a.partial_cmp(b).unwrap());
        vals.dedup();
        let mut bounds = vals.clone();
        bounds.extend(vals.windows(2).map(|w| (w[0] + w[1]) / 2.0));
        if let Some(&last) = vals.last() {
            bounds.push(last * 1.5);
        }
        // At most about 600 boundaries per format (the 16-bit ones are sampled).
        let step = bounds.len().div_ceil(600);
        for s in [
            0.37f32,
            0.1,
            3.0,
            -0.37,
            1.7e-3,
            1234.5,
            up,
            -up / 1024.0,
            down,
            down * 64.0,
            // Powers of two: integers multiply by them too (the float formats move their
            // grid instead).
            0.25,
            -8.0,
        ] {
            let mut x = Vec::new();
            for &b in bounds.iter().step_by(step) {
                let a = (b * s as f64) as f32;
                for d in -2i32..=2 {
                    let v = f32::from_bits(a.to_bits().wrapping_add_signed(d));
                    x.extend([v, -v]);
                }
            }
            let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
            for r in modes() {
                if r.is_stochastic() {
                    continue;
                }
                for o in [Overflow::NonFinite, Overflow::Saturate] {
                    let want = scaled_definition(f, &x64, s, r, o);
                    for &b in &bs {
                        let mut got = vec![0u8; want.len()];
                        f.encode_slice_scaled_with(b, &x, s, r, o, &mut got)
                            .unwrap();
                        assert!(got == want, "{f} {b:?} scale {s:e} {r:?} {o:?}");
                        // One element per call too: a kernel decides per call whether to
                        // redo it exactly, and in the call above most calls hold a lane
                        // that is redone anyway. (Formats of at most 8 bits: the 16-bit
                        // ones' boundaries are sampled.)
                        if f.bits() > 8 {
                            continue;
                        }
                        for (&v, &v64) in x.iter().zip(&x64) {
                            let w = scaled_definition(f, &[v64], s, r, o);
                            let mut one = vec![0u8; w.len()];
                            f.encode_slice_scaled_with(b, &[v], s, r, o, &mut one)
                                .unwrap();
                            assert!(
                                one == w,
                                "{f} {b:?} {v:e} / {s:e} {r:?} {o:?}: {one:x?}, want {w:x?}"
                            );
                        }
                    }
                }
            }
        }
    }
}
