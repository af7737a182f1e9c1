//! Scaled formats, in one model: an element format × a scale over a region × a scheme (how
//! the scale is chosen and stored) × an element rounding.
//!
//! Every scaled format of the crate is a [`BlockFormat`] value:
//!
//! | scheme | element | region | scale stored as | e.g. |
//! |---|---|---|---|---|
//! | [`Scheme::Mx`] | FP8/FP6/FP4, MXINT8 | `Block(32)` | E8M0 byte | `mxfp4`, `mxfp8_e4m3_rceil` |
//! | [`Scheme::MxProfiled`] | FP8/FP6/FP4 | `Block(32)` | E8M0 byte | `mxfp4_torchao`, `mxfp4_modelopt` |
//! | [`Scheme::Nvfp4`] | E2M1 | `Block(16)` | E4M3 byte (+ f32 tensor scale) | `nvfp4`, `nvfp4_modelopt` |
//! | [`Scheme::Affine`] | `uint{2..8}` | `Block(g)` | f16/bf16/f32 + zero point | `int4_g128`, `int4_g128_awq` |
//! | [`Scheme::Absmax`] | FP8, int8 | tensor, row, tile | f32 (or pow2) | `fp8_e4m3_row`, `fp8_e4m3_t128x128`, `bitnet_a8` |
//! | [`Scheme::Absmean`] | ternary | tensor, row, block | f32 | `bitnet_b158` |
//!
//! Every operation works on a 1-D slice (the slice is one row) or on the rows of a 2-D
//! row-major tensor (`*_rows`). A block or tile that runs past the end of a row or tensor is
//! partial: it behaves as if padded with zeros, and the padding is never stored.
//!
//! The stored form is, per tensor: the element codes, each row packed densely
//! ([`crate::pack`]'s little-endian layout; a row ends on a byte boundary); and the scales,
//! one per region, row-major over (row band, region of the row), each in its storage
//! format's little-endian bytes ([`BlockFormat::scale_bytes`]), followed, for formats with
//! zero points, by one zero-point byte per region in the same order. NVFP4's tensor scale is
//! returned (and taken) as an f32.
//!
//! Each operation has a form on the best backend and a `_with` form pinned to a
//! [`Backend`](crate::Backend); `_rows` forms take a 2-D tensor; `_shard` forms take the tensor's largest
//! magnitude instead of measuring it (a shard of a larger tensor, or a calibrated amax).

mod absmax;
mod affine;
mod mx;
mod name;
mod nvfp4;
mod ops;
mod profile;
mod query;
mod run;
mod scale;
pub(crate) mod shape;
mod torch;
#[cfg(feature = "alloc")]
mod transcode;

pub use absmax::AbsmaxProfile;
pub use affine::{AffineRule, ScaleType};
pub use mx::MxScaleRule;
pub use nvfp4::Nvfp4Profile;
pub use profile::MxProfile;
pub use shape::Region;
#[cfg(feature = "alloc")]
pub use transcode::Transcoded;

use crate::element::ElementFormat;
use crate::error::Error;
use crate::round::Rounding;
use crate::spec::{IntSpec, must_int};

/// How a [`BlockFormat`]'s scales are chosen and stored.
///
/// ```
/// use lowbit::{BlockFormat, MxScaleRule, Nvfp4Profile, Scheme};
/// assert_eq!(BlockFormat::MXFP4.scheme(), Scheme::Mx(MxScaleRule::Floor));
/// assert_eq!(
///     BlockFormat::NVFP4.scheme(),
///     Scheme::Nvfp4 { profile: Nvfp4Profile::TransformerEngine, two_level: true }
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// OCP MX: one E8M0 power-of-two scale per region, by the given rule.
    Mx(MxScaleRule),
    /// MX as a library computes it (see [`MxProfile`]): its scale rule, element casts and
    /// stored bytes, byte for byte.
    MxProfiled {
        /// Whose recipe.
        profile: MxProfile,
        /// The scale rule (ModelOpt's and compressed-tensors' are fixed: RCEIL and EVEN).
        rule: MxScaleRule,
    },
    /// NVFP4: an E4M3 scale per block of E2M1 elements and, when `two_level`, one f32 scale
    /// for the tensor. Single-level NVFP4 (`two_level == false`) computes everything as if
    /// the tensor scale were 1 (torchao's `per_tensor_scale=None`).
    Nvfp4 {
        /// Whose recipe.
        profile: Nvfp4Profile,
        /// Whether a tensor scale is computed (from the tensor's amax) and stored.
        two_level: bool,
    },
    /// An f-type scale and an integer zero point per region, from the region's smallest and
    /// largest values (group-wise INT: GPTQ, AWQ).
    Affine {
        /// How the scale and zero point come from the values.
        rule: AffineRule,
        /// The scale's storage type.
        scale: ScaleType,
    },
    /// An f-type scale per region from its largest magnitude (FP8 checkpoints, BitNet's
    /// 8-bit activations).
    Absmax {
        /// Whose recipe.
        profile: AbsmaxProfile,
        /// The scale's storage type.
        scale: ScaleType,
        /// Power-of-two scales (DeepSeek's `scale_fmt = "ue8m0"`): the least `2^k` at or
        /// above the scale, computed exactly.
        pow2: bool,
    },
    /// BitNet b1.58: an f-type scale per region from its mean magnitude, ternary elements.
    Absmean {
        /// The scale's storage type.
        scale: ScaleType,
    },
}

/// A scaled format: element format × region × scheme × element rounding.
///
/// ```
/// use lowbit::BlockFormat;
/// let mx: BlockFormat = "mxfp4".parse().unwrap();
/// let x = [0.1f32, -0.7, 1.9, 5.0];
/// let mut y = [0.0f32; 4];
/// mx.quantize_dequantize(&x, &mut y).unwrap();
/// // amax 5 gives the FLOOR scale 2^(floor(log2 5) - 2) = 1; 5 is a tie of 4 and 6 -> 4.
/// assert_eq!(y, [0.0, -0.5, 2.0, 4.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockFormat {
    element: ElementFormat,
    region: Region,
    scheme: Scheme,
    rounding: Rounding,
}

/// MXINT8's element: symmetric int8 (±127) with an implicit 2^−6, so ±127/64 (as
/// microsoft/microxcaling clamps it).
const MXINT8_ELEM: IntSpec = must_int(IntSpec::new(8, true, true));

const fn uint(bits: u32) -> ElementFormat {
    ElementFormat::Int(must_int(IntSpec::new(bits, false, false)))
}

impl BlockFormat {
    /// MXFP8 with E4M3 elements.
    pub const MXFP8_E4M3: Self = Self::mx(ElementFormat::FLOAT8_E4M3FN);
    /// MXFP8 with E5M2 elements.
    pub const MXFP8_E5M2: Self = Self::mx(ElementFormat::FLOAT8_E5M2);
    /// MXFP6 with E2M3 elements.
    pub const MXFP6_E2M3: Self = Self::mx(ElementFormat::FLOAT6_E2M3FN);
    /// MXFP6 with E3M2 elements.
    pub const MXFP6_E3M2: Self = Self::mx(ElementFormat::FLOAT6_E3M2FN);
    /// MXFP4 (E2M1 elements).
    pub const MXFP4: Self = Self::mx(ElementFormat::FLOAT4_E2M1FN);
    /// MXINT8: int8 elements with an implicit 2^−6, clamped symmetric to ±127/64.
    pub const MXINT8: Self = Self::mx(ElementFormat::Int(MXINT8_ELEM));
    /// NVFP4: E2M1 elements, blocks of 16, E4M3 block scales, an f32 tensor scale, computed
    /// as TransformerEngine does.
    pub const NVFP4: Self = Self::nvfp4(Nvfp4Profile::TransformerEngine);
    /// INT4 with groups of 128, GPTQ's rule, f16 scales: the common "INT4-g128".
    pub const INT4_G128: Self = BlockFormat {
        element: uint(4),
        region: Region::Block(128),
        scheme: Scheme::Affine {
            rule: AffineRule::Gptq,
            scale: ScaleType::F16,
        },
        rounding: Rounding::NearestEven,
    };
    /// E4M3 with one f32 scale for the tensor (FP8 Llama-style `weight_scale`).
    pub const FP8_E4M3_TENSOR: Self = Self::fp8(Region::Tensor);
    /// E4M3 with an f32 scale per row (per output channel).
    pub const FP8_E4M3_CHANNEL: Self = Self::fp8(Region::Row);
    /// DeepSeek-V3 weights: E4M3 in 128×128 tiles with f32 scales (`weight_scale_inv`).
    pub const FP8_E4M3_DEEPSEEK_WEIGHTS: Self = Self::fp8(Region::Tile {
        rows: 128,
        cols: 128,
    });
    /// DeepSeek-V3 activations: E4M3 in 1×128 tiles with f32 scales.
    pub const FP8_E4M3_DEEPSEEK_ACTIVATIONS: Self = Self::fp8(Region::Tile { rows: 1, cols: 128 });
    /// BitNet b1.58 weights: ternary, one absmean f32 scale for the tensor (`weight_quant`).
    pub const BITNET_B158: Self = BlockFormat {
        element: ElementFormat::Ternary,
        region: Region::Tensor,
        scheme: Scheme::Absmean {
            scale: ScaleType::F32,
        },
        rounding: Rounding::NearestEven,
    };
    /// BitNet's 8-bit activations: int8 per row (per token), `s = 127 / max|x|`
    /// (`activation_quant`).
    pub const BITNET_A8: Self = BlockFormat {
        element: ElementFormat::INT8,
        region: Region::Row,
        scheme: Scheme::Absmax {
            profile: AbsmaxProfile::BitNet,
            scale: ScaleType::F32,
            pow2: false,
        },
        rounding: Rounding::NearestEven,
    };

    const fn mx(element: ElementFormat) -> Self {
        BlockFormat {
            element,
            region: Region::Block(32),
            scheme: Scheme::Mx(MxScaleRule::Floor),
            rounding: Rounding::NearestEven,
        }
    }

    const fn fp8(region: Region) -> Self {
        BlockFormat {
            element: ElementFormat::FLOAT8_E4M3FN,
            region,
            scheme: Scheme::Absmax {
                profile: AbsmaxProfile::DeepSeek,
                scale: ScaleType::F32,
                pow2: false,
            },
            rounding: Rounding::NearestEven,
        }
    }

    /// Two-level NVFP4 (blocks of 16) computed as `profile` does.
    ///
    /// ```
    /// use lowbit::{BlockFormat, Nvfp4Profile};
    /// let bf = BlockFormat::nvfp4(Nvfp4Profile::ModelOpt);
    /// assert_eq!(bf.to_string(), "nvfp4_modelopt");
    /// ```
    #[must_use]
    pub const fn nvfp4(profile: Nvfp4Profile) -> Self {
        BlockFormat {
            element: ElementFormat::FLOAT4_E2M1FN,
            region: Region::Block(16),
            scheme: Scheme::Nvfp4 {
                profile,
                two_level: true,
            },
            rounding: Rounding::NearestEven,
        }
    }

    /// Group-wise INT: `bits`-bit unsigned codes (2..=8) in groups of `group` (1..=2^20)
    /// along each row, with `rule`'s scale and zero point stored as `scale`.
    ///
    /// # Errors
    /// [`Error::Parameter`] outside those ranges.
    ///
    /// ```
    /// use lowbit::{AffineRule, BlockFormat, ScaleType};
    /// let g = BlockFormat::int_groups(3, 64, AffineRule::Awq, ScaleType::Bf16).unwrap();
    /// assert_eq!(g.to_string(), "int3_g64_awq_bf16");
    /// assert!(BlockFormat::int_groups(9, 64, AffineRule::Awq, ScaleType::F16).is_err());
    /// ```
    pub fn int_groups(
        bits: u32,
        group: usize,
        rule: AffineRule,
        scale: ScaleType,
    ) -> Result<Self, Error> {
        if !(2..=8).contains(&bits) {
            return Err(Error::Parameter {
                what: "group format bits",
                value: bits as i64,
            });
        }
        BlockFormat::new(
            uint(bits),
            Region::Block(group),
            Scheme::Affine { rule, scale },
        )
    }

    /// A scaled format from its parts, checked: MX takes a float element of at most 8
    /// bits or MXINT8's int8; NVFP4 E2M1 in blocks; affine schemes unsigned integers of 1..=8
    /// bits; absmax a float of at most 8 bits with a finite maximum, a signed integer, or a
    /// codebook with a positive largest entry (its scale is `amax / max`, e.g.
    /// `absmax_nf4_g64`); absmean ternary. Library profiles take what their library has:
    /// [`MxProfile`] its MX element formats in blocks (and its one rule, where it has one),
    /// [`AbsmaxProfile`]'s libraries E4M3 (f32 scales, except compressed-tensors;
    /// power-of-two scales only for transformers), [`AffineRule::AutoAwq`] f16 scales.
    /// Element rounding is nearest-even (see [`with_rounding`](Self::with_rounding)).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for another combination, [`Error::Parameter`] for a region
    /// side outside 1..=2^20.
    ///
    /// ```
    /// use lowbit::{AbsmaxProfile, BlockFormat, ElementFormat, Region, ScaleType, Scheme};
    /// let fp8_rows = BlockFormat::new(
    ///     ElementFormat::FLOAT8_E5M2,
    ///     Region::Row,
    ///     Scheme::Absmax { profile: AbsmaxProfile::DeepSeek, scale: ScaleType::F32, pow2: true },
    /// ).unwrap();
    /// assert_eq!(fp8_rows.to_string(), "fp8_e5m2_row_ue8m0");
    /// assert!(BlockFormat::new(ElementFormat::INT8, Region::Row, BlockFormat::NVFP4.scheme()).is_err());
    /// ```
    pub fn new(element: ElementFormat, region: Region, scheme: Scheme) -> Result<Self, Error> {
        let region = region.check()?;
        let ok = match (scheme, element) {
            (Scheme::Mx(_), ElementFormat::Float(s)) => s.bits() <= 8,
            (Scheme::Mx(_), e) => e == ElementFormat::Int(MXINT8_ELEM),
            (Scheme::MxProfiled { profile, rule }, e) => {
                profile.supports(e)
                    && matches!(region, Region::Block(_))
                    && profile.fixed_rule().is_none_or(|r| r == rule)
            }
            (Scheme::Nvfp4 { .. }, e) => {
                e == ElementFormat::FLOAT4_E2M1FN && matches!(region, Region::Block(_))
            }
            (Scheme::Affine { .. }, ElementFormat::Int(s)) => !s.is_signed() && s.bits() <= 8,
            // BitNet's activations are int8.
            (
                Scheme::Absmax {
                    profile: AbsmaxProfile::BitNet,
                    ..
                },
                e,
            ) => e == ElementFormat::INT8,
            (
                Scheme::Absmax {
                    profile,
                    scale,
                    pow2,
                },
                e,
            ) if profile.suffix().is_some() => profile.accepts(e, scale, pow2),
            (Scheme::Affine { rule, scale }, _) if !rule.takes(scale) => false,
            (Scheme::Absmax { .. }, ElementFormat::Float(s)) => {
                s.bits() <= 8 && element.max_value().is_finite()
            }
            (Scheme::Absmax { .. }, ElementFormat::Codebook(_)) => element.max_value() > 0.0,
            (Scheme::Absmax { .. }, ElementFormat::Int(s)) => s.is_signed() && s.bits() <= 8,
            (Scheme::Absmean { .. }, ElementFormat::Ternary) => true,
            _ => false,
        };
        if !ok {
            return Err(Error::Unsupported(
                "this element format does not go with this scheme",
            ));
        }
        Ok(BlockFormat {
            element,
            region,
            scheme,
            rounding: Rounding::NearestEven,
        })
    }

    /// The named scaled formats, in the order `Display` prefers.
    pub const NAMED: &'static [(&'static str, BlockFormat)] = &[
        ("mxfp8_e4m3", Self::MXFP8_E4M3),
        ("mxfp8_e5m2", Self::MXFP8_E5M2),
        ("mxfp6_e2m3", Self::MXFP6_E2M3),
        ("mxfp6_e3m2", Self::MXFP6_E3M2),
        ("mxfp4", Self::MXFP4),
        ("mxint8", Self::MXINT8),
        ("nvfp4", Self::NVFP4),
        ("nvfp4_torchao", Self::nvfp4(Nvfp4Profile::Torchao)),
        ("nvfp4_modelopt", Self::nvfp4(Nvfp4Profile::ModelOpt)),
        ("nvfp4_ct", Self::nvfp4(Nvfp4Profile::CompressedTensors)),
        ("nvfp4_torchao15", Self::nvfp4(Nvfp4Profile::Torchao15)),
        ("nvfp4_torchao14", Self::nvfp4(Nvfp4Profile::Torchao14)),
        ("bitnet_b158", Self::BITNET_B158),
        ("bitnet_a8", Self::BITNET_A8),
    ];

    /// The same format with blocks of another length (1..=2^20), for formats whose region is
    /// a block.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a length outside that range, [`Error::Unsupported`] for
    /// other regions (use [`with_region`](Self::with_region)).
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let bf = BlockFormat::MXFP8_E4M3.with_block_len(64).unwrap();
    /// assert_eq!((bf.block_len(), bf.to_string().as_str()), (Some(64), "mxfp8_e4m3_k64"));
    /// assert!(BlockFormat::MXFP4.with_block_len(0).is_err());
    /// ```
    pub fn with_block_len(self, block_len: usize) -> Result<Self, Error> {
        match self.region {
            Region::Block(_) => {
                BlockFormat::new(self.element, Region::Block(block_len), self.scheme)
                    .map(|b| b.with_rounding(self.rounding))
            }
            _ => Err(Error::Unsupported("this format's region is not a block")),
        }
    }

    /// The same format over another region (NVFP4 needs blocks).
    ///
    /// # Errors
    /// As [`BlockFormat::new`].
    ///
    /// ```
    /// use lowbit::{BlockFormat, Region};
    /// let rows = BlockFormat::FP8_E4M3_TENSOR.with_region(Region::Row).unwrap();
    /// assert_eq!(rows, BlockFormat::FP8_E4M3_CHANNEL);
    /// ```
    pub fn with_region(self, region: Region) -> Result<Self, Error> {
        BlockFormat::new(self.element, region, self.scheme).map(|b| b.with_rounding(self.rounding))
    }

    /// The same MX format with another scale rule (an error for other schemes).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for formats that are not MX.
    ///
    /// ```
    /// use lowbit::{BlockFormat, MxScaleRule};
    /// let bf = BlockFormat::MXFP4.with_scale_rule(MxScaleRule::Even).unwrap();
    /// assert_eq!(bf.to_string(), "mxfp4_even");
    /// assert!(BlockFormat::NVFP4.with_scale_rule(MxScaleRule::Ceil).is_err());
    /// ```
    pub fn with_scale_rule(self, rule: MxScaleRule) -> Result<Self, Error> {
        match self.scheme {
            Scheme::Mx(_) => Ok(BlockFormat {
                scheme: Scheme::Mx(rule),
                ..self
            }),
            Scheme::MxProfiled { profile, .. }
                if profile.fixed_rule().is_none_or(|r| r == rule) =>
            {
                Ok(BlockFormat {
                    scheme: Scheme::MxProfiled { profile, rule },
                    ..self
                })
            }
            Scheme::MxProfiled { .. } => {
                Err(Error::Unsupported("this library has one MX scale rule"))
            }
            _ => Err(Error::Unsupported("MX scale rules apply to MX formats")),
        }
    }

    /// The same MX format computed as a library computes it (`Some`), or by the exact
    /// definition (`None`), keeping the scale rule (a library with one rule of its own
    /// takes it: ModelOpt RCEIL, compressed-tensors EVEN).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for formats that are not MX, and for an element format the
    /// library has no MX type for (see [`MxProfile`]).
    ///
    /// ```
    /// use lowbit::{BlockFormat, MxProfile, MxScaleRule};
    /// let bf = BlockFormat::MXFP8_E4M3.with_scale_rule(MxScaleRule::RCeil).unwrap();
    /// let ao = bf.with_mx_profile(Some(MxProfile::Torchao)).unwrap();
    /// assert_eq!(ao.to_string(), "mxfp8_e4m3_rceil_torchao");
    /// assert_eq!(ao.with_mx_profile(None).unwrap(), bf);
    /// assert!(BlockFormat::MXINT8.with_mx_profile(Some(MxProfile::Torchao)).is_err());
    /// ```
    pub fn with_mx_profile(self, profile: Option<MxProfile>) -> Result<Self, Error> {
        let rule = match self.scheme {
            Scheme::Mx(rule) | Scheme::MxProfiled { rule, .. } => rule,
            _ => return Err(Error::Unsupported("MX profiles apply to MX formats")),
        };
        let scheme = match profile {
            None => Scheme::Mx(rule),
            Some(p) => Scheme::MxProfiled {
                profile: p,
                rule: p.fixed_rule().unwrap_or(rule),
            },
        };
        BlockFormat::new(self.element, self.region, scheme).map(|b| b.with_rounding(self.rounding))
    }

    /// The library an MX format follows, if any.
    ///
    /// ```
    /// use lowbit::{BlockFormat, MxProfile};
    /// assert_eq!("mxfp4_ct".parse::<BlockFormat>().unwrap().mx_profile(), Some(MxProfile::CompressedTensors));
    /// assert_eq!(BlockFormat::MXFP4.mx_profile(), None);
    /// ```
    #[must_use]
    pub const fn mx_profile(&self) -> Option<MxProfile> {
        match self.scheme {
            Scheme::MxProfiled { profile, .. } => Some(profile),
            _ => None,
        }
    }

    /// The same NVFP4 format with or without its tensor scale (an error for other schemes).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for formats that are not NVFP4.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let single = BlockFormat::NVFP4.with_tensor_scale(false).unwrap();
    /// assert_eq!(single.to_string(), "nvfp4_single");
    /// ```
    pub fn with_tensor_scale(self, two_level: bool) -> Result<Self, Error> {
        match self.scheme {
            Scheme::Nvfp4 { profile, .. } => Ok(BlockFormat {
                scheme: Scheme::Nvfp4 { profile, two_level },
                ..self
            }),
            _ => Err(Error::Unsupported("only NVFP4 has a tensor scale")),
        }
    }

    /// The same format with its f-type scales stored as `scale` (affine, absmax and absmean
    /// schemes; MX and NVFP4 scales have their own formats).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for MX and NVFP4.
    ///
    /// ```
    /// use lowbit::{BlockFormat, ScaleType};
    /// let g = BlockFormat::INT4_G128.with_scale_type(ScaleType::Bf16).unwrap();
    /// assert_eq!(g.to_string(), "int4_g128_bf16");
    /// ```
    pub fn with_scale_type(self, scale: ScaleType) -> Result<Self, Error> {
        let scheme = match self.scheme {
            Scheme::Affine { rule, .. } => Scheme::Affine { rule, scale },
            Scheme::Absmax { profile, pow2, .. } => Scheme::Absmax {
                profile,
                scale,
                pow2,
            },
            Scheme::Absmean { .. } => Scheme::Absmean { scale },
            _ => return Err(Error::Unsupported("MX and NVFP4 scales have fixed formats")),
        };
        BlockFormat::new(self.element, self.region, scheme).map(|b| b.with_rounding(self.rounding))
    }

    /// The same absmax format with power-of-two scales (`ue8m0`) or plain ones.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for other schemes.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let sc = BlockFormat::FP8_E4M3_TENSOR.with_pow2_scales(true).unwrap();
    /// assert_eq!(sc.absmax_scale(448.0 * 3.0), Some(4.0)); // the least power of two at or above 3
    /// ```
    pub fn with_pow2_scales(self, pow2: bool) -> Result<Self, Error> {
        match self.scheme {
            Scheme::Absmax { profile, scale, .. } => BlockFormat::new(
                self.element,
                self.region,
                Scheme::Absmax {
                    profile,
                    scale,
                    pow2,
                },
            )
            .map(|b| b.with_rounding(self.rounding)),
            _ => Err(Error::Unsupported(
                "power-of-two scales apply to absmax formats",
            )),
        }
    }

    /// The same format with another rounding for the elements (scales always follow the
    /// scheme's rule). With [`Rounding::Stochastic`]`(seed)`, element `i` of the tensor
    /// (counting across rows) uses the draw [`stochastic_bits`](crate::stochastic_bits)`(seed,
    /// i)`, so a run is reproducible and any element can be recomputed alone.
    ///
    /// ```
    /// use lowbit::{BlockFormat, Rounding};
    /// let sr = BlockFormat::MXFP4.with_rounding(Rounding::Stochastic(7));
    /// // Every block holds one 6.0 (so its scale is 1) and 31 copies of 0.25, which lies
    /// // halfway between the E2M1 values 0 and 0.5: both occur, about equally often.
    /// let x: Vec<f32> = (0..4096).map(|i| if i % 32 == 0 { 6.0 } else { 0.25 }).collect();
    /// let mut y = vec![0f32; 4096];
    /// sr.quantize_dequantize(&x, &mut y).unwrap();
    /// let halves = y.iter().filter(|&&v| v == 0.5).count();
    /// assert!(y.iter().all(|&v| v == 0.0 || v == 0.5 || v == 6.0));
    /// assert!((1700..2300).contains(&halves), "{halves}");
    /// ```
    #[must_use]
    pub const fn with_rounding(self, rounding: Rounding) -> Self {
        BlockFormat { rounding, ..self }
    }
}
