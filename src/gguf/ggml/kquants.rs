//! The K-quants Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and Q8_K (256-element super-blocks) as
//! ggml-quants.c quantizes and dequantizes them (notes §1.12, §4, §5.8–§5.12): the
//! reference quantizers without an imatrix, the `quantize_row_*_impl` ones with it.

use super::common::{F, fabs, half_at, nearest_int, put_half, sqrtf};
use super::each_block;
use super::kq_search::{
    GROUP_MAX_EPS, Qkx, make_q3_quants, make_qkx_quants, make_qp_quants, make_qx_quants,
    max_from_zero,
};
use crate::error::Error;

/// The block's elements as [`F`].
fn load(xb: &[f32]) -> [F; 256] {
    let mut a = [F::ZERO; 256];
    for (a, &b) in a.iter_mut().zip(xb) {
        *a = F(b);
    }
    a
}

/// `Σ x²` over the super-block, in index order from 0.
fn sum_sq(x: &[F]) -> F {
    let mut s = F::ZERO;
    for &v in x {
        s += v * v;
    }
    s
}

/// `weight[l] = qw[l] · sqrtf(sigma2 + x[l]²)`, and their sum from 0.
fn im_weights(x: &[F], qw: &[f32], sigma2: F, w: &mut [F]) -> F {
    let mut sw = F::ZERO;
    for ((w, &x), &q) in w.iter_mut().zip(x).zip(qw) {
        *w = F(q) * sqrtf(x * x + sigma2);
        sw += *w;
    }
    sw
}

/// `qs[j/4 + l] = L[j+l] | L[j+l+32] << 2 | L[j+l+64] << 4 | L[j+l+96] << 6` per 128
/// (Q2_K, and the low two bits of Q3_K).
fn pack_2bit(l: &[u8; 256], qs: &mut [u8]) {
    for j in (0..256).step_by(128) {
        for i in 0..32 {
            qs[j / 4 + i] =
                l[j + i] | (l[j + i + 32] << 2) | (l[j + i + 64] << 4) | (l[j + i + 96] << 6);
        }
    }
}

/// ggml-quants.c `get_scale_min_k4`: the 6-bit scale and min of sub-block `j` of Q4_K/Q5_K.
fn scale_min_k4(j: usize, q: &[u8]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        (
            (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4),
            (q[j + 4] >> 4) | ((q[j] >> 6) << 4),
        )
    }
}

/// The inverse packing of [`scale_min_k4`] (scales and mins already <= 63).
fn pack_scale_min_k4(ls: &[u8; 8], lm: &[u8; 8], q: &mut [u8]) {
    for j in 0..8 {
        if j < 4 {
            q[j] = ls[j];
            q[j + 4] = lm[j];
        } else {
            q[j + 4] = (ls[j] & 0xf) | ((lm[j] & 0xf) << 4);
            q[j - 4] |= (ls[j] >> 4) << 6;
            q[j] |= (lm[j] >> 4) << 6;
        }
    }
}

// ------------------------------------------------------------------------------------------
// Q2_K: scales[16] @0 (scale | min << 4), qs[64] @16, d @80, dmin @82.

/// Q2_K. Reference: per 16 elements make_qkx2_quants (nmax 3, weights |x|, absolute error,
/// rmin −0.5, rdelta 0.1, 15 steps), 4-bit scales and mins relative to their maxima.
/// imatrix: make_qkx3_quants (rmin −0.9, rdelta 0.05, 36 steps) with weights
/// `qw·sqrt(σ² + x²)`, σ² = Σx²/256, then make_qp_quants for the scales and mins.
pub(crate) fn quantize_q2_k(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 256, 84, |xb, qw, ob| {
        let x = load(xb);
        let mut l = [0u8; 256];
        let (mut scales, mut mins) = ([F::ZERO; 16], [F::ZERO; 16]);
        let (dm, mm);
        if let Some(qw) = qw {
            let sigma2 = sum_sq(&x) / F::int(256);
            let mut sw = [F::ZERO; 16];
            let p = Qkx {
                nmax: 3,
                rmin: -0.9,
                rdelta: 0.05,
                nstep: 36,
                use_mad: false,
                v3: true,
            };
            for j in 0..16 {
                let r = 16 * j..16 * j + 16;
                let mut w = [F::ZERO; 16];
                sw[j] = im_weights(&x[r.clone()], &qw[r.clone()], sigma2, &mut w);
                scales[j] = make_qkx_quants(&x[r.clone()], Some(&w), p, &mut l[r], &mut mins[j]);
            }
            let (mut ls, mut lm) = ([0u8; 16], [0u8; 16]);
            let dq = make_qp_quants(&scales, 15, &mut ls, &sw);
            let mq = make_qp_quants(&mins, 15, &mut lm, &sw);
            put_half(ob, 80, dq);
            put_half(ob, 82, mq);
            (dm, mm) = (half_at(ob, 80), half_at(ob, 82));
            for j in 0..16 {
                ob[j] = ls[j] | (lm[j] << 4);
            }
        } else {
            let p = Qkx {
                nmax: 3,
                rmin: -0.5,
                rdelta: 0.1,
                nstep: 15,
                use_mad: true,
                v3: false,
            };
            for j in 0..16 {
                let r = 16 * j..16 * j + 16;
                let mut w = [F::ZERO; 16];
                for (w, &v) in w.iter_mut().zip(&x[r.clone()]) {
                    *w = fabs(v);
                }
                scales[j] = make_qkx_quants(&x[r.clone()], Some(&w), p, &mut l[r], &mut mins[j]);
            }
            let max_scale = max_from_zero(&scales);
            let max_min = max_from_zero(&mins);
            if max_scale > F::ZERO {
                let iscale = 15.0f32 / max_scale;
                for j in 0..16 {
                    ob[j] = nearest_int(iscale * scales[j]) as u8;
                }
                put_half(ob, 80, max_scale / 15.0f32);
            } else {
                ob[..16].fill(0);
                put_half(ob, 80, F::ZERO);
            }
            if max_min > F::ZERO {
                let iscale = 15.0f32 / max_min;
                for j in 0..16 {
                    ob[j] |= (nearest_int(iscale * mins[j]) << 4) as u8;
                }
                put_half(ob, 82, max_min / 15.0f32);
            } else {
                put_half(ob, 82, F::ZERO);
            }
            (dm, mm) = (half_at(ob, 80), half_at(ob, 82));
        }
        // Requantize with the stored scales; a sub-block whose scale is 0 keeps its codes.
        for j in 0..16 {
            let d = dm * F::int(i32::from(ob[j] & 0xf));
            if !d.truthy() {
                continue;
            }
            let m = mm * F::int(i32::from(ob[j] >> 4));
            for i in 16 * j..16 * j + 16 {
                l[i] = nearest_int((x[i] + m) / d).clamp(0, 3) as u8;
            }
        }
        pack_2bit(&l, &mut ob[16..80]);
    })
}

/// Q2_K: `y = (d·sc)·q − dmin·m` per 16.
pub(crate) fn dequantize_q2_k(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in super::dq_blocks(bytes, out, 256, 84)? {
        let (d, min) = (half_at(b, 80), half_at(b, 82));
        let mut k = 0;
        for n in 0..2 {
            let q = &b[16 + 32 * n..48 + 32 * n];
            for j in 0..4 {
                for h in 0..2 {
                    let sc = b[8 * n + 2 * j + h];
                    let dl = d * F::int(i32::from(sc & 0xf));
                    let ml = min * F::int(i32::from(sc >> 4));
                    for &qb in &q[16 * h..16 * h + 16] {
                        y[k] = (dl * F::int(i32::from((qb >> (2 * j)) & 3)) - ml).0;
                        k += 1;
                    }
                }
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Q3_K: hmask[32] @0, qs[64] @32, scales[12] @96 (16 × 6 bits), d @108.

/// The 6-bit scale `j` of Q3_K's 12 scale bytes, minus 32.
fn q3_scale(s: &[u8], j: usize) -> i32 {
    let low = if j < 8 { s[j] & 0xf } else { s[j - 8] >> 4 };
    let high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
    i32::from(low | (high << 4)) - 32
}

/// Packs 6-bit code `l` (0..=63) as Q3_K scale `j`.
fn q3_put_scale(s: &mut [u8], j: usize, l: u8) {
    if j < 8 {
        s[j] = l & 0xf;
    } else {
        s[j - 8] |= (l & 0xf) << 4;
    }
    s[j % 4 + 8] |= (l >> 4) << (2 * (j / 4));
}

/// Q3_K. Reference: make_q3_quants per 16 (nmax 4, weights x², coordinate descent), 6-bit
/// signed scales relative to the scale of largest magnitude. imatrix: make_qx_quants per 16
/// with weights `qw·sqrt(σ² + x²)`, σ² = 2Σx²/256, and make_qx_quants (nmax 32) for the
/// 16 scales weighted by their sums of weights.
pub(crate) fn quantize_q3_k(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 256, 110, |xb, qw, ob| {
        let x = load(xb);
        let mut l = [0u8; 256];
        let mut scales = [F::ZERO; 16];
        ob[96..108].fill(0);
        if let Some(qw) = qw {
            let sigma2 = F::int(2) * sum_sq(&x) / F::int(256);
            let mut sw = [F::ZERO; 16];
            for j in 0..16 {
                let r = 16 * j..16 * j + 16;
                let mut w = [F::ZERO; 16];
                sw[j] = im_weights(&x[r.clone()], &qw[r.clone()], sigma2, &mut w);
                scales[j] = make_qx_quants(&x[r.clone()], 4, &mut l[r], Some(&w));
            }
            let mut ls = [0u8; 16];
            let d_block = make_qx_quants(&scales, 32, &mut ls, Some(&sw));
            for (j, &c) in ls.iter().enumerate() {
                q3_put_scale(&mut ob[96..108], j, c);
            }
            put_half(ob, 108, d_block);
        } else {
            let (mut amax, mut max_scale) = (F::ZERO, F::ZERO);
            for j in 0..16 {
                let r = 16 * j..16 * j + 16;
                scales[j] = make_q3_quants(&x[r.clone()], 4, &mut l[r]);
                let a = fabs(scales[j]);
                if a > amax {
                    amax = a;
                    max_scale = scales[j];
                }
            }
            if max_scale.truthy() {
                let iscale = F::int(-32) / max_scale;
                for (j, &s) in scales.iter().enumerate() {
                    let c = i32::from(nearest_int(iscale * s) as i8).clamp(-32, 31) + 32;
                    q3_put_scale(&mut ob[96..108], j, c as u8);
                }
                put_half(ob, 108, 1.0f32 / iscale);
            } else {
                put_half(ob, 108, F::ZERO);
            }
        }
        let d = half_at(ob, 108);
        for j in 0..16 {
            let dl = d * F::int(q3_scale(&ob[96..108], j));
            if !dl.truthy() {
                continue;
            }
            for i in 16 * j..16 * j + 16 {
                l[i] = (nearest_int(x[i] / dl).clamp(-4, 3) + 4) as u8;
            }
        }
        ob[..32].fill(0);
        for (j, lj) in l.iter_mut().enumerate() {
            if *lj > 3 {
                ob[j % 32] |= 1 << (j / 32);
                *lj -= 4;
            }
        }
        pack_2bit(&l, &mut ob[32..96]);
    })
}

/// Q3_K: `y = (d·(s − 32))·(q − (hbit ? 0 : 4))`.
pub(crate) fn dequantize_q3_k(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in super::dq_blocks(bytes, out, 256, 110)? {
        let d = half_at(b, 108);
        let mut k = 0;
        for n in 0..2 {
            let q = &b[32 + 32 * n..64 + 32 * n];
            for j in 0..4 {
                let m = 1u8 << (4 * n + j);
                for h in 0..2 {
                    let dl = d * F::int(q3_scale(&b[96..108], 8 * n + 2 * j + h));
                    for i in 16 * h..16 * h + 16 {
                        let lo = i32::from((q[i] >> (2 * j)) & 3);
                        let hi = if b[i] & m != 0 { 0 } else { 4 };
                        y[k] = (dl * F::int(lo - hi)).0;
                        k += 1;
                    }
                }
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Q4_K: d @0, dmin @2, scales[12] @4, qs[128] @16.  Q5_K: the same, qh[32] @16, qs @48.

/// Q4_K / Q5_K shared quantizer (`five` = Q5_K).
fn quantize_q45_k(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
    five: bool,
) -> Result<(), Error> {
    let (bb, nmax) = if five { (176, 31) } else { (144, 15) };
    each_block(x, imatrix, out, 256, bb, |xb, qw, ob| {
        let x = load(xb);
        let mut l = [0u8; 256];
        let (mut scales, mut mins) = ([F::ZERO; 8], [F::ZERO; 8]);
        let (mut ls, mut lm) = ([0u8; 8], [0u8; 8]);
        ob[4..16].fill(0);
        if let Some(qw) = qw {
            let sigma2 = F::int(2) * sum_sq(&x) / F::int(256);
            let mut sw = [F::ZERO; 8];
            let p = Qkx {
                nmax,
                rmin: -0.9,
                rdelta: 0.05,
                nstep: 36,
                use_mad: false,
                v3: true,
            };
            for j in 0..8 {
                let r = 32 * j..32 * j + 32;
                let mut w = [F::ZERO; 32];
                sw[j] = im_weights(&x[r.clone()], &qw[r.clone()], sigma2, &mut w);
                scales[j] = make_qkx_quants(&x[r.clone()], Some(&w), p, &mut l[r], &mut mins[j]);
            }
            let d_block = make_qp_quants(&scales, 63, &mut ls, &sw);
            let m_block = make_qp_quants(&mins, 63, &mut lm, &sw);
            if five {
                // quantize_row_q5_K_impl clamps again (Q4_K's does not).
                for j in 0..8 {
                    ls[j] = ls[j].min(63);
                    lm[j] = lm[j].min(63);
                }
            }
            pack_scale_min_k4(&ls, &lm, &mut ob[4..16]);
            put_half(ob, 0, d_block);
            put_half(ob, 2, m_block);
        } else {
            let p = if five {
                Qkx {
                    nmax,
                    rmin: -0.5,
                    rdelta: 0.1,
                    nstep: 15,
                    use_mad: false,
                    v3: false,
                }
            } else {
                Qkx {
                    nmax,
                    rmin: -1.0,
                    rdelta: 0.1,
                    nstep: 20,
                    use_mad: false,
                    v3: false,
                }
            };
            for j in 0..8 {
                let r = 32 * j..32 * j + 32;
                let av_x = sqrtf(sum_sq(&x[r.clone()]) / F::int(32));
                let mut w = [F::ZERO; 32];
                for (w, &v) in w.iter_mut().zip(&x[r.clone()]) {
                    *w = av_x + fabs(v);
                }
                scales[j] = make_qkx_quants(&x[r.clone()], Some(&w), p, &mut l[r], &mut mins[j]);
            }
            let max_scale = max_from_zero(&scales);
            let max_min = max_from_zero(&mins);
            let inv_scale = if max_scale > F::ZERO {
                63.0f32 / max_scale
            } else {
                F::ZERO
            };
            let inv_min = if max_min > F::ZERO {
                63.0f32 / max_min
            } else {
                F::ZERO
            };
            for j in 0..8 {
                ls[j] = (nearest_int(inv_scale * scales[j]) as u8).min(63);
                lm[j] = (nearest_int(inv_min * mins[j]) as u8).min(63);
            }
            pack_scale_min_k4(&ls, &lm, &mut ob[4..16]);
            put_half(ob, 0, max_scale / 63.0f32);
            put_half(ob, 2, max_min / 63.0f32);
        }
        let (d_all, m_all) = (half_at(ob, 0), half_at(ob, 2));
        for j in 0..8 {
            let (sc, m) = scale_min_k4(j, &ob[4..16]);
            let d = d_all * F::int(i32::from(sc));
            if !d.truthy() {
                continue;
            }
            let dm = m_all * F::int(i32::from(m));
            for i in 32 * j..32 * j + 32 {
                l[i] = nearest_int((x[i] + dm) / d).clamp(0, nmax) as u8;
            }
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
    })
}

/// Q4_K. Reference: make_qkx2_quants per 32 (nmax 15, weights `sqrt(Σx²/32) + |x|`,
/// rmin −1, rdelta 0.1, 20 steps), 6-bit scales and mins relative to their maxima.
/// imatrix: make_qkx3_quants (rmin −0.9, rdelta 0.05, 36 steps) with `qw·sqrt(σ² + x²)`,
/// σ² = 2Σx²/256, then make_qp_quants (nmax 63) for scales and mins.
pub(crate) fn quantize_q4_k(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_q45_k(x, imatrix, out, false)
}

/// Q5_K: as Q4_K with nmax 31 (reference rmin −0.5, 15 steps) and the 5th bits in `qh`.
pub(crate) fn quantize_q5_k(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_q45_k(x, imatrix, out, true)
}

/// Q4_K / Q5_K: `y = (d·sc)·q − dmin·m` per 32.
fn dequantize_q45_k(bytes: &[u8], out: &mut [f32], five: bool) -> Result<(), Error> {
    let (bb, qs_at) = if five { (176, 48) } else { (144, 16) };
    for (b, y) in super::dq_blocks(bytes, out, 256, bb)? {
        let (d, min) = (half_at(b, 0), half_at(b, 2));
        for c in 0..4 {
            for h in 0..2 {
                let (sc, m) = scale_min_k4(2 * c + h, &b[4..16]);
                let dl = d * F::int(i32::from(sc));
                let ml = min * F::int(i32::from(m));
                let hmask = 1u8 << (2 * c + h);
                for i in 0..32 {
                    let qb = b[qs_at + 32 * c + i];
                    let mut q = i32::from(if h == 0 { qb & 0xf } else { qb >> 4 });
                    if five && b[16 + i] & hmask != 0 {
                        q += 16;
                    }
                    y[64 * c + 32 * h + i] = (dl * F::int(q) - ml).0;
                }
            }
        }
    }
    Ok(())
}

/// Q4_K dequantizer.
pub(crate) fn dequantize_q4_k(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    dequantize_q45_k(bytes, out, false)
}

/// Q5_K dequantizer.
pub(crate) fn dequantize_q5_k(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    dequantize_q45_k(bytes, out, true)
}

// ------------------------------------------------------------------------------------------
// Q6_K: ql[128] @0, qh[64] @128, scales int8[16] @192, d @208.

/// Q6_K. make_qx_quants per 16 (nmax 32; weights x², or the raw imatrix with one), int8
/// scales relative to the scale of largest magnitude (`−128/max`). A super-block whose
/// scales are all below 1e-15 is all zero bytes.
pub(crate) fn quantize_q6_k(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 256, 210, |xb, qw, ob| {
        let x = load(xb);
        let mut l = [0u8; 256];
        let mut scales = [F::ZERO; 16];
        let (mut max_abs, mut max_scale) = (F::ZERO, F::ZERO);
        for j in 0..16 {
            let r = 16 * j..16 * j + 16;
            scales[j] = match qw {
                Some(qw) => {
                    let mut w = [F::ZERO; 16];
                    for (w, &q) in w.iter_mut().zip(&qw[r.clone()]) {
                        *w = F(q);
                    }
                    make_qx_quants(&x[r.clone()], 32, &mut l[r], Some(&w))
                }
                None => make_qx_quants(&x[r.clone()], 32, &mut l[r], None),
            };
            let a = fabs(scales[j]);
            if a > max_abs {
                max_abs = a;
                max_scale = scales[j];
            }
        }
        if max_abs < F(GROUP_MAX_EPS) {
            ob.fill(0);
            return;
        }
        let iscale = F::int(-128) / max_scale;
        put_half(ob, 208, 1.0f32 / iscale);
        for (j, &s) in scales.iter().enumerate() {
            ob[192 + j] = nearest_int(iscale * s).min(127) as u8;
        }
        let d_all = half_at(ob, 208);
        for j in 0..16 {
            let d = d_all * F::int(i32::from(ob[192 + j] as i8));
            if !d.truthy() {
                continue;
            }
            for i in 16 * j..16 * j + 16 {
                l[i] = (nearest_int(x[i] / d).clamp(-32, 31) + 32) as u8;
            }
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
    })
}

/// Q6_K: `y = (d·sc)·(q − 32)`.
pub(crate) fn dequantize_q6_k(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in super::dq_blocks(bytes, out, 256, 210)? {
        let d = half_at(b, 208);
        for h in 0..2 {
            let (ql, qh, sc) = (
                &b[64 * h..64 * h + 64],
                &b[128 + 32 * h..160 + 32 * h],
                &b[192 + 8 * h..],
            );
            for i in 0..32 {
                let is = i / 16;
                let q = [
                    (ql[i] & 0xf) | ((qh[i] & 3) << 4),
                    (ql[i + 32] & 0xf) | (((qh[i] >> 2) & 3) << 4),
                    (ql[i] >> 4) | (((qh[i] >> 4) & 3) << 4),
                    (ql[i + 32] >> 4) | (((qh[i] >> 6) & 3) << 4),
                ];
                for (k, &qk) in q.iter().enumerate() {
                    let s = F::int(i32::from(sc[is + 2 * k] as i8));
                    y[128 * h + 32 * k + i] = (d * s * F::int(i32::from(qk) - 32)).0;
                }
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Q8_K: d f32 @0, qs int8[256] @4, bsums int16[16] @260.

/// Q8_K, quantize_row_q8_K_ref: `iscale = −127/max` (max = signed value of largest |x|),
/// `q = MIN(127, nearest_int(iscale·x))`, `bsums` = sums of 16 codes, `d = 1/iscale` as
/// f32. An all-zero block gets d = 0 and zero codes; ggml leaves its `bsums` unwritten, here
/// they are written as 0 (their true value). The imatrix is ignored (no chunk quantizer).
pub(crate) fn quantize_q8_k(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 256, 292, |xb, _, ob| {
        let (mut amax, mut max) = (F::ZERO, F::ZERO);
        for &v in xb {
            let a = fabs(F(v));
            if a > amax {
                amax = a;
                max = F(v);
            }
        }
        if !amax.truthy() {
            ob.fill(0);
            return;
        }
        let iscale = F::int(-127) / max;
        for (o, &v) in ob[4..260].iter_mut().zip(xb) {
            *o = nearest_int(iscale * F(v)).min(127) as u8;
        }
        for j in 0..16 {
            let s: i32 = ob[4 + 16 * j..20 + 16 * j]
                .iter()
                .map(|&q| i32::from(q as i8))
                .sum();
            ob[260 + 2 * j..262 + 2 * j].copy_from_slice(&(s as i16).to_le_bytes());
        }
        ob[..4].copy_from_slice(&(1.0f32 / iscale).bits().to_le_bytes());
    })
}

/// Q8_K: `y = d·q` (d an f32).
pub(crate) fn dequantize_q8_k(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in super::dq_blocks(bytes, out, 256, 292)? {
        let d = F::from_bits(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        for (y, &q) in y.iter_mut().zip(&b[4..260]) {
            *y = (d * F::int(i32::from(q as i8))).0;
        }
    }
    Ok(())
}
