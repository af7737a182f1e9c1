//! Parallel forms (`_par`) of the slice and 1-D scaled-format entry points on rayon's
//! thread pool (the `rayon` feature). Each cuts its slice at multiples of the format's chunk
//! unit, converts the pieces on the pool with the serial code (stochastic rounding offset to
//! each piece's first element, a tensor-wide amax measured first and given to every piece),
//! and so writes exactly the bytes of the serial call; the tests compare them on every
//! format.

use alloc::vec;

use rayon::prelude::*;

use crate::element::ElementFormat;
use crate::error::Error;
use crate::real::{Real, Real32};
use crate::round::{Overflow, Rounding};
use crate::scaled::{BlockFormat, Region, Scheme};

/// Elements per piece: a multiple of `unit`, about four pieces per thread, and at least
/// 32 Ki elements (below that a piece costs more to schedule than to convert).
fn piece_len(n: usize, unit: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    let want = n.div_ceil(4 * threads).max(1 << 15);
    want.div_ceil(unit) * unit
}

impl ElementFormat {
    /// [`encode_slice`](Self::encode_slice) on rayon's pool: the same bytes.
    ///
    /// # Errors
    /// As `encode_slice`.
    ///
    /// ```
    /// use lowbit::{ElementFormat, Overflow, Rounding};
    /// let f = ElementFormat::FLOAT4_E2M1FN;
    /// let x: Vec<f32> = (0..100_000).map(|i| (i as f32 * 0.01).sin() * 6.0).collect();
    /// let (mut a, mut b) = (vec![0u8; 50_000], vec![0u8; 50_000]);
    /// f.encode_slice(&x, Rounding::Stochastic(1), Overflow::Saturate, &mut a).unwrap();
    /// f.encode_slice_par(&x, Rounding::Stochastic(1), Overflow::Saturate, &mut b).unwrap();
    /// assert_eq!(a, b);
    /// ```
    pub fn encode_slice_par<T: Real + Send + Sync>(
        &self,
        x: &[T],
        rounding: Rounding,
        overflow: Overflow,
        out: &mut [u8],
    ) -> Result<(), Error> {
        Error::check_len("packed output", self.packed_len(x.len())?, out.len())?;
        let p = piece_len(x.len(), self.chunk_unit());
        let pb = self.packed_len(p)?;
        x.par_chunks(p)
            .zip(out.par_chunks_mut(pb))
            .enumerate()
            .try_for_each(|(k, (xc, oc))| {
                self.encode_slice(xc, rounding.offset((k * p) as u64), overflow, oc)
            })
    }

    /// [`decode_slice`](Self::decode_slice) on rayon's pool: the same values.
    ///
    /// # Errors
    /// As `decode_slice`.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// let f = ElementFormat::FLOAT8_E4M3FN;
    /// let codes: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    /// let (mut a, mut b) = (vec![0f32; 100_000], vec![0f32; 100_000]);
    /// f.decode_slice(&codes, &mut a).unwrap();
    /// f.decode_slice_par(&codes, &mut b).unwrap();
    /// assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
    /// ```
    pub fn decode_slice_par<T: Real + Send + Sync>(
        &self,
        bytes: &[u8],
        out: &mut [T],
    ) -> Result<(), Error> {
        Error::check_len("packed input", self.packed_len(out.len())?, bytes.len())?;
        let p = piece_len(out.len(), self.chunk_unit());
        let pb = self.packed_len(p)?;
        bytes
            .par_chunks(pb)
            .zip(out.par_chunks_mut(p))
            .try_for_each(|(bc, oc)| self.decode_slice(bc, oc))
    }
}

impl BlockFormat {
    /// The tensor amax the pieces need (NVFP4's tensor scale, a whole-tensor region's
    /// scale), measured as the serial call measures it: the largest magnitude, NaN if any
    /// element is NaN (the maximum of the magnitudes' bit patterns, which every order of
    /// reduction gives alike).
    fn par_tensor_amax<T: Real32 + Send + Sync>(&self, x: &[T], p: usize) -> Option<f32> {
        let needed = matches!(
            self.scheme(),
            Scheme::Nvfp4 {
                two_level: true,
                ..
            }
        ) || self.region() == Region::Tensor;
        needed.then(|| {
            let bits = x
                .par_chunks(p)
                .map(|c| {
                    c.iter()
                        .map(|v| v.to_f32().abs().to_bits())
                        .max()
                        .unwrap_or(0)
                })
                .max()
                .unwrap_or(0);
            f32::from_bits(bits)
        })
    }

    /// The piece starting at element `start`: this format with its rounding offset there.
    fn piece_format(&self, start: usize) -> BlockFormat {
        self.with_rounding(self.rounding().offset(start as u64))
    }

    /// [`quantize_dequantize`](Self::quantize_dequantize) on rayon's pool: the same values.
    /// Formats without a [`chunk_unit`](Self::chunk_unit) run serially.
    ///
    /// # Errors
    /// As `quantize_dequantize`.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let x: Vec<f32> = (0..100_000).map(|i| (i as f32 * 0.37).sin()).collect();
    /// let (mut a, mut b) = (vec![0f32; x.len()], vec![0f32; x.len()]);
    /// BlockFormat::NVFP4.quantize_dequantize(&x, &mut a).unwrap();
    /// BlockFormat::NVFP4.quantize_dequantize_par(&x, &mut b).unwrap();
    /// assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
    /// ```
    pub fn quantize_dequantize_par<T: Real32 + Send + Sync>(
        &self,
        x: &[T],
        out: &mut [T],
    ) -> Result<(), Error> {
        Error::check_len("quantize_dequantize output", x.len(), out.len())?;
        let Some(unit) = self.chunk_unit() else {
            return self.quantize_dequantize(x, out);
        };
        let p = piece_len(x.len(), unit);
        let amax = self.par_tensor_amax(x, p);
        x.par_chunks(p)
            .zip(out.par_chunks_mut(p))
            .enumerate()
            .try_for_each(|(k, (xc, oc))| {
                let bf = self.piece_format(k * p);
                match amax {
                    Some(a) => bf.quantize_dequantize_shard(xc, a, oc),
                    None => bf.quantize_dequantize(xc, oc),
                }
            })
    }

    /// [`quantize`](Self::quantize) on rayon's pool: the same codes, scales (zero points
    /// included) and tensor scale. Formats without a [`chunk_unit`](Self::chunk_unit) run
    /// serially.
    ///
    /// # Errors
    /// As `quantize`.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let bf = BlockFormat::INT4_G128;
    /// let x: Vec<f32> = (0..131_072).map(|i| (i as f32 * 0.37).sin()).collect();
    /// let (c, s) = (bf.codes_len(x.len()).unwrap(), bf.scales_len(x.len()).unwrap());
    /// let (mut c1, mut s1, mut c2, mut s2) = (vec![0u8; c], vec![0u8; s], vec![0u8; c], vec![0u8; s]);
    /// let t1 = bf.quantize(&x, &mut c1, &mut s1).unwrap();
    /// let t2 = bf.quantize_par(&x, &mut c2, &mut s2).unwrap();
    /// assert_eq!((c1, s1, t1), (c2, s2, t2));
    /// ```
    pub fn quantize_par<T: Real32 + Send + Sync>(
        &self,
        x: &[T],
        codes: &mut [u8],
        scales: &mut [u8],
    ) -> Result<f32, Error> {
        let n = x.len();
        Error::check_len("block codes", self.codes_len(n)?, codes.len())?;
        Error::check_len("block scales", self.scales_len(n)?, scales.len())?;
        let (Some(unit), Region::Block(bl), false) =
            (self.chunk_unit(), self.region(), x.is_empty())
        else {
            return self.quantize(x, codes, scales);
        };
        let p = piece_len(n, unit);
        let amax = self.par_tensor_amax(x, p);
        let (sb, count) = (self.scale_bytes(), self.scale_count(n));
        let pblocks = p / bl;
        let (sc, zp) = scales.split_at_mut(count * sb);
        // Zero points (after all the scales) are cut alongside the scales; formats without
        // them get empty pieces.
        let zp_piece = if self.has_zero_points() { pblocks } else { 1 };
        let mut zps: vec::Vec<&mut [u8]> = zp.chunks_mut(zp_piece).collect();
        zps.resize_with(n.div_ceil(p), || &mut []);
        let tensor_scale = x
            .par_chunks(p)
            .zip(codes.par_chunks_mut(self.codes_len(p)?))
            .zip(sc.par_chunks_mut(pblocks * sb))
            .zip(zps.par_iter_mut())
            .enumerate()
            .map(|(k, (((xc, cc), scc), zc))| {
                let bf = self.piece_format(k * p);
                let mut rec = vec![0u8; bf.scales_len(xc.len())?];
                let t = match amax {
                    Some(a) => bf.quantize_shard(xc, a, cc, &mut rec)?,
                    None => bf.quantize(xc, cc, &mut rec)?,
                };
                let (s, z) = rec.split_at(scc.len());
                scc.copy_from_slice(s);
                zc.copy_from_slice(z);
                Ok(t)
            })
            .collect::<Result<vec::Vec<f32>, Error>>()?;
        Ok(tensor_scale.first().copied().unwrap_or(1.0))
    }

    /// [`dequantize`](Self::dequantize) on rayon's pool: the same values. Formats without a
    /// [`chunk_unit`](Self::chunk_unit) run serially.
    ///
    /// # Errors
    /// As `dequantize`.
    ///
    /// ```
    /// use lowbit::BlockFormat;
    /// let bf = BlockFormat::MXFP4;
    /// let x: Vec<f32> = (0..100_000).map(|i| (i as f32 * 0.37).sin()).collect();
    /// let (mut c, mut s) = (vec![0u8; bf.codes_len(x.len()).unwrap()], vec![0u8; bf.scales_len(x.len()).unwrap()]);
    /// let t = bf.quantize(&x, &mut c, &mut s).unwrap();
    /// let (mut a, mut b) = (vec![0f32; x.len()], vec![0f32; x.len()]);
    /// bf.dequantize(&c, &s, t, &mut a).unwrap();
    /// bf.dequantize_par(&c, &s, t, &mut b).unwrap();
    /// assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
    /// ```
    pub fn dequantize_par<T: Real32 + Send + Sync>(
        &self,
        codes: &[u8],
        scales: &[u8],
        tensor_scale: f32,
        out: &mut [T],
    ) -> Result<(), Error> {
        let n = out.len();
        Error::check_len("block codes", self.codes_len(n)?, codes.len())?;
        Error::check_len("block scales", self.scales_len(n)?, scales.len())?;
        let (Some(unit), Region::Block(bl)) = (self.chunk_unit(), self.region()) else {
            return self.dequantize(codes, scales, tensor_scale, out);
        };
        let p = piece_len(n, unit);
        let (sb, count) = (self.scale_bytes(), self.scale_count(n));
        let pblocks = p / bl;
        let (sc, zp) = scales.split_at(count * sb);
        codes
            .par_chunks(self.codes_len(p)?)
            .zip(sc.par_chunks(pblocks * sb))
            .zip(out.par_chunks_mut(p))
            .enumerate()
            .try_for_each(|(k, ((cc, scc), oc))| {
                if self.has_zero_points() {
                    let z = &zp[k * pblocks..(k * pblocks + scc.len() / sb).min(zp.len())];
                    let rec = [scc, z].concat();
                    self.dequantize(cc, &rec, tensor_scale, oc)
                } else {
                    self.dequantize(cc, scc, tensor_scale, oc)
                }
            })
    }
}
