//! The one loop every scaled operation runs: for each band of rows, for each group of
//! regions side by side, the regions' statistics (one pass over the group's values), their
//! scales, then the elements (a second pass, from L1 for groups of at most a chunk). The
//! scheme decides only the statistics and how a region's scale and factors follow from them
//! (`scale.rs`); everything else is shared.

use crate::arch::Backend;
use crate::error::Error;
use crate::kernels::CHUNK;
use crate::kernels::scaled::{self as ks, AffineParams, Plan};
use crate::pack::{pack_u8_at, unpack_u8_at};
use crate::real::Real32;

use super::nvfp4::NvTensor;
use super::scale::{Ctx, RegionScale, StatKind, Stats, Step};
use super::shape::{self, Shape};
use super::{BlockFormat, Region, Scheme};

/// The f32 values of `x`: the slice itself for f32, else converted into `buf`.
#[inline]
fn as_f32s<'a, T: Real32>(x: &'a [T], buf: &'a mut [f32]) -> &'a [f32] {
    match T::as_f32(x) {
        Some(v) => v,
        None => {
            let b = &mut buf[..x.len()];
            T::to_f32s(x, b);
            b
        }
    }
}

/// Merges the statistics of a piece (`x32`, blocks of `n` from region `first`) into `st`.
fn stats_of(
    ctx: &Ctx,
    kind: StatKind,
    x32: &[f32],
    n: usize,
    st: &mut [Stats],
    tmp: &mut [f32; CHUNK],
    tmp2: &mut [f32; CHUNK],
) {
    let blocks = x32.len().div_ceil(n);
    let k = ctx.kernels();
    match kind {
        StatKind::Amax => {
            let a = &mut tmp[..blocks];
            match k {
                Some(k) => (k.amax_blocks)(x32, n, a),
                None => ks::amax_blocks(x32, n, a),
            }
            for (s, &v) in st.iter_mut().zip(a.iter()) {
                s.amax = f32::from_bits(s.amax.to_bits().max(v.to_bits()));
            }
        }
        StatKind::MinMax => {
            let (lo, hi) = (&mut tmp[..blocks], &mut tmp2[..blocks]);
            match k {
                Some(k) => (k.min_max_blocks)(x32, n, lo, hi),
                None => ks::min_max_blocks(x32, n, lo, hi),
            }
            for ((s, &l), &h) in st.iter_mut().zip(lo.iter()).zip(hi.iter()) {
                s.lo = if l < s.lo { l } else { s.lo };
                s.hi = if h > s.hi { h } else { s.hi };
            }
        }
        StatKind::AbsSum => {
            // In element order, one f64 sum per region.
            for (s, xb) in st.iter_mut().zip(x32.chunks(n)) {
                for &v in xb {
                    s.sum += v.abs() as f64;
                }
                s.count += xb.len();
            }
        }
    }
}

/// The largest magnitude of the whole tensor (NaN if any element is NaN).
fn tensor_amax<T: Real32>(ctx: &Ctx, x: &[T]) -> f32 {
    let mut buf = [0f32; CHUNK];
    let mut one = [0f32; 1];
    let mut m = 0u32;
    for xc in x.chunks(CHUNK) {
        let x32 = as_f32s(xc, &mut buf);
        match ctx.kernels() {
            Some(k) => (k.amax_blocks)(x32, x32.len(), &mut one),
            None => ks::amax_blocks(x32, x32.len(), &mut one),
        }
        m = m.max(one[0].to_bits());
    }
    f32::from_bits(m)
}

/// The region index in the scales of (band `b`, region `j` of the band's rows).
fn region_index(shape: &Shape, b: usize, j: usize) -> usize {
    b * shape.scales_per_band() + j
}

/// Checks the stored-form buffers of a `[rows, cols]` tensor.
fn check_stored(
    bf: &BlockFormat,
    shape: &Shape,
    codes: usize,
    scales: usize,
) -> Result<usize, Error> {
    let rb = shape::row_bytes(crate::element::Format::bits(&bf.element), shape.cols)?;
    shape::check_len("block codes", shape::total("codes", shape.rows, rb)?, codes)?;
    let count = shape.scale_count()?;
    let want = crate::error::mul("scales", count, bf.record_bytes())?;
    shape::check_len("block scales", want, scales)?;
    Ok(rb)
}

/// Sets up the tensor-level quantities of a quantize or fake-quantize call.
fn tensor_level<T: Real32>(ctx: &mut Ctx, x: &[T]) {
    if let Scheme::Nvfp4 { profile, two_level } = ctx.bf.scheme {
        let amax = match (ctx.given, ctx.tensor_amax_needed()) {
            (Some(a), _) => a,
            (None, true) => tensor_amax(ctx, x),
            (None, false) => 0.0,
        };
        ctx.nv = Some(NvTensor::from_amax(profile, two_level, amax));
    }
}

/// What the second pass of a group does with the elements.
enum Out<'a, T> {
    /// Codes into the stored form.
    Codes {
        codes: &'a mut [u8],
        row_bytes: usize,
    },
    /// Fake-quantized values.
    Values(&'a mut [T]),
}

/// Quantize (`Out::Codes`) or fake quantization (`Out::Values`) of a `[rows, cols]` tensor.
fn walk<T: Real32>(ctx: &Ctx, x: &[T], mut out: Out<'_, T>, mut scales: Option<&mut [u8]>) {
    let shape = ctx.shape;
    let (n, cols, bits) = (shape.n, shape.cols, ctx.bits);
    let kind = ctx.stat_kind();
    let (sb, count) = (
        ctx.bf.scale_bytes(),
        shape.scale_count().unwrap_or_default(),
    );
    let group = shape.group(bits);
    let mut st = [Stats::EMPTY; CHUNK];
    let mut rs = [RegionScale::NONE; CHUNK];
    let mut plans = [Plan::NAN; CHUNK];
    let mut aff = [AffineParams::default(); CHUNK];
    let (mut tmp, mut tmp2) = ([0f32; CHUNK], [0f32; CHUNK]);
    let (mut xbuf, mut ybuf, mut obuf) = ([0f32; CHUNK], [0f32; CHUNK], [0f32; CHUNK]);
    let mut c8 = [0u8; CHUNK];
    // A given amax stands for the measured one where the region is the whole tensor.
    let given_region = match (ctx.given, ctx.bf.region, kind) {
        (Some(a), Region::Tensor, StatKind::Amax) => Some(a),
        _ => None,
    };
    for (b, band) in shape.bands().enumerate() {
        for (j0, gcols) in shape.groups(group) {
            let nreg = gcols.len().div_ceil(n).max(1);
            let st = &mut st[..nreg];
            st.fill(Stats::EMPTY);
            if let Some(a) = given_region {
                st[0].amax = a;
            } else {
                for r in band.clone() {
                    let row = &x[r * cols..(r + 1) * cols];
                    for (pc, first) in shape.pieces(gcols.clone()) {
                        let x32 = as_f32s(&row[pc.clone()], &mut xbuf);
                        let ne = n.min(x32.len());
                        stats_of(ctx, kind, x32, ne, &mut st[first..], &mut tmp, &mut tmp2);
                    }
                }
            }
            // The regions' scales, stored as records (and zero points).
            for (j, (s, r)) in st.iter().zip(rs.iter_mut()).enumerate() {
                let idx = region_index(&shape, b, j0 + j);
                let (mut rec, mut zero) = ([0u8; 4], 0u8);
                *r = ctx.scale_of_stats(s, &mut rec, &mut zero);
                if let Some(sc) = scales.as_deref_mut() {
                    sc[idx * sb..(idx + 1) * sb].copy_from_slice(&rec[..sb]);
                    if ctx.bf.has_zero_points() {
                        sc[count * sb + idx] = zero;
                    }
                }
            }
            for (p, r) in plans.iter_mut().zip(rs.iter()).take(nreg) {
                *p = r.plan;
            }
            for (a, r) in aff.iter_mut().zip(rs.iter()).take(nreg) {
                *a = r.affine;
            }
            // The elements.
            for r in band.clone() {
                let row = &x[r * cols..(r + 1) * cols];
                for (pc, first) in shape.pieces(gcols.clone()) {
                    let len = pc.len();
                    let x32 = as_f32s(&row[pc.clone()], &mut xbuf);
                    let ne = n.min(len);
                    let base = (r * cols + pc.start) as u64;
                    match &mut out {
                        Out::Codes { codes, row_bytes } => {
                            let rowc = &mut codes[r * *row_bytes..(r + 1) * *row_bytes];
                            let first_bit = pc.start * bits as usize;
                            let c = &mut c8[..len];
                            match &ctx.step {
                                Step::Float { k, lane, .. } => {
                                    let y = &mut ybuf[..len];
                                    (k.pre_blocks)(x32, ne, &plans[first..nreg], y);
                                    if first_bit.is_multiple_of(8) {
                                        let dst = &mut rowc[first_bit / 8..];
                                        match bits {
                                            8 => {
                                                (k.encode_u8)(lane, y, &mut dst[..len]);
                                                continue;
                                            }
                                            4 if len % 2 == 0 => {
                                                (k.encode_nibbles)(lane, y, &mut dst[..len / 2]);
                                                continue;
                                            }
                                            6 if len % 4 == 0 => {
                                                (k.encode_sixes)(lane, y, &mut dst[..len * 3 / 4]);
                                                continue;
                                            }
                                            _ => {}
                                        }
                                    }
                                    (k.encode_u8)(lane, y, c);
                                }
                                Step::Int { k } => {
                                    (k.affine_codes)(&ctx.affine, x32, ne, &aff[first..nreg], c);
                                    if ctx.signed && bits < 8 {
                                        let m = ((1u32 << bits) - 1) as u8;
                                        c.iter_mut().for_each(|q| *q &= m);
                                    }
                                }
                                Step::Definition => {
                                    for (i, (q, &v)) in c.iter_mut().zip(x32).enumerate() {
                                        let rsi = &rs[first + i / ne];
                                        *q = ctx.encode_def(rsi, v, base + i as u64);
                                    }
                                }
                            }
                            pack_u8_at(c, bits, first_bit, rowc);
                        }
                        Out::Values(o) => {
                            let dst = &mut o[r * cols + pc.start..r * cols + pc.end];
                            let o32: &mut [f32] = match T::as_f32_mut(dst) {
                                Some(d) => d,
                                None => &mut obuf[..len],
                            };
                            match &ctx.step {
                                Step::Float {
                                    k,
                                    lane,
                                    grid: Some(g),
                                } => {
                                    let _ = lane;
                                    (k.qdq_grid)(g, x32, ne, &plans[first..nreg], o32);
                                }
                                Step::Float {
                                    k,
                                    lane,
                                    grid: None,
                                } => {
                                    let t = &ctx.table;
                                    (k.qdq_lane)(lane, t, x32, ne, &plans[first..nreg], o32);
                                }
                                Step::Int { k } => {
                                    (k.affine_qdq)(&ctx.affine, x32, ne, &aff[first..nreg], o32);
                                }
                                Step::Definition => {
                                    for (i, (q, &v)) in o32.iter_mut().zip(x32).enumerate() {
                                        let rsi = &rs[first + i / ne];
                                        let c = ctx.encode_def(rsi, v, base + i as u64);
                                        *q = ctx.value_def(rsi, c);
                                    }
                                }
                            }
                            if !T::IS_F32 {
                                T::from_f32s(&obuf[..len], dst);
                            }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn quantize<T: Real32>(
    bf: &BlockFormat,
    backend: Backend,
    x: &[T],
    cols: usize,
    given: Option<f32>,
    codes: &mut [u8],
    scales: &mut [u8],
) -> Result<f32, Error> {
    let shape = Shape::new(bf.region, x.len(), cols)?;
    let row_bytes = check_stored(bf, &shape, codes.len(), scales.len())?;
    let mut ctx = Ctx::new(bf, backend, shape, given)?;
    tensor_level(&mut ctx, x);
    walk(&ctx, x, Out::Codes { codes, row_bytes }, Some(scales));
    Ok(ctx.nv.map_or(1.0, |t| crate::element::stored_f32(t.t)))
}

pub(super) fn quantize_dequantize<T: Real32>(
    bf: &BlockFormat,
    backend: Backend,
    x: &[T],
    cols: usize,
    given: Option<f32>,
    out: &mut [T],
) -> Result<(), Error> {
    let shape = Shape::new(bf.region, x.len(), cols)?;
    shape::check_len("quantize_dequantize output", x.len(), out.len())?;
    let mut ctx = Ctx::new(bf, backend, shape, given)?;
    tensor_level(&mut ctx, x);
    walk(&ctx, x, Out::Values(out), None);
    Ok(())
}

pub(super) fn dequantize<T: Real32>(
    bf: &BlockFormat,
    backend: Backend,
    codes: &[u8],
    scales: &[u8],
    tensor_scale: f32,
    cols: usize,
    out: &mut [T],
) -> Result<(), Error> {
    let shape = Shape::new(bf.region, out.len(), cols)?;
    let row_bytes = check_stored(bf, &shape, codes.len(), scales.len())?;
    let mut ctx = Ctx::new(bf, backend, shape, None)?;
    if let Scheme::Nvfp4 { profile, .. } = bf.scheme {
        ctx.nv = Some(NvTensor::from_stored(profile, tensor_scale));
    }
    let (n, cols, bits) = (shape.n, shape.cols, ctx.bits);
    let (sb, count) = (bf.scale_bytes(), shape.scale_count()?);
    let group = shape.group(bits);
    let mut factors = [(0f32, 0f32); CHUNK];
    let mut rs = [RegionScale::NONE; CHUNK];
    let mut aff = [AffineParams::default(); CHUNK];
    let (mut vals, mut obuf) = ([0f32; CHUNK], [0f32; CHUNK]);
    let mut c8 = [0u8; CHUNK];
    let t16 = ctx.table.first16();
    for (b, band) in shape.bands().enumerate() {
        for (j0, gcols) in shape.groups(group) {
            let nreg = gcols.len().div_ceil(n).max(1);
            for j in 0..nreg {
                let idx = region_index(&shape, b, j0 + j);
                let zero = if bf.has_zero_points() {
                    scales[count * sb + idx]
                } else {
                    0
                };
                rs[j] = ctx.scale_of_record(&scales[idx * sb..(idx + 1) * sb], zero);
                factors[j] = (rs[j].plan.qa, rs[j].plan.qb);
                aff[j] = rs[j].affine;
            }
            for r in band.clone() {
                let rowc = &codes[r * row_bytes..(r + 1) * row_bytes];
                for (pc, first) in shape.pieces(gcols.clone()) {
                    let len = pc.len();
                    let ne = n.min(len);
                    let first_bit = pc.start * bits as usize;
                    let dst = &mut out[r * cols + pc.start..r * cols + pc.end];
                    let o32: &mut [f32] = match T::as_f32_mut(dst) {
                        Some(d) => d,
                        None => &mut obuf[..len],
                    };
                    let fs = &factors[first..nreg];
                    let aligned = first_bit.is_multiple_of(8);
                    let c = &mut c8[..len];
                    match &ctx.step {
                        Step::Float { k, .. } => {
                            let t = &ctx.table;
                            if aligned && bits == 8 {
                                let src = &rowc[first_bit / 8..first_bit / 8 + len];
                                (k.decode_post_u8)(t, src, ne, fs, o32);
                            } else if aligned && bits == 4 && len % 2 == 0 {
                                let src = &rowc[first_bit / 8..first_bit / 8 + len / 2];
                                let done = if ne == 16 || ne == 32 {
                                    (k.dequant_nibble_blocks)(&t16, src, fs, ne, o32)
                                } else {
                                    0
                                };
                                let v = &mut vals[..len - done];
                                (k.decode_nibbles)(t, &src[done / 2..], v);
                                (k.post_blocks)(v, ne, &fs[done / ne..], &mut o32[done..]);
                            } else {
                                unpack_u8_at(rowc, bits, first_bit, c);
                                let v = &mut vals[..len];
                                (k.decode_u8)(t, c, v);
                                (k.post_blocks)(v, ne, fs, o32);
                            }
                        }
                        Step::Int { k } => {
                            unpack_u8_at(rowc, bits, first_bit, c);
                            if ctx.signed && bits < 8 {
                                let s = 8 - bits;
                                c.iter_mut().for_each(|q| *q = ((*q as i8) << s >> s) as u8);
                            }
                            let (aff, a) = (&aff[first..nreg], &ctx.affine);
                            (k.affine_dequant)(a, ctx.signed, c, ne, aff, o32);
                        }
                        Step::Definition => {
                            unpack_u8_at(rowc, bits, first_bit, c);
                            for (i, (o, &q)) in o32.iter_mut().zip(c.iter()).enumerate() {
                                *o = ctx.value_def(&rs[first + i / ne], q);
                            }
                        }
                    }
                    if !T::IS_F32 {
                        T::from_f32s(&obuf[..len], dst);
                    }
                }
            }
        }
    }
    Ok(())
}
