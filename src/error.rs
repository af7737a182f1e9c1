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
    /// the [`GgufError`](crate::gguf::GgufError) says what and where.
    #[error("GGUF file: {0}")]
    Gguf(#[from] crate::gguf::GgufError),
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
