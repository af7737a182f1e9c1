//! GGUF's ternary blocks TQ1_0 and TQ2_0, byte-exact with ggml's reference quantizers.

use half::f16;

use crate::element::{ElementFormat, Format};
use crate::error::Error;
use crate::round::{Overflow, Rounding};

/// Bytes of one GGUF TQ2_0 block (256 weights): 64 bytes of 2-bit codes, then f16 `d`.
const TQ2_0_BLOCK_BYTES: usize = 66;
/// Bytes of one GGUF TQ1_0 block (256 weights): 48 bytes of 5-trit bytes, 4 bytes of 4-trit
/// bytes, then f16 `d`.
const TQ1_0_BLOCK_BYTES: usize = 54;
const QK: usize = 256;

/// `x` rounded to an integer with `r` and clamped to [−1, 1] (NaN gives 0), through the
/// crate's one conversion routine.
fn trit(x: f32, r: Rounding) -> i8 {
    ElementFormat::Ternary.encode(x, r, Overflow::Saturate) as i8 - 1
}

/// ggml's per-block ternary quantization: `d = max|x|`, `q = round_half_away(x · (1/d)) + 1`.
fn tq_block_codes(x: &[f32], codes: &mut [u8; QK]) -> f16 {
    let d = super::ggml_amax(x);
    let id = if d == 0.0 { 0.0 } else { 1.0f32 / d };
    for (c, &v) in codes.iter_mut().zip(x) {
        // ggml's lroundf: half away from zero (values lie in [-1, 1]).
        *c = (trit(v * id, Rounding::NearestAway) + 1) as u8;
    }
    f16::from_f32(d)
}

/// Quantizes to GGUF TQ2_0 blocks, byte-exact with ggml (`quantize_row_tq2_0_ref`): in each
/// 32-byte group, byte `m` holds elements `m + 32n` at bits `2n`.
///
/// # Errors
/// A length that is not a multiple of 256, or a wrong output size.
pub(super) fn quantize_tq2_0(x: &[f32], out: &mut [u8]) -> Result<(), Error> {
    let mut codes = [0u8; QK];
    for (xb, ob) in x
        .chunks_exact(QK)
        .zip(out.chunks_exact_mut(TQ2_0_BLOCK_BYTES))
    {
        let d = tq_block_codes(xb, &mut codes);
        for g in 0..2 {
            for m in 0..32 {
                let c = &codes[g * 128..];
                ob[g * 32 + m] = c[m] | c[m + 32] << 2 | c[m + 64] << 4 | c[m + 96] << 6;
            }
        }
        ob[64..66].copy_from_slice(&d.to_le_bytes());
    }
    Ok(())
}

/// Dequantizes GGUF TQ2_0 blocks: `d · (code − 1)`.
///
/// # Errors
/// As [`quantize_tq2_0`].
pub(super) fn dequantize_tq2_0(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (ob, b) in out
        .chunks_exact_mut(QK)
        .zip(bytes.chunks_exact(TQ2_0_BLOCK_BYTES))
    {
        let d = f16::from_le_bytes([b[64], b[65]]).to_f32();
        for g in 0..2 {
            for n in 0..4 {
                for m in 0..32 {
                    let c = (b[g * 32 + m] >> (2 * n)) & 3;
                    ob[g * 128 + n * 32 + m] = d * (c as i32 - 1) as f32;
                }
            }
        }
    }
    Ok(())
}

/// Packs `k` trits (most significant first) as ggml's TQ1_0 does: the base-3 number scaled to
/// a byte, rounding up (`(v · 256 + 242) / 243`), so that trit `i` is recovered as
/// `((byte · 3^i) mod 256 · 3) >> 8`.
fn tq1_byte(trits: impl Iterator<Item = u8>) -> u8 {
    let v = trits.fold(0u16, |acc, t| acc * 3 + t as u16);
    (v * 256).div_ceil(243) as u8
}

fn tq1_trit(byte: u8, i: u32) -> u8 {
    let q = byte.wrapping_mul(3u8.pow(i));
    ((q as u16 * 3) >> 8) as u8
}

/// Quantizes to GGUF TQ1_0 blocks (1.6875 bits per weight), byte-exact with ggml
/// (`quantize_row_tq1_0_ref`): elements 0..160 as 32 bytes of 5 trits (byte `m` holds elements
/// `m + 32n`), 160..240 as 16 bytes of 5 trits (`160 + m + 16n`), 240..256 as 4 bytes of 4
/// trits (`240 + m + 4n`), then f16 `d`.
///
/// # Errors
/// A length that is not a multiple of 256, or a wrong output size.
pub(super) fn quantize_tq1_0(x: &[f32], out: &mut [u8]) -> Result<(), Error> {
    let mut c = [0u8; QK];
    for (xb, ob) in x
        .chunks_exact(QK)
        .zip(out.chunks_exact_mut(TQ1_0_BLOCK_BYTES))
    {
        let d = tq_block_codes(xb, &mut c);
        for m in 0..32 {
            ob[m] = tq1_byte((0..5).map(|n| c[m + 32 * n]));
        }
        for m in 0..16 {
            ob[32 + m] = tq1_byte((0..5).map(|n| c[160 + m + 16 * n]));
        }
        for m in 0..4 {
            // Four trits in the top places of a five-trit number.
            ob[48 + m] = tq1_byte((0..4).map(|n| c[240 + m + 4 * n]).chain([0]));
        }
        ob[52..54].copy_from_slice(&d.to_le_bytes());
    }
    Ok(())
}

/// Dequantizes GGUF TQ1_0 blocks.
///
/// # Errors
/// As [`quantize_tq1_0`].
pub(super) fn dequantize_tq1_0(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (ob, b) in out
        .chunks_exact_mut(QK)
        .zip(bytes.chunks_exact(TQ1_0_BLOCK_BYTES))
    {
        let d = f16::from_le_bytes([b[52], b[53]]).to_f32();
        let val = |byte: u8, n: u32| d * (tq1_trit(byte, n) as i32 - 1) as f32;
        for n in 0..5 {
            for m in 0..32 {
                ob[m + 32 * n as usize] = val(b[m], n);
            }
            for m in 0..16 {
                ob[160 + m + 16 * n as usize] = val(b[32 + m], n);
            }
        }
        for n in 0..4 {
            for m in 0..4 {
                ob[240 + m + 4 * n as usize] = val(b[48 + m], n);
            }
        }
    }
    Ok(())
}
