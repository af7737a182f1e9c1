//! Scales from a region's largest magnitude (FP8 checkpoints, BitNet's 8-bit activations)
//! or its mean magnitude (BitNet b1.58 weights), stored as f-type values.

use super::ScaleType;
use super::torch;
use crate::element::convert::{self, Class};
use crate::element::{ElementFormat, Format};
use crate::kernels::scaled::{AffineParams, Plan};
use crate::round::{Overflow, Rounding};

/// Whose absmax recipe a scale follows.
///
/// | profile | scale | element input | value | amax floor |
/// |---|---|---|---|---|
/// | [`AbsmaxProfile::DeepSeek`] | `s = a / fmax` (or the least `2^k ≥ a / fmax`) | `x / s` | `q · s` | `a = max(amax, 1e-4)` |
/// | [`AbsmaxProfile::BitNet`] | `s = fmax / a` (stored as is) | `x · s` | `q / s` | `a = max(amax, 1e-5)` |
///
/// DeepSeek-V3's `act_quant`/weight blocks (`weight_scale_inv`) and FP8 Llama-style
/// per-tensor or per-channel `weight_scale`; BitNet's `activation_quant` (per-token int8,
/// `s = 127 / max|x|`).
///
/// Three more reproduce a library's FP8 (E4M3) checkpoints byte for byte, in any region
/// (`_tensor`, `_row`, tiles such as `_t128x128`; partial tiles as if zero-padded), with
/// the library's arithmetic (f32 unless said otherwise):
///
/// | profile | library | scale `s` | element input | zero region |
/// |---|---|---|---|---|
/// | [`AbsmaxProfile::ModelOpt`] (`_modelopt`) | nvidia-modelopt 0.47 `FP8QTensor` | `amax / 448` | `x / s`, cast without clamp (torch 2.15 saturates) | `s = 0`: codes NaN (`0/0`) |
/// | [`AbsmaxProfile::CompressedTensors`] (`_ct`) | compressed-tensors 0.20 FP8 / FP8_DYNAMIC / FP8_BLOCK | `amax / 448` in the scale type, 0 → eps | `clamp(x / s + 0, ±448)` in the scale type (−0 → +0) | `s = eps` |
/// | [`AbsmaxProfile::Transformers`] (`_transformers`) | transformers 5.24 `FineGrainedFP8Config` | `inv = 1 / ((1/amax)·448)`; `_ue8m0`: `2^ceil(log2 max(inv, 2^-126))` in f32 | `clamp(x · e, ±448)`, `e = (1/amax)·448` (`_ue8m0`: `1/inv`) | `s = 1` |
///
/// compressed-tensors computes in the weight's dtype, which is its scale's: `_bf16` gives
/// what it writes for a bfloat16 model (the weight rounded to bf16, every op rounded to
/// bf16). transformers' `_ue8m0` is the DeepSeek-V3 `weight_scale_inv` layout
/// (`fp8_e4m3_t128x128_ue8m0_transformers`); its E8M0 byte is
/// `ElementFormat::FLOAT8_E8M0FNU.encode(s)` of the stored f32 power of two (NaN → 0xFF).
///
/// ```
/// use lowbit::{AbsmaxProfile, BlockFormat};
/// assert_eq!(BlockFormat::FP8_E4M3_CHANNEL.absmax_profile(), Some(AbsmaxProfile::DeepSeek));
/// assert_eq!(BlockFormat::BITNET_A8.absmax_profile(), Some(AbsmaxProfile::BitNet));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AbsmaxProfile {
    /// The decode scale `amax / fmax` (amax clamped at 1e-4, as DeepSeek-V3.2's
    /// `act_quant`); elements `x / s`. The default.
    #[default]
    DeepSeek,
    /// BitNet's encode scale `fmax / amax` (amax clamped at 1e-5); elements `x · s`.
    BitNet,
    /// NVIDIA Model Optimizer 0.47 `FP8QTensor.quantize` (E4M3, f32 scales).
    ModelOpt,
    /// compressed-tensors 0.20 FP8 weights (`naive-quantized`/`float-quantized`), in the
    /// scale type's arithmetic.
    CompressedTensors,
    /// transformers 5.24 `Fp8Quantize` (`FineGrainedFP8Config`, `scale_fmt` "float" or,
    /// with `_ue8m0`, "ue8m0"; f32 scales).
    Transformers,
}

impl AbsmaxProfile {
    /// The name suffix of a library profile.
    pub(crate) const fn suffix(self) -> Option<&'static str> {
        match self {
            AbsmaxProfile::ModelOpt => Some("modelopt"),
            AbsmaxProfile::CompressedTensors => Some("ct"),
            AbsmaxProfile::Transformers => Some("transformers"),
            _ => None,
        }
    }

    /// The library profiles.
    pub(crate) const LIBRARIES: [AbsmaxProfile; 3] = [
        AbsmaxProfile::ModelOpt,
        AbsmaxProfile::CompressedTensors,
        AbsmaxProfile::Transformers,
    ];

    /// Whether a library profile takes these parts (its E4M3 elements, its scale types,
    /// power-of-two scales only for transformers).
    pub(crate) fn accepts(self, element: ElementFormat, scale: ScaleType, pow2: bool) -> bool {
        match self {
            AbsmaxProfile::DeepSeek | AbsmaxProfile::BitNet => true,
            _ => {
                element == ElementFormat::FLOAT8_E4M3FN
                    && (scale == ScaleType::F32 || self == AbsmaxProfile::CompressedTensors)
                    && (!pow2 || self == AbsmaxProfile::Transformers)
            }
        }
    }
}

/// A library profile's stored scale (a value of the scale type) and the factor its elements
/// are divided (ModelOpt, compressed-tensors) or multiplied (transformers) by, for a region
/// whose largest magnitude is `amax`.
pub(crate) fn lib_scale(
    profile: AbsmaxProfile,
    store: ScaleType,
    pow2: bool,
    fmax: f32,
    amax: f32,
) -> (f32, f32) {
    let amax = torch::abs(amax);
    match profile {
        AbsmaxProfile::ModelOpt => {
            let s = torch::div(amax, fmax);
            (s, s)
        }
        AbsmaxProfile::CompressedTensors => {
            let s = store.torch_round(torch::div(store.torch_round(amax), fmax));
            let s = if s == 0.0 { store.eps() } else { s };
            (s, s)
        }
        _ => {
            // `_quantize_one`: enc = 448 / safe (Python's `c / t`: reciprocal · 448),
            // inv = 1 / enc; a zero or NaN amax has enc = 1.
            let pos = amax > 0.0;
            let safe = if pos { amax } else { 1.0 };
            let enc = if pos {
                torch::mul(torch::div(1.0, safe), fmax)
            } else {
                1.0
            };
            let inv = torch::div(1.0, enc);
            if !pow2 {
                return (inv, enc);
            }
            // 2^ceil(log2(clamp(inv, tiny))) → float8_e8m0fnu (+∞ → NaN) → f32; enc = 1/that.
            let p = torch::exp2_int(torch::ceil(torch::log2(torch::clamp(
                inv,
                f32::MIN_POSITIVE,
                f32::INFINITY,
            ))));
            let p = if p.is_finite() { p } else { f32::NAN };
            (p, torch::div(1.0, p))
        }
    }
}

/// A library profile's kernel plan for a region with stored scale `s` and element factor
/// `e`, or `None` where its arithmetic must run element by element.
pub(crate) fn lib_plan(
    profile: AbsmaxProfile,
    s: f32,
    e: f32,
    amax: f32,
    neg_zero: bool,
) -> Option<Plan> {
    let ok = |v: f32| v.is_finite() && v != 0.0;
    if !amax.is_finite() || !ok(s) || !ok(e) {
        return None;
    }
    let pre = match profile {
        AbsmaxProfile::Transformers => (e, 1.0, -0.0, f32::NAN),
        // compressed-tensors adds its zero point: −0 → +0.
        AbsmaxProfile::CompressedTensors => (1.0, e, 0.0, f32::NAN),
        _ => (1.0, e, -0.0, f32::NAN),
    };
    ((amax * pre.0).is_finite() && (amax / pre.1).is_finite())
        .then(|| Plan::new(pre, (s, 1.0), amax, neg_zero))
}

/// A library profile's E4M3 code of `v` in a region with element factor `e` (see
/// [`lib_scale`]). A rounding other than nearest even replaces the library's cast by the
/// crate's encoder in that mode.
pub(crate) fn lib_encode(
    profile: AbsmaxProfile,
    store: ScaleType,
    e: f32,
    v: f32,
    r: Rounding,
) -> u8 {
    let y = match profile {
        AbsmaxProfile::ModelOpt => torch::div(v, e),
        AbsmaxProfile::CompressedTensors => {
            let r = |v: f32| store.torch_round(v);
            torch::clamp(r(torch::add(r(torch::div(r(v), e)), 0.0)), -448.0, 448.0)
        }
        _ => torch::clamp(torch::mul(v, e), -448.0, 448.0),
    };
    if r == Rounding::NearestEven || y.is_nan() {
        torch::to_e4m3(y)
    } else {
        ElementFormat::FLOAT8_E4M3FN.encode(y, r, Overflow::Saturate) as u8
    }
}

/// The scale of a region whose largest magnitude is `amax`, for an element whose largest
/// value is `fmax`.
pub(crate) fn scale(profile: AbsmaxProfile, pow2: bool, fmax: f32, amax: f32) -> f32 {
    match profile {
        AbsmaxProfile::DeepSeek => {
            let a = if amax > 1e-4 || amax.is_nan() {
                amax
            } else {
                1e-4
            };
            if !pow2 {
                return a / fmax;
            }
            // Least 2^k >= a / fmax, exactly: from a's bits, then one check in f64.
            match convert::split_f32(a).1 {
                Class::Finite(m) => {
                    // fmax's binade (fmax > 0: a float's or a codebook's largest value).
                    let fe = match convert::split_f32(fmax).1 {
                        Class::Finite(f) => f.exp,
                        _ => 0,
                    };
                    let k0 = m.exp - fe;
                    let k = (k0 - 1..=k0 + 1)
                        .find(|&k| a as f64 <= fmax as f64 * convert::pow2_f64(k))
                        .unwrap_or(k0 + 1);
                    convert::pow2_f64(k.clamp(-149, 127)) as f32
                }
                _ => a / fmax,
            }
        }
        AbsmaxProfile::BitNet => fmax / if amax > 1e-5 { amax } else { 1e-5 },
        _ => lib_scale(profile, ScaleType::F32, pow2, fmax, amax).0,
    }
}

/// The element's largest value as f32.
pub(crate) fn fmax(element: &ElementFormat) -> f32 {
    element.max_value() as f32
}

/// Integer-element kernel parameters of a region with scale `s`.
pub(crate) fn int_params(s: f32) -> AffineParams {
    AffineParams {
        pre: s,
        post: s,
        z: 0.0,
    }
}

/// BitNet b1.58's weight scale: `m = max(mean|W|, 1e−5)` over the region, from the f64 sum
/// of magnitudes (accumulated in element order; torch's f32 summation order is not
/// specified) rounded to f32 once.
pub(crate) fn absmean(sum: f64, count: usize) -> f32 {
    let mean = (sum / count as f64) as f32;
    if mean > 1e-5 { mean } else { 1e-5 }
}

/// The ternary kernel parameters of a region with mean scale `m`: BitNet computes
/// `W · (1/m)` in f32, rounds half to even, clamps to [−1, 1]; codes are value + 1.
pub(crate) fn ternary_params(m: f32) -> AffineParams {
    AffineParams {
        pre: 1.0f32 / m,
        post: m,
        z: 1.0,
    }
}

/// Whether a profile's elements need the definition on every backend (see
/// `profile::definition_only`).
pub(crate) fn definition_only(profile: AbsmaxProfile, scale: ScaleType) -> bool {
    // compressed-tensors in bf16/f16 rounds every operation to the weight's type.
    profile == AbsmaxProfile::CompressedTensors && scale != ScaleType::F32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow2_scales_are_the_least_power_at_or_above() {
        for amax in [1e-3f32, 0.5, 448.0, 448.5, 896.0, 1e30] {
            let s = scale(AbsmaxProfile::DeepSeek, true, 448.0, amax);
            assert!(amax as f64 <= 448.0 * s as f64 && amax as f64 > 224.0 * s as f64);
        }
    }
}
