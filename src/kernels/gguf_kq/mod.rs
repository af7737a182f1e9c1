//! GGUF quantization kernels for ggml's searching quantizers: the K-quants Q2_K … Q6_K,
//! IQ4_NL and IQ4_XS (reference and imatrix forms), and the imatrix forms of Q4_0, Q4_1,
//! Q5_0 and Q5_1 (notes §5.7–§5.15 on ggml-quants.c 0c1e57098).
//!
//! # Why these bits are the definition's
//!
//! The definitions (`gguf/ggml/*.rs`) evaluate every f32 operation of the C in its order
//! through the `F` wrapper, which differs from plain IEEE binary32 arithmetic only in the
//! bits of a NaN result (it applies SSE's NaN rules). These kernels evaluate the same
//! operations in the same order on plain `f32` (Rust neither reassociates nor contracts
//! to FMA, and keeps subnormals), so every value that is not a NaN is the definition's
//! value. A NaN's bits can reach the output only through `nearest_int` (which reads the
//! bits of `x + 1.5·2^23`) and the fp16 conversion; comparisons, the `d ? a : b` tests and
//! the nearest-value searches depend only on whether a value is a NaN, which is the same in
//! both. So each kernel checks every argument of `nearest_int` and of the fp16 conversion
//! for NaN, and a block in which one is a NaN is left to the definition (the returned
//! mask). On finite data of ordinary magnitudes no NaN arises and every block stays here;
//! blocks with NaN or infinite inputs are left at once.
//!
//! # How the searches are vectorized
//!
//! The searches run per group of 16 or 32 elements (a K-quant sub-block, an IQ4 block),
//! and groups are independent. So [`L`] groups run side by side, one per vector lane, each
//! lane doing exactly the C's sequential loop for its group: the elements in index order,
//! every sum accumulated in the C's order, the trial scales one after another (a trial of
//! `make_qkx2_quants` depends on the minimum the previous ones accepted), each `if` a
//! per-lane select. Nothing is reassociated across lanes. The inputs are transposed so
//! that element `i` of every lane's group is one contiguous row.
//!
//! Each kernel takes at most 64 whole blocks and returns the mask of the blocks it left.

// The loops index like the C they follow, which keeps each line checkable against the notes.
#![allow(clippy::needless_range_loop)]

mod blocks;
mod iq4;
mod kquants;
mod legacy;
mod search;

use super::gguf_dq::half_finite;
use super::gguf_q::f16_bits;
use blocks::*;
use search::*;

pub(crate) use iq4::{q_iq4_nl, q_iq4_xs, qi_iq4_nl, qi_iq4_xs};
pub(crate) use kquants::{
    q_q2_k, q_q4_k, q_q5_k, q_q6_k, qi_q2_k, qi_q3_k, qi_q4_k, qi_q5_k, qi_q6_k,
};
pub(crate) use legacy::{qi_q4_0, qi_q4_1, qi_q5_0, qi_q5_1};

/// Groups searched side by side (vector lanes).
pub(crate) const L: usize = 16;

type Vf = [f32; L];
type Vb = [bool; L];

/// The correctly rounded square root (IEEE `sqrt`: every implementation gives the same
/// bits). A backend picks its fastest.
pub(crate) trait Sqrt {
    /// `sqrtf(x)`.
    fn sqrt(x: f32) -> f32;
}

/// libm's `sqrtf` (the instruction where the target has one).
#[derive(Debug)]
pub(crate) struct LibmSqrt;

impl Sqrt for LibmSqrt {
    #[inline(always)]
    fn sqrt(x: f32) -> f32 {
        num_traits::Float::sqrt(x)
    }
}

/// ggml's `nearest_int`: the low mantissa bits of `f + 1.5·2^23` (round half to even below
/// 2^22, ggml's garbage beyond; the caller checks `f` for NaN).
#[inline(always)]
fn ni(f: f32) -> i32 {
    ((f + 12_582_912.0).to_bits() & 0x007f_ffff) as i32 - 0x0040_0000
}

/// fp16 bits → f32 for any non-NaN code (±inf included).
#[inline(always)]
fn half_f32(h: u16) -> f32 {
    if h & 0x7fff == 0x7c00 {
        if h & 0x8000 != 0 {
            f32::NEG_INFINITY
        } else {
            f32::INFINITY
        }
    } else {
        half_finite(h)
    }
}

/// The fp16 code of `f` as ggml writes it; `nan` is set if `f` is a NaN.
#[inline(always)]
fn half_of(f: f32, nan: &mut bool) -> u16 {
    *nan |= f.is_nan();
    f16_bits(f)
}

#[inline(always)]
fn put16(o: &mut [u8], at: usize, v: u16) {
    o[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

/// Whether every element of the block is finite.
#[inline(always)]
fn all_finite(x: &[f32]) -> bool {
    let mut m = [0u32; L];
    for c in x.chunks_exact(L) {
        for l in 0..L {
            m[l] |= u32::from(c[l].to_bits() & 0x7f80_0000 == 0x7f80_0000);
        }
    }
    m.iter().all(|&v| v == 0)
}

/// The mask of the blocks `0..n` whose inputs (and imatrix weights) are not all finite.
#[inline(always)]
fn nonfinite_blocks(x: &[f32], qw: Option<&[f32]>, bl: usize) -> u64 {
    let mut m = 0u64;
    for (k, xb) in x.chunks_exact(bl).enumerate().take(64) {
        let ok = all_finite(xb)
            && match qw {
                Some(q) => all_finite(&q[k * bl..(k + 1) * bl]),
                None => true,
            };
        m |= u64::from(!ok) << k;
    }
    m
}

/// Element `i` of lane `l`'s group = `x[start(l) + i]`: the groups of `g` consecutive
/// `N`-element groups per block of `bl`, blocks `b0..` (lanes past `nblk` read zeros).
#[inline(always)]
fn transpose<const N: usize>(
    x: &[f32],
    b0: usize,
    nblk: usize,
    bl: usize,
    g: usize,
    xt: &mut [Vf; N],
) {
    for l in 0..L {
        let b = b0 + l / g;
        if b < nblk {
            let s = b * bl + (l % g) * N;
            for i in 0..N {
                xt[i][l] = x[s + i];
            }
        } else {
            for i in 0..N {
                xt[i][l] = 0.0;
            }
        }
    }
}

/// IEEE `a < b` on the bit patterns: false if either is a NaN, and −0 equals +0.
///
/// The min/max folds of the searches compare through this rather than with `<` on floats:
/// LLVM may turn a float compare-and-select fold into `fminnm`/`fmaxnm` (AArch64), which
/// give a NaN for a signaling NaN operand and order −0 below +0, unlike the C's compare.
/// On integers it cannot.
#[inline(always)]
fn lt(a: f32, b: f32) -> bool {
    let (x, y) = (a.to_bits(), b.to_bits());
    let nan = ((x & 0x7fff_ffff) > 0x7f80_0000) | ((y & 0x7fff_ffff) > 0x7f80_0000);
    let zeros = (x | y) & 0x7fff_ffff == 0;
    !nan & !zeros & (order_key(x) < order_key(y))
}

/// A key increasing with the float of bits `x` (non-NaN): negatives' bits reversed below
/// the positives'.
#[inline(always)]
fn order_key(x: u32) -> u32 {
    x ^ ((((x as i32) >> 31) as u32) | 0x8000_0000)
}

/// `MAX(lo, MIN(hi, v))`.
#[inline(always)]
fn clamp(v: i32, lo: i32, hi: i32) -> i32 {
    v.max(lo).min(hi)
}

/// The mask of the first `n` blocks.
#[inline(always)]
fn first(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

#[cfg(test)]
mod tests {
    use super::lt;

    /// `lt` is IEEE `<` (independently: the float compare itself) on special values and on
    /// random bit patterns.
    #[test]
    fn lt_is_the_float_compare() {
        let special = [
            0,
            0x8000_0000,
            1,
            0x8000_0001,
            0x007f_ffff,
            0x0080_0000,
            0x3f80_0000,
            0xbf80_0000,
            0x7f7f_ffff,
            0xff7f_ffff,
            0x7f80_0000,
            0xff80_0000,
            0x7f80_0001,
            0x7fc0_0000,
            0xffc0_0000,
            0xff80_0001,
        ];
        let mut v = [0u32; 216];
        v[..16].copy_from_slice(&special);
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for e in &mut v[16..] {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            *e = s as u32;
        }
        for &a in &v {
            for &b in &v {
                let (fa, fb) = (f32::from_bits(a), f32::from_bits(b));
                assert_eq!(lt(fa, fb), fa < fb, "{a:#x} < {b:#x}");
            }
        }
    }
}
