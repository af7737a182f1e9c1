//! Ternary weights {−1, 0, +1}: BitNet b1.58 quantization, every packing in use, decode, and
//! a packed-ternary × i8 dot product.
//!
//! Every packing stores the code `t = value + 1` (0, 1, 2). The layouts:
//!
//! ```text
//! TwoBit     dense 2-bit: element 4j+k at bits 2k..2k+2 of byte j
//! I2sX86     BitNet I2_S as x86 builds write it: per 128 elements (32 bytes),
//!            element j at byte j % 32, bits 6 − 2·(j / 32)
//! I2sArm     BitNet I2_S as ARM builds write it: per 64 elements (16 bytes),
//!            element j at byte j % 16, bits 6 − 2·(j / 16)
//! Base3      5 trits per byte, byte = t0 + 3·t1 + 9·t2 + 27·t3 + 81·t4 (1.6 bits per weight);
//!            a last partial byte holds the remaining trits
//! ```
//!
//! BitNet's I2_S layout depends on the ISA of the build that wrote the file (microsoft/BitNet
//! issues 585, 598, 600, 610): here both are explicit layouts, and which one is read never
//! depends on the CPU running the code. GGUF's TQ1_0 and TQ2_0 blocks (with their f16 scale)
//! are [`quantize_tq2_0`], [`quantize_tq1_0`] and their inverses, byte-exact with ggml.

use half::f16;

use crate::Backend;
use crate::element::{ElementFormat, Format};
use crate::error::Error;
use crate::round::{Overflow, Rounding};

/// A ternary packing (see the module docs for the bit orders).
///
/// ```
/// use lowbit::ternary::{pack_trits, TritLayout};
/// let q = [1i8, 0, -1, 1, 1];
/// let mut two = [0u8; 2];
/// pack_trits(&q, TritLayout::TwoBit, &mut two).unwrap();
/// assert_eq!(two[0], 0b10_00_01_10); // value + 1 per 2 bits, element 0 lowest
/// let mut b3 = [0u8; 1];
/// pack_trits(&q, TritLayout::Base3, &mut b3).unwrap(); // five trits in one byte
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TritLayout {
    /// Dense 2-bit, four per byte, element 4j+k at bits 2k.
    TwoBit,
    /// BitNet I2_S, x86 builds: 128-element blocks. Lengths must be multiples of 128.
    I2sX86,
    /// BitNet I2_S, ARM builds: 64-element blocks. Lengths must be multiples of 64.
    I2sArm,
    /// Base 3, five trits per byte, any length.
    Base3,
}

impl TritLayout {
    /// Bytes for `n` trits, or an error when `n` does not fit the layout's block.
    ///
    /// ```
    /// use lowbit::ternary::TritLayout;
    /// assert_eq!(TritLayout::TwoBit.packed_len(5).unwrap(), 2);
    /// assert_eq!(TritLayout::Base3.packed_len(5).unwrap(), 1);
    /// assert!(TritLayout::I2sX86.packed_len(100).is_err()); // blocks of 128
    /// ```
    pub fn packed_len(self, n: usize) -> Result<usize, Error> {
        let block = match self {
            TritLayout::I2sX86 => 128,
            TritLayout::I2sArm => 64,
            _ => 1,
        };
        if !n.is_multiple_of(block) {
            return Err(Error::Length {
                what: "trit count (a multiple of the I2_S block)",
                expected: crate::error::round_up(n, block),
                actual: n,
            });
        }
        Ok(match self {
            TritLayout::Base3 => n.div_ceil(5),
            _ => n.div_ceil(4),
        })
    }

    /// (byte index, bit shift) of element `i` in a 2-bit layout.
    #[inline(always)]
    fn locate(self, i: usize) -> (usize, u32) {
        match self {
            TritLayout::I2sX86 => (i / 128 * 32 + i % 32, 6 - 2 * ((i % 128) / 32) as u32),
            TritLayout::I2sArm => (i / 64 * 16 + i % 16, 6 - 2 * ((i % 64) / 16) as u32),
            _ => (i / 4, 2 * (i % 4) as u32),
        }
    }
}

/// Packs ternary values (−1, 0, +1 as `i8`) into `out` (exactly `layout.packed_len(q.len())`).
///
/// # Errors
/// A length mismatch, or a value outside {−1, 0, 1} ([`Error::Parameter`]).
///
/// ```
/// use lowbit::ternary::{pack_trits, TritLayout};
/// let mut out = [0u8; 1];
/// pack_trits(&[-1, 0, 1, 1], TritLayout::TwoBit, &mut out).unwrap();
/// assert_eq!(out, [0b10_10_01_00]);
/// ```
pub fn pack_trits(q: &[i8], layout: TritLayout, out: &mut [u8]) -> Result<(), Error> {
    Error::check_len("packed trits", layout.packed_len(q.len())?, out.len())?;
    if let Some(&v) = q.iter().find(|v| !(-1..=1).contains(*v)) {
        return Err(Error::Parameter {
            what: "ternary value",
            value: v as i64,
        });
    }
    out.fill(0);
    match layout {
        TritLayout::Base3 => {
            for (o, c) in out.iter_mut().zip(q.chunks(5)) {
                *o = c.iter().rev().fold(0u8, |acc, &v| acc * 3 + (v + 1) as u8);
            }
        }
        _ => {
            for (i, &v) in q.iter().enumerate() {
                let (b, s) = layout.locate(i);
                out[b] |= ((v + 1) as u8) << s;
            }
        }
    }
    Ok(())
}

/// Unpacks ternary values. A 2-bit code 3 (never written by this crate) reads as +2, as
/// BitNet's and ggml's kernels compute `code − 1`; a base-3 byte above 242 reads its digits
/// modulo 3 of `byte mod 243`.
///
/// # Errors
/// A length mismatch.
///
/// ```
/// use lowbit::ternary::{unpack_trits, TritLayout};
/// let mut q = [0i8; 4];
/// unpack_trits(&[0b00_10_01_00], TritLayout::TwoBit, &mut q).unwrap();
/// assert_eq!(q, [-1, 0, 1, -1]);
/// ```
pub fn unpack_trits(bytes: &[u8], layout: TritLayout, out: &mut [i8]) -> Result<(), Error> {
    unpack_trits_with(Backend::best(), bytes, layout, out)
}

/// [`unpack_trits`] on a chosen backend (the dense 2-bit layout has a kernel per backend).
///
/// # Errors
/// A length mismatch, or a backend this CPU lacks.
///
/// ```
/// use lowbit::ternary::{unpack_trits_with, TritLayout};
/// use lowbit::Backend;
/// let mut q = [0i8; 4];
/// unpack_trits_with(Backend::Scalar, &[0b00_10_01_00], TritLayout::TwoBit, &mut q).unwrap();
/// assert_eq!(q, [-1, 0, 1, -1]);
/// ```
pub fn unpack_trits_with(
    backend: Backend,
    bytes: &[u8],
    layout: TritLayout,
    out: &mut [i8],
) -> Result<(), Error> {
    if !backend.is_available() {
        return Err(Error::Unsupported("backend not available on this CPU"));
    }
    Error::check_len("packed trits", layout.packed_len(out.len())?, bytes.len())?;
    match layout {
        TritLayout::Base3 => {
            for (c, &b) in out.chunks_mut(5).zip(bytes) {
                let mut v = b % 243;
                for o in c.iter_mut() {
                    *o = (v % 3) as i8 - 1;
                    v /= 3;
                }
            }
        }
        TritLayout::TwoBit => decode_twobit(backend, bytes, out),
        _ => {
            for (i, o) in out.iter_mut().enumerate() {
                let (b, s) = layout.locate(i);
                *o = ((bytes[b] >> s) & 3) as i8 - 1;
            }
        }
    }
    Ok(())
}

/// Dense 2-bit decode to i8 on a backend (the SIMD tiers compile the same loop).
fn decode_twobit(backend: Backend, bytes: &[u8], out: &mut [i8]) {
    // The scalar tier is the element-by-element definition; the others run the kernel on
    // whole bytes and finish the tail the same way.
    let full = if backend == Backend::Scalar {
        0
    } else {
        out.len() / 4
    };
    crate::arch::trits_to_i8(backend, &bytes[..full], &mut out[..full * 4]);
    for i in full * 4..out.len() {
        out[i] = ((bytes[i / 4] >> (2 * (i % 4))) & 3) as i8 - 1;
    }
}

/// Decodes packed trits and multiplies by `scale` (exact: ±scale or 0).
///
/// # Errors
/// A length mismatch.
///
/// ```
/// use lowbit::ternary::{decode_trits_f32, TritLayout};
/// let mut w = [0f32; 4];
/// decode_trits_f32(&[0b00_10_01_00], TritLayout::TwoBit, 0.5, &mut w).unwrap();
/// assert_eq!(w, [-0.5, 0.0, 0.5, -0.5]);
/// ```
pub fn decode_trits_f32(
    bytes: &[u8],
    layout: TritLayout,
    scale: f32,
    out: &mut [f32],
) -> Result<(), Error> {
    Error::check_len("packed trits", layout.packed_len(out.len())?, bytes.len())?;
    // 640 trits is a whole number of bytes in every layout (a multiple of 4, 5, 64 and 128),
    // so each chunk starts on a byte boundary.
    const CH: usize = 640;
    let mut tmp = [0i8; CH];
    for (k, oc) in out.chunks_mut(CH).enumerate() {
        let start = k * CH;
        let t = &mut tmp[..oc.len()];
        if matches!(layout, TritLayout::I2sX86 | TritLayout::I2sArm) {
            for (i, o) in t.iter_mut().enumerate() {
                let (b, s) = layout.locate(start + i);
                *o = ((bytes[b] >> s) & 3) as i8 - 1;
            }
        } else {
            let b0 = if layout == TritLayout::Base3 {
                start / 5
            } else {
                start / 4
            };
            let nb = if layout == TritLayout::Base3 {
                t.len().div_ceil(5)
            } else {
                t.len().div_ceil(4)
            };
            unpack_trits(&bytes[b0..b0 + nb], layout, t)?;
        }
        for (o, &v) in oc.iter_mut().zip(t.iter()) {
            *o = v as f32 * scale;
        }
    }
    Ok(())
}

/// Decodes packed trits times `scale` into f16 (`±scale` rounded once, nearest-even).
///
/// # Errors
/// A length mismatch.
///
/// ```
/// use half::f16;
/// use lowbit::ternary::{decode_trits_f16, TritLayout};
/// let mut w = [f16::ZERO; 4];
/// decode_trits_f16(&[0b00_10_01_00], TritLayout::TwoBit, 2.0, &mut w).unwrap();
/// assert_eq!(w[2], f16::from_f32(2.0));
/// ```
pub fn decode_trits_f16(
    bytes: &[u8],
    layout: TritLayout,
    scale: f32,
    out: &mut [f16],
) -> Result<(), Error> {
    let h = f16::from_f32;
    decode_via_table(
        bytes,
        layout,
        &[h(-scale), h(0.0 * scale), h(scale), h(2.0 * scale)],
        out,
    )
}

/// Decodes packed trits times `scale` into bf16 (`±scale` rounded once, nearest-even).
///
/// # Errors
/// A length mismatch.
///
/// ```
/// use half::bf16;
/// use lowbit::ternary::{decode_trits_bf16, TritLayout};
/// let mut w = [bf16::ZERO; 4];
/// decode_trits_bf16(&[0b00_10_01_00], TritLayout::TwoBit, 2.0, &mut w).unwrap();
/// assert_eq!(w[0], bf16::from_f32(-2.0));
/// ```
pub fn decode_trits_bf16(
    bytes: &[u8],
    layout: TritLayout,
    scale: f32,
    out: &mut [half::bf16],
) -> Result<(), Error> {
    let b = half::bf16::from_f32;
    decode_via_table(
        bytes,
        layout,
        &[b(-scale), b(0.0 * scale), b(scale), b(2.0 * scale)],
        out,
    )
}

/// Decodes through `vals[code]` (code = value + 1, 0..=3), 640 trits at a time (a whole
/// number of bytes in every layout).
fn decode_via_table<T: Copy>(
    bytes: &[u8],
    layout: TritLayout,
    vals: &[T; 4],
    out: &mut [T],
) -> Result<(), Error> {
    Error::check_len("packed trits", layout.packed_len(out.len())?, bytes.len())?;
    let mut tmp = [0i8; 640];
    for (k, oc) in out.chunks_mut(640).enumerate() {
        let start = k * 640;
        let t = &mut tmp[..oc.len()];
        let (b0, b1) = (
            layout.packed_len(start)?,
            layout.packed_len(start + oc.len())?,
        );
        unpack_trits(&bytes[b0..b1], layout, t)?;
        for (o, &v) in oc.iter_mut().zip(t.iter()) {
            *o = vals[(v + 1) as usize & 3];
        }
    }
    Ok(())
}

/// The dot product of packed ternary weights with i8 activations, exactly, in i64:
/// `Σ (code_i − 1) · a_i` (at most 3·128 per element in magnitude, so no length that fits
/// in memory overflows it). Engines run this on b1.58 weights.
///
/// # Errors
/// A length mismatch.
///
/// ```
/// use lowbit::ternary::{dot_i8, pack_trits, TritLayout};
/// let w = [1i8, -1, 0, 1, 1];
/// let mut packed = [0u8; 2];
/// pack_trits(&w, TritLayout::TwoBit, &mut packed).unwrap();
/// assert_eq!(dot_i8(&packed, TritLayout::TwoBit, &[10, 20, 30, -40, 5]).unwrap(), 10 - 20 - 40 + 5);
/// ```
///
/// ```
/// use lowbit::ternary::{dot_i8, TritLayout};
/// // Trits [-1, 0, 1, -1] against [10, 20, 30, 40]: -10 + 30 - 40.
/// assert_eq!(dot_i8(&[0b00_10_01_00], TritLayout::TwoBit, &[10, 20, 30, 40]).unwrap(), -20);
/// ```
pub fn dot_i8(bytes: &[u8], layout: TritLayout, a: &[i8]) -> Result<i64, Error> {
    dot_i8_with(Backend::best(), bytes, layout, a)
}

/// [`dot_i8`] on a chosen backend.
///
/// # Errors
/// A length mismatch, or a backend this CPU lacks.
///
/// ```
/// use lowbit::ternary::{dot_i8_with, TritLayout};
/// use lowbit::Backend;
/// for b in Backend::available() {
///     assert_eq!(dot_i8_with(b, &[0b00_10_01_00], TritLayout::TwoBit, &[10, 20, 30, 40]).unwrap(), -20);
/// }
/// ```
pub fn dot_i8_with(
    backend: Backend,
    bytes: &[u8],
    layout: TritLayout,
    a: &[i8],
) -> Result<i64, Error> {
    if !backend.is_available() {
        return Err(Error::Unsupported("backend not available on this CPU"));
    }
    Error::check_len("packed trits", layout.packed_len(a.len())?, bytes.len())?;
    match layout {
        TritLayout::TwoBit => {
            let full = a.len() / 4;
            let mut s = 0i64;
            if backend == Backend::Scalar {
                for (i, &x) in a[..full * 4].iter().enumerate() {
                    s += (((bytes[i / 4] >> (2 * (i % 4))) & 3) as i64 - 1) * x as i64;
                }
            } else {
                // The kernels accumulate in i32 lanes: each lane adds at most 3·128 per 16
                // elements, so a call over DOT_BYTES bytes (2^22 elements) stays below 2^27.
                for (bc, ac) in bytes[..full]
                    .chunks(DOT_BYTES)
                    .zip(a[..full * 4].chunks(DOT_BYTES * 4))
                {
                    s += crate::arch::dot_twobit(backend, bc, ac) as i64;
                }
            }
            for i in full * 4..a.len() {
                s += (((bytes[i / 4] >> (2 * (i % 4))) & 3) as i64 - 1) * a[i] as i64;
            }
            Ok(s)
        }
        _ => {
            let mut q = [0i8; 640];
            let mut s = 0i64;
            for (k, ac) in a.chunks(640).enumerate() {
                let t = &mut q[..ac.len()];
                let start = k * 640;
                match layout {
                    TritLayout::Base3 => {
                        let b0 = start / 5;
                        unpack_trits(&bytes[b0..b0 + ac.len().div_ceil(5)], layout, t)?;
                    }
                    _ => {
                        for (i, o) in t.iter_mut().enumerate() {
                            let (b, sh) = layout.locate(start + i);
                            *o = ((bytes[b] >> sh) & 3) as i8 - 1;
                        }
                    }
                }
                s += t
                    .iter()
                    .zip(ac)
                    .map(|(&w, &x)| w as i64 * x as i64)
                    .sum::<i64>();
            }
            Ok(s)
        }
    }
}

/// Bytes of 2-bit codes per call into the dot kernel (see [`dot_i8_with`]).
const DOT_BYTES: usize = 1 << 20;

/// The portable kernels the SIMD backends compile (see `arch`).
pub(crate) mod kernels {
    /// Dense 2-bit codes to i8 values, four per byte.
    #[inline(always)]
    pub(crate) fn trits_to_i8(bytes: &[u8], out: &mut [i8]) {
        for (o, &b) in out.chunks_exact_mut(4).zip(bytes) {
            o[0] = (b & 3) as i8 - 1;
            o[1] = ((b >> 2) & 3) as i8 - 1;
            o[2] = ((b >> 4) & 3) as i8 - 1;
            o[3] = (b >> 6) as i8 - 1;
        }
    }

    /// Σ (code − 1)·a over whole bytes, as Σ code·a − Σ a, accumulated in i32 lanes.
    #[inline(always)]
    pub(crate) fn dot_twobit(bytes: &[u8], a: &[i8]) -> i32 {
        let mut acc = [0i32; 16];
        let mut sum_a = [0i32; 16];
        let n = bytes.len().min(a.len() / 4);
        let (bytes, a) = (&bytes[..n], &a[..n * 4]);
        let mut bi = bytes.chunks_exact(4);
        let mut ai = a.chunks_exact(16);
        for (b4, a16) in (&mut bi).zip(&mut ai) {
            for k in 0..16 {
                let code = (b4[k / 4] >> (2 * (k % 4))) & 3;
                acc[k] += code as i32 * a16[k] as i32;
                sum_a[k] += a16[k] as i32;
            }
        }
        let mut s: i32 = acc.iter().sum::<i32>() - sum_a.iter().sum::<i32>();
        for (j, &b) in bi.remainder().iter().enumerate() {
            for k in 0..4 {
                s += (((b >> (2 * k)) & 3) as i32 - 1) * ai.remainder()[4 * j + k] as i32;
            }
        }
        s
    }
}

/// `x` rounded to an integer with `r` and clamped to [−1, 1] (NaN gives 0), through the
/// crate's one conversion routine.
fn trit(x: f32, r: Rounding) -> i8 {
    ElementFormat::Ternary.encode(x, r, Overflow::Saturate) as i8 - 1
}

/// Where a b1.58 absmean scale is taken over.
///
/// ```
/// use lowbit::ternary::ScaleScope;
/// assert_eq!(ScaleScope::Row(4).count(10).unwrap(), 3);
/// assert_eq!(ScaleScope::Tensor.count(10).unwrap(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScaleScope {
    /// One scale for the whole slice (BitNet b1.58's `weight_quant`).
    Tensor,
    /// One scale per row of this many elements.
    Row(usize),
    /// One scale per consecutive group of this many elements.
    Group(usize),
}

impl ScaleScope {
    fn span(self, n: usize) -> Result<usize, Error> {
        match self {
            ScaleScope::Tensor => Ok(n.max(1)),
            ScaleScope::Row(k) | ScaleScope::Group(k) if k > 0 => Ok(k),
            _ => Err(Error::Parameter {
                what: "scale scope length",
                value: 0,
            }),
        }
    }
    /// How many scales `n` elements get.
    ///
    /// # Errors
    /// A zero row or group length.
    ///
    /// ```
    /// use lowbit::ternary::ScaleScope;
    /// assert!(ScaleScope::Group(0).count(10).is_err());
    /// ```
    pub fn count(self, n: usize) -> Result<usize, Error> {
        Ok(n.div_ceil(self.span(n)?))
    }
}

/// BitNet b1.58 weight quantization (`weight_quant` in the BitNet b1.58 training code):
/// `m = max(mean|W|, 1e−5)` over the scope, `q = clamp(round(W / m), −1, 1)` (round half to
/// even, as `torch.round`), so that `W ≈ q · m`. `scales` receives `m` per scope. The mean is
/// accumulated in f64 and rounded to f32 once (torch's f32 summation order is not specified).
///
/// # Errors
/// Length mismatches or a zero scope length.
///
/// ```
/// use lowbit::ternary::{quantize_b158, ScaleScope};
/// let w = [0.4f32, -0.1, 0.0, -0.9];
/// let (mut q, mut m) = ([0i8; 4], [0f32; 1]);
/// quantize_b158(&w, ScaleScope::Tensor, &mut q, &mut m).unwrap();
/// assert_eq!(m[0], 0.35); // mean |w|
/// assert_eq!(q, [1, 0, 0, -1]);
/// ```
pub fn quantize_b158(
    w: &[f32],
    scope: ScaleScope,
    q: &mut [i8],
    scales: &mut [f32],
) -> Result<(), Error> {
    Error::check_len("ternary output", w.len(), q.len())?;
    Error::check_len("scales", scope.count(w.len())?, scales.len())?;
    let span = scope.span(w.len())?;
    for ((wc, qc), s) in w
        .chunks(span)
        .zip(q.chunks_mut(span))
        .zip(scales.iter_mut())
    {
        let mean = (wc.iter().map(|v| v.abs() as f64).sum::<f64>() / wc.len() as f64) as f32;
        let m = if mean > 1e-5 { mean } else { 1e-5 };
        // BitNet computes W · (1/m) in f32.
        let inv = 1.0f32 / m;
        for (o, &v) in qc.iter_mut().zip(wc) {
            // clamp(round_half_even(v / m), -1, 1) is the ternary encode, nearest-even.
            *o = trit(v * inv, Rounding::NearestEven);
        }
        *s = m;
    }
    Ok(())
}

/// BitNet's 8-bit per-token activation quantization (`activation_quant`): per row,
/// `s = 127 / max(max|x|, 1e−5)` in f32, `q = clamp(round(x · s), −128, 127)`, so
/// `x ≈ q / s`. `scales` receives `s` per row.
///
/// # Errors
/// Length mismatches or a zero row length.
///
/// ```
/// use lowbit::ternary::quantize_activations_i8;
/// let (mut q, mut s) = ([0i8; 2], [0f32; 1]);
/// quantize_activations_i8(&[1.0, -0.5], 2, &mut q, &mut s).unwrap();
/// assert_eq!((q, s[0]), ([127, -64], 127.0)); // -63.5 rounds to -64
/// ```
pub fn quantize_activations_i8(
    x: &[f32],
    row_len: usize,
    q: &mut [i8],
    scales: &mut [f32],
) -> Result<(), Error> {
    Error::check_len("i8 output", x.len(), q.len())?;
    Error::check_len(
        "scales",
        ScaleScope::Row(row_len).count(x.len())?,
        scales.len(),
    )?;
    for ((xc, qc), s) in x
        .chunks(row_len)
        .zip(q.chunks_mut(row_len))
        .zip(scales.iter_mut())
    {
        let amax = xc
            .iter()
            .fold(0f32, |m, v| if v.abs() > m { v.abs() } else { m });
        let sc = 127.0f32 / if amax > 1e-5 { amax } else { 1e-5 };
        for (o, &v) in qc.iter_mut().zip(xc) {
            // round half to even, clamp to [-128, 127]: the int8 encode.
            *o = ElementFormat::INT8.encode(v * sc, Rounding::NearestEven, Overflow::Saturate) as u8
                as i8;
        }
        *s = sc;
    }
    Ok(())
}

/// Bytes of one GGUF TQ2_0 block (256 weights): 64 bytes of 2-bit codes, then f16 `d`.
pub const TQ2_0_BLOCK_BYTES: usize = 66;
/// Bytes of one GGUF TQ1_0 block (256 weights): 48 bytes of 5-trit bytes, 4 bytes of 4-trit
/// bytes, then f16 `d`.
pub const TQ1_0_BLOCK_BYTES: usize = 54;
const QK: usize = 256;

/// ggml's per-block ternary quantization: `d = max|x|`, `q = round_half_away(x · (1/d)) + 1`.
fn tq_block_codes(x: &[f32], codes: &mut [u8; QK]) -> f16 {
    let d = x
        .iter()
        .fold(0f32, |m, v| if v.abs() > m { v.abs() } else { m });
    let id = if d == 0.0 { 0.0 } else { 1.0f32 / d };
    for (c, &v) in codes.iter_mut().zip(x) {
        // ggml's lroundf: half away from zero (values lie in [-1, 1]).
        *c = (trit(v * id, Rounding::NearestAway) + 1) as u8;
    }
    f16::from_f32(d)
}

fn tq_check(n: usize, bytes: usize, per_block: usize) -> Result<usize, Error> {
    if !n.is_multiple_of(QK) {
        return Err(Error::Length {
            what: "TQ element count (a multiple of 256)",
            expected: crate::error::round_up(n, QK),
            actual: n,
        });
    }
    Error::check_len("TQ bytes", n / QK * per_block, bytes)?;
    Ok(n / QK)
}

/// Quantizes to GGUF TQ2_0 blocks, byte-exact with ggml (`quantize_row_tq2_0_ref`): in each
/// 32-byte group, byte `m` holds elements `m + 32n` at bits `2n`.
///
/// # Errors
/// A length that is not a multiple of 256, or a wrong output size.
///
/// ```
/// use lowbit::ternary::{dequantize_tq2_0, quantize_tq2_0, TQ2_0_BLOCK_BYTES};
/// let x: Vec<f32> = (0..256).map(|i| [1.0, 0.0, -1.0][i % 3]).collect();
/// let mut b = vec![0u8; TQ2_0_BLOCK_BYTES];
/// quantize_tq2_0(&x, &mut b).unwrap();
/// let mut y = vec![0f32; 256];
/// dequantize_tq2_0(&b, &mut y).unwrap();
/// assert_eq!(x, y);
/// ```
pub fn quantize_tq2_0(x: &[f32], out: &mut [u8]) -> Result<(), Error> {
    tq_check(x.len(), out.len(), TQ2_0_BLOCK_BYTES)?;
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
///
/// ```
/// use lowbit::ternary::dequantize_tq2_0;
/// assert!(dequantize_tq2_0(&[0u8; 65], &mut [0f32; 256]).is_err());
/// ```
pub fn dequantize_tq2_0(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    tq_check(out.len(), bytes.len(), TQ2_0_BLOCK_BYTES)?;
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
///
/// ```
/// use lowbit::ternary::{dequantize_tq1_0, quantize_tq1_0, TQ1_0_BLOCK_BYTES};
/// let x: Vec<f32> = (0..256).map(|i| [0.5, -0.5, 0.0][i % 3]).collect();
/// let mut b = vec![0u8; TQ1_0_BLOCK_BYTES];
/// quantize_tq1_0(&x, &mut b).unwrap();
/// let mut y = vec![0f32; 256];
/// dequantize_tq1_0(&b, &mut y).unwrap();
/// assert_eq!(x, y);
/// ```
pub fn quantize_tq1_0(x: &[f32], out: &mut [u8]) -> Result<(), Error> {
    tq_check(x.len(), out.len(), TQ1_0_BLOCK_BYTES)?;
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
///
/// ```
/// use lowbit::ternary::dequantize_tq1_0;
/// let mut y = [0f32; 256];
/// dequantize_tq1_0(&[0u8; 54], &mut y).unwrap(); // a zero scale: all zeros
/// assert!(y.iter().all(|&v| v == 0.0));
/// ```
pub fn dequantize_tq1_0(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    tq_check(out.len(), bytes.len(), TQ1_0_BLOCK_BYTES)?;
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
