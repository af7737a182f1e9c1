//! Scaled-encode quotients `x / s` as f32 values that encode like the exact quotient:
//! rounded to odd from f64 (`div_to_odd`, `div_to_odd_fma`), or the product by `1/s` with
//! a check that no lane lies near one of the format's rounding boundaries (`FloatProduct`
//! for floats, before the encode pass in `mul_checked` or inside the encode kernel;
//! integers check inside theirs, `element::encode_int_u8_mul`).

/// `x[i] / s` formed in f64 and rounded to f32 *to odd* (an inexact quotient gets the odd
/// one of its two f32 neighbours). One more rounding of that f32, in any mode, into a format
/// of at most 22 significant bits equals rounding the f64 quotient itself (Boldo &
/// Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using rounding
/// to odd", IEEE TC 2008: two extra bits suffice). Quotients outside f32's normal range
/// (nonzero below 2^−126, above `f32::MAX`) and NaN quotients (whose stored code is the
/// caller's choice) are not covered: returns whether any lane had one, for the caller to
/// redo those lanes.
#[inline(always)]
pub(crate) fn div_to_odd(x: &[f32], s: f64, out: &mut [f32]) -> bool {
    if let Some(inv) = pow2_reciprocal(s) {
        return mul_pow2(x, inv, out);
    }
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    let mut outside = false;
    for i in 0..n {
        let q = x[i] as f64 / s;
        let f = q as f32;
        let back = f as f64;
        let bits = f.to_bits();
        // The neighbour toward q, if f is even and q is not f (NaN compares unequal but is
        // never adjusted: its exponent field is all ones, so `normal` is false; lanes
        // outside the normal range are redone by the caller).
        let normal = (bits & 0x7F80_0000) != 0 && (bits & 0x7F80_0000) != 0x7F80_0000;
        let inexact = back != q;
        let adjust = normal && inexact && bits & 1 == 0;
        let toward_zero = back.abs() > q.abs();
        let odd = if toward_zero {
            bits.wrapping_sub(1)
        } else {
            bits | 1
        };
        out[i] = f32::from_bits(if adjust { odd } else { bits });
        let a = q.abs();
        outside |=
            q.is_nan() || (a != 0.0 && (a < f32::MIN_POSITIVE as f64 || a > f32::MAX as f64));
    }
    outside
}

/// `1/s` as an f32 when `s` is a power of two whose reciprocal is a normal f32 (then
/// `x · (1/s)` is the exact quotient wherever it is a normal f32).
#[inline(always)]
fn pow2_reciprocal(s: f64) -> Option<f32> {
    let sf = s as f32;
    let inv = 1.0 / sf;
    let pow2 = sf as f64 == s && sf.to_bits() & 0x007F_FFFF == 0 && sf.is_normal();
    (pow2 && inv.is_normal()).then_some(inv)
}

/// [`div_to_odd`] for a power-of-two scale: the product by its reciprocal, exact wherever
/// it is a normal f32 above 2^−126 (the other lanes are flagged as there). 2^−126 itself
/// is flagged: a product just below it rounds up to it, inexactly.
#[inline(always)]
fn mul_pow2(x: &[f32], inv: f32, out: &mut [f32]) -> bool {
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    let mut outside = false;
    for i in 0..n {
        let q = x[i] * inv;
        out[i] = q;
        let a = q.abs();
        outside |= q.is_nan() | ((x[i] != 0.0) & (a <= f32::MIN_POSITIVE)) | (a > f32::MAX);
    }
    outside
}

/// 2^−100: [`div_to_odd_fma`] leaves inputs below it to the caller.
pub(crate) const TINY_X: f32 = f32::from_bits(0x0D80_0000);

/// [`div_to_odd`] for backends with a fused multiply-add: the f32 quotient `q = x / s`
/// and its remainder `x − q·s`, exact in one FMA (no underflow: the caller passes a normal
/// `s`, and lanes with |x| below 2^−100 are redone), whose sign tells on which side of `q`
/// the exact quotient lies. The exact quotient and its f64 rounding lie strictly between the
/// same two f32 values (two 24-bit operands' quotient is never within 2^−53 relative of an
/// f32 it does not equal), so the result is [`div_to_odd`]'s bit for bit.
#[inline(always)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) fn div_to_odd_fma(x: &[f32], s: f64, out: &mut [f32]) -> bool {
    let sf = s as f32;
    if !(sf.is_normal() && sf as f64 == s) || pow2_reciprocal(s).is_some() {
        return div_to_odd(x, s, out);
    }
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    let mut outside = false;
    for i in 0..n {
        let xi = x[i];
        let q = xi / sf;
        // `num_traits`: `f32::mul_add` (one FMA instruction here) with std, libm's without.
        let r = num_traits::Float::mul_add(-q, sf, xi);
        let bits = q.to_bits();
        let e = bits & 0x7F80_0000;
        let normal = (e != 0) & (e != 0x7F80_0000);
        // The exact quotient is q + r/s: beyond |q| when r/s has q's sign.
        let away = (r.to_bits() ^ bits ^ sf.to_bits()) & 0x8000_0000 == 0;
        let adjust = normal & (r != 0.0) & (bits & 1 == 0);
        let odd = if away { bits | 1 } else { bits.wrapping_sub(1) };
        out[i] = f32::from_bits(if adjust { odd } else { bits });
        let (a, ax) = (q.abs(), xi.abs());
        // NaN quotients, quotients outside f32's normal range (q = ±MAX may be an
        // overflowed quotient rounded down) and tiny x are redone by the caller.
        // (`|` and `&`, not `||` and `&&`: no branches in the loop, so it vectorizes.)
        outside |= q.is_nan()
            | ((ax != 0.0) & ((ax < TINY_X) | (a < f32::MIN_POSITIVE)))
            | (a >= f32::MAX);
    }
    outside
}

/// The quotient `x[i] / s` as the f32 product `x[i] · r` with `r = 1/s` rounded to f32,
/// for a float format whose rounding boundaries (the midpoints between neighbouring codes,
/// which nearest rounding turns at, and the codes themselves, which the directed modes turn
/// at) are multiples of `2^k` f32 ulps inside each binade. Returns whether any lane may
/// round differently from the exact quotient ([`FloatProduct`]), for the caller to redo the
/// call's lanes exactly ([`div_to_odd`]); otherwise every `out[i]` encodes, in every
/// deterministic mode, to the exact quotient's code. The formats of more than 8 bits use
/// it (before their encode pass); those of at most 8 bits fuse the product into the encode
/// kernel (`element::encode_u8_mul`).
#[inline(always)]
pub(crate) fn mul_checked(x: &[f32], r: f32, k: u32, out: &mut [f32]) -> bool {
    let pre = FloatProduct::new(r, k);
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    let mut flag = false;
    for i in 0..n {
        let (q, f) = pre.lane(x[i]);
        out[i] = q;
        flag |= f;
    }
    flag
}

/// A step each lane takes before a lane encoder: the value it encodes, and whether the lane
/// must be redone (the whole call then is).
pub(crate) trait Pre: Copy {
    /// The input itself, nothing to redo.
    const PLAIN: bool;
    fn lane(&self, x: f32) -> (f32, bool);
}

/// The input itself ([`Pre`] of the unscaled encode).
#[derive(Clone, Copy)]
pub(crate) struct Plain;

impl Pre for Plain {
    const PLAIN: bool = true;
    #[inline(always)]
    fn lane(&self, x: f32) -> (f32, bool) {
        (x, false)
    }
}

/// The product `x · r` (`r = 1/s` rounded to f32, normal) standing for the quotient `x / s`
/// in a float format of `m` mantissa bits, whose rounding boundaries are multiples of
/// `g = 2^k` ulps with `k = 22 − m` (half its step in each binade where it is normal, and
/// a divisor of its half-step where it is subnormal or below, whose step is coarser).
///
/// Why a lane that is not flagged encodes like the exact quotient `q`: `r = (1/s)(1 + d₁)`
/// and the product adds `d₂`, |d₁|, |d₂| ≤ 2^−24, so a normal product `q′` is within 1.5 of
/// its own ulps of `q` (the second rounding moves at most half an ulp, the first at most
/// 2^−24·|q| < one ulp). The code changes between `q′` and `q` only if a boundary lies
/// between them or on `q`, which is then within 1.5 ulps of `q′`: `q′`'s low bits are
/// within 1 of a multiple of `g` (or `q′` is a power of two, a multiple of every `g`; 2 is
/// used, a margin). Products that are NaN, ±∞, at least 2^127 (`q` may overflow) or below
/// 2^−125 in magnitude (subnormal or zero products of a nonzero `x`: they round
/// absolutely) are flagged too. A zero `x` gives the exact ±0 quotient.
#[derive(Clone, Copy)]
pub(crate) struct FloatProduct {
    r: f32,
    mask: u32,
}

impl FloatProduct {
    /// The product by `r` for a grid of `2^k` ulps (`k = 22 − m`, at most 22).
    #[inline(always)]
    pub(crate) fn new(r: f32, k: u32) -> Self {
        FloatProduct {
            r,
            mask: (1u32 << k) - 1,
        }
    }
}

impl Pre for FloatProduct {
    const PLAIN: bool = false;
    #[inline(always)]
    fn lane(&self, x: f32) -> (f32, bool) {
        let q = x * self.r;
        let b = q.to_bits() & 0x7FFF_FFFF;
        // The low bits within 2 of a multiple of 2^k: (t + 2) mod 2^k at most 4.
        let near = (b.wrapping_add(2) & self.mask) <= 4;
        let nonzero = x.to_bits() & 0x7FFF_FFFF != 0;
        // Outside [2^−125, 2^127): one unsigned comparison.
        let outside = b.wrapping_sub(0x0100_0000) >= 0x7E00_0000;
        (q, nonzero & (near | outside))
    }
}
