//! The IQ3 quantizers (ggml-quants.c `quantize_row_iq3_xxs_impl` with the 256-point grid,
//! `quantize_row_iq3_s_impl` with the 512-point one; notes §5.16): groups of 4 magnitudes on
//! a 4-dimensional 8-level lattice (points `2l + 1`), signs apart, a 4-bit scale per 32.

use super::common::{F, cmax, put_half, sqrtf};
use super::each_block;
use super::iq_grid::Grid;
use super::iq_lattice::{
    ABORT_SCALE, best_neighbour, final_index, level_of, lsq_sums, macro_max, scale_code,
    set_levels, split_signs, sum_sq, trial_codes, weights,
};
use crate::error::Error;

/// IQ3_XXS or IQ3_S.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Xxs,
    S,
}

/// The shared per-32 search: weights `qw·sqrt(σ² + x²)` (σ² = 2Σx²/256) or `x²`; signs (with
/// parity for IQ3_XXS); initial scale `max/15`; trial scales `(15 + 0.2·is)/max` for is in
/// −15..=15 (IQ3_XXS) or −9..=9 (IQ3_S); then the sub-groups off the grid at the best trial
/// (IQ3_XXS), or all of them once any was off the grid or no trial was accepted (IQ3_S),
/// recomputed at the best scale and the scale refitted. Returns the group scale, levels and
/// sign bytes, or `None` for a group ggml skips (all ~0).
#[allow(clippy::type_complexity)]
fn group(
    kind: Kind,
    xb: &[f32],
    qw: Option<&[f32]>,
    sigma2: F,
) -> Result<Option<(F, [u8; 32], [u8; 4])>, Error> {
    let grid = if kind == Kind::Xxs {
        Grid::Iq3xxs
    } else {
        Grid::Iq3s
    };
    let (mut w, mut waux, mut xval) = ([F::ZERO; 32], [F::ZERO; 32], [F::ZERO; 32]);
    weights(xb, qw, sigma2, |v| v * v, &mut w);
    for (a, &b) in waux.iter_mut().zip(&w) {
        *a = sqrtf(b);
    }
    let mut signs = [0u8; 4];
    split_signs(xb, &w, kind == Kind::Xxs, &mut xval, &mut signs);
    let max = macro_max(&xval);
    let skip = match kind {
        Kind::Xxs => max < F(1e-8),
        Kind::S => !max.truthy(),
    };
    if skip {
        return Ok(None);
    }
    let mut l = [0u8; 32];
    let mut best = F::ZERO;
    let mut scale = max / F::int(15);
    let mut on_grid = [kind == Kind::Xxs; 8];
    let (mut laux, mut on_aux) = ([0u8; 32], [true; 8]);
    let nis = if kind == Kind::Xxs { 15 } else { 9 };
    for is in -nis..=nis {
        let id = (F::int(15) + F::int(is) * 0.2f32) / max;
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
        for k in 0..8 {
            if kind == Kind::Xxs && on_grid[k] {
                continue;
            }
            let r = 4 * k..4 * k + 4;
            let mut lk = [0u8; 4];
            for (i, lv) in r.clone().zip(lk.iter_mut()) {
                *lv = level_of(id, xval[i], 8);
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
            *s = if kind == Kind::Xxs { !*s & 127 } else { !*s };
        }
    }
    Ok(Some((scale, l, signs)))
}

fn quantize_iq3(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
    kind: Kind,
) -> Result<(), Error> {
    let grid = if kind == Kind::Xxs {
        Grid::Iq3xxs
    } else {
        Grid::Iq3s
    };
    let bb = if kind == Kind::Xxs { 98 } else { 110 };
    let mut res = Ok(());
    each_block(x, imatrix, out, 256, bb, |xbl, qw, ob| {
        if res.is_err() {
            return;
        }
        res = (|| {
            ob.fill(0);
            let sigma2 = F::int(2) * sum_sq(xbl) / F::int(256);
            let (mut scales, mut max_scale) = ([F::ZERO; 8], F::ZERO);
            let mut sas = [0u32; 8]; // IQ3_XXS scales_and_signs
            // IQ3_S: ggml advances its qs and signs pointers only after a group it did not
            // skip, so a skipped (all-zero) group shifts the later groups' bytes forward
            // (the qh bits stay at the group's own position).
            let mut packed = 0;
            for ib in 0..8 {
                let qb = qw.map(|q| &q[32 * ib..32 * ib + 32]);
                let Some((scale, l, signs)) = group(kind, &xbl[32 * ib..32 * ib + 32], qb, sigma2)?
                else {
                    continue;
                };
                for k in 0..8 {
                    let gi = final_index(grid, &l[4 * k..4 * k + 4])?;
                    match kind {
                        Kind::Xxs => ob[2 + 8 * ib + k] = gi as u8,
                        Kind::S => {
                            ob[2 + 8 * packed + k] = gi as u8;
                            ob[66 + ib] |= ((gi >> 8) as u8) << k;
                        }
                    }
                }
                match kind {
                    Kind::Xxs => {
                        sas[ib] = u32::from(signs[0])
                            | u32::from(signs[1]) << 7
                            | u32::from(signs[2]) << 14
                            | u32::from(signs[3]) << 21;
                    }
                    Kind::S => ob[74 + 4 * packed..78 + 4 * packed].copy_from_slice(&signs),
                }
                packed += 1;
                if scale.is_nan() || scale < F::ZERO {
                    return Err(ABORT_SCALE);
                }
                scales[ib] = scale;
                max_scale = cmax(max_scale, scale);
            }
            if !max_scale.truthy() {
                if kind == Kind::Xxs {
                    ob[2..].fill(0);
                }
                return Ok(());
            }
            let d = max_scale / F::int(31);
            let id = 1.0f32 / d;
            match kind {
                Kind::Xxs => {
                    put_half(ob, 0, d * 1.0125f32);
                    for ib in 0..8 {
                        sas[ib] |= u32::from(scale_code(id, scales[ib], 15)) << 28;
                        ob[66 + 4 * ib..70 + 4 * ib].copy_from_slice(&sas[ib].to_le_bytes());
                    }
                }
                Kind::S => {
                    put_half(ob, 0, d * 1.033f32);
                    for ib in (0..8).step_by(2) {
                        let (c1, c2) = (
                            scale_code(id, scales[ib], 15),
                            scale_code(id, scales[ib + 1], 15),
                        );
                        ob[106 + ib / 2] = c1 | (c2 << 4);
                    }
                }
            }
            Ok(())
        })();
    })?;
    res
}

/// IQ3_XXS (98 bytes: d, 64 grid-index bytes, 8 × u32 of 4 × 7-bit signs and a 4-bit scale
/// << 28); d stored × 1.0125. The imatrix is optional.
pub(crate) fn quantize_iq3_xxs(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_iq3(x, imatrix, out, Kind::Xxs)
}

/// IQ3_S (110 bytes: d, 64 low index bytes, 8 bytes of 9th index bits, 32 sign bytes, 4
/// bytes of two 4-bit scales); d stored × 1.033. The imatrix is optional.
pub(crate) fn quantize_iq3_s(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_iq3(x, imatrix, out, Kind::S)
}
