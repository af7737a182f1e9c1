//! Ternary weights {−1, 0, +1}: every packing in use, decode, and a packed-ternary × i8 dot
//! product. (BitNet b1.58's quantizer is the scaled format
//! [`BlockFormat::BITNET_B158`](crate::BlockFormat::BITNET_B158), and its 8-bit activations
//! [`BlockFormat::BITNET_A8`](crate::BlockFormat::BITNET_A8); GGUF's TQ1_0 and TQ2_0 blocks
//! are in [`gguf`](crate::gguf).)
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
//! depends on the CPU running the code.

use crate::arch::Backend;
use crate::arch::Path;
use crate::error::Error;
use crate::kernels::trits::DOT_BYTES;
use crate::real::Real;

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
    let path = backend.path()?;
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
        TritLayout::TwoBit => decode_twobit(&path, bytes, out),
        _ => {
            for (i, o) in out.iter_mut().enumerate() {
                let (b, s) = layout.locate(i);
                *o = ((bytes[b] >> s) & 3) as i8 - 1;
            }
        }
    }
    Ok(())
}

/// Dense 2-bit decode to i8 on a backend.
fn decode_twobit(path: &Path, bytes: &[u8], out: &mut [i8]) {
    // The scalar tier is the element-by-element definition; the others run the kernel on
    // whole bytes and finish the tail the same way.
    let full = match path {
        Path::Definition => 0,
        Path::Kernels(k) => {
            let full = out.len() / 4;
            (k.trits_to_i8)(&bytes[..full], &mut out[..full * 4]);
            full
        }
    };
    for i in full * 4..out.len() {
        out[i] = ((bytes[i / 4] >> (2 * (i % 4))) & 3) as i8 - 1;
    }
}

/// Decodes packed trits times `scale` into f32, f64, f16 or bf16: `v · scale` in f32 (exact:
/// ±scale or ±0; a 2-bit code 3 reads as +2), then rounded once to the output type.
///
/// # Errors
/// A length mismatch.
///
/// ```
/// use half::f16;
/// use lowbit::ternary::{decode_trits, TritLayout};
/// let mut w = [0f32; 4];
/// decode_trits(&[0b00_10_01_00], TritLayout::TwoBit, 0.5, &mut w).unwrap();
/// assert_eq!(w, [-0.5, 0.0, 0.5, -0.5]);
/// let mut h = [f16::ZERO; 4];
/// decode_trits(&[0b00_10_01_00], TritLayout::TwoBit, 2.0, &mut h).unwrap();
/// assert_eq!(h[2], f16::from_f32(2.0));
/// ```
pub fn decode_trits<T: Real>(
    bytes: &[u8],
    layout: TritLayout,
    scale: f32,
    out: &mut [T],
) -> Result<(), Error> {
    decode_trits_with(Backend::best(), bytes, layout, scale, out)
}

/// [`decode_trits`] on a chosen backend.
///
/// # Errors
/// A length mismatch, or a backend this CPU lacks.
///
/// ```
/// use lowbit::ternary::{decode_trits_with, TritLayout};
/// use lowbit::Backend;
/// for b in Backend::available() {
///     let mut w = [0f32; 4];
///     decode_trits_with(b, &[0b00_10_01_00], TritLayout::TwoBit, 0.5, &mut w).unwrap();
///     assert_eq!(w, [-0.5, 0.0, 0.5, -0.5]);
/// }
/// ```
pub fn decode_trits_with<T: Real>(
    backend: Backend,
    mut bytes: &[u8],
    layout: TritLayout,
    scale: f32,
    mut out: &mut [T],
) -> Result<(), Error> {
    let path = backend.path()?;
    Error::check_len("packed trits", layout.packed_len(out.len())?, bytes.len())?;
    // f32 out of the dense layout: one kernel call over the whole bytes, the tail below.
    if let (TritLayout::TwoBit, Path::Kernels(k)) = (layout, &path) {
        let full = out.len() / 4;
        if let Some(o) = T::as_f32_mut(&mut out[..full * 4]) {
            (k.trits_to_f32)(&bytes[..full], scale, o);
            (out, bytes) = (&mut out[full * 4..], &bytes[full..]);
        }
    }
    // CHUNK trits are a whole number of bytes in every layout (a multiple of 4, 5, 64 and
    // 128 is 640), so each chunk starts on a byte boundary.
    const CH: usize = 640;
    let mut tmp = [0i8; CH];
    for (k, oc) in out.chunks_mut(CH).enumerate() {
        let start = k * CH;
        let t = &mut tmp[..oc.len()];
        let (b0, b1) = (
            layout.packed_len(start)?,
            layout.packed_len(start + oc.len())?,
        );
        unpack_trits_with(backend, &bytes[b0..b1], layout, t)?;
        for (o, &v) in oc.iter_mut().zip(t.iter()) {
            *o = T::from_f32(v as f32 * scale);
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
    let path = backend.path()?;
    Error::check_len("packed trits", layout.packed_len(a.len())?, bytes.len())?;
    match layout {
        TritLayout::TwoBit => {
            let full = a.len() / 4;
            let mut s = 0i64;
            match path {
                Path::Definition => {
                    for (i, &x) in a[..full * 4].iter().enumerate() {
                        s += (((bytes[i / 4] >> (2 * (i % 4))) & 3) as i64 - 1) * x as i64;
                    }
                }
                // The kernel accumulates in i32 lanes; spans of DOT_BYTES cannot overflow.
                Path::Kernels(k) => {
                    for (bc, ac) in bytes[..full]
                        .chunks(DOT_BYTES)
                        .zip(a[..full * 4].chunks(DOT_BYTES * 4))
                    {
                        s += (k.dot_twobit)(bc, ac) as i64;
                    }
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
