//! ISA-specific entry points. All of the crate's `unsafe` lives here: each backend's entry is
//! a thin `#[target_feature]` function around the same `#[inline(always)]` kernel from
//! `element::fast`, called only after the feature was detected.

use core::sync::atomic::{AtomicU8, Ordering};

use crate::element::fast::{self as lanes, LaneParams};
use crate::error::Error;

/// A code path for the bulk kernels.
///
/// ```
/// use lowbit::{Backend, ElementFormat, Overflow, Rounding};
/// // Every available backend gives the same bits.
/// let x = [0.3f32, -1.7, 448.0, 1e-3];
/// let f = ElementFormat::FLOAT8_E4M3FN;
/// let mut want = [0u8; 4];
/// f.encode_slice_with(Backend::Scalar, &x, Rounding::NearestEven, Overflow::Saturate, &mut want).unwrap();
/// for b in Backend::available() {
///     let mut got = [0u8; 4];
///     f.encode_slice_with(b, &x, Rounding::NearestEven, Overflow::Saturate, &mut got).unwrap();
///     assert_eq!(got, want);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// One element at a time through the scalar definition.
    Scalar,
    /// The branch-free lane kernels, vectorized for the baseline target.
    Portable,
    /// x86_64 with AVX2, FMA and F16C.
    Avx2,
    /// x86_64 with AVX-512 F, BW, VL (and AVX2, FMA, F16C, which its kernels also use).
    Avx512,
    /// aarch64 NEON.
    Neon,
}

impl Backend {
    /// Every backend, fastest last.
    pub const ALL: [Backend; 5] = [
        Backend::Scalar,
        Backend::Portable,
        Backend::Avx2,
        Backend::Avx512,
        Backend::Neon,
    ];

    /// Whether this CPU can run the backend.
    ///
    /// ```
    /// use lowbit::Backend;
    /// assert!(Backend::Scalar.is_available() && Backend::Portable.is_available());
    /// ```
    #[must_use]
    pub fn is_available(self) -> bool {
        match self {
            Backend::Scalar | Backend::Portable => true,
            Backend::Avx2 => crate::arch::has_avx2(),
            Backend::Avx512 => crate::arch::has_avx512(),
            Backend::Neon => crate::arch::has_neon(),
        }
    }

    /// The backends this CPU can run.
    ///
    /// ```
    /// use lowbit::Backend;
    /// assert!(lowbit::Backend::available().any(|b| b == Backend::best()));
    /// ```
    pub fn available() -> impl Iterator<Item = Backend> {
        Self::ALL.into_iter().filter(|b| b.is_available())
    }

    /// The fastest available backend, detected once and cached.
    ///
    /// ```
    /// let b = lowbit::Backend::best();
    /// assert!(b.is_available());
    /// ```
    pub fn best() -> Backend {
        static BEST: AtomicU8 = AtomicU8::new(u8::MAX);
        let i = BEST.load(Ordering::Relaxed);
        if let Some(b) = Self::ALL.get(i as usize) {
            return *b;
        }
        let best = Self::available().last().unwrap_or(Backend::Scalar);
        let idx = Self::ALL.iter().position(|b| *b == best).unwrap_or(0);
        BEST.store(idx as u8, Ordering::Relaxed);
        best
    }

    pub(crate) fn check(self) -> Result<(), Error> {
        if self.is_available() {
            Ok(())
        } else {
            Err(Error::Unsupported("backend not available on this CPU"))
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86;

/// Whether the CPU has AVX2 + FMA + F16C (run-time detection with `std`, else compile-time).
pub(crate) fn has_avx2() -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("fma")
            && std::is_x86_feature_detected!("f16c")
    }
    #[cfg(all(target_arch = "x86_64", not(feature = "std")))]
    {
        cfg!(all(
            target_feature = "avx2",
            target_feature = "fma",
            target_feature = "f16c"
        ))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether the CPU has AVX-512 F + BW + VL, and the AVX2, FMA and F16C that the AVX-512
/// entries also enable.
pub(crate) fn has_avx512() -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512vl")
            && has_avx2()
    }
    #[cfg(all(target_arch = "x86_64", not(feature = "std")))]
    {
        cfg!(all(
            target_feature = "avx512f",
            target_feature = "avx512bw",
            target_feature = "avx512vl"
        )) && has_avx2()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether the CPU has NEON (always on aarch64).
pub(crate) fn has_neon() -> bool {
    cfg!(target_arch = "aarch64")
}

/// Encodes a chunk with the lane kernel on `backend` (already checked to be available).
pub(crate) fn encode_chunk(backend: Backend, p: &LaneParams, mode: u8, x: &[f32], out: &mut [u16]) {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::encode_chunk_avx2(p, mode, x, out),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::encode_chunk_avx512(p, mode, x, out),
        // Portable, and Neon (NEON is part of the aarch64 baseline, so the portable build of
        // the kernel is the NEON build there).
        _ => lanes::encode_chunk_any(p, mode, x, out),
    }
}

/// Encodes a chunk into one code per byte, then (for 4-bit formats) packs nibbles, on
/// `backend`. `out` holds `x.len()` bytes, or `x.len() / 2` when `nibbles` (x.len() even).
pub(crate) fn encode_chunk_bytes(
    backend: Backend,
    p: &LaneParams,
    mode: u8,
    x: &[f32],
    nibbles: bool,
    out: &mut [u8],
) {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::encode_bytes_avx2(p, mode, x, nibbles, out),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::encode_bytes_avx512(p, mode, x, nibbles, out),
        _ => lanes_encode_bytes(p, mode, x, nibbles, out),
    }
}

/// The shared body of [`encode_chunk_bytes`], inlined into every backend.
#[inline(always)]
pub(crate) fn lanes_encode_bytes(
    p: &LaneParams,
    mode: u8,
    x: &[f32],
    nibbles: bool,
    out: &mut [u8],
) {
    if nibbles {
        let mut codes = [0u8; crate::slice::CHUNK];
        let codes = &mut codes[..x.len()];
        lanes::encode_chunk_u8_any(p, mode, x, codes);
        lanes::pack_nibbles(codes, out);
    } else {
        lanes::encode_chunk_u8_any(p, mode, x, out);
    }
}

/// Encodes a chunk (at most `CHUNK` elements, a multiple of 4) into packed 6-bit codes on
/// `backend`.
pub(crate) fn encode_chunk_sixes(
    backend: Backend,
    p: &LaneParams,
    mode: u8,
    x: &[f32],
    out: &mut [u8],
) {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::encode_sixes_avx2(p, mode, x, out),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::encode_sixes_avx512(p, mode, x, out),
        _ => lanes_encode_sixes(p, mode, x, out),
    }
}

/// The shared body of [`encode_chunk_sixes`].
#[inline(always)]
pub(crate) fn lanes_encode_sixes(p: &LaneParams, mode: u8, x: &[f32], out: &mut [u8]) {
    let mut codes = [0u8; crate::slice::CHUNK];
    let codes = &mut codes[..x.len()];
    lanes::encode_chunk_u8_any(p, mode, x, codes);
    lanes::pack_sixes(codes, out);
}

/// Block fake quantization on `backend` (the same code, compiled with its features).
pub(crate) fn block_qdq(
    backend: Backend,
    bf: &crate::block::BlockFormat,
    f: &crate::block::FastElem,
    nv: Option<&crate::block::Nv>,
    x: &[f32],
    out: &mut [f32],
) {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::block_qdq_avx2(bf, f, nv, x, out),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::block_qdq_avx512(bf, f, nv, x, out),
        _ => bf.qdq_fast(f, nv, x, out),
    }
}

/// Block quantization to stored form on `backend`; false where the fast path does not
/// apply (see `BlockFormat::quantize_fast`).
pub(crate) fn block_quantize(
    backend: Backend,
    bf: &crate::block::BlockFormat,
    f: &crate::block::FastElem,
    nv: Option<&crate::block::Nv>,
    x: &[f32],
    codes: &mut [u8],
    scales: &mut [u8],
) -> bool {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::block_quantize_avx2(bf, f, nv, x, codes, scales),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::block_quantize_avx512(bf, f, nv, x, codes, scales),
        _ => bf.quantize_fast(f, nv, x, codes, scales),
    }
}

/// Group-wise INT fake quantization on `backend`.
pub(crate) fn group_qdq(
    backend: Backend,
    g: &crate::group::GroupFormat,
    x: &[f32],
    cols: usize,
    out: &mut [f32],
) {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::group_qdq_avx2(g, x, cols, out),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::group_qdq_avx512(g, x, cols, out),
        _ => g.qdq_rows_kernel(x, cols, out),
    }
}

/// Group-wise INT quantization on `backend`.
pub(crate) fn group_quantize(
    backend: Backend,
    g: &crate::group::GroupFormat,
    x: &[f32],
    cols: usize,
    codes: &mut [u8],
    scales: &mut [f32],
    zeros: &mut [u8],
) {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::group_quantize_avx2(g, x, cols, codes, scales, zeros),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::group_quantize_avx512(g, x, cols, codes, scales, zeros),
        _ => g.quantize_rows_kernel(x, cols, codes, scales, zeros),
    }
}

/// Block dequantization to f32 on `backend`.
pub(crate) fn block_dequantize(
    backend: Backend,
    bf: &crate::block::BlockFormat,
    table: &crate::slice::DecodeTable,
    nv: Option<&crate::block::Nv>,
    codes: &[u8],
    scales: &[u8],
    out: &mut [f32],
) -> Result<(), crate::Error> {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::block_dequantize_avx2(bf, table, nv, codes, scales, out),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::block_dequantize_avx512(bf, table, nv, codes, scales, out),
        _ => bf.dequantize_kernel(table, nv, codes, scales, out),
    }
}

/// float16 codes from f32 (nearest-even, infinities on overflow, canonical NaNs) with the
/// hardware conversion; returns how many leading elements were converted (0 where the
/// backend has none).
pub(crate) fn f32_to_f16(backend: Backend, x: &[f32], out: &mut [u16]) -> usize {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::f32_to_f16_avx2(x, out),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::f32_to_f16_avx512(x, out),
        _ => {
            let _ = (x, out);
            0
        }
    }
}

/// f32 from float16 codes (exact, canonical NaNs) with the hardware conversion; returns how
/// many leading elements were converted (0 where the backend has none).
pub(crate) fn f16_to_f32(backend: Backend, h: &[u16], out: &mut [f32]) -> usize {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::f16_to_f32_avx2(h, out),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::f16_to_f32_avx512(h, out),
        _ => {
            let _ = (h, out);
            0
        }
    }
}

/// Decodes one-byte float codes arithmetically on `backend`.
pub(crate) fn decode_float8(
    backend: Backend,
    d: &crate::block::FloatDecode,
    codes: &[u8],
    out: &mut [f32],
) {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::decode_float8_avx512(d, codes, out),
        _ => d.decode_slice(codes, out),
    }
}

/// Decodes 8-bit codes through a table on `backend`.
///
/// The AVX-512 tier runs the 256-bit table kernel: measured on Zen 4, 16-lane gathers decode
/// E4M3 at 1.9 G elem/s against 3.5 for 8-lane ones (docs/benchmarks.md). Every AVX-512 CPU
/// has AVX2.
pub(crate) fn decode_u8(backend: Backend, lut: &[f32; 256], codes: &[u8], out: &mut [f32]) {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 | Backend::Avx512 => x86::decode_u8_avx2(lut, codes, out),
        _ => lanes::decode_u8_lut(lut, codes, out),
    }
}

/// Decodes dense 4-bit codes through a table of pairs on `backend` (the AVX-512 tier uses the
/// 256-bit kernel, as for [`decode_u8`]).
pub(crate) fn decode_nibbles(
    backend: Backend,
    pairs: &[[f32; 2]; 256],
    bytes: &[u8],
    out: &mut [f32],
) {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 | Backend::Avx512 => x86::decode_nibbles_avx2(pairs, bytes, out),
        _ => lanes::decode_nibbles_lut(pairs, bytes, out),
    }
}

/// Decodes 4-bit codes through a 16-entry register table where the backend has one
/// (AVX-512 `vpermps`); returns the bytes consumed (0 elsewhere).
pub(crate) fn decode_nibbles_perm(
    backend: Backend,
    table: &[f32; 16],
    bytes: &[u8],
    out: &mut [f32],
) -> usize {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::decode_nibbles_perm_avx512(table, bytes, out),
        _ => {
            let _ = (table, bytes, out);
            0
        }
    }
}

/// 4-bit codes in blocks of `bl` (16 or 32) to `(table[q] · a[k]) · b[k]` where the backend
/// has a fused kernel (AVX-512); returns the elements written (0 elsewhere).
pub(crate) fn dequant_nibble_blocks(
    backend: Backend,
    table: &[f32; 16],
    bytes: &[u8],
    a: &[f32],
    b: &[f32],
    bl: usize,
    out: &mut [f32],
) -> usize {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::dequant_nibble_blocks_avx512(table, bytes, a, b, bl, out),
        _ => {
            let _ = (table, bytes, a, b, bl, out);
            0
        }
    }
}

/// Dense 2-bit ternary codes to i8 on `backend`.
pub(crate) fn trits_to_i8(backend: Backend, bytes: &[u8], out: &mut [i8]) {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::trits_to_i8_avx2(bytes, out),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::trits_to_i8_avx512(bytes, out),
        _ => crate::ternary::kernels::trits_to_i8(bytes, out),
    }
}

/// Dense 2-bit ternary × i8 dot product on `backend`.
pub(crate) fn dot_twobit(backend: Backend, bytes: &[u8], a: &[i8]) -> i32 {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::dot_twobit_avx2(bytes, a),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::dot_twobit_avx512(bytes, a),
        _ => crate::ternary::kernels::dot_twobit(bytes, a),
    }
}
