//! Element formats as data: one [`FloatSpec`] or [`IntSpec`] value describes a format, and
//! every quantity a conversion needs (largest code, NaN code, exponent range) is derived from
//! it by `const fn`s.

use crate::error::SpecError;

/// Which codes of a float format are not finite numbers.
///
/// The four variants are the four families in use (LLVM APFloat calls this
/// `nonFiniteBehavior` + `nanEncoding`; here one enum so no invalid pair exists).
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
}

impl NonFinite {
    /// The suffix used in format names.
    #[must_use]
    pub const fn suffix(self) -> &'static str {
        match self {
            NonFinite::Ieee => "ieee",
            NonFinite::Fn => "fn",
            NonFinite::Fnuz => "fnuz",
            NonFinite::Finite => "finite",
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
    pub const fn signed(
        exp_bits: u32,
        man_bits: u32,
        non_finite: NonFinite,
    ) -> Result<Self, SpecError> {
        if exp_bits == 0 || exp_bits > 8 {
            return Err(SpecError::ExponentBits(exp_bits));
        }
        Self::new(
            exp_bits,
            man_bits,
            default_bias(exp_bits),
            true,
            false,
            non_finite,
        )
    }

    /// Validates a full description.
    ///
    /// Rules: 1 ≤ `exp_bits` ≤ 8; sign + exponent + mantissa ≤ 16 bits; `Fnuz` needs a sign
    /// bit; `zero_is_normal` (no zero, no subnormals) needs an unsigned format with `Fn` or
    /// `Finite` specials; `Ieee` needs at least one mantissa bit and a finite normal binade;
    /// every value must lie exactly in f32 (largest exponent ≤ 127, smallest step ≥ 2^−149),
    /// so that [`decode`](crate::Format::decode) is exact.
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
        let total = exp_bits + man_bits + signed as u32;
        if man_bits > 15 || total > 16 {
            return Err(SpecError::TooWide(if man_bits > 15 {
                man_bits
            } else {
                total
            }));
        }
        match non_finite {
            NonFinite::Fnuz if !signed => return Err(SpecError::Variant("fnuz (unsigned)")),
            NonFinite::Ieee if man_bits == 0 => return Err(SpecError::Variant("ieee (m0)")),
            _ => {}
        }
        if zero_is_normal && (signed || matches!(non_finite, NonFinite::Ieee | NonFinite::Fnuz)) {
            return Err(SpecError::Variant("nozero"));
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
    #[must_use]
    pub const fn exp_bits(&self) -> u32 {
        self.exp_bits as u32
    }
    /// Mantissa (trailing significand) field width.
    #[must_use]
    pub const fn man_bits(&self) -> u32 {
        self.man_bits as u32
    }
    /// Exponent bias.
    #[must_use]
    pub const fn bias(&self) -> i32 {
        self.bias as i32
    }
    /// Whether the format has a sign bit.
    #[must_use]
    pub const fn is_signed(&self) -> bool {
        self.signed
    }
    /// Whether exponent field 0 is an ordinary binade, leaving the format with no zero (E8M0).
    #[must_use]
    pub const fn zero_is_normal(&self) -> bool {
        self.zero_is_normal
    }
    /// Which codes are not finite numbers.
    #[must_use]
    pub const fn non_finite(&self) -> NonFinite {
        self.non_finite
    }
    /// Width of one code in bits.
    #[must_use]
    pub const fn bits(&self) -> u32 {
        self.exp_bits as u32 + self.man_bits as u32 + self.signed as u32
    }
    /// Width of the magnitude (exponent + mantissa).
    #[must_use]
    pub const fn mag_bits(&self) -> u32 {
        self.exp_bits as u32 + self.man_bits as u32
    }
    /// Mask of the magnitude bits.
    #[must_use]
    pub const fn mag_mask(&self) -> u32 {
        (1u32 << self.mag_bits()) - 1
    }
    /// The sign bit (0 for unsigned formats).
    #[must_use]
    pub const fn sign_bit(&self) -> u32 {
        if self.signed {
            1u32 << self.mag_bits()
        } else {
            0
        }
    }
    /// Whether the format has ±infinity.
    #[must_use]
    pub const fn has_inf(&self) -> bool {
        matches!(self.non_finite, NonFinite::Ieee)
    }
    /// Whether the format has a NaN.
    #[must_use]
    pub const fn has_nan(&self) -> bool {
        !matches!(self.non_finite, NonFinite::Finite)
    }
    /// Whether the format has a zero.
    #[must_use]
    pub const fn has_zero(&self) -> bool {
        !self.zero_is_normal
    }
    /// Whether the format has a negative zero.
    #[must_use]
    pub const fn has_neg_zero(&self) -> bool {
        self.signed && !matches!(self.non_finite, NonFinite::Fnuz)
    }

    /// The largest finite magnitude code. Magnitude codes are ordered like their values.
    #[must_use]
    pub const fn max_code(&self) -> u32 {
        let all = self.mag_mask();
        match self.non_finite {
            // One below the +infinity code: top finite binade, mantissa all ones.
            NonFinite::Ieee => (((1u32 << self.exp_bits) - 1) << self.man_bits) - 1,
            NonFinite::Fn => all - 1,
            NonFinite::Fnuz | NonFinite::Finite => all,
        }
    }

    /// The code of positive infinity, if the format has one.
    #[must_use]
    pub const fn inf_code(&self) -> Option<u32> {
        if self.has_inf() {
            Some(((1u32 << self.exp_bits) - 1) << self.man_bits)
        } else {
            None
        }
    }

    /// The canonical NaN code for a NaN of the given sign, if the format has NaN.
    ///
    /// IEEE formats use the quiet NaN with only the top mantissa bit set (as ml_dtypes and
    /// hardware do), `Fn` the all-ones magnitude, `Fnuz` the negative-zero code.
    #[must_use]
    pub const fn nan_code(&self, negative: bool) -> Option<u32> {
        let sign = if negative { self.sign_bit() } else { 0 };
        match self.non_finite {
            NonFinite::Ieee => Some(
                sign | ((1u32 << self.exp_bits) - 1) << self.man_bits | 1u32 << (self.man_bits - 1),
            ),
            NonFinite::Fn => Some(sign | self.mag_mask()),
            NonFinite::Fnuz => Some(1u32 << self.mag_bits()),
            NonFinite::Finite => None,
        }
    }

    /// Whether `code` (within the width) is a NaN.
    #[must_use]
    pub const fn is_nan_code(&self, code: u32) -> bool {
        let mag = code & self.mag_mask();
        match self.non_finite {
            NonFinite::Ieee => mag > ((1u32 << self.exp_bits) - 1) << self.man_bits,
            NonFinite::Fn => mag == self.mag_mask(),
            NonFinite::Fnuz => code == self.sign_bit(),
            NonFinite::Finite => false,
        }
    }

    /// Whether `code` is ±infinity.
    #[must_use]
    pub const fn is_inf_code(&self, code: u32) -> bool {
        match self.inf_code() {
            Some(c) => code & self.mag_mask() == c,
            None => false,
        }
    }

    /// Unbiased exponent of the smallest normal binade.
    #[must_use]
    pub const fn emin(&self) -> i32 {
        if self.zero_is_normal {
            -(self.bias as i32)
        } else {
            1 - self.bias as i32
        }
    }

    /// Exponent of the smallest step (the weight of mantissa bit 0 in the lowest binade).
    #[must_use]
    pub const fn min_quantum_exp(&self) -> i32 {
        self.emin() - self.man_bits as i32
    }

    /// Splits a finite magnitude code into `(exponent, significand)` with
    /// value = `significand · 2^exponent`, significand an integer < 2^(M+1).
    #[must_use]
    pub const fn code_exp_sig(&self, mag: u32) -> (i32, u32) {
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

/// The default bias `2^(E−1) − 1` for `E` exponent bits.
#[must_use]
pub const fn default_bias(exp_bits: u32) -> i32 {
    (1i32 << (exp_bits - 1)) - 1
}

/// A two's-complement or unsigned integer format of 1..=8 or 16 bits.
///
/// The encoded value is the integer itself (no implicit scale). `narrow` makes a signed range
/// symmetric (−(2^(n−1)−1) ..= 2^(n−1)−1), so the code for −2^(n−1) is never produced by
/// encoding; data written elsewhere may still hold it, and it decodes to its two's-complement
/// value −2^(n−1) (so that code alone does not round-trip).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IntSpec {
    bits: u8,
    signed: bool,
    narrow: bool,
}

impl IntSpec {
    /// Validates an integer format. `narrow` needs a signed format of at least 2 bits.
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
    #[must_use]
    pub const fn bits(&self) -> u32 {
        self.bits as u32
    }
    /// Whether the format is two's complement.
    #[must_use]
    pub const fn is_signed(&self) -> bool {
        self.signed
    }
    /// Whether the signed range is symmetric.
    #[must_use]
    pub const fn is_narrow(&self) -> bool {
        self.narrow
    }
    /// Largest value.
    #[must_use]
    pub const fn max_value(&self) -> i32 {
        if self.signed {
            (1i32 << (self.bits - 1)) - 1
        } else {
            (1i32 << self.bits) - 1
        }
    }
    /// Smallest value.
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
