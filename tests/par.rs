//! The `_par` forms (rayon feature) write exactly the serial forms' bytes and values, on
//! every named element format and a spread of scaled formats, with stochastic rounding and
//! hostile values, on lengths that cut into several pieces with ragged ends.

use lowbit::{BlockFormat, ElementFormat, Overflow, Rounding};

fn data(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed | 1;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            match i % 997 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => -0.0,
                3 => f32::from_bits(1),
                _ => {
                    ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 2f32.powi((s % 20) as i32 - 10)
                }
            }
        })
        .collect()
}

fn same(a: &[f32], b: &[f32]) -> bool {
    a.iter().zip(b).all(|(p, q)| p.to_bits() == q.to_bits())
}

const LENS: [usize; 4] = [0, 1, 100_003, 300_001];

#[test]
fn element_slices_par_equal_serial() {
    for (_, f, _) in ElementFormat::NAMED {
        for &n in &LENS {
            let x = data(n, 7 + n as u64);
            for r in [
                Rounding::NearestEven,
                Rounding::TowardZero,
                Rounding::Stochastic(11),
            ] {
                let len = f.packed_len(n).unwrap();
                let (mut a, mut b) = (vec![0u8; len], vec![0u8; len]);
                f.encode_slice(&x, r, Overflow::Saturate, &mut a).unwrap();
                f.encode_slice_par(&x, r, Overflow::Saturate, &mut b)
                    .unwrap();
                assert_eq!(a, b, "{f} {r:?} n {n}");
                let (mut y1, mut y2) = (vec![0f32; n], vec![0f32; n]);
                f.decode_slice(&a, &mut y1).unwrap();
                f.decode_slice_par(&a, &mut y2).unwrap();
                assert!(same(&y1, &y2), "{f} decode n {n}");
            }
        }
        assert!(
            f.encode_slice_par(
                &[1.0f32; 3],
                Rounding::NearestEven,
                Overflow::Saturate,
                &mut []
            )
            .is_err()
        );
    }
}

#[test]
fn scaled_par_equal_serial() {
    let names = [
        "mxfp4",
        "mxfp6_e3m2_k7",
        "mxfp8_e4m3_sr5",
        "mxint8",
        "nvfp4",
        "nvfp4_torchao_single",
        "int4_g128",
        "int3_g7_awq_bf16",
        "int8_g16_sym_rz",
        "absmax_int8_g8",
        "fp8_e4m3_tensor",
        "bitnet_b158",
        "bitnet_b158_g5",
        "nvfp4_torchao",
        "nvfp4_torchao14",
        "nvfp4_modelopt",
        "nvfp4_ct",
        "mxfp4_torchao14",
        "mxfp8_e4m3_rceil_torchao",
        "mxfp8_e4m3_ct",
        "mxfp4_modelopt",
        "int4_g128_ct_bf16",
        "int4_g128_autoawq",
        "fp8_e4m3_tensor_modelopt",
    ];
    for name in names {
        let bf: BlockFormat = name.parse().unwrap();
        for &n in &LENS {
            let x = data(n, 3 + n as u64);
            let (mut a, mut b) = (vec![0f32; n], vec![0f32; n]);
            bf.quantize_dequantize(&x, &mut a).unwrap();
            bf.quantize_dequantize_par(&x, &mut b).unwrap();
            assert!(same(&a, &b), "{name} qdq n {n}");
            let (cl, sl) = (bf.codes_len(n).unwrap(), bf.scales_len(n).unwrap());
            let (mut c1, mut s1, mut c2, mut s2) =
                (vec![0u8; cl], vec![0u8; sl], vec![0u8; cl], vec![0u8; sl]);
            let t1 = bf.quantize(&x, &mut c1, &mut s1).unwrap();
            let t2 = bf.quantize_par(&x, &mut c2, &mut s2).unwrap();
            assert_eq!(
                (&c1, &s1, t1.to_bits()),
                (&c2, &s2, t2.to_bits()),
                "{name} quantize n {n}"
            );
            bf.dequantize(&c1, &s1, t1, &mut a).unwrap();
            bf.dequantize_par(&c1, &s1, t1, &mut b).unwrap();
            assert!(same(&a, &b), "{name} dequantize n {n}");
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// A slice converted in pieces cut at random multiples of the chunk unit, each with the
    /// rounding offset to its start, gives the bytes of one call: every named element format
    /// and several scaled formats, stochastic rounding included.
    #[test]
    fn pieces_equal_one_call(seed in 0u64..1000, cuts in proptest::collection::vec(1usize..40, 1..8), fi in 0usize..64) {
        let (_, f, _) = ElementFormat::NAMED[fi % ElementFormat::NAMED.len()];
        let u = f.chunk_unit();
        let n: usize = cuts.iter().map(|c| c * u).sum::<usize>() + (seed as usize % u);
        let x = data(n, seed);
        let r = Rounding::Stochastic(seed as u32);
        let mut whole = vec![0u8; f.packed_len(n).unwrap()];
        f.encode_slice(&x, r, Overflow::Saturate, &mut whole).unwrap();
        let mut pieces = Vec::new();
        let mut start = 0;
        for c in cuts.iter().map(|c| c * u).chain([n % u]) {
            let end = (start + c).min(n);
            let mut b = vec![0u8; f.packed_len(end - start).unwrap()];
            f.encode_slice(&x[start..end], r.offset(start as u64), Overflow::Saturate, &mut b).unwrap();
            pieces.extend(b);
            start = end;
        }
        proptest::prop_assert_eq!(pieces, whole);

        let names = ["mxfp6_e2m3_sr3", "mxfp4_sr9", "int4_g32_sr2", "nvfp4_sr4", "bitnet_b158_g5_sr1"];
        let bf: BlockFormat = names[fi % names.len()].parse().unwrap();
        let bu = bf.chunk_unit().unwrap();
        let n: usize = cuts.iter().map(|c| c * bu).sum();
        let x = data(n, seed);
        let amax = x.iter().fold(0u32, |m, v| m.max(v.abs().to_bits()));
        let mut whole = vec![0f32; n];
        bf.quantize_dequantize(&x, &mut whole).unwrap();
        let mut start = 0;
        for c in cuts.iter().map(|c| c * bu) {
            let piece = bf.with_rounding(bf.rounding().offset(start as u64));
            let mut y = vec![0f32; c];
            piece.quantize_dequantize_shard(&x[start..start + c], f32::from_bits(amax), &mut y).unwrap();
            proptest::prop_assert!(same(&y, &whole[start..start + c]), "{} piece at {}", bf, start);
            start += c;
        }
    }
}
