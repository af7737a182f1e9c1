//! The fast forms of the one conversion routine, each equal to it bit for bit:
//!
//! - [`LaneParams`] and the lane encoders: `convert::encode_float`'s decisions on one `u32`
//!   lane with selects instead of branches, so a loop over them compiles to vector code
//!   under each backend's `target_feature`;
//! - [`FloatDecode`]: the arithmetic decode of one-byte float codes (no table gathers);
//! - [`Grid`]: nearest-even, saturating rounding onto a format's value grid in f32 (fake
//!   quantization without going through codes).
//!
//! The tests at the bottom check each against the definition: every code, every f32
//! exponent, every midpoint. The backend-equality tests (`tests/bulk.rs`,
//! `tests/spec_space.rs`) check the kernels built on them.

use crate::element::convert;
use crate::element::{ElementFormat, Format};
use crate::round::{Overflow, Rounding};
use crate::spec::{FloatSpec, NonFinite};

/// Rounding modes the lane kernel implements, as a const generic parameter.
pub(crate) const NE: u8 = 0;
pub(crate) const NA: u8 = 1;
pub(crate) const TZ: u8 = 2;
pub(crate) const TP: u8 = 3;
pub(crate) const TN: u8 = 4;

/// Per-call constants, derived once from the spec, the rounding mode and the policy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LaneParams {
    m: u32,
    emin: i32,
    bias: i32,
    max_code: u32,
    sign_bit: u32,
    neg_zero: bool,
    has_zero: bool,
    zero_is_normal: bool,
    unsigned: bool,
    invalid: u32,
    /// Result for a NaN input, by sign.
    nan: [u32; 2],
    /// Result for ±∞ inputs.
    inf_in: [u32; 2],
    /// Result when a finite input's magnitude rounds past the largest code.
    ov: [u32; 2],
    /// Result for ±0.
    zero: [u32; 2],
    /// (127 − bias) << M: moves an f32 exponent field to the format's.
    rebias: u32,
    /// 2^(emin − M + 23): adding it to a value below 2^emin rounds that value (nearest-even,
    /// in the FPU) to a multiple of the format's subnormal step.
    magic: f32,
    /// Bits of 2^emin as f32.
    min_normal_bits: u32,
    /// Half the format's subnormal step, 2^(emin − M − 1): a nearest-away tie below 2^emin.
    half_step: f32,
    /// 1 when the format has no mantissa bits and a zero: ties between normals then go to
    /// the even code, whose parity is the exponent field's (the definition's rule), so the
    /// kernels add the rebased exponent to the kept bit before taking its parity; else 0.
    /// (E8M0, with no zero, keeps its ties up: the implicit bit is always odd.)
    field_parity: u32,
    /// Which lane kernel runs, chosen once from the spec, the mode and the policy.
    pub(crate) kernel: LaneKernel,
    /// The rounding mode, one of [`NE`], [`NA`], [`TZ`], [`TP`], [`TN`].
    pub(crate) mode: u8,
}

/// The three forms of the lane encoder, fastest first. Each applies where the assumptions
/// its derivation needs hold; [`LaneParams::new`] checks them once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LaneKernel {
    /// [`encode_lane_ne`]: nearest-even, signed, [`LaneKernel::Lean`]'s conditions, ±∞
    /// encoding like an overflow, and the subnormal magic constant `2^(emin − M + 23)` a
    /// finite f32 (the smallest step at most 2^104).
    NearestEven,
    /// [`encode_lane_directed`]: a mode other than nearest-even, signed, ±0 encoded as
    /// code 0 with the sign, and [`LaneKernel::NearestEven`]'s other conditions but the ±∞
    /// one.
    Directed,
    /// [`encode_lane_lean`]: every f32 subnormal lies below the format's lowest binade
    /// (emin > −126) and exponent field 0 holds subnormals.
    Lean,
    /// [`encode_lane`]: any float spec.
    General,
    /// [`encode_lane_e8m0`]: E8M0's layout (8 exponent bits, bias 127, no sign bit, no
    /// mantissa bits, no zero: code 0 is the normal 2^−127), whose codes are f32's exponent
    /// fields; f32 subnormal inputs take [`LaneKernel::General`] (checked per chunk by the
    /// loops).
    E8m0,
}

impl LaneParams {
    /// `None` for the stochastic mode, which the scalar tier handles.
    pub(crate) fn new(spec: &FloatSpec, r: Rounding, o: Overflow) -> Option<Self> {
        let mode = match r {
            Rounding::NearestEven => NE,
            Rounding::NearestAway => NA,
            Rounding::TowardZero => TZ,
            Rounding::TowardPositive => TP,
            Rounding::TowardNegative => TN,
            _ => return None,
        };
        // The special-value results come from the scalar definition itself.
        let enc = |x: f32| {
            let (n, c) = convert::split_f32(x);
            convert::encode_float(spec, n, c, r, o).0
        };
        let sign_bit = spec.sign_bit();
        let unsigned = !spec.is_signed();
        let invalid = spec.nan_code(false).unwrap_or(0);
        // A finite input beyond the largest code: the scalar result for ±f32::MAX is the
        // overflow result of this mode and policy. (bfloat16 is the one format whose range
        // reaches f32::MAX, and f32::MAX overflows there too.)
        let ov = [enc(f32::MAX), enc(-f32::MAX)];
        let inf_in = [enc(f32::INFINITY), enc(f32::NEG_INFINITY)];
        let lean = spec.emin() > -126 && !spec.zero_is_normal();
        // The magic constant's exponent; it must stay within f32's normal range.
        let magic_exp = spec.emin() - spec.man_bits() as i32 + 23;
        let zero = [enc(0.0), enc(-0.0)];
        let signed_zero = zero == [0, if spec.has_neg_zero() { sign_bit } else { 0 }];
        let kernel = if lean && mode == NE && !unsigned && inf_in == ov && magic_exp <= 127 {
            LaneKernel::NearestEven
        } else if lean && mode != NE && !unsigned && signed_zero && magic_exp <= 127 {
            LaneKernel::Directed
        } else if lean {
            LaneKernel::Lean
        } else if spec.exp_bits() == 8
            && spec.man_bits() == 0
            && spec.bias() == 127
            && unsigned
            && spec.zero_is_normal()
            && !spec.has_zero()
        {
            LaneKernel::E8m0
        } else {
            LaneKernel::General
        };
        Some(LaneParams {
            m: spec.man_bits(),
            emin: spec.emin(),
            bias: spec.bias(),
            max_code: spec.max_code(),
            sign_bit,
            neg_zero: spec.has_neg_zero(),
            has_zero: spec.has_zero(),
            zero_is_normal: spec.zero_is_normal(),
            unsigned,
            invalid,
            nan: [enc(f32::NAN), enc(-f32::NAN)],
            inf_in,
            ov,
            zero,
            // Only the lean kernels read these; their conditions keep them in range
            // (emin > −126 means bias < 127; magic_exp ≤ 127 is checked above).
            rebias: if lean {
                ((127 - spec.bias()) as u32) << spec.man_bits()
            } else {
                0
            },
            magic: if matches!(kernel, LaneKernel::NearestEven | LaneKernel::Directed) {
                convert::pow2_f64(magic_exp) as f32
            } else {
                0.0
            },
            // lean: emin ≥ −125 and M ≤ 23, so the exponent is at least −149.
            half_step: if kernel == LaneKernel::Directed {
                convert::pow2_f64(spec.emin() - spec.man_bits() as i32 - 1) as f32
            } else {
                0.0
            },
            min_normal_bits: if lean {
                (convert::pow2_f64(spec.emin()) as f32).to_bits()
            } else {
                0
            },
            field_parity: (spec.man_bits() == 0 && !spec.zero_is_normal()) as u32,
            kernel,
            mode,
        })
    }

    /// Whether ±∞ inputs encode unlike a finite overflow (e.g. toward zero with
    /// [`Overflow::NonFinite`]: ∞ stays ∞, f32::MAX becomes the largest finite code).
    #[inline(always)]
    pub(crate) fn inf_distinct(&self) -> bool {
        self.inf_in != self.ov
    }

    /// [`LaneParams::new`] for a scaled format's stored codes: a NaN of either sign encodes
    /// as [`ElementFormat::stored_nan`].
    pub(crate) fn new_stored(spec: &FloatSpec, r: Rounding, o: Overflow) -> Option<Self> {
        let mut p = Self::new(spec, r, o)?;
        let nan = ElementFormat::Float(*spec).stored_nan();
        p.nan = [nan, nan];
        Some(p)
    }

    /// [`LaneParams::new_stored`] for encoding `x / 2^k` (exactly: the quotient is never
    /// formed): the format's grid multiplied by 2^k is itself a format grid, with emin + k
    /// and bias − k, so only the constants derived from them change. `None` unless the
    /// fast kernels ([`LaneKernel::NearestEven`], [`LaneKernel::Directed`]) apply to the
    /// moved grid: its lowest binade above f32's subnormals, its magic constant finite, and
    /// its largest value below 2^127, so that f32::MAX and ±∞ still overflow it.
    pub(crate) fn new_stored_divided(
        spec: &FloatSpec,
        r: Rounding,
        o: Overflow,
        k: i32,
    ) -> Option<Self> {
        let mut p = Self::new_stored(spec, r, o)?;
        if !matches!(p.kernel, LaneKernel::NearestEven | LaneKernel::Directed) {
            return None;
        }
        let m = spec.man_bits() as i32;
        let (emin, bias) = (spec.emin().checked_add(k)?, spec.bias().checked_sub(k)?);
        let max = ElementFormat::Float(*spec).decode(spec.max_code()) as f64;
        if emin <= -126
            || emin - m + 23 > 127
            || !max.is_finite()
            || max * convert::pow2_f64(k) >= convert::pow2_f64(127)
        {
            return None;
        }
        p.emin = emin;
        p.bias = bias;
        p.rebias = ((127 - bias) as u32) << m;
        p.magic = convert::pow2_f64(emin - m + 23) as f32;
        p.half_step = convert::pow2_f64(emin - m - 1) as f32;
        p.min_normal_bits = (convert::pow2_f64(emin) as f32).to_bits();
        Some(p)
    }
}

/// From a rounded magnitude code to the result: sign, the zero/NaN/∞/overflow cases, and
/// unsigned formats' negatives — the same outcomes as `convert::encode_float`, as selects.
#[inline(always)]
fn finish(p: &LaneParams, x: u32, code: u32) -> u32 {
    let neg = x >> 31;
    let a = x & 0x7FFF_FFFF;
    let pick = |pair: [u32; 2]| if neg != 0 { pair[1] } else { pair[0] };
    let signed_code = if code == 0 && !p.neg_zero {
        0
    } else {
        code | (p.sign_bit & neg.wrapping_neg())
    };
    let finite = if p.unsigned && neg != 0 {
        if code == 0 && p.has_zero {
            0
        } else {
            p.invalid
        }
    } else {
        signed_code
    };
    let finite = if code > p.max_code {
        pick(p.ov)
    } else {
        finite
    };
    let special = if a & 0x7F_FFFF != 0 {
        pick(p.nan)
    } else {
        pick(p.inf_in)
    };
    let r = if a >> 23 == 255 { special } else { finite };
    if a == 0 { pick(p.zero) } else { r }
}

/// Encodes one f32 (as bits). Branch-free: every `if` below is a select on lane values.
#[inline(always)]
pub(crate) fn encode_lane<const MODE: u8>(p: &LaneParams, x: u32) -> u32 {
    let neg = x >> 31;
    let a = x & 0x7FFF_FFFF;
    let ef = a >> 23;
    // f32 subnormal inputs are normalized exactly by a multiply by 2^64.
    let an = (f32::from_bits(a) * 18446744073709551616.0).to_bits();
    let sub = ef == 0;
    let sig = if sub { an & 0x7F_FFFF } else { a & 0x7F_FFFF } | 0x80_0000;
    let e = if sub {
        (an >> 23) as i32 - 127 - 64
    } else {
        ef as i32 - 127
    };
    let tiny = e < p.emin;
    let extra = if tiny { (p.emin - e) as u32 } else { 0 };
    let shift = (23 - p.m) + extra.min(40);
    let s1 = shift - 1;
    let ip = if shift < 32 { sig >> (shift & 31) } else { 0 };
    let half = if s1 < 32 { (sig >> (s1 & 31)) & 1 } else { 0 };
    let below = if s1 < 32 {
        (1u32 << (s1 & 31)).wrapping_sub(1)
    } else {
        u32::MAX
    };
    let sticky = (sig & below != 0) as u32;
    let inexact = half | sticky;
    let base = if tiny {
        0
    } else {
        ((e + p.bias - 1) as u32).wrapping_shl(p.m)
    };
    // The parity of the code below (see `field_parity`).
    let lsb = (ip + (base & p.field_parity.wrapping_neg())) & 1;
    let up = match MODE {
        NE => half & (sticky | lsb),
        NA => half,
        TZ => 0,
        TP => (neg ^ 1) & inexact,
        _ => neg & inexact,
    };
    let code = base.wrapping_add(ip).wrapping_add(up);
    let code = if tiny && p.zero_is_normal { 0 } else { code };
    finish(p, x, code)
}

/// The same conversion in fewer operations, for formats where [`LaneParams::lean`] holds.
///
/// Rounding is an integer add of a mode-specific bias below the kept bits followed by a
/// shift (as in ml_dtypes' `ConvertImpl`): the carry of a round-up ripples into the exponent.
/// Target subnormals just shift further. An f32 subnormal input is read as exponent −126
/// without its implicit bit, which is its exact value, and is always a target subnormal here.
#[inline(always)]
pub(crate) fn encode_lane_lean<const MODE: u8>(p: &LaneParams, x: u32) -> u32 {
    let neg = x >> 31;
    let a = x & 0x7FFF_FFFF;
    let ef = (a >> 23) as i32;
    let e = ef.max(1) - 127;
    let sig = (a & 0x7F_FFFF) | if ef != 0 { 0x80_0000 } else { 0 };
    let d = (p.emin - e).max(0) as u32;
    let s = ((23 - p.m) + d).min(31);
    let unit = 1u32 << s;
    let base = if d > 0 {
        0
    } else {
        ((e + p.bias - 1) as u32).wrapping_shl(p.m)
    };
    let bias = match MODE {
        NE => (unit >> 1) - 1 + (((sig >> s) + (base & p.field_parity.wrapping_neg())) & 1),
        NA => unit >> 1,
        TZ => 0,
        TP => (unit - 1) & neg.wrapping_sub(1),
        _ => (unit - 1) & neg.wrapping_neg(),
    };
    let ip = (sig + bias) >> s;
    let code = base.wrapping_add(ip);
    finish(p, x, code)
}

/// The directed and nearest-away modes for lean signed formats with uniform shifts only, the
/// counterpart of [`encode_lane_ne`]. A normal result rounds by adding the mode's bias below
/// the kept bits (the carry ripples into the exponent). A subnormal result starts from the
/// FPU's nearest-even rounding at the format's subnormal step, `bits(|x| + magic) −
/// bits(magic)` as in [`encode_lane_ne`], and moves one code where that went the wrong way
/// for the mode: `back = (|x| + magic) − magic` is the rounded magnitude (exact: Sterbenz),
/// so `back > |x|` says it rounded up, `back < |x|` down, and `|x| − back = step/2` (also
/// exact) that it tied down. The specials follow the nearest-even tail, with ±∞ on its own
/// where it encodes unlike an overflow (`INF`: [`LaneParams::inf_distinct`]).
#[inline(always)]
pub(crate) fn encode_lane_directed<const MODE: u8, const INF: bool>(p: &LaneParams, x: u32) -> u32 {
    // All ones for a negative input.
    let sgn = ((x as i32) >> 31) as u32;
    let a = x & 0x7FFF_FFFF;
    let sh = 23 - p.m;
    let unit = 1u32 << sh;
    // All ones where an inexact magnitude rounds away from zero: TP on positives, TN on
    // negatives.
    let away = match MODE {
        TP => !sgn,
        _ => sgn,
    };
    let bias = match MODE {
        NA => unit >> 1,
        TZ => 0,
        _ => (unit - 1) & away,
    };
    let normal = ((a + bias) >> sh).wrapping_sub(p.rebias);
    let ax = f32::from_bits(a);
    let s = ax + p.magic;
    let ne = s.to_bits().wrapping_sub(p.magic.to_bits());
    let back = s - p.magic;
    let sub = match MODE {
        NA => ne + ((ax - back == p.half_step) as u32),
        TZ => ne - ((back > ax) as u32),
        // Toward zero, then one code up where inexact and away.
        _ => (ne - ((back > ax) as u32)) + (((back != ax) as u32) & away),
    };
    let code = if a < p.min_normal_bits { sub } else { normal };
    // Signed formats whose ±0 is code 0 with the sign (checked by `LaneParams::new`), so
    // only the sign, overflow, ±∞ (where it differs from an overflow: `INF`) and NaN remain.
    let pick = |pair: [u32; 2]| if sgn != 0 { pair[1] } else { pair[0] };
    let signed = if code == 0 && !p.neg_zero {
        0
    } else {
        code | (p.sign_bit & sgn)
    };
    let r = if code > p.max_code {
        pick(p.ov)
    } else {
        signed
    };
    let r = if INF && a == 0x7F80_0000 {
        pick(p.inf_in)
    } else {
        r
    };
    if a > 0x7F80_0000 { pick(p.nan) } else { r }
}

/// E8M0 ([`LaneKernel::E8m0`]) for f32 inputs that are not subnormal: a positive normal
/// input's code is its exponent field, plus one where the mode rounds its mantissa up (the
/// nearest modes from ½ up: with no mantissa bits the code below a tie is odd, its implicit
/// bit, so nearest-even ties go up too, as the definition's parity rule says); the specials
/// and negatives as [`finish`] decides them for an unsigned format without zero.
#[inline(always)]
pub(crate) fn encode_lane_e8m0<const MODE: u8>(p: &LaneParams, x: u32) -> u32 {
    let neg = x >> 31;
    let a = x & 0x7FFF_FFFF;
    let m = a & 0x7F_FFFF;
    let up = match MODE {
        NE | NA => (m >= 0x40_0000) as u32,
        TP => (m != 0) as u32,
        _ => 0,
    };
    let code = (a >> 23) + up;
    let pick = |pair: [u32; 2]| if neg != 0 { pair[1] } else { pair[0] };
    let r = if neg != 0 { p.invalid } else { code };
    let r = if code > p.max_code { pick(p.ov) } else { r };
    let special = if m != 0 { pick(p.nan) } else { pick(p.inf_in) };
    let r = if a >> 23 == 255 { special } else { r };
    if a == 0 { pick(p.zero) } else { r }
}

/// Whether any of `x` is an f32 subnormal (which [`encode_lane_e8m0`] leaves to
/// [`encode_lane`]).
#[inline(always)]
pub(crate) fn any_subnormal(x: &[f32]) -> bool {
    x.iter().fold(false, |acc, v| {
        let a = v.to_bits() & 0x7FFF_FFFF;
        acc | ((a != 0) & (a < 0x80_0000))
    })
}

/// Nearest-even for [`LaneParams::lean`] formats with uniform shifts only: a normal result
/// rounds by adding `half − 1 + lsb` below the kept bits of the f32 pattern and rebiasing the
/// exponent field; a subnormal result is `bits(|x| + magic) − bits(magic)`, the FPU's own
/// nearest-even rounding at the format's subnormal step (|x| < 2^emin ≤ magic, so the sum's
/// ulp is exactly that step). The special cases go through [`finish`] like the other kernels.
#[inline(always)]
pub(crate) fn encode_lane_ne(p: &LaneParams, x: u32) -> u32 {
    let a = x & 0x7FFF_FFFF;
    let sh = 23 - p.m;
    // The parity of the code below: the kept bits' lowest, the rebased exponent field's
    // where there is no mantissa bit (`rebias` is a multiple of 2 otherwise).
    let t = a + ((1u32 << sh) >> 1) - 1 + ((a >> sh).wrapping_sub(p.rebias) & 1);
    let normal = (t >> sh).wrapping_sub(p.rebias);
    let sub = (f32::from_bits(a) + p.magic)
        .to_bits()
        .wrapping_sub(p.magic.to_bits());
    let code = if a < p.min_normal_bits { sub } else { normal };
    // Signed formats only (see [`LaneKernel::NearestEven`]). Under nearest-even, ±∞ gives
    // the same result as any overflow (checked by `LaneParams::new`), and ±0
    // arrives here as code 0, so only the sign, overflow and NaN remain.
    let neg = x >> 31;
    let pick = |pair: [u32; 2]| if neg != 0 { pair[1] } else { pair[0] };
    let signed = if code == 0 && !p.neg_zero {
        0
    } else {
        code | (p.sign_bit & neg.wrapping_neg())
    };
    let r = if code > p.max_code {
        pick(p.ov)
    } else {
        signed
    };
    if a > 0x7F80_0000 { pick(p.nan) } else { r }
}

/// Arithmetic decode of a signed float format of at most 8 bits (not E8M0-like): the code's
/// fields moved into an f32 bit pattern for normals, `m · 2^(emin − mbits)` for subnormals,
/// then the format's infinities and NaNs. Branch-free, so decode loops vectorize; checked
/// against [`Format::decode`] on every code of every such named format in the tests below.
#[derive(Clone, Copy)]
pub(crate) struct FloatDecode {
    top: u32,
    mbits: u32,
    exp_add: u32,
    /// 2^−k for the exponent offset k of `exp_add` (1.0 for every named format).
    normal_scale: f32,
    sub_scale: f32,
    /// The all-ones exponent field of an IEEE-style format (infinities and NaNs), else a
    /// value no field takes.
    ieee_special: u32,
    /// The magnitude that is NaN (fn formats), else a value no magnitude takes.
    nan_mag: u32,
    /// The code that is NaN (fnuz and P3109 formats: the negative zero), else a value no
    /// code takes.
    nan_code: u32,
    /// The magnitude that is ∞ (P3109's extended domain: the all-ones one), else a value no
    /// magnitude takes.
    inf_mag: u32,
    /// Which of the four tests above can match ([`specials`]).
    kind: u8,
}

impl FloatDecode {
    pub(crate) fn new(spec: &FloatSpec) -> Option<Self> {
        if !spec.is_signed() || spec.zero_is_normal() || spec.bits() > 8 {
            return None;
        }
        let mbits = spec.man_bits();
        let top = 1u32 << (spec.bits() - 1);
        let none = u32::MAX;
        let nf = spec.non_finite();
        // The biased f32 exponent of field value e is e − bias + 127. Where bias > 127 the
        // lowest binades lie in f32's subnormal range, which no exponent field can express:
        // build every normal 2^k too high (the top field, at most 2^7 − 1 − bias + 127 + k,
        // stays below f32's all-ones field) and multiply by 2^−k, exact because every value of
        // the format is an f32 (`FloatSpec::new` checks it).
        let bias = 1 - spec.emin();
        let k = (bias - 127).max(0);
        Some(FloatDecode {
            top,
            mbits,
            exp_add: (127 + k - bias) as u32,
            normal_scale: convert::pow2_f64(-k) as f32,
            sub_scale: convert::pow2_f64(spec.emin() - mbits as i32) as f32,
            ieee_special: if nf == NonFinite::Ieee {
                (top - 1) >> mbits
            } else {
                none
            },
            nan_mag: if nf == NonFinite::Fn { top - 1 } else { none },
            nan_code: if matches!(nf, NonFinite::Fnuz | NonFinite::P3109) {
                top
            } else {
                none
            },
            inf_mag: if nf == NonFinite::P3109 {
                top - 1
            } else {
                none
            },
            kind: match nf {
                NonFinite::Finite => specials::NONE,
                NonFinite::Ieee => specials::IEEE,
                NonFinite::Fn => specials::FN,
                NonFinite::Fnuz => specials::FNUZ,
                NonFinite::P3109 => specials::P3109,
            },
        })
    }

    /// Whether normals need the exact `2^−k` rescale (formats whose lowest binades lie in
    /// f32's subnormal range); loops pick [`decode_as`](Self::decode_as) once with it.
    #[inline(always)]
    pub(crate) fn scaled(&self) -> bool {
        self.normal_scale != 1.0
    }

    /// The value of code `c`.
    #[cfg(test)]
    pub(crate) fn decode(&self, c: u8) -> f32 {
        if self.scaled() {
            self.decode_as::<true>(c)
        } else {
            self.decode_as::<false>(c)
        }
    }

    /// Which special codes the format has, as [`decode_kind`](Self::decode_kind)'s `K`:
    /// one of the [`specials`] kinds, or [`specials::ALL`] where normals need the rescale.
    #[inline(always)]
    pub(crate) fn kind(&self) -> u8 {
        if self.scaled() {
            specials::ALL
        } else {
            self.kind
        }
    }

    /// [`decode`](Self::decode) with [`scaled`](Self::scaled) known: `SCALED` must equal it.
    #[inline(always)]
    pub(crate) fn decode_as<const SCALED: bool>(&self, c: u8) -> f32 {
        self.decode_kind::<SCALED, { specials::ALL }>(c)
    }

    /// [`decode_as`](Self::decode_as) that tests only the special codes of kind `K`
    /// ([`specials`]): `K` must be [`kind`](Self::kind) or [`specials::ALL`]. The tests a
    /// format's kind leaves out compare against a value no code takes, so leaving them out
    /// changes no result; a vector loop is a third shorter for it.
    #[inline(always)]
    pub(crate) fn decode_kind<const SCALED: bool, const K: u8>(&self, c: u8) -> f32 {
        use specials::{ALL, FN, FNUZ, IEEE, P3109};
        let c = c as u32;
        let sign = if c & self.top != 0 { 0x8000_0000 } else { 0 };
        let mag = c & (self.top - 1);
        let (e, m) = (mag >> self.mbits, mag & ((1 << self.mbits) - 1));
        let normal = f32::from_bits(((e + self.exp_add) << 23) | (m << (23 - self.mbits)));
        let normal = if SCALED {
            normal * self.normal_scale
        } else {
            normal
        };
        let sub = m as f32 * self.sub_scale;
        let v = if e == 0 { sub } else { normal };
        let v = f32::from_bits(v.to_bits() | sign);
        // NaNs carry the code's sign, as `Format::decode` gives them.
        let nan = f32::from_bits(0x7FC0_0000 | sign);
        let inf_or_nan = if m == 0 {
            f32::from_bits(0x7F80_0000 | sign)
        } else {
            nan
        };
        let v = if (K == IEEE || K == ALL) && e == self.ieee_special {
            inf_or_nan
        } else {
            v
        };
        let v = if (K == P3109 || K == ALL) && mag == self.inf_mag {
            f32::from_bits(0x7F80_0000 | sign)
        } else {
            v
        };
        let nan_mag = (K == FN || K == ALL) && mag == self.nan_mag;
        let nan_code = (K == FNUZ || K == P3109 || K == ALL) && c == self.nan_code;
        if nan_mag || nan_code { nan } else { v }
    }
}

/// The kinds of special codes of a [`FloatDecode`] format, by its [`NonFinite`] rule, the
/// const parameter `K` of [`FloatDecode::decode_kind`].
pub(crate) mod specials {
    /// No infinity or NaN (E2M1, E3M2, E2M3).
    pub(crate) const NONE: u8 = 0;
    /// IEEE-style: the all-ones exponent is ∞ or NaN (E5M2).
    pub(crate) const IEEE: u8 = 1;
    /// The all-ones magnitude is NaN (E4M3FN).
    pub(crate) const FN: u8 = 2;
    /// The negative-zero code is NaN (fnuz).
    pub(crate) const FNUZ: u8 = 3;
    /// The negative-zero code is NaN, the all-ones magnitude ∞ (P3109).
    pub(crate) const P3109: u8 = 4;
    /// Every test (and the normal rescale): right for every format.
    pub(crate) const ALL: u8 = 5;
}

/// `$f::<SCALED, K>($args)` with the constants of the [`FloatDecode`] `$d`, so that each
/// decode loop is compiled once per kind of special codes ([`specials`]).
macro_rules! with_decode_kind {
    ($d:expr, $f:ident($($a:expr),* $(,)?)) => {{
        use $crate::element::fast::specials;
        match $d.kind() {
            specials::NONE => $f::<false, { specials::NONE }>($($a),*),
            specials::IEEE => $f::<false, { specials::IEEE }>($($a),*),
            specials::FN => $f::<false, { specials::FN }>($($a),*),
            specials::FNUZ => $f::<false, { specials::FNUZ }>($($a),*),
            specials::P3109 => $f::<false, { specials::P3109 }>($($a),*),
            _ => $f::<true, { specials::ALL }>($($a),*),
        }
    }};
}
pub(crate) use with_decode_kind;

/// Nearest-even, saturating rounding of an f32 onto a signed float format's value grid, in
/// f32 arithmetic: within the binade of `|y|` (or the lowest normal binade, for subnormals)
/// the grid step is `2^(e − mbits)`, and `(|y| + 1.5·2^(e − mbits + 23)) − 1.5·2^(e − mbits + 23)`
/// rounds `|y|` to a multiple of it with the FPU's ties-to-even — the even multiple is the
/// even mantissa, also where a carry reaches the next binade. Values beyond the largest
/// finite value become it (inputs are first clamped to twice the maximum, so the magic
/// constant never overflows). NaN gives NaN in formats with NaN and +0 in the others, −0
/// gives +0 in formats without −0 (fnuz), as the encoders do. Equal to
/// `decode(encode(y, NearestEven, Saturate))` for every `y`;
/// `grid_round_matches_encode_decode` checks it on every f32 exponent.
#[derive(Clone, Copy)]
pub(crate) struct Grid {
    emin: i32,
    mbits: i32,
    max: f32,
    lim: f32,
    nan_out: f32,
    /// Whether the format has −0 (not fnuz): [`Grid::round_finite`] keeps a zero's sign.
    pub(crate) neg_zero: bool,
}

impl Grid {
    pub(crate) fn new(spec: &FloatSpec) -> Option<Self> {
        // Formats without mantissa bits tie to the even code (the exponent field's parity),
        // which the magic-constant rounding below does not know.
        if !spec.is_signed()
            || spec.zero_is_normal()
            || spec.man_bits() > 20
            || spec.man_bits() == 0
        {
            return None;
        }
        let f = ElementFormat::Float(*spec);
        let max = f.max_value() as f32;
        Some(Grid {
            emin: spec.emin(),
            mbits: spec.man_bits() as i32,
            max,
            lim: 2.0 * max,
            nan_out: if spec.has_nan() { f32::NAN } else { 0.0 },
            neg_zero: spec.has_neg_zero(),
        })
    }

    #[inline(always)]
    pub(crate) fn round(&self, y: f32) -> f32 {
        let nan = y.is_nan();
        let r = self.round_finite(if nan { 0.0 } else { y });
        // Formats without −0 (fnuz) give +0.
        let r = if !self.neg_zero && r == 0.0 { 0.0 } else { r };
        if nan { self.nan_out } else { r }
    }

    /// [`Self::round`] for a `y` known not to be NaN, keeping the sign of a zero result.
    #[inline(always)]
    pub(crate) fn round_finite(&self, y: f32) -> f32 {
        let bits = y.to_bits();
        // `if a < b { a } else { b }` rather than `f32::min`: one `minps`, without `min`'s
        // NaN handling, which this input does not need.
        let a = f32::from_bits(bits & 0x7FFF_FFFF);
        let a = if a < self.lim { a } else { self.lim };
        let e = ((a.to_bits() >> 23) as i32 - 127).max(self.emin);
        let magic = f32::from_bits((((e - self.mbits + 23 + 127) as u32) << 23) | 0x0040_0000);
        let r = (a + magic) - magic;
        let r = if r < self.max { r } else { self.max };
        f32::from_bits(r.to_bits() | (bits & 0x8000_0000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grid rounding equals decode(encode(y)) (nearest-even, saturating) for every element
    /// format on the fast path, on f32 inputs covering every exponent with many mantissas,
    /// every tie and neighbour of a tie, and the specials.
    #[test]
    fn grid_round_matches_encode_decode() {
        for f in [
            ElementFormat::FLOAT4_E2M1FN,
            ElementFormat::FLOAT6_E2M3FN,
            ElementFormat::FLOAT6_E3M2FN,
            ElementFormat::FLOAT8_E4M3FN,
            ElementFormat::FLOAT8_E5M2,
            ElementFormat::FLOAT8_E4M3FNUZ,
            ElementFormat::FLOAT8_E5M2FNUZ,
            ElementFormat::FLOAT8_E3M4,
        ] {
            let ElementFormat::Float(spec) = f else {
                unreachable!()
            };
            let g = Grid::new(&spec).unwrap();
            let check = |y: f32| {
                let want = f.decode(f.encode(y, Rounding::NearestEven, Overflow::Saturate));
                let got = g.round(y);
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "{f}: {y:e} ({:#x}) -> {got:e}, want {want:e}",
                    y.to_bits()
                );
            };
            for e in 0..=255u32 {
                for m in (0..1u32 << 23).step_by(4093).chain([0, 1, (1 << 23) - 1]) {
                    for sign in [0, 1u32 << 31] {
                        check(f32::from_bits(sign | e << 23 | m));
                    }
                }
            }
            // The arithmetic decode of every code (8-bit formats and the narrower ones).
            let d = FloatDecode::new(&spec).unwrap();
            for c in 0..1u32 << f.bits() {
                let (got, want) = (d.decode(c as u8), f.decode(c));
                assert_eq!(got.to_bits(), want.to_bits(), "{f} code {c}");
            }
            // Every code value, every midpoint between neighbours, and one ulp either side.
            let mut vals: std::vec::Vec<f32> = (0..1u32 << f.bits())
                .map(|c| f.decode(c))
                .filter(|v| v.is_finite())
                .collect();
            vals.sort_by(|a, b| a.partial_cmp(b).unwrap());
            for w in vals.windows(2) {
                let mid = (w[0] + w[1]) / 2.0;
                for v in [
                    w[0],
                    mid,
                    f32::from_bits(mid.to_bits() + 1),
                    f32::from_bits(mid.to_bits().wrapping_sub(1)),
                ] {
                    check(v);
                    check(-v);
                }
            }
        }
    }
}
