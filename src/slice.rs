//! Slice conversions: encode `&[f32]` (and f64, f16, bf16) into packed bytes and decode them
//! back, with run-time selection of a SIMD backend.
//!
//! Three tiers, as in `memchr`: the scalar tier is the semantic definition (the same routine
//! as [`Format::encode`]); the `Portable` tier runs the branch-free lane kernel that LLVM
//! vectorizes for the baseline ISA; `Avx2`, `Avx512` and `Neon` compile the same kernel with
//! those target features enabled. Every tier gives the same bits (the backend-equality tests
//! check all lengths and offsets). The stochastic mode and integer formats use the scalar
//! tier on every backend.

use half::{bf16, f16};

use crate::Backend;
use crate::element::{ElementFormat, Format};
use crate::error::Error;
use crate::pack::{self, Layout};
use crate::round::{Overflow, Rounding};

/// Elements per stack-buffered chunk (a multiple of 8, so every width packs to whole bytes).
pub(crate) const CHUNK: usize = 512;

impl ElementFormat {
    /// Bytes that `n` codes of this format take when packed densely.
    ///
    /// # Errors
    /// On arithmetic overflow of the size.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert_eq!(ElementFormat::FLOAT6_E3M2FN.packed_len(5).unwrap(), 4); // 30 bits
    /// assert_eq!(ElementFormat::FLOAT16.packed_len(3).unwrap(), 6);
    /// ```
    pub fn packed_len(&self, n: usize) -> Result<usize, Error> {
        pack::packed_len(self.bits(), Layout::Dense, n)
    }

    /// Encodes `x` into densely packed codes (see [`pack`](crate::pack)) on the best backend.
    /// `out` must be exactly [`packed_len`](Self::packed_len)`(x.len())` bytes.
    ///
    /// With [`Rounding::Stochastic`]`(seed)`, element `i` uses the draw
    /// [`stochastic_bits`](crate::stochastic_bits)`(seed, i)`.
    ///
    /// ```
    /// use lowbit::{ElementFormat, Overflow, Rounding};
    /// let fp4 = ElementFormat::FLOAT4_E2M1FN;
    /// let mut packed = [0u8; 2];
    /// fp4.encode_slice(&[0.5, 1.0, -6.0, 7.0], Rounding::NearestEven, Overflow::Saturate, &mut packed).unwrap();
    /// assert_eq!(packed, [0x21, 0x7F]);
    /// let mut back = [0f32; 4];
    /// fp4.decode_slice(&packed, &mut back).unwrap();
    /// assert_eq!(back, [0.5, 1.0, -6.0, 6.0]);
    /// ```
    ///
    /// # Errors
    /// [`Error::Length`] if `out` has the wrong size.
    pub fn encode_slice(
        &self,
        x: &[f32],
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.encode_slice_with(Backend::best(), x, rounding, overflow, out)
    }

    /// [`encode_slice`](Self::encode_slice) on a chosen backend.
    ///
    /// # Errors
    /// As `encode_slice`, and [`Error::Unsupported`] if the CPU lacks the backend.
    ///
    /// ```
    /// use lowbit::{Backend, ElementFormat, Overflow, Rounding};
    /// let mut out = [0u8; 2];
    /// ElementFormat::INT8
    ///     .encode_slice_with(Backend::Scalar, &[2.5, -300.0], Rounding::NearestAway, Overflow::Saturate, &mut out)
    ///     .unwrap();
    /// assert_eq!(out, [3, (-128i8) as u8]);
    /// ```
    pub fn encode_slice_with(
        &self,
        backend: Backend,
        x: &[f32],
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        backend.check()?;
        Error::check_len("packed output", self.packed_len(x.len())?, out.len())?;
        let bits = self.bits();
        let lane = match (backend, self) {
            (Backend::Scalar, _) => None,
            (_, ElementFormat::Float(s)) => {
                crate::element::fast::LaneParams::new(s, rounding, overflow)
            }
            _ => None,
        };
        if backend != Backend::Scalar
            && rounding == Rounding::NearestEven
            && overflow == Overflow::NonFinite
            && self.encode_halfs(backend, x, out)
        {
            return Ok(());
        }
        if let Some((p, mode)) = &lane {
            // 8-bit codes go straight to the output, 4-bit codes through a nibble pack, other
            // widths of at most 8 bits through the byte kernel and the bit packer.
            if bits == 8 || bits == 4 {
                let nib = bits == 4;
                let even = if nib { x.len() & !1 } else { x.len() };
                for (xc, oc) in
                    x[..even]
                        .chunks(CHUNK)
                        .zip(out.chunks_mut(if nib { CHUNK / 2 } else { CHUNK }))
                {
                    crate::arch::encode_chunk_bytes(backend, p, *mode, xc, nib, oc);
                }
                if even < x.len() {
                    let mut last = [0u8; 1];
                    crate::arch::encode_chunk_bytes(
                        backend,
                        p,
                        *mode,
                        &x[even..],
                        false,
                        &mut last,
                    );
                    out[even / 2] = last[0];
                }
                return Ok(());
            }
            if bits == 6 {
                // Whole groups of four codes through the fused kernel; a ragged tail below.
                let whole = x.len() & !3;
                for (xc, oc) in x[..whole].chunks(CHUNK).zip(out.chunks_mut(CHUNK * 3 / 4)) {
                    crate::arch::encode_chunk_sixes(backend, p, *mode, xc, oc);
                }
                if whole < x.len() {
                    let mut codes = [0u8; 3];
                    let tail = &mut codes[..x.len() - whole];
                    crate::arch::encode_chunk_bytes(backend, p, *mode, &x[whole..], false, tail);
                    pack::pack(tail, 6, Layout::Dense, &mut out[whole * 3 / 4..])?;
                }
                return Ok(());
            }
            if bits < 8 {
                let mut codes = [0u8; CHUNK];
                for (xc, oc) in x
                    .chunks(CHUNK)
                    .zip(out.chunks_mut(CHUNK * bits as usize / 8))
                {
                    let codes = &mut codes[..xc.len()];
                    crate::arch::encode_chunk_bytes(backend, p, *mode, xc, false, codes);
                    pack::pack(codes, bits, Layout::Dense, oc)?;
                }
                return Ok(());
            }
        }
        let mut codes = [0u16; CHUNK];
        for (ci, (xc, oc)) in x
            .chunks(CHUNK)
            .zip(out.chunks_mut(CHUNK * bits as usize / 8))
            .enumerate()
        {
            let codes = &mut codes[..xc.len()];
            match &lane {
                Some((p, mode)) => crate::arch::encode_chunk(backend, p, *mode, xc, codes),
                None => {
                    let base = (ci * CHUNK) as u64;
                    for (i, (c, &v)) in codes.iter_mut().zip(xc).enumerate() {
                        let r = per_element(rounding, base + i as u64);
                        *c = self.encode(v, r, overflow) as u16;
                    }
                }
            }
            pack::pack(codes, bits, Layout::Dense, oc)?;
        }
        Ok(())
    }

    /// Encodes f64 values (each rounded once, on the scalar tier).
    ///
    /// # Errors
    /// [`Error::Length`] if `out` has the wrong size.
    ///
    /// ```
    /// use lowbit::{ElementFormat, Overflow, Rounding};
    /// // 1.0625 + 2^-30 rounds once, up to 1.125 (through f32 it would tie down to 1.0).
    /// let mut out = [0u8; 1];
    /// ElementFormat::FLOAT8_E4M3FN
    ///     .encode_slice_f64(&[1.0625 + 2f64.powi(-30)], Rounding::NearestEven, Overflow::Saturate, &mut out)
    ///     .unwrap();
    /// assert_eq!(out, [0x39]);
    /// ```
    pub fn encode_slice_f64(
        &self,
        x: &[f64],
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.encode_generic(
            x.len(),
            |i| self.encode_f64(x[i], per_element(rounding, i as u64), overflow),
            out,
        )
    }

    /// Encodes f16 values (each rounded once).
    ///
    /// # Errors
    /// [`Error::Length`] if `out` has the wrong size.
    ///
    /// ```
    /// use half::f16;
    /// use lowbit::{ElementFormat, Overflow, Rounding};
    /// let x = [f16::from_f32(1.5), f16::from_f32(-3.0)];
    /// let mut out = [0u8; 1];
    /// ElementFormat::FLOAT4_E2M1FN.encode_slice_f16(&x, Rounding::NearestEven, Overflow::Saturate, &mut out).unwrap();
    /// assert_eq!(out, [0x3 | 0xD << 4]);
    /// ```
    pub fn encode_slice_f16(
        &self,
        x: &[f16],
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.encode_generic(
            x.len(),
            |i| self.encode_f16(x[i], per_element(rounding, i as u64), overflow),
            out,
        )
    }

    /// Encodes bf16 values (each rounded once).
    ///
    /// # Errors
    /// [`Error::Length`] if `out` has the wrong size.
    ///
    /// ```
    /// use half::bf16;
    /// use lowbit::{ElementFormat, Overflow, Rounding};
    /// let mut out = [0u8; 1];
    /// ElementFormat::FLOAT8_E5M2.encode_slice_bf16(&[bf16::from_f32(2.0)], Rounding::NearestEven, Overflow::Saturate, &mut out).unwrap();
    /// assert_eq!(out, [0x40]);
    /// ```
    pub fn encode_slice_bf16(
        &self,
        x: &[bf16],
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.encode_generic(
            x.len(),
            |i| self.encode_bf16(x[i], per_element(rounding, i as u64), overflow),
            out,
        )
    }

    /// Encodes `x / scale` (the quotient formed in f64, then rounded once into the format;
    /// exact for power-of-two scales), the encode half of a scaled format: a NaN quotient is
    /// stored as [`stored_nan`](Self::stored_nan), as every scaled format stores NaN.
    ///
    /// # Errors
    /// [`Error::Length`] if `out` has the wrong size.
    ///
    /// ```
    /// use lowbit::{ElementFormat, Overflow, Rounding};
    /// // x / 2^-4: 0.25 becomes 4.0, which E2M1 holds exactly.
    /// let mut out = [0u8; 1];
    /// ElementFormat::FLOAT4_E2M1FN.encode_slice_scaled(&[0.25, 0.375], 0.0625, Rounding::NearestEven, Overflow::Saturate, &mut out).unwrap();
    /// assert_eq!(out, [0x6 | 0x7 << 4]); // 4.0 and 6.0
    /// ```
    pub fn encode_slice_scaled(
        &self,
        x: &[f32],
        scale: f32,
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        let s = scale as f64;
        self.encode_generic(
            x.len(),
            |i| {
                let r = per_element(rounding, i as u64);
                self.encode_stored_f64(x[i] as f64 / s, r, overflow)
            },
            out,
        )
    }

    fn encode_generic(
        &self,
        n: usize,
        mut f: impl FnMut(usize) -> u32,
        out: &mut [u8],
    ) -> Result<(), Error> {
        Error::check_len("packed output", self.packed_len(n)?, out.len())?;
        let bits = self.bits();
        let mut codes = [0u16; CHUNK];
        for (ci, oc) in out.chunks_mut(CHUNK * bits as usize / 8).enumerate() {
            let start = ci * CHUNK;
            let len = CHUNK.min(n - start);
            for (k, c) in codes[..len].iter_mut().enumerate() {
                *c = f(start + k) as u16;
            }
            pack::pack(&codes[..len], bits, Layout::Dense, oc)?;
        }
        Ok(())
    }

    /// Decodes densely packed codes into `out` (its length is the element count) on the best
    /// backend. `bytes` must be exactly [`packed_len`](Self::packed_len)`(out.len())`.
    ///
    /// # Errors
    /// [`Error::Length`] if `bytes` has the wrong size.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// let mut out = [0f32; 2];
    /// ElementFormat::FLOAT8_E4M3FN.decode_slice(&[0x38, 0xFF], &mut out).unwrap();
    /// assert_eq!(out[0], 1.0);
    /// assert!(out[1].is_nan());
    /// assert!(ElementFormat::FLOAT8_E4M3FN.decode_slice(&[0x38], &mut out).is_err());
    /// ```
    pub fn decode_slice(&self, bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
        self.decode_slice_with(Backend::best(), bytes, out)
    }

    /// [`decode_slice`](Self::decode_slice) on a chosen backend.
    ///
    /// # Errors
    /// As `decode_slice`, and [`Error::Unsupported`] if the CPU lacks the backend.
    ///
    /// ```
    /// use lowbit::{Backend, ElementFormat};
    /// let mut out = [0f32; 2];
    /// ElementFormat::INT4.decode_slice_with(Backend::Scalar, &[0xF7], &mut out).unwrap();
    /// assert_eq!(out, [7.0, -1.0]);
    /// ```
    pub fn decode_slice_with(
        &self,
        backend: Backend,
        bytes: &[u8],
        out: &mut [f32],
    ) -> Result<(), Error> {
        backend.check()?;
        Error::check_len("packed input", self.packed_len(out.len())?, bytes.len())?;
        let bits = self.bits();
        if backend != Backend::Scalar && self.decode_halfs(backend, bytes, out) {
            return Ok(());
        }
        if backend == Backend::Scalar || bits > 8 {
            let mut codes = [0u16; CHUNK];
            for (bc, oc) in bytes
                .chunks(CHUNK * bits as usize / 8)
                .zip(out.chunks_mut(CHUNK))
            {
                let codes = &mut codes[..oc.len()];
                pack::unpack(bc, bits, Layout::Dense, codes)?;
                for (o, &c) in oc.iter_mut().zip(codes.iter()) {
                    *o = self.decode(c as u32);
                }
            }
            return Ok(());
        }
        let table = DecodeTable::new(self);
        table.decode(backend, bytes, out)
    }

    /// f32 → float16/bfloat16 with `half`'s slice conversion (F16C where the CPU has it),
    /// which rounds to nearest-even and overflows to ±∞ exactly as the scalar definition does
    /// (checked over the f32 range in the tests); NaN lanes get this crate's canonical NaN.
    /// Returns false for other formats.
    fn encode_halfs(&self, backend: Backend, x: &[f32], out: &mut [u8]) -> bool {
        use half::slice::HalfFloatSliceExt;
        let is_f16 = *self == ElementFormat::FLOAT16;
        if !is_f16 && *self != ElementFormat::BFLOAT16 {
            return false;
        }
        // An aligned output is converted in place (then NaN lanes fixed); otherwise through a
        // bounce buffer.
        if let Ok(codes) = bytemuck::try_cast_slice_mut::<u8, u16>(out)
            && cfg!(target_endian = "little")
        {
            // float16 on x86: the hardware conversion with the NaN fix in one pass; the
            // rest (a short tail, bfloat16, other CPUs) through `half`.
            let done = if is_f16 {
                crate::arch::f32_to_f16(backend, x, codes)
            } else {
                0
            };
            let (x, codes) = (&x[done..], &mut codes[done..]);
            // In chunks, so the NaN check reads inputs still in L1.
            for (xc, cc) in x.chunks(HALF_CHUNK).zip(codes.chunks_mut(HALF_CHUNK)) {
                if is_f16 {
                    bytemuck::cast_slice_mut::<u16, f16>(cc).convert_from_f32_slice(xc);
                } else {
                    bytemuck::cast_slice_mut::<u16, bf16>(cc).convert_from_f32_slice(xc);
                }
                if any_nan(xc) {
                    for (c, v) in cc.iter_mut().zip(xc).filter(|(_, v)| v.is_nan()) {
                        *c = self.encode(*v, Rounding::NearestEven, Overflow::NonFinite) as u16;
                    }
                }
            }
            return true;
        }
        let mut h = [f16::ZERO; CHUNK];
        let mut b = [bf16::ZERO; CHUNK];
        for (xc, oc) in x.chunks(CHUNK).zip(out.chunks_mut(CHUNK * 2)) {
            let n = xc.len();
            let bits: &[u16] = if is_f16 {
                h[..n].convert_from_f32_slice(xc);
                bytemuck::cast_slice(&h[..n])
            } else {
                b[..n].convert_from_f32_slice(xc);
                bytemuck::cast_slice(&b[..n])
            };
            for ((o, &c), v) in oc.chunks_exact_mut(2).zip(bits).zip(xc) {
                let c = if v.is_nan() {
                    self.encode(*v, Rounding::NearestEven, Overflow::NonFinite) as u16
                } else {
                    c
                };
                o.copy_from_slice(&c.to_le_bytes());
            }
        }
        true
    }

    /// float16/bfloat16 → f32 with `half`'s exact slice conversion; false for other formats.
    fn decode_halfs(&self, backend: Backend, bytes: &[u8], out: &mut [f32]) -> bool {
        use half::slice::HalfFloatSliceExt;
        let is_f16 = *self == ElementFormat::FLOAT16;
        if !is_f16 && *self != ElementFormat::BFLOAT16 {
            return false;
        }
        let canon = |o: &mut f32| {
            *o = if o.is_sign_negative() {
                -f32::NAN
            } else {
                f32::NAN
            }
        };
        if let Ok(codes) = bytemuck::try_cast_slice::<u8, u16>(bytes)
            && cfg!(target_endian = "little")
        {
            let done = if is_f16 {
                crate::arch::f16_to_f32(backend, codes, out)
            } else {
                0
            };
            let (codes, out) = (&codes[done..], &mut out[done..]);
            // In chunks, so the NaN check reads outputs still in L1.
            for (cc, oc) in codes.chunks(HALF_CHUNK).zip(out.chunks_mut(HALF_CHUNK)) {
                if is_f16 {
                    bytemuck::cast_slice::<u16, f16>(cc).convert_to_f32_slice(oc);
                } else {
                    bytemuck::cast_slice::<u16, bf16>(cc).convert_to_f32_slice(oc);
                }
                if any_nan(oc) {
                    oc.iter_mut().filter(|o| o.is_nan()).for_each(canon);
                }
            }
            return true;
        }
        let mut codes = [0u16; CHUNK];
        for (bc, oc) in bytes.chunks(CHUNK * 2).zip(out.chunks_mut(CHUNK)) {
            let c = &mut codes[..oc.len()];
            for (d, s) in c.iter_mut().zip(bc.chunks_exact(2)) {
                *d = u16::from_le_bytes([s[0], s[1]]);
            }
            if is_f16 {
                let h: &[f16] = bytemuck::cast_slice(c);
                h.convert_to_f32_slice(oc);
            } else {
                let h: &[bf16] = bytemuck::cast_slice(c);
                h.convert_to_f32_slice(oc);
            }
            // `half` keeps NaN payloads; the definition returns the canonical NaN, signed.
            oc.iter_mut().filter(|o| o.is_nan()).for_each(canon);
        }
        true
    }

    /// Decodes and multiplies by `scale` (one f32 multiply per element; exact for power-of-two
    /// scales that keep the result in range).
    ///
    /// # Errors
    /// As [`decode_slice`](Self::decode_slice).
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// let mut out = [0f32; 2];
    /// ElementFormat::INT4.decode_slice_scaled(&[0xF7], 0.5, &mut out).unwrap();
    /// assert_eq!(out, [3.5, -0.5]);
    /// ```
    pub fn decode_slice_scaled(
        &self,
        bytes: &[u8],
        scale: f32,
        out: &mut [f32],
    ) -> Result<(), Error> {
        self.decode_slice(bytes, out)?;
        for v in out.iter_mut() {
            *v *= scale;
        }
        Ok(())
    }

    /// Decodes into f16 (each value rounded once, nearest-even).
    ///
    /// # Errors
    /// As [`decode_slice`](Self::decode_slice).
    ///
    /// ```
    /// use half::f16;
    /// use lowbit::ElementFormat;
    /// let mut out = [f16::ZERO; 1];
    /// ElementFormat::FLOAT8_E4M3FN.decode_slice_f16(&[0x38], &mut out).unwrap();
    /// assert_eq!(out, [f16::ONE]);
    /// ```
    pub fn decode_slice_f16(&self, bytes: &[u8], out: &mut [f16]) -> Result<(), Error> {
        self.decode_narrow(bytes, out, f16::from_f32)
    }

    /// Decodes into bf16 (each value rounded once, nearest-even).
    ///
    /// # Errors
    /// As [`decode_slice`](Self::decode_slice).
    ///
    /// ```
    /// use half::bf16;
    /// use lowbit::ElementFormat;
    /// let mut out = [bf16::ZERO; 1];
    /// ElementFormat::FLOAT8_E8M0FNU.decode_slice_bf16(&[130], &mut out).unwrap();
    /// assert_eq!(out, [bf16::from_f32(8.0)]);
    /// ```
    pub fn decode_slice_bf16(&self, bytes: &[u8], out: &mut [bf16]) -> Result<(), Error> {
        self.decode_narrow(bytes, out, bf16::from_f32)
    }

    fn decode_narrow<T>(
        &self,
        bytes: &[u8],
        out: &mut [T],
        conv: fn(f32) -> T,
    ) -> Result<(), Error> {
        Error::check_len("packed input", self.packed_len(out.len())?, bytes.len())?;
        let bits = self.bits() as usize;
        let mut tmp = [0f32; CHUNK];
        for (bc, oc) in bytes.chunks(CHUNK * bits / 8).zip(out.chunks_mut(CHUNK)) {
            let t = &mut tmp[..oc.len()];
            self.decode_slice(bc, t)?;
            for (o, &v) in oc.iter_mut().zip(t.iter()) {
                *o = conv(v);
            }
        }
        Ok(())
    }

    /// Encodes into a new vector of packed bytes.
    ///
    /// # Errors
    /// On a size overflow.
    ///
    /// ```
    /// use lowbit::{ElementFormat, Overflow, Rounding};
    /// let uint2: ElementFormat = "uint2".parse().unwrap();
    /// let v = uint2.encode_vec(&[0.0, 1.0, 2.0, 3.0], Rounding::NearestEven, Overflow::Saturate).unwrap();
    /// assert_eq!(v, [0b11_10_01_00]);
    /// ```
    #[cfg(feature = "alloc")]
    pub fn encode_vec(
        &self,
        x: &[f32],
        rounding: Rounding,
        overflow: Overflow,
    ) -> Result<alloc::vec::Vec<u8>, Error> {
        let mut out = alloc::vec![0u8; self.packed_len(x.len())?];
        self.encode_slice(x, rounding, overflow, &mut out)?;
        Ok(out)
    }

    /// Decodes `n` elements from packed bytes into a new vector.
    ///
    /// # Errors
    /// [`Error::Length`] if `bytes` does not hold exactly `n` codes.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// let uint2: ElementFormat = "uint2".parse().unwrap();
    /// assert_eq!(uint2.decode_vec(&[0b11_10_01_00], 4).unwrap(), [0.0, 1.0, 2.0, 3.0]);
    /// assert!(uint2.decode_vec(&[0], 5).is_err());
    /// ```
    #[cfg(feature = "alloc")]
    pub fn decode_vec(&self, bytes: &[u8], n: usize) -> Result<alloc::vec::Vec<f32>, Error> {
        Error::check_len("packed input", self.packed_len(n)?, bytes.len())?;
        let mut out = alloc::vec![0f32; n];
        self.decode_slice(bytes, &mut out)?;
        Ok(out)
    }
}

/// Whether any element is NaN (a branch-free fold, so it vectorizes).
#[inline]
fn any_nan(x: &[f32]) -> bool {
    x.iter().fold(false, |a, v| a | v.is_nan())
}

/// Elements per call into `half`'s slice conversions on the f16/bf16 paths.
const HALF_CHUNK: usize = 4096;

/// Decode tables of a format of at most 8 bits, built once and reused across chunks (the
/// block formats decode many short chunks with one table).
pub(crate) struct DecodeTable {
    bits: u32,
    lut: [f32; 256],
    pairs: [[f32; 2]; 256],
    /// 8-bit float formats decode arithmetically instead (no gathers) on AVX-512.
    float8: Option<crate::block::FloatDecode>,
}

impl DecodeTable {
    /// The tables of `f` (which must have at most 8 bits).
    pub(crate) fn new(f: &ElementFormat) -> Self {
        let bits = f.bits();
        debug_assert!(bits <= 8);
        let mut lut = [0f32; 256];
        for (c, v) in lut.iter_mut().enumerate().take(1 << bits) {
            *v = f.decode(c as u32);
        }
        let mut pairs = [[0f32; 2]; 256];
        if bits == 4 {
            for (b, p) in pairs.iter_mut().enumerate() {
                *p = [lut[b & 15], lut[b >> 4]];
            }
        }
        let float8 = match f {
            ElementFormat::Float(spec) if bits == 8 => crate::block::FloatDecode::new(spec),
            _ => None,
        };
        DecodeTable {
            bits,
            lut,
            pairs,
            float8,
        }
    }

    /// The first 16 table entries (a 4-bit format's whole table).
    pub(crate) fn first16(&self) -> [f32; 16] {
        let mut t = [0f32; 16];
        t.copy_from_slice(&self.lut[..16]);
        t
    }

    /// Decodes densely packed codes (`bytes` exactly the packed size of `out`).
    pub(crate) fn decode(
        &self,
        backend: Backend,
        bytes: &[u8],
        out: &mut [f32],
    ) -> Result<(), Error> {
        let bits = self.bits;
        match bits {
            // Measured here: the arithmetic decode beats the table only with AVX-512
            // (E4M3 4.3 vs 3.9 G elem/s in cache; AVX2 2.9 vs 4.0, SSE2 1.2 vs 3.2).
            8 => match (&self.float8, backend) {
                (Some(d), Backend::Avx512) => crate::arch::decode_float8(backend, d, bytes, out),
                _ => crate::arch::decode_u8(backend, &self.lut, bytes, out),
            },
            4 => {
                let even = out.len() & !1;
                // AVX-512: whole 16-byte groups through a register table (vpermps).
                let mut t16 = [0f32; 16];
                t16.copy_from_slice(&self.lut[..16]);
                let done = crate::arch::decode_nibbles_perm(
                    backend,
                    &t16,
                    &bytes[..even / 2],
                    &mut out[..even],
                );
                crate::arch::decode_nibbles(
                    backend,
                    &self.pairs,
                    &bytes[done..even / 2],
                    &mut out[2 * done..even],
                );
                if even < out.len() {
                    out[even] = self.lut[(bytes[even / 2] & 15) as usize];
                }
            }
            _ => {
                let mut codes = [0u8; CHUNK];
                for (bc, oc) in bytes
                    .chunks(CHUNK * bits as usize / 8)
                    .zip(out.chunks_mut(CHUNK))
                {
                    let codes = &mut codes[..oc.len()];
                    pack::unpack(bc, bits, Layout::Dense, codes)?;
                    crate::arch::decode_u8(backend, &self.lut, codes, oc);
                }
            }
        }
        Ok(())
    }
}

/// The rounding for element `i` of a slice: a stochastic seed becomes that element's draw.
#[inline(always)]
pub(crate) fn per_element(r: Rounding, i: u64) -> Rounding {
    match r {
        Rounding::Stochastic(seed) => Rounding::Stochastic(crate::round::stochastic_bits(seed, i)),
        r => r,
    }
}
