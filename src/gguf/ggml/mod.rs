//! ggml's GGUF block types, byte/bit-exact with ggml's own quantizers and dequantizers
//! (`ggml-quants.c` of llama.cpp commit 0c1e57098, as built for plain x86-64 by
//! llama-cpp-python 0.3.36), as self-contained `no_std`, allocation-free functions.
//!
//! Conventions of every `quantize_<type>(x, imatrix, out)`:
//! * `x` holds whole rows; its length is a multiple of the block length, `out` is exactly
//!   the blocks' bytes ([`crate::Error::Length`] otherwise).
//! * Without an importance matrix the result is `ggml_quantize_chunk(type, …, NULL)`
//!   (= `quantize_row_<type>_ref` of the whole tensor, which no row boundary affects).
//! * With one, `imatrix.len()` is the row length (`n_per_row`; a non-zero multiple of the
//!   block length dividing `x.len()`), the same vector applies to every row, and the result
//!   is `ggml_quantize_chunk(type, …, imatrix)`. Types whose ggml quantizer ignores the
//!   imatrix ignore it here too (its length is still checked).
//! * Q8_1 and Q8_K have no chunk quantizer in ggml: theirs is `quantize_row_<type>_ref`.
//!   IQ4_NL's `_ref` (a different algorithm) is [`quantize_iq4_nl_ref`].
//! * Where ggml aborts the process (the IQ1/IQ2/IQ3 quantizers on NaN/inf/overflowing
//!   inputs, or without the imatrix IQ2_XXS/IQ2_XS/IQ1_S require) the result is
//!   [`Error::Unsupported`]; `out` may then be partly written.
//!
//! Every `dequantize_<type>(bytes, out)` takes whole blocks and writes `out` (exactly the
//! blocks' elements), the bits `dequantize_row_<type>` gives, NaN payloads included.
//!
//! The f32 arithmetic runs through [`common::F`], which fixes the NaN bits the way SSE
//! does, so the results do not depend on the host CPU or the optimiser.

// The block loops index like the C they follow (`x[16*j + l]`, `qs[j/4 + l]`), which keeps
// each line checkable against ggml-quants.c; iterator chains would hide that.
#![allow(clippy::needless_range_loop)]

pub(super) mod common;
mod fast;
mod fp4;
mod iq1q;
mod iq2q;
mod iq3q;
mod iq_grid;
mod iq_lattice;
mod iquants;
mod kq_search;
mod kquants;
mod legacy;
mod plain;
mod ternary;

use core::iter::Zip;
use core::slice::{ChunksExact, ChunksExactMut};

use super::GgufType;
use super::GgufType as T;
use crate::error::Error;

/// `quantize_<type>(x, imatrix, out)`.
pub(crate) type QuantizeFn = fn(&[f32], Option<&[f32]>, &mut [u8]) -> Result<(), Error>;
/// `dequantize_<type>(bytes, out)`.
pub(crate) type DequantizeFn = fn(&[u8], &mut [f32]) -> Result<(), Error>;

/// One `enum ggml_type` entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GgmlType {
    /// The crate's name for it.
    pub(crate) t: GgufType,
    /// The `enum ggml_type` value (GGUF's tensor type id).
    pub(crate) id: u32,
    /// `ggml_type_name`.
    pub(crate) name: &'static str,
    /// `ggml_blck_size`: elements per block.
    pub(crate) block_len: usize,
    /// `ggml_type_size`: bytes per block.
    pub(crate) block_bytes: usize,
    /// `ggml_quantize_requires_imatrix`.
    pub(crate) requires_imatrix: bool,
    /// Whether ggml's quantizer output depends on the imatrix.
    pub(crate) uses_imatrix: bool,
    /// The quantizer, where this crate has it (see [`TYPES`]).
    pub(crate) quantize: Option<QuantizeFn>,
    /// The dequantizer, where ggml has one.
    pub(crate) dequantize: Option<DequantizeFn>,
}

const fn t(
    t: GgufType,
    id: u32,
    name: &'static str,
    block_len: usize,
    block_bytes: usize,
    quantize: Option<QuantizeFn>,
    dequantize: Option<DequantizeFn>,
) -> GgmlType {
    GgmlType {
        t,
        id,
        name,
        block_len,
        block_bytes,
        requires_imatrix: false,
        uses_imatrix: false,
        quantize,
        dequantize,
    }
}

/// Marks a type whose quantizer output depends on the imatrix (and, with `required`, one
/// ggml refuses to quantize without).
const fn im(mut ty: GgmlType, required: bool) -> GgmlType {
    ty.uses_imatrix = true;
    ty.requires_imatrix = required;
    ty
}

/// Every type of `enum ggml_type` that has a name (the removed/deprecated ids 4, 5, 31–33,
/// 36–38 are left out), as `tests/vectors/ggml/types.txt` lists them.
///
/// Quantizers are missing only for the integer and f64 types, which ggml does not convert.
/// IQ2_XXS, IQ2_XS and IQ1_S need an imatrix; the IQ1/IQ2/IQ3 quantizers return
/// [`Error::Unsupported`] where ggml aborts the process (NaN/inf/overflowing inputs).
/// Q8_1 has no dequantizer in ggml, Q8_K's `dequantize_row_q8_K` is ggml's exported one.
#[rustfmt::skip]
pub(crate) static TYPES: [GgmlType; 35] = [
    t(T::F32, 0, "f32", 1, 4, Some(plain::quantize_f32), Some(plain::dequantize_f32)),
    t(T::F16, 1, "f16", 1, 2, Some(plain::quantize_f16), Some(plain::dequantize_f16)),
    im(t(T::Q4_0, 2, "q4_0", 32, 18, Some(legacy::quantize_q4_0), Some(legacy::dequantize_q4_0)), false),
    im(t(T::Q4_1, 3, "q4_1", 32, 20, Some(legacy::quantize_q4_1), Some(legacy::dequantize_q4_1)), false),
    im(t(T::Q5_0, 6, "q5_0", 32, 22, Some(legacy::quantize_q5_0), Some(legacy::dequantize_q5_0)), false),
    im(t(T::Q5_1, 7, "q5_1", 32, 24, Some(legacy::quantize_q5_1), Some(legacy::dequantize_q5_1)), false),
    t(T::Q8_0, 8, "q8_0", 32, 34, Some(legacy::quantize_q8_0), Some(legacy::dequantize_q8_0)),
    t(T::Q8_1, 9, "q8_1", 32, 36, Some(legacy::quantize_q8_1), Some(legacy::dequantize_q8_1)),
    im(t(T::Q2K, 10, "q2_K", 256, 84, Some(kquants::quantize_q2_k), Some(kquants::dequantize_q2_k)), false),
    im(t(T::Q3K, 11, "q3_K", 256, 110, Some(kquants::quantize_q3_k), Some(kquants::dequantize_q3_k)), false),
    im(t(T::Q4K, 12, "q4_K", 256, 144, Some(kquants::quantize_q4_k), Some(kquants::dequantize_q4_k)), false),
    im(t(T::Q5K, 13, "q5_K", 256, 176, Some(kquants::quantize_q5_k), Some(kquants::dequantize_q5_k)), false),
    im(t(T::Q6K, 14, "q6_K", 256, 210, Some(kquants::quantize_q6_k), Some(kquants::dequantize_q6_k)), false),
    t(T::Q8K, 15, "q8_K", 256, 292, Some(kquants::quantize_q8_k), Some(kquants::dequantize_q8_k)),
    im(t(T::Iq2Xxs, 16, "iq2_xxs", 256, 66, Some(iq2q::quantize_iq2_xxs), Some(iquants::dequantize_iq2_xxs)), true),
    im(t(T::Iq2Xs, 17, "iq2_xs", 256, 74, Some(iq2q::quantize_iq2_xs), Some(iquants::dequantize_iq2_xs)), true),
    im(t(T::Iq3Xxs, 18, "iq3_xxs", 256, 98, Some(iq3q::quantize_iq3_xxs), Some(iquants::dequantize_iq3_xxs)), false),
    im(t(T::Iq1S, 19, "iq1_s", 256, 50, Some(iq1q::quantize_iq1_s), Some(iquants::dequantize_iq1_s)), true),
    im(t(T::Iq4Nl, 20, "iq4_nl", 32, 18, Some(iquants::quantize_iq4_nl), Some(iquants::dequantize_iq4_nl)), false),
    im(t(T::Iq3S, 21, "iq3_s", 256, 110, Some(iq3q::quantize_iq3_s), Some(iquants::dequantize_iq3_s)), false),
    im(t(T::Iq2S, 22, "iq2_s", 256, 82, Some(iq2q::quantize_iq2_s), Some(iquants::dequantize_iq2_s)), false),
    im(t(T::Iq4Xs, 23, "iq4_xs", 256, 136, Some(iquants::quantize_iq4_xs), Some(iquants::dequantize_iq4_xs)), false),
    t(T::I8, 24, "i8", 1, 1, None, None),
    t(T::I16, 25, "i16", 1, 2, None, None),
    t(T::I32, 26, "i32", 1, 4, None, None),
    t(T::I64, 27, "i64", 1, 8, None, None),
    t(T::F64, 28, "f64", 1, 8, None, None),
    im(t(T::Iq1M, 29, "iq1_m", 256, 56, Some(iq1q::quantize_iq1_m), Some(iquants::dequantize_iq1_m)), false),
    t(T::Bf16, 30, "bf16", 1, 2, Some(plain::quantize_bf16), Some(plain::dequantize_bf16)),
    t(T::Tq1_0, 34, "tq1_0", 256, 54, Some(ternary::quantize_tq1_0), Some(ternary::dequantize_tq1_0)),
    t(T::Tq2_0, 35, "tq2_0", 256, 66, Some(ternary::quantize_tq2_0), Some(ternary::dequantize_tq2_0)),
    t(T::Mxfp4, 39, "mxfp4", 32, 17, Some(fp4::quantize_mxfp4), Some(fp4::dequantize_mxfp4)),
    t(T::Nvfp4, 40, "nvfp4", 64, 36, Some(fp4::quantize_nvfp4), Some(fp4::dequantize_nvfp4)),
    t(T::Q1_0, 41, "q1_0", 128, 18, Some(legacy::quantize_q1_0), Some(legacy::dequantize_q1_0)),
    t(T::Q2_0, 42, "q2_0", 64, 18, Some(legacy::quantize_q2_0), Some(legacy::dequantize_q2_0)),
];

pub(crate) use fast::{dequantize_with, quantize_imatrix_with, quantize_with};
/// IQ4_NL as `quantize_row_iq4_nl_ref` (one trial scale, codes of a near-zero block left over
/// from the previous block), which differs from the chunk quantizer
/// [`iquants::quantize_iq4_nl`] that GGUF files are made with.
pub(crate) use iquants::quantize_iq4_nl_ref;

// ------------------------------------------------------------------------------------------
// Length checks and block iteration.

type QuantBlocks<'a> = Zip<ChunksExact<'a, f32>, ChunksExactMut<'a, u8>>;
type DequantBlocks<'a> = Zip<ChunksExact<'a, u8>, ChunksExactMut<'a, f32>>;

/// `(x block, out block)` pairs; `x` a multiple of `bl` elements, `out` exactly
/// `x.len()/bl · bb` bytes.
pub(crate) fn blocks<'a>(
    x: &'a [f32],
    out: &'a mut [u8],
    bl: usize,
    bb: usize,
) -> Result<QuantBlocks<'a>, Error> {
    if !x.len().is_multiple_of(bl) {
        return Err(Error::Length {
            what: "input (a multiple of the block length)",
            expected: crate::error::round_up(x.len(), bl),
            actual: x.len(),
        });
    }
    Error::check_len("output bytes", x.len() / bl * bb, out.len())?;
    Ok(x.chunks_exact(bl).zip(out.chunks_exact_mut(bb)))
}

/// The length checks of [`blocks`] alone.
pub(crate) fn check_lengths(x: &[f32], out: &mut [u8], bl: usize, bb: usize) -> Result<(), Error> {
    blocks(x, out, bl, bb).map(|_| ())
}

/// `(block bytes, out block)` pairs; `bytes` a multiple of `bb`, `out` exactly
/// `bytes.len()/bb · bl` elements.
pub(crate) fn dq_blocks<'a>(
    bytes: &'a [u8],
    out: &'a mut [f32],
    bl: usize,
    bb: usize,
) -> Result<DequantBlocks<'a>, Error> {
    if !bytes.len().is_multiple_of(bb) {
        return Err(Error::Length {
            what: "blocks (a multiple of the block size)",
            expected: crate::error::round_up(bytes.len(), bb),
            actual: bytes.len(),
        });
    }
    Error::check_len("output elements", bytes.len() / bb * bl, out.len())?;
    Ok(bytes.chunks_exact(bb).zip(out.chunks_exact_mut(bl)))
}

/// Row iteration for the imatrix quantizers: `(row, row bytes)`, the row length being
/// `qw.len()` (a non-zero multiple of `bl` that divides `x.len()`).
pub(crate) fn im_rows<'a>(
    x: &'a [f32],
    qw: &[f32],
    out: &'a mut [u8],
    bl: usize,
    bb: usize,
) -> Result<QuantBlocks<'a>, Error> {
    let n = qw.len();
    if n == 0 || !n.is_multiple_of(bl) {
        return Err(Error::Length {
            what: "imatrix (the row length, a non-zero multiple of the block length)",
            expected: crate::error::round_up(n.max(1), bl),
            actual: n,
        });
    }
    if !x.len().is_multiple_of(n) {
        return Err(Error::Length {
            what: "input (a multiple of the imatrix length)",
            expected: crate::error::round_up(x.len(), n),
            actual: x.len(),
        });
    }
    Error::check_len("output bytes", x.len() / bl * bb, out.len())?;
    Ok(x.chunks_exact(n).zip(out.chunks_exact_mut(n / bl * bb)))
}

/// Runs `f(x block, imatrix block, out block)` over every block, after the checks of
/// [`blocks`] (no imatrix) or [`im_rows`] (the imatrix block is the slice of the
/// imatrix at the block's columns).
pub(crate) fn each_block(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
    bl: usize,
    bb: usize,
    mut f: impl FnMut(&[f32], Option<&[f32]>, &mut [u8]),
) -> Result<(), Error> {
    match imatrix {
        None => {
            for (xb, ob) in blocks(x, out, bl, bb)? {
                f(xb, None, ob);
            }
        }
        Some(qw) => {
            for (xr, or) in im_rows(x, qw, out, bl, bb)? {
                let blocks = xr.chunks_exact(bl).zip(or.chunks_exact_mut(bb));
                for ((xb, ob), qb) in blocks.zip(qw.chunks_exact(bl)) {
                    f(xb, Some(qb), ob);
                }
            }
        }
    }
    Ok(())
}
