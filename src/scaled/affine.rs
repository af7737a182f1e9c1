//! Integer elements with a scale and a zero point per region: GPTQ's, AWQ's and the
//! symmetric rule, as group-wise INT checkpoints store them.
//!
//! Each region has a scale `s` (an f32 value already rounded to its [`ScaleType`]) and an
//! integer zero point `z`; codes are unsigned `0..=2^bits − 1` and `x ≈ s · (q − z)`:
//!
//! | rule | range | scale | zero point | source |
//! |---|---|---|---|---|
//! | [`AffineRule::Gptq`] | `[min(xmin, 0), max(xmax, 0)]` (±1 if both 0) | `(hi − lo)/maxq` | `round(−lo/s)` | GPTQ `Quantizer.find_params` |
//! | [`AffineRule::Awq`] | `[xmin, xmax]` | `max(hi − lo, 1e−5)/maxq` | `clamp(−round(lo/s), 0, maxq)` | AWQ `pseudo_quantize_tensor` |
//! | [`AffineRule::Symmetric`] | `[−amax, amax]` (1 if 0) | `2·amax/maxq` | `(maxq + 1)/2` | GPTQ `sym=True` |
//!
//! then `q = clamp(round(x / s) + z, 0, maxq)`, all in f32, `round` to nearest even (torch's
//! `round`). The scale is rounded to its storage type (f16 for GPTQ and AWQ checkpoints)
//! *before* the codes are computed, so dequantizing the stored form reproduces fake
//! quantization exactly. GPTQ's error-feedback (Hessian) update is not part of this: it is
//! round-to-nearest, the baseline both projects start from.
//!
//! Three rules reproduce a library's checkpoints byte for byte instead, with every operation
//! in the scale's type (the weight's dtype there; each op computed in f32 and rounded once, as
//! torch's CPU kernels do), the weight itself rounded to that type first:
//!
//! | rule | library | scale | zero point | code |
//! |---|---|---|---|---|
//! | [`AffineRule::AutoAwq`] | AutoAWQ 0.2.9 (`_apply_quant`, f16) | `max(hi − lo, 1e-5)/maxq` | `clamp(−round(lo/s), 0, maxq)` | `clamp(round(x/s) + z, 0, maxq)` |
//! | [`AffineRule::CompressedTensors`] | compressed-tensors 0.20 `W4A16_ASYM` | `(hi′ − lo′)/maxq`, 0 → eps | `round(clamp(qmin − lo′/s, qmin, qmax))` | `round(clamp(x/s + zp, qmin, qmax))` |
//! | [`AffineRule::CompressedTensorsSym`] | compressed-tensors 0.20 `W4A16` | `max(|lo′|, |hi′|)/(maxq/2)`, 0 → eps | `0` (stored `2^(bits−1)`) | `round(clamp(x/s, qmin, qmax))` |
//!
//! with `lo′ = min(lo, 0)`, `hi′ = max(hi, 0)`, `qmin = −2^(bits−1)`, `qmax = 2^(bits−1) − 1`;
//! compressed-tensors' signed codes and zero points are stored `+ 2^(bits−1)` (its
//! `pack_to_int32` adds the same offset), eps is the scale type's machine epsilon (f32 2^-23,
//! bf16 2^-7, f16 2^-10). Note that compressed-tensors rounds `x/s + zp` as a whole: with an
//! odd zero point a tie breaks the other way than `round(x/s) + zp`. AutoAWQ rounds the
//! weights to f16 (it calls `.half()` on the layer) and computes in f16 throughout; its
//! codes come from the f16 scale it stores.

use super::torch;
use crate::kernels::scaled::{AffineParams, round_ne};

/// How a region's scale and zero point come from its values.
///
/// ```
/// use lowbit::{AffineRule, BlockFormat, ScaleType};
/// // The same all-positive group under the three rules: GPTQ widens the range to 0, AWQ
/// // does not, symmetric is centred on 0.
/// let x = [1.0f32, 2.0, 3.0, 4.0];
/// for (rule, scale, zero) in [
///     (AffineRule::Gptq, 4.0f32 / 15.0, 0),
///     (AffineRule::Awq, 3.0 / 15.0, 0),
///     (AffineRule::Symmetric, 8.0 / 15.0, 8),
/// ] {
///     let g = BlockFormat::int_groups(4, 4, rule, ScaleType::F32).unwrap();
///     let (mut c, mut s) = ([0u8; 2], [0u8; 5]); // 4 × 4 bits; an f32 scale and a zero point
///     g.quantize(&x, &mut c, &mut s).unwrap();
///     assert_eq!((f32::from_le_bytes(s[..4].try_into().unwrap()), s[4]), (scale, zero), "{rule:?}");
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AffineRule {
    /// GPTQ's asymmetric rule (the range always contains 0). The default.
    #[default]
    Gptq,
    /// AWQ's asymmetric rule.
    Awq,
    /// Symmetric around the fixed zero point `2^(bits−1)`.
    Symmetric,
    /// AutoAWQ 0.2.9's checkpoints (`AwqQuantizer._apply_quant`, all in f16; f16 scales
    /// only). Name suffix `_autoawq`.
    AutoAwq,
    /// compressed-tensors 0.20's asymmetric INT (`W4A16_ASYM`), in the scale type's
    /// arithmetic. Name suffix `_ct`.
    CompressedTensors,
    /// compressed-tensors 0.20's symmetric INT (`W4A16`), in the scale type's arithmetic.
    /// Name suffix `_sym_ct`.
    CompressedTensorsSym,
}

/// The storage type of f-type scales (group-wise INT, FP8 and ternary scales).
///
/// ```
/// use lowbit::{BlockFormat, ScaleType};
/// assert_eq!(BlockFormat::INT4_G128.scale_type(), Some(ScaleType::F16));
/// assert_eq!(ScaleType::Bf16.bytes(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ScaleType {
    /// IEEE half precision (GPTQ, AWQ). The default for group-wise INT.
    #[default]
    F16,
    /// bfloat16.
    Bf16,
    /// f32 (no rounding).
    F32,
}

impl ScaleType {
    /// The nearest value of this type (nearest even).
    #[inline]
    pub(crate) fn round(self, v: f32) -> f32 {
        match self {
            ScaleType::F16 => half::f16::from_f32(v).to_f32(),
            ScaleType::Bf16 => half::bf16::from_f32(v).to_f32(),
            ScaleType::F32 => v,
        }
    }

    /// A value rounded to this type as torch converts f32 to it (nearest even): a NaN
    /// becomes bf16's canonical `0x7FC0` (positive), or f16's `sign | 0x7E00`.
    #[inline]
    pub(crate) fn torch_round(self, v: f32) -> f32 {
        match self {
            ScaleType::Bf16 if v.is_nan() => f32::from_bits(0x7FC0_0000),
            ScaleType::F16 if v.is_nan() => f32::from_bits(v.to_bits() & 0x8000_0000 | 0x7FC0_0000),
            _ => self.round(v),
        }
    }

    /// Bytes of one stored scale.
    ///
    /// ```
    /// assert_eq!(lowbit::ScaleType::F32.bytes(), 4);
    /// ```
    #[must_use]
    pub const fn bytes(self) -> usize {
        match self {
            ScaleType::F16 | ScaleType::Bf16 => 2,
            ScaleType::F32 => 4,
        }
    }

    /// Writes `v` (a value of this type) little-endian into `out[..self.bytes()]`; a NaN
    /// as the canonical quiet NaN.
    pub(crate) fn store(self, v: f32, out: &mut [u8]) {
        let v = crate::element::stored_f32(v);
        match self {
            ScaleType::F16 => out[..2].copy_from_slice(&half::f16::from_f32(v).to_le_bytes()),
            ScaleType::Bf16 => out[..2].copy_from_slice(&half::bf16::from_f32(v).to_le_bytes()),
            ScaleType::F32 => out[..4].copy_from_slice(&v.to_le_bytes()),
        }
    }

    /// Reads a stored scale.
    pub(crate) fn load(self, b: &[u8]) -> f32 {
        match self {
            ScaleType::F16 => half::f16::from_le_bytes([b[0], b[1]]).to_f32(),
            ScaleType::Bf16 => half::bf16::from_le_bytes([b[0], b[1]]).to_f32(),
            ScaleType::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        }
    }

    /// The type's machine epsilon (`torch.finfo(t).eps`).
    pub(crate) fn eps(self) -> f32 {
        match self {
            ScaleType::F16 => 1.0 / 1024.0,
            ScaleType::Bf16 => 1.0 / 128.0,
            ScaleType::F32 => f32::EPSILON,
        }
    }

    pub(crate) const fn suffix(self) -> &'static str {
        match self {
            ScaleType::F16 => "f16",
            ScaleType::Bf16 => "bf16",
            ScaleType::F32 => "f32",
        }
    }
}

/// The scale (rounded to `store`) and zero point of a region with smallest and largest
/// values `lo`, `hi`, for `bits`-bit codes.
pub(crate) fn params(rule: AffineRule, store: ScaleType, bits: u32, lo: f32, hi: f32) -> (f32, u8) {
    let maxq = ((1u32 << bits) - 1) as f32;
    match rule {
        AffineRule::Gptq => {
            let (mut lo, mut hi) = (lo.min(0.0), hi.max(0.0));
            if lo == 0.0 && hi == 0.0 {
                (lo, hi) = (-1.0, 1.0);
            }
            let s = store.round((hi - lo) / maxq);
            let z = round_ne(-lo / s).clamp(0.0, maxq);
            (s, z as u8)
        }
        AffineRule::Awq => {
            let r = hi - lo;
            let s = store.round((if r > 1e-5 { r } else { 1e-5 }) / maxq);
            let z = (-round_ne(lo / s)).clamp(0.0, maxq);
            (s, z as u8)
        }
        AffineRule::Symmetric => {
            let mut a = lo.abs().max(hi.abs());
            if a == 0.0 {
                a = 1.0;
            }
            let s = store.round(2.0 * a / maxq);
            (s, (1u32 << (bits - 1)) as u8)
        }
        AffineRule::AutoAwq => {
            // pseudo_quantize_tensor on the f16 weight: every op rounded to f16.
            let r16 = |v: f32| store.torch_round(v);
            let (lo, hi) = (r16(lo), r16(hi));
            let r = r16(torch::sub(hi, lo));
            let floor = r16(1e-5);
            let r = if r < floor { floor } else { r };
            let s = r16(torch::div(r, maxq));
            let z = torch::clamp(-torch::round(r16(torch::div(lo, s))), 0.0, maxq);
            (s, if z.is_nan() { 0 } else { z as u8 })
        }
        AffineRule::CompressedTensors | AffineRule::CompressedTensorsSym => {
            let rt = |v: f32| store.torch_round(v);
            let (qmin, qmax) = (
                -((1u32 << (bits - 1)) as f32),
                ((1u32 << (bits - 1)) - 1) as f32,
            );
            // `calculate_qparams`: the range always holds 0.
            let (lo, hi) = (rt(lo), rt(hi));
            let lo = if lo > 0.0 { 0.0 } else { lo };
            let hi = if hi < 0.0 { 0.0 } else { hi };
            let (s, zp) = if rule == AffineRule::CompressedTensorsSym {
                let a = torch::abs(lo).max(torch::abs(hi));
                (rt(torch::div(a, maxq / 2.0)), 0.0)
            } else {
                let s = rt(torch::div(rt(torch::sub(hi, lo)), maxq));
                // The zero point from the scale before the zero-scale fix (NaN for 0/0).
                let zp = torch::clamp(rt(torch::sub(qmin, rt(torch::div(lo, s)))), qmin, qmax);
                (s, zp)
            };
            let s = if s == 0.0 { store.eps() } else { s };
            // `round(clamp(zp, int8)).to(int8)`: NaN → 0 on x86-64.
            let zp = torch::to_i32(torch::round(zp)) as i8 as f32;
            (s, (zp - qmin) as u8)
        }
    }
}

/// The element code of `v` under a library rule, by its operations (see the module table),
/// for a region with scale `s` and stored zero point `z`; `None` for the crate's own rules.
pub(crate) fn encode_def(
    rule: AffineRule,
    store: ScaleType,
    bits: u32,
    s: f32,
    z: f32,
    v: f32,
    r: crate::round::Rounding,
) -> Option<u8> {
    let rt = |v: f32| store.torch_round(v);
    let maxq = ((1u32 << bits) - 1) as f32;
    let q = match rule {
        AffineRule::AutoAwq => {
            let y = rt(torch::div(rt(v), s));
            let q = int_round(y, r) + z;
            if q.is_nan() {
                z
            } else {
                torch::clamp(q, 0.0, maxq)
            }
        }
        AffineRule::CompressedTensors | AffineRule::CompressedTensorsSym => {
            let off = (1u32 << (bits - 1)) as f32;
            let zp = z - off;
            let y = rt(torch::div(rt(v), s));
            let y = if rule == AffineRule::CompressedTensors {
                rt(torch::add(y, zp))
            } else {
                y
            };
            let q = int_round(torch::clamp(y, -off, off - 1.0), r);
            // `.to(int8)` of NaN is 0 on x86-64.
            if q.is_nan() { off } else { q + off }
        }
        _ => return None,
    };
    Some(q as u8)
}

/// An integer rounding of `y` in the element's mode (torch's `round` for nearest even).
fn int_round(y: f32, r: crate::round::Rounding) -> f32 {
    use crate::element::{ElementFormat, Format};
    use crate::round::{Overflow, Rounding};
    match r {
        Rounding::NearestEven => torch::round(y),
        _ if y.is_nan() => y,
        _ => {
            let wide = ElementFormat::Int(match crate::spec::IntSpec::new(16, true, false) {
                Ok(s) => s,
                Err(_) => unreachable!(),
            });
            wide.encode(y, r, Overflow::Saturate) as u16 as i16 as f32
        }
    }
}

/// The kernel parameters of a region with scale `s` and zero point `z`: `y = x / s`,
/// value `s · (q − z)`.
pub(crate) fn kernel_params(s: f32, z: u8) -> AffineParams {
    AffineParams {
        pre: s,
        post: s,
        z: z as f32,
    }
}

impl AffineRule {
    pub(crate) const fn suffix(self) -> &'static str {
        match self {
            AffineRule::Gptq => "",
            AffineRule::Awq => "_awq",
            AffineRule::Symmetric => "_sym",
            AffineRule::AutoAwq => "_autoawq",
            AffineRule::CompressedTensors => "_ct",
            AffineRule::CompressedTensorsSym => "_sym_ct",
        }
    }

    /// Whether the rule takes this scale type (AutoAWQ's checkpoints hold f16 scales).
    pub(crate) fn takes(self, scale: ScaleType) -> bool {
        self != AffineRule::AutoAwq || scale == ScaleType::F16
    }
}

/// Whether a rule's elements need the definition on every backend (see
/// `profile::definition_only`).
pub(crate) fn definition_only(rule: AffineRule, scale: ScaleType) -> bool {
    match rule {
        // f16 arithmetic, and rounding x/s + zp as a whole.
        AffineRule::AutoAwq | AffineRule::CompressedTensors => true,
        // Symmetric in f32 is the kernels' clamp(round(x/s) + z) exactly.
        AffineRule::CompressedTensorsSym => scale != ScaleType::F32,
        _ => false,
    }
}
