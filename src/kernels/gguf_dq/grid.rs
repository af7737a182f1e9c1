//! GGUF dequantization kernels of the grid (lattice) types: IQ2_XXS, IQ2_XS, IQ2_S,
//! IQ3_XXS, IQ3_S, IQ1_S, IQ1_M, under the same contract as the parent module's (at most 64
//! whole blocks; the mask of blocks left to the definition: non-finite scales).

// The loops index like the C they follow, which keeps each line checkable against the notes.
#![allow(clippy::needless_range_loop)]

use super::{each, half_finite, half_special, rd16, rd32};

/// 32 outputs `db·g[j]`, the sign bit flipped where bit j of `signs` is set (ggml's ±1
/// factor is compiled as a sign flip).
#[inline(always)]
fn put32(y: &mut [f32], db: &[f32; 4], g: &[u8; 32], signs: u32) {
    let Some(y) = y.first_chunk_mut::<32>() else {
        return;
    };
    for j in 0..32 {
        let v = db[j / 8] * f32::from(g[j]);
        y[j] = f32::from_bits(v.to_bits() ^ (((signs >> j) & 1) << 31));
    }
}

/// The bytes of four 8-byte grid entries.
#[inline(always)]
fn grid4(g: [u64; 4]) -> [u8; 32] {
    let mut o = [0u8; 32];
    for (c, v) in o.chunks_exact_mut(8).zip(g) {
        c.copy_from_slice(&v.to_le_bytes());
    }
    o
}

/// The bytes of eight 4-byte grid entries.
#[inline(always)]
fn grid8(g: [u32; 8]) -> [u8; 32] {
    let mut o = [0u8; 32];
    for (c, v) in o.chunks_exact_mut(4).zip(g) {
        c.copy_from_slice(&v.to_le_bytes());
    }
    o
}

/// IQ2_XXS: per 32, `db = d·(0.5 + s)·0.25`; 4 grid indices and 4 × 7-bit sign codes.
#[inline(always)]
pub(crate) fn dq_iq2_xxs(
    grid: &[u64; 256],
    ksigns: &[u8; 128],
    bytes: &[u8],
    out: &mut [f32],
) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 66) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        for (ib, yb) in y.chunks_exact_mut(32).enumerate() {
            let aux = rd32(b, 6 + 8 * ib);
            let db = d * (0.5 + (aux >> 28) as f32) * 0.25;
            let mut g = [0u64; 4];
            let mut signs = 0u32;
            for l in 0..4 {
                g[l] = grid[usize::from(b[2 + 8 * ib + l])];
                signs |= u32::from(ksigns[((aux >> (7 * l)) & 127) as usize]) << (8 * l);
            }
            put32(yb, &[db; 4], &grid4(g), signs);
        }
    }
    left
}

/// `d·(0.5 + s)·0.25` for the two 4-bit scales of byte `sc` (IQ2_XS, IQ2_S), per 8-group.
#[inline(always)]
fn db_pairs(d: f32, sc: u8) -> [f32; 4] {
    let a = d * (0.5 + f32::from(sc & 0xf)) * 0.25;
    let b = d * (0.5 + f32::from(sc >> 4)) * 0.25;
    [a, a, b, b]
}

/// IQ2_XS: 9-bit grid index | 7-bit sign code per 8, two 4-bit scales per 32.
#[inline(always)]
pub(crate) fn dq_iq2_xs(
    grid: &[u64; 512],
    ksigns: &[u8; 128],
    bytes: &[u8],
    out: &mut [f32],
) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 74) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        for (ib, yb) in y.chunks_exact_mut(32).enumerate() {
            let db = db_pairs(d, b[66 + ib]);
            let mut g = [0u64; 4];
            let mut signs = 0u32;
            for l in 0..4 {
                let q = rd16(b, 2 + 2 * (4 * ib + l));
                g[l] = grid[usize::from(q & 511)];
                signs |= u32::from(ksigns[usize::from(q >> 9)]) << (8 * l);
            }
            put32(yb, &db, &grid4(g), signs);
        }
    }
    left
}

/// IQ2_S: 10-bit grid indices, plain sign bytes.
#[inline(always)]
pub(crate) fn dq_iq2_s(grid: &[u64; 1024], bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 82) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        for (ib, yb) in y.chunks_exact_mut(32).enumerate() {
            let db = db_pairs(d, b[74 + ib]);
            let qh = usize::from(b[66 + ib]);
            let mut g = [0u64; 4];
            for l in 0..4 {
                g[l] = grid[usize::from(b[2 + 4 * ib + l]) | ((qh << (8 - 2 * l)) & 0x300)];
            }
            put32(yb, &db, &grid4(g), rd32(b, 34 + 4 * ib));
        }
    }
    left
}

/// IQ3_XXS: per 32, `db = d·(0.5 + s)·0.5`; 8 grid indices of 4 and 4 × 7-bit sign codes.
#[inline(always)]
pub(crate) fn dq_iq3_xxs(
    grid: &[u32; 256],
    ksigns: &[u8; 128],
    bytes: &[u8],
    out: &mut [f32],
) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 98) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        for (ib, yb) in y.chunks_exact_mut(32).enumerate() {
            let aux = rd32(b, 66 + 4 * ib);
            let db = d * (0.5 + (aux >> 28) as f32) * 0.5;
            let mut g = [0u32; 8];
            for (i, g) in g.iter_mut().enumerate() {
                *g = grid[usize::from(b[2 + 8 * ib + i])];
            }
            let mut signs = 0u32;
            for l in 0..4 {
                signs |= u32::from(ksigns[((aux >> (7 * l)) & 127) as usize]) << (8 * l);
            }
            put32(yb, &[db; 4], &grid8(g), signs);
        }
    }
    left
}

/// IQ3_S: 9-bit grid indices, plain sign bytes, `db = d·(1 + 2s)`.
#[inline(always)]
pub(crate) fn dq_iq3_s(grid: &[u32; 512], bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 110) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        for (ib, yb) in y.chunks_exact_mut(32).enumerate() {
            let sc = b[106 + ib / 2] >> (4 * (ib % 2));
            let db = d * (1 + 2 * i32::from(sc & 0xf)) as f32;
            let qh = usize::from(b[66 + ib]);
            let mut g = [0u32; 8];
            for (i, g) in g.iter_mut().enumerate() {
                // Entry 2l takes qh bit 2l... as ggml: `(qh << (8 − 2l)) & 256` for 2l,
                // `(qh << (7 − 2l)) & 256` for 2l + 1, i.e. bit i of qh.
                *g = grid[usize::from(b[2 + 8 * ib + i]) | (((qh >> i) & 1) << 8)];
            }
            put32(yb, &[db; 4], &grid8(g), rd32(b, 74 + 4 * ib));
        }
    }
    left
}

/// 32 outputs `dl[l]·(g[j] + delta[l])` of the IQ1 grid (int8 coordinates), l = j/8.
#[inline(always)]
fn put32_iq1(y: &mut [f32], dl: &[f32; 4], g: &[u8; 32], delta: &[f32; 4]) {
    let Some(y) = y.first_chunk_mut::<32>() else {
        return;
    };
    for j in 0..32 {
        y[j] = dl[j / 8] * (f32::from(g[j] as i8) + delta[j / 8]);
    }
}

/// IQ1_S: per 32, `dl = d·(2s + 1)`, shift ±δ, 11-bit grid indices.
#[inline(always)]
pub(crate) fn dq_iq1_s(grid: &[u64; 2048], delta: f32, bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 50) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        for (ib, yb) in y.chunks_exact_mut(32).enumerate() {
            let qh = rd16(b, 34 + 2 * ib);
            let dl = d * (2 * i32::from((qh >> 12) & 7) + 1) as f32;
            let dt = if qh & 0x8000 != 0 { -delta } else { delta };
            let mut g = [0u64; 4];
            for l in 0..4 {
                g[l] =
                    grid[usize::from(b[2 + 4 * ib + l]) | (usize::from((qh >> (3 * l)) & 7) << 8)];
            }
            put32_iq1(yb, &[dl; 4], &grid4(g), &[dt; 4]);
        }
    }
    left
}

/// IQ1_M: per 16, `dl = d·(2s + 1)`, the fp16 d spread over the scale words' top nibbles.
#[inline(always)]
pub(crate) fn dq_iq1_m(grid: &[u64; 2048], delta: f32, bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 56) {
        let sc = [rd16(b, 48), rd16(b, 50), rd16(b, 52), rd16(b, 54)];
        let h = (sc[0] >> 12) | ((sc[1] >> 8) & 0xf0) | ((sc[2] >> 4) & 0xf00) | (sc[3] & 0xf000);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        for (ib, yb) in y.chunks_exact_mut(32).enumerate() {
            let s = sc[ib / 2] >> (6 * (ib % 2));
            let dl1 = d * (2 * i32::from(s & 7) + 1) as f32;
            let dl2 = d * (2 * i32::from((s >> 3) & 7) + 1) as f32;
            let qh = [usize::from(b[32 + 2 * ib]), usize::from(b[33 + 2 * ib])];
            let g = [
                grid[usize::from(b[4 * ib]) | ((qh[0] << 8) & 0x700)],
                grid[usize::from(b[4 * ib + 1]) | ((qh[0] << 4) & 0x700)],
                grid[usize::from(b[4 * ib + 2]) | ((qh[1] << 8) & 0x700)],
                grid[usize::from(b[4 * ib + 3]) | ((qh[1] << 4) & 0x700)],
            ];
            let dt = |q: usize, m: usize| if q & m != 0 { -delta } else { delta };
            let deltas = [
                dt(qh[0], 0x08),
                dt(qh[0], 0x80),
                dt(qh[1], 0x08),
                dt(qh[1], 0x80),
            ];
            put32_iq1(yb, &[dl1, dl1, dl2, dl2], &grid4(g), &deltas);
        }
    }
    left
}
