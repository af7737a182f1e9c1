//! x86_64 GGUF quantizers with AVX2, for CPUs without AVX-512: Q8_0/Q8_1/Q4_0/Q4_1/Q5_0/Q5_1
//! (the AVX-512 kernels of `gguf.rs` at 256 bits) and TQ1_0/TQ2_0.

use core::arch::x86_64::*;

use super::gguf::{f16_hw, plain_amax};
use crate::kernels::gguf_q;
// The same quantizers with AVX2 (for CPUs without AVX-512): a block of 32 is four vectors
// of 8; per block the same scalar scale rule, the same hardware fp16, the same plain-block
// conditions and the same code arithmetic as the AVX-512 kernels in `gguf.rs`, lane for lane.

/// A block of 32 floats as four vectors and its largest magnitude as bits (`u32::MAX` for
/// a short block).
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn load32_avx2(x: &[f32]) -> (u32, [__m256; 4]) {
    let z = _mm256_setzero_ps();
    if x.len() < 32 {
        return (u32::MAX, [z; 4]);
    }
    // SAFETY: x holds at least 32 f32 (checked above); unaligned loads.
    let v = unsafe {
        [
            _mm256_loadu_ps(x.as_ptr()),
            _mm256_loadu_ps(x.as_ptr().add(8)),
            _mm256_loadu_ps(x.as_ptr().add(16)),
            _mm256_loadu_ps(x.as_ptr().add(24)),
        ]
    };
    let m = _mm256_set1_epi32(0x7fff_ffff);
    let abs = |v: __m256| _mm256_and_si256(_mm256_castps_si256(v), m);
    let a = _mm256_max_epu32(
        _mm256_max_epu32(abs(v[0]), abs(v[1])),
        _mm256_max_epu32(abs(v[2]), abs(v[3])),
    );
    let a = _mm_max_epu32(_mm256_castsi256_si128(a), _mm256_extracti128_si256::<1>(a));
    let a = _mm_max_epu32(a, _mm_shuffle_epi32::<0b01_00_11_10>(a));
    let a = _mm_max_epu32(a, _mm_shuffle_epi32::<0b10_11_00_01>(a));
    (_mm_cvtsi128_si32(a) as u32, v)
}

/// `(int)roundf(v)` per lane for |v| < 2^23 (half away from zero).
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn round_away_avx2(v: __m256) -> __m256i {
    let t = _mm256_round_ps::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(v);
    let f = _mm256_sub_ps(v, t);
    // The comparison masks are −1 where true: subtracting `up` adds one, adding `dn`
    // subtracts one.
    let up = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_GE_OQ>(f, _mm256_set1_ps(0.5)));
    let dn = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_LE_OQ>(f, _mm256_set1_ps(-0.5)));
    _mm256_add_epi32(_mm256_sub_epi32(_mm256_cvttps_epi32(t), up), dn)
}

/// The sum of the eight i32 lanes.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn hsum_avx2(v: __m256i) -> i32 {
    let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
    _mm_cvtsi128_si32(s)
}

/// f32 → GGUF Q8_0 with AVX2, as [`q8_avx2`].
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q8_0_avx2(x: &[f32], out: &mut [u8]) -> u64 {
    q8_avx2(x, out, false)
}

/// f32 → GGUF Q8_1 with AVX2, as [`q8_avx2`].
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q8_1_avx2(x: &[f32], out: &mut [u8]) -> u64 {
    q8_avx2(x, out, true)
}

/// Q8_0 / Q8_1 as `gguf::q8_avx512`, with the scales of 8 blocks per vector and 32 codes
/// narrowed to bytes by two signed packs and a lane permutation.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn q8_avx2(x: &[f32], out: &mut [u8], sum: bool) -> u64 {
    let (bb, q_at) = if sum { (36, 4) } else { (34, 2) };
    let mut left = 0u64;
    let blocks = (x.len() / 32).min(out.len() / bb).min(64);
    let mut a = [0u32; 64];
    for (k, xb) in x.chunks_exact(32).take(blocks).enumerate() {
        a[k] = load32_avx2(xb).0;
        left |= u64::from(!plain_amax(a[k])) << k;
    }
    let (mut d, mut id, mut h) = ([0f32; 64], [0f32; 64], [0u16; 64]);
    for g in 0..8 {
        // SAFETY: 8 u32 are read from a[8g..], 8 f32 written to d[8g..] and id[8g..] and
        // 8 u16 to h[8g..]; all arrays hold 64.
        unsafe {
            let va = _mm256_loadu_si256(a.as_ptr().add(8 * g) as *const __m256i);
            let va = _mm256_min_epu32(va, _mm256_set1_epi32(0x7f7f_ffff));
            let dv = _mm256_div_ps(_mm256_castsi256_ps(va), _mm256_set1_ps(127.0));
            _mm256_storeu_ps(d.as_mut_ptr().add(8 * g), dv);
            let nz = _mm256_cmp_ps::<_CMP_NEQ_OQ>(dv, _mm256_setzero_ps());
            let inv = _mm256_and_ps(_mm256_div_ps(_mm256_set1_ps(1.0), dv), nz);
            _mm256_storeu_ps(id.as_mut_ptr().add(8 * g), inv);
            let hh = _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(dv);
            _mm_storeu_si128(h.as_mut_ptr().add(8 * g) as *mut __m128i, hh);
        }
    }
    let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (k, (xb, ob)) in x
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
        .take(blocks)
    {
        if left >> k & 1 == 1 || ob.len() < bb {
            continue;
        }
        let (_, v) = load32_avx2(xb);
        let vid = _mm256_set1_ps(id[k]);
        let r = v.map(|v| round_away_avx2(_mm256_mul_ps(v, vid)));
        ob[..2].copy_from_slice(&h[k].to_le_bytes());
        if sum {
            let s = hsum_avx2(_mm256_add_epi32(
                _mm256_add_epi32(r[0], r[1]),
                _mm256_add_epi32(r[2], r[3]),
            ));
            ob[2..4].copy_from_slice(&f16_hw(s as f32 * d[k]).to_le_bytes());
        }
        // |codes| ≤ 127: the saturating packs are exact; they interleave the 128-bit
        // halves, which the permutation puts back in element order.
        let p = _mm256_packs_epi16(
            _mm256_packs_epi32(r[0], r[1]),
            _mm256_packs_epi32(r[2], r[3]),
        );
        let c = _mm256_permutevar8x32_epi32(p, order);
        // SAFETY: ob holds bb = q_at + 32 bytes (checked above); unaligned store.
        unsafe { _mm256_storeu_si256(ob.as_mut_ptr().add(q_at) as *mut __m256i, c) };
    }
    left
}

/// Packs 32 codes in 0..=31 (elements 8i.. in `c[i]`) GGUF-style at byte `at`, as
/// `gguf::store_codes`: nibble bytes `c[j] | c[j + 16] << 4`, and for the 5-bit types the u32
/// of fifth bits first, the nibbles masked.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn store_codes_avx2(ob: &mut [u8], at: usize, c: [__m256i; 4], five: bool) {
    let mut c = c;
    let mut o = at;
    if five {
        let bit =
            |v: __m256i| _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32::<27>(v))) as u32;
        let qh = bit(c[0]) | bit(c[1]) << 8 | bit(c[2]) << 16 | bit(c[3]) << 24;
        ob[at..at + 4].copy_from_slice(&qh.to_le_bytes());
        let m = _mm256_set1_epi32(0xf);
        c = c.map(|v| _mm256_and_si256(v, m));
        o += 4;
    }
    let lo = _mm256_or_si256(c[0], _mm256_slli_epi32::<4>(c[2]));
    let hi = _mm256_or_si256(c[1], _mm256_slli_epi32::<4>(c[3]));
    // Bytes 0..8 in `lo`, 8..16 in `hi` (values ≤ 255): unsigned packs, the 64-bit
    // quarters back in order, then the two halves packed to bytes.
    let w = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi32(lo, hi));
    let q = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256::<1>(w));
    if ob.len() >= o + 16 {
        // SAFETY: bytes o..o + 16 of ob are in bounds (checked above); unaligned store.
        unsafe { _mm_storeu_si128(ob.as_mut_ptr().add(o) as *mut __m128i, q) };
    }
}

/// Q4_0 / Q5_0 as `gguf::q_sym_avx512`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn q_sym_avx2(x: &[f32], out: &mut [u8], five: bool) -> u64 {
    let (bb, div, bias, top) = if five {
        (22, -16.0f32, 16.5f32, 31)
    } else {
        (18, -8.0, 8.5, 15)
    };
    let mut left = 0u64;
    let absm = _mm256_set1_epi32(0x7fff_ffff);
    for (k, (xb, ob)) in x
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
        .take(64)
    {
        let (a, v) = load32_avx2(xb);
        if !plain_amax(a) || ob.len() < bb {
            left |= 1 << k;
            continue;
        }
        let va = _mm256_set1_epi32(a as i32);
        let hit = |v: __m256| {
            let e = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(v), absm), va);
            _mm256_movemask_ps(_mm256_castsi256_ps(e)) as u32
        };
        let mask = hit(v[0]) | hit(v[1]) << 8 | hit(v[2]) << 16 | hit(v[3]) << 24;
        let max = if a == 0 {
            0.0
        } else {
            xb[mask.trailing_zeros() as usize & 31]
        };
        let d = max / div;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        ob[..2].copy_from_slice(&f16_hw(d).to_le_bytes());
        let (vid, vb, vt) = (
            _mm256_set1_ps(id),
            _mm256_set1_ps(bias),
            _mm256_set1_epi32(top),
        );
        // x·id + bias lies in [0, 2·bias]: the truncation is exact.
        let c = v.map(|v| {
            _mm256_min_epi32(
                _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(v, vid), vb)),
                vt,
            )
        });
        store_codes_avx2(ob, 2, c, five);
    }
    left
}

/// f32 → GGUF Q4_0 with AVX2.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q4_0_avx2(x: &[f32], out: &mut [u8]) -> u64 {
    q_sym_avx2(x, out, false)
}

/// f32 → GGUF Q5_0 with AVX2.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q5_0_avx2(x: &[f32], out: &mut [u8]) -> u64 {
    q_sym_avx2(x, out, true)
}

/// The smallest and the largest lane of four vectors (no NaN).
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn min_max_avx2(v: &[__m256; 4]) -> (f32, f32) {
    let lo = _mm256_min_ps(_mm256_min_ps(v[0], v[1]), _mm256_min_ps(v[2], v[3]));
    let hi = _mm256_max_ps(_mm256_max_ps(v[0], v[1]), _mm256_max_ps(v[2], v[3]));
    let lo = _mm_min_ps(_mm256_castps256_ps128(lo), _mm256_extractf128_ps::<1>(lo));
    let hi = _mm_max_ps(_mm256_castps256_ps128(hi), _mm256_extractf128_ps::<1>(hi));
    let lo = _mm_min_ps(lo, _mm_movehl_ps(lo, lo));
    let hi = _mm_max_ps(hi, _mm_movehl_ps(hi, hi));
    let lo = _mm_min_ss(lo, _mm_shuffle_ps::<0b01>(lo, lo));
    let hi = _mm_max_ss(hi, _mm_shuffle_ps::<0b01>(hi, hi));
    (_mm_cvtss_f32(lo), _mm_cvtss_f32(hi))
}

/// Q4_1 / Q5_1 as `gguf::q_asym_avx512`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn q_asym_avx2(x: &[f32], out: &mut [u8], five: bool) -> u64 {
    let (bb, div) = if five { (24, 31.0f32) } else { (20, 15.0) };
    let mut left = 0u64;
    for (k, (xb, ob)) in x
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
        .take(64)
    {
        let (a, v) = load32_avx2(xb);
        if a >= 0x7180_0000 || ob.len() < bb {
            left |= 1 << k;
            continue;
        }
        let (mn, mx) = min_max_avx2(&v);
        let (mn, mx) = gguf_q::zero_sign(xb, mn, mx);
        let d = (mx - mn) / div;
        if !(d == 0.0 || d.abs() >= f32::from_bits(0x0d80_0000)) {
            left |= 1 << k;
            continue;
        }
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        ob[..2].copy_from_slice(&f16_hw(d).to_le_bytes());
        ob[2..4].copy_from_slice(&f16_hw(mn).to_le_bytes());
        let (vm, vid, h) = (_mm256_set1_ps(mn), _mm256_set1_ps(id), _mm256_set1_ps(0.5));
        let code =
            |v| _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(v, vm), vid), h));
        let mut c = v.map(code);
        if !five {
            let t = _mm256_set1_epi32(15);
            c = c.map(|c| _mm256_min_epi32(c, t));
        }
        store_codes_avx2(ob, 4, c, five);
    }
    left
}

/// f32 → GGUF Q4_1 with AVX2.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q4_1_avx2(x: &[f32], out: &mut [u8]) -> u64 {
    q_asym_avx2(x, out, false)
}

/// f32 → GGUF Q5_1 with AVX2.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_q5_1_avx2(x: &[f32], out: &mut [u8]) -> u64 {
    q_asym_avx2(x, out, true)
}

// GGUF ternary quantizers with AVX2: the trits of a 256-element block as 32 vectors of i32,
// then the two layouts' byte arithmetic 8 bytes per vector.

/// The trit codes `lroundf(x/d) + 1` of a plain TQ block (`d = amax`, its fp16 written at
/// `at`) as 32 vectors of 8 (elements 8i.. in `t[i]`); `false` for a block that is not
/// plain (left to the caller), as `gguf_q::tq_codes`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn tq_trits_avx2(xb: &[f32], ob: &mut [u8], at: usize, t: &mut [__m256i; 32]) -> bool {
    if xb.len() < 256 || ob.len() < at + 2 {
        return false;
    }
    let mut v = [_mm256_setzero_ps(); 32];
    let m = _mm256_set1_epi32(0x7fff_ffff);
    let mut a = _mm256_setzero_si256();
    for (i, v) in v.iter_mut().enumerate() {
        // SAFETY: xb holds 256 f32 (checked above); lanes 8i..8i + 8, unaligned.
        *v = unsafe { _mm256_loadu_ps(xb.as_ptr().add(8 * i)) };
        a = _mm256_max_epu32(a, _mm256_and_si256(_mm256_castps_si256(*v), m));
    }
    let a = _mm_max_epu32(_mm256_castsi256_si128(a), _mm256_extracti128_si256::<1>(a));
    let a = _mm_max_epu32(a, _mm_shuffle_epi32::<0b01_00_11_10>(a));
    let a = _mm_max_epu32(a, _mm_shuffle_epi32::<0b10_11_00_01>(a));
    let a = _mm_cvtsi128_si32(a) as u32;
    if !plain_amax(a) {
        return false;
    }
    let d = f32::from_bits(a);
    ob[at..at + 2].copy_from_slice(&f16_hw(d).to_le_bytes());
    let vid = _mm256_set1_ps(if d != 0.0 { 1.0 / d } else { 0.0 });
    let one = _mm256_set1_epi32(1);
    for (t, v) in t.iter_mut().zip(v) {
        *t = _mm256_add_epi32(round_away_avx2(_mm256_mul_ps(v, vid)), one);
    }
    true
}

/// 32 values in 0..=255 (four vectors, elements in order) stored as bytes at `o`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn store_bytes32_avx2(ob: &mut [u8], o: usize, v: [__m256i; 4]) {
    let p = _mm256_packus_epi16(
        _mm256_packus_epi32(v[0], v[1]),
        _mm256_packus_epi32(v[2], v[3]),
    );
    let c = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    if ob.len() >= o + 32 {
        // SAFETY: bytes o..o + 32 of ob are in bounds (checked above); unaligned store.
        unsafe { _mm256_storeu_si256(ob.as_mut_ptr().add(o) as *mut __m256i, c) };
    }
}

/// `(q·256 + 242)/243` per lane for q in 0..=242 (`gguf_q::ceil243`): the f32 quotient of
/// exact integers truncated. It is exact: a quotient k + r/243 (r ≤ 242, k ≤ 255) lies at
/// least 1/243 below the next integer, far beyond f32's rounding error there (2^−16).
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn ceil243_avx2(q: __m256i) -> __m256i {
    let n = _mm256_add_epi32(_mm256_slli_epi32::<8>(q), _mm256_set1_epi32(242));
    _mm256_cvttps_epi32(_mm256_div_ps(_mm256_cvtepi32_ps(n), _mm256_set1_ps(243.0)))
}

/// `q·3 + t` per lane.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
fn mul3_add(q: __m256i, t: __m256i) -> __m256i {
    _mm256_add_epi32(_mm256_add_epi32(q, _mm256_add_epi32(q, q)), t)
}

/// f32 → GGUF TQ1_0 with AVX2, as `gguf_q::q_tq1_0`: bytes m < 32 hold the trits of
/// x[m + 32n], bytes 32 + m < 48 those of x[160 + m + 16n] (n < 5, the first the most
/// significant), the four qh bytes those of x[240 + j + 4m] (m < 4) times 3, each scaled
/// by 256/243 rounded up.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_tq1_0_avx2(x: &[f32], out: &mut [u8]) -> u64 {
    let mut left = 0u64;
    let mut t = [_mm256_setzero_si256(); 32];
    for (k, (xb, ob)) in x
        .chunks_exact(256)
        .zip(out.chunks_exact_mut(54))
        .enumerate()
        .take(64)
    {
        if !tq_trits_avx2(xb, ob, 52, &mut t) {
            left |= 1 << k;
            continue;
        }
        // Element 8i.. is vector i: x[m + 32n] for m = 8g.. is t[4n + g].
        let five = |base: usize, step: usize, g: usize| {
            let mut q = t[base + g];
            for n in 1..5 {
                q = mul3_add(q, t[base + step * n + g]);
            }
            ceil243_avx2(q)
        };
        store_bytes32_avx2(ob, 0, [0, 1, 2, 3].map(|g| five(0, 4, g)));
        let (a, b) = (five(20, 2, 0), five(20, 2, 1));
        let w = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi32(a, b));
        let q = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256::<1>(w));
        if ob.len() >= 52 {
            // SAFETY: bytes 32..48 of ob are in bounds (checked above); unaligned store.
            unsafe { _mm_storeu_si128(ob.as_mut_ptr().add(32) as *mut __m128i, q) };
        }
        let mut tail = [0i32; 16];
        // SAFETY: tail holds 16 i32: two unaligned 8-lane stores.
        unsafe {
            _mm256_storeu_si256(tail.as_mut_ptr() as *mut __m256i, t[30]);
            _mm256_storeu_si256(tail.as_mut_ptr().add(8) as *mut __m256i, t[31]);
        }
        for j in 0..4 {
            let mut q = 0i32;
            for m in 0..4 {
                q = q * 3 + tail[j + 4 * m];
            }
            ob[48 + j] = ((q * 3 * 256 + 242) / 243) as u8;
        }
    }
    left
}

/// f32 → GGUF TQ2_0 with AVX2, as `gguf_q::q_tq2_0`: byte 32h + m holds the trits of
/// x[128h + m + 32n] in bits 2n.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn gguf_q_tq2_0_avx2(x: &[f32], out: &mut [u8]) -> u64 {
    let mut left = 0u64;
    let mut t = [_mm256_setzero_si256(); 32];
    for (k, (xb, ob)) in x
        .chunks_exact(256)
        .zip(out.chunks_exact_mut(66))
        .enumerate()
        .take(64)
    {
        if !tq_trits_avx2(xb, ob, 64, &mut t) {
            left |= 1 << k;
            continue;
        }
        for h in 0..2 {
            // x[128h + m + 32n] for m = 8g.. is t[16h + 4n + g].
            let byte = |g: usize| {
                let b = 16 * h + g;
                _mm256_or_si256(
                    _mm256_or_si256(t[b], _mm256_slli_epi32::<2>(t[b + 4])),
                    _mm256_or_si256(
                        _mm256_slli_epi32::<4>(t[b + 8]),
                        _mm256_slli_epi32::<6>(t[b + 12]),
                    ),
                )
            };
            store_bytes32_avx2(ob, 32 * h, [0, 1, 2, 3].map(byte));
        }
    }
    left
}
