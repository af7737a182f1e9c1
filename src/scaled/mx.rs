//! OCP Microscaling (MX v1.0): one E8M0 power-of-two scale per block, chosen from the
//! block's largest magnitude by a [`MxScaleRule`].

use crate::element::ElementFormat;
use crate::element::convert::{self, Class};
use crate::kernels::scaled::{Plan, pow2_factors};

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
    /// The name suffix (`floor`, `ceil`, `even`, `rceil`).
    pub(crate) const fn suffix(self) -> &'static str {
        match self {
            MxScaleRule::Floor => "floor",
            MxScaleRule::Ceil => "ceil",
            MxScaleRule::Even => "even",
            MxScaleRule::RCeil => "rceil",
        }
    }
}

/// MXINT8's implicit exponent: int8 codes with an implicit 2^−6, so ±127/64 (as
/// microsoft/microxcaling clamps it).
pub(crate) const MXINT8_SHIFT: i32 = 6;

/// An MX element format's constants for one call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mx {
    rule: MxScaleRule,
    /// emax_elem of OCP MX v1.0 Table 1 (E4M3 8, E5M2 15, E2M3 2, E3M2 4, E2M1 2, INT8 0).
    emax: i32,
    /// Exponent of 2 that the element's codes carry implicitly (6 for MXINT8).
    shift: i32,
    /// The element's largest value, without the implicit exponent.
    max: f64,
    /// The element's mantissa bits (MXINT8: 6), for the EVEN rule.
    mbits: u32,
}

impl Mx {
    /// `(emax, shift)` when the scales are FLOOR's powers of two, which the fused kernels
    /// compute from the amax's bits.
    pub(crate) fn pow2(&self) -> Option<(i32, i32)> {
        (self.rule == MxScaleRule::Floor).then_some((self.emax, self.shift))
    }
}

impl Mx {
    pub(crate) fn new(element: &ElementFormat, rule: MxScaleRule) -> Mx {
        let shift = match element {
            ElementFormat::Int(_) => MXINT8_SHIFT,
            _ => 0,
        };
        let (emax, mbits) = match element {
            ElementFormat::Float(s) => {
                let (e, sig) = s.code_exp_sig(s.max_code());
                (e + 31 - sig.leading_zeros() as i32, s.man_bits())
            }
            ElementFormat::Int(s) => (
                31 - (s.max_value() as u32).leading_zeros() as i32 - shift,
                MXINT8_SHIFT as u32,
            ),
            ElementFormat::Ternary | ElementFormat::Codebook(_) => (0, 0),
        };
        Mx {
            rule,
            emax,
            shift,
            max: element.max_value(),
            mbits,
        }
    }

    /// The E8M0 code of the shared scale for a block whose largest magnitude is `amax`.
    /// amax = 0 gives code 0 (2^−127, as microxcaling and torchao); ±∞ or NaN the NaN
    /// code 0xFF; exponents below −127 clamp to −127, above 127 give NaN.
    pub(crate) fn scale_code(&self, amax: f32) -> u8 {
        let (_, class) = convert::split_f32(amax);
        let m = match class {
            Class::Zero => return 0,
            Class::Inf | Class::Nan => return 0xFF,
            Class::Finite(m) => m,
        };
        // m.exp = floor(log2 amax); the significand's fraction bits follow bit 63.
        let frac = m.sig << 1;
        let k = match self.rule {
            MxScaleRule::Floor => m.exp - self.emax,
            MxScaleRule::Ceil => m.exp + (frac != 0) as i32 - self.emax,
            MxScaleRule::Even => {
                // Add half an ulp of the element's mantissa width; a carry out of the
                // fraction bumps the exponent (torchao EVEN).
                let carry = frac.checked_add(1u64 << (63 - self.mbits)).is_none();
                m.exp + carry as i32 - self.emax
            }
            MxScaleRule::RCeil => {
                // Smallest k with amax <= max_elem · 2^k; it is floor(log2 amax) − emax or
                // one more. Both sides are exact in f64.
                let max = self.max * convert::pow2_f64(-self.shift);
                let k0 = m.exp - self.emax;
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

    /// The scale code and the plan of a block whose largest magnitude is `amax` (the plan
    /// specialized for `loop_amax`, see [`Plan::new`]). FLOOR blocks with a normal amax take
    /// the exponent straight from its bits and build the factors `2^−k`, `2^(k − shift)` as
    /// f32 bit patterns (the same values as [`Mx::plan`]'s, without the general split).
    #[inline(always)]
    pub(crate) fn code_and_plan(
        &self,
        amax: f32,
        loop_amax: f32,
        neg_zero: bool,
    ) -> (u8, Plan, Option<i32>) {
        if self.rule == MxScaleRule::Floor
            && let Some((code, pm, qa)) = pow2_factors(amax, self.emax, self.shift)
        {
            let plan = Plan::mul(pm, qa, 1.0, loop_amax, neg_zero);
            return (code, plan, Some(self.shift - (code as i32 - 127)));
        }
        let code = self.scale_code(amax);
        let (plan, shift) = self.plan(code, loop_amax, neg_zero);
        (code, plan, shift)
    }

    /// How a block with scale code `code` maps to and from its element grid, and the exact
    /// exponent shift `v · 2^shift` of its element inputs (`None` for a NaN scale).
    pub(crate) fn plan(&self, code: u8, amax: f32, neg_zero: bool) -> (Plan, Option<i32>) {
        if code == 0xFF {
            return (Plan::NAN, None);
        }
        let k = code as i32 - 127;
        let shift = self.shift - k;
        let plan = Plan::mul(
            convert::pow2_f64(-k) as f32,
            convert::pow2_f64(-shift) as f32,
            1.0,
            amax,
            neg_zero,
        );
        (plan, Some(shift))
    }
}

impl Mx {
    /// The dequantization factors `(2^(k − shift), 1)` of a block with scale code `code`:
    /// straight from the byte as an f32 bit pattern where that is a normal number, else
    /// through [`Mx::plan`] (NaN for the NaN code).
    #[inline(always)]
    pub(crate) fn factors(&self, code: u8) -> (f32, f32) {
        let e = code as i32 - self.shift;
        if code != 0xFF && (1..255).contains(&e) {
            return (f32::from_bits((e as u32) << 23), 1.0);
        }
        let (p, _) = self.plan(code, 0.0, true);
        (p.qa, p.qb)
    }
}
