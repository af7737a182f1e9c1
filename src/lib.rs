// The README is the crate's front page. Its relative links (`docs/…`) work in the repository;
// on docs.rs they would not, so rustdoc gets these definitions first (the first definition of
// a link label wins) and the links go to the files in the published crate's source view.
#![doc = concat!(
    "[docs]: https://docs.rs/crate/lowbit/", env!("CARGO_PKG_VERSION"), "/source/docs/README.md\n",
    "[benchmarks]: https://docs.rs/crate/lowbit/", env!("CARGO_PKG_VERSION"), "/source/docs/benchmarks.md\n",
    "[architecture]: https://docs.rs/crate/lowbit/", env!("CARGO_PKG_VERSION"), "/source/docs/architecture.md\n",
)]
#![doc = include_str!("../README.md")]
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, missing_debug_implementations)]
#![warn(clippy::must_use_candidate, clippy::return_self_not_must_use)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod arch;
pub mod bnb;
mod element;
mod error;
pub mod gguf;
mod kernels;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod metrics;
pub mod pack;
#[cfg(feature = "rayon")]
mod par;
mod real;
mod round;
mod scaled;
mod slice;
pub mod spec;
pub mod ternary;
mod transcode;

pub use arch::Backend;
pub use element::codebook::Codebook;
pub use element::typed::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E3M4, Float8E4M3, Float8E4M3B11FNUZ,
    Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, Float8E8M0FNU,
};
pub use element::{ElementFormat, Format};
pub use error::{Error, NameBuf, SpecError};
pub use real::{Real, Real32};
pub use round::{Overflow, Rounding, Status, stochastic_bits};
#[cfg(feature = "alloc")]
pub use scaled::Transcoded;
pub use scaled::{
    AbsmaxProfile, AffineRule, BlockFormat, MxProfile, MxScaleRule, Nvfp4Profile, Region,
    ScaleType, Scheme,
};
pub use spec::{FloatSpec, IntSpec, NonFinite};
