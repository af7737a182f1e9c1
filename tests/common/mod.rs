//! The slow, obviously-correct oracle the tests compare the crate against.
//!
//! It shares no code with the crate's conversion routine. A format is rebuilt from its
//! documented fields; its finite values are listed (as f64, which holds every value of every
//! ≤16-bit format exactly) and sorted; encoding finds the two neighbours of |x| by search and
//! decides with exact comparisons: the midpoint of two neighbours has at most 18 significant
//! bits and is exact in f64, and |x| − lo is exact by Sterbenz's lemma (lo ≤ |x| < 2·lo) or
//! because lo = 0. Nothing here rounds.
#![allow(dead_code)]

use lowbit::{Backend, ElementFormat, FloatSpec, NonFinite, Overflow, Rounding};

/// One float format's value table, built from the spec's fields alone.
pub struct FloatTable {
    pub spec: FloatSpec,
    /// (value, magnitude code), ascending, for every finite non-negative magnitude code.
    pub values: Vec<(f64, u32)>,
}

fn pow2(e: i32) -> f64 {
    2f64.powi(e)
}

/// Value of a magnitude code from the textbook formula, or None for inf/NaN codes.
pub fn ref_decode_mag(s: &FloatSpec, mag: u32) -> Option<f64> {
    let (eb, mb) = (s.exp_bits(), s.man_bits());
    let e = (mag >> mb) as i32;
    let f = (mag & ((1 << mb) - 1)) as f64 / pow2(mb as i32);
    let all_e = (1i32 << eb) - 1;
    let all_m = (1u32 << mb) - 1;
    let all_mag = (1u32 << (eb + mb)) - 1;
    match s.non_finite() {
        NonFinite::Ieee if e == all_e => return None,
        NonFinite::Fn if e == all_e && mag & all_m == all_m => return None,
        // P3109 extended: +inf at the all-ones magnitude (signed), or +inf and NaN at the
        // two top codes (unsigned).
        NonFinite::P3109 if mag == all_mag => return None,
        NonFinite::P3109 if !s.is_signed() && mag == all_mag - 1 => return None,
        _ => {}
    }
    Some(if e == 0 && !s.zero_is_normal() {
        f * pow2(1 - s.bias())
    } else {
        (1.0 + f) * pow2(e - s.bias())
    })
}

/// Reference decode of a full code.
pub fn ref_decode(fmt: &ElementFormat, code: u32) -> f64 {
    match fmt {
        ElementFormat::Float(s) => {
            let mag_bits = s.exp_bits() + s.man_bits();
            let neg = s.is_signed() && code >> mag_bits & 1 == 1;
            let mag = code & ((1 << mag_bits) - 1);
            let p3109 = s.non_finite() == NonFinite::P3109;
            if (s.non_finite() == NonFinite::Fnuz || p3109) && neg && mag == 0 {
                return f64::NAN;
            }
            let all_mag = (1u32 << mag_bits) - 1;
            let v = match ref_decode_mag(s, mag) {
                Some(v) => v,
                None if s.non_finite() == NonFinite::Ieee
                    && mag & ((1 << s.man_bits()) - 1) == 0 =>
                {
                    f64::INFINITY
                }
                None if p3109 && s.is_signed() => f64::INFINITY,
                None if p3109 && mag == all_mag - 1 => f64::INFINITY,
                None => f64::NAN,
            };
            if neg { -v } else { v }
        }
        ElementFormat::Int(s) => {
            let b = s.bits();
            if s.is_signed() && code >> (b - 1) & 1 == 1 {
                code as f64 - pow2(b as i32)
            } else {
                code as f64
            }
        }
        ElementFormat::Ternary => match code {
            0 => -1.0,
            1 => 0.0,
            2 => 1.0,
            _ => f64::NAN,
        },
        ElementFormat::Codebook(c) => c.values()[code as usize] as f64,
        _ => unreachable!(),
    }
}

/// Reference encode into a table of values (a codebook), brute force from the table alone:
/// the neighbours of `x` by linear scans, the midpoint decided by comparing `2x` with
/// `lo + hi` (asserted exact in f64 for the tables tested), codes the lowest holding each
/// value (a zero by the input's sign where the table has it).
pub fn ref_encode_codebook(values: &[f32], x: f64, r: Rounding) -> u32 {
    let code_of = |v: f64, neg: bool| -> u32 {
        if v == 0.0 {
            let want = if neg { 0x8000_0000u32 } else { 0 };
            if let Some(c) = values.iter().position(|t| t.to_bits() == want) {
                return c as u32;
            }
        }
        values.iter().position(|&t| t as f64 == v).unwrap() as u32
    };
    if x.is_nan() {
        return ref_encode_codebook(values, 0.0, Rounding::NearestEven);
    }
    let neg = x.is_sign_negative();
    let below = |t: f64| {
        values
            .iter()
            .map(|&v| v as f64)
            .filter(|&v| v < t)
            .fold(f64::NAN, f64::max)
    };
    let above = |t: f64| {
        values
            .iter()
            .map(|&v| v as f64)
            .filter(|&v| v > t)
            .fold(f64::NAN, f64::min)
    };
    let first = values
        .iter()
        .map(|&v| v as f64)
        .fold(f64::INFINITY, f64::min);
    let last = values
        .iter()
        .map(|&v| v as f64)
        .fold(f64::NEG_INFINITY, f64::max);
    if values.iter().any(|&v| v as f64 == x) {
        return code_of(x, neg);
    }
    if x == 0.0 {
        let (l, h) = (below(0.0), above(0.0));
        let pick = if h.is_nan() || (!l.is_nan() && (-l < h || (-l == h && neg))) {
            l
        } else {
            h
        };
        return code_of(pick, neg);
    }
    if x <= first {
        return code_of(first, neg);
    }
    if x >= last {
        return code_of(last, neg);
    }
    let (lo, hi) = (below(x), above(x));
    let sum = lo + hi;
    assert!(
        sum - lo == hi && sum - hi == lo,
        "oracle: {lo} + {hi} is not exact"
    );
    let (cl, ch) = (code_of(lo, neg), code_of(hi, neg));
    let up = match r {
        Rounding::NearestEven | Rounding::NearestAway if 2.0 * x != sum => 2.0 * x > sum,
        Rounding::NearestEven => match (cl & 1, ch & 1) {
            (1, 0) => true,
            (0, 1) => false,
            _ => ch < cl,
        },
        Rounding::NearestAway => hi.abs() > lo.abs(),
        Rounding::TowardZero => x < 0.0,
        Rounding::TowardPositive => true,
        Rounding::TowardNegative => false,
        Rounding::Stochastic(draw) => {
            let f = if neg {
                (hi - x) / (hi - lo)
            } else {
                (x - lo) / (hi - lo)
            };
            let away = (f * 4294967296.0).floor() + draw as f64 >= 4294967296.0;
            away != neg
        }
        _ => unreachable!(),
    };
    if up { ch } else { cl }
}

impl FloatTable {
    pub fn new(spec: FloatSpec) -> Self {
        let n = 1u32 << (spec.exp_bits() + spec.man_bits());
        let mut values: Vec<(f64, u32)> = (0..n)
            .filter_map(|m| ref_decode_mag(&spec, m).map(|v| (v, m)))
            .collect();
        values.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        FloatTable { spec, values }
    }

    pub fn max(&self) -> (f64, u32) {
        *self.values.last().unwrap()
    }

    fn has_inf(&self) -> bool {
        matches!(self.spec.non_finite(), NonFinite::Ieee | NonFinite::P3109)
    }
    /// The +inf magnitude code: IEEE's all-ones exponent, P3109's code above the largest.
    fn inf_code(&self) -> u32 {
        match self.spec.non_finite() {
            NonFinite::P3109 => self.max().1 + 1,
            _ => ((1u32 << self.spec.exp_bits()) - 1) << self.spec.man_bits(),
        }
    }
    fn has_nan(&self) -> bool {
        self.spec.non_finite() != NonFinite::Finite
    }
    fn sign_bit(&self) -> u32 {
        if self.spec.is_signed() {
            1 << (self.spec.exp_bits() + self.spec.man_bits())
        } else {
            0
        }
    }
    /// The NaN codes this crate documents: IEEE quiet NaN (top mantissa bit), all-ones for
    /// `fn`, the negative-zero code for `fnuz`.
    fn nan(&self, neg: bool) -> u32 {
        let (eb, mb) = (self.spec.exp_bits(), self.spec.man_bits());
        let s = if neg { self.sign_bit() } else { 0 };
        match self.spec.non_finite() {
            NonFinite::Ieee => s | ((1 << eb) - 1) << mb | 1 << (mb - 1),
            NonFinite::Fn => s | ((1 << (eb + mb)) - 1),
            NonFinite::Fnuz => self.sign_bit(),
            NonFinite::P3109 if self.spec.is_signed() => self.sign_bit(),
            NonFinite::P3109 => (1 << (eb + mb)) - 1,
            NonFinite::Finite => 0,
            _ => panic!("the oracle does not know this NonFinite variant"),
        }
    }
    fn invalid(&self) -> u32 {
        if self.has_nan() { self.nan(false) } else { 0 }
    }

    /// Reference encode of an f64 (every f32/f16/bf16 is an exact f64).
    pub fn encode(&self, x: f64, r: Rounding, o: Overflow) -> u32 {
        let neg = x.is_sign_negative();
        let sign = if neg { self.sign_bit() } else { 0 };
        let (max, max_code) = self.max();
        let inf_code = self.inf_code();
        let unsigned = !self.spec.is_signed();
        let has_zero = !self.spec.zero_is_normal();
        let neg_zero_ok = self.spec.is_signed()
            && !matches!(self.spec.non_finite(), NonFinite::Fnuz | NonFinite::P3109);
        if x.is_nan() {
            return if self.has_nan() { self.nan(neg) } else { 0 };
        }
        if x == 0.0 {
            if !has_zero {
                return self.invalid();
            }
            return if neg && neg_zero_ok { sign } else { 0 };
        }
        if unsigned && neg && x.is_infinite() {
            return self.invalid();
        }
        let a = x.abs();
        // Magnitude result as (value, code), or None for "overflowed".
        let to_inf = match r {
            Rounding::TowardZero => false,
            Rounding::TowardPositive => !neg,
            Rounding::TowardNegative => neg,
            _ => true,
        };
        let overflowed = |o: Overflow| -> u32 {
            if unsigned && neg {
                return self.invalid();
            }
            match o {
                Overflow::Saturate => sign | max_code,
                Overflow::NonFinite if !to_inf => sign | max_code,
                Overflow::NonFinite if self.has_inf() => sign | inf_code,
                Overflow::NonFinite if self.has_nan() => self.nan(neg),
                Overflow::NonFinite => sign | max_code,
                _ => panic!("the oracle does not know this overflow policy"),
            }
        };
        if x.is_infinite() {
            return match o {
                Overflow::Saturate => sign | max_code,
                Overflow::NonFinite if self.has_inf() => sign | inf_code,
                Overflow::NonFinite if self.has_nan() => self.nan(neg),
                Overflow::NonFinite => sign | max_code,
                _ => panic!("the oracle does not know this overflow policy"),
            };
        }
        // Beyond the virtual code after max: overflow in every mode.
        let virt = max + pow2(max.log2().floor() as i32 - self.spec.man_bits() as i32);
        if a >= virt {
            return overflowed(o);
        }
        // Neighbours lo ≤ a < hi; hi may be the virtual value after max.
        let idx = self.values.partition_point(|&(v, _)| v <= a);
        let code;
        if idx == 0 {
            // Below the smallest value of a format with no zero (E8M0): the smallest value.
            code = self.values[0].1;
        } else {
            let (lo, lo_code) = self.values[idx - 1];
            let (hi, hi_code) = if idx < self.values.len() {
                self.values[idx]
            } else {
                // One ulp of max's binade above max, "as if the code after max existed".
                (virt, u32::MAX)
            };
            let mid = (lo + hi) / 2.0;
            // Ties go to the even code (with no mantissa bits that is the even exponent
            // field, as P3109 defines it); E8M0, with no zero, keeps ties up (1.5 -> 2, 3 ->
            // 4), as ml_dtypes and PyTorch do.
            let lo_even = lo_code & 1 == 0 && !self.spec.zero_is_normal();
            let up = if a == lo {
                false
            } else {
                match r {
                    Rounding::NearestEven => a > mid || (a == mid && !lo_even),
                    Rounding::NearestAway => a >= mid,
                    Rounding::TowardZero => false,
                    Rounding::TowardPositive => !neg,
                    Rounding::TowardNegative => neg,
                    Rounding::Stochastic(draw) => {
                        let frac = (a - lo) / (hi - lo); // exact: power-of-two divisor
                        let t = (frac * 4294967296.0).floor();
                        t + draw as f64 >= 4294967296.0
                    }
                    _ => unreachable!(),
                }
            };
            code = if up { hi_code } else { lo_code };
            if code == u32::MAX {
                return overflowed(o);
            }
        }
        if unsigned && neg {
            let is_zero = has_zero && code == 0;
            return if is_zero { 0 } else { self.invalid() };
        }
        if code == 0 && has_zero && !neg_zero_ok {
            return 0;
        }
        sign | code
    }
}

/// Reference integer encode: round to an integer, clamp.
pub fn ref_encode_int(bits: u32, signed: bool, narrow: bool, x: f64, r: Rounding) -> u32 {
    if x.is_nan() {
        return 0;
    }
    let (lo, hi) = if signed {
        let h = pow2(bits as i32 - 1);
        (if narrow { -(h - 1.0) } else { -h }, h - 1.0)
    } else {
        (0.0, pow2(bits as i32) - 1.0)
    };
    let v = if x.is_infinite() {
        x
    } else {
        // Work on the magnitude, where a − floor(a) is exact.
        let neg = x < 0.0;
        let a = x.abs();
        let fl = a.floor();
        let frac = a - fl;
        let up = match r {
            Rounding::NearestEven => frac > 0.5 || (frac == 0.5 && fl % 2.0 != 0.0),
            Rounding::NearestAway => frac >= 0.5,
            Rounding::TowardZero => false,
            Rounding::TowardPositive => !neg && frac != 0.0,
            Rounding::TowardNegative => neg && frac != 0.0,
            Rounding::Stochastic(draw) => {
                (frac * 4294967296.0).floor() + draw as f64 >= 4294967296.0
            }
            _ => unreachable!(),
        };
        let m = if up { fl + 1.0 } else { fl };
        if neg { -m } else { m }
    };
    let c = v.clamp(lo, hi);
    let m = ((1u64 << bits) - 1) as i64;
    ((c as i64) & m) as u32
}

/// Reference encode for any element format.
pub fn ref_encode(
    fmt: &ElementFormat,
    tables: Option<&FloatTable>,
    x: f64,
    r: Rounding,
    o: Overflow,
) -> u32 {
    match fmt {
        ElementFormat::Float(_) => tables.unwrap().encode(x, r, o),
        ElementFormat::Int(s) => ref_encode_int(s.bits(), s.is_signed(), s.is_narrow(), x, r),
        ElementFormat::Ternary => {
            if x.is_nan() {
                1
            } else {
                (ref_encode_int(2, true, true, x, r) + 1) & 3
            }
        }
        ElementFormat::Codebook(c) => ref_encode_codebook(c.values(), x, r),
        _ => unreachable!(),
    }
}

/// Every named format, with a value table for the float ones.
pub fn named() -> Vec<(&'static str, ElementFormat, Option<FloatTable>)> {
    ElementFormat::NAMED
        .iter()
        .map(|(n, f, _)| (*n, *f, f.float_spec().map(FloatTable::new)))
        .collect()
}

/// The modes the exhaustive tests run, with a stochastic draw taken from `seed`.
pub fn modes(seed: u32) -> [Rounding; 6] {
    [
        Rounding::NearestEven,
        Rounding::NearestAway,
        Rounding::TowardZero,
        Rounding::TowardPositive,
        Rounding::TowardNegative,
        Rounding::Stochastic(seed),
    ]
}

pub const OVERFLOWS: [Overflow; 2] = [Overflow::NonFinite, Overflow::Saturate];

/// The backends this CPU runs, checked against what /proc/cpuinfo says it has (skipped when
/// `LOWBIT_CPUID_ONLY` is set: under valgrind, which emulates a CPU without AVX-512, CPUID and
/// /proc/cpuinfo disagree).
pub fn backends() -> Vec<Backend> {
    let have: Vec<Backend> = Backend::available().collect();
    let info = match std::env::var_os("LOWBIT_CPUID_ONLY") {
        Some(_) => Err(()),
        None => std::fs::read_to_string("/proc/cpuinfo").map_err(|_| ()),
    };
    if let Ok(info) = info {
        let flag = |f: &str| info.split_whitespace().any(|w| w == f);
        if cfg!(target_arch = "x86_64") {
            assert_eq!(
                flag("avx2") && flag("fma") && flag("f16c"),
                have.contains(&Backend::Avx2)
            );
            // The AVX-512 kernels also use AVX2, FMA and F16C instructions.
            let avx512 = flag("avx512f")
                && flag("avx512bw")
                && flag("avx512vl")
                && flag("avx2")
                && flag("fma")
                && flag("f16c");
            assert_eq!(
                avx512,
                have.contains(&Backend::Avx512),
                "AVX-512 present but not run"
            );
        }
    }
    if cfg!(target_arch = "aarch64") {
        assert!(
            have.contains(&Backend::Neon),
            "NEON backend not run on aarch64"
        );
    }
    assert!(have.contains(&Backend::Scalar) && have.contains(&Backend::Portable));
    println!("backends run: {have:?}");
    have
}
