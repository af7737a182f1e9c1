//! IQ4_NL and IQ4_XS blocks (the chunk quantizer), reference and imatrix forms.

use super::*;

// IQ4_NL (d @0, qs[16] @2) and IQ4_XS (d @0, scales_h @2, scales_l[4] @4, qs[128] @8).

/// ggml's `best_index_int8` on the sorted 16 values `kv` (as f32) for a non-NaN `x`: the
/// interval `kv[ml] <= x < kv[ml+1]` (ml from 0 below kv[1], 14 from kv[14] up; outside
/// `kv[0]..kv[15]` the comparison below picks the end), then the C's `x − lo < hi − x`
/// (an exact tie takes the upper index). Returns the index and its value.
#[inline(always)]
fn nearest_kv(kv: &[f32; 16], x: f32) -> (i32, f32) {
    let (mut lo, mut hi, mut ml) = (kv[0], kv[1], 0i32);
    for k in 1..15 {
        if x >= kv[k] {
            lo = kv[k];
            hi = kv[k + 1];
            ml = k as i32;
        }
    }
    if x - lo < hi - x {
        (ml, lo)
    } else {
        (ml + 1, hi)
    }
}

/// One trial of [`iq4_search`]: `Σ w·q·x` and `Σ w·q·q` with `q` the value nearest `id·x`.
#[inline(always)]
fn iq4_sums(x: &[Vf; 32], w: &[Vf; 32], kv: &[f32; 16], id: &Vf, seen: &mut Vb) -> (Vf, Vf) {
    let (mut sqx, mut sq2) = ([0f32; L], [0f32; L]);
    for i in 0..32 {
        for l in 0..L {
            let t = id[l] * x[i][l];
            seen[l] |= t.is_nan();
            let q = nearest_kv(kv, t).1;
            let wq = w[i][l] * q;
            sqx[l] += wq * x[i][l];
            sq2[l] += wq * q;
        }
    }
    (sqx, sq2)
}

/// ggml-quants.c `quantize_row_iq4_nl_impl`'s search for each lane's block of 32: the
/// scale `sumqx/sumq2` of the best of the first rounding (`d = −max/kv[0]`) and the
/// `2·ntry + 1` trial scales `(itry + kv[0])/max`.
#[inline(always)]
fn iq4_search(x: &[Vf; 32], w: &[Vf; 32], kv: &[f32; 16], ntry: i32, d_o: &mut Vf, nan: &mut Vb) {
    let (amax, max) = signed_absmax(x);
    let v0 = kv[0];
    let mut zero = [false; L];
    let mut id = [0f32; L];
    for l in 0..L {
        zero[l] = amax[l] < EPS;
        id[l] = 1.0 / (-max[l] / v0);
    }
    let mut seen = [false; L];
    let (sqx, sq2) = iq4_sums(x, w, kv, &id, &mut seen);
    let (mut d, mut best) = ([0f32; L], [0f32; L]);
    for l in 0..L {
        d[l] = if sq2[l] > 0.0 { sqx[l] / sq2[l] } else { 0.0 };
        best[l] = d[l] * sqx[l];
    }
    for itry in -ntry..=ntry {
        let num = (itry + v0 as i32) as f32;
        let mut isc = [0f32; L];
        for l in 0..L {
            isc[l] = num / max[l];
        }
        let (sqx, sq2) = iq4_sums(x, w, kv, &isc, &mut seen);
        for l in 0..L {
            if sq2[l] > 0.0 && sqx[l] * sqx[l] > best[l] * sq2[l] {
                d[l] = sqx[l] / sq2[l];
                best[l] = d[l] * sqx[l];
            }
        }
    }
    for l in 0..L {
        d_o[l] = if zero[l] { 0.0 } else { d[l] };
        nan[l] |= seen[l] && !zero[l];
    }
}

/// IQ4_NL (`sbs` 32) and IQ4_XS (`sbs` 256) as `quantize_iq4_nl` / `quantize_iq4_xs`
/// (ntry 7): weights `x²`, or `qw·sqrt(σ² + x²)` with σ² = 2Σx²/sbs; the search per 32; for
/// IQ4_NL the codes at `1/d`, for IQ4_XS 6-bit block scales under `d = −max/32` (the
/// float, not the fp16 one) and the codes at each block's scale.
#[inline(always)]
fn iq4<S: Sqrt>(kv8: &[i8; 16], x: &[f32], qw: Option<&[f32]>, out: &mut [u8], sbs: usize) -> u64 {
    let mut kv = [0f32; 16];
    for k in 0..16 {
        kv[k] = f32::from(kv8[k]);
    }
    let (bb, g) = if sbs == 32 { (18, 1) } else { (136, 8) };
    let nblk = (x.len() / sbs).min(64);
    let mut left = nonfinite_blocks(x, qw, sbs);
    let mut sig = [0f32; 64];
    if qw.is_some() {
        block_sum_sq(x, sbs, &mut sig);
        let f = 2.0 / sbs as f32;
        for v in &mut sig {
            *v *= f;
        }
    }
    let mut scales = [[0f32; 8]; 64];
    for b0 in (0..nblk).step_by(L / g) {
        let mut xt = [[0f32; L]; 32];
        transpose(x, b0, nblk, sbs, g, &mut xt);
        let mut w = [[0f32; L]; 32];
        match qw {
            Some(q) => {
                let mut qt = [[0f32; L]; 32];
                transpose(q, b0, nblk, sbs, g, &mut qt);
                let s2 = lane_sigma2(&sig, b0, nblk, g);
                let mut sw = [0f32; L];
                im_weights::<S, 32>(&xt, &qt, &s2, &mut w, &mut sw);
            }
            None => {
                for i in 0..32 {
                    for l in 0..L {
                        w[i][l] = xt[i][l] * xt[i][l];
                    }
                }
            }
        }
        let mut d = [0f32; L];
        let mut nan = [false; L];
        iq4_search(&xt, &w, &kv, 7, &mut d, &mut nan);
        for l in 0..L {
            let b = b0 + l / g;
            if b < nblk {
                scales[b][l % g] = d[l];
                left |= u64::from(nan[l]) << b;
            }
        }
    }
    for (k, (xb, ob)) in x
        .chunks_exact(sbs)
        .zip(out.chunks_exact_mut(bb))
        .enumerate()
    {
        if left >> k & 1 == 1 {
            continue;
        }
        let mut nan = false;
        let mut lc = [0u8; 256];
        let qs_at = if sbs == 32 { 2 } else { 8 };
        if sbs == 32 {
            let d = scales[k][0];
            put16(ob, 0, half_of(d, &mut nan));
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            for j in 0..32 {
                let t = id * xb[j];
                nan |= t.is_nan();
                lc[j] = nearest_kv(&kv, t).0 as u8;
            }
        } else {
            let (mut amax, mut max_scale) = (0f32, 0f32);
            for &s in &scales[k] {
                if lt(amax, s.abs()) {
                    amax = s.abs();
                    max_scale = s;
                }
            }
            let d = -max_scale / 32.0;
            put16(ob, 0, half_of(d, &mut nan));
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            let mut scales_h = 0u16;
            for ib in 0..8 {
                let t = id * scales[k][ib];
                nan |= t.is_nan();
                let s = clamp(ni(t), -32, 31);
                let dl = d * s as f32;
                let idl = if dl != 0.0 { 1.0 / dl } else { 0.0 };
                for j in 32 * ib..32 * ib + 32 {
                    let t = idl * xb[j];
                    nan |= t.is_nan();
                    lc[j] = nearest_kv(&kv, t).0 as u8;
                }
                let s = (s + 32) as u8;
                if ib % 2 == 0 {
                    ob[4 + ib / 2] = s & 0xf;
                } else {
                    ob[4 + ib / 2] |= (s & 0xf) << 4;
                }
                scales_h |= u16::from(s >> 4) << (2 * ib);
            }
            put16(ob, 2, scales_h);
        }
        for i in 0..sbs / 32 {
            for j in 0..16 {
                ob[qs_at + 16 * i + j] = lc[32 * i + j] | (lc[32 * i + 16 + j] << 4);
            }
        }
        left |= u64::from(nan) << k;
    }
    left & first(nblk)
}

/// IQ4_NL (the chunk quantizer, ntry 7).
#[inline(always)]
pub(crate) fn q_iq4_nl(kv: &[i8; 16], x: &[f32], out: &mut [u8]) -> u64 {
    iq4::<LibmSqrt>(kv, x, None, out, 32)
}

/// IQ4_NL with an imatrix.
#[inline(always)]
pub(crate) fn qi_iq4_nl<S: Sqrt>(kv: &[i8; 16], x: &[f32], qw: &[f32], out: &mut [u8]) -> u64 {
    iq4::<S>(kv, x, Some(qw), out, 32)
}

/// IQ4_XS.
#[inline(always)]
pub(crate) fn q_iq4_xs(kv: &[i8; 16], x: &[f32], out: &mut [u8]) -> u64 {
    iq4::<LibmSqrt>(kv, x, None, out, 256)
}

/// IQ4_XS with an imatrix.
#[inline(always)]
pub(crate) fn qi_iq4_xs<S: Sqrt>(kv: &[i8; 16], x: &[f32], qw: &[f32], out: &mut [u8]) -> u64 {
    iq4::<S>(kv, x, Some(qw), out, 256)
}
