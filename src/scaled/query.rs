//! What a [`BlockFormat`] answers about itself: its parts, the sizes of its stored form, and
//! its scale rules applied to one largest magnitude.

use super::{AbsmaxProfile, BlockFormat, Nvfp4Profile, Region, ScaleType, Scheme};
use super::{absmax, mx, nvfp4, profile, shape};
use crate::element::ElementFormat;
use crate::error::Error;
use crate::round::Rounding;

impl BlockFormat {
    /// The element format (MXINT8 reports its int8 codes, without the implicit 2^−6).
    ///
    /// ```
    /// use lowbit::{BlockFormat, ElementFormat, Format};
    /// assert_eq!(BlockFormat::MXFP6_E2M3.element(), ElementFormat::FLOAT6_E2M3FN);
    /// assert_eq!(BlockFormat::MXINT8.element().bits(), 8);
    /// ```
    #[must_use]
    pub const fn element(&self) -> ElementFormat {
        self.element
    }

    /// What one scale covers.
    ///
    /// ```
    /// use lowbit::{BlockFormat, Region};
    /// assert_eq!(BlockFormat::FP8_E4M3_DEEPSEEK_WEIGHTS.region(), Region::Tile { rows: 128, cols: 128 });
    /// ```
    #[must_use]
    pub const fn region(&self) -> Region {
        self.region
    }

    /// The block length, for formats whose region is a block of a row.
    ///
    /// ```
    /// assert_eq!(lowbit::BlockFormat::NVFP4.block_len(), Some(16));
    /// assert_eq!(lowbit::BlockFormat::FP8_E4M3_CHANNEL.block_len(), None);
    /// ```
    #[must_use]
    pub const fn block_len(&self) -> Option<usize> {
        match self.region {
            Region::Block(n) => Some(n),
            _ => None,
        }
    }

    /// The scheme.
    ///
    /// ```
    /// assert!(matches!(lowbit::BlockFormat::MXFP4.scheme(), lowbit::Scheme::Mx(_)));
    /// ```
    #[must_use]
    pub const fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The rounding of the elements.
    ///
    /// ```
    /// use lowbit::{BlockFormat, Rounding};
    /// assert_eq!(BlockFormat::MXFP4.rounding(), Rounding::NearestEven);
    /// ```
    #[must_use]
    pub const fn rounding(&self) -> Rounding {
        self.rounding
    }

    /// The storage type of f-type scales (affine, absmax and absmean schemes).
    ///
    /// ```
    /// use lowbit::{BlockFormat, ScaleType};
    /// assert_eq!(BlockFormat::FP8_E4M3_TENSOR.scale_type(), Some(ScaleType::F32));
    /// assert_eq!(BlockFormat::MXFP4.scale_type(), None);
    /// ```
    #[must_use]
    pub const fn scale_type(&self) -> Option<ScaleType> {
        match self.scheme {
            Scheme::Affine { scale, .. }
            | Scheme::Absmax { scale, .. }
            | Scheme::Absmean { scale } => Some(scale),
            _ => None,
        }
    }

    /// The absmax profile, for absmax formats.
    ///
    /// ```
    /// use lowbit::{AbsmaxProfile, BlockFormat};
    /// assert_eq!(BlockFormat::MXFP4.absmax_profile(), None);
    /// ```
    #[must_use]
    pub const fn absmax_profile(&self) -> Option<AbsmaxProfile> {
        match self.scheme {
            Scheme::Absmax { profile, .. } => Some(profile),
            _ => None,
        }
    }

    /// The scale's format as an element format: E8M0 for MX, E4M3 for NVFP4, float16 or
    /// bfloat16 for those scale types; `None` for f32 scales.
    ///
    /// ```
    /// use lowbit::{BlockFormat, ElementFormat};
    /// assert_eq!(BlockFormat::MXFP4.scale_format(), Some(ElementFormat::FLOAT8_E8M0FNU));
    /// assert_eq!(BlockFormat::NVFP4.scale_format(), Some(ElementFormat::FLOAT8_E4M3FN));
    /// assert_eq!(BlockFormat::INT4_G128.scale_format(), Some(ElementFormat::FLOAT16));
    /// ```
    #[must_use]
    pub const fn scale_format(&self) -> Option<ElementFormat> {
        match self.scheme {
            Scheme::Mx(_) | Scheme::MxProfiled { .. } => Some(ElementFormat::FLOAT8_E8M0FNU),
            Scheme::Nvfp4 { .. } => Some(ElementFormat::FLOAT8_E4M3FN),
            _ => match self.scale_type() {
                Some(ScaleType::F16) => Some(ElementFormat::FLOAT16),
                Some(ScaleType::Bf16) => Some(ElementFormat::BFLOAT16),
                _ => None,
            },
        }
    }

    /// Bytes of one stored scale (the zero point, where there is one, is stored apart).
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// assert_eq!(BlockFormat::MXFP4.scale_bytes(), 1);
    /// assert_eq!(BlockFormat::INT4_G128.scale_bytes(), 2);
    /// assert_eq!(BlockFormat::FP8_E4M3_CHANNEL.scale_bytes(), 4);
    /// ```
    #[must_use]
    pub const fn scale_bytes(&self) -> usize {
        match self.scale_type() {
            Some(s) => s.bytes(),
            None => 1,
        }
    }

    /// Whether the stored scales are followed by one zero-point byte per region.
    ///
    /// ```
    /// assert!(lowbit::BlockFormat::INT4_G128.has_zero_points());
    /// assert!(!lowbit::BlockFormat::MXFP4.has_zero_points());
    /// ```
    #[must_use]
    pub const fn has_zero_points(&self) -> bool {
        matches!(self.scheme, Scheme::Affine { .. })
    }

    /// Number of scales for `n` elements (one row): one per region, the last partial.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// assert_eq!(BlockFormat::MXFP4.scale_count(65), 3);
    /// assert_eq!(BlockFormat::FP8_E4M3_TENSOR.scale_count(65), 1);
    /// ```
    #[must_use]
    pub fn scale_count(&self, n: usize) -> usize {
        self.scale_count_rows(usize::from(n > 0), n)
            .unwrap_or(usize::MAX)
    }

    /// Number of scales for a `[rows, cols]` tensor.
    ///
    /// # Errors
    /// On a size overflow.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// assert_eq!(BlockFormat::FP8_E4M3_DEEPSEEK_WEIGHTS.scale_count_rows(129, 128).unwrap(), 2);
    /// assert_eq!(BlockFormat::MXFP4.scale_count_rows(3, 40).unwrap(), 6);
    /// ```
    pub fn scale_count_rows(&self, rows: usize, cols: usize) -> Result<usize, Error> {
        let len = crate::error::mul("tensor (rows × cols)", rows, cols)?;
        shape::Shape::new(self.region, len, cols.max(usize::from(len == 0)))?.scale_count()
    }

    /// Bytes of stored scales (and zero points) for `n` elements (one row).
    ///
    /// # Errors
    /// On a size overflow.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// assert_eq!(BlockFormat::INT4_G128.scales_len(256).unwrap(), 2 * (2 + 1));
    /// ```
    pub fn scales_len(&self, n: usize) -> Result<usize, Error> {
        self.scales_len_rows(usize::from(n > 0), n)
    }

    /// Bytes of stored scales (and zero points) for a `[rows, cols]` tensor.
    ///
    /// # Errors
    /// On a size overflow.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// assert_eq!(BlockFormat::FP8_E4M3_CHANNEL.scales_len_rows(3, 10).unwrap(), 3 * 4);
    /// ```
    pub fn scales_len_rows(&self, rows: usize, cols: usize) -> Result<usize, Error> {
        let count = self.scale_count_rows(rows, cols)?;
        crate::error::mul("scales", count, self.record_bytes())
    }

    /// The chunk unit of a 1-D slice: the fewest elements in whole blocks whose codes fill
    /// whole bytes (a multiple of the block length and of the element's
    /// [`chunk_unit`](ElementFormat::chunk_unit)). A slice cut at multiples of it gives, piece
    /// by piece, the codes and scale values of one call when each piece at element `start`
    /// uses `self.with_rounding(self.rounding().offset(start))` and, for NVFP4's tensor scale
    /// and whole-tensor regions, the `_shard` forms with the tensor's amax. `None` where
    /// one scale depends on the whole slice in another way (a row or tensor region of a
    /// non-absmax scheme): such formats run whole.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// assert_eq!(BlockFormat::MXFP4.chunk_unit(), Some(32));
    /// assert_eq!(BlockFormat::MXFP6_E3M2.with_block_len(6).unwrap().chunk_unit(), Some(12));
    /// assert_eq!(BlockFormat::FP8_E4M3_TENSOR.chunk_unit(), Some(1));
    /// assert_eq!(BlockFormat::BITNET_B158.chunk_unit(), None);
    /// ```
    #[must_use]
    pub fn chunk_unit(&self) -> Option<usize> {
        let e = self.element.chunk_unit();
        match (self.region, self.scheme) {
            (Region::Block(n), _) => {
                let (mut a, mut b) = (n, e);
                while b != 0 {
                    (a, b) = (b, a % b);
                }
                Some(n / a * e)
            }
            (Region::Tensor, Scheme::Absmax { .. }) => Some(e),
            _ => None,
        }
    }

    /// Stored bytes per region: the scale, and the zero point where there is one.
    pub(crate) const fn record_bytes(&self) -> usize {
        self.scale_bytes() + self.has_zero_points() as usize
    }

    /// Bytes of densely packed element codes for `n` elements (see [`pack`](crate::pack)).
    ///
    /// # Errors
    /// On a size overflow.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// assert_eq!(BlockFormat::MXFP4.codes_len(65).unwrap(), 33);
    /// assert_eq!(BlockFormat::MXFP6_E3M2.codes_len(4).unwrap(), 3);
    /// ```
    pub fn codes_len(&self, n: usize) -> Result<usize, Error> {
        shape::row_bytes(crate::element::Format::bits(&self.element), n)
    }

    /// Bytes of element codes for a `[rows, cols]` tensor (each row ends on a byte
    /// boundary).
    ///
    /// # Errors
    /// On a size overflow.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// assert_eq!(BlockFormat::MXFP4.codes_len_rows(2, 3).unwrap(), 4); // 2 bytes per row
    /// ```
    pub fn codes_len_rows(&self, rows: usize, cols: usize) -> Result<usize, Error> {
        shape::total("codes", rows, self.codes_len(cols)?)
    }

    /// The E8M0 code of an MX format's shared scale for a block whose largest magnitude is
    /// `amax`: amax = 0 gives code 0 (2^−127, as microxcaling and torchao); ±∞ or NaN the
    /// NaN code 0xFF (torchao gives ±∞ a finite byte, see [`MxProfile`](super::MxProfile)); exponents below
    /// −127 clamp to −127, above 127 give NaN. A library profile gives the byte that library
    /// stores. Other schemes get 0xFF.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// // E4M3 elements (emax 8): amax 300 has floor(log2) = 8, so k = 0 and the code is 127.
    /// assert_eq!(BlockFormat::MXFP8_E4M3.mx_scale_code(300.0), 127);
    /// assert_eq!(BlockFormat::MXFP8_E4M3.mx_scale_code(0.0), 0);
    /// assert_eq!(BlockFormat::MXFP8_E4M3.mx_scale_code(f32::NAN), 0xFF);
    /// ```
    #[must_use]
    pub fn mx_scale_code(&self, amax: f32) -> u8 {
        match self.scheme {
            Scheme::Mx(rule) => mx::Mx::new(&self.element, rule).scale_code(amax),
            Scheme::MxProfiled { profile, rule } => {
                let lib = profile::MxLib::new(self.element, profile, rule);
                lib.stored(&lib.scale(amax))
            }
            _ => 0xFF,
        }
    }

    /// The scale of an absmax format for a region whose largest magnitude is `amax`
    /// (rounded to the scale type); `None` for other schemes.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// assert_eq!(BlockFormat::FP8_E4M3_TENSOR.absmax_scale(896.0), Some(2.0));
    /// assert_eq!(BlockFormat::FP8_E4M3_TENSOR.absmax_scale(0.0), Some(1e-4 / 448.0)); // amax clamped at 1e-4
    /// ```
    #[must_use]
    pub fn absmax_scale(&self, amax: f32) -> Option<f32> {
        match self.scheme {
            Scheme::Absmax {
                profile,
                scale,
                pow2,
            } if profile.suffix().is_some() => {
                Some(absmax::lib_scale(profile, scale, pow2, absmax::fmax(&self.element), amax).0)
            }
            Scheme::Absmax {
                profile,
                scale,
                pow2,
            } => Some(scale.round(absmax::scale(
                profile,
                pow2,
                absmax::fmax(&self.element),
                amax,
            ))),
            _ => None,
        }
    }

    /// The tensor scale NVFP4 stores for a tensor whose largest magnitude is `amax`, in the
    /// profile's convention (see [`Nvfp4Profile`]): the decode scale for TransformerEngine,
    /// torchao and ModelOpt, the encode scale for compressed-tensors; 1.0 for single-level
    /// NVFP4 and for other schemes.
    ///
    /// ```
    /// use lowbit::{BlockFormat, Nvfp4Profile};
    /// assert_eq!(BlockFormat::nvfp4(Nvfp4Profile::ModelOpt).tensor_scale(5376.0), 2.0);
    /// assert_eq!(BlockFormat::nvfp4(Nvfp4Profile::CompressedTensors).tensor_scale(5376.0), 0.5);
    /// ```
    #[must_use]
    pub fn tensor_scale(&self, amax: f32) -> f32 {
        match self.scheme {
            Scheme::Nvfp4 { profile, two_level } => {
                crate::element::stored_f32(nvfp4::NvTensor::from_amax(profile, two_level, amax).t)
            }
            _ => 1.0,
        }
    }

    /// Re-labels an NVFP4 tensor stored by this format's profile as `to`'s stored form,
    /// without re-quantizing: the element codes are shared; the tensor scale changes
    /// convention (the decode scale of TransformerEngine, torchao and ModelOpt ⇄ the encode
    /// scale of compressed-tensors: one f32 reciprocal); all-zero blocks get `to`'s zero-block
    /// scale byte. Returns the new tensor scale; `scales` is rewritten in place.
    ///
    /// Dequantizing the result with `to` gives this profile's values exactly when the
    /// tensor scale is a power of two, and otherwise within one f32 rounding of them (the
    /// ecosystems apply the tensor scale by multiplying or dividing, and `1/t` rounds). To
    /// reproduce the bytes `to`'s own quantizer writes, quantize again with `to` instead.
    ///
    /// ```
    /// use lowbit::{BlockFormat, Nvfp4Profile};
    /// let mo = BlockFormat::nvfp4(Nvfp4Profile::ModelOpt);
    /// let x: Vec<f32> = (0..32).map(|i| if i < 16 { 0.0 } else { i as f32 - 20.0 }).collect();
    /// let (mut codes, mut scales) = (vec![0u8; 16], vec![0u8; 2]);
    /// let g = mo.quantize(&x, &mut codes, &mut scales).unwrap(); // weight_scale_2
    /// assert_eq!(scales[0], 0x38); // ModelOpt's zero block
    /// let gs = mo.convert_nvfp4_stored(Nvfp4Profile::CompressedTensors, &codes, &mut scales, g).unwrap();
    /// assert_eq!((scales[0], gs), (0x20, 1.0 / g)); // weight_global_scale
    /// ```
    ///
    /// # Errors
    /// [`Error::Unsupported`] for formats that are not NVFP4; [`Error::Length`] if `scales`
    /// does not have one byte per block of the elements in `codes`.
    pub fn convert_nvfp4_stored(
        &self,
        to: Nvfp4Profile,
        codes: &[u8],
        scales: &mut [u8],
        tensor_scale: f32,
    ) -> Result<f32, Error> {
        let (Scheme::Nvfp4 { profile, .. }, Region::Block(bl)) = (self.scheme, self.region) else {
            return Err(Error::Unsupported("only NVFP4 has profiles"));
        };
        nvfp4::convert_stored(profile, to, bl, codes, scales, tensor_scale)
    }
}
