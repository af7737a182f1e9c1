//! The unblocked float types f32, f16 and bf16 with ggml's row converters
//! (`ggml_fp32_to_fp16_row`, `ggml_fp16_to_fp32_row`, `ggml_fp32_to_bf16_row_ref`,
//! `ggml_bf16_to_fp32_row`), which the GGUF tensor types 0, 1 and 30 use. No imatrix.

use super::common::{F, fp16_to_fp32, fp32_to_fp16};
use super::{dq_blocks, each_block};
use crate::error::Error;

/// f32: the bits, little-endian.
pub(crate) fn quantize_f32(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 1, 4, |xb, _, ob| {
        ob.copy_from_slice(&xb[0].to_bits().to_le_bytes())
    })
}

/// f32 bits back.
pub(crate) fn dequantize_f32(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 1, 4)? {
        y[0] = f32::from_bits(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    }
    Ok(())
}

/// f16: `GGML_FP32_TO_FP16` (nearest even; NaN -> 0x7e00 | sign).
pub(crate) fn quantize_f16(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 1, 2, |xb, _, ob| {
        ob.copy_from_slice(&fp32_to_fp16(F(xb[0])).to_le_bytes())
    })
}

/// f16: `GGML_FP16_TO_FP32` (exact; NaN payload << 13 with the quiet bit set).
pub(crate) fn dequantize_f16(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 1, 2)? {
        y[0] = fp16_to_fp32(u16::from_le_bytes([b[0], b[1]])).0;
    }
    Ok(())
}

/// ggml-impl.h `ggml_compute_fp32_to_bf16`: NaN -> the top half with the quiet bit forced;
/// otherwise round to nearest even on the top 16 bits (overflowing to inf).
pub(crate) fn fp32_to_bf16(x: f32) -> u16 {
    let u = x.to_bits();
    if u & 0x7fff_ffff > 0x7f80_0000 {
        return ((u >> 16) | 64) as u16;
    }
    (u.wrapping_add(0x7fff + ((u >> 16) & 1)) >> 16) as u16
}

/// bf16.
pub(crate) fn quantize_bf16(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 1, 2, |xb, _, ob| {
        ob.copy_from_slice(&fp32_to_bf16(xb[0]).to_le_bytes())
    })
}

/// bf16: the bits shifted into the top half (NaN payloads kept).
pub(crate) fn dequantize_bf16(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 1, 2)? {
        y[0] = f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bf16_rounding_and_nan() {
        assert_eq!(fp32_to_bf16(1.0), 0x3f80);
        assert_eq!(fp32_to_bf16(f32::from_bits(0x3f80_8000)), 0x3f80); // tie to even
        assert_eq!(fp32_to_bf16(f32::from_bits(0x3f81_8000)), 0x3f82);
        assert_eq!(fp32_to_bf16(f32::from_bits(0x7f80_0001)), 0x7fc0);
        assert_eq!(fp32_to_bf16(f32::from_bits(0xff81_0000)), 0xffc1);
        assert_eq!(fp32_to_bf16(f32::MAX), 0x7f80);
    }
}
