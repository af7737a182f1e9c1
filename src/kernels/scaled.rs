//! Block kernels: per-block statistics, and the element maps of scaled formats with each
//! block's factors given as plain data ([`Plan`], [`AffineParams`]). The scale rules that
//! produce those factors live in `scaled` and `gguf`; these loops only apply them.
//!
//! Blocks are consecutive runs of `n` elements of a slice (the last may be shorter), block
//! `b` with `plans[b]`.

use crate::element::fast::{Grid, LaneParams, with_decode_kind};
use crate::kernels::CHUNK;
use crate::kernels::element::{self, DecodeTable};

/// How one block maps values to its element grid and back, in f32: the element input is
/// `((v · pm) / pd) + pz` (a NaN becomes `nan_to`), the value of code `q` is `(q · qa) · qb`.
/// `pz` is −0.0 (a no-op) or +0.0 (turns −0 into +0).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) pm: f32,
    pub(crate) pd: f32,
    pub(crate) pz: f32,
    pub(crate) qa: f32,
    pub(crate) qb: f32,
    pub(crate) nan_to: f32,
    /// Which loop the kernels run for the block, chosen once by [`Plan::classify`].
    pub(crate) kind: PlanKind,
}

/// The loop a block runs. Every kind computes [`Plan::pre`] and [`Plan::post`] exactly;
/// the fast ones leave out what cannot happen in that block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlanKind {
    /// A block whose scale is NaN: element codes 0, values NaN.
    Nan,
    /// `pd = 1`, `pz = −0`, finite factors, no NaN in the block, an element format with
    /// −0: `q = grid(v · pm)` without NaN handling.
    MulFinite,
    /// `pm = 1`, `qb = 1`, finite nonzero `pd`, no NaN in the block, −0 in the element
    /// format: `q = grid(v / pd + pz)`.
    DivFinite,
    /// `pd = 1`, `pz = −0`, NaN stays NaN: `q = grid(v · pm)`.
    Mul,
    /// Anything else.
    General,
}

impl Plan {
    /// The plan of a block whose scale is NaN.
    pub(crate) const NAN: Plan = Plan {
        pm: f32::NAN,
        pd: 1.0,
        pz: -0.0,
        qa: f32::NAN,
        qb: 1.0,
        nan_to: f32::NAN,
        kind: PlanKind::Nan,
    };

    /// A plan with the given factors, classified for a block whose largest magnitude is
    /// `amax` (NaN if the block holds a NaN) and an element format with or without −0.
    #[inline(always)]
    pub(crate) fn new(
        (pm, pd, pz, nan_to): (f32, f32, f32, f32),
        (qa, qb): (f32, f32),
        amax: f32,
        neg_zero: bool,
    ) -> Plan {
        let mut p = Plan {
            pm,
            pd,
            pz,
            qa,
            qb,
            nan_to,
            kind: PlanKind::General,
        };
        p.classify(amax, neg_zero);
        p
    }

    #[inline(always)]
    fn classify(&mut self, amax: f32, neg_zero: bool) {
        let finite = !amax.is_nan()
            && self.pm.is_finite()
            && self.pm != 0.0
            && self.pd.is_finite()
            && self.pd != 0.0
            && self.qa.is_finite()
            && self.qb.is_finite();
        let mul = self.pd == 1.0 && self.pz.is_sign_negative();
        self.kind = if finite && neg_zero && mul {
            PlanKind::MulFinite
        } else if finite && neg_zero && self.pm == 1.0 && self.qb == 1.0 {
            PlanKind::DivFinite
        } else if mul && self.nan_to.is_nan() {
            PlanKind::Mul
        } else {
            PlanKind::General
        };
    }

    /// The plan `pre = v · pm`, `post = (q · qa) · qb` (MX, and NVFP4 as TransformerEngine
    /// computes it): [`Plan::new`] with `pd = 1`, `pz = −0`, `nan_to = NaN`, classified with
    /// fewer tests.
    #[inline(always)]
    pub(crate) fn mul(pm: f32, qa: f32, qb: f32, amax: f32, neg_zero: bool) -> Plan {
        let finite =
            !amax.is_nan() && pm.is_finite() && pm != 0.0 && qa.is_finite() && qb.is_finite();
        Plan {
            pm,
            pd: 1.0,
            pz: -0.0,
            qa,
            qb,
            nan_to: f32::NAN,
            kind: if finite && neg_zero {
                PlanKind::MulFinite
            } else {
                PlanKind::Mul
            },
        }
    }

    /// The element input of `v`.
    #[inline(always)]
    pub(crate) fn pre(&self, v: f32) -> f32 {
        let y = ((v * self.pm) / self.pd) + self.pz;
        if y.is_nan() { self.nan_to } else { y }
    }

    /// The value of an element whose own value is `q`.
    #[inline(always)]
    pub(crate) fn post(&self, q: f32) -> f32 {
        (q * self.qa) * self.qb
    }
}

/// Largest magnitude, NaN if any element is NaN: the largest of the magnitudes' bit
/// patterns, which order like the magnitudes themselves, with every NaN pattern above
/// infinity. An integer max reduction, so it vectorizes (a float `max` fold does not: its
/// NaN rule keeps LLVM from reordering it).
#[inline(always)]
pub(crate) fn amax(x: &[f32]) -> f32 {
    f32::from_bits(x.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7FFF_FFFF)))
}

/// [`amax`] of each block of `n`.
#[inline(always)]
pub(crate) fn amax_blocks(x: &[f32], n: usize, out: &mut [f32]) {
    for (o, xb) in out.iter_mut().zip(x.chunks(n)) {
        *o = amax(xb);
    }
}

/// The smallest and largest non-NaN values (+∞ and −∞ when there are none), as integer
/// min/max reductions over order-preserving keys of the bit patterns, which vectorize
/// (float min/max folds do not). The sign of a zero result is not specified.
#[inline(always)]
pub(crate) fn min_max(x: &[f32]) -> (f32, f32) {
    // key: negative values bit-inverted, positive ones with the top bit set, so unsigned
    // order is numeric order. NaN takes the key of +∞ for the min and of −∞ for the max.
    const KEY_POS_INF: u32 = 0xFF80_0000;
    const KEY_NEG_INF: u32 = !0xFF80_0000;
    let key = |v: f32| {
        let b = v.to_bits();
        if b >> 31 == 1 { !b } else { b | 0x8000_0000 }
    };
    let (mut lo, mut hi) = (KEY_POS_INF, KEY_NEG_INF);
    for &v in x {
        let k = key(v);
        let nan = v.is_nan();
        lo = lo.min(if nan { KEY_POS_INF } else { k });
        hi = hi.max(if nan { KEY_NEG_INF } else { k });
    }
    let back = |k: u32| f32::from_bits(if k >> 31 == 1 { k & 0x7FFF_FFFF } else { !k });
    (back(lo), back(hi))
}

/// [`min_max`] of each block of `n`.
#[inline(always)]
pub(crate) fn min_max_blocks(x: &[f32], n: usize, lo: &mut [f32], hi: &mut [f32]) {
    for ((l, h), xb) in lo.iter_mut().zip(hi.iter_mut()).zip(x.chunks(n)) {
        (*l, *h) = min_max(xb);
    }
}

/// Fake quantization onto a float element grid: `out = post(grid(pre(v)))` per block.
#[inline(always)]
pub(crate) fn qdq_grid(g: &Grid, x: &[f32], n: usize, plans: &[Plan], out: &mut [f32]) {
    let g = *g;
    for ((ob, xb), p) in out.chunks_mut(n).zip(x.chunks(n)).zip(plans) {
        let p = *p;
        match p.kind {
            PlanKind::MulFinite if p.qb == 1.0 => {
                // (q · a) · 1 is q · a: one multiply fewer (MX).
                let (m, a) = (p.pm, p.qa);
                for (o, &v) in ob.iter_mut().zip(xb) {
                    *o = g.round_finite(v * m) * a;
                }
            }
            PlanKind::MulFinite => {
                let (m, a, b) = (p.pm, p.qa, p.qb);
                for (o, &v) in ob.iter_mut().zip(xb) {
                    *o = (g.round_finite(v * m) * a) * b;
                }
            }
            PlanKind::DivFinite => {
                let (d, z, a) = (p.pd, p.pz, p.qa);
                for (o, &v) in ob.iter_mut().zip(xb) {
                    *o = g.round_finite((v / d) + z) * a;
                }
            }
            PlanKind::Mul | PlanKind::Nan => {
                let (m, a, b) = (p.pm, p.qa, p.qb);
                for (o, &v) in ob.iter_mut().zip(xb) {
                    *o = (g.round(v * m) * a) * b;
                }
            }
            PlanKind::General => {
                for (o, &v) in ob.iter_mut().zip(xb) {
                    *o = p.post(g.round(p.pre(v)));
                }
            }
        }
    }
}

/// The element inputs `y = pre(v)` per block, for the lane encoder (a block whose scale is
/// NaN gets inputs 0, so its codes are 0).
#[inline(always)]
pub(crate) fn pre_blocks(x: &[f32], n: usize, plans: &[Plan], y: &mut [f32]) {
    for ((yb, xb), p) in y.chunks_mut(n).zip(x.chunks(n)).zip(plans) {
        let p = *p;
        match p.kind {
            PlanKind::Nan => yb.fill(0.0),
            PlanKind::MulFinite | PlanKind::Mul => {
                let m = p.pm;
                for (d, &v) in yb.iter_mut().zip(xb) {
                    *d = v * m;
                }
            }
            PlanKind::DivFinite | PlanKind::General => {
                for (d, &v) in yb.iter_mut().zip(xb) {
                    *d = p.pre(v);
                }
            }
        }
    }
}

/// Fake quantization through codes, for every mode the lane encoder has (the grid rounds to
/// nearest even only): `y = pre(v)`, its code, the code's value, `post`.
#[inline(always)]
pub(crate) fn qdq_lane(
    p: &LaneParams,
    t: &DecodeTable,
    x: &[f32],
    n: usize,
    plans: &[Plan],
    out: &mut [f32],
) {
    if n > CHUNK {
        // Blocks longer than the buffers: each block alone.
        for ((xb, ob), pl) in x.chunks(n).zip(out.chunks_mut(n)).zip(plans) {
            qdq_lane_chunks(p, t, xb, n, core::slice::from_ref(pl), ob);
        }
    } else {
        qdq_lane_chunks(p, t, x, n, plans, out);
    }
}

/// [`qdq_lane`] for `n ≤ CHUNK` or a single block: chunks of whole blocks, or of the one
/// block, so that chunk k starts on a block boundary or lies in block 0.
#[inline(always)]
fn qdq_lane_chunks(
    p: &LaneParams,
    t: &DecodeTable,
    x: &[f32],
    n: usize,
    plans: &[Plan],
    out: &mut [f32],
) {
    let (mut y, mut c) = ([0f32; CHUNK], [0u8; CHUNK]);
    let step = if n <= CHUNK { CHUNK / n * n } else { CHUNK };
    for (k, (xs, os)) in x.chunks(step).zip(out.chunks_mut(step)).enumerate() {
        let first = k * step / n;
        let plans = &plans[first.min(plans.len())..];
        let (y, c) = (&mut y[..xs.len()], &mut c[..xs.len()]);
        pre_blocks(xs, n, plans, y);
        element::encode_u8(p, y, c);
        for ((ob, cb), pl) in os.chunks_mut(n).zip(c.chunks(n)).zip(plans) {
            let (a, b) = (pl.qa, pl.qb);
            for (o, &q) in ob.iter_mut().zip(cb) {
                *o = (t.lut[q as usize] * a) * b;
            }
        }
    }
}

/// `out = (v · a) · b` per block with `factors[b] = (a, b)`: the dequantization of decoded
/// element values.
#[inline(always)]
pub(crate) fn post_blocks(v: &[f32], n: usize, factors: &[(f32, f32)], out: &mut [f32]) {
    // The common block sizes with a fixed count per block: whole vectors, no per-block
    // remainder loop (a 16-element block of NVFP4 took 4-lane steps otherwise).
    let whole = match n {
        16 => post_fixed::<16>(v, factors, out),
        32 => post_fixed::<32>(v, factors, out),
        _ => 0,
    };
    let (v, out, factors) = (&v[whole * n..], &mut out[whole * n..], &factors[whole..]);
    for ((ob, vb), &(a, b)) in out.chunks_mut(n).zip(v.chunks(n)).zip(factors) {
        if b == 1.0 {
            for (o, &q) in ob.iter_mut().zip(vb) {
                *o = q * a;
            }
        } else {
            for (o, &q) in ob.iter_mut().zip(vb) {
                *o = (q * a) * b;
            }
        }
    }
}

/// [`post_blocks`] of the whole blocks of `N` elements; returns their count.
#[inline(always)]
fn post_fixed<const N: usize>(v: &[f32], factors: &[(f32, f32)], out: &mut [f32]) -> usize {
    let mut done = 0;
    for ((ob, vb), &(a, b)) in out.chunks_exact_mut(N).zip(v.chunks_exact(N)).zip(factors) {
        let (ob, vb): (&mut [f32; N], &[f32; N]) = match (ob.try_into(), vb.try_into()) {
            (Ok(o), Ok(v)) => (o, v),
            _ => break,
        };
        if b == 1.0 {
            for i in 0..N {
                ob[i] = vb[i] * a;
            }
        } else {
            for i in 0..N {
                ob[i] = (vb[i] * a) * b;
            }
        }
        done += 1;
    }
    done
}

/// One-byte codes decoded ([`element::decode_float8`]'s arithmetic where the table has it)
/// and scaled per block: `out = (value · a) · b`.
#[inline(always)]
pub(crate) fn decode_post_u8(
    t: &DecodeTable,
    codes: &[u8],
    n: usize,
    factors: &[(f32, f32)],
    out: &mut [f32],
) {
    match &t.float8 {
        Some(d) => with_decode_kind!(d, decode_post_float8(d, codes, n, factors, out)),
        None => {
            for ((ob, cb), &(a, b)) in out.chunks_mut(n).zip(codes.chunks(n)).zip(factors) {
                for (o, &c) in ob.iter_mut().zip(cb) {
                    *o = (t.lut[c as usize] * a) * b;
                }
            }
        }
    }
}

#[inline(always)]
fn decode_post_float8<const SCALED: bool, const K: u8>(
    d: &crate::element::fast::FloatDecode,
    codes: &[u8],
    n: usize,
    factors: &[(f32, f32)],
    out: &mut [f32],
) {
    let d = *d;
    let mut done = 0;
    if n.is_multiple_of(16) {
        // Whole blocks in runs of 16 lanes of fixed length: one vector each, no remainder
        // loop per block (MX's 32, FP8 tiles' 128).
        done = (codes.len() / n).min(out.len() / n).min(factors.len());
        let (oh, ch) = (&mut out[..done * n], &codes[..done * n]);
        for ((ob, cb), &(a, b)) in oh.chunks_exact_mut(n).zip(ch.chunks_exact(n)).zip(factors) {
            for (o, c) in ob.chunks_exact_mut(16).zip(cb.chunks_exact(16)) {
                let (o, c): (&mut [f32; 16], &[u8; 16]) =
                    (o.try_into().unwrap(), c.try_into().unwrap());
                float8_post::<SCALED, K>(&d, c, a, b, o);
            }
        }
    }
    let (ot, ct) = (&mut out[done * n..], &codes[done * n..]);
    for ((ob, cb), &(a, b)) in ot.chunks_mut(n).zip(ct.chunks(n)).zip(&factors[done..]) {
        float8_post::<SCALED, K>(&d, cb, a, b, ob);
    }
}

/// `out = (value(c) · a) · b` for the codes of one block (`b = 1` leaves the product by 1
/// out, as MX has it).
#[inline(always)]
fn float8_post<const SCALED: bool, const K: u8>(
    d: &crate::element::fast::FloatDecode,
    codes: &[u8],
    a: f32,
    b: f32,
    out: &mut [f32],
) {
    if b == 1.0 {
        for (o, &c) in out.iter_mut().zip(codes) {
            *o = d.decode_kind::<SCALED, K>(c) * a;
        }
    } else {
        for (o, &c) in out.iter_mut().zip(codes) {
            *o = (d.decode_kind::<SCALED, K>(c) * a) * b;
        }
    }
}

/// Per-call constants of an integer element with a zero point: `q = clamp(round(y) + z, lo,
/// hi)` with `y = v / pre` or `v · pre`, stored as the low byte of `q` (two's complement for
/// negative ranges), and the value `post · (q − z)` or `(q − z) / post` ([`AffineParams`]). Rounding is half to even
/// on the f32 `y` (torch's `round`), done as `(y + 1.5·2^23) − 1.5·2^23` for |y| < 2^22; larger
/// |y| are clamped anyway. A NaN input codes as the zero point.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Affine {
    pub(crate) lo: f32,
    pub(crate) hi: f32,
    /// `y = v / s` (true) or `y = v · s`.
    pub(crate) pre_div: bool,
    /// value `(q − z) / s` (true) or `s · (q − z)`.
    pub(crate) post_div: bool,
}

/// One block's factors: the element input is `v / pre` or `v · pre` ([`Affine::pre_div`]),
/// the value `post · (q − z)` or `(q − z) / post`; `z` is an integer held in f32.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AffineParams {
    pub(crate) pre: f32,
    pub(crate) post: f32,
    pub(crate) z: f32,
}

/// Round half to even on f32 values (see [`Affine`]).
#[inline(always)]
pub(crate) fn round_ne(v: f32) -> f32 {
    if v.abs() < 4_194_304.0 {
        let m = 12_582_912.0f32;
        (v + m) - m
    } else {
        v
    }
}

#[inline(always)]
fn affine_code(c: &Affine, s: f32, z: f32, v: f32) -> f32 {
    let y = if c.pre_div { v / s } else { v * s };
    affine_round(c, y, z)
}

/// `clamp(round(y) + z, lo, hi)`, the zero point for NaN.
#[inline(always)]
pub(crate) fn affine_round(c: &Affine, y: f32, z: f32) -> f32 {
    let q = round_ne(y) + z;
    let q = if q > c.lo { q } else { c.lo };
    let q = if q < c.hi { q } else { c.hi };
    // A NaN fails both comparisons above and ends as hi; it codes as the zero point.
    if y.is_nan() { z } else { q }
}

/// Integer codes with zero points, one per byte (see [`Affine`]).
#[inline(always)]
pub(crate) fn affine_codes(
    c: &Affine,
    x: &[f32],
    n: usize,
    params: &[AffineParams],
    out: &mut [u8],
) {
    let c = *c;
    for ((ob, xb), p) in out.chunks_mut(n).zip(x.chunks(n)).zip(params) {
        let (s, z) = (p.pre, p.z);
        for (o, &v) in ob.iter_mut().zip(xb) {
            // The code is an integer in −256..=255 held in f32: adding 1.5·2^23 puts its
            // two's-complement low bits in the low mantissa bits (an exact, vectorizable
            // conversion).
            *o = (affine_code(&c, s, z, v) + 12_582_912.0).to_bits() as u8;
        }
    }
}

/// Fake quantization with integer codes and zero points: the value of each code.
#[inline(always)]
pub(crate) fn affine_qdq(
    c: &Affine,
    x: &[f32],
    n: usize,
    params: &[AffineParams],
    out: &mut [f32],
) {
    let c = *c;
    for ((ob, xb), p) in out.chunks_mut(n).zip(x.chunks(n)).zip(params) {
        let (s, z, t) = (p.pre, p.z, p.post);
        for (o, &v) in ob.iter_mut().zip(xb) {
            let q = affine_code(&c, s, z, v) - z;
            *o = if c.post_div { q / t } else { t * q };
        }
    }
}

/// The values of integer codes with zero points. `signed`: the byte is a two's-complement
/// code.
#[inline(always)]
pub(crate) fn affine_dequant(
    c: &Affine,
    signed: bool,
    codes: &[u8],
    n: usize,
    params: &[AffineParams],
    out: &mut [f32],
) {
    for ((ob, cb), p) in out.chunks_mut(n).zip(codes.chunks(n)).zip(params) {
        let (z, t) = (p.z, p.post);
        for (o, &b) in ob.iter_mut().zip(cb) {
            let q = if signed { b as i8 as f32 } else { b as f32 };
            let q = q - z;
            *o = if c.post_div { q / t } else { t * q };
        }
    }
}

/// The no-op form of [`dequant_nibble_blocks`](crate::arch::Kernels::dequant_nibble_blocks)
/// for backends without it: writes nothing and reports 0 elements.
#[inline(always)]
pub(crate) fn none_nibble_blocks(
    _: &[f32; 16],
    _: &[u8],
    _: &[(f32, f32)],
    _: usize,
    _: &mut [f32],
) -> usize {
    0
}

/// The most blocks (regions) of one group, and of one call of the fused block kernels (the
/// bits of the mask they return).
pub(crate) const GROUP_MAX: usize = 64;

/// The factors of a power-of-two block scale `2^k`, `k = exponent(amax) − emax` (OCP MX
/// FLOOR): `(code, 2^−k, 2^(k − shift))` as f32 bit patterns, or `None` where the amax is
/// not a normal f32 or a factor is not a normal f32 (the caller's general path decides
/// those blocks).
#[inline(always)]
pub(crate) fn pow2_factors(amax: f32, emax: i32, shift: i32) -> Option<(u8, f32, f32)> {
    let e = (amax.to_bits() >> 23) as i32;
    let k = e - 127 - emax;
    if (1..255).contains(&e) && (-126..=127).contains(&-k) && (-126..=127).contains(&(k - shift)) {
        Some((
            (k + 127) as u8,
            f32::from_bits(((127 - k) as u32) << 23),
            f32::from_bits(((127 + k - shift) as u32) << 23),
        ))
    } else {
        None
    }
}

/// Fake quantization of blocks with power-of-two scales from their amax (see
/// [`pow2_factors`]), fused: per block its amax, scale code (into `codes`) and elements
/// `grid(v · 2^−k) · 2^(k − shift)`, the block read once. At most [`GROUP_MAX`] blocks; a
/// block the fast factors do not cover is left alone and its bit set in the returned mask.
/// The grid must keep zero signs (an element format with −0).
#[inline(always)]
pub(crate) fn qdq_pow2(
    g: &Grid,
    x: &[f32],
    n: usize,
    emax: i32,
    shift: i32,
    codes: &mut [u8],
    out: &mut [f32],
) -> u64 {
    let g = *g;
    let mut miss = 0u64;
    for (b, ((ob, xb), c)) in out.chunks_mut(n).zip(x.chunks(n)).zip(codes).enumerate() {
        match pow2_factors(amax(xb), emax, shift) {
            Some((code, m, a)) => {
                *c = code;
                // A normal amax means no NaN in the block.
                for (o, &v) in ob.iter_mut().zip(xb) {
                    *o = g.round_finite(v * m) * a;
                }
            }
            None => miss |= 1 << b,
        }
    }
    miss
}

/// The element inputs `y = v · 2^−k` and scale codes of blocks with power-of-two scales
/// (the stored form's half of [`qdq_pow2`]; the lane encoder takes `y`). Same mask.
#[inline(always)]
pub(crate) fn pre_pow2(
    x: &[f32],
    n: usize,
    emax: i32,
    shift: i32,
    codes: &mut [u8],
    y: &mut [f32],
) -> u64 {
    let mut miss = 0u64;
    for (b, ((yb, xb), c)) in y.chunks_mut(n).zip(x.chunks(n)).zip(codes).enumerate() {
        match pow2_factors(amax(xb), emax, shift) {
            Some((code, m, _)) => {
                *c = code;
                for (d, &v) in yb.iter_mut().zip(xb) {
                    *d = v * m;
                }
            }
            None => miss |= 1 << b,
        }
    }
    miss
}

/// How a block's dequantization factors follow from its scale's value `s` (a lookup of its
/// one-byte scale code): `(s, t)`, `(t · s, 1)`, `(s · t, 1)` or `(s / t, 1)` with the
/// tensor-level `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FactorRule {
    /// `(s, t)`: `value = (q · s) · t`.
    Pair,
    /// `(t · s, 1)`.
    MulLeft,
    /// `(s · t, 1)`.
    MulRight,
    /// `(s / t, 1)`.
    Div,
}

/// Per-block dequantization factors from one-byte scale codes: `s = table[code]`, then
/// `rule` with `t`.
#[inline(always)]
pub(crate) fn lut_factors(
    table: &[f32; 256],
    codes: &[u8],
    rule: FactorRule,
    t: f32,
    out: &mut [(f32, f32)],
) {
    for (o, &c) in out.iter_mut().zip(codes) {
        let s = table[c as usize];
        *o = match rule {
            FactorRule::Pair => (s, t),
            FactorRule::MulLeft => (t * s, 1.0),
            FactorRule::MulRight => (s * t, 1.0),
            FactorRule::Div => (s / t, 1.0),
        };
    }
}
