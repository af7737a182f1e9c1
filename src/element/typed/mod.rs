//! Typed scalars in the spirit of `half::f16`: a `#[repr(transparent)]` code with the
//! vocabulary of std's floats. Every conversion calls the generic routine in `convert` with a
//! constant [`FloatSpec`], so a typed scalar and [`ElementFormat`](crate::ElementFormat) give
//! the same bits by construction.
//!
//! - `mod.rs`: the types, their constants, conversions and std-style inherent methods;
//! - `ops.rs`: arithmetic (`+ - * / %`, negation, `Sum`, `Product`);
//! - `fmt.rs`: `FromStr` (correctly rounded from the decimal string) and the formatting traits;
//! - `num.rs`: the num-traits impls (`Float`, `FloatCore`, `FloatConst`, `AsPrimitive`, …);
//! - `serde.rs`: the optional serde impls.

use core::cmp::Ordering;
use core::fmt;
use core::num::FpCategory;

use half::{bf16, f16};

use crate::element::ElementFormat;
use crate::element::convert::{self, Class};
use crate::round::{Overflow, Rounding};
use crate::spec::{FloatSpec, NonFinite};

mod fmt_impls;
mod num;
mod ops;
#[cfg(feature = "serde")]
mod serde;

/// The crate-internal view of a typed scalar that the generic helpers of the submodules use.
pub(crate) trait Typed: Copy + 'static {
    /// The format as data.
    const SPEC: FloatSpec;
    /// The type's name (for serde's messages).
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    const NAME: &'static str;
    /// The code.
    fn code(self) -> u8;
    /// The value with code `code`, which must be below `2^bits`.
    fn with_code(code: u8) -> Self;
}

/// Rounds a split value to `T` (nearest-even, the conventional overflow).
#[inline]
pub(crate) fn round<T: Typed>(neg: bool, class: Class) -> T {
    let r = convert::encode_float(
        &T::SPEC,
        neg,
        class,
        Rounding::NearestEven,
        Overflow::NonFinite,
    );
    T::with_code(r.0 as u8)
}

/// Rounds an f64 to `T` once (nearest-even, the conventional overflow).
#[inline]
pub(crate) fn round_f64<T: Typed>(x: f64) -> T {
    let (n, c) = convert::split_f64(x);
    round(n, c)
}

/// Rounds the f64 result of an operation to `T`. A NaN result is the positive canonical NaN
/// (or +0 where `T` has no NaN), whatever sign the CPU gave it, so results do not depend on
/// the machine.
#[inline]
pub(crate) fn round_result<T: Typed>(x: f64) -> T {
    if x.is_nan() {
        T::with_code(T::SPEC.nan_code(false).unwrap_or(0) as u8)
    } else {
        round_f64(x)
    }
}

/// The exact value of `x`.
#[inline]
pub(crate) fn value<T: Typed>(x: T) -> f64 {
    convert::decode_float(&T::SPEC, x.code() as u32)
}

/// A key whose integer order is the IEEE 754 `totalOrder` of the codes: negative codes below
/// positive ones, `−0 < +0`, positive NaNs above +∞ and negative NaNs below −∞. The one NaN
/// of an `fnuz` format (the negative-zero code) sorts lowest, as its f32 value (−NaN) does.
#[inline]
pub(crate) const fn total_key(spec: &FloatSpec, code: u8) -> i32 {
    let code = code as u32;
    let mag = (code & spec.mag_mask()) as i32;
    if matches!(spec.non_finite(), NonFinite::Fnuz) && code == spec.sign_bit() {
        i32::MIN
    } else if code & spec.sign_bit() != 0 {
        -mag - 1
    } else {
        mag
    }
}

/// Every typed scalar, for the submodules' impl macros.
macro_rules! for_all {
    ($m:ident) => {
        $m!(
            Float8E4M3FN,
            Float8E5M2,
            Float8E4M3FNUZ,
            Float8E5M2FNUZ,
            Float8E4M3B11FNUZ,
            Float8E3M4,
            Float8E4M3,
            Float8E8M0FNU,
            Float6E2M3FN,
            Float6E3M2FN,
            Float4E2M1FN
        );
    };
}
pub(crate) use for_all;

/// Every signed typed scalar (all but E8M0).
macro_rules! for_signed {
    ($m:ident) => {
        $m!(
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
    };
}
pub(crate) use for_signed;

macro_rules! float_scalar {
    (
        $(#[$doc:meta])*
        $name:ident, $fmt:expr, f16 = $to_f16:tt, bytes = $bytes:tt
    ) => {
        float_scalar!(@struct [$(#[$doc])*] $name $bytes);

        impl Typed for $name {
            const SPEC: FloatSpec = $name::SPEC;
            const NAME: &'static str = stringify!($name);
            #[inline(always)]
            fn code(self) -> u8 {
                self.0
            }
            #[inline(always)]
            fn with_code(code: u8) -> Self {
                $name(code)
            }
        }

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
            /// The value with the given code, or `None` if bits above the width are set.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert!(", stringify!($name), "::try_from_bits(", stringify!($name), "::MAX.to_bits()).is_some());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn try_from_bits(bits: u8) -> Option<Self> {
                if bits <= Self::MASK {
                    Some($name(bits))
                } else {
                    None
                }
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
            /// The code as a one-byte array (the same in every byte order).
            #[inline]
            #[must_use]
            pub const fn to_le_bytes(self) -> [u8; 1] {
                [self.0]
            }
            /// The code as a one-byte array (the same in every byte order).
            #[inline]
            #[must_use]
            pub const fn to_be_bytes(self) -> [u8; 1] {
                [self.0]
            }
            /// The code as a one-byte array (the same in every byte order).
            #[inline]
            #[must_use]
            pub const fn to_ne_bytes(self) -> [u8; 1] {
                [self.0]
            }
            /// The value of a one-byte code ([`from_bits`](Self::from_bits)).
            #[inline]
            #[must_use]
            pub const fn from_le_bytes(bytes: [u8; 1]) -> Self {
                Self::from_bits(bytes[0])
            }
            /// The value of a one-byte code ([`from_bits`](Self::from_bits)).
            #[inline]
            #[must_use]
            pub const fn from_be_bytes(bytes: [u8; 1]) -> Self {
                Self::from_bits(bytes[0])
            }
            /// The value of a one-byte code ([`from_bits`](Self::from_bits)).
            #[inline]
            #[must_use]
            pub const fn from_ne_bytes(bytes: [u8; 1]) -> Self {
                Self::from_bits(bytes[0])
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
            /// 1.
            pub const ONE: Self = $name(((Self::SPEC.bias() as u32) << Self::SPEC.man_bits()) as u8);
            /// The radix of the representation, 2.
            pub const RADIX: u32 = 2;
            /// Significant bits, the implicit one included (`M + 1`).
            pub const MANTISSA_DIGITS: u32 = Self::SPEC.man_bits() + 1;
            /// Decimal digits that survive a round trip through the format,
            /// ⌊(MANTISSA_DIGITS − 1) · log10 2⌋ (as `f32::DIGITS`; 0 for most 8-bit formats).
            pub const DIGITS: u32 = Self::SPEC.man_bits() * 30103 / 100_000;
            /// One more than the exponent of the smallest normal binade (as `f32::MIN_EXP`).
            pub const MIN_EXP: i32 = Self::SPEC.emin() + 1;
            /// One more than the exponent of the largest finite value (as `f32::MAX_EXP`).
            pub const MAX_EXP: i32 = Self::SPEC.code_exp_sig(Self::SPEC.max_code()).0
                + Self::SPEC.man_bits() as i32
                + 1;

            /// Rounds `x` to nearest-even, overflow as the conventional cast (∞, NaN or
            /// saturate, per the format).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::from_f32(1.0).to_f32(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn from_f32(x: f32) -> Self {
                Self::from_f32_rounded(x, Rounding::NearestEven, Overflow::NonFinite)
            }
            /// Rounds `x` with an explicit rounding mode and overflow policy.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nuse lowbit::{Overflow, Rounding};\nassert_eq!(", stringify!($name), "::from_f32_rounded(1.0, Rounding::TowardZero, Overflow::Saturate).to_f32(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn from_f32_rounded(x: f32, rounding: Rounding, overflow: Overflow) -> Self {
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
                round_f64(x)
            }
            /// Rounds the f64 `x` with an explicit rounding mode and overflow policy.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nuse lowbit::{Overflow, Rounding};\nassert_eq!(", stringify!($name), "::from_f64_rounded(1.0, Rounding::NearestAway, Overflow::NonFinite).to_f64(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn from_f64_rounded(x: f64, rounding: Rounding, overflow: Overflow) -> Self {
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
                round(n, c)
            }
            /// Rounds a bf16 (nearest-even).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::from_bf16(half::bf16::ONE).to_f32(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn from_bf16(x: bf16) -> Self {
                let (n, c) = convert::split_bf16(x);
                round(n, c)
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
            /// Whether the value is normal: not zero, subnormal, infinite or NaN.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert!(", stringify!($name), "::from_f32(1.0).is_normal());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn is_normal(self) -> bool {
                matches!(self.classify(), FpCategory::Normal)
            }
            /// Whether the sign bit is set (never, for an unsigned format).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert!(!", stringify!($name), "::from_f32(1.0).is_sign_negative());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn is_sign_negative(self) -> bool {
                self.0 as u32 & Self::SPEC.sign_bit() != 0
            }
            /// Whether the sign bit is clear.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert!(", stringify!($name), "::from_f32(1.0).is_sign_positive());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn is_sign_positive(self) -> bool {
                !self.is_sign_negative()
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
            /// 1 for a positive value (+0 and +∞ included), −1 for a negative one, NaN for NaN
            /// (as `f32::signum`).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::MAX.signum().to_f32(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn signum(self) -> Self {
                if self.is_nan() {
                    self
                } else if self.is_sign_negative() {
                    $name(Self::ONE.0 | Self::SPEC.sign_bit() as u8)
                } else {
                    Self::ONE
                }
            }
            /// The absolute value: the sign bit cleared (a NaN stays NaN; in an `fnuz` format
            /// the NaN is the negative-zero code and is returned as it is).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::MAX.abs().to_bits(), ", stringify!($name), "::MAX.to_bits());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn abs(self) -> Self {
                if matches!(Self::SPEC.non_finite(), NonFinite::Fnuz) && self.is_nan() {
                    self
                } else {
                    $name(self.0 & !(Self::SPEC.sign_bit() as u8))
                }
            }
            /// `self` with the sign of `sign` (as `f32::copysign`, which also reads the sign bit
            /// of a NaN). Where the format has no −0 (`fnuz`), a zero and the NaN keep their
            /// codes; an unsigned format returns `self`.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::MAX.copysign(", stringify!($name), "::ONE).to_bits(), ", stringify!($name), "::MAX.to_bits());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub const fn copysign(self, sign: Self) -> Self {
                let s = Self::SPEC.sign_bit() as u8;
                let mag = self.0 as u32 & Self::SPEC.mag_mask();
                if s == 0 || (!Self::SPEC.has_neg_zero() && mag == 0) {
                    self
                } else {
                    $name((self.0 & !s) | (sign.0 & s))
                }
            }
            /// The larger of two values; if one is NaN, the other (as `f32::max`).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::ONE.max(", stringify!($name), "::MAX).to_bits(), ", stringify!($name), "::MAX.to_bits());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn max(self, other: Self) -> Self {
                if self.is_nan() || self < other { other } else { self }
            }
            /// The smaller of two values; if one is NaN, the other (as `f32::min`).
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert_eq!(", stringify!($name), "::ONE.min(", stringify!($name), "::MAX).to_bits(), ", stringify!($name), "::ONE.to_bits());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn min(self, other: Self) -> Self {
                if self.is_nan() || other < self { other } else { self }
            }
            /// `self` restricted to `[min, max]`; NaN stays NaN (as `f32::clamp`).
            ///
            /// # Panics
            /// If `min > max` or either bound is NaN.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nlet x = ", stringify!($name), "::MAX.clamp(", stringify!($name), "::ONE, ", stringify!($name), "::ONE);\nassert_eq!(x.to_f32(), 1.0);\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn clamp(self, min: Self, max: Self) -> Self {
                assert!(min <= max, "clamp: min > max, or a bound is NaN");
                let mut x = self;
                if x < min {
                    x = min;
                }
                if x > max {
                    x = max;
                }
                x
            }
            /// The IEEE 754 `totalOrder` of the codes (as `f32::total_cmp`): −NaN < −∞ < … <
            /// −0 < +0 < … < +∞ < +NaN, NaNs ordered by payload. The `fnuz` NaN sorts lowest.
            #[doc = concat!(
                "\n```\nuse lowbit::", stringify!($name), ";\nassert!(", stringify!($name), "::ONE.total_cmp(&", stringify!($name), "::MAX).is_le());\n```\n"
            )]
            #[inline]
            #[must_use]
            pub fn total_cmp(&self, other: &Self) -> Ordering {
                total_key(&Self::SPEC, self.0).cmp(&total_key(&Self::SPEC, other.0))
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
    (@struct [$(#[$doc:meta])*] $name:ident pod) => {
        $(#[$doc])*
        ///
        /// Every byte is a code of this format, so the type is `bytemuck::Pod`: slices of bytes
        /// and of values cast both ways for free.
        ///
        #[doc = include_str!("scalar.md")]
        #[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
        #[repr(transparent)]
        pub struct $name(u8);
    };
    (@struct [$(#[$doc:meta])*] $name:ident checked) => {
        $(#[$doc])*
        ///
        /// The code lives in the low bits of the byte and the bits above the width are zero:
        /// [`from_bits`](Self::from_bits) clears them, [`try_from_bits`](Self::try_from_bits)
        /// refuses them, and so does a cast from bytes, which is checked
        /// (`bytemuck::checked::try_cast_slice`, through `CheckedBitPattern`). Values cast to
        /// bytes for free (`NoUninit`).
        ///
        #[doc = include_str!("scalar.md")]
        #[derive(Clone, Copy, bytemuck::Zeroable, bytemuck::NoUninit)]
        #[repr(transparent)]
        pub struct $name(u8);

        // SAFETY: `Bits = u8` has the layout of `Self` (`repr(transparent)` over `u8`), and a
        // byte that passes the check is a code below `2^bits`: exactly the values `Self` holds.
        unsafe impl bytemuck::CheckedBitPattern for $name {
            type Bits = u8;
            #[inline]
            fn is_valid_bit_pattern(bits: &u8) -> bool {
                *bits <= $name::MASK
            }
        }
    };
}

/// Adds the zero-related constants to formats that have a zero (all but E8M0).
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
            /// −1.
            pub const NEG_ONE: Self = $name(Self::ONE.0 | Self::SPEC.sign_bit() as u8);
            /// The largest subnormal value.
            pub const MAX_SUBNORMAL: Self = $name(((1u32 << Self::SPEC.man_bits()) - 1) as u8);
        }
        impl Default for $name {
            /// +0.
            fn default() -> Self {
                $name(0)
            }
        }
    )*};
}

/// Adds `NAN` to formats that have one.
macro_rules! with_nan {
    ($($name:ident),*) => {$(
        impl $name {
            /// The canonical NaN (positive where the format has a NaN of either sign).
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
    Float8E4M3FN, ElementFormat::FLOAT8_E4M3FN, f16 = yes, bytes = pod
);
float_scalar!(
    /// OCP OFP8 E5M2 (`float8_e5m2`): IEEE-style, max 57344, ±∞.
    Float8E5M2, ElementFormat::FLOAT8_E5M2, f16 = yes, bytes = pod
);
float_scalar!(
    /// `float8_e4m3fnuz`: bias 8, NaN 0x80, no −0, no infinity.
    Float8E4M3FNUZ, ElementFormat::FLOAT8_E4M3FNUZ, f16 = yes, bytes = pod
);
float_scalar!(
    /// `float8_e5m2fnuz`: bias 16, NaN 0x80, no −0, no infinity.
    Float8E5M2FNUZ, ElementFormat::FLOAT8_E5M2FNUZ, f16 = yes, bytes = pod
);
float_scalar!(
    /// `float8_e4m3b11fnuz`: bias 11, NaN 0x80, no −0, no infinity.
    Float8E4M3B11FNUZ, ElementFormat::FLOAT8_E4M3B11FNUZ, f16 = yes, bytes = pod
);
float_scalar!(
    /// `float8_e3m4`: IEEE-style, max 15.5, ±∞.
    Float8E3M4, ElementFormat::FLOAT8_E3M4, f16 = yes, bytes = pod
);
float_scalar!(
    /// `float8_e4m3`: IEEE-style E4M3, max 240, ±∞.
    Float8E4M3, ElementFormat::FLOAT8_E4M3, f16 = yes, bytes = pod
);
float_scalar!(
    /// OCP MX E8M0 scale (`float8_e8m0fnu`): 2^(code − 127), code 0xFF = NaN, no zero, no sign.
    ///
    /// Zero and negative inputs give NaN. Ties round up (1.5 → 2), as ml_dtypes, PyTorch and
    /// LLVM do. `Default` is 1.0, since there is no zero.
    Float8E8M0FNU, ElementFormat::FLOAT8_E8M0FNU, f16 = no, bytes = pod
);
float_scalar!(
    /// OCP MX FP6 E2M3 (`float6_e2m3fn`): max 7.5, every code finite.
    Float6E2M3FN, ElementFormat::FLOAT6_E2M3FN, f16 = yes, bytes = checked
);
float_scalar!(
    /// OCP MX FP6 E3M2 (`float6_e3m2fn`): max 28, every code finite.
    Float6E3M2FN, ElementFormat::FLOAT6_E3M2FN, f16 = yes, bytes = checked
);
float_scalar!(
    /// OCP MX FP4 E2M1 (`float4_e2m1fn`): ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}.
    Float4E2M1FN, ElementFormat::FLOAT4_E2M1FN, f16 = yes, bytes = checked
);

for_signed!(with_zero);
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
