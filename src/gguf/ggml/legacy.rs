//! The 32-element ("legacy") types Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1 and the sign/2-bit
//! types Q1_0 (128 elements) and Q2_0 (64 elements), as ggml-quants.c quantizes and
//! dequantizes them (notes §4, §5.1–§5.4, §5.13, §5.14).

use super::common::{
    F, amax_skip_nan, cmax, cvtt, fabs, half_at, put_half, rd32, round_cvtt, sqrtf,
};
use super::kq_search::{make_qkx3_quants, make_qx_quants};
use super::{blocks, dq_blocks, each_block, im_rows};
use crate::error::Error;

/// `d ? 1.0f/d : 0.0f`.
#[inline]
fn inv_or_zero(d: F) -> F {
    if d.truthy() { 1.0f32 / d } else { F::ZERO }
}

/// `MIN(nmax, (int8_t)f)` of the reference quantizers, as a byte: the conversion keeps the
/// low 8 bits of the truncated int32 (§1.6), the signed MIN then leaves negative values,
/// which become bytes 0x80..0xFF.
#[inline]
fn min_i8(nmax: i8, f: F) -> u8 {
    let v = cvtt(f) as i8;
    (if v < nmax { v } else { nmax }) as u8
}

/// Per-row `sigma2 = Σ x²/n` of the legacy imatrix quantizers (quantize_row_q4_0_impl & co.).
///
/// The sum is sequential; only a NaN's sign depends on the operand order of each `addss`,
/// and ggml's build keeps the running sum's NaN at even indices and the new product's at odd
/// ones (its loop is unrolled by two). That order reproduces every committed record whose
/// rows contain NaNs of both signs.
fn row_sigma2(row: &[f32]) -> F {
    let mut s = F::ZERO;
    for (j, &v) in row.iter().enumerate() {
        let p = F(v) * F(v);
        s = if j % 2 == 0 { s + p } else { p + s };
    }
    s / F(row.len() as f32) // (float)n_per_row
}

/// `weight[j] = qw[j] · sqrtf(sigma2 + x[j]²)`; for a NaN element, ggml's compiled sum keeps
/// the element's NaN (the product is the first operand of its `addss`).
fn im_weights(xb: &[f32], qw: &[f32], sigma2: F, w: &mut [F]) {
    for ((w, &x), &q) in w.iter_mut().zip(xb).zip(qw) {
        *w = F(q) * sqrtf(F(x) * F(x) + sigma2);
    }
}

/// The first largest |x| and its signed value (`if (amax < fabsf(v))`; NaN never taken).
fn signed_absmax(xb: &[f32]) -> F {
    let (mut amax, mut max) = (F::ZERO, F::ZERO);
    for &v in xb {
        let a = fabs(F(v));
        if amax < a {
            amax = a;
            max = F(v);
        }
    }
    max
}

/// Q4_0 / Q5_0 element pairs packed into 4 low bits, plus the 5th bits into `qh` (Q5_0).
fn pack_nibbles(l: &[u8; 32], qs: &mut [u8]) {
    for j in 0..16 {
        qs[j] = l[j] | (l[j + 16] << 4);
    }
}

fn pack5(l: &[u8; 32], ob: &mut [u8], qh_at: usize) {
    let mut qh = 0u32;
    for j in 0..16 {
        ob[qh_at + 4 + j] = (l[j] & 0xf) | ((l[j + 16] & 0xf) << 4);
        qh |= u32::from((l[j] & 0x10) >> 4) << j;
        qh |= u32::from((l[j + 16] & 0x10) >> 4) << (j + 16);
    }
    ob[qh_at..qh_at + 4].copy_from_slice(&qh.to_le_bytes());
}

/// Q4_0 (18 bytes: d, 16 nibble bytes). Reference: `d = max/−8`, codes
/// `MIN(15, (int8_t)(x/d + 8.5))`. With an imatrix: quantize_row_q4_0_impl
/// (make_qx_quants with weights `qw·sqrt(σ² + x²)`, σ² per row).
pub(crate) fn quantize_q4_0(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_q4_q5_0(x, imatrix, out, false)
}

/// Q5_0 (22 bytes: d, qh u32, 16 nibble bytes): as Q4_0 with `d = max/−16`, 5-bit codes.
pub(crate) fn quantize_q5_0(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_q4_q5_0(x, imatrix, out, true)
}

fn quantize_q4_q5_0(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
    five: bool,
) -> Result<(), Error> {
    let bb = if five { 22 } else { 18 };
    let (nmax, bias, top) = if five {
        (16, 16.5f32, 31)
    } else {
        (8, 8.5f32, 15)
    };
    let mut l = [0u8; 32];
    if let Some(qw) = imatrix {
        let rows = im_rows(x, qw, out, 32, bb)?;
        for (xr, or) in rows {
            let sigma2 = row_sigma2(xr);
            for ((xb, ob), qb) in xr
                .chunks_exact(32)
                .zip(or.chunks_exact_mut(bb))
                .zip(qw.chunks_exact(32))
            {
                let mut w = [F::ZERO; 32];
                im_weights(xb, qb, sigma2, &mut w);
                let mut xf = [F::ZERO; 32];
                for (a, &b) in xf.iter_mut().zip(xb) {
                    *a = F(b);
                }
                let d = make_qx_quants(&xf, nmax, &mut l, Some(&w));
                put_half(ob, 0, d);
                store_q(five, &l, ob);
            }
        }
        return Ok(());
    }
    for (xb, ob) in blocks(x, out, 32, bb)? {
        let d = signed_absmax(xb) / F::int(-nmax);
        let id = inv_or_zero(d);
        put_half(ob, 0, d);
        for (lj, &v) in l.iter_mut().zip(xb) {
            *lj = min_i8(top, F(v) * id + bias);
        }
        store_q(five, &l, ob);
    }
    Ok(())
}

fn store_q(five: bool, l: &[u8; 32], ob: &mut [u8]) {
    if five {
        pack5(l, ob, 2);
    } else {
        // Q4_0 ORs the whole byte of the first code (a wild code spills into the high nibble).
        pack_nibbles(l, &mut ob[2..18]);
    }
}

/// Q4_1 (20 bytes: d, m, 16 nibble bytes): `d = (max − min)/15`, `m = min`, codes
/// `MIN(15, (int8_t)((x − min)/d + 0.5))`. With an imatrix: quantize_row_q4_1_impl
/// (make_qkx3_quants, rmin −0.9, rdelta 0.05, 36 steps).
pub(crate) fn quantize_q4_1(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_q4_q5_1(x, imatrix, out, false)
}

/// Q5_1 (24 bytes: d, m, qh, 16 nibble bytes): `d = (max − min)/31`, codes
/// `(uint8_t)((x − min)/d + 0.5)` (no clamp).
pub(crate) fn quantize_q5_1(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_q4_q5_1(x, imatrix, out, true)
}

fn quantize_q4_q5_1(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
    five: bool,
) -> Result<(), Error> {
    let bb = if five { 24 } else { 20 };
    let nmax = if five { 31 } else { 15 };
    let mut l = [0u8; 32];
    if let Some(qw) = imatrix {
        let rows = im_rows(x, qw, out, 32, bb)?;
        for (xr, or) in rows {
            let sigma2 = row_sigma2(xr);
            for ((xb, ob), qb) in xr
                .chunks_exact(32)
                .zip(or.chunks_exact_mut(bb))
                .zip(qw.chunks_exact(32))
            {
                let mut w = [F::ZERO; 32];
                im_weights(xb, qb, sigma2, &mut w);
                let mut the_min = F::ZERO;
                let d = make_qkx3_quants(xb, nmax, Some(&w), &mut l, &mut the_min, -0.9, 0.05, 36);
                put_half(ob, 0, d);
                put_half(ob, 2, -the_min);
                store_q1(five, &l, ob);
            }
        }
        return Ok(());
    }
    for (xb, ob) in blocks(x, out, 32, bb)? {
        let (mut min, mut max) = (F(f32::MAX), F(-f32::MAX));
        for &v in xb {
            let v = F(v);
            if v < min {
                min = v;
            }
            if v > max {
                max = v;
            }
        }
        let d = (max - min) / F::int(nmax);
        let id = inv_or_zero(d);
        put_half(ob, 0, d);
        put_half(ob, 2, min);
        for (lj, &v) in l.iter_mut().zip(xb) {
            let f = (F(v) - min) * id + 0.5f32;
            *lj = if five { cvtt(f) as u8 } else { min_i8(15, f) };
        }
        store_q1(five, &l, ob);
    }
    Ok(())
}

fn store_q1(five: bool, l: &[u8; 32], ob: &mut [u8]) {
    if five {
        pack5(l, ob, 4);
    } else {
        pack_nibbles(l, &mut ob[4..20]);
    }
}

/// Q8_0 (34 bytes: d, 32 × i8): `amax = MAX(amax, |x|)` (a NaN resets at the next element,
/// §1.7), `d = amax/127`, codes `roundf(x/d)` as int8. The imatrix is ignored (as ggml does).
pub(crate) fn quantize_q8_0(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 32, 34, |xb, _, ob| {
        let d = q8_scale(xb);
        let id = inv_or_zero(d);
        put_half(ob, 0, d);
        for (o, &v) in ob[2..].iter_mut().zip(xb) {
            *o = round_cvtt(F(v) * id) as u8;
        }
    })
}

fn q8_scale(xb: &[f32]) -> F {
    let mut amax = F::ZERO;
    for &v in xb {
        amax = cmax(amax, fabs(F(v)));
    }
    amax / F::int(127)
}

/// Q8_1 (36 bytes: d, s, 32 × i8), quantize_row_q8_1_ref: as Q8_0, plus `s = half(Σ qs · d)`
/// with the float `d` (ggml has no chunk quantizer and no dequantizer for Q8_1).
pub(crate) fn quantize_q8_1(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 32, 36, |xb, _, ob| {
        let d = q8_scale(xb);
        let id = inv_or_zero(d);
        put_half(ob, 0, d);
        let mut sum = 0i32;
        for (o, &v) in ob[4..].iter_mut().zip(xb) {
            *o = round_cvtt(F(v) * id) as u8;
            sum += i32::from(*o as i8);
        }
        put_half(ob, 2, F::int(sum) * d);
    })
}

/// Q1_0 (128 elements, 18 bytes: d, 16 bytes of signs): `d = Σ|x|/128`, bit set iff `x >= 0`.
pub(crate) fn quantize_q1_0(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 128, 18, |xb, _, ob| {
        let mut sum = F::ZERO;
        for &v in xb {
            sum += fabs(F(v));
        }
        put_half(ob, 0, sum / F::int(128));
        ob[2..].fill(0);
        for (j, &v) in xb.iter().enumerate() {
            if v >= 0.0 {
                ob[2 + j / 8] |= 1 << (j % 8);
            }
        }
    })
}

/// Q2_0 (64 elements, 18 bytes: d, 16 bytes of 2-bit codes): `d = amax`,
/// `q = clamp((int)roundf(x/d) + 1, 0, 3)`.
pub(crate) fn quantize_q2_0(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 64, 18, |xb, _, ob| {
        let amax = amax_skip_nan(xb);
        let id = if amax > F::ZERO {
            1.0f32 / amax
        } else {
            F::ZERO
        };
        put_half(ob, 0, amax);
        ob[2..].fill(0);
        for (j, &v) in xb.iter().enumerate() {
            let q = round_cvtt(F(v) * id).wrapping_add(1).clamp(0, 3) as u8;
            ob[2 + j / 4] |= q << (2 * (j % 4));
        }
    })
}

// ------------------------------------------------------------------------------------------
// Dequantizers (§4): every product one f32 multiplication, NaN bits as SSE gives them.

/// Q4_0: `(nib − 8)·d`.
pub(crate) fn dequantize_q4_0(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 32, 18)? {
        let d = half_at(b, 0);
        for j in 0..16 {
            y[j] = (F::int(i32::from(b[2 + j] & 0xf) - 8) * d).0;
            y[j + 16] = (F::int(i32::from(b[2 + j] >> 4) - 8) * d).0;
        }
    }
    Ok(())
}

/// Q4_1: `nib·d + m`.
pub(crate) fn dequantize_q4_1(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 32, 20)? {
        let (d, m) = (half_at(b, 0), half_at(b, 2));
        for j in 0..16 {
            y[j] = (F::int(i32::from(b[4 + j] & 0xf)) * d + m).0;
            y[j + 16] = (F::int(i32::from(b[4 + j] >> 4)) * d + m).0;
        }
    }
    Ok(())
}

/// Q5_0: `((nib | hi << 4) − 16)·d`.
pub(crate) fn dequantize_q5_0(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 32, 22)? {
        let d = half_at(b, 0);
        let qh = rd32(b, 2);
        for j in 0..16 {
            let (h0, h1) = ((qh >> j) & 1, (qh >> (j + 16)) & 1);
            let q0 = i32::from(b[6 + j] & 0xf) | (h0 << 4) as i32;
            let q1 = i32::from(b[6 + j] >> 4) | (h1 << 4) as i32;
            y[j] = (F::int(q0 - 16) * d).0;
            y[j + 16] = (F::int(q1 - 16) * d).0;
        }
    }
    Ok(())
}

/// Q5_1: `(nib | hi << 4)·d + m`.
pub(crate) fn dequantize_q5_1(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 32, 24)? {
        let (d, m) = (half_at(b, 0), half_at(b, 2));
        let qh = rd32(b, 4);
        for j in 0..16 {
            let (h0, h1) = ((qh >> j) & 1, (qh >> (j + 16)) & 1);
            let q0 = i32::from(b[8 + j] & 0xf) | (h0 << 4) as i32;
            let q1 = i32::from(b[8 + j] >> 4) | (h1 << 4) as i32;
            y[j] = (F::int(q0) * d + m).0;
            y[j + 16] = (F::int(q1) * d + m).0;
        }
    }
    Ok(())
}

/// Q8_0: `q·d`.
pub(crate) fn dequantize_q8_0(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 32, 34)? {
        let d = half_at(b, 0);
        for (y, &q) in y.iter_mut().zip(&b[2..]) {
            *y = (F::int(i32::from(q as i8)) * d).0;
        }
    }
    Ok(())
}

/// Q8_1 (ggml has no `dequantize_row_q8_1`): Q8_0's rule `q · d`; the stored sum `s` is not
/// used.
pub(crate) fn dequantize_q8_1(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 32, 36)? {
        let d = half_at(b, 0);
        for (y, &q) in y.iter_mut().zip(&b[4..]) {
            *y = (F::int(i32::from(q as i8)) * d).0;
        }
    }
    Ok(())
}

/// Q1_0: `bit ? d : −d` (the negation is a sign flip, also of a NaN).
pub(crate) fn dequantize_q1_0(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 128, 18)? {
        let d = half_at(b, 0);
        for (j, y) in y.iter_mut().enumerate() {
            *y = if (b[2 + j / 8] >> (j % 8)) & 1 == 1 {
                d
            } else {
                -d
            }
            .0;
        }
    }
    Ok(())
}

/// Q2_0: `(q − 1)·d`.
pub(crate) fn dequantize_q2_0(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 64, 18)? {
        let d = half_at(b, 0);
        for (j, y) in y.iter_mut().enumerate() {
            let q = i32::from((b[2 + j / 4] >> (2 * (j % 4))) & 3);
            *y = (F::int(q - 1) * d).0;
        }
    }
    Ok(())
}
