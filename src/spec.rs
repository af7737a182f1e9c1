//! Element formats as data: one [`FloatSpec`] or [`IntSpec`] value describes a format, and
//! every quantity a conversion needs (largest code, NaN code, exponent range) is derived from
//! it by `const fn`s.

use crate::error::SpecError;

/// Which codes of a float format are not finite numbers.
///
/// The four variants are the four families in use (LLVM APFloat calls this
/// `nonFiniteBehavior` + `nanEncoding`; here one enum so no invalid pair exists).
///
/// ```
/// use lowbit::{ElementFormat, NonFinite};
/// let nf = |f: ElementFormat| f.float_spec().unwrap().non_finite();
/// assert_eq!(nf(ElementFormat::FLOAT8_E5M2), NonFinite::Ieee);
/// assert_eq!(nf(ElementFormat::FLOAT8_E4M3FN), NonFinite::Fn);
/// assert_eq!(nf(ElementFormat::FLOAT8_E4M3FNUZ), NonFinite::Fnuz);
/// assert_eq!(nf(ElementFormat::FLOAT4_E2M1FN), NonFinite::Finite);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NonFinite {
    /// IEEE 754: the all-ones exponent holds ±infinity (mantissa 0) and NaNs (mantissa ≠ 0).
    /// E5M2, float16, bfloat16, ml_dtypes' `float8_e4m3` and `float8_e3m4`.
    Ieee,
    /// No infinities; the only NaNs are the all-ones exponent+mantissa codes of either sign.
    /// E4M3FN (OCP OFP8), and E8M0 (whose single NaN is 0xFF).
    Fn,
    /// No infinities and no negative zero; the negative-zero code is the one NaN.
    /// The `fnuz` types of ml_dtypes (Graphcore / AMD).
    Fnuz,
    /// Every code is a finite number: no infinity, no NaN. OCP E2M1, E2M3, E3M2.
    Finite,
    /// IEEE P3109's extended domain: no negative zero, one NaN, and ±∞ at the largest
    /// magnitude codes. Signed: the negative-zero code (`0x80` of 8 bits) is the NaN, the
    /// all-ones magnitude is ∞ (`0x7F` = +∞, `0xFF` = −∞). Unsigned: the all-ones code is the
    /// NaN, the code below it +∞. (P3109's finite domain is [`NonFinite::Fnuz`] signed and
    /// [`NonFinite::Fn`] unsigned; see [`FloatSpec::p3109`].)
    P3109,
}

impl NonFinite {
    /// The suffix used in format names.
    ///
    /// ```
    /// assert_eq!(lowbit::NonFinite::Fnuz.suffix(), "fnuz");
    /// ```
    #[must_use]
    pub const fn suffix(self) -> &'static str {
        match self {
            NonFinite::Ieee => "ieee",
            NonFinite::Fn => "fn",
            NonFinite::Fnuz => "fnuz",
            NonFinite::Finite => "finite",
            NonFinite::P3109 => "p3109",
        }
    }
}

/// A binary floating-point format of up to 16 bits, described by its encoding facts.
///
/// A value's magnitude code (the code without the sign bit) is `exponent_field << man_bits |
/// mantissa_field`. For exponent field 0 the value is `mantissa · 2^(1 − bias − man_bits)`
/// (subnormals and zero), unless [`FloatSpec::zero_is_normal`] is set, in which case field 0
/// is an ordinary binade and the format has no zero (E8M0). Otherwise the value is
/// `(2^man_bits + mantissa) · 2^(exponent_field − bias − man_bits)`.
///
/// Construct with [`FloatSpec::new`], which validates; every field is then readable.
///
/// ```
/// use lowbit::{ElementFormat, FloatSpec, NonFinite};
/// // E5M2 with a bias of 16 and no infinities: ml_dtypes' float8_e5m2fnuz.
/// let spec = FloatSpec::new(5, 2, 16, true, false, NonFinite::Fnuz).unwrap();
/// assert_eq!(ElementFormat::Float(spec), ElementFormat::FLOAT8_E5M2FNUZ);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FloatSpec {
    exp_bits: u8,
    man_bits: u8,
    signed: bool,
    zero_is_normal: bool,
    non_finite: NonFinite,
    bias: i16,
}

impl FloatSpec {
    /// A signed format with the IEEE-style default bias `2^(E−1) − 1`.
    ///
    /// ```
    /// use lowbit::{FloatSpec, NonFinite};
    /// assert_eq!(FloatSpec::signed(4, 3, NonFinite::Fn).unwrap().bias(), 7);
    /// ```
    pub const fn signed(
        exp_bits: u32,
        man_bits: u32,
        non_finite: NonFinite,
    ) -> Result<Self, SpecError> {
        if exp_bits == 0 || exp_bits > 8 {
            return Err(SpecError::ExponentBits(exp_bits));
        }
        let Some(bias) = default_bias(exp_bits) else {
            return Err(SpecError::ExponentBits(exp_bits));
        };
        Self::new(exp_bits, man_bits, bias, true, false, non_finite)
    }

    /// Validates a full description.
    ///
    /// Rules: 1 ≤ `exp_bits` ≤ 8; sign + exponent + mantissa ≤ 16 bits; `Fnuz` needs a sign
    /// bit; `zero_is_normal` (no zero, no subnormals) needs an unsigned format with `Fn` or
    /// `Finite` specials; `Ieee` needs at least one mantissa bit and a finite normal binade;
    /// every value must lie exactly in f32 (largest exponent ≤ 127, smallest step ≥ 2^−149),
    /// so that [`decode`](crate::Format::decode) is exact.
    ///
    /// ```
    /// use lowbit::{FloatSpec, NonFinite, SpecError};
    /// // E8M0: unsigned, exponent field 0 is an ordinary binade (no zero), 0xFF is NaN.
    /// let e8m0 = FloatSpec::new(8, 0, 127, false, true, NonFinite::Fn).unwrap();
    /// assert_eq!(e8m0.bits(), 8);
    /// assert!(matches!(FloatSpec::new(9, 2, 0, true, false, NonFinite::Ieee), Err(SpecError::ExponentBits(9))));
    /// ```
    pub const fn new(
        exp_bits: u32,
        man_bits: u32,
        bias: i32,
        signed: bool,
        zero_is_normal: bool,
        non_finite: NonFinite,
    ) -> Result<Self, SpecError> {
        if exp_bits == 0 || exp_bits > 8 {
            return Err(SpecError::ExponentBits(exp_bits));
        }
        // exp_bits ≤ 8 here, so the sum cannot overflow once man_bits ≤ 15 is known.
        if man_bits > 15 {
            return Err(SpecError::TooWide(man_bits));
        }
        let total = exp_bits + man_bits + signed as u32;
        if total > 16 {
            return Err(SpecError::TooWide(total));
        }
        match non_finite {
            NonFinite::Fnuz if !signed => return Err(SpecError::Variant("fnuz (unsigned)")),
            NonFinite::Ieee if man_bits == 0 => return Err(SpecError::Variant("ieee (m0)")),
            _ => {}
        }
        if zero_is_normal
            && (signed
                || matches!(
                    non_finite,
                    NonFinite::Ieee | NonFinite::Fnuz | NonFinite::P3109
                ))
        {
            return Err(SpecError::Variant("nozero"));
        }
        // An unsigned P3109 format needs room for its NaN and its +∞ above a finite code.
        if matches!(non_finite, NonFinite::P3109) && !signed && exp_bits + man_bits < 2 {
            return Err(SpecError::NoFiniteValue);
        }
        if bias < -1000 || bias > 1000 {
            return Err(SpecError::Bias(bias));
        }
        let spec = FloatSpec {
            exp_bits: exp_bits as u8,
            man_bits: man_bits as u8,
            signed,
            zero_is_normal,
            non_finite,
            bias: bias as i16,
        };
        // A finite nonzero value must exist.
        let max = spec.max_code();
        if max == 0 && !zero_is_normal {
            return Err(SpecError::NoFiniteValue);
        }
        if matches!(non_finite, NonFinite::Ieee) && exp_bits < 2 {
            return Err(SpecError::NoFiniteValue);
        }
        // Exactness in f32: the top binade's exponent ≤ 127, the finest step ≥ 2^-149.
        let (emax, _) = spec.code_exp_sig(max);
        if emax + man_bits as i32 > 127 {
            return Err(SpecError::Bias(bias));
        }
        if spec.min_quantum_exp() < -149 {
            return Err(SpecError::Bias(bias));
        }
        Ok(spec)
    }

    /// Exponent field width.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!(s.exp_bits(), 4);
    /// ```
    #[must_use]
    pub const fn exp_bits(&self) -> u32 {
        self.exp_bits as u32
    }
    /// Mantissa (trailing significand) field width.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!(s.man_bits(), 3);
    /// ```
    #[must_use]
    pub const fn man_bits(&self) -> u32 {
        self.man_bits as u32
    }
    /// Exponent bias.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!(s.bias(), 7);
    /// ```
    #[must_use]
    pub const fn bias(&self) -> i32 {
        self.bias as i32
    }
    /// Whether the format has a sign bit.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert!(!ElementFormat::UE4M3.float_spec().unwrap().is_signed());
    /// ```
    #[must_use]
    pub const fn is_signed(&self) -> bool {
        self.signed
    }
    /// Whether exponent field 0 is an ordinary binade, leaving the format with no zero (E8M0).
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert!(ElementFormat::FLOAT8_E8M0FNU.float_spec().unwrap().zero_is_normal());
    /// ```
    #[must_use]
    pub const fn zero_is_normal(&self) -> bool {
        self.zero_is_normal
    }
    /// Which codes are not finite numbers.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!(s.non_finite(), lowbit::NonFinite::Fn);
    /// ```
    #[must_use]
    pub const fn non_finite(&self) -> NonFinite {
        self.non_finite
    }
    /// Width of one code in bits.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!(s.bits(), 8);
    /// ```
    #[must_use]
    pub const fn bits(&self) -> u32 {
        self.exp_bits as u32 + self.man_bits as u32 + self.signed as u32
    }
    /// Width of the magnitude (exponent + mantissa).
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!(s.mag_bits(), 7);
    /// ```
    #[must_use]
    pub const fn mag_bits(&self) -> u32 {
        self.exp_bits as u32 + self.man_bits as u32
    }
    /// Mask of the magnitude bits.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!(s.mag_mask(), 0x7F);
    /// ```
    #[must_use]
    pub const fn mag_mask(&self) -> u32 {
        (1u32 << self.mag_bits()) - 1
    }
    /// The sign bit (0 for unsigned formats).
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!(s.sign_bit(), 0x80);
    /// ```
    #[must_use]
    pub const fn sign_bit(&self) -> u32 {
        if self.signed {
            1u32 << self.mag_bits()
        } else {
            0
        }
    }
    /// Whether the format has ±infinity.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert!(!s.has_inf());
    /// ```
    #[must_use]
    pub const fn has_inf(&self) -> bool {
        matches!(self.non_finite, NonFinite::Ieee | NonFinite::P3109)
    }
    /// Whether the format has a NaN.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert!(s.has_nan());
    /// ```
    #[must_use]
    pub const fn has_nan(&self) -> bool {
        !matches!(self.non_finite, NonFinite::Finite)
    }
    /// Whether the format has a zero.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert!(s.has_zero());
    /// ```
    #[must_use]
    pub const fn has_zero(&self) -> bool {
        !self.zero_is_normal
    }
    /// Whether the format has a negative zero.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert!(ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap().has_neg_zero());
    /// assert!(!ElementFormat::FLOAT8_E4M3FNUZ.float_spec().unwrap().has_neg_zero());
    /// ```
    #[must_use]
    pub const fn has_neg_zero(&self) -> bool {
        self.signed && !matches!(self.non_finite, NonFinite::Fnuz | NonFinite::P3109)
    }

    /// The largest finite magnitude code. Magnitude codes are ordered like their values.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!(s.max_code(), 0x7E);
    /// ```
    #[must_use]
    pub const fn max_code(&self) -> u32 {
        let all = self.mag_mask();
        match self.non_finite {
            // One below the +infinity code: top finite binade, mantissa all ones.
            NonFinite::Ieee => (((1u32 << self.exp_bits) - 1) << self.man_bits) - 1,
            NonFinite::Fn => all - 1,
            NonFinite::Fnuz | NonFinite::Finite => all,
            // Below +∞ (and, unsigned, the NaN above it).
            NonFinite::P3109 if self.signed => all - 1,
            NonFinite::P3109 => all - 2,
        }
    }

    /// The code of positive infinity, if the format has one.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert_eq!(ElementFormat::FLOAT8_E5M2.float_spec().unwrap().inf_code(), Some(0x7C));
    /// assert_eq!(ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap().inf_code(), None);
    /// ```
    #[must_use]
    pub const fn inf_code(&self) -> Option<u32> {
        match self.non_finite {
            NonFinite::Ieee => Some(((1u32 << self.exp_bits) - 1) << self.man_bits),
            NonFinite::P3109 => Some(self.max_code() + 1),
            _ => None,
        }
    }

    /// The canonical NaN code for a NaN of the given sign, if the format has NaN.
    ///
    /// IEEE formats use the quiet NaN with only the top mantissa bit set (as ml_dtypes and
    /// hardware do), `Fn` the all-ones magnitude, `Fnuz` the negative-zero code, `P3109` its
    /// one NaN (the negative-zero code, or the all-ones code of an unsigned format).
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!((s.nan_code(false), s.nan_code(true)), (Some(0x7F), Some(0xFF)));
    /// ```
    #[must_use]
    pub const fn nan_code(&self, negative: bool) -> Option<u32> {
        let sign = if negative { self.sign_bit() } else { 0 };
        match self.non_finite {
            NonFinite::Ieee => Some(
                sign | ((1u32 << self.exp_bits) - 1) << self.man_bits | 1u32 << (self.man_bits - 1),
            ),
            NonFinite::Fn => Some(sign | self.mag_mask()),
            NonFinite::Fnuz => Some(1u32 << self.mag_bits()),
            NonFinite::P3109 if self.signed => Some(1u32 << self.mag_bits()),
            NonFinite::P3109 => Some(self.mag_mask()),
            NonFinite::Finite => None,
        }
    }

    /// Whether `code` (within the width) is a NaN.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert!(s.is_nan_code(0xFF) && !s.is_nan_code(0x7E));
    /// ```
    #[must_use]
    pub const fn is_nan_code(&self, code: u32) -> bool {
        let mag = code & self.mag_mask();
        match self.non_finite {
            NonFinite::Ieee => mag > ((1u32 << self.exp_bits) - 1) << self.man_bits,
            NonFinite::Fn => mag == self.mag_mask(),
            NonFinite::Fnuz => code == self.sign_bit(),
            NonFinite::P3109 if self.signed => code == self.sign_bit(),
            NonFinite::P3109 => code == self.mag_mask(),
            NonFinite::Finite => false,
        }
    }

    /// Whether `code` is ±infinity.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E5M2.float_spec().unwrap();
    /// assert!(s.is_inf_code(0xFC) && !s.is_inf_code(0xFD));
    /// ```
    #[must_use]
    pub const fn is_inf_code(&self, code: u32) -> bool {
        match self.inf_code() {
            Some(c) => code & self.mag_mask() == c,
            None => false,
        }
    }

    /// Unbiased exponent of the smallest normal binade.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!(s.emin(), -6);
    /// ```
    #[must_use]
    pub const fn emin(&self) -> i32 {
        if self.zero_is_normal {
            -(self.bias as i32)
        } else {
            1 - self.bias as i32
        }
    }

    /// Exponent of the smallest step (the weight of mantissa bit 0 in the lowest binade).
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// assert_eq!(s.min_quantum_exp(), -9);
    /// ```
    #[must_use]
    pub const fn min_quantum_exp(&self) -> i32 {
        self.emin() - self.man_bits as i32
    }

    /// Splits a finite magnitude code into `(exponent, significand)` with
    /// value = `significand · 2^exponent`, significand an integer < 2^(M+1). Bits of `mag`
    /// above [`mag_mask`](Self::mag_mask) are ignored.
    ///
    /// ```
    /// let s = lowbit::ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    /// // 0x3C = exponent field 7, mantissa 4: 1.5 = 12 · 2^-3.
    /// assert_eq!(s.code_exp_sig(0x3C), (-3, 12));
    /// assert_eq!(s.code_exp_sig(0x01), (-9, 1)); // the smallest subnormal
    /// ```
    #[must_use]
    pub const fn code_exp_sig(&self, mag: u32) -> (i32, u32) {
        // Bits above the magnitude (a sign bit, or garbage) are ignored.
        let mag = mag & self.mag_mask();
        let m = self.man_bits as u32;
        let e_field = mag >> m;
        let frac = mag & ((1u32 << m) - 1);
        if e_field == 0 && !self.zero_is_normal {
            (self.min_quantum_exp(), frac)
        } else {
            (
                e_field as i32 - self.bias as i32 - m as i32,
                frac | (1u32 << m),
            )
        }
    }
}

/// The parameters of an IEEE P3109 format: width `K`, precision `P` (significand bits with
/// the implicit one), signedness and domain, as gfloat's `format_info_p3109(K, P,
/// signedness, domain)` names them (`p3109_k{K}p{P}{s|u}{e|f}`).
///
/// ```
/// use lowbit::spec::P3109;
/// let p = P3109 { k: 8, p: 3, signed: true, extended: true };
/// assert_eq!(p.to_string(), "p3109_k8p3se");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct P3109 {
    /// Width in bits, K.
    pub k: u32,
    /// Precision, P: the trailing significand has `P − 1` bits.
    pub p: u32,
    /// Signed (a sign bit, the NaN at the negative-zero code) or unsigned (the NaN at the
    /// all-ones code).
    pub signed: bool,
    /// Extended domain (±∞ at the largest magnitude codes) or finite (no infinities).
    pub extended: bool,
}

impl core::fmt::Display for P3109 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let s = if self.signed { 's' } else { 'u' };
        let d = if self.extended { 'e' } else { 'f' };
        write!(f, "p3109_k{}p{}{s}{d}", self.k, self.p)
    }
}

impl FloatSpec {
    /// The IEEE P3109 format `binary{K}p{P}` (P3109 interim report; gfloat 0.5.2's
    /// `format_info_p3109`): `K − P` exponent bits with bias `2^(K−P−1)` (signed) or
    /// `K − P + 1` with bias `2^(K−P)` (unsigned), `P − 1` trailing bits, subnormals, no −0.
    /// Signed formats have one NaN at the negative-zero code, unsigned ones at the all-ones
    /// code; the extended domain has ±∞ at the largest magnitude codes
    /// ([`NonFinite::P3109`]), the finite domain none ([`NonFinite::Fnuz`] signed,
    /// [`NonFinite::Fn`] unsigned).
    ///
    /// A signed format with `P = K` has no exponent field; its values and codes are those of
    /// `P = K − 1` (both are the multiples of `2^(2−K)`, rounded alike), which is the spec
    /// returned. Formats without a finite nonzero value (`p3109_k2p1se`, `p3109_k2p2se`)
    /// are [`SpecError::NoFiniteValue`].
    ///
    /// ```
    /// use lowbit::{ElementFormat, FloatSpec, Format, NonFinite};
    /// let p3 = FloatSpec::p3109(8, 3, true, true).unwrap();
    /// assert_eq!((p3.exp_bits(), p3.man_bits(), p3.bias()), (5, 2, 16));
    /// assert_eq!(p3.non_finite(), NonFinite::P3109);
    /// let f = ElementFormat::Float(p3);
    /// assert_eq!(f.max_value(), 49152.0);
    /// assert!(f.decode(0x80).is_nan() && f.decode(0x7F) == f32::INFINITY);
    /// // The finite signed binary8p4 is ml_dtypes' float8_e4m3fnuz.
    /// let p4 = FloatSpec::p3109(8, 4, true, false).unwrap();
    /// assert_eq!(ElementFormat::Float(p4), ElementFormat::FLOAT8_E4M3FNUZ);
    /// ```
    pub const fn p3109(k: u32, p: u32, signed: bool, extended: bool) -> Result<Self, SpecError> {
        if k < 2 || k > 16 {
            return Err(SpecError::TooWide(k));
        }
        if p == 0 || p > k {
            return Err(SpecError::Variant("p3109 precision (1 <= P <= K)"));
        }
        let p = if signed && p == k { k - 1 } else { p };
        let (w, bias) = if signed {
            (k - p, 1i32 << (k - p - 1))
        } else {
            (k - p + 1, 1i32 << (k - p))
        };
        let nf = match (extended, signed) {
            (true, _) => NonFinite::P3109,
            (false, true) => NonFinite::Fnuz,
            (false, false) => NonFinite::Fn,
        };
        Self::new(w, p - 1, bias, signed, false, nf)
    }

    /// The P3109 parameters of this spec, if it is a P3109 format (see
    /// [`FloatSpec::p3109`]; a signed format reports `P ≤ K − 1`).
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// let p = ElementFormat::FLOAT8_E5M2FNUZ.float_spec().unwrap().p3109_params().unwrap();
    /// assert_eq!(p.to_string(), "p3109_k8p3sf");
    /// assert!(ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap().p3109_params().is_none());
    /// ```
    #[must_use]
    pub const fn p3109_params(&self) -> Option<P3109> {
        let extended = match (self.non_finite, self.signed) {
            (NonFinite::P3109, _) => true,
            (NonFinite::Fnuz, true) | (NonFinite::Fn, false) => false,
            _ => return None,
        };
        if self.zero_is_normal {
            return None;
        }
        let k = self.bits();
        let p = self.man_bits as u32 + 1;
        // Exponent field width and bias as `p3109` derives them.
        let (w, bias) = if self.signed {
            if p >= k {
                return None;
            }
            (k - p, 1i32 << (k - p - 1))
        } else {
            (k - p + 1, 1i32 << (k - p))
        };
        if w != self.exp_bits as u32 || bias != self.bias as i32 {
            return None;
        }
        Some(P3109 {
            k,
            p,
            signed: self.signed,
            extended,
        })
    }
}

/// The default bias `2^(E−1) − 1` for `E` exponent bits; `None` outside the valid widths
/// 1..=8.
///
/// ```
/// assert_eq!(lowbit::spec::default_bias(5), Some(15));
/// assert_eq!(lowbit::spec::default_bias(0), None);
/// ```
#[must_use]
pub const fn default_bias(exp_bits: u32) -> Option<i32> {
    if exp_bits == 0 || exp_bits > 8 {
        return None;
    }
    Some((1i32 << (exp_bits - 1)) - 1)
}

/// A two's-complement or unsigned integer format of 1..=8 or 16 bits.
///
/// The encoded value is the integer itself (no implicit scale). `narrow` makes a signed range
/// symmetric (−(2^(n−1)−1) ..= 2^(n−1)−1), so the code for −2^(n−1) is never produced by
/// encoding; data written elsewhere may still hold it, and it decodes to its two's-complement
/// value −2^(n−1) (so that code alone does not round-trip).
///
/// ```
/// use lowbit::{Format, IntSpec, Overflow, Rounding};
/// let int4_sym = IntSpec::new(4, true, true).unwrap();
/// assert_eq!((int4_sym.min_value(), int4_sym.max_value()), (-7, 7));
/// assert_eq!(int4_sym.encode(-9.0, Rounding::NearestEven, Overflow::Saturate), 0b1001); // -7
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IntSpec {
    bits: u8,
    signed: bool,
    narrow: bool,
}

impl IntSpec {
    /// Validates an integer format. `narrow` needs a signed format of at least 2 bits.
    ///
    /// ```
    /// use lowbit::IntSpec;
    /// assert!(IntSpec::new(16, false, false).is_ok());
    /// assert!(IntSpec::new(12, true, false).is_err());
    /// ```
    pub const fn new(bits: u32, signed: bool, narrow: bool) -> Result<Self, SpecError> {
        if bits == 0 || (bits > 8 && bits != 16) {
            return Err(SpecError::IntBits(bits));
        }
        if narrow && (!signed || bits < 2) {
            return Err(SpecError::Variant("narrow"));
        }
        Ok(IntSpec {
            bits: bits as u8,
            signed,
            narrow,
        })
    }
    /// Width in bits.
    ///
    /// ```
    /// assert_eq!(lowbit::IntSpec::new(3, true, false).unwrap().bits(), 3);
    /// ```
    #[must_use]
    pub const fn bits(&self) -> u32 {
        self.bits as u32
    }
    /// Whether the format is two's complement.
    ///
    /// ```
    /// assert!(!lowbit::IntSpec::new(4, false, false).unwrap().is_signed());
    /// ```
    #[must_use]
    pub const fn is_signed(&self) -> bool {
        self.signed
    }
    /// Whether the signed range is symmetric.
    ///
    /// ```
    /// assert!(lowbit::IntSpec::new(8, true, true).unwrap().is_narrow());
    /// ```
    #[must_use]
    pub const fn is_narrow(&self) -> bool {
        self.narrow
    }
    /// Largest value.
    ///
    /// ```
    /// assert_eq!(lowbit::IntSpec::new(8, false, false).unwrap().max_value(), 255);
    /// ```
    #[must_use]
    pub const fn max_value(&self) -> i32 {
        if self.signed {
            (1i32 << (self.bits - 1)) - 1
        } else {
            (1i32 << self.bits) - 1
        }
    }
    /// Smallest value.
    ///
    /// ```
    /// assert_eq!(lowbit::IntSpec::new(8, true, false).unwrap().min_value(), -128);
    /// ```
    #[must_use]
    pub const fn min_value(&self) -> i32 {
        if !self.signed {
            0
        } else if self.narrow {
            -((1i32 << (self.bits - 1)) - 1)
        } else {
            -(1i32 << (self.bits - 1))
        }
    }
    /// Mask of the code bits.
    ///
    /// ```
    /// assert_eq!(lowbit::IntSpec::new(3, true, false).unwrap().mask(), 0b111);
    /// ```
    #[must_use]
    pub const fn mask(&self) -> u32 {
        ((1u64 << self.bits) - 1) as u32
    }
}

/// Unwraps a spec in a `const` context; a bad spec fails the build, never a running program.
pub(crate) const fn must(s: Result<FloatSpec, SpecError>) -> FloatSpec {
    match s {
        Ok(s) => s,
        Err(_) => panic!("invalid built-in spec"),
    }
}

pub(crate) const fn must_int(s: Result<IntSpec, SpecError>) -> IntSpec {
    match s {
        Ok(s) => s,
        Err(_) => panic!("invalid built-in spec"),
    }
}
