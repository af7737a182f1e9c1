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
/// compares per element, branch-free; the padding thresholds are +∞).
#[inline(always)]
fn small<const SPLIT: bool>(p: &CodebookLanes, x: &[f32], out: &mut [u8]) {
    let mut tp = [0f32; 15];
    let mut tn = [0f32; 15];
    tp.copy_from_slice(&p.pos[..15]);
    tn.copy_from_slice(&p.neg[..15]);
    let mut cp = [0u8; 16];
    let mut cn = [0u8; 16];
    cp.copy_from_slice(&p.code_pos[..16]);
    cn.copy_from_slice(&p.code_neg[..16]);
    let last = p.n - 1;
    let n = x.len().min(out.len());
    for i in 0..n {
        let v = x[i];
        let neg = v.to_bits() >> 31 != 0;
        let mut k = 0usize;
        for j in 0..15 {
            let t = if SPLIT && neg { tn[j] } else { tp[j] };
            k += (v >= t) as usize;
        }
        let k = k.min(last);
        let code = if neg { cn[k] } else { cp[k] };
        out[i] = fix(p, v, neg, code);
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
