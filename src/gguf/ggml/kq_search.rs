//! The scale searches of ggml-quants.c that the K-quants and the legacy imatrix quantizers
//! share: `make_qx_quants`, `make_q3_quants`, `make_qkx2_quants`, `make_qkx3_quants` and
//! `make_qp_quants` (notes §5.7). Every float expression is evaluated in the C's order
//! (`w*x*l` is `(w·x)·l`), each operation one rounding, with SSE NaN rules ([`F`]).

use super::common::{F, cmax, cmin, fabs, nearest_int};

/// `GROUP_MAX_EPS`: a group whose largest |x| is below it quantizes to all-zero codes.
pub(crate) const GROUP_MAX_EPS: f32 = 1e-15;

/// `MAX(lo, MIN(hi, v))` on ints.
#[inline]
fn clamp(v: i32, lo: i32, hi: i32) -> i32 {
    v.clamp(lo, hi)
}

/// The signed value of the first largest |x| (`if (ax > amax)`; NaN never taken) and that
/// magnitude.
fn signed_max(x: &[F]) -> (F, F) {
    let (mut amax, mut max) = (F::ZERO, F::ZERO);
    for &v in x {
        let a = fabs(v);
        if a > amax {
            amax = a;
            max = v;
        }
    }
    (amax, max)
}

/// ggml-quants.c `make_qx_quants` with `rmse_type` 1: symmetric codes `L = l + nmax` with
/// `l` in `[-nmax, nmax)`, weights `qw` or `x²`. First rounds with `iscale = −nmax/max`
/// (max = the signed value of largest magnitude), fits the least-squares scale, then tries
/// the 18 scales `−(nmax + 0.1·is)/max`, is = ±1..±9, keeping the one with the largest
/// `sumlx²/suml2`. Returns the scale (possibly negative); a group with `amax < 1e-15` gets
/// codes 0 and scale 0.
pub(crate) fn make_qx_quants(x: &[F], nmax: i32, l_out: &mut [u8], qw: Option<&[F]>) -> F {
    let n = x.len();
    let (amax, max) = signed_max(x);
    if amax < F(GROUP_MAX_EPS) {
        l_out[..n].fill(0);
        return F::ZERO;
    }
    let w = |i: usize| match qw {
        Some(q) => q[i],
        None => x[i] * x[i],
    };
    let fnmax = F::int(nmax);
    let code = |iscale: F, v: F| clamp(nearest_int(iscale * v), -nmax, nmax - 1);
    let mut iscale = F::int(-nmax) / max;
    let (mut sumlx, mut suml2) = (F::ZERO, F::ZERO);
    for i in 0..n {
        let l = code(iscale, x[i]);
        l_out[i] = (l + nmax) as u8;
        let fl = F::int(l);
        sumlx += w(i) * x[i] * fl;
        suml2 += w(i) * fl * fl;
    }
    let mut scale = if suml2.truthy() {
        sumlx / suml2
    } else {
        F::ZERO
    };
    let mut best = scale * sumlx;
    for is in (-9..=9).filter(|&is| is != 0) {
        iscale = -(fnmax + 0.1f32 * F::int(is)) / max;
        let (mut slx, mut sl2) = (F::ZERO, F::ZERO);
        for i in 0..n {
            let fl = F::int(code(iscale, x[i]));
            slx += w(i) * x[i] * fl;
            sl2 += w(i) * fl * fl;
        }
        if sl2 > F::ZERO && slx * slx > best * sl2 {
            for i in 0..n {
                l_out[i] = (code(iscale, x[i]) + nmax) as u8;
            }
            scale = slx / sl2;
            best = scale * slx;
        }
    }
    scale
}

/// ggml-quants.c `make_q3_quants` with `do_rmse` (Q3_K reference): round with
/// `iscale = −nmax/max`, then up to 5 passes of coordinate descent on each code with weights
/// `x²`, accepting a change when it raises `sumlx²/suml2`. Codes `l + nmax` in `[0, 2·nmax)`.
pub(crate) fn make_q3_quants(x: &[F], nmax: i32, l_out: &mut [u8]) -> F {
    let n = x.len();
    let (amax, max) = signed_max(x);
    if amax < F(GROUP_MAX_EPS) {
        l_out[..n].fill(0);
        return F::ZERO;
    }
    let iscale = F::int(-nmax) / max;
    let mut l = [0i32; 32];
    let (mut sumlx, mut suml2) = (F::ZERO, F::ZERO);
    for i in 0..n {
        l[i] = clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1);
        let w = x[i] * x[i];
        let fl = F::int(l[i]);
        sumlx += w * x[i] * fl;
        suml2 += w * fl * fl;
    }
    for _ in 0..5 {
        let mut changed = 0;
        for i in 0..n {
            let w = x[i] * x[i];
            let li = F::int(l[i]);
            let mut slx = sumlx - w * x[i] * li;
            if slx > F::ZERO {
                let mut sl2 = suml2 - w * li * li;
                let new_l = clamp(nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
                if new_l != l[i] {
                    let fl = F::int(new_l);
                    slx += w * x[i] * fl;
                    sl2 += w * fl * fl;
                    if sl2 > F::ZERO && slx * slx * suml2 > sumlx * sumlx * sl2 {
                        l[i] = new_l;
                        sumlx = slx;
                        suml2 = sl2;
                        changed += 1;
                    }
                }
            }
        }
        if changed == 0 {
            break;
        }
    }
    for i in 0..n {
        l_out[i] = (l[i] + nmax) as u8;
    }
    if suml2 > F::ZERO {
        sumlx / suml2
    } else {
        F::ZERO
    }
}

/// The parameters of ggml's asymmetric (scale + min) search.
#[derive(Clone, Copy)]
pub(crate) struct Qkx {
    pub(crate) nmax: i32,
    pub(crate) rmin: f32,
    pub(crate) rdelta: f32,
    pub(crate) nstep: i32,
    /// Absolute instead of squared error (Q2_K reference).
    pub(crate) use_mad: bool,
    /// `make_qkx3_quants` (degenerate test `max <= min`) instead of `make_qkx2_quants`
    /// (`max == min`).
    pub(crate) v3: bool,
}

/// ggml-quants.c `make_qkx2_quants` / `make_qkx3_quants`: codes `L` in `[0, nmax]` for
/// `x ≈ scale·L − the_min`. `min` is clamped to <= 0; first rounding with `nmax/(max − min)`,
/// then `nstep + 1` trial scales `(rmin + rdelta·is + nmax)/(max − min)`, each refitted by
/// weighted least squares (scale and min; min forced to 0 if it comes out positive) and kept
/// when its weighted error is smaller. `weights` None = `x²` (qkx3 only). Returns the scale;
/// the min (as a positive offset) goes to `the_min`.
pub(crate) fn make_qkx_quants(
    x: &[F],
    weights: Option<&[F]>,
    p: Qkx,
    l_out: &mut [u8],
    the_min: &mut F,
) -> F {
    let n = x.len();
    let w = |i: usize| match weights {
        Some(q) => q[i],
        None => x[i] * x[i],
    };
    let (mut min, mut max) = (x[0], x[0]);
    let mut sum_w = w(0);
    let mut sum_x = sum_w * x[0];
    for i in 1..n {
        if x[i] < min {
            min = x[i];
        }
        if x[i] > max {
            max = x[i];
        }
        sum_w += w(i);
        sum_x += w(i) * x[i];
    }
    if min > F::ZERO {
        min = F::ZERO;
    }
    let degenerate = if p.v3 { max <= min } else { max == min };
    if degenerate {
        l_out[..n].fill(0);
        *the_min = -min;
        return F::ZERO;
    }
    let fnmax = F::int(p.nmax);
    let code = |iscale: F, v: F, min: F| clamp(nearest_int(iscale * (v - min)), 0, p.nmax);
    let err = |d: F| if p.use_mad { fabs(d) } else { d * d };
    let iscale = fnmax / (max - min);
    let mut scale = 1.0f32 / iscale;
    let mut best_error = F::ZERO;
    for i in 0..n {
        let l = code(iscale, x[i], min);
        l_out[i] = l as u8;
        let diff = scale * F::int(l) + min - x[i];
        best_error += w(i) * err(diff);
    }
    if p.nstep < 1 {
        *the_min = -min;
        return scale;
    }
    let mut laux = [0u8; 32];
    for is in 0..=p.nstep {
        let iscale = (F(p.rmin) + F(p.rdelta) * F::int(is) + fnmax) / (max - min);
        let (mut sum_l, mut sum_l2, mut sum_xl) = (F::ZERO, F::ZERO, F::ZERO);
        for i in 0..n {
            let l = code(iscale, x[i], min);
            laux[i] = l as u8;
            let fl = F::int(l);
            sum_l += w(i) * fl;
            sum_l2 += w(i) * fl * fl;
            sum_xl += w(i) * fl * x[i];
        }
        let d = sum_w * sum_l2 - sum_l * sum_l;
        if d > F::ZERO {
            let mut this_scale = (sum_w * sum_xl - sum_x * sum_l) / d;
            let mut this_min = (sum_l2 * sum_x - sum_l * sum_xl) / d;
            if this_min > F::ZERO {
                this_min = F::ZERO;
                this_scale = sum_xl / sum_l2;
            }
            let mut cur_error = F::ZERO;
            for i in 0..n {
                let diff = this_scale * F::int(i32::from(laux[i])) + this_min - x[i];
                cur_error += w(i) * err(diff);
            }
            if cur_error < best_error {
                l_out[..n].copy_from_slice(&laux[..n]);
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    *the_min = -min;
    scale
}

/// `make_qkx3_quants(n, nmax, x, weights, L, &the_min, Laux, rmin, rdelta, nstep, false)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn make_qkx3_quants(
    x: &[f32],
    nmax: i32,
    weights: Option<&[F]>,
    l_out: &mut [u8],
    the_min: &mut F,
    rmin: f32,
    rdelta: f32,
    nstep: i32,
) -> F {
    let mut xf = [F::ZERO; 32];
    for (a, &b) in xf.iter_mut().zip(x) {
        *a = F(b);
    }
    let p = Qkx {
        nmax,
        rmin,
        rdelta,
        nstep,
        use_mad: false,
        v3: true,
    };
    make_qkx_quants(&xf[..x.len()], weights, p, l_out, the_min)
}

/// ggml-quants.c `make_qp_quants`: codes in `[0, nmax]` for non-negative `x` (the sub-block
/// scales and mins of the imatrix K-quants) with weights `qw`. `max = MAX(max, x)` (the
/// NaN-forgetting macro); try the scales `(0.1·is + nmax)/max`, is = ±1..±4, by weighted MSE,
/// then coordinate descent as in `make_q3_quants`. The codes live in a `uint8_t` array in
/// the C, so out-of-range values wrap there and are read back wrapped.
pub(crate) fn make_qp_quants(x: &[F], nmax: i32, l_out: &mut [u8], qw: &[F]) -> F {
    let n = x.len();
    let mut max = F::ZERO;
    for &v in x {
        max = cmax(max, v);
    }
    if max < F(GROUP_MAX_EPS) {
        l_out[..n].fill(0);
        return F::ZERO;
    }
    let fnmax = F::int(nmax);
    let mut iscale = fnmax / max;
    for i in 0..n {
        l_out[i] = nearest_int(iscale * x[i]) as u8;
    }
    let lf = |l: u8| F::int(i32::from(l));
    let scale = 1.0f32 / iscale;
    let mut best_mse = F::ZERO;
    for i in 0..n {
        let diff = x[i] - scale * lf(l_out[i]);
        best_mse += qw[i] * diff * diff;
    }
    for is in (-4..=4).filter(|&is| is != 0) {
        let iscale_is = (0.1f32 * F::int(is) + fnmax) / max;
        let scale_is = 1.0f32 / iscale_is;
        let mut mse = F::ZERO;
        for i in 0..n {
            let l = nearest_int(iscale_is * x[i]).min(nmax);
            let diff = x[i] - scale_is * F::int(l);
            mse += qw[i] * diff * diff;
        }
        if mse < best_mse {
            best_mse = mse;
            iscale = iscale_is;
        }
    }
    let (mut sumlx, mut suml2) = (F::ZERO, F::ZERO);
    for i in 0..n {
        let l = nearest_int(iscale * x[i]).min(nmax);
        l_out[i] = l as u8;
        let fl = F::int(l);
        sumlx += qw[i] * x[i] * fl;
        suml2 += qw[i] * fl * fl;
    }
    for _ in 0..5 {
        let mut changed = 0;
        for i in 0..n {
            let w = qw[i];
            let li = lf(l_out[i]);
            let mut slx = sumlx - w * x[i] * li;
            let mut sl2 = suml2 - w * li * li;
            if slx > F::ZERO && sl2 > F::ZERO {
                let new_l = nearest_int(x[i] * sl2 / slx).min(nmax);
                if new_l != i32::from(l_out[i]) {
                    let fl = F::int(new_l);
                    slx += w * x[i] * fl;
                    sl2 += w * fl * fl;
                    if slx * slx * suml2 > sumlx * sumlx * sl2 {
                        l_out[i] = new_l as u8;
                        sumlx = slx;
                        suml2 = sl2;
                        changed += 1;
                    }
                }
            }
        }
        if changed == 0 {
            break;
        }
    }
    if suml2 > F::ZERO {
        sumlx / suml2
    } else {
        F::ZERO
    }
}

/// The largest of `v` by `if (v > m) m = v` from 0 (NaN and values ≤ 0 never taken),
/// compared on the bit patterns: below 0x7F80_0001 exactly the non-negative non-NaN values,
/// which order like their patterns. (As a float compare-and-select fold LLVM may make it an
/// AArch64 `fmaxnm`, which turns a signaling NaN into a NaN result.)
pub(crate) fn max_from_zero(v: &[F]) -> F {
    let mut m = 0u32;
    for &s in v {
        let b = s.bits();
        if b < 0x7f80_0001 && b > m {
            m = b;
        }
    }
    F::from_bits(m)
}

/// `MIN(a, b)` re-exported for the K-quant packers.
#[allow(dead_code)]
pub(crate) fn fmin(a: F, b: F) -> F {
    cmin(a, b)
}
