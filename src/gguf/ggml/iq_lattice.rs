//! The pieces the IQ2/IQ3 quantizers share (ggml-quants.c `quantize_row_iq2_*_impl`,
//! `quantize_row_iq3_*_impl`, `iq2_find_best_neighbour`, `iq3_find_best_neighbour`;
//! notes §5.16): per-super-block σ², importance weights, the sign split of each group of 8
//! (with IQ2_XXS/IQ2_XS/IQ3_XXS's even-parity fix-up), one trial scale's lattice codes with
//! the nearest-neighbour replacement of off-grid sub-groups, and the least-squares sums.

use super::common::{F, cmax, nearest_int, sqrtf};
use super::iq_grid::Grid;
use crate::error::Error;

/// What ggml aborts with (GGML_ASSERT / GGML_ABORT), reported as an error instead.
pub(crate) const ABORT_NO_NEIGHBOUR: Error =
    Error::Unsupported("ggml aborts here: no grid neighbour has a finite distance (NaN/inf input)");
/// `GGML_ASSERT(scale >= 0)` failing (a NaN scale).
pub(crate) const ABORT_SCALE: Error =
    Error::Unsupported("ggml aborts here: the group scale is NaN");
/// `"Oops: found point … not on grid"` + `GGML_ABORT`.
pub(crate) const ABORT_OFF_GRID: Error =
    Error::Unsupported("ggml aborts here: a final code is not on the grid (NaN/inf input)");
/// `GGML_ASSERT(quant_weights)` of IQ2_XXS, IQ2_XS and IQ1_S.
pub(crate) const NEEDS_IMATRIX: Error =
    Error::Unsupported("this ggml type needs an importance matrix (imatrix)");

/// `Σ x²` over the super-block from 0, in index order.
pub(crate) fn sum_sq(x: &[f32]) -> F {
    let mut s = F::ZERO;
    for &v in x {
        s += F(v) * F(v);
    }
    s
}

/// `weight[i] = qw[i]·sqrtf(sigma2 + x[i]²)` (imatrix) or `fallback(x[i])`.
pub(crate) fn weights(
    xb: &[f32],
    qw: Option<&[f32]>,
    sigma2: F,
    fallback: impl Fn(F) -> F,
    w: &mut [F],
) {
    for (i, w) in w.iter_mut().enumerate().take(xb.len()) {
        let x = F(xb[i]);
        *w = match qw {
            Some(q) => F(q[i]) * sqrtf(x * x + sigma2),
            None => fallback(x),
        };
    }
}

/// Splits each group of 8 into magnitudes `xval` and a sign mask (bit i set for `!(x >= 0)`,
/// so NaN counts as negative). With `parity`, a group with an odd number of negatives gets
/// its element of smallest `weight·x·x` (first minimum) flipped back, and the stored mask is
/// the low 7 bits (the 8th is implied by even parity).
pub(crate) fn split_signs(xb: &[f32], w: &[F], parity: bool, xval: &mut [F], signs: &mut [u8]) {
    for (k, s_out) in signs.iter_mut().enumerate().take(xb.len() / 8) {
        let mut s = 0u8;
        let mut nflip = 0;
        for i in 0..8 {
            let x = F(xb[8 * k + i]);
            if x.0 >= 0.0 {
                xval[8 * k + i] = x;
            } else {
                xval[8 * k + i] = -x;
                nflip += 1;
                s |= 1 << i;
            }
        }
        if parity && nflip % 2 == 1 {
            let e = |i: usize| w[8 * k + i] * F(xb[8 * k + i]) * F(xb[8 * k + i]);
            let (mut imin, mut min) = (0, e(0));
            for i in 1..8 {
                let a = e(i);
                if a < min {
                    min = a;
                    imin = i;
                }
            }
            xval[8 * k + imin] = -xval[8 * k + imin];
            s ^= 1 << imin;
        }
        *s_out = if parity { s & 127 } else { s };
    }
}

/// `max = xval[0]; max = MAX(max, xval[i])` (the NaN-forgetting macro).
pub(crate) fn macro_max(v: &[F]) -> F {
    let mut m = v[0];
    for &x in &v[1..] {
        m = cmax(m, x);
    }
    m
}

/// ggml's `iq2_find_best_neighbour` / `iq3_find_best_neighbour`: over the neighbour list
/// of the off-grid key `u`, the first point minimising `Σ w·(scale·pos − xval)²`; writes its
/// levels to `l`. No point with a distance below FLT_MAX is ggml's assert.
pub(crate) fn best_neighbour(
    grid: Grid,
    u: u16,
    xval: &[F],
    w: &[F],
    scale: F,
    l: &mut [u8],
) -> Result<usize, Error> {
    let mut best_d2 = F(f32::MAX);
    let mut best: Option<usize> = None;
    grid.neighbours(u, |j| {
        let mut d2 = F::ZERO;
        for i in 0..grid.dims() {
            let q = F::int(2 * i32::from(grid.level(j, i)) + 1);
            let diff = scale * q - xval[i];
            d2 += w[i] * diff * diff;
        }
        if d2 < best_d2 {
            best_d2 = d2;
            best = Some(j);
        }
    });
    let j = best.ok_or(ABORT_NO_NEIGHBOUR)?;
    set_levels(grid, j, l);
    Ok(j)
}

/// `L[i] = (pg[i] − 1)/2`: the levels of point `j`.
pub(crate) fn set_levels(grid: Grid, j: usize, l: &mut [u8]) {
    for (i, l) in l.iter_mut().enumerate().take(grid.dims()) {
        *l = grid.level(j, i);
    }
}

/// `MAX(0, MIN(nlev − 1, nearest_int(0.5·(id·x − 1))))`: the level of `x` at inverse scale
/// `id` (pos `2l + 1` ≈ id·x).
#[inline]
pub(crate) fn level_of(id: F, x: F, nlev: i32) -> u8 {
    nearest_int(0.5f32 * (id * x - 1.0f32)).clamp(0, nlev - 1) as u8
}

/// One trial of the scale search: the levels of every sub-group at inverse scale `id`, an
/// off-grid sub-group replaced by its best neighbour at scale `1/id`; `on_grid[k]` says
/// which sub-groups were on the grid.
pub(crate) fn trial_codes(
    grid: Grid,
    xval: &[F],
    waux: &[F],
    id: F,
    laux: &mut [u8],
    on_grid: &mut [bool],
) -> Result<(), Error> {
    let (dims, nlev) = (grid.dims(), levels(grid));
    let this_scale = 1.0f32 / id;
    for k in 0..xval.len() / dims {
        let r = dims * k..dims * k + dims;
        for i in r.clone() {
            laux[i] = level_of(id, xval[i], nlev);
        }
        let u = grid.key_of(&laux[r.clone()]);
        on_grid[k] = grid.find(u).is_some();
        if !on_grid[k] {
            best_neighbour(
                grid,
                u,
                &xval[r.clone()],
                &waux[r.clone()],
                this_scale,
                &mut laux[r],
            )?;
        }
    }
    Ok(())
}

/// Levels per coordinate (ggml's `kMaxQ`).
pub(crate) fn levels(grid: Grid) -> i32 {
    if grid.dims() == 4 { 8 } else { 3 }
}

/// `sumqx = Σ w·xval·q`, `sumq2 = Σ w·q·q` with `q = 2l + 1`.
pub(crate) fn lsq_sums(w: &[F], xval: &[F], l: &[u8]) -> (F, F) {
    let (mut sumqx, mut sumq2) = (F::ZERO, F::ZERO);
    for i in 0..xval.len() {
        let q = F::int(2 * i32::from(l[i]) + 1);
        sumqx += w[i] * xval[i] * q;
        sumq2 += w[i] * q * q;
    }
    (sumqx, sumq2)
}

/// The key of sub-group `k` of `l` as ggml forms it, `u |= L[i] << bits·i` in a `uint16_t`
/// (levels above the grid's range overlap the next field, as in the C).
pub(crate) fn raw_key(grid: Grid, l: &[u8]) -> u16 {
    let bits = if grid.dims() == 4 { 3 } else { 2 };
    l[..grid.dims()]
        .iter()
        .enumerate()
        .fold(0u16, |u, (i, &v)| u | (u16::from(v) << (bits * i)))
}

/// The final grid index of a sub-group's levels, or ggml's "not on grid" abort.
pub(crate) fn final_index(grid: Grid, l: &[u8]) -> Result<usize, Error> {
    grid.find(raw_key(grid, l)).ok_or(ABORT_OFF_GRID)
}

/// `MAX(0, MIN(top, nearest_int(0.5·(id·s − 1))))`: a group scale's code (`s ≈ d·(2c + 1)`).
pub(crate) fn scale_code(id: F, s: F, top: i32) -> u8 {
    nearest_int(0.5f32 * (id * s - 1.0f32)).clamp(0, top) as u8
}
