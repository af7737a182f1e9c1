//! Ternary kernels on dense 2-bit codes (`code = value + 1`, element 4j+k at bits 2k of
//! byte j).

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

/// Dense 2-bit codes to f32 values `(code − 1) · scale`, four per byte (`out` four times
/// `bytes`): [`trits_to_i8`] then one product per element, in chunks.
#[inline(always)]
pub(crate) fn trits_to_f32(bytes: &[u8], scale: f32, out: &mut [f32]) {
    let mut t = [0i8; super::CHUNK];
    for (bc, oc) in bytes
        .chunks(super::CHUNK / 4)
        .zip(out.chunks_mut(super::CHUNK))
    {
        let t = &mut t[..oc.len().min(4 * bc.len())];
        trits_to_i8(bc, t);
        for (o, &v) in oc.iter_mut().zip(t.iter()) {
            *o = v as f32 * scale;
        }
    }
}

/// Σ (code − 1)·a over whole bytes, as Σ code·a − Σ a, accumulated in i32 lanes: each
/// lane adds at most 3·128 per 16 elements, so up to [`DOT_BYTES`] bytes a call cannot
/// overflow.
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

/// Bytes of 2-bit codes per call into [`dot_twobit`]: 2^22 elements, whose lane sums stay
/// below 2^27.
pub(crate) const DOT_BYTES: usize = 1 << 20;
