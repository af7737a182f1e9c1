//! NVIDIA NVFP4: E2M1 elements in blocks of 16 with an E4M3 block scale and an f32 tensor
//! scale, computed as each ecosystem computes it ([`Nvfp4Profile`]).

use super::torch;
use crate::element::fast::Grid;
use crate::element::{ElementFormat, Format};
use crate::kernels::e4m3::{E4m3Blocks, E4m3Rule};
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

/// Whose NVFP4 recipe a [`BlockFormat`](crate::BlockFormat) follows. They agree on the
/// format (E2M1 elements, E4M3 block scales, an f32 tensor scale) and differ in the order of
/// their f32 operations, the convention of the stored tensor scale, the clamps of the block
/// scale, and the codes of zeros and NaN; real checkpoints differ accordingly, so each
/// library is reproduced byte for byte (scale bytes, codes, tensor scale, dequantized
/// values with the sign of zero) at the version named, wherever it is deterministic.
///
/// With `amax` the tensor's largest magnitude, `b` a block's, `x` an element, `s` the
/// decoded block scale and `q` an element code's value (all arithmetic in f32, one rounding
/// per operation, in the order written):
///
/// | profile | stored tensor scale `t` | block scale | element input | dequantize | zero block |
/// |---|---|---|---|---|---|
/// | TransformerEngine | `S_dec = 1/S_enc`, `S_enc = min(2688/amax, MAX)` | `e4m3_sat(min(b·(S_enc·fl(1/6)), 448))` | `x · min(1/(s·S_dec), MAX)` | `(q·s)·t` | `0x00` |
/// | torchao 0.18 | `p = amax/2688` | `e4m3(clamp((b/6)/p, 2^-6, 448))` | `x · ((1/p)/s)` | `q·(p·s)` | `0x08` |
/// | torchao 0.13–0.16 | `p = amax/2688` | as 0.18 | `x / (p·s)` | `q·(p·s)` | `0x08` |
/// | ModelOpt 0.47 | `s2 = amax/2688` (`weight_scale_2`) | `e4m3(clamp(b/(6·s2) or 1 if 0, 2^-9, 448))` | `x / (s·s2)` | `q·(s·s2)`, code 8 → +0 | `0x38` |
/// | compressed-tensors 0.20 | `G = (1/max(amax, 2^-126))·2688`, 1 if not finite (`weight_global_scale`) | `e4m3(clamp(G·(b/6), ±448))`, 0 → 0.125 | `x / (s/G)` | `q·(s/G)` | `0x20` |
///
/// Elements are clamped to ±6 and round to nearest even in every profile. Zeros: torchao
/// and TransformerEngine keep the sign of the element input; ModelOpt codes −0 as +0 and
/// dequantizes code 8 to +0; compressed-tensors codes −0 as +0 (`|q|·sign(y)`) and small
/// negatives as code 8, which it dequantizes to −0. NaN: torchao's cast derives the code from
/// the NaN's bits (`_f32_to_floatx_unpacked`; x86's `0x7FC00000` → 3), ModelOpt's gives 7,
/// compressed-tensors' 0. NaN block scales keep the NaN's sign (x86's `0/0` is negative:
/// `0xFF`); TransformerEngine's are stored as `0x7F`.
///
/// A tensor whose amax is 0 gets torchao's `p = 0` and ModelOpt's `s2 = 0`, so their block
/// scales are NaN (`0/0`) and so are the dequantized values, as in the libraries;
/// compressed-tensors and TransformerEngine fall back to a tensor scale of 1. Single-level
/// NVFP4 (`_single`) is torchao's `per_tensor_scale=None` and ModelOpt with
/// `weights_scaling_factor_2 = 1`; compressed-tensors has no single-level mode (`_single`
/// computes as if `G = 1`).
///
/// Sources, run on CPU: TransformerEngine `reference_nvfp4.py` (emulated; it needs CUDA);
/// torchao 0.18.0, 0.15.0, 0.14.1 `NVFP4Tensor.to_nvfp4` / `dequantize`; nvidia-modelopt
/// 0.47.0 `NVFP4QTensor.quantize` / `dequantize`; compressed-tensors 0.20.1 NVFP4A16,
/// `nvfp4-pack-quantized` (`tests/vectors/profiles/`, `scripts/ref_*.py`).
///
/// ```
/// use lowbit::{BlockFormat, Nvfp4Profile};
/// let x: Vec<f32> = (0..32).map(|i| if i < 16 { 0.0 } else { i as f32 - 20.0 }).collect();
/// let (mut codes, mut scales) = ([0u8; 16], [0u8; 2]);
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
    /// pytorch/ao 0.18 `NVFP4Tensor.to_nvfp4` (elements `x · ((1/p)/s)`, single-level
    /// `x · (1/s)`).
    Torchao,
    /// NVIDIA Model Optimizer 0.47 NVFP4 export (`weight`, `weight_scale`,
    /// `weight_scale_2`: `NVFP4QTensor`).
    ModelOpt,
    /// vLLM compressed-tensors 0.20 `nvfp4-pack-quantized` (`weight_packed`,
    /// `weight_scale`, `weight_global_scale`).
    CompressedTensors,
    /// pytorch/ao 0.15–0.16 (elements `x / (p·s)`, single-level `x / s`).
    Torchao15,
    /// pytorch/ao 0.13–0.14: as 0.15–0.16, with element 2j packed in the *high* nibble.
    Torchao14,
}

impl Nvfp4Profile {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Nvfp4Profile::TransformerEngine => "nvfp4",
            Nvfp4Profile::Torchao => "nvfp4_torchao",
            Nvfp4Profile::ModelOpt => "nvfp4_modelopt",
            Nvfp4Profile::CompressedTensors => "nvfp4_ct",
            Nvfp4Profile::Torchao15 => "nvfp4_torchao15",
            Nvfp4Profile::Torchao14 => "nvfp4_torchao14",
        }
    }

    /// The scale byte this profile writes for an all-zero block (of a tensor that is not
    /// all zero).
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
            Nvfp4Profile::Torchao | Nvfp4Profile::Torchao15 | Nvfp4Profile::Torchao14 => 0x08,
            Nvfp4Profile::ModelOpt => 0x38,
            Nvfp4Profile::CompressedTensors => 0x20,
        }
    }

    const fn torchao(self) -> bool {
        matches!(
            self,
            Nvfp4Profile::Torchao | Nvfp4Profile::Torchao15 | Nvfp4Profile::Torchao14
        )
    }
}

/// NVFP4's tensor-level quantities for one profile.
#[derive(Clone, Copy)]
pub(crate) struct NvTensor {
    profile: Nvfp4Profile,
    two_level: bool,
    /// The stored tensor scale, in the profile's convention.
    pub(crate) t: f32,
    /// TransformerEngine: S_enc · fl(1/6), the multiplier that maps a block amax to its scale.
    /// torchao 0.18: `1/p`.
    to_scale: f32,
}

impl NvTensor {
    pub(crate) fn from_amax(profile: Nvfp4Profile, two_level: bool, amax: f32) -> NvTensor {
        let amax = torch::abs(amax);
        let (t, to_scale) = match (profile, two_level) {
            (Nvfp4Profile::TransformerEngine, _) => {
                let amax = if two_level { amax } else { 0.0 };
                // S_enc = (448·6)/amax in f32, capped at FLT_MAX, 1 if 0.
                let mut enc = tmin(2688.0f32 / amax, f32::MAX);
                if amax == 0.0 || enc == 0.0 {
                    enc = 1.0;
                }
                (1.0f32 / enc, enc * (1.0f32 / 6.0f32))
            }
            (_, false) => (1.0, 1.0),
            (Nvfp4Profile::CompressedTensors, true) => {
                // `generate_gparam`: 2688 / clamp(amax, tiny) is reciprocal·2688 (Python's
                // `c / t`); NaN and ±∞ become 1.
                let g = torch::mul(
                    torch::div(1.0, torch::clamp(amax, f32::MIN_POSITIVE, f32::INFINITY)),
                    2688.0,
                );
                (if g.is_finite() { g } else { 1.0 }, 0.0)
            }
            // `per_tensor_amax_to_scale`, `weight_scale_2`: amax / 2688, a decode scale.
            (_, true) => {
                // torchao's amax is `torch.max(torch.abs(x))`, a full reduction.
                let amax = if amax.is_nan() && profile.torchao() {
                    torch::TENSOR_MAX_NAN
                } else {
                    amax
                };
                let p = torch::div(amax, 2688.0);
                (p, torch::div(1.0, p))
            }
        };
        NvTensor {
            profile,
            two_level,
            t,
            to_scale,
        }
    }

    pub(crate) fn from_stored(profile: Nvfp4Profile, t: f32) -> NvTensor {
        NvTensor {
            profile,
            two_level: true,
            t,
            to_scale: 0.0,
        }
    }

    pub(crate) fn is_te(&self) -> bool {
        self.profile == Nvfp4Profile::TransformerEngine
    }

    /// The fused kernels' form of this profile's block scales ([`E4m3Rule`]), where the
    /// tensor-level constants are finite and nonzero (else every block takes the general
    /// path). Each rule is [`Self::scale_code`] and [`Self::plan_value`] or
    /// [`Self::lib_plan`] on a block with a finite amax whose plan is one.
    pub(crate) fn blocks(&self, e4m3: Grid) -> Option<E4m3Blocks> {
        let ok = |v: f32| v.is_finite() && v != 0.0;
        let (rule, c, c2) = match self.profile {
            Nvfp4Profile::TransformerEngine => (E4m3Rule::MinRecip, self.to_scale, self.t),
            // Single-level: t = to_scale = 1, so (b/6)/1, 1/s and 1·s are the library's b/6,
            // 1/s and s.
            Nvfp4Profile::Torchao => (E4m3Rule::Recip, self.t, self.to_scale),
            Nvfp4Profile::Torchao15 | Nvfp4Profile::Torchao14 => (E4m3Rule::Div, self.t, 1.0),
            Nvfp4Profile::ModelOpt => (E4m3Rule::DivUnit, torch::mul(6.0, self.t), self.t),
            Nvfp4Profile::CompressedTensors => (E4m3Rule::DivGlobal, self.t, 1.0),
        };
        (ok(c) && ok(c2)).then_some(E4m3Blocks { rule, c, c2, e4m3 })
    }

    /// The stored block scale byte of a block whose largest magnitude is `b`.
    pub(crate) fn scale_code(&self, b: f32) -> u8 {
        let b = torch::abs(b);
        let p = self.profile;
        if p == Nvfp4Profile::TransformerEngine {
            let v = tmin(tmin(b * self.to_scale, f32::MAX), 448.0);
            let code = E4M3.encode(v, Rounding::NearestEven, Overflow::Saturate) as u8;
            // Every stored NaN scale is the positive one (see `ElementFormat::stored_nan`).
            return if code & 0x7F == 0x7F { 0x7F } else { code };
        }
        let bs = torch::div(b, 6.0);
        match p {
            Nvfp4Profile::ModelOpt => {
                let mut v = torch::div(b, torch::mul(6.0, self.t));
                if v == 0.0 {
                    v = 1.0;
                }
                torch::to_e4m3(torch::clamp(v, 1.0 / 512.0, 448.0))
            }
            Nvfp4Profile::CompressedTensors => {
                let v = torch::clamp(torch::mul(self.t, bs), -448.0, 448.0);
                let c = torch::to_e4m3(v);
                // A scale that is 0 after rounding becomes 0.125 (the E4M3 "eps").
                if c & 0x7F == 0 { 0x20 } else { c }
            }
            _ => {
                let v = if self.two_level {
                    torch::div(bs, self.t)
                } else {
                    bs
                };
                torch::to_e4m3(torch::clamp(v, 1.0 / 64.0, 448.0))
            }
        }
    }

    /// The block scale's value, as [`Self::scale_code`] then a decode would give it, from
    /// [`Grid`] rounding onto E4M3 (`g4`) instead of through a code (TransformerEngine).
    #[inline(always)]
    pub(crate) fn scale_value(&self, b: f32, g4: &Grid) -> f32 {
        g4.round(tmin(tmin(b * self.to_scale, f32::MAX), 448.0))
    }

    /// How a block's dequantization factors `(a, b)`, `out = (q·a)·b`, follow from its scale
    /// value `s`, as a rule and the tensor scale.
    pub(crate) fn factor_rule(&self) -> (FactorRule, f32) {
        let rule = match self.profile {
            Nvfp4Profile::TransformerEngine => FactorRule::Pair,
            Nvfp4Profile::ModelOpt => FactorRule::MulRight,
            Nvfp4Profile::CompressedTensors => FactorRule::Div,
            _ => FactorRule::MulLeft,
        };
        (rule, self.t)
    }

    /// The dequantization factors of a block with scale byte `code`.
    pub(crate) fn factors(&self, code: u8) -> (f32, f32) {
        let s = e4m3_value(code);
        let t = self.t;
        match self.factor_rule().0 {
            FactorRule::Pair => (s, t),
            FactorRule::MulLeft => (t * s, 1.0),
            FactorRule::MulRight => (s * t, 1.0),
            FactorRule::Div => (s / t, 1.0),
        }
    }

    /// TransformerEngine: how a block with scale value `s` maps to and from the element
    /// grid, for a block whose largest magnitude is `amax`.
    #[inline(always)]
    pub(crate) fn plan_value(&self, s: f32, amax: f32) -> Plan {
        let enc = tmin(1.0f32 / (s * self.t), f32::MAX);
        Plan::new((enc, 1.0, -0.0, f32::NAN), (s, self.t), amax, true)
    }

    /// A library profile's kernel plan for a block with scale value `s` (as torch decodes
    /// it), or `None` where the library's arithmetic must run element by element (a NaN or
    /// infinity in the block, or factors that are not finite and nonzero).
    pub(crate) fn lib_plan(&self, s: f32, amax: f32) -> Option<Plan> {
        let (pre, post) = match self.profile {
            Nvfp4Profile::Torchao if self.two_level => (
                (torch::div(self.to_scale, s), 1.0, -0.0, f32::NAN),
                torch::mul(self.t, s),
            ),
            Nvfp4Profile::Torchao => ((torch::div(1.0, s), 1.0, -0.0, f32::NAN), s),
            Nvfp4Profile::ModelOpt => {
                let tot = torch::mul(s, self.t);
                ((1.0, tot, 0.0, 6.0), tot)
            }
            Nvfp4Profile::CompressedTensors => {
                let eff = torch::div(s, self.t);
                ((1.0, eff, 0.0, f32::NAN), eff)
            }
            _ => {
                let tot = if self.two_level {
                    torch::mul(self.t, s)
                } else {
                    s
                };
                ((1.0, tot, -0.0, f32::NAN), tot)
            }
        };
        let (pm, pd) = (pre.0, pre.1);
        let ok = |v: f32| v.is_finite() && v != 0.0;
        let fits = (amax * pm).is_finite() && (amax / pd).is_finite();
        (amax.is_finite() && ok(pm) && ok(pd) && ok(post) && fits)
            .then(|| Plan::new(pre, (post, 1.0), amax, true))
    }

    /// A library profile's element code of `v` in a block with scale value `s` (as torch
    /// decodes it, NaN bits included), by the library's operations. A rounding other than
    /// nearest even replaces the library's cast by the crate's encoder in that mode.
    pub(crate) fn encode(&self, s: f32, v: f32, r: Rounding) -> u8 {
        let t = self.t;
        let y = match self.profile {
            Nvfp4Profile::Torchao if self.two_level => torch::mul(v, torch::div(self.to_scale, s)),
            Nvfp4Profile::Torchao => torch::mul(v, torch::div(1.0, s)),
            Nvfp4Profile::ModelOpt => torch::div(v, torch::mul(s, t)),
            Nvfp4Profile::CompressedTensors => torch::div(v, torch::div(s, t)),
            // `per_tensor_scale * scaled_block_scales`: the tensor scale is the broadcast one.
            _ if self.two_level => torch::div(v, torch::mul(s, t)),
            _ => torch::div(v, s),
        };
        let y = torch::clamp(y, -6.0, 6.0);
        let e = ElementFormat::FLOAT4_E2M1FN;
        let signed_zero = self.profile.torchao();
        if y.is_nan() || r == Rounding::NearestEven {
            return match self.profile {
                // `_cast_fp4`: sign = y < 0, searchsorted (nearest even); NaN sorts last: 7.
                Nvfp4Profile::ModelOpt if y.is_nan() => 7,
                // `cast_to_fp4`: |q| · sign(y), a NaN stays |y|'s: code 0.
                Nvfp4Profile::CompressedTensors if y.is_nan() => 0,
                _ if signed_zero => torch::floatx_code(y, 2, 1),
                _ => e.encode(y + 0.0, Rounding::NearestEven, Overflow::Saturate) as u8,
            };
        }
        let y = if signed_zero { y } else { y + 0.0 };
        e.encode(y, r, Overflow::Saturate) as u8
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::e4m3::qdq_e4m3;
    use alloc::vec;
    use alloc::vec::Vec;

    /// The fused kernels' scale codes equal [`NvTensor::scale_code`] for every profile, on
    /// block amaxes at and beside every E4M3 rounding tie the recipes' constants map them
    /// to, and a sweep of f32 bit patterns; a block the kernels keep also has the
    /// definition's fast plan (the general path's blocks are the others).
    #[test]
    fn fused_scale_codes_equal_the_definition() {
        let ElementFormat::Float(e2m1) = ElementFormat::FLOAT4_E2M1FN else {
            unreachable!()
        };
        let g = Grid::new(&e2m1).unwrap();
        let g4 = e4m3_grid();
        let profiles = [
            Nvfp4Profile::TransformerEngine,
            Nvfp4Profile::Torchao,
            Nvfp4Profile::Torchao15,
            Nvfp4Profile::Torchao14,
            Nvfp4Profile::ModelOpt,
            Nvfp4Profile::CompressedTensors,
        ];
        let mut checked = 0usize;
        for p in profiles {
            for two_level in [true, false] {
                for tensor_amax in [1.0f32, 3.7e3, 0.011, 1e-30, 2.5e35] {
                    let nv = NvTensor::from_amax(p, two_level, tensor_amax);
                    let Some(blk) = nv.blocks(g4) else { continue };
                    let mut amaxes = Vec::new();
                    let ks = [6.0, blk.c, 1.0 / blk.c, 6.0 * blk.c, 6.0 / blk.c, blk.c2];
                    for code in 0..0x7Eu8 {
                        let m = (e4m3_value(code) + e4m3_value(code + 1)) / 2.0;
                        for k in ks {
                            let b = (m * k).abs();
                            for d in -2i32..=2 {
                                amaxes.push(f32::from_bits(b.to_bits().wrapping_add_signed(d)));
                            }
                        }
                    }
                    amaxes.extend((0..0x7F80_0000u32).step_by(40_009).map(f32::from_bits));
                    amaxes.retain(|b| b.is_finite());
                    for bs in amaxes.chunks(64) {
                        let mut x = vec![0f32; bs.len() * 16];
                        for (xb, &b) in x.chunks_mut(16).zip(bs) {
                            xb[0] = b;
                            xb[5] = -b / 3.0;
                        }
                        let (mut codes, mut out) = ([0u8; 64], vec![0f32; x.len()]);
                        let miss = qdq_e4m3(&blk, &g, &x, 16, &mut codes, &mut out);
                        for (j, &b) in bs.iter().enumerate() {
                            if (miss >> j) & 1 != 0 {
                                continue;
                            }
                            let want = nv.scale_code(b);
                            assert_eq!(codes[j], want, "{p:?} {two_level} {tensor_amax} b {b:e}");
                            let s = torch::e4m3_value(want);
                            let fast = if nv.is_te() {
                                nv.plan_value(s, b).kind
                                    == crate::kernels::scaled::PlanKind::MulFinite
                            } else {
                                nv.lib_plan(s, b).is_some()
                            };
                            assert!(fast, "{p:?} {two_level} {tensor_amax} b {b:e}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 100_000, "{checked}");
    }
}
