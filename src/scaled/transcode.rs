//! Transcoding a stored tensor from one block format into another, exactly where the values
//! allow: the W4A8 recipe (FP4 weights with power-of-two scales re-expressed as FP8, a bit
//! shift per group), MXFP4 ⇄ NVFP4.

use alloc::vec;

use super::{BlockFormat, Region, Scheme};
use crate::arch::Backend;
use crate::element::{ElementFormat, Format};
use crate::error::Error;
use crate::pack::{self, Layout};
use crate::round::{Overflow, Rounding};

/// The result of [`BlockFormat::transcode_rows`]: the target's tensor scale (in its
/// profile's convention; 1.0 for formats without one) and whether the transcoded tensor
/// dequantizes to exactly the source's values (bit for bit, every NaN as NaN).
///
/// ```
/// use lowbit::{BlockFormat, Transcoded};
/// let t = Transcoded { tensor_scale: 1.0, exact: true };
/// assert!(t.exact);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transcoded {
    /// The target's tensor scale.
    pub tensor_scale: f32,
    /// Whether the target's values equal the source's exactly.
    pub exact: bool,
}

impl BlockFormat {
    /// Re-expresses a `[rows, cols]` tensor stored in this format (`codes`, `scales`,
    /// `tensor_scale`, as [`quantize_rows`](Self::quantize_rows) wrote them; a 1-D tensor is
    /// one row) in `to`'s stored form, on the best backend, and says whether that is exact.
    ///
    /// How: the source's values (computed as [`dequantize_rows`](Self::dequantize_rows)
    /// does, internally) are quantized by `to`'s own rule, except MX with E2M1 elements into
    /// NVFP4, whose scale rules never give powers of two: there the element codes are kept
    /// and each 16-element block gets the E4M3 scale `2^(k − 127 − e)` of its MX block (E8M0
    /// code `k`) with a power-of-two tensor scale `2^e` chosen so the largest block's scale
    /// is 2^8, which is exact for every block within 2^17 of the largest (all-zero blocks
    /// take the profile's zero-block byte; other blocks are re-rounded). Exactness is then
    /// checked by dequantizing both (so `exact` is a fact, not a promise):
    ///
    /// | from → to | exact when |
    /// |---|---|
    /// | E2M1 elements with power-of-two scales (`mxfp4`, `absmax_float4_e2m1fn_g32_ue8m0`) → FP8 E4M3 with power-of-two scales (`fp8_e4m3_row_ue8m0`, …) | every group's values stay on E4M3's grid after the shift: about 2^14 of spread between a row's groups (E4M3's 17 binades less the 3 that E2M1's values span; ZeroQuant-FP's W4A8, where the FP4 → FP8 cast is a bit shift) |
    /// | `mxfp4` → `nvfp4` (any profile, two-level) | every nonzero block's scale within 2^17 of the largest (`nvfp4_modelopt`: and no −0 code, which ModelOpt reads as +0) |
    /// | `nvfp4` → `mxfp4` | every 32-block's two scales · tensor scale are powers of two that one E8M0 scale covers (the MX FLOOR rule finds it) |
    /// | INT4 with power-of-two scales (`absmax_int4_g32_ue8m0`) → FP8 E4M3 | as E2M1 (every int4 value is an E4M3 value) |
    ///
    /// # Errors
    /// [`Error::Length`] for buffers of the wrong size (`codes`, `scales` as this format
    /// stores `[rows, cols]`; `out_codes`, `out_scales` as `to` does; the row count is
    /// `codes.len()` over the bytes of one row).
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// // ZeroQuant-FP W4A8: FP4 weights with power-of-two group scales, cast to FP8 rows.
    /// let w4: BlockFormat = "absmax_float4_e2m1fn_g32_ue8m0".parse().unwrap();
    /// let a8: BlockFormat = "fp8_e4m3_row_ue8m0".parse().unwrap();
    /// let x: Vec<f32> = (0..128).map(|i| ((i * 37 % 29) as f32 - 14.0) * 0.01 * (1 + i / 32) as f32).collect();
    /// let (mut c4, mut s4) = (vec![0u8; w4.codes_len_rows(2, 64).unwrap()], vec![0u8; w4.scales_len_rows(2, 64).unwrap()]);
    /// let t = w4.quantize_rows(&x, 64, &mut c4, &mut s4).unwrap();
    /// let (mut c8, mut s8) = (vec![0u8; a8.codes_len_rows(2, 64).unwrap()], vec![0u8; a8.scales_len_rows(2, 64).unwrap()]);
    /// let r = w4.transcode_rows(&a8, &c4, &s4, t, 64, &mut c8, &mut s8).unwrap();
    /// assert!(r.exact);
    /// let (mut y4, mut y8) = (vec![0f32; 128], vec![0f32; 128]);
    /// w4.dequantize_rows(&c4, &s4, t, 64, &mut y4).unwrap();
    /// a8.dequantize_rows(&c8, &s8, r.tensor_scale, 64, &mut y8).unwrap();
    /// assert_eq!(y4, y8);
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn transcode_rows(
        &self,
        to: &BlockFormat,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        cols: usize,
        out_codes: &mut [u8],
        out_scales: &mut [u8],
    ) -> Result<Transcoded, Error> {
        self.transcode_rows_with(
            Backend::best(),
            to,
            codes,
            scales,
            tensor_scale,
            cols,
            out_codes,
            out_scales,
        )
    }

    /// [`transcode_rows`](Self::transcode_rows) on a chosen backend (the same bytes on
    /// every backend).
    ///
    /// # Errors
    /// As `transcode_rows`, and [`Error::Unsupported`] if the CPU lacks the backend.
    ///
    /// ```
    /// use lowbit::{Backend, BlockFormat};
    /// let x: Vec<f32> = (0..64).map(|i| (i as f32 - 30.0) / 8.0).collect();
    /// let (mut c, mut s) = (vec![0u8; 32], vec![0u8; 2]);
    /// let t = BlockFormat::MXFP4.quantize(&x, &mut c, &mut s).unwrap();
    /// let (mut c2, mut s2) = (vec![0u8; 32], vec![0u8; 4]);
    /// let r = BlockFormat::MXFP4
    ///     .transcode_rows_with(Backend::Scalar, &BlockFormat::NVFP4, &c, &s, t, 64, &mut c2, &mut s2)
    ///     .unwrap();
    /// assert!(r.exact && c2 == c); // the element codes are kept
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn transcode_rows_with(
        &self,
        backend: Backend,
        to: &BlockFormat,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        cols: usize,
        out_codes: &mut [u8],
        out_scales: &mut [u8],
    ) -> Result<Transcoded, Error> {
        backend.path()?;
        let rb = self.codes_len(cols)?;
        let rows = codes.len().checked_div(rb).unwrap_or(0);
        Error::check_len("block codes", self.codes_len_rows(rows, cols)?, codes.len())?;
        Error::check_len(
            "block scales",
            self.scales_len_rows(rows, cols)?,
            scales.len(),
        )?;
        Error::check_len(
            "target codes",
            to.codes_len_rows(rows, cols)?,
            out_codes.len(),
        )?;
        Error::check_len(
            "target scales",
            to.scales_len_rows(rows, cols)?,
            out_scales.len(),
        )?;
        let n = crate::error::mul("tensor (rows × cols)", rows, cols)?;
        let mut x = vec![0f32; n];
        self.dequantize_rows_with(backend, codes, scales, tensor_scale, cols, &mut x)?;
        let t = match self.mx_to_nvfp4(to) {
            Some(profile_two_level) => mx_to_nvfp4(
                self,
                to,
                profile_two_level,
                codes,
                scales,
                rows,
                cols,
                out_codes,
                out_scales,
            ),
            None => to.quantize_rows_with(backend, &x, cols, out_codes, out_scales)?,
        };
        let mut y = vec![0f32; n];
        to.dequantize_rows_with(backend, out_codes, out_scales, t, cols, &mut y)?;
        let exact = x
            .iter()
            .zip(&y)
            .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
        Ok(Transcoded {
            tensor_scale: t,
            exact,
        })
    }

    /// `Some(two_level)` when this is MX with E2M1 elements in blocks that `to`'s NVFP4
    /// blocks tile.
    fn mx_to_nvfp4(&self, to: &BlockFormat) -> Option<bool> {
        match (self.scheme, self.region, to.scheme, to.region) {
            (
                Scheme::Mx(_),
                Region::Block(m),
                Scheme::Nvfp4 { two_level, .. },
                Region::Block(v),
            ) if self.element == ElementFormat::FLOAT4_E2M1FN && m % v == 0 => Some(two_level),
            _ => None,
        }
    }
}

/// MX E2M1 into NVFP4 with power-of-two scales (see [`BlockFormat::transcode_rows`]);
/// returns the tensor scale in `to`'s convention. The buffers have been checked.
#[allow(clippy::too_many_arguments)]
fn mx_to_nvfp4(
    from: &BlockFormat,
    to: &BlockFormat,
    two_level: bool,
    codes: &[u8],
    scales: &[u8],
    rows: usize,
    cols: usize,
    out_codes: &mut [u8],
    out_scales: &mut [u8],
) -> f32 {
    let (Region::Block(m), Region::Block(v), Scheme::Nvfp4 { profile, .. }) =
        (from.region, to.region, to.scheme)
    else {
        unreachable!("checked by mx_to_nvfp4")
    };
    let e2m1 = ElementFormat::FLOAT4_E2M1FN;
    let (mb, vb) = (cols.div_ceil(m), cols.div_ceil(v));
    let rb = cols.div_ceil(2);
    out_codes.copy_from_slice(codes);
    let mut q = vec![0u8; cols];
    // Whether NVFP4 block `j` of row `r` holds a nonzero code.
    let nonzero = |row: &[u8], j: usize| {
        let (a, b) = (j * v, ((j + 1) * v).min(cols));
        (a..b).any(|i| (row[i / 2] >> (4 * (i & 1))) & 7 != 0)
    };
    // The largest E8M0 code of a block that holds a nonzero value.
    let mut kmax: Option<i32> = None;
    for r in 0..rows {
        let row = &codes[r * rb..(r + 1) * rb];
        for j in 0..vb {
            let k = scales[r * mb + j * v / m];
            if k != 0xFF && nonzero(row, j) {
                kmax = Some(kmax.map_or(k as i32, |x| x.max(k as i32)));
            }
        }
    }
    // The tensor scale 2^e (decode convention): the largest block at 2^8, within f32 (and,
    // for compressed-tensors' reciprocal convention, its reciprocal too).
    let e = match (two_level, kmax) {
        (true, Some(k)) => (k - 135).clamp(-127, 127),
        _ => 0,
    };
    let dec = crate::element::convert::pow2_f64(e) as f32;
    for r in 0..rows {
        let (row, orow) = (
            &codes[r * rb..(r + 1) * rb],
            &mut out_codes[r * rb..(r + 1) * rb],
        );
        for j in 0..vb {
            let k = scales[r * mb + j * v / m];
            let out = &mut out_scales[r * vb + j];
            if k == 0xFF {
                *out = 0x7F; // NaN scale: NaN values, as in MX
                continue;
            }
            if !nonzero(row, j) {
                *out = profile.zero_block_scale();
                continue;
            }
            let se = k as i32 - 127 - e;
            let sc = se.clamp(-9, 8);
            *out = ElementFormat::FLOAT8_E4M3FN.encode_f64(
                crate::element::convert::pow2_f64(sc),
                Rounding::NearestEven,
                Overflow::Saturate,
            ) as u8;
            if sc != se {
                // Outside E4M3's powers of two: the elements re-rounded onto the nearest
                // scale (not exact; `transcode_rows` reports it).
                let (a, b) = (j * v, ((j + 1) * v).min(cols));
                let shift = crate::element::convert::pow2_f64(se - sc);
                let _ = pack::unpack(&*orow, 4, Layout::Dense, &mut q[..]);
                for c in &mut q[a..b] {
                    let val = e2m1.decode_f64(*c as u32) * shift;
                    *c = e2m1.encode_f64(val, Rounding::NearestEven, Overflow::Saturate) as u8;
                }
                let _ = pack::pack(&q[..], 4, Layout::Dense, orow);
            }
        }
    }
    match profile {
        super::Nvfp4Profile::CompressedTensors if two_level => {
            crate::element::convert::pow2_f64(-e) as f32
        }
        _ => dec,
    }
}
