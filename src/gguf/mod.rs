//! GGUF (ggml) tensor types: every block type llama.cpp writes, quantized and dequantized
//! byte for byte and bit for bit as ggml does, and the plain types GGUF files also hold.
//!
//! [`GgufType`] names each type as ggml does (`q4_K`, `iq2_xxs`, `mxfp4`, …) with its
//! `enum ggml_type` number and block geometry. [`quantize`] writes what
//! `ggml_quantize_chunk` writes without an importance matrix (what llama.cpp's tools put in
//! files), [`quantize_imatrix`] what it writes with one (`llama-quantize --imatrix`), and
//! [`dequantize`] gives `dequantize_row_*`'s values, NaN bits and the sign of zero included.
//! The reference is ggml-quants.c of llama.cpp 0c1e57098 as built for x86-64;
//! `tests/vectors/ggml` holds ggml's own outputs (`scripts/gen_ggml_vectors.py`) and the
//! tests compare every byte.
//!
//! A few of the most common layouts (all little-endian; [docs/gguf.md] draws every type):
//!
//! ```text
//! Q4_0   18 bytes: f16 d | 16 bytes, byte j = q[j] | q[j+16] << 4      x = d · (q − 8)
//! Q8_0   34 bytes: f16 d | 32 × i8                                      x = d · q
//! Q4_K  144 bytes: f16 d | f16 dmin | 12 bytes of 6-bit scales and mins (8 sub-blocks of
//!        32) | 128 bytes of nibbles                                     x = d·sc · q − dmin·m
//! Q6_K  210 bytes: 128 bytes low nibbles | 64 bytes high 2 bits | 16 × i8 scales | f16 d
//!                                                                       x = d · sc · (q − 32)
//! MXFP4  17 bytes: E8M0 e | 16 bytes, same nibble order, E2M1 codes     x = 2^(e−127) · e2m1(q)
//! NVFP4  36 bytes: 4 × UE4M3 d[s] | 4 × 8 bytes; sub-block s of 16 elements: byte 8s + j =
//!        q[16s + j] | q[16s + j + 8] << 4                              x = ue4m3(d[s]) · e2m1(q)
//! ```
//!
//! Where ggml's result depends on its build, this crate gives what the x86-64 build
//! gives: `1/d` of a block so small that it is infinite writes code 0 (x86's conversion of
//! NaN or overflow to an integer is `INT32_MIN`, whose low byte is 0), NaN payloads follow
//! SSE's rules, and `floor(log2f(amax))` uses a correctly rounded `log2f` (glibc's). An
//! AArch64 build of ggml converts overflow by saturating instead and can differ in those
//! blocks (docs/gguf.md lists them). Where ggml aborts the process (the IQ1/IQ2/IQ3
//! quantizers on NaN, inf or overflowing inputs, or IQ2_XXS/IQ2_XS/IQ1_S without an
//! importance matrix) the result is [`Error::Unsupported`].
//!
//! [`GgufProfile::Exact`] quantizes MXFP4 and NVFP4 correctly rounded instead (the OCP
//! FLOOR scale from the bits and nearest-even elements), see [`quantize_profile`].
//!
//! GGUF files: [`GgufFile`] reads one in place (a memory map), [`GgufReader`] from any
//! `Read + Seek`, [`GgufWriter`] writes files llama.cpp loads (module [`file`](mod@file)).
//!
//! [docs/gguf.md]: https://docs.rs/crate/lowbit/latest/source/docs/gguf.md

pub mod file;
mod fp4;
mod ggml;
pub(crate) mod grids;

use crate::Backend;
use crate::error::Error;
use crate::pack::{self, Layout};
pub use file::{
    GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgufError, GgufValueType, MAX_DIMS,
    MAX_NESTING, MAX_TENSOR_NAME,
};
#[cfg(feature = "alloc")]
pub use file::{
    GgufArray, GgufArrayIter, GgufFile, GgufTensor, GgufTensorInfo, GgufValue, GgufWriter,
    ToGgufValue,
};
#[cfg(feature = "std")]
pub use file::{GgufReader, GgufStream};

/// A GGUF tensor type: ggml's `enum ggml_type` (every named entry; the removed ids 4, 5,
/// 31–33 and 36–38 have no variant).
///
/// `Display`/`FromStr` use ggml's own names (`ggml_type_name`: `q4_K`, `iq2_xxs`, `bf16`);
/// parsing also takes them in any letter case (`Q4_K`, `IQ2_XXS`, as gguf-py spells them).
///
/// ```
/// use lowbit::gguf::GgufType;
/// assert_eq!((GgufType::Q4_0.block_bytes(), GgufType::Q4_0.block_len()), (18, 32));
/// assert_eq!((GgufType::Q4K.block_bytes(), GgufType::Q4K.block_len()), (144, 256));
/// assert_eq!((GgufType::Nvfp4.block_bytes(), GgufType::Nvfp4.block_len()), (36, 64));
/// assert_eq!(GgufType::from_id(GgufType::Tq2_0.id()), Some(GgufType::Tq2_0));
/// assert_eq!("q6_K".parse::<GgufType>().unwrap(), GgufType::Q6K);
/// assert_eq!("IQ2_XXS".parse::<GgufType>().unwrap().to_string(), "iq2_xxs");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(non_camel_case_types)]
pub enum GgufType {
    /// IEEE binary32 (not a block type: one element per "block").
    F32,
    /// IEEE binary16.
    F16,
    /// 4-bit symmetric, one f16 scale per 32: `x = d · (q − 8)`.
    Q4_0,
    /// 4-bit with an f16 scale and minimum per 32: `x = d · q + m`.
    Q4_1,
    /// 5-bit symmetric per 32 (the fifth bits in a 32-bit word): `x = d · (q − 16)`.
    Q5_0,
    /// 5-bit with scale and minimum per 32.
    Q5_1,
    /// 8-bit symmetric, one f16 scale per 32.
    Q8_0,
    /// 8-bit with the block's scaled sum (an activation type of ggml's dot products).
    Q8_1,
    /// K-quant, 2 bits: 16 sub-blocks of 16 with 4-bit scales and minimums per 256.
    Q2K,
    /// K-quant, 3 bits: 16 sub-blocks of 16 with 6-bit scales per 256.
    Q3K,
    /// K-quant, 4 bits: 8 sub-blocks of 32 with 6-bit scales and minimums per 256.
    Q4K,
    /// K-quant, 5 bits: as Q4_K with a fifth bit plane.
    Q5K,
    /// K-quant, 6 bits: 16 sub-blocks of 16 with 8-bit scales per 256.
    Q6K,
    /// K-quant, 8 bits, f32 scale and sub-block sums (ggml's activation type for K dots).
    Q8K,
    /// I-quant, 2.06 bits: 8-element E8 lattice points from a 256-entry grid.
    Iq2Xxs,
    /// I-quant, 2.31 bits: a 512-entry grid and 4-bit sub-block scales.
    Iq2Xs,
    /// I-quant, 3.06 bits: 4-element points from a 256-entry grid.
    Iq3Xxs,
    /// I-quant, 1.56 bits: a 2048-entry grid of ternary-like points.
    Iq1S,
    /// 4-bit non-linear codebook per 32 (`kvalues_iq4nl`), f16 scale.
    Iq4Nl,
    /// I-quant, 3.44 bits: a 512-entry grid with explicit signs.
    Iq3S,
    /// I-quant, 2.5 bits: a 1024-entry grid with explicit signs.
    Iq2S,
    /// IQ4_NL's codebook in super-blocks of 256 with 6-bit sub-block scales.
    Iq4Xs,
    /// 8-bit integers (not quantized; no conversion here).
    I8,
    /// 16-bit integers (no conversion here).
    I16,
    /// 32-bit integers (no conversion here).
    I32,
    /// 64-bit integers (no conversion here).
    I64,
    /// IEEE binary64 (no conversion here).
    F64,
    /// I-quant, 1.75 bits: IQ1_S's grid with per-16 3-bit scales.
    Iq1M,
    /// bfloat16.
    Bf16,
    /// Ternary in 1.6875 bits per weight (five trits per byte), f16 scale per 256.
    Tq1_0,
    /// Ternary in 2 bits per weight, f16 scale per 256.
    Tq2_0,
    /// OCP MXFP4 in ggml's block layout: one E8M0 scale per 32 E2M1 elements.
    Mxfp4,
    /// NVFP4 in ggml's block layout: 64 elements, four UE4M3 scales of 16 (no tensor
    /// scale).
    Nvfp4,
    /// 1 bit per weight (sign), one f16 scale per 128.
    Q1_0,
    /// 2 bits per weight, one f16 scale per 64.
    Q2_0,
}

/// Whose quantizer [`quantize_profile`] follows. Dequantization is the same for all.
///
/// ```
/// use lowbit::gguf::{quantize_profile, GgufProfile, GgufType};
/// // 2.5 in a block whose scale is 1 is a tie of 2 and 3: nearest-even picks 2, ggml's argmin
/// // picks the lower index, also 2; -0.2 rounds to -0 exactly and to +0 in ggml.
/// let mut x = [0f32; 32];
/// (x[0], x[1], x[2]) = (4.0, 2.5, -0.2);
/// let (mut a, mut b) = ([0u8; 17], [0u8; 17]);
/// quantize_profile(GgufType::Mxfp4, GgufProfile::Exact, &x, &mut a).unwrap();
/// quantize_profile(GgufType::Mxfp4, GgufProfile::Ggml, &x, &mut b).unwrap();
/// assert_eq!((a[3] & 15, b[3] & 15), (8, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum GgufProfile {
    /// ggml's quantizers byte for byte, quirks included: what `ggml_quantize_chunk` writes
    /// (for Q8_1 and Q8_K, which have none, `quantize_row_*_ref`). MXFP4's scale is
    /// `floor(log2f(amax)) − 2` (one too high when amax is just below a power of two, and
    /// wrapping for amax below 2^−125 or infinite), elements by argmin of the f32 error over
    /// the 16 codes (ties toward the smaller magnitude, +0 rather than −0); NVFP4's scale is
    /// ggml's UE4M3 encoder of `amax/6`.
    #[default]
    Ggml,
    /// ggml's `quantize_row_<type>_ref` functions. The same bytes as [`GgufProfile::Ggml`]
    /// for every type but IQ4_NL, whose `_ref` tries one scale instead of seven (and, for a
    /// block whose amax is below 1e-15, leaves codes that ggml leaves uninitialised; here
    /// they are 0). GGUF files are written with [`GgufProfile::Ggml`].
    GgmlRef,
    /// Correct rounding for MXFP4 and NVFP4: MXFP4 with the OCP FLOOR scale taken from the
    /// bits and nearest-even elements (exactly [`BlockFormat::MXFP4`](crate::BlockFormat::MXFP4), re-laid out); NVFP4
    /// with the UE4M3 scale `amax/6` and the elements `x/d` each rounded once to nearest
    /// even from their exact values. Every other type as [`GgufProfile::Ggml`].
    Exact,
}

impl GgufType {
    /// Every type, in ggml's id order.
    pub const ALL: [GgufType; 35] = {
        let mut all = [GgufType::F32; 35];
        let mut i = 0;
        while i < 35 {
            all[i] = ggml::TYPES[i].t;
            i += 1;
        }
        all
    };

    fn info(self) -> &'static ggml::GgmlType {
        // The table lists the variants in declaration order (checked by a unit test).
        &ggml::TYPES[self as usize]
    }

    /// Bytes per block (`ggml_type_size`).
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufType::Q8_0.block_bytes(), 34);
    /// assert_eq!(lowbit::gguf::GgufType::Iq2Xxs.block_bytes(), 66);
    /// ```
    #[must_use]
    pub fn block_bytes(self) -> usize {
        self.info().block_bytes
    }

    /// Elements per block (`ggml_blck_size`; 1 for the plain types).
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufType::Mxfp4.block_len(), 32);
    /// assert_eq!(lowbit::gguf::GgufType::Tq1_0.block_len(), 256);
    /// assert_eq!(lowbit::gguf::GgufType::F16.block_len(), 1);
    /// ```
    #[must_use]
    pub fn block_len(self) -> usize {
        self.info().block_len
    }

    /// ggml's `enum ggml_type` number, as GGUF files store it.
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufType::Q8_0.id(), 8);
    /// assert_eq!(lowbit::gguf::GgufType::Q4K.id(), 12);
    /// ```
    #[must_use]
    pub fn id(self) -> u32 {
        self.info().id
    }

    /// The type with ggml's number `id`, if ggml names one.
    ///
    /// ```
    /// use lowbit::gguf::GgufType;
    /// assert_eq!(GgufType::from_id(39), Some(GgufType::Mxfp4));
    /// assert_eq!(GgufType::from_id(4), None); // Q4_2, removed from ggml
    /// assert_eq!(GgufType::from_id(1000), None);
    /// ```
    #[must_use]
    pub fn from_id(id: u32) -> Option<GgufType> {
        ggml::TYPES.iter().find(|i| i.id == id).map(|i| i.t)
    }

    /// Whether ggml quantizes this type only with an importance matrix (IQ2_XXS, IQ2_XS,
    /// IQ1_S: `ggml_quantize_requires_imatrix`); [`quantize`] refuses them.
    ///
    /// ```
    /// use lowbit::gguf::GgufType;
    /// assert!(GgufType::Iq2Xxs.requires_imatrix() && !GgufType::Q4K.requires_imatrix());
    /// ```
    #[must_use]
    pub fn requires_imatrix(self) -> bool {
        self.info().requires_imatrix
    }

    /// Whether ggml's quantizer of this type uses an importance matrix when given one
    /// (the legacy Q4/Q5 types, the K-quants but Q8_K, the i-quants); the others ignore it.
    ///
    /// ```
    /// use lowbit::gguf::GgufType;
    /// assert!(GgufType::Q4_0.uses_imatrix() && !GgufType::Q8_0.uses_imatrix());
    /// ```
    #[must_use]
    pub fn uses_imatrix(self) -> bool {
        self.info().uses_imatrix
    }

    /// Bytes of `n` elements (`ggml_row_size`).
    ///
    /// # Errors
    /// [`Error::Length`] if `n` is not a multiple of the block length,
    /// [`Error::SizeOverflow`] if the size does not fit in `usize`.
    ///
    /// ```
    /// use lowbit::gguf::GgufType;
    /// assert_eq!(GgufType::Q4K.bytes_len(4096).unwrap(), 16 * 144);
    /// assert!(GgufType::Q4K.bytes_len(100).is_err());
    /// ```
    pub fn bytes_len(self, n: usize) -> Result<usize, Error> {
        let bl = self.block_len();
        if !n.is_multiple_of(bl) {
            return Err(Error::Length {
                what: "GGUF element count (a multiple of the block length)",
                expected: crate::error::round_up(n, bl),
                actual: n,
            });
        }
        crate::error::mul("GGUF bytes", n / bl, self.block_bytes())
    }
}

impl core::fmt::Display for GgufType {
    /// ggml's type name (`ggml_type_name`).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.info().name)
    }
}

impl core::str::FromStr for GgufType {
    type Err = Error;

    /// ggml's type names (`q4_0`, `q4_K`, `iq2_xxs`, `mxfp4`, `bf16`, …), in any letter
    /// case.
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        ggml::TYPES
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(t))
            .map(|i| i.t)
            .ok_or_else(|| Error::UnknownName(crate::error::NameBuf::new(s)))
    }
}

/// Quantizes `x` (a multiple of [`GgufType::block_len`] long) into GGUF blocks as
/// `ggml_quantize_chunk` does without an importance matrix: the bytes llama.cpp's tools write.
///
/// ```
/// use lowbit::gguf::{quantize, dequantize, GgufType};
/// let x: Vec<f32> = (0..256).map(|i| (i as f32 * 0.37).sin()).collect();
/// let mut q = vec![0u8; GgufType::Q4K.bytes_len(256).unwrap()];
/// quantize(GgufType::Q4K, &x, &mut q).unwrap();
/// let mut y = vec![0f32; 256];
/// dequantize(GgufType::Q4K, &q, &mut y).unwrap();
/// assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() < 0.07));
/// ```
///
/// # Errors
/// [`Error::Length`] for a length that is not whole blocks or a wrong output size;
/// [`Error::Unsupported`] for the integer and f64 types, for IQ2_XXS, IQ2_XS and IQ1_S
/// (which need an importance matrix: [`quantize_imatrix`]) and where ggml would abort (the
/// IQ1/IQ2/IQ3 quantizers on NaN, inf or overflowing input; `out` may then be partly
/// written).
pub fn quantize(t: GgufType, x: &[f32], out: &mut [u8]) -> Result<(), Error> {
    quantize_profile_with(Backend::best(), t, GgufProfile::Ggml, x, out)
}

/// [`quantize`] on a pinned backend. Every backend writes the same bytes:
/// [`Backend::Scalar`] runs the definition (ggml's C rules, operation by operation), the
/// others SIMD kernels on the blocks whose values are plain (finite, not extreme) and the
/// definition on the rest.
///
/// ```
/// use lowbit::Backend;
/// use lowbit::gguf::{quantize_with, GgufType};
/// let x: Vec<f32> = (0..64).map(|i| (i as f32 * 0.7).cos()).collect();
/// let mut want = vec![0u8; GgufType::Q4_0.bytes_len(64).unwrap()];
/// quantize_with(Backend::Scalar, GgufType::Q4_0, &x, &mut want).unwrap();
/// for b in Backend::available() {
///     let mut got = vec![0u8; want.len()];
///     quantize_with(b, GgufType::Q4_0, &x, &mut got).unwrap();
///     assert_eq!(got, want);
/// }
/// ```
///
/// # Errors
/// As [`quantize`], and [`Error::Unsupported`] if this CPU lacks `backend`.
pub fn quantize_with(
    backend: Backend,
    t: GgufType,
    x: &[f32],
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_profile_with(backend, t, GgufProfile::Ggml, x, out)
}

/// Quantizes `x` with an importance matrix as `ggml_quantize_chunk(t, x, …, imatrix)` does
/// (llama.cpp's `--imatrix`): `imatrix` holds one weight per column, its length is the row
/// length, and `x` is whole rows of it. Types whose ggml quantizer does not use one (see
/// [`GgufType::uses_imatrix`]) give [`quantize`]'s bytes. Runs on [`Backend::best`], whose
/// bytes are every backend's (see [`quantize_imatrix_with`]).
///
/// ```
/// use lowbit::gguf::{quantize, quantize_imatrix, GgufType};
/// let x: Vec<f32> = (0..512).map(|i| ((i * 7919) % 255) as f32 / 127.0 - 1.0).collect();
/// let w: Vec<f32> = (0..256).map(|i| 1.0 + (i % 16) as f32).collect(); // rows of 256
/// let (mut a, mut b) = (vec![0u8; 2 * 144], vec![0u8; 2 * 144]);
/// quantize(GgufType::Q4K, &x, &mut a).unwrap();
/// quantize_imatrix(GgufType::Q4K, &x, &w, &mut b).unwrap();
/// assert_ne!(a, b); // the weights move the scales
/// assert!(quantize_imatrix(GgufType::Q4K, &x[..300], &w, &mut b).is_err());
/// ```
///
/// # Errors
/// [`Error::Length`] when `imatrix` is empty or not whole blocks, `x` is not whole rows of
/// it, or `out` has the wrong size; [`Error::Unsupported`] as for [`quantize`] (except the
/// imatrix requirement).
pub fn quantize_imatrix(
    t: GgufType,
    x: &[f32],
    imatrix: &[f32],
    out: &mut [u8],
) -> Result<(), Error> {
    ggml::quantize_imatrix_with(Backend::best(), t, x, imatrix, out)
}

/// [`quantize_imatrix`] on a pinned backend. Every backend writes the same bytes:
/// [`Backend::Scalar`] runs the definition, the others SIMD kernels on the blocks whose
/// values are plain and the definition on the rest (see [`quantize_with`]).
///
/// ```
/// use lowbit::Backend;
/// use lowbit::gguf::{quantize_imatrix_with, GgufType};
/// let x: Vec<f32> = (0..512).map(|i| (i as f32 * 0.37).sin()).collect();
/// let w: Vec<f32> = (0..256).map(|i| 0.5 + (i % 7) as f32).collect();
/// let mut want = vec![0u8; GgufType::Q4K.bytes_len(512).unwrap()];
/// quantize_imatrix_with(Backend::Scalar, GgufType::Q4K, &x, &w, &mut want).unwrap();
/// for b in Backend::available() {
///     let mut got = vec![0u8; want.len()];
///     quantize_imatrix_with(b, GgufType::Q4K, &x, &w, &mut got).unwrap();
///     assert_eq!(got, want);
/// }
/// ```
///
/// # Errors
/// As [`quantize_imatrix`], and [`Error::Unsupported`] if this CPU lacks `backend`.
pub fn quantize_imatrix_with(
    backend: Backend,
    t: GgufType,
    x: &[f32],
    imatrix: &[f32],
    out: &mut [u8],
) -> Result<(), Error> {
    ggml::quantize_imatrix_with(backend, t, x, imatrix, out)
}

/// Quantizes `x` into GGUF blocks following `profile` (see [`GgufProfile`]).
///
/// ```
/// use lowbit::gguf::{quantize_profile, GgufProfile, GgufType};
/// // amax one ulp below 8: log2f rounds up to 3, so ggml's scale is twice OCP's.
/// let mut x = [0.0f32; 32];
/// x[0] = f32::from_bits(8.0f32.to_bits() - 1);
/// let (mut a, mut b) = ([0u8; 17], [0u8; 17]);
/// quantize_profile(GgufType::Mxfp4, GgufProfile::Exact, &x, &mut a).unwrap();
/// quantize_profile(GgufType::Mxfp4, GgufProfile::Ggml, &x, &mut b).unwrap();
/// assert_eq!((a[0], b[0]), (127, 128));
/// ```
///
/// # Errors
/// As [`quantize`].
pub fn quantize_profile(
    t: GgufType,
    profile: GgufProfile,
    x: &[f32],
    out: &mut [u8],
) -> Result<(), Error> {
    quantize_profile_with(Backend::best(), t, profile, x, out)
}

/// [`quantize_profile`] on a pinned backend (the same bytes on every backend, see
/// [`quantize_with`]).
///
/// ```
/// use lowbit::Backend;
/// use lowbit::gguf::{quantize_profile_with, GgufProfile, GgufType};
/// let x = [0.25f32; 32];
/// let mut q = [0u8; 18];
/// quantize_profile_with(Backend::Scalar, GgufType::Iq4Nl, GgufProfile::GgmlRef, &x, &mut q).unwrap();
/// ```
///
/// # Errors
/// As [`quantize`], and [`Error::Unsupported`] if this CPU lacks `backend`.
pub fn quantize_profile_with(
    backend: Backend,
    t: GgufType,
    profile: GgufProfile,
    x: &[f32],
    out: &mut [u8],
) -> Result<(), Error> {
    backend.path()?;
    match (profile, t) {
        (GgufProfile::Exact, GgufType::Mxfp4) => return fp4::mxfp4_exact(x, out),
        (GgufProfile::Exact, GgufType::Nvfp4) => return fp4::nvfp4_exact(x, out),
        (GgufProfile::GgmlRef, GgufType::Iq4Nl) => return ggml::quantize_iq4_nl_ref(x, None, out),
        _ => {}
    }
    if t.requires_imatrix() {
        return Err(Error::Unsupported(
            "GGUF: ggml quantizes IQ2_XXS, IQ2_XS and IQ1_S only with an importance matrix (quantize_imatrix)",
        ));
    }
    ggml::quantize_with(backend, t, x, out)
}

/// Dequantizes GGUF blocks as ggml's `dequantize_row_*` does, bit for bit (NaN payloads and
/// the sign of zero included), for any bytes. Q8_1, which ggml cannot dequantize, gives
/// Q8_0's `q · d`.
///
/// # Errors
/// [`Error::Length`] when `bytes` is not whole blocks or `out` is not their element count;
/// [`Error::Unsupported`] for the integer and f64 types.
///
/// ```
/// use lowbit::gguf::{dequantize, GgufType};
/// // Q8_0: f16 scale 0.5 (0x3800), then 32 signed bytes.
/// let mut b = vec![0x00, 0x38];
/// b.extend((0..32).map(|i| i as u8));
/// let mut y = [0f32; 32];
/// dequantize(GgufType::Q8_0, &b, &mut y).unwrap();
/// assert_eq!((y[1], y[31]), (0.5, 15.5));
/// ```
pub fn dequantize(t: GgufType, bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    ggml::dequantize_with(Backend::best(), t, bytes, out)
}

/// [`dequantize`] on a pinned backend. Every backend gives the same bits:
/// [`Backend::Scalar`] runs the definition, the others SIMD kernels on the blocks whose
/// scales are finite and the definition on the rest (which gives ggml's NaN bits).
///
/// ```
/// use lowbit::Backend;
/// use lowbit::gguf::{dequantize_with, GgufType};
/// let bytes: Vec<u8> = (0..2 * 144u32).map(|i| (i * 37 % 251) as u8).collect();
/// let mut want = vec![0f32; 512];
/// dequantize_with(Backend::Scalar, GgufType::Q4K, &bytes, &mut want).unwrap();
/// for b in Backend::available() {
///     let mut got = vec![0f32; 512];
///     dequantize_with(b, GgufType::Q4K, &bytes, &mut got).unwrap();
///     assert!(got.iter().zip(&want).all(|(g, w)| g.to_bits() == w.to_bits()));
/// }
/// ```
///
/// # Errors
/// As [`dequantize`], and [`Error::Unsupported`] if this CPU lacks `backend`.
pub fn dequantize_with(
    backend: Backend,
    t: GgufType,
    bytes: &[u8],
    out: &mut [f32],
) -> Result<(), Error> {
    ggml::dequantize_with(backend, t, bytes, out)
}

/// Writes 32 codes (one per byte, below 16) in GGUF's split-half order.
fn split_half(q: &[u8; 32], out: &mut [u8]) {
    if pack::pack(q, 4, Layout::SplitHalf, &mut out[..16]).is_err() {
        unreachable!("32 four-bit codes fill 16 bytes");
    }
}

/// Reads 32 codes in GGUF's split-half order.
fn unsplit_half(bytes: &[u8]) -> [u8; 32] {
    let mut q = [0u8; 32];
    if pack::unpack(&bytes[..16], 4, Layout::SplitHalf, &mut q).is_err() {
        unreachable!("16 bytes hold 32 four-bit codes");
    }
    q
}

/// Re-packs OCP / gpt-oss MXFP4 (`blocks`: 16 bytes per 32 elements, element 2j in the low
/// nibble; `scales`: one E8M0 byte per block — what [`BlockFormat::quantize`](crate::BlockFormat::quantize) writes for
/// MXFP4) into GGUF MXFP4 blocks. Lossless.
///
/// # Errors
/// Lengths that disagree (`blocks` = 16 × blocks, `scales` = blocks, `out` = 17 × blocks).
///
/// ```
/// use lowbit::gguf::mxfp4_from_ocp;
/// // gpt-oss stores element 2j in the low nibble; GGUF stores element j with j + 16.
/// let blocks: Vec<u8> = (0..16u8).map(|j| (2 * j % 16) | ((2 * j + 1) % 16) << 4).collect();
/// let mut g = [0u8; 17];
/// mxfp4_from_ocp(&blocks, &[127], &mut g).unwrap();
/// assert_eq!((g[0], g[1]), (127, 0x00)); // elements 0 and 16 are both code 0
/// ```
pub fn mxfp4_from_ocp(blocks: &[u8], scales: &[u8], out: &mut [u8]) -> Result<(), Error> {
    Error::check_len(
        "OCP MXFP4 blocks",
        crate::error::mul("OCP MXFP4 blocks", scales.len(), 16)?,
        blocks.len(),
    )?;
    Error::check_len(
        "GGUF MXFP4 bytes",
        crate::error::mul("GGUF MXFP4 bytes", scales.len(), 17)?,
        out.len(),
    )?;
    for ((b, &s), o) in blocks
        .chunks_exact(16)
        .zip(scales)
        .zip(out.chunks_exact_mut(17))
    {
        let mut q = [0u8; 32];
        pack::unpack(b, 4, Layout::Dense, &mut q)?;
        o[0] = s;
        split_half(&q, &mut o[1..]);
    }
    Ok(())
}

/// The inverse of [`mxfp4_from_ocp`]: GGUF MXFP4 blocks to OCP / gpt-oss `blocks` and
/// `scales`. Lossless.
///
/// # Errors
/// Lengths that disagree.
///
/// ```
/// use lowbit::gguf::{mxfp4_from_ocp, mxfp4_to_ocp};
/// let blocks: Vec<u8> = (0..16).map(|j| j as u8 * 17).collect();
/// let mut g = [0u8; 17];
/// mxfp4_from_ocp(&blocks, &[120], &mut g).unwrap();
/// let (mut b2, mut s2) = ([0u8; 16], [0u8; 1]);
/// mxfp4_to_ocp(&g, &mut b2, &mut s2).unwrap();
/// assert_eq!((b2.to_vec(), s2), (blocks, [120]));
/// ```
pub fn mxfp4_to_ocp(gguf: &[u8], blocks: &mut [u8], scales: &mut [u8]) -> Result<(), Error> {
    Error::check_len(
        "GGUF MXFP4 bytes",
        crate::error::mul("GGUF MXFP4 bytes", scales.len(), 17)?,
        gguf.len(),
    )?;
    Error::check_len(
        "OCP MXFP4 blocks",
        crate::error::mul("OCP MXFP4 blocks", scales.len(), 16)?,
        blocks.len(),
    )?;
    for ((g, b), s) in gguf
        .chunks_exact(17)
        .zip(blocks.chunks_exact_mut(16))
        .zip(scales.iter_mut())
    {
        *s = g[0];
        pack::pack(&unsplit_half(&g[1..]), 4, Layout::Dense, b)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_the_variants_in_declaration_order() {
        for (i, row) in ggml::TYPES.iter().enumerate() {
            assert_eq!(row.t as usize, i, "{}", row.name);
        }
        let ids: std::vec::Vec<u32> = GgufType::ALL.iter().map(|t| t.id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids ascend: {ids:?}");
    }
}
