//! Hostile input to every public entry point that takes a length, a buffer, a spec or a
//! name: empty, odd, off-by-one, inconsistent and huge arguments give an `Err` (or the
//! documented result), never a panic. Each case first checks that the right sizes succeed, so
//! an `Err` below is about the size, not something else.

use half::{bf16, f16};
use lowbit::gguf::{self, GgufProfile, GgufType};
use lowbit::metrics::ErrorStats;
use lowbit::pack::{self as group, GptqZeros};
use lowbit::pack::{self, Layout, PackedSlice, PackedVec};
use lowbit::ternary::{self, TritLayout};
use lowbit::{
    AffineRule, Backend, BlockFormat, ElementFormat, FloatSpec, Format, IntSpec, NonFinite,
    Overflow, Region, Rounding, ScaleType,
};

const LENS: [usize; 14] = [0, 1, 2, 3, 5, 7, 15, 16, 17, 31, 32, 33, 64, 129];

/// `f(len)` must succeed at `good` and fail at `good ± 1` and at 0 (when `good > 0`).
fn sizes(what: &str, good: usize, mut f: impl FnMut(usize) -> bool) {
    assert!(f(good), "{what}: the right size {good} failed");
    let mut bad = vec![good + 1];
    if good > 0 {
        bad.extend([good - 1, 0]);
    }
    for b in bad {
        if b != good {
            assert!(!f(b), "{what}: size {b} accepted (needs {good})");
        }
    }
}

fn xs(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| [0.0, -1.5, 3.25, f32::NAN, f32::INFINITY, -0.0, 1e-40, -7e30][i % 8])
        .collect()
}

#[test]
fn element_slices() {
    let fmts = [
        "float4_e2m1fn",
        "float6_e3m2fn",
        "float8_e4m3fn",
        "float16",
        "int3",
        "uint5",
        "ternary",
        "e3m3b1_fnuz",
        "nf4",
        "bnb_dynamic",
        "p3109_k8p3se",
        "p3109_k6p2uf",
    ];
    for name in fmts {
        let f: ElementFormat = name.parse().unwrap();
        for n in LENS {
            let x = xs(n);
            let need = f.packed_len(n).unwrap();
            let r = (Rounding::NearestEven, Overflow::Saturate);
            sizes(name, need, |m| {
                f.encode_slice(&x, r.0, r.1, &mut vec![0u8; m]).is_ok()
            });
            let xd: Vec<f64> = x.iter().map(|&v| v as f64).collect();
            sizes(name, need, |m| {
                f.encode_slice(&xd, r.0, r.1, &mut vec![0u8; m]).is_ok()
            });
            let xh: Vec<f16> = x.iter().map(|&v| f16::from_f32(v)).collect();
            sizes(name, need, |m| {
                f.encode_slice(&xh, r.0, r.1, &mut vec![0u8; m]).is_ok()
            });
            let xb: Vec<bf16> = x.iter().map(|&v| bf16::from_f32(v)).collect();
            sizes(name, need, |m| {
                f.encode_slice(&xb, r.0, r.1, &mut vec![0u8; m]).is_ok()
            });
            sizes(name, need, |m| {
                f.encode_slice_scaled(&x, 0.0, r.0, r.1, &mut vec![0u8; m])
                    .is_ok()
            });
            for b in Backend::available() {
                sizes(name, need, |m| {
                    f.encode_slice_with(b, &x, Rounding::Stochastic(1), r.1, &mut vec![0u8; m])
                        .is_ok()
                });
            }
            let bytes = vec![0xA5u8; need];
            sizes(name, need, |m| {
                f.decode_slice(&bytes[..m.min(need)], &mut vec![0f32; n])
                    .is_ok()
                    && m <= need
            });
            assert!(
                f.decode_slice(&vec![0u8; need + 1], &mut vec![0f32; n])
                    .is_err()
            );
            assert!(
                f.decode_slice(&bytes, &mut vec![0f32; n + 1]).is_err()
                    || f.packed_len(n + 1).unwrap() == need
            );
            assert!(
                f.decode_slice_scaled(&bytes, f32::NAN, &mut vec![0f32; n])
                    .is_ok()
            );
            assert!(f.decode_slice(&bytes, &mut vec![f16::ZERO; n]).is_ok());
            assert!(f.decode_slice(&bytes, &mut vec![bf16::ZERO; n]).is_ok());
            assert_eq!(f.decode_vec(&bytes, n).unwrap().len(), n);
            assert!(f.decode_vec(&bytes, n + 1000).is_err());
        }
        assert!(f.packed_len(usize::MAX).is_err());
        assert!(f.try_decode(1 << f.bits()).is_err());
        assert!(f.try_decode(u32::MAX).is_err());
    }
}

#[test]
fn names_and_specs() {
    let hostile = [
        "",
        " ",
        "_",
        "e",
        "e0m0",
        "e9m9",
        "e8m23",
        "e4m3b",
        "e4m3b99999999999999999999",
        "e4m3_fnuz_fn",
        "int0",
        "int9",
        "int4294967297",
        "uint",
        "mxfp4_k0",
        "mxfp4_k",
        "mxfp4_k99999999999",
        "mxfp4_single",
        "nvfp4_single_single",
        "nvfp4_ceil",
        "mxfp4_sr",
        "mxfp4_sr4294967296",
        "mxfp4_sr-1",
        "mxfp4_rz_rz",
        "int4_g",
        "int4_g0",
        "int4_g128_awq_sym",
        "int99_g1",
        "int4_g128_f16",
        "mxfp4_torchao_torchao",
        "mxfp4_rceil_modelopt",
        "mxfp4_even_ct",
        "mxint8_torchao",
        "mxfp8_e5m2_modelopt",
        "mxfp6_e3m2_modelopt",
        "nvfp4_torchao_ceil",
        "int4_g128_autoawq_bf16",
        "int4_g128_sym_ct_ct",
        "fp8_e4m3_row_modelopt_bf16",
        "fp8_e4m3_row_ue8m0_ct",
        "fp8_e5m2_row_transformers",
        "fp8_e4m3_row_transformers_modelopt",
        "\u{0}",
        "ｍｘｆｐ４",
        "float8_e4m3fn\n",
        "mxfp4 ",
    ];
    let long = "e".repeat(100_000);
    for s in hostile.iter().copied().chain([long.as_str()]) {
        if let Err(e) = s.parse::<ElementFormat>() {
            assert!(
                e.to_string().len() < 400,
                "error message too long for {s:.20}"
            );
        }
        let _ = s.parse::<BlockFormat>();
        let _ = s.parse::<GgufType>();
    }
    for s in [
        "",
        "e0m0",
        "e9m9",
        "e8m23",
        "int9",
        "mxfp4_k0",
        "mxfp4_single",
        "nvfp4_ceil",
        "int4_g0",
        "int99_g1",
        "mxfp4_rceil_modelopt",
        "mxint8_torchao",
        "int4_g128_autoawq_bf16",
        "fp8_e5m2_row_transformers",
        "\u{0}",
    ] {
        assert!(
            s.parse::<ElementFormat>().is_err() || s.parse::<BlockFormat>().is_err(),
            "{s}"
        );
    }
    assert!("mxfp4_k99999999999".parse::<BlockFormat>().is_err());
    assert!("mxfp4_sr4294967296".parse::<BlockFormat>().is_err());
    assert!("int4_g128_awq_sym".parse::<BlockFormat>().is_err());
    for s in [
        "fp8_e4m3",
        "int4",
        "fp8_e4m3_g0",
        "fp8_e4m3_t0x3",
        "absmax_float16_row",
        "absmax_int16_row",
        "absmax_ternary_row",
        "bitnet_a8_f16_f32",
    ] {
        assert!(s.parse::<BlockFormat>().is_err(), "{s}");
    }
    // Specs: every out-of-range field is an error, not a panic.
    for (e, m) in [
        (0, 0),
        (0, 3),
        (9, 0),
        (8, 9),
        (1, 30),
        (8, 7),
        (1, 0),
        (u32::MAX, u32::MAX),
    ] {
        for nf in [
            NonFinite::Ieee,
            NonFinite::Fn,
            NonFinite::Fnuz,
            NonFinite::Finite,
        ] {
            for bias in [i32::MIN, -1000, 0, 1000, i32::MAX] {
                for (signed, zn) in [(true, false), (false, true), (false, false)] {
                    if let Ok(spec) = FloatSpec::new(e, m, bias, signed, zn, nf) {
                        // A valid spec round-trips through its name and every code decodes.
                        let f = ElementFormat::Float(spec);
                        assert_eq!(f.to_string().parse::<ElementFormat>().unwrap(), f);
                        let _ = f.encode(f32::MAX, Rounding::TowardPositive, Overflow::NonFinite);
                    }
                }
            }
        }
    }
    for bits in [0u32, 9, 15, 17, 32, u32::MAX] {
        assert!(IntSpec::new(bits, true, false).is_err());
    }
    for (e, m) in [
        (u32::MAX, 0),
        (8, u32::MAX),
        (1, u32::MAX - 1),
        (u32::MAX, u32::MAX),
    ] {
        assert!(FloatSpec::new(e, m, 0, true, false, NonFinite::Fn).is_err());
        assert!(FloatSpec::signed(e, m, NonFinite::Fn).is_err());
    }
    for e in [0u32, 9, 33, u32::MAX] {
        assert_eq!(lowbit::spec::default_bias(e), None);
    }
    let e4m3 = ElementFormat::FLOAT8_E4M3FN.float_spec().unwrap();
    for code in [u32::MAX, 0x8000_0000, 0x1FF, 0x100] {
        // Bits above the magnitude are ignored.
        assert_eq!(e4m3.code_exp_sig(code), e4m3.code_exp_sig(code & 0x7F));
    }
    assert!(BlockFormat::MXFP4.with_block_len(0).is_err());
    assert!(BlockFormat::MXFP4.with_block_len(usize::MAX).is_err());
    assert!(
        BlockFormat::NVFP4
            .with_scale_rule(lowbit::MxScaleRule::Ceil)
            .is_err()
    );
    assert!(BlockFormat::MXFP4.with_tensor_scale(false).is_err());
}

#[test]
fn packing_and_ternary() {
    for bits in [1u32, 2, 3, 4, 5, 6, 7, 8, 16] {
        for layout in [Layout::Dense, Layout::SplitHalf] {
            for n in LENS {
                let Ok(need) = pack::packed_len(bits, layout, n) else {
                    continue;
                };
                let codes = vec![1u16; n];
                sizes("pack", need, |m| {
                    pack::pack(&codes, bits, layout, &mut vec![0u8; m]).is_ok()
                });
                let bytes = vec![0xFFu8; need];
                assert!(pack::unpack(&bytes, bits, layout, &mut vec![0u16; n]).is_ok());
                assert!(
                    pack::unpack(
                        &bytes[..need.saturating_sub(1)],
                        bits,
                        layout,
                        &mut vec![0u16; n]
                    )
                    .is_err()
                        || need == 0
                );
                let view = PackedSlice::new(&bytes, bits, layout, n).unwrap();
                assert_eq!(view.get(n), None);
                assert_eq!(view.get(usize::MAX), None);
                assert!(PackedSlice::new(&bytes, bits, layout, n + 1000).is_err());
                assert!(PackedVec::from_bytes(bytes.clone(), bits, layout, n + 1000).is_err());
            }
            // Huge counts: the byte count when it fits in usize, an error when it does not.
            if pack::packed_len(bits, layout, 1).is_ok() {
                // Counts whose bit total overflows usize are an error; otherwise exact.
                for n in [usize::MAX, usize::MAX / 8, usize::MAX / 16 - 1] {
                    let want = (n as u128 * bits as u128).div_ceil(8);
                    match pack::packed_len(bits, layout, n) {
                        Ok(b) => assert_eq!(b as u128, want, "{bits}-bit"),
                        Err(_) => assert!(n.checked_mul(bits as usize).is_none(), "{bits}-bit {n}"),
                    }
                }
            }
        }
    }
    for bits in [0u32, 9, 12, 17, u32::MAX] {
        assert!(pack::packed_len(bits, Layout::Dense, 4).is_err());
        assert!(pack::pack(&[0u8; 4], bits, Layout::Dense, &mut [0u8; 4]).is_err());
    }
    // Codes wider than the width are an error, not silently masked.
    assert!(pack::pack(&[16u8], 4, Layout::Dense, &mut [0u8; 1]).is_err());
    for layout in [
        TritLayout::TwoBit,
        TritLayout::I2sX86,
        TritLayout::I2sArm,
        TritLayout::Base3,
    ] {
        for n in LENS {
            let Ok(need) = layout.packed_len(n) else {
                continue;
            };
            let q: Vec<i8> = (0..n).map(|i| (i % 3) as i8 - 1).collect();
            sizes("pack_trits", need, |m| {
                ternary::pack_trits(&q, layout, &mut vec![0u8; m]).is_ok()
            });
            let bytes = vec![0xFFu8; need];
            assert!(ternary::unpack_trits(&bytes, layout, &mut vec![0i8; n]).is_ok());
            assert!(ternary::decode_trits(&bytes, layout, f32::NAN, &mut vec![0f32; n]).is_ok());
            assert!(ternary::decode_trits(&bytes, layout, 1e9, &mut vec![f16::ZERO; n]).is_ok());
            assert!(ternary::decode_trits(&bytes, layout, -0.0, &mut vec![bf16::ZERO; n]).is_ok());
            assert!(ternary::dot_i8(&bytes, layout, &vec![-128i8; n]).is_ok());
            assert!(
                ternary::dot_i8(&bytes, layout, &vec![1i8; n + 1]).is_err()
                    || layout.packed_len(n + 1).unwrap() == need
            );
            assert!(ternary::unpack_trits(&bytes, layout, &mut vec![0i8; n + 1000]).is_err());
        }
        // Huge counts: a byte count or an overflow error, never a wrapped value.
        if let Ok(b) = layout.packed_len(usize::MAX) {
            assert!(b >= usize::MAX / 5, "{layout:?}");
        }
    }
    assert!(ternary::pack_trits(&[2], TritLayout::TwoBit, &mut [0u8; 1]).is_err());
    let w = xs(40);
    for (region, cols) in [
        (Region::Tensor, 40),
        (Region::Row, 8),
        (Region::Block(16), 40),
        (Region::Block(usize::MAX), 40),
    ] {
        let Ok(bf) = BlockFormat::BITNET_B158.with_region(region) else {
            assert_eq!(region, Region::Block(usize::MAX));
            continue;
        };
        let k = bf.scales_len_rows(40 / cols, cols).unwrap();
        let cl = bf.codes_len_rows(40 / cols, cols).unwrap();
        sizes("b158 scales", k, |m| {
            bf.quantize_rows(&w, cols, &mut vec![0u8; cl], &mut vec![0u8; m])
                .is_ok()
        });
    }
    assert!(
        BlockFormat::BITNET_B158
            .with_region(Region::Block(0))
            .is_err()
    );
    let a8 = BlockFormat::BITNET_A8;
    assert!(
        a8.quantize_rows(&w, 0, &mut [0u8; 40], &mut [0u8; 4])
            .is_err()
    );
    assert!(
        a8.quantize_rows(&w, 8, &mut [0u8; 40], &mut [0u8; 20])
            .is_ok()
    );
    for n in [0usize, 255, 256, 257, 512] {
        let x = xs(n);
        let ok = n % 256 == 0;
        assert_eq!(
            gguf::quantize(GgufType::Tq2_0, &x, &mut vec![0u8; n / 256 * 66]).is_ok(),
            ok
        );
        assert_eq!(
            gguf::quantize(GgufType::Tq1_0, &x, &mut vec![0u8; n / 256 * 54]).is_ok(),
            ok
        );
        assert_eq!(
            gguf::dequantize(
                GgufType::Tq2_0,
                &vec![0xFFu8; n / 256 * 66],
                &mut vec![0f32; n]
            )
            .is_ok(),
            ok
        );
        assert_eq!(
            gguf::dequantize(
                GgufType::Tq1_0,
                &vec![0xFFu8; n / 256 * 54],
                &mut vec![0f32; n]
            )
            .is_ok(),
            ok
        );
    }
}

#[test]
fn blocks_gguf_group_fp8_metrics() {
    let names = [
        "mxfp4",
        "mxfp6_e3m2_k7",
        "mxint8",
        "nvfp4",
        "nvfp4_ct_single",
        "mxfp8_e4m3_sr3",
        "int4_g128",
        "int3_g7_awq_bf16",
        "int8_g16_sym_rz",
        "fp8_e4m3_tensor",
        "fp8_e5m2_row_ue8m0",
        "fp8_e4m3_t2x3",
        "absmax_int8_g8",
        "bitnet_b158",
        "bitnet_b158_g5",
        "bitnet_a8",
        "mxfp4_torchao",
        "mxfp8_e4m3_rceil_torchao",
        "mxfp6_e3m2_torchao14_k7",
        "mxfp4_torchao14",
        "mxfp4_modelopt",
        "mxfp8_e4m3_modelopt",
        "mxfp4_ct",
        "mxfp6_e2m3_ct",
        "mxfp8_e4m3_ct_k5",
        "nvfp4_torchao",
        "nvfp4_torchao14_single",
        "nvfp4_modelopt",
        "nvfp4_ct",
        "int4_g128_autoawq",
        "int4_g7_ct_bf16",
        "int4_g32_sym_ct",
        "fp8_e4m3_row_modelopt",
        "fp8_e4m3_t2x3_ct_bf16",
        "fp8_e4m3_t128x128_ue8m0_transformers",
    ];
    for name in names {
        let bf: BlockFormat = name.parse().unwrap();
        for n in LENS {
            let x = xs(n);
            let (cl, sc) = (bf.codes_len(n).unwrap(), bf.scales_len(n).unwrap());
            sizes(name, cl, |m| {
                bf.quantize(&x, &mut vec![0u8; m], &mut vec![0u8; sc])
                    .is_ok()
            });
            sizes(name, sc, |m| {
                bf.quantize(&x, &mut vec![0u8; cl], &mut vec![0u8; m])
                    .is_ok()
            });
            sizes(name, n, |m| {
                bf.quantize_dequantize(&x, &mut vec![0f32; m]).is_ok()
            });
            let (codes, scales) = (vec![0xEEu8; cl], vec![0xFFu8; sc]);
            assert!(
                bf.dequantize(&codes, &scales, f32::NAN, &mut vec![0f32; n])
                    .is_ok()
            );
            assert!(
                bf.dequantize(&codes, &scales, 1e30, &mut vec![f16::ZERO; n])
                    .is_ok()
            );
            assert!(
                bf.dequantize(&codes, &scales, 1.0, &mut vec![0f32; n + 40])
                    .is_err()
            );
            assert!(
                bf.quantize_shard(&x, -1.0, &mut vec![0u8; cl], &mut vec![0u8; sc])
                    .is_ok()
            );
            assert!(
                bf.quantize_dequantize_shard(&x, f32::NAN, &mut vec![0f32; n])
                    .is_ok()
            );
            for cols in [1usize, 3, 16, usize::MAX] {
                let mut out = vec![0f32; n];
                let r = bf.quantize_dequantize_rows(&x, cols, &mut out);
                assert_eq!(r.is_ok(), n % cols == 0, "{name} n {n} cols {cols}");
            }
        }
        assert!(bf.codes_len(usize::MAX).is_err());
    }
    for t in [
        GgufType::Q4_0,
        GgufType::Q4_1,
        GgufType::Q8_0,
        GgufType::Mxfp4,
        GgufType::Nvfp4,
    ] {
        for n in [0usize, 31, 32, 63, 64, 96, 128] {
            let x = xs(n);
            let ok = n % t.block_len() == 0;
            let bytes = n / t.block_len() * t.block_bytes();
            for p in [GgufProfile::Exact, GgufProfile::Ggml] {
                assert_eq!(
                    gguf::quantize_profile(t, p, &x, &mut vec![0u8; bytes]).is_ok(),
                    ok,
                    "{t:?} {n}"
                );
                if ok && n > 0 {
                    assert!(gguf::quantize_profile(t, p, &x, &mut vec![0u8; bytes + 1]).is_err());
                }
            }
            assert_eq!(
                gguf::dequantize(t, &vec![0xFFu8; bytes], &mut vec![0f32; n]).is_ok(),
                ok
            );
        }
    }
    assert!(gguf::mxfp4_from_ocp(&[0u8; 16], &[0u8; 2], &mut [0u8; 34]).is_err());
    assert!(gguf::mxfp4_to_ocp(&[0u8; 17], &mut [0u8; 16], &mut [0u8; 2]).is_err());
    for bf in [
        BlockFormat::INT4_G128,
        BlockFormat::FP8_E4M3_TENSOR,
        BlockFormat::FP8_E4M3_CHANNEL,
        BlockFormat::FP8_E4M3_DEEPSEEK_WEIGHTS,
        BlockFormat::BITNET_A8,
    ] {
        for (n, cols) in [
            (0usize, 0usize),
            (10, 0),
            (10, 3),
            (256, 128),
            (300, 100),
            (5, usize::MAX),
            (35, 7),
            (130 * 129, 129),
        ] {
            let x = xs(n);
            let rows = n.checked_div(cols).unwrap_or(0);
            let ok = (cols == 0 && n == 0) || (cols > 0 && n % cols == 0);
            let (cl, sl) = if ok {
                (
                    bf.codes_len_rows(rows, cols).unwrap(),
                    bf.scales_len_rows(rows, cols).unwrap(),
                )
            } else {
                (n, 4)
            };
            assert_eq!(
                bf.quantize_rows(&x, cols, &mut vec![0u8; cl], &mut vec![0u8; sl])
                    .is_ok(),
                ok,
                "{bf} {n} {cols}"
            );
            if ok {
                sizes("scaled scales", sl, |m| {
                    bf.quantize_rows(&x, cols, &mut vec![0u8; cl], &mut vec![0u8; m])
                        .is_ok()
                });
            }
            assert!(
                bf.quantize_rows(&x, cols, &mut vec![0u8; cl + 1], &mut vec![0u8; sl])
                    .is_err()
            );
            assert_eq!(
                bf.dequantize_rows(
                    &vec![255u8; cl],
                    &vec![0xFFu8; sl],
                    1.0,
                    cols,
                    &mut vec![0f32; n]
                )
                .is_ok(),
                ok
            );
        }
        // One scale per row of usize::MAX rows fits; 128×128 tiles of a usize::MAX² tensor
        // too (ceil(MAX/128)² overflows: an error); the element count itself overflows first.
        assert!(bf.scale_count_rows(usize::MAX, usize::MAX).is_err());
        assert!(bf.scales_len_rows(usize::MAX, 2).is_err() || bf.region() == Region::Tensor);
    }
    assert!(BlockFormat::int_groups(4, 0, AffineRule::Gptq, ScaleType::F16).is_err());
    assert!(BlockFormat::int_groups(1, 32, AffineRule::Gptq, ScaleType::F16).is_err());
    assert!(group::pack_gptq(&[0u8; 8], 8, 1, 3, &mut [0u32; 1]).is_err());
    assert!(group::pack_gptq(&[0u8; 8], 8, 1, 4, &mut [0u32; 2]).is_err());
    assert!(group::unpack_gptq(&[0u32; 1], 8, 1, 4, &mut [0u8; 7]).is_err());
    assert!(group::pack_zeros(&[0u8; 8], 1, 8, 4, GptqZeros::V1, &mut [0u32; 2]).is_err());
    assert!(group::pack_awq(&[0u8; 7], 1, 7, &mut [0u32; 1]).is_err());
    assert!(group::unpack_awq(&[0u32; 1], 2, 8, &mut [0u8; 16]).is_err());
    assert!(group::gptq_zeros_v1_to_v2(&mut [0u32; 1], 5).is_err());
    // Size products that overflow usize are errors, not wrapped lengths that pass a check.
    let huge = [
        (1usize << 35, 1usize << 32),
        (usize::MAX, 8),
        (1 << 40, 1 << 40),
    ];
    for (k, n) in huge {
        for bits in [2u32, 3, 4, 8] {
            assert!(
                group::pack_gptq(&[], k, n, bits, &mut []).is_err(),
                "{k} {n}"
            );
            assert!(
                group::unpack_gptq(&[], k, n, bits, &mut []).is_err(),
                "{k} {n}"
            );
            assert!(group::pack_zeros(&[], k, n, bits, GptqZeros::V1, &mut []).is_err());
        }
        assert!(group::pack_awq(&[], k, n & !7, &mut []).is_err(), "{k} {n}");
        assert!(
            group::unpack_awq(&[], k, n & !7, &mut []).is_err(),
            "{k} {n}"
        );
    }
    for (tr, tc) in [
        (usize::MAX, usize::MAX),
        (usize::MAX, 1),
        (1, usize::MAX),
        (1 << 20, 1 << 20),
        (2, 3),
    ] {
        let r = BlockFormat::FP8_E4M3_TENSOR.with_region(Region::Tile { rows: tr, cols: tc });
        if tr > 1 << 20 || tc > 1 << 20 {
            assert!(r.is_err());
            continue;
        }
        let sc = r.unwrap().with_pow2_scales(true).unwrap();
        let x = xs(35);
        let s = sc.scale_count_rows(5, 7).unwrap();
        let mut out = vec![0f32; 35];
        sc.quantize_dequantize_rows(&x, 7, &mut out).unwrap();
        assert!(s >= 1);
    }
    // Huge lengths in rejected requests must not overflow while the error is built.
    assert!(ternary::unpack_trits(&[], TritLayout::I2sX86, &mut []).is_ok());
    assert!(TritLayout::I2sX86.packed_len(usize::MAX).is_err());
    assert!(ErrorStats::of(&[1.0], &[1.0, 2.0]).is_err());
    assert!(ErrorStats::of(&[], &[]).is_ok());
    assert!(ErrorStats::per_block(&[1.0; 4], &[1.0; 4], 0).is_err());
    assert!(ErrorStats::of(&[f32::NAN, f32::INFINITY], &[0.0, f32::NEG_INFINITY]).is_ok());
    let _ = ElementFormat::FLOAT8_E4M3FN.encode(
        f32::NAN,
        Rounding::Stochastic(u32::MAX),
        Overflow::NonFinite,
    );
}

/// Codebooks, bitsandbytes' formats, transcoding and P3109 names: bad tables, lengths, block
/// sizes, hostile bytes and values give errors or documented results, never a panic.
#[test]
fn codebooks_bnb_and_transcoding() {
    use lowbit::Codebook;
    use lowbit::bnb::{self, Bnb4bit};
    // Tables.
    for n in [0usize, 1, 3, 6, 257, 512, 1 << 20] {
        assert!(Codebook::new(&vec![0.5f32; n]).is_err(), "{n}");
    }
    for bad in [
        f32::NAN,
        -f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::from_bits(0x7F80_0001),
    ] {
        assert!(Codebook::new(&[0.0, 1.0, bad, 2.0]).is_err());
    }
    // Every f32 class into every named codebook and a table of one repeated value.
    let same = Codebook::new(&[3.0; 16]).unwrap();
    let specials = [
        0.0f32,
        -0.0,
        f32::NAN,
        -f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN,
        f32::from_bits(1),
        1e-45,
    ];
    for cb in [
        Codebook::NF4,
        Codebook::BNB_FP4,
        Codebook::IQ4_NL,
        Codebook::BNB_DYNAMIC,
        &same,
    ] {
        for &x in &specials {
            for r in [
                Rounding::NearestEven,
                Rounding::Stochastic(u32::MAX),
                Rounding::TowardZero,
            ] {
                let c = cb.encode(x, r, Overflow::NonFinite);
                assert!(c < 1 << cb.bits());
                let _ = cb.encode_f64(x as f64 * 1e300, r, Overflow::Saturate);
                let _ = cb.encode_f64(f64::MIN_POSITIVE, r, Overflow::Saturate);
            }
        }
        assert!(cb.try_decode(u32::MAX).is_err());
    }
    assert_eq!(
        same.encode(-1e30, Rounding::NearestEven, Overflow::Saturate),
        0
    );
    // bitsandbytes: lengths, block sizes, hostile values.
    for q in [Bnb4bit::NF4, Bnb4bit::FP4] {
        assert!(q.with_blocksize(0).is_err() && q.with_blocksize(usize::MAX).is_err());
        for n in LENS {
            let x = xs(n);
            let (p, a) = (q.packed_len(n), q.absmax_len(n));
            sizes("bnb packed", p, |m| {
                q.quantize(&x, &mut vec![0u8; m], &mut vec![0f32; a])
                    .is_ok()
            });
            sizes("bnb absmax", a, |m| {
                q.quantize(&x, &mut vec![0u8; p], &mut vec![0f32; m])
                    .is_ok()
            });
            let bytes = vec![0xA5u8; p];
            let am = vec![f32::NAN; a];
            sizes("bnb dequantize", p, |m| {
                q.dequantize(&bytes[..m.min(p)], &am, &mut vec![0f32; n])
                    .is_ok()
                    && m <= p
            });
            assert!(
                q.dequantize(&bytes, &vec![1.0; a + 1], &mut vec![f16::ZERO; n])
                    .is_err()
            );
        }
    }
    for n in LENS {
        let x = xs(n);
        let a = n.div_ceil(64);
        sizes("blockwise codes", n, |m| {
            bnb::quantize_blockwise(&x, 64, &mut vec![0u8; m], &mut vec![0f32; a]).is_ok()
        });
        assert!(bnb::quantize_blockwise(&x, 0, &mut vec![0u8; n], &mut vec![0f32; a]).is_err());
        let codes = vec![0xFFu8; n];
        assert!(
            bnb::dequantize_blockwise(
                &codes,
                &vec![f32::INFINITY; a],
                64,
                &mut vec![bf16::ZERO; n]
            )
            .is_ok()
        );
        assert!(
            bnb::dequantize_blockwise(&codes, &vec![1.0; a + 1], 64, &mut vec![0f32; n]).is_err()
        );
        let nested = n.div_ceil(256);
        sizes("nested", nested, |m| {
            bnb::quantize_nested(&x, f32::NAN, 256, &mut vec![0u8; n], &mut vec![0f32; m]).is_ok()
        });
        assert!(
            bnb::dequantize_nested(
                &codes,
                &vec![0.0; nested],
                1.0,
                usize::MAX,
                &mut vec![0f32; n]
            )
            .is_err()
        );
    }
    let _ = bnb::absmax_offset(&[f32::MAX, f32::MAX, f32::NAN]);
    assert_eq!(bnb::absmax_offset(&[]), 0.0);
    // Transcoding: lengths, every byte.
    let r = (Rounding::NearestEven, Overflow::NonFinite);
    for (from, to) in [
        ("float4_e2m1fn", "float8_e4m3fn"),
        ("nf4", "float16"),
        ("bfloat16", "int3"),
        ("p3109_k6p2se", "bnb_fp4"),
    ] {
        let (f, t): (ElementFormat, ElementFormat) = (from.parse().unwrap(), to.parse().unwrap());
        for n in LENS {
            let (i, o) = (f.packed_len(n).unwrap(), t.packed_len(n).unwrap());
            let bytes = vec![0xFFu8; i];
            sizes("transcode out", o, |m| {
                f.transcode_slice(&t, &bytes, n, r.0, r.1, &mut vec![0u8; m])
                    .is_ok()
            });
            sizes("transcode in", i, |m| {
                f.transcode_slice(&t, &vec![0x5Au8; m], n, r.0, r.1, &mut vec![0u8; o])
                    .is_ok()
            });
        }
        assert!(
            f.transcode_slice(&t, &[], usize::MAX, r.0, r.1, &mut [])
                .is_err()
        );
        assert!(f.transcode(&t, u32::MAX, r.0, r.1).is_err());
    }
    // Block transcoding: hostile bytes and sizes.
    let (mx, nv) = (BlockFormat::MXFP4, BlockFormat::NVFP4);
    let codes = vec![0xFFu8; 64];
    let scales = vec![0xFFu8, 0, 254, 1];
    let (mut c2, mut s2) = (vec![0u8; 64], vec![0u8; 8]);
    assert!(
        mx.transcode_rows(&nv, &codes, &scales, f32::NAN, 128, &mut c2, &mut s2)
            .is_ok()
    );
    assert!(
        nv.transcode_rows(
            &mx,
            &c2,
            &s2,
            f32::INFINITY,
            128,
            &mut [0u8; 64],
            &mut [0u8; 4]
        )
        .is_ok()
    );
    assert!(
        mx.transcode_rows(&nv, &codes, &scales, 1.0, usize::MAX, &mut c2, &mut s2)
            .is_err()
    );
    assert!(
        mx.transcode_rows(&nv, &codes, &scales, 1.0, 128, &mut c2[..63], &mut s2)
            .is_err()
    );
    // P3109 names.
    for name in [
        "p3109_k99999999999p3se",
        "p3109_k8p-1se",
        "p3109_k-8p1se",
        "p3109_k8p3sé",
        "p3109_",
        "p3109_k8p3s",
        "p3109_k17p3se",
        "p3109_k16p1se",
        "e5m2b16_p3109_nozero",
        "ue1m0_p3109",
        "e7m0b9999_p3109",
    ] {
        let _ = name.parse::<ElementFormat>();
    }
    assert!("p3109_k2p1se".parse::<ElementFormat>().is_err());
    for k in 0..=40u32 {
        for p in 0..=41u32 {
            for (s, e) in [(true, true), (false, false), (true, false), (false, true)] {
                if let Ok(spec) = FloatSpec::p3109(k, p, s, e) {
                    let f = ElementFormat::Float(spec);
                    assert_eq!(f.to_string().parse::<ElementFormat>().unwrap(), f);
                    let _ = f.encode(f32::NAN, Rounding::TowardPositive, Overflow::NonFinite);
                }
            }
        }
    }
}
