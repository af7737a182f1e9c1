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
        }
    }
}
