//! A tensor of a parsed file: its info and its bytes.

use super::*;

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
    pub(super) name: &'a str,
    pub(super) ty: GgufType,
    pub(super) dims: [u64; MAX_DIMS],
    pub(super) n_dims: u8,
    pub(super) offset: u64,
    pub(super) byte_len: u64,
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
    pub(super) info: GgufTensorInfo<'a>,
    pub(super) data: &'a [u8],
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
