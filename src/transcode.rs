//! Exact transcoding: codes of one element format to codes of another, code to code, without
//! going through the caller's f32: every source code's exact value (an f64) rounded once into
//! the target. For sources of at most 8 bits the call builds the code-to-code table once
//! from that definition and runs it through the backend's table kernels (4-bit sources from a
//! register); wider sources and stochastic rounding take the definition element by element.

use crate::arch::{Backend, Path};
use crate::element::{ElementFormat, Format};
use crate::error::Error;
use crate::kernels::CHUNK;
use crate::pack::{self, Layout};
use crate::round::{Overflow, Rounding, per_element};

impl ElementFormat {
    /// The code of `to` for the value of `code`: that value (exact, as f64) rounded once into
    /// `to` with `rounding` and `overflow`, as [`Format::encode_f64`] would round it. NaN
    /// codes give `to`'s NaN with the sign [`Format::decode`] gives them (the negative-zero
    /// NaN of fnuz and P3109 formats decodes as −NaN), `+0` where `to` has no NaN.
    ///
    /// # Errors
    /// [`Error::CodeOutOfRange`] if `code ≥ 2^bits`.
    ///
    /// ```
    /// use lowbit::{ElementFormat as F, Overflow, Rounding};
    /// let r = (Rounding::NearestEven, Overflow::Saturate);
    /// // E2M1 6.0 (code 7) is E4M3FN 6.0 (code 0x4C).
    /// assert_eq!(F::FLOAT4_E2M1FN.transcode(&F::FLOAT8_E4M3FN, 7, r.0, r.1).unwrap(), 0x4C);
    /// // E4M3FN 1.125 (0x39) is not an E5M2 value: it ties 1.0 and 1.25, to even (1.0).
    /// assert_eq!(F::FLOAT8_E4M3FN.transcode(&F::FLOAT8_E5M2, 0x39, r.0, r.1).unwrap(), 0x3C);
    /// ```
    pub fn transcode(
        &self,
        to: &ElementFormat,
        code: u32,
        rounding: Rounding,
        overflow: Overflow,
    ) -> Result<u32, Error> {
        Ok(to.encode_f64(self.try_decode_f64(code)?, rounding, overflow))
    }

    /// Whether transcoding into `to` is exact: every value of this format is a value of
    /// `to` (every finite value, ±∞ where this format has them, NaN where it has NaN), so
    /// [`transcode`](Self::transcode) keeps every value in every mode and policy. A −0 may
    /// become +0 (they are equal values) where `to` has no −0. Checked on every code.
    ///
    /// ```
    /// use lowbit::ElementFormat as F;
    /// assert!(F::FLOAT4_E2M1FN.transcodes_exactly_to(&F::FLOAT8_E4M3FN));
    /// assert!(F::INT4.transcodes_exactly_to(&F::FLOAT8_E4M3FN));
    /// assert!(!F::FLOAT8_E4M3FN.transcodes_exactly_to(&F::FLOAT8_E5M2));
    /// assert!(F::FLOAT8_E5M2.transcodes_exactly_to(&F::FLOAT16));
    /// ```
    #[must_use]
    pub fn transcodes_exactly_to(&self, to: &ElementFormat) -> bool {
        self.codes().all(|c| {
            let v = self.decode_f64(c);
            let back = to.decode_f64(to.encode_f64(v, Rounding::NearestEven, Overflow::NonFinite));
            back == v || (back.is_nan() && v.is_nan())
        })
    }

    /// Transcodes `n` densely packed codes of this format into densely packed codes of
    /// `to`, on the best backend: element `i` is [`transcode`](Self::transcode) of code `i`
    /// (with [`Rounding::Stochastic`]`(seed)`, the draw
    /// [`stochastic_bits`](crate::stochastic_bits)`(seed, i)`). `codes` must be
    /// [`packed_len`](Self::packed_len)`(n)` bytes and `out` `to.packed_len(n)`.
    ///
    /// # Errors
    /// [`Error::Length`] if a buffer has the wrong size.
    ///
    /// ```
    /// use lowbit::{ElementFormat as F, Overflow, Rounding};
    /// // Two E2M1 codes (0.5 and -6.0) as E4M3FN bytes.
    /// let mut out = [0u8; 2];
    /// F::FLOAT4_E2M1FN
    ///     .transcode_slice(&F::FLOAT8_E4M3FN, &[0xF1], 2, Rounding::NearestEven, Overflow::Saturate, &mut out)
    ///     .unwrap();
    /// assert_eq!(out, [0x30, 0xCC]);
    /// ```
    pub fn transcode_slice(
        &self,
        to: &ElementFormat,
        codes: &[u8],
        n: usize,
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.transcode_slice_with(Backend::best(), to, codes, n, rounding, overflow, out)
    }

    /// [`transcode_slice`](Self::transcode_slice) on a chosen backend.
    ///
    /// # Errors
    /// As `transcode_slice`, and [`Error::Unsupported`] if the CPU lacks the backend.
    ///
    /// ```
    /// use lowbit::{Backend, ElementFormat as F, Overflow, Rounding};
    /// let codes: Vec<u8> = (0..=255).collect();
    /// let mut want = vec![0u8; 256];
    /// let r = (Rounding::NearestEven, Overflow::Saturate);
    /// F::FLOAT8_E4M3FN.transcode_slice_with(Backend::Scalar, &F::FLOAT8_E5M2, &codes, 256, r.0, r.1, &mut want).unwrap();
    /// for b in Backend::available() {
    ///     let mut got = vec![0u8; 256];
    ///     F::FLOAT8_E4M3FN.transcode_slice_with(b, &F::FLOAT8_E5M2, &codes, 256, r.0, r.1, &mut got).unwrap();
    ///     assert_eq!(got, want);
    /// }
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn transcode_slice_with(
        &self,
        backend: Backend,
        to: &ElementFormat,
        codes: &[u8],
        n: usize,
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        let path = backend.path()?;
        let (fb, tb) = (self.bits(), to.bits());
        Error::check_len("packed input", self.packed_len(n)?, codes.len())?;
        Error::check_len("packed output", to.packed_len(n)?, out.len())?;
        let table = match path {
            Path::Kernels(k) if fb <= 8 && tb <= 8 && !rounding.is_stochastic() => {
                let mut t = [0u8; 256];
                for (c, v) in t.iter_mut().enumerate().take(1 << fb) {
                    *v = to.encode_f64(self.decode_f64(c as u32), rounding, overflow) as u8;
                }
                Some((k, t))
            }
            _ => None,
        };
        let Some((k, t)) = table else {
            return self.transcode_each(to, codes, n, rounding, overflow, out);
        };
        let mut t16 = [0u8; 16];
        t16.copy_from_slice(&t[..16]);
        match (fb, tb) {
            (4, 8) => {
                let even = n & !1;
                (k.transcode_nibbles_wide)(&t16, &codes[..even / 2], &mut out[..even]);
                if even < n {
                    out[even] = t16[(codes[even / 2] & 15) as usize];
                }
            }
            (4, 4) => {
                (k.transcode_nibbles)(&t16, codes, out);
                if n % 2 == 1 {
                    // The pad nibble of the last byte stays 0.
                    out[n / 2] &= 0x0F;
                }
            }
            (8, 8) => (k.transcode_u8)(&t, codes, out),
            _ => {
                let mut a = [0u8; CHUNK];
                let mut b = [0u8; CHUNK];
                let (ib, ob) = (CHUNK * fb as usize / 8, CHUNK * tb as usize / 8);
                for (i, (cc, oc)) in codes.chunks(ib).zip(out.chunks_mut(ob)).enumerate() {
                    let len = CHUNK.min(n - i * CHUNK);
                    let (a, b) = (&mut a[..len], &mut b[..len]);
                    pack::unpack_u8_at(cc, fb, 0, a);
                    (k.transcode_u8)(&t, a, b);
                    pack::pack_u8_at(b, tb, 0, oc);
                }
            }
        }
        Ok(())
    }

    /// The definition, element by element (any widths, any mode).
    fn transcode_each(
        &self,
        to: &ElementFormat,
        codes: &[u8],
        n: usize,
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        let (fb, tb) = (self.bits(), to.bits());
        let mut a = [0u16; CHUNK];
        let mut b = [0u16; CHUNK];
        let (ib, ob) = (CHUNK * fb as usize / 8, CHUNK * tb as usize / 8);
        for (i, (cc, oc)) in codes.chunks(ib).zip(out.chunks_mut(ob)).enumerate() {
            let len = CHUNK.min(n - i * CHUNK);
            let (a, b) = (&mut a[..len], &mut b[..len]);
            pack::unpack(cc, fb, Layout::Dense, a)?;
            for (j, (o, &c)) in b.iter_mut().zip(a.iter()).enumerate() {
                let r = per_element(rounding, (i * CHUNK + j) as u64);
                *o = to.encode_f64(self.decode_f64(c as u32), r, overflow) as u16;
            }
            pack::pack(b, tb, Layout::Dense, oc)?;
        }
        Ok(())
    }
}
