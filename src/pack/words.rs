//! GPTQ's and AWQ's u32 packings of integer codes, as their checkpoints store `qweight` and
//! `qzeros` (`[K, N]` is the `[in_features, out_features]` orientation those projects use):
//!
//! - GPTQ `qweight`: `u32 [K·bits/32, N]`, packed along K, each column a little-endian bit
//!   stream: for 2/4/8 bits word `(r, n)` holds codes `(r·32/bits + i, n)` at bits `i·bits`;
//!   3-bit codes come 32 to three words, two of them straddling words, exactly as AutoGPTQ's
//!   3-bit loop writes them ([`pack_gptq`]). `qzeros`: `u32 [groups, N·bits/32]`, packed
//!   along N the same way ([`pack_zeros`]); version 1 (AutoGPTQ's original) stores `z − 1`
//!   (wrapping), version 2 stores `z` ([`gptq_zeros_v1_to_v2`]).
//! - AWQ (GEMM): `qweight` `u32 [K, N/8]` and `qzeros` `u32 [groups, N/8]`, 4-bit, packed
//!   along N in the order `[0, 2, 4, 6, 1, 3, 5, 7]`: nibble `i` of a word holds column
//!   `8w + ORDER[i]` ([`pack_awq`]).
//!
//! The codes and zero points come from a group-wise INT [`BlockFormat`](crate::BlockFormat)
//! (unpacked to one byte each with [`unpack`](super::unpack)).

use crate::error::{Error, mul};

/// Values per packing unit and u32 words per unit: GPTQ packs each column as a
/// little-endian bit stream, so 2-, 4- and 8-bit values fill whole words (16, 8, 4 per word)
/// and 3-bit values come in units of 32 values in three words (a value may straddle two
/// words, as in AutoGPTQ's 3-bit loop).
fn unit(bits: u32) -> Result<(usize, usize), Error> {
    match bits {
        2 | 4 | 8 => Ok((32 / bits as usize, 1)),
        3 => Ok((32, 3)),
        _ => Err(Error::Unsupported("u32 packing needs 2, 3, 4 or 8 bits")),
    }
}

/// Field `j` of a bit stream that lives in `words[base], words[base + stride], …`.
#[inline]
fn field(words: &[u32], base: usize, stride: usize, j: usize, bits: u32) -> u32 {
    let p = j * bits as usize;
    let (w, o) = (p / 32, (p % 32) as u32);
    let mut v = words[base + w * stride] >> o;
    if o + bits > 32 {
        v |= words[base + (w + 1) * stride] << (32 - o);
    }
    v & ((1 << bits) - 1)
}

/// ORs `v` into field `j` of such a stream (the words start at zero).
#[inline]
fn put_field(words: &mut [u32], base: usize, stride: usize, j: usize, bits: u32, v: u32) {
    let p = j * bits as usize;
    let (w, o) = (p / 32, (p % 32) as u32);
    let v = v & ((1 << bits) - 1);
    words[base + w * stride] |= v << o;
    if o + bits > 32 {
        words[base + (w + 1) * stride] |= v >> (32 - o);
    }
}

/// GPTQ `qweight`: codes `[k, n]` (row-major, one byte each) packed along K into
/// `u32 [k·bits/32, n]`, each column a little-endian bit stream; `k` must be a multiple of
/// 32/bits (of 32 for 3-bit).
///
/// ```
/// use lowbit::pack::{pack_gptq, unpack_gptq};
/// let codes: Vec<u8> = (0..16).map(|i| (i % 16) as u8).collect(); // [8, 2]
/// let mut w = [0u32; 2];
/// pack_gptq(&codes, 8, 2, 4, &mut w).unwrap();
/// assert_eq!(w[0], 0xECA8_6420); // column 0 holds rows 0..8 = 0, 2, 4, ..., 14
/// let mut back = [0u8; 16];
/// unpack_gptq(&w, 8, 2, 4, &mut back).unwrap();
/// assert_eq!(&back[..], &codes[..]);
/// ```
///
/// # Errors
/// Unsupported widths (2, 3, 4, 8 only), or sizes that disagree.
pub fn pack_gptq(
    codes: &[u8],
    k: usize,
    n: usize,
    bits: u32,
    out: &mut [u32],
) -> Result<(), Error> {
    let (per, words) = unit(bits)?;
    check_k(k, per)?;
    Error::check_len("GPTQ codes", mul("GPTQ codes", k, n)?, codes.len())?;
    let qweight = mul("GPTQ qweight", mul("GPTQ qweight", k / per, words)?, n)?;
    Error::check_len("GPTQ qweight", qweight, out.len())?;
    out.fill(0);
    for (i, &c) in codes.iter().enumerate() {
        put_field(out, i % n, n, i / n, bits, c as u32);
    }
    Ok(())
}

/// The inverse of [`pack_gptq`].
///
/// # Errors
/// As [`pack_gptq`].
///
/// ```
/// use lowbit::pack::unpack_gptq;
/// let mut codes = [0u8; 8];
/// unpack_gptq(&[0x7654_3210], 8, 1, 4, &mut codes).unwrap();
/// assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 7]);
/// ```
pub fn unpack_gptq(
    words: &[u32],
    k: usize,
    n: usize,
    bits: u32,
    codes: &mut [u8],
) -> Result<(), Error> {
    let (per, wpu) = unit(bits)?;
    check_k(k, per)?;
    Error::check_len("GPTQ codes", mul("GPTQ codes", k, n)?, codes.len())?;
    let qweight = mul("GPTQ qweight", mul("GPTQ qweight", k / per, wpu)?, n)?;
    Error::check_len("GPTQ qweight", qweight, words.len())?;
    for (i, c) in codes.iter_mut().enumerate() {
        *c = field(words, i % n, n, i / n, bits) as u8;
    }
    Ok(())
}

fn check_k(k: usize, per: usize) -> Result<(), Error> {
    if !k.is_multiple_of(per) {
        return Err(Error::Length {
            what: "packed dimension (a multiple of 32/bits, or 32 for 3-bit)",
            expected: crate::error::round_up(k, per),
            actual: k,
        });
    }
    Ok(())
}

/// Which zero-point convention a GPTQ `qzeros` tensor follows.
///
/// ```
/// use lowbit::pack::{pack_zeros, GptqZeros};
/// let (mut v1, mut v2) = ([0u32; 1], [0u32; 1]);
/// pack_zeros(&[8; 8], 1, 8, 4, GptqZeros::V1, &mut v1).unwrap();
/// pack_zeros(&[8; 8], 1, 8, 4, GptqZeros::V2, &mut v2).unwrap();
/// assert_eq!((v1[0], v2[0]), (0x7777_7777, 0x8888_8888));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GptqZeros {
    /// AutoGPTQ's original format: stores `z − 1` (wrapping within `bits`).
    V1,
    /// GPTQ v2 (GPTQModel's `format = gptq_v2`): stores `z`.
    V2,
}

/// GPTQ `qzeros`: zero points `[groups, n]` (one byte each) packed along N into
/// `u32 [groups, n·bits/32]`, each row a little-endian bit stream (`n` a multiple of 32/bits,
/// of 32 for 3-bit), in the given convention.
///
/// # Errors
/// Unsupported widths, or sizes that disagree.
///
/// ```
/// use lowbit::pack::{pack_zeros, GptqZeros};
/// let mut w = [0u32; 1];
/// pack_zeros(&[0, 1, 2, 3, 4, 5, 6, 7], 1, 8, 4, GptqZeros::V2, &mut w).unwrap();
/// assert_eq!(w[0], 0x7654_3210);
/// ```
pub fn pack_zeros(
    zeros: &[u8],
    groups: usize,
    n: usize,
    bits: u32,
    version: GptqZeros,
    out: &mut [u32],
) -> Result<(), Error> {
    let (per, wpu) = unit(bits)?;
    check_k(n, per)?;
    Error::check_len("GPTQ zeros", mul("GPTQ zeros", groups, n)?, zeros.len())?;
    let qzeros = mul("GPTQ qzeros", mul("GPTQ qzeros", groups, n / per)?, wpu)?;
    Error::check_len("GPTQ qzeros", qzeros, out.len())?;
    let off = (version == GptqZeros::V1) as u32;
    out.fill(0);
    // Rows are whole units, so the buffer is one stream.
    for (j, &z) in zeros.iter().enumerate() {
        put_field(out, 0, 1, j, bits, (z as u32).wrapping_sub(off));
    }
    Ok(())
}

/// Converts packed GPTQ v1 `qzeros` to v2 in place (each field + 1, wrapping). Lossless;
/// [`gptq_zeros_v2_to_v1`] undoes it.
///
/// # Errors
/// Unsupported widths, or (3-bit) a length that is not whole units of three words.
///
/// ```
/// use lowbit::pack::gptq_zeros_v1_to_v2;
/// let mut w = [0x7777_777Fu32]; // v1: zero points 8 (stored 7) and 0 (stored 15, wrapped)
/// gptq_zeros_v1_to_v2(&mut w, 4).unwrap();
/// assert_eq!(w[0], 0x8888_8880);
/// ```
pub fn gptq_zeros_v1_to_v2(qzeros: &mut [u32], bits: u32) -> Result<(), Error> {
    shift_fields(qzeros, bits, 1)
}

/// Converts packed GPTQ v2 `qzeros` to v1 in place (each field − 1, wrapping).
///
/// # Errors
/// As [`gptq_zeros_v1_to_v2`].
///
/// ```
/// use lowbit::pack::gptq_zeros_v2_to_v1;
/// let mut w = [0x8888_8880u32];
/// gptq_zeros_v2_to_v1(&mut w, 4).unwrap();
/// assert_eq!(w[0], 0x7777_777F);
/// ```
pub fn gptq_zeros_v2_to_v1(qzeros: &mut [u32], bits: u32) -> Result<(), Error> {
    shift_fields(qzeros, bits, u32::MAX)
}

fn shift_fields(words: &mut [u32], bits: u32, add: u32) -> Result<(), Error> {
    let (per, wpu) = unit(bits)?;
    check_k(words.len(), wpu)?;
    for u in words.chunks_exact_mut(wpu) {
        let mut next = [0u32; 3];
        for j in 0..per {
            put_field(
                &mut next,
                0,
                1,
                j,
                bits,
                field(u, 0, 1, j, bits).wrapping_add(add),
            );
        }
        u.copy_from_slice(&next[..wpu]);
    }
    Ok(())
}

/// AWQ's nibble order within a u32: nibble `i` holds column `8w + AWQ_ORDER[i]`.
pub const AWQ_ORDER: [usize; 8] = [0, 2, 4, 6, 1, 3, 5, 7];

/// AWQ (GEMM) packing of 4-bit values `[rows, n]` (one byte each; codes or zero points)
/// along N into `u32 [rows, n/8]` in [`AWQ_ORDER`].
///
/// ```
/// use lowbit::pack::pack_awq;
/// let mut w = [0u32; 1];
/// pack_awq(&[0, 1, 2, 3, 4, 5, 6, 7], 1, 8, &mut w).unwrap();
/// assert_eq!(w[0], 0x7531_6420);
/// ```
///
/// # Errors
/// `n` not a multiple of 8, or sizes that disagree.
pub fn pack_awq(values: &[u8], rows: usize, n: usize, out: &mut [u32]) -> Result<(), Error> {
    check_k(n, 8)?;
    Error::check_len("AWQ values", mul("AWQ values", rows, n)?, values.len())?;
    Error::check_len("AWQ words", mul("AWQ words", rows, n / 8)?, out.len())?;
    for (w, o) in out.iter_mut().enumerate() {
        *o = (0..8).fold(0, |acc, i| {
            acc | (values[w * 8 + AWQ_ORDER[i]] as u32 & 15) << (4 * i)
        });
    }
    Ok(())
}

/// The inverse of [`pack_awq`].
///
/// # Errors
/// As [`pack_awq`].
///
/// ```
/// use lowbit::pack::unpack_awq;
/// let mut v = [0u8; 8];
/// unpack_awq(&[0x7531_6420], 1, 8, &mut v).unwrap();
/// assert_eq!(v, [0, 1, 2, 3, 4, 5, 6, 7]);
/// ```
pub fn unpack_awq(words: &[u32], rows: usize, n: usize, values: &mut [u8]) -> Result<(), Error> {
    check_k(n, 8)?;
    Error::check_len("AWQ values", mul("AWQ values", rows, n)?, values.len())?;
    Error::check_len("AWQ words", mul("AWQ words", rows, n / 8)?, words.len())?;
    for (w, &word) in words.iter().enumerate() {
        for i in 0..8 {
            values[w * 8 + AWQ_ORDER[i]] = (word >> (4 * i) & 15) as u8;
        }
    }
    Ok(())
}
