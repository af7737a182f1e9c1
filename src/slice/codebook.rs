//! Slice conversions of codebook formats: the threshold encoder on the backends' kernels,
//! decode through the table kernels.

use super::each::{decode_each, decode_table, decode_via_f32, encode_each};
use crate::arch::{Backend, Path};
use crate::element::codebook::Codebook;
use crate::error::Error;
use crate::kernels::CHUNK;
use crate::kernels::element::DecodeTable;
use crate::pack::{self, Layout};
use crate::real::Real;
use crate::round::{Overflow, Rounding, per_element};

impl Codebook {
    /// Bytes that `n` codes take when packed densely (see [`pack`](crate::pack)).
    ///
    /// # Errors
    /// On arithmetic overflow of the size.
    ///
    /// ```
    /// assert_eq!(lowbit::Codebook::NF4.packed_len(5).unwrap(), 3);
    /// ```
    pub fn packed_len(&self, n: usize) -> Result<usize, Error> {
        pack::packed_len(self.bits(), Layout::Dense, n)
    }

    /// Encodes `x` (f32, f64, f16 or bf16) into densely packed codes on the best backend,
    /// as [`ElementFormat::encode_slice`](crate::ElementFormat::encode_slice) does (see [`Codebook`] for the rounding modes;
    /// `overflow` has no effect: beyond the table's range is its nearest end). `out` must be
    /// exactly [`packed_len`](Self::packed_len)`(x.len())` bytes.
    ///
    /// # Errors
    /// [`Error::Length`] if `out` has the wrong size.
    ///
    /// ```
    /// use lowbit::{Codebook, Overflow, Rounding};
    /// let mut packed = [0u8; 2];
    /// Codebook::NF4.encode_slice(&[-1.0f32, 0.0, 0.07, 2.0], Rounding::NearestEven, Overflow::Saturate, &mut packed).unwrap();
    /// assert_eq!(packed, [0x70, 0xF8]); // codes 0, 7, 8, 15, low nibble first
    /// ```
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
    /// use lowbit::{Backend, Codebook, Overflow, Rounding};
    /// let x = [0.3f32, -0.9, 1e-3, 0.55];
    /// let mut want = [0u8; 2];
    /// Codebook::NF4.encode_slice_with(Backend::Scalar, &x, Rounding::NearestEven, Overflow::Saturate, &mut want).unwrap();
    /// for b in Backend::available() {
    ///     let mut got = [0u8; 2];
    ///     Codebook::NF4.encode_slice_with(b, &x, Rounding::NearestEven, Overflow::Saturate, &mut got).unwrap();
    ///     assert_eq!(got, want);
    /// }
    /// ```
    pub fn encode_slice_with<T: Real>(
        &self,
        backend: Backend,
        x: &[T],
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        let _ = overflow;
        let path = backend.path()?;
        let bits = self.bits();
        Error::check_len("packed output", self.packed_len(x.len())?, out.len())?;
        let kernels = match path {
            Path::Kernels(k) if T::EXACT_IN_F32 => self.lanes(rounding).map(|l| (k, l)),
            _ => None,
        };
        let Some((k, lanes)) = kernels else {
            return encode_each(
                bits,
                x.len(),
                |i| {
                    let (neg, c) = x[i].split();
                    self.encode_value(neg, c, per_element(rounding, i as u64)).0
                },
                out,
            );
        };
        let mut buf = [0f32; CHUNK];
        let mut codes = [0u8; CHUNK];
        for (xc, oc) in x
            .chunks(CHUNK)
            .zip(out.chunks_mut(CHUNK * bits as usize / 8))
        {
            let xf = match T::as_f32(xc) {
                Some(xf) => xf,
                None => {
                    T::to_f32s(xc, &mut buf[..xc.len()]);
                    &buf[..xc.len()]
                }
            };
            let codes = &mut codes[..xc.len()];
            (k.encode_codebook)(&lanes, xf, codes);
            match bits {
                8 => oc.copy_from_slice(codes),
                4 => {
                    for (o, pair) in oc.iter_mut().zip(codes.chunks(2)) {
                        *o = pair[0] | pair.get(1).map_or(0, |c| c << 4);
                    }
                }
                _ => pack::pack_u8_at(codes, bits, 0, oc),
            }
        }
        Ok(())
    }

    /// Decodes densely packed codes into `out` (f32, f64, f16 or bf16) on the best backend:
    /// `out[i] = values()[code_i]` (f16/bf16 rounded once, to nearest even). 4-bit tables
    /// decode from a register on AVX2 and AVX-512.
    ///
    /// # Errors
    /// [`Error::Length`] if `bytes` is not [`packed_len`](Self::packed_len)`(out.len())`.
    ///
    /// ```
    /// use lowbit::Codebook;
    /// let mut out = [0f32; 2];
    /// Codebook::IQ4_NL.decode_slice(&[0xF0], &mut out).unwrap();
    /// assert_eq!(out, [-127.0, 113.0]);
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
    /// use lowbit::{Backend, Codebook};
    /// let mut out = [0f32; 2];
    /// Codebook::BNB_FP4.decode_slice_with(Backend::Scalar, &[0xB3], &mut out).unwrap();
    /// assert_eq!(out, [1.0, -1.0]);
    /// ```
    pub fn decode_slice_with<T: Real>(
        &self,
        backend: Backend,
        bytes: &[u8],
        out: &mut [T],
    ) -> Result<(), Error> {
        let path = backend.path()?;
        let bits = self.bits();
        Error::check_len("packed input", self.packed_len(out.len())?, bytes.len())?;
        let table = match path {
            Path::Kernels(k) => Some((k, DecodeTable::from_fn(bits, |c| self.value(c)))),
            Path::Definition => None,
        };
        decode_via_f32(bits, bytes, out, |bc, oc| match &table {
            Some((k, t)) => decode_table(k, t, bits, bc, oc),
            None => decode_each(bits, bc, oc, |c| self.value(c)),
        })
    }
}
