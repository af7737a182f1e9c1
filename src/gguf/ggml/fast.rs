//! The GGUF conversions on a pinned [`Backend`]: [`Backend::Scalar`] runs the definitions of
//! this module's siblings; every other backend runs its table's kernels
//! (`kernels/gguf_dq.rs`, `kernels/gguf_q.rs`) on chunks of 64 blocks, and the definition on
//! each block a kernel leaves (non-finite scales when dequantizing; NaN, infinities and
//! extreme magnitudes when quantizing), so every backend gives the definition's bytes and
//! bits. Types without a kernel run the definition on every backend.

use super::super::grids::{
    IQ1S_DELTA, IQ1S_GRID, IQ2S_GRID, IQ2XS_GRID, IQ2XXS_GRID, IQ3S_GRID, IQ3XXS_GRID,
    KSIGNS_IQ2XS, KVALUES_IQ4NL, KVALUES_MXFP4,
};
use super::{DequantizeFn, QuantizeFn, TYPES};
use crate::Backend;
use crate::arch::{Kernels, Path};
use crate::error::Error;
use crate::gguf::GgufType;

/// Blocks per kernel call (one bit each in the returned mask).
const CHUNK_BLOCKS: usize = 64;

/// Runs `kern` over chunks of blocks and `def` on the blocks it leaves.
fn dq_chunks(
    bytes: &[u8],
    out: &mut [f32],
    bl: usize,
    bb: usize,
    def: DequantizeFn,
    kern: impl Fn(&[u8], &mut [f32]) -> u64,
) -> Result<(), Error> {
    super::dq_blocks(bytes, out, bl, bb).map(drop)?; // the length checks
    let chunks = bytes
        .chunks(CHUNK_BLOCKS * bb)
        .zip(out.chunks_mut(CHUNK_BLOCKS * bl));
    for (bc, oc) in chunks {
        let mut left = kern(bc, oc);
        while left != 0 {
            let k = left.trailing_zeros() as usize;
            left &= left - 1;
            def(&bc[k * bb..(k + 1) * bb], &mut oc[k * bl..(k + 1) * bl])?;
        }
    }
    Ok(())
}

/// Runs `kern` over chunks of blocks and the definition `def` (no imatrix) on the blocks it
/// leaves.
fn q_chunks(
    x: &[f32],
    out: &mut [u8],
    bl: usize,
    bb: usize,
    def: QuantizeFn,
    kern: impl Fn(&[f32], &mut [u8]) -> u64,
) -> Result<(), Error> {
    super::check_lengths(x, out, bl, bb)?;
    let chunks = x
        .chunks(CHUNK_BLOCKS * bl)
        .zip(out.chunks_mut(CHUNK_BLOCKS * bb));
    for (xc, oc) in chunks {
        let mut left = kern(xc, oc);
        while left != 0 {
            let k = left.trailing_zeros() as usize;
            left &= left - 1;
            def(
                &xc[k * bl..(k + 1) * bl],
                None,
                &mut oc[k * bb..(k + 1) * bb],
            )?;
        }
    }
    Ok(())
}

/// A plain type's row kernel after the length checks.
fn dq_row(
    bytes: &[u8],
    out: &mut [f32],
    bb: usize,
    kern: impl Fn(&[u8], &mut [f32]),
) -> Result<(), Error> {
    super::dq_blocks(bytes, out, 1, bb).map(drop)?;
    kern(bytes, out);
    Ok(())
}

fn q_row(
    x: &[f32],
    out: &mut [u8],
    bb: usize,
    kern: impl Fn(&[f32], &mut [u8]),
) -> Result<(), Error> {
    super::check_lengths(x, out, 1, bb)?;
    kern(x, out);
    Ok(())
}

/// `gguf::dequantize` on backend `b`.
pub(crate) fn dequantize_with(
    b: Backend,
    t: GgufType,
    bytes: &[u8],
    out: &mut [f32],
) -> Result<(), Error> {
    let info = &TYPES[t as usize];
    let def = info.dequantize.ok_or(Error::Unsupported(
        "GGUF: no dequantizer for this type (integer and f64 tensors are stored as they are)",
    ))?;
    let k: &Kernels = match b.path()? {
        Path::Definition => return def(bytes, out),
        Path::Kernels(k) => k,
    };
    let (bl, bb) = (info.block_len, info.block_bytes);
    macro_rules! run {
        ($f:ident) => {
            dq_chunks(bytes, out, bl, bb, def, |b, o| (k.$f)(b, o))
        };
        ($f:ident, $($a:expr),+) => {
            dq_chunks(bytes, out, bl, bb, def, |b, o| (k.$f)($($a),+, b, o))
        };
    }
    use GgufType as T;
    match t {
        T::F32 => dq_row(bytes, out, 4, |b, o| (k.gguf_f32_row)(b, o)),
        T::F16 => dq_row(bytes, out, 2, |b, o| (k.gguf_f16_row)(b, o)),
        T::Bf16 => dq_row(bytes, out, 2, |b, o| (k.gguf_bf16_row)(b, o)),
        T::Q4_0 => run!(gguf_dq_q4_0),
        T::Q4_1 => run!(gguf_dq_q4_1),
        T::Q5_0 => run!(gguf_dq_q5_0),
        T::Q5_1 => run!(gguf_dq_q5_1),
        T::Q8_0 => run!(gguf_dq_q8_0),
        T::Q8_1 => run!(gguf_dq_q8_1),
        T::Q1_0 => run!(gguf_dq_q1_0),
        T::Q2_0 => run!(gguf_dq_q2_0),
        T::Q2K => run!(gguf_dq_q2_k),
        T::Q3K => run!(gguf_dq_q3_k),
        T::Q4K => run!(gguf_dq_q4_k),
        T::Q5K => run!(gguf_dq_q5_k),
        T::Q6K => run!(gguf_dq_q6_k),
        T::Q8K => run!(gguf_dq_q8_k),
        T::Tq1_0 => run!(gguf_dq_tq1_0),
        T::Tq2_0 => run!(gguf_dq_tq2_0),
        T::Mxfp4 => run!(gguf_dq_mxfp4, &KVALUES_MXFP4),
        T::Nvfp4 => run!(gguf_dq_nvfp4, &KVALUES_MXFP4),
        T::Iq4Nl => run!(gguf_dq_iq4_nl, &KVALUES_IQ4NL),
        T::Iq4Xs => run!(gguf_dq_iq4_xs, &KVALUES_IQ4NL),
        T::Iq2Xxs => run!(gguf_dq_iq2_xxs, &IQ2XXS_GRID, &KSIGNS_IQ2XS),
        T::Iq2Xs => run!(gguf_dq_iq2_xs, &IQ2XS_GRID, &KSIGNS_IQ2XS),
        T::Iq2S => run!(gguf_dq_iq2_s, &IQ2S_GRID),
        T::Iq3Xxs => run!(gguf_dq_iq3_xxs, &IQ3XXS_GRID, &KSIGNS_IQ2XS),
        T::Iq3S => run!(gguf_dq_iq3_s, &IQ3S_GRID),
        T::Iq1S => run!(gguf_dq_iq1_s, &IQ1S_GRID, IQ1S_DELTA),
        T::Iq1M => run!(gguf_dq_iq1_m, &IQ1S_GRID, IQ1S_DELTA),
        _ => def(bytes, out),
    }
}

/// ggml's chunk quantizer without an importance matrix on backend `b` (the caller has
/// handled the profiles and the imatrix requirement).
pub(crate) fn quantize_with(
    b: Backend,
    t: GgufType,
    x: &[f32],
    out: &mut [u8],
) -> Result<(), Error> {
    let info = &TYPES[t as usize];
    let def = info.quantize.ok_or(Error::Unsupported(
        "GGUF: no quantizer for this type (integer and f64 tensors are stored as they are)",
    ))?;
    let k: &Kernels = match b.path()? {
        Path::Definition => return def(x, None, out),
        Path::Kernels(k) => k,
    };
    let (bl, bb) = (info.block_len, info.block_bytes);
    macro_rules! run {
        ($f:ident) => {
            q_chunks(x, out, bl, bb, def, |x, o| (k.$f)(x, o))
        };
        ($f:ident, $($a:expr),+) => {
            q_chunks(x, out, bl, bb, def, |x, o| (k.$f)($($a),+, x, o))
        };
    }
    use GgufType as T;
    match t {
        T::F32 => q_row(x, out, 4, |x, o| (k.gguf_f32_to_row)(x, o)),
        T::F16 => q_row(x, out, 2, |x, o| (k.gguf_f16_from_row)(x, o)),
        T::Bf16 => q_row(x, out, 2, |x, o| (k.gguf_bf16_from_row)(x, o)),
        T::Q4_0 => run!(gguf_q_q4_0),
        T::Q4_1 => run!(gguf_q_q4_1),
        T::Q5_0 => run!(gguf_q_q5_0),
        T::Q5_1 => run!(gguf_q_q5_1),
        T::Q8_0 => run!(gguf_q_q8_0),
        T::Q8_1 => run!(gguf_q_q8_1),
        T::Q1_0 => run!(gguf_q_q1_0),
        T::Q2_0 => run!(gguf_q_q2_0),
        T::Q8K => run!(gguf_q_q8_k),
        T::Tq1_0 => run!(gguf_q_tq1_0),
        T::Tq2_0 => run!(gguf_q_tq2_0),
        T::Mxfp4 => run!(gguf_q_mxfp4, &KVALUES_MXFP4),
        T::Nvfp4 => run!(gguf_q_nvfp4, &KVALUES_MXFP4),
        T::Q2K => run!(gguf_q_q2_k),
        // Q3_K's reference search (make_q3_quants) has no kernel: one ran no faster than the
        // definition (1.0× with AVX2 and AVX-512, 0.3× portable; the search is a few
        // coordinate-descent passes, a chain of dependent divisions per lane).
        T::Q4K => run!(gguf_q_q4_k),
        T::Q5K => run!(gguf_q_q5_k),
        T::Q6K => run!(gguf_q_q6_k),
        T::Iq4Nl => run!(gguf_q_iq4_nl, &KVALUES_IQ4NL),
        T::Iq4Xs => run!(gguf_q_iq4_xs, &KVALUES_IQ4NL),
        _ => def(x, None, out),
    }
}

/// Runs `kern(x chunk, imatrix chunk, out chunk)` over each row's chunks of blocks and the
/// definition on the blocks it leaves, each with its own columns' imatrix (for the types
/// whose imatrix quantizer looks at nothing outside a block).
fn qi_chunks(
    x: &[f32],
    qw: &[f32],
    out: &mut [u8],
    bl: usize,
    bb: usize,
    def: QuantizeFn,
    kern: impl Fn(&[f32], &[f32], &mut [u8]) -> u64,
) -> Result<(), Error> {
    for (xr, or) in super::im_rows(x, qw, out, bl, bb)? {
        let chunks = xr
            .chunks(CHUNK_BLOCKS * bl)
            .zip(qw.chunks(CHUNK_BLOCKS * bl))
            .zip(or.chunks_mut(CHUNK_BLOCKS * bb));
        for ((xc, qc), oc) in chunks {
            let mut left = kern(xc, qc, oc);
            while left != 0 {
                let k = left.trailing_zeros() as usize;
                left &= left - 1;
                def(
                    &xc[k * bl..(k + 1) * bl],
                    Some(&qc[k * bl..(k + 1) * bl]),
                    &mut oc[k * bb..(k + 1) * bb],
                )?;
            }
        }
    }
    Ok(())
}

/// [`qi_chunks`] for the legacy types, whose weights use the whole row's `Σx²/n`: the
/// kernel gets that `sigma2`, and a row in which it leaves a block runs the definition.
fn qi_rows(
    x: &[f32],
    qw: &[f32],
    out: &mut [u8],
    bl: usize,
    bb: usize,
    def: QuantizeFn,
    kern: impl Fn(&[f32], &[f32], f32, &mut [u8]) -> u64,
) -> Result<(), Error> {
    for (xr, or) in super::im_rows(x, qw, out, bl, bb)? {
        // ggml's sequential sum; with no NaN anywhere its value is the definition's (a NaN
        // makes every weight NaN, which the kernel reports through the fp16 scales).
        let mut s = 0f32;
        for &v in xr {
            s += v * v;
        }
        let sigma2 = s / xr.len() as f32;
        let chunks = xr
            .chunks(CHUNK_BLOCKS * bl)
            .zip(qw.chunks(CHUNK_BLOCKS * bl))
            .zip(or.chunks_mut(CHUNK_BLOCKS * bb));
        let mut left = 0;
        for ((xc, qc), oc) in chunks {
            left |= kern(xc, qc, sigma2, oc);
        }
        if left != 0 {
            def(xr, Some(qw), or)?;
        }
    }
    Ok(())
}

/// ggml's chunk quantizer with an importance matrix on backend `b` (`imatrix`: one weight
/// per column of the rows of `x`).
pub(crate) fn quantize_imatrix_with(
    b: Backend,
    t: GgufType,
    x: &[f32],
    qw: &[f32],
    out: &mut [u8],
) -> Result<(), Error> {
    let info = &TYPES[t as usize];
    let def = info.quantize.ok_or(Error::Unsupported(
        "GGUF: no quantizer for this type (integer and f64 tensors are stored as they are)",
    ))?;
    let k: &Kernels = match b.path()? {
        Path::Definition => return def(x, Some(qw), out),
        Path::Kernels(k) => k,
    };
    let (bl, bb) = (info.block_len, info.block_bytes);
    if !info.uses_imatrix {
        // ggml ignores it (after the same length checks).
        super::im_rows(x, qw, out, bl, bb).map(drop)?;
        return quantize_with(b, t, x, out);
    }
    macro_rules! run {
        ($f:ident) => {
            qi_chunks(x, qw, out, bl, bb, def, |x, q, o| (k.$f)(x, q, o))
        };
        ($f:ident, $($a:expr),+) => {
            qi_chunks(x, qw, out, bl, bb, def, |x, q, o| (k.$f)($($a),+, x, q, o))
        };
    }
    macro_rules! rows {
        ($f:ident) => {
            qi_rows(x, qw, out, bl, bb, def, |x, q, s, o| (k.$f)(x, q, s, o))
        };
    }
    use GgufType as T;
    match t {
        T::Q2K => run!(gguf_qi_q2_k),
        T::Q3K => run!(gguf_qi_q3_k),
        T::Q4K => run!(gguf_qi_q4_k),
        T::Q5K => run!(gguf_qi_q5_k),
        T::Q6K => run!(gguf_qi_q6_k),
        T::Iq4Nl => run!(gguf_qi_iq4_nl, &KVALUES_IQ4NL),
        T::Iq4Xs => run!(gguf_qi_iq4_xs, &KVALUES_IQ4NL),
        T::Q4_0 => rows!(gguf_qi_q4_0),
        T::Q5_0 => rows!(gguf_qi_q5_0),
        T::Q4_1 => rows!(gguf_qi_q4_1),
        T::Q5_1 => rows!(gguf_qi_q5_1),
        _ => def(x, Some(qw), out),
    }
}
