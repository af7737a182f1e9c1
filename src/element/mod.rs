//! [`ElementFormat`] and the [`Format`] trait; names and their grammar are in `name`.

pub(crate) mod codebook;
pub(crate) mod convert;
pub(crate) mod fast;
pub(crate) mod name;
pub(crate) mod typed;

use half::{bf16, f16};

use crate::error::Error;
use crate::round::{Overflow, Rounding, Status};
use crate::spec::{FloatSpec, IntSpec, NonFinite, must, must_int};
use codebook::Codebook;
use convert::Class;

/// A runtime description of one element format: any float spec, any integer, ternary, or a
/// codebook (a table of values).
///
/// ```
/// use lowbit::{ElementFormat, Format, Overflow, Rounding};
/// let e4m3: ElementFormat = "float8_e4m3fn".parse().unwrap();
/// let code = e4m3.encode(1.1, Rounding::NearestEven, Overflow::NonFinite);
/// assert_eq!(code, 0x39);
/// assert_eq!(e4m3.decode(code), 1.125);
/// assert_eq!(e4m3.to_string(), "float8_e4m3fn");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ElementFormat {
    /// A binary floating-point format.
    Float(FloatSpec),
    /// A two's-complement or unsigned integer.
    Int(IntSpec),
    /// Ternary {−1, 0, +1} stored as the 2-bit codes 0, 1, 2 (value + 1, the BitNet I2_S and
    /// GGUF TQ2_0 convention). Code 3 decodes to NaN and is never produced.
    Ternary,
    /// A table of `2^k` values (`k ≤ 8`): code `c` is `table[c]`, encoding picks an entry by
    /// the rounding mode (see [`Codebook`]). The named tables are [`ElementFormat::NF4`],
    /// [`ElementFormat::BNB_FP4`] and [`ElementFormat::IQ4_NL`]; any `'static` table (a
    /// `static` built with the `const fn` [`Codebook::new`]) may be used.
    ///
    /// `Display` prints a named table's name; another table prints a label
    /// (`codebook{k}_{digest}`) that does not parse, as a name cannot carry a table.
    Codebook(&'static Codebook),
}

const fn fl(e: u32, m: u32, bias: i32, nf: NonFinite) -> ElementFormat {
    ElementFormat::Float(must(FloatSpec::new(e, m, bias, true, false, nf)))
}

const fn int(bits: u32, signed: bool) -> ElementFormat {
    ElementFormat::Int(must_int(IntSpec::new(bits, signed, false)))
}

use NonFinite::{Finite, Fn, Fnuz, Ieee};

impl ElementFormat {
    /// OCP OFP8 E4M3 (max 448, NaN 0x7F/0xFF, no infinity).
    pub const FLOAT8_E4M3FN: Self = fl(4, 3, 7, Fn);
    /// OCP OFP8 E5M2 (IEEE-style, max 57344, ±inf).
    pub const FLOAT8_E5M2: Self = fl(5, 2, 15, Ieee);
    /// Graphcore/AMD E4M3 with bias 8, NaN at 0x80, no −0.
    pub const FLOAT8_E4M3FNUZ: Self = fl(4, 3, 8, Fnuz);
    /// Graphcore/AMD E5M2 with bias 16, NaN at 0x80, no −0.
    pub const FLOAT8_E5M2FNUZ: Self = fl(5, 2, 16, Fnuz);
    /// Graphcore E4M3 with bias 11, NaN at 0x80, no −0.
    pub const FLOAT8_E4M3B11FNUZ: Self = fl(4, 3, 11, Fnuz);
    /// IEEE-style E3M4 (max 15.5).
    pub const FLOAT8_E3M4: Self = fl(3, 4, 3, Ieee);
    /// IEEE-style E4M3 (max 240, ±inf).
    pub const FLOAT8_E4M3: Self = fl(4, 3, 7, Ieee);
    /// OCP MX E8M0 scale: unsigned, no zero, code 0 = 2^-127, 0xFF = NaN.
    pub const FLOAT8_E8M0FNU: Self =
        ElementFormat::Float(must(FloatSpec::new(8, 0, 127, false, true, Fn)));
    /// OCP MX FP6 E2M3 (max 7.5, all codes finite).
    pub const FLOAT6_E2M3FN: Self = fl(2, 3, 1, Finite);
    /// OCP MX FP6 E3M2 (max 28, all codes finite).
    pub const FLOAT6_E3M2FN: Self = fl(3, 2, 3, Finite);
    /// OCP MX FP4 E2M1 (values 0, 0.5, 1, 1.5, 2, 3, 4, 6).
    pub const FLOAT4_E2M1FN: Self = fl(2, 1, 1, Finite);
    /// IEEE 754 binary16.
    pub const FLOAT16: Self = fl(5, 10, 15, Ieee);
    /// bfloat16.
    pub const BFLOAT16: Self = fl(8, 7, 127, Ieee);
    /// Unsigned E4M3 (bias 7, max 448, NaN 0x7F): the NVFP4 block scale as GGUF stores it.
    pub const UE4M3: Self = ElementFormat::Float(must(FloatSpec::new(4, 3, 7, false, false, Fn)));
    /// Signed 8-bit integer.
    pub const INT8: Self = int(8, true);
    /// Signed 4-bit integer.
    pub const INT4: Self = int(4, true);
    /// Unsigned 8-bit integer.
    pub const UINT8: Self = int(8, false);
    /// Unsigned 4-bit integer.
    pub const UINT4: Self = int(4, false);
    /// NF4 (QLoRA's 4-bit NormalFloat) as bitsandbytes stores it: [`Codebook::NF4`].
    pub const NF4: Self = ElementFormat::Codebook(Codebook::NF4);
    /// bitsandbytes' 4-bit float table: [`Codebook::BNB_FP4`].
    pub const BNB_FP4: Self = ElementFormat::Codebook(Codebook::BNB_FP4);
    /// IQ4_NL's non-linear 16-level grid (ggml `kvalues_iq4nl`): [`Codebook::IQ4_NL`].
    pub const IQ4_NL: Self = ElementFormat::Codebook(Codebook::IQ4_NL);
    /// bitsandbytes' 8-bit dynamic map: [`Codebook::BNB_DYNAMIC`].
    pub const BNB_DYNAMIC: Self = ElementFormat::Codebook(Codebook::BNB_DYNAMIC);

    /// The float spec, if this is a float format.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert_eq!(ElementFormat::FLOAT8_E5M2.float_spec().unwrap().man_bits(), 2);
    /// assert!(ElementFormat::INT8.float_spec().is_none());
    /// ```
    #[must_use]
    pub const fn float_spec(&self) -> Option<FloatSpec> {
        match self {
            ElementFormat::Float(s) => Some(*s),
            _ => None,
        }
    }

    /// The largest finite value.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert_eq!(ElementFormat::FLOAT8_E4M3FN.max_value(), 448.0);
    /// assert_eq!(ElementFormat::INT4.max_value(), 7.0);
    /// ```
    #[must_use]
    pub fn max_value(&self) -> f64 {
        match self {
            ElementFormat::Float(s) => convert::decode_float(s, s.max_code()),
            ElementFormat::Int(s) => s.max_value() as f64,
            ElementFormat::Ternary => 1.0,
            ElementFormat::Codebook(c) => c.max_value() as f64,
        }
    }

    /// The smallest (most negative) finite value.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert_eq!(ElementFormat::FLOAT4_E2M1FN.min_value(), -6.0);
    /// assert_eq!(ElementFormat::UINT4.min_value(), 0.0);
    /// ```
    #[must_use]
    pub fn min_value(&self) -> f64 {
        match self {
            ElementFormat::Float(s) if s.is_signed() => -self.max_value(),
            ElementFormat::Float(s) => convert::decode_float(s, 0),
            ElementFormat::Int(s) => s.min_value() as f64,
            ElementFormat::Ternary => -1.0,
            ElementFormat::Codebook(c) => c.min_value() as f64,
        }
    }

    /// The smallest positive normal value (for integers and ternary, 1; for a codebook its
    /// smallest positive entry, NaN if it has none).
    ///
    /// ```
    /// assert_eq!(lowbit::ElementFormat::FLOAT8_E4M3FN.min_positive_normal(), 2f64.powi(-6));
    /// ```
    #[must_use]
    pub fn min_positive_normal(&self) -> f64 {
        match self {
            ElementFormat::Float(s) => convert::pow2_f64(s.emin()),
            ElementFormat::Codebook(c) => c.min_positive(),
            _ => 1.0,
        }
    }

    /// The smallest positive value (the least subnormal where the format has subnormals; a
    /// codebook's smallest positive entry, NaN if it has none).
    ///
    /// ```
    /// assert_eq!(lowbit::ElementFormat::FLOAT8_E4M3FN.min_positive(), 2f64.powi(-9));
    /// assert_eq!(lowbit::ElementFormat::IQ4_NL.min_positive(), 1.0);
    /// ```
    #[must_use]
    pub fn min_positive(&self) -> f64 {
        match self {
            ElementFormat::Float(s) if s.zero_is_normal() => convert::pow2_f64(s.emin()),
            ElementFormat::Float(s) => convert::pow2_f64(s.min_quantum_exp()),
            ElementFormat::Codebook(c) => c.min_positive(),
            _ => 1.0,
        }
    }

    /// The distance from 1 to the next larger value (2^−M for floats; 1 for integers; for a
    /// codebook, the smallest gap between two of its distinct values).
    ///
    /// ```
    /// assert_eq!(lowbit::ElementFormat::FLOAT8_E5M2.epsilon(), 0.25);
    /// assert_eq!(lowbit::ElementFormat::IQ4_NL.epsilon(), 11.0); // -10 to 1
    /// ```
    #[must_use]
    pub fn epsilon(&self) -> f64 {
        match self {
            ElementFormat::Float(s) => convert::pow2_f64(-(s.man_bits() as i32)),
            ElementFormat::Codebook(c) => c.min_gap(),
            _ => 1.0,
        }
    }

    /// Whether the format has ±infinity.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert!(ElementFormat::FLOAT8_E5M2.has_inf() && !ElementFormat::FLOAT8_E4M3FN.has_inf());
    /// ```
    #[must_use]
    pub const fn has_inf(&self) -> bool {
        matches!(self, ElementFormat::Float(s) if s.has_inf())
    }

    /// Whether the format has a NaN code.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert!(ElementFormat::FLOAT8_E4M3FN.has_nan() && !ElementFormat::FLOAT4_E2M1FN.has_nan());
    /// ```
    #[must_use]
    pub const fn has_nan(&self) -> bool {
        match self {
            ElementFormat::Float(s) => s.has_nan(),
            ElementFormat::Ternary => true,
            ElementFormat::Int(_) | ElementFormat::Codebook(_) => false,
        }
    }

    /// Whether `code` is a NaN of this format (false for codes outside the width).
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert!(ElementFormat::FLOAT8_E4M3FN.is_nan_code(0xFF));
    /// assert!(!ElementFormat::FLOAT8_E4M3FN.is_nan_code(0x7E));
    /// ```
    #[must_use]
    pub const fn is_nan_code(&self, code: u32) -> bool {
        match self {
            ElementFormat::Float(s) => code >> s.bits() == 0 && s.is_nan_code(code),
            ElementFormat::Ternary => code == 3,
            ElementFormat::Int(_) | ElementFormat::Codebook(_) => false,
        }
    }

    /// Every code of the format in order, `0 .. 2^bits`.
    ///
    /// ```
    /// use lowbit::{ElementFormat, Format};
    /// let e2m1 = ElementFormat::FLOAT4_E2M1FN;
    /// let values: Vec<f32> = e2m1.codes().map(|c| e2m1.decode(c)).collect();
    /// assert_eq!(&values[..8], &[0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]);
    /// ```
    #[must_use]
    pub fn codes(&self) -> core::ops::Range<u32> {
        0..(1u32 << self.bits())
    }
}

const TERNARY: IntSpec = must_int(IntSpec::new(2, true, true));

impl ElementFormat {
    /// The code a scaled format stores for every NaN, whatever produced it (an input NaN of
    /// either sign, ∞/∞, a NaN scale): the positive canonical NaN where the format has NaN,
    /// else the code of +0 (ternary: code 1; a codebook: [`Codebook::zero_code`]). The sign
    /// of a NaN made by arithmetic is the CPU's choice, so stored bytes would otherwise
    /// differ between machines.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert_eq!(ElementFormat::FLOAT8_E4M3FN.stored_nan(), 0x7F);
    /// assert_eq!(ElementFormat::FLOAT8_E5M2.stored_nan(), 0x7E);
    /// assert_eq!(ElementFormat::FLOAT4_E2M1FN.stored_nan(), 0);
    /// ```
    #[must_use]
    pub const fn stored_nan(&self) -> u32 {
        match self {
            ElementFormat::Float(s) => match s.nan_code(false) {
                Some(c) => c,
                None => 0,
            },
            ElementFormat::Int(_) => 0,
            ElementFormat::Ternary => 1,
            ElementFormat::Codebook(c) => c.zero_code(),
        }
    }

    /// The codebook, for codebook formats.
    ///
    /// ```
    /// use lowbit::{Codebook, ElementFormat};
    /// assert_eq!(ElementFormat::NF4.codebook(), Some(Codebook::NF4));
    /// assert!(ElementFormat::INT4.codebook().is_none());
    /// ```
    #[must_use]
    pub const fn codebook(&self) -> Option<&'static Codebook> {
        match self {
            ElementFormat::Codebook(c) => Some(c),
            _ => None,
        }
    }

    /// [`Format::encode`] for a scaled format's stored values: NaN gives
    /// [`stored_nan`](Self::stored_nan).
    #[inline]
    pub(crate) fn encode_stored(&self, x: f32, r: Rounding, o: Overflow) -> u32 {
        if x.is_nan() {
            self.stored_nan()
        } else {
            self.encode(x, r, o)
        }
    }

    /// [`Format::encode_f64`] for a scaled format's stored values (see
    /// [`encode_stored`](Self::encode_stored)).
    #[inline]
    pub(crate) fn encode_stored_f64(&self, x: f64, r: Rounding, o: Overflow) -> u32 {
        if x.is_nan() {
            self.stored_nan()
        } else {
            self.encode_f64(x, r, o)
        }
    }
}

/// A scale or tensor scale as a scaled format stores it: NaN as the canonical `0x7FC00000`.
#[inline]
pub(crate) fn stored_f32(v: f32) -> f32 {
    if v.is_nan() { f32::NAN } else { v }
}

mod sealed {
    use crate::element::convert::Class;
    use crate::round::{Overflow, Rounding, Status};

    /// The crate-internal half of [`Format`](super::Format): the conversion on split inputs.
    pub trait Sealed {
        fn encode_class(&self, neg: bool, c: Class, r: Rounding, o: Overflow) -> (u32, Status);
        fn decode_unchecked(&self, code: u32) -> f64;
    }
}
use sealed::Sealed;

/// Encodes an already split input (for the block and slice code in this crate).
#[inline(always)]
pub(crate) fn encode_class_of(
    f: &ElementFormat,
    neg: bool,
    c: Class,
    r: Rounding,
    o: Overflow,
) -> (u32, Status) {
    Sealed::encode_class(f, neg, c, r, o)
}

/// Encode and decode for any element format description.
///
/// Implemented by [`ElementFormat`], [`FloatSpec`], [`IntSpec`] and [`Codebook`] (sealed:
/// the crate decides what a format is). All conversions are correctly rounded from the input value
/// itself: f64, f16 and bf16 inputs are never rounded through f32 first.
///
/// ```
/// use lowbit::{ElementFormat, FloatSpec, Format, IntSpec, NonFinite, Overflow, Rounding};
/// // The same routine behind every description of a format.
/// let spec = FloatSpec::signed(4, 3, NonFinite::Fn).unwrap();
/// assert_eq!(spec.encode(3.3, Rounding::NearestEven, Overflow::Saturate), 0x45);
/// assert_eq!(ElementFormat::Float(spec).decode(0x45), 3.25);
/// assert_eq!(IntSpec::new(4, true, false).unwrap().encode(-9.0, Rounding::NearestEven, Overflow::Saturate), 8);
/// ```
pub trait Format: Sealed {
    /// Width of one code in bits.
    fn bits(&self) -> u32;

    /// The exact value of `code` as f64, or an error if `code ≥ 2^bits`.
    fn try_decode_f64(&self, code: u32) -> Result<f64, Error> {
        let bits = self.bits();
        if bits < 32 && code >> bits != 0 {
            return Err(Error::CodeOutOfRange { code, bits });
        }
        Ok(Sealed::decode_unchecked(self, code))
    }

    /// The exact value of `code`, or an error if `code ≥ 2^bits`.
    fn try_decode(&self, code: u32) -> Result<f32, Error> {
        // Every value of every format is an f32 (checked when the spec is built).
        self.try_decode_f64(code).map(|v| v as f32)
    }

    /// The exact value of `code`; NaN codes give NaN.
    ///
    /// # Panics
    /// If `code ≥ 2^bits` (like slice indexing); [`Format::try_decode`] returns an error instead.
    fn decode(&self, code: u32) -> f32 {
        self.decode_f64(code) as f32
    }

    /// The exact value of `code` as f64.
    ///
    /// # Panics
    /// If `code ≥ 2^bits`.
    fn decode_f64(&self, code: u32) -> f64 {
        match self.try_decode_f64(code) {
            Ok(v) => v,
            Err(_) => panic!("code {code:#x} does not fit in {} bits", self.bits()),
        }
    }

    /// The value of `code` rounded to f16 (nearest-even, overflow to ±∞); one rounding only.
    ///
    /// # Panics
    /// If `code ≥ 2^bits`.
    fn decode_f16(&self, code: u32) -> f16 {
        f16::from_f32(self.decode(code))
    }

    /// The value of `code` rounded to bf16 (nearest-even); one rounding only.
    ///
    /// # Panics
    /// If `code ≥ 2^bits`.
    fn decode_bf16(&self, code: u32) -> bf16 {
        bf16::from_f32(self.decode(code))
    }

    /// Encodes `x` with the given rounding and overflow policy.
    fn encode(&self, x: f32, rounding: Rounding, overflow: Overflow) -> u32 {
        self.encode_status(x, rounding, overflow).0
    }

    /// Encodes `x` and reports the IEEE-style [`Status`] flags.
    fn encode_status(&self, x: f32, rounding: Rounding, overflow: Overflow) -> (u32, Status) {
        let (n, c) = convert::split_f32(x);
        Sealed::encode_class(self, n, c, rounding, overflow)
    }

    /// Encodes the f64 `x`, correctly rounded from `x` itself (never through f32).
    fn encode_f64(&self, x: f64, rounding: Rounding, overflow: Overflow) -> u32 {
        self.encode_f64_status(x, rounding, overflow).0
    }

    /// [`Format::encode_f64`] with status flags.
    fn encode_f64_status(&self, x: f64, rounding: Rounding, overflow: Overflow) -> (u32, Status) {
        let (n, c) = convert::split_f64(x);
        Sealed::encode_class(self, n, c, rounding, overflow)
    }

    /// Encodes an f16.
    fn encode_f16(&self, x: f16, rounding: Rounding, overflow: Overflow) -> u32 {
        let (n, c) = convert::split_f16(x);
        Sealed::encode_class(self, n, c, rounding, overflow).0
    }

    /// Encodes a bf16.
    fn encode_bf16(&self, x: bf16, rounding: Rounding, overflow: Overflow) -> u32 {
        let (n, c) = convert::split_bf16(x);
        Sealed::encode_class(self, n, c, rounding, overflow).0
    }
}

impl Format for FloatSpec {
    #[inline(always)]
    fn bits(&self) -> u32 {
        FloatSpec::bits(self)
    }
}

impl Sealed for FloatSpec {
    #[inline(always)]
    fn encode_class(&self, neg: bool, c: Class, r: Rounding, o: Overflow) -> (u32, Status) {
        convert::encode_float(self, neg, c, r, o)
    }
    #[inline(always)]
    fn decode_unchecked(&self, code: u32) -> f64 {
        convert::decode_float(self, code)
    }
}

impl Format for IntSpec {
    #[inline(always)]
    fn bits(&self) -> u32 {
        IntSpec::bits(self)
    }
}

impl Sealed for IntSpec {
    #[inline(always)]
    fn encode_class(&self, neg: bool, c: Class, r: Rounding, _o: Overflow) -> (u32, Status) {
        convert::encode_int(self, neg, c, r)
    }
    #[inline(always)]
    fn decode_unchecked(&self, code: u32) -> f64 {
        convert::decode_int(self, code) as f64
    }
}

impl Format for ElementFormat {
    #[inline(always)]
    fn bits(&self) -> u32 {
        match self {
            ElementFormat::Float(s) => s.bits(),
            ElementFormat::Int(s) => s.bits(),
            ElementFormat::Ternary => 2,
            ElementFormat::Codebook(c) => c.bits(),
        }
    }
}

impl Sealed for ElementFormat {
    #[inline(always)]
    fn encode_class(&self, neg: bool, c: Class, r: Rounding, o: Overflow) -> (u32, Status) {
        match self {
            ElementFormat::Float(s) => convert::encode_float(s, neg, c, r, o),
            ElementFormat::Int(s) => convert::encode_int(s, neg, c, r),
            ElementFormat::Ternary => {
                if c == Class::Nan {
                    return (1, Status::INVALID);
                }
                let (code, st) = convert::encode_int(&TERNARY, neg, c, r);
                // Two's-complement −1/0/+1 (3/0/1) to value + 1 (0/1/2).
                (((code + 1) & 3), st)
            }
            ElementFormat::Codebook(cb) => cb.encode_value(neg, c, r),
        }
    }
    #[inline(always)]
    fn decode_unchecked(&self, code: u32) -> f64 {
        match self {
            ElementFormat::Float(s) => convert::decode_float(s, code),
            ElementFormat::Int(s) => convert::decode_int(s, code) as f64,
            ElementFormat::Ternary if code == 3 => f64::NAN,
            ElementFormat::Ternary => code as f64 - 1.0,
            ElementFormat::Codebook(cb) => cb.value(code) as f64,
        }
    }
}

impl Format for Codebook {
    #[inline(always)]
    fn bits(&self) -> u32 {
        Codebook::bits(self)
    }
}

impl Sealed for Codebook {
    #[inline(always)]
    fn encode_class(&self, neg: bool, c: Class, r: Rounding, _o: Overflow) -> (u32, Status) {
        self.encode_value(neg, c, r)
    }
    #[inline(always)]
    fn decode_unchecked(&self, code: u32) -> f64 {
        self.value(code) as f64
    }
}

impl From<FloatSpec> for ElementFormat {
    fn from(s: FloatSpec) -> Self {
        ElementFormat::Float(s)
    }
}

impl From<IntSpec> for ElementFormat {
    fn from(s: IntSpec) -> Self {
        ElementFormat::Int(s)
    }
}
