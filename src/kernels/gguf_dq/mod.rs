//! GGUF dequantization kernels: ggml's `dequantize_row_*` rules (notes §4 of
//! docs on ggml-quants.c 0c1e57098) on blocks whose scales are finite.
//!
//! Each kernel takes at most 64 whole blocks (`bytes` = n · block bytes, `out` = n · block
//! elements) and returns the mask of the blocks it left unwritten: those whose fp16 (or f32)
//! scale is infinite or NaN. The caller runs the scalar definition on them, which gives
//! ggml's NaN bits. On a finite scale every value is one or two IEEE binary32 operations on
//! finite operands (exact int → float, then the products in the C's order), so the result
//! is the same on every backend and every CPU, and no NaN can arise (no FMA: Rust never
//! contracts).
//!
//! The grids and value tables are passed in as plain data.

// The loops index like the C they follow, which keeps each line checkable against the notes.
#![allow(clippy::needless_range_loop)]

mod grid;

pub(crate) use grid::*;

/// An fp16 field's exponent is all ones (inf or NaN).
#[inline(always)]
pub(crate) fn half_special(h: u16) -> bool {
    h & 0x7c00 == 0x7c00
}

/// fp16 bits → f32 for a finite code (subnormals and ±0 included), exact: the magnitude's
/// bits moved into an f32's field scaled by 2^−112, times 2^112.
#[inline(always)]
pub(crate) fn half_finite(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let mag = f32::from_bits(u32::from(h & 0x7fff) << 13) * f32::from_bits(0x7780_0000);
    f32::from_bits(mag.to_bits() | sign)
}

/// The little-endian u16 at byte `i` (the caller's slice is a whole block).
#[inline(always)]
fn rd16(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

#[inline(always)]
fn rd32(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// `(block index, block bytes, block outputs)` over whole blocks of `bb` bytes and `BL`
/// elements.
#[inline(always)]
fn each<'a, const BL: usize>(
    bytes: &'a [u8],
    out: &'a mut [f32],
    bb: usize,
) -> impl Iterator<Item = (usize, &'a [u8], &'a mut [f32; BL])> {
    bytes
        .chunks_exact(bb)
        .zip(out.chunks_exact_mut(BL))
        .enumerate()
        .filter_map(|(k, (b, y))| {
            let y: &mut [f32; BL] = y.try_into().ok()?;
            Some((k, b, y))
        })
}

/// The 16 bytes at `at` of a block.
#[inline(always)]
fn b16(b: &[u8], at: usize) -> [u8; 16] {
    let mut q = [0u8; 16];
    q.copy_from_slice(&b[at..at + 16]);
    q
}

/// The 32 bytes at `at` of a block.
#[inline(always)]
fn b32(b: &[u8], at: usize) -> [u8; 32] {
    let mut q = [0u8; 32];
    q.copy_from_slice(&b[at..at + 32]);
    q
}

/// Q4_0: `y = (nib − 8)·d`.
#[inline(always)]
pub(crate) fn dq_q4_0(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<32>(bytes, out, 18) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        let q = b16(b, 2);
        for j in 0..16 {
            y[j] = (i32::from(q[j] & 0xf) - 8) as f32 * d;
            y[j + 16] = (i32::from(q[j] >> 4) - 8) as f32 * d;
        }
    }
    left
}

/// Q4_1: `y = nib·d + m`.
#[inline(always)]
pub(crate) fn dq_q4_1(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<32>(bytes, out, 20) {
        let (hd, hm) = (rd16(b, 0), rd16(b, 2));
        if half_special(hd) || half_special(hm) {
            left |= 1 << k;
            continue;
        }
        let (d, m) = (half_finite(hd), half_finite(hm));
        let q = b16(b, 4);
        for j in 0..16 {
            y[j] = f32::from(q[j] & 0xf) * d + m;
            y[j + 16] = f32::from(q[j] >> 4) * d + m;
        }
    }
    left
}

/// The 5-bit codes of a Q5 block: nibbles of `qs`, 5th bits from `qh` (element j: bit j).
#[inline(always)]
fn q5_codes(qs: &[u8; 16], qh: u32) -> [i32; 32] {
    let mut c = [0i32; 32];
    for j in 0..16 {
        c[j] = i32::from(qs[j] & 0xf) | (((qh >> j) & 1) << 4) as i32;
        c[j + 16] = i32::from(qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4) as i32;
    }
    c
}

/// Q5_0: `y = (q − 16)·d`.
#[inline(always)]
pub(crate) fn dq_q5_0(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<32>(bytes, out, 22) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        let c = q5_codes(&b16(b, 6), rd32(b, 2));
        for j in 0..32 {
            y[j] = (c[j] - 16) as f32 * d;
        }
    }
    left
}

/// Q5_1: `y = q·d + m`.
#[inline(always)]
pub(crate) fn dq_q5_1(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<32>(bytes, out, 24) {
        let (hd, hm) = (rd16(b, 0), rd16(b, 2));
        if half_special(hd) || half_special(hm) {
            left |= 1 << k;
            continue;
        }
        let (d, m) = (half_finite(hd), half_finite(hm));
        let c = q5_codes(&b16(b, 8), rd32(b, 4));
        for j in 0..32 {
            y[j] = c[j] as f32 * d + m;
        }
    }
    left
}

/// Q8_0 (`at` = 2) and Q8_1 (`at` = 4, its sum unused): `y = q·d`.
#[inline(always)]
fn dq_q8(bytes: &[u8], out: &mut [f32], bb: usize, at: usize) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<32>(bytes, out, bb) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        let q = b32(b, at);
        for j in 0..32 {
            y[j] = f32::from(q[j] as i8) * d;
        }
    }
    left
}

/// Q8_0: `y = q·d`.
#[inline(always)]
pub(crate) fn dq_q8_0(bytes: &[u8], out: &mut [f32]) -> u64 {
    dq_q8(bytes, out, 34, 2)
}

/// Q8_1 (ggml has no dequantizer): Q8_0's `q·d`.
#[inline(always)]
pub(crate) fn dq_q8_1(bytes: &[u8], out: &mut [f32]) -> u64 {
    dq_q8(bytes, out, 36, 4)
}

/// Q1_0 (128 elements): `bit ? d : −d`.
#[inline(always)]
pub(crate) fn dq_q1_0(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<128>(bytes, out, 18) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h).to_bits();
        let q = b16(b, 2);
        for j in 0..128 {
            let neg = u32::from((q[j / 8] >> (j % 8)) & 1 ^ 1);
            y[j] = f32::from_bits(d ^ (neg << 31));
        }
    }
    left
}

/// Q2_0 (64 elements): `y = (q − 1)·d`.
#[inline(always)]
pub(crate) fn dq_q2_0(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<64>(bytes, out, 18) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        let q = b16(b, 2);
        for j in 0..64 {
            y[j] = (i32::from((q[j / 4] >> (2 * (j % 4))) & 3) - 1) as f32 * d;
        }
    }
    left
}

/// Q2_K: `y = (d·sc)·q − dmin·m` per 16; sub-block s = 8n + 2j + h reads bits 2j of
/// bytes 16 + 32n + 16h.. and writes elements 16s..16s + 16.
#[inline(always)]
pub(crate) fn dq_q2_k(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 84) {
        let (hd, hm) = (rd16(b, 80), rd16(b, 82));
        if half_special(hd) || half_special(hm) {
            left |= 1 << k;
            continue;
        }
        let (d, min) = (half_finite(hd), half_finite(hm));
        for (s, o) in y.chunks_exact_mut(16).enumerate() {
            let sc = b[s];
            let dl = d * f32::from(sc & 0xf);
            let ml = min * f32::from(sc >> 4);
            let (n, j, h) = (s / 8, (s % 8) / 2, s % 2);
            let q = b16(b, 16 + 32 * n + 16 * h);
            let sh = 2 * j as u32;
            for l in 0..16 {
                o[l] = dl * f32::from((q[l] >> sh) & 3) - ml;
            }
        }
    }
    left
}

/// The 16 signed 6-bit scales of a Q3_K block (minus 32).
#[inline(always)]
fn q3_scales(s: &[u8]) -> [i32; 16] {
    let mut out = [0i32; 16];
    for j in 0..16 {
        let low = if j < 8 { s[j] & 0xf } else { s[j - 8] >> 4 };
        let high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
        out[j] = i32::from(low | (high << 4)) - 32;
    }
    out
}

/// Q3_K: `y = (d·s)·(q − (hbit ? 0 : 4))`.
#[inline(always)]
pub(crate) fn dq_q3_k(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 110) {
        let hd = rd16(b, 108);
        if half_special(hd) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(hd);
        let sc = q3_scales(&b[96..108]);
        let hm = b32(b, 0);
        for n in 0..2 {
            let q = b32(b, 32 + 32 * n);
            for j in 0..4 {
                let m = 1u8 << (4 * n + j);
                for h in 0..2 {
                    let dl = d * sc[8 * n + 2 * j + h] as f32;
                    let o = 128 * n + 32 * j + 16 * h;
                    for l in 0..16 {
                        let i = 16 * h + l;
                        let lo = i32::from((q[i] >> (2 * j)) & 3);
                        let hi = if hm[i] & m != 0 { 0 } else { 4 };
                        y[o + l] = dl * (lo - hi) as f32;
                    }
                }
            }
        }
    }
    left
}

/// ggml's `get_scale_min_k4` for sub-block `j` of the 12 scale bytes.
#[inline(always)]
fn scale_min_k4(j: usize, q: &[u8]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        (
            (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4),
            (q[j + 4] >> 4) | ((q[j] >> 6) << 4),
        )
    }
}

/// Q4_K (`five` false) and Q5_K: `y = (d·sc)·q − dmin·m` per 32.
#[inline(always)]
fn dq_q45_k(bytes: &[u8], out: &mut [f32], five: bool) -> u64 {
    let (bb, qs_at) = if five { (176, 48) } else { (144, 16) };
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, bb) {
        let (hd, hm) = (rd16(b, 0), rd16(b, 2));
        if half_special(hd) || half_special(hm) {
            left |= 1 << k;
            continue;
        }
        let (d, min) = (half_finite(hd), half_finite(hm));
        let qh = b32(b, 16);
        for c in 0..4 {
            let q = b32(b, qs_at + 32 * c);
            for h in 0..2 {
                let (sc, m) = scale_min_k4(2 * c + h, &b[4..16]);
                let dl = d * f32::from(sc);
                let ml = min * f32::from(m);
                let hmask = 1u8 << (2 * c + h);
                let o = 64 * c + 32 * h;
                for i in 0..32 {
                    let mut v = if h == 0 { q[i] & 0xf } else { q[i] >> 4 };
                    if five && qh[i] & hmask != 0 {
                        v += 16;
                    }
                    y[o + i] = dl * f32::from(v) - ml;
                }
            }
        }
    }
    left
}

/// Q4_K.
#[inline(always)]
pub(crate) fn dq_q4_k(bytes: &[u8], out: &mut [f32]) -> u64 {
    dq_q45_k(bytes, out, false)
}

/// Q5_K.
#[inline(always)]
pub(crate) fn dq_q5_k(bytes: &[u8], out: &mut [f32]) -> u64 {
    dq_q45_k(bytes, out, true)
}

/// Q6_K: `y = (d·sc)·(q − 32)`.
#[inline(always)]
pub(crate) fn dq_q6_k(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 210) {
        let hd = rd16(b, 208);
        if half_special(hd) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(hd);
        for h in 0..2 {
            let (ql0, ql1, qh) = (b32(b, 64 * h), b32(b, 64 * h + 32), b32(b, 128 + 32 * h));
            let mut ds = [0f32; 8];
            for (i, s) in ds.iter_mut().enumerate() {
                *s = d * f32::from(b[192 + 8 * h + i] as i8);
            }
            let o = 128 * h;
            for i in 0..32 {
                let is = i / 16;
                let q1 = i32::from((ql0[i] & 0xf) | ((qh[i] & 3) << 4)) - 32;
                let q2 = i32::from((ql1[i] & 0xf) | (((qh[i] >> 2) & 3) << 4)) - 32;
                let q3 = i32::from((ql0[i] >> 4) | (((qh[i] >> 4) & 3) << 4)) - 32;
                let q4 = i32::from((ql1[i] >> 4) | (((qh[i] >> 6) & 3) << 4)) - 32;
                y[o + i] = ds[is] * q1 as f32;
                y[o + 32 + i] = ds[is + 2] * q2 as f32;
                y[o + 64 + i] = ds[is + 4] * q3 as f32;
                y[o + 96 + i] = ds[is + 6] * q4 as f32;
            }
        }
    }
    left
}

/// Q8_K (f32 scale): `y = d·q`.
#[inline(always)]
pub(crate) fn dq_q8_k(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 292) {
        let d = f32::from_bits(rd32(b, 0));
        if !d.is_finite() {
            left |= 1 << k;
            continue;
        }
        for (i, y) in y.iter_mut().enumerate() {
            *y = d * f32::from(b[4 + i] as i8);
        }
    }
    left
}

/// TQ1_0: base-3 trits, `y = (t − 1)·d`.
#[inline(always)]
pub(crate) fn dq_tq1_0(bytes: &[u8], out: &mut [f32]) -> u64 {
    const POW3: [u8; 5] = [1, 3, 9, 27, 81];
    let trit = |q: u8, p: u8, d: f32| {
        let q = q.wrapping_mul(p);
        (((i32::from(q) * 3) >> 8) - 1) as f32 * d
    };
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 54) {
        let hd = rd16(b, 52);
        if half_special(hd) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(hd);
        let q0 = b32(b, 0);
        let q1 = b16(b, 32);
        for (n, &p) in POW3.iter().enumerate() {
            for m in 0..32 {
                y[32 * n + m] = trit(q0[m], p, d);
            }
        }
        for (n, &p) in POW3.iter().enumerate() {
            for m in 0..16 {
                y[160 + 16 * n + m] = trit(q1[m], p, d);
            }
        }
        for (n, &p) in POW3[..4].iter().enumerate() {
            for j in 0..4 {
                y[240 + 4 * n + j] = trit(b[48 + j], p, d);
            }
        }
    }
    left
}

/// TQ2_0: `y = (q − 1)·d`.
#[inline(always)]
pub(crate) fn dq_tq2_0(bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 66) {
        let hd = rd16(b, 64);
        if half_special(hd) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(hd);
        for h in 0..2 {
            let q = b32(b, 32 * h);
            for l in 0..4 {
                for m in 0..32 {
                    let v = i32::from((q[m] >> (2 * l)) & 3) - 1;
                    y[128 * h + 32 * l + m] = v as f32 * d;
                }
            }
        }
    }
    left
}

/// `GGML_E8M0_TO_FP32_HALF(e)` = 2^(e − 128), always finite.
#[inline(always)]
pub(crate) fn e8m0_half(e: u8) -> f32 {
    if e < 2 {
        f32::from_bits(0x0020_0000 << e)
    } else {
        f32::from_bits((u32::from(e) - 1) << 23)
    }
}

/// `ggml_ue4m3_to_fp32` (with its ×0.5), always finite: bit 7 ignored, 0 and 0x7F read 0.
#[inline(always)]
pub(crate) fn ue4m3_half(x: u8) -> f32 {
    if x == 0 || x == 0x7f {
        return 0.0;
    }
    let exp = u32::from((x >> 3) & 0xf);
    let man = u32::from(x & 7);
    // Both forms are exact: man·2^-9 and (8 + man)·2^(exp − 10), then the 0.5.
    let v = if exp == 0 {
        man as f32 * f32::from_bits((127 - 9) << 23)
    } else {
        (8 + man) as f32 * f32::from_bits((exp + 127 - 10) << 23)
    };
    v * 0.5
}

/// MXFP4: `y = kv[nib]·2^(e−128)` (never a special scale).
#[inline(always)]
pub(crate) fn dq_mxfp4(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    for (_, b, y) in each::<32>(bytes, out, 17) {
        let d = e8m0_half(b[0]);
        let q = b16(b, 1);
        for j in 0..16 {
            y[j] = f32::from(kv[usize::from(q[j] & 0xf)]) * d;
            y[j + 16] = f32::from(kv[usize::from(q[j] >> 4)]) * d;
        }
    }
    0
}

/// NVFP4: `y = kv[nib]·ue4m3(d[s])` per 16 (never a special scale).
#[inline(always)]
pub(crate) fn dq_nvfp4(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    for (_, b, y) in each::<64>(bytes, out, 36) {
        let q = b32(b, 4);
        for s in 0..4 {
            let d = ue4m3_half(b[s]);
            for j in 0..8 {
                let c = q[8 * s + j];
                y[16 * s + j] = f32::from(kv[usize::from(c & 0xf)]) * d;
                y[16 * s + j + 8] = f32::from(kv[usize::from(c >> 4)]) * d;
            }
        }
    }
    0
}

/// IQ4_NL: `y = d·kv[nib]`.
#[inline(always)]
pub(crate) fn dq_iq4_nl(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<32>(bytes, out, 18) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        let q = b16(b, 2);
        for j in 0..16 {
            y[j] = d * f32::from(kv[usize::from(q[j] & 0xf)]);
            y[j + 16] = d * f32::from(kv[usize::from(q[j] >> 4)]);
        }
    }
    left
}

/// IQ4_XS: `y = (d·(ls − 32))·kv[nib]`.
#[inline(always)]
pub(crate) fn dq_iq4_xs(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64 {
    let mut left = 0u64;
    for (k, b, y) in each::<256>(bytes, out, 136) {
        let h = rd16(b, 0);
        if half_special(h) {
            left |= 1 << k;
            continue;
        }
        let d = half_finite(h);
        let sh = rd16(b, 2);
        for ib in 0..8 {
            let ls =
                u16::from((b[4 + ib / 2] >> (4 * (ib % 2))) & 0xf) | (((sh >> (2 * ib)) & 3) << 4);
            let dl = d * (i32::from(ls) - 32) as f32;
            let q = b16(b, 8 + 16 * ib);
            for j in 0..16 {
                y[32 * ib + j] = dl * f32::from(kv[usize::from(q[j] & 0xf)]);
                y[32 * ib + j + 16] = dl * f32::from(kv[usize::from(q[j] >> 4)]);
            }
        }
    }
    left
}

// ------------------------------------------------------------------------------------------
// The plain types (any length).

/// f16 → f32 as `GGML_FP16_TO_FP32` for every code: exact for finite values, ±inf, and a
/// NaN keeps its payload shifted by 13 with the quiet bit forced.
#[inline(always)]
pub(crate) fn f16_row(bytes: &[u8], out: &mut [f32]) {
    for (y, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let h = u16::from_le_bytes([b[0], b[1]]);
        let fin = half_finite(h).to_bits();
        let sign = u32::from(h & 0x8000) << 16;
        let m = u32::from(h & 0x3ff) << 13;
        let special = sign | 0x7f80_0000 | m | if m != 0 { 0x0040_0000 } else { 0 };
        *y = f32::from_bits(if half_special(h) { special } else { fin });
    }
}

/// bf16 → f32: the bits in the top half.
#[inline(always)]
pub(crate) fn bf16_row(bytes: &[u8], out: &mut [f32]) {
    for (y, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *y = f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16);
    }
}

/// f32 from little-endian bytes.
#[inline(always)]
pub(crate) fn f32_row(bytes: &[u8], out: &mut [f32]) {
    for (y, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *y = f32::from_bits(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    }
}
