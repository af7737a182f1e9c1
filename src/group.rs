//! Group-wise integer quantization (GPTQ, AWQ, bitsandbytes-style round-to-nearest), with
//! the packed layouts GPTQ and AWQ checkpoints use.
//!
//! A [`GroupFormat`] quantizes each row of a row-major `[rows, cols]` tensor in groups of
//! `group` consecutive elements (a row whose length is not a multiple of the group ends in a
//! shorter group). Each group has a scale `s` (an f32 value already rounded to the scale's
//! storage type) and an integer zero point `z`; codes are unsigned `0..=2^bits − 1` and
//! `x ≈ s · (q − z)`:
//!
//! | kind | range | scale | zero point | source |
//! |---|---|---|---|---|
//! | [`GroupKind::Gptq`] | `[min(xmin, 0), max(xmax, 0)]` (±1 if both 0) | `(hi − lo)/maxq` | `round(−lo/s)` | GPTQ `Quantizer.find_params` |
//! | [`GroupKind::Awq`] | `[xmin, xmax]` | `max(hi − lo, 1e−5)/maxq` | `clamp(−round(lo/s), 0, maxq)` | AWQ `pseudo_quantize_tensor` |
//! | [`GroupKind::Symmetric`] | `[−amax, amax]` (1 if 0) | `2·amax/maxq` | `(maxq + 1)/2` | GPTQ `sym=True` |
//!
//! then `q = clamp(round(x / s) + z, 0, maxq)`, all in f32, `round` to nearest even (torch's
//! `round`). The scale is rounded to its storage type (f16 for GPTQ and AWQ checkpoints)
//! *before* the codes are computed, so dequantizing the stored form reproduces
//! [`GroupFormat::quantize_dequantize_rows`] exactly. GPTQ's error-feedback (Hessian) update
//! is not part of this: it is round-to-nearest, the baseline both projects start from.
//!
//! Layouts (`[K, N]` is the `[in_features, out_features]` orientation those projects store):
//! - GPTQ `qweight`: `u32 [K·bits/32, N]`, packed along K, each column a little-endian bit
//!   stream: for 2/4/8 bits word `(r, n)` holds codes `(r·32/bits + i, n)` at bits `i·bits`;
//!   3-bit codes come 32 to three words, two of them straddling words, exactly as AutoGPTQ's
//!   3-bit loop writes them ([`pack_gptq`]). `qzeros`: `u32 [groups,
//!   N·bits/32]`, packed along N the same way ([`pack_zeros`]); version 1 (AutoGPTQ's
//!   original) stores `z − 1` (wrapping), version 2 stores `z` ([`gptq_zeros_v1_to_v2`]).
//! - AWQ (GEMM): `qweight` `u32 [K, N/8]` and `qzeros` `u32 [groups, N/8]`, 4-bit, packed
//!   along N in the order `[0, 2, 4, 6, 1, 3, 5, 7]`: nibble `i` of a word holds column
//!   `8w + ORDER[i]` ([`pack_awq`]).

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, NameBuf, mul};

/// How a group's scale and zero point come from its values.
///
/// ```
/// use lowbit::group::{GroupFormat, GroupKind, ScaleType};
/// // The same all-positive group under the three rules: GPTQ widens the range to 0, AWQ
/// // does not, symmetric is centred on 0.
/// let x = [1.0f32, 2.0, 3.0, 4.0];
/// for (kind, scale, zero) in [
///     (GroupKind::Gptq, 4.0f32 / 15.0, 0),
///     (GroupKind::Awq, 3.0 / 15.0, 0),
///     (GroupKind::Symmetric, 8.0 / 15.0, 8),
/// ] {
///     let g = GroupFormat::new(4, 4, kind, ScaleType::F32).unwrap();
///     let (mut c, mut s, mut z) = ([0u8; 4], [0f32; 1], [0u8; 1]);
///     g.quantize_rows(&x, 4, &mut c, &mut s, &mut z).unwrap();
///     assert_eq!((s[0], z[0]), (scale, zero), "{kind:?}");
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum GroupKind {
    /// GPTQ's asymmetric rule (the range always contains 0). The default.
    #[default]
    Gptq,
    /// AWQ's asymmetric rule.
    Awq,
    /// Symmetric around the fixed zero point `2^(bits−1)`.
    Symmetric,
}

/// The storage type of group scales.
///
/// ```
/// use lowbit::group::{GroupFormat, GroupKind, ScaleType};
/// let g = GroupFormat::new(4, 2, GroupKind::Symmetric, ScaleType::F16).unwrap();
/// let (mut c, mut s, mut z) = ([0u8; 2], [0f32; 1], [0u8; 1]);
/// g.quantize_rows(&[0.1, -0.1], 2, &mut c, &mut s, &mut z).unwrap();
/// assert_eq!(s[0], half::f16::from_f32(0.2 / 15.0).to_f32()); // the scale is an f16 value
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ScaleType {
    /// IEEE half precision (GPTQ, AWQ). The default.
    #[default]
    F16,
    /// bfloat16.
    Bf16,
    /// f32 (no rounding).
    F32,
}

impl ScaleType {
    fn round(self, v: f32) -> f32 {
        match self {
            ScaleType::F16 => half::f16::from_f32(v).to_f32(),
            ScaleType::Bf16 => half::bf16::from_f32(v).to_f32(),
            ScaleType::F32 => v,
        }
    }
}

/// A group-wise integer format: bits × group size × kind × scale type.
///
/// ```
/// use lowbit::group::GroupFormat;
/// let g: GroupFormat = "int4_g128".parse().unwrap();
/// let x: Vec<f32> = (0..256).map(|i| (i as f32 * 0.37).sin()).collect();
/// let mut y = vec![0f32; 256];
/// g.quantize_dequantize_rows(&x, 256, &mut y).unwrap();
/// // 16 levels over [-1, 1]: the error is at most half a step (plus the f16 scale's rounding).
/// assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() <= 0.5 * 2.0 / 15.0 * 1.001));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupFormat {
    bits: u32,
    group: u32,
    kind: GroupKind,
    scale: ScaleType,
}

impl GroupFormat {
    /// INT4 with groups of 128, GPTQ's rule, f16 scales: the common "INT4-g128".
    pub const INT4_G128: GroupFormat = GroupFormat {
        bits: 4,
        group: 128,
        kind: GroupKind::Gptq,
        scale: ScaleType::F16,
    };

    /// A group format. `bits` 2..=8, `group` 1..=2^20.
    ///
    /// # Errors
    /// [`Error::Parameter`] outside those ranges.
    ///
    /// ```
    /// use lowbit::group::{GroupFormat, GroupKind, ScaleType};
    /// let g = GroupFormat::new(3, 64, GroupKind::Awq, ScaleType::Bf16).unwrap();
    /// assert_eq!(g.to_string(), "int3_g64_awq_bf16");
    /// assert!(GroupFormat::new(9, 64, GroupKind::Awq, ScaleType::F16).is_err());
    /// ```
    pub fn new(bits: u32, group: usize, kind: GroupKind, scale: ScaleType) -> Result<Self, Error> {
        if !(2..=8).contains(&bits) {
            return Err(Error::Parameter {
                what: "group format bits",
                value: bits as i64,
            });
        }
        if group == 0 || group > 1 << 20 {
            return Err(Error::Parameter {
                what: "group size",
                value: group as i64,
            });
        }
        Ok(GroupFormat {
            bits,
            group: group as u32,
            kind,
            scale,
        })
    }

    /// Bits per code.
    ///
    /// ```
    /// let g: lowbit::group::GroupFormat = "int4_g128_awq".parse().unwrap();
    /// assert_eq!(g.bits(), 4);
    /// ```
    #[must_use]
    pub const fn bits(&self) -> u32 {
        self.bits
    }
    /// Elements per group.
    ///
    /// ```
    /// let g: lowbit::group::GroupFormat = "int4_g128_awq".parse().unwrap();
    /// assert_eq!(g.group(), 128);
    /// ```
    #[must_use]
    pub const fn group(&self) -> usize {
        self.group as usize
    }
    /// The scale and zero-point rule.
    ///
    /// ```
    /// let g: lowbit::group::GroupFormat = "int4_g128_awq".parse().unwrap();
    /// assert_eq!(g.kind(), lowbit::group::GroupKind::Awq);
    /// ```
    #[must_use]
    pub const fn kind(&self) -> GroupKind {
        self.kind
    }
    /// The scale storage type.
    ///
    /// ```
    /// let g: lowbit::group::GroupFormat = "int4_g128_awq".parse().unwrap();
    /// assert_eq!(g.scale_type(), lowbit::group::ScaleType::F16);
    /// ```
    #[must_use]
    pub const fn scale_type(&self) -> ScaleType {
        self.scale
    }
    /// Groups per row of `cols` elements.
    ///
    /// ```
    /// let g: lowbit::group::GroupFormat = "int4_g128_awq".parse().unwrap();
    /// assert_eq!(g.groups_per_row(300), 3);
    /// ```
    #[must_use]
    pub fn groups_per_row(&self, cols: usize) -> usize {
        cols.div_ceil(self.group())
    }

    fn maxq(&self) -> f32 {
        ((1u32 << self.bits) - 1) as f32
    }

    /// The scale and zero point of one group.
    fn params(&self, xg: &[f32]) -> (f32, u8) {
        let maxq = self.maxq();
        let (lo, hi) = min_max(xg);
        let ne = round_ne;
        match self.kind {
            GroupKind::Gptq => {
                let (mut lo, mut hi) = (lo.min(0.0), hi.max(0.0));
                if lo == 0.0 && hi == 0.0 {
                    (lo, hi) = (-1.0, 1.0);
                }
                let s = self.scale.round((hi - lo) / maxq);
                let z = ne(-lo / s).clamp(0.0, maxq);
                (s, z as u8)
            }
            GroupKind::Awq => {
                let r = hi - lo;
                let s = self.scale.round((if r > 1e-5 { r } else { 1e-5 }) / maxq);
                let z = (-ne(lo / s)).clamp(0.0, maxq);
                (s, z as u8)
            }
            GroupKind::Symmetric => {
                let mut a = lo.abs().max(hi.abs());
                if a == 0.0 {
                    a = 1.0;
                }
                let s = self.scale.round(2.0 * a / maxq);
                (s, (1u32 << (self.bits - 1)) as u8)
            }
        }
    }

    /// The code of `v` as an f32 integer: `clamp(round(v / s) + z, 0, maxq)`, the zero point
    /// for NaN. Branch-free, so the element loops vectorize.
    #[inline(always)]
    fn code_f32(v: f32, s: f32, z: f32, maxq: f32) -> f32 {
        let q = round_ne(v / s) + z;
        let q = if q > 0.0 { q } else { 0.0 };
        let q = if q < maxq { q } else { maxq };
        // A NaN fails both comparisons above and ends as maxq; it codes as the zero point.
        if (v / s).is_nan() { z } else { q }
    }

    /// Quantizes a row-major tensor with `cols` columns: one code per element in `codes`
    /// (unpacked, one byte each; pack them with [`pack_gptq`], [`pack_awq`] or
    /// [`crate::pack`]), and per group of each row its scale (`scales`, the value rounded to
    /// the scale type) and zero point (`zeros`), `rows × groups_per_row(cols)` of each.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `cols` is 0 while `x` is not empty; [`Error::Length`] if
    /// `x.len()` is not a multiple of `cols` or a buffer has the wrong size.
    ///
    /// ```
    /// use lowbit::group::{GroupFormat, GroupKind, ScaleType};
    /// let g = GroupFormat::new(2, 4, GroupKind::Gptq, ScaleType::F32).unwrap();
    /// let (mut c, mut s, mut z) = ([0u8; 4], [0f32; 1], [0u8; 1]);
    /// g.quantize_rows(&[0.0, 1.0, 2.0, 3.0], 4, &mut c, &mut s, &mut z).unwrap();
    /// assert_eq!((c, s[0], z[0]), ([0, 1, 2, 3], 1.0, 0));
    /// ```
    pub fn quantize_rows(
        &self,
        x: &[f32],
        cols: usize,
        codes: &mut [u8],
        scales: &mut [f32],
        zeros: &mut [u8],
    ) -> Result<(), Error> {
        let rows = Error::check_rows(x.len(), cols)?;
        let gpr = self.groups_per_row(cols);
        Error::check_len("group codes", x.len(), codes.len())?;
        Error::check_len("group scales", rows * gpr, scales.len())?;
        Error::check_len("group zeros", rows * gpr, zeros.len())?;
        crate::arch::group_quantize(crate::Backend::best(), self, x, cols, codes, scales, zeros);
        Ok(())
    }

    /// The body of [`quantize_rows`](Self::quantize_rows) after its checks, compiled once
    /// per backend (`arch::group_quantize`).
    #[inline(always)]
    pub(crate) fn quantize_rows_kernel(
        &self,
        x: &[f32],
        cols: usize,
        codes: &mut [u8],
        scales: &mut [f32],
        zeros: &mut [u8],
    ) {
        let (g, gpr, maxq) = (self.group(), self.groups_per_row(cols), self.maxq());
        for (r, (xr, cr)) in x
            .chunks(cols.max(1))
            .zip(codes.chunks_mut(cols.max(1)))
            .enumerate()
        {
            for (j, (xg, cg)) in xr.chunks(g).zip(cr.chunks_mut(g)).enumerate() {
                let (s, z) = self.params(xg);
                scales[r * gpr + j] = s;
                zeros[r * gpr + j] = z;
                let zf = z as f32;
                for (c, &v) in cg.iter_mut().zip(xg) {
                    // The code is an integer in 0..=255 held in f32: adding 2^23 puts it in
                    // the low mantissa bits (an exact, vectorizable conversion).
                    *c = (Self::code_f32(v, s, zf, maxq) + 8_388_608.0).to_bits() as u8;
                }
            }
        }
    }

    /// `out = s · (q − z)` per group, from [`quantize_rows`](Self::quantize_rows)'s buffers.
    ///
    /// # Errors
    /// As [`quantize_rows`](Self::quantize_rows).
    ///
    /// ```
    /// use lowbit::group::{GroupFormat, GroupKind, ScaleType};
    /// let g = GroupFormat::new(4, 2, GroupKind::Gptq, ScaleType::F32).unwrap();
    /// let mut y = [0f32; 2];
    /// g.dequantize_rows(&[3, 10], &[0.5], &[8], 2, &mut y).unwrap(); // s · (q − z)
    /// assert_eq!(y, [-2.5, 1.0]);
    /// ```
    pub fn dequantize_rows(
        &self,
        codes: &[u8],
        scales: &[f32],
        zeros: &[u8],
        cols: usize,
        out: &mut [f32],
    ) -> Result<(), Error> {
        let rows = Error::check_rows(out.len(), cols)?;
        let gpr = self.groups_per_row(cols);
        Error::check_len("group codes", out.len(), codes.len())?;
        Error::check_len("group scales", rows * gpr, scales.len())?;
        Error::check_len("group zeros", rows * gpr, zeros.len())?;
        let g = self.group();
        for (r, (or, cr)) in out
            .chunks_mut(cols.max(1))
            .zip(codes.chunks(cols.max(1)))
            .enumerate()
        {
            for (j, (og, cg)) in or.chunks_mut(g).zip(cr.chunks(g)).enumerate() {
                let (s, z) = (scales[r * gpr + j], zeros[r * gpr + j] as i32);
                for (o, &c) in og.iter_mut().zip(cg) {
                    *o = s * (c as i32 - z) as f32;
                }
            }
        }
        Ok(())
    }

    /// Fake quantization of a row-major tensor with `cols` columns, in one pass.
    ///
    /// # Errors
    /// As [`quantize_rows`](Self::quantize_rows).
    ///
    /// ```
    /// use lowbit::group::GroupFormat;
    /// let g: GroupFormat = "int8_g4_sym_f32".parse().unwrap();
    /// let mut y = [0f32; 4];
    /// g.quantize_dequantize_rows(&[1.0, -1.0, 0.5, 0.0], 4, &mut y).unwrap();
    /// let s = 2.0f32 / 255.0; // 2·amax/255, zero point 128
    /// assert_eq!(y, [127.0 * s, -127.0 * s, 64.0 * s, 0.0]);
    /// ```
    pub fn quantize_dequantize_rows(
        &self,
        x: &[f32],
        cols: usize,
        out: &mut [f32],
    ) -> Result<(), Error> {
        Error::check_rows(x.len(), cols)?;
        Error::check_len("quantize_dequantize output", x.len(), out.len())?;
        crate::arch::group_qdq(crate::Backend::best(), self, x, cols, out);
        Ok(())
    }

    /// The body of [`quantize_dequantize_rows`](Self::quantize_dequantize_rows) after its
    /// checks, compiled once per backend (`arch::group_qdq`): `s · (q − z)` with `q` and `z`
    /// small integers held exactly in f32.
    #[inline(always)]
    pub(crate) fn qdq_rows_kernel(&self, x: &[f32], cols: usize, out: &mut [f32]) {
        let (g, maxq) = (self.group(), self.maxq());
        for (xr, or) in x.chunks(cols.max(1)).zip(out.chunks_mut(cols.max(1))) {
            for (xg, og) in xr.chunks(g).zip(or.chunks_mut(g)) {
                let (s, z) = self.params(xg);
                let zf = z as f32;
                for (o, &v) in og.iter_mut().zip(xg) {
                    *o = s * (Self::code_f32(v, s, zf, maxq) - zf);
                }
            }
        }
    }
}

/// The smallest and largest non-NaN values (+∞ and −∞ when there are none), as integer
/// min/max reductions over order-preserving keys of the bit patterns, which vectorize
/// (float min/max folds do not). The sign of a zero result is not specified.
#[inline(always)]
fn min_max(x: &[f32]) -> (f32, f32) {
    // key: negative values bit-inverted, positive ones with the top bit set, so unsigned
    // order is numeric order. NaN takes the key of +∞ for the min and of −∞ for the max.
    const KEY_POS_INF: u32 = 0xFF80_0000;
    const KEY_NEG_INF: u32 = !0xFF80_0000;
    let key = |v: f32| {
        let b = v.to_bits();
        if b >> 31 == 1 { !b } else { b | 0x8000_0000 }
    };
    let (mut lo, mut hi) = (KEY_POS_INF, KEY_NEG_INF);
    for &v in x {
        let k = key(v);
        let nan = v.is_nan();
        lo = lo.min(if nan { KEY_POS_INF } else { k });
        hi = hi.max(if nan { KEY_NEG_INF } else { k });
    }
    let back = |k: u32| f32::from_bits(if k >> 31 == 1 { k & 0x7FFF_FFFF } else { !k });
    (back(lo), back(hi))
}

/// Round half to even on f32 values (torch.round): adding and subtracting 1.5·2^23 makes
/// the FPU round to an integer for |v| < 2^22. Larger magnitudes are returned as they are
/// (possibly with a half): every caller clamps them to at most 255.
#[inline(always)]
fn round_ne(v: f32) -> f32 {
    if v.abs() < 4_194_304.0 {
        let m = 12_582_912.0f32;
        (v + m) - m
    } else {
        v
    }
}

/// Values per packing unit and u32 words per unit: GPTQ packs each column as a
/// little-endian bit stream, so 2-, 4- and 8-bit values fill whole words (16, 8, 4 per word)
/// and 3-bit values come in units of 32 values in three words (a value may straddle two
/// words, as in AutoGPTQ's 3-bit loop).
fn unit(bits: u32) -> Result<(usize, usize), Error> {
    match bits {
        2 | 4 | 8 => Ok((32 / bits as usize, 1)),
        3 => Ok((32, 3)),
        _ => Err(Error::Unsupported("u32 packing needs 2, 3, 4 or 8 bits")),
    }
}

/// Field `j` of a bit stream that lives in `words[base], words[base + stride], …`.
#[inline]
fn field(words: &[u32], base: usize, stride: usize, j: usize, bits: u32) -> u32 {
    let p = j * bits as usize;
    let (w, o) = (p / 32, (p % 32) as u32);
    let mut v = words[base + w * stride] >> o;
    if o + bits > 32 {
        v |= words[base + (w + 1) * stride] << (32 - o);
    }
    v & ((1 << bits) - 1)
}

/// ORs `v` into field `j` of such a stream (the words start at zero).
#[inline]
fn put_field(words: &mut [u32], base: usize, stride: usize, j: usize, bits: u32, v: u32) {
    let p = j * bits as usize;
    let (w, o) = (p / 32, (p % 32) as u32);
    let v = v & ((1 << bits) - 1);
    words[base + w * stride] |= v << o;
    if o + bits > 32 {
        words[base + (w + 1) * stride] |= v >> (32 - o);
    }
}

/// GPTQ `qweight`: codes `[k, n]` (row-major, one byte each) packed along K into
/// `u32 [k·bits/32, n]`, each column a little-endian bit stream; `k` must be a multiple of
/// 32/bits (of 32 for 3-bit).
///
/// ```
/// use lowbit::group::{pack_gptq, unpack_gptq};
/// let codes: Vec<u8> = (0..16).map(|i| (i % 16) as u8).collect(); // [8, 2]
/// let mut w = [0u32; 2];
/// pack_gptq(&codes, 8, 2, 4, &mut w).unwrap();
/// assert_eq!(w[0], 0xECA8_6420); // column 0 holds rows 0..8 = 0, 2, 4, ..., 14
/// let mut back = [0u8; 16];
/// unpack_gptq(&w, 8, 2, 4, &mut back).unwrap();
/// assert_eq!(&back[..], &codes[..]);
/// ```
///
/// # Errors
/// Unsupported widths (2, 3, 4, 8 only), or sizes that disagree.
pub fn pack_gptq(
    codes: &[u8],
    k: usize,
    n: usize,
    bits: u32,
    out: &mut [u32],
) -> Result<(), Error> {
    let (per, words) = unit(bits)?;
    check_k(k, per)?;
    Error::check_len("GPTQ codes", mul("GPTQ codes", k, n)?, codes.len())?;
    let qweight = mul("GPTQ qweight", mul("GPTQ qweight", k / per, words)?, n)?;
    Error::check_len("GPTQ qweight", qweight, out.len())?;
    out.fill(0);
    for (i, &c) in codes.iter().enumerate() {
        put_field(out, i % n, n, i / n, bits, c as u32);
    }
    Ok(())
}

/// The inverse of [`pack_gptq`].
///
/// # Errors
/// As [`pack_gptq`].
///
/// ```
/// use lowbit::group::unpack_gptq;
/// let mut codes = [0u8; 8];
/// unpack_gptq(&[0x7654_3210], 8, 1, 4, &mut codes).unwrap();
/// assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 7]);
/// ```
pub fn unpack_gptq(
    words: &[u32],
    k: usize,
    n: usize,
    bits: u32,
    codes: &mut [u8],
) -> Result<(), Error> {
    let (per, wpu) = unit(bits)?;
    check_k(k, per)?;
    Error::check_len("GPTQ codes", mul("GPTQ codes", k, n)?, codes.len())?;
    let qweight = mul("GPTQ qweight", mul("GPTQ qweight", k / per, wpu)?, n)?;
    Error::check_len("GPTQ qweight", qweight, words.len())?;
    for (i, c) in codes.iter_mut().enumerate() {
        *c = field(words, i % n, n, i / n, bits) as u8;
    }
    Ok(())
}

fn check_k(k: usize, per: usize) -> Result<(), Error> {
    if !k.is_multiple_of(per) {
        return Err(Error::Length {
            what: "packed dimension (a multiple of 32/bits, or 32 for 3-bit)",
            expected: crate::error::round_up(k, per),
            actual: k,
        });
    }
    Ok(())
}

/// Which zero-point convention a GPTQ `qzeros` tensor follows.
///
/// ```
/// use lowbit::group::{pack_zeros, GptqZeros};
/// let (mut v1, mut v2) = ([0u32; 1], [0u32; 1]);
/// pack_zeros(&[8; 8], 1, 8, 4, GptqZeros::V1, &mut v1).unwrap();
/// pack_zeros(&[8; 8], 1, 8, 4, GptqZeros::V2, &mut v2).unwrap();
/// assert_eq!((v1[0], v2[0]), (0x7777_7777, 0x8888_8888));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GptqZeros {
    /// AutoGPTQ's original format: stores `z − 1` (wrapping within `bits`).
    V1,
    /// GPTQ v2 (GPTQModel's `format = gptq_v2`): stores `z`.
    V2,
}

/// GPTQ `qzeros`: zero points `[groups, n]` (one byte each) packed along N into
/// `u32 [groups, n·bits/32]`, each row a little-endian bit stream (`n` a multiple of 32/bits,
/// of 32 for 3-bit), in the given convention.
///
/// # Errors
/// Unsupported widths, or sizes that disagree.
///
/// ```
/// use lowbit::group::{pack_zeros, GptqZeros};
/// let mut w = [0u32; 1];
/// pack_zeros(&[0, 1, 2, 3, 4, 5, 6, 7], 1, 8, 4, GptqZeros::V2, &mut w).unwrap();
/// assert_eq!(w[0], 0x7654_3210);
/// ```
pub fn pack_zeros(
    zeros: &[u8],
    groups: usize,
    n: usize,
    bits: u32,
    version: GptqZeros,
    out: &mut [u32],
) -> Result<(), Error> {
    let (per, wpu) = unit(bits)?;
    check_k(n, per)?;
    Error::check_len("GPTQ zeros", mul("GPTQ zeros", groups, n)?, zeros.len())?;
    let qzeros = mul("GPTQ qzeros", mul("GPTQ qzeros", groups, n / per)?, wpu)?;
    Error::check_len("GPTQ qzeros", qzeros, out.len())?;
    let off = (version == GptqZeros::V1) as u32;
    out.fill(0);
    // Rows are whole units, so the buffer is one stream.
    for (j, &z) in zeros.iter().enumerate() {
        put_field(out, 0, 1, j, bits, (z as u32).wrapping_sub(off));
    }
    Ok(())
}

/// Converts packed GPTQ v1 `qzeros` to v2 in place (each field + 1, wrapping). Lossless;
/// [`gptq_zeros_v2_to_v1`] undoes it.
///
/// # Errors
/// Unsupported widths, or (3-bit) a length that is not whole units of three words.
///
/// ```
/// use lowbit::group::gptq_zeros_v1_to_v2;
/// let mut w = [0x7777_777Fu32]; // v1: zero points 8 (stored 7) and 0 (stored 15, wrapped)
/// gptq_zeros_v1_to_v2(&mut w, 4).unwrap();
/// assert_eq!(w[0], 0x8888_8880);
/// ```
pub fn gptq_zeros_v1_to_v2(qzeros: &mut [u32], bits: u32) -> Result<(), Error> {
    shift_fields(qzeros, bits, 1)
}

/// Converts packed GPTQ v2 `qzeros` to v1 in place (each field − 1, wrapping).
///
/// # Errors
/// As [`gptq_zeros_v1_to_v2`].
///
/// ```
/// use lowbit::group::gptq_zeros_v2_to_v1;
/// let mut w = [0x8888_8880u32];
/// gptq_zeros_v2_to_v1(&mut w, 4).unwrap();
/// assert_eq!(w[0], 0x7777_777F);
/// ```
pub fn gptq_zeros_v2_to_v1(qzeros: &mut [u32], bits: u32) -> Result<(), Error> {
    shift_fields(qzeros, bits, u32::MAX)
}

fn shift_fields(words: &mut [u32], bits: u32, add: u32) -> Result<(), Error> {
    let (per, wpu) = unit(bits)?;
    check_k(words.len(), wpu)?;
    for u in words.chunks_exact_mut(wpu) {
        let mut next = [0u32; 3];
        for j in 0..per {
            put_field(
                &mut next,
                0,
                1,
                j,
                bits,
                field(u, 0, 1, j, bits).wrapping_add(add),
            );
        }
        u.copy_from_slice(&next[..wpu]);
    }
    Ok(())
}

/// AWQ's nibble order within a u32: nibble `i` holds column `8w + AWQ_ORDER[i]`.
pub const AWQ_ORDER: [usize; 8] = [0, 2, 4, 6, 1, 3, 5, 7];

/// AWQ (GEMM) packing of 4-bit values `[rows, n]` (one byte each; codes or zero points)
/// along N into `u32 [rows, n/8]` in [`AWQ_ORDER`].
///
/// ```
/// use lowbit::group::pack_awq;
/// let mut w = [0u32; 1];
/// pack_awq(&[0, 1, 2, 3, 4, 5, 6, 7], 1, 8, &mut w).unwrap();
/// assert_eq!(w[0], 0x7531_6420);
/// ```
///
/// # Errors
/// `n` not a multiple of 8, or sizes that disagree.
pub fn pack_awq(values: &[u8], rows: usize, n: usize, out: &mut [u32]) -> Result<(), Error> {
    check_k(n, 8)?;
    Error::check_len("AWQ values", mul("AWQ values", rows, n)?, values.len())?;
    Error::check_len("AWQ words", mul("AWQ words", rows, n / 8)?, out.len())?;
    for (w, o) in out.iter_mut().enumerate() {
        *o = (0..8).fold(0, |acc, i| {
            acc | (values[w * 8 + AWQ_ORDER[i]] as u32 & 15) << (4 * i)
        });
    }
    Ok(())
}

/// The inverse of [`pack_awq`].
///
/// # Errors
/// As [`pack_awq`].
///
/// ```
/// use lowbit::group::unpack_awq;
/// let mut v = [0u8; 8];
/// unpack_awq(&[0x7531_6420], 1, 8, &mut v).unwrap();
/// assert_eq!(v, [0, 1, 2, 3, 4, 5, 6, 7]);
/// ```
pub fn unpack_awq(words: &[u32], rows: usize, n: usize, values: &mut [u8]) -> Result<(), Error> {
    check_k(n, 8)?;
    Error::check_len("AWQ values", mul("AWQ values", rows, n)?, values.len())?;
    Error::check_len("AWQ words", mul("AWQ words", rows, n / 8)?, words.len())?;
    for (w, &word) in words.iter().enumerate() {
        for i in 0..8 {
            values[w * 8 + AWQ_ORDER[i]] = (word >> (4 * i) & 15) as u8;
        }
    }
    Ok(())
}

impl fmt::Display for GroupFormat {
    /// `int{bits}_g{group}`, then `_awq` or `_sym` for a non-GPTQ rule and `_bf16` or `_f32`
    /// for a non-f16 scale. Parses back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "int{}_g{}", self.bits, self.group)?;
        match self.kind {
            GroupKind::Gptq => {}
            GroupKind::Awq => f.write_str("_awq")?,
            GroupKind::Symmetric => f.write_str("_sym")?,
        }
        match self.scale {
            ScaleType::F16 => Ok(()),
            ScaleType::Bf16 => f.write_str("_bf16"),
            ScaleType::F32 => f.write_str("_f32"),
        }
    }
}

impl FromStr for GroupFormat {
    type Err = Error;

    /// `int{2..=8}_g{N}[_awq|_sym][_bf16|_f32]`, e.g. `int4_g128`, `int8_g32_sym_f32`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::UnknownName(NameBuf::new(s));
        let rest = s.trim().strip_prefix("int").ok_or_else(bad)?;
        let (b, rest) = rest.split_once("_g").ok_or_else(bad)?;
        let mut parts = rest.split('_');
        let g = parts.next().ok_or_else(bad)?;
        let num = |t: &str| -> Option<usize> {
            (!t.is_empty() && t.len() <= 7 && t.bytes().all(|c| c.is_ascii_digit()))
                .then(|| t.parse().ok())
                .flatten()
        };
        let (bits, group) = (num(b).ok_or_else(bad)?, num(g).ok_or_else(bad)?);
        let (mut kind, mut scale) = (GroupKind::Gptq, ScaleType::F16);
        let mut stage = 0;
        for p in parts {
            match (p, stage) {
                ("awq", 0) => (kind, stage) = (GroupKind::Awq, 1),
                ("sym", 0) => (kind, stage) = (GroupKind::Symmetric, 1),
                ("bf16", 0 | 1) => (scale, stage) = (ScaleType::Bf16, 2),
                ("f32", 0 | 1) => (scale, stage) = (ScaleType::F32, 2),
                _ => return Err(bad()),
            }
        }
        GroupFormat::new(bits as u32, group, kind, scale)
    }
}
