//! The branch-free f32 → float-code encoder that the SIMD backends run.
//!
//! It makes exactly the decisions of `convert::encode_float` (the semantic definition), but
//! on one `u32` lane with selects instead of branches, so that a loop over it compiles to
//! vector code (variable shifts, compares, blends) under each backend's `target_feature`.
//! The backend-equality tests compare it with the scalar definition bit for bit.

use crate::round::{Overflow, Rounding};
use crate::spec::FloatSpec;

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
    /// 1 when the format has no mantissa bits: the last kept bit of a normal result is then
    /// the implicit bit, which is odd, so a tie between two normals rounds up (to the even
    /// significand, as the definition does); else 0.
    implicit_lsb: u32,
    /// Which lane kernel runs, chosen once from the spec, the mode and the policy.
    pub(crate) kernel: LaneKernel,
}

/// The three forms of the lane encoder, fastest first. Each applies where the assumptions
/// its derivation needs hold; [`LaneParams::new`] checks them once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LaneKernel {
    /// [`encode_lane_ne`]: nearest-even, signed, [`LaneKernel::Lean`]'s conditions, ±∞
    /// encoding like an overflow, and the subnormal magic constant `2^(emin − M + 23)` a
    /// finite f32 (the smallest step at most 2^104).
    NearestEven,
    /// [`encode_lane_lean`]: every f32 subnormal lies below the format's lowest binade
    /// (emin > −126) and exponent field 0 holds subnormals.
    Lean,
    /// [`encode_lane`]: any float spec.
    General,
}

impl LaneParams {
    /// `None` for the stochastic mode, which the scalar tier handles.
    pub(crate) fn new(spec: &FloatSpec, r: Rounding, o: Overflow) -> Option<(Self, u8)> {
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
            let (n, c) = crate::element::convert::split_f32(x);
            crate::element::convert::encode_float(spec, n, c, r, o).0
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
        let kernel = if lean && mode == NE && !unsigned && inf_in == ov && magic_exp <= 127 {
            LaneKernel::NearestEven
        } else if lean {
            LaneKernel::Lean
        } else {
            LaneKernel::General
        };
        Some((
            LaneParams {
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
                zero: [enc(0.0), enc(-0.0)],
                // Only the lean kernels read these; their conditions keep them in range
                // (emin > −126 means bias < 127; magic_exp ≤ 127 is checked above).
                rebias: if lean {
                    ((127 - spec.bias()) as u32) << spec.man_bits()
                } else {
                    0
                },
                magic: if kernel == LaneKernel::NearestEven {
                    crate::element::convert::pow2_f64(magic_exp) as f32
                } else {
                    0.0
                },
                min_normal_bits: if lean {
                    (crate::element::convert::pow2_f64(spec.emin()) as f32).to_bits()
                } else {
                    0
                },
                implicit_lsb: (spec.man_bits() == 0) as u32,
                kernel,
            },
            mode,
        ))
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
    let up = match MODE {
        NE => half & (sticky | (ip & 1)),
        NA => half,
        TZ => 0,
        TP => (neg ^ 1) & inexact,
        _ => neg & inexact,
    };
    let base = if tiny {
        0
    } else {
        ((e + p.bias - 1) as u32).wrapping_shl(p.m)
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
    let bias = match MODE {
        NE => (unit >> 1) - 1 + ((sig >> s) & 1),
        NA => unit >> 1,
        TZ => 0,
        TP => (unit - 1) & neg.wrapping_sub(1),
        _ => (unit - 1) & neg.wrapping_neg(),
    };
    let ip = (sig + bias) >> s;
    let base = if d > 0 {
        0
    } else {
        ((e + p.bias - 1) as u32).wrapping_shl(p.m)
    };
    let code = base.wrapping_add(ip);
    finish(p, x, code)
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
    // The last kept bit: the mantissa's lowest, or the implicit bit when there is none.
    let t = a + ((1u32 << sh) >> 1) - 1 + (((a >> sh) | p.implicit_lsb) & 1);
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

/// Encodes a chunk of f32 into one code per byte (formats of at most 8 bits).
#[inline(always)]
pub(crate) fn encode_chunk_u8<const MODE: u8>(p: &LaneParams, x: &[f32], out: &mut [u8]) {
    let p = *p;
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    match p.kernel {
        LaneKernel::NearestEven => {
            for i in 0..n {
                out[i] = encode_lane_ne(&p, x[i].to_bits()) as u8;
            }
        }
        LaneKernel::Lean => {
            for i in 0..n {
                out[i] = encode_lane_lean::<MODE>(&p, x[i].to_bits()) as u8;
            }
        }
        LaneKernel::General => {
            for i in 0..n {
                out[i] = encode_lane::<MODE>(&p, x[i].to_bits()) as u8;
            }
        }
    }
}

/// Dispatches the mode for [`encode_chunk_u8`].
#[inline(always)]
pub(crate) fn encode_chunk_u8_any(p: &LaneParams, mode: u8, x: &[f32], out: &mut [u8]) {
    match mode {
        NE => encode_chunk_u8::<NE>(p, x, out),
        NA => encode_chunk_u8::<NA>(p, x, out),
        TZ => encode_chunk_u8::<TZ>(p, x, out),
        TP => encode_chunk_u8::<TP>(p, x, out),
        _ => encode_chunk_u8::<TN>(p, x, out),
    }
}

/// Packs one-per-byte 4-bit codes two per byte (element 2j in the low nibble).
#[inline(always)]
pub(crate) fn pack_nibbles(codes: &[u8], out: &mut [u8]) {
    for (o, pair) in out.iter_mut().zip(codes.chunks_exact(2)) {
        *o = pair[0] | pair[1] << 4;
    }
}

/// Packs one-per-byte 6-bit codes four per three bytes (`codes.len()` a multiple of 4; the
/// little-endian bit stream of [`crate::pack`]'s 6-bit layout).
#[inline(always)]
pub(crate) fn pack_sixes(codes: &[u8], out: &mut [u8]) {
    for (o, q) in out.chunks_exact_mut(3).zip(codes.chunks_exact(4)) {
        let v = q[0] as u32 | (q[1] as u32) << 6 | (q[2] as u32) << 12 | (q[3] as u32) << 18;
        o[0] = v as u8;
        o[1] = (v >> 8) as u8;
        o[2] = (v >> 16) as u8;
    }
}

/// Encodes a chunk of f32 into codes. Inlined into each backend's `target_feature` entry.
#[inline(always)]
pub(crate) fn encode_chunk<const MODE: u8>(p: &LaneParams, x: &[f32], out: &mut [u16]) {
    // A local copy keeps every parameter in a register (broadcast once) for the whole loop.
    let p = *p;
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    for i in 0..n {
        out[i] = encode_lane::<MODE>(&p, x[i].to_bits()) as u16;
    }
}

/// Dispatches the mode to a monomorphized chunk loop.
#[inline(always)]
pub(crate) fn encode_chunk_any(p: &LaneParams, mode: u8, x: &[f32], out: &mut [u16]) {
    match mode {
        NE => encode_chunk::<NE>(p, x, out),
        NA => encode_chunk::<NA>(p, x, out),
        TZ => encode_chunk::<TZ>(p, x, out),
        TP => encode_chunk::<TP>(p, x, out),
        _ => encode_chunk::<TN>(p, x, out),
    }
}

/// Table lookup decode of 8-bit codes.
#[inline(always)]
pub(crate) fn decode_u8_lut(lut: &[f32; 256], codes: &[u8], out: &mut [f32]) {
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = lut[c as usize];
    }
}

/// Table lookup decode of dense 4-bit codes (element 2j low nibble): one lookup per byte in
/// a table of pairs.
#[inline(always)]
pub(crate) fn decode_nibbles_lut(pairs: &[[f32; 2]; 256], bytes: &[u8], out: &mut [f32]) {
    for (o, &b) in out.chunks_exact_mut(2).zip(bytes) {
        o.copy_from_slice(&pairs[b as usize]);
    }
}
