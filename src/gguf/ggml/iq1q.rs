//! The IQ1 quantizers (ggml-quants.c `quantize_row_iq1_s_impl`, `quantize_row_iq1_m_impl`;
//! notes §5.16): values {−1, 0, 1} shifted by ±1/8, groups of 8 on the 2048-point grid.
//! The best split of each group into the three values is found exhaustively over the
//! elements sorted by value (glibc 2.36 `qsort` = a stable top-down merge sort).

use super::super::grids::IQ1S_DELTA;
use super::common::{F, cmax, fabs, fp32_to_fp16, put_half, wr16};
use super::each_block;
use super::iq_grid::Grid;
use super::iq_lattice::{
    ABORT_NO_NEIGHBOUR, ABORT_SCALE, NEEDS_IMATRIX, raw_key, scale_code, sum_sq, weights,
};
use crate::error::Error;

const X_P: [f32; 3] = [-1.0 + IQ1S_DELTA, IQ1S_DELTA, 1.0 + IQ1S_DELTA];
const X_M: [f32; 3] = [-1.0 - IQ1S_DELTA, -IQ1S_DELTA, 1.0 - IQ1S_DELTA];

/// glibc 2.36 `msort_with_tmp` on `(x, index)` pairs with ggml's `iq1_sort_helper`
/// (`x < y ? −1 : x > y ? 1 : 0`, so a NaN compares equal to everything): split at n/2,
/// sort both halves, merge taking the left element while `cmp(left, right) <= 0`.
fn msort(v: &mut [(F, u8)], tmp: &mut [(F, u8)]) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    {
        let (a, b) = v.split_at_mut(n1);
        msort(a, tmp);
        msort(b, tmp);
    }
    let (mut i, mut j, mut k) = (0, n1, 0);
    while i < n1 && j < n {
        let (l, r) = (v[i].0, v[j].0);
        let cmp = if l < r {
            -1
        } else if l > r {
            1
        } else {
            0
        };
        if cmp <= 0 {
            tmp[k] = v[i];
            i += 1;
        } else {
            tmp[k] = v[j];
            j += 1;
        }
        k += 1;
    }
    while i < n1 {
        tmp[k] = v[i];
        i += 1;
        k += 1;
    }
    // The right half's remainder is already in place.
    v[..k].copy_from_slice(&tmp[..k]);
}

/// The elements' indices in ggml's sorted order.
fn sorted_indices(xb: &[f32], idx: &mut [u8]) {
    let n = xb.len();
    let mut pairs = [(F::ZERO, 0u8); 32];
    for (j, p) in pairs.iter_mut().enumerate().take(n) {
        *p = (F(xb[j]), j as u8);
    }
    let mut tmp = [(F::ZERO, 0u8); 32];
    msort(&mut pairs[..n], &mut tmp[..n]);
    for (o, p) in idx.iter_mut().zip(&pairs[..n]) {
        *o = p.1;
    }
}

/// ggml's `iq1_find_best_neighbour2`: the first neighbour minimising
/// `Σ w·(scale·xx[l] − x)²`; its levels go to `l`. ggml falls back to a scan of the whole
/// grid when no neighbour has a distance below FLT_MAX, but that scan reads `xval` past the
/// group (out of bounds), so it is reported as an error here.
fn best_neighbour2(
    u: u16,
    xb: &[f32],
    w: &[F],
    scale: F,
    xx: &[f32; 3],
    l: &mut [u8],
) -> Result<usize, Error> {
    let grid = Grid::Iq1s;
    let mut best_d2 = F(f32::MAX);
    let mut best = None;
    grid.neighbours(u, |j| {
        let mut d2 = F::ZERO;
        for i in 0..8 {
            let q = F(xx[usize::from(grid.level(j, i))]);
            let diff = scale * q - F(xb[i]);
            d2 += w[i] * diff * diff;
        }
        if d2 < best_d2 {
            best_d2 = d2;
            best = Some(j);
        }
    });
    let j = best.ok_or(ABORT_NO_NEIGHBOUR)?;
    for (i, l) in l.iter_mut().enumerate().take(8) {
        *l = grid.level(j, i);
    }
    Ok(j)
}

/// The grid indices of the groups of 8 of `l` (off-grid ones replaced by their best
/// neighbour, `xx[k]` the value set of group k) and, if any was off the grid, the refitted
/// scale `sumqx/sumq2` when both are positive.
fn grid_codes(
    xb: &[f32],
    w: &[F],
    l: &mut [u8],
    mut scale: F,
    xx: &[&[f32; 3]],
) -> Result<(F, [usize; 4]), Error> {
    let grid = Grid::Iq1s;
    let mut index = [0usize; 4];
    let mut all_on_grid = true;
    for k in 0..xb.len() / 8 {
        let r = 8 * k..8 * k + 8;
        let u = raw_key(grid, &l[r.clone()]);
        index[k] = match grid.find(u) {
            Some(gi) => gi,
            None => {
                all_on_grid = false;
                best_neighbour2(u, &xb[r.clone()], &w[r.clone()], scale, xx[k], &mut l[r])?
            }
        };
    }
    if !all_on_grid {
        let (mut sumqx, mut sumq2) = (F::ZERO, F::ZERO);
        for k in 0..xb.len() / 8 {
            for j in 0..8 {
                let wi = w[8 * k + j];
                let q = F(xx[k][usize::from(grid.level(index[k], j))]);
                sumqx += wi * q * F(xb[8 * k + j]);
                sumq2 += wi * q * q;
            }
        }
        if sumqx > F::ZERO && sumq2 > F::ZERO {
            scale = sumqx / sumq2;
        }
    }
    Ok((scale, index))
}

/// `max = fabsf(x[0]); max = MAX(max, fabsf(x[i]))`.
fn abs_max(xb: &[f32]) -> F {
    let mut m = fabs(F(xb[0]));
    for &v in &xb[1..] {
        m = cmax(m, fabs(F(v)));
    }
    m
}

/// Codes 0/1/2 for the sorted positions `[0, i1)`, `[i1, i2)`, `[i2, n)`.
fn split_levels(idx: &[u8], i1: usize, i2: usize, l: &mut [u8]) {
    for (j, &i) in idx.iter().enumerate() {
        l[usize::from(i)] = if j < i1 {
            0
        } else if j < i2 {
            1
        } else {
            2
        };
    }
}

/// IQ1_S (50 bytes: d, 32 low index bytes, 8 × u16 of 3 × 3 high index bits, a 3-bit scale
/// << 12 and the shift sign << 15). Needs an imatrix. Per 32 the exhaustive split search
/// with shift +δ then −δ for each (i1, i2); d stored × 1.125.
pub(crate) fn quantize_iq1_s(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    if imatrix.is_none() {
        super::check_lengths(x, out, 256, 50)?; // lengths first
        return Err(NEEDS_IMATRIX);
    }
    let mut res = Ok(());
    each_block(x, imatrix, out, 256, 50, |xbl, qw, ob| {
        if res.is_err() {
            return;
        }
        res = (|| {
            ob.fill(0);
            let qw = qw.unwrap_or(&[]);
            let sigma2 = F::int(2) * sum_sq(xbl) / F::int(256);
            let (mut scales, mut shifts, mut max_scale) = ([F::ZERO; 8], [1i8; 8], F::ZERO);
            for ib in 0..8 {
                let xb = &xbl[32 * ib..32 * ib + 32];
                let mut w = [F::ZERO; 32];
                weights(xb, Some(&qw[32 * ib..32 * ib + 32]), sigma2, |v| v, &mut w);
                let max = abs_max(xb);
                if max < F(1e-12) {
                    continue;
                }
                let mut idx = [0u8; 32];
                sorted_indices(xb, &mut idx);
                let (mut sumx, mut sumw) = ([F::ZERO; 33], [F::ZERO; 33]);
                for j in 0..32 {
                    let i = usize::from(idx[j]);
                    sumx[j + 1] = sumx[j] + w[i] * F(xb[i]);
                    sumw[j + 1] = sumw[j] + w[i];
                }
                let (mut best, mut scale) = (F(-f32::MAX), max);
                let mut found: Option<(usize, usize, i8)> = None;
                for i1 in 0..=32 {
                    for i2 in i1..=32 {
                        for (xs, shift) in [(&X_P, 1i8), (&X_M, -1i8)] {
                            let sumqx = (sumx[i1] - sumx[0]) * xs[0]
                                + (sumx[i2] - sumx[i1]) * xs[1]
                                + (sumx[32] - sumx[i2]) * xs[2];
                            let sumq2 = (sumw[i1] - sumw[0]) * xs[0] * xs[0]
                                + (sumw[i2] - sumw[i1]) * xs[1] * xs[1]
                                + (sumw[32] - sumw[i2]) * xs[2] * xs[2];
                            if sumq2 > F::ZERO && sumqx * sumqx > best * sumq2 {
                                scale = sumqx / sumq2;
                                best = scale * sumqx;
                                found = Some((i1, i2, shift));
                            }
                        }
                    }
                }
                let Some((i1, i2, mut shift)) = found else {
                    continue;
                };
                let mut l = [0u8; 32];
                split_levels(&idx, i1, i2, &mut l);
                if scale < F::ZERO {
                    for v in &mut l {
                        *v = 2 - *v;
                    }
                    scale = -scale;
                    shift = -shift;
                }
                let xx = if shift == 1 { &X_P } else { &X_M };
                let (scale, index) = grid_codes(xb, &w, &mut l, scale, &[xx; 4])?;
                let mut h = 0u16;
                for k in 0..4 {
                    ob[2 + 4 * ib + k] = index[k] as u8;
                    h |= ((index[k] >> 8) as u16) << (3 * k);
                }
                wr16(ob, 34 + 2 * ib, h);
                if scale.is_nan() || scale < F::ZERO {
                    return Err(ABORT_SCALE);
                }
                scales[ib] = scale;
                shifts[ib] = shift;
                max_scale = cmax(max_scale, scale);
            }
            if !max_scale.truthy() {
                return Ok(());
            }
            let d = max_scale / F::int(15);
            put_half(ob, 0, d * 1.125f32);
            let id = 1.0f32 / d;
            for ib in 0..8 {
                let mut c = u16::from(scale_code(id, scales[ib], 7));
                if shifts[ib] == -1 {
                    c |= 8;
                }
                let h = u16::from_le_bytes([ob[34 + 2 * ib], ob[35 + 2 * ib]]);
                wr16(ob, 34 + 2 * ib, h | (c << 12));
            }
            Ok(())
        })();
    })?;
    res
}

/// The value sets of IQ1_M's two halves for shift choice `k` (0: +,+; 1: +,−; 2: −,+; 3: −,−).
fn iq1m_sets(k: i8) -> [&'static [f32; 3]; 2] {
    [
        if k < 2 { &X_P } else { &X_M },
        if k % 2 == 0 { &X_P } else { &X_M },
    ]
}

/// IQ1_M (56 bytes: 32 low index bytes, 16 bytes of 2 × 3 high index bits and 2 shift bits,
/// 4 × u16 of 4 × 3-bit scales whose top nibbles hold the fp16 d). Per 16 the split search
/// over the four shift combinations of its two halves; the super-block scale is refitted
/// over all codes and stored × 1.1125. The imatrix is optional (weights x² without).
pub(crate) fn quantize_iq1_m(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    let mut res = Ok(());
    each_block(x, imatrix, out, 256, 56, |xbl, qw, ob| {
        if res.is_err() {
            return;
        }
        res = (|| {
            ob.fill(0);
            let sigma2 = F::int(2) * sum_sq(xbl) / F::int(256);
            let (mut scales, mut shifts, mut max_scale) = ([F::ZERO; 16], [0i8; 16], F::ZERO);
            let wts = |ib: usize, w: &mut [F; 16]| {
                let qb = qw.map(|q| &q[16 * ib..16 * ib + 16]);
                weights(&xbl[16 * ib..16 * ib + 16], qb, sigma2, |v| v * v, w);
            };
            for ib in 0..16 {
                let xb = &xbl[16 * ib..16 * ib + 16];
                let mut w = [F::ZERO; 16];
                wts(ib, &mut w);
                let max = abs_max(xb);
                if max < F(1e-7) {
                    continue;
                }
                let mut idx = [0u8; 16];
                sorted_indices(xb, &mut idx);
                // Prefix sums per half (the element's half keeps growing, the other's stays).
                let (mut px, mut pw) = ([[F::ZERO; 17]; 2], [[F::ZERO; 17]; 2]);
                for j in 0..16 {
                    let i = usize::from(idx[j]);
                    let h = usize::from(i >= 8);
                    px[h][j + 1] = px[h][j] + w[i] * F(xb[i]);
                    px[1 - h][j + 1] = px[1 - h][j];
                    pw[h][j + 1] = pw[h][j] + w[i];
                    pw[1 - h][j + 1] = pw[1 - h][j];
                }
                let (txs, tws) = ([px[0][16], px[1][16]], [pw[0][16], pw[1][16]]);
                let (p2, m2) = (F(X_P[2]), F(X_M[2]));
                let cp1 = F(X_P[0]) * F(X_P[0]) - F(X_P[1]) * F(X_P[1]);
                let cp2 = F(X_P[1]) * F(X_P[1]) - F(X_P[2]) * F(X_P[2]);
                let cm1 = F(X_M[0]) * F(X_M[0]) - F(X_M[1]) * F(X_M[1]);
                let cm2 = F(X_M[1]) * F(X_M[1]) - F(X_M[2]) * F(X_M[2]);
                let (mut best, mut scale) = (F(-f32::MAX), max);
                let mut found: Option<(usize, usize, i8)> = None;
                for i1 in 0..=16 {
                    for i2 in i1..=16 {
                        let (mut qxp, mut qxm, mut q2p, mut q2m) =
                            ([F::ZERO; 2], [F::ZERO; 2], [F::ZERO; 2], [F::ZERO; 2]);
                        for h in 0..2 {
                            let sx = px[h][i1] + px[h][i2];
                            qxp[h] = txs[h] * p2 - sx;
                            qxm[h] = txs[h] * m2 - sx;
                            q2p[h] = tws[h] * p2 * p2 + pw[h][i1] * cp1 + pw[h][i2] * cp2;
                            q2m[h] = tws[h] * m2 * m2 + pw[h][i1] * cm1 + pw[h][i2] * cm2;
                        }
                        let sumqx = [
                            qxp[0] + qxp[1],
                            qxp[0] + qxm[1],
                            qxm[0] + qxp[1],
                            qxm[0] + qxm[1],
                        ];
                        let sumq2 = [
                            q2p[0] + q2p[1],
                            q2p[0] + q2m[1],
                            q2m[0] + q2p[1],
                            q2m[0] + q2m[1],
                        ];
                        for k in 0..4 {
                            if sumq2[k] > F::ZERO && sumqx[k] * sumqx[k] > best * sumq2[k] {
                                scale = sumqx[k] / sumq2[k];
                                best = scale * sumqx[k];
                                found = Some((i1, i2, k as i8));
                            }
                        }
                    }
                }
                let Some((i1, i2, mut k)) = found else {
                    continue;
                };
                let mut l = [0u8; 16];
                split_levels(&idx, i1, i2, &mut l);
                if scale < F::ZERO {
                    for v in &mut l {
                        *v = 2 - *v;
                    }
                    scale = -scale;
                    k = 3 - k;
                }
                let sets = iq1m_sets(k);
                let (scale, index) = grid_codes(xb, &w, &mut l, scale, &sets)?;
                ob[2 * ib] = index[0] as u8;
                ob[2 * ib + 1] = index[1] as u8;
                ob[32 + ib] = ((index[0] >> 8) | ((index[1] >> 8) << 4)) as u8;
                if scale.is_nan() || scale < F::ZERO {
                    return Err(ABORT_SCALE);
                }
                scales[ib] = scale;
                shifts[ib] = k;
                max_scale = cmax(max_scale, scale);
            }
            if !max_scale.truthy() {
                return Ok(());
            }
            const MASKS: [u8; 4] = [0x00, 0x80, 0x08, 0x88];
            let mut d = max_scale / F::int(15);
            let id = 1.0f32 / d;
            let mut sc = [0u16; 4];
            let (mut sumqx, mut sumq2) = (F::ZERO, F::ZERO);
            let grid = Grid::Iq1s;
            for ib in 0..16 {
                let c = scale_code(id, scales[ib], 7);
                sc[ib / 4] |= u16::from(c) << (3 * (ib % 4));
                ob[32 + ib] |= MASKS[shifts[ib] as usize];
                let mut w = [F::ZERO; 16];
                wts(ib, &mut w);
                let sets = iq1m_sets(shifts[ib]);
                let qh = usize::from(ob[32 + ib]);
                for k in 0..2 {
                    let gi = usize::from(ob[2 * ib + k]) | ((qh << (8 - 4 * k)) & 0x700);
                    for j in 0..8 {
                        let q = F(sets[k][usize::from(grid.level(gi, j))])
                            * F::int(2 * i32::from(c) + 1);
                        sumqx += w[8 * k + j] * q * F(xbl[16 * ib + 8 * k + j]);
                        sumq2 += w[8 * k + j] * q * q;
                    }
                }
            }
            if sumq2 > F::ZERO {
                d = sumqx / sumq2;
            }
            let s = fp32_to_fp16(d * 1.1125f32);
            sc[0] |= (s & 0x000f) << 12;
            sc[1] |= (s & 0x00f0) << 8;
            sc[2] |= (s & 0x0f00) << 4;
            sc[3] |= s & 0xf000;
            for (i, &v) in sc.iter().enumerate() {
                wr16(ob, 48 + 2 * i, v);
            }
            Ok(())
        })();
    })?;
    res
}
