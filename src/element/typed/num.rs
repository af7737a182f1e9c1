//! num-traits for the typed scalars, so that code written for `half::f16` against
//! `num_traits::Float` compiles unchanged.
//!
//! Every method is the exact operation on the value, rounded once to the format (nearest-even,
//! the conventional overflow), with these sources for the exact value:
//! - exact in f64, hence correctly rounded: `floor`, `ceil`, `round`, `trunc`, `fract`, `abs`,
//!   `signum`, `recip` (a quotient), `sqrt` (IEEE-correct in f64, and 53 ≥ 2p + 2), `powi`
//!   (exact integer power, see [`ops::powi`](super::ops));
//! - f64 `libm` (std's, or the `libm` crate without std), then one rounding: `powf`, `exp`,
//!   `exp2`, `ln`, `log`, `log2`, `log10`, `cbrt`, `hypot`, trigonometric and hyperbolic
//!   functions, `exp_m1`, `ln_1p`, `mul_add` (f64's fused multiply-add), `to_degrees`,
//!   `to_radians`. These libms err by less than an f64 ulp; `tests/typed_generic.rs` checks,
//!   for every code of every type, that no such result lies within 2^-40 of a rounding boundary
//!   of the format unless it is exact, so the code is the correctly rounded one.
//!
//! Where a method names a value the format lacks:
//! - `infinity()`/`neg_infinity()` are ±∞ where the format has them, else the largest and
//!   smallest finite values (`MAX`, `MIN`): the values a saturating cast of ±∞ gives, and the
//!   identity of `min`/`max` folds.
//! - `nan()` is the canonical NaN, or +0 in a format without NaN (E2M1, E2M3, E3M2): what
//!   `from_f32(f32::NAN)` gives, and `is_nan()` is never true there.
//! - E8M0 has no zero and no negative values: `zero()`, `neg_zero()` and `-x` are NaN, as
//!   `from_f32(0.0)` and `from_f32(-x)` are, and `is_zero()` is always false.

use core::num::FpCategory;

use half::{bf16, f16};
use num_traits::float::FloatCore;
use num_traits::{
    AsPrimitive, Bounded, Float, FloatConst, FromPrimitive, Num, NumCast, One, Signed, ToPrimitive,
    Zero,
};

use super::{Typed, fmt_impls, ops, round, round_f64, round_result, value};
use crate::element::convert::{self, Class};

use super::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E3M4, Float8E4M3, Float8E4M3B11FNUZ,
    Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, Float8E8M0FNU,
};

/// `f` of the exact value, rounded once.
#[inline]
fn un<T: Typed>(x: T, f: impl Fn(f64) -> f64) -> T {
    round_result(f(value(x)))
}

/// `f` of the exact values, rounded once.
#[inline]
fn bin<T: Typed>(x: T, y: T, f: impl Fn(f64, f64) -> f64) -> T {
    round_result(f(value(x), value(y)))
}

/// +∞, or `MAX` in a format without infinity.
fn infinity<T: Typed>() -> T {
    let s = T::SPEC;
    T::with_code(s.inf_code().unwrap_or(s.max_code()) as u8)
}

/// −∞, or `MIN` in a format without infinity (the smallest code of an unsigned format).
fn neg_infinity<T: Typed>() -> T {
    let s = T::SPEC;
    if !s.is_signed() {
        return T::with_code(0);
    }
    T::with_code((s.inf_code().unwrap_or(s.max_code()) | s.sign_bit()) as u8)
}

/// An exact u128, split for the conversion routine. Above `i128::MAX` the lowest bit joins the
/// next one as a sticky bit (both lie far below the rounding point of any format) and the
/// value is halved, then doubled exactly.
fn split_u128(n: u128) -> (bool, Class) {
    match i128::try_from(n) {
        Ok(i) => convert::split_i128(i),
        Err(_) => {
            let (neg, c) = convert::split_i128(((n >> 1) | (n & 1)) as i128);
            (neg, c.scale_pow2(1))
        }
    }
}

/// The integer `n`, rounded once.
fn from_i128<T: Typed>(n: i128) -> T {
    let (neg, c) = convert::split_i128(n);
    round(neg, c)
}

/// The integer `n`, rounded once.
fn from_u128<T: Typed>(n: u128) -> T {
    let (neg, c) = split_u128(n);
    round(neg, c)
}

fn integer_decode<T: Typed>(x: T) -> (u64, i16, i8) {
    let s = T::SPEC;
    let code = x.code() as u32;
    if s.is_nan_code(code) || s.is_inf_code(code) {
        return FloatCore::integer_decode(value(x) as f32);
    }
    let (e, m) = s.code_exp_sig(code);
    let sign = if code & s.sign_bit() != 0 { -1 } else { 1 };
    (m as u64, e as i16, sign)
}

macro_rules! num_impls {
    ($($name:ident),*) => {$(
        impl Zero for $name {
            /// +0 (NaN for E8M0, which has no zero).
            #[inline]
            fn zero() -> Self {
                round_f64(0.0)
            }
            #[inline]
            fn is_zero(&self) -> bool {
                value(*self) == 0.0
            }
        }

        impl One for $name {
            #[inline]
            fn one() -> Self {
                $name::ONE
            }
        }

        impl Num for $name {
            type FromStrRadixErr = num_traits::ParseFloatError;
            /// Radix 10 is [`FromStr`](core::str::FromStr) (correctly rounded); other radixes
            /// go through num-traits' f64 parser and are rounded again.
            fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
                if radix == 10 {
                    fmt_impls::parse(s).map_err(|_| num_traits::ParseFloatError {
                        kind: if s.is_empty() {
                            num_traits::FloatErrorKind::Empty
                        } else {
                            num_traits::FloatErrorKind::Invalid
                        },
                    })
                } else {
                    <f64 as Num>::from_str_radix(s, radix).map(round_f64)
                }
            }
        }

        impl Bounded for $name {
            fn min_value() -> Self {
                Self::MIN
            }
            fn max_value() -> Self {
                Self::MAX
            }
        }

        impl ToPrimitive for $name {
            fn to_i64(&self) -> Option<i64> {
                ToPrimitive::to_i64(&value(*self))
            }
            fn to_u64(&self) -> Option<u64> {
                ToPrimitive::to_u64(&value(*self))
            }
            fn to_i128(&self) -> Option<i128> {
                ToPrimitive::to_i128(&value(*self))
            }
            fn to_u128(&self) -> Option<u128> {
                ToPrimitive::to_u128(&value(*self))
            }
            fn to_f32(&self) -> Option<f32> {
                Some($name::to_f32(*self))
            }
            fn to_f64(&self) -> Option<f64> {
                Some(value(*self))
            }
        }

        impl FromPrimitive for $name {
            fn from_i64(n: i64) -> Option<Self> {
                Self::from_i128(n as i128)
            }
            fn from_u64(n: u64) -> Option<Self> {
                Self::from_u128(n as u128)
            }
            /// The integer itself, rounded once.
            fn from_i128(n: i128) -> Option<Self> {
                Some(from_i128(n))
            }
            /// The integer itself, rounded once.
            fn from_u128(n: u128) -> Option<Self> {
                Some(from_u128(n))
            }
            fn from_f32(x: f32) -> Option<Self> {
                Some($name::from_f32(x))
            }
            fn from_f64(x: f64) -> Option<Self> {
                Some($name::from_f64(x))
            }
        }

        impl NumCast for $name {
            /// Integers are taken exactly (rounded once even past 2^53), floats as they are.
            fn from<T: ToPrimitive>(n: T) -> Option<Self> {
                let f = n.to_f64()?;
                if f.is_finite() && f.abs() >= 9007199254740992.0 {
                    if let Some(i) = n.to_i128() {
                        return <Self as FromPrimitive>::from_i128(i);
                    }
                    if let Some(u) = n.to_u128() {
                        return <Self as FromPrimitive>::from_u128(u);
                    }
                }
                Some($name::from_f64(f))
            }
        }

        impl FloatCore for $name {
            fn infinity() -> Self {
                infinity()
            }
            fn neg_infinity() -> Self {
                neg_infinity()
            }
            fn nan() -> Self {
                round_result(f64::NAN)
            }
            fn neg_zero() -> Self {
                round_f64(-0.0)
            }
            fn min_value() -> Self {
                Self::MIN
            }
            fn min_positive_value() -> Self {
                Self::MIN_POSITIVE
            }
            fn epsilon() -> Self {
                Self::EPSILON
            }
            fn max_value() -> Self {
                Self::MAX
            }
            fn is_nan(self) -> bool {
                $name::is_nan(self)
            }
            fn is_infinite(self) -> bool {
                $name::is_infinite(self)
            }
            fn is_finite(self) -> bool {
                $name::is_finite(self)
            }
            fn is_normal(self) -> bool {
                $name::is_normal(self)
            }
            fn classify(self) -> FpCategory {
                $name::classify(self)
            }
            fn floor(self) -> Self {
                un(self, FloatCore::floor)
            }
            fn ceil(self) -> Self {
                un(self, FloatCore::ceil)
            }
            fn round(self) -> Self {
                un(self, FloatCore::round)
            }
            fn trunc(self) -> Self {
                un(self, FloatCore::trunc)
            }
            fn fract(self) -> Self {
                un(self, FloatCore::fract)
            }
            fn abs(self) -> Self {
                $name::abs(self)
            }
            fn signum(self) -> Self {
                $name::signum(self)
            }
            fn is_sign_positive(self) -> bool {
                $name::is_sign_positive(self)
            }
            fn is_sign_negative(self) -> bool {
                $name::is_sign_negative(self)
            }
            fn min(self, other: Self) -> Self {
                $name::min(self, other)
            }
            fn max(self, other: Self) -> Self {
                $name::max(self, other)
            }
            fn clamp(self, min: Self, max: Self) -> Self {
                $name::clamp(self, min, max)
            }
            fn recip(self) -> Self {
                un(self, |v| 1.0 / v)
            }
            fn powi(self, n: i32) -> Self {
                ops::powi(self, n)
            }
            fn to_degrees(self) -> Self {
                un(self, FloatCore::to_degrees)
            }
            fn to_radians(self) -> Self {
                un(self, FloatCore::to_radians)
            }
            fn integer_decode(self) -> (u64, i16, i8) {
                integer_decode(self)
            }
        }

        impl Float for $name {
            fn nan() -> Self {
                round_result(f64::NAN)
            }
            fn infinity() -> Self {
                infinity()
            }
            fn neg_infinity() -> Self {
                neg_infinity()
            }
            fn neg_zero() -> Self {
                round_f64(-0.0)
            }
            fn min_value() -> Self {
                Self::MIN
            }
            fn min_positive_value() -> Self {
                Self::MIN_POSITIVE
            }
            fn epsilon() -> Self {
                Self::EPSILON
            }
            fn max_value() -> Self {
                Self::MAX
            }
            fn is_nan(self) -> bool {
                $name::is_nan(self)
            }
            fn is_infinite(self) -> bool {
                $name::is_infinite(self)
            }
            fn is_finite(self) -> bool {
                $name::is_finite(self)
            }
            fn is_normal(self) -> bool {
                $name::is_normal(self)
            }
            fn classify(self) -> FpCategory {
                $name::classify(self)
            }
            fn floor(self) -> Self {
                un(self, FloatCore::floor)
            }
            fn ceil(self) -> Self {
                un(self, FloatCore::ceil)
            }
            fn round(self) -> Self {
                un(self, FloatCore::round)
            }
            fn trunc(self) -> Self {
                un(self, FloatCore::trunc)
            }
            fn fract(self) -> Self {
                un(self, FloatCore::fract)
            }
            fn abs(self) -> Self {
                $name::abs(self)
            }
            fn signum(self) -> Self {
                $name::signum(self)
            }
            fn is_sign_positive(self) -> bool {
                $name::is_sign_positive(self)
            }
            fn is_sign_negative(self) -> bool {
                $name::is_sign_negative(self)
            }
            fn mul_add(self, a: Self, b: Self) -> Self {
                round_result(Float::mul_add(value(self), value(a), value(b)))
            }
            fn recip(self) -> Self {
                un(self, |v| 1.0 / v)
            }
            fn powi(self, n: i32) -> Self {
                ops::powi(self, n)
            }
            fn powf(self, n: Self) -> Self {
                bin(self, n, Float::powf)
            }
            fn sqrt(self) -> Self {
                un(self, Float::sqrt)
            }
            fn exp(self) -> Self {
                un(self, Float::exp)
            }
            fn exp2(self) -> Self {
                un(self, Float::exp2)
            }
            fn ln(self) -> Self {
                un(self, Float::ln)
            }
            fn log(self, base: Self) -> Self {
                bin(self, base, Float::log)
            }
            fn log2(self) -> Self {
                un(self, Float::log2)
            }
            fn log10(self) -> Self {
                un(self, Float::log10)
            }
            fn to_degrees(self) -> Self {
                un(self, Float::to_degrees)
            }
            fn to_radians(self) -> Self {
                un(self, Float::to_radians)
            }
            fn max(self, other: Self) -> Self {
                $name::max(self, other)
            }
            fn min(self, other: Self) -> Self {
                $name::min(self, other)
            }
            fn clamp(self, min: Self, max: Self) -> Self {
                $name::clamp(self, min, max)
            }
            /// `max(self − other, 0)`; NaN if either is NaN.
            fn abs_sub(self, other: Self) -> Self {
                if self.is_nan() || other.is_nan() {
                    round_result(f64::NAN)
                } else if self <= other {
                    round_f64(0.0)
                } else {
                    self - other
                }
            }
            fn cbrt(self) -> Self {
                un(self, Float::cbrt)
            }
            fn hypot(self, other: Self) -> Self {
                bin(self, other, Float::hypot)
            }
            fn sin(self) -> Self {
                un(self, Float::sin)
            }
            fn cos(self) -> Self {
                un(self, Float::cos)
            }
            fn tan(self) -> Self {
                un(self, Float::tan)
            }
            fn asin(self) -> Self {
                un(self, Float::asin)
            }
            fn acos(self) -> Self {
                un(self, Float::acos)
            }
            fn atan(self) -> Self {
                un(self, Float::atan)
            }
            fn atan2(self, other: Self) -> Self {
                bin(self, other, Float::atan2)
            }
            fn sin_cos(self) -> (Self, Self) {
                (Float::sin(self), Float::cos(self))
            }
            fn exp_m1(self) -> Self {
                un(self, Float::exp_m1)
            }
            fn ln_1p(self) -> Self {
                un(self, Float::ln_1p)
            }
            fn sinh(self) -> Self {
                un(self, Float::sinh)
            }
            fn cosh(self) -> Self {
                un(self, Float::cosh)
            }
            fn tanh(self) -> Self {
                un(self, Float::tanh)
            }
            fn asinh(self) -> Self {
                un(self, Float::asinh)
            }
            fn acosh(self) -> Self {
                un(self, Float::acosh)
            }
            fn atanh(self) -> Self {
                un(self, Float::atanh)
            }
            fn integer_decode(self) -> (u64, i16, i8) {
                integer_decode(self)
            }
            fn copysign(self, sign: Self) -> Self {
                $name::copysign(self, sign)
            }
        }

        impl FloatConst for $name {
            float_consts!(
                E, FRAC_1_PI, FRAC_1_SQRT_2, FRAC_2_PI, FRAC_2_SQRT_PI, FRAC_PI_2, FRAC_PI_3,
                FRAC_PI_4, FRAC_PI_6, FRAC_PI_8, LN_10, LN_2, LOG10_E, LOG2_E, PI, SQRT_2, TAU,
                LOG10_2, LOG2_10
            );
        }

        impl num_traits::float::TotalOrder for $name {
            fn total_cmp(&self, other: &Self) -> core::cmp::Ordering {
                $name::total_cmp(self, other)
            }
        }

        impl num_traits::ToBytes for $name {
            type Bytes = [u8; 1];
            fn to_be_bytes(&self) -> [u8; 1] {
                [self.0]
            }
            fn to_le_bytes(&self) -> [u8; 1] {
                [self.0]
            }
        }

        impl num_traits::FromBytes for $name {
            type Bytes = [u8; 1];
            /// [`from_bits`](Self::from_bits): bits above the width are cleared.
            fn from_be_bytes(bytes: &[u8; 1]) -> Self {
                Self::from_bits(bytes[0])
            }
            /// [`from_bits`](Self::from_bits): bits above the width are cleared.
            fn from_le_bytes(bytes: &[u8; 1]) -> Self {
                Self::from_bits(bytes[0])
            }
        }

        as_primitive!($name, from_i128, i128: i8, i16, i32, i64, i128, isize);
        as_primitive!($name, from_u128, u128: u8, u16, u32, u64, u128, usize);

        impl AsPrimitive<f32> for $name {
            #[inline]
            fn as_(self) -> f32 {
                self.to_f32()
            }
        }
        impl AsPrimitive<f64> for $name {
            #[inline]
            fn as_(self) -> f64 {
                value(self)
            }
        }
        impl AsPrimitive<f16> for $name {
            /// Rounded once (exact, except for E8M0 beyond f16's range).
            #[inline]
            fn as_(self) -> f16 {
                f16::from_f32(self.to_f32())
            }
        }
        impl AsPrimitive<bf16> for $name {
            /// Exact.
            #[inline]
            fn as_(self) -> bf16 {
                bf16::from_f32(self.to_f32())
            }
        }
        impl AsPrimitive<$name> for f32 {
            #[inline]
            fn as_(self) -> $name {
                $name::from_f32(self)
            }
        }
        impl AsPrimitive<$name> for f64 {
            /// Rounded once, never through f32.
            #[inline]
            fn as_(self) -> $name {
                $name::from_f64(self)
            }
        }
        impl AsPrimitive<$name> for f16 {
            #[inline]
            fn as_(self) -> $name {
                $name::from_f16(self)
            }
        }
        impl AsPrimitive<$name> for bf16 {
            #[inline]
            fn as_(self) -> $name {
                $name::from_bf16(self)
            }
        }
    )*};
}

macro_rules! float_consts {
    ($($c:ident),*) => {$(
        #[inline]
        fn $c() -> Self {
            round_f64(core::f64::consts::$c)
        }
    )*};
}

/// `AsPrimitive` between a typed scalar and the primitive integers: `as` semantics out of the
/// scalar (truncation toward zero, saturation, NaN → 0), the integer rounded once into it.
macro_rules! as_primitive {
    ($name:ident, $from:ident, $wide:ident: $($int:ident),*) => {$(
        impl AsPrimitive<$int> for $name {
            #[inline]
            fn as_(self) -> $int {
                value(self) as $int
            }
        }
        impl AsPrimitive<$name> for $int {
            #[inline]
            fn as_(self) -> $name {
                $from(self as $wide)
            }
        }
    )*};
}

super::for_all!(num_impls);

/// `AsPrimitive` between every pair of typed scalars (and each with itself): the exact value
/// of one rounded once to the other.
macro_rules! as_typed {
    ($($a:ident),*) => {
        as_typed!(@each [$($a),*] $($a),*);
    };
    (@each $all:tt $($a:ident),*) => {$(
        as_typed!(@pairs $a $all);
    )*};
    (@pairs $a:ident [$($b:ident),*]) => {$(
        impl AsPrimitive<$b> for $a {
            #[inline]
            fn as_(self) -> $b {
                $b::from_f32(self.to_f32())
            }
        }
    )*};
}

super::for_all!(as_typed);

macro_rules! signed {
    ($($name:ident),*) => {$(
        impl Signed for $name {
            fn abs(&self) -> Self {
                $name::abs(*self)
            }
            /// `max(self − other, 0)` (NaN − anything is NaN), as for `f32`.
            fn abs_sub(&self, other: &Self) -> Self {
                if *self <= *other { Self::ZERO } else { *self - *other }
            }
            fn signum(&self) -> Self {
                $name::signum(*self)
            }
            /// Whether the sign bit is clear (+0 and +∞ included), as for `f32`.
            fn is_positive(&self) -> bool {
                $name::is_sign_positive(*self)
            }
            /// Whether the sign bit is set (−0 and −∞ included), as for `f32`.
            fn is_negative(&self) -> bool {
                $name::is_sign_negative(*self)
            }
        }
    )*};
}

super::for_signed!(signed);
