//! The float32 arithmetic of PyTorch's CPU kernels on x86-64, which every library profile is
//! written in: one IEEE rounding per operation, NaN results by x86's rule, and the bit-level
//! casts the libraries call. Nothing here is a quantizer; the profiles (`profile.rs`,
//! `nvfp4.rs`, `affine.rs`, `absmax.rs`) compose these in each library's order.
//!
//! Rust's f32 operations give IEEE's results for everything but NaN bits, which the language
//! leaves unspecified; the libraries' stored codes depend on them (torchao turns a NaN's bits
//! into an element code), so every operation that can make a NaN picks its bits here
//! explicitly, as torch's kernels on x86-64 do: a NaN operand is returned quieted (when both
//! operands are NaN, a product gives its broadcast operand's — the scale, held in a register
//! while the other operand streams from memory, and written second here — and a quotient
//! its dividend's, as the recorded runs show), an invalid operation (`0/0`, `∞/∞`, `0·∞`, `∞−∞`) gives the default NaN
//! `0xFFC00000`, and a full-tensor `torch.max` of a tensor holding NaN gives the all-ones
//! NaN `0xFFFFFFFF` of ATen's vectorized `maximum` ([`TENSOR_MAX_NAN`]). The results are the
//! same on every platform this crate runs on.

/// x86's default NaN, the result of an invalid operation.
pub(crate) const DEFAULT_NAN: f32 = f32::from_bits(0xFFC0_0000);

#[inline(always)]
fn quiet(a: f32) -> f32 {
    f32::from_bits(a.to_bits() | 0x0040_0000)
}

/// What a full-tensor `torch.max` (ATen's vectorized `maximum`: `max | isnan`) returns for
/// a tensor holding NaN.
pub(crate) const TENSOR_MAX_NAN: f32 = f32::from_bits(0xFFFF_FFFF);

/// `r = a op b` with x86's NaN: a NaN operand's quieted bits (`a`'s if both are NaN), else
/// the default NaN.
#[inline(always)]
fn nan_rule(a: f32, b: f32, r: f32) -> f32 {
    if !r.is_nan() {
        r
    } else if a.is_nan() {
        quiet(a)
    } else if b.is_nan() {
        quiet(b)
    } else {
        DEFAULT_NAN
    }
}

/// `a · b` (torch `mul`; `b` is the broadcast operand: its NaN if both are NaN).
#[inline(always)]
pub(crate) fn mul(a: f32, b: f32) -> f32 {
    nan_rule(b, a, a * b)
}

/// `a / b` (torch `div`; also `reciprocal` as `div(1, b)`: Python's `c / t` is
/// `t.reciprocal() * c`).
#[inline(always)]
pub(crate) fn div(a: f32, b: f32) -> f32 {
    nan_rule(a, b, a / b)
}

/// `a + b`.
#[inline(always)]
pub(crate) fn add(a: f32, b: f32) -> f32 {
    nan_rule(a, b, a + b)
}

/// `a − b`.
#[inline(always)]
pub(crate) fn sub(a: f32, b: f32) -> f32 {
    nan_rule(a, b, a - b)
}

/// `torch.clamp(v, lo, hi)`: NaN passes unchanged, a value equal to a bound (±0 included)
/// stays itself.
#[inline(always)]
pub(crate) fn clamp(v: f32, lo: f32, hi: f32) -> f32 {
    if v < lo {
        lo
    } else if v > hi {
        hi
    } else {
        v
    }
}

/// `torch.abs`: clears the sign bit (of NaN too).
#[inline(always)]
pub(crate) fn abs(v: f32) -> f32 {
    f32::from_bits(v.to_bits() & 0x7FFF_FFFF)
}

/// `torch.log2` on f32, as its result near integers decides the libraries' power-of-two
/// scales: the correctly rounded binary32 logarithm (torch's CPU kernels are within an ulp
/// of it, and equal to it on every recorded input). `log2(0) = −∞`, negative → NaN.
pub(crate) fn log2(v: f32) -> f32 {
    if v.is_nan() {
        return quiet(v);
    }
    if v == 0.0 {
        return f32::NEG_INFINITY;
    }
    if v < 0.0 {
        return DEFAULT_NAN;
    }
    if v == f32::INFINITY {
        return v;
    }
    let bits = v.to_bits();
    // A power of two has an exact logarithm.
    let (e, frac) = if bits >> 23 == 0 {
        // A subnormal: bits · 2^-149, its leading one at bit 31 − lz.
        let lz = bits.leading_zeros() as i32;
        (-118 - lz, bits & !(1u32 << (31 - lz)))
    } else {
        ((bits >> 23) as i32 - 127, bits & 0x7F_FFFF)
    };
    if frac == 0 {
        return e as f32;
    }
    // Otherwise the f64 logarithm (error far below half an f32 ulp) rounded once.
    log2_f64(
        e,
        f32::from_bits(0x3F80_0000 | frac << (23 - mant_width(bits))),
    ) as f32
}

/// The mantissa bits below a value's leading one (23 for normals; fewer for subnormals, whose
/// fraction `frac` was taken below the leading one).
fn mant_width(bits: u32) -> u32 {
    if bits >> 23 == 0 {
        31 - bits.leading_zeros()
    } else {
        23
    }
}

/// `e + log2(m)` in f64 for `m` in [1, 2), without libm (the crate is `no_std`): the
/// `atanh` series of `ln m` about 1 (after halving `m` above √2), 12 terms for
/// `|s| ≤ 0.172`, each one `s²` ≤ 0.03 smaller: a relative error near f64's epsilon.
fn log2_f64(e: i32, m: f32) -> f64 {
    let (mut e, mut m) = (e as f64, m as f64);
    if m > core::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1.0;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    for k in 0..12 {
        sum += term / (2 * k + 1) as f64;
        term *= s2;
    }
    e + 2.0 * sum / core::f64::consts::LN_2
}

/// `v` rounded toward zero to an integer (|v| < 2^23; larger values, ±∞ and NaN are
/// integers already or stay themselves), the sign of a zero result kept.
#[inline(always)]
fn trunc(v: f32) -> f32 {
    if v.abs() < 8_388_608.0 {
        f32::from_bits((v as i32 as f32).to_bits() | v.to_bits() & 0x8000_0000)
    } else {
        v
    }
}

/// `torch.ceil`, NaN kept.
#[inline(always)]
pub(crate) fn ceil(v: f32) -> f32 {
    let t = trunc(v);
    if t < v { t + 1.0 } else { t }
}

/// `torch.floor`, NaN kept.
#[inline(always)]
pub(crate) fn floor(v: f32) -> f32 {
    let t = trunc(v);
    if t > v { t - 1.0 } else { t }
}

/// `torch.exp2` / `2.0 ** v` of an integer-valued f32 (or ±∞, NaN): `2^v`, exact.
pub(crate) fn exp2_int(v: f32) -> f32 {
    if v.is_nan() {
        return quiet(v);
    }
    if v >= 128.0 {
        return f32::INFINITY;
    }
    if v < -149.0 {
        return 0.0;
    }
    crate::element::convert::pow2_f64(v as i32) as f32
}

/// `torch.round` on f32: half to even.
#[inline(always)]
pub(crate) fn round(v: f32) -> f32 {
    if v.is_nan() || v.abs() >= 8_388_608.0 {
        return v;
    }
    // |v| + 2^23 has an ulp of 1: the addition rounds |v| to an integer, half to even.
    let r = (v.abs() + 8_388_608.0) - 8_388_608.0;
    f32::from_bits(r.to_bits() | v.to_bits() & 0x8000_0000)
}

/// A float → integer cast (`.to(torch.int32/int8/uint8)`): x86's `cvttss2si` truncates,
/// and gives `0x80000000` for NaN and out-of-range values; narrower types keep the low bits.
#[inline(always)]
pub(crate) fn to_i32(v: f32) -> i32 {
    if v.is_nan() || !(-2_147_483_648.0..2_147_483_648.0).contains(&v) {
        i32::MIN
    } else {
        v as i32
    }
}

/// `x.to(torch.float8_e4m3fn)` (torch 2.15): round to nearest even, finite overflow and ±∞
/// saturate to ±448, NaN → `0x7F` with the NaN's sign.
pub(crate) fn to_e4m3(v: f32) -> u8 {
    to_fp8(v, crate::element::ElementFormat::FLOAT8_E4M3FN, 0x7F)
}

/// `x.to(torch.float8_e5m2)`: round to nearest even, overflow → ±∞, NaN → `0x7F` with the
/// NaN's sign. (Every library clamps to ±57344 before this cast.)
pub(crate) fn to_e5m2(v: f32) -> u8 {
    to_fp8(v, crate::element::ElementFormat::FLOAT8_E5M2, 0x7F)
}

fn to_fp8(v: f32, f: crate::element::ElementFormat, nan: u8) -> u8 {
    use crate::element::Format;
    use crate::round::{Overflow, Rounding};
    if v.is_nan() {
        return nan | ((v.to_bits() >> 24) as u8 & 0x80);
    }
    let o = if f == crate::element::ElementFormat::FLOAT8_E4M3FN {
        Overflow::Saturate
    } else {
        Overflow::NonFinite
    };
    f.encode(v, Rounding::NearestEven, o) as u8
}

/// The f32 torch decodes an E4M3FN byte to: exact, and the NaN codes `0x7F`/`0xFF` as
/// `sign | 0x7FE00000` (c10's bit conversion keeps the mantissa bits).
pub(crate) fn e4m3_value(code: u8) -> f32 {
    use crate::element::Format;
    if code & 0x7F == 0x7F {
        return f32::from_bits((code as u32 & 0x80) << 24 | 0x7FE0_0000);
    }
    crate::element::ElementFormat::FLOAT8_E4M3FN.decode(code as u32)
}

/// torchao's `_f32_to_floatx_unpacked(x, ebits, mbits)` (`prototype/custom_fp_utils.py`):
/// round to nearest even by integer arithmetic on the f32 bits, saturating at the format's
/// largest normal, the sign bit copied from the input (so `−0` and small negatives give the
/// negative-zero code). A NaN takes the "normal" branch, whose integer arithmetic on its bits
/// gives a code that depends on the payload (x86-64: `0x7FC00000` → E2M1 code 3).
pub(crate) fn floatx_code(x: f32, ebits: u32, mbits: u32) -> u8 {
    let exp_bias = (1i32 << (ebits - 1)) - 1;
    let max_int = (1u32 << (ebits + mbits)) - 1;
    let sign_mask = 1u32 << (ebits + mbits);
    let magic_adder = (1i32 << (23 - mbits - 1)) - 1;
    let emax = (1i32 << ebits) - 1 - exp_bias;
    let max_normal = crate::element::convert::pow2_f64(emax) * ((1u64 << (mbits + 1)) - 1) as f64
        / (1u64 << mbits) as f64;
    let min_normal = crate::element::convert::pow2_f64(1 - exp_bias);
    let denorm_exp = (127 - exp_bias) + (23 - mbits as i32) + 1;
    let denorm_mask_int = denorm_exp << 23;
    let denorm_mask_float = f32::from_bits(denorm_mask_int as u32);
    let bits = x.to_bits();
    let sign = bits & 0x8000_0000;
    let a = f32::from_bits(bits ^ sign);
    let code = if a as f64 >= max_normal {
        max_int
    } else if (a as f64) < min_normal {
        // x + magic, as int32, − magic: the subnormal codes, rounded by the f32 addition.
        ((a + denorm_mask_float).to_bits() as i32).wrapping_sub(denorm_mask_int) as u32 & 0xFF
    } else {
        let n = (bits ^ sign) as i32;
        let mant_odd = (n >> (23 - mbits)) & 1;
        let val_to_add = ((exp_bias - 127) << 23).wrapping_add(magic_adder);
        let n = n.wrapping_add(val_to_add).wrapping_add(mant_odd);
        (n >> (23 - mbits)) as u32 & 0xFF
    };
    // `sign >> (31 − ebits − mbits)` on an int32 is arithmetic; the mask keeps the sign bit.
    let sign_lp = ((sign as i32) >> (31 - ebits - mbits)) as u32 & sign_mask;
    (code | sign_lp) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::{ElementFormat, Format};
    use crate::round::{Overflow, Rounding};

    /// On every f32 that is not NaN, torchao's bit trick is round-to-nearest-even with
    /// saturation (checked on a dense sample against the crate's conversion routine).
    #[test]
    fn floatx_code_is_saturating_nearest_even_off_nan() {
        for (f, e, m) in [
            (ElementFormat::FLOAT4_E2M1FN, 2, 1),
            (ElementFormat::FLOAT6_E2M3FN, 2, 3),
            (ElementFormat::FLOAT6_E3M2FN, 3, 2),
        ] {
            let mut bits = 0u32;
            while bits < 0x7F80_0001 {
                for s in [0, 0x8000_0000] {
                    let x = f32::from_bits(bits | s);
                    let want = f.encode(x, Rounding::NearestEven, Overflow::Saturate) as u8;
                    assert_eq!(floatx_code(x, e, m), want, "{f} {x:e}");
                }
                bits += 0x1F3 + (bits >> 9);
            }
        }
        // x86-64's quiet NaN gives E2M1 code 3 (torchao on CPU).
        assert_eq!(floatx_code(f32::from_bits(0x7FC0_0000), 2, 1), 3);
        assert_eq!(floatx_code(f32::from_bits(0xFFFF_FFFF), 2, 1), 12);
    }

    /// The libm-free logarithm equals the correctly rounded f32 one (libm's f64 log2
    /// rounded once) over every binade, densely near powers of two, and the integer
    /// roundings equal std's.
    #[cfg(feature = "std")]
    #[test]
    fn log2_and_roundings_equal_std() {
        let mut bits = 1u32;
        while bits < 0x7F80_0000 {
            for d in 0..40u32 {
                let v = f32::from_bits((bits & !0x7F_FFFF) + d).max(f32::from_bits(bits));
                let want = (v as f64).log2() as f32;
                assert_eq!(log2(v).to_bits(), want.to_bits(), "{v:e}");
                let w = f32::from_bits(v.to_bits() - d.min(v.to_bits() - 1));
                assert_eq!(
                    log2(w).to_bits(),
                    ((w as f64).log2() as f32).to_bits(),
                    "{w:e}"
                );
            }
            bits += 0x7_1234 + (bits >> 7);
        }
        for v in [
            -2.5f32, -1.5, -0.5, 0.5, 1.5, 2.5, 3.7, -3.7, 1e7, -4194304.5, 4194305.5, 0.0, -0.0,
        ] {
            assert_eq!(ceil(v).to_bits(), v.ceil().to_bits(), "{v}");
            assert_eq!(floor(v).to_bits(), v.floor().to_bits(), "{v}");
            assert_eq!(round(v).to_bits(), v.round_ties_even().to_bits(), "{v}");
        }
    }

    #[test]
    fn log2_is_exact_at_powers_of_two_and_rounded_between() {
        assert_eq!(log2(8.0), 3.0);
        assert_eq!(log2(f32::from_bits(1)), -149.0);
        assert_eq!(log2(f32::from_bits(0x0040_0000)), -127.0);
        // 6·2^10·(1 + 2^-23): log2 = 12.58..., and 2^10·(1 + 2^-23) has log2 within half an
        // ulp of 10, so it rounds to 10 in f32.
        assert_eq!(log2(f32::from_bits(0x4480_0001)), 10.0);
        assert_eq!(log2(0.0), f32::NEG_INFINITY);
        assert!(log2(-1.0).is_nan());
    }
}
