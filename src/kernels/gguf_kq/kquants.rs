//! Q2_K … Q6_K blocks, reference and imatrix forms.

use super::*;

// Q2_K: scales[16] @0 (scale | min << 4), qs[64] @16, d @80, dmin @82.

/// Q2_K: per 16 make_qkx2_quants (nmax 3, weights |x|, absolute error, rmin −0.5, rdelta
/// 0.1, 15 steps), 4-bit scales/mins under their maxima; with an imatrix make_qkx3_quants
/// (rmin −0.9, rdelta 0.05, 36 steps) with `qw·sqrt(σ² + x²)` (σ² = Σx²/256) and
/// make_qp_quants for the scales and mins. Then the codes again from the stored scales.
#[inline(always)]
fn q2_k<S: Sqrt>(x: &[f32], qw: Option<&[f32]>, out: &mut [u8]) -> u64 {
    let nblk = (x.len() / 256).min(64);
    let mut left = nonfinite_blocks(x, qw, 256);
    let sig = if qw.is_some() {
        k_sigma2(x, 1.0)
    } else {
        [0f32; 64]
    };
    let mut sub = Sub::<16>::new();
    let p = if qw.is_some() {
        Qkx {
            nmax: 3,
            rmin: -0.9,
            rdelta: 0.05,
            nstep: 36,
            mad: false,
            v3: true,
        }
    } else {
        Qkx {
            nmax: 3,
            rmin: -0.5,
            rdelta: 0.1,
            nstep: 15,
            mad: true,
            v3: false,
        }
    };
    let how = if qw.is_some() { Wts::Im } else { Wts::Abs };
    sub_searches::<S, 16, 16>(x, &sig, qw, &mut sub, how, Search::Qkx(p));
    let (mut ls, mut lm) = ([[0u8; 16]; 64], [[0u8; 16]; 64]);
    let (mut dq, mut mq) = ([0f32; 64], [0f32; 64]);
    if qw.is_some() {
        qp_blocks::<16>(
            nblk,
            &sub.scales,
            &sub.sw,
            15,
            &mut ls,
            &mut dq,
            &mut sub.nan,
        );
        qp_blocks::<16>(nblk, &sub.mins, &sub.sw, 15, &mut lm, &mut mq, &mut sub.nan);
    }
    left |= sub.nan;
    for (k, (xb, ob)) in x
        .chunks_exact(256)
        .zip(out.chunks_exact_mut(84))
        .enumerate()
    {
        if left >> k & 1 == 1 {
            continue;
        }
        let mut nan = false;
        if qw.is_some() {
            put16(ob, 80, half_of(dq[k], &mut nan));
            put16(ob, 82, half_of(mq[k], &mut nan));
            for j in 0..16 {
                ob[j] = ls[k][j] | (lm[k][j] << 4);
            }
        } else {
            let (scales, mins) = (&sub.scales[k], &sub.mins[k]);
            let max_scale = max_from_zero(scales);
            let max_min = max_from_zero(mins);
            if max_scale > 0.0 {
                let iscale = 15.0 / max_scale;
                for j in 0..16 {
                    let t = iscale * scales[j];
                    nan |= t.is_nan();
                    ob[j] = ni(t) as u8;
                }
                put16(ob, 80, half_of(max_scale / 15.0, &mut nan));
            } else {
                ob[..16].fill(0);
                put16(ob, 80, 0);
            }
            if max_min > 0.0 {
                let iscale = 15.0 / max_min;
                for j in 0..16 {
                    let t = iscale * mins[j];
                    nan |= t.is_nan();
                    ob[j] |= (ni(t) << 4) as u8;
                }
                put16(ob, 82, half_of(max_min / 15.0, &mut nan));
            } else {
                put16(ob, 82, 0);
            }
        }
        let dm = half_f32(u16::from_le_bytes([ob[80], ob[81]]));
        let mm = half_f32(u16::from_le_bytes([ob[82], ob[83]]));
        let l = &mut sub.codes[k];
        for j in 0..16 {
            let d = dm * f32::from(ob[j] & 0xf);
            if d == 0.0 {
                continue;
            }
            let m = mm * f32::from(ob[j] >> 4);
            let mut seen = false;
            for i in 16 * j..16 * j + 16 {
                let t = (xb[i] + m) / d;
                seen |= t.is_nan();
                l[i] = clamp(ni(t), 0, 3) as u8;
            }
            nan |= seen;
        }
        pack_2bit(l, &mut ob[16..80]);
        left |= u64::from(nan) << k;
    }
    left & first(nblk)
}

/// Q2_K reference (no imatrix).
#[inline(always)]
pub(crate) fn q_q2_k(x: &[f32], out: &mut [u8]) -> u64 {
    q2_k::<LibmSqrt>(x, None, out)
}

/// Q2_K with an imatrix (`qw`: the weights of `x`'s columns, as long as `x`).
#[inline(always)]
pub(crate) fn qi_q2_k<S: Sqrt>(x: &[f32], qw: &[f32], out: &mut [u8]) -> u64 {
    q2_k::<S>(x, Some(qw), out)
}

// ------------------------------------------------------------------------------------------
// Q3_K: hmask[32] @0, qs[64] @32, scales[12] @96 (16 × 6 bits), d @108.

/// The 6-bit scale `j` of Q3_K's scale bytes, minus 32.
#[inline(always)]
fn q3_scale(s: &[u8], j: usize) -> i32 {
    let low = if j < 8 { s[j] & 0xf } else { s[j - 8] >> 4 };
    let high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
    i32::from(low | (high << 4)) - 32
}

/// Packs the 6-bit code `l` as Q3_K scale `j` (the 12 bytes zeroed first).
#[inline(always)]
fn q3_put_scale(s: &mut [u8], j: usize, l: u8) {
    if j < 8 {
        s[j] = l & 0xf;
    } else {
        s[j - 8] |= (l & 0xf) << 4;
    }
    s[j % 4 + 8] |= (l >> 4) << (2 * (j / 4));
}

/// Q3_K with an imatrix: per 16 make_qx_quants (nmax 4) with `qw·sqrt(σ² + x²)`
/// (σ² = 2Σx²/256), then the 6-bit signed scales from make_qx_quants (nmax 32) over the 16
/// scales weighted by their sums of weights; the codes again from the stored scales. (The
/// reference form runs the definition, see `gguf::ggml::fast`.)
#[inline(always)]
pub(crate) fn qi_q3_k<S: Sqrt>(x: &[f32], qw: &[f32], out: &mut [u8]) -> u64 {
    let nblk = (x.len() / 256).min(64);
    let mut left = nonfinite_blocks(x, Some(qw), 256);
    let sig = k_sigma2(x, 2.0);
    let mut sub = Sub::<16>::new();
    sub_searches::<S, 16, 16>(x, &sig, Some(qw), &mut sub, Wts::Im, Search::Qx(4));
    let mut ls = [[0u8; 16]; 64];
    let mut dblk = [0f32; 64];
    for b0 in (0..nblk).step_by(L) {
        let (mut xt, mut wt) = ([[0f32; L]; 16], [[0f32; L]; 16]);
        for l in 0..L.min(nblk - b0) {
            for j in 0..16 {
                xt[j][l] = sub.scales[b0 + l][j];
                wt[j][l] = sub.sw[b0 + l][j];
            }
        }
        let mut s = [0f32; L];
        let mut c = [[0u8; L]; 16];
        let mut n = [false; L];
        qx::<16>(&xt, &wt, 32, &mut s, &mut c, &mut n);
        for l in 0..L.min(nblk - b0) {
            dblk[b0 + l] = s[l];
            for j in 0..16 {
                ls[b0 + l][j] = c[j][l];
            }
            sub.nan |= u64::from(n[l]) << (b0 + l);
        }
    }
    left |= sub.nan;
    for (k, (xb, ob)) in x
        .chunks_exact(256)
        .zip(out.chunks_exact_mut(110))
        .enumerate()
    {
        if left >> k & 1 == 1 {
            continue;
        }
        let mut nan = false;
        ob[96..108].fill(0);
        for j in 0..16 {
            q3_put_scale(&mut ob[96..108], j, ls[k][j]);
        }
        put16(ob, 108, half_of(dblk[k], &mut nan));
        let d = half_f32(u16::from_le_bytes([ob[108], ob[109]]));
        let l = &mut sub.codes[k];
        for j in 0..16 {
            let dl = d * q3_scale(&ob[96..108], j) as f32;
            if dl == 0.0 {
                continue;
            }
            let mut seen = false;
            for i in 16 * j..16 * j + 16 {
                let t = xb[i] / dl;
                seen |= t.is_nan();
                l[i] = (clamp(ni(t), -4, 3) + 4) as u8;
            }
            nan |= seen;
        }
        ob[..32].fill(0);
        for j in 0..256 {
            if l[j] > 3 {
                ob[j % 32] |= 1 << (j / 32);
                l[j] -= 4;
            }
        }
        pack_2bit(l, &mut ob[32..96]);
        left |= u64::from(nan) << k;
    }
    left & first(nblk)
}

// ------------------------------------------------------------------------------------------
// Q4_K: d @0, dmin @2, scales[12] @4, qs[128] @16.  Q5_K: the same, qh[32] @16, qs @48.

/// Q4_K / Q5_K (`five`): per 32 make_qkx2_quants (weights `sqrt(Σx²/32) + |x|`; Q4_K
/// nmax 15, rmin −1, 20 steps; Q5_K nmax 31, rmin −0.5, 15 steps) and 6-bit scales/mins
/// under their maxima; with an imatrix make_qkx3_quants (rmin −0.9, rdelta 0.05, 36 steps)
/// with `qw·sqrt(σ² + x²)` (σ² = 2Σx²/256) and make_qp_quants (nmax 63) for the scales and
/// mins. Then the codes again from the stored scales.
#[inline(always)]
fn q45_k<S: Sqrt>(x: &[f32], qw: Option<&[f32]>, out: &mut [u8], five: bool) -> u64 {
    let nblk = (x.len() / 256).min(64);
    let (bb, nmax) = if five { (176, 31) } else { (144, 15) };
    let mut left = nonfinite_blocks(x, qw, 256);
    let sig = if qw.is_some() {
        k_sigma2(x, 2.0)
    } else {
        [0f32; 64]
    };
    let p = match (qw.is_some(), five) {
        (true, _) => Qkx {
            nmax,
            rmin: -0.9,
            rdelta: 0.05,
            nstep: 36,
            mad: false,
            v3: true,
        },
        (false, true) => Qkx {
            nmax,
            rmin: -0.5,
            rdelta: 0.1,
            nstep: 15,
            mad: false,
            v3: false,
        },
        (false, false) => Qkx {
            nmax,
            rmin: -1.0,
            rdelta: 0.1,
            nstep: 20,
            mad: false,
            v3: false,
        },
    };
    let mut sub = Sub::<8>::new();
    let how = if qw.is_some() { Wts::Im } else { Wts::AvAbs };
    sub_searches::<S, 8, 32>(x, &sig, qw, &mut sub, how, Search::Qkx(p));
    let (mut ls, mut lm) = ([[0u8; 8]; 64], [[0u8; 8]; 64]);
    let (mut dq, mut mq) = ([0f32; 64], [0f32; 64]);
    if qw.is_some() {
        qp_blocks::<8>(
            nblk,
            &sub.scales,
            &sub.sw,
            63,
            &mut ls,
            &mut dq,
            &mut sub.nan,
        );
        qp_blocks::<8>(nblk, &sub.mins, &sub.sw, 63, &mut lm, &mut mq, &mut sub.nan);
    }
    left |= sub.nan;
    for (k, (xb, ob)) in x
        .chunks_exact(256)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
    {
        if left >> k & 1 == 1 {
            continue;
        }
        let mut nan = false;
        let (mut lsk, mut lmk) = ([0u8; 8], [0u8; 8]);
        if qw.is_some() {
            for j in 0..8 {
                // quantize_row_q5_K_impl clamps again; Q4_K's codes are <= 63 already
                // unless wrapped, and are packed as they are.
                lsk[j] = if five { ls[k][j].min(63) } else { ls[k][j] };
                lmk[j] = if five { lm[k][j].min(63) } else { lm[k][j] };
            }
            pack_scale_min_k4(&lsk, &lmk, &mut ob[4..16]);
            put16(ob, 0, half_of(dq[k], &mut nan));
            put16(ob, 2, half_of(mq[k], &mut nan));
        } else {
            let (scales, mins) = (&sub.scales[k], &sub.mins[k]);
            let max_scale = max_from_zero(scales);
            let max_min = max_from_zero(mins);
            let inv_scale = if max_scale > 0.0 {
                63.0 / max_scale
            } else {
                0.0
            };
            let inv_min = if max_min > 0.0 { 63.0 / max_min } else { 0.0 };
            for j in 0..8 {
                let (ts, tm) = (inv_scale * scales[j], inv_min * mins[j]);
                nan |= ts.is_nan() || tm.is_nan();
                lsk[j] = (ni(ts) as u8).min(63);
                lmk[j] = (ni(tm) as u8).min(63);
            }
            pack_scale_min_k4(&lsk, &lmk, &mut ob[4..16]);
            put16(ob, 0, half_of(max_scale / 63.0, &mut nan));
            put16(ob, 2, half_of(max_min / 63.0, &mut nan));
        }
        let d_all = half_f32(u16::from_le_bytes([ob[0], ob[1]]));
        let m_all = half_f32(u16::from_le_bytes([ob[2], ob[3]]));
        let l = &mut sub.codes[k];
        for j in 0..8 {
            let (sc, m) = scale_min_k4(j, &ob[4..16]);
            let d = d_all * f32::from(sc);
            if d == 0.0 {
                continue;
            }
            let dm = m_all * f32::from(m);
            let mut seen = false;
            for i in 32 * j..32 * j + 32 {
                let t = (xb[i] + dm) / d;
                seen |= t.is_nan();
                l[i] = clamp(ni(t), 0, nmax) as u8;
            }
            nan |= seen;
        }
        if five {
            ob[16..48].fill(0);
            for c in 0..4 {
                let (m1, m2) = (1u8 << (2 * c), 2u8 << (2 * c));
                for j in 0..32 {
                    let (mut l1, mut l2) = (l[64 * c + j], l[64 * c + j + 32]);
                    if l1 > 15 {
                        l1 -= 16;
                        ob[16 + j] |= m1;
                    }
                    if l2 > 15 {
                        l2 -= 16;
                        ob[16 + j] |= m2;
                    }
                    ob[48 + 32 * c + j] = l1 | (l2 << 4);
                }
            }
        } else {
            for c in 0..4 {
                for j in 0..32 {
                    ob[16 + 32 * c + j] = l[64 * c + j] | (l[64 * c + j + 32] << 4);
                }
            }
        }
        left |= u64::from(nan) << k;
    }
    left & first(nblk)
}

/// Q4_K reference.
#[inline(always)]
pub(crate) fn q_q4_k<S: Sqrt>(x: &[f32], out: &mut [u8]) -> u64 {
    q45_k::<S>(x, None, out, false)
}

/// Q4_K with an imatrix.
#[inline(always)]
pub(crate) fn qi_q4_k<S: Sqrt>(x: &[f32], qw: &[f32], out: &mut [u8]) -> u64 {
    q45_k::<S>(x, Some(qw), out, false)
}

/// Q5_K reference.
#[inline(always)]
pub(crate) fn q_q5_k<S: Sqrt>(x: &[f32], out: &mut [u8]) -> u64 {
    q45_k::<S>(x, None, out, true)
}

/// Q5_K with an imatrix.
#[inline(always)]
pub(crate) fn qi_q5_k<S: Sqrt>(x: &[f32], qw: &[f32], out: &mut [u8]) -> u64 {
    q45_k::<S>(x, Some(qw), out, true)
}

// ------------------------------------------------------------------------------------------
// Q6_K: ql[128] @0, qh[64] @128, scales int8[16] @192, d @208.

/// Q6_K: per 16 make_qx_quants (nmax 32; weights x², or the raw imatrix), int8 scales
/// relative to the scale of largest magnitude (`−128/max`), the codes again from them; a
/// block whose scales are all below 1e-15 is all zero bytes.
#[inline(always)]
fn q6_k(x: &[f32], qw: Option<&[f32]>, out: &mut [u8]) -> u64 {
    let nblk = (x.len() / 256).min(64);
    let mut left = nonfinite_blocks(x, qw, 256);
    let sig = [0f32; 64];
    let mut sub = Sub::<16>::new();
    let how = if qw.is_some() { Wts::Raw } else { Wts::Sq };
    sub_searches::<LibmSqrt, 16, 16>(x, &sig, qw, &mut sub, how, Search::Qx(32));
    left |= sub.nan;
    for (k, (xb, ob)) in x
        .chunks_exact(256)
        .zip(out.chunks_exact_mut(210))
        .enumerate()
    {
        if left >> k & 1 == 1 {
            continue;
        }
        let scales = &sub.scales[k];
        let (mut max_abs, mut max_scale) = (0f32, 0f32);
        for &s in scales {
            if lt(max_abs, s.abs()) {
                max_abs = s.abs();
                max_scale = s;
            }
        }
        if max_abs < EPS {
            ob.fill(0);
            continue;
        }
        let mut nan = false;
        let iscale = -128.0 / max_scale;
        put16(ob, 208, half_of(1.0 / iscale, &mut nan));
        for j in 0..16 {
            let t = iscale * scales[j];
            nan |= t.is_nan();
            ob[192 + j] = ni(t).min(127) as u8;
        }
        let d_all = half_f32(u16::from_le_bytes([ob[208], ob[209]]));
        let l = &mut sub.codes[k];
        for j in 0..16 {
            let d = d_all * f32::from(ob[192 + j] as i8);
            if d == 0.0 {
                continue;
            }
            let mut seen = false;
            for i in 16 * j..16 * j + 16 {
                let t = xb[i] / d;
                seen |= t.is_nan();
                l[i] = (clamp(ni(t), -32, 31) + 32) as u8;
            }
            nan |= seen;
        }
        for h in 0..2 {
            let (lb, ql, qh) = (128 * h, 64 * h, 128 + 32 * h);
            for i in 0..32 {
                let q = |k: usize| l[lb + i + 32 * k];
                ob[ql + i] = (q(0) & 0xf) | ((q(2) & 0xf) << 4);
                ob[ql + i + 32] = (q(1) & 0xf) | ((q(3) & 0xf) << 4);
                ob[qh + i] =
                    (q(0) >> 4) | ((q(1) >> 4) << 2) | ((q(2) >> 4) << 4) | ((q(3) >> 4) << 6);
            }
        }
        left |= u64::from(nan) << k;
    }
    left & first(nblk)
}

/// Q6_K reference.
#[inline(always)]
pub(crate) fn q_q6_k(x: &[f32], out: &mut [u8]) -> u64 {
    q6_k(x, None, out)
}

/// Q6_K with an imatrix.
#[inline(always)]
pub(crate) fn qi_q6_k(x: &[f32], qw: &[f32], out: &mut [u8]) -> u64 {
    q6_k(x, Some(qw), out)
}
