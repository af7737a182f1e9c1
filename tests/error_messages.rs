//! Error values a new user met: what they say.

use lowbit::Error;
use lowbit::pack::{Layout, packed_len};

#[test]
fn packed_len_of_a_huge_count_is_a_size_overflow_not_a_negative_count() {
    let e = packed_len(4, Layout::Dense, usize::MAX).unwrap_err();
    assert!(matches!(e, Error::SizeOverflow(_)), "{e:?}");
    let msg = e.to_string();
    assert!(
        !msg.contains("-1") && msg.contains("element count"),
        "{msg}"
    );
}

#[test]
fn error_is_a_core_error() {
    // Implemented through `core::error::Error`, so it exists without `std` too.
    fn is_core_error<E: core::error::Error + Send + Sync + 'static>() {}
    is_core_error::<Error>();
}
