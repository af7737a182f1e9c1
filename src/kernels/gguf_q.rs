//! GGUF quantization kernels: ggml's reference quantizers (`quantize_row_*_ref`, notes §5 of
//! the ggml-quants.c 0c1e57098 notes) on blocks whose inputs are "plain": finite, and with
//! a largest magnitude that is 0 or at least 2^−100 (and, where a type says so, below a
//! bound). On such blocks every f32 operation of the C has finite operands and a finite
//! result or only feeds a comparison, so the IEEE result is the C's result on any CPU; the
//! reductions whose order matters (`amax`, the first largest element, sums) are evaluated
//! so that they give the sequential loop's value.
//!
//! Each kernel takes at most 64 whole blocks and returns the mask of the blocks it left to
//! the caller (the scalar definition handles NaN, infinities and extreme scales).

// The loops index like the C they follow, which keeps each line checkable against the notes.
#![allow(clippy::needless_range_loop)]

use super::gguf_dq::{e8m0_half, ue4m3_half};

/// 2^−100 as bits: a plain block's largest magnitude is 0 or at least this.
const TINY: u32 = 0x0d80_0000;

/// The largest |x| of a block as bits, or `None` if an element is inf or NaN.
#[inline(always)]
fn absmax_bits<const N: usize>(x: &[f32; N]) -> Option<u32> {
    let mut m = [0u32; 16];
    for c in x.chunks_exact(16) {
        for l in 0..16 {
            m[l] = m[l].max(c[l].to_bits() & 0x7fff_ffff);
        }
    }
    let mut r = 0;
    for v in m {
        r = r.max(v);
    }
    (r < 0x7f80_0000).then_some(r)
}

/// Whether a largest magnitude (bits) is 0 or at least 2^−100.
#[inline(always)]
fn plain(a: u32) -> bool {
    a == 0 || a >= TINY
}

/// The first element whose magnitude has bits `a` (ggml's `if (amax < fabsf(v))` keeps the
/// first of the largest), its signed value.
#[inline(always)]
fn first_with_abs<const N: usize>(x: &[f32; N], a: u32) -> f32 {
    for xs in x.chunks(64) {
        let mut mask = 0u64;
        for (j, &v) in xs.iter().enumerate() {
            mask |= u64::from(v.to_bits() & 0x7fff_ffff == a) << j;
        }
        if mask != 0 {
            return xs[(mask.trailing_zeros() as usize).min(xs.len() - 1)];
        }
    }
    0.0
}

/// ggml's `GGML_FP32_TO_FP16` for a finite f32: round to nearest even, overflow to inf.
#[inline(always)]
pub(crate) fn f16_bits(f: f32) -> u16 {
    let b = f.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let a = b & 0x7fff_ffff;
    let h = if a >= 0x4780_0000 {
        0x7c00
    } else if a >= 0x3880_0000 {
        // Normal half: drop 13 bits, round to nearest even (a carry may reach inf).
        (a + 0xfff + ((a >> 13) & 1) - 0x3800_0000) >> 13
    } else {
        // Subnormal half: adding 0.5 rounds |f| to a multiple of 2^-24, nearest even.
        (f32::from_bits(a) + 0.5).to_bits() - 0x3f00_0000
    };
    sign | h as u16
}

/// ggml's `GGML_FP32_TO_FP16` for any f32 (NaN → `0x7e00 | sign`).
#[inline(always)]
fn f16_bits_any(f: f32) -> u16 {
    let b = f.to_bits();
    if b & 0x7fff_ffff > 0x7f80_0000 {
        ((b >> 16) & 0x8000) as u16 | 0x7e00
    } else {
        f16_bits(f)
    }
}

/// `(int)roundf(v)` for |v| < 2^23: half away from zero.
#[inline(always)]
fn round_away(v: f32) -> i32 {
    let t = v as i32;
    let f = v - t as f32;
    t + i32::from(f >= 0.5) - i32::from(f <= -0.5)
}

/// ggml's `nearest_int` for |f| < 2^22.
#[inline(always)]
fn nearest_int(f: f32) -> i32 {
    ((f + 12_582_912.0).to_bits() & 0x007f_ffff) as i32 - 0x0040_0000
}

/// `d ? 1.0f/d : 0.0f`.
#[inline(always)]
fn inv_or_zero(d: f32) -> f32 {
    if d != 0.0 { 1.0 / d } else { 0.0 }
}

/// The blocks of a call: `(index, inputs, output bytes)`.
#[inline(always)]
fn each<'a, const BL: usize>(
    x: &'a [f32],
    out: &'a mut [u8],
    bb: usize,
) -> impl Iterator<Item = (usize, &'a [f32; BL], &'a mut [u8])> {
    x.chunks_exact(BL)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
        .filter_map(|(k, (x, o))| Some((k, x.try_into().ok()?, o)))
}

#[inline(always)]
fn put16(o: &mut [u8], at: usize, v: u16) {
    o[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

/// `f16_bits` without branches, for a finite f32 (vectorizes across blocks).
#[inline(always)]
fn f16_sel(f: f32) -> u16 {
    let b = f.to_bits();
    let sign = (b >> 16) & 0x8000;
    let a = b & 0x7fff_ffff;
    let norm = a
        .wrapping_add(0xfff + ((a >> 13) & 1))
        .wrapping_sub(0x3800_0000)
        >> 13;
    let sub = (f32::from_bits(a) + 0.5)
        .to_bits()
        .wrapping_sub(0x3f00_0000);
    let h = if a >= 0x4780_0000 {
        0x7c00
    } else if a >= 0x3880_0000 {
        norm
    } else {
        sub
    };
    (sign | h) as u16
}

/// The largest-magnitude bits of each block of `N` of a chunk (at most 64 blocks; bits at
/// or above 0x7f80_0000 mean an inf or NaN element).
#[inline(always)]
fn amax_chunk<const N: usize>(x: &[f32], a: &mut [u32; 64]) {
    for (k, xb) in x.chunks_exact(N).enumerate().take(64) {
        let mut m = [0u32; 16];
        for c in xb.chunks_exact(16) {
            for l in 0..16 {
                m[l] = m[l].max(c[l].to_bits() & 0x7fff_ffff);
            }
        }
        let mut r = 0;
        for v in m {
            r = r.max(v);
        }
        a[k] = r;
    }
}

/// The mask of the first `n` blocks.
#[inline(always)]
fn first(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// Q8_0 (`q_at` 2) and Q8_1 (`q_at` 4, the scaled code sum at byte 2): `d = amax/127`,
/// codes `roundf(x/d)`. The scales of the chunk's blocks are computed side by side.
#[inline(always)]
fn q8(x: &[f32], out: &mut [u8], bb: usize, q_at: usize) -> u64 {
    let mut a = [0u32; 64];
    amax_chunk::<32>(x, &mut a);
    let (mut d, mut id, mut h) = ([0f32; 64], [0f32; 64], [0u16; 64]);
    let mut bad = 0u64;
    for k in 0..64 {
        bad |= u64::from(!(a[k] < 0x7f80_0000 && plain(a[k]))) << k;
        let dk = f32::from_bits(a[k].min(0x7f7f_ffff)) / 127.0;
        d[k] = dk;
        id[k] = if dk != 0.0 { 1.0 / dk } else { 0.0 };
        h[k] = f16_sel(dk);
    }
    let left = bad & first(x.len() / 32);
    for (k, (xb, ob)) in x
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
        .take(64)
    {
        if left >> k & 1 == 1 {
            continue;
        }
        put16(ob, 0, h[k]);
        let mut q = [0u8; 32];
        for j in 0..32 {
            q[j] = round_away(xb[j] * id[k]) as u8;
        }
        ob[q_at..q_at + 32].copy_from_slice(&q);
        if q_at == 4 {
            let mut s = 0i32;
            for c in q {
                s += i32::from(c as i8);
            }
            put16(ob, 2, f16_bits(s as f32 * d[k]));
        }
    }
    left
}

/// Q8_0.
#[inline(always)]
pub(crate) fn q_q8_0(x: &[f32], out: &mut [u8]) -> u64 {
    q8(x, out, 34, 2)
}

/// Q8_1 (`quantize_row_q8_1_ref`).
#[inline(always)]
pub(crate) fn q_q8_1(x: &[f32], out: &mut [u8]) -> u64 {
    q8(x, out, 36, 4)
}

/// Q4_0 (`five` false: `d = max/−8`, codes `MIN(15, (int8_t)(x/d + 8.5))`) and Q5_0
/// (`d = max/−16`, `MIN(31, …+ 16.5)`, fifth bits in `qh`); max is the first element of
/// largest magnitude.
#[inline(always)]
fn q_sym(x: &[f32], out: &mut [u8], five: bool) -> u64 {
    let (bb, div, bias, top) = if five {
        (22, -16.0f32, 16.5f32, 31i32)
    } else {
        (18, -8.0, 8.5, 15)
    };
    let mut a = [0u32; 64];
    amax_chunk::<32>(x, &mut a);
    let mut max = [0f32; 64];
    for (k, xb) in x.chunks_exact(32).enumerate().take(64) {
        let mut mask = 0u32;
        for (j, &v) in xb.iter().enumerate() {
            mask |= u32::from(v.to_bits() & 0x7fff_ffff == a[k]) << j;
        }
        // No match only for an all-zero block (then max stays +0) or a NaN one (left).
        max[k] = if mask == 0 || a[k] == 0 {
            0.0
        } else {
            xb[mask.trailing_zeros() as usize & 31]
        };
    }
    let (mut id, mut h) = ([0f32; 64], [0u16; 64]);
    let mut bad = 0u64;
    for k in 0..64 {
        bad |= u64::from(!(a[k] < 0x7f80_0000 && plain(a[k]))) << k;
        let dk = max[k] / div;
        id[k] = if dk != 0.0 { 1.0 / dk } else { 0.0 };
        h[k] = f16_sel(dk);
    }
    let left = bad & first(x.len() / 32);
    for (k, (xb, ob)) in x
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
        .take(64)
    {
        if left >> k & 1 == 1 {
            continue;
        }
        put16(ob, 0, h[k]);
        let mut l = [0u8; 32];
        for j in 0..32 {
            // x·id + bias lies in [0, 2·bias]: the truncation is exact.
            l[j] = ((xb[j] * id[k] + bias) as i32).min(top) as u8;
        }
        if five {
            let mut qh = 0u32;
            for j in 0..16 {
                ob[6 + j] = (l[j] & 0xf) | ((l[j + 16] & 0xf) << 4);
                qh |= u32::from((l[j] & 0x10) >> 4) << j;
                qh |= u32::from((l[j + 16] & 0x10) >> 4) << (j + 16);
            }
            ob[2..6].copy_from_slice(&qh.to_le_bytes());
        } else {
            for j in 0..16 {
                ob[2 + j] = l[j] | (l[j + 16] << 4);
            }
        }
    }
    left
}

/// Q4_0.
#[inline(always)]
pub(crate) fn q_q4_0(x: &[f32], out: &mut [u8]) -> u64 {
    q_sym(x, out, false)
}

/// Q5_0.
#[inline(always)]
pub(crate) fn q_q5_0(x: &[f32], out: &mut [u8]) -> u64 {
    q_sym(x, out, true)
}

/// The sequential `if (v < min) min = v; if (v > max) max = v;` from ±FLT_MAX of a finite
/// block: the lane reductions give the values; a zero result takes the first zero's sign.
#[inline(always)]
fn min_max(xb: &[f32]) -> (f32, f32) {
    let (mut lo, mut hi) = ([f32::MAX; 16], [-f32::MAX; 16]);
    for c in xb.chunks_exact(16) {
        for l in 0..16 {
            lo[l] = if c[l] < lo[l] { c[l] } else { lo[l] };
            hi[l] = if c[l] > hi[l] { c[l] } else { hi[l] };
        }
    }
    let (mut mn, mut mx) = (f32::MAX, -f32::MAX);
    for l in 0..16 {
        mn = if lo[l] < mn { lo[l] } else { mn };
        mx = if hi[l] > mx { hi[l] } else { mx };
    }
    zero_sign(xb, mn, mx)
}

/// The block's min and max as the C's sequential comparisons leave them: a zero result is
/// the first zero of the block, with its sign (lane reductions may pick another zero).
#[inline(always)]
pub(crate) fn zero_sign(xb: &[f32], mn: f32, mx: f32) -> (f32, f32) {
    if mn != 0.0 && mx != 0.0 {
        return (mn, mx);
    }
    let z = xb.iter().copied().find(|&v| v == 0.0).unwrap_or(0.0);
    (
        if mn == 0.0 { z } else { mn },
        if mx == 0.0 { z } else { mx },
    )
}

/// Q4_1 (`d = (max − min)/15`, `m = min`, codes `MIN(15, (int8_t)((x − min)/d + 0.5))`) and
/// Q5_1 (`/31`, `(uint8_t)(…)`, fifth bits in `qh`). Plain here also means |x| < 2^100 and
/// `d` 0 or at least 2^−100 in magnitude.
#[inline(always)]
fn q_asym(x: &[f32], out: &mut [u8], five: bool) -> u64 {
    let (bb, div) = if five { (24, 31.0f32) } else { (20, 15.0) };
    let mut a = [0u32; 64];
    amax_chunk::<32>(x, &mut a);
    let (mut mn, mut mx) = ([0f32; 64], [0f32; 64]);
    for (k, xb) in x.chunks_exact(32).enumerate().take(64) {
        (mn[k], mx[k]) = min_max(xb);
    }
    let (mut id, mut hd, mut hm) = ([0f32; 64], [0u16; 64], [0u16; 64]);
    let mut bad = 0u64;
    for k in 0..64 {
        let d = (mx[k] - mn[k]) / div;
        let ok = a[k] < 0x7180_0000 && (d == 0.0 || d.abs() >= f32::from_bits(TINY));
        bad |= u64::from(!ok) << k;
        id[k] = if d != 0.0 { 1.0 / d } else { 0.0 };
        hd[k] = f16_sel(d);
        hm[k] = f16_sel(mn[k]);
    }
    let left = bad & first(x.len() / 32);
    for (k, (xb, ob)) in x
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
        .take(64)
    {
        if left >> k & 1 == 1 {
            continue;
        }
        put16(ob, 0, hd[k]);
        put16(ob, 2, hm[k]);
        let mut l = [0u8; 32];
        for j in 0..32 {
            let v = ((xb[j] - mn[k]) * id[k] + 0.5) as i32;
            l[j] = if five { v as u8 } else { v.min(15) as u8 };
        }
        if five {
            let mut qh = 0u32;
            for j in 0..16 {
                ob[8 + j] = (l[j] & 0xf) | ((l[j + 16] & 0xf) << 4);
                qh |= u32::from((l[j] & 0x10) >> 4) << j;
                qh |= u32::from((l[j + 16] & 0x10) >> 4) << (j + 16);
            }
            ob[4..8].copy_from_slice(&qh.to_le_bytes());
        } else {
            for j in 0..16 {
                ob[4 + j] = l[j] | (l[j + 16] << 4);
            }
        }
    }
    left
}

/// Q4_1.
#[inline(always)]
pub(crate) fn q_q4_1(x: &[f32], out: &mut [u8]) -> u64 {
    q_asym(x, out, false)
}

/// Q5_1.
#[inline(always)]
pub(crate) fn q_q5_1(x: &[f32], out: &mut [u8]) -> u64 {
    q_asym(x, out, true)
}

/// Q1_0 (128 elements): `d = Σ|x|/128` summed in index order, bit set iff `x >= 0`.
#[inline(always)]
pub(crate) fn q_q1_0(x: &[f32], out: &mut [u8]) -> u64 {
    let mut left = 0u64;
    for (k, xb, ob) in each::<128>(x, out, 18) {
        if absmax_bits(xb).is_none() {
            left |= 1 << k;
            continue;
        }
        let mut s = 0f32;
        for &v in xb {
            s += v.abs();
        }
        put16(ob, 0, f16_bits(s / 128.0));
        for i in 0..16 {
            let mut byte = 0u8;
            for b in 0..8 {
                byte |= u8::from(xb[8 * i + b] >= 0.0) << b;
            }
            ob[2 + i] = byte;
        }
    }
    left
}

/// Q2_0 (64 elements): `d = amax`, `q = clamp(roundf(x/d) + 1, 0, 3)`.
#[inline(always)]
pub(crate) fn q_q2_0(x: &[f32], out: &mut [u8]) -> u64 {
    let mut left = 0u64;
    for (k, xb, ob) in each::<64>(x, out, 18) {
        let Some(a) = absmax_bits(xb).filter(|&a| plain(a)) else {
            left |= 1 << k;
            continue;
        };
        let amax = f32::from_bits(a);
        let id = if amax > 0.0 { 1.0 / amax } else { 0.0 };
        put16(ob, 0, f16_bits(amax));
        for i in 0..16 {
            let mut byte = 0u8;
            for b in 0..4 {
                let q = (round_away(xb[4 * i + b] * id) + 1).clamp(0, 3) as u8;
                byte |= q << (2 * b);
            }
            ob[2 + i] = byte;
        }
    }
    left
}

/// The TQ scale (`d = amax`, stored at `at`) and the trit codes `lroundf(x/d) + 1` of a
/// plain block (|x/d| <= 1).
#[inline(always)]
fn tq_codes(xb: &[f32; 256], ob: &mut [u8], at: usize) -> Option<[u8; 256]> {
    let a = absmax_bits(xb).filter(|&a| plain(a))?;
    let d = f32::from_bits(a);
    put16(ob, at, f16_bits(d));
    let id = inv_or_zero(d);
    let mut t = [0u8; 256];
    for j in 0..256 {
        t[j] = (round_away(xb[j] * id) + 1) as u8;
    }
    Some(t)
}

/// `(q·256 + 242)/243` as a byte.
#[inline(always)]
fn ceil243(q: u8) -> u8 {
    (u32::from(q) * 256).div_ceil(243) as u8
}

/// TQ1_0: five trits per byte (then four in qh), each byte scaled by 256/243 rounded up.
#[inline(always)]
pub(crate) fn q_tq1_0(x: &[f32], out: &mut [u8]) -> u64 {
    let mut left = 0u64;
    for (k, xb, ob) in each::<256>(x, out, 54) {
        let Some(t) = tq_codes(xb, ob, 52) else {
            left |= 1 << k;
            continue;
        };
        for m in 0..32 {
            let mut q = 0u8;
            for n in 0..5 {
                q = q * 3 + t[m + 32 * n];
            }
            ob[m] = ceil243(q);
        }
        for m in 0..16 {
            let mut q = 0u8;
            for n in 0..5 {
                q = q * 3 + t[160 + m + 16 * n];
            }
            ob[32 + m] = ceil243(q);
        }
        for j in 0..4 {
            let mut q = 0u8;
            for m in 0..4 {
                q = q * 3 + t[240 + j + 4 * m];
            }
            ob[48 + j] = ceil243(q * 3);
        }
    }
    left
}

/// TQ2_0: byte `32h + m` holds the trits of x[128h + m + 32n] in bits 2n.
#[inline(always)]
pub(crate) fn q_tq2_0(x: &[f32], out: &mut [u8]) -> u64 {
    let mut left = 0u64;
    for (k, xb, ob) in each::<256>(x, out, 66) {
        let Some(t) = tq_codes(xb, ob, 64) else {
            left |= 1 << k;
            continue;
        };
        for h in 0..2 {
            for m in 0..32 {
                let mut q = 0u8;
                for n in 0..4 {
                    q |= t[128 * h + m + 32 * n] << (2 * n);
                }
                ob[32 * h + m] = q;
            }
        }
    }
    left
}

/// How many positive floats just below 2^k glibc 2.36's `log2f` rounds up to k (notes §5.5).
#[inline(always)]
fn log2f_round_up_count(k: i32) -> u32 {
    match k {
        -1..=2 => 0,
        -3 | -2 | 3 | 4 | -131 => 1,
        -7..=-4 | 5..=8 | -130 => 2,
        -15..=-8 | 9..=16 | -129 => 5,
        -31..=-16 | 17..=32 | -128 | -127 => 11,
        -63..=-32 | 33..=64 | -126 => 22,
        -125..=-64 | 65..=128 => 44,
        _ => 0,
    }
}

/// glibc's `floorf(log2f(x))` for a positive finite x.
#[inline(always)]
fn floor_log2f(x: f32) -> i32 {
    let b = x.to_bits();
    let e = if b >> 23 == 0 {
        31 - b.leading_zeros() as i32 - 149
    } else {
        (b >> 23) as i32 - 127
    };
    let k = e + 1;
    let p = if k >= -126 {
        ((k + 127) as u32) << 23
    } else {
        1u32 << (k + 149)
    };
    if b >= p - log2f_round_up_count(k) {
        k
    } else {
        e
    }
}

/// ggml's `best_index_mxfp4` for the elements of `x` at scale `d` (finite): the first
/// minimum of `|kv[i]·d − x|`. Only the candidates of x's sign can win (the others' error
/// is at least |x|, the error of code 0), and by the symmetry of rounding the error of −k
/// at x < 0 is that of +k at |x|: the search runs over the 8 non-negative values `pos`
/// (in index order) on |x|, and a negative x maps index i > 0 to i + 8.
#[inline(always)]
fn fp4_codes<const N: usize>(pos: &[f32; 8], x: &[f32; N], d: f32, c: &mut [u8; N]) {
    let mut kd = [0f32; 8];
    for i in 0..8 {
        kd[i] = pos[i] * d;
    }
    for j in 0..N {
        let a = x[j].abs();
        let mut best = 0u8;
        let mut be = (kd[0] - a).abs();
        for (i, &v) in kd.iter().enumerate().skip(1) {
            let e = (v - a).abs();
            if e < be {
                be = e;
                best = i as u8;
            }
        }
        let neg = u8::from(x[j] < 0.0 && best != 0);
        c[j] = best + 8 * neg;
    }
}

/// The non-negative half of `kvalues_mxfp4` as floats.
#[inline(always)]
fn pos_kv(kv: &[i8; 16]) -> [f32; 8] {
    let mut p = [0f32; 8];
    for i in 0..8 {
        p[i] = f32::from(kv[i]);
    }
    p
}

/// MXFP4: `e = floor(log2f(amax)) − 2 + 127` (glibc's log2f), codes by argmin.
#[inline(always)]
pub(crate) fn q_mxfp4(kv: &[i8; 16], x: &[f32], out: &mut [u8]) -> u64 {
    let pos = pos_kv(kv);
    let mut left = 0u64;
    for (k, xb, ob) in each::<32>(x, out, 17) {
        let Some(a) = absmax_bits(xb) else {
            left |= 1 << k;
            continue;
        };
        let e = if a > 0 {
            (floor_log2f(f32::from_bits(a)) + 125) as u8
        } else {
            0
        };
        ob[0] = e;
        let mut c = [0u8; 32];
        fp4_codes(&pos, xb, e8m0_half(e), &mut c);
        for j in 0..16 {
            ob[1 + j] = c[j] | (c[j + 16] << 4);
        }
    }
    left
}

/// ggml's `ggml_fp32_to_ue4m3` for a finite x.
#[inline(always)]
fn ue4m3_bits(x: f32) -> u8 {
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    let x = if x > 448.0 { 448.0 } else { x };
    let bits = x.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127 + 7;
    if e <= 0 {
        // x < 2^-6 here, so x·512 + 0.5 < 8.5: the truncation is exact.
        let m = (x * 512.0 + 0.5) as i32;
        return m.clamp(0, 7) as u8;
    }
    if e >= 15 {
        return 0x7e;
    }
    let mut man = ((bits >> 20) & 7) + ((bits >> 19) & 1);
    if man > 7 {
        man = 0;
        e += 1;
        if e >= 15 {
            return 0x7e;
        }
    }
    ((e as u32) << 3 | man) as u8
}

/// NVFP4 (64 elements): per 16, `ue = fp32_to_ue4m3(amax/6)`, codes by argmin at its value.
#[inline(always)]
pub(crate) fn q_nvfp4(kv: &[i8; 16], x: &[f32], out: &mut [u8]) -> u64 {
    let pos = pos_kv(kv);
    let mut left = 0u64;
    for (k, xb, ob) in each::<64>(x, out, 36) {
        if absmax_bits(xb).is_none() {
            left |= 1 << k;
            continue;
        }
        for s in 0..4 {
            let Ok(xs) = <&[f32; 16]>::try_from(&xb[16 * s..16 * s + 16]) else {
                continue;
            };
            let mut a = 0u32;
            for v in xs {
                a = a.max(v.to_bits() & 0x7fff_ffff);
            }
            let ue = ue4m3_bits(f32::from_bits(a) / 6.0);
            ob[s] = ue;
            let mut c = [0u8; 16];
            fp4_codes(&pos, xs, ue4m3_half(ue), &mut c);
            for j in 0..8 {
                ob[4 + 8 * s + j] = c[j] | (c[j + 8] << 4);
            }
        }
    }
    left
}

/// Q8_K (`quantize_row_q8_K_ref`): `iscale = −127/max` (max the first value of largest
/// magnitude), codes `MIN(127, nearest_int(iscale·x))`, 16 sums of 16, `d = 1/iscale` as
/// f32; an all-zero block is all zero bytes.
#[inline(always)]
pub(crate) fn q_q8_k(x: &[f32], out: &mut [u8]) -> u64 {
    let mut left = 0u64;
    for (k, xb, ob) in each::<256>(x, out, 292) {
        let Some(a) = absmax_bits(xb).filter(|&a| plain(a)) else {
            left |= 1 << k;
            continue;
        };
        if a == 0 {
            ob.fill(0);
            continue;
        }
        let max = first_with_abs(xb, a);
        let iscale = -127.0 / max;
        let mut q = [0i8; 256];
        for j in 0..256 {
            q[j] = nearest_int(iscale * xb[j]).min(127) as i8;
        }
        for j in 0..256 {
            ob[4 + j] = q[j] as u8;
        }
        for j in 0..16 {
            let mut s = 0i32;
            for &v in &q[16 * j..16 * j + 16] {
                s += i32::from(v);
            }
            put16(ob, 260 + 2 * j, s as i16 as u16);
        }
        ob[..4].copy_from_slice(&(1.0 / iscale).to_bits().to_le_bytes());
    }
    left
}

// ------------------------------------------------------------------------------------------
// The plain types (any length, every value).

/// f32 → f16 as `GGML_FP32_TO_FP16` (nearest even; NaN → `0x7e00 | sign`), branch-free.
#[inline(always)]
pub(crate) fn f16_from_row(x: &[f32], out: &mut [u8]) {
    for (o, &v) in out.chunks_exact_mut(2).zip(x) {
        o.copy_from_slice(&f16_bits_any(v).to_le_bytes());
    }
}

/// f32 → bf16 as ggml's `ggml_compute_fp32_to_bf16`: NaN → the top half with the quiet bit;
/// otherwise round to nearest even on the top 16 bits.
#[inline(always)]
pub(crate) fn bf16_from_row(x: &[f32], out: &mut [u8]) {
    for (o, &v) in out.chunks_exact_mut(2).zip(x) {
        let u = v.to_bits();
        let r = if u & 0x7fff_ffff > 0x7f80_0000 {
            (u >> 16) | 64
        } else {
            u.wrapping_add(0x7fff + ((u >> 16) & 1)) >> 16
        };
        o.copy_from_slice(&(r as u16).to_le_bytes());
    }
}

/// f32 → little-endian bytes.
#[inline(always)]
pub(crate) fn f32_to_row(x: &[f32], out: &mut [u8]) {
    for (o, &v) in out.chunks_exact_mut(4).zip(x) {
        o.copy_from_slice(&v.to_bits().to_le_bytes());
    }
}
