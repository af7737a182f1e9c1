//! The i-quants: IQ4_NL and IQ4_XS (quantize and dequantize), and the dequantizers of
//! IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S and IQ1_M (notes §4, §5.15). The grids
//! are those of `src/gguf/grids.rs`.

use super::super::grids::{
    IQ1S_DELTA, IQ1S_GRID, IQ2S_GRID, IQ2XS_GRID, IQ2XXS_GRID, IQ3S_GRID, IQ3XXS_GRID,
    KSIGNS_IQ2XS, KVALUES_IQ4NL,
};
use super::common::{
    F, best_index_int8, fabs, fp16_to_fp32, half_at, nearest_int, put_half, rd16, rd32, sqrtf, wr16,
};
use super::kq_search::GROUP_MAX_EPS;
use super::{dq_blocks, each_block};
use crate::error::Error;

/// `(float)kvalues_iq4nl[i]`.
#[inline]
fn kv(i: usize) -> F {
    F::int(i32::from(KVALUES_IQ4NL[i]))
}

/// ggml-quants.c `quantize_row_iq4_nl_impl` for IQ4_NL (`sbs` = 32) and IQ4_XS (`sbs` =
/// 256), block size 32. `l` is the caller's code buffer: a block whose amax is below 1e-15
/// leaves its part untouched (only the `ntry <= 0` IQ4_NL path then stores it, §2.3).
/// Writes the block bytes `ob` (IQ4_NL: d, qs[16]; IQ4_XS: d, scales_h, scales_l[4], qs[128]).
fn iq4_impl(x: &[f32], qw: Option<&[f32]>, ntry: i32, l: &mut [u8], ob: &mut [u8]) {
    let sbs = x.len();
    let xs = |i: usize| F(x[i]);
    let mut sigma2 = F::ZERO;
    for i in 0..sbs {
        sigma2 += xs(i) * xs(i);
    }
    sigma2 *= F(2.0 / sbs as f32);
    let qs_at = if sbs == 32 { 2 } else { 8 };
    ob[qs_at..].fill(0);
    put_half(ob, 0, F::ZERO);
    let v0 = F::int(i32::from(KVALUES_IQ4NL[0]));
    let mut scales = [F::ZERO; 8];
    let (mut max_scale, mut amax_scale) = (F::ZERO, F::ZERO);
    for ib in 0..sbs / 32 {
        let r = 32 * ib..32 * ib + 32;
        let mut w = [F::ZERO; 32];
        for (j, w) in w.iter_mut().enumerate() {
            let v = xs(r.start + j);
            *w = match qw {
                Some(q) => F(q[r.start + j]) * sqrtf(v * v + sigma2),
                None => v * v,
            };
        }
        let (mut amax, mut max) = (F::ZERO, F::ZERO);
        for i in r.clone() {
            let a = fabs(xs(i));
            if a > amax {
                amax = a;
                max = xs(i);
            }
        }
        if amax < F(GROUP_MAX_EPS) {
            scales[ib] = F::ZERO;
            continue;
        }
        let mut d = if ntry > 0 { -max / v0 } else { max / v0 };
        let id = 1.0f32 / d;
        let (mut sumqx, mut sumq2) = (F::ZERO, F::ZERO);
        for (j, i) in r.clone().enumerate() {
            let li = best_index_int8(&KVALUES_IQ4NL, id * xs(i));
            l[i] = li as u8;
            let q = kv(li);
            sumqx += w[j] * q * xs(i);
            sumq2 += w[j] * q * q;
        }
        d = if sumq2 > F::ZERO {
            sumqx / sumq2
        } else {
            F::ZERO
        };
        let mut best = d * sumqx;
        for itry in -ntry..=ntry {
            let id = F::int(itry + i32::from(KVALUES_IQ4NL[0])) / max;
            let (mut sumqx, mut sumq2) = (F::ZERO, F::ZERO);
            for (j, i) in r.clone().enumerate() {
                let q = kv(best_index_int8(&KVALUES_IQ4NL, id * xs(i)));
                sumqx += w[j] * q * xs(i);
                sumq2 += w[j] * q * q;
            }
            if sumq2 > F::ZERO && sumqx * sumqx > best * sumq2 {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        scales[ib] = d;
        let a = fabs(d);
        if a > amax_scale {
            amax_scale = a;
            max_scale = d;
        }
    }
    if sbs > 32 {
        // IQ4_XS: 6-bit block scales relative to d = −max_scale/32 (the float d, not the
        // stored fp16 one), codes re-picked with each block's scale.
        let d = -max_scale / F::int(32);
        put_half(ob, 0, d);
        let id = if d.truthy() { 1.0f32 / d } else { F::ZERO };
        let mut scales_h = 0u16;
        for ib in 0..sbs / 32 {
            let s = nearest_int(id * scales[ib]).clamp(-32, 31);
            let dl = d * F::int(s);
            let idl = if dl.truthy() { 1.0f32 / dl } else { F::ZERO };
            for i in 32 * ib..32 * ib + 32 {
                l[i] = best_index_int8(&KVALUES_IQ4NL, idl * xs(i)) as u8;
            }
            let s = (s + 32) as u8;
            if ib % 2 == 0 {
                ob[4 + ib / 2] = s & 0xf;
            } else {
                ob[4 + ib / 2] |= (s & 0xf) << 4;
            }
            scales_h |= u16::from(s >> 4) << (2 * ib);
        }
        wr16(ob, 2, scales_h);
    } else {
        put_half(ob, 0, scales[0]);
        if ntry > 0 {
            let id = if scales[0].truthy() {
                1.0f32 / scales[0]
            } else {
                F::ZERO
            };
            for (i, li) in l.iter_mut().enumerate().take(32) {
                *li = best_index_int8(&KVALUES_IQ4NL, id * xs(i)) as u8;
            }
        }
    }
    for i in 0..sbs / 32 {
        for j in 0..16 {
            ob[qs_at + 16 * i + j] = l[32 * i + j] | (l[32 * i + 16 + j] << 4);
        }
    }
}

/// IQ4_NL as `quantize_iq4_nl` (the chunk quantizer llama-quantize uses): per 32, the scale
/// `sumqx/sumq2` of the best of 16 trial scales (`ntry` = 7), codes from the 16 non-linear
/// levels; weights `x²`, or `qw·sqrt(σ² + x²)` with an imatrix (σ² = 2Σx²/32).
pub(crate) fn quantize_iq4_nl(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    let mut l = [0u8; 32];
    each_block(x, imatrix, out, 32, 18, |xb, qw, ob| {
        iq4_impl(xb, qw, 7, &mut l, ob)
    })
}

/// IQ4_NL as `quantize_row_iq4_nl_ref`: a single trial scale (`ntry` = −1) with the codes
/// of the first rounding (d = max/−127), and one code buffer for the whole call, so a block
/// with amax < 1e-15 stores d = 0 and the previous block's codes. Where ggml reads its
/// uninitialised stack buffer (such a block first in the call) this writes code 0. The
/// imatrix is not used (`_ref` has none); its length is still checked.
pub(crate) fn quantize_iq4_nl_ref(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    let mut l = [0u8; 32];
    each_block(x, imatrix, out, 32, 18, |xb, _, ob| {
        iq4_impl(xb, None, -1, &mut l, ob)
    })
}

/// IQ4_XS as `quantize_iq4_xs` (= `quantize_row_iq4_xs_ref` without an imatrix): IQ4_NL's
/// search per 32, then 6-bit block scales under one fp16 super-block scale.
pub(crate) fn quantize_iq4_xs(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    let mut l = [0u8; 256];
    each_block(x, imatrix, out, 256, 136, |xb, qw, ob| {
        iq4_impl(xb, qw, 7, &mut l, ob)
    })
}

/// IQ4_NL: `y = d·kv[nib]`.
pub(crate) fn dequantize_iq4_nl(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 32, 18)? {
        let d = half_at(b, 0);
        for j in 0..16 {
            y[j] = (d * kv(usize::from(b[2 + j] & 0xf))).0;
            y[j + 16] = (d * kv(usize::from(b[2 + j] >> 4))).0;
        }
    }
    Ok(())
}

/// IQ4_XS: `y = (d·(ls − 32))·kv[nib]`.
pub(crate) fn dequantize_iq4_xs(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 256, 136)? {
        let d = half_at(b, 0);
        let sh = rd16(b, 2);
        for ib in 0..8 {
            let ls =
                ((b[4 + ib / 2] >> (4 * (ib % 2))) & 0xf) as u16 | (((sh >> (2 * ib)) & 3) << 4);
            let dl = d * F::int(i32::from(ls) - 32);
            let qs = &b[8 + 16 * ib..24 + 16 * ib];
            for j in 0..16 {
                y[32 * ib + j] = (dl * kv(usize::from(qs[j] & 0xf))).0;
                y[32 * ib + j + 16] = (dl * kv(usize::from(qs[j] >> 4))).0;
            }
        }
    }
    Ok(())
}

/// Coordinate `j` of a packed grid entry (byte j, little-endian).
#[inline]
fn gbyte(g: u64, j: usize) -> F {
    F::int(((g >> (8 * j)) & 0xff) as i32)
}

/// `v · (neg ? −1.f : 1.f)` as GCC compiles it: a sign flip (also of a NaN).
#[inline]
fn signed(v: F, neg: bool) -> f32 {
    if neg { (-v).0 } else { v.0 }
}

/// Eight outputs `db·grid[j]`, negated where bit j of `signs` is set.
#[inline]
fn put8(y: &mut [f32], db: F, g: u64, signs: u8) {
    for (j, y) in y.iter_mut().enumerate().take(8) {
        *y = signed(db * gbyte(g, j), signs >> j & 1 == 1);
    }
}

/// IQ2_XXS: per 32, `db = d·(0.5 + s)·0.25`; 4 grid indices of 8 and 4 × 7-bit sign codes.
pub(crate) fn dequantize_iq2_xxs(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 256, 66)? {
        let d = half_at(b, 0);
        for ib in 0..8 {
            let g = &b[2 + 8 * ib..2 + 8 * ib + 4];
            let aux = rd32(b, 6 + 8 * ib);
            let db = d * (0.5f32 + F::int((aux >> 28) as i32)) * 0.25f32;
            for l in 0..4 {
                let signs = KSIGNS_IQ2XS[((aux >> (7 * l)) & 127) as usize];
                put8(
                    &mut y[32 * ib + 8 * l..],
                    db,
                    IQ2XXS_GRID[usize::from(g[l])],
                    signs,
                );
            }
        }
    }
    Ok(())
}

/// IQ2_XS: 16-bit codes (9-bit grid index, 7-bit sign code), two 4-bit scales per 32.
pub(crate) fn dequantize_iq2_xs(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 256, 74)? {
        let d = half_at(b, 0);
        for ib in 0..8 {
            let sc = b[66 + ib];
            let db = [
                d * (0.5f32 + F::int(i32::from(sc & 0xf))) * 0.25f32,
                d * (0.5f32 + F::int(i32::from(sc >> 4))) * 0.25f32,
            ];
            for l in 0..4 {
                let q = rd16(b, 2 + 2 * (4 * ib + l));
                let signs = KSIGNS_IQ2XS[usize::from(q >> 9)];
                put8(
                    &mut y[32 * ib + 8 * l..],
                    db[l / 2],
                    IQ2XS_GRID[usize::from(q & 511)],
                    signs,
                );
            }
        }
    }
    Ok(())
}

/// IQ2_S: 10-bit grid indices (low byte + 2 bits of qh), plain 8-bit sign masks.
pub(crate) fn dequantize_iq2_s(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 256, 82)? {
        let d = half_at(b, 0);
        for ib in 0..8 {
            let sc = b[74 + ib];
            let db = [
                d * (0.5f32 + F::int(i32::from(sc & 0xf))) * 0.25f32,
                d * (0.5f32 + F::int(i32::from(sc >> 4))) * 0.25f32,
            ];
            let qh = usize::from(b[66 + ib]);
            for l in 0..4 {
                let idx = usize::from(b[2 + 4 * ib + l]) | ((qh << (8 - 2 * l)) & 0x300);
                let signs = b[34 + 4 * ib + l];
                put8(&mut y[32 * ib + 8 * l..], db[l / 2], IQ2S_GRID[idx], signs);
            }
        }
    }
    Ok(())
}

/// IQ3_XXS: per 32, `db = d·(0.5 + s)·0.5`; 8 grid indices of 4 and 4 × 7-bit sign codes.
pub(crate) fn dequantize_iq3_xxs(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 256, 98)? {
        let d = half_at(b, 0);
        for ib in 0..8 {
            let aux = rd32(b, 66 + 4 * ib);
            let db = d * (0.5f32 + F::int((aux >> 28) as i32)) * 0.5f32;
            let q = &b[2 + 8 * ib..10 + 8 * ib];
            for l in 0..4 {
                let signs = KSIGNS_IQ2XS[((aux >> (7 * l)) & 127) as usize];
                let g = u64::from(IQ3XXS_GRID[usize::from(q[2 * l])])
                    | u64::from(IQ3XXS_GRID[usize::from(q[2 * l + 1])]) << 32;
                put8(&mut y[32 * ib + 8 * l..], db, g, signs);
            }
        }
    }
    Ok(())
}

/// IQ3_S: 9-bit grid indices (qs + one qh bit), plain sign masks, `db = d·(1 + 2s)`.
pub(crate) fn dequantize_iq3_s(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 256, 110)? {
        let d = half_at(b, 0);
        for ib in 0..8 {
            let sc = b[106 + ib / 2] >> (4 * (ib % 2));
            let db = d * F::int(1 + 2 * i32::from(sc & 0xf));
            let qh = usize::from(b[66 + ib]);
            let q = &b[2 + 8 * ib..10 + 8 * ib];
            for l in 0..4 {
                let i1 = usize::from(q[2 * l]) | ((qh << (8 - 2 * l)) & 256);
                let i2 = usize::from(q[2 * l + 1]) | ((qh << (7 - 2 * l)) & 256);
                let g = u64::from(IQ3S_GRID[i1]) | u64::from(IQ3S_GRID[i2]) << 32;
                put8(&mut y[32 * ib + 8 * l..], db, g, b[74 + 4 * ib + l]);
            }
        }
    }
    Ok(())
}

/// Eight outputs `dl·(grid[j] + delta)` of the IQ1 grids (int8 coordinates −1, 0, 1).
#[inline]
fn put8_iq1(y: &mut [f32], dl: F, idx: usize, delta: f32) {
    let g = IQ1S_GRID[idx];
    for (j, y) in y.iter_mut().enumerate().take(8) {
        let c = F::int(i32::from(((g >> (8 * j)) & 0xff) as u8 as i8));
        *y = (dl * (c + delta)).0;
    }
}

/// IQ1_S: per 32, `dl = d·(2s + 1)`, shift ±1/8, 11-bit grid indices.
pub(crate) fn dequantize_iq1_s(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 256, 50)? {
        let d = half_at(b, 0);
        for ib in 0..8 {
            let qh = rd16(b, 34 + 2 * ib);
            let dl = d * F::int(2 * i32::from((qh >> 12) & 7) + 1);
            let delta = if qh & 0x8000 != 0 {
                -IQ1S_DELTA
            } else {
                IQ1S_DELTA
            };
            for l in 0..4 {
                let idx = usize::from(b[2 + 4 * ib + l]) | (usize::from((qh >> (3 * l)) & 7) << 8);
                put8_iq1(&mut y[32 * ib + 8 * l..], dl, idx, delta);
            }
        }
    }
    Ok(())
}

/// IQ1_M: per 16, `dl = d·(2s + 1)` with 3-bit sub-scales; the fp16 d is spread over the top
/// nibbles of the four scale words; per-8 shifts ±1/8.
pub(crate) fn dequantize_iq1_m(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 256, 56)? {
        let sc = [rd16(b, 48), rd16(b, 50), rd16(b, 52), rd16(b, 54)];
        let dbits =
            (sc[0] >> 12) | ((sc[1] >> 8) & 0xf0) | ((sc[2] >> 4) & 0xf00) | (sc[3] & 0xf000);
        let d = fp16_to_fp32(dbits);
        for ib in 0..8 {
            let s = sc[ib / 2] >> (6 * (ib % 2));
            let dl1 = d * F::int(2 * i32::from(s & 7) + 1);
            let dl2 = d * F::int(2 * i32::from((s >> 3) & 7) + 1);
            let qs = &b[4 * ib..4 * ib + 4];
            let qh = [usize::from(b[32 + 2 * ib]), usize::from(b[33 + 2 * ib])];
            let idx = [
                usize::from(qs[0]) | ((qh[0] << 8) & 0x700),
                usize::from(qs[1]) | ((qh[0] << 4) & 0x700),
                usize::from(qs[2]) | ((qh[1] << 8) & 0x700),
                usize::from(qs[3]) | ((qh[1] << 4) & 0x700),
            ];
            let delta = |h: usize, m: usize| if h & m != 0 { -IQ1S_DELTA } else { IQ1S_DELTA };
            let deltas = [
                delta(qh[0], 0x08),
                delta(qh[0], 0x80),
                delta(qh[1], 0x08),
                delta(qh[1], 0x80),
            ];
            for l in 0..4 {
                let dl = if l < 2 { dl1 } else { dl2 };
                put8_iq1(&mut y[32 * ib + 8 * l..], dl, idx[l], deltas[l]);
            }
        }
    }
    Ok(())
}
