//! The bulk operations of [`BlockFormat`]: quantize to the stored form, dequantize, and fake
//! quantization, each on the best backend and pinned to one (`_with`), for one row or a 2-D
//! tensor (`_rows`), with a measured or a given tensor amax (`_shard`).

use super::{BlockFormat, run};
use crate::arch::Backend;
use crate::error::Error;
use crate::real::Real32;

/// The bulk operations, each on the best backend and pinned (`_with`).
impl BlockFormat {
    /// Quantizes `x` (one row) into stored form: element codes packed densely into `codes`
    /// (exactly [`codes_len`](Self::codes_len)`(x.len())` bytes; MXINT8 and int8 store two's
    /// complement) and the scales in `scales` ([`scales_len`](Self::scales_len) bytes: E8M0
    /// codes for MX, E4M3 codes for NVFP4, the scale type's bytes then the zero points for
    /// the others). Returns the tensor scale in the profile's convention
    /// ([`tensor_scale`](Self::tensor_scale); 1.0 for formats without one).
    /// [`dequantize`](Self::dequantize) of the result gives exactly what
    /// [`quantize_dequantize`](Self::quantize_dequantize) gives.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let bf = BlockFormat::MXFP4;
    /// let x = [0.3f32, -1.7, 2.5, 6.1];
    /// let (mut codes, mut scales) = (vec![0u8; bf.codes_len(4).unwrap()], vec![0u8; bf.scale_count(4)]);
    /// let s = bf.quantize(&x, &mut codes, &mut scales).unwrap();
    /// assert_eq!(scales, [127 + 0]); // X = 2^(floor(log2 6.1) - 2) = 1
    /// let mut y = [0f32; 4];
    /// bf.dequantize(&codes, &scales, s, &mut y).unwrap();
    /// assert_eq!(y, [0.5, -1.5, 2.0, 6.0]);
    /// ```
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer has the wrong size.
    pub fn quantize<T: Real32>(
        &self,
        x: &[T],
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        self.quantize_with(Backend::best(), x, codes, scales)
    }

    /// [`quantize`](Self::quantize) on a chosen backend.
    ///
    /// # Errors
    /// As `quantize`, and [`Error::Unsupported`] if the CPU lacks the backend.
    ///
    /// ```
    /// use lowbit::{Backend, BlockFormat};
    /// let x = [0.3f32, -1.7, 2.5, 6.1];
    /// let mut want = ([0u8; 2], [0u8; 1]);
    /// BlockFormat::MXFP4.quantize_with(Backend::Scalar, &x, &mut want.0, &mut want.1).unwrap();
    /// for b in Backend::available() {
    ///     let mut got = ([0u8; 2], [0u8; 1]);
    ///     BlockFormat::MXFP4.quantize_with(b, &x, &mut got.0, &mut got.1).unwrap();
    ///     assert_eq!(got, want);
    /// }
    /// ```
    pub fn quantize_with<T: Real32>(
        &self,
        backend: Backend,
        x: &[T],
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        run::quantize(self, backend, x, x.len(), None, codes, scales)
    }

    /// [`quantize`](Self::quantize) of a slice that is a shard of a larger tensor whose
    /// largest magnitude `tensor_amax` is given instead of measured (or a calibrated amax):
    /// it sets NVFP4's tensor scale and the scale of a whole-tensor region; elements beyond
    /// what it allows saturate. Other formats ignore it.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// // Two shards of one tensor quantized separately with the tensor's amax agree with
    /// // the whole tensor quantized at once.
    /// let bf = BlockFormat::NVFP4;
    /// let x: Vec<f32> = (0..64).map(|i| (i as f32 - 20.0) * 0.37).collect();
    /// let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    /// let (mut c, mut s) = (vec![0u8; 32], vec![0u8; 4]);
    /// let t = bf.quantize(&x, &mut c, &mut s).unwrap();
    /// let (mut c2, mut s2) = (vec![0u8; 32], vec![0u8; 4]);
    /// let t0 = bf.quantize_shard(&x[..32], amax, &mut c2[..16], &mut s2[..2]).unwrap();
    /// let t1 = bf.quantize_shard(&x[32..], amax, &mut c2[16..], &mut s2[2..]).unwrap();
    /// assert_eq!((c, s, t), (c2, s2, t0));
    /// assert_eq!(t0, t1);
    /// ```
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer has the wrong size.
    pub fn quantize_shard<T: Real32>(
        &self,
        x: &[T],
        tensor_amax: f32,
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        run::quantize(
            self,
            Backend::best(),
            x,
            x.len(),
            Some(tensor_amax),
            codes,
            scales,
        )
    }

    /// Quantizes a row-major 2-D tensor with `cols` columns into stored form: row `r` has
    /// its codes at `codes[r·L..(r+1)·L]` with `L = `[`codes_len`](Self::codes_len)`(cols)` (a
    /// row ends on a byte boundary; the unused bits of its last byte are 0) and the scales
    /// row-major over (band of rows, region of the row). For block regions this is the
    /// layout of gpt-oss's `blocks`/`scales` and ModelOpt's `weight`/`weight_scale` for a
    /// `[rows, cols]` weight. NVFP4's tensor scale comes from the whole tensor; it is
    /// returned.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `cols` is 0 while `x` is not empty; [`Error::Length`] if
    /// `x.len()` is not a multiple of `cols` or a buffer has the wrong size.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let bf = BlockFormat::MXFP4;
    /// let x = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 rows x 3 columns
    /// let (mut codes, mut scales) = ([0u8; 4], [0u8; 2]); // 2 bytes and 1 scale per row
    /// bf.quantize_rows(&x, 3, &mut codes, &mut scales).unwrap();
    /// let mut y = [0f32; 6];
    /// bf.dequantize_rows(&codes, &scales, 1.0, 3, &mut y).unwrap();
    /// assert_eq!(y, [1.0, 2.0, 3.0, 4.0, 4.0, 6.0]); // 5 is a tie of 4 and 6
    /// ```
    pub fn quantize_rows<T: Real32>(
        &self,
        x: &[T],
        cols: usize,
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        self.quantize_rows_with(Backend::best(), x, cols, codes, scales)
    }

    /// [`quantize_rows`](Self::quantize_rows) on a chosen backend.
    ///
    /// # Errors
    /// As `quantize_rows`, and [`Error::Unsupported`] if the CPU lacks the backend.
    ///
    /// ```
    /// use lowbit::{Backend, BlockFormat};
    /// let (mut c, mut s) = ([0u8; 2], [0u8; 2 * 4]);
    /// BlockFormat::FP8_E4M3_CHANNEL.quantize_rows_with(Backend::Portable, &[1.0f32, -448.0], 1, &mut c, &mut s).unwrap();
    /// assert_eq!(c, [0x7E, 0xFE]); // each row is its own max: ±448
    /// ```
    pub fn quantize_rows_with<T: Real32>(
        &self,
        backend: Backend,
        x: &[T],
        cols: usize,
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        run::quantize(self, backend, x, cols, None, codes, scales)
    }

    /// [`quantize_rows`](Self::quantize_rows) of a row shard of a larger tensor whose
    /// largest magnitude is given (see [`quantize_shard`](Self::quantize_shard)).
    ///
    /// # Errors
    /// As [`quantize_rows`](Self::quantize_rows).
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let (mut c, mut s) = ([0u8; 2], [0u8; 4]);
    /// // A per-tensor scale from a calibrated amax of 896: the scale is 2.
    /// BlockFormat::FP8_E4M3_TENSOR.quantize_rows_shard(&[2.0f32, -4.0], 2, 896.0, &mut c, &mut s).unwrap();
    /// assert_eq!(f32::from_le_bytes(s), 2.0);
    /// ```
    pub fn quantize_rows_shard<T: Real32>(
        &self,
        x: &[T],
        cols: usize,
        tensor_amax: f32,
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        run::quantize(
            self,
            Backend::best(),
            x,
            cols,
            Some(tensor_amax),
            codes,
            scales,
        )
    }

    /// Reconstructs values from [`quantize`](Self::quantize)'s stored form: MX
    /// `X · element` (a NaN scale gives a NaN block), NVFP4 as the profile dequantizes
    /// (see [`Nvfp4Profile`](crate::Nvfp4Profile)) with `tensor_scale` in the profile's convention, affine
    /// `s · (q − z)`, absmax and absmean `q · s` (BitNet activations `q / s`). Other
    /// formats ignore `tensor_scale`.
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer has the wrong size.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// // One MXFP4 block: scale byte 128 (X = 2), codes 2 (1.0) and 15 (-6.0).
    /// let mut y = [0f32; 2];
    /// BlockFormat::MXFP4.dequantize(&[0xF2], &[128], 1.0, &mut y).unwrap();
    /// assert_eq!(y, [2.0, -12.0]);
    /// ```
    pub fn dequantize<T: Real32>(
        &self,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        out: &mut [T],
    ) -> Result<(), Error> {
        self.dequantize_with(Backend::best(), codes, scales, tensor_scale, out)
    }

    /// [`dequantize`](Self::dequantize) on a chosen backend.
    ///
    /// # Errors
    /// As `dequantize`, and [`Error::Unsupported`] if the CPU lacks the backend.
    ///
    /// ```
    /// use half::f16;
    /// use lowbit::{Backend, BlockFormat};
    /// let mut y = [f16::ZERO; 2];
    /// BlockFormat::MXFP4.dequantize_with(Backend::Scalar, &[0xF2], &[128], 1.0, &mut y).unwrap();
    /// assert_eq!(y, [f16::from_f32(2.0), f16::from_f32(-12.0)]);
    /// ```
    pub fn dequantize_with<T: Real32>(
        &self,
        backend: Backend,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        out: &mut [T],
    ) -> Result<(), Error> {
        let cols = out.len();
        run::dequantize(self, backend, codes, scales, tensor_scale, cols, out)
    }

    /// Reconstructs a row-major 2-D tensor with `cols` columns from
    /// [`quantize_rows`](Self::quantize_rows)'s layout.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `cols` is 0 while `out` is not empty; [`Error::Length`] if
    /// `out.len()` is not a multiple of `cols` or a buffer has the wrong size.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// // Two rows of one MXFP4 element each: one byte and one scale per row.
    /// let mut y = [0f32; 2];
    /// BlockFormat::MXFP4.dequantize_rows(&[0x02, 0x07], &[127, 126], 1.0, 1, &mut y).unwrap();
    /// assert_eq!(y, [1.0, 3.0]);
    /// ```
    pub fn dequantize_rows<T: Real32>(
        &self,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        cols: usize,
        out: &mut [T],
    ) -> Result<(), Error> {
        self.dequantize_rows_with(Backend::best(), codes, scales, tensor_scale, cols, out)
    }

    /// [`dequantize_rows`](Self::dequantize_rows) on a chosen backend.
    ///
    /// # Errors
    /// As `dequantize_rows`, and [`Error::Unsupported`] if the CPU lacks the backend.
    ///
    /// ```
    /// use lowbit::{Backend, BlockFormat};
    /// let mut y = [0f32; 2];
    /// BlockFormat::MXFP4.dequantize_rows_with(Backend::Portable, &[0x02, 0x07], &[127, 126], 1.0, 1, &mut y).unwrap();
    /// assert_eq!(y, [1.0, 3.0]);
    /// ```
    pub fn dequantize_rows_with<T: Real32>(
        &self,
        backend: Backend,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        cols: usize,
        out: &mut [T],
    ) -> Result<(), Error> {
        run::dequantize(self, backend, codes, scales, tensor_scale, cols, out)
    }

    /// Quantizes `x` and dequantizes it again in one pass (fake quantization): `out[i]` is
    /// the value a real quantize followed by a dequantize gives.
    ///
    /// MX: blocks of `block_len` consecutive elements share `X = 2^k` (see
    /// [`BlockFormat::mx_scale_code`]); elements round (nearest even by default) and
    /// saturate; `out = X · element`, exact in f32. A NaN scale makes its block NaN. A
    /// trailing partial block behaves as if padded with zeros.
    ///
    /// NVFP4: the whole slice is the tensor, computed as the [`Nvfp4Profile`](crate::Nvfp4Profile) does. The
    /// default, TransformerEngine's recipe in f32: `S_enc = 2688 / amax` (1 if amax is 0 or
    /// S_enc is 0; at most `f32::MAX`), `s = e4m3_rne_sat(block_amax · (S_enc · fl(1/6)))`,
    /// `S_dec = 1/S_enc`, `enc = min(1 / (s · S_dec), f32::MAX)`, `q = e2m1_rne_sat(x · enc)`,
    /// `out = (q · s) · S_dec`. The sign of a zero output is not specified.
    ///
    /// # Errors
    /// [`Error::Length`] if `out.len() != x.len()`.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let x = [1.0f32, -2.5, 0.26, 3.0];
    /// let mut y = [0f32; 4];
    /// BlockFormat::MXFP4.quantize_dequantize(&x, &mut y).unwrap();
    /// assert_eq!(y, [1.0, -2.0, 0.25, 3.0]); // 0.26 / 0.5 rounds to 0.5, times X = 0.5
    /// assert!(BlockFormat::MXFP4.quantize_dequantize(&x, &mut y[..3]).is_err());
    /// ```
    pub fn quantize_dequantize<T: Real32>(&self, x: &[T], out: &mut [T]) -> Result<(), Error> {
        self.quantize_dequantize_with(Backend::best(), x, out)
    }

    /// [`quantize_dequantize`](Self::quantize_dequantize) on a chosen backend:
    /// [`Backend::Scalar`] is the definition, element by element.
    ///
    /// # Errors
    /// As `quantize_dequantize`, and [`Error::Unsupported`] if the CPU lacks the backend.
    ///
    /// ```
    /// use lowbit::{Backend, BlockFormat};
    /// let x = [1.0f32, -2.5, 0.26, 3.0];
    /// let mut want = [0f32; 4];
    /// BlockFormat::NVFP4.quantize_dequantize_with(Backend::Scalar, &x, &mut want).unwrap();
    /// for b in Backend::available() {
    ///     let mut got = [0f32; 4];
    ///     BlockFormat::NVFP4.quantize_dequantize_with(b, &x, &mut got).unwrap();
    ///     assert_eq!(got, want);
    /// }
    /// ```
    pub fn quantize_dequantize_with<T: Real32>(
        &self,
        backend: Backend,
        x: &[T],
        out: &mut [T],
    ) -> Result<(), Error> {
        run::quantize_dequantize(self, backend, x, x.len(), None, out)
    }

    /// [`quantize_dequantize`](Self::quantize_dequantize) with the tensor's largest magnitude
    /// given (see [`quantize_shard`](Self::quantize_shard)).
    ///
    /// # Errors
    /// [`Error::Length`] if `out.len() != x.len()`.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let x = [1.0f32, 2.0, 3.0, 4.0];
    /// let (mut a, mut b) = ([0f32; 4], [0f32; 4]);
    /// BlockFormat::NVFP4.quantize_dequantize(&x, &mut a).unwrap();
    /// // The same slice as a shard of a tensor whose amax is 4: the same result.
    /// BlockFormat::NVFP4.quantize_dequantize_shard(&x, 4.0, &mut b).unwrap();
    /// assert_eq!(a, b);
    /// ```
    pub fn quantize_dequantize_shard<T: Real32>(
        &self,
        x: &[T],
        tensor_amax: f32,
        out: &mut [T],
    ) -> Result<(), Error> {
        run::quantize_dequantize(self, Backend::best(), x, x.len(), Some(tensor_amax), out)
    }

    /// Fake quantization of a row-major 2-D tensor with `cols` columns (see
    /// [`quantize_rows`](Self::quantize_rows)).
    ///
    /// # Errors
    /// [`Error::Parameter`] if `cols` is 0 while `x` is not empty, [`Error::Length`] if
    /// `x.len()` is not a multiple of `cols` or `out.len() != x.len()`.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// // Two rows of 3: each row is its own (partial) block.
    /// let x = [1.0f32, 2.0, 3.0, 0.1, 0.2, 0.3];
    /// let mut y = [0f32; 6];
    /// BlockFormat::MXFP4.quantize_dequantize_rows(&x, 3, &mut y).unwrap();
    /// assert_eq!(&y[..3], &[1.0, 2.0, 3.0]);
    /// assert!(BlockFormat::MXFP4.quantize_dequantize_rows(&x, 4, &mut y).is_err());
    /// ```
    pub fn quantize_dequantize_rows<T: Real32>(
        &self,
        x: &[T],
        cols: usize,
        out: &mut [T],
    ) -> Result<(), Error> {
        self.quantize_dequantize_rows_with(Backend::best(), x, cols, out)
    }

    /// [`quantize_dequantize_rows`](Self::quantize_dequantize_rows) on a chosen backend.
    ///
    /// # Errors
    /// As `quantize_dequantize_rows`, and [`Error::Unsupported`] if the CPU lacks the
    /// backend.
    ///
    /// ```
    /// use lowbit::{Backend, BlockFormat};
    /// let mut y = [0f32; 4];
    /// BlockFormat::INT4_G128.quantize_dequantize_rows_with(Backend::Scalar, &[0.0f32, 5.0, 10.0, 15.0], 4, &mut y).unwrap();
    /// assert_eq!(y, [0.0, 5.0, 10.0, 15.0]); // GPTQ: scale (15 − 0)/15 = 1, zero point 0
    /// ```
    pub fn quantize_dequantize_rows_with<T: Real32>(
        &self,
        backend: Backend,
        x: &[T],
        cols: usize,
        out: &mut [T],
    ) -> Result<(), Error> {
        run::quantize_dequantize(self, backend, x, cols, None, out)
    }

    /// [`quantize_dequantize_rows`](Self::quantize_dequantize_rows) of a row shard of a
    /// tensor whose largest magnitude is given (see [`quantize_shard`](Self::quantize_shard)).
    ///
    /// # Errors
    /// As `quantize_dequantize_rows`.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let mut y = [0f32; 2];
    /// BlockFormat::FP8_E4M3_TENSOR.quantize_dequantize_rows_shard(&[2.0f32, -3.0], 1, 448.0, &mut y).unwrap();
    /// assert_eq!(y, [2.0, -3.0]); // scale 1
    /// ```
    pub fn quantize_dequantize_rows_shard<T: Real32>(
        &self,
        x: &[T],
        cols: usize,
        tensor_amax: f32,
        out: &mut [T],
    ) -> Result<(), Error> {
        run::quantize_dequantize(self, Backend::best(), x, cols, Some(tensor_amax), out)
    }
}
