//! Scaled-encode quotients `x / s` as f32 values that encode like the exact quotient:
//! rounded to odd from f64 (`div_to_odd`, `div_to_odd_fma`), or the product by `1/s` with
//! a check that no lane lies near one of the format's rounding boundaries (`mul_checked`).

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
/// for a format whose rounding boundaries (the midpoints between neighbouring codes, which
/// nearest rounding turns at, and the codes themselves, which the directed modes turn at)
/// are multiples of a grid step `g` inside each f32 binade. Returns whether any lane may
/// round differently from the exact quotient, for the caller to redo the call's lanes
/// exactly ([`div_to_odd`]); otherwise every `out[i]` encodes, in every deterministic mode,
/// to the exact quotient's code.
///
/// Why: `r = (1/s)(1 + d₁)` and the product adds `d₂`, |d₁|, |d₂| ≤ 2^−24, so a normal
/// product `q′` is within 1.5 of its own ulps of the exact quotient `q` (the second
/// rounding moves at most half an ulp, the first at most 2^−24·|q| < one ulp). The code
/// changes between `q′` and `q` only if a boundary lies between them or on `q`, which is
/// then within 1.5 ulps of `q′`: `q′`'s low bits are within 1 of a multiple of `g` (or
/// `q′` is a power of two, a multiple of every `g`; 2 is used, a margin). `grid`:
/// - `FloatGrid(k)`: a float format of `m` mantissa bits has `g = 2^k` ulps with
///   `k = 22 − m` (half its step in each binade where it is normal, and a divisor of its
///   half-step where it is subnormal or below, whose step is coarser);
/// - `IntGrid`: integers, whose boundaries are the multiples of ½ (checked in floating
///   point: the distance of `2q′` to its nearest integer against 2^−22·|2q′|, at least
///   2 of its ulps; every product from 2^21 up is flagged);
///
/// and products that are NaN, ±∞, at least 2^127 (`q` may overflow) or below 2^−125 in
/// magnitude (subnormal or zero products of a nonzero `x`: they round absolutely) are
/// flagged too. A zero `x` gives the exact ±0 quotient.
#[inline(always)]
pub(crate) fn mul_checked(x: &[f32], r: f32, grid: QuotientGrid, out: &mut [f32]) -> bool {
    match grid {
        QuotientGrid::Float(k) => {
            let mask = (1u32 << k) - 1;
            mul_flagged(x, r, out, |b| {
                let t = b & mask;
                (t <= 2) | (t >= mask - 1)
            })
        }
        // h = 2|q′| (exact), whose boundaries are the integers; `rn` its nearest integer
        // (the 1.5·2^23 addition, exact below 2^22). Within 2 ulps of an integer n:
        // |h − n| ≤ 2·2^(e−23) ≤ 2^−22·h for h in [2^e, 2^(e+1)), and |h − rn| ≤ |h − n|.
        // From 2^22 up the two roundings move `rn` at most 2.75·2^−24·h from h, so those
        // lanes are all flagged.
        QuotientGrid::Int => mul_flagged(x, r, out, |b| {
            let h = f32::from_bits(b) * 2.0;
            let rn = (h + 12_582_912.0) - 12_582_912.0;
            (h - rn).abs() <= h * (1.0 / 4_194_304.0)
        }),
    }
}

/// The loop of [`mul_checked`]: `out[i] = x[i] · r`, flagging a nonzero `x[i]` whose
/// product's magnitude bits `b` are `near` a boundary or outside [2^−125, 2^127).
#[inline(always)]
fn mul_flagged(x: &[f32], r: f32, out: &mut [f32], near: impl Fn(u32) -> bool) -> bool {
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    let mut flag = false;
    for i in 0..n {
        let q = x[i] * r;
        out[i] = q;
        let b = q.to_bits() & 0x7FFF_FFFF;
        let nonzero = x[i].to_bits() & 0x7FFF_FFFF != 0;
        // Outside [2^−125, 2^127): one unsigned comparison.
        let outside = b.wrapping_sub(0x0100_0000) >= 0x7E00_0000;
        flag |= nonzero & (near(b) | outside);
    }
    flag
}

/// Where a format's rounding boundaries lie, for [`mul_checked`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum QuotientGrid {
    /// Multiples of 2^k f32 ulps in every binade (a float format: `k = 22 − m`).
    Float(u32),
    /// The multiples of ½ (an integer format).
    Int,
}
