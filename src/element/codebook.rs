//! Codebook (lookup-table) element formats: a code is an index into a table of `2^k` values
//! (`1 ≤ k ≤ 8`), and encoding picks a table entry by the rounding mode.
//!
//! The one definition is [`Codebook::encode_value`]: every comparison of the input with a
//! table value or with the midpoint of two of them is exact (the midpoint `(a + b) / 2` is
//! compared as `2x` against `a + b` held exactly as an f64 pair), so ties are found exactly.
//! The kernels compare f32 inputs with per-boundary f32 thresholds that [`Codebook::new`]
//! derives *from the definition itself* (the least f32 that goes to the upper entry), so a
//! kernel's choice equals the definition's on every f32.

use core::fmt;

use crate::element::convert::{self, Class, Mag};
use crate::error::Error;
use crate::round::{Rounding, Status};

/// Threshold sets, by the mode they serve (toward zero uses `TN` for positive inputs and `TP`
/// for negative ones).
const NE: usize = 0;
const NA: usize = 1;
const TP: usize = 2;
const TN: usize = 3;

/// A table of `2^k` values, `1 ≤ k ≤ 8`, as an element format: code `c` means `values[c]`.
///
/// Encoding rounds to a table entry: [`Rounding::NearestEven`] to the nearest entry, a tie
/// to the one whose code is even (for float-like tables, such as bitsandbytes' FP4, that is
/// the even significand, as for every float format of the crate; where both codes of a tie
/// have the same parity, which only an unsorted table can give, to the lower code);
/// [`Rounding::NearestAway`] ties to the entry of larger magnitude; [`Rounding::TowardPositive`]
/// / [`Rounding::TowardNegative`] the least entry ≥ x / the greatest ≤ x;
/// [`Rounding::TowardZero`] the greatest entry ≤ x for x > 0 and the least ≥ x for x < 0;
/// [`Rounding::Stochastic`] one of the two neighbours, the farther from zero with probability
/// equal to x's fractional position between them (measured in f64, then to 32 bits, as the
/// float formats measure the discarded fraction). An input beyond the table's range takes the
/// nearest end in every mode (a codebook has no infinity or NaN, so [`Overflow`](crate::Overflow) has no
/// effect). A table may hold a value more than once (bitsandbytes' FP4 has two zeros): the
/// lowest code holding it is the one produced. A zero result keeps the input's sign where the
/// table holds that zero; a zero input where the table has no zero takes the entry nearest
/// zero (ties by the input's sign); NaN encodes as +0 does (with [`Status::INVALID`]).
///
/// The table may be in any order and must hold finite values only (NaN and ±∞ are refused).
///
/// A `Codebook` implements [`Format`](crate::Format) and has the slice API of
/// [`ElementFormat`](crate::ElementFormat) (`encode_slice[_with]`, `decode_slice[_with]`);
/// a codebook with a `'static` lifetime (a `static`, or the named tables) is also an
/// [`ElementFormat::Codebook`](crate::ElementFormat::Codebook), whose slice methods run
/// these very functions, and so can be a [`BlockFormat`](crate::BlockFormat)'s element.
///
/// ```
/// use lowbit::{Codebook, ElementFormat, Format, Overflow, Rounding};
/// // A user table (unsorted, any 2^k entries).
/// let cb = Codebook::new(&[0.0, 1.0, -1.0, 0.5]).unwrap();
/// assert_eq!(cb.bits(), 2);
/// assert_eq!(cb.encode(0.8, Rounding::NearestEven, Overflow::Saturate), 1);
/// // 0.75 ties 0.5 (code 3) and 1.0 (code 1): both codes odd, so the lower code.
/// assert_eq!(cb.encode(0.75, Rounding::NearestEven, Overflow::Saturate), 1);
/// assert_eq!(cb.encode(0.75, Rounding::TowardZero, Overflow::Saturate), 3);
/// let mut packed = [0u8; 1];
/// cb.encode_slice(&[0.0f32, 1.0, -5.0, 0.4], Rounding::NearestEven, Overflow::Saturate, &mut packed).unwrap();
/// assert_eq!(packed, [0b11_10_01_00]);
/// // NF4 as QLoRA / bitsandbytes store it.
/// assert_eq!(ElementFormat::NF4.decode(15), 1.0);
/// ```
#[derive(Clone)]
pub struct Codebook {
    /// The value of every code (entries at and past `2^bits` are 0).
    values: [f32; 256],
    bits: u8,
    /// Number of distinct values (±0 counted once).
    n: u16,
    /// The distinct values, ascending (a zero as +0).
    sorted: [f32; 256],
    /// The code of `sorted[i]` for positive inputs and for negative ones: the lowest code
    /// holding the value; for a zero, the lowest holding a zero of the input's sign where
    /// there is one.
    code_pos: [u8; 256],
    code_neg: [u8; 256],
    /// For each mode set, the least f32 (other than ±0) that goes above `sorted[j]`, for
    /// `j < n − 1`; `+∞` past the end.
    thr: [[f32; 256]; 4],
    /// The codes of +0 and −0 inputs.
    zeros: [u8; 2],
}

/// `x` compared with `a + b` for f32 values `a`, `b` (as f64), exactly: the sum is held as
/// `s + e` (two-sum), and `x` is an f64.
const fn cmp_sum(x: f64, a: f64, b: f64) -> i32 {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    if x > s || (x == s && e < 0.0) {
        1
    } else if x < s || e > 0.0 {
        -1
    } else {
        0
    }
}

/// A monotone integer key of a finite f32 (±0 share key 0).
const fn key(x: f32) -> i64 {
    let b = x.to_bits();
    if b >> 31 != 0 {
        -((b & 0x7FFF_FFFF) as i64)
    } else {
        b as i64
    }
}

const fn from_key(k: i64) -> f32 {
    if k < 0 {
        f32::from_bits(((-k) as u32) | 0x8000_0000)
    } else {
        f32::from_bits(k as u32)
    }
}

impl Codebook {
    /// A codebook from its table: `values[c]` is the value of code `c`. The length must be
    /// `2^k` with `1 ≤ k ≤ 8`; every value finite (any order, repeats allowed).
    ///
    /// # Errors
    /// [`Error::Parameter`] for another length (`what = "codebook length"`) or a NaN or
    /// infinite entry (`"codebook entry (not finite)"`, with its index).
    ///
    /// ```
    /// use lowbit::{Codebook, Error, Format};
    /// let cb = Codebook::new(&[-1.0, -0.25, 0.25, 1.0]).unwrap();
    /// assert_eq!(cb.decode(1), -0.25);
    /// assert!(matches!(Codebook::new(&[0.0; 3]), Err(Error::Parameter { .. })));
    /// assert!(Codebook::new(&[0.0, f32::NAN]).is_err());
    /// // A `static` codebook is an element format.
    /// static MINE: Codebook = match Codebook::new(&[0.0, 1.0]) {
    ///     Ok(c) => c,
    ///     Err(_) => panic!(),
    /// };
    /// let f = lowbit::ElementFormat::Codebook(&MINE);
    /// assert_eq!(f.bits(), 1);
    /// ```
    pub const fn new(values: &[f32]) -> Result<Codebook, Error> {
        let len = values.len();
        if len < 2 || len > 256 || !len.is_power_of_two() {
            return Err(Error::Parameter {
                what: "codebook length (2^k entries, 1 <= k <= 8)",
                value: len as i64,
            });
        }
        let mut i = 0;
        while i < len {
            if !values[i].is_finite() {
                return Err(Error::Parameter {
                    what: "codebook entry (not finite)",
                    value: i as i64,
                });
            }
            i += 1;
        }
        let bits = len.trailing_zeros() as u8;
        let mut cb = Codebook {
            values: [0.0; 256],
            bits,
            n: 0,
            sorted: [0.0; 256],
            code_pos: [0; 256],
            code_neg: [0; 256],
            thr: [[f32::INFINITY; 256]; 4],
            zeros: [0; 2],
        };
        // Codes in value order (a stable insertion sort: equal values keep code order).
        let mut order = [0u8; 256];
        let mut i = 0;
        while i < len {
            cb.values[i] = values[i];
            order[i] = i as u8;
            i += 1;
        }
        let mut i = 1;
        while i < len {
            let c = order[i];
            let v = values[c as usize];
            let mut j = i;
            while j > 0 && values[order[j - 1] as usize] > v {
                order[j] = order[j - 1];
                j -= 1;
            }
            order[j] = c;
            i += 1;
        }
        // Distinct values with their lowest codes (±0 are one value).
        let mut n = 0usize;
        let mut zero = usize::MAX;
        let mut i = 0;
        while i < len {
            let c = order[i];
            let v = values[c as usize];
            if n == 0 || cb.sorted[n - 1] != v {
                cb.sorted[n] = if v == 0.0 { 0.0 } else { v };
                cb.code_pos[n] = c;
                cb.code_neg[n] = c;
                if v == 0.0 {
                    zero = n;
                }
                n += 1;
            }
            i += 1;
        }
        // A zero's code by the input's sign: the lowest code holding a zero of that sign,
        // else the lowest holding the other.
        if zero != usize::MAX {
            let (mut zpos, mut zneg) = (usize::MAX, usize::MAX);
            let mut c = len;
            while c > 0 {
                c -= 1;
                if values[c] == 0.0 {
                    if values[c].to_bits() == 0 {
                        zpos = c;
                    } else {
                        zneg = c;
                    }
                }
            }
            if zpos == usize::MAX {
                zpos = zneg;
            }
            if zneg == usize::MAX {
                zneg = zpos;
            }
            cb.code_pos[zero] = zpos as u8;
            cb.code_neg[zero] = zneg as u8;
        }
        cb.n = n as u16;
        cb.zeros = [
            cb.zero_result_of(false) as u8,
            cb.zero_result_of(true) as u8,
        ];
        // The kernels' thresholds, from the definition's own decisions.
        let mut j = 0;
        while j + 1 < n {
            cb.thr[NE][j] = cb.threshold(j, Rounding::NearestEven);
            cb.thr[NA][j] = cb.threshold(j, Rounding::NearestAway);
            cb.thr[TP][j] = cb.threshold(j, Rounding::TowardPositive);
            cb.thr[TN][j] = cb.threshold(j, Rounding::TowardNegative);
            j += 1;
        }
        Ok(cb)
    }

    /// The least f32 `t` (by value, ±0 skipped) in `(sorted[j], sorted[j + 1]]` that goes to
    /// `sorted[j + 1]` under `r`: a binary search on the definition's decision.
    const fn threshold(&self, j: usize, r: Rounding) -> f32 {
        let (mut lo, mut hi) = (key(self.sorted[j]), key(self.sorted[j + 1]));
        // Invariant: `lo` stays below, `hi` goes up.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            // Key 0 (±0) is decided as the least positive f32: zero inputs never reach the
            // thresholds.
            let x = if mid == 0 { from_key(1) } else { from_key(mid) };
            if self.goes_up(x as f64, j, r) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        from_key(hi)
    }

    /// Whether `x`, strictly between `sorted[j]` and `sorted[j + 1]` (nonzero), goes to the
    /// upper one: the definition of every mode but stochastic.
    const fn goes_up(&self, x: f64, j: usize, r: Rounding) -> bool {
        let (a, b) = (self.sorted[j] as f64, self.sorted[j + 1] as f64);
        match r {
            Rounding::TowardPositive => true,
            Rounding::TowardNegative => false,
            Rounding::TowardZero => x < 0.0,
            Rounding::NearestAway | Rounding::NearestEven => match cmp_sum(2.0 * x, a, b) {
                1 => true,
                -1 => false,
                _ => {
                    if matches!(r, Rounding::NearestAway) {
                        b.abs() > a.abs()
                    } else {
                        let codes = if x < 0.0 {
                            &self.code_neg
                        } else {
                            &self.code_pos
                        };
                        let (ca, cb) = (codes[j], codes[j + 1]);
                        match (ca & 1, cb & 1) {
                            (1, 0) => true,
                            (0, 1) => false,
                            _ => cb < ca,
                        }
                    }
                }
            },
            // Not used for thresholds (see `encode_value`).
            Rounding::Stochastic(_) | Rounding::StochasticFrom { .. } => false,
        }
    }

    /// Width of a code.
    ///
    /// ```
    /// assert_eq!(lowbit::Codebook::NF4.bits(), 4);
    /// ```
    #[must_use]
    pub const fn bits(&self) -> u32 {
        self.bits as u32
    }

    /// The table: the value of every code, in code order (`2^bits` entries).
    ///
    /// ```
    /// let t = lowbit::Codebook::IQ4_NL.values();
    /// assert_eq!((t.len(), t[0], t[15]), (16, -127.0, 113.0));
    /// ```
    #[must_use]
    pub fn values(&self) -> &[f32] {
        &self.values[..1 << self.bits]
    }

    /// The distinct values in ascending order (±0 as one value, printed +0).
    ///
    /// ```
    /// // bitsandbytes' FP4 holds +0 twice: 15 distinct values.
    /// assert_eq!(lowbit::Codebook::BNB_FP4.distinct_values().len(), 15);
    /// ```
    #[must_use]
    pub fn distinct_values(&self) -> &[f32] {
        &self.sorted[..self.n as usize]
    }

    /// The largest entry.
    ///
    /// ```
    /// assert_eq!(lowbit::Codebook::IQ4_NL.max_value(), 113.0);
    /// ```
    #[must_use]
    pub const fn max_value(&self) -> f32 {
        self.sorted[self.n as usize - 1]
    }

    /// The smallest entry.
    ///
    /// ```
    /// assert_eq!(lowbit::Codebook::IQ4_NL.min_value(), -127.0);
    /// ```
    #[must_use]
    pub const fn min_value(&self) -> f32 {
        self.sorted[0]
    }

    /// The code an encoder gives +0 (also what NaN encodes to, and what a scaled format
    /// stores for NaN).
    ///
    /// ```
    /// assert_eq!(lowbit::Codebook::NF4.zero_code(), 7);
    /// ```
    #[must_use]
    pub const fn zero_code(&self) -> u32 {
        self.zeros[0] as u32
    }

    /// The name of a named table (`nf4`, `bnb_fp4`, `iq4_nl`), else `None`.
    ///
    /// ```
    /// use lowbit::Codebook;
    /// assert_eq!(Codebook::NF4.name(), Some("nf4"));
    /// assert_eq!(Codebook::new(&[0.0, 1.0]).unwrap().name(), None);
    /// ```
    #[must_use]
    pub fn name(&self) -> Option<&'static str> {
        NAMED
            .iter()
            .find(|(_, cb, _)| *cb == self)
            .map(|(n, _, _)| *n)
    }

    /// A 64-bit FNV-1a digest of the table's bits: the label `Display` prints for a table
    /// without a name.
    fn digest(&self) -> u64 {
        let mut h = 0xCBF2_9CE4_8422_2325u64;
        for v in self.values() {
            for b in v.to_bits().to_le_bytes() {
                h = (h ^ b as u64).wrapping_mul(0x100_0000_01B3);
            }
        }
        h
    }

    /// The code of a zero input of the given sign (computed once, in [`Codebook::new`]).
    const fn zero_result_of(&self, neg: bool) -> u32 {
        let n = self.n as usize;
        let codes = if neg { &self.code_neg } else { &self.code_pos };
        // The first entry ≥ 0 (a zero, or the least positive one).
        let mut i = 0;
        while i < n && self.sorted[i] < 0.0 {
            i += 1;
        }
        if i < n && self.sorted[i] == 0.0 {
            return codes[i] as u32;
        }
        if i == 0 {
            return codes[0] as u32;
        }
        if i == n {
            return codes[n - 1] as u32;
        }
        // Between a negative and a positive entry: the nearer; a tie by the sign.
        let (a, b) = (self.sorted[i - 1], self.sorted[i]);
        let up = match cmp_sum(0.0, a as f64, b as f64) {
            1 => true,
            -1 => false,
            _ => !neg,
        };
        codes[if up { i } else { i - 1 }] as u32
    }

    #[inline(always)]
    fn zero_result(&self, neg: bool) -> u32 {
        self.zeros[neg as usize] as u32
    }

    /// The smallest positive entry, NaN if there is none.
    pub(crate) fn min_positive(&self) -> f64 {
        match self.distinct_values().iter().find(|&&v| v > 0.0) {
            Some(&v) => v as f64,
            None => f64::NAN,
        }
    }

    /// The smallest gap between two distinct entries.
    pub(crate) fn min_gap(&self) -> f64 {
        self.distinct_values()
            .windows(2)
            .map(|w| w[1] as f64 - w[0] as f64)
            .fold(f64::INFINITY, f64::min)
    }

    /// The definition: the code of a split input under `r`, with IEEE-style status flags.
    pub(crate) fn encode_value(&self, neg: bool, c: Class, r: Rounding) -> (u32, Status) {
        let n = self.n as usize;
        let codes = if neg { &self.code_neg } else { &self.code_pos };
        let m = match c {
            Class::Nan => return (self.zero_result(false), Status::INVALID),
            Class::Zero => {
                let code = self.zero_result(neg);
                let st = if self.values[code as usize] == 0.0 {
                    Status::OK
                } else {
                    Status::INEXACT
                };
                return (code, st);
            }
            Class::Inf => {
                let i = if neg { 0 } else { n - 1 };
                return (codes[i] as u32, Status::OVERFLOW | Status::INEXACT);
            }
            Class::Finite(m) => m,
        };
        let x = mag_f64(neg, m);
        if x < self.sorted[0] as f64 {
            return (codes[0] as u32, Status::OVERFLOW | Status::INEXACT);
        }
        if x > self.sorted[n - 1] as f64 {
            return (codes[n - 1] as u32, Status::OVERFLOW | Status::INEXACT);
        }
        // The greatest entry ≤ x.
        let j = self.sorted[..n].partition_point(|&v| v as f64 <= x) - 1;
        if self.sorted[j] as f64 == x {
            return (codes[j] as u32, Status::OK);
        }
        let up = match r.draw() {
            Some(draw) => {
                let (a, b) = (self.sorted[j] as f64, self.sorted[j + 1] as f64);
                // The fraction of the gap toward the neighbour farther from zero.
                let f = if neg {
                    (b - x) / (b - a)
                } else {
                    (x - a) / (b - a)
                };
                let f32bits = (f * 4294967296.0) as u64;
                let away = (f32bits + draw as u64) >> 32 != 0;
                away != neg
            }
            None => self.goes_up(x, j, r),
        };
        (codes[j + up as usize] as u32, Status::INEXACT)
    }

    /// The value of a code (within the width).
    #[inline(always)]
    pub(crate) fn value(&self, code: u32) -> f32 {
        self.values[code as usize & 0xFF]
    }

    /// The kernels' parameters for mode `r`, or `None` for stochastic rounding (which
    /// takes the definition).
    pub(crate) fn lanes(&self, r: Rounding) -> Option<CodebookLanes<'_>> {
        let (pos, neg) = match r {
            Rounding::NearestEven => (NE, NE),
            Rounding::NearestAway => (NA, NA),
            Rounding::TowardPositive => (TP, TP),
            Rounding::TowardNegative => (TN, TN),
            Rounding::TowardZero => (TN, TP),
            _ => return None,
        };
        Some(CodebookLanes {
            pos: &self.thr[pos],
            neg: &self.thr[neg],
            n: self.n as usize,
            code_pos: &self.code_pos,
            code_neg: &self.code_neg,
            zero: self.zeros,
            nan: self.zeros[0],
        })
    }
}

/// An input magnitude as f64, exactly for every input of at most 53 significant bits, and
/// clamped to `[2^−900, 2^140]` (beyond every table value and every midpoint on either
/// side, so no comparison changes); a longer significand (a wide integer) keeps a sticky
/// bit, so it never compares equal to a midpoint it does not equal.
fn mag_f64(neg: bool, m: Mag) -> f64 {
    let exp = m.exp.clamp(-900, 140);
    let sig = if m.exp != exp {
        1u64 << 52
    } else {
        (m.sig >> 11) | (m.sig & 0x7FF != 0) as u64
    };
    let v = sig as f64 * convert::pow2_f64(exp - 52);
    if neg { -v } else { v }
}

/// A codebook's encode parameters for one rounding mode, for the kernels: thresholds for
/// positive and negative inputs, the codes of each distinct value by sign, and the results
/// for ±0 and NaN.
#[derive(Clone, Copy)]
pub(crate) struct CodebookLanes<'a> {
    pub(crate) pos: &'a [f32; 256],
    pub(crate) neg: &'a [f32; 256],
    pub(crate) n: usize,
    pub(crate) code_pos: &'a [u8; 256],
    pub(crate) code_neg: &'a [u8; 256],
    pub(crate) zero: [u8; 2],
    pub(crate) nan: u8,
}

impl PartialEq for Codebook {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
            && self
                .values()
                .iter()
                .zip(other.values())
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

impl Eq for Codebook {}

impl core::hash::Hash for Codebook {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
        for v in self.values() {
            v.to_bits().hash(state);
        }
    }
}

impl fmt::Debug for Codebook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "Codebook({n})"),
            None => f.debug_tuple("Codebook").field(&self.values()).finish(),
        }
    }
}

impl fmt::Display for Codebook {
    /// The table's name, or `codebook{k}_{digest}` for a table without one (a label, which
    /// does not parse: a name cannot carry a table).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "codebook{}_{:016x}", self.bits, self.digest()),
        }
    }
}

const fn must(c: Result<Codebook, Error>) -> Codebook {
    match c {
        Ok(c) => c,
        Err(_) => panic!("invalid built-in codebook"),
    }
}

/// bitsandbytes 0.50.2 `get_4bit_type("nf4")` (bitsandbytes/functional.py), the
/// `quant_state.code` of NF4 (QLoRA, Dettmers et al. 2023, appendix E), as f32 bits.
const NF4_BITS: [u32; 16] = [
    0xbf800000, 0xbf3239b1, 0xbf066b30, 0xbeca32a0, 0xbe91a24d, 0xbe3d353f, 0xbdba7871, 0x00000000,
    0x3da2faff, 0x3e24cae3, 0x3e7c04dd, 0x3ead033a, 0x3ee1a4b8, 0x3f1007ab, 0x3f3913b3, 0x3f800000,
];

const fn nf4_values() -> [f32; 16] {
    let mut v = [0f32; 16];
    let mut i = 0;
    while i < 16 {
        v[i] = f32::from_bits(NF4_BITS[i]);
        i += 1;
    }
    v
}

/// bitsandbytes 0.50.2 `get_4bit_type("fp4")`: `[0, 0.0625, 8, 12, 4, 6, 2, 3, 0, -0.0625,
/// -8, -12, -4, -6, -2, -3] / 12` in f32 (code 8's `-0` is the Python integer 0 there, so
/// +0.0; the table is sign bit 3 | exponent bits 2..1 | mantissa bit 0).
const fn bnb_fp4_values() -> [f32; 16] {
    const NUM: [f32; 16] = [
        0.0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, 0.0, -0.0625, -8.0, -12.0, -4.0, -6.0, -2.0,
        -3.0,
    ];
    let mut v = [0f32; 16];
    let mut i = 0;
    while i < 16 {
        v[i] = NUM[i] / 12.0;
        i += 1;
    }
    v
}

/// ggml's `kvalues_iq4nl` (the grid of GGUF's IQ4_NL and IQ4_XS blocks), as values.
const fn iq4nl_values(k: &[i8; 16]) -> [f32; 16] {
    let mut v = [0f32; 16];
    let mut i = 0;
    while i < 16 {
        v[i] = k[i] as f32;
        i += 1;
    }
    v
}

/// bitsandbytes 0.50.2 `create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)`
/// (bitsandbytes/functional.py), the default `code` of `quantize_blockwise` and the map of
/// double-quantized absmax values, as torch computes it (f32 `linspace` arithmetic), in
/// index order: f32 bits recorded from the library (`tests/vectors/bnb/bnb_tables.txt`,
/// `map dynamic`, by `scripts/gen_bnb_vectors.py`; `tests/bnb_vectors.rs` checks them).
const DYNAMIC_BITS: [u32; 256] = [
    0xbf7e3333, 0xbf7a999a, 0xbf770000, 0xbf736666, 0xbf6fcccd, 0xbf6c3333, 0xbf68999a, 0xbf650000,
    0xbf616666, 0xbf5dcccd, 0xbf5a3333, 0xbf56999a, 0xbf530000, 0xbf4f6666, 0xbf4bcccd, 0xbf483333,
    0xbf44999a, 0xbf410000, 0xbf3d6666, 0xbf39cccd, 0xbf363334, 0xbf32999a, 0xbf2f0000, 0xbf2b6666,
    0xbf27cccd, 0xbf243334, 0xbf20999a, 0xbf1d0000, 0xbf196666, 0xbf15cccd, 0xbf123334, 0xbf0e999a,
    0xbf0b0000, 0xbf076666, 0xbf03cccc, 0xbf003333, 0xbef93332, 0xbef20000, 0xbeeacccc, 0xbee3999a,
    0xbedc6666, 0xbed53333, 0xbece0000, 0xbec6cccc, 0xbebf999a, 0xbeb86666, 0xbeb13333, 0xbeaa0000,
    0xbea2cccc, 0xbe9b999a, 0xbe946666, 0xbe8d3334, 0xbe860000, 0xbe7d9999, 0xbe6f3333, 0xbe60cccd,
    0xbe526666, 0xbe440000, 0xbe35999a, 0xbe273333, 0xbe18cccd, 0xbe0a6666, 0xbdf80000, 0xbddb3334,
    0xbdc9eb85, 0xbdc428f7, 0xbdbe6667, 0xbdb8a3d7, 0xbdb2e148, 0xbdad1eb8, 0xbda75c2a, 0xbda1999a,
    0xbd9bd70a, 0xbd96147b, 0xbd9051eb, 0xbd8a8f5d, 0xbd84cccd, 0xbd7e147b, 0xbd728f5d, 0xbd670a3d,
    0xbd5b851f, 0xbd500000, 0xbd447ae1, 0xbd38f5c3, 0xbd2d70a3, 0xbd21eb85, 0xbd166667, 0xbd0ae148,
    0xbcfeb852, 0xbce7ae15, 0xbcd0a3d7, 0xbcb9999a, 0xbca28f5d, 0xbc8b851f, 0xbc68f5c3, 0xbc3ae148,
    0xbc1f3b64, 0xbc160418, 0xbc0ccccd, 0xbc039581, 0xbbf4bc6a, 0xbbe24dd3, 0xbbcfdf3b, 0xbbbd70a4,
    0xbbab020d, 0xbb989374, 0xbb8624dd, 0xbb676c8a, 0xbb428f5c, 0xbb1db22d, 0xbaf1a9fc, 0xbaa7ef9d,
    0xba7765ff, 0xba59e83e, 0xba3c6a80, 0xba1eecc1, 0xba016f01, 0xb9c7e283, 0xb98ce705, 0xb923d70b,
    0xb8ba1f4b, 0xb88aefb3, 0xb8378034, 0xb7b24206, 0xb70205ff, 0xb65a1a94, 0xb513a3b7, 0x00000000,
    0x3513a3b7, 0x365a1a94, 0x370205ff, 0x37b24206, 0x38378034, 0x388aefb3, 0x38ba1f4b, 0x3923d70b,
    0x398ce705, 0x39c7e283, 0x3a016f01, 0x3a1eecc1, 0x3a3c6a80, 0x3a59e83e, 0x3a7765ff, 0x3aa7ef9d,
    0x3af1a9fc, 0x3b1db22d, 0x3b428f5c, 0x3b676c8a, 0x3b8624dd, 0x3b989374, 0x3bab020d, 0x3bbd70a4,
    0x3bcfdf3b, 0x3be24dd3, 0x3bf4bc6a, 0x3c039581, 0x3c0ccccd, 0x3c160418, 0x3c1f3b64, 0x3c3ae148,
    0x3c68f5c3, 0x3c8b851f, 0x3ca28f5d, 0x3cb9999a, 0x3cd0a3d7, 0x3ce7ae15, 0x3cfeb852, 0x3d0ae148,
    0x3d166667, 0x3d21eb85, 0x3d2d70a3, 0x3d38f5c3, 0x3d447ae1, 0x3d500000, 0x3d5b851f, 0x3d670a3d,
    0x3d728f5d, 0x3d7e147b, 0x3d84cccd, 0x3d8a8f5d, 0x3d9051eb, 0x3d96147b, 0x3d9bd70a, 0x3da1999a,
    0x3da75c2a, 0x3dad1eb8, 0x3db2e148, 0x3db8a3d7, 0x3dbe6667, 0x3dc428f7, 0x3dc9eb85, 0x3ddb3334,
    0x3df80000, 0x3e0a6666, 0x3e18cccd, 0x3e273333, 0x3e35999a, 0x3e440000, 0x3e526666, 0x3e60cccd,
    0x3e6f3333, 0x3e7d9999, 0x3e860000, 0x3e8d3334, 0x3e946666, 0x3e9b999a, 0x3ea2cccc, 0x3eaa0000,
    0x3eb13333, 0x3eb86666, 0x3ebf999a, 0x3ec6cccc, 0x3ece0000, 0x3ed53333, 0x3edc6666, 0x3ee3999a,
    0x3eeacccc, 0x3ef20000, 0x3ef93332, 0x3f003333, 0x3f03cccc, 0x3f076666, 0x3f0b0000, 0x3f0e999a,
    0x3f123334, 0x3f15cccd, 0x3f196666, 0x3f1d0000, 0x3f20999a, 0x3f243334, 0x3f27cccd, 0x3f2b6666,
    0x3f2f0000, 0x3f32999a, 0x3f363334, 0x3f39cccd, 0x3f3d6666, 0x3f410000, 0x3f44999a, 0x3f483333,
    0x3f4bcccd, 0x3f4f6666, 0x3f530000, 0x3f56999a, 0x3f5a3333, 0x3f5dcccd, 0x3f616666, 0x3f650000,
    0x3f68999a, 0x3f6c3333, 0x3f6fcccd, 0x3f736666, 0x3f770000, 0x3f7a999a, 0x3f7e3333, 0x3f800000,
];

const fn dynamic_values() -> [f32; 256] {
    let mut v = [0f32; 256];
    let mut i = 0;
    while i < 256 {
        v[i] = f32::from_bits(DYNAMIC_BITS[i]);
        i += 1;
    }
    v
}

static NF4: Codebook = must(Codebook::new(&nf4_values()));
static BNB_DYNAMIC: Codebook = must(Codebook::new(&dynamic_values()));
static BNB_FP4: Codebook = must(Codebook::new(&bnb_fp4_values()));
static IQ4_NL: Codebook = must(Codebook::new(&iq4nl_values(
    &crate::gguf::grids::KVALUES_IQ4NL,
)));

impl Codebook {
    /// NF4, QLoRA's 4-bit NormalFloat, as bitsandbytes stores it (`quant_state.code` of
    /// `quant_type="nf4"`, bitsandbytes 0.50.2): 16 values sorted ascending, −1 at code 0,
    /// 0 at code 7, 1 at code 15.
    pub const NF4: &'static Codebook = &NF4;
    /// bitsandbytes' FP4 (`quant_type="fp4"`, bitsandbytes 0.50.2): sign | 2 exponent bits |
    /// 1 mantissa bit over the values `{0, 0.0625, 2, 3, 4, 6, 8, 12} / 12`, not sorted by
    /// code; code 8 is +0 as in `get_4bit_type` (bitsandbytes' scalar C table has −0 there).
    pub const BNB_FP4: &'static Codebook = &BNB_FP4;
    /// IQ4_NL's 16 non-linear levels (ggml `kvalues_iq4nl`, −127 … 113), as the element of
    /// GGUF's IQ4_NL and IQ4_XS blocks: shared with [`gguf`](crate::gguf).
    pub const IQ4_NL: &'static Codebook = &IQ4_NL;
    /// bitsandbytes' 8-bit dynamic map (`create_dynamic_map()`, bitsandbytes 0.50.2): 256
    /// sorted values in [−0.99296875, 1], one zero (code 127); the code of
    /// [`bnb::quantize_blockwise`](crate::bnb::quantize_blockwise) and of double-quantized
    /// absmax values. (bitsandbytes' own 8-bit encoder is not the nearest entry: see
    /// [`bnb`](crate::bnb).)
    pub const BNB_DYNAMIC: &'static Codebook = &BNB_DYNAMIC;
}

/// The named codebooks: name, table, source.
pub(crate) const NAMED: &[(&str, &Codebook, &str)] = &[
    (
        "nf4",
        &NF4,
        "QLoRA NF4; bitsandbytes 0.50.2 get_4bit_type('nf4')",
    ),
    (
        "bnb_fp4",
        &BNB_FP4,
        "bitsandbytes 0.50.2 get_4bit_type('fp4')",
    ),
    ("iq4_nl", &IQ4_NL, "ggml kvalues_iq4nl (GGUF IQ4_NL/IQ4_XS)"),
    (
        "bnb_dynamic",
        &BNB_DYNAMIC,
        "bitsandbytes 0.50.2 create_dynamic_map()",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_deduplicated() {
        assert_eq!(NF4.n, 16);
        assert_eq!(BNB_FP4.n, 15);
        assert_eq!(BNB_FP4.code_pos[7], 0);
        assert_eq!(IQ4_NL.sorted[0], -127.0);
    }
}
