//! One-byte float codes → f32 on AVX2 through the float16 conversion (`vcvtph2ps`): each
//! code becomes a float16 pattern, converted and scaled in registers, with the few codes the
//! pattern does not give (NaNs, infinities) found with a 256-bit membership test and read
//! from the table ([`ViaF16`] has the rule and its proof).

use core::arch::x86_64::*;

use crate::kernels::element::{self, DecodeTable, ViaF16};
use crate::kernels::scaled;

/// AVX2's one-byte decode: arithmetic for 8-bit integers and E8M0, the float16 reading for
/// 8-bit floats that have one, else the table.
#[inline(always)]
pub(in crate::arch) fn decode_u8_avx2(t: &DecodeTable, codes: &[u8], out: &mut [f32]) {
    if element::decode_arith8(t, codes, out) {
        return;
    }
    match &t.via_f16 {
        // SAFETY: this body is only stamped into the AVX2 and AVX-512 tables, whose entries
        // are compiled with (and reached only on CPUs with) AVX2 and F16C.
        Some(v) => unsafe { via_f16(v, &t.lut, codes, out) },
        None => element::decode_lut8(t, codes, out),
    }
}

/// AVX2's one-byte decode scaled per block, `(value · a) · b` as [`scaled::decode_post_u8`]:
/// through the float16 reading where the format has one and blocks are a multiple of 32
/// (MX, FP8 tiles), else the portable body.
#[inline(always)]
pub(in crate::arch) fn decode_post_u8_avx2(
    t: &DecodeTable,
    codes: &[u8],
    n: usize,
    factors: &[(f32, f32)],
    out: &mut [f32],
) {
    match &t.via_f16 {
        Some(v) if n > 0 && n.is_multiple_of(32) => {
            let whole = (codes.len() / n).min(out.len() / n).min(factors.len());
            // SAFETY: as in `decode_u8_avx2`.
            unsafe { via_f16_post(v, t, codes, n, &factors[..whole], out) };
            let d = whole * n;
            scaled::decode_post_u8(t, &codes[d..], n, &factors[whole..], &mut out[d..]);
        }
        _ => scaled::decode_post_u8(t, codes, n, factors, out),
    }
}

/// The float16 reading's constants, in registers.
#[derive(Clone, Copy)]
struct Regs {
    ex_lo: __m256i,
    ex_hi: __m256i,
    bit_of: __m256i,
    seven: __m256i,
    low5: __m256i,
    to_low: __m256i,
    sixteen: __m256i,
    sign: __m256i,
    mag: __m256i,
    down: __m128i,
    scale: __m256,
}

impl Regs {
    #[inline(always)]
    fn new(v: &ViaF16) -> Self {
        // SAFETY: only called from the `avx2,f16c` functions below; `exceptions` is 32 bytes,
        // two unaligned 128-bit loads.
        unsafe {
            let p = v.exceptions.as_ptr() as *const __m128i;
            Regs {
                ex_lo: _mm256_broadcastsi128_si256(_mm_loadu_si128(p)),
                ex_hi: _mm256_broadcastsi128_si256(_mm_loadu_si128(p.add(1))),
                bit_of: _mm256_setr_epi8(
                    1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32,
                    64, -128, 1, 2, 4, 8, 16, 32, 64, -128,
                ),
                seven: _mm256_set1_epi8(7),
                low5: _mm256_set1_epi8(31),
                to_low: _mm256_set1_epi8(0x70),
                sixteen: _mm256_set1_epi8(16),
                sign: _mm256_set1_epi16(i16::MIN),
                mag: _mm256_set1_epi16(0x7F00),
                // Code c sits in the high byte of its 16-bit lane after the unpack (c << 8),
                // so its magnitude goes down by 8 − shift to land at `shift`.
                down: _mm_cvtsi32_si128(8 - v.shift as i32),
                scale: _mm256_set1_ps(v.scale),
            }
        }
    }
}

/// The values of the 32 codes at `p` into `o[0..32]` (unaligned), times `a` where `SCALED`
/// (one rounding, the portable loop's `value · a`); returns the mask of codes that must come
/// from the table instead.
///
/// # Safety
/// AVX2 and F16C; `p[0..32]` readable, `o[0..32]` writable.
#[inline(always)]
unsafe fn step32<const SCALED: bool>(r: &Regs, p: *const u8, a: __m256, o: *mut f32) -> u32 {
    // SAFETY: the caller's contract.
    unsafe {
        let c = _mm256_loadu_si256(p as *const __m256i);
        // Membership: byte c >> 3 of the bitmap (a 32-entry lookup from two 16-entry
        // `vpshufb`s: indices of the wrong half get bit 7 set, which reads as zero), and in
        // it bit c & 7.
        let hi = _mm256_and_si256(_mm256_srli_epi16::<3>(c), r.low5);
        let byte = _mm256_or_si256(
            _mm256_shuffle_epi8(r.ex_lo, _mm256_adds_epu8(hi, r.to_low)),
            _mm256_shuffle_epi8(r.ex_hi, _mm256_sub_epi8(hi, r.sixteen)),
        );
        let bit = _mm256_shuffle_epi8(r.bit_of, _mm256_and_si256(c, r.seven));
        let hit = _mm256_and_si256(byte, bit);
        let bad = _mm256_movemask_epi8(_mm256_cmpeq_epi8(hit, bit)) as u32;
        // Within each 128-bit lane: bytes 0–7 (`lo`) and 8–15 (`hi`) as c << 8.
        let zero = _mm256_setzero_si256();
        let pattern = |w: __m256i| {
            _mm256_or_si256(
                _mm256_and_si256(w, r.sign),
                _mm256_srl_epi16(_mm256_and_si256(w, r.mag), r.down),
            )
        };
        let lo = pattern(_mm256_unpacklo_epi8(zero, c));
        let hi = pattern(_mm256_unpackhi_epi8(zero, c));
        let f = |h: __m128i| {
            let v = _mm256_mul_ps(_mm256_cvtph_ps(h), r.scale);
            if SCALED { _mm256_mul_ps(v, a) } else { v }
        };
        _mm256_storeu_ps(o, f(_mm256_castsi256_si128(lo)));
        _mm256_storeu_ps(o.add(8), f(_mm256_castsi256_si128(hi)));
        _mm256_storeu_ps(o.add(16), f(_mm256_extracti128_si256::<1>(lo)));
        _mm256_storeu_ps(o.add(24), f(_mm256_extracti128_si256::<1>(hi)));
        bad
    }
}

/// `out[base + i] = value(lut[codes[base + i]])` for each set bit i of `bad` (the codes
/// [`step32`] left to the table).
///
/// # Safety
/// `base + 32 <= codes.len()` and `out.len()`.
#[inline(always)]
unsafe fn fix_ups(
    mut bad: u32,
    base: usize,
    lut: &[f32; 256],
    codes: &[u8],
    out: &mut [f32],
    value: impl Fn(f32) -> f32,
) {
    while bad != 0 {
        let i = base + bad.trailing_zeros() as usize;
        // SAFETY: i < base + 32, in bounds by the caller's contract.
        unsafe { *out.get_unchecked_mut(i) = value(lut[*codes.get_unchecked(i) as usize]) };
        bad &= bad - 1;
    }
}

/// Codes → f32 through the float16 reading: 32 codes per step, the rest through the table.
#[target_feature(enable = "avx2,fma,f16c")]
fn via_f16(v: &ViaF16, lut: &[f32; 256], codes: &[u8], out: &mut [f32]) {
    let n = codes.len().min(out.len());
    let steps = n / 32;
    let r = Regs::new(v);
    let unused = _mm256_setzero_ps();
    for k in 0..steps {
        let i0 = 32 * k;
        // SAFETY: k < steps = n / 32: codes[i0..i0 + 32] and out[i0..i0 + 32] are in bounds.
        unsafe {
            let o = out.as_mut_ptr().add(i0);
            let bad = step32::<false>(&r, codes.as_ptr().add(i0), unused, o);
            fix_ups(bad, i0, lut, codes, out, |q| q);
        }
    }
    let d = 32 * steps;
    for (o, &c) in out[d..n].iter_mut().zip(&codes[d..n]) {
        *o = lut[c as usize];
    }
}

/// [`via_f16`] for whole blocks of `n` (a multiple of 32), block `b` scaled by `a` of
/// `factors[b] = (a, 1)`: `(value · a) · 1` is `value · a`, bit for bit. Blocks with a
/// second factor other than 1 go to the portable body.
#[target_feature(enable = "avx2,fma,f16c")]
fn via_f16_post(
    v: &ViaF16,
    t: &DecodeTable,
    codes: &[u8],
    n: usize,
    factors: &[(f32, f32)],
    out: &mut [f32],
) {
    if n == 0 || !n.is_multiple_of(32) {
        return;
    }
    let blocks = factors.len().min(codes.len() / n).min(out.len() / n);
    let r = Regs::new(v);
    for (b, &(a, s)) in factors.iter().enumerate().take(blocks) {
        if s != 1.0 {
            let (c, o) = (&codes[b * n..(b + 1) * n], &mut out[b * n..(b + 1) * n]);
            scaled::decode_post_u8(t, c, n, &[(a, s)], o);
            continue;
        }
        let ma = _mm256_set1_ps(a);
        for j in (b * n..(b + 1) * n).step_by(32) {
            // SAFETY: b < blocks and n is a multiple of 32: codes[j..j + 32] and
            // out[j..j + 32] lie in block b, in bounds of both.
            unsafe {
                let (p, o) = (codes.as_ptr().add(j), out.as_mut_ptr().add(j));
                let bad = step32::<true>(&r, p, ma, o);
                fix_ups(bad, j, &t.lut, codes, out, |q| q * a);
            }
        }
    }
}
