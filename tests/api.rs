//! The contract's element API: names, display round trips, errors, and the typed scalars.

use core::num::FpCategory;
use lowbit::{
    ElementFormat, Error, Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E3M4, Float8E4M3,
    Float8E4M3B11FNUZ, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, Float8E8M0FNU,
    Format, Overflow, Rounding, Status,
};

const RNE: Rounding = Rounding::NearestEven;
const NF: Overflow = Overflow::NonFinite;

#[test]
fn every_contract_name_parses_and_displays_back() {
    let mut names: Vec<String> = [
        "float8_e4m3fn",
        "float8_e5m2",
        "float8_e4m3fnuz",
        "float8_e5m2fnuz",
        "float8_e4m3b11fnuz",
        "float8_e3m4",
        "float8_e4m3",
        "float8_e8m0fnu",
        "float6_e2m3fn",
        "float6_e3m2fn",
        "float4_e2m1fn",
        "int1",
        "int2",
        "int4",
        "uint1",
        "uint2",
        "uint4",
        "float16",
        "bfloat16",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in 1..=8 {
        names.push(format!("int{n}"));
        names.push(format!("uint{n}"));
    }
    for name in &names {
        let f: ElementFormat = name.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(f.to_string().parse::<ElementFormat>().unwrap(), f, "{name}");
    }
}

#[test]
fn grammar_builds_the_same_formats_as_the_table() {
    let same = [
        ("e4m3_fn", "float8_e4m3fn"),
        ("e5m2", "float8_e5m2"),
        ("e5m2_ieee", "float8_e5m2"),
        ("e5m2b16_fnuz", "float8_e5m2fnuz"),
        ("e4m3b8_fnuz", "float8_e4m3fnuz"),
        ("e4m3b11_fnuz", "float8_e4m3b11fnuz"),
        ("e2m1_finite", "float4_e2m1fn"),
        ("e2m3_finite", "float6_e2m3fn"),
        ("e3m2_finite", "float6_e3m2fn"),
        ("e3m4", "float8_e3m4"),
        ("e4m3", "float8_e4m3"),
        ("e5m10", "float16"),
        ("e8m7", "bfloat16"),
        ("ue8m0_fn_nozero", "float8_e8m0fnu"),
        ("FLOAT8_E4M3FN", "float8_e4m3fn"),
    ];
    for (g, n) in same {
        assert_eq!(
            g.parse::<ElementFormat>().unwrap(),
            n.parse().unwrap(),
            "{g}"
        );
    }
    // Non-table specs print the grammar and parse back.
    for g in [
        "e3m3_fn",
        "e6m1b40_fnuz",
        "e1m6_finite",
        "e4m3b3",
        "ue4m4_fn",
        "int5_sym",
    ] {
        let f: ElementFormat = g.parse().unwrap();
        assert_eq!(
            f.to_string().parse::<ElementFormat>().unwrap(),
            f,
            "{g} -> {f}"
        );
    }
}

#[test]
fn bad_names_are_errors_that_name_the_input() {
    for bad in [
        "",
        "e0m3",
        "e9m2",
        "e5m12",
        "e1m2",
        "e2m0_ieee",
        "ue4m3_fnuz",
        "float9",
        "int0",
        "int9",
        "int17",
        "uint4_sym",
        "e4m3_xyz",
        "e4m3b",
        "e4m3b-9999",
        "e4m3b9999",
        "ém3",
        "e4m3fnuzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "e99999999m1",
        "e4m3_fn_nozero",
        "e8m0b400",
    ] {
        let err = bad.parse::<ElementFormat>().unwrap_err();
        let msg = err.to_string();
        assert!(!msg.is_empty(), "{bad}");
        if let Error::UnknownName(n) = &err {
            assert!(
                bad.starts_with(n.as_str()) || !bad.is_ascii(),
                "{bad}: {msg}"
            );
        }
        let _: &dyn std::error::Error = &err;
    }
}

#[test]
fn decode_out_of_range_code_is_an_error_or_documented_panic() {
    let f = ElementFormat::FLOAT4_E2M1FN;
    assert!(matches!(
        f.try_decode(16),
        Err(Error::CodeOutOfRange { code: 16, bits: 4 })
    ));
    assert!(std::panic::catch_unwind(|| f.decode(16)).is_err());
}

#[test]
fn contract_examples() {
    let e4m3: ElementFormat = "float8_e4m3fn".parse().unwrap();
    assert_eq!(e4m3.decode(e4m3.encode(464.0, RNE, NF)), 448.0);
    assert!(e4m3.decode(e4m3.encode(465.0, RNE, NF)).is_nan());
    assert_eq!(e4m3.encode(1e9, RNE, Overflow::Saturate), 0x7E);
    assert_eq!(e4m3.encode(-1e9, Rounding::TowardZero, NF), 0xFE);
    assert!(
        e4m3.decode(e4m3.encode(1e9, Rounding::TowardPositive, NF))
            .is_nan()
    );
    assert_eq!(e4m3.encode(-1e9, Rounding::TowardPositive, NF), 0xFE);
    let e5m2 = ElementFormat::FLOAT8_E5M2;
    assert_eq!(e5m2.decode(e5m2.encode(1e9, RNE, NF)), f32::INFINITY);
    assert_eq!(
        e5m2.decode(e5m2.encode(1e9, Rounding::TowardZero, NF)),
        57344.0
    );
    assert_eq!(
        e5m2.decode(e5m2.encode(f32::INFINITY, RNE, Overflow::Saturate)),
        57344.0
    );
    // Zeros keep their sign where the format has -0; fnuz has none.
    assert_eq!(e4m3.encode(-0.0, RNE, NF), 0x80);
    assert_eq!(ElementFormat::FLOAT8_E4M3FNUZ.encode(-0.0, RNE, NF), 0x00);
    assert_eq!(ElementFormat::FLOAT8_E4M3FNUZ.encode(-1e-9, RNE, NF), 0x00);
    // Integers round and clamp under both policies.
    let i4 = ElementFormat::INT4;
    assert_eq!(i4.encode(2.5, RNE, NF), 2);
    assert_eq!(i4.encode(3.5, RNE, NF), 4);
    assert_eq!(i4.encode(100.0, RNE, NF), 7);
    assert_eq!(i4.encode(-100.0, RNE, Overflow::Saturate), 8);
    assert_eq!(i4.encode(f32::NAN, RNE, NF), 0);
    let i8s: ElementFormat = "int8_sym".parse().unwrap();
    assert_eq!(i8s.decode(i8s.encode(-1000.0, RNE, NF)), -127.0);
}

#[test]
fn e8m0_contract() {
    let e8 = ElementFormat::FLOAT8_E8M0FNU;
    let v = |x: f32| e8.decode(e8.encode(x, RNE, NF));
    assert_eq!(v(1.5), 2.0);
    assert_eq!(v(3.0), 4.0);
    assert_eq!(v(1.4999), 1.0);
    assert!(v(0.0).is_nan() && v(-0.0).is_nan() && v(-1.0).is_nan());
    assert_eq!(e8.encode(0.0, RNE, NF), 0xFF);
    assert_eq!(v(2f32.powi(-127)), 2f32.powi(-127));
    // f32 subnormals in (2^-127, 1.5·2^-127) go to 2^-127 (ml_dtypes: 2^-126).
    assert_eq!(v(f32::from_bits(0x0040_0001)), 2f32.powi(-127));
    assert_eq!(v(f32::from_bits(0x005F_FFFF)), 2f32.powi(-127));
    assert_eq!(v(f32::from_bits(0x0060_0000)), 2f32.powi(-126));
    // Below 2^-127 there is no zero: the smallest value.
    assert_eq!(e8.encode(1e-45, RNE, NF), 0);
    assert!(v(f32::MAX).is_nan());
    assert_eq!(v(2f32.powi(127)), 2f32.powi(127));
}

#[test]
fn status_flags() {
    let f = ElementFormat::FLOAT8_E4M3FN;
    assert_eq!(f.encode_status(1.0, RNE, NF).1, Status::OK);
    assert!(f.encode_status(1.1, RNE, NF).1.contains(Status::INEXACT));
    let (_, s) = f.encode_status(1e6, RNE, NF);
    assert!(s.contains(Status::OVERFLOW | Status::INEXACT));
    let (_, s) = f.encode_status(1e-4, RNE, NF);
    assert!(s.contains(Status::UNDERFLOW));
    let (_, s) = ElementFormat::FLOAT4_E2M1FN.encode_status(f32::NAN, RNE, NF);
    assert!(s.contains(Status::INVALID));
    let (_, s) = ElementFormat::FLOAT8_E8M0FNU.encode_status(-2.0, RNE, NF);
    assert!(s.contains(Status::INVALID));
    assert_eq!(
        format!("{:?}", Status::INEXACT | Status::OVERFLOW),
        "Status(INEXACT | OVERFLOW)"
    );
}

macro_rules! scalar_checks {
    ($($t:ident),*) => {$(
        {
            let f = $t::FORMAT;
            // Every code natively; under Miri (which checks the same code paths for undefined
            // behaviour, about 10^4 times slower) every seventh code and the last one.
            let n = f.codes().len() as u32;
            for code in f.codes().filter(|&c| !cfg!(miri) || c % 7 == 0 || c == n - 1) {
                let x = $t::from_bits(code as u8);
                let v = f.decode(code);
                assert!(x.to_f32().to_bits() == v.to_bits() || (v.is_nan() && x.is_nan()));
                if !v.is_nan() {
                    // Typed and runtime paths give the same bits for every mode.
                    for r in Rounding::ALL {
                        for o in [Overflow::NonFinite, Overflow::Saturate] {
                            for y in [v, v * 1.0625, v * 0.97, -v * 1.3] {
                                assert_eq!($t::from_f32_rounded(y, r, o).to_bits() as u32, f.encode(y, r, o));
                                assert_eq!($t::from_f64_rounded(y as f64, r, o).to_bits() as u32, f.encode_f64(y as f64, r, o));
                            }
                        }
                    }
                    assert_eq!(x.to_f64(), v as f64);
                    assert_eq!(f32::from(x), v);
                    assert_eq!(half::bf16::from(x).to_f32(), v, "bf16 lossless");
                    assert_eq!(x.partial_cmp(&x), Some(core::cmp::Ordering::Equal));
                } else {
                    assert!(x != x);
                }
            }
            assert_eq!($t::MAX.to_f64(), f.max_value());
            assert_eq!($t::MIN.to_f64(), f.min_value());
            assert_eq!($t::MIN_POSITIVE.to_f64(), f.min_positive_normal());
            assert_eq!($t::MIN_POSITIVE_SUBNORMAL.to_f64(), f.min_positive());
            assert_eq!($t::EPSILON.to_f64(), f.epsilon());
            assert_eq!((1.0 + $t::EPSILON.to_f64()) as f32, $t::from_f32(1.0 + $t::EPSILON.to_f32()).to_f32());
            assert_eq!(<$t as num_traits::Bounded>::max_value().to_bits(), $t::MAX.to_bits());
            assert_eq!(<$t as num_traits::One>::one().to_f32(), 1.0);
            assert_eq!(<$t as num_traits::NumCast>::from(2.0f64).unwrap().to_f32(), 2.0);
            assert_eq!(<$t as num_traits::FromPrimitive>::from_i64(2).unwrap().to_f32(), 2.0);
            assert_eq!(num_traits::ToPrimitive::to_i64(&$t::from_f32(4.0)), Some(4));
            let bytes: &[u8] = bytemuck::cast_slice(&[$t::MAX, $t::MIN]);
            assert_eq!(bytes, &[$t::MAX.to_bits(), $t::MIN.to_bits()]);
            assert!(!format!("{:?}", $t::MAX).is_empty() && !$t::MAX.to_string().is_empty());
            assert_eq!($t::MAX.classify(), FpCategory::Normal);
        }
    )*};
}

#[test]
fn typed_scalars_agree_with_element_format() {
    scalar_checks!(
        Float8E4M3FN,
        Float8E5M2,
        Float8E4M3FNUZ,
        Float8E5M2FNUZ,
        Float8E4M3B11FNUZ,
        Float8E3M4,
        Float8E4M3,
        Float8E8M0FNU,
        Float6E2M3FN,
        Float6E3M2FN,
        Float4E2M1FN
    );
}

#[test]
fn typed_scalar_constants() {
    assert_eq!(Float8E4M3FN::MAX.to_f32(), 448.0);
    assert_eq!(Float8E4M3FN::MIN_POSITIVE.to_f32(), 2f32.powi(-6));
    assert_eq!(Float8E4M3FN::MIN_POSITIVE_SUBNORMAL.to_f32(), 2f32.powi(-9));
    assert_eq!(Float8E4M3FN::EPSILON.to_f32(), 0.125);
    assert!(Float8E4M3FN::NAN.is_nan());
    assert_eq!(Float8E5M2::MAX.to_f32(), 57344.0);
    assert_eq!(Float8E5M2::INFINITY.to_f32(), f32::INFINITY);
    assert_eq!(Float8E5M2::NEG_INFINITY.to_f32(), f32::NEG_INFINITY);
    assert_eq!(Float8E4M3::MAX.to_f32(), 240.0);
    assert_eq!(Float8E3M4::MAX.to_f32(), 15.5);
    assert_eq!(Float6E2M3FN::MAX.to_f32(), 7.5);
    assert_eq!(Float6E3M2FN::MAX.to_f32(), 28.0);
    assert_eq!(Float4E2M1FN::MAX.to_f32(), 6.0);
    assert_eq!(Float4E2M1FN::MIN.to_f32(), -6.0);
    assert_eq!(Float4E2M1FN::EPSILON.to_f32(), 0.5);
    assert_eq!(Float8E8M0FNU::MAX.to_f32(), 2f32.powi(127));
    assert_eq!(Float8E8M0FNU::MIN.to_f32(), 2f32.powi(-127));
    assert_eq!(Float8E8M0FNU::default().to_f32(), 1.0);
    assert_eq!(Float8E8M0FNU::EPSILON.to_f32(), 1.0);
    assert_eq!(Float8E4M3FNUZ::NAN.to_bits(), 0x80);
    assert_eq!(Float8E4M3FNUZ::NEG_ZERO.to_bits(), 0);
    assert_eq!(Float8E4M3FN::NEG_ZERO.to_bits(), 0x80);
    assert_eq!(Float4E2M1FN::from_bits(0xFF).to_bits(), 0x0F);
    assert_eq!(Float8E4M3FN::from_bits(1).classify(), FpCategory::Subnormal);
    assert_eq!(Float8E4M3FN::ZERO.classify(), FpCategory::Zero);
    assert_eq!(Float8E5M2::INFINITY.classify(), FpCategory::Infinite);
    assert_eq!(Float8E4M3FN::NAN.classify(), FpCategory::Nan);
    assert!(Float8E4M3FN::ZERO == Float8E4M3FN::NEG_ZERO);
    assert!(Float8E4M3FN::from_f32(1.0) < Float8E4M3FN::from_f32(2.0));
    assert_eq!(
        Float8E4M3FN::from(Float4E2M1FN::from_f32(6.0)).to_f32(),
        6.0
    );
    assert_eq!(half::f16::from(Float8E5M2::MAX).to_f32(), 57344.0);
    assert_eq!(
        Float8E4M3FN::from_f16(half::f16::from_f32(3.0)).to_f32(),
        3.0
    );
    assert_eq!(
        Float8E4M3FN::from_bf16(half::bf16::from_f32(3.0)).to_f32(),
        3.0
    );
    // Integers past 2^53 round once: 2^62 + 2^61 - 1 is below the tie, so 2^62.
    let n = (1u64 << 62) + (1 << 61) - 1;
    let e8 = <Float8E8M0FNU as num_traits::FromPrimitive>::from_u64(n).unwrap();
    assert_eq!(e8.to_f64(), 2f64.powi(62));
    let e8 = <Float8E8M0FNU as num_traits::NumCast>::from(n).unwrap();
    assert_eq!(e8.to_f64(), 2f64.powi(62));
}

#[test]
fn symmetric_int_excluded_code_decodes_but_is_never_produced() {
    // Found by the element fuzz target: int2_sym code 2 (= -2) decodes to -2, re-encodes to -1.
    let f: ElementFormat = "int2_sym".parse().unwrap();
    assert_eq!(f.decode(2), -2.0);
    assert_eq!(f.encode(-2.0, RNE, NF), 3);
    for x in [-100.0f32, -2.0, -1.5, f32::NEG_INFINITY] {
        assert_ne!(f.encode(x, RNE, Overflow::Saturate), 2);
    }
}
