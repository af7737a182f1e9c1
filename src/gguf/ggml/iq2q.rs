//! The IQ2 quantizers (ggml-quants.c `quantize_row_iq2_xxs_impl`, `_iq2_xs_impl`,
//! `_iq2_s_impl`; notes §5.16): groups of 8 magnitudes on an 8-dimensional 3-level lattice
//! (points `2l + 1`, l in 0..3), signs stored apart, one scale per 32 (IQ2_XXS) or 16
//! elements quantized to 4 bits under an fp16 super-block scale.

use super::common::{F, cmax, put_half, sqrtf, wr16};
use super::each_block;
use super::iq_grid::Grid;
use super::iq_lattice::{
    ABORT_SCALE, NEEDS_IMATRIX, best_neighbour, final_index, level_of, lsq_sums, macro_max,
    scale_code, set_levels, split_signs, sum_sq, trial_codes, weights,
};
use super::kq_search::{GROUP_MAX_EPS, make_qp_quants};
use crate::error::Error;

/// IQ2_XXS (66 bytes: d, then per 32 a u32 of 4 grid indices and a u32 of 4 × 7-bit signs
/// and the 4-bit scale). Needs an imatrix. Per 32: initial scale from make_qp_quants (nmax
/// 4), 13 trial scales `(5 + 0.1·is)/(3·scale)`, then all four codes recomputed at the best
/// scale, whose refit is the group scale.
pub(crate) fn quantize_iq2_xxs(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    if imatrix.is_none() {
        super::check_lengths(x, out, 256, 66)?; // lengths first
        return Err(NEEDS_IMATRIX);
    }
    let grid = Grid::Iq2xxs;
    let mut res = Ok(());
    each_block(x, imatrix, out, 256, 66, |xbl, qw, ob| {
        if res.is_err() {
            return;
        }
        res = (|| {
            let qw = qw.unwrap_or(&[]);
            put_half(ob, 0, F::ZERO);
            let mut q2 = [0u32; 16];
            let sigma2 = sum_sq(xbl) / F::int(256);
            let (mut scales, mut max_scale) = ([F::ZERO; 8], F::ZERO);
            for ib in 0..8 {
                let xb = &xbl[32 * ib..32 * ib + 32];
                let (mut w, mut waux, mut xval) = ([F::ZERO; 32], [F::ZERO; 32], [F::ZERO; 32]);
                weights(xb, Some(&qw[32 * ib..32 * ib + 32]), sigma2, |v| v, &mut w);
                for (a, &b) in waux.iter_mut().zip(&w) {
                    *a = sqrtf(b);
                }
                let mut signs = [0u8; 4];
                split_signs(xb, &w, true, &mut xval, &mut signs);
                let max = macro_max(&xval);
                if max < F(GROUP_MAX_EPS) {
                    continue;
                }
                let mut l = [0u8; 32];
                let mut scale = make_qp_quants(&xval, 4, &mut l, &w);
                let eff_max = scale * F::int(3);
                if eff_max <= F::ZERO {
                    continue;
                }
                let mut best = F::ZERO;
                let mut laux = [0u8; 32];
                let mut on_grid = [true; 4];
                for is in -6..=6 {
                    let id = (F::int(5) + F::int(is) * 0.1f32) / eff_max;
                    trial_codes(grid, &xval, &waux, id, &mut laux, &mut on_grid)?;
                    let (sumqx, sumq2) = lsq_sums(&w, &xval, &laux);
                    if sumq2 > F::ZERO && sumqx * sumqx > best * sumq2 {
                        scale = sumqx / sumq2;
                        best = scale * sumqx;
                        l = laux;
                    }
                }
                if scale > F::ZERO {
                    let id = 1.0f32 / scale;
                    for k in 0..4 {
                        let r = 8 * k..8 * k + 8;
                        let mut lk = [0u8; 8];
                        for (i, lv) in r.clone().zip(lk.iter_mut()) {
                            *lv = level_of(id, xval[i], 3);
                        }
                        let u = grid.key_of(&lk);
                        let gi = match grid.find(u) {
                            Some(gi) => gi,
                            None => best_neighbour(
                                grid,
                                u,
                                &xval[r.clone()],
                                &waux[r.clone()],
                                scale,
                                &mut l[r.clone()],
                            )?,
                        };
                        set_levels(grid, gi, &mut l[r]);
                    }
                    let (sumqx, sumq2) = lsq_sums(&w, &xval, &l);
                    if sumq2 > F::ZERO {
                        scale = sumqx / sumq2;
                    }
                }
                if scale < F::ZERO {
                    scale = -scale;
                    for s in &mut signs {
                        *s = !*s & 127;
                    }
                }
                for k in 0..4 {
                    let gi = final_index(grid, &l[8 * k..8 * k + 8])?;
                    q2[2 * ib] |= (gi as u32) << (8 * k);
                    q2[2 * ib + 1] |= u32::from(signs[k]) << (7 * k);
                }
                if scale.is_nan() || scale < F::ZERO {
                    return Err(ABORT_SCALE);
                }
                scales[ib] = scale;
                max_scale = cmax(max_scale, scale);
            }
            if !max_scale.truthy() {
                ob[2..66].fill(0);
                return Ok(());
            }
            let d = max_scale / F::int(31);
            put_half(ob, 0, d);
            let id = 1.0f32 / d;
            for ib in 0..8 {
                q2[2 * ib + 1] |= u32::from(scale_code(id, scales[ib], 15)) << 28;
            }
            for (i, q) in q2.iter().enumerate() {
                ob[2 + 4 * i..6 + 4 * i].copy_from_slice(&q.to_le_bytes());
            }
            Ok(())
        })();
    })?;
    res
}

/// Which IQ2 type the 16-element quantizer produces.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// IQ2_XS: 512-point grid, parity signs, imatrix required.
    Xs,
    /// IQ2_S: 1024-point grid, full sign bytes, optional imatrix.
    S,
}

/// IQ2_XS / IQ2_S: per 16, the initial scale `max/5`, 19 trial scales `(5 + 0.1·is)/max`,
/// then the sub-groups that were off the grid at the best trial recomputed at its scale.
fn quantize_iq2_16(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
    kind: Kind,
) -> Result<(), Error> {
    let (grid, bb) = match kind {
        Kind::Xs => (Grid::Iq2xs, 74),
        Kind::S => (Grid::Iq2s, 82),
    };
    if kind == Kind::Xs && imatrix.is_none() {
        super::check_lengths(x, out, 256, bb)?; // lengths first
        return Err(NEEDS_IMATRIX);
    }
    let mut res = Ok(());
    each_block(x, imatrix, out, 256, bb, |xbl, qw, ob| {
        if res.is_err() {
            return;
        }
        res = (|| {
            ob.fill(0);
            let mut q2 = [0u16; 32];
            let sigma2 = match kind {
                Kind::Xs => sum_sq(xbl) / F::int(256),
                Kind::S => F::int(2) * sum_sq(xbl) / F::int(256),
            };
            let (mut scales, mut max_scale) = ([F::ZERO; 16], F::ZERO);
            for ib in 0..16 {
                let xb = &xbl[16 * ib..16 * ib + 16];
                let (mut w, mut waux, mut xval) = ([F::ZERO; 16], [F::ZERO; 16], [F::ZERO; 16]);
                let qb = qw.map(|q| &q[16 * ib..16 * ib + 16]);
                weights(xb, qb, sigma2, |v| 0.25f32 * sigma2 + v * v, &mut w);
                for (a, &b) in waux.iter_mut().zip(&w) {
                    *a = sqrtf(b);
                }
                let mut signs = [0u8; 2];
                split_signs(xb, &w, kind == Kind::Xs, &mut xval, &mut signs);
                let max = macro_max(&xval);
                let eps = if kind == Kind::Xs {
                    GROUP_MAX_EPS
                } else {
                    1e-8
                };
                if max < F(eps) {
                    continue;
                }
                let mut l = [0u8; 16];
                let mut best = F::ZERO;
                let mut scale = max / F::int(5);
                let mut on_grid = [true; 2];
                let (mut laux, mut on_aux) = ([0u8; 16], [true; 2]);
                for is in -9..=9 {
                    let id = (F::int(5) + F::int(is) * 0.1f32) / max;
                    trial_codes(grid, &xval, &waux, id, &mut laux, &mut on_aux)?;
                    let (sumqx, sumq2) = lsq_sums(&w, &xval, &laux);
                    if sumq2 > F::ZERO && sumqx * sumqx > best * sumq2 {
                        scale = sumqx / sumq2;
                        best = scale * sumqx;
                        l = laux;
                        on_grid = on_aux;
                    }
                }
                if on_grid.contains(&false) && scale > F::ZERO {
                    let id = 1.0f32 / scale;
                    for k in (0..2).filter(|&k| !on_grid[k]) {
                        let r = 8 * k..8 * k + 8;
                        for i in r.clone() {
                            l[i] = level_of(id, xval[i], 3);
                        }
                        let u = grid.key_of(&l[r.clone()]);
                        if grid.find(u).is_none() {
                            best_neighbour(
                                grid,
                                u,
                                &xval[r.clone()],
                                &waux[r.clone()],
                                scale,
                                &mut l[r],
                            )?;
                        }
                    }
                    let (sumqx, sumq2) = lsq_sums(&w, &xval, &l);
                    if sumq2 > F::ZERO {
                        scale = sumqx / sumq2;
                    }
                }
                if scale < F::ZERO {
                    scale = -scale;
                    for s in &mut signs {
                        *s = if kind == Kind::Xs { !*s & 127 } else { !*s };
                    }
                }
                for k in 0..2 {
                    let gi = final_index(grid, &l[8 * k..8 * k + 8])?;
                    match kind {
                        Kind::Xs => q2[2 * ib + k] = gi as u16 | (u16::from(signs[k]) << 9),
                        Kind::S => {
                            let i8 = 2 * ib + k;
                            ob[2 + i8] = gi as u8;
                            ob[66 + i8 / 4] |= ((gi >> 8) as u8) << (2 * (i8 % 4));
                            ob[2 + 32 + i8] = signs[k];
                        }
                    }
                }
                if scale.is_nan() || scale < F::ZERO {
                    return Err(ABORT_SCALE);
                }
                scales[ib] = scale;
                max_scale = cmax(max_scale, scale);
            }
            if !max_scale.truthy() {
                if kind == Kind::Xs {
                    ob[2..66].fill(0);
                }
                return Ok(());
            }
            let d = max_scale / F::int(31);
            let sc_at = match kind {
                Kind::Xs => {
                    put_half(ob, 0, d);
                    66
                }
                Kind::S => {
                    put_half(ob, 0, d * 0.9875f32);
                    74
                }
            };
            let id = 1.0f32 / d;
            for ib in 0..16 {
                let c = scale_code(id, scales[ib], 15);
                if ib % 2 == 0 {
                    ob[sc_at + ib / 2] = c;
                } else {
                    ob[sc_at + ib / 2] |= c << 4;
                }
            }
            if kind == Kind::Xs {
                for (i, &q) in q2.iter().enumerate() {
                    wr16(ob, 2 + 2 * i, q);
                }
            }
            Ok(())
        })();
    })?;
    res
}

/// IQ2_XS (74 bytes: d, 32 × u16 = 9-bit grid index | 7-bit signs << 9, 8 bytes of two 4-bit
/// scales). Needs an imatrix.
pub(crate) fn quantize_iq2_xs(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_iq2_16(x, imatrix, out, Kind::Xs)
}

/// IQ2_S (82 bytes: d, 32 low index bytes, 32 sign bytes, 8 bytes of 2 high index bits,
/// 8 scale bytes). Without an imatrix the weights are `σ²/4 + x²`; d is stored × 0.9875.
pub(crate) fn quantize_iq2_s(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_iq2_16(x, imatrix, out, Kind::S)
}
