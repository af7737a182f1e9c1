//! Primitives shared by the ggml block types: x86 float semantics, ggml's fp16 conversions,
//! `nearest_int`, the C `MAX`/`MIN` macros, the float -> int conversions GCC emits, glibc's
//! `roundf`/`lroundf`/`log2f` as far as ggml depends on them, E8M0/UE4M3 and the two
//! nearest-code searches.
//!
//! Everything here is `no_std` and allocation free. Rule references are to the notes on
//! llama.cpp commit 0c1e57098 (`ggml-quants.c`, `ggml-impl.h`); no code is copied.

use core::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// The x86 SSE "default NaN" an invalid operation on non-NaN operands returns (sign set).
pub(crate) const DEFAULT_NAN: u32 = 0xffc0_0000;

/// An `f32` whose arithmetic gives the bits ggml's compiled C gives, NaN bits included.
///
/// ggml-quants.c is compiled for plain x86-64 (SSE, no FMA, no reassociation), so every
/// `a op b` of the C is one correctly rounded binary32 operation. IEEE fixes every result but
/// a NaN's sign and payload; SSE's rules are: one NaN operand -> that NaN, quieted; two NaN
/// operands -> the first (left) one, quieted; an invalid operation (0·inf, inf−inf, 0/0,
/// inf/inf) -> [`DEFAULT_NAN`]. `F` applies those rules explicitly, so the bits do not depend
/// on the host CPU, on operand order chosen by the compiler or on constant folding.
/// Unary minus flips the sign bit (GCC compiles it as an xor), also of a NaN.
///
/// Comparisons are IEEE's (`ucomiss`: false with a NaN, −0 = +0), computed on the bit
/// patterns: LLVM may turn a float `a < b ? a : b` into a min instruction, and aarch64's
/// `fminnm` turns a signaling NaN into a quiet one where the C keeps the other operand (seen
/// in a release build for aarch64 on `nan_one_per_block`, ggml_vectors tensor 49).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub(crate) struct F(pub(crate) f32);

impl F {
    /// The IEEE order of a non-NaN pattern as an integer (−0 and +0 both 0); `None` for NaN.
    #[inline(always)]
    fn order_key(self) -> Option<i32> {
        let b = self.0.to_bits();
        let mag = (b & 0x7fff_ffff) as i32;
        if mag > 0x7f80_0000 {
            None
        } else if b >> 31 == 1 {
            Some(-mag)
        } else {
            Some(mag)
        }
    }
}

impl PartialOrd for F {
    #[inline(always)]
    fn partial_cmp(&self, other: &F) -> Option<core::cmp::Ordering> {
        Some(self.order_key()?.cmp(&other.order_key()?))
    }
}

impl F {
    pub(crate) const ZERO: F = F(0.0);

    /// `(float)i` in C: round to nearest even (exact below 2^24).
    #[inline]
    pub(crate) fn int(i: i32) -> F {
        F(i as f32)
    }

    #[inline]
    pub(crate) fn bits(self) -> u32 {
        self.0.to_bits()
    }

    #[inline]
    pub(crate) fn from_bits(b: u32) -> F {
        F(f32::from_bits(b))
    }

    #[inline]
    pub(crate) fn is_nan(self) -> bool {
        self.0.is_nan()
    }

    /// C's truth value of a float (`if (d)`, `d ? a : b`): false for ±0 only (NaN is true).
    #[inline]
    pub(crate) fn truthy(self) -> bool {
        self.0 != 0.0 || self.0.is_nan()
    }
}

/// The NaN an SSE arithmetic instruction returns when its exact result is NaN.
#[cold]
fn sse_nan(a: f32, b: f32) -> F {
    if a.is_nan() {
        F::from_bits(a.to_bits() | 0x0040_0000)
    } else if b.is_nan() {
        F::from_bits(b.to_bits() | 0x0040_0000)
    } else {
        F::from_bits(DEFAULT_NAN)
    }
}

macro_rules! sse_op {
    ($tr:ident, $m:ident, $op:tt) => {
        impl $tr for F {
            type Output = F;
            #[inline]
            fn $m(self, rhs: F) -> F {
                let r = self.0 $op rhs.0;
                if r.is_nan() { sse_nan(self.0, rhs.0) } else { F(r) }
            }
        }
        impl $tr<f32> for F {
            type Output = F;
            #[inline]
            fn $m(self, rhs: f32) -> F {
                self $op F(rhs)
            }
        }
        impl $tr<F> for f32 {
            type Output = F;
            #[inline]
            fn $m(self, rhs: F) -> F {
                F(self) $op rhs
            }
        }
    };
}

macro_rules! sse_assign {
    ($tr:ident, $m:ident, $op:tt) => {
        impl $tr for F {
            #[inline]
            fn $m(&mut self, rhs: F) {
                *self = *self $op rhs;
            }
        }
    };
}

sse_op!(Add, add, +);
sse_op!(Sub, sub, -);
sse_op!(Mul, mul, *);
sse_op!(Div, div, /);
sse_assign!(AddAssign, add_assign, +);
sse_assign!(SubAssign, sub_assign, -);
sse_assign!(MulAssign, mul_assign, *);

impl Neg for F {
    type Output = F;
    #[inline]
    fn neg(self) -> F {
        F::from_bits(self.bits() ^ 0x8000_0000)
    }
}

/// `fabsf` (clears the sign bit, NaN included).
#[inline]
pub(crate) fn fabs(x: F) -> F {
    F::from_bits(x.bits() & 0x7fff_ffff)
}

/// The largest `fabsf(v)` by ggml's `if (amax < fabsf(v)) amax = fabsf(v)` from 0 (a NaN is
/// never taken), compared on the magnitudes' bit patterns, which order like the magnitudes.
/// Written as a float compare-and-select fold, LLVM may form a `maxnum` from it (AArch64
/// `fmaxnm`), whose result for a signaling NaN operand is NaN.
#[inline]
pub(crate) fn amax_skip_nan(x: &[f32]) -> F {
    let mut a = 0u32;
    for &v in x {
        let b = v.to_bits() & 0x7fff_ffff;
        if b <= 0x7f80_0000 && a < b {
            a = b;
        }
    }
    F::from_bits(a)
}

/// ggml-impl.h `MAX(a, b) = a > b ? a : b`: with a NaN operand the comparison is false and the
/// result is `b` (so `amax = MAX(amax, v)` forgets an earlier NaN). Not `f32::max`.
#[inline]
pub(crate) fn cmax(a: F, b: F) -> F {
    if a > b { a } else { b }
}

/// ggml-impl.h `MIN(a, b) = a < b ? a : b`.
#[inline]
pub(crate) fn cmin(a: F, b: F) -> F {
    if a < b { a } else { b }
}

/// `sqrtf`, correctly rounded as `sqrtss`: NaN -> itself quieted, negative -> default NaN,
/// ±0 -> ±0, +inf -> +inf.
pub(crate) fn sqrtf(x: F) -> F {
    let b = x.bits();
    if x.is_nan() {
        return F::from_bits(b | 0x0040_0000);
    }
    if x.0 == 0.0 {
        return x;
    }
    if x.0 < 0.0 {
        return F::from_bits(DEFAULT_NAN);
    }
    if x.0 == f32::INFINITY {
        return x;
    }
    // x = m · 2^e with m an integer in [2^23, 2^24) (subnormals normalised).
    let (mut m, mut e) = if b >> 23 == 0 {
        let m = b & 0x7f_ffff;
        let s = m.leading_zeros() - 8; // shift bringing the top bit to bit 23
        (m << s, -149 - s as i32)
    } else {
        ((b & 0x7f_ffff) | 0x80_0000, ((b >> 23) as i32) - 150)
    };
    if e & 1 != 0 {
        m <<= 1;
        e -= 1;
    }
    // sqrt(x) = sqrt(m · 2^38) · 2^((e − 38)/2); the integer root has 31 or 32 bits, and one
    // sticky bit below it makes the single u64 -> f32 rounding the correct one.
    let big = u64::from(m) << 38;
    let r = big.isqrt();
    let sticky = u64::from(r * r != big);
    let v = ((r << 1) | sticky) as f32; // correctly rounded to 24 bits
    let p = (e - 38) / 2 - 1; // in [-107, 32]: 2^p and the result are normal
    F(v * f32::from_bits(((p + 127) as u32) << 23))
}

/// ggml-quants.c `nearest_int`: add 1.5·2^23 and read the low mantissa bits. Round half to
/// even for |f| < 2^22; outside that range (the C's assert is compiled out) the same bit
/// arithmetic gives the garbage ggml gets: NaN -> its payload without the quiet bit (0 for
/// the default NaNs), ±inf -> −4194304.
#[inline]
pub(crate) fn nearest_int(f: F) -> i32 {
    let v = f + 12_582_912.0f32;
    (v.bits() & 0x007f_ffff) as i32 - 0x0040_0000
}

/// `cvttss2si`: float -> int32 by truncation; NaN, ±inf and out-of-range give `INT32_MIN`.
/// GCC emits this for every `(int)f`, `(int8_t)f`, `(uint8_t)f` in ggml, keeping the low
/// bits for the narrow types (so NaN -> 0, 200.7 -> 0xC8 as a byte).
#[inline]
pub(crate) fn cvtt(f: F) -> i32 {
    let v = f.0;
    if v.is_nan() || !(-2_147_483_648.0..2_147_483_648.0).contains(&v) {
        i32::MIN
    } else {
        v as i32
    }
}

/// `(int)roundf(f)` (also `int8_t q = roundf(f)`): round half away from zero, then [`cvtt`].
#[inline]
pub(crate) fn round_cvtt(f: F) -> i32 {
    let v = f.0;
    if v.is_nan() || !(-2_147_483_648.0..2_147_483_648.0).contains(&v) {
        return i32::MIN;
    }
    // |v| < 2^31: below 2^23 the fraction is examined, above it v is an integer already.
    if v.abs() >= 8_388_608.0 {
        return v as i32;
    }
    let t = v as i32; // toward zero
    let frac = v - t as f32; // exact
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// `(int)(lroundf(f) + 1)` on x86-64 glibc: `lroundf` rounds half away from zero into a
/// `long`, giving `LONG_MIN` for NaN, ±inf and |f| >= 2^63; the sum is truncated to 32 bits
/// (so NaN/inf -> 1).
#[inline]
pub(crate) fn lround_plus_one(f: F) -> i32 {
    let v = f.0;
    const TWO63: f32 = 9_223_372_036_854_775_808.0;
    let l: i64 = if v.is_nan() || !(-TWO63..TWO63).contains(&v) {
        i64::MIN
    } else if v.abs() >= 8_388_608.0 {
        v as i64
    } else {
        let t = v as i64;
        let frac = v - t as f32;
        if frac >= 0.5 {
            t + 1
        } else if frac <= -0.5 {
            t - 1
        } else {
            t
        }
    };
    l.wrapping_add(1) as i32
}

/// The number of positive floats just below 2^k for which glibc 2.36's `log2f` returns
/// exactly k (it is correctly rounded, so the largest floats of each binade round up).
/// Found exhaustively over every positive finite float (notes §5.5).
fn log2f_round_up_count(k: i32) -> u32 {
    match k {
        -1..=2 => 0,
        -3 | -2 | 3 | 4 | -131 => 1,
        -7..=-4 | 5..=8 | -130 => 2,
        -15..=-8 | 9..=16 | -129 => 5,
        -31..=-16 | 17..=32 | -128 | -127 => 11,
        -63..=-32 | 33..=64 | -126 => 22,
        -125..=-64 | 65..=128 => 44,
        _ => 0,
    }
}

/// The bits of 2^k for k in -149..=128 (2^128 reads as +inf, the bits just above FLT_MAX).
fn pow2_bits(k: i32) -> u32 {
    if k >= -126 {
        ((k + 127) as u32) << 23
    } else {
        1u32 << (k + 149)
    }
}

/// `floorf(log2f(x))` of glibc 2.36 for a positive finite x, as an integer.
pub(crate) fn floor_log2f(x: f32) -> i32 {
    let b = x.to_bits();
    debug_assert!(x > 0.0 && x.is_finite());
    let e = if b >> 23 == 0 {
        31 - b.leading_zeros() as i32 - 149
    } else {
        (b >> 23) as i32 - 127
    };
    let k = e + 1;
    if b >= pow2_bits(k) - log2f_round_up_count(k) {
        k
    } else {
        e
    }
}

/// ggml's `GGML_FP32_TO_FP16` (software): round to nearest even, overflow to inf, NaN ->
/// `0x7e00 | sign` (payload dropped).
pub(crate) fn fp32_to_fp16(f: F) -> u16 {
    let b = f.bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let a = b & 0x7fff_ffff;
    if a > 0x7f80_0000 {
        return sign | 0x7e00;
    }
    if a >= 0x4780_0000 {
        // >= 65536 (and inf): always inf; values in [65520, 65536) are handled below.
        return sign | 0x7c00;
    }
    let exp = (a >> 23) as i32 - 127;
    if exp >= -14 {
        // Normal half (or overflow by rounding): keep 10 mantissa bits, round on the 13 dropped.
        let mant = a & 0x7f_ffff;
        let mut h = (((exp + 15) as u32) << 10) | (mant >> 13);
        let rest = mant & 0x1fff;
        if rest > 0x1000 || (rest == 0x1000 && h & 1 == 1) {
            h += 1; // may carry into the exponent, up to 0x7c00 = inf
        }
        return sign | h as u16;
    }
    // Subnormal half: q = value / 2^-24 = mant24 >> (−1 − exp), rounded to nearest even.
    if exp < -25 {
        return sign; // below 2^-25, half of the smallest subnormal
    }
    let mant = (a & 0x7f_ffff) | 0x80_0000;
    let shift = (-1 - exp) as u32; // 14..=24
    let q = mant >> shift;
    let rest = mant & ((1 << shift) - 1);
    let half = 1 << (shift - 1);
    let q = if rest > half || (rest == half && q & 1 == 1) {
        q + 1
    } else {
        q
    };
    sign | q as u16
}

/// ggml's `GGML_FP16_TO_FP32` (software): exact; a NaN keeps its payload shifted left by 13
/// with the quiet bit forced (`0x7c01 -> 0x7fc02000`).
pub(crate) fn fp16_to_fp32(h: u16) -> F {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let mant = u32::from(h & 0x3ff);
    let bits = match (exp, mant) {
        (0, 0) => sign,
        (0, m) => {
            // m · 2^-24: normalise.
            let s = m.leading_zeros() - 21; // top bit to bit 10
            let m = (m << s) & 0x3ff;
            sign | ((127 - 15 + 1 - s) << 23) | (m << 13)
        }
        (31, 0) => sign | 0x7f80_0000,
        (31, m) => sign | 0x7fc0_0000 | (m << 13),
        (e, m) => sign | ((e + 127 - 15) << 23) | (m << 13),
    };
    F::from_bits(bits)
}

/// ggml-impl.h `GGML_E8M0_TO_FP32_HALF(e)` = 2^(e − 128): e < 2 gives the subnormals
/// 2^-128, 2^-127; e = 255 gives 2^127 (not NaN).
#[inline]
pub(crate) fn e8m0_to_fp32_half(e: u8) -> F {
    if e < 2 {
        F::from_bits(0x0020_0000 << e)
    } else {
        F::from_bits((u32::from(e) - 1) << 23)
    }
}

/// ggml-impl.h `ggml_ue4m3_to_fp32`: 0 and 0x7F read as 0, bit 7 is ignored otherwise (0xFF
/// reads as 240), and the result includes ggml's factor 0.5.
pub(crate) fn ue4m3_to_fp32(x: u8) -> F {
    if x == 0 || x == 0x7f {
        return F::ZERO;
    }
    let exp = i32::from((x >> 3) & 0xf);
    let man = i32::from(x & 7);
    // ldexpf of these small values is exact; the product by 0.5 too.
    let v = if exp == 0 {
        man as f32 * pow2(-9)
    } else {
        (1.0 + man as f32 / 8.0) * pow2(exp - 7)
    };
    F(v * 0.5)
}

/// 2^k as an f32, k in -126..=127.
#[inline]
fn pow2(k: i32) -> f32 {
    f32::from_bits(((k + 127) as u32) << 23)
}

/// ggml-impl.h `ggml_fp32_to_ue4m3`: `!(x > 0)` -> 0; clamp to 448; subnormal codes from
/// `(int)(x·512 + 0.5)`; normal codes round half up on one bit (no sticky); max 0x7E.
pub(crate) fn fp32_to_ue4m3(x: F) -> u8 {
    if x.is_nan() || x.0 <= 0.0 {
        return 0;
    }
    let x = if x.0 > 448.0 { F(448.0) } else { x };
    let bits = x.bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127 + 7;
    if e <= 0 {
        let m = cvtt(x * 512.0f32 + 0.5f32);
        return if m > 7 {
            7
        } else if m < 1 {
            0
        } else {
            m as u8
        };
    }
    if e >= 15 {
        return 0x7e;
    }
    let mut man = ((bits >> 20) & 7) + ((bits >> 19) & 1);
    if man > 7 {
        man = 0;
        e += 1;
        if e >= 15 {
            return 0x7e;
        }
    }
    ((e as u32) << 3 | man) as u8
}

/// ggml-quants.c `best_index_int8` (0c1e57098, binary search): the index of the value of
/// the sorted 16-entry table nearest to `x`; an exact tie goes to the upper index; NaN -> 15.
pub(crate) fn best_index_int8(values: &[i8; 16], x: F) -> usize {
    let v = |i: usize| F::int(i32::from(values[i]));
    if x <= v(0) {
        return 0;
    }
    if x >= v(15) {
        return 15;
    }
    let (mut ml, mut mu) = (0usize, 15usize);
    while mu - ml > 1 {
        let mav = (ml + mu) / 2;
        if x < v(mav) {
            mu = mav;
        } else {
            ml = mav;
        }
    }
    if x - v(mu - 1) < v(mu) - x {
        mu - 1
    } else {
        mu
    }
}

/// ggml-quants.c `best_index_mxfp4`: argmin over the 16 codes of `|kv[i]·e − x|`, strict `<`
/// so the first minimum wins (ties toward the smaller magnitude, never code 8); NaN -> 0.
pub(crate) fn best_index_mxfp4(kv: &[i8; 16], x: F, e: F) -> u8 {
    let mut best = 0u8;
    let mut best_err = fabs(F::int(i32::from(kv[0])) * e - x);
    for (i, &k) in kv.iter().enumerate().skip(1) {
        let err = fabs(F::int(i32::from(k)) * e - x);
        if err < best_err {
            best = i as u8;
            best_err = err;
        }
    }
    best
}

/// A little-endian u16 at byte `i`.
#[inline]
pub(crate) fn rd16(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

/// A little-endian u32 at byte `i`.
#[inline]
pub(crate) fn rd32(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Writes a little-endian u16 at byte `i`.
#[inline]
pub(crate) fn wr16(b: &mut [u8], i: usize, v: u16) {
    b[i..i + 2].copy_from_slice(&v.to_le_bytes());
}

/// An fp16 field at byte `i`, as ggml reads it.
#[inline]
pub(crate) fn half_at(b: &[u8], i: usize) -> F {
    fp16_to_fp32(rd16(b, i))
}

/// Stores `f` as an fp16 field at byte `i`, as ggml writes it.
#[inline]
pub(crate) fn put_half(b: &mut [u8], i: usize, f: F) {
    wr16(b, i, fp32_to_fp16(f));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `F`'s order on bit patterns is f32's IEEE order: every pair of a set of patterns with
    /// both zeros, both infinities, signaling and quiet NaNs of both signs, subnormals,
    /// neighbours and a spread of magnitudes.
    #[test]
    fn order_is_ieee_order() {
        let mut pats = std::vec![
            0,
            0x8000_0000,
            1,
            0x8000_0001,
            0x007f_ffff,
            0x0080_0000,
            0x3f80_0000,
            0x3f80_0001,
            0xbf80_0000,
            0x7f7f_ffff,
            0xff7f_ffff,
            0x7f80_0000,
            0xff80_0000,
            0x7f80_0001,
            0xff80_0001,
            0x7fc0_0000,
            0xffc0_0000,
            0x7fff_ffff,
            0xffff_ffff,
        ];
        let mut s = 0x9E37_79B9u32;
        for _ in 0..200 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            pats.push(s);
        }
        for &a in &pats {
            for &b in &pats {
                let (x, y) = (f32::from_bits(a), f32::from_bits(b));
                let (fx, fy) = (F(x), F(y));
                let m = std::format!("{a:08x} {b:08x}");
                assert_eq!(fx.partial_cmp(&fy), x.partial_cmp(&y), "{m}");
                assert_eq!((fx < fy, fx > fy), (x < y, x > y), "{m}");
                assert_eq!((fx <= fy, fx >= fy), (x <= y, x >= y), "{m}");
            }
        }
    }

    /// A signaling or quiet NaN anywhere is skipped, infinity is taken (ggml's strict `<`).
    #[test]
    fn amax_skips_every_nan() {
        let snan = f32::from_bits(0x7f80_0001);
        let qnan = f32::from_bits(0xffc0_0000);
        for nan in [snan, qnan] {
            for at in 0..16 {
                let mut x: [f32; 16] = core::array::from_fn(|i| (i as f32 - 7.5) * 0.25);
                x[at] = nan;
                let want = x
                    .iter()
                    .filter(|v| !v.is_nan())
                    .fold(0f64, |m, v| m.max(f64::from(v.abs())));
                assert_eq!(f64::from(amax_skip_nan(&x).0), want, "{at}");
            }
        }
        assert_eq!(
            amax_skip_nan(&[snan, f32::NEG_INFINITY, 1.0]).0,
            f32::INFINITY
        );
        assert_eq!(amax_skip_nan(&[snan, qnan]).bits(), 0);
    }

    #[test]
    fn fp16_rounding_cases() {
        let h = |b: u32| fp32_to_fp16(F::from_bits(b));
        assert_eq!(h(0x477f_efff), 0x7bff);
        assert_eq!(h(0x477f_f000), 0x7c00);
        assert_eq!(fp32_to_fp16(F(2f32.powi(-25))), 0x0000);
        assert_eq!(fp32_to_fp16(F(1.5 * 2f32.powi(-25))), 0x0001);
        assert_eq!(fp32_to_fp16(F(-0.0)), 0x8000);
        assert_eq!(h(0x7f80_0001), 0x7e00);
        assert_eq!(h(0xffc0_0000), 0xfe00);
        assert_eq!(fp32_to_fp16(F(f32::NEG_INFINITY)), 0xfc00);
        assert_eq!(fp32_to_fp16(F(f32::MAX)), 0x7c00);
        // Every half value round-trips, and halfway points round to even.
        for h16 in 0..=0xffffu16 {
            let f = fp16_to_fp32(h16);
            if !f.is_nan() {
                assert_eq!(fp32_to_fp16(f), h16, "{h16:#x}");
            }
        }
        for h16 in 0..0x7bffu16 {
            let (a, b) = (fp16_to_fp32(h16).0, fp16_to_fp32(h16 + 1).0);
            let mid = (f64::from(a) + f64::from(b)) / 2.0;
            let want = if h16 & 1 == 0 { h16 } else { h16 + 1 };
            assert_eq!(fp32_to_fp16(F(mid as f32)), want, "{h16:#x}");
        }
    }

    #[test]
    fn fp16_nan_payloads() {
        assert_eq!(fp16_to_fp32(0x7c01).bits(), 0x7fc0_2000);
        assert_eq!(fp16_to_fp32(0xfc01).bits(), 0xffc0_2000);
        assert_eq!(fp16_to_fp32(0x7fff).bits(), 0x7fff_e000);
        assert_eq!(fp16_to_fp32(0x7e00).bits(), 0x7fc0_0000);
        assert_eq!(fp16_to_fp32(0x0001).0, 2f32.powi(-24));
        assert_eq!(fp16_to_fp32(0x8000).bits(), 0x8000_0000);
    }

    #[test]
    fn nearest_int_facts() {
        assert_eq!(nearest_int(F(2.5)), 2);
        assert_eq!(nearest_int(F(3.5)), 4);
        assert_eq!(nearest_int(F(-2.5)), -2);
        assert_eq!(nearest_int(F(-0.5)), 0);
        assert_eq!(nearest_int(F(f32::INFINITY)), -4_194_304);
        assert_eq!(nearest_int(F(f32::NEG_INFINITY)), -4_194_304);
        assert_eq!(nearest_int(F::from_bits(DEFAULT_NAN)), 0);
        assert_eq!(nearest_int(F::from_bits(0x7fc0_0000)), 0);
        assert_eq!(nearest_int(F(4_194_303.0)), 4_194_303);
        // Out of range (ggml's assert is compiled out): 2^22 + 1.5·2^23 = 2^24, mantissa 0.
        assert_eq!(nearest_int(F(4_194_304.0)), -4_194_304);
    }

    #[test]
    fn float_to_int_conversions() {
        assert_eq!(cvtt(F(f32::NAN)) as u8, 0);
        assert_eq!(cvtt(F(200.7)) as u8, 0xc8);
        assert_eq!(cvtt(F(-24.0)) as u8, 0xe8);
        assert_eq!(cvtt(F(f32::INFINITY)), i32::MIN);
        assert_eq!(cvtt(F(3e9)), i32::MIN);
        assert_eq!(round_cvtt(F(2.5)), 3);
        assert_eq!(round_cvtt(F(-2.5)), -3);
        assert_eq!(round_cvtt(F(0.49999997)), 0);
        assert_eq!(round_cvtt(F(f32::NAN)), i32::MIN);
        assert_eq!(lround_plus_one(F(f32::NAN)), 1);
        assert_eq!(lround_plus_one(F(f32::NEG_INFINITY)), 1);
        assert_eq!(lround_plus_one(F(-0.5)), 0);
        assert_eq!(lround_plus_one(F(0.5)), 2);
    }

    #[test]
    fn log2f_table() {
        // Exact powers of two and one ulp above: the exponent.
        for k in -149..=127 {
            let p = f32::from_bits(pow2_bits(k));
            assert_eq!(floor_log2f(p), k);
            if k > -149 && k < 127 {
                assert_eq!(floor_log2f(f32::from_bits(pow2_bits(k) + 1)), k);
            }
        }
        // One ulp below 2^k: glibc rounds up to k except for k in -1..=2 and below -131.
        let below = |k: i32| floor_log2f(f32::from_bits(pow2_bits(k) - 1));
        assert_eq!(below(0), -1);
        assert_eq!(below(3), 3);
        assert_eq!(below(-2), -2);
        assert_eq!(below(-132), -133);
        assert_eq!(below(-131), -131);
        assert_eq!(floor_log2f(f32::MAX), 128);
        assert_eq!(floor_log2f(f32::from_bits(0x7f80_0000 - 45)), 127);
        // The width of the range: 44 floats below 2^100 give 100, the 45th gives 99.
        assert_eq!(floor_log2f(f32::from_bits(pow2_bits(100) - 44)), 100);
        assert_eq!(floor_log2f(f32::from_bits(pow2_bits(100) - 45)), 99);
        assert_eq!(floor_log2f(1e-38), -127);
    }

    #[test]
    fn sqrt_is_correctly_rounded() {
        let mut s = 0x1234_5678u32;
        for _ in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let x = f32::from_bits(s & 0x7fff_ffff);
            if !x.is_finite() {
                continue;
            }
            let want = f64::from(x).sqrt() as f32; // double rounding is harmless for sqrt
            assert_eq!(sqrtf(F(x)).bits(), want.to_bits(), "{x:e}");
        }
        assert_eq!(sqrtf(F(-1.0)).bits(), DEFAULT_NAN);
        assert_eq!(sqrtf(F(-0.0)).bits(), 0x8000_0000);
        assert_eq!(
            sqrtf(F(f32::from_bits(1))).0,
            f64::from(f32::from_bits(1)).sqrt() as f32
        );
    }

    #[test]
    fn sse_nan_rules() {
        let qnan = F::from_bits(0x7fc0_1234);
        let snan = F::from_bits(0xff80_0001);
        assert_eq!((qnan * snan).bits(), 0x7fc0_1234);
        assert_eq!((snan + qnan).bits(), 0xffc0_0001);
        assert_eq!((F(0.0) * F(f32::INFINITY)).bits(), DEFAULT_NAN);
        assert_eq!((-qnan).bits(), 0xffc0_1234);
        assert_eq!(cmax(F(f32::NAN), F(1.0)), F(1.0));
        assert!(cmax(F(1.0), F(f32::NAN)).is_nan());
    }

    #[test]
    fn ue4m3_facts() {
        assert_eq!(ue4m3_to_fp32(0xff).0, 240.0);
        assert_eq!(ue4m3_to_fp32(0x80).0, 0.0);
        assert_eq!(ue4m3_to_fp32(0x81).0, 2f32.powi(-10));
        assert_eq!(ue4m3_to_fp32(0x7e).0, 224.0);
        assert_eq!(fp32_to_ue4m3(F(1e9)), 0x7e);
        assert_eq!(fp32_to_ue4m3(F(f32::NAN)), 0);
        assert_eq!(fp32_to_ue4m3(F(-1.0)), 0);
        assert_eq!(fp32_to_ue4m3(F(1.0)), 0x38);
    }

    #[test]
    fn best_index_int8_ties_and_nan() {
        let v = [
            -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
        ];
        assert_eq!(best_index_int8(&v, F(7.0)), 9); // tie of 1 and 13 -> upper
        assert_eq!(best_index_int8(&v, F(f32::NAN)), 15);
        assert_eq!(best_index_int8(&v, F(-1e9)), 0);
    }
}
