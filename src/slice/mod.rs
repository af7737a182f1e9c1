//! Slice conversions: encode slices of f32, f64, f16 or bf16 into packed codes and decode
//! them back, on the best backend or a chosen one.
//!
//! Three tiers, as in `memchr`: [`Backend::Scalar`] is the semantic definition (the same
//! routine as [`Format::encode`], element by element); the `Portable` tier runs the
//! branch-free kernels that LLVM vectorizes for the baseline ISA; `Avx2`, `Avx512` and
//! `Neon` run the same kernels compiled with those target features. Every tier gives the
//! same bits (the backend-equality tests check all lengths, offsets and the whole spec
//! space). Stochastic rounding, integer formats and f64 inputs take the definition on every
//! backend.

use half::f16;

use crate::arch::Backend;
use crate::arch::{Kernels, Path};
use crate::element::fast::{LaneParams, NE};
use crate::element::{ElementFormat, Format};
use crate::error::Error;
use crate::kernels::CHUNK;
use crate::kernels::element::{DecodeTable, IntLane};
use crate::pack::{self, Layout};
use crate::real::{self, Real};
use crate::round::{Overflow, Rounding, per_element};

mod codebook;
mod each;

use each::{decode_each, decode_table, decode_via_f32, encode_each};

impl ElementFormat {
    /// The chunk unit: the fewest elements whose codes fill whole bytes (8/gcd(bits, 8):
    /// 1 for 8- and 16-bit formats, 2 for 4-bit, 4 for 6-bit, 8 for 3-bit). A slice cut at
    /// multiples of it converts piece by piece into the bytes of one call, when each piece
    /// at element `start` is converted with [`Rounding::offset`]`(start)` (which only
    /// stochastic rounding needs).
    ///
    /// ```
    /// use lowbit::{ElementFormat, Overflow, Rounding};
    /// let f = ElementFormat::FLOAT6_E3M2FN;
    /// assert_eq!(f.chunk_unit(), 4);
    /// let x: Vec<f32> = (0..40).map(|i| i as f32 * 0.3).collect();
    /// let r = Rounding::Stochastic(5);
    /// let mut whole = vec![0u8; f.packed_len(40).unwrap()];
    /// f.encode_slice(&x, r, Overflow::Saturate, &mut whole).unwrap();
    /// let (mut a, mut b) = (vec![0u8; f.packed_len(12).unwrap()], vec![0u8; f.packed_len(28).unwrap()]);
    /// f.encode_slice(&x[..12], r, Overflow::Saturate, &mut a).unwrap();
    /// f.encode_slice(&x[12..], r.offset(12), Overflow::Saturate, &mut b).unwrap();
    /// assert_eq!([a, b].concat(), whole);
    /// ```
    #[must_use]
    pub fn chunk_unit(&self) -> usize {
        let bits = self.bits() as usize;
        let mut g = (bits, 8usize);
        while g.1 != 0 {
            g = (g.1, g.0 % g.1);
        }
        8 / g.0
    }

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

    /// Encodes `x` (f32, f64, f16 or bf16; each value rounded once, from the value itself)
    /// into densely packed codes (see [`pack`](crate::pack)) on the best backend. `out`
    /// must be exactly [`packed_len`](Self::packed_len)`(x.len())` bytes.
    ///
    /// With [`Rounding::Stochastic`]`(seed)`, element `i` uses the draw
    /// [`stochastic_bits`](crate::stochastic_bits)`(seed, i)`.
    ///
    /// ```
    /// use lowbit::{ElementFormat, Overflow, Rounding};
    /// let fp4 = ElementFormat::FLOAT4_E2M1FN;
    /// let mut packed = [0u8; 2];
    /// fp4.encode_slice(&[0.5f32, 1.0, -6.0, 7.0], Rounding::NearestEven, Overflow::Saturate, &mut packed).unwrap();
    /// assert_eq!(packed, [0x21, 0x7F]);
    /// let mut back = [0f32; 4];
    /// fp4.decode_slice(&packed, &mut back).unwrap();
    /// assert_eq!(back, [0.5, 1.0, -6.0, 6.0]);
    /// // f64 values are rounded once: 1.0625 + 2^-30 goes up to 1.125 (through f32 it
    /// // would tie down to 1.0).
    /// let mut out = [0u8; 1];
    /// ElementFormat::FLOAT8_E4M3FN
    ///     .encode_slice(&[1.0625 + 2f64.powi(-30)], Rounding::NearestEven, Overflow::Saturate, &mut out)
    ///     .unwrap();
    /// assert_eq!(out, [0x39]);
    /// ```
    ///
    /// # Errors
    /// [`Error::Length`] if `out` has the wrong size.
    pub fn encode_slice<T: Real>(
        &self,
        x: &[T],
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
    ///     .encode_slice_with(Backend::Scalar, &[2.5f32, -300.0], Rounding::NearestAway, Overflow::Saturate, &mut out)
    ///     .unwrap();
    /// assert_eq!(out, [3, (-128i8) as u8]);
    /// ```
    pub fn encode_slice_with<T: Real>(
        &self,
        backend: Backend,
        x: &[T],
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        if let ElementFormat::Codebook(cb) = self {
            return cb.encode_slice_with(backend, x, rounding, overflow, out);
        }
        let path = backend.path()?;
        Error::check_len("packed output", self.packed_len(x.len())?, out.len())?;
        let (Path::Kernels(k), Some(enc)) = (&path, self.lane_encoder::<T>(rounding, overflow))
        else {
            return encode_each(
                self.bits(),
                x.len(),
                |i| real::encode(self, x[i], per_element(rounding, i as u64), overflow),
                out,
            );
        };
        self.encode_reals(k, &enc, x, out);
        Ok(())
    }

    /// Values of a type exact in f32 into packed codes with a backend's kernels (`out` the
    /// exact packed size): f32 directly, the others a chunk at a time through an exact f32
    /// copy (the same codes as encoding each value itself).
    fn encode_reals<T: Real>(&self, k: &Kernels, enc: &Lanes, x: &[T], out: &mut [u8]) {
        match T::as_f32(x) {
            Some(x) => self.encode_lanes(k, enc, x, out),
            None => {
                let bits = self.bits() as usize;
                let mut buf = [0f32; CHUNK];
                for (xc, oc) in x.chunks(CHUNK).zip(out.chunks_mut(CHUNK * bits / 8)) {
                    let b = &mut buf[..xc.len()];
                    T::to_f32s(xc, b);
                    self.encode_lanes(k, enc, b, oc);
                }
            }
        }
    }

    /// The lane encoder of this format for inputs of type `T`, where one exists: float
    /// formats and integers in every mode but stochastic, inputs exact in f32.
    fn lane_encoder<T: Real>(&self, rounding: Rounding, overflow: Overflow) -> Option<Lanes> {
        if !T::EXACT_IN_F32 {
            return None;
        }
        match self {
            ElementFormat::Float(s) => Some(Lanes::Float(
                LaneParams::new(s, rounding, overflow)?,
                overflow == Overflow::Saturate,
            )),
            ElementFormat::Int(s) => Some(Lanes::Int(IntLane::new(s, rounding)?)),
            ElementFormat::Ternary | ElementFormat::Codebook(_) => None,
        }
    }

    /// The lane encoder of `x / scale` for a positive power-of-two `scale` (2^k), where
    /// [`LaneParams::new_stored_divided`] applies: float formats but float16 and bfloat16
    /// (whose conversions do not take the moved grid), inputs exact in f32, every mode
    /// but stochastic.
    fn divided_lanes<T: Real>(
        &self,
        scale: f32,
        rounding: Rounding,
        overflow: Overflow,
    ) -> Option<LaneParams> {
        let ElementFormat::Float(spec) = self else {
            return None;
        };
        let bits = scale.to_bits();
        let pow2 = scale.is_normal() && scale > 0.0 && bits & 0x007F_FFFF == 0;
        if !T::EXACT_IN_F32
            || !pow2
            || *self == ElementFormat::FLOAT16
            || *self == ElementFormat::BFLOAT16
        {
            return None;
        }
        LaneParams::new_stored_divided(spec, rounding, overflow, (bits >> 23) as i32 - 127)
    }

    /// f32 values into packed codes with a backend's kernels (`out` the exact packed size).
    fn encode_lanes(&self, k: &Kernels, enc: &Lanes, x: &[f32], out: &mut [u8]) {
        match enc {
            Lanes::Float(lane, saturate) => self.encode_f32s(k, lane, *saturate, x, out),
            Lanes::Int(lane) => self.encode_int_f32s(k, lane, x, out),
        }
    }

    /// The codes of at most [`CHUNK`] quotients `x[i] / s` from the products `x[i] · r`
    /// (`r = 1/s` in f32, normal) into `out` (their exact packed size), where no lane lies
    /// near a rounding boundary: integers and floats of at most 8 bits in one pass
    /// (`encode_int_u8_mul`, `encode_u8_mul`), wider floats through the products in `q`
    /// (`mul_checked`). `grid`: a float format's boundary grid, `2^k` ulps. Returns false
    /// where a lane may round unlike its quotient (`out` then holds no useful bytes).
    #[allow(clippy::too_many_arguments)]
    fn encode_products(
        &self,
        k: &Kernels,
        enc: &Lanes,
        x: &[f32],
        r: f32,
        grid: Option<u32>,
        q: &mut [f32],
        out: &mut [u8],
    ) -> bool {
        let bits = self.bits();
        let n = x.len();
        if bits > 8 {
            return match (enc, grid) {
                (Lanes::Int(lane), _) => {
                    let mut codes = [0u16; CHUNK];
                    let codes = &mut codes[..n];
                    if (k.encode_int_u16_mul)(lane, x, r, codes) {
                        return false;
                    }
                    put_le(codes, out);
                    true
                }
                (Lanes::Float(..), Some(g)) if !(k.mul_checked)(x, r, g, q) => {
                    self.encode_lanes(k, enc, q, out);
                    true
                }
                _ => false,
            };
        }
        let fused = |codes: &mut [u8]| match (enc, grid) {
            (Lanes::Int(lane), _) => !(k.encode_int_u8_mul)(lane, x, r, codes),
            (Lanes::Float(lane, _), Some(g)) => !(k.encode_u8_mul)(lane, x, r, g, codes),
            _ => false,
        };
        if bits == 8 {
            return fused(&mut out[..n]);
        }
        let mut codes = [0u8; CHUNK];
        let codes = &mut codes[..n];
        if !fused(codes) {
            return false;
        }
        if bits == 4 {
            let even = n & !1;
            (k.pack_pairs)(&codes[..even], out);
            if even < n {
                out[even / 2] = codes[even];
            }
        } else {
            pack::pack_u8_at(codes, bits, 0, out);
        }
        true
    }

    /// f32 values into packed integer codes with a backend's kernels (`out` the exact
    /// packed size).
    fn encode_int_f32s(&self, k: &Kernels, lane: &IntLane, x: &[f32], out: &mut [u8]) {
        let bits = self.bits() as usize;
        match bits {
            8 => {
                for (xc, oc) in x.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
                    (k.encode_int_u8)(lane, xc, oc);
                }
            }
            4 => {
                let even = x.len() & !1;
                (k.encode_int_nibbles)(lane, &x[..even], &mut out[..even / 2]);
                if even < x.len() {
                    let mut last = [0u8; 1];
                    (k.encode_int_u8)(lane, &x[even..], &mut last);
                    out[even / 2] = last[0];
                }
            }
            16 => {
                let mut codes = [0u16; CHUNK];
                for (xc, oc) in x.chunks(CHUNK).zip(out.chunks_mut(CHUNK * 2)) {
                    let codes = &mut codes[..xc.len()];
                    (k.encode_int_u16)(lane, xc, codes);
                    put_le(codes, oc);
                }
            }
            _ => {
                let mut codes = [0u8; CHUNK];
                for (xc, oc) in x.chunks(CHUNK).zip(out.chunks_mut(CHUNK * bits / 8)) {
                    let codes = &mut codes[..xc.len()];
                    (k.encode_int_u8)(lane, xc, codes);
                    pack::pack_u8_at(codes, bits as u32, 0, oc);
                }
            }
        }
    }

    /// f32 values into packed codes with a backend's kernels (`out` the exact packed size);
    /// `saturate`: the policy, for the float16 and bfloat16 conversions.
    fn encode_f32s(
        &self,
        k: &Kernels,
        lane: &LaneParams,
        saturate: bool,
        x: &[f32],
        out: &mut [u8],
    ) {
        if self.encode_halfs(k, lane, saturate, x, out) {
            return;
        }
        let bits = self.bits() as usize;
        match bits {
            // 8-bit codes go straight to the output, 4- and 6-bit codes through the fused
            // packers, other widths through the byte kernel and the bit packer.
            8 => {
                for (xc, oc) in x.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
                    (k.encode_u8)(lane, xc, oc);
                }
            }
            4 => {
                let even = x.len() & !1;
                for (xc, oc) in x[..even].chunks(CHUNK).zip(out.chunks_mut(CHUNK / 2)) {
                    (k.encode_nibbles)(lane, xc, oc);
                }
                if even < x.len() {
                    let mut last = [0u8; 1];
                    (k.encode_u8)(lane, &x[even..], &mut last);
                    out[even / 2] = last[0];
                }
            }
            6 => {
                // Whole groups of four codes through the fused kernel; a ragged tail below.
                let whole = x.len() & !3;
                for (xc, oc) in x[..whole].chunks(CHUNK).zip(out.chunks_mut(CHUNK * 3 / 4)) {
                    (k.encode_sixes)(lane, xc, oc);
                }
                if whole < x.len() {
                    let mut codes = [0u8; 3];
                    let tail = &mut codes[..x.len() - whole];
                    (k.encode_u8)(lane, &x[whole..], tail);
                    pack::pack_u8_at(tail, 6, whole * 6, out);
                }
            }
            1..8 => {
                let mut codes = [0u8; CHUNK];
                for (xc, oc) in x.chunks(CHUNK).zip(out.chunks_mut(CHUNK * bits / 8)) {
                    let codes = &mut codes[..xc.len()];
                    (k.encode_u8)(lane, xc, codes);
                    pack::pack_u8_at(codes, bits as u32, 0, oc);
                }
            }
            _ => {
                let mut codes = [0u16; CHUNK];
                for (xc, oc) in x.chunks(CHUNK).zip(out.chunks_mut(CHUNK * 2)) {
                    let codes = &mut codes[..xc.len()];
                    (k.encode_u16)(lane, xc, codes);
                    put_le(codes, oc);
                }
            }
        }
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
    /// ElementFormat::FLOAT4_E2M1FN.encode_slice_scaled(&[0.25f32, 0.375], 0.0625, Rounding::NearestEven, Overflow::Saturate, &mut out).unwrap();
    /// assert_eq!(out, [0x6 | 0x7 << 4]); // 4.0 and 6.0
    /// ```
    pub fn encode_slice_scaled<T: Real>(
        &self,
        x: &[T],
        scale: f32,
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.encode_slice_scaled_with(Backend::best(), x, scale, rounding, overflow, out)
    }

    /// [`encode_slice_scaled`](Self::encode_slice_scaled) on a chosen backend.
    ///
    /// # Errors
    /// As `encode_slice_scaled`, and [`Error::Unsupported`] if the CPU lacks the backend.
    ///
    /// ```
    /// use lowbit::{Backend, ElementFormat, Overflow, Rounding};
    /// let f = ElementFormat::FLOAT8_E4M3FN;
    /// let x = [1.0f32, -3.3, f32::NAN, 1e-30];
    /// let mut want = [0u8; 4];
    /// f.encode_slice_scaled_with(Backend::Scalar, &x, 0.1, Rounding::NearestEven, Overflow::Saturate, &mut want).unwrap();
    /// for b in Backend::available() {
    ///     let mut got = [0u8; 4];
    ///     f.encode_slice_scaled_with(b, &x, 0.1, Rounding::NearestEven, Overflow::Saturate, &mut got).unwrap();
    ///     assert_eq!(got, want);
    /// }
    /// ```
    pub fn encode_slice_scaled_with<T: Real>(
        &self,
        backend: Backend,
        x: &[T],
        scale: f32,
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        let path = backend.path()?;
        Error::check_len("packed output", self.packed_len(x.len())?, out.len())?;
        let s = scale as f64;
        let exact = |i: usize| {
            let r = per_element(rounding, i as u64);
            self.encode_stored_f64(x[i].to_f64() / s, r, overflow)
        };
        // The kernels: the quotient rounded to odd in f32, then encoded as an f32 in the
        // same mode. That is one rounding of the f64 quotient for every format here (at most
        // 16 significant bits: `div_to_odd`), except stochastic rounding, which reads the
        // exact value's position between neighbours, and lanes outside f32's normal range,
        // which are redone by the definition and replaced by their code's value (that value
        // encodes back to the same code in every mode).
        if let (Path::Kernels(k), Some(lane)) =
            (&path, self.divided_lanes::<T>(scale, rounding, overflow))
        {
            // A power-of-two scale moves the format's grid instead: the same kernels, no
            // quotient, no lanes to redo. (Not `saturate`: float16 and bfloat16, whose
            // conversions read it, do not take this path.)
            self.encode_reals(k, &Lanes::Float(lane, false), x, out);
            return Ok(());
        }
        let enc = match rounding {
            r if r.is_stochastic() => None,
            _ => self.lane_encoder::<T>(rounding, overflow),
        };
        let (Path::Kernels(k), Some(enc)) = (&path, enc) else {
            return encode_each(self.bits(), x.len(), exact, out);
        };
        // A chunk whose products by 1/s lie clear of every rounding boundary encodes them
        // instead of the quotients (`encode_products`: a multiplication instead of a
        // division); the other chunks form the quotients. Integers, and floats of at most 7
        // mantissa bits (the boundaries at least 2^15 ulps apart, so few chunks are redone)
        // but for a power-of-two scale, whose exact reciprocal `div_to_odd` multiplies by.
        let r = 1.0 / scale;
        let pow2 = scale.to_bits() & 0x007F_FFFF == 0;
        let normal = r.is_normal() && scale.is_normal();
        let grid = match self {
            ElementFormat::Float(f) if normal && !pow2 && f.man_bits() <= 7 => {
                Some(22 - f.man_bits())
            }
            _ => None,
        };
        let products = grid.is_some() || (normal && matches!(self, ElementFormat::Int(_)));
        let bits = self.bits() as usize;
        let (mut xb, mut q) = ([0f32; CHUNK], [0f32; CHUNK]);
        for (ci, (xc, oc)) in x
            .chunks(CHUNK)
            .zip(out.chunks_mut(CHUNK * bits / 8))
            .enumerate()
        {
            let n = xc.len();
            let xs: &[f32] = match T::as_f32(xc) {
                Some(v) => v,
                None => {
                    T::to_f32s(xc, &mut xb[..n]);
                    &xb[..n]
                }
            };
            let q = &mut q[..n];
            if products && self.encode_products(k, &enc, xs, r, grid, q, oc) {
                continue;
            }
            if (k.div_to_odd)(xs, s, q) {
                // Every lane either kernel may have left (a superset: redoing a lane that
                // was right changes nothing).
                for (j, v) in q.iter_mut().enumerate() {
                    let qj = xs[j] as f64 / s;
                    let (a, ax) = (qj.abs(), xs[j].abs());
                    if qj.is_nan()
                        || (ax != 0.0
                            && (ax < crate::kernels::quotient::TINY_X
                                || a < f32::MIN_POSITIVE as f64))
                        || a >= f32::MAX as f64
                    {
                        *v = self.decode(exact(ci * CHUNK + j));
                    }
                }
            }
            self.encode_lanes(k, &enc, q, oc);
        }
        Ok(())
    }

    /// Decodes densely packed codes into `out` (f32, f64, f16 or bf16; its length is the
    /// element count) on the best backend: f32 and f64 hold every value exactly, f16 and
    /// bf16 round each value once, to nearest even. `bytes` must be exactly
    /// [`packed_len`](Self::packed_len)`(out.len())`.
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
    /// let mut h = [half::bf16::ZERO; 1];
    /// ElementFormat::FLOAT8_E8M0FNU.decode_slice(&[130], &mut h).unwrap();
    /// assert_eq!(h, [half::bf16::from_f32(8.0)]);
    /// ```
    pub fn decode_slice<T: Real>(&self, bytes: &[u8], out: &mut [T]) -> Result<(), Error> {
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
    pub fn decode_slice_with<T: Real>(
        &self,
        backend: Backend,
        bytes: &[u8],
        out: &mut [T],
    ) -> Result<(), Error> {
        if let ElementFormat::Codebook(cb) = self {
            return cb.decode_slice_with(backend, bytes, out);
        }
        let path = backend.path()?;
        Error::check_len("packed input", self.packed_len(out.len())?, bytes.len())?;
        decode_via_f32(self.bits(), bytes, out, |bc, oc| {
            self.decode_f32s(&path, bc, oc)
        })
    }

    fn decode_f32s(&self, path: &Path, bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
        let bits = self.bits();
        match path {
            Path::Kernels(k) if self.decode_halfs(k, bytes, out) => Ok(()),
            Path::Kernels(k) if bits <= 8 => {
                decode_table(k, &DecodeTable::new(self), bits, bytes, out)
            }
            // The definition: Scalar, and the other formats wider than a byte.
            _ => decode_each(bits, bytes, out, |c| self.decode(c)),
        }
    }

    /// f32 → float16/bfloat16 codes in the lane's mode: bfloat16 through the bit kernel;
    /// float16 through the hardware conversion where the backend has one and the mode is
    /// one of its rounding controls (nearest even, the directed modes), the rest through
    /// `half` (nearest even) or the lane kernel (the other modes). Both overflow exactly
    /// as the definition does (checked over the f32 range in the tests), then ±∞ becomes
    /// ±max when `saturate`; NaN lanes get the canonical NaN. Returns false for other
    /// formats.
    fn encode_halfs(
        &self,
        k: &Kernels,
        lane: &LaneParams,
        saturate: bool,
        x: &[f32],
        out: &mut [u8],
    ) -> bool {
        if *self != ElementFormat::FLOAT16 && *self != ElementFormat::BFLOAT16 {
            return false;
        }
        // An aligned little-endian output is written in place, otherwise through a buffer.
        if let Ok(codes) = bytemuck::try_cast_slice_mut::<u8, u16>(out)
            && cfg!(target_endian = "little")
        {
            self.encode_halfs_to(k, lane, saturate, x, codes);
            return true;
        }
        let mut codes = [0u16; CHUNK];
        for (xc, oc) in x.chunks(CHUNK).zip(out.chunks_mut(CHUNK * 2)) {
            let c = &mut codes[..xc.len()];
            self.encode_halfs_to(k, lane, saturate, xc, c);
            put_le(c, oc);
        }
        true
    }

    /// [`encode_halfs`](Self::encode_halfs) into native `u16` codes.
    fn encode_halfs_to(
        &self,
        k: &Kernels,
        lane: &LaneParams,
        saturate: bool,
        x: &[f32],
        codes: &mut [u16],
    ) {
        use half::slice::HalfFloatSliceExt;
        if *self == ElementFormat::BFLOAT16 {
            (k.f32_to_bf16)(x, lane.mode, saturate, codes);
            return;
        }
        // float16: the hardware conversion (NaN fix included) over the longest whole-vector
        // prefix, the rest through `half` (nearest even) or the lane kernel; in chunks, so
        // the fixes read data still in L1.
        let done = (k.f32_to_f16)(x, lane.mode, codes);
        if saturate {
            (k.saturate_f16)(&mut codes[..done]);
        }
        let (x, codes) = (&x[done..], &mut codes[done..]);
        if lane.mode != NE {
            (k.encode_u16)(lane, x, codes);
            return;
        }
        for (xc, cc) in x.chunks(HALF_CHUNK).zip(codes.chunks_mut(HALF_CHUNK)) {
            bytemuck::cast_slice_mut::<u16, f16>(cc).convert_from_f32_slice(xc);
            if any_nan(xc) {
                for (c, v) in cc.iter_mut().zip(xc).filter(|(_, v)| v.is_nan()) {
                    *c = self.encode(*v, Rounding::NearestEven, Overflow::NonFinite) as u16;
                }
            }
            if saturate {
                (k.saturate_f16)(cc);
            }
        }
    }

    /// float16/bfloat16 → f32 (exact; NaN codes give the canonical NaN with the code's sign):
    /// float16 through the hardware conversion where the backend has one (else `half`'s),
    /// bfloat16 through the shift kernel. False for other formats.
    fn decode_halfs(&self, k: &Kernels, bytes: &[u8], out: &mut [f32]) -> bool {
        let is_f16 = *self == ElementFormat::FLOAT16;
        if !is_f16 && *self != ElementFormat::BFLOAT16 {
            return false;
        }
        if let Ok(codes) = bytemuck::try_cast_slice::<u8, u16>(bytes)
            && cfg!(target_endian = "little")
        {
            self.decode_halfs_from(k, codes, out);
            return true;
        }
        let mut codes = [0u16; CHUNK];
        for (bc, oc) in bytes.chunks(CHUNK * 2).zip(out.chunks_mut(CHUNK)) {
            let c = &mut codes[..oc.len()];
            for (d, s) in c.iter_mut().zip(bc.chunks_exact(2)) {
                *d = u16::from_le_bytes([s[0], s[1]]);
            }
            self.decode_halfs_from(k, c, oc);
        }
        true
    }

    /// [`decode_halfs`](Self::decode_halfs) from native `u16` codes.
    fn decode_halfs_from(&self, k: &Kernels, codes: &[u16], out: &mut [f32]) {
        use half::slice::HalfFloatSliceExt;
        if *self == ElementFormat::BFLOAT16 {
            (k.bf16_to_f32)(codes, out);
            return;
        }
        let done = (k.f16_to_f32)(codes, out);
        let (codes, out) = (&codes[done..], &mut out[done..]);
        for (cc, oc) in codes.chunks(HALF_CHUNK).zip(out.chunks_mut(HALF_CHUNK)) {
            bytemuck::cast_slice::<u16, f16>(cc).convert_to_f32_slice(oc);
            // `half` keeps NaN payloads; the definition returns the canonical NaN, signed.
            if any_nan(oc) {
                for o in oc.iter_mut().filter(|o| o.is_nan()) {
                    *o = if o.is_sign_negative() {
                        -f32::NAN
                    } else {
                        f32::NAN
                    };
                }
            }
        }
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
        // f32 output only: the product is one f32 rounding (a wider output would hold it
        // exactly, a narrower one round it twice).
        self.decode_slice(bytes, out)?;
        for v in out.iter_mut() {
            *v *= scale;
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
    /// let v = uint2.encode_vec(&[0.0f32, 1.0, 2.0, 3.0], Rounding::NearestEven, Overflow::Saturate).unwrap();
    /// assert_eq!(v, [0b11_10_01_00]);
    /// ```
    #[cfg(feature = "alloc")]
    pub fn encode_vec<T: Real>(
        &self,
        x: &[T],
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

/// A format's lane encoder, built once per call.
enum Lanes {
    /// A float format's, and whether ±∞ saturates (for the float16 and bfloat16
    /// conversions).
    Float(LaneParams, bool),
    /// An integer format's.
    Int(IntLane),
}

/// 16-bit codes into their little-endian bytes (`out` twice as long).
#[inline]
fn put_le(codes: &[u16], out: &mut [u8]) {
    for (o, c) in out.chunks_exact_mut(2).zip(codes) {
        o.copy_from_slice(&c.to_le_bytes());
    }
}
