//! The definition's element-by-element loops and the table decode shared by the slice
//! conversions of element formats and of codebooks.

use crate::arch::Kernels;
use crate::error::Error;
use crate::kernels::CHUNK;
use crate::kernels::element::DecodeTable;
use crate::pack::{self, Layout};
use crate::real::Real;

/// Packs `f(i)` for `i < n` (the definition, element by element) as `bits`-bit codes.
pub(super) fn encode_each(
    bits: u32,
    n: usize,
    mut f: impl FnMut(usize) -> u32,
    out: &mut [u8],
) -> Result<(), Error> {
    Error::check_len(
        "packed output",
        pack::packed_len(bits, Layout::Dense, n)?,
        out.len(),
    )?;
    let mut codes = [0u16; CHUNK];
    for (ci, oc) in out.chunks_mut(CHUNK * bits as usize / 8).enumerate() {
        let start = ci * CHUNK;
        let len = CHUNK.min(n - start);
        for (k, c) in codes[..len].iter_mut().enumerate() {
            *c = f(start + k) as u16;
        }
        pack::pack(&codes[..len], bits, Layout::Dense, oc)?;
    }
    Ok(())
}

/// Decodes `bits`-bit codes into any [`Real`] through an f32 decoder of whole chunks
/// (every value of every format is an f32).
pub(super) fn decode_via_f32<T: Real>(
    bits: u32,
    bytes: &[u8],
    out: &mut [T],
    mut f32s: impl FnMut(&[u8], &mut [f32]) -> Result<(), Error>,
) -> Result<(), Error> {
    if let Some(o) = T::as_f32_mut(out) {
        return f32s(bytes, o);
    }
    let mut buf = [0f32; CHUNK];
    for (bc, oc) in bytes
        .chunks(CHUNK * bits as usize / 8)
        .zip(out.chunks_mut(CHUNK))
    {
        let b = &mut buf[..oc.len()];
        f32s(bc, b)?;
        T::from_f32s(b, oc);
    }
    Ok(())
}

/// Codes of at most 8 bits into f32 through a backend's table kernels.
pub(super) fn decode_table(
    k: &Kernels,
    t: &DecodeTable,
    bits: u32,
    bytes: &[u8],
    out: &mut [f32],
) -> Result<(), Error> {
    match bits {
        8 => (k.decode_u8)(t, bytes, out),
        4 => {
            let even = out.len() & !1;
            (k.decode_nibbles)(t, &bytes[..even / 2], &mut out[..even]);
            if even < out.len() {
                out[even] = t.lut[(bytes[even / 2] & 15) as usize];
            }
        }
        6 => {
            let whole = out.len() & !3;
            (k.decode_sixes)(t, &bytes[..whole / 4 * 3], &mut out[..whole]);
            for (i, o) in out.iter_mut().enumerate().skip(whole) {
                let (b, sh) = (i * 6 / 8, (i * 6 % 8) as u32);
                let lo = bytes[b] as u32;
                let hi = bytes.get(b + 1).copied().unwrap_or(0) as u32;
                *o = t.lut[(((lo | hi << 8) >> sh) & 63) as usize];
            }
        }
        _ => {
            let mut codes = [0u8; CHUNK];
            for (bc, oc) in bytes
                .chunks(CHUNK * bits as usize / 8)
                .zip(out.chunks_mut(CHUNK))
            {
                let codes = &mut codes[..oc.len()];
                pack::unpack(bc, bits, Layout::Dense, codes)?;
                (k.decode_u8)(t, codes, oc);
            }
        }
    }
    Ok(())
}

/// Codes into f32 element by element through `value` (the definition).
pub(super) fn decode_each(
    bits: u32,
    bytes: &[u8],
    out: &mut [f32],
    value: impl Fn(u32) -> f32,
) -> Result<(), Error> {
    let mut codes = [0u16; CHUNK];
    for (bc, oc) in bytes
        .chunks(CHUNK * bits as usize / 8)
        .zip(out.chunks_mut(CHUNK))
    {
        let codes = &mut codes[..oc.len()];
        pack::unpack(bc, bits, Layout::Dense, codes)?;
        for (o, &c) in oc.iter_mut().zip(codes.iter()) {
            *o = value(c as u32);
        }
    }
    Ok(())
}
