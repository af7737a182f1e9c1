//! The correctly rounded MXFP4 and NVFP4 quantizers of [`GgufProfile::Exact`]
//! (`super::GgufProfile::Exact`), in GGUF's block layouts.

use super::split_half;
use crate::element::{ElementFormat, Format};
use crate::error::Error;
use crate::pack::{self, Layout};
use crate::round::{Overflow, Rounding};
use crate::scaled::BlockFormat;

/// `(x block, out block)` pairs after the length checks.
fn blocks<'a>(
    x: &'a [f32],
    out: &'a mut [u8],
    t: super::GgufType,
) -> Result<impl Iterator<Item = (&'a [f32], &'a mut [u8])>, Error> {
    Error::check_len("GGUF bytes", t.bytes_len(x.len())?, out.len())?;
    Ok(x.chunks_exact(t.block_len())
        .zip(out.chunks_exact_mut(t.block_bytes())))
}

/// MXFP4 as [`BlockFormat::MXFP4`] quantizes it (OCP FLOOR scale from the bits, nearest-even
/// elements), element 2j in the low nibble re-laid out to GGUF's split-half order.
pub(super) fn mxfp4_exact(x: &[f32], out: &mut [u8]) -> Result<(), Error> {
    for (xb, ob) in blocks(x, out, super::GgufType::Mxfp4)? {
        let (mut codes, mut scale, mut q) = ([0u8; 16], [0u8; 1], [0u8; 32]);
        BlockFormat::MXFP4.quantize(xb, &mut codes, &mut scale)?;
        pack::unpack(&codes, 4, Layout::Dense, &mut q)?;
        ob[0] = scale[0];
        split_half(&q, &mut ob[1..]);
    }
    Ok(())
}

/// The value of a GGUF NVFP4 scale byte as ggml reads it (`ggml_ue4m3_to_fp32` without its
/// ×0.5, which pairs with its doubled E2M1 table): bit 7 ignored, 0x7F reads as 0.
fn ue4m3_value(b: u8) -> f64 {
    let b = b & 0x7F;
    if b == 0x7F {
        return 0.0;
    }
    ElementFormat::FLOAT8_E4M3FN.decode_f64(b as u32)
}

/// NVFP4 (64 elements, four sub-blocks of 16): the sub-block's UE4M3 scale is `amax/6`
/// rounded once to nearest even (saturating at 448), each element `x/d` rounded once to
/// nearest even on the E2M1 grid (saturating at ±6). The f64 quotients of f32 operands cannot
/// fall exactly on an E4M3 or E2M1 midpoint unless they are exact, so one rounding of the f64
/// quotient is the correctly rounded result.
pub(super) fn nvfp4_exact(x: &[f32], out: &mut [u8]) -> Result<(), Error> {
    let (e4m3, e2m1) = (ElementFormat::FLOAT8_E4M3FN, ElementFormat::FLOAT4_E2M1FN);
    for (xb, ob) in blocks(x, out, super::GgufType::Nvfp4)? {
        for (s, xs) in xb.chunks_exact(16).enumerate() {
            // The largest magnitude; NaN is skipped.
            let amax = super::ggml::common::amax_skip_nan(xs).0;
            let sb = e4m3.encode_f64(amax as f64 / 6.0, Rounding::NearestEven, Overflow::Saturate)
                as u8
                & 0x7F;
            let d = ue4m3_value(sb);
            let mut q = [0u8; 16];
            if d > 0.0 {
                for (c, &v) in q.iter_mut().zip(xs) {
                    *c = e2m1.encode_f64(v as f64 / d, Rounding::NearestEven, Overflow::Saturate)
                        as u8;
                }
            }
            ob[s] = sb;
            for j in 0..8 {
                ob[4 + 8 * s + j] = q[j] | q[j + 8] << 4;
            }
        }
    }
    Ok(())
}
