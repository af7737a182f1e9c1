//! TQ1_0 (base-3 packed trits) and TQ2_0 (2-bit trits), 256 elements, as ggml quantizes and
//! dequantizes them (notes §4, §5.6).

use super::common::{F, cmax, fabs, half_at, lround_plus_one, put_half};
use super::{dq_blocks, each_block};
use crate::error::Error;

/// `d = amax` with the NaN-forgetting `MAX` macro, `id = d ? 1/d : 0`, stored as fp16.
fn scale(xb: &[f32], ob: &mut [u8], at: usize) -> F {
    let mut amax = F::ZERO;
    for &v in xb {
        amax = cmax(amax, fabs(F(v)));
    }
    put_half(ob, at, amax);
    if amax.truthy() {
        1.0f32 / amax
    } else {
        F::ZERO
    }
}

/// `(uint8_t)(((uint16_t)q·256 + 242)/243)`: the ceiling division that puts the first trit
/// in the byte's top bits (wrapping to 8 bits, as the C's `uint8_t q` does).
#[inline]
fn ceil243(q: u8) -> u8 {
    (u32::from(q) * 256).div_ceil(243) as u8
}

/// The trit code `lroundf(x·id) + 1` as the C adds it into a byte (low 8 bits).
#[inline]
fn trit(v: f32, id: F) -> u8 {
    lround_plus_one(F(v) * id) as u8
}

/// TQ1_0 (54 bytes: qs[48], qh[4], d). qs[m] (m < 32) holds the trits of x[m + 32n],
/// n = 0..5; qs[32 + m] (m < 16) those of x[160 + m + 16n]; qh[j] those of x[240 + j + 4m],
/// m = 0..4, then a 0; each byte `q·256/243` rounded up. Codes `lroundf(x/d) + 1`
/// (NaN -> 1), accumulated in byte arithmetic. The imatrix is ignored (as ggml does).
pub(crate) fn quantize_tq1_0(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 256, 54, |xb, _, ob| {
        let id = scale(xb, ob, 52);
        let acc = |q: u8, xi: u8| q.wrapping_mul(3).wrapping_add(xi);
        for m in 0..32 {
            let q = (0..5).fold(0u8, |q, n| acc(q, trit(xb[m + 32 * n], id)));
            ob[m] = ceil243(q);
        }
        for m in 0..16 {
            let q = (0..5).fold(0u8, |q, n| acc(q, trit(xb[160 + m + 16 * n], id)));
            ob[32 + m] = ceil243(q);
        }
        for j in 0..4 {
            let q = (0..4).fold(0u8, |q, m| acc(q, trit(xb[240 + j + 4 * m], id)));
            ob[48 + j] = ceil243(q.wrapping_mul(3));
        }
    })
}

/// TQ2_0 (66 bytes: qs[64], d): byte `32h + m` holds the codes of x[128h + m + 32n] in bits
/// 2n (n = 0..4). The imatrix is ignored (as ggml does).
pub(crate) fn quantize_tq2_0(
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), Error> {
    each_block(x, imatrix, out, 256, 66, |xb, _, ob| {
        let id = scale(xb, ob, 64);
        for h in 0..2 {
            for m in 0..32 {
                let mut q = 0u8;
                for n in 0..4 {
                    q = q.wrapping_add((trit(xb[128 * h + m + 32 * n], id) & 3) << (2 * n));
                }
                ob[32 * h + m] = q;
            }
        }
    })
}

/// The trit in the top of `q·3^n` (mod 256): `((q·3^n mod 256)·3) >> 8`, then `(t − 1)·d`.
#[inline]
fn tq1_value(q: u8, pow: u8, d: F) -> f32 {
    let q = q.wrapping_mul(pow);
    let xi = (u16::from(q) * 3) >> 8;
    (F::int(i32::from(xi) - 1) * d).0
}

/// TQ1_0: elements 32n + m from qs[m], then 160 + 16n + m from qs[32 + m], then
/// 240 + 4n + j from qh[j].
pub(crate) fn dequantize_tq1_0(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    const POW3: [u8; 6] = [1, 3, 9, 27, 81, 243];
    for (b, y) in dq_blocks(bytes, out, 256, 54)? {
        let d = half_at(b, 52);
        let mut k = 0;
        for &pow in &POW3[..5] {
            for m in 0..32 {
                y[k] = tq1_value(b[m], pow, d);
                k += 1;
            }
        }
        for &pow in &POW3[..5] {
            for m in 0..16 {
                y[k] = tq1_value(b[32 + m], pow, d);
                k += 1;
            }
        }
        for &pow in &POW3[..4] {
            for j in 0..4 {
                y[k] = tq1_value(b[48 + j], pow, d);
                k += 1;
            }
        }
    }
    Ok(())
}

/// TQ2_0: `y = (q − 1)·d`, element 128h + 32l + m from bits 2l of qs[32h + m].
pub(crate) fn dequantize_tq2_0(bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    for (b, y) in dq_blocks(bytes, out, 256, 66)? {
        let d = half_at(b, 64);
        for h in 0..2 {
            for l in 0..4 {
                for m in 0..32 {
                    let q = i32::from((b[32 * h + m] >> (2 * l)) & 3);
                    y[128 * h + 32 * l + m] = (F::int(q - 1) * d).0;
                }
            }
        }
    }
    Ok(())
}
