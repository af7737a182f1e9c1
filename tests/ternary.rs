//! Ternary: GGUF TQ1_0/TQ2_0 against the `gguf` package's vectors, I2_S against a reference
//! written from BitNet's `quantize_i2_s` loops, exhaustive packings, backend equality.

use lowbit::gguf::{self, GgufType};
use lowbit::ternary::*;
use lowbit::{Backend, BlockFormat, Region};
use proptest::prelude::*;

const LAYOUTS: [TritLayout; 4] = [
    TritLayout::TwoBit,
    TritLayout::I2sX86,
    TritLayout::I2sArm,
    TritLayout::Base3,
];

fn f32s(cells: &[&str]) -> Vec<f32> {
    cells
        .iter()
        .map(|c| f32::from_bits(u32::from_str_radix(c, 16).unwrap()))
        .collect()
}

#[test]
fn tq1_0_and_tq2_0_match_the_gguf_package() {
    let path = format!(
        "{}/tests/vectors/gguf_ternary.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let c: Vec<&str> = line.split_whitespace().collect();
        let n: usize = c[1].parse().unwrap();
        let x = f32s(&c[2..2 + n]);
        let want_q: Vec<u8> = (0..c[2 + n].len() / 2)
            .map(|i| u8::from_str_radix(&c[2 + n][2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let want_y = f32s(&c[3 + n..3 + 2 * n]);
        let t: GgufType = c[0].parse().unwrap();
        let mut q = vec![0u8; n / 256 * t.block_bytes()];
        gguf::quantize(t, &x, &mut q).unwrap();
        assert_eq!(q, want_q, "{} quantize", c[0]);
        let mut y = vec![0f32; n];
        gguf::dequantize(t, &want_q, &mut y).unwrap();
        for i in 0..n {
            assert!(
                y[i] == want_y[i] || (y[i].is_nan() && want_y[i].is_nan()),
                "{} dequantize [{i}]",
                c[0]
            );
        }
        rows += 1;
    }
    assert_eq!(rows, 48);
}

/// BitNet's quantize_i2_s packing loop, x86 (block 128, groups of 32) or ARM (64, 16).
fn bitnet_i2s(q8: &[u8], block: usize) -> Vec<u8> {
    let group = block / 4;
    let mut out = vec![0u8; q8.len() / 4];
    for i in 0..q8.len() / block {
        for j in 0..block {
            out[i * group + j % group] |= q8[i * block + j] << (6 - 2 * (j / group));
        }
    }
    out
}

#[test]
fn i2s_layouts_match_bitnets_loops_and_not_each_other() {
    let q: Vec<i8> = (0..1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 20) as i8 % 2)
        .map(|v| v.clamp(-1, 1))
        .collect();
    let q8: Vec<u8> = q.iter().map(|&v| (v + 1) as u8).collect();
    for (layout, block) in [(TritLayout::I2sX86, 128), (TritLayout::I2sArm, 64)] {
        let mut out = vec![0u8; 256];
        pack_trits(&q, layout, &mut out).unwrap();
        assert_eq!(out, bitnet_i2s(&q8, block), "{layout:?}");
        let mut back = vec![0i8; 1024];
        unpack_trits(&out, layout, &mut back).unwrap();
        assert_eq!(back, q);
    }
    // The two builds' files differ: reading one as the other is the corruption in BitNet's
    // issues, and here it can only happen by naming the wrong layout.
    let (mut a, mut b) = (vec![0u8; 256], vec![0u8; 256]);
    pack_trits(&q, TritLayout::I2sX86, &mut a).unwrap();
    pack_trits(&q, TritLayout::I2sArm, &mut b).unwrap();
    assert_ne!(a, b);
}

#[test]
fn every_byte_of_every_packing_decodes_and_every_trit_combination_round_trips() {
    for layout in LAYOUTS {
        let n = match layout {
            TritLayout::I2sX86 => 128,
            TritLayout::I2sArm => 64,
            TritLayout::Base3 => 5,
            _ => 4,
        };
        let nb = layout.packed_len(n).unwrap();
        for byte in 0..=255u8 {
            for pos in 0..nb {
                let mut bytes = vec![0x55u8; nb]; // 0x55 = code 1 (zero) everywhere in 2-bit layouts
                if layout == TritLayout::Base3 {
                    bytes = vec![0u8; nb];
                }
                bytes[pos] = byte;
                let mut q = vec![0i8; n];
                unpack_trits(&bytes, layout, &mut q).unwrap();
                let mut f = vec![0f32; n];
                decode_trits(&bytes, layout, 0.5, &mut f).unwrap();
                for i in 0..n {
                    assert_eq!(f[i], q[i] as f32 * 0.5);
                }
                if layout == TritLayout::Base3 {
                    let mut v = byte % 243;
                    for &t in &q {
                        assert_eq!(t, (v % 3) as i8 - 1);
                        v /= 3;
                    }
                } else if bytes
                    .iter()
                    .all(|b| (0..4).all(|k| (b >> (2 * k)) & 3 != 3))
                {
                    let mut again = vec![0u8; nb];
                    pack_trits(&q, layout, &mut again).unwrap();
                    assert_eq!(again, bytes, "{layout:?} byte {byte:#x}");
                }
            }
        }
    }
    // All 3^5 combinations of five trits.
    for v in 0..243u32 {
        let q: Vec<i8> = (0..5).map(|k| ((v / 3u32.pow(k)) % 3) as i8 - 1).collect();
        for layout in [TritLayout::TwoBit, TritLayout::Base3] {
            let mut b = vec![0u8; layout.packed_len(5).unwrap()];
            pack_trits(&q, layout, &mut b).unwrap();
            let mut back = vec![0i8; 5];
            unpack_trits(&b, layout, &mut back).unwrap();
            assert_eq!(back, q);
        }
    }
}

#[test]
fn backends_agree_on_decode_and_dot_for_every_length() {
    let backends: Vec<Backend> = Backend::available().collect();
    assert!(backends.len() >= 2);
    let q: Vec<i8> = (0..400u32)
        .map(|i| ((i.wrapping_mul(0x9E37_79B9) >> 28) % 3) as i8 - 1)
        .collect();
    let a: Vec<i8> = (0..400u32)
        .map(|i| (i.wrapping_mul(0x85EB_CA6B) >> 24) as i8)
        .collect();
    for len in 0..=300 {
        let mut bytes = vec![0u8; TritLayout::TwoBit.packed_len(len).unwrap()];
        pack_trits(&q[..len], TritLayout::TwoBit, &mut bytes).unwrap();
        let naive: i64 = q[..len]
            .iter()
            .zip(&a[..len])
            .map(|(&w, &x)| w as i64 * x as i64)
            .sum();
        for &b in &backends {
            assert_eq!(
                dot_i8_with(b, &bytes, TritLayout::TwoBit, &a[..len]).unwrap(),
                naive,
                "{b:?} len {len}"
            );
        }
        for &b in &backends {
            let mut back = vec![0i8; len];
            unpack_trits_with(b, &bytes, TritLayout::TwoBit, &mut back).unwrap();
            assert_eq!(back, &q[..len], "{b:?} len {len}");
        }
        let mut p = vec![0u8; TritLayout::Base3.packed_len(len).unwrap()];
        pack_trits(&q[..len], TritLayout::Base3, &mut p).unwrap();
        assert_eq!(dot_i8(&p, TritLayout::Base3, &a[..len]).unwrap(), naive);
    }
    // Extreme activations do not overflow the i32 accumulators on long rows.
    let n = 1 << 16;
    let w = vec![1i8; n];
    let x = vec![-128i8; n];
    let mut p = vec![0u8; n / 4];
    pack_trits(&w, TritLayout::TwoBit, &mut p).unwrap();
    for &b in &backends {
        assert_eq!(
            dot_i8_with(b, &p, TritLayout::TwoBit, &x).unwrap(),
            -128 * n as i64
        );
    }
    // Beyond what an i32 holds: 2^25 products of -128 sum to -2^32.
    let n = 1 << 25;
    let x = vec![-128i8; n];
    let p = vec![0b10_10_10_10u8; n / 4]; // every trit +1
    for &b in &backends {
        assert_eq!(
            dot_i8_with(b, &p, TritLayout::TwoBit, &x).unwrap(),
            -(1i64 << 32),
            "{b:?}"
        );
    }
}

/// BitNet b1.58 quantization of a `[rows, cols]` tensor over `region`: the trits and scales.
fn b158(w: &[f32], region: Region, cols: usize) -> Result<(Vec<i8>, Vec<f32>), lowbit::Error> {
    let bf = BlockFormat::BITNET_B158.with_region(region)?;
    let rows = w.len() / cols;
    let mut codes = vec![0u8; bf.codes_len_rows(rows, cols)?];
    let mut s = vec![0u8; bf.scales_len_rows(rows, cols)?];
    bf.quantize_rows(w, cols, &mut codes, &mut s)?;
    let mut q = vec![0i8; w.len()];
    let per = TritLayout::TwoBit.packed_len(cols)?;
    for (qr, cr) in q.chunks_mut(cols).zip(codes.chunks(per)) {
        unpack_trits(cr, TritLayout::TwoBit, qr)?;
    }
    let s = s
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    Ok((q, s))
}

#[test]
fn b158_quantization_follows_bitnet() {
    let w = [0.5f32, -0.2, 0.05, 1.5, -0.9, 0.0, 0.3, -0.31];
    let mean = w.iter().map(|v| v.abs() as f64).sum::<f64>() as f32 / 8.0;
    let (q, s) = b158(&w, Region::Tensor, 8).unwrap();
    assert!((s[0] - mean).abs() <= f32::EPSILON * mean);
    for i in 0..8 {
        let want = (w[i] / s[0]).round_ties_even().clamp(-1.0, 1.0) as i8;
        assert_eq!(q[i], want, "w={}", w[i]);
    }
    // Per row: two scales; an all-zero row gets the 1e-5 floor.
    let w2 = [1.0f32, -1.0, 0.0, 0.0];
    let (_, s2) = b158(&w2, Region::Row, 2).unwrap();
    assert_eq!(s2, [1.0, 1e-5]);
    assert!(b158(&w2, Region::Block(0), 4).is_err());
    assert!(b158(&w2, Region::Block(3), 4).is_ok());
    // Activations: per-token absmax to int8.
    let x = [1.0f32, -2.0, 0.5, 4.0, 0.0, 0.0];
    let (mut qa, mut sa) = ([0u8; 6], [0u8; 8]);
    BlockFormat::BITNET_A8
        .quantize_rows(&x, 3, &mut qa, &mut sa)
        .unwrap();
    let sa: Vec<f32> = sa
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    let qa: Vec<i8> = qa.iter().map(|&b| b as i8).collect();
    assert_eq!(sa[0], 63.5);
    assert_eq!(&qa[..3], &[64, -127, 32]); // 63.5 ties to even 64; 31.75 -> 32
    assert_eq!(sa[1], 127.0 / 4.0);
    assert_eq!(&qa[3..], &[127, 0, 0]);
}

#[test]
fn bad_inputs_are_errors() {
    assert!(pack_trits(&[2], TritLayout::TwoBit, &mut [0u8; 1]).is_err());
    assert!(pack_trits(&[0; 100], TritLayout::I2sX86, &mut [0u8; 25]).is_err());
    assert!(unpack_trits(&[0u8; 3], TritLayout::Base3, &mut [0i8; 20]).is_err());
    assert!(dot_i8(&[0u8; 1], TritLayout::TwoBit, &[0i8; 5]).is_err());
    assert!(gguf::quantize(GgufType::Tq2_0, &[0.0; 100], &mut [0u8; 66]).is_err());
    assert!(gguf::dequantize(GgufType::Tq1_0, &[0u8; 53], &mut [0f32; 256]).is_err());
    assert!(decode_trits(&[0u8; 2], TritLayout::TwoBit, 1.0, &mut [0f32; 9]).is_err());
}

proptest! {
    #[test]
    fn packings_round_trip_on_any_length(seed in any::<u32>(), blocks in 0usize..6, tail in 0usize..128, li in 0usize..4) {
        let layout = LAYOUTS[li];
        let n = match layout {
            TritLayout::I2sX86 => blocks * 128,
            TritLayout::I2sArm => blocks * 64,
            _ => blocks * 64 + tail,
        };
        let q: Vec<i8> = (0..n as u64).map(|i| (lowbit::stochastic_bits(seed, i) % 3) as i8 - 1).collect();
        let mut p = vec![0u8; layout.packed_len(n).unwrap()];
        pack_trits(&q, layout, &mut p).unwrap();
        let mut back = vec![0i8; n];
        unpack_trits(&p, layout, &mut back).unwrap();
        prop_assert_eq!(&back, &q);
        let mut f = vec![0f32; n];
        decode_trits(&p, layout, 2.0, &mut f).unwrap();
        prop_assert!(f.iter().zip(&q).all(|(&v, &t)| v == t as f32 * 2.0));
        let a: Vec<i8> = (0..n as u64).map(|i| lowbit::stochastic_bits(seed ^ 1, i) as i8).collect();
        let naive: i64 = q.iter().zip(&a).map(|(&w, &x)| w as i64 * x as i64).sum();
        prop_assert_eq!(dot_i8(&p, layout, &a).unwrap(), naive);
    }
}

#[test]
fn f16_and_bf16_decode_round_the_scaled_value_once() {
    let q: Vec<i8> = (0..333).map(|i| (i % 3) as i8 - 1).collect();
    for layout in [TritLayout::TwoBit, TritLayout::Base3] {
        let mut p = vec![0u8; layout.packed_len(q.len()).unwrap()];
        pack_trits(&q, layout, &mut p).unwrap();
        let scale = 0.1f32; // not exact in f16/bf16
        let mut h = vec![half::f16::ZERO; q.len()];
        decode_trits(&p, layout, scale, &mut h).unwrap();
        let mut b = vec![half::bf16::ZERO; q.len()];
        decode_trits(&p, layout, scale, &mut b).unwrap();
        for i in 0..q.len() {
            let v = q[i] as f32 * scale;
            assert_eq!(h[i].to_bits(), half::f16::from_f32(v).to_bits());
            assert_eq!(b[i].to_bits(), half::bf16::from_f32(v).to_bits());
        }
        assert!(decode_trits(&p[1..], layout, scale, &mut h).is_err());
    }
}
