//! ggml's FP4 block arithmetic: the MXFP4 scale byte from `log2f`, element choice by argmin,
//! and the UE4M3 sub-block scales of NVFP4, reproduced from ggml-quants.c.

use crate::element::{ElementFormat, Format};
use crate::round::{Overflow, Rounding};

/// E2M1 magnitudes, the order of codes 0..=7.
const E2M1_MAG: [f32; 8] = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0];

/// ggml's `best_index_mxfp4(x, d/2)` with its doubled table: the code whose value `d·e2m1`
/// has the smallest f32 error `|d·e2m1 − x|`, the lowest code on ties (codes 0..=7 are
/// +0..+6, 8..=15 are −0..−6, so +0 wins over −0 and the smaller magnitude wins a tie).
pub(super) fn argmin_e2m1(x: f32, d: f32) -> u8 {
    let mut best = (0u8, (0.0f32 * d - x).abs());
    for c in 1..16u8 {
        let v = E2M1_MAG[c as usize & 7] * d;
        let v = if c >= 8 { -v } else { v };
        let err = (v - x).abs();
        if err < best.1 {
            best = (c, err);
        }
    }
    best.0
}

/// ggml's MXFP4 scale byte `floor(log2f(amax)) − 2 + 127` (0 for amax = 0), with `log2f`
/// correctly rounded to f32: for amax = m·2^e (1 ≤ m < 2), `fl(e + log2 m)` reaches e + 1
/// when log2 m is within half the gap below e + 1 of it. Clamped to 0..=254.
pub(super) fn ggml_mxfp4_scale(xb: &[f32]) -> u8 {
    let amax = xb
        .iter()
        .fold(0f32, |m, v| if v.abs() > m { v.abs() } else { m });
    if amax <= 0.0 || !amax.is_finite() {
        return if amax > 0.0 { 254 } else { 0 };
    }
    let (_, class) = crate::element::convert::split_f32(amax);
    let crate::element::convert::Class::Finite(m) = class else {
        return 0;
    };
    let e = m.exp;
    // Half the gap between T = e + 1 and the f32 next below it.
    let t = (e + 1) as f32;
    let below = if t > 0.0 {
        f32::from_bits(t.to_bits() - 1)
    } else if t < 0.0 {
        f32::from_bits(t.to_bits() + 1)
    } else {
        -f32::from_bits(1)
    };
    let delta = (t as f64 - below as f64) / 2.0;
    // m >= 2^(1 − delta) = 2·exp2(−delta), by its series (delta <= 2^-17 here, so three
    // terms are exact far beyond f32's 2^-23 grid of m).
    let z = delta * core::f64::consts::LN_2;
    let threshold = 2.0 * (1.0 - z + z * z / 2.0 - z * z * z / 6.0);
    let mant = f64::from_bits(0x3FF0_0000_0000_0000 | (m.sig << 1 >> 12));
    let fl = e + (t != 0.0 && mant >= threshold) as i32;
    (fl - 2 + 127).clamp(0, 254) as u8
}

/// ggml's `ggml_ue4m3_to_fp32` without its ×0.5 (which pairs with its doubled E2M1 table):
/// bit 7 ignored, exponent bias 7, subnormals `m·2^−9`, 0 and 0x7F read as 0.
pub(super) fn ggml_ue4m3_to_f32(b: u8) -> f32 {
    if b == 0 || b == 0x7F {
        return 0.0;
    }
    let (e, m) = ((b >> 3) & 15, (b & 7) as f32);
    if e == 0 {
        m * (1.0 / 512.0)
    } else {
        (1.0 + m / 8.0) * crate::element::convert::pow2_f64(e as i32 - 7) as f32
    }
}

/// ggml's `ggml_fp32_to_ue4m3`: clamp to [0, 448]; subnormals `min(trunc(x·512 + 0.5), 7)`;
/// normals round the mantissa half up on the 4th bit; exponents from 15 up give 0x7E (448).
fn ggml_f32_to_ue4m3(x: f32) -> u8 {
    let x = x.clamp(0.0, 448.0);
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    let bits = x.to_bits();
    let exp = ((bits >> 23) & 0xFF) as i32 - 127 + 7;
    if exp <= 0 {
        return ((x * 512.0 + 0.5) as i32).clamp(0, 7) as u8;
    }
    if exp >= 15 {
        return 0x7E;
    }
    let mut man = ((bits >> 20) & 7) + ((bits >> 19) & 1);
    let mut exp = exp as u32;
    if man > 7 {
        man = 0;
        exp += 1;
    }
    if exp >= 15 {
        0x7E
    } else {
        (exp << 3 | man) as u8
    }
}

/// One GGUF NVFP4 block of 64 elements (four sub-blocks of 16).
pub(super) fn nvfp4_block(profile: super::GgufProfile, xb: &[f32], ob: &mut [u8]) {
    let (e4m3, e2m1) = (ElementFormat::FLOAT8_E4M3FN, ElementFormat::FLOAT4_E2M1FN);
    for (s, xs) in xb.chunks_exact(16).enumerate() {
        let amax = xs
            .iter()
            .fold(0f32, |m, v| if m < v.abs() { v.abs() } else { m });
        let mut q = [0u8; 16];
        let sb = match profile {
            super::GgufProfile::Ggml => {
                let sb = ggml_f32_to_ue4m3(amax / 6.0f32);
                let d = ggml_ue4m3_to_f32(sb);
                for (c, &v) in q.iter_mut().zip(xs) {
                    *c = argmin_e2m1(v, d);
                }
                sb
            }
            super::GgufProfile::Exact => {
                // amax/6 and x/d rounded once each: the f64 quotients of f32 operands cannot
                // fall exactly on an E4M3 or E2M1 midpoint unless they are exact.
                let sb =
                    e4m3.encode_f64(amax as f64 / 6.0, Rounding::NearestEven, Overflow::Saturate)
                        as u8
                        & 0x7F;
                let d = ggml_ue4m3_to_f32(sb) as f64;
                if d > 0.0 {
                    for (c, &v) in q.iter_mut().zip(xs) {
                        *c = e2m1.encode_f64(
                            v as f64 / d,
                            Rounding::NearestEven,
                            Overflow::Saturate,
                        ) as u8;
                    }
                }
                sb
            }
        };
        ob[s] = sb;
        for j in 0..8 {
            ob[4 + 8 * s + j] = q[j] | q[j + 8] << 4;
        }
    }
}
