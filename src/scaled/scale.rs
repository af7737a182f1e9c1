//! The scale of one region, for every scheme: from its statistics (quantization) or from
//! its stored record (dequantization), and the definition of an element's code and value
//! under it. Everything else about a call is in [`Ctx`], built once.
//!
//! Two element paths: the definition (element by element through the conversion routine,
//! [`Backend::Scalar`] and whatever the kernels do not cover: stochastic rounding, MXINT8),
//! and the backend's kernels on plain data (lane encoder, grid rounding, decode tables,
//! integer codes with zero points), chosen once per call as a [`Step`].

use crate::arch::{Backend, Kernels, Path};
use crate::element::convert;
use crate::element::fast::{Grid, LaneParams};
use crate::element::{ElementFormat, Format, encode_class_of};
use crate::error::Error;
use crate::kernels::element::DecodeTable;
use crate::kernels::scaled::{Affine, AffineParams, Plan};
use crate::round::{Overflow, Rounding};
use crate::spec::IntSpec;

use super::mx::Mx;
use super::nvfp4::{self, NvTensor};
use super::shape::Shape;
use super::{BlockFormat, Scheme, absmax, affine};

/// What a region's scale is computed from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum StatKind {
    Amax,
    MinMax,
    AbsSum,
}

/// A region's statistics, merged over the pieces and rows it spans.
#[derive(Clone, Copy)]
pub(super) struct Stats {
    pub(super) amax: f32,
    pub(super) lo: f32,
    pub(super) hi: f32,
    pub(super) sum: f64,
    pub(super) count: usize,
}

impl Stats {
    pub(super) const EMPTY: Stats = Stats {
        amax: 0.0,
        lo: f32::INFINITY,
        hi: f32::NEG_INFINITY,
        sum: 0.0,
        count: 0,
    };
}

/// A region's scale as the element loops use it.
#[derive(Clone, Copy)]
pub(super) struct RegionScale {
    pub(super) plan: Plan,
    /// MX: the exact exponent shift of the element inputs (`None` for a NaN scale).
    pub(super) shift: Option<i32>,
    pub(super) affine: AffineParams,
}

impl RegionScale {
    pub(super) const NONE: RegionScale = RegionScale {
        plan: Plan::NAN,
        shift: None,
        affine: AffineParams {
            pre: 1.0,
            post: 1.0,
            z: 0.0,
        },
    };
}

/// The element path of one call, chosen once.
pub(super) enum Step {
    /// Element by element through the conversion routine.
    Definition,
    /// A float element of at most 8 bits on a backend's kernels: the lane encoder for codes,
    /// grid rounding (nearest even) or codes and their table for fake quantization.
    Float {
        k: &'static Kernels,
        lane: LaneParams,
        grid: Option<Grid>,
    },
    /// Integer elements with zero points on a backend's kernels (nearest even).
    Int { k: &'static Kernels },
}

/// Everything about one call that does not change from region to region.
pub(super) struct Ctx {
    pub(super) bf: BlockFormat,
    pub(super) shape: Shape,
    pub(super) bits: u32,
    pub(super) step: Step,
    pub(super) table: DecodeTable,
    pub(super) mx: Option<Mx>,
    pub(super) nv: Option<NvTensor>,
    pub(super) g4: Grid,
    /// The element format has −0 (the grid's fast loops keep zero signs).
    pub(super) neg_zero: bool,
    /// Integer elements: the code range and the pre/post operations.
    pub(super) affine: Affine,
    /// Integer elements stored in two's complement.
    pub(super) signed: bool,
    /// A given tensor amax (`_shard` calls).
    pub(super) given: Option<f32>,
}

impl Ctx {
    pub(super) fn new(
        bf: &BlockFormat,
        backend: Backend,
        shape: Shape,
        given: Option<f32>,
    ) -> Result<Ctx, Error> {
        let path = backend.path()?;
        let element = bf.element;
        let bits = element.bits();
        let deterministic = !matches!(bf.rounding, Rounding::Stochastic(_));
        let step = match (path, element, bf.scheme) {
            (Path::Definition, ..) => Step::Definition,
            // MXINT8's factors 2^(6 − k) leave f32's range for the smallest scales.
            (_, ElementFormat::Int(_), Scheme::Mx(_)) => Step::Definition,
            (Path::Kernels(k), ElementFormat::Float(spec), _) if deterministic => {
                match LaneParams::new_stored(&spec, bf.rounding, Overflow::Saturate) {
                    Some(lane) => Step::Float {
                        k,
                        lane,
                        grid: match bf.rounding {
                            Rounding::NearestEven => Grid::new(&spec),
                            _ => None,
                        },
                    },
                    None => Step::Definition,
                }
            }
            (Path::Kernels(k), ElementFormat::Int(_) | ElementFormat::Ternary, _)
                if bf.rounding == Rounding::NearestEven =>
            {
                Step::Int { k }
            }
            _ => Step::Definition,
        };
        let (affine, signed) = match (bf.scheme, element) {
            (Scheme::Affine { .. }, ElementFormat::Int(s)) => (
                Affine {
                    lo: 0.0,
                    hi: s.max_value() as f32,
                    pre_div: true,
                    post_div: false,
                },
                false,
            ),
            (Scheme::Absmax { profile, .. }, ElementFormat::Int(s)) => (
                Affine {
                    lo: s.min_value() as f32,
                    hi: s.max_value() as f32,
                    pre_div: profile == absmax::AbsmaxProfile::DeepSeek,
                    post_div: profile == absmax::AbsmaxProfile::BitNet,
                },
                true,
            ),
            _ => (
                // Ternary: codes value + 1 in 0..=2.
                Affine {
                    lo: 0.0,
                    hi: 2.0,
                    pre_div: false,
                    post_div: false,
                },
                false,
            ),
        };
        Ok(Ctx {
            bf: *bf,
            shape,
            bits,
            step,
            table: DecodeTable::new(&element),
            mx: match bf.scheme {
                Scheme::Mx(rule) => Some(Mx::new(&element, rule)),
                _ => None,
            },
            nv: None,
            g4: nvfp4::e4m3_grid(),
            neg_zero: match element {
                ElementFormat::Float(s) => s.has_neg_zero(),
                _ => false,
            },
            affine,
            signed,
            given,
        })
    }

    pub(super) fn kernels(&self) -> Option<&'static Kernels> {
        match self.step {
            Step::Definition => None,
            Step::Float { k, .. } | Step::Int { k } => Some(k),
        }
    }

    pub(super) fn stat_kind(&self) -> StatKind {
        match self.bf.scheme {
            Scheme::Affine { .. } => StatKind::MinMax,
            Scheme::Absmean { .. } => StatKind::AbsSum,
            _ => StatKind::Amax,
        }
    }

    /// Whether the scheme needs the tensor's amax before any region (NVFP4's tensor scale).
    pub(super) fn tensor_amax_needed(&self) -> bool {
        matches!(
            self.bf.scheme,
            Scheme::Nvfp4 {
                two_level: true,
                ..
            }
        )
    }

    /// The scale of a region with statistics `st`; writes its stored record (`rec`, the
    /// scale's bytes) and zero point.
    pub(super) fn scale_of_stats(&self, st: &Stats, rec: &mut [u8], zero: &mut u8) -> RegionScale {
        let fast = !matches!(self.step, Step::Definition);
        let a = st.amax;
        match self.bf.scheme {
            Scheme::Mx(_) => {
                let mx = self.mx.as_ref().unwrap_or_else(|| unreachable!());
                let (code, plan, shift) = if fast {
                    mx.code_and_plan(a, self.neg_zero)
                } else {
                    let code = mx.scale_code(a);
                    let (plan, shift) = mx.plan(code, a, self.neg_zero);
                    (code, plan, shift)
                };
                rec[0] = code;
                RegionScale {
                    plan,
                    shift,
                    ..RegionScale::NONE
                }
            }
            Scheme::Nvfp4 { .. } => {
                let nv = self.nv.as_ref().unwrap_or_else(|| unreachable!());
                let (code, s) = if fast {
                    let s = nv.scale_value(a, &self.g4);
                    (nvfp4::e4m3_code_of(s), s)
                } else {
                    let code = nv.scale_code(a);
                    (code, nvfp4::e4m3_value(code))
                };
                rec[0] = code;
                RegionScale {
                    plan: nv.plan_value(s, a),
                    ..RegionScale::NONE
                }
            }
            Scheme::Affine { rule, scale } => {
                let (s, z) = affine::params(rule, scale, self.bits, st.lo, st.hi);
                scale.store(s, rec);
                *zero = z;
                RegionScale {
                    affine: affine::kernel_params(s, z),
                    ..RegionScale::NONE
                }
            }
            Scheme::Absmax {
                profile,
                scale,
                pow2,
            } => {
                let fmax = absmax::fmax(&self.bf.element);
                let s = scale.round(absmax::scale(profile, pow2, fmax, a));
                scale.store(s, rec);
                self.absmax_region(s, a)
            }
            Scheme::Absmean { scale } => {
                let m = scale.round(absmax::absmean(st.sum, st.count));
                scale.store(m, rec);
                RegionScale {
                    affine: absmax::ternary_params(m),
                    ..RegionScale::NONE
                }
            }
        }
    }

    pub(super) fn absmax_region(&self, s: f32, amax: f32) -> RegionScale {
        match self.bf.element {
            ElementFormat::Float(_) => RegionScale {
                plan: Plan::new((1.0, s, -0.0, f32::NAN), (s, 1.0), amax, self.neg_zero),
                ..RegionScale::NONE
            },
            _ => RegionScale {
                affine: absmax::int_params(s),
                ..RegionScale::NONE
            },
        }
    }

    /// The scale of a region from its stored record and zero point.
    pub(super) fn scale_of_record(&self, rec: &[u8], zero: u8) -> RegionScale {
        // Dequantization reads only the factors; the block amax is unknown (0 here).
        let a = 0.0;
        match self.bf.scheme {
            Scheme::Mx(_) => {
                let mx = self.mx.as_ref().unwrap_or_else(|| unreachable!());
                let (plan, shift) = mx.plan(rec[0], a, self.neg_zero);
                RegionScale {
                    plan,
                    shift,
                    ..RegionScale::NONE
                }
            }
            Scheme::Nvfp4 { .. } => {
                let nv = self.nv.as_ref().unwrap_or_else(|| unreachable!());
                RegionScale {
                    plan: nv.plan_value(nvfp4::e4m3_value(rec[0]), a),
                    ..RegionScale::NONE
                }
            }
            Scheme::Affine { scale, .. } => RegionScale {
                affine: affine::kernel_params(scale.load(rec), zero),
                ..RegionScale::NONE
            },
            Scheme::Absmax { scale, .. } => self.absmax_region(scale.load(rec), a),
            Scheme::Absmean { scale } => RegionScale {
                affine: absmax::ternary_params(scale.load(rec)),
                ..RegionScale::NONE
            },
        }
    }

    /// The code of element `v` of a region, by the definition (`i`: its index in the
    /// tensor, for stochastic draws).
    pub(super) fn encode_def(&self, rs: &RegionScale, v: f32, i: u64) -> u8 {
        let r = crate::round::per_element(self.bf.rounding, i);
        let e = &self.bf.element;
        match (self.bf.scheme, e) {
            (Scheme::Mx(_), _) => match rs.shift {
                // v · 2^shift formed exactly, rounded once.
                Some(shift) => {
                    let (neg, c) = convert::split_f32(v);
                    encode_class_of(e, neg, c.scale_pow2(shift), r, Overflow::Saturate).0 as u8
                }
                // A block whose scale is NaN stores codes 0.
                None => 0,
            },
            _ if !self.is_affine() => e.encode_stored(rs.plan.pre(v), r, Overflow::Saturate) as u8,
            _ => {
                // clamp(round(y) + z, lo, hi), rounded in the element's mode.
                let c = &self.affine;
                let p = &rs.affine;
                let y = if c.pre_div { v / p.pre } else { v * p.pre };
                let wide = ElementFormat::Int(match IntSpec::new(16, true, false) {
                    Ok(s) => s,
                    Err(_) => unreachable!(),
                });
                let q = if y.is_nan() {
                    p.z
                } else {
                    let q = wide.encode(y, r, Overflow::Saturate) as u16 as i16 as f32 + p.z;
                    q.clamp(c.lo, c.hi)
                };
                (q as i32 as u32 & ((1u32 << self.bits) - 1)) as u8
            }
        }
    }

    /// Whether the elements are integers with zero points (affine, integer absmax, absmean):
    /// codes `clamp(round(y) + z)`, values `post · (q − z)`.
    pub(super) fn is_affine(&self) -> bool {
        match self.bf.scheme {
            Scheme::Affine { .. } | Scheme::Absmean { .. } => true,
            Scheme::Absmax { .. } => !matches!(self.bf.element, ElementFormat::Float(_)),
            _ => false,
        }
    }

    /// The value of code `q` of a region, by the definition.
    pub(super) fn value_def(&self, rs: &RegionScale, q: u8) -> f32 {
        match self.is_affine() {
            false => rs.plan.post(self.bf.element.decode(q as u32)),
            true => {
                let c = &self.affine;
                let p = &rs.affine;
                let q = self.int_code(q) - p.z;
                if c.post_div { q / p.post } else { p.post * q }
            }
        }
    }

    /// An integer code's value (sign-extended from the element's width when signed).
    pub(super) fn int_code(&self, q: u8) -> f32 {
        if self.signed {
            let s = 8 - self.bits;
            (((q as i8) << s) >> s) as f32
        } else {
            q as f32
        }
    }
}
