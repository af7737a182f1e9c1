//! Arithmetic on typed scalars: `+ - * / %`, their `*Assign` forms, `-x`, `Sum` and `Product`.
//!
//! Every operation is the exact result of the operation on the operands' values, rounded once
//! to the format (nearest-even, the conventional overflow of `from_f64`):
//!
//! - `+ - *` are exact in f64: the operands are multiples of 2^-149 below 2^128 with at most 5
//!   significant bits, so a product has at most 10, and a sum of two values spans fewer than 53
//!   binary orders of magnitude in every format with a zero. E8M0's sums can span more, but its
//!   values are powers of two: an inexact f64 sum `2^a + 2^b` (a − b > 52) lies strictly between
//!   `2^a` and the rounding boundary `1.5 · 2^a`, on the same side as the exact sum.
//! - `/`: the f64 quotient is the correctly rounded quotient, and rounding it again to the
//!   format's `p ≤ 5` significant bits gives the correctly rounded result because 53 ≥ 2p + 2
//!   (S. Figueroa, "When is double rounding innocuous?", 1995): a quotient of two p-bit values
//!   that is not a midpoint of the format stays more than 2^-53 (relative) away from one.
//!   E8M0's quotients are powers of two, hence exact. `%` (IEEE `fmod`) is exact in f64.
//!
//! `tests/typed_ops.rs` checks every pair of codes of every 8-bit and smaller type against
//! exact rational arithmetic. Compared with `half`'s recipe (compute in f32, round once), the
//! results agree for every format but E8M0, whose products and quotients leave f32's range.

use core::iter::{Product, Sum};
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign};
use core::ops::{Sub, SubAssign};

use super::{Typed, round, round_result, value};
use crate::element::convert::{Class, Mag};
use crate::spec::NonFinite;

use super::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E3M4, Float8E4M3, Float8E4M3B11FNUZ,
    Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, Float8E8M0FNU,
};

/// `-x`: the sign bit flipped (a NaN keeps its payload, as IEEE 754's `negate`). Where the
/// format has no −0 (`fnuz`) a zero and the NaN stay as they are; an unsigned format (E8M0)
/// has no negative values, so `-x` is NaN.
#[inline]
pub(crate) fn neg<T: Typed>(x: T) -> T {
    let s = T::SPEC;
    let code = x.code() as u32;
    if !s.is_signed() {
        return T::with_code(s.nan_code(false).unwrap_or(0) as u8);
    }
    if matches!(s.non_finite(), NonFinite::Fnuz) && code & s.mag_mask() == 0 {
        return x;
    }
    T::with_code((code ^ s.sign_bit()) as u8)
}

/// A 384-bit two's-complement fixed-point accumulator in units of the format's smallest step:
/// every value of a ≤ 16-bit format is below 2^256 such units, so 2^64 terms fit exactly.
struct Acc([u64; 6]);

impl Acc {
    /// Adds `±sig · 2^shift`.
    fn add(&mut self, neg: bool, sig: u64, shift: u32) {
        let limb = (shift / 64) as usize;
        let v = (sig as u128) << (shift % 64);
        let mut parts = [0u64; 6];
        parts[limb] = v as u64;
        if limb + 1 < 6 {
            parts[limb + 1] = (v >> 64) as u64;
        }
        if neg {
            // Two's-complement negation of `parts`.
            let mut carry = true;
            for p in parts.iter_mut() {
                let (v, c) = (!*p).overflowing_add(carry as u64);
                *p = v;
                carry = c;
            }
        }
        let mut carry = false;
        for (a, p) in self.0.iter_mut().zip(parts) {
            let (v1, c1) = a.overflowing_add(p);
            let (v2, c2) = v1.overflowing_add(carry as u64);
            *a = v2;
            carry = c1 || c2;
        }
    }

    /// The sign and magnitude, `None` for zero.
    fn split(mut self, unit_exp: i32) -> Option<(bool, Mag)> {
        let neg = self.0[5] >> 63 != 0;
        if neg {
            let mut carry = true;
            for p in self.0.iter_mut() {
                let (v, c) = (!*p).overflowing_add(carry as u64);
                *p = v;
                carry = c;
            }
        }
        let top_limb = self.0.iter().rposition(|&l| l != 0)?;
        let lz = self.0[top_limb].leading_zeros();
        let top = top_limb as i32 * 64 + 63 - lz as i32;
        // The 64 bits from `top` down, and a sticky bit for anything below them.
        let mut sig = self.0[top_limb] << lz;
        let mut sticky = false;
        if lz > 0 && top_limb > 0 {
            sig |= self.0[top_limb - 1] >> (64 - lz);
            sticky |= self.0[top_limb - 1] << lz != 0;
        } else if top_limb > 0 {
            sticky |= self.0[top_limb - 1] != 0;
        }
        if top_limb > 1 {
            sticky |= self.0[..top_limb - 1].iter().any(|&l| l != 0);
        }
        // Bit 0 lies far below the rounding point of every ≤ 16-bit format.
        Some((
            neg,
            Mag {
                exp: top + unit_exp,
                sig: sig | sticky as u64,
            },
        ))
    }
}

/// The exact sum of `items`, rounded once. NaN if any item is NaN or +∞ meets −∞; an exact
/// zero is −0 when every item is −0 (the empty sum included, as for `f32`), else +0.
pub(crate) fn sum<T: Typed>(items: impl Iterator<Item = T>) -> T {
    let s = T::SPEC;
    let unit = s.min_quantum_exp();
    let mut acc = Acc([0; 6]);
    let (mut nan, mut pos_inf, mut neg_inf, mut all_neg_zero) = (false, false, false, true);
    for x in items {
        let code = x.code() as u32;
        let neg = code & s.sign_bit() != 0;
        if s.is_nan_code(code) {
            nan = true;
        } else if s.is_inf_code(code) {
            if neg {
                neg_inf = true;
            } else {
                pos_inf = true;
            }
        } else {
            let (e, sig) = s.code_exp_sig(code);
            if sig != 0 || !neg {
                all_neg_zero = false;
            }
            if sig != 0 {
                acc.add(neg, sig as u64, (e - unit) as u32);
            }
        }
    }
    if nan || (pos_inf && neg_inf) {
        return round_result(f64::NAN);
    }
    if pos_inf || neg_inf {
        return round(neg_inf, Class::Inf);
    }
    match acc.split(unit) {
        Some((neg, m)) => round(neg, Class::Finite(m)),
        None => round(all_neg_zero, Class::Zero),
    }
}

/// A finite nonzero magnitude `sig · 2^exp` with `sig < 2^64`; `sticky` records nonzero bits
/// that were cut off below `sig` (the value is then slightly above `sig · 2^exp`).
#[derive(Clone, Copy)]
struct Raw {
    sig: u64,
    exp: i64,
    sticky: bool,
}

/// Exponents beyond this are far outside every format, and keep the i64 sums from overflowing.
const EXP_LIMIT: i64 = 1 << 40;

impl Raw {
    const ONE: Raw = Raw {
        sig: 1,
        exp: 0,
        sticky: false,
    };

    /// Keeps the top 64 bits of `sig · 2^exp`, the rest as a sticky bit.
    fn cut(sig: u128, exp: i64, sticky: bool) -> Raw {
        let bits = 128 - sig.leading_zeros();
        let k = bits.saturating_sub(64);
        Raw {
            sig: (sig >> k) as u64,
            exp: (exp + k as i64).clamp(-EXP_LIMIT, EXP_LIMIT),
            sticky: sticky || sig & ((1u128 << k) - 1) != 0,
        }
    }

    fn mul(self, o: Raw) -> Raw {
        Raw::cut(
            self.sig as u128 * o.sig as u128,
            self.exp + o.exp,
            self.sticky || o.sticky,
        )
    }

    /// `1 / self`, as `floor(2^127 / sig) · 2^(−127 − exp)` with the remainder as sticky.
    fn recip(self) -> Raw {
        let d = self.sig as u128;
        let q = (1u128 << 127) / d;
        Raw::cut(
            q,
            -127 - self.exp,
            self.sticky || !(1u128 << 127).is_multiple_of(d),
        )
    }

    /// The magnitude as the conversion routine takes it (bit 63 set, sticky in bit 0).
    fn mag(self) -> Mag {
        let lz = self.sig.leading_zeros();
        Mag {
            exp: (self.exp + 63 - lz as i64).clamp(-EXP_LIMIT, EXP_LIMIT) as i32,
            sig: (self.sig << lz) | self.sticky as u64,
        }
    }
}

/// The product of `items`, rounded once. The exponents add exactly (no intermediate overflow
/// or underflow) and the significands multiply in 128 bits; while their product fits in 64
/// bits (16 factors of E4M3's 4-bit significands) it is exact and the result correctly
/// rounded, past that the low bits are kept as a sticky bit (relative error below n · 2^-63
/// before the one rounding). The empty product is 1.
pub(crate) fn product<T: Typed>(items: impl Iterator<Item = T>) -> T {
    let s = T::SPEC;
    let (mut nan, mut zero, mut inf, mut neg) = (false, false, false, false);
    let mut acc = Raw::ONE;
    for x in items {
        let code = x.code() as u32;
        neg ^= code & s.sign_bit() != 0;
        if s.is_nan_code(code) {
            nan = true;
        } else if s.is_inf_code(code) {
            inf = true;
        } else {
            let (e, m) = s.code_exp_sig(code);
            if m == 0 {
                zero = true;
            } else {
                acc = acc.mul(Raw {
                    sig: m as u64,
                    exp: e as i64,
                    sticky: false,
                });
            }
        }
    }
    if nan || (zero && inf) {
        return round_result(f64::NAN);
    }
    if inf {
        return round(neg, Class::Inf);
    }
    if zero {
        return round(neg, Class::Zero);
    }
    round(neg, Class::Finite(acc.mag()))
}

/// `x^n` rounded once: the power by squaring on the exact significand (exact while it fits in
/// 64 bits, as [`product`]), for `n < 0` its reciprocal to 64 bits; zeros, infinities and NaN
/// as f64's `powi` (`x^0 = 1` for every `x`, NaN included, as IEEE 754's `pown`).
pub(crate) fn powi<T: Typed>(x: T, n: i32) -> T {
    let s = T::SPEC;
    let code = x.code() as u32;
    let v = value(x);
    if n == 0 || !v.is_finite() || v == 0.0 {
        return round_result(num_traits::float::FloatCore::powi(v, n));
    }
    let (e, m) = s.code_exp_sig(code);
    let mut base = Raw {
        sig: m as u64,
        exp: e as i64,
        sticky: false,
    };
    let mut acc = Raw::ONE;
    let mut k = n.unsigned_abs();
    while k > 0 {
        if k & 1 != 0 {
            acc = acc.mul(base);
        }
        k >>= 1;
        if k > 0 {
            base = base.mul(base);
        }
    }
    if n < 0 {
        acc = acc.recip();
    }
    round(v < 0.0 && n % 2 != 0, Class::Finite(acc.mag()))
}

macro_rules! binop {
    ($name:ident, $Tr:ident, $m:ident, $TrA:ident, $ma:ident, $op:tt) => {
        impl $Tr for $name {
            type Output = $name;
            #[inline]
            fn $m(self, rhs: $name) -> $name {
                round_result(value(self) $op value(rhs))
            }
        }
        impl $Tr<&$name> for $name {
            type Output = $name;
            #[inline]
            fn $m(self, rhs: &$name) -> $name {
                self $op *rhs
            }
        }
        impl $Tr<$name> for &$name {
            type Output = $name;
            #[inline]
            fn $m(self, rhs: $name) -> $name {
                *self $op rhs
            }
        }
        impl $Tr<&$name> for &$name {
            type Output = $name;
            #[inline]
            fn $m(self, rhs: &$name) -> $name {
                *self $op *rhs
            }
        }
        impl $TrA for $name {
            #[inline]
            fn $ma(&mut self, rhs: $name) {
                *self = *self $op rhs;
            }
        }
        impl $TrA<&$name> for $name {
            #[inline]
            fn $ma(&mut self, rhs: &$name) {
                *self = *self $op *rhs;
            }
        }
    };
}

macro_rules! arith {
    ($($name:ident),*) => {$(
        binop!($name, Add, add, AddAssign, add_assign, +);
        binop!($name, Sub, sub, SubAssign, sub_assign, -);
        binop!($name, Mul, mul, MulAssign, mul_assign, *);
        binop!($name, Div, div, DivAssign, div_assign, /);
        binop!($name, Rem, rem, RemAssign, rem_assign, %);

        impl Neg for $name {
            type Output = $name;
            #[inline]
            fn neg(self) -> $name {
                neg(self)
            }
        }
        impl Neg for &$name {
            type Output = $name;
            #[inline]
            fn neg(self) -> $name {
                neg(*self)
            }
        }
        impl Sum for $name {
            fn sum<I: Iterator<Item = $name>>(iter: I) -> $name {
                sum(iter)
            }
        }
        impl<'a> Sum<&'a $name> for $name {
            fn sum<I: Iterator<Item = &'a $name>>(iter: I) -> $name {
                sum(iter.copied())
            }
        }
        impl Product for $name {
            fn product<I: Iterator<Item = $name>>(iter: I) -> $name {
                product(iter)
            }
        }
        impl<'a> Product<&'a $name> for $name {
            fn product<I: Iterator<Item = &'a $name>>(iter: I) -> $name {
                product(iter.copied())
            }
        }
    )*};
}

super::for_all!(arith);
