//! [`GgufStream`]: a file larger than memory, written one tensor at a time.

use super::*;

/// Writes the tensor data of a file after its header ([`GgufWriter::stream_to`]): tensors
/// in the order they were added, one at a time. Call [`finish`](Self::finish) at the end;
/// a stream dropped before it has written an incomplete file.
///
/// ```
/// use lowbit::gguf::{quantize, GgufFile, GgufType, GgufWriter};
/// let mut w = GgufWriter::new();
/// w.add_tensor_info("a", &[32, 2], GgufType::Q8_0)?;
/// w.add_tensor_info("b", &[4], GgufType::I32)?;
/// let mut bytes = Vec::new();
/// let mut s = w.stream_to(&mut bytes)?;
/// assert_eq!(s.next_tensor().unwrap().name(), "a");
/// s.write_tensor(&[127.0; 64])?;                                   // quantized here
/// assert!(s.write_tensor_bytes(&[0u8; 15]).is_err());                // b takes 16 bytes
/// s.write_tensor_bytes(&[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0])?;
/// assert!(s.next_tensor().is_none());
/// s.finish()?;
/// let f = GgufFile::parse(&bytes)?;
/// assert_eq!(f.tensor("a").unwrap().to_f32()?, [127.0; 64]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct GgufStream<'w, 'a, W: std::io::Write> {
    pub(super) writer: &'w GgufWriter<'a>,
    pub(super) out: W,
    /// The first tensor not written yet.
    pub(super) next: usize,
    /// Its offset in the data section.
    pub(super) offset: u64,
}

#[cfg(feature = "std")]
impl<W: std::io::Write> fmt::Debug for GgufStream<'_, '_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GgufStream")
            .field("tensors", &self.writer.tensors.len())
            .field("written", &self.next)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "std")]
impl<'w, W: std::io::Write> GgufStream<'w, '_, W> {
    fn invalid(e: Error) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
    }

    /// Writes `data` and its padding as tensor `self.next`.
    fn emit(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.out.write_all(data)?;
        let zeros = [0u8; 256];
        let mut n = self.writer.tail(data.len() as u64);
        self.offset += data.len() as u64 + n as u64;
        while n > 0 {
            let k = n.min(zeros.len());
            self.out.write_all(&zeros[..k])?;
            n -= k;
        }
        self.next += 1;
        Ok(())
    }

    /// Writes the tensors that have their bytes, up to the next one that needs them.
    fn catch_up(&mut self) -> std::io::Result<()> {
        let tensors = &self.writer.tensors;
        while let Some(Some(data)) = tensors.get(self.next).map(|t| t.data.as_deref()) {
            self.emit(data)?;
        }
        Ok(())
    }

    /// The next tensor whose bytes the stream waits for (declared with
    /// [`GgufWriter::add_tensor_info`]), or `None` when every such tensor is written.
    ///
    /// ```
    /// use lowbit::gguf::{GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.add_tensor("a", &[4], GgufType::F32, &[0.0; 4])?;
    /// w.add_tensor_info("b", &[32, 3], GgufType::Q4_0)?;
    /// let mut s = w.stream_to(std::io::sink())?;
    /// let t = s.next_tensor().unwrap();
    /// assert_eq!((t.name(), t.dims(), t.byte_len(), t.offset()), ("b", &[32, 3][..], 54, 32));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn next_tensor(&self) -> Option<GgufTensorInfo<'w>> {
        let tensors = &self.writer.tensors;
        let mut offset = self.offset;
        for t in tensors.get(self.next..)? {
            if t.data.is_none() {
                return Some(GgufTensorInfo::new(
                    &t.name,
                    t.ty,
                    t.dims,
                    t.n_dims as u8,
                    offset,
                    t.byte_len,
                ));
            }
            offset += t.byte_len + self.writer.tail(t.byte_len) as u64;
        }
        None
    }

    /// Writes the next declared tensor's data as `x` quantized to its type with
    /// [`quantize`](crate::gguf::quantize) (`x` holds its elements, `ne[0]` fastest).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](std::io::ErrorKind::InvalidInput) with the crate's
    /// [`Error`]: every declared tensor is written already, `x` is not its element count
    /// ([`Error::Length`]), or `quantize` refuses the type; the writer's errors.
    ///
    /// ```
    /// use lowbit::gguf::{GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.add_tensor_info("w", &[256], GgufType::Q6K)?;
    /// let mut s = w.stream_to(Vec::new())?;
    /// assert!(s.write_tensor(&[1.0; 255]).is_err());
    /// s.write_tensor(&[1.0; 256])?;
    /// assert!(s.write_tensor(&[1.0; 256]).is_err()); // nothing left to write
    /// assert_eq!(s.finish()?.len() % 32, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_tensor(&mut self, x: &[f32]) -> std::io::Result<()> {
        let info = self
            .next_tensor()
            .ok_or_else(|| Self::invalid(ALL_WRITTEN))?;
        Error::check_len(
            "GGUF tensor elements (the product of the dimensions)",
            usize::try_from(info.n_elements()).unwrap_or(usize::MAX),
            x.len(),
        )
        .map_err(Self::invalid)?;
        // As many bytes as the slice's blocks: fits in usize.
        let mut q = vec![0u8; info.byte_len() as usize];
        crate::gguf::quantize(info.ggml_type(), x, &mut q).map_err(Self::invalid)?;
        self.catch_up()?;
        self.emit(&q)
    }

    /// Writes the next declared tensor's data, bytes already in its type's layout.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](std::io::ErrorKind::InvalidInput) with the crate's
    /// [`Error`]: every declared tensor is written already, or `data` is not its byte length
    /// ([`Error::Length`]); the writer's errors.
    ///
    /// ```
    /// use lowbit::gguf::{GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.add_tensor_info("w", &[32], GgufType::Q4_0)?;
    /// let mut s = w.stream_to(Vec::new())?;
    /// assert!(s.write_tensor_bytes(&[0u8; 17]).is_err());
    /// s.write_tensor_bytes(&[0u8; 18])?;
    /// s.finish()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_tensor_bytes(&mut self, data: &[u8]) -> std::io::Result<()> {
        let info = self
            .next_tensor()
            .ok_or_else(|| Self::invalid(ALL_WRITTEN))?;
        Error::check_len(
            "GGUF tensor bytes (ggml_nbytes of the shape)",
            usize::try_from(info.byte_len()).unwrap_or(usize::MAX),
            data.len(),
        )
        .map_err(Self::invalid)?;
        self.catch_up()?;
        self.emit(data)
    }

    /// Writes the tensors left that have their bytes, flushes, and gives the writer back.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](std::io::ErrorKind::InvalidInput) if a declared tensor
    /// has not been written (the file would be incomplete); the writer's errors.
    ///
    /// ```
    /// use lowbit::gguf::{GgufType, GgufWriter};
    /// let mut w = GgufWriter::new();
    /// w.add_tensor_info("w", &[32], GgufType::Q8_0)?;
    /// assert!(w.stream_to(Vec::new())?.finish().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn finish(mut self) -> std::io::Result<W> {
        self.catch_up()?;
        if self.next < self.writer.tensors.len() {
            return Err(Self::invalid(Error::Unsupported(
                "GGUF: a tensor declared with add_tensor_info was not written",
            )));
        }
        self.out.flush()?;
        Ok(self.out)
    }
}
