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

/// One tensor's entry in a file's header: name, shape, type and where its data is.
///
/// `dims()[0]` is ggml's `ne[0]`, the innermost dimension: a row's length, contiguous in
/// the data. numpy, PyTorch and gguf-py's `GGUFReader.tensors[i].data.shape` list the
/// dimensions the other way round (a `[rows, cols]` matrix has `dims() == [cols, rows]`).
///
/// ```
/// use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
/// let mut w = GgufWriter::new();
/// w.add_tensor("token_embd.weight", &[64, 3], GgufType::Q8_0, &[0.5; 192])?;
/// let bytes = w.to_bytes()?;
/// let f = GgufFile::parse(&bytes)?;
/// let t = f.tensor("token_embd.weight").unwrap();
/// let info = t.info();
/// assert_eq!(info.name(), "token_embd.weight");
/// assert_eq!(info.ggml_type(), GgufType::Q8_0);
/// assert_eq!(info.dims(), [64, 3]);
/// assert_eq!((info.row_len(), info.n_rows(), info.n_elements()), (64, 3, 192));
/// assert_eq!((info.offset(), info.byte_len()), (0, 3 * 2 * 34));
/// # Ok::<(), lowbit::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GgufTensorInfo<'a> {
    name: &'a str,
    ty: GgufType,
    dims: [u64; MAX_DIMS],
    n_dims: u8,
    offset: u64,
    byte_len: u64,
}

impl<'a> GgufTensorInfo<'a> {
    #[cfg(feature = "std")]
    pub(crate) fn new(
        name: &'a str,
        ty: GgufType,
        dims: [u64; MAX_DIMS],
        n_dims: u8,
        offset: u64,
        byte_len: u64,
    ) -> Self {
        GgufTensorInfo {
            name,
            ty,
            dims,
            n_dims,
            offset,
            byte_len,
        }
    }

    /// The tensor's name.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("output_norm.weight", &[32], GgufType::F32, &[1.0; 32])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensors().next().unwrap().info().name(), "output_norm.weight");
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Its ggml type.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[32], GgufType::F16, &[1.0; 32])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().info().ggml_type(), GgufType::F16);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn ggml_type(&self) -> GgufType {
        self.ty
    }

    /// Its dimensions, `ne[0]` (the row length) first; at most [`MAX_DIMS`].
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[32, 2, 3], GgufType::Q8_0, &[1.0; 192])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().info().dims(), [32, 2, 3]);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn dims(&self) -> &[u64] {
        &self.dims[..self.n_dims as usize]
    }

    /// The number of elements (the product of the dimensions; 1 for no dimensions).
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[32, 2, 3], GgufType::Q8_0, &[1.0; 192])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().info().n_elements(), 192);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn n_elements(&self) -> u64 {
        // Checked when the file was read: the product fits in i64.
        self.dims.iter().product()
    }

    /// The length of a row, `ne[0]` (1 for no dimensions); a multiple of the type's block
    /// length.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[256, 4], GgufType::Q4K, &[0.0; 1024])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().info().row_len(), 256);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn row_len(&self) -> u64 {
        self.dims[0]
    }

    /// The number of rows: the product of the dimensions after the first.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[32, 2, 3], GgufType::Q8_0, &[1.0; 192])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().info().n_rows(), 6);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn n_rows(&self) -> u64 {
        self.dims[1..].iter().product()
    }

    /// Where its data starts, counted from the start of the data section
    /// ([`GgufFile::data_offset`]); a multiple of the alignment.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("a", &[32], GgufType::Q8_0, &[1.0; 32])?;  // 34 bytes, padded to 64
    /// w.add_tensor("b", &[32], GgufType::Q8_0, &[1.0; 32])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("b").unwrap().info().offset(), 64);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The size of its data in bytes (`ggml_nbytes`).
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[256, 2], GgufType::Q6K, &[0.0; 512])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().info().byte_len(), 2 * 210);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn byte_len(&self) -> u64 {
        self.byte_len
    }
}

/// A tensor of a [`GgufFile`]: its [`GgufTensorInfo`] and its bytes, borrowed from the
/// file.
///
/// ```
/// use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
/// let x: Vec<f32> = (0..64).map(|i| i as f32 / 8.0).collect();
/// let mut w = GgufWriter::new();
/// w.add_tensor("blk.0.ffn_up.weight", &[32, 2], GgufType::Q8_0, &x)?;
/// let bytes = w.to_bytes()?;
/// let f = GgufFile::parse(&bytes)?;
/// let t = f.tensor("blk.0.ffn_up.weight").unwrap();
/// assert_eq!((t.name(), t.ggml_type(), t.dims()), ("blk.0.ffn_up.weight", GgufType::Q8_0, &[32, 2][..]));
/// assert_eq!(t.data().len(), 68);
/// let y = t.to_f32()?;
/// assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() <= 4.0 / 127.0));
/// # Ok::<(), lowbit::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GgufTensor<'a> {
    info: GgufTensorInfo<'a>,
    data: &'a [u8],
}

impl<'a> GgufTensor<'a> {
    /// Its entry in the header.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[32], GgufType::Q4_0, &[1.0; 32])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().info().byte_len(), 18);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn info(&self) -> &GgufTensorInfo<'a> {
        &self.info
    }

    /// Its name ([`GgufTensorInfo::name`]).
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[32], GgufType::Q4_0, &[1.0; 32])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().name(), "w");
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.info.name
    }

    /// Its ggml type ([`GgufTensorInfo::ggml_type`]).
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[32], GgufType::Q4_0, &[1.0; 32])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().ggml_type(), GgufType::Q4_0);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn ggml_type(&self) -> GgufType {
        self.info.ty
    }

    /// Its dimensions, `ne[0]` first ([`GgufTensorInfo::dims`]).
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[32, 1], GgufType::Q4_0, &[1.0; 32])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().dims(), [32, 1]);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn dims(&self) -> &[u64] {
        &self.info.dims[..self.info.n_dims as usize]
    }

    /// Its bytes as stored, [`GgufTensorInfo::byte_len`] long. For F32 tensors in a
    /// 4-byte-aligned buffer on a little-endian machine, `bytemuck::try_cast_slice` gives
    /// the `&[f32]` in place.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[2], GgufType::F32, &[1.0, -2.0])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().data(), [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Dequantizes the tensor into `out` ([`dequantize`](crate::gguf::dequantize)), whose
    /// length must be [`GgufTensorInfo::n_elements`].
    ///
    /// # Errors
    /// [`Error::Length`] for a wrong `out`; [`Error::Unsupported`] for the integer and f64
    /// types.
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[32], GgufType::Q4_0, &[1.0; 32])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// let mut y = [0f32; 32];
    /// f.tensor("w").unwrap().dequantize(&mut y)?;
    /// assert_eq!(y, [1.0; 32]);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    pub fn dequantize(&self, out: &mut [f32]) -> Result<(), Error> {
        crate::gguf::dequantize(self.info.ty, self.data, out)
    }

    /// The tensor dequantized into a new vector.
    ///
    /// # Errors
    /// As [`dequantize`](Self::dequantize).
    ///
    /// ```
    /// # use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// # let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[3], GgufType::Bf16, &[1.0, 2.0, 3.0])?;
    /// # let bytes = w.to_bytes()?;
    /// # let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensor("w").unwrap().to_f32()?, [1.0, 2.0, 3.0]);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    pub fn to_f32(&self) -> Result<Vec<f32>, Error> {
        // On a 64-bit target any count fits (it is at most i64::MAX); on a 32-bit one, a
        // tensor of more than usize::MAX elements is an error.
        let n = usize::try_from(self.info.n_elements())
            .map_err(|_| Error::SizeOverflow("GGUF tensor elements"))?;
        let mut out = Vec::new();
        out.try_reserve_exact(n)
            .map_err(|_| Error::SizeOverflow("GGUF tensor elements"))?;
        out.resize(n, 0f32);
        self.dequantize(&mut out)?;
        Ok(out)
    }
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
mod io {
    use super::*;
    use std::io::{self, Read, Seek, SeekFrom};

    /// What a [`GgufReader`] reads before it knows how long the header is.
    const FIRST_READ: u64 = 1 << 16;

    fn invalid(e: Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }

    /// A GGUF file read from a stream ([`Read`] + [`Seek`]: a `File`, a `Cursor`, …): the
    /// header is read and checked once, as [`GgufFile::parse`] checks it (against the
    /// stream's length, so tensor data must lie inside it), and held in memory; tensor data
    /// is read on demand.
    ///
    /// The stream's current position is the start of the file. Errors are
    /// [`std::io::Error`]s; a malformed file gives [`ErrorKind::InvalidData`](io::ErrorKind::InvalidData)
    /// carrying the crate's [`Error`] (`e.get_ref()` and `downcast_ref::<lowbit::Error>()`).
    /// The header is read in pieces of growing size, so a hostile length field never makes
    /// it allocate beyond the stream's length.
    ///
    /// ```
    /// use lowbit::gguf::{GgufReader, GgufType, GgufWriter};
    /// let x: Vec<f32> = (0..256).map(|i| i as f32).collect();
    /// let mut w = GgufWriter::new();
    /// w.set("general.architecture", "llama")?;
    /// w.add_tensor("token_embd.weight", &[256], GgufType::Q8_0, &x)?;
    /// let path = std::env::temp_dir().join(format!("lowbit-doc-{}.gguf", std::process::id()));
    /// w.write_to(std::fs::File::create(&path)?)?;
    ///
    /// let mut r = GgufReader::new(std::fs::File::open(&path)?)?;
    /// assert_eq!(r.architecture(), Some("llama"));
    /// let info = r.tensor_info("token_embd.weight").unwrap();
    /// assert_eq!((info.ggml_type(), info.byte_len()), (GgufType::Q8_0, 8 * 34));
    /// let bytes = r.read_tensor("token_embd.weight")?;
    /// let mut y = vec![0f32; 256];
    /// lowbit::gguf::dequantize(GgufType::Q8_0, &bytes, &mut y)?;
    /// assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() <= 1.0));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub struct GgufReader<R> {
        inner: R,
        start: u64,
        pub(super) head: Vec<u8>,
        index: Index,
    }

    impl<R> fmt::Debug for GgufReader<R> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("GgufReader")
                .field("version", &self.index.version)
                .field("alignment", &self.index.alignment)
                .field("metadata", &self.index.kvs.len())
                .field("tensors", &self.index.tensors.len())
                .field("start", &self.start)
                .finish_non_exhaustive()
        }
    }

    /// Appends bytes from `r` until `head` is `want` long.
    fn fill<R: Read>(r: &mut R, head: &mut Vec<u8>, want: u64) -> io::Result<()> {
        let want =
            usize::try_from(want).map_err(|_| invalid(Error::SizeOverflow("GGUF header")))?;
        let n = want.saturating_sub(head.len());
        head.try_reserve_exact(n)
            .map_err(|_| invalid(Error::SizeOverflow("GGUF header")))?;
        r.take(n as u64).read_to_end(head)?;
        if head.len() < want {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "GGUF: the stream ended before its length",
            ));
        }
        Ok(())
    }

    impl<R: Read + Seek> GgufReader<R> {
        /// Reads and checks the header of the GGUF file that starts at the stream's
        /// current position.
        ///
        /// # Errors
        /// The stream's errors; [`ErrorKind::InvalidData`](io::ErrorKind::InvalidData) with
        /// [`Error::Gguf`] for a malformed file.
        ///
        /// ```
        /// use lowbit::gguf::{GgufError, GgufReader, GgufWriter};
        /// use std::io::Cursor;
        /// let bytes = GgufWriter::new().to_bytes()?;
        /// assert_eq!(GgufReader::new(Cursor::new(&bytes))?.version(), 3);
        /// let e = GgufReader::new(Cursor::new(&bytes[..10])).unwrap_err();
        /// let inner = e.get_ref().and_then(|e| e.downcast_ref::<lowbit::Error>());
        /// assert!(matches!(inner, Some(lowbit::Error::Gguf(GgufError::Truncated { at: 8, .. }))));
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn new(mut inner: R) -> io::Result<GgufReader<R>> {
            let start = inner.stream_position()?;
            let end = inner.seek(SeekFrom::End(0))?;
            inner.seek(SeekFrom::Start(start))?;
            let total = end.saturating_sub(start);
            let mut head = Vec::new();
            let mut want = total.min(FIRST_READ);
            let index = loop {
                fill(&mut inner, &mut head, want)?;
                match Index::parse(&head, total) {
                    Ok(index) => break index,
                    // `need` is past what was read and within the stream: progress.
                    Err(Stop::More(need)) => want = need.max(2 * head.len() as u64).min(total),
                    Err(Stop::Bad(e)) => return Err(invalid(Error::Gguf(e))),
                }
            };
            head.truncate(index.infos_end);
            head.shrink_to_fit();
            Ok(GgufReader {
                inner,
                start,
                head,
                index,
            })
        }

        /// Reads the bytes of the tensor named `name`.
        ///
        /// # Errors
        /// [`ErrorKind::NotFound`](io::ErrorKind::NotFound) if there is none; the stream's
        /// errors.
        ///
        /// ```
        /// use lowbit::gguf::{GgufReader, GgufType, GgufWriter};
        /// let mut w = GgufWriter::new();
        /// w.add_tensor("w", &[2], GgufType::F32, &[1.0, 2.0])?;
        /// let mut r = GgufReader::new(std::io::Cursor::new(w.to_bytes()?))?;
        /// assert_eq!(r.read_tensor("w")?, [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
        /// assert_eq!(r.read_tensor("v").unwrap_err().kind(), std::io::ErrorKind::NotFound);
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn read_tensor(&mut self, name: &str) -> io::Result<Vec<u8>> {
            let info = self.locate(name)?;
            let n = usize::try_from(info.1)
                .map_err(|_| invalid(Error::SizeOverflow("GGUF tensor bytes")))?;
            let mut out = Vec::new();
            out.try_reserve_exact(n)
                .map_err(|_| invalid(Error::SizeOverflow("GGUF tensor bytes")))?;
            out.resize(n, 0);
            self.inner.seek(SeekFrom::Start(info.0))?;
            self.inner.read_exact(&mut out)?;
            Ok(out)
        }

        /// Reads the bytes of the tensor named `name` into `out`, which must be
        /// [`GgufTensorInfo::byte_len`] long.
        ///
        /// # Errors
        /// [`ErrorKind::NotFound`](io::ErrorKind::NotFound) if there is no such tensor,
        /// [`ErrorKind::InvalidInput`](io::ErrorKind::InvalidInput) with [`Error::Length`]
        /// for a wrong `out`; the stream's errors.
        ///
        /// ```
        /// use lowbit::gguf::{GgufReader, GgufType, GgufWriter};
        /// let mut w = GgufWriter::new();
        /// w.add_tensor("w", &[32], GgufType::Q8_0, &[1.0; 32])?;
        /// let mut r = GgufReader::new(std::io::Cursor::new(w.to_bytes()?))?;
        /// let mut buf = [0u8; 34];
        /// r.read_tensor_into("w", &mut buf)?;
        /// assert_eq!(&buf[..2], [0x08, 0x20]); // d = 1/127 as f16
        /// assert!(r.read_tensor_into("w", &mut [0u8; 33]).is_err());
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn read_tensor_into(&mut self, name: &str, out: &mut [u8]) -> io::Result<()> {
            let (at, len) = self.locate(name)?;
            if len != out.len() as u64 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    Error::Length {
                        what: "GGUF tensor bytes",
                        expected: usize::try_from(len).unwrap_or(usize::MAX),
                        actual: out.len(),
                    },
                ));
            }
            self.inner.seek(SeekFrom::Start(at))?;
            self.inner.read_exact(out)
        }

        /// Where the tensor's bytes start in the stream, and how many there are.
        fn locate(&self, name: &str) -> io::Result<(u64, u64)> {
            let i = self.index.find(&self.head, name).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    std::format!("GGUF: no tensor named {name:?}"),
                )
            })?;
            let t = &self.index.tensors[i];
            // In range: checked against the stream's length.
            Ok((self.start + self.index.data_offset + t.offset, t.byte_len))
        }
    }

    impl<R> GgufReader<R> {
        /// The file's version (2 or 3).
        ///
        /// ```
        /// # use lowbit::gguf::{GgufReader, GgufWriter};
        /// let r = GgufReader::new(std::io::Cursor::new(GgufWriter::new().to_bytes()?))?;
        /// assert_eq!(r.version(), 3);
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[must_use]
        pub fn version(&self) -> u32 {
            self.index.version
        }

        /// The alignment of the tensor data.
        ///
        /// ```
        /// # use lowbit::gguf::{GgufReader, GgufWriter};
        /// let r = GgufReader::new(std::io::Cursor::new(GgufWriter::new().to_bytes()?))?;
        /// assert_eq!(r.alignment(), 32);
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[must_use]
        pub fn alignment(&self) -> u32 {
            self.index.alignment
        }

        /// Where the data section starts, counted from the start of the file.
        ///
        /// ```
        /// # use lowbit::gguf::{GgufReader, GgufWriter};
        /// let bytes = GgufWriter::new().to_bytes()?;
        /// let r = GgufReader::new(std::io::Cursor::new(&bytes))?;
        /// assert_eq!(r.data_offset(), 32); // the 24-byte header, padded
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[must_use]
        pub fn data_offset(&self) -> u64 {
            self.index.data_offset
        }

        /// The metadata pairs in file order.
        ///
        /// ```
        /// # use lowbit::gguf::{GgufReader, GgufWriter};
        /// let mut w = GgufWriter::new();
        /// w.set("general.name", "tiny")?;
        /// let r = GgufReader::new(std::io::Cursor::new(w.to_bytes()?))?;
        /// assert_eq!(r.metadata().map(|(k, _)| k).collect::<Vec<_>>(), ["general.name"]);
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[must_use]
        pub fn metadata(&self) -> impl ExactSizeIterator<Item = (&str, GgufValue<'_>)> + '_ {
            self.index.metadata(&self.head)
        }

        /// The value of `key`.
        ///
        /// ```
        /// # use lowbit::gguf::{GgufReader, GgufWriter};
        /// let mut w = GgufWriter::new();
        /// w.set("llama.block_count", 2u32)?;
        /// let r = GgufReader::new(std::io::Cursor::new(w.to_bytes()?))?;
        /// assert_eq!(r.get("llama.block_count").and_then(|v| v.as_u64()), Some(2));
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[must_use]
        pub fn get(&self, key: &str) -> Option<GgufValue<'_>> {
            self.index.get(&self.head, key)
        }

        /// `general.architecture`.
        ///
        /// ```
        /// # use lowbit::gguf::{GgufReader, GgufWriter};
        /// let mut w = GgufWriter::new();
        /// w.set("general.architecture", "gemma3")?;
        /// let r = GgufReader::new(std::io::Cursor::new(w.to_bytes()?))?;
        /// assert_eq!(r.architecture(), Some("gemma3"));
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[must_use]
        pub fn architecture(&self) -> Option<&str> {
            self.get("general.architecture")?.as_str()
        }

        /// The tensor infos in file order.
        ///
        /// ```
        /// # use lowbit::gguf::{GgufReader, GgufType, GgufWriter};
        /// let mut w = GgufWriter::new();
        /// w.add_tensor("a", &[32], GgufType::Q8_0, &[1.0; 32])?;
        /// let r = GgufReader::new(std::io::Cursor::new(w.to_bytes()?))?;
        /// assert_eq!(r.tensor_infos().map(|t| t.name()).collect::<Vec<_>>(), ["a"]);
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[must_use]
        pub fn tensor_infos(&self) -> impl ExactSizeIterator<Item = GgufTensorInfo<'_>> + '_ {
            self.index.infos(&self.head)
        }

        /// The info of the tensor named `name`.
        ///
        /// ```
        /// # use lowbit::gguf::{GgufReader, GgufType, GgufWriter};
        /// let mut w = GgufWriter::new();
        /// w.add_tensor("a", &[32, 2], GgufType::Q4_0, &[1.0; 64])?;
        /// let r = GgufReader::new(std::io::Cursor::new(w.to_bytes()?))?;
        /// assert_eq!(r.tensor_info("a").unwrap().dims(), [32, 2]);
        /// assert!(r.tensor_info("b").is_none());
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[must_use]
        pub fn tensor_info(&self, name: &str) -> Option<GgufTensorInfo<'_>> {
            Some(
                self.index
                    .info(&self.head, self.index.find(&self.head, name)?),
            )
        }

        /// The stream.
        ///
        /// ```
        /// # use lowbit::gguf::{GgufReader, GgufWriter};
        /// let bytes = GgufWriter::new().to_bytes()?;
        /// let r = GgufReader::new(std::io::Cursor::new(bytes.clone()))?;
        /// assert_eq!(r.get_ref().get_ref(), &bytes);
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[must_use]
        pub fn get_ref(&self) -> &R {
            &self.inner
        }

        /// The stream, given back.
        ///
        /// ```
        /// # use lowbit::gguf::{GgufReader, GgufWriter};
        /// let bytes = GgufWriter::new().to_bytes()?;
        /// let r = GgufReader::new(std::io::Cursor::new(bytes.clone()))?;
        /// assert_eq!(r.into_inner().into_inner(), bytes);
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[must_use]
        pub fn into_inner(self) -> R {
            self.inner
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::gguf::GgufWriter;
    use std::io::{self, Cursor, Read, Seek, SeekFrom};
    use std::string::String;

    fn big_file(n: usize) -> Vec<u8> {
        // A header of a vocabulary of `n` tokens (about 24 bytes each), then one tensor.
        let tokens: Vec<String> = (0..n).map(|i| std::format!("token number {i}")).collect();
        let mut w = GgufWriter::new();
        w.set("tokenizer.ggml.tokens", &tokens).unwrap();
        w.add_tensor("w", &[32], GgufType::Q8_0, &[1.0; 32])
            .unwrap();
        w.to_bytes().unwrap()
    }

    #[test]
    fn a_prefix_asks_for_the_bytes_it_needs() {
        let bytes = big_file(500);
        let total = bytes.len() as u64;
        let mut have = 10usize;
        let mut rounds = 0;
        let index = loop {
            match Index::parse(&bytes[..have], total) {
                Ok(i) => break i,
                Err(Stop::More(need)) => {
                    assert!(need > have as u64 && need <= total, "{need} {have}");
                    have = need as usize;
                    rounds += 1;
                }
                Err(Stop::Bad(e)) => panic!("{e}"),
            }
        };
        // Each round asks for the end of the field it stopped in: two per string (its
        // length, its bytes) and a few more.
        assert!(rounds > 1000 && rounds <= 1020, "{rounds}");
        assert_eq!(
            index.infos_end,
            GgufFile::parse(&bytes).unwrap().index.infos_end
        );
        // The whole input gives no `More`.
        assert!(Index::parse(&bytes, total).is_ok());
    }

    /// A stream that returns at most 7 bytes per read.
    struct Trickle(Cursor<Vec<u8>>);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(7);
            self.0.read(&mut buf[..n])
        }
    }

    impl Seek for Trickle {
        fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
            self.0.seek(pos)
        }
    }

    #[test]
    fn the_reader_reads_long_headers_from_slow_streams() {
        let bytes = big_file(20_000);
        let f = GgufFile::parse(&bytes).unwrap();
        let mut r = GgufReader::new(Trickle(Cursor::new(bytes.clone()))).unwrap();
        assert_eq!(r.data_offset(), f.data_offset());
        assert_eq!(
            r.get("tokenizer.ggml.tokens")
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            20_000
        );
        assert_eq!(
            r.get("tokenizer.ggml.tokens")
                .unwrap()
                .as_array()
                .unwrap()
                .get(19_999)
                .unwrap()
                .as_str(),
            Some("token number 19999")
        );
        assert_eq!(r.read_tensor("w").unwrap(), f.tensor("w").unwrap().data());
        // The header is kept, the tensor data is not.
        assert_eq!(r.head.len(), f.index.infos_end);
    }

    #[test]
    fn a_stream_shorter_than_it_says_is_an_eof_error() {
        /// Claims 1000 more bytes at its end than it has.
        struct Liar(Cursor<Vec<u8>>);
        impl Read for Liar {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0.read(buf)
            }
        }
        impl Seek for Liar {
            fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
                match pos {
                    SeekFrom::End(d) => Ok((self.0.get_ref().len() as i64 + 1000 + d) as u64),
                    p => self.0.seek(p),
                }
            }
        }
        let bytes = big_file(20_000);
        let mut short = bytes.clone();
        short.truncate(1000);
        let e = GgufReader::new(Liar(Cursor::new(short))).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }
}
