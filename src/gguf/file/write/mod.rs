//! Writing: [`GgufWriter`] and the metadata values it takes ([`ToGgufValue`]).

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

#[cfg(feature = "std")]
use super::GgufTensorInfo;
use super::value::{Cur, Stop, walk};
use super::{
    GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgufError, GgufFile, GgufValue,
    GgufValueType, MAX_DIMS, MAX_TENSOR_NAME,
};
use crate::error::{Error, NameBuf};
use crate::gguf::GgufType;

mod encode;
#[cfg(feature = "std")]
mod stream;

use encode::Encode;
pub use encode::ToGgufValue;
#[cfg(feature = "std")]
pub use stream::GgufStream;

/// A tensor waiting to be written.
#[derive(Clone)]
struct Pending<'a> {
    name: String,
    ty: GgufType,
    dims: [u64; MAX_DIMS],
    n_dims: usize,
    byte_len: u64,
    /// `None` for a tensor declared with [`GgufWriter::add_tensor_info`], whose bytes come
    /// through a [`GgufStream`].
    data: Option<Cow<'a, [u8]>>,
}

/// Why a file with declared-only tensors cannot be written in one go.
const NO_DATA: Error = Error::Unsupported(
    "GGUF: a tensor declared with add_tensor_info has no data: write the file with stream_to",
);

/// Builds a GGUF v3 file: metadata pairs and tensors, written in the order they were
/// added, each tensor's data at the next multiple of the alignment (tensor infos and data
/// laid out as llama.cpp's `gguf_write_to_file` and gguf-py's `GGUFWriter` lay them out).
///
/// Tensors come as f32 values, quantized with [`quantize`](crate::gguf::quantize) (ggml's
/// bytes; F32, F16 and BF16 converted as ggml converts), or as bytes already in the type's
/// layout, borrowed (`&'a [u8]`, from a memory map say) or owned — or are only declared
/// ([`add_tensor_info`](Self::add_tensor_info)) and written one at a time after the header
/// ([`stream_to`](Self::stream_to)), for files larger than memory. What the writer takes is
/// what llama.cpp reads: non-empty keys, tensor names of at most [`MAX_TENSOR_NAME`] bytes,
/// at most four dimensions, rows of whole blocks. (llama.cpp also refuses nested arrays,
/// which the format and gguf-py allow and this writer writes.)
///
/// ```
/// use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
/// let q: Vec<f32> = (0..4096).map(|i| ((i * 37 % 101) as f32 - 50.0) / 64.0).collect();
/// let mut w = GgufWriter::new();
/// w.set("general.architecture", "llama")?
///     .set("general.name", "tiny")?
///     .set("llama.embedding_length", 256u32)?
///     .set("tokenizer.ggml.tokens", &["<unk>", "<s>", "</s>"])?
///     .set("tokenizer.ggml.scores", &[0.0f32, 0.0, 0.0])?;
/// w.add_tensor("blk.0.attn_q.weight", &[256, 16], GgufType::Q4K, &q)?;
/// let raw = [0u8; 18 * 8]; // eight Q4_0 blocks, bytes as they are
/// w.add_tensor_bytes("blk.0.attn_k.weight", &[256], GgufType::Q4_0, &raw[..])?;
/// let bytes = w.to_bytes()?;
/// let f = GgufFile::parse(&bytes)?;
/// assert_eq!(f.tensors().len(), 2);
/// assert_eq!(f.tensor("blk.0.attn_k.weight").unwrap().data(), raw);
/// # Ok::<(), lowbit::Error>(())
/// ```
#[derive(Clone)]
pub struct GgufWriter<'a> {
    alignment: u32,
    kvs: Vec<(String, GgufValueType, Vec<u8>)>,
    keys: BTreeMap<String, usize>,
    tensors: Vec<Pending<'a>>,
    names: BTreeMap<String, usize>,
}

impl fmt::Debug for GgufWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GgufWriter")
            .field("alignment", &self.alignment)
            .field("metadata", &self.kvs.len())
            .field("tensors", &self.tensors.len())
            .finish()
    }
}

impl Default for GgufWriter<'_> {
    fn default() -> Self {
        GgufWriter::new()
    }
}

fn pad(n: u64, alignment: u32) -> Result<u64, Error> {
    n.checked_next_multiple_of(alignment.into())
        .ok_or(Error::SizeOverflow("GGUF file size"))
}

impl<'a> GgufWriter<'a> {
    /// An empty file: no metadata, no tensors, alignment 32.
    ///
    /// ```
    /// use lowbit::gguf::GgufWriter;
    /// let bytes = GgufWriter::new().to_bytes()?;
    /// // magic, version 3, no tensors, no metadata, padded to 32
    /// assert_eq!(&bytes[..8], b"GGUF\x03\0\0\0");
    /// assert_eq!(bytes.len(), 32);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        GgufWriter {
            alignment: GGUF_DEFAULT_ALIGNMENT,
            kvs: Vec::new(),
            keys: BTreeMap::new(),
            tensors: Vec::new(),
            names: BTreeMap::new(),
        }
    }

    /// A writer holding everything in `file` — its metadata (copied) and its tensors (their
    /// bytes borrowed) — to change and write again.
    ///
    /// # Errors
    /// As [`add_tensor_bytes`](Self::add_tensor_bytes) for a tensor the writer does not
    /// take (a name longer than [`MAX_TENSOR_NAME`] bytes, which the readers accept).
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("general.name", "before")?;
    /// w.add_tensor("w", &[32], GgufType::Q8_0, &[1.0; 32])?;
    /// let first = w.to_bytes()?;
    ///
    /// let file = GgufFile::parse(&first)?;
    /// let mut edit = GgufWriter::from_file(&file)?;
    /// edit.set("general.name", "after")?;
    /// let second = edit.to_bytes()?;
    /// let f = GgufFile::parse(&second)?;
    /// assert_eq!(f.get("general.name").unwrap().as_str(), Some("after"));
    /// assert_eq!(f.tensor("w").unwrap().data(), file.tensor("w").unwrap().data());
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    pub fn from_file(file: &GgufFile<'a>) -> Result<Self, Error> {
        let mut w = GgufWriter::new();
        for (k, v) in file.metadata() {
            w.set(k, v)?;
        }
        for t in file.tensors() {
            w.add_tensor_bytes(t.name(), t.dims(), t.ggml_type(), t.data())?;
        }
        Ok(w)
    }

    /// Sets metadata `key` to `value` (see [`ToGgufValue`] for the types). A key set again
    /// keeps its place and takes the new value. `general.alignment` must be a `u32` power of
    /// two and sets the alignment of the tensor data ([`set_alignment`](Self::set_alignment)).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for an empty key (llama.cpp refuses them);
    /// [`GgufError::Alignment`] for a bad `general.alignment`; [`GgufError::Nesting`] for
    /// arrays nested deeper than [`MAX_NESTING`](super::MAX_NESTING).
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufValue, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("general.file_type", 15u32)?;        // UINT32
    /// w.set("llama.rope.freq_base", 1e6f32)?;    // FLOAT32
    /// w.set("tokenizer.ggml.add_bos_token", true)?;
    /// w.set("general.file_type", 7u32)?;         // replaces the first
    /// assert!(w.set("", 1u8).is_err());
    /// assert!(w.set("general.alignment", 48u32).is_err());
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.metadata().len(), 3);
    /// assert_eq!(f.get("general.file_type"), Some(GgufValue::U32(7)));
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    pub fn set(&mut self, key: &str, value: impl ToGgufValue) -> Result<&mut Self, Error> {
        if key.is_empty() {
            return Err(Error::Unsupported(
                "GGUF: an empty metadata key (llama.cpp refuses them)",
            ));
        }
        let ty = value.gguf_type();
        let mut enc = Vec::new();
        value.encode(&mut enc);
        // Check the value as the readers will (the Rust types make strings UTF-8 and
        // booleans 0 or 1; nesting depth is what is left).
        match walk(&mut Cur::new(&enc), ty, 0, true) {
            Ok(()) => {}
            Err(Stop::Bad(e)) => return Err(Error::Gguf(e)),
            Err(Stop::More(_)) => unreachable_more()?,
        }
        if key == "general.alignment" {
            match GgufValue::decode(&enc, ty) {
                Some((GgufValue::U32(a), _)) if a.is_power_of_two() => self.alignment = a,
                _ => return Err(Error::Gguf(GgufError::Alignment)),
            }
        }
        match self.keys.get(key) {
            Some(&i) => self.kvs[i] = (key.to_string(), ty, enc),
            None => {
                self.keys.insert(key.to_string(), self.kvs.len());
                self.kvs.push((key.to_string(), ty, enc));
            }
        }
        Ok(self)
    }

    /// Sets `general.alignment`: the tensor data starts at a multiple of `alignment` bytes
    /// (a power of two; 32 when the key is absent).
    ///
    /// # Errors
    /// [`GgufError::Alignment`] if `alignment` is not a power of two.
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set_alignment(128)?;
    /// w.add_tensor("a", &[32], GgufType::Q8_0, &[1.0; 32])?;
    /// w.add_tensor("b", &[32], GgufType::Q8_0, &[1.0; 32])?;
    /// let bytes = w.to_bytes()?;
    /// let f = GgufFile::parse(&bytes)?;
    /// assert_eq!((f.alignment(), f.data_offset() % 128), (128, 0));
    /// assert_eq!(f.tensor("b").unwrap().info().offset(), 128);
    /// assert!(w.set_alignment(0).is_err());
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    pub fn set_alignment(&mut self, alignment: u32) -> Result<&mut Self, Error> {
        self.set("general.alignment", alignment)
    }

    /// The value set for `key`.
    ///
    /// ```
    /// use lowbit::gguf::{GgufValue, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("general.name", "tiny")?;
    /// assert_eq!(w.get("general.name"), Some(GgufValue::String("tiny")));
    /// assert_eq!(w.get("general.author"), None);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, key: &str) -> Option<GgufValue<'_>> {
        let (_, ty, enc) = &self.kvs[*self.keys.get(key)?];
        Some(GgufValue::decode(enc, *ty)?.0)
    }

    /// Removes `key`; whether it was there. Removing `general.alignment` brings the
    /// alignment back to 32.
    ///
    /// ```
    /// use lowbit::gguf::GgufWriter;
    /// let mut w = GgufWriter::new();
    /// w.set("a", 1u8)?.set("b", 2u8)?;
    /// assert!(w.remove("a") && !w.remove("a"));
    /// assert!(w.get("b").is_some());
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    pub fn remove(&mut self, key: &str) -> bool {
        let Some(i) = self.keys.remove(key) else {
            return false;
        };
        self.kvs.remove(i);
        for v in self.keys.values_mut() {
            if *v > i {
                *v -= 1;
            }
        }
        if key == "general.alignment" {
            self.alignment = GGUF_DEFAULT_ALIGNMENT;
        }
        true
    }

    /// Checks a tensor's name and shape; its byte length.
    fn check(&self, name: &str, dims: &[u64], ty: GgufType) -> Result<(u64, u64), Error> {
        let tensor = NameBuf::new(name);
        if name.len() > MAX_TENSOR_NAME {
            return Err(GgufError::NameTooLong {
                tensor,
                len: name.len(),
            }
            .into());
        }
        if self.names.contains_key(name) {
            return Err(GgufError::DuplicateTensor(tensor).into());
        }
        if dims.len() > MAX_DIMS {
            return Err(GgufError::Dims {
                tensor,
                n_dims: u32::try_from(dims.len()).unwrap_or(u32::MAX),
            }
            .into());
        }
        let mut n = 1u64;
        for &d in dims {
            n = n
                .checked_mul(d)
                .filter(|&n| d <= i64::MAX as u64 && n <= i64::MAX as u64)
                .ok_or(GgufError::Shape { tensor })?;
        }
        let row_len = dims.first().copied().unwrap_or(1);
        let block_len = ty.block_len();
        if row_len % block_len as u64 != 0 {
            return Err(GgufError::RowLen {
                tensor,
                row_len,
                block_len,
            }
            .into());
        }
        let bytes = (n / block_len as u64)
            .checked_mul(ty.block_bytes() as u64)
            .ok_or(GgufError::Shape { tensor })?;
        Ok((n, bytes))
    }

    fn push(
        &mut self,
        name: &str,
        dims: &[u64],
        ty: GgufType,
        byte_len: u64,
        data: Option<Cow<'a, [u8]>>,
    ) {
        let mut d = [1u64; MAX_DIMS];
        d[..dims.len()].copy_from_slice(dims);
        self.names.insert(name.to_string(), self.tensors.len());
        self.tensors.push(Pending {
            name: name.to_string(),
            ty,
            dims: d,
            n_dims: dims.len(),
            byte_len,
            data,
        });
    }

    /// Adds a tensor of f32 values quantized to `ty` with
    /// [`quantize`](crate::gguf::quantize) (the bytes `ggml_quantize_chunk` writes; F32, F16
    /// and BF16 converted as ggml converts). `dims` lists the dimensions `ne[0]` (the row
    /// length, a multiple of the type's block length) first; `x` holds the elements in
    /// that order, rows one after another.
    ///
    /// # Errors
    /// [`GgufError::NameTooLong`], [`GgufError::DuplicateTensor`], [`GgufError::Dims`],
    /// [`GgufError::Shape`] or [`GgufError::RowLen`] for a name or shape llama.cpp would not
    /// read; [`Error::Length`] if `x` is not the shape's element count; [`quantize`]'s
    /// errors ([`Error::Unsupported`] for the integer and f64 types and for the types that
    /// need an importance matrix: quantize those with
    /// [`quantize_imatrix`](crate::gguf::quantize_imatrix) and add the bytes).
    ///
    /// [`quantize`]: crate::gguf::quantize
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// let x: Vec<f32> = (0..512).map(|i| (i as f32).cos()).collect();
    /// let mut w = GgufWriter::new();
    /// w.add_tensor("blk.0.ffn_down.weight", &[256, 2], GgufType::Q6K, &x)?;
    /// assert!(w.add_tensor("blk.0.ffn_down.weight", &[256, 2], GgufType::Q6K, &x).is_err());
    /// assert!(w.add_tensor("rows_not_blocks", &[128, 4], GgufType::Q6K, &x).is_err());
    /// assert!(w.add_tensor("wrong_count", &[256], GgufType::Q6K, &x).is_err());
    /// let bytes = w.to_bytes()?;
    /// let t = GgufFile::parse(&bytes)?.tensor("blk.0.ffn_down.weight").unwrap().to_f32()?;
    /// assert!(x.iter().zip(&t).all(|(a, b)| (a - b).abs() < 0.02));
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    pub fn add_tensor(
        &mut self,
        name: &str,
        dims: &[u64],
        ty: GgufType,
        x: &[f32],
    ) -> Result<&mut Self, Error> {
        let (n, bytes) = self.check(name, dims, ty)?;
        Error::check_len(
            "GGUF tensor elements (the product of the dimensions)",
            usize::try_from(n).unwrap_or(usize::MAX),
            x.len(),
        )?;
        // As many bytes as the slice's blocks: fits in usize.
        let mut out = vec![0u8; bytes as usize];
        crate::gguf::quantize(ty, x, &mut out)?;
        self.push(name, dims, ty, bytes, Some(Cow::Owned(out)));
        Ok(self)
    }

    /// Adds a tensor whose bytes are already in `ty`'s layout (`ggml_nbytes` of them),
    /// borrowed or owned. `dims` as for [`add_tensor`](Self::add_tensor).
    ///
    /// # Errors
    /// The shape and name errors of [`add_tensor`](Self::add_tensor); [`Error::Length`] if
    /// `data` is not the shape's byte length.
    ///
    /// ```
    /// use lowbit::gguf::{quantize_imatrix, GgufFile, GgufType, GgufWriter};
    /// let x: Vec<f32> = (0..512).map(|i| (i as f32 * 0.3).sin()).collect();
    /// let imatrix = vec![1.0f32; 256];
    /// let mut q = vec![0u8; GgufType::Iq2Xxs.bytes_len(512)?];
    /// quantize_imatrix(GgufType::Iq2Xxs, &x, &imatrix, &mut q)?;
    /// let mut w = GgufWriter::new();
    /// w.add_tensor_bytes("blk.0.ffn_gate.weight", &[256, 2], GgufType::Iq2Xxs, q.clone())?;
    /// w.add_tensor_bytes("tok", &[4], GgufType::I32, &[1u8, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0][..])?;
    /// assert!(w.add_tensor_bytes("short", &[4], GgufType::I32, &[0u8; 15][..]).is_err());
    /// let bytes = w.to_bytes()?;
    /// assert_eq!(GgufFile::parse(&bytes)?.tensor("blk.0.ffn_gate.weight").unwrap().data(), q);
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    pub fn add_tensor_bytes(
        &mut self,
        name: &str,
        dims: &[u64],
        ty: GgufType,
        data: impl Into<Cow<'a, [u8]>>,
    ) -> Result<&mut Self, Error> {
        let (_, bytes) = self.check(name, dims, ty)?;
        let data = data.into();
        Error::check_len(
            "GGUF tensor bytes (ggml_nbytes of the shape)",
            usize::try_from(bytes).unwrap_or(usize::MAX),
            data.len(),
        )?;
        self.push(name, dims, ty, bytes, Some(data));
        Ok(self)
    }

    /// Declares a tensor whose bytes are written later, through the [`GgufStream`] of
    /// [`stream_to`](Self::stream_to): the way to write a file larger than memory, one
    /// tensor at a time. `dims` as for [`add_tensor`](Self::add_tensor).
    ///
    /// # Errors
    /// The shape and name errors of [`add_tensor`](Self::add_tensor).
    ///
    /// ```
    /// use lowbit::gguf::{GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.add_tensor_info("blk.0.ffn_up.weight", &[4096, 11008], GgufType::Q4K)?;
    /// assert!(w.to_bytes().is_err()); // its bytes must come through stream_to
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    pub fn add_tensor_info(
        &mut self,
        name: &str,
        dims: &[u64],
        ty: GgufType,
    ) -> Result<&mut Self, Error> {
        let (_, bytes) = self.check(name, dims, ty)?;
        self.push(name, dims, ty, bytes, None);
        Ok(self)
    }

    /// The header: everything before the tensor data, padded to the alignment.
    fn header(&self) -> Result<Vec<u8>, Error> {
        let mut h = Vec::new();
        h.extend_from_slice(&GGUF_MAGIC);
        h.extend_from_slice(&GGUF_VERSION.to_le_bytes());
        h.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        h.extend_from_slice(&(self.kvs.len() as u64).to_le_bytes());
        for (key, ty, enc) in &self.kvs {
            key.as_str().encode(&mut h);
            h.extend_from_slice(&ty.id().to_le_bytes());
            h.extend_from_slice(enc);
        }
        let mut offset = 0u64;
        for t in &self.tensors {
            t.name.as_str().encode(&mut h);
            h.extend_from_slice(&(t.n_dims as u32).to_le_bytes());
            for d in &t.dims[..t.n_dims] {
                h.extend_from_slice(&d.to_le_bytes());
            }
            h.extend_from_slice(&t.ty.id().to_le_bytes());
            h.extend_from_slice(&offset.to_le_bytes());
            offset = offset
                .checked_add(t.byte_len)
                .ok_or(Error::SizeOverflow("GGUF file size"))?;
            offset = pad(offset, self.alignment)?;
        }
        let n = usize::try_from(pad(h.len() as u64, self.alignment)?)
            .map_err(|_| Error::SizeOverflow("GGUF header"))?;
        h.resize(n, 0);
        Ok(h)
    }

    /// Zero bytes after a tensor's data, up to the next multiple of the alignment.
    fn tail(&self, len: u64) -> usize {
        let a = u64::from(self.alignment);
        // Below the alignment, a u32.
        ((a - len % a) % a) as usize
    }

    /// The whole file.
    ///
    /// # Errors
    /// [`Error::SizeOverflow`] if the file would not fit in memory; [`Error::Unsupported`]
    /// if a tensor was declared with [`add_tensor_info`](Self::add_tensor_info) (its bytes
    /// come through [`stream_to`](Self::stream_to)).
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.add_tensor("w", &[32], GgufType::Q8_0, &[1.0; 32])?;
    /// let bytes = w.to_bytes()?;
    /// assert_eq!(bytes.len() % 32, 0); // the last tensor is padded too, as ggml pads it
    /// assert!(GgufFile::parse(&bytes).is_ok());
    /// # Ok::<(), lowbit::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut out = self.header()?;
        let mut total = out.len();
        for t in &self.tensors {
            let len = t.data.as_ref().ok_or(NO_DATA)?.len();
            total = total
                .checked_add(len)
                .and_then(|n| n.checked_add(self.tail(len as u64)))
                .ok_or(Error::SizeOverflow("GGUF file size"))?;
        }
        out.try_reserve_exact(total - out.len())
            .map_err(|_| Error::SizeOverflow("GGUF file size"))?;
        for t in &self.tensors {
            let data = t.data.as_deref().unwrap_or_default();
            out.extend_from_slice(data);
            out.resize(out.len() + self.tail(data.len() as u64), 0);
        }
        Ok(out)
    }

    /// Writes the file to `w` (a `File`, a `BufWriter`, …) in one pass, without holding it
    /// in memory twice.
    ///
    /// # Errors
    /// The writer's errors; [`ErrorKind::InvalidData`](std::io::ErrorKind::InvalidData)
    /// with [`Error::SizeOverflow`] if the header would not fit in memory;
    /// [`ErrorKind::InvalidInput`](std::io::ErrorKind::InvalidInput) if a tensor was declared
    /// with [`add_tensor_info`](Self::add_tensor_info) (use [`stream_to`](Self::stream_to)).
    ///
    /// ```
    /// use lowbit::gguf::{GgufReader, GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("general.architecture", "llama")?;
    /// w.add_tensor("w", &[64], GgufType::Q4_0, &[0.5; 64])?;
    /// let mut file = std::io::Cursor::new(Vec::new());
    /// w.write_to(&mut file)?;
    /// assert_eq!(file.get_ref(), &w.to_bytes()?);
    /// file.set_position(0);
    /// assert_eq!(GgufReader::new(file)?.architecture(), Some("llama"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn write_to<W: std::io::Write>(&self, w: W) -> std::io::Result<()> {
        if self.tensors.iter().any(|t| t.data.is_none()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                NO_DATA,
            ));
        }
        self.stream_to(w)?.finish().map(|_| ())
    }

    /// Writes the header (metadata and tensor infos) to `w` and returns the [`GgufStream`]
    /// that writes the tensors' data, in the order they were added: those added with bytes
    /// or values go out by themselves, those declared with
    /// [`add_tensor_info`](Self::add_tensor_info) take theirs from
    /// [`GgufStream::write_tensor`] or [`GgufStream::write_tensor_bytes`], one call each.
    /// Only one tensor's bytes are held at a time.
    ///
    /// # Errors
    /// The writer's errors; [`ErrorKind::InvalidData`](std::io::ErrorKind::InvalidData)
    /// with [`Error::SizeOverflow`] if the header would not fit in memory.
    ///
    /// ```
    /// use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.set("general.architecture", "llama")?;
    /// w.add_tensor("output_norm.weight", &[256], GgufType::F32, &[1.0; 256])?;
    /// for i in 0..3 {
    ///     w.add_tensor_info(&format!("blk.{i}.attn_q.weight"), &[256, 256], GgufType::Q4K)?;
    /// }
    /// let mut out = std::io::Cursor::new(Vec::new()); // a File, say
    /// let mut s = w.stream_to(&mut out)?;
    /// while let Some(t) = s.next_tensor() {
    ///     let n = t.n_elements() as usize;
    ///     let x: Vec<f32> = (0..n).map(|j| ((j * 7) % 13) as f32 - 6.0).collect(); // from a checkpoint, say
    ///     s.write_tensor(&x)?;
    /// }
    /// s.finish()?;
    /// let bytes = out.into_inner();
    /// let f = GgufFile::parse(&bytes)?;
    /// assert_eq!(f.tensors().len(), 4);
    /// assert_eq!(f.tensor("blk.2.attn_q.weight").unwrap().data().len(), 256 * 144);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn stream_to<W: std::io::Write>(&self, mut w: W) -> std::io::Result<GgufStream<'_, 'a, W>> {
        let h = self
            .header()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        w.write_all(&h)?;
        Ok(GgufStream {
            writer: self,
            out: w,
            next: 0,
            offset: 0,
        })
    }
}

#[cfg(feature = "std")]
const ALL_WRITTEN: Error =
    Error::Unsupported("GGUF: every tensor declared with add_tensor_info is written already");

/// A freshly encoded value is whole: checking it never asks for more bytes.
fn unreachable_more() -> Result<(), Error> {
    Err(Error::Gguf(GgufError::Truncated {
        at: 0,
        what: "metadata value",
    }))
}
