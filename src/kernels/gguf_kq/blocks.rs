//! The pieces the K-quant blocks share: sums of squares, weights, scale packing and the
//! sub-block searches of a chunk.

use super::*;

/// `Σ x²` of each block of `bl` from 0 in index order, for the blocks `0..n` (16 chains
/// side by side).
#[inline(always)]
pub(super) fn block_sum_sq(x: &[f32], bl: usize, out: &mut [f32; 64]) {
    let n = (x.len() / bl).min(64);
    for b0 in (0..n).step_by(L) {
        let mut s = [0f32; L];
        for i in 0..bl {
            for l in 0..L {
                if b0 + l < n {
                    let v = x[(b0 + l) * bl + i];
                    s[l] += v * v;
                }
            }
        }
        for l in 0..L {
            if b0 + l < n {
                out[b0 + l] = s[l];
            }
        }
    }
}

/// `weight = qw·sqrtf(sigma2 + x²)` for each lane's group, and `Σ weight` from 0.
#[inline(always)]
pub(super) fn im_weights<S: Sqrt, const N: usize>(
    xt: &[Vf; N],
    qt: &[Vf; N],
    sigma2: &Vf,
    w: &mut [Vf; N],
    sw: &mut Vf,
) {
    *sw = [0f32; L];
    for i in 0..N {
        for l in 0..L {
            let v = xt[i][l];
            w[i][l] = qt[i][l] * S::sqrt(sigma2[l] + v * v);
            sw[l] += w[i][l];
        }
    }
}

/// The lanes' per-block `sigma2` (`bl`/`g`: the groups of a block per lane group).
#[inline(always)]
pub(super) fn lane_sigma2(sig: &[f32; 64], b0: usize, nblk: usize, g: usize) -> Vf {
    let mut s = [0f32; L];
    for l in 0..L {
        let b = b0 + l / g;
        s[l] = if b < nblk { sig[b] } else { 0.0 };
    }
    s
}

/// `qs[j/4 + l] = L[j+l] | L[j+l+32] << 2 | L[j+l+64] << 4 | L[j+l+96] << 6` per 128.
#[inline(always)]
pub(super) fn pack_2bit(l: &[u8; 256], qs: &mut [u8]) {
    for j in (0..256).step_by(128) {
        for i in 0..32 {
            qs[j / 4 + i] =
                l[j + i] | (l[j + i + 32] << 2) | (l[j + i + 64] << 4) | (l[j + i + 96] << 6);
        }
    }
}

/// ggml-quants.c `get_scale_min_k4`.
#[inline(always)]
pub(super) fn scale_min_k4(j: usize, q: &[u8]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        (
            (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4),
            (q[j + 4] >> 4) | ((q[j] >> 6) << 4),
        )
    }
}

/// The inverse of [`scale_min_k4`].
#[inline(always)]
pub(super) fn pack_scale_min_k4(ls: &[u8; 8], lm: &[u8; 8], q: &mut [u8]) {
    q[..12].fill(0);
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

/// The largest of `v` by `if (v > m) m = v` from 0.
#[inline(always)]
pub(super) fn max_from_zero(v: &[f32]) -> f32 {
    let mut m = 0f32;
    for &s in v {
        if lt(m, s) {
            m = s;
        }
    }
    m
}

/// Per-block results of the sub-block searches of a chunk.
pub(super) struct Sub<const G: usize> {
    pub(super) scales: [[f32; G]; 64],
    pub(super) mins: [[f32; G]; 64],
    /// Sums of the weights per sub-block (imatrix forms).
    pub(super) sw: [[f32; G]; 64],
    pub(super) codes: [[u8; 256]; 64],
    pub(super) nan: u64,
}

impl<const G: usize> Sub<G> {
    #[inline(always)]
    pub(super) fn new() -> Self {
        Sub {
            scales: [[0.0; G]; 64],
            mins: [[0.0; G]; 64],
            sw: [[0.0; G]; 64],
            codes: [[0; 256]; 64],
            nan: 0,
        }
    }

    /// Stores the lane results (scale, `the_min`, sum of weights) of the lane group
    /// starting at block `b0`.
    #[inline(always)]
    fn store<const N: usize>(
        &mut self,
        (b0, nblk): (usize, usize),
        (scale, min, sw): (&Vf, &Vf, &Vf),
        codes: &[[u8; L]; N],
        nan: &Vb,
    ) {
        for l in 0..L {
            let b = b0 + l / G;
            if b >= nblk {
                continue;
            }
            let j = l % G;
            self.scales[b][j] = scale[l];
            self.mins[b][j] = min[l];
            self.sw[b][j] = sw[l];
            for i in 0..N {
                self.codes[b][N * j + i] = codes[i][l];
            }
            self.nan |= u64::from(nan[l]) << b;
        }
    }
}

/// How a K-quant sub-block's weights are formed.
#[derive(Clone, Copy)]
pub(super) enum Wts {
    /// `|x|` (Q2_K reference).
    Abs,
    /// `sqrtf(Σx²/32) + |x|` (Q4_K/Q5_K reference).
    AvAbs,
    /// `x²` (Q6_K reference).
    Sq,
    /// The imatrix as it is (Q6_K).
    Raw,
    /// `qw·sqrtf(σ² + x²)`, and their sum.
    Im,
}

/// The sub-block search.
#[derive(Clone, Copy)]
pub(super) enum Search {
    Qkx(Qkx),
    Qx(i32),
}

/// The weights of a sub-block lane group.
#[inline(always)]
pub(super) fn sub_weights<S: Sqrt, const N: usize>(
    how: Wts,
    xt: &[Vf; N],
    qt: &[Vf; N],
    s2: &Vf,
    w: &mut [Vf; N],
    sw: &mut Vf,
) {
    match how {
        Wts::Abs => {
            for i in 0..N {
                for l in 0..L {
                    w[i][l] = xt[i][l].abs();
                }
            }
        }
        Wts::AvAbs => {
            let mut s = [0f32; L];
            for i in 0..N {
                for l in 0..L {
                    s[l] += xt[i][l] * xt[i][l];
                }
            }
            let mut av = [0f32; L];
            for l in 0..L {
                av[l] = S::sqrt(s[l] / N as f32);
            }
            for i in 0..N {
                for l in 0..L {
                    w[i][l] = av[l] + xt[i][l].abs();
                }
            }
        }
        Wts::Sq => {
            for i in 0..N {
                for l in 0..L {
                    w[i][l] = xt[i][l] * xt[i][l];
                }
            }
        }
        Wts::Raw => *w = *qt,
        Wts::Im => im_weights::<S, N>(xt, qt, s2, w, sw),
    }
}

/// The sub-block searches of a chunk of K-quant blocks (`G` sub-blocks of `N`).
#[inline(always)]
pub(super) fn sub_searches<S: Sqrt, const G: usize, const N: usize>(
    x: &[f32],
    sig: &[f32; 64],
    qw: Option<&[f32]>,
    sub: &mut Sub<G>,
    how: Wts,
    search: Search,
) {
    let nblk = x.len() / 256;
    for b0 in (0..nblk).step_by(L / G) {
        let mut xt = [[0f32; L]; N];
        transpose(x, b0, nblk, 256, G, &mut xt);
        let mut qt = [[0f32; L]; N];
        if let Some(q) = qw {
            transpose(q, b0, nblk, 256, G, &mut qt);
        }
        let s2 = lane_sigma2(sig, b0, nblk, G);
        let (mut w, mut sw) = ([[0f32; L]; N], [0f32; L]);
        sub_weights::<S, N>(how, &xt, &qt, &s2, &mut w, &mut sw);
        let (mut scale, mut min) = ([0f32; L], [0f32; L]);
        let mut codes = [[0u8; L]; N];
        let mut nan = [false; L];
        match search {
            Search::Qkx(p) => qkx::<N>(&xt, &w, p, &mut scale, &mut min, &mut codes, &mut nan),
            Search::Qx(nmax) => qx::<N>(&xt, &w, nmax, &mut scale, &mut codes, &mut nan),
        }
        sub.store((b0, nblk), (&scale, &min, &sw), &codes, &nan);
    }
}

/// The blocks' `sigma2` for the imatrix forms: `num · Σx² / 256`.
#[inline(always)]
pub(super) fn k_sigma2(x: &[f32], num: f32) -> [f32; 64] {
    let mut s = [0f32; 64];
    block_sum_sq(x, 256, &mut s);
    for v in &mut s {
        *v = num * *v / 256.0;
    }
    s
}

/// `make_qp_quants(n, nmax, v, L, sw)` for every block of the chunk (the blocks side by
/// side): the codes and the scale per block.
#[inline(always)]
pub(super) fn qp_blocks<const G: usize>(
    nblk: usize,
    v: &[[f32; G]; 64],
    sw: &[[f32; G]; 64],
    nmax: i32,
    codes: &mut [[u8; G]; 64],
    scale: &mut [f32; 64],
    nan: &mut u64,
) {
    for b0 in (0..nblk).step_by(L) {
        let (mut xt, mut wt) = ([[0f32; L]; G], [[0f32; L]; G]);
        for l in 0..L.min(nblk - b0) {
            for j in 0..G {
                xt[j][l] = v[b0 + l][j];
                wt[j][l] = sw[b0 + l][j];
            }
        }
        let mut s = [0f32; L];
        let mut c = [[0u8; L]; G];
        let mut n = [false; L];
        qp::<G>(&xt, nmax, &wt, &mut s, &mut c, &mut n);
        for l in 0..L.min(nblk - b0) {
            scale[b0 + l] = s[l];
            for j in 0..G {
                codes[b0 + l][j] = c[j][l];
            }
            *nan |= u64::from(n[l]) << (b0 + l);
        }
    }
}
