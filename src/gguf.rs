//! GGUF (ggml) block layouts: Q4_0, Q4_1, Q8_0 and MXFP4 (32 elements per block) and NVFP4
//! (64 elements per block).
//!
//! ```text
//! Q4_0   18 bytes: f16 d | 16 bytes, byte j = q[j] | q[j+16] << 4      x = d · (q − 8)
//! Q4_1   20 bytes: f16 d | f16 m | 16 bytes, same nibble order          x = d · q + m
//! Q8_0   34 bytes: f16 d | 32 × i8                                      x = d · q
//! MXFP4  17 bytes: E8M0 e | 16 bytes, same nibble order, E2M1 codes     x = 2^(e−127) · e2m1(q)
//! NVFP4  36 bytes: 4 × UE4M3 d[s] | 4 × 8 bytes; sub-block s of 16 elements: byte 8s + j =
//!        q[16s + j] | q[16s + j + 8] << 4                              x = ue4m3(d[s]) · e2m1(q)
//! ```
//!
//! NVFP4 here is ggml's single-level variant (no tensor scale). Its UE4M3 decode follows ggml
//! (`ggml_ue4m3_to_fp32`): the top bit is ignored and 0x7F reads as 0.
//!
//! Q4_0, Q4_1 and Q8_0 quantize exactly as ggml's reference quantizers (`quantize_row_*_ref`
//! in ggml-quants.c), every step in f32, so files match llama.cpp's byte for byte. MXFP4
//! quantizes correctly rounded (OCP FLOOR scale from the bits, nearest-even elements); ggml's
//! own MXFP4 quantizer differs in two documented ways: its scale uses `floor(log2f(amax))`,
//! one too high when amax is just below a power of two, and it picks elements by argmin over
//! the 16 codes, which breaks ties toward the smaller magnitude instead of to even (and writes
//! +0 where a small negative rounds to −0 here).
//! Dequantization is exact for all five, and follows ggml for MXFP4's scale byte 0xFF
//! (2^128 · e2m1, not NaN).
//!
//! [`GgufProfile::Ggml`] reproduces ggml's own MXFP4 and NVFP4 quantizers byte for byte
//! instead, quirks included (see [`quantize_with`]).

use half::f16;

mod ggml;
mod grids;
pub use ggml::{__dequantize_by_name, __ggml_types, __quantize_by_name};

use crate::block::BlockFormat;
use crate::element::{ElementFormat, Format};
use crate::error::Error;
use crate::round::{Overflow, Rounding};

/// A GGUF block type.
///
/// ```
/// use lowbit::gguf::GgufType;
/// assert_eq!((GgufType::Q4_0.block_bytes(), GgufType::Q4_0.block_len()), (18, 32));
/// assert_eq!((GgufType::Nvfp4.block_bytes(), GgufType::Nvfp4.block_len()), (36, 64));
/// ```
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
    /// NVFP4 in ggml's block layout: 64 elements, four UE4M3 scales of 16.
    Nvfp4,
}

/// Elements per block of the 32-element types (all but [`GgufType::Nvfp4`]; see
/// [`GgufType::block_len`]).
pub const BLOCK: usize = 32;

/// Whose quantizer [`quantize_with`] follows. Dequantization is the same for both.
///
/// ```
/// use lowbit::gguf::{quantize_with, GgufProfile, GgufType};
/// // 2.5 in a block whose scale is 1 is a tie of 2 and 3: nearest-even picks 2, ggml's argmin
/// // picks the lower index, also 2; -0.2 rounds to -0 exactly and to +0 in ggml.
/// let mut x = [0f32; 32];
/// (x[0], x[1], x[2]) = (4.0, 2.5, -0.2);
/// let (mut a, mut b) = ([0u8; 17], [0u8; 17]);
/// quantize_with(GgufType::Mxfp4, GgufProfile::Exact, &x, &mut a).unwrap();
/// quantize_with(GgufType::Mxfp4, GgufProfile::Ggml, &x, &mut b).unwrap();
/// assert_eq!((a[3] & 15, b[3] & 15), (8, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum GgufProfile {
    /// Correct rounding: MXFP4 with the OCP FLOOR scale taken from the bits and nearest-even
    /// elements; NVFP4 with the UE4M3 scale `amax/6` and the elements `x/d` each rounded
    /// once to nearest even from their exact values. Q4_0, Q4_1 and Q8_0 are ggml's.
    #[default]
    Exact,
    /// ggml's reference quantizers (`quantize_row_mxfp4_ref`, `quantize_row_nvfp4_ref`) byte
    /// for byte: the MXFP4 scale `floor(log2f(amax)) − 2` with a correctly rounded f32
    /// `log2f` (one too high when amax is just below a power of two), elements by argmin of
    /// the f32 error over the 16 codes (ties to the lower index: toward the smaller
    /// magnitude, +0 rather than −0), and for NVFP4 ggml's UE4M3 encoder of `amax/6.0f`
    /// (mantissa rounded half up, `[256, 448]` mapped to 448, subnormals truncated from
    /// `x·512 + 0.5`). Exact for finite inputs with block amax in `[2^−125, 2^128)`
    /// (MXFP4) or any finite amax (NVFP4); ggml's byte arithmetic wraps outside that range
    /// and this crate clamps.
    Ggml,
}

impl GgufType {
    /// Bytes per block.
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufType::Q8_0.block_bytes(), 34);
    /// ```
    #[must_use]
    pub const fn block_bytes(self) -> usize {
        match self {
            GgufType::Q4_0 => 18,
            GgufType::Q4_1 => 20,
            GgufType::Q8_0 => 34,
            GgufType::Mxfp4 => 17,
            GgufType::Nvfp4 => 36,
        }
    }

    /// Elements per block: 64 for NVFP4, 32 for the others.
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufType::Mxfp4.block_len(), 32);
    /// ```
    #[must_use]
    pub const fn block_len(self) -> usize {
        match self {
            GgufType::Nvfp4 => 64,
            _ => BLOCK,
        }
    }

    fn check(self, n: usize, bytes: usize) -> Result<(), Error> {
        let bl = self.block_len();
        if !n.is_multiple_of(bl) {
            return Err(Error::Length {
                what: "GGUF element count (a multiple of the block length)",
                expected: crate::error::round_up(n, bl),
                actual: n,
            });
        }
        Error::check_len("GGUF bytes", n / bl * self.block_bytes(), bytes)
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

/// Quantizes `x` (a multiple of [`GgufType::block_len`] long) into GGUF blocks with the
/// default, correctly rounding profile ([`GgufProfile::Exact`]).
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
    quantize_with(t, GgufProfile::Exact, x, out)
}

/// Quantizes `x` into GGUF blocks following `profile`.
///
/// ```
/// use lowbit::gguf::{quantize_with, GgufProfile, GgufType};
/// // amax one ulp below 8: log2f rounds up to 3, so ggml's scale is twice OCP's.
/// let mut x = [0.0f32; 32];
/// x[0] = f32::from_bits(8.0f32.to_bits() - 1);
/// let (mut a, mut b) = ([0u8; 17], [0u8; 17]);
/// quantize_with(GgufType::Mxfp4, GgufProfile::Exact, &x, &mut a).unwrap();
/// quantize_with(GgufType::Mxfp4, GgufProfile::Ggml, &x, &mut b).unwrap();
/// assert_eq!((a[0], b[0]), (127, 128));
/// ```
///
/// # Errors
/// A length that is not a multiple of the block length, or a wrong output size.
pub fn quantize_with(
    t: GgufType,
    profile: GgufProfile,
    x: &[f32],
    out: &mut [u8],
) -> Result<(), Error> {
    t.check(x.len(), out.len())?;
    let bb = t.block_bytes();
    for (xb, ob) in x.chunks_exact(t.block_len()).zip(out.chunks_exact_mut(bb)) {
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
            GgufType::Nvfp4 => nvfp4_block(profile, xb, ob),
            GgufType::Mxfp4 if profile == GgufProfile::Ggml => {
                let e = ggml_mxfp4_scale(xb);
                let d = crate::element::convert::pow2_f64(e as i32 - 127) as f32;
                for (c, &v) in q.iter_mut().zip(xb) {
                    *c = argmin_e2m1(v, d);
                }
                ob[0] = e;
                put_nibbles(&q, &mut ob[1..]);
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
///
/// ```
/// use lowbit::gguf::{dequantize, GgufType};
/// // Q8_0: f16 scale 0.5 (0x3800), then 32 signed bytes.
/// let mut b = vec![0x00, 0x38];
/// b.extend((0..32).map(|i| i as u8));
/// let mut y = [0f32; 32];
/// dequantize(GgufType::Q8_0, &b, &mut y).unwrap();
/// assert_eq!((y[1], y[31]), (0.5, 15.5));
/// ```
pub fn dequantize(t: GgufType, bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    t.check(out.len(), bytes.len())?;
    let e2m1 = ElementFormat::FLOAT4_E2M1FN;
    for (ob, b) in out
        .chunks_exact_mut(t.block_len())
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
            GgufType::Nvfp4 => {
                for (s, os) in ob.chunks_exact_mut(16).enumerate() {
                    let d = ggml_ue4m3_to_f32(b[s]);
                    let qs = &b[4 + 8 * s..12 + 8 * s];
                    for (j, o) in os.iter_mut().enumerate() {
                        let c = if j < 8 { qs[j] & 15 } else { qs[j - 8] >> 4 };
                        *o = d * e2m1.decode(c as u32);
                    }
                }
            }
            GgufType::Mxfp4 => {
                // ggml: e8m0_to_fp32_half(e) · (2 · e2m1) = 2^(e−127) · e2m1, 0xFF included.
                let scale = crate::element::convert::pow2_f64(b[0] as i32 - 127);
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
///
/// ```
/// use lowbit::gguf::mxfp4_from_ocp;
/// // gpt-oss stores element 2j in the low nibble; GGUF stores element j with j + 16.
/// let blocks: Vec<u8> = (0..16u8).map(|j| (2 * j % 16) | ((2 * j + 1) % 16) << 4).collect();
/// let mut g = [0u8; 17];
/// mxfp4_from_ocp(&blocks, &[127], &mut g).unwrap();
/// assert_eq!((g[0], g[1]), (127, 0x00)); // elements 0 and 16 are both code 0
/// ```
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
///
/// ```
/// use lowbit::gguf::{mxfp4_from_ocp, mxfp4_to_ocp};
/// let blocks: Vec<u8> = (0..16).map(|j| j as u8 * 17).collect();
/// let mut g = [0u8; 17];
/// mxfp4_from_ocp(&blocks, &[120], &mut g).unwrap();
/// let (mut b2, mut s2) = ([0u8; 16], [0u8; 1]);
/// mxfp4_to_ocp(&g, &mut b2, &mut s2).unwrap();
/// assert_eq!((b2.to_vec(), s2), (blocks, [120]));
/// ```
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

/// E2M1 magnitudes, the order of codes 0..=7.
const E2M1_MAG: [f32; 8] = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0];

/// ggml's `best_index_mxfp4(x, d/2)` with its doubled table: the code whose value `d·e2m1`
/// has the smallest f32 error `|d·e2m1 − x|`, the lowest code on ties (codes 0..=7 are
/// +0..+6, 8..=15 are −0..−6, so +0 wins over −0 and the smaller magnitude wins a tie).
fn argmin_e2m1(x: f32, d: f32) -> u8 {
    let mut best = (0u8, (0.0f32 * d - x).abs());
    for c in 1..16u8 {
        let v = E2M1_MAG[c as usize & 7] * d;
        let v = if c >= 8 { -v } else { v };
        let err = (v - x).abs();
        if err < best.1 {
            best = (c, err);
        }
    }
    best.0
}

/// ggml's MXFP4 scale byte `floor(log2f(amax)) − 2 + 127` (0 for amax = 0), with `log2f`
/// correctly rounded to f32: for amax = m·2^e (1 ≤ m < 2), `fl(e + log2 m)` reaches e + 1
/// when log2 m is within half the gap below e + 1 of it. Clamped to 0..=254.
fn ggml_mxfp4_scale(xb: &[f32]) -> u8 {
    let amax = xb
        .iter()
        .fold(0f32, |m, v| if v.abs() > m { v.abs() } else { m });
    if amax <= 0.0 || !amax.is_finite() {
        return if amax > 0.0 { 254 } else { 0 };
    }
    let (_, class) = crate::element::convert::split_f32(amax);
    let crate::element::convert::Class::Finite(m) = class else {
        return 0;
    };
    let e = m.exp;
    // Half the gap between T = e + 1 and the f32 next below it.
    let t = (e + 1) as f32;
    let below = if t > 0.0 {
        f32::from_bits(t.to_bits() - 1)
    } else if t < 0.0 {
        f32::from_bits(t.to_bits() + 1)
    } else {
        -f32::from_bits(1)
    };
    let delta = (t as f64 - below as f64) / 2.0;
    // m >= 2^(1 − delta) = 2·exp2(−delta), by its series (delta <= 2^-17 here, so three
    // terms are exact far beyond f32's 2^-23 grid of m).
    let z = delta * core::f64::consts::LN_2;
    let threshold = 2.0 * (1.0 - z + z * z / 2.0 - z * z * z / 6.0);
    let mant = f64::from_bits(0x3FF0_0000_0000_0000 | (m.sig << 1 >> 12));
    let fl = e + (t != 0.0 && mant >= threshold) as i32;
    (fl - 2 + 127).clamp(0, 254) as u8
}

/// ggml's `ggml_ue4m3_to_fp32` without its ×0.5 (which pairs with its doubled E2M1 table):
/// bit 7 ignored, exponent bias 7, subnormals `m·2^−9`, 0 and 0x7F read as 0.
fn ggml_ue4m3_to_f32(b: u8) -> f32 {
    if b == 0 || b == 0x7F {
        return 0.0;
    }
    let (e, m) = ((b >> 3) & 15, (b & 7) as f32);
    if e == 0 {
        m * (1.0 / 512.0)
    } else {
        (1.0 + m / 8.0) * crate::element::convert::pow2_f64(e as i32 - 7) as f32
    }
}

/// ggml's `ggml_fp32_to_ue4m3`: clamp to [0, 448]; subnormals `min(trunc(x·512 + 0.5), 7)`;
/// normals round the mantissa half up on the 4th bit; exponents from 15 up give 0x7E (448).
fn ggml_f32_to_ue4m3(x: f32) -> u8 {
    let x = x.clamp(0.0, 448.0);
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    let bits = x.to_bits();
    let exp = ((bits >> 23) & 0xFF) as i32 - 127 + 7;
    if exp <= 0 {
        return ((x * 512.0 + 0.5) as i32).clamp(0, 7) as u8;
    }
    if exp >= 15 {
        return 0x7E;
    }
    let mut man = ((bits >> 20) & 7) + ((bits >> 19) & 1);
    let mut exp = exp as u32;
    if man > 7 {
        man = 0;
        exp += 1;
    }
    if exp >= 15 {
        0x7E
    } else {
        (exp << 3 | man) as u8
    }
}

/// One GGUF NVFP4 block of 64 elements (four sub-blocks of 16).
fn nvfp4_block(profile: GgufProfile, xb: &[f32], ob: &mut [u8]) {
    let (e4m3, e2m1) = (ElementFormat::FLOAT8_E4M3FN, ElementFormat::FLOAT4_E2M1FN);
    for (s, xs) in xb.chunks_exact(16).enumerate() {
        let amax = xs
            .iter()
            .fold(0f32, |m, v| if m < v.abs() { v.abs() } else { m });
        let mut q = [0u8; 16];
        let sb = match profile {
            GgufProfile::Ggml => {
                let sb = ggml_f32_to_ue4m3(amax / 6.0f32);
                let d = ggml_ue4m3_to_f32(sb);
                for (c, &v) in q.iter_mut().zip(xs) {
                    *c = argmin_e2m1(v, d);
                }
                sb
            }
            GgufProfile::Exact => {
                // amax/6 and x/d rounded once each: the f64 quotients of f32 operands cannot
                // fall exactly on an E4M3 or E2M1 midpoint unless they are exact.
                let sb =
                    e4m3.encode_f64(amax as f64 / 6.0, Rounding::NearestEven, Overflow::Saturate)
                        as u8
                        & 0x7F;
                let d = ggml_ue4m3_to_f32(sb) as f64;
                if d > 0.0 {
                    for (c, &v) in q.iter_mut().zip(xs) {
                        *c = e2m1.encode_f64(
                            v as f64 / d,
                            Rounding::NearestEven,
                            Overflow::Saturate,
                        ) as u8;
                    }
                }
                sb
            }
        };
        ob[s] = sb;
        for j in 0..8 {
            ob[4 + 8 * s + j] = q[j] | q[j + 8] << 4;
        }
    }
}
