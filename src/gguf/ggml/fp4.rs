//! MXFP4 (32 elements, one E8M0 scale) and NVFP4 (64 elements, four UE4M3 scales of 16) as
//! ggml quantizes and dequantizes them (notes §1.8, §1.10, §5.5): E2M1 codes picked by
//! argmin over the 16 doubled values `kvalues_mxfp4`, the scales `GGML_E8M0_TO_FP32_HALF`
//! and `ggml_ue4m3_to_fp32` (both include ggml's factor 1/2).

use super::super::grids::KVALUES_MXFP4;
use super::common::{
    F, amax_skip_nan as amax, best_index_mxfp4, e8m0_to_fp32_half, floor_log2f, fp32_to_ue4m3,
    ue4m3_to_fp32,
};
use super::{dq_blocks, each_block};
use crate::error::Error;

/// MXFP4 (17 bytes: e, 16 nibble bytes). `e = (uint8_t)(floorf(log2f(amax)) − 2 + 127)` with
/// glibc's `log2f` (which rounds up to k just below 2^k), the byte conversion wrapping
/// (amax = inf -> 0, amax < 2^-125 -> 254, 253, …); e = 0 for amax = 0. The imatrix is
/// ignored (as ggml does).
pub(crate) fn quantize_mxfp4(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 32, 17, |xb, _, ob| {
        let a = amax(xb);
        let e = if a > F::ZERO {
            if a.0.is_finite() {
                (floor_log2f(a.0) + 125) as u8
            } else {
                0 // (uint8_t) of +inf: cvttss2si gives INT32_MIN, low byte 0
            }
        } else {
            0
        };
        let d = e8m0_to_fp32_half(e);
        ob[0] = e;
        for j in 0..16 {
            let c0 = best_index_mxfp4(&KVALUES_MXFP4, F(xb[j]), d);
            let c1 = best_index_mxfp4(&KVALUES_MXFP4, F(xb[j + 16]), d);
            ob[1 + j] = c0 | (c1 << 4);
        }
    })
}

/// NVFP4 (36 bytes: 4 UE4M3 scales, 32 nibble bytes). Per 16: `ue = fp32_to_ue4m3(amax/6)`,
/// `d = ue4m3_to_fp32(ue)`, codes by argmin; byte `8s + j` = code j | code j+8 << 4. The
/// imatrix is ignored (as ggml does).
pub(crate) fn quantize_nvfp4(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 64, 36, |xb, _, ob| {
        for s in 0..4 {
            let xs = &xb[16 * s..16 * s + 16];
            let ue = fp32_to_ue4m3(amax(xs) / 6.0f32);
            ob[s] = ue;
            let d = ue4m3_to_fp32(ue);
            for j in 0..8 {
                let c0 = best_index_mxfp4(&KVALUES_MXFP4, F(xs[j]), d);
                let c1 = best_index_mxfp4(&KVALUES_MXFP4, F(xs[j + 8]), d);
                ob[4 + 8 * s + j] = c0 | (c1 << 4);
            }
        }
    })
}

#[inline]
fn kv(i: u8) -> F {
    F::int(i32::from(KVALUES_MXFP4[usize::from(i)]))
}

/// MXFP4: `y = kv[nib]·2^(e−128)` (e = 255 gives 2^127, not NaN).
pub(crate) fn dequantize_mxfp4(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 32, 17)? {
        let d = e8m0_to_fp32_half(b[0]);
        for j in 0..16 {
            y[j] = (kv(b[1 + j] & 0xf) * d).0;
            y[j + 16] = (kv(b[1 + j] >> 4) * d).0;
        }
    }
    Ok(())
}

/// NVFP4: `y = kv[nib]·ue4m3_to_fp32(d[s])` per 16.
pub(crate) fn dequantize_nvfp4(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 64, 36)? {
        for s in 0..4 {
            let d = ue4m3_to_fp32(b[s]);
            for j in 0..8 {
                let q = b[4 + 8 * s + j];
                y[16 * s + j] = (kv(q & 0xf) * d).0;
                y[16 * s + j + 8] = (kv(q >> 4) * d).0;
            }
        }
    }
    Ok(())
}
