//! Typed scalars in the spirit of `half::f16`: a `#[repr(transparent)]` code with the
//! vocabulary of std's floats. Every conversion calls the generic routine in `convert` with a
//! constant [`FloatSpec`], so a typed scalar and [`ElementFormat`](crate::ElementFormat) give
//! the same bits by construction.

use core::cmp::Ordering;
use core::fmt;
use core::num::FpCategory;

use half::{bf16, f16};

use crate::element::ElementFormat;
use crate::element::convert;
use crate::round::{Overflow, Rounding};
use crate::spec::FloatSpec;

macro_rules! float_scalar {
    (
        $(#[$doc:meta])*
        $name:ident, $fmt:expr, f16 = $to_f16:tt
    ) => {
        $(#[$doc])*
        ///
        /// Sub-byte formats live in the low bits of the byte; [`from_bits`](Self::from_bits)
        /// clears the bits above the width.
        #[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
        #[repr(transparent)]
        pub struct $name(u8);

        impl $name {
            /// The format as data.
            pub const SPEC: FloatSpec = match $fmt.float_spec() {
                Some(s) => s,
                None => panic!("not a float format"),
            };
            /// The runtime format description.
            pub const FORMAT: ElementFormat = $fmt;
            const MASK: u8 = ((1u32 << Self::SPEC.bits()) - 1) as u8;

            /// The value with the given code (bits above the width are cleared).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nlet one = ", stringify!($name), "::from_f32(1.0);\nassert_eq!(", stringify!($name), "::from_bits(one.to_bits()).to_f32(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn from_bits(bits: u8) -> Self {
                $name(bits & Self::MASK)
            }
            /// The code.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::from_bits(1).to_bits(), 1);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn to_bits(self) -> u8 {
                self.0
            }
            /// Largest finite value.
            pub const MAX: Self = $name(Self::SPEC.max_code() as u8);
            /// Smallest finite value (−MAX for signed formats, the smallest code otherwise).
            pub const MIN: Self = if Self::SPEC.is_signed() {
                $name((Self::SPEC.max_code() | Self::SPEC.sign_bit()) as u8)
            } else {
                $name(0)
            };
            /// Smallest positive normal value.
            pub const MIN_POSITIVE: Self = if Self::SPEC.zero_is_normal() {
                $name(0)
            } else {
                $name(1 << Self::SPEC.man_bits())
            };
            /// Smallest positive value (the least subnormal, where the format has subnormals).
            pub const MIN_POSITIVE_SUBNORMAL: Self = if Self::SPEC.zero_is_normal() {
                $name(0)
            } else {
                $name(1)
            };
            /// The difference between 1 and the next larger value, 2^−M.
            pub const EPSILON: Self = {
                // Exponent −M: normal when −M ≥ emin, else a subnormal with one mantissa bit.
                let m = Self::SPEC.man_bits() as i32;
                let field = Self::SPEC.bias() - m;
                if field >= 1 || (field == 0 && Self::SPEC.zero_is_normal()) {
                    $name(((field as u32) << m as u32) as u8)
                } else {
                    $name(1u8 << (m - 1 + field))
                }
            };

            /// Rounds `x` to nearest-even, overflow as the conventional cast (∞, NaN or
            /// saturate, per the format).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::from_f32(1.0).to_f32(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn from_f32(x: f32) -> Self {
                Self::from_f32_with(x, Rounding::NearestEven, Overflow::NonFinite)
            }
            /// Rounds `x` with an explicit rounding mode and overflow policy.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nuse lowbit::{Overflow, Rounding};\nassert_eq!(", stringify!($name), "::from_f32_with(1.0, Rounding::TowardZero, Overflow::Saturate).to_f32(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn from_f32_with(x: f32, rounding: Rounding, overflow: Overflow) -> Self {
                let (n, c) = convert::split_f32(x);
                $name(convert::encode_float(&Self::SPEC, n, c, rounding, overflow).0 as u8)
            }
            /// Rounds the f64 `x` once, to nearest-even (never through f32).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::from_f64(1.0).to_f64(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn from_f64(x: f64) -> Self {
                Self::from_f64_with(x, Rounding::NearestEven, Overflow::NonFinite)
            }
            /// Rounds the f64 `x` with an explicit rounding mode and overflow policy.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nuse lowbit::{Overflow, Rounding};\nassert_eq!(", stringify!($name), "::from_f64_with(1.0, Rounding::NearestAway, Overflow::NonFinite).to_f64(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn from_f64_with(x: f64, rounding: Rounding, overflow: Overflow) -> Self {
                let (n, c) = convert::split_f64(x);
                $name(convert::encode_float(&Self::SPEC, n, c, rounding, overflow).0 as u8)
            }
            /// Rounds an f16 (nearest-even).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::from_f16(half::f16::ONE).to_f32(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn from_f16(x: f16) -> Self {
                let (n, c) = convert::split_f16(x);
                let r = (Rounding::NearestEven, Overflow::NonFinite);
                $name(convert::encode_float(&Self::SPEC, n, c, r.0, r.1).0 as u8)
            }
            /// Rounds a bf16 (nearest-even).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::from_bf16(half::bf16::ONE).to_f32(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn from_bf16(x: bf16) -> Self {
                let (n, c) = convert::split_bf16(x);
                let r = (Rounding::NearestEven, Overflow::NonFinite);
                $name(convert::encode_float(&Self::SPEC, n, c, r.0, r.1).0 as u8)
            }
            /// The exact value.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::from_f32(1.0).to_f32(), 1.0f32);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn to_f32(self) -> f32 {
                convert::decode_float(&Self::SPEC, self.0 as u32) as f32
            }
            /// The exact value.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::from_f32(1.0).to_f64(), 1.0f64);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn to_f64(self) -> f64 {
                convert::decode_float(&Self::SPEC, self.0 as u32)
            }
            /// Whether the code is a NaN.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert!(!", stringify!($name), "::from_f32(1.0).is_nan());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn is_nan(self) -> bool {
                Self::SPEC.is_nan_code(self.0 as u32)
            }
            /// Whether the code is ±infinity.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert!(!", stringify!($name), "::from_f32(1.0).is_infinite());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn is_infinite(self) -> bool {
                Self::SPEC.is_inf_code(self.0 as u32)
            }
            /// Whether the value is neither infinite nor NaN.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert!(", stringify!($name), "::from_f32(1.0).is_finite());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn is_finite(self) -> bool {
                !self.is_nan() && !self.is_infinite()
            }
            /// Whether the sign bit is set.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert!(!", stringify!($name), "::from_f32(1.0).is_sign_negative());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn is_sign_negative(self) -> bool {
                self.0 as u32 & Self::SPEC.sign_bit() != 0
            }
            /// The IEEE category of the value.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::from_f32(1.0).classify(), core::num::FpCategory::Normal);\n```\n"
            )]
            #[must_use]
            pub const fn classify(self) -> FpCategory {
                let mag = self.0 as u32 & Self::SPEC.mag_mask();
                if self.is_nan() {
                    FpCategory::Nan
                } else if self.is_infinite() {
                    FpCategory::Infinite
                } else if Self::SPEC.zero_is_normal() {
                    FpCategory::Normal
                } else if mag == 0 {
                    FpCategory::Zero
                } else if mag >> Self::SPEC.man_bits() == 0 {
                    FpCategory::Subnormal
                } else {
                    FpCategory::Normal
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.to_f32(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:#04x} = {:?})", stringify!($name), self.0, self.to_f32())
            }
        }

        impl PartialEq for $name {
            /// IEEE equality: NaN ≠ NaN, +0 = −0.
            fn eq(&self, other: &Self) -> bool {
                self.to_f32() == other.to_f32()
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                self.to_f32().partial_cmp(&other.to_f32())
            }
        }

        impl From<$name> for f32 {
            fn from(x: $name) -> f32 {
                x.to_f32()
            }
        }

        impl From<$name> for f64 {
            fn from(x: $name) -> f64 {
                x.to_f64()
            }
        }

        impl From<$name> for bf16 {
            /// Lossless: every value of the format is a bf16.
            fn from(x: $name) -> bf16 {
                bf16::from_f32(x.to_f32())
            }
        }

        float_scalar!(@f16 $name $to_f16);

        impl num_traits::One for $name {
            fn one() -> Self {
                Self::from_f32(1.0)
            }
        }

        impl core::ops::Mul for $name {
            type Output = Self;
            /// The product of the exact values, rounded once (nearest-even).
            fn mul(self, rhs: Self) -> Self {
                // Both significands have ≤ 5 bits, so the f64 product is exact.
                Self::from_f64(self.to_f64() * rhs.to_f64())
            }
        }

        impl num_traits::ToPrimitive for $name {
            fn to_i64(&self) -> Option<i64> {
                num_traits::ToPrimitive::to_i64(&$name::to_f64(*self))
            }
            fn to_u64(&self) -> Option<u64> {
                num_traits::ToPrimitive::to_u64(&$name::to_f64(*self))
            }
            fn to_f32(&self) -> Option<f32> {
                Some($name::to_f32(*self))
            }
            fn to_f64(&self) -> Option<f64> {
                Some($name::to_f64(*self))
            }
        }

        impl num_traits::FromPrimitive for $name {
            fn from_i64(n: i64) -> Option<Self> {
                Self::from_i128(n as i128)
            }
            fn from_u64(n: u64) -> Option<Self> {
                Self::from_i128(n as i128)
            }
            fn from_i128(n: i128) -> Option<Self> {
                let (neg, c) = convert::split_i128(n);
                let r = (Rounding::NearestEven, Overflow::NonFinite);
                Some($name(convert::encode_float(&Self::SPEC, neg, c, r.0, r.1).0 as u8))
            }
            fn from_u128(n: u128) -> Option<Self> {
                match i128::try_from(n) {
                    Ok(i) => Self::from_i128(i),
                    Err(_) => Some(Self::from_f64(n as f64)),
                }
            }
            fn from_f32(x: f32) -> Option<Self> {
                Some($name::from_f32(x))
            }
            fn from_f64(x: f64) -> Option<Self> {
                Some($name::from_f64(x))
            }
        }

        impl num_traits::NumCast for $name {
            fn from<T: num_traits::ToPrimitive>(n: T) -> Option<Self> {
                // Integers beyond 2^53 are taken exactly, so they are rounded only once.
                let f = n.to_f64()?;
                if f.abs() >= 9007199254740992.0 && f.is_finite() {
                    if let Some(i) = n.to_i128() {
                        return <Self as num_traits::FromPrimitive>::from_i128(i);
                    }
                }
                Some($name::from_f64(f))
            }
        }

        impl num_traits::Bounded for $name {
            fn min_value() -> Self {
                Self::MIN
            }
            fn max_value() -> Self {
                Self::MAX
            }
        }
    };
    (@f16 $name:ident yes) => {
        impl From<$name> for f16 {
            /// Lossless: every value of the format is an f16.
            fn from(x: $name) -> f16 {
                f16::from_f32(x.to_f32())
            }
        }
    };
    (@f16 $name:ident no) => {};
}

/// Adds the zero-related traits to formats that have a zero (all but E8M0).
macro_rules! with_zero {
    ($($name:ident),*) => {$(
        impl $name {
            /// +0.
            pub const ZERO: Self = $name(0);
            /// −0 where the format has one, else +0.
            pub const NEG_ZERO: Self = if Self::SPEC.has_neg_zero() {
                $name(Self::SPEC.sign_bit() as u8)
            } else {
                $name(0)
            };
        }
        impl Default for $name {
            /// +0.
            fn default() -> Self {
                $name(0)
            }
        }
        impl num_traits::Zero for $name {
            fn zero() -> Self {
                $name(0)
            }
            fn is_zero(&self) -> bool {
                self.0 as u32 & Self::SPEC.mag_mask() == 0 && !self.is_nan()
            }
        }
        impl core::ops::Add for $name {
            type Output = Self;
            /// The sum of the exact values, rounded once (nearest-even).
            fn add(self, rhs: Self) -> Self {
                // Every format with a zero spans fewer than 53 binary orders of magnitude,
                // so the f64 sum is exact and the only rounding is the final one.
                Self::from_f64(self.to_f64() + rhs.to_f64())
            }
        }
    )*};
}

/// Adds `NAN` to formats that have one.
macro_rules! with_nan {
    ($($name:ident),*) => {$(
        impl $name {
            /// The canonical NaN.
            pub const NAN: Self = match Self::SPEC.nan_code(false) {
                Some(c) => $name(c as u8),
                None => panic!("format has no NaN"),
            };
        }
    )*};
}

/// Adds `INFINITY` to formats that have one.
macro_rules! with_inf {
    ($($name:ident),*) => {$(
        impl $name {
            /// +∞.
            pub const INFINITY: Self = match Self::SPEC.inf_code() {
                Some(c) => $name(c as u8),
                None => panic!("format has no infinity"),
            };
            /// −∞.
            pub const NEG_INFINITY: Self = $name(Self::INFINITY.0 | Self::SPEC.sign_bit() as u8);
        }
    )*};
}

float_scalar!(
    /// OCP OFP8 E4M3 (`float8_e4m3fn`): max 448, NaN 0x7F/0xFF, no infinity.
    Float8E4M3FN, ElementFormat::FLOAT8_E4M3FN, f16 = yes
);
float_scalar!(
    /// OCP OFP8 E5M2 (`float8_e5m2`): IEEE-style, max 57344, ±∞.
    Float8E5M2, ElementFormat::FLOAT8_E5M2, f16 = yes
);
float_scalar!(
    /// `float8_e4m3fnuz`: bias 8, NaN 0x80, no −0, no infinity.
    Float8E4M3FNUZ, ElementFormat::FLOAT8_E4M3FNUZ, f16 = yes
);
float_scalar!(
    /// `float8_e5m2fnuz`: bias 16, NaN 0x80, no −0, no infinity.
    Float8E5M2FNUZ, ElementFormat::FLOAT8_E5M2FNUZ, f16 = yes
);
float_scalar!(
    /// `float8_e4m3b11fnuz`: bias 11, NaN 0x80, no −0, no infinity.
    Float8E4M3B11FNUZ, ElementFormat::FLOAT8_E4M3B11FNUZ, f16 = yes
);
float_scalar!(
    /// `float8_e3m4`: IEEE-style, max 15.5, ±∞.
    Float8E3M4, ElementFormat::FLOAT8_E3M4, f16 = yes
);
float_scalar!(
    /// `float8_e4m3`: IEEE-style E4M3, max 240, ±∞.
    Float8E4M3, ElementFormat::FLOAT8_E4M3, f16 = yes
);
float_scalar!(
    /// OCP MX E8M0 scale (`float8_e8m0fnu`): 2^(code − 127), code 0xFF = NaN, no zero, no sign.
    ///
    /// Zero and negative inputs give NaN. Ties round up (1.5 → 2), as ml_dtypes, PyTorch and
    /// LLVM do. `Default` is 1.0, since there is no zero.
    Float8E8M0FNU, ElementFormat::FLOAT8_E8M0FNU, f16 = no
);
float_scalar!(
    /// OCP MX FP6 E2M3 (`float6_e2m3fn`): max 7.5, every code finite.
    Float6E2M3FN, ElementFormat::FLOAT6_E2M3FN, f16 = yes
);
float_scalar!(
    /// OCP MX FP6 E3M2 (`float6_e3m2fn`): max 28, every code finite.
    Float6E3M2FN, ElementFormat::FLOAT6_E3M2FN, f16 = yes
);
float_scalar!(
    /// OCP MX FP4 E2M1 (`float4_e2m1fn`): ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}.
    Float4E2M1FN, ElementFormat::FLOAT4_E2M1FN, f16 = yes
);

with_zero!(
    Float8E4M3FN,
    Float8E5M2,
    Float8E4M3FNUZ,
    Float8E5M2FNUZ,
    Float8E4M3B11FNUZ,
    Float8E3M4,
    Float8E4M3,
    Float6E2M3FN,
    Float6E3M2FN,
    Float4E2M1FN
);
with_nan!(
    Float8E4M3FN,
    Float8E5M2,
    Float8E4M3FNUZ,
    Float8E5M2FNUZ,
    Float8E4M3B11FNUZ,
    Float8E3M4,
    Float8E4M3,
    Float8E8M0FNU
);
with_inf!(Float8E5M2, Float8E3M4, Float8E4M3);

impl Default for Float8E8M0FNU {
    /// 1.0 (E8M0 has no zero).
    fn default() -> Self {
        Float8E8M0FNU(127)
    }
}

impl From<Float4E2M1FN> for Float8E4M3FN {
    /// Lossless widening.
    fn from(x: Float4E2M1FN) -> Self {
        Float8E4M3FN::from_f32(x.to_f32())
    }
}

impl From<Float6E2M3FN> for Float8E4M3FN {
    /// Lossless widening.
    fn from(x: Float6E2M3FN) -> Self {
        Float8E4M3FN::from_f32(x.to_f32())
    }
}
