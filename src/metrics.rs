//! Error metrics for choosing a format: how far a quantized tensor is from the original.

use crate::error::Error;

/// Error statistics of an approximation `y` of a reference `x`, accumulated in f64.
///
/// ```
/// use lowbit::metrics::ErrorStats;
/// let s = ErrorStats::of(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 3.0, 5.0]).unwrap();
/// assert_eq!(s.max_abs, 1.0);
/// assert_eq!(s.mse, 0.25);
/// assert!((s.sqnr_db - 10.0 * (30.0f64 / 1.0).log10()).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ErrorStats {
    /// Number of elements compared.
    pub n: usize,
    /// Mean squared error.
    pub mse: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Signal-to-quantization-noise ratio in dB: 10·log10(Σx² / Σ(x−y)²); +∞ when exact.
    pub sqnr_db: f64,
    /// Largest |x − y|.
    pub max_abs: f64,
    /// Relative error ‖x − y‖₂ / ‖x‖₂ (0 when both are 0).
    pub relative: f64,
}

impl ErrorStats {
    /// Compares `y` against the reference `x`. Non-finite pairs count as errors of +∞.
    ///
    /// # Errors
    /// [`Error::Length`] if the lengths differ.
    ///
    /// ```
    /// use lowbit::metrics::ErrorStats;
    /// let s = ErrorStats::of(&[1.0, 2.0], &[1.0, 2.5]).unwrap();
    /// assert_eq!((s.n, s.mse, s.max_abs), (2, 0.125, 0.5));
    /// assert!((s.sqnr_db - 10.0 * (2.5f64 / 0.125).log10()).abs() < 1e-12);
    /// ```
    pub fn of(x: &[f32], y: &[f32]) -> Result<Self, Error> {
        if x.len() != y.len() {
            return Err(Error::Length {
                what: "ErrorStats approximation",
                expected: x.len(),
                actual: y.len(),
            });
        }
        let (mut sig, mut err, mut max_abs) = (0f64, 0f64, 0f64);
        for (&a, &b) in x.iter().zip(y) {
            let d = if a == b { 0.0 } else { a as f64 - b as f64 };
            let d = if d.is_nan() { f64::INFINITY } else { d.abs() };
            sig += a as f64 * a as f64;
            err += d * d;
            max_abs = max_abs.max(d);
        }
        let n = x.len();
        let mse = if n == 0 { 0.0 } else { err / n as f64 };
        Ok(ErrorStats {
            n,
            mse,
            rmse: mse.sqrt(),
            sqnr_db: if err == 0.0 {
                f64::INFINITY
            } else {
                10.0 * (sig / err).log10()
            },
            max_abs,
            relative: if err == 0.0 { 0.0 } else { (err / sig).sqrt() },
        })
    }

    /// Statistics of every consecutive block of `block_len` elements (the last may be short).
    ///
    /// # Errors
    /// [`Error::Length`] if the lengths differ, [`Error::Parameter`] if `block_len` is 0.
    ///
    /// ```
    /// use lowbit::metrics::ErrorStats;
    /// let b = ErrorStats::per_block(&[1.0, 2.0, 3.0], &[1.0, 2.0, 4.0], 2).unwrap();
    /// assert_eq!((b.len(), b[0].mse, b[1].max_abs), (2, 0.0, 1.0));
    /// ```
    pub fn per_block(
        x: &[f32],
        y: &[f32],
        block_len: usize,
    ) -> Result<std::vec::Vec<ErrorStats>, Error> {
        if block_len == 0 {
            return Err(Error::Parameter {
                what: "block length",
                value: 0,
            });
        }
        if x.len() != y.len() {
            return Err(Error::Length {
                what: "ErrorStats approximation",
                expected: x.len(),
                actual: y.len(),
            });
        }
        x.chunks(block_len)
            .zip(y.chunks(block_len))
            .map(|(a, b)| ErrorStats::of(a, b))
            .collect()
    }
}
