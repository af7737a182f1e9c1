//! Block-scaled formats: OCP Microscaling (MX) and NVIDIA NVFP4.
//!
//! A [`BlockFormat`] composes an element format, a scale format, a block length, a scale
//! rule and an element rounding. Its defaults are the contract's: OCP MX v1.0 with the FLOOR
//! scale rule, and NVFP4 as NVIDIA TransformerEngine computes it. Other ecosystems'
//! NVFP4 conventions are named [`Nvfp4Profile`]s.
//!
//! Every operation works on a 1-D slice (the slice is the tensor) or on the rows of a 2-D
//! row-major tensor with the blocks along the last axis (`*_rows`). A block that runs past
//! the end of a slice or row is a partial block: it behaves as if padded with zeros, and the
//! padding is never stored (codes stop at the last element, rounded up to a whole byte).

use core::fmt;
use core::str::FromStr;

use half::{bf16, f16};

use crate::Backend;
use crate::element::convert::{self, Class};
use crate::element::fast::LaneParams;
use crate::element::{ElementFormat, Format};
use crate::error::{Error, NameBuf};
use crate::round::{Overflow, Rounding};
use crate::spec::{IntSpec, must_int};

/// How an MX block's shared E8M0 scale `X = 2^k` is chosen from the block's largest
/// magnitude `amax`. Every rule works on the exponent and mantissa bits of `amax`; none calls
/// `log2f` (which is one ulp wrong below powers of two in most libms).
///
/// ```
/// use lowbit::{BlockFormat, MxScaleRule};
/// // amax 7: FLOOR gives X = 2^(2 - 2) = 1, so 7 clips to E2M1's max 6; RCEIL gives X = 2.
/// let x = [7.0f32, 1.0];
/// let mut y = [0f32; 2];
/// BlockFormat::MXFP4.quantize_dequantize(&x, &mut y).unwrap();
/// assert_eq!(y, [6.0, 1.0]);
/// BlockFormat::MXFP4.with_scale_rule(MxScaleRule::RCeil).unwrap().quantize_dequantize(&x, &mut y).unwrap();
/// assert_eq!(y, [8.0, 1.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MxScaleRule {
    /// OCP MX v1.0 Algorithm 1: `k = floor(log2 amax) − emax_elem`. Large blocks may clip
    /// (E4M3: a block max of 957 becomes 896). The default, as in torchao.
    #[default]
    Floor,
    /// `k = ceil(log2 amax) − emax_elem` (torchao `CEIL`).
    Ceil,
    /// Round amax's significand half-up to the element's mantissa width, then FLOOR
    /// (torchao `EVEN`).
    Even,
    /// `X` = the power of two at or above `amax / max_elem`, computed exactly, so no element
    /// clips (TransformerEngine, cuBLAS and NVIDIA hardware's `cvt.rp.satfinite.ue8m0`).
    RCeil,
}

impl MxScaleRule {
    const fn suffix(self) -> &'static str {
        match self {
            MxScaleRule::Floor => "floor",
            MxScaleRule::Ceil => "ceil",
            MxScaleRule::Even => "even",
            MxScaleRule::RCeil => "rceil",
        }
    }
}

/// Whose NVFP4 recipe a [`BlockFormat`] follows. They agree on the format (E2M1 elements,
/// E4M3 block scales, an f32 tensor scale) and differ in the order of their f32 operations,
/// the convention of the stored tensor scale, and the scale byte of an all-zero block; real
/// checkpoints differ accordingly, so each is reproduced byte for byte.
///
/// With `amax` the tensor's largest magnitude, `b` a block's, `q` an element code's value
/// and `s` the decoded block scale (all arithmetic in f32):
///
/// | profile | stored tensor scale `t` | block scale byte | element | dequantize | zero block |
/// |---|---|---|---|---|---|
/// | TransformerEngine | `S_dec = 1/S_enc`, `S_enc = min(2688/amax, MAX)` | `e4m3_sat(min(b·(S_enc·fl(1/6)), 448))` | `x · min(1/(s·S_dec), MAX)` | `(q·s)·t` | `0x00` |
/// | torchao | `g = amax/2688` | `e4m3(clamp((b/6)/g, 2^-6, 448))` | `x / (g·s)` | `q·(g·s)` | `0x08` |
/// | ModelOpt | `g = amax/2688` (`weight_scale_2`) | `e4m3(max(b/(6·g) or 1 if 0, 2^-9))` | `x / (s·g)` | `q·(s·g)` | `0x38` |
/// | compressed-tensors | `G = 2688/amax` (`weight_global_scale`) | `e4m3_sat(G·(b/6))`, 0 → 0.125 | `x / (s/G)` | `q·(s/G)` | `0x20` |
///
/// Elements round to nearest even and saturate at ±6 in every profile (ModelOpt's cast
/// sends NaN, e.g. from a scale that overflowed E4M3, to +6). ModelOpt and
/// compressed-tensors store a zero whose scaled value is −0 as +0 (their sign test and
/// their zero-point addition); the others keep the sign. Sources, read at these commits:
/// TransformerEngine `reference_nvfp4.py`; pytorch/ao `nvfp4_tensor.py` (02a1bc44);
/// NVIDIA/Model-Optimizer `qtensor/nvfp4_tensor.py` (211c6b34); vllm-project/compressed-tensors
/// `lifecycle/forward.py` (01dd1a58) and `utils/helpers.py`.
///
/// A tensor whose amax is 0 gets the tensor scale 1 in every profile (the three non-TE
/// recipes divide 0 by 0 there and produce NaN scales; this crate does not).
///
/// ```
/// use lowbit::{BlockFormat, Nvfp4Profile};
/// let x = [0.0f32; 16];
/// let (mut codes, mut scales) = ([0u8; 8], [0u8; 1]);
/// for (p, zero_byte) in [(Nvfp4Profile::Torchao, 0x08), (Nvfp4Profile::CompressedTensors, 0x20)] {
///     BlockFormat::nvfp4(p).quantize(&x, &mut codes, &mut scales).unwrap();
///     assert_eq!(scales[0], zero_byte);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Nvfp4Profile {
    /// NVIDIA TransformerEngine (`reference_nvfp4.py`, `core_nvfp4.cuh`): the contract's
    /// default.
    #[default]
    TransformerEngine,
    /// pytorch/ao `NVFP4Tensor` (`nvfp4_quantize`).
    Torchao,
    /// NVIDIA Model Optimizer's NVFP4 export (`weight`, `weight_scale`, `weight_scale_2`).
    ModelOpt,
    /// vLLM compressed-tensors `nvfp4-pack-quantized` (`weight_packed`, `weight_scale`,
    /// `weight_global_scale`).
    CompressedTensors,
}

impl Nvfp4Profile {
    const fn name(self) -> &'static str {
        match self {
            Nvfp4Profile::TransformerEngine => "nvfp4",
            Nvfp4Profile::Torchao => "nvfp4_torchao",
            Nvfp4Profile::ModelOpt => "nvfp4_modelopt",
            Nvfp4Profile::CompressedTensors => "nvfp4_ct",
        }
    }

    /// The scale byte this profile writes for an all-zero block.
    ///
    /// ```
    /// use lowbit::Nvfp4Profile;
    /// assert_eq!(Nvfp4Profile::TransformerEngine.zero_block_scale(), 0x00);
    /// assert_eq!(Nvfp4Profile::ModelOpt.zero_block_scale(), 0x38); // 1.0
    /// ```
    #[must_use]
    pub const fn zero_block_scale(self) -> u8 {
        match self {
            Nvfp4Profile::TransformerEngine => 0x00,
            Nvfp4Profile::Torchao => 0x08,
            Nvfp4Profile::ModelOpt => 0x38,
            Nvfp4Profile::CompressedTensors => 0x20,
        }
    }
}

/// The scheme a [`BlockFormat`] follows.
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
    /// OCP MX: one E8M0 power-of-two scale per block.
    Mx(MxScaleRule),
    /// NVFP4: an E4M3 scale per block of E2M1 elements and, when `two_level`, one f32 scale
    /// for the tensor. Single-level NVFP4 (`two_level == false`) computes everything as if
    /// the tensor scale were 1 (torchao's `per_tensor_scale=None`).
    Nvfp4 {
        /// Whose recipe.
        profile: Nvfp4Profile,
        /// Whether a tensor scale is computed (from the tensor's amax) and stored.
        two_level: bool,
    },
}

/// A block-scaled format: element format × scale format × block length × scale rule ×
/// element rounding.
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
    block_len: u32,
    scheme: Scheme,
    rounding: Rounding,
}

/// MXINT8's element: symmetric int8 (±127) with an implicit 2^−6, so ±127/64 (as
/// microsoft/microxcaling clamps it).
const MXINT8_ELEM: IntSpec = must_int(IntSpec::new(8, true, true));
const MXINT8_SHIFT: i32 = 6;
const E4M3: ElementFormat = ElementFormat::FLOAT8_E4M3FN;

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

    const fn mx(element: ElementFormat) -> Self {
        BlockFormat {
            element,
            block_len: 32,
            scheme: Scheme::Mx(MxScaleRule::Floor),
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
            block_len: 16,
            scheme: Scheme::Nvfp4 {
                profile,
                two_level: true,
            },
            rounding: Rounding::NearestEven,
        }
    }

    /// The named block formats, in the order `Display` prefers.
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
    ];

    /// The same format with another block length (1..=2^20).
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let bf = BlockFormat::MXFP8_E4M3.with_block_len(64).unwrap();
    /// assert_eq!((bf.block_len(), bf.to_string().as_str()), (64, "mxfp8_e4m3_k64"));
    /// assert!(BlockFormat::MXFP4.with_block_len(0).is_err());
    /// ```
    pub fn with_block_len(self, block_len: usize) -> Result<Self, Error> {
        if block_len == 0 || block_len > 1 << 20 {
            return Err(Error::Parameter {
                what: "block length",
                value: block_len as i64,
            });
        }
        Ok(BlockFormat {
            block_len: block_len as u32,
            ..self
        })
    }

    /// The same MX format with another scale rule (an error for NVFP4).
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
            Scheme::Nvfp4 { .. } => Err(Error::Unsupported("MX scale rules apply to MX formats")),
        }
    }

    /// The same NVFP4 format with or without its tensor scale (an error for MX).
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
            Scheme::Mx(_) => Err(Error::Unsupported("MX formats have no tensor scale")),
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
    /// The block length.
    ///
    /// ```
    /// assert_eq!(lowbit::BlockFormat::NVFP4.block_len(), 16);
    /// ```
    #[must_use]
    pub const fn block_len(&self) -> usize {
        self.block_len as usize
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
    /// The scale format: E8M0 for MX, E4M3 for NVFP4.
    ///
    /// ```
    /// use lowbit::{BlockFormat, ElementFormat};
    /// assert_eq!(BlockFormat::MXFP4.scale_format(), ElementFormat::FLOAT8_E8M0FNU);
    /// assert_eq!(BlockFormat::NVFP4.scale_format(), ElementFormat::FLOAT8_E4M3FN);
    /// ```
    #[must_use]
    pub const fn scale_format(&self) -> ElementFormat {
        match self.scheme {
            Scheme::Mx(_) => ElementFormat::FLOAT8_E8M0FNU,
            Scheme::Nvfp4 { .. } => ElementFormat::FLOAT8_E4M3FN,
        }
    }

    /// Exponent of 2 that the element's codes carry implicitly (−6 for MXINT8).
    fn elem_shift(&self) -> i32 {
        match self.element {
            ElementFormat::Int(_) => MXINT8_SHIFT,
            _ => 0,
        }
    }

    /// emax_elem of OCP MX v1.0 Table 1: the exponent of the element's largest normal binade,
    /// from the largest code's fields (E4M3 8, E5M2 15, E2M3 2, E3M2 4, E2M1 2, INT8 0).
    fn emax_elem(&self) -> i32 {
        match self.element {
            ElementFormat::Float(s) => {
                let (e, sig) = s.code_exp_sig(s.max_code());
                e + 31 - sig.leading_zeros() as i32
            }
            ElementFormat::Int(s) => {
                31 - (s.max_value() as u32).leading_zeros() as i32 - self.elem_shift()
            }
            ElementFormat::Ternary => 0,
        }
    }

    /// The E8M0 code of the shared scale for a block whose largest magnitude is `amax`.
    ///
    /// amax = 0 gives code 0 (2^−127, as microxcaling and torchao); amax = ±∞ or NaN gives
    /// the NaN code 0xFF (torchao); exponents below −127 clamp to −127, above 127 give NaN.
    /// NVFP4 formats have no E8M0 scale and always get 0xFF.
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
        let Scheme::Mx(rule) = self.scheme else {
            return 0xFF;
        };
        let (_, class) = convert::split_f32(amax);
        let m = match class {
            Class::Zero => return 0,
            Class::Inf | Class::Nan => return 0xFF,
            Class::Finite(m) => m,
        };
        let emax = self.emax_elem();
        // m.exp = floor(log2 amax); the significand's fraction bits follow bit 63.
        let frac = m.sig << 1;
        let k = match rule {
            MxScaleRule::Floor => m.exp - emax,
            MxScaleRule::Ceil => m.exp + (frac != 0) as i32 - emax,
            MxScaleRule::Even => {
                // Add half an ulp of the element's mantissa width; a carry out of the
                // fraction bumps the exponent (torchao EVEN).
                let mbits = match self.element {
                    ElementFormat::Float(s) => s.man_bits(),
                    _ => MXINT8_SHIFT as u32,
                };
                let carry = frac.checked_add(1u64 << (63 - mbits)).is_none();
                m.exp + carry as i32 - emax
            }
            MxScaleRule::RCeil => {
                // Smallest k with amax <= max_elem · 2^k; it is floor(log2 amax) − emax or
                // one more. Both sides are exact in f64.
                let max = self.element.max_value() * convert::pow2_f64(-self.elem_shift());
                let k0 = m.exp - emax;
                if amax as f64 <= max * convert::pow2_f64(k0) {
                    k0
                } else {
                    k0 + 1
                }
            }
        };
        if k > 127 {
            0xFF
        } else {
            (k.max(-127) + 127) as u8
        }
    }

    /// The tensor-level NVFP4 quantities for a tensor whose largest magnitude is `amax`
    /// (None for MX).
    fn tensor(&self, amax: f32) -> Option<Nv> {
        match self.scheme {
            Scheme::Mx(_) => None,
            Scheme::Nvfp4 { profile, two_level } => Some(Nv::from_amax(profile, two_level, amax)),
        }
    }

    /// [`Self::tensor`] of the slice `x` (its amax is only measured for NVFP4).
    fn tensor_of(&self, x: &[f32]) -> Option<Nv> {
        match self.scheme {
            Scheme::Mx(_) => None,
            _ => self.tensor(amax_f32(x)),
        }
    }

    /// The tensor scale NVFP4 stores for a tensor whose largest magnitude is `amax`, in the
    /// profile's convention (see [`Nvfp4Profile`]): the decode scale for TransformerEngine,
    /// torchao and ModelOpt, the encode scale for compressed-tensors; 1.0 for single-level
    /// NVFP4 and for MX.
    ///
    /// ```
    /// use lowbit::{BlockFormat, Nvfp4Profile};
    /// assert_eq!(BlockFormat::nvfp4(Nvfp4Profile::ModelOpt).tensor_scale(5376.0), 2.0);
    /// assert_eq!(BlockFormat::nvfp4(Nvfp4Profile::CompressedTensors).tensor_scale(5376.0), 0.5);
    /// ```
    #[must_use]
    pub fn tensor_scale(&self, amax: f32) -> f32 {
        self.tensor(amax)
            .map_or(1.0, |t| crate::element::stored_f32(t.t))
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
    /// [`Error::Unsupported`] for MX formats; [`Error::Length`] if `scales` does not have one
    /// byte per block of the elements in `codes`.
    pub fn convert_nvfp4_stored(
        &self,
        to: Nvfp4Profile,
        codes: &[u8],
        scales: &mut [u8],
        tensor_scale: f32,
    ) -> Result<f32, Error> {
        let Scheme::Nvfp4 { profile, .. } = self.scheme else {
            return Err(Error::Unsupported("only NVFP4 has profiles"));
        };
        let n = codes.len() * 2;
        let blocks = n.div_ceil(self.block_len());
        Error::check_len("block scales", blocks, scales.len())?;
        let bl = self.block_len();
        for (b, sc) in scales.iter_mut().enumerate() {
            // Codes 0 and 8 are ±0; the last byte of an odd-length tensor pads with 0.
            let zero =
                (b * bl..((b + 1) * bl).min(n)).all(|i| (codes[i / 2] >> (4 * (i % 2))) & 7 == 0);
            if zero {
                *sc = to.zero_block_scale();
            }
        }
        let encode_convention = |p: Nvfp4Profile| p == Nvfp4Profile::CompressedTensors;
        Ok(if encode_convention(profile) == encode_convention(to) {
            tensor_scale
        } else {
            1.0 / tensor_scale
        })
    }

    /// Quantizes `x` and dequantizes it again in one pass (fake quantization): `out[i]` is
    /// the value a real quantize followed by a dequantize gives.
    ///
    /// MX: blocks of `block_len` consecutive elements share `X = 2^k` (see
    /// [`BlockFormat::mx_scale_code`]); elements round (nearest even by default) and
    /// saturate; `out = X · element`, exact in f32. A NaN scale makes its block NaN. A
    /// trailing partial block behaves as if padded with zeros.
    ///
    /// NVFP4: the whole slice is the tensor, computed as the [`Nvfp4Profile`] does. The
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
    pub fn quantize_dequantize(&self, x: &[f32], out: &mut [f32]) -> Result<(), Error> {
        Error::check_len("quantize_dequantize output", x.len(), out.len())?;
        let nv = self.tensor_of(x);
        self.qdq_core(self.fast_elem().as_ref(), x, nv.as_ref(), 0, out);
        Ok(())
    }

    /// [`quantize_dequantize`](Self::quantize_dequantize) with the tensor's largest magnitude
    /// given instead of measured, for a shard of a larger tensor or a calibrated amax (NVFP4;
    /// MX formats ignore it). Elements beyond what the given amax allows saturate.
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
    /// BlockFormat::NVFP4.quantize_dequantize_with_amax(&x, 4.0, &mut b).unwrap();
    /// assert_eq!(a, b);
    /// ```
    pub fn quantize_dequantize_with_amax(
        &self,
        x: &[f32],
        tensor_amax: f32,
        out: &mut [f32],
    ) -> Result<(), Error> {
        Error::check_len("quantize_dequantize output", x.len(), out.len())?;
        let nv = self.tensor(tensor_amax);
        self.qdq_core(self.fast_elem().as_ref(), x, nv.as_ref(), 0, out);
        Ok(())
    }

    /// Fake quantization of a row-major 2-D tensor with `cols` columns, blocks along each
    /// row (a row whose length is not a multiple of the block length ends in a partial
    /// block, padded with zeros). NVFP4's tensor scale comes from the whole tensor.
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
    pub fn quantize_dequantize_rows(
        &self,
        x: &[f32],
        cols: usize,
        out: &mut [f32],
    ) -> Result<(), Error> {
        Error::check_rows(x.len(), cols)?;
        Error::check_len("quantize_dequantize output", x.len(), out.len())?;
        let (nv, fast) = (self.tensor_of(x), self.fast_elem());
        for (r, (xr, or)) in x
            .chunks(cols.max(1))
            .zip(out.chunks_mut(cols.max(1)))
            .enumerate()
        {
            self.qdq_core(fast.as_ref(), xr, nv.as_ref(), (r * cols) as u64, or);
        }
        Ok(())
    }

    /// The fast element path, for nearest-even rounding of a float element of at most 8
    /// bits; built once per call and shared by every row.
    fn fast_elem(&self) -> Option<FastElem> {
        match self.rounding {
            Rounding::NearestEven => FastElem::new(&self.element),
            _ => None,
        }
    }

    fn qdq_core(
        &self,
        fast: Option<&FastElem>,
        x: &[f32],
        nv: Option<&Nv>,
        base: u64,
        out: &mut [f32],
    ) {
        let n = self.block_len();
        let Some(f) = fast else {
            for (b, (xb, ob)) in x.chunks(n).zip(out.chunks_mut(n)).enumerate() {
                let p = self.plan_for(nv, amax_f32(xb));
                for (j, (o, &v)) in ob.iter_mut().zip(xb).enumerate() {
                    let r = crate::slice::per_element(self.rounding, base + (b * n + j) as u64);
                    let q = self.encode_elem(&p, v, r);
                    *o = p.post(self.elem_value(q));
                }
            }
            return;
        };
        crate::arch::block_qdq(f.backend, self, f, nv, x, out);
    }

    /// Fake quantization on the fast path: per block its amax, scale and plan, then one fused
    /// pass of [`FastElem::qdq`]. Compiled once per backend (`arch::block_qdq`), so the
    /// element loops use the backend's vector width.
    #[inline(always)]
    pub(crate) fn qdq_fast(&self, f: &FastElem, nv: Option<&Nv>, x: &[f32], out: &mut [f32]) {
        let n = self.block_len();
        let floor = nv.is_none() && self.scheme == Scheme::Mx(MxScaleRule::Floor);
        let (emax, shift) = (self.emax_elem(), self.elem_shift());
        if let (Some(t), true) = (nv, f.grid.neg_zero) {
            // NVFP4: block by block; the scale's value from E4M3 grid rounding, then the
            // elements. Finite, nonzero factors mean a NaN-free block (a NaN anywhere in it
            // makes its amax, scale and factors NaN).
            let ElementFormat::Float(e4m3) = E4M3 else {
                unreachable!()
            };
            let (g, g4) = (f.grid, Grid::new(&e4m3).expect("E4M3 has a grid"));
            for (xb, ob) in x.chunks(n).zip(out.chunks_mut(n)) {
                let p = t.plan_value(t.scale_value(amax_f32(xb), &g4));
                let fast = p.pm.is_finite()
                    && p.pd.is_finite()
                    && p.pd != 0.0
                    && p.qa.is_finite()
                    && p.qb.is_finite();
                if fast && p.pd == 1.0 && p.pz.is_sign_negative() {
                    let (m, a, b) = (p.pm, p.qa, p.qb);
                    for (o, &v) in ob.iter_mut().zip(xb) {
                        *o = (g.round_finite(v * m) * a) * b;
                    }
                } else if fast && p.pm == 1.0 && p.qb == 1.0 {
                    let (d, z, a) = (p.pd, p.pz, p.qa);
                    for (o, &v) in ob.iter_mut().zip(xb) {
                        *o = g.round_finite((v / d) + z) * a;
                    }
                } else {
                    for (o, &v) in ob.iter_mut().zip(xb) {
                        *o = p.post(g.round(p.pre(v)));
                    }
                }
            }
            return;
        }
        if nv.is_none() && f.grid.neg_zero {
            // MX: block by block, amax, scale and elements in one pass over the block.
            let g = f.grid;
            for (xb, ob) in x.chunks(n).zip(out.chunks_mut(n)) {
                let p = self.block_plan(xb, nv, floor, emax, shift);
                let (m, a) = (p.pm, p.qa);
                if m.is_finite() {
                    // A finite factor means a finite amax: no NaN in the block.
                    for (o, &v) in ob.iter_mut().zip(xb) {
                        *o = g.round_finite(v * m) * a;
                    }
                } else {
                    for (o, &v) in ob.iter_mut().zip(xb) {
                        *o = g.round(v * m) * a;
                    }
                }
            }
            return;
        }
        if n <= SPAN {
            let per = SPAN / n * n;
            let mut plans = [Plan::NAN; SPAN];
            for (xs, os) in x.chunks(per).zip(out.chunks_mut(per)) {
                let plans = &mut plans[..xs.len().div_ceil(n)];
                for (p, xb) in plans.iter_mut().zip(xs.chunks(n)) {
                    *p = self.block_plan(xb, nv, floor, emax, shift);
                }
                f.qdq(xs, n, plans, os);
            }
        } else {
            for (xb, ob) in x.chunks(n).zip(out.chunks_mut(n)) {
                f.qdq(xb, n, &[self.block_plan(xb, nv, floor, emax, shift)], ob);
            }
        }
    }

    /// Stored-form quantization on the fast path, in one pass over `x`: for each span of
    /// whole blocks, each block's amax, scale byte and factors, the elements' inputs, then
    /// the lane kernel writes the codes (4-bit: packed nibbles; 8-bit: bytes; others
    /// through [`crate::pack`]). Compiled once per backend (`arch::block_quantize`). Returns
    /// false, having written nothing, where it does not apply (blocks longer than 512, or
    /// spans that would not end on a byte boundary).
    #[inline(always)]
    pub(crate) fn quantize_fast(
        &self,
        f: &FastElem,
        nv: Option<&Nv>,
        x: &[f32],
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> bool {
        let (n, bits) = (self.block_len(), self.element.bits() as usize);
        if n > 512 || (512 / n * n * bits) % 8 != 0 {
            return false;
        }
        let per = 512 / n * n;
        let floor = nv.is_none() && self.scheme == Scheme::Mx(MxScaleRule::Floor);
        let (emax, shift) = (self.emax_elem(), self.elem_shift());
        let ElementFormat::Float(e4m3) = E4M3 else {
            unreachable!()
        };
        let g4 = Grid::new(&e4m3).expect("E4M3 has a grid");
        let (mut y, mut c8) = ([0f32; 512], [0u8; 512]);
        for (si, (xs, cs)) in x
            .chunks(per)
            .zip(codes.chunks_mut(per * bits / 8))
            .enumerate()
        {
            let b0 = si * (per / n);
            for (j, xb) in xs.chunks(n).enumerate() {
                let a = amax_f32(xb);
                let (code, p) = match nv {
                    None if floor => self.mx_floor_code_plan(a, emax, shift),
                    None => {
                        let c = self.mx_scale_code(a);
                        (c, self.plan_of_code(None, c))
                    }
                    Some(t) => {
                        let v = t.scale_value(a, &g4);
                        (e4m3_code_of(v), t.plan_value(v))
                    }
                };
                scales[b0 + j] = code;
                p.pre_slice(xb, &mut y[j * n..j * n + xb.len()]);
            }
            let y = &y[..xs.len()];
            match bits {
                8 => crate::arch::lanes_encode_bytes(&f.params, f.mode, y, false, cs),
                4 if xs.len() % 2 == 0 => {
                    crate::arch::lanes_encode_bytes(&f.params, f.mode, y, true, cs)
                }
                6 if xs.len() % 4 == 0 => crate::arch::lanes_encode_sixes(&f.params, f.mode, y, cs),
                _ => {
                    let c8 = &mut c8[..xs.len()];
                    crate::arch::lanes_encode_bytes(&f.params, f.mode, y, false, c8);
                    if crate::pack::pack(c8, bits as u32, crate::pack::Layout::Dense, cs).is_err() {
                        unreachable!("codes fit their width and the sizes were checked");
                    }
                }
            }
        }
        true
    }

    /// The MX FLOOR scale byte and plan of a block whose largest magnitude is `bamax`, from
    /// its exponent bits when it is a normal f32 (see [`Self::plan_mx_floor`]).
    #[inline(always)]
    fn mx_floor_code_plan(&self, bamax: f32, emax: i32, shift: i32) -> (u8, Plan) {
        let e = (bamax.to_bits() >> 23) as i32;
        let k = e - 127 - emax;
        if (1..255).contains(&e) && (-127..=127).contains(&k) {
            return ((k + 127) as u8, self.plan_mx_floor(bamax, emax, shift));
        }
        let c = self.mx_scale_code(bamax);
        (c, self.plan_of_code(None, c))
    }

    /// A block's plan from its values (MX FLOOR from the amax's bits when `floor`). A method
    /// rather than a closure, so it is compiled inside each backend entry (closures are
    /// compiled apart, without the entry's target features).
    #[inline(always)]
    fn block_plan(&self, xb: &[f32], nv: Option<&Nv>, floor: bool, emax: i32, shift: i32) -> Plan {
        let a = amax_f32(xb);
        if floor {
            self.plan_mx_floor(a, emax, shift)
        } else {
            self.plan_for(nv, a)
        }
    }

    /// The scale byte of a block whose largest magnitude is `bamax`.
    fn scale_code(&self, nv: Option<&Nv>, bamax: f32) -> u8 {
        match nv {
            None => self.mx_scale_code(bamax),
            Some(t) => t.scale_code(bamax),
        }
    }

    /// How a block with scale byte `code` maps to and from its element grid.
    fn plan_of_code(&self, nv: Option<&Nv>, code: u8) -> Plan {
        match nv {
            Some(t) => t.plan(code),
            None if code == 0xFF => Plan::NAN,
            None => {
                let k = code as i32 - 127;
                let shift = self.elem_shift() - k;
                Plan {
                    pm: convert::pow2_f64(-k) as f32,
                    pd: 1.0,
                    pz: -0.0,
                    qa: convert::pow2_f64(-shift) as f32,
                    qb: 1.0,
                    nan_to: f32::NAN,
                    shift: Some(shift),
                }
            }
        }
    }

    fn plan_for(&self, nv: Option<&Nv>, bamax: f32) -> Plan {
        self.plan_of_code(nv, self.scale_code(nv, bamax))
    }

    /// [`Self::plan_for`] for an MX FLOOR block with `emax` precomputed: when the amax is a
    /// normal f32, `k = exponent(amax) − emax` straight from the bits and the factors
    /// `2^−k`, `2^(k − shift)` built as f32 bit patterns; anything else takes the general way.
    #[inline(always)]
    fn plan_mx_floor(&self, bamax: f32, emax: i32, shift: i32) -> Plan {
        let bits = bamax.to_bits();
        let e = (bits >> 23) as i32;
        let k = e - 127 - emax;
        // Normal amax, and both factors normal f32 values.
        if (1..255).contains(&e)
            && (-126..=127).contains(&-k)
            && (-126..=127).contains(&(k - shift))
        {
            return Plan {
                pm: f32::from_bits(((127 - k) as u32) << 23),
                pd: 1.0,
                pz: -0.0,
                qa: f32::from_bits(((127 + k - shift) as u32) << 23),
                qb: 1.0,
                nan_to: f32::NAN,
                shift: Some(shift - k),
            };
        }
        self.plan_for(None, bamax)
    }

    /// The element code of `v` in a block with plan `p`, exactly as the scheme defines it
    /// (MX: `v · 2^shift` formed exactly; NVFP4: the profile's f32 arithmetic).
    fn encode_elem(&self, p: &Plan, v: f32, r: Rounding) -> u32 {
        match p.shift {
            Some(shift) => {
                let (neg, c) = convert::split_f32(v);
                crate::element::encode_class_of(
                    &self.element,
                    neg,
                    c.scale_pow2(shift),
                    r,
                    Overflow::Saturate,
                )
                .0
            }
            // An MX block with a NaN scale stores code 0.
            None if p.pm.is_nan() && matches!(self.scheme, Scheme::Mx(_)) => 0,
            None => self.element.encode(p.pre(v), r, Overflow::Saturate),
        }
    }

    /// The element's value in its own grid (MXINT8: the integer).
    fn elem_value(&self, code: u32) -> f32 {
        self.element.decode(code)
    }

    /// Number of scales (one byte each) for `n` elements: one per block, the last partial.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// assert_eq!(BlockFormat::MXFP4.scale_count(65), 3);
    /// ```
    #[must_use]
    pub fn scale_count(&self, n: usize) -> usize {
        n.div_ceil(self.block_len())
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
        crate::pack::packed_len(self.element.bits(), crate::pack::Layout::Dense, n)
    }

    /// Quantizes `x` into stored form: element codes packed densely into `codes` (exactly
    /// [`codes_len`](Self::codes_len)`(x.len())` bytes; MXINT8 stores two's-complement int8)
    /// and one scale byte per block in `scales` ([`scale_count`](Self::scale_count) bytes:
    /// E8M0 codes for MX, E4M3 codes for NVFP4). Returns the tensor scale in the profile's
    /// convention ([`tensor_scale`](Self::tensor_scale); 1.0 for MX).
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
    pub fn quantize(&self, x: &[f32], codes: &mut [u8], scales: &mut [u8]) -> Result<f32, Error> {
        self.quantize_any(x, None, codes, scales)
    }

    /// [`quantize`](Self::quantize) from f16 values (each converted exactly to f32).
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer has the wrong size.
    ///
    /// ```
    /// use half::f16;
    /// use lowbit::BlockFormat;
    /// let x: Vec<f16> = [1.0f32, -0.5, 3.0].iter().map(|&v| f16::from_f32(v)).collect();
    /// let (mut codes, mut scales) = ([0u8; 2], [0u8; 1]);
    /// BlockFormat::MXFP4.quantize_f16(&x, &mut codes, &mut scales).unwrap();
    /// let mut y = [0f32; 3];
    /// BlockFormat::MXFP4.dequantize(&codes, &scales, 1.0, &mut y).unwrap();
    /// assert_eq!(y, [1.0, -0.5, 3.0]);
    /// ```
    pub fn quantize_f16(
        &self,
        x: &[f16],
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        self.quantize_any(x, None, codes, scales)
    }

    /// [`quantize`](Self::quantize) from bf16 values (each converted exactly to f32).
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer has the wrong size.
    ///
    /// ```
    /// use half::bf16;
    /// use lowbit::BlockFormat;
    /// let x: Vec<bf16> = [6.0f32, 1.5].iter().map(|&v| bf16::from_f32(v)).collect();
    /// let (mut codes, mut scales) = ([0u8; 1], [0u8; 1]);
    /// BlockFormat::MXFP4.quantize_bf16(&x, &mut codes, &mut scales).unwrap();
    /// assert_eq!(codes, [0x7 | 0x3 << 4]); // 6.0 is code 7, 1.5 is code 3
    /// ```
    pub fn quantize_bf16(
        &self,
        x: &[bf16],
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        self.quantize_any(x, None, codes, scales)
    }

    /// [`quantize`](Self::quantize) with the tensor's largest magnitude given instead of
    /// measured (NVFP4: a shard of a larger tensor, or a calibrated amax; MX ignores it).
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
    /// let t0 = bf.quantize_with_amax(&x[..32], amax, &mut c2[..16], &mut s2[..2]).unwrap();
    /// let t1 = bf.quantize_with_amax(&x[32..], amax, &mut c2[16..], &mut s2[2..]).unwrap();
    /// assert_eq!((c, s, t), (c2, s2, t0));
    /// assert_eq!(t0, t1);
    /// ```
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer has the wrong size.
    pub fn quantize_with_amax(
        &self,
        x: &[f32],
        tensor_amax: f32,
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        self.quantize_any(x, Some(tensor_amax), codes, scales)
    }

    /// Quantizes a row-major 2-D tensor with `cols` columns into stored form, blocks along
    /// each row: row `r` has its codes at `codes[r·L..(r+1)·L]` with
    /// `L = `[`codes_len`](Self::codes_len)`(cols)` (a row ends on a byte boundary; the
    /// unused bits of its last byte are 0) and its scales at `scales[r·S..(r+1)·S]` with
    /// `S = `[`scale_count`](Self::scale_count)`(cols)`. This is the layout of gpt-oss's
    /// `blocks`/`scales` and ModelOpt's `weight`/`weight_scale` for a `[rows, cols]` weight.
    /// NVFP4's tensor scale comes from the whole tensor; it is returned.
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
    pub fn quantize_rows(
        &self,
        x: &[f32],
        cols: usize,
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        let rows = Error::check_rows(x.len(), cols)?;
        let (l, s) = (self.codes_len(cols)?, self.scale_count(cols));
        Error::check_len("block codes", rows * l, codes.len())?;
        Error::check_len("block scales", rows * s, scales.len())?;
        let (nv, fast) = (self.tensor_of(x), self.fast_elem());
        for r in 0..rows {
            let xr = &x[r * cols..(r + 1) * cols];
            let (cr, sr) = (
                &mut codes[r * l..(r + 1) * l],
                &mut scales[r * s..(r + 1) * s],
            );
            self.quantize_core(fast.as_ref(), xr, nv.as_ref(), (r * cols) as u64, cr, sr)?;
        }
        Ok(nv.map_or(1.0, |t| crate::element::stored_f32(t.t)))
    }

    fn quantize_any<T: Real>(
        &self,
        x: &[T],
        amax: Option<f32>,
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        let n = x.len();
        Error::check_len("block codes", self.codes_len(n)?, codes.len())?;
        Error::check_len("block scales", self.scale_count(n), scales.len())?;
        let nv = match (self.scheme, amax) {
            (Scheme::Mx(_), _) => None,
            (_, Some(a)) => self.tensor(a),
            (_, None) => self.tensor(amax_real(x)),
        };
        self.quantize_core(self.fast_elem().as_ref(), x, nv.as_ref(), 0, codes, scales)?;
        Ok(nv.map_or(1.0, |t| crate::element::stored_f32(t.t)))
    }

    fn quantize_core<T: Real>(
        &self,
        fast: Option<&FastElem>,
        x: &[T],
        nv: Option<&Nv>,
        base: u64,
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<(), Error> {
        if let (Some(xf), Some(f)) = (T::as_f32s(x), fast)
            && crate::arch::block_quantize(f.backend, self, f, nv, xf, codes, scales)
        {
            return Ok(());
        }
        let bl = self.block_len();
        for (sc, xb) in scales.iter_mut().zip(x.chunks(bl)) {
            *sc = self.scale_code(nv, amax_real(xb));
        }
        let bits = self.element.bits();
        let mut buf = [0u16; 512];
        let (mut xf, mut y, mut c8) = ([0f32; 512], [0f32; 512], [0u8; 512]);
        let mut cur = (usize::MAX, Plan::NAN);
        for (ci, (xc, oc)) in x
            .chunks(512)
            .zip(codes.chunks_mut(512 * bits as usize / 8))
            .enumerate()
        {
            let start = ci * 512;
            if let Some(f) = fast {
                // The elements' inputs block by block, then one pass of the lane kernel.
                let len = xc.len();
                for (d, v) in xf[..len].iter_mut().zip(xc) {
                    *d = v.f32();
                }
                for_blocks(start, len, bl, |b, r| {
                    self.plan_of_code(nv, scales[b])
                        .pre_slice(&xf[r.clone()], &mut y[r]);
                });
                let (y, c8) = (&y[..len], &mut c8[..len]);
                crate::arch::encode_chunk_bytes(f.backend, &f.params, f.mode, y, false, c8);
                crate::pack::pack(c8, bits, crate::pack::Layout::Dense, oc)?;
                continue;
            }
            let buf = &mut buf[..xc.len()];
            for (k, (c, &v)) in buf.iter_mut().zip(xc).enumerate() {
                let i = start + k;
                if cur.0 != i / bl {
                    cur = (i / bl, self.plan_of_code(nv, scales[i / bl]));
                }
                let r = crate::slice::per_element(self.rounding, base + i as u64);
                *c = self.encode_elem(&cur.1, v.f32(), r) as u16;
            }
            crate::pack::pack(buf, bits, crate::pack::Layout::Dense, oc)?;
        }
        Ok(())
    }

    /// Reconstructs values from [`quantize`](Self::quantize)'s stored form: MX
    /// `X · element` (a NaN scale gives a NaN block), NVFP4 as the profile dequantizes
    /// (see [`Nvfp4Profile`]) with `tensor_scale` in the profile's convention.
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
    pub fn dequantize(
        &self,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        out: &mut [f32],
    ) -> Result<(), Error> {
        let table = crate::slice::DecodeTable::new(&self.element);
        self.dequantize_any(&table, codes, scales, tensor_scale, out)
    }

    /// [`dequantize`](Self::dequantize) to f16: each f32 result rounded to nearest even (MX
    /// results are exact in f32, so they round once).
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer has the wrong size.
    ///
    /// ```
    /// use half::f16;
    /// use lowbit::BlockFormat;
    /// let mut y = [f16::ZERO; 2];
    /// BlockFormat::MXFP4.dequantize_f16(&[0xF2], &[128], 1.0, &mut y).unwrap();
    /// assert_eq!(y, [f16::from_f32(2.0), f16::from_f32(-12.0)]);
    /// ```
    pub fn dequantize_f16(
        &self,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        out: &mut [f16],
    ) -> Result<(), Error> {
        let table = crate::slice::DecodeTable::new(&self.element);
        self.dequantize_any(&table, codes, scales, tensor_scale, out)
    }

    /// [`dequantize`](Self::dequantize) to bf16: each f32 result rounded to nearest even.
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer has the wrong size.
    ///
    /// ```
    /// use half::bf16;
    /// use lowbit::BlockFormat;
    /// let mut y = [bf16::ZERO; 2];
    /// BlockFormat::MXFP4.dequantize_bf16(&[0xF2], &[127], 1.0, &mut y).unwrap();
    /// assert_eq!(y, [bf16::from_f32(1.0), bf16::from_f32(-6.0)]);
    /// ```
    pub fn dequantize_bf16(
        &self,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        out: &mut [bf16],
    ) -> Result<(), Error> {
        let table = crate::slice::DecodeTable::new(&self.element);
        self.dequantize_any(&table, codes, scales, tensor_scale, out)
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
    pub fn dequantize_rows(
        &self,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        cols: usize,
        out: &mut [f32],
    ) -> Result<(), Error> {
        let rows = Error::check_rows(out.len(), cols)?;
        let (l, s) = (self.codes_len(cols)?, self.scale_count(cols));
        Error::check_len("block codes", rows * l, codes.len())?;
        Error::check_len("block scales", rows * s, scales.len())?;
        let table = crate::slice::DecodeTable::new(&self.element);
        for (r, or) in out.chunks_mut(cols.max(1)).enumerate() {
            let (cr, sr) = (&codes[r * l..(r + 1) * l], &scales[r * s..(r + 1) * s]);
            self.dequantize_any(&table, cr, sr, tensor_scale, or)?;
        }
        Ok(())
    }

    fn dequantize_any<T: Real>(
        &self,
        table: &crate::slice::DecodeTable,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        out: &mut [T],
    ) -> Result<(), Error> {
        let n = out.len();
        Error::check_len("block codes", self.codes_len(n)?, codes.len())?;
        Error::check_len("block scales", self.scale_count(n), scales.len())?;
        let nv = match self.scheme {
            Scheme::Mx(_) => None,
            Scheme::Nvfp4 { profile, .. } => Some(Nv::from_stored(profile, tensor_scale)),
        };
        let backend = Backend::best();
        if let Some(of) = T::as_f32s_mut(out) {
            return crate::arch::block_dequantize(
                backend,
                self,
                table,
                nv.as_ref(),
                codes,
                scales,
                of,
            );
        }
        // f16/bf16: f32 values through the table decode and each block's factors, then one
        // rounding to the output type.
        let (bits, bl, shift) = (self.element.bits(), self.block_len(), self.elem_shift());
        let mut vals = [0f32; 512];
        for (ci, (cc, oc)) in codes
            .chunks(512 * bits as usize / 8)
            .zip(out.chunks_mut(512))
            .enumerate()
        {
            let vals = &mut vals[..oc.len()];
            table.decode(backend, cc, vals)?;
            for_blocks(ci * 512, oc.len(), bl, |b, r| {
                let post = self.block_factor(nv.as_ref(), scales[b], shift);
                for (o, &v) in oc[r.clone()].iter_mut().zip(&vals[r]) {
                    *o = T::from_f32(match &post {
                        Ok(a) => v * a,
                        Err(p) => p.post(v),
                    });
                }
            });
        }
        Ok(())
    }
}

impl BlockFormat {
    /// [`Self::dequantize`] to f32 after its checks, compiled once per backend
    /// (`arch::block_dequantize`): 8-bit float elements decode arithmetically
    /// ([`FloatDecode`]) fused with the block factor; others through the decode table, then
    /// the factors.
    #[inline(always)]
    pub(crate) fn dequantize_kernel(
        &self,
        table: &crate::slice::DecodeTable,
        nv: Option<&Nv>,
        codes: &[u8],
        scales: &[u8],
        out: &mut [f32],
    ) -> Result<(), Error> {
        let bits = self.element.bits();
        let bl = self.block_len();
        let shift = self.elem_shift();
        let fd = match self.element {
            ElementFormat::Float(spec) if bits == 8 => FloatDecode::new(&spec),
            _ => None,
        };
        // No closures on this path: a closure is compiled apart from the backend entry that
        // calls it, without its target features, and its loops would not vectorize.
        if let Some(d) = fd {
            for (b, (ob, cb)) in out.chunks_mut(bl).zip(codes.chunks(bl)).enumerate() {
                match self.block_factor(nv, scales[b], shift) {
                    Ok(a) => {
                        for (o, &c) in ob.iter_mut().zip(cb) {
                            *o = d.decode(c) * a;
                        }
                    }
                    Err(p) => {
                        for (o, &c) in ob.iter_mut().zip(cb) {
                            *o = p.post(d.decode(c));
                        }
                    }
                }
            }
            return Ok(());
        }
        let backend = Backend::best();
        // 4-bit elements in blocks of 16 or 32: one fused pass where the backend has it.
        let mut done = 0;
        if bits == 4 && (bl == 16 || bl == 32) && backend == Backend::Avx512 {
            let t16 = table.first16();
            // NVFP4: every scale byte's E4M3 value, once per call.
            let mut s8 = [0f32; 256];
            if nv.is_some() {
                let ElementFormat::Float(e4m3) = E4M3 else {
                    unreachable!()
                };
                FloatDecode::new(&e4m3)
                    .expect("E4M3 decodes arithmetically")
                    .decode_slice(&core::array::from_fn::<u8, 256, _>(|i| i as u8), &mut s8);
            }
            let (mut fa, mut fb) = ([0f32; 32], [0f32; 32]);
            for (ci, (cc, oc)) in codes.chunks(256).zip(out.chunks_mut(512)).enumerate() {
                let nb = oc.len() / bl;
                for k in 0..nb {
                    let b = ci * (512 / bl) + k;
                    (fa[k], fb[k]) = match nv {
                        Some(t) => t.post_factors(s8[scales[b] as usize]),
                        None => match self.block_factor(None, scales[b], shift) {
                            Ok(a) => (a, 1.0),
                            Err(p) => (p.qa, p.qb),
                        },
                    };
                }
                let w = crate::arch::dequant_nibble_blocks(
                    backend,
                    &t16,
                    cc,
                    &fa[..nb],
                    &fb[..nb],
                    bl,
                    oc,
                );
                done += w;
                if w < oc.len() {
                    break;
                }
            }
        }
        if done == out.len() {
            return Ok(());
        }
        // The rest (all of it elsewhere): the table decode, then each block's factors.
        let (codes, out) = (&codes[done / 2..], &mut out[done..]);
        let first_block = done / bl;
        let mut vals = [0f32; 512];
        for (ci, (cc, oc)) in codes
            .chunks(512 * bits as usize / 8)
            .zip(out.chunks_mut(512))
            .enumerate()
        {
            let vals = &mut vals[..oc.len()];
            table.decode(backend, cc, vals)?;
            let (start, len) = (ci * 512, oc.len());
            let mut j = 0;
            while j < len {
                let b = (start + j) / bl;
                let end = ((b + 1) * bl - start).min(len);
                match self.block_factor(nv, scales[first_block + b], shift) {
                    Ok(a) => {
                        for (o, &v) in oc[j..end].iter_mut().zip(&vals[j..end]) {
                            *o = v * a;
                        }
                    }
                    Err(p) => {
                        for (o, &v) in oc[j..end].iter_mut().zip(&vals[j..end]) {
                            *o = p.post(v);
                        }
                    }
                }
                j = end;
            }
        }
        Ok(())
    }

    /// The dequantization factor of a block with scale byte `sc`: `Ok(a)` when
    /// `out = q · a`, else the block's plan. MX factors `2^(k − shift)` come straight from
    /// the byte as an f32 bit pattern when they are normal numbers.
    #[inline(always)]
    fn block_factor(&self, nv: Option<&Nv>, sc: u8, shift: i32) -> Result<f32, Plan> {
        let e = sc as i32 - shift;
        if nv.is_none() && sc != 0xFF && (1..255).contains(&e) {
            return Ok(f32::from_bits((e as u32) << 23));
        }
        let p = self.plan_of_code(nv, sc);
        if p.qb == 1.0 { Ok(p.qa) } else { Err(p) }
    }
}

/// Arithmetic decode of a signed float format of at most 8 bits (not E8M0-like): the code's
/// fields moved into an f32 bit pattern for normals, `m · 2^(emin − mbits)` for subnormals,
/// then the format's infinities and NaNs. Branch-free, so decode loops vectorize; checked
/// against [`Format::decode`] on every code of every such named format in the tests below.
#[derive(Clone, Copy)]
pub(crate) struct FloatDecode {
    top: u32,
    mbits: u32,
    exp_add: u32,
    /// 2^−k for the exponent offset k of `exp_add` (1.0 for every named format).
    normal_scale: f32,
    sub_scale: f32,
    /// The all-ones exponent field of an IEEE-style format (infinities and NaNs), else a
    /// value no field takes.
    ieee_special: u32,
    /// The magnitude that is NaN (fn formats), else a value no magnitude takes.
    nan_mag: u32,
    /// The code that is NaN (fnuz formats: the negative zero), else a value no code takes.
    nan_code: u32,
}

impl FloatDecode {
    pub(crate) fn new(spec: &crate::spec::FloatSpec) -> Option<Self> {
        use crate::spec::NonFinite;
        if !spec.is_signed() || spec.zero_is_normal() || spec.bits() > 8 {
            return None;
        }
        let mbits = spec.man_bits();
        let top = 1u32 << (spec.bits() - 1);
        let none = u32::MAX;
        let nf = spec.non_finite();
        // The biased f32 exponent of field value e is e − bias + 127. Where bias > 127 the
        // lowest binades lie in f32's subnormal range, which no exponent field can express:
        // build every normal 2^k too high (the top field, at most 2^7 − 1 − bias + 127 + k,
        // stays below f32's all-ones field) and multiply by 2^−k, exact because every value of
        // the format is an f32 (`FloatSpec::new` checks it).
        let bias = 1 - spec.emin();
        let k = (bias - 127).max(0);
        Some(FloatDecode {
            top,
            mbits,
            exp_add: (127 + k - bias) as u32,
            normal_scale: convert::pow2_f64(-k) as f32,
            sub_scale: convert::pow2_f64(spec.emin() - mbits as i32) as f32,
            ieee_special: if nf == NonFinite::Ieee {
                (top - 1) >> mbits
            } else {
                none
            },
            nan_mag: if nf == NonFinite::Fn { top - 1 } else { none },
            nan_code: if nf == NonFinite::Fnuz { top } else { none },
        })
    }

    /// Decodes a slice of one-byte codes.
    #[inline(always)]
    pub(crate) fn decode_slice(&self, codes: &[u8], out: &mut [f32]) {
        for (o, &c) in out.iter_mut().zip(codes) {
            *o = self.decode(c);
        }
    }

    #[inline(always)]
    fn decode(&self, c: u8) -> f32 {
        let c = c as u32;
        let sign = if c & self.top != 0 { 0x8000_0000 } else { 0 };
        let mag = c & (self.top - 1);
        let (e, m) = (mag >> self.mbits, mag & ((1 << self.mbits) - 1));
        let normal = f32::from_bits(((e + self.exp_add) << 23) | (m << (23 - self.mbits)))
            * self.normal_scale;
        let sub = m as f32 * self.sub_scale;
        let v = if e == 0 { sub } else { normal };
        let v = f32::from_bits(v.to_bits() | sign);
        // NaNs carry the code's sign, as `Format::decode` gives them.
        let nan = f32::from_bits(0x7FC0_0000 | sign);
        let inf_or_nan = if m == 0 {
            f32::from_bits(0x7F80_0000 | sign)
        } else {
            nan
        };
        let v = if e == self.ieee_special {
            inf_or_nan
        } else {
            v
        };
        if mag == self.nan_mag || c == self.nan_code {
            nan
        } else {
            v
        }
    }
}

/// Calls `f(block, range)` for each block overlapping the chunk `start..start + len` of a
/// slice cut in blocks of `bl`, with `range` the block's part of the chunk (chunk-relative).
#[inline(always)]
fn for_blocks(
    start: usize,
    len: usize,
    bl: usize,
    mut f: impl FnMut(usize, core::ops::Range<usize>),
) {
    let mut j = 0;
    while j < len {
        let b = (start + j) / bl;
        let end = ((b + 1) * bl - start).min(len);
        f(b, j..end);
        j = end;
    }
}

/// Input and output element types of block quantization (sealed).
trait Real: Copy {
    fn f32(self) -> f32;
    fn from_f32(v: f32) -> Self;
    /// The slice itself when it already is f32.
    fn as_f32s(x: &[Self]) -> Option<&[f32]> {
        let _ = x;
        None
    }
    /// The slice itself when it already is f32.
    fn as_f32s_mut(x: &mut [Self]) -> Option<&mut [f32]> {
        let _ = x;
        None
    }
}
impl Real for f32 {
    fn as_f32s(x: &[Self]) -> Option<&[f32]> {
        Some(x)
    }
    fn as_f32s_mut(x: &mut [Self]) -> Option<&mut [f32]> {
        Some(x)
    }
    #[inline(always)]
    fn f32(self) -> f32 {
        self
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        v
    }
}
impl Real for f16 {
    #[inline(always)]
    fn f32(self) -> f32 {
        self.to_f32()
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        f16::from_f32(v)
    }
}
impl Real for bf16 {
    #[inline(always)]
    fn f32(self) -> f32 {
        self.to_f32()
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        bf16::from_f32(v)
    }
}

/// Largest magnitude, NaN if any element is NaN: the largest of the magnitudes' bit
/// patterns, which order like the magnitudes themselves, with every NaN pattern above
/// infinity. An integer max reduction, so it vectorizes (a float `max` fold does not: its
/// NaN rule keeps LLVM from reordering it).
pub(crate) fn amax_f32(x: &[f32]) -> f32 {
    amax_real(x)
}

/// [`amax_f32`] of f32, f16 or bf16 values.
#[inline(always)]
fn amax_real<T: Real>(x: &[T]) -> f32 {
    f32::from_bits(
        x.iter()
            .fold(0u32, |m, v| m.max(v.f32().to_bits() & 0x7FFF_FFFF)),
    )
}

/// The E4M3FN code of a value that E4M3FN represents exactly (a scale from
/// [`Nv::scale_value`]): normals `(exponent + 7) << 3 | top 3 mantissa bits`, subnormals
/// `v · 2^9`, NaN 0x7F.
#[inline(always)]
fn e4m3_code_of(v: f32) -> u8 {
    let bits = v.to_bits();
    let sign = ((bits >> 24) & 0x80) as u8;
    let a = f32::from_bits(bits & 0x7FFF_FFFF);
    if a.is_nan() {
        return 0x7F;
    }
    let mag = if a >= 1.0 / 64.0 {
        let e = ((bits >> 23) & 0xFF) as i32 - 127 + 7;
        ((e as u32) << 3 | (bits >> 20) & 7) as u8
    } else {
        (a * 512.0) as u8
    };
    sign | mag
}

/// `min` that propagates NaN in its first argument, as `torch.min` does.
#[inline(always)]
fn tmin(a: f32, b: f32) -> f32 {
    if b < a { b } else { a }
}

/// How one block maps values to its element grid and back, in f32:
/// element input `((v · pm) / pd) + pz`, output `(q · qa) · qb`. `pz` is −0.0 (a no-op) or
/// +0.0 (turns −0 into +0). MX blocks also carry the exact exponent shift.
#[derive(Clone, Copy)]
pub(crate) struct Plan {
    pm: f32,
    pd: f32,
    pz: f32,
    qa: f32,
    qb: f32,
    /// What a NaN element input becomes (NaN itself, except ModelOpt: +6).
    nan_to: f32,
    shift: Option<i32>,
}

impl Plan {
    const NAN: Plan = Plan {
        pm: f32::NAN,
        pd: 1.0,
        pz: -0.0,
        qa: f32::NAN,
        qb: 1.0,
        nan_to: f32::NAN,
        shift: None,
    };

    #[inline(always)]
    fn pre(&self, v: f32) -> f32 {
        let y = ((v * self.pm) / self.pd) + self.pz;
        if y.is_nan() { self.nan_to } else { y }
    }

    #[inline(always)]
    fn post(&self, q: f32) -> f32 {
        (q * self.qa) * self.qb
    }

    /// `y[i] = pre(x[i])`, with the multiply-only plans (MX, TransformerEngine) on a loop the
    /// compiler vectorizes without the division and the NaN select.
    #[inline(always)]
    fn pre_slice(&self, x: &[f32], y: &mut [f32]) {
        if self.pm.is_nan() {
            // A block whose scale is NaN stores element codes 0 (see `encode_elem`).
            y.fill(0.0);
        } else if self.pd == 1.0 && self.pz.is_sign_negative() && self.nan_to.is_nan() {
            let m = self.pm;
            for (d, &v) in y.iter_mut().zip(x) {
                *d = v * m;
            }
        } else {
            for (d, &v) in y.iter_mut().zip(x) {
                *d = self.pre(v);
            }
        }
    }
}

/// NVFP4's tensor-level quantities for one profile.
#[derive(Clone, Copy)]
pub(crate) struct Nv {
    profile: Nvfp4Profile,
    /// The stored tensor scale, in the profile's convention.
    t: f32,
    /// TransformerEngine: S_enc · fl(1/6), the multiplier that maps a block amax to its scale.
    to_scale: f32,
}

impl Nv {
    fn from_amax(profile: Nvfp4Profile, two_level: bool, amax: f32) -> Nv {
        let amax = if two_level { amax } else { 0.0 };
        match profile {
            Nvfp4Profile::TransformerEngine => {
                // S_enc = (448·6)/amax in f32, capped at FLT_MAX, 1 if 0.
                let mut enc = tmin(2688.0f32 / amax, f32::MAX);
                if amax == 0.0 || enc == 0.0 {
                    enc = 1.0;
                }
                Nv {
                    profile,
                    t: 1.0f32 / enc,
                    to_scale: enc * (1.0f32 / 6.0f32),
                }
            }
            Nvfp4Profile::Torchao | Nvfp4Profile::ModelOpt => Nv {
                profile,
                t: if amax == 0.0 { 1.0 } else { amax / 2688.0f32 },
                to_scale: 0.0,
            },
            Nvfp4Profile::CompressedTensors => Nv {
                profile,
                t: if amax == 0.0 { 1.0 } else { 2688.0f32 / amax },
                to_scale: 0.0,
            },
        }
    }

    fn from_stored(profile: Nvfp4Profile, t: f32) -> Nv {
        Nv {
            profile,
            t,
            to_scale: 0.0,
        }
    }

    fn scale_code(&self, b: f32) -> u8 {
        let code = self.scale_code_signed(b);
        // Every stored NaN scale is the positive one (see `ElementFormat::stored_nan`).
        if code & 0x7F == 0x7F { 0x7F } else { code }
    }

    fn scale_code_signed(&self, b: f32) -> u8 {
        let ne = Rounding::NearestEven;
        let code = match self.profile {
            Nvfp4Profile::TransformerEngine => {
                let v = tmin(tmin(b * self.to_scale, f32::MAX), 448.0);
                E4M3.encode(v, ne, Overflow::Saturate)
            }
            Nvfp4Profile::Torchao => {
                // torch.clamp keeps NaN.
                let v = ((b / 6.0f32) / self.t).clamp(1.0 / 64.0, 448.0);
                E4M3.encode(v, ne, Overflow::NonFinite)
            }
            Nvfp4Profile::ModelOpt => {
                let mut v = b / (6.0f32 * self.t);
                if v == 0.0 {
                    v = 1.0;
                }
                if v < 1.0 / 512.0 {
                    v = 1.0 / 512.0;
                }
                // torch's cast: beyond 464 is NaN.
                E4M3.encode(v, ne, Overflow::NonFinite)
            }
            Nvfp4Profile::CompressedTensors => {
                let v = (self.t * (b / 6.0f32)).clamp(-448.0, 448.0);
                let c = E4M3.encode(v, ne, Overflow::Saturate);
                // A scale that is 0 after rounding becomes 0.125 (the E4M3 "eps" there).
                if c & 0x7F == 0 { 0x20 } else { c }
            }
        };
        code as u8
    }

    fn plan(&self, code: u8) -> Plan {
        self.plan_value(E4M3.decode(code as u32))
    }

    /// The block scale's value, as [`Self::scale_code`] then a decode would give it, from
    /// [`Grid`] rounding onto E4M3 (`g4`) instead of through a code.
    #[inline(always)]
    fn scale_value(&self, b: f32, g4: &Grid) -> f32 {
        match self.profile {
            Nvfp4Profile::TransformerEngine => {
                g4.round(tmin(tmin(b * self.to_scale, f32::MAX), 448.0))
            }
            Nvfp4Profile::Torchao => g4.round(((b / 6.0f32) / self.t).clamp(1.0 / 64.0, 448.0)),
            Nvfp4Profile::ModelOpt => {
                let mut v = b / (6.0f32 * self.t);
                if v == 0.0 {
                    v = 1.0;
                }
                if v < 1.0 / 512.0 {
                    v = 1.0 / 512.0;
                }
                // Beyond 464 the non-saturating cast gives NaN (464 itself rounds to 448).
                if v > 464.0 { f32::NAN } else { g4.round(v) }
            }
            Nvfp4Profile::CompressedTensors => {
                let s = g4.round((self.t * (b / 6.0f32)).clamp(-448.0, 448.0));
                if s == 0.0 { 0.125 } else { s }
            }
        }
    }

    /// The dequantization factors `(a, b)` of a block with scale value `s`: out = (q·a)·b,
    /// the same products as [`Self::plan_value`]'s post.
    #[inline(always)]
    fn post_factors(&self, s: f32) -> (f32, f32) {
        match self.profile {
            Nvfp4Profile::TransformerEngine => (s, self.t),
            Nvfp4Profile::Torchao => (self.t * s, 1.0),
            Nvfp4Profile::ModelOpt => (s * self.t, 1.0),
            Nvfp4Profile::CompressedTensors => (s / self.t, 1.0),
        }
    }

    /// How a block with scale value `s` maps to and from the element grid.
    #[inline(always)]
    fn plan_value(&self, s: f32) -> Plan {
        let (pm, pd, pz, qa, qb) = match self.profile {
            Nvfp4Profile::TransformerEngine => {
                let enc = tmin(1.0f32 / (s * self.t), f32::MAX);
                (enc, 1.0, -0.0, s, self.t)
            }
            Nvfp4Profile::Torchao => {
                let tot = self.t * s;
                (1.0, tot, -0.0, tot, 1.0)
            }
            Nvfp4Profile::ModelOpt => {
                let tot = s * self.t;
                (1.0, tot, 0.0, tot, 1.0)
            }
            Nvfp4Profile::CompressedTensors => {
                let eff = s / self.t;
                (1.0, eff, 0.0, eff, 1.0)
            }
        };
        Plan {
            pm,
            pd,
            pz,
            qa,
            qb,
            // ModelOpt's cast sorts NaN above every bound: code 7 (+6).
            nan_to: if self.profile == Nvfp4Profile::ModelOpt {
                6.0
            } else {
                f32::NAN
            },
            shift: None,
        }
    }
}

/// Elements per call into the lane kernel in block quantization.
const SPAN: usize = 256;

/// Nearest-even, saturating rounding of an f32 onto a signed float format's value grid, in
/// f32 arithmetic: within the binade of `|y|` (or the lowest normal binade, for subnormals)
/// the grid step is `2^(e − mbits)`, and `(|y| + 1.5·2^(e − mbits + 23)) − 1.5·2^(e − mbits + 23)`
/// rounds `|y|` to a multiple of it with the FPU's ties-to-even — the even multiple is the
/// even mantissa, also where a carry reaches the next binade. Values beyond the largest
/// finite value become it (inputs are first clamped to twice the maximum, so the magic
/// constant never overflows). NaN gives NaN in formats with NaN and +0 in the others, −0
/// gives +0 in formats without −0 (fnuz), as the encoders do. Equal to
/// `decode(encode(y, NearestEven, Saturate))` for every `y`;
/// `grid_round_matches_encode_decode` checks it on every f32 exponent.
#[derive(Clone, Copy)]
pub(crate) struct Grid {
    emin: i32,
    mbits: i32,
    max: f32,
    lim: f32,
    nan_out: f32,
    neg_zero: bool,
}

impl Grid {
    fn new(spec: &crate::spec::FloatSpec) -> Option<Self> {
        if !spec.is_signed() || spec.zero_is_normal() || spec.man_bits() > 20 {
            return None;
        }
        let f = ElementFormat::Float(*spec);
        let max = f.max_value() as f32;
        Some(Grid {
            emin: spec.emin(),
            mbits: spec.man_bits() as i32,
            max,
            lim: 2.0 * max,
            nan_out: if spec.has_nan() { f32::NAN } else { 0.0 },
            neg_zero: spec.non_finite() != crate::spec::NonFinite::Fnuz,
        })
    }

    #[inline(always)]
    fn round(&self, y: f32) -> f32 {
        let nan = y.is_nan();
        let r = self.round_finite(if nan { 0.0 } else { y });
        // Formats without −0 (fnuz) give +0.
        let r = if !self.neg_zero && r == 0.0 { 0.0 } else { r };
        if nan { self.nan_out } else { r }
    }

    /// [`Self::round`] for a `y` known not to be NaN, keeping the sign of a zero result.
    #[inline(always)]
    fn round_finite(&self, y: f32) -> f32 {
        let bits = y.to_bits();
        // `if a < b { a } else { b }` rather than `f32::min`: one `minps`, without `min`'s
        // NaN handling, which this input does not need.
        let a = f32::from_bits(bits & 0x7FFF_FFFF);
        let a = if a < self.lim { a } else { self.lim };
        let e = ((a.to_bits() >> 23) as i32 - 127).max(self.emin);
        let magic = f32::from_bits((((e - self.mbits + 23 + 127) as u32) << 23) | 0x0040_0000);
        let r = (a + magic) - magic;
        let r = if r < self.max { r } else { self.max };
        f32::from_bits(r.to_bits() | (bits & 0x8000_0000))
    }
}

/// A float element format of at most 8 bits with nearest-even, saturating rounding on the
/// fast paths: the bulk lane kernel for codes, [`Grid`] for fake quantization, and a decode
/// table.
pub(crate) struct FastElem {
    backend: Backend,
    params: LaneParams,
    mode: u8,
    grid: Grid,
}

impl FastElem {
    fn new(elem: &ElementFormat) -> Option<Self> {
        let ElementFormat::Float(spec) = elem else {
            return None;
        };
        if spec.bits() > 8 {
            return None;
        }
        let (params, mode) = LaneParams::new(spec, Rounding::NearestEven, Overflow::Saturate)?;
        Some(FastElem {
            backend: Backend::best(),
            params,
            mode,
            grid: Grid::new(spec)?,
        })
    }

    /// Fake-quantizes consecutive blocks of `n` elements (the last may be partial), block
    /// `b` with plan `plans[b]`, in one fused pass per block.
    ///
    /// MX plans multiply by `2^−k` in f32 here instead of moving the exponent: the product
    /// is exact except in f32's subnormal range, which lies far below every element
    /// format's smallest subnormal, so both round to ±0.
    #[inline(always)]
    fn qdq(&self, x: &[f32], n: usize, plans: &[Plan], out: &mut [f32]) {
        let g = self.grid;
        for ((ob, xb), p) in out.chunks_mut(n).zip(x.chunks(n)).zip(plans) {
            // MX and TransformerEngine only multiply; keep their loop free of the division
            // and the NaN select, which the compiler cannot drop on its own.
            if p.pd == 1.0 && p.pz.is_sign_negative() && p.nan_to.is_nan() && p.qb == 1.0 {
                let (m, a) = (p.pm, p.qa);
                // An MX block with a finite factor had a finite amax, so it holds no NaN:
                // no NaN handling in the loop.
                if p.shift.is_some() && m.is_finite() && g.neg_zero {
                    for (o, &v) in ob.iter_mut().zip(xb) {
                        *o = g.round_finite(v * m) * a;
                    }
                } else {
                    for (o, &v) in ob.iter_mut().zip(xb) {
                        *o = g.round(v * m) * a;
                    }
                }
            } else {
                for (o, &v) in ob.iter_mut().zip(xb) {
                    *o = p.post(g.round(p.pre(v)));
                }
            }
        }
    }
}

/// Name suffixes of the element roundings other than nearest-even.
const ROUNDING_SUFFIXES: [(&str, Rounding); 4] = [
    ("_rna", Rounding::NearestAway),
    ("_rz", Rounding::TowardZero),
    ("_rup", Rounding::TowardPositive),
    ("_rdn", Rounding::TowardNegative),
];

impl fmt::Display for BlockFormat {
    /// The base name (`mxfp4`, `nvfp4`, `nvfp4_modelopt`, …), then `_{floor|ceil|even|rceil}`
    /// for a non-default MX rule, `_single` for single-level NVFP4, `_k{N}` for a
    /// non-default block length, and `_{rna|rz|rup|rdn}` or `_sr{seed}` for a non-default
    /// element rounding. Parses back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base_len = match self.scheme {
            Scheme::Mx(_) => 32,
            Scheme::Nvfp4 { .. } => 16,
        };
        match self.scheme {
            Scheme::Mx(rule) => {
                let base = BlockFormat {
                    block_len: 32,
                    scheme: Scheme::Mx(MxScaleRule::Floor),
                    rounding: Rounding::NearestEven,
                    ..*self
                };
                let name = Self::NAMED
                    .iter()
                    .find(|(_, b)| *b == base)
                    .map(|(n, _)| *n)
                    .ok_or(fmt::Error)?;
                f.write_str(name)?;
                if rule != MxScaleRule::Floor {
                    write!(f, "_{}", rule.suffix())?;
                }
            }
            Scheme::Nvfp4 { profile, two_level } => {
                f.write_str(profile.name())?;
                if !two_level {
                    f.write_str("_single")?;
                }
            }
        }
        if self.block_len != base_len {
            write!(f, "_k{}", self.block_len)?;
        }
        match self.rounding {
            Rounding::NearestEven => Ok(()),
            Rounding::Stochastic(seed) => write!(f, "_sr{seed}"),
            r => {
                let s = ROUNDING_SUFFIXES
                    .iter()
                    .find(|(_, q)| *q == r)
                    .ok_or(fmt::Error)?;
                f.write_str(s.0)
            }
        }
    }
}

/// Parses the decimal digits of a name suffix (1..=10 digits).
fn digits(r: &str) -> Option<u64> {
    if r.is_empty() || r.len() > 10 || !r.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    r.parse().ok()
}

impl FromStr for BlockFormat {
    type Err = Error;

    /// Accepts `mxfp8_e4m3`, `mxfp8_e5m2`, `mxfp6_e2m3`, `mxfp6_e3m2`, `mxfp4`, `mxint8`,
    /// `nvfp4`, `nvfp4_torchao`, `nvfp4_modelopt`, `nvfp4_ct`, optionally followed, in this
    /// order, by `_{floor|ceil|even|rceil}` (MX) or `_single` (NVFP4), `_k{N}` (block
    /// length), and `_{rna|rz|rup|rdn}` or `_sr{seed}` (element rounding).
    ///
    /// ```
    /// use lowbit::{BlockFormat, MxScaleRule, Rounding};
    /// let bf: BlockFormat = "mxfp8_e4m3_rceil_k64_sr42".parse().unwrap();
    /// assert_eq!(bf, BlockFormat::MXFP8_E4M3
    ///     .with_scale_rule(MxScaleRule::RCeil).unwrap()
    ///     .with_block_len(64).unwrap()
    ///     .with_rounding(Rounding::Stochastic(42)));
    /// assert!("mxfp4_single".parse::<BlockFormat>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::UnknownName(NameBuf::new(s));
        let lower = s.trim();
        let (mut bf, mut rest) = Self::NAMED
            .iter()
            .filter_map(|(n, b)| lower.strip_prefix(n).map(|r| (*b, r)))
            .min_by_key(|(_, r)| r.len())
            .ok_or_else(bad)?;
        for (name, rule) in [
            ("_floor", MxScaleRule::Floor),
            ("_ceil", MxScaleRule::Ceil),
            ("_even", MxScaleRule::Even),
            ("_rceil", MxScaleRule::RCeil),
        ] {
            if let Some(r) = rest.strip_prefix(name) {
                bf = bf.with_scale_rule(rule).map_err(|_| bad())?;
                rest = r;
                break;
            }
        }
        if let Some(r) = rest.strip_prefix("_single") {
            bf = bf.with_tensor_scale(false).map_err(|_| bad())?;
            rest = r;
        }
        if let Some(r) = rest.strip_prefix("_k") {
            let end = r.find('_').unwrap_or(r.len());
            let n = digits(&r[..end]).ok_or_else(bad)?;
            bf = bf.with_block_len(n as usize)?;
            rest = &r[end..];
        }
        if let Some(r) = rest.strip_prefix("_sr") {
            let seed = digits(r)
                .filter(|&v| v <= u32::MAX as u64)
                .ok_or_else(bad)?;
            return Ok(bf.with_rounding(Rounding::Stochastic(seed as u32)));
        }
        for (name, r) in ROUNDING_SUFFIXES {
            if rest == name {
                return Ok(bf.with_rounding(r));
            }
        }
        if rest.is_empty() { Ok(bf) } else { Err(bad()) }
    }
}

#[cfg(test)]
mod grid_tests {
    use super::*;

    /// Grid rounding equals decode(encode(y)) (nearest-even, saturating) for every element
    /// format on the fast path, on f32 inputs covering every exponent with many mantissas,
    /// every tie and neighbour of a tie, and the specials.
    #[test]
    fn grid_round_matches_encode_decode() {
        for f in [
            ElementFormat::FLOAT4_E2M1FN,
            ElementFormat::FLOAT6_E2M3FN,
            ElementFormat::FLOAT6_E3M2FN,
            ElementFormat::FLOAT8_E4M3FN,
            ElementFormat::FLOAT8_E5M2,
            ElementFormat::FLOAT8_E4M3FNUZ,
            ElementFormat::FLOAT8_E5M2FNUZ,
            ElementFormat::FLOAT8_E3M4,
        ] {
            let ElementFormat::Float(spec) = f else {
                unreachable!()
            };
            let g = Grid::new(&spec).unwrap();
            let check = |y: f32| {
                let want = f.decode(f.encode(y, Rounding::NearestEven, Overflow::Saturate));
                let got = g.round(y);
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "{f}: {y:e} ({:#x}) -> {got:e}, want {want:e}",
                    y.to_bits()
                );
            };
            for e in 0..=255u32 {
                for m in (0..1u32 << 23).step_by(4093).chain([0, 1, (1 << 23) - 1]) {
                    for sign in [0, 1u32 << 31] {
                        check(f32::from_bits(sign | e << 23 | m));
                    }
                }
            }
            // The arithmetic decode of every code (8-bit formats and the narrower ones).
            let d = FloatDecode::new(&spec).unwrap();
            for c in 0..1u32 << f.bits() {
                let (got, want) = (d.decode(c as u8), f.decode(c));
                assert_eq!(got.to_bits(), want.to_bits(), "{f} code {c}");
            }
            // Every code value, every midpoint between neighbours, and one ulp either side.
            let mut vals: std::vec::Vec<f32> = (0..1u32 << f.bits())
                .map(|c| f.decode(c))
                .filter(|v| v.is_finite())
                .collect();
            vals.sort_by(|a, b| a.partial_cmp(b).unwrap());
            for w in vals.windows(2) {
                let mid = (w[0] + w[1]) / 2.0;
                for v in [
                    w[0],
                    mid,
                    f32::from_bits(mid.to_bits() + 1),
                    f32::from_bits(mid.to_bits().wrapping_sub(1)),
                ] {
                    check(v);
                    check(-v);
                }
            }
        }
    }
}
