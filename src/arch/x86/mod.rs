//! x86_64: the AVX2 and AVX-512 kernel tables, and the kernels that need intrinsics (the
//! float16 hardware conversions and the register-table 4-bit decodes).

use core::arch::x86_64::*;

mod decode8;
mod gguf;
mod gguf_avx2;
mod scaled_avx2;

pub(super) use decode8::*;
pub(super) use gguf::*;
pub(super) use gguf_avx2::*;
pub(super) use scaled_avx2::*;

use super::{Kernels, for_each_kernel};
use crate::element::codebook::CodebookLanes;
use crate::element::fast::{Grid, LaneParams, NA, NE, TN, TP, TZ};
use crate::kernels::codebook;
use crate::kernels::e4m3::{self, E4m3Blocks};
use crate::kernels::element::{self, DecodeTable, IntLane};
use crate::kernels::quotient;
use crate::kernels::scaled::{self, Affine, AffineParams, FactorRule, Plan};
use crate::kernels::transcode;
use crate::kernels::trits;
use crate::kernels::{gguf_dq, gguf_kq, gguf_q};

/// Stamps one table: each body wrapped in a `#[target_feature]` function with exactly the
/// listed features, and a detection function for the same list.
macro_rules! x86_table {
    ($which:ident, $table:ident, $detect:ident, $feats:tt, $(
        $(#[$doc:meta])*
        $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = [$p:path, $a2:path, $a5:path];
    )*) => {
        /// Whether the CPU has every feature this backend's entries are compiled with
        /// (run-time detection with `std`, else the compile-time target features).
        pub(super) fn $detect() -> bool {
            x86_table!(@detect $feats)
        }

        pub(super) static $table: Kernels = Kernels { $( $name: {
            x86_table!(@tf $feats,
                fn tf($($arg: $ty),*) $(-> $ret)? {
                    x86_table!(@body $which, $p, $a2, $a5)($($arg),*)
                }
            );
            fn entry($($arg: $ty),*) $(-> $ret)? {
                debug_assert!($detect());
                // SAFETY: this table is reachable only through `Backend::path`, which hands
                // it out after the detection function found every feature `tf` is compiled
                // with.
                unsafe { tf($($arg),*) }
            }
            entry
        }, )* };
    };
    (@body avx2, $p:path, $a2:path, $a5:path) => { $a2 };
    (@body avx512, $p:path, $a2:path, $a5:path) => { $a5 };
    (@tf [$($feat:tt),*], $item:item) => {
        #[target_feature($(enable = $feat),*)]
        $item
    };
    (@detect [$($feat:tt),*]) => {{
        #[cfg(feature = "std")]
        {
            true $(&& std::is_x86_feature_detected!($feat))*
        }
        #[cfg(not(feature = "std"))]
        {
            true $(&& cfg!(target_feature = $feat))*
        }
    }};
}

for_each_kernel!(x86_table!(avx2, AVX2, has_avx2, ["avx2", "fma", "f16c"],));
for_each_kernel!(x86_table!(
    avx512,
    AVX512,
    has_avx512,
    ["avx512f", "avx512bw", "avx512vl", "avx2", "fma", "f16c"],
));

/// AVX-512's one-byte decode: arithmetic for 8-bit float formats (it beats gathers here),
/// else the AVX2 table kernel (8-lane gathers measured faster than 16-lane ones on Zen 4).
#[inline(always)]
pub(super) fn decode_u8_avx512(t: &DecodeTable, codes: &[u8], out: &mut [f32]) {
    if element::decode_arith8(t, codes, out) {
        return;
    }
    if t.float8.is_some() {
        element::decode_float8(t, codes, out);
    } else {
        (AVX2.decode_u8)(t, codes, out);
    }
}

/// AVX-512's 4-bit decode: whole 16-byte groups through the register table, the rest with
/// the AVX2 kernel.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(super) fn decode_nibbles_avx512(t: &DecodeTable, bytes: &[u8], out: &mut [f32]) {
    let done = decode_nibbles_perm(&t.first16(), bytes, out);
    (AVX2.decode_nibbles)(t, &bytes[done..], &mut out[2 * done..]);
}

// f32 <-> float16 with the hardware conversions (F16C, AVX-512), NaNs made canonical in the
// same pass: the crate's float16 NaN is 0x7E00 with the input's sign, its f32 NaN 0x7FC00000
// with the code's sign. Each converts the longest prefix that is a multiple of the vector
// width and returns its length; the caller finishes the tail.

/// float16 codes from f32 with AVX-512 in lane mode `mode` (the conversion's rounding
/// control for nearest even and the three directed modes; nearest-away from two
/// conversions); returns how many were converted.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(super) fn f32_to_f16_avx512(x: &[f32], mode: u8, out: &mut [u16]) -> usize {
    match mode {
        NE => f32_to_f16_avx512_in::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(x, out),
        TZ => f32_to_f16_avx512_in::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(x, out),
        TP => f32_to_f16_avx512_in::<{ _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC }>(x, out),
        TN => f32_to_f16_avx512_in::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(x, out),
        NA => f32_to_f16_away_avx512(x, out),
        _ => 0,
    }
}

/// Nearest-away from the two conversions it lies between: nearest even, except where that
/// equals the conversion toward zero (it broke a tie or a near value that way) and the input
/// is exactly the midpoint between that code's value and the next code's (both f16 values,
/// so their mean is exact in f32); there the next code. At the largest finite code the next
/// is ∞ and the midpoint ∞, which no finite input equals (nearest even already gives ∞ from
/// the tie at max + ½ulp on).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
fn f32_to_f16_away_avx512(x: &[f32], out: &mut [u16]) -> usize {
    let n = x.len().min(out.len()) / 16 * 16;
    let one = _mm256_set1_epi16(1);
    let half = _mm512_set1_ps(0.5);
    let mut i = 0;
    while i < n {
        // SAFETY: i + 16 <= n <= x.len() and out.len(): 16 f32 are read from x[i..] and 16
        // u16 written to out[i..], all in bounds; unaligned loads and stores are used.
        unsafe {
            let v = _mm512_loadu_ps(x.as_ptr().add(i));
            let ne = _mm512_cvtps_ph::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v);
            let tz = _mm512_cvtps_ph::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(v);
            // The next code away from zero (sign and magnitude).
            let up = _mm256_add_epi16(tz, one);
            let mid = _mm512_mul_ps(
                _mm512_add_ps(_mm512_cvtph_ps(tz), _mm512_cvtph_ps(up)),
                half,
            );
            let tie_down =
                _mm256_cmpeq_epi16_mask(ne, tz) & _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(v, mid);
            let h = _mm256_mask_blend_epi16(tie_down, ne, up);
            _mm256_storeu_si256(out.as_mut_ptr().add(i) as *mut __m256i, f16_nan_fix(v, h));
        }
        i += 16;
    }
    n
}

/// The float16 codes `h` of 16 f32 `v` with each NaN lane made the canonical 0x7E00 with
/// the input's sign.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
#[inline]
fn f16_nan_fix(v: __m512, h: __m256i) -> __m256i {
    let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(v, v);
    let sign = _mm256_set1_epi16(0x8000u16 as i16);
    let canon = _mm256_or_si256(_mm256_and_si256(h, sign), _mm256_set1_epi16(0x7E00));
    _mm256_mask_blend_epi16(nan, h, canon)
}

/// [`f32_to_f16_avx512`] with rounding control `R`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
fn f32_to_f16_avx512_in<const R: i32>(x: &[f32], out: &mut [u16]) -> usize {
    let n = x.len().min(out.len()) / 16 * 16;
    let mut i = 0;
    while i < n {
        // SAFETY: i + 16 <= n <= x.len() and out.len(): 16 f32 are read from x[i..] and 16
        // u16 written to out[i..], all in bounds; unaligned loads and stores are used.
        unsafe {
            let v = _mm512_loadu_ps(x.as_ptr().add(i));
            let h = _mm512_cvtps_ph::<R>(v);
            _mm256_storeu_si256(out.as_mut_ptr().add(i) as *mut __m256i, f16_nan_fix(v, h));
        }
        i += 16;
    }
    n
}

/// f32 from float16 codes with AVX-512; returns how many were converted.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(super) fn f16_to_f32_avx512(h: &[u16], out: &mut [f32]) -> usize {
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

/// float16 codes from f32 with F16C, as [`f32_to_f16_avx512`].
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn f32_to_f16_avx2(x: &[f32], mode: u8, out: &mut [u16]) -> usize {
    match mode {
        NE => f32_to_f16_avx2_in::<_MM_FROUND_TO_NEAREST_INT>(x, out),
        TZ => f32_to_f16_avx2_in::<_MM_FROUND_TO_ZERO>(x, out),
        TP => f32_to_f16_avx2_in::<_MM_FROUND_TO_POS_INF>(x, out),
        TN => f32_to_f16_avx2_in::<_MM_FROUND_TO_NEG_INF>(x, out),
        _ => 0,
    }
}

/// [`f32_to_f16_avx2`] with rounding control `R`.
#[target_feature(enable = "avx2,fma,f16c")]
fn f32_to_f16_avx2_in<const R: i32>(x: &[f32], out: &mut [u16]) -> usize {
    let n = x.len().min(out.len()) / 8 * 8;
    let sign = _mm_set1_epi16(0x8000u16 as i16);
    let qnan = _mm_set1_epi16(0x7E00);
    let mut i = 0;
    while i < n {
        // SAFETY: i + 8 <= n <= x.len() and out.len(): 8 f32 are read from x[i..] and 8 u16
        // written to out[i..], all in bounds; unaligned loads and stores are used.
        unsafe {
            let v = _mm256_loadu_ps(x.as_ptr().add(i));
            let h = _mm256_cvtps_ph::<R>(v);
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

/// f32 from float16 codes with F16C; returns how many were converted.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn f16_to_f32_avx2(h: &[u16], out: &mut [f32]) -> usize {
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

/// Decodes 4-bit codes (two per byte) through a 16-entry table held in a register; returns
/// how many bytes were consumed (whole 16-byte groups; the caller finishes the tail).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
fn decode_nibbles_perm(table: &[f32; 16], bytes: &[u8], out: &mut [f32]) -> usize {
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

/// Block-scaled 4-bit decode for blocks of 16 or 32: block k's values are
/// `(table[q] · a) · b` with `factors[k] = (a, b)`; returns the number of elements written
/// (whole blocks; the caller finishes the rest, and other block lengths).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(super) fn dequant_nibble_blocks_avx512(
    table: &[f32; 16],
    bytes: &[u8],
    factors: &[(f32, f32)],
    bl: usize,
    out: &mut [f32],
) -> usize {
    // Block k: values (table[q] · a[k]) · b[k] — the table scaled once per block, then looked
    // up with `vpermps`; the same two f32 products per element as the scalar definition.
    // SAFETY: `table` holds exactly 16 f32, the width of one unaligned 512-bit load.
    let t = unsafe { _mm512_loadu_ps(table.as_ptr()) };
    let low = _mm_set1_epi8(0x0F);
    let blocks = factors.len();
    match bl {
        32 => {
            let n = blocks.min(bytes.len() / 16).min(out.len() / 32);
            for (k, &(a, b)) in factors.iter().enumerate().take(n) {
                let (ta, vb) = (_mm512_mul_ps(t, _mm512_set1_ps(a)), _mm512_set1_ps(b));
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
            for (k, &(a, b)) in factors.iter().enumerate().take(n) {
                let (ta, vb) = (_mm512_mul_ps(t, _mm512_set1_ps(a)), _mm512_set1_ps(b));
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

/// The values of 8 codes (their 4-bit indices, one per 32-bit lane) from a 16-entry table
/// held in two registers: `vpermps` on each half, a blend on bit 3 of the code.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn lookup16_avx2(lo_t: __m256, hi_t: __m256, idx: __m256i) -> __m256 {
    let a = _mm256_permutevar8x32_ps(lo_t, idx);
    let b = _mm256_permutevar8x32_ps(hi_t, idx);
    _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32::<28>(idx)))
}

/// [`dequant_nibble_blocks_avx512`] on AVX2: block k's table halves scaled by `a` once, each
/// group of 8 codes looked up ([`lookup16_avx2`]) and multiplied by `b`; the same two f32
/// products per element as the scalar definition.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn dequant_nibble_blocks_avx2(
    table: &[f32; 16],
    bytes: &[u8],
    factors: &[(f32, f32)],
    bl: usize,
    out: &mut [f32],
) -> usize {
    if bl != 16 && bl != 32 {
        return 0;
    }
    // SAFETY: `table` holds 16 f32: two unaligned 256-bit loads at offsets 0 and 8.
    let (lo_t, hi_t) = unsafe {
        (
            _mm256_loadu_ps(table.as_ptr()),
            _mm256_loadu_ps(table.as_ptr().add(8)),
        )
    };
    let low = _mm_set1_epi8(0x0F);
    let n = factors
        .len()
        .min(bytes.len() / (bl / 2))
        .min(out.len() / bl);
    for (k, &(a, b)) in factors.iter().enumerate().take(n) {
        let va = _mm256_set1_ps(a);
        let (lo_a, hi_a, vb) = (
            _mm256_mul_ps(lo_t, va),
            _mm256_mul_ps(hi_t, va),
            _mm256_set1_ps(b),
        );
        let value =
            |idx: __m128i| _mm256_mul_ps(lookup16_avx2(lo_a, hi_a, _mm256_cvtepu8_epi32(idx)), vb);
        // SAFETY: k < n: bytes[k·bl/2..(k + 1)·bl/2] and out[k·bl..(k + 1)·bl] are in
        // bounds (16 or 8 bytes read, 32 or 16 f32 written); unaligned loads and stores.
        unsafe {
            let o = out.as_mut_ptr().add(bl * k);
            let src = bytes.as_ptr().add(bl / 2 * k) as *const __m128i;
            let v = if bl == 32 {
                _mm_loadu_si128(src)
            } else {
                _mm_loadl_epi64(src)
            };
            let (lo, hi) = (
                _mm_and_si128(v, low),
                _mm_and_si128(_mm_srli_epi16::<4>(v), low),
            );
            // Element 2j is byte j's low nibble, 2j + 1 its high nibble.
            let i0 = _mm_unpacklo_epi8(lo, hi);
            _mm256_storeu_ps(o, value(i0));
            _mm256_storeu_ps(o.add(8), value(_mm_srli_si128::<8>(i0)));
            if bl == 32 {
                let i1 = _mm_unpackhi_epi8(lo, hi);
                _mm256_storeu_ps(o.add(16), value(i1));
                _mm256_storeu_ps(o.add(24), value(_mm_srli_si128::<8>(i1)));
            }
        }
    }
    bl * n
}

/// AVX2's 4-bit decode: whole 16-byte groups through the 16-entry table held in two
/// registers ([`lookup16_avx2`]), the tail through the table of pairs.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn decode_nibbles_avx2(t: &DecodeTable, bytes: &[u8], out: &mut [f32]) {
    let table = t.first16();
    let n = (bytes.len() / 16).min(out.len() / 32);
    // SAFETY: `table` holds 16 f32: two unaligned 256-bit loads at offsets 0 and 8.
    let (lo_t, hi_t) = unsafe {
        (
            _mm256_loadu_ps(table.as_ptr()),
            _mm256_loadu_ps(table.as_ptr().add(8)),
        )
    };
    let low = _mm_set1_epi8(0x0F);
    let lookup = |idx: __m256i| lookup16_avx2(lo_t, hi_t, idx);
    for k in 0..n {
        // SAFETY: k < n, so bytes[16k..16k + 16] and out[32k..32k + 32] are in bounds;
        // unaligned loads and stores are used.
        unsafe {
            let b = _mm_loadu_si128(bytes.as_ptr().add(16 * k) as *const __m128i);
            let lo = _mm_and_si128(b, low);
            let hi = _mm_and_si128(_mm_srli_epi16::<4>(b), low);
            // Element 2j is byte j's low nibble, 2j + 1 its high nibble.
            let i0 = _mm_unpacklo_epi8(lo, hi);
            let i1 = _mm_unpackhi_epi8(lo, hi);
            let o = out.as_mut_ptr().add(32 * k);
            _mm256_storeu_ps(o, lookup(_mm256_cvtepu8_epi32(i0)));
            _mm256_storeu_ps(
                o.add(8),
                lookup(_mm256_cvtepu8_epi32(_mm_srli_si128::<8>(i0))),
            );
            _mm256_storeu_ps(o.add(16), lookup(_mm256_cvtepu8_epi32(i1)));
            _mm256_storeu_ps(
                o.add(24),
                lookup(_mm256_cvtepu8_epi32(_mm_srli_si128::<8>(i1))),
            );
        }
    }
    let done = 16 * n;
    element::decode_pairs4(t, &bytes[done..], &mut out[2 * done..]);
}

/// 4-bit codes to one byte each with the 16-entry table in a register: 16 input bytes give
/// 32 codes (`vpshufb` on the low and the high nibbles, interleaved); the tail through the
/// portable body.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn transcode_nibbles_wide_avx2(t: &[u8; 16], bytes: &[u8], out: &mut [u8]) {
    let n = (bytes.len() / 16).min(out.len() / 32);
    // SAFETY: `t` holds exactly 16 bytes, one unaligned 128-bit load.
    let table = unsafe { _mm_loadu_si128(t.as_ptr() as *const __m128i) };
    let low = _mm_set1_epi8(0x0F);
    for k in 0..n {
        // SAFETY: k < n: bytes[16k..16k + 16] and out[32k..32k + 32] are in bounds;
        // unaligned loads and stores.
        unsafe {
            let b = _mm_loadu_si128(bytes.as_ptr().add(16 * k) as *const __m128i);
            let lo = _mm_shuffle_epi8(table, _mm_and_si128(b, low));
            let hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16::<4>(b), low));
            let o = out.as_mut_ptr().add(32 * k);
            _mm_storeu_si128(o as *mut __m128i, _mm_unpacklo_epi8(lo, hi));
            _mm_storeu_si128(o.add(16) as *mut __m128i, _mm_unpackhi_epi8(lo, hi));
        }
    }
    transcode::transcode_nibbles_wide(t, &bytes[16 * n..], &mut out[32 * n..]);
}

/// 4-bit codes to 4-bit codes with the table in a register (`vpshufb` on both nibbles).
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn transcode_nibbles_avx2(t: &[u8; 16], bytes: &[u8], out: &mut [u8]) {
    let n = bytes.len().min(out.len()) / 16;
    // SAFETY: `t` holds exactly 16 bytes, one unaligned 128-bit load.
    let table = unsafe { _mm_loadu_si128(t.as_ptr() as *const __m128i) };
    let low = _mm_set1_epi8(0x0F);
    for k in 0..n {
        // SAFETY: k < n: bytes[16k..16k + 16] and out[16k..16k + 16] are in bounds;
        // unaligned loads and stores.
        unsafe {
            let b = _mm_loadu_si128(bytes.as_ptr().add(16 * k) as *const __m128i);
            let lo = _mm_shuffle_epi8(table, _mm_and_si128(b, low));
            let hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16::<4>(b), low));
            // Table codes are below 16, so the shifted high codes do not cross bytes.
            let r = _mm_or_si128(lo, _mm_slli_epi16::<4>(hi));
            _mm_storeu_si128(out.as_mut_ptr().add(16 * k) as *mut __m128i, r);
        }
    }
    transcode::transcode_nibbles(t, &bytes[16 * n..], &mut out[16 * n..]);
}

/// [`scaled::pre_pow2`] for blocks of 16 or 32 (MX): a block's amax is the largest of its
/// magnitudes' bit patterns over one or two registers (the same integer maximum as
/// [`scaled::amax`]), its factors come from [`scaled::pow2_factors`], and its inputs are one
/// `vmulps` per register, the product the portable loop computes. Other block lengths, and
/// the last partial block, go to the portable body.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(super) fn pre_pow2_avx512(
    x: &[f32],
    n: usize,
    emax: i32,
    shift: i32,
    codes: &mut [u8],
    y: &mut [f32],
) -> u64 {
    if n != 16 && n != 32 {
        return scaled::pre_pow2(x, n, emax, shift, codes, y);
    }
    let whole = (x.len() / n)
        .min(y.len() / n)
        .min(codes.len())
        .min(scaled::GROUP_MAX);
    let abs = _mm512_set1_epi32(0x7FFF_FFFF);
    let mut miss = 0u64;
    for (b, c) in codes.iter_mut().enumerate().take(whole) {
        // SAFETY: b < whole: x[b·n..(b + 1)·n] and y[b·n..(b + 1)·n] are in bounds, and
        // n is 16 or 32 (one or two unaligned 512-bit loads and stores).
        unsafe {
            let p = x.as_ptr().add(b * n);
            let v0 = _mm512_loadu_ps(p);
            let v1 = if n == 32 {
                _mm512_loadu_ps(p.add(16))
            } else {
                _mm512_setzero_ps()
            };
            let a = _mm512_max_epu32(
                _mm512_and_si512(_mm512_castps_si512(v0), abs),
                _mm512_and_si512(_mm512_castps_si512(v1), abs),
            );
            let amax = f32::from_bits(_mm512_reduce_max_epu32(a));
            match scaled::pow2_factors(amax, emax, shift) {
                Some((code, m, _)) => {
                    *c = code;
                    let (m, o) = (_mm512_set1_ps(m), y.as_mut_ptr().add(b * n));
                    _mm512_storeu_ps(o, _mm512_mul_ps(v0, m));
                    if n == 32 {
                        _mm512_storeu_ps(o.add(16), _mm512_mul_ps(v1, m));
                    }
                }
                None => miss |= 1 << b,
            }
        }
    }
    if whole >= scaled::GROUP_MAX {
        return miss;
    }
    let (x0, y0) = ((whole * n).min(x.len()), (whole * n).min(y.len()));
    let rest = scaled::pre_pow2(&x[x0..], n, emax, shift, &mut codes[whole..], &mut y[y0..]);
    miss | rest << whole
}

/// AVX-512's 6-bit decode (four codes per three bytes, `pack`'s dense bit stream): 16 codes
/// from 12 bytes per step — the 16 bytes loaded into every 128-bit lane, lane L's bytes
/// `3L..3L + 3` spread to four dwords (`vpshufb`), shifted by 0, 6, 12, 18 and masked — then
/// looked up in the 64-entry table held in four registers (two `vpermt2ps`, a blend on bit
/// 5 of the code). The table lookup is the portable kernel's; the tail goes to it.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(super) fn decode_sixes_avx512(t: &DecodeTable, bytes: &[u8], out: &mut [f32]) {
    // Steps whose 16-byte load stays inside `bytes`.
    let steps = (bytes.len().saturating_sub(4) / 12).min(out.len() / 16);
    // SAFETY: `t.lut` holds 256 f32; the four loads read entries 0..64.
    let (t0, t1, t2, t3) = unsafe {
        let p = t.lut.as_ptr();
        (
            _mm512_loadu_ps(p),
            _mm512_loadu_ps(p.add(16)),
            _mm512_loadu_ps(p.add(32)),
            _mm512_loadu_ps(p.add(48)),
        )
    };
    // Lane L, dword j: bytes 3L, 3L + 1, 3L + 2 of the step, then zero (-1: vpshufb's zero).
    let spread = _mm512_set_epi8(
        -1, 11, 10, 9, -1, 11, 10, 9, -1, 11, 10, 9, -1, 11, 10, 9, //
        -1, 8, 7, 6, -1, 8, 7, 6, -1, 8, 7, 6, -1, 8, 7, 6, //
        -1, 5, 4, 3, -1, 5, 4, 3, -1, 5, 4, 3, -1, 5, 4, 3, //
        -1, 2, 1, 0, -1, 2, 1, 0, -1, 2, 1, 0, -1, 2, 1, 0,
    );
    let shifts = _mm512_set_epi32(18, 12, 6, 0, 18, 12, 6, 0, 18, 12, 6, 0, 18, 12, 6, 0);
    let (six, bit5) = (_mm512_set1_epi32(63), _mm512_set1_epi32(32));
    for k in 0..steps {
        // SAFETY: k < steps: bytes[12k..12k + 16] and out[16k..16k + 16] are in bounds;
        // an unaligned 128-bit load and 512-bit store.
        unsafe {
            let v = _mm_loadu_si128(bytes.as_ptr().add(12 * k) as *const __m128i);
            let w = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(v), spread);
            let c = _mm512_and_si512(_mm512_srlv_epi32(w, shifts), six);
            let lo = _mm512_permutex2var_ps(t0, c, t1);
            let hi = _mm512_permutex2var_ps(t2, c, t3);
            let m = _mm512_test_epi32_mask(c, bit5);
            _mm512_storeu_ps(
                out.as_mut_ptr().add(16 * k),
                _mm512_mask_blend_ps(m, lo, hi),
            );
        }
    }
    element::decode_sixes(t, &bytes[12 * steps..], &mut out[16 * steps..]);
}

/// The amax bits of NVFP4's blocks of 16 for the fused E4M3 kernels: one register per block,
/// its magnitudes' bit patterns reduced with the integer maximum ([`e4m3::amax_bits`]'s
/// fold; LLVM vectorizes that one across blocks with a gather per element row instead).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
fn amax_bits16_avx512(x: &[f32], am: &mut [u32; scaled::GROUP_MAX]) {
    let abs = _mm512_set1_epi32(0x7FFF_FFFF);
    let whole = (x.len() / 16).min(scaled::GROUP_MAX);
    for (j, a) in am.iter_mut().enumerate().take(whole) {
        // SAFETY: j < whole: x[16j..16j + 16] is in bounds; an unaligned 512-bit load.
        let v = unsafe { _mm512_loadu_si512(x.as_ptr().add(16 * j) as *const __m512i) };
        *a = _mm512_reduce_max_epu32(_mm512_and_si512(v, abs));
    }
    if whole < scaled::GROUP_MAX && whole * 16 < x.len() {
        // The last, partial block.
        am[whole] = scaled::amax(&x[whole * 16..]).to_bits();
    }
}

/// [`e4m3::pre_e4m3`] with the amax of blocks of 16 from [`amax_bits16_avx512`].
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(super) fn pre_e4m3_avx512(
    p: &E4m3Blocks,
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    y: &mut [f32],
) -> u64 {
    e4m3::pre_e4m3_by(|x, am| amax_bits16_avx512(x, am), p, x, n, codes, y)
}

/// [`e4m3::qdq_e4m3`] with the amax of blocks of 16 from [`amax_bits16_avx512`].
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma,f16c")]
pub(super) fn qdq_e4m3_avx512(
    p: &E4m3Blocks,
    g: &Grid,
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    out: &mut [f32],
) -> u64 {
    e4m3::qdq_e4m3_by(|x, am| amax_bits16_avx512(x, am), p, g, x, n, codes, out)
}
