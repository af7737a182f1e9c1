//! x86_64 entries: the shared kernels compiled with AVX2 or AVX-512 enabled.

use crate::bulk::lanes::{self, LaneParams};

macro_rules! entry {
    ($safe:ident, $inner:ident, $features:literal, $has:path, ($($arg:ident: $ty:ty),*), $body:expr) => {
        entry!($safe, $inner, $features, $has, ($($arg: $ty),*) -> (), $body);
    };
    ($safe:ident, $inner:ident, $features:literal, $has:path, ($($arg:ident: $ty:ty),*) -> $ret:ty, $body:expr) => {
        /// # Safety
        /// - The CPU must support every feature in the `target_feature` list.
        #[target_feature(enable = $features)]
        unsafe fn $inner($($arg: $ty),*) -> $ret {
            $body
        }

        pub(super) fn $safe($($arg: $ty),*) -> $ret {
            debug_assert!($has());
            // SAFETY: callers reach this only through a `Backend` whose `is_available()`
            // returned true, i.e. after run-time detection of exactly these features.
            unsafe { $inner($($arg),*) }
        }
    };
}

entry!(encode_chunk_avx2, encode_chunk_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (p: &LaneParams, mode: u8, x: &[f32], out: &mut [u16]),
    lanes::encode_chunk_any(p, mode, x, out));
entry!(encode_chunk_avx512, encode_chunk_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (p: &LaneParams, mode: u8, x: &[f32], out: &mut [u16]),
    lanes::encode_chunk_any(p, mode, x, out));
entry!(encode_bytes_avx2, encode_bytes_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (p: &LaneParams, mode: u8, x: &[f32], nibbles: bool, out: &mut [u8]),
    super::lanes_encode_bytes(p, mode, x, nibbles, out));
entry!(encode_bytes_avx512, encode_bytes_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (p: &LaneParams, mode: u8, x: &[f32], nibbles: bool, out: &mut [u8]),
    super::lanes_encode_bytes(p, mode, x, nibbles, out));
entry!(decode_u8_avx2, decode_u8_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (lut: &[f32; 256], codes: &[u8], out: &mut [f32]),
    lanes::decode_u8_lut(lut, codes, out));
entry!(decode_nibbles_avx2, decode_nibbles_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (pairs: &[[f32; 2]; 256], bytes: &[u8], out: &mut [f32]),
    lanes::decode_nibbles_lut(pairs, bytes, out));
entry!(trits_to_i8_avx2, trits_to_i8_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (bytes: &[u8], out: &mut [i8]),
    crate::ternary::kernels::trits_to_i8(bytes, out));
entry!(trits_to_i8_avx512, trits_to_i8_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (bytes: &[u8], out: &mut [i8]),
    crate::ternary::kernels::trits_to_i8(bytes, out));
entry!(dot_twobit_avx2, dot_twobit_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (bytes: &[u8], a: &[i8]) -> i32,
    crate::ternary::kernels::dot_twobit(bytes, a));
entry!(dot_twobit_avx512, dot_twobit_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (bytes: &[u8], a: &[i8]) -> i32,
    crate::ternary::kernels::dot_twobit(bytes, a));
entry!(block_qdq_avx2, block_qdq_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (bf: &crate::block::BlockFormat, f: &crate::block::FastElem, nv: Option<&crate::block::Nv>, x: &[f32], out: &mut [f32]),
    bf.qdq_fast(f, nv, x, out));
entry!(block_qdq_avx512, block_qdq_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (bf: &crate::block::BlockFormat, f: &crate::block::FastElem, nv: Option<&crate::block::Nv>, x: &[f32], out: &mut [f32]),
    bf.qdq_fast(f, nv, x, out));
entry!(block_quantize_avx2, block_quantize_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (bf: &crate::block::BlockFormat, f: &crate::block::FastElem, nv: Option<&crate::block::Nv>, x: &[f32], codes: &mut [u8], scales: &mut [u8]) -> bool,
    bf.quantize_fast(f, nv, x, codes, scales));
entry!(block_quantize_avx512, block_quantize_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (bf: &crate::block::BlockFormat, f: &crate::block::FastElem, nv: Option<&crate::block::Nv>, x: &[f32], codes: &mut [u8], scales: &mut [u8]) -> bool,
    bf.quantize_fast(f, nv, x, codes, scales));
entry!(group_qdq_avx2, group_qdq_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (g: &crate::group::GroupFormat, x: &[f32], cols: usize, out: &mut [f32]),
    g.qdq_rows_kernel(x, cols, out));
entry!(group_qdq_avx512, group_qdq_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (g: &crate::group::GroupFormat, x: &[f32], cols: usize, out: &mut [f32]),
    g.qdq_rows_kernel(x, cols, out));
entry!(group_quantize_avx2, group_quantize_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (g: &crate::group::GroupFormat, x: &[f32], cols: usize, codes: &mut [u8], scales: &mut [f32], zeros: &mut [u8]),
    g.quantize_rows_kernel(x, cols, codes, scales, zeros));
entry!(group_quantize_avx512, group_quantize_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (g: &crate::group::GroupFormat, x: &[f32], cols: usize, codes: &mut [u8], scales: &mut [f32], zeros: &mut [u8]),
    g.quantize_rows_kernel(x, cols, codes, scales, zeros));
entry!(block_dequantize_avx2, block_dequantize_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (bf: &crate::block::BlockFormat, table: &crate::bulk::DecodeTable, nv: Option<&crate::block::Nv>, codes: &[u8], scales: &[u8], out: &mut [f32]) -> Result<(), crate::Error>,
    bf.dequantize_kernel(table, nv, codes, scales, out));
entry!(block_dequantize_avx512, block_dequantize_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (bf: &crate::block::BlockFormat, table: &crate::bulk::DecodeTable, nv: Option<&crate::block::Nv>, codes: &[u8], scales: &[u8], out: &mut [f32]) -> Result<(), crate::Error>,
    bf.dequantize_kernel(table, nv, codes, scales, out));
entry!(decode_float8_avx512, decode_float8_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (d: &crate::block::FloatDecode, codes: &[u8], out: &mut [f32]),
    d.decode_slice(codes, out));
entry!(encode_sixes_avx2, encode_sixes_avx2_tf, "avx2,fma,f16c", super::has_avx2,
    (p: &LaneParams, mode: u8, x: &[f32], out: &mut [u8]),
    super::lanes_encode_sixes(p, mode, x, out));
entry!(encode_sixes_avx512, encode_sixes_avx512_tf, "avx512f,avx512bw,avx512vl,avx2,fma,f16c", super::has_avx512,
    (p: &LaneParams, mode: u8, x: &[f32], out: &mut [u8]),
    super::lanes_encode_sixes(p, mode, x, out));
