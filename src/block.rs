//! Block-scaled formats: OCP Microscaling (MX) and NVIDIA NVFP4.
//!
//! A [`BlockFormat`] composes an element format, a scale format, a block length and a scale
//! rule. Its defaults are the contract's: OCP MX v1.0 with the FLOOR scale rule, and NVFP4
//! as NVIDIA TransformerEngine computes it.

use core::fmt;
use core::str::FromStr;

use crate::bulk::Backend;
use crate::bulk::lanes::LaneParams;
use crate::convert::{self, Class};
use crate::error::{Error, NameBuf};
use crate::format::{ElementFormat, Format};
use crate::round::{Overflow, Rounding};
use crate::spec::{IntSpec, must_int};

/// How an MX block's shared E8M0 scale `X = 2^k` is chosen from the block's largest
/// magnitude `amax`. Every rule works on the exponent and mantissa bits of `amax`; none calls
/// `log2f` (which is one ulp wrong below powers of two in most libms).
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
    const fn suffix(self) -> &'static str {
        match self {
            MxScaleRule::Floor => "floor",
            MxScaleRule::Ceil => "ceil",
            MxScaleRule::Even => "even",
            MxScaleRule::RCeil => "rceil",
        }
    }
}

/// The scheme a [`BlockFormat`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// OCP MX: one E8M0 power-of-two scale per block.
    Mx(MxScaleRule),
    /// NVFP4: an E4M3 scale per block of E2M1 elements and one f32 scale for the tensor,
    /// computed as NVIDIA TransformerEngine does (`reference_nvfp4.py`, `core_nvfp4.cuh`).
    Nvfp4,
}

/// A block-scaled format: element format × scale format × block length × scale rule.
///
/// ```
/// use lowbit::BlockFormat;
/// let mx: BlockFormat = "mxfp4".parse().unwrap();
/// let x = [0.1f32, -0.7, 1.9, 5.0];
/// let mut y = [0.0f32; 4];
/// mx.quantize_dequantize(&x, &mut y).unwrap();
/// // amax 5 gives the FLOOR scale 2^(floor(log2 5) - 2) = 1; 5 is a tie of 4 and 6 -> 4.
/// assert_eq!(y, [0.0, -0.5, 2.0, 4.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockFormat {
    element: ElementFormat,
    block_len: u32,
    scheme: Scheme,
}

/// MXINT8's element: symmetric int8 (±127) with an implicit 2^−6, so ±127/64 (as
/// microsoft/microxcaling clamps it).
const MXINT8_ELEM: IntSpec = must_int(IntSpec::new(8, true, true));
const MXINT8_SHIFT: i32 = 6;

impl BlockFormat {
    /// MXFP8 with E4M3 elements.
    pub const MXFP8_E4M3: Self = Self::mx(ElementFormat::FLOAT8_E4M3FN);
    /// MXFP8 with E5M2 elements.
    pub const MXFP8_E5M2: Self = Self::mx(ElementFormat::FLOAT8_E5M2);
    /// MXFP6 with E2M3 elements.
    pub const MXFP6_E2M3: Self = Self::mx(ElementFormat::FLOAT6_E2M3FN);
    /// MXFP6 with E3M2 elements.
    pub const MXFP6_E3M2: Self = Self::mx(ElementFormat::FLOAT6_E3M2FN);
    /// MXFP4 (E2M1 elements).
    pub const MXFP4: Self = Self::mx(ElementFormat::FLOAT4_E2M1FN);
    /// MXINT8: int8 elements with an implicit 2^−6, clamped symmetric to ±127/64.
    pub const MXINT8: Self = Self::mx(ElementFormat::Int(MXINT8_ELEM));
    /// NVFP4: E2M1 elements, blocks of 16, E4M3 block scales, an f32 tensor scale.
    pub const NVFP4: Self = BlockFormat {
        element: ElementFormat::FLOAT4_E2M1FN,
        block_len: 16,
        scheme: Scheme::Nvfp4,
    };

    const fn mx(element: ElementFormat) -> Self {
        BlockFormat {
            element,
            block_len: 32,
            scheme: Scheme::Mx(MxScaleRule::Floor),
        }
    }

    /// The named block formats, in the order `Display` prefers.
    pub const NAMED: &'static [(&'static str, BlockFormat)] = &[
        ("mxfp8_e4m3", Self::MXFP8_E4M3),
        ("mxfp8_e5m2", Self::MXFP8_E5M2),
        ("mxfp6_e2m3", Self::MXFP6_E2M3),
        ("mxfp6_e3m2", Self::MXFP6_E3M2),
        ("mxfp4", Self::MXFP4),
        ("mxint8", Self::MXINT8),
        ("nvfp4", Self::NVFP4),
    ];

    /// The same format with another block length (1..=2^20).
    pub fn with_block_len(self, block_len: usize) -> Result<Self, Error> {
        if block_len == 0 || block_len > 1 << 20 {
            return Err(Error::Parameter {
                what: "block length",
                value: block_len as i64,
            });
        }
        Ok(BlockFormat {
            block_len: block_len as u32,
            ..self
        })
    }

    /// The same MX format with another scale rule (an error for NVFP4).
    pub fn with_scale_rule(self, rule: MxScaleRule) -> Result<Self, Error> {
        match self.scheme {
            Scheme::Mx(_) => Ok(BlockFormat {
                scheme: Scheme::Mx(rule),
                ..self
            }),
            Scheme::Nvfp4 => Err(Error::Unsupported("MX scale rules apply to MX formats")),
        }
    }

    /// The element format (MXINT8 reports its int8 codes, without the implicit 2^−6).
    pub const fn element(&self) -> ElementFormat {
        self.element
    }
    /// The block length.
    pub const fn block_len(&self) -> usize {
        self.block_len as usize
    }
    /// The scheme.
    pub const fn scheme(&self) -> Scheme {
        self.scheme
    }
    /// The scale format: E8M0 for MX, E4M3 for NVFP4.
    pub const fn scale_format(&self) -> ElementFormat {
        match self.scheme {
            Scheme::Mx(_) => ElementFormat::FLOAT8_E8M0FNU,
            Scheme::Nvfp4 => ElementFormat::FLOAT8_E4M3FN,
        }
    }

    /// Exponent of 2 that the element's codes carry implicitly (−6 for MXINT8).
    fn elem_shift(&self) -> i32 {
        match self.element {
            ElementFormat::Int(_) => MXINT8_SHIFT,
            _ => 0,
        }
    }

    /// emax_elem of OCP MX v1.0 Table 1: the exponent of the element's largest normal binade,
    /// from the largest code's fields (E4M3 8, E5M2 15, E2M3 2, E3M2 4, E2M1 2, INT8 0).
    fn emax_elem(&self) -> i32 {
        match self.element {
            ElementFormat::Float(s) => {
                let (e, sig) = s.code_exp_sig(s.max_code());
                e + 31 - sig.leading_zeros() as i32
            }
            ElementFormat::Int(s) => {
                31 - (s.max_value() as u32).leading_zeros() as i32 - self.elem_shift()
            }
            ElementFormat::Ternary => 0,
        }
    }

    /// The E8M0 code of the shared scale for a block whose largest magnitude is `amax`.
    ///
    /// amax = 0 gives code 0 (2^−127, as microxcaling and torchao); amax = ±∞ or NaN gives
    /// the NaN code 0xFF (torchao); exponents below −127 clamp to −127, above 127 give NaN.
    pub fn mx_scale_code(&self, amax: f32) -> u8 {
        let Scheme::Mx(rule) = self.scheme else {
            return 0xFF;
        };
        let (_, class) = convert::split_f32(amax);
        let m = match class {
            Class::Zero => return 0,
            Class::Inf | Class::Nan => return 0xFF,
            Class::Finite(m) => m,
        };
        let emax = self.emax_elem();
        // m.exp = floor(log2 amax); the significand's fraction bits follow bit 63.
        let frac = m.sig << 1;
        let k = match rule {
            MxScaleRule::Floor => m.exp - emax,
            MxScaleRule::Ceil => m.exp + (frac != 0) as i32 - emax,
            MxScaleRule::Even => {
                // Add half an ulp of the element's mantissa width; a carry out of the
                // fraction bumps the exponent (torchao EVEN).
                let mbits = match self.element {
                    ElementFormat::Float(s) => s.man_bits(),
                    _ => MXINT8_SHIFT as u32,
                };
                let carry = frac.checked_add(1u64 << (63 - mbits)).is_none();
                m.exp + carry as i32 - emax
            }
            MxScaleRule::RCeil => {
                // Smallest k with amax <= max_elem · 2^k; it is floor(log2 amax) − emax or
                // one more. Both sides are exact in f64.
                let max = self.element.max_value() * convert::pow2_f64(-self.elem_shift());
                let k0 = m.exp - emax;
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

    /// Quantizes `x` and dequantizes it again in one pass (fake quantization): `out[i]` is
    /// the value a real quantize followed by a dequantize gives.
    ///
    /// MX: blocks of `block_len` consecutive elements share `X = 2^k` (see
    /// [`BlockFormat::mx_scale_code`]); elements round to nearest even and saturate;
    /// `out = X · element`, exact in f32. A NaN scale makes its block NaN. A trailing
    /// partial block behaves as if padded with zeros.
    ///
    /// NVFP4: the whole slice is the tensor. TransformerEngine's recipe in f32:
    /// `S_enc = 2688 / amax` (1 if amax is 0 or S_enc is 0; at most `f32::MAX`),
    /// `s = e4m3_rne_sat(block_amax · (S_enc · fl(1/6)))`, `S_dec = 1/S_enc`,
    /// `enc = min(1 / (s · S_dec), f32::MAX)`, `q = e2m1_rne_sat(x · enc)`,
    /// `out = (q · s) · S_dec`. The sign of a zero output is not specified.
    ///
    /// # Errors
    /// [`Error::Length`] if `out.len() != x.len()`.
    pub fn quantize_dequantize(&self, x: &[f32], out: &mut [f32]) -> Result<(), Error> {
        if out.len() != x.len() {
            return Err(Error::Length {
                what: "quantize_dequantize output",
                expected: x.len(),
                actual: out.len(),
            });
        }
        match self.scheme {
            Scheme::Mx(_) => {
                let n = self.block_len();
                let fast = FastElem::new(&self.element);
                match &fast {
                    // Short blocks: many per call into the lane kernel.
                    Some(f) if n <= SPAN => {
                        let per = SPAN / n * n;
                        for (xs, os) in x.chunks(per).zip(out.chunks_mut(per)) {
                            self.mx_span_qdq_fast(f, xs, os);
                        }
                    }
                    _ => {
                        for (xb, ob) in x.chunks(n).zip(out.chunks_mut(n)) {
                            match &fast {
                                Some(f) => self.mx_block_qdq_fast(f, xb, ob),
                                None => self.mx_block_qdq(xb, ob),
                            }
                        }
                    }
                }
            }
            Scheme::Nvfp4 => {
                let t = NvTensorScale::te(amax_f32(x));
                let n = self.block_len();
                let fast = FastElem::new(&self.element);
                for (xb, ob) in x.chunks(n).zip(out.chunks_mut(n)) {
                    nvfp4_block_qdq(&t, fast.as_ref(), xb, ob);
                }
            }
        }
        Ok(())
    }

    /// The same block on the bulk lane kernel: `x · 2^−k` as an f32 product (exact, except
    /// for results in f32's subnormal range, which lie far below every element format's
    /// smallest subnormal and round to ±0 either way), nearest-even saturating encode, table
    /// decode, `· 2^k` (exact).
    /// [`Self::mx_block_qdq_fast`] for a span of whole blocks (at most [`SPAN`] elements):
    /// per-element scale factors, one pass through the lane kernel.
    fn mx_span_qdq_fast(&self, f: &FastElem, x: &[f32], out: &mut [f32]) {
        let n = self.block_len();
        let (mut down, mut up) = ([0f32; SPAN], [0f32; SPAN]);
        for (b, xb) in x.chunks(n).enumerate() {
            let code = self.mx_scale_code(amax_f32(xb));
            // A NaN scale makes the whole block NaN, through the multiplications.
            let (d, u) = if code == 0xFF {
                (f32::NAN, f32::NAN)
            } else {
                let k = code as i32 - 127;
                (convert::pow2_f64(-k) as f32, convert::pow2_f64(k) as f32)
            };
            let r = b * n..(b * n + xb.len());
            down[r.clone()].fill(d);
            up[r].fill(u);
        }
        f.qdq(x, |i, v| v * down[i], |i, q| q * up[i], out);
    }

    fn mx_block_qdq_fast(&self, f: &FastElem, x: &[f32], out: &mut [f32]) {
        let code = self.mx_scale_code(amax_f32(x));
        if code == 0xFF {
            out.fill(f32::NAN);
            return;
        }
        let k = code as i32 - 127;
        let down = convert::pow2_f64(-k) as f32;
        let up = convert::pow2_f64(k) as f32;
        f.qdq(x, |_, v| v * down, |_, q| q * up, out);
    }

    /// Number of scales (one byte each) for `n` elements: one per block, the last partial.
    pub fn scale_count(&self, n: usize) -> usize {
        n.div_ceil(self.block_len())
    }

    /// Bytes of densely packed element codes for `n` elements (see [`pack`](crate::pack)).
    ///
    /// # Errors
    /// On a size overflow.
    pub fn codes_len(&self, n: usize) -> Result<usize, Error> {
        crate::pack::packed_len(self.element.bits(), crate::pack::Layout::Dense, n)
    }

    /// Quantizes `x` into stored form: element codes packed densely into `codes` (exactly
    /// [`codes_len`](Self::codes_len)`(x.len())` bytes; MXINT8 stores two's-complement int8)
    /// and one scale byte per block in `scales` ([`scale_count`](Self::scale_count) bytes:
    /// E8M0 codes for MX, E4M3 codes for NVFP4). Returns the tensor decode scale `S_dec`
    /// (NVFP4; 1.0 for MX). [`dequantize`](Self::dequantize) of the result gives exactly
    /// what [`quantize_dequantize`](Self::quantize_dequantize) gives.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let bf = BlockFormat::MXFP4;
    /// let x = [0.3f32, -1.7, 2.5, 6.1];
    /// let (mut codes, mut scales) = (vec![0u8; bf.codes_len(4).unwrap()], vec![0u8; bf.scale_count(4)]);
    /// let s = bf.quantize(&x, &mut codes, &mut scales).unwrap();
    /// assert_eq!(scales, [127 + 0]); // X = 2^(floor(log2 6.1) - 2) = 1
    /// let mut y = [0f32; 4];
    /// bf.dequantize(&codes, &scales, s, &mut y).unwrap();
    /// assert_eq!(y, [0.5, -1.5, 2.0, 6.0]);
    /// ```
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer has the wrong size.
    pub fn quantize(&self, x: &[f32], codes: &mut [u8], scales: &mut [u8]) -> Result<f32, Error> {
        let n = x.len();
        Error::check_len("block codes", self.codes_len(n)?, codes.len())?;
        Error::check_len("block scales", self.scale_count(n), scales.len())?;
        let bl = self.block_len();
        let nv = match self.scheme {
            Scheme::Nvfp4 => Some(NvTensorScale::te(amax_f32(x))),
            Scheme::Mx(_) => None,
        };
        let e4m3 = ElementFormat::FLOAT8_E4M3FN;
        for (sc, xb) in scales.iter_mut().zip(x.chunks(bl)) {
            *sc = match &nv {
                None => self.mx_scale_code(amax_f32(xb)),
                Some(t) => e4m3.encode(
                    nv_scale_value(t, amax_f32(xb)),
                    Rounding::NearestEven,
                    Overflow::Saturate,
                ) as u8,
            };
        }
        let bits = self.element.bits();
        let mut buf = [0u16; 512];
        for (ci, (xc, oc)) in x
            .chunks(512)
            .zip(codes.chunks_mut(512 * bits as usize / 8))
            .enumerate()
        {
            let buf = &mut buf[..xc.len()];
            for (k, (c, &v)) in buf.iter_mut().zip(xc).enumerate() {
                let sc = scales[(ci * 512 + k) / bl];
                *c = match &nv {
                    None => self.mx_encode_elem(sc, v),
                    Some(t) => {
                        let s = e4m3.decode(sc as u32);
                        let enc = tmin(1.0f32 / (s * t.dec), f32::MAX);
                        self.element
                            .encode(v * enc, Rounding::NearestEven, Overflow::Saturate)
                    }
                } as u16;
            }
            crate::pack::pack(buf, bits, crate::pack::Layout::Dense, oc)?;
        }
        Ok(nv.map_or(1.0, |t| t.dec))
    }

    /// Reconstructs values from [`quantize`](Self::quantize)'s stored form: MX
    /// `X · element` (a NaN scale gives a NaN block), NVFP4 `(q · s) · tensor_scale`.
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer has the wrong size.
    pub fn dequantize(
        &self,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        out: &mut [f32],
    ) -> Result<(), Error> {
        let n = out.len();
        Error::check_len("block codes", self.codes_len(n)?, codes.len())?;
        Error::check_len("block scales", self.scale_count(n), scales.len())?;
        let bits = self.element.bits();
        let bl = self.block_len();
        let e4m3 = ElementFormat::FLOAT8_E4M3FN;
        let mut buf = [0u16; 512];
        for (ci, (cc, oc)) in codes
            .chunks(512 * bits as usize / 8)
            .zip(out.chunks_mut(512))
            .enumerate()
        {
            let buf = &mut buf[..oc.len()];
            crate::pack::unpack(cc, bits, crate::pack::Layout::Dense, buf)?;
            for (k, (o, &c)) in oc.iter_mut().zip(buf.iter()).enumerate() {
                let sc = scales[(ci * 512 + k) / bl];
                *o = match self.scheme {
                    Scheme::Mx(_) if sc == 0xFF => f32::NAN,
                    Scheme::Mx(_) => {
                        let k = sc as i32 - 127 - self.elem_shift();
                        (self.element.decode_f64(c as u32) * convert::pow2_f64(k)) as f32
                    }
                    Scheme::Nvfp4 => {
                        (self.element.decode(c as u32) * e4m3.decode(sc as u32)) * tensor_scale
                    }
                };
            }
        }
        Ok(())
    }

    /// The element code of `v` in an MX block with scale code `sc` (not 0xFF).
    fn mx_encode_elem(&self, sc: u8, v: f32) -> u32 {
        if sc == 0xFF {
            return 0;
        }
        let shift = self.elem_shift() - (sc as i32 - 127);
        let (neg, c) = convert::split_f32(v);
        crate::format::encode_class_of(
            &self.element,
            neg,
            c.scale_pow2(shift),
            Rounding::NearestEven,
            Overflow::Saturate,
        )
        .0
    }

    fn mx_block_qdq(&self, x: &[f32], out: &mut [f32]) {
        let code = self.mx_scale_code(amax_f32(x));
        if code == 0xFF {
            out.fill(f32::NAN);
            return;
        }
        let k = code as i32 - 127;
        // Element value = x · 2^(shift − k), exactly, by moving the exponent.
        let shift = self.elem_shift() - k;
        let back = convert::pow2_f64(k - self.elem_shift());
        for (o, &v) in out.iter_mut().zip(x) {
            let (neg, c) = convert::split_f32(v);
            let (q, _) = crate::format::encode_class_of(
                &self.element,
                neg,
                c.scale_pow2(shift),
                Rounding::NearestEven,
                Overflow::Saturate,
            );
            *o = (self.element.decode_f64(q) * back) as f32;
        }
    }
}

/// Largest magnitude, NaN if any element is NaN. Two branch-free folds, so both vectorize.
pub(crate) fn amax_f32(x: &[f32]) -> f32 {
    let m = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let nan = x.iter().fold(false, |a, v| a | v.is_nan());
    if nan { f32::NAN } else { m }
}

/// `min` that propagates NaN in its first argument, as `torch.min` does.
#[inline(always)]
fn tmin(a: f32, b: f32) -> f32 {
    if b < a { b } else { a }
}

/// NVFP4's per-tensor quantities.
struct NvTensorScale {
    /// S_dec = 1 / S_enc.
    dec: f32,
    /// S_enc · fl(1/6), the multiplier that maps a block amax to its E4M3 scale.
    to_scale: f32,
}

impl NvTensorScale {
    /// TransformerEngine: S_enc = (448·6)/amax in f32, capped at FLT_MAX, 1 if 0.
    fn te(amax: f32) -> Self {
        let mut enc = tmin(2688.0f32 / amax, f32::MAX);
        if amax == 0.0 || enc == 0.0 {
            enc = 1.0;
        }
        NvTensorScale {
            dec: 1.0f32 / enc,
            to_scale: enc * (1.0f32 / 6.0f32),
        }
    }
}

/// The f32 value an NVFP4 block scale is rounded from: `min(block_amax · (S_enc/6), 448)`.
fn nv_scale_value(t: &NvTensorScale, block_amax: f32) -> f32 {
    tmin(tmin(block_amax * t.to_scale, f32::MAX), 448.0)
}

fn nvfp4_block_qdq(t: &NvTensorScale, fast: Option<&FastElem>, x: &[f32], out: &mut [f32]) {
    let e4m3 = ElementFormat::FLOAT8_E4M3FN;
    let e2m1 = ElementFormat::FLOAT4_E2M1FN;
    let s_val = nv_scale_value(t, amax_f32(x));
    let s = e4m3.decode(e4m3.encode(s_val, Rounding::NearestEven, Overflow::Saturate));
    let enc = tmin(1.0f32 / (s * t.dec), f32::MAX);
    if let Some(f) = fast {
        f.qdq(x, |_, v| v * enc, |_, q| (q * s) * t.dec, out);
        return;
    }
    for (o, &v) in out.iter_mut().zip(x) {
        let q = e2m1.decode(e2m1.encode(v * enc, Rounding::NearestEven, Overflow::Saturate));
        *o = (q * s) * t.dec;
    }
}

/// Elements per call into the lane kernel in block quantization.
const SPAN: usize = 256;

/// A float element format of at most 8 bits on the bulk lane kernel (nearest-even,
/// saturating), with its decode table.
struct FastElem {
    backend: Backend,
    params: LaneParams,
    mode: u8,
    lut: [f32; 256],
}

impl FastElem {
    fn new(elem: &ElementFormat) -> Option<Self> {
        let ElementFormat::Float(spec) = elem else {
            return None;
        };
        if spec.bits() > 8 {
            return None;
        }
        let (params, mode) = LaneParams::new(spec, Rounding::NearestEven, Overflow::Saturate)?;
        let mut lut = [0f32; 256];
        for (c, v) in lut.iter_mut().enumerate().take(1 << spec.bits()) {
            *v = elem.decode(c as u32);
        }
        Some(FastElem {
            backend: Backend::best(),
            params,
            mode,
            lut,
        })
    }

    /// `out[i] = post(i, decode(encode(pre(i, x[i]))))`, [`SPAN`] elements at a time (`i`
    /// counts from the start of `x`).
    #[inline(always)]
    fn qdq(
        &self,
        x: &[f32],
        pre: impl Fn(usize, f32) -> f32,
        post: impl Fn(usize, f32) -> f32,
        out: &mut [f32],
    ) {
        let (mut y, mut codes) = ([0f32; SPAN], [0u8; SPAN]);
        for (k, (xc, oc)) in x.chunks(SPAN).zip(out.chunks_mut(SPAN)).enumerate() {
            let base = k * SPAN;
            let (y, codes) = (&mut y[..xc.len()], &mut codes[..xc.len()]);
            for (j, (d, &v)) in y.iter_mut().zip(xc).enumerate() {
                *d = pre(base + j, v);
            }
            crate::arch::encode_chunk_bytes(self.backend, &self.params, self.mode, y, false, codes);
            for (j, (o, &c)) in oc.iter_mut().zip(codes.iter()).enumerate() {
                *o = post(base + j, self.lut[c as usize]);
            }
        }
    }
}

impl fmt::Display for BlockFormat {
    /// The base name (`mxfp4`, `nvfp4`, …), then `_{floor|ceil|even|rceil}` for a non-default
    /// MX rule and `_k{N}` for a non-default block length. Parses back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = BlockFormat {
            block_len: if self.scheme == Scheme::Nvfp4 { 16 } else { 32 },
            scheme: match self.scheme {
                Scheme::Mx(_) => Scheme::Mx(MxScaleRule::Floor),
                s => s,
            },
            ..*self
        };
        let name = Self::NAMED
            .iter()
            .find(|(_, b)| *b == base)
            .map(|(n, _)| *n)
            .ok_or(fmt::Error)?;
        f.write_str(name)?;
        if let Scheme::Mx(rule) = self.scheme {
            if rule != MxScaleRule::Floor {
                write!(f, "_{}", rule.suffix())?;
            }
        }
        if self.block_len != base.block_len {
            write!(f, "_k{}", self.block_len)?;
        }
        Ok(())
    }
}

impl FromStr for BlockFormat {
    type Err = Error;

    /// Accepts `mxfp8_e4m3`, `mxfp8_e5m2`, `mxfp6_e2m3`, `mxfp6_e3m2`, `mxfp4`, `mxint8`,
    /// `nvfp4`, optionally followed by `_{floor|ceil|even|rceil}` (MX) and `_k{N}` (block
    /// length).
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::UnknownName(NameBuf::new(s));
        let lower = s.trim();
        let (base, mut rest) = Self::NAMED
            .iter()
            .filter_map(|(n, b)| lower.strip_prefix(n).map(|r| (*b, r)))
            .max_by_key(|(_, r)| usize::MAX - r.len())
            .ok_or_else(bad)?;
        let mut bf = base;
        for (name, rule) in [
            ("_floor", MxScaleRule::Floor),
            ("_ceil", MxScaleRule::Ceil),
            ("_even", MxScaleRule::Even),
            ("_rceil", MxScaleRule::RCeil),
        ] {
            if let Some(r) = rest.strip_prefix(name) {
                bf = bf.with_scale_rule(rule).map_err(|_| bad())?;
                rest = r;
                break;
            }
        }
        if let Some(r) = rest.strip_prefix("_k") {
            if r.is_empty() || r.len() > 7 || !r.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            bf = bf.with_block_len(r.parse().map_err(|_| bad())?)?;
            rest = "";
        }
        if rest.is_empty() { Ok(bf) } else { Err(bad()) }
    }
}
