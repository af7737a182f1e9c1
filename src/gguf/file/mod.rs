//! GGUF files (version 3, the format llama.cpp reads and writes): the header, metadata
//! key/value pairs, tensor infos and the aligned tensor data.
//!
//! The layout ([docs/gguf.md] draws it), every number little-endian:
//!
//! ```text
//! "GGUF" | u32 version | u64 tensor count | u64 metadata count
//! metadata: string key | u32 value type | value            (× metadata count)
//! tensor infos: string name | u32 n_dims | u64 ne[n_dims] | u32 ggml type | u64 offset
//! zero padding up to a multiple of the alignment (general.alignment, default 32)
//! tensor data: each tensor at data start + its offset (a multiple of the alignment)
//! ```
//!
//! Strings are a `u64` byte length and UTF-8 bytes (no NUL); an array is a `u32` element
//! type, a `u64` count and the elements. `ne[0]` is the innermost dimension: the length of
//! a row, contiguous in memory (numpy and gguf-py's shapes list the dimensions the other
//! way round, `ne[0]` last).
//!
//! [`GgufFile`] reads a file from a byte slice without copying (a memory map, say);
//! [`GgufReader`] reads the header from any [`Read`](std::io::Read) + [`Seek`](std::io::Seek)
//! and the tensors on demand; [`GgufWriter`] writes files llama.cpp loads, quantizing f32
//! tensors with [`quantize`](super::quantize) or taking their bytes as they are.
//!
//! ```
//! use lowbit::gguf::{dequantize, GgufFile, GgufType, GgufWriter};
//! let w: Vec<f32> = (0..2 * 256).map(|i| (i as f32 * 0.1).sin()).collect();
//! let mut out = GgufWriter::new();
//! out.set("general.architecture", "llama")?;
//! out.set("llama.block_count", 1u32)?;
//! out.add_tensor("blk.0.attn_q.weight", &[256, 2], GgufType::Q4K, &w)?;
//! let bytes = out.to_bytes()?;
//!
//! let file = GgufFile::parse(&bytes)?;
//! assert_eq!(file.architecture(), Some("llama"));
//! assert_eq!(file.get("llama.block_count").and_then(|v| v.as_u64()), Some(1));
//! let t = file.tensor("blk.0.attn_q.weight").unwrap();
//! assert_eq!((t.ggml_type(), t.dims(), t.data().len()), (GgufType::Q4K, &[256, 2][..], 2 * 144));
//! let mut y = vec![0f32; 512];
//! dequantize(t.ggml_type(), t.data(), &mut y)?;
//! assert!(w.iter().zip(&y).all(|(a, b)| (a - b).abs() < 0.1));
//! # Ok::<(), lowbit::Error>(())
//! ```
//!
//! Reading checks everything a hostile file could get wrong and reports it as
//! [`Error::Gguf`](crate::Error::Gguf) with a [`GgufError`] — a truncated file, counts and
//! lengths larger than the file, unknown value or tensor types, strings that are not UTF-8,
//! booleans other than 0 and 1, arrays nested deeper than [`MAX_NESTING`], more than four
//! dimensions, element counts beyond `i64`, rows that are not whole blocks, misaligned,
//! out-of-range or overlapping tensor data, duplicate keys or names — and never allocates
//! more than a small multiple of the input's size.
//!
//! [docs/gguf.md]: https://docs.rs/crate/lowbit/latest/source/docs/gguf.md

#[cfg(feature = "alloc")]
mod read;
#[cfg(feature = "alloc")]
mod value;
#[cfg(feature = "alloc")]
mod write;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use read::GgufReader;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use read::{GgufFile, GgufTensor, GgufTensorInfo};
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use value::{GgufArray, GgufArrayIter, GgufValue};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use write::GgufStream;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use write::{GgufWriter, ToGgufValue};

pub use crate::error::GgufError;

/// The four bytes every GGUF file starts with.
///
/// ```
/// assert_eq!(lowbit::gguf::GGUF_MAGIC, *b"GGUF");
/// ```
pub const GGUF_MAGIC: [u8; 4] = *b"GGUF";

/// The version [`GgufWriter`] writes (3); [`GgufFile`] reads 2 and 3, which lay a
/// little-endian file out the same way.
///
/// ```
/// assert_eq!(lowbit::gguf::GGUF_VERSION, 3);
/// ```
pub const GGUF_VERSION: u32 = 3;

/// The alignment of the tensor data when a file has no `general.alignment` key.
///
/// ```
/// assert_eq!(lowbit::gguf::GGUF_DEFAULT_ALIGNMENT, 32);
/// ```
pub const GGUF_DEFAULT_ALIGNMENT: u32 = 32;

/// The most dimensions a tensor has (ggml's `GGML_MAX_DIMS`; llama.cpp refuses more).
///
/// ```
/// assert_eq!(lowbit::gguf::MAX_DIMS, 4);
/// ```
pub const MAX_DIMS: usize = 4;

/// The longest tensor name llama.cpp takes, in bytes (`GGML_MAX_NAME` − 1, for the NUL).
/// [`GgufWriter`] refuses longer names; the readers take any length.
///
/// ```
/// assert_eq!(lowbit::gguf::MAX_TENSOR_NAME, 63);
/// ```
pub const MAX_TENSOR_NAME: usize = 63;

/// How deeply arrays may nest (an array of arrays is depth 2). The format sets no limit;
/// gguf-py writes nested arrays, llama.cpp refuses any, and no file in use nests deeper than
/// two. The readers refuse deeper nesting so that a hostile file cannot recurse without
/// bound.
///
/// ```
/// assert_eq!(lowbit::gguf::MAX_NESTING, 16);
/// ```
pub const MAX_NESTING: usize = crate::error::GGUF_MAX_NESTING;

/// The type of a metadata value (`enum gguf_type`), with the file's type numbers.
///
/// ```
/// use lowbit::gguf::GgufValueType;
/// assert_eq!(GgufValueType::from_id(8), Some(GgufValueType::String));
/// assert_eq!(GgufValueType::F64.id(), 12);
/// assert_eq!(GgufValueType::U16.byte_len(), Some(2));
/// assert_eq!(GgufValueType::Array.byte_len(), None);
/// assert_eq!(GgufValueType::from_id(13), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GgufValueType {
    /// `uint8` (0).
    U8,
    /// `int8` (1).
    I8,
    /// `uint16` (2).
    U16,
    /// `int16` (3).
    I16,
    /// `uint32` (4).
    U32,
    /// `int32` (5).
    I32,
    /// `float32` (6).
    F32,
    /// `bool` (7): one byte, 0 or 1.
    Bool,
    /// `string` (8): a `u64` length and UTF-8 bytes.
    String,
    /// `array` (9): a `u32` element type, a `u64` count, the elements.
    Array,
    /// `uint64` (10).
    U64,
    /// `int64` (11).
    I64,
    /// `float64` (12).
    F64,
}

impl GgufValueType {
    /// Every type, in id order.
    ///
    /// ```
    /// use lowbit::gguf::GgufValueType;
    /// assert!(GgufValueType::ALL.iter().enumerate().all(|(i, t)| t.id() == i as u32));
    /// ```
    pub const ALL: [GgufValueType; 13] = [
        GgufValueType::U8,
        GgufValueType::I8,
        GgufValueType::U16,
        GgufValueType::I16,
        GgufValueType::U32,
        GgufValueType::I32,
        GgufValueType::F32,
        GgufValueType::Bool,
        GgufValueType::String,
        GgufValueType::Array,
        GgufValueType::U64,
        GgufValueType::I64,
        GgufValueType::F64,
    ];

    /// The type's number in a file.
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufValueType::Array.id(), 9);
    /// ```
    #[must_use]
    pub fn id(self) -> u32 {
        self as u32
    }

    /// The type numbered `id`, if the format defines one.
    ///
    /// ```
    /// use lowbit::gguf::GgufValueType;
    /// assert_eq!(GgufValueType::from_id(7), Some(GgufValueType::Bool));
    /// assert_eq!(GgufValueType::from_id(u32::MAX), None);
    /// ```
    #[must_use]
    pub fn from_id(id: u32) -> Option<GgufValueType> {
        GgufValueType::ALL.get(id as usize).copied()
    }

    /// Bytes of one value of a fixed-size type; `None` for strings and arrays.
    ///
    /// ```
    /// use lowbit::gguf::GgufValueType;
    /// assert_eq!(GgufValueType::Bool.byte_len(), Some(1));
    /// assert_eq!(GgufValueType::String.byte_len(), None);
    /// ```
    #[must_use]
    pub fn byte_len(self) -> Option<usize> {
        use GgufValueType as V;
        match self {
            V::U8 | V::I8 | V::Bool => Some(1),
            V::U16 | V::I16 => Some(2),
            V::U32 | V::I32 | V::F32 => Some(4),
            V::U64 | V::I64 | V::F64 => Some(8),
            V::String | V::Array => None,
        }
    }

    /// gguf-py's and ggml's name (`UINT8`, `FLOAT32`, `STRING`, …).
    fn name(self) -> &'static str {
        use GgufValueType as V;
        match self {
            V::U8 => "UINT8",
            V::I8 => "INT8",
            V::U16 => "UINT16",
            V::I16 => "INT16",
            V::U32 => "UINT32",
            V::I32 => "INT32",
            V::F32 => "FLOAT32",
            V::Bool => "BOOL",
            V::String => "STRING",
            V::Array => "ARRAY",
            V::U64 => "UINT64",
            V::I64 => "INT64",
            V::F64 => "FLOAT64",
        }
    }
}

impl core::fmt::Display for GgufValueType {
    /// The name gguf-py and ggml use (`UINT32`, `STRING`, `ARRAY`, …).
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufValueType::F32.to_string(), "FLOAT32");
    /// ```
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}
