//! The value types the bulk functions take and return: [`Real`] (f32, f64, f16, bf16) for
//! element slices, [`Real32`] (f32, f16, bf16: every value exactly an f32) for scaled
//! formats. One generic entry point per operation instead of a twin per type.

use half::{bf16, f16};

use crate::element::convert::{self, Class};
use crate::element::{ElementFormat, encode_class_of};
use crate::round::{Overflow, Rounding};

mod sealed {
    use super::*;

    /// The crate-internal half of [`Real`](super::Real).
    pub trait Sealed: Copy + Default + 'static {
        /// Splits a value exactly into a sign and a [`Class`].
        fn split(self) -> (bool, Class);
        /// The value as f32 (exact for [`Real32`](super::Real32) types; f64 rounds).
        fn to_f32(self) -> f32;
        /// An f32 as `Self`, rounded once to nearest even.
        fn from_f32(v: f32) -> Self;
        /// The value as f64 (exact for every type).
        fn to_f64(self) -> f64;
        /// The values as f32 (exact for [`Real32`](super::Real32) types; f64 rounds).
        fn to_f32s(x: &[Self], out: &mut [f32]);
        /// f32 values as `Self`, each rounded once to nearest even.
        fn from_f32s(v: &[f32], out: &mut [Self]);
        /// The slice itself when `Self` is f32.
        fn as_f32(x: &[Self]) -> Option<&[f32]> {
            let _ = x;
            None
        }
        /// The slice itself when `Self` is f32.
        fn as_f32_mut(x: &mut [Self]) -> Option<&mut [f32]> {
            let _ = x;
            None
        }
        /// Whether every value is exactly an f32, so f32 kernels may take it.
        const EXACT_IN_F32: bool;
        /// Whether `Self` is f32 (slices are used in place).
        const IS_F32: bool = false;
    }
}

/// A value type of the bulk functions: `f32`, `f64`, [`half::f16`] or [`half::bf16`]
/// (sealed). Conversions into a format are correctly rounded from the value itself (an
/// f64 is never rounded to f32 first); conversions out of a format round once, to nearest
/// even.
///
/// ```
/// use half::f16;
/// use lowbit::{ElementFormat, Overflow, Rounding};
/// // The same entry point for every input type.
/// let f = ElementFormat::FLOAT8_E4M3FN;
/// let (mut a, mut b) = ([0u8; 2], [0u8; 2]);
/// f.encode_slice(&[1.5f32, -3.0], Rounding::NearestEven, Overflow::Saturate, &mut a).unwrap();
/// f.encode_slice(&[f16::from_f32(1.5), f16::from_f32(-3.0)], Rounding::NearestEven, Overflow::Saturate, &mut b).unwrap();
/// assert_eq!(a, b);
/// ```
pub trait Real: sealed::Sealed {}

/// A [`Real`] whose every value is exactly an f32 (`f32`, `f16`, `bf16`): the inputs and
/// outputs of scaled formats, whose kernels compute in f32.
///
/// ```
/// use half::bf16;
/// use lowbit::BlockFormat;
/// // A bf16 checkpoint quantizes without an f32 copy.
/// let x: Vec<bf16> = [1.0f32, -0.5, 3.0].iter().map(|&v| bf16::from_f32(v)).collect();
/// let mut y = vec![bf16::ZERO; 3];
/// BlockFormat::MXFP4.quantize_dequantize(&x, &mut y).unwrap();
/// assert_eq!(y, x);
/// ```
pub trait Real32: Real {}

impl Real for f32 {}
impl Real for f64 {}
impl Real for f16 {}
impl Real for bf16 {}
impl Real32 for f32 {}
impl Real32 for f16 {}
impl Real32 for bf16 {}

impl sealed::Sealed for f32 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn split(self) -> (bool, Class) {
        convert::split_f32(self)
    }
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        v
    }
    #[inline]
    fn to_f32s(x: &[Self], out: &mut [f32]) {
        out.copy_from_slice(x);
    }
    #[inline]
    fn from_f32s(v: &[f32], out: &mut [Self]) {
        out.copy_from_slice(v);
    }
    fn as_f32(x: &[Self]) -> Option<&[f32]> {
        Some(x)
    }
    fn as_f32_mut(x: &mut [Self]) -> Option<&mut [f32]> {
        Some(x)
    }
    const EXACT_IN_F32: bool = true;
    const IS_F32: bool = true;
}

impl sealed::Sealed for f64 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn split(self) -> (bool, Class) {
        convert::split_f64(self)
    }
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        v as f64
    }
    #[inline]
    fn to_f32s(x: &[Self], out: &mut [f32]) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = v as f32;
        }
    }
    #[inline]
    fn from_f32s(v: &[f32], out: &mut [Self]) {
        for (o, &q) in out.iter_mut().zip(v) {
            *o = q as f64;
        }
    }
    const EXACT_IN_F32: bool = false;
}

impl sealed::Sealed for f16 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f16::to_f64(self)
    }
    #[inline(always)]
    fn split(self) -> (bool, Class) {
        convert::split_f16(self)
    }
    #[inline(always)]
    fn to_f32(self) -> f32 {
        f16::to_f32(self)
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        f16::from_f32(v)
    }
    #[inline]
    fn to_f32s(x: &[Self], out: &mut [f32]) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = v.to_f32();
        }
    }
    #[inline]
    fn from_f32s(v: &[f32], out: &mut [Self]) {
        for (o, &q) in out.iter_mut().zip(v) {
            *o = f16::from_f32(q);
        }
    }
    const EXACT_IN_F32: bool = true;
}

impl sealed::Sealed for bf16 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        bf16::to_f64(self)
    }
    #[inline(always)]
    fn split(self) -> (bool, Class) {
        convert::split_bf16(self)
    }
    #[inline(always)]
    fn to_f32(self) -> f32 {
        bf16::to_f32(self)
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        bf16::from_f32(v)
    }
    #[inline]
    fn to_f32s(x: &[Self], out: &mut [f32]) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = v.to_f32();
        }
    }
    #[inline]
    fn from_f32s(v: &[f32], out: &mut [Self]) {
        for (o, &q) in out.iter_mut().zip(v) {
            *o = bf16::from_f32(q);
        }
    }
    const EXACT_IN_F32: bool = true;
}

/// `f.encode` of any [`Real`], correctly rounded from the value itself.
#[inline(always)]
pub(crate) fn encode<T: Real>(f: &ElementFormat, x: T, r: Rounding, o: Overflow) -> u32 {
    let (neg, c) = x.split();
    encode_class_of(f, neg, c, r, o).0
}
