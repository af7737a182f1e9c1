//! [`GgufReader`]: the header read from any `Read + Seek`, tensors on demand.

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
    let want = usize::try_from(want).map_err(|_| invalid(Error::SizeOverflow("GGUF header")))?;
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
