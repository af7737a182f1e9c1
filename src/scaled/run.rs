//! The one loop every scaled operation runs: for each band of rows, for each group of
//! regions side by side, the regions' statistics (one pass over the group's values), their
//! scales, then the elements (a second pass, from L1 for groups of at most a chunk). The
//! scheme decides only the statistics and how a region's scale and factors follow from them
//! (`scale.rs`); everything else is shared.

use crate::arch::{Backend, Kernels};
use crate::element::fast::LaneParams;
use crate::error::Error;
use crate::kernels::element::DecodeTable;
use crate::kernels::scaled::{self as ks, GROUP_MAX};
use crate::kernels::{CHUNK, SPAN};
use crate::pack::{pack_u8_at, unpack_u8_at};
use crate::real::Real32;

use super::nvfp4::NvTensor;
use super::scale::{Ctx, Fused, Group, StatKind, Step};
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

/// Merges the statistics of a piece (`x32`, blocks of `n` from region `first` of the group)
/// into the group's; `fresh`: the regions have no statistics yet (the kernel writes them).
fn stats_of(
    ctx: &Ctx,
    kind: StatKind,
    x32: &[f32],
    n: usize,
    g: &mut Group,
    first: usize,
    fresh: bool,
) {
    let blocks = x32.len().div_ceil(n);
    let k = ctx.kernels();
    let r = first..first + blocks;
    match kind {
        StatKind::Amax => {
            if fresh {
                match k {
                    Some(k) => (k.amax_blocks)(x32, n, &mut g.amax[r]),
                    None => ks::amax_blocks(x32, n, &mut g.amax[r]),
                }
                return;
            }
            let a = &mut g.tmp[..blocks];
            match k {
                Some(k) => (k.amax_blocks)(x32, n, a),
                None => ks::amax_blocks(x32, n, a),
            }
            for (s, &v) in g.amax[r].iter_mut().zip(a.iter()) {
                *s = f32::from_bits(s.to_bits().max(v.to_bits()));
            }
        }
        StatKind::MinMax => {
            if ctx.nan_min_max() {
                // The library's torch.amin/amax propagate NaN: note which regions hold one.
                let a = &mut g.tmp[..blocks];
                match k {
                    Some(k) => (k.amax_blocks)(x32, n, a),
                    None => ks::amax_blocks(x32, n, a),
                }
                for (s, &v) in g.amax[r.clone()].iter_mut().zip(a.iter()) {
                    *s = f32::from_bits(s.to_bits().max(v.to_bits()));
                }
            }
            let (lo, hi) = (&mut g.tmp[..blocks], &mut g.tmp2[..blocks]);
            match k {
                Some(k) => (k.min_max_blocks)(x32, n, lo, hi),
                None => ks::min_max_blocks(x32, n, lo, hi),
            }
            for ((s, &l), &h) in g.lo[r.clone()].iter_mut().zip(lo.iter()).zip(hi.iter()) {
                *s = if l < *s { l } else { *s };
                let _ = h;
            }
            for (s, &h) in g.hi[r].iter_mut().zip(hi.iter()) {
                *s = if h > *s { h } else { *s };
            }
        }
        StatKind::AbsSum => {
            // In element order, one f64 sum per region.
            for (j, xb) in r.zip(x32.chunks(n)) {
                for &v in xb {
                    g.sum[j] += v.abs() as f64;
                }
                g.count[j] += xb.len();
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
        scales: &'a mut [u8],
    },
    /// Fake-quantized values.
    Values(&'a mut [T]),
}

/// Quantize (`Out::Codes`) or fake quantization (`Out::Values`) of a `[rows, cols]` tensor.
fn walk<T: Real32>(ctx: &Ctx, x: &[T], mut out: Out<'_, T>) {
    let shape = ctx.shape;
    let (n, cols, bits) = (shape.n, shape.cols, ctx.bits);
    let kind = ctx.stat_kind();
    let (sb, count) = (
        ctx.bf.scale_bytes(),
        shape.scale_count().unwrap_or_default(),
    );
    let group = shape.group(bits);
    let fused = ctx.fused(matches!(out, Out::Values(_)), group);
    let mut g = Group::new();
    // The element decode table, where some region's values come through codes.
    let mut table: Option<DecodeTable> = None;
    let (mut xbuf, mut ybuf, mut obuf) = ([0f32; SPAN], [0f32; SPAN], [0f32; SPAN]);
    let (mut c8, mut rec, mut zeros) = ([0u8; SPAN], [0u8; 4 * GROUP_MAX], [0u8; GROUP_MAX]);
    // A given amax stands for the measured one where the region is the whole tensor.
    let given_region = match (ctx.given, ctx.bf.region, kind) {
        (Some(a), Region::Tensor, StatKind::Amax) => Some(a),
        _ => None,
    };
    for (b, band) in shape.bands().enumerate() {
        for (j0, gcols) in shape.groups(group) {
            let nreg = gcols.len().div_ceil(n).max(1);
            if let (Some(fz), Step::Float { k, lane, .. }) = (&fused, &ctx.step) {
                // A band of one row, a group of one piece: the fused kernels do every block
                // whose scale their arithmetic covers, the general path the rest.
                let r = band.start;
                let (len, base) = (gcols.len(), r * cols + gcols.start);
                let x32 = as_f32s(&x[base..base + len], &mut xbuf);
                let blk = |j: usize| j * n..((j + 1) * n).min(len);
                let rec = &mut rec[..nreg];
                match &mut out {
                    Out::Values(o) => {
                        let dst = &mut o[base..base + len];
                        let o32: &mut [f32] = match T::as_f32_mut(dst) {
                            Some(d) => d,
                            None => &mut obuf[..len],
                        };
                        let mut miss = match fz {
                            Fused::Pow2 { emax, shift, grid } => {
                                (k.qdq_pow2)(grid, x32, n, *emax, *shift, rec, o32)
                            }
                            Fused::E4m3 { p, grid } => (k.qdq_e4m3)(p, grid, x32, n, rec, o32),
                        };
                        while miss != 0 {
                            let j = miss.trailing_zeros() as usize;
                            miss &= miss - 1;
                            let (xs, os) = (&x32[blk(j)], &mut o32[blk(j)]);
                            let at = (base + j * n) as u64;
                            left_values(ctx, &mut g, &mut table, xs, os, &mut rec[j..j + 1], at);
                        }
                        if !T::IS_F32 {
                            T::from_f32s(&obuf[..len], dst);
                        }
                    }
                    Out::Codes {
                        codes,
                        row_bytes,
                        scales,
                    } => {
                        let y = &mut ybuf[..len];
                        let mut miss = match fz {
                            Fused::Pow2 { emax, shift, .. } => {
                                (k.pre_pow2)(x32, n, *emax, *shift, rec, y)
                            }
                            Fused::E4m3 { p, .. } => (k.pre_e4m3)(p, x32, n, rec, y),
                        };
                        // Blocks whose codes come from the definition.
                        let mut by_def = 0u64;
                        while miss != 0 {
                            let j = miss.trailing_zeros() as usize;
                            miss &= miss - 1;
                            let xs = &x32[blk(j)];
                            one_region(ctx, &mut g, xs, &mut rec[j..j + 1]);
                            if g.irregular {
                                by_def |= 1 << j;
                            } else {
                                (k.pre_blocks)(xs, n, &g.plans[..1], &mut y[blk(j)]);
                            }
                        }
                        let rowc = &mut codes[r * *row_bytes..(r + 1) * *row_bytes];
                        let first_bit = gcols.start * bits as usize;
                        let c = &mut c8[..len];
                        if by_def == 0 {
                            encode_piece(k, lane, y, bits, first_bit, rowc, c);
                        } else {
                            (k.encode_u8)(lane, y, c);
                            while by_def != 0 {
                                let j = by_def.trailing_zeros() as usize;
                                by_def &= by_def - 1;
                                let xs = &x32[blk(j)];
                                one_region(ctx, &mut g, xs, &mut [0u8; 1]);
                                let at = (base + j * n) as u64;
                                for (i, (q, &v)) in c[blk(j)].iter_mut().zip(xs).enumerate() {
                                    *q = ctx.encode_def(&g, 0, v, at + i as u64);
                                }
                            }
                            pack_u8_at(c, bits, first_bit, rowc);
                        }
                        let idx = region_index(&shape, b, j0);
                        scales[idx..idx + nreg].copy_from_slice(rec);
                    }
                }
                continue;
            }
            g.reset(kind, nreg);
            if let Some(a) = given_region {
                (g.amax[0], g.given) = (a, true);
            } else {
                for (ri, r) in band.clone().enumerate() {
                    let row = &x[r * cols..(r + 1) * cols];
                    for (k, (pc, first)) in shape.pieces(gcols.clone()).enumerate() {
                        let x32 = as_f32s(&row[pc.clone()], &mut xbuf);
                        let fresh = ri == 0 && k == 0;
                        stats_of(ctx, kind, x32, n.min(x32.len()), &mut g, first, fresh);
                    }
                }
            }
            // The regions' scales, stored as records (and zero points).
            ctx.scales(&mut g, nreg, &mut rec, &mut zeros);
            if let Out::Codes { scales, .. } = &mut out {
                let idx = region_index(&shape, b, j0);
                scales[idx * sb..(idx + nreg) * sb].copy_from_slice(&rec[..nreg * sb]);
                if ctx.bf.has_zero_points() {
                    scales[count * sb + idx..count * sb + idx + nreg]
                        .copy_from_slice(&zeros[..nreg]);
                }
            }
            // The elements (a group a library profile cannot give the kernels runs by the
            // definition, on every backend).
            let step = if g.irregular {
                &Step::Definition
            } else {
                &ctx.step
            };
            for r in band.clone() {
                let row = &x[r * cols..(r + 1) * cols];
                for (pc, first) in shape.pieces(gcols.clone()) {
                    let len = pc.len();
                    let x32 = as_f32s(&row[pc.clone()], &mut xbuf);
                    let ne = n.min(len);
                    let base = (r * cols + pc.start) as u64;
                    let (plans, aff) = (&g.plans[first..nreg], &g.aff[first..nreg]);
                    match &mut out {
                        Out::Codes {
                            codes, row_bytes, ..
                        } => {
                            let rowc = &mut codes[r * *row_bytes..(r + 1) * *row_bytes];
                            let first_bit = pc.start * bits as usize;
                            let c = &mut c8[..len];
                            match step {
                                Step::Float { k, lane, .. } => {
                                    let y = &mut ybuf[..len];
                                    (k.pre_blocks)(x32, ne, plans, y);
                                    encode_piece(k, lane, y, bits, first_bit, rowc, c);
                                    continue;
                                }
                                Step::Codebook { k, lanes } => {
                                    let y = &mut ybuf[..len];
                                    (k.pre_blocks)(x32, ne, plans, y);
                                    (k.encode_codebook)(lanes, y, c);
                                }
                                Step::Int { k } => {
                                    (k.affine_codes)(&ctx.affine, x32, ne, aff, c);
                                    if ctx.signed && bits < 8 {
                                        let m = ((1u32 << bits) - 1) as u8;
                                        c.iter_mut().for_each(|q| *q &= m);
                                    }
                                }
                                Step::Definition => {
                                    for (i, (q, &v)) in c.iter_mut().zip(x32).enumerate() {
                                        *q = ctx.encode_def(&g, first + i / ne, v, base + i as u64);
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
                            match step {
                                Step::Float {
                                    k, grid: Some(gr), ..
                                } => (k.qdq_grid)(gr, x32, ne, plans, o32),
                                Step::Float {
                                    k,
                                    lane,
                                    grid: None,
                                } => {
                                    let t = table.get_or_insert_with(|| ctx.decode_table());
                                    (k.qdq_lane)(lane, t, x32, ne, plans, o32)
                                }
                                Step::Int { k } => (k.affine_qdq)(&ctx.affine, x32, ne, aff, o32),
                                Step::Codebook { k, lanes } => {
                                    let (y, c) = (&mut ybuf[..len], &mut c8[..len]);
                                    (k.pre_blocks)(x32, ne, plans, y);
                                    (k.encode_codebook)(lanes, y, c);
                                    for j in first..nreg {
                                        factors_of_plans(&mut g, j);
                                    }
                                    let fs = &g.factors[first..nreg];
                                    let t = table.get_or_insert_with(|| ctx.decode_table());
                                    (k.decode_post_u8)(t, c, ne, fs, o32);
                                }
                                Step::Definition => {
                                    let t = table.get_or_insert_with(|| ctx.decode_table());
                                    for (j, (og, xg)) in
                                        o32.chunks_mut(ne).zip(x32.chunks(ne)).enumerate()
                                    {
                                        let at = base + (j * ne) as u64;
                                        values_def(ctx, t, &mut g, first + j, xg, og, at);
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

/// Fake quantization of region `j`'s elements `xs` by the definition (`at`: the index of
/// the first in the tensor, for stochastic draws).
fn values_def(
    ctx: &Ctx,
    t: &DecodeTable,
    g: &mut Group,
    j: usize,
    xs: &[f32],
    out: &mut [f32],
    at: u64,
) {
    factors_of_plans(g, j);
    for (i, (q, &v)) in out.iter_mut().zip(xs).enumerate() {
        let c = ctx.encode_def(g, j, v, at + i as u64);
        *q = ctx.value_def(t, g, j, c);
    }
}

/// Fake quantization of a block the fused kernels left: its scale by the general rule
/// (record into `rec`), its elements by the call's step, or by the definition where the
/// rule finds the block irregular.
fn left_values(
    ctx: &Ctx,
    g: &mut Group,
    table: &mut Option<DecodeTable>,
    xs: &[f32],
    out: &mut [f32],
    rec: &mut [u8],
    at: u64,
) {
    one_region(ctx, g, xs, rec);
    let n = xs.len();
    match &ctx.step {
        Step::Float {
            k, grid: Some(gr), ..
        } if !g.irregular => (k.qdq_grid)(gr, xs, n, &g.plans[..1], out),
        Step::Float { k, lane, .. } if !g.irregular => {
            let t = table.get_or_insert_with(|| ctx.decode_table());
            (k.qdq_lane)(lane, t, xs, n, &g.plans[..1], out)
        }
        _ => {
            let t = table.get_or_insert_with(|| ctx.decode_table());
            values_def(ctx, t, g, 0, xs, out, at);
        }
    }
}

/// The stored codes of one piece of a row from its element inputs `y`, at `first_bit` of the
/// row's bytes: 8-, 4- and 6-bit codes straight from the fused encoders where the piece
/// starts on a byte boundary, others through one code per byte (`c`) and the bit packer.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn encode_piece(
    k: &Kernels,
    lane: &LaneParams,
    y: &[f32],
    bits: u32,
    first_bit: usize,
    rowc: &mut [u8],
    c: &mut [u8],
) {
    let len = y.len();
    if first_bit.is_multiple_of(8) {
        let dst = &mut rowc[first_bit / 8..];
        match bits {
            8 => return (k.encode_u8)(lane, y, &mut dst[..len]),
            4 if len.is_multiple_of(2) => return (k.encode_nibbles)(lane, y, &mut dst[..len / 2]),
            6 if len.is_multiple_of(4) => {
                return (k.encode_sixes)(lane, y, &mut dst[..len * 3 / 4]);
            }
            _ => {}
        }
    }
    (k.encode_u8)(lane, y, c);
    pack_u8_at(c, bits, first_bit, rowc);
}

/// The scale of one region by the general path (a block the fused kernels left): its amax,
/// its record into `rec`, its plan as region 0 of the group.
fn one_region(ctx: &Ctx, g: &mut Group, xs: &[f32], rec: &mut [u8]) {
    g.reset(StatKind::Amax, 1);
    g.amax[0] = ks::amax(xs);
    let mut zero = [0u8; 1];
    ctx.scales(g, 1, rec, &mut zero);
}

/// Region `j`'s dequantization factors from its plan (fake quantization by the definition
/// decodes codes as dequantization does).
#[inline(always)]
fn factors_of_plans(g: &mut Group, j: usize) {
    g.factors[j] = (g.plans[j].qa, g.plans[j].qb);
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
    walk(
        &ctx,
        x,
        Out::Codes {
            codes,
            row_bytes,
            scales,
        },
    );
    if ctx.swap_nibbles {
        // torchao before 0.15 packs element 2j in the high nibble.
        codes.iter_mut().for_each(|b| *b = b.rotate_left(4));
    }
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
    walk(&ctx, x, Out::Values(out));
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
    let mut g = Group::new();
    let (mut vals, mut obuf) = ([0f32; SPAN], [0f32; SPAN]);
    let mut c8 = [0u8; SPAN];
    let table = ctx.decode_table();
    let scale_table = ctx.scale_table();
    let t16 = table.first16();
    let none = [0u8; 0];
    let mut swapped = [0u8; SPAN / 2 + 1];
    for (b, band) in shape.bands().enumerate() {
        for (j0, gcols) in shape.groups(group) {
            let nreg = gcols.len().div_ceil(n).max(1);
            let idx = region_index(&shape, b, j0);
            let zeros = if bf.has_zero_points() {
                &scales[count * sb + idx..count * sb + idx + nreg]
            } else {
                &none[..]
            };
            let recs = &scales[idx * sb..(idx + nreg) * sb];
            ctx.scales_of_records(&scale_table, &mut g, nreg, recs, zeros);
            for r in band.clone() {
                let row = &codes[r * row_bytes..(r + 1) * row_bytes];
                for (pc, first) in shape.pieces(gcols.clone()) {
                    let len = pc.len();
                    let ne = n.min(len);
                    let (rowc, first_bit) = if ctx.swap_nibbles {
                        // High-nibble-first bytes (torchao before 0.15): the piece's bytes
                        // with their nibbles swapped.
                        let (b0, b1) = (pc.start / 2, (pc.end).div_ceil(2));
                        for (d, &s) in swapped.iter_mut().zip(&row[b0..b1]) {
                            *d = s.rotate_left(4);
                        }
                        (&swapped[..b1 - b0], (pc.start % 2) * 4)
                    } else {
                        (row, pc.start * bits as usize)
                    };
                    let dst = &mut out[r * cols + pc.start..r * cols + pc.end];
                    let o32: &mut [f32] = match T::as_f32_mut(dst) {
                        Some(d) => d,
                        None => &mut obuf[..len],
                    };
                    let (fs, aff) = (&g.factors[first..nreg], &g.aff[first..nreg]);
                    let aligned = first_bit.is_multiple_of(8);
                    let c = &mut c8[..len];
                    match &ctx.step {
                        Step::Float { k, .. } | Step::Codebook { k, .. } => {
                            let t = &table;
                            if aligned && bits == 8 {
                                let src = &rowc[first_bit / 8..first_bit / 8 + len];
                                (k.decode_post_u8)(t, src, ne, fs, o32);
                            } else if aligned && bits == 4 && len.is_multiple_of(2) {
                                let src = &rowc[first_bit / 8..first_bit / 8 + len / 2];
                                let done = if ne == 16 || ne == 32 {
                                    (k.dequant_nibble_blocks)(&t16, src, fs, ne, o32)
                                } else {
                                    0
                                };
                                let v = &mut vals[..len - done];
                                (k.decode_nibbles)(t, &src[done / 2..], v);
                                (k.post_blocks)(v, ne, &fs[done / ne..], &mut o32[done..]);
                            } else if aligned && bits == 6 && len.is_multiple_of(4) {
                                // Four codes per three bytes (MXFP6).
                                let src = &rowc[first_bit / 8..first_bit / 8 + len / 4 * 3];
                                let v = &mut vals[..len];
                                (k.decode_sixes)(t, src, v);
                                (k.post_blocks)(v, ne, fs, o32);
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
                            (k.affine_dequant)(&ctx.affine, ctx.signed, c, ne, aff, o32);
                        }
                        Step::Definition => {
                            unpack_u8_at(rowc, bits, first_bit, c);
                            for (i, (o, &q)) in o32.iter_mut().zip(c.iter()).enumerate() {
                                *o = ctx.value_def(&table, &g, first + i / ne, q);
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
