//! Backends and their kernel tables. All of the crate's `unsafe` lives here.
//!
//! Each backend is one `static` table of [`Kernels`]: every body from `crate::kernels`
//! (`#[inline(always)]`, free of target features) stamped into an entry compiled with that
//! backend's target features (`x86/`), or as it is for the portable table. A table is
//! handed out only by [`Backend::path`], after detection, so holding one proves that the
//! CPU has its features. Callers pick the table once per call and run every kernel of the
//! call from it; no kernel dispatches again.

use core::sync::atomic::{AtomicU8, Ordering};

use crate::element::codebook::CodebookLanes;
use crate::element::fast::{Grid, LaneParams};
use crate::error::Error;
use crate::kernels::codebook;
use crate::kernels::e4m3::{self, E4m3Blocks};
use crate::kernels::element::{self, DecodeTable, IntLane};
use crate::kernels::quotient;
use crate::kernels::scaled::{self, Affine, AffineParams, FactorRule, Plan};
use crate::kernels::transcode;
use crate::kernels::trits;
use crate::kernels::{gguf_dq, gguf_kq, gguf_q};

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
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => x86::has_avx2(),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => x86::has_avx512(),
            Backend::Neon => cfg!(target_arch = "aarch64"),
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Avx2 | Backend::Avx512 => false,
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

    /// What runs on this backend: the definition for [`Backend::Scalar`], else its table of
    /// kernels. The tables are reachable only through here, after the CPU was found to have
    /// the backend's features, which is what makes calling their entries sound.
    ///
    /// # Errors
    /// [`Error::Unsupported`] if the CPU lacks the backend.
    pub(crate) fn path(self) -> Result<Path, Error> {
        if !self.is_available() {
            return Err(Error::Unsupported("backend not available on this CPU"));
        }
        Ok(match self {
            Backend::Scalar => Path::Definition,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => Path::Kernels(&x86::AVX2),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => Path::Kernels(&x86::AVX512),
            // Portable, and Neon: NEON is part of the aarch64 baseline, so the portable
            // build of every kernel is the NEON build there.
            _ => Path::Kernels(&PORTABLE),
        })
    }
}

#[cfg(target_arch = "x86_64")]
mod x86;

/// What a call runs on the backend it was given.
pub(crate) enum Path {
    /// The scalar definition, element by element ([`Backend::Scalar`]).
    Definition,
    /// A backend's kernels.
    Kernels(&'static Kernels),
}

/// The list of kernels, each with its signature and its body on the portable, AVX2 and
/// AVX-512 backends (one place to add a kernel). `$m` receives the list.
macro_rules! for_each_kernel {
    ($m:ident!($($pre:tt)*)) => { $m! { $($pre)*
        /// f32 → one code per byte through the lane encoder.
        encode_u8(p: &LaneParams, x: &[f32], out: &mut [u8])
            = [element::encode_u8, element::encode_u8, element::encode_u8];
        /// `encode_u8` of `x · r` standing for `x / s` (grid `2^k` ulps); whether any lane
        /// must be redone from the quotients.
        encode_u8_mul(p: &LaneParams, x: &[f32], r: f32, k: u32, out: &mut [u8]) -> bool
            = [element::encode_u8_mul, element::encode_u8_mul, element::encode_u8_mul];
        /// f32 → codes of up to 16 bits.
        encode_u16(p: &LaneParams, x: &[f32], out: &mut [u16])
            = [element::encode_u16, element::encode_u16, element::encode_u16];
        /// f32 → packed 4-bit codes (at most a chunk, an even count).
        encode_nibbles(p: &LaneParams, x: &[f32], out: &mut [u8])
            = [element::encode_nibbles, element::encode_nibbles, element::encode_nibbles];
        /// 4-bit codes, one per byte (an even count), packed two per byte.
        pack_pairs(codes: &[u8], out: &mut [u8])
            = [element::pack_pairs, element::pack_pairs, element::pack_pairs];
        /// f32 → packed 6-bit codes (at most a chunk, a multiple of 4).
        encode_sixes(p: &LaneParams, x: &[f32], out: &mut [u8])
            = [element::encode_sixes, element::encode_sixes, element::encode_sixes];
        /// One-byte codes → f32 (AVX2: 8-bit floats through the float16 conversion; AVX-512:
        /// arithmetic for 8-bit floats, else the AVX2 kernel: docs/benchmarks.md).
        decode_u8(t: &DecodeTable, codes: &[u8], out: &mut [f32])
            = [element::decode_u8, super::x86::decode_u8_avx2, super::x86::decode_u8_avx512];
        /// Dense 6-bit codes (whole groups of four per three bytes) → f32.
        decode_sixes(t: &DecodeTable, bytes: &[u8], out: &mut [f32])
            = [element::decode_sixes, element::decode_sixes, super::x86::decode_sixes_avx512];
        /// f32 → integer codes of at most 8 bits, one per byte.
        encode_int_u8(p: &IntLane, x: &[f32], out: &mut [u8])
            = [element::encode_int_u8, element::encode_int_u8, element::encode_int_u8];
        /// f32 → packed 4-bit integer codes (an even count).
        encode_int_nibbles(p: &IntLane, x: &[f32], out: &mut [u8])
            = [element::encode_int_nibbles, element::encode_int_nibbles, element::encode_int_nibbles];
        /// `encode_int_u8` of `x · r` standing for `x / s`; whether any lane must be redone.
        encode_int_u8_mul(p: &IntLane, x: &[f32], r: f32, out: &mut [u8]) -> bool
            = [element::encode_int_u8_mul, element::encode_int_u8_mul, element::encode_int_u8_mul];
        /// f32 → 16-bit integer codes.
        encode_int_u16(p: &IntLane, x: &[f32], out: &mut [u16])
            = [element::encode_int_u16, element::encode_int_u16, element::encode_int_u16];
        /// `encode_int_u16` of `x · r` standing for `x / s`; whether any lane must be redone.
        encode_int_u16_mul(p: &IntLane, x: &[f32], r: f32, out: &mut [u16]) -> bool
            = [element::encode_int_u16_mul, element::encode_int_u16_mul, element::encode_int_u16_mul];
        /// `x / s` in f64 rounded to odd in f32; whether any lane fell outside f32's
        /// normal range.
        div_to_odd(x: &[f32], s: f64, out: &mut [f32]) -> bool
            = [quotient::div_to_odd, quotient::div_to_odd_fma, quotient::div_to_odd_fma];
        /// `x · r` (`r` = 1/s in f32); whether any lane may encode unlike the exact
        /// quotient `x / s` in a float format whose boundaries are `2^k` ulps apart.
        mul_checked(x: &[f32], r: f32, k: u32, out: &mut [f32]) -> bool
            = [quotient::mul_checked, quotient::mul_checked, quotient::mul_checked];
        /// Dense 4-bit codes → f32 (`out.len()` even; AVX2 and AVX-512: a register table).
        decode_nibbles(t: &DecodeTable, bytes: &[u8], out: &mut [f32])
            = [element::decode_pairs4, super::x86::decode_nibbles_avx2, super::x86::decode_nibbles_avx512];
        /// f32 → float16 codes in hardware over the longest whole-vector prefix; returns
        /// its length (0 where the backend has no conversion).
        f32_to_f16(x: &[f32], mode: u8, out: &mut [u16]) -> usize
            = [element::none_f32_to_f16, super::x86::f32_to_f16_avx2, super::x86::f32_to_f16_avx512];
        /// f32 → bfloat16 codes in a lane mode (`true`: ±∞ results saturate to ±max).
        f32_to_bf16(x: &[f32], mode: u8, saturate: bool, out: &mut [u16])
            = [element::f32_to_bf16, element::f32_to_bf16, element::f32_to_bf16];
        /// bfloat16 codes → f32.
        bf16_to_f32(h: &[u16], out: &mut [f32])
            = [element::bf16_to_f32, element::bf16_to_f32, element::bf16_to_f32];
        /// float16 codes: ±∞ → ±max.
        saturate_f16(codes: &mut [u16])
            = [element::saturate_f16, element::saturate_f16, element::saturate_f16];
        /// float16 codes → f32, as `f32_to_f16`.
        f16_to_f32(h: &[u16], out: &mut [f32]) -> usize
            = [element::none_u16_to_f32, super::x86::f16_to_f32_avx2, super::x86::f16_to_f32_avx512];
        /// Per-block largest magnitude.
        amax_blocks(x: &[f32], n: usize, out: &mut [f32])
            = [scaled::amax_blocks, scaled::amax_blocks, scaled::amax_blocks];
        /// Per-block smallest and largest values.
        min_max_blocks(x: &[f32], n: usize, lo: &mut [f32], hi: &mut [f32])
            = [scaled::min_max_blocks, scaled::min_max_blocks, scaled::min_max_blocks];
        /// Fake quantization onto a float grid, nearest even.
        qdq_grid(g: &Grid, x: &[f32], n: usize, plans: &[Plan], out: &mut [f32])
            = [scaled::qdq_grid, scaled::qdq_grid, scaled::qdq_grid];
        /// Fake quantization through codes (any lane mode).
        qdq_lane(p: &LaneParams, t: &DecodeTable, x: &[f32], n: usize, plans: &[Plan], out: &mut [f32])
            = [scaled::qdq_lane, scaled::qdq_lane, scaled::qdq_lane];
        /// Fused fake quantization of power-of-two-scaled blocks (MX FLOOR); returns the
        /// mask of blocks left to the caller.
        qdq_pow2(g: &Grid, x: &[f32], n: usize, emax: i32, shift: i32, codes: &mut [u8], out: &mut [f32]) -> u64
            = [scaled::qdq_pow2, scaled::qdq_pow2, scaled::qdq_pow2];
        /// Fused element inputs and scale codes of power-of-two-scaled blocks; same mask.
        pre_pow2(x: &[f32], n: usize, emax: i32, shift: i32, codes: &mut [u8], y: &mut [f32]) -> u64
            = [scaled::pre_pow2, super::x86::pre_pow2_avx2, super::x86::pre_pow2_avx512];
        /// Fused fake quantization of E4M3-scaled blocks (NVFP4); returns the mask of blocks
        /// left to the caller.
        qdq_e4m3(p: &E4m3Blocks, g: &Grid, x: &[f32], n: usize, codes: &mut [u8], out: &mut [f32]) -> u64
            = [e4m3::qdq_e4m3, super::x86::qdq_e4m3_avx2, super::x86::qdq_e4m3_avx512];
        /// Fused element inputs and scale codes of E4M3-scaled blocks; same mask.
        pre_e4m3(p: &E4m3Blocks, x: &[f32], n: usize, codes: &mut [u8], y: &mut [f32]) -> u64
            = [e4m3::pre_e4m3, super::x86::pre_e4m3_avx2, super::x86::pre_e4m3_avx512];
        /// Per-block dequantization factors from one-byte scale codes through a table.
        lut_factors(table: &[f32; 256], codes: &[u8], rule: FactorRule, t: f32, out: &mut [(f32, f32)])
            = [scaled::lut_factors, scaled::lut_factors, scaled::lut_factors];
        /// Per-block element inputs.
        pre_blocks(x: &[f32], n: usize, plans: &[Plan], y: &mut [f32])
            = [scaled::pre_blocks, scaled::pre_blocks, scaled::pre_blocks];
        /// Per-block dequantization factors applied to decoded values.
        post_blocks(v: &[f32], n: usize, factors: &[(f32, f32)], out: &mut [f32])
            = [scaled::post_blocks, scaled::post_blocks, scaled::post_blocks];
        /// One-byte codes decoded and scaled per block.
        decode_post_u8(t: &DecodeTable, codes: &[u8], n: usize, factors: &[(f32, f32)], out: &mut [f32])
            = [scaled::decode_post_u8, super::x86::decode_post_u8_avx2, scaled::decode_post_u8];
        /// Dense 4-bit codes in blocks of 16 or 32, decoded and scaled in one pass where the
        /// backend has it (AVX2, AVX-512); returns the elements written.
        dequant_nibble_blocks(t16: &[f32; 16], bytes: &[u8], factors: &[(f32, f32)], n: usize, out: &mut [f32]) -> usize
            = [scaled::none_nibble_blocks, super::x86::dequant_nibble_blocks_avx2, super::x86::dequant_nibble_blocks_avx512];
        /// Integer codes with zero points.
        affine_codes(c: &Affine, x: &[f32], n: usize, params: &[AffineParams], out: &mut [u8])
            = [scaled::affine_codes, scaled::affine_codes, scaled::affine_codes];
        /// Fake quantization with integer codes and zero points.
        affine_qdq(c: &Affine, x: &[f32], n: usize, params: &[AffineParams], out: &mut [f32])
            = [scaled::affine_qdq, scaled::affine_qdq, scaled::affine_qdq];
        /// Values of integer codes with zero points.
        affine_dequant(c: &Affine, signed: bool, codes: &[u8], n: usize, params: &[AffineParams], out: &mut [f32])
            = [scaled::affine_dequant, scaled::affine_dequant, scaled::affine_dequant];
        /// f32 → codebook codes, one per byte (thresholds from the definition).
        encode_codebook(p: &CodebookLanes, x: &[f32], out: &mut [u8])
            = [codebook::encode_codebook, codebook::encode_codebook, codebook::encode_codebook];
        /// One-byte codes to one-byte codes of another format through a table.
        transcode_u8(t: &[u8; 256], codes: &[u8], out: &mut [u8])
            = [transcode::transcode_u8, transcode::transcode_u8, transcode::transcode_u8];
        /// Dense 4-bit codes to one byte each through a 16-entry table (AVX2, AVX-512: the
        /// table in a register, `vpshufb`).
        transcode_nibbles_wide(t: &[u8; 16], bytes: &[u8], out: &mut [u8])
            = [transcode::transcode_nibbles_wide, super::x86::transcode_nibbles_wide_avx2, super::x86::transcode_nibbles_wide_avx2];
        /// Dense 4-bit codes to dense 4-bit codes through a 16-entry table (AVX2, AVX-512:
        /// `vpshufb`).
        transcode_nibbles(t: &[u8; 16], bytes: &[u8], out: &mut [u8])
            = [transcode::transcode_nibbles, super::x86::transcode_nibbles_avx2, super::x86::transcode_nibbles_avx2];
        /// Dense 2-bit ternary codes → i8.
        trits_to_i8(bytes: &[u8], out: &mut [i8])
            = [trits::trits_to_i8, trits::trits_to_i8, trits::trits_to_i8];
        /// Dense 2-bit ternary codes → `(code − 1) · scale` in f32.
        trits_to_f32(bytes: &[u8], scale: f32, out: &mut [f32])
            = [trits::trits_to_f32, trits::trits_to_f32, trits::trits_to_f32];
        /// Dense 2-bit ternary × i8 dot product over at most `DOT_BYTES` bytes.
        dot_twobit(bytes: &[u8], a: &[i8]) -> i32
            = [trits::dot_twobit, trits::dot_twobit, trits::dot_twobit];
        // GGUF: ggml's block types (kernels/gguf_dq.rs, kernels/gguf_q.rs). Each block kernel
        // takes at most 64 blocks and returns the mask of those left to the definition.
        /// GGUF Q4_0 blocks → f32.
        gguf_dq_q4_0(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q4_0, gguf_dq::dq_q4_0, super::x86::gguf_dq_q4_0_via_avx2];
        /// GGUF Q4_1 blocks → f32.
        gguf_dq_q4_1(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q4_1, gguf_dq::dq_q4_1, super::x86::gguf_dq_q4_1_via_avx2];
        /// GGUF Q5_0 blocks → f32.
        gguf_dq_q5_0(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q5_0, gguf_dq::dq_q5_0, gguf_dq::dq_q5_0];
        /// GGUF Q5_1 blocks → f32.
        gguf_dq_q5_1(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q5_1, gguf_dq::dq_q5_1, gguf_dq::dq_q5_1];
        /// GGUF Q8_0 blocks → f32.
        gguf_dq_q8_0(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q8_0, gguf_dq::dq_q8_0, super::x86::gguf_dq_q8_0_via_avx2];
        /// GGUF Q8_1 blocks → f32.
        gguf_dq_q8_1(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q8_1, gguf_dq::dq_q8_1, super::x86::gguf_dq_q8_1_via_avx2];
        /// GGUF Q1_0 blocks → f32.
        gguf_dq_q1_0(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q1_0, gguf_dq::dq_q1_0, gguf_dq::dq_q1_0];
        /// GGUF Q2_0 blocks → f32.
        gguf_dq_q2_0(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q2_0, gguf_dq::dq_q2_0, gguf_dq::dq_q2_0];
        /// GGUF Q2_K blocks → f32.
        gguf_dq_q2_k(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q2_k, gguf_dq::dq_q2_k, super::x86::gguf_dq_q2_k_avx512];
        /// GGUF Q3_K blocks → f32.
        gguf_dq_q3_k(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q3_k, gguf_dq::dq_q3_k, gguf_dq::dq_q3_k];
        /// GGUF Q4_K blocks → f32.
        gguf_dq_q4_k(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q4_k, gguf_dq::dq_q4_k, gguf_dq::dq_q4_k];
        /// GGUF Q5_K blocks → f32.
        gguf_dq_q5_k(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q5_k, gguf_dq::dq_q5_k, gguf_dq::dq_q5_k];
        /// GGUF Q6_K blocks → f32.
        gguf_dq_q6_k(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q6_k, gguf_dq::dq_q6_k, gguf_dq::dq_q6_k];
        /// GGUF Q8_K blocks → f32.
        gguf_dq_q8_k(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_q8_k, gguf_dq::dq_q8_k, gguf_dq::dq_q8_k];
        /// GGUF TQ1_0 blocks → f32.
        gguf_dq_tq1_0(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_tq1_0, gguf_dq::dq_tq1_0, super::x86::gguf_dq_tq1_0_via_avx2];
        /// GGUF TQ2_0 blocks → f32.
        gguf_dq_tq2_0(bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_tq2_0, gguf_dq::dq_tq2_0, gguf_dq::dq_tq2_0];
        /// GGUF MXFP4 blocks → f32 (`kv`: the value table).
        gguf_dq_mxfp4(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_mxfp4, super::x86::gguf_dq_mxfp4_avx2, super::x86::gguf_dq_mxfp4_avx512];
        /// GGUF NVFP4 blocks → f32 (`kv`: the value table).
        gguf_dq_nvfp4(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_nvfp4, super::x86::gguf_dq_nvfp4_avx2, super::x86::gguf_dq_nvfp4_avx512];
        /// GGUF IQ4_NL blocks → f32 (`kv`: the value table).
        gguf_dq_iq4_nl(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_iq4_nl, super::x86::gguf_dq_iq4_nl_avx2, super::x86::gguf_dq_iq4_nl_avx512];
        /// GGUF IQ4_XS blocks → f32 (`kv`: the value table).
        gguf_dq_iq4_xs(kv: &[i8; 16], bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_iq4_xs, super::x86::gguf_dq_iq4_xs_avx2, super::x86::gguf_dq_iq4_xs_avx512];
        /// GGUF IQ2_XXS blocks → f32.
        gguf_dq_iq2_xxs(grid: &[u64; 256], ksigns: &[u8; 128], bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_iq2_xxs, gguf_dq::dq_iq2_xxs, super::x86::gguf_dq_iq2_xxs_via_avx2];
        /// GGUF IQ2_XS blocks → f32.
        gguf_dq_iq2_xs(grid: &[u64; 512], ksigns: &[u8; 128], bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_iq2_xs, gguf_dq::dq_iq2_xs, super::x86::gguf_dq_iq2_xs_via_avx2];
        /// GGUF IQ2_S blocks → f32.
        gguf_dq_iq2_s(grid: &[u64; 1024], bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_iq2_s, gguf_dq::dq_iq2_s, super::x86::gguf_dq_iq2_s_via_avx2];
        /// GGUF IQ3_XXS blocks → f32.
        gguf_dq_iq3_xxs(grid: &[u32; 256], ksigns: &[u8; 128], bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_iq3_xxs, gguf_dq::dq_iq3_xxs, super::x86::gguf_dq_iq3_xxs_via_avx2];
        /// GGUF IQ3_S blocks → f32.
        gguf_dq_iq3_s(grid: &[u32; 512], bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_iq3_s, gguf_dq::dq_iq3_s, super::x86::gguf_dq_iq3_s_via_avx2];
        /// GGUF IQ1_S blocks → f32.
        gguf_dq_iq1_s(grid: &[u64; 2048], delta: f32, bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_iq1_s, gguf_dq::dq_iq1_s, super::x86::gguf_dq_iq1_s_via_avx2];
        /// GGUF IQ1_M blocks → f32.
        gguf_dq_iq1_m(grid: &[u64; 2048], delta: f32, bytes: &[u8], out: &mut [f32]) -> u64
            = [gguf_dq::dq_iq1_m, gguf_dq::dq_iq1_m, super::x86::gguf_dq_iq1_m_via_avx2];
        /// f32 → GGUF Q8_0 blocks (plain blocks).
        gguf_q_q8_0(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_q8_0, super::x86::gguf_q_q8_0_avx2, super::x86::gguf_q_q8_0_avx512];
        /// f32 → GGUF Q8_1 blocks (plain blocks).
        gguf_q_q8_1(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_q8_1, super::x86::gguf_q_q8_1_avx2, super::x86::gguf_q_q8_1_avx512];
        /// f32 → GGUF Q4_0 blocks (plain blocks).
        gguf_q_q4_0(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_q4_0, super::x86::gguf_q_q4_0_avx2, super::x86::gguf_q_q4_0_avx512];
        /// f32 → GGUF Q5_0 blocks (plain blocks).
        gguf_q_q5_0(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_q5_0, super::x86::gguf_q_q5_0_avx2, super::x86::gguf_q_q5_0_avx512];
        /// f32 → GGUF Q4_1 blocks (plain blocks).
        gguf_q_q4_1(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_q4_1, super::x86::gguf_q_q4_1_avx2, super::x86::gguf_q_q4_1_avx512];
        /// f32 → GGUF Q5_1 blocks (plain blocks).
        gguf_q_q5_1(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_q5_1, super::x86::gguf_q_q5_1_avx2, super::x86::gguf_q_q5_1_avx512];
        /// f32 → GGUF Q1_0 blocks (plain blocks).
        gguf_q_q1_0(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_q1_0, gguf_q::q_q1_0, gguf_q::q_q1_0];
        /// f32 → GGUF Q2_0 blocks (plain blocks).
        gguf_q_q2_0(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_q2_0, gguf_q::q_q2_0, gguf_q::q_q2_0];
        /// f32 → GGUF TQ1_0 blocks (plain blocks).
        gguf_q_tq1_0(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_tq1_0, super::x86::gguf_q_tq1_0_avx2, super::x86::gguf_q_tq1_0_avx2];
        /// f32 → GGUF TQ2_0 blocks (plain blocks).
        gguf_q_tq2_0(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_tq2_0, super::x86::gguf_q_tq2_0_avx2, super::x86::gguf_q_tq2_0_avx2];
        /// f32 → GGUF Q8_K blocks (plain blocks).
        gguf_q_q8_k(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_q8_k, gguf_q::q_q8_k, gguf_q::q_q8_k];
        /// f32 → GGUF MXFP4 blocks (finite blocks).
        gguf_q_mxfp4(kv: &[i8; 16], x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_mxfp4, gguf_q::q_mxfp4, gguf_q::q_mxfp4];
        /// f32 → GGUF NVFP4 blocks (finite blocks).
        gguf_q_nvfp4(kv: &[i8; 16], x: &[f32], out: &mut [u8]) -> u64
            = [gguf_q::q_nvfp4, gguf_q::q_nvfp4, gguf_q::q_nvfp4];
        /// f32 → GGUF Q2_K blocks (the reference search, plain blocks).
        gguf_q_q2_k(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::q_q2_k, gguf_kq::q_q2_k, gguf_kq::q_q2_k];
        /// f32 → GGUF Q4_K blocks.
        gguf_q_q4_k(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::q_q4_k::<gguf_kq::LibmSqrt>, gguf_kq::q_q4_k::<super::x86::SseSqrt>, gguf_kq::q_q4_k::<super::x86::SseSqrt>];
        /// f32 → GGUF Q5_K blocks.
        gguf_q_q5_k(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::q_q5_k::<gguf_kq::LibmSqrt>, gguf_kq::q_q5_k::<super::x86::SseSqrt>, gguf_kq::q_q5_k::<super::x86::SseSqrt>];
        /// f32 → GGUF Q6_K blocks.
        gguf_q_q6_k(x: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::q_q6_k, gguf_kq::q_q6_k, gguf_kq::q_q6_k];
        /// f32 → GGUF IQ4_NL blocks (the chunk quantizer's search; `kv`: the values).
        gguf_q_iq4_nl(kv: &[i8; 16], x: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::q_iq4_nl, gguf_kq::q_iq4_nl, gguf_kq::q_iq4_nl];
        /// f32 → GGUF IQ4_XS blocks.
        gguf_q_iq4_xs(kv: &[i8; 16], x: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::q_iq4_xs, gguf_kq::q_iq4_xs, gguf_kq::q_iq4_xs];
        /// f32 → GGUF Q2_K blocks with an imatrix (`qw`: the weights of `x`'s columns).
        gguf_qi_q2_k(x: &[f32], qw: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::qi_q2_k::<gguf_kq::LibmSqrt>, gguf_kq::qi_q2_k::<super::x86::SseSqrt>, gguf_kq::qi_q2_k::<super::x86::SseSqrt>];
        /// f32 → GGUF Q3_K blocks with an imatrix.
        gguf_qi_q3_k(x: &[f32], qw: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::qi_q3_k::<gguf_kq::LibmSqrt>, gguf_kq::qi_q3_k::<super::x86::SseSqrt>, gguf_kq::qi_q3_k::<super::x86::SseSqrt>];
        /// f32 → GGUF Q4_K blocks with an imatrix.
        gguf_qi_q4_k(x: &[f32], qw: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::qi_q4_k::<gguf_kq::LibmSqrt>, gguf_kq::qi_q4_k::<super::x86::SseSqrt>, gguf_kq::qi_q4_k::<super::x86::SseSqrt>];
        /// f32 → GGUF Q5_K blocks with an imatrix.
        gguf_qi_q5_k(x: &[f32], qw: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::qi_q5_k::<gguf_kq::LibmSqrt>, gguf_kq::qi_q5_k::<super::x86::SseSqrt>, gguf_kq::qi_q5_k::<super::x86::SseSqrt>];
        /// f32 → GGUF Q6_K blocks with an imatrix.
        gguf_qi_q6_k(x: &[f32], qw: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::qi_q6_k, gguf_kq::qi_q6_k, gguf_kq::qi_q6_k];
        /// f32 → GGUF IQ4_NL blocks with an imatrix.
        gguf_qi_iq4_nl(kv: &[i8; 16], x: &[f32], qw: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::qi_iq4_nl::<gguf_kq::LibmSqrt>, gguf_kq::qi_iq4_nl::<super::x86::SseSqrt>, gguf_kq::qi_iq4_nl::<super::x86::SseSqrt>];
        /// f32 → GGUF IQ4_XS blocks with an imatrix.
        gguf_qi_iq4_xs(kv: &[i8; 16], x: &[f32], qw: &[f32], out: &mut [u8]) -> u64
            = [gguf_kq::qi_iq4_xs::<gguf_kq::LibmSqrt>, gguf_kq::qi_iq4_xs::<super::x86::SseSqrt>, gguf_kq::qi_iq4_xs::<super::x86::SseSqrt>];
        /// f32 → GGUF Q4_0 blocks with an imatrix (`sigma2`: the row's Σx²/n).
        gguf_qi_q4_0(x: &[f32], qw: &[f32], sigma2: f32, out: &mut [u8]) -> u64
            = [gguf_kq::qi_q4_0::<gguf_kq::LibmSqrt>, gguf_kq::qi_q4_0::<super::x86::SseSqrt>, gguf_kq::qi_q4_0::<super::x86::SseSqrt>];
        /// f32 → GGUF Q5_0 blocks with an imatrix.
        gguf_qi_q5_0(x: &[f32], qw: &[f32], sigma2: f32, out: &mut [u8]) -> u64
            = [gguf_kq::qi_q5_0::<gguf_kq::LibmSqrt>, gguf_kq::qi_q5_0::<super::x86::SseSqrt>, gguf_kq::qi_q5_0::<super::x86::SseSqrt>];
        /// f32 → GGUF Q4_1 blocks with an imatrix.
        gguf_qi_q4_1(x: &[f32], qw: &[f32], sigma2: f32, out: &mut [u8]) -> u64
            = [gguf_kq::qi_q4_1::<gguf_kq::LibmSqrt>, gguf_kq::qi_q4_1::<super::x86::SseSqrt>, gguf_kq::qi_q4_1::<super::x86::SseSqrt>];
        /// f32 → GGUF Q5_1 blocks with an imatrix.
        gguf_qi_q5_1(x: &[f32], qw: &[f32], sigma2: f32, out: &mut [u8]) -> u64
            = [gguf_kq::qi_q5_1::<gguf_kq::LibmSqrt>, gguf_kq::qi_q5_1::<super::x86::SseSqrt>, gguf_kq::qi_q5_1::<super::x86::SseSqrt>];
        /// GGUF F16 bytes → f32 (ggml's conversion, NaN payloads kept).
        gguf_f16_row(bytes: &[u8], out: &mut [f32])
            = [gguf_dq::f16_row, super::x86::gguf_f16_row_avx2, super::x86::gguf_f16_row_avx512];
        /// GGUF BF16 bytes → f32.
        gguf_bf16_row(bytes: &[u8], out: &mut [f32])
            = [gguf_dq::bf16_row, gguf_dq::bf16_row, gguf_dq::bf16_row];
        /// GGUF F32 bytes → f32.
        gguf_f32_row(bytes: &[u8], out: &mut [f32])
            = [gguf_dq::f32_row, gguf_dq::f32_row, gguf_dq::f32_row];
        /// f32 → GGUF F16 bytes (ggml's rounding, NaN → 0x7e00 | sign).
        gguf_f16_from_row(x: &[f32], out: &mut [u8])
            = [gguf_q::f16_from_row, super::x86::gguf_f16_from_row_avx2, super::x86::gguf_f16_from_row_avx512];
        /// f32 → GGUF BF16 bytes (ggml's rounding).
        gguf_bf16_from_row(x: &[f32], out: &mut [u8])
            = [gguf_q::bf16_from_row, gguf_q::bf16_from_row, gguf_q::bf16_from_row];
        /// f32 → GGUF F32 bytes.
        gguf_f32_to_row(x: &[f32], out: &mut [u8])
            = [gguf_q::f32_to_row, gguf_q::f32_to_row, gguf_q::f32_to_row];
    } };
}
#[cfg(target_arch = "x86_64")]
pub(crate) use for_each_kernel;

/// Defines [`Kernels`] and the portable table from the list.
macro_rules! define_kernels {
    ($(
        $(#[$doc:meta])*
        $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = [$p:path, $a2:path, $a5:path];
    )*) => {
        /// One backend's kernels: every bulk operation's body compiled for it.
        pub(crate) struct Kernels {
            $( $(#[$doc])* pub(crate) $name: fn($($ty),*) $(-> $ret)?, )*
        }

        /// The portable build of every kernel (NEON's too, on aarch64): each body inlined
        /// into an entry of its own, as in the other tables.
        static PORTABLE: Kernels = Kernels { $( $name: {
            fn entry($($arg: $ty),*) $(-> $ret)? {
                $p($($arg),*)
            }
            entry
        }, )* };
    };
}
for_each_kernel!(define_kernels!());
