//! The bodies of every bulk operation, on plain data only: slices, lane parameters, decode
//! tables, per-block plans. Nothing here knows a block format, a profile or a GGUF type;
//! the domain layers (`slice`, `scaled`, `gguf`, `ternary`) turn those into plain
//! parameters (`gguf_dq`, `gguf_q` and `gguf_kq`, ggml's searching quantizers, apply ggml's byte layouts, their rules being plain
//! data too: the grids and value tables are parameters). Every body is `#[inline(always)]` and free of target features: `arch`
//! stamps each one into a `#[target_feature]` entry per backend, so the same source
//! compiles to that backend's vector code, and reaches it only through the backend's table.

pub(crate) mod codebook;
pub(crate) mod e4m3;
pub(crate) mod element;
pub(crate) mod gguf_dq;
pub(crate) mod gguf_kq;
pub(crate) mod gguf_q;
pub(crate) mod quotient;
pub(crate) mod scaled;
pub(crate) mod transcode;
pub(crate) mod trits;

/// Elements per stack-buffered chunk and per span of whole blocks: a multiple of 8, so every
/// width packs a chunk into whole bytes, and small enough that a chunk's inputs, codes and
/// outputs stay in L1.
pub(crate) const CHUNK: usize = 512;

/// Elements per kernel call of the scaled formats' region walk (`scaled::run`): a group of
/// up to [`GROUP_MAX`](scaled::GROUP_MAX) regions (2,048 elements of MX, 1,024 of NVFP4)
/// goes through each kernel in one call, which keeps the walk's per-call cost a few percent
/// of the kernels' work (at 512 it was a fifth of MX quantization). Its staging buffers,
/// a few of `SPAN` f32, stay within L1.
pub(crate) const SPAN: usize = 4 * CHUNK;
