//! The fused kernels of blocks with E4M3 scales (NVFP4: E2M1 elements in blocks of 16, one
//! UE4M3 scale per block under a per-tensor f32 scale): per block its amax, its scale code
//! and factors by the profile's recipe, and its elements, the block read once. The recipes
//! are those of `scaled::nvfp4` (NVIDIA Transformer Engine, torchao, ModelOpt,
//! compressed-tensors), rewritten for blocks side by side.

use crate::element::fast::Grid;
use crate::kernels::scaled::GROUP_MAX;

/// How a block's E4M3 scale `s` and its element factors follow from the block's largest
/// magnitude `b` (NVFP4's recipes, `scaled::nvfp4`), in f32 with one rounding per operation
/// in the order written; `e4m3(u)` is nearest-even, saturating rounding onto the E4M3 grid,
/// and the element inputs go to the E2M1 grid. `c` and `c2` are the recipe's tensor-level
/// constants ([`E4m3Blocks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum E4m3Rule {
    /// `s = e4m3(min(min(b·c, MAX), 448))`; inputs `x · m`, `m = min(1/(s·c2), MAX)`;
    /// values `(q·s)·c2`.
    MinRecip,
    /// `s = e4m3(clamp((b/6)/c, 2^−6, 448))`; inputs `x · (c2/s)`; values `q·(c·s)`.
    Recip,
    /// `s` as [`E4m3Rule::Recip`]; inputs `x / (c·s)`; values `q·(c·s)`.
    Div,
    /// `s = e4m3(clamp(u, 2^−9, 448))`, `u = b/c` (1 where that is 0); inputs
    /// `x / (s·c2) + 0`; values `(q + 0)·(s·c2)` (a zero element's value is +0).
    DivUnit,
    /// `s = e4m3(clamp(c·(b/6), −448, 448))`, 2^−3 where that is 0; inputs `x / (s/c) + 0`;
    /// values `q·(s/c)`.
    DivGlobal,
}

/// Per-call constants of [`qdq_e4m3`] and [`pre_e4m3`]: the rule, its constants, the E4M3
/// grid of the scales.
#[derive(Clone, Copy)]
pub(crate) struct E4m3Blocks {
    pub(crate) rule: E4m3Rule,
    pub(crate) c: f32,
    pub(crate) c2: f32,
    pub(crate) e4m3: Grid,
}

/// The E4M3 code of a nonnegative value on the E4M3 grid (not NaN): normals
/// `(exponent + 7) << 3 | top 3 mantissa bits`, subnormals `v · 2^9`.
#[inline(always)]
fn e4m3_code(s: f32) -> u8 {
    let bits = s.to_bits();
    let normal = ((bits >> 23).wrapping_sub(120) << 3 | (bits >> 20) & 7) as u8;
    let sub = (s * 512.0) as u8;
    if s >= 1.0 / 64.0 { normal } else { sub }
}

/// `min` as `torch.min` computes it on non-NaN operands: `b` where `b < a`.
#[inline(always)]
fn below(a: f32, b: f32) -> f32 {
    if b < a { b } else { a }
}

/// `torch.clamp(v, lo, hi)` on a non-NaN `v`.
#[inline(always)]
fn clamp_to(v: f32, lo: f32, hi: f32) -> f32 {
    if v < lo {
        lo
    } else if v > hi {
        hi
    } else {
        v
    }
}

const RULE_MIN_RECIP: u8 = 0;
const RULE_RECIP: u8 = 1;
const RULE_DIV: u8 = 2;
const RULE_DIV_UNIT: u8 = 3;
const RULE_DIV_GLOBAL: u8 = 4;

/// The largest magnitude of each block of `n` (up to [`GROUP_MAX`] blocks) as bit patterns
/// (NaN patterns above +∞'s).
#[inline(always)]
pub(crate) fn amax_bits<const N: usize>(x: &[f32], n: usize, am: &mut [u32; GROUP_MAX]) {
    let fold = |xb: &[f32]| {
        xb.iter()
            .fold(0u32, |m, v| m.max(v.to_bits() & 0x7FFF_FFFF))
    };
    if N != 0 && n == N {
        let whole = x.len() / N;
        for (a, xb) in am.iter_mut().zip(x.chunks_exact(N)) {
            if let Ok(xb) = <&[f32; N]>::try_from(xb) {
                *a = xb
                    .iter()
                    .fold(0u32, |m, v| m.max(v.to_bits() & 0x7FFF_FFFF));
            }
        }
        if whole < GROUP_MAX && whole * N < x.len() {
            am[whole] = fold(&x[whole * N..]);
        }
    } else {
        for (a, xb) in am.iter_mut().zip(x.chunks(n)) {
            *a = fold(xb);
        }
    }
}

/// The scale codes and factors of blocks `0..nb` from their amax bits, side by side (the
/// loop runs over all [`GROUP_MAX`] lanes, so it vectorizes across blocks): `codes[j]`,
/// `f[j]` (the input's multiplier or divisor), `a[j]` (the value's factor). Returns the
/// mask of blocks whose amax is not finite or whose factors are not finite and nonzero
/// (also where a block's largest input would not be finite), which the caller decides.
#[inline(always)]
fn e4m3_scales<const R: u8>(
    p: &E4m3Blocks,
    am: &[u32; GROUP_MAX],
    nb: usize,
    codes: &mut [u8],
    f: &mut [f32; GROUP_MAX],
    a: &mut [f32; GROUP_MAX],
) -> u64 {
    let (c, c2, g) = (p.c, p.c2, p.e4m3);
    let mut bad = [0u8; GROUP_MAX];
    let mut code = [0u8; GROUP_MAX];
    for j in 0..GROUP_MAX {
        let bits = am[j];
        let finite = bits < 0x7F80_0000;
        let b = f32::from_bits(if finite { bits } else { 0 });
        let u = match R {
            RULE_MIN_RECIP => below(below(b * c, f32::MAX), 448.0),
            RULE_RECIP | RULE_DIV => clamp_to((b / 6.0) / c, 1.0 / 64.0, 448.0),
            RULE_DIV_UNIT => {
                let u = b / c;
                clamp_to(if u == 0.0 { 1.0 } else { u }, 1.0 / 512.0, 448.0)
            }
            _ => clamp_to(c * (b / 6.0), -448.0, 448.0),
        };
        let s = g.round_finite(u);
        let (s, k) = match R {
            // A scale that rounds to 0 is 0.125 (code 0x20).
            RULE_DIV_GLOBAL if s == 0.0 => (0.125, 0x20),
            _ => (s, e4m3_code(s)),
        };
        let ok = |v: f32| v.is_finite() && v != 0.0;
        let (fj, aj, good) = match R {
            RULE_MIN_RECIP => {
                let m = below(1.0 / (s * c2), f32::MAX);
                (m, s, m != 0.0)
            }
            RULE_RECIP => {
                let (m, av) = (c2 / s, c * s);
                (m, av, ok(m) && ok(av) && (b * m).is_finite())
            }
            _ => {
                let d = match R {
                    RULE_DIV => c * s,
                    RULE_DIV_UNIT => s * c2,
                    _ => s / c,
                };
                (d, d, ok(d) && (b / d).is_finite())
            }
        };
        (f[j], a[j], code[j]) = (fj, aj, k);
        bad[j] = !(finite && good) as u8;
    }
    codes[..nb].copy_from_slice(&code[..nb]);
    let mut miss = 0u64;
    for (j, &m) in bad.iter().enumerate().take(nb) {
        miss |= (m as u64) << j;
    }
    miss
}

/// Applies `op(block, value)` to every element of the blocks of `n` that `skip` leaves
/// (`N`: the block length the loop is specialized for, 0 for none).
#[inline(always)]
fn each_block<const N: usize>(
    x: &[f32],
    n: usize,
    skip: u64,
    out: &mut [f32],
    op: impl Fn(usize, f32) -> f32,
) {
    if N != 0 && n == N {
        let whole = x.len() / N;
        for (j, (xb, ob)) in x.chunks_exact(N).zip(out.chunks_exact_mut(N)).enumerate() {
            if (skip >> j) & 1 != 0 {
                continue;
            }
            if let (Ok(xb), Ok(ob)) = (<&[f32; N]>::try_from(xb), <&mut [f32; N]>::try_from(ob)) {
                for i in 0..N {
                    ob[i] = op(j, xb[i]);
                }
            }
        }
        if whole < GROUP_MAX && (skip >> whole) & 1 == 0 {
            for (o, &v) in out[whole * N..].iter_mut().zip(&x[whole * N..]) {
                *o = op(whole, v);
            }
        }
    } else {
        for (j, (xb, ob)) in x.chunks(n).zip(out.chunks_mut(n)).enumerate() {
            if (skip >> j) & 1 != 0 {
                continue;
            }
            for (o, &v) in ob.iter_mut().zip(xb) {
                *o = op(j, v);
            }
        }
    }
}

/// Fake quantization of E4M3-scaled E2M1 blocks (NVFP4), fused: per block its amax, its
/// scale code (into `codes`) and factors ([`E4m3Rule`]), its elements on the grid `g`. At
/// most [`GROUP_MAX`] blocks; a block the rule's arithmetic does not cover (see
/// [`e4m3_scales`]) is left alone and its bit set in the returned mask. `g` must keep zero
/// signs.
#[inline(always)]
pub(crate) fn qdq_e4m3(
    p: &E4m3Blocks,
    g: &Grid,
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    out: &mut [f32],
) -> u64 {
    qdq_e4m3_by(|x, am| amax_bits::<16>(x, 16, am), p, g, x, n, codes, out)
}

/// The blocks' amax bits over [`group_part`] into `am`: `amax16` (a backend's own) for
/// blocks of 16, [`amax_bits`] for other lengths.
#[inline(always)]
fn group_amax(
    amax16: impl Fn(&[f32], &mut [u32; GROUP_MAX]),
    x: &[f32],
    n: usize,
    codes: usize,
) -> [u32; GROUP_MAX] {
    let mut am = [0u32; GROUP_MAX];
    let part = group_part(x, n, codes).1;
    if n == 16 {
        amax16(part, &mut am);
    } else {
        amax_bits::<0>(part, n, &mut am);
    }
    am
}

/// [`qdq_e4m3`] with the amax of blocks of 16 from `amax16` (`x` as [`group_part`] cuts
/// it): the entry for backends that measure it their own way.
#[inline(always)]
pub(crate) fn qdq_e4m3_by(
    amax16: impl Fn(&[f32], &mut [u32; GROUP_MAX]),
    p: &E4m3Blocks,
    g: &Grid,
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    out: &mut [f32],
) -> u64 {
    let am = group_amax(amax16, x, n, codes.len());
    qdq_e4m3_from(p, &am, g, x, n, codes, out)
}

/// The blocks a fused call covers, at most [`GROUP_MAX`] and no more than there are scale
/// codes: their count and their part of `x`.
#[inline(always)]
pub(crate) fn group_part(x: &[f32], n: usize, codes: usize) -> (usize, &[f32]) {
    let nb = x.len().div_ceil(n.max(1)).min(GROUP_MAX).min(codes);
    (nb, &x[..x.len().min(nb * n)])
}

/// [`qdq_e4m3`] with the blocks' amax bits given (`am`, as [`amax_bits`] computes them over
/// [`group_part`]).
#[inline(always)]
fn qdq_e4m3_from(
    p: &E4m3Blocks,
    am: &[u32; GROUP_MAX],
    g: &Grid,
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    out: &mut [f32],
) -> u64 {
    match p.rule {
        E4m3Rule::MinRecip => qdq_e4m3_as::<RULE_MIN_RECIP>(p, am, g, x, n, codes, out),
        E4m3Rule::Recip => qdq_e4m3_as::<RULE_RECIP>(p, am, g, x, n, codes, out),
        E4m3Rule::Div => qdq_e4m3_as::<RULE_DIV>(p, am, g, x, n, codes, out),
        E4m3Rule::DivUnit => qdq_e4m3_as::<RULE_DIV_UNIT>(p, am, g, x, n, codes, out),
        E4m3Rule::DivGlobal => qdq_e4m3_as::<RULE_DIV_GLOBAL>(p, am, g, x, n, codes, out),
    }
}

#[inline(always)]
fn qdq_e4m3_as<const R: u8>(
    p: &E4m3Blocks,
    am: &[u32; GROUP_MAX],
    g: &Grid,
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    out: &mut [f32],
) -> u64 {
    let (g, c2) = (*g, p.c2);
    let (nb, x) = group_part(x, n, codes.len());
    let (mut f, mut a) = ([0f32; GROUP_MAX], [0f32; GROUP_MAX]);
    let miss = e4m3_scales::<R>(p, am, nb, codes, &mut f, &mut a);
    // Plain blocks hold no NaN (their amax is finite), so the grid needs no NaN rule.
    each_block::<16>(x, n, miss, out, |j, v| match R {
        RULE_MIN_RECIP => (g.round_finite(v * f[j]) * a[j]) * c2,
        RULE_RECIP => g.round_finite(v * f[j]) * a[j],
        RULE_DIV => g.round_finite(v / f[j]) * a[j],
        RULE_DIV_UNIT => (g.round_finite((v / f[j]) + 0.0) + 0.0) * a[j],
        _ => g.round_finite((v / f[j]) + 0.0) * a[j],
    });
    miss
}

/// The element inputs and scale codes of E4M3-scaled blocks (the stored form's half of
/// [`qdq_e4m3`]; the lane encoder takes `y`). Same mask.
#[inline(always)]
pub(crate) fn pre_e4m3(
    p: &E4m3Blocks,
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    y: &mut [f32],
) -> u64 {
    pre_e4m3_by(|x, am| amax_bits::<16>(x, 16, am), p, x, n, codes, y)
}

/// [`pre_e4m3`] with the amax of blocks of 16 from `amax16`, as [`qdq_e4m3_by`].
#[inline(always)]
pub(crate) fn pre_e4m3_by(
    amax16: impl Fn(&[f32], &mut [u32; GROUP_MAX]),
    p: &E4m3Blocks,
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    y: &mut [f32],
) -> u64 {
    let am = group_amax(amax16, x, n, codes.len());
    pre_e4m3_from(p, &am, x, n, codes, y)
}

/// [`pre_e4m3`] with the blocks' amax bits given, as [`qdq_e4m3_from`].
#[inline(always)]
fn pre_e4m3_from(
    p: &E4m3Blocks,
    am: &[u32; GROUP_MAX],
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    y: &mut [f32],
) -> u64 {
    match p.rule {
        E4m3Rule::MinRecip => pre_e4m3_as::<RULE_MIN_RECIP>(p, am, x, n, codes, y),
        E4m3Rule::Recip => pre_e4m3_as::<RULE_RECIP>(p, am, x, n, codes, y),
        E4m3Rule::Div => pre_e4m3_as::<RULE_DIV>(p, am, x, n, codes, y),
        E4m3Rule::DivUnit => pre_e4m3_as::<RULE_DIV_UNIT>(p, am, x, n, codes, y),
        E4m3Rule::DivGlobal => pre_e4m3_as::<RULE_DIV_GLOBAL>(p, am, x, n, codes, y),
    }
}

#[inline(always)]
fn pre_e4m3_as<const R: u8>(
    p: &E4m3Blocks,
    am: &[u32; GROUP_MAX],
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    y: &mut [f32],
) -> u64 {
    let (nb, x) = group_part(x, n, codes.len());
    let (mut f, mut a) = ([0f32; GROUP_MAX], [0f32; GROUP_MAX]);
    let miss = e4m3_scales::<R>(p, am, nb, codes, &mut f, &mut a);
    each_block::<16>(x, n, miss, y, |j, v| match R {
        RULE_MIN_RECIP | RULE_RECIP => v * f[j],
        RULE_DIV => v / f[j],
        _ => (v / f[j]) + 0.0,
    });
    miss
}
