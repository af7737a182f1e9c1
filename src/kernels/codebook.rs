//! Codebook kernels: f32 → codes by counting the thresholds an input reaches (the
//! thresholds come from the definition, see `element::codebook`).

use crate::element::codebook::CodebookLanes;

/// Encodes `x` into one code per byte (codebooks of at most 8 bits).
#[inline(always)]
pub(crate) fn encode_codebook(p: &CodebookLanes, x: &[f32], out: &mut [u8]) {
    let split = !core::ptr::eq(p.pos, p.neg);
    match (p.n <= 16, split) {
        (true, false) => small::<false>(p, x, out),
        (true, true) => small::<true>(p, x, out),
        (false, false) => search::<false>(p, x, out),
        (false, true) => search::<true>(p, x, out),
    }
}

/// The result for the special inputs (±0, NaN) or `code`.
#[inline(always)]
fn fix(p: &CodebookLanes, v: f32, neg: bool, code: u8) -> u8 {
    let z = if neg { p.zero[1] } else { p.zero[0] };
    let c = if v == 0.0 { z } else { code };
    if v.is_nan() { p.nan } else { c }
}

/// Tables of at most 16 distinct values: the index is the count of thresholds ≤ x (15
/// compares per element, branch-free; the padding thresholds are +∞), then the code of that
/// index (the index itself for a sorted table of distinct values) and the special inputs.
#[inline(always)]
fn small<const SPLIT: bool>(p: &CodebookLanes, x: &[f32], out: &mut [u8]) {
    let mut tp = [0f32; 15];
    let mut tn = [0f32; 15];
    tp.copy_from_slice(&p.pos[..15]);
    tn.copy_from_slice(&p.neg[..15]);
    let last = (p.n - 1) as u32;
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    // Pass 1: the sorted index (compares and adds only, so it vectorizes).
    for i in 0..n {
        let v = x[i];
        let neg = v.to_bits() >> 31;
        let mut kp = 0u32;
        let mut kn = 0u32;
        for j in 0..15 {
            kp += (v >= tp[j]) as u32;
            if SPLIT {
                kn += (v >= tn[j]) as u32;
            }
        }
        let k = if SPLIT && neg != 0 { kn } else { kp };
        out[i] = (if k < last { k } else { last }) as u8;
    }
    // Pass 2: the code of that index, and the special inputs.
    let identity = (0..16).all(|i| p.code_pos[i] as usize == i && p.code_neg[i] as usize == i);
    let (z0, z1, nan) = (p.zero[0], p.zero[1], p.nan);
    // Masks rather than selects, so no backend compiles them to branches (the input signs
    // are data).
    let mask = |b: bool| 0u8.wrapping_sub(b as u8);
    let pick = |m: u8, a: u8, b: u8| (a & m) | (b & !m);
    if identity {
        for i in 0..n {
            let v = x[i];
            let z = pick(mask(v.to_bits() >> 31 != 0), z1, z0);
            let c = pick(mask(v == 0.0), z, out[i]);
            out[i] = pick(mask(v.is_nan()), nan, c);
        }
    } else {
        let (cp, cn) = (&p.code_pos[..16], &p.code_neg[..16]);
        for i in 0..n {
            let v = x[i];
            let neg = mask(v.to_bits() >> 31 != 0);
            let k = (out[i] & 15) as usize;
            let code = pick(neg, cn[k], cp[k]);
            let c = pick(mask(v == 0.0), pick(neg, z1, z0), code);
            out[i] = pick(mask(v.is_nan()), nan, c);
        }
    }
}

/// Larger tables: a branch-free binary search over the 255 thresholds (+∞-padded).
#[inline(always)]
fn search<const SPLIT: bool>(p: &CodebookLanes, x: &[f32], out: &mut [u8]) {
    let last = p.n - 1;
    let n = x.len().min(out.len());
    for i in 0..n {
        let v = x[i];
        let neg = v.to_bits() >> 31 != 0;
        let t = if SPLIT && neg { p.neg } else { p.pos };
        let mut k = 0usize;
        let mut step = 128;
        while step > 0 {
            // k + step − 1 ≤ 254 < 256.
            if v >= t[(k + step - 1) & 0xFF] {
                k += step;
            }
            step >>= 1;
        }
        let k = k.min(last);
        let code = if neg { p.code_neg[k] } else { p.code_pos[k] };
        out[i] = fix(p, v, neg, code);
    }
}
