//! Every unpacker and decoder on arbitrary bytes and lengths: never panics, never reads out
//! of bounds (the fuzzer runs with sanitizer checks), and every backend gives the bits of the
//! scalar tier. Also encode on arbitrary f32 bytes: all backends agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lowbit::pack::{self, Layout, PackedSlice};
use lowbit::ternary::{self, TritLayout};
use lowbit::{Backend, ElementFormat, Format, Overflow, Rounding};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (head, body) = data.split_at(4);
    let n = u16::from_le_bytes([head[0], head[1]]) as usize % 2048;
    let pick = head[2] as usize;
    let mode = head[3];

    // Bit packing: any width, any layout, any (mismatched) length.
    let bits = [1u32, 2, 3, 4, 5, 6, 7, 8, 16, 0, 9][pick % 11];
    let layout = if mode & 1 == 0 { Layout::Dense } else { Layout::SplitHalf };
    let mut codes = vec![0u16; n];
    let _ = pack::unpack(body, bits, layout, &mut codes);
    if let Ok(view) = PackedSlice::new(body, bits, layout, n) {
        let all: Vec<u32> = view.iter().collect();
        assert_eq!(all.len(), n);
        assert_eq!(view.get(n), None);
    }

    // Element slices: decode arbitrary bytes, then encode the result; all backends agree.
    let (_, f, _) = ElementFormat::NAMED[pick % ElementFormat::NAMED.len()];
    let m = body.len() * 8 / f.bits() as usize;
    let mut want = vec![0f32; m];
    let ok = f.decode_slice_with(Backend::Scalar, &body[..f.packed_len(m).unwrap()], &mut want);
    if ok.is_ok() {
        for b in Backend::available() {
            let mut got = vec![0f32; m];
            f.decode_slice_with(b, &body[..f.packed_len(m).unwrap()], &mut got).unwrap();
            assert!(got.iter().zip(&want).all(|(a, c)| a.to_bits() == c.to_bits()), "{f} {b:?} decode");
        }
    }
    let x: Vec<f32> = body.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
    let r = [Rounding::NearestEven, Rounding::NearestAway, Rounding::TowardZero, Rounding::TowardPositive,
        Rounding::TowardNegative, Rounding::Stochastic(mode as u32)][mode as usize % 6];
    let o = if mode & 0x80 != 0 { Overflow::Saturate } else { Overflow::NonFinite };
    let mut want = vec![0u8; f.packed_len(x.len()).unwrap()];
    f.encode_slice_with(Backend::Scalar, &x, r, o, &mut want).unwrap();
    for b in Backend::available() {
        let mut got = vec![0u8; want.len()];
        f.encode_slice_with(b, &x, r, o, &mut got).unwrap();
        assert_eq!(got, want, "{f} {b:?} encode");
    }
    assert!(f.decode_slice(body, &mut vec![0f32; n]).is_ok() == (f.packed_len(n).unwrap() == body.len()));

    // Ternary: every layout on arbitrary bytes and lengths.
    for tl in [TritLayout::TwoBit, TritLayout::I2sX86, TritLayout::I2sArm, TritLayout::Base3] {
        let mut q = vec![0i8; n];
        let _ = ternary::unpack_trits(body, tl, &mut q);
        let mut v = vec![0f32; n];
        let _ = ternary::decode_trits(body, tl, 1.5, &mut v);
        let a: Vec<i8> = body.iter().map(|&b| b as i8).cycle().take(n).collect();
        if let (Ok(len), true) = (tl.packed_len(n), !body.is_empty()) {
            if len <= body.len() {
                let d = ternary::dot_i8(&body[..len], tl, &a).unwrap();
                for b in Backend::available() {
                    assert_eq!(ternary::dot_i8_with(b, &body[..len], tl, &a).unwrap(), d);
                }
            }
        }
    }
    let mut y = vec![0f32; n / 256 * 256];
    let _ = lowbit::gguf::dequantize(lowbit::gguf::GgufType::Tq1_0, body, &mut y);
    let _ = lowbit::gguf::dequantize(lowbit::gguf::GgufType::Tq2_0, body, &mut y);
});
