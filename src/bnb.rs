//! bitsandbytes' stored formats, byte for byte as bitsandbytes 0.50.2 writes them on the CPU:
//! 4-bit NF4/FP4 with blockwise absmax scaling (`quantize_4bit` / `dequantize_4bit`), the
//! double quantization of the absmax values (`compress_statistics=True`), and the 8-bit
//! blockwise dynamic format (`quantize_blockwise` / `dequantize_blockwise`).
//!
//! These are their own API rather than [`BlockFormat`](crate::BlockFormat) schemes: the
//! stored form does not have a block format's shape. bitsandbytes blocks the *flattened*
//! tensor (blocks run across rows), packs the first element of each pair in the *high*
//! nibble, and double quantization stores three things per tensor (one byte per block, an
//! f32 per 256 blocks and an f32 offset) where a block format stores one scale per region.
//! The element tables are crate codebooks ([`Codebook::NF4`], [`Codebook::BNB_FP4`],
//! [`Codebook::BNB_DYNAMIC`]); for simulation studies, `absmax_nf4_g64` (a
//! [`BlockFormat`](crate::BlockFormat) with NF4 elements and an f32 absmax per block of a
//! row) gives the same kind of format on the crate's own terms.
//!
//! What bitsandbytes computes (bitsandbytes/backends/default/ops.py, backends/cpu/ops.py,
//! csrc/cpu_ops.cpp of 0.50.2), with `RN32` a round to f32:
//!
//! | step | 4-bit (`quantize_4bit`, torch) | 8-bit (`quantize_blockwise`, native) |
//! |---|---|---|
//! | absmax of a block | `max |x|`, NaN propagates | `max |x|` from 0, NaN ignored |
//! | element input | full block: `RN32(x · RN32(1 / max(a, 1e-38)))`; last partial block: `RN32(x / max(a, 1e-38))`; clamped to [−1, 1] | `RN32(x · RN32(1 / a))` clamped to [−1, 1] (an all-zero block stores codes 0) |
//! | code | bucketize on the f32 midpoints `RN32(RN32(c_i + c_{i+1}) / 2)` of the value-sorted table: ties to the lower value, NaN to the top | the 65536-point grid `idx = trunc(fma(65535, RN32(RN32(v + 1) · 0.5), 0.5))`, then the first index whose midpoint `RN32(0.5 · RN32(c_j + c_{j+1}))` is ≥ `RN32(−1 + RN32(2·idx / 65535))` (not always the nearest value) |
//! | stored absmax | `a` (the partial block's clamped `max(a, 1e-38)`) | `a` |
//! | value | `RN_T(RN32(table[q] · absmax))` | `RN_T(RN32(dyn[q] · absmax))` |
//!
//! Packing (4-bit): byte `j` = `code[2j] << 4 | code[2j + 1]`; an odd length pads with the
//! code of 0.0. Double quantization: `offset` = the mean of the absmax values, the absmax
//! values minus it (an f32 subtraction) quantized with the 8-bit encoder in blocks of 256
//! (the nested absmax); the 4-bit dequantizer uses `RN32(RN32(dyn[c] · nested[j / 256]) +
//! offset)`.
//!
//! Known differences from bitsandbytes, all on its side of an inconsistency:
//! - bitsandbytes' AVX-512 4-bit dequantizer reads the wrong absmax for 2-D tensors whose
//!   last dimension is not a multiple of the block size (it assumes rows start blocks);
//!   this module implements the flat blocks that bitsandbytes quantizes with (its scalar
//!   path and every CPU without AVX-512 agree).
//! - FP4 code 8 dequantizes to +0 here (the table of `get_4bit_type`, the torch path and
//!   the AVX-512 path); bitsandbytes' scalar C path gives −0.
//! - The offset is `mean` computed as the correctly rounded f32 of the f64-compensated sum
//!   divided by the count; torch's f32 reduction order differs with the CPU, so its offset
//!   can differ in the last bit: [`quantize_nested`] takes the offset, so bitsandbytes' own
//!   value reproduces its bytes exactly.
//!
//! ```
//! use lowbit::bnb::{self, Bnb4bit};
//! let q = Bnb4bit::NF4; // blocks of 64
//! let x: Vec<f32> = (0..100).map(|i| (i as f32 - 50.0) / 40.0).collect();
//! let mut packed = vec![0u8; q.packed_len(x.len())];
//! let mut absmax = vec![0f32; q.absmax_len(x.len())];
//! q.quantize(&x, &mut packed, &mut absmax).unwrap();
//! assert_eq!(absmax, [1.25, 1.225]); // the partial block's own max
//! let mut y = vec![0f32; x.len()];
//! q.dequantize(&packed, &absmax, &mut y).unwrap();
//! assert_eq!(y[0], -1.25);
//! // Double quantization of the absmax values (compress_statistics=True).
//! let offset = bnb::absmax_offset(&absmax);
//! let (mut codes, mut nested) = (vec![0u8; 2], vec![0f32; 1]);
//! bnb::quantize_nested(&absmax, offset, bnb::NESTED_BLOCKSIZE, &mut codes, &mut nested).unwrap();
//! let mut back = vec![0f32; 2];
//! bnb::dequantize_nested(&codes, &nested, offset, bnb::NESTED_BLOCKSIZE, &mut back).unwrap();
//! assert!((back[0] - 1.25).abs() < 1e-3);
//! ```

use crate::element::codebook::Codebook;
use crate::error::Error;
use crate::kernels::CHUNK;
use crate::real::Real32;

/// The block length of the nested (double-quantized) absmax of `quantize_4bit`.
pub const NESTED_BLOCKSIZE: usize = 256;

/// The largest block length accepted (bitsandbytes' own maximum is 4096).
pub const MAX_BLOCKSIZE: usize = 1 << 20;

/// bitsandbytes' 4-bit format: NF4 or FP4 elements, one f32 absmax per block of the
/// flattened tensor.
///
/// ```
/// use lowbit::bnb::Bnb4bit;
/// let q = Bnb4bit::FP4.with_blocksize(128).unwrap();
/// assert_eq!((q.blocksize(), q.absmax_len(300), q.packed_len(301)), (128, 3, 151));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bnb4bit {
    nf4: bool,
    blocksize: usize,
}

/// The value-sorted code order of bitsandbytes' FP4 table, as `torch.argsort(code)`
/// computed it for 0.50.2 (`tests/vectors/bnb/bnb_tables.txt`, `order fp4`): the two zeros
/// (codes 0 and 8) sit at positions 7 and 8.
const FP4_ORDER: [u8; 16] = [11, 10, 13, 12, 15, 14, 9, 0, 8, 1, 6, 7, 4, 5, 2, 3];

impl Bnb4bit {
    /// `quant_type="nf4"`, `blocksize=64` (bitsandbytes' default).
    pub const NF4: Bnb4bit = Bnb4bit {
        nf4: true,
        blocksize: 64,
    };
    /// `quant_type="fp4"`, `blocksize=64`.
    pub const FP4: Bnb4bit = Bnb4bit {
        nf4: false,
        blocksize: 64,
    };

    /// The same format with another block length (1..=[`MAX_BLOCKSIZE`]; bitsandbytes' CPU
    /// path takes 32..=4096).
    ///
    /// # Errors
    /// [`Error::Parameter`] outside that range.
    ///
    /// ```
    /// assert!(lowbit::bnb::Bnb4bit::NF4.with_blocksize(0).is_err());
    /// ```
    pub fn with_blocksize(self, blocksize: usize) -> Result<Self, Error> {
        check_blocksize(blocksize)?;
        Ok(Bnb4bit { blocksize, ..self })
    }

    /// The block length.
    ///
    /// ```
    /// assert_eq!(lowbit::bnb::Bnb4bit::NF4.blocksize(), 64);
    /// ```
    #[must_use]
    pub const fn blocksize(&self) -> usize {
        self.blocksize
    }

    /// The element table (`quant_state.code`).
    ///
    /// ```
    /// use lowbit::{bnb::Bnb4bit, Codebook};
    /// assert_eq!(Bnb4bit::NF4.codebook(), Codebook::NF4);
    /// ```
    #[must_use]
    pub const fn codebook(&self) -> &'static Codebook {
        if self.nf4 {
            Codebook::NF4
        } else {
            Codebook::BNB_FP4
        }
    }

    /// Bytes of packed codes for `n` elements: `⌈n / 2⌉`.
    ///
    /// ```
    /// assert_eq!(lowbit::bnb::Bnb4bit::NF4.packed_len(7), 4);
    /// ```
    #[must_use]
    pub const fn packed_len(&self, n: usize) -> usize {
        n / 2 + n % 2
    }

    /// Absmax values (blocks) for `n` elements: `⌈n / blocksize⌉`.
    ///
    /// ```
    /// assert_eq!(lowbit::bnb::Bnb4bit::NF4.absmax_len(65), 2);
    /// ```
    #[must_use]
    pub const fn absmax_len(&self, n: usize) -> usize {
        n.div_ceil(self.blocksize)
    }

    /// The code of the element input `s` (already scaled and clamped): torch's
    /// `bucketize(s, bounds, right=False)` on the f32 midpoints of the sorted table, then
    /// the code at that sorted position.
    fn code_of(&self, bounds: &[f32; 15], s: f32) -> u8 {
        // The number of bounds below s; NaN counts past every bound (torch's bucketize).
        let q = if s.is_nan() {
            15
        } else {
            bounds.iter().filter(|&&b| b < s).count()
        };
        if self.nf4 { q as u8 } else { FP4_ORDER[q] }
    }

    /// The decision midpoints bitsandbytes' torch quantizer uses:
    /// `(code[order[:-1]] + code[order[1:]]) / 2` in f32.
    fn bounds(&self) -> [f32; 15] {
        let t = self.codebook().values();
        let order: [u8; 16] = if self.nf4 {
            core::array::from_fn(|i| i as u8)
        } else {
            FP4_ORDER
        };
        core::array::from_fn(|i| (t[order[i] as usize] + t[order[i + 1] as usize]) / 2.0)
    }

    /// `quantize_4bit(x, blocksize, compress_statistics=False, quant_type)`: packed codes
    /// (`⌈n/2⌉` bytes) and one absmax per block. f16/bf16 inputs are read exactly as f32, as
    /// bitsandbytes does.
    ///
    /// # Errors
    /// [`Error::Length`] if `packed` or `absmax` has the wrong length.
    ///
    /// ```
    /// use lowbit::bnb::Bnb4bit;
    /// let (mut p, mut a) = ([0u8; 1], [0f32; 1]);
    /// Bnb4bit::NF4.quantize(&[2.0f32, -1.0], &mut p, &mut a).unwrap();
    /// // A partial block: x / 2. 1.0 is code 15; -0.5 lies between codes 2 (-0.525) and 3
    /// // (-0.395), below their f32 midpoint: code 2.
    /// assert_eq!((p, a), ([0xF2], [2.0]));
    /// ```
    pub fn quantize<T: Real32>(
        &self,
        x: &[T],
        packed: &mut [u8],
        absmax: &mut [f32],
    ) -> Result<(), Error> {
        let n = x.len();
        Error::check_len("packed codes", self.packed_len(n), packed.len())?;
        Error::check_len("absmax", self.absmax_len(n), absmax.len())?;
        let bs = self.blocksize;
        let full = n - n % bs;
        let bounds = self.bounds();
        let mut buf = [0f32; CHUNK];
        for (b, (xb, am)) in x.chunks(bs).zip(absmax.iter_mut()).enumerate() {
            // The block's amax: torch's max of |x|, NaN propagating (the first NaN's bits,
            // sign cleared by abs, as torch stores it).
            let mut a = 0f32;
            for c in xb.chunks(CHUNK) {
                let f = &mut buf[..c.len()];
                T::to_f32s(c, f);
                for &v in f.iter() {
                    let m = v.abs();
                    a = if a.is_nan() {
                        a
                    } else if m.is_nan() {
                        m
                    } else {
                        a.max(m)
                    };
                }
            }
            // torch.clamp(min=1e-38) keeps NaN.
            let clamped = if a.is_nan() { a } else { a.max(1e-38) };
            let partial = b * bs >= full;
            *am = if partial { clamped } else { a };
            let inv = 1.0f32 / clamped;
            for (ci, c) in xb.chunks(CHUNK).enumerate() {
                let f = &mut buf[..c.len()];
                T::to_f32s(c, f);
                for (k, &v) in f.iter().enumerate() {
                    let s = clamp1(if partial { v / clamped } else { v * inv });
                    let code = self.code_of(&bounds, s);
                    let e = b * bs + ci * CHUNK + k;
                    if e & 1 == 0 {
                        packed[e / 2] = code << 4;
                    } else {
                        packed[e / 2] |= code;
                    }
                }
            }
        }
        if n % 2 == 1 {
            // The pad element 0.0.
            packed[n / 2] |= self.code_of(&bounds, 0.0);
        }
        Ok(())
    }

    /// `dequantize_4bit(packed, quant_state)` with the absmax values of the state (for
    /// double quantization, those of [`dequantize_nested`]): `out[i] = RN_T(RN32(table[c_i] ·
    /// absmax[i / blocksize]))`, over flat blocks.
    ///
    /// # Errors
    /// [`Error::Length`] if `packed` or `absmax` does not fit `out.len()` elements.
    ///
    /// ```
    /// use lowbit::bnb::Bnb4bit;
    /// let mut y = [0f32; 2];
    /// Bnb4bit::NF4.dequantize(&[0xF0], &[3.0], &mut y).unwrap();
    /// assert_eq!(y, [3.0, -3.0]);
    /// ```
    pub fn dequantize<T: Real32>(
        &self,
        packed: &[u8],
        absmax: &[f32],
        out: &mut [T],
    ) -> Result<(), Error> {
        let n = out.len();
        Error::check_len("packed codes", self.packed_len(n), packed.len())?;
        Error::check_len("absmax", self.absmax_len(n), absmax.len())?;
        let t = self.codebook().values();
        // Both nibbles of every byte, high (the even element) first.
        let pairs: [[f32; 2]; 256] = core::array::from_fn(|b| [t[b >> 4], t[b & 15]]);
        let bs = self.blocksize;
        let mut buf = [0f32; CHUNK];
        // Element e: the nibble of byte e / 2 (high for even e) times absmax[e / bs]; chunks of
        // whole pairs, block boundaries walked, not divided for.
        let mut e = 0;
        for oc in out.chunks_mut(CHUNK) {
            let f = &mut buf[..oc.len()];
            let mut k = 0;
            while k < f.len() {
                let b = (e + k) / bs;
                let end = ((b + 1) * bs - e).min(f.len());
                let a = absmax[b];
                let mut i = k;
                if (e + i) % 2 == 1 {
                    f[i] = mul(pairs[packed[(e + i) / 2] as usize][1], a);
                    i += 1;
                }
                let whole = i + (end - i) / 2 * 2;
                let src = &packed[(e + i) / 2..(e + whole) / 2];
                for (o, &byte) in f[i..whole].chunks_exact_mut(2).zip(src) {
                    let [hi, lo] = pairs[byte as usize];
                    o[0] = mul(hi, a);
                    o[1] = mul(lo, a);
                }
                if whole < end {
                    f[whole] = mul(pairs[packed[(e + whole) / 2] as usize][0], a);
                }
                k = end;
            }
            T::from_f32s(f, oc);
            e += oc.len();
        }
        Ok(())
    }
}

/// `v · a` (a table value, never NaN, times an absmax) with the NaN bits of bitsandbytes on
/// x86 CPUs on every host: a NaN absmax propagates (quieted, as every IEEE host does), and
/// the invalid `0 · ±∞` gives SSE's default NaN `0xFFC0_0000` (AArch64's default NaN would
/// be `0x7FC0_0000`). A select, so the loops still vectorize.
#[inline(always)]
fn mul(v: f32, a: f32) -> f32 {
    let r = v * a;
    if r.is_nan() && !a.is_nan() {
        f32::from_bits(0xFFC0_0000)
    } else {
        r
    }
}

/// `clamp(v, −1, 1)` keeping NaN (torch.clamp and std::clamp).
#[inline(always)]
fn clamp1(v: f32) -> f32 {
    v.clamp(-1.0, 1.0)
}

fn check_blocksize(blocksize: usize) -> Result<(), Error> {
    if (1..=MAX_BLOCKSIZE).contains(&blocksize) {
        Ok(())
    } else {
        Err(Error::Parameter {
            what: "bitsandbytes blocksize (1..=2^20)",
            value: blocksize.min(i64::MAX as usize) as i64,
        })
    }
}

/// The 8-bit dynamic encoder of bitsandbytes' CPU kernel (`quantize_cpu_impl` and
/// `build_quantize_lut`, csrc/cpu_ops.cpp): `v` (already scaled and clamped) onto the
/// 65536-point grid, then the first code whose f32 midpoint with the next is at or above the
/// grid value.
struct Dynamic8 {
    mids: [f32; 255],
}

impl Dynamic8 {
    fn new() -> Dynamic8 {
        let code = Codebook::BNB_DYNAMIC.values();
        Dynamic8 {
            mids: core::array::from_fn(|j| 0.5f32 * (code[j] + code[j + 1])),
        }
    }

    fn encode(&self, v: f32) -> u8 {
        // idx = (uint16)(int) fmaf(65535, RN32(RN32(v + 1) · 0.5), 0.5): the fused product
        // is exact in f64 here (65535 · t has at most 41 significant bits, t ≥ 2^-25 or 0),
        // so one rounding to f32 is the FMA's. A NaN gives 0 (cvttss2si's 0x80000000,
        // truncated to 16 bits), as Rust's saturating cast does.
        let t = (v + 1.0f32) * 0.5f32;
        let z = (65535.0f64 * t as f64 + 0.5) as f32;
        let idx = (z as i32) as u16;
        let val = -1.0f32 + (2.0f32 * idx as f32) / 65535.0f32;
        // The first j with mids[j] >= val (255 if none).
        self.mids.partition_point(|&m| m < val) as u8
    }
}

/// `quantize_blockwise(x, code=None, blocksize, nested=False)` (bitsandbytes' native CPU
/// kernel, dynamic map): one code per element and one absmax per block (f16/bf16 read
/// exactly as f32).
///
/// # Errors
/// [`Error::Length`] if `codes` is not `x.len()` bytes or `absmax` not one per block;
/// [`Error::Parameter`] for a block size outside 1..=[`MAX_BLOCKSIZE`].
///
/// ```
/// use lowbit::{bnb, Codebook, Format};
/// let (mut q, mut a) = ([0u8; 3], [0f32; 1]);
/// bnb::quantize_blockwise(&[4.0f32, -4.0, 1.0], 64, &mut q, &mut a).unwrap();
/// assert_eq!(a, [4.0]);
/// assert_eq!((q[0], q[1]), (255, 0));
/// assert_eq!(Codebook::BNB_DYNAMIC.decode(q[0] as u32), 1.0);
/// ```
pub fn quantize_blockwise<T: Real32>(
    x: &[T],
    blocksize: usize,
    codes: &mut [u8],
    absmax: &mut [f32],
) -> Result<(), Error> {
    check_blocksize(blocksize)?;
    Error::check_len("codes", x.len(), codes.len())?;
    Error::check_len("absmax", x.len().div_ceil(blocksize), absmax.len())?;
    let d = Dynamic8::new();
    let mut buf = [0f32; CHUNK];
    for ((xb, qb), am) in x
        .chunks(blocksize)
        .zip(codes.chunks_mut(blocksize))
        .zip(absmax.iter_mut())
    {
        // std::max(a, |x|) from 0: `a < b ? b : a`, so NaN never wins.
        let mut a = 0f32;
        for c in xb.chunks(CHUNK) {
            let f = &mut buf[..c.len()];
            T::to_f32s(c, f);
            for &v in f.iter() {
                let m = v.abs();
                a = if a < m { m } else { a };
            }
        }
        *am = a;
        if a == 0.0 {
            qb.fill(0);
            continue;
        }
        let inv = 1.0f32 / a;
        for (c, qc) in xb.chunks(CHUNK).zip(qb.chunks_mut(CHUNK)) {
            let f = &mut buf[..c.len()];
            T::to_f32s(c, f);
            for (q, &v) in qc.iter_mut().zip(f.iter()) {
                *q = d.encode(clamp1(v * inv));
            }
        }
    }
    Ok(())
}

/// `dequantize_blockwise(codes, quant_state)`: `out[i] = RN_T(RN32(dyn[c_i] · absmax[i /
/// blocksize]))`.
///
/// # Errors
/// [`Error::Length`] if `codes` is not `out.len()` bytes or `absmax` not one per block;
/// [`Error::Parameter`] for a block size outside 1..=[`MAX_BLOCKSIZE`].
///
/// ```
/// let mut y = [0f32; 2];
/// lowbit::bnb::dequantize_blockwise(&[255, 127], &[2.5], 64, &mut y).unwrap();
/// assert_eq!(y, [2.5, 0.0]);
/// ```
pub fn dequantize_blockwise<T: Real32>(
    codes: &[u8],
    absmax: &[f32],
    blocksize: usize,
    out: &mut [T],
) -> Result<(), Error> {
    check_blocksize(blocksize)?;
    Error::check_len("codes", out.len(), codes.len())?;
    Error::check_len("absmax", out.len().div_ceil(blocksize), absmax.len())?;
    let t = Codebook::BNB_DYNAMIC.values();
    let mut buf = [0f32; CHUNK];
    let mut i = 0;
    for (oc, qc) in out.chunks_mut(CHUNK).zip(codes.chunks(CHUNK)) {
        let f = &mut buf[..oc.len()];
        for (k, (v, &q)) in f.iter_mut().zip(qc).enumerate() {
            *v = mul(t[q as usize], absmax[(i + k) / blocksize]);
        }
        T::from_f32s(f, oc);
        i += oc.len();
    }
    Ok(())
}

/// The offset of double quantization, `absmax.mean()`: the f32 nearest the mean of the
/// values, from an f64 compensated sum (NaN if any value is NaN; 0 for no values). torch
/// sums in an order of its own, so its f32 can differ in the last bit.
///
/// ```
/// assert_eq!(lowbit::bnb::absmax_offset(&[1.0, 2.0, 4.0]), 7.0 / 3.0);
/// ```
#[must_use]
pub fn absmax_offset(absmax: &[f32]) -> f32 {
    if absmax.is_empty() {
        return 0.0;
    }
    // Neumaier's compensated sum in f64: exact for any realistic count of f32 values.
    let (mut s, mut c) = (0f64, 0f64);
    for &v in absmax {
        let v = v as f64;
        let t = s + v;
        c += if s.abs() >= v.abs() {
            (s - t) + v
        } else {
            (v - t) + s
        };
        s = t;
    }
    ((s + c) / absmax.len() as f64) as f32
}

/// Double quantization of absmax values: `quantize_blockwise(absmax − offset, blocksize)`
/// (the f32 differences, the 8-bit dynamic encoder), as `quantize_4bit(...,
/// compress_statistics=True)` does with `blocksize = NESTED_BLOCKSIZE` (256) and
/// `quantize_blockwise(..., nested=True)` with its own block size. `codes` gets one byte
/// per absmax (`quant_state.absmax`), `nested` one f32 per block (`state2.absmax`); the
/// offset is `quant_state.offset` ([`absmax_offset`], or bitsandbytes' own).
///
/// # Errors
/// As [`quantize_blockwise`].
///
/// ```
/// use lowbit::bnb;
/// let absmax = [0.5f32, 0.7, 0.6];
/// let off = bnb::absmax_offset(&absmax);
/// let (mut c, mut n) = ([0u8; 3], [0f32; 1]);
/// bnb::quantize_nested(&absmax, off, 256, &mut c, &mut n).unwrap();
/// let m = absmax.iter().map(|a| (a - off).abs()).fold(0f32, f32::max);
/// assert_eq!(n[0], m); // the nested absmax of the differences
/// ```
pub fn quantize_nested(
    absmax: &[f32],
    offset: f32,
    blocksize: usize,
    codes: &mut [u8],
    nested: &mut [f32],
) -> Result<(), Error> {
    check_blocksize(blocksize)?;
    Error::check_len("nested codes", absmax.len(), codes.len())?;
    Error::check_len(
        "nested absmax",
        absmax.len().div_ceil(blocksize),
        nested.len(),
    )?;
    let mut buf = [0f32; CHUNK];
    // Block by block of the nested format, through a bounded buffer.
    for (ab, (qb, nb)) in absmax
        .chunks(blocksize)
        .zip(codes.chunks_mut(blocksize).zip(nested.chunks_mut(1)))
    {
        if ab.len() <= CHUNK {
            let f = &mut buf[..ab.len()];
            for (d, &a) in f.iter_mut().zip(ab) {
                *d = a - offset;
            }
            quantize_blockwise(&f[..], blocksize, qb, nb)?;
        } else {
            quantize_nested_block(ab, offset, qb, &mut nb[0]);
        }
    }
    Ok(())
}

/// One nested block longer than a chunk: two passes over the differences.
fn quantize_nested_block(ab: &[f32], offset: f32, qb: &mut [u8], nb: &mut f32) {
    let mut a = 0f32;
    for &v in ab {
        let m = (v - offset).abs();
        a = if a < m { m } else { a };
    }
    *nb = a;
    if a == 0.0 {
        qb.fill(0);
        return;
    }
    let d = Dynamic8::new();
    let inv = 1.0f32 / a;
    for (q, &v) in qb.iter_mut().zip(ab) {
        *q = d.encode(clamp1((v - offset) * inv));
    }
}

/// The absmax values of a double-quantized state: `RN32(RN32(dyn[c] · nested[j /
/// blocksize]) + offset)` (`dequantize_blockwise(codes, state2) + offset`).
///
/// # Errors
/// [`Error::Length`] if `codes` is not `out.len()` bytes or `nested` not one per block;
/// [`Error::Parameter`] for a block size outside 1..=[`MAX_BLOCKSIZE`].
///
/// ```
/// let mut a = [0f32; 1];
/// lowbit::bnb::dequantize_nested(&[255], &[0.25], 1.0, 256, &mut a).unwrap();
/// assert_eq!(a, [1.25]);
/// ```
pub fn dequantize_nested(
    codes: &[u8],
    nested: &[f32],
    offset: f32,
    blocksize: usize,
    out: &mut [f32],
) -> Result<(), Error> {
    dequantize_blockwise(codes, nested, blocksize, out)?;
    for v in out.iter_mut() {
        // SSE's NaN rules, on every host: the first NaN operand quieted, else (∞ − ∞) the
        // default NaN 0xFFC0_0000 (LLVM may swap the operands of a float add, and AArch64's
        // default NaN is positive).
        let r = *v + offset;
        *v = if !r.is_nan() {
            r
        } else if v.is_nan() {
            f32::from_bits(v.to_bits() | 0x0040_0000)
        } else if offset.is_nan() {
            f32::from_bits(offset.to_bits() | 0x0040_0000)
        } else {
            f32::from_bits(0xFFC0_0000)
        };
    }
    Ok(())
}
