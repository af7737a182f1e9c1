//! Q4_0, Q5_0, Q4_1 and Q5_1 with an imatrix.

use super::*;

// The legacy 32-element types with an imatrix (quantize_row_q4_0_impl & co.).

/// Q4_0 / Q5_0 (make_qx_quants, nmax 8 / 16) and Q4_1 / Q5_1 (make_qkx3_quants, nmax 15 /
/// 31, rmin −0.9, rdelta 0.05, 36 steps) with weights `qw·sqrt(σ² + x²)`, `sigma2` being the
/// row's (the caller's: `Σx²/n_per_row` over the whole row). `asym`: the _1 types.
#[inline(always)]
fn legacy_im<S: Sqrt>(
    x: &[f32],
    qw: &[f32],
    sigma2: f32,
    out: &mut [u8],
    asym: bool,
    five: bool,
) -> u64 {
    let bb = match (asym, five) {
        (false, false) => 18,
        (false, true) => 22,
        (true, false) => 20,
        (true, true) => 24,
    };
    let nblk = (x.len() / 32).min(64);
    let mut left = nonfinite_blocks(x, Some(qw), 32);
    let (mut d, mut m) = ([0f32; 64], [0f32; 64]);
    let mut codes = [[0u8; 32]; 64];
    for b0 in (0..nblk).step_by(L) {
        let (mut xt, mut qt) = ([[0f32; L]; 32], [[0f32; L]; 32]);
        transpose(x, b0, nblk, 32, 1, &mut xt);
        transpose(qw, b0, nblk, 32, 1, &mut qt);
        let s2 = [sigma2; L];
        let (mut w, mut sw) = ([[0f32; L]; 32], [0f32; L]);
        im_weights::<S, 32>(&xt, &qt, &s2, &mut w, &mut sw);
        let (mut s, mut mn) = ([0f32; L], [0f32; L]);
        let mut c = [[0u8; L]; 32];
        let mut nan = [false; L];
        if asym {
            let p = Qkx {
                nmax: if five { 31 } else { 15 },
                rmin: -0.9,
                rdelta: 0.05,
                nstep: 36,
                mad: false,
                v3: true,
            };
            qkx::<32>(&xt, &w, p, &mut s, &mut mn, &mut c, &mut nan);
        } else {
            qx::<32>(&xt, &w, if five { 16 } else { 8 }, &mut s, &mut c, &mut nan);
        }
        for l in 0..L.min(nblk - b0) {
            d[b0 + l] = s[l];
            m[b0 + l] = mn[l];
            for i in 0..32 {
                codes[b0 + l][i] = c[i][l];
            }
            left |= u64::from(nan[l]) << (b0 + l);
        }
    }
    for (k, ob) in out.chunks_exact_mut(bb).enumerate().take(nblk) {
        if left >> k & 1 == 1 {
            continue;
        }
        let mut nan = false;
        put16(ob, 0, half_of(d[k], &mut nan));
        let mut at = 2;
        if asym {
            put16(ob, 2, half_of(-m[k], &mut nan));
            at = 4;
        }
        let l = &codes[k];
        if five {
            let mut qh = 0u32;
            for j in 0..16 {
                ob[at + 4 + j] = (l[j] & 0xf) | ((l[j + 16] & 0xf) << 4);
                qh |= u32::from((l[j] & 0x10) >> 4) << j;
                qh |= u32::from((l[j + 16] & 0x10) >> 4) << (j + 16);
            }
            ob[at..at + 4].copy_from_slice(&qh.to_le_bytes());
        } else {
            for j in 0..16 {
                ob[at + j] = l[j] | (l[j + 16] << 4);
            }
        }
        left |= u64::from(nan) << k;
    }
    left & first(nblk)
}

/// Q4_0 with an imatrix (`sigma2`: the row's).
#[inline(always)]
pub(crate) fn qi_q4_0<S: Sqrt>(x: &[f32], qw: &[f32], sigma2: f32, out: &mut [u8]) -> u64 {
    legacy_im::<S>(x, qw, sigma2, out, false, false)
}

/// Q5_0 with an imatrix.
#[inline(always)]
pub(crate) fn qi_q5_0<S: Sqrt>(x: &[f32], qw: &[f32], sigma2: f32, out: &mut [u8]) -> u64 {
    legacy_im::<S>(x, qw, sigma2, out, false, true)
}

/// Q4_1 with an imatrix.
#[inline(always)]
pub(crate) fn qi_q4_1<S: Sqrt>(x: &[f32], qw: &[f32], sigma2: f32, out: &mut [u8]) -> u64 {
    legacy_im::<S>(x, qw, sigma2, out, true, false)
}

/// Q5_1 with an imatrix.
#[inline(always)]
pub(crate) fn qi_q5_1<S: Sqrt>(x: &[f32], qw: &[f32], sigma2: f32, out: &mut [u8]) -> u64 {
    legacy_im::<S>(x, qw, sigma2, out, true, true)
}
