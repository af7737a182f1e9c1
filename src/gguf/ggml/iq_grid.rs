//! The lattice side of the IQ1/IQ2/IQ3 quantizers: ggml's `iq2xs_init_impl` /
//! `iq3xs_init_impl` tables, recomputed from the dequantization grids of `grids.rs`
//! without allocation (notes §5.16).
//!
//! Each grid entry is a point with 8 (IQ1/IQ2) or 4 (IQ3) coordinates, each a level `l`
//! (0..3 or 0..8; the quantizer's "pos" value is `2l + 1`). Its key `u = Σ l_k << (bits·k)`
//! is what ggml's `kmap` is indexed by; the grids are sorted by key, so `kmap` is a binary
//! search here. For a key that is not on the grid, ggml stores the list of grid points sorted
//! by (squared distance of the pos vectors, index), cut after `nwant` distinct distances;
//! [`Grid::neighbours`] visits the same points in the same order, computed on the fly.

use super::super::grids::{IQ1S_GRID, IQ2S_GRID, IQ2XS_GRID, IQ2XXS_GRID, IQ3S_GRID, IQ3XXS_GRID};

/// One of the six i-quant lattices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grid {
    /// 256 points of 8 × 3 levels (IQ2_XXS).
    Iq2xxs,
    /// 512 points of 8 × 3 levels (IQ2_XS).
    Iq2xs,
    /// 1024 points of 8 × 3 levels (IQ2_S).
    Iq2s,
    /// 2048 points of 8 × 3 levels (IQ1_S, IQ1_M).
    Iq1s,
    /// 256 points of 4 × 8 levels (IQ3_XXS).
    Iq3xxs,
    /// 512 points of 4 × 8 levels (IQ3_S).
    Iq3s,
}

impl Grid {
    /// Number of points.
    #[cfg(test)]
    fn len(self) -> usize {
        match self {
            Grid::Iq2xxs | Grid::Iq3xxs => 256,
            Grid::Iq2xs | Grid::Iq3s => 512,
            Grid::Iq2s => 1024,
            Grid::Iq1s => 2048,
        }
    }

    /// Coordinates per point.
    pub(crate) fn dims(self) -> usize {
        match self {
            Grid::Iq3xxs | Grid::Iq3s => 4,
            _ => 8,
        }
    }

    /// Key bits per coordinate.
    fn bits(self) -> u32 {
        match self {
            Grid::Iq3xxs | Grid::Iq3s => 3,
            _ => 2,
        }
    }

    /// ggml's `nwant`: how many distinct distances a neighbour list spans.
    fn nwant(self) -> u32 {
        match self {
            Grid::Iq2s => 1,
            Grid::Iq2xxs | Grid::Iq2xs | Grid::Iq3xxs => 2,
            Grid::Iq1s | Grid::Iq3s => 3,
        }
    }

    /// The keys of the points, in index order (ascending).
    fn keys(self) -> &'static [u16] {
        match self {
            Grid::Iq2xxs => &KEYS_IQ2XXS,
            Grid::Iq2xs => &KEYS_IQ2XS,
            Grid::Iq2s => &KEYS_IQ2S,
            Grid::Iq1s => &KEYS_IQ1S,
            Grid::Iq3xxs => &KEYS_IQ3XXS,
            Grid::Iq3s => &KEYS_IQ3S,
        }
    }

    /// The level of coordinate `k` of point `i`.
    #[inline]
    pub(crate) fn level(self, i: usize, k: usize) -> u8 {
        let mask = (1u16 << self.bits()) - 1;
        ((self.keys()[i] >> (self.bits() * k as u32)) & mask) as u8
    }

    /// The key of point `i`.
    #[cfg(test)]
    fn key(self, i: usize) -> u16 {
        self.keys()[i]
    }

    /// The key of `levels` (the first [`Self::dims`] of them).
    pub(crate) fn key_of(self, levels: &[u8]) -> u16 {
        levels[..self.dims()]
            .iter()
            .enumerate()
            .fold(0u16, |u, (k, &l)| {
                u | (u16::from(l) << (self.bits() * k as u32))
            })
    }

    /// ggml's `kmap[u]` when it is a point: the index of the point with key `u`.
    pub(crate) fn find(self, u: u16) -> Option<usize> {
        self.keys().binary_search(&u).ok()
    }

    /// Calls `f(i)` for the neighbour list ggml stores for the off-grid key `u`: every point
    /// whose squared pos distance to `u` is among the `nwant` smallest distances, in order of
    /// (distance, index).
    pub(crate) fn neighbours(self, u: u16, mut f: impl FnMut(usize)) {
        let keys = self.keys();
        let mut dist = [0u8; 2048];
        // The nwant smallest distinct distances, ascending (u8::MAX = none yet).
        let nwant = self.nwant() as usize;
        let mut levels = [u8::MAX; 3];
        for (d, &key) in dist.iter_mut().zip(keys) {
            *d = self.distance(key, u);
            let mut v = *d;
            for l in levels.iter_mut().take(nwant) {
                if v == *l {
                    break;
                }
                if v < *l {
                    core::mem::swap(&mut v, l);
                }
            }
        }
        for &level in levels.iter().take(nwant).filter(|&&l| l != u8::MAX) {
            for (i, &d) in dist[..keys.len()].iter().enumerate() {
                if d == level {
                    f(i);
                }
            }
        }
    }

    /// `Σ (l_k − l'_k)²` of two keys (a quarter of ggml's squared pos distance; the order is
    /// the same).
    #[inline]
    fn distance(self, a: u16, b: u16) -> u8 {
        if self.dims() == 4 {
            DIST3[usize::from(a & 63)][usize::from(b & 63)]
                + DIST3[usize::from(a >> 6)][usize::from(b >> 6)]
        } else {
            DIST2[usize::from(a & 255)][usize::from(b & 255)]
                + DIST2[usize::from(a >> 8)][usize::from(b >> 8)]
        }
    }
}

/// The grid keys, computed at compile time from the dequantization bytes (`kind`: 0 = IQ2
/// bytes 0x08/0x19/0x2b, 1 = IQ1 int8 −1/0/1, 2 = IQ3_XXS 4, 12, …, 52, 62, 3 = IQ3_S 1, 3,
/// …, 15).
const fn keys<const N: usize>(grid: &[u64; N], kind: u8) -> [u16; N] {
    let mut out = [0u16; N];
    let (dims, bits) = if kind >= 2 { (4, 3) } else { (8, 2) };
    let mut i = 0;
    while i < N {
        let mut u = 0u16;
        let mut k = 0;
        while k < dims {
            let b = ((grid[i] >> (8 * k)) & 0xff) as u8;
            let l = match kind {
                0 => (b - 8) / 17,
                1 => b.wrapping_add(1),
                2 => (b - 4) / 8,
                _ => (b - 1) / 2,
            };
            u |= (l as u16) << (bits * k);
            k += 1;
        }
        out[i] = u;
        i += 1;
    }
    out
}

const fn widen<const N: usize>(g: &[u32; N]) -> [u64; N] {
    let mut out = [0u64; N];
    let mut i = 0;
    while i < N {
        out[i] = g[i] as u64;
        i += 1;
    }
    out
}

static KEYS_IQ2XXS: [u16; 256] = keys(&IQ2XXS_GRID, 0);
static KEYS_IQ2XS: [u16; 512] = keys(&IQ2XS_GRID, 0);
static KEYS_IQ2S: [u16; 1024] = keys(&IQ2S_GRID, 0);
static KEYS_IQ1S: [u16; 2048] = keys(&IQ1S_GRID, 1);
static KEYS_IQ3XXS: [u16; 256] = keys(&widen(&IQ3XXS_GRID), 2);
static KEYS_IQ3S: [u16; 512] = keys(&widen(&IQ3S_GRID), 3);

/// `Σ (l_k − l'_k)²` over `fields` fields of `bits` bits of two `n`-bit key pieces.
const fn dist_table<const N: usize>(bits: u32, fields: u32) -> [[u8; N]; N] {
    let mut t = [[0u8; N]; N];
    let mask = (1u32 << bits) - 1;
    let mut a = 0;
    while a < N {
        let mut b = 0;
        while b < N {
            let mut s = 0i32;
            let mut k = 0;
            while k < fields {
                let d = ((a as u32 >> (bits * k)) & mask) as i32
                    - ((b as u32 >> (bits * k)) & mask) as i32;
                s += d * d;
                k += 1;
            }
            t[a][b] = s as u8;
            b += 1;
        }
        a += 1;
    }
    t
}

/// Distances of 4 two-bit fields (one byte of an IQ1/IQ2 key).
static DIST2: [[u8; 256]; 256] = dist_table(2, 4);
/// Distances of 2 three-bit fields (6 bits of an IQ3 key).
static DIST3: [[u8; 64]; 64] = dist_table(3, 2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_and_found() {
        for g in [
            Grid::Iq2xxs,
            Grid::Iq2xs,
            Grid::Iq2s,
            Grid::Iq1s,
            Grid::Iq3xxs,
            Grid::Iq3s,
        ] {
            for i in 0..g.len() {
                assert_eq!(g.find(g.key(i)), Some(i), "{g:?} {i}");
                if i > 0 {
                    assert!(g.key(i - 1) < g.key(i));
                }
            }
        }
        // ggml's kgrid tables start 0, 2, 5, 8, 10 (IQ2) and 0, 2, 4, 9, 11 (IQ3_XXS).
        assert_eq!(
            (0..5)
                .map(|i| Grid::Iq2xxs.key(i))
                .collect::<std::vec::Vec<_>>(),
            [0, 2, 5, 8, 10]
        );
        assert_eq!(
            (0..5)
                .map(|i| Grid::Iq3xxs.key(i))
                .collect::<std::vec::Vec<_>>(),
            [0, 2, 4, 9, 11]
        );
        assert_eq!(Grid::Iq2xxs.find(1), None);
    }

    #[test]
    fn neighbour_lists_are_ordered_by_distance_then_index() {
        let g = Grid::Iq2xxs;
        let u = 1; // level 1 at coordinate 0, 0 elsewhere: not a point
        let mut seen = std::vec::Vec::new();
        g.neighbours(u, |i| seen.push(i));
        assert!(!seen.is_empty());
        let d = |i: usize| {
            (0..8)
                .map(|k| {
                    let t = i32::from((u >> (2 * k)) & 3);
                    4 * (i32::from(g.level(i, k)) - t).pow(2)
                })
                .sum::<i32>()
        };
        assert!(seen.windows(2).all(|w| (d(w[0]), w[0]) < (d(w[1]), w[1])));
        let levels: std::collections::BTreeSet<i32> = seen.iter().map(|&i| d(i)).collect();
        assert_eq!(levels.len(), 2);
    }
}
