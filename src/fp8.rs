//! FP8 with f32 scales: per-tensor, per-channel (per row) and 2-D tiles, as inference engines
//! store FP8 checkpoints (DeepSeek-V3's 128×128 weight blocks and 1×128 activation tiles,
//! per-tensor `weight_scale` of FP8 Llama checkpoints).
//!
//! For each scaled region with largest magnitude `amax` (clamped below at 1e-4, as
//! DeepSeek-V3.2's `act_quant` does, so an all-zero region gets a tiny positive scale rather
//! than a division by zero): `s = amax / fmax` in f32 (fmax = 448 for E4M3, 57344 for E5M2),
//! or with power-of-two scales the least `2^k ≥ amax / fmax` computed exactly (DeepSeek's
//! `scale_fmt = "ue8m0"`); then `q = fp8(x / s)` — the f32 quotient rounded to nearest even
//! and saturated, the order of operations of DeepSeek's `act_quant` and of
//! `torch.clamp(x / s, -fmax, fmax).to(float8)` — and `x ≈ q · s`.

use crate::element::convert::{self, Class};
use crate::element::{ElementFormat, Format};
use crate::error::Error;
use crate::round::{Overflow, Rounding};

/// What one scale covers, in a row-major `[rows, cols]` tensor.
///
/// ```
/// use lowbit::fp8::{Fp8Scaling, Granularity};
/// let sc = Fp8Scaling::new(lowbit::ElementFormat::FLOAT8_E4M3FN, Granularity::Tile { rows: 2, cols: 2 }, false).unwrap();
/// assert_eq!(sc.scale_count(3, 5).unwrap(), 2 * 3); // ceil(3/2) x ceil(5/2) tiles
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Granularity {
    /// One scale for the whole tensor.
    Tensor,
    /// One scale per row (per output channel of a `[out, in]` weight; per token of
    /// activations).
    Row,
    /// One scale per `rows × cols` tile; tiles at the right and bottom edges are partial.
    /// DeepSeek-V3: weights `Tile { rows: 128, cols: 128 }`, activations `Tile { rows: 1,
    /// cols: 128 }`.
    Tile {
        /// Tile height.
        rows: usize,
        /// Tile width.
        cols: usize,
    },
}

/// An FP8 scaling scheme: element format × granularity × scale form.
///
/// ```
/// use lowbit::fp8::{Fp8Scaling, Granularity};
/// let w = Fp8Scaling::deepseek_weights();
/// let x: Vec<f32> = (0..256 * 200).map(|i| ((i % 977) as f32 - 488.0) * 0.01).collect();
/// let (rows, cols) = (256, 200);
/// let mut codes = vec![0u8; x.len()];
/// let mut scales = vec![0f32; w.scale_count(rows, cols).unwrap()];
/// assert_eq!(scales.len(), 2 * 2); // ceil(256/128) × ceil(200/128)
/// w.quantize(&x, rows, cols, &mut codes, &mut scales).unwrap();
/// let mut y = vec![0f32; x.len()];
/// w.dequantize(&codes, &scales, rows, cols, &mut y).unwrap();
/// assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() <= a.abs() / 16.0 + 1e-6));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fp8Scaling {
    element: ElementFormat,
    granularity: Granularity,
    pow2: bool,
}

impl Fp8Scaling {
    /// A scheme. `element` must be an 8-bit float format with a finite maximum (E4M3FN,
    /// E5M2, …); tile sides must be at least 1.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for other element formats, [`Error::Parameter`] for an empty
    /// tile.
    ///
    /// ```
    /// use lowbit::fp8::{Fp8Scaling, Granularity};
    /// use lowbit::ElementFormat;
    /// assert!(Fp8Scaling::new(ElementFormat::FLOAT8_E5M2, Granularity::Row, true).is_ok());
    /// assert!(Fp8Scaling::new(ElementFormat::INT8, Granularity::Row, false).is_err());
    /// ```
    pub fn new(
        element: ElementFormat,
        granularity: Granularity,
        pow2_scales: bool,
    ) -> Result<Self, Error> {
        if !matches!(element, ElementFormat::Float(_)) || element.bits() != 8 {
            return Err(Error::Unsupported(
                "FP8 scaling needs an 8-bit float element format",
            ));
        }
        if let Granularity::Tile { rows, cols } = granularity
            && (rows == 0 || cols == 0)
        {
            return Err(Error::Parameter {
                what: "tile side",
                value: 0,
            });
        }
        Ok(Fp8Scaling {
            element,
            granularity,
            pow2: pow2_scales,
        })
    }

    /// E4M3 per tensor with an f32 scale (FP8 Llama-style checkpoints).
    ///
    /// ```
    /// assert_eq!(lowbit::fp8::Fp8Scaling::per_tensor().scale_count(100, 100).unwrap(), 1);
    /// ```
    #[must_use]
    pub const fn per_tensor() -> Self {
        Fp8Scaling {
            element: ElementFormat::FLOAT8_E4M3FN,
            granularity: Granularity::Tensor,
            pow2: false,
        }
    }
    /// E4M3 per row (per output channel).
    ///
    /// ```
    /// assert_eq!(lowbit::fp8::Fp8Scaling::per_channel().scale_count(100, 7).unwrap(), 100);
    /// ```
    #[must_use]
    pub const fn per_channel() -> Self {
        Fp8Scaling {
            element: ElementFormat::FLOAT8_E4M3FN,
            granularity: Granularity::Row,
            pow2: false,
        }
    }
    /// DeepSeek-V3 weights: E4M3 in 128×128 blocks with f32 scales (`weight_scale_inv`).
    ///
    /// ```
    /// assert_eq!(lowbit::fp8::Fp8Scaling::deepseek_weights().scale_count(7168, 2048).unwrap(), 56 * 16);
    /// ```
    #[must_use]
    pub const fn deepseek_weights() -> Self {
        Fp8Scaling {
            element: ElementFormat::FLOAT8_E4M3FN,
            granularity: Granularity::Tile {
                rows: 128,
                cols: 128,
            },
            pow2: false,
        }
    }
    /// DeepSeek-V3 activations: E4M3 in 1×128 tiles with f32 scales.
    ///
    /// ```
    /// assert_eq!(lowbit::fp8::Fp8Scaling::deepseek_activations().scale_count(4, 7168).unwrap(), 4 * 56);
    /// ```
    #[must_use]
    pub const fn deepseek_activations() -> Self {
        Fp8Scaling {
            element: ElementFormat::FLOAT8_E4M3FN,
            granularity: Granularity::Tile { rows: 1, cols: 128 },
            pow2: false,
        }
    }
    /// The same scheme with power-of-two scales (`ue8m0`) or plain f32 scales.
    ///
    /// ```
    /// let sc = lowbit::fp8::Fp8Scaling::per_tensor().with_pow2_scales(true);
    /// assert_eq!(sc.scale_for(448.0 * 3.0), 4.0); // the least power of two at or above 3
    /// ```
    #[must_use]
    pub const fn with_pow2_scales(self, pow2: bool) -> Self {
        Fp8Scaling { pow2, ..self }
    }
    /// The element format.
    ///
    /// ```
    /// use lowbit::{fp8::Fp8Scaling, ElementFormat};
    /// assert_eq!(Fp8Scaling::per_tensor().element(), ElementFormat::FLOAT8_E4M3FN);
    /// ```
    #[must_use]
    pub const fn element(&self) -> ElementFormat {
        self.element
    }
    /// The granularity.
    ///
    /// ```
    /// use lowbit::fp8::{Fp8Scaling, Granularity};
    /// assert_eq!(Fp8Scaling::per_channel().granularity(), Granularity::Row);
    /// ```
    #[must_use]
    pub const fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// Tile shape for a `[rows, cols]` tensor.
    fn tile(&self, rows: usize, cols: usize) -> (usize, usize) {
        match self.granularity {
            Granularity::Tensor => (rows.max(1), cols.max(1)),
            Granularity::Row => (1, cols.max(1)),
            Granularity::Tile { rows, cols } => (rows, cols),
        }
    }

    /// Number of scales for a `[rows, cols]` tensor (row-major over tiles).
    ///
    /// # Errors
    /// On a size overflow.
    ///
    /// ```
    /// use lowbit::fp8::Fp8Scaling;
    /// assert_eq!(Fp8Scaling::deepseek_weights().scale_count(129, 128).unwrap(), 2);
    /// ```
    pub fn scale_count(&self, rows: usize, cols: usize) -> Result<usize, Error> {
        let (tr, tc) = self.tile(rows, cols);
        rows.div_ceil(tr)
            .checked_mul(cols.div_ceil(tc))
            .ok_or(Error::SizeOverflow("FP8 scales"))
    }

    /// The scale for a region whose largest magnitude is `amax`.
    ///
    /// ```
    /// use lowbit::fp8::Fp8Scaling;
    /// assert_eq!(Fp8Scaling::per_tensor().scale_for(896.0), 2.0);
    /// assert_eq!(Fp8Scaling::per_tensor().scale_for(0.0), 1e-4 / 448.0); // amax clamped at 1e-4
    /// ```
    #[must_use]
    pub fn scale_for(&self, amax: f32) -> f32 {
        let fmax = self.element.max_value() as f32;
        let a = if amax > 1e-4 || amax.is_nan() {
            amax
        } else {
            1e-4
        };
        if !self.pow2 {
            return a / fmax;
        }
        // Least 2^k >= a / fmax, exactly: from a's bits, then one check in f64.
        match convert::split_f32(a).1 {
            Class::Finite(m) => {
                let k0 = m.exp - (31 - (fmax as u32).leading_zeros() as i32);
                let k = (k0 - 1..=k0 + 1)
                    .find(|&k| a as f64 <= fmax as f64 * convert::pow2_f64(k))
                    .unwrap_or(k0 + 1);
                convert::pow2_f64(k.clamp(-149, 127)) as f32
            }
            _ => a / fmax,
        }
    }

    fn check(&self, len: usize, rows: usize, cols: usize, scales: usize) -> Result<(), Error> {
        let n = rows
            .checked_mul(cols)
            .ok_or(Error::SizeOverflow("FP8 tensor (rows × cols)"))?;
        Error::check_len("FP8 tensor (rows × cols)", n, len)?;
        Error::check_len("FP8 scales", self.scale_count(rows, cols)?, scales)
    }

    /// Quantizes a row-major `[rows, cols]` tensor: one FP8 code per element and one f32
    /// scale per region ([`scale_count`](Self::scale_count), row-major over tiles).
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer disagrees with `rows × cols`.
    ///
    /// ```
    /// use lowbit::fp8::Fp8Scaling;
    /// let x = [1.0f32, -448.0, 2.0, 4.0]; // 2 rows x 2 columns
    /// let (mut codes, mut scales) = ([0u8; 4], [0f32; 2]);
    /// Fp8Scaling::per_channel().quantize(&x, 2, 2, &mut codes, &mut scales).unwrap();
    /// assert_eq!(scales, [1.0, 4.0 / 448.0]);
    /// assert_eq!(codes[1], 0xFE); // -448
    /// ```
    pub fn quantize(
        &self,
        x: &[f32],
        rows: usize,
        cols: usize,
        codes: &mut [u8],
        scales: &mut [f32],
    ) -> Result<(), Error> {
        self.check(x.len(), rows, cols, scales.len())?;
        Error::check_len("FP8 codes", x.len(), codes.len())?;
        let (tr, tc) = self.tile(rows, cols);
        let tcols = cols.div_ceil(tc);
        for (ti, s) in scales.iter_mut().enumerate() {
            let (r0, c0) = (ti / tcols * tr, ti % tcols * tc);
            let (r1, c1) = ((r0 + tr).min(rows), (c0 + tc).min(cols));
            let mut amax = 0f32;
            let mut nan = false;
            for r in r0..r1 {
                for &v in &x[r * cols + c0..r * cols + c1] {
                    amax = amax.max(v.abs());
                    nan |= v.is_nan();
                }
            }
            *s = crate::element::stored_f32(self.scale_for(if nan { f32::NAN } else { amax }));
            for r in r0..r1 {
                let range = r * cols + c0..r * cols + c1;
                for (c, &v) in codes[range.clone()].iter_mut().zip(&x[range]) {
                    *c = self.element.encode_stored(
                        v / *s,
                        Rounding::NearestEven,
                        Overflow::Saturate,
                    ) as u8;
                }
            }
        }
        Ok(())
    }

    /// `out = fp8(q) · s` per region.
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer disagrees with `rows × cols`.
    ///
    /// ```
    /// use lowbit::fp8::Fp8Scaling;
    /// let mut y = [0f32; 2];
    /// Fp8Scaling::per_tensor().dequantize(&[0x38, 0xC0], &[0.5], 1, 2, &mut y).unwrap();
    /// assert_eq!(y, [0.5, -1.0]);
    /// ```
    pub fn dequantize(
        &self,
        codes: &[u8],
        scales: &[f32],
        rows: usize,
        cols: usize,
        out: &mut [f32],
    ) -> Result<(), Error> {
        self.check(out.len(), rows, cols, scales.len())?;
        Error::check_len("FP8 codes", out.len(), codes.len())?;
        let (tr, tc) = self.tile(rows, cols);
        let tcols = cols.div_ceil(tc);
        let mut lut = [0f32; 256];
        for (c, v) in lut.iter_mut().enumerate() {
            *v = self.element.decode(c as u32);
        }
        for (i, (o, &c)) in out.iter_mut().zip(codes).enumerate() {
            let (r, col) = (i / cols, i % cols);
            *o = lut[c as usize] * scales[r / tr * tcols + col / tc];
        }
        Ok(())
    }

    /// Fake quantization: [`quantize`](Self::quantize) then [`dequantize`](Self::dequantize)
    /// in one call (allocates the codes and scales).
    ///
    /// # Errors
    /// As [`quantize`](Self::quantize).
    ///
    /// ```
    /// use lowbit::fp8::Fp8Scaling;
    /// let mut y = [0f32; 3];
    /// Fp8Scaling::per_tensor().quantize_dequantize(&[448.0, 1.0, 0.0], 1, 3, &mut y).unwrap();
    /// assert_eq!(y, [448.0, 1.0, 0.0]);
    /// ```
    #[cfg(feature = "alloc")]
    pub fn quantize_dequantize(
        &self,
        x: &[f32],
        rows: usize,
        cols: usize,
        out: &mut [f32],
    ) -> Result<(), Error> {
        let mut codes = alloc::vec![0u8; x.len()];
        let mut scales = alloc::vec![0f32; self.scale_count(rows, cols)?];
        self.quantize(x, rows, cols, &mut codes, &mut scales)?;
        self.dequantize(&codes, &scales, rows, cols, out)
    }
}
