//! Metadata values read in place, and the byte cursor the readers share.

use core::fmt;

use super::{GgufError, GgufValueType, MAX_NESTING};

/// Why a parse step stopped.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The bytes so far end before `0`, which the whole input still holds (a
    /// `GgufReader` reads on to there).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    More(u64),
    /// The input is bad.
    Bad(GgufError),
}

impl From<GgufError> for Stop {
    fn from(e: GgufError) -> Stop {
        Stop::Bad(e)
    }
}

/// A position in the bytes read so far (`buf`) of an input `total` bytes long.
pub(crate) struct Cur<'a> {
    pub(crate) buf: &'a [u8],
    pub(crate) pos: usize,
    pub(crate) total: u64,
}

impl<'a> Cur<'a> {
    /// A cursor over the whole input.
    pub(crate) fn new(buf: &'a [u8]) -> Cur<'a> {
        Cur {
            buf,
            pos: 0,
            total: buf.len() as u64,
        }
    }

    pub(crate) fn at(&self) -> u64 {
        self.pos as u64
    }

    /// Bytes of the input after the cursor (read or not).
    pub(crate) fn remaining(&self) -> u64 {
        self.total.saturating_sub(self.at())
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: u64, what: &'static str) -> Result<&'a [u8], Stop> {
        let at = self.at();
        match at.checked_add(n) {
            Some(end) if end <= self.buf.len() as u64 => {
                // `end` fits in usize: it is at most `buf.len()`.
                let s = &self.buf[self.pos..end as usize];
                self.pos = end as usize;
                Ok(s)
            }
            Some(end) if end <= self.total => Err(Stop::More(end)),
            _ => Err(Stop::Bad(GgufError::Truncated { at, what })),
        }
    }

    pub(crate) fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], Stop> {
        let s = self.take(N as u64, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, Stop> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, Stop> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// A string: its `u64` length, then that many UTF-8 bytes.
    pub(crate) fn string(&mut self, what: &'static str) -> Result<&'a str, Stop> {
        let n = self.u64(what)?;
        let at = self.at();
        let bytes = self.take(n, what)?;
        core::str::from_utf8(bytes).map_err(|_| Stop::Bad(GgufError::Utf8 { at }))
    }

    /// A value type number.
    pub(crate) fn value_type(&mut self, what: &'static str) -> Result<GgufValueType, Stop> {
        let at = self.at();
        let id = self.u32(what)?;
        GgufValueType::from_id(id).ok_or(Stop::Bad(GgufError::ValueType { at, id }))
    }

    /// Fails with [`GgufError::Count`] if `count` values of at least `min` bytes each cannot
    /// fit in the rest of the input.
    pub(crate) fn check_count(
        &self,
        at: u64,
        count: u64,
        min: u64,
        what: &'static str,
    ) -> Result<(), Stop> {
        if count > self.remaining() / min {
            return Err(Stop::Bad(GgufError::Count { at, what, count }));
        }
        Ok(())
    }
}

/// The fewest bytes a value of type `t` takes (a string's length field, an array's type
/// and count).
fn min_len(t: GgufValueType) -> u64 {
    match t {
        GgufValueType::String => 8,
        GgufValueType::Array => 12,
        t => t.byte_len().unwrap_or(1) as u64,
    }
}

/// Steps over one value of type `ty` at `depth` arrays deep, checking it (UTF-8, booleans,
/// types, nesting) when `check` is set.
pub(crate) fn walk(
    cur: &mut Cur<'_>,
    ty: GgufValueType,
    depth: usize,
    check: bool,
) -> Result<(), Stop> {
    match ty {
        GgufValueType::String => {
            if check {
                cur.string("string value")?;
            } else {
                let n = cur.u64("string value")?;
                cur.take(n, "string value")?;
            }
        }
        GgufValueType::Bool => {
            let at = cur.at();
            let b = cur.take(1, "bool value")?[0];
            if check && b > 1 {
                return Err(Stop::Bad(GgufError::Bool { at, byte: b }));
            }
        }
        GgufValueType::Array => {
            let at = cur.at();
            if depth >= MAX_NESTING {
                return Err(Stop::Bad(GgufError::Nesting { at }));
            }
            let elem = cur.value_type("array element type")?;
            let count_at = cur.at();
            let count = cur.u64("array length")?;
            cur.check_count(count_at, count, min_len(elem), "array element")?;
            match elem.byte_len() {
                Some(size) if !(check && elem == GgufValueType::Bool) => {
                    // `count · size` fits: `count` ≤ the remaining bytes / `size`.
                    cur.take(count * size as u64, "array")?;
                }
                _ => {
                    for _ in 0..count {
                        walk(cur, elem, depth + 1, check)?;
                    }
                }
            }
        }
        t => {
            // Fixed-size numbers: every bit pattern is a value.
            let n = t.byte_len().unwrap_or(1);
            cur.take(n as u64, "metadata value")?;
        }
    }
    Ok(())
}

/// One metadata value, borrowed from the file's bytes. Strings are UTF-8 (checked when the
/// file was read); arrays are read element by element in place. `==` compares numbers as
/// numbers (a NaN is unequal to itself) and arrays by their encoding.
///
/// ```
/// use lowbit::gguf::{GgufFile, GgufValue, GgufValueType, GgufWriter};
/// let mut w = GgufWriter::new();
/// w.set("a.u16", 7u16)?.set("a.name", "tiny")?.set("a.list", &[1.5f32, 2.5])?;
/// let bytes = w.to_bytes()?;
/// let f = GgufFile::parse(&bytes)?;
/// assert_eq!(f.get("a.u16"), Some(GgufValue::U16(7)));
/// assert_eq!(f.get("a.u16").unwrap().as_u64(), Some(7));
/// assert_eq!(f.get("a.name").unwrap().as_str(), Some("tiny"));
/// let list = f.get("a.list").unwrap().as_array().unwrap();
/// assert_eq!(list.value_type(), GgufValueType::F32);
/// assert_eq!(list.iter().map(|v| v.as_f32().unwrap()).collect::<Vec<_>>(), [1.5, 2.5]);
/// assert_eq!(f.get("a.list").unwrap().to_string(), "[1.5, 2.5]");
/// # Ok::<(), lowbit::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)] // each variant holds the value of its type
pub enum GgufValue<'a> {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    String(&'a str),
    Array(GgufArray<'a>),
    U64(u64),
    I64(i64),
    F64(f64),
}

impl<'a> GgufValue<'a> {
    /// Reads a value of type `ty` from the start of `buf` (already checked); returns it and
    /// the bytes it takes.
    pub(crate) fn decode(buf: &'a [u8], ty: GgufValueType) -> Option<(GgufValue<'a>, usize)> {
        let mut cur = Cur::new(buf);
        let v = decode_at(&mut cur, ty)?;
        Some((v, cur.pos))
    }

    /// The value's type.
    ///
    /// ```
    /// use lowbit::gguf::{GgufValue, GgufValueType};
    /// assert_eq!(GgufValue::I32(-1).value_type(), GgufValueType::I32);
    /// ```
    #[must_use]
    pub fn value_type(&self) -> GgufValueType {
        use GgufValueType as T;
        match self {
            GgufValue::U8(_) => T::U8,
            GgufValue::I8(_) => T::I8,
            GgufValue::U16(_) => T::U16,
            GgufValue::I16(_) => T::I16,
            GgufValue::U32(_) => T::U32,
            GgufValue::I32(_) => T::I32,
            GgufValue::F32(_) => T::F32,
            GgufValue::Bool(_) => T::Bool,
            GgufValue::String(_) => T::String,
            GgufValue::Array(_) => T::Array,
            GgufValue::U64(_) => T::U64,
            GgufValue::I64(_) => T::I64,
            GgufValue::F64(_) => T::F64,
        }
    }

    /// An integer of any width and signedness that is ≥ 0, as `u64` (converters write
    /// counts as UINT32 or INT32 alike).
    ///
    /// ```
    /// use lowbit::gguf::GgufValue;
    /// assert_eq!(GgufValue::I32(32).as_u64(), Some(32));
    /// assert_eq!(GgufValue::I32(-1).as_u64(), None);
    /// assert_eq!(GgufValue::F32(1.0).as_u64(), None);
    /// ```
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            GgufValue::U8(v) => Some(v.into()),
            GgufValue::U16(v) => Some(v.into()),
            GgufValue::U32(v) => Some(v.into()),
            GgufValue::U64(v) => Some(v),
            GgufValue::I8(v) => u64::try_from(v).ok(),
            GgufValue::I16(v) => u64::try_from(v).ok(),
            GgufValue::I32(v) => u64::try_from(v).ok(),
            GgufValue::I64(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// An integer of any width and signedness that fits in `i64`.
    ///
    /// ```
    /// use lowbit::gguf::GgufValue;
    /// assert_eq!(GgufValue::I8(-3).as_i64(), Some(-3));
    /// assert_eq!(GgufValue::U64(u64::MAX).as_i64(), None);
    /// ```
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            GgufValue::U8(v) => Some(v.into()),
            GgufValue::U16(v) => Some(v.into()),
            GgufValue::U32(v) => Some(v.into()),
            GgufValue::U64(v) => i64::try_from(v).ok(),
            GgufValue::I8(v) => Some(v.into()),
            GgufValue::I16(v) => Some(v.into()),
            GgufValue::I32(v) => Some(v.into()),
            GgufValue::I64(v) => Some(v),
            _ => None,
        }
    }

    /// A FLOAT32 value.
    ///
    /// ```
    /// use lowbit::gguf::GgufValue;
    /// assert_eq!(GgufValue::F32(1e-5).as_f32(), Some(1e-5));
    /// assert_eq!(GgufValue::F64(0.5).as_f32(), None);
    /// ```
    #[must_use]
    pub fn as_f32(&self) -> Option<f32> {
        match *self {
            GgufValue::F32(v) => Some(v),
            _ => None,
        }
    }

    /// A FLOAT32 or FLOAT64 value, as `f64` (exact).
    ///
    /// ```
    /// use lowbit::gguf::GgufValue;
    /// assert_eq!(GgufValue::F32(0.1).as_f64(), Some(0.1f32 as f64));
    /// assert_eq!(GgufValue::F64(0.1).as_f64(), Some(0.1));
    /// assert_eq!(GgufValue::I32(1).as_f64(), None);
    /// ```
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            GgufValue::F32(v) => Some(v.into()),
            GgufValue::F64(v) => Some(v),
            _ => None,
        }
    }

    /// A BOOL value.
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufValue::Bool(true).as_bool(), Some(true));
    /// ```
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            GgufValue::Bool(v) => Some(v),
            _ => None,
        }
    }

    /// A STRING value.
    ///
    /// ```
    /// assert_eq!(lowbit::gguf::GgufValue::String("llama").as_str(), Some("llama"));
    /// ```
    #[must_use]
    pub fn as_str(&self) -> Option<&'a str> {
        match *self {
            GgufValue::String(v) => Some(v),
            _ => None,
        }
    }

    /// An ARRAY value.
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("tokenizer.ggml.tokens", &["<s>", "a", "b"])?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// let tokens = f.get("tokenizer.ggml.tokens").unwrap().as_array().unwrap();
    /// assert_eq!(tokens.len(), 3);
    /// assert_eq!(tokens.get(1).unwrap().as_str(), Some("a"));
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn as_array(&self) -> Option<GgufArray<'a>> {
        match *self {
            GgufValue::Array(v) => Some(v),
            _ => None,
        }
    }
}

impl fmt::Display for GgufValue<'_> {
    /// Numbers as Rust prints them, strings quoted and escaped (`{:?}`), arrays as
    /// `[a, b, …]` with every element.
    ///
    /// ```
    /// use lowbit::gguf::GgufValue;
    /// assert_eq!(GgufValue::String("a\"b").to_string(), r#""a\"b""#);
    /// assert_eq!(GgufValue::F64(2.0).to_string(), "2");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GgufValue::U8(v) => write!(f, "{v}"),
            GgufValue::I8(v) => write!(f, "{v}"),
            GgufValue::U16(v) => write!(f, "{v}"),
            GgufValue::I16(v) => write!(f, "{v}"),
            GgufValue::U32(v) => write!(f, "{v}"),
            GgufValue::I32(v) => write!(f, "{v}"),
            GgufValue::F32(v) => write!(f, "{v}"),
            GgufValue::Bool(v) => write!(f, "{v}"),
            GgufValue::String(v) => write!(f, "{v:?}"),
            GgufValue::Array(a) => {
                f.write_str("[")?;
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            GgufValue::U64(v) => write!(f, "{v}"),
            GgufValue::I64(v) => write!(f, "{v}"),
            GgufValue::F64(v) => write!(f, "{v}"),
        }
    }
}

/// Reads one checked value at the cursor.
fn decode_at<'a>(cur: &mut Cur<'a>, ty: GgufValueType) -> Option<GgufValue<'a>> {
    use GgufValueType as T;
    fn le<const N: usize>(cur: &mut Cur<'_>) -> Option<[u8; N]> {
        cur.array::<N>("").ok()
    }
    Some(match ty {
        T::U8 => GgufValue::U8(le::<1>(cur)?[0]),
        T::I8 => GgufValue::I8(i8::from_le_bytes(le(cur)?)),
        T::U16 => GgufValue::U16(u16::from_le_bytes(le(cur)?)),
        T::I16 => GgufValue::I16(i16::from_le_bytes(le(cur)?)),
        T::U32 => GgufValue::U32(u32::from_le_bytes(le(cur)?)),
        T::I32 => GgufValue::I32(i32::from_le_bytes(le(cur)?)),
        T::F32 => GgufValue::F32(f32::from_le_bytes(le(cur)?)),
        T::Bool => GgufValue::Bool(le::<1>(cur)?[0] != 0),
        T::U64 => GgufValue::U64(u64::from_le_bytes(le(cur)?)),
        T::I64 => GgufValue::I64(i64::from_le_bytes(le(cur)?)),
        T::F64 => GgufValue::F64(f64::from_le_bytes(le(cur)?)),
        T::String => {
            let n = cur.u64("").ok()?;
            GgufValue::String(core::str::from_utf8(cur.take(n, "").ok()?).ok()?)
        }
        T::Array => {
            let start = cur.pos;
            walk(cur, T::Array, 0, false).ok()?;
            GgufValue::Array(GgufArray::from_encoding(&cur.buf[start..cur.pos])?)
        }
    })
}

/// A metadata array, read in place: all its elements have one type
/// ([`value_type`](Self::value_type)); an element may itself be an array (of any type and
/// length). Two arrays are equal when their encodings are.
///
/// ```
/// use lowbit::gguf::{GgufFile, GgufValueType, GgufWriter};
/// let mut w = GgufWriter::new();
/// w.set("scores", &[0.0f32, -1.0, -2.5])?;
/// w.set("nested", &[vec![1u8, 2], vec![3]])?;
/// let bytes = w.to_bytes()?;
/// let f = GgufFile::parse(&bytes)?;
/// let s = f.get("scores").unwrap().as_array().unwrap();
/// assert_eq!((s.value_type(), s.len()), (GgufValueType::F32, 3));
/// assert_eq!(s.get(2).unwrap().as_f32(), Some(-2.5));
/// assert_eq!(s.raw().len(), 12); // the elements as stored, little-endian
/// let n = f.get("nested").unwrap().as_array().unwrap();
/// assert_eq!(n.value_type(), GgufValueType::Array);
/// let inner: Vec<usize> = n.iter().map(|v| v.as_array().unwrap().len()).collect();
/// assert_eq!(inner, [2, 1]);
/// assert_eq!(f.get("nested").unwrap().to_string(), "[[1, 2], [3]]");
/// # Ok::<(), lowbit::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct GgufArray<'a> {
    elem: GgufValueType,
    len: usize,
    raw: &'a [u8],
}

impl<'a> GgufArray<'a> {
    pub(crate) fn new(elem: GgufValueType, len: usize, raw: &'a [u8]) -> GgufArray<'a> {
        GgufArray { elem, len, raw }
    }

    /// The array whose whole (checked) encoding — element type, count, elements — is `enc`.
    pub(crate) fn from_encoding(enc: &'a [u8]) -> Option<GgufArray<'a>> {
        let elem = GgufValueType::from_id(u32::from_le_bytes(enc.get(..4)?.try_into().ok()?))?;
        let len = u64::from_le_bytes(enc.get(4..12)?.try_into().ok()?);
        Some(GgufArray {
            elem,
            // Each element takes at least one byte of `enc`, so the count fits in usize.
            len: usize::try_from(len).ok()?,
            raw: enc.get(12..)?,
        })
    }

    /// The type of every element.
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufValueType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("types", &[1i32, 1, 3])?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.get("types").unwrap().as_array().unwrap().value_type(), GgufValueType::I32);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn value_type(&self) -> GgufValueType {
        self.elem
    }

    /// The number of elements.
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("empty", &[0u8; 0])?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// let a = f.get("empty").unwrap().as_array().unwrap();
    /// assert_eq!((a.len(), a.is_empty()), (0, true));
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the array has no elements.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.set("one", &[1u8])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert!(!f.get("one").unwrap().as_array().unwrap().is_empty());
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The elements as stored: for the fixed-size types, `len()` little-endian values back
    /// to back (`raw().chunks_exact(4).map(|c| f32::from_le_bytes(...))` for FLOAT32); for
    /// strings and arrays, their encodings one after another.
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("u16s", &[1u16, 0x0203])?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.get("u16s").unwrap().as_array().unwrap().raw(), [1, 0, 3, 2]);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Element `i`: in constant time for the fixed-size types, by walking the elements
    /// before it for strings and arrays.
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufValue, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("ids", &[10u64, 20, 30])?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// let ids = f.get("ids").unwrap().as_array().unwrap();
    /// assert_eq!(ids.get(2), Some(GgufValue::U64(30)));
    /// assert_eq!(ids.get(3), None);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, i: usize) -> Option<GgufValue<'a>> {
        if i >= self.len {
            return None;
        }
        match self.elem.byte_len() {
            Some(size) => {
                let b = self.raw.get(i * size..(i + 1) * size)?;
                GgufValue::decode(b, self.elem).map(|(v, _)| v)
            }
            None => self.iter().nth(i),
        }
    }

    /// The elements in order.
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("merges", &["a b", "ab c"])?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// let merges: Vec<&str> = f.get("merges").unwrap().as_array().unwrap()
    ///     .iter().filter_map(|v| v.as_str()).collect();
    /// assert_eq!(merges, ["a b", "ab c"]);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn iter(&self) -> GgufArrayIter<'a> {
        GgufArrayIter {
            elem: self.elem,
            left: self.len,
            rest: self.raw,
        }
    }
}

impl fmt::Debug for GgufArray<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GgufArray<{}>", self.elem)?;
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for GgufArray<'a> {
    type Item = GgufValue<'a>;
    type IntoIter = GgufArrayIter<'a>;

    fn into_iter(self) -> GgufArrayIter<'a> {
        self.iter()
    }
}

/// The elements of a [`GgufArray`], in order ([`GgufArray::iter`]).
///
/// ```
/// use lowbit::gguf::{GgufFile, GgufWriter};
/// let mut w = GgufWriter::new();
/// w.set("flags", &[true, false, true])?;
/// let bytes = w.to_bytes()?;
/// let f = GgufFile::parse(&bytes)?;
/// let it = f.get("flags").unwrap().as_array().unwrap().iter();
/// assert_eq!(it.len(), 3);
/// assert_eq!(it.filter(|v| v.as_bool() == Some(true)).count(), 2);
/// # Ok::<(), lowbit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct GgufArrayIter<'a> {
    elem: GgufValueType,
    left: usize,
    rest: &'a [u8],
}

impl<'a> Iterator for GgufArrayIter<'a> {
    type Item = GgufValue<'a>;

    fn next(&mut self) -> Option<GgufValue<'a>> {
        if self.left == 0 {
            return None;
        }
        // The array was checked when the file was read, so decoding cannot fail; if it
        // did, the iteration would just end.
        let Some((v, n)) = GgufValue::decode(self.rest, self.elem) else {
            self.left = 0;
            return None;
        };
        self.rest = &self.rest[n..];
        self.left -= 1;
        Some(v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }

    fn nth(&mut self, n: usize) -> Option<GgufValue<'a>> {
        match self.elem.byte_len() {
            Some(size) if n < self.left => {
                let Some(rest) = self.rest.get(n * size..) else {
                    self.left = 0;
                    return None;
                };
                self.rest = rest;
                self.left -= n;
                self.next()
            }
            Some(_) => {
                self.left = 0;
                None
            }
            None => {
                for _ in 0..n {
                    self.next()?;
                }
                self.next()
            }
        }
    }
}

impl ExactSizeIterator for GgufArrayIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// The encoding of an array of `elem`, `len` elements, from the element bytes `raw`.
    fn array(elem: GgufValueType, len: u64, raw: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(elem.id().to_le_bytes());
        v.extend(len.to_le_bytes());
        v.extend(raw);
        v
    }

    #[test]
    fn arrays_index_and_skip_in_place() {
        let enc = array(GgufValueType::U16, 3, &[1, 0, 2, 0, 3, 0]);
        let a = GgufArray::from_encoding(&enc).unwrap();
        assert_eq!(a.get(2), Some(GgufValue::U16(3)));
        assert_eq!(a.get(3), None);
        let mut it = a.iter();
        assert_eq!(it.nth(1), Some(GgufValue::U16(2)));
        assert_eq!(it.len(), 1);
        assert_eq!(it.nth(5), None);
        assert_eq!(it.len(), 0);

        let mut raw = Vec::new();
        for s in ["ab", "", "ü"] {
            raw.extend((s.len() as u64).to_le_bytes());
            raw.extend(s.as_bytes());
        }
        let enc = array(GgufValueType::String, 3, &raw);
        walk(&mut Cur::new(&enc), GgufValueType::Array, 0, true).unwrap();
        let a = GgufArray::from_encoding(&enc).unwrap();
        assert_eq!(a.get(2), Some(GgufValue::String("ü")));
        assert_eq!(a.iter().nth(1), Some(GgufValue::String("")));
        assert_eq!(a.iter().count(), 3);
    }

    #[test]
    fn walking_checks_only_when_asked() {
        let bad = array(GgufValueType::Bool, 2, &[1, 7]);
        assert!(matches!(
            walk(&mut Cur::new(&bad), GgufValueType::Array, 0, true),
            Err(Stop::Bad(GgufError::Bool { at: 13, byte: 7 }))
        ));
        assert!(walk(&mut Cur::new(&bad), GgufValueType::Array, 0, false).is_ok());
        // A cursor over a prefix of a longer input asks for more instead of failing.
        let enc = array(GgufValueType::U64, 2, &[0; 16]);
        let mut c = Cur {
            buf: &enc[..20],
            pos: 0,
            total: enc.len() as u64,
        };
        assert!(matches!(
            walk(&mut c, GgufValueType::Array, 0, true),
            Err(Stop::More(28))
        ));
    }
}
