//! Element kernels: f32 → codes through the lane encoders, codes → f32 through tables or
//! arithmetic.

use crate::element::ElementFormat;
use crate::element::fast::{
    FloatDecode, LaneKernel, LaneParams, NA, NE, TN, TP, TZ, encode_lane, encode_lane_lean,
    encode_lane_ne,
};
use crate::element::{Format, fast};

/// Encodes `x` into one code per byte (formats of at most 8 bits), with the lane kernel and
/// mode `p` was built for.
#[inline(always)]
pub(crate) fn encode_u8(p: &LaneParams, x: &[f32], out: &mut [u8]) {
    match p.mode {
        NE => encode_u8_mode::<NE>(p, x, out),
        NA => encode_u8_mode::<NA>(p, x, out),
        TZ => encode_u8_mode::<TZ>(p, x, out),
        TP => encode_u8_mode::<TP>(p, x, out),
        _ => encode_u8_mode::<TN>(p, x, out),
    }
}

#[inline(always)]
fn encode_u8_mode<const MODE: u8>(p: &LaneParams, x: &[f32], out: &mut [u8]) {
    // A local copy keeps every parameter in a register (broadcast once) for the whole loop.
    let p = *p;
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    match p.kernel {
        LaneKernel::NearestEven => {
            for i in 0..n {
                out[i] = encode_lane_ne(&p, x[i].to_bits()) as u8;
            }
        }
        LaneKernel::Lean => {
            for i in 0..n {
                out[i] = encode_lane_lean::<MODE>(&p, x[i].to_bits()) as u8;
            }
        }
        LaneKernel::General => {
            for i in 0..n {
                out[i] = encode_lane::<MODE>(&p, x[i].to_bits()) as u8;
            }
        }
    }
}

/// Encodes `x` into codes of up to 16 bits, one per `u16`.
#[inline(always)]
pub(crate) fn encode_u16(p: &LaneParams, x: &[f32], out: &mut [u16]) {
    match p.mode {
        NE => encode_u16_mode::<NE>(p, x, out),
        NA => encode_u16_mode::<NA>(p, x, out),
        TZ => encode_u16_mode::<TZ>(p, x, out),
        TP => encode_u16_mode::<TP>(p, x, out),
        _ => encode_u16_mode::<TN>(p, x, out),
    }
}

#[inline(always)]
fn encode_u16_mode<const MODE: u8>(p: &LaneParams, x: &[f32], out: &mut [u16]) {
    let p = *p;
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    for i in 0..n {
        out[i] = encode_lane::<MODE>(&p, x[i].to_bits()) as u16;
    }
}

/// Encodes at most [`CHUNK`](super::CHUNK) elements (an even count) of a 4-bit format into
/// packed nibbles, element 2j in the low nibble of byte j.
#[inline(always)]
pub(crate) fn encode_nibbles(p: &LaneParams, x: &[f32], out: &mut [u8]) {
    let mut codes = [0u8; super::CHUNK];
    let codes = &mut codes[..x.len().min(super::CHUNK)];
    encode_u8(p, &x[..codes.len()], codes);
    for (o, pair) in out.iter_mut().zip(codes.chunks_exact(2)) {
        *o = pair[0] | pair[1] << 4;
    }
}

/// Encodes at most [`CHUNK`](super::CHUNK) elements (a multiple of 4) of a 6-bit format into
/// four codes per three bytes, the little-endian bit stream of `pack`'s dense layout.
#[inline(always)]
pub(crate) fn encode_sixes(p: &LaneParams, x: &[f32], out: &mut [u8]) {
    let mut codes = [0u8; super::CHUNK];
    let codes = &mut codes[..x.len().min(super::CHUNK)];
    encode_u8(p, &x[..codes.len()], codes);
    for (o, q) in out.chunks_exact_mut(3).zip(codes.chunks_exact(4)) {
        let v = q[0] as u32 | (q[1] as u32) << 6 | (q[2] as u32) << 12 | (q[3] as u32) << 18;
        o[0] = v as u8;
        o[1] = (v >> 8) as u8;
        o[2] = (v >> 16) as u8;
    }
}

/// The decode tables of a format of at most 8 bits, built once per call and shared by every
/// chunk and block.
#[derive(Clone)]
pub(crate) struct DecodeTable {
    /// The value of every code (entries past `2^bits` are 0).
    pub(crate) lut: [f32; 256],
    /// For 4-bit formats: the values of both nibbles of every byte.
    pub(crate) pairs: [[f32; 2]; 256],
    /// 8-bit float formats decode arithmetically instead (no gathers) on AVX-512.
    pub(crate) float8: Option<FloatDecode>,
}

impl DecodeTable {
    /// The tables of `f`, which must have at most 8 bits.
    pub(crate) fn new(f: &ElementFormat) -> Self {
        let bits = f.bits();
        let mut t = Self::from_fn(bits, |c| f.decode(c));
        t.float8 = match f {
            ElementFormat::Float(spec) if bits == 8 => fast::FloatDecode::new(spec),
            _ => None,
        };
        t
    }

    /// The tables of a format of `bits ≤ 8` bits whose code `c` has the value `value(c)`
    /// (inlined into its callers, outside the kernels, as `new` is).
    #[inline(always)]
    pub(crate) fn from_fn(bits: u32, value: impl Fn(u32) -> f32) -> Self {
        debug_assert!(bits <= 8);
        let mut lut = [0f32; 256];
        for (c, v) in lut.iter_mut().enumerate().take(1 << bits) {
            *v = value(c as u32);
        }
        let mut pairs = [[0f32; 2]; 256];
        if bits == 4 {
            for (b, p) in pairs.iter_mut().enumerate() {
                *p = [lut[b & 15], lut[b >> 4]];
            }
        }
        DecodeTable {
            lut,
            pairs,
            float8: None,
        }
    }

    /// The first 16 entries: a 4-bit format's whole table.
    pub(crate) fn first16(&self) -> [f32; 16] {
        let mut t = [0f32; 16];
        t.copy_from_slice(&self.lut[..16]);
        t
    }
}

/// One-byte codes through the table.
#[inline(always)]
pub(crate) fn decode_lut8(t: &DecodeTable, codes: &[u8], out: &mut [f32]) {
    let lut = &t.lut;
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = lut[c as usize];
    }
}

/// One-byte float codes decoded arithmetically where the table has a [`FloatDecode`], else
/// through the table.
#[inline(always)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) fn decode_float8(t: &DecodeTable, codes: &[u8], out: &mut [f32]) {
    match &t.float8 {
        Some(d) if d.scaled() => float8_loop::<true>(d, codes, out),
        Some(d) => float8_loop::<false>(d, codes, out),
        None => decode_lut8(t, codes, out),
    }
}

#[inline(always)]
fn float8_loop<const SCALED: bool>(d: &FloatDecode, codes: &[u8], out: &mut [f32]) {
    let d = *d;
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = d.decode_as::<SCALED>(c);
    }
}

/// Dense 4-bit codes (element 2j in the low nibble of byte j) through the table of pairs:
/// `out.len()` must be even, `bytes` at least half of it.
#[inline(always)]
pub(crate) fn decode_pairs4(t: &DecodeTable, bytes: &[u8], out: &mut [f32]) {
    let pairs = &t.pairs;
    for (o, &b) in out.chunks_exact_mut(2).zip(bytes) {
        o.copy_from_slice(&pairs[b as usize]);
    }
}

/// The no-op form of a kernel a backend lacks (a hardware conversion, a register-table
/// lookup): converts nothing and reports 0 elements done, so the caller does all of it.
#[inline(always)]
pub(crate) fn none_f32_to_u16(_: &[f32], _: &mut [u16]) -> usize {
    0
}

/// See [`none_f32_to_u16`].
#[inline(always)]
pub(crate) fn none_u16_to_f32(_: &[u16], _: &mut [f32]) -> usize {
    0
}
