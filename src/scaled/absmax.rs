//! Scales from a region's largest magnitude (FP8 checkpoints, BitNet's 8-bit activations)
//! or its mean magnitude (BitNet b1.58 weights), stored as f-type values.

use crate::element::ElementFormat;
use crate::element::convert::{self, Class};
use crate::kernels::scaled::AffineParams;

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
