//! The crate's one error type.

use core::fmt;

/// Every failure the public API reports.
///
/// Messages name the offending value so that a log line is enough to find the bug.
///
/// ```
/// use lowbit::{BlockFormat, ElementFormat, Error};
/// let e = "float9_e9m9".parse::<ElementFormat>().unwrap_err();
/// assert!(matches!(e, Error::UnknownName(_)));
/// assert!(e.to_string().contains("float9_e9m9"));
/// let mut out = [0f32; 3];
/// let e = BlockFormat::MXFP4.quantize_dequantize(&[1.0; 4], &mut out).unwrap_err();
/// assert!(matches!(e, Error::Length { expected: 4, actual: 3, .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A format description breaks one of the rules in [`SpecError`].
    #[error("invalid format spec: {0}")]
    Spec(#[from] SpecError),
    /// A format or block-format name did not parse.
    #[error("unknown format name {0:?}")]
    UnknownName(NameBuf),
    /// A name people use that does not pick one element format of this crate: an ambiguous
    /// short name (`fp8`: E4M3 or E5M2?) or a type that is not a ≤ 16-bit element format
    /// (`F32`, `BOOL`). The reason says what to write instead.
    #[error("format name {name:?} does not name one element format: {reason}")]
    NotAFormat {
        /// The name as given.
        name: NameBuf,
        /// Why, and which names to use.
        reason: &'static str,
    },
    /// A code does not fit in the format's width.
    #[error("code {code:#x} does not fit in a {bits}-bit format")]
    CodeOutOfRange {
        /// The code that was passed.
        code: u32,
        /// The width of the format.
        bits: u32,
    },
    /// Two buffers that must agree in length do not.
    #[error("length mismatch: {what} needs {expected}, got {actual}")]
    Length {
        /// Which argument was wrong.
        what: &'static str,
        /// The length that was required.
        expected: usize,
        /// The length that was passed.
        actual: usize,
    },
    /// A parameter is outside the range the operation supports.
    #[error("invalid parameter {what}: {value}")]
    Parameter {
        /// Which parameter.
        what: &'static str,
        /// Its value, printed.
        value: i64,
    },
    /// The operation is not defined for this format.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// A size computed from the arguments (elements × bytes per element, rows × columns, …)
    /// does not fit in `usize`: no buffer of that size can exist.
    #[error("size overflow: {0} does not fit in usize")]
    SizeOverflow(&'static str),
    /// A GGUF file that cannot be read, or a tensor or value that cannot be written into one:
    /// the [`GgufError`] says what and where.
    #[error("GGUF file: {0}")]
    Gguf(#[from] GgufError),
}

/// `a · b`, or [`Error::SizeOverflow`] naming `what`.
pub(crate) fn mul(what: &'static str, a: usize, b: usize) -> Result<usize, Error> {
    a.checked_mul(b).ok_or(Error::SizeOverflow(what))
}

/// `n` rounded up to a multiple of `m` for an error report, saturating at `usize::MAX`
/// (a huge `n` must not overflow while it is being rejected).
pub(crate) fn round_up(n: usize, m: usize) -> usize {
    n.checked_next_multiple_of(m).unwrap_or(usize::MAX)
}

impl Error {
    /// `Ok` if `actual == expected`, else [`Error::Length`] naming `what`.
    pub(crate) fn check_len(
        what: &'static str,
        expected: usize,
        actual: usize,
    ) -> Result<(), Error> {
        if expected == actual {
            Ok(())
        } else {
            Err(Error::Length {
                what,
                expected,
                actual,
            })
        }
    }
}

/// The reasons a format description is rejected. Returned by the `const fn` constructors.
///
/// ```
/// use lowbit::{FloatSpec, NonFinite, SpecError};
/// assert!(matches!(FloatSpec::new(0, 3, 0, true, false, NonFinite::Ieee), Err(SpecError::ExponentBits(0))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// Exponent field width outside 1..=8.
    #[error("exponent bits {0} not in 1..=8")]
    ExponentBits(u32),
    /// More than 16 bits in all (sign + exponent + mantissa), or an integer wider than 16.
    #[error("{0} bits in all; at most 16 are supported")]
    TooWide(u32),
    /// Integer width 0, or not in 1..=8 or 16.
    #[error("integer width {0} not in 1..=8 or 16")]
    IntBits(u32),
    /// The combination of special values cannot exist (e.g. `fnuz` without a sign bit).
    #[error("special-value variant {0} is not valid here")]
    Variant(&'static str),
    /// The format has no positive finite value besides zero (e.g. an `ieee` format with E = 1).
    #[error("the format has no finite nonzero value")]
    NoFiniteValue,
    /// The bias puts some value outside the range of f32, so `decode` could not be exact.
    #[error("bias {0} puts values outside the f32 range")]
    Bias(i32),
}

/// A short owned copy of a bad name for [`Error::UnknownName`], kept without `alloc`.
///
/// Holds the first 40 bytes of the name (cut at a character boundary).
///
/// ```
/// let n = lowbit::NameBuf::new("mxfp4_k0");
/// assert_eq!(n.as_str(), "mxfp4_k0");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct NameBuf {
    len: u8,
    buf: [u8; 40],
}

impl NameBuf {
    /// Copies up to 40 bytes of `s`.
    ///
    /// ```
    /// // Long names are cut at 40 bytes, on a character boundary.
    /// let n = lowbit::NameBuf::new(&"é".repeat(30));
    /// assert_eq!(n.as_str().len(), 40);
    /// ```
    #[must_use]
    pub fn new(s: &str) -> Self {
        let mut end = s.len().min(40);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut buf = [0u8; 40];
        buf[..end].copy_from_slice(&s.as_bytes()[..end]);
        NameBuf {
            len: end as u8,
            buf,
        }
    }

    /// The stored text.
    ///
    /// ```
    /// assert_eq!(lowbit::NameBuf::new("int9").as_str(), "int9");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        // The bytes were copied from a `str` and cut at a character boundary.
        core::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for NameBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for NameBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How deep GGUF metadata arrays may nest (`gguf::MAX_NESTING`).
pub(crate) const GGUF_MAX_NESTING: usize = 16;

/// What is wrong with a GGUF file (inside [`Error::Gguf`](crate::Error::Gguf)). Byte
/// positions `at` count from the start of the file; names longer than 40 bytes are cut.
///
/// ```
/// use lowbit::gguf::{GgufError, GgufFile};
/// use lowbit::Error;
/// let e = GgufFile::parse(b"GGUF\x03\0\0\0").unwrap_err();
/// assert!(matches!(e, Error::Gguf(GgufError::Truncated { at: 8, .. })));
/// assert_eq!(e.to_string(), "GGUF file: it ends inside the tensor count at byte 8");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GgufError {
    /// The file does not start with `GGUF`.
    #[error("not a GGUF file (it starts with {0:02x?})")]
    Magic([u8; 4]),
    /// A version this crate does not read (it reads 2 and 3).
    #[error("GGUF version {0} (this crate reads versions 2 and 3)")]
    Version(u32),
    /// A big-endian file (its version number reads byte-swapped).
    #[error("a big-endian GGUF file (this crate reads little-endian files)")]
    BigEndian,
    /// The file ends inside a field, or a length runs past its end.
    #[error("it ends inside the {what} at byte {at}")]
    Truncated {
        /// Where the field starts.
        at: u64,
        /// Which field.
        what: &'static str,
    },
    /// A count larger than the rest of the file could hold.
    #[error("{what} count {count} at byte {at} is more than the rest of the file holds")]
    Count {
        /// Where the count is.
        at: u64,
        /// What it counts.
        what: &'static str,
        /// Its value.
        count: u64,
    },
    /// A metadata value type (or array element type) the format does not define.
    #[error("unknown metadata value type {id} at byte {at}")]
    ValueType {
        /// Where the type is.
        at: u64,
        /// The number read.
        id: u32,
    },
    /// A boolean other than 0 or 1.
    #[error("boolean byte {byte} at byte {at} (only 0 and 1 are valid)")]
    Bool {
        /// Where it is.
        at: u64,
        /// Its value.
        byte: u8,
    },
    /// A key, tensor name or string value that is not UTF-8.
    #[error("the string at byte {at} is not UTF-8")]
    Utf8 {
        /// Where its bytes start.
        at: u64,
    },
    /// An empty metadata key (llama.cpp refuses them).
    #[error("empty metadata key at byte {at}")]
    EmptyKey {
        /// Where the key is.
        at: u64,
    },
    /// Arrays nested deeper than [`MAX_NESTING`](crate::gguf::MAX_NESTING).
    #[error("arrays nested deeper than {} at byte {at}", GGUF_MAX_NESTING)]
    Nesting {
        /// Where the innermost array starts.
        at: u64,
    },
    /// A key that appears twice.
    #[error("duplicate metadata key {0:?}")]
    DuplicateKey(NameBuf),
    /// `general.alignment` is not a `u32` power of two.
    #[error("general.alignment is not a UINT32 power of two")]
    Alignment,
    /// A tensor name that appears twice.
    #[error("duplicate tensor {0:?}")]
    DuplicateTensor(NameBuf),
    /// A tensor type number ggml does not define (see [`GgufType::from_id`](crate::gguf::GgufType::from_id)).
    #[error("tensor {tensor:?} has unknown ggml type {id}")]
    TensorType {
        /// The tensor.
        tensor: NameBuf,
        /// The number read.
        id: u32,
    },
    /// More than [`MAX_DIMS`](crate::gguf::MAX_DIMS) dimensions.
    #[error("tensor {tensor:?} has {n_dims} dimensions (ggml allows at most 4)")]
    Dims {
        /// The tensor.
        tensor: NameBuf,
        /// The count read.
        n_dims: u32,
    },
    /// Dimensions whose product (or a dimension itself) is beyond `i64::MAX`, as ggml
    /// counts elements in `int64_t`.
    #[error("tensor {tensor:?} has more elements than an int64 counts")]
    Shape {
        /// The tensor.
        tensor: NameBuf,
    },
    /// The first dimension (the row length) is not a multiple of the type's block length.
    #[error("tensor {tensor:?}: rows of {row_len} elements are not whole blocks of {block_len}")]
    RowLen {
        /// The tensor.
        tensor: NameBuf,
        /// `ne[0]`.
        row_len: u64,
        /// The type's block length.
        block_len: usize,
    },
    /// A tensor offset that is not a multiple of the alignment.
    #[error("tensor {tensor:?}: offset {offset} is not a multiple of the alignment")]
    Misaligned {
        /// The tensor.
        tensor: NameBuf,
        /// Its offset in the data section.
        offset: u64,
    },
    /// Tensor data that does not lie inside the file.
    #[error(
        "tensor {tensor:?}: its data (offset {offset} in the data section) runs past the end of the file"
    )]
    OutOfBounds {
        /// The tensor.
        tensor: NameBuf,
        /// Its offset in the data section.
        offset: u64,
    },
    /// Tensor data that overlaps another tensor's.
    #[error("tensor {tensor:?}: its data (offset {offset}) overlaps another tensor's")]
    Overlap {
        /// The tensor whose data starts later.
        tensor: NameBuf,
        /// Its offset in the data section.
        offset: u64,
    },
    /// A tensor name longer than [`MAX_TENSOR_NAME`](crate::gguf::MAX_TENSOR_NAME) bytes (writing only).
    #[error("tensor name {tensor:?}… is {len} bytes (llama.cpp takes at most 63)")]
    NameTooLong {
        /// The name (cut).
        tensor: NameBuf,
        /// Its length in bytes.
        len: usize,
    },
}
