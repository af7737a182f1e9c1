//! The scale of one region, for every scheme: from its statistics (quantization) or from
//! its stored record (dequantization), and the definition of an element's code and value
//! under it. Everything else about a call is in [`Ctx`], built once.
//!
//! Two element paths: the definition (element by element through the conversion routine,
//! [`Backend::Scalar`] and whatever the kernels do not cover: stochastic rounding, MXINT8),
//! and the backend's kernels on plain data (lane encoder, grid rounding, decode tables,
//! integer codes with zero points), chosen once per call as a [`Step`].

use crate::arch::{Backend, Kernels, Path};
use crate::element::codebook::CodebookLanes;
use crate::element::convert;
use crate::element::fast::{Grid, LaneParams};
use crate::element::{ElementFormat, Format, encode_class_of};
use crate::error::Error;
use crate::kernels::SPAN;
use crate::kernels::e4m3::E4m3Blocks;
use crate::kernels::element::DecodeTable;
use crate::kernels::scaled::GROUP_MAX;
use crate::kernels::scaled::{self as ks, Affine, AffineParams, FactorRule, Plan};
use crate::round::{Overflow, Rounding};
use crate::spec::IntSpec;

use super::mx::Mx;
use super::nvfp4::{self, NvTensor};
use super::profile::{LibRegion, MxLib};
use super::shape::Shape;
use super::{BlockFormat, Scheme, absmax, affine};

/// What a region's scale is computed from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum StatKind {
    Amax,
    MinMax,
    AbsSum,
}

/// One group's scratch, as arrays over its regions (at most [`GROUP_MAX`]): their
/// statistics (merged over the pieces and rows they span), then their factors.
pub(super) struct Group {
    pub(super) amax: [f32; GROUP_MAX],
    pub(super) lo: [f32; GROUP_MAX],
    pub(super) hi: [f32; GROUP_MAX],
    pub(super) sum: [f64; GROUP_MAX],
    pub(super) count: [usize; GROUP_MAX],
    /// The amax was given (a `_shard` call), not measured: the region may hold NaN.
    pub(super) given: bool,
    /// Float elements: how each region maps values to the element grid and back.
    pub(super) plans: [Plan; GROUP_MAX],
    /// MX: the exact exponent shift of each region's element inputs (`None`: NaN scale).
    pub(super) shifts: [Option<i32>; GROUP_MAX],
    /// Integer elements: each region's scale and zero point.
    pub(super) aff: [AffineParams; GROUP_MAX],
    /// Float elements: each region's dequantization factors, `value = (q · a) · b`.
    pub(super) factors: [(f32, f32); GROUP_MAX],
    pub(super) tmp: [f32; GROUP_MAX],
    pub(super) tmp2: [f32; GROUP_MAX],
    /// Library profiles: each region's scale in the library's terms.
    pub(super) lib: [LibRegion; GROUP_MAX],
    /// Library profiles: some region of the group needs the library's arithmetic element by
    /// element (a NaN or infinity, or factors the kernels' plans cannot express), so the
    /// group's elements run by the definition on every backend.
    pub(super) irregular: bool,
}

impl Group {
    pub(super) fn new() -> Group {
        Group {
            amax: [0.0; GROUP_MAX],
            lo: [0.0; GROUP_MAX],
            hi: [0.0; GROUP_MAX],
            sum: [0.0; GROUP_MAX],
            count: [0; GROUP_MAX],
            given: false,
            plans: [Plan::NAN; GROUP_MAX],
            shifts: [None; GROUP_MAX],
            aff: [AffineParams::default(); GROUP_MAX],
            factors: [(0.0, 0.0); GROUP_MAX],
            tmp: [0.0; GROUP_MAX],
            tmp2: [0.0; GROUP_MAX],
            lib: [LibRegion::default(); GROUP_MAX],
            irregular: false,
        }
    }

    /// Empty statistics for `n` regions.
    pub(super) fn reset(&mut self, kind: StatKind, n: usize) {
        self.given = false;
        self.irregular = false;
        match kind {
            StatKind::Amax => self.amax[..n].fill(0.0),
            StatKind::MinMax => {
                self.amax[..n].fill(0.0);
                self.lo[..n].fill(f32::INFINITY);
                self.hi[..n].fill(f32::NEG_INFINITY);
            }
            StatKind::AbsSum => {
                self.sum[..n].fill(0.0);
                self.count[..n].fill(0);
            }
        }
    }

    /// The amax the element loops of region `j` are specialized for: NaN (so no loop
    /// assumes a NaN-free region) when the amax was given rather than measured.
    #[inline(always)]
    fn loop_amax(&self, j: usize) -> f32 {
        if self.given { f32::NAN } else { self.amax[j] }
    }
}

/// The fused block kernels of a call (see [`Ctx::fused`]), with the element grid of fake
/// quantization.
pub(super) enum Fused {
    /// MX FLOOR.
    Pow2 { emax: i32, shift: i32, grid: Grid },
    /// NVFP4.
    E4m3 { p: E4m3Blocks, grid: Grid },
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
    /// A codebook element on a backend's kernels (any mode but stochastic): the element
    /// inputs through the codebook's threshold encoder, values through its table.
    Codebook {
        k: &'static Kernels,
        lanes: CodebookLanes<'static>,
    },
}

/// Everything about one call that does not change from region to region.
pub(super) struct Ctx {
    pub(super) bf: BlockFormat,
    pub(super) shape: Shape,
    pub(super) bits: u32,
    pub(super) step: Step,
    pub(super) mx: Option<Mx>,
    /// MX as a library computes it.
    pub(super) lib: Option<MxLib>,
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
    /// Packed 4-bit codes hold element 2j in the high nibble (torchao before 0.15).
    pub(super) swap_nibbles: bool,
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
        let deterministic = !bf.rounding.is_stochastic();
        let step = match (path, element, bf.scheme) {
            (Path::Definition, ..) => Step::Definition,
            // MXINT8's factors 2^(6 − k) leave f32's range for the smallest scales.
            (_, ElementFormat::Int(_), Scheme::Mx(_)) => Step::Definition,
            // Library arithmetic the kernels do not express (see `definition_only`).
            _ if super::profile::definition_only(bf) => Step::Definition,
            (Path::Kernels(k), ElementFormat::Float(spec), _) if deterministic => {
                match LaneParams::new_stored(&spec, bf.rounding, Overflow::Saturate) {
                    Some(lane) => Step::Float {
                        k,
                        lane,
                        grid: match bf.rounding {
                            // A profile that decodes a code otherwise than the grid rounds
                            // (ModelOpt's +0 for code 8) goes through codes and its table.
                            Rounding::NearestEven if !super::profile::patch_decode(bf) => {
                                Grid::new(&spec)
                            }
                            _ => None,
                        },
                    },
                    None => Step::Definition,
                }
            }
            (Path::Kernels(k), ElementFormat::Codebook(cb), _) => match cb.lanes(bf.rounding) {
                Some(lanes) => Step::Codebook { k, lanes },
                None => Step::Definition,
            },
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
            mx: match bf.scheme {
                Scheme::Mx(rule) => Some(Mx::new(&element, rule)),
                _ => None,
            },
            lib: match bf.scheme {
                Scheme::MxProfiled { profile, rule } => Some(MxLib::new(element, profile, rule)),
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
            swap_nibbles: super::profile::high_nibble_first(bf),
        })
    }

    /// The fused kernels this call's groups run on, if any: MX FLOOR (power-of-two scales
    /// from the amax's bits) and NVFP4 (E4M3 scales by the profile's recipe, where its
    /// tensor-level constants are finite and nonzero), on a float step (nearest even for
    /// fake quantization), blocks of one row that fit a chunk and the kernels' mask, a
    /// measured amax.
    pub(super) fn fused(&self, values: bool, group: usize) -> Option<Fused> {
        let ElementFormat::Float(spec) = self.bf.element else {
            return None;
        };
        let grid = Grid::new(&spec)?;
        let float = match &self.step {
            Step::Float { .. } => !values || self.bf.rounding == Rounding::NearestEven,
            _ => false,
        };
        let fits = self.shape.band == 1
            && self.shape.n <= SPAN
            && group <= GROUP_MAX
            && group * self.shape.n <= SPAN;
        let measured = self.given.is_none() || self.bf.region != super::Region::Tensor;
        if !(float && fits && self.neg_zero && measured) {
            return None;
        }
        if let Some((emax, shift)) = self.mx.as_ref().and_then(Mx::pow2) {
            // Fake quantization on the grid only (MX has no decode patch).
            let on_grid = matches!(self.step, Step::Float { grid: Some(_), .. });
            return (!values || on_grid).then_some(Fused::Pow2 { emax, shift, grid });
        }
        let p = self.nv.as_ref()?.blocks(self.g4)?;
        Some(Fused::E4m3 { p, grid })
    }

    /// The element decode table (built where a call decodes codes: dequantization, fake
    /// quantization through codes or by the definition).
    pub(super) fn decode_table(&self) -> DecodeTable {
        super::profile::decode_table(&self.bf)
    }

    /// The value of every one-byte scale code for dequantization: MX `2^(code − 127 −
    /// shift)` (the factor itself, NaN for 0xFF), NVFP4 the E4M3 value; unused otherwise.
    pub(super) fn scale_table(&self) -> [f32; 256] {
        match (&self.bf.scheme, &self.mx, &self.lib) {
            (Scheme::Nvfp4 { .. }, ..) => DecodeTable::new(&ElementFormat::FLOAT8_E4M3FN).lut,
            (_, Some(mx), _) => core::array::from_fn(|c| mx.factors(c as u8).0),
            (_, _, Some(lib)) => core::array::from_fn(|c| lib.factor(c as u8)),
            _ => [0.0; 256],
        }
    }

    pub(super) fn kernels(&self) -> Option<&'static Kernels> {
        match self.step {
            Step::Definition => None,
            Step::Float { k, .. } | Step::Int { k } | Step::Codebook { k, .. } => Some(k),
        }
    }

    /// Whether a region's min and max are NaN when it holds a NaN (compressed-tensors' rules:
    /// `torch.amin`/`amax` propagate it); the crate's own rules skip NaN.
    pub(super) fn nan_min_max(&self) -> bool {
        matches!(
            self.bf.scheme,
            Scheme::Affine {
                rule: affine::AffineRule::CompressedTensors
                    | affine::AffineRule::CompressedTensorsSym,
                ..
            }
        )
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

    /// The scales of regions `0..n` of a group from their statistics: the stored records
    /// (`rec`: `n` scales of the scale format's bytes; `zeros`: `n` zero points for affine
    /// formats) and the factors the element loops use.
    // Region j's statistics, record and factors live in parallel arrays.
    #[allow(clippy::needless_range_loop)]
    pub(super) fn scales(&self, g: &mut Group, n: usize, rec: &mut [u8], zeros: &mut [u8]) {
        let fast = !matches!(self.step, Step::Definition);
        let nz = self.neg_zero;
        match self.bf.scheme {
            Scheme::Mx(_) => {
                let mx = self.mx.as_ref().unwrap_or_else(|| unreachable!());
                for j in 0..n {
                    let (a, la) = (g.amax[j], g.loop_amax(j));
                    let (code, plan, shift) = if fast {
                        mx.code_and_plan(a, la, nz)
                    } else {
                        let code = mx.scale_code(a);
                        let (plan, shift) = mx.plan(code, la, nz);
                        (code, plan, shift)
                    };
                    (rec[j], g.plans[j], g.shifts[j]) = (code, plan, shift);
                }
            }
            Scheme::MxProfiled { .. } => {
                let lib = self.lib.as_ref().unwrap_or_else(|| unreachable!());
                for j in 0..n {
                    let r = lib.scale(g.amax[j]);
                    let stored = lib.stored(&r);
                    (rec[j], g.lib[j]) = (stored, r);
                    g.plans[j] = match lib.plan(&r, g.loop_amax(j), nz) {
                        Some(p) => p,
                        None => {
                            g.irregular = true;
                            Plan {
                                qa: lib.factor(stored),
                                qb: 1.0,
                                ..Plan::NAN
                            }
                        }
                    };
                }
            }
            Scheme::Nvfp4 { .. } => {
                let nv = self.nv.as_ref().unwrap_or_else(|| unreachable!());
                if !nv.is_te() {
                    // A library's recipe: its own f32 operations, NaN bits included.
                    for j in 0..n {
                        let code = nv.scale_code(g.amax[j]);
                        let s = super::torch::e4m3_value(code);
                        (rec[j], g.lib[j]) = (code, LibRegion { code, s });
                        g.plans[j] = match nv.lib_plan(s, g.loop_amax(j)) {
                            Some(p) => p,
                            None => {
                                g.irregular = true;
                                let (qa, qb) = nv.factors(code);
                                Plan {
                                    qa,
                                    qb,
                                    ..Plan::NAN
                                }
                            }
                        };
                    }
                    return;
                }
                for j in 0..n {
                    let (a, la) = (g.amax[j], g.loop_amax(j));
                    let (code, s) = if fast {
                        let s = nv.scale_value(a, &self.g4);
                        (nvfp4::e4m3_code_of(s), s)
                    } else {
                        let code = nv.scale_code(a);
                        (code, nvfp4::e4m3_value(code))
                    };
                    (rec[j], g.plans[j]) = (code, nv.plan_value(s, la));
                }
            }
            Scheme::Affine { rule, scale } => {
                let sb = scale.bytes();
                let nan_stats = self.nan_min_max();
                for j in 0..n {
                    let (lo, hi) = if nan_stats && g.amax[j].is_nan() {
                        (f32::NAN, f32::NAN)
                    } else {
                        (g.lo[j], g.hi[j])
                    };
                    let (s, z) = affine::params(rule, scale, self.bits, lo, hi);
                    if nan_stats && !s.is_finite() {
                        // NaN codes and values: the library's element arithmetic.
                        g.irregular = true;
                    }
                    scale.store(s, &mut rec[j * sb..]);
                    zeros[j] = z;
                    g.aff[j] = affine::kernel_params(s, z);
                }
            }
            Scheme::Absmax {
                profile,
                scale,
                pow2,
            } => {
                let (sb, fmax) = (scale.bytes(), absmax::fmax(&self.bf.element));
                if profile.suffix().is_some() {
                    // A library's recipe (see `AbsmaxProfile`).
                    for j in 0..n {
                        let (st, e) = absmax::lib_scale(profile, scale, pow2, fmax, g.amax[j]);
                        scale.store(st, &mut rec[j * sb..]);
                        g.lib[j] = LibRegion { code: 0, s: e };
                        g.plans[j] = match absmax::lib_plan(profile, st, e, g.loop_amax(j), nz) {
                            Some(p) => p,
                            None => {
                                g.irregular = true;
                                Plan {
                                    qa: st,
                                    qb: 1.0,
                                    ..Plan::NAN
                                }
                            }
                        };
                    }
                    return;
                }
                for j in 0..n {
                    let s = scale.round(absmax::scale(profile, pow2, fmax, g.amax[j]));
                    scale.store(s, &mut rec[j * sb..]);
                    self.absmax_region(g, j, s, g.loop_amax(j));
                }
            }
            Scheme::Absmean { scale } => {
                let sb = scale.bytes();
                for j in 0..n {
                    let m = scale.round(absmax::absmean(g.sum[j], g.count[j]));
                    scale.store(m, &mut rec[j * sb..]);
                    g.aff[j] = absmax::ternary_params(m);
                }
            }
        }
    }

    /// How one-byte scale codes become factors: MX the table value itself, NVFP4 the
    /// profile's product with the tensor scale (see [`NvTensor::post_factors`]).
    fn factor_rule(&self) -> (FactorRule, f32) {
        match &self.nv {
            Some(nv) => nv.factor_rule(),
            None => (FactorRule::MulRight, 1.0),
        }
    }

    /// Region `j` of an absmax format with scale `s`.
    #[inline(always)]
    fn absmax_region(&self, g: &mut Group, j: usize, s: f32, loop_amax: f32) {
        match self.bf.element {
            ElementFormat::Float(_) | ElementFormat::Codebook(_) => {
                g.plans[j] =
                    Plan::new((1.0, s, -0.0, f32::NAN), (s, 1.0), loop_amax, self.neg_zero);
            }
            _ => g.aff[j] = absmax::int_params(s),
        }
    }

    /// The dequantization factors (float elements) or affine parameters (integer elements)
    /// of regions `0..n` from their stored records and zero points.
    pub(super) fn scales_of_records(
        &self,
        table: &[f32; 256],
        g: &mut Group,
        n: usize,
        rec: &[u8],
        zeros: &[u8],
    ) {
        match self.bf.scheme {
            Scheme::Mx(_) | Scheme::MxProfiled { .. } | Scheme::Nvfp4 { .. } => {
                // One-byte scale codes: their factors through the call's table.
                let (rule, t) = self.factor_rule();
                let out = &mut g.factors[..n];
                match self.kernels() {
                    Some(k) => (k.lut_factors)(table, &rec[..n], rule, t, out),
                    None => ks::lut_factors(table, &rec[..n], rule, t, out),
                }
            }
            Scheme::Affine { scale, .. } => {
                let sb = scale.bytes();
                for j in 0..n {
                    g.aff[j] = affine::kernel_params(scale.load(&rec[j * sb..]), zeros[j]);
                }
            }
            Scheme::Absmax { scale, .. } => {
                let sb = scale.bytes();
                for j in 0..n {
                    let s = scale.load(&rec[j * sb..]);
                    match self.bf.element {
                        ElementFormat::Float(_) | ElementFormat::Codebook(_) => {
                            g.factors[j] = (s, 1.0)
                        }
                        _ => g.aff[j] = absmax::int_params(s),
                    }
                }
            }
            Scheme::Absmean { scale } => {
                let sb = scale.bytes();
                for j in 0..n {
                    g.aff[j] = absmax::ternary_params(scale.load(&rec[j * sb..]));
                }
            }
        }
    }

    /// The code of element `v` of a region, by the definition (`i`: its index in the
    /// tensor, for stochastic draws).
    pub(super) fn encode_def(&self, g: &Group, j: usize, v: f32, i: u64) -> u8 {
        let r = crate::round::per_element(self.bf.rounding, i);
        let e = &self.bf.element;
        match (self.bf.scheme, e) {
            (Scheme::Mx(_), _) => match g.shifts[j] {
                // v · 2^shift formed exactly, rounded once.
                Some(shift) => {
                    let (neg, c) = convert::split_f32(v);
                    encode_class_of(e, neg, c.scale_pow2(shift), r, Overflow::Saturate).0 as u8
                }
                // A block whose scale is NaN stores codes 0.
                None => 0,
            },
            (Scheme::MxProfiled { .. }, _) => {
                let lib = self.lib.as_ref().unwrap_or_else(|| unreachable!());
                lib.encode(&g.lib[j], v, r)
            }
            (Scheme::Absmax { profile, scale, .. }, _) if profile.suffix().is_some() => {
                absmax::lib_encode(profile, scale, g.lib[j].s, v, r)
            }
            (Scheme::Affine { rule, scale }, _)
                if let Some(q) =
                    affine::encode_def(rule, scale, self.bits, g.aff[j].pre, g.aff[j].z, v, r) =>
            {
                q
            }
            (Scheme::Nvfp4 { .. }, _) if self.nv.as_ref().is_some_and(|nv| !nv.is_te()) => {
                let nv = self.nv.as_ref().unwrap_or_else(|| unreachable!());
                nv.encode(g.lib[j].s, v, r)
            }
            _ if !self.is_affine() => {
                e.encode_stored(g.plans[j].pre(v), r, Overflow::Saturate) as u8
            }
            _ => {
                // clamp(round(y) + z, lo, hi), rounded in the element's mode.
                let c = &self.affine;
                let p = &g.aff[j];
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
            Scheme::Absmax { .. } => !matches!(
                self.bf.element,
                ElementFormat::Float(_) | ElementFormat::Codebook(_)
            ),
            _ => false,
        }
    }

    /// The value of code `q` of region `j`, by the definition: `(decode(q) · a) · b` with
    /// the region's factors, or the affine value.
    pub(super) fn value_def(&self, t: &DecodeTable, g: &Group, j: usize, q: u8) -> f32 {
        match self.is_affine() {
            false => {
                let (a, b) = g.factors[j];
                (t.lut[q as usize] * a) * b
            }
            true => {
                let c = &self.affine;
                let p = &g.aff[j];
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
