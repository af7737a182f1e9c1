//! x86_64 entries: the shared kernels compiled with AVX2 or AVX-512 enabled.

use core::arch::x86_64::*;

use crate::element::fast::{self as lanes, LaneParams};

macro_rules! entry {
    ($safe:ident, $inner:ident, $features:literal, $has:path, ($($arg:ident: $ty:ty),*), $body:expr) => {
        entry!($safe, $inner, $features, $has, ($($arg: $ty),*) -> (), $body);
    };
    ($safe:ident, $inner:ident, $features:literal, $has:path, ($($arg:ident: $ty:ty),*) -> $ret:ty, $body:expr) => {
        /// # Safety
        /// - The CPU must support every feature in the `target_feature` list.
        #[target_feature(enable = $features)]
        unsafe fn $inner($($arg: $ty),*) -> $ret {
            $body
        }

        pub(super) fn $safe($($arg: $ty),*) -> $ret {
            debug_assert!($has());
            // SAFETY: callers reach this only through a `Backend` whose `is_available()`
            // returned true, i.e. after run-time detection of exactly these features.
            unsafe { $inner($($arg),*) }
        }
    };
}

entry!(encode_chunk_avx2, encode_chunk_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (p: &LaneParams, mode: u8, x: &[f32], out: &mut [u16]),
    lanes::encode_chunk_any(p, mode, x, out));
entry!(encode_chunk_avx512, encode_chunk_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (p: &LaneParams, mode: u8, x: &[f32], out: &mut [u16]),
    lanes::encode_chunk_any(p, mode, x, out));
entry!(encode_bytes_avx2, encode_bytes_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (p: &LaneParams, mode: u8, x: &[f32], nibbles: bool, out: &mut [u8]),
    super::lanes_encode_bytes(p, mode, x, nibbles, out));
entry!(encode_bytes_avx512, encode_bytes_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (p: &LaneParams, mode: u8, x: &[f32], nibbles: bool, out: &mut [u8]),
    super::lanes_encode_bytes(p, mode, x, nibbles, out));
entry!(decode_u8_avx2, decode_u8_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (lut: &[f32; 256], codes: &[u8], out: &mut [f32]),
    lanes::decode_u8_lut(lut, codes, out));
entry!(decode_nibbles_avx2, decode_nibbles_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (pairs: &[[f32; 2]; 256], bytes: &[u8], out: &mut [f32]),
    lanes::decode_nibbles_lut(pairs, bytes, out));
entry!(trits_to_i8_avx2, trits_to_i8_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (bytes: &[u8], out: &mut [i8]),
    crate::ternary::kernels::trits_to_i8(bytes, out));
entry!(trits_to_i8_avx512, trits_to_i8_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (bytes: &[u8], out: &mut [i8]),
    crate::ternary::kernels::trits_to_i8(bytes, out));
entry!(dot_twobit_avx2, dot_twobit_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (bytes: &[u8], a: &[i8]) -> i32,
    crate::ternary::kernels::dot_twobit(bytes, a));
entry!(dot_twobit_avx512, dot_twobit_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (bytes: &[u8], a: &[i8]) -> i32,
    crate::ternary::kernels::dot_twobit(bytes, a));
entry!(block_qdq_avx2, block_qdq_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (bf: &crate::block::BlockFormat, f: &crate::block::FastElem, nv: Option<&crate::block::Nv>, x: &[f32], out: &mut [f32]),
    bf.qdq_fast(f, nv, x, out));
entry!(block_qdq_avx512, block_qdq_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (bf: &crate::block::BlockFormat, f: &crate::block::FastElem, nv: Option<&crate::block::Nv>, x: &[f32], out: &mut [f32]),
    bf.qdq_fast(f, nv, x, out));
entry!(block_quantize_avx2, block_quantize_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (bf: &crate::block::BlockFormat, f: &crate::block::FastElem, nv: Option<&crate::block::Nv>, x: &[f32], codes: &mut [u8], scales: &mut [u8]) -> bool,
    bf.quantize_fast(f, nv, x, codes, scales));
entry!(block_quantize_avx512, block_quantize_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (bf: &crate::block::BlockFormat, f: &crate::block::FastElem, nv: Option<&crate::block::Nv>, x: &[f32], codes: &mut [u8], scales: &mut [u8]) -> bool,
    bf.quantize_fast(f, nv, x, codes, scales));
entry!(group_qdq_avx2, group_qdq_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (g: &crate::group::GroupFormat, x: &[f32], cols: usize, out: &mut [f32]),
    g.qdq_rows_kernel(x, cols, out));
entry!(group_qdq_avx512, group_qdq_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (g: &crate::group::GroupFormat, x: &[f32], cols: usize, out: &mut [f32]),
    g.qdq_rows_kernel(x, cols, out));
entry!(group_quantize_avx2, group_quantize_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (g: &crate::group::GroupFormat, x: &[f32], cols: usize, codes: &mut [u8], scales: &mut [f32], zeros: &mut [u8]),
    g.quantize_rows_kernel(x, cols, codes, scales, zeros));
entry!(group_quantize_avx512, group_quantize_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (g: &crate::group::GroupFormat, x: &[f32], cols: usize, codes: &mut [u8], scales: &mut [f32], zeros: &mut [u8]),
    g.quantize_rows_kernel(x, cols, codes, scales, zeros));
entry!(block_dequantize_avx2, block_dequantize_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (bf: &crate::block::BlockFormat, table: &crate::slice::DecodeTable, nv: Option<&crate::block::Nv>, codes: &[u8], scales: &[u8], out: &mut [f32]) -> Result<(), crate::Error>,
    bf.dequantize_kernel(table, nv, codes, scales, out));
entry!(block_dequantize_avx512, block_dequantize_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (bf: &crate::block::BlockFormat, table: &crate::slice::DecodeTable, nv: Option<&crate::block::Nv>, codes: &[u8], scales: &[u8], out: &mut [f32]) -> Result<(), crate::Error>,
    bf.dequantize_kernel(table, nv, codes, scales, out));
entry!(decode_float8_avx512, decode_float8_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (d: &crate::block::FloatDecode, codes: &[u8], out: &mut [f32]),
    d.decode_slice(codes, out));
entry!(encode_sixes_avx2, encode_sixes_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (p: &LaneParams, mode: u8, x: &[f32], out: &mut [u8]),
    super::lanes_encode_sixes(p, mode, x, out));
entry!(encode_sixes_avx512, encode_sixes_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (p: &LaneParams, mode: u8, x: &[f32], out: &mut [u8]),
    super::lanes_encode_sixes(p, mode, x, out));

// f32 <-> float16 with the hardware conversions (F16C, AVX-512), NaNs made canonical in the
// same pass: the crate's float16 NaN is 0x7E00 with the input's sign, its f32 NaN 0x7FC00000
// with the code's sign. Each converts the longest prefix that is a multiple of the vector
// width and returns its length; the caller finishes the tail.

/// # Safety
/// The CPU must support AVX-512 F/BW/VL.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
unsafe fn f32_to_f16_avx512_tf(x: &[f32], out: &mut [u16]) -> usize {
    let n = x.len().min(out.len()) / 16 * 16;
    let sign = _mm256_set1_epi16(0x8000u16 as i16);
    let qnan = _mm256_set1_epi16(0x7E00);
    let mut i = 0;
    while i < n {
        // SAFETY: i + 16 <= n <= x.len() and out.len(): 16 f32 are read from x[i..] and 16
        // u16 written to out[i..], all in bounds; unaligned loads and stores are used.
        unsafe {
            let v = _mm512_loadu_ps(x.as_ptr().add(i));
            let h = _mm512_cvtps_ph::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v);
            let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(v, v);
            let canon = _mm256_or_si256(_mm256_and_si256(h, sign), qnan);
            let r = _mm256_mask_blend_epi16(nan, h, canon);
            _mm256_storeu_si256(out.as_mut_ptr().add(i) as *mut __m256i, r);
        }
        i += 16;
    }
    n
}

/// # Safety
/// The CPU must support AVX-512 F/BW/VL.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
unsafe fn f16_to_f32_avx512_tf(h: &[u16], out: &mut [f32]) -> usize {
    let n = h.len().min(out.len()) / 16 * 16;
    let sign = _mm512_set1_epi32(0x8000_0000u32 as i32);
    let qnan = _mm512_set1_epi32(0x7FC0_0000);
    let mut i = 0;
    while i < n {
        // SAFETY: i + 16 <= n <= h.len() and out.len(): 16 u16 are read from h[i..] and 16
        // f32 written to out[i..], all in bounds; unaligned loads and stores are used.
        unsafe {
            let c = _mm256_loadu_si256(h.as_ptr().add(i) as *const __m256i);
            let f = _mm512_cvtph_ps(c);
            let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(f, f);
            let bits = _mm512_castps_si512(f);
            let canon = _mm512_or_si512(_mm512_and_si512(bits, sign), qnan);
            let r = _mm512_mask_blend_epi32(nan, bits, canon);
            _mm512_storeu_si512(out.as_mut_ptr().add(i) as *mut __m512i, r);
        }
        i += 16;
    }
    n
}

/// # Safety
/// The CPU must support AVX2 and F16C.
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn f32_to_f16_avx2_tf(x: &[f32], out: &mut [u16]) -> usize {
    let n = x.len().min(out.len()) / 8 * 8;
    let sign = _mm_set1_epi16(0x8000u16 as i16);
    let qnan = _mm_set1_epi16(0x7E00);
    let mut i = 0;
    while i < n {
        // SAFETY: i + 8 <= n <= x.len() and out.len(): 8 f32 are read from x[i..] and 8 u16
        // written to out[i..], all in bounds; unaligned loads and stores are used.
        unsafe {
            let v = _mm256_loadu_ps(x.as_ptr().add(i));
            let h = _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(v);
            let m = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_UNORD_Q>(v, v));
            let m16 = _mm_packs_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256::<1>(m));
            let canon = _mm_or_si128(_mm_and_si128(h, sign), qnan);
            let r = _mm_blendv_epi8(h, canon, m16);
            _mm_storeu_si128(out.as_mut_ptr().add(i) as *mut __m128i, r);
        }
        i += 8;
    }
    n
}

/// # Safety
/// The CPU must support AVX2 and F16C.
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn f16_to_f32_avx2_tf(h: &[u16], out: &mut [f32]) -> usize {
    let n = h.len().min(out.len()) / 8 * 8;
    let sign = _mm256_set1_epi32(0x8000_0000u32 as i32);
    let qnan = _mm256_set1_epi32(0x7FC0_0000);
    let mut i = 0;
    while i < n {
        // SAFETY: i + 8 <= n <= h.len() and out.len(): 8 u16 are read from h[i..] and 8 f32
        // written to out[i..], all in bounds; unaligned loads and stores are used.
        unsafe {
            let c = _mm_loadu_si128(h.as_ptr().add(i) as *const __m128i);
            let f = _mm256_cvtph_ps(c);
            let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(f, f);
            let bits = _mm256_castps_si256(f);
            let canon = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, sign), qnan));
            let r = _mm256_blendv_ps(f, canon, nan);
            _mm256_storeu_ps(out.as_mut_ptr().add(i), r);
        }
        i += 8;
    }
    n
}

/// float16 codes from f32 with AVX-512 (see above); returns how many were converted.
pub(super) fn f32_to_f16_avx512(x: &[f32], out: &mut [u16]) -> usize {
    debug_assert!(super::has_avx512());
    // SAFETY: reached only through Backend::Avx512, whose availability was detected at run
    // time, so the CPU has AVX-512 F/BW/VL.
    unsafe { f32_to_f16_avx512_tf(x, out) }
}
/// f32 from float16 codes with AVX-512; returns how many were converted.
pub(super) fn f16_to_f32_avx512(h: &[u16], out: &mut [f32]) -> usize {
    debug_assert!(super::has_avx512());
    // SAFETY: as for f32_to_f16_avx512.
    unsafe { f16_to_f32_avx512_tf(h, out) }
}
/// float16 codes from f32 with F16C; returns how many were converted.
pub(super) fn f32_to_f16_avx2(x: &[f32], out: &mut [u16]) -> usize {
    debug_assert!(super::has_avx2());
    // SAFETY: reached only through Backend::Avx2 (or Avx512, which implies it), whose
    // availability was detected at run time (AVX2, FMA and F16C).
    unsafe { f32_to_f16_avx2_tf(x, out) }
}
/// f32 from float16 codes with F16C; returns how many were converted.
pub(super) fn f16_to_f32_avx2(h: &[u16], out: &mut [f32]) -> usize {
    debug_assert!(super::has_avx2());
    // SAFETY: as for f32_to_f16_avx2.
    unsafe { f16_to_f32_avx2_tf(h, out) }
}

/// # Safety
/// The CPU must support AVX-512 F/BW/VL.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
unsafe fn decode_nibbles_perm_tf(table: &[f32; 16], bytes: &[u8], out: &mut [f32]) -> usize {
    // 16 bytes -> 32 values: low nibble of byte j is element 2j, high nibble 2j + 1; the
    // 16-entry table lives in one register and `vpermps` looks the values up.
    let n = (bytes.len() / 16).min(out.len() / 32);
    // SAFETY: `table` holds exactly 16 f32, the width of one unaligned 512-bit load.
    let t = unsafe { _mm512_loadu_ps(table.as_ptr()) };
    let low = _mm_set1_epi8(0x0F);
    for k in 0..n {
        // SAFETY: k < n, so bytes[16k..16k + 16] and out[32k..32k + 32] are in bounds;
        // unaligned loads and stores are used.
        unsafe {
            let b = _mm_loadu_si128(bytes.as_ptr().add(16 * k) as *const __m128i);
            let lo = _mm_and_si128(b, low);
            let hi = _mm_and_si128(_mm_srli_epi16::<4>(b), low);
            let i0 = _mm512_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi));
            let i1 = _mm512_cvtepu8_epi32(_mm_unpackhi_epi8(lo, hi));
            let o = out.as_mut_ptr().add(32 * k);
            _mm512_storeu_ps(o, _mm512_permutexvar_ps(i0, t));
            _mm512_storeu_ps(o.add(16), _mm512_permutexvar_ps(i1, t));
        }
    }
    16 * n
}

/// Decodes 4-bit codes (two per byte) through a 16-entry table held in a register, with
/// AVX-512; returns how many bytes were consumed (the caller finishes the tail).
pub(super) fn decode_nibbles_perm_avx512(
    table: &[f32; 16],
    bytes: &[u8],
    out: &mut [f32],
) -> usize {
    debug_assert!(super::has_avx512());
    // SAFETY: reached only through Backend::Avx512, detected at run time.
    unsafe { decode_nibbles_perm_tf(table, bytes, out) }
}

/// # Safety
/// The CPU must support AVX-512 F/BW/VL.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
unsafe fn dequant_nibble_blocks_tf(
    table: &[f32; 16],
    bytes: &[u8],
    a: &[f32],
    b: &[f32],
    bl: usize,
    out: &mut [f32],
) -> usize {
    // Block k: values (table[q] · a[k]) · b[k] — the table scaled once per block, then looked
    // up with `vpermps`; the same two f32 products per element as the scalar definition.
    // SAFETY: `table` holds exactly 16 f32, the width of one unaligned 512-bit load.
    let t = unsafe { _mm512_loadu_ps(table.as_ptr()) };
    let low = _mm_set1_epi8(0x0F);
    let blocks = a.len().min(b.len());
    match bl {
        32 => {
            let n = blocks.min(bytes.len() / 16).min(out.len() / 32);
            for k in 0..n {
                let (ta, vb) = (_mm512_mul_ps(t, _mm512_set1_ps(a[k])), _mm512_set1_ps(b[k]));
                // SAFETY: k < n: bytes[16k..16k + 16] and out[32k..32k + 32] are in bounds;
                // unaligned loads and stores.
                unsafe {
                    let v = _mm_loadu_si128(bytes.as_ptr().add(16 * k) as *const __m128i);
                    let (lo, hi) = (
                        _mm_and_si128(v, low),
                        _mm_and_si128(_mm_srli_epi16::<4>(v), low),
                    );
                    let i0 = _mm512_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi));
                    let i1 = _mm512_cvtepu8_epi32(_mm_unpackhi_epi8(lo, hi));
                    let o = out.as_mut_ptr().add(32 * k);
                    _mm512_storeu_ps(o, _mm512_mul_ps(_mm512_permutexvar_ps(i0, ta), vb));
                    _mm512_storeu_ps(o.add(16), _mm512_mul_ps(_mm512_permutexvar_ps(i1, ta), vb));
                }
            }
            32 * n
        }
        16 => {
            let n = blocks.min(bytes.len() / 8).min(out.len() / 16);
            for k in 0..n {
                let (ta, vb) = (_mm512_mul_ps(t, _mm512_set1_ps(a[k])), _mm512_set1_ps(b[k]));
                // SAFETY: k < n: bytes[8k..8k + 8] and out[16k..16k + 16] are in bounds;
                // an unaligned 64-bit load and 512-bit store.
                unsafe {
                    let v = _mm_loadl_epi64(bytes.as_ptr().add(8 * k) as *const __m128i);
                    let (lo, hi) = (
                        _mm_and_si128(v, low),
                        _mm_and_si128(_mm_srli_epi16::<4>(v), low),
                    );
                    let i0 = _mm512_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi));
                    let o = out.as_mut_ptr().add(16 * k);
                    _mm512_storeu_ps(o, _mm512_mul_ps(_mm512_permutexvar_ps(i0, ta), vb));
                }
            }
            16 * n
        }
        _ => 0,
    }
}

/// Block-scaled 4-bit decode with AVX-512 for blocks of 16 or 32 (see above); returns the
/// number of elements written (whole blocks; the caller finishes the rest).
pub(super) fn dequant_nibble_blocks_avx512(
    table: &[f32; 16],
    bytes: &[u8],
    a: &[f32],
    b: &[f32],
    bl: usize,
    out: &mut [f32],
) -> usize {
    debug_assert!(super::has_avx512());
    // SAFETY: reached only through Backend::Avx512, detected at run time.
    unsafe { dequant_nibble_blocks_tf(table, bytes, a, b, bl, out) }
}
