//! NVIDIA NVFP4: E2M1 elements in blocks of 16 with an E4M3 block scale and an f32 tensor
//! scale, computed as each ecosystem computes it ([`Nvfp4Profile`]).

use crate::element::fast::Grid;
use crate::element::{ElementFormat, Format};
use crate::kernels::scaled::{FactorRule, Plan};
use crate::round::{Overflow, Rounding};

const E4M3: ElementFormat = ElementFormat::FLOAT8_E4M3FN;

/// The E4M3FN grid, for block scales computed by rounding onto it.
pub(crate) fn e4m3_grid() -> Grid {
    match E4M3 {
        ElementFormat::Float(s) => match Grid::new(&s) {
            Some(g) => g,
            None => unreachable!("E4M3FN is a signed float format"),
        },
        _ => unreachable!("E4M3FN is a float format"),
    }
}

/// The value of an E4M3FN scale byte.
pub(crate) fn e4m3_value(code: u8) -> f32 {
    E4M3.decode(code as u32)
}

/// Whose NVFP4 recipe a [`BlockFormat`](crate::BlockFormat) follows. They agree on the format (E2M1 elements,
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
    pub(crate) const fn name(self) -> &'static str {
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

/// NVFP4's tensor-level quantities for one profile.
#[derive(Clone, Copy)]
pub(crate) struct NvTensor {
    profile: Nvfp4Profile,
    /// The stored tensor scale, in the profile's convention.
    pub(crate) t: f32,
    /// TransformerEngine: S_enc · fl(1/6), the multiplier that maps a block amax to its scale.
    to_scale: f32,
}

impl NvTensor {
    pub(crate) fn from_amax(profile: Nvfp4Profile, two_level: bool, amax: f32) -> NvTensor {
        let amax = if two_level { amax } else { 0.0 };
        match profile {
            Nvfp4Profile::TransformerEngine => {
                // S_enc = (448·6)/amax in f32, capped at FLT_MAX, 1 if 0.
                let mut enc = tmin(2688.0f32 / amax, f32::MAX);
                if amax == 0.0 || enc == 0.0 {
                    enc = 1.0;
                }
                NvTensor {
                    profile,
                    t: 1.0f32 / enc,
                    to_scale: enc * (1.0f32 / 6.0f32),
                }
            }
            Nvfp4Profile::Torchao | Nvfp4Profile::ModelOpt => NvTensor {
                profile,
                t: if amax == 0.0 { 1.0 } else { amax / 2688.0f32 },
                to_scale: 0.0,
            },
            Nvfp4Profile::CompressedTensors => NvTensor {
                profile,
                t: if amax == 0.0 { 1.0 } else { 2688.0f32 / amax },
                to_scale: 0.0,
            },
        }
    }

    pub(crate) fn from_stored(profile: Nvfp4Profile, t: f32) -> NvTensor {
        NvTensor {
            profile,
            t,
            to_scale: 0.0,
        }
    }

    pub(crate) fn scale_code(&self, b: f32) -> u8 {
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

    /// The block scale's value, as [`Self::scale_code`] then a decode would give it, from
    /// [`Grid`] rounding onto E4M3 (`g4`) instead of through a code.
    #[inline(always)]
    pub(crate) fn scale_value(&self, b: f32, g4: &Grid) -> f32 {
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

    /// How a block's dequantization factors `(a, b)`, `out = (q·a)·b`, follow from its scale
    /// value `s`: the products of [`Self::plan_value`]'s post, as a rule and the tensor scale.
    pub(crate) fn factor_rule(&self) -> (FactorRule, f32) {
        let rule = match self.profile {
            Nvfp4Profile::TransformerEngine => FactorRule::Pair,
            Nvfp4Profile::Torchao => FactorRule::MulLeft,
            Nvfp4Profile::ModelOpt => FactorRule::MulRight,
            Nvfp4Profile::CompressedTensors => FactorRule::Div,
        };
        (rule, self.t)
    }

    /// How a block with scale value `s` maps to and from the element grid, for a block whose
    /// largest magnitude is `amax` (NaN for a NaN-holding block; for dequantization, 0).
    #[inline(always)]
    pub(crate) fn plan_value(&self, s: f32, amax: f32) -> Plan {
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
        // ModelOpt's cast sorts NaN above every bound: code 7 (+6).
        let nan_to = if self.profile == Nvfp4Profile::ModelOpt {
            6.0
        } else {
            f32::NAN
        };
        // E2M1 has −0.
        Plan::new((pm, pd, pz, nan_to), (qa, qb), amax, true)
    }
}
/// The E4M3FN code of a value that E4M3FN represents exactly (a scale from
/// [`Nv::scale_value`]): normals `(exponent + 7) << 3 | top 3 mantissa bits`, subnormals
/// `v · 2^9`, NaN 0x7F.
#[inline(always)]
pub(crate) fn e4m3_code_of(v: f32) -> u8 {
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

/// [`BlockFormat::convert_nvfp4_stored`](crate::BlockFormat::convert_nvfp4_stored) for blocks
/// of `bl`.
pub(crate) fn convert_stored(
    from: Nvfp4Profile,
    to: Nvfp4Profile,
    bl: usize,
    codes: &[u8],
    scales: &mut [u8],
    tensor_scale: f32,
) -> Result<f32, crate::error::Error> {
    // codes.len() ≤ isize::MAX, so twice it fits.
    let n = codes.len() * 2;
    crate::error::Error::check_len("block scales", n.div_ceil(bl), scales.len())?;
    for (b, sc) in scales.iter_mut().enumerate() {
        // Codes 0 and 8 are ±0; the last byte of an odd-length tensor pads with 0.
        let zero =
            (b * bl..((b + 1) * bl).min(n)).all(|i| (codes[i / 2] >> (4 * (i % 2))) & 7 == 0);
        if zero {
            *sc = to.zero_block_scale();
        }
    }
    let encode_convention = |p: Nvfp4Profile| p == Nvfp4Profile::CompressedTensors;
    Ok(if encode_convention(from) == encode_convention(to) {
        tensor_scale
    } else {
        1.0 / tensor_scale
    })
}
