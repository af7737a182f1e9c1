//! Reading: the index of a file's header (built once, checked completely), the zero-copy
//! [`GgufFile`] over a byte slice and the [`GgufReader`] over `std::io`.

use alloc::vec::Vec;
use core::fmt;

use super::value::{Cur, GgufArray, GgufValue, Stop, walk};
use super::{GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufError, GgufValueType, MAX_DIMS};
use crate::error::{Error, NameBuf};
use crate::gguf::GgufType;

/// The fewest bytes of a metadata pair: key length, one key byte, value type, one byte.
const MIN_KV: u64 = 8 + 1 + 4 + 1;
/// The fewest bytes of a tensor info: name length, `n_dims`, type, offset.
const MIN_TENSOR: u64 = 8 + 4 + 4 + 8;

/// A metadata value as the index keeps it.
#[derive(Debug, Clone, Copy)]
enum Val {
    /// A number or boolean, decoded.
    Scalar(GgufValue<'static>),
    /// A string's bytes.
    Str(usize, usize),
    /// An array: element type, count, the elements' bytes.
    Arr(GgufValueType, usize, usize, usize),
}

#[derive(Debug, Clone, Copy)]
struct Kv {
    key: (usize, usize),
    val: Val,
}

#[derive(Debug, Clone, Copy)]
struct Ti {
    name: (usize, usize),
    ty: GgufType,
    dims: [u64; MAX_DIMS],
    n_dims: u8,
    offset: u64,
    byte_len: u64,
}

/// Everything in a file's header, as positions in its bytes. Built by [`Index::parse`],
/// which checks all of it, so reading it back cannot fail.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    version: u32,
    alignment: u32,
    kvs: Vec<Kv>,
    tensors: Vec<Ti>,
    /// `kvs` indices in key order.
    keys: Vec<usize>,
    /// `tensors` indices in name order.
    names: Vec<usize>,
    /// Where the tensor infos end.
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    infos_end: usize,
    /// Where the tensor data starts (the infos' end rounded up to the alignment).
    data_offset: u64,
}

fn text(buf: &[u8], r: (usize, usize)) -> &str {
    // Checked to be UTF-8 when the index was built.
    buf.get(r.0..r.1)
        .and_then(|b| core::str::from_utf8(b).ok())
        .unwrap_or("")
}

impl Index {
    /// Reads and checks the header in `buf`, the first bytes of an input `total` bytes long
    /// (all of it for a slice; for a [`GgufReader`], what it has read so far).
    pub(crate) fn parse(buf: &[u8], total: u64) -> Result<Index, Stop> {
        let mut c = Cur { buf, pos: 0, total };
        let magic: [u8; 4] = c.array("magic")?;
        if magic != GGUF_MAGIC {
            return Err(GgufError::Magic(magic).into());
        }
        let version = c.u32("version")?;
        // ggml's test: a version whose low 16 bits are 0 is a byte-swapped small number.
        if version != 0 && version & 0xFFFF == 0 {
            return Err(GgufError::BigEndian.into());
        }
        if !(2..=3).contains(&version) {
            return Err(GgufError::Version(version).into());
        }
        let tensors_at = c.at();
        let n_tensors = c.u64("tensor count")?;
        let kvs_at = c.at();
        let n_kv = c.u64("metadata count")?;
        c.check_count(kvs_at, n_kv, MIN_KV, "metadata")?;
        c.check_count(tensors_at, n_tensors, MIN_TENSOR, "tensor")?;
        // Reserve no more than the bytes at hand could hold.
        let room =
            |c: &Cur<'_>, min: u64| (c.buf.len().saturating_sub(c.pos) as u64 / min) as usize;

        let mut kvs = Vec::with_capacity((n_kv as usize).min(room(&c, MIN_KV)));
        for _ in 0..n_kv {
            let key_at = c.at();
            let key = c.string("metadata key")?;
            if key.is_empty() {
                return Err(GgufError::EmptyKey { at: key_at }.into());
            }
            let key = (c.pos - key.len(), c.pos);
            let ty = c.value_type("metadata value type")?;
            let start = c.pos;
            walk(&mut c, ty, 0, true)?;
            let v = &buf[start..c.pos];
            let val = match ty {
                GgufValueType::String => Val::Str(start + 8, c.pos),
                GgufValueType::Array => match GgufArray::from_encoding(v) {
                    Some(a) => Val::Arr(a.value_type(), a.len(), start + 12, c.pos),
                    None => {
                        return Err(GgufError::Truncated {
                            at: start as u64,
                            what: "array",
                        }
                        .into());
                    }
                },
                t => match GgufValue::decode(v, t) {
                    Some((s, _)) => Val::Scalar(to_static(s)),
                    None => {
                        return Err(GgufError::Truncated {
                            at: start as u64,
                            what: "metadata value",
                        }
                        .into());
                    }
                },
            };
            kvs.push(Kv { key, val });
        }
        let keys = sorted(kvs.len(), |i| text(buf, kvs[i].key));
        if let Some(w) = keys
            .windows(2)
            .find(|w| text(buf, kvs[w[0]].key) == text(buf, kvs[w[1]].key))
        {
            return Err(GgufError::DuplicateKey(NameBuf::new(text(buf, kvs[w[0]].key))).into());
        }
        let mut alignment = GGUF_DEFAULT_ALIGNMENT;
        if let Ok(i) = keys.binary_search_by(|&i| text(buf, kvs[i].key).cmp("general.alignment")) {
            match kvs[keys[i]].val {
                Val::Scalar(GgufValue::U32(a)) if a.is_power_of_two() => alignment = a,
                _ => return Err(GgufError::Alignment.into()),
            }
        }

        let mut tensors = Vec::with_capacity((n_tensors as usize).min(room(&c, MIN_TENSOR)));
        for _ in 0..n_tensors {
            let name = c.string("tensor name")?;
            let name_range = (c.pos - name.len(), c.pos);
            let tensor = NameBuf::new(name);
            let n_dims = c.u32("tensor dimension count")?;
            if n_dims as usize > MAX_DIMS {
                return Err(GgufError::Dims { tensor, n_dims }.into());
            }
            let mut dims = [1u64; MAX_DIMS];
            for d in &mut dims[..n_dims as usize] {
                *d = c.u64("tensor dimensions")?;
            }
            // ggml (gguf.cpp) counts elements in int64_t: every dimension and every partial
            // product must fit.
            let mut n = 1u64;
            for &d in &dims {
                n = n
                    .checked_mul(d)
                    .filter(|&n| d <= i64::MAX as u64 && n <= i64::MAX as u64)
                    .ok_or(GgufError::Shape { tensor })?;
            }
            let id = c.u32("tensor type")?;
            let ty = GgufType::from_id(id).ok_or(GgufError::TensorType { tensor, id })?;
            let block_len = ty.block_len();
            if dims[0] % block_len as u64 != 0 {
                return Err(GgufError::RowLen {
                    tensor,
                    row_len: dims[0],
                    block_len,
                }
                .into());
            }
            let byte_len = (n / block_len as u64)
                .checked_mul(ty.block_bytes() as u64)
                .ok_or(GgufError::Shape { tensor })?;
            let offset = c.u64("tensor offset")?;
            tensors.push(Ti {
                name: name_range,
                ty,
                dims,
                n_dims: n_dims as u8,
                offset,
                byte_len,
            });
        }
        let names = sorted(tensors.len(), |i| text(buf, tensors[i].name));
        if let Some(w) = names
            .windows(2)
            .find(|w| text(buf, tensors[w[0]].name) == text(buf, tensors[w[1]].name))
        {
            return Err(
                GgufError::DuplicateTensor(NameBuf::new(text(buf, tensors[w[0]].name))).into(),
            );
        }

        let infos_end = c.pos;
        let data_offset = (infos_end as u64).next_multiple_of(alignment.into());
        if !tensors.is_empty() && data_offset > total {
            return Err(GgufError::Truncated {
                at: infos_end as u64,
                what: "padding before the tensor data",
            }
            .into());
        }
        let name_of = |t: &Ti| NameBuf::new(text(buf, t.name));
        for t in &tensors {
            if t.offset % u64::from(alignment) != 0 {
                return Err(GgufError::Misaligned {
                    tensor: name_of(t),
                    offset: t.offset,
                }
                .into());
            }
            if data_offset
                .checked_add(t.offset)
                .and_then(|s| s.checked_add(t.byte_len))
                .is_none_or(|end| end > total)
            {
                return Err(GgufError::OutOfBounds {
                    tensor: name_of(t),
                    offset: t.offset,
                }
                .into());
            }
        }
        let mut by_offset: Vec<&Ti> = tensors.iter().filter(|t| t.byte_len > 0).collect();
        by_offset.sort_unstable_by_key(|t| (t.offset, t.byte_len));
        let mut end = 0u64;
        for t in by_offset {
            if t.offset < end {
                return Err(GgufError::Overlap {
                    tensor: name_of(t),
                    offset: t.offset,
                }
                .into());
            }
            // In range: checked above.
            end = t.offset + t.byte_len;
        }
        Ok(Index {
            version,
            alignment,
            kvs,
            tensors,
            keys,
            names,
            infos_end,
            data_offset,
        })
    }

    fn value<'a>(&self, buf: &'a [u8], i: usize) -> (&'a str, GgufValue<'a>) {
        let kv = &self.kvs[i];
        let v = match kv.val {
            Val::Scalar(v) => v,
            Val::Str(s, e) => GgufValue::String(text(buf, (s, e))),
            Val::Arr(elem, len, s, e) => {
                GgufValue::Array(GgufArray::new(elem, len, buf.get(s..e).unwrap_or(&[])))
            }
        };
        (text(buf, kv.key), v)
    }

    fn get<'a>(&self, buf: &'a [u8], key: &str) -> Option<GgufValue<'a>> {
        let i = self
            .keys
            .binary_search_by(|&i| text(buf, self.kvs[i].key).cmp(key))
            .ok()?;
        Some(self.value(buf, self.keys[i]).1)
    }

    fn metadata<'s, 'a: 's>(
        &'s self,
        buf: &'a [u8],
    ) -> impl ExactSizeIterator<Item = (&'a str, GgufValue<'a>)> + 's {
        (0..self.kvs.len()).map(move |i| self.value(buf, i))
    }

    fn info<'a>(&self, buf: &'a [u8], i: usize) -> GgufTensorInfo<'a> {
        let t = &self.tensors[i];
        GgufTensorInfo {
            name: text(buf, t.name),
            ty: t.ty,
            dims: t.dims,
            n_dims: t.n_dims,
            offset: t.offset,
            byte_len: t.byte_len,
        }
    }

    fn find(&self, buf: &[u8], name: &str) -> Option<usize> {
        let i = self
            .names
            .binary_search_by(|&i| text(buf, self.tensors[i].name).cmp(name))
            .ok()?;
        Some(self.names[i])
    }

    #[cfg(feature = "std")]
    fn infos<'s, 'a: 's>(
        &'s self,
        buf: &'a [u8],
    ) -> impl ExactSizeIterator<Item = GgufTensorInfo<'a>> + 's {
        (0..self.tensors.len()).map(move |i| self.info(buf, i))
    }
}

/// A scalar value, which borrows nothing, with the lifetime of the index.
fn to_static(v: GgufValue<'_>) -> GgufValue<'static> {
    match v {
        GgufValue::U8(v) => GgufValue::U8(v),
        GgufValue::I8(v) => GgufValue::I8(v),
        GgufValue::U16(v) => GgufValue::U16(v),
        GgufValue::I16(v) => GgufValue::I16(v),
        GgufValue::U32(v) => GgufValue::U32(v),
        GgufValue::I32(v) => GgufValue::I32(v),
        GgufValue::F32(v) => GgufValue::F32(v),
        GgufValue::Bool(v) => GgufValue::Bool(v),
        GgufValue::U64(v) => GgufValue::U64(v),
        GgufValue::I64(v) => GgufValue::I64(v),
        GgufValue::F64(v) => GgufValue::F64(v),
        // Strings and arrays are kept as positions.
        GgufValue::String(_) | GgufValue::Array(_) => GgufValue::U8(0),
    }
}

/// `0..n` sorted by `key`.
fn sorted<'k>(n: usize, key: impl Fn(usize) -> &'k str) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    v.sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
    v
}

/// A GGUF file read in place from its bytes (a memory map, a `Vec`, an `include_bytes!`):
/// metadata and tensors borrow from the slice; nothing is copied.
///
/// [`parse`](Self::parse) checks the whole header and every tensor's position once, so the
/// accessors cannot fail. Looking up a key or a tensor name takes `O(log n)`.
///
/// ```
/// use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
/// let mut w = GgufWriter::new();
/// w.set("general.architecture", "llama")?.set("llama.context_length", 4096u32)?;
/// w.add_tensor("output.weight", &[64, 2], GgufType::F16, &[0.25; 128])?;
/// let bytes = w.to_bytes()?;
///
/// let f = GgufFile::parse(&bytes)?;
/// assert_eq!((f.version(), f.alignment()), (3, 32));
/// for (key, value) in f.metadata() {
///     println!("{key} = {value}");
/// }
/// for t in f.tensors() {
///     println!("{} {} {:?} at {}", t.name(), t.ggml_type(), t.dims(), t.info().offset());
/// }
/// assert_eq!(f.tensor("output.weight").unwrap().to_f32()?, [0.25; 128]);
/// assert!(f.tensor("missing").is_none());
/// # Ok::<(), lowbit::Error>(())
/// ```
#[derive(Clone)]
pub struct GgufFile<'a> {
    bytes: &'a [u8],
    index: Index,
}

impl fmt::Debug for GgufFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GgufFile")
            .field("version", &self.index.version)
            .field("alignment", &self.index.alignment)
            .field("metadata", &self.index.kvs.len())
            .field("tensors", &self.index.tensors.len())
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl<'a> GgufFile<'a> {
    /// Reads a whole GGUF file (versions 2 and 3, little-endian).
    ///
    /// # Errors
    /// [`Error::Gguf`] with the [`GgufError`] that says what is wrong and where.
    ///
    /// ```
    /// use lowbit::gguf::{GgufError, GgufFile, GgufWriter};
    /// use lowbit::Error;
    /// let bytes = GgufWriter::new().to_bytes()?;
    /// assert_eq!(GgufFile::parse(&bytes)?.tensors().len(), 0);
    /// assert_eq!(GgufFile::parse(b"GGML").unwrap_err(), Error::Gguf(GgufError::Magic(*b"GGML")));
    /// assert!(matches!(GgufFile::parse(&bytes[..20]), Err(Error::Gguf(GgufError::Truncated { at: 16, .. }))));
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    pub fn parse(bytes: &'a [u8]) -> Result<GgufFile<'a>, Error> {
        match Index::parse(bytes, bytes.len() as u64) {
            Ok(index) => Ok(GgufFile { bytes, index }),
            Err(Stop::Bad(e)) => Err(Error::Gguf(e)),
            // Cannot happen: the whole input is at hand.
            Err(Stop::More(_)) => Err(Error::Gguf(GgufError::Truncated {
                at: bytes.len() as u64,
                what: "file",
            })),
        }
    }

    /// The file's version (2 or 3).
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufWriter};
    /// let bytes = GgufWriter::new().to_bytes()?;
    /// assert_eq!(GgufFile::parse(&bytes)?.version(), 3);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn version(&self) -> u32 {
        self.index.version
    }

    /// The alignment of the tensor data (`general.alignment`, else 32).
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set_alignment(64)?;
    /// let bytes = w.to_bytes()?;
    /// assert_eq!(GgufFile::parse(&bytes)?.alignment(), 64);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn alignment(&self) -> u32 {
        self.index.alignment
    }

    /// Where the data section starts in the file: the end of the tensor infos rounded up to
    /// the alignment. Tensor `t`'s bytes start at `data_offset() + t.offset()`.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[32], GgufType::Q8_0, &[2.0; 32])?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// let t = f.tensor("w").unwrap();
    /// let start = (f.data_offset() + t.info().offset()) as usize;
    /// assert_eq!(t.data(), &bytes[start..start + 34]);
    /// assert_eq!(f.data_offset() % 32, 0);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn data_offset(&self) -> u64 {
        self.index.data_offset
    }

    /// The metadata pairs in file order.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufValue, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("b", 1u8)?.set("a", true)?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// let kv: Vec<_> = f.metadata().collect();
    /// assert_eq!(kv, [("b", GgufValue::U8(1)), ("a", GgufValue::Bool(true))]);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn metadata(&self) -> impl ExactSizeIterator<Item = (&'a str, GgufValue<'a>)> + '_ {
        self.index.metadata(self.bytes)
    }

    /// The value of `key`.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("llama.rope.freq_base", 10000.0f32)?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.get("llama.rope.freq_base").and_then(|v| v.as_f32()), Some(10000.0));
    /// assert_eq!(f.get("llama.rope.freq_scale"), None);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, key: &str) -> Option<GgufValue<'a>> {
        self.index.get(self.bytes, key)
    }

    /// `general.architecture`, the prefix of the model's own keys (`llama`, `qwen2`, …).
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("general.architecture", "qwen2")?;
    /// let bytes = w.to_bytes()?;
    /// assert_eq!(GgufFile::parse(&bytes)?.architecture(), Some("qwen2"));
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn architecture(&self) -> Option<&'a str> {
        self.get("general.architecture")?.as_str()
    }

    /// The tensors in file order.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.add_tensor("b", &[32], GgufType::Q8_0, &[1.0; 32])?;
    /// w.add_tensor("a", &[32], GgufType::F16, &[1.0; 32])?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// let names: Vec<&str> = f.tensors().map(|t| t.name()).collect();
    /// assert_eq!(names, ["b", "a"]);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn tensors(&self) -> impl ExactSizeIterator<Item = GgufTensor<'a>> + '_ {
        (0..self.index.tensors.len()).map(move |i| self.tensor_at(i))
    }

    /// The tensor named `name`.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.add_tensor("blk.0.attn_q.weight", &[32, 4], GgufType::Q4_0, &[0.5; 128])?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// let t = f.tensor("blk.0.attn_q.weight").unwrap();
    /// assert_eq!(t.data().len(), 4 * 18);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn tensor(&self, name: &str) -> Option<GgufTensor<'a>> {
        Some(self.tensor_at(self.index.find(self.bytes, name)?))
    }

    fn tensor_at(&self, i: usize) -> GgufTensor<'a> {
        let info = self.index.info(self.bytes, i);
        // In bounds: checked by `parse` against the slice's length.
        let start = (self.index.data_offset + info.offset) as usize;
        let data = self
            .bytes
            .get(start..start + info.byte_len as usize)
            .unwrap_or(&[]);
        GgufTensor { info, data }
    }

    /// The bytes the file was read from.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufWriter};
    /// let bytes = GgufWriter::new().to_bytes()?;
    /// assert_eq!(GgufFile::parse(&bytes)?.as_bytes().len(), bytes.len());
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

#[cfg(feature = "std")]
pub use io::GgufReader;

#[cfg(feature = "std")]
mod io;
mod tensor;
#[cfg(all(test, feature = "std"))]
mod tests;

pub use tensor::{GgufTensor, GgufTensorInfo};
