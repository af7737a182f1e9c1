//! x86_64 kernels of the GGUF block types that need intrinsics: the f16 rows with the
//! hardware conversions, the 4-bit table types through `vpermps`, the AVX-512 quantizers
//! of Q8_0/Q8_1/Q4_0/Q4_1/Q5_0/Q5_1 (their AVX2 forms are in `gguf_avx2.rs`), Q2_K's
//! dequantizer, the AVX2 builds some AVX-512 entries run, and SSE's square root for the
//! searching quantizers.

use core::arch::x86_64::*;

use super::AVX2;
use crate::kernels::{gguf_dq, gguf_kq, gguf_q};

// GGUF: the f16 rows with the hardware conversions. Converting f16 → f32 in hardware is
// ggml's `GGML_FP16_TO_FP32` exactly (every finite value exact, a NaN keeps its payload
// shifted by 13 with the quiet bit set); f32 → f16 rounds to nearest even as ggml does, and
// a NaN is made `0x7e00 | sign` in the same pass. The tails run the portable bodies.

/// GGUF F16 bytes → f32 with F16C.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_f16_row_avx2(bytes: &[u8], out: &mut [f32]) {
    let n = (bytes.len() / 2).min(out.len()) / 8 * 8;
    let mut i = 0;
    while i < n {
        // SAFETY: i + 8 <= n: 16 bytes are read from bytes[2i..] and 8 f32 written to
        // out[i..], in bounds; unaligned loads and stores.
        unsafe {
            let c = _mm_loadu_si128(bytes.as_ptr().add(2 * i) as *const __m128i);
            _mm256_storeu_ps(out.as_mut_ptr().add(i), _mm256_cvtph_ps(c));
        }
        i += 8;
    }
    gguf_dq::f16_row(&bytes[2 * n..], &mut out[n..]);
}

/// GGUF F16 bytes → f32 with AVX-512.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_f16_row_avx512(bytes: &[u8], out: &mut [f32]) {
    let n = (bytes.len() / 2).min(out.len()) / 32 * 32;
    let mut i = 0;
    while i < n {
        // SAFETY: i + 32 <= n: 64 bytes are read from bytes[2i..] and 32 f32 written to
        // out[i..], in bounds; unaligned loads and stores.
        unsafe {
            let p = bytes.as_ptr().add(2 * i) as *const __m256i;
            let (c0, c1) = (_mm256_loadu_si256(p), _mm256_loadu_si256(p.add(1)));
            let o = out.as_mut_ptr().add(i);
            _mm512_storeu_ps(o, _mm512_cvtph_ps(c0));
            _mm512_storeu_ps(o.add(16), _mm512_cvtph_ps(c1));
        }
        i += 32;
    }
    gguf_dq::f16_row(&bytes[2 * n..], &mut out[n..]);
}

/// f32 → GGUF F16 bytes with F16C (NaN → `0x7e00 | sign`).
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_f16_from_row_avx2(x: &[f32], out: &mut [u8]) {
    let n = x.len().min(out.len() / 2) / 8 * 8;
    let sign = _mm_set1_epi16(0x8000u16 as i16);
    let qnan = _mm_set1_epi16(0x7E00);
    let mut i = 0;
    while i < n {
        // SAFETY: i + 8 <= n: 8 f32 are read from x[i..] and 16 bytes written to
        // out[2i..], in bounds; unaligned loads and stores.
        unsafe {
            let v = _mm256_loadu_ps(x.as_ptr().add(i));
            let h = _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(v);
            let m = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_UNORD_Q>(v, v));
            let m16 = _mm_packs_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256::<1>(m));
            let canon = _mm_or_si128(_mm_and_si128(h, sign), qnan);
            let r = _mm_blendv_epi8(h, canon, m16);
            _mm_storeu_si128(out.as_mut_ptr().add(2 * i) as *mut __m128i, r);
        }
        i += 8;
    }
    gguf_q::f16_from_row(&x[n..], &mut out[2 * n..]);
}

/// f32 → GGUF F16 bytes with AVX-512 (NaN → `0x7e00 | sign`).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_f16_from_row_avx512(x: &[f32], out: &mut [u8]) {
    let n = x.len().min(out.len() / 2) / 16 * 16;
    let sign = _mm256_set1_epi16(0x8000u16 as i16);
    let qnan = _mm256_set1_epi16(0x7E00);
    let mut i = 0;
    while i < n {
        // SAFETY: i + 16 <= n: 16 f32 are read from x[i..] and 32 bytes written to
        // out[2i..], in bounds; unaligned loads and stores.
        unsafe {
            let v = _mm512_loadu_ps(x.as_ptr().add(i));
            let h = _mm512_cvtps_ph::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v);
            let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(v, v);
            let canon = _mm256_or_si256(_mm256_and_si256(h, sign), qnan);
            let r = _mm256_mask_blend_epi16(nan, h, canon);
            _mm256_storeu_si256(out.as_mut_ptr().add(2 * i) as *mut __m256i, r);
        }
        i += 16;
    }
    gguf_q::f16_from_row(&x[n..], &mut out[2 * n..]);
}

// GGUF: the 4-bit table types (MXFP4, NVFP4, IQ4_NL, IQ4_XS). Each block's (or sub-block's)
// 16 values are the definition's products `kv[i]·d` (or `d·kv[i]`, the same IEEE product),
// computed once per block in one vector multiply, then looked up per nibble with
// `vpermps`; the same bits as the portable kernels, which multiply per element.

/// 32 outputs of one 16-byte GGUF nibble group (low nibbles → 0..16, high → 16..32)
/// through the 16-entry table `t`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
#[inline]
fn nib32_avx512(t: __m512, q: &[u8], o: &mut [f32]) {
    if q.len() < 16 || o.len() < 32 {
        return;
    }
    let low = _mm_set1_epi8(0x0f);
    // SAFETY: q has at least 16 bytes and o at least 32 f32 (checked above); unaligned
    // loads and stores.
    unsafe {
        let b = _mm_loadu_si128(q.as_ptr() as *const __m128i);
        let lo = _mm_and_si128(b, low);
        let hi = _mm_and_si128(_mm_srli_epi16::<4>(b), low);
        _mm512_storeu_ps(
            o.as_mut_ptr(),
            _mm512_permutexvar_ps(_mm512_cvtepu8_epi32(lo), t),
        );
        _mm512_storeu_ps(
            o.as_mut_ptr().add(16),
            _mm512_permutexvar_ps(_mm512_cvtepu8_epi32(hi), t),
        );
    }
}

/// 16 outputs of one 8-byte NVFP4 sub-block (low nibbles → 0..8, high → 8..16).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
#[inline]
fn nib16_avx512(t: __m512, q: &[u8], o: &mut [f32]) {
    if q.len() < 8 || o.len() < 16 {
        return;
    }
    let low = _mm_set1_epi8(0x0f);
    // SAFETY: q has at least 8 bytes and o at least 16 f32 (checked above).
    unsafe {
        let b = _mm_loadl_epi64(q.as_ptr() as *const __m128i);
        let lo = _mm_and_si128(b, low);
        let hi = _mm_and_si128(_mm_srli_epi16::<4>(b), low);
        let idx = _mm512_cvtepu8_epi32(_mm_unpacklo_epi64(lo, hi));
        _mm512_storeu_ps(o.as_mut_ptr(), _mm512_permutexvar_ps(idx, t));
    }
}

/// The 16 table values as f32 in a register.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
#[inline]
fn kv512(kv: &[i8; 16]) -> __m512 {
    // SAFETY: kv holds exactly 16 bytes.
    unsafe {
        _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(
            kv.as_ptr() as *const __m128i
        )))
    }
}

/// GGUF MXFP4 → f32 with AVX-512.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_dq_mxfp4_avx512(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    let k = kv512(kv);
    for (b, y) in bytes.chunks_exact(17).zip(out.chunks_exact_mut(32)) {
        let t = _mm512_mul_ps(k, _mm512_set1_ps(gguf_dq::e8m0_half(b[0])));
        nib32_avx512(t, &b[1..], y);
    }
    0
}

/// GGUF NVFP4 → f32 with AVX-512.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_dq_nvfp4_avx512(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    let k = kv512(kv);
    for (b, y) in bytes.chunks_exact(36).zip(out.chunks_exact_mut(64)) {
        for (s, ys) in y.chunks_exact_mut(16).enumerate() {
            let t = _mm512_mul_ps(k, _mm512_set1_ps(gguf_dq::ue4m3_half(b[s])));
            nib16_avx512(t, &b[4 + 8 * s..], ys);
        }
    }
    0
}

/// GGUF IQ4_NL → f32 with AVX-512 (a non-finite scale leaves the block).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_dq_iq4_nl_avx512(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    let k = kv512(kv);
    let mut left = 0u64;
    for (i, (b, y)) in bytes
        .chunks_exact(18)
        .zip(out.chunks_exact_mut(32))
        .enumerate()
    {
        let h = u16::from_le_bytes([b[0], b[1]]);
        if gguf_dq::half_special(h) {
            left |= 1 << i;
            continue;
        }
        let t = _mm512_mul_ps(_mm512_set1_ps(gguf_dq::half_finite(h)), k);
        nib32_avx512(t, &b[2..], y);
    }
    left
}

/// GGUF IQ4_XS → f32 with AVX-512 (a non-finite scale leaves the block).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_dq_iq4_xs_avx512(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    let k = kv512(kv);
    let mut left = 0u64;
    for (i, (b, y)) in bytes
        .chunks_exact(136)
        .zip(out.chunks_exact_mut(256))
        .enumerate()
    {
        let h = u16::from_le_bytes([b[0], b[1]]);
        if gguf_dq::half_special(h) {
            left |= 1 << i;
            continue;
        }
        let d = gguf_dq::half_finite(h);
        let sh = u16::from_le_bytes([b[2], b[3]]);
        for (ib, yb) in y.chunks_exact_mut(32).enumerate() {
            let ls =
                u16::from((b[4 + ib / 2] >> (4 * (ib % 2))) & 0xf) | (((sh >> (2 * ib)) & 3) << 4);
            let dl = d * (i32::from(ls) - 32) as f32;
            let t = _mm512_mul_ps(_mm512_set1_ps(dl), k);
            nib32_avx512(t, &b[8 + 16 * ib..], yb);
        }
    }
    left
}

/// 8 outputs through a 16-entry table held as two 8-entry halves (bit 3 of the index picks
/// the half).
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn lut8_avx2(tl: __m256, th: __m256, idx: __m256i) -> __m256 {
    let a = _mm256_permutevar8x32_ps(tl, idx);
    let b = _mm256_permutevar8x32_ps(th, idx);
    _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32::<28>(idx)))
}

/// `n` (16 or 32) outputs of a GGUF nibble group with AVX2: the first n/2 bytes' low
/// nibbles, then their high nibbles.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn nib_avx2(tl: __m256, th: __m256, q: &[u8], o: &mut [f32], n: usize) {
    if q.len() < n / 2 || o.len() < n {
        return;
    }
    let low = _mm_set1_epi8(0x0f);
    // SAFETY: q has n/2 (8 or 16) bytes and o n f32 (checked above); the 8-byte loads read
    // q[0..8] and, for n = 32, q[8..16].
    unsafe {
        for half in 0..n / 16 {
            let b = _mm_loadl_epi64(q.as_ptr().add(8 * half) as *const __m128i);
            let lo = _mm256_cvtepu8_epi32(_mm_and_si128(b, low));
            let hi = _mm256_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16::<4>(b), low));
            let p = o.as_mut_ptr().add(8 * half);
            _mm256_storeu_ps(p, lut8_avx2(tl, th, lo));
            _mm256_storeu_ps(p.add(n / 2), lut8_avx2(tl, th, hi));
        }
    }
}

/// The two halves of a block's table `kv·d` (the product per entry, as the definition's).
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn table_avx2(kv: &[i8; 16], d: f32) -> (__m256, __m256) {
    // SAFETY: kv holds 16 bytes; two 8-byte loads.
    unsafe {
        let lo = _mm_loadl_epi64(kv.as_ptr() as *const __m128i);
        let hi = _mm_loadl_epi64(kv.as_ptr().add(8) as *const __m128i);
        let vd = _mm256_set1_ps(d);
        (
            _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), vd),
            _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), vd),
        )
    }
}

/// GGUF MXFP4 → f32 with AVX2.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_dq_mxfp4_avx2(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    for (b, y) in bytes.chunks_exact(17).zip(out.chunks_exact_mut(32)) {
        let (tl, th) = table_avx2(kv, gguf_dq::e8m0_half(b[0]));
        nib_avx2(tl, th, &b[1..], y, 32);
    }
    0
}

/// GGUF NVFP4 → f32 with AVX2.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_dq_nvfp4_avx2(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    for (b, y) in bytes.chunks_exact(36).zip(out.chunks_exact_mut(64)) {
        for (s, ys) in y.chunks_exact_mut(16).enumerate() {
            let (tl, th) = table_avx2(kv, gguf_dq::ue4m3_half(b[s]));
            nib_avx2(tl, th, &b[4 + 8 * s..], ys, 16);
        }
    }
    0
}

/// GGUF IQ4_NL → f32 with AVX2.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_dq_iq4_nl_avx2(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (i, (b, y)) in bytes
        .chunks_exact(18)
        .zip(out.chunks_exact_mut(32))
        .enumerate()
    {
        let h = u16::from_le_bytes([b[0], b[1]]);
        if gguf_dq::half_special(h) {
            left |= 1 << i;
            continue;
        }
        let (tl, th) = table_avx2(kv, gguf_dq::half_finite(h));
        nib_avx2(tl, th, &b[2..], y, 32);
    }
    left
}

/// GGUF IQ4_XS → f32 with AVX2.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_dq_iq4_xs_avx2(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (i, (b, y)) in bytes
        .chunks_exact(136)
        .zip(out.chunks_exact_mut(256))
        .enumerate()
    {
        let h = u16::from_le_bytes([b[0], b[1]]);
        if gguf_dq::half_special(h) {
            left |= 1 << i;
            continue;
        }
        let d = gguf_dq::half_finite(h);
        let sh = u16::from_le_bytes([b[2], b[3]]);
        for (ib, yb) in y.chunks_exact_mut(32).enumerate() {
            let ls =
                u16::from((b[4 + ib / 2] >> (4 * (ib % 2))) & 0xf) | (((sh >> (2 * ib)) & 3) << 4);
            let (tl, th) = table_avx2(kv, d * (i32::from(ls) - 32) as f32);
            nib_avx2(tl, th, &b[8 + 16 * ib..], yb, 32);
        }
    }
    left
}

// GGUF quantizers with AVX-512 (Q8_0, Q4_0): per block the largest magnitude as an integer
// max over the bit patterns, the scale rule in scalar f32 exactly as the portable kernel,
// the fp16 scale with the hardware conversion (nearest even, as ggml's software one for
// the finite scales of plain blocks), the codes 16 lanes at a time. Blocks that are not
// plain are left to the caller, as in the portable kernels.

/// The largest magnitude of 32 floats as bits, and their two vectors.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
#[inline]
fn amax32_avx512(x: &[f32]) -> (u32, __m512, __m512) {
    if x.len() < 32 {
        return (u32::MAX, _mm512_setzero_ps(), _mm512_setzero_ps());
    }
    // SAFETY: x holds at least 32 f32 (checked above); unaligned loads.
    let (v0, v1) = unsafe {
        (
            _mm512_loadu_ps(x.as_ptr()),
            _mm512_loadu_ps(x.as_ptr().add(16)),
        )
    };
    let m = _mm512_set1_epi32(0x7fff_ffff);
    let a = _mm512_max_epu32(
        _mm512_and_si512(_mm512_castps_si512(v0), m),
        _mm512_and_si512(_mm512_castps_si512(v1), m),
    );
    (_mm512_reduce_max_epu32(a) as u32, v0, v1)
}

/// `(int)roundf(v)` per lane for |v| < 2^23 (half away from zero).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
#[inline]
fn round_away_avx512(v: __m512) -> __m512i {
    let t = _mm512_roundscale_ps::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(v);
    let f = _mm512_sub_ps(v, t);
    let up = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(f, _mm512_set1_ps(0.5));
    let dn = _mm512_cmp_ps_mask::<_CMP_LE_OQ>(f, _mm512_set1_ps(-0.5));
    let one = _mm512_set1_epi32(1);
    let r = _mm512_cvttps_epi32(t);
    let r = _mm512_mask_add_epi32(r, up, r, one);
    _mm512_mask_sub_epi32(r, dn, r, one)
}

/// ggml's fp16 of a finite f32 in hardware (nearest even); F16C only, so both the AVX2
/// and the AVX-512 quantizers inline it.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
pub(super) fn f16_hw(d: f32) -> u16 {
    _mm_extract_epi16::<0>(_mm_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(_mm_set_ss(d))) as u16
}

/// Whether a largest magnitude (bits) makes a plain block: finite, 0 or at least 2^−100.
#[inline(always)]
pub(super) fn plain_amax(a: u32) -> bool {
    a < 0x7f80_0000 && (a == 0 || a >= 0x0d80_0000)
}

/// f32 → GGUF Q8_0 with AVX-512, as [`q8_avx512`].
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q8_0_avx512(x: &[f32], out: &mut [u8]) -> u64 {
    q8_avx512(x, out, false)
}

/// f32 → GGUF Q8_1 with AVX-512, as [`q8_avx512`].
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q8_1_avx512(x: &[f32], out: &mut [u8]) -> u64 {
    q8_avx512(x, out, true)
}

/// f32 → GGUF Q8_0 (`sum` false: 34-byte blocks, codes at byte 2) or Q8_1 (`sum`: 36-byte
/// blocks, the fp16 of `d · Σ codes` at byte 2, codes at byte 4) with AVX-512: the scales of
/// 16 blocks at a time in one vector (two `vdivps`, one `vcvtps2ph`; IEEE division and
/// nearest-even fp16 as the definition's), the code sum from the 32-bit code lanes (the same
/// integers the bytes hold: |codes| ≤ 127), its product with `d` in scalar f32 and fp16 in
/// hardware as the scale.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
#[inline]
fn q8_avx512(x: &[f32], out: &mut [u8], sum: bool) -> u64 {
    let (bb, q_at) = if sum { (36, 4) } else { (34, 2) };
    let mut left = 0u64;
    let blocks = (x.len() / 32).min(out.len() / bb).min(64);
    let mut a = [0u32; 64];
    for (k, xb) in x.chunks_exact(32).take(blocks).enumerate() {
        a[k] = amax32_avx512(xb).0;
        left |= u64::from(!plain_amax(a[k])) << k;
    }
    let (mut d, mut id, mut h) = ([0f32; 64], [0f32; 64], [0u16; 64]);
    for g in 0..4 {
        // SAFETY: 16 u32 are read from a[16g..], 16 f32 written to d[16g..] and id[16g..]
        // and 16 u16 to h[16g..]; all arrays hold 64.
        unsafe {
            let va = _mm512_loadu_si512(a.as_ptr().add(16 * g) as *const __m512i);
            let va = _mm512_min_epu32(va, _mm512_set1_epi32(0x7f7f_ffff));
            let d = {
                let v = _mm512_div_ps(_mm512_castsi512_ps(va), _mm512_set1_ps(127.0));
                _mm512_storeu_ps(d.as_mut_ptr().add(16 * g), v);
                v
            };
            let nz = _mm512_cmp_ps_mask::<_CMP_NEQ_OQ>(d, _mm512_setzero_ps());
            let inv = _mm512_maskz_div_ps(nz, _mm512_set1_ps(1.0), d);
            _mm512_storeu_ps(id.as_mut_ptr().add(16 * g), inv);
            let hh = _mm512_cvtps_ph::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(d);
            _mm256_storeu_si256(h.as_mut_ptr().add(16 * g) as *mut __m256i, hh);
        }
    }
    for (k, (xb, ob)) in x
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
        .take(blocks)
    {
        if left >> k & 1 == 1 || xb.len() < 32 || ob.len() < bb {
            continue;
        }
        let vid = _mm512_set1_ps(id[k]);
        // SAFETY: xb holds 32 f32 and ob bb = q_at + 32 bytes (checked above): two 64-byte
        // loads, the 2-byte scale (and sum) and two 16-byte stores at bytes q_at and
        // q_at + 16.
        unsafe {
            let (v0, v1) = (
                _mm512_loadu_ps(xb.as_ptr()),
                _mm512_loadu_ps(xb.as_ptr().add(16)),
            );
            let r0 = round_away_avx512(_mm512_mul_ps(v0, vid));
            let r1 = round_away_avx512(_mm512_mul_ps(v1, vid));
            ob.as_mut_ptr()
                .cast::<[u8; 2]>()
                .write_unaligned(h[k].to_le_bytes());
            if sum {
                let s = _mm512_reduce_add_epi32(_mm512_add_epi32(r0, r1));
                ob.as_mut_ptr()
                    .add(2)
                    .cast::<[u8; 2]>()
                    .write_unaligned(f16_hw(s as f32 * d[k]).to_le_bytes());
            }
            let (c0, c1) = (_mm512_cvtepi32_epi8(r0), _mm512_cvtepi32_epi8(r1));
            _mm_storeu_si128(ob.as_mut_ptr().add(q_at) as *mut __m128i, c0);
            _mm_storeu_si128(ob.as_mut_ptr().add(q_at + 16) as *mut __m128i, c1);
        }
    }
    left
}

/// Q4_0 (`five` false: `d = max/−8`, `MIN(15, (int8_t)(x/d + 8.5))`) and Q5_0 (`/−16`,
/// `+ 16.5`, `MIN(31, …)`, fifth bits in qh) with AVX-512; max is the first element of
/// largest magnitude.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
#[inline]
fn q_sym_avx512(x: &[f32], out: &mut [u8], five: bool) -> u64 {
    let (bb, div, bias, top) = if five {
        (22, -16.0f32, 16.5f32, 31)
    } else {
        (18, -8.0, 8.5, 15)
    };
    let mut left = 0u64;
    let absm = _mm512_set1_epi32(0x7fff_ffff);
    for (k, (xb, ob)) in x
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
        .take(64)
    {
        let (a, v0, v1) = amax32_avx512(xb);
        if !plain_amax(a) || ob.len() < bb {
            left |= 1 << k;
            continue;
        }
        let va = _mm512_set1_epi32(a as i32);
        let m0 = _mm512_cmpeq_epi32_mask(_mm512_and_si512(_mm512_castps_si512(v0), absm), va);
        let m1 = _mm512_cmpeq_epi32_mask(_mm512_and_si512(_mm512_castps_si512(v1), absm), va);
        let mask = u32::from(m0) | (u32::from(m1) << 16);
        let max = if a == 0 {
            0.0
        } else {
            xb[mask.trailing_zeros() as usize & 31]
        };
        let d = max / div;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        ob[..2].copy_from_slice(&f16_hw(d).to_le_bytes());
        let (vid, vb, vt) = (
            _mm512_set1_ps(id),
            _mm512_set1_ps(bias),
            _mm512_set1_epi32(top),
        );
        // x·id + bias lies in [0, 2·bias]: the truncation is exact.
        let c0 = _mm512_min_epi32(
            _mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(v0, vid), vb)),
            vt,
        );
        let c1 = _mm512_min_epi32(
            _mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(v1, vid), vb)),
            vt,
        );
        store_codes(ob, 2, c0, c1, five);
    }
    left
}

/// Packs 32 codes (`c0` elements 0..16, `c1` 16..32) GGUF-style at byte `at`: nibble bytes
/// `c0 | c1 << 4` (the whole low code ORed in, as Q4_0's C does), and for the 5-bit types
/// the u32 of fifth bits first, the nibbles masked.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
#[inline]
fn store_codes(ob: &mut [u8], at: usize, c0: __m512i, c1: __m512i, five: bool) {
    let q = if five {
        let f = _mm512_set1_epi32(0x10);
        let qh = u32::from(_mm512_test_epi32_mask(c0, f))
            | (u32::from(_mm512_test_epi32_mask(c1, f)) << 16);
        ob[at..at + 4].copy_from_slice(&qh.to_le_bytes());
        let m = _mm512_set1_epi32(0xf);
        _mm512_cvtepi32_epi8(_mm512_or_si512(
            _mm512_and_si512(c0, m),
            _mm512_slli_epi32::<4>(_mm512_and_si512(c1, m)),
        ))
    } else {
        _mm512_cvtepi32_epi8(_mm512_or_si512(c0, _mm512_slli_epi32::<4>(c1)))
    };
    let o = at + if five { 4 } else { 0 };
    if ob.len() >= o + 16 {
        // SAFETY: bytes o..o + 16 of ob are in bounds (checked above); unaligned store.
        unsafe { _mm_storeu_si128(ob.as_mut_ptr().add(o) as *mut __m128i, q) };
    }
}

/// f32 → GGUF Q4_0 with AVX-512.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q4_0_avx512(x: &[f32], out: &mut [u8]) -> u64 {
    q_sym_avx512(x, out, false)
}

/// f32 → GGUF Q5_0 with AVX-512.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q5_0_avx512(x: &[f32], out: &mut [u8]) -> u64 {
    q_sym_avx512(x, out, true)
}

/// Q4_1 (`d = (max − min)/15`, `m = min`, `MIN(15, (int8_t)((x − min)/d + 0.5))`) and Q5_1
/// (`/31`, `(uint8_t)(…)`, fifth bits) with AVX-512: the plain blocks of the portable kernel
/// (|x| < 2^100, d 0 or at least 2^−100); a zero min or max takes the first zero's sign, as
/// the C's sequential comparisons do.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
#[inline]
fn q_asym_avx512(x: &[f32], out: &mut [u8], five: bool) -> u64 {
    let (bb, div) = if five { (24, 31.0f32) } else { (20, 15.0) };
    let mut left = 0u64;
    for (k, (xb, ob)) in x
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
        .take(64)
    {
        let (a, v0, v1) = amax32_avx512(xb);
        if a >= 0x7180_0000 || ob.len() < bb {
            left |= 1 << k;
            continue;
        }
        let (mn, mx) = gguf_q::zero_sign(
            xb,
            _mm512_reduce_min_ps(_mm512_min_ps(v0, v1)),
            _mm512_reduce_max_ps(_mm512_max_ps(v0, v1)),
        );
        let d = (mx - mn) / div;
        if !(d == 0.0 || d.abs() >= f32::from_bits(0x0d80_0000)) {
            left |= 1 << k;
            continue;
        }
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        ob[..2].copy_from_slice(&f16_hw(d).to_le_bytes());
        ob[2..4].copy_from_slice(&f16_hw(mn).to_le_bytes());
        let (vm, vid, h) = (_mm512_set1_ps(mn), _mm512_set1_ps(id), _mm512_set1_ps(0.5));
        let code =
            |v| _mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(v, vm), vid), h));
        let (mut c0, mut c1) = (code(v0), code(v1));
        if !five {
            let t = _mm512_set1_epi32(15);
            (c0, c1) = (_mm512_min_epi32(c0, t), _mm512_min_epi32(c1, t));
        }
        store_codes(ob, 4, c0, c1, five);
    }
    left
}

/// f32 → GGUF Q4_1 with AVX-512.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q4_1_avx512(x: &[f32], out: &mut [u8]) -> u64 {
    q_asym_avx512(x, out, false)
}

/// f32 → GGUF Q5_1 with AVX-512.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q5_1_avx512(x: &[f32], out: &mut [u8]) -> u64 {
    q_asym_avx512(x, out, true)
}

/// AVX-512 entries that run the AVX2 build of a GGUF dequantizer: for these byte layouts
/// LLVM's 512-bit code of the portable body is slower on Zen 4/5 than its 256-bit code
/// (docs/benchmarks.md), as for `decode_u8`.
macro_rules! via_avx2 {
    ($($name:ident => $entry:ident;)*) => { $(
        #[inline(always)]
        pub(in crate::arch) fn $name(bytes: &[u8], out: &mut [f32]) -> u64 {
            (AVX2.$entry)(bytes, out)
        }
    )* };
}
via_avx2! {
    gguf_dq_q4_0_via_avx2 => gguf_dq_q4_0;
    gguf_dq_q4_1_via_avx2 => gguf_dq_q4_1;
    gguf_dq_q8_0_via_avx2 => gguf_dq_q8_0;
    gguf_dq_q8_1_via_avx2 => gguf_dq_q8_1;
    gguf_dq_tq1_0_via_avx2 => gguf_dq_tq1_0;
}

/// The same for the grid dequantizers (IQ1/IQ2/IQ3), whose 32-wide loops of byte-to-float
/// conversions and sign flips also run faster in the 256-bit build here.
macro_rules! via_avx2_grid {
    ($($name:ident => $entry:ident($($a:ident: $t:ty),*);)*) => { $(
        #[inline(always)]
        pub(in crate::arch) fn $name($($a: $t,)* bytes: &[u8], out: &mut [f32]) -> u64 {
            (AVX2.$entry)($($a,)* bytes, out)
        }
    )* };
}
via_avx2_grid! {
    gguf_dq_iq2_xxs_via_avx2 => gguf_dq_iq2_xxs(grid: &[u64; 256], ksigns: &[u8; 128]);
    gguf_dq_iq2_xs_via_avx2 => gguf_dq_iq2_xs(grid: &[u64; 512], ksigns: &[u8; 128]);
    gguf_dq_iq2_s_via_avx2 => gguf_dq_iq2_s(grid: &[u64; 1024]);
    gguf_dq_iq3_xxs_via_avx2 => gguf_dq_iq3_xxs(grid: &[u32; 256], ksigns: &[u8; 128]);
    gguf_dq_iq3_s_via_avx2 => gguf_dq_iq3_s(grid: &[u32; 512]);
    gguf_dq_iq1_s_via_avx2 => gguf_dq_iq1_s(grid: &[u64; 2048], delta: f32);
    gguf_dq_iq1_m_via_avx2 => gguf_dq_iq1_m(grid: &[u64; 2048], delta: f32);
}

/// GGUF Q2_K → f32 with AVX-512: sub-block s = 8n + 2j + h takes bits 2j of the 16 bytes at
/// 16 + 32n + 16h, `y = (d·sc)·q − dmin·m` (a multiply, then a subtract: no FMA), as the
/// portable kernel.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(in crate::arch) fn gguf_dq_q2_k_avx512(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    let three = _mm_set1_epi8(3);
    for (k, (b, y)) in bytes
        .chunks_exact(84)
        .zip(out.chunks_exact_mut(256))
        .enumerate()
    {
        let (hd, hm) = (
            u16::from_le_bytes([b[80], b[81]]),
            u16::from_le_bytes([b[82], b[83]]),
        );
        if gguf_dq::half_special(hd) || gguf_dq::half_special(hm) || b.len() < 84 || y.len() < 256 {
            left |= 1 << k;
            continue;
        }
        let (d, min) = (gguf_dq::half_finite(hd), gguf_dq::half_finite(hm));
        for s in 0..16 {
            let sc = b[s];
            let dl = _mm512_set1_ps(d * f32::from(sc & 0xf));
            let ml = _mm512_set1_ps(min * f32::from(sc >> 4));
            let (n, j, h) = (s / 8, (s % 8) / 2, s % 2);
            // SAFETY: the block has 84 bytes and y 256 f32 (checked above): bytes
            // 16 + 32n + 16h .. +16 (at most 80) are read, y[16s..16s + 16] written.
            unsafe {
                let q = _mm_loadu_si128(b.as_ptr().add(16 + 32 * n + 16 * h) as *const __m128i);
                let v = _mm_and_si128(_mm_srl_epi16(q, _mm_cvtsi32_si128(2 * j as i32)), three);
                let f = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(v));
                _mm512_storeu_ps(
                    y.as_mut_ptr().add(16 * s),
                    _mm512_sub_ps(_mm512_mul_ps(dl, f), ml),
                );
            }
        }
    }
    left
}

// GGUF: the square root of the searching quantizers' weights.

/// `sqrtss` (SSE, part of the x86-64 baseline): IEEE's correctly rounded square root, the
/// bits of every other `sqrtf`.
#[derive(Debug)]
pub(in crate::arch) struct SseSqrt;

impl gguf_kq::Sqrt for SseSqrt {
    #[inline(always)]
    fn sqrt(x: f32) -> f32 {
        // SAFETY: SSE is part of the x86_64 baseline; the intrinsics take no pointers.
        unsafe { _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(x))) }
    }
}
