//! GGUF (ggml) block types: Q4_0, Q4_1, Q8_0 and MXFP4 (32 elements per block), NVFP4 (64),
//! TQ1_0 and TQ2_0 (256). Each is a scaled format (its element, its scale and the region it
//! covers) in ggml's block layout, with ggml's own arithmetic.
//!
//! ```text
//! Q4_0   18 bytes: f16 d | 16 bytes, byte j = q[j] | q[j+16] << 4      x = d · (q − 8)
//! Q4_1   20 bytes: f16 d | f16 m | 16 bytes, same nibble order          x = d · q + m
//! Q8_0   34 bytes: f16 d | 32 × i8                                      x = d · q
//! MXFP4  17 bytes: E8M0 e | 16 bytes, same nibble order, E2M1 codes     x = 2^(e−127) · e2m1(q)
//! NVFP4  36 bytes: 4 × UE4M3 d[s] | 4 × 8 bytes; sub-block s of 16 elements: byte 8s + j =
//!        q[16s + j] | q[16s + j + 8] << 4                              x = ue4m3(d[s]) · e2m1(q)
//! TQ2_0  66 bytes: 64 bytes of 2-bit codes (byte m of each 32-byte group: elements m + 32n at
//!        bits 2n) | f16 d                                               x = d · (q − 1)
//! TQ1_0  54 bytes: 48 bytes of five trits, 4 bytes of four trits (base 3 scaled to a byte)
//!        | f16 d                                                        x = d · (q − 1)
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
//! instead, quirks included (see [`quantize_profile`]).

mod fp4;
mod tq;

use half::f16;

mod ggml;
mod grids;
pub use ggml::{__dequantize_by_name, __ggml_types, __quantize_by_name};

use crate::element::{ElementFormat, Format};
use crate::error::Error;
use crate::pack::{self, Layout};
use crate::round::{Overflow, Rounding};
use crate::scaled::BlockFormat;

/// A GGUF block type.
///
/// ```
/// use lowbit::gguf::GgufType;
/// assert_eq!((GgufType::Q4_0.block_bytes(), GgufType::Q4_0.block_len()), (18, 32));
/// assert_eq!((GgufType::Nvfp4.block_bytes(), GgufType::Nvfp4.block_len()), (36, 64));
/// assert_eq!(GgufType::from_id(GgufType::Tq2_0.id()), Some(GgufType::Tq2_0));
/// assert_eq!("mxfp4".parse::<GgufType>().unwrap(), GgufType::Mxfp4);
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
    /// Ternary in 2 bits per weight, f16 scale.
    Tq2_0,
    /// Ternary in 1.6875 bits per weight (base 3), f16 scale.
    Tq1_0,
    /// OCP MXFP4 in ggml's block layout.
    Mxfp4,
    /// NVFP4 in ggml's block layout: 64 elements, four UE4M3 scales of 16.
    Nvfp4,
}

/// One row of the type table: ggml's name and `enum ggml_type` number, elements and bytes
/// per block (ggml-common.h).
struct Info {
    t: GgufType,
    name: &'static str,
    id: u32,
    block_len: usize,
    block_bytes: usize,
}

const TYPES: &[Info] = &[
    Info {
        t: GgufType::Q4_0,
        name: "q4_0",
        id: 2,
        block_len: 32,
        block_bytes: 18,
    },
    Info {
        t: GgufType::Q4_1,
        name: "q4_1",
        id: 3,
        block_len: 32,
        block_bytes: 20,
    },
    Info {
        t: GgufType::Q8_0,
        name: "q8_0",
        id: 8,
        block_len: 32,
        block_bytes: 34,
    },
    Info {
        t: GgufType::Tq1_0,
        name: "tq1_0",
        id: 34,
        block_len: 256,
        block_bytes: 54,
    },
    Info {
        t: GgufType::Tq2_0,
        name: "tq2_0",
        id: 35,
        block_len: 256,
        block_bytes: 66,
    },
    Info {
        t: GgufType::Mxfp4,
        name: "mxfp4",
        id: 39,
        block_len: 32,
        block_bytes: 17,
    },
    Info {
        t: GgufType::Nvfp4,
        name: "nvfp4",
        id: 40,
        block_len: 64,
        block_bytes: 36,
    },
];

/// Elements per block of the 32-element types (see [`GgufType::block_len`]).
pub const BLOCK: usize = 32;

/// Whose quantizer [`quantize_profile`] follows. Dequantization is the same for both.
///
/// ```
/// use lowbit::gguf::{quantize_profile, GgufProfile, GgufType};
/// // 2.5 in a block whose scale is 1 is a tie of 2 and 3: nearest-even picks 2, ggml's argmin
/// // picks the lower index, also 2; -0.2 rounds to -0 exactly and to +0 in ggml.
/// let mut x = [0f32; 32];
/// (x[0], x[1], x[2]) = (4.0, 2.5, -0.2);
/// let (mut a, mut b) = ([0u8; 17], [0u8; 17]);
/// quantize_profile(GgufType::Mxfp4, GgufProfile::Exact, &x, &mut a).unwrap();
/// quantize_profile(GgufType::Mxfp4, GgufProfile::Ggml, &x, &mut b).unwrap();
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
    /// Every type, in ggml's id order.
    pub const ALL: [GgufType; 7] = [
        GgufType::Q4_0,
        GgufType::Q4_1,
        GgufType::Q8_0,
        GgufType::Tq1_0,
        GgufType::Tq2_0,
        GgufType::Mxfp4,
        GgufType::Nvfp4,
    ];

    fn info(self) -> &'static Info {
        match TYPES.iter().find(|i| i.t == self) {
            Some(i) => i,
            None => unreachable!("every type has a table row"),
        }
    }

    /// Bytes per block.
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufType::Q8_0.block_bytes(), 34);
    /// ```
    #[must_use]
    pub fn block_bytes(self) -> usize {
        self.info().block_bytes
    }

    /// Elements per block.
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufType::Mxfp4.block_len(), 32);
    /// assert_eq!(lowbit::gguf::GgufType::Tq1_0.block_len(), 256);
    /// ```
    #[must_use]
    pub fn block_len(self) -> usize {
        self.info().block_len
    }

    /// ggml's `enum ggml_type` number, as GGUF files store it.
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufType::Q8_0.id(), 8);
    /// ```
    #[must_use]
    pub fn id(self) -> u32 {
        self.info().id
    }

    /// The type with ggml's number `id`, if this crate has it.
    ///
    /// ```
    /// use lowbit::gguf::GgufType;
    /// assert_eq!(GgufType::from_id(39), Some(GgufType::Mxfp4));
    /// assert_eq!(GgufType::from_id(1000), None);
    /// ```
    #[must_use]
    pub fn from_id(id: u32) -> Option<GgufType> {
        TYPES.iter().find(|i| i.id == id).map(|i| i.t)
    }

    /// `n` elements in whole blocks, and `bytes` the size of those blocks.
    fn check(self, n: usize, bytes: usize) -> Result<usize, Error> {
        let bl = self.block_len();
        if !n.is_multiple_of(bl) {
            return Err(Error::Length {
                what: "GGUF element count (a multiple of the block length)",
                expected: crate::error::round_up(n, bl),
                actual: n,
            });
        }
        let want = crate::error::mul("GGUF bytes", n / bl, self.block_bytes())?;
        Error::check_len("GGUF bytes", want, bytes)?;
        Ok(n / bl)
    }
}

impl core::fmt::Display for GgufType {
    /// ggml's type name (`ggml_type_name`).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.info().name)
    }
}

impl core::str::FromStr for GgufType {
    type Err = Error;

    /// ggml's type names (`q4_0`, `mxfp4`, `tq2_0`, …).
    fn from_str(s: &str) -> Result<Self, Error> {
        TYPES
            .iter()
            .find(|i| i.name == s)
            .map(|i| i.t)
            .ok_or_else(|| Error::UnknownName(crate::error::NameBuf::new(s)))
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

/// A block's largest magnitude as ggml's reference quantizers take it: `fmaxf` of the
/// magnitudes, which skips NaN.
fn ggml_amax(x: &[f32]) -> f32 {
    x.iter()
        .fold(0f32, |m, v| if v.abs() > m { v.abs() } else { m })
}

/// Writes 32 codes (one per byte, below 16) in GGUF's split-half order.
fn split_half(q: &[u8; BLOCK], out: &mut [u8]) {
    if pack::pack(q, 4, Layout::SplitHalf, &mut out[..16]).is_err() {
        unreachable!("32 four-bit codes fill 16 bytes");
    }
}

/// Reads 32 codes in GGUF's split-half order.
fn unsplit_half(bytes: &[u8]) -> [u8; BLOCK] {
    let mut q = [0u8; BLOCK];
    if pack::unpack(&bytes[..16], 4, Layout::SplitHalf, &mut q).is_err() {
        unreachable!("16 bytes hold 32 four-bit codes");
    }
    q
}

/// Quantizes `x` (a multiple of [`GgufType::block_len`] long) into GGUF blocks with the
/// default profile ([`GgufProfile::Exact`]: ggml's quantizers, except MXFP4 and NVFP4,
/// which round correctly).
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
    quantize_profile(t, GgufProfile::Exact, x, out)
}

/// Quantizes `x` into GGUF blocks following `profile`.
///
/// ```
/// use lowbit::gguf::{quantize_profile, GgufProfile, GgufType};
/// // amax one ulp below 8: log2f rounds up to 3, so ggml's scale is twice OCP's.
/// let mut x = [0.0f32; 32];
/// x[0] = f32::from_bits(8.0f32.to_bits() - 1);
/// let (mut a, mut b) = ([0u8; 17], [0u8; 17]);
/// quantize_profile(GgufType::Mxfp4, GgufProfile::Exact, &x, &mut a).unwrap();
/// quantize_profile(GgufType::Mxfp4, GgufProfile::Ggml, &x, &mut b).unwrap();
/// assert_eq!((a[0], b[0]), (127, 128));
/// ```
///
/// # Errors
/// A length that is not a multiple of the block length, or a wrong output size.
pub fn quantize_profile(
    t: GgufType,
    profile: GgufProfile,
    x: &[f32],
    out: &mut [u8],
) -> Result<(), Error> {
    t.check(x.len(), out.len())?;
    match t {
        GgufType::Tq1_0 => return tq::quantize_tq1_0(x, out),
        GgufType::Tq2_0 => return tq::quantize_tq2_0(x, out),
        _ => {}
    }
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
                split_half(&q, &mut ob[2..]);
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
                split_half(&q, &mut ob[4..]);
            }
            GgufType::Q8_0 => {
                let d = ggml_amax(xb) / 127.0;
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
            GgufType::Nvfp4 => fp4::nvfp4_block(profile, xb, ob),
            GgufType::Mxfp4 if profile == GgufProfile::Ggml => {
                let e = fp4::ggml_mxfp4_scale(xb);
                let d = crate::element::convert::pow2_f64(e as i32 - 127) as f32;
                for (c, &v) in q.iter_mut().zip(xb) {
                    *c = fp4::argmin_e2m1(v, d);
                }
                ob[0] = e;
                split_half(&q, &mut ob[1..]);
            }
            GgufType::Mxfp4 => {
                // The OCP format itself, re-laid out: element 2j in the low nibble to ggml's
                // split-half order.
                let (mut codes, mut scale) = ([0u8; 16], [0u8; 1]);
                BlockFormat::MXFP4.quantize(xb, &mut codes, &mut scale)?;
                pack::unpack(&codes, 4, Layout::Dense, &mut q)?;
                ob[0] = scale[0];
                split_half(&q, &mut ob[1..]);
            }
            GgufType::Tq1_0 | GgufType::Tq2_0 => unreachable!("handled above"),
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
    match t {
        GgufType::Tq1_0 => return tq::dequantize_tq1_0(bytes, out),
        GgufType::Tq2_0 => return tq::dequantize_tq2_0(bytes, out),
        _ => {}
    }
    let e2m1 = ElementFormat::FLOAT4_E2M1FN;
    for (ob, b) in out
        .chunks_exact_mut(t.block_len())
        .zip(bytes.chunks_exact(t.block_bytes()))
    {
        match t {
            GgufType::Q4_0 => {
                let d = f16_at(b, 0);
                for (o, &q) in ob.iter_mut().zip(&unsplit_half(&b[2..])) {
                    *o = d * (q as i32 - 8) as f32;
                }
            }
            GgufType::Q4_1 => {
                let (d, m) = (f16_at(b, 0), f16_at(b, 2));
                for (o, &q) in ob.iter_mut().zip(&unsplit_half(&b[4..])) {
                    *o = d * q as f32 + m;
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
                    let d = fp4::ggml_ue4m3_to_f32(b[s]);
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
                for (o, &q) in ob.iter_mut().zip(&unsplit_half(&b[1..])) {
                    *o = (e2m1.decode_f64(q as u32) * scale) as f32;
                }
            }
            GgufType::Tq1_0 | GgufType::Tq2_0 => unreachable!("handled above"),
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
    Error::check_len(
        "OCP MXFP4 blocks",
        crate::error::mul("OCP MXFP4 blocks", scales.len(), 16)?,
        blocks.len(),
    )?;
    Error::check_len(
        "GGUF MXFP4 bytes",
        crate::error::mul("GGUF MXFP4 bytes", scales.len(), 17)?,
        out.len(),
    )?;
    for ((b, &s), o) in blocks
        .chunks_exact(16)
        .zip(scales)
        .zip(out.chunks_exact_mut(17))
    {
        let mut q = [0u8; BLOCK];
        pack::unpack(b, 4, Layout::Dense, &mut q)?;
        o[0] = s;
        split_half(&q, &mut o[1..]);
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
    Error::check_len(
        "GGUF MXFP4 bytes",
        crate::error::mul("GGUF MXFP4 bytes", scales.len(), 17)?,
        gguf.len(),
    )?;
    Error::check_len(
        "OCP MXFP4 blocks",
        crate::error::mul("OCP MXFP4 blocks", scales.len(), 16)?,
        blocks.len(),
    )?;
    for ((g, b), s) in gguf
        .chunks_exact(17)
        .zip(blocks.chunks_exact_mut(16))
        .zip(scales.iter_mut())
    {
        *s = g[0];
        pack::pack(&unsplit_half(&g[1..]), 4, Layout::Dense, b)?;
    }
    Ok(())
}
