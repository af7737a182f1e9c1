//! GGUF (ggml) block layouts: Q4_0, Q4_1, Q8_0 and MXFP4, 32 elements per block.
//!
//! ```text
//! Q4_0   18 bytes: f16 d | 16 bytes, byte j = q[j] | q[j+16] << 4      x = d · (q − 8)
//! Q4_1   20 bytes: f16 d | f16 m | 16 bytes, same nibble order          x = d · q + m
//! Q8_0   34 bytes: f16 d | 32 × i8                                      x = d · q
//! MXFP4  17 bytes: E8M0 e | 16 bytes, same nibble order, E2M1 codes     x = 2^(e−127) · e2m1(q)
//! ```
//!
//! Q4_0, Q4_1 and Q8_0 quantize exactly as ggml's reference quantizers (`quantize_row_*_ref`
//! in ggml-quants.c), every step in f32, so files match llama.cpp's byte for byte. MXFP4
//! quantizes correctly rounded (OCP FLOOR scale from the bits, nearest-even elements); ggml's
//! own MXFP4 quantizer differs in two documented ways: its scale uses `floor(log2f(amax))`,
//! one too high when amax is just below a power of two, and it picks elements by argmin over
//! the 16 codes, which breaks ties toward the smaller magnitude instead of to even (and writes
//! +0 where a small negative rounds to −0 here).
//! Dequantization is exact for all four, and follows ggml for MXFP4's scale byte 0xFF
//! (2^128 · e2m1/2, not NaN).

use half::f16;

use crate::block::BlockFormat;
use crate::error::Error;
use crate::format::{ElementFormat, Format};
use crate::round::{Overflow, Rounding};

/// A GGUF block type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GgufType {
    /// 4-bit symmetric, f16 scale.
    Q4_0,
    /// 4-bit with f16 scale and f16 minimum.
    Q4_1,
    /// 8-bit symmetric, f16 scale.
    Q8_0,
    /// OCP MXFP4 in ggml's block layout.
    Mxfp4,
}

/// Elements per block for every type here.
pub const BLOCK: usize = 32;

impl GgufType {
    /// Bytes per 32-element block.
    pub const fn block_bytes(self) -> usize {
        match self {
            GgufType::Q4_0 => 18,
            GgufType::Q4_1 => 20,
            GgufType::Q8_0 => 34,
            GgufType::Mxfp4 => 17,
        }
    }

    fn check(self, n: usize, bytes: usize) -> Result<(), Error> {
        if n % BLOCK != 0 {
            return Err(Error::Length {
                what: "GGUF element count (a multiple of 32)",
                expected: n.next_multiple_of(BLOCK),
                actual: n,
            });
        }
        Error::check_len("GGUF bytes", n / BLOCK * self.block_bytes(), bytes)
    }
}

/// 4-bit codes of a block into ggml's split-half nibble order.
fn put_nibbles(q: &[u8; BLOCK], out: &mut [u8]) {
    for j in 0..16 {
        out[j] = q[j] | q[j + 16] << 4;
    }
}

fn nibble(bytes: &[u8], i: usize) -> u8 {
    if i < 16 {
        bytes[i] & 15
    } else {
        bytes[i - 16] >> 4
    }
}

fn f16_bytes(v: f32) -> [u8; 2] {
    f16::from_f32(v).to_le_bytes()
}

fn f16_at(b: &[u8], i: usize) -> f32 {
    f16::from_le_bytes([b[i], b[i + 1]]).to_f32()
}

/// `1/d`, or 0 when `d` is 0 (ggml's `id`).
fn inv(d: f32) -> f32 {
    if d == 0.0 { 0.0 } else { 1.0f32 / d }
}

/// Quantizes `x` (a multiple of 32 long) into GGUF blocks.
///
/// ```
/// use lowbit::gguf::{quantize, dequantize, GgufType};
/// let x: Vec<f32> = (0..32).map(|i| i as f32 - 16.0).collect();
/// let mut q = vec![0u8; GgufType::Q8_0.block_bytes()];
/// quantize(GgufType::Q8_0, &x, &mut q).unwrap();
/// let mut y = vec![0f32; 32];
/// dequantize(GgufType::Q8_0, &q, &mut y).unwrap();
/// assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() <= 16.0 / 254.0));
/// ```
///
/// # Errors
/// A length that is not a multiple of 32, or a wrong output size.
pub fn quantize(t: GgufType, x: &[f32], out: &mut [u8]) -> Result<(), Error> {
    t.check(x.len(), out.len())?;
    let bb = t.block_bytes();
    for (xb, ob) in x.chunks_exact(BLOCK).zip(out.chunks_exact_mut(bb)) {
        let mut q = [0u8; BLOCK];
        match t {
            GgufType::Q4_0 => {
                // The signed value of largest magnitude (first one on ties); d = max / −8.
                let mut max = 0f32;
                let mut amax = 0f32;
                for &v in xb {
                    if v.abs() > amax {
                        amax = v.abs();
                        max = v;
                    }
                }
                let d = max / -8.0;
                let id = inv(d);
                for (c, &v) in q.iter_mut().zip(xb) {
                    // trunc(x·id + 8.5), in [0.5, 16.5], clamped to 15.
                    *c = ((v * id + 8.5) as i32).clamp(0, 15) as u8;
                }
                ob[..2].copy_from_slice(&f16_bytes(d));
                put_nibbles(&q, &mut ob[2..]);
            }
            GgufType::Q4_1 => {
                let (mut min, mut max) = (f32::INFINITY, f32::NEG_INFINITY);
                for &v in xb {
                    min = if v < min { v } else { min };
                    max = if v > max { v } else { max };
                }
                let d = (max - min) / 15.0;
                let id = inv(d);
                for (c, &v) in q.iter_mut().zip(xb) {
                    *c = (((v - min) * id + 0.5) as i32).clamp(0, 15) as u8;
                }
                ob[..2].copy_from_slice(&f16_bytes(d));
                ob[2..4].copy_from_slice(&f16_bytes(min));
                put_nibbles(&q, &mut ob[4..]);
            }
            GgufType::Q8_0 => {
                let amax = xb
                    .iter()
                    .fold(0f32, |m, v| if v.abs() > m { v.abs() } else { m });
                let d = amax / 127.0;
                let id = inv(d);
                ob[..2].copy_from_slice(&f16_bytes(d));
                for (o, &v) in ob[2..].iter_mut().zip(xb) {
                    // roundf: half away from zero; |x·id| <= 127.
                    *o = ElementFormat::INT8.encode(
                        v * id,
                        Rounding::NearestAway,
                        Overflow::Saturate,
                    ) as u8;
                }
            }
            GgufType::Mxfp4 => {
                let mx = BlockFormat::MXFP4;
                let mut codes = [0u8; 16];
                let mut scale = [0u8; 1];
                mx.quantize(xb, &mut codes, &mut scale)?;
                // OCP order (element 2j low nibble) to ggml's split-half order.
                for i in 0..BLOCK {
                    q[i] = (codes[i / 2] >> (4 * (i % 2))) & 15;
                }
                ob[0] = scale[0];
                put_nibbles(&q, &mut ob[1..]);
            }
        }
    }
    Ok(())
}

/// Dequantizes GGUF blocks.
///
/// # Errors
/// As [`quantize`].
pub fn dequantize(t: GgufType, bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    t.check(out.len(), bytes.len())?;
    let e2m1 = ElementFormat::FLOAT4_E2M1FN;
    for (ob, b) in out
        .chunks_exact_mut(BLOCK)
        .zip(bytes.chunks_exact(t.block_bytes()))
    {
        match t {
            GgufType::Q4_0 => {
                let d = f16_at(b, 0);
                for (i, o) in ob.iter_mut().enumerate() {
                    *o = d * (nibble(&b[2..], i) as i32 - 8) as f32;
                }
            }
            GgufType::Q4_1 => {
                let (d, m) = (f16_at(b, 0), f16_at(b, 2));
                for (i, o) in ob.iter_mut().enumerate() {
                    *o = d * nibble(&b[4..], i) as f32 + m;
                }
            }
            GgufType::Q8_0 => {
                let d = f16_at(b, 0);
                for (o, &q) in ob.iter_mut().zip(&b[2..]) {
                    *o = q as i8 as f32 * d;
                }
            }
            GgufType::Mxfp4 => {
                // ggml: e8m0_to_fp32_half(e) · (2 · e2m1) = 2^(e−127) · e2m1, 0xFF included.
                let scale = crate::convert::pow2_f64(b[0] as i32 - 127);
                for (i, o) in ob.iter_mut().enumerate() {
                    *o = (e2m1.decode_f64(nibble(&b[1..], i) as u32) * scale) as f32;
                }
            }
        }
    }
    Ok(())
}

/// Re-packs OCP / gpt-oss MXFP4 (`blocks`: 16 bytes per 32 elements, element 2j in the low
/// nibble; `scales`: one E8M0 byte per block — what [`BlockFormat::quantize`] writes for
/// MXFP4) into GGUF MXFP4 blocks. Lossless.
///
/// # Errors
/// Lengths that disagree (`blocks` = 16 × blocks, `scales` = blocks, `out` = 17 × blocks).
pub fn mxfp4_from_ocp(blocks: &[u8], scales: &[u8], out: &mut [u8]) -> Result<(), Error> {
    Error::check_len("OCP MXFP4 blocks", scales.len() * 16, blocks.len())?;
    Error::check_len("GGUF MXFP4 bytes", scales.len() * 17, out.len())?;
    for ((b, &s), o) in blocks
        .chunks_exact(16)
        .zip(scales)
        .zip(out.chunks_exact_mut(17))
    {
        let mut q = [0u8; BLOCK];
        for (i, c) in q.iter_mut().enumerate() {
            *c = (b[i / 2] >> (4 * (i % 2))) & 15;
        }
        o[0] = s;
        put_nibbles(&q, &mut o[1..]);
    }
    Ok(())
}

/// The inverse of [`mxfp4_from_ocp`]: GGUF MXFP4 blocks to OCP / gpt-oss `blocks` and
/// `scales`. Lossless.
///
/// # Errors
/// Lengths that disagree.
pub fn mxfp4_to_ocp(gguf: &[u8], blocks: &mut [u8], scales: &mut [u8]) -> Result<(), Error> {
    Error::check_len("GGUF MXFP4 bytes", scales.len() * 17, gguf.len())?;
    Error::check_len("OCP MXFP4 blocks", scales.len() * 16, blocks.len())?;
    for ((g, b), s) in gguf
        .chunks_exact(17)
        .zip(blocks.chunks_exact_mut(16))
        .zip(scales.iter_mut())
    {
        *s = g[0];
        for (j, o) in b.iter_mut().enumerate() {
            *o = nibble(&g[1..], 2 * j) | nibble(&g[1..], 2 * j + 1) << 4;
        }
    }
    Ok(())
}
