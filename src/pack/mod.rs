//! Packing codes of 1..=8 or 16 bits into bytes, in the layouts checkpoints use.
//!
//! [`Layout::Dense`] is a little-endian bit stream: element `i` occupies bits
//! `[i·w, (i+1)·w)`, bit 0 being the least significant bit of byte 0. That gives
//! - 4-bit: element `2j` in the low nibble of byte `j`, `2j+1` in the high nibble (OCP MX,
//!   gpt-oss `blocks`, torchao, ModelOpt's `q[1::2] << 4 | q[0::2]`);
//! - 2-bit: four per byte, element `4j + k` at bits `2k..2k+2`;
//! - 6-bit: four values in three bytes; 3-bit and other odd widths dense across bytes;
//! - 8-bit: identity; 16-bit: little-endian `u16`.
//!
//! [`Layout::SplitHalf`] is GGUF's 4-bit order (ggml `Q4_0`, `MXFP4`): in each group of 32
//! elements stored in 16 bytes, byte `j` holds element `j` in its low nibble and `j + 16` in
//! its high nibble.
//!
//! ```text
//! Dense, 4-bit:      byte j = [ e(2j+1) | e(2j) ]          (high nibble | low nibble)
//! SplitHalf, 4-bit:  byte j = [ e(j+16) | e(j)  ]  for j in 0..16, per 32 elements
//! Dense, 6-bit:      bytes 0..3 = e0[0..6] e1[0..2] | e1[2..6] e2[0..4] | e2[4..6] e3[0..6]
//! ```

mod words;

pub use words::{
    AWQ_ORDER, GptqZeros, gptq_zeros_v1_to_v2, gptq_zeros_v2_to_v1, pack_awq, pack_gptq,
    pack_zeros, unpack_awq, unpack_gptq,
};

use crate::error::Error;

/// How codes are laid out in bytes.
///
/// ```
/// use lowbit::pack::{pack, Layout};
/// let codes: Vec<u8> = (0..32).map(|i| (i % 16) as u8).collect();
/// let (mut dense, mut split) = ([0u8; 16], [0u8; 16]);
/// pack(&codes, 4, Layout::Dense, &mut dense).unwrap();
/// pack(&codes, 4, Layout::SplitHalf, &mut split).unwrap();
/// assert_eq!(dense[0], 0x10); // elements 0 and 1
/// assert_eq!(split[0], 0x00); // elements 0 and 16
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Layout {
    /// Little-endian bit stream (see the module docs). Any width 1..=8 or 16.
    #[default]
    Dense,
    /// GGUF's split-half nibble order: 4-bit only, whole groups of 32 elements.
    SplitHalf,
}

/// A code type: `u8` for widths up to 8, `u16` for 16-bit codes.
///
/// ```
/// use lowbit::pack::{pack, Layout};
/// let mut out = [0u8; 4];
/// pack(&[0x1234u16, 0xABCD], 16, Layout::Dense, &mut out).unwrap(); // u16 codes for 16-bit
/// assert_eq!(out, [0x34, 0x12, 0xCD, 0xAB]);
/// ```
pub trait Code: Copy + Default + sealed::Sealed {
    /// The code as `u32`.
    fn to_u32(self) -> u32;
    /// The low bits of `v` as a code.
    fn from_u32(v: u32) -> Self;
    /// Widest width this type holds.
    const MAX_BITS: u32;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
}

impl Code for u8 {
    #[inline(always)]
    fn to_u32(self) -> u32 {
        self as u32
    }
    #[inline(always)]
    fn from_u32(v: u32) -> Self {
        v as u8
    }
    const MAX_BITS: u32 = 8;
}

impl Code for u16 {
    #[inline(always)]
    fn to_u32(self) -> u32 {
        self as u32
    }
    #[inline(always)]
    fn from_u32(v: u32) -> Self {
        v as u16
    }
    const MAX_BITS: u32 = 16;
}

fn check_bits(bits: u32, layout: Layout) -> Result<(), Error> {
    let ok = match layout {
        Layout::Dense => (1..=8).contains(&bits) || bits == 16,
        Layout::SplitHalf => bits == 4,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Parameter {
            what: "code width for this layout",
            value: bits as i64,
        })
    }
}

/// Bytes needed for `n` codes of `bits` bits in `layout`, or an error for an unsupported
/// width, a `SplitHalf` length that is not a multiple of 32, or a size overflow.
///
/// ```
/// use lowbit::pack::{packed_len, Layout};
/// assert_eq!(packed_len(3, Layout::Dense, 10).unwrap(), 4); // 30 bits
/// assert!(packed_len(4, Layout::SplitHalf, 10).is_err()); // whole groups of 32 only
/// ```
pub fn packed_len(bits: u32, layout: Layout, n: usize) -> Result<usize, Error> {
    check_bits(bits, layout)?;
    if layout == Layout::SplitHalf && !n.is_multiple_of(32) {
        return Err(Error::Length {
            what: "split-half element count (a multiple of 32)",
            expected: crate::error::round_up(n, 32),
            actual: n,
        });
    }
    crate::error::mul("packed length (element count × bits)", n, bits as usize)
        .map(|b| b.div_ceil(8))
}

/// Packs `codes` into `out`, which must be exactly [`packed_len`] bytes. Unused high bits of
/// the last byte are zero.
///
/// # Errors
/// A bad width or length, or a code that does not fit in `bits`.
///
/// ```
/// use lowbit::pack::{pack, Layout};
/// let mut out = [0u8; 2];
/// pack(&[1u8, 2, 3, 4], 4, Layout::Dense, &mut out).unwrap();
/// assert_eq!(out, [0x21, 0x43]);
/// ```
pub fn pack<C: Code>(codes: &[C], bits: u32, layout: Layout, out: &mut [u8]) -> Result<(), Error> {
    Error::check_len(
        "packed output",
        packed_len(bits, layout, codes.len())?,
        out.len(),
    )?;
    if bits > C::MAX_BITS {
        return Err(Error::Parameter {
            what: "code width for this code type",
            value: bits as i64,
        });
    }
    let mask = ((1u64 << bits) - 1) as u32;
    if let Some(c) = codes.iter().find(|c| c.to_u32() & !mask != 0) {
        return Err(Error::CodeOutOfRange {
            code: c.to_u32(),
            bits,
        });
    }
    match (layout, bits) {
        (Layout::SplitHalf, _) => {
            for (g, o) in codes.chunks_exact(32).zip(out.chunks_exact_mut(16)) {
                for j in 0..16 {
                    o[j] = (g[j].to_u32() | g[j + 16].to_u32() << 4) as u8;
                }
            }
        }
        (_, 8) => {
            for (o, c) in out.iter_mut().zip(codes) {
                *o = c.to_u32() as u8;
            }
        }
        (_, 16) => {
            for (o, c) in out.chunks_exact_mut(2).zip(codes) {
                o.copy_from_slice(&(c.to_u32() as u16).to_le_bytes());
            }
        }
        (_, 4) => {
            for (o, pair) in out.iter_mut().zip(codes.chunks(2)) {
                let hi = pair.get(1).map_or(0, |c| c.to_u32());
                *o = (pair[0].to_u32() | hi << 4) as u8;
            }
        }
        (_, 2) if codes.len().is_multiple_of(4) => {
            for (o, q) in out.iter_mut().zip(codes.chunks_exact(4)) {
                let v =
                    q[0].to_u32() | q[1].to_u32() << 2 | q[2].to_u32() << 4 | q[3].to_u32() << 6;
                *o = v as u8;
            }
        }
        (_, 6) if codes.len().is_multiple_of(4) => {
            // Four codes in three bytes.
            for (o, q) in out.chunks_exact_mut(3).zip(codes.chunks_exact(4)) {
                let v =
                    q[0].to_u32() | q[1].to_u32() << 6 | q[2].to_u32() << 12 | q[3].to_u32() << 18;
                o[0] = v as u8;
                o[1] = (v >> 8) as u8;
                o[2] = (v >> 16) as u8;
            }
        }
        _ => {
            // General little-endian bit stream through a 64-bit accumulator.
            out.fill(0);
            let (mut acc, mut nacc, mut pos) = (0u64, 0u32, 0usize);
            for c in codes {
                acc |= (c.to_u32() as u64) << nacc;
                nacc += bits;
                while nacc >= 8 {
                    out[pos] = acc as u8;
                    pos += 1;
                    acc >>= 8;
                    nacc -= 8;
                }
            }
            if nacc > 0 {
                out[pos] = acc as u8;
            }
        }
    }
    Ok(())
}

/// Unpacks `out.len()` codes from `bytes`, which must be exactly [`packed_len`] bytes.
///
/// # Errors
/// A bad width or length.
///
/// ```
/// use lowbit::pack::{unpack, Layout};
/// let mut codes = [0u8; 4];
/// unpack(&[0b11_10_01_00], 2, Layout::Dense, &mut codes).unwrap();
/// assert_eq!(codes, [0, 1, 2, 3]);
/// ```
pub fn unpack<C: Code>(
    bytes: &[u8],
    bits: u32,
    layout: Layout,
    out: &mut [C],
) -> Result<(), Error> {
    Error::check_len(
        "packed input",
        packed_len(bits, layout, out.len())?,
        bytes.len(),
    )?;
    if bits > C::MAX_BITS {
        return Err(Error::Parameter {
            what: "code width for this code type",
            value: bits as i64,
        });
    }
    match (layout, bits) {
        (Layout::SplitHalf, _) => {
            for (g, b) in out.chunks_exact_mut(32).zip(bytes.chunks_exact(16)) {
                for j in 0..16 {
                    g[j] = C::from_u32(b[j] as u32 & 15);
                    g[j + 16] = C::from_u32(b[j] as u32 >> 4);
                }
            }
        }
        (_, 8) => {
            for (o, &b) in out.iter_mut().zip(bytes) {
                *o = C::from_u32(b as u32);
            }
        }
        (_, 16) => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = C::from_u32(u16::from_le_bytes([b[0], b[1]]) as u32);
            }
        }
        (_, 4) => {
            for (pair, &b) in out.chunks_mut(2).zip(bytes) {
                pair[0] = C::from_u32(b as u32 & 15);
                if let Some(h) = pair.get_mut(1) {
                    *h = C::from_u32(b as u32 >> 4);
                }
            }
        }
        (_, 2) if out.len().is_multiple_of(4) => {
            for (q, &b) in out.chunks_exact_mut(4).zip(bytes) {
                for (k, o) in q.iter_mut().enumerate() {
                    *o = C::from_u32((b as u32 >> (2 * k)) & 3);
                }
            }
        }
        (_, 6) if out.len().is_multiple_of(4) => {
            for (q, b) in out.chunks_exact_mut(4).zip(bytes.chunks_exact(3)) {
                let v = b[0] as u32 | (b[1] as u32) << 8 | (b[2] as u32) << 16;
                for (k, o) in q.iter_mut().enumerate() {
                    *o = C::from_u32((v >> (6 * k)) & 63);
                }
            }
        }
        _ => {
            let mask = (1u64 << bits) - 1;
            let (mut acc, mut nacc, mut pos) = (0u64, 0u32, 0usize);
            for o in out.iter_mut() {
                while nacc < bits {
                    acc |= (bytes[pos] as u64) << nacc;
                    pos += 1;
                    nacc += 8;
                }
                *o = C::from_u32((acc & mask) as u32);
                acc >>= bits;
                nacc -= bits;
            }
        }
    }
    Ok(())
}

/// Reads code `i` of a packed buffer (no bounds beyond what `bytes` holds are assumed).
#[inline]
fn get_code(bytes: &[u8], bits: u32, layout: Layout, i: usize) -> Option<u32> {
    match layout {
        Layout::SplitHalf => {
            let (g, j) = (i / 32, i % 32);
            let b = *bytes.get(g * 16 + j % 16)? as u32;
            Some(if j < 16 { b & 15 } else { b >> 4 })
        }
        Layout::Dense => {
            let bit = i.checked_mul(bits as usize)?;
            let (byte, off) = (bit / 8, (bit % 8) as u32);
            let mut v = 0u32;
            let need = (off + bits).div_ceil(8) as usize;
            for k in 0..need {
                v |= (*bytes.get(byte + k)? as u32) << (8 * k);
            }
            Some((v >> off) & ((1u32 << bits) - 1))
        }
    }
}

/// A borrowed view of packed codes with safe indexing and iteration.
///
/// ```
/// use lowbit::pack::{Layout, PackedSlice};
/// let p = PackedSlice::new(&[0x21, 0x43], 4, Layout::Dense, 4).unwrap();
/// assert_eq!(p.get(2), Some(3));
/// assert_eq!(p.get(4), None);
/// assert_eq!(p.iter().collect::<Vec<_>>(), [1, 2, 3, 4]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackedSlice<'a> {
    bytes: &'a [u8],
    bits: u32,
    layout: Layout,
    len: usize,
}

impl<'a> PackedSlice<'a> {
    /// Views `len` codes of `bits` bits; `bytes` must be exactly [`packed_len`] long.
    ///
    /// # Errors
    /// A bad width, or a byte count that does not match.
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedSlice};
    /// assert!(PackedSlice::new(&[0u8; 3], 6, Layout::Dense, 4).is_ok());
    /// assert!(PackedSlice::new(&[0u8; 3], 6, Layout::Dense, 5).is_err());
    /// ```
    pub fn new(bytes: &'a [u8], bits: u32, layout: Layout, len: usize) -> Result<Self, Error> {
        Error::check_len("packed bytes", packed_len(bits, layout, len)?, bytes.len())?;
        Ok(PackedSlice {
            bytes,
            bits,
            layout,
            len,
        })
    }
    /// Number of codes.
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedSlice};
    /// assert_eq!(PackedSlice::new(&[0u8; 3], 6, Layout::Dense, 4).unwrap().len(), 4);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether there are no codes.
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedSlice};
    /// assert!(PackedSlice::new(&[], 4, Layout::Dense, 0).unwrap().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Width of a code.
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedSlice};
    /// assert_eq!(PackedSlice::new(&[0u8; 3], 6, Layout::Dense, 4).unwrap().bits(), 6);
    /// ```
    #[must_use]
    pub fn bits(&self) -> u32 {
        self.bits
    }
    /// The layout.
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedSlice};
    /// assert_eq!(PackedSlice::new(&[0u8; 1], 4, Layout::Dense, 2).unwrap().layout(), Layout::Dense);
    /// ```
    #[must_use]
    pub fn layout(&self) -> Layout {
        self.layout
    }
    /// The packed bytes.
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedSlice};
    /// assert_eq!(PackedSlice::new(&[0x21], 4, Layout::Dense, 2).unwrap().as_bytes(), &[0x21]);
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
    /// Code `i`, or `None` past the end.
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedSlice};
    /// let p = PackedSlice::new(&[0x21], 4, Layout::Dense, 2).unwrap();
    /// assert_eq!((p.get(0), p.get(1), p.get(2)), (Some(1), Some(2), None));
    /// ```
    #[must_use]
    pub fn get(&self, i: usize) -> Option<u32> {
        if i < self.len {
            get_code(self.bytes, self.bits, self.layout, i)
        } else {
            None
        }
    }
    /// The codes in order.
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedSlice};
    /// let p = PackedSlice::new(&[0b11_10_01_00], 2, Layout::Dense, 4).unwrap();
    /// assert_eq!(p.iter().sum::<u32>(), 6);
    /// ```
    #[must_use]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        (0..self.len).map(move |i| get_code(self.bytes, self.bits, self.layout, i).unwrap_or(0))
    }
}

/// An owned buffer of packed codes.
///
/// ```
/// use lowbit::pack::{Layout, PackedVec};
/// let v = PackedVec::from_codes(&[1u8, 2, 3], 3, Layout::Dense).unwrap();
/// assert_eq!(v.as_slice().iter().collect::<Vec<_>>(), [1, 2, 3]);
/// assert_eq!(v.into_bytes(), [0b11_010_001, 0b0]); // 1 | 2 << 3 | 3 << 6 (its top bit spills over)
/// ```
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedVec {
    bytes: alloc::vec::Vec<u8>,
    bits: u32,
    layout: Layout,
    len: usize,
}

#[cfg(feature = "alloc")]
impl PackedVec {
    /// Packs `codes`.
    ///
    /// # Errors
    /// As [`pack`].
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedVec};
    /// assert!(PackedVec::from_codes(&[8u8], 3, Layout::Dense).is_err()); // 8 needs 4 bits
    /// ```
    pub fn from_codes<C: Code>(codes: &[C], bits: u32, layout: Layout) -> Result<Self, Error> {
        let mut bytes = alloc::vec![0u8; packed_len(bits, layout, codes.len())?];
        pack(codes, bits, layout, &mut bytes)?;
        Ok(PackedVec {
            bytes,
            bits,
            layout,
            len: codes.len(),
        })
    }
    /// Takes ownership of packed bytes.
    ///
    /// # Errors
    /// As [`PackedSlice::new`].
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedVec};
    /// let v = PackedVec::from_bytes(vec![0x21], 4, Layout::Dense, 2).unwrap();
    /// assert_eq!(v.as_slice().get(1), Some(2));
    /// ```
    pub fn from_bytes(
        bytes: alloc::vec::Vec<u8>,
        bits: u32,
        layout: Layout,
        len: usize,
    ) -> Result<Self, Error> {
        PackedSlice::new(&bytes, bits, layout, len)?;
        Ok(PackedVec {
            bytes,
            bits,
            layout,
            len,
        })
    }
    /// A borrowed view.
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedVec};
    /// let v = PackedVec::from_codes(&[5u8, 6], 4, Layout::Dense).unwrap();
    /// assert_eq!(v.as_slice().len(), 2);
    /// ```
    #[must_use]
    pub fn as_slice(&self) -> PackedSlice<'_> {
        PackedSlice {
            bytes: &self.bytes,
            bits: self.bits,
            layout: self.layout,
            len: self.len,
        }
    }
    /// The packed bytes.
    ///
    /// ```
    /// use lowbit::pack::{Layout, PackedVec};
    /// assert_eq!(PackedVec::from_codes(&[5u8, 6], 4, Layout::Dense).unwrap().into_bytes(), [0x65]);
    /// ```
    #[must_use]
    pub fn into_bytes(self) -> alloc::vec::Vec<u8> {
        self.bytes
    }
}

/// Writes one-per-byte `codes` (each below `2^bits`, `bits` in 1..=8) into the little-endian
/// bit stream `out` from bit `first_bit` on: the bits of `out` below `first_bit` in its first
/// byte are kept, the bits after the last code in its last byte become 0. For spans of a row
/// whose start is not on a byte boundary (blocks of odd length).
pub(crate) fn pack_u8_at(codes: &[u8], bits: u32, first_bit: usize, out: &mut [u8]) {
    // Byte-aligned 8-, 4- and 2-bit streams in whole bytes: fixed shifts (these loops
    // vectorize); everything else through the bit accumulator.
    if first_bit.is_multiple_of(8)
        && (bits == 8 || bits == 4 || bits == 2)
        && codes.len() >= (8 / bits) as usize
    {
        let per = (8 / bits) as usize;
        let whole = codes.len() / per * per;
        let dst = &mut out[first_bit / 8..];
        match bits {
            8 => dst[..whole].copy_from_slice(&codes[..whole]),
            4 => {
                for (o, c) in dst.iter_mut().zip(codes[..whole].chunks_exact(2)) {
                    *o = c[0] | c[1] << 4;
                }
            }
            _ => {
                for (o, c) in dst.iter_mut().zip(codes[..whole].chunks_exact(4)) {
                    *o = c[0] | c[1] << 2 | c[2] << 4 | c[3] << 6;
                }
            }
        }
        if whole < codes.len() {
            pack_u8_at(
                &codes[whole..],
                bits,
                first_bit + whole * bits as usize,
                out,
            );
        }
        return;
    }
    let mut pos = first_bit / 8;
    let keep = (first_bit % 8) as u32;
    let (mut acc, mut nacc) = if keep == 0 {
        (0u64, 0u32)
    } else {
        ((out[pos] & ((1u8 << keep) - 1)) as u64, keep)
    };
    for &c in codes {
        acc |= (c as u64) << nacc;
        nacc += bits;
        while nacc >= 8 {
            out[pos] = acc as u8;
            pos += 1;
            acc >>= 8;
            nacc -= 8;
        }
    }
    if nacc > 0 {
        out[pos] = acc as u8;
    }
}

/// Reads `out.len()` codes of `bits` bits (1..=8) from the bit stream `bytes` from bit
/// `first_bit` on (the inverse of [`pack_u8_at`]).
pub(crate) fn unpack_u8_at(bytes: &[u8], bits: u32, first_bit: usize, out: &mut [u8]) {
    if first_bit.is_multiple_of(8)
        && (bits == 8 || bits == 4 || bits == 2)
        && out.len() >= (8 / bits) as usize
    {
        let per = (8 / bits) as usize;
        let whole = out.len() / per * per;
        let src = &bytes[first_bit / 8..];
        match bits {
            8 => out[..whole].copy_from_slice(&src[..whole]),
            4 => {
                for (o, &b) in out[..whole].chunks_exact_mut(2).zip(src) {
                    o[0] = b & 15;
                    o[1] = b >> 4;
                }
            }
            _ => {
                for (o, &b) in out[..whole].chunks_exact_mut(4).zip(src) {
                    o[0] = b & 3;
                    o[1] = (b >> 2) & 3;
                    o[2] = (b >> 4) & 3;
                    o[3] = b >> 6;
                }
            }
        }
        if whole < out.len() {
            let at = first_bit + whole * bits as usize;
            unpack_u8_at(bytes, bits, at, &mut out[whole..]);
        }
        return;
    }
    let mask = (1u64 << bits) - 1;
    let mut pos = first_bit / 8;
    let skip = (first_bit % 8) as u32;
    let (mut acc, mut nacc) = (0u64, 0u32);
    if skip != 0 {
        acc = (bytes[pos] >> skip) as u64;
        nacc = 8 - skip;
        pos += 1;
    }
    for o in out.iter_mut() {
        while nacc < bits {
            acc |= (bytes[pos] as u64) << nacc;
            pos += 1;
            nacc += 8;
        }
        *o = (acc & mask) as u8;
        acc >>= bits;
        nacc -= bits;
    }
}

#[cfg(test)]
mod at_tests {
    use super::*;

    /// Packing in pieces at arbitrary bit offsets equals packing the whole stream at once.
    #[test]
    fn pieces_at_bit_offsets_equal_the_whole() {
        for bits in 1..=8u32 {
            let codes: std::vec::Vec<u8> = (0..203u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 7) as u8 & ((1u16 << bits) - 1) as u8)
                .collect();
            let n = packed_len(bits, Layout::Dense, codes.len()).unwrap();
            let mut whole = std::vec![0u8; n];
            pack(&codes, bits, Layout::Dense, &mut whole).unwrap();
            for cut in [1usize, 3, 7, 13, 64, 101] {
                let mut pieces = std::vec![0xA5u8; n];
                for (k, piece) in codes.chunks(cut).enumerate() {
                    pack_u8_at(piece, bits, k * cut * bits as usize, &mut pieces);
                }
                assert_eq!(pieces, whole, "bits {bits} cut {cut}");
                let mut back = std::vec![0u8; codes.len()];
                for (k, piece) in back.chunks_mut(cut).enumerate() {
                    unpack_u8_at(&whole, bits, k * cut * bits as usize, piece);
                }
                assert_eq!(back, codes, "bits {bits} cut {cut}");
            }
        }
    }
}
