//! The searches of ggml-quants.c, one group per vector lane: `make_qkx2_quants` /
//! `make_qkx3_quants`, `make_qx_quants`, `make_qp_quants`.

use super::*;

/// The parameters of `make_qkx2_quants` / `make_qkx3_quants`.
#[derive(Clone, Copy)]
pub(super) struct Qkx {
    pub(super) nmax: i32,
    pub(super) rmin: f32,
    pub(super) rdelta: f32,
    pub(super) nstep: i32,
    /// Absolute instead of squared error (Q2_K reference).
    pub(super) mad: bool,
    /// `make_qkx3_quants` (degenerate test `max <= min`), else `make_qkx2_quants`.
    pub(super) v3: bool,
}

/// ggml-quants.c `make_qkx2_quants` / `make_qkx3_quants` (weights given) for each lane's
/// group of `N`: codes in `[0, nmax]`, the scale and `the_min` (the negated minimum).
/// `nan`: a lane where an argument of `nearest_int` was a NaN.
#[inline(always)]
pub(super) fn qkx<const N: usize>(
    x: &[Vf; N],
    w: &[Vf; N],
    p: Qkx,
    scale_o: &mut Vf,
    the_min: &mut Vf,
    codes: &mut [[u8; L]; N],
    nan: &mut Vb,
) {
    let (mut min, mut max, mut sum_w) = (x[0], x[0], w[0]);
    let mut sum_x = [0f32; L];
    for l in 0..L {
        sum_x[l] = sum_w[l] * x[0][l];
    }
    for i in 1..N {
        for l in 0..L {
            let v = x[i][l];
            if lt(v, min[l]) {
                min[l] = v;
            }
            if lt(max[l], v) {
                max[l] = v;
            }
            sum_w[l] += w[i][l];
            sum_x[l] += w[i][l] * v;
        }
    }
    let mut degen = [false; L];
    for l in 0..L {
        if min[l] > 0.0 {
            min[l] = 0.0;
        }
        degen[l] = if p.v3 {
            max[l] <= min[l]
        } else {
            max[l] == min[l]
        };
    }
    let fnmax = p.nmax as f32;
    let (mut iscale, mut scale) = ([0f32; L], [0f32; L]);
    for l in 0..L {
        iscale[l] = fnmax / (max[l] - min[l]);
        scale[l] = 1.0 / iscale[l];
    }
    let mut seen = [false; L];
    let mut best = [0f32; L];
    for i in 0..N {
        for l in 0..L {
            let t = iscale[l] * (x[i][l] - min[l]);
            seen[l] |= t.is_nan();
            let q = clamp(ni(t), 0, p.nmax) as f32;
            let diff = scale[l] * q + min[l] - x[i][l];
            let e = if p.mad { diff.abs() } else { diff * diff };
            best[l] += w[i][l] * e;
        }
    }
    // The parameters of the codes kept so far: the accepted trial's inverse scale and the
    // minimum it rounded with (later trials use the minimum it produced).
    let (mut bis, mut bmin) = (iscale, min);
    if p.nstep >= 1 {
        let mut laux = [[0f32; L]; N];
        for is in 0..=p.nstep {
            let num = p.rmin + p.rdelta * is as f32 + fnmax;
            let mut isc = [0f32; L];
            for l in 0..L {
                isc[l] = num / (max[l] - min[l]);
            }
            let (mut sl, mut sl2, mut sxl) = ([0f32; L], [0f32; L], [0f32; L]);
            for i in 0..N {
                for l in 0..L {
                    let t = isc[l] * (x[i][l] - min[l]);
                    seen[l] |= t.is_nan();
                    let q = clamp(ni(t), 0, p.nmax) as f32;
                    laux[i][l] = q;
                    let wl = w[i][l] * q;
                    sl[l] += wl;
                    sl2[l] += wl * q;
                    sxl[l] += wl * x[i][l];
                }
            }
            let (mut ts, mut tm, mut pos) = ([0f32; L], [0f32; L], [false; L]);
            for l in 0..L {
                let d = sum_w[l] * sl2[l] - sl[l] * sl[l];
                pos[l] = d > 0.0;
                let mut s = (sum_w[l] * sxl[l] - sum_x[l] * sl[l]) / d;
                let mut m = (sl2[l] * sum_x[l] - sl[l] * sxl[l]) / d;
                if m > 0.0 {
                    m = 0.0;
                    s = sxl[l] / sl2[l];
                }
                ts[l] = s;
                tm[l] = m;
            }
            let mut cur = [0f32; L];
            for i in 0..N {
                for l in 0..L {
                    let diff = ts[l] * laux[i][l] + tm[l] - x[i][l];
                    let e = if p.mad { diff.abs() } else { diff * diff };
                    cur[l] += w[i][l] * e;
                }
            }
            for l in 0..L {
                if !degen[l] && pos[l] && lt(cur[l], best[l]) {
                    best[l] = cur[l];
                    scale[l] = ts[l];
                    bis[l] = isc[l];
                    bmin[l] = min[l];
                    min[l] = tm[l];
                }
            }
        }
    }
    for i in 0..N {
        for l in 0..L {
            // The accepted trial's arguments again (no new NaN).
            let q = clamp(ni(bis[l] * (x[i][l] - bmin[l])), 0, p.nmax);
            codes[i][l] = if degen[l] { 0 } else { q as u8 };
        }
    }
    for l in 0..L {
        scale_o[l] = if degen[l] { 0.0 } else { scale[l] };
        the_min[l] = -min[l];
        nan[l] |= seen[l] && !degen[l];
    }
}

/// The first largest `|x|` of each lane's group (`if (ax > amax)`) and its signed value.
#[inline(always)]
pub(super) fn signed_absmax<const N: usize>(x: &[Vf; N]) -> (Vf, Vf) {
    let (mut amax, mut max) = ([0f32; L], [0f32; L]);
    for i in 0..N {
        for l in 0..L {
            let a = x[i][l].abs();
            if lt(amax[l], a) {
                amax[l] = a;
                max[l] = x[i][l];
            }
        }
    }
    (amax, max)
}

/// ggml's `GROUP_MAX_EPS`.
pub(super) const EPS: f32 = 1e-15;

/// One trial of [`qx`]: `Σ w·x·l` and `Σ w·l·l` at inverse scale `isc` (`wx` = w·x).
#[inline(always)]
pub(super) fn qx_sums<const N: usize>(
    x: &[Vf; N],
    w: &[Vf; N],
    wx: &[Vf; N],
    nmax: i32,
    isc: &Vf,
    seen: &mut Vb,
) -> (Vf, Vf) {
    let (mut slx, mut sl2) = ([0f32; L], [0f32; L]);
    for i in 0..N {
        for l in 0..L {
            let t = isc[l] * x[i][l];
            seen[l] |= t.is_nan();
            let q = clamp(ni(t), -nmax, nmax - 1) as f32;
            slx[l] += wx[i][l] * q;
            sl2[l] += w[i][l] * q * q;
        }
    }
    (slx, sl2)
}

/// ggml-quants.c `make_qx_quants` with `rmse_type` 1 and weights `w` for each lane's group:
/// codes `l + nmax` in `[0, 2·nmax)`, the scale.
#[inline(always)]
pub(super) fn qx<const N: usize>(
    x: &[Vf; N],
    w: &[Vf; N],
    nmax: i32,
    scale_o: &mut Vf,
    codes: &mut [[u8; L]; N],
    nan: &mut Vb,
) {
    let (amax, max) = signed_absmax(x);
    let mut zero = [false; L];
    let mut wx = [[0f32; L]; N];
    for i in 0..N {
        for l in 0..L {
            wx[i][l] = w[i][l] * x[i][l];
        }
    }
    let fnmax = nmax as f32;
    let mut iscale = [0f32; L];
    for l in 0..L {
        zero[l] = amax[l] < EPS;
        iscale[l] = -fnmax / max[l];
    }
    let mut seen = [false; L];
    let (slx, sl2) = qx_sums(x, w, &wx, nmax, &iscale, &mut seen);
    let (mut scale, mut best) = ([0f32; L], [0f32; L]);
    for l in 0..L {
        scale[l] = if sl2[l] != 0.0 { slx[l] / sl2[l] } else { 0.0 };
        best[l] = scale[l] * slx[l];
    }
    let mut bis = iscale;
    for is in -9..=9 {
        if is == 0 {
            continue;
        }
        let num = -(fnmax + 0.1 * is as f32);
        let mut isc = [0f32; L];
        for l in 0..L {
            isc[l] = num / max[l];
        }
        let (slx, sl2) = qx_sums(x, w, &wx, nmax, &isc, &mut seen);
        for l in 0..L {
            if sl2[l] > 0.0 && slx[l] * slx[l] > best[l] * sl2[l] {
                scale[l] = slx[l] / sl2[l];
                best[l] = scale[l] * slx[l];
                bis[l] = isc[l];
            }
        }
    }
    for i in 0..N {
        for l in 0..L {
            let q = clamp(ni(bis[l] * x[i][l]), -nmax, nmax - 1) + nmax;
            codes[i][l] = if zero[l] { 0 } else { q as u8 };
        }
    }
    for l in 0..L {
        scale_o[l] = if zero[l] { 0.0 } else { scale[l] };
        nan[l] |= seen[l] && !zero[l];
    }
}

/// ggml-quants.c `make_qp_quants` for each lane's group of `N` non-negative values with
/// weights `qw`: codes in `[0, nmax]` (kept as the C's `uint8_t`), the scale.
#[inline(always)]
pub(super) fn qp<const N: usize>(
    x: &[Vf; N],
    nmax: i32,
    qw: &[Vf; N],
    scale_o: &mut Vf,
    codes: &mut [[u8; L]; N],
    nan: &mut Vb,
) {
    let mut max = [0f32; L];
    for i in 0..N {
        for l in 0..L {
            // MAX(max, x): the left operand when it is larger, else the right one.
            max[l] = if lt(x[i][l], max[l]) { max[l] } else { x[i][l] };
        }
    }
    let fnmax = nmax as f32;
    let (mut zero, mut iscale, mut seen) = ([false; L], [0f32; L], [false; L]);
    for l in 0..L {
        zero[l] = max[l] < EPS;
        iscale[l] = fnmax / max[l];
    }
    let mut lc = [[0u8; L]; N];
    for i in 0..N {
        for l in 0..L {
            let t = iscale[l] * x[i][l];
            seen[l] |= t.is_nan();
            lc[i][l] = ni(t) as u8;
        }
    }
    let mut best = [0f32; L];
    for l in 0..L {
        let scale = 1.0 / iscale[l];
        for i in 0..N {
            let diff = x[i][l] - scale * f32::from(lc[i][l]);
            best[l] += qw[i][l] * diff * diff;
        }
    }
    for is in -4..=4 {
        if is == 0 {
            continue;
        }
        let num = 0.1 * is as f32 + fnmax;
        for l in 0..L {
            let isi = num / max[l];
            let ssi = 1.0 / isi;
            let mut mse = 0f32;
            for i in 0..N {
                let t = isi * x[i][l];
                seen[l] |= t.is_nan();
                let q = ni(t).min(nmax);
                let diff = x[i][l] - ssi * q as f32;
                mse += qw[i][l] * diff * diff;
            }
            if lt(mse, best[l]) {
                best[l] = mse;
                iscale[l] = isi;
            }
        }
    }
    let (mut sumlx, mut suml2) = ([0f32; L], [0f32; L]);
    for i in 0..N {
        for l in 0..L {
            let t = iscale[l] * x[i][l];
            seen[l] |= t.is_nan();
            let q = ni(t).min(nmax);
            lc[i][l] = q as u8;
            let fq = q as f32;
            sumlx[l] += qw[i][l] * x[i][l] * fq;
            suml2[l] += qw[i][l] * fq * fq;
        }
    }
    for _ in 0..5 {
        let mut changed = false;
        for i in 0..N {
            for l in 0..L {
                let w = qw[i][l];
                let li = f32::from(lc[i][l]);
                let mut slx = sumlx[l] - w * x[i][l] * li;
                let mut sl2 = suml2[l] - w * li * li;
                if slx > 0.0 && sl2 > 0.0 {
                    let t = x[i][l] * sl2 / slx;
                    seen[l] |= t.is_nan();
                    let nl = ni(t).min(nmax);
                    if nl != i32::from(lc[i][l]) {
                        let fl = nl as f32;
                        slx += w * x[i][l] * fl;
                        sl2 += w * fl * fl;
                        if slx * slx * suml2[l] > sumlx[l] * sumlx[l] * sl2 {
                            lc[i][l] = nl as u8;
                            sumlx[l] = slx;
                            suml2[l] = sl2;
                            changed = true;
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    for i in 0..N {
        for l in 0..L {
            codes[i][l] = if zero[l] { 0 } else { lc[i][l] };
        }
    }
    for l in 0..L {
        let s = if suml2[l] > 0.0 {
            sumlx[l] / suml2[l]
        } else {
            0.0
        };
        scale_o[l] = if zero[l] { 0.0 } else { s };
        nan[l] |= seen[l] && !zero[l];
    }
}
