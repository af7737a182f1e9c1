//! The one conversion routine every format, typed scalar and slice function goes through.
//!
//! An input (f32, f64, f16, bf16 or an integer) is first split, exactly, into a sign and a
//! [`Class`]; a finite nonzero magnitude is held as a 64-bit significand with its top bit set
//! and an exponent, which is wide enough for every input type, so no input is ever rounded
//! before the final rounding (no double rounding). The encoder then works on *magnitude codes*:
//! for a float format `code = exponent_field << M | mantissa`, codes are ordered like values,
//! so rounding up is `code + 1` (a carry out of the mantissa ripples into the exponent, as in
//! ml_dtypes' `ConvertImpl`) and overflow is the single compare `code > max_code`.

use crate::round::{Overflow, Rounding, Status};
use crate::spec::{FloatSpec, IntSpec};

/// (Public only inside this private module.) A finite nonzero magnitude `sig · 2^(exp − 63)`, `sig` with bit 63 set, so the value
/// lies in `[2^exp, 2^(exp+1))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mag {
    pub exp: i32,
    pub sig: u64,
}

/// What an input is, apart from its sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Zero,
    Inf,
    Nan,
    Finite(Mag),
}

impl Class {
    /// Multiplies a finite value by `2^k` exactly (block scaling divides by a power of two).
    #[inline(always)]
    pub(crate) fn scale_pow2(self, k: i32) -> Class {
        match self {
            Class::Finite(m) => Class::Finite(Mag {
                exp: m.exp + k,
                sig: m.sig,
            }),
            c => c,
        }
    }
}

/// Splits an IEEE binary value given as raw bits with `E` exponent and `M` mantissa bits.
#[inline(always)]
fn split_bits(bits: u64, e_bits: u32, m_bits: u32) -> (bool, Class) {
    let neg = bits >> (e_bits + m_bits) & 1 != 0;
    let e_field = (bits >> m_bits) & ((1 << e_bits) - 1);
    let frac = bits & ((1u64 << m_bits) - 1);
    let bias = (1i32 << (e_bits - 1)) - 1;
    let class = if e_field == (1 << e_bits) - 1 {
        if frac == 0 { Class::Inf } else { Class::Nan }
    } else if e_field == 0 {
        if frac == 0 {
            Class::Zero
        } else {
            // Subnormal: value = frac · 2^(1 − bias − M).
            let lz = frac.leading_zeros();
            Class::Finite(Mag {
                exp: (63 - lz as i32) + 1 - bias - m_bits as i32,
                sig: frac << lz,
            })
        }
    } else {
        Class::Finite(Mag {
            exp: e_field as i32 - bias,
            sig: (frac | 1 << m_bits) << (63 - m_bits),
        })
    };
    (neg, class)
}

#[inline(always)]
pub(crate) fn split_f32(x: f32) -> (bool, Class) {
    split_bits(x.to_bits() as u64, 8, 23)
}

#[inline(always)]
pub(crate) fn split_f64(x: f64) -> (bool, Class) {
    split_bits(x.to_bits(), 11, 52)
}

#[inline(always)]
pub(crate) fn split_f16(x: half::f16) -> (bool, Class) {
    split_bits(x.to_bits() as u64, 5, 10)
}

#[inline(always)]
pub(crate) fn split_bf16(x: half::bf16) -> (bool, Class) {
    split_bits(x.to_bits() as u64, 8, 7)
}

/// Splits a signed integer exactly (used by the `num-traits` impls).
#[inline]
pub(crate) fn split_i128(x: i128) -> (bool, Class) {
    let neg = x < 0;
    let mag = x.unsigned_abs();
    if mag == 0 {
        return (neg, Class::Zero);
    }
    let lz = mag.leading_zeros();
    let top = 127 - lz as i32;
    let norm = mag << lz; // bit 127 set
    let sig = (norm >> 64) as u64;
    // Bits lost below 64 would need a sticky bit; keep it in the lowest significand bit,
    // which lies far below the rounding point of every ≤16-bit format.
    let sticky = (norm as u64 != 0) as u64;
    (
        neg,
        Class::Finite(Mag {
            exp: top,
            sig: sig | sticky,
        }),
    )
}

/// Cuts `sig · 2^(−shift)` into an integer part, the next 64 bits, and a sticky flag.
#[inline(always)]
fn cut(sig: u64, shift: u32) -> (u64, u64, bool) {
    if shift == 0 {
        (sig, 0, false)
    } else if shift < 64 {
        (sig >> shift, sig << (64 - shift), false)
    } else if shift == 64 {
        (0, sig, false)
    } else if shift < 128 {
        (0, sig >> (shift - 64), sig << (128 - shift) != 0)
    } else {
        (0, 0, true)
    }
}

/// The code for an input that has no value in `spec`: NaN where the format has one, else 0.
#[inline(always)]
fn invalid(spec: &FloatSpec) -> (u32, Status) {
    (spec.nan_code(false).unwrap_or(0), Status::INVALID)
}

/// Encodes a split input into `spec`. The semantic definition of every float conversion.
#[inline(always)]
pub(crate) fn encode_float(
    spec: &FloatSpec,
    neg: bool,
    class: Class,
    rounding: Rounding,
    overflow: Overflow,
) -> (u32, Status) {
    let sign = if neg { spec.sign_bit() } else { 0 };
    let unsigned_neg = neg && !spec.is_signed();
    let max = spec.max_code();
    let m = match class {
        Class::Nan => {
            return match spec.nan_code(neg) {
                Some(c) => (c, Status::OK),
                // ml_dtypes gives a zero of the opposite sign here; we give +0 (documented).
                None => (0, Status::INVALID),
            };
        }
        Class::Zero => {
            if !spec.has_zero() {
                return invalid(spec);
            }
            let s = if spec.has_neg_zero() { sign } else { 0 };
            return (s, Status::OK);
        }
        Class::Inf => {
            if unsigned_neg {
                return invalid(spec);
            }
            let code = match (overflow, spec.inf_code(), spec.nan_code(neg)) {
                (Overflow::NonFinite, Some(inf), _) => return (sign | inf, Status::OK),
                (Overflow::NonFinite, None, Some(nan)) => return (nan, Status::INVALID),
                _ => sign | max,
            };
            return (code, Status::OVERFLOW | Status::INEXACT);
        }
        Class::Finite(m) => m,
    };

    let mb = spec.man_bits();
    let emin = spec.emin();
    let tiny = m.exp < emin;
    let (code, inexact) = if tiny && spec.zero_is_normal() {
        // Below the lowest binade of a format with no zero: the smallest value is the only
        // candidate in every mode (E8M0: 2^-127).
        (0u64, true)
    } else {
        // Position of the unit of the last kept bit.
        let q = if tiny {
            emin - mb as i32
        } else {
            m.exp - mb as i32
        };
        let shift = (q - (m.exp - 63)) as u32; // ≥ 48 because mb ≤ 15
        let (ip, frac, sticky) = cut(m.sig, shift);
        // Ties go to the even code. With mantissa bits that is the even significand; a
        // format without them keeps one (odd) significand bit, so its codes alternate with
        // the exponent field instead (IEEE P3109's binary{K}p1; gfloat 0.5.2 rounds so). E8M0
        // keeps ties up, as ml_dtypes, PyTorch and LLVM do (the contract).
        let odd = if mb == 0 && !tiny && !spec.zero_is_normal() {
            (m.exp + spec.bias()) & 1 != 0
        } else {
            ip & 1 != 0
        };
        let up = rounding.round_up(neg, odd, frac, sticky);
        let ip = ip + up as u64;
        let code = if tiny {
            ip // exponent field 0: the integer part is the mantissa field
        } else {
            // (field << M) | mantissa, where ip = 2^M + mantissa carries the implicit bit:
            // a rounding carry out of the mantissa ripples into the exponent field.
            let field = (m.exp + spec.bias()) as i64;
            let c = (field << mb) + ip as i64 - (1i64 << mb);
            c as u64
        };
        (code, frac != 0 || sticky)
    };

    let mut status = if inexact { Status::INEXACT } else { Status::OK };
    if tiny && inexact {
        status |= Status::UNDERFLOW;
    }
    if code > max as u64 {
        status |= Status::OVERFLOW | Status::INEXACT;
        if unsigned_neg {
            return invalid(spec);
        }
        let c = match overflow {
            Overflow::Saturate => sign | max,
            Overflow::NonFinite if !rounding.overflows_to_inf(neg) => sign | max,
            Overflow::NonFinite => match (spec.inf_code(), spec.nan_code(neg)) {
                (Some(inf), _) => sign | inf,
                (None, Some(nan)) => nan,
                (None, None) => sign | max,
            },
        };
        return (c, status);
    }
    let code = code as u32;
    if unsigned_neg {
        // A negative input survives into an unsigned format only as a rounded zero.
        return if code == 0 && spec.has_zero() {
            (0, status)
        } else {
            invalid(spec)
        };
    }
    if code == 0 && !spec.has_neg_zero() && spec.has_zero() {
        return (0, status);
    }
    (sign | code, status)
}

/// Encodes a split input into an integer format: round to an integer, then clamp.
#[inline(always)]
pub(crate) fn encode_int(
    spec: &IntSpec,
    neg: bool,
    class: Class,
    rounding: Rounding,
) -> (u32, Status) {
    let (lo, hi) = (spec.min_value() as i64, spec.max_value() as i64);
    let (mag, mut status) = match class {
        Class::Nan => return (0, Status::INVALID),
        Class::Zero => (0u64, Status::OK),
        Class::Inf => (u64::MAX, Status::OVERFLOW | Status::INEXACT),
        Class::Finite(m) if m.exp > 40 => (u64::MAX, Status::OVERFLOW | Status::INEXACT),
        Class::Finite(m) => {
            let (ip, frac, sticky) = cut(m.sig, (63 - m.exp) as u32);
            let up = rounding.round_up(neg, ip & 1 != 0, frac, sticky);
            let inexact = frac != 0 || sticky;
            (
                ip + up as u64,
                if inexact { Status::INEXACT } else { Status::OK },
            )
        }
    };
    let v = if neg {
        -(mag.min(1 << 41) as i64)
    } else {
        mag.min(1 << 41) as i64
    };
    let c = v.clamp(lo, hi);
    if c != v {
        status |= Status::OVERFLOW | Status::INEXACT;
    }
    ((c as u32) & spec.mask(), status)
}

/// `2^e` as an f64, exact for −1074 ≤ e ≤ 1023.
#[inline(always)]
pub(crate) fn pow2_f64(e: i32) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074))
    }
}

/// The exact value of a float code as f64 (the width has been checked by the caller).
#[inline(always)]
pub(crate) fn decode_float(spec: &FloatSpec, code: u32) -> f64 {
    let neg = code & spec.sign_bit() != 0;
    let v = if spec.is_nan_code(code) {
        f64::NAN
    } else if spec.is_inf_code(code) {
        f64::INFINITY
    } else {
        let (e, s) = spec.code_exp_sig(code & spec.mag_mask());
        s as f64 * pow2_f64(e)
    };
    if neg { -v } else { v }
}

/// The integer value of an integer code.
#[inline(always)]
pub(crate) fn decode_int(spec: &IntSpec, code: u32) -> i32 {
    let bits = spec.bits();
    if spec.is_signed() {
        ((code << (32 - bits)) as i32) >> (32 - bits)
    } else {
        code as i32
    }
}
