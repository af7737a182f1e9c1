//! The one set of size computations and length checks of scaled formats, and the walk over
//! a tensor's regions that every quantize, dequantize and fake-quantize loop follows.
//!
//! Every product of sizes here is checked (the module denies unchecked integer arithmetic),
//! so an impossible size is an [`Error`], never a wrapped length that passes a check.
#![deny(clippy::arithmetic_side_effects)]

use core::ops::Range;

use crate::error::{Error, mul};
use crate::kernels::SPAN;
use crate::kernels::scaled::GROUP_MAX;

/// What one scale covers in a row-major `[rows, cols]` tensor (a 1-D slice is one row).
///
/// ```
/// use lowbit::{BlockFormat, Region};
/// assert_eq!(BlockFormat::MXFP4.region(), Region::Block(32));
/// assert_eq!(BlockFormat::FP8_E4M3_TENSOR.region(), Region::Tensor);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// The whole tensor.
    Tensor,
    /// Each row (per output channel of a `[out, in]` weight; per token of activations).
    Row,
    /// Each run of this many consecutive elements of a row; a row whose length is not a
    /// multiple ends in a shorter block. 1..=2^20.
    Block(usize),
    /// Each `rows × cols` tile; tiles at the right and bottom edges are partial.
    /// DeepSeek-V3: weights 128×128, activations 1×128. Sides 1..=2^20.
    Tile {
        /// Tile height.
        rows: usize,
        /// Tile width.
        cols: usize,
    },
}

/// Largest block length or tile side.
pub(crate) const MAX_SIDE: usize = 1 << 20;

impl Region {
    /// Checks the sides.
    pub(crate) fn check(self) -> Result<Self, Error> {
        let ok = |v: usize| (1..=MAX_SIDE).contains(&v);
        let good = match self {
            Region::Block(n) => ok(n),
            Region::Tile { rows, cols } => ok(rows) && ok(cols),
            _ => true,
        };
        if good {
            Ok(self)
        } else {
            Err(Error::Parameter {
                what: "region side (1..=2^20)",
                value: match self {
                    Region::Block(n) => n as i64,
                    Region::Tile { rows, cols } => rows.max(cols) as i64,
                    _ => 0,
                },
            })
        }
    }

    /// Rows per scale (`band`) and columns per scale (`n`) in a `[rows, cols]` tensor.
    pub(crate) fn geometry(self, rows: usize, cols: usize) -> (usize, usize) {
        match self {
            Region::Tensor => (rows.max(1), cols.max(1)),
            Region::Row => (1, cols.max(1)),
            Region::Block(n) => (1, n),
            Region::Tile { rows, cols } => (rows, cols),
        }
    }
}

/// A `[rows, cols]` tensor cut into regions: bands of `band` rows, each row of a band cut
/// into `n`-column pieces; one scale per (band, piece).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) band: usize,
    pub(crate) n: usize,
}

impl Shape {
    /// The shape of a `len`-element row-major tensor with `cols` columns:
    /// [`Error::Parameter`] for 0 columns of a non-empty tensor, [`Error::Length`] when `len`
    /// is not a multiple of `cols`.
    pub(crate) fn new(region: Region, len: usize, cols: usize) -> Result<Shape, Error> {
        let rows = rows_of(len, cols)?;
        let (band, n) = region.geometry(rows, cols);
        Ok(Shape {
            rows,
            cols,
            band,
            n,
        })
    }

    /// Scales per row band.
    pub(crate) fn scales_per_band(&self) -> usize {
        self.cols.div_ceil(self.n)
    }

    /// Number of scales.
    pub(crate) fn scale_count(&self) -> Result<usize, Error> {
        mul(
            "scale count",
            self.rows.div_ceil(self.band),
            self.scales_per_band(),
        )
    }

    /// Regions whose fake quantization, quantization or dequantization runs as one group:
    /// whole regions of at most [`SPAN`] columns side by side, at most [`GROUP_MAX`] of them
    /// (fewer when that makes the group's codes end on a byte boundary), or one region when
    /// it is wider.
    pub(crate) fn group(&self, bits: u32) -> usize {
        let k = SPAN.checked_div(self.n).unwrap_or(0).clamp(1, GROUP_MAX);
        // The smallest count of regions whose codes fill whole bytes.
        let step = (1..=8usize)
            .find(|&s| s.saturating_mul(self.n).saturating_mul(bits as usize) % 8 == 0)
            .unwrap_or(1);
        if k >= step {
            k.saturating_sub(k.checked_rem(step).unwrap_or(0))
        } else {
            k
        }
    }

    /// The bands: row ranges sharing scales.
    pub(crate) fn bands(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        (0..self.rows.div_ceil(self.band)).map(move |b| {
            let r0 = b.saturating_mul(self.band);
            r0..r0.saturating_add(self.band).min(self.rows)
        })
    }

    /// The groups of region columns: `(first region, column range)`.
    pub(crate) fn groups(&self, k: usize) -> impl Iterator<Item = (usize, Range<usize>)> + '_ {
        let per = self.scales_per_band();
        (0..per.div_ceil(k)).map(move |g| {
            let j0 = g.saturating_mul(k);
            let c0 = j0.saturating_mul(self.n);
            let c1 = j0.saturating_add(k).saturating_mul(self.n).min(self.cols);
            (j0, c0..c1)
        })
    }

    /// The pieces of one group's columns that a kernel call takes: the whole group when it
    /// fits in [`SPAN`] columns (then it starts on a region boundary), else runs of `SPAN`
    /// in one region.
    /// Each piece is `(columns, index of its first region in the group)`.
    pub(crate) fn pieces(&self, cols: Range<usize>) -> impl Iterator<Item = (Range<usize>, usize)> {
        let (c0, c1, n) = (cols.start, cols.end, self.n);
        let width = c1.saturating_sub(c0);
        let step = if width <= SPAN { width.max(1) } else { SPAN };
        (0..width.div_ceil(step)).map(move |p| {
            let s = c0.saturating_add(p.saturating_mul(step));
            let e = s.saturating_add(step).min(c1);
            // Pieces of a wide group lie in one region.
            (s..e, s.saturating_sub(c0).checked_div(n).unwrap_or(0))
        })
    }
}

/// The number of rows of a `len`-element row-major tensor with `cols` columns.
pub(crate) fn rows_of(len: usize, cols: usize) -> Result<usize, Error> {
    if cols == 0 {
        return if len == 0 {
            Ok(0)
        } else {
            Err(Error::Parameter {
                what: "columns",
                value: 0,
            })
        };
    }
    if !len.is_multiple_of(cols) {
        return Err(Error::Length {
            what: "tensor (a multiple of the columns)",
            expected: crate::error::round_up(len, cols),
            actual: len,
        });
    }
    Ok(len.checked_div(cols).unwrap_or(0))
}

/// Bytes of `bits`-bit codes of a row of `cols` elements, packed densely (a row ends on a
/// byte boundary).
pub(crate) fn row_bytes(bits: u32, cols: usize) -> Result<usize, Error> {
    crate::pack::packed_len(bits, crate::pack::Layout::Dense, cols)
}

/// `Ok` if `actual == expected`, else [`Error::Length`] naming `what`.
pub(crate) fn check_len(what: &'static str, expected: usize, actual: usize) -> Result<(), Error> {
    Error::check_len(what, expected, actual)
}

/// `rows · bytes_per_row`, checked.
pub(crate) fn total(what: &'static str, rows: usize, per: usize) -> Result<usize, Error> {
    mul(what, rows, per)
}
