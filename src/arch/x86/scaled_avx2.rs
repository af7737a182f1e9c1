//! AVX2 forms of the fused block-scale kernels: the MX power-of-two scales (`pre_pow2`) and
//! NVFP4's E4M3 scales (`pre_e4m3`, `qdq_e4m3`) for their block lengths, 16 and 32. Each
//! block's amax is the integer maximum of its magnitudes' bit patterns over its registers —
//! the same maximum as the portable fold ([`scaled::amax`], [`e4m3::amax_bits`]) — and
//! everything after it is the portable code, so the results are the portable ones.

use core::arch::x86_64::*;

use crate::element::fast::Grid;
use crate::kernels::e4m3::{self, E4m3Blocks};
use crate::kernels::scaled::{self, GROUP_MAX};

/// The largest of eight u32 lanes.
#[inline(always)]
fn hmax_epu32(a: __m256i) -> u32 {
    // SAFETY: register-only AVX2/SSE4.1 operations; every caller is compiled with AVX2.
    unsafe {
        let m = _mm_max_epu32(_mm256_castsi256_si128(a), _mm256_extracti128_si256::<1>(a));
        let m = _mm_max_epu32(m, _mm_shuffle_epi32::<0b01_00_11_10>(m));
        let m = _mm_max_epu32(m, _mm_shuffle_epi32::<0b10_11_00_01>(m));
        _mm_cvtsi128_si32(m) as u32
    }
}

/// The amax bits of one block of `8 · R` values at `p`, and the values in `R` registers.
///
/// # Safety
/// `p[..8 · R]` must be readable, and the caller compiled with AVX2.
#[inline(always)]
unsafe fn block_amax<const R: usize>(p: *const f32) -> (u32, [__m256; R]) {
    // SAFETY: the caller guarantees the 8·R reads; unaligned 256-bit loads.
    unsafe {
        let abs = _mm256_set1_epi32(0x7FFF_FFFF);
        let v: [__m256; R] = core::array::from_fn(|r| _mm256_loadu_ps(p.add(8 * r)));
        let mut m = _mm256_setzero_si256();
        for x in &v {
            m = _mm256_max_epu32(m, _mm256_and_si256(_mm256_castps_si256(*x), abs));
        }
        (hmax_epu32(m), v)
    }
}

/// [`scaled::pre_pow2`] for blocks of 16 or 32 (MX): the amax over two or four registers,
/// the factors from [`scaled::pow2_factors`], the inputs one `vmulps` per register (the
/// product the portable loop computes). Other block lengths, and the last partial block, go
/// to the portable body.
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn pre_pow2_avx2(
    x: &[f32],
    n: usize,
    emax: i32,
    shift: i32,
    codes: &mut [u8],
    y: &mut [f32],
) -> u64 {
    match n {
        16 => pre_pow2_in::<2>(x, emax, shift, codes, y),
        32 => pre_pow2_in::<4>(x, emax, shift, codes, y),
        _ => scaled::pre_pow2(x, n, emax, shift, codes, y),
    }
}

/// [`pre_pow2_avx2`] for blocks of `8 · R`.
#[target_feature(enable = "avx2,fma,f16c")]
fn pre_pow2_in<const R: usize>(
    x: &[f32],
    emax: i32,
    shift: i32,
    codes: &mut [u8],
    y: &mut [f32],
) -> u64 {
    let n = 8 * R;
    let whole = (x.len() / n)
        .min(y.len() / n)
        .min(codes.len())
        .min(GROUP_MAX);
    let mut miss = 0u64;
    for (b, c) in codes.iter_mut().enumerate().take(whole) {
        // SAFETY: b < whole: x[b·n..(b + 1)·n] and y[b·n..(b + 1)·n] are in bounds;
        // unaligned 256-bit loads and stores.
        unsafe {
            let (am, v) = block_amax::<R>(x.as_ptr().add(b * n));
            match scaled::pow2_factors(f32::from_bits(am), emax, shift) {
                Some((code, m, _)) => {
                    *c = code;
                    let (m, o) = (_mm256_set1_ps(m), y.as_mut_ptr().add(b * n));
                    for (r, v) in v.iter().enumerate() {
                        _mm256_storeu_ps(o.add(8 * r), _mm256_mul_ps(*v, m));
                    }
                }
                None => miss |= 1 << b,
            }
        }
    }
    if whole >= GROUP_MAX {
        return miss;
    }
    let (x0, y0) = ((whole * n).min(x.len()), (whole * n).min(y.len()));
    let rest = scaled::pre_pow2(&x[x0..], n, emax, shift, &mut codes[whole..], &mut y[y0..]);
    miss | rest << whole
}

/// The amax bits of NVFP4's blocks of 16 over two registers each (LLVM vectorizes the
/// portable fold across blocks with a gather per element row instead).
#[target_feature(enable = "avx2,fma,f16c")]
fn amax_bits16_avx2(x: &[f32], am: &mut [u32; GROUP_MAX]) {
    let whole = (x.len() / 16).min(GROUP_MAX);
    for (j, a) in am.iter_mut().enumerate().take(whole) {
        // SAFETY: j < whole: x[16j..16j + 16] is in bounds.
        *a = unsafe { block_amax::<2>(x.as_ptr().add(16 * j)).0 };
    }
    if whole < GROUP_MAX && whole * 16 < x.len() {
        // The last, partial block.
        am[whole] = scaled::amax(&x[whole * 16..]).to_bits();
    }
}

/// [`e4m3::pre_e4m3`] with the amax of blocks of 16 from [`amax_bits16_avx2`].
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn pre_e4m3_avx2(
    p: &E4m3Blocks,
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    y: &mut [f32],
) -> u64 {
    e4m3::pre_e4m3_by(|x, am| amax_bits16_avx2(x, am), p, x, n, codes, y)
}

/// [`e4m3::qdq_e4m3`] with the amax of blocks of 16 from [`amax_bits16_avx2`].
#[target_feature(enable = "avx2,fma,f16c")]
pub(in crate::arch) fn qdq_e4m3_avx2(
    p: &E4m3Blocks,
    g: &Grid,
    x: &[f32],
    n: usize,
    codes: &mut [u8],
    out: &mut [f32],
) -> u64 {
    e4m3::qdq_e4m3_by(|x, am| amax_bits16_avx2(x, am), p, g, x, n, codes, out)
}
