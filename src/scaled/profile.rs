//! MX as other libraries compute it ([`MxProfile`]): the shared scale byte of a block, the
//! element codes and the dequantization factors of torchao, NVIDIA Model Optimizer and
//! compressed-tensors, each in its own order of float32 operations (`super::torch`).

use super::mx::MxScaleRule;
use super::torch;
use super::{BlockFormat, Nvfp4Profile, Scheme};
use crate::element::{ElementFormat, Format};
use crate::kernels::element::DecodeTable;
use crate::kernels::scaled::Plan;
use crate::round::{Overflow, Rounding};

/// Whose MX recipe a [`BlockFormat`](crate::BlockFormat) follows, byte for byte, where the
/// library is deterministic. Names take the profile after the scale rule:
/// `mxfp4_torchao`, `mxfp8_e4m3_rceil_torchao`, `mxfp4_modelopt`, `mxfp6_e2m3_ct`.
///
/// | profile | library, version | scale byte | element input | elements |
/// |---|---|---|---|---|
/// | `Torchao` | torchao 0.18 `MXTensor.to_mx` | FLOOR/CEIL/EVEN from the f32 exponent bits; RCEIL `ceil(log2(amax/max))` in f32 | `x / max(2^k, 2^-126)`; RCEIL `x · 2^-k` (`x · 1` at byte 0) | nearest even, saturating |
/// | `Torchao15` | torchao 0.15–0.16 | as 0.18 | as 0.18, but an RCEIL NaN block is scaled by 2^-128 | as 0.18 |
/// | `Torchao14` | torchao 0.13–0.14 | as 0.15 | as 0.15 | as 0.15; FP4 element 2j in the *high* nibble |
/// | `ModelOpt` | nvidia-modelopt 0.47 `MXFP4QTensor`/`MXFP8QTensor` | `ceil(log2(amax/max))` in f32 | MXFP4 `x / 2^k`, MXFP8 `x · 2^-k` | MXFP4: nearest, ties toward zero, ±0 → code 8 |
/// | `CompressedTensors` | compressed-tensors 0.20 MXFP4/6/8 | amax rounded to 1 (MXFP4, MXFP8) or 3 (MXFP6) mantissa bits, then its exponent | `x / 2^k` | nearest even; MXFP4, MXFP8 store −0 as +0 |
///
/// What differs from the exact default (OCP MX v1.0 FLOOR with exact exponents) and why is
/// tabulated in `docs/profiles.md`. In short: torchao gives blocks holding ±∞ a finite scale
/// byte (0xF7 for E4M3, 0xF0 E5M2, 0xFD E2M3/E2M1, 0xFB E3M2; 0xFE under RCEIL) and scales
/// byte-0 blocks by 2^-126 while storing 2^-127; the f32 `log2` of the RCEIL-style rules
/// rounds `2^k·(1 + 2^-23)` to `k` for |k| ≥ 2; compressed-tensors overflows to an infinite
/// scale for an amax within a rounding of f32's largest value and then stores the byte 0x7F
/// with all-zero codes. NaN elements get the code each library's cast gives them on x86-64
/// (torchao derives it from the NaN's bits).
///
/// compressed-tensors 0.20 has no FP6 E3M2: `mxfp6_e3m2_ct` applies its MXFP6 rules with
/// E3M2's own constants (2 mantissa bits, emax 4); no library output backs it.
///
/// ```
/// use lowbit::{BlockFormat, MxProfile};
/// let ao: BlockFormat = "mxfp4_torchao".parse().unwrap();
/// assert_eq!(ao.mx_profile(), Some(MxProfile::Torchao));
/// // A block holding +inf: torchao stores the finite byte 0xFD, the exact rule NaN (0xFF).
/// let x = [f32::INFINITY, 1.0];
/// let (mut codes, mut scales) = ([0u8; 1], [0u8; 1]);
/// ao.quantize(&x, &mut codes, &mut scales).unwrap();
/// assert_eq!(scales[0], 0xFD);
/// BlockFormat::MXFP4.quantize(&x, &mut codes, &mut scales).unwrap();
/// assert_eq!(scales[0], 0xFF);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MxProfile {
    /// pytorch/ao 0.18 `MXTensor.to_mx` (eager, `KernelPreference.EMULATED`), every scale
    /// rule (`ScaleCalculationMode` FLOOR, CEIL, EVEN, RCEIL) and element format.
    Torchao,
    /// pytorch/ao 0.15–0.16: as 0.18 except RCEIL blocks holding NaN, whose other elements
    /// are scaled by 2^-128 instead of NaN.
    Torchao15,
    /// pytorch/ao 0.13–0.14: as 0.15–0.16, with FP4 packed element 2j in the high nibble.
    Torchao14,
    /// NVIDIA Model Optimizer 0.47 `MXFP4QTensor.quantize` (MXFP4) and
    /// `MXFP8QTensor.quantize` (MXFP8 E4M3).
    ModelOpt,
    /// vLLM compressed-tensors 0.20 `mxfp4-pack-quantized`, `mxfp6-pack-quantized` (E2M3)
    /// and `mxfp8-quantized` (E4M3): `generate_mx_scales`, `_quantize`, the packers.
    CompressedTensors,
}

impl MxProfile {
    /// The name suffix.
    pub(crate) const fn suffix(self) -> &'static str {
        match self {
            MxProfile::Torchao => "torchao",
            MxProfile::Torchao15 => "torchao15",
            MxProfile::Torchao14 => "torchao14",
            MxProfile::ModelOpt => "modelopt",
            MxProfile::CompressedTensors => "ct",
        }
    }

    /// Every profile, in the order names are matched.
    pub(crate) const ALL: [MxProfile; 5] = [
        MxProfile::Torchao,
        MxProfile::Torchao15,
        MxProfile::Torchao14,
        MxProfile::ModelOpt,
        MxProfile::CompressedTensors,
    ];

    /// The one scale rule of a library that has one (ModelOpt: `ceil(log2(amax/max))`, an
    /// RCEIL; compressed-tensors: EVEN-like rounding of the amax).
    pub(crate) const fn fixed_rule(self) -> Option<MxScaleRule> {
        match self {
            MxProfile::ModelOpt => Some(MxScaleRule::RCeil),
            MxProfile::CompressedTensors => Some(MxScaleRule::Even),
            _ => None,
        }
    }

    /// Whether the library has MX with this element format.
    pub(crate) fn supports(self, e: ElementFormat) -> bool {
        use ElementFormat as E;
        match self {
            MxProfile::Torchao | MxProfile::Torchao15 | MxProfile::Torchao14 => [
                E::FLOAT8_E4M3FN,
                E::FLOAT8_E5M2,
                E::FLOAT6_E2M3FN,
                E::FLOAT6_E3M2FN,
                E::FLOAT4_E2M1FN,
            ]
            .contains(&e),
            MxProfile::ModelOpt => [E::FLOAT4_E2M1FN, E::FLOAT8_E4M3FN].contains(&e),
            MxProfile::CompressedTensors => [
                E::FLOAT4_E2M1FN,
                E::FLOAT6_E2M3FN,
                E::FLOAT6_E3M2FN,
                E::FLOAT8_E4M3FN,
            ]
            .contains(&e),
        }
    }

    /// Whether every element goes through the library's own rounding (the kernels' grid
    /// cannot express it): ModelOpt's MXFP4 cast rounds ties toward zero.
    pub(crate) fn definition_only(self, e: ElementFormat) -> bool {
        self == MxProfile::ModelOpt && e == ElementFormat::FLOAT4_E2M1FN
    }

    /// Whether packed FP4 bytes hold element 2j in the high nibble.
    pub(crate) fn high_nibble_first(self, e: ElementFormat) -> bool {
        self == MxProfile::Torchao14 && e == ElementFormat::FLOAT4_E2M1FN
    }
}

/// One region's scale under a library profile: the stored byte and the factor its elements
/// are divided or multiplied by (see [`MxLib::scale`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LibRegion {
    /// The stored scale byte.
    pub(crate) code: u8,
    /// The element input is `x / s` or `x · s` ([`MxLib::multiplies`]).
    pub(crate) s: f32,
}

/// How an element's code follows from its input `y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cast {
    E4m3,
    E5m2,
    /// torchao's bit trick (`_f32_to_floatx_unpacked`).
    Floatx {
        ebits: u32,
        mbits: u32,
    },
    /// ModelOpt's MXFP4 cast: nearest with ties toward zero; ±0 and NaN → code 8.
    ModelOptFp4,
    /// compressed-tensors' `cast_to_fp4` and packer: nearest even, `|q| · sign(y)`.
    CtFp4,
    /// compressed-tensors' `cast_to_fp6` and packer: nearest even, the sign copied; NaN → 0x20.
    CtFp6,
}

/// An MX profile's constants for one call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MxLib {
    profile: MxProfile,
    rule: MxScaleRule,
    element: ElementFormat,
    cast: Cast,
    /// emax_elem (E4M3 8, E5M2 15, E2M3 2, E3M2 4, E2M1 2).
    emax: i32,
    /// The element's largest value.
    max: f32,
    /// Mantissa bits of the amax rounding (torchao EVEN: the element's; compressed-tensors:
    /// 1 for MXFP4 and MXFP8, the element's for MXFP6).
    round_bits: u32,
}

impl MxLib {
    /// `element` must be one [`MxProfile::supports`].
    pub(crate) fn new(element: ElementFormat, profile: MxProfile, rule: MxScaleRule) -> MxLib {
        let (ebits, mbits) = match element {
            ElementFormat::Float(s) => (s.exp_bits(), s.man_bits()),
            _ => (0, 0),
        };
        let emax = match element {
            ElementFormat::Float(s) => {
                let (e, sig) = s.code_exp_sig(s.max_code());
                e + 31 - sig.leading_zeros() as i32
            }
            _ => 0,
        };
        let cast = match (profile, element.bits()) {
            (MxProfile::ModelOpt, 4) => Cast::ModelOptFp4,
            (MxProfile::CompressedTensors, 4) => Cast::CtFp4,
            (MxProfile::CompressedTensors, 6) => Cast::CtFp6,
            (_, 8) if element == ElementFormat::FLOAT8_E5M2 => Cast::E5m2,
            (_, 8) => Cast::E4m3,
            _ => Cast::Floatx { ebits, mbits },
        };
        let round_bits = match (profile, element.bits()) {
            (MxProfile::CompressedTensors, 6) => mbits,
            (MxProfile::CompressedTensors, _) => 1,
            _ => mbits,
        };
        MxLib {
            profile,
            rule,
            element,
            cast,
            emax,
            max: element.max_value() as f32,
            round_bits,
        }
    }

    /// Whether the element input is `x · s` (else `x / s`).
    fn multiplies(&self) -> bool {
        match self.profile {
            MxProfile::ModelOpt => self.element != ElementFormat::FLOAT4_E2M1FN,
            MxProfile::CompressedTensors => false,
            _ => self.rule == MxScaleRule::RCeil,
        }
    }

    fn torchao(&self) -> bool {
        matches!(
            self.profile,
            MxProfile::Torchao | MxProfile::Torchao15 | MxProfile::Torchao14
        )
    }

    /// The scale of a block whose largest magnitude is `amax` (NaN if the block holds one),
    /// in the library's arithmetic.
    pub(crate) fn scale(&self, amax: f32) -> LibRegion {
        let amax = torch::abs(amax);
        match self.profile {
            MxProfile::Torchao | MxProfile::Torchao15 | MxProfile::Torchao14 => {
                if self.rule == MxScaleRule::RCeil {
                    // torchao `_to_mx_rceil` (eager): d = amax / max, then ceil(log2 d) in f32.
                    let d = torch::div(amax, self.max);
                    let code = if d.is_nan() {
                        255
                    } else if d.is_infinite() {
                        254
                    } else {
                        (torch::clamp(torch::ceil(torch::log2(d)), -127.0, 127.0) + 127.0) as u8
                    };
                    let s = match code {
                        // 0.18 multiplies a NaN block by the NaN itself; before, by 2^(127 − 255).
                        255 if self.profile == MxProfile::Torchao => d,
                        255 => torch::exp2_int(-128.0),
                        254 => torch::exp2_int(-127.0),
                        0 => 1.0,
                        c => torch::exp2_int(127.0 - c as f32),
                    };
                    return LibRegion { code, s };
                }
                // `to_mx`: the exponent field of amax (EVEN: after rounding its mantissa to the
                // element's bits), clamped to E8M0's range; 255 only for NaN.
                let mut bits = amax.to_bits();
                if self.rule == MxScaleRule::Even && !amax.is_nan() {
                    bits = bits.wrapping_add(1 << (23 - self.round_bits - 1)) & 0xFF80_0000;
                }
                let mut e = ((bits >> 23) & 0xFF) as i32 - 127;
                if self.rule == MxScaleRule::Ceil {
                    e += (bits & 0x7F_FFFF != 0) as i32;
                }
                let code = if amax.is_nan() {
                    255
                } else {
                    ((e - self.emax).clamp(-127, 128) + 127) as u8
                };
                // The scale as f32 bits, at least the smallest normal (so a byte-0 block is
                // divided by 2^-126); byte 255 is +∞.
                let s = f32::from_bits((code as u32) << 23).max(f32::MIN_POSITIVE);
                LibRegion { code, s }
            }
            MxProfile::ModelOpt if self.element == ElementFormat::FLOAT4_E2M1FN => {
                // `MXFP4QTensor.quantize`: e = ceil(max(log2(amax / 6), -127)); x / 2^e;
                // the byte (e + 127).to(uint8) is 0 for an infinite or NaN e (x86).
                let d = torch::div(amax, self.max);
                let l = torch::log2(d);
                let e = torch::ceil(if l.is_nan() { l } else { l.max(-127.0) });
                let code = torch::to_i32(e + 127.0) as u8;
                LibRegion {
                    code,
                    s: torch::exp2_int(e),
                }
            }
            MxProfile::ModelOpt => {
                // `MXFP8QTensor.quantize`: e = ceil(log2(amax / 448)) where amax / 448 > 0,
                // else -127 (NaN too); clamped to ±127; x · 2^(127 − byte).
                let d = torch::div(amax, self.max);
                let e = if d > 0.0 {
                    torch::ceil(torch::log2(d))
                } else {
                    -127.0
                };
                let code = (torch::clamp(e, -127.0, 127.0) + 127.0) as u8;
                LibRegion {
                    code,
                    s: torch::exp2_int(127.0 - code as f32),
                }
            }
            MxProfile::CompressedTensors => {
                // `generate_mx_scales`: amax rounded half-up to `round_bits` mantissa bits by
                // integer addition (a NaN's bits round to +∞), then 127 + floor(log2) − emax,
                // clamped to 0..=255 and rounded; the scale 2^(byte − 127) (+∞ for 255).
                let p2 = f32::from_bits(
                    amax.to_bits().wrapping_add(1 << (23 - self.round_bits - 1)) & 0xFF80_0000,
                );
                let byte_f = 127.0 + torch::floor(torch::log2(p2)) - self.emax as f32;
                let code = torch::round(torch::clamp(byte_f, 0.0, 255.0)) as u8;
                LibRegion {
                    code,
                    s: torch::exp2_int(code as f32 - 127.0),
                }
            }
        }
    }

    /// The byte the library stores for a region: compressed-tensors writes a scale of +∞
    /// (byte 255) as `uint8(int32(floor(log2 ∞)) + 127)` = 0x7F on x86-64.
    pub(crate) fn stored(&self, r: &LibRegion) -> u8 {
        if self.profile == MxProfile::CompressedTensors && r.code == 255 {
            0x7F
        } else {
            r.code
        }
    }

    /// The dequantization factor of a stored byte: `2^(code − 127)`; 255 is NaN for torchao
    /// (`get_fp_scale`) and `2^128 = +∞` for ModelOpt and compressed-tensors (`exp2`).
    pub(crate) fn factor(&self, code: u8) -> f32 {
        if code == 255 && self.torchao() {
            f32::NAN
        } else {
            torch::exp2_int(code as f32 - 127.0)
        }
    }

    /// The kernels' plan of a region whose elements have no NaN or infinity (`amax` finite)
    /// and whose factors are finite: `None` where the library's arithmetic must run element
    /// by element ([`MxLib::encode`]).
    pub(crate) fn plan(&self, r: &LibRegion, amax: f32, neg_zero: bool) -> Option<Plan> {
        if !amax.is_finite() || !r.s.is_finite() || r.s == 0.0 {
            return None;
        }
        let qa = self.factor(self.stored(r));
        if !qa.is_finite() {
            return None;
        }
        Some(match self.cast {
            Cast::CtFp4 | Cast::CtFp6 | Cast::ModelOptFp4 => {
                // x / 2^k, and for FP4 the −0 → +0 of `|q| · sign(y)`.
                let pz = if self.cast == Cast::CtFp6 { -0.0 } else { 0.0 };
                Plan::new((1.0, r.s, pz, f32::NAN), (qa, 1.0), amax, neg_zero)
            }
            Cast::E4m3 if self.profile == MxProfile::CompressedTensors => {
                // `x / s + 0` (the zero point): −0 → +0.
                Plan::new((1.0, r.s, 0.0, f32::NAN), (qa, 1.0), amax, neg_zero)
            }
            _ => {
                // A power-of-two divisor is the same as multiplying by its (exact) reciprocal.
                let pm = if self.multiplies() { r.s } else { 1.0 / r.s };
                Plan::mul(pm, qa, 1.0, amax, neg_zero)
            }
        })
    }

    /// The element code of `v` in a region with scale `r`, by the library's operations; with
    /// a rounding other than nearest even, the crate's encoder in that mode takes the
    /// library's element input (NaN still coded as the library codes it).
    pub(crate) fn encode(&self, r: &LibRegion, v: f32, rounding: Rounding) -> u8 {
        let y = if self.multiplies() {
            torch::mul(v, r.s)
        } else {
            torch::div(v, r.s)
        };
        let max = self.max;
        // The clamps before the casts (torchao clamps FP8, and everything under RCEIL).
        let y = match self.cast {
            Cast::E4m3 | Cast::E5m2 | Cast::CtFp4 | Cast::CtFp6 => torch::clamp(y, -max, max),
            Cast::Floatx { .. } if self.rule == MxScaleRule::RCeil => torch::clamp(y, -max, max),
            _ => y,
        };
        let y = if self.profile == MxProfile::CompressedTensors && self.cast == Cast::E4m3 {
            torch::add(y, 0.0)
        } else {
            y
        };
        if rounding != Rounding::NearestEven && !y.is_nan() {
            let y = match self.cast {
                Cast::CtFp4 => y + 0.0,
                _ => y,
            };
            return self.element.encode_stored(y, rounding, Overflow::Saturate) as u8;
        }
        self.cast(y)
    }

    /// The code of an element input under the library's cast (nearest even unless the cast
    /// says otherwise).
    fn cast(&self, y: f32) -> u8 {
        cast(self.cast, self.element, y)
    }
}

fn cast(c: Cast, element: ElementFormat, y: f32) -> u8 {
    match c {
        Cast::E4m3 => torch::to_e4m3(y),
        Cast::E5m2 => torch::to_e5m2(y),
        Cast::Floatx { ebits, mbits } => torch::floatx_code(y, ebits, mbits),
        Cast::ModelOptFp4 => {
            // sign_bit = (2 − sign(y)) // 2: 1 for y < 0, ±0 and NaN (sign 0); the magnitude
            // index counts the bounds |y| lies strictly above (ties toward zero), 7 at most.
            let sign = if y > 0.0 { 0 } else { 8 };
            let a = torch::abs(y);
            let idx = [0.25f32, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0]
                .iter()
                .filter(|&&b| a > b)
                .count() as u8;
            sign | idx
        }
        Cast::CtFp4 => {
            // |y| rounded (nearest even), times sign(y): ±0 gives +0, a NaN its own (positive
            // here: |y| · 0 keeps |y|'s bits); the packer indexes |q| and ORs signbit.
            if y.is_nan() {
                return 0;
            }
            let q = crate::element::ElementFormat::FLOAT4_E2M1FN.encode_stored(
                torch::abs(y),
                Rounding::NearestEven,
                Overflow::Saturate,
            ) as u8;
            let neg = y < 0.0;
            q | if neg { 8 } else { 0 }
        }
        Cast::CtFp6 => {
            // `searchsorted(table, |q|) | signbit << 5`: a NaN sorts past the 32 magnitudes,
            // so its index is 32 = 0x20 whatever its sign.
            if y.is_nan() {
                return 0x20;
            }
            element.encode_stored(y, Rounding::NearestEven, Overflow::Saturate) as u8
        }
    }
}

/// Whether a format's elements run by the definition on every backend: library arithmetic
/// the kernels' plans do not express (an element rounding of its own, or a narrower
/// arithmetic type than f32).
pub(crate) fn definition_only(bf: &BlockFormat) -> bool {
    match bf.scheme() {
        Scheme::MxProfiled { profile, .. } => profile.definition_only(bf.element()),
        Scheme::Affine { rule, scale } => super::affine::definition_only(rule, scale),
        Scheme::Absmax { profile, scale, .. } => super::absmax::definition_only(profile, scale),
        _ => false,
    }
}

/// Whether a format decodes some code to another value than the element format's own
/// (ModelOpt's NVFP4 dequantizes code 8 to +0).
pub(crate) fn patch_decode(bf: &BlockFormat) -> bool {
    matches!(
        bf.scheme(),
        Scheme::Nvfp4 {
            profile: Nvfp4Profile::ModelOpt,
            ..
        }
    )
}

/// The element decode table of a format's calls.
pub(crate) fn decode_table(bf: &BlockFormat) -> DecodeTable {
    let mut t = DecodeTable::new(&bf.element());
    if patch_decode(bf) {
        // `e2m1_values[code]` with a table whose entry 8 is +0.0.
        t.lut[8] = 0.0;
        for (b, p) in t.pairs.iter_mut().enumerate() {
            *p = [t.lut[b & 15], t.lut[b >> 4]];
        }
    }
    t
}

/// Whether packed 4-bit codes hold element 2j in the high nibble (torchao before 0.15).
pub(crate) fn high_nibble_first(bf: &BlockFormat) -> bool {
    match bf.scheme() {
        Scheme::MxProfiled { profile, .. } => profile.high_nibble_first(bf.element()),
        Scheme::Nvfp4 { profile, .. } => profile == Nvfp4Profile::Torchao14,
        _ => false,
    }
}
