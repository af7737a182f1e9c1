//! Names people type: every alias parses to the format it is meant to (table-driven, written
//! here independently of the crate's own table), in any case; `Display` keeps the canonical
//! name; ambiguous and wider names are refused with a reason.

use lowbit::{ElementFormat as F, Error, Format};

/// (name as people write it, the format it must be).
fn expected() -> Vec<(&'static str, F)> {
    let int = |s: &str| s.parse::<F>().unwrap();
    vec![
        // safetensors `Dtype` names.
        ("F4", F::FLOAT4_E2M1FN),
        ("F6_E2M3", F::FLOAT6_E2M3FN),
        ("F6_E3M2", F::FLOAT6_E3M2FN),
        ("F8_E4M3", F::FLOAT8_E4M3FN),
        ("F8_E5M2", F::FLOAT8_E5M2),
        ("F8_E8M0", F::FLOAT8_E8M0FNU),
        ("F8_E4M3FNUZ", F::FLOAT8_E4M3FNUZ),
        ("F8_E5M2FNUZ", F::FLOAT8_E5M2FNUZ),
        ("F8_E4M3FN", F::FLOAT8_E4M3FN),
        ("F8_E8M0FNU", F::FLOAT8_E8M0FNU),
        ("F16", F::FLOAT16),
        ("BF16", F::BFLOAT16),
        ("I8", F::INT8),
        ("U8", F::UINT8),
        ("I16", int("int16")),
        ("U16", int("uint16")),
        // PyTorch (with and without the `torch.` that printing a dtype gives).
        ("float8_e4m3fn", F::FLOAT8_E4M3FN),
        ("torch.float8_e4m3fn", F::FLOAT8_E4M3FN),
        ("torch.float8_e5m2", F::FLOAT8_E5M2),
        ("torch.float8_e4m3fnuz", F::FLOAT8_E4M3FNUZ),
        ("torch.float8_e5m2fnuz", F::FLOAT8_E5M2FNUZ),
        ("torch.float8_e8m0fnu", F::FLOAT8_E8M0FNU),
        ("torch.float4_e2m1fn_x2", F::FLOAT4_E2M1FN),
        ("float4_e2m1fn_x2", F::FLOAT4_E2M1FN),
        ("torch.float16", F::FLOAT16),
        ("torch.half", F::FLOAT16),
        ("torch.bfloat16", F::BFLOAT16),
        ("torch.int8", F::INT8),
        ("torch.uint8", F::UINT8),
        ("torch.int4", F::INT4),
        // ONNX TensorProto names.
        ("FLOAT8E4M3FN", F::FLOAT8_E4M3FN),
        ("FLOAT8E4M3FNUZ", F::FLOAT8_E4M3FNUZ),
        ("FLOAT8E5M2", F::FLOAT8_E5M2),
        ("FLOAT8E5M2FNUZ", F::FLOAT8_E5M2FNUZ),
        ("FLOAT8E8M0", F::FLOAT8_E8M0FNU),
        ("FLOAT4E2M1", F::FLOAT4_E2M1FN),
        ("FLOAT16", F::FLOAT16),
        ("BFLOAT16", F::BFLOAT16),
        // Short forms.
        ("bf16", F::BFLOAT16),
        ("fp16", F::FLOAT16),
        ("f16", F::FLOAT16),
        ("half", F::FLOAT16),
        ("e4m3fn", F::FLOAT8_E4M3FN),
        ("e4m3fnuz", F::FLOAT8_E4M3FNUZ),
        ("e5m2fnuz", F::FLOAT8_E5M2FNUZ),
        ("e4m3b11fnuz", F::FLOAT8_E4M3B11FNUZ),
        ("e5m2", F::FLOAT8_E5M2),
        ("e3m4", F::FLOAT8_E3M4),
        ("e8m0", F::FLOAT8_E8M0FNU),
        ("e8m0fnu", F::FLOAT8_E8M0FNU),
        ("ue8m0", F::FLOAT8_E8M0FNU),
        ("UE8M0", F::FLOAT8_E8M0FNU),
        ("ue4m3", F::UE4M3),
        ("e2m3fn", F::FLOAT6_E2M3FN),
        ("e3m2fn", F::FLOAT6_E3M2FN),
        ("e2m1fn", F::FLOAT4_E2M1FN),
        ("fp8_e4m3", F::FLOAT8_E4M3FN),
        ("FP8_E4M3", F::FLOAT8_E4M3FN),
        ("fp8_e4m3fn", F::FLOAT8_E4M3FN),
        ("fp8_e5m2", F::FLOAT8_E5M2),
        ("fp8_e8m0", F::FLOAT8_E8M0FNU),
        ("fp6_e2m3", F::FLOAT6_E2M3FN),
        ("fp6_e3m2", F::FLOAT6_E3M2FN),
        ("fp4_e2m1", F::FLOAT4_E2M1FN),
        ("fp4", F::FLOAT4_E2M1FN),
        ("  Float8_E4M3FN\n", F::FLOAT8_E4M3FN),
        // The look-alikes, documented in `ElementFormat::ALIASES`: the bare grammar is the
        // IEEE-style variant.
        ("e4m3", F::FLOAT8_E4M3),
        ("E4M3", F::FLOAT8_E4M3),
        ("e4m3_ieee", F::FLOAT8_E4M3),
        ("e4m3_fn", F::FLOAT8_E4M3FN),
        ("e5m2b16_fnuz", F::FLOAT8_E5M2FNUZ),
    ]
}

#[test]
fn every_alias_parses_to_its_format_in_any_case() {
    for (name, want) in expected() {
        for n in [
            name.to_string(),
            name.to_ascii_lowercase(),
            name.to_ascii_uppercase(),
        ] {
            let got: F = n.parse().unwrap_or_else(|e| panic!("{n:?}: {e}"));
            assert_eq!(got, want, "{n:?}");
            // Display keeps the canonical name, which parses back.
            let shown = got.to_string();
            assert_eq!(shown.parse::<F>().unwrap(), want);
            assert!(
                F::NAMED.iter().any(|(c, f, _)| *c == shown && *f == want),
                "{shown}"
            );
        }
    }
}

#[test]
fn the_crate_table_agrees_with_the_expected_one() {
    let exp = expected();
    for (alias, f, source) in F::ALIASES {
        assert!(!source.is_empty());
        assert_eq!(alias.parse::<F>().unwrap(), *f, "{alias}");
        // An alias is never what Display prints.
        assert_ne!(f.to_string(), *alias);
        assert!(
            !F::NAMED.iter().any(|(n, _, _)| n == alias),
            "{alias} is also canonical"
        );
        // Every alias of the crate is in the independent list above (in some case).
        assert!(
            exp.iter()
                .any(|(n, g)| n.eq_ignore_ascii_case(alias) && g == f),
            "{alias} not in the test's table"
        );
    }
    for (name, f, _) in F::NAMED {
        assert_eq!(name.parse::<F>().unwrap(), *f);
        assert_eq!(f.to_string(), *name);
    }
}

#[test]
fn look_alike_names_are_the_formats_the_docs_say() {
    let max = |s: &str| s.parse::<F>().unwrap().max_value();
    assert_eq!(max("e4m3"), 240.0);
    assert_eq!(max("float8_e4m3"), 240.0);
    assert_eq!(max("e4m3fn"), 448.0);
    assert_eq!(max("F8_E4M3"), 448.0);
    assert_eq!(max("fp8_e4m3"), 448.0);
    assert_eq!(max("e2m1"), 3.0);
    assert!("e2m1".parse::<F>().unwrap().has_inf());
    assert_eq!(max("e2m1fn"), 6.0);
    assert_eq!(max("fp4_e2m1"), 6.0);
    // No underscore: ml_dtypes' bias 16; with one: the grammar's default bias 15.
    let bias = |s: &str| s.parse::<F>().unwrap().float_spec().unwrap().bias();
    assert_eq!(bias("e5m2fnuz"), 16);
    assert_eq!(bias("e5m2_fnuz"), 15);
}

#[test]
fn safetensors_dtype_is_the_inverse_of_parsing() {
    let mut named = 0;
    let all = F::NAMED
        .iter()
        .map(|(_, f, _)| *f)
        .chain(F::ALIASES.iter().map(|(_, f, _)| *f));
    for f in all {
        if let Some(dt) = f.safetensors_dtype() {
            assert_eq!(dt.parse::<F>().unwrap(), f, "{dt}");
            assert_eq!(dt, dt.to_ascii_uppercase());
            named += 1;
        }
    }
    assert!(named > 0);
    let mut dts: Vec<&str> = F::NAMED
        .iter()
        .filter_map(|(_, f, _)| f.safetensors_dtype())
        .collect();
    dts.sort_unstable();
    assert_eq!(
        dts,
        [
            "BF16",
            "F16",
            "F4",
            "F6_E2M3",
            "F6_E3M2",
            "F8_E4M3",
            "F8_E4M3FNUZ",
            "F8_E5M2",
            "F8_E5M2FNUZ",
            "F8_E8M0",
            "I16",
            "I8",
            "U16",
            "U8"
        ]
    );
    assert_eq!(F::FLOAT8_E4M3.safetensors_dtype(), None);
    assert_eq!(F::UE4M3.safetensors_dtype(), None);
    assert_eq!(F::Ternary.safetensors_dtype(), None);
}

#[test]
fn ambiguous_and_wide_names_are_refused_with_a_reason() {
    for (name, must_mention) in [
        ("fp8", ["float8_e4m3fn", "float8_e5m2"]),
        ("FP8", ["float8_e4m3fn", "float8_e5m2"]),
        ("f8", ["float8_e4m3fn", "float8_e5m2"]),
        ("fp6", ["float6_e2m3fn", "float6_e3m2fn"]),
        ("F32", ["16 bits", "decode"]),
        ("float32", ["16 bits", "decode"]),
        ("F64", ["16 bits", "decode"]),
        ("torch.float32", ["16 bits", "decode"]),
        ("BOOL", ["uint1", "not a number"]),
    ] {
        let e = name.parse::<F>().unwrap_err();
        assert!(matches!(e, Error::NotAFormat { .. }), "{name}: {e:?}");
        let msg = e.to_string();
        assert!(msg.contains(name), "{msg}");
        for m in must_mention {
            assert!(msg.contains(m), "{name}: {msg}");
        }
    }
    // Unknown names stay UnknownName, naming the input.
    let e = "float9_e9m9".parse::<F>().unwrap_err();
    assert!(matches!(e, Error::UnknownName(_)) && e.to_string().contains("float9_e9m9"));
    assert!("é4m3".parse::<F>().is_err());
    // The codes of an alias are the canonical format's.
    assert_eq!("F8_E4M3".parse::<F>().unwrap().bits(), 8);
}

#[test]
fn block_names_in_any_case() {
    use lowbit::BlockFormat;
    for (name, bf) in BlockFormat::NAMED {
        let upper = name.to_ascii_uppercase();
        assert_eq!(upper.parse::<BlockFormat>().unwrap(), *bf, "{upper}");
        assert_eq!(
            format!("  {upper}_RCEIL ").parse::<BlockFormat>().ok(),
            bf.with_scale_rule(lowbit::MxScaleRule::RCeil).ok(),
            "{upper}_RCEIL"
        );
    }
    assert_eq!(
        "Int4_G128_AWQ".parse::<BlockFormat>().unwrap().to_string(),
        "int4_g128_awq"
    );
    assert!("MXFP5".parse::<BlockFormat>().is_err());
}

/// The contract's profile names ("Profiles of other ecosystems") and the crate's other
/// library names parse to the library, element and rule they say, and print back the same.
#[test]
fn library_profile_names() {
    use lowbit::{
        AbsmaxProfile, AffineRule, BlockFormat, MxProfile as P, MxScaleRule as R, Nvfp4Profile,
        Scheme,
    };
    let mx = |name: &str, e: F, p: P, r: R| {
        let bf: BlockFormat = name.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            bf.scheme(),
            Scheme::MxProfiled {
                profile: p,
                rule: r
            },
            "{name}"
        );
        assert_eq!(bf.element(), e, "{name}");
        assert_eq!(bf.block_len(), Some(32), "{name}");
        assert_eq!(bf.to_string(), name);
    };
    mx("mxfp4_torchao", F::FLOAT4_E2M1FN, P::Torchao, R::Floor);
    mx(
        "mxfp4_rceil_torchao",
        F::FLOAT4_E2M1FN,
        P::Torchao,
        R::RCeil,
    );
    mx("mxfp4_ceil_torchao", F::FLOAT4_E2M1FN, P::Torchao, R::Ceil);
    mx("mxfp4_even_torchao", F::FLOAT4_E2M1FN, P::Torchao, R::Even);
    mx(
        "mxfp8_e4m3_rceil_torchao",
        F::FLOAT8_E4M3FN,
        P::Torchao,
        R::RCeil,
    );
    mx("mxfp8_e5m2_torchao", F::FLOAT8_E5M2, P::Torchao, R::Floor);
    mx(
        "mxfp6_e2m3_ceil_torchao15",
        F::FLOAT6_E2M3FN,
        P::Torchao15,
        R::Ceil,
    );
    mx(
        "mxfp6_e3m2_even_torchao14",
        F::FLOAT6_E3M2FN,
        P::Torchao14,
        R::Even,
    );
    mx("mxfp4_modelopt", F::FLOAT4_E2M1FN, P::ModelOpt, R::RCeil);
    mx(
        "mxfp8_e4m3_modelopt",
        F::FLOAT8_E4M3FN,
        P::ModelOpt,
        R::RCeil,
    );
    mx("mxfp4_ct", F::FLOAT4_E2M1FN, P::CompressedTensors, R::Even);
    mx(
        "mxfp6_e2m3_ct",
        F::FLOAT6_E2M3FN,
        P::CompressedTensors,
        R::Even,
    );
    mx(
        "mxfp6_e3m2_ct",
        F::FLOAT6_E3M2FN,
        P::CompressedTensors,
        R::Even,
    );
    mx(
        "mxfp8_e4m3_ct",
        F::FLOAT8_E4M3FN,
        P::CompressedTensors,
        R::Even,
    );
    // The profile comes after the rule; the libraries with one rule take no rule token.
    for bad in [
        "mxfp4_torchao_rceil",
        "mxfp4_rceil_modelopt",
        "mxfp4_floor_ct",
        "mxfp8_e5m2_ct",
        "mxint8_torchao",
    ] {
        assert!(bad.parse::<BlockFormat>().is_err(), "{bad}");
    }
    for (name, p, two) in [
        ("nvfp4_torchao", Nvfp4Profile::Torchao, true),
        ("nvfp4_torchao_single", Nvfp4Profile::Torchao, false),
        ("nvfp4_torchao15", Nvfp4Profile::Torchao15, true),
        ("nvfp4_torchao14_single", Nvfp4Profile::Torchao14, false),
        ("nvfp4_modelopt", Nvfp4Profile::ModelOpt, true),
        ("nvfp4_ct_single", Nvfp4Profile::CompressedTensors, false),
    ] {
        let bf: BlockFormat = name.parse().unwrap();
        assert_eq!(
            bf.scheme(),
            Scheme::Nvfp4 {
                profile: p,
                two_level: two
            },
            "{name}"
        );
        assert_eq!(bf.to_string(), name);
    }
    for (name, rule) in [
        ("int4_g128_autoawq", AffineRule::AutoAwq),
        ("int4_g128_ct_bf16", AffineRule::CompressedTensors),
        ("int4_g32_sym_ct", AffineRule::CompressedTensorsSym),
    ] {
        let bf: BlockFormat = name.parse().unwrap();
        assert!(
            matches!(bf.scheme(), Scheme::Affine { rule: r, .. } if r == rule),
            "{name}"
        );
        assert_eq!(bf.to_string(), name);
    }
    for (name, p, pow2) in [
        ("fp8_e4m3_tensor_modelopt", AbsmaxProfile::ModelOpt, false),
        (
            "fp8_e4m3_row_ct_bf16",
            AbsmaxProfile::CompressedTensors,
            false,
        ),
        (
            "fp8_e4m3_t128x128_ct",
            AbsmaxProfile::CompressedTensors,
            false,
        ),
        (
            "fp8_e4m3_t128x128_ue8m0_transformers",
            AbsmaxProfile::Transformers,
            true,
        ),
        (
            "fp8_e4m3_t128x128_transformers",
            AbsmaxProfile::Transformers,
            false,
        ),
    ] {
        let bf: BlockFormat = name.parse().unwrap();
        assert!(
            matches!(bf.scheme(), Scheme::Absmax { profile: q, pow2: w, .. } if q == p && w == pow2),
            "{name}"
        );
        assert_eq!(bf.to_string(), name);
    }
}

/// The formats added with codebooks and P3109: every gfloat P3109 name of K ≤ 8 parses
/// (except the two without a finite nonzero value) and prints as itself, apart from the
/// formats ml_dtypes names and signed P = K (the same format as P = K − 1); the grammar's
/// `_p3109` suffix names the same formats; codebook names and block formats with codebook or
/// FP4 elements round-trip.
#[test]
fn p3109_codebook_and_new_block_names_round_trip() {
    let mut n = 0;
    for k in 2..=8u32 {
        for p in 1..=k {
            for s in ["s", "u"] {
                for d in ["e", "f"] {
                    let name = format!("p3109_k{k}p{p}{s}{d}");
                    let f = match name.parse::<F>() {
                        Ok(f) => f,
                        Err(Error::Spec(_)) => {
                            assert!(name == "p3109_k2p1se" || name == "p3109_k2p2se", "{name}");
                            continue;
                        }
                        Err(e) => panic!("{name}: {e}"),
                    };
                    let shown = f.to_string();
                    assert_eq!(shown.parse::<F>().unwrap(), f, "{name}");
                    if s == "s" && p == k {
                        assert_eq!(shown, format!("p3109_k{k}p{}s{d}", k - 1));
                    } else if !shown.starts_with("float8_") {
                        assert_eq!(shown, name);
                    }
                    // The upper-case form and the grammar's spelling of the extended domain.
                    assert_eq!(name.to_uppercase().parse::<F>().unwrap(), f);
                    if let (Some(spec), "e") = (f.float_spec(), d) {
                        let u = if spec.is_signed() { "" } else { "u" };
                        let g = format!(
                            "{u}e{}m{}b{}_p3109",
                            spec.exp_bits(),
                            spec.man_bits(),
                            spec.bias()
                        );
                        assert_eq!(g.parse::<F>().unwrap(), f, "{g}");
                    }
                    n += 1;
                }
            }
        }
    }
    assert_eq!(n, 138);
    assert_eq!("p3109_k8p4sf".parse::<F>().unwrap(), F::FLOAT8_E4M3FNUZ);
    assert_eq!("p3109_k8p3sf".parse::<F>().unwrap(), F::FLOAT8_E5M2FNUZ);
    for bad in [
        "p3109_k8p9se",
        "p3109_k8p0se",
        "p3109_k8p3sx",
        "p3109_k1p1se",
        "p3109_kp3se",
        "p3109_k8p3",
    ] {
        assert!(bad.parse::<F>().is_err(), "{bad}");
    }
    for (name, f) in [
        ("nf4", F::NF4),
        ("NF4", F::NF4),
        ("bnb_fp4", F::BNB_FP4),
        ("iq4_nl", F::IQ4_NL),
        ("bnb_dynamic", F::BNB_DYNAMIC),
    ] {
        assert_eq!(name.parse::<F>().unwrap(), f);
        assert_eq!(f.to_string().parse::<F>().unwrap(), f);
    }
    assert!(matches!(
        "codebook4_0123456789abcdef".parse::<F>(),
        Err(Error::NotAFormat { .. })
    ));
    for name in [
        "absmax_nf4_g64",
        "absmax_bnb_fp4_g16_f16",
        "absmax_iq4_nl_g32_ue8m0",
        "absmax_bnb_dynamic_row",
        "absmax_float4_e2m1fn_g32_ue8m0",
        "absmax_p3109_k8p3se_t2x8",
    ] {
        let bf: lowbit::BlockFormat = name.parse().unwrap();
        assert_eq!(bf.to_string(), name);
        assert!(bf.element().bits() <= 8);
    }
}
