//! Transcoding kernels: codes of one format to codes of another through a table built from
//! the definition (every code's exact value rounded once into the target).

/// One-byte codes through a 256-entry table.
#[inline(always)]
pub(crate) fn transcode_u8(t: &[u8; 256], codes: &[u8], out: &mut [u8]) {
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = t[c as usize];
    }
}

/// Dense 4-bit codes (element 2j in the low nibble of byte j) to one byte per code:
/// `out.len() == 2 · bytes.len()`.
#[inline(always)]
pub(crate) fn transcode_nibbles_wide(t: &[u8; 16], bytes: &[u8], out: &mut [u8]) {
    for (o, &b) in out.chunks_exact_mut(2).zip(bytes) {
        o[0] = t[(b & 15) as usize];
        o[1] = t[(b >> 4) as usize];
    }
}

/// Dense 4-bit codes to dense 4-bit codes, byte for byte.
#[inline(always)]
pub(crate) fn transcode_nibbles(t: &[u8; 16], bytes: &[u8], out: &mut [u8]) {
    for (o, &b) in out.iter_mut().zip(bytes) {
        *o = t[(b & 15) as usize] | t[(b >> 4) as usize] << 4;
    }
}
