//! Element kernels: f32 → codes through the lane encoders, codes → f32 through tables or
//! arithmetic.

use crate::element::ElementFormat;
use crate::element::fast::{
    FloatDecode, LaneKernel, LaneParams, NA, NE, TN, TP, TZ, any_subnormal, encode_lane,
    encode_lane_directed, encode_lane_e8m0, encode_lane_lean, encode_lane_ne,
};
use crate::element::{Format, fast};
use crate::kernels::quotient::{FloatProduct, Plain, Pre};
use crate::pack::Code;
use crate::round::Rounding;
use crate::spec::IntSpec;

/// Encodes `x` into one code per byte (formats of at most 8 bits), with the lane kernel and
/// mode `p` was built for.
#[inline(always)]
pub(crate) fn encode_u8(p: &LaneParams, x: &[f32], out: &mut [u8]) {
    encode_u8_pre(p, Plain, x, out);
}

/// [`encode_u8`] of the products `x[i] · r` standing for the quotients `x[i] / s`, in one
/// pass ([`FloatProduct`], grid `2^k` ulps); returns whether any lane must be redone from
/// the quotients.
#[inline(always)]
pub(crate) fn encode_u8_mul(p: &LaneParams, x: &[f32], r: f32, k: u32, out: &mut [u8]) -> bool {
    encode_u8_pre(p, FloatProduct::new(r, k), x, out)
}

#[inline(always)]
fn encode_u8_pre<P: Pre>(p: &LaneParams, pre: P, x: &[f32], out: &mut [u8]) -> bool {
    match p.mode {
        NE => encode_u8_mode::<NE, P>(p, pre, x, out),
        NA => encode_u8_mode::<NA, P>(p, pre, x, out),
        TZ => encode_u8_mode::<TZ, P>(p, pre, x, out),
        TP => encode_u8_mode::<TP, P>(p, pre, x, out),
        _ => encode_u8_mode::<TN, P>(p, pre, x, out),
    }
}

#[inline(always)]
fn encode_u8_mode<const MODE: u8, P: Pre>(
    p: &LaneParams,
    pre: P,
    x: &[f32],
    out: &mut [u8],
) -> bool {
    // A local copy keeps every parameter in a register (broadcast once) for the whole loop.
    let p = *p;
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    let mut flag = false;
    // Lane i's input bits after the step (`|`, not a branch: the loops vectorize).
    let mut input = |i: usize| {
        let (v, f) = pre.lane(x[i]);
        flag |= f;
        v.to_bits()
    };
    match p.kernel {
        LaneKernel::NearestEven => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = encode_lane_ne(&p, input(i)) as u8;
            }
        }
        LaneKernel::Directed if p.inf_distinct() => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = encode_lane_directed::<MODE, true>(&p, input(i)) as u8;
            }
        }
        LaneKernel::Directed => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = encode_lane_directed::<MODE, false>(&p, input(i)) as u8;
            }
        }
        LaneKernel::Lean => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = encode_lane_lean::<MODE>(&p, input(i)) as u8;
            }
        }
        // (The subnormal test reads the inputs: a step's outputs take the general kernel.)
        LaneKernel::E8m0 if P::PLAIN && !any_subnormal(x) => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = encode_lane_e8m0::<MODE>(&p, input(i)) as u8;
            }
        }
        LaneKernel::General | LaneKernel::E8m0 => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = encode_lane::<MODE>(&p, input(i)) as u8;
            }
        }
    }
    flag
}

/// Encodes `x` into codes of up to 16 bits, one per `u16`.
#[inline(always)]
pub(crate) fn encode_u16(p: &LaneParams, x: &[f32], out: &mut [u16]) {
    match p.mode {
        NE => encode_u16_mode::<NE>(p, x, out),
        NA => encode_u16_mode::<NA>(p, x, out),
        TZ => encode_u16_mode::<TZ>(p, x, out),
        TP => encode_u16_mode::<TP>(p, x, out),
        _ => encode_u16_mode::<TN>(p, x, out),
    }
}

#[inline(always)]
fn encode_u16_mode<const MODE: u8>(p: &LaneParams, x: &[f32], out: &mut [u16]) {
    let p = *p;
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    match p.kernel {
        LaneKernel::NearestEven => {
            for i in 0..n {
                out[i] = encode_lane_ne(&p, x[i].to_bits()) as u16;
            }
        }
        LaneKernel::Directed if p.inf_distinct() => {
            for i in 0..n {
                out[i] = encode_lane_directed::<MODE, true>(&p, x[i].to_bits()) as u16;
            }
        }
        LaneKernel::Directed => {
            for i in 0..n {
                out[i] = encode_lane_directed::<MODE, false>(&p, x[i].to_bits()) as u16;
            }
        }
        LaneKernel::Lean => {
            for i in 0..n {
                out[i] = encode_lane_lean::<MODE>(&p, x[i].to_bits()) as u16;
            }
        }
        LaneKernel::General | LaneKernel::E8m0 => {
            for i in 0..n {
                out[i] = encode_lane::<MODE>(&p, x[i].to_bits()) as u16;
            }
        }
    }
}

/// Encodes an even count of elements of a 4-bit format into packed nibbles, element 2j in
/// the low nibble of byte j, [`CHUNK`](super::CHUNK) elements at a time.
#[inline(always)]
pub(crate) fn encode_nibbles(p: &LaneParams, x: &[f32], out: &mut [u8]) {
    if x.len() <= super::CHUNK {
        return nibbles_chunk(p, x, out);
    }
    for (xc, oc) in x.chunks(super::CHUNK).zip(out.chunks_mut(super::CHUNK / 2)) {
        nibbles_chunk(p, xc, oc);
    }
}

/// [`encode_nibbles`] of at most [`CHUNK`](super::CHUNK) elements.
#[inline(always)]
fn nibbles_chunk(p: &LaneParams, x: &[f32], out: &mut [u8]) {
    let mut codes = [0u8; super::CHUNK];
    let codes = &mut codes[..x.len().min(super::CHUNK)];
    encode_u8(p, &x[..codes.len()], codes);
    pack_pairs(codes, out);
}

/// 4-bit codes (one per byte, an even count) packed two per byte, element 2j in the low
/// nibble of byte j.
#[inline(always)]
pub(crate) fn pack_pairs(codes: &[u8], out: &mut [u8]) {
    for (o, pair) in out.iter_mut().zip(codes.chunks_exact(2)) {
        *o = pair[0] | pair[1] << 4;
    }
}

/// Encodes a multiple of 4 elements of a 6-bit format into four codes per three bytes, the
/// little-endian bit stream of `pack`'s dense layout, [`CHUNK`](super::CHUNK) elements at a
/// time.
#[inline(always)]
pub(crate) fn encode_sixes(p: &LaneParams, x: &[f32], out: &mut [u8]) {
    if x.len() <= super::CHUNK {
        return sixes_chunk(p, x, out);
    }
    for (xc, oc) in x
        .chunks(super::CHUNK)
        .zip(out.chunks_mut(super::CHUNK / 4 * 3))
    {
        sixes_chunk(p, xc, oc);
    }
}

/// [`encode_sixes`] of at most [`CHUNK`](super::CHUNK) elements.
#[inline(always)]
fn sixes_chunk(p: &LaneParams, x: &[f32], out: &mut [u8]) {
    let mut codes = [0u8; super::CHUNK];
    let codes = &mut codes[..x.len().min(super::CHUNK)];
    encode_u8(p, &x[..codes.len()], codes);
    for (o, q) in out.chunks_exact_mut(3).zip(codes.chunks_exact(4)) {
        let v = q[0] as u32 | (q[1] as u32) << 6 | (q[2] as u32) << 12 | (q[3] as u32) << 18;
        o[0] = v as u8;
        o[1] = (v >> 8) as u8;
        o[2] = (v >> 16) as u8;
    }
}

/// The decode tables of a format of at most 8 bits, built once per call and shared by every
/// chunk and block.
#[derive(Clone)]
pub(crate) struct DecodeTable {
    /// The value of every code (entries past `2^bits` are 0).
    pub(crate) lut: [f32; 256],
    /// For 4-bit formats: the values of both nibbles of every byte.
    pub(crate) pairs: [[f32; 2]; 256],
    /// 8-bit float formats decode arithmetically instead (no gathers) on AVX-512.
    pub(crate) float8: Option<FloatDecode>,
    /// 8-bit formats whose value is plain arithmetic on the code, on every backend.
    pub(crate) arith8: Arith8,
    /// 8-bit float formats that decode through the float16 hardware conversion (AVX2).
    pub(crate) via_f16: Option<ViaF16>,
}

/// An 8-bit float format read as float16 (AVX2's one-byte float decode: `vcvtph2ps` instead
/// of a gather per element). Code `c` becomes the float16 pattern
/// `(c & 0x80) << 8 | (c & 0x7F) << shift`, which puts its exponent field on float16's (the
/// format has at most 5 exponent bits) and its mantissa at the top of float16's 10; that
/// float16's value times `scale` = 2^(15 − bias) is the code's value. Codes where that is not
/// the table's value bit for bit — NaNs and infinities, and whatever a format defines
/// otherwise — are marked in `exceptions` and read from the table instead, so the decode is
/// the table's on every code of every format this is built for
/// (`via_f16_marks_exactly_the_special_codes`; every backend against the definition on
/// every 8-bit spec in `tests/spec_space.rs`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ViaF16 {
    /// `10 − mantissa bits` (2..=8 here).
    pub(crate) shift: u32,
    /// 2^(15 − bias), a normal f32.
    pub(crate) scale: f32,
    /// Bit `c & 7` of byte `c >> 3` is set where code `c` must come from the table.
    pub(crate) exceptions: [u8; 32],
}

impl ViaF16 {
    /// At most this many codes may be exceptions (E3M4's 32 non-finite codes; with more,
    /// data would take the per-code fix-up often enough that the table is the better
    /// decode).
    const MAX_EXCEPTIONS: u32 = 32;

    /// The float16 pattern of code `c`.
    #[inline(always)]
    pub(crate) fn f16_pattern(&self, c: u8) -> u16 {
        ((c as u16 & 0x80) << 8) | ((c as u16 & 0x7F) << self.shift)
    }

    /// The reading of the 8-bit float format `spec` with table `lut`, where it has one.
    fn new(spec: &crate::spec::FloatSpec, lut: &[f32; 256]) -> Option<Self> {
        if spec.bits() != 8 || !spec.is_signed() || spec.man_bits() < 2 {
            return None;
        }
        let k = 15 - (1 - spec.emin());
        if !(-126..=127).contains(&k) {
            return None;
        }
        let mut v = ViaF16 {
            shift: 10 - spec.man_bits(),
            scale: f32::from_bits(((k + 127) as u32) << 23),
            exceptions: [0; 32],
        };
        let mut count = 0;
        for c in 0..=255u8 {
            let h = v.f16_pattern(c);
            // float16's all-ones exponent is ∞ and NaN: always from the table. Every other
            // pattern converts exactly (float16 ⊂ f32); the product is the one the kernel
            // computes (one f32 multiplication, round to nearest even).
            let ok = h & 0x7C00 != 0x7C00
                && (half::f16::from_bits(h).to_f32() * v.scale).to_bits()
                    == lut[c as usize].to_bits();
            if !ok {
                v.exceptions[c as usize >> 3] |= 1 << (c & 7);
                count += 1;
            }
        }
        (count <= Self::MAX_EXCEPTIONS).then_some(v)
    }
}

/// Codes of 8-bit formats whose values are cheaper to compute than to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith8 {
    /// No such rule: the table (or [`FloatDecode`] where a backend prefers it).
    None,
    /// Two's-complement (`true`) or unsigned 8-bit integers: the code as an integer.
    Int(bool),
    /// E8M0: `2^(c − 127)`; code 0 is 2^−127 (an f32 subnormal), 0xFF the positive NaN.
    E8m0,
}

impl DecodeTable {
    /// The tables of `f`, which must have at most 8 bits.
    pub(crate) fn new(f: &ElementFormat) -> Self {
        let bits = f.bits();
        // Built once per call, so it must be cheap next to the work: signed floats through
        // the arithmetic decode (equal to the definition on every code, tested in `fast`),
        // everything else through the definition.
        let arith = match f {
            ElementFormat::Float(spec) => fast::FloatDecode::new(spec),
            _ => None,
        };
        let mut t = Self::from_fn(
            bits,
            #[inline(always)]
            |c| match &arith {
                Some(d) if d.scaled() => d.decode_as::<true>(c as u8),
                Some(d) => d.decode_as::<false>(c as u8),
                None => f.decode(c),
            },
        );
        t.float8 = if bits == 8 { arith } else { None };
        t.via_f16 = match f {
            ElementFormat::Float(spec) => ViaF16::new(spec, &t.lut),
            _ => None,
        };
        t.arith8 = match f {
            ElementFormat::Int(s) if bits == 8 => Arith8::Int(s.is_signed()),
            f if *f == ElementFormat::FLOAT8_E8M0FNU => Arith8::E8m0,
            _ => Arith8::None,
        };
        t
    }

    /// The tables of a format of `bits ≤ 8` bits whose code `c` has the value `value(c)`
    /// (inlined into its callers, outside the kernels, as `new` is).
    #[inline(always)]
    pub(crate) fn from_fn(bits: u32, value: impl Fn(u32) -> f32) -> Self {
        debug_assert!(bits <= 8);
        let mut lut = [0f32; 256];
        for (c, v) in lut.iter_mut().enumerate().take(1 << bits) {
            *v = value(c as u32);
        }
        let mut pairs = [[0f32; 2]; 256];
        if bits == 4 {
            for (b, p) in pairs.iter_mut().enumerate() {
                *p = [lut[b & 15], lut[b >> 4]];
            }
        }
        DecodeTable {
            lut,
            pairs,
            float8: None,
            arith8: Arith8::None,
            via_f16: None,
        }
    }

    /// The first 16 entries: a 4-bit format's whole table.
    pub(crate) fn first16(&self) -> [f32; 16] {
        let mut t = [0f32; 16];
        t.copy_from_slice(&self.lut[..16]);
        t
    }
}

/// One-byte codes → f32 on the portable and AVX2 backends: arithmetic for 8-bit integers
/// and E8M0, the table for the rest.
#[inline(always)]
pub(crate) fn decode_u8(t: &DecodeTable, codes: &[u8], out: &mut [f32]) {
    if !decode_arith8(t, codes, out) {
        decode_lut8(t, codes, out);
    }
}

/// The [`Arith8`] decodes; false (nothing written) where the format has none.
#[inline(always)]
pub(crate) fn decode_arith8(t: &DecodeTable, codes: &[u8], out: &mut [f32]) -> bool {
    let n = codes.len().min(out.len());
    let (codes, out) = (&codes[..n], &mut out[..n]);
    match t.arith8 {
        Arith8::Int(true) => {
            for i in 0..n {
                out[i] = codes[i] as i8 as f32;
            }
        }
        Arith8::Int(false) => {
            for i in 0..n {
                out[i] = codes[i] as f32;
            }
        }
        Arith8::E8m0 => {
            for i in 0..n {
                let c = codes[i] as u32;
                let bits = if c == 0 {
                    0x0040_0000
                } else if c == 0xFF {
                    0x7FC0_0000
                } else {
                    c << 23
                };
                out[i] = f32::from_bits(bits);
            }
        }
        Arith8::None => return false,
    }
    true
}

/// Four 6-bit codes per three bytes (`pack`'s dense bit stream) → f32 through the table:
/// `bytes` holds whole groups, `out` four elements per group.
#[inline(always)]
pub(crate) fn decode_sixes(t: &DecodeTable, bytes: &[u8], out: &mut [f32]) {
    let lut = &t.lut;
    for (o, b) in out.chunks_exact_mut(4).zip(bytes.chunks_exact(3)) {
        let v = b[0] as u32 | (b[1] as u32) << 8 | (b[2] as u32) << 16;
        o[0] = lut[(v & 63) as usize];
        o[1] = lut[((v >> 6) & 63) as usize];
        o[2] = lut[((v >> 12) & 63) as usize];
        o[3] = lut[(v >> 18) as usize];
    }
}

/// Per-call constants of the integer lane encoder (every mode but stochastic).
#[derive(Debug, Clone, Copy)]
pub(crate) struct IntLane {
    /// The range widened by one on each side, as f32 (inputs are clamped to it first).
    lo1: f32,
    hi1: f32,
    /// The larger of their magnitudes (the clamp of the sign-symmetric modes).
    mag1: f32,
    lo: i32,
    hi: i32,
    mask: u32,
    mode: u8,
}

impl IntLane {
    /// The encoder of `spec` in mode `r`; `None` for stochastic rounding.
    pub(crate) fn new(spec: &IntSpec, r: Rounding) -> Option<Self> {
        let mode = match r {
            Rounding::NearestEven => NE,
            Rounding::NearestAway => NA,
            Rounding::TowardZero => TZ,
            Rounding::TowardPositive => TP,
            Rounding::TowardNegative => TN,
            _ => return None,
        };
        let (lo, hi) = (spec.min_value(), spec.max_value());
        Some(IntLane {
            lo1: (lo - 1) as f32,
            hi1: (hi + 1) as f32,
            mag1: (lo - 1).unsigned_abs().max((hi + 1) as u32) as f32,
            lo,
            hi,
            mask: spec.mask(),
            mode,
        })
    }
}

/// 1.5 · 2^23: for |v| < 2^22, `v + M` lies in [2^23, 2^24), where the f32 step is 1, so the
/// addition rounds `v` to an integer (nearest even, the FPU's default mode), and for an
/// integer `v` the sum's bits are `M`'s plus `v`.
const M: f32 = 12_582_912.0;

/// One integer code: the input rounded to an integer in the mode, then clamped to the
/// format's range, as `convert::encode_int` defines it (NaN gives 0, ±∞ the ends). Every
/// step is a compare, a select or an exact f32 addition, so the loops vectorize.
#[inline(always)]
fn int_lane<const MODE: u8>(p: &IntLane, x: f32) -> u32 {
    int_rounded::<MODE>(p, x).0
}

/// [`int_lane`]'s code, and the distance `d` (exact, in [−½, ½]; NaN for NaN) from the
/// value it rounded (`x` clamped to the widened range, or |x| clamped in the modes
/// symmetric in the sign) to that value's nearest-even integer.
#[inline(always)]
fn int_rounded<const MODE: u8>(p: &IntLane, x: f32) -> (u32, f32) {
    // Clamping to the range widened by one changes no result (what lies beyond still
    // rounds and clamps to the same end) and keeps |x| far below 2^22. A NaN passes the
    // clamps (every comparison is false) and gives 0 at the end.
    let nan = x.is_nan();
    // `y`'s bits are `M`'s plus the nearest-even integer `r` (of `x`, or of |x| for the
    // modes symmetric in the sign); the other modes step one from it where it went the
    // wrong way (comparisons of exact values: `r` is an f32 integer).
    let (i, d) = match MODE {
        NE | TP | TN => {
            // (Written as x86's maxps/minps select, so each clamp is one instruction there.)
            let x = if x > p.lo1 { x } else { p.lo1 };
            let x = if x < p.hi1 { x } else { p.hi1 };
            let y = x + M;
            let r = y - M;
            let i = y.to_bits() as i32 - M.to_bits() as i32;
            let i = match MODE {
                NE => i,
                TP => i + ((r < x) as i32),
                _ => i - ((r > x) as i32),
            };
            (i, x - r)
        }
        _ => {
            let ax = x.abs();
            let ax = if ax < p.mag1 { ax } else { p.mag1 };
            let y = ax + M;
            let r = y - M;
            let m = y.to_bits() as i32 - M.to_bits() as i32;
            let m = match MODE {
                // Ties go away from zero. A tie is `|x| − r = ½`, and that difference is
                // exact: `r` is 0 or within a factor of two of |x| (Sterbenz). (`x −
                // floor(x)` is not: for x = −0.49999997, `1 + x` rounds to ½ in f32 and
                // would call it a tie.)
                NA => m + ((ax - r == 0.5) as i32),
                _ => m - ((r > ax) as i32),
            };
            // The sign back: −m for negative x.
            let s = (x.to_bits() as i32) >> 31;
            ((m ^ s) - s, ax - r)
        }
    };
    let code = (i.max(p.lo).min(p.hi) as u32) & p.mask;
    (if nan { 0 } else { code }, d)
}

/// [`int_lane`] of the product `q′ = x · r` (`r = 1/s` rounded to f32, normal) standing for
/// the quotient `x / s`, and whether the lane must be redone from the quotient: when `q′`
/// lies within 2^−21·|q′| of one of the mode's boundaries, the half-integers for the
/// nearest modes and the integers for the directed ones.
///
/// Why the other lanes get the exact quotient's code: `q′` is within 2^−23·|q′|·(1 + 2^−22)
/// of `q = x / s` (two roundings of 2^−24 each: `r`, then the product), and `q`'s f64
/// rounding, which the definition encodes, moves 2^−53·|q| more; the code changes between
/// `q′` and that value only across a boundary or on one, within that distance of `q′`,
/// less than a quarter of the margin. A subnormal `q′` is within 2^−150 of `q`, keeps its
/// sign and lies far from every boundary but 0; a `q′` of 0 from a nonzero `x` (an
/// underflow) is flagged in the directed modes, where 0 is one. Lanes clamped to the
/// widened range are not flagged: |q′| ≥ hi + 1 puts both beyond hi + ½, so both take the
/// end (and likewise at lo). NaN (code 0, as the definition stores a NaN quotient) and ±∞
/// (the ends) are exact.
#[inline(always)]
fn int_lane_mul<const MODE: u8>(p: &IntLane, x: f32, r: f32) -> (u32, bool) {
    const TOL: f32 = 1.0 / 2_097_152.0; // 2^−21
    let q = x * r;
    let (code, d) = int_rounded::<MODE>(p, q);
    let (d, tol) = (d.abs(), q.abs() * TOL);
    let near = match MODE {
        // `0.5 − d` is exact (d ≤ ½); NaN compares false.
        NE | NA => 0.5 - d <= tol,
        _ => (d <= tol) & (x != 0.0) & (q > p.lo1) & (q < p.hi1),
    };
    (code, near)
}

/// An even count of 4-bit integer codes packed two per byte (element 2j in the low nibble
/// of byte j), [`CHUNK`](super::CHUNK) elements at a time.
#[inline(always)]
pub(crate) fn encode_int_nibbles(p: &IntLane, x: &[f32], out: &mut [u8]) {
    let mut codes = [0u8; super::CHUNK];
    for (xc, oc) in x.chunks(super::CHUNK).zip(out.chunks_mut(super::CHUNK / 2)) {
        let codes = &mut codes[..xc.len()];
        encode_int_u8(p, xc, codes);
        pack_pairs(codes, oc);
    }
}

/// Integer codes of at most 8 bits, one per byte.
#[inline(always)]
pub(crate) fn encode_int_u8(p: &IntLane, x: &[f32], out: &mut [u8]) {
    encode_int::<false, u8>(p, x, 1.0, out);
}

/// [`encode_int_u8`] of the products `x[i] · r` standing for the quotients `x[i] / s`, in
/// one pass ([`int_lane_mul`]); returns whether any lane must be redone from the quotients.
#[inline(always)]
pub(crate) fn encode_int_u8_mul(p: &IntLane, x: &[f32], r: f32, out: &mut [u8]) -> bool {
    encode_int::<true, u8>(p, x, r, out)
}

/// 16-bit integer codes.
#[inline(always)]
pub(crate) fn encode_int_u16(p: &IntLane, x: &[f32], out: &mut [u16]) {
    encode_int::<false, u16>(p, x, 1.0, out);
}

/// [`encode_int_u16`] of the products, as [`encode_int_u8_mul`].
#[inline(always)]
pub(crate) fn encode_int_u16_mul(p: &IntLane, x: &[f32], r: f32, out: &mut [u16]) -> bool {
    encode_int::<true, u16>(p, x, r, out)
}

/// The integer encoders, one code per `C` (`u8` or `u16`): `int_lane` of each input, or
/// with `MUL` [`int_lane_mul`] of its product by `r`, returning whether any lane must be
/// redone.
#[inline(always)]
fn encode_int<const MUL: bool, C: Code>(p: &IntLane, x: &[f32], r: f32, out: &mut [C]) -> bool {
    match p.mode {
        NE => encode_int_mode::<NE, MUL, C>(p, x, r, out),
        NA => encode_int_mode::<NA, MUL, C>(p, x, r, out),
        TZ => encode_int_mode::<TZ, MUL, C>(p, x, r, out),
        TP => encode_int_mode::<TP, MUL, C>(p, x, r, out),
        _ => encode_int_mode::<TN, MUL, C>(p, x, r, out),
    }
}

#[inline(always)]
fn encode_int_mode<const MODE: u8, const MUL: bool, C: Code>(
    p: &IntLane,
    x: &[f32],
    r: f32,
    out: &mut [C],
) -> bool {
    let p = *p;
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    let mut flag = false;
    for i in 0..n {
        out[i] = C::from_u32(if MUL {
            let (c, f) = int_lane_mul::<MODE>(&p, x[i], r);
            flag |= f;
            c
        } else {
            int_lane::<MODE>(&p, x[i])
        });
    }
    flag
}

/// f32 → bfloat16 codes in the lane mode `mode` (one of `fast::NE` … `fast::TN`): the
/// mode's bias added below the kept 16 bits, then the shift (the carry moves into the
/// exponent, so overflow gives ±∞ in the modes that round away, ±max in those that do not,
/// as the definition does); NaN gives the canonical quiet NaN 0x7FC0 with the input's sign;
/// with `saturate`, ±∞ results become ±max (0x7F7F).
#[inline(always)]
pub(crate) fn f32_to_bf16(x: &[f32], mode: u8, saturate: bool, out: &mut [u16]) {
    match mode {
        NE => f32_to_bf16_mode::<NE>(x, saturate, out),
        NA => f32_to_bf16_mode::<NA>(x, saturate, out),
        TZ => f32_to_bf16_mode::<TZ>(x, saturate, out),
        TP => f32_to_bf16_mode::<TP>(x, saturate, out),
        _ => f32_to_bf16_mode::<TN>(x, saturate, out),
    }
}

#[inline(always)]
fn f32_to_bf16_mode<const MODE: u8>(x: &[f32], saturate: bool, out: &mut [u16]) {
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    for i in 0..n {
        let b = x[i].to_bits();
        // All ones for a negative input.
        let sgn = ((b as i32) >> 31) as u32;
        let bias = match MODE {
            NE => 0x7FFF + ((b >> 16) & 1),
            NA => 0x8000,
            TZ => 0,
            TP => 0xFFFF & !sgn,
            _ => 0xFFFF & sgn,
        };
        let nan = (b & 0x7FFF_FFFF) > 0x7F80_0000;
        let r = b.wrapping_add(bias) >> 16;
        let c = if nan {
            ((b >> 16) & 0x8000) | 0x7FC0
        } else {
            r
        };
        let inf = (c & 0x7FFF) == 0x7F80;
        out[i] = (if saturate & inf { c - 1 } else { c }) as u16;
    }
}

/// bfloat16 codes → f32 (exact); NaN codes give the canonical NaN with the code's sign.
#[inline(always)]
pub(crate) fn bf16_to_f32(h: &[u16], out: &mut [f32]) {
    let n = h.len().min(out.len());
    let (h, out) = (&h[..n], &mut out[..n]);
    for i in 0..n {
        let v = (h[i] as u32) << 16;
        let nan = (v & 0x7FFF_FFFF) > 0x7F80_0000;
        out[i] = f32::from_bits(if nan {
            (v & 0x8000_0000) | 0x7FC0_0000
        } else {
            v
        });
    }
}

/// float16 codes with ±∞ replaced by ±max (0x7BFF): the saturating policy applied after a
/// nearest-even conversion that overflowed to ∞.
#[inline(always)]
pub(crate) fn saturate_f16(codes: &mut [u16]) {
    for c in codes.iter_mut() {
        if *c & 0x7FFF == 0x7C00 {
            *c -= 1;
        }
    }
}

/// One-byte codes through the table.
#[inline(always)]
pub(crate) fn decode_lut8(t: &DecodeTable, codes: &[u8], out: &mut [f32]) {
    let lut = &t.lut;
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = lut[c as usize];
    }
}

/// One-byte float codes decoded arithmetically where the table has a [`FloatDecode`], else
/// through the table.
#[inline(always)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) fn decode_float8(t: &DecodeTable, codes: &[u8], out: &mut [f32]) {
    match &t.float8 {
        Some(d) => fast::with_decode_kind!(d, float8_loop(d, codes, out)),
        None => decode_lut8(t, codes, out),
    }
}

#[inline(always)]
fn float8_loop<const SCALED: bool, const K: u8>(d: &FloatDecode, codes: &[u8], out: &mut [f32]) {
    let d = *d;
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = d.decode_kind::<SCALED, K>(c);
    }
}

/// Dense 4-bit codes (element 2j in the low nibble of byte j) through the table of pairs:
/// `out.len()` must be even, `bytes` at least half of it.
#[inline(always)]
pub(crate) fn decode_pairs4(t: &DecodeTable, bytes: &[u8], out: &mut [f32]) {
    let pairs = &t.pairs;
    for (o, &b) in out.chunks_exact_mut(2).zip(bytes) {
        o.copy_from_slice(&pairs[b as usize]);
    }
}

/// The no-op form of a kernel a backend lacks (a hardware conversion, a register-table
/// lookup): converts nothing and reports 0 elements done, so the caller does all of it.
#[inline(always)]
pub(crate) fn none_f32_to_f16(_: &[f32], _: u8, _: &mut [u16]) -> usize {
    0
}

/// See [`none_f32_to_f16`].
#[inline(always)]
pub(crate) fn none_u16_to_f32(_: &[u16], _: &mut [f32]) -> usize {
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// The float16 reading is built for the 8-bit float formats with at most 5 exponent
    /// bits and marks exactly their NaN and infinity codes (from the formats' definitions:
    /// OCP FP8, the fnuz formats of ml_dtypes) and, with 5 exponent bits, the all-ones
    /// exponent, float16's own ∞/NaN (E5M2FNUZ's top binade); it is not built where it does
    /// not fit.
    #[test]
    fn via_f16_marks_exactly_the_special_codes() {
        let ieee5: Vec<u8> = (0x7Cu8..=0x7F).chain(0xFC..=0xFF).collect();
        let ieee4: Vec<u8> = (0x78u8..=0x7F).chain(0xF8..=0xFF).collect();
        let fnuz5: Vec<u8> = (0x7Cu8..=0x80).chain(0xFC..=0xFF).collect();
        let ieee3: Vec<u8> = (0x70u8..=0x7F).chain(0xF0..=0xFF).collect();
        let cases: [(ElementFormat, &[u8]); 7] = [
            (ElementFormat::FLOAT8_E4M3FN, &[0x7F, 0xFF]),
            (ElementFormat::FLOAT8_E5M2, &ieee5),
            (ElementFormat::FLOAT8_E4M3FNUZ, &[0x80]),
            (ElementFormat::FLOAT8_E5M2FNUZ, &fnuz5),
            (ElementFormat::FLOAT8_E4M3B11FNUZ, &[0x80]),
            (ElementFormat::FLOAT8_E3M4, &ieee3),
            (ElementFormat::FLOAT8_E4M3, &ieee4),
        ];
        for (f, want) in cases {
            let v = DecodeTable::new(&f)
                .via_f16
                .unwrap_or_else(|| panic!("{f}: not built"));
            let marked: Vec<u8> = (0..=255u8)
                .filter(|&c| v.exceptions[c as usize >> 3] & (1 << (c & 7)) != 0)
                .collect();
            assert_eq!(marked, want, "{f}");
        }
        for f in [
            ElementFormat::FLOAT8_E8M0FNU,
            ElementFormat::INT8,
            ElementFormat::FLOAT4_E2M1FN,
            ElementFormat::FLOAT6_E3M2FN,
        ] {
            assert!(DecodeTable::new(&f).via_f16.is_none(), "{f}");
        }
    }
}
