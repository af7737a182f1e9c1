//! `FromStr` and the formatting traits of the typed scalars.
//!
//! Parsing is correctly rounded from the decimal string itself. The string is read as an f64
//! first (Rust's parser is correctly rounded), and that f64 rounds to the same code as the
//! decimal unless it lands exactly on a rounding boundary of the format (a midpoint between two
//! codes, or the overflow threshold): a boundary has at most 8 significant bits, so it is an
//! f64, and round-to-nearest never crosses a representable value. In that one case the decimal
//! digits are compared exactly with the boundary's (finite) decimal expansion to tell whether
//! the string was above, below or on it. `f16::from_str` reads an f32 and rounds again, which
//! double-rounds strings such as `"1.0625000001"` (E4M3FN: 1.125 here).

use core::cmp::Ordering;
use core::fmt;
use core::num::ParseFloatError;
use core::str::FromStr;

use super::{Typed, round_f64};
use crate::element::convert;
use crate::round::{Overflow, Rounding};

use super::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E3M4, Float8E4M3, Float8E4M3B11FNUZ,
    Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, Float8E8M0FNU,
};

/// Encodes `x` in `T` with a directed mode (the conventional overflow).
fn directed<T: Typed>(x: f64, r: Rounding) -> T {
    let (n, c) = convert::split_f64(x);
    T::with_code(convert::encode_float(&T::SPEC, n, c, r, Overflow::NonFinite).0 as u8)
}

/// Whether the positive finite `a` is a rounding boundary of `T`: the midpoint of two adjacent
/// values, or `max + ulp(max)/2`.
fn is_boundary<T: Typed>(a: f64) -> bool {
    let s = T::SPEC;
    let lo_code = directed::<T>(a, Rounding::TowardZero).code() as u32 & s.mag_mask();
    let lo = convert::decode_float(&s, lo_code);
    if lo >= a {
        // Exact, or below the smallest value of a format without zero (all round up to it).
        return false;
    }
    if lo_code == s.max_code() {
        let (e, sig) = s.code_exp_sig(lo_code);
        return a == (2 * sig as u64 + 1) as f64 * convert::pow2_f64(e - 1);
    }
    let hi = convert::decode_float(&s, lo_code + 1);
    2.0 * a == lo + hi
}

/// The decimal exponent of a string's `e` part, saturated far beyond any f64.
fn parse_exp(e: &str) -> i64 {
    let (neg, digits) = match e.as_bytes().first() {
        Some(b'-') => (true, &e[1..]),
        Some(b'+') => (false, &e[1..]),
        _ => (false, e),
    };
    let mut v: i64 = 0;
    for b in digits.bytes() {
        v = (v * 10 + (b - b'0') as i64).min(1 << 40);
    }
    if neg { -v } else { v }
}

/// The exact decimal expansion of a positive finite f64 whose significand has at most 8 bits
/// and whose exponent lies in `[-200, 200]`: `(digits little-endian, count, P)` with value
/// `0.d₁d₂… · 10^P`. `None` outside that range.
fn exact_decimal(a: f64) -> Option<([u8; 160], usize, i64)> {
    let bits = a.to_bits();
    let field = (bits >> 52) as i32;
    if field == 0 {
        return None;
    }
    let mut k = bits & ((1 << 52) - 1) | 1 << 52;
    let mut e = field - 1075;
    let tz = k.trailing_zeros();
    k >>= tz;
    e += tz as i32;
    if !(-200..=200).contains(&e) || k >= 1 << 8 {
        return None;
    }
    // The integer k · 2^e (e ≥ 0) or k · 5^-e (e < 0), in decimal.
    let mut d = [0u8; 160];
    let mut n = 0;
    while k > 0 {
        d[n] = (k % 10) as u8;
        k /= 10;
        n += 1;
    }
    let (m, times) = if e >= 0 { (2, e) } else { (5, -e) };
    for _ in 0..times {
        let mut carry = 0;
        for digit in d.iter_mut().take(n) {
            let v = *digit * m + carry;
            *digit = v % 10;
            carry = v / 10;
        }
        if carry > 0 {
            d[n] = carry;
            n += 1;
        }
    }
    let p = n as i64 + if e >= 0 { 0 } else { e as i64 };
    Some((d, n, p))
}

/// Compares the magnitude of the decimal string `s` (already accepted by `f64::from_str`,
/// finite and nonzero) with the positive `a`.
fn cmp_decimal(s: &str, a: f64) -> Option<Ordering> {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], parse_exp(&s[i + 1..])),
        None => (s, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let all = || int.bytes().chain(frac.bytes());
    let i0 = all().position(|b| b != b'0')?;
    let p = (int.len() as i64 - i0 as i64).saturating_add(exp);
    let (d, n, pa) = exact_decimal(a)?;
    if p != pa {
        return Some(p.cmp(&pa));
    }
    let mut ours = all().skip(i0).map(|b| b - b'0');
    for i in 0.. {
        let theirs = (i < n).then(|| d[n - 1 - i]);
        match (ours.next(), theirs) {
            (None, None) => return Some(Ordering::Equal),
            (Some(x), Some(y)) if x != y => return Some(x.cmp(&y)),
            (Some(x), None) if x != 0 => return Some(Ordering::Greater),
            (None, Some(y)) if y != 0 => return Some(Ordering::Less),
            _ => {}
        }
    }
    unreachable!()
}

/// Parses `s` with `f64::from_str`'s grammar and rounds the decimal value once.
pub(crate) fn parse<T: Typed>(s: &str) -> Result<T, ParseFloatError> {
    let x: f64 = s.parse()?;
    let t = round_f64::<T>(x);
    if !x.is_finite() || x == 0.0 || (x < 0.0 && !T::SPEC.is_signed()) {
        return Ok(t);
    }
    let a = x.abs();
    if !is_boundary::<T>(a) {
        return Ok(t);
    }
    let away = if x < 0.0 {
        Rounding::TowardNegative
    } else {
        Rounding::TowardPositive
    };
    Ok(match cmp_decimal(s, a) {
        Some(Ordering::Greater) => directed(x, away),
        Some(Ordering::Less) => directed(x, Rounding::TowardZero),
        _ => t,
    })
}

macro_rules! fmt_impls {
    ($($name:ident),*) => {$(
        impl FromStr for $name {
            type Err = ParseFloatError;
            /// Parses a decimal number (the grammar of `f64::from_str`: `inf`, `nan`,
            /// exponents) and rounds its exact value once, to nearest-even with the
            /// conventional overflow; never through f32 or f64 first.
            fn from_str(s: &str) -> Result<Self, ParseFloatError> {
                parse(s)
            }
        }
        impl fmt::LowerExp for $name {
            /// The value, as `f32`'s `{:e}`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::LowerExp::fmt(&self.to_f32(), f)
            }
        }
        impl fmt::UpperExp for $name {
            /// The value, as `f32`'s `{:E}`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::UpperExp::fmt(&self.to_f32(), f)
            }
        }
        impl fmt::LowerHex for $name {
            /// The code, as `u8`'s `{:x}`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::LowerHex::fmt(&self.code(), f)
            }
        }
        impl fmt::UpperHex for $name {
            /// The code, as `u8`'s `{:X}`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::UpperHex::fmt(&self.code(), f)
            }
        }
        impl fmt::Octal for $name {
            /// The code, as `u8`'s `{:o}`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Octal::fmt(&self.code(), f)
            }
        }
        impl fmt::Binary for $name {
            /// The code, as `u8`'s `{:b}`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Binary::fmt(&self.code(), f)
            }
        }
    )*};
}

super::for_all!(fmt_impls);
